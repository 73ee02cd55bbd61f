use std::collections::HashMap;

use jiff::Timestamp;
use srehub_config::{DoctorSettings, ExemptionSet, Subject};
use srehub_core::{CheckMeta, Finding, Findings, Resource};
use srehub_model::k8s::{ClusterSnapshot, Meta, Node, Pod, PodSpec};

/// What every Kubernetes check reads: the snapshot, the settings, `now`, and indexes built once.
pub struct K8sInput<'a> {
    pub snap: &'a ClusterSnapshot,
    pub settings: &'a DoctorSettings,
    /// The time the analysis is "at": now for a live cluster, the capture time for a snapshot.
    pub now: Timestamp,
    exemptions: &'a ExemptionSet,
    nodes_by_name: HashMap<&'a str, &'a Node>,
    pods_by_node: HashMap<&'a str, Vec<&'a Pod>>,
    /// ReplicaSet (namespace, name) → its Deployment's name.
    rs_to_deployment: HashMap<(&'a str, &'a str), &'a str>,
    /// Job (namespace, name) → its CronJob's name.
    job_to_cronjob: HashMap<(&'a str, &'a str), &'a str>,
}

/// A pod spec and what owns it: a workload's template, a Job's, a CronJob's, or a standalone pod.
/// Audit checks run over these, so a Deployment with 50 replicas gives one finding, not 50.
pub struct PodSpecOwner<'a> {
    pub meta: &'a Meta,
    pub spec: &'a PodSpec,
    /// Desired replicas (1 for pods and jobs).
    pub replicas: i32,
    /// Labels of the pods it makes.
    pub pod_labels: &'a srehub_model::k8s::SmallMap,
}

impl PodSpecOwner<'_> {
    /// The owner as a report resource.
    pub fn resource(&self) -> Resource {
        resource(self.meta)
    }
}

/// A report resource for an object.
pub fn resource(meta: &Meta) -> Resource {
    Resource::new(meta.kind.clone(), meta.name.clone()).in_namespace(meta.namespace.clone())
}

impl<'a> K8sInput<'a> {
    /// Builds the input and its indexes.
    pub fn new(
        snap: &'a ClusterSnapshot,
        settings: &'a DoctorSettings,
        exemptions: &'a ExemptionSet,
        now: Timestamp,
    ) -> Self {
        let nodes_by_name = snap
            .nodes
            .iter()
            .map(|n| (n.metadata.name.as_str(), n))
            .collect();
        let mut pods_by_node: HashMap<&str, Vec<&Pod>> = HashMap::new();
        for p in &snap.pods {
            if !p.spec.node_name.is_empty() {
                pods_by_node
                    .entry(p.spec.node_name.as_str())
                    .or_default()
                    .push(p);
            }
        }
        let rs_to_deployment = snap
            .replica_sets
            .iter()
            .filter_map(|rs| {
                let owner = rs
                    .metadata
                    .controller()
                    .filter(|o| o.kind == "Deployment")?;
                Some((
                    (rs.metadata.namespace.as_str(), rs.metadata.name.as_str()),
                    owner.name.as_str(),
                ))
            })
            .collect();
        let job_to_cronjob = snap
            .jobs
            .iter()
            .filter_map(|j| {
                let owner = j.metadata.controller().filter(|o| o.kind == "CronJob")?;
                Some((
                    (j.metadata.namespace.as_str(), j.metadata.name.as_str()),
                    owner.name.as_str(),
                ))
            })
            .collect();
        K8sInput {
            snap,
            settings,
            now,
            exemptions,
            nodes_by_name,
            pods_by_node,
            rs_to_deployment,
            job_to_cronjob,
        }
    }

    /// A node by name.
    pub fn node(&self, name: &str) -> Option<&'a Node> {
        self.nodes_by_name.get(name).copied()
    }

    /// The pods scheduled on a node.
    pub fn pods_on(&self, node: &str) -> &[&'a Pod] {
        self.pods_by_node
            .get(node)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The top-level controller of a pod as `(kind, name)`: a ReplicaSet's Deployment, a Job's CronJob,
    /// else the direct controller. `None` for a standalone pod.
    pub fn pod_controller(&self, pod: &'a Pod) -> Option<(&'a str, &'a str)> {
        let owner = pod.metadata.controller()?;
        let ns = pod.metadata.namespace.as_str();
        match owner.kind.as_str() {
            "ReplicaSet" => Some(
                match self.rs_to_deployment.get(&(ns, owner.name.as_str())) {
                    Some(d) => ("Deployment", *d),
                    None => ("ReplicaSet", owner.name.as_str()),
                },
            ),
            "Job" => Some(match self.job_to_cronjob.get(&(ns, owner.name.as_str())) {
                Some(c) => ("CronJob", *c),
                None => ("Job", owner.name.as_str()),
            }),
            k => Some((k, owner.name.as_str())),
        }
    }

    /// Every pod spec with its owner: Deployments, StatefulSets and DaemonSets; ReplicaSets without a
    /// Deployment; Jobs without a CronJob; CronJobs; and pods without a controller.
    pub fn pod_specs(&self) -> Vec<PodSpecOwner<'a>> {
        let s = self.snap;
        let mut out = Vec::new();
        for w in &s.workloads {
            out.push(PodSpecOwner {
                meta: &w.metadata,
                spec: &w.spec.template.spec,
                replicas: w.desired(),
                pod_labels: &w.spec.template.metadata.labels,
            });
        }
        for rs in s
            .replica_sets
            .iter()
            .filter(|rs| rs.metadata.controller().is_none())
        {
            out.push(PodSpecOwner {
                meta: &rs.metadata,
                spec: &rs.spec.template.spec,
                replicas: rs.desired(),
                pod_labels: &rs.spec.template.metadata.labels,
            });
        }
        for j in s.jobs.iter().filter(|j| j.metadata.controller().is_none()) {
            out.push(PodSpecOwner {
                meta: &j.metadata,
                spec: &j.spec.template.spec,
                replicas: 1,
                pod_labels: &j.spec.template.metadata.labels,
            });
        }
        for c in &s.cron_jobs {
            out.push(PodSpecOwner {
                meta: &c.metadata,
                spec: &c.spec.job_template.spec.template.spec,
                replicas: 1,
                pod_labels: &c.spec.job_template.spec.template.metadata.labels,
            });
        }
        for p in s.pods.iter().filter(|p| p.metadata.controller().is_none()) {
            out.push(PodSpecOwner {
                meta: &p.metadata,
                spec: &p.spec,
                replicas: 1,
                pod_labels: &p.metadata.labels,
            });
        }
        out
    }

    /// Minutes from `t` to `now` (negative if `t` is in the future).
    pub fn minutes_since(&self, t: Timestamp) -> i64 {
        self.now.as_second().saturating_sub(t.as_second()) / 60
    }

    /// Adds `finding` about the object `meta` unless the object's `srehub.io/ignore` annotation or a
    /// configured exemption covers the check. Every Kubernetes check reports through this.
    pub fn report(
        &self,
        out: &mut Findings,
        meta_of_check: &CheckMeta,
        object: &Meta,
        finding: Finding,
    ) {
        if let Some(list) = object.annotations.get("srehub.io/ignore") {
            let hit = list.split(',').map(str::trim).any(|s| {
                s == "*"
                    || s.eq_ignore_ascii_case("all")
                    || s.eq_ignore_ascii_case(meta_of_check.code)
                    || s.eq_ignore_ascii_case(meta_of_check.name)
            });
            if hit {
                return;
            }
        }
        if !self.exemptions.is_empty() {
            let subject = Subject {
                kind: &object.kind,
                namespace: &object.namespace,
                name: &object.name,
                labels: Some(object.labels.as_slice()),
                path: None,
            };
            if self.exemptions.exempts(meta_of_check, &subject) {
                return;
            }
        }
        out.push(finding);
    }
}
