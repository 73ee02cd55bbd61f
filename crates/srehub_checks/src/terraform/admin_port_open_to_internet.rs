use srehub_core::{Check, Findings};
use srehub_model::terraform::{Attr, Block, Value};

use super::{Flag, TfInput, is_anywhere};

srehub_core::declare_check! {
    /// ## What it checks
    /// Firewall rules that let the whole internet (`0.0.0.0/0`, `::/0`, Azure's `*`, `Internet` or
    /// `Any`) reach an administration or database port: SSH 22, RDP 3389, Telnet 23, Docker 2375/2376,
    /// MySQL 3306, PostgreSQL 5432, SQL Server 1433, VNC 5900, Redis 6379, Elasticsearch 9200, MongoDB
    /// 27017, the Kubernetes API 6443 and the kubelet 10250, or every port.
    ///
    /// It reads AWS `aws_security_group` inline `ingress` blocks, `aws_security_group_rule` (type
    /// `ingress`) and `aws_vpc_security_group_ingress_rule`; Google `google_compute_firewall` (direction
    /// `INGRESS`, `source_ranges`, `allow` blocks); Azure `azurerm_network_security_rule` and the inline
    /// `security_rule` blocks of `azurerm_network_security_group` (direction `Inbound`, access `Allow`).
    /// Sources and ports are resolved through variable defaults and locals; values it cannot resolve are
    /// left alone.
    ///
    /// ## Why it matters
    /// These ports are scanned from the whole internet within minutes of being opened. Brute force, default
    /// credentials and unpatched services on them are among the most common ways into a cloud account;
    /// databases and container or Kubernetes APIs reachable from anywhere are taken over outright.
    ///
    /// ## How to fix
    /// Restrict the source to the addresses that need access (an office or VPN range, a bastion's security
    /// group), or remove the rule and reach the hosts through a bastion, AWS SSM Session Manager, Google
    /// IAP or Azure Bastion.
    TF001 AdminPortOpenToInternet { name: "admin-port-open-to-internet", severity: Critical, category: Security, group: "terraform" }
}

/// Ports that are never meant to face the internet, with the service usually behind them.
const ADMIN_PORTS: &[(u32, &str)] = &[
    (22, "SSH"),
    (23, "Telnet"),
    (1433, "SQL Server"),
    (2375, "Docker"),
    (2376, "Docker TLS"),
    (3306, "MySQL"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (5900, "VNC"),
    (6379, "Redis"),
    (6443, "Kubernetes API"),
    (9200, "Elasticsearch"),
    (10250, "kubelet"),
    (27017, "MongoDB"),
];

/// The ports a rule opens, as far as known.
enum Ports {
    All,
    Ranges(Vec<(u32, u32)>),
    /// Not resolvable, or a protocol without ports that matter here (UDP, ICMP).
    Unknown,
}

impl Ports {
    /// What the rule exposes, in words, if anything dangerous.
    fn exposed(&self) -> Option<String> {
        match self {
            Ports::All => Some("all ports".to_string()),
            Ports::Ranges(ranges) => {
                let hits: Vec<String> = ADMIN_PORTS
                    .iter()
                    .filter(|(p, _)| ranges.iter().any(|(lo, hi)| lo <= p && p <= hi))
                    .map(|(p, name)| format!("{name} ({p})"))
                    .collect();
                let all = ranges.iter().any(|&(lo, hi)| lo <= 1 && hi >= 65535);
                if all {
                    Some("all ports".to_string())
                } else if hits.is_empty() {
                    None
                } else {
                    Some(hits.join(", "))
                }
            }
            Ports::Unknown => None,
        }
    }
}

/// A port range written as `"22"`, `"20-25"` or `"*"` (Azure and Google syntax).
fn parse_range(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    if s == "*" {
        return Some((0, 65535));
    }
    match s.split_once('-') {
        Some((lo, hi)) => Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?)),
        None => {
            let p = s.parse().ok()?;
            Some((p, p))
        }
    }
}

fn port(v: &Value) -> Option<u32> {
    let n = v.as_number()?;
    (n.fract() == 0.0 && (-1.0..=65535.0).contains(&n)).then(|| n.max(0.0) as u32)
}

/// Whether a protocol carries TCP: `tcp`, `6`, or every protocol (`-1`, `all`, `*`).
enum Proto {
    All,
    Tcp,
    Other,
    Unknown,
}

fn proto(v: Option<Value>) -> Proto {
    match v
        .as_ref()
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
    {
        Some(p) if matches!(p.as_str(), "-1" | "all" | "*") => Proto::All,
        Some(p) if p == "tcp" || p == "6" => Proto::Tcp,
        Some(_) => Proto::Other,
        None => match v.as_ref().and_then(Value::as_number) {
            Some(-1.0) => Proto::All,
            Some(6.0) => Proto::Tcp,
            Some(_) => Proto::Other,
            None => Proto::Unknown,
        },
    }
}

/// AWS: `protocol`, `from_port`, `to_port` on a block.
fn aws_ports(input: &TfInput<'_>, b: &Block, proto_attr: &str) -> Ports {
    match proto(input.value(b, proto_attr)) {
        Proto::All => Ports::All,
        Proto::Other | Proto::Unknown => Ports::Unknown,
        Proto::Tcp => {
            let from = input.value(b, "from_port").as_ref().and_then(port);
            let to = input.value(b, "to_port").as_ref().and_then(port);
            match (from, to) {
                (Some(lo), Some(hi)) => Ports::Ranges(vec![(lo, hi)]),
                _ => Ports::Unknown,
            }
        }
    }
}

/// The attributes among `names` that hold an "anywhere" source, with that source.
fn open_sources<'b>(input: &TfInput<'_>, b: &'b Block, names: &[&str]) -> Vec<(&'b Attr, String)> {
    names
        .iter()
        .filter_map(|n| {
            let attr = b.attr(n)?;
            let v = input.module.eval(&attr.expr);
            let src = v
                .strings()
                .into_iter()
                .find(|s| is_anywhere(s))?
                .to_string();
            Some((attr, src))
        })
        .collect()
}

const AWS_SOURCES: &[&str] = &["cidr_blocks", "ipv6_cidr_blocks"];

impl Check<TfInput<'_>> for AdminPortOpenToInternet {
    fn run(&self, input: &TfInput<'_>, out: &mut Findings) {
        let mut report = |res: &Block,
                          rule: Option<&Block>,
                          attr: &Attr,
                          src: &str,
                          ports: &Ports| {
            if let Some(what) = ports.exposed() {
                let mut subject = format!("`{}`", res.address());
                if let Some(name) = rule.and_then(|r| input.string(r, "name")) {
                    subject.push_str(&format!(" rule `{name}`"));
                }
                out.push(
                    input
                        .at(
                            &Self::META,
                            res,
                            attr.pos,
                            format!("{subject} lets `{src}` (`{}`) reach {what}", attr.name),
                        )
                        .hint("Restrict the source to known ranges, or reach the hosts through a bastion or an identity-aware proxy"),
                );
            }
        };
        for res in input.module.blocks().filter(|b| b.kind == "resource") {
            match res.label(0) {
                "aws_security_group" => {
                    for rule in res.blocks_of("ingress") {
                        let ports = aws_ports(input, rule, "protocol");
                        for (attr, src) in open_sources(input, rule, AWS_SOURCES) {
                            report(res, None, attr, &src, &ports);
                        }
                    }
                }
                "aws_security_group_rule" => {
                    if input.string(res, "type").as_deref() != Some("ingress") {
                        continue;
                    }
                    let ports = aws_ports(input, res, "protocol");
                    for (attr, src) in open_sources(input, res, AWS_SOURCES) {
                        report(res, None, attr, &src, &ports);
                    }
                }
                "aws_vpc_security_group_ingress_rule" => {
                    let ports = aws_ports(input, res, "ip_protocol");
                    for (attr, src) in open_sources(input, res, &["cidr_ipv4", "cidr_ipv6"]) {
                        report(res, None, attr, &src, &ports);
                    }
                }
                "google_compute_firewall" => {
                    let direction = input.string(res, "direction");
                    let ingress = match res.attr("direction") {
                        None => true,
                        Some(_) => {
                            direction.as_deref().map(str::to_ascii_uppercase)
                                == Some("INGRESS".to_string())
                        }
                    };
                    if !ingress || input.flag(res, "disabled") == Flag::True {
                        continue;
                    }
                    let ports = google_ports(input, res);
                    for (attr, src) in open_sources(input, res, &["source_ranges"]) {
                        report(res, None, attr, &src, &ports);
                    }
                }
                "azurerm_network_security_rule" => {
                    if let Some((attr, src, ports)) = azure_rule(input, res) {
                        report(res, None, attr, &src, &ports);
                    }
                }
                "azurerm_network_security_group" => {
                    for rule in res.blocks_of("security_rule") {
                        if let Some((attr, src, ports)) = azure_rule(input, rule) {
                            report(res, Some(rule), attr, &src, &ports);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Google: the union of the `allow` blocks' protocols and ports.
fn google_ports(input: &TfInput<'_>, fw: &Block) -> Ports {
    let mut ranges = Vec::new();
    for allow in fw.blocks_of("allow") {
        match proto(input.value(allow, "protocol")) {
            Proto::All => return Ports::All,
            Proto::Tcp => match input.value(allow, "ports") {
                None => return Ports::All,
                Some(v) => {
                    let Some(items) = v.as_list() else { continue };
                    for item in items {
                        let range = match item {
                            Value::Number(_) => port(item).map(|p| (p, p)),
                            _ => item.as_str().and_then(parse_range),
                        };
                        ranges.extend(range);
                    }
                }
            },
            Proto::Other | Proto::Unknown => {}
        }
    }
    Ports::Ranges(ranges)
}

/// Azure: an inbound allow rule from anywhere, with its destination ports.
fn azure_rule<'b>(input: &TfInput<'_>, rule: &'b Block) -> Option<(&'b Attr, String, Ports)> {
    let is = |name: &str, want: &str| {
        input
            .string(rule, name)
            .is_some_and(|s| s.eq_ignore_ascii_case(want))
    };
    if !is("direction", "Inbound") || !is("access", "Allow") {
        return None;
    }
    let (attr, src) = open_sources(
        input,
        rule,
        &["source_address_prefix", "source_address_prefixes"],
    )
    .into_iter()
    .next()?;
    let ports = match proto(input.value(rule, "protocol")) {
        Proto::Other | Proto::Unknown => Ports::Unknown,
        Proto::All | Proto::Tcp => {
            let mut ranges = Vec::new();
            for name in ["destination_port_range", "destination_port_ranges"] {
                if let Some(v) = input.value(rule, name) {
                    ranges.extend(v.strings().into_iter().filter_map(parse_range));
                }
            }
            Ports::Ranges(ranges)
        }
    };
    Some((attr, src, ports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::testing::{module, positions, run, run_module};

    const OPEN: &str = r#"
variable "world" {
  default = "0.0.0.0/0"
}

locals {
  admin_ports = { ssh = 22 }
}

resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = local.admin_ports.ssh
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.world]
  }
  ingress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_security_group_rule" "pg" {
  type        = "ingress"
  from_port   = 5000
  to_port     = 6000
  protocol    = "tcp"
  cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
}

resource "aws_vpc_security_group_ingress_rule" "rdp" {
  cidr_ipv4   = "0.0.0.0/0"
  from_port   = 3389
  ip_protocol = "tcp"
  to_port     = 3389
}

resource "google_compute_firewall" "ssh" {
  name          = "allow-ssh"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["20-25", "80"]
  }
}

resource "azurerm_network_security_rule" "rdp" {
  name                       = "rdp"
  direction                  = "Inbound"
  access                     = "Allow"
  protocol                   = "Tcp"
  source_address_prefix      = "Internet"
  destination_port_ranges    = ["443", "3389"]
}

resource "azurerm_network_security_group" "nsg" {
  security_rule {
    name                   = "any"
    direction              = "Inbound"
    access                 = "Allow"
    protocol               = "*"
    source_address_prefix  = "*"
    destination_port_range = "*"
  }
}
"#;

    #[test]
    fn triggers_on_open_admin_ports() {
        let found = run(&AdminPortOpenToInternet, OPEN);
        assert_eq!(found.len(), 7, "{found:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn reports_the_source_attribute_position() {
        let found = run(&AdminPortOpenToInternet, OPEN);
        // `cidr_blocks = [var.world]` of the first ingress block.
        assert_eq!(positions(&found)[0], (16, 5));
        assert!(
            found[0].message.contains("SSH (22)"),
            "{}",
            found[0].message
        );
        assert!(found[0].message.contains("0.0.0.0/0"));
    }

    #[test]
    fn resolves_variable_defaults_across_files() {
        let m = module(&[
            (
                "variables.tf",
                "variable \"world\" {\n  default = \"0.0.0.0/0\"\n}\n",
            ),
            (
                "sg.tf",
                "resource \"aws_security_group_rule\" \"ssh\" {\n  type        = \"ingress\"\n  from_port   = 22\n  to_port     = 22\n  protocol    = \"tcp\"\n  cidr_blocks = [var.world]\n}\n",
            ),
        ]);
        let found = run_module(&AdminPortOpenToInternet, &m);
        assert_eq!(found.len(), 1);
        let loc = found[0].location.as_ref().unwrap();
        assert_eq!(
            (loc.file.as_str(), loc.line, loc.column),
            ("sg.tf", Some(6), Some(3))
        );
    }

    #[test]
    fn quiet_on_restricted_or_harmless_rules() {
        let text = r#"
variable "office" {
  default = "203.0.113.0/24"
}
variable "unknown" {}

resource "aws_security_group" "web" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.office]
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.unknown]
  }
  ingress {
    from_port   = 53
    to_port     = 53
    protocol    = "udp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "egress" {
  type        = "egress"
  from_port   = 0
  to_port     = 65535
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}

resource "google_compute_firewall" "egress" {
  direction          = "EGRESS"
  destination_ranges = ["0.0.0.0/0"]
  source_ranges      = ["0.0.0.0/0"]
  allow {
    protocol = "all"
  }
}

resource "google_compute_firewall" "https" {
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["443", "8080-8090"]
  }
}

resource "azurerm_network_security_rule" "deny" {
  direction                  = "Inbound"
  access                     = "Deny"
  protocol                   = "*"
  source_address_prefix      = "*"
  destination_port_range     = "*"
}

resource "azurerm_network_security_rule" "vnet" {
  direction                  = "Inbound"
  access                     = "Allow"
  protocol                   = "Tcp"
  source_address_prefix      = "VirtualNetwork"
  destination_port_range     = "22"
}
"#;
        assert_eq!(run(&AdminPortOpenToInternet, text), vec![]);
    }
}
