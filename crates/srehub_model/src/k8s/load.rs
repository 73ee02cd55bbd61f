//! Builds a [`ClusterSnapshot`] from `kubectl get -o json|yaml` output.
//!
//! Each object is read once into a shape common to all kinds, with `spec` and `status` kept as borrowed
//! raw JSON; then `spec`/`status` are parsed into the kind's typed model. This reads any key order,
//! skips what no check needs without building it, and never copies the input.

use std::borrow::Cow;
use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::quantity::parse_quantity;
use super::snapshot::{ClusterSnapshot, Namespace, PodMetrics};
use super::types::{Event, EventSeries, Meta, Node, ObjectRef, Pod, lenient_time, nullable};
use super::workloads::{
    CronJob, Hpa, Job, NetworkPolicy, Pdb, PolicyRule, Pvc, Role, RoleBinding, RoleRef,
    ServerVersion, Service, ServiceEndpoints, Subject, Usage, Workload,
};

/// Why input could not be read as Kubernetes objects. Each names the input and, where it can, the line
/// and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// Not valid JSON/YAML, or a field of the wrong type.
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON/YAML that is not Kubernetes objects.
    #[error("{origin}: {message}")]
    NotKubernetes { origin: String, message: String },
    /// Nothing to read.
    #[error("{origin}: the input is empty (expected `kubectl get … -o json` or `-o yaml` output)")]
    Empty { origin: String },
}

/// The top level of a document: a list, a single object, or `kubectl version -o json`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Top<'a> {
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    items: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    server_version: Option<ServerVersion>,
    #[serde(default)]
    git_version: Option<String>,
    /// Written by `srehub doctor snapshot`: kinds listed even when none exist, and the notes of the
    /// live run (forbidden kinds, absent APIs).
    #[serde(default, rename = "srehub.io/collectedKinds")]
    collected_kinds: Vec<String>,
    #[serde(default, rename = "srehub.io/notes")]
    notes: Vec<String>,
}

/// One object, in the shape shared by every kind.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item<'a> {
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    api_version: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "nullable")]
    metadata: Meta,
    #[serde(borrow, default)]
    spec: Option<&'a RawValue>,
    #[serde(borrow, default)]
    status: Option<&'a RawValue>,
    // Event (core/v1 and events.k8s.io/v1)
    #[serde(default)]
    involved_object: Option<ObjectRef>,
    #[serde(default)]
    regarding: Option<ObjectRef>,
    #[serde(default, deserialize_with = "nullable")]
    reason: String,
    #[serde(default, deserialize_with = "nullable")]
    message: String,
    #[serde(default, deserialize_with = "nullable")]
    note: String,
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    type_: String,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    deprecated_count: Option<u32>,
    #[serde(default, deserialize_with = "lenient_time")]
    first_timestamp: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_time")]
    last_timestamp: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_time")]
    deprecated_first_timestamp: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_time")]
    deprecated_last_timestamp: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_time")]
    event_time: Option<Timestamp>,
    #[serde(default)]
    series: Option<EventSeries>,
    // RBAC
    #[serde(default, deserialize_with = "nullable")]
    rules: Vec<PolicyRule>,
    #[serde(default)]
    role_ref: Option<RoleRef>,
    #[serde(default, deserialize_with = "nullable")]
    subjects: Vec<Subject>,
    // Endpoints / EndpointSlice
    #[serde(default, deserialize_with = "nullable")]
    subsets: Vec<Subset>,
    #[serde(default, deserialize_with = "nullable")]
    endpoints: Vec<SliceEndpoint>,
    // Metrics
    #[serde(default)]
    usage: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "nullable")]
    containers: Vec<ContainerUsage>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Subset {
    #[serde(deserialize_with = "nullable")]
    addresses: Vec<serde::de::IgnoredAny>,
    #[serde(deserialize_with = "nullable")]
    not_ready_addresses: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SliceEndpoint {
    conditions: Option<SliceConditions>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SliceConditions {
    ready: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ContainerUsage {
    name: String,
    #[serde(deserialize_with = "nullable")]
    usage: BTreeMap<String, String>,
}

fn usage(m: &BTreeMap<String, String>) -> Usage {
    Usage {
        cpu: m.get("cpu").and_then(|q| parse_quantity(q)).unwrap_or(0.0),
        memory: m
            .get("memory")
            .and_then(|q| parse_quantity(q))
            .unwrap_or(0.0),
    }
}

/// Accumulates objects from any number of inputs into one snapshot.
#[derive(Debug, Default)]
pub struct SnapshotBuilder {
    snap: ClusterSnapshot,
    ignored: BTreeMap<String, usize>,
    endpoints: BTreeMap<(String, String), (u32, u32)>,
    slices_seen: bool,
}

fn syntax(origin: &str, e: &serde_json::Error) -> LoadError {
    let mut message = e.to_string();
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    LoadError::Syntax {
        origin: origin.to_string(),
        line: e.line().max(1),
        column: e.column().max(1),
        message,
    }
}

/// A syntax error in `part`, a slice of `whole`, with its position in `whole`.
fn syntax_in(origin: &str, e: &serde_json::Error, whole: &[u8], part: &str) -> LoadError {
    shift(syntax(origin, e), whole, part)
}

/// Moves an error's position in `part`, a slice of `whole`, to its position in `whole`.
fn shift(e: LoadError, whole: &[u8], part: &str) -> LoadError {
    let offset = (part.as_ptr() as usize)
        .saturating_sub(whole.as_ptr() as usize)
        .min(whole.len());
    let before = &whole[..offset];
    let lines = memchr::memchr_iter(b'\n', before).count();
    let col0 = offset - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    match e {
        LoadError::Syntax {
            origin,
            line,
            column,
            message,
        } => LoadError::Syntax {
            origin,
            line: line + lines,
            column: if line == 1 { column + col0 } else { column },
            message,
        },
        other => other,
    }
}

impl SnapshotBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads one input: JSON (`{…}`) or YAML (anything else, multi-document allowed). `origin` names the
    /// input in errors (a path, or `<stdin>`).
    pub fn add_bytes(&mut self, bytes: &[u8], origin: &str) -> Result<(), LoadError> {
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
        let Some(start) = start else {
            return Err(LoadError::Empty {
                origin: origin.to_string(),
            });
        };
        match bytes[start] {
            b'{' => self.add_json(bytes, origin),
            b'[' => Err(LoadError::NotKubernetes {
                origin: origin.to_string(),
                message: "a JSON array is not kubectl output; expected an object or a `List`"
                    .into(),
            }),
            _ => self.add_yaml(bytes, origin),
        }
    }

    fn add_yaml(&mut self, bytes: &[u8], origin: &str) -> Result<(), LoadError> {
        let text = std::str::from_utf8(bytes).map_err(|e| LoadError::NotKubernetes {
            origin: origin.to_string(),
            message: format!("not UTF-8 text ({e})"),
        })?;
        let mut docs = 0;
        for doc in serde_yaml_ng::Deserializer::from_str(text) {
            let value = serde_json::Value::deserialize(doc).map_err(|e| {
                let (line, column) = e
                    .location()
                    .map(|l| (l.line(), l.column()))
                    .unwrap_or((1, 1));
                let mut message = e.to_string();
                if let Some(i) = message.rfind(" at line ") {
                    message.truncate(i);
                }
                LoadError::Syntax {
                    origin: origin.to_string(),
                    line,
                    column,
                    message,
                }
            })?;
            if value.is_null() {
                continue;
            }
            if !value.is_object() {
                return Err(LoadError::NotKubernetes {
                    origin: origin.to_string(),
                    message: format!(
                        "YAML document {} is not a Kubernetes object (a mapping with `kind`)",
                        docs + 1
                    ),
                });
            }
            docs += 1;
            let json = serde_json::to_vec(&value).map_err(|e| syntax(origin, &e))?;
            self.add_json(&json, &format!("{origin} (YAML document {docs})"))?;
        }
        if docs == 0 {
            return Err(LoadError::Empty {
                origin: origin.to_string(),
            });
        }
        Ok(())
    }

    /// A top-level value of a List other than `items` (the streaming reader calls this).
    pub(super) fn top_level_value(
        &mut self,
        key: &[u8],
        raw: &[u8],
        origin: &str,
    ) -> Result<(), LoadError> {
        match key {
            b"serverVersion" => {
                self.snap.server_version =
                    Some(serde_json::from_slice(raw).map_err(|e| syntax(origin, &e))?);
            }
            b"srehub.io/collectedKinds" => {
                let kinds: Vec<String> =
                    serde_json::from_slice(raw).map_err(|e| syntax(origin, &e))?;
                self.snap.kinds.extend(kinds);
            }
            b"srehub.io/notes" => {
                let notes: Vec<String> =
                    serde_json::from_slice(raw).map_err(|e| syntax(origin, &e))?;
                self.snap.notes.extend(notes);
            }
            _ => {}
        }
        Ok(())
    }

    fn add_json(&mut self, bytes: &[u8], origin: &str) -> Result<(), LoadError> {
        let top: Top<'_> = serde_json::from_slice(bytes).map_err(|e| syntax(origin, &e))?;
        self.snap.kinds.extend(top.collected_kinds);
        self.snap.notes.extend(top.notes);
        if let Some(v) = top.server_version {
            self.snap.server_version = Some(v);
            if top.items.is_none() {
                // `kubectl version -o json`.
                return Ok(());
            }
        }
        if top.git_version.is_some() && top.kind.is_none() {
            // `/version` as the API server answers it.
            let v: ServerVersion = serde_json::from_slice(bytes).map_err(|e| syntax(origin, &e))?;
            self.snap.server_version = Some(v);
            return Ok(());
        }
        match (top.items, top.kind.as_deref()) {
            (Some(items), kind) => {
                // `PodList` → items are Pods; a plain `List` names each item's kind.
                let item_kind = kind
                    .filter(|k| *k != "List")
                    .and_then(|k| k.strip_suffix("List"))
                    .map(str::to_string);
                if let Some(k) = &item_kind {
                    self.snap.kinds.insert(k.clone());
                }
                let api_version = top.api_version.as_deref().unwrap_or("");
                for (i, raw) in items.into_iter().enumerate() {
                    self.add_item(raw.get().as_bytes(), item_kind.as_deref(), api_version, origin)
                        .map_err(|e| shift(e, bytes, raw.get()))
                        .map_err(|e| match e {
                            LoadError::NotKubernetes { origin, message } => LoadError::NotKubernetes {
                                origin,
                                message: format!("items[{i}]: {message}"),
                            },
                            e => e,
                        })?;
                }
                Ok(())
            }
            (None, Some(_)) => self.add_item(bytes, None, "", origin),
            (None, None) => Err(LoadError::NotKubernetes {
                origin: origin.to_string(),
                message: "not a Kubernetes object or list: it has neither `kind` nor `items` (expected `kubectl get … -o json` output)".into(),
            }),
        }
    }

    fn add_item(
        &mut self,
        bytes: &[u8],
        list_kind: Option<&str>,
        list_api_version: &str,
        origin: &str,
    ) -> Result<(), LoadError> {
        let parsed = parse_item(bytes, list_kind, list_api_version, origin)?;
        self.push_parsed(parsed, list_kind.is_some());
        Ok(())
    }

    /// Adds a parsed object (objects are added in input order, whichever thread parsed them).
    pub(super) fn push_parsed(&mut self, parsed: Parsed, from_typed_list: bool) {
        let Parsed { kind, obj } = parsed;
        match obj {
            Obj::Pod(p) => {
                self.observe(p.metadata.creation_timestamp);
                for c in &p.status.conditions {
                    self.observe(c.last_transition_time);
                }
                self.snap.pods.push(p);
            }
            Obj::Node(n) => {
                self.observe(n.metadata.creation_timestamp);
                for c in &n.status.conditions {
                    self.observe(c.last_heartbeat_time);
                }
                self.snap.nodes.push(n);
            }
            Obj::Workload(w) => {
                self.observe(w.metadata.creation_timestamp);
                self.snap.workloads.push(w);
            }
            Obj::ReplicaSet(w) => {
                self.observe(w.metadata.creation_timestamp);
                self.snap.replica_sets.push(w);
            }
            Obj::Job(j) => {
                self.observe(j.metadata.creation_timestamp);
                self.snap.jobs.push(j);
            }
            Obj::CronJob(c) => {
                self.observe(c.metadata.creation_timestamp);
                self.snap.cron_jobs.push(c);
            }
            Obj::Service(x) => {
                self.observe(x.metadata.creation_timestamp);
                self.snap.services.push(x);
            }
            Obj::Pvc(x) => {
                self.observe(x.metadata.creation_timestamp);
                self.snap.pvcs.push(x);
            }
            Obj::Hpa(x) => {
                self.observe(x.metadata.creation_timestamp);
                self.snap.hpas.push(x);
            }
            Obj::Pdb(x) => {
                self.observe(x.metadata.creation_timestamp);
                self.snap.pdbs.push(x);
            }
            Obj::NetworkPolicy(x) => {
                self.observe(x.metadata.creation_timestamp);
                self.snap.network_policies.push(x);
            }
            Obj::ResourceQuota(m) => {
                self.observe(m.creation_timestamp);
                self.snap.resource_quotas.push(m);
            }
            Obj::LimitRange(m) => {
                self.observe(m.creation_timestamp);
                self.snap.limit_ranges.push(m);
            }
            Obj::Namespace(n) => {
                self.observe(n.metadata.creation_timestamp);
                self.snap.namespaces.push(n);
            }
            Obj::Role(r) => {
                self.observe(r.metadata.creation_timestamp);
                self.snap.roles.push(r);
            }
            Obj::RoleBinding(r) => {
                self.observe(r.metadata.creation_timestamp);
                self.snap.role_bindings.push(r);
            }
            Obj::Event(e) => {
                self.observe(e.metadata.creation_timestamp);
                self.observe(e.last_seen());
                self.snap.events.push(e);
            }
            Obj::Endpoints {
                namespace,
                name,
                ready,
                not_ready,
            } => {
                // Slices describe the same addresses: once any slice is seen, Endpoints are ignored.
                if !self.slices_seen {
                    let e = self.endpoints.entry((namespace, name)).or_default();
                    e.0 += ready;
                    e.1 += not_ready;
                }
                self.snap.kinds.insert("Endpoints".into());
            }
            Obj::EndpointSlice {
                namespace,
                service,
                ready,
                not_ready,
            } => {
                if !self.slices_seen {
                    // Endpoints and slices describe the same addresses: prefer slices when both exist.
                    self.slices_seen = true;
                    self.endpoints.clear();
                }
                let e = self.endpoints.entry((namespace, service)).or_default();
                e.0 += ready;
                e.1 += not_ready;
                self.snap.kinds.insert("Endpoints".into());
            }
            Obj::Skipped => {}
            Obj::NodeMetrics(name, u) => {
                self.snap
                    .node_metrics
                    .get_or_insert_with(BTreeMap::new)
                    .insert(name, u);
            }
            Obj::PodMetrics(m) => self.snap.pod_metrics.get_or_insert_with(Vec::new).push(m),
            Obj::Other(meta) => {
                self.observe(meta.creation_timestamp);
                *self.ignored.entry(kind.clone()).or_default() += 1;
                self.snap.others.push(meta);
            }
        }
        if kind != "EndpointSlice" {
            self.snap.kinds.insert(kind);
        } else if self.slices_seen && from_typed_list {
            self.snap.kinds.insert("Endpoints".into());
        }
    }

    /// Records that an empty typed list of `kind` was collected (the live source does this).
    pub fn mark_collected(&mut self, kind: &str) {
        self.snap.kinds.insert(kind.to_string());
    }

    fn observe(&mut self, t: Option<Timestamp>) {
        if let Some(t) = t
            && self.snap.captured_at.is_none_or(|c| t > c)
        {
            self.snap.captured_at = Some(t);
        }
    }

    /// Adds a note for the report.
    pub fn note(&mut self, message: impl Into<String>) {
        self.snap.notes.push(message.into());
    }

    /// The snapshot.
    pub fn finish(mut self) -> ClusterSnapshot {
        if self.slices_seen || !self.endpoints.is_empty() {
            self.snap.endpoints = self
                .endpoints
                .into_iter()
                .map(
                    |((namespace, service), (ready, not_ready))| ServiceEndpoints {
                        namespace,
                        service,
                        ready,
                        not_ready,
                    },
                )
                .collect();
        }
        if !self.ignored.is_empty() {
            let kinds: Vec<String> = self
                .ignored
                .iter()
                .map(|(k, n)| format!("{k} ({n})"))
                .collect();
            self.snap.notes.push(format!(
                "objects of kinds the doctor does not analyze were only checked for deprecated API versions: {}",
                kinds.join(", ")
            ));
        }
        self.snap
    }
}

/// One parsed object, ready to be added to a snapshot.
pub(crate) struct Parsed {
    kind: String,
    obj: Obj,
}

pub(crate) enum Obj {
    Pod(Pod),
    Node(Node),
    Workload(Workload),
    ReplicaSet(Workload),
    Job(Job),
    CronJob(CronJob),
    Service(Service),
    Pvc(Pvc),
    Hpa(Hpa),
    Pdb(Pdb),
    NetworkPolicy(NetworkPolicy),
    ResourceQuota(Meta),
    LimitRange(Meta),
    Namespace(Namespace),
    Role(Role),
    RoleBinding(RoleBinding),
    Event(Event),
    Endpoints {
        namespace: String,
        name: String,
        ready: u32,
        not_ready: u32,
    },
    EndpointSlice {
        namespace: String,
        service: String,
        ready: u32,
        not_ready: u32,
    },
    NodeMetrics(String, Usage),
    PodMetrics(PodMetrics),
    Other(Meta),
    /// Read, but nothing to keep (an EndpointSlice without a Service).
    Skipped,
}

/// Parses one object into its typed model. Pure and thread-safe: the streaming reader runs it on
/// several threads.
pub(crate) fn parse_item(
    bytes: &[u8],
    list_kind: Option<&str>,
    list_api_version: &str,
    origin: &str,
) -> Result<Parsed, LoadError> {
    let item: Item<'_> = serde_json::from_slice(bytes).map_err(|e| syntax(origin, &e))?;
    let kind = match (item.kind.as_deref(), list_kind) {
        (Some(k), _) if !k.is_empty() => k.to_string(),
        (_, Some(k)) => k.to_string(),
        _ => {
            return Err(LoadError::NotKubernetes {
                origin: origin.to_string(),
                message: "an object without `kind`".into(),
            });
        }
    };
    let mut meta = item.metadata;
    meta.kind = kind.clone();
    meta.api_version = item
        .api_version
        .as_deref()
        .unwrap_or(list_api_version)
        .to_string();
    macro_rules! typed {
        ($t:ty) => {{
            let mut o = <$t>::default();
            if let Some(s) = item.spec {
                o.spec = serde_json::from_slice(s.get().as_bytes())
                    .map_err(|e| syntax_in(origin, &e, bytes, s.get()))?;
            }
            if let Some(s) = item.status {
                o.status = serde_json::from_slice(s.get().as_bytes())
                    .map_err(|e| syntax_in(origin, &e, bytes, s.get()))?;
            }
            o.metadata = meta;
            o
        }};
    }
    macro_rules! spec_only {
        ($t:ty) => {{
            let mut o = <$t>::default();
            if let Some(s) = item.spec {
                o.spec = serde_json::from_slice(s.get().as_bytes())
                    .map_err(|e| syntax_in(origin, &e, bytes, s.get()))?;
            }
            o.metadata = meta;
            o
        }};
    }
    let obj = match kind.as_str() {
        "Pod" => Obj::Pod(typed!(Pod)),
        "Node" => Obj::Node(typed!(Node)),
        "Deployment" | "StatefulSet" | "DaemonSet" => Obj::Workload(typed!(Workload)),
        "ReplicaSet" => Obj::ReplicaSet(typed!(Workload)),
        "Job" => Obj::Job(typed!(Job)),
        "CronJob" => Obj::CronJob(typed!(CronJob)),
        "Service" => Obj::Service(spec_only!(Service)),
        "PersistentVolumeClaim" => Obj::Pvc(typed!(Pvc)),
        "HorizontalPodAutoscaler" => Obj::Hpa(spec_only!(Hpa)),
        "PodDisruptionBudget" => Obj::Pdb(spec_only!(Pdb)),
        "NetworkPolicy" => Obj::NetworkPolicy(spec_only!(NetworkPolicy)),
        "ResourceQuota" => Obj::ResourceQuota(meta),
        "LimitRange" => Obj::LimitRange(meta),
        "Namespace" => {
            #[derive(Deserialize, Default)]
            #[serde(default)]
            struct NsStatus {
                phase: Option<String>,
            }
            let phase = match item.status {
                Some(s) => serde_json::from_slice::<NsStatus>(s.get().as_bytes())
                    .map_err(|e| syntax_in(origin, &e, bytes, s.get()))?
                    .phase
                    .unwrap_or_default(),
                None => String::new(),
            };
            Obj::Namespace(Namespace {
                metadata: meta,
                phase,
            })
        }
        "Role" | "ClusterRole" => Obj::Role(Role {
            metadata: meta,
            rules: item.rules,
        }),
        "RoleBinding" | "ClusterRoleBinding" => Obj::RoleBinding(RoleBinding {
            metadata: meta,
            role_ref: item.role_ref.unwrap_or_default(),
            subjects: item.subjects,
        }),
        "Event" => {
            let involved_object = item.involved_object.or(item.regarding).unwrap_or_default();
            let message = if item.message.is_empty() {
                item.note
            } else {
                item.message
            };
            Obj::Event(Event {
                metadata: meta,
                involved_object,
                reason: item.reason,
                message,
                type_: item.type_,
                count: item.count.or(item.deprecated_count),
                first_timestamp: item.first_timestamp.or(item.deprecated_first_timestamp),
                last_timestamp: item.last_timestamp.or(item.deprecated_last_timestamp),
                event_time: item.event_time,
                series: item.series,
            })
        }
        "Endpoints" => {
            let (r, n) = item.subsets.iter().fold((0, 0), |(r, n), s| {
                (
                    r + s.addresses.len() as u32,
                    n + s.not_ready_addresses.len() as u32,
                )
            });
            Obj::Endpoints {
                namespace: meta.namespace,
                name: meta.name,
                ready: r,
                not_ready: n,
            }
        }
        "EndpointSlice" => {
            let Some(svc) = meta.labels.get("kubernetes.io/service-name").cloned() else {
                return Ok(Parsed {
                    kind,
                    obj: Obj::Skipped,
                });
            };
            let (r, n) = item.endpoints.iter().fold((0, 0), |(r, n), ep| {
                // `ready` unset means ready (the API's own convention).
                if ep.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true) {
                    (r + 1, n)
                } else {
                    (r, n + 1)
                }
            });
            Obj::EndpointSlice {
                namespace: meta.namespace,
                service: svc,
                ready: r,
                not_ready: n,
            }
        }
        "NodeMetrics" => Obj::NodeMetrics(meta.name, usage(&item.usage.unwrap_or_default())),
        "PodMetrics" => {
            let containers = item
                .containers
                .iter()
                .map(|c| (c.name.clone(), usage(&c.usage)))
                .collect();
            Obj::PodMetrics(PodMetrics {
                namespace: meta.namespace,
                name: meta.name,
                containers,
            })
        }
        _ => Obj::Other(meta),
    };
    Ok(Parsed { kind, obj })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<ClusterSnapshot, LoadError> {
        let mut b = SnapshotBuilder::new();
        b.add_bytes(text.as_bytes(), "test.json")?;
        Ok(b.finish())
    }

    #[test]
    fn reads_a_kubectl_list_in_any_key_order() {
        let s = load(r#"{"apiVersion":"v1","kind":"List","items":[
            {"status":{"phase":"Running"},"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"x","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","srehub.io/ignore":"K8S003"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}},
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":null},"status":{"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2026-11-20T09:59:30Z"}]}}
        ]}"#).unwrap();
        assert_eq!(s.pods.len(), 1);
        assert_eq!(s.pods[0].status.phase, "Running");
        assert_eq!(s.pods[0].spec.containers[0].image, "nginx:1.27");
        assert_eq!(
            s.pods[0].metadata.annotations.len(),
            1,
            "only srehub.io annotations are kept"
        );
        assert_eq!(s.nodes[0].ready_status(), "True");
        assert_eq!(s.captured_at.unwrap().to_string(), "2026-11-20T09:59:30Z");
        assert!(s.has("Pod") && s.has("Node") && !s.has("Event"));
    }

    #[test]
    fn typed_lists_give_their_items_a_kind() {
        let s = load(r#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"a"}}]}"#)
            .unwrap();
        assert_eq!(s.pods[0].metadata.kind, "Pod");
        let s = load(r#"{"kind":"EventList","apiVersion":"v1","items":[]}"#).unwrap();
        assert!(
            s.has("Event"),
            "an empty typed list still says events were collected"
        );
    }

    #[test]
    fn yaml_multi_document_and_single_objects() {
        let mut b = SnapshotBuilder::new();
        b.add_bytes(b"---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\nstatus: {phase: Terminating}\n", "ns.yaml").unwrap();
        let s = b.finish();
        assert_eq!(s.namespaces.len(), 2);
        assert_eq!(s.namespaces[1].phase, "Terminating");
    }

    #[test]
    fn version_and_metrics() {
        let mut b = SnapshotBuilder::new();
        b.add_bytes(br#"{"clientVersion":{"major":"1"},"serverVersion":{"major":"1","minor":"30+","gitVersion":"v1.30.4-eks-1"}}"#, "v.json").unwrap();
        b.add_bytes(br#"{"kind":"NodeMetricsList","apiVersion":"metrics.k8s.io/v1beta1","items":[{"metadata":{"name":"n1"},"usage":{"cpu":"1500m","memory":"2Gi"}}]}"#, "m.json").unwrap();
        let s = b.finish();
        assert_eq!(s.server_version.unwrap().minor_version(), Some((1, 30)));
        let u = &s.node_metrics.unwrap()["n1"];
        assert_eq!((u.cpu, u.memory), (1.5, 2.0 * 1024.0 * 1024.0 * 1024.0));
    }

    #[test]
    fn endpoints_and_slices_count_ready_addresses() {
        let s = load(r#"{"kind":"List","items":[
          {"kind":"Endpoints","apiVersion":"v1","metadata":{"name":"s","namespace":"x"},"subsets":[{"notReadyAddresses":[{"ip":"1"}]}]}]}"#).unwrap();
        assert_eq!((s.endpoints[0].ready, s.endpoints[0].not_ready), (0, 1));
        let s = load(r#"{"kind":"List","items":[
          {"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":"s-abc","namespace":"x","labels":{"kubernetes.io/service-name":"s"}},"endpoints":[{"conditions":{"ready":true}},{"conditions":{}}]}]}"#).unwrap();
        assert_eq!((s.endpoints[0].ready, s.endpoints[0].not_ready), (2, 0));
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let e = load(r#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("test.json:1:"), "{e}");
        let e = load("   \n").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = load(r#"{"foo": 1}"#).unwrap_err().to_string();
        assert!(e.contains("neither `kind` nor `items`"), "{e}");
        let e = load("- a\n- b\n").unwrap_err().to_string();
        assert!(e.contains("not a Kubernetes object"), "{e}");
        let e = load(r#"{"kind":"List","items":[{"metadata":{"name":"x"}}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("items[0]: an object without `kind`"), "{e}");
        let e = load(r#"{"kind":"Pod","metadata":{"name":"a"},"spec":{"containers":"nope"}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid type"), "{e}");
    }

    #[test]
    fn errors_inside_items_point_into_the_file() {
        let text = "{\n  \"kind\": \"List\",\n  \"items\": [\n    {\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}},\n    {\n      \"kind\": \"Pod\",\n      \"metadata\": {\"name\": \"b\"},\n      \"spec\": {\n        \"containers\": 7\n      }\n    }\n  ]\n}\n";
        let e = load(text).unwrap_err().to_string();
        assert!(e.starts_with("test.json:9:"), "{e}");
    }

    #[test]
    fn endpoints_are_ignored_once_slices_are_seen_in_any_order() {
        let s = load(r#"{"kind":"List","items":[
          {"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":"s-1","namespace":"x","labels":{"kubernetes.io/service-name":"s"}},"endpoints":[{"conditions":{"ready":true}}]},
          {"kind":"Endpoints","apiVersion":"v1","metadata":{"name":"s","namespace":"x"},"subsets":[{"addresses":[{"ip":"1"}]}]}]}"#).unwrap();
        assert_eq!((s.endpoints[0].ready, s.endpoints[0].not_ready), (1, 0));
    }

    #[test]
    fn unknown_kinds_become_a_note() {
        let s = load(r#"{"kind":"List","items":[{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a"}}]}"#).unwrap();
        assert_eq!(s.others.len(), 1);
        assert!(s.notes[0].contains("ConfigMap (1)"));
    }
}
