//! The hub over OCI registries: Debian's `docker-registry` (the CNCF distribution registry) with
//! images pushed over plain HTTP, and the same registry behind token authentication with a token
//! service in the test.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use serde_json::Value;
use srehub_http::{Client, HttpOptions, Request};

mod common;
use common::{client, demo, get, start};

fn sha256(b: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, b);
    format!(
        "sha256:{}",
        d.as_ref()
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    )
}

async fn send(
    c: &Client,
    method: srehub_http::Method,
    url: &str,
    ct: &str,
    body: Vec<u8>,
) -> srehub_http::HttpResponse {
    c.send(Request {
        method,
        url: url.parse().unwrap(),
        headers: vec![("content-type".into(), ct.into())],
        body: Some(body),
        retry: false,
        auth: None,
    })
    .await
    .unwrap()
}

/// Pushes a one-layer image with plain distribution API calls; returns its manifest digest.
async fn push(c: &Client, registry: &str, name: &str, tag: &str, layer: &[u8]) -> String {
    let put_blob = async |bytes: &[u8]| {
        let start = send(
            c,
            srehub_http::Method::POST,
            &format!("{registry}/v2/{name}/blobs/uploads/"),
            "application/octet-stream",
            vec![],
        )
        .await;
        let loc = start
            .headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let loc = if loc.starts_with("http") {
            loc
        } else {
            format!("{registry}{loc}")
        };
        let sep = if loc.contains('?') { '&' } else { '?' };
        send(
            c,
            srehub_http::Method::PUT,
            &format!("{loc}{sep}digest={}", sha256(bytes)),
            "application/octet-stream",
            bytes.to_vec(),
        )
        .await;
        (sha256(bytes), bytes.len())
    };
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let (cd, cs) = put_blob(config).await;
    let (ld, ls) = put_blob(layer).await;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": ls}],
    });
    let body = serde_json::to_vec(&manifest).unwrap();
    let r = send(
        c,
        srehub_http::Method::PUT,
        &format!("{registry}/v2/{name}/manifests/{tag}"),
        "application/vnd.oci.image.manifest.v1+json",
        body.clone(),
    )
    .await;
    assert_eq!(
        r.headers
            .get("docker-content-digest")
            .unwrap()
            .to_str()
            .unwrap(),
        sha256(&body)
    );
    sha256(&body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_and_tags_of_a_real_registry() {
    // Debian's docker-registry (the CNCF distribution registry) with filesystem storage.
    let Some(reg) = srehub_test_support::prom::docker_registry() else {
        return;
    };
    let c = client();
    let v1 = push(&c, &reg.url, "team/api", "v1", b"layer one").await;
    let v2 = push(&c, &reg.url, "team/api", "v2", b"layer two, longer").await;
    push(&c, &reg.url, "web", "latest", b"web layer").await;
    // The source pages through the catalog one name at a time.
    let direct = srehub_registry::Registry::new(
        &reg.url,
        HttpOptions {
            env_proxy: false,
            ..HttpOptions::default()
        },
    )
    .unwrap();
    assert_eq!(direct.catalog(1, 100).await.unwrap(), ["team/api", "web"]);
    assert_eq!(direct.tags("team/api", 1, 100).await.unwrap(), ["v1", "v2"]);

    let mut cfg = demo();
    cfg.registry = Some(reg.url.clone());
    cfg.http.env_proxy = false;
    let hub = start(cfg).await;
    let (code, _, v) = get(&c, &format!("{}/api/v1/registry/repos", hub.url), &[]).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["items"], serde_json::json!(["team/api", "web"]));
    let (code, _, v) = get(
        &c,
        &format!("{}/api/v1/registry/images/team/api/tags", hub.url),
        &[],
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["tag"].as_str(), items[0]["digest"].as_str()),
        (Some("v1"), Some(v1.as_str()))
    );
    assert_eq!(items[1]["digest"], v2);
    assert_eq!(items[1]["layers"], 1);
    // The config (78 bytes) and the layer.
    assert_eq!(items[1]["size"], 78 + b"layer two, longer".len());
    assert_eq!(
        items[1]["media_type"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    let (code, _, v) = get(
        &c,
        &format!("{}/api/v1/registry/images/nope/tags", hub.url),
        &[],
    )
    .await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{v}"
    );
    let (code, _, _) = get(
        &c,
        &format!("{}/api/v1/registry/images/Bad%20Name/tags", hub.url),
        &[],
    )
    .await;
    assert_eq!(code, 400);
}

/// A token service for the distribution API's token authentication: checks Basic credentials and
/// signs ES256 JWTs with the key of a self-signed certificate (made by openssl) that the registry
/// trusts, carrying the certificate in `x5c` as the CNCF registry expects.
struct TokenService {
    key: ring::signature::EcdsaKeyPair,
    cert_der: Vec<u8>,
    issued: std::sync::atomic::AtomicUsize,
}

const TOKEN_ISSUER: &str = "srehub-test-issuer";
const TOKEN_SERVICE: &str = "srehub-test-registry";

impl TokenService {
    fn new(dir: &std::path::Path, openssl: &std::path::Path) -> TokenService {
        let run = |args: &[&str]| {
            let out = std::process::Command::new(openssl)
                .args(args)
                .current_dir(dir)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=srehub-test-token",
        ]);
        run(&[
            "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.p8",
        ]);
        run(&[
            "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
        ]);
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &std::fs::read(dir.join("key.p8")).unwrap(),
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
        TokenService {
            key,
            cert_der: std::fs::read(dir.join("cert.der")).unwrap(),
            issued: Default::default(),
        }
    }

    /// A JWT granting `scopes` (`repository:team/api:pull,push`).
    fn token(&self, scopes: &[String]) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let std64 = base64::engine::general_purpose::STANDARD;
        let header = serde_json::json!({"typ": "JWT", "alg": "ES256",
            "x5c": [std64.encode(&self.cert_der)]});
        let now = jiff::Timestamp::now().as_second();
        let access: Vec<Value> = scopes
            .iter()
            .filter_map(|s| {
                let mut parts = s.splitn(3, ':');
                let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
                Some(serde_json::json!({"type": kind, "name": name,
                    "actions": actions.split(',').collect::<Vec<_>>()}))
            })
            .collect();
        let claims = serde_json::json!({"iss": TOKEN_ISSUER, "sub": "ci", "aud": TOKEN_SERVICE,
            "exp": now + 300, "nbf": now - 10, "iat": now,
            "jti": format!("{}", fastrand::u64(..)), "access": access});
        let signing_input = format!(
            "{}.{}",
            b64.encode(serde_json::to_vec(&header).unwrap()),
            b64.encode(serde_json::to_vec(&claims).unwrap())
        );
        let sig = self
            .key
            .sign(&ring::rand::SystemRandom::new(), signing_input.as_bytes())
            .unwrap();
        format!("{signing_input}.{}", b64.encode(sig.as_ref()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_behind_token_authentication() {
    // Debian's docker-registry with token auth, and a token service here (as Docker Hub, GHCR,
    // Harbor and Quay work: 401 + WWW-Authenticate: Bearer realm=…, then a token from the realm).
    let Some(openssl) = srehub_test_support::require_binary(&["openssl"], &[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tokens = Arc::new(TokenService::new(dir.path(), &openssl));
    async fn issue(
        axum::extract::State(t): axum::extract::State<Arc<TokenService>>,
        headers: axum::http::HeaderMap,
        axum::extract::RawQuery(q): axum::extract::RawQuery,
    ) -> axum::response::Response {
        use axum::response::IntoResponse as _;
        // "ci:pull-secret"
        if headers.get("authorization").and_then(|v| v.to_str().ok())
            != Some("Basic Y2k6cHVsbC1zZWNyZXQ=")
        {
            return (axum::http::StatusCode::UNAUTHORIZED, "bad credentials").into_response();
        }
        let scopes: Vec<String> = url_pairs(q.as_deref().unwrap_or(""))
            .into_iter()
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| v)
            .collect();
        t.issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        axum::Json(serde_json::json!({"token": t.token(&scopes), "expires_in": 300}))
            .into_response()
    }
    fn url_pairs(q: &str) -> Vec<(String, String)> {
        srehub_http::Url::parse(&format!("http://x/?{q}"))
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let realm = format!("http://{}/token", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/token", axum::routing::get(issue))
        .with_state(tokens.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let Some(reg) = srehub_test_support::prom::docker_registry_with_tokens(
        &realm,
        TOKEN_SERVICE,
        TOKEN_ISSUER,
        &dir.path().join("cert.pem"),
    ) else {
        return;
    };
    // Push with a token minted here.
    let pusher = Client::new(
        "push",
        HttpOptions {
            retries: 0,
            env_proxy: false,
            auth: srehub_http::Auth::Bearer(
                tokens.token(&["repository:team/api:pull,push".to_string()]),
            ),
            ..HttpOptions::default()
        },
    )
    .unwrap();
    let v1 = push(&pusher, &reg.url, "team/api", "v1", b"layer one").await;

    let opts = |password: &str| HttpOptions {
        retries: 0,
        env_proxy: false,
        auth: srehub_http::Auth::Basic {
            user: "ci".into(),
            password: password.into(),
        },
        ..HttpOptions::default()
    };
    let source = srehub_registry::Registry::new(&reg.url, opts("pull-secret")).unwrap();
    let issued = || tokens.issued.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(source.tags("team/api", 100, 100).await.unwrap(), ["v1"]);
    assert_eq!(issued(), 1);
    // The token is kept for its scope: the manifest needs no new one; the catalog does.
    let info = source.manifest("team/api", "v1").await.unwrap();
    assert_eq!(info.digest.as_deref(), Some(v1.as_str()));
    assert_eq!(issued(), 1);
    assert_eq!(source.catalog(100, 100).await.unwrap(), ["team/api"]);
    assert_eq!(issued(), 2);
    // Wrong credentials: the token service's 401 is the error.
    let wrong = srehub_registry::Registry::new(&reg.url, opts("nope")).unwrap();
    let e = wrong
        .tags("team/api", 100, 100)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("401"), "{e}");
    assert!(!e.contains("nope"), "{e}");

    // Through the hub, with the registry connector's credentials.
    let mut cfg = demo();
    cfg.registry = Some(reg.url.clone());
    cfg.credentials.insert(
        "registry".into(),
        srehub_http::Auth::Basic {
            user: "ci".into(),
            password: "pull-secret".into(),
        },
    );
    let hub = start(cfg).await;
    let (code, _, v) = get(
        &client(),
        &format!("{}/api/v1/registry/images/team/api/tags", hub.url),
        &[],
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["items"][0]["digest"], v1);
}
