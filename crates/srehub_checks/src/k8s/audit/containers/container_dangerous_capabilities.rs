use srehub_core::{Check, Finding, Findings, Severity};

use super::util::{all_containers, audited_specs, container_resource, own};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers and init containers whose `securityContext.capabilities.add` includes a capability
    /// that breaks isolation: `ALL`, `SYS_ADMIN`, `SYS_MODULE` (critical), or `NET_ADMIN`, `SYS_PTRACE`,
    /// `DAC_READ_SEARCH`, `NET_RAW`, `BPF`, `PERFMON`, `SYS_RAWIO` (warning). Names match case-insensitively,
    /// with or without the `CAP_` prefix.
    ///
    /// ## Why it matters
    /// `SYS_ADMIN` is "the new root" (mounts, namespaces, most escapes); `SYS_MODULE` loads kernel modules;
    /// `ALL` is both. The others let a compromised process sniff or spoof node traffic (`NET_RAW`,
    /// `NET_ADMIN`), read other processes' memory (`SYS_PTRACE`), bypass file permissions
    /// (`DAC_READ_SEARCH`, the "shocker" escape), load eBPF programs (`BPF`, `PERFMON`) or touch raw I/O
    /// ports (`SYS_RAWIO`).
    ///
    /// ## How to fix
    /// Remove the capability from `securityContext.capabilities.add`; start from `drop: [ALL]` and add back
    /// only what the process provably needs (`NET_BIND_SERVICE` for ports below 1024 covers most web
    /// servers). Network and observability agents that need them can be exempted in the srehub config or
    /// with the annotation `srehub.io/ignore: K8S009`.
    K8S009 ContainerDangerousCapabilities { name: "container-dangerous-capabilities", severity: Warning, category: Security, group: "audit" }
}

/// Capabilities that amount to root on the node.
const CRITICAL: &[&str] = &["ALL", "SYS_ADMIN", "SYS_MODULE"];
/// Capabilities that weaken isolation.
const RISKY: &[&str] = &[
    "NET_ADMIN",
    "SYS_PTRACE",
    "DAC_READ_SEARCH",
    "NET_RAW",
    "BPF",
    "PERFMON",
    "SYS_RAWIO",
];

/// A capability's canonical name: upper case, without `CAP_`.
fn canonical(cap: &str) -> String {
    let up = cap.trim().to_ascii_uppercase();
    match up.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => up,
    }
}

impl Check<K8sInput<'_>> for ContainerDangerousCapabilities {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            for (c, role) in all_containers(owner.spec) {
                let Some(caps) = own(c, |s| s.capabilities.as_ref()) else {
                    continue;
                };
                let mut found: Vec<String> = Vec::new();
                for cap in caps.add.iter().map(|c| canonical(c)) {
                    if (CRITICAL.contains(&cap.as_str()) || RISKY.contains(&cap.as_str()))
                        && !found.contains(&cap)
                    {
                        found.push(cap);
                    }
                }
                if found.is_empty() {
                    continue;
                }
                let critical = found.iter().any(|c| CRITICAL.contains(&c.as_str()));
                let noun = if found.len() == 1 {
                    "capability"
                } else {
                    "capabilities"
                };
                let mut f = Finding::new(
                    &Self::META,
                    format!("{} `{}` adds the {noun} {}", role.label(), c.name, found.join(", ")),
                )
                .resource(container_resource(&owner, c))
                .hint(format!(
                    "Remove {} from securityContext.capabilities.add; drop ALL and add back only what the process needs",
                    found.join(", ")
                ));
                if critical {
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
    fn canonical_names() {
        assert_eq!(canonical("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(canonical(" Net_Raw "), "NET_RAW");
        assert_eq!(canonical("all"), "ALL");
    }

    #[test]
    fn triggers_with_severity_by_capability() {
        let vpn = workload(
            "DaemonSet",
            "network",
            "wireguard",
            json!({"containers": [
            {"name": "wg", "image": "registry.example.com/wireguard:1.0.20210914",
             "securityContext": {"capabilities": {"add": ["NET_ADMIN", "net_raw", "CAP_NET_ADMIN"], "drop": ["ALL"]}}}]}),
        );
        let fuse = deployment(
            "media",
            "s3-mounter",
            json!({
            "initContainers": [{"name": "load-module", "image": "busybox:1.36",
                                "securityContext": {"capabilities": {"add": ["CAP_SYS_MODULE"]}}}],
            "containers": [{"name": "mounter", "image": "registry.example.com/s3fs:1.94",
                            "securityContext": {"capabilities": {"add": ["SYS_ADMIN", "NET_BIND_SERVICE"]}}}]}),
        );
        let found = run(
            &ContainerDangerousCapabilities,
            &snapshot(&[vpn, fuse], &[]),
        );
        assert_eq!(found.len(), 3);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_harmless_or_dropped_capabilities() {
        let web = deployment(
            "shop",
            "web",
            json!({"containers": [
            {"name": "nginx", "image": "nginx:1.27.2",
             "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL", "NET_RAW"]}}},
            {"name": "app", "image": "registry.example.com/web:2.4.1", "securityContext": {"capabilities": null}}]}),
        );
        let found = run(&ContainerDangerousCapabilities, &snapshot(&[web], &[]));
        assert!(found.is_empty(), "{found:?}");
    }
}
