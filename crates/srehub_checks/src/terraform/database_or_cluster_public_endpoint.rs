use srehub_core::{Check, Findings};
use srehub_model::terraform::{Block, Pos};

use super::{Flag, TfInput, is_anywhere};

srehub_core::declare_check! {
    /// ## What it checks
    /// Databases and Kubernetes control planes reachable from the whole internet.
    ///
    /// AWS: `aws_db_instance` and `aws_rds_cluster_instance` with `publicly_accessible = true`;
    /// `aws_redshift_cluster` with `publicly_accessible` true or unset (the default is true);
    /// `aws_eks_cluster` whose `vpc_config` keeps the public endpoint (`endpoint_public_access`, true by
    /// default) open to `0.0.0.0/0` (`public_access_cidrs` unset or containing it). Google:
    /// `google_container_cluster` with neither `private_cluster_config` nor a
    /// `master_authorized_networks_config`, or whose authorized networks contain `0.0.0.0/0`;
    /// `google_sql_database_instance` with an authorized network `0.0.0.0/0`. Azure:
    /// `azurerm_kubernetes_cluster` that is not private (`private_cluster_enabled = true`) and sets no
    /// authorized IP ranges (`api_server_access_profile.authorized_ip_ranges`, legacy
    /// `api_server_authorized_ip_ranges`); `azurerm_postgresql_flexible_server` and `azurerm_mssql_server`
    /// with `public_network_access_enabled = true`.
    ///
    /// ## Why it matters
    /// A database or cluster API on the internet is one leaked password, one unpatched vulnerability or one
    /// misconfigured authentication away from a breach, and is brute-forced continuously. Network
    /// restriction is the layer that still holds when the others fail.
    ///
    /// ## How to fix
    /// Keep databases in private subnets (`publicly_accessible = false`, private IP only) and reach them
    /// through a VPN, a bastion or private service connect. For clusters, use a private endpoint or restrict
    /// the public one to known ranges (`public_access_cidrs`, `master_authorized_networks_config`,
    /// `authorized_ip_ranges`).
    TF004 DatabaseOrClusterPublicEndpoint { name: "database-or-cluster-public-endpoint", severity: Critical, category: Security, group: "terraform" }
}

impl Check<TfInput<'_>> for DatabaseOrClusterPublicEndpoint {
    fn run(&self, input: &TfInput<'_>, out: &mut Findings) {
        let mut report = |res: &Block, pos: Pos, message: String, hint: &str| {
            out.push(input.at(&Self::META, res, pos, message).hint(hint));
        };
        for res in input.module.blocks().filter(|b| b.kind == "resource") {
            let addr = res.address();
            match res.label(0) {
                "aws_db_instance" | "aws_rds_cluster_instance"
                    if input.flag(res, "publicly_accessible") == Flag::True =>
                {
                    report(
                        res,
                        TfInput::pos_of(res, "publicly_accessible"),
                        format!("`{addr}` is publicly accessible"),
                        "Set `publicly_accessible = false` and reach the database from inside the VPC",
                    );
                }
                "aws_redshift_cluster" => {
                    let message = match input.flag(res, "publicly_accessible") {
                        Flag::True => format!("`{addr}` is publicly accessible"),
                        Flag::Absent => format!(
                            "`{addr}` does not set `publicly_accessible = false` (the default is true)"
                        ),
                        Flag::False | Flag::Unknown => continue,
                    };
                    report(
                        res,
                        TfInput::pos_of(res, "publicly_accessible"),
                        message,
                        "Set `publicly_accessible = false`",
                    );
                }
                "aws_eks_cluster" => {
                    let Some(vpc) = res.block("vpc_config") else {
                        continue;
                    };
                    if matches!(
                        input.flag(vpc, "endpoint_public_access"),
                        Flag::False | Flag::Unknown
                    ) {
                        continue;
                    }
                    let (pos, why) = match input.value(vpc, "public_access_cidrs") {
                        None => (
                            vpc.pos,
                            "with no `public_access_cidrs` (default `0.0.0.0/0`)",
                        ),
                        Some(v) if v.strings().into_iter().any(is_anywhere) => (
                            TfInput::pos_of(vpc, "public_access_cidrs"),
                            "open to `0.0.0.0/0`",
                        ),
                        Some(_) => continue,
                    };
                    report(
                        res,
                        pos,
                        format!("`{addr}` has a public API endpoint {why}"),
                        "Set `endpoint_public_access = false` (with `endpoint_private_access = true`) or restrict `public_access_cidrs`",
                    );
                }
                "google_container_cluster" => gke(input, res, &mut report),
                "google_sql_database_instance" => {
                    let networks = res
                        .blocks_of("settings")
                        .flat_map(|s| s.blocks_of("ip_configuration"))
                        .flat_map(|ip| ip.blocks_of("authorized_networks"));
                    for net in networks {
                        if input.string(net, "value").is_some_and(|v| is_anywhere(&v)) {
                            report(
                                res,
                                TfInput::pos_of(net, "value"),
                                format!("`{addr}` authorizes connections from `0.0.0.0/0`"),
                                "Authorize only the ranges that need access, or use private IP and the Cloud SQL Auth Proxy",
                            );
                        }
                    }
                }
                "azurerm_kubernetes_cluster" => {
                    if matches!(
                        input.flag(res, "private_cluster_enabled"),
                        Flag::True | Flag::Unknown
                    ) {
                        continue;
                    }
                    let ranges = res
                        .block("api_server_access_profile")
                        .and_then(|p| p.attr("authorized_ip_ranges"))
                        .or_else(|| res.attr("api_server_authorized_ip_ranges"));
                    let pos = match ranges {
                        None => res.pos,
                        Some(attr) => {
                            let v = input.module.eval(&attr.expr);
                            let known = v.strings();
                            match v.as_list() {
                                Some([]) => attr.pos,
                                Some(_) if known.into_iter().any(is_anywhere) => attr.pos,
                                _ => continue,
                            }
                        }
                    };
                    report(
                        res,
                        pos,
                        format!(
                            "`{addr}` exposes its API server to the internet (not private, no authorized IP ranges)"
                        ),
                        "Set `private_cluster_enabled = true` or `api_server_access_profile { authorized_ip_ranges = [...] }`",
                    );
                }
                "azurerm_postgresql_flexible_server" | "azurerm_mssql_server"
                    if input.flag(res, "public_network_access_enabled") == Flag::True =>
                {
                    report(
                        res,
                        TfInput::pos_of(res, "public_network_access_enabled"),
                        format!("`{addr}` enables public network access"),
                        "Set `public_network_access_enabled = false` and use a private endpoint or VNet integration",
                    );
                }
                _ => {}
            }
        }
    }
}

/// GKE: flagged without `private_cluster_config` and without authorized networks, or with
/// `0.0.0.0/0` among the authorized networks.
fn gke(input: &TfInput<'_>, res: &Block, report: &mut impl FnMut(&Block, Pos, String, &str)) {
    let addr = res.address();
    let man = res.block("master_authorized_networks_config");
    if let Some(man) = man {
        for cidr in man.blocks_of("cidr_blocks") {
            if input
                .string(cidr, "cidr_block")
                .is_some_and(|c| is_anywhere(&c))
            {
                report(
                    res,
                    TfInput::pos_of(cidr, "cidr_block"),
                    format!("`{addr}` authorizes `0.0.0.0/0` to reach its control plane"),
                    "Authorize only the ranges that need the API",
                );
                return;
            }
        }
    }
    if man.is_none() && res.block("private_cluster_config").is_none() {
        report(
            res,
            res.pos,
            format!(
                "`{addr}` has a public control plane endpoint open to any address (no `private_cluster_config`, no `master_authorized_networks_config`)"
            ),
            "Add `private_cluster_config` or `master_authorized_networks_config` with the ranges that need the API",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::testing::{positions, run};

    const PUBLIC: &str = r#"
variable "public" {
  default = true
}

resource "aws_db_instance" "db" {
  publicly_accessible = var.public
}

resource "aws_eks_cluster" "eks" {
  name = "eks"
  vpc_config {
    subnet_ids = ["subnet-1"]
  }
}

resource "aws_redshift_cluster" "dwh" {
  cluster_identifier = "dwh"
}

resource "google_container_cluster" "gke" {
  name = "gke"
}

resource "google_container_cluster" "open" {
  name = "open"
  master_authorized_networks_config {
    cidr_blocks {
      cidr_block = "0.0.0.0/0"
    }
  }
}

resource "google_sql_database_instance" "sql" {
  settings {
    ip_configuration {
      authorized_networks {
        name  = "all"
        value = "0.0.0.0/0"
      }
    }
  }
}

resource "azurerm_kubernetes_cluster" "aks" {
  name = "aks"
}

resource "azurerm_mssql_server" "sql" {
  public_network_access_enabled = true
}
"#;

    #[test]
    fn triggers_on_public_endpoints() {
        let found = run(&DatabaseOrClusterPublicEndpoint, PUBLIC);
        assert_eq!(found.len(), 8, "{found:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn reports_the_attribute_position() {
        let found = run(&DatabaseOrClusterPublicEndpoint, PUBLIC);
        assert_eq!(positions(&found)[..2], [(7, 3), (12, 3)]);
    }

    #[test]
    fn quiet_on_private_endpoints() {
        let text = r#"
resource "aws_db_instance" "db" {
  publicly_accessible = false
}

resource "aws_rds_cluster_instance" "i" {
  cluster_identifier = "c"
}

resource "aws_eks_cluster" "private" {
  vpc_config {
    endpoint_private_access = true
    endpoint_public_access  = false
  }
}

resource "aws_eks_cluster" "restricted" {
  vpc_config {
    public_access_cidrs = ["203.0.113.0/24"]
  }
}

resource "aws_redshift_cluster" "dwh" {
  publicly_accessible = false
}

resource "google_container_cluster" "private" {
  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = true
  }
}

resource "google_container_cluster" "restricted" {
  master_authorized_networks_config {
    cidr_blocks {
      cidr_block = "203.0.113.0/24"
    }
  }
}

resource "azurerm_kubernetes_cluster" "private" {
  private_cluster_enabled = true
}

resource "azurerm_kubernetes_cluster" "restricted" {
  api_server_access_profile {
    authorized_ip_ranges = ["203.0.113.0/24"]
  }
}

resource "azurerm_postgresql_flexible_server" "pg" {
  public_network_access_enabled = false
}
"#;
        assert_eq!(run(&DatabaseOrClusterPublicEndpoint, text), vec![]);
    }
}
