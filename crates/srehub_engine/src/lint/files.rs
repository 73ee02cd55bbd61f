//! Finding and reading the files to lint: kinds by name (and by content for YAML/JSON), the directory
//! walk, size and encoding limits, standard input.

use std::path::{Path, PathBuf};

use srehub_model::ci::{self as ci_model, CiKind};
use srehub_model::manifest::looks_like_manifest;

use super::{FileKind, Request};
use crate::Error;

/// Directories never searched.
pub(super) const SKIP_DIRS: &[&str] = &[
    ".git",
    "target",
    "node_modules",
    ".terraform",
    "vendor",
    ".venv",
];
/// Files larger than this are reported and skipped.
pub(super) const MAX_BYTES: u64 = 10 << 20;

/// Extensions that make `Dockerfile.EXT` something else (source, docs, data).
pub(super) const NOT_DOCKERFILE_EXT: &[&str] = &[
    "rs",
    "py",
    "go",
    "js",
    "ts",
    "java",
    "rb",
    "sh",
    "md",
    "txt",
    "rst",
    "json",
    "yaml",
    "yml",
    "toml",
    "lock",
    "bak",
    "orig",
    "swp",
    "html",
    "j2",
    "tpl",
    "tmpl",
    "template",
    "dockerignore",
];

pub(super) fn is_dockerfile(lower: &str) -> bool {
    let dotted = |prefix: &str| {
        lower.strip_prefix(prefix).is_some_and(|ext| {
            !ext.is_empty() && !NOT_DOCKERFILE_EXT.contains(&ext.rsplit('.').next().unwrap_or(ext))
        })
    };
    lower == "dockerfile"
        || lower == "containerfile"
        || dotted("dockerfile.")
        || dotted("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

pub(super) fn is_yaml_or_json(lower: &str) -> bool {
    lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")
}

/// The kind of a file from its name alone; YAML and JSON files are `Manifest` candidates (their content
/// decides when found by a directory walk).
pub fn detect(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    if is_dockerfile(&lower) {
        return Some(FileKind::Dockerfile);
    }
    if let Some(k) = ci_model::detect(path) {
        return Some(match k {
            CiKind::GithubWorkflow => FileKind::GithubWorkflow,
            CiKind::GithubAction => FileKind::GithubAction,
            CiKind::GitlabCi => FileKind::GitlabCi,
        });
    }
    if lower.ends_with(".tf") {
        return Some(FileKind::Terraform);
    }
    is_yaml_or_json(&lower).then_some(FileKind::Manifest)
}

/// A file found by the walk, and whether its kind still depends on its content.
pub(super) struct Found {
    pub(super) path: PathBuf,
    pub(super) kind: FileKind,
    pub(super) by_content: bool,
}

pub(super) fn walk(
    dir: &Path,
    out: &mut Vec<Found>,
    charts: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let chart = entries
        .iter()
        .any(|p| p.file_name().is_some_and(|n| n == "Chart.yaml"));
    if chart {
        charts.push(dir.to_path_buf());
    }
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if SKIP_DIRS.contains(&name) || (chart && name == "templates") {
                continue;
            }
            walk(&p, out, charts)?;
        } else if let Some(kind) = detect(&p) {
            if chart && (name == "Chart.yaml" || name.starts_with("values")) {
                continue;
            }
            out.push(Found {
                by_content: kind == FileKind::Manifest,
                path: p,
                kind,
            });
        }
    }
    Ok(())
}

/// A file read for linting.
pub(super) struct Input {
    pub(super) path: String,
    pub(super) kind: FileKind,
    pub(super) text: String,
    /// Found by a directory walk and taken for a manifest by its content: a file with no Kubernetes
    /// object in it is some other YAML or JSON and is passed over quietly.
    pub(super) by_content: bool,
}

pub(super) fn read_inputs(
    req: &Request,
    stdin: &mut (dyn std::io::Read + Send),
    notes: &mut Vec<String>,
    charts: &mut Vec<PathBuf>,
) -> Result<Vec<Input>, Error> {
    let mut inputs = Vec::new();
    for p in &req.paths {
        if p.as_os_str() == "-" {
            let kind = req.stdin_kind.ok_or_else(|| {
                Error::Lint(
                    "reading stdin needs --stdin-kind (dockerfile, manifest, terraform, github-workflow, github-action or gitlab-ci)"
                        .into(),
                )
            })?;
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| Error::Lint(format!("reading standard input: {e}")))?;
            inputs.push(Input {
                path: "<stdin>".into(),
                kind,
                text,
                by_content: false,
            });
            continue;
        }
        let meta =
            std::fs::metadata(p).map_err(|e| Error::Lint(format!("{}: {e}", p.display())))?;
        let files = if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found, charts)
                .map_err(|e| Error::Lint(format!("{}: {e}", p.display())))?;
            found
        } else {
            // A file named on the command line is linted whatever its name: YAML/JSON as manifests,
            // anything else as a Dockerfile.
            vec![Found {
                path: p.clone(),
                kind: detect(p).unwrap_or(FileKind::Dockerfile),
                by_content: false,
            }]
        };
        for f in files {
            let shown = f.path.display().to_string();
            match std::fs::metadata(&f.path) {
                Ok(m) if m.len() > MAX_BYTES => {
                    notes.push(format!(
                        "{shown}: skipped, larger than {} MiB",
                        MAX_BYTES >> 20
                    ));
                    continue;
                }
                Err(e) => {
                    notes.push(format!("{shown}: {e}"));
                    continue;
                }
                Ok(_) => {}
            }
            match std::fs::read(&f.path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => {
                        if f.by_content && !looks_like_manifest(&text) {
                            continue; // some other YAML (values, compose files, configs)
                        }
                        inputs.push(Input {
                            path: shown,
                            kind: f.kind,
                            text,
                            by_content: f.by_content,
                        });
                    }
                    Err(_) => {
                        notes.push(format!("{shown}: not UTF-8 text (a binary file?), skipped"))
                    }
                },
                Err(e) => notes.push(format!("{shown}: {e}")),
            }
        }
    }
    Ok(inputs)
}
