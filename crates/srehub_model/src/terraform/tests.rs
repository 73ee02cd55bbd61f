use super::*;

fn module(text: &str) -> TfModule {
    TfModule::new(vec![parse_file(text, "main.tf").expect("parses")])
}

fn local(m: &TfModule, name: &str) -> Value {
    m.eval(&m.local(name).expect("local exists").expr)
}

const SG: &str = r#"
variable "world" {
  default = "0.0.0.0/0"
}

resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.world]
  }
}
"#;

#[test]
fn blocks_attributes_and_positions() {
    let f = parse_file(SG, "sg.tf").unwrap();
    assert_eq!(f.blocks.len(), 2);
    let sg = &f.blocks[1];
    assert_eq!(sg.kind, "resource");
    assert_eq!(sg.labels, ["aws_security_group", "web"]);
    assert_eq!(sg.pos, Pos { line: 6, column: 1 });
    assert_eq!(sg.file, "sg.tf");
    assert_eq!(sg.address(), "aws_security_group.web");
    let ingress = sg.block("ingress").unwrap();
    assert_eq!(ingress.pos, Pos { line: 8, column: 3 });
    assert_eq!(ingress.file, "sg.tf");
    let cidrs = ingress.attr("cidr_blocks").unwrap();
    assert_eq!(
        cidrs.pos,
        Pos {
            line: 12,
            column: 5
        }
    );
    assert_eq!(cidrs.expr.string_literals(), Vec::<&str>::new());
    assert_eq!(
        cidrs.expr,
        Expr::List(vec![Expr::Traversal {
            base: Box::new(Expr::Variable("var".into())),
            steps: vec![Step::Attr("world".into())],
        }])
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "locals { é = 1 }\nlocals {\n  ünïcödé = \"x\"\n  b = 2\n}\n";
    let f = parse_file(text, "u.tf").unwrap();
    assert_eq!(f.blocks[1].attrs[1].pos, Pos { line: 4, column: 3 });
    let text = "# ééé\nlocals { a = \"é\", b = 1 }\n";
    let f = parse_file(text, "u.tf");
    // One-line bodies take a single attribute in HCL; either way, no panic and a position.
    if let Err(e) = f {
        assert_eq!(e.line, 2);
    }
}

#[test]
fn variable_default_is_resolved() {
    let m = module(SG);
    let sg = m.resources("aws_security_group").next().unwrap();
    let cidrs = m.eval_attr(sg.block("ingress").unwrap(), "cidr_blocks");
    assert_eq!(
        cidrs,
        Some(Value::List(vec![Value::String("0.0.0.0/0".into())]))
    );
    assert_eq!(m.variable("world").unwrap().pos.line, 2);
}

#[test]
fn locals_templates_and_functions() {
    let m = module(
        r#"
variable "env" {
  default = "prod"
}
variable "port" {
  type    = number
  default = 5432
}
variable "no_default" {}
locals {
  name    = "app-${var.env}"
  ports   = concat([22], tolist([var.port]))
  policy  = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
  port_s  = tostring(var.port)
  chained = local.name
  unknown = "x-${var.no_default}"
  resref  = aws_s3_bucket.b.id
  cond    = var.env == "prod" ? 1 : 2
  obj     = { a = { b = [10, 20] } }
  pick    = local.obj.a.b[1]
  pick2   = local.obj["a"]
  escaped = "$${literal}"
  other   = upper("x")
}
"#,
    );
    assert_eq!(local(&m, "name"), Value::String("app-prod".into()));
    assert_eq!(
        local(&m, "ports"),
        Value::List(vec![Value::Number(22.0), Value::Number(5432.0)])
    );
    assert_eq!(
        local(&m, "policy").as_str(),
        Some(
            r#"{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}"#
        )
    );
    assert_eq!(local(&m, "port_s"), Value::String("5432".into()));
    assert_eq!(local(&m, "chained"), Value::String("app-prod".into()));
    assert_eq!(local(&m, "unknown"), Value::Unknown);
    assert_eq!(local(&m, "resref"), Value::Unknown);
    assert_eq!(local(&m, "cond"), Value::Unknown);
    assert_eq!(local(&m, "pick"), Value::Number(20.0));
    assert!(local(&m, "pick2").get("b").is_some());
    assert_eq!(local(&m, "escaped"), Value::String("${literal}".into()));
    assert_eq!(local(&m, "other"), Value::Unknown);
    let roots = m.local("resref").unwrap().expr.reference_roots();
    assert_eq!(roots, ["aws_s3_bucket"]);
    assert_eq!(
        m.local("resref").unwrap().expr.reference(),
        Some(vec!["aws_s3_bucket", "b", "id"])
    );
}

#[test]
fn heredocs_are_strings() {
    let m = module(
        "locals {\n  doc = <<-EOT\n    {\"a\": 1}\n    EOT\n  raw = <<EOT\nline ${local.n}\nEOT\n  n = 3\n}\n",
    );
    assert_eq!(local(&m, "doc"), Value::String("{\"a\": 1}\n".into()));
    assert_eq!(local(&m, "raw"), Value::String("line 3\n".into()));
}

#[test]
fn local_cycles_stop() {
    let m = module("locals {\n  a = local.b\n  b = [local.a]\n  self = local.self\n}\n");
    assert!(!local(&m, "a").is_known());
    assert_eq!(local(&m, "self"), Value::Unknown);
}

#[test]
fn exponential_locals_stop() {
    let mut text = String::from("locals {\n  l0 = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n");
    for i in 1..60 {
        text.push_str(&format!(
            "  l{i} = [local.l{p}, local.l{p}, local.l{p}]\n",
            p = i - 1
        ));
    }
    text.push_str("  j = jsonencode(local.l59)\n}\n");
    let m = module(&text);
    assert_eq!(local(&m, "j"), Value::Unknown);
    assert!(!local(&m, "l59").is_known());
}

#[test]
fn syntax_errors_name_the_position() {
    let err = parse_file("resource \"a\" \"b\" {\n  x = \n}\n", "bad.tf").unwrap_err();
    assert_eq!(err.path, "bad.tf");
    assert_eq!((err.line, err.column), (2, 7), "{err}");
    assert!(err.to_string().starts_with("bad.tf:2:7: "), "{err}");
    let err = parse_file("resource \"a\" {\n", "cut.tf").unwrap_err();
    assert!(err.line >= 1 && err.column >= 1);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!(
        "locals {{ a = {}1{} }}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(parse_file(&deep, "deep.tf").is_err());
    let ops = format!("locals {{ a = 1{} }}\n", " + 1".repeat(5000));
    let _ = parse_file(&ops, "ops.tf");
}
