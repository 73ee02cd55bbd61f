//! Manifests: parallel parsing, feeding the doctor's model, and pointing its findings back into files.

use std::collections::HashMap;

use srehub_checks::manifest;
use srehub_core::{Finding, Location};
use srehub_model::k8s::SnapshotBuilder;
use srehub_model::manifest::{ManifestObject, parse_file};
use srehub_model::yaml::Node;

use super::FileKind;
use super::files::Input;

/// (kind, namespace, name) → index of the first such object.
pub(super) type ObjectIndex<'a> = HashMap<(&'a str, &'a str, &'a str), usize>;

pub(super) fn index_objects(objects: &[ManifestObject]) -> ObjectIndex<'_> {
    let mut index = HashMap::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        index
            .entry((o.kind.as_str(), o.namespace.as_str(), o.name.as_str()))
            .or_insert(i);
    }
    index
}

/// Where a finding of the doctor's audit about `resource` points in the manifests: the container's
/// entry if the finding names one, else the object.
pub(super) fn locate(
    objects: &[ManifestObject],
    index: &ObjectIndex<'_>,
    f: &Finding,
) -> Option<Location> {
    let r = f.resource.as_ref()?;
    let ns = r.namespace.as_deref().unwrap_or("");
    let o = &objects[*index.get(&(r.kind.as_str(), ns, r.name.as_str()))?];
    let mut pos = o.pos();
    if let Some(c) = &r.container
        && let Some(t) = manifest::pod_template(o)
    {
        let found = ["containers", "initContainers", "ephemeralContainers"]
            .iter()
            .flat_map(|l| t.spec.get(l).map(Node::items).unwrap_or(&[]))
            .find(|n| n.get("name").and_then(Node::as_str) == Some(c.as_str()));
        if let Some(n) = found {
            pos = n.pos;
        }
    }
    Some(Location {
        file: o.file.clone(),
        line: Some(pos.line),
        column: Some(pos.column),
    })
}

/// Parses the manifest inputs on all cores; results in the order of the manifest inputs.
pub(super) fn parse_manifests_parallel(
    inputs: &[Input],
) -> Vec<Result<srehub_model::manifest::ManifestFile, srehub_model::yaml::YamlError>> {
    let manifests: Vec<&Input> = inputs
        .iter()
        .filter(|i| i.kind == FileKind::Manifest)
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(manifests.len().div_ceil(64))
        .max(1);
    if threads == 1 {
        return manifests
            .iter()
            .map(|i| parse_file(&i.text, &i.path))
            .collect();
    }
    let chunk = manifests.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = manifests
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|i| parse_file(&i.text, &i.path))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                // A parser panic is a bug; re-raise it rather than lose files silently.
                Err(p) => std::panic::resume_unwind(p),
            })
            .collect()
    })
}

/// Adds a manifest object to the doctor's model. Values of the wrong type (reported by the schema checks)
/// would make the model drop the whole object, so they are left out and the rest of the object is kept.
pub(super) fn add_to_snapshot(
    builder: &mut SnapshotBuilder,
    o: &ManifestObject,
    buf: &mut Vec<u8>,
) -> Result<(), String> {
    buf.clear();
    o.node.write_json(buf);
    if builder.add_bytes(buf, &o.file).is_ok() {
        return Ok(());
    }
    let mut json = o.node.to_json();
    // `null` is "unset" to the API server.
    strip_nulls(&mut json);
    for v in manifest::schema::Schema::get().validate(o) {
        if v.kind == manifest::schema::ViolationKind::WrongType {
            remove_path(&mut json, &v.segments);
        }
    }
    let bytes = serde_json::to_vec(&json).map_err(|e| e.to_string())?;
    builder
        .add_bytes(&bytes, &o.file)
        .map_err(|e| e.to_string())
}

pub(super) fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

pub(super) fn remove_path(v: &mut serde_json::Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for p in parents {
        cur = match cur {
            serde_json::Value::Object(m) => match m.get_mut(p) {
                Some(x) => x,
                None => return,
            },
            serde_json::Value::Array(a) => match p.parse::<usize>().ok().and_then(|i| a.get_mut(i))
            {
                Some(x) => x,
                None => return,
            },
            _ => return,
        };
    }
    match cur {
        serde_json::Value::Object(m) => {
            m.remove(last);
        }
        serde_json::Value::Array(a) => {
            if let Some(x) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                *x = serde_json::Value::Null;
            }
        }
        _ => {}
    }
}
