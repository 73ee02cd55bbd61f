//! The Kubernetes objects the doctor reads, with only the fields its checks need. Field names follow the
//! API (camelCase in JSON); unknown fields are skipped; `null` is read as absent.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Reads `null` as the type's default.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Reads a timestamp leniently: absent, `null`, empty or malformed text are all `None`.
pub(crate) fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let s: Option<std::borrow::Cow<'de, str>> = Option::deserialize(d)?;
    Ok(s.and_then(|s| s.parse().ok()))
}

/// Keeps only the annotations srehub reads (`srehub.io/…`), so that large ones such as
/// `kubectl.kubernetes.io/last-applied-configuration` cost nothing.
fn srehub_annotations<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map of annotations")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                if k.starts_with("srehub.io/") {
                    let v: Option<String> = m.next_value()?;
                    out.insert(k.into_owned(), v.unwrap_or_default());
                } else {
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    d.deserialize_option(V)
}

/// `metadata.ownerReferences[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerRef {
    pub kind: String,
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub controller: bool,
}

/// Object metadata plus the object's type (`apiVersion`, `kind`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Meta {
    #[serde(skip_deserializing)]
    pub api_version: String,
    #[serde(skip_deserializing)]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub namespace: String,
    pub labels: SmallMap,
    /// Only `srehub.io/…` annotations are kept.
    #[serde(deserialize_with = "srehub_annotations")]
    pub annotations: BTreeMap<String, String>,
    #[serde(deserialize_with = "lenient_time")]
    pub creation_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub deletion_timestamp: Option<Timestamp>,
    pub deletion_grace_period_seconds: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub owner_references: Vec<OwnerRef>,
    pub generation: Option<i64>,
}

impl Meta {
    /// The controller owner, if any.
    pub fn controller(&self) -> Option<&OwnerRef> {
        self.owner_references.iter().find(|o| o.controller)
    }
}

/// `LabelSelector`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelector {
    pub match_labels: SmallMap,
    #[serde(deserialize_with = "nullable")]
    pub match_expressions: Vec<SelectorRequirement>,
}

/// `LabelSelectorRequirement`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectorRequirement {
    pub key: String,
    pub operator: String,
    #[serde(deserialize_with = "nullable")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Whether the selector matches these labels (an empty selector matches everything).
    pub fn matches(&self, labels: &SmallMap) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| {
                let got = labels.get(&e.key);
                match e.operator.as_str() {
                    "In" => got.is_some_and(|v| e.values.contains(v)),
                    "NotIn" => got.is_none_or(|v| !e.values.contains(v)),
                    "Exists" => got.is_some(),
                    "DoesNotExist" => got.is_none(),
                    _ => false,
                }
            })
    }

    /// Whether the selector is empty (selects everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// Whether a plain map selector (a Service's) matches labels. An empty one matches nothing, as for
/// Services.
pub fn map_selector_matches(sel: &SmallMap, labels: &SmallMap) -> bool {
    !sel.is_empty() && sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A small string map kept as a vector: resource lists hold one to three entries, and a `BTreeMap` node
/// costs half a kilobyte each, twice per container, in a 100,000-pod snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SmallMap(Vec<(String, String)>);

/// Written as the JSON object Kubernetes uses (`{"app": "api"}`), as it is read.
impl Serialize for SmallMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'a> IntoIterator for &'a SmallMap {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(String, String)> for SmallMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        SmallMap(iter.into_iter().collect())
    }
}

impl SmallMap {
    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    /// Whether the key is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }
    /// The entries, in input order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    /// The keys, in input order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The entries as a slice.
    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }
}

impl<'de> Deserialize<'de> for SmallMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = SmallMap;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of quantities")
            }
            fn visit_unit<E>(self) -> Result<SmallMap, E> {
                Ok(SmallMap::default())
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<SmallMap, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(2));
                while let Some((k, v)) = m.next_entry::<String, QuantityText>()? {
                    out.push((k, v.0));
                }
                Ok(SmallMap(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A quantity as text; JSON numbers (`cpu: 2` in hand-written YAML) are accepted too.
struct QuantityText(String);

impl<'de> Deserialize<'de> for QuantityText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(QuantityText(s)),
            Value::Number(n) => Ok(QuantityText(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "a quantity must be a string or a number, not {other}"
            ))),
        }
    }
}

/// `ResourceRequirements`: quantities as the API writes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Resources {
    pub requests: SmallMap,
    pub limits: SmallMap,
}

/// `Capabilities`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Capabilities {
    #[serde(deserialize_with = "nullable")]
    pub add: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub drop: Vec<String>,
}

/// `SecurityContext` (container) and the fields of `PodSecurityContext` that overlap.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecurityContext {
    pub privileged: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    pub capabilities: Option<Capabilities>,
}

/// A container (or init container) of a pod spec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub image: String,
    #[serde(deserialize_with = "nullable")]
    pub resources: Resources,
    pub liveness_probe: Option<Probe>,
    pub readiness_probe: Option<Probe>,
    pub startup_probe: Option<Probe>,
    pub security_context: Option<SecurityContext>,
    /// `restartPolicy: Always` on an init container makes it a sidecar.
    pub restart_policy: Option<String>,
}

/// A probe, kept as compact JSON text: checks compare probes whole and rarely, and a parsed tree per
/// container would cost a kilobyte each in a 100,000-pod snapshot.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Probe(Box<serde_json::value::RawValue>);

impl PartialEq for Probe {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Probe {
    /// The probe as a JSON tree.
    pub fn value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }
    /// The probe as compact JSON text.
    pub fn json(&self) -> &str {
        self.0.get()
    }
}

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let raw = serde_json::value::to_raw_value(&v).map_err(serde::de::Error::custom)?;
        Ok(Probe(raw))
    }
}

/// A pod volume: only what the checks need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Volume {
    pub name: String,
    pub host_path: Option<HostPath>,
    pub persistent_volume_claim: Option<ClaimRef>,
    pub secret: Option<Value>,
    pub config_map: Option<Value>,
}

/// `hostPath` volume source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostPath {
    pub path: String,
}

/// `persistentVolumeClaim` volume source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClaimRef {
    pub claim_name: String,
}

/// `PodSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    #[serde(deserialize_with = "nullable")]
    pub node_name: String,
    #[serde(deserialize_with = "nullable")]
    pub containers: Vec<Container>,
    #[serde(deserialize_with = "nullable")]
    pub init_containers: Vec<Container>,
    #[serde(deserialize_with = "nullable")]
    pub volumes: Vec<Volume>,
    #[serde(deserialize_with = "nullable")]
    pub host_network: bool,
    #[serde(rename = "hostPID", deserialize_with = "nullable")]
    pub host_pid: bool,
    #[serde(rename = "hostIPC", deserialize_with = "nullable")]
    pub host_ipc: bool,
    pub security_context: Option<SecurityContext>,
    pub service_account_name: Option<String>,
    pub termination_grace_period_seconds: Option<i64>,
    pub priority_class_name: Option<String>,
}

/// `PodTemplateSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodTemplate {
    pub metadata: Meta,
    pub spec: PodSpec,
}

/// A condition of any object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    #[serde(deserialize_with = "nullable")]
    pub reason: String,
    #[serde(deserialize_with = "nullable")]
    pub message: String,
    #[serde(deserialize_with = "lenient_time")]
    pub last_transition_time: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub last_heartbeat_time: Option<Timestamp>,
}

/// Finds a condition by type.
pub fn condition<'a>(conds: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conds.iter().find(|c| c.type_ == type_)
}

/// `ContainerStateWaiting` / `Terminated` / `Running`, merged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StateDetail {
    #[serde(deserialize_with = "nullable")]
    pub reason: String,
    #[serde(deserialize_with = "nullable")]
    pub message: String,
    pub exit_code: Option<i32>,
    #[serde(deserialize_with = "lenient_time")]
    pub started_at: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub finished_at: Option<Timestamp>,
}

/// `ContainerState`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerState {
    pub waiting: Option<Box<StateDetail>>,
    pub running: Option<Box<StateDetail>>,
    pub terminated: Option<Box<StateDetail>>,
}

/// `ContainerStatus`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStatus {
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub ready: bool,
    #[serde(deserialize_with = "nullable")]
    pub restart_count: u32,
    #[serde(deserialize_with = "nullable")]
    pub image: String,
    /// What the image resolved to (`docker-pullable://nginx@sha256:…`, `sha256:…`).
    #[serde(
        rename = "imageID",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub image_id: String,
    #[serde(deserialize_with = "nullable")]
    pub state: ContainerState,
    #[serde(deserialize_with = "nullable")]
    pub last_state: ContainerState,
}

/// `PodStatus`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodStatus {
    #[serde(deserialize_with = "nullable")]
    pub phase: String,
    #[serde(deserialize_with = "nullable")]
    pub reason: String,
    #[serde(deserialize_with = "nullable")]
    pub message: String,
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
    #[serde(deserialize_with = "nullable")]
    pub container_statuses: Vec<ContainerStatus>,
    #[serde(deserialize_with = "nullable")]
    pub init_container_statuses: Vec<ContainerStatus>,
    #[serde(deserialize_with = "lenient_time")]
    pub start_time: Option<Timestamp>,
}

/// A Pod.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pod {
    pub metadata: Meta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

/// `Taint`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

/// `NodeSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSpec {
    #[serde(deserialize_with = "nullable")]
    pub unschedulable: bool,
    #[serde(deserialize_with = "nullable")]
    pub taints: Vec<Taint>,
}

/// `NodeSystemInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeInfo {
    pub kubelet_version: String,
    pub kube_proxy_version: String,
    pub container_runtime_version: String,
    pub os_image: String,
    pub kernel_version: String,
}

/// `NodeStatus`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeStatus {
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
    #[serde(deserialize_with = "nullable")]
    pub allocatable: BTreeMap<String, String>,
    #[serde(deserialize_with = "nullable")]
    pub capacity: BTreeMap<String, String>,
    #[serde(deserialize_with = "nullable")]
    pub node_info: NodeInfo,
}

/// A Node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Node {
    pub metadata: Meta,
    pub spec: NodeSpec,
    pub status: NodeStatus,
}

impl Node {
    /// Whether the node carries a control-plane role label.
    pub fn is_control_plane(&self) -> bool {
        let l = &self.metadata.labels;
        l.contains_key("node-role.kubernetes.io/control-plane")
            || l.contains_key("node-role.kubernetes.io/master")
    }
    /// `Ready` condition status: `True`, `False`, `Unknown`, or empty when absent.
    pub fn ready_status(&self) -> &str {
        condition(&self.status.conditions, "Ready")
            .map(|c| c.status.as_str())
            .unwrap_or("")
    }
}

/// `ObjectReference` as used by events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectRef {
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub namespace: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
}

/// `EventSeries`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventSeries {
    pub count: Option<u32>,
    #[serde(deserialize_with = "lenient_time")]
    pub last_observed_time: Option<Timestamp>,
}

/// A core/v1 Event (events.k8s.io/v1 events are mapped onto it by the loader).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Event {
    pub metadata: Meta,
    pub involved_object: ObjectRef,
    #[serde(deserialize_with = "nullable")]
    pub reason: String,
    #[serde(deserialize_with = "nullable")]
    pub message: String,
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub type_: String,
    pub count: Option<u32>,
    #[serde(deserialize_with = "lenient_time")]
    pub first_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub last_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub event_time: Option<Timestamp>,
    pub series: Option<EventSeries>,
}

impl Event {
    /// When the event was last seen, from whichever field the producer filled.
    pub fn last_seen(&self) -> Option<Timestamp> {
        self.series
            .as_ref()
            .and_then(|s| s.last_observed_time)
            .or(self.last_timestamp)
            .or(self.event_time)
            .or(self.first_timestamp)
            .or(self.metadata.creation_timestamp)
    }
    /// How many times it happened.
    pub fn occurrences(&self) -> u32 {
        self.series
            .as_ref()
            .and_then(|s| s.count)
            .or(self.count)
            .unwrap_or(1)
            .max(1)
    }
}
