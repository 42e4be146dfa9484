//! What the analysis found, in words: the names of entities, clusters and
//! single failures, and the root cause of a chain, as findings, simulations
//! and reports say them.

use super::{Cause, Reason, Unit};
use crate::model::Model;

/// An entity as messages name it: `` `Deployment default/web` ``.
pub fn entity_label(model: &Model, e: usize) -> String {
    format!("`{}`", model.entities[e].label())
}

/// A configured cluster by its name (`cluster_names` in configuration
/// order), or the cluster no configuration names.
pub fn cluster_name(cluster_names: &[String], cluster: Option<usize>) -> String {
    cluster.and_then(|c| cluster_names.get(c)).map_or_else(
        || "the scanned cluster".to_string(),
        |n| format!("cluster `{n}`"),
    )
}

/// Whether a declaration is a cloud resource judged by the provider
/// knowledge base rather than a workload.
fn is_cloud(model: &Model, entity: usize, instance: usize) -> bool {
    model.entities[entity]
        .instances
        .get(instance)
        .is_some_and(|i| !i.detail().cloud.is_empty())
}

/// A single failure, in words.
pub fn unit_text(model: &Model, unit: &Unit) -> String {
    match unit {
        Unit::Domain(d) => format!("`{d}`"),
        Unit::Unplaced {
            level,
            entity,
            instance,
        } if is_cloud(model, *entity as usize, *instance as usize) => {
            format!(
                "the {} of {}",
                level.as_str(),
                entity_label(model, *entity as usize)
            )
        }
        Unit::Unplaced { level, entity, .. } => format!(
            "the {} holding every replica of {}",
            level.as_str(),
            entity_label(model, *entity as usize)
        ),
        Unit::Replica { entity, instance }
            if is_cloud(model, *entity as usize, *instance as usize) =>
        {
            format!(
                "the single instance of {}",
                entity_label(model, *entity as usize)
            )
        }
        Unit::Replica { entity, .. } => {
            format!(
                "the node running the only replica of {}",
                entity_label(model, *entity as usize)
            )
        }
    }
}

/// The root cause of a chain, in words.
pub fn cause_text(model: &Model, cluster_names: &[String], e: usize, cause: &Cause) -> String {
    let who = entity_label(model, e);
    let unit = &cause.unit;
    match &cause.reason {
        Reason::SingleReplica { .. } => format!("{who} runs a single replica"),
        Reason::NoZoneSpread {
            best_effort: None, ..
        } => {
            format!("nothing keeps the replicas of {who} out of a single zone")
        }
        Reason::NoZoneSpread { .. } => format!("{who} spreads across zones only when convenient"),
        Reason::Pinned { via, .. } => {
            format!("{who} is pinned to {} by its {via}", unit_text(model, unit))
        }
        Reason::ZonalVolume { claim, .. } => {
            format!("{who} shares ReadWriteOnce claim `{claim}` across its replicas")
        }
        Reason::Quorum { .. } => format!("{who} loses quorum when one zone fails"),
        Reason::ClusterZone { cluster } => format!(
            "{who} runs only in {}, which lives in one zone",
            cluster_name(cluster_names, *cluster)
        ),
        Reason::ClusterRegion { cluster } => format!(
            "{who} runs only in {}, which lives in one region",
            cluster_name(cluster_names, *cluster)
        ),
        Reason::VolumeTopology => format!("{who} lives in {}", unit_text(model, unit)),
        Reason::Cloud(i) => model.entities[e]
            .instances
            .get(cause.instance)
            .and_then(|inst| inst.detail().cloud.get(*i))
            .map_or_else(
                || format!("{who} fails with {}", unit_text(model, unit)),
                |fact| fact.message.clone(),
            ),
    }
}
