use super::*;
use crate::frontends::terraform::Value;
use crate::source::SourceFile;

fn map(files: &[(&str, &str)]) -> (SourceMap, Vec<FileId>) {
    let mut sources = SourceMap::default();
    let ids = files
        .iter()
        .map(|(p, t)| sources.add(SourceFile::new(PathBuf::from(p), *t)))
        .collect();
    (sources, ids)
}

fn run(files: &[(&str, &str)]) -> (SourceMap, Load) {
    run_with(files, |_| Variables::default())
}

fn run_with(files: &[(&str, &str)], vars: impl Fn(&[FileId]) -> Variables) -> (SourceMap, Load) {
    let (sources, ids) = map(files);
    let vars = vars(&ids);
    let load = load(
        &sources,
        &ids,
        &vars,
        &Limits::default(),
        &FileTree::default(),
    );
    (sources, load)
}

fn res<'a>(load: &'a Load, address: &str) -> &'a Resource {
    load.resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("no {address} in {:?}", addresses(load)))
}

fn addresses(load: &Load) -> Vec<&str> {
    load.resources.iter().map(|r| r.address.as_str()).collect()
}

fn val<'a>(load: &'a Load, address: &str, attr: &str) -> &'a Value {
    &res(load, address)
        .body
        .attr(attr)
        .unwrap_or_else(|| panic!("no {attr} on {address}"))
        .value
}

fn text(sources: &SourceMap, span: Span) -> &str {
    &sources.get(span.file).text()[span.range.start as usize..span.range.end as usize]
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

const VARS_TF: &str = r#"
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "e" { default = "default" }
resource "x" "r" {
  a = var.a
  b = var.b
  c = var.c
  d = var.d
  e = var.e
}
"#;

#[test]
fn variable_precedence() {
    let (sources, load) = run_with(
        &[
            ("root/main.tf", VARS_TF),
            (
                "root/terraform.tfvars",
                "b = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\ne = \"tfvars\"",
            ),
            (
                "root/b.auto.tfvars",
                "c = \"auto-b\"\nd = \"auto-b\"\ne = \"auto-b\"",
            ),
            (
                "root/a.auto.tfvars.json",
                r#"{"c": "auto-a", "d": "auto-a"}"#,
            ),
            ("root/other.tfvars", "d = \"file\"\ne = \"file\""),
            ("root/ignored.tfvars", "a = \"never\""),
        ],
        |ids| Variables {
            vars: vec![("e".into(), "cli".into())],
            files: vec![ids[4]],
            environments: vec![],
        },
    );
    assert!(load.errors.is_empty(), "{:?}", load.errors);
    assert_eq!(val(&load, "x.r", "a"), &s("default"));
    assert_eq!(val(&load, "x.r", "b"), &s("tfvars"));
    assert_eq!(val(&load, "x.r", "c"), &s("auto-b"));
    assert_eq!(val(&load, "x.r", "d"), &s("file"));
    assert_eq!(val(&load, "x.r", "e"), &s("cli"));
    let r = res(&load, "x.r");
    assert_eq!(text(&sources, r.body.attr("d").unwrap().origin), "\"file\"");
    assert_eq!(
        text(&sources, r.body.attr("a").unwrap().origin),
        "\"default\""
    );
    // --var has no place in the sources: the attribute itself.
    assert_eq!(
        text(&sources, r.body.attr("e").unwrap().origin),
        "e = var.e"
    );
    assert_eq!(text(&sources, r.span), "resource \"x\" \"r\"");
}

#[test]
fn cli_var_of_collection_type_is_an_expression() {
    let (_, load) = run_with(
        &[(
            "main.tf",
            r#"
variable "zones" { type = list(string) }
variable "name" { type = string }
resource "aws_subnet" "s" {
  for_each = toset(var.zones)
  name = var.name
}
resource "x" "n" { n = length(var.zones) }
"#,
        )],
        |_| Variables {
            vars: vec![
                ("zones".into(), r#"["a", "b"]"#.into()),
                ("name".into(), "[x]".into()),
            ],
            files: vec![],
            environments: vec![],
        },
    );
    assert_eq!(val(&load, "x.n", "n"), &Value::Number(2.0));
    assert_eq!(val(&load, "aws_subnet.s[\"a\"]", "name"), &s("[x]"));
    assert_eq!(
        addresses(&load),
        ["aws_subnet.s[\"a\"]", "aws_subnet.s[\"b\"]", "x.n"]
    );
}

#[test]
fn locals_conditionals_for_and_templates() {
    let (_, load) = run(&[(
        "main.tf",
        r#"
locals {
  b = "${local.a}-b"
  a = var.env == "prod" ? "p" : "np"
  names = [for z in var.zones : upper(z)]
  plain = [for i, z in var.zones : "${i}:${z}" if z != "c"]
  by = { for z in var.zones : z => "n-${z}" }
  cyc1 = local.cyc2
  cyc2 = local.cyc1
}
variable "env" { default = "prod" }
variable "zones" { default = ["a", "b", "c"] }
resource "x" "r" {
  a = local.a
  b = local.b
  plain = local.plain
  by = local.by["b"]
  names = local.names
  cyc = local.cyc1
  heredoc = <<EOT
zone=${var.zones[0]}
%{ for z in var.zones ~}
${z}
%{ endfor ~}
EOT
  indented = <<-EOT
    a
      b
    EOT
  splat = [{ n = 1 }, { n = 2 }][*].n
  arith = 1 + 2 * 3
  ok = try(var.zones[7], "fallback")
  can = can(var.zones[7])
}
"#,
    )]);
    assert_eq!(val(&load, "x.r", "a"), &s("p"));
    assert_eq!(val(&load, "x.r", "b"), &s("p-b"));
    assert_eq!(
        val(&load, "x.r", "plain"),
        &Value::List(vec![s("0:a"), s("1:b")])
    );
    assert_eq!(val(&load, "x.r", "by"), &s("n-b"));
    assert_eq!(
        val(&load, "x.r", "names"),
        &Value::List(vec![s("A"), s("B"), s("C")])
    );
    assert_eq!(val(&load, "x.r", "cyc"), &Value::Unknown);
    assert_eq!(val(&load, "x.r", "heredoc"), &s("zone=a\na\nb\nc\n"));
    assert_eq!(val(&load, "x.r", "indented"), &s("a\n  b\n"));
    assert_eq!(
        val(&load, "x.r", "splat"),
        &Value::List(vec![Value::Number(1.0), Value::Number(2.0)])
    );
    assert_eq!(val(&load, "x.r", "arith"), &Value::Number(7.0));
    assert_eq!(val(&load, "x.r", "ok"), &s("fallback"));
    assert_eq!(val(&load, "x.r", "can"), &Value::Bool(false));
}

#[test]
fn unknowns_stay_unknown() {
    let (_, load) = run(&[(
        "main.tf",
        r#"
variable "nodefault" {}
resource "x" "r" {
  a = var.nodefault
  b = "pre-${var.nodefault}"
  c = whatever(1)
  d = try(var.nodefault, "guess")
  e = var.nodefault ? 1 : 2
  f = [1, var.nodefault]
  g = var.undeclared
}
resource "x" "counted" {
  count = var.nodefault ? 2 : 1
  n = count.index
  k = "fixed"
}
"#,
    )]);
    for attr in ["a", "b", "c", "d", "e", "f", "g"] {
        assert_eq!(val(&load, "x.r", attr), &Value::Unknown, "{attr}");
    }
    assert_eq!(val(&load, "x.counted", "n"), &Value::Unknown);
    assert_eq!(val(&load, "x.counted", "k"), &s("fixed"));
}

#[test]
fn count_and_for_each_addresses() {
    let (_, load) = run(&[(
        "main.tf",
        r#"
variable "ha" { default = true }
variable "zones" { default = { a = "10.0.1.0/24", "b c" = "10.0.2.0/24" } }
resource "aws_instance" "web" {
  count = var.ha ? 2 : 1
  name = "web-${count.index}"
}
resource "aws_instance" "none" {
  count = 0
}
resource "aws_subnet" "private" {
  for_each = var.zones
  availability_zone = each.key
  cidr_block = each.value
}
resource "aws_lb" "lb" {
  subnets = [for s in aws_subnet.private : s.id]
  first = aws_instance.web[0].id
  all = aws_instance.web[*].id
  az = aws_subnet.private["a"].availability_zone
  one = aws_subnet.private["a"].id
}
"#,
    )]);
    assert_eq!(
        addresses(&load),
        [
            "aws_instance.web[0]",
            "aws_instance.web[1]",
            "aws_lb.lb",
            "aws_subnet.private[\"a\"]",
            "aws_subnet.private[\"b c\"]",
        ]
    );
    assert_eq!(val(&load, "aws_instance.web[1]", "name"), &s("web-1"));
    assert_eq!(
        val(&load, "aws_subnet.private[\"b c\"]", "cidr_block"),
        &s("10.0.2.0/24")
    );
    let r = |a: &str, attr: &str| Value::Ref {
        address: a.into(),
        attr: attr.into(),
    };
    assert_eq!(
        val(&load, "aws_lb.lb", "first"),
        &r("aws_instance.web[0]", "id")
    );
    assert_eq!(
        val(&load, "aws_lb.lb", "all"),
        &Value::List(vec![
            r("aws_instance.web[0]", "id"),
            r("aws_instance.web[1]", "id")
        ])
    );
    assert_eq!(
        val(&load, "aws_lb.lb", "subnets"),
        &Value::List(vec![
            r("aws_subnet.private[\"a\"]", "id"),
            r("aws_subnet.private[\"b c\"]", "id")
        ])
    );
    assert_eq!(val(&load, "aws_lb.lb", "az"), &s("a"));
    let targets: Vec<&str> = res(&load, "aws_lb.lb")
        .references
        .iter()
        .map(|r| r.target.as_str())
        .collect();
    assert!(targets.contains(&"aws_instance.web[0]"), "{targets:?}");
    assert!(targets.contains(&"aws_instance.web"), "{targets:?}");
    assert!(targets.contains(&"aws_subnet.private"), "{targets:?}");
    assert!(
        targets.contains(&"aws_subnet.private[\"a\"]"),
        "{targets:?}"
    );
}

const ROOT: &str = r#"
provider "aws" { region = "eu-west-1" }
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
module "inventory_db" {
  source   = "./modules/db"
  multi_az = false
  subnets  = [aws_subnet.a.id]
  providers = { aws = aws.west }
}
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
module "gone" {
  source = "../elsewhere"
}
module "per_env" {
  source   = "./modules/db"
  for_each = toset(["x"])
}
resource "aws_subnet" "a" {
  availability_zone = "eu-west-1a"
}
resource "aws_instance" "app" {
  user_data = <<EOF
#!/bin/sh
echo ${module.inventory_db.endpoint} > /etc/db
EOF
  depends_on = [module.inventory_db, aws_subnet.a]
}
"#;

const DB: &str = r#"
variable "multi_az" { default = true }
variable "subnets" { default = [] }
resource "aws_db_instance" "this" {
  multi_az = var.multi_az
  subnet = var.subnets[0]
}
output "endpoint" { value = aws_db_instance.this.address }
"#;

#[test]
fn modules_outputs_origins_and_references() {
    let (sources, load) = run(&[("root/main.tf", ROOT), ("root/modules/db/main.tf", DB)]);
    assert!(load.errors.is_empty(), "{:?}", load.errors);
    assert_eq!(
        addresses(&load),
        [
            "aws_instance.app",
            "aws_subnet.a",
            "module.inventory_db.aws_db_instance.this",
            "module.per_env[\"x\"].aws_db_instance.this",
            // The registry module's call stands for the module: a resource
            // of type `module:ADDRESS` with the call's arguments.
            "module.vpc",
        ],
        "{:?}",
        load.unfollowed
    );
    let vpc = load
        .resources
        .iter()
        .find(|r| r.address == "module.vpc")
        .unwrap();
    assert_eq!(vpc.kind, "module:terraform-aws-modules/vpc/aws");
    assert_eq!(vpc.name, "vpc");
    assert!(vpc.body.attr("source").is_none());
    let db = res(&load, "module.inventory_db.aws_db_instance.this");
    assert_eq!(db.module, "module.inventory_db");
    let multi_az = db.body.attr("multi_az").unwrap();
    assert_eq!(multi_az.value, Value::Bool(false));
    assert_eq!(text(&sources, multi_az.origin), "false");
    assert_eq!(text(&sources, multi_az.span), "multi_az = var.multi_az");
    assert_eq!(
        db.body.attr("subnet").unwrap().value,
        Value::Ref {
            address: "aws_subnet.a".into(),
            attr: "id".into()
        }
    );
    assert_eq!(db.references.len(), 1, "{:?}", db.references);
    assert_eq!(db.references[0].target, "aws_subnet.a");
    assert_eq!(text(&sources, db.references[0].span), "var.subnets[0]");
    let (region, at) = db.region.clone().unwrap();
    assert_eq!(region, "us-west-2");
    assert_eq!(text(&sources, at), "region = \"us-west-2\"");
    assert_eq!(
        res(&load, "aws_subnet.a").region.as_ref().unwrap().0,
        "eu-west-1"
    );

    let app = res(&load, "aws_instance.app");
    assert_eq!(app.region.as_ref().unwrap().0, "eu-west-1");
    let refs: Vec<(&str, &str, &str)> = app
        .references
        .iter()
        .map(|r| (r.target.as_str(), text(&sources, r.span), r.via.as_str()))
        .collect();
    assert_eq!(
        refs,
        [
            (
                "module.inventory_db.aws_db_instance.this",
                "module.inventory_db.endpoint",
                "user_data"
            ),
            (
                "module.inventory_db.aws_db_instance.this",
                "module.inventory_db",
                "depends_on"
            ),
            ("aws_subnet.a", "aws_subnet.a", "depends_on"),
        ]
    );
    assert_eq!(
        val(&load, "aws_instance.app", "user_data"),
        &Value::Unknown,
        "a template with a ref inside is unknown"
    );

    let unfollowed: Vec<(&str, bool, &str, &str)> = load
        .unfollowed
        .iter()
        .map(|u| {
            (
                u.source.as_str(),
                u.remote,
                u.module.as_str(),
                text(&sources, u.span),
            )
        })
        .collect();
    assert_eq!(
        unfollowed,
        [
            (
                "terraform-aws-modules/vpc/aws",
                true,
                "module.vpc",
                "source = \"terraform-aws-modules/vpc/aws\""
            ),
            (
                "../elsewhere",
                false,
                "module.gone",
                "source = \"../elsewhere\""
            ),
        ]
    );
}

#[test]
fn module_count_and_nested_ids() {
    let (_, load) = run(&[
        (
            "main.tf",
            r#"
module "x" {
  source = "./m"
  count  = 2
  name   = "n${count.index}"
}
resource "r" "uses" { v = module.x[1].name }
"#,
        ),
        (
            "m/main.tf",
            r#"
variable "name" {}
module "inner" {
  source = "../n"
  for_each = { a = 1 }
  v = "${var.name}-${each.key}"
}
output "name" { value = module.inner["a"].v }
"#,
        ),
        (
            "n/main.tf",
            r#"
variable "v" {}
resource "aws_subnet" "this" {
  count = 1
  name = var.v
}
output "v" { value = aws_subnet.this[0].name }
"#,
        ),
    ]);
    assert_eq!(
        addresses(&load),
        [
            "module.x[0].module.inner[\"a\"].aws_subnet.this[0]",
            "module.x[1].module.inner[\"a\"].aws_subnet.this[0]",
            "r.uses",
        ]
    );
    assert_eq!(
        val(
            &load,
            "module.x[1].module.inner[\"a\"].aws_subnet.this[0]",
            "name"
        ),
        &s("n1-a")
    );
    assert_eq!(val(&load, "r.uses", "v"), &s("n1-a"));
    assert_eq!(
        res(&load, "module.x[1].module.inner[\"a\"].aws_subnet.this[0]").module,
        "module.x[1].module.inner[\"a\"]"
    );
}

#[test]
fn module_recursion_is_bounded() {
    let (_, load) = run(&[
        ("root/main.tf", "module \"a\" {\n  source = \"../a\"\n}\n"),
        (
            "a/main.tf",
            "module \"again\" {\n  source = \"../a\"\n}\nresource \"x\" \"y\" {}\n",
        ),
    ]);
    // A module already being instantiated is not followed again.
    assert_eq!(addresses(&load), ["module.a.x.y"]);
    let (_, load) = run(&[(
        "self/main.tf",
        "module \"me\" {\n  source = \"../self\"\n}\nresource \"a\" \"b\" {}\n",
    )]);
    assert_eq!(addresses(&load), ["a.b"]);
}

#[test]
fn dynamic_blocks_and_nested_blocks() {
    let (sources, load) = run(&[(
        "main.tf",
        r#"
variable "ports" { default = [80, 443] }
resource "aws_security_group" "sg" {
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port = ingress.value
      sg = aws_security_group.other.id
    }
  }
  high_availability {
    mode = "zonal"
  }
}
resource "aws_security_group" "other" {}
"#,
    )]);
    let sg = res(&load, "aws_security_group.sg");
    let ports: Vec<&Value> = sg
        .body
        .blocks("ingress")
        .map(|b| &b.body.attr("from_port").unwrap().value)
        .collect();
    assert_eq!(ports, [&Value::Number(80.0), &Value::Number(443.0)]);
    let ha = sg.body.blocks("high_availability").next().unwrap();
    assert_eq!(ha.body.attr("mode").unwrap().value, s("zonal"));
    assert_eq!(text(&sources, ha.span), "high_availability");
    assert!(
        sg.references
            .iter()
            .any(|r| r.target == "aws_security_group.other" && r.via == "ingress.sg")
    );
}

/// HCL Terraform accepts where hcl-edit alone refused it
/// (`vendor/hcl-edit/PATCHES.md`): a key written twice in an object
/// constructor, the last value winning, and `for` expressions whose parts
/// continue on the next line.
#[test]
fn lenient_hcl_terraform_accepts() {
    let (sources, load) = run(&[(
        "main.tf",
        r#"variable "tier" { default = "title" }
locals {
  settings = {
    multi_az = true
    region   = "eu-west-1"
    multi_az = false
  }
  labels = { for k in ["a", "b"] : k => var.tier == "none" ? k :
    var.tier == "title" ? upper(k) :
    "x-${k}" }
  enabled = { for k in var.tier == "none" ? [] :
    ["c"] : k => k }
}
resource "x" "r" {
  multi_az = local.settings.multi_az
  region   = local.settings.region
  label    = local.labels["b"]
  enabled  = local.enabled
  tags = { Name = "r", Name = "orders" }
}
"#,
    )]);
    assert!(load.errors.is_empty(), "{:?}", load.errors);
    let r = res(&load, "x.r");
    let multi_az = r.body.attr("multi_az").unwrap();
    assert_eq!(multi_az.value, Value::Bool(false));
    assert_eq!(val(&load, "x.r", "region"), &s("eu-west-1"));
    assert_eq!(val(&load, "x.r", "label"), &s("B"));
    assert_eq!(
        val(&load, "x.r", "enabled"),
        &Value::Map([("c".to_string(), s("c"))].into_iter().collect())
    );
    assert_eq!(
        val(&load, "x.r", "tags"),
        &Value::Map([("Name".to_string(), s("orders"))].into_iter().collect())
    );
    // Spans after the constructs are where they are written.
    let label = r.body.attr("label").unwrap();
    assert_eq!(text(&sources, label.span), "label    = local.labels[\"b\"]");
    let at = sources
        .get(label.span.file)
        .line_col(label.span.range.start);
    assert_eq!((at.line, at.column), (17, 3));
}

/// Of a key written twice, the parsed object keeps the item written last,
/// with its own spans.
#[test]
fn a_key_written_twice_keeps_the_last_item_and_its_spans() {
    use hcl_edit::Span as _;
    let text = "tags = {\n  Name = \"a\"\n  Team = \"t\"\n  Name = \"b\"\n}\n";
    let (body, _) = crate::parse::hcl::parse_hcl_body(text).unwrap();
    let attr = body.get_attribute("tags").unwrap();
    let object = attr.value.as_object().unwrap();
    let items: Vec<_> = object
        .iter()
        .map(|(k, v)| {
            let key = k.span().unwrap();
            let value = v.expr().span().unwrap();
            (&text[key], &text[value])
        })
        .collect();
    assert_eq!(items, [("Team", "\"t\""), ("Name", "\"b\"")]);
}

#[test]
fn syntax_error_has_position_and_other_files_load() {
    let (sources, load) = run(&[
        ("bad/main.tf", "resource \"a\" \"b\" {\n  x = \n}\n"),
        ("good/main.tf", "resource \"a\" \"ok\" {}\n"),
    ]);
    assert_eq!(addresses(&load), ["a.ok"]);
    assert_eq!(load.errors.len(), 1);
    let e = &load.errors[0];
    assert_eq!(e.code, "parse-error");
    assert!(
        e.message.starts_with("cannot parse bad/main.tf: "),
        "{}",
        e.message
    );
    let lc = sources.get(e.span.file).line_col(e.span.range.start);
    // hcl-edit stops at the end of `x = `, where the expression is missing.
    assert_eq!((lc.line, lc.column), (2, 7), "{e:?}");
}

#[test]
fn deep_nesting_is_a_diagnostic() {
    for open in ["[", "{", "("] {
        let text = format!("a = {}", open.repeat(100_000));
        let (_, load) = run(&[("deep/main.tf", &text)]);
        assert_eq!(load.errors.len(), 1);
        assert!(load.errors[0].message.contains("nesting is too deep"));
        assert_eq!(
            load.errors[0].span.range.start as usize,
            4 + crate::parse::yaml::DEFAULT_MAX_DEPTH
        );
    }
    // Other recursive constructs.
    for text in [
        format!("a = {}x", "!".repeat(100_000)),
        format!("a = {}x", "-".repeat(100_000)),
        format!("a = {}x", "x ? y : ".repeat(50_000)),
        format!("a = x{}", ".b".repeat(100_000)),
        format!("a = \"{}\"", "%{ if x }".repeat(50_000)),
        format!("a = {}", "f(".repeat(50_000)),
        "b {\n".repeat(50_000),
        format!("a = <<EOT\n{}\nEOT\n", "${\"".repeat(50_000)),
    ] {
        let _ = run(&[("deep/main.tf", &text)]);
    }
    // Under the bound, hcl-edit has its own limit (64 levels): an error.
    let text = format!("a = {}1{}", "[".repeat(250), "]".repeat(250));
    let (_, load) = run(&[("ok/main.tf", &text)]);
    assert_eq!(load.errors.len(), 1, "{:?}", load.errors);
    let text = format!("a = {}1{}", "[".repeat(60), "]".repeat(60));
    let (_, load) = run(&[("ok/main.tf", &text)]);
    assert!(load.errors.is_empty(), "{:?}", load.errors);
}

#[test]
fn tf_json() {
    let json = r#"{
  "variable": {"ha": {"default": true}},
  "locals": {"name": "db-${var.ha}"},
  "resource": {
    "aws_db_instance": {
      "this": {
        "multi_az": "${var.ha}",
        "identifier": "${local.name}",
        "count": 2,
        "subnet_id": "${aws_subnet.a.id}",
        "depends_on": ["aws_subnet.a"]
      }
    },
    "aws_subnet": {"a": {"availability_zone": "eu-west-1a", "tags": {"Name": "a"}}}
  }
}"#;
    let (sources, load) = run(&[("j/main.tf.json", json)]);
    assert!(load.errors.is_empty(), "{:?}", load.errors);
    assert_eq!(
        addresses(&load),
        [
            "aws_db_instance.this[0]",
            "aws_db_instance.this[1]",
            "aws_subnet.a"
        ]
    );
    assert_eq!(
        val(&load, "aws_db_instance.this[1]", "multi_az"),
        &Value::Bool(true)
    );
    assert_eq!(
        val(&load, "aws_db_instance.this[0]", "identifier"),
        &s("db-true")
    );
    let db = res(&load, "aws_db_instance.this[0]");
    let refs: Vec<(&str, &str)> = db
        .references
        .iter()
        .map(|r| (r.target.as_str(), text(&sources, r.span)))
        .collect();
    assert_eq!(
        refs,
        [
            ("aws_subnet.a", "aws_subnet.a.id"),
            ("aws_subnet.a", "aws_subnet.a")
        ]
    );
    let multi_az = db.body.attr("multi_az").unwrap();
    assert_eq!(text(&sources, multi_az.origin), "true");
    assert_eq!(text(&sources, db.span), "\"this\"");
}

#[test]
fn random_mutations_never_panic() {
    let base = format!("{ROOT}\n{DB}");
    let bytes = base.as_bytes();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"{}[]()\"$%~<>=?:!.*,\n -_axyz019EOT\\";
    for _ in 0..300 {
        let mut m = bytes.to_vec();
        for _ in 0..=(next() % 8) {
            let at = (next() as usize) % m.len().max(1);
            match next() % 3 {
                0 => {
                    m.remove(at.min(m.len() - 1));
                }
                1 => m.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                _ => {
                    let i = at.min(m.len() - 1);
                    m[i] = alphabet[(next() as usize) % alphabet.len()];
                }
            }
        }
        let text = String::from_utf8_lossy(&m).into_owned();
        let json = format!("{{\"resource\": {{\"a\": {{\"b\": {{\"x\": {text:?}}}}}}}}}");
        let _ = run(&[
            ("r/main.tf", &text),
            ("r/modules/db/main.tf", DB),
            ("j/main.tf.json", &json),
            ("r/terraform.tfvars", &text),
        ]);
    }
}

#[test]
fn fixture_root_module_and_tfvars() {
    let root = Path::new("testdata/terraform/hcl/app");
    let mut files: Vec<(String, String)> = Vec::new();
    for dir in ["", "modules/db"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            panic!("missing fixture {dir}");
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file() {
                files.push((
                    p.to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap_or_default(),
                ));
            }
        }
    }
    files.sort();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let (sources, load) = run(&refs);
    assert!(load.errors.is_empty(), "{:?}", load.errors);
    assert_eq!(
        addresses(&load),
        [
            "aws_instance.web[0]",
            "aws_instance.web[1]",
            "module.inventory_db.aws_db_instance.this",
        ]
    );
    let db = res(&load, "module.inventory_db.aws_db_instance.this");
    let multi_az = db.body.attr("multi_az").unwrap();
    assert_eq!(multi_az.value, Value::Bool(false));
    assert_eq!(text(&sources, multi_az.origin), "false");
    assert!(
        sources
            .get(multi_az.origin.file)
            .path
            .ends_with("terraform.tfvars")
    );
    assert_eq!(db.region.as_ref().unwrap().0, "ap-northeast-2");
    let web = res(&load, "aws_instance.web[1]");
    assert_eq!(
        web.body.attr("availability_zone").unwrap().value,
        s("ap-northeast-2c")
    );
    assert!(
        web.references
            .iter()
            .any(|r| r.target == "module.inventory_db.aws_db_instance.this" && r.via == "user_data")
    );
}

/// Every Terraform file of the corpus, grouped by repository; no panic.
#[test]
#[ignore = "prints figures for each repository of the corpus, for review"]
fn corpus() {
    let Some(root) = crate::test_corpus::corpus("") else {
        return;
    };
    let entries = std::fs::read_dir(&root).unwrap();
    let mut repos: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let started = std::time::Instant::now();
    let (mut n_files, mut n_resources, mut n_errors, mut n_unfollowed, mut bytes) = (0, 0, 0, 0, 0);
    for repo in repos {
        let mut sources = SourceMap::default();
        let mut ids = Vec::new();
        let mut stack = vec![repo.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_symlink() {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else if parse::file_kind(&p.to_string_lossy()).is_some()
                    && let Ok(t) = std::fs::read_to_string(&p)
                {
                    bytes += t.len();
                    ids.push(sources.add(SourceFile::new(p, t)));
                }
            }
        }
        if ids.is_empty() {
            continue;
        }
        let t = std::time::Instant::now();
        let load = load(
            &sources,
            &ids,
            &Variables::default(),
            &Limits::default(),
            &FileTree::default(),
        );
        eprintln!(
            "{}: {} files, {} resources, {} errors, {} unfollowed, {:?}",
            repo.display(),
            ids.len(),
            load.resources.len(),
            load.errors.len(),
            load.unfollowed.len(),
            t.elapsed()
        );
        for e in &load.errors {
            let f = sources.get(e.span.file);
            let lc = f.line_col(e.span.range.start);
            eprintln!(
                "  {}:{}:{} {}",
                f.display_path(),
                lc.line,
                lc.column,
                e.message
            );
        }
        n_files += ids.len();
        n_resources += load.resources.len();
        n_errors += load.errors.len();
        n_unfollowed += load.unfollowed.len();
    }
    eprintln!(
        "corpus: {n_files} files ({bytes} bytes), {n_resources} resources, {n_errors} errors, \
         {n_unfollowed} unfollowed modules, {:?}",
        started.elapsed()
    );
}

/// What the cache keeps of a file is what parsing it gives: the entry is
/// read back (numbers included: hcl's own serde form of a number cannot be
/// read back from an untagged format) and prints the same.
#[test]
fn declarations_round_trip_through_the_cache() {
    let text = r#"
variable "size" {
  default = 20
}
locals {
  ratio    = 0.75
  negative = -3
  big      = 18446744073709551615
  exp      = 1e3
}
resource "aws_db_instance" "this" {
  allocated_storage = var.size * 2
  multi_az          = false
}
"#;
    let (sources, ids) = map(&[("main.tf", text)]);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), Path::new("/repo")).unwrap();
    let parsed = parse_file(ids[0], sources.get(ids[0]), &Limits::default());
    assert!(parsed.error.is_none());
    let key = cache::KeyBuilder::new("tf-file").str(text).key();
    cache.put_spanned(
        "tf-file",
        &key,
        &(parsed.kind, &parsed.items, &parsed.vars),
        &ids,
    );
    cache.finish();
    let cache = Cache::open(dir.path(), Path::new("/repo")).unwrap();
    let length = |f: FileId| sources.get(f).len();
    let read: CachedFile = cache
        .get_spanned("tf-file", &key, &ids, length)
        .expect("the entry is read back");
    assert_eq!(
        format!("{:?}", (read.0, &read.1, &read.2)),
        format!("{:?}", (parsed.kind, &parsed.items, &parsed.vars))
    );
}

/// `(root, value of x.r's attribute a)` of every resource, in order.
fn by_root(load: &Load) -> Vec<(&str, &Value)> {
    load.resources
        .iter()
        .map(|r| (r.root.as_str(), &r.body.attr("a").unwrap().value))
        .collect()
}

const ENV_TF: &str =
    "variable \"a\" { default = \"default\" }\nresource \"x\" \"r\" { a = var.a }\n";

#[test]
fn variables_files_without_terraform_tfvars_are_environments() {
    let (sources, load) = run(&[
        ("infra/main.tf", ENV_TF),
        ("infra/envs/prod.tfvars", "a = \"prod\""),
        ("infra/staging.tfvars.json", r#"{"a": "staging"}"#),
        ("infra/common.auto.tfvars", "b = \"auto\""),
        // Beside the root wins over envs/ for one name.
        ("infra/envs/staging.tfvars", "a = \"envs-staging\""),
        // Not a name: not an environment.
        ("infra/envs/a b.tfvars", "a = \"space\""),
    ]);
    assert!(load.errors.is_empty(), "{:?}", load.errors);
    assert_eq!(
        by_root(&load),
        [("infra@prod", &s("prod")), ("infra@staging", &s("staging"))]
    );
    let staging = &load.resources[1];
    assert_eq!(
        text(&sources, staging.body.attr("a").unwrap().origin),
        "\"staging\""
    );
    let names: Vec<&str> = load.roots.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["infra@prod", "infra@staging"]);
}

#[test]
fn terraform_tfvars_or_a_var_file_means_no_environments() {
    let files = [
        ("infra/main.tf", ENV_TF),
        ("infra/terraform.tfvars", "a = \"tfvars\""),
        ("infra/prod.tfvars", "a = \"prod\""),
    ];
    let (_, load) = run(&files);
    assert_eq!(by_root(&load), [("infra", &s("tfvars"))]);
    let (_, load) = run_with(&[files[0], files[2]], |ids| Variables {
        files: vec![ids[1]],
        ..Variables::default()
    });
    assert_eq!(by_root(&load), [("infra", &s("prod"))]);
}

#[test]
fn declared_environments_read_their_files_in_order() {
    let abs = |p: &str| crate::discover::lexical_normalize(&std::path::absolute(p).unwrap());
    let span = Span::new(FileId(99), crate::source::TextRange::empty(0));
    let (_, load) = run_with(
        &[
            ("infra/main.tf", ENV_TF),
            ("infra/terraform.tfvars", "a = \"tfvars\""),
            ("infra/vars/one.tfvars", "a = \"one\""),
            ("infra/vars/two.tfvars", "a = \"two\""),
            ("infra/vars/other.tfvars", "a = \"other\""),
        ],
        |_| Variables {
            environments: vec![
                crate::frontends::terraform::Environment {
                    name: "dr".into(),
                    root: abs("infra"),
                    root_span: span,
                    var_files: vec![
                        (abs("infra/vars/one.tfvars"), span),
                        (abs("infra/vars/two.tfvars"), span),
                        (abs("infra/vars/missing.tfvars"), span),
                    ],
                },
                crate::frontends::terraform::Environment {
                    name: "base".into(),
                    root: abs("infra"),
                    root_span: span,
                    var_files: vec![],
                },
                crate::frontends::terraform::Environment {
                    name: "x".into(),
                    root: abs("nowhere"),
                    root_span: span,
                    var_files: vec![],
                },
            ],
            ..Variables::default()
        },
    );
    // Only the declared ones: `other.tfvars` is no environment.
    assert_eq!(
        by_root(&load),
        [("infra@base", &s("tfvars")), ("infra@dr", &s("two"))]
    );
    let messages: Vec<String> = load.errors.iter().map(|e| e.message.to_string()).collect();
    assert_eq!(
        messages,
        [
            "no variables file was read at this path",
            "no Terraform root module was read in this directory",
        ]
    );
}

#[test]
fn toggles_of_unfollowed_label_modules() {
    let (_, load) = run(&[(
        "main.tf",
        r#"
module "on" {
  source = "cloudposse/label/null"
}
module "off" {
  source  = "cloudposse/label/null"
  enabled = false
}
module "off_by_context" {
  source  = "cloudposse/label/null"
  context = { enabled = false }
}
resource "aws_instance" "made" {
  count = module.on.enabled ? 1 : 0
}
resource "aws_instance" "not_made" {
  count = module.off.enabled ? 1 : 0
}
resource "aws_instance" "not_made_by_context" {
  for_each = module.off_by_context.context.enabled ? toset(["a"]) : toset([])
}
module "cluster" {
  source       = "cloudposse/rds-cluster/aws"
  context      = module.on.context
  cluster_size = 1
}
module "cluster_off" {
  source       = "cloudposse/rds-cluster/aws"
  context      = module.off.context
  cluster_size = 1
}
module "redis" {
  source  = "cloudposse/elasticache-redis/aws"
  count   = module.on.enabled ? 1 : 0
  enabled = module.on.enabled
}
module "redis_off" {
  source = "cloudposse/elasticache-redis/aws"
  count  = module.off.enabled ? 1 : 0
}
"#,
    )]);
    // A toggle the call sets off makes the count known: nothing is made,
    // and nothing is assumed.
    let made: Vec<&str> = addresses(&load)
        .into_iter()
        .filter(|a| a.starts_with("aws_") || a.starts_with("module.redis"))
        .collect();
    assert_eq!(made, ["aws_instance.made[0]", "module.redis[0]"]);
    assert!(!res(&load, "aws_instance.made[0]").count_unknown);
    assert_eq!(res(&load, "aws_instance.made[0]").assumed.len(), 1);
    // A registry module's `enabled` comes from its context when not given;
    // read from an unfollowed label module, on unless the call says off.
    assert_eq!(val(&load, "module.cluster", "enabled"), &Value::Bool(true));
    assert_eq!(res(&load, "module.cluster").assumed.len(), 1);
    assert_eq!(
        val(&load, "module.cluster_off", "enabled"),
        &Value::Bool(false)
    );
    assert!(res(&load, "module.cluster_off").assumed.is_empty());
    assert_eq!(val(&load, "module.redis[0]", "enabled"), &Value::Bool(true));
    // Once for the `count`, once for the argument.
    assert_eq!(res(&load, "module.redis[0]").assumed.len(), 2);
}

#[test]
fn for_each_over_symbolic_zones() {
    let (_, load) = run(&[(
        "main.tf",
        r#"
data "aws_availability_zones" "a" {}
data "aws_availability_zones" "b" {}
locals {
  azs = toset(slice(data.aws_availability_zones.a.names, 0, 2))
}
resource "aws_subnet" "set" {
  for_each          = local.azs
  availability_zone = each.value
}
resource "aws_subnet" "map" {
  for_each          = { for i, az in tolist(local.azs) : az => i }
  availability_zone = each.key
  n                 = each.value
}
resource "aws_instance" "by_key" {
  for_each  = local.azs
  subnet_id = aws_subnet.set[each.key].id
}
resource "aws_subnet" "two_families" {
  for_each = toset([data.aws_availability_zones.a.names[0], data.aws_availability_zones.b.names[0]])
}
resource "aws_subnet" "mixed" {
  for_each = toset([data.aws_availability_zones.a.names[0], "eu-west-1a"])
}
resource "aws_subnet" "whole" {
  for_each = toset(data.aws_availability_zones.a.names)
}
"#,
    )]);
    let zone = |i: usize| Value::Zone {
        family: "data.aws_availability_zones.a.names".into(),
        index: i,
    };
    let key = |r: &str, i: usize| format!("{r}[data.aws_availability_zones.a.names[{i}]]");
    for r in ["aws_subnet.set", "aws_subnet.map"] {
        assert_eq!(val(&load, &key(r, 0), "availability_zone"), &zone(0));
        assert_eq!(val(&load, &key(r, 1), "availability_zone"), &zone(1));
    }
    assert_eq!(
        val(&load, &key("aws_subnet.map", 1), "n"),
        &Value::Number(1.0)
    );
    assert_eq!(
        val(&load, &key("aws_instance.by_key", 1), "subnet_id"),
        &Value::Ref {
            address: key("aws_subnet.set", 1),
            attr: "id".into(),
        }
    );
    // Zones that may be one: how many instances is not known.
    for r in [
        "aws_subnet.two_families",
        "aws_subnet.mixed",
        "aws_subnet.whole",
    ] {
        assert!(res(&load, r).count_unknown, "{r}");
    }
}

#[test]
fn count_decided_by_a_module_argument() {
    let (sources, load) = run(&[
        (
            "main.tf",
            r#"
variable "single" { default = true }
module "vpc" {
  source             = "./vpc"
  single_nat_gateway = var.single
  enable_nat_gateway = true
}
module "both" {
  source             = "./vpc"
  single_nat_gateway = false
  enable_nat_gateway = true
}
"#,
        ),
        (
            "vpc/main.tf",
            r#"
variable "single_nat_gateway" { default = false }
variable "enable_nat_gateway" { default = false }
locals {
  nat_count = var.single_nat_gateway ? 1 : 2
}
resource "aws_nat_gateway" "this" {
  count = var.enable_nat_gateway ? local.nat_count : 0
}
resource "aws_eip" "both" {
  count = var.enable_nat_gateway && var.single_nat_gateway ? 1 : 0
}
"#,
        ),
    ]);
    let origin = res(&load, "module.vpc.aws_nat_gateway.this[0]")
        .count_origin
        .clone()
        .expect("decided by `single_nat_gateway`");
    assert_eq!(
        text(&sources, origin.argument.unwrap()),
        "single_nat_gateway = var.single"
    );
    let (at, by) = origin.origin.unwrap();
    assert_eq!((text(&sources, at), by), ("true", SetBy::Default));
    let other = res(&load, "module.both.aws_nat_gateway.this[1]")
        .count_origin
        .clone()
        .unwrap();
    assert_eq!(
        text(&sources, other.argument.unwrap()),
        "single_nat_gateway = false"
    );
    // Two variables decide together: no one place.
    assert!(
        res(&load, "module.vpc.aws_eip.both[0]")
            .count_origin
            .is_none()
    );
}
