//! Recovery dependencies: what an entity needs to be restarted,
//! rescheduled, scaled out or redeployed, but not to keep serving (an image
//! registry, a secret store, an admission webhook). A single failure that
//! takes such a dependency down and leaves the entity running strands it:
//! it serves until the first restart, and then cannot come back.

use super::dependencies::with_chain;
use super::recovery::estate_region;
use super::{Finding, Input, Out, Rule, Settings};
use crate::analysis::Unit;
use crate::graph::DepEdge;
use crate::model::{AdmissionWebhook, Dependency, Instance, Level, Strength};
use crate::source::Span;

pub(super) fn check(input: &Input<'_>, settings: &Settings, out: &mut Out<'_>) {
    let estate_region = estate_region(input);
    if settings.runs(Rule::SinglePointOfRecovery) {
        // A transparent declaration something uses is reported through
        // what uses it.
        for (e, used) in used_transparent(input).into_iter().enumerate() {
            if !used {
                each_recovery_dependency(input, e, estate_region.as_ref(), out);
            }
        }
    }
    if settings.runs(Rule::AdmissionWebhookHasSpof) {
        admission_webhooks(input, estate_region.as_ref(), out);
    }
}

/// Whether the recovery dependency at `span` is an admission webhook's:
/// SPOF029 reports it, once for the webhook rather than once for every
/// workload it admits.
fn is_webhook(input: &Input<'_>, span: Span) -> bool {
    input
        .model
        .admission_webhooks
        .iter()
        .any(|w| w.span == span)
}

/// The workloads a webhook admits, by the webhook and the Service behind
/// it, in the order the model lists the entities.
struct Admitted<'m> {
    webhook: &'m AdmissionWebhook,
    target: usize,
    cluster: Option<usize>,
    entities: Vec<usize>,
}

/// SPOF029: one finding per admission webhook that fails closed and whose
/// Service fails with a single failure.
fn admission_webhooks(input: &Input<'_>, estate_region: Option<&Unit>, out: &mut Out<'_>) {
    let mut admitted: Vec<Admitted<'_>> = Vec::new();
    for e in 0..input.model.entities.len() {
        let entity = &input.model.entities[e];
        for edge in input
            .graph
            .dependencies(e)
            .filter(|d| d.strength == Strength::Recovery && d.target != e)
        {
            let instance = &entity.instances[edge.instance];
            let span = instance.dependencies[edge.dependency].span;
            let Some(webhook) = input
                .model
                .admission_webhooks
                .iter()
                .find(|w| w.span == span)
            else {
                continue;
            };
            let at = admitted
                .iter()
                .position(|a| a.webhook.span == span && a.target == edge.target)
                .unwrap_or_else(|| {
                    admitted.push(Admitted {
                        webhook,
                        target: edge.target,
                        cluster: instance.cluster,
                        entities: Vec::new(),
                    });
                    admitted.len() - 1
                });
            // Entities come in order, each once: the last one admitted
            // is the only one that can be `e` (a webhook that admits every
            // workload of a large cluster stays linear).
            let group = &mut admitted[at];
            if group.entities.last() != Some(&e) {
                group.entities.push(e);
            }
        }
    }
    for a in admitted {
        let units: Vec<&Unit> = input
            .analysis
            .seen_from(a.target, a.cluster)
            .iter()
            .map(|x| input.analysis.unit(x.unit))
            .filter(|u| Some(*u) != estate_region)
            .collect();
        let Some((first, further)) = units.split_first() else {
            continue;
        };
        let target = input.entity_label(a.target);
        let first_admitted = input.entity_label(a.entities[0]);
        let others = match a.entities.len() {
            1 => String::new(),
            2 => " and 1 other workload".to_string(),
            n => format!(" and {} other workloads", n - 1),
        };
        let message = input.naming_further(
            format!(
                "admission webhook `{}` of `{}` fails closed and its backend {target} fails with {}",
                a.webhook.name,
                a.webhook.configuration,
                input.unit_text(first),
            ),
            further,
            &format!(
                ": while it is down, {first_admitted}{others} cannot be restarted, scaled or redeployed"
            ),
        );
        let finding = Finding::new(Rule::AdmissionWebhookHasSpof, a.webhook.span, message)
        .about(units.iter().map(|&u| u.clone()))
        .label(format!(
            "blocks every matching pod while {target} is down; fails with {}",
            input.unit_text(first)
        ))
        .help(format!(
            "run {target} with replicas in more than one failure domain, or set `failurePolicy: Ignore` if the cluster may admit what the webhook would refuse"
        ));
        out.push(with_chain(input, finding, a.target, first));
    }
}

/// Whether each entity is a transparent declaration (a task definition, a
/// launch template) that a declaration of another entity depends on.
fn used_transparent(input: &Input<'_>) -> Vec<bool> {
    let entities = &input.model.entities;
    let mut used = vec![false; entities.len()];
    for e in 0..entities.len() {
        for edge in input.graph.dependencies(e) {
            if edge.strength == Strength::Hard
                && edge.target != e
                && transparent(input, edge.target)
            {
                used[edge.target] = true;
            }
        }
    }
    used
}

fn transparent(input: &Input<'_>, e: usize) -> bool {
    let instances = &input.model.entities[e].instances;
    !instances.is_empty() && instances.iter().all(|i| i.transparent)
}

/// A recovery dependency of `e`: its own, or one of a transparent
/// declaration its hard dependency `through` uses, which counts for `e`.
struct Needed<'m> {
    /// The declaration of `e` whose dependency it is.
    instance: usize,
    dependency: &'m Dependency,
    target: usize,
    through: Option<(&'m Dependency, usize)>,
}

/// `e`'s recovery dependencies, with those of the transparent
/// declarations it depends on: a task definition's image registry is
/// needed to start the service that runs it.
fn needed<'m>(input: &Input<'m>, e: usize) -> Vec<Needed<'m>> {
    let entities = &input.model.entities;
    let dependency = |e: usize, edge: &DepEdge| {
        &entities[e].instances[edge.instance].dependencies[edge.dependency]
    };
    let mut out = Vec::new();
    for edge in input.graph.dependencies(e) {
        match edge.strength {
            Strength::Recovery => out.push(Needed {
                instance: edge.instance,
                dependency: dependency(e, &edge),
                target: edge.target,
                through: None,
            }),
            Strength::Hard if edge.target != e && transparent(input, edge.target) => {
                let used = dependency(e, &edge);
                out.extend(
                    input
                        .graph
                        .dependencies(edge.target)
                        .filter(|d| d.strength == Strength::Recovery)
                        .map(|d| Needed {
                            instance: edge.instance,
                            dependency: dependency(edge.target, &d),
                            target: d.target,
                            through: Some((used, edge.target)),
                        }),
                );
            }
            _ => {}
        }
    }
    out
}

/// One finding per declaration of `e` and recovery dependency whose target
/// fails with something `e` survives.
fn each_recovery_dependency(
    input: &Input<'_>,
    e: usize,
    estate_region: Option<&Unit>,
    out: &mut Out<'_>,
) {
    let entity = &input.model.entities[e];
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for edge in needed(input, e) {
        if edge.target == e || seen.contains(&(edge.instance, edge.target)) {
            continue;
        }
        let span = edge.dependency.span;
        if is_webhook(input, span) {
            continue;
        }
        seen.push((edge.instance, edge.target));
        let cluster = entity.instances[edge.instance].cluster;
        // What strands `e`: the target fails with it, `e` does not.
        let units: Vec<&Unit> = input
            .analysis
            .seen_from(edge.target, cluster)
            .iter()
            .map(|x| input.analysis.unit(x.unit))
            .filter(|u| {
                Some(*u) != estate_region
                    && !input.analysis.fails_with(e, u)
                    && !in_own_region(&entity.instances[edge.instance], u)
            })
            .collect();
        let Some((first, further)) = units.split_first() else {
            continue;
        };
        let dependency = edge.dependency;
        let who = input.entity_label(e);
        let target = input.entity_label(edge.target);
        let message = input.naming_further(
            format!("{who} keeps running when {} fails", input.unit_text(first)),
            further,
            &format!(
                ", but cannot be restarted: it needs {target} to recover, which fails with it"
            ),
        );
        let mut finding = Finding::new(Rule::SinglePointOfRecovery, dependency.span, message)
        .entity(&entity.id)
        .about(units.iter().map(|&u| u.clone()))
        .label(format!(
            "needed to recover ({}); fails with {}",
            dependency.via,
            input.unit_text(first)
        ))
        .help(format!(
            "make {target} as redundant as what needs it (a replica or mirror in another failure domain), or point this at one that is"
        ));
        // A dependency written elsewhere (a secret store's address) is
        // read by the entity at its origin (the Secret its pod names).
        if let Some(origin) = dependency.origin {
            finding = finding.related(origin, format!("{who} reads it here"));
        }
        if let Some((used, declaration)) = edge.through {
            finding = finding.related(
                used.span,
                format!("{who} uses {} here", input.entity_label(declaration)),
            );
        }
        out.push(with_chain(input, finding, edge.target, first));
    }
}

/// Whether `unit` is the region the declaration lives in (a Terraform
/// resource's provider region): it is down with it, placed there or not.
fn in_own_region(instance: &Instance, unit: &Unit) -> bool {
    match (unit, &instance.region) {
        (Unit::Domain(d), Some((region, _))) => {
            d.level == Level::Region && d.name.eq_ignore_ascii_case(region)
        }
        _ => false,
    }
}
