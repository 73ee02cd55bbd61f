//! A fake Kubernetes API server for tests: no real API server can run here (no kube-apiserver, kind or
//! k3s), so this serves recorded objects the way the real one does: legacy discovery (`/api`, `/apis`,
//! resource lists, enough for kubectl), `/version`, lists per resource and namespace, paging with
//! `limit`/`continue` and `remainingItemCount`, `labelSelector` (equality) and `fieldSelector`
//! (`spec.nodeName`), `Status` bodies for 403/404, and optional slowness. It also takes the writes
//! `srehub chaos` makes, as the real server does: pod deletion, the Eviction API (429 when a
//! PodDisruptionBudget allows no disruption), merge patches of nodes, NetworkPolicy creation and
//! deletion, and `dryRun=All` (validated, not persisted); [`FakeKube::writes`] records them.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, Uri, header};
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
    objects: Mutex<Vec<Value>>,
    opts: FakeOptions,
    /// Every request path with its query, in order.
    log: Mutex<Vec<String>>,
    /// Every write: `METHOD path?query body`.
    writes: Mutex<Vec<String>>,
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
            objects: Mutex::new(objects),
            opts,
            log: Mutex::new(Vec::new()),
            writes: Mutex::new(Vec::new()),
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

    /// The writes served so far: `METHOD path?query body`, in order.
    pub fn writes(&self) -> Vec<String> {
        self.inner.writes.lock().unwrap().clone()
    }

    /// The objects now (after the writes), of one kind.
    pub fn objects(&self, kind: &str) -> Vec<Value> {
        self.inner
            .objects
            .lock()
            .unwrap()
            .iter()
            .filter(|o| o["kind"] == kind)
            .cloned()
            .collect()
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
    method: Method,
    uri: Uri,
    Query(q): Query<BTreeMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    s.log.lock().unwrap().push(uri.to_string());
    if method != Method::GET {
        s.writes
            .lock()
            .unwrap()
            .push(format!("{method} {uri} {}", String::from_utf8_lossy(&body)));
    }
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
    let (namespace, plural, name, sub) = match rest.as_slice() {
        ["namespaces", ns, plural] => (Some(ns.to_string()), plural.to_string(), None, None),
        [plural] => (None, plural.to_string(), None, None),
        ["namespaces", ns, plural, name] => (
            Some(ns.to_string()),
            plural.to_string(),
            Some(name.to_string()),
            None,
        ),
        ["namespaces", ns, plural, name, sub] => (
            Some(ns.to_string()),
            plural.to_string(),
            Some(name.to_string()),
            Some(sub.to_string()),
        ),
        [plural, name] => (None, plural.to_string(), Some(name.to_string()), None),
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
    // dryRun=All in the query, or in the DeleteOptions body of a DELETE.
    let dry_run = q.get("dryRun").is_some_and(|d| d == "All")
        || serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|b| b.get("dryRun").cloned())
            .is_some_and(|d| d == json!(["All"]));
    match (method.as_str(), name, sub.as_deref()) {
        ("GET", None, None) => list(&s, res, namespace.as_deref(), &q),
        ("GET", Some(name), None) => match find(&s, res, namespace.as_deref(), &name) {
            Some(o) => json_response(typed(o, res)),
            None => not_found(res, &name),
        },
        ("DELETE", Some(name), None) => {
            let mut objects = s.objects.lock().unwrap();
            let Some(i) = position(&objects, res, namespace.as_deref(), &name) else {
                return not_found(res, &name);
            };
            let o = if dry_run {
                objects[i].clone()
            } else {
                objects.remove(i)
            };
            json_response(typed(o, res))
        }
        ("POST", None, None) => {
            let Ok(mut o) = serde_json::from_slice::<Value>(&body) else {
                return status(400, "BadRequest", "the body is not JSON".into());
            };
            o["kind"] = json!(res.kind);
            o["apiVersion"] = json!(res.api_version);
            if let Some(ns) = &namespace {
                o["metadata"]["namespace"] = json!(ns);
            }
            let Some(new) = o["metadata"]["name"].as_str().map(str::to_string) else {
                return status(422, "Invalid", "metadata.name: Required value".into());
            };
            o["metadata"]["uid"] = json!(format!("uid-{new}"));
            o["metadata"]["creationTimestamp"] = json!("2026-11-30T00:00:00Z");
            let mut objects = s.objects.lock().unwrap();
            if position(&objects, res, namespace.as_deref(), &new).is_some() {
                return status(
                    409,
                    "AlreadyExists",
                    format!("{} \"{new}\" already exists", res.plural),
                );
            }
            if !dry_run {
                objects.push(o.clone());
            }
            (StatusCode::CREATED, json_response(typed(o, res))).into_response()
        }
        ("PATCH", Some(name), None) => {
            let Ok(patch) = serde_json::from_slice::<Value>(&body) else {
                return status(400, "BadRequest", "the body is not JSON".into());
            };
            let mut objects = s.objects.lock().unwrap();
            let Some(i) = position(&objects, res, namespace.as_deref(), &name) else {
                return not_found(res, &name);
            };
            let mut o = objects[i].clone();
            merge(&mut o, &patch);
            if !dry_run {
                objects[i] = o.clone();
            }
            json_response(typed(o, res))
        }
        ("POST", Some(name), Some("eviction")) if res.plural == "pods" => {
            evict(&s, namespace.as_deref().unwrap_or(""), &name, dry_run)
        }
        _ => status(
            405,
            "MethodNotAllowed",
            format!("{method} is not supported on this path by the fake"),
        ),
    }
}

fn not_found(res: ApiResource, name: &str) -> Response {
    status(
        404,
        "NotFound",
        format!("{} \"{name}\" not found", res.plural),
    )
}

fn typed(mut o: Value, res: ApiResource) -> Value {
    o["kind"] = json!(res.kind);
    o["apiVersion"] = json!(res.api_version);
    o
}

fn position(objects: &[Value], res: ApiResource, ns: Option<&str>, name: &str) -> Option<usize> {
    objects.iter().position(|o| {
        o["kind"] == res.kind
            && o["metadata"]["name"] == name
            && ns.is_none_or(|ns| o["metadata"]["namespace"] == ns)
    })
}

fn find(s: &Inner, res: ApiResource, ns: Option<&str>, name: &str) -> Option<Value> {
    let objects = s.objects.lock().unwrap();
    position(&objects, res, ns, name).map(|i| objects[i].clone())
}

/// JSON merge patch (RFC 7386): what strategic merge patches of scalar fields amount to.
fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

fn labels_match(selector: &Value, labels: &Value) -> bool {
    selector["matchLabels"]
        .as_object()
        .is_none_or(|m| m.iter().all(|(k, v)| &labels[k] == v))
}

/// The Eviction API: refused with 429 while a PodDisruptionBudget of the pod allows no disruption.
fn evict(s: &Inner, ns: &str, name: &str, dry_run: bool) -> Response {
    let mut objects = s.objects.lock().unwrap();
    let Some(i) = objects.iter().position(|o| {
        o["kind"] == "Pod" && o["metadata"]["name"] == name && o["metadata"]["namespace"] == ns
    }) else {
        return status(404, "NotFound", format!("pods \"{name}\" not found"));
    };
    let labels = objects[i]["metadata"]["labels"].clone();
    let pdb = objects.iter().position(|o| {
        o["kind"] == "PodDisruptionBudget"
            && o["metadata"]["namespace"] == ns
            && labels_match(&o["spec"]["selector"], &labels)
    });
    if let Some(p) = pdb {
        let allowed = objects[p]["status"]["disruptionsAllowed"]
            .as_i64()
            .unwrap_or(0);
        if allowed <= 0 {
            return status(
                429,
                "TooManyRequests",
                "Cannot evict pod as it would violate the pod's disruption budget.".into(),
            );
        }
        if !dry_run {
            objects[p]["status"]["disruptionsAllowed"] = json!(allowed - 1);
        }
    }
    if !dry_run {
        objects.remove(i);
    }
    (
        StatusCode::CREATED,
        json_response(json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})),
    )
        .into_response()
}

fn list(
    s: &Inner,
    res: ApiResource,
    namespace: Option<&str>,
    q: &BTreeMap<String, String>,
) -> Response {
    let label_selector: Vec<(String, bool, String)> = q
        .get("labelSelector")
        .map(|sel| {
            sel.split(',')
                .filter(|t| !t.is_empty())
                .map(|t| match t.split_once("!=") {
                    Some((k, v)) => (k.trim().to_string(), false, v.trim().to_string()),
                    None => {
                        let (k, v) = t.split_once('=').unwrap_or((t, ""));
                        (
                            k.trim().to_string(),
                            true,
                            v.trim_start_matches('=').trim().to_string(),
                        )
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let node: Option<String> = q
        .get("fieldSelector")
        .and_then(|f| f.strip_prefix("spec.nodeName="))
        .map(str::to_string);
    let mut items: Vec<Value> = s
        .objects
        .lock()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == res.kind)
        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
        .filter(|o| {
            label_selector.iter().all(|(k, eq, v)| {
                let have = o["metadata"]["labels"][k].as_str();
                if v.is_empty() && *eq {
                    have.is_some()
                } else {
                    (have == Some(v.as_str())) == *eq
                }
            })
        })
        .filter(|o| {
            node.as_ref()
                .is_none_or(|n| o["spec"]["nodeName"] == n.as_str())
        })
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
