use std::collections::BTreeSet;

use srehub_core::{Check, Findings, Location, Resource};
use srehub_model::terraform::{Attr, Block, Expr, Step, TemplatePart, TfModule};

use super::{TfInput, preview, resource_of};

srehub_core::declare_check! {
    /// ## What it checks
    /// Secrets written into the configuration: a literal string (not a reference to a variable, a data
    /// source or a resource) for an argument named like a secret (`password`, `master_password`,
    /// `admin_password`, `secret_key`, `access_key`, `client_secret`, `token`, `api_key`, `private_key`,
    /// `secret_string`, and names ending in `_password`, `_token`, `_secret`, …) in a resource, data source,
    /// provider or module block, including keys of object values (`environment = { API_KEY = "…" }`); and
    /// any string that contains an AWS access key id (`AKIA…` or `ASIA…`).
    ///
    /// A variable whose default is used for such an argument counts as hard-coded and is reported at its
    /// `default`; so is a local holding a literal. Messages show the first two characters of the value
    /// only.
    ///
    /// ## Why it matters
    /// Terraform files live in version control, are copied into CI logs, plan files and every clone of the
    /// repository: a secret written there is readable by everyone with access to any of them, forever (it
    /// stays in the history after it is removed), and cannot be rotated without a commit.
    ///
    /// ## How to fix
    /// Read the secret from a secret store (`data "aws_secretsmanager_secret_version"`, Vault, Key Vault,
    /// Secret Manager), generate it (`random_password`, RDS `manage_master_user_password`), or pass it in
    /// through a variable without a default marked `sensitive = true`. Then rotate the exposed secret.
    TF006 HardCodedSecret { name: "hard-coded-secret", severity: Critical, category: Security, group: "terraform" }
}

/// Argument names (or suffixes after `_`) that hold secrets.
const SECRET_NAMES: &[&str] = &[
    "password",
    "passwd",
    "secret_key",
    "access_key",
    "client_secret",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "secret_string",
];

/// Block kinds whose arguments are checked by name.
const SCANNED: &[&str] = &["resource", "data", "provider", "module"];

/// Functions that pass a literal through unchanged in substance.
const PASS_THROUGH: &[&str] = &[
    "sensitive",
    "nonsensitive",
    "tostring",
    "trimspace",
    "base64encode",
];

/// How deep `local.` and function chains are followed.
const MAX_DEPTH: usize = 16;

fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let n = lower.strip_suffix("_wo").unwrap_or(&lower);
    SECRET_NAMES.iter().any(|s| {
        n == *s
            || n.strip_suffix(s)
                .is_some_and(|rest| rest.ends_with('_') || rest.ends_with('-'))
    })
}

/// Where a literal secret is written.
enum Site<'m> {
    /// In the expression itself.
    Here,
    /// The `default` of a variable.
    Variable(&'m Block, &'m Attr),
    /// A local.
    Local(&'m Attr),
}

/// The literal string an expression amounts to, and where it is written.
fn literal<'m>(module: &'m TfModule, expr: &Expr, depth: usize) -> Option<(Site<'m>, String)> {
    if depth > MAX_DEPTH {
        return None;
    }
    match expr {
        Expr::String(s) => Some((Site::Here, s.clone())),
        Expr::Heredoc(parts) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    TemplatePart::Literal(s) => out.push_str(s),
                    _ => return None,
                }
            }
            Some((Site::Here, out))
        }
        Expr::Traversal { base, steps } => {
            let (Expr::Variable(root), [Step::Attr(name)]) = (base.as_ref(), steps.as_slice())
            else {
                return None;
            };
            match root.as_str() {
                "var" => {
                    let var = module.variable(name)?;
                    let default = var.attr("default")?;
                    match literal(module, &default.expr, depth + 1)? {
                        (Site::Here, s) => Some((Site::Variable(var, default), s)),
                        _ => None,
                    }
                }
                "local" => {
                    let attr = module.local(name)?;
                    match literal(module, &attr.expr, depth + 1)? {
                        (Site::Here, s) => Some((Site::Local(attr), s)),
                        deeper => Some(deeper),
                    }
                }
                _ => None,
            }
        }
        Expr::Call {
            name,
            args,
            expand_final: false,
        } if PASS_THROUGH.contains(&name.as_str()) && args.len() == 1 => {
            literal(module, args.first()?, depth + 1)
        }
        _ => None,
    }
}

/// Whether `s` contains an AWS access key id: `AKIA` or `ASIA` and 16 upper-case letters or digits, not
/// inside a longer word.
fn has_aws_key_id(s: &str) -> bool {
    let b = s.as_bytes();
    let key_char = |c: u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    (0..b.len().saturating_sub(19)).any(|i| {
        let Some(window) = b.get(i..i + 20) else {
            return false;
        };
        (window.starts_with(b"AKIA") || window.starts_with(b"ASIA"))
            && window.iter().all(|c| key_char(*c))
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + 20).is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

struct Scan<'i, 'a> {
    input: &'i TfInput<'a>,
    out: &'i mut Findings,
    /// (file, line, column) already reported.
    seen: BTreeSet<(String, u32, u32)>,
}

impl Scan<'_, '_> {
    fn report(&mut self, file: &str, attr: &Attr, resource: Resource, message: String) {
        let key = (file.to_string(), attr.pos.line, attr.pos.column);
        if !self.seen.insert(key) {
            return;
        }
        self.out.push(
            srehub_core::Finding::new(&HardCodedSecret::META, message)
                .resource(resource)
                .location(Location {
                    file: file.to_string(),
                    line: Some(attr.pos.line),
                    column: Some(attr.pos.column),
                })
                .hint("Read it from a secret store or a `sensitive` variable without a default, then rotate it"),
        );
    }

    /// A secret-named argument (or object key) `name` of `top`'s `attr` with value `expr`.
    fn named(&mut self, top: &Block, attr: &Attr, name: &str, expr: &Expr) {
        let module = self.input.module;
        let Some((site, value)) = literal(module, expr, 0) else {
            return;
        };
        if value.trim().is_empty() {
            return;
        }
        let shown = preview(&value, 2);
        let addr = top.address();
        match site {
            Site::Here => self.report(
                &top.file,
                attr,
                resource_of(top),
                format!("`{addr}` sets `{name}` to a literal ({shown})"),
            ),
            Site::Variable(var, default) => self.report(
                &var.file,
                default,
                resource_of(var),
                format!(
                    "variable `{}` has a literal default ({shown}) used for `{name}` of `{addr}`",
                    var.label(0)
                ),
            ),
            Site::Local(local) => {
                let Some(block) = module
                    .blocks()
                    .find(|b| b.kind == "locals" && b.attrs.iter().any(|a| std::ptr::eq(a, local)))
                else {
                    return;
                };
                self.report(
                    &block.file,
                    local,
                    Resource::new("local", local.name.clone()),
                    format!(
                        "local `{}` is a literal ({shown}) used for `{name}` of `{addr}`",
                        local.name
                    ),
                );
            }
        }
    }

    /// Checks the arguments of `block` (nested in `top`) by name, recursively.
    fn block(&mut self, top: &Block, block: &Block) {
        for attr in &block.attrs {
            if is_secret_name(&attr.name) {
                self.named(top, attr, &attr.name, &attr.expr);
            }
            let mut keyed = Vec::new();
            attr.expr.walk(&mut |e| {
                if let Expr::Object(items) = e {
                    for item in items {
                        if let Expr::String(key) = &item.key
                            && is_secret_name(key)
                        {
                            keyed.push((key.as_str(), &item.value));
                        }
                    }
                }
            });
            for (key, value) in keyed {
                self.named(top, attr, key, value);
            }
        }
        for nested in &block.blocks {
            self.block(top, nested);
        }
    }

    /// Looks for AWS access key ids in every string of `block`, recursively.
    fn key_ids(&mut self, top: &Block, block: &Block) {
        for attr in &block.attrs {
            if let Some(hit) = attr
                .expr
                .string_literals()
                .into_iter()
                .find(|s| has_aws_key_id(s))
            {
                let start = hit
                    .find("AKIA")
                    .into_iter()
                    .chain(hit.find("ASIA"))
                    .min()
                    .unwrap_or(0);
                let shown = preview(hit.get(start..).unwrap_or(""), 2);
                self.report(
                    &top.file,
                    attr,
                    resource_of(top),
                    format!(
                        "`{}` has an AWS access key id ({shown}) in `{}`",
                        top.address(),
                        attr.name
                    ),
                );
            }
        }
        for nested in &block.blocks {
            self.key_ids(top, nested);
        }
    }
}

impl Check<TfInput<'_>> for HardCodedSecret {
    fn run(&self, input: &TfInput<'_>, out: &mut Findings) {
        let mut scan = Scan {
            input,
            out,
            seen: BTreeSet::new(),
        };
        for b in input.module.blocks() {
            if SCANNED.contains(&b.kind.as_str()) {
                scan.block(b, b);
            }
        }
        for b in input.module.blocks() {
            scan.key_ids(b, b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::testing::{module, positions, run, run_module};

    const SECRETS: &str = r#"
variable "db_password" {
  type      = string
  sensitive = true
  default   = "hunter2hunter2"
}

locals {
  api = "sk_live_abcdef"
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAIOSFODNN7EXAMPLE"
  secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
}

resource "aws_db_instance" "db" {
  username = "admin"
  password = var.db_password
}

resource "aws_lambda_function" "fn" {
  environment {
    variables = {
      API_KEY  = local.api
      LOG_LEVEL = "info"
    }
  }
}

resource "azurerm_linux_virtual_machine" "vm" {
  admin_password = sensitive("P@ssw0rd-P@ssw0rd")
}

resource "aws_instance" "web" {
  user_data = <<-EOT
    export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
    EOT
}
"#;

    #[test]
    fn triggers_on_literal_secrets() {
        let found = run(&HardCodedSecret, SECRETS);
        assert_eq!(found.len(), 6, "{found:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn never_prints_the_secret() {
        let found = run(&HardCodedSecret, SECRETS);
        for f in &found {
            for secret in ["hunter2", "sk_live", "wJalr", "AKIAIOSF", "P@ssw0rd"] {
                assert!(!f.message.contains(secret), "{}", f.message);
            }
        }
    }

    #[test]
    fn variable_default_is_reported_at_the_default() {
        let m = module(&[
            (
                "variables.tf",
                "variable \"db_password\" {\n  default = \"hunter2hunter2\"\n}\n",
            ),
            (
                "db.tf",
                "resource \"aws_db_instance\" \"db\" {\n  password = var.db_password\n}\n",
            ),
        ]);
        let found = run_module(&HardCodedSecret, &m);
        assert_eq!(found.len(), 1);
        assert_eq!(positions(&found), [(2, 3)]);
        let loc = found[0].location.as_ref().unwrap();
        assert_eq!(loc.file, "variables.tf");
        let res = found[0].resource.as_ref().unwrap();
        assert_eq!(
            (res.kind.as_str(), res.name.as_str()),
            ("variable", "db_password")
        );
        assert_eq!(
            found[0].message,
            "variable `db_password` has a literal default (hu…) used for `password` of `aws_db_instance.db`"
        );
    }

    #[test]
    fn quiet_on_references() {
        let text = r#"
variable "db_password" {
  type      = string
  sensitive = true
}

variable "empty" {
  default = ""
}

resource "random_password" "db" {
  length = 32
}

data "aws_secretsmanager_secret_version" "api" {
  secret_id = "api"
}

resource "aws_db_instance" "a" {
  password = var.db_password
}

resource "aws_db_instance" "b" {
  password = random_password.db.result
}

resource "aws_db_instance" "c" {
  password = "${random_password.db.result}"
}

resource "aws_db_instance" "d" {
  password = var.empty
  manage_master_user_password = true
}

resource "aws_lambda_function" "fn" {
  environment {
    variables = {
      API_KEY = data.aws_secretsmanager_secret_version.api.secret_string
    }
  }
}

resource "tls_private_key" "k" {
  algorithm = "ED25519"
}

resource "aws_instance" "i" {
  key_name = "deployer"
  tags = { token_ttl = "1h" }
}
"#;
        assert_eq!(run(&HardCodedSecret, text), vec![]);
    }

    #[test]
    fn names_and_key_ids() {
        for n in [
            "password",
            "master_password",
            "administrator_login_password",
            "auth_token",
            "client_secret",
            "API_KEY",
            "password_wo",
            "ssh_private_key",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "password_length",
            "key_name",
            "token_ttl",
            "public_key",
            "secret_arn",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
        assert!(has_aws_key_id("AKIAIOSFODNN7EXAMPLE"));
        assert!(has_aws_key_id("id=ASIAIOSFODNN7EXAMPLE;"));
        assert!(!has_aws_key_id("XAKIAIOSFODNN7EXAMPLE"));
        assert!(!has_aws_key_id("AKIAIOSFODNN7EXAMPLE1"));
        assert!(!has_aws_key_id("AKIAshort"));
        assert!(!has_aws_key_id("ééééééééééééééééééééééééé"));
    }
}
