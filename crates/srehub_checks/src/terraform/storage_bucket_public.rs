use srehub_core::{Check, Findings};

use super::{Flag, TfInput};

srehub_core::declare_check! {
    /// ## What it checks
    /// Storage buckets and containers readable (or writable) by anyone.
    ///
    /// AWS: `aws_s3_bucket_acl` (and the legacy `acl` argument of `aws_s3_bucket`) set to `public-read`,
    /// `public-read-write` or `authenticated-read`; `aws_s3_bucket_public_access_block` with any of
    /// `block_public_acls`, `block_public_policy`, `ignore_public_acls`, `restrict_public_buckets` false or
    /// unset (the provider's default is false). Google: `google_storage_bucket_iam_member` and
    /// `google_storage_bucket_iam_binding` granting to `allUsers` or `allAuthenticatedUsers`. Azure:
    /// `azurerm_storage_container` with `container_access_type` `blob` or `container`, and
    /// `azurerm_storage_account` with `allow_nested_items_to_be_public = true` (legacy
    /// `allow_blob_public_access = true`).
    ///
    /// ## Why it matters
    /// Public buckets are the most common cloud data leak: backups, exports and logs put in a bucket
    /// "temporarily" become downloadable by anyone who guesses or scans its name. `authenticated-read` and
    /// `allAuthenticatedUsers` mean any account of the cloud provider, not any account of yours.
    ///
    /// ## How to fix
    /// Keep buckets private and grant access to named identities. Serve public content through a CDN with
    /// an origin access identity (CloudFront OAC, Cloud CDN, Azure Front Door) instead of a public bucket,
    /// and turn all four S3 public access block settings on.
    TF002 StorageBucketPublic { name: "storage-bucket-public", severity: Critical, category: Security, group: "terraform" }
}

const PUBLIC_ACLS: &[&str] = &["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_MEMBERS: &[&str] = &["allUsers", "allAuthenticatedUsers"];
const ACCESS_BLOCK: &[&str] = &[
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

impl Check<TfInput<'_>> for StorageBucketPublic {
    fn run(&self, input: &TfInput<'_>, out: &mut Findings) {
        for res in input.module.blocks().filter(|b| b.kind == "resource") {
            let addr = res.address();
            match res.label(0) {
                "aws_s3_bucket_acl" | "aws_s3_bucket" => {
                    let Some(acl) = input.string(res, "acl") else {
                        continue;
                    };
                    if PUBLIC_ACLS.contains(&acl.as_str()) {
                        out.push(
                            input
                                .at(
                                    &Self::META,
                                    res,
                                    TfInput::pos_of(res, "acl"),
                                    format!("`{addr}` sets the canned ACL `{acl}`"),
                                )
                                .hint("Use `acl = \"private\"` (or no ACL with object ownership `BucketOwnerEnforced`)"),
                        );
                    }
                }
                "aws_s3_bucket_public_access_block" => {
                    let mut off = Vec::new();
                    let mut first_false = None;
                    for name in ACCESS_BLOCK {
                        match input.flag(res, name) {
                            Flag::False => {
                                off.push(format!("`{name}` is false"));
                                first_false.get_or_insert(TfInput::pos_of(res, name));
                            }
                            Flag::Absent => off.push(format!("`{name}` is unset (false)")),
                            Flag::True | Flag::Unknown => {}
                        }
                    }
                    if !off.is_empty() {
                        out.push(
                            input
                                .at(
                                    &Self::META,
                                    res,
                                    first_false.unwrap_or(res.pos),
                                    format!(
                                        "`{addr}` leaves public access open: {}",
                                        off.join(", ")
                                    ),
                                )
                                .hint("Set all four settings to true"),
                        );
                    }
                }
                "google_storage_bucket_iam_member" | "google_storage_bucket_iam_binding" => {
                    for name in ["member", "members"] {
                        let Some(v) = input.value(res, name) else {
                            continue;
                        };
                        let public: Vec<&str> = v
                            .strings()
                            .into_iter()
                            .filter(|m| PUBLIC_MEMBERS.contains(m))
                            .collect();
                        if let Some(m) = public.first() {
                            let role = input.string(res, "role").unwrap_or_default();
                            out.push(
                                input
                                    .at(
                                        &Self::META,
                                        res,
                                        TfInput::pos_of(res, name),
                                        format!("`{addr}` grants `{role}` to `{m}`"),
                                    )
                                    .hint(
                                        "Grant the role to named users, groups or service accounts",
                                    ),
                            );
                        }
                    }
                }
                "azurerm_storage_container" => {
                    if let Some(t) = input.string(res, "container_access_type")
                        && (t == "blob" || t == "container")
                    {
                        out.push(
                                input
                                    .at(
                                        &Self::META,
                                        res,
                                        TfInput::pos_of(res, "container_access_type"),
                                        format!("`{addr}` allows anonymous read access (`container_access_type = \"{t}\"`)"),
                                    )
                                    .hint("Use `container_access_type = \"private\"`"),
                            );
                    }
                }
                "azurerm_storage_account" => {
                    for name in [
                        "allow_nested_items_to_be_public",
                        "allow_blob_public_access",
                    ] {
                        if input.flag(res, name) == Flag::True {
                            out.push(
                                input
                                    .at(
                                        &Self::META,
                                        res,
                                        TfInput::pos_of(res, name),
                                        format!("`{addr}` lets containers be made public (`{name} = true`)"),
                                    )
                                    .hint(format!("Set `{name} = false`")),
                            );
                        }
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

    const PUBLIC: &str = r#"
locals {
  acl = "public-read"
}

resource "aws_s3_bucket" "legacy" {
  bucket = "legacy"
  acl    = "authenticated-read"
}

resource "aws_s3_bucket_acl" "site" {
  bucket = aws_s3_bucket.legacy.id
  acl    = local.acl
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket              = aws_s3_bucket.legacy.id
  block_public_acls   = true
  block_public_policy = false
  ignore_public_acls  = true
}

resource "google_storage_bucket_iam_member" "public" {
  bucket = "site"
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_storage_bucket_iam_binding" "public" {
  bucket  = "site"
  role    = "roles/storage.objectViewer"
  members = ["group:sre@example.com", "allAuthenticatedUsers"]
}

resource "azurerm_storage_container" "public" {
  name                  = "public"
  container_access_type = "blob"
}

resource "azurerm_storage_account" "sa" {
  name                            = "sa"
  allow_nested_items_to_be_public = true
}
"#;

    #[test]
    fn triggers_on_public_buckets() {
        let found = run(&StorageBucketPublic, PUBLIC);
        assert_eq!(found.len(), 7, "{found:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn reports_the_acl_position() {
        let found = run(&StorageBucketPublic, PUBLIC);
        assert_eq!(positions(&found)[..3], [(8, 3), (13, 3), (19, 3)]);
    }

    #[test]
    fn quiet_on_private_buckets() {
        let text = r#"
variable "acl" {}

resource "aws_s3_bucket_acl" "private" {
  bucket = "b"
  acl    = "private"
}

resource "aws_s3_bucket_acl" "unknown" {
  bucket = "b"
  acl    = var.acl
}

resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = "b"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "google_storage_bucket" "b" {
  name                        = "b"
  uniform_bucket_level_access = false
}

resource "google_storage_bucket_iam_member" "team" {
  bucket = "b"
  role   = "roles/storage.objectViewer"
  member = "group:sre@example.com"
}

resource "azurerm_storage_container" "private" {
  container_access_type = "private"
}

resource "azurerm_storage_account" "sa" {
  allow_nested_items_to_be_public = false
}
"#;
        assert_eq!(run(&StorageBucketPublic, text), vec![]);
    }
}
