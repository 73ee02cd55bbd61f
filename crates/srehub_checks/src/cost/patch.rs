//! `srehub cost -o patch`: the recommended resources as partial objects, one YAML document per
//! workload, for `kubectl apply --server-side --field-manager=srehub-cost -f` (server-side apply
//! changes only the fields given: requests, and the memory limit).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use srehub_model::metrics::UsageModel;

use super::{Advice, CostSettings, advise, bytes, cores};

/// Containers of a workload (kind, namespace, name): name and resources YAML.
type ByWorkload<'a> = BTreeMap<(&'a str, &'a str, &'a str), Vec<(&'a str, String)>>;

/// The patch documents (empty when nothing is resized).
pub fn patches(model: &UsageModel, s: &CostSettings) -> String {
    let mut by_workload: ByWorkload<'_> = BTreeMap::new();
    let mut skipped = Vec::new();
    for c in &model.containers {
        let Advice::Resize(r) = advise(c, s) else {
            continue;
        };
        if r.cpu_request.is_none() && r.memory.is_none() {
            continue;
        }
        if !matches!(
            c.kind.as_str(),
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob"
        ) {
            skipped.push(format!("{} {}/{}", c.kind, c.namespace, c.workload));
            continue;
        }
        let mut res = String::new();
        res.push_str("            requests:\n");
        if let Some(cpu) = r.cpu_request {
            let _ = writeln!(res, "              cpu: {}", quote(&cores(cpu)));
        }
        if let Some(m) = r.memory {
            let _ = writeln!(res, "              memory: {}", bytes(m));
            let _ = writeln!(
                res,
                "            limits:\n              memory: {}",
                bytes(m)
            );
        }
        by_workload
            .entry((c.kind.as_str(), c.namespace.as_str(), c.workload.as_str()))
            .or_default()
            .push((c.container.as_str(), res));
    }
    let mut out = String::new();
    for ((kind, ns, name), containers) in by_workload {
        let (api, path): (&str, &[&str]) = match kind {
            "Job" => ("batch/v1", &["spec", "template", "spec"]),
            "CronJob" => (
                "batch/v1",
                &["spec", "jobTemplate", "spec", "template", "spec"],
            ),
            _ => ("apps/v1", &["spec", "template", "spec"]),
        };
        let _ = writeln!(
            out,
            "---\n# srehub cost: {kind} {ns}/{name}\napiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}"
        );
        let mut indent = String::new();
        for p in path {
            let _ = writeln!(out, "{indent}{p}:");
            indent.push_str("  ");
        }
        let _ = writeln!(out, "{indent}containers:");
        for (container, res) in containers {
            // `res` is written for an indent of 12 (three levels under the pod spec).
            let shift = indent.len() as isize - 6;
            let _ = writeln!(out, "{indent}  - name: {container}\n{indent}    resources:");
            for line in res.lines() {
                let trimmed = line.trim_start();
                let depth = line.len() - trimmed.len();
                let new = (depth as isize + shift).max(0) as usize;
                let _ = writeln!(out, "{}{trimmed}", " ".repeat(new));
            }
        }
    }
    for s in skipped {
        let _ = writeln!(out, "# not patched (not a workload controller): {s}");
    }
    out
}

fn quote(s: &str) -> String {
    // `1` would be read as a number by YAML; Kubernetes accepts both, keep quantities as strings.
    format!("\"{s}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::testing::container;

    #[test]
    fn patches_are_partial_objects_for_server_side_apply() {
        let mut job = container();
        job.kind = "CronJob".into();
        job.workload = "report".into();
        job.container = "main".into();
        let m = UsageModel {
            window_s: 86_400,
            containers: vec![container(), job],
            prices: None,
        };
        let text = patches(&m, &CostSettings::default());
        let docs: Vec<serde_yaml_ng::Value> = serde_yaml_ng::Deserializer::from_str(&text)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect();
        assert_eq!(docs.len(), 2, "{text}");
        let d = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["name"], "api");
        assert_eq!(c["resources"]["requests"]["cpu"], "200m");
        assert_eq!(c["resources"]["requests"]["memory"], "345Mi");
        assert_eq!(c["resources"]["limits"]["memory"], "345Mi");
        let cj = docs.iter().find(|d| d["kind"] == "CronJob").unwrap();
        assert_eq!(cj["apiVersion"], "batch/v1");
        assert_eq!(
            cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
                ["cpu"],
            "200m"
        );
    }
}
