//! A fake Kubernetes API server for tests: no real API server can run here (no kube-apiserver, kind or
//! k3s), so this serves recorded objects the way the real one does: legacy discovery (`/api`, `/apis`,
//! resource lists, enough for kubectl), `/version`, lists per resource and namespace, paging with
//! `limit`/`continue` and `remainingItemCount`, `Status` bodies for 403/404, and optional slowness.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use srehub_kube::live::{ApiResource, RESOURCES};

/// How the fake behaves.
#[derive(Debug, Clone, Default)]
pub struct FakeOptions {
    /// Plurals answered with 403 Forbidden (e.g. `clusterrolebindings`).
    pub forbidden: BTreeSet<String>,
    /// Serve the metrics API (`metrics.k8s.io`); when false it answers 404 like a cluster without
    /// metrics-server.
    pub metrics: bool,
    /// Plurals answered only after this delay.
    pub slow: BTreeMap<String, Duration>,
    /// `/version`'s gitVersion.
    pub git_version: String,
}

#[derive(Default)]
struct Inner {
    objects: Vec<Value>,
    opts: FakeOptions,
    /// Every request path with its query, in order.
    log: Mutex<Vec<String>>,
}

/// A running fake API server; stops when dropped.
pub struct FakeKube {
    pub addr: SocketAddr,
    inner: Arc<Inner>,
    _dir: tempfile::TempDir,
    /// A kubeconfig whose current context points at the fake.
    pub kubeconfig: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeKube {
    /// Starts the fake on 127.0.0.1:0 with these objects (each with `kind` and `apiVersion`).
    pub fn start(objects: Vec<Value>, opts: FakeOptions) -> FakeKube {
        let inner = Arc::new(Inner {
            objects,
            opts,
            log: Mutex::new(Vec::new()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = inner.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = Router::new().fallback(handle).with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://{addr}\n\
                 users:\n- name: tester\n  user:\n    token: fake-token\n\
                 contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: tester\ncurrent-context: fake\n"
            ),
        )
        .unwrap();
        FakeKube {
            addr,
            inner,
            _dir: dir,
            kubeconfig,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Objects from `kubectl get -o json` style files (each a `List`, or a single object).
    pub fn objects_from_files(paths: &[PathBuf]) -> Vec<Value> {
        let mut out = Vec::new();
        for p in paths {
            let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            let item_kind = v["kind"]
                .as_str()
                .and_then(|k| k.strip_suffix("List"))
                .filter(|k| !k.is_empty())
                .map(str::to_string);
            let api_version = v["apiVersion"].clone();
            match v.get("items").and_then(Value::as_array) {
                Some(items) => out.extend(items.iter().cloned().map(|mut i| {
                    // Items of typed lists (PodList, NodeMetricsList) carry no kind of their own.
                    if i.get("kind").is_none()
                        && let (Some(k), Some(m)) = (&item_kind, i.as_object_mut())
                    {
                        m.insert("kind".into(), Value::String(k.clone()));
                        m.insert("apiVersion".into(), api_version.clone());
                    }
                    i
                })),
                None if v.get("kind").is_some() => out.push(v),
                None => {}
            }
        }
        out
    }

    /// The requests served so far (path and query).
    pub fn requests(&self) -> Vec<String> {
        self.inner.log.lock().unwrap().clone()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn status(code: u16, reason: &str, message: String) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": message, "reason": reason, "code": code});
    (
        StatusCode::from_u16(code).unwrap(),
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn json_response(v: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

fn group_versions() -> Vec<&'static str> {
    let mut gv: Vec<&str> = RESOURCES
        .iter()
        .map(|r| r.api_version)
        .filter(|v| *v != "v1")
        .collect();
    gv.sort_unstable();
    gv.dedup();
    gv
}

fn resource_list(gv: &str, metrics: bool) -> Option<Value> {
    if gv.starts_with("metrics.k8s.io") && !metrics {
        return None;
    }
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.api_version == gv)
        .map(|r| {
            json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
                   "kind": r.kind, "verbs": ["get", "list", "watch"]})
        })
        .collect();
    (!resources.is_empty()).then(|| json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}))
}

async fn handle(
    State(s): State<Arc<Inner>>,
    uri: Uri,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    s.log.lock().unwrap().push(uri.to_string());
    let path = uri.path().trim_end_matches('/');
    if path == "/version" {
        let git = if s.opts.git_version.is_empty() {
            "v1.30.4"
        } else {
            &s.opts.git_version
        };
        let minor = git
            .trim_start_matches('v')
            .split('.')
            .nth(1)
            .unwrap_or("30")
            .to_string();
        return json_response(
            json!({"major": "1", "minor": minor, "gitVersion": git, "gitCommit": "fake",
            "gitTreeState": "clean", "buildDate": "2026-08-01T00:00:00Z", "goVersion": "go1.22.5",
            "compiler": "gc", "platform": "linux/amd64"}),
        );
    }
    if path == "/api" {
        return json_response(json!({"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}));
    }
    if path == "/apis" {
        let groups: Vec<Value> = group_versions()
            .into_iter()
            .filter(|gv| s.opts.metrics || !gv.starts_with("metrics.k8s.io"))
            .map(|gv| {
                let (g, v) = gv.split_once('/').unwrap();
                json!({"name": g, "versions": [{"groupVersion": gv, "version": v}], "preferredVersion": {"groupVersion": gv, "version": v}})
            })
            .collect();
        return json_response(
            json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
        );
    }
    // /api/v1[/namespaces/NS]/PLURAL or /apis/G/V[/namespaces/NS]/PLURAL
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (gv, rest) = match parts.as_slice() {
        ["api", "v1", rest @ ..] => ("v1".to_string(), rest.to_vec()),
        ["apis", g, v, rest @ ..] => (format!("{g}/{v}"), rest.to_vec()),
        _ => {
            return status(
                404,
                "NotFound",
                "the server could not find the requested resource".into(),
            );
        }
    };
    if rest.is_empty() {
        return match resource_list(&gv, s.opts.metrics) {
            Some(v) => json_response(v),
            None => status(
                404,
                "NotFound",
                "the server could not find the requested resource".into(),
            ),
        };
    }
    let (namespace, plural) = match rest.as_slice() {
        ["namespaces", ns, plural] => (Some(ns.to_string()), plural.to_string()),
        [plural] => (None, plural.to_string()),
        _ => {
            return status(
                404,
                "NotFound",
                "the server could not find the requested resource".into(),
            );
        }
    };
    let Some(res) = RESOURCES
        .iter()
        .find(|r| r.api_version == gv && r.plural == plural)
        .copied()
    else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource".into(),
        );
    };
    if res.api_version.starts_with("metrics.k8s.io") && !s.opts.metrics {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource".into(),
        );
    }
    if s.opts.forbidden.contains(&plural) {
        let group = res
            .api_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("");
        return status(
            403,
            "Forbidden",
            format!(
                "{plural}.{group} is forbidden: User \"system:serviceaccount:srehub:srehub\" cannot list resource \"{plural}\" in API group \"{group}\" at the cluster scope"
            ),
        );
    }
    if let Some(d) = s.opts.slow.get(&plural) {
        tokio::time::sleep(*d).await;
    }
    list(&s, res, namespace.as_deref(), &q)
}

fn list(
    s: &Inner,
    res: ApiResource,
    namespace: Option<&str>,
    q: &BTreeMap<String, String>,
) -> Response {
    let mut items: Vec<Value> = s
        .objects
        .iter()
        .filter(|o| o["kind"] == res.kind)
        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
        .cloned()
        .collect();
    // The API server lists in key order: namespace, then name.
    items.sort_by_key(|o| {
        (
            o["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            o["metadata"]["name"].as_str().unwrap_or("").to_string(),
        )
    });
    // Items of a typed list carry no kind/apiVersion, as from the real server.
    for o in &mut items {
        if let Some(m) = o.as_object_mut() {
            m.remove("kind");
            m.remove("apiVersion");
        }
    }
    let start: usize = match q.get("continue") {
        Some(t) => match t.strip_prefix("offset-").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => return status(400, "BadRequest", format!("invalid continue token {t}")),
        },
        None => 0,
    };
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let end = start.saturating_add(limit).min(items.len());
    let page: Vec<Value> = items
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut metadata = json!({"resourceVersion": "123456"});
    if end < items.len() {
        metadata["continue"] = json!(format!("offset-{end}"));
        metadata["remainingItemCount"] = json!(items.len() - end);
    }
    json_response(
        json!({"kind": format!("{}List", res.kind), "apiVersion": res.api_version, "metadata": metadata, "items": page}),
    )
}
