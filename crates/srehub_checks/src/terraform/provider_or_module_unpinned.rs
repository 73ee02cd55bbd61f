use srehub_core::{Check, Findings, Resource, Severity};
use srehub_model::terraform::{Block, Pos, Value};

use super::TfInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Providers and modules whose version is not pinned.
    ///
    /// Providers: an entry of `terraform { required_providers { … } }` without a `version` constraint.
    /// Modules: a `module` block with a registry `source` (`terraform-aws-modules/vpc/aws`,
    /// `app.terraform.io/org/name/aws`) without `version`, or a Git source (`git::https://…`,
    /// `github.com/…`, `git@…`) without `?ref=`. Local paths and archives are not checked.
    ///
    /// A constraint with a lower bound only (`>= 1.0`, `> 2.3`) is reported at severity info: it pins
    /// nothing against the next major version.
    ///
    /// ## Why it matters
    /// Without a constraint, `terraform init -upgrade` (or a fresh clone without a lock file) takes the
    /// newest release, and a new major version of a provider or module can change or destroy resources on
    /// the next apply. Git sources without a ref follow the default branch: whatever was merged last is
    /// what runs.
    ///
    /// ## How to fix
    /// Add `version = "~> 5.0"` (a pessimistic constraint: patches and minors, not the next major) to each
    /// `required_providers` entry and registry module, commit `.terraform.lock.hcl`, and pin Git sources to
    /// a tag or commit: `git::https://example.com/vpc.git?ref=v1.2.0`.
    TF007 ProviderOrModuleUnpinned { name: "provider-or-module-unpinned", severity: Warning, category: Reliability, group: "terraform" }
}

/// How a version constraint pins.
#[derive(Debug, PartialEq, Eq)]
enum Pin {
    /// Has an upper bound (`~>`, `<`, `<=`, `=`, or an exact version).
    Bounded,
    /// Only lower bounds or exclusions (`>=`, `>`, `!=`).
    LowerOnly,
    Empty,
}

fn pin(constraint: &str) -> Pin {
    let parts: Vec<&str> = constraint
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return Pin::Empty;
    }
    let bounded = parts
        .iter()
        .any(|p| !(p.starts_with(">=") || p.starts_with('>') || p.starts_with("!=")));
    if bounded {
        Pin::Bounded
    } else {
        Pin::LowerOnly
    }
}

/// What kind of module source a string is.
#[derive(Debug, PartialEq, Eq)]
enum Source {
    Registry,
    Git,
    Other,
}

fn source_kind(source: &str) -> Source {
    let s = source.trim();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("git::")
        || lower.starts_with("git@")
        || lower.starts_with("github.com/")
        || lower.starts_with("bitbucket.org/")
        || (lower.starts_with("https://")
            && lower.split('?').next().is_some_and(|p| p.ends_with(".git")))
    {
        return Source::Git;
    }
    if s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('/')
        || s.contains("::")
        || s.contains("://")
    {
        return Source::Other;
    }
    // `namespace/name/provider` or `host/namespace/name/provider`, optionally with `//subdir`.
    let address = s.split("//").next().unwrap_or(s);
    let parts: Vec<&str> = address.split('/').collect();
    let ok_part = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    match parts.as_slice() {
        [_, _, _] if parts.iter().all(ok_part) => Source::Registry,
        [host, rest @ ..] if rest.len() == 3 && host.contains('.') && rest.iter().all(ok_part) => {
            Source::Registry
        }
        _ => Source::Other,
    }
}

impl ProviderOrModuleUnpinned {
    fn finding(
        input: &TfInput<'_>,
        block: &Block,
        pos: Pos,
        resource: Resource,
        severity: Severity,
        message: String,
        hint: &str,
    ) -> srehub_core::Finding {
        input
            .at(&Self::META, block, pos, message)
            .resource(resource)
            .severity(severity)
            .hint(hint)
    }
}

impl Check<TfInput<'_>> for ProviderOrModuleUnpinned {
    fn run(&self, input: &TfInput<'_>, out: &mut Findings) {
        for b in input.module.blocks() {
            match b.kind.as_str() {
                "terraform" => {
                    for rp in b.blocks_of("required_providers") {
                        for attr in &rp.attrs {
                            let name = &attr.name;
                            let res = Resource::new("provider", name.clone());
                            let version = match input.module.eval(&attr.expr) {
                                // Legacy form: `aws = "~> 5.0"`.
                                Value::String(v) => Some(Value::String(v)),
                                Value::Object(map) => map.get("version").cloned(),
                                _ => continue,
                            };
                            match version {
                                None | Some(Value::Null) => out.push(Self::finding(
                                    input,
                                    b,
                                    attr.pos,
                                    res,
                                    Severity::Warning,
                                    format!("provider `{name}` has no version constraint"),
                                    "Add `version = \"~> X.Y\"` to its `required_providers` entry",
                                )),
                                Some(Value::String(v)) => match pin(&v) {
                                    Pin::Bounded => {}
                                    Pin::Empty => out.push(Self::finding(
                                        input,
                                        b,
                                        attr.pos,
                                        res,
                                        Severity::Warning,
                                        format!(
                                            "provider `{name}` has an empty version constraint"
                                        ),
                                        "Set `version = \"~> X.Y\"`",
                                    )),
                                    Pin::LowerOnly => out.push(Self::finding(
                                        input,
                                        b,
                                        attr.pos,
                                        res,
                                        Severity::Info,
                                        format!(
                                            "provider `{name}` version `{v}` has no upper bound"
                                        ),
                                        "Use a pessimistic constraint such as `~> X.Y`",
                                    )),
                                },
                                Some(_) => {}
                            }
                        }
                    }
                }
                "module" => {
                    let Some(source) = input.string(b, "source") else {
                        continue;
                    };
                    let name = b.label(0);
                    let res = Resource::new("module", name);
                    match source_kind(&source) {
                        Source::Registry => match input.value(b, "version") {
                            None | Some(Value::Null) => out.push(Self::finding(
                                input,
                                b,
                                TfInput::pos_of(b, "source"),
                                res,
                                Severity::Warning,
                                format!("module `{name}` uses registry source `{source}` without `version`"),
                                "Add `version = \"~> X.Y\"`",
                            )),
                            Some(Value::String(v)) => {
                                let (severity, message) = match pin(&v) {
                                    Pin::Bounded => continue,
                                    Pin::Empty => (
                                        Severity::Warning,
                                        format!("module `{name}` has an empty version constraint"),
                                    ),
                                    Pin::LowerOnly => (
                                        Severity::Info,
                                        format!("module `{name}` version `{v}` has no upper bound"),
                                    ),
                                };
                                out.push(Self::finding(
                                    input,
                                    b,
                                    TfInput::pos_of(b, "version"),
                                    res,
                                    severity,
                                    message,
                                    "Use a pessimistic constraint such as `~> X.Y`",
                                ));
                            }
                            Some(_) => {}
                        },
                        Source::Git => {
                            let query = source.split_once('?').map_or("", |(_, q)| q);
                            let has_ref = query
                                .split('&')
                                .any(|kv| kv.strip_prefix("ref=").is_some_and(|r| !r.is_empty()));
                            if !has_ref {
                                out.push(Self::finding(
                                    input,
                                    b,
                                    TfInput::pos_of(b, "source"),
                                    res,
                                    Severity::Warning,
                                    format!("module `{name}` uses Git source `{source}` without `?ref=`"),
                                    "Pin it to a tag or commit with `?ref=`",
                                ));
                            }
                        }
                        Source::Other => {}
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::testing::{positions, run};

    const UNPINNED: &str = r#"
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0"
    }
    random = "~> 3.6"
  }
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws//modules/karpenter"
  version = ">= 20.0"
}

module "net" {
  source = "git::https://example.com/network.git"
}

module "gh" {
  source = "github.com/acme/terraform-modules//dns"
}
"#;

    #[test]
    fn triggers_on_unpinned_providers_and_modules() {
        let found = run(&ProviderOrModuleUnpinned, UNPINNED);
        assert_eq!(found.len(), 6, "{found:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn severities_and_positions() {
        let found = run(&ProviderOrModuleUnpinned, UNPINNED);
        let sev: Vec<Severity> = found.iter().map(|f| f.severity).collect();
        assert_eq!(
            sev,
            [
                Severity::Warning,
                Severity::Info,
                Severity::Warning,
                Severity::Info,
                Severity::Warning,
                Severity::Warning
            ]
        );
        // The `aws = {…}` entry, then `google = {…}`.
        assert_eq!(positions(&found)[..2], [(5, 5), (8, 5)]);
    }

    #[test]
    fn quiet_on_pinned_sources() {
        let text = r#"
variable "vpc_version" {
  default = "5.1.0"
}

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0, < 7.0"
    }
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = var.vpc_version
}

module "private" {
  source  = "app.terraform.io/acme/network/aws"
  version = "1.2.3"
}

module "local" {
  source = "./modules/db"
}

module "net" {
  source = "git::https://example.com/network.git?ref=v1.2.0"
}

module "s3" {
  source = "s3::https://s3-eu-west-1.amazonaws.com/bucket/vpc.zip"
}
"#;
        assert_eq!(run(&ProviderOrModuleUnpinned, text), vec![]);
    }

    #[test]
    fn source_kinds() {
        assert_eq!(source_kind("hashicorp/consul/aws"), Source::Registry);
        assert_eq!(source_kind("app.terraform.io/a/b/aws"), Source::Registry);
        assert_eq!(source_kind("a/b/aws//sub/dir"), Source::Registry);
        assert_eq!(source_kind("github.com/a/b"), Source::Git);
        assert_eq!(source_kind("git@github.com:a/b.git"), Source::Git);
        assert_eq!(source_kind("https://example.com/a.git?ref=x"), Source::Git);
        assert_eq!(source_kind("../x"), Source::Other);
        assert_eq!(source_kind("https://example.com/a.zip"), Source::Other);
        assert_eq!(pin("~> 5.0"), Pin::Bounded);
        assert_eq!(pin("1.2.3"), Pin::Bounded);
        assert_eq!(pin(">= 1.0, != 1.5"), Pin::LowerOnly);
        assert_eq!(pin(" "), Pin::Empty);
    }
}
