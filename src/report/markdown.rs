//! `markdown`: the report for a pull request or a wiki (GitHub-flavoured:
//! tables, and Mermaid diagrams that GitHub draws). Text from the scanned
//! files is escaped so that it can neither format nor break a table.

use super::groups::Groups;
use super::md_text::{code, longest_run, prose, text};
use super::{Data, Excerpt, Fall, Place, suppression_reason};
use crate::diagnostic::Diagnostic;
use std::fmt::Write as _;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn place(p: &Place) -> String {
    code(&format!("{}:{}:{}", p.path, p.line, p.column))
}

fn entity(data: &Data, index: usize) -> String {
    code(data.entity_id(index))
}

fn role(data: &Data, index: usize) -> &'static str {
    data.entities.get(index).map_or("", |e| e.role.as_str())
}

pub fn render(data: &Data) -> String {
    let mut m = String::new();
    m.push_str("# Single points of failure: audit report\n\n");
    let _ = writeln!(
        m,
        "{} read, {}, {} failure {}; risk groups computed up to {} {} at once.\n",
        plural(data.summary.files, "file", "files"),
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
    record(&mut m, data);
    super::opening_md::opening(&mut m, data);
    summary(&mut m, data);
    graph(&mut m, data);
    risk_groups(&mut m, data);
    matrix(&mut m, data);
    blast(&mut m, data);
    recovery(&mut m, data);
    findings(&mut m, data);
    accepted(&mut m, data);
    suppressions(&mut m, data);
    errors(&mut m, data);
    m
}

/// When, with what and on what the report was made.
fn record(m: &mut String, data: &Data) {
    let r = &data.record;
    let _ = writeln!(m, "- **Made:** {} with spof {}", r.date, text(&r.version));
    let _ = writeln!(m, "- **Commit:** {}", text(&r.commit_text()));
    let paths: Vec<String> = r.paths.iter().map(|p| code(p)).collect();
    let _ = writeln!(m, "- **Scanned:** {}", paths.join(", "));
    let _ = match &r.config_sha256 {
        Some(digest) => writeln!(m, "- **Configuration:** SHA-256 `{digest}`"),
        None => writeln!(m, "- **Configuration:** none"),
    };
    let _ = writeln!(m, "- **Files read:** {}\n", text(&r.formats_text()));
}

fn summary(m: &mut String, data: &Data) {
    m.push_str("## Summary\n\n| Role | Entities |\n|---|---:|\n");
    for (r, n) in data.roles() {
        let _ = writeln!(m, "| {} | {n} |", r.as_str());
    }
    let _ = writeln!(m, "| **total** | **{}** |\n", data.entities.len());
    m.push_str("| Findings | Count |\n|---|---:|\n");
    for (s, n) in data.severities() {
        let _ = writeln!(m, "| {} | {n} |", s.as_str());
    }
    let _ = writeln!(m, "| suppressed | {} |", data.suppressed.len());
    if !data.accepted.is_empty() {
        let _ = writeln!(m, "| accepted | {} |", data.accepted.len());
    }
    if data.summary.baselined > 0 {
        let _ = writeln!(m, "| in baseline | {} |", data.summary.baselined);
    }
    let _ = writeln!(m, "| input errors | {} |\n", data.errors.len());
    if !data.errors.is_empty() {
        let _ = writeln!(
            m,
            "> **Some inputs could not be read or parsed** ({}): this report covers only the rest; see *Input errors*.\n",
            plural(data.errors.len(), "error", "errors")
        );
    }
}

fn graph(m: &mut String, data: &Data) {
    m.push_str("## Dependency graph\n\n");
    match &data.mermaid {
        Some(chart) => {
            m.push_str("Entities grouped by failure domain: an arrow points to what an entity depends on, a dotted one from a tool to what it manages, and single points of failure are outlined in red (`spof graph --format mermaid`, see docs/graph.md).\n\n```mermaid\n");
            m.push_str(chart);
            if !chart.ends_with('\n') {
                m.push('\n');
            }
            m.push_str("```\n\n");
        }
        None => overview(m, data),
    }
}

/// The graph of an estate too large for one Mermaid diagram of its
/// entities: one node per failure-domain box (as the HTML report draws
/// them), subgraphs per region, arrows counting the dependencies between
/// boxes; then each box's entities in an expandable list.
fn overview(m: &mut String, data: &Data) {
    use crate::render::graph::mermaid_escape as esc;
    let groups = Groups::of(data);
    let level = groups.level.map_or("domain", |l| l.as_str());
    let _ = writeln!(
        m,
        "The estate has {} entities, too many for one Mermaid diagram of them: each node is a {level} with the entities that run only there (and one for those in several {level}s, one for those in none), inside its region; an arrow counts the dependencies from one to the other, and a red outline marks a node holding single points of failure. `spof graph --format dot` draws every entity for Graphviz.\n",
        data.entities.len()
    );
    let mut chart = String::from("flowchart LR\n");
    for (outer, list) in groups.by_outer() {
        let indent = if let Some(d) = outer {
            let _ = writeln!(chart, "  subgraph r{d}[\"{}\"]", esc(data.domain_name(d)));
            "    "
        } else {
            "  "
        };
        for g in list {
            let n = groups.groups.get(g).map_or(0, |x| x.members.len());
            let spofs = groups.open_spofs(data, g);
            let mut label = format!(
                "{}<br/>{}",
                esc(&groups.title(data, g)),
                plural(n, "entity", "entities")
            );
            if spofs > 0 {
                let _ = write!(
                    label,
                    "<br/>{}",
                    plural(spofs, "single point of failure", "single points of failure")
                );
            }
            let _ = writeln!(chart, "{indent}g{g}[\"{label}\"]");
        }
        if outer.is_some() {
            chart.push_str("  end\n");
        }
    }
    for (a, b, n) in groups.links(data) {
        let _ = writeln!(chart, "  g{a} -->|\"{n}\"| g{b}");
    }
    chart.push_str("  classDef spof stroke:#d00,stroke-width:3px\n");
    let red: Vec<String> = (0..groups.groups.len())
        .filter(|&g| groups.open_spofs(data, g) > 0)
        .map(|g| format!("g{g}"))
        .collect();
    if !red.is_empty() {
        let _ = writeln!(chart, "  class {} spof", red.join(","));
    }
    if chart.len() <= super::MERMAID_MAX_TEXT {
        m.push_str("```mermaid\n");
        m.push_str(&chart);
        m.push_str("```\n\n");
    } else {
        m.push_str("Too many failure domains for one Mermaid diagram: their entities are listed below.\n\n");
    }
    m.push_str("### Entities by domain\n\n");
    for (g, group) in groups.groups.iter().enumerate() {
        let spofs = groups.open_spofs(data, g);
        let outer = group
            .outer
            .map(|d| format!(" (in {})", code(data.domain_name(d))))
            .unwrap_or_default();
        let _ = writeln!(
            m,
            "<details><summary>{}{outer}: {}{}</summary>\n",
            code(&groups.title(data, g)),
            plural(group.members.len(), "entity", "entities"),
            if spofs > 0 {
                format!(
                    ", {}",
                    plural(spofs, "single point of failure", "single points of failure")
                )
            } else {
                String::new()
            }
        );
        for &e in &group.members {
            let spof = data.entities.get(e).is_some_and(|x| data.is_open_spof(x));
            let _ = writeln!(
                m,
                "- {} ({}){}",
                entity(data, e),
                role(data, e),
                if spof { " **SPOF**" } else { "" }
            );
        }
        m.push_str("\n</details>\n\n");
    }
}

fn domains(data: &Data, ids: &[u32]) -> String {
    ids.iter()
        .map(|&d| code(data.domain_name(d)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn risk_groups(m: &mut String, data: &Data) {
    let _ = writeln!(
        m,
        "## Risk groups\n\nFor each entity, the smallest sets of failure domains whose joint failure takes it down (up to {} at once), smallest first. A set of one (**bold**) is a single point of failure.\n",
        data.max_group_size
    );
    m.push_str("| Entity | Role | Runs in | Risk groups |\n|---|---|---|---|\n");
    for (i, e) in data.entities.iter().enumerate() {
        let groups: Vec<String> = e
            .risk_groups
            .iter()
            .map(|g| {
                let names: Vec<&str> = g.iter().map(|&d| data.domain_name(d)).collect();
                let set = code(&format!("{{{}}}", names.join(", ")));
                if g.len() == 1 {
                    format!("**{set}**")
                } else {
                    set
                }
            })
            .collect();
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} |",
            entity(data, i),
            e.role.as_str(),
            if e.domains.is_empty() {
                "unknown".to_string()
            } else {
                domains(data, e.domains)
            },
            if groups.is_empty() {
                "none".to_string()
            } else {
                groups.join(" ")
            }
        );
    }
    m.push('\n');
}

fn matrix(m: &mut String, data: &Data) {
    m.push_str("## Failure domains\n\n");
    if data.domains.is_empty() {
        m.push_str("No failure domain is known: configure clusters and their zones in spof.toml, or pin workloads to zones.\n\n");
        return;
    }
    m.push_str("Where each entity may run (●); **✕** marks a domain whose failure alone takes the entity down.\n\n| Entity |");
    for name in &data.domains {
        let _ = write!(m, " {} |", code(name));
    }
    m.push_str("\n|---|");
    for _ in &data.domains {
        m.push_str(":-:|");
    }
    m.push('\n');
    for (i, e) in data.entities.iter().enumerate() {
        let _ = write!(m, "| {} |", entity(data, i));
        for d in 0..data.domains.len() {
            let d = u32::try_from(d).unwrap_or(u32::MAX);
            let cut = e.single_failures().any(|x| x == d);
            let runs = e.domains.contains(&d);
            let mark = match (runs, cut) {
                (true, true) => "**● ✕**",
                (false, true) => "**✕**",
                (true, false) => "●",
                (false, false) => "",
            };
            let _ = write!(m, " {mark} |");
        }
        m.push('\n');
    }
    m.push('\n');
}

/// Hops of a chain are arrows; the reasons of one entity are a list.
/// One table row per entity of `falls`: entity, role, why.
fn fall_rows(m: &mut String, data: &Data, falls: &[super::Fall]) {
    for f in falls {
        let _ = writeln!(
            m,
            "| {} | {} | {} |",
            entity(data, f.entity),
            role(data, f.entity),
            because(f)
        );
    }
}

fn because(fall: &Fall) -> String {
    fall.hops()
        .iter()
        .map(|hop| {
            hop.iter()
                .map(|s| {
                    let at =
                        s.at.as_ref()
                            .map(|p| format!(" ({})", place(p)))
                            .unwrap_or_default();
                    format!("{}{at}", prose(&s.text))
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

fn blast(m: &mut String, data: &Data) {
    m.push_str("## Blast radius\n\nWhat goes down when one failure domain fails (with every domain inside it), and why.\n\n");
    let mut quiet = Vec::new();
    for b in data.blast() {
        let name = code(data.domain_name(b.domain));
        if b.down.is_empty() {
            quiet.push(name);
            continue;
        }
        let _ = writeln!(
            m,
            "### If {name} fails: {} down\n\n| Entity | Role | Why |\n|---|---|---|",
            plural(b.down.len(), "entity", "entities")
        );
        fall_rows(m, data, &b.down);
        if !b.degraded.is_empty() {
            let list: Vec<String> = b.degraded.iter().map(|f| entity(data, f.entity)).collect();
            let _ = writeln!(
                m,
                "\nStill up with less (a copy, a zone or a soft dependency lost): {}",
                list.join(", ")
            );
        }
        if !b.unrecoverable.is_empty() {
            m.push_str("\nStill running, but cannot be restarted, rescheduled or redeployed while it is down:\n\n| Entity | Role | Why |\n|---|---|---|\n");
            fall_rows(m, data, &b.unrecoverable);
        }
        m.push('\n');
    }
    if !quiet.is_empty() {
        let _ = writeln!(
            m,
            "Nothing goes down when any one of these fails: {}.\n",
            quiet.join(", ")
        );
    }
}

fn recovery(m: &mut String, data: &Data) {
    m.push_str("## Recovery plane\n\n");
    if data.tools.is_empty() {
        m.push_str(
            "No operational tool (deploy, monitoring, sign-in, …) was found in the estate.\n\n",
        );
        return;
    }
    m.push_str("The tools engineers need to operate and recover the estate: the single failures that take each down and the services, tools and datastores that go down with it; what it manages, as declared (`spof.dev/manages`, a manifest's `manages`, `[[tool]] manages`) or as Argo CD Applications, Prometheus ServiceMonitors and PodMonitors and Velero Schedules say (spof does not guess: where none of these speaks for a tool, it shows nothing); and whether it fails together with that (rule SPOF024, tool-shares-fate).\n\n| Tool | Kind | Single failures, and what goes down with it | Manages | Shared fate |\n|---|---|---|---|---|\n");
    for t in &data.tools {
        let Some(e) = data.entities.get(t.entity) else {
            continue;
        };
        let cuts: Vec<String> = super::groups::fellows(data, t.entity)
            .into_iter()
            .map(|(d, down)| {
                let mut names: Vec<String> = down
                    .iter()
                    .take(super::groups::FELLOWS_SHOWN)
                    .map(|&x| entity(data, x))
                    .collect();
                if down.len() > super::groups::FELLOWS_SHOWN {
                    names.push(format!(
                        "{} more",
                        down.len() - super::groups::FELLOWS_SHOWN
                    ));
                }
                let with = if names.is_empty() {
                    "nothing else".to_string()
                } else {
                    names.join(", ")
                };
                format!("**{}**, with {with}", code(data.domain_name(d)))
            })
            .collect();
        let manages: Vec<String> = t.manages.iter().map(|&x| entity(data, x)).collect();
        let fate: Vec<String> = t
            .shared_fate
            .iter()
            .filter_map(|&k| data.findings.get(k))
            .map(|d| prose(&d.message.text()))
            .collect();
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} |",
            entity(data, t.entity),
            text(e.tool_kind.as_deref().unwrap_or("")),
            if cuts.is_empty() {
                "none".to_string()
            } else {
                cuts.join("<br>")
            },
            if manages.is_empty() {
                "nothing declared or found".to_string()
            } else {
                manages.join(", ")
            },
            if fate.is_empty() {
                "none".to_string()
            } else {
                fate.join("<br>")
            }
        );
    }
    m.push('\n');
}

fn excerpt(m: &mut String, ex: &Excerpt) {
    let body: Vec<String> = ex
        .lines
        .iter()
        .map(|(n, t, hit)| format!("{} {n:>4} | {t}", if *hit { ">" } else { " " }))
        .collect();
    let body = body.join("\n");
    let fence = "`".repeat(longest_run(&body, '`').max(2) + 1);
    let _ = writeln!(m, "{fence}text\n{body}\n{fence}\n");
}

fn diagnostic(m: &mut String, data: &Data, d: &Diagnostic) {
    let name = if d.name != d.code {
        format!(" {}", text(&d.name))
    } else {
        String::new()
    };
    let about = d
        .entity
        .as_deref()
        .map(|id| format!(" · {}", code(id)))
        .unwrap_or_default();
    let _ = writeln!(
        m,
        "### {} {}{name}{about}\n\n{}\n",
        d.severity.as_str(),
        text(&d.code),
        prose(&d.message.text())
    );
    if let Some(p) = data.place(d.span) {
        let label = d
            .label
            .as_deref()
            .map(|l| format!(": {}", prose(l)))
            .unwrap_or_default();
        let _ = writeln!(m, "{}{label}\n", place(&p));
    }
    if let Some(ex) = data.excerpt(d.span) {
        excerpt(m, &ex);
    }
    if !d.related.is_empty() {
        m.push_str("Chain:\n\n");
        for (k, r) in d.related.iter().enumerate() {
            let at = data
                .place(r.span)
                .map(|p| format!(" ({})", place(&p)))
                .unwrap_or_default();
            let _ = writeln!(m, "{}. {}{at}", k + 1, prose(&r.message));
        }
        m.push('\n');
    }
    if let Some(help) = &d.help {
        let _ = writeln!(m, "**Help:** {}\n", prose(help));
    }
}

fn findings(m: &mut String, data: &Data) {
    let _ = writeln!(m, "## Findings ({})\n", data.findings.len());
    if data.findings.is_empty() {
        m.push_str("No findings.\n\n");
    }
    for d in &data.findings {
        diagnostic(m, data, d);
    }
}

/// The `[[accept]]` entries in force and the findings each covers.
fn accepted(m: &mut String, data: &Data) {
    let rows = data.accepted_rows();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(m, "## Accepted risks ({})\n", rows.len());
    m.push_str("Single points of failure their owners accept (`[[accept]]` in spof.toml): left out of the headline, the red outlines and the exit code.\n\n| Accepted | Reason | Where | Covers |\n|---|---|---|---|\n");
    for row in &rows {
        let at = row.at.as_ref().map(place).unwrap_or_default();
        let mut covers: Vec<String> = row
            .domains
            .iter()
            .map(|&d| code(data.domain_name(d)))
            .chain(row.entities.iter().map(|&e| entity(data, e)))
            .collect();
        let findings: Vec<String> = row
            .findings
            .iter()
            .map(|d| {
                let at = data.place(d.span).map(|p| place(&p)).unwrap_or_default();
                format!("{} {at}", code(&d.code))
            })
            .collect();
        covers.push(match findings.len() {
            0 => "no finding".to_string(),
            1 => format!("1 finding: {}", findings.join(", ")),
            n => format!("{n} findings: {}", findings.join(", ")),
        });
        let _ = writeln!(
            m,
            "| {} | {} | {at} | {} |",
            code(&row.acceptance.what),
            text(&super::acceptance_reason(row.acceptance)),
            covers.join(", ")
        );
    }
    m.push('\n');
}

fn suppressions(m: &mut String, data: &Data) {
    let _ = writeln!(m, "## Suppressions ({})\n", data.suppressed.len());
    if data.suppressed.is_empty() {
        m.push_str("No finding is suppressed.\n");
        return;
    }
    m.push_str("Findings silenced where they are declared, with the reason given.\n\n| Rule | Finding | Suppressed at | Reason |\n|---|---|---|---|\n");
    for (d, s) in data.suppressed {
        let entity = d
            .entity
            .as_deref()
            .map(|id| format!(" ({})", code(id)))
            .unwrap_or_default();
        let at = data.place(s.span).map(|p| place(&p)).unwrap_or_default();
        let _ = writeln!(
            m,
            "| {} {} | {}{entity} | {at} | {} |",
            code(&d.code),
            text(&d.name),
            prose(&d.message.text()),
            text(&suppression_reason(s))
        );
    }
}

fn errors(m: &mut String, data: &Data) {
    if data.errors.is_empty() {
        return;
    }
    let _ = writeln!(m, "\n## Input errors ({})\n", data.errors.len());
    for d in &data.errors {
        diagnostic(m, data, d);
    }
}
