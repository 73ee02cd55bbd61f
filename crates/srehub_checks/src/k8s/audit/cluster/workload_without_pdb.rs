use std::collections::HashMap;

use srehub_core::{Check, Finding, Findings};
use srehub_model::k8s::LabelSelector;

use super::is_system_namespace;
use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Deployments and StatefulSets with two or more desired replicas whose pods no PodDisruptionBudget in
    /// their namespace selects. `kube-system` is left to the platform that runs it.
    ///
    /// ## Why it matters
    /// Without a PDB, `kubectl drain`, node upgrades and the cluster autoscaler may evict every replica at
    /// once: a routine node-pool rollout becomes an outage for a service that was meant to be redundant.
    ///
    /// ## How to fix
    /// Add a PodDisruptionBudget that selects the pods, usually with `maxUnavailable: 1`:
    /// `kubectl create poddisruptionbudget NAME -n NS --selector=app=NAME --max-unavailable=1`.
    /// Prefer `maxUnavailable` to `minAvailable` equal to the replica count, which blocks drains entirely.
    K8S014 WorkloadWithoutPdb { name: "workload-without-pdb", severity: Warning, category: Reliability, group: "audit" }
}

impl Check<K8sInput<'_>> for WorkloadWithoutPdb {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if !snap.has("PodDisruptionBudget") {
            return;
        }
        let mut pdbs: HashMap<&str, Vec<&LabelSelector>> = HashMap::new();
        for p in &snap.pdbs {
            // A PDB without a selector selects no pods (policy/v1); an empty one selects them all.
            if let Some(sel) = &p.spec.selector {
                pdbs.entry(p.metadata.namespace.as_str())
                    .or_default()
                    .push(sel);
            }
        }
        for w in &snap.workloads {
            let m = &w.metadata;
            if !matches!(m.kind.as_str(), "Deployment" | "StatefulSet")
                || m.deletion_timestamp.is_some()
                || is_system_namespace(&m.namespace)
            {
                continue;
            }
            let replicas = w.desired();
            if replicas < 2 {
                continue;
            }
            let labels = &w.spec.template.metadata.labels;
            let covered = pdbs
                .get(m.namespace.as_str())
                .is_some_and(|sels| sels.iter().any(|s| s.matches(labels)));
            if covered {
                continue;
            }
            let selector_labels = w
                .spec
                .selector
                .as_ref()
                .map(|s| &s.match_labels)
                .filter(|l| !l.is_empty())
                .unwrap_or(labels);
            let hint = if selector_labels.is_empty() {
                "Add a PodDisruptionBudget that selects its pods with maxUnavailable: 1".to_string()
            } else {
                let sel: Vec<String> = selector_labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                format!(
                    "kubectl create poddisruptionbudget {} -n {} --selector={} --max-unavailable=1",
                    m.name,
                    m.namespace,
                    sel.join(",")
                )
            };
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!(
                        "{} runs {replicas} replicas and no PodDisruptionBudget in namespace `{}` selects its pods",
                        m.kind, m.namespace
                    ),
                )
                .resource(resource(m))
                .hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn deployment(ns: &str, name: &str, replicas: i32) -> serde_json::Value {
        json!({"kind": "Deployment", "apiVersion": "apps/v1",
               "metadata": {"name": name, "namespace": ns, "uid": "0b6c7c1e-2d5a-4f9e-9a3e-6a1d2c3b4a5f", "generation": 3},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name, "tier": "web"}},
                                     "spec": {"containers": [{"name": "app", "image": format!("registry.example.com/{name}:1.4.2")}]}}},
               "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}})
    }

    fn pdb(ns: &str, name: &str, selector: serde_json::Value) -> serde_json::Value {
        json!({"kind": "PodDisruptionBudget", "apiVersion": "policy/v1", "metadata": {"name": name, "namespace": ns},
               "spec": {"maxUnavailable": 1, "selector": selector},
               "status": {"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3}})
    }

    #[test]
    fn triggers_on_replicated_deployment_without_pdb() {
        let sts = json!({"kind": "StatefulSet", "apiVersion": "apps/v1", "metadata": {"name": "db", "namespace": "shop"},
            "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                     "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "pg", "image": "postgres:16.4"}]}}}});
        let snap = snapshot(
            &[
                deployment("shop", "api", 3),
                sts,
                // A PDB in another namespace, and one whose selector does not match.
                pdb("other", "api", json!({"matchLabels": {"app": "api"}})),
                pdb("shop", "web", json!({"matchLabels": {"app": "web"}})),
            ],
            &[],
        );
        let found = run(&WorkloadWithoutPdb, &snap);
        assert_eq!(found.len(), 2, "{found:?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_covered_single_replica_or_not_collected() {
        let snap = snapshot(
            &[
                deployment("shop", "api", 3),
                deployment("shop", "worker", 1),
                deployment("kube-system", "coredns", 2),
                pdb(
                    "shop",
                    "api",
                    json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["api", "web"]}]}),
                ),
            ],
            &[],
        );
        assert!(run(&WorkloadWithoutPdb, &snap).is_empty());
        let snap = snapshot(&[deployment("shop", "api", 3)], &[]);
        assert!(
            run(&WorkloadWithoutPdb, &snap).is_empty(),
            "PDBs were not collected"
        );
        let snap = snapshot(
            &[deployment("shop", "api", 3), pdb("shop", "all", json!({}))],
            &[],
        );
        assert!(
            run(&WorkloadWithoutPdb, &snap).is_empty(),
            "an empty selector selects every pod"
        );
    }
}
