//! `spof report` over the test estates: Markdown and JSON snapshots, HTML
//! structure, and the HTML rendered in headless Chromium when it is
//! installed (`bench/report-screenshot.sh`).

use spof::audit::{Audit, DEFAULT_GROUP_SIZE};
use spof::check::{self, RunOptions};
use spof::date::Date;
use spof::report::{self, ReportFormat};
use std::path::Path;

const ESTATES: &[&str] = &[
    "recovery-plane/kubernetes",
    "recovery-plane/manifest",
    "recovery-plane/backstage",
    "recovery-plane/mixed",
    "two-datacenters",
];

fn rendered(estate: &str, format: ReportFormat) -> String {
    rendered_at(&format!("testdata/estates/{estate}"), format, None)
}

/// The report of the estate in `dir`, compared with `previous` if given.
fn rendered_at(
    dir: &str,
    format: ReportFormat,
    previous: Option<report::compare::Previous>,
) -> String {
    let dir = dir.to_string();
    let config = Path::new(&dir).join("spof.toml");
    let (report, estate) = check::run_estate(&RunOptions {
        paths: vec![dir.clone().into()],
        isolated: !config.exists(),
        config: config.exists().then_some(config),
        today: Date::parse("2026-01-01"),
        ..RunOptions::default()
    });
    assert!(!report.has_input_errors(), "input errors in {dir}");
    let audit = Audit::build(&estate, DEFAULT_GROUP_SIZE);
    let mut data = report::gather(&report, &estate, &audit, record(&dir));
    data.comparison = previous.map(|p| report::compare::compare(&data, p));
    let mut out = Vec::new();
    report::render(format, &data, &mut out).expect("written");
    String::from_utf8(out).expect("UTF-8")
}

/// A fixed record, so that snapshots do not depend on the day or the
/// checkout.
fn record(dir: &str) -> report::Record {
    report::Record {
        date: "2026-01-01".to_string(),
        version: "0.0.0-test".to_string(),
        commit: None,
        dirty: None,
        paths: vec![dir.to_string()],
        config_sha256: None,
        formats: Vec::new(),
    }
}

fn snapshot_name(estate: &str, ext: &str) -> String {
    format!("{}_{ext}", estate.replace('/', "_"))
}

#[test]
fn markdown_reports() {
    for estate in ESTATES {
        insta::assert_snapshot!(
            snapshot_name(estate, "markdown"),
            rendered(estate, ReportFormat::Markdown)
        );
    }
}

#[test]
fn json_reports() {
    for estate in ESTATES {
        let json = rendered(estate, ReportFormat::Json);
        let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(doc["version"], 4);
        insta::assert_snapshot!(snapshot_name(estate, "json"), json);
    }
}

#[test]
fn two_datacenters_headline_names_the_tools_pangyo_takes_down() {
    let json = rendered("two-datacenters", ReportFormat::Json);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let pangyo = doc["blast_radius"]
        .as_array()
        .expect("blast radius")
        .iter()
        .find(|b| b["domain"] == "zone:pangyo-dc")
        .expect("pangyo");
    let down: Vec<&str> = pangyo["down"]
        .as_array()
        .expect("down")
        .iter()
        .filter_map(|d| d["entity"].as_str())
        .collect();
    assert!(
        down.contains(&"k8s:Deployment/ops/deploy-console"),
        "{down:?}"
    );
    let html = rendered("two-datacenters", ReportFormat::Html);
    assert!(html.contains("<h3>What each failure takes down</h3>"));
}

/// The flagship example's graph: a box per datacenter inside the region,
/// one for what runs in both, every label whole; its tools section says
/// what goes down with each tool.
#[test]
fn two_datacenters_graph_is_grouped_by_datacenter() {
    let html = rendered("two-datacenters", ReportFormat::Html);
    for title in [
        ">region:capital</text>",
        ">zone:pangyo-dc · 4 entities</text>",
        ">zone:ansan-dc · 0 entities</text>",
        ">in several zones · 4 entities</text>",
        ">Deployment ops/deploy-</text>",
    ] {
        assert!(html.contains(title), "{title}");
    }
    assert!(!html.contains('…'), "a label is cut");
    // Region box, then the three domain boxes inside it.
    let region = html.find(">region:capital</text>").expect("region");
    let pangyo = html.find(">zone:pangyo-dc · ").expect("pangyo");
    assert!(region < pangyo);
    // The tools share their fate with what Pangyo takes down.
    let recovery = &html[html.find("id=\"recovery\"").expect("recovery plane")..];
    assert!(
        recovery.contains("<code class=\"spof-mark\">zone:pangyo-dc</code>, with <a href=\"#e2\"><code>k8s:Deployment/talk/talk-api</code></a>"),
        "{recovery}"
    );
    let md = rendered("two-datacenters", ReportFormat::Markdown);
    assert!(
        md.contains("**`zone:pangyo-dc`**, with `k8s:Deployment/talk/talk-api`"),
        "{md}"
    );
}

/// The story the README tells: each tool of the flagship example says what
/// it manages, and the report's recovery plane lists it and the shared fate
/// (SPOF024) of each with what it must recover.
#[test]
fn two_datacenters_tools_say_what_they_manage_and_share_fate_with() {
    let json = rendered("two-datacenters", ReportFormat::Json);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let tools = doc["tools"].as_array().expect("tools");
    assert_eq!(tools.len(), 2);
    for tool in tools {
        let manages: Vec<&str> = tool["manages"]
            .as_array()
            .expect("manages")
            .iter()
            .filter_map(|m| m.as_str())
            .collect();
        assert_eq!(
            manages,
            [
                "k8s:Deployment/talk/auth",
                "k8s:Deployment/talk/talk-api",
                "k8s:StatefulSet/talk/talk-db"
            ],
            "{tool}"
        );
        let fate = tool["shared_fate"].as_array().expect("shared fate");
        assert_eq!(fate.len(), 1, "{tool}");
        assert!(
            fate[0]
                .as_str()
                .is_some_and(|m| m.contains("fails with `zone:pangyo-dc`, and so does")),
            "{tool}"
        );
    }
    let html = rendered("two-datacenters", ReportFormat::Html);
    let recovery = &html[html.find("id=\"recovery\"").expect("recovery plane")..];
    assert!(
        !recovery.contains("nothing declared or found"),
        "{recovery}"
    );
    assert!(recovery.contains("SPOF024"), "{recovery}");
}

/// A tool that nothing names as managing anything shows that, and the
/// section says where spof looks and that it does not guess.
#[test]
fn a_tool_that_manages_nothing_known_says_why() {
    let md = rendered("recovery-plane/kubernetes", ReportFormat::Markdown);
    let recovery = &md[md.find("## Recovery plane").expect("recovery plane")..];
    assert!(recovery.contains("spof does not guess"), "{recovery}");
    assert!(
        recovery.contains("| nothing declared or found |"),
        "{recovery}"
    );
    let html = rendered("recovery-plane/kubernetes", ReportFormat::Html);
    assert!(html.contains("spof does not guess"));
}

#[test]
fn html_reports_stand_alone_and_name_every_entity() {
    for estate in ESTATES {
        let html = rendered(estate, ReportFormat::Html);
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{estate}: a script");
        // Nothing to load: links only within the page. (Text quoted from
        // the files may mention URLs; it is escaped text, not a link.)
        for load in [
            "<link",
            "<img",
            "<iframe",
            "<object",
            "<embed",
            "@import",
            " src=",
            "xlink:href",
        ] {
            assert!(!lower.contains(load), "{estate}: {load}");
        }
        assert_eq!(
            lower.matches("href=").count(),
            lower.matches("href=\"#").count()
        );
        assert_eq!(
            lower.matches("url(").count(),
            lower.matches("url(#").count()
        );
        assert!(html.contains("<svg"), "{estate}: no graph");
        let json = rendered(estate, ReportFormat::Json);
        let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        for e in doc["entities"].as_array().expect("entities") {
            let id = e["id"].as_str().expect("an id");
            assert!(
                html.contains(&report::escape_html(id)),
                "{estate}: {id} missing"
            );
        }
    }
}

/// The HTML report in a real browser: `bench/report-screenshot.sh` renders
/// it, takes a screenshot and fails on any console message.
#[test]
fn html_report_renders_in_chromium_without_console_errors() {
    if !Path::new("/usr/bin/chromium").exists() {
        println!("skipped: /usr/bin/chromium is not installed (apt-get install chromium)");
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let shot = dir.path().join("report.png");
    let output = std::process::Command::new("sh")
        .arg("bench/report-screenshot.sh")
        .arg("testdata/estates/recovery-plane/mixed")
        .arg(&shot)
        .env("SPOF", env!("CARGO_BIN_EXE_spof"))
        .output()
        .expect("the script runs");
    assert!(
        output.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(png.len() > 10_000, "a blank screenshot");
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The JSON report's `record` of a run of `spof report` in `dir`.
fn record_of(dir: &Path) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spof"))
        .args(["report", "--format", "json", "--no-cache", "."])
        .env("SPOF_TODAY", "2030-02-03")
        // Outside a repository even when the temporary directory is in one.
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir))
        .current_dir(dir)
        .output()
        .expect("spof runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    json["record"].clone()
}

/// The record names the commit checked out and whether the tree had
/// changes, the configuration's SHA-256, the day and the files per format;
/// outside a repository the commit is absent, not an error.
#[test]
fn record_names_commit_dirty_state_and_digest() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    let config = "# the estate\n";
    std::fs::write(root.join("spof.toml"), config).unwrap();
    std::fs::write(
        root.join("web.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n",
    )
    .unwrap();
    let outside = record_of(root);
    assert_eq!(outside["commit"], serde_json::Value::Null);
    assert_eq!(outside["dirty"], serde_json::Value::Null);
    assert_eq!(outside["date"], "2030-02-03");
    assert_eq!(outside["paths"], serde_json::json!(["."]));
    assert_eq!(
        outside["files_by_format"],
        serde_json::json!({"documents": 1})
    );
    // `printf '# the estate\n' | sha256sum`
    assert_eq!(
        outside["config_sha256"],
        "96b4494093d0d79c4b9f7c8b96d177debe3d915c4f668b2bfbba8bce9d4f0405"
    );

    if git(root, &["--version"]).is_none() {
        eprintln!("git is not installed: the commit part of the record is not tested");
        return;
    }
    git(root, &["init", "-q"]).expect("git init");
    git(root, &["add", "."]).expect("git add");
    git(root, &["commit", "-q", "-m", "estate"]).expect("git commit");
    let head = git(root, &["rev-parse", "HEAD"]).expect("a commit");
    let clean = record_of(root);
    assert_eq!(clean["commit"], head.as_str());
    assert_eq!(clean["dirty"], false);
    std::fs::write(root.join("spof.toml"), "# the estate, changed\n").unwrap();
    let dirty = record_of(root);
    assert_eq!(dirty["commit"], head.as_str());
    assert_eq!(dirty["dirty"], true);
    assert_ne!(dirty["config_sha256"], clean["config_sha256"]);
}

fn json_at(dir: &str, previous: Option<report::compare::Previous>) -> serde_json::Value {
    serde_json::from_str(&rendered_at(dir, ReportFormat::Json, previous)).expect("JSON")
}

fn ids(value: &serde_json::Value) -> Vec<&str> {
    value
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v.as_str())
        .collect()
}

#[test]
fn tiers_are_read_from_every_format_and_weigh_the_headline() {
    let doc = json_at("testdata/report-tiers", None);
    let tier = |id: &str| {
        doc["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))["tier"]
            .clone()
    };
    for (id, expected) in [
        ("manifest:billing", Some(1)),
        ("manifest:blog", Some(4)),
        ("manifest:newsletter", Some(4)),
        ("manifest:status-page", Some(4)),
        ("manifest:search", None),
        ("backstage:component:default/payments", Some(2)),
        ("backstage:component:default/playground", Some(4)),
        ("k8s:Deployment/shop/checkout", Some(1)),
    ] {
        assert_eq!(tier(id).as_u64(), expected, "{id}");
    }
    // One tier-1 service outweighs three of tier 4: north ranks first,
    // though south takes down more.
    let headline = doc["headline"].as_array().expect("headline");
    let rows: Vec<(&str, u64, usize)> = headline
        .iter()
        .map(|h| {
            (
                h["domain"].as_str().unwrap_or_default(),
                h["weight"].as_u64().unwrap_or_default(),
                h["services"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("zone:north", 8, 1),
            ("zone:south", 3, 3),
            ("region:eu", 13, 5)
        ]
    );
    let first = doc["summary_in_words"][1].as_str().expect("sentence");
    assert!(first.contains("`zone:north`"), "{first}");
}

#[test]
fn the_top_action_names_the_database_behind_the_service() {
    let doc = json_at("testdata/estates/two-datacenters", None);
    let first = &doc["top_actions"][0];
    assert_eq!(first["entity"], "k8s:StatefulSet/talk/talk-db");
    assert_eq!(first["domain"], "zone:pangyo-dc");
    assert_eq!(first["to"], "zone:ansan-dc");
    let spared = ids(&first["spared"]);
    assert!(
        spared.contains(&"k8s:Deployment/talk/talk-api"),
        "{spared:?}"
    );
    assert!(
        !spared.contains(&"k8s:Deployment/ops/deploy-console"),
        "{spared:?}"
    );
    assert_eq!(
        first["location"]["path"],
        "testdata/estates/two-datacenters/clusters/pangyo/talk-db.yaml"
    );
    assert_eq!(doc["summary_in_words"].as_array().map(Vec::len), Some(5));
}

#[test]
fn accepted_domains_leave_the_headline() {
    let doc = json_at("testdata/accept", None);
    let domains: Vec<&str> = doc["headline"]
        .as_array()
        .expect("headline")
        .iter()
        .filter_map(|h| h["domain"].as_str())
        .collect();
    assert!(!domains.contains(&"region:capital"), "{domains:?}");
}

/// A report of JSON version 3, made before the opening keys existed, is
/// still read: the format to archive stays readable.
#[test]
fn a_version_3_report_is_read_and_compared() {
    let previous = report::compare::read_previous(
        Path::new("testdata/compare/previous-v3.json"),
        report::JSON_VERSION,
    )
    .expect("read");
    assert_eq!(previous.version, 3);
    assert_eq!(previous.date.as_deref(), Some("2026-12-01"));
    let doc = json_at("testdata/compare/estate", Some(previous));
    let c = &doc["comparison"];
    let domain = |name: &str| {
        c["domains"]
            .as_array()
            .expect("domains")
            .iter()
            .find(|d| d["domain"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let pangyo = domain("zone:pangyo-dc");
    assert_eq!(
        ids(&pangyo["unchanged"]),
        ["k8s:Deployment/ops/deploy-console"]
    );
    assert_eq!(ids(&pangyo["gone"]), ["k8s:StatefulSet/ops/prometheus"]);
    assert!(ids(&pangyo["fixed"]).contains(&"k8s:StatefulSet/talk/talk-db"));
    assert_eq!(pangyo["trend"], "fewer");
    let ansan = domain("zone:ansan-dc");
    assert_eq!(ids(&ansan["new"]), ["k8s:Deployment/talk/search"]);
    assert_eq!(ansan["trend"], "more");
}

#[test]
fn a_report_compared_with_itself_changes_nothing() {
    let json = rendered_at("testdata/estates/two-datacenters", ReportFormat::Json, None);
    let dir = std::env::temp_dir().join(format!("spof-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("report.json");
    std::fs::write(&path, json).expect("written");
    let previous = report::compare::read_previous(&path, report::JSON_VERSION).expect("read");
    let doc = json_at("testdata/estates/two-datacenters", Some(previous));
    let totals = &doc["comparison"]["single_points"];
    assert_eq!(totals["new"], 0);
    assert_eq!(totals["fixed"], 0);
    assert_eq!(totals["unchanged"], totals["now"]);
    assert_eq!(totals["trend"], "as many");
    let _ = std::fs::remove_dir_all(&dir);
}
