use std::collections::{HashMap, HashSet};

use srehub_core::{Check, Finding, Findings};
use srehub_model::k8s::{ClusterSnapshot, map_selector_matches};

use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Services with a `spec.selector` that matches no pod in their namespace and no pod template of a
    /// Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob there (so a workload scaled to zero,
    /// or a CronJob between runs, still counts as a match). Services without a selector (manually managed
    /// endpoints) and `ExternalName` Services are not judged.
    ///
    /// ## Why it matters
    /// The Service has no endpoints and never will: clients get connection refused or timeouts, and
    /// Ingresses in front of it return 503. The usual cause is a label typo or a label changed in the
    /// Deployment template but not in the Service.
    ///
    /// ## How to fix
    /// Compare the selector with the pod labels (`kubectl get pods -n NS --show-labels`) and fix
    /// `spec.selector` of the Service (or the template labels of the workload); delete the Service if it is
    /// left over.
    K8S016 ServiceSelectorMatchesNoPods { name: "service-selector-matches-no-pods", severity: Warning, category: Correctness, group: "audit" }
}

type Labels = srehub_model::k8s::SmallMap;

/// The distinct label sets of pods and pod templates in one namespace, with an inverted index from each
/// `key=value` to the sets carrying it, so a selector is checked against a few candidates only.
#[derive(Default)]
struct NsLabels<'a> {
    sets: Vec<&'a Labels>,
    seen: HashSet<&'a Labels>,
    postings: HashMap<(&'a str, &'a str), Vec<usize>>,
}

impl<'a> NsLabels<'a> {
    fn add(&mut self, labels: &'a Labels) {
        if labels.is_empty() || !self.seen.insert(labels) {
            return;
        }
        let i = self.sets.len();
        self.sets.push(labels);
        for (k, v) in labels {
            self.postings
                .entry((k.as_str(), v.as_str()))
                .or_default()
                .push(i);
        }
    }

    fn any_match(&self, selector: &Labels) -> bool {
        let mut smallest: Option<&Vec<usize>> = None;
        for (k, v) in selector {
            match self.postings.get(&(k.as_str(), v.as_str())) {
                None => return false,
                Some(list) => {
                    if smallest.is_none_or(|s| list.len() < s.len()) {
                        smallest = Some(list);
                    }
                }
            }
        }
        smallest.is_some_and(|list| {
            list.iter()
                .any(|&i| map_selector_matches(selector, self.sets[i]))
        })
    }
}

/// Label sets per namespace, for the namespaces in `wanted` only.
fn index<'a>(snap: &'a ClusterSnapshot, wanted: &HashSet<&str>) -> HashMap<&'a str, NsLabels<'a>> {
    let mut out: HashMap<&str, NsLabels<'_>> = HashMap::new();
    let mut add = |ns: &'a str, labels: &'a Labels| {
        if wanted.contains(ns) {
            out.entry(ns).or_default().add(labels);
        }
    };
    for p in &snap.pods {
        add(&p.metadata.namespace, &p.metadata.labels);
    }
    for w in snap.workloads.iter().chain(&snap.replica_sets) {
        add(&w.metadata.namespace, &w.spec.template.metadata.labels);
    }
    for j in &snap.jobs {
        add(&j.metadata.namespace, &j.spec.template.metadata.labels);
    }
    for c in &snap.cron_jobs {
        add(
            &c.metadata.namespace,
            &c.spec.job_template.spec.template.metadata.labels,
        );
    }
    out
}

impl Check<K8sInput<'_>> for ServiceSelectorMatchesNoPods {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if !snap.has("Pod") {
            return;
        }
        let services: Vec<_> = snap
            .services
            .iter()
            .filter(|s| {
                !s.spec.selector.is_empty()
                    && s.spec.type_.as_deref() != Some("ExternalName")
                    && s.metadata.deletion_timestamp.is_none()
            })
            .collect();
        if services.is_empty() {
            return;
        }
        let wanted: HashSet<&str> = services
            .iter()
            .map(|s| s.metadata.namespace.as_str())
            .collect();
        let by_ns = index(snap, &wanted);
        for svc in services {
            let m = &svc.metadata;
            let sel = &svc.spec.selector;
            if by_ns
                .get(m.namespace.as_str())
                .is_some_and(|ix| ix.any_match(sel))
            {
                continue;
            }
            let sel_text: Vec<String> = sel.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let sel_text = sel_text.join(",");
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!(
                        "Selector `{sel_text}` matches no pod and no workload template in namespace `{}`, so the Service has no endpoints",
                        m.namespace
                    ),
                )
                .resource(resource(m))
                .hint(format!(
                    "Compare with the pod labels (kubectl get pods -n {} --show-labels) and fix spec.selector, or delete the Service",
                    m.namespace
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn service(ns: &str, name: &str, selector: serde_json::Value) -> serde_json::Value {
        json!({"kind": "Service", "apiVersion": "v1", "metadata": {"name": name, "namespace": ns},
               "spec": {"type": "ClusterIP", "clusterIP": "10.96.12.34", "selector": selector,
                        "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}})
    }

    #[test]
    fn triggers_on_selector_typo() {
        let snap = snapshot(
            &[
                pod(
                    "shop",
                    "api-7d9f8-abcde",
                    json!({"metadata": {"labels": {"app": "api", "pod-template-hash": "7d9f8"}}}),
                ),
                service("shop", "api", json!({"app": "apí"})),
                // Same labels, other namespace: does not count.
                pod(
                    "staging",
                    "web-1",
                    json!({"metadata": {"labels": {"app": "web"}}}),
                ),
                service("shop", "web", json!({"app": "web"})),
            ],
            &[],
        );
        let found = run(&ServiceSelectorMatchesNoPods, &snap);
        assert_eq!(found.len(), 2, "{found:?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_matches_scaled_to_zero_and_selectorless() {
        let scaled_down = json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "batch", "namespace": "shop"},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "batch"}},
                     "template": {"metadata": {"labels": {"app": "batch", "tier": "worker"}}, "spec": {"containers": [{"name": "w", "image": "batch:3"}]}}}});
        let cron = json!({"kind": "CronJob", "apiVersion": "batch/v1", "metadata": {"name": "report", "namespace": "shop"},
            "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"metadata": {"labels": {"job": "report"}},
                     "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "r", "image": "report:1"}]}}}}}});
        let snap = snapshot(
            &[
                pod(
                    "shop",
                    "api-7d9f8-abcde",
                    json!({"metadata": {"labels": {"app": "api", "pod-template-hash": "7d9f8"}}}),
                ),
                service("shop", "api", json!({"app": "api"})),
                scaled_down,
                service("shop", "batch", json!({"app": "batch", "tier": "worker"})),
                cron,
                service("shop", "report", json!({"job": "report"})),
                json!({"kind": "Service", "apiVersion": "v1", "metadata": {"name": "kubernetes", "namespace": "default"},
                       "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "targetPort": 6443}]}}),
                json!({"kind": "Service", "apiVersion": "v1", "metadata": {"name": "db", "namespace": "shop"},
                       "spec": {"type": "ExternalName", "externalName": "db.example.com", "selector": {"app": "db"}}}),
            ],
            &[],
        );
        let found = run(&ServiceSelectorMatchesNoPods, &snap);
        assert!(found.is_empty(), "{found:?}");
        // Pods not collected: nothing is judged.
        let snap = snapshot(&[service("shop", "api", json!({"app": "api"}))], &[]);
        assert!(run(&ServiceSelectorMatchesNoPods, &snap).is_empty());
    }
}
