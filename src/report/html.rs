//! `html`: one self-contained page. Inline CSS and SVG only: no script, no
//! font, image or style sheet from anywhere, so it works offline, from a
//! mail attachment or a CI artifact, and prints. Everything taken from the
//! scanned files goes through [`escape`](super::html_text::escape).

use super::html_text::{entity_ref, escape, plural, prose, role_badge};
use super::{Data, Excerpt, LARGE_ESTATE, Place, suppression_reason};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Role;
use std::fmt::Write as _;

const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee4; --bg: #ffffff; --panel: #f5f7fa;
  --red: #c81e1e; --red-bg: #fde8e8; --amber: #b45309; --amber-bg: #fef3c7; --blue: #1e40af; --blue-bg: #e0ebff; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 32px 48px; }
header { border-bottom: 3px solid var(--ink); margin-bottom: 16px; padding-bottom: 8px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
p.lead, .muted { color: var(--muted); }
dl.record { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; color: var(--muted); font-size: 13px; }
dl.record dt { font-weight: 600; }
dl.record dd { margin: 0; overflow-wrap: anywhere; }
nav ol { display: flex; flex-wrap: wrap; gap: 4px 18px; list-style: none; padding: 0; margin: 8px 0 0; }
nav a { color: var(--blue); text-decoration: none; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.card h3 { margin: 0 0 6px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.big { font-size: 28px; font-weight: 700; }
.counts { list-style: none; padding: 0; margin: 0; }
.counts li { display: flex; justify-content: space-between; border-bottom: 1px dotted var(--line); }
.headline { border: 2px solid var(--red); background: var(--red-bg); border-radius: 8px; padding: 10px 16px; margin-top: 12px; }
.headline h3 { margin: 0 0 4px; color: var(--red); }
.headline ul { margin: 4px 0; padding-left: 20px; }
.ok { border: 1px solid #2f855a; background: #e6f6ec; border-radius: 8px; padding: 10px 16px; margin-top: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
table.matrix { width: auto; min-width: 50%; }
table.matrix td, table.matrix th.dom { text-align: center; min-width: 34px; }
table.matrix td:first-child { text-align: left; }
table.matrix th.dom { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; font-weight: 500; }
td.runs { color: var(--blue); }
td.cut { background: var(--red-bg); color: var(--red); font-weight: 700; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.sev-error { background: var(--red-bg); color: var(--red); }
.sev-warning { background: var(--amber-bg); color: var(--amber); }
.sev-info { background: var(--blue-bg); color: var(--blue); }
.role { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; border: 1px solid var(--line); }
.role-service { background: #dbeafe; } .role-tool { background: #fde68a; } .role-datastore { background: #d1fae5; }
.role-network { background: #ede9fe; } .role-platform { background: #e5e7eb; }
.spof-mark { color: var(--red); font-weight: 700; }
.graph { overflow: auto; border: 1px solid var(--line); border-radius: 8px; background: #fbfcfd; margin: 8px 0; }
.graph svg { display: block; margin: 0 auto; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; font-size: 12.5px; margin: 6px 0; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; border: 1px solid #9aa5b1; vertical-align: -2px; margin-right: 4px; }
.finding { border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 6px; padding: 8px 14px; margin: 12px 0; break-inside: avoid; }
.finding.error { border-left-color: var(--red); } .finding.warning { border-left-color: #d97706; } .finding.info { border-left-color: var(--blue); }
.finding h3 { margin: 2px 0 4px; font-size: 14px; }
.finding .msg { margin: 4px 0; }
pre.excerpt { background: #1f2933; color: #e4e7eb; border-radius: 6px; padding: 8px 0; overflow-x: auto; margin: 6px 0; }
pre.excerpt span { display: block; padding: 0 12px; white-space: pre; }
pre.excerpt span.hit { background: #7f1d1d; color: #fff; }
pre.excerpt i { font-style: normal; color: #9aa5b1; display: inline-block; min-width: 3.5em; user-select: none; }
.where { color: var(--muted); font-size: 12.5px; }
ol.chain { margin: 4px 0; padding-left: 22px; }
.help { background: #e6f6ec; border-radius: 4px; padding: 4px 8px; margin: 6px 0 2px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
figure.figure { margin: 8px 0; }
details.members { border: 1px solid var(--line); border-radius: 6px; margin: 4px 0; padding: 2px 10px; }
details.members summary { cursor: pointer; }
details.members ul { columns: 2 340px; margin: 4px 0 8px; padding-left: 18px; }
details.members a, table.index b { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
details.members b, table.index b { color: var(--red); }
table.index td:first-child { overflow-wrap: anywhere; color: var(--muted); }
table.index td:first-child code { color: var(--ink); }
section { content-visibility: auto; contain-intrinsic-size: auto 900px; }
@page { size: A4; margin: 16mm 12mm 14mm; }
@media print {
  body { font-size: 10.5px; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section { content-visibility: visible; }
  h1, h2, h3 { break-after: avoid; break-inside: avoid; }
  h2 + *, h3 + *, h2 + p + *, .legend { break-before: avoid; }
  h2 { margin-top: 18px; }
  .graph { overflow: visible; border: none; }
  .graph svg { max-width: 100%; height: auto; }
  figure.figure, .card, .headline, .ok, tr, .help, pre.excerpt { break-inside: avoid; }
  thead { display: table-header-group; }
  .finding { break-inside: auto; }
  .finding h3, .finding .msg { break-after: avoid; }
  details.members ul { columns: 2; }
  pre.excerpt { background: #fff; color: #000; border: 1px solid #999; white-space: pre-wrap; }
  pre.excerpt span { white-space: pre-wrap; }
  pre.excerpt span.hit { background: #eee; color: #000; font-weight: 700; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// The whole page.
pub fn render(data: &Data) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let estate = data.record.estate_name();
    let named = if estate.is_empty() {
        String::new()
    } else {
        format!("{estate} · ")
    };
    let _ = write!(
        h,
        "<title>{}spof audit report</title>\n<style>",
        escape(&named)
    );
    h.push_str(STYLE);
    page_header(&mut h, &estate, &data.record.date);
    h.push_str("</style>\n</head>\n<body>\n<main>\n");

    header(&mut h, data);
    super::opening_html::opening(&mut h, data);
    summary(&mut h, data);
    super::figure::graph(&mut h, data);
    risk_groups(&mut h, data);
    matrix(&mut h, data);
    blast(&mut h, data);
    recovery(&mut h, data);
    findings(&mut h, data);
    accepted(&mut h, data);
    suppressions(&mut h, data);
    errors(&mut h, data);
    h.push_str("<footer>Generated by spof from the configuration alone: nothing was run or contacted.</footer>\n");
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// The printed page's running header (estate and date, top) and footer
/// (page numbers): `@page` margin boxes, their text as CSS strings.
fn page_header(h: &mut String, estate: &str, date: &str) {
    let _ = writeln!(
        h,
        "@page {{ @top-left {{ content: {}; font: 9px system-ui, sans-serif; color: #52606d; }} @top-right {{ content: {}; font: 9px system-ui, sans-serif; color: #52606d; }} @bottom-right {{ content: \"page \" counter(page) \" of \" counter(pages); font: 9px system-ui, sans-serif; color: #52606d; }} }}",
        css_string(&if estate.is_empty() {
            "Single points of failure".to_string()
        } else {
            format!("Single points of failure: {estate}")
        }),
        css_string(&format!("spof audit report, {date}")),
    );
}

/// `text` as a quoted CSS string: quotes, backslashes and anything that
/// could end the style element escaped as code points.
pub(super) fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in super::plain(text).chars() {
        if c.is_ascii_alphanumeric()
            || matches!(c, ' ' | '-' | '_' | '.' | ',' | ':' | '/' | '(' | ')')
            || (!c.is_ascii() && !c.is_control())
        {
            out.push(c);
        } else {
            let _ = write!(out, "\\{:x} ", u32::from(c));
        }
    }
    out.push('"');
    out
}

fn header(h: &mut String, data: &Data) {
    let s = data.summary;
    let _ = writeln!(
        h,
        "<header>\n<h1>Single points of failure: audit report</h1>\n<p class=\"lead\">{} read, {}, {} failure {}; risk groups computed up to {} {} at once.</p>",
        plural(s.files, "file", "files"),
        plural(data.entities.len(), "entity", "entities"),
        data.domains.len(),
        if data.domains.len() == 1 {
            "domain"
        } else {
            "domains"
        },
        data.max_group_size,
        if data.max_group_size == 1 {
            "domain"
        } else {
            "domains"
        },
    );
    record(h, data);
    h.push_str("<nav><ol>");
    for (id, title) in SECTIONS {
        if (*id == "errors" && data.errors.is_empty())
            || (*id == "accepted" && data.accepts.is_empty())
        {
            continue;
        }
        let _ = write!(h, "<li><a href=\"#{id}\">{title}</a></li>");
    }
    h.push_str("</ol></nav>\n</header>\n");
}

/// When, with what and on what the report was made, one item a line.
fn record(h: &mut String, data: &Data) {
    let r = &data.record;
    h.push_str("<dl class=\"record\">\n");
    let _ = writeln!(
        h,
        "<dt>Made</dt><dd>{} with spof {}</dd>",
        r.date,
        escape(&r.version)
    );
    let _ = writeln!(h, "<dt>Commit</dt><dd>{}</dd>", escape(&r.commit_text()));
    let paths: Vec<String> = r
        .paths
        .iter()
        .map(|p| format!("<code>{}</code>", escape(p)))
        .collect();
    let _ = writeln!(h, "<dt>Scanned</dt><dd>{}</dd>", paths.join(", "));
    let _ = match &r.config_sha256 {
        Some(digest) => writeln!(
            h,
            "<dt>Configuration</dt><dd>SHA-256 <code>{}</code></dd>",
            escape(digest)
        ),
        None => writeln!(h, "<dt>Configuration</dt><dd>none</dd>"),
    };
    let _ = writeln!(
        h,
        "<dt>Files read</dt><dd>{}</dd>",
        escape(&r.formats_text())
    );
    h.push_str("</dl>\n");
}

const SECTIONS: &[(&str, &str)] = &[
    ("opening", "At a glance"),
    ("summary", "Summary"),
    ("graph", "Dependency graph"),
    ("risk-groups", "Risk groups"),
    ("matrix", "Failure domains"),
    ("blast", "Blast radius"),
    ("recovery", "Recovery plane"),
    ("findings", "Findings"),
    ("accepted", "Accepted risks"),
    ("suppressions", "Suppressions"),
    ("errors", "Input errors"),
];

/// Most single failures of one entity (and of one tool, each with three
/// of what goes down with it) a large estate's report names.
const LARGE_SINGLES: usize = 4;

/// Most findings of one rule a large estate's report lists.
const MAX_RULE_ROWS: usize = 500;

fn severity_badge(severity: Severity) -> String {
    format!(
        "<span class=\"badge sev-{0}\">{0}</span>",
        severity.as_str()
    )
}

fn place_text(place: &Place) -> String {
    format!(
        "<span class=\"where\">{}:{}:{}</span>",
        escape(&place.path),
        place.line,
        place.column
    )
}

fn summary(h: &mut String, data: &Data) {
    h.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n");
    let _ = write!(
        h,
        "<div class=\"card\"><h3>Entities</h3><div class=\"big\">{}</div><ul class=\"counts\">",
        data.entities.len()
    );
    for (role, n) in data.roles() {
        let _ = write!(
            h,
            "<li><span>{}</span><span>{n}</span></li>",
            role_badge(role)
        );
    }
    h.push_str("</ul></div>\n");
    let total: usize = data.findings.len();
    let _ = write!(
        h,
        "<div class=\"card\"><h3>Findings</h3><div class=\"big\">{total}</div><ul class=\"counts\">"
    );
    for (severity, n) in data.severities() {
        let _ = write!(
            h,
            "<li><span>{}</span><span>{n}</span></li>",
            severity_badge(severity)
        );
    }
    let _ = write!(
        h,
        "<li><span>suppressed</span><span>{}</span></li>",
        data.suppressed.len()
    );
    if !data.accepted.is_empty() {
        let _ = write!(
            h,
            "<li><span>accepted</span><span>{}</span></li>",
            data.accepted.len()
        );
    }
    if data.summary.baselined > 0 {
        let _ = write!(
            h,
            "<li><span>in baseline</span><span>{}</span></li>",
            data.summary.baselined
        );
    }
    h.push_str("</ul></div>\n");
    let spofs = data.entities.iter().filter(|e| e.is_spof()).count();
    let open = data
        .entities
        .iter()
        .filter(|e| data.is_open_spof(e))
        .count();
    let accepted = if spofs > open {
        format!(
            "<li><span>of which accepted</span><span>{}</span></li>",
            spofs - open
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        h,
        "<div class=\"card\"><h3>Single points of failure</h3><div class=\"big\">{open}</div><ul class=\"counts\"><li><span>entities one domain takes down</span><span>{spofs}</span></li>{accepted}<li><span>failure domains</span><span>{}</span></li><li><span>input errors</span><span>{}</span></li></ul></div>",
        data.domains.len(),
        data.errors.len()
    );
    h.push_str("</div>\n");
    if !data.errors.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"headline\">Some inputs could not be read or parsed ({}): this report covers only the rest. See <a href=\"#errors\">input errors</a>.</p>",
            plural(data.errors.len(), "error", "errors")
        );
    }
    h.push_str("</section>\n");
}

// --------------------------------------------------------------- tables --

fn risk_groups(h: &mut String, data: &Data) {
    h.push_str("<section id=\"risk-groups\">\n<h2>Risk groups</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"muted\">For each entity, the smallest sets of failure domains whose joint failure takes it down (up to {} at once), smallest first. A set of one is a single point of failure.</p>",
        data.max_group_size
    );
    if data.entities.len() > LARGE_ESTATE {
        risk_index(h, data);
        return;
    }
    h.push_str("<table><thead><tr><th>Entity</th><th>Role</th><th>Runs in</th><th>Risk groups</th></tr></thead><tbody>\n");
    for (i, e) in data.entities.iter().enumerate() {
        let runs: Vec<String> = e
            .domains
            .iter()
            .map(|&d| format!("<code>{}</code>", escape(data.domain_name(d))))
            .collect();
        let groups: Vec<String> = e
            .risk_groups
            .iter()
            .map(|g| {
                let names: Vec<String> = g.iter().map(|&d| escape(data.domain_name(d))).collect();
                let text = format!("<code>{{{}}}</code>", names.join(", "));
                if g.len() == 1 {
                    format!("<span class=\"spof-mark\">{text}</span>")
                } else {
                    text
                }
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr id=\"e{i}\"><td><code>{}</code><br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.id),
            escape(&e.label),
            role_badge(e.role),
            if runs.is_empty() {
                "<span class=\"muted\">unknown</span>".to_string()
            } else {
                runs.join(" ")
            },
            if groups.is_empty() {
                "<span class=\"muted\">none</span>".to_string()
            } else {
                groups.join(" ")
            },
        );
    }
    h.push_str("</tbody></table>\n</section>\n");
}

/// A large estate's risk groups: one row per entity, its single failures
/// only (at most [`LARGE_SINGLES`]) and a count of the larger groups, in
/// as few elements as the row can have: a browser's time to open the page
/// grows with the elements it builds, and this table holds most of them.
fn risk_index(h: &mut String, data: &Data) {
    h.push_str("<table class=\"index\"><thead><tr><th>Entity</th><th>Role</th><th>Runs in</th><th>Risk groups</th></tr></thead><tbody>\n");
    for (i, e) in data.entities.iter().enumerate() {
        let runs: Vec<&str> = e.domains.iter().map(|&d| data.domain_name(d)).collect();
        let larger = e.risk_groups.iter().filter(|g| g.len() > 1).count();
        let singles: Vec<String> = e
            .risk_groups
            .iter()
            .filter(|g| g.len() == 1)
            .map(|g| {
                let names: Vec<&str> = g.iter().map(|&d| data.domain_name(d)).collect();
                format!("{{{}}}", names.join(", "))
            })
            .collect();
        let mut groups = Vec::new();
        if !singles.is_empty() {
            let shown = singles.len().min(LARGE_SINGLES);
            let more = if singles.len() > shown {
                format!(" and {} more", singles.len() - shown)
            } else {
                String::new()
            };
            groups.push(format!(
                "<b>{}{more}</b>",
                escape(&singles[..shown].join(" "))
            ));
        }
        if larger > 0 {
            groups.push(plural(larger, "larger group", "larger groups"));
        }
        let _ = writeln!(
            h,
            "<tr id=\"e{i}\"><td><code>{}</code> {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.id),
            escape(&e.label),
            e.role.as_str(),
            if runs.is_empty() {
                "unknown".to_string()
            } else {
                format!("<code>{}</code>", escape(&runs.join(" ")))
            },
            if groups.is_empty() {
                "none".to_string()
            } else {
                groups.join(" ")
            },
        );
    }
    h.push_str("</tbody></table>\n</section>\n");
}

fn matrix(h: &mut String, data: &Data) {
    h.push_str("<section id=\"matrix\">\n<h2>Failure domains</h2>\n");
    if data.domains.is_empty() {
        h.push_str("<p>No failure domain is known: configure clusters and their zones in spof.toml, or pin workloads to zones.</p>\n</section>\n");
        return;
    }
    if data.entities.len() > LARGE_ESTATE {
        let _ = writeln!(
            h,
            "<p>Not drawn for {} and {} failure domains: the risk groups above give where each entity runs and the domains that alone take it down.</p>\n</section>",
            plural(data.entities.len(), "entity", "entities"),
            data.domains.len()
        );
        return;
    }
    h.push_str("<p class=\"muted\">Where each entity may run (●). A red cell is a domain whose failure alone takes the entity down.</p>\n");
    h.push_str("<table class=\"matrix\"><thead><tr><th>Entity</th>");
    for name in &data.domains {
        let _ = write!(h, "<th class=\"dom\"><code>{}</code></th>", escape(name));
    }
    h.push_str("</tr></thead><tbody>\n");
    for (i, e) in data.entities.iter().enumerate() {
        let _ = write!(h, "<tr><td>{}</td>", entity_ref(data, i));
        for d in 0..data.domains.len() {
            let d = u32::try_from(d).unwrap_or(u32::MAX);
            let runs = e.domains.contains(&d);
            let cut = e.single_failures().any(|x| x == d);
            let mark = if runs {
                "●"
            } else if cut {
                "✕"
            } else {
                ""
            };
            let class = if cut {
                " class=\"cut\""
            } else if runs {
                " class=\"runs\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{mark}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n</section>\n");
}

fn blast(h: &mut String, data: &Data) {
    h.push_str("<section id=\"blast\">\n<h2>Blast radius</h2>\n<p class=\"muted\">What goes down when one failure domain fails (with every domain inside it), and why.</p>\n");
    if data.entities.len() > LARGE_ESTATE {
        let _ = writeln!(
            h,
            "<p class=\"muted\">With {}, each domain says how many entities of each role go down and names the tools and up to {} services; <code>spof simulate --fail DOMAIN</code> and the JSON report give every one with its reasons.</p>",
            plural(data.entities.len(), "entity", "entities"),
            super::HEADLINE_SERVICES
        );
    }
    let mut quiet: Vec<String> = Vec::new();
    let large = data.entities.len() > LARGE_ESTATE;
    // A large estate's lines count and name: no chain is worded.
    let blasts = if large { data.falls() } else { data.blast() };
    for b in blasts {
        let name = escape(data.domain_name(b.domain));
        if b.down.is_empty() {
            quiet.push(format!("<code>{name}</code>"));
            continue;
        }
        if large {
            blast_counts(h, data, b);
            continue;
        } else {
            let _ = writeln!(
                h,
                "<h3>If <code>{name}</code> fails: {} down</h3>",
                plural(b.down.len(), "entity", "entities")
            );
        }
        h.push_str(
            "<table><thead><tr><th>Entity</th><th>Role</th><th>Why</th></tr></thead><tbody>\n",
        );
        fall_rows(h, data, &b.down);
        if !b.degraded.is_empty() {
            let list: Vec<String> = b
                .degraded
                .iter()
                .map(|f| entity_ref(data, f.entity))
                .collect();
            let _ = writeln!(
                h,
                "<p>Still up with less (a copy, a zone or a soft dependency lost): {}</p>",
                list.join(", ")
            );
        }
        if !b.unrecoverable.is_empty() {
            h.push_str("<p>Still running, but cannot be restarted, rescheduled or redeployed while it is down:</p>\n<table><thead><tr><th>Entity</th><th>Role</th><th>Why</th></tr></thead><tbody>\n");
            fall_rows(h, data, &b.unrecoverable);
        }
    }
    if !quiet.is_empty() {
        let _ = writeln!(
            h,
            "<p>Nothing goes down when any one of these fails: {}.</p>",
            quiet.join(", ")
        );
    }
    h.push_str("</section>\n");
}

/// What a large estate's blast line names of a domain's fall: every tool,
/// then services up to [`super::HEADLINE_SERVICES`]; and how many services
/// it leaves out.
fn named_down(data: &Data, b: &super::Blast) -> (Vec<usize>, usize) {
    let role = |e: usize| data.entities.get(e).map(|x| x.role);
    let mut shown: Vec<usize> = b
        .down
        .iter()
        .map(|f| f.entity)
        .filter(|&e| role(e) == Some(Role::Tool))
        .collect();
    let services: Vec<usize> = b
        .down
        .iter()
        .map(|f| f.entity)
        .filter(|&e| role(e) == Some(Role::Service))
        .collect();
    let more = services.len().saturating_sub(super::HEADLINE_SERVICES);
    shown.extend(services.into_iter().take(super::HEADLINE_SERVICES));
    (shown, more)
}

/// What one domain takes down in a large estate: counts by role, the
/// tools and the first services.
fn blast_counts(h: &mut String, data: &Data, b: &super::Blast) {
    let mut roles: Vec<String> = Vec::new();
    for role in super::ROLES {
        let n = b
            .down
            .iter()
            .filter(|f| data.entities.get(f.entity).is_some_and(|e| e.role == role))
            .count();
        if n > 0 {
            roles.push(format!("{n} {}", role.as_str()));
        }
    }
    let (shown, more) = named_down(data, b);
    let mut names: Vec<String> = shown.iter().map(|&e| entity_ref(data, e)).collect();
    if more > 0 {
        names.push(format!("{more} more services"));
    }
    let _ = writeln!(
        h,
        "<details class=\"blast\"><summary>If <code>{}</code> fails: {} down ({}); {} still up with less</summary><p>{}</p></details>",
        escape(data.domain_name(b.domain)),
        plural(b.down.len(), "entity", "entities"),
        roles.join(", "),
        b.degraded.len(),
        if names.is_empty() {
            "No service or tool.".to_string()
        } else {
            names.join(", ")
        }
    );
}

/// Hops of a chain are a numbered list; the reasons of one entity (each
/// of its copies) share an item.
/// One table row per entity of `falls` (entity, role, why), and the end of
/// the table.
fn fall_rows(h: &mut String, data: &Data, falls: &[super::Fall]) {
    for f in falls {
        let role = data
            .entities
            .get(f.entity)
            .map_or(Role::Service, |e| e.role);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            entity_ref(data, f.entity),
            role_badge(role),
            because(f)
        );
    }
    h.push_str("</tbody></table>\n");
}

fn because(fall: &super::Fall) -> String {
    let hops: Vec<String> = fall
        .hops()
        .iter()
        .map(|hop| {
            hop.iter()
                .map(|s| {
                    let at =
                        s.at.as_ref()
                            .map(|p| format!(" {}", place_text(p)))
                            .unwrap_or_default();
                    format!("{}{at}", prose(&s.text))
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    match hops.len() {
        0 => String::new(),
        1 => hops.concat(),
        _ => format!(
            "<ol class=\"chain\"><li>{}</li></ol>",
            hops.join("</li><li>")
        ),
    }
}

fn recovery(h: &mut String, data: &Data) {
    h.push_str("<section id=\"recovery\">\n<h2>Recovery plane</h2>\n");
    if data.tools.is_empty() {
        h.push_str("<p>No operational tool (deploy, monitoring, sign-in, …) was found in the estate.</p>\n</section>\n");
        return;
    }
    h.push_str("<p class=\"muted\">The tools engineers need to operate and recover the estate: the single failures that take each down and the services, tools and datastores that go down with it; what it manages, as declared (<code>spof.dev/manages</code>, a manifest's <code>manages</code>, <code>[[tool]] manages</code>) or as Argo CD Applications, Prometheus ServiceMonitors and PodMonitors and Velero Schedules say (spof does not guess: where none of these speaks for a tool, it shows nothing); and whether it fails together with that (rule SPOF024, tool-shares-fate).</p>\n");
    h.push_str("<table><thead><tr><th>Tool</th><th>Kind</th><th>Single failures, and what goes down with it</th><th>Manages</th><th>Shared fate</th></tr></thead><tbody>\n");
    for t in &data.tools {
        let Some(e) = data.entities.get(t.entity) else {
            continue;
        };
        let manages: Vec<String> = t.manages.iter().map(|&m| entity_ref(data, m)).collect();
        let large = data.entities.len() > LARGE_ESTATE;
        let fellows = super::groups::fellows(data, t.entity);
        let (domains_shown, names_shown) = if large {
            (LARGE_SINGLES, 3)
        } else {
            (usize::MAX, super::groups::FELLOWS_SHOWN)
        };
        let more_domains = fellows.len().saturating_sub(domains_shown);
        let mut cuts: Vec<String> = fellows
            .into_iter()
            .take(domains_shown)
            .map(|(d, down)| {
                let mut names: Vec<String> = down
                    .iter()
                    .take(names_shown)
                    .map(|&x| entity_ref(data, x))
                    .collect();
                if down.len() > names_shown {
                    names.push(format!("{} more", down.len() - names_shown));
                }
                let with = if names.is_empty() {
                    "nothing else".to_string()
                } else {
                    names.join(", ")
                };
                format!(
                    "<code class=\"spof-mark\">{}</code>, with {with}",
                    escape(data.domain_name(d))
                )
            })
            .collect();
        if more_domains > 0 {
            cuts.push(format!(
                "and {}",
                plural(more_domains, "more domain", "more domains")
            ));
        }
        let fate: Vec<String> = t
            .shared_fate
            .iter()
            .filter_map(|&k| data.findings.get(k))
            .map(|d| {
                format!(
                    "<a href=\"#f{}\">{}</a>",
                    finding_anchor(data, d),
                    prose(&d.message.text())
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            entity_ref(data, t.entity),
            escape(e.tool_kind.as_deref().unwrap_or("")),
            if cuts.is_empty() {
                "none".to_string()
            } else {
                cuts.join("<br>")
            },
            if manages.is_empty() {
                "<span class=\"muted\">nothing declared or found</span>".to_string()
            } else {
                manages.join(", ")
            },
            if fate.is_empty() {
                "none".to_string()
            } else {
                fate.join("<br>")
            },
        );
    }
    h.push_str("</tbody></table>\n</section>\n");
}

fn finding_anchor(data: &Data, d: &Diagnostic) -> usize {
    data.findings
        .iter()
        .position(|x| std::ptr::eq(*x, d))
        .unwrap_or(0)
}

fn excerpt_html(h: &mut String, ex: &Excerpt) {
    h.push_str("<pre class=\"excerpt\">");
    for (n, text, hit) in &ex.lines {
        let class = if *hit { " class=\"hit\"" } else { "" };
        let _ = write!(h, "<span{class}><i>{n}</i>{}</span>", escape(text));
    }
    h.push_str("</pre>\n");
}

fn diagnostic(h: &mut String, data: &Data, d: &Diagnostic, anchor: &str) {
    let _ = write!(
        h,
        "<div class=\"finding {}\" id=\"{anchor}\"><h3>{} <code>{}</code> {}",
        d.severity.as_str(),
        severity_badge(d.severity),
        escape(&d.code),
        if d.name != d.code {
            escape(&d.name)
        } else {
            String::new()
        },
    );
    if let Some(id) = &d.entity {
        match data.entity_index(id) {
            Some(i) => {
                let _ = write!(h, " · {}", entity_ref(data, i));
            }
            None => {
                let _ = write!(h, " · <code>{}</code>", escape(id));
            }
        }
    }
    h.push_str("</h3>\n");
    let _ = writeln!(h, "<p class=\"msg\">{}</p>", prose(&d.message.text()));
    if let Some(place) = data.place(d.span) {
        let label = d
            .label
            .as_deref()
            .map(|l| format!(": {}", prose(l)))
            .unwrap_or_default();
        let _ = writeln!(h, "<div>{}{label}</div>", place_text(&place));
    }
    if let Some(ex) = data.excerpt(d.span) {
        excerpt_html(h, &ex);
    }
    if !d.related.is_empty() {
        h.push_str("<ol class=\"chain\">");
        for r in &d.related {
            let at = data
                .place(r.span)
                .map(|p| place_text(&p))
                .unwrap_or_default();
            let line = data
                .excerpt(r.span)
                .and_then(|ex| ex.lines.into_iter().find(|l| l.2))
                .map(|(n, text, _)| format!("<br><code>{n}: {}</code>", escape(text.trim())))
                .unwrap_or_default();
            let _ = write!(h, "<li>{} {at}{line}</li>", prose(&r.message));
        }
        h.push_str("</ol>\n");
    }
    if let Some(help) = &d.help {
        let _ = writeln!(
            h,
            "<div class=\"help\"><strong>Help:</strong> {}</div>",
            prose(help)
        );
    }
    h.push_str("</div>\n");
}

fn findings(h: &mut String, data: &Data) {
    let _ = writeln!(
        h,
        "<section id=\"findings\">\n<h2>Findings ({})</h2>",
        data.findings.len()
    );
    if data.findings.is_empty() {
        h.push_str("<p>No findings.</p>\n");
    }
    if data.entities.len() > LARGE_ESTATE {
        finding_rows(h, data);
    } else {
        for (k, d) in data.findings.iter().enumerate() {
            diagnostic(h, data, d, &format!("f{k}"));
        }
    }
    h.push_str("</section>\n");
}

/// The findings of a large estate: one expandable table per rule, one row
/// per finding (`spof check` gives the excerpts and chains).
fn finding_rows(h: &mut String, data: &Data) {
    let mut rules: Vec<&str> = data.findings.iter().map(|d| d.code.as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    let index: std::collections::HashMap<&str, usize> = data
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    h.push_str("<p class=\"muted\">One row per finding, grouped by rule; <code>spof check</code> shows each with its source lines and chain.</p>\n");
    for rule in rules {
        let of: Vec<(usize, &&Diagnostic)> = data
            .findings
            .iter()
            .enumerate()
            .filter(|(_, d)| d.code == rule)
            .collect();
        let Some((_, first)) = of.first() else {
            continue;
        };
        let _ = writeln!(
            h,
            "<details class=\"rule\"><summary>{} <code>{}</code> {}: {}</summary><table><thead><tr><th>Entity</th><th>Finding</th><th>Where</th></tr></thead><tbody>",
            severity_badge(first.severity),
            escape(rule),
            escape(&first.name),
            plural(of.len(), "finding", "findings")
        );
        let total = of.len();
        for (k, d) in of.into_iter().take(MAX_RULE_ROWS) {
            let entity = match d.entity.as_deref().map(|id| (id, index.get(id).copied())) {
                Some((_, Some(i))) => entity_ref(data, i),
                Some((id, None)) => format!("<code>{}</code>", escape(id)),
                None => String::new(),
            };
            let _ = writeln!(
                h,
                "<tr id=\"f{k}\"><td>{entity}</td><td>{}</td><td>{}</td></tr>",
                prose(&d.message.text()),
                data.place(d.span)
                    .map(|p| place_text(&p))
                    .unwrap_or_default()
            );
        }
        h.push_str("</tbody></table>");
        if total > MAX_RULE_ROWS {
            let _ = write!(
                h,
                "<p class=\"muted\">And {} more: <code>spof check</code> lists them all.</p>",
                plural(total - MAX_RULE_ROWS, "finding", "findings")
            );
        }
        h.push_str("</details>\n");
    }
}

/// The `[[accept]]` entries in force and the findings each covers.
fn accepted(h: &mut String, data: &Data) {
    let rows = data.accepted_rows();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"accepted\">\n<h2>Accepted risks ({})</h2>",
        rows.len()
    );
    h.push_str("<p class=\"muted\">Single points of failure their owners accept (<code>[[accept]]</code> in spof.toml): left out of the headline, the red outlines and the exit code.</p>\n");
    h.push_str("<table><thead><tr><th>Accepted</th><th>Reason</th><th>Where</th><th>Covers</th></tr></thead><tbody>\n");
    for row in &rows {
        let at = row.at.as_ref().map(place_text).unwrap_or_default();
        let mut covers: Vec<String> = row
            .domains
            .iter()
            .map(|&d| format!("<code>{}</code>", escape(data.domain_name(d))))
            .chain(row.entities.iter().map(|&e| entity_ref(data, e)))
            .collect();
        covers.push(plural(row.findings.len(), "finding", "findings"));
        let findings: Vec<String> = row
            .findings
            .iter()
            .map(|d| {
                format!(
                    "<code>{}</code> {}",
                    escape(&d.code),
                    data.place(d.span)
                        .map(|p| place_text(&p))
                        .unwrap_or_default()
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{at}</td><td>{}<br>{}</td></tr>",
            escape(&row.acceptance.what),
            escape(&super::acceptance_reason(row.acceptance)),
            covers.join(", "),
            findings.join("<br>"),
        );
    }
    h.push_str("</tbody></table>\n</section>\n");
}

fn suppressions(h: &mut String, data: &Data) {
    let _ = writeln!(
        h,
        "<section id=\"suppressions\">\n<h2>Suppressions ({})</h2>",
        data.suppressed.len()
    );
    if data.suppressed.is_empty() {
        h.push_str("<p>No finding is suppressed.</p>\n</section>\n");
        return;
    }
    h.push_str("<p class=\"muted\">Findings silenced where they are declared, with the reason given.</p>\n");
    h.push_str("<table><thead><tr><th>Rule</th><th>Finding</th><th>Suppressed at</th><th>Reason</th></tr></thead><tbody>\n");
    for (d, s) in data.suppressed {
        let at = data
            .place(s.span)
            .map(|p| place_text(&p))
            .unwrap_or_default();
        let entity = d
            .entity
            .as_ref()
            .map(|id| format!("<br><code>{}</code>", escape(id)))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code> {}</td><td>{}{entity}<br>{}</td><td>{at}</td><td>{}</td></tr>",
            escape(&d.code),
            escape(&d.name),
            prose(&d.message.text()),
            data.place(d.span)
                .map(|p| place_text(&p))
                .unwrap_or_default(),
            escape(&suppression_reason(s)),
        );
    }
    h.push_str("</tbody></table>\n</section>\n");
}

fn errors(h: &mut String, data: &Data) {
    if data.errors.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"errors\">\n<h2>Input errors ({})</h2>",
        data.errors.len()
    );
    for (k, d) in data.errors.iter().enumerate() {
        diagnostic(h, data, d, &format!("x{k}"));
    }
    h.push_str("</section>\n");
}
