//! Parity with kube-linter on its own fixtures: for each of its checks that an srehub check covers, the
//! same number of findings on the same file as kube-linter's end-to-end tests expect (OpenShift
//! DeploymentConfig objects left out: srehub does not model them). Fixtures and licence:
//! tests/fixtures/kube-linter/.

#![allow(clippy::unwrap_used)]

mod common;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kube-linter");

/// (fixture, kube-linter check, srehub checks, findings kube-linter reports on non-DeploymentConfig objects)
const CASES: &[(&str, &str, &str, usize)] = &[
    ("dangling-ingress.yml", "dangling-ingress", "K8S305", 2),
    (
        "dangling-networkpolicy.yml",
        "dangling-networkpolicy",
        "K8S307",
        1,
    ),
    ("dangling-service.yml", "dangling-service", "K8S016", 2),
    (
        "dangling-hpa.yml",
        "dangling-horizontalpodautoscaler",
        "K8S015",
        1,
    ),
    ("host-ipc.yml", "host-ipc", "K8S010", 1),
    ("host-network.yml", "host-network", "K8S010", 1),
    ("host-pid.yml", "host-pid", "K8S010", 1),
    (
        "non-existent-service-account.yml",
        "non-existent-service-account",
        "K8S308",
        1,
    ),
    (
        "privileged-container.yml",
        "privileged-container",
        "K8S005",
        1,
    ),
    ("latest-tag.yml", "latest-tag", "K8S012", 1),
    (
        "privilege-escalation-container.yml",
        "privilege-escalation-container",
        "K8S006",
        1,
    ),
    (
        "no-read-only-root-fs.yml",
        "no-read-only-root-fs",
        "K8S008",
        1,
    ),
    ("no-liveness-probe.yml", "no-liveness-probe", "K8S001", 1),
    ("no-readiness-probe.yml", "no-readiness-probe", "K8S002", 1),
    (
        "unset-memory-requirements.yml",
        "unset-memory-requirements",
        "K8S003",
        1,
    ),
    (
        "cluster-admin-role-binding.yml",
        "cluster-admin-role-binding",
        "K8S019",
        1,
    ),
    ("access-to-secrets.yml", "access-to-secrets", "K8S020", 1),
    ("wildcard-in-rules.yml", "wildcard-in-rules", "K8S018", 1),
    (
        "sensitive-host-mounts.yml",
        "sensitive-host-mounts",
        "K8S011",
        1,
    ),
    (
        "writable-host-mount.yml",
        "writable-host-mount",
        "K8S011",
        1,
    ),
    (
        "kubeconform.yml",
        "template-kubeconform",
        "K8S300,K8S301,K8S302",
        2,
    ),
    ("env-var-value-from.yml", "env-value-from", "K8S309", 4),
];

#[test]
fn srehub_finds_what_kube_linter_finds_on_its_own_fixtures() {
    let mut wrong = Vec::new();
    for (file, theirs, ours, want) in CASES {
        let o = common::srehub_in(std::path::Path::new(DIR))
            .args(["lint", file, "-o", "json", "--select", ours])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let got = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["resource"]["kind"] != "DeploymentConfig")
            .count();
        if got != *want {
            wrong.push(format!(
                "{file}: kube-linter {theirs} reports {want}, srehub {ours} {got}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
