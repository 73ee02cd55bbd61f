//! The lint engine: files in, a report out. This release lints Dockerfiles (and Containerfiles).

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use srehub_checks::dockerfile::{self, DockerfileInput};
use srehub_config::Settings;
use srehub_core::{CheckMeta, Finding, NoteLevel, Report, run_checks};

use crate::Error;

/// Kinds of file `srehub lint` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Dockerfile,
}

/// One lint run.
#[derive(Debug, Clone)]
pub struct Request {
    /// Files and directories (searched recursively); `-` reads stdin as `stdin_kind`.
    pub paths: Vec<PathBuf>,
    pub stdin_kind: Option<FileKind>,
}

/// Directories never searched.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "target",
    "node_modules",
    ".terraform",
    "vendor",
    ".venv",
];
/// Files larger than this are reported and skipped.
const MAX_BYTES: u64 = 10 << 20;

/// The kind of a file, from its name.
pub fn detect(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    (lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile"))
    .then_some(FileKind::Dockerfile)
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, FileKind)>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if !SKIP_DIRS.contains(&name) {
                walk(&p, out)?;
            }
        } else if let Some(kind) = detect(&p) {
            out.push((p, kind));
        }
    }
    Ok(())
}

/// The checks `srehub lint` runs.
pub fn checks() -> Vec<&'static CheckMeta> {
    dockerfile::CHECKS.iter().map(|c| c.meta()).collect()
}

/// Lints the files of a request. A file that cannot be read or parsed is a warning note naming it and
/// the position; the others are still linted. Nothing lintable at all is an input error (exit 2).
pub async fn run(
    req: &Request,
    settings: &Settings,
    stdin: &mut (dyn std::io::Read + Send),
) -> Result<Report, Error> {
    let selection = settings.selection();
    selection.validate(checks())?;
    let mut inputs: Vec<(String, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for p in &req.paths {
        if p.as_os_str() == "-" {
            let kind = req.stdin_kind.ok_or_else(|| {
                Error::Lint("reading stdin needs --stdin-kind (dockerfile)".into())
            })?;
            let FileKind::Dockerfile = kind;
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| Error::Lint(format!("reading standard input: {e}")))?;
            inputs.push(("<stdin>".into(), text));
            continue;
        }
        let meta =
            std::fs::metadata(p).map_err(|e| Error::Lint(format!("{}: {e}", p.display())))?;
        let files = if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| Error::Lint(format!("{}: {e}", p.display())))?;
            found
        } else {
            // A file named on the command line is linted as a Dockerfile whatever its name.
            vec![(p.clone(), detect(p).unwrap_or(FileKind::Dockerfile))]
        };
        for (f, FileKind::Dockerfile) in files {
            let shown = f.display().to_string();
            match std::fs::metadata(&f) {
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
            match std::fs::read(&f) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => inputs.push((shown, text)),
                    Err(_) => {
                        notes.push(format!("{shown}: not UTF-8 text (a binary file?), skipped"))
                    }
                },
                Err(e) => notes.push(format!("{shown}: {e}")),
            }
        }
    }
    if inputs.is_empty() && notes.is_empty() {
        return Err(Error::Lint(format!(
            "no Dockerfile found under {}",
            req.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let registry = dockerfile::CHECKS;
    let mut findings: Vec<Finding> = Vec::new();
    let mut ran: Vec<&'static CheckMeta> = Vec::new();
    let mut linted = 0;
    for (path, text) in &inputs {
        match srehub_model::dockerfile::parse(text) {
            Ok(file) => {
                let input = DockerfileInput { path, file: &file };
                let (f, r) = run_checks(registry, &input, &selection);
                findings.extend(f);
                if ran.is_empty() {
                    ran = r;
                }
                linted += 1;
            }
            Err(e) => notes.push(format!("{path}:{e}")),
        }
    }
    if linted == 0 {
        return Err(Error::Lint(format!(
            "nothing could be linted: {}",
            notes.join("; ")
        )));
    }
    let target = req
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut report = Report::new("lint", Timestamp::now(), findings, ran).with_target(target);
    report.note(NoteLevel::Info, format!("{linted} Dockerfile(s) linted"));
    for n in notes {
        report.note(NoteLevel::Warning, n);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfiles_are_detected_by_name() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
        ] {
            assert_eq!(detect(Path::new(n)), Some(FileKind::Dockerfile), "{n}");
        }
        for n in ["README.md", "docker-compose.yaml", "Makefile"] {
            assert_eq!(detect(Path::new(n)), None, "{n}");
        }
    }
}
