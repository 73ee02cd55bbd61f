//! Sources of image vulnerabilities: Aqua Security's API (`/api/v2/images/{registry}/{repo}/{tag}/
//! vulnerabilities`, paged) and Trivy JSON reports (a file, a directory of them, or a URL).

use std::path::Path;

use serde::Deserialize;
use srehub_http::{Client, HttpOptions, Request};
use srehub_model::vulns::{ImageRef, ImageScan, Severity, Vulnerability, parse_trivy};

use crate::RegistryError;

/// Aqua's page size (its API's maximum is larger; 200 keeps each answer small).
const AQUA_PAGE: usize = 200;

/// An Aqua Security console (`https://aqua.example.com`).
#[derive(Debug, Clone)]
pub struct Aqua {
    client: Client,
    base: String,
}

#[derive(Deserialize)]
struct AquaPage {
    #[serde(default)]
    count: usize,
    #[serde(default)]
    result: Option<Vec<AquaVuln>>,
}

#[derive(Deserialize)]
struct AquaVuln {
    name: String,
    #[serde(default)]
    resource: AquaResource,
    aqua_severity: Option<String>,
    vendor_severity: Option<String>,
    nvd_severity: Option<String>,
    severity: Option<String>,
    fix_version: Option<String>,
    description: Option<String>,
    image_digest: Option<String>,
    os: Option<String>,
    os_version: Option<String>,
}

#[derive(Deserialize, Default)]
struct AquaResource {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
    path: Option<String>,
}

impl Aqua {
    pub fn new(base: &str, opts: HttpOptions) -> Result<Aqua, RegistryError> {
        let client = Client::new("aqua", opts)?;
        let base = format!("{}/", base.trim_end_matches('/'));
        client.url(&base, "api/v2/images", &[])?;
        Ok(Aqua { client, base })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The vulnerabilities Aqua found in an image, every page. `registry` is the name of the
    /// registry as Aqua knows it (its integrations have names such as `Docker Hub`).
    pub async fn scan(&self, registry: &str, image: &ImageRef) -> Result<ImageScan, RegistryError> {
        let tag = image.tag_or_latest().ok_or_else(|| RegistryError::Shape {
            url: srehub_http::redact(&self.base),
            reason: format!(
                "{}: Aqua finds images by tag, and this one has none",
                image.full()
            ),
        })?;
        let mut vulns = Vec::new();
        let mut digests = Vec::new();
        let mut page = 1usize;
        loop {
            let mut url = self.client.url(&self.base, "api/v2/images", &[])?;
            // Each part is one path segment: a repository's `/` is encoded (`library%2Fnginx`).
            if let Ok(mut segs) = url.path_segments_mut() {
                segs.pop_if_empty()
                    .push(registry)
                    .push(&image.repository)
                    .push(tag)
                    .push("vulnerabilities");
            }
            url.query_pairs_mut()
                .append_pair("page", &page.to_string())
                .append_pair("pagesize", &AQUA_PAGE.to_string());
            let resp = self.client.send(Request::get(url.clone())).await?;
            let p: AquaPage =
                serde_json::from_slice(&resp.body).map_err(|e| RegistryError::Shape {
                    url: srehub_http::redact(url.as_str()),
                    reason: format!("not Aqua's vulnerabilities JSON: {e}"),
                })?;
            let items = p.result.unwrap_or_default();
            let n = items.len();
            for v in items {
                if let Some(d) = v.image_digest.as_deref().filter(|d| d.contains(':'))
                    && !digests.iter().any(|x| x == d)
                {
                    digests.push(d.to_ascii_lowercase());
                }
                let severity = v
                    .aqua_severity
                    .or(v.vendor_severity)
                    .or(v.severity)
                    .or(v.nvd_severity)
                    .unwrap_or_default();
                let target = match (v.os, v.os_version, v.resource.path) {
                    (_, _, Some(p)) if !p.is_empty() => Some(p),
                    (Some(os), Some(ver), _) if !os.is_empty() => Some(format!("{os} {ver}")),
                    _ => None,
                };
                vulns.push(Vulnerability {
                    id: v.name,
                    severity: Severity::parse(&severity),
                    package: v.resource.name,
                    installed_version: v.resource.version,
                    fixed_version: v.fix_version.filter(|f| !f.is_empty()),
                    title: v.description.map(|d| d.chars().take(200).collect()),
                    target,
                });
            }
            // Done when a page comes back short or the count is reached; at most 1,000 pages.
            if n < AQUA_PAGE || (p.count > 0 && vulns.len() >= p.count) || page >= 1000 {
                break;
            }
            page += 1;
        }
        let mut scan = ImageScan {
            image: image.clone(),
            scanner: "aqua".into(),
            scanned_at: None,
            digests,
            vulnerabilities: vulns,
        };
        scan.sort();
        Ok(scan)
    }
}

/// Trivy reports read so far, and the ones that could not be read (named, with the reason).
#[derive(Debug, Default, serde::Serialize, Deserialize)]
pub struct TrivyReports {
    pub scans: Vec<ImageScan>,
    pub errors: Vec<String>,
}

/// Fetches Trivy JSON reports from an `http(s)://` URL answering one report or an array of them.
pub async fn fetch_trivy_reports(
    location: &str,
    client: &Client,
) -> Result<TrivyReports, RegistryError> {
    let mut out = TrivyReports::default();
    let url = srehub_http::Url::parse(location).map_err(|e| {
        RegistryError::Http(srehub_http::HttpError::BadUrl {
            url: srehub_http::redact(location),
            reason: e.to_string(),
        })
    })?;
    let resp = client.send(Request::get(url.clone())).await?;
    let shown = srehub_http::redact(url.as_str());
    match serde_json::from_slice::<serde_json::Value>(&resp.body) {
        Ok(serde_json::Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let bytes = serde_json::to_vec(item).unwrap_or_default();
                match parse_trivy(&format!("{shown}[{i}]"), &bytes) {
                    Ok(s) => out.scans.push(s),
                    Err(e) => out.errors.push(e),
                }
            }
        }
        Ok(_) => match parse_trivy(&shown, &resp.body) {
            Ok(s) => out.scans.push(s),
            Err(e) => out.errors.push(e),
        },
        Err(e) => out.errors.push(format!(
            "{shown}:{}:{}: not JSON: {e}",
            e.line(),
            e.column()
        )),
    }
    Ok(out)
}

/// Reads Trivy JSON reports from a file or a directory (its `*.json` files, in name order). A bad
/// file is reported and skipped; the others are still read.
pub fn read_trivy_reports(location: &str) -> Result<TrivyReports, RegistryError> {
    let mut out = TrivyReports::default();
    let path = Path::new(location);
    let files = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| io_error(location, &e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
            .collect();
        files.sort();
        files
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        return Err(RegistryError::Shape {
            url: location.to_string(),
            reason: "no such file or directory of Trivy reports".into(),
        });
    };
    for f in files {
        let shown = f.display().to_string();
        match std::fs::read(&f) {
            Ok(bytes) => match parse_trivy(&shown, &bytes) {
                Ok(s) => out.scans.push(s),
                Err(e) => out.errors.push(e),
            },
            Err(e) => out.errors.push(format!("{shown}: cannot read: {e}")),
        }
    }
    Ok(out)
}

fn io_error(location: &str, e: &std::io::Error) -> RegistryError {
    RegistryError::Shape {
        url: location.to_string(),
        reason: format!("cannot read the Trivy reports: {e}"),
    }
}
