//! Property tests of the Terraform reader on hostile input: whatever the text, `parse_file` returns a
//! file or an error naming a position, never panics; and evaluating every attribute of whatever parsed
//! terminates, whatever locals refer to.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use srehub_model::terraform::{Block, TfModule, parse_file};

const VALID: &str = r#"terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

variable "world" {
  type    = string
  default = "0.0.0.0/0"
}

locals {
  tags   = { Name = "web-${var.world}", "team" = "sre" }
  ports  = concat([22, 3389], tolist([443]))
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["s3:*"], Resource = "*" }] })
  loop   = local.loop
}

resource "aws_security_group" "web" {
  name = "web" # comment
  ingress {
    from_port   = local.ports[0]
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.world, "10.0.0.0/8"]
  }
  dynamic "egress" {
    for_each = var.world != "" ? [1] : []
    content {
      cidr_blocks = [for c in ["a", "b"] : upper(c) if c != "b"]
    }
  }
}

data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}

output "doc" {
  value = <<-EOT
    line ${local.tags["team"]} %{ if true }yes%{ endif }
    EOT
}
"#;

fn eval_all(blocks: &[Block], m: &TfModule) {
    for b in blocks {
        for a in &b.attrs {
            let _ = m.eval(&a.expr);
            let _ = a.expr.reference_roots();
            let _ = a.expr.string_literals();
        }
        eval_all(&b.blocks, m);
    }
}

fn read(text: &str) {
    match parse_file(text, "prop.tf") {
        Ok(file) => {
            let m = TfModule::new(vec![file]);
            for f in m.files() {
                eval_all(&f.blocks, &m);
            }
        }
        Err(e) => assert!(e.line >= 1 && e.column >= 1 && e.path == "prop.tf", "{e}"),
    }
}

#[test]
fn the_sample_module_parses() {
    let f = parse_file(VALID, "main.tf").unwrap();
    assert_eq!(f.blocks.len(), 6);
    read(VALID);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn reader_never_panics_on_arbitrary_text(text in "\\PC{0,600}") {
        read(&text);
    }

    #[test]
    fn reader_never_panics_on_hcl_like_text(
        text in "[a-z_\"{}\\[\\]()=.,:?!<>*%$#/\\\\ \n\t0-9-]{0,500}|(<<-?EOT\n[a-z ${}]{0,40}\n *EOT\n?){1,3}"
    ) {
        read(&text);
    }

    #[test]
    fn a_cut_module_never_panics(cut in 0usize..VALID.len()) {
        let mut cut = cut;
        while !VALID.is_char_boundary(cut) {
            cut -= 1;
        }
        read(&VALID[..cut]);
    }

    #[test]
    fn a_mutated_module_never_panics(at in 0usize..VALID.len(), c in any::<char>(), delete in any::<bool>()) {
        let mut text = VALID.to_string();
        let mut at = at;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        if delete {
            text.remove(at);
        } else {
            text.insert(at, c);
        }
        read(&text);
    }

    #[test]
    fn spliced_modules_never_panic(a in 0usize..VALID.len(), b in 0usize..VALID.len()) {
        let (mut a, mut b) = (a.min(b), a.max(b));
        while !VALID.is_char_boundary(a) { a -= 1; }
        while !VALID.is_char_boundary(b) { b -= 1; }
        let text = format!("{}{}{}", &VALID[..b], &VALID[a..b], &VALID[b..]);
        read(&text);
    }
}
