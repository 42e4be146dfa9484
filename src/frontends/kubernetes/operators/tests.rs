use super::*;
use crate::parse::yaml::{Limits, parse_stream};

fn errors(text: &str) -> Vec<String> {
    let mut kb = Operators::default();
    kb.extend(FileId(0), text)
        .into_iter()
        .map(|d| {
            let range = d.span.range;
            format!(
                "{} @ {}",
                d.message,
                &text[range.start as usize..range.end as usize]
            )
        })
        .collect()
}

#[test]
fn the_builtin_knowledge_base_loads_and_knows_at_least_twenty_kinds() {
    let kb = Operators::builtin();
    let kinds: Vec<String> = kb.kinds().map(|(k, _)| k).collect();
    assert!(kinds.len() >= 20, "{kinds:?}");
    for kind in [
        "argoproj.io/Rollout",
        "keda.sh/ScaledObject",
        "postgresql.cnpg.io/Cluster",
        "acid.zalan.do/postgresql",
        "postgres-operator.crunchydata.com/PostgresCluster",
        "pxc.percona.com/PerconaXtraDBCluster",
        "psmdb.percona.com/PerconaServerMongoDB",
        "mongodbcommunity.mongodb.com/MongoDBCommunity",
        "kafka.strimzi.io/Kafka",
        "kafka.strimzi.io/KafkaNodePool",
        "rabbitmq.com/RabbitmqCluster",
        "elasticsearch.k8s.elastic.co/Elasticsearch",
        "redis.redis.opstreelabs.in/RedisCluster",
        "redis.redis.opstreelabs.in/RedisReplication",
        "databases.spotahome.com/RedisFailover",
        "clickhouse.altinity.com/ClickHouseInstallation",
        "planetscale.com/VitessCluster",
        "etcd.database.coreos.com/EtcdCluster",
        "leaderworkerset.x-k8s.io/LeaderWorkerSet",
        "serving.knative.dev/Service",
        "autoscaling.k8s.io/VerticalPodAutoscaler",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} is missing");
    }
}

#[test]
fn kinds_are_looked_up_by_group_whatever_the_version() {
    let kb = Operators::builtin();
    assert!(kb.get("postgresql.cnpg.io/v1", "Cluster").is_some());
    assert!(kb.get("postgresql.cnpg.io/v2", "Cluster").is_some());
    // Another group's `Cluster` is not CloudNativePG's.
    assert!(kb.get("example.com/v1", "Cluster").is_none());
    // The core `Service` is not Knative's.
    assert!(kb.get("v1", "Service").is_none());
}

#[test]
fn paths_parse_quoted_keys_and_refuse_empty_ones() {
    assert_eq!(
        Path::parse("spec.a.\"x.io/y\"").map(|p| p.0),
        Some(vec!["spec".into(), "a".into(), "x.io/y".into()])
    );
    assert_eq!(
        Path::parse("spec.a.\"x.io/y\"").map(|p| p.to_string()),
        Some("spec.a.\"x.io/y\"".to_string())
    );
    for bad in ["", "spec..a", "spec.", "\"open", "a.\"b\"c"] {
        assert!(Path::parse(bad).is_none(), "{bad}");
    }
}

#[test]
fn a_star_goes_through_every_value_of_a_mapping() {
    let text = "spec:\n  storages:\n    minio:\n      s3: {endpointUrl: http://minio:9000}\n    aws:\n      s3: {region: us-east-1}\n    gcs:\n      s3: {endpointUrl: https://storage.googleapis.com}\n";
    let (docs, _) = parse_stream(text, &Limits::default());
    let root = &docs[0].root;
    let path = Path::parse("spec.storages.*.s3.endpointUrl").unwrap();
    let found: Vec<&str> = path
        .nodes(root)
        .into_iter()
        .filter_map(Node::as_text)
        .collect();
    assert_eq!(
        found,
        ["http://minio:9000", "https://storage.googleapis.com"]
    );
    // A `*` on something that is not a mapping reaches nothing.
    assert!(
        Path::parse("spec.storages.minio.s3.endpointUrl.*")
            .unwrap()
            .nodes(root)
            .is_empty()
    );
}

#[test]
fn paths_go_through_every_item_of_a_list() {
    let text = "spec:\n  sets:\n    - count: 2\n    - name: b\n    - count: 3\n";
    let (docs, _) = parse_stream(text, &Limits::default());
    let path = Path::parse("spec.sets.count").unwrap();
    let reached = path.entries(&docs[0].root);
    let values: Vec<Option<i64>> = reached
        .iter()
        .map(|r| r.value.and_then(Node::as_i64))
        .collect();
    assert_eq!(values, vec![Some(2), None, Some(3)]);
}

#[test]
fn conditions_fall_back_to_the_operators_default() {
    let (docs, _) = parse_stream(
        "spec:\n  affinity:\n    podAntiAffinityType: required\n",
        &Limits::default(),
    );
    let root = &docs[0].root;
    let required = Condition {
        path: Path::parse("spec.affinity.podAntiAffinityType").unwrap(),
        test: Test::Is(Lit::String("required".into())),
        default: Some(Lit::String("preferred".into())),
    };
    assert!(required.holds(root));
    let enabled = Condition {
        path: Path::parse("spec.affinity.enablePodAntiAffinity").unwrap(),
        test: Test::Is(Lit::Bool(true)),
        default: Some(Lit::Bool(true)),
    };
    assert!(enabled.holds(root));
    let present = Condition {
        path: Path::parse("spec.zoneAwareness").unwrap(),
        test: Test::Present(true),
        default: None,
    };
    assert!(!present.holds(root));
}

#[test]
fn bad_entries_are_reported_at_their_key_or_value_and_left_out() {
    let text = r#"
[custom-resource."example.com/Db"]
role = "databse"
product = "x"
replica = "spec.size"

[custom-resource."Db"]
role = "datastore"

[custom-resource."apps/Deployment"]
role = "workload"
product = "y"

[custom-resource."example.com/Queue"]
product = "z"
replicas = "spec..size"
quorum = "yes"

[custom-resource."example.com/Scaler"]
role = "datastore"
product = "s"
scales = { target = "spec.ref", default-kind = "Deployment", minimum = "spec.min", default = 1 }
"#;
    let errors = errors(text);
    let expect = [
        "unknown role `databse` @ \"databse\"",
        "unknown key `replica` in `custom-resource.\"example.com/Db\"` @ replica",
        "`Db` is not `group/Kind` @ \"Db\"",
        "`apps/Deployment` is not `group/Kind` @ \"apps/Deployment\"",
        "`replicas` is not a path: `spec..size` @ \"spec..size\"",
        "`quorum` must be a boolean @ \"yes\"",
        "`custom-resource.\"example.com/Queue\"` needs `role`",
        "`custom-resource.\"example.com/Scaler\"` has `scales` but its role is not `autoscaler`",
    ];
    for e in expect {
        assert!(
            errors.iter().any(|got| got.starts_with(e)),
            "missing {e:?} in {errors:#?}"
        );
    }
    let mut kb = Operators::default();
    kb.extend(FileId(0), text);
    assert_eq!(kb.kinds().count(), 0, "every entry had an error");
}

#[test]
fn a_later_file_replaces_a_kind_and_other_tables_are_left_alone() {
    let mut kb = Operators::builtin();
    let before = *kb.digest();
    let diags = kb.extend(
        FileId(0),
        r#"
[resource.aws_instance]
role = "compute"

[custom-resource."postgresql.cnpg.io/Cluster"]
role = "datastore"
product = "mine"
replicas = "spec.members"
"#,
    );
    assert!(diags.is_empty(), "{diags:?}");
    assert_ne!(kb.digest(), &before);
    let entry = kb.get("postgresql.cnpg.io/v1", "Cluster").unwrap();
    assert_eq!(entry.product, "mine");
    assert_eq!(entry.default_replicas, None);
}

#[test]
fn a_syntax_error_is_the_provider_knowledge_bases_to_report() {
    assert!(errors("[custom-resource\n").is_empty());
}
