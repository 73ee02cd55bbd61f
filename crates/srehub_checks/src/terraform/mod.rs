//! Terraform checks of `srehub lint` (group `terraform`), over a [`TfModule`]: every `.tf` file of one
//! directory, with variable defaults and locals resolved where the module alone tells.
//!
//! Checks evaluate attributes with [`TfModule::eval`]; a [`Value::Unknown`] (a resource attribute, a data
//! source, a variable without a default, …) means "cannot tell", and they stay quiet on it.

mod admin_port_open_to_internet;
mod database_or_cluster_public_endpoint;
mod hard_coded_secret;
mod iam_policy_wildcard;
mod provider_or_module_unpinned;
mod storage_bucket_public;
mod storage_unencrypted;

pub use admin_port_open_to_internet::AdminPortOpenToInternet;
pub use database_or_cluster_public_endpoint::DatabaseOrClusterPublicEndpoint;
pub use hard_coded_secret::HardCodedSecret;
pub use iam_policy_wildcard::IamPolicyWildcard;
pub use provider_or_module_unpinned::ProviderOrModuleUnpinned;
pub use storage_bucket_public::StorageBucketPublic;
pub use storage_unencrypted::StorageUnencrypted;

use srehub_core::{Check, CheckMeta, Finding, Location, Resource};
use srehub_model::terraform::{Block, Pos, TfModule, Value};

/// What every Terraform check reads.
pub struct TfInput<'a> {
    pub module: &'a TfModule,
}

/// A boolean setting as far as the module tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// The attribute is not set.
    Absent,
    True,
    False,
    /// Set, but to something the module alone does not resolve.
    Unknown,
}

impl<'a> TfInput<'a> {
    /// A finding of `meta` about `block` (a resource, data source, module, provider or variable), at
    /// `pos` in the block's file.
    pub fn at(
        &self,
        meta: &CheckMeta,
        block: &Block,
        pos: Pos,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(meta, message)
            .resource(resource_of(block))
            .location(Location {
                file: block.file.clone(),
                line: Some(pos.line),
                column: Some(pos.column),
            })
    }

    /// The value of `block`'s attribute `name`, `None` when not set.
    pub fn value(&self, block: &Block, name: &str) -> Option<Value> {
        self.module.eval_attr(block, name)
    }

    /// A boolean attribute.
    pub fn flag(&self, block: &Block, name: &str) -> Flag {
        match self.value(block, name) {
            None => Flag::Absent,
            Some(v) => match v.as_bool() {
                Some(true) => Flag::True,
                Some(false) => Flag::False,
                None if v == Value::Null => Flag::Absent,
                None => Flag::Unknown,
            },
        }
    }

    /// A string attribute, when set and known.
    pub fn string(&self, block: &Block, name: &str) -> Option<String> {
        match self.value(block, name)? {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Where attribute `name` of `block` is, or the block itself when it is not set.
    pub fn pos_of(block: &Block, name: &str) -> Pos {
        block.attr(name).map_or(block.pos, |a| a.pos)
    }

    /// The resources of one of `types`, in file order.
    pub fn resources<'s>(&'s self, types: &'s [&'s str]) -> impl Iterator<Item = &'a Block> + 's {
        self.module
            .blocks()
            .filter(move |b| b.kind == "resource" && types.contains(&b.label(0)))
    }
}

/// The [`Resource`] a finding about a block names: `aws_security_group/web`, `data.aws_iam_policy_document/p`,
/// `module/vpc`, `provider/aws`, `variable/db_password`.
pub fn resource_of(block: &Block) -> Resource {
    match block.kind.as_str() {
        "resource" => Resource::new(block.label(0), block.label(1)),
        "data" => Resource::new(format!("data.{}", block.label(0)), block.label(1)),
        kind => Resource::new(kind, block.label(0)),
    }
}

/// A Terraform check, for any lifetime of its input.
pub type TfCheck = dyn for<'a> Check<TfInput<'a>>;

/// The Terraform checks.
pub const CHECKS: &[&TfCheck] = &[
    &AdminPortOpenToInternet,
    &StorageBucketPublic,
    &StorageUnencrypted,
    &DatabaseOrClusterPublicEndpoint,
    &IamPolicyWildcard,
    &HardCodedSecret,
    &ProviderOrModuleUnpinned,
];

/// Whether a CIDR or address prefix means "anywhere" (`0.0.0.0/0`, `::/0`, Azure's `*`, `Internet`,
/// `Any`).
pub(crate) fn is_anywhere(source: &str) -> bool {
    let s = source.trim();
    matches!(s, "0.0.0.0/0" | "::/0" | "0.0.0.0" | "*" | "::0/0")
        || s.eq_ignore_ascii_case("internet")
        || s.eq_ignore_ascii_case("any")
}

/// The first `chars` characters of a string then `…`: enough to recognise a value, never all of it.
pub(crate) fn preview(s: &str, chars: usize) -> String {
    let mut out: String = s.chars().take(chars).collect();
    out.push('…');
    out
}

#[cfg(test)]
pub(crate) mod testing {
    use srehub_core::{Finding, Findings};
    use srehub_model::terraform::{TfModule, parse_file};

    use super::{TfCheck, TfInput};

    /// A module of `(path, text)` files.
    pub fn module(files: &[(&str, &str)]) -> TfModule {
        TfModule::new(
            files
                .iter()
                .map(|(path, text)| parse_file(text, path).expect("test Terraform parses"))
                .collect(),
        )
    }

    /// Runs one check over a module.
    pub fn run_module(check: &TfCheck, module: &TfModule) -> Vec<Finding> {
        let mut out = Findings::new();
        check.run(&TfInput { module }, &mut out);
        out.into_vec()
    }

    /// Runs one check over one file, `main.tf`.
    pub fn run(check: &TfCheck, text: &str) -> Vec<Finding> {
        run_module(check, &module(&[("main.tf", text)]))
    }

    /// The `(line, column)` of each finding, in order.
    pub fn positions(found: &[Finding]) -> Vec<(u32, u32)> {
        found
            .iter()
            .filter_map(|f| {
                let l = f.location.as_ref()?;
                Some((l.line?, l.column?))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{module, run_module};
    use super::{CHECKS, is_anywhere, preview};

    /// Values of every wrong type and size where the checks expect ports, CIDRs, JSON and versions.
    const ODD: &str = r#"
variable "p" {
  default = 1e30
}
locals {
  loop = local.loop
  deep = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]"
}
resource {}
resource "aws_security_group" {}
resource "aws_security_group" "a" {
  ingress {
    from_port   = var.p
    to_port     = -5
    protocol    = 6
    cidr_blocks = "0.0.0.0/0"
  }
  ingress {
    from_port   = "é"
    to_port     = local.loop
    protocol    = ["tcp"]
    cidr_blocks = [["0.0.0.0/0"], { a = 1 }, null]
  }
  dynamic "ingress" {
    for_each = [1]
    content {
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
resource "google_compute_firewall" "f" {
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["99999999999999999999-1", "-", "é-é", 22.5, null, "65535-0"]
  }
}
resource "azurerm_network_security_rule" "r" {
  direction                = "Inbound"
  access                   = "Allow"
  protocol                 = "Tcp"
  source_address_prefixes  = []
  destination_port_range   = "1-"
}
resource "aws_iam_policy" "p" {
  policy = local.deep
}
resource "aws_iam_policy" "q" {
  policy = jsonencode({ Statement = "*" })
}
resource "aws_db_instance" "d" {
  password          = "é"
  storage_encrypted = "maybe"
  tags              = { token = ["é"], "" = 1 }
  user_data         = "éAKIAIOSFODNN7EXAMPLEé ASIA"
}
module "m" {
  source  = ""
  version = ""
}
module "n" {
  source = "a/b/c"
  version = ","
}
terraform {
  required_providers {
    x = 1
    y = { version = null }
    z = { version = local.loop }
  }
}
"#;

    #[test]
    fn checks_survive_odd_values() {
        let m = module(&[("odd.tf", ODD)]);
        for check in CHECKS {
            for f in run_module(*check, &m) {
                let loc = f.location.expect("findings have locations");
                assert!(loc.line.unwrap_or(0) >= 1 && loc.column.unwrap_or(0) >= 1);
            }
        }
    }

    #[test]
    fn helpers() {
        assert!(is_anywhere(" 0.0.0.0/0 ") && is_anywhere("Internet") && is_anywhere("::/0"));
        assert!(!is_anywhere("10.0.0.0/8") && !is_anywhere("VirtualNetwork"));
        assert_eq!(preview("ébc", 2), "éb…");
        assert_eq!(preview("", 2), "…");
    }
}
