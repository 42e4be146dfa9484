//! The estate's dependency graph as text: Graphviz DOT, Mermaid and JSON.
//! Entities are clustered by failure domain and the ones some single
//! failure takes down (SPOFs) are highlighted. Pure functions of the
//! estate and a [`View`] (the part of the graph to draw), for `spof graph`
//! and for anything else that embeds the graph.

use crate::analysis::Unit;
use crate::estate::Estate;
use crate::graph::GraphNode;
use crate::model::{Domain, Level, Role, Strength};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

/// Version of the JSON document.
pub const JSON_VERSION: u32 = 2;

/// Longest edge label drawn, in characters; longer ones end with `…`.
const MAX_LABEL: usize = 40;

/// The part of the estate to draw: every entity, or the ones connected to
/// the focus entities, within `depth` hops of one of them when given. Hops
/// follow dependencies and `manages` entries both ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The focus entities, sorted; empty when everything is drawn.
    pub focus: Vec<usize>,
    pub depth: Option<usize>,
    included: Vec<bool>,
}

impl View {
    /// `depth` without `focus` keeps everything.
    pub fn new(estate: &Estate, focus: &[usize], depth: Option<usize>) -> Self {
        let n = estate.model.entities.len();
        let mut starts: Vec<usize> = focus.iter().copied().filter(|&f| f < n).collect();
        starts.sort_unstable();
        starts.dedup();
        if starts.is_empty() {
            return Self {
                focus: Vec::new(),
                depth,
                included: vec![true; n],
            };
        }
        let graph = &estate.graph;
        // Who names each target set, which sets hold each entity, and what
        // manages each: the neighbours of an entity, both ways, without
        // materialising entries × targets.
        let mut namers: Vec<Vec<usize>> = vec![Vec::new(); graph.sets.len()];
        for (e, entries) in graph.resolved.iter().enumerate() {
            for entry in entries {
                if let Some(list) = namers.get_mut(entry.set as usize) {
                    list.push(e);
                }
            }
        }
        let mut member_of: Vec<Vec<usize>> = vec![Vec::new(); n];
        for set in 0..graph.sets.len() {
            for &t in graph.sets.get(set) {
                member_of[t].push(set);
            }
        }
        let mut managed_by: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (e, edges) in graph.manages.iter().enumerate() {
            for m in edges {
                managed_by[m.target].push(e);
            }
        }
        // Breadth first, so the first time a set is reached from either
        // side, everything on its other side gets its shortest distance:
        // each set is crossed once each way.
        let mut members_seen = vec![false; graph.sets.len()];
        let mut namers_seen = vec![false; graph.sets.len()];
        let mut distance: Vec<Option<usize>> = vec![None; n];
        for &start in &starts {
            distance[start] = Some(0);
        }
        let mut queue = VecDeque::from(starts.clone());
        while let Some(e) = queue.pop_front() {
            let d = distance[e].unwrap_or(0);
            if depth.is_some_and(|max| d >= max) {
                continue;
            }
            let mut reach = |t: usize| {
                if distance[t].is_none() {
                    distance[t] = Some(d + 1);
                    queue.push_back(t);
                }
            };
            for entry in graph.resolved.get(e).into_iter().flatten() {
                if !std::mem::replace(&mut members_seen[entry.set as usize], true) {
                    graph
                        .sets
                        .get(entry.set as usize)
                        .iter()
                        .for_each(|&t| reach(t));
                }
            }
            for &set in &member_of[e] {
                if !std::mem::replace(&mut namers_seen[set], true) {
                    namers[set].iter().for_each(|&t| reach(t));
                }
            }
            graph.manages[e].iter().for_each(|m| reach(m.target));
            managed_by[e].iter().for_each(|&t| reach(t));
        }
        Self {
            focus: starts,
            depth,
            included: distance.iter().map(Option::is_some).collect(),
        }
    }

    pub fn contains(&self, entity: usize) -> bool {
        self.included.get(entity).copied().unwrap_or(false)
    }

    /// The entities drawn, by index.
    pub fn entities(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.included.len()).filter(|&e| self.included[e])
    }
}

/// The entities `text` names, in id order: the one with that id, else
/// every one with that name (or that id without its place): a Service and
/// the StatefulSet it selects often share one. `Err` is the message to
/// print.
pub fn lookup(estate: &Estate, text: &str) -> Result<Vec<usize>, String> {
    let entities = &estate.model.entities;
    if let Some(e) = entities.iter().position(|e| e.id == text) {
        return Ok(vec![e]);
    }
    let mut named: Vec<usize> = (0..entities.len())
        .filter(|&e| entities[e].name == text || entities[e].base_id() == text)
        .collect();
    named.sort_by(|&a, &b| entities[a].id.cmp(&entities[b].id));
    if named.is_empty() {
        let candidates = entities
            .iter()
            .flat_map(|e| [e.id.as_str(), e.name.as_str()]);
        let hint = crate::config::did_you_mean(text, candidates)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(format!("no entity `{text}` in the estate{hint}"));
    }
    Ok(named)
}

/// A dependency arrow: every dependency of `from` on `to` of one strength.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DepLine {
    from: usize,
    to: usize,
    strength: Strength,
    /// Distinct `via` texts, sorted.
    vias: Vec<String>,
}

/// What the three formats draw, decided once.
struct Layout {
    /// Entities drawn, in id order; their position is their node number.
    entities: Vec<usize>,
    /// Domains of each entity (by index), sorted.
    domains: BTreeMap<usize, Vec<Domain>>,
    /// Domains drawn, sorted; their position is their cluster number.
    clusters: Vec<Domain>,
    /// The domain a drawn domain is drawn inside.
    parent: BTreeMap<Domain, Domain>,
    /// The cluster an entity is drawn inside.
    home: BTreeMap<usize, Domain>,
    /// Dashed "placed in" arrows from entities outside clusters (or to
    /// domains their cluster is not inside).
    placed: Vec<(usize, Domain)>,
    deps: Vec<DepLine>,
    manages: Vec<(usize, usize)>,
    /// Node number of each drawn entity.
    position: BTreeMap<usize, usize>,
}

impl Layout {
    fn new(estate: &Estate, view: &View) -> Self {
        let model = &estate.model;
        let mut entities: Vec<usize> = view.entities().collect();
        entities.sort_by(|&a, &b| model.entities[a].id.cmp(&model.entities[b].id));
        let all_domains: Vec<Vec<Domain>> = (0..model.entities.len())
            .map(|e| domains_of(estate, e))
            .collect();
        let parent_all = nesting(&all_domains);
        let domains: BTreeMap<usize, Vec<Domain>> = entities
            .iter()
            .map(|&e| (e, all_domains[e].clone()))
            .collect();
        let mut shown: BTreeSet<Domain> = BTreeSet::new();
        for ds in domains.values() {
            for d in ds {
                let mut current = Some(d);
                while let Some(d) = current {
                    shown.insert(d.clone());
                    current = parent_all.get(d);
                }
            }
        }
        let parent: BTreeMap<Domain, Domain> = parent_all
            .into_iter()
            .filter(|(d, _)| shown.contains(d))
            .collect();
        let is_ancestor = |a: &Domain, of: &Domain| {
            let mut current = parent.get(of);
            while let Some(p) = current {
                if p == a {
                    return true;
                }
                current = parent.get(p);
            }
            false
        };
        let mut home = BTreeMap::new();
        let mut placed = Vec::new();
        for (&e, ds) in &domains {
            // A domain holding another of the entity's domains shows as the
            // cluster around it.
            let own: Vec<&Domain> = ds
                .iter()
                .filter(|d| !ds.iter().any(|other| is_ancestor(d, other)))
                .collect();
            let lowest = own.iter().map(|d| d.level).max();
            let at_lowest: Vec<&&Domain> = own.iter().filter(|d| Some(d.level) == lowest).collect();
            let inside = match at_lowest[..] {
                [d] => Some((*d).clone()),
                _ => None,
            };
            for d in own {
                if Some(d) != inside.as_ref() {
                    placed.push((e, d.clone()));
                }
            }
            if let Some(d) = inside {
                home.insert(e, d);
            }
        }
        let mut deps: BTreeMap<(usize, usize, Strength), BTreeSet<String>> = BTreeMap::new();
        let mut manages = BTreeSet::new();
        for &e in &entities {
            for edge in estate.graph.dependencies(e) {
                if !view.contains(edge.target) {
                    continue;
                }
                let via = model.entities[e]
                    .instances
                    .get(edge.instance)
                    .and_then(|i| i.dependencies.get(edge.dependency))
                    .map(|d| d.via.to_string())
                    .unwrap_or_default();
                let vias = deps.entry((e, edge.target, edge.strength)).or_default();
                if !via.is_empty() {
                    vias.insert(via);
                }
            }
            for edge in &estate.graph.manages[e] {
                if view.contains(edge.target) {
                    manages.insert((e, edge.target));
                }
            }
        }
        let position: BTreeMap<usize, usize> =
            entities.iter().enumerate().map(|(i, &e)| (e, i)).collect();
        let mut deps: Vec<DepLine> = deps
            .into_iter()
            .map(|((from, to, strength), vias)| DepLine {
                from,
                to,
                strength,
                vias: vias.into_iter().collect(),
            })
            .collect();
        deps.sort_by_key(|d| (position[&d.from], position[&d.to], d.strength));
        let mut manages: Vec<(usize, usize)> = manages.into_iter().collect();
        manages.sort_by_key(|(from, to)| (position[from], position[to]));
        placed.sort_by(|a, b| (position[&a.0], &a.1).cmp(&(position[&b.0], &b.1)));
        Self {
            entities,
            domains,
            clusters: shown.into_iter().collect(),
            parent,
            home,
            placed,
            deps,
            manages,
            position,
        }
    }

    fn node(&self, entity: usize) -> usize {
        self.position.get(&entity).copied().unwrap_or_default()
    }

    fn cluster(&self, domain: &Domain) -> usize {
        self.clusters.binary_search(domain).unwrap_or_default()
    }

    /// Domains drawn directly inside `parent` (at the top with `None`).
    fn children(&self, parent: Option<&Domain>) -> Vec<&Domain> {
        self.clusters
            .iter()
            .filter(|d| self.parent.get(*d) == parent)
            .collect()
    }

    /// Entities drawn directly inside `domain` (outside clusters with
    /// `None`), in node order.
    fn members(&self, domain: Option<&Domain>) -> Vec<usize> {
        self.entities
            .iter()
            .copied()
            .filter(|e| self.home.get(e) == domain)
            .collect()
    }
}

/// The failure domains the graph places `entity` in, sorted.
fn domains_of(estate: &Estate, entity: usize) -> Vec<Domain> {
    let graph = &estate.graph.graph;
    let Some(&node) = estate.graph.entity_nodes.get(entity) else {
        return Vec::new();
    };
    let mut out: Vec<Domain> = graph
        .neighbors(node)
        .filter_map(|n| match &graph[n] {
            GraphNode::Domain(d) => Some(d.clone()),
            GraphNode::Entity(_) | GraphNode::Targets(_) => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The level a domain of `level` can be drawn inside.
fn outer(level: Level) -> Option<Level> {
    match level {
        Level::Region => None,
        Level::Zone => Some(Level::Region),
        Level::Host => Some(Level::Zone),
    }
}

/// A domain nests in another of the level above when every entity placed
/// in it is placed in exactly one domain of that level, the same one.
fn nesting(domains: &[Vec<Domain>]) -> BTreeMap<Domain, Domain> {
    let mut candidates: BTreeMap<Domain, Option<Domain>> = BTreeMap::new();
    for ds in domains {
        for d in ds {
            let Some(level) = outer(d.level) else {
                continue;
            };
            let above: Vec<&Domain> = ds.iter().filter(|o| o.level == level).collect();
            let this = match above[..] {
                [one] => Some(one.clone()),
                _ => None,
            };
            candidates
                .entry(d.clone())
                .and_modify(|c| {
                    if *c != this {
                        *c = None;
                    }
                })
                .or_insert(this);
        }
    }
    candidates
        .into_iter()
        .filter_map(|(d, p)| p.map(|p| (d, p)))
        .collect()
}

/// Whether some single failure takes the entity down.
fn is_spof(estate: &Estate, entity: usize) -> bool {
    !estate.analysis.exposures(entity).is_empty()
}

/// The single failures that take an entity down: named domains, sorted,
/// and the counts of unnamed ones (an unplaced level, a lone replica).
fn single_failures(estate: &Estate, entity: usize) -> (Vec<String>, usize, usize) {
    let analysis = &estate.analysis;
    let units: BTreeSet<&Unit> = analysis
        .exposures(entity)
        .iter()
        .map(|x| analysis.unit(x.unit))
        .collect();
    let mut named = Vec::new();
    let (mut unplaced, mut replicas) = (0, 0);
    for unit in units {
        match unit {
            Unit::Domain(d) => named.push(d.to_string()),
            Unit::Unplaced { .. } => unplaced += 1,
            Unit::Replica { .. } => replicas += 1,
        }
    }
    (named, unplaced, replicas)
}

fn strength_str(strength: Strength) -> &'static str {
    match strength {
        Strength::Hard => "hard",
        Strength::Soft => "soft",
        Strength::Recovery => "recovery",
        Strength::Alerts => "alerts",
        Strength::Backup => "backup",
    }
}

/// `via` texts as one short edge label.
fn short(vias: &[String]) -> String {
    let text = vias.join(", ");
    if text.chars().count() <= MAX_LABEL {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_LABEL - 1).collect();
    cut.push('…');
    cut
}

/// What a Mermaid edge says: its vias, and `recovery` for a recovery
/// dependency, since Mermaid has one dashed line for it and soft ones.
fn mermaid_label(dep: &DepLine) -> String {
    let label = short(&dep.vias);
    match (dep.strength, label.is_empty()) {
        (Strength::Recovery, true) => "recovery".to_string(),
        (Strength::Recovery, false) => format!("recovery: {label}"),
        (Strength::Alerts | Strength::Backup, true) => strength_str(dep.strength).to_string(),
        (Strength::Alerts | Strength::Backup, false) => {
            format!("{}: {label}", strength_str(dep.strength))
        }
        _ => label,
    }
}

/// Text made safe inside a DOT double-quoted string.
pub fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text made safe inside a Mermaid double-quoted label: entity codes for
/// the characters Mermaid would read.
pub fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            // A label in backticks would be read as Markdown.
            '`' => out.push_str("#96;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The graph in Graphviz DOT: one `cluster_N` subgraph per failure domain,
/// nested region > zone > host where the estate says which holds which.
pub fn dot(estate: &Estate, view: &View) -> String {
    let layout = Layout::new(estate, view);
    let model = &estate.model;
    let mut out = String::new();
    out.push_str("digraph spof {\n");
    out.push_str("  graph [compound=true, rankdir=LR, fontname=\"Helvetica\"];\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    fn clusters(layout: &Layout, parent: Option<&Domain>, indent: usize, out: &mut String) {
        let pad = "  ".repeat(indent);
        for d in layout.children(parent) {
            let c = layout.cluster(d);
            let _ = writeln!(out, "{pad}subgraph cluster_{c} {{");
            let _ = writeln!(
                out,
                "{pad}  label=\"{}\";\n{pad}  style=dashed;\n{pad}  color=\"gray40\";",
                dot_escape(&d.to_string())
            );
            let _ = writeln!(
                out,
                "{pad}  d{c} [shape=point, style=invis, width=0, label=\"\"];"
            );
            for e in layout.members(Some(d)) {
                let _ = writeln!(out, "{pad}  n{};", layout.node(e));
            }
            clusters(layout, Some(d), indent + 1, out);
            let _ = writeln!(out, "{pad}}}");
        }
    }
    for &e in &layout.entities {
        let entity = &model.entities[e];
        let mut attrs = vec![
            format!("label=\"{}\"", dot_escape(&entity.label())),
            format!("tooltip=\"{}\"", dot_escape(&entity.id)),
        ];
        match entity.role {
            Role::Tool => attrs.push("shape=component".to_string()),
            Role::Datastore => attrs.push("shape=cylinder".to_string()),
            _ => {}
        }
        let mut style = vec![if entity.role == Role::Service {
            "rounded"
        } else {
            "solid"
        }];
        if is_spof(estate, e) {
            style.push("bold");
            attrs.push("color=\"red\"".to_string());
            attrs.push("penwidth=2".to_string());
        }
        if view.focus.contains(&e) {
            style.push("filled");
            attrs.push("fillcolor=\"lightyellow\"".to_string());
        }
        attrs.push(format!("style=\"{}\"", style.join(",")));
        let _ = writeln!(out, "  n{} [{}];", layout.node(e), attrs.join(", "));
    }
    clusters(&layout, None, 1, &mut out);
    for dep in &layout.deps {
        let mut attrs = vec![format!("label=\"{}\"", dot_escape(&short(&dep.vias)))];
        match dep.strength {
            Strength::Hard => {}
            Strength::Soft => attrs.push("style=dashed".to_string()),
            Strength::Recovery | Strength::Alerts | Strength::Backup => {
                attrs.push("style=dotted".to_string());
            }
        }
        let _ = writeln!(
            out,
            "  n{} -> n{} [{}];",
            layout.node(dep.from),
            layout.node(dep.to),
            attrs.join(", ")
        );
    }
    for &(from, to) in &layout.manages {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"manages\", style=dotted];",
            layout.node(from),
            layout.node(to)
        );
    }
    for (e, d) in &layout.placed {
        let c = layout.cluster(d);
        let _ = writeln!(
            out,
            "  n{} -> d{c} [lhead=cluster_{c}, label=\"placed in\", style=dashed, color=\"gray40\", arrowhead=empty];",
            layout.node(*e)
        );
    }
    out.push_str("}\n");
    out
}

/// The graph as a Mermaid flowchart: one `subgraph` per failure domain,
/// SPOFs in class `spof`, tools in class `tool`.
pub fn mermaid(estate: &Estate, view: &View) -> String {
    let layout = Layout::new(estate, view);
    let model = &estate.model;
    let mut out = String::from("flowchart LR\n");
    let node = |e: usize| -> String {
        let entity = &model.entities[e];
        let label = mermaid_escape(&entity.label());
        let n = layout.node(e);
        match entity.role {
            Role::Tool => format!("n{n}[[\"{label}\"]]"),
            Role::Datastore => format!("n{n}[(\"{label}\")]"),
            _ => format!("n{n}[\"{label}\"]"),
        }
    };
    fn clusters(
        layout: &Layout,
        node: &dyn Fn(usize) -> String,
        parent: Option<&Domain>,
        indent: usize,
        out: &mut String,
    ) {
        let pad = "  ".repeat(indent);
        for d in layout.children(parent) {
            let _ = writeln!(
                out,
                "{pad}subgraph d{}[\"{}\"]",
                layout.cluster(d),
                mermaid_escape(&d.to_string())
            );
            for e in layout.members(Some(d)) {
                let _ = writeln!(out, "{pad}  {}", node(e));
            }
            clusters(layout, node, Some(d), indent + 1, out);
            let _ = writeln!(out, "{pad}end");
        }
    }
    for e in layout.members(None) {
        let _ = writeln!(out, "  {}", node(e));
    }
    clusters(&layout, &node, None, 1, &mut out);
    let mut links = 0usize;
    for dep in &layout.deps {
        let arrow = match dep.strength {
            Strength::Hard => "-->",
            Strength::Soft | Strength::Recovery | Strength::Alerts | Strength::Backup => "-.->",
        };
        let label = mermaid_label(dep);
        let label = if label.is_empty() {
            String::new()
        } else {
            format!("|\"{}\"|", mermaid_escape(&label))
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}{label} n{}",
            layout.node(dep.from),
            layout.node(dep.to)
        );
        links += 1;
    }
    let mut dotted = Vec::new();
    for &(from, to) in &layout.manages {
        let _ = writeln!(
            out,
            "  n{} -.->|\"manages\"| n{}",
            layout.node(from),
            layout.node(to)
        );
        dotted.push(links.to_string());
        links += 1;
    }
    let mut placed = Vec::new();
    for (e, d) in &layout.placed {
        let _ = writeln!(
            out,
            "  n{} -.-|\"placed in\"| d{}",
            layout.node(*e),
            layout.cluster(d)
        );
        placed.push(links.to_string());
        links += 1;
    }
    out.push_str("  classDef spof stroke:#d00,stroke-width:3px\n");
    out.push_str("  classDef tool fill:#eef,stroke-dasharray:4 2\n");
    out.push_str("  classDef focus fill:#ffd\n");
    let class = |name: &str, members: Vec<usize>, out: &mut String| {
        if !members.is_empty() {
            let mut nodes: Vec<usize> = members.iter().map(|&e| layout.node(e)).collect();
            nodes.sort_unstable();
            let ids: Vec<String> = nodes.iter().map(|n| format!("n{n}")).collect();
            let _ = writeln!(out, "  class {} {name}", ids.join(","));
        }
    };
    let tools = layout
        .entities
        .iter()
        .copied()
        .filter(|&e| model.entities[e].role == Role::Tool)
        .collect();
    class("tool", tools, &mut out);
    let spofs = layout
        .entities
        .iter()
        .copied()
        .filter(|&e| is_spof(estate, e))
        .collect();
    class("spof", spofs, &mut out);
    class("focus", view.focus.clone(), &mut out);
    if !dotted.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke-dasharray:2 4", dotted.join(","));
    }
    if !placed.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke:#999", placed.join(","));
    }
    out
}

/// The JSON document: `spof graph --format json` (docs/graph.md).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Document {
    pub version: u32,
    /// Ids of the focus entities, in id order; empty when the view draws
    /// everything.
    pub focus: Vec<String>,
    pub depth: Option<usize>,
    /// Entities in id order, then domains in level and name order.
    pub nodes: Vec<Node>,
    /// Sorted by `from`, `to`, `kind`, `strength`, `via`.
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Node {
    /// An entity's id (`k8s:Deployment/shop/web`), a domain's
    /// `level:name` (`zone:eu-west-1a`).
    pub id: String,
    /// `entity` or `domain`.
    pub kind: &'static str,
    pub label: String,
    /// An entity's kind as shown to users (`Deployment`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_kind: Option<String>,
    /// A domain's level: `region`, `zone` or `host`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<&'static str>,
    /// The domain a domain is drawn inside.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// An entity's failure domains; a domain's enclosing domains, innermost
    /// first.
    pub domains: Vec<String>,
    /// The domain an entity is drawn inside, when it is in exactly one at
    /// its lowest level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Whether some single failure takes the entity down (false for
    /// domains).
    pub spof: bool,
    /// The named domains whose failure alone takes the entity down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub single_failures: Option<Vec<String>>,
    /// Single failures with no name: one unplaced level of a declaration
    /// (whichever zone ends up holding every replica).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unplaced_failures: Option<usize>,
    /// Single failures with no name: the node of a declaration's only
    /// replica.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_failures: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// `depends-on`, `manages` or `placed-in`.
    pub kind: &'static str,
    /// A dependency's `hard` or `soft`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<&'static str>,
    /// What creates a dependency (`env var DATABASE_URL`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The graph as a [`Document`].
pub fn document(estate: &Estate, view: &View) -> Document {
    let layout = Layout::new(estate, view);
    let model = &estate.model;
    let mut nodes = Vec::new();
    for &e in &layout.entities {
        let entity = &model.entities[e];
        let (named, unplaced, replicas) = single_failures(estate, e);
        nodes.push(Node {
            id: entity.id.clone(),
            kind: "entity",
            label: entity.label(),
            entity_kind: Some(entity.kind.clone()),
            role: Some(entity.role.as_str()),
            tool_kind: entity.tool_kind.clone(),
            level: None,
            parent: None,
            domains: layout.domains[&e].iter().map(|d| d.to_string()).collect(),
            cluster: layout.home.get(&e).map(|d| d.to_string()),
            spof: is_spof(estate, e),
            single_failures: Some(named),
            unplaced_failures: Some(unplaced),
            replica_failures: Some(replicas),
        });
    }
    for d in &layout.clusters {
        let mut enclosing = Vec::new();
        let mut current = layout.parent.get(d);
        while let Some(p) = current {
            enclosing.push(p.to_string());
            current = layout.parent.get(p);
        }
        nodes.push(Node {
            id: d.to_string(),
            kind: "domain",
            label: d.name.to_string(),
            entity_kind: None,
            role: None,
            tool_kind: None,
            level: Some(d.level.as_str()),
            parent: layout.parent.get(d).map(|p| p.to_string()),
            domains: enclosing,
            cluster: None,
            spof: false,
            single_failures: None,
            unplaced_failures: None,
            replica_failures: None,
        });
    }
    let id = |e: usize| model.entities[e].id.clone();
    let mut edges = Vec::new();
    for dep in &layout.deps {
        let vias: Vec<Option<String>> = if dep.vias.is_empty() {
            vec![None]
        } else {
            dep.vias.iter().cloned().map(Some).collect()
        };
        for via in vias {
            edges.push(Edge {
                from: id(dep.from),
                to: id(dep.to),
                kind: "depends-on",
                strength: Some(strength_str(dep.strength)),
                via,
            });
        }
    }
    for &(from, to) in &layout.manages {
        edges.push(Edge {
            from: id(from),
            to: id(to),
            kind: "manages",
            strength: None,
            via: None,
        });
    }
    for (&e, ds) in &layout.domains {
        for d in ds {
            edges.push(Edge {
                from: id(e),
                to: d.to_string(),
                kind: "placed-in",
                strength: None,
                via: None,
            });
        }
    }
    edges.sort();
    Document {
        version: JSON_VERSION,
        focus: view.focus.iter().map(|&e| id(e)).collect(),
        depth: view.depth,
        nodes,
        edges,
    }
}

/// The [`Document`] as pretty-printed JSON, with a final newline.
pub fn json(estate: &Estate, view: &View) -> String {
    let mut text = serde_json::to_string_pretty(&document(estate, view)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(dot_escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(dot_escape("a\nb\r\t"), "a\\nb ");
        assert_eq!(
            mermaid_escape("a\"b<c>#d `e`"),
            "a#quot;b#lt;c#gt;#35;d #96;e#96;"
        );
        assert_eq!(mermaid_escape("x\ny"), "x y");
    }

    #[test]
    fn short_labels_end_with_an_ellipsis() {
        assert_eq!(short(&["a".into(), "b".into()]), "a, b");
        let long = short(&["x".repeat(60)]);
        assert_eq!(long.chars().count(), MAX_LABEL);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn zones_nest_in_the_one_region_of_their_entities() {
        let zone = |n: &str| Domain::new(Level::Zone, n);
        let region = |n: &str| Domain::new(Level::Region, n);
        let parents = nesting(&[
            vec![region("r"), zone("a"), zone("b")],
            vec![region("r"), zone("a")],
            // `c` holds entities of two regions: drawn flat.
            vec![region("r"), zone("c")],
            vec![region("s"), zone("c")],
            // `d` holds an entity of no known region.
            vec![zone("d")],
            vec![region("s"), zone("d")],
        ]);
        assert_eq!(
            parents.into_iter().collect::<Vec<_>>(),
            [(zone("a"), region("r")), (zone("b"), region("r"))]
        );
    }
}
