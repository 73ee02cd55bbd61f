//! The live source: lists from a Kubernetes API server through kube-rs, paged, concurrent, with
//! timeouts and retries with backoff. Lists are kept as the API's JSON and read by the same loader as
//! snapshots, so a live run and a snapshot of the same cluster give the same findings.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde::Deserialize;
use serde_json::value::RawValue;
use srehub_model::k8s::{ClusterSnapshot, SnapshotBuilder};

use crate::Error;

/// How to reach the cluster.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// kubeconfig path; default `$KUBECONFIG`, `~/.kube/config`, then in-cluster.
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context; default the current one.
    pub context: Option<String>,
    /// Only this namespace (cluster-scoped kinds are still read); `None` reads all.
    pub namespace: Option<String>,
    /// Timeout of each request.
    pub timeout: Duration,
    /// Retries of a failed request (5xx, 429, timeouts, connection errors).
    pub retries: u32,
    /// Items per page.
    pub page_size: u32,
    /// Lists in flight at once.
    pub concurrency: usize,
}

/// A kind the doctor can list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiResource {
    pub kind: &'static str,
    /// `v1` for the core group, else `group/version`.
    pub api_version: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

const fn r(
    kind: &'static str,
    api_version: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> ApiResource {
    ApiResource {
        kind,
        api_version,
        plural,
        namespaced,
    }
}

/// Every kind the doctor reads.
pub const RESOURCES: &[ApiResource] = &[
    r("Namespace", "v1", "namespaces", false),
    r("Node", "v1", "nodes", false),
    r("Pod", "v1", "pods", true),
    r("Event", "v1", "events", true),
    r("Service", "v1", "services", true),
    r("Endpoints", "v1", "endpoints", true),
    r(
        "PersistentVolumeClaim",
        "v1",
        "persistentvolumeclaims",
        true,
    ),
    r("ResourceQuota", "v1", "resourcequotas", true),
    r("LimitRange", "v1", "limitranges", true),
    r("Deployment", "apps/v1", "deployments", true),
    r("ReplicaSet", "apps/v1", "replicasets", true),
    r("StatefulSet", "apps/v1", "statefulsets", true),
    r("DaemonSet", "apps/v1", "daemonsets", true),
    r("Job", "batch/v1", "jobs", true),
    r("CronJob", "batch/v1", "cronjobs", true),
    r(
        "HorizontalPodAutoscaler",
        "autoscaling/v2",
        "horizontalpodautoscalers",
        true,
    ),
    r(
        "PodDisruptionBudget",
        "policy/v1",
        "poddisruptionbudgets",
        true,
    ),
    r(
        "NetworkPolicy",
        "networking.k8s.io/v1",
        "networkpolicies",
        true,
    ),
    r("Role", "rbac.authorization.k8s.io/v1", "roles", true),
    r(
        "ClusterRole",
        "rbac.authorization.k8s.io/v1",
        "clusterroles",
        false,
    ),
    r(
        "RoleBinding",
        "rbac.authorization.k8s.io/v1",
        "rolebindings",
        true,
    ),
    r(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io/v1",
        "clusterrolebindings",
        false,
    ),
    r("NodeMetrics", "metrics.k8s.io/v1beta1", "nodes", false),
    r("PodMetrics", "metrics.k8s.io/v1beta1", "pods", true),
];

impl ApiResource {
    fn path(&self, namespace: Option<&str>) -> String {
        let base = if self.api_version == "v1" {
            "/api/v1".to_string()
        } else {
            format!("/apis/{}", self.api_version)
        };
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.plural),
            None => format!("{base}/{}", self.plural),
        }
    }
}

/// The pages of one list, as the API returned them.
#[derive(Debug, Clone)]
pub struct FetchedList {
    pub resource: ApiResource,
    pub pages: Vec<String>,
}

/// What a live run gathered.
#[derive(Debug, Clone, Default)]
pub struct LiveData {
    /// `/version` as returned.
    pub version: Option<String>,
    pub lists: Vec<FetchedList>,
    /// Kinds that could not be read and why (forbidden, not served).
    pub notes: Vec<String>,
    /// The context and server, for reports.
    pub target: String,
}

#[derive(Debug)]
enum FetchError {
    Status { code: u16, message: String },
    Transport(String),
    Timeout,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Status { code, message } => write!(f, "HTTP {code}: {message}"),
            FetchError::Transport(m) => f.write_str(m),
            FetchError::Timeout => f.write_str("timed out"),
        }
    }
}

impl FetchError {
    fn retryable(&self) -> bool {
        match self {
            FetchError::Status { code, .. } => *code == 429 || *code >= 500,
            FetchError::Transport(_) | FetchError::Timeout => true,
        }
    }
}

/// A connected client and a description of where it points.
pub struct Connection {
    client: kube::Client,
    pub target: String,
    opts: LiveOptions,
}

/// Builds a client from the kubeconfig (or in-cluster config). Fails with [`Error::Kubeconfig`] when no
/// configuration is found.
pub async fn connect(opts: &LiveOptions) -> Result<Connection, Error> {
    let kopts = KubeConfigOptions {
        context: opts.context.clone(),
        ..KubeConfigOptions::default()
    };
    let mut config = match &opts.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path).map_err(|e| Error::Kubeconfig {
                what: format!("reading kubeconfig {}", path.display()),
                source: Box::new(e),
            })?;
            kube::Config::from_custom_kubeconfig(kc, &kopts)
                .await
                .map_err(|e| Error::Kubeconfig {
                    what: format!("kubeconfig {}", path.display()),
                    source: Box::new(e),
                })?
        }
        None if opts.context.is_some() => {
            kube::Config::from_kubeconfig(&kopts)
                .await
                .map_err(|e| Error::Kubeconfig {
                    what: "kubeconfig".to_string(),
                    source: Box::new(e),
                })?
        }
        None => kube::Config::infer().await.map_err(|e| Error::Kubeconfig {
            what: "kubeconfig or in-cluster configuration".to_string(),
            source: Box::new(e),
        })?,
    };
    config.connect_timeout = Some(opts.timeout);
    config.read_timeout = Some(opts.timeout);
    config.write_timeout = Some(opts.timeout);
    // Retries are srehub's own (`opts.retries`, with jittered backoff, for reads): kube's built-in
    // policy would retry a 429 up to 15 times over minutes, and an eviction a PodDisruptionBudget
    // refuses is a 429 that must come back at once.
    config.default_retry = false;
    let target = match &opts.context {
        Some(c) => format!("context {c} ({})", config.cluster_url),
        None => config.cluster_url.to_string(),
    };
    let client = kube::Client::try_from(config).map_err(|e| Error::Kubeconfig {
        what: "building the Kubernetes client".to_string(),
        source: Box::new(e),
    })?;
    Ok(Connection {
        client,
        target,
        opts: opts.clone(),
    })
}

/// A small jitter (0–50% of `d`) without a random number generator.
fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    let max = (d.as_millis() as u64 / 2).max(1);
    Duration::from_millis(u64::from(nanos) % max)
}

impl Connection {
    async fn get_once(&self, path: &str) -> Result<String, FetchError> {
        let req = http::Request::get(path)
            .header("Accept", "application/json")
            .body(Vec::new())
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        match tokio::time::timeout(self.opts.timeout, self.client.request_text(req)).await {
            Err(_) => Err(FetchError::Timeout),
            Ok(Ok(text)) => Ok(text),
            Ok(Err(kube::Error::Api(status))) => Err(FetchError::Status {
                code: status.code,
                message: if status.message.is_empty() {
                    status.reason.clone()
                } else {
                    status.message.clone()
                },
            }),
            Ok(Err(e)) => {
                let mut msg = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    msg.push_str(": ");
                    msg.push_str(&s.to_string());
                    src = s.source();
                }
                Err(FetchError::Transport(msg))
            }
        }
    }

    /// GET with retries and exponential backoff with jitter.
    async fn get(&self, path: &str) -> Result<String, FetchError> {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 0;
        loop {
            match self.get_once(path).await {
                Ok(t) => return Ok(t),
                Err(e) if e.retryable() && attempt < self.opts.retries => {
                    tracing::debug!(path, attempt, error = %e, "retrying");
                    tokio::time::sleep(delay + jitter(delay)).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Checks that the API server answers, within the timeout; returns `/version`.
    /// The kube client, for callers that write (`srehub chaos`).
    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    pub async fn probe(&self) -> Result<String, Error> {
        // One overall deadline: an unreachable server fails within the timeout, retries included.
        let deadline = self.opts.timeout;
        match tokio::time::timeout(deadline, self.get("/version")).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(FetchError::Status { code, message })) if code == 401 || code == 403 => {
                Err(Error::Unauthorized {
                    target: self.target.clone(),
                    message: format!("HTTP {code}: {message}"),
                })
            }
            Ok(Err(e)) => Err(Error::Unreachable {
                target: self.target.clone(),
                message: e.to_string(),
            }),
            Err(_) => Err(Error::Unreachable {
                target: self.target.clone(),
                message: format!("no answer within {deadline:?}"),
            }),
        }
    }

    async fn list(&self, res: ApiResource) -> Result<FetchedList, (ApiResource, FetchError)> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            metadata: Option<PageMeta>,
        }
        #[derive(Deserialize)]
        struct PageMeta {
            #[serde(rename = "continue", default)]
            cont: Option<String>,
        }
        let base = res.path(self.opts.namespace.as_deref());
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        let mut restarts = 0;
        loop {
            let mut path = format!("{base}?limit={}", self.opts.page_size);
            if let Some(t) = &token {
                path.push_str("&continue=");
                path.push_str(&encode(t));
            }
            let text = match self.get(&path).await {
                // The continue token expired (the list took longer than etcd keeps it): start over,
                // as kubectl does; a few times at most.
                Err(FetchError::Status { code: 410, .. }) if token.is_some() && restarts < 3 => {
                    tracing::debug!(kind = res.kind, "continue token expired; listing again");
                    restarts += 1;
                    pages.clear();
                    token = None;
                    continue;
                }
                r => r.map_err(|e| (res, e))?,
            };
            let next = serde_json::from_str::<Page>(&text)
                .ok()
                .and_then(|p| p.metadata)
                .and_then(|m| m.cont)
                .filter(|c| !c.is_empty());
            pages.push(text);
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        tracing::debug!(kind = res.kind, pages = pages.len(), "listed");
        Ok(FetchedList {
            resource: res,
            pages,
        })
    }

    /// Lists the given kinds concurrently. Forbidden or absent kinds become notes; any other failure
    /// (after retries) is an error.
    pub async fn fetch(&self, kinds: &[&str]) -> Result<LiveData, Error> {
        let version = self.probe().await?;
        let wanted: Vec<ApiResource> = RESOURCES
            .iter()
            .copied()
            .filter(|r| kinds.contains(&r.kind))
            .collect();
        let mut results = futures::stream::iter(wanted.into_iter().map(|r| self.list(r)))
            .buffer_unordered(self.opts.concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        results.sort_by_key(|r| match r {
            Ok(l) => l.resource.kind,
            Err((res, _)) => res.kind,
        });
        let mut data = LiveData {
            version: Some(version),
            target: self.target.clone(),
            ..LiveData::default()
        };
        for r in results {
            match r {
                Ok(l) => data.lists.push(l),
                Err((res, FetchError::Status { code: 403, message })) => data.notes.push(format!(
                    "forbidden to list {} ({}): checks that need {} found nothing; grant list on it to see them",
                    res.plural, message, res.kind
                )),
                // Absent (404), or registered but with metrics-server down (503): the cluster is still
                // readable, only usage is unknown.
                Err((res, FetchError::Status { code: 404 | 503, .. })) if res.api_version.starts_with("metrics.k8s.io") => {
                    data.notes.push("the metrics API (metrics.k8s.io) is not served: node and pod usage checks skipped".into());
                }
                Err((res, FetchError::Status { code: 404, .. })) => {
                    data.notes.push(format!("{} {} is not served by this API server", res.api_version, res.plural))
                }
                Err((res, e)) => {
                    return Err(Error::ListFailed {
                        target: self.target.clone(),
                        path: res.path(self.opts.namespace.as_deref()),
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(data)
    }
}

/// Percent-encodes a continue token for a query string.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl LiveData {
    /// Reads the gathered lists with the snapshot loader.
    pub fn to_snapshot(&self) -> Result<ClusterSnapshot, Error> {
        let mut b = SnapshotBuilder::new();
        if let Some(v) = &self.version {
            b.add_bytes(v.as_bytes(), "GET /version")?;
        }
        for l in &self.lists {
            for (i, page) in l.pages.iter().enumerate() {
                b.add_bytes(
                    page.as_bytes(),
                    &format!("GET {} (page {})", l.resource.plural, i + 1),
                )?;
            }
            b.mark_collected(l.resource.kind);
        }
        for n in &self.notes {
            b.note(n.clone());
        }
        Ok(b.finish())
    }

    /// Writes everything as one `kubectl get -o json` style `List` (items carry `kind` and
    /// `apiVersion`), plus the server version under `serverVersion` and the collected kinds and notes
    /// under `srehub.io/…` keys, which `--snapshot` reads back.
    pub fn write_list(&self, out: &mut dyn Write) -> Result<(), Error> {
        #[derive(Deserialize)]
        struct Items<'a> {
            #[serde(borrow, default)]
            items: Vec<&'a RawValue>,
        }
        let io = |e: std::io::Error| Error::Write(e);
        out.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"List\",\n    \"metadata\": {\"resourceVersion\": \"\"},\n").map_err(io)?;
        if let Some(v) = &self.version {
            let compact: serde_json::Value =
                serde_json::from_str(v).unwrap_or(serde_json::Value::Null);
            if !compact.is_null() {
                writeln!(out, "    \"serverVersion\": {compact},").map_err(io)?;
            }
        }
        // What a dump cannot say by itself: the kinds listed even when none exist, and what could not
        // be read; `--snapshot` reads both back, so the replay finds what the live run found.
        let kinds: Vec<&str> = self.lists.iter().map(|l| l.resource.kind).collect();
        writeln!(
            out,
            "    \"srehub.io/collectedKinds\": {},",
            serde_json::json!(kinds)
        )
        .map_err(io)?;
        writeln!(
            out,
            "    \"srehub.io/notes\": {},",
            serde_json::json!(self.notes)
        )
        .map_err(io)?;
        out.write_all(b"    \"items\": [").map_err(io)?;
        let mut first = true;
        for l in &self.lists {
            for page in &l.pages {
                let items: Items<'_> = serde_json::from_str(page)
                    .map_err(|e| Error::Write(std::io::Error::other(e)))?;
                for item in items.items {
                    let raw = item.get().trim_start();
                    let rest = raw.strip_prefix('{').unwrap_or(raw).trim_start();
                    out.write_all(if first { b"\n" } else { b",\n" })
                        .map_err(io)?;
                    first = false;
                    write!(
                        out,
                        "{{\"apiVersion\":\"{}\",\"kind\":\"{}\"",
                        l.resource.api_version, l.resource.kind
                    )
                    .map_err(io)?;
                    if rest.starts_with('}') {
                        out.write_all(b"}").map_err(io)?;
                    } else {
                        out.write_all(b",").map_err(io)?;
                        out.write_all(rest.as_bytes()).map_err(io)?;
                    }
                }
            }
        }
        out.write_all(b"\n    ]\n}\n").map_err(io)?;
        Ok(())
    }
}
