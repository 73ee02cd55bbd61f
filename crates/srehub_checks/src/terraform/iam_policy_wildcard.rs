use srehub_core::{Check, Findings, Severity};
use srehub_model::terraform::{Block, Pos, Value};

use super::TfInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Identity policies that allow every action on every resource, or whole services.
    ///
    /// AWS: `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_user_policy`, `aws_iam_group_policy` and the
    /// `inline_policy` of `aws_iam_role` (the `policy` JSON, written with `jsonencode(…)`, a heredoc or a
    /// string, through variables and locals), and `data "aws_iam_policy_document"` statements. An `Allow`
    /// statement (the default effect) with action `*` on resource `*` is critical; a service wildcard
    /// (`s3:*`) on resource `*` is a warning. Google: `google_project_iam_member`/`_binding` (and the
    /// folder and organization ones) granting the primitive roles `roles/owner` or `roles/editor`: a
    /// warning for any member, critical for `allUsers` or `allAuthenticatedUsers`. Azure:
    /// `azurerm_role_definition` with `*` among its `permissions` `actions`.
    ///
    /// ## Why it matters
    /// A wildcard policy turns any compromise of the identity that holds it (a leaked key, a vulnerable
    /// pod, a CI job) into a compromise of the whole account or project, including the power to create new
    /// credentials and erase traces. Least privilege limits the blast radius.
    ///
    /// ## How to fix
    /// List the actions the workload needs (AWS IAM Access Analyzer and Google's IAM recommender generate
    /// them from observed use) and scope resources to ARNs or names. Replace primitive Google roles with
    /// predefined or custom roles.
    TF005 IamPolicyWildcard { name: "iam-policy-wildcard", severity: Critical, category: Security, group: "terraform" }
}

const AWS_POLICIES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
];

const GOOGLE_BINDINGS: &[&str] = &[
    "google_project_iam_member",
    "google_project_iam_binding",
    "google_folder_iam_member",
    "google_folder_iam_binding",
    "google_organization_iam_member",
    "google_organization_iam_binding",
];

const PRIMITIVE_ROLES: &[&str] = &["roles/owner", "roles/editor"];
const PUBLIC_MEMBERS: &[&str] = &["allUsers", "allAuthenticatedUsers"];

/// What an allow statement grants on `*`: every action, or whole services.
enum Grant {
    Everything,
    Services(Vec<String>),
}

/// Judges one statement from its effect, actions and resources.
fn judge(effect: Option<&str>, actions: &[&str], resources: &[&str]) -> Option<Grant> {
    if !effect.unwrap_or("Allow").eq_ignore_ascii_case("allow") || !resources.contains(&"*") {
        return None;
    }
    if actions.contains(&"*") {
        return Some(Grant::Everything);
    }
    let services: Vec<String> = actions
        .iter()
        .filter(|a| {
            a.strip_suffix(":*").is_some_and(|svc| {
                !svc.is_empty()
                    && svc
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
        })
        .map(|a| a.to_string())
        .collect();
    (!services.is_empty()).then_some(Grant::Services(services))
}

/// The strings of a JSON string-or-array field.
fn json_strings(v: Option<&serde_json::Value>) -> Vec<&str> {
    match v {
        Some(serde_json::Value::String(s)) => vec![s.as_str()],
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(serde_json::Value::as_str).collect()
        }
        _ => Vec::new(),
    }
}

/// The grants of a policy document's JSON text.
fn policy_grants(json: &str) -> Vec<Grant> {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    let statements: Vec<&serde_json::Value> = match doc.get("Statement") {
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        Some(s @ serde_json::Value::Object(_)) => vec![s],
        _ => return Vec::new(),
    };
    statements
        .into_iter()
        .filter_map(|s| {
            judge(
                s.get("Effect").and_then(serde_json::Value::as_str),
                &json_strings(s.get("Action")),
                &json_strings(s.get("Resource")),
            )
        })
        .collect()
}

impl IamPolicyWildcard {
    fn push(
        input: &TfInput<'_>,
        out: &mut Findings,
        block: &Block,
        pos: Pos,
        what: &str,
        grant: Grant,
    ) {
        let addr = block.address();
        let hint = if block.label(0).starts_with("azurerm_") {
            "List the actions needed in `permissions.actions`"
        } else {
            "List the actions needed and scope `Resource` to specific ARNs"
        };
        let (severity, message) = match grant {
            Grant::Everything => (
                Severity::Critical,
                format!("`{addr}` {what} allows every action (`*`) on every resource"),
            ),
            Grant::Services(s) => (
                Severity::Warning,
                format!(
                    "`{addr}` {what} allows every action of a service ({}) on every resource",
                    s.iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        };
        out.push(
            input
                .at(&Self::META, block, pos, message)
                .severity(severity)
                .hint(hint),
        );
    }
}

impl Check<TfInput<'_>> for IamPolicyWildcard {
    fn run(&self, input: &TfInput<'_>, out: &mut Findings) {
        for b in input.module.blocks() {
            let ty = b.label(0);
            if b.kind == "data" && ty == "aws_iam_policy_document" {
                for st in b.blocks_of("statement") {
                    let effect = input.value(st, "effect");
                    if matches!(effect, Some(Value::Unknown)) {
                        continue;
                    }
                    let actions = input.value(st, "actions").unwrap_or(Value::Unknown);
                    let resources = input.value(st, "resources").unwrap_or(Value::Unknown);
                    let grant = judge(
                        effect.as_ref().and_then(Value::as_str),
                        &actions.strings(),
                        &resources.strings(),
                    );
                    if let Some(grant) = grant {
                        let pos = TfInput::pos_of(st, "actions");
                        Self::push(input, out, b, pos, "has a statement that", grant);
                    }
                }
                continue;
            }
            if b.kind != "resource" {
                continue;
            }
            if AWS_POLICIES.contains(&ty) {
                if let Some(Value::String(json)) = input.value(b, "policy") {
                    for grant in policy_grants(&json) {
                        let pos = TfInput::pos_of(b, "policy");
                        Self::push(input, out, b, pos, "policy", grant);
                    }
                }
            } else if ty == "aws_iam_role" {
                for inline in b.blocks_of("inline_policy") {
                    if let Some(Value::String(json)) = input.value(inline, "policy") {
                        for grant in policy_grants(&json) {
                            let pos = TfInput::pos_of(inline, "policy");
                            Self::push(input, out, b, pos, "inline policy", grant);
                        }
                    }
                }
            } else if GOOGLE_BINDINGS.contains(&ty) {
                let Some(role) = input.string(b, "role") else {
                    continue;
                };
                if !PRIMITIVE_ROLES.contains(&role.as_str()) {
                    continue;
                }
                let (attr, members) = match (input.value(b, "member"), input.value(b, "members")) {
                    (Some(m), _) => ("member", m),
                    (None, Some(m)) => ("members", m),
                    (None, None) => continue,
                };
                let public = members
                    .strings()
                    .into_iter()
                    .find(|m| PUBLIC_MEMBERS.contains(m));
                let addr = b.address();
                let (severity, message) = match public {
                    Some(m) => (
                        Severity::Critical,
                        format!("`{addr}` grants the primitive role `{role}` to `{m}`"),
                    ),
                    None => (
                        Severity::Warning,
                        format!("`{addr}` grants the primitive role `{role}`"),
                    ),
                };
                out.push(
                    input
                        .at(&Self::META, b, TfInput::pos_of(b, attr), message)
                        .severity(severity)
                        .hint("Grant a predefined or custom role with only the permissions needed"),
                );
            } else if ty == "azurerm_role_definition" {
                for perms in b.blocks_of("permissions") {
                    let Some(actions) = input.value(perms, "actions") else {
                        continue;
                    };
                    if actions.strings().contains(&"*") {
                        Self::push(
                            input,
                            out,
                            b,
                            TfInput::pos_of(perms, "actions"),
                            "role",
                            Grant::Everything,
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::testing::{positions, run};

    const WILD: &str = r#"
locals {
  admin = {
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  }
}

resource "aws_iam_policy" "admin" {
  name   = "admin"
  policy = jsonencode(local.admin)
}

resource "aws_iam_role_policy" "s3" {
  role   = "app"
  policy = <<-EOF
    {
      "Version": "2012-10-17",
      "Statement": {"Action": ["s3:*", "sqs:SendMessage"], "Resource": "*"}
    }
    EOF
}

resource "aws_iam_role" "app" {
  name = "app"
  inline_policy {
    name   = "all"
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["*"], Resource = ["*"] }] })
  }
}

data "aws_iam_policy_document" "doc" {
  statement {
    actions   = ["ec2:*"]
    resources = ["*"]
  }
}

resource "google_project_iam_member" "owner" {
  project = "p"
  role    = "roles/owner"
  member  = "allUsers"
}

resource "google_project_iam_binding" "editors" {
  project = "p"
  role    = "roles/editor"
  members = ["user:a@example.com"]
}

resource "azurerm_role_definition" "god" {
  name  = "god"
  scope = "/subscriptions/x"
  permissions {
    actions = ["*"]
  }
}
"#;

    #[test]
    fn triggers_on_wildcards() {
        let found = run(&IamPolicyWildcard, WILD);
        assert_eq!(found.len(), 7, "{found:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn severities_and_positions() {
        let found = run(&IamPolicyWildcard, WILD);
        let sev: Vec<Severity> = found.iter().map(|f| f.severity).collect();
        assert_eq!(
            sev,
            [
                Severity::Critical,
                Severity::Warning,
                Severity::Critical,
                Severity::Warning,
                Severity::Critical,
                Severity::Warning,
                Severity::Critical
            ]
        );
        // `policy = jsonencode(local.admin)`, then the heredoc policy.
        assert_eq!(positions(&found)[..2], [(15, 3), (20, 3)]);
    }

    #[test]
    fn quiet_on_scoped_policies() {
        let text = r#"
variable "policy" {}

resource "aws_iam_policy" "scoped" {
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::b/*"] },
      { Effect = "Deny", Action = "*", Resource = "*" },
      { Effect = "Allow", Action = "s3:*", Resource = "arn:aws:s3:::b" },
    ]
  })
}

resource "aws_iam_policy" "unknown" {
  policy = var.policy
}

resource "aws_iam_policy" "from_doc" {
  policy = data.aws_iam_policy_document.doc.json
}

data "aws_iam_policy_document" "doc" {
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
  }
  statement {
    actions   = ["s3:Get*"]
    resources = ["*"]
  }
}

resource "google_project_iam_member" "viewer" {
  role   = "roles/viewer"
  member = "user:a@example.com"
}

resource "azurerm_role_definition" "reader" {
  permissions {
    actions = ["Microsoft.Storage/*/read"]
  }
}
"#;
        assert_eq!(run(&IamPolicyWildcard, text), vec![]);
    }
}
