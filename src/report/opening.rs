//! What the report says first: the failure domains whose loss does the
//! most harm, weighted by how critical what they take down is; the changes
//! that remove the most risk; and the figures in five sentences.
//!
//! Everything here is computed from the risk groups (what one domain takes
//! down) and, for the changes, from simulating the worst domains with one
//! entity kept up; each format lays [`Opening`] out as it is.

use super::{Data, Place};
use crate::model::{Level, Role, Strength, tier_weight};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Changes the report proposes.
pub const ACTIONS: usize = 10;

/// Domains whose losses are simulated to find the changes: the worst ones.
const DOMAINS_SIMULATED: usize = 10;

/// Changes whose effect is simulated exactly, the most promising first.
const CANDIDATES: usize = 40;

/// Domains the HTML and Markdown headlines list; the JSON lists every one.
pub const HEADLINE_DOMAINS: usize = 12;

/// Levels in the order the headline ranks them: a datacenter's loss is the
/// failure to plan for, then a region's, then a host's.
const HEADLINE_LEVELS: [Level; 3] = [Level::Zone, Level::Region, Level::Host];

/// How the headline ranks, in words.
pub const WEIGHTS_TEXT: &str = "Zones first, then regions, then hosts, each ranked by weight: every service and tool the failure takes down counts 8 for tier 1, 4 for tier 2, 2 for tier 3 or no tier declared, and 1 for tier 4 (`spof.dev/tier`, see docs/report.md).";

/// The opening of a report.
pub struct Opening {
    /// Per failure domain that takes down a service or a tool, or leaves
    /// something unable to restart; zones first, then regions, then hosts,
    /// each level by weight.
    pub headline: Vec<Loss>,
    /// The changes that remove the most risk, best first.
    pub actions: Vec<Action>,
    /// The figures in words.
    pub sentences: Vec<String>,
}

/// What one failure domain's loss takes down.
pub struct Loss {
    pub domain: u32,
    /// The services and tools it takes down, each weighed by its tier
    /// ([`tier_weight`]).
    pub weight: u32,
    /// Services it takes down, most critical first, then by id.
    pub services: Vec<usize>,
    /// Tools it takes down: the recovery plane lost with it.
    pub tools: Vec<usize>,
    /// Datastores, network and platform entities it takes down.
    pub others: usize,
    /// Entities still running that cannot be restarted while it is down.
    pub unrecoverable: Vec<usize>,
    /// The recovery dependencies (registries, secret stores, …) it takes
    /// down that those entities need.
    pub recovery_paths: Vec<usize>,
}

/// One change: keep `entity` up when `domain` fails.
pub struct Action {
    pub entity: usize,
    pub domain: u32,
    /// A domain of the same level, beside `domain`, where the entity does
    /// not run yet; `None` when it runs in every one (it needs more
    /// replicas or a wider spread there) or there is none.
    pub to: Option<u32>,
    /// Whether `domain` is the only domain of its level where it lies.
    pub alone: bool,
    /// The entities that no longer go down with `domain`, the entity
    /// itself included.
    pub spared: Vec<usize>,
    /// The spared services and tools, weighed by tier.
    pub weight: u32,
    /// The line that places the entity: what to change.
    pub at: Option<Place>,
}

impl Loss {
    /// Entities it takes down, by role: services, tools, others.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.services.len(), self.tools.len(), self.others)
    }
}

/// The opening of `data`'s report.
pub fn opening(data: &Data) -> Opening {
    let headline = headline(data);
    let actions = actions(data, &headline);
    let sentences = sentences(data, &headline, &actions);
    Opening {
        headline,
        actions,
        sentences,
    }
}

/// Whether entity `e` counts in the headline: it exists and no
/// `[[accept]]` names it.
fn open(data: &Data, e: usize) -> bool {
    data.entities.get(e).is_some_and(|r| r.accepted.is_none())
}

fn weight(data: &Data, e: usize) -> u32 {
    data.estate
        .model
        .entities
        .get(e)
        .map_or(0, |x| tier_weight(x.tier))
}

/// The tier entity `e` declares, 0 for none.
pub fn tier(data: &Data, e: usize) -> u8 {
    data.estate.model.entities.get(e).map_or(0, |x| x.tier)
}

fn headline(data: &Data) -> Vec<Loss> {
    let n = data.domains.len();
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (e, row) in data.entities.iter().enumerate() {
        if row.accepted.is_some() {
            continue;
        }
        for d in row.single_failures() {
            if let Some(list) = down.get_mut(d as usize) {
                list.push(e);
            }
        }
    }
    // Recovery dependencies, once: (who needs, what it needs).
    let recovery: Vec<(usize, usize)> = (0..data.entities.len())
        .flat_map(|e| {
            data.estate
                .graph
                .dependencies(e)
                .filter(|d| d.strength == Strength::Recovery)
                .map(move |d| (e, d.target))
        })
        .collect();
    let mut losses: Vec<Loss> = Vec::new();
    for (d, fallen) in down.iter().enumerate() {
        let Ok(domain) = u32::try_from(d) else {
            continue;
        };
        if fallen.is_empty() || data.domain_accepted(domain) {
            continue;
        }
        let loss = loss(data, domain, fallen, &recovery);
        if loss.weight > 0 || !loss.unrecoverable.is_empty() {
            losses.push(loss);
        }
    }
    let rank = |l: &Loss| level_rank(data, l.domain);
    losses.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(b.weight.cmp(&a.weight))
            .then(b.unrecoverable.len().cmp(&a.unrecoverable.len()))
            .then(a.domain.cmp(&b.domain))
    });
    losses
}

/// What losing `domain` does, `fallen` being the entities it alone takes
/// down (accepted ones left out).
fn loss(data: &Data, domain: u32, fallen: &[usize], recovery: &[(usize, usize)]) -> Loss {
    let role = |e: usize| data.entities.get(e).map(|r| r.role);
    let by_tier = |list: &mut Vec<usize>| {
        list.sort_by_key(|&e| (tier_or_default(tier(data, e)), e));
    };
    let mut services: Vec<usize> = fallen
        .iter()
        .copied()
        .filter(|&e| role(e) == Some(Role::Service))
        .collect();
    let mut tools: Vec<usize> = fallen
        .iter()
        .copied()
        .filter(|&e| role(e) == Some(Role::Tool))
        .collect();
    by_tier(&mut services);
    by_tier(&mut tools);
    let weight = services
        .iter()
        .chain(&tools)
        .map(|&e| weight(data, e))
        .sum();
    let is_down = |e: usize| fallen.binary_search(&e).is_ok();
    let mut unrecoverable = BTreeSet::new();
    let mut paths = BTreeSet::new();
    for &(e, needed) in recovery {
        if !is_down(e) && is_down(needed) && open(data, e) {
            unrecoverable.insert(e);
            paths.insert(needed);
        }
    }
    Loss {
        domain,
        weight,
        others: fallen.len() - services.len() - tools.len(),
        services,
        tools,
        unrecoverable: unrecoverable.into_iter().collect(),
        recovery_paths: paths.into_iter().collect(),
    }
}

/// A tier for sorting: none declared sorts as the default tier.
fn tier_or_default(tier: u8) -> u8 {
    if tier == 0 {
        crate::model::DEFAULT_TIER
    } else {
        tier
    }
}

/// A change found by [`actions`], by (domain, entity to name): the weight
/// of the chains that end at it, and the entities to keep up.
type Candidate = (u32, BTreeSet<usize>);

/// The changes that spare the most: for each of the worst domains, every
/// entity that goes down there of itself (not through a dependency: the
/// end of a chain of explanation) is a candidate; a network entity is
/// named by what it leads to that goes down too (the StatefulSet behind a
/// Service, [`beneath`]). The candidates whose chains hold the most weight are
/// simulated with those entities kept up, and ranked by what that spares.
fn actions(data: &Data, headline: &[Loss]) -> Vec<Action> {
    let mut worst: Vec<&Loss> = headline.iter().filter(|l| l.weight > 0).collect();
    worst.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.domain.cmp(&b.domain)));
    worst.truncate(DOMAINS_SIMULATED);
    let mut candidates: BTreeMap<(u32, usize), Candidate> = BTreeMap::new();
    let mut places: HashMap<(u32, usize), Option<Place>> = HashMap::new();
    for loss in &worst {
        let hops = data.audit.simulate_hops(data.estate, &[loss.domain]);
        let mut next = vec![Fell::Up; data.entities.len()];
        for h in &hops.down {
            if let Some(slot) = next.get_mut(h.entity) {
                *slot = h.via.map_or(Fell::Itself, |d| Fell::Through(d.target));
            }
        }
        for hop in hops.down.iter().filter(|h| h.via.is_none()) {
            places.insert((loss.domain, hop.entity), own_place(data, hop));
        }
        let ends = chain_ends(&next);
        for &e in loss.services.iter().chain(&loss.tools) {
            let Some(root) = ends.get(e).copied().flatten() else {
                continue;
            };
            let (named, closure) = beneath(data, &next, root);
            if !open(data, named) {
                continue;
            }
            let entry = candidates.entry((loss.domain, named)).or_default();
            entry.0 += weight(data, e);
            entry.1.extend(closure);
        }
    }
    let mut ranked: Vec<((u32, usize), Candidate)> = candidates.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    ranked.truncate(CANDIDATES);
    let mut actions: Vec<Action> = ranked
        .into_iter()
        .filter_map(|((domain, entity), (_, keep))| {
            let at = places.get(&(domain, entity)).cloned().flatten();
            let keep: Vec<usize> = keep.into_iter().collect();
            action(data, headline, (domain, entity), &keep, at)
        })
        .collect();
    let rank = |a: &Action| level_rank(data, a.domain);
    actions.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then(rank(a).cmp(&rank(b)))
            .then(b.spared.len().cmp(&a.spared.len()))
            .then(a.domain.cmp(&b.domain))
            .then(a.entity.cmp(&b.entity))
    });
    actions.truncate(ACTIONS);
    actions
}

/// A domain's place in [`HEADLINE_LEVELS`].
fn level_rank(data: &Data, domain: u32) -> usize {
    let level = data.levels.get(domain as usize).copied();
    HEADLINE_LEVELS
        .iter()
        .position(|&x| Some(x) == level)
        .unwrap_or(HEADLINE_LEVELS.len())
}

/// Where to change `hop`'s entity: the first location of its own reason
/// when that lies in a file declaring the entity (a zone pin, a subnet),
/// else where the entity is declared (a reason written in the
/// configuration, such as a cluster's zones, is changed by running the
/// entity elsewhere).
fn own_place(data: &Data, hop: &crate::audit::Hop) -> Option<Place> {
    let entity = data.estate.model.entities.get(hop.entity)?;
    let files: Vec<crate::source::FileId> = entity.instances.iter().map(|i| i.span.file).collect();
    hop.steps
        .iter()
        .filter_map(|s| s.span)
        .find(|span| files.contains(&span.file))
        .or_else(|| entity.instances.first().map(|i| i.span))
        .and_then(|span| data.place(span))
}

/// What one domain's failure does to an entity, for [`actions`], by entity
/// index: a dense list rather than a map, walked once per entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fell {
    Up,
    /// Down of itself: the end of a chain of explanation.
    Itself,
    /// Down through a dependency on this entity.
    Through(usize),
}

/// The entity to name for `root`, and the entities to keep up: `root`,
/// and where `root` is a network entity (a Service, a load balancer) whose
/// hard dependencies are down with it (not [`Fell::Up`] in `next`), what
/// it reaches through them, down to the first entity that is not network:
/// the StatefulSet behind a Service is what to run elsewhere.
fn beneath(data: &Data, next: &[Fell], root: usize) -> (usize, Vec<usize>) {
    let network = |e: usize| data.entities.get(e).map(|r| r.role) == Some(Role::Network);
    let mut keep = vec![root];
    let mut named = None;
    let mut at = 0;
    while let Some(&e) = keep.get(at) {
        at += 1;
        if !network(e) {
            named = named.or(Some(e));
            continue;
        }
        for d in data.estate.graph.dependencies(e) {
            if d.strength == Strength::Hard
                && next.get(d.target).is_some_and(|&f| f != Fell::Up)
                && !keep.contains(&d.target)
            {
                keep.push(d.target);
            }
        }
    }
    (named.unwrap_or(root), keep)
}

/// The end of every entity's chain of explanation: the entity that goes
/// down of itself. An entity that is up has none, nor has a chain that
/// comes back on itself or reaches an entity that is up. Each entity is
/// walked once: a walk stops at the first entity whose end is known and
/// fills in those it passed (chains grow with the estate, and following
/// each service's whole chain would cost services × chain length).
fn chain_ends(next: &[Fell]) -> Vec<Option<usize>> {
    let mut known: Vec<Option<Option<usize>>> = vec![None; next.len()];
    let mut on_path = vec![false; next.len()];
    let mut path: Vec<usize> = Vec::new();
    for e in 0..next.len() {
        path.clear();
        let mut at = e;
        let end = loop {
            if let Some(end) = known[at] {
                break end;
            }
            if on_path[at] {
                break None;
            }
            match next[at] {
                Fell::Up => break None,
                Fell::Itself => break Some(at),
                Fell::Through(t) => {
                    on_path[at] = true;
                    path.push(at);
                    if t >= next.len() {
                        break None;
                    }
                    at = t;
                }
            }
        };
        if !on_path[at] {
            known[at] = Some(end);
        }
        for &p in &path {
            known[p] = Some(end);
            on_path[p] = false;
        }
    }
    known.into_iter().map(Option::flatten).collect()
}

/// Keeping `keep` (sorted) up when `domain` fails, simulated; `None` when
/// that spares no service or tool.
fn action(
    data: &Data,
    headline: &[Loss],
    (domain, entity): (u32, usize),
    keep: &[usize],
    at: Option<Place>,
) -> Option<Action> {
    let loss = headline.iter().find(|l| l.domain == domain)?;
    let still = data.audit.down_sparing(data.estate, &[domain], keep);
    let is_spared = |e: usize| !still.get(e).copied().unwrap_or(true);
    let spared: Vec<usize> = data
        .entities
        .iter()
        .enumerate()
        .filter(|&(e, row)| {
            row.accepted.is_none()
                && (keep.binary_search(&e).is_ok() || row.single_failures().any(|d| d == domain))
        })
        .map(|(e, _)| e)
        .filter(|&e| is_spared(e))
        .collect();
    let weight: u32 = loss
        .services
        .iter()
        .chain(&loss.tools)
        // `spared` is in entity order.
        .filter(|&&e| spared.binary_search(&e).is_ok())
        .map(|&e| weight(data, e))
        .sum();
    if weight == 0 {
        return None;
    }
    let (to, alone) = beside(data, domain, entity);
    Some(Action {
        entity,
        domain,
        to,
        alone,
        spared,
        weight,
        at,
    })
}

/// The first domain of `domain`'s level, in the same enclosing domain,
/// where `entity` does not run; and whether `domain` is the only domain
/// of its level there.
fn beside(data: &Data, domain: u32, entity: usize) -> (Option<u32>, bool) {
    let Some(level) = data.levels.get(domain as usize) else {
        return (None, true);
    };
    let parent = data.audit.parent.get(domain as usize).copied().flatten();
    let runs = data.entities.get(entity).map_or(&[][..], |e| e.domains);
    let siblings: Vec<u32> = (0..data.domains.len())
        .filter_map(|d| u32::try_from(d).ok())
        .filter(|&d| d != domain && data.levels.get(d as usize) == Some(level))
        .filter(|&d| data.audit.parent.get(d as usize).copied().flatten() == parent)
        .collect();
    (
        siblings.iter().copied().find(|d| !runs.contains(d)),
        siblings.is_empty(),
    )
}

/// `n thing` or `n things`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A table cell naming up to `limit` of `list`, each written by `name`,
/// then how many more; a dash when empty.
pub fn named(list: &[usize], limit: usize, name: impl Fn(usize) -> String) -> String {
    let mut names: Vec<String> = list.iter().take(limit).map(|&e| name(e)).collect();
    if list.len() > limit {
        names.push(format!("and {} more", list.len() - limit));
    }
    if names.is_empty() {
        "—".to_string()
    } else {
        names.join(", ")
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What a set of entities is, by role: `1 service, 2 tools and 3 other
/// entities`.
pub fn by_role(data: &Data, entities: &[usize]) -> String {
    let role = |r: Role| {
        entities
            .iter()
            .filter(|&&e| data.entities.get(e).map(|x| x.role) == Some(r))
            .count()
    };
    let (services, tools) = (role(Role::Service), role(Role::Tool));
    let others = entities.len() - services - tools;
    let mut parts = Vec::new();
    if services > 0 {
        parts.push(count(services, "service", "services"));
    }
    if tools > 0 {
        parts.push(count(tools, "tool", "tools"));
    }
    if others > 0 {
        let other = if parts.is_empty() {
            "entity"
        } else {
            "other entity"
        };
        let others_word = if parts.is_empty() {
            "entities"
        } else {
            "other entities"
        };
        parts.push(count(others, other, others_word));
    }
    and_list(&parts)
}

impl Action {
    /// The change in words, as the report states it (names plain, without
    /// markup): `run `StatefulSet talk/talk-db` in `zone:ansan-dc` too`.
    pub fn change(&self, data: &Data, quote: impl Fn(&str) -> String) -> String {
        let name = quote(
            &data
                .entities
                .get(self.entity)
                .map_or_else(String::new, |e| e.label.clone()),
        );
        let level = data
            .levels
            .get(self.domain as usize)
            .map_or("domain", |l| l.as_str());
        match self.to {
            Some(to) => format!("run {name} in {} too", quote(data.domain_name(to))),
            None if self.alone => format!("run {name} in a second {level} too"),
            None => format!(
                "spread {name} so that {} alone cannot take it down",
                quote(data.domain_name(self.domain))
            ),
        }
    }

    /// What the change spares, in words: `1 service and 2 tools no longer
    /// go down with `zone:pangyo-dc``.
    pub fn effect(&self, data: &Data, quote: impl Fn(&str) -> String) -> String {
        let verb = if self.spared.len() == 1 { "goes" } else { "go" };
        format!(
            "{} no longer {verb} down with {}",
            by_role(data, &self.spared),
            quote(data.domain_name(self.domain))
        )
    }
}

/// Five sentences from the figures, for a reader who reads nothing else.
fn sentences(data: &Data, headline: &[Loss], actions: &[Action]) -> Vec<String> {
    let q = |s: &str| format!("`{s}`");
    let roles: Vec<String> = data
        .roles()
        .iter()
        .map(|&(r, n)| match r {
            Role::Network | Role::Platform => {
                let word = format!("{} entity", r.as_str());
                count(n, &word, &format!("{} entities", r.as_str()))
            }
            _ => count(n, r.as_str(), &format!("{}s", r.as_str())),
        })
        .collect();
    let files = data.summary.files;
    let mut out = vec![format!(
        "The estate holds {}{} in {}, read from {}.",
        count(data.entities.len(), "entity", "entities"),
        if roles.is_empty() {
            String::new()
        } else {
            format!(" ({})", and_list(&roles))
        },
        count(data.domains.len(), "failure domain", "failure domains"),
        count(files, "file", "files"),
    )];
    let total = |r: Role| data.entities.iter().filter(|e| e.role == r).count();
    // The headline's order: a datacenter's loss before a region's.
    let worst = headline.iter().find(|l| l.weight > 0);
    out.push(match worst {
        Some(l) => {
            let mut lost = vec![format!(
                "{} of {}",
                l.services.len(),
                count(total(Role::Service), "service", "services")
            )];
            if total(Role::Tool) > 0 {
                lost.push(format!(
                    "{} of {}",
                    l.tools.len(),
                    count(total(Role::Tool), "tool", "tools")
                ));
            }
            format!(
                "The first single failure to plan for is the loss of {}: it takes down {}.",
                q(data.domain_name(l.domain)),
                and_list(&lost)
            )
        }
        None => "No single failure domain takes down a service or a tool.".to_string(),
    });
    out.push(recovery_sentence(data, headline));
    let open = data
        .entities
        .iter()
        .filter(|e| data.is_open_spof(e))
        .count();
    let [errors, warnings, _] = [
        crate::diagnostic::Severity::Error,
        crate::diagnostic::Severity::Warning,
        crate::diagnostic::Severity::Info,
    ]
    .map(|s| data.findings.iter().filter(|d| d.severity == s).count());
    let accepted = if data.accepts.is_empty() {
        String::new()
    } else {
        format!(
            ", and {} accepted",
            count(data.accepts.len(), "risk is", "risks are")
        )
    };
    out.push(format!(
        "{} of {} {} a single point of failure no one has accepted; the checks report {} and {}{accepted}.",
        open,
        count(data.entities.len(), "entity", "entities"),
        if open == 1 { "has" } else { "have" },
        count(errors, "error", "errors"),
        count(warnings, "warning", "warnings"),
    ));
    out.push(match actions.first() {
        Some(a) => format!(
            "The change that removes the most risk is to {}: {}.",
            a.change(data, q),
            a.effect(data, q)
        ),
        None if worst.is_none() => {
            "No change is proposed: no single failure takes down a service or a tool.".to_string()
        }
        None => {
            "No change to one entity spares a service or a tool from a single failure.".to_string()
        }
    });
    out
}

/// Whether the tools that recover the estate survive any single failure.
fn recovery_sentence(data: &Data, headline: &[Loss]) -> String {
    let q = |s: &str| format!("`{s}`");
    let tools = data
        .entities
        .iter()
        .filter(|e| e.role == Role::Tool)
        .count();
    if tools == 0 {
        return "The estate declares no operational tools, so nothing here says how it would be recovered.".to_string();
    }
    let mut lost: Vec<usize> = headline
        .iter()
        .flat_map(|l| l.tools.iter().copied())
        .collect();
    lost.sort_unstable();
    lost.dedup();
    let stuck = headline
        .iter()
        .max_by(|a, b| {
            a.unrecoverable
                .len()
                .cmp(&b.unrecoverable.len())
                .then(b.domain.cmp(&a.domain))
        })
        .filter(|l| !l.unrecoverable.is_empty());
    let restart = stuck.map_or(String::new(), |l| {
        format!(
            "; losing {} also leaves {} unable to restart",
            q(data.domain_name(l.domain)),
            count(l.unrecoverable.len(), "entity", "entities")
        )
    });
    if lost.is_empty() {
        format!(
            "No single failure takes down any of the {}{restart}.",
            count(tools, "tool", "tools")
        )
    } else {
        format!(
            "The recovery plane shares fate with the estate: {} of {} can be taken down by a single failure{restart}.",
            lost.len(),
            count(tools, "tool", "tools")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Fell, chain_ends};

    /// Every entity's chain ends where following it one hop at a time
    /// would: at the entity down of itself; none for an entity that is up,
    /// a chain through one that is up, a chain that comes back on itself or
    /// one that names an entity past the last.
    #[test]
    fn chain_ends_follow_each_chain_to_its_end() {
        let next = [
            Fell::Itself,     // 0
            Fell::Through(0), // 1 → 0
            Fell::Through(1), // 2 → 1 → 0
            Fell::Up,         // 3
            Fell::Through(3), // 4 → 3, up
            Fell::Through(6), // 5 → 6 → 5: a circle
            Fell::Through(5), // 6
            Fell::Through(5), // 7 → into the circle
            Fell::Through(2), // 8 → 2 → 1 → 0
            Fell::Through(99),
        ];
        assert_eq!(
            chain_ends(&next),
            [
                Some(0),
                Some(0),
                Some(0),
                None,
                None,
                None,
                None,
                None,
                Some(0),
                None
            ]
        );
        // Walked from the far end first, the same.
        let reversed: Vec<Fell> = [Fell::Through(1), Fell::Through(2), Fell::Itself].to_vec();
        assert_eq!(chain_ends(&reversed), [Some(2), Some(2), Some(2)]);
    }
}
