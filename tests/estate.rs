//! The scenario estate: two clusters in two datacenters
//! (`testdata/estates/two-datacenters`). Its findings are asserted exactly:
//! the database and the operations tools exist only in Pangyo, so the chat
//! API — deployed to both datacenters — still fails with Pangyo.

use spof::check::{self, Report, RunOptions};
use spof::diagnostic::Kind;

/// Code, path, line, column and entity of every diagnostic, in order.
pub(crate) fn located(report: &Report) -> Vec<(String, String, u32, u32, Option<String>)> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.sources.get(d.span.file);
            let at = file.line_col(d.span.range.start);
            (
                d.code.to_string(),
                file.display_path(),
                at.line,
                at.column,
                d.entity.clone(),
            )
        })
        .collect()
}

#[test]
fn two_datacenters_findings_are_exact() {
    let dir = "testdata/estates/two-datacenters";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        config: Some(format!("{dir}/spof.toml").into()),
        ..RunOptions::default()
    });
    let got = located(&report);
    let p = |f: &str| format!("{dir}/{f}");
    let expected = vec![
        (
            "SPOF007".to_string(),
            p("clusters/ansan/talk-api.yaml"),
            20,
            22,
            Some("k8s:Deployment/talk/talk-api".into()),
        ),
        (
            "SPOF024".into(),
            p("clusters/pangyo/ops.yaml"),
            8,
            9,
            Some("k8s:Deployment/ops/deploy-console".into()),
        ),
        (
            "SPOF024".into(),
            p("clusters/pangyo/ops.yaml"),
            31,
            9,
            Some("k8s:StatefulSet/ops/prometheus".into()),
        ),
        (
            "SPOF007".into(),
            p("clusters/pangyo/talk-api.yaml"),
            20,
            22,
            Some("k8s:Deployment/talk/talk-api".into()),
        ),
        ("SPOF008".into(), p("spof.toml"), 8, 9, None),
        ("SPOF021".into(), p("spof.toml"), 9, 10, None),
    ];
    assert_eq!(got, expected);
    assert!(report.diagnostics.iter().all(|d| d.kind == Kind::Finding));

    let cluster = &report.diagnostics[4];
    assert!(
        cluster
            .message
            .contains("cluster `pangyo` runs in one zone"),
        "{}",
        cluster.message
    );
    let only_there: Vec<&str> = cluster.related.iter().map(|r| &*r.message).collect();
    assert_eq!(
        only_there,
        // Tools are reported by SPOF023 instead.
        ["`StatefulSet talk/talk-db` exists only in this cluster"]
    );
    // The chat API is in both datacenters, yet its database is not: the
    // chain leads to the cluster's single zone.
    let chain = &report.diagnostics[0];
    assert!(
        chain.message.contains("`zone:pangyo-dc`"),
        "{}",
        chain.message
    );
    let hops: Vec<&str> = chain.related.iter().map(|r| &*r.message).collect();
    assert_eq!(
        hops,
        [
            "`Service talk/talk-db` depends on `StatefulSet talk/talk-db` (selector)",
            "`StatefulSet talk/talk-db` runs only in cluster `pangyo`, which lives in one zone",
        ]
    );
    assert_eq!(report.exit_code(spof::diagnostic::Severity::Warning), 1);
}

/// The shop on AWS (`testdata/estates/shop-on-aws`): Terraform and
/// Kubernetes in one graph. The orders database is single-AZ because a
/// staging value reached production's `terraform.tfvars`; checkout, spread
/// over three zones in EKS, depends on it; one NAT gateway serves all three
/// zones. The session cache, the cluster and its nodes are redundant.
#[test]
fn shop_on_aws_findings_are_exact() {
    let dir = "testdata/estates/shop-on-aws";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        config: Some(format!("{dir}/spof.toml").into()),
        ..RunOptions::default()
    });
    let got = located(&report);
    let p = |f: &str| format!("{dir}/{f}");
    let root = p("terraform");
    let expected = vec![
        (
            "SPOF007".to_string(),
            p("kubernetes/checkout.yaml"),
            7,
            26,
            Some("k8s:Deployment/shop/checkout".into()),
        ),
        ("SPOF021".into(), p("terraform/main.tf"), 5, 3, None),
        (
            "SPOF020".into(),
            p("terraform/main.tf"),
            35,
            3,
            Some(format!("tf:{root}:aws_nat_gateway.main")),
        ),
        (
            "SPOF018".into(),
            p("terraform/modules/db/main.tf"),
            15,
            3,
            Some(format!("tf:{root}:module.orders_db.aws_db_instance.this")),
        ),
    ];
    assert_eq!(got, expected);
    // The database's finding sits on `multi_az = var.multi_az`; the value
    // in terraform.tfvars decides it.
    let db = &report.diagnostics[3];
    let decided = db.decided_at.expect("terraform.tfvars decides");
    assert_eq!(
        report.sources.get(decided.file).display_path(),
        p("terraform/terraform.tfvars")
    );
    assert!(
        db.related
            .iter()
            .any(|r| r.span == decided && &*r.message == "set here")
    );
    // The chain runs from the deployment to the database.
    let chain: Vec<&str> = report.diagnostics[0]
        .related
        .iter()
        .map(|r| &*r.message)
        .collect();
    assert_eq!(
        chain,
        ["`module.orders_db.aws_db_instance.this` runs in one availability zone with no standby"]
    );
}

/// The recovery plane (`testdata/estates/recovery-plane`): services
/// duplicated over two datacenters, a deploy console, monitoring and
/// engineer sign-in in one of them, a runbook wiki in both. Written four
/// ways — Kubernetes with spof.toml clusters, spof's service manifest, a
/// Backstage catalog, and a mix of the three — the verdict is the same:
/// exactly the three tools, each sharing its fate with what it manages.
#[test]
fn recovery_plane_verdicts_are_the_same_in_every_format() {
    let root = "testdata/estates/recovery-plane";
    let variants: [(&str, bool, [&str; 3]); 4] = [
        (
            "kubernetes",
            true,
            [
                "k8s:Deployment/ops/deploy-console",
                "k8s:Deployment/ops/engineer-sso",
                "k8s:StatefulSet/ops/prometheus",
            ],
        ),
        (
            "manifest",
            false,
            [
                "manifest:deploy-console",
                "manifest:engineer-sso",
                "manifest:monitoring",
            ],
        ),
        (
            "backstage",
            false,
            [
                "backstage:component:default/deploy-console",
                "backstage:component:default/engineer-sso",
                "backstage:component:default/monitoring",
            ],
        ),
        (
            "mixed",
            true,
            [
                "backstage:component:default/engineer-sso",
                "k8s:Deployment/ops/deploy-console",
                "k8s:StatefulSet/ops/prometheus",
            ],
        ),
    ];
    for (variant, configured, tools) in variants {
        let dir = format!("{root}/{variant}");
        let config = format!("{dir}/spof.toml");
        let report = check::run(&RunOptions {
            paths: vec![dir.clone().into()],
            isolated: !configured,
            config: configured.then(|| config.into()),
            ..RunOptions::default()
        });
        assert!(
            report.diagnostics.iter().all(|d| d.kind == Kind::Finding),
            "{variant}: {:?}",
            report.diagnostics
        );
        // Beyond the estate-wide region note, only the three tools.
        let mut flagged: Vec<(&str, &str)> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity >= spof::diagnostic::Severity::Warning)
            .map(|d| (d.code.as_str(), d.entity.as_deref().unwrap_or("")))
            .collect();
        flagged.sort_unstable();
        let mut expected: Vec<(&str, &str)> = tools.iter().map(|t| ("SPOF024", *t)).collect();
        expected.sort_unstable();
        assert_eq!(flagged, expected, "{variant}");
        assert!(
            report
                .diagnostics
                .iter()
                .all(|d| d.severity >= spof::diagnostic::Severity::Warning || d.code == "SPOF021"),
            "{variant}"
        );
        // The human output names the domain and shows the chain.
        let mut out = Vec::new();
        spof::render::render(
            spof::render::Format::Human,
            &report.output(),
            spof::render::Style::PLAIN,
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("☞ it manages"), "{variant}:\n{text}");
        // Each finding names the domain and the managed entities, with the
        // chain as related locations.
        for d in report.diagnostics.iter().filter(|d| d.code == "SPOF024") {
            assert!(
                d.message.contains("fails with `zone:pangyo`"),
                "{variant}: {}",
                d.message
            );
            assert!(
                d.related
                    .iter()
                    .any(|r| r.message.starts_with("it manages")
                        && r.message.ends_with("`zone:pangyo`")),
                "{variant}: {:?}",
                d.related
            );
        }
    }
}

// Scope and identity: declarations of one name in different places.

/// The estate's diagnostics as `spof check` prints them.
pub(crate) fn human(report: &Report) -> String {
    let mut out = Vec::new();
    spof::render::render(
        spof::render::Format::Human,
        &report.output(),
        spof::render::Style::PLAIN,
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

/// Independent samples declaring one name (`testdata/estates/samples`,
/// checked without configuration): each sample's `paymentservice` is an
/// entity of its own, the autoscaler of one sample's test data scales only
/// that sample's, a budget is judged over the pods it selects in its own
/// sample, and every finding's evidence comes from the finding's sample.
#[test]
fn samples_are_entities_of_their_own() {
    let dir = "testdata/estates/samples";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        isolated: true,
        ..RunOptions::default()
    });
    let got = located(&report);
    let p = |f: &str| format!("{dir}/{f}");
    let entity = |id: &str| Some(id.to_string());
    assert_eq!(
        got,
        [
            (
                "SPOF011".to_string(),
                p("blue-green/web.yaml"),
                50,
                3,
                entity("k8s:Deployment/default/web-blue")
            ),
            (
                "SPOF011".into(),
                p("blue-green/web.yaml"),
                50,
                3,
                entity("k8s:Deployment/default/web-green")
            ),
            (
                "SPOF009".into(),
                p("cassandra-three/cassandra.yaml"),
                6,
                3,
                entity("k8s:StatefulSet/default/cassandra@samples/cassandra-three")
            ),
            (
                "SPOF007".into(),
                p("checkout/kubernetes-manifests/checkoutservice.yaml"),
                24,
                22,
                entity(
                    "k8s:Deployment/default/checkoutservice@samples/checkout/kubernetes-manifests"
                )
            ),
            (
                "SPOF001".into(),
                p("checkout/kubernetes-manifests/paymentservice.yaml"),
                6,
                3,
                entity(
                    "k8s:Deployment/default/paymentservice@samples/checkout/kubernetes-manifests"
                )
            ),
        ]
    );
    // No finding cites a line of another sample.
    for d in &report.diagnostics {
        let sample = |span: spof::source::Span| {
            report.sources.get(span.file).display_path()[dir.len() + 1..]
                .split('/')
                .next()
                .unwrap()
                .to_string()
        };
        for related in &d.related {
            assert_eq!(sample(related.span), sample(d.span), "{}", d.message);
        }
    }
    insta::assert_snapshot!("samples", human(&report));
}

/// Production in two clusters of one environment, staging in a third
/// (`testdata/estates/environments`): the copies of production merge into
/// one replicated entity, staging's stay apart and keep their findings,
/// which name their environment.
#[test]
fn environments_do_not_merge() {
    let dir = "testdata/estates/environments";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        config: Some(format!("{dir}/spof.toml").into()),
        ..RunOptions::default()
    });
    let got = located(&report);
    let p = |f: &str| format!("{dir}/{f}");
    assert_eq!(
        got,
        [
            (
                "SPOF001".to_string(),
                p("k8s/staging/db.yaml"),
                8,
                3,
                Some("k8s:StatefulSet/shop/db@staging".into())
            ),
            (
                "SPOF001".into(),
                p("k8s/staging/web.yaml"),
                8,
                3,
                Some("k8s:Deployment/shop/web@staging".into())
            ),
            (
                "SPOF007".into(),
                p("k8s/staging/web.yaml"),
                20,
                22,
                Some("k8s:Deployment/shop/web@staging".into())
            ),
        ]
    );
    insta::assert_snapshot!("environments", human(&report));
}

/// Checked from the repository root without `--config`, the estate's own
/// spof.toml applies (the nearest at or above the checked path, not the
/// working directory's), for the directory and for a file named in it.
#[test]
fn two_datacenters_applies_its_own_spof_toml_from_anywhere() {
    let dir = "testdata/estates/two-datacenters";
    let with_config = located(&check::run(&RunOptions {
        paths: vec![dir.into()],
        config: Some(format!("{dir}/spof.toml").into()),
        ..RunOptions::default()
    }));
    let found = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    assert_eq!(located(&found), with_config);
    let file = format!("{dir}/clusters/ansan/talk-api.yaml");
    let run = |config: Option<String>| {
        located(&check::run(&RunOptions {
            paths: vec![file.clone().into()],
            config: config.map(Into::into),
            ..RunOptions::default()
        }))
    };
    assert_eq!(run(None), run(Some(format!("{dir}/spof.toml"))));
    assert_ne!(run(None), Vec::new());
}

/// The chains of two services that depend on the same service end with the
/// same hop and the same root cause, and their findings cite one copy of
/// those words: in a large estate the same words end the chains of
/// thousands of findings.
#[test]
fn findings_share_the_words_of_a_common_chain() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let manifest = r#"[sites.a]
[sites.b]

[services.web]
sites = ["a", "b"]
depends_on = ["api"]

[services.admin]
sites = ["a", "b"]
depends_on = ["api"]

[services.api]
sites = ["a", "b"]
depends_on = ["db"]

[services.db]
sites = ["a"]
"#;
    std::fs::write(dir.path().join("spof.services.toml"), manifest).expect("the manifest");
    let report = check::run(&RunOptions {
        paths: vec![dir.path().into()],
        ..RunOptions::default()
    });
    let on = |entity: &str| {
        report
            .diagnostics
            .iter()
            .find(|d| d.code == "SPOF007" && d.entity.as_deref() == Some(entity))
            .unwrap_or_else(|| panic!("SPOF007 on {entity}: {:#?}", report.diagnostics))
    };
    let (web, admin) = (on("manifest:web"), on("manifest:admin"));
    let texts = |d: &spof::diagnostic::Diagnostic| -> Vec<String> {
        d.related.iter().map(|r| r.message.to_string()).collect()
    };
    // The hop from the API to the database, then the database's site.
    assert_eq!(texts(web).len(), 2, "{:#?}", web.related);
    assert_eq!(texts(web), texts(admin));
    for (a, b) in web.related.iter().zip(&admin.related) {
        assert!(
            std::sync::Arc::ptr_eq(&a.message, &b.message),
            "not shared: {}",
            a.message
        );
    }
}
