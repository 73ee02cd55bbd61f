//! The OCI distribution API (any registry: the CNCF distribution registry, Harbor, Artifactory's
//! Docker repositories, GHCR, ...): the catalog and tag lists, paged with `n` and the `Link` header's
//! `last`, and manifests (OCI and Docker v2, indexes included) with their digest and sizes.

pub mod artifactory;
pub mod vulns;

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
        })
    }

    /// A registry at `base` read with an existing client (its breaker, pool and credentials).
    pub fn with_client(client: Client, base: &str) -> Result<Registry, RegistryError> {
        client.url(base, "v2/", &[])?;
        Ok(Registry {
            client,
            base: base.to_string(),
        })
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
            let resp = self.client.send(Request::get(u.clone())).await?;
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
            .client
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
