use srehub_core::{Check, Finding, Findings};

use super::util::{all_containers, audited_specs, container_resource};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers and init containers whose image has the tag `latest` or no tag at all (which means
    /// `latest`). Images pinned by digest (`app@sha256:…`, `app:1.2@sha256:…`) are fine; a registry port
    /// (`registry:5000/app`) is not mistaken for a tag.
    ///
    /// ## Why it matters
    /// `latest` moves: two replicas of the same Deployment can run different code depending on when their
    /// node pulled, a rollback "to the previous version" redeploys whatever is newest, and nothing records
    /// which build is running. It also defaults `imagePullPolicy` to `Always`, so every start depends on
    /// the registry being up.
    ///
    /// ## How to fix
    /// Deploy an immutable tag (a version or a commit SHA), ideally with its digest
    /// (`registry.example.com/app:1.4.2@sha256:…`), e.g.
    /// `kubectl -n NS set image deployment/NAME CONTAINER=registry.example.com/app:1.4.2`.
    K8S012 ImageLatestTag { name: "image-latest-tag", severity: Warning, category: BestPractice, group: "audit" }
}

/// The tag of an image reference: `None` when it is pinned by digest, else `Some(tag)`, `Some("")` for
/// no tag.
fn unpinned_tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return None;
    }
    // The tag follows the last `:` of the last path segment; a `:` before a `/` is a registry port.
    let last = image.rsplit('/').next().unwrap_or(image);
    Some(last.rsplit_once(':').map_or("", |(_, tag)| tag))
}

impl Check<K8sInput<'_>> for ImageLatestTag {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            for (c, role) in all_containers(owner.spec) {
                let image = c.image.trim();
                // No image: a template filled in by an admission webhook; nothing to judge.
                if image.is_empty() {
                    continue;
                }
                let why = match unpinned_tag(image) {
                    Some("") => "has no tag, so it runs whatever `latest` is when the node pulls",
                    Some("latest") => "uses the mutable `latest` tag",
                    _ => continue,
                };
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(
                        &Self::META,
                        format!("{} `{}` image `{image}` {why}", role.label(), c.name),
                    )
                    .resource(container_resource(&owner, c))
                    .hint(
                        "Use an immutable version tag or a digest (image: REPO:VERSION@sha256:...)",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::fixtures::{cron_job, deployment};
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    #[test]
    fn parses_image_references() {
        assert_eq!(unpinned_tag("nginx"), Some(""));
        assert_eq!(unpinned_tag("nginx:latest"), Some("latest"));
        assert_eq!(unpinned_tag("registry:5000/app"), Some(""));
        assert_eq!(unpinned_tag("registry:5000/team/app:1.2"), Some("1.2"));
        assert_eq!(unpinned_tag("docker.io/library/redis:7.4"), Some("7.4"));
        assert_eq!(unpinned_tag("app@sha256:4c5f"), None);
        assert_eq!(unpinned_tag("registry:5000/app:1.2@sha256:4c5f"), None);
    }

    #[test]
    fn triggers_on_latest_and_untagged_images() {
        let web = deployment(
            "shop",
            "web",
            json!({
            "initContainers": [{"name": "wait-for-db", "image": "busybox"}],
            "containers": [
                {"name": "app", "image": "registry.example.com:5000/shop/web:latest"},
                {"name": "proxy", "image": "envoyproxy/envoy:v1.31.2"}]}),
        );
        let job = cron_job(
            "shop",
            "cleanup",
            json!({"restartPolicy": "OnFailure",
            "containers": [{"name": "cleanup", "image": "registry.example.com:5000/shop/cleanup"}]}),
        );
        let found = run(&ImageLatestTag, &snapshot(&[web, job], &[]));
        assert_eq!(found.len(), 3);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_versioned_and_digest_pinned_images() {
        let web = deployment(
            "shop",
            "web",
            json!({"containers": [
            {"name": "app", "image": "registry.example.com:5000/shop/web:2.4.1"},
            {"name": "proxy", "image": "envoyproxy/envoy@sha256:8bd0c3b2bdd8d5b5f4f4f0b5c1f0d0a9c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4"},
            {"name": "sidecar", "image": "registry.example.com/sidecar:latest@sha256:8bd0c3b2bdd8d5b5f4f4f0b5c1f0d0a9c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4"},
            {"name": "injected", "image": ""}]}),
        );
        let found = run(&ImageLatestTag, &snapshot(&[web], &[]));
        assert!(found.is_empty(), "{found:?}");
    }
}
