//! `gitlab`: a GitLab Code Quality report, the JSON array of issues that a
//! job publishes with `artifacts:reports:codequality`. GitLab matches issues
//! across pipelines by `fingerprint`, so it must be unique and stable.

use super::{Output, locate, see_also};
use crate::diagnostic::{Diagnostic, Kind, Severity, fingerprints};
use serde::Serialize;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// GitLab's scale is info, minor, major, critical, blocker. An input error
/// is an error: part of the estate went unchecked.
fn severity(d: &Diagnostic) -> &'static str {
    match (d.kind, d.severity) {
        (Kind::Error, _) | (Kind::Finding, Severity::Error) => "critical",
        (Kind::Finding, Severity::Warning) => "major",
        (Kind::Finding, Severity::Info) => "info",
    }
}

fn issue<'a>(out: &Output, d: &'a Diagnostic, fingerprint: String) -> Issue<'a> {
    let loc = locate(out.sources, d.span);
    // The merge request widget shows the description, not the check name.
    let description = match d.kind {
        Kind::Finding => format!("{} ({}): {}", d.code, d.name, d.message),
        Kind::Error => format!("{}: {}", d.code, d.message),
    };
    Issue {
        description: description + &see_also(out.sources, &d.related),
        check_name: &d.code,
        fingerprint,
        severity: severity(d),
        location: Location {
            path: loc.path,
            lines: Lines {
                begin: loc.start.line,
                end: loc.end.line,
            },
        },
    }
}

pub(super) fn render(out: &Output, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let issues: Vec<Issue> = out
        .diagnostics
        .iter()
        .zip(fingerprints(out.diagnostics, out.sources))
        .map(|(d, fingerprint)| issue(out, d, fingerprint))
        .collect();
    serde_json::to_writer_pretty(&mut *w, &issues)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Summary;
    use crate::render::fixture::{fixture, written};
    use serde_json::Value;
    use std::collections::BTreeSet;

    fn rendered(out: &Output) -> String {
        written(|buf| render(out, buf))
    }

    fn fixture_gitlab(diagnostics: &[Diagnostic]) -> String {
        let fx = fixture();
        let out = Output {
            sources: &fx.sources,
            diagnostics,
            suppressed: &[],
            accepted: &[],
            summary: &fx.summary,
        };
        rendered(&out)
    }

    #[test]
    fn gitlab_snapshot() {
        insta::assert_snapshot!(fixture_gitlab(&fixture().diagnostics));
    }

    #[test]
    fn gitlab_issues_have_the_required_keys() {
        let doc: Value =
            serde_json::from_str(&fixture_gitlab(&fixture().diagnostics)).expect("valid JSON");
        let issues = doc.as_array().expect("an array of issues");
        assert_eq!(issues.len(), 2);
        for issue in issues {
            for key in ["description", "check_name", "fingerprint", "severity"] {
                assert!(issue[key].is_string(), "{key} in {issue}");
            }
            assert!(issue["location"]["path"].is_string(), "{issue}");
            assert!(issue["location"]["lines"]["begin"].is_u64(), "{issue}");
        }
        assert_eq!(issues[0]["check_name"], "SPOF003");
        assert_eq!(issues[0]["severity"], "major");
        assert_eq!(issues[0]["location"]["path"], "deploy/app.yaml");
        assert_eq!(issues[0]["location"]["lines"]["begin"], 4);
        assert_eq!(issues[1]["check_name"], "parse-error");
        assert_eq!(issues[1]["severity"], "critical");
        assert_eq!(issues[1]["location"]["path"], "broken.yaml");
    }

    #[test]
    fn gitlab_fingerprints_are_unique_even_for_identical_findings() {
        let fx = fixture();
        let twice = [fx.diagnostics[0].clone(), fx.diagnostics[0].clone()];
        let all = [&fx.diagnostics[..], &twice[..]].concat();
        let doc: Value = serde_json::from_str(&fixture_gitlab(&all)).expect("valid JSON");
        let prints: BTreeSet<&str> = doc
            .as_array()
            .expect("an array of issues")
            .iter()
            .filter_map(|i| i["fingerprint"].as_str())
            .collect();
        assert_eq!(prints.len(), all.len());
    }

    #[test]
    fn gitlab_clean_run_is_an_empty_array() {
        let fx = fixture();
        let summary = Summary::default();
        let out = Output {
            sources: &fx.sources,
            diagnostics: &[],
            suppressed: &[],
            accepted: &[],
            summary: &summary,
        };
        assert_eq!(rendered(&out), "[]\n");
    }

    #[test]
    fn gitlab_info_is_info() {
        let fx = fixture();
        let mut info = fx.diagnostics[0].clone();
        info.severity = Severity::Info;
        let doc: Value = serde_json::from_str(&fixture_gitlab(&[info])).expect("valid JSON");
        assert_eq!(doc[0]["severity"], "info");
    }
}
