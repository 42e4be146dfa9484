use super::*;
use crate::parse::yaml::{Limits, parse_stream};
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/terraform/plan");

struct Loaded {
    text: String,
    resources: Vec<Resource>,
}

impl Loaded {
    fn at(&self, span: Span) -> &str {
        &self.text[span.range.start as usize..span.range.end as usize]
    }

    fn get(&self, address: &str) -> &Resource {
        self.resources
            .iter()
            .find(|r| r.address == address)
            .unwrap_or_else(|| panic!("no {address} in {:?}", self.addresses()))
    }

    fn addresses(&self) -> Vec<&str> {
        self.resources.iter().map(|r| r.address.as_str()).collect()
    }

    fn targets(&self, address: &str) -> Vec<&str> {
        self.get(address)
            .references
            .iter()
            .map(|r| r.target.as_str())
            .collect()
    }
}

fn parse(text: &str) -> Option<Vec<Resource>> {
    let (docs, err) = parse_stream(text, &Limits::default());
    assert!(err.is_none(), "{err:?}");
    read(FileId(0), &docs.first()?.root)
}

fn load(name: &str) -> Loaded {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap();
    let resources = parse(&text).expect("a plan");
    Loaded { text, resources }
}

fn r(address: &str, attr: &str) -> Value {
    Value::Ref {
        address: address.to_string(),
        attr: attr.to_string(),
    }
}

#[test]
fn plan_with_rds_and_asg_over_new_subnets() {
    let p = load("rds_asg.plan.json");
    assert_eq!(
        p.addresses(),
        [
            "aws_subnet.a",
            "aws_subnet.b",
            "aws_db_subnet_group.db",
            "aws_db_instance.db",
            "aws_launch_template.web",
            "aws_autoscaling_group.web",
            "aws_instance.bastion",
            "data.aws_subnet.legacy",
            "data.aws_region.current",
        ]
    );
}

/// The database: its values from the plan, its region and its subnet group.
#[test]
fn plan_database_values_and_references() {
    let p = load("rds_asg.plan.json");
    let db = p.get("aws_db_instance.db");
    assert_eq!(db.kind, "aws_db_instance");
    assert_eq!(db.name, "db");
    assert_eq!(db.module, "");
    assert_eq!(db.mode, Mode::Managed);
    assert_eq!(p.at(db.span), r#""address": "aws_db_instance.db""#);
    let multi_az = db.body.attr("multi_az").unwrap();
    assert_eq!(multi_az.value, Value::Bool(false));
    assert_eq!(p.at(multi_az.span), r#""multi_az": false"#);
    assert_eq!(multi_az.origin, multi_az.span);
    assert_eq!(
        db.body.attr("allocated_storage").unwrap().value,
        Value::Number(100.0)
    );
    // Unknown after apply, no configuration reference: unknown, pointing at
    // the `after_unknown` member.
    let az = db.body.attr("availability_zone").unwrap();
    assert_eq!(az.value, Value::Unknown);
    assert_eq!(p.at(az.span), r#""availability_zone": true"#);
    // Known in the plan: the plan's string, even though the configuration
    // references the subnet group.
    assert_eq!(
        db.body.attr("db_subnet_group_name").unwrap().value,
        Value::String("orders-db".into())
    );
    let (region, span) = db.region.clone().unwrap();
    assert_eq!(region, "us-east-1");
    assert_eq!(p.at(span), r#""region": {"constant_value": "us-east-1"}"#);
    assert_eq!(p.targets("aws_db_instance.db"), ["aws_db_subnet_group.db"]);
    let via = &db.references[0];
    assert_eq!(via.via, "db_subnet_group_name");
    assert_eq!(p.at(via.span), r#""aws_db_subnet_group.db.name""#);
}

/// Subnets being created: refs to their ids, in order; the group's nested
/// block, both ways.
#[test]
fn plan_refs_to_subnets_being_created() {
    let p = load("rds_asg.plan.json");
    let group = p.get("aws_db_subnet_group.db");
    assert_eq!(
        group.body.attr("subnet_ids").unwrap().value,
        Value::List(vec![r("aws_subnet.a", "id"), r("aws_subnet.b", "id")])
    );
    assert_eq!(group.body.attr("tags").unwrap().value, Value::Null);

    let asg = p.get("aws_autoscaling_group.web");
    let zones = asg.body.attr("vpc_zone_identifier").unwrap();
    assert_eq!(
        zones.value,
        Value::List(vec![r("aws_subnet.a", "id"), r("aws_subnet.b", "id")])
    );
    assert_eq!(p.at(zones.span), r#""vpc_zone_identifier": true"#);
    assert_eq!(asg.body.attr("min_size").unwrap().value, Value::Number(2.0));
    // The nested block, both ways.
    let lt = asg.body.attr("launch_template").unwrap();
    let Value::List(items) = &lt.value else {
        panic!("{lt:?}")
    };
    let Value::Map(first) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(first["version"], Value::String("$Latest".into()));
    assert_eq!(first["name"], Value::Null);
    assert_eq!(first["id"], Value::Unknown);
    let block = asg.body.blocks("launch_template").next().unwrap();
    assert_eq!(
        block.body.attr("id").unwrap().value,
        r("aws_launch_template.web", "id")
    );
    assert_eq!(p.at(block.body.attr("id").unwrap().span), r#""id": true"#);
    assert_eq!(
        p.at(block.body.attr("version").unwrap().span),
        r#""version": "$Latest""#
    );
    assert_eq!(p.at(block.span), r#"{"name": null, "version": "$Latest"}"#);
    assert!(asg.body.blocks("tag").next().is_none());
    assert_eq!(
        p.targets("aws_autoscaling_group.web"),
        [
            "aws_launch_template.web",
            "aws_subnet.a",
            "aws_subnet.b",
            "aws_db_instance.db"
        ]
    );
    let dep = asg.references.last().unwrap();
    assert_eq!(dep.via, "depends_on");
    assert_eq!(p.at(dep.span), r#""aws_db_instance.db""#);
    assert_eq!(asg.references[0].via, "launch_template.id");
}

/// An existing subnet's id becomes a ref to the data source that read it;
/// a region name that is an id (`aws_region`) stays a string.
#[test]
fn plan_refs_to_data_sources() {
    let p = load("rds_asg.plan.json");
    let bastion = p.get("aws_instance.bastion");
    let subnet = bastion.body.attr("subnet_id").unwrap();
    assert_eq!(subnet.value, r("data.aws_subnet.legacy", "id"));
    assert_eq!(
        p.at(subnet.span),
        r#""subnet_id": "subnet-0abc1234def567890""#
    );
    let Value::Map(tags) = &bastion.body.attr("tags").unwrap().value else {
        panic!()
    };
    assert_eq!(tags["Region"], Value::String("us-east-1".into()));
    assert_eq!(
        p.targets("aws_instance.bastion"),
        ["data.aws_subnet.legacy", "data.aws_region.current"]
    );

    let legacy = p.get("data.aws_subnet.legacy");
    assert_eq!(legacy.mode, Mode::Data);
    assert_eq!(legacy.kind, "aws_subnet");
    assert_eq!(
        legacy.body.attr("id").unwrap().value,
        Value::String("subnet-0abc1234def567890".into())
    );
    // Only in prior_state: its span is there.
    let region = p.get("data.aws_region.current");
    assert!(region.span.range.start > p.text.find("\"prior_state\"").unwrap() as u32);
}

#[test]
fn state_json() {
    let s = load("state.json");
    assert_eq!(
        s.addresses(),
        [
            r#"aws_subnet.public["eu-west-1a"]"#,
            r#"aws_subnet.public["eu-west-1b"]"#,
            "aws_lb.front",
            "aws_db_instance.main",
            "data.aws_region.current",
        ]
    );
    let a = s.get(r#"aws_subnet.public["eu-west-1a"]"#);
    assert_eq!(a.name, "public");
    assert_eq!(
        s.at(a.span),
        r#""address": "aws_subnet.public[\"eu-west-1a\"]""#
    );
    let lb = s.get("aws_lb.front");
    assert_eq!(
        lb.body.attr("subnets").unwrap().value,
        Value::List(vec![
            r(r#"aws_subnet.public["eu-west-1a"]"#, "id"),
            r(r#"aws_subnet.public["eu-west-1b"]"#, "id"),
        ])
    );
    let mappings: Vec<&Block> = lb.body.blocks("subnet_mapping").collect();
    assert_eq!(mappings.len(), 2);
    assert_eq!(
        mappings[1].body.attr("subnet_id").unwrap().value,
        r(r#"aws_subnet.public["eu-west-1b"]"#, "id")
    );
    assert_eq!(
        s.targets("aws_lb.front"),
        [
            r#"aws_subnet.public["eu-west-1a"]"#,
            r#"aws_subnet.public["eu-west-1b"]"#
        ]
    );
    assert_eq!(lb.references[0].via, "subnet_mapping.subnet_id");
    assert_eq!(
        s.at(lb.references[0].span),
        r#""subnet_id": "subnet-0aaa1111bbbb2222c""#
    );
    // An account number is not followed; no region without configuration.
    assert_eq!(
        s.get(r#"aws_subnet.public["eu-west-1a"]"#)
            .body
            .attr("owner_id")
            .unwrap()
            .value,
        Value::String("123456789012".into())
    );
    assert!(lb.region.is_none());

    let db = s.get("aws_db_instance.main");
    assert_eq!(db.body.attr("multi_az").unwrap().value, Value::Bool(false));
    let (region, span) = db.region.clone().unwrap();
    assert_eq!(region, "eu-west-1");
    assert_eq!(s.at(span), r#""region": "eu-west-1""#);
    assert_eq!(s.targets("aws_db_instance.main"), ["aws_subnet.public"]);
    assert_eq!(s.at(db.references[0].span), r#""aws_subnet.public""#);
}

#[test]
fn plan_with_child_modules_and_indexed_instances() {
    let p = load("modules.plan.json");
    assert_eq!(
        p.addresses(),
        [
            "aws_db_subnet_group.main",
            "aws_eks_node_group.workers",
            "aws_route53_record.db",
            "module.vpc.aws_subnet.private[0]",
            "module.vpc.aws_subnet.private[1]",
            r#"module.db["main"].aws_db_instance.this"#,
        ]
    );
    let s1 = p.get("module.vpc.aws_subnet.private[1]");
    assert_eq!(s1.module, "module.vpc");
    assert_eq!(s1.kind, "aws_subnet");
    assert_eq!(s1.name, "private");
    assert_eq!(
        s1.body.attr("availability_zone").unwrap().value,
        Value::String("us-east-1b".into())
    );
    assert_eq!(s1.body.attr("id").unwrap().value, Value::Unknown);
    assert_eq!(s1.region.as_ref().unwrap().0, "us-east-1");

    // A module output naming a resource without its attribute: a reference
    // to every instance, the value stays unknown.
    let ng = p.get("aws_eks_node_group.workers");
    assert_eq!(ng.body.attr("subnet_ids").unwrap().value, Value::Unknown);
    assert_eq!(
        p.targets("aws_eks_node_group.workers"),
        ["module.vpc.aws_subnet.private"]
    );
    assert_eq!(ng.references[0].via, "subnet_ids");
    assert_eq!(
        p.at(ng.references[0].span),
        r#""module.vpc.private_subnets""#
    );
    assert_eq!(ng.body.blocks("scaling_config").count(), 1);

    // Through a module output to an attribute, element by element.
    let rec = p.get("aws_route53_record.db");
    assert_eq!(
        rec.body.attr("records").unwrap().value,
        Value::List(vec![r(
            r#"module.db["main"].aws_db_instance.this"#,
            "endpoint"
        )])
    );
    assert_eq!(
        p.targets("aws_route53_record.db"),
        [r#"module.db["main"].aws_db_instance.this"#]
    );

    // Through a module variable up to the root.
    let db = p.get(r#"module.db["main"].aws_db_instance.this"#);
    assert_eq!(db.module, r#"module.db["main"]"#);
    assert_eq!(
        db.body.attr("db_subnet_group_name").unwrap().value,
        r("aws_db_subnet_group.main", "name")
    );
    assert_eq!(
        p.targets(r#"module.db["main"].aws_db_instance.this"#),
        ["aws_db_subnet_group.main"]
    );
    // The aliased provider's region is a variable: unknown.
    assert!(db.region.is_none());
    assert_eq!(db.body.attr("multi_az").unwrap().value, Value::Bool(true));
}

#[test]
fn deleted_resources_are_not_part_of_the_estate() {
    let p = load("delete.plan.json");
    assert_eq!(p.addresses(), ["aws_instance.new", "aws_instance.replaced"]);
    let new = p.get("aws_instance.new");
    let Value::Map(tags) = &new.body.attr("tags").unwrap().value else {
        panic!()
    };
    // The deleted instance's id is not followed.
    assert_eq!(
        tags["Replaces"],
        Value::String("i-0123456789abcdef0".into())
    );
    let replaced = p.get("aws_instance.replaced");
    assert_eq!(replaced.body.attr("id").unwrap().value, Value::Unknown);
    assert_eq!(
        replaced.body.attr("ami").unwrap().value,
        Value::String("ami-0fedcba9876543210".into())
    );
}

#[test]
fn other_documents_are_not_plans() {
    assert!(parse(r#"{"kind": "Service"}"#).is_none());
    assert!(parse(r#"{"format_version": "1.0"}"#).is_none());
    assert!(parse(r#"{"planned_values": {}}"#).is_none());
    assert!(parse("[1, 2]").is_none());
    assert_eq!(
        parse(r#"{"format_version": "1.0", "values": {}}"#),
        Some(Vec::new())
    );
}

#[test]
fn odd_input_does_not_panic() {
    let docs = [
        r#"{"format_version": 1, "planned_values": []}"#,
        r#"{"format_version": 1, "planned_values": {"root_module": {"resources": {"a": 1}}}}"#,
        r#"{"format_version": 1, "planned_values": {"root_module": {"resources": [1, null, {"address": 3}, {"address": "x"}, {"address": "a.b[", "values": {}}, {"address": "a.b", "values": [1]}], "child_modules": "no"}}}"#,
        r#"{"format_version": 1, "resource_changes": [1, {"address": "a.b", "change": {"actions": "delete", "after": {"x": 1}, "after_unknown": [true]}}]}"#,
        r#"{"format_version": 1, "resource_changes": [{"address": "a.b", "change": {"after": {"x": [1, {"y": null}]}, "after_unknown": {"x": [true, {"y": true}, true], "z": {"k": true}, "w": [true]}}}], "configuration": {"root_module": {"resources": [{"address": "a.b", "expressions": {"x": {"references": ["var.q", "module", "module.m.o", "data.x", "aws.y[", "b.c[*].id", 3]}, "w": [1, {"references": "x"}]}, "depends_on": [1, "module.none"]}]}, "provider_config": []}}"#,
        r#"{"format_version": "1", "values": {"root_module": {"resources": [{"address": "a.b", "values": {"id": "subnet-12345678", "x": "subnet-12345678"}}, {"address": "a.c", "values": {"id": "subnet-12345678"}}, {"address": "a.d", "values": {"s": ["subnet-12345678"], "id": {"x": 1}}}]}}}"#,
        r#"{"format_version": "1", "planned_values": {"root_module": {"resources": [{"address": "module.a[\"x]\"].b.c", "values": {"region": 3, "location": ""}}]}}, "configuration": {"root_module": {"module_calls": {"a": {"module": {"resources": [{"address": "b.c", "provider_config_key": "a:aws"}]}}}}, "provider_config": {"aws": {"expressions": {"region": {"constant_value": ["x"]}}}}}}"#,
    ];
    for doc in docs {
        let _ = parse(doc);
    }
    // Deeply nested values and modules.
    let deep = format!(
        r#"{{"format_version": "1", "values": {{"root_module": {{"resources": [{{"address": "a.b", "values": {{"x": {}1{}}}}}]}}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    assert_eq!(parse(&deep).map(|r| r.len()), Some(1));
    let mut nested = String::from(r#"{"address": "a.b"}"#);
    for _ in 0..120 {
        nested = format!(r#"{{"child_modules": [{nested}]}}"#);
    }
    let doc = format!(r#"{{"format_version": "1", "values": {{"root_module": {nested}}}}}"#);
    let _ = parse(&doc);
}

#[test]
fn addresses_split() {
    let a = Address::parse(r#"module.a["x.y]"].module.b[0].data.aws_s.n["k"]"#).unwrap();
    assert_eq!(a.module_path(), r#"module.a["x.y]"].module.b[0]"#);
    assert_eq!(a.mode, Mode::Data);
    assert_eq!(a.local(), "data.aws_s.n");
    assert_eq!(a.key.as_deref(), Some(r#""k""#));
    assert_eq!(
        strip_keys(r#"module.a["x"].aws_s.n[1]"#).as_deref(),
        Some("module.a.aws_s.n")
    );
    assert!(Address::parse("aws_s").is_none());
    assert!(Address::parse("aws_s.n.id").is_none());
    assert!(Address::parse("a..b").is_none());
    assert!(Address::parse(r#"a.b["x"#).is_none());
    assert!(looks_like_region("us-east-1"));
    assert!(looks_like_region("us-gov-west-1"));
    assert!(looks_like_region("us-central1"));
    assert!(looks_like_region("us-central1-b"));
    assert!(looks_like_region("eu-west-1a"));
    assert!(!looks_like_region("subnet-0abc1234"));
    assert!(looks_like_id("subnet-0abc1234"));
    assert!(!looks_like_id("123456789012"));
    assert!(!looks_like_id("eu-west-1"));
}

fn hcl_span(at: u32) -> Span {
    Span::new(FileId(7), TextRange::new(at as usize, at as usize + 1))
}

fn hcl_resource(address: &str) -> Resource {
    let parsed = Address::parse(address).unwrap();
    Resource {
        address: address.to_string(),
        module: parsed.module_path(),
        root: ".".into(),
        call: None,
        mode: parsed.mode,
        kind: parsed.kind.clone(),
        name: parsed.name.clone(),
        region: Some(("us-east-1".into(), hcl_span(1))),
        body: Body::default(),
        span: hcl_span(0),
        count_unknown: false,
        assumed: Vec::new(),
        count_origin: None,
        references: vec![ResourceRef {
            target: "aws_subnet.a".into(),
            span: hcl_span(2),
            via: "subnet_ids".into(),
        }],
    }
}

#[test]
fn merge_points_at_the_hcl_and_keeps_plan_values() {
    let p = load("rds_asg.plan.json");
    let mut db = hcl_resource("aws_db_instance.db");
    let attr = |value: Value, at: u32| Attr {
        value,
        span: hcl_span(at),
        origin: hcl_span(at + 100),
        set_by: SetBy::Default,
        unset: None,
    };
    db.body
        .attrs
        .insert("multi_az".into(), attr(Value::Unknown, 10));
    db.body
        .attrs
        .insert("instance_class".into(), attr(Value::String("x".into()), 11));
    // Only in the HCL.
    db.body
        .attrs
        .insert("lifecycle_note".into(), attr(Value::Null, 12));
    let mut asg = hcl_resource("aws_autoscaling_group.web");
    let mut lt = Body::default();
    lt.attrs
        .insert("id".into(), attr(r("aws_launch_template.web", "id"), 20));
    asg.body.blocks.push((
        "launch_template".into(),
        Block {
            body: lt,
            span: hcl_span(21),
        },
    ));
    let orphan = hcl_resource("aws_sqs_queue.jobs");
    let plan_count = p.resources.len();
    let merged = merge(vec![db, orphan, asg], p.resources.clone());
    assert_eq!(merged.len(), plan_count + 1);
    assert_eq!(merged[0].address, "aws_db_instance.db");
    assert_eq!(merged[1].address, "aws_sqs_queue.jobs");
    assert_eq!(merged[2].address, "aws_autoscaling_group.web");

    let db = &merged[0];
    assert_eq!(db.span, hcl_span(0));
    let multi_az = db.body.attr("multi_az").unwrap();
    assert_eq!(multi_az.value, Value::Bool(false));
    assert_eq!(multi_az.span, hcl_span(10));
    assert_eq!(multi_az.origin, hcl_span(110));
    assert_eq!(
        db.body.attr("instance_class").unwrap().value,
        Value::String("db.r6g.large".into())
    );
    assert_eq!(db.body.attr("lifecycle_note").unwrap().span, hcl_span(12));
    // Plan-only attributes keep their JSON spans.
    assert_eq!(
        p.at(db.body.attr("engine").unwrap().span),
        r#""engine": "postgres""#
    );
    assert_eq!(db.region, Some(("us-east-1".into(), hcl_span(1))));
    let targets: Vec<&str> = db.references.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["aws_subnet.a", "aws_db_subnet_group.db"]);

    let asg = &merged[2];
    let block = asg.body.blocks("launch_template").next().unwrap();
    assert_eq!(block.span, hcl_span(21));
    assert_eq!(block.body.attr("id").unwrap().span, hcl_span(20));
    assert_eq!(
        p.at(block.body.attr("version").unwrap().span),
        r#""version": "$Latest""#
    );
    assert_eq!(asg.body.attr("launch_template").unwrap().span, hcl_span(21));
    // aws_subnet.a from both sides, once.
    let subnet_refs = asg
        .references
        .iter()
        .filter(|r| r.target == "aws_subnet.a")
        .count();
    assert_eq!(subnet_refs, 1);
}

#[test]
fn merge_spreads_an_unkeyed_hcl_resource_over_plan_instances() {
    let p = load("modules.plan.json");
    let subnets = hcl_resource("module.vpc.aws_subnet.private");
    let merged = merge(vec![subnets], p.resources.clone());
    assert_eq!(merged.len(), p.resources.len());
    let instances: Vec<&Resource> = merged
        .iter()
        .filter(|r| r.address.starts_with("module.vpc.aws_subnet.private["))
        .collect();
    assert_eq!(instances.len(), 2);
    assert!(instances.iter().all(|r| r.span == hcl_span(0)));
    assert!(
        !merged
            .iter()
            .any(|r| r.address == "module.vpc.aws_subnet.private")
    );
}

/// Every plan and state in the shared corpus reads without a panic.
#[test]
fn corpus_plans_read_without_panic() {
    let Some(root) = crate::test_corpus::corpus("") else {
        return;
    };
    let mut stack = vec![root];
    let (mut files, mut plans, mut resources, mut refs, mut unknown) = (0, 0, 0, 0, 0);
    let mut value_refs = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if !text.contains("format_version") {
                continue;
            }
            files += 1;
            let (docs, _) = parse_stream(&text, &Limits::default());
            for doc in &docs {
                if let Some(rs) = read(FileId(0), &doc.root) {
                    plans += 1;
                    resources += rs.len();
                    for r in &rs {
                        refs += r.references.len();
                        unknown += r
                            .body
                            .attrs
                            .values()
                            .filter(|a| !a.value.is_known())
                            .count();
                        value_refs += r
                            .body
                            .attrs
                            .values()
                            .map(|a| a.value.refs().len())
                            .sum::<usize>();
                        assert!(r.span.range.end as usize <= text.len());
                    }
                }
            }
        }
    }
    eprintln!(
        "corpus: {files} files with format_version, {plans} plans/states, \
         {resources} resources, {refs} references, {unknown} unknown attributes, \
         {value_refs} Refs in values"
    );
}
