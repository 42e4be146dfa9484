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
    let dir = format!("testdata/estates/{estate}");
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
    let data = report::gather(&report, &estate, &audit);
    let mut out = Vec::new();
    report::render(format, &data, &mut out).expect("written");
    String::from_utf8(out).expect("UTF-8")
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
        assert_eq!(doc["version"], 3);
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
    assert!(html.contains("Single failures that take down a tool or a service"));
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
