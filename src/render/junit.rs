//! `junit`: JUnit XML for CI systems that show test reports (GitLab,
//! Jenkins, Azure Pipelines). Each rule is a test suite and each entity it
//! found something about is a failed test case, with one `<failure>` listing
//! every finding of that rule on that entity. Findings silenced by a
//! suppression are skipped test cases; input errors are `<error>` cases of a
//! suite of their own.

use super::{Output, locate, printable};
use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::model::Suppression;
use crate::source::SourceMap;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// One rule (or the input errors) with its test cases in output order.
struct Suite<'a> {
    name: String,
    cases: Vec<Case<'a>>,
    /// Case index by class and name.
    index: HashMap<(&'a str, String), usize>,
}

/// One rule × entity (or error code × file: a file with errors of two
/// kinds has two cases).
struct Case<'a> {
    name: String,
    classname: &'a str,
    /// Path of the first diagnostic, for consumers that link to files.
    file: String,
    diagnostics: Vec<&'a Diagnostic>,
    suppressed: Vec<&'a (Diagnostic, Suppression)>,
}

impl<'a> Suite<'a> {
    fn new(name: String) -> Self {
        Self {
            name,
            cases: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn case(&mut self, sources: &SourceMap, d: &'a Diagnostic) -> &mut Case<'a> {
        let file = locate(sources, d.span).path;
        let name = match d.kind {
            Kind::Finding => d.entity.clone().unwrap_or_else(|| file.clone()),
            Kind::Error => file.clone(),
        };
        let key = (d.code.as_str(), name.clone());
        let at = *self.index.entry(key).or_insert_with(|| {
            self.cases.push(Case {
                name,
                classname: &d.code,
                file,
                diagnostics: Vec::new(),
                suppressed: Vec::new(),
            });
            self.cases.len() - 1
        });
        &mut self.cases[at]
    }

    fn count(&self, outcome: Outcome) -> usize {
        self.cases.iter().filter(|c| c.outcome() == outcome).count()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failure,
    Error,
    Skipped,
}

impl Case<'_> {
    fn outcome(&self) -> Outcome {
        match self.diagnostics.first() {
            Some(d) if d.kind == Kind::Error => Outcome::Error,
            Some(_) => Outcome::Failure,
            None => Outcome::Skipped,
        }
    }
}

/// Suites by rule code, then the input errors, if any.
fn suites<'a>(out: &Output<'a>) -> Vec<Suite<'a>> {
    let mut rules: BTreeMap<&str, Suite> = BTreeMap::new();
    let mut errors = Suite::new("errors".to_string());
    for d in out.diagnostics {
        let suite = match d.kind {
            Kind::Finding => rule_suite(&mut rules, d),
            Kind::Error => &mut errors,
        };
        suite.case(out.sources, d).diagnostics.push(d);
    }
    for entry in out.suppressed {
        rule_suite(&mut rules, &entry.0)
            .case(out.sources, &entry.0)
            .suppressed
            .push(entry);
    }
    let mut suites: Vec<Suite> = rules.into_values().collect();
    if !errors.cases.is_empty() {
        suites.push(errors);
    }
    suites
}

fn rule_suite<'m, 'a>(
    rules: &'m mut BTreeMap<&'a str, Suite<'a>>,
    d: &'a Diagnostic,
) -> &'m mut Suite<'a> {
    rules
        .entry(&d.code)
        .or_insert_with(|| Suite::new(format!("{} ({})", d.code, d.name)))
}

pub(super) fn render(out: &Output, w: &mut dyn Write) -> std::io::Result<()> {
    let mut suites = suites(out);
    if suites.is_empty() {
        // A clean run is still a report with a suite in it.
        suites.push(Suite::new("spof".to_string()));
    }
    let total = |outcome| suites.iter().map(|s| s.count(outcome)).sum::<usize>();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="spof" tests="{}" failures="{}" errors="{}">"#,
        suites.iter().map(|s| s.cases.len()).sum::<usize>(),
        total(Outcome::Failure),
        total(Outcome::Error),
    )?;
    for suite in &suites {
        write!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}" skipped="{}""#,
            attr(&suite.name),
            suite.cases.len(),
            suite.count(Outcome::Failure),
            suite.count(Outcome::Error),
            suite.count(Outcome::Skipped),
        )?;
        if suite.cases.is_empty() {
            writeln!(w, "/>")?;
            continue;
        }
        writeln!(w, ">")?;
        for case in &suite.cases {
            write_case(out.sources, case, w)?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}

fn write_case(sources: &SourceMap, case: &Case, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        w,
        r#"    <testcase name="{}" classname="{}" file="{}">"#,
        attr(&case.name),
        attr(case.classname),
        attr(&case.file),
    )?;
    let (element, message, kind, body) = match case.outcome() {
        outcome @ (Outcome::Failure | Outcome::Error) => {
            let worst = case
                .diagnostics
                .iter()
                .map(|d| d.severity)
                .max()
                .unwrap_or(Severity::Error);
            let kind = match outcome {
                Outcome::Error => case.classname,
                _ => worst.as_str(),
            };
            let messages: Vec<_> = case.diagnostics.iter().map(|d| d.message.text()).collect();
            let message = join(messages.iter().map(|m| m.as_ref()));
            let body = case.diagnostics.iter().map(|d| details(sources, d, None));
            (
                if outcome == Outcome::Error {
                    "error"
                } else {
                    "failure"
                },
                message,
                Some(kind),
                join_blocks(body),
            )
        }
        Outcome::Skipped => {
            let reasons = join(case.suppressed.iter().filter_map(|s| s.1.reason.as_deref()));
            let message = if reasons.is_empty() {
                "suppressed".to_string()
            } else {
                format!("suppressed: {reasons}")
            };
            let body = case
                .suppressed
                .iter()
                .map(|(d, s)| details(sources, d, Some(s)));
            ("skipped", message, None, join_blocks(body))
        }
    };
    write!(w, r#"      <{element} message="{}""#, attr(&message))?;
    if let Some(kind) = kind {
        write!(w, r#" type="{}""#, attr(kind))?;
    }
    writeln!(w, ">{}</{element}>", text(&body))?;
    writeln!(w, "    </testcase>")
}

/// Distinct parts in first-seen order, joined by `; `.
fn join<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for part in parts {
        if !seen.contains(&part) {
            seen.push(part);
        }
    }
    seen.join("; ")
}

fn join_blocks(blocks: impl Iterator<Item = String>) -> String {
    blocks.collect::<Vec<_>>().join("\n\n")
}

/// `path:line:col: message`, the chain one hop a line, the suppression
/// that silenced it, and the help.
fn details(sources: &SourceMap, d: &Diagnostic, suppression: Option<&Suppression>) -> String {
    let place = |span| {
        let loc = locate(sources, span);
        format!("{}:{}:{}", loc.path, loc.start.line, loc.start.column)
    };
    let mut lines = vec![format!("{}: {}", place(d.span), d.message)];
    lines.extend(
        d.related
            .iter()
            .map(|hop| format!("  {}: {}", place(hop.span), hop.message)),
    );
    if let Some(s) = suppression {
        lines.push(match &s.reason {
            Some(reason) => format!("suppressed at {}: {reason}", place(s.span)),
            None => format!("suppressed at {}", place(s.span)),
        });
    }
    if let Some(help) = &d.help {
        lines.push(format!("help: {help}"));
    }
    lines.join("\n")
}

/// An attribute value (always in double quotes): one line, XML-escaped.
fn attr(value: &str) -> String {
    escape(&printable(value, false), true)
}

/// Element text: line breaks kept, XML-escaped.
fn text(value: &str) -> String {
    escape(&printable(value, true), false)
}

/// Escapes markup characters (and `"` in an attribute), and replaces the
/// two characters [`printable`] lets through that XML 1.0 forbids.
fn escape(value: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\u{FFFE}' | '\u{FFFF}' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SuppressionScope;
    use crate::output::Summary;
    use crate::render::fixture::{fixture, written};
    use crate::source::{Span, TextRange};

    fn rendered(out: &Output) -> String {
        written(|buf| render(out, buf))
    }

    fn render_with(diagnostics: &[Diagnostic], suppressed: &[(Diagnostic, Suppression)]) -> String {
        let fx = fixture();
        let out = Output {
            sources: &fx.sources,
            diagnostics,
            suppressed,
            accepted: &[],
            summary: &fx.summary,
        };
        rendered(&out)
    }

    /// The fixture's finding, moved to a second entity and silenced by a
    /// comment on the line above it.
    fn suppressed() -> (Diagnostic, Suppression) {
        let mut d = fixture().diagnostics[0].clone();
        d.entity = Some("k8s:Deployment/default/batch".to_string());
        let suppression = Suppression {
            rules: vec![d.code.to_string()],
            reason: Some("batch retries on its own".to_string()),
            expiry: None,
            span: Span::new(d.span.file, TextRange::new(0, 10)),
            scope: SuppressionScope::Lines {
                file: d.span.file,
                first: 0,
                last: 1,
            },
        };
        (d, suppression)
    }

    fn parse(xml: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"))
    }

    fn count_attr(node: roxmltree::Node, name: &str) -> usize {
        node.attribute(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} on {node:?}"))
    }

    fn children<'a, 'i>(
        node: roxmltree::Node<'a, 'i>,
        tag: &'static str,
    ) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
        node.children().filter(move |n| n.has_tag_name(tag))
    }

    /// Every count attribute agrees with the elements it counts.
    fn assert_counts_match(xml: &str) {
        let doc = parse(xml);
        let root = doc.root_element();
        assert!(root.has_tag_name("testsuites"));
        let (mut tests, mut failures, mut errors) = (0, 0, 0);
        for suite in children(root, "testsuite") {
            let cases: Vec<_> = children(suite, "testcase").collect();
            let with = |tag| {
                cases
                    .iter()
                    .filter(|c| children(**c, tag).count() == 1)
                    .count()
            };
            assert_eq!(count_attr(suite, "tests"), cases.len());
            assert_eq!(count_attr(suite, "failures"), with("failure"));
            assert_eq!(count_attr(suite, "errors"), with("error"));
            assert_eq!(count_attr(suite, "skipped"), with("skipped"));
            for case in &cases {
                assert_eq!(case.children().filter(|n| n.is_element()).count(), 1);
            }
            tests += cases.len();
            failures += with("failure");
            errors += with("error");
        }
        assert_eq!(count_attr(root, "tests"), tests);
        assert_eq!(count_attr(root, "failures"), failures);
        assert_eq!(count_attr(root, "errors"), errors);
    }

    #[test]
    fn junit_snapshot() {
        let fx = fixture();
        insta::assert_snapshot!(render_with(&fx.diagnostics, &[suppressed()]));
    }

    #[test]
    fn junit_parses_back_with_matching_counts() {
        let fx = fixture();
        let xml = render_with(&fx.diagnostics, &[suppressed()]);
        assert_counts_match(&xml);
        let doc = parse(&xml);
        let root = doc.root_element();
        assert_eq!(root.attribute("name"), Some("spof"));
        assert_eq!(root.attribute("tests"), Some("3"));
        assert_eq!(root.attribute("failures"), Some("1"));
        assert_eq!(root.attribute("errors"), Some("1"));
        let names: Vec<_> = children(root, "testsuite")
            .filter_map(|s| s.attribute("name"))
            .collect();
        assert_eq!(names, ["SPOF003 (single-homed-dependency)", "errors"]);

        let case = doc
            .descendants()
            .find(|n| n.attribute("name") == Some("k8s:Deployment/default/web"))
            .expect("a case for the finding's entity");
        assert_eq!(case.attribute("classname"), Some("SPOF003"));
        let failure = children(case, "failure").next().expect("a failure");
        assert_eq!(failure.attribute("type"), Some("warning"));
        let body = failure.text().unwrap_or_default();
        assert!(
            body.starts_with("deploy/app.yaml:4:3: Deployment"),
            "{body}"
        );
        assert!(
            body.contains("\n  deploy/db.yaml:7:3: StatefulSet"),
            "{body}"
        );

        let error = doc
            .descendants()
            .find(|n| n.has_tag_name("error"))
            .expect("an error element");
        assert_eq!(error.attribute("type"), Some("parse-error"));
        assert_eq!(
            error.parent().and_then(|c| c.attribute("name")),
            Some("broken.yaml")
        );
    }

    #[test]
    fn junit_one_failure_lists_every_finding_of_a_rule_on_an_entity() {
        let fx = fixture();
        let first = fx.diagnostics[0].clone();
        let mut second = first.clone();
        second.message = "another reason".into();
        second.severity = Severity::Error;
        second.related.clear();
        second.help = None;
        let xml = render_with(&[first, second], &[]);
        assert_counts_match(&xml);
        let doc = parse(&xml);
        let failures: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("failure"))
            .collect();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].attribute("type"), Some("error"));
        let message = failures[0].attribute("message").unwrap_or_default();
        assert!(message.ends_with("; another reason"), "{message}");
        let body = failures[0].text().unwrap_or_default();
        assert!(
            body.ends_with("\n\ndeploy/app.yaml:4:3: another reason"),
            "{body}"
        );
    }

    #[test]
    fn junit_errors_are_one_case_per_code_and_file() {
        let fx = fixture();
        let syntax = fx.diagnostics[1].clone();
        let mut again = syntax.clone();
        again.message = "a second problem".into();
        let read = Diagnostic::error("read-error", syntax.span, "unreadable");
        let xml = render_with(&[syntax, again, read], &[]);
        assert_counts_match(&xml);
        let doc = parse(&xml);
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| (n.attribute("classname"), n.attribute("name")))
            .collect();
        assert_eq!(
            cases,
            [
                (Some("parse-error"), Some("broken.yaml")),
                (Some("read-error"), Some("broken.yaml")),
            ]
        );
    }

    #[test]
    fn junit_finding_without_entity_is_named_by_its_file() {
        let mut d = fixture().diagnostics[0].clone();
        d.entity = None;
        let xml = render_with(&[d], &[]);
        let doc = parse(&xml);
        let case = doc
            .descendants()
            .find(|n| n.has_tag_name("testcase"))
            .expect("a test case");
        assert_eq!(case.attribute("name"), Some("deploy/app.yaml"));
    }

    #[test]
    fn junit_escapes_markup_and_control_characters() {
        let fx = fixture();
        let mut d = fx.diagnostics[0].clone();
        d.message = r#"<svc a="1" b='2'> & </svc>"#.into();
        d.entity = Some("k8s:<&>".to_string());
        d.help = Some("line one\nline two \x1b[31m\u{FFFF}".into());
        let xml = render_with(&[d], &[]);
        assert!(
            xml.contains("message=\"&lt;svc a=&quot;1&quot; b='2'&gt; &amp; &lt;/svc&gt;\""),
            "{xml}"
        );
        assert_counts_match(&xml);
        let doc = parse(&xml);
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .expect("a failure");
        assert_eq!(
            failure.attribute("message"),
            Some(r#"<svc a="1" b='2'> & </svc>"#)
        );
        assert_eq!(
            failure.parent().and_then(|c| c.attribute("name")),
            Some("k8s:<&>")
        );
        let body = failure.text().unwrap_or_default();
        assert!(
            body.ends_with("help: line one\nline two ?[31m?"),
            "{body:?}"
        );
    }

    #[test]
    fn junit_suppressed_findings_are_skipped_cases() {
        let xml = render_with(&[], &[suppressed()]);
        assert_counts_match(&xml);
        let doc = parse(&xml);
        let skipped = doc
            .descendants()
            .find(|n| n.has_tag_name("skipped"))
            .expect("a skipped case");
        assert_eq!(
            skipped.attribute("message"),
            Some("suppressed: batch retries on its own")
        );
        let body = skipped.text().unwrap_or_default();
        assert!(
            body.contains("\nsuppressed at deploy/app.yaml:1:1: batch retries on its own\n"),
            "{body}"
        );
    }

    #[test]
    fn junit_a_suppressed_finding_does_not_hide_a_failure_of_the_same_case() {
        let fx = fixture();
        let (mut d, s) = suppressed();
        d.entity.clone_from(&fx.diagnostics[0].entity);
        let xml = render_with(&fx.diagnostics[..1], &[(d, s)]);
        assert_counts_match(&xml);
        assert!(
            xml.contains("tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\""),
            "{xml}"
        );
    }

    #[test]
    fn junit_clean_run_is_an_empty_suite() {
        let fx = fixture();
        let summary = Summary::default();
        let out = Output {
            sources: &fx.sources,
            diagnostics: &[],
            suppressed: &[],
            accepted: &[],
            summary: &summary,
        };
        let xml = rendered(&out);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuites name=\"spof\" tests=\"0\" failures=\"0\" errors=\"0\">\n  \
             <testsuite name=\"spof\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\"/>\n\
             </testsuites>\n"
        );
        assert_counts_match(&xml);
    }
}
