//! A custom resource the operator knowledge base knows, as the workload its
//! operator runs: replicas, zone spread, quorum, pod labels and the
//! Services it creates, each at the line of the resource that decides it.

use super::{Aggregate, OperatorKind, OperatorRole, Path, Required, Scales};
use crate::frontends::hosts::SoftVariables;
use crate::frontends::kubernetes::{
    Index, Object, TopologyKeys, autoscaler, base_instance, budgets, images, pod_dependencies,
    pod_placement, quorum, string_map, volume_pin,
};
use crate::frontends::tools::{self, Tool};
use crate::model::{
    Detail, Guarantee, Instance, Placement, Quorum, ReplicaSource, Replicas, Role, Spread,
    SpreadHint, WorkloadKind,
};
use crate::parse::Node;
use crate::source::{Span, TextRange};

/// What a known custom resource becomes: its entity's role and
/// declaration, the tool its images name, and the names of the Services its
/// operator creates for it.
pub(in crate::frontends::kubernetes) struct Operated {
    pub role: Role,
    pub instance: Instance,
    pub tool: Option<&'static Tool>,
    pub services: Vec<String>,
}

/// The entity of a custom resource of `entry`'s kind; `None` for an
/// autoscaler, which only changes its target.
pub(in crate::frontends::kubernetes) fn operator_entities(
    o: &Object<'_>,
    entry: &OperatorKind,
    index: &Index<'_, '_>,
    keys: &TopologyKeys,
    soft: &SoftVariables,
) -> Option<Operated> {
    if entry.role == OperatorRole::Autoscaler {
        return None;
    }
    let mut instance = base_instance(o);
    instance.workload = Some(WorkloadKind::LongRunning);
    let template = entry.template.as_ref().and_then(|p| first(p, o.node));
    let pod = template.and_then(|t| t.get("spec"));
    let mut pod_labels = string_map(template.and_then(|t| t.path(&["metadata", "labels"])));
    pod_labels.extend(
        entry
            .pod_labels
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("{name}", o.name))),
    );
    let parent = entry.parent.as_ref().and_then(|p| {
        let name = o
            .node
            .path(&["metadata", "labels"])?
            .get(&p.label)?
            .as_text()?;
        index.get(&p.kind, o, name)
    });
    instance.placement = placement(o, parent, entry, pod, &pod_labels, keys);
    let mut pod_budgets = Vec::new();
    if let Some(pod) = pod {
        let mut dependencies = instance.dependencies.take();
        pod_dependencies(o, pod, index, soft, &mut dependencies);
        instance.dependencies = dependencies.into();
        if let Some(volume) = volume_pin(o, pod, index, keys) {
            instance.placement.volume = Some(Box::new(volume));
        }
        pod_budgets = budgets(o, index);
    }
    instance.placement.replicas = autoscaler(o, index).or_else(|| replica_count(o, entry));
    let images = pod.map(images).unwrap_or_default();
    let quorum = quorum(o, pod, &images).or_else(|| {
        entry.quorum.then(|| Quorum {
            needed: 0,
            reason: format!("{} needs a majority of its members", entry.product),
            span: o.name_span,
        })
    });
    if let Some(quorum) = quorum {
        instance.placement.quorum = Some(Box::new(quorum));
    }
    let own_labels = string_map(o.node.path(&["metadata", "labels"]));
    let tool = tools::of_kind(o.api_group(), o.kind).or_else(|| {
        tools::detect(
            images.iter().copied(),
            own_labels
                .iter()
                .chain(&pod_labels)
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    });
    instance.detail = Detail {
        budgets: pod_budgets,
        pod_labels,
        ..Detail::default()
    }
    .boxed();
    let role = match entry.role {
        OperatorRole::Workload if tool.is_some() => Role::Tool,
        OperatorRole::Workload if images.iter().any(|i| crate::model::is_datastore_image(i)) => {
            Role::Datastore
        }
        OperatorRole::Workload => Role::Service,
        _ => Role::Datastore,
    };
    let services = entry
        .services
        .iter()
        .map(|s| s.replace("{name}", o.name))
        .collect();
    Some(Operated {
        role,
        instance,
        tool,
        services,
    })
}

/// The labels of the pod template of a kind that has one.
pub(in crate::frontends::kubernetes) fn template_labels(
    o: &Object<'_>,
    entry: &OperatorKind,
) -> std::collections::BTreeMap<String, String> {
    let template = entry.template.as_ref().and_then(|p| first(p, o.node));
    string_map(template.and_then(|t| t.path(&["metadata", "labels"])))
}

/// The first node `path` reaches in `node`.
fn first<'n>(path: &Path, node: &'n Node) -> Option<&'n Node> {
    path.nodes(node).into_iter().next()
}

/// The span from a key to the end of its value.
fn entry_span(o: &Object<'_>, key: &Node, value: &Node) -> Span {
    Span::new(
        o.file,
        TextRange::new(key.range.start as usize, value.range.end as usize),
    )
}

/// Where a resource is to be changed when no field of its own says it: its
/// `spec` key, else its `kind` line.
fn spec_span(o: &Object<'_>) -> Span {
    match (o.node.entry("spec"), o.node.entry("kind")) {
        (Some((k, _)), _) => o.span(k),
        (None, Some((k, v))) => entry_span(o, k, v),
        (None, None) => o.name_span,
    }
}

/// The pins and spreads of the resource's pods: those of its pod template
/// and pod-spec-shaped mappings (the first item of a list), and the
/// anti-affinity its operator writes from a topology key.
fn placement(
    o: &Object<'_>,
    parent: Option<&Object<'_>>,
    entry: &OperatorKind,
    pod: Option<&Node>,
    own_labels: &std::collections::BTreeMap<String, String>,
    keys: &TopologyKeys,
) -> Placement {
    let mut placement = Placement::default();
    let shaped = pod
        .into_iter()
        .chain(entry.pod_specs.iter().filter_map(|p| first(p, o.node)));
    for node in shaped {
        let mut found = pod_placement(o, node, own_labels, keys);
        placement.pins.append(&mut found.pins);
        if let Some(rest) = found.spreading_mut() {
            placement.spreads.append(&mut rest.spreads);
            if placement.missed_spread.is_none() {
                placement.missed_spread = rest.missed_spread;
            }
        }
    }
    for anti in &entry.anti_affinity {
        let from = match (anti.from_parent, parent) {
            (false, _) => o,
            (true, Some(parent)) => parent,
            (true, None) => continue,
        };
        if anti.enabled.as_ref().is_some_and(|c| !c.holds(from.node)) {
            continue;
        }
        let reached = anti.key.entries(from.node);
        let written = reached.iter().find_map(|r| Some((r.key?, r.value?)));
        let (key, span) = match written {
            Some((k, v)) => (v.as_text().map(str::to_string), entry_span(from, k, v)),
            None => (anti.default.clone(), spec_span(o)),
        };
        let Some(level) = key.as_deref().and_then(|k| keys.level(k)) else {
            continue;
        };
        let guarantee = match &anti.required {
            Required::Always => Guarantee::Hard,
            Required::When(c) if c.holds(from.node) => Guarantee::Hard,
            Required::When(_) | Required::Never => Guarantee::BestEffort,
        };
        placement.spreads.push(Spread {
            level,
            guarantee,
            max_skew: None,
            one_per_domain: true,
            min_domains: None,
            span,
        });
    }
    let at = entry
        .spread_at
        .iter()
        .find_map(|p| p.entries(o.node).into_iter().find_map(|r| r.key))
        .map_or_else(|| spec_span(o), |k| o.span(k));
    placement.spread_hint = entry.spread_help.as_ref().map(|help| {
        Box::new(SpreadHint {
            span: at,
            help: help.clone(),
        })
    });
    placement.compact();
    placement
}

/// A count as an operator reads it: a whole number, or a string holding
/// one (an annotation).
fn count_of(node: &Node) -> Option<u32> {
    let n = node
        .as_i64()
        .or_else(|| node.as_text().and_then(|t| t.trim().parse::<i64>().ok()))?;
    u32::try_from(n).ok()
}

/// The replica count: the first of the entry's paths that is set (a path
/// through a list sums, or takes the least of, its items' counts, each
/// item without one counting the default); else the default, at the
/// `spec`.
fn replica_count(o: &Object<'_>, entry: &OperatorKind) -> Option<Replicas> {
    for path in &entry.replicas {
        let reached = path.entries(o.node);
        if reached.iter().all(|r| r.value.is_none()) {
            continue;
        }
        let mut counts: Vec<(u32, Option<Span>)> = Vec::new();
        for r in &reached {
            match (r.key, r.value) {
                (Some(k), Some(v)) => counts.push((count_of(v)?, Some(entry_span(o, k, v)))),
                _ => counts.push((entry.default_replicas?, None)),
            }
        }
        let (count, span) = match entry.aggregate {
            Aggregate::Sum => (
                counts
                    .iter()
                    .fold(0u32, |sum, (n, _)| sum.saturating_add(*n)),
                counts.iter().find_map(|(_, s)| *s),
            ),
            Aggregate::Min => counts
                .iter()
                .min_by_key(|(n, _)| *n)
                .map(|&(n, s)| (n, s))?,
        };
        return Some(Replicas {
            count,
            span: span.unwrap_or_else(|| spec_span(o)),
            source: if span.is_some() {
                ReplicaSource::Explicit
            } else {
                ReplicaSource::Defaulted
            },
        });
    }
    Some(Replicas {
        count: entry.default_replicas?,
        span: spec_span(o),
        source: ReplicaSource::Defaulted,
    })
}

/// The kind and name of what an autoscaler of `scales` scales.
pub(in crate::frontends::kubernetes) fn scaler_target<'o, 'a: 'o>(
    o: &Object<'a>,
    scales: &'o Scales,
) -> Option<(&'o str, &'a str)> {
    let target = first(&scales.target, o.node)?;
    let name = target.get("name").and_then(Node::as_text)?;
    let kind = target
        .get("kind")
        .and_then(Node::as_text)
        .unwrap_or(&scales.default_kind);
    Some((kind, name))
}

/// The replicas an autoscaler of `scales` keeps at least, at the field
/// that says it, else its default at the target reference.
pub(in crate::frontends::kubernetes) fn scaler_minimum(
    scaler: &Object<'_>,
    scales: &Scales,
) -> Replicas {
    for path in &scales.minimum {
        for r in path.entries(scaler.node) {
            if let (Some(k), Some(v)) = (r.key, r.value) {
                return Replicas {
                    count: count_of(v).unwrap_or(scales.default_minimum),
                    span: entry_span(scaler, k, v),
                    source: ReplicaSource::Autoscaler,
                };
            }
        }
    }
    let at = scales
        .target
        .entries(scaler.node)
        .into_iter()
        .find_map(|r| r.key)
        .map_or(scaler.name_span, |k| scaler.span(k));
    Replicas {
        count: scales.default_minimum,
        span: at,
        source: ReplicaSource::Autoscaler,
    }
}
