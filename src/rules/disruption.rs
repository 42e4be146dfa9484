//! Findings about PodDisruptionBudgets of multi-replica workloads: none at
//! all, one that blocks every eviction, one that lets every pod go.

use super::{Finding, Input, Out, Rule, Settings};
use crate::model::{DisruptionBudget, WorkloadKind};

/// Kinds whose pods an eviction (node drain, cluster upgrade) can take down
/// together.
const REPLICATED_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

pub(super) fn check(input: &Input<'_>, settings: &Settings, out: &mut Out<'_>) {
    let missing = settings.runs(Rule::MissingDisruptionBudget);
    let budgets = settings.runs(Rule::DisruptionBudgetBlocksEviction)
        || settings.runs(Rule::DisruptionBudgetAllowsFullOutage);
    if !missing && !budgets {
        return;
    }
    for entity in &input.model.entities {
        if !REPLICATED_KINDS.contains(&entity.kind.as_str()) {
            continue;
        }
        let who = format!("`{}`", entity.label());
        for instance in &entity.instances {
            if instance.workload != Some(WorkloadKind::LongRunning) {
                continue;
            }
            let Some(replicas) = instance.placement.replicas else {
                continue;
            };
            let r = replicas.count;
            if r == 0 {
                continue;
            }
            if missing && r >= 2 && instance.detail().budgets.is_empty() {
                out.push(
                    Finding::new(
                        Rule::MissingDisruptionBudget,
                        replicas.span,
                        format!("{who} has {r} replicas and no PodDisruptionBudget"),
                    )
                    .entity(&entity.id)
                    .label("no budget limits how many are evicted at once")
                    .help(
                        "add a PodDisruptionBudget selecting these pods with `maxUnavailable: 1`",
                    ),
                );
            }
            if budgets {
                for budget in &instance.detail().budgets {
                    check_budget(&who, &entity.id, r, budget, settings, out);
                }
            }
        }
    }
}

/// Judges `budget` over every pod it selects: the replicas of each
/// workload in its scope, `replicas` of them this workload's.
fn check_budget(
    who: &str,
    id: &str,
    replicas: u32,
    budget: &DisruptionBudget,
    settings: &Settings,
    out: &mut Out<'_>,
) {
    let name = &budget.name;
    // Pods that cannot be counted only ever allow more disruptions: what
    // the counted ones allow is a floor.
    let pods = budget.pods.unwrap_or(replicas).max(replicas);
    let allowed = match (&budget.min_available, &budget.max_unavailable) {
        (Some((min, span)), _) => Some((pods.saturating_sub(min.resolve(pods)), *span)),
        (None, Some((max, span))) => Some((max.resolve(pods).min(pods), *span)),
        (None, None) => None,
    };
    let Some((allowed, span)) = allowed else {
        return;
    };
    let of = if pods == replicas {
        format!("{replicas}")
    } else {
        format!("the {pods} pods it selects")
    };
    if allowed == 0 && budget.pods.is_some() {
        if !settings.runs(Rule::DisruptionBudgetBlocksEviction) {
            return;
        }
        out.push(
            Finding::new(
                Rule::DisruptionBudgetBlocksEviction,
                span,
                format!("PodDisruptionBudget `{name}` allows no pod of {who} to be evicted"),
            )
            .entity(id)
            .label(format!("0 of {of} may be disrupted"))
            .help("allow at least one disruption (`maxUnavailable: 1`) so nodes can be drained and upgraded"),
        );
    } else if allowed >= replicas
        && replicas >= 2
        && settings.runs(Rule::DisruptionBudgetAllowsFullOutage)
    {
        out.push(
            Finding::new(
                Rule::DisruptionBudgetAllowsFullOutage,
                span,
                format!("PodDisruptionBudget `{name}` lets every pod of {who} be evicted at once"),
            )
            .entity(id)
            .label(format!("{allowed} of {of} may be disrupted"))
            .help("keep at least one pod running: `maxUnavailable: 1` or `minAvailable` below the replica count"),
        );
    }
}
