//! Risk groups that shrank (SPOF026), for `spof check --diff-base`: a
//! combination of failure domains that takes an entity down in the working
//! tree, of which no part took it down at the base revision.

use super::{Finding, Rule};
use crate::audit::{Audit, DEFAULT_GROUP_SIZE};
use crate::estate::Estate;
use std::collections::{BTreeSet, HashMap};

/// For every entity of `head` that `base` has too (by id), each risk group
/// of two or more domains that contains no risk group the entity had at
/// `base` (domains compared by name). Groups of one domain are single
/// points of failure, which the placement and dependency rules report.
pub fn shrunk_risk_groups(base: &Estate, head: &Estate) -> Vec<Finding> {
    let before = Audit::build(base, DEFAULT_GROUP_SIZE);
    let after = Audit::build(head, DEFAULT_GROUP_SIZE);
    let names = |audit: &Audit, group: &[u32]| -> BTreeSet<String> {
        group.iter().map(|d| audit.domain_name(*d)).collect()
    };
    let groups_before: HashMap<&str, Vec<BTreeSet<String>>> = base
        .model
        .entities
        .iter()
        .zip(before.entities.iter())
        .map(|(entity, audit)| {
            let groups = audit.risk_groups.iter().map(|g| names(&before, g));
            (entity.id.as_str(), groups.collect())
        })
        .collect();
    let mut findings = Vec::new();
    for (entity, audit) in head.model.entities.iter().zip(after.entities.iter()) {
        let Some(earlier) = groups_before.get(entity.id.as_str()) else {
            continue;
        };
        let Some(instance) = entity.instances.first() else {
            continue;
        };
        for group in audit.risk_groups.iter().filter(|g| g.len() >= 2) {
            let group = names(&after, group);
            if earlier.iter().any(|b| b.is_subset(&group)) {
                continue;
            }
            let listed: Vec<&str> = group.iter().map(String::as_str).collect();
            let (all, both) = match listed.len() {
                2 => (listed.join(" and "), "both"),
                _ => (
                    format!(
                        "{} and {}",
                        listed[..listed.len() - 1].join(", "),
                        listed[listed.len() - 1]
                    ),
                    "all",
                ),
            };
            findings.push(
                Finding::new(
                    Rule::RiskGroupShrank,
                    instance.span,
                    format!("`{}` now goes down when {all} {both} fail", entity.label()),
                )
                .entity(&entity.id)
                .label(format!("down when {} fail together", listed.join(" + ")))
                .help(format!(
                    "at the base revision it survived {all} failing together; keep it (and \
                     what it depends on) spread over as many failure domains as before"
                )),
            );
        }
    }
    findings
}
