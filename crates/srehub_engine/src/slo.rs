//! `srehub slo`: read SLO specs (files, directories, stdin), generate rules, dashboards and promtool
//! suites (the pure `srehub_slo` crate).

use std::io::Read;
use std::path::{Path, PathBuf};

use srehub_slo::windows::BurnPolicy;
use srehub_slo::{GenOptions, Generated, RulesFormat, ServiceSlos, SpecFile};

use crate::Error;

/// Reads every spec: `-` is stdin, a directory is searched for `*.yml`/`*.yaml` (in name order).
pub fn read_files(paths: &[String]) -> Result<Vec<SpecFile>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Error::Slo(format!("<stdin>: cannot read: {e}")))?;
            out.push(SpecFile {
                name: "<stdin>".into(),
                text,
            });
            continue;
        }
        let path = Path::new(p);
        if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files).map_err(|e| Error::Slo(format!("{p}: cannot list: {e}")))?;
            if files.is_empty() {
                return Err(Error::Slo(format!("{p}: no .yml or .yaml file in it")));
            }
            for f in files {
                out.push(read_one(&f)?);
            }
        } else {
            out.push(read_one(path)?);
        }
    }
    if out.is_empty() {
        return Err(Error::Slo("no spec given".into()));
    }
    Ok(out)
}

fn read_one(path: &Path) -> Result<SpecFile, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Slo(format!("{}: cannot read: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::Slo(format!("{}: not UTF-8 text: {e}", path.display())))?;
    Ok(SpecFile {
        name: path.display().to_string(),
        text,
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads and checks specs; every problem is reported, one per line.
pub fn validate(paths: &[String]) -> Result<Vec<ServiceSlos>, Error> {
    let files = read_files(paths)?;
    srehub_slo::spec::read(&files).map_err(|errors| {
        Error::Slo(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// A generation run.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    pub paths: Vec<String>,
    pub format: RulesFormat,
    /// A burn-rate policy file (windows and budget shares); the workbook's by default.
    pub burn_windows: Option<PathBuf>,
    pub version: String,
}

pub fn generate(req: &GenerateRequest) -> Result<Vec<Generated>, Error> {
    let policy = match &req.burn_windows {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::Slo(format!("{}: cannot read: {e}", p.display())))?;
            BurnPolicy::read(&p.display().to_string(), &text)
                .map_err(|e| Error::Slo(e.to_string()))?
        }
        None => BurnPolicy::default(),
    };
    let services = validate(&req.paths)?;
    let opts = GenOptions {
        policy,
        version: req.version.clone(),
    };
    Ok(services
        .iter()
        .map(|s| srehub_slo::generate(s, &opts, req.format))
        .collect())
}
