//! Graph stage: resolves every [`Reference`] to an entity and builds one
//! petgraph over all inputs, with failure domains as nodes too.

use crate::model::{
    Combine, Dependency, Domain, K8S_ID_PREFIX, Model, Reference, Role, Strength,
    TERRAFORM_ID_PREFIX, WorkloadKind,
};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphNode {
    Entity(usize),
    Domain(Domain),
}

/// A resolved dependency: `entity`'s declaration `instance` depends, through
/// its dependency number `dependency`, on `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DepEdge {
    pub instance: usize,
    pub dependency: usize,
    pub target: usize,
    pub strength: Strength,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphEdge {
    DependsOn(DepEdge),
    /// The entity is hard-pinned to, or its cluster lives in, the domain.
    PlacedIn,
}

/// A dependency that names nothing in the scanned files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unresolved {
    pub entity: usize,
    pub instance: usize,
    pub dependency: usize,
}

pub struct Graph {
    pub graph: DiGraph<GraphNode, GraphEdge>,
    /// Graph node of each entity, by entity index.
    pub entity_nodes: Vec<NodeIndex>,
    /// Resolved dependencies of each entity, in declaration order.
    pub dependencies: Vec<Vec<DepEdge>>,
    /// What each tool manages: its `manages` entries, resolved.
    pub manages: Vec<Vec<ManageEdge>>,
    pub unresolved: Vec<Unresolved>,
    /// `manages` entries that name nothing.
    pub unresolved_manages: Vec<Unresolved>,
}

/// A resolved `manages` entry: `entity`'s declaration `instance` manages,
/// through its entry number `entry`, `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ManageEdge {
    pub instance: usize,
    pub entry: usize,
    pub target: usize,
}

/// Label of the dependency a tool gets on a tool that manages it.
pub const GUARDED_BY: &str = "managed by";

/// Kinds of tools that guard access to the tools they manage.
pub const GUARD_KINDS: &[&str] = &["sso", "access"];

/// A tool that guards access to another tool (engineer sign-in or a bastion
/// in front of a deploy console) is needed to use it: the managed tool
/// depends on it. Monitoring that watches a tool is not needed to use it.
/// Adds those dependencies to the model, before the graph is built.
pub fn link_tools(model: &mut Model) {
    let resolver = Resolver::new(model);
    let mut added: Vec<(usize, Dependency)> = Vec::new();
    for (e, entity) in model.entities.iter().enumerate() {
        let guards = entity
            .tool_kind
            .as_deref()
            .is_some_and(|k| GUARD_KINDS.contains(&k));
        if entity.role != Role::Tool || !guards {
            continue;
        }
        for instance in &entity.instances {
            for entry in &instance.manages {
                for target in resolver.resolve(&entry.target) {
                    if target != e && model.entities[target].role == Role::Tool {
                        added.push((
                            target,
                            Dependency {
                                target: Reference::Id(entity.id.clone()),
                                strength: Strength::Hard,
                                span: entry.span,
                                via: format!("{GUARDED_BY} `{}`", entity.label()),
                                explicit: false,
                                origin: None,
                            },
                        ));
                    }
                }
            }
        }
    }
    added.sort_by_key(|a| (a.0, a.1.span));
    added.dedup();
    for (target, dependency) in added {
        for instance in &mut model.entities[target].instances {
            instance.dependencies.push(dependency.clone());
        }
    }
}

impl Graph {
    /// Strongly connected components of the hard dependencies, as entity
    /// indices (sorted), dependencies before dependents.
    pub fn hard_components(&self) -> Vec<Vec<usize>> {
        let hard = petgraph::visit::EdgeFiltered::from_fn(
            &self.graph,
            |edge| matches!(edge.weight(), GraphEdge::DependsOn(d) if d.strength == Strength::Hard),
        );
        let node_entity: HashMap<NodeIndex, usize> = self
            .entity_nodes
            .iter()
            .enumerate()
            .map(|(e, &n)| (n, e))
            .collect();
        petgraph::algo::tarjan_scc(&hard)
            .into_iter()
            .map(|scc| {
                let mut members: Vec<usize> = scc
                    .iter()
                    .filter_map(|n| node_entity.get(n).copied())
                    .collect();
                members.sort_unstable();
                members
            })
            .filter(|m| !m.is_empty())
            .collect()
    }

    pub fn build(model: &Model, domains_of: impl Fn(usize) -> Vec<Domain>) -> Self {
        let resolver = Resolver::new(model);
        let mut graph = DiGraph::new();
        let entity_nodes: Vec<NodeIndex> = (0..model.entities.len())
            .map(|i| graph.add_node(GraphNode::Entity(i)))
            .collect();
        let mut dependencies = vec![Vec::new(); model.entities.len()];
        let mut unresolved = Vec::new();
        for (e, entity) in model.entities.iter().enumerate() {
            for (i, instance) in entity.instances.iter().enumerate() {
                for (d, dep) in instance.dependencies.iter().enumerate() {
                    let targets = resolver.resolve(&dep.target);
                    if targets.is_empty() {
                        unresolved.push(Unresolved {
                            entity: e,
                            instance: i,
                            dependency: d,
                        });
                    }
                    dependencies[e].extend(targets.into_iter().filter(|&t| t != e).map(|target| {
                        DepEdge {
                            instance: i,
                            dependency: d,
                            target,
                            strength: dep.strength,
                        }
                    }));
                }
            }
        }
        // A workload naming the Service that fronts it (its own advertised
        // address) does not depend on itself.
        let selects = |service: usize, workload: usize| {
            model.entities[service]
                .instances
                .iter()
                .all(|i| i.combine == Combine::Any)
                && dependencies[service].iter().any(|d| d.target == workload)
        };
        let pruned: Vec<Vec<DepEdge>> = (0..dependencies.len())
            .map(|e| {
                dependencies[e]
                    .iter()
                    .copied()
                    .filter(|d| !selects(d.target, e))
                    .collect()
            })
            .collect();
        let dependencies = pruned;
        let mut manages = vec![Vec::new(); model.entities.len()];
        let mut unresolved_manages = Vec::new();
        for (e, entity) in model.entities.iter().enumerate() {
            for (i, instance) in entity.instances.iter().enumerate() {
                for (m, entry) in instance.manages.iter().enumerate() {
                    let targets = resolver.resolve(&entry.target);
                    if targets.is_empty() {
                        unresolved_manages.push(Unresolved {
                            entity: e,
                            instance: i,
                            dependency: m,
                        });
                    }
                    manages[e].extend(targets.into_iter().filter(|&t| t != e).map(|target| {
                        ManageEdge {
                            instance: i,
                            entry: m,
                            target,
                        }
                    }));
                }
            }
            // One edge per managed entity: the first entry that names it.
            manages[e].sort_unstable_by_key(|m| (m.target, m.instance, m.entry));
            manages[e].dedup_by_key(|m| m.target);
        }
        for (e, edges) in dependencies.iter().enumerate() {
            for edge in edges {
                graph.add_edge(
                    entity_nodes[e],
                    entity_nodes[edge.target],
                    GraphEdge::DependsOn(*edge),
                );
            }
        }
        let mut domain_nodes: BTreeMap<Domain, NodeIndex> = BTreeMap::new();
        for (e, &node) in entity_nodes.iter().enumerate() {
            for domain in domains_of(e) {
                let d = *domain_nodes
                    .entry(domain.clone())
                    .or_insert_with(|| graph.add_node(GraphNode::Domain(domain)));
                graph.add_edge(node, d, GraphEdge::PlacedIn);
            }
        }
        Self {
            graph,
            entity_nodes,
            dependencies,
            manages,
            unresolved,
            unresolved_manages,
        }
    }
}

const WORKLOAD_LOOKUP_ORDER: &[&str] = &[
    "Service",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
];

struct Resolver<'m> {
    model: &'m Model,
    by_id: HashMap<&'m str, usize>,
    /// Workloads by namespace, for selectors.
    workloads: HashMap<&'m str, Vec<usize>>,
    /// Terraform resources by address: root module and entity.
    terraform: HashMap<&'m str, Vec<(&'m str, usize)>>,
    /// Terraform resource instances by address without instance key.
    terraform_keyed: HashMap<&'m str, Vec<(&'m str, usize)>>,
}

impl<'m> Resolver<'m> {
    fn new(model: &'m Model) -> Self {
        let mut workloads: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, e) in model.entities.iter().enumerate() {
            let long_running = e.instances.iter().any(|inst| {
                matches!(
                    inst.workload,
                    Some(WorkloadKind::LongRunning | WorkloadKind::PerNode)
                )
            });
            if let (true, Some(ns)) = (long_running, e.namespace.as_deref()) {
                workloads.entry(ns).or_default().push(i);
            }
        }
        let mut terraform: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
        let mut terraform_keyed: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
        for (i, e) in model.entities.iter().enumerate() {
            if !e.id.starts_with(TERRAFORM_ID_PREFIX) {
                continue;
            }
            let root = e.namespace.as_deref().unwrap_or(".");
            terraform.entry(&e.name).or_default().push((root, i));
            if let Some(base) = crate::terraform::without_key(&e.name) {
                terraform_keyed.entry(base).or_default().push((root, i));
            }
        }
        Self {
            model,
            terraform,
            terraform_keyed,
            by_id: model
                .entities
                .iter()
                .enumerate()
                .map(|(i, e)| (e.id.as_str(), i))
                .collect(),
            workloads,
        }
    }

    fn resolve(&self, reference: &Reference) -> Vec<usize> {
        match reference {
            Reference::Id(id) => self.by_id.get(id.as_str()).copied().into_iter().collect(),
            Reference::Namespace(namespace) => self
                .model
                .entities
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    e.id.starts_with(K8S_ID_PREFIX) && e.namespace.as_deref() == Some(namespace)
                })
                .map(|(i, _)| i)
                .collect(),
            Reference::Pattern(pattern) => match globset::Glob::new(pattern) {
                Ok(glob) => {
                    let matcher = glob.compile_matcher();
                    self.model
                        .entities
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| matcher.is_match(&e.id))
                        .map(|(i, _)| i)
                        .collect()
                }
                Err(_) => Vec::new(),
            },
            Reference::Terraform { root, address } => {
                // The instance itself, else every instance:
                // `aws_instance.web[0]`, `aws_instance.web["a"]`.
                let in_root =
                    |(r, _): &&(&str, usize)| root.as_deref().is_none_or(|want| want == *r);
                let pick = |found: Option<&Vec<(&str, usize)>>| -> Vec<usize> {
                    found
                        .map(|v| v.iter().filter(in_root).map(|&(_, e)| e).collect())
                        .unwrap_or_default()
                };
                let exact = pick(self.terraform.get(address.as_str()));
                if exact.is_empty() {
                    pick(self.terraform_keyed.get(address.as_str()))
                } else {
                    exact
                }
            }
            Reference::K8s {
                kind,
                namespace,
                name,
            } => self
                .by_id
                .get(format!("k8s:{kind}/{namespace}/{name}").as_str())
                .copied()
                .into_iter()
                .collect(),
            Reference::K8sName { namespace, name } => WORKLOAD_LOOKUP_ORDER
                .iter()
                .find_map(|kind| {
                    self.by_id
                        .get(format!("k8s:{kind}/{namespace}/{name}").as_str())
                        .copied()
                })
                .into_iter()
                .collect(),
            Reference::K8sLabel { key, value } => self
                .model
                .entities
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    e.id.starts_with(K8S_ID_PREFIX)
                        && e.instances
                            .iter()
                            .any(|i| i.pod_labels.get(key) == Some(value))
                })
                .map(|(i, _)| i)
                .collect(),
            Reference::PodSelector { namespace, labels } => self
                .workloads
                .get(namespace.as_str())
                .map(|candidates| {
                    candidates
                        .iter()
                        .copied()
                        .filter(|&w| {
                            let entity = &self.model.entities[w];
                            entity.instances.iter().any(|inst| {
                                labels.iter().all(|(k, v)| {
                                    inst.pod_labels.get(k) == Some(v)
                                        || controller_label_matches(
                                            &entity.kind,
                                            &entity.name,
                                            k,
                                            v,
                                        )
                                })
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Labels that controllers put on the pods they create, which no pod
/// template carries: `statefulset.kubernetes.io/pod-name: db-0` selects pod 0
/// of StatefulSet `db`; a pod index or a revision hash selects some pods of
/// the workload. Any other label must be in the template.
fn controller_label_matches(kind: &str, name: &str, key: &str, value: &str) -> bool {
    match key {
        "statefulset.kubernetes.io/pod-name" => {
            kind == "StatefulSet"
                && value.rsplit_once('-').is_some_and(|(set, ordinal)| {
                    set == name && ordinal.bytes().all(|b| b.is_ascii_digit())
                })
        }
        "apps.kubernetes.io/pod-index" => kind == "StatefulSet",
        "controller-revision-hash" => matches!(kind, "StatefulSet" | "DaemonSet"),
        "pod-template-hash" => kind == "Deployment",
        _ => false,
    }
}
