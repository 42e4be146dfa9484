//! Audit stage: risk groups and what-if simulation over the estate.
//!
//! Availability is a monotone boolean function of failure domains. For each
//! declaration the analysis knows its own causes; here each becomes a
//! [`Term`]: "down when at least `threshold` of these domains fail", with
//! the worst placement the configuration allows (replicas nothing keeps
//! apart may all sit in any one of the zones they may use; a spread quorum
//! system loses as many members per zone as the spread lets one zone hold).
//! An entity is down when, for every alternative (cluster or copy), some
//! declaration has a term down, or when a hard dependency is down (for a
//! Service: when every backend is).
//!
//! Risk groups are the minimal cut sets of that function, per level
//! (zone, region, host), up to a size. They are computed bottom-up over the
//! dependency graph with cut-set algebra, which is exact for monotone
//! functions: a cut of an AND is a cut of one operand; a cut of an OR is a
//! union of one cut of each operand; minimal cuts of size ≤ k only ever
//! come from minimal cuts of size ≤ k of the operands.

mod family;
mod simulate;
pub mod synthetic;

pub use family::{Family, Group};
pub use simulate::{Degraded, Down, Hop, Hops, Simulation, Step, Unrecoverable};

use crate::analysis::{Cause, Reason, Unit, narrow};
use crate::estate::Estate;
use crate::graph::{Resolved, TargetSets};
use crate::model::{Combine, Domain, Guarantee, Instance, Level, Origin, Strength};
use crate::source::Span;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Entities whose structures are built at once before they are moved into
/// [`Structures`].
const STRUCTURE_BATCH: usize = 4096;

/// Largest risk group computed (`--max-group-size`).
pub const MAX_GROUP_SIZE: usize = 3;
/// Default `--max-group-size`.
pub const DEFAULT_GROUP_SIZE: usize = 2;

/// Levels risk groups are computed at, outermost first.
pub const LEVELS: [Level; 3] = [Level::Region, Level::Zone, Level::Host];

/// Why a term exists: what a simulation or a report says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// One of the analysis' causes of the entity (index into
    /// `analysis.causes[entity]`).
    Cause(usize),
    /// Replicas spread over several domains; the worst placement the spread
    /// allows.
    Spread {
        replicas: u32,
        needed: u32,
        span: Span,
    },
    /// The declaration lives in a region.
    Region { span: Option<Span> },
}

/// Down when at least `threshold` of `domains` fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub instance: usize,
    pub domains: Vec<u32>,
    pub threshold: u32,
    pub why: Why,
}

/// The availability function of one entity, apart from its dependencies,
/// as it is built; the audit keeps every entity's in [`Structures`].
#[derive(Debug, Clone, Default)]
pub struct Structure {
    /// Terms of each declaration (by instance index).
    pub terms: Vec<Vec<Term>>,
    /// Declarations that are alternatives to each other: the entity is up
    /// while every declaration of one alternative is.
    pub alternatives: Vec<Vec<usize>>,
    /// Whether one hard dependency being up is enough (a Service over its
    /// workloads) rather than all of them.
    pub any_dependency: bool,
    /// Hard dependency entries; what each names is in the audit's
    /// [`TargetSets`].
    pub dependencies: Vec<Resolved>,
}

/// A [`Term`] as [`Structures`] keeps it: its domains a range of one
/// vector, its indices 32-bit (40 bytes, where a `Term` and its own vector
/// took 64 and an allocation).
#[derive(Debug, Clone)]
struct StoredTerm {
    instance: u32,
    domains: (u32, u32),
    threshold: u32,
    why: Why,
}

/// The availability structures of every entity, each part in one vector
/// and an entity's a range of it: terms, their domains, declarations,
/// alternatives and dependency entries. A large estate has millions of
/// declarations with one or two terms each, and a vector (and its
/// allocation) for each list took more than what the lists hold.
#[derive(Debug, Default)]
pub struct Structures {
    terms: Vec<StoredTerm>,
    domains: Vec<u32>,
    /// Where each declaration's terms start in `terms`, every entity's
    /// declarations one after the other; one more at the end.
    declarations: Vec<u32>,
    /// The declarations of every alternative, one after the other.
    alternatives: Vec<u32>,
    /// Where each alternative starts in `alternatives`; one more at the end.
    alternative_starts: Vec<u32>,
    dependencies: Vec<Resolved>,
    /// Where each entity's declarations, alternatives and dependency
    /// entries start; one more at the end.
    entities: Vec<[u32; 3]>,
    any_dependency: Vec<bool>,
}

impl Structures {
    /// The structures of `owned`, in order.
    pub fn from_owned(owned: impl IntoIterator<Item = Structure>) -> Self {
        let mut out = Self::default();
        for s in owned {
            out.push(s);
        }
        out.finish();
        out
    }

    /// Adds the next entity's structure. Every list is in memory, several
    /// bytes an item: no index passes `u32::MAX`.
    fn push(&mut self, s: Structure) {
        self.entities.push([
            narrow(self.declarations.len()),
            narrow(self.alternative_starts.len()),
            narrow(self.dependencies.len()),
        ]);
        self.any_dependency.push(s.any_dependency);
        for terms in s.terms {
            self.declarations.push(narrow(self.terms.len()));
            for term in terms {
                let from = narrow(self.domains.len());
                self.domains.extend_from_slice(&term.domains);
                self.terms.push(StoredTerm {
                    instance: narrow(term.instance),
                    domains: (from, narrow(self.domains.len())),
                    threshold: term.threshold,
                    why: term.why,
                });
            }
        }
        for alternative in s.alternatives {
            self.alternative_starts
                .push(narrow(self.alternatives.len()));
            self.alternatives
                .extend(alternative.into_iter().map(narrow));
        }
        self.dependencies.extend(s.dependencies);
    }

    /// Closes the lists after the last entity, at their length.
    fn finish(&mut self) {
        self.entities.push([
            narrow(self.declarations.len()),
            narrow(self.alternative_starts.len()),
            narrow(self.dependencies.len()),
        ]);
        self.declarations.push(narrow(self.terms.len()));
        self.alternative_starts
            .push(narrow(self.alternatives.len()));
        self.terms.shrink_to_fit();
        self.domains.shrink_to_fit();
        self.declarations.shrink_to_fit();
        self.alternatives.shrink_to_fit();
        self.alternative_starts.shrink_to_fit();
        self.dependencies.shrink_to_fit();
        self.entities.shrink_to_fit();
        self.any_dependency.shrink_to_fit();
    }

    /// How many entities have a structure.
    pub fn len(&self) -> usize {
        self.entities.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entity `e`'s structure; an empty one past the last entity.
    pub fn get(&self, e: usize) -> StructureRef<'_> {
        let bounds = |e: usize| self.entities.get(e).map(|b| b.map(|x| x as usize));
        let (Some(a), Some(b)) = (bounds(e), bounds(e + 1)) else {
            return StructureRef {
                all: self,
                declarations: (0, 0),
                alternatives: (0, 0),
                dependencies: &[],
                any_dependency: false,
            };
        };
        StructureRef {
            all: self,
            declarations: (a[0], b[0]),
            alternatives: (a[1], b[1]),
            dependencies: self.dependencies.get(a[2]..b[2]).unwrap_or(&[]),
            any_dependency: self.any_dependency.get(e).copied().unwrap_or(false),
        }
    }

    fn term(&self, t: usize) -> Option<TermRef<'_>> {
        let stored = self.terms.get(t)?;
        let (from, to) = stored.domains;
        Some(TermRef {
            instance: stored.instance as usize,
            domains: self.domains.get(from as usize..to as usize)?,
            threshold: stored.threshold,
            why: &stored.why,
        })
    }

    /// The range of `terms` of declaration `d` (counted over all entities).
    fn declaration(&self, d: usize) -> (usize, usize) {
        match (self.declarations.get(d), self.declarations.get(d + 1)) {
            (Some(&a), Some(&b)) => (a as usize, b as usize),
            _ => (0, 0),
        }
    }
}

/// One entity's structure, borrowed from [`Structures`].
#[derive(Debug, Clone, Copy)]
pub struct StructureRef<'a> {
    all: &'a Structures,
    /// Its declarations, as indices over all entities.
    declarations: (usize, usize),
    /// Its alternatives, as indices over all entities.
    alternatives: (usize, usize),
    /// Hard dependency entries; what each names is in the audit's
    /// [`TargetSets`].
    pub dependencies: &'a [Resolved],
    /// Whether one hard dependency being up is enough (a Service over its
    /// workloads) rather than all of them.
    pub any_dependency: bool,
}

impl<'a> StructureRef<'a> {
    /// How many declarations (instances) it has terms for.
    pub fn declarations(self) -> usize {
        self.declarations.1 - self.declarations.0
    }

    /// The terms of declaration `i` (by instance index); none past the last.
    pub fn terms(self, i: usize) -> impl Iterator<Item = TermRef<'a>> {
        let (from, to) = if i < self.declarations() {
            self.all.declaration(self.declarations.0 + i)
        } else {
            (0, 0)
        };
        (from..to).filter_map(move |t| self.all.term(t))
    }

    /// Term `t` of declaration `i`.
    pub fn term(self, i: usize, t: usize) -> Option<TermRef<'a>> {
        self.terms(i).nth(t)
    }

    /// Every term of every declaration, in order.
    pub fn every_term(self) -> impl Iterator<Item = TermRef<'a>> {
        (0..self.declarations()).flat_map(move |i| self.terms(i))
    }

    /// Declarations that are alternatives to each other: the entity is up
    /// while every declaration of one alternative is.
    pub fn alternatives(self) -> impl ExactSizeIterator<Item = &'a [u32]> {
        let all = self.all;
        (self.alternatives.0..self.alternatives.1).map(move |a| {
            match (
                all.alternative_starts.get(a),
                all.alternative_starts.get(a + 1),
            ) {
                (Some(&x), Some(&y)) => all.alternatives.get(x as usize..y as usize).unwrap_or(&[]),
                _ => &[],
            }
        })
    }
}

/// A term of [`Structures`]: down when at least `threshold` of `domains`
/// fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermRef<'a> {
    pub instance: usize,
    pub domains: &'a [u32],
    pub threshold: u32,
    pub why: &'a Why,
}

/// What the audit knows about one entity, borrowed from [`Entities`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntityAudit<'a> {
    /// Domains the entity may run in, at every level, sorted.
    pub domains: &'a [u32],
    /// Minimal sets of domains whose joint failure takes it down, ranked by
    /// size, then level (outermost first), then name (domain ids are in
    /// that order).
    pub risk_groups: &'a [Group],
}

/// The domains and risk groups of every entity, each kind in one vector
/// and an entity's a range of it: a large estate keeps some thirty-five
/// groups per entity, and two vectors (and their allocations) each cost
/// more than a short list's contents.
#[derive(Debug, Default)]
pub struct Entities {
    domains: Vec<u32>,
    groups: Vec<Group>,
    /// Where each entity's domains and groups start; one more than there
    /// are entities, the last being where both vectors end.
    starts: Vec<(u32, u32)>,
}

impl Entities {
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entity `e`'s domains and risk groups; `None` past the last entity.
    pub fn get(&self, e: usize) -> Option<EntityAudit<'_>> {
        let (&(d0, g0), &(d1, g1)) = (self.starts.get(e)?, self.starts.get(e + 1)?);
        Some(EntityAudit {
            domains: self.domains.get(d0 as usize..d1 as usize)?,
            risk_groups: self.groups.get(g0 as usize..g1 as usize)?,
        })
    }

    /// Entity `e`'s domains and risk groups; none past the last entity.
    pub fn of(&self, e: usize) -> EntityAudit<'_> {
        self.get(e).unwrap_or_default()
    }

    /// Every entity's, in model order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = EntityAudit<'_>> + '_ {
        (0..self.len()).map(|e| self.of(e))
    }

    /// Every group and domain id is in memory, a few bytes each: no range
    /// ends past `u32::MAX`.
    fn mark(&mut self) {
        let at = (narrow(self.domains.len()), narrow(self.groups.len()));
        self.starts.push(at);
    }
}

pub struct Audit {
    /// Every failure domain, sorted by level (outermost first) then name;
    /// a domain's id is its index.
    pub domains: Vec<Domain>,
    /// The domain each domain lies in, when known (a zone's region).
    pub parent: Vec<Option<u32>>,
    pub entities: Entities,
    pub structures: Structures,
    /// What the structures' dependency entries name.
    pub sets: TargetSets,
    pub max_group_size: usize,
    /// Entities in dependency order (dependencies first); the entities of a
    /// cycle are one component.
    pub(crate) order: Vec<Vec<usize>>,
    /// Component of each entity (index into `order`).
    component_of: Vec<usize>,
    /// Components by depth: every dependency of a wave's components is in
    /// an earlier wave (or the same component).
    waves: Vec<Vec<usize>>,
}

impl Audit {
    /// Builds the availability structures and computes risk groups up to
    /// `max_group_size` (clamped to 1..=[`MAX_GROUP_SIZE`]).
    pub fn build(estate: &Estate, max_group_size: usize) -> Self {
        let max_group_size = max_group_size.clamp(1, MAX_GROUP_SIZE);
        let (domains, parent) = universe(estate);
        let index: DomainIndex<'_> = domains
            .iter()
            .enumerate()
            .map(|(i, d)| ((d.level, &*d.name), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let levels: Vec<Level> = domains.iter().map(|d| d.level).collect();
        // Built a batch at a time, in parallel, and moved into the flat
        // lists: never every entity's structure as vectors of its own.
        let n = estate.model.entities.len();
        let mut structures = Structures::default();
        for from in (0..n).step_by(STRUCTURE_BATCH) {
            let batch: Vec<Structure> = (from..n.min(from + STRUCTURE_BATCH))
                .into_par_iter()
                .map(|e| structure(estate, e, &index, &levels))
                .collect();
            for s in batch {
                structures.push(s);
            }
        }
        structures.finish();
        let order = estate.graph.hard_components();
        let sets = estate.graph.sets.clone();
        Self::assemble(domains, parent, structures, sets, order, max_group_size)
    }

    /// The audit of availability structures built elsewhere (a generated
    /// estate), with what their dependency entries name: `order` lists the
    /// components of the hard-dependency graph, dependencies first.
    /// Computes the risk groups.
    pub fn from_parts(
        domains: Vec<Domain>,
        parent: Vec<Option<u32>>,
        structures: Vec<Structure>,
        sets: TargetSets,
        order: Vec<Vec<usize>>,
        max_group_size: usize,
    ) -> Self {
        let structures = Structures::from_owned(structures);
        Self::assemble(domains, parent, structures, sets, order, max_group_size)
    }

    /// [`Audit::from_parts`] with the structures in their lists.
    fn assemble(
        domains: Vec<Domain>,
        parent: Vec<Option<u32>>,
        structures: Structures,
        sets: TargetSets,
        order: Vec<Vec<usize>>,
        max_group_size: usize,
    ) -> Self {
        let max_group_size = max_group_size.clamp(1, MAX_GROUP_SIZE);
        let mut component_of = vec![0; structures.len()];
        for (c, members) in order.iter().enumerate() {
            for &e in members {
                component_of[e] = c;
            }
        }
        let mut depth = vec![0usize; order.len()];
        for (c, members) in order.iter().enumerate() {
            depth[c] = members
                .iter()
                .flat_map(|&e| structures.get(e).dependencies)
                .flat_map(|d| sets.get(d.set as usize))
                .map(|&t| component_of[t])
                .filter(|&t| t != c)
                .map(|t| depth[t] + 1)
                .max()
                .unwrap_or(0);
        }
        let mut waves: Vec<Vec<usize>> = vec![Vec::new(); depth.iter().max().map_or(0, |d| d + 1)];
        for (c, &d) in depth.iter().enumerate() {
            waves[d].push(c);
        }
        let mut audit = Self {
            domains,
            parent,
            entities: Entities::default(),
            structures,
            sets,
            max_group_size,
            order,
            component_of,
            waves,
        };
        audit.entities = audit.compute();
        audit
    }

    /// `zone:a`.
    pub fn domain_name(&self, id: u32) -> String {
        self.domains
            .get(id as usize)
            .map_or_else(|| format!("domain#{id}"), ToString::to_string)
    }

    pub fn domain(&self, id: u32) -> Option<&Domain> {
        self.domains.get(id as usize)
    }

    /// The domain of `level` that `id` is or lies in.
    pub fn image(&self, id: u32, level: Level) -> Option<u32> {
        let mut at = Some(id);
        // Parents are strictly outer levels: the walk ends.
        for _ in 0..LEVELS.len() {
            let d = at?;
            let domain = self.domains.get(d as usize)?;
            if domain.level == level {
                return Some(d);
            }
            if domain.level < level {
                return None;
            }
            at = self.parent.get(d as usize).copied().flatten();
        }
        None
    }

    /// Domains matching `NAME` (any level) or `LEVEL=NAME`; `datacenter`
    /// is the zone level. `Err` says what is known.
    pub fn find_domains(&self, query: &str) -> Result<Vec<u32>, String> {
        let (level, name) = match query.split_once('=') {
            Some((level, name)) => (Some(parse_level(level)?), name),
            None => (None, query),
        };
        let found: Vec<u32> = self
            .domains
            .iter()
            .enumerate()
            .filter(|(_, d)| &*d.name == name && level.is_none_or(|l| d.level == l))
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
        let names = self.domains.iter().map(|d| &*d.name);
        let hint = crate::config::did_you_mean(name, names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        let known = if self.domains.is_empty() {
            " (the estate names no failure domain)".to_string()
        } else {
            format!(
                " (known: {})",
                self.domains
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        Err(format!("no failure domain `{query}`{hint}{known}"))
    }

    /// Risk groups of every entity, level by level.
    fn compute(&self) -> Entities {
        let per_level: Vec<Vec<Family>> = LEVELS
            .par_iter()
            .map(|&level| self.families(level))
            .collect();
        let mut per_level = per_level;
        let n = self.structures.len();
        // Exactly as long as needed: a large estate keeps millions.
        let total = per_level.iter().flatten().map(Family::len).sum();
        let mut out = Entities {
            domains: Vec::new(),
            groups: Vec::with_capacity(total),
            starts: Vec::with_capacity(n + 1),
        };
        for e in 0..n {
            out.mark();
            let start = out.groups.len();
            for families in &mut per_level {
                if let Some(family) = families.get_mut(e) {
                    out.groups.extend(std::mem::take(family).into_groups());
                }
            }
            // Size first, then ids: ids follow (level, name).
            out.groups[start..].sort_unstable();
            out.domains.extend(self.placed_in(e));
        }
        out.mark();
        out.domains.shrink_to_fit();
        out
    }

    /// Domains an entity's terms name, with the domains they lie in.
    fn placed_in(&self, e: usize) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for term in self.structures.get(e).every_term() {
            for &d in term.domains {
                let mut at = Some(d);
                for _ in 0..LEVELS.len() {
                    let Some(x) = at else { break };
                    out.push(x);
                    at = self.parent.get(x as usize).copied().flatten();
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Minimal cut sets at one level, for every entity. Components whose
    /// dependencies are all done are computed in parallel, wave by wave.
    fn families(&self, level: Level) -> Vec<Family> {
        let k = self.max_group_size;
        let mut families: Vec<Family> = vec![Family::default(); self.structures.len()];
        let shared = SetFamilies::new(self.sets.len());
        for wave in &self.waves {
            let done: Vec<Vec<(usize, Family)>> = wave
                .par_iter()
                .map(|&c| {
                    let component = &self.order[c];
                    if let [e] = component.as_slice() {
                        let family = self.entity_family(*e, level, &families, Ok(&shared));
                        return vec![(*e, family)];
                    }
                    // A cycle is iterated to its least fixpoint: cuts only
                    // grow, and there are finitely many.
                    let mut local: BTreeMap<usize, Family> = BTreeMap::new();
                    for _ in 0..=component.len() * (k + 1) * 4 {
                        let mut changed = false;
                        for &e in component {
                            let family = self.entity_family(e, level, &families, Err(&local));
                            if local.get(&e) != Some(&family) {
                                local.insert(e, family);
                                changed = true;
                            }
                        }
                        if !changed {
                            break;
                        }
                    }
                    local.into_iter().collect()
                })
                .collect();
            for (e, mut family) in done.into_iter().flatten() {
                // Held until every level is done: no spare capacity.
                family.shrink_to_fit();
                families[e] = family;
            }
        }
        families
    }

    /// The family of entity `e` at `level`, from the families of its
    /// dependencies: final ones in `families`, and either what a set's
    /// members give (`Ok`, outside a cycle: every member is final) or the
    /// current iterate of the entity's cycle (`Err`).
    fn entity_family(
        &self,
        e: usize,
        level: Level,
        families: &[Family],
        context: Result<&SetFamilies, &BTreeMap<usize, Family>>,
    ) -> Family {
        let empty = Family::default();
        let family_of = |t: usize| match context {
            Err(local) if self.component_of[t] == self.component_of[e] => {
                local.get(&t).unwrap_or(&empty)
            }
            _ => &families[t],
        };
        let k = self.max_group_size;
        let s = self.structures.get(e);
        let mut own: Option<Family> = None;
        for alternative in s.alternatives() {
            let mut parts: Vec<Family> = Vec::new();
            for &i in alternative {
                for term in s.terms(i as usize) {
                    parts.push(self.term_family(term, level));
                }
            }
            let down = Family::all(parts.iter(), k);
            own = Some(match own {
                None => down,
                Some(acc) => acc.either(&down, k),
            });
        }
        let own = own.unwrap_or_default();
        let any = s.any_dependency;
        // What one entry contributes: its one target's family, or its
        // targets' families combined, once per set outside a cycle.
        let entry_family = |entry: &Resolved| -> Cow<'_, Family> {
            let members = self.sets.get(entry.set as usize);
            if let [only] = members {
                return Cow::Borrowed(family_of(*only));
            }
            let combine = || {
                let parts = members.iter().map(|&t| family_of(t));
                if any {
                    either_of(parts, k).unwrap_or_default()
                } else {
                    Family::all(parts, k)
                }
            };
            match context
                .ok()
                .and_then(|shared| shared.cell(entry.set as usize, any))
            {
                Some(cell) => Cow::Borrowed(cell.get_or_init(combine)),
                None => Cow::Owned(combine()),
            }
        };
        let deps: Vec<Cow<'_, Family>> = s.dependencies.iter().map(entry_family).collect();
        let deps = deps.iter().map(|d| &**d);
        if any {
            match either_of(deps, k) {
                Some(deps) => Family::all([&own, &deps], k),
                None => own,
            }
        } else {
            Family::all(std::iter::once(&own).chain(deps), k)
        }
    }

    /// Minimal sets of `level` domains that fail at least `threshold` of
    /// the term's domains.
    fn term_family(&self, term: TermRef<'_>, level: Level) -> Family {
        let k = self.max_group_size;
        let mut images: Vec<u32> = term
            .domains
            .iter()
            .filter_map(|&d| self.image(d, level))
            .collect();
        images.sort_unstable();
        let mut items: Vec<(u32, u32)> = Vec::with_capacity(images.len());
        for d in images {
            match items.last_mut() {
                Some((last, n)) if *last == d => *n += 1,
                _ => items.push((d, 1)),
            }
        }
        Family::threshold(&items, term.threshold, k)
    }
}

/// Cuts of a disjunction of `parts`; none without parts.
fn either_of<'a>(parts: impl IntoIterator<Item = &'a Family>, k: usize) -> Option<Family> {
    let mut acc: Option<Family> = None;
    for part in parts {
        // Nothing takes down an empty family's function: nor the
        // disjunction.
        if acc.as_ref().is_some_and(Family::is_empty) {
            break;
        }
        acc = Some(match acc {
            None => part.clone(),
            Some(a) => a.either(part, k),
        });
    }
    acc
}

/// The combined families of each target set's members at one level, found
/// once per set and shared by every entity whose dependencies name it.
struct SetFamilies {
    /// Down when any member is down (`Family::all`).
    all: Vec<OnceLock<Family>>,
    /// Down when every member is down (a Service's backends).
    any: Vec<OnceLock<Family>>,
}

impl SetFamilies {
    fn new(sets: usize) -> Self {
        Self {
            all: (0..sets).map(|_| OnceLock::new()).collect(),
            any: (0..sets).map(|_| OnceLock::new()).collect(),
        }
    }

    fn cell(&self, set: usize, any: bool) -> Option<&OnceLock<Family>> {
        if any { &self.any } else { &self.all }.get(set)
    }
}

fn parse_level(text: &str) -> Result<Level, String> {
    Level::parse(text)
        .ok_or_else(|| format!("unknown level `{text}` (levels: region, zone or datacenter, host)"))
}

/// Every domain the estate names, and which domain each lies in.
fn universe(estate: &Estate) -> (Vec<Domain>, Vec<Option<u32>>) {
    let mut parents: BTreeMap<Domain, Option<Domain>> = BTreeMap::new();
    let mut add = |d: Domain, parent: Option<Domain>| {
        let slot = parents.entry(d).or_default();
        if slot.is_none() {
            *slot = parent;
        }
    };
    let ctx = &estate.context;
    for (zone, region) in &estate.model.regions {
        add(
            Domain::new(Level::Zone, zone.clone()),
            Some(Domain::new(Level::Region, region.clone())),
        );
    }
    for site in ctx.clusters.iter().chain(std::iter::once(&ctx.implicit)) {
        let region = site
            .region
            .as_ref()
            .map(|r| Domain::new(Level::Region, r.clone()));
        for zone in &site.zones {
            add(Domain::new(Level::Zone, zone.clone()), region.clone());
        }
        if let Some(region) = region {
            add(region, None);
        }
    }
    for (e, entity) in estate.model.entities.iter().enumerate() {
        for (i, inst) in entity.instances.iter().enumerate() {
            let region = inst
                .region
                .as_ref()
                .map(|(r, _)| Domain::new(Level::Region, r.clone()))
                .or_else(|| {
                    clustered(estate, e).then(|| {
                        ctx.site(inst.cluster)
                            .region
                            .as_ref()
                            .map(|r| Domain::new(Level::Region, r.clone()))
                    })?
                });
            for pin in &inst.placement.pins {
                // A declaration's region is its zone's only when it is
                // pinned to one zone (a quorum system's sites may lie in
                // several regions).
                let single = pin.domains.len() == 1;
                for name in &pin.domains {
                    let parent = (pin.level == Level::Zone && single)
                        .then(|| region.clone())
                        .flatten();
                    add(Domain::new(pin.level, name.clone()), parent);
                }
            }
            for cause in estate.analysis.causes[e].iter().filter(|c| c.instance == i) {
                if let Unit::Domain(d) = &cause.unit {
                    let parent = (d.level == Level::Zone).then(|| region.clone()).flatten();
                    add(d.clone(), parent);
                }
            }
            if let Some(region) = region {
                add(region, None);
            }
        }
    }
    // Regions the parents name are domains too.
    let named: Vec<Domain> = parents.values().flatten().cloned().collect();
    for d in named {
        parents.entry(d).or_default();
    }
    let mut domains: Vec<Domain> = parents.keys().cloned().collect();
    domains.sort_by(|a, b| (a.level, &a.name).cmp(&(b.level, &b.name)));
    let index: BTreeMap<&Domain, u32> = domains
        .iter()
        .enumerate()
        .map(|(i, d)| (d, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let parent = domains
        .iter()
        .map(|d| {
            parents
                .get(d)
                .cloned()
                .flatten()
                .filter(|p| p.level < d.level)
                .and_then(|p| index.get(&p).copied())
        })
        .collect();
    (domains, parent)
}

/// Each domain's id by its level and name: looked up for every declaration
/// without making a [`Domain`] (and its name) to look up, hashed with
/// foldhash (a few dozen short keys, looked up a few times per entity).
type DomainIndex<'d> = HashMap<(Level, &'d str), u32, foldhash::fast::RandomState>;

/// Only Kubernetes objects live in a cluster.
fn clustered(estate: &Estate, e: usize) -> bool {
    estate.model.entities[e].origin == Origin::Kubernetes
}

/// The zones a declaration may run in: its zone pin, else its cluster's
/// zones.
fn possible_zones<'e>(estate: &'e Estate, e: usize, inst: &'e Instance) -> Vec<&'e str> {
    if let Some((domains, _)) = inst.placement.pinned(Level::Zone) {
        return domains;
    }
    if clustered(estate, e) {
        return estate
            .context
            .site(inst.cluster)
            .zones
            .iter()
            .map(String::as_str)
            .collect();
    }
    Vec::new()
}

fn structure(estate: &Estate, e: usize, index: &DomainIndex<'_>, levels: &[Level]) -> Structure {
    let entity = &estate.model.entities[e];
    let terms: Vec<Vec<Term>> = entity
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| instance_terms(estate, e, i, inst, index, levels))
        .collect();
    // Declarations in different clusters, or different copies, are
    // alternatives; within one, every declaration is needed.
    let mut alternatives: BTreeMap<(Option<usize>, Option<&str>), Vec<usize>> = BTreeMap::new();
    for (i, inst) in entity.instances.iter().enumerate() {
        alternatives
            .entry((inst.cluster, inst.copy.as_deref()))
            .or_default()
            .push(i);
    }
    let dependencies: Vec<Resolved> = estate.graph.resolved[e]
        .iter()
        .filter(|d| d.strength == Strength::Hard)
        .copied()
        .collect();
    Structure {
        terms,
        alternatives: alternatives.into_values().collect(),
        any_dependency: entity
            .instances
            .first()
            .is_some_and(|i| i.combine == Combine::Any),
        dependencies,
    }
}

/// The terms of one declaration (instance `i` of entity `e`): its causes,
/// its spread over several named zones, else its region.
fn instance_terms(
    estate: &Estate,
    e: usize,
    i: usize,
    inst: &Instance,
    index: &DomainIndex<'_>,
    levels: &[Level],
) -> Vec<Term> {
    let causes = &estate.analysis.causes[e];
    let id = |level: Level, name: &str| index.get(&(level, name)).copied();
    let zone_ids = |zones: &[&str]| -> Vec<u32> {
        let mut ids: Vec<u32> = zones.iter().filter_map(|z| id(Level::Zone, z)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut out: Vec<Term> = Vec::new();
    let zones = zone_ids(&possible_zones(estate, e, inst));
    let mut spread_judged = false;
    for (c, cause) in causes.iter().enumerate().filter(|(_, c)| c.instance == i) {
        match &cause.unit {
            Unit::Domain(d) => {
                if let Some(d) = id(d.level, &d.name) {
                    out.push(Term {
                        instance: i,
                        domains: vec![d],
                        threshold: 1,
                        why: Why::Cause(c),
                    });
                }
            }
            Unit::Unplaced { .. } | Unit::Replica { .. } => {
                spread_judged = true;
                if zones.is_empty() {
                    continue;
                }
                let threshold = match &cause.reason {
                    Reason::Quorum { .. } => spread_threshold(inst, zones.len()),
                    _ => 1,
                };
                out.push(Term {
                    instance: i,
                    domains: zones.clone(),
                    threshold,
                    why: Why::Cause(c),
                });
            }
        }
    }
    // Replicas spread over several named zones survive some losses.
    let pinned_to_one = causes
        .iter()
        .any(|c| c.instance == i && matches!(&c.unit, Unit::Domain(d) if d.level == Level::Zone));
    if !spread_judged
        && !pinned_to_one
        && zones.len() > 1
        && let Some(replicas) = inst.placement.replicas
        && replicas.count > 0
        && inst.workload.is_some()
    {
        let (placed, needed) = demand(inst);
        out.push(Term {
            instance: i,
            domains: zones.clone(),
            threshold: spread_threshold(inst, zones.len()),
            why: Why::Spread {
                replicas: placed,
                needed,
                span: replicas.span,
            },
        });
    }
    // Everything in a region fails with it. Zones a declaration uses
    // fail with their regions already; a declaration with no known
    // zone fails with its own region.
    let placed = out.iter().any(|t| {
        t.domains
            .iter()
            .any(|&d| matches!(levels.get(d as usize), Some(Level::Region | Level::Zone)))
    });
    if !placed {
        let region = match &inst.region {
            Some((r, span)) => Some((r.clone(), Some(*span))),
            None if clustered(estate, e) => {
                let site = estate.context.site(inst.cluster);
                site.region.as_deref().map(|r| (r.into(), site.region_span))
            }
            None => None,
        };
        if let Some((region, span)) = region
            && let Some(d) = id(Level::Region, &region)
        {
            out.push(Term {
                instance: i,
                domains: vec![d],
                threshold: 1,
                why: Why::Region { span },
            });
        }
    }
    out
}

/// Replicas that can run, and how many must be up.
fn demand(inst: &Instance) -> (u32, u32) {
    let replicas = inst.placement.replicas.map_or(1, |r| r.count).max(1);
    let needed = match &inst.placement.quorum {
        Some(q) if q.needed == 0 => replicas / 2 + 1,
        Some(q) => q.needed,
        None => 1,
    };
    (replicas, needed)
}

/// Fewest failed zones (of `zones` a declaration may use) that can take it
/// down under the worst placement its zone spread allows.
fn spread_threshold(inst: &Instance, zones: usize) -> u32 {
    let n = u32::try_from(zones).unwrap_or(u32::MAX).max(1);
    let (replicas, needed) = demand(inst);
    let spread = inst
        .placement
        .spreads
        .iter()
        .filter(|s| s.level == Level::Zone && s.guarantee == Guarantee::Hard)
        .min_by_key(|s| (!s.one_per_domain, s.max_skew));
    let placed = match spread {
        Some(s) if s.one_per_domain => replicas.min(n),
        _ => replicas,
    };
    for f in 1..=n {
        let lost = match spread {
            None => placed,
            Some(s) if s.one_per_domain => f.min(placed),
            Some(s) => most_in(placed, n, f, s.max_skew.unwrap_or(1).max(1)),
        };
        if placed.saturating_sub(lost) < needed {
            return f;
        }
    }
    n
}

/// Most of `replicas` that `f` of `n` zones can hold when zone counts may
/// differ by at most `skew`.
fn most_in(replicas: u32, n: u32, f: u32, skew: u32) -> u32 {
    let (r, n, f, s) = (
        u64::from(replicas),
        u64::from(n),
        u64::from(f.min(n)),
        u64::from(skew),
    );
    // The least loaded zone holds `m`; every zone holds m..=m+s.
    let low = r.saturating_sub(n * s).div_ceil(n);
    let high = r / n;
    let mut best = 0;
    for m in low..=high {
        let most = (r - (n - f) * m).min(f * (m + s));
        best = best.max(most);
    }
    u32::try_from(best.min(r)).unwrap_or(u32::MAX)
}

/// What a term means, in words.
pub fn term_text(audit: &Audit, estate: &Estate, e: usize, term: TermRef<'_>) -> String {
    let names = |ids: &[u32]| {
        ids.iter()
            .map(|&d| format!("`{}`", audit.domain_name(d)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let who = format!("`{}`", estate.model.entities[e].label());
    match term.why {
        Why::Cause(c) => {
            let cause: &Cause = &estate.analysis.causes[e][*c];
            let cluster_names: Vec<String> = estate
                .context
                .clusters
                .iter()
                .map(|c| c.name.clone())
                .collect();
            let text = crate::analysis::words::cause_text(&estate.model, &cluster_names, e, cause);
            match (&cause.unit, term.domains) {
                (Unit::Domain(_), _) | (_, []) => text,
                (_, [only]) => format!("{text} ({})", audit.domain_name(*only)),
                (_, zones) => format!("{text} (any of {})", names(zones)),
            }
        }
        Why::Spread {
            replicas, needed, ..
        } => format!(
            "{who} runs {replicas} replica{} across {} and needs {needed}: losing {} of those zones can take it down",
            if *replicas == 1 { "" } else { "s" },
            names(term.domains),
            term.threshold
        ),
        Why::Region { .. } => format!("{who} lives in {}", names(term.domains)),
    }
}

/// Where a term is written.
pub fn term_span(estate: &Estate, e: usize, term: TermRef<'_>) -> Option<Span> {
    match term.why {
        Why::Cause(c) => estate.analysis.causes[e].get(*c).map(|c| c.span),
        Why::Spread { span, .. } => Some(*span),
        Why::Region { span } => *span,
    }
}

#[cfg(test)]
mod tests;
