//! Kubernetes faults through kube-rs: kill pods matching a selector, cordon and drain a node through
//! the Eviction API (which honours PodDisruptionBudgets), and cut a workload off with a deny-all
//! NetworkPolicy. Every action is journaled; those that can be undone (cordon, NetworkPolicy) are
//! rolled back by [`KubeChaos::rollback`], at the end or on Ctrl-C. With `dry_run`, every write is sent
//! with `dryRun=All`: the API server validates and authorizes it, and persists nothing.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use kube::Api;
use kube::api::{DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use serde::Serialize;
use serde_json::Value;

/// Errors of the Kubernetes faults.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    #[error("{0}")]
    Usage(String),
    #[error("{action}: {failed} of {total} failed (see the journal)")]
    Failed {
        action: String,
        failed: usize,
        total: usize,
    },
    #[error("{action} failed")]
    Api {
        action: String,
        #[source]
        source: kube::Error,
    },
}

fn api_err(action: impl Into<String>) -> impl FnOnce(kube::Error) -> KubeError {
    let action = action.into();
    move |source| KubeError::Api { action, source }
}

/// One thing done (or that would have been done).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// RFC 3339.
    pub at: String,
    /// `delete-pod`, `evict-pod`, `cordon`, `uncordon`, `create-networkpolicy`, `delete-networkpolicy`.
    pub action: String,
    /// `namespace/name`, or a node's name.
    pub target: String,
    /// `done`, `dry-run`, `refused: …` or `failed: …`.
    pub outcome: String,
}

#[derive(Debug, Clone)]
enum Undo {
    Uncordon(String),
    DeleteNetworkPolicy { namespace: String, name: String },
}

/// How many of the matching pods to kill.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pick {
    Count(usize),
    /// A percentage of the matching pods, rounded up.
    Percent(f64),
    All,
}

/// The faults, on one cluster.
pub struct KubeChaos {
    client: kube::Client,
    pub dry_run: bool,
    journal: Mutex<Vec<Action>>,
    undo: Mutex<Vec<Undo>>,
    /// How often a refused eviction is retried while draining.
    pub eviction_retry: Duration,
}

const MANAGED_BY: &str = "srehub-chaos";

impl KubeChaos {
    pub fn new(client: kube::Client, dry_run: bool) -> KubeChaos {
        KubeChaos {
            client,
            dry_run,
            journal: Mutex::new(Vec::new()),
            undo: Mutex::new(Vec::new()),
            eviction_retry: Duration::from_secs(5),
        }
    }

    fn record(&self, action: &str, target: String, outcome: String) {
        let outcome = if self.dry_run && outcome == "done" {
            "dry-run".to_string()
        } else {
            outcome
        };
        tracing::info!(action, %target, %outcome, "chaos");
        self.journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Action {
                at: jiff::Timestamp::now().to_string(),
                action: action.to_string(),
                target,
                outcome,
            });
    }

    /// Everything done so far.
    pub fn journal(&self) -> Vec<Action> {
        self.journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn post(&self) -> PostParams {
        PostParams {
            dry_run: self.dry_run,
            ..Default::default()
        }
    }

    /// Deletes pods matching `selector` in `namespace`: `pick` of them, chosen at random among those not
    /// already terminating. `grace` 0 forces (as `kubectl delete --force --grace-period=0`); `None` uses
    /// each pod's own grace period. Returns the pods killed.
    pub async fn kill_pods(
        &self,
        namespace: &str,
        selector: &str,
        pick: Pick,
        grace: Option<u32>,
    ) -> Result<Vec<String>, KubeError> {
        if selector.trim().is_empty() {
            return Err(KubeError::Usage(
                "a label selector is required (-l app=api): srehub never kills every pod of a namespace by accident".into(),
            ));
        }
        let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let pods = api
            .list(&ListParams::default().labels(selector))
            .await
            .map_err(api_err(format!("listing pods {selector} in {namespace}")))?;
        let mut names: Vec<String> = pods
            .items
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter(|p| {
                p.status
                    .as_ref()
                    .and_then(|s| s.phase.as_deref())
                    .is_some_and(|ph| ph == "Running")
            })
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        if names.is_empty() {
            return Err(KubeError::Usage(format!(
                "no running pod matches {selector} in namespace {namespace}"
            )));
        }
        fastrand::shuffle(&mut names);
        let n = match pick {
            Pick::Count(n) => n.min(names.len()),
            Pick::Percent(p) => ((names.len() as f64 * p / 100.0).ceil() as usize).min(names.len()),
            Pick::All => names.len(),
        };
        names.truncate(n);
        names.sort();
        let dp = DeleteParams {
            grace_period_seconds: grace,
            dry_run: self.dry_run,
            ..Default::default()
        };
        let mut failed = 0;
        for name in &names {
            let outcome = match api.delete(name, &dp).await {
                Ok(_) => "done".to_string(),
                Err(e) => {
                    failed += 1;
                    format!("failed: {e}")
                }
            };
            self.record("delete-pod", format!("{namespace}/{name}"), outcome);
        }
        if failed > 0 {
            return Err(KubeError::Failed {
                action: format!("deleting pods {selector} in {namespace}"),
                failed,
                total: names.len(),
            });
        }
        Ok(names)
    }

    /// Cordons `node` and evicts its pods (not DaemonSet or mirror pods, nor finished ones) through
    /// the Eviction API; evictions a PodDisruptionBudget refuses are retried until `timeout`. Returns
    /// the pods left on the node.
    pub async fn drain(
        &self,
        node: &str,
        timeout: Duration,
        grace: Option<u32>,
    ) -> Result<Vec<String>, KubeError> {
        let nodes: Api<Node> = Api::all(self.client.clone());
        let n = nodes
            .get(node)
            .await
            .map_err(api_err(format!("reading node {node}")))?;
        let was_cordoned = n
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false);
        if !was_cordoned {
            let pp = PatchParams {
                dry_run: self.dry_run,
                ..Default::default()
            };
            nodes
                .patch(
                    node,
                    &pp,
                    &Patch::Merge(serde_json::json!({"spec": {"unschedulable": true}})),
                )
                .await
                .map_err(api_err(format!("cordoning {node}")))?;
            self.record("cordon", node.to_string(), "done".into());
            if !self.dry_run {
                self.push_undo(Undo::Uncordon(node.to_string()));
            }
        }
        let pods: Api<Pod> = Api::all(self.client.clone());
        let on_node = pods
            .list(&ListParams::default().fields(&format!("spec.nodeName={node}")))
            .await
            .map_err(api_err(format!("listing the pods of {node}")))?;
        let mut left: Vec<(String, String)> = on_node
            .items
            .iter()
            .filter(|p| evictable(p))
            .filter_map(|p| Some((p.metadata.namespace.clone()?, p.metadata.name.clone()?)))
            .collect();
        // As `kubectl drain` without --force: a pod no controller manages would be gone for good.
        let mut bare = Vec::new();
        left.retain(|(ns, name)| {
            let managed = on_node.items.iter().any(|p| {
                p.metadata.namespace.as_deref() == Some(ns)
                    && p.metadata.name.as_deref() == Some(name)
                    && p.metadata
                        .owner_references
                        .as_ref()
                        .is_some_and(|o| o.iter().any(|r| r.controller == Some(true)))
            });
            if !managed {
                bare.push(format!("{ns}/{name}"));
            }
            managed
        });
        for b in &bare {
            self.record(
                "evict-pod",
                b.clone(),
                "refused: no controller would recreate it (not evicted)".into(),
            );
        }
        let total = left.len();
        let mut failed = 0;
        let deadline = Instant::now() + timeout;
        loop {
            let mut refused = Vec::new();
            for (ns, name) in left {
                match self.evict(&ns, &name, grace).await {
                    Ok(_) => self.record("evict-pod", format!("{ns}/{name}"), "done".into()),
                    Err(kube::Error::Api(s)) if s.code == 429 => refused.push((ns, name)),
                    Err(kube::Error::Api(s)) if s.code == 404 => {}
                    Err(e) => {
                        failed += 1;
                        self.record("evict-pod", format!("{ns}/{name}"), format!("failed: {e}"))
                    }
                }
            }
            left = refused;
            if left.is_empty() || Instant::now() + self.eviction_retry > deadline {
                break;
            }
            tokio::time::sleep(self.eviction_retry).await;
        }
        for (ns, name) in &left {
            self.record(
                "evict-pod",
                format!("{ns}/{name}"),
                "refused: a PodDisruptionBudget allows no disruption now".into(),
            );
        }
        if failed > 0 {
            return Err(KubeError::Failed {
                action: format!("evicting the pods of {node}"),
                failed,
                total,
            });
        }
        Ok(left
            .into_iter()
            .map(|(ns, n)| format!("{ns}/{n}"))
            .chain(bare)
            .collect())
    }

    /// Creates a deny-all (ingress and egress) NetworkPolicy for the pods matching `selector`.
    /// Returns its name.
    pub async fn partition(&self, namespace: &str, selector: &str) -> Result<String, KubeError> {
        let pod_selector = label_selector(selector)?;
        let name = format!("srehub-chaos-deny-{:08x}", fastrand::u32(..));
        let np = NetworkPolicy {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(namespace.to_string()),
                labels: Some(BTreeMap::from([(
                    "app.kubernetes.io/managed-by".to_string(),
                    MANAGED_BY.to_string(),
                )])),
                annotations: Some(BTreeMap::from([(
                    "srehub.io/chaos".to_string(),
                    format!("deny-all for {selector}; deleted when the experiment ends"),
                )])),
                ..Default::default()
            },
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(pod_selector),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ingress: None,
                egress: None,
            }),
        };
        let api: Api<NetworkPolicy> = Api::namespaced(self.client.clone(), namespace);
        api.create(&self.post(), &np)
            .await
            .map_err(api_err(format!(
                "creating NetworkPolicy {name} in {namespace}"
            )))?;
        self.record(
            "create-networkpolicy",
            format!("{namespace}/{name}"),
            "done".into(),
        );
        if !self.dry_run {
            self.push_undo(Undo::DeleteNetworkPolicy {
                namespace: namespace.to_string(),
                name: name.clone(),
            });
        }
        Ok(name)
    }

    /// POSTs an Eviction (policy/v1) as kubectl drain does. Built here rather than with kube's
    /// `Api::evict`, whose body names the delete options `delete_options`, which the API server ignores
    /// (so a grace period or dry run inside them would be lost).
    async fn evict(&self, ns: &str, name: &str, grace: Option<u32>) -> Result<Value, kube::Error> {
        let mut url = format!("/api/v1/namespaces/{ns}/pods/{name}/eviction");
        let mut delete = serde_json::Map::new();
        if let Some(g) = grace {
            delete.insert("gracePeriodSeconds".into(), g.into());
        }
        if self.dry_run {
            url.push_str("?dryRun=All");
            delete.insert("dryRun".into(), serde_json::json!(["All"]));
        }
        let body = serde_json::json!({
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name, "namespace": ns},
            "deleteOptions": delete,
        });
        let req = http::Request::post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&body).unwrap_or_default())
            .map_err(kube::Error::HttpError)?;
        self.client.request::<Value>(req).await
    }

    fn push_undo(&self, u: Undo) {
        self.undo.lock().unwrap_or_else(|e| e.into_inner()).push(u);
    }

    /// Undoes what can be undone, newest first: uncordons nodes, deletes NetworkPolicies. Deleted and
    /// evicted pods are replaced by their controllers, not by srehub. Returns how many undos failed.
    pub async fn rollback(&self) -> usize {
        let undos: Vec<Undo> =
            std::mem::take(&mut *self.undo.lock().unwrap_or_else(|e| e.into_inner()));
        let mut failed = 0;
        for u in undos.into_iter().rev() {
            match u {
                Undo::Uncordon(node) => {
                    let api: Api<Node> = Api::all(self.client.clone());
                    let r = api
                        .patch(
                            &node,
                            &PatchParams::default(),
                            &Patch::Merge(serde_json::json!({"spec": {"unschedulable": null}})),
                        )
                        .await;
                    failed += usize::from(r.is_err());
                    self.record("uncordon", node, outcome(r));
                }
                Undo::DeleteNetworkPolicy { namespace, name } => {
                    let api: Api<NetworkPolicy> = Api::namespaced(self.client.clone(), &namespace);
                    let r = api.delete(&name, &DeleteParams::default()).await;
                    failed += usize::from(r.is_err());
                    self.record(
                        "delete-networkpolicy",
                        format!("{namespace}/{name}"),
                        outcome(r),
                    );
                }
            }
        }
        failed
    }
}

fn outcome<T>(r: Result<T, kube::Error>) -> String {
    match r {
        Ok(_) => "done".into(),
        Err(e) => format!("failed: {e}"),
    }
}

/// Whether draining evicts it: not DaemonSet-managed, not a mirror (static) pod, not finished.
fn evictable(p: &Pod) -> bool {
    let daemon = p
        .metadata
        .owner_references
        .as_ref()
        .is_some_and(|o| o.iter().any(|r| r.kind == "DaemonSet"));
    let mirror = p
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
    let finished = p
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .is_some_and(|ph| ph == "Succeeded" || ph == "Failed");
    !(daemon || mirror || finished)
}

/// `app=api,tier!=db,canary,!legacy` as a LabelSelector.
pub fn label_selector(s: &str) -> Result<LabelSelector, KubeError> {
    let mut labels = BTreeMap::new();
    let mut exprs = Vec::new();
    for term in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let req = |key: &str, op: &str, values: Option<Vec<String>>| LabelSelectorRequirement {
            key: key.trim().to_string(),
            operator: op.to_string(),
            values,
        };
        if let Some((k, v)) = term.split_once("!=") {
            exprs.push(req(k, "NotIn", Some(vec![v.trim().to_string()])));
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            labels.insert(k.trim().to_string(), v.trim().to_string());
        } else if let Some(k) = term.strip_prefix('!') {
            exprs.push(req(k, "DoesNotExist", None));
        } else if term.contains([' ', '(']) {
            return Err(KubeError::Usage(format!(
                "`{term}`: set-based selectors (in, notin) are not supported here; use k=v, k!=v, k or !k"
            )));
        } else {
            exprs.push(req(term, "Exists", None));
        }
    }
    if labels.is_empty() && exprs.is_empty() {
        return Err(KubeError::Usage(
            "a label selector is required (-l app=api): an empty one would cut off every pod"
                .into(),
        ));
    }
    Ok(LabelSelector {
        match_labels: (!labels.is_empty()).then_some(labels),
        match_expressions: (!exprs.is_empty()).then_some(exprs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_become_label_selectors() {
        let s = label_selector("app=api, tier!=db,canary,!legacy").unwrap();
        assert_eq!(s.match_labels.unwrap()["app"], "api");
        let ops: Vec<String> = s
            .match_expressions
            .unwrap()
            .into_iter()
            .map(|e| e.operator)
            .collect();
        assert_eq!(ops, ["NotIn", "Exists", "DoesNotExist"]);
        assert!(label_selector("").is_err());
        assert!(label_selector("env in (a,b)").is_err());
    }
}
