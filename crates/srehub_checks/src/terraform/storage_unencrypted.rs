use srehub_core::{Check, Findings};
use srehub_model::terraform::Block;

use super::{Flag, TfInput};

srehub_core::declare_check! {
    /// ## What it checks
    /// Databases, disks and file systems whose data is not encrypted at rest, where the provider's
    /// default is "unencrypted" or the configuration turns encryption off.
    ///
    /// AWS: `aws_db_instance`, `aws_rds_cluster` and `aws_docdb_cluster` without `storage_encrypted =
    /// true`; `aws_ebs_volume` and `aws_efs_file_system` without `encrypted = true`;
    /// `aws_elasticache_replication_group` without `at_rest_encryption_enabled = true`;
    /// `aws_redshift_cluster` without `encrypted = true`. Azure: `azurerm_mssql_database` with
    /// `transparent_data_encryption_enabled = false`. Google disks and Azure disks and storage accounts are
    /// always encrypted and are not checked.
    ///
    /// It stays quiet where encryption is inherited: RDS read replicas (`replicate_source_db`), restores
    /// from snapshots, Aurora instances (encrypted at the cluster), Aurora Serverless v1 clusters (always
    /// encrypted), secondary clusters of a global database, EBS volumes made from a snapshot or in a module
    /// that turns on `aws_ebs_encryption_by_default`.
    ///
    /// ## Why it matters
    /// Unencrypted volumes and snapshots can be read by anyone who gets hold of them: a snapshot shared by
    /// mistake, a decommissioned disk, a backup copied to another account. Encryption cannot be turned on
    /// in place later: the database or volume has to be copied and replaced, with downtime.
    ///
    /// ## How to fix
    /// Set the encryption argument to `true` (optionally with a customer-managed KMS key) when creating the
    /// resource. For existing resources, restore an encrypted copy from a snapshot and switch over.
    TF003 StorageUnencrypted { name: "storage-unencrypted", severity: Warning, category: Security, group: "terraform" }
}

/// Resource type, its encryption argument, and arguments whose presence means encryption is inherited.
const RULES: &[(&str, &str, &[&str])] = &[
    (
        "aws_db_instance",
        "storage_encrypted",
        &["replicate_source_db", "snapshot_identifier"],
    ),
    (
        "aws_rds_cluster",
        "storage_encrypted",
        &[
            "replication_source_identifier",
            "snapshot_identifier",
            "global_cluster_identifier",
        ],
    ),
    (
        "aws_docdb_cluster",
        "storage_encrypted",
        &["snapshot_identifier", "global_cluster_identifier"],
    ),
    ("aws_ebs_volume", "encrypted", &["snapshot_id"]),
    ("aws_efs_file_system", "encrypted", &[]),
    (
        "aws_elasticache_replication_group",
        "at_rest_encryption_enabled",
        &["global_replication_group_id"],
    ),
    (
        "aws_redshift_cluster",
        "encrypted",
        &["snapshot_identifier"],
    ),
];

impl Check<TfInput<'_>> for StorageUnencrypted {
    fn run(&self, input: &TfInput<'_>, out: &mut Findings) {
        let ebs_by_default = input
            .module
            .resources("aws_ebs_encryption_by_default")
            .any(|b| matches!(input.flag(b, "enabled"), Flag::True | Flag::Absent));
        for res in input.module.blocks().filter(|b| b.kind == "resource") {
            let ty = res.label(0);
            if ty == "azurerm_mssql_database" {
                let name = "transparent_data_encryption_enabled";
                if input.flag(res, name) == Flag::False {
                    out.push(
                        input
                            .at(
                                &Self::META,
                                res,
                                TfInput::pos_of(res, name),
                                format!(
                                    "`{}` turns transparent data encryption off",
                                    res.address()
                                ),
                            )
                            .hint(format!("Remove `{name} = false`")),
                    );
                }
                continue;
            }
            let Some(&(_, attr, inherits)) = RULES.iter().find(|(t, _, _)| *t == ty) else {
                continue;
            };
            if inherits.iter().any(|a| res.attr(a).is_some())
                || res.block("restore_to_point_in_time").is_some()
                || (ty == "aws_ebs_volume" && ebs_by_default)
                || inherited(input, res)
            {
                continue;
            }
            let message = match input.flag(res, attr) {
                Flag::True | Flag::Unknown => continue,
                Flag::False => format!("`{}` has `{attr}` set to false", res.address()),
                Flag::Absent => format!(
                    "`{}` does not set `{attr} = true`: its data is stored unencrypted",
                    res.address()
                ),
            };
            out.push(
                input
                    .at(&Self::META, res, TfInput::pos_of(res, attr), message)
                    .hint(format!(
                        "Set `{attr} = true` (and a KMS key if you manage your own)"
                    )),
            );
        }
    }
}

/// Aurora instances (encrypted at the cluster) and Aurora Serverless v1 clusters (always encrypted).
fn inherited(input: &TfInput<'_>, res: &Block) -> bool {
    let engine = input.string(res, "engine").unwrap_or_default();
    match res.label(0) {
        "aws_db_instance" => engine.starts_with("aurora"),
        "aws_rds_cluster" => input.string(res, "engine_mode").as_deref() == Some("serverless"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::testing::{positions, run};

    const PLAIN: &str = r#"
variable "encrypt" {
  default = false
}

resource "aws_db_instance" "db" {
  engine            = "postgres"
  instance_class    = "db.t4g.micro"
  storage_encrypted = var.encrypt
}

resource "aws_rds_cluster" "aurora" {
  engine = "aurora-postgresql"
}

resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 100
}

resource "aws_efs_file_system" "shared" {
  encrypted = false
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "cache"
}

resource "aws_redshift_cluster" "dwh" {
  cluster_identifier = "dwh"
}

resource "azurerm_mssql_database" "db" {
  name                                = "db"
  transparent_data_encryption_enabled = false
}
"#;

    #[test]
    fn triggers_on_unencrypted_storage() {
        let found = run(&StorageUnencrypted, PLAIN);
        assert_eq!(found.len(), 7, "{found:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn reports_the_attribute_or_the_block() {
        let found = run(&StorageUnencrypted, PLAIN);
        // `storage_encrypted = var.encrypt`, then the `aws_rds_cluster` block itself.
        assert_eq!(positions(&found)[..2], [(9, 3), (12, 1)]);
    }

    #[test]
    fn quiet_on_encrypted_or_inherited_storage() {
        let text = r#"
variable "encrypt" {}

resource "aws_ebs_encryption_by_default" "on" {
  enabled = true
}

resource "aws_db_instance" "db" {
  storage_encrypted = true
}

resource "aws_db_instance" "replica" {
  replicate_source_db = aws_db_instance.db.identifier
}

resource "aws_db_instance" "aurora" {
  engine = "aurora-mysql"
}

resource "aws_db_instance" "unknown" {
  storage_encrypted = var.encrypt
}

resource "aws_rds_cluster" "serverless" {
  engine_mode = "serverless"
}

resource "aws_ebs_volume" "data" {
  size = 100
}

resource "aws_efs_file_system" "shared" {
  encrypted = true
}

resource "google_compute_disk" "d" {
  size = 10
}

resource "azurerm_managed_disk" "d" {
  disk_size_gb = 10
}

resource "azurerm_mssql_database" "db" {
  name = "db"
}
"#;
        assert_eq!(run(&StorageUnencrypted, text), vec![]);
    }
}
