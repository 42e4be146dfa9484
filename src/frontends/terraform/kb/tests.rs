use super::extract::{base, is_zone, resource_type};
use super::*;
use crate::frontends::terraform::{Attr, Block, Body, Mode, Resource, ResourceRef, SetBy, Value};
use crate::model::{CloudClass, CloudFact, CloudUnit, Model, Reference, Role};
use crate::source::{Span, TextRange};
use std::sync::atomic::{AtomicU32, Ordering};

// ── Builders ────────────────────────────────────────────────────────────────

static NEXT: AtomicU32 = AtomicU32::new(1);

/// A fresh span in file 0, distinct from every other one.
fn sp() -> Span {
    let n = NEXT.fetch_add(2, Ordering::Relaxed) as usize;
    Span::new(FileId(0), TextRange::new(n, n + 1))
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn n(v: f64) -> Value {
    Value::Number(v)
}

fn b(v: bool) -> Value {
    Value::Bool(v)
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn strs(items: &[&str]) -> Value {
    list(items.iter().map(|v| s(v)).collect())
}

fn r(address: &str, attr: &str) -> Value {
    Value::Ref {
        address: address.to_string(),
        attr: attr.to_string(),
    }
}

struct Res(Resource);

/// A managed resource; the type and name come from the address.
fn res(address: &str) -> Res {
    let (data, kind) = resource_type(address).expect("a resource address");
    let name = base(address).rsplit('.').next().unwrap().to_string();
    Res(Resource {
        address: address.to_string(),
        module: String::new(),
        root: ".".to_string(),
        call: None,
        mode: if data { Mode::Data } else { Mode::Managed },
        kind: kind.to_string(),
        name,
        region: None,
        body: Body::default(),
        span: sp(),
        count_unknown: false,
        assumed: Vec::new(),
        count_origin: None,
        references: Vec::new(),
    })
}

impl Res {
    /// An attribute written in place; dotted paths create nested blocks.
    fn set(self, path: &str, value: Value) -> Self {
        self.put(path, value, None)
    }

    /// An attribute whose value is written at `origin` (a variable).
    fn set_from(self, path: &str, value: Value, origin: Span) -> Self {
        self.put(path, value, Some(origin))
    }

    fn put(mut self, path: &str, value: Value, origin: Option<Span>) -> Self {
        let refs: Vec<String> = value.refs().iter().map(|(a, _)| a.to_string()).collect();
        let span = sp();
        let segments: Vec<&str> = path.split('.').collect();
        let mut body = &mut self.0.body;
        for seg in &segments[..segments.len() - 1] {
            let pos = match body.blocks.iter().position(|(k, _)| k == seg) {
                Some(pos) => pos,
                None => {
                    body.blocks.push((
                        seg.to_string(),
                        Block {
                            body: Body::default(),
                            span: sp(),
                        },
                    ));
                    body.blocks.len() - 1
                }
            };
            body = &mut body.blocks[pos].1.body;
        }
        body.attrs.insert(
            segments[segments.len() - 1].to_string(),
            Attr {
                value,
                span,
                origin: origin.unwrap_or(span),
                set_by: if origin.is_some() {
                    SetBy::Default
                } else {
                    SetBy::InPlace
                },
                unset: None,
            },
        );
        for target in refs {
            self.0.references.push(ResourceRef {
                target,
                span,
                via: path.to_string(),
            });
        }
        self
    }

    /// A repeated nested block with attributes.
    fn block(mut self, kind: &str, attrs: &[(&str, Value)]) -> Self {
        let mut body = Body::default();
        for (k, v) in attrs {
            let span = sp();
            body.attrs.insert(
                k.to_string(),
                Attr {
                    value: v.clone(),
                    span,
                    origin: span,
                    set_by: SetBy::InPlace,
                    unset: None,
                },
            );
        }
        self.0
            .body
            .blocks
            .push((kind.to_string(), Block { body, span: sp() }));
        self
    }

    fn depends_on(mut self, target: &str) -> Self {
        self.0.references.push(ResourceRef {
            target: target.to_string(),
            span: sp(),
            via: "depends_on".to_string(),
        });
        self
    }

    /// Made by a `count` or `for_each` whose value is not known.
    fn uncounted(mut self) -> Self {
        self.0.count_unknown = true;
        self
    }

    fn done(self) -> Resource {
        self.0
    }
}

fn attr<'a>(r: &'a Resource, path: &str) -> &'a Attr {
    let mut body = &r.body;
    let segments: Vec<&str> = path.split('.').collect();
    for seg in &segments[..segments.len() - 1] {
        body = &body.blocks.iter().find(|(k, _)| k == seg).unwrap().1.body;
    }
    body.attr(segments[segments.len() - 1]).unwrap()
}

fn subnet(address: &str, zone: &str) -> Resource {
    res(address).set("availability_zone", s(zone)).done()
}

fn model_of(resources: &[Resource]) -> Model {
    let mut model = Model::default();
    extract(resources, &KnowledgeBase::builtin(), &mut model);
    model
}

/// The facts of the entity at `address`.
fn facts(resources: &[Resource], address: &str) -> Vec<CloudFact> {
    let model = model_of(resources);
    let entity = model
        .entities
        .iter()
        .find(|e| e.name == address)
        .unwrap_or_else(|| panic!("no entity {address}"));
    entity.instances[0].detail().cloud.clone()
}

fn one_fact(resources: &[Resource], address: &str) -> CloudFact {
    let mut all = facts(resources, address);
    assert_eq!(all.len(), 1, "facts of {address}: {all:#?}");
    all.remove(0)
}

fn no_facts(resources: &[Resource], address: &str) {
    let all = facts(resources, address);
    assert!(all.is_empty(), "facts of {address}: {all:#?}");
}

fn units(resources: &[Resource], address: &str) -> Vec<CloudUnit> {
    facts(resources, address)
        .into_iter()
        .map(|f| f.unit)
        .collect()
}

fn zone(z: &str) -> CloudUnit {
    CloudUnit::Zone(Some(z.to_string()))
}

// ── The builtin knowledge base ──────────────────────────────────────────────

#[test]
fn builtin_files_load_cleanly() {
    for (name, text) in BUILTIN {
        let mut kb = KnowledgeBase::default();
        let diags = kb.extend(FileId(0), text);
        assert!(diags.is_empty(), "{name}: {diags:#?}");
    }
    let kb = KnowledgeBase::builtin();
    for kind in [
        "aws_instance",
        "aws_db_instance",
        "google_container_cluster",
        "azurerm_storage_account",
    ] {
        assert!(kb.entry(kind).is_some(), "{kind}");
    }
    assert!(kb.is_config("aws_iam_role"));
    assert!(kb.is_config("aws_subnet"));
    assert!(!kb.is_config("aws_db_instance"));
    assert!(!kb.is_config("aws_s3_bucket"));
}

#[test]
fn zone_names_and_regions() {
    for z in [
        "us-east-1a",
        "use1-az1",
        "us-central1-a",
        "1",
        "us-west-2-lax-1a",
    ] {
        assert!(is_zone(z), "{z}");
    }
    for r in [
        "us-east-1",
        "us-central1",
        "westeurope",
        "eastus2",
        "europe-west1",
    ] {
        assert!(!is_zone(r), "{r}");
    }
}

#[test]
fn addresses() {
    assert_eq!(base("aws_subnet.a[0]"), "aws_subnet.a");
    assert_eq!(base("aws_subnet.a[\"x[1]\"]"), "aws_subnet.a");
    assert_eq!(
        base("module.m[\"a.b\"].aws_subnet.a"),
        "module.m[\"a.b\"].aws_subnet.a"
    );
    assert_eq!(
        resource_type("module.m.data.aws_subnet.x"),
        Some((true, "aws_subnet"))
    );
    assert_eq!(
        resource_type("module.m[\"a.b\"].aws_db_instance.x[0]"),
        Some((false, "aws_db_instance"))
    );
    assert_eq!(resource_type("module.vpc"), None);
}

// ── Entities and dependencies ──────────────────────────────────────────────

#[test]
fn entities_roles_and_ids() {
    let resources = vec![
        res("aws_db_instance.db").set("multi_az", b(true)).done(),
        res("aws_s3_bucket.logs").done(),
        res("aws_iam_role.app").done(),
        res("data.aws_subnet.x").done(),
        res("aws_lb.web").done(),
    ];
    let model = model_of(&resources);
    let ids: Vec<(&str, Role)> = model
        .entities
        .iter()
        .map(|e| (e.id.as_str(), e.role))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("tf:aws_db_instance.db", Role::Datastore),
            ("tf:aws_s3_bucket.logs", Role::Datastore),
            ("tf:aws_lb.web", Role::Network),
        ]
    );
    let db = &model.entities[0];
    assert_eq!(db.kind, "aws_db_instance");
    assert_eq!(db.name, "aws_db_instance.db");
    assert_eq!(db.label(), "aws_db_instance.db");
    assert_eq!(db.instances[0].span, resources[0].span);
}

#[test]
fn dependencies_skip_configuration_and_data_sources() {
    let resources = vec![
        subnet("aws_subnet.a", "us-east-1a"),
        res("aws_security_group.web").done(),
        res("aws_db_instance.db").set("multi_az", b(true)).done(),
        res("aws_launch_template.web")
            .set("user_data", r("aws_db_instance.db", "address"))
            .set(
                "vpc_security_group_ids",
                list(vec![r("aws_security_group.web", "id")]),
            )
            .set("image_id", r("data.aws_ami.ubuntu", "id"))
            .done(),
        res("aws_autoscaling_group.web")
            .set("vpc_zone_identifier", list(vec![r("aws_subnet.a", "id")]))
            .set("launch_template.id", r("aws_launch_template.web", "id"))
            .depends_on("aws_iam_role.web")
            .depends_on("aws_s3_bucket.assets")
            .done(),
    ];
    let model = model_of(&resources);
    let deps = |name: &str| -> Vec<(String, String, bool)> {
        let e = model.entities.iter().find(|e| e.name == name).unwrap();
        e.instances[0]
            .dependencies
            .iter()
            .map(|d| {
                let Reference::Terraform { address: t, .. } = &d.target else {
                    panic!()
                };
                (t.clone(), d.via.to_string(), d.explicit)
            })
            .collect()
    };
    assert_eq!(
        deps("aws_launch_template.web"),
        vec![("aws_db_instance.db".into(), "user_data".into(), false)]
    );
    assert_eq!(
        deps("aws_autoscaling_group.web"),
        vec![
            (
                "aws_launch_template.web".into(),
                "launch_template.id".into(),
                false
            ),
            ("aws_s3_bucket.assets".into(), "depends_on".into(), false),
        ]
    );
    let lt = model
        .entities
        .iter()
        .find(|e| e.name == "aws_launch_template.web")
        .unwrap();
    assert!(lt.instances[0].transparent);
}

// ── Subnet → zone resolution ───────────────────────────────────────────────

#[test]
fn asg_in_one_subnet_is_in_one_zone() {
    let resources = vec![
        subnet("aws_subnet.a", "us-east-1a"),
        res("aws_autoscaling_group.web")
            .set("vpc_zone_identifier", list(vec![r("aws_subnet.a", "id")]))
            .set("min_size", n(2.0))
            .done(),
    ];
    let fact = one_fact(&resources, "aws_autoscaling_group.web");
    assert_eq!(fact.unit, zone("us-east-1a"));
    assert_eq!(fact.class, CloudClass::Compute);
    assert_eq!(
        fact.message,
        "`aws_autoscaling_group.web` launches every instance in one availability zone"
    );
    assert_eq!(fact.span, attr(&resources[1], "vpc_zone_identifier").origin);
    assert_eq!(fact.label, "`vpc_zone_identifier` puts it in `us-east-1a`");
    // The subnet's zone is a related location.
    assert!(
        fact.related.contains(&(
            attr(&resources[0], "availability_zone").origin,
            "`aws_subnet.a` is in `us-east-1a`".into()
        )),
        "{:?}",
        fact.related
    );
}

#[test]
fn counted_subnets_without_key_mean_every_instance() {
    let resources = vec![
        subnet("aws_subnet.private[0]", "us-east-1a"),
        subnet("aws_subnet.private[1]", "us-east-1b"),
        res("aws_autoscaling_group.web")
            .set(
                "vpc_zone_identifier",
                list(vec![r("aws_subnet.private", "id")]),
            )
            .set("min_size", n(2.0))
            .done(),
    ];
    no_facts(&resources, "aws_autoscaling_group.web");
    // One instance of the counted subnets: one zone.
    let resources = vec![
        subnet("aws_subnet.private[0]", "us-east-1a"),
        subnet("aws_subnet.private[1]", "us-east-1b"),
        res("aws_autoscaling_group.web")
            .set(
                "vpc_zone_identifier",
                list(vec![r("aws_subnet.private[1]", "id")]),
            )
            .set("min_size", n(2.0))
            .done(),
    ];
    assert_eq!(
        units(&resources, "aws_autoscaling_group.web"),
        vec![zone("us-east-1b")]
    );
}

#[test]
fn for_each_subnets_in_the_same_zone() {
    let resources = vec![
        subnet("aws_subnet.private[\"a\"]", "eu-west-1a"),
        subnet("aws_subnet.private[\"b\"]", "eu-west-1a"),
        res("aws_lb.web")
            .set(
                "subnets",
                list(vec![
                    r("aws_subnet.private[\"a\"]", "id"),
                    r("aws_subnet.private[\"b\"]", "id"),
                ]),
            )
            .done(),
    ];
    let fact = one_fact(&resources, "aws_lb.web");
    assert_eq!(fact.unit, zone("eu-west-1a"));
    assert_eq!(fact.class, CloudClass::Network);
    assert_eq!(
        fact.message,
        "`aws_lb.web` has its nodes in one availability zone"
    );
}

#[test]
fn data_source_subnets_resolve_and_zone_ids_count() {
    let resources = vec![
        res("data.aws_subnet.a")
            .set("availability_zone", s("us-east-1a"))
            .done(),
        res("aws_subnet.b")
            .set("availability_zone_id", s("use1-az4"))
            .done(),
        res("aws_lb.web")
            .block(
                "subnet_mapping",
                &[("subnet_id", r("data.aws_subnet.a", "id"))],
            )
            .done(),
        res("aws_lb.api")
            .block(
                "subnet_mapping",
                &[("subnet_id", r("data.aws_subnet.a", "id"))],
            )
            .block("subnet_mapping", &[("subnet_id", r("aws_subnet.b", "id"))])
            .done(),
    ];
    assert_eq!(units(&resources, "aws_lb.web"), vec![zone("us-east-1a")]);
    no_facts(&resources, "aws_lb.api");
    // A data source is no entity and no dependency.
    let model = model_of(&resources);
    assert!(model.entities.iter().all(|e| !e.name.starts_with("data.")));
}

#[test]
fn unknown_subnets_say_nothing() {
    let resources = vec![
        subnet("aws_subnet.a", "us-east-1a"),
        res("aws_subnet.b")
            .set("availability_zone", Value::Unknown)
            .done(),
        res("aws_autoscaling_group.web")
            .set(
                "vpc_zone_identifier",
                list(vec![r("aws_subnet.a", "id"), r("aws_subnet.b", "id")]),
            )
            .set("min_size", n(2.0))
            .done(),
        // A subnet outside the scanned files.
        res("aws_autoscaling_group.api")
            .set(
                "vpc_zone_identifier",
                list(vec![r("module.vpc.aws_subnet.x", "id")]),
            )
            .set("min_size", n(2.0))
            .done(),
        res("aws_autoscaling_group.var")
            .set("vpc_zone_identifier", Value::Unknown)
            .set("min_size", n(2.0))
            .done(),
    ];
    no_facts(&resources, "aws_autoscaling_group.web");
    no_facts(&resources, "aws_autoscaling_group.api");
    no_facts(&resources, "aws_autoscaling_group.var");
}

#[test]
fn volumes_follow_references_to_instances() {
    let resources = vec![
        subnet("aws_subnet.a", "us-east-1c"),
        res("aws_instance.app")
            .set("subnet_id", r("aws_subnet.a", "id"))
            .done(),
        res("aws_ebs_volume.data")
            .set(
                "availability_zone",
                r("aws_instance.app", "availability_zone"),
            )
            .done(),
    ];
    assert_eq!(
        units(&resources, "aws_ebs_volume.data"),
        vec![zone("us-east-1c")]
    );
    let fact = one_fact(&resources, "aws_instance.app");
    assert_eq!(fact.unit, zone("us-east-1c"));
    assert_eq!(fact.class, CloudClass::Compute);
}

// ── AWS ────────────────────────────────────────────────────────────────────

#[test]
fn db_instance_multi_az() {
    let resources = vec![
        res("aws_db_instance.ha").set("multi_az", b(true)).done(),
        res("aws_db_instance.off").set("multi_az", b(false)).done(),
        res("aws_db_instance.unset")
            .set("availability_zone", s("us-east-1b"))
            .done(),
        res("aws_db_instance.var")
            .set("multi_az", Value::Unknown)
            .done(),
    ];
    no_facts(&resources, "aws_db_instance.ha");
    no_facts(&resources, "aws_db_instance.var");

    let off = one_fact(&resources, "aws_db_instance.off");
    assert_eq!(off.class, CloudClass::Datastore);
    assert_eq!(off.unit, CloudUnit::Zone(None));
    assert_eq!(
        off.message,
        "`aws_db_instance.off` runs in one availability zone with no standby"
    );
    assert_eq!(off.label, "`multi_az` is false");
    assert_eq!(off.span, attr(&resources[1], "multi_az").origin);
    assert!(off.help.starts_with("set `multi_az = true`"));

    let unset = one_fact(&resources, "aws_db_instance.unset");
    assert_eq!(unset.unit, zone("us-east-1b"));
    assert_eq!(
        unset.label,
        "`multi_az` is not set; the provider's default is `false`"
    );
    assert_eq!(unset.span, resources[2].span);
    assert_eq!(
        unset.related,
        vec![(
            attr(&resources[2], "availability_zone").origin,
            "`availability_zone` puts it in `us-east-1b`".to_string()
        )]
    );
}

#[test]
fn a_value_from_a_variable_points_at_the_attribute_and_the_default_decides() {
    let origin = sp();
    let resources = vec![
        res("module.db.aws_db_instance.this")
            .set_from("multi_az", b(false), origin)
            .done(),
    ];
    let fact = one_fact(&resources, "module.db.aws_db_instance.this");
    assert_eq!(fact.span, attr(&resources[0], "multi_az").span);
    assert_eq!(fact.origin, Some(origin));
    assert_eq!(
        fact.related,
        vec![(origin, "decided by this default".to_string())]
    );
}

#[test]
fn an_unknown_count_is_never_one_instance() {
    let resources = vec![
        // Replicas, no zone written: nothing to say.
        res("aws_instance.client").uncounted().done(),
        // Replicas, every one in the zone written.
        res("aws_instance.pinned")
            .set("availability_zone", s("eu-west-1a"))
            .uncounted()
            .done(),
        // Not replicas: each is a database of its own, single-AZ.
        res("aws_db_instance.tenant")
            .set("multi_az", b(false))
            .uncounted()
            .done(),
        // Its members may be several.
        res("aws_rds_cluster.orders").done(),
        res("aws_rds_cluster_instance.member")
            .set("cluster_identifier", r("aws_rds_cluster.orders", "id"))
            .uncounted()
            .done(),
        // There may be a second connection.
        res("aws_vpn_connection.office").uncounted().done(),
        res("azurerm_linux_virtual_machine.app").uncounted().done(),
    ];
    no_facts(&resources, "aws_instance.client");
    no_facts(&resources, "aws_rds_cluster.orders");
    no_facts(&resources, "aws_vpn_connection.office");
    no_facts(&resources, "azurerm_linux_virtual_machine.app");
    let pinned = one_fact(&resources, "aws_instance.pinned");
    assert_eq!(pinned.unit, zone("eu-west-1a"));
    assert_eq!(
        pinned.message,
        "each instance of `aws_instance.pinned` (how many there are is not known) is a single EC2 instance in one availability zone"
    );
    assert_eq!(
        pinned.label,
        "`availability_zone` puts every instance in `eu-west-1a`"
    );
    let tenant = one_fact(&resources, "aws_db_instance.tenant");
    assert_eq!(
        tenant.message,
        "`aws_db_instance.tenant` runs in one availability zone with no standby"
    );
}

#[test]
fn gke_nodes_go_where_node_locations_say() {
    let list = |zones: &[&str]| Value::List(zones.iter().map(|z| s(z)).collect());
    let cluster = |name: &str, location: &str, nodes: Option<&[&str]>| {
        let c = res(&format!("google_container_cluster.{name}")).set("location", s(location));
        match nodes {
            Some(zones) => c.set("node_locations", list(zones)).done(),
            None => c.done(),
        }
    };
    let pool = |name: &str, cluster: &str| {
        res(&format!("google_container_node_pool.{name}"))
            .set(
                "cluster",
                r(&format!("google_container_cluster.{cluster}"), "id"),
            )
            .done()
    };
    // `cluster = google_container_cluster.x.name`: the name, known, and a
    // reference.
    let by_name = |name: &str, cluster: &str| {
        let mut p = res(&format!("google_container_node_pool.{name}"))
            .set("cluster", s(cluster))
            .done();
        p.references.push(ResourceRef {
            target: format!("google_container_cluster.{cluster}"),
            span: sp(),
            via: "cluster".to_string(),
        });
        p
    };
    let resources = vec![
        cluster("regional_one", "europe-west1", Some(&["europe-west1-b"])),
        pool("takes_one", "regional_one"),
        cluster(
            "regional_two",
            "europe-west1",
            Some(&["europe-west1-b", "europe-west1-c"]),
        ),
        pool("takes_two", "regional_two"),
        // A zonal cluster's `node_locations` adds zones to its own.
        cluster("multi_zonal", "europe-west1-b", Some(&["europe-west1-c"])),
        pool("takes_multi_zonal", "multi_zonal"),
        cluster("zonal", "europe-west1-b", None),
        by_name("takes_zonal", "zonal"),
        res("google_container_cluster.bare")
            .set("location", s("europe-west1"))
            .set("node_locations", list(&["europe-west1-b"]))
            .set("remove_default_node_pool", b(true))
            .done(),
        // Its cluster is not scanned: its own `location`.
        res("google_container_node_pool.elsewhere")
            .set(
                "cluster",
                s("projects/p/locations/europe-west1-b/clusters/c"),
            )
            .set("location", s("europe-west1-b"))
            .done(),
        res("google_container_node_pool.unknown")
            .set("cluster", s("c"))
            .set("location", Value::Unknown)
            .done(),
    ];
    let regional = one_fact(&resources, "google_container_cluster.regional_one");
    assert_eq!(regional.unit, zone("europe-west1-b"));
    assert_eq!(
        regional.message,
        "`google_container_cluster.regional_one` is regional, but runs its default node pool in one zone"
    );
    assert_eq!(regional.span, attr(&resources[0], "node_locations").span);
    let takes = one_fact(&resources, "google_container_node_pool.takes_one");
    assert_eq!(takes.unit, zone("europe-west1-b"));
    assert_eq!(takes.span, attr(&resources[1], "cluster").span);
    assert_eq!(
        takes.origin,
        Some(attr(&resources[0], "node_locations").span)
    );
    no_facts(&resources, "google_container_cluster.regional_two");
    no_facts(&resources, "google_container_node_pool.takes_two");
    // The control plane's finding only.
    assert_eq!(
        units(&resources, "google_container_cluster.multi_zonal"),
        [zone("europe-west1-b")]
    );
    no_facts(&resources, "google_container_node_pool.takes_multi_zonal");
    let zonal = one_fact(&resources, "google_container_node_pool.takes_zonal");
    assert!(
        zonal.label.contains("a zonal cluster in `europe-west1-b`"),
        "{}",
        zonal.label
    );
    no_facts(&resources, "google_container_cluster.bare");
    assert_eq!(
        one_fact(&resources, "google_container_node_pool.elsewhere").unit,
        zone("europe-west1-b")
    );
    no_facts(&resources, "google_container_node_pool.unknown");
}

#[test]
fn one_subnet_is_one_zone_whichever_it_is() {
    let resources = vec![
        // Zones AWS picks.
        res("aws_subnet.a").done(),
        res("aws_subnet.b").done(),
        res("aws_subnet.many").uncounted().done(),
        res("aws_autoscaling_group.one")
            .set(
                "vpc_zone_identifier",
                Value::List(vec![r("aws_subnet.a", "id")]),
            )
            .set("min_size", n(2.0))
            .done(),
        res("aws_autoscaling_group.two")
            .set(
                "vpc_zone_identifier",
                Value::List(vec![r("aws_subnet.a", "id"), r("aws_subnet.b", "id")]),
            )
            .set("min_size", n(2.0))
            .done(),
        res("aws_autoscaling_group.counted")
            .set(
                "vpc_zone_identifier",
                Value::List(vec![r("aws_subnet.many", "id")]),
            )
            .set("min_size", n(2.0))
            .done(),
        res("aws_autoscaling_group.by_id")
            .set(
                "vpc_zone_identifier",
                Value::List(vec![s("subnet-0a1b2c3d")]),
            )
            .set("min_size", n(2.0))
            .done(),
        // Every instance in the one subnet.
        res("aws_instance.web[0]")
            .set("subnet_id", r("aws_subnet.a", "id"))
            .done(),
        res("aws_instance.web[1]")
            .set("subnet_id", r("aws_subnet.a", "id"))
            .done(),
    ];
    let one = one_fact(&resources, "aws_autoscaling_group.one");
    assert_eq!(one.unit, CloudUnit::Zone(None));
    assert_eq!(
        one.label,
        "`vpc_zone_identifier` puts it in one zone, that of `aws_subnet.a`"
    );
    no_facts(&resources, "aws_autoscaling_group.two");
    no_facts(&resources, "aws_autoscaling_group.counted");
    assert_eq!(
        one_fact(&resources, "aws_autoscaling_group.by_id").label,
        "`vpc_zone_identifier` puts it in one zone, that of `subnet-0a1b2c3d`"
    );
    let web = one_fact(&resources, "aws_instance.web[0]");
    assert_eq!(
        web.label,
        "`subnet_id` puts every instance in one zone, that of `aws_subnet.a`"
    );
    assert!(super::extract::is_aws_subnet_id("subnet-0123456789abcdef0"));
    assert!(!super::extract::is_aws_subnet_id("subnet-xxxxxxxx"));
    assert!(!super::extract::is_aws_subnet_id("subnet-0123"));
    assert!(!super::extract::is_aws_subnet_id("sg-0a1b2c3d"));
}

#[test]
fn aurora_cluster_members() {
    let cluster = |name: &str| res(&format!("aws_rds_cluster.{name}")).done();
    let member = |address: &str, cluster: &str, az: Option<&str>| {
        let m = res(address).set("cluster_identifier", r(cluster, "id"));
        match az {
            Some(az) => m.set("availability_zone", s(az)).done(),
            None => m.done(),
        }
    };
    let resources = vec![
        cluster("one"),
        member(
            "aws_rds_cluster_instance.one",
            "aws_rds_cluster.one",
            Some("us-east-1a"),
        ),
        cluster("two"),
        member(
            "aws_rds_cluster_instance.two[0]",
            "aws_rds_cluster.two",
            None,
        ),
        member(
            "aws_rds_cluster_instance.two[1]",
            "aws_rds_cluster.two",
            None,
        ),
        cluster("same"),
        member(
            "aws_rds_cluster_instance.same[0]",
            "aws_rds_cluster.same",
            Some("us-east-1a"),
        ),
        member(
            "aws_rds_cluster_instance.same[1]",
            "aws_rds_cluster.same",
            Some("us-east-1a"),
        ),
        cluster("elsewhere"),
    ];
    let one = one_fact(&resources, "aws_rds_cluster.one");
    assert_eq!(one.unit, zone("us-east-1a"));
    assert_eq!(
        one.message,
        "`aws_rds_cluster.one` has a single database instance, in one availability zone"
    );
    assert_eq!(one.label, "it has one `aws_rds_cluster_instance`");
    assert_eq!(one.span, resources[0].span);
    no_facts(&resources, "aws_rds_cluster.two");
    let same = one_fact(&resources, "aws_rds_cluster.same");
    assert_eq!(same.unit, zone("us-east-1a"));
    assert!(
        same.message
            .contains("all its database instances in one availability zone")
    );
    // Instances declared elsewhere (or not at all): nothing to say.
    no_facts(&resources, "aws_rds_cluster.elsewhere");
}

#[test]
fn docdb_and_neptune_clusters() {
    for (cluster, member) in [
        ("aws_docdb_cluster", "aws_docdb_cluster_instance"),
        ("aws_neptune_cluster", "aws_neptune_cluster_instance"),
    ] {
        let c = format!("{cluster}.c");
        let resources = vec![
            res(&c).done(),
            res(&format!("{member}.m[0]"))
                .set("cluster_identifier", r(&c, "id"))
                .done(),
        ];
        assert_eq!(
            units(&resources, &c),
            vec![CloudUnit::Zone(None)],
            "{cluster}"
        );
        let resources = vec![
            res(&c).done(),
            res(&format!("{member}.m[0]"))
                .set("cluster_identifier", r(&c, "id"))
                .done(),
            res(&format!("{member}.m[1]"))
                .set("cluster_identifier", r(&c, "id"))
                .done(),
        ];
        no_facts(&resources, &c);
    }
}

#[test]
fn elasticache_replication_group() {
    let resources = vec![
        res("aws_elasticache_replication_group.ha")
            .set("automatic_failover_enabled", b(true))
            .set("num_cache_clusters", n(2.0))
            .done(),
        res("aws_elasticache_replication_group.sharded")
            .set("automatic_failover_enabled", b(true))
            .set("replicas_per_node_group", n(1.0))
            .done(),
        res("aws_elasticache_replication_group.multi")
            .set("multi_az_enabled", b(true))
            .done(),
        res("aws_elasticache_replication_group.single")
            .set("automatic_failover_enabled", b(false))
            .set("num_cache_clusters", n(1.0))
            .done(),
        res("aws_elasticache_replication_group.var")
            .set("automatic_failover_enabled", b(true))
            .set("num_cache_clusters", Value::Unknown)
            .done(),
    ];
    no_facts(&resources, "aws_elasticache_replication_group.ha");
    no_facts(&resources, "aws_elasticache_replication_group.sharded");
    no_facts(&resources, "aws_elasticache_replication_group.multi");
    no_facts(&resources, "aws_elasticache_replication_group.var");
    let single = one_fact(&resources, "aws_elasticache_replication_group.single");
    assert_eq!(single.class, CloudClass::Datastore);
    assert_eq!(single.unit, CloudUnit::Zone(None));
    // The first written value that decides is the primary location.
    assert_eq!(
        single.span,
        attr(&resources[3], "automatic_failover_enabled").origin
    );
    assert_eq!(single.label, "`automatic_failover_enabled` is false");
}

#[test]
fn elasticache_cluster() {
    let resources = vec![
        res("aws_elasticache_cluster.redis")
            .set("engine", s("redis"))
            .set("availability_zone", s("us-east-1a"))
            .done(),
        res("aws_elasticache_cluster.memcached")
            .set("az_mode", s("cross-az"))
            .set("num_cache_nodes", n(3.0))
            .done(),
        res("aws_elasticache_cluster.member")
            .set(
                "replication_group_id",
                r("aws_elasticache_replication_group.x", "id"),
            )
            .done(),
    ];
    assert_eq!(
        units(&resources, "aws_elasticache_cluster.redis"),
        vec![zone("us-east-1a")]
    );
    no_facts(&resources, "aws_elasticache_cluster.memcached");
    no_facts(&resources, "aws_elasticache_cluster.member");
}

#[test]
fn memorydb_msk_mq() {
    let resources = vec![
        res("aws_memorydb_cluster.ha").done(),
        res("aws_memorydb_cluster.none")
            .set("num_replicas_per_shard", n(0.0))
            .done(),
        subnet("aws_subnet.a", "us-east-1a"),
        subnet("aws_subnet.b", "us-east-1b"),
        res("aws_msk_cluster.one")
            .set(
                "broker_node_group_info.client_subnets",
                list(vec![r("aws_subnet.a", "id")]),
            )
            .done(),
        res("aws_msk_cluster.two")
            .set(
                "broker_node_group_info.client_subnets",
                list(vec![r("aws_subnet.a", "id"), r("aws_subnet.b", "id")]),
            )
            .done(),
        res("aws_mq_broker.single")
            .set("subnet_ids", list(vec![r("aws_subnet.a", "id")]))
            .done(),
        res("aws_mq_broker.ha")
            .set("deployment_mode", s("ACTIVE_STANDBY_MULTI_AZ"))
            .done(),
        res("aws_mq_broker.rabbit")
            .set("deployment_mode", s("CLUSTER_MULTI_AZ"))
            .done(),
    ];
    no_facts(&resources, "aws_memorydb_cluster.ha");
    assert_eq!(
        units(&resources, "aws_memorydb_cluster.none"),
        vec![CloudUnit::Zone(None)]
    );
    assert_eq!(
        units(&resources, "aws_msk_cluster.one"),
        vec![zone("us-east-1a")]
    );
    no_facts(&resources, "aws_msk_cluster.two");
    let mq = one_fact(&resources, "aws_mq_broker.single");
    assert_eq!(mq.unit, zone("us-east-1a"));
    assert_eq!(
        mq.label,
        "`deployment_mode` is not set; the provider's default is `\"SINGLE_INSTANCE\"`"
    );
    no_facts(&resources, "aws_mq_broker.ha");
    no_facts(&resources, "aws_mq_broker.rabbit");
}

#[test]
fn opensearch_zone_awareness() {
    for kind in ["aws_opensearch_domain", "aws_elasticsearch_domain"] {
        let resources = vec![
            res(&format!("{kind}.ha"))
                .set("cluster_config.zone_awareness_enabled", b(true))
                .set("cluster_config.instance_count", n(4.0))
                .done(),
            res(&format!("{kind}.small")).done(),
        ];
        no_facts(&resources, &format!("{kind}.ha"));
        let small = facts(&resources, &format!("{kind}.small"));
        let found: Vec<(&CloudUnit, &str)> =
            small.iter().map(|f| (&f.unit, f.label.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (
                    &CloudUnit::Zone(None),
                    "`cluster_config.zone_awareness_enabled` is not set; the provider's default is `false`"
                ),
                (
                    &CloudUnit::Instance,
                    "`cluster_config.instance_count` is not set; the provider's default is `1`"
                ),
            ]
        );
    }
}

#[test]
fn redshift() {
    let resources = vec![
        res("aws_redshift_cluster.ha")
            .set("multi_az", b(true))
            .set("cluster_type", s("multi-node"))
            .set("number_of_nodes", n(2.0))
            .done(),
        res("aws_redshift_cluster.single")
            .set("cluster_type", s("single-node"))
            .done(),
    ];
    no_facts(&resources, "aws_redshift_cluster.ha");
    assert_eq!(
        units(&resources, "aws_redshift_cluster.single"),
        vec![CloudUnit::Zone(None), CloudUnit::Instance]
    );
}

#[test]
fn efs_one_zone_and_mount_targets() {
    let resources = vec![
        res("aws_efs_file_system.onezone")
            .set("availability_zone_name", s("us-east-1a"))
            .done(),
        subnet("aws_subnet.a", "us-east-1a"),
        subnet("aws_subnet.b", "us-east-1b"),
        res("aws_efs_file_system.shared").done(),
        res("aws_efs_mount_target.shared")
            .set("file_system_id", r("aws_efs_file_system.shared", "id"))
            .set("subnet_id", r("aws_subnet.a", "id"))
            .done(),
        res("aws_efs_file_system.spread").done(),
        res("aws_efs_mount_target.spread[0]")
            .set("file_system_id", r("aws_efs_file_system.spread", "id"))
            .set("subnet_id", r("aws_subnet.a", "id"))
            .done(),
        res("aws_efs_mount_target.spread[1]")
            .set("file_system_id", r("aws_efs_file_system.spread", "id"))
            .set("subnet_id", r("aws_subnet.b", "id"))
            .done(),
    ];
    let onezone = one_fact(&resources, "aws_efs_file_system.onezone");
    assert_eq!(onezone.unit, zone("us-east-1a"));
    assert_eq!(onezone.class, CloudClass::Datastore);
    assert_eq!(
        onezone.span,
        attr(&resources[0], "availability_zone_name").origin
    );
    let shared = one_fact(&resources, "aws_efs_file_system.shared");
    assert_eq!(shared.unit, zone("us-east-1a"));
    assert!(
        shared
            .message
            .contains("mount targets in one availability zone")
    );
    no_facts(&resources, "aws_efs_file_system.spread");
}

#[test]
fn ebs_volume_is_zonal() {
    let resources = vec![
        res("aws_ebs_volume.data")
            .set("availability_zone", s("us-east-1a"))
            .done(),
    ];
    let fact = one_fact(&resources, "aws_ebs_volume.data");
    assert_eq!(fact.unit, zone("us-east-1a"));
    assert_eq!(fact.span, attr(&resources[0], "availability_zone").origin);
}

#[test]
fn instances_with_count_are_replicas() {
    let resources = vec![
        subnet("aws_subnet.a", "us-east-1a"),
        subnet("aws_subnet.b", "us-east-1b"),
        res("aws_instance.web[0]")
            .set("subnet_id", r("aws_subnet.a", "id"))
            .done(),
        res("aws_instance.web[1]")
            .set("subnet_id", r("aws_subnet.b", "id"))
            .done(),
        res("aws_instance.api[0]")
            .set("subnet_id", r("aws_subnet.a", "id"))
            .done(),
        res("aws_instance.api[1]")
            .set("subnet_id", r("aws_subnet.a", "id"))
            .done(),
        res("aws_instance.bastion").done(),
    ];
    no_facts(&resources, "aws_instance.web[0]");
    assert_eq!(
        units(&resources, "aws_instance.api[1]"),
        vec![zone("us-east-1a")]
    );
    let bastion = one_fact(&resources, "aws_instance.bastion");
    assert_eq!(bastion.unit, CloudUnit::Zone(None));
    assert_eq!(bastion.span, resources[6].span);
    assert_eq!(bastion.label, "its zone is not set, but it runs in one");
}

#[test]
fn ecs_and_eks() {
    let resources = vec![
        subnet("aws_subnet.a", "us-east-1a"),
        subnet("aws_subnet.b", "us-east-1b"),
        res("aws_ecs_service.one")
            .set(
                "network_configuration.subnets",
                list(vec![r("aws_subnet.a", "id")]),
            )
            .set("desired_count", n(1.0))
            .done(),
        res("aws_ecs_service.ok")
            .set(
                "network_configuration.subnets",
                list(vec![r("aws_subnet.a", "id"), r("aws_subnet.b", "id")]),
            )
            .set("desired_count", n(3.0))
            .done(),
        res("aws_eks_cluster.one")
            .set("vpc_config.subnet_ids", list(vec![r("aws_subnet.a", "id")]))
            .done(),
        res("aws_eks_cluster.ok")
            .set(
                "vpc_config.subnet_ids",
                list(vec![r("aws_subnet.a", "id"), r("aws_subnet.b", "id")]),
            )
            .done(),
        res("aws_eks_node_group.one")
            .set("subnet_ids", list(vec![r("aws_subnet.b", "id")]))
            .set("scaling_config.min_size", n(3.0))
            .done(),
        res("aws_eks_node_group.ok")
            .set(
                "subnet_ids",
                list(vec![r("aws_subnet.a", "id"), r("aws_subnet.b", "id")]),
            )
            .set("scaling_config.min_size", n(3.0))
            .done(),
    ];
    assert_eq!(
        units(&resources, "aws_ecs_service.one"),
        vec![zone("us-east-1a"), CloudUnit::Instance]
    );
    no_facts(&resources, "aws_ecs_service.ok");
    assert_eq!(
        units(&resources, "aws_eks_cluster.one"),
        vec![zone("us-east-1a")]
    );
    no_facts(&resources, "aws_eks_cluster.ok");
    assert_eq!(
        units(&resources, "aws_eks_node_group.one"),
        vec![zone("us-east-1b")]
    );
    no_facts(&resources, "aws_eks_node_group.ok");
}

#[test]
fn load_balancers() {
    let resources = vec![
        subnet("aws_subnet.a", "us-east-1a"),
        subnet("aws_subnet.b", "us-east-1b"),
        res("aws_alb.one")
            .set("subnets", list(vec![r("aws_subnet.a", "id")]))
            .done(),
        res("aws_alb.two")
            .set(
                "subnets",
                list(vec![r("aws_subnet.a", "id"), r("aws_subnet.b", "id")]),
            )
            .done(),
        res("aws_elb.one")
            .set("availability_zones", strs(&["us-east-1a"]))
            .done(),
        res("aws_elb.two")
            .set("availability_zones", strs(&["us-east-1a", "us-east-1b"]))
            .done(),
    ];
    assert_eq!(units(&resources, "aws_alb.one"), vec![zone("us-east-1a")]);
    no_facts(&resources, "aws_alb.two");
    assert_eq!(units(&resources, "aws_elb.one"), vec![zone("us-east-1a")]);
    no_facts(&resources, "aws_elb.two");
}

#[test]
fn lone_vpn_and_direct_connect() {
    let one = vec![
        res("aws_vpn_connection.main").done(),
        res("aws_dx_connection.main").done(),
    ];
    let vpn = one_fact(&one, "aws_vpn_connection.main");
    assert_eq!(vpn.unit, CloudUnit::Instance);
    assert_eq!(vpn.class, CloudClass::Network);
    assert_eq!(
        vpn.label,
        "it is the only `aws_vpn_connection` in the scanned files"
    );
    assert_eq!(vpn.span, one[0].span);
    assert_eq!(
        units(&one, "aws_dx_connection.main"),
        vec![CloudUnit::Instance]
    );
    let two = vec![
        res("aws_vpn_connection.a").done(),
        res("aws_vpn_connection.b").done(),
        res("aws_dx_connection.a").done(),
        res("aws_dx_connection.b").done(),
    ];
    no_facts(&two, "aws_vpn_connection.a");
    no_facts(&two, "aws_dx_connection.b");
}

/// terraform-aws-modules/vpc with `single_nat_gateway = true`.
fn single_nat_vpc(nat_count: usize) -> Vec<Resource> {
    let m = "module.vpc.";
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let mut out = Vec::new();
    for (i, z) in zones.iter().enumerate() {
        out.push(subnet(&format!("{m}aws_subnet.public[{i}]"), z));
        out.push(subnet(&format!("{m}aws_subnet.private[{i}]"), z));
    }
    for i in 0..nat_count {
        out.push(
            res(&format!("{m}aws_nat_gateway.this[{i}]"))
                .set("subnet_id", r(&format!("{m}aws_subnet.public[{i}]"), "id"))
                .done(),
        );
    }
    for i in 0..3 {
        out.push(res(&format!("{m}aws_route_table.private[{i}]")).done());
        out.push(
            res(&format!("{m}aws_route.private_nat_gateway[{i}]"))
                .set(
                    "route_table_id",
                    r(&format!("{m}aws_route_table.private[{i}]"), "id"),
                )
                .set(
                    "nat_gateway_id",
                    r(
                        &format!("{m}aws_nat_gateway.this[{}]", i.min(nat_count - 1)),
                        "id",
                    ),
                )
                .done(),
        );
        out.push(
            res(&format!("{m}aws_route_table_association.private[{i}]"))
                .set("subnet_id", r(&format!("{m}aws_subnet.private[{i}]"), "id"))
                .set(
                    "route_table_id",
                    r(&format!("{m}aws_route_table.private[{i}]"), "id"),
                )
                .done(),
        );
    }
    out
}

#[test]
fn single_nat_gateway_for_several_zones() {
    let resources = single_nat_vpc(1);
    let nat = "module.vpc.aws_nat_gateway.this[0]";
    let fact = one_fact(&resources, nat);
    assert_eq!(fact.unit, zone("us-east-1a"));
    assert_eq!(fact.class, CloudClass::Network);
    assert_eq!(
        fact.message,
        "`module.vpc.aws_nat_gateway.this[0]` is the only NAT gateway for private subnets in 3 availability zones"
    );
    let nat_res = resources.iter().find(|r| r.address == nat).unwrap();
    assert_eq!(fact.span, attr(nat_res, "subnet_id").origin);
    let routes: Vec<&str> = fact
        .related
        .iter()
        .filter(|(_, m)| m.contains("routes subnets"))
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(routes.len(), 3, "{:?}", fact.related);
    // Route tables and routes are configuration, not entities.
    let model = model_of(&resources);
    assert_eq!(model.entities.len(), 1);
}

#[test]
fn one_nat_gateway_per_zone_is_fine() {
    let resources = single_nat_vpc(3);
    for i in 0..3 {
        no_facts(&resources, &format!("module.vpc.aws_nat_gateway.this[{i}]"));
    }
}

#[test]
fn nat_gateway_with_inline_routes() {
    let resources = vec![
        subnet("aws_subnet.pub", "us-east-1a"),
        subnet("aws_subnet.a", "us-east-1a"),
        subnet("aws_subnet.b", "us-east-1b"),
        res("aws_nat_gateway.nat")
            .set("subnet_id", r("aws_subnet.pub", "id"))
            .done(),
        res("aws_route_table.private")
            .block(
                "route",
                &[
                    ("cidr_block", s("0.0.0.0/0")),
                    ("nat_gateway_id", r("aws_nat_gateway.nat", "id")),
                ],
            )
            .done(),
        res("aws_route_table_association.a")
            .set("subnet_id", r("aws_subnet.a", "id"))
            .set("route_table_id", r("aws_route_table.private", "id"))
            .done(),
        res("aws_route_table_association.b")
            .set("subnet_id", r("aws_subnet.b", "id"))
            .set("route_table_id", r("aws_route_table.private", "id"))
            .done(),
    ];
    assert_eq!(
        units(&resources, "aws_nat_gateway.nat"),
        vec![zone("us-east-1a")]
    );
}

#[test]
fn launch_template_carries_the_database_dependency() {
    // ASG over three zones → launch template (transparent) → single-AZ DB.
    let resources = vec![
        subnet("aws_subnet.a", "us-east-1a"),
        subnet("aws_subnet.b", "us-east-1b"),
        subnet("aws_subnet.c", "us-east-1c"),
        res("aws_db_instance.db").set("multi_az", b(false)).done(),
        res("aws_launch_template.app")
            .set("user_data", r("aws_db_instance.db", "address"))
            .done(),
        res("aws_autoscaling_group.app")
            .set(
                "vpc_zone_identifier",
                list(vec![
                    r("aws_subnet.a", "id"),
                    r("aws_subnet.b", "id"),
                    r("aws_subnet.c", "id"),
                ]),
            )
            .set("launch_template.id", r("aws_launch_template.app", "id"))
            .set("min_size", n(3.0))
            .done(),
    ];
    let model = model_of(&resources);
    let by_name = |n: &str| model.entities.iter().find(|e| e.name == n).unwrap();
    let asg = by_name("aws_autoscaling_group.app");
    assert!(asg.instances[0].detail().cloud.is_empty());
    assert_eq!(
        asg.instances[0].dependencies[0].target,
        Reference::Terraform {
            root: Some(".".into()),
            address: "aws_launch_template.app".into()
        }
    );
    let lt = by_name("aws_launch_template.app");
    assert!(lt.instances[0].transparent);
    assert_eq!(
        lt.instances[0].dependencies[0].target,
        Reference::Terraform {
            root: Some(".".into()),
            address: "aws_db_instance.db".into()
        }
    );
    assert_eq!(
        by_name("aws_db_instance.db").instances[0]
            .detail()
            .cloud
            .len(),
        1
    );
}

// ── Google ─────────────────────────────────────────────────────────────────

#[test]
fn gke_clusters_and_node_pools() {
    let resources = vec![
        res("google_container_cluster.zonal")
            .set("location", s("us-central1-a"))
            .done(),
        res("google_container_cluster.regional")
            .set("location", s("us-central1"))
            .done(),
        res("google_container_node_pool.inherits")
            .set("location", r("google_container_cluster.zonal", "location"))
            .done(),
        res("google_container_node_pool.spread")
            .set("location", s("us-central1-a"))
            .set("node_locations", strs(&["us-central1-a", "us-central1-b"]))
            .done(),
        res("google_container_node_pool.regional")
            .set(
                "location",
                r("google_container_cluster.regional", "location"),
            )
            .done(),
    ];
    let zonal = one_fact(&resources, "google_container_cluster.zonal");
    assert_eq!(zonal.unit, zone("us-central1-a"));
    assert_eq!(zonal.class, CloudClass::Compute);
    assert_eq!(zonal.span, attr(&resources[0], "location").origin);
    no_facts(&resources, "google_container_cluster.regional");
    assert_eq!(
        units(&resources, "google_container_node_pool.inherits"),
        vec![zone("us-central1-a")]
    );
    no_facts(&resources, "google_container_node_pool.spread");
    no_facts(&resources, "google_container_node_pool.regional");
}

#[test]
fn cloud_sql_availability_type() {
    let resources = vec![
        res("google_sql_database_instance.ha")
            .set("settings.availability_type", s("REGIONAL"))
            .done(),
        res("google_sql_database_instance.zonal")
            .set("settings.tier", s("db-custom-2-7680"))
            .set("settings.location_preference.zone", s("us-central1-f"))
            .done(),
    ];
    no_facts(&resources, "google_sql_database_instance.ha");
    let fact = one_fact(&resources, "google_sql_database_instance.zonal");
    assert_eq!(fact.unit, zone("us-central1-f"));
    assert_eq!(
        fact.label,
        "`settings.availability_type` is not set; the provider's default is `\"ZONAL\"`"
    );
}

#[test]
fn compute_instances_and_groups() {
    let resources = vec![
        res("google_compute_instance.vm")
            .set("zone", s("europe-west1-b"))
            .done(),
        res("google_compute_instance.fleet[0]")
            .set("zone", s("europe-west1-b"))
            .done(),
        res("google_compute_instance.fleet[1]")
            .set("zone", s("europe-west1-c"))
            .done(),
        res("google_compute_instance_group_manager.zonal")
            .set("zone", s("europe-west1-b"))
            .done(),
        res("google_compute_region_instance_group_manager.all")
            .set("region", s("europe-west1"))
            .done(),
        res("google_compute_region_instance_group_manager.one")
            .set("distribution_policy_zones", strs(&["europe-west1-b"]))
            .done(),
    ];
    assert_eq!(
        units(&resources, "google_compute_instance.vm"),
        vec![zone("europe-west1-b")]
    );
    no_facts(&resources, "google_compute_instance.fleet[0]");
    assert_eq!(
        units(&resources, "google_compute_instance_group_manager.zonal"),
        vec![zone("europe-west1-b")]
    );
    no_facts(
        &resources,
        "google_compute_region_instance_group_manager.all",
    );
    assert_eq!(
        units(
            &resources,
            "google_compute_region_instance_group_manager.one"
        ),
        vec![zone("europe-west1-b")]
    );
}

#[test]
fn memorystore_filestore_alloydb_spanner_nat() {
    let resources = vec![
        res("google_redis_instance.basic")
            .set("location_id", s("us-central1-a"))
            .done(),
        res("google_redis_instance.ha")
            .set("tier", s("STANDARD_HA"))
            .done(),
        res("google_filestore_instance.basic")
            .set("tier", s("BASIC_HDD"))
            .set("location", s("us-central1-b"))
            .done(),
        res("google_filestore_instance.regional")
            .set("tier", s("REGIONAL"))
            .set("location", s("us-central1"))
            .done(),
        res("google_alloydb_instance.zonal")
            .set("instance_type", s("PRIMARY"))
            .set("availability_type", s("ZONAL"))
            .done(),
        res("google_alloydb_instance.default")
            .set("instance_type", s("PRIMARY"))
            .done(),
        res("google_alloydb_instance.pool")
            .set("instance_type", s("READ_POOL"))
            .set("availability_type", s("ZONAL"))
            .done(),
        res("google_spanner_instance.main")
            .set("config", s("regional-us-central1"))
            .done(),
        res("google_compute_router_nat.nat").done(),
    ];
    let basic = one_fact(&resources, "google_redis_instance.basic");
    assert_eq!(basic.unit, zone("us-central1-a"));
    assert_eq!(
        basic.label,
        "`tier` is not set; the provider's default is `\"BASIC\"`"
    );
    no_facts(&resources, "google_redis_instance.ha");
    let fs = one_fact(&resources, "google_filestore_instance.basic");
    assert_eq!(fs.unit, zone("us-central1-b"));
    assert_eq!(fs.label, "`tier` is \"BASIC_HDD\"");
    no_facts(&resources, "google_filestore_instance.regional");
    let alloy = one_fact(&resources, "google_alloydb_instance.zonal");
    assert_eq!(alloy.unit, CloudUnit::Zone(None));
    no_facts(&resources, "google_alloydb_instance.default");
    no_facts(&resources, "google_alloydb_instance.pool");
    no_facts(&resources, "google_spanner_instance.main");
    no_facts(&resources, "google_compute_router_nat.nat");
}

// ── Azure ──────────────────────────────────────────────────────────────────

#[test]
fn aks_and_node_pools() {
    let resources = vec![
        res("azurerm_kubernetes_cluster.one")
            .set("default_node_pool.zones", strs(&["1"]))
            .set("sku_tier", s("Standard"))
            .done(),
        res("azurerm_kubernetes_cluster.three")
            .set("default_node_pool.zones", strs(&["1", "2", "3"]))
            .set("sku_tier", s("Standard"))
            .done(),
        res("azurerm_kubernetes_cluster_node_pool.one")
            .set("zones", strs(&["2"]))
            .done(),
        res("azurerm_kubernetes_cluster_node_pool.two")
            .set("zones", strs(&["1", "2"]))
            .done(),
        res("azurerm_kubernetes_cluster.none").done(),
        res("azurerm_kubernetes_cluster_node_pool.none").done(),
    ];
    // Without `sku_tier`, a cluster is on the Free tier: its control plane
    // is one instance with no SLA, besides its nodes' zone.
    assert_eq!(
        units(&resources, "azurerm_kubernetes_cluster.none"),
        vec![CloudUnit::Zone(None), CloudUnit::Instance]
    );
    assert_eq!(
        units(&resources, "azurerm_kubernetes_cluster_node_pool.none"),
        vec![CloudUnit::Zone(None)]
    );
    assert_eq!(
        units(&resources, "azurerm_kubernetes_cluster.one"),
        vec![zone("1")]
    );
    no_facts(&resources, "azurerm_kubernetes_cluster.three");
    assert_eq!(
        units(&resources, "azurerm_kubernetes_cluster_node_pool.one"),
        vec![zone("2")]
    );
    no_facts(&resources, "azurerm_kubernetes_cluster_node_pool.two");
}

#[test]
fn azure_virtual_machines_and_scale_sets() {
    let resources = vec![
        res("azurerm_linux_virtual_machine.zoned")
            .set("zone", s("1"))
            .done(),
        res("azurerm_windows_virtual_machine.plain").done(),
        res("azurerm_linux_virtual_machine.pair[0]")
            .set("zone", s("1"))
            .done(),
        res("azurerm_linux_virtual_machine.pair[1]")
            .set("zone", s("2"))
            .done(),
        res("azurerm_linux_virtual_machine_scale_set.one")
            .set("zones", strs(&["1"]))
            .done(),
        res("azurerm_windows_virtual_machine_scale_set.three")
            .set("zones", strs(&["1", "2", "3"]))
            .done(),
        res("azurerm_orchestrated_virtual_machine_scale_set.one")
            .set("zones", list(vec![n(3.0)]))
            .done(),
        res("azurerm_orchestrated_virtual_machine_scale_set.none").done(),
    ];
    assert_eq!(
        units(&resources, "azurerm_linux_virtual_machine.zoned"),
        vec![zone("1")]
    );
    assert_eq!(
        units(&resources, "azurerm_windows_virtual_machine.plain"),
        vec![CloudUnit::Instance]
    );
    no_facts(&resources, "azurerm_linux_virtual_machine.pair[1]");
    assert_eq!(
        units(&resources, "azurerm_linux_virtual_machine_scale_set.one"),
        vec![zone("1")]
    );
    no_facts(
        &resources,
        "azurerm_windows_virtual_machine_scale_set.three",
    );
    assert_eq!(
        units(
            &resources,
            "azurerm_orchestrated_virtual_machine_scale_set.one"
        ),
        vec![zone("3")]
    );
    // No zones: nothing keeps the instances out of one zone.
    assert_eq!(
        units(
            &resources,
            "azurerm_orchestrated_virtual_machine_scale_set.none"
        ),
        vec![CloudUnit::Zone(None)]
    );
}

#[test]
fn azure_databases() {
    let resources = vec![
        res("azurerm_mssql_database.zr")
            .set("zone_redundant", b(true))
            .done(),
        res("azurerm_mssql_database.plain").done(),
        res("azurerm_postgresql_flexible_server.ha")
            .set("high_availability.mode", s("ZoneRedundant"))
            .done(),
        res("azurerm_postgresql_flexible_server.same")
            .set("zone", s("1"))
            .set("high_availability.mode", s("SameZone"))
            .done(),
        res("azurerm_mysql_flexible_server.ha")
            .set("high_availability.mode", s("ZoneRedundant"))
            .done(),
        res("azurerm_mysql_flexible_server.none").done(),
        res("azurerm_cosmosdb_account.zr")
            .block(
                "geo_location",
                &[("location", s("westeurope")), ("zone_redundant", b(true))],
            )
            .done(),
        res("azurerm_cosmosdb_account.two")
            .block("geo_location", &[("location", s("westeurope"))])
            .block("geo_location", &[("location", s("northeurope"))])
            .done(),
        res("azurerm_cosmosdb_account.one")
            .block("geo_location", &[("location", s("westeurope"))])
            .done(),
    ];
    no_facts(&resources, "azurerm_mssql_database.zr");
    let plain = one_fact(&resources, "azurerm_mssql_database.plain");
    assert_eq!(plain.unit, CloudUnit::Zone(None));
    assert_eq!(
        plain.label,
        "`zone_redundant` is not set; the provider's default is `false`"
    );
    no_facts(&resources, "azurerm_postgresql_flexible_server.ha");
    let same = one_fact(&resources, "azurerm_postgresql_flexible_server.same");
    assert_eq!(same.unit, zone("1"));
    assert_eq!(same.label, "`high_availability.mode` is \"SameZone\"");
    assert_eq!(
        same.span,
        attr(&resources[3], "high_availability.mode").origin
    );
    no_facts(&resources, "azurerm_mysql_flexible_server.ha");
    assert_eq!(
        one_fact(&resources, "azurerm_mysql_flexible_server.none").label,
        "`high_availability.mode` is not set"
    );
    no_facts(&resources, "azurerm_cosmosdb_account.zr");
    no_facts(&resources, "azurerm_cosmosdb_account.two");
    assert_eq!(
        units(&resources, "azurerm_cosmosdb_account.one"),
        vec![CloudUnit::Zone(None)]
    );
}

#[test]
fn azure_cache_storage_plans() {
    let resources = vec![
        res("azurerm_redis_cache.basic")
            .set("sku_name", s("Basic"))
            .done(),
        res("azurerm_redis_cache.premium")
            .set("sku_name", s("Premium"))
            .set("zones", strs(&["1", "2"]))
            .done(),
        res("azurerm_redis_cache.pinned")
            .set("sku_name", s("Premium"))
            .set("zones", strs(&["1"]))
            .done(),
        res("azurerm_storage_account.lrs")
            .set("account_replication_type", s("LRS"))
            .done(),
        res("azurerm_storage_account.zrs")
            .set("account_replication_type", s("ZRS"))
            .done(),
        res("azurerm_service_plan.single")
            .set("sku_name", s("P1v3"))
            .set("worker_count", n(1.0))
            .done(),
        res("azurerm_service_plan.computed")
            .set("sku_name", s("P1v3"))
            .done(),
        res("azurerm_service_plan.ha")
            .set("sku_name", s("P1v3"))
            .set("zone_balancing_enabled", b(true))
            .set("worker_count", n(3.0))
            .done(),
    ];
    let basic = one_fact(&resources, "azurerm_redis_cache.basic");
    assert_eq!(basic.unit, CloudUnit::Instance);
    assert_eq!(basic.label, "`sku_name` is \"Basic\"");
    no_facts(&resources, "azurerm_redis_cache.premium");
    assert_eq!(
        units(&resources, "azurerm_redis_cache.pinned"),
        vec![zone("1")]
    );
    let lrs = one_fact(&resources, "azurerm_storage_account.lrs");
    assert_eq!(lrs.unit, CloudUnit::Zone(None));
    assert_eq!(lrs.label, "`account_replication_type` is \"LRS\"");
    no_facts(&resources, "azurerm_storage_account.zrs");
    assert_eq!(
        units(&resources, "azurerm_service_plan.single"),
        vec![CloudUnit::Zone(None), CloudUnit::Instance]
    );
    assert_eq!(
        units(&resources, "azurerm_service_plan.computed"),
        vec![CloudUnit::Zone(None)]
    );
    no_facts(&resources, "azurerm_service_plan.ha");
}

#[test]
fn azure_network() {
    let resources = vec![
        res("azurerm_public_ip.zonal")
            .set("zones", strs(&["1"]))
            .done(),
        res("azurerm_public_ip.zr")
            .set("zones", strs(&["1", "2", "3"]))
            .done(),
        res("azurerm_lb.zonal")
            .block(
                "frontend_ip_configuration",
                &[("name", s("fe")), ("zones", strs(&["2"]))],
            )
            .done(),
        res("azurerm_lb.zr")
            .block(
                "frontend_ip_configuration",
                &[("zones", strs(&["1", "2", "3"]))],
            )
            .done(),
        res("azurerm_application_gateway.one")
            .set("zones", strs(&["1"]))
            .set("sku.capacity", n(2.0))
            .done(),
        res("azurerm_application_gateway.ok")
            .set("zones", strs(&["1", "2"]))
            .set("autoscale_configuration.min_capacity", n(2.0))
            .done(),
    ];
    assert_eq!(
        units(&resources, "azurerm_public_ip.zonal"),
        vec![zone("1")]
    );
    no_facts(&resources, "azurerm_public_ip.zr");
    assert_eq!(units(&resources, "azurerm_lb.zonal"), vec![zone("2")]);
    no_facts(&resources, "azurerm_lb.zr");
    assert_eq!(
        units(&resources, "azurerm_application_gateway.one"),
        vec![zone("1")]
    );
    no_facts(&resources, "azurerm_application_gateway.ok");
}

// ── Plan-shaped values ─────────────────────────────────────────────────────

#[test]
fn nested_blocks_as_plan_objects() {
    // A plan writes `settings { … }` as a list of one object.
    let mut settings = std::collections::BTreeMap::new();
    settings.insert("availability_type".to_string(), s("ZONAL"));
    let resources = vec![
        res("google_sql_database_instance.db")
            .set("settings", list(vec![Value::Map(settings)]))
            .done(),
    ];
    let fact = one_fact(&resources, "google_sql_database_instance.db");
    assert_eq!(fact.label, "`settings.availability_type` is \"ZONAL\"");
    assert_eq!(fact.span, attr(&resources[0], "settings").origin);
}

// ── User knowledge bases ───────────────────────────────────────────────────

#[test]
fn user_entries_override_builtin_ones() {
    let mut kb = KnowledgeBase::builtin();
    let diags = kb.extend(
        FileId(7),
        r#"
config = ["custom_noise_*"]

[resource.aws_db_instance]
role = "datastore"
zonal = true

[[resource.aws_db_instance.fact]]
unit = "instance"
unless = [{ attr = "tags.tier", one-of = ["scratch"] }]
message = "is a pet database"
help = "do not"

[resource.custom_thing]
role = "queue"
placement = ["where"]

[[resource.custom_thing.fact]]
unit = "zone"
message = "lives in one zone"
help = "spread it"
"#,
    );
    assert!(diags.is_empty(), "{diags:#?}");
    let resources = vec![
        res("aws_db_instance.db").set("multi_az", b(true)).done(),
        res("custom_thing.q").set("where", s("us-east-1a")).done(),
        res("custom_noise_x.n").done(),
    ];
    let mut model = Model::default();
    extract(&resources, &kb, &mut model);
    let db = &model.entities[0];
    assert_eq!(db.instances[0].detail().cloud.len(), 1);
    assert_eq!(db.instances[0].detail().cloud[0].unit, CloudUnit::Instance);
    assert_eq!(
        db.instances[0].detail().cloud[0].message,
        "`aws_db_instance.db` is a pet database"
    );
    let q = &model.entities[1];
    assert_eq!(q.role, Role::Datastore);
    assert_eq!(q.instances[0].detail().cloud[0].unit, zone("us-east-1a"));
    assert_eq!(model.entities.len(), 2);
}

fn errors(text: &str) -> Vec<(String, Option<String>, String)> {
    let mut kb = KnowledgeBase::default();
    kb.extend(FileId(3), text)
        .into_iter()
        .map(|d| {
            assert_eq!(d.code, RULES_ERROR);
            assert_eq!(d.span.file, FileId(3));
            let r = d.span.range;
            let spanned = text[r.start as usize..r.end as usize].to_string();
            (
                d.message.to_string(),
                d.help.as_deref().map(str::to_string),
                spanned,
            )
        })
        .collect()
}

#[test]
fn errors_point_at_keys_and_suggest() {
    let errs = errors(
        r#"
[resource.x]
role = "datastore"
zonl = true
placement = "zone"

[[resource.x.fact]]
unit = "zones"
unless = [{ attr = "multi_az", iss = true }]
message = "m"
help = "h"

[resource.y]
role = "datastor"

[resource.z]
transparent = true

[resorce.w]
"#,
    );
    let find = |needle: &str| {
        errs.iter()
            .find(|(m, _, _)| m.contains(needle))
            .unwrap_or_else(|| panic!("no error {needle:?} in {errs:#?}"))
            .clone()
    };
    let (_, help, spanned) = find("unknown key `zonl`");
    assert_eq!(help.as_deref(), Some("did you mean `zonal`?"));
    assert_eq!(spanned, "zonl");
    let (_, _, spanned) = find("`placement` must be an array of strings");
    assert_eq!(spanned, "\"zone\"");
    let (_, help, spanned) = find("unknown unit `zones`");
    assert_eq!(help.as_deref(), Some("did you mean `zone`?"));
    assert_eq!(spanned, "\"zones\"");
    let (_, help, _) = find("unknown key `iss` in a condition");
    assert_eq!(help.as_deref(), Some("did you mean `is`?"));
    let (_, help, spanned) = find("unknown role `datastor`");
    assert_eq!(help.as_deref(), Some("did you mean `datastore`?"));
    assert_eq!(spanned, "\"datastor\"");
    find("`resource.z` has no `role`");
    let (_, help, _) = find("unknown key `resorce` at the top level");
    assert_eq!(help.as_deref(), Some("did you mean `resource`?"));
}

#[test]
fn bad_entries_are_left_out_and_never_panic() {
    let mut kb = KnowledgeBase::builtin();
    let diags = kb.extend(
        FileId(1),
        r#"
[resource.aws_db_instance]
role = "datastore"
[[resource.aws_db_instance.fact]]
unit = "zone"
when = [{ attr = "a", is = true, at-least = 2 }, { all = 3 }, { attr = "b", present = true, default = 1 }]
message = "m"
"#,
    );
    assert!(diags.iter().any(|d| d.message.contains("exactly one test")));
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("`all` must be an array"))
    );
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("`default` does not go with `present`"))
    );
    assert!(diags.iter().any(|d| d.message.contains("needs `help`")));
    // The builtin entry stays.
    assert_eq!(
        kb.entry("aws_db_instance"),
        KnowledgeBase::builtin().entry("aws_db_instance")
    );
    for text in [
        "",
        "[[",
        "resource = 1",
        "[resource]\nx = 1",
        "config = [1]",
    ] {
        let _ = KnowledgeBase::default().extend(FileId(0), text);
    }
    let invalid = errors("[resource.x\nrole = 1");
    assert!(invalid[0].0.starts_with("invalid TOML"));
}

#[test]
fn fanning_references_are_bounded() {
    let mut kb = KnowledgeBase::default();
    let diags = kb.extend(
        FileId(0),
        r#"
[resource.fan]
role = "compute"
placement = ["up"]

[[resource.fan.fact]]
unit = "zone"
message = "m"
help = "h"
"#,
    );
    assert!(diags.is_empty(), "{diags:#?}");
    // Ten levels of twenty instances, each referring to every instance of
    // the next level: 20^10 paths.
    let mut resources = Vec::new();
    for level in 0..10 {
        for i in 0..20 {
            let up = if level == 9 {
                s("us-east-1a")
            } else {
                r(&format!("fan.l{}", level + 1), "id")
            };
            resources.push(res(&format!("fan.l{level}[{i}]")).set("up", up).done());
        }
    }
    let mut model = Model::default();
    extract(&resources, &kb, &mut model);
    assert_eq!(model.entities.len(), 200);
}

#[test]
fn members_do_not_depend_on_what_they_belong_to() {
    let resources = vec![
        res("aws_rds_cluster.main").done(),
        res("aws_rds_cluster_instance.one")
            .set("cluster_identifier", r("aws_rds_cluster.main", "id"))
            .set("engine", r("aws_rds_cluster.main", "engine"))
            .done(),
        res("acme_widget.w")
            .depends_on("aws_rds_cluster.main")
            .done(),
    ];
    let model = model_of(&resources);
    let entity = |name: &str| model.entities.iter().find(|e| e.name == name).unwrap();
    // Every reference to the cluster goes, once one of them is membership.
    assert!(
        entity("aws_rds_cluster_instance.one").instances[0]
            .dependencies
            .is_empty()
    );
    // A type the knowledge base does not know passes dependencies on.
    let widget = &entity("acme_widget.w").instances[0];
    assert!(widget.transparent);
    assert_eq!(widget.dependencies.len(), 1);
}

#[test]
fn apply_time_resources_order_the_apply_and_are_no_dependencies() {
    let resources = vec![
        res("aws_db_instance.orders").done(),
        res("null_resource.migrate")
            .set("triggers.host", r("aws_db_instance.orders", "address"))
            .done(),
        res("time_sleep.wait")
            .depends_on("null_resource.migrate")
            .done(),
        res("azapi_update_resource.tune")
            .depends_on("aws_db_instance.orders")
            .done(),
        res("random_password.db").done(),
        res("aws_instance.web")
            .depends_on("time_sleep.wait")
            .depends_on("azapi_update_resource.tune")
            .set("user_data", r("random_password.db", "result"))
            .done(),
    ];
    let model = model_of(&resources);
    let names: Vec<&str> = model.entities.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["aws_db_instance.orders", "aws_instance.web"]);
    assert!(model.entities[1].instances[0].dependencies.is_empty());
    let kb = KnowledgeBase::builtin();
    for kind in [
        "terraform_data",
        "local_file",
        "tls_private_key",
        "time_rotating",
    ] {
        assert!(kb.is_apply_time(kind), "{kind}");
    }
    assert!(!kb.is_apply_time("azapi_resource"));
    assert!(!kb.is_apply_time("aws_instance"));
}

#[test]
fn autoscaled_aurora_readers_are_members() {
    let cluster = |name: &str| res(&format!("aws_rds_cluster.{name}")).done();
    let member = |name: &str| {
        res(&format!("aws_rds_cluster_instance.{name}"))
            .set(
                "cluster_identifier",
                r(&format!("aws_rds_cluster.{name}"), "id"),
            )
            .set("availability_zone", s("us-east-1a"))
    };
    let scaler = |name: &str, target: Value, dimension: &str, min: Value| {
        res(&format!("aws_appautoscaling_target.{name}"))
            .set("resource_id", target)
            .set("scalable_dimension", s(dimension))
            .set("min_capacity", min)
    };
    let readers = "rds:cluster:ReadReplicaCount";
    let to = |name: &str| r(&format!("aws_rds_cluster.{name}"), "cluster_identifier");
    let resources = vec![
        cluster("kept"),
        member("kept").done(),
        scaler("kept", to("kept"), readers, n(2.0)).done(),
        cluster("none"),
        member("none").done(),
        scaler("none", to("none"), readers, n(0.0)).done(),
        cluster("other"),
        member("other").done(),
        scaler("other", to("other"), "ecs:service:DesiredCount", n(2.0)).done(),
        cluster("unset"),
        member("unset").done(),
        scaler("unset", to("unset"), readers, Value::Unknown).done(),
        cluster("maybe"),
        member("maybe").done(),
        scaler("maybe", to("maybe"), readers, n(1.0))
            .uncounted()
            .done(),
    ];
    // Two readers kept, placed by AWS: neither one instance nor one zone.
    no_facts(&resources, "aws_rds_cluster.kept");
    for name in ["none", "other"] {
        let f = one_fact(&resources, &format!("aws_rds_cluster.{name}"));
        assert_eq!(f.label, "it has one `aws_rds_cluster_instance`");
    }
    no_facts(&resources, "aws_rds_cluster.unset");
    no_facts(&resources, "aws_rds_cluster.maybe");

    // A scaler whose target names no resource may keep any cluster's.
    let resources = vec![
        cluster("kept"),
        member("kept").done(),
        scaler("any", Value::Unknown, readers, n(1.0)).done(),
    ];
    no_facts(&resources, "aws_rds_cluster.kept");
}

#[test]
fn scaled_members_need_type_attr_and_minimum() {
    let errs = errors(
        r#"
[resource.x]
role = "datastore"
scaled-members = { type = "aws_appautoscaling_target", attr = "resource_id", minimun = "min_capacity" }
"#,
    );
    let find = |needle: &str| {
        errs.iter()
            .find(|(m, _, _)| m.contains(needle))
            .unwrap_or_else(|| panic!("no error {needle:?} in {errs:#?}"))
            .clone()
    };
    let (_, help, _) = find("unknown key `minimun` in `resource.x.scaled-members`");
    assert_eq!(help.as_deref(), Some("did you mean `minimum`?"));
    find("`scaled-members` needs `type`, `attr` and `minimum`");
    let errs = errors(
        r#"
[resource.x]
role = "datastore"
scaled-members = { type = "t", attr = "a", minimum = "m", when = [{ any = [{ members-at-least = 1 }] }] }
"#,
    );
    assert!(
        errs.iter()
            .any(|(m, _, _)| m.contains("`members-at-least` does not go in `scaled-members.when`")),
        "{errs:#?}"
    );
}

/// `inline` is for module entries, and needs `attr` and `module`.
#[test]
fn inline_needs_a_module_entry_attr_and_module() {
    let errs = errors(
        r#"
[resource.x]
role = "cluster"
inline = [{ attr = "groups", module = "acme/eks/aws//modules/group" }]

[module."acme/eks/aws"]
role = "cluster"
inline = [{ attr = "groups", inhrit = ["subnet_ids"] }]
"#,
    );
    let find = |needle: &str| {
        errs.iter()
            .find(|(m, _, _)| m.contains(needle))
            .unwrap_or_else(|| panic!("no error {needle:?} in {errs:#?}"))
            .clone()
    };
    find("`inline` is for module entries");
    find("`inline` needs `attr` and `module`");
    let (_, help, _) = find("unknown key `inhrit`");
    assert_eq!(help.as_deref(), Some("did you mean `inherit`?"));
}

/// The entries of an inline map argument are judged as calls of the
/// module `inline` names: each takes the call's inherited arguments it
/// does not set, and none exists when the inline's conditions do not hold.
#[test]
fn inline_map_entries_are_judged_as_module_calls() {
    let mut kb = KnowledgeBase::default();
    let diags = kb.extend(
        FileId(7),
        r#"
[module."acme/eks/aws"]
role = "cluster"
inline = [{ attr = "groups", module = "acme/eks/aws//modules/group", inherit = ["zone"], when = [{ attr = "create", is = true, default = true }] }]

[module."acme/eks/aws//modules/group"]
role = "compute"
zonal = true

[[module."acme/eks/aws//modules/group".fact]]
unit = "zone"
when = [{ attr = "zone", is = "a" }]
message = "runs in zone a"
help = "h"
"#,
    );
    assert!(diags.is_empty(), "{diags:#?}");
    let attr = |value: Value| Attr {
        value,
        span: sp(),
        origin: sp(),
        set_by: SetBy::InPlace,
        unset: None,
    };
    let call = |address: &str, create: bool| {
        let mut r = res("aws_instance.placeholder").done();
        r.address = address.to_string();
        r.kind = format!("{MODULE_PREFIX}acme/eks/aws");
        r.body.attrs.insert("zone".to_string(), attr(s("a")));
        r.body.attrs.insert("create".to_string(), attr(b(create)));
        let group = |zone: Option<&str>| {
            Value::Map(
                zone.map(|z| ("zone".to_string(), s(z)))
                    .into_iter()
                    .collect(),
            )
        };
        let groups = [("own", group(Some("b"))), ("inherits", group(None))];
        r.body.attrs.insert(
            "groups".to_string(),
            attr(Value::Map(
                groups
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )),
        );
        r
    };
    let resources = vec![call("module.on", true), call("module.off", false)];
    let mut model = Model::default();
    extract(&resources, &kb, &mut model);
    let names: Vec<&str> = model.entities.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "module.on",
            "module.off",
            "module.on.groups[\"inherits\"]",
            "module.on.groups[\"own\"]",
        ]
    );
    let facts = |i: usize| model.entities[i].instances[0].detail().cloud.len();
    assert_eq!((facts(2), facts(3)), (1, 0));
}

/// A module entry of a user's file judges the calls of that module (by its
/// address, case aside); a call of a module without an entry is no entity.
#[test]
fn user_module_entries_judge_module_calls() {
    let mut kb = KnowledgeBase::builtin();
    let diags = kb.extend(
        FileId(7),
        r#"
[module."Acme/Database/aws"]
role = "datastore"

[[module."Acme/Database/aws".fact]]
unit = "zone"
zonal = true
unless = [{ attr = "standby", is = true, default = false }]
message = "runs in one availability zone with no standby"
help = "set `standby = true`"
"#,
    );
    assert!(diags.is_empty(), "{diags:#?}");
    let call = |address: &str, kind: &str| {
        let mut r = res("aws_instance.placeholder").done();
        r.address = address.to_string();
        r.kind = format!("{MODULE_PREFIX}{kind}");
        r.name = address.trim_start_matches("module.").to_string();
        r
    };
    let mut standby = call("module.replicated", "acme/database/aws");
    standby.body.attrs.insert(
        "standby".to_string(),
        Attr {
            value: b(true),
            span: sp(),
            origin: sp(),
            set_by: SetBy::InPlace,
            unset: None,
        },
    );
    let resources = vec![
        call("module.db", "acme/database/aws"),
        standby,
        call("module.other", "acme/unknown/aws"),
    ];
    let mut model = Model::default();
    extract(&resources, &kb, &mut model);
    assert_eq!(model.entities.len(), 2, "{:#?}", model.entities);
    let db = &model.entities[0];
    assert_eq!(db.role, Role::Datastore);
    assert_eq!(db.instances[0].detail().cloud.len(), 1);
    assert_eq!(
        db.instances[0].detail().cloud[0].message,
        "`module.db` runs in one availability zone with no standby"
    );
    assert!(model.entities[1].instances[0].detail().cloud.is_empty());
    assert!(kb.is_config(&format!("{MODULE_PREFIX}acme/unknown/aws")));
    assert!(!kb.is_config(&format!("{MODULE_PREFIX}acme/database/aws")));
}
