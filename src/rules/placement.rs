//! Findings about an entity's own placement: single replicas, missing or
//! best-effort zone spread, pins to one domain, zonal volumes, quorum, and
//! clusters that live in one zone.

use super::{Finding, Input, Out, Rule, Settings};
use crate::analysis::{Cause, Reason, Unit};
use crate::model::{
    CloudClass, Guarantee, Level, MissedSpread, Origin, ReplicaSource, Role, SpreadHint,
    WorkloadKind,
};
use crate::source::Span;
use std::collections::BTreeMap;

/// How to spread replicas across zones, in the words of the entity's
/// format: `rule`'s help in the catalog, by origin.
fn spread_help(rule: Rule, origin: Origin) -> &'static str {
    rule.meta().help.as_ref().map_or("", |help| help.of(origin))
}

/// How to fix a zone spread whose selector misses the workload's pods,
/// naming their labels (a few of them).
fn missed_help(missed: &MissedSpread, pods: &BTreeMap<String, String>) -> String {
    const SHOWN: usize = 3;
    let mut labels: Vec<String> = pods
        .iter()
        .take(SHOWN)
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if pods.len() > SHOWN {
        labels.push("…".to_string());
    }
    let own = if labels.is_empty() {
        "this workload's pods have no labels: label the pod template and select them".to_string()
    } else {
        format!(
            "make it select this workload's pod labels (`{}`)",
            labels.join(", ")
        )
    };
    let kind = match missed.guarantee {
        Guarantee::Hard => "hard zone spread",
        Guarantee::BestEffort => "best-effort zone spread",
    };
    if missed.has_selector {
        format!(
            "the {kind}'s `labelSelector` does not match this workload's pods, so the \
             scheduler spreads other pods, not these; {own}"
        )
    } else {
        format!("a {kind} without a `labelSelector` counts no pods and spreads nothing; {own}")
    }
}

/// A single-zone cluster's zone, and the workloads (with the cause that
/// ties them to it) that exist only there.
type ClusterMembers<'a> = (Unit, Vec<(usize, &'a Cause)>);

pub(super) fn check(input: &Input<'_>, settings: &Settings, out: &mut Out<'_>) {
    // Cluster → (unit, entities that exist only there).
    let mut single_zone: BTreeMap<Option<usize>, ClusterMembers<'_>> = BTreeMap::new();
    let mut one_host: BTreeMap<Span, Vec<(usize, &Cause)>> = BTreeMap::new();
    for (e, causes) in input.analysis.causes.iter().enumerate() {
        let entity = &input.model.entities[e];
        for cause in causes {
            if !input.analysis.fails_on_its_own(e, &cause.unit) {
                continue;
            }
            if let Reason::ClusterZone { cluster } = cause.reason {
                // Tools are reported as such (SPOF023, SPOF024).
                let is_workload = entity.instances[cause.instance]
                    .workload
                    .is_some_and(|w| w != WorkloadKind::Batch)
                    && entity.role != Role::Tool;
                if is_workload && settings.runs(Rule::SingleZoneCluster) {
                    single_zone
                        .entry(cluster)
                        .or_insert_with(|| (cause.unit.clone(), Vec::new()))
                        .1
                        .push((e, cause));
                }
                continue;
            }
            // A tool's single points are reported as such (SPOF023, SPOF024).
            if entity.role == Role::Tool {
                continue;
            }
            // A compose project's services share its one host: one finding
            // per project.
            if let Reason::Pinned { via, .. } = cause.reason
                && via == crate::frontends::compose::ONE_HOST
            {
                if settings.runs(Rule::PinnedToSingleDomain) {
                    one_host.entry(cause.span).or_default().push((e, cause));
                }
                continue;
            }
            if !own_rule(input, e, cause).is_some_and(|rule| settings.runs(rule)) {
                continue;
            }
            if let Some(finding) = own_finding(input, e, cause) {
                out.push(finding.entity(&entity.id));
            }
        }
    }
    for (span, members) in one_host {
        let Some(&(first, cause)) = members.first() else {
            continue;
        };
        let project = input.model.entities[first]
            .namespace
            .clone()
            .unwrap_or_default();
        let count = members.len();
        let mut finding = Finding::new(
            Rule::PinnedToSingleDomain,
            span,
            format!(
                "compose project `{project}` runs {} on one host ({}): nothing here runs anywhere else",
                if count == 1 {
                    "its service".to_string()
                } else {
                    format!("its {count} services")
                },
                input.unit_text(&cause.unit)
            ),
        )
        .label("one host")
        .help("deploy the project to a swarm (or another orchestrator) with replicas on several nodes, or run a second copy on another host")
        .about([cause.unit.clone()]);
        for &(e, _) in &members {
            let entity = &input.model.entities[e];
            if let Some(i) = entity.instances.first() {
                finding = finding.related(
                    i.span,
                    format!("{} runs on that host", input.entity_label(e)),
                );
            }
        }
        out.push(finding);
    }
    for (cluster, (unit, members)) in single_zone {
        let site = input.context.site(cluster);
        let Some(span) = site.zones_span else {
            continue;
        };
        let mut finding = Finding::new(
            Rule::SingleZoneCluster,
            span,
            format!(
                "{} runs in one zone ({}): {} {} only there",
                input.cluster_name(cluster),
                input.unit_text(&unit),
                members.len(),
                if members.len() == 1 {
                    "workload exists"
                } else {
                    "workloads exist"
                },
            ),
        )
        .label("the only zone")
        .help("run the cluster's nodes in two or more zones, or deploy these workloads to a cluster in another zone as well")
        .about([unit.clone()]);
        for (e, cause) in members {
            let span = input.model.entities[e].instances[cause.instance].span;
            finding = finding.related(
                span,
                format!("{} exists only in this cluster", input.entity_label(e)),
            );
        }
        out.push(finding);
    }
}

/// The rule that reports a cause of an entity's own placement, if one does.
fn own_rule(input: &Input<'_>, e: usize, cause: &Cause) -> Option<Rule> {
    let rule = match &cause.reason {
        Reason::SingleReplica { .. } => Rule::SingleReplica,
        Reason::NoZoneSpread {
            best_effort: None, ..
        } => Rule::NoZoneSpread,
        Reason::NoZoneSpread {
            best_effort: Some(_),
            ..
        } => Rule::BestEffortZoneSpread,
        Reason::Pinned { .. } => Rule::PinnedToSingleDomain,
        Reason::ZonalVolume { .. } => Rule::PinnedByZonalVolume,
        Reason::Quorum { .. } => Rule::QuorumNotZoneTolerant,
        Reason::Cloud(i) => {
            let instance = &input.model.entities[e].instances[cause.instance];
            cloud_rule(instance.detail().cloud.get(*i)?.class)
        }
        Reason::ClusterZone { .. } | Reason::ClusterRegion { .. } | Reason::VolumeTopology => {
            return None;
        }
    };
    Some(rule)
}

fn cloud_rule(class: CloudClass) -> Rule {
    match class {
        CloudClass::Datastore => Rule::SingleZoneDatastore,
        CloudClass::Compute => Rule::SingleZoneCompute,
        CloudClass::Network => Rule::NetworkSinglePoint,
    }
}

fn own_finding(input: &Input<'_>, e: usize, cause: &Cause) -> Option<Finding> {
    let finding = own_finding_here(input, e, cause)?;
    let placement = &input.model.entities[e].instances[cause.instance].placement;
    Some(match (&cause.reason, &placement.spread_hint) {
        (
            Reason::NoZoneSpread {
                missed: None,
                best_effort,
                ..
            },
            Some(hint),
        ) if finding.span == cause.span => {
            let label = if best_effort.is_some() {
                "zone spread only preferred here"
            } else {
                "no zone spread here"
            };
            at_spread_hint(finding, hint, label, None)
        }
        (Reason::Quorum { replicas, .. }, Some(hint)) if finding.span == cause.span => {
            let count = format!("{replicas} members");
            at_spread_hint(finding, hint, "no required zone spread here", Some(count))
        }
        _ => finding,
    })
}

/// A finding about the zone spread of a custom resource, whose operator
/// spreads its pods by fields of its own: at the place those fields go (the
/// `spec`, the component a rack-awareness setting belongs to), with the
/// replica count related, and with how to spread, in the operator's words.
fn at_spread_hint(
    mut finding: Finding,
    hint: &SpreadHint,
    label: &'static str,
    count_label: Option<String>,
) -> Finding {
    let count_span = finding.span;
    let moved = finding
        .label
        .take()
        .map(|l| l.to_string())
        .unwrap_or_default();
    let count_label = count_label.unwrap_or(moved);
    finding.span = hint.span;
    finding.label = Some(label.into());
    finding.related.insert(
        0,
        crate::diagnostic::Related {
            span: count_span,
            message: count_label.into(),
        },
    );
    finding.help = Some(hint.help.clone().into());
    finding
}

fn own_finding_here(input: &Input<'_>, e: usize, cause: &Cause) -> Option<Finding> {
    let who = input.entity_label(e);
    let finding = match &cause.reason {
        Reason::SingleReplica { count, source } => {
            single_replica_finding(input, &who, cause, *count, *source)
        }
        Reason::NoZoneSpread {
            replicas,
            best_effort,
            missed,
        } => no_zone_spread_finding(input, e, &who, cause, *replicas, *best_effort, *missed),
        Reason::Pinned { level, via, origin } => {
            pinned_finding(&who, cause, *level, via, origin.as_ref())?
        }
        Reason::ZonalVolume {
            claim,
            access_mode,
            replicas,
            access_span,
            zone_span,
        } => {
            let zone = match &cause.unit {
                Unit::Domain(d) => format!("`{d}`"),
                _ => "the volume's zone".to_string(),
            };
            let finding = Finding::new(
                Rule::PinnedByZonalVolume,
                cause.span,
                format!("{who} mounts {access_mode} claim `{claim}` in each of its {replicas} replicas, which pins them all to {zone}"),
            )
            .label("one zonal volume for every replica")
            .related(*access_span, format!("{access_mode}: attachable in one zone only"))
            .help("give each replica its own volume (a StatefulSet with volumeClaimTemplates), or use storage replicated across zones");
            match zone_span {
                Some(span) => finding.related(*span, format!("the volume lives in {zone}")),
                None => finding,
            }
        }
        Reason::Quorum {
            replicas,
            needed,
            lost,
            why,
            source,
            assumed_zones,
        } => {
            let assumed = if *assumed_zones {
                " (assuming 2 zones: set `minDomains` to the zone count to prove more)"
            } else {
                ""
            };
            let finding = Finding::new(
                Rule::QuorumNotZoneTolerant,
                cause.span,
                format!(
                    "{who} loses quorum when one zone fails: a zone can hold {lost} of its {replicas} members and {needed} must stay up{assumed}"
                ),
            )
            .label(why.clone())
            .help("run an odd member count of at least 3 spread one per zone over 3 or more zones (required anti-affinity or maxSkew 1 with minDomains)");
            if *source == cause.span {
                finding
            } else {
                finding.related(*source, why.clone())
            }
        }
        Reason::Cloud(i) => {
            let fact = input.model.entities[e].instances[cause.instance]
                .detail()
                .cloud
                .get(*i)?;
            let mut finding =
                Finding::new(cloud_rule(fact.class), cause.span, fact.message.clone())
                    .label(fact.label.clone())
                    .help(fact.help.clone());
            finding.decided_at = fact.origin;
            for (span, text) in &fact.related {
                // The primary location says it already.
                if *span != cause.span {
                    finding = finding.related(*span, text.clone());
                }
            }
            finding
        }
        Reason::ClusterZone { .. } | Reason::ClusterRegion { .. } | Reason::VolumeTopology => {
            return None;
        }
    };
    Some(finding)
}

fn single_replica_finding(
    input: &Input<'_>,
    who: &str,
    cause: &Cause,
    count: u32,
    source: ReplicaSource,
) -> Finding {
    let (message, label) = match source {
        ReplicaSource::SinglePod => (
            format!("{who} is a bare pod: one replica, not rescheduled if its node fails"),
            "a single pod".to_string(),
        ),
        ReplicaSource::Defaulted => (
            format!("{who} runs a single replica"),
            "no `replicas`: defaults to 1".to_string(),
        ),
        ReplicaSource::Autoscaler => (
            format!(
                "{who} can scale down to {count} replica{}",
                if count == 1 { "" } else { "s" }
            ),
            format!("autoscaler minimum is {count}"),
        ),
        ReplicaSource::Explicit if count == 1 => (
            format!("{who} runs a single replica"),
            "1 replica".to_string(),
        ),
        ReplicaSource::Explicit => (
            format!(
                "{who} runs {count} replicas, fewer than the required {}",
                input.context.min_replicas
            ),
            format!("{count} replicas"),
        ),
    };
    Finding::new(Rule::SingleReplica, cause.span, message)
        .label(label)
        .help(format!(
            "run at least {} replicas and spread them across zones",
            input.context.min_replicas.max(2)
        ))
}

/// No zone spread, a best-effort one, or one written for other pods.
fn no_zone_spread_finding(
    input: &Input<'_>,
    e: usize,
    who: &str,
    cause: &Cause,
    replicas: u32,
    best_effort: Option<Span>,
    missed: Option<MissedSpread>,
) -> Finding {
    let pods = || {
        &input.model.entities[e].instances[cause.instance]
            .detail()
            .pod_labels
    };
    match (best_effort, missed) {
        (None, Some(missed)) => {
            // The zone spread is written, but for other pods: point at its
            // selector, which is what to fix.
            Finding::new(
                Rule::NoZoneSpread,
                missed.span,
                format!(
                    "{who} has {replicas} replicas but nothing keeps them out of a single zone"
                ),
            )
            .label(if missed.has_selector {
                "selects none of these pods"
            } else {
                "no labelSelector: counts no pods"
            })
            .related(cause.span, format!("{replicas} replicas, no zone spread"))
            .help(missed_help(&missed, pods()))
        }
        (None, None) => Finding::new(
            Rule::NoZoneSpread,
            cause.span,
            format!("{who} has {replicas} replicas but nothing keeps them out of a single zone"),
        )
        .label(format!("{replicas} replicas, no zone spread"))
        .help(spread_help(
            Rule::NoZoneSpread,
            input.model.entities[e].origin,
        )),
        (Some(spread), missed) => {
            let finding = Finding::new(
                Rule::BestEffortZoneSpread,
                cause.span,
                format!("{who} spreads its {replicas} replicas across zones only when convenient"),
            )
            .label(format!("{replicas} replicas, best-effort zone spread"))
            .related(
                spread,
                "best effort: the scheduler may still place every replica in one zone",
            );
            // A hard zone spread written for other pods is the one to fix.
            match missed.filter(|m| m.guarantee == Guarantee::Hard) {
                Some(m) => finding
                    .related(
                        m.span,
                        if m.has_selector {
                            "this hard zone spread selects none of these pods"
                        } else {
                            "this hard zone spread has no labelSelector: it counts no pods"
                        },
                    )
                    .help(missed_help(&m, pods())),
                None => finding.help(spread_help(
                    Rule::BestEffortZoneSpread,
                    input.model.entities[e].origin,
                )),
            }
        }
    }
}

/// Pinned to one domain; none when the cause is not about one domain.
fn pinned_finding(
    who: &str,
    cause: &Cause,
    level: Level,
    via: &str,
    origin: Option<&(Span, String)>,
) -> Option<Finding> {
    let Unit::Domain(domain) = &cause.unit else {
        return None;
    };
    let help = match level {
        _ if via == crate::frontends::kubernetes::CLAIM_TEMPLATE_CLASS => {
            "use a StorageClass that provisions volumes in every zone the pods may run in \
             (no single-zone `allowedTopologies` or `zone` parameter), and spread the \
             replicas across zones"
        }
        Level::Host => "remove the hostname constraint; let replicas run on any node",
        Level::Zone => "allow two or more zones, and spread the replicas across them",
        Level::Region => "run a copy in a second region, or make this a documented, accepted risk",
    };
    let finding = Finding::new(
        Rule::PinnedToSingleDomain,
        cause.span,
        format!(
            "{who} is pinned to one {} (`{domain}`) by its {via}",
            level.as_str()
        ),
    )
    .label(format!("only `{domain}`"))
    .help(help);
    Some(match origin {
        Some((span, text)) => finding.related(*span, text.clone()),
        None => finding,
    })
}
