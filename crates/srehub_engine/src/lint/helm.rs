//! Helm charts: reading a chart directory, and rendering it with `helm template` when helm is installed.

use std::path::{Path, PathBuf};

use super::FileKind;
use super::files::Input;

/// Reads a chart directory: Chart.yaml, values.yaml, templates, vendored subcharts.
pub(super) fn read_chart(dir: &Path) -> Result<srehub_model::helm::Chart, String> {
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
pub(super) const HELM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// `helm` on PATH, if there is one.
pub(super) fn find_helm() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("helm"))
        .find(|p| p.is_file())
}

/// Renders a chart with `helm template` (default values) when helm is installed: one input per
/// rendered template, named after its `# Source:` line. `Ok(None)` when helm is not installed.
pub(super) fn render_chart(dir: &Path) -> Result<Option<Vec<Input>>, String> {
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
pub(super) fn split_rendered(dir: &Path, rendered: &str) -> Vec<Input> {
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
