#!/usr/bin/env python3
"""Generates a Terraform tree for the lint benchmark: directories (modules) of AWS, Google and Azure
resources with variables and locals, a tenth of the resources with planted problems (open admin ports,
public buckets, unencrypted storage, public endpoints, wildcard IAM, hard-coded secrets, unpinned
modules), until the tree holds about the requested number of lines.

    python3 bench/gen_terraform.py --lines 60000 -o /tmp/srehub-bench/terraform
"""
import argparse
import os
import random

HEAD = """terraform {{
  required_version = ">= 1.6.0"
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }}
    google = {{
      source  = "hashicorp/google"
      version = "~> 5.20"
    }}
    azurerm = {{
      source  = "hashicorp/azurerm"
      version = "~> 3.100"
    }}
  }}
}}

variable "env" {{
  type    = string
  default = "{env}"
}}

variable "office_cidr" {{
  type    = string
  default = "203.0.113.0/24"
}}

variable "world" {{
  type    = string
  default = "0.0.0.0/0"
}}

locals {{
  name   = "{name}-${{var.env}}"
  tags   = {{ team = "{team}", env = var.env, service = "{name}" }}
  admin  = {admin}
}}
"""

SG = """
resource "aws_security_group" "{id}" {{
  name        = "${{local.name}}-{id}"
  description = "{id} access"
  vpc_id      = "vpc-0123456789abcdef0"

  ingress {{
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  ingress {{
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [{ssh}]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  tags = local.tags
}}
"""

BUCKET = """
resource "aws_s3_bucket" "{id}" {{
  bucket = "${{local.name}}-{id}"
  tags   = local.tags
}}

resource "aws_s3_bucket_acl" "{id}" {{
  bucket = aws_s3_bucket.{id}.id
  acl    = "{acl}"
}}

resource "aws_s3_bucket_public_access_block" "{id}" {{
  bucket                  = aws_s3_bucket.{id}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}
"""

DB = """
resource "aws_db_instance" "{id}" {{
  identifier              = "${{local.name}}-{id}"
  engine                  = "postgres"
  engine_version          = "16.3"
  instance_class          = "db.t4g.medium"
  allocated_storage       = 50
  storage_encrypted       = {enc}
  publicly_accessible     = {public}
  username                = "app"
  password                = {password}
  backup_retention_period = 7
  deletion_protection     = true
  tags                    = local.tags
}}
"""

IAM = """
resource "aws_iam_policy" "{id}" {{
  name = "${{local.name}}-{id}"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = [{action}]
      Resource = [{resource}]
    }}]
  }})
}}
"""

GCP = """
resource "google_compute_firewall" "{id}" {{
  name          = "${{local.name}}-{id}"
  network       = "default"
  direction     = "INGRESS"
  source_ranges = [{src}]

  allow {{
    protocol = "tcp"
    ports    = ["{port}"]
  }}
}}

resource "google_storage_bucket" "{id}" {{
  name                        = "${{local.name}}-{id}"
  location                    = "EU"
  uniform_bucket_level_access = true
}}
"""

AZ = """
resource "azurerm_network_security_rule" "{id}" {{
  name                        = "{id}"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "{port}"
  source_address_prefix       = "{src}"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-${{local.name}}"
  network_security_group_name = "nsg-${{local.name}}"
}}
"""

MODULE = """
module "vpc_{id}" {{
  source  = "terraform-aws-modules/vpc/aws"
  {version}
  name    = "${{local.name}}-{id}"
  cidr    = "10.{a}.0.0/16"
}}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=60000)
    ap.add_argument("-o", required=True)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    total = 0
    d = 0
    while total < a.lines:
        name = f"svc{d:04d}"
        path = os.path.join(a.o, f"team-{d % 12:02d}", name)
        os.makedirs(path, exist_ok=True)
        bad = lambda: rnd.random() < 0.1
        with open(os.path.join(path, "main.tf"), "w") as f:
            text = HEAD.format(env=rnd.choice(["prod", "staging"]), name=name, team=f"team-{d % 12:02d}",
                               admin='"10.0.0.0/8"')
            for i in range(4):
                rid = f"r{i}"
                text += SG.format(id=rid, ssh="var.world" if bad() else "var.office_cidr")
                text += BUCKET.format(id=rid, acl="public-read" if bad() else "private")
                text += DB.format(id=rid, enc="false" if bad() else "true", public="true" if bad() else "false",
                                  password='"hunter2-Pa55"' if bad() else "var.db_password")
                text += IAM.format(id=rid, action='"*"' if bad() else '"s3:GetObject", "s3:PutObject"',
                                   resource='"*"' if bad() else '"arn:aws:s3:::b/*"')
                text += GCP.format(id=rid, src='"0.0.0.0/0"' if bad() else '"10.0.0.0/8"',
                                   port="22" if bad() else "443")
                text += AZ.format(id=rid, port="3389" if bad() else "443", src="*" if bad() else "10.0.0.0/8")
                text += MODULE.format(id=rid, version="" if bad() else 'version = "5.8.1"', a=i)
            f.write(text)
        with open(os.path.join(path, "variables.tf"), "w") as f:
            f.write('variable "db_password" {\n  type      = string\n  sensitive = true\n}\n')
        total += text.count("\n") + 4
        d += 1
    print(f"wrote {d} modules, about {total} lines under {a.o}")


if __name__ == "__main__":
    main()
