//! Kubernetes manifest checks of `srehub lint` (group `manifest`): schema validation, references between
//! the objects of the linted set, API versions and duplicates, over [`ManifestObject`]s with positions.
//!
//! The workload audit rules (`K8S001`–`K8S023`) are not here: `srehub lint` runs the doctor's audit
//! checks over the same objects (one implementation, two sources) and points their findings at the file.

mod config_reference_missing;
pub mod crd;
mod duplicate_object;
pub mod fix;
mod ingress_backend_missing;
mod missing_required_field;
mod network_policy_selector_matches_no_pods;
mod pdb_selector_matches_no_pods;
pub mod schema;
mod service_account_missing;
mod unknown_api_version;
mod unknown_field;
mod wrong_field_type;

pub use config_reference_missing::ConfigReferenceMissing;
pub use duplicate_object::DuplicateObject;
pub use ingress_backend_missing::IngressBackendMissing;
pub use missing_required_field::MissingRequiredField;
pub use network_policy_selector_matches_no_pods::NetworkPolicySelectorMatchesNoPods;
pub use pdb_selector_matches_no_pods::PdbSelectorMatchesNoPods;
pub use service_account_missing::ServiceAccountMissing;
pub use unknown_api_version::UnknownApiVersion;
pub use unknown_field::UnknownField;
pub use wrong_field_type::WrongFieldType;

use std::sync::OnceLock;

use srehub_core::{Check, CheckMeta, Finding, Findings, Location, Resource};
use srehub_model::k8s::{LabelSelector, SmallMap};
use srehub_model::manifest::ManifestObject;
use srehub_model::yaml::{Node, Pos};

use schema::{Schema, Violation, ViolationKind};

/// What every manifest check reads: the objects of every linted file.
pub struct ManifestInput<'a> {
    pub objects: &'a [ManifestObject],
    templates: OnceLock<Vec<(usize, PodTemplate<'a>)>>,
    violations: OnceLock<Vec<(usize, Violation)>>,
    /// (kind, namespace, name) → the first object so named.
    by_name: std::collections::HashMap<(&'a str, &'a str, &'a str), usize>,
}

/// A manifest check, for any lifetime of its input.
pub type ManifestCheck = dyn for<'a> Check<ManifestInput<'a>>;

/// Every manifest check.
pub const CHECKS: &[&ManifestCheck] = &[
    &UnknownField,
    &WrongFieldType,
    &MissingRequiredField,
    &UnknownApiVersion,
    &DuplicateObject,
    &IngressBackendMissing,
    &PdbSelectorMatchesNoPods,
    &NetworkPolicySelectorMatchesNoPods,
    &ServiceAccountMissing,
    &ConfigReferenceMissing,
];

/// The report resource of an object.
pub fn resource(o: &ManifestObject) -> Resource {
    Resource::new(o.kind.clone(), o.name.clone()).in_namespace(o.namespace.clone())
}

/// Whether the object's `srehub.io/ignore` annotation names the check.
fn annotated_ignore(o: &ManifestObject, meta: &CheckMeta) -> bool {
    o.node
        .at(&["metadata", "annotations", "srehub.io/ignore"])
        .and_then(Node::as_str)
        .is_some_and(|v| {
            v.split(',').map(str::trim).any(|c| {
                c.eq_ignore_ascii_case(meta.code)
                    || c.eq_ignore_ascii_case(meta.name)
                    || c == "*"
                    || c.eq_ignore_ascii_case("all")
            })
        })
}

/// A pod template inside an object, with its labels.
pub struct PodTemplate<'a> {
    pub spec: &'a Node,
    pub labels: SmallMap,
}

impl<'a> ManifestInput<'a> {
    /// The input over a set of objects.
    pub fn new(objects: &'a [ManifestObject]) -> Self {
        let mut by_name = std::collections::HashMap::with_capacity(objects.len());
        for (i, o) in objects.iter().enumerate() {
            by_name
                .entry((o.kind.as_str(), o.namespace.as_str(), o.name.as_str()))
                .or_insert(i);
        }
        ManifestInput {
            objects,
            templates: OnceLock::new(),
            violations: OnceLock::new(),
            by_name,
        }
    }

    /// Schema violations of every object, computed once for the three schema checks.
    pub(crate) fn violations(
        &self,
        kind: ViolationKind,
    ) -> impl Iterator<Item = (usize, &Violation)> {
        self.violations
            .get_or_init(|| {
                let schema = Schema::get();
                let crds = crd::CrdSchemas::new(self.objects);
                self.objects
                    .iter()
                    .enumerate()
                    .flat_map(|(i, o)| {
                        let found = if schema.knows(&o.api_version, &o.kind) {
                            schema.validate(o)
                        } else {
                            crds.validate(o).unwrap_or_default()
                        };
                        found.into_iter().map(move |v| (i, v))
                    })
                    .collect()
            })
            .iter()
            .filter(move |(_, v)| v.kind == kind)
            .map(|(i, v)| (*i, v))
    }

    /// Pushes a finding of `meta` about `obj` at `pos`, unless the object's annotation silences it.
    pub fn push(
        &self,
        out: &mut Findings,
        meta: &CheckMeta,
        obj: &ManifestObject,
        pos: Pos,
        finding: Finding,
    ) {
        if annotated_ignore(obj, meta) {
            return;
        }
        out.push(finding.resource(resource(obj)).location(Location {
            file: obj.file.clone(),
            line: Some(pos.line),
            column: Some(pos.column),
        }));
    }

    /// The objects of a kind.
    pub fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'a ManifestObject> + 's {
        self.objects.iter().filter(move |o| o.kind == kind)
    }

    /// Whether an object of `kinds` named `name` exists in `namespace`.
    pub fn exists(&self, kinds: &[&str], namespace: &str, name: &str) -> bool {
        kinds
            .iter()
            .any(|k| self.by_name.contains_key(&(*k, namespace, name)))
    }

    /// The object of a kind with a name in a namespace.
    pub fn find(&self, kind: &str, namespace: &str, name: &str) -> Option<&'a ManifestObject> {
        let objects = self.objects;
        self.by_name
            .get(&(kind, namespace, name))
            .map(|&i| &objects[i])
    }

    /// Every pod template in the set, with its object (computed once).
    pub fn pod_templates(&self) -> impl Iterator<Item = (&'a ManifestObject, &PodTemplate<'a>)> {
        let objects = self.objects;
        self.templates
            .get_or_init(|| {
                objects
                    .iter()
                    .enumerate()
                    .filter_map(|(i, o)| pod_template(o).map(|t| (i, t)))
                    .collect()
            })
            .iter()
            .map(move |(i, t)| (&objects[*i], t))
    }
}

/// The pod template of a workload (or a pod's own spec).
pub fn pod_template(o: &ManifestObject) -> Option<PodTemplate<'_>> {
    let (spec, labels): (&[&str], &[&str]) = match o.kind.as_str() {
        "Pod" => (&["spec"], &["metadata", "labels"]),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => (
            &["spec", "template", "spec"],
            &["spec", "template", "metadata", "labels"],
        ),
        "CronJob" => (
            &["spec", "jobTemplate", "spec", "template", "spec"],
            &[
                "spec",
                "jobTemplate",
                "spec",
                "template",
                "metadata",
                "labels",
            ],
        ),
        _ => return None,
    };
    let spec = o.node.at(spec)?;
    // Labels are strings; anything else is a schema finding and matches nothing here.
    let labels = o
        .node
        .at(labels)
        .map(|n| {
            n.entries()
                .iter()
                .filter_map(|(k, v)| Some((k.text.to_string(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Some(PodTemplate { spec, labels })
}

/// A `LabelSelector` node, read leniently (`None` if malformed; the schema checks report that).
pub fn label_selector(n: &Node) -> Option<LabelSelector> {
    serde_json::from_value(n.to_json()).ok()
}

#[cfg(test)]
pub(crate) mod testing {
    use srehub_core::{Finding, Selection, run_checks};
    use srehub_model::manifest::parse_file;

    use super::{ManifestCheck, ManifestInput};

    /// Runs one check over the objects of a YAML text (file name `t.yaml`).
    pub fn run(check: &'static ManifestCheck, text: &str) -> Vec<Finding> {
        let f = parse_file(text, "t.yaml").expect("fixture parses");
        let input = ManifestInput::new(&f.objects);
        let (found, _) = run_checks(&[check], &input, &Selection::all());
        found
    }
}
