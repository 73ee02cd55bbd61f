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
use srehub_core::{CheckMeta, Finding, Location, NoteLevel, Report, run_checks, suppress};
use srehub_model::ci::{self as ci_model, CiKind};
use srehub_model::k8s::SnapshotBuilder;
use srehub_model::manifest::{ManifestObject, looks_like_manifest, parse_file};
use srehub_model::yaml::Node;

use crate::Error;

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

/// Extensions that make `Dockerfile.EXT` something else (source, docs, data).
const NOT_DOCKERFILE_EXT: &[&str] = &[
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

fn is_dockerfile(lower: &str) -> bool {
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

fn is_yaml_or_json(lower: &str) -> bool {
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
struct Found {
    path: PathBuf,
    kind: FileKind,
    by_content: bool,
}

fn walk(dir: &Path, out: &mut Vec<Found>, charts: &mut Vec<PathBuf>) -> std::io::Result<()> {
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

/// Reads a chart directory: Chart.yaml, values.yaml, templates, vendored subcharts.
fn read_chart(dir: &Path) -> Result<srehub_model::helm::Chart, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let chart_path = dir.join("Chart.yaml");
    let chart_text = read(&chart_path)?;
    let values_path = dir.join("values.yaml");
    let values_text = if values_path.exists() {
        Some(read(&values_path)?)
    } else {
        None
    };
    let mut templates = Vec::new();
    let mut stack = vec![dir.join("templates")];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(t) = std::fs::read_to_string(&p) {
                templates.push((p.display().to_string(), t));
            }
        }
    }
    let subcharts = std::fs::read_dir(dir.join("charts"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let chart_shown = chart_path.display().to_string();
    let values_shown = values_path.display().to_string();
    let mut chart = srehub_model::helm::parse_chart(
        &dir.display().to_string(),
        (&chart_shown, &chart_text),
        values_text.as_deref().map(|t| (values_shown.as_str(), t)),
        templates,
        dir.join("values.schema.json").exists(),
    )
    .map_err(|e| e.to_string())?;
    chart.subcharts = subcharts;
    Ok(chart)
}

/// How long `helm template` may take.
const HELM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// `helm` on PATH, if there is one.
fn find_helm() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("helm"))
        .find(|p| p.is_file())
}

/// Renders a chart with `helm template` (default values) when helm is installed: one input per
/// rendered template, named after its `# Source:` line. `Ok(None)` when helm is not installed.
fn render_chart(dir: &Path) -> Result<Option<Vec<Input>>, String> {
    let Some(helm) = find_helm() else {
        return Ok(None);
    };
    let mut child = std::process::Command::new(&helm)
        .arg("template")
        .arg("srehub-lint")
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: running {}: {e}", dir.display(), helm.display()))?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = stdout.as_mut() {
            let _ = std::io::Read::read_to_string(o, &mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = std::io::Read::read_to_string(e, &mut s);
        }
        s
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > HELM_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{}: `helm template` did not finish within {} s; its templates were not linted",
                    dir.display(),
                    HELM_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => return Err(format!("{}: waiting for helm: {e}", dir.display())),
        }
    };
    let rendered = out_reader.join().unwrap_or_default();
    let errors = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "{}: `helm template` failed ({status}), its templates were not linted: {}",
            dir.display(),
            errors.trim()
        ));
    }
    Ok(Some(split_rendered(dir, &rendered)))
}

/// Splits `helm template` output into one input per template, by its `# Source: CHART/PATH` lines.
fn split_rendered(dir: &Path, rendered: &str) -> Vec<Input> {
    let mut out: Vec<Input> = Vec::new();
    for line in rendered.split_inclusive('\n') {
        if let Some(source) = line.trim_end().strip_prefix("# Source: ") {
            // `mychart/templates/deployment.yaml` → DIR/templates/deployment.yaml.
            let rel = source.split_once('/').map_or(source, |(_, r)| r);
            out.push(Input {
                path: format!("{} (rendered)", dir.join(rel).display()),
                kind: FileKind::Manifest,
                text: String::new(),
                by_content: false,
            });
            continue;
        }
        match out.last_mut() {
            Some(i) => i.text.push_str(line),
            None => out.push(Input {
                path: format!("{} (rendered)", dir.display()),
                kind: FileKind::Manifest,
                text: line.to_string(),
                by_content: false,
            }),
        }
    }
    // `---` separators end up at the end of each piece; YAML reads them as empty documents.
    out.retain(|i| {
        i.text.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && t != "---" && !t.starts_with('#')
        })
    });
    out
}

/// A file read for linting.
struct Input {
    path: String,
    kind: FileKind,
    text: String,
    /// Found by a directory walk and taken for a manifest by its content: a file with no Kubernetes
    /// object in it is some other YAML or JSON and is passed over quietly.
    by_content: bool,
}

fn read_inputs(
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

/// (kind, namespace, name) → index of the first such object.
type ObjectIndex<'a> = HashMap<(&'a str, &'a str, &'a str), usize>;

fn index_objects(objects: &[ManifestObject]) -> ObjectIndex<'_> {
    let mut index = HashMap::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        index
            .entry((o.kind.as_str(), o.namespace.as_str(), o.name.as_str()))
            .or_insert(i);
    }
    index
}

/// Where a finding of the doctor's audit about `resource` points in the manifests: the container's
/// entry if the finding names one, else the object.
fn locate(objects: &[ManifestObject], index: &ObjectIndex<'_>, f: &Finding) -> Option<Location> {
    let r = f.resource.as_ref()?;
    let ns = r.namespace.as_deref().unwrap_or("");
    let o = &objects[*index.get(&(r.kind.as_str(), ns, r.name.as_str()))?];
    let mut pos = o.pos();
    if let Some(c) = &r.container
        && let Some(t) = manifest::pod_template(o)
    {
        let found = ["containers", "initContainers", "ephemeralContainers"]
            .iter()
            .flat_map(|l| t.spec.get(l).map(Node::items).unwrap_or(&[]))
            .find(|n| n.get("name").and_then(Node::as_str) == Some(c.as_str()));
        if let Some(n) = found {
            pos = n.pos;
        }
    }
    Some(Location {
        file: o.file.clone(),
        line: Some(pos.line),
        column: Some(pos.column),
    })
}

/// Parses the manifest inputs on all cores; results in the order of the manifest inputs.
fn parse_manifests_parallel(
    inputs: &[Input],
) -> Vec<Result<srehub_model::manifest::ManifestFile, srehub_model::yaml::YamlError>> {
    let manifests: Vec<&Input> = inputs
        .iter()
        .filter(|i| i.kind == FileKind::Manifest)
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(manifests.len().div_ceil(64))
        .max(1);
    if threads == 1 {
        return manifests
            .iter()
            .map(|i| parse_file(&i.text, &i.path))
            .collect();
    }
    let chunk = manifests.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = manifests
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|i| parse_file(&i.text, &i.path))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                // A parser panic is a bug; re-raise it rather than lose files silently.
                Err(p) => std::panic::resume_unwind(p),
            })
            .collect()
    })
}

/// Adds a manifest object to the doctor's model. Values of the wrong type (reported by the schema checks)
/// would make the model drop the whole object, so they are left out and the rest of the object is kept.
fn add_to_snapshot(
    builder: &mut SnapshotBuilder,
    o: &ManifestObject,
    buf: &mut Vec<u8>,
) -> Result<(), String> {
    buf.clear();
    o.node.write_json(buf);
    if builder.add_bytes(buf, &o.file).is_ok() {
        return Ok(());
    }
    let mut json = o.node.to_json();
    // `null` is "unset" to the API server.
    strip_nulls(&mut json);
    for v in manifest::schema::Schema::get().validate(o) {
        if v.kind == manifest::schema::ViolationKind::WrongType {
            remove_path(&mut json, &v.segments);
        }
    }
    let bytes = serde_json::to_vec(&json).map_err(|e| e.to_string())?;
    builder
        .add_bytes(&bytes, &o.file)
        .map_err(|e| e.to_string())
}

fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn remove_path(v: &mut serde_json::Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for p in parents {
        cur = match cur {
            serde_json::Value::Object(m) => match m.get_mut(p) {
                Some(x) => x,
                None => return,
            },
            serde_json::Value::Array(a) => match p.parse::<usize>().ok().and_then(|i| a.get_mut(i))
            {
                Some(x) => x,
                None => return,
            },
            _ => return,
        };
    }
    match cur {
        serde_json::Value::Object(m) => {
            m.remove(last);
        }
        serde_json::Value::Array(a) => {
            if let Some(x) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                *x = serde_json::Value::Null;
            }
        }
        _ => {}
    }
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
