use std::collections::HashSet;

use srehub_core::{Check, Finding, Findings};

use super::ManifestInput;
use super::schema::{Schema, closest};
use crate::k8s::audit::cluster::deprecations::lookup;

srehub_core::declare_check! {
    /// ## What it checks
    /// Objects whose `apiVersion` does not serve their `kind` (`apps/v1beta3` Deployment, `v1`
    /// Deployment), and kinds that do not exist in a built-in API group (`kind: Deploymnet`). API versions
    /// that Kubernetes deprecated or removed are reported by `deprecated-api-version` (K8S023) instead,
    /// against `--kube-version`. Kinds defined by a CustomResourceDefinition in the linted files, and
    /// groups that are not built in, are not judged.
    ///
    /// ## Why it matters
    /// `kubectl apply` fails with `no matches for kind … in version …`, and nothing of the manifest is
    /// created.
    ///
    /// ## How to fix
    /// Use the apiVersion the message names (`kubectl api-resources` lists what a cluster serves), or fix
    /// the kind's spelling.
    K8S303 UnknownApiVersion { name: "unknown-api-version", severity: Critical, category: Correctness, group: "manifest" }
}

impl Check<ManifestInput<'_>> for UnknownApiVersion {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        let schema = Schema::get();
        let builtin_groups: HashSet<&str> = schema.groups().collect();
        let crd_kinds: HashSet<(String, String)> = input
            .of_kind("CustomResourceDefinition")
            .filter_map(|c| {
                let group = c.node.at(&["spec", "group"])?.as_str()?;
                let kind = c.node.at(&["spec", "names", "kind"])?.as_str()?;
                Some((group.to_string(), kind.to_string()))
            })
            .collect();
        for o in input.objects {
            if o.api_version.is_empty()
                || o.kind.is_empty()
                || schema.knows(&o.api_version, &o.kind)
                || lookup(&o.api_version, &o.kind).is_some()
                || crd_kinds.contains(&(o.group().to_string(), o.kind.clone()))
            {
                continue;
            }
            let pos = o.node.get("apiVersion").map_or_else(|| o.pos(), |n| n.pos);
            let versions = schema.versions_of(&o.kind);
            let message = if !versions.is_empty() {
                format!(
                    "`{}` does not serve kind {}; it is served by {}",
                    o.api_version,
                    o.kind,
                    versions.join(", ")
                )
            } else if builtin_groups.contains(o.group()) {
                let suggestion = closest(&o.kind, schema.kinds_in(o.group()))
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                format!(
                    "kind `{}` does not exist in API group `{}`{suggestion}",
                    o.kind,
                    if o.group().is_empty() {
                        "core"
                    } else {
                        o.group()
                    }
                )
            } else {
                continue;
            };
            let hint = versions
                .last()
                .map(|v| format!("Set apiVersion: {v}"))
                .unwrap_or_else(|| "Check the kind's spelling with `kubectl api-resources`".into());
            input.push(
                out,
                &Self::META,
                o,
                pos,
                Finding::new(&Self::META, message).hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::testing::run;

    #[test]
    fn triggers_on_wrong_versions_and_misspelled_kinds() {
        let text = "apiVersion: v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: b}\n";
        let found = run(&UnknownApiVersion, text);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[1].message.contains("did you mean `Deployment`"),
            "{}",
            found[1].message
        );
        let loc = found[0].location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column), (Some(1), Some(13)));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_served_deprecated_and_custom_kinds() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: b}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.apps}\nspec: {group: apps, names: {kind: Widget}}\n---\napiVersion: apps/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\n";
        assert!(run(&UnknownApiVersion, text).is_empty());
    }
}
