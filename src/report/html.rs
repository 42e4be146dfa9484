//! `html`: one self-contained page. Inline CSS and SVG only: no script, no
//! font, image or style sheet from anywhere, so it works offline, from a
//! mail attachment or a CI artifact, and prints. Everything taken from the
//! scanned files goes through [`escape`].

use super::layout::{self, Item};
use super::{Data, EntityRow, Excerpt, Place, suppression_reason};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Level, Role};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Above this many entities the graph is drawn once per failure domain.
pub const WHOLE_GRAPH_LIMIT: usize = 150;

/// Most dependencies one drawing shows: beyond, no layout is legible and
/// laying it out would cost more than the rest of the report.
pub const MAX_DRAWN_EDGES: usize = 10_000;

/// Escapes text for HTML element content and quoted attribute values;
/// control and bidirectional-override characters become `?`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::plain(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text from a message: its `quoted` parts as `<code>`, all escaped.
/// Unbalanced backticks stay as they are.
pub fn prose(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escape(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

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
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; }
  .graph { overflow: visible; border: none; }
  .graph svg { max-width: 100%; height: auto; }
  table, .card, .headline { break-inside: avoid; }
  pre.excerpt { background: #fff; color: #000; border: 1px solid #999; }
  pre.excerpt span.hit { background: #eee; color: #000; font-weight: 700; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// The whole page.
pub fn render(data: &Data) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>spof audit report</title>\n<style>");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n<main>\n");
    header(&mut h, data);
    super::opening_html::opening(&mut h, data);
    summary(&mut h, data);
    graph(&mut h, data);
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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn role_badge(role: Role) -> String {
    format!("<span class=\"role role-{0}\">{0}</span>", role.as_str())
}

fn severity_badge(severity: Severity) -> String {
    format!(
        "<span class=\"badge sev-{0}\">{0}</span>",
        severity.as_str()
    )
}

/// An entity as a reference: its id in code, linked to its risk groups.
fn entity_ref(data: &Data, index: usize) -> String {
    let id = data.entity_id(index);
    format!("<a href=\"#e{index}\"><code>{}</code></a>", escape(id))
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

// ---------------------------------------------------------------- graph --

const NODE_W: f64 = 224.0;
const NODE_H: f64 = 42.0;
/// Between layers (columns), room for the edges' curves.
const GAP_X: f64 = 84.0;
/// Between boxes of one column.
const GAP_Y: f64 = 14.0;
/// Between boxes of the grid of entities without dependencies.
const GRID_GAP: f64 = 20.0;
/// Height a bend of a long edge takes in a column.
const DUMMY_H: f64 = 10.0;
const MARGIN: f64 = 16.0;
/// Characters of a label that fit a box.
const LABEL_CHARS: usize = 27;

/// Stripe colours of failure domains, by rank among the drawn domains.
const DOMAIN_COLORS: [&str; 10] = [
    "#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626",
    "#4b5563", "#c026d3",
];

fn role_fill(role: Role) -> &'static str {
    match role {
        Role::Service => "#dbeafe",
        Role::Tool => "#fde68a",
        Role::Datastore => "#d1fae5",
        Role::Network => "#ede9fe",
        Role::Platform => "#e5e7eb",
    }
}

/// The level that groups the drawing: zones when there are any, else
/// regions, else hosts.
fn grouping_level(data: &Data) -> Option<Level> {
    [Level::Zone, Level::Region, Level::Host]
        .into_iter()
        .find(|l| data.levels.contains(l))
}

/// The domain an entity is drawn in: its first of the grouping level.
fn home(data: &Data, e: &EntityRow, level: Option<Level>) -> Option<u32> {
    let level = level?;
    e.domains
        .iter()
        .copied()
        .find(|&d| data.levels.get(d as usize) == Some(&level))
}

fn graph(h: &mut String, data: &Data) {
    h.push_str("<section id=\"graph\">\n<h2>Dependency graph</h2>\n");
    if data.entities.is_empty() {
        h.push_str("<p>No entities.</p>\n</section>\n");
        return;
    }
    let level = grouping_level(data);
    let homes: Vec<Option<u32>> = data.entities.iter().map(|e| home(data, e, level)).collect();
    // Every domain of the grouping level that something runs in.
    let mut drawn: Vec<u32> = data
        .entities
        .iter()
        .flat_map(|e| e.domains.iter().copied())
        .filter(|&d| level.is_some() && data.levels.get(d as usize).copied() == level)
        .collect();
    drawn.sort_unstable();
    drawn.dedup();
    let color = |d: Option<u32>| -> &'static str {
        d.and_then(|d| drawn.iter().position(|&x| x == d))
            .map_or("#9aa5b1", |i| DOMAIN_COLORS[i % DOMAIN_COLORS.len()])
    };
    h.push_str("<p class=\"muted\">A grey arrow points from an entity to what it depends on (dashed: a soft dependency), dependents on the left; an orange dotted arrow from a tool to what it manages. Boxes are coloured by role; the stripe on the left is the failure domain the entity runs in; a red outline marks a single point of failure (one domain takes it down).</p>\n");
    if data.edges.iter().any(|e| e.recovery) {
        h.push_str("<p class=\"muted\">A purple dotted arrow points from an entity to what it needs to recover (to be restarted, rescheduled or redeployed) but not to keep serving: an image registry, a secret store.</p>\n");
    }
    h.push_str("<div class=\"legend\">");
    for (role, _) in data.roles() {
        let _ = write!(
            h,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            role_fill(role),
            role.as_str()
        );
    }
    for &d in &drawn {
        let _ = write!(
            h,
            "<span><span class=\"swatch\" style=\"background:{}\"></span><code>{}</code></span>",
            color(Some(d)),
            escape(data.domain_name(d))
        );
    }
    if homes.iter().any(Option::is_none) {
        let _ = write!(
            h,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>no known domain</span>",
            color(None)
        );
    }
    h.push_str("<span><span class=\"swatch\" style=\"background:#fff;border:2px solid #c81e1e\"></span>single point of failure</span><span><svg width=\"26\" height=\"10\"><path d=\"M1,5 H25\" stroke=\"#7b8794\" stroke-width=\"1.5\"/></svg> depends on</span><span><svg width=\"26\" height=\"10\"><path d=\"M1,5 H25\" stroke=\"#d97706\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/></svg> manages</span></div>\n");
    let colors: Vec<&str> = homes.iter().map(|&d| color(d)).collect();
    if data.entities.len() <= WHOLE_GRAPH_LIMIT {
        let all: Vec<usize> = (0..data.entities.len()).collect();
        draw(h, data, &all, &homes, &colors, "dependency graph");
    } else {
        let _ = writeln!(
            h,
            "<p>The estate has {} entities: the graph is drawn once per {} (an entity that runs in several appears in each).</p>",
            data.entities.len(),
            level.map_or("domain", Level::as_str)
        );
        for &d in &drawn {
            let members: Vec<usize> = (0..data.entities.len())
                .filter(|&e| data.entities[e].domains.contains(&d))
                .collect();
            let name = data.domain_name(d);
            let _ = writeln!(
                h,
                "<h3><code>{}</code> ({})</h3>",
                escape(name),
                plural(members.len(), "entity", "entities")
            );
            draw(h, data, &members, &homes, &colors, name);
        }
        let unplaced: Vec<usize> = (0..data.entities.len())
            .filter(|&e| homes[e].is_none())
            .collect();
        if !unplaced.is_empty() {
            let _ = writeln!(
                h,
                "<h3>No known domain ({})</h3>",
                plural(unplaced.len(), "entity", "entities")
            );
            draw(
                h,
                data,
                &unplaced,
                &homes,
                &colors,
                "entities in no known domain",
            );
        }
    }
    h.push_str("</section>\n");
}

/// How an edge of the drawing is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Hard,
    Soft,
    /// Needed to restart or redeploy, not to serve.
    Recovery,
    /// A tool to what it manages.
    Manages,
}

/// Draws the subgraph of `members` (entity indices) as one SVG, left to
/// right: each layer of the layout is a column, dependents left of what
/// they depend on. Entities with no dependency among the members follow
/// as a grid.
fn draw(
    h: &mut String,
    data: &Data,
    members: &[usize],
    homes: &[Option<u32>],
    colors: &[&str],
    title: &str,
) {
    let too_big = |h: &mut String, what: &str| {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Not drawn: {} with {what} is too big to draw legibly. <code>spof graph --focus ENTITY --depth N</code> draws the part around one entity.</p>",
            plural(members.len(), "entity", "entities")
        );
    };
    let Some(edges) = drawn_edges(data, members) else {
        return too_big(h, &format!("more than {MAX_DRAWN_EDGES} dependencies"));
    };
    let pairs: Vec<(usize, usize)> = edges.iter().map(|&(a, b, _)| (a, b)).collect();
    let key: Vec<usize> = members
        .iter()
        .map(|&e| homes[e].map_or(usize::MAX, |d| d as usize))
        .collect();
    let Some(lay) = layout::layout(members.len(), &pairs, &key) else {
        return too_big(h, "dependencies spanning so many layers");
    };
    let geo = Geometry::of(&lay);
    let (width, height) = (geo.width, geo.height);
    let _ = writeln!(
        h,
        "<div class=\"graph\"><svg width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"{}\" font-family=\"system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif\">",
        escape(title)
    );
    h.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#52606d\"/></marker><marker id=\"manages\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d97706\"/></marker></defs>\n");
    // Edges first, under the boxes.
    for (i, route) in lay.routes.iter().enumerate() {
        let line = edges.get(i).map_or(Line::Hard, |e| e.2);
        draw_route(h, &lay, &geo, route, line);
    }
    for (c, column) in lay.rows.iter().enumerate() {
        for (k, it) in column.iter().enumerate() {
            if let Item::Node(v) = *it {
                node(h, data, members[v], geo.col_x(c), geo.ys[c][k], colors);
            }
        }
    }
    if !lay.isolated.is_empty() {
        let grid_x = MARGIN + (geo.inner - geo.grid_w) / 2.0;
        let note = if lay.rows.is_empty() {
            "No dependencies between these entities:"
        } else {
            "Without dependencies between them:"
        };
        let _ = writeln!(
            h,
            "<text x=\"{grid_x:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#616e7c\">{note}</text>",
            geo.grid_top + 8.0
        );
        for (k, &v) in lay.isolated.iter().enumerate() {
            let x = grid_x + (k % geo.grid_columns) as f64 * (NODE_W + GRID_GAP);
            let y = geo.grid_top + 18.0 + (k / geo.grid_columns) as f64 * (NODE_H + GAP_Y);
            node(h, data, members[v], x, y, colors);
        }
    }
    h.push_str("</svg></div>\n");
}

/// The edges among `members` (as their positions in it), each pair once,
/// whichever edge joins it first; then what tools manage, where no
/// dependency already joins the two. None past [`MAX_DRAWN_EDGES`]
/// dependencies.
fn drawn_edges(data: &Data, members: &[usize]) -> Option<Vec<(usize, usize, Line)>> {
    let local: HashMap<usize, usize> = members.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let mut joined: HashSet<(usize, usize)> = HashSet::new();
    let mut edges: Vec<(usize, usize, Line)> = Vec::new();
    for e in &data.edges {
        let Some(&a) = local.get(&e.from) else {
            continue;
        };
        let line = match (e.hard, e.recovery) {
            (true, _) => Line::Hard,
            (false, true) => Line::Recovery,
            (false, false) => Line::Soft,
        };
        for t in data.targets(&e.to) {
            if let Some(&b) = local.get(t)
                && joined.insert((a, b))
            {
                edges.push((a, b, line));
                if edges.len() > MAX_DRAWN_EDGES {
                    return None;
                }
            }
        }
    }
    for t in &data.tools {
        for &m in &t.manages {
            if let (Some(&a), Some(&b)) = (local.get(&t.entity), local.get(&m))
                && a != b
                && !joined.contains(&(b, a))
                && joined.insert((a, b))
            {
                edges.push((a, b, Line::Manages));
            }
        }
    }
    Some(edges)
}

fn height_of(it: &Item) -> f64 {
    match it {
        Item::Node(_) => NODE_H,
        Item::Dummy(_) => DUMMY_H,
    }
}

/// Where a layout's parts go in the drawing: the layers as columns,
/// centred vertically, and the grid of entities without dependencies
/// below them.
struct Geometry {
    /// Each layer's items' top.
    ys: Vec<Vec<f64>>,
    /// The first column's left.
    left: f64,
    /// The drawing's width inside its margins.
    inner: f64,
    grid_w: f64,
    grid_top: f64,
    grid_columns: usize,
    width: f64,
    height: f64,
}

impl Geometry {
    fn of(lay: &layout::Layout) -> Geometry {
        let column_heights: Vec<f64> = lay
            .rows
            .iter()
            .map(|c| {
                c.iter().map(height_of).sum::<f64>() + GAP_Y * c.len().saturating_sub(1) as f64
            })
            .collect();
        let layered_w = if lay.rows.is_empty() {
            0.0
        } else {
            lay.rows.len() as f64 * (NODE_W + GAP_X) - GAP_X
        };
        let tallest = column_heights.iter().copied().fold(0.0, f64::max);
        // The grid is as wide as the layers, at least four boxes.
        let grid_columns = lay.rows.len().clamp(4, 6);
        let grid_w = if lay.isolated.is_empty() {
            0.0
        } else {
            let n = lay.isolated.len().min(grid_columns) as f64;
            n * NODE_W + (n - 1.0) * GRID_GAP
        };
        let inner = layered_w.max(grid_w);
        let mut ys: Vec<Vec<f64>> = Vec::with_capacity(lay.rows.len());
        for (c, column) in lay.rows.iter().enumerate() {
            let mut y = MARGIN + (tallest - column_heights[c]) / 2.0;
            let mut col_y = Vec::with_capacity(column.len());
            for it in column {
                col_y.push(y);
                y += height_of(it) + GAP_Y;
            }
            ys.push(col_y);
        }
        let grid_top = if lay.rows.is_empty() {
            MARGIN
        } else {
            MARGIN + tallest + 36.0
        };
        let grid_rows = lay.isolated.len().div_ceil(grid_columns);
        let height = if lay.isolated.is_empty() {
            MARGIN + tallest + MARGIN
        } else {
            grid_top + 18.0 + grid_rows as f64 * (NODE_H + GAP_Y) + MARGIN
        };
        Geometry {
            ys,
            left: MARGIN + (inner - layered_w) / 2.0,
            inner,
            grid_w,
            grid_top,
            grid_columns,
            width: inner + 2.0 * MARGIN,
            height,
        }
    }

    fn col_x(&self, c: usize) -> f64 {
        self.left + c as f64 * (NODE_W + GAP_X)
    }
}

/// One edge, along its route through the layers.
fn draw_route(
    h: &mut String,
    lay: &layout::Layout,
    geo: &Geometry,
    route: &[(usize, usize)],
    line: Line,
) {
    let (Some(&first), Some(&last)) = (route.first(), route.last()) else {
        return;
    };
    if route.len() < 2 {
        return;
    }
    // Left to right along the layers; a reversed (cycle) edge is
    // walked right to left.
    let forward = first.0 < last.0;
    let mut d = String::new();
    let mut prev: Option<(f64, f64)> = None;
    for &(c, k) in route {
        let item = lay.rows[c][k];
        let y = geo.ys[c][k] + height_of(&item) / 2.0;
        let (x0, x1) = (geo.col_x(c), geo.col_x(c) + NODE_W);
        let (enter, leave) = match item {
            // A bend passes straight through its column.
            Item::Dummy(_) if forward => (x0, x1),
            Item::Dummy(_) => (x1, x0),
            Item::Node(_) if forward => (x0, x1),
            Item::Node(_) => (x1, x0),
        };
        match prev {
            None => {
                let _ = write!(d, "M{leave:.1},{y:.1}");
            }
            Some((px, py)) => {
                let mx = (px + enter) / 2.0;
                let _ = write!(d, " C{mx:.1},{py:.1} {mx:.1},{y:.1} {enter:.1},{y:.1}");
                if matches!(item, Item::Dummy(_)) {
                    let _ = write!(d, " L{leave:.1},{y:.1}");
                }
            }
        }
        prev = Some((leave, y));
    }
    let (stroke, dash, marker) = match line {
        Line::Hard => ("#7b8794", "", "arrow"),
        Line::Soft => ("#7b8794", " stroke-dasharray=\"5 4\"", "arrow"),
        Line::Recovery => ("#7c3aed", " stroke-dasharray=\"1 3\"", "arrow"),
        Line::Manages => ("#d97706", " stroke-dasharray=\"2 3\"", "manages"),
    };
    let _ = writeln!(
        h,
        "<path d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.3\"{dash} marker-end=\"url(#{marker})\"/>"
    );
}

/// One entity box at (x, y).
fn node(h: &mut String, data: &Data, e: usize, x: f64, y: f64, colors: &[&str]) {
    let Some(entity) = data.entities.get(e) else {
        return;
    };
    // An accepted single point is not outlined: the owners know of it.
    let spof = data.is_open_spof(entity);
    let (stroke, width) = if spof {
        ("#c81e1e", 2.5)
    } else {
        ("#7b8794", 1.0)
    };
    let label = shorten(&entity.label, LABEL_CHARS);
    let mut sub = entity.role.as_str().to_string();
    if let Some(kind) = &entity.tool_kind {
        sub = format!("{sub} ({kind})");
    }
    if spof {
        // Innermost first: a zone says more than the region around it.
        let mut cuts: Vec<u32> = data.open_failures(entity).collect();
        cuts.sort_by_key(|&d| std::cmp::Reverse(data.levels.get(d as usize).copied()));
        let names: Vec<&str> = cuts.iter().map(|&d| data.domain_name(d)).collect();
        sub = format!("{sub} · SPOF: {}", names.join(", "));
    }
    let sub = shorten(&sub, LABEL_CHARS + 7);
    let _ = writeln!(
        h,
        "<g><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\" fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/><rect x=\"{:.1}\" y=\"{:.1}\" width=\"5\" height=\"{:.1}\" rx=\"2\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"#1f2933\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10.5\" fill=\"{}\">{}</text></g>",
        escape(&entity.id),
        role_fill(entity.role),
        x + 2.0,
        y + 3.0,
        NODE_H - 6.0,
        colors.get(e).copied().unwrap_or("#9aa5b1"),
        x + 12.0,
        y + 17.0,
        escape(&label),
        x + 12.0,
        y + 33.0,
        if spof { "#c81e1e" } else { "#52606d" },
        escape(&sub),
    );
}

/// At most `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

// --------------------------------------------------------------- tables --

fn risk_groups(h: &mut String, data: &Data) {
    h.push_str("<section id=\"risk-groups\">\n<h2>Risk groups</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"muted\">For each entity, the smallest sets of failure domains whose joint failure takes it down (up to {} at once), smallest first. A set of one is a single point of failure.</p>",
        data.max_group_size
    );
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

fn matrix(h: &mut String, data: &Data) {
    h.push_str("<section id=\"matrix\">\n<h2>Failure domains</h2>\n");
    if data.domains.is_empty() {
        h.push_str("<p>No failure domain is known: configure clusters and their zones in spof.toml, or pin workloads to zones.</p>\n</section>\n");
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
    let mut quiet: Vec<String> = Vec::new();
    for b in data.blast() {
        let name = escape(data.domain_name(b.domain));
        if b.down.is_empty() {
            quiet.push(format!("<code>{name}</code>"));
            continue;
        }
        let _ = writeln!(
            h,
            "<h3>If <code>{name}</code> fails: {} down</h3>",
            plural(b.down.len(), "entity", "entities")
        );
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
    h.push_str("<p class=\"muted\">The tools engineers need to operate and recover the estate, what they manage, and whether they fail together with it (rule SPOF024, tool-shares-fate).</p>\n");
    h.push_str("<table><thead><tr><th>Tool</th><th>Kind</th><th>Single failures</th><th>Manages</th><th>Shared fate</th></tr></thead><tbody>\n");
    for t in &data.tools {
        let Some(e) = data.entities.get(t.entity) else {
            continue;
        };
        let manages: Vec<String> = t.manages.iter().map(|&m| entity_ref(data, m)).collect();
        let cuts: Vec<String> = e
            .single_failures()
            .map(|d| {
                format!(
                    "<code class=\"spof-mark\">{}</code>",
                    escape(data.domain_name(d))
                )
            })
            .collect();
        let fate: Vec<String> = t
            .shared_fate
            .iter()
            .filter_map(|&k| data.findings.get(k))
            .map(|d| {
                format!(
                    "<a href=\"#f{}\">{}</a>",
                    finding_anchor(data, d),
                    prose(&d.message)
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
                cuts.join(" ")
            },
            if manages.is_empty() {
                "<span class=\"muted\">nothing declared</span>".to_string()
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
    let _ = writeln!(h, "<p class=\"msg\">{}</p>", prose(&d.message));
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
    for (k, d) in data.findings.iter().enumerate() {
        diagnostic(h, data, d, &format!("f{k}"));
    }
    h.push_str("</section>\n");
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
            prose(&d.message),
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
