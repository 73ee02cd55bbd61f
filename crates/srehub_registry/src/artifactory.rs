//! JFrog Artifactory's REST API: repositories (`/api/repositories`), the storage summary
//! (`/api/storageinfo`), AQL searches (`/api/search/aql`), and the Docker repositories it hosts,
//! which speak the distribution API under `/api/docker/{repo}/v2/` (read with [`Registry`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use srehub_http::{Client, HttpOptions, Request, Url};

use crate::{Registry, RegistryError};

/// One repository as `/api/repositories` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repository {
    pub key: String,
    /// `LOCAL`, `REMOTE`, `VIRTUAL` or `FEDERATED`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `Docker`, `Maven`, `Npm`, `Generic`, ...
    #[serde(rename = "packageType", default)]
    pub package_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Repository {
    pub fn is_docker(&self) -> bool {
        self.package_type.eq_ignore_ascii_case("docker")
    }
}

/// What `/api/storageinfo` says, reduced to what an SRE watches: totals, the file store's use, and
/// the largest repositories.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StorageSummary {
    pub binaries_count: Option<u64>,
    pub binaries_size: Option<String>,
    pub artifacts_size: Option<String>,
    pub optimization: Option<String>,
    pub items_count: Option<u64>,
    pub artifacts_count: Option<u64>,
    pub file_store_type: Option<String>,
    pub file_store_used: Option<String>,
    pub file_store_free: Option<String>,
    pub file_store_total: Option<String>,
    /// Repositories by used space, largest first (the `TOTAL` line left out).
    pub repositories: Vec<RepoStorage>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepoStorage {
    pub key: String,
    pub kind: Option<String>,
    pub package_type: Option<String>,
    pub files_count: Option<u64>,
    pub used_space_bytes: Option<u64>,
    pub used_space: Option<String>,
    pub percentage: Option<String>,
}

/// The results of an AQL search and the range Artifactory reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AqlResult {
    pub results: Vec<Value>,
    #[serde(default)]
    pub range: Value,
}

/// An Artifactory instance (`https://host/artifactory`).
#[derive(Debug, Clone)]
pub struct Artifactory {
    client: Client,
    base: String,
}

impl Artifactory {
    pub fn new(base: &str, opts: HttpOptions) -> Result<Artifactory, RegistryError> {
        let client = Client::new("artifactory", opts)?;
        // A trailing slash makes relative joins keep the context path (`/artifactory`).
        let base = format!("{}/", base.trim_end_matches('/'));
        client.url(&base, "api/repositories", &[])?;
        Ok(Artifactory { client, base })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, RegistryError> {
        Ok(self.client.url(&self.base, path, query)?)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        what: &str,
    ) -> Result<T, RegistryError> {
        let resp = self.client.send(Request::get(url.clone())).await?;
        serde_json::from_slice(&resp.body).map_err(|e| RegistryError::Shape {
            url: srehub_http::redact(url.as_str()),
            reason: format!("not Artifactory's {what} JSON: {e}"),
        })
    }

    /// Repositories, optionally of one type (`local`, `remote`, `virtual`, `federated`) and package
    /// type (`docker`, ...), as Artifactory filters them.
    pub async fn repositories(
        &self,
        kind: Option<&str>,
        package_type: Option<&str>,
    ) -> Result<Vec<Repository>, RegistryError> {
        let mut q = Vec::new();
        if let Some(k) = kind {
            q.push(("type", k));
        }
        if let Some(p) = package_type {
            q.push(("packageType", p));
        }
        let url = self.url("api/repositories", &q)?;
        self.get_json(url, "repositories").await
    }

    /// The storage summary.
    pub async fn storage(&self) -> Result<StorageSummary, RegistryError> {
        let url = self.url("api/storageinfo", &[])?;
        let v: Value = self.get_json(url, "storage info").await?;
        Ok(storage_summary(&v))
    }

    /// Runs an AQL query (`items.find({...})`). Searches are not retried: a slow query repeated
    /// would only load the server more.
    pub async fn aql(&self, query: &str) -> Result<AqlResult, RegistryError> {
        let url = self.url("api/search/aql", &[])?;
        let resp = self
            .client
            .send(Request::post(
                url.clone(),
                "text/plain",
                query.as_bytes().to_vec(),
            ))
            .await?;
        serde_json::from_slice(&resp.body).map_err(|e| RegistryError::Shape {
            url: srehub_http::redact(url.as_str()),
            reason: format!("not an AQL answer: {e}"),
        })
    }

    /// A Docker repository of this Artifactory, read through the distribution API it serves under
    /// `/api/docker/{repo}/`.
    pub fn docker(&self, repo: &str) -> Result<Registry, RegistryError> {
        if repo.is_empty()
            || repo.starts_with('.')
            || !repo
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(RegistryError::Shape {
                url: srehub_http::redact(&self.base),
                reason: format!("`{repo}` is not a repository key"),
            });
        }
        Registry::with_client(
            self.client.clone(),
            &format!("{}api/docker/{repo}/", self.base),
        )
    }
}

/// Sizes such as `"1.5 GB"` or `"12345 bytes"`, and counts that Artifactory sends as text or
/// numbers.
fn num(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.replace(',', "").trim().parse().ok(),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn storage_summary(v: &Value) -> StorageSummary {
    let b = &v["binariesSummary"];
    let f = &v["fileStoreSummary"];
    let mut repositories: Vec<RepoStorage> = v["repositoriesSummaryList"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|r| r["repoKey"].as_str().is_some_and(|k| k != "TOTAL"))
        .map(|r| RepoStorage {
            key: r["repoKey"].as_str().unwrap_or_default().to_string(),
            kind: text(&r["repoType"]),
            package_type: text(&r["packageType"]),
            files_count: num(&r["filesCount"]),
            used_space_bytes: num(&r["usedSpaceInBytes"]),
            used_space: text(&r["usedSpace"]),
            percentage: text(&r["percentage"]),
        })
        .collect();
    repositories.sort_by(|a, b| {
        b.used_space_bytes
            .cmp(&a.used_space_bytes)
            .then_with(|| a.key.cmp(&b.key))
    });
    StorageSummary {
        binaries_count: num(&b["binariesCount"]),
        binaries_size: text(&b["binariesSize"]),
        artifacts_size: text(&b["artifactsSize"]),
        optimization: text(&b["optimization"]),
        items_count: num(&b["itemsCount"]),
        artifacts_count: num(&b["artifactsCount"]),
        file_store_type: text(&f["storageType"]),
        file_store_used: text(&f["usedSpace"]),
        file_store_free: text(&f["freeSpace"]),
        file_store_total: text(&f["totalSpace"]),
        repositories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_summary_reads_what_artifactory_sends() {
        // Shape of Artifactory 7's /api/storageinfo (numbers as text, sizes with units).
        let v: Value = serde_json::json!({
            "binariesSummary": {"binariesCount": "125,726", "binariesSize": "3.48 GB",
                "artifactsSize": "59.77 GB", "optimization": "5.82%", "itemsCount": "2,176,580",
                "artifactsCount": "1,467,025"},
            "fileStoreSummary": {"storageType": "filesystem", "storageDirectory": "/var/opt/jfrog",
                "totalSpace": "204.28 GB", "usedSpace": "32.22 GB (15.77%)",
                "freeSpace": "172.06 GB (84.23%)"},
            "repositoriesSummaryList": [
                {"repoKey": "docker-local", "repoType": "LOCAL", "foldersCount": 20,
                 "filesCount": 320, "usedSpace": "1.2 GB", "usedSpaceInBytes": 1_288_490_188u64,
                 "itemsCount": 340, "packageType": "Docker", "percentage": "2%"},
                {"repoKey": "libs-release", "repoType": "LOCAL", "filesCount": 5,
                 "usedSpace": "4 GB", "usedSpaceInBytes": 4_294_967_296u64, "packageType": "Maven",
                 "percentage": "6.7%"},
                {"repoKey": "TOTAL", "repoType": "NA", "filesCount": 325, "usedSpace": "5.2 GB"}
            ]
        });
        let s = storage_summary(&v);
        assert_eq!(s.binaries_count, Some(125_726));
        assert_eq!(s.items_count, Some(2_176_580));
        assert_eq!(s.file_store_used.as_deref(), Some("32.22 GB (15.77%)"));
        let keys: Vec<&str> = s.repositories.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["libs-release", "docker-local"]);
        assert_eq!(s.repositories[1].files_count, Some(320));
    }

    #[test]
    fn docker_repository_keys_are_checked() {
        let a = Artifactory::new("http://127.0.0.1:1/artifactory", HttpOptions::default())
            .expect("client");
        assert!(a.docker("docker-local").is_ok());
        for bad in ["", "../x", "a/b", "a?b", ".", "..", ".hidden"] {
            assert!(a.docker(bad).is_err(), "{bad}");
        }
    }
}
