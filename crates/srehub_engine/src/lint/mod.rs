//! The lint engine: files in, a report out. It lints Dockerfiles, Kubernetes manifests (schema,
//! references, API versions, duplicates, and the doctor's audit rules over the same objects) and CI
//! workflows (GitHub Actions workflows and actions, GitLab CI).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use srehub_checks::ci::{self as ci_checks, CiInput};
use srehub_checks::dockerfile::{self, DockerfileInput};
use srehub_checks::helm::{self as helm_checks, HelmInput};
use srehub_checks::k8s::{self, K8sInput};
use srehub_checks::manifest::{self, ManifestInput};
use srehub_checks::terraform::{self as tf_checks, TfInput};
use srehub_config::{ExemptionSet, Settings};
use srehub_core::{CheckMeta, Finding, NoteLevel, Report, run_checks, suppress};
use srehub_model::ci::{self as ci_model, CiKind};
use srehub_model::k8s::SnapshotBuilder;
use srehub_model::manifest::{ManifestObject, parse_file};

use crate::Error;

mod files;
mod helm;
mod manifests;

pub use files::detect;
use files::read_inputs;
use helm::{read_chart, render_chart};
use manifests::{add_to_snapshot, index_objects, locate, parse_manifests_parallel};

/// Kinds of file `srehub lint` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Dockerfile,
    /// Kubernetes manifests: YAML (multi-document) or JSON, `List`s included.
    Manifest,
    GithubWorkflow,
    GithubAction,
    GitlabCi,
    /// Terraform (`*.tf`); the files of one directory form a module.
    Terraform,
    /// A Helm chart directory (found by its `Chart.yaml`).
    HelmChart,
}

impl FileKind {
    fn label(self) -> &'static str {
        match self {
            FileKind::Dockerfile => "Dockerfile",
            FileKind::Manifest => "Kubernetes manifest file",
            FileKind::GithubWorkflow => "GitHub Actions workflow",
            FileKind::GithubAction => "GitHub action",
            FileKind::GitlabCi => "GitLab CI file",
            FileKind::Terraform => "Terraform file",
            FileKind::HelmChart => "Helm chart",
        }
    }
}

/// One lint run.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Files and directories (searched recursively); `-` reads stdin as `stdin_kind`.
    pub paths: Vec<PathBuf>,
    pub stdin_kind: Option<FileKind>,
    /// The Kubernetes version manifests are judged against for deprecated APIs (`1.29`).
    pub kube_version: Option<String>,
    /// A previous JSON report: its findings are not reported again.
    pub baseline: Option<PathBuf>,
    /// Apply safe fixes to the files (`--fix`), or show them as a diff (`--diff`).
    pub fix: FixMode,
}

/// What to do with the fixes findings carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FixMode {
    /// Report them only (each fixable finding says so in JSON).
    #[default]
    Off,
    /// Write the fixed files, and report what is left.
    Write,
    /// Print a unified diff of the fixes; write nothing.
    Diff,
}

/// The result of a lint run: the report, and with `--diff` the diff.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    pub diff: Option<String>,
}

/// Every check `srehub lint` can run.
pub fn checks() -> Vec<&'static CheckMeta> {
    dockerfile::CHECKS
        .iter()
        .map(|c| c.meta())
        .chain(manifest::CHECKS.iter().map(|c| c.meta()))
        .chain(k8s::manifest_audit_checks().into_iter().map(|c| c.meta()))
        .chain(ci_checks::CHECKS.iter().map(|c| c.meta()))
        .chain(tf_checks::CHECKS.iter().map(|c| c.meta()))
        .chain(helm_checks::CHECKS.iter().map(|c| c.meta()))
        .collect()
}

/// Lints the files of a request. A file that cannot be read or parsed is a warning note naming it and
/// the position; the others are still linted. Nothing lintable at all is an input error (exit 2).
pub async fn run(
    req: &Request,
    settings: &Settings,
    stdin: &mut (dyn std::io::Read + Send),
) -> Result<Outcome, Error> {
    let selection = settings.selection();
    let known = checks();
    selection.validate(known.iter().copied())?;
    let exemptions = ExemptionSet::compile(&settings.exemptions, "exemptions")?;
    exemptions.validate(known.iter().copied())?;
    let mut doctor = settings.doctor.clone();
    if let Some(v) = &req.kube_version {
        if srehub_model::k8s::parse_minor(v).is_none() {
            return Err(Error::Lint(format!(
                "--kube-version `{v}` is not a Kubernetes version (expected MAJOR.MINOR, e.g. 1.29)"
            )));
        }
        doctor.kube_version = Some(v.clone());
    }
    let baseline = match &req.baseline {
        Some(p) => Some(read_baseline(p)?),
        None => None,
    };

    let mut notes: Vec<String> = Vec::new();
    let mut chart_dirs: Vec<PathBuf> = Vec::new();
    let mut inputs = read_inputs(req, stdin, &mut notes, &mut chart_dirs)?;
    // Helm charts: their files are read here; rendered templates join the inputs as manifests.
    let mut charts = Vec::new();
    for dir in &chart_dirs {
        match read_chart(dir) {
            Ok(c) => charts.push(c),
            Err(e) => notes.push(e),
        }
        // A vendored subchart is rendered with its parent.
        let vendored = chart_dirs
            .iter()
            .any(|parent| parent != dir && dir.starts_with(parent.join("charts")));
        if vendored {
            continue;
        }
        match render_chart(dir) {
            Ok(Some(rendered)) => inputs.extend(rendered),
            Ok(None) => notes.push(format!(
                "{}: Helm chart; `helm` is not on PATH, so its templates were not rendered: Chart.yaml, values.yaml and the templates' value references were checked, the manifests they make were not (render with `helm template {} | srehub lint - --stdin-kind manifest`)",
                dir.display(),
                dir.display()
            )),
            Err(e) => notes.push(e),
        }
    }
    if inputs.is_empty() && notes.is_empty() && charts.is_empty() {
        return Err(Error::Lint(format!(
            "nothing to lint under {} (no Dockerfile, Kubernetes manifest or CI workflow found)",
            req.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }

    let mut findings: Vec<Finding> = Vec::new();
    let mut ran: Vec<&'static CheckMeta> = Vec::new();
    let add_ran = |r: Vec<&'static CheckMeta>, ran: &mut Vec<&'static CheckMeta>| {
        for m in r {
            if !ran.iter().any(|x| x.code == m.code) {
                ran.push(m);
            }
        }
    };
    let mut linted: HashMap<FileKind, usize> = HashMap::new();
    let texts: HashMap<&str, &str> = inputs
        .iter()
        .map(|i| (i.path.as_str(), i.text.as_str()))
        .collect();
    let mut objects: Vec<ManifestObject> = Vec::new();
    // Terraform files by directory: each directory is a module (variables and locals are shared).
    let mut tf_modules: std::collections::BTreeMap<PathBuf, Vec<srehub_model::terraform::TfFile>> =
        Default::default();
    // Manifests are most of a large tree: parse them on every core, in input order.
    let mut parsed_manifests = parse_manifests_parallel(&inputs).into_iter();
    for input in &inputs {
        let path = input.path.as_str();
        match input.kind {
            FileKind::Dockerfile => match srehub_model::dockerfile::parse(&input.text) {
                Ok(file) => {
                    let i = DockerfileInput {
                        path,
                        file: &file,
                        text: &input.text,
                    };
                    let (f, r) = run_checks(dockerfile::CHECKS, &i, &selection);
                    findings.extend(f);
                    add_ran(r, &mut ran);
                    *linted.entry(input.kind).or_default() += 1;
                }
                Err(e) => notes.push(format!("{path}:{e}")),
            },
            FileKind::Manifest => match parsed_manifests
                .next()
                .unwrap_or_else(|| parse_file(&input.text, path))
            {
                Ok(file) if input.by_content && file.objects.is_empty() => {}
                Ok(file) => {
                    for s in file.strays {
                        notes.push(format!(
                            "{}:{}:{}: {}",
                            s.file, s.pos.line, s.pos.column, s.message
                        ));
                    }
                    objects.extend(file.objects);
                    *linted.entry(input.kind).or_default() += 1;
                }
                Err(e) => notes.push(format!("{path}:{e}")),
            },
            FileKind::GithubWorkflow | FileKind::GithubAction | FileKind::GitlabCi => {
                let kind = match input.kind {
                    FileKind::GithubWorkflow => CiKind::GithubWorkflow,
                    FileKind::GithubAction => CiKind::GithubAction,
                    _ => CiKind::GitlabCi,
                };
                match ci_model::parse(&input.text, kind) {
                    Ok(file) => {
                        let i = CiInput { path, file: &file };
                        let (f, r) = run_checks(ci_checks::CHECKS, &i, &selection);
                        findings.extend(f);
                        add_ran(r, &mut ran);
                        *linted.entry(input.kind).or_default() += 1;
                    }
                    Err(e) => notes.push(format!("{path}:{e}")),
                }
            }
            // Charts are directories, read by `read_chart`, never single inputs.
            FileKind::HelmChart => {}
            FileKind::Terraform => match srehub_model::terraform::parse_file(&input.text, path) {
                Ok(file) => {
                    let dir = Path::new(path)
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default();
                    tf_modules.entry(dir).or_default().push(file);
                    *linted.entry(input.kind).or_default() += 1;
                }
                Err(e) => notes.push(e.to_string()),
            },
        }
    }
    for chart in &charts {
        let (f, r) = run_checks(helm_checks::CHECKS, &HelmInput { chart }, &selection);
        findings.extend(f);
        add_ran(r, &mut ran);
        *linted.entry(FileKind::HelmChart).or_default() += 1;
    }
    for (_, files) in tf_modules {
        let module = srehub_model::terraform::TfModule::new(files);
        let (f, r) = run_checks(tf_checks::CHECKS, &TfInput { module: &module }, &selection);
        findings.extend(f);
        add_ran(r, &mut ran);
    }

    let audit_registry = k8s::manifest_audit_checks();
    let want_audit = audit_registry.iter().any(|c| selection.enabled(c.meta()));
    if !objects.is_empty() {
        let input = ManifestInput::new(&objects);
        let (f, r) = run_checks(manifest::CHECKS, &input, &selection);
        findings.extend(f);
        add_ran(r, &mut ran);
    }
    if !objects.is_empty() && want_audit {
        // The doctor's audit rules, over the same objects.
        let mut builder = SnapshotBuilder::new();
        // The linted files are the whole world: a kind absent from them is absent, not uncollected.
        for kind in [
            "Pod",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "Job",
            "CronJob",
            "Service",
            "PodDisruptionBudget",
            "HorizontalPodAutoscaler",
            "NetworkPolicy",
            "Role",
            "ClusterRole",
            "RoleBinding",
            "ClusterRoleBinding",
        ] {
            builder.mark_collected(kind);
        }
        let mut buf = Vec::new();
        for o in &objects {
            if let Err(e) = add_to_snapshot(&mut builder, o, &mut buf) {
                let p = o.pos();
                notes.push(format!(
                    "{}:{}:{}: {} {} was left out of the audit checks: {e}",
                    o.file, p.line, p.column, o.kind, o.name
                ));
            }
        }
        let snap = builder.finish();
        let now = Timestamp::now();
        let k8s_input = K8sInput::new(&snap, &doctor, &exemptions, now);
        let (mut f, r) = run_checks(&audit_registry, &k8s_input, &selection);
        let index = index_objects(&objects);
        for finding in &mut f {
            finding.location = locate(&objects, &index, finding);
            if finding.check == "K8S006"
                && let (Some(r), Some(l)) = (&finding.resource, &finding.location)
                && let (Some(c), Some(text)) = (&r.container, texts.get(l.file.as_str()))
                && let Some(&i) = index.get(&(
                    r.kind.as_str(),
                    r.namespace.as_deref().unwrap_or(""),
                    r.name.as_str(),
                ))
            {
                let o = &objects[i];
                finding.fix = manifest::fix::disallow_privilege_escalation(o, c, text);
            }
        }
        findings.extend(f);
        add_ran(r, &mut ran);
    }

    let total: usize = linted.values().sum();
    if total == 0 {
        return Err(Error::Lint(format!(
            "nothing could be linted: {}",
            notes.join("; ")
        )));
    }

    // Suppressions: config exemptions by path (and kind/namespace/name), inline comments, a baseline.
    let meta_of = |code: &str| known.iter().copied().find(|m| m.code == code);
    exemptions.retain(&mut findings, meta_of);
    let inline = suppress::apply_inline(&mut findings, |p| texts.get(p).copied());
    let baselined = baseline
        .as_ref()
        .map(|b| suppress::apply_baseline(&mut findings, b))
        .unwrap_or(0);

    // Fixes: per file, in order; a fix that overlaps one already taken waits for the next run.
    let mut diff = None;
    let mut fixed_notes = Vec::new();
    if req.fix != FixMode::Off {
        let mut by_file: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (i, f) in findings.iter().enumerate() {
            if let (Some(_), Some(l)) = (&f.fix, &f.location) {
                by_file.entry(l.file.as_str()).or_default().push(i);
            }
        }
        let mut out = String::new();
        let mut applied_total = 0;
        let mut fixed: Vec<usize> = Vec::new();
        for (file, idx) in &by_file {
            let Some(text) = texts.get(file) else {
                continue;
            };
            let fixes: Vec<&srehub_core::fix::Fix> = idx
                .iter()
                .filter_map(|&i| findings[i].fix.as_ref())
                .collect();
            let (new, applied) = srehub_core::fix::apply(text, &fixes);
            if applied.is_empty() || new == *text {
                continue;
            }
            applied_total += applied.len();
            match req.fix {
                FixMode::Diff => {
                    out.push_str(
                        &similar::TextDiff::from_lines(*text, new.as_str())
                            .unified_diff()
                            .context_radius(3)
                            .header(&format!("a/{file}"), &format!("b/{file}"))
                            .to_string(),
                    );
                }
                FixMode::Write => {
                    if *file == "<stdin>" {
                        return Err(Error::Lint(
                            "--fix cannot write standard input back; use --diff".into(),
                        ));
                    }
                    std::fs::write(file, &new)
                        .map_err(|e| Error::Lint(format!("writing the fixes to {file}: {e}")))?;
                    // Findings whose fix was applied leave the report; ones that overlapped stay.
                    fixed.extend(applied.iter().map(|&a| idx[a]));
                }
                FixMode::Off => {}
            }
        }
        match req.fix {
            FixMode::Diff => diff = Some(out),
            FixMode::Write => {
                fixed.sort_unstable();
                for i in fixed.into_iter().rev() {
                    findings.remove(i);
                }
                fixed_notes.push(format!("{applied_total} fix(es) applied"));
            }
            FixMode::Off => {}
        }
    }

    let target = req
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    ran.sort_by_key(|m| m.code);
    let mut report = Report::new("lint", Timestamp::now(), findings, ran).with_target(target);
    let mut kinds: Vec<(&FileKind, &usize)> = linted.iter().collect();
    kinds.sort();
    let counts: Vec<String> = kinds
        .iter()
        .map(|(k, n)| format!("{n} {}{}", k.label(), if **n == 1 { "" } else { "(s)" }))
        .collect();
    let mut summary = format!("linted {}", counts.join(", "));
    if !objects.is_empty() {
        summary.push_str(&format!(" ({} Kubernetes objects)", objects.len()));
    }
    report.note(NoteLevel::Info, summary);
    if inline > 0 {
        report.note(
            NoteLevel::Info,
            format!("{inline} finding(s) silenced by srehub:ignore comments"),
        );
    }
    if let Some(p) = &req.baseline {
        report.note(
            NoteLevel::Info,
            format!(
                "{baselined} finding(s) already in the baseline {}",
                p.display()
            ),
        );
    }
    for n in fixed_notes {
        report.note(NoteLevel::Info, n);
    }
    for n in notes {
        report.note(NoteLevel::Warning, n);
    }
    Ok(Outcome { report, diff })
}

/// The findings of a previous JSON report.
fn read_baseline(path: &Path) -> Result<Vec<Finding>, Error> {
    #[derive(serde::Deserialize)]
    struct Previous {
        findings: Vec<Finding>,
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Lint(format!("baseline {}: {e}", path.display())))?;
    let prev: Previous = serde_json::from_str(&text).map_err(|e| {
        Error::Lint(format!(
            "baseline {}:{}:{}: not a srehub JSON report (`srehub lint -o json`): {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    Ok(prev.findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_detected_by_name() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
        ] {
            assert_eq!(detect(Path::new(n)), Some(FileKind::Dockerfile), "{n}");
        }
        assert_eq!(
            detect(Path::new("deploy/app.yaml")),
            Some(FileKind::Manifest)
        );
        assert_eq!(detect(Path::new("list.json")), Some(FileKind::Manifest));
        assert_eq!(
            detect(Path::new("repo/.github/workflows/ci.yml")),
            Some(FileKind::GithubWorkflow)
        );
        assert_eq!(
            detect(Path::new("actions/setup/action.yml")),
            Some(FileKind::GithubAction)
        );
        assert_eq!(
            detect(Path::new(".gitlab-ci.yml")),
            Some(FileKind::GitlabCi)
        );
        assert_eq!(
            detect(Path::new("infra/main.tf")),
            Some(FileKind::Terraform)
        );
        for n in [
            "README.md",
            "Makefile",
            "main.tfvars",
            "dockerfile.rs",
            "Dockerfile.md",
        ] {
            assert_eq!(detect(Path::new(n)), None, "{n}");
        }
    }
}
