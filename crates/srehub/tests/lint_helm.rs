//! `srehub lint` on Helm charts, through the real executable: the chart's own checks always, and its
//! rendered templates linted as manifests when `helm` is on PATH.
//!
//! The helm binary cannot be installed on this machine (no Debian package, no download), so the
//! rendering test puts a stand-in `helm` on PATH that prints a recorded `helm template` output of the
//! same chart (what helm 3 prints: `---` and `# Source:` before each template). It tests srehub's side
//! of the contract (invocation, splitting by source, positions), not helm.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

const CHART_YAML: &str =
    "apiVersion: v2\nname: web\nversion: 0.3.1\nappVersion: \"1.4.2\"\ntype: application\n";
const VALUES: &str =
    "replicaCount: 2\nimage:\n  repository: registry.example.com/web\n  tag: latest\n";
const TEMPLATE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  replicas: {{ .Values.replicaCount }}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          resources:\n            limits: {memory: {{ .Values.resources.memory }}}\n";

const RENDERED: &str = "---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: srehub-lint-web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: \"registry.example.com/web:latest\"\n          resources:\n            limits: {memory: }\n";

fn chart(dir: &Path) {
    let c = dir.join("charts-src/web");
    std::fs::create_dir_all(c.join("templates")).unwrap();
    std::fs::write(c.join("Chart.yaml"), CHART_YAML).unwrap();
    std::fs::write(c.join("values.yaml"), VALUES).unwrap();
    std::fs::write(c.join("templates/deployment.yaml"), TEMPLATE).unwrap();
}

fn run(dir: &Path, path_env: &str) -> serde_json::Value {
    let o = common::srehub_in(dir)
        .env("PATH", path_env)
        .args(["lint", "charts-src", "-o", "json"])
        .output()
        .unwrap();
    assert_ne!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn places(v: &serde_json::Value) -> Vec<String> {
    common::finding_places(v.to_string().as_bytes())
}

#[test]
fn without_helm_the_chart_is_checked_and_the_run_says_templates_were_not_rendered() {
    let dir = tempfile::tempdir().unwrap();
    chart(dir.path());
    let v = run(dir.path(), "/nonexistent");
    let p = places(&v);
    assert!(
        p.iter()
            .any(|f| f.starts_with("HELM003 charts-src/web/values.yaml:4")),
        "{p:#?}"
    );
    assert!(
        p.iter()
            .any(|f| f.starts_with("HELM005 charts-src/web/templates/deployment.yaml:17")),
        "{p:#?}"
    );
    let notes = v["notes"].to_string();
    assert!(notes.contains("`helm` is not on PATH"), "{notes}");
    assert!(!p.iter().any(|f| f.contains("(rendered)")), "{p:#?}");
}

#[test]
fn with_helm_the_rendered_templates_are_linted_as_manifests() {
    let dir = tempfile::tempdir().unwrap();
    chart(dir.path());
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(dir.path().join("rendered.yaml"), RENDERED).unwrap();
    let helm = bin.join("helm");
    std::fs::write(
        &helm,
        format!(
            "#!/bin/sh\n[ \"$1\" = template ] || exit 2\ncat '{}'\n",
            dir.path().join("rendered.yaml").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    let v = run(dir.path(), &format!("{}:/usr/bin:/bin", bin.display()));
    let p = places(&v);
    assert!(
        p.iter()
            .any(|f| f == "K8S012 charts-src/web/templates/deployment.yaml (rendered):14:11"),
        "{p:#?}"
    );
    assert!(!v["notes"].to_string().contains("not on PATH"));
}
