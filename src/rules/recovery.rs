//! The recovery plane: tools (deploy consoles, monitoring, engineer
//! sign-in, backups) are needed while something is down. A tool with a
//! single point of failure is worse than a service with one, and worst when
//! the failure also takes down what the tool must recover.

use super::dependencies::{cause_text, with_chain};
use super::{Finding, Input, Out, Rule, Settings};
use crate::analysis::{Cause, Reason, Unit};
use crate::graph::ManageEdge;
use crate::model::{Level, Reference, Role};
use std::collections::BTreeMap;

const TOOL_HELP: &str = "run the tool in two or more failure domains (or a standby in another one), \
     and keep it out of the domains of what it manages";

pub(super) fn check(input: &Input<'_>, settings: &Settings, out: &mut Out<'_>) {
    let has_spof = settings.runs(Rule::ToolHasSpof);
    let shares_fate = settings.runs(Rule::ToolSharesFate);
    let kinds = settings.runs(Rule::ToolKindInOneDomain);
    if !has_spof && !shares_fate && !kinds {
        return;
    }
    let estate_region = estate_region(input);
    if has_spof || shares_fate {
        each_tool(input, estate_region.as_ref(), settings, out);
    }
    if kinds {
        kinds_in_one_domain(input, estate_region.as_ref(), out);
    }
}

/// A tool's first single point of failure: shared with what it manages
/// (SPOF024), else its own (SPOF023). A tool whose failure is shared is
/// not reported as SPOF023 when SPOF024 is off.
fn each_tool(
    input: &Input<'_>,
    estate_region: Option<&Unit>,
    settings: &Settings,
    out: &mut Out<'_>,
) {
    for (e, entity) in input.model.entities.iter().enumerate() {
        if entity.role != Role::Tool {
            continue;
        }
        let units: Vec<&Unit> = input
            .analysis
            .exposures(e)
            .iter()
            .map(|x| input.analysis.unit(x.unit))
            .filter(|u| Some(*u) != estate_region)
            .collect();
        let Some(first) = units.first() else {
            continue;
        };
        let shared = shared_fate(input, e, &units);
        let rule = match shared {
            Some(_) => Rule::ToolSharesFate,
            None => Rule::ToolHasSpof,
        };
        if !settings.runs(rule) {
            continue;
        }
        let span = entity.instances.first().map_or_else(
            || input.analysis.root(e, first).map(|(_, c)| c.span),
            |i| Some(i.span),
        );
        let Some(span) = span else {
            continue;
        };
        let finding = match shared {
            Some((unit, managed)) => shares_fate_finding(input, e, span, unit, &managed),
            None => own_spof_finding(input, e, span, first, &units[1..]),
        };
        out.push(finding.entity(&entity.id));
    }
}

/// The first single failure of tool `e` (of its `units`) that also hits
/// something it manages — all of it, or its copy in that domain: the
/// recovery path dies with what it must recover; with what it hits. What
/// fails only because the tool does (its own Service, a client of it)
/// comes back with the tool: that is the tool's single point of failure,
/// not a shared fate.
fn shared_fate<'u>(
    input: &Input<'_>,
    e: usize,
    units: &[&'u Unit],
) -> Option<(&'u Unit, Vec<usize>)> {
    let through_tool = |t: usize, unit: &Unit| {
        input.analysis.hops(t, unit).any(|h| h.edge.target == e)
            || input.analysis.root(t, unit).is_some_and(|(r, _)| r == e)
    };
    let entity = &input.model.entities[e];
    // A copy counts in the cluster the entry names, if it names one.
    let hit = |m: &ManageEdge, unit: &Unit| {
        let t = m.target;
        let in_cluster = match entity.instances[m.instance].manages[m.entry].target {
            Reference::Cluster { cluster, .. } => Some(cluster),
            _ => None,
        };
        let copy_there = |c: &Cause| {
            &c.unit == unit
                && in_cluster.is_none_or(|k| {
                    input.model.entities[t].instances[c.instance].cluster == Some(k)
                })
        };
        input.analysis.fails_with(t, unit) && !through_tool(t, unit)
            || input.analysis.causes[t].iter().any(copy_there)
    };
    units.iter().find_map(|unit| {
        let managed: Vec<usize> = input.graph.manages[e]
            .iter()
            .filter(|m| hit(m, unit))
            .map(|m| m.target)
            .collect();
        (!managed.is_empty()).then_some((*unit, managed))
    })
}

/// SPOF024: tool `e` fails with `unit`, and so do the `managed`.
fn shares_fate_finding(
    input: &Input<'_>,
    e: usize,
    span: crate::source::Span,
    unit: &Unit,
    managed: &[usize],
) -> Finding {
    let entity = &input.model.entities[e];
    let who = input.entity_label(e);
    let names: Vec<String> = managed.iter().map(|&t| input.entity_label(t)).collect();
    let shown = names
        .iter()
        .take(MAX_NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let rest = names.len().saturating_sub(MAX_NAMED);
    let rest = if rest > 0 {
        format!(" and {rest} more")
    } else {
        String::new()
    };
    let mut finding = Finding::new(
        Rule::ToolSharesFate,
        span,
        format!(
            "{who} is a tool that fails with {}, and so does (a copy of) what it manages: {shown}{rest}",
            input.unit_text(unit)
        ),
    )
    .label(format!("fails with {}", input.unit_text(unit)))
    .help("move the tool (or a standby of it) to a failure domain that what it manages does not depend on");
    finding = with_chain(input, finding, e, unit);
    for &t in managed.iter().take(MAX_NAMED) {
        let m = input.graph.manages[e].iter().find(|m| m.target == t);
        if let Some(m) = m {
            let entry = &entity.instances[m.instance].manages[m.entry];
            let how = if input.analysis.fails_with(t, unit) {
                "which also fails with"
            } else {
                "which has a copy in"
            };
            finding = finding.related(
                entry.span,
                format!(
                    "it manages {} ({}), {how} {}",
                    input.entity_label(t),
                    entry.via,
                    input.unit_text(unit)
                ),
            );
        }
    }
    finding
}

/// SPOF023: tool `e` fails with `first` (and with each of `further`), at
/// what causes it: the tool's own placement, or the line that makes it
/// depend on what fails.
fn own_spof_finding(
    input: &Input<'_>,
    e: usize,
    span: crate::source::Span,
    first: &Unit,
    further: &[&Unit],
) -> Finding {
    let entity = &input.model.entities[e];
    let who = input.entity_label(e);
    let first_hop = input.analysis.hops(e, first).next();
    let root = input.analysis.root(e, first);
    // Where the cluster lives is in spof.toml: point at the tool.
    let in_cluster = root.is_some_and(|(_, c)| {
        matches!(
            c.reason,
            Reason::ClusterZone { .. } | Reason::ClusterRegion { .. }
        )
    });
    let at = match (first_hop, root) {
        (Some(hop), _) => {
            entity.instances[hop.edge.instance].dependencies[hop.edge.dependency].span
        }
        (None, Some(_)) if in_cluster => span,
        (None, Some((_, cause))) => cause.span,
        (None, None) => span,
    };
    let own = first_hop.is_none() && !in_cluster;
    let label = match root {
        Some((r, cause)) if own => cause_text(input, r, cause),
        _ => format!("fails with {}", input.unit_text(first)),
    };
    let message = input.naming_further(
        format!("{who} is a tool and fails with {}", input.unit_text(first)),
        further,
        ": it is needed during the incident",
    );
    let finding = Finding::new(Rule::ToolHasSpof, at, message)
        .label(label)
        .help(TOOL_HELP);
    if own {
        finding
    } else {
        with_chain(input, finding, e, first)
    }
}

/// The region, when everything that names one names the same: losing it
/// takes the whole estate down, which SPOF021 reports once; it says nothing
/// particular about a tool.
pub(super) fn estate_region(input: &Input<'_>) -> Option<Unit> {
    let mut regions = input
        .analysis
        .causes
        .iter()
        .flatten()
        .filter_map(|c| match &c.unit {
            Unit::Domain(d) if d.level == Level::Region => Some(&c.unit),
            _ => None,
        });
    let first = regions.next()?;
    if !regions.all(|r| r == first) {
        return None;
    }
    // A declaration's own region (a Terraform resource's provider) names
    // one too, placed there or not.
    let Unit::Domain(domain) = first else {
        return None;
    };
    let elsewhere = input
        .model
        .entities
        .iter()
        .flat_map(|e| &e.instances)
        .filter_map(|i| i.region.as_ref())
        .any(|(region, _)| !region.eq_ignore_ascii_case(&domain.name));
    (!elsewhere).then(|| first.clone())
}

/// Most managed entities named in one message; the rest are counted.
const MAX_NAMED: usize = 3;

/// Every tool of one kind (every deployer, every monitoring system) fails
/// with the same single failure: having several does not help.
fn kinds_in_one_domain(input: &Input<'_>, estate_region: Option<&Unit>, out: &mut Out<'_>) {
    let mut by_kind: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (e, entity) in input.model.entities.iter().enumerate() {
        if let (Role::Tool, Some(kind)) = (entity.role, entity.tool_kind.as_deref()) {
            by_kind.entry(kind).or_default().push(e);
        }
    }
    for (kind, tools) in by_kind {
        let [first, rest @ ..] = tools.as_slice() else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let common = input
            .analysis
            .exposures(*first)
            .iter()
            .map(|x| input.analysis.unit(x.unit))
            .find(|unit| {
                matches!(unit, Unit::Domain(_))
                    && Some(*unit) != estate_region
                    && rest.iter().all(|&t| input.analysis.fails_with(t, unit))
            });
        let Some(unit) = common else {
            continue;
        };
        let Some(span) = input.model.entities[*first]
            .instances
            .first()
            .map(|i| i.span)
        else {
            continue;
        };
        let names: Vec<String> = tools.iter().map(|&t| input.entity_label(t)).collect();
        let mut finding = Finding::new(
            Rule::ToolKindInOneDomain,
            span,
            format!(
                "every `{kind}` tool ({}) fails with {}",
                names.join(", "),
                input.unit_text(unit)
            ),
        )
        .label(format!(
            "all `{kind}` tools fail with {}",
            input.unit_text(unit)
        ))
        .help(format!(
            "run at least one `{kind}` tool outside {}",
            input.unit_text(unit)
        ));
        for &t in rest {
            if let Some(i) = input.model.entities[t].instances.first() {
                finding = finding.related(
                    i.span,
                    format!(
                        "{} also fails with {}",
                        input.entity_label(t),
                        input.unit_text(unit)
                    ),
                );
            }
        }
        out.push(finding);
    }
}
