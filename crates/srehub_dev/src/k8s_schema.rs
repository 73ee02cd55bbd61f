//! Generates the compact Kubernetes schema that `srehub lint` validates manifests against, from the
//! JSON schemas of `k8s-openapi`'s types (themselves generated from the Kubernetes OpenAPI document).
//!
//! The compact form keeps only what validation needs: per type, its properties with a type expression
//! each, and its required properties. Type expressions: `string`, `integer`, `number`, `boolean`,
//! `int-or-string` (also quantities), `any`, `[T]` (array of T), `{T}` (map of string to T), or the
//! name of another type.

use std::collections::BTreeMap;

use k8s_openapi::Resource;
use schemars::SchemaGenerator;
use serde_json::{Map, Value, json};

struct Gen {
    generator: SchemaGenerator,
    kinds: BTreeMap<String, String>,
}

impl Gen {
    fn add<T: Resource + schemars::JsonSchema>(&mut self) {
        let name = T::schema_name().to_string();
        let _ = self.generator.subschema_for::<T>();
        self.kinds
            .insert(format!("{} {}", T::API_VERSION, T::KIND), name);
    }
}

fn short(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

/// The type expression of a schema.
fn expr(s: &Value, defs: &Map<String, Value>) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = short(r);
        return match defs.get(name) {
            Some(d) if d.get("properties").is_some() => name.to_string(),
            Some(d) => expr(d, defs),
            None => "any".into(),
        };
    }
    if s.get("x-kubernetes-int-or-string").is_some() {
        return "int-or-string".into();
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") => "string".into(),
        Some("integer") => "integer".into(),
        Some("number") => "number".into(),
        Some("boolean") => "boolean".into(),
        Some("array") => format!(
            "[{}]",
            s.get("items").map_or("any".into(), |i| expr(i, defs))
        ),
        Some("object") => match s.get("additionalProperties") {
            Some(Value::Object(_)) => format!(
                "{{{}}}",
                expr(s.get("additionalProperties").unwrap_or(&Value::Null), defs)
            ),
            _ => "object".into(),
        },
        _ => "any".into(),
    }
}

/// The compact schema document.
pub fn generate() -> String {
    use k8s_openapi::api::*;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiext;
    use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apireg;
    let mut g = Gen {
        generator: SchemaGenerator::default(),
        kinds: BTreeMap::new(),
    };
    // Every kind people write manifests for, at its served GA version.
    g.add::<admissionregistration::v1::MutatingWebhookConfiguration>();
    g.add::<admissionregistration::v1::ValidatingWebhookConfiguration>();
    g.add::<admissionregistration::v1::ValidatingAdmissionPolicy>();
    g.add::<admissionregistration::v1::ValidatingAdmissionPolicyBinding>();
    g.add::<apps::v1::ControllerRevision>();
    g.add::<apps::v1::DaemonSet>();
    g.add::<apps::v1::Deployment>();
    g.add::<apps::v1::ReplicaSet>();
    g.add::<apps::v1::StatefulSet>();
    g.add::<autoscaling::v1::HorizontalPodAutoscaler>();
    g.add::<autoscaling::v2::HorizontalPodAutoscaler>();
    g.add::<batch::v1::CronJob>();
    g.add::<batch::v1::Job>();
    g.add::<certificates::v1::CertificateSigningRequest>();
    g.add::<coordination::v1::Lease>();
    g.add::<core::v1::ConfigMap>();
    g.add::<core::v1::Endpoints>();
    g.add::<core::v1::Event>();
    g.add::<core::v1::LimitRange>();
    g.add::<core::v1::Namespace>();
    g.add::<core::v1::Node>();
    g.add::<core::v1::PersistentVolume>();
    g.add::<core::v1::PersistentVolumeClaim>();
    g.add::<core::v1::Pod>();
    g.add::<core::v1::PodTemplate>();
    g.add::<core::v1::ReplicationController>();
    g.add::<core::v1::ResourceQuota>();
    g.add::<core::v1::Secret>();
    g.add::<core::v1::Service>();
    g.add::<core::v1::ServiceAccount>();
    g.add::<discovery::v1::EndpointSlice>();
    g.add::<events::v1::Event>();
    g.add::<flowcontrol::v1::FlowSchema>();
    g.add::<flowcontrol::v1::PriorityLevelConfiguration>();
    g.add::<networking::v1::Ingress>();
    g.add::<networking::v1::IngressClass>();
    g.add::<networking::v1::NetworkPolicy>();
    g.add::<node::v1::RuntimeClass>();
    g.add::<policy::v1::PodDisruptionBudget>();
    g.add::<rbac::v1::ClusterRole>();
    g.add::<rbac::v1::ClusterRoleBinding>();
    g.add::<rbac::v1::Role>();
    g.add::<rbac::v1::RoleBinding>();
    g.add::<scheduling::v1::PriorityClass>();
    g.add::<storage::v1::CSIDriver>();
    g.add::<storage::v1::StorageClass>();
    g.add::<storage::v1::VolumeAttachment>();
    g.add::<apiext::CustomResourceDefinition>();
    g.add::<apireg::APIService>();

    let defs: Map<String, Value> = g
        .generator
        .take_definitions(true)
        .into_iter()
        .map(|(k, v)| (short(&k).to_string(), v))
        .collect();
    let mut types = BTreeMap::new();
    for (name, def) in &defs {
        let Some(props) = def.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let p: BTreeMap<&str, String> = props
            .iter()
            .map(|(k, v)| (k.as_str(), expr(v, &defs)))
            .collect();
        let mut r: Vec<&str> = def
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // k8s-openapi makes `metadata` of every object non-optional; the API server does not require
        // it as such (it requires a name, which the linter checks itself).
        r.retain(|f| *f != "metadata");
        types.insert(name.as_str(), json!({"p": p, "r": r}));
    }
    let doc = json!({
        "generator": "cargo dev generate-all, from k8s-openapi (Kubernetes 1.37 API)",
        "kinds": g.kinds,
        "types": types,
    });
    let mut out = serde_json::to_string(&doc).unwrap_or_default();
    out.push('\n');
    out
}
