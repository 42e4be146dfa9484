//! Recovery dependencies: what an entity needs to be restarted,
//! rescheduled, scaled out or redeployed, but not to keep serving (an image
//! registry, a secret store, an admission webhook). A single failure that
//! takes such a dependency down and leaves the entity running strands it:
//! it serves until the first restart, and then cannot come back.

use super::dependencies::{further_text, with_chain};
use super::recovery::estate_region;
use super::{Finding, Input, Rule, Settings};
use crate::analysis::Unit;
use crate::model::Strength;

pub(super) fn check(input: &Input<'_>, settings: &Settings, out: &mut Vec<Finding>) {
    if !settings.runs(Rule::SinglePointOfRecovery) {
        return;
    }
    let estate_region = estate_region(input);
    for e in 0..input.model.entities.len() {
        each_recovery_dependency(input, e, estate_region.as_ref(), out);
    }
}

/// One finding per declaration of `e` and recovery dependency whose target
/// fails with something `e` survives.
fn each_recovery_dependency(
    input: &Input<'_>,
    e: usize,
    estate_region: Option<&Unit>,
    out: &mut Vec<Finding>,
) {
    let entity = &input.model.entities[e];
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for edge in input
        .graph
        .dependencies(e)
        .filter(|d| d.strength == Strength::Recovery)
    {
        if edge.target == e || seen.contains(&(edge.instance, edge.target)) {
            continue;
        }
        seen.push((edge.instance, edge.target));
        let cluster = entity.instances[edge.instance].cluster;
        // What strands `e`: the target fails with it, `e` does not.
        let units: Vec<&Unit> = input
            .analysis
            .seen_from(edge.target, cluster)
            .iter()
            .map(|x| &x.unit)
            .filter(|u| Some(*u) != estate_region && !input.analysis.fails_with(e, u))
            .collect();
        let Some((first, further)) = units.split_first() else {
            continue;
        };
        let dependency = &entity.instances[edge.instance].dependencies[edge.dependency];
        let who = input.entity_label(e);
        let target = input.entity_label(edge.target);
        let finding = Finding::new(
            Rule::SinglePointOfRecovery,
            dependency.span,
            format!(
                "{who} keeps running when {} fails{}, but cannot be restarted: it needs {target} to recover, which fails with it",
                input.unit_text(first),
                further_text(input, further),
            ),
        )
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
        out.push(with_chain(input, finding, edge.target, first));
    }
}
