use srehub_core::{Check, Findings};
use srehub_model::helm::{Chart, value_references};
use srehub_model::yaml::{Node, Value};

use super::{HelmInput, Seg, show_path, walk};

srehub_core::declare_check! {
    /// ## What it checks
    /// Images in `values.yaml` whose tag does not name a version:
    ///
    /// - an image mapping (a mapping with `repository` and `tag`, or with `repository` under a key
    ///   named like `image`) whose `tag` is `latest`, empty, or missing;
    /// - an image string (a key named `image` or ending in `Image`, such as `image: nginx:latest` or
    ///   `initImage: busybox`) with the tag `latest` or no tag.
    ///
    /// An empty or missing tag is fine when a template defaults it to the chart's `appVersion`: a
    /// template line that uses `.Chart.AppVersion` together with that value's `.Values.….tag`, or with
    /// `default` and a tag (`{{ .Values.image.tag | default .Chart.AppVersion }}`, as `helm create`
    /// writes). A mention of `.Chart.AppVersion` elsewhere (the `app.kubernetes.io/version` label) does
    /// not count. Images pinned by `digest` (a `digest` key, or `@sha256:` in the string) are skipped.
    ///
    /// ## Why it matters
    /// `latest`, or no tag at all, is resolved at pull time: nodes that pull at different times run
    /// different code, a rollback re-deploys whatever `latest` is now, and nobody can tell from the
    /// release which version runs. An empty tag rendered as `repo:` is not even a valid reference.
    ///
    /// ## How to fix
    /// Set the tag to a version (`tag: "1.27.3"`) or pin a digest. To follow the chart's `appVersion`,
    /// leave `tag: ""` and default it in the template:
    /// `image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"`.
    HELM003 ValuesImageTagMutable { name: "values-image-tag-mutable", severity: Warning, category: Reliability, group: "helm" }
}

/// How the templates default image tags to `.Chart.AppVersion`.
struct AppVersionDefaults {
    /// `.Values` paths used on a line with `.Chart.AppVersion`.
    paths: Vec<Vec<String>>,
    /// A line with `.Chart.AppVersion`, `default` and a tag.
    any_tag: bool,
}

fn app_version_defaults(chart: &Chart) -> AppVersionDefaults {
    let mut d = AppVersionDefaults {
        paths: Vec::new(),
        any_tag: false,
    };
    for t in &chart.templates {
        let lines: Vec<u32> = t
            .text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(".Chart.AppVersion"))
            .filter_map(|(i, l)| {
                if l.contains("default") && l.to_ascii_lowercase().contains("tag") {
                    d.any_tag = true;
                }
                u32::try_from(i + 1).ok()
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        d.paths.extend(
            value_references(&t.text)
                .into_iter()
                .filter(|r| lines.contains(&r.line))
                .map(|r| r.path),
        );
    }
    d
}

impl AppVersionDefaults {
    /// Whether the tag at values path `image` (+ `tag`) defaults to the chart's appVersion.
    fn covers(&self, image: &[Seg]) -> bool {
        if self.any_tag {
            return true;
        }
        let keys: Option<Vec<&str>> = image
            .iter()
            .map(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            })
            .chain(std::iter::once(Some("tag")))
            .collect();
        keys.is_some_and(|keys| {
            self.paths
                .iter()
                .any(|p| p.iter().map(String::as_str).eq(keys.iter().copied()))
        })
    }
}

/// Whether a key names an image: `image`, `initImage`, `sidecar_image`.
fn image_key(key: &str) -> bool {
    key.to_ascii_lowercase().ends_with("image")
}

/// The tag of an image reference: `Some("")` for `repo:`, `None` without a tag. Digests are `Err`.
fn string_tag(image: &str) -> Result<Option<&str>, ()> {
    if image.contains('@') {
        return Err(());
    }
    let name_start = image.rfind('/').map_or(0, |i| i + 1);
    Ok(image[name_start..]
        .rfind(':')
        .map(|i| &image[name_start + i + 1..]))
}

impl Check<HelmInput<'_>> for ValuesImageTagMutable {
    fn run(&self, input: &HelmInput<'_>, out: &mut Findings) {
        let Some(values) = &input.chart.values else {
            return;
        };
        let defaults = app_version_defaults(input.chart);
        let at = |pos, message: String, hint: &str| {
            input
                .at(&Self::META, &values.path, pos, message)
                .hint(hint.to_string())
        };
        const PIN: &str = "Pin a version (`tag: \"1.27.3\"`) or a digest";
        walk(&values.root, &mut |path, key, node| match &node.value {
            Value::Map(_) => {
                let Some(repo) = node.get("repository").and_then(Node::as_str) else {
                    return;
                };
                let named_image = key.is_some_and(|k| image_key(&k.text));
                let tag = node.get("tag");
                if tag.is_none() && !named_image {
                    return;
                }
                let digest = node.get("digest").and_then(Node::as_str).unwrap_or("");
                if !digest.is_empty() {
                    return;
                }
                let shown = show_path(path);
                let tag_path = if shown.is_empty() {
                    "tag".to_string()
                } else {
                    format!("{shown}.tag")
                };
                let tag_pos = node.key("tag").map_or(node.pos, |k| k.pos);
                let default = format!(
                    "Set a version tag, or default it in the template: `{{{{ .Values.{tag_path} | default .Chart.AppVersion }}}}`"
                );
                match tag.map(|t| &t.value) {
                    Some(Value::Str(s)) if s == "latest" => out.push(at(
                        tag_pos,
                        format!("`{tag_path}` is `latest`: `{repo}:latest` can be a different image at every pull"),
                        PIN,
                    )),
                    Some(Value::Str(s)) if !s.is_empty() => {}
                    Some(Value::Str(_) | Value::Null) if !defaults.covers(path) => out.push(at(
                        tag_pos,
                        format!(
                            "`{tag_path}` is empty and no template defaults it to `.Chart.AppVersion`: the image `{repo}` has no version"
                        ),
                        &default,
                    )),
                    None if !defaults.covers(path) => out.push(at(
                        key.map_or(node.pos, |k| k.pos),
                        format!(
                            "`{shown}` sets `repository: {repo}` but no `tag`, and no template defaults it to `.Chart.AppVersion`: the image has no version"
                        ),
                        &default,
                    )),
                    _ => {}
                }
            }
            Value::Str(image) => {
                let Some(k) = key else { return };
                if !image_key(&k.text)
                    || image.is_empty()
                    || image.contains("{{")
                    || image.contains(char::is_whitespace)
                {
                    return;
                }
                let shown = show_path(path);
                match string_tag(image) {
                    Ok(Some("latest")) => out.push(at(
                        node.pos,
                        format!("`{shown}` is `{image}`: `latest` can be a different image at every pull"),
                        PIN,
                    )),
                    Ok(Some("") | None) if !defaults.any_tag => out.push(at(
                        node.pos,
                        format!("`{shown}` is `{image}`, with no tag: it is pulled as `latest`"),
                        PIN,
                    )),
                    _ => {}
                }
            }
            _ => {}
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::testing::{CHART_YAML, chart, positions, run};

    const VALUES: &str = "\
image:
  repository: nginx
  tag: latest
worker:
  image:
    repository: ghcr.io/acme/worker
    tag: \"\"
sidecar:
  image:
    repository: envoyproxy/envoy
initImage: busybox
exporter:
  image: localhost:5000/exporter:latest
pinned:
  image: quay.io/acme/app@sha256:0123
";

    #[test]
    fn triggers_on_latest_empty_and_missing_tags() {
        let c = chart(
            CHART_YAML,
            Some(VALUES),
            &[(
                "_helpers.tpl",
                "app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}\n",
            )],
        );
        let found = run(&ValuesImageTagMutable, &c);
        insta::assert_yaml_snapshot!(found);
        assert_eq!(
            positions(&found),
            [
                ("charts/web/values.yaml".to_string(), 3, 3),
                ("charts/web/values.yaml".to_string(), 7, 5),
                ("charts/web/values.yaml".to_string(), 9, 3),
                ("charts/web/values.yaml".to_string(), 11, 12),
                ("charts/web/values.yaml".to_string(), 13, 10),
            ]
        );
    }

    #[test]
    fn empty_tags_defaulting_to_app_version_are_fine() {
        let values = "image:\n  repository: nginx\n  tag: \"\"\nworker:\n  image:\n    repository: acme/worker\n";
        let by_path = "image: {{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\nworker: {{ .Values.worker.image.repository }}:{{ coalesce .Values.worker.image.tag .Chart.AppVersion }}\n";
        let c = chart(CHART_YAML, Some(values), &[("deployment.yaml", by_path)]);
        assert!(run(&ValuesImageTagMutable, &c).is_empty());
        // Only the first image's tag is defaulted: the worker is still reported.
        let one =
            "image: {{ .Values.image.repository }}:{{ or .Values.image.tag .Chart.AppVersion }}\n";
        let c = chart(CHART_YAML, Some(values), &[("deployment.yaml", one)]);
        let found = run(&ValuesImageTagMutable, &c);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`worker.image`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn quiet_on_pinned_images() {
        let values = "image:\n  repository: nginx\n  tag: \"1.27.3\"\n  pullPolicy: IfNotPresent\nrelay:\n  image:\n    repository: acme/relay\n    digest: sha256:abc\njob:\n  image: busybox:1.36\nhelm:\n  repository: https://charts.example.com\nimageTemplate: \"{{ .Values.image.repository }}\"\n";
        assert!(
            run(
                &ValuesImageTagMutable,
                &chart(CHART_YAML, Some(values), &[])
            )
            .is_empty()
        );
    }

    #[test]
    fn tags_of_image_strings() {
        assert_eq!(string_tag("nginx"), Ok(None));
        assert_eq!(string_tag("nginx:1.27"), Ok(Some("1.27")));
        assert_eq!(string_tag("localhost:5000/nginx"), Ok(None));
        assert_eq!(string_tag("localhost:5000/nginx:"), Ok(Some("")));
        assert_eq!(string_tag("nginx@sha256:00"), Err(()));
    }
}
