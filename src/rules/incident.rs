//! What engineers need during an incident besides the tools that recover:
//! to hear about it (the chat or paging service alerts go through) and to
//! restore what it destroyed (the backups). Both are worth nothing when
//! the incident takes them down with what they are about.

use super::dependencies::with_chain;
use super::recovery::estate_region;
use super::{Finding, Input, Out, Rule, Settings};
use crate::analysis::Unit;
use crate::model::{Domain, Level, RegionalBackup, Role, Strength};
use crate::source::Span;
use std::collections::BTreeMap;

pub(super) fn check(input: &Input<'_>, settings: &Settings, out: &mut Out<'_>) {
    let alerting = settings.runs(Rule::AlertingPathSharesFate);
    let backups = settings.runs(Rule::BackupSharesFate);
    if !alerting && !backups {
        return;
    }
    let estate_region = estate_region(input);
    for e in 0..input.model.entities.len() {
        if alerting {
            each_edge(input, e, Strength::Alerts, estate_region.as_ref(), out);
        }
        if backups {
            each_edge(input, e, Strength::Backup, estate_region.as_ref(), out);
        }
    }
    if backups {
        backup_regions(input, out);
        regional_backups(input, out);
    }
}

/// The entities a declaration of `e` in `cluster` speaks for: those
/// declared in the same cluster, or with no cluster configured, in its
/// directory and below.
fn scope(input: &Input<'_>, e: usize, instance: usize) -> Vec<usize> {
    let own = &input.model.entities[e].instances[instance];
    let places = &input.model.places;
    let dir = places.dir(own.span.file);
    input
        .model
        .entities
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.instances.iter().any(|i| match own.cluster {
                Some(c) => i.cluster == Some(c),
                None => i.cluster.is_none() && places.dir(i.span.file).starts_with(dir),
            })
        })
        .map(|(t, _)| t)
        .collect()
}

/// What `unit` takes down among `candidates` (as a declaration in
/// `cluster` sees them) on its own rather than through `target`: what
/// fails only because `target` does (its Service, a client of it) says
/// nothing about the domain.
fn hit(
    input: &Input<'_>,
    candidates: &[usize],
    cluster: Option<usize>,
    target: usize,
    unit: &Unit,
) -> Vec<usize> {
    // What takes the target down with `unit`: its own chain (the
    // workloads behind a Service, what they need) is the receiver's or
    // the store's failure, not something it is about.
    let chain: Vec<usize> = input
        .analysis
        .hops_from(target, cluster, unit)
        .map(|h| h.edge.target)
        .collect();
    let mut hit: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&t| t != target && !chain.contains(&t))
        .filter(|&t| {
            input
                .analysis
                .seen_from(t, cluster)
                .iter()
                .any(|x| input.analysis.unit(x.unit) == unit)
        })
        .filter(|&t| {
            !input
                .analysis
                .hops_from(t, cluster, unit)
                .any(|h| h.edge.target == target)
        })
        .collect();
    // Services and datastores first, in model order: what an alert or a
    // backup is about; the tools, then the network pieces in front of
    // them.
    hit.sort_by_key(|&t| match input.model.entities[t].role {
        Role::Service | Role::Datastore => 0,
        Role::Tool => 1,
        _ => 2,
    });
    hit
}

/// `first` and how many others, for messages.
fn named(input: &Input<'_>, list: &[usize]) -> String {
    let first = input.entity_label(list[0]);
    match list.len() {
        1 => first,
        2 => format!("{first} and 1 other"),
        n => format!("{first} and {} others", n - 1),
    }
}

/// SPOF030 (alerts) or SPOF031 (backups): one finding per declaration of
/// `e` and dependency of kind `strength` whose target fails with something
/// that also takes down what the dependency is about.
fn each_edge(
    input: &Input<'_>,
    e: usize,
    strength: Strength,
    estate_region: Option<&Unit>,
    out: &mut Out<'_>,
) {
    let entity = &input.model.entities[e];
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for edge in input
        .graph
        .dependencies(e)
        .filter(|d| d.strength == strength)
    {
        if edge.target == e || seen.contains(&(edge.instance, edge.target)) {
            continue;
        }
        seen.push((edge.instance, edge.target));
        let cluster = entity.instances[edge.instance].cluster;
        // What it is about: what a monitoring or backup tool watches over
        // in its scope; a datastore's backups are its own.
        let about: Vec<usize> = if strength == Strength::Backup && entity.role != Role::Tool {
            vec![e]
        } else {
            scope(input, e, edge.instance)
                .into_iter()
                .filter(|&t| t != e)
                .collect()
        };
        let found = input
            .analysis
            .seen_from(edge.target, cluster)
            .iter()
            .map(|x| input.analysis.unit(x.unit))
            .filter(|u| Some(*u) != estate_region)
            .find_map(|u| {
                let hit = hit(input, &about, cluster, edge.target, u);
                (!hit.is_empty()).then_some((u, hit))
            });
        let Some((unit, hit)) = found else {
            continue;
        };
        let dependency = &entity.instances[edge.instance].dependencies[edge.dependency];
        let who = input.entity_label(e);
        let target = input.entity_label(edge.target);
        let domain = input.unit_text(unit);
        let finding = if strength == Strength::Alerts {
            Finding::new(
                Rule::AlertingPathSharesFate,
                dependency.span,
                format!(
                    "{who} sends its alerts through {target}, which fails with {domain} together with {} it alerts about: the alert dies with the incident",
                    named(input, &hit)
                ),
            )
            .label(format!("alerts go out here ({}); fails with {domain}", dependency.via))
            .help(format!(
                "send these alerts through a chat or paging service outside {domain} (another datacenter or region, or an external service), or add a second receiver that is"
            ))
        } else {
            let whose = if hit == [e] {
                "it".to_string()
            } else {
                named(input, &hit)
            };
            Finding::new(
                Rule::BackupSharesFate,
                dependency.span,
                format!(
                    "{who} stores backups in {target}, which fails with {domain} together with {whose}: the incident takes what is backed up and its backups"
                ),
            )
            .label(format!("backups are stored here ({}); fails with {domain}", dependency.via))
            .help(format!(
                "store these backups outside {domain} (an object store in another datacenter or region), or copy them there"
            ))
        };
        let finding = finding
            .entity(&entity.id)
            .about(std::iter::once(unit.clone()));
        out.push(with_chain(input, finding, edge.target, unit));
    }
}

/// SPOF031 for a backup location in the region of the cluster it backs
/// up.
fn backup_regions(input: &Input<'_>, out: &mut Out<'_>) {
    for b in &input.model.backup_regions {
        let site = input.context.site(b.cluster);
        let Some(region) = site.region.as_deref() else {
            continue;
        };
        if !region.eq_ignore_ascii_case(&b.region) {
            continue;
        }
        let cluster = match b.cluster {
            Some(c) => input
                .cluster_names
                .get(c)
                .map_or_else(|| "its cluster".to_string(), |n| format!("cluster `{n}`")),
            None => "its cluster".to_string(),
        };
        let mut finding = Finding::new(
            Rule::BackupSharesFate,
            b.span,
            format!(
                "{} stores the backups of {cluster} in region `{}`, the region the cluster runs in: a regional outage takes the cluster and its backups",
                b.what, b.region
            ),
        )
        .label(format!("backups are stored in region `{}`", b.region))
        .help(
            "store backups in another region, or copy them there (a second backup storage location, cross-region replication of the bucket)",
        );
        if let Some(span) = site.region_span {
            finding = finding.related(span, format!("{cluster} runs in region `{region}`"));
        }
        out.push(finding);
    }
}

/// SPOF031 for the backups of cloud resources kept only in their own
/// region: one finding per place that keeps them, naming the first
/// resource it backs up and counting the others.
fn regional_backups(input: &Input<'_>, out: &mut Out<'_>) {
    let mut by_span: BTreeMap<Span, Vec<(usize, usize, &RegionalBackup)>> = BTreeMap::new();
    for (e, entity) in input.model.entities.iter().enumerate() {
        for (i, instance) in entity.instances.iter().enumerate() {
            for b in &instance.detail().backups {
                by_span.entry(b.span).or_default().push((e, i, b));
            }
        }
    }
    for (span, backed) in by_span {
        let [(e, i, b), ..] = backed[..] else {
            continue;
        };
        let mut entities: Vec<usize> = Vec::new();
        for (t, _, _) in &backed {
            if !entities.contains(t) {
                entities.push(*t);
            }
        }
        let entity = &input.model.entities[e];
        let instance = &entity.instances[i];
        let mut finding = Finding::new(
            Rule::BackupSharesFate,
            span,
            format!(
                "the backups of {} are kept only in region `{}`, the region {} in, by {}: a regional outage takes {} and {} backups",
                named(input, &entities),
                b.region,
                if entities.len() == 1 { "it runs" } else { "they run" },
                b.what,
                if entities.len() == 1 { "it" } else { "them" },
                if entities.len() == 1 { "its" } else { "their" },
            ),
        )
        .entity(&entity.id)
        .about([Unit::Domain(Domain::new(Level::Region, b.region.clone()))])
        .label(format!("backups are kept in region `{}`", b.region))
        .related(
            instance.span,
            format!(
                "{} runs in region `{}`",
                input.entity_label(e),
                b.region
            ),
        )
        .help(b.help.clone());
        for (at, text) in &b.related {
            finding = finding.related(*at, text.clone());
        }
        out.push(finding);
    }
}
