//! Validation of custom resources against the `openAPIV3Schema` of a CustomResourceDefinition in the same
//! linted set (CRD awareness): unknown fields, wrong types, missing required fields and values outside an
//! `enum`, with the same positions and violation kinds as built-in kinds.

use std::collections::HashMap;

use srehub_model::manifest::ManifestObject;
use srehub_model::yaml::{Node, Value};

use super::schema::{Violation, ViolationKind, closest};

/// The structural schemas of the CRDs in a set, by (group, version, kind).
#[derive(Default)]
pub struct CrdSchemas<'a> {
    by_gvk: HashMap<(&'a str, &'a str, &'a str), &'a Node>,
}

impl<'a> CrdSchemas<'a> {
    /// Collects the schemas of every `apiextensions.k8s.io/v1` CRD among `objects`.
    pub fn new(objects: &'a [ManifestObject]) -> Self {
        let mut by_gvk = HashMap::new();
        for crd in objects.iter().filter(|o| {
            o.kind == "CustomResourceDefinition" && o.api_version == "apiextensions.k8s.io/v1"
        }) {
            let (Some(group), Some(kind)) = (
                crd.node.at(&["spec", "group"]).and_then(Node::as_str),
                crd.node
                    .at(&["spec", "names", "kind"])
                    .and_then(Node::as_str),
            ) else {
                continue;
            };
            for v in crd
                .node
                .at(&["spec", "versions"])
                .map(Node::items)
                .unwrap_or(&[])
            {
                if let (Some(name), Some(schema)) = (
                    v.get("name").and_then(Node::as_str),
                    v.at(&["schema", "openAPIV3Schema"]),
                ) {
                    by_gvk.insert((group, name, kind), schema);
                }
            }
        }
        CrdSchemas { by_gvk }
    }

    /// Whether a CRD of the set defines the object's kind (at any version).
    pub fn defines(&self, group: &str, kind: &str) -> bool {
        self.by_gvk
            .keys()
            .any(|(g, _, k)| *g == group && *k == kind)
    }

    /// Validates a custom resource; `None` when no CRD of the set has a schema for it.
    pub fn validate(&self, obj: &ManifestObject) -> Option<Vec<Violation>> {
        let (group, version) = obj.api_version.rsplit_once('/')?;
        let schema = self.by_gvk.get(&(group, version, obj.kind.as_str()))?;
        let mut v = CrdValidator {
            out: Vec::new(),
            segs: Vec::new(),
        };
        v.object(&obj.node, schema, &mut String::new(), true);
        Some(v.out)
    }
}

struct CrdValidator {
    out: Vec<Violation>,
    segs: Vec<String>,
}

fn type_of(schema: &Node) -> Option<&str> {
    schema.get("type").and_then(Node::as_str)
}

fn flag(schema: &Node, key: &str) -> bool {
    schema
        .get(key)
        .is_some_and(|v| v.value == Value::Bool(true))
}

impl CrdValidator {
    fn push(
        &mut self,
        kind: ViolationKind,
        path: &str,
        pos: srehub_model::yaml::Pos,
        message: String,
    ) {
        self.out.push(Violation {
            kind,
            path: path.to_string(),
            segments: self.segs.clone(),
            pos,
            message,
        });
    }

    fn value(&mut self, node: &Node, schema: &Node, path: &mut String) {
        if node.value == Value::Null {
            return;
        }
        if flag(schema, "x-kubernetes-int-or-string") {
            if !matches!(node.value, Value::Int(_) | Value::Str(_)) {
                self.wrong(node, "an integer or a string", path);
            }
            return;
        }
        let ok = match (type_of(schema), &node.value) {
            (None, _) => true,
            (Some("string"), Value::Str(_)) => true,
            (Some("integer"), Value::Int(_)) => true,
            (Some("number"), Value::Int(_) | Value::Float(_)) => true,
            (Some("boolean"), Value::Bool(_)) => true,
            (Some("array"), Value::Seq(items)) => {
                if let Some(item_schema) = schema.get("items") {
                    let len = path.len();
                    for (i, item) in items.iter().enumerate() {
                        path.push_str(&format!("[{i}]"));
                        self.segs.push(i.to_string());
                        self.value(item, item_schema, path);
                        self.segs.pop();
                        path.truncate(len);
                    }
                }
                true
            }
            (Some("object"), Value::Map(_)) => {
                self.object(node, schema, path, false);
                true
            }
            _ => false,
        };
        if !ok {
            let expected = match type_of(schema) {
                Some("string") => "a string",
                Some("integer") => "an integer",
                Some("number") => "a number",
                Some("boolean") => "a boolean",
                Some("array") => "a list",
                _ => "a mapping",
            };
            self.wrong(node, expected, path);
            return;
        }
        if let Some(allowed) = schema.get("enum").map(Node::items)
            && !allowed.is_empty()
            && !allowed.iter().any(|a| a.value == node.value)
        {
            let list: Vec<String> = allowed
                .iter()
                .map(|a| match &a.value {
                    Value::Str(s) => s.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            let message = format!("`{path}` must be one of {}", list.join(", "));
            self.push(ViolationKind::WrongType, path, node.pos, message);
        }
    }

    fn wrong(&mut self, node: &Node, expected: &str, path: &str) {
        let found = match &node.value {
            Value::Str(s) => format!("string \"{}\"", s.chars().take(40).collect::<String>()),
            other => other.type_name().to_string(),
        };
        let message = format!("`{path}` must be {expected}, found {found}");
        self.push(ViolationKind::WrongType, path, node.pos, message);
    }

    fn object(&mut self, node: &Node, schema: &Node, path: &mut String, root: bool) {
        let props = schema.get("properties");
        let additional = schema.get("additionalProperties");
        let preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
        let len = path.len();
        for (k, v) in node.entries() {
            if root && matches!(k.text.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&k.text);
            self.segs.push(k.text.to_string());
            match (props.and_then(|p| p.get(&k.text)), additional) {
                (Some(s), _) => self.value(v, s, path),
                (None, Some(a)) if matches!(a.value, Value::Map(_)) => self.value(v, a, path),
                (None, Some(a)) if a.value == Value::Bool(true) => {}
                _ if preserve || (props.is_none() && additional.is_none()) => {}
                _ => {
                    let known = props
                        .map(|p| {
                            p.entries()
                                .iter()
                                .map(|(k, _)| k.text.as_str())
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default();
                    let suggestion = closest(&k.text, known.into_iter())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    let message =
                        format!("unknown field `{path}` (not in the CRD's schema){suggestion}");
                    self.push(ViolationKind::UnknownField, path, k.pos, message);
                }
            }
            self.segs.pop();
            path.truncate(len);
        }
        for r in schema.get("required").map(Node::items).unwrap_or(&[]) {
            let Some(r) = r.as_str() else { continue };
            if node.get(r).is_none_or(|v| v.value == Value::Null) {
                let full = if path.is_empty() {
                    r.to_string()
                } else {
                    format!("{path}.{r}")
                };
                let message =
                    format!("required field `{full}` is missing (required by the CRD's schema)");
                self.segs.push(r.to_string());
                self.push(ViolationKind::Missing, &full, node.pos, message);
                self.segs.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use srehub_model::manifest::parse_file;

    const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: backups.example.com}\nspec:\n  group: example.com\n  names: {kind: Backup, plural: backups}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n              type: object\n              required: [schedule]\n              properties:\n                schedule: {type: string}\n                retain: {type: integer}\n                mode: {type: string, enum: [full, incremental]}\n                labels: {type: object, additionalProperties: {type: string}}\n                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}\n---\n";

    fn check(cr: &str) -> Vec<(ViolationKind, String, u32)> {
        let text = format!("{CRD}{cr}");
        let f = parse_file(&text, "t.yaml").unwrap();
        let crds = CrdSchemas::new(&f.objects);
        crds.validate(&f.objects[1])
            .unwrap()
            .into_iter()
            .map(|v| (v.kind, v.path, v.pos.line))
            .collect()
    }

    #[test]
    fn custom_resources_are_validated_against_their_crd() {
        let got = check(
            "apiVersion: example.com/v1\nkind: Backup\nmetadata: {name: nightly}\nspec:\n  schedul: '0 3 * * *'\n  retain: \"7\"\n  mode: fast\n  labels: {a: b}\n  extra: {anything: [1, 2]}\n",
        );
        assert_eq!(
            got,
            vec![
                (ViolationKind::UnknownField, "spec.schedul".to_string(), 30),
                (ViolationKind::WrongType, "spec.retain".to_string(), 31),
                (ViolationKind::WrongType, "spec.mode".to_string(), 32),
                (ViolationKind::Missing, "spec.schedule".to_string(), 30),
            ]
        );
    }

    #[test]
    fn a_valid_custom_resource_is_quiet_and_unknown_versions_are_not_judged() {
        assert!(check("apiVersion: example.com/v1\nkind: Backup\nmetadata: {name: nightly}\nspec: {schedule: '0 3 * * *', retain: 7, mode: full}\n").is_empty());
        let text = format!(
            "{CRD}apiVersion: example.com/v2\nkind: Backup\nmetadata: {{name: x}}\nspec: {{}}\n"
        );
        let f = parse_file(&text, "t.yaml").unwrap();
        assert!(
            CrdSchemas::new(&f.objects)
                .validate(&f.objects[1])
                .is_none()
        );
    }
}
