//! Image vulnerabilities (from Trivy reports or Aqua), image references, and the joined view: image
//! → tags → vulnerabilities by severity → the running pods that use it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::k8s::Pod;

/// A scanner's severity, ordered from least to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// From Trivy's `CRITICAL`/`HIGH`/… or Aqua's `critical`/`high`/`negligible`/….
    pub fn parse(s: &str) -> Severity {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" | "moderate" => Severity::Medium,
            "low" => Severity::Low,
            "negligible" | "none" => Severity::Negligible,
            _ => Severity::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Negligible => "negligible",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A normalized image reference: `nginx:1.27` is `docker.io/library/nginx:1.27`, as the container
/// runtimes resolve it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ImageRef {
    pub registry: String,
    pub repository: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses `[registry/]repository[:tag][@digest]`; `None` when it is not a reference.
    pub fn parse(s: &str) -> Option<ImageRef> {
        let s = s.trim();
        // Runtimes' image ids: `docker-pullable://repo@sha256:…`, `docker://sha256:…`.
        let s = s
            .strip_prefix("docker-pullable://")
            .or_else(|| s.strip_prefix("docker://"))
            .unwrap_or(s);
        if s.is_empty() || s.contains(char::is_whitespace) {
            return None;
        }
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) if d.contains(':') => (n, Some(d.to_ascii_lowercase())),
            Some(_) => return None,
            None => (s, None),
        };
        // A tag is after the last `:` that follows the last `/` (a registry's port is before it).
        let slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[slash..].rfind(':') {
            Some(i) => (&name[..slash + i], Some(name[slash + i + 1..].to_string())),
            None => (name, None),
        };
        if name.is_empty() || tag.as_deref() == Some("") {
            return None;
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_ascii_lowercase(), rest.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
            _ => registry,
        };
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty() || repository.split('/').any(str::is_empty) {
            return None;
        }
        Some(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository` (without tag or digest).
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The reference as text (`registry/repository:tag@digest`, `latest` when neither is given).
    pub fn full(&self) -> String {
        let mut s = self.name();
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        if self.tag.is_none() && self.digest.is_none() {
            s.push_str(":latest");
        }
        s
    }

    /// The tag, `latest` when the reference names neither tag nor digest.
    pub fn tag_or_latest(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }
}

/// One finding of a scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// `CVE-2024-…`, `GHSA-…`.
    pub id: String,
    pub severity: Severity,
    pub package: String,
    pub installed_version: String,
    /// The version that fixes it, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where in the image (`debian 12.5`, `app/package-lock.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// The scan of one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageScan {
    pub image: ImageRef,
    /// `trivy` or `aqua`.
    pub scanner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanned_at: Option<String>,
    /// Every digest the scanned image is known by (`RepoDigests`), to match running pods exactly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub digests: Vec<String>,
    pub vulnerabilities: Vec<Vulnerability>,
}

/// Vulnerabilities per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub negligible: u32,
    pub unknown: u32,
}

impl SeverityCounts {
    pub fn of<'a>(vulns: impl IntoIterator<Item = &'a Vulnerability>) -> SeverityCounts {
        let mut c = SeverityCounts::default();
        for v in vulns {
            let n = match v.severity {
                Severity::Critical => &mut c.critical,
                Severity::High => &mut c.high,
                Severity::Medium => &mut c.medium,
                Severity::Low => &mut c.low,
                Severity::Negligible => &mut c.negligible,
                Severity::Unknown => &mut c.unknown,
            };
            *n += 1;
        }
        c
    }

    /// The worst severity present (`None` when there is no vulnerability).
    pub fn worst(&self) -> Option<Severity> {
        [
            (self.critical, Severity::Critical),
            (self.high, Severity::High),
            (self.medium, Severity::Medium),
            (self.low, Severity::Low),
            (self.negligible, Severity::Negligible),
            (self.unknown, Severity::Unknown),
        ]
        .into_iter()
        .find(|(n, _)| *n > 0)
        .map(|(_, s)| s)
    }
}

impl ImageScan {
    pub fn counts(&self) -> SeverityCounts {
        SeverityCounts::of(&self.vulnerabilities)
    }

    /// Vulnerabilities with a fixed version available.
    pub fn fixable(&self) -> u32 {
        self.vulnerabilities
            .iter()
            .filter(|v| v.fixed_version.is_some())
            .count() as u32
    }

    /// Most severe first, then by id and package (one order for every source).
    pub fn sort(&mut self) {
        self.vulnerabilities.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.package.cmp(&b.package))
        });
    }
}

/// Parses one Trivy JSON report (`trivy image --format json`, schema version 2); `source` names it in
/// errors.
pub fn parse_trivy(source: &str, bytes: &[u8]) -> Result<ImageScan, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Report {
        #[serde(default)]
        schema_version: Option<u32>,
        created_at: Option<String>,
        artifact_name: String,
        artifact_type: Option<String>,
        #[serde(default)]
        metadata: Metadata,
        #[serde(default)]
        results: Vec<TResult>,
    }
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    struct Metadata {
        repo_tags: Vec<String>,
        repo_digests: Vec<String>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct TResult {
        target: Option<String>,
        #[serde(default)]
        vulnerabilities: Option<Vec<TVuln>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct TVuln {
        #[serde(rename = "VulnerabilityID")]
        vulnerability_id: String,
        pkg_name: String,
        #[serde(default)]
        installed_version: String,
        fixed_version: Option<String>,
        severity: Option<String>,
        title: Option<String>,
    }
    let r: Report = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "{source}:{}:{}: not a Trivy JSON report: {e}",
            e.line(),
            e.column()
        )
    })?;
    if let Some(v) = r.schema_version
        && v != 2
    {
        return Err(format!(
            "{source}: Trivy report schema version {v} is not supported (expected 2)"
        ));
    }
    if let Some(t) = &r.artifact_type
        && t != "container_image"
    {
        return Err(format!(
            "{source}: the report is of a {t}, not of a container image"
        ));
    }
    let image = r
        .metadata
        .repo_tags
        .first()
        .and_then(|t| ImageRef::parse(t))
        .or_else(|| ImageRef::parse(&r.artifact_name))
        .ok_or_else(|| {
            format!(
                "{source}: ArtifactName `{}` is not an image reference",
                r.artifact_name
            )
        })?;
    let digests = r
        .metadata
        .repo_digests
        .iter()
        .filter_map(|d| d.split_once('@').map(|(_, d)| d.to_ascii_lowercase()))
        .collect();
    let mut scan = ImageScan {
        image,
        scanner: "trivy".into(),
        scanned_at: r.created_at,
        digests,
        vulnerabilities: r
            .results
            .into_iter()
            .flat_map(|res| {
                let target = res.target;
                res.vulnerabilities
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |v| Vulnerability {
                        id: v.vulnerability_id,
                        severity: Severity::parse(v.severity.as_deref().unwrap_or("")),
                        package: v.pkg_name,
                        installed_version: v.installed_version,
                        fixed_version: v.fixed_version.filter(|f| !f.is_empty()),
                        title: v.title,
                        target: target.clone(),
                    })
            })
            .collect(),
    };
    scan.sort();
    Ok(scan)
}

/// A container of a running pod and the image it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodImage {
    pub cluster: String,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub image: String,
    /// The digest the runtime resolved, when the pod's status says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// The containers of a cluster's pods with their images (running and pending pods; finished ones
/// no longer run anything).
pub fn pod_images(cluster: &str, pods: &[Pod]) -> Vec<PodImage> {
    let mut out = Vec::new();
    for p in pods {
        if matches!(p.status.phase.as_str(), "Succeeded" | "Failed") {
            continue;
        }
        for c in p.spec.init_containers.iter().chain(&p.spec.containers) {
            let digest = p
                .status
                .container_statuses
                .iter()
                .chain(&p.status.init_container_statuses)
                .find(|s| s.name == c.name)
                .and_then(|s| {
                    s.image_id
                        .split_once("@")
                        .map(|(_, d)| d.to_ascii_lowercase())
                })
                .or_else(|| ImageRef::parse(&c.image).and_then(|r| r.digest));
            out.push(PodImage {
                cluster: cluster.to_string(),
                namespace: p.metadata.namespace.clone(),
                pod: p.metadata.name.clone(),
                container: c.name.clone(),
                image: c.image.clone(),
                digest,
            });
        }
    }
    out
}

/// One tag (or digest) of an image in the joined view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagExposure {
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub digests: Vec<String>,
    pub scanner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scanned_at: Option<String>,
    pub counts: SeverityCounts,
    pub fixable: u32,
    /// The running containers of this tag.
    pub pods: Vec<PodImage>,
}

/// An image (repository) in the joined view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageExposure {
    /// `registry/repository`.
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst: Option<Severity>,
    pub counts: SeverityCounts,
    pub running_pods: u32,
    pub tags: Vec<TagExposure>,
}

/// Whether a running container runs the scanned image: the same digest when both are known,
/// otherwise the same name and tag.
pub fn runs(scan: &ImageScan, pod: &PodImage) -> bool {
    let Some(r) = ImageRef::parse(&pod.image) else {
        return false;
    };
    if r.name() != scan.image.name() {
        return false;
    }
    if let Some(d) = &pod.digest
        && !scan.digests.is_empty()
    {
        return scan.digests.contains(d);
    }
    if let (Some(a), Some(b)) = (&r.digest, &scan.image.digest) {
        return a == b;
    }
    r.tag_or_latest().is_some() && r.tag_or_latest() == scan.image.tag_or_latest()
}

/// Joins scans with running containers: image → tags → vulnerabilities by severity → pods, the
/// images with the worst findings and the most pods first. Scans of the same reference are merged
/// (the newest counted once: the first given wins).
pub fn exposure(scans: &[ImageScan], pods: &[PodImage]) -> Vec<ImageExposure> {
    let mut by_image: BTreeMap<String, Vec<TagExposure>> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for s in scans {
        if !seen.insert((s.image.full(), s.scanner.clone())) {
            continue;
        }
        let running: Vec<PodImage> = pods.iter().filter(|p| runs(s, p)).cloned().collect();
        by_image
            .entry(s.image.name())
            .or_default()
            .push(TagExposure {
                reference: s.image.full(),
                tag: s.image.tag.clone(),
                digests: s.digests.clone(),
                scanner: s.scanner.clone(),
                scanned_at: s.scanned_at.clone(),
                counts: s.counts(),
                fixable: s.fixable(),
                pods: running,
            });
    }
    let mut out: Vec<ImageExposure> = by_image
        .into_iter()
        .map(|(image, mut tags)| {
            tags.sort_by(|a, b| {
                b.pods
                    .len()
                    .cmp(&a.pods.len())
                    .then_with(|| a.reference.cmp(&b.reference))
            });
            // Image totals count each reference once (the same tag scanned by Trivy and by Aqua is
            // one image: its first scan counts) and each running container once.
            let mut counts = SeverityCounts::default();
            let mut counted = std::collections::BTreeSet::new();
            for t in tags.iter().filter(|t| counted.insert(t.reference.clone())) {
                let c = &t.counts;
                counts.critical += c.critical;
                counts.high += c.high;
                counts.medium += c.medium;
                counts.low += c.low;
                counts.negligible += c.negligible;
                counts.unknown += c.unknown;
            }
            let running_pods = tags
                .iter()
                .flat_map(|t| &t.pods)
                .map(|p| (&p.cluster, &p.namespace, &p.pod, &p.container))
                .collect::<std::collections::BTreeSet<_>>()
                .len() as u32;
            ImageExposure {
                image,
                worst: tags.iter().filter_map(|t| t.counts.worst()).max(),
                counts,
                running_pods,
                tags,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.worst
            .cmp(&a.worst)
            .then_with(|| (b.running_pods > 0).cmp(&(a.running_pods > 0)))
            .then_with(|| b.counts.critical.cmp(&a.counts.critical))
            .then_with(|| b.counts.high.cmp(&a.counts.high))
            .then_with(|| a.image.cmp(&b.image))
    });
    out
}

#[cfg(test)]
mod tests;
