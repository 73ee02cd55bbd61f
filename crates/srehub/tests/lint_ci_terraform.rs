//! `srehub lint` on CI workflows and Terraform, through the real executable: detection by path, the
//! checks of each kind, and positions.

#![allow(clippy::unwrap_used)]

use std::path::Path;

mod common;

fn srehub(dir: &std::path::Path) -> std::process::Command {
    common::srehub_in(dir)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn a_repository_with_workflows_gitlab_ci_and_terraform() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        ".github/workflows/ci.yml",
        "on:\n  pull_request_target:\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: echo \"${{ github.event.pull_request.title }}\"\n",
    );
    write(
        d,
        ".gitlab-ci.yml",
        "stages: [build]\nbuild:\n  stage: build\n  script: [make]\ndeploy:\n  stage: deploy\n  script: [make deploy]\n  needs: [bulid]\n",
    );
    write(
        d,
        "infra/variables.tf",
        "variable \"world\" {\n  default = \"0.0.0.0/0\"\n}\n",
    );
    write(
        d,
        "infra/main.tf",
        "resource \"aws_security_group\" \"web\" {\n  name = \"web\"\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [var.world]\n  }\n}\n",
    );
    write(d, "infra/broken.tf", "resource \"x\" {\n  a = \n");
    let o = srehub(d)
        .args(["lint", ".", "-o", "json", "--select", "ci,terraform"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}",
                f["check"].as_str().unwrap(),
                f["location"]["file"].as_str().unwrap(),
                f["location"]["line"]
            )
        })
        .collect();
    for want in [
        "GHA004 ./.github/workflows/ci.yml:",
        "GHA005 ./.github/workflows/ci.yml:10",
        "GHA002 ./.github/workflows/ci.yml:7",
        "GLC002 ./.gitlab-ci.yml:",
        "TF001 ./infra/main.tf:",
    ] {
        assert!(
            got.iter().any(|g| g.starts_with(want)),
            "missing {want} in {got:#?}"
        );
    }
    let notes = v["notes"].to_string();
    assert!(notes.contains("broken.tf:"), "{notes}");
    assert!(notes.contains("Terraform file"), "{notes}");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn fix_and_diff_rewrite_dockerfiles_and_manifests_keeping_comments() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let docker = "FROM debian:12\n# fetch tools\nADD tools.sh /usr/local/bin/\nRUN apt-get update && apt-get install -y curl\n";
    write(d, "Dockerfile", docker);
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app # main\n      image: nginx:1.27\n";
    write(d, "pod.yaml", manifest);
    let o = srehub(d).args(["lint", ".", "--diff"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let diff = String::from_utf8(o.stdout).unwrap();
    assert!(diff.contains("+COPY tools.sh /usr/local/bin/"), "{diff}");
    assert!(diff.contains("--no-install-recommends"), "{diff}");
    assert!(
        diff.contains("+        allowPrivilegeEscalation: false"),
        "{diff}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("Dockerfile")).unwrap(),
        docker,
        "--diff writes nothing"
    );

    let o = srehub(d)
        .args(["lint", ".", "--fix", "-o", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["notes"].to_string().contains("fix(es) applied"),
        "{}",
        v["notes"]
    );
    let fixed = std::fs::read_to_string(d.join("Dockerfile")).unwrap();
    assert_eq!(
        fixed,
        "FROM debian:12\n# fetch tools\nCOPY tools.sh /usr/local/bin/\nRUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*\n"
    );
    let pod = std::fs::read_to_string(d.join("pod.yaml")).unwrap();
    assert!(pod.contains("    - name: app # main\n      securityContext:\n        allowPrivilegeEscalation: false\n      image: nginx:1.27\n"), "{pod}");
    // Fixed findings are gone from the report; a second --diff has nothing left to do.
    let checks: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(
        !checks.contains(&"DKR002") && !checks.contains(&"K8S006"),
        "{checks:?}"
    );
    let o = srehub(d).args(["lint", ".", "--diff"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
}
