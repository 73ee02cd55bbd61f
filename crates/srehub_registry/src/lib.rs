//! The OCI distribution API (any registry: the CNCF distribution registry, Harbor, Artifactory's
//! Docker repositories, GHCR, ...): the catalog and tag lists, paged with `n` and the `Link` header's
//! `last`, and manifests (OCI and Docker v2, indexes included) with their digest and sizes.

pub mod artifactory;
pub mod vulns;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use srehub_http::{Client, HttpError, HttpOptions, Request, Url};

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{url}: unexpected answer: {reason}")]
    Shape { url: String, reason: String },
}

impl RegistryError {
    /// The registry says the repository or tag does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, RegistryError::Http(e) if e.status() == Some(404))
    }
}

/// Media types asked for when reading manifests.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// A tag and what it points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagInfo {
    pub tag: String,
    /// `sha256:…` of the manifest, when the registry says.
    pub digest: Option<String>,
    pub media_type: Option<String>,
    /// Bytes of the config and layers (single-platform manifests).
    pub size: Option<u64>,
    pub layers: Option<u32>,
    /// Platforms of an index.
    pub platforms: Vec<String>,
    /// Why the manifest could not be read (the tag was deleted meanwhile, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Registry {
    client: Client,
    base: String,
    /// Bearer tokens of the registry's token service, per scope, with their expiry.
    tokens: std::sync::Arc<std::sync::Mutex<HashMap<String, (String, Instant)>>>,
}

/// A `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge.
#[derive(Debug, Clone, PartialEq)]
struct Challenge {
    realm: String,
    service: Option<String>,
    scope: Option<String>,
}

fn parse_challenge(h: &str) -> Option<Challenge> {
    let rest = h
        .trim()
        .strip_prefix("Bearer ")
        .or_else(|| h.trim().strip_prefix("bearer "))?;
    let mut params = HashMap::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let (k, after) = s.split_once('=')?;
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"')?;
            (&q[..end], q[end + 1..].trim_start_matches([',', ' ']))
        } else {
            match after.split_once(',') {
                Some((v, n)) => (v, n.trim_start()),
                None => (after, ""),
            }
        };
        params.insert(k.trim().to_ascii_lowercase(), v.to_string());
        s = next.trim();
    }
    Some(Challenge {
        realm: params.remove("realm")?,
        service: params.remove("service"),
        scope: params.remove("scope"),
    })
}

/// The token scope a request needs, from its path: the catalog, or pulling a repository.
fn scope_of(url: &Url) -> Option<String> {
    let path = url.path();
    let v2 = path.find("/v2/")?;
    let rest = &path[v2 + 4..];
    if rest == "_catalog" {
        return Some("registry:catalog:*".into());
    }
    ["/tags/", "/manifests/", "/blobs/"]
        .iter()
        .find_map(|m| rest.find(m).map(|i| &rest[..i]))
        .map(|name| format!("repository:{name}:pull"))
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: Option<String>,
    access_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct Catalog {
    repositories: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Tags {
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    media_type: Option<String>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Vec<IndexEntry>,
}

#[derive(Deserialize)]
struct Descriptor {
    size: u64,
}

#[derive(Deserialize)]
struct IndexEntry {
    platform: Option<Platform>,
}

#[derive(Deserialize)]
struct Platform {
    os: String,
    architecture: String,
    variant: Option<String>,
}

/// `</v2/_catalog?last=b&n=2>; rel="next"` → the URL of the next page.
fn next_link(base: &Url, headers: &srehub_http::reqwest_header::HeaderMap) -> Option<Url> {
    let link = headers.get("link")?.to_str().ok()?;
    let part = link.split(',').find(|p| p.contains("rel=\"next\""))?;
    let target = part
        .split(';')
        .next()?
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    // Only pages of the same registry (credentials go with every request).
    base.join(target).ok().filter(|u| {
        u.scheme() == base.scheme()
            && u.host_str() == base.host_str()
            && u.port_or_known_default() == base.port_or_known_default()
    })
}

/// The `n` of a page's URL.
fn page_size(u: &Url) -> Option<usize> {
    query_value(u, "n")?.parse().ok().filter(|&n| n > 0)
}

fn query_value(u: &Url, key: &str) -> Option<String> {
    u.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// `u` with `key` set to `value` (other parameters kept).
fn with_query(u: &Url, key: &str, value: &str) -> Url {
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k != key)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut next = u.clone();
    {
        let mut q = next.query_pairs_mut();
        q.clear();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        q.append_pair(key, value);
    }
    next
}

impl Registry {
    pub fn new(base: &str, opts: HttpOptions) -> Result<Registry, RegistryError> {
        let client = Client::new("registry", opts)?;
        client.url(base, "v2/", &[])?;
        Ok(Registry {
            client,
            base: base.to_string(),
            tokens: Default::default(),
        })
    }

    /// A registry at `base` read with an existing client (its breaker, pool and credentials).
    pub fn with_client(client: Client, base: &str) -> Result<Registry, RegistryError> {
        client.url(base, "v2/", &[])?;
        Ok(Registry {
            client,
            base: base.to_string(),
            tokens: Default::default(),
        })
    }

    /// Sends a request, answering the registry's token challenge when it makes one (the distribution
    /// API's token authentication, as Docker Hub, GHCR, Harbor and Quay use): a 401 with
    /// `WWW-Authenticate: Bearer realm=…` is followed by a token request to the realm, with the
    /// connector's credentials, and the request is repeated with the token. Tokens are kept per scope
    /// until shortly before they expire.
    async fn send(&self, req: Request) -> Result<srehub_http::HttpResponse, RegistryError> {
        let scope = scope_of(&req.url);
        let cached = scope.as_ref().and_then(|sc| {
            let tokens = self
                .tokens
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            tokens
                .get(sc)
                .filter(|(_, until)| Instant::now() < *until)
                .map(|(t, _)| t.clone())
        });
        let first = match &cached {
            Some(t) => req.clone().auth(srehub_http::Auth::Bearer(t.clone())),
            None => req.clone(),
        };
        match self.client.send(first).await {
            Err(HttpError::Status {
                status: 401,
                challenge: Some(c),
                ..
            }) if parse_challenge(&c).is_some() => {
                let ch =
                    parse_challenge(&c).ok_or_else(|| Self::shape(&req.url, "bad challenge"))?;
                let token = self.fetch_token(&req.url, &ch).await?;
                // Kept under the scope this request's path asks for (what the next lookup uses).
                let key = scope.or(ch.scope.clone()).unwrap_or_default();
                Ok(self
                    .client
                    .send(req.auth(srehub_http::Auth::Bearer(token.0.clone())))
                    .await
                    .inspect(|_| {
                        // Kept only once it worked.
                        let mut tokens = self
                            .tokens
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        if tokens.len() > 1000 {
                            tokens.clear();
                        }
                        tokens.insert(key.clone(), (token.0.clone(), token.1));
                    })?)
            }
            other => Ok(other?),
        }
    }

    /// A token from the challenge's realm: `(token, usable until)`.
    async fn fetch_token(
        &self,
        url: &Url,
        ch: &Challenge,
    ) -> Result<(String, Instant), RegistryError> {
        let realm = Url::parse(&ch.realm)
            .map_err(|e| Self::shape(url, format!("token realm `{}`: {e}", ch.realm)))?;
        // Credentials go to the realm only over TLS or on the registry's own host.
        if realm.scheme() != "https" && realm.host_str() != url.host_str() {
            return Err(Self::shape(
                url,
                format!(
                    "the token realm {} is neither https nor on the registry's host: credentials are not sent there",
                    srehub_http::redact(realm.as_str())
                ),
            ));
        }
        let mut token_url = realm.clone();
        {
            let mut q = token_url.query_pairs_mut();
            if let Some(s) = &ch.service {
                q.append_pair("service", s);
            }
            if let Some(s) = &ch.scope {
                q.append_pair("scope", s);
            }
        }
        let resp = self.client.send(Request::get(token_url.clone())).await?;
        let t: TokenAnswer = serde_json::from_slice(&resp.body)
            .map_err(|e| Self::shape(&token_url, format!("not a token answer: {e}")))?;
        let token = t
            .token
            .or(t.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Self::shape(&token_url, "the token answer holds no token"))?;
        // 60 s when unsaid (the specification's default), used until 10 s before expiry.
        let life = Duration::from_secs(t.expires_in.unwrap_or(60).clamp(20, 86_400) - 10);
        Ok((token, Instant::now() + life))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn shape(url: &Url, reason: impl Into<String>) -> RegistryError {
        RegistryError::Shape {
            url: srehub_http::redact(url.as_str()),
            reason: reason.into(),
        }
    }

    /// Follows `Link: rel="next"` pages of `first`, collecting at most `max` names.
    async fn paged<T: serde::de::DeserializeOwned>(
        &self,
        first: Url,
        max: usize,
        items: impl Fn(T) -> Vec<String>,
    ) -> Result<Vec<String>, RegistryError> {
        let mut out = Vec::new();
        let mut url = Some(first);
        let mut pages = 0;
        while let Some(u) = url.take() {
            pages += 1;
            if pages > 10_000 {
                return Err(Self::shape(
                    &u,
                    "more than 10,000 pages: the registry's paging loops",
                ));
            }
            let resp = self.send(Request::get(u.clone())).await?;
            let page: T = serde_json::from_slice(&resp.body)
                .map_err(|e| Self::shape(&u, format!("not the distribution API's JSON: {e}")))?;
            let mut page = items(page);
            // Names come in lexical order after `last`: a registry that ignores `last` repeats
            // earlier names, which are dropped.
            if let Some(after) = query_value(&u, "last") {
                page.retain(|name| name.as_str() > after.as_str());
            }
            // Exactly `n` names: there may be more (a registry that ignores `n` sends everything).
            let full = !page.is_empty() && page_size(&u).is_some_and(|n| page.len() == n);
            let last = page.last().cloned();
            out.extend(page);
            if out.len() >= max {
                out.truncate(max);
                break;
            }
            // The next page is the `Link` header's; registries that send none (Artifactory among
            // them) are asked for the names after the last one (`last`) while pages come back full.
            url = next_link(&u, &resp.headers).or_else(|| {
                let last = last.filter(|_| full)?;
                (query_value(&u, "last").as_deref() != Some(last.as_str()))
                    .then(|| with_query(&u, "last", &last))
            });
        }
        Ok(out)
    }

    /// Repository names (`/v2/_catalog`), `page` at a time.
    pub async fn catalog(&self, page: u32, max: usize) -> Result<Vec<String>, RegistryError> {
        let url = self
            .client
            .url(&self.base, "v2/_catalog", &[("n", &page.to_string())])?;
        self.paged(url, max, |c: Catalog| c.repositories.unwrap_or_default())
            .await
    }

    /// Tags of a repository (`/v2/{name}/tags/list`).
    pub async fn tags(
        &self,
        name: &str,
        page: u32,
        max: usize,
    ) -> Result<Vec<String>, RegistryError> {
        let url = self.client.url(
            &self.base,
            &format!("v2/{name}/tags/list"),
            &[("n", &page.to_string())],
        )?;
        self.paged(url, max, |t: Tags| t.tags.unwrap_or_default())
            .await
    }

    /// What a tag (or digest) points at.
    pub async fn manifest(&self, name: &str, reference: &str) -> Result<TagInfo, RegistryError> {
        let url = self
            .client
            .url(&self.base, &format!("v2/{name}/manifests/{reference}"), &[])?;
        let resp = self
            .send(Request::get(url.clone()).header("accept", ACCEPT))
            .await?;
        let m: Manifest = serde_json::from_slice(&resp.body)
            .map_err(|e| Self::shape(&url, format!("not a manifest: {e}")))?;
        let header = |k: &str| {
            resp.headers
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let single = m.manifests.is_empty();
        Ok(TagInfo {
            tag: reference.to_string(),
            digest: header("docker-content-digest"),
            media_type: m.media_type.or_else(|| header("content-type")),
            size: single.then(|| {
                m.config.as_ref().map_or(0, |c| c.size)
                    + m.layers.iter().map(|l| l.size).sum::<u64>()
            }),
            layers: single.then_some(m.layers.len() as u32),
            platforms: m
                .manifests
                .iter()
                .filter_map(|e| e.platform.as_ref())
                .map(|p| match &p.variant {
                    Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                    None => format!("{}/{}", p.os, p.architecture),
                })
                .collect(),
            error: None,
        })
    }

    /// Tags with what they point at, `concurrency` manifests at a time.
    pub async fn tag_infos(
        &self,
        name: &str,
        max: usize,
        concurrency: usize,
    ) -> Result<Vec<TagInfo>, RegistryError> {
        let tags = self.tags(name, 100, max).await?;
        let results: Vec<Result<TagInfo, RegistryError>> = futures::stream::iter(tags)
            .map(|t| async move {
                match self.manifest(name, &t).await {
                    // One tag failing (deleted since the list) does not sink the others.
                    Err(e) if e.is_not_found() => Ok(TagInfo {
                        tag: t,
                        digest: None,
                        media_type: None,
                        size: None,
                        layers: None,
                        platforms: vec![],
                        error: Some(e.to_string()),
                    }),
                    other => other,
                }
            })
            .buffered(concurrency.max(1))
            .collect()
            .await;
        results.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_challenges_are_read_as_registries_send_them() {
        // Docker Hub's form, and a Harbor-like one with unquoted values and spaces.
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        )
        .unwrap();
        assert_eq!(c.realm, "https://auth.docker.io/token");
        assert_eq!(c.service.as_deref(), Some("registry.docker.io"));
        assert_eq!(c.scope.as_deref(), Some("repository:library/nginx:pull"));
        let c = parse_challenge("Bearer realm=https://h/service/token, service=harbor-registry")
            .unwrap();
        assert_eq!(c.realm, "https://h/service/token");
        assert_eq!(c.service.as_deref(), Some("harbor-registry"));
        assert_eq!(c.scope, None);
        assert!(parse_challenge(r#"Basic realm="Registry""#).is_none());
        assert!(parse_challenge(r#"Bearer service="x""#).is_none());
    }

    #[test]
    fn request_scopes_follow_the_path() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            scope_of(&u("http://r/v2/_catalog?n=100")).as_deref(),
            Some("registry:catalog:*")
        );
        assert_eq!(
            scope_of(&u("http://r/v2/team/api/tags/list")).as_deref(),
            Some("repository:team/api:pull")
        );
        assert_eq!(
            scope_of(&u("http://r/artifactory/api/docker/d/v2/a/manifests/1")).as_deref(),
            Some("repository:a:pull")
        );
        assert_eq!(scope_of(&u("http://r/v2/")), None);
    }
}
