//! Findings about dependencies: a workload that hard-depends on something
//! with a single point of failure, Services that select nothing, and
//! declared dependencies that name nothing.

use super::{Finding, Input, Out, Rule, Settings};
use crate::analysis::words;
use crate::analysis::{CHAIN_HOPS, Cause, Hop, Reason, Unit, UnitId, Via, narrow};
use crate::diagnostic::Severity;
use crate::graph::DepEdge;
use crate::model::{Combine, Reference, Role, Strength};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashSet};

pub(super) fn check(input: &Input<'_>, settings: &Settings, out: &mut Out<'_>) {
    if settings.runs(Rule::DependsOnSpof) {
        transitive(input, settings, out);
    }
    let selects_nothing = settings.runs(Rule::ServiceSelectsNothing);
    let unknown = settings.runs(Rule::UnknownDependency);
    if unknown {
        unresolved_manages(input, out);
    }
    if !selects_nothing && !unknown {
        return;
    }
    for u in &input.graph.unresolved {
        let entity = &input.model.entities[u.entity];
        let dep = &entity.instances[u.instance].dependencies[u.dependency];
        let who = input.entity_label(u.entity);
        match &dep.target {
            // Pods spof does not model (a Job's, an operator's) may match.
            Reference::PodSelector { .. }
                if entity.instances[u.instance].detail().unmodelled_pods.is_some() => {}
            Reference::PodSelector { .. } if selects_nothing => out.push(
                Finding::new(
                    Rule::ServiceSelectsNothing,
                    dep.span,
                    format!("{who} selects no workload in the scanned files"),
                )
                .entity(&entity.id)
                .label("matches no pod template")
                .help("check the selector against the workload's pod template labels, or scan the files that declare the workload"),
            ),
            Reference::PodSelector { .. } => {}
            _ if dep.explicit && unknown => out.push(
                Finding::new(
                    Rule::UnknownDependency,
                    dep.span,
                    format!("{who} declares a dependency on `{}`, which names nothing in the scanned files", reference_text(&dep.target)),
                )
                .entity(&entity.id)
                .label("unknown entity")
                .help("use an entity id (`k8s:Kind/namespace/name`, `tf:ADDRESS` for a Terraform resource), `Kind/name`, or the name of a Service or workload in the same namespace"),
            ),
            _ => {}
        }
    }
}

/// `manages` entries that name nothing: always declared on purpose.
fn unresolved_manages(input: &Input<'_>, out: &mut Out<'_>) {
    for u in &input.graph.unresolved_manages {
        let entity = &input.model.entities[u.entity];
        let entry = &entity.instances[u.instance].manages[u.dependency];
        if !entry.explicit {
            continue;
        }
        out.push(
            Finding::new(
                Rule::UnknownDependency,
                entry.span,
                format!(
                    "{} declares that it manages `{}`, which names nothing in the scanned files",
                    input.entity_label(u.entity),
                    reference_text(&entry.target)
                ),
            )
            .entity(&entity.id)
            .label("unknown entity")
            .help("use an entity id (`k8s:Kind/namespace/name`, `tf:ADDRESS`), `Kind/name`, or the name of a Service or workload in the same namespace"),
        );
    }
}

fn reference_text(r: &Reference) -> String {
    match r {
        Reference::Id(id) => id.clone(),
        Reference::Namespace(namespace) => format!("namespace {namespace}"),
        Reference::Cluster { cluster, namespace } => match namespace {
            // Inferred only (never reported as naming nothing): the
            // cluster by its place in spof.toml.
            Some(ns) => format!("namespace {ns} of cluster {}", cluster + 1),
            None => format!("cluster {}", cluster + 1),
        },
        Reference::Pattern(pattern) => pattern.clone(),
        Reference::Terraform {
            root: Some(root),
            address,
        } => format!("{}{root}:{address}", crate::model::TERRAFORM_ID_PREFIX),
        Reference::Terraform {
            root: None,
            address,
        } => {
            format!("{}{address}", crate::model::TERRAFORM_ID_PREFIX)
        }
        Reference::K8s {
            kind,
            namespace,
            name,
        } => format!("{kind}/{namespace}/{name}"),
        Reference::K8sName { name, .. } => name.clone(),
        Reference::K8sLabel { key, value } => format!("{key}={value}"),
        Reference::Registered { name, .. }
        | Reference::Host(name)
        | Reference::Image { host: name, .. } => name.clone(),
        Reference::PodSelector { labels, .. } => labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// A dependency edge through which the entity fails with a unit its own
/// placement does not already fail with. Services are transparent: they
/// fail exactly when what they select fails, which is reported there.
fn transitive(input: &Input<'_>, settings: &Settings, out: &mut Out<'_>) {
    let analysis = input.analysis;
    for (e, entity) in input.model.entities.iter().enumerate() {
        // Transparent declarations (a launch template) are reported through
        // what uses them.
        if entity
            .instances
            .iter()
            .all(|i| i.combine == Combine::Any || i.transparent)
            || entity.role == Role::Tool
        {
            continue;
        }
        // What the entity fails with, and with on its own, looked up once
        // per unit of each dependency rather than by scanning its
        // exposures: in a large estate an entity inherits some thirty.
        let mut fails: HashSet<UnitId> = HashSet::new();
        let mut own: HashSet<UnitId> = HashSet::new();
        for x in analysis.exposures(e) {
            fails.insert(x.unit);
            if matches!(x.via, Via::Own(_)) {
                own.insert(x.unit);
            }
        }
        let mut clusters: Vec<Option<usize>> = entity.instances.iter().map(|i| i.cluster).collect();
        clusters.sort_unstable();
        clusters.dedup();
        // One finding per declaration and target, in the order the
        // dependencies come; further lines that create the same dependency
        // are related locations.
        let mut groups: Vec<Vec<DepEdge>> = Vec::new();
        let mut group_of: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for edge in input
            .graph
            .dependencies(e)
            .filter(|d| d.strength == Strength::Hard)
        {
            match group_of.entry((edge.instance, edge.target)) {
                Entry::Occupied(g) => groups[*g.get()].push(edge),
                Entry::Vacant(slot) => {
                    slot.insert(groups.len());
                    groups.push(vec![edge]);
                }
            }
        }
        for edges in groups {
            let edge = edges[0];
            // The target as this declaration's cluster sees it.
            let cluster = entity.instances[edge.instance].cluster;
            let units: Vec<&Unit> = analysis
                .seen_from(edge.target, cluster)
                .iter()
                .map(|x| x.unit)
                // Not what the entity survives through its declarations in
                // other clusters: the target fails with it as every
                // cluster the entity is declared in sees the target.
                .filter(|u| {
                    !own.contains(u)
                        && fails.contains(u)
                        // The units come from the view of `cluster`.
                        && clusters.iter().all(|&c| {
                            c == cluster
                                || analysis
                                    .seen_from(edge.target, c)
                                    .iter()
                                    .any(|x| x.unit == *u)
                        })
                })
                .map(|u| analysis.unit(u))
                .collect();
            let Some(first) = units.first() else {
                continue;
            };
            let dep = &entity.instances[edge.instance].dependencies[edge.dependency];
            let target = input.entity_label(edge.target);
            let message = input.naming_further(
                format!(
                    "{} depends on {target}, which fails with {}",
                    input.entity_label(e),
                    input.unit_text(first),
                ),
                &units[1..],
                "",
            );
            let mut finding = Finding::new(Rule::DependsOnSpof, dep.span, message)
            .entity(&entity.id)
            .label(input.cited.label(format!("hard dependency ({})", dep.via)))
            .help("make the dependency redundant, or mark it soft with `spof.dev/soft-depends-on` if this entity survives without it");
            if let Some(origin) = dep.origin {
                finding =
                    finding.related(origin, format!("{} reads it here", input.entity_label(e)));
            }
            for other in &edges[1..] {
                let d = &entity.instances[other.instance].dependencies[other.dependency];
                finding =
                    finding.related(d.span, format!("also depends on {target} here ({})", d.via));
            }
            finding = with_chain_from(input, finding, edge.target, cluster, first);
            let all_info = units.iter().all(|u| {
                analysis
                    .root_from(edge.target, cluster, u)
                    .is_some_and(|(_, c)| {
                        matches!(
                            c.reason,
                            Reason::NoZoneSpread {
                                best_effort: Some(_),
                                ..
                            }
                        ) && settings.severity(Rule::BestEffortZoneSpread) == Severity::Info
                    })
            });
            if all_info {
                finding.cap = Some(Severity::Info);
            }
            out.push(finding);
        }
    }
}

/// Adds the chain from entity `e` down to the declaration that makes it
/// fail with `unit` as related locations: each hop (at most
/// [`CHAIN_HOPS`]), then the cause.
pub(super) fn with_chain(input: &Input<'_>, finding: Finding, e: usize, unit: &Unit) -> Finding {
    with_chain_from(input, finding, e, None, unit)
}

/// [`with_chain`] as a declaration in `cluster` sees entity `e`.
fn with_chain_from(
    input: &Input<'_>,
    mut finding: Finding,
    e: usize,
    cluster: Option<usize>,
    unit: &Unit,
) -> Finding {
    let analysis = input.analysis;
    let hop_text = |hop: Hop| {
        let d = &input.model.entities[hop.from].instances[hop.edge.instance].dependencies
            [hop.edge.dependency];
        let key = (
            narrow(hop.from),
            narrow(hop.edge.instance),
            narrow(hop.edge.dependency),
            narrow(hop.edge.target),
        );
        let text = input.cited.hop(key, || {
            format!(
                "{} depends on {} ({})",
                input.entity_label(hop.from),
                input.entity_label(hop.edge.target),
                d.via
            )
        });
        (d.span, text)
    };
    let total = analysis.hop_count_from(e, cluster, unit);
    let shown = if total > CHAIN_HOPS {
        CHAIN_HOPS - 1
    } else {
        total
    };
    for hop in analysis.hops_from(e, cluster, unit).take(shown) {
        let (span, text) = hop_text(hop);
        finding = finding.related(span, text);
    }
    if total > shown
        && let Some(last) = analysis.last_hop_from(e, cluster, unit)
    {
        let left_out = total - shown - 1;
        let (span, text) = hop_text(last);
        let hops = if left_out == 1 { "hop" } else { "hops" };
        finding = finding.related(span, format!("… {left_out} more {hops}, then {text}"));
    }
    if let Some((at, c)) = analysis.root_index_from(e, cluster, unit)
        && let Some(cause) = analysis.causes.get(at).and_then(|own| own.get(c))
    {
        let text = input
            .cited
            .cause((narrow(at), narrow(c)), || cause_text(input, at, cause));
        finding = finding.related(cause.span, text);
    }
    finding
}

/// The root cause of a chain, in words.
pub(super) fn cause_text(input: &Input<'_>, e: usize, cause: &Cause) -> String {
    words::cause_text(input.model, input.cluster_names, e, cause)
}
