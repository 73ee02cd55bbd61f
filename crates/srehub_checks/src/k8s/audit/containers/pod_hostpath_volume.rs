use srehub_core::{Check, Finding, Findings, Severity};

use super::util::audited_specs;
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Pod specs with `hostPath` volumes, one finding per volume. The finding is critical when the path
    /// is, or contains, one that hands over the node: `/`, `/etc`, `/proc`, `/root`, `/var/lib/kubelet`,
    /// or a container runtime socket (`/var/run/docker.sock`, `/run/containerd/containerd.sock`, also
    /// under the other of `/run` and `/var/run`). Paths are compared after removing `.`, `..` and
    /// trailing slashes, so `/var/run` and `/etc/` count too.
    ///
    /// ## Why it matters
    /// A hostPath volume reaches past the container onto the node's disk. Write access to `/etc` or `/`
    /// is root on the node; the runtime socket starts privileged containers at will; `/var/lib/kubelet`
    /// holds every pod's Secret and service account token volumes. Even harmless-looking paths tie the pod
    /// to a node's layout and leave data behind when it moves.
    ///
    /// ## How to fix
    /// Replace the volume with an `emptyDir`, a ConfigMap or Secret, or a PersistentVolumeClaim. If the
    /// pod is a node agent that must read the host (log shippers, CSI node plugins), narrow the path to the
    /// directory it needs, mount it with `readOnly: true`, and exempt it in the srehub config or with the
    /// annotation `srehub.io/ignore: K8S011`.
    K8S011 PodHostpathVolume { name: "pod-hostpath-volume", severity: Warning, category: Security, group: "audit" }
}

/// Host paths that hand over the node, with what they expose.
const SENSITIVE: &[(&str, &str)] = &[
    ("/", "the node's whole filesystem"),
    (
        "/etc",
        "the node's configuration, kubelet and SSH settings included",
    ),
    ("/proc", "the node's processes and kernel settings"),
    (
        "/root",
        "the node root user's home, with its SSH keys and credentials",
    ),
    (
        "/var/lib/kubelet",
        "the kubelet's state, with every pod's Secret and token volumes",
    ),
    (
        "/var/run/docker.sock",
        "the Docker socket, which controls every container on the node",
    ),
    (
        "/run/docker.sock",
        "the Docker socket, which controls every container on the node",
    ),
    (
        "/run/containerd/containerd.sock",
        "the containerd socket, which controls every container on the node",
    ),
    (
        "/var/run/containerd/containerd.sock",
        "the containerd socket, which controls every container on the node",
    ),
];

/// The path made absolute and clean: no empty, `.` or `..` segments, no trailing slash.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.trim().split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Why a host path is sensitive, if it is: it is a sensitive path, or a directory that contains one.
fn sensitivity(path: &str) -> Option<String> {
    if let Some((_, what)) = SENSITIVE.iter().find(|(p, _)| *p == path) {
        return Some((*what).to_string());
    }
    let prefix = format!("{}/", path.trim_end_matches('/'));
    SENSITIVE
        .iter()
        .find(|(p, _)| p.starts_with(&prefix))
        .map(|(p, what)| format!("it contains `{p}`, {what}"))
}

impl Check<K8sInput<'_>> for PodHostpathVolume {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            for v in &owner.spec.volumes {
                let Some(hp) = &v.host_path else { continue };
                // An empty path is invalid (the API server rejects it), not the root.
                let sensitive = if hp.path.trim().is_empty() {
                    None
                } else {
                    sensitivity(&normalize(&hp.path))
                };
                let message = match &sensitive {
                    Some(why) => format!(
                        "Volume `{}` mounts host path `{}`: {why}",
                        v.name,
                        hp.path.trim()
                    ),
                    None => format!(
                        "Volume `{}` mounts host path `{}` from the node",
                        v.name,
                        hp.path.trim()
                    ),
                };
                let mut f = Finding::new(&Self::META, message).resource(owner.resource()).hint(format!(
                    "Replace hostPath volume `{}` with an emptyDir, ConfigMap, Secret or PVC, or narrow it and mount it readOnly",
                    v.name
                ));
                if sensitive.is_some() {
                    f = f.severity(Severity::Critical);
                }
                input.report(out, &Self::META, owner.meta, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::fixtures::{deployment, workload};
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    #[test]
    fn normalizes_and_classifies_paths() {
        assert_eq!(normalize("/etc/"), "/etc");
        assert_eq!(normalize("//var/./run/../lib/kubelet/"), "/var/lib/kubelet");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("/.."), "/");
        assert!(sensitivity("/").is_some());
        assert!(sensitivity("/var/run").is_some());
        assert!(sensitivity("/var").is_some());
        assert!(sensitivity("/var/log").is_none());
        assert!(sensitivity("/etc/ssl/certs").is_none());
        assert!(sensitivity("/var/lib/kubelet/pods").is_none());
        assert!(sensitivity("/procfs").is_none());
    }

    #[test]
    fn triggers_per_volume_critical_for_node_takeover_paths() {
        let logs = workload(
            "DaemonSet",
            "logging",
            "fluent-bit",
            json!({
            "volumes": [{"name": "varlog", "hostPath": {"path": "/var/log", "type": ""}},
                        {"name": "etc-machine-id", "hostPath": {"path": "/etc/machine-id", "type": "File"}}],
            "containers": [{"name": "fluent-bit", "image": "cr.fluentbit.io/fluent/fluent-bit:3.1.4",
                            "volumeMounts": [{"name": "varlog", "mountPath": "/var/log", "readOnly": true}]}]}),
        );
        let ci = deployment(
            "ci",
            "build-runner",
            json!({
            "volumes": [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}},
                        {"name": "run", "hostPath": {"path": "/run/"}},
                        {"name": "work", "emptyDir": {}}],
            "containers": [{"name": "runner", "image": "registry.example.com/runner:16.5.0"}]}),
        );
        let found = run(&PodHostpathVolume, &snapshot(&[logs, ci], &[]));
        assert_eq!(found.len(), 4);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_without_host_path_volumes() {
        let web = deployment(
            "shop",
            "web",
            json!({
            "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "config", "configMap": {"name": "web"}},
                        {"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}}],
            "containers": [{"name": "app", "image": "registry.example.com/web:2.4.1"}]}),
        );
        let found = run(&PodHostpathVolume, &snapshot(&[web], &[]));
        assert!(found.is_empty(), "{found:?}");
    }
}
