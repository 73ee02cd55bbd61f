use srehub_core::{Check, Findings};

use super::DockerfileInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// `FROM` images with no tag or the `latest` tag (a digest, `@sha256:…`, pins the image and is
    /// fine; `scratch`, earlier stages and `ARG`-substituted images are not judged).
    ///
    /// ## Why it matters
    /// An untagged base image is whatever `latest` pointed to when the build ran: two builds of the same
    /// commit can differ, and a rollback rebuild can pull a newer, breaking base.
    ///
    /// ## How to fix
    /// Pin a version tag, and ideally its digest: `FROM python:3.12-slim@sha256:…`.
    DKR001 BaseImageLatestTag { name: "base-image-latest-tag", severity: Warning, category: Reliability, group: "dockerfile" }
}

/// `(tag, digest)` of an image reference; the tag is `None` when absent.
pub(crate) fn tag_and_digest(image: &str) -> (Option<&str>, bool) {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    // A `:` after the last `/` is a tag; one before it is a registry port.
    let last = name.rsplit('/').next().unwrap_or(name);
    (last.split_once(':').map(|(_, t)| t), digest)
}

impl Check<DockerfileInput<'_>> for BaseImageLatestTag {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for stage in &input.file.stages {
            let image = stage.base.as_str();
            if image.eq_ignore_ascii_case("scratch") || image.contains('$') || input.is_stage(image)
            {
                continue;
            }
            let (tag, digest) = tag_and_digest(image);
            if digest {
                continue;
            }
            let message = match tag {
                None => format!(
                    "Base image `{image}` has no tag, so it is whatever `latest` is at build time"
                ),
                Some("latest") => format!("Base image `{image}` uses the mutable `latest` tag"),
                Some(_) => continue,
            };
            let from = &input.file.instructions[stage.from];
            out.push(
                input
                    .at(&Self::META, from, message)
                    .hint("Pin a version tag and digest: FROM image:1.2.3@sha256:…"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::run;

    #[test]
    fn triggers_on_untagged_and_latest() {
        let found = run(
            &BaseImageLatestTag,
            "FROM python\nRUN true\nFROM registry:5000/team/app:latest AS final\n",
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].location.as_ref().unwrap().line, Some(3));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_pinned_stages_scratch_and_args() {
        let text = "ARG BASE=alpine:3.20\nFROM ${BASE} AS base\nFROM golang:1.23@sha256:abcd AS build\nFROM registry:5000/app:1.0\nFROM build\nFROM scratch\n";
        assert!(run(&BaseImageLatestTag, text).is_empty());
    }
}
