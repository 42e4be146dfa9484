//! What-if: everything that goes down when some domains fail, and why.

use super::{Audit, StructureRef, TermRef, term_span, term_text};
use crate::analysis::CHAIN_HOPS;
use crate::estate::Estate;
use crate::graph::DepEdge;
use crate::model::Strength;
use crate::source::Span;

/// One hop of an explanation: what `entity` says and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub entity: usize,
    pub text: String,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Down {
    pub entity: usize,
    pub because: Vec<Step>,
}

/// Still up, with less: a copy, a zone or a soft dependency lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Degraded {
    pub entity: usize,
    pub because: Vec<Step>,
}

/// Still running (up or degraded), but not able to come back from a
/// restart: something it needs to recover is down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecoverable {
    pub entity: usize,
    /// Each recovery dependency that is down, one step each.
    pub because: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    pub failed: Vec<u32>,
    /// By entity index.
    pub down: Vec<Down>,
    pub degraded: Vec<Degraded>,
    pub survives: Vec<usize>,
    /// Entities of `degraded` and `survives` that cannot be restarted,
    /// rescheduled or redeployed while the failure lasts.
    pub unrecoverable: Vec<Unrecoverable>,
    /// Entities whose alerts or backups go through something that is down:
    /// a running monitoring tool whose alerts cannot reach anyone, and
    /// anything whose backups are out of reach.
    pub unreported: Vec<Unrecoverable>,
}

/// One entity's own part of an explanation: why it is down (or degraded),
/// and the dependency whose failure it follows, whose own hop goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub entity: usize,
    /// Its own terms' reasons; empty when `via` is set.
    pub steps: Vec<Step>,
    /// The dependency declaration whose failure it follows (worded by
    /// [`Audit::declaration`]); the chain goes on at its target.
    pub via: Option<DepEdge>,
}

/// [`Audit::simulate_hops`]: by entity index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hops {
    pub down: Vec<Hop>,
    pub degraded: Vec<Hop>,
    /// [`Simulation::unrecoverable`]: each with its recovery steps, and no
    /// `next`.
    pub unrecoverable: Vec<Hop>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// Every alternative (cluster or copy) down: its own terms say why.
    Alternatives,
    /// Term `term` of declaration `instance`.
    Own {
        instance: usize,
        term: usize,
    },
    Dependency(DepEdge),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Up,
    Degraded(Cause),
    Down(Cause),
}

impl Audit {
    /// Fails `failed` (and every domain inside them) and evaluates every
    /// entity.
    pub fn simulate(&self, estate: &Estate, failed: &[u32]) -> Simulation {
        let down_domains = self.failed_closure(failed);
        let states = self.evaluate(estate, &down_domains);
        let reaches = reaches(&states);
        let mut down = Vec::new();
        let mut degraded = Vec::new();
        let mut survives = Vec::new();
        let because = |e| self.because(estate, (&states, &reaches), (&down_domains, failed), e);
        for (e, state) in states.iter().enumerate() {
            match state {
                State::Down(_) => down.push(Down {
                    entity: e,
                    because: because(e),
                }),
                State::Degraded(_) => degraded.push(Degraded {
                    entity: e,
                    because: because(e),
                }),
                State::Up => survives.push(e),
            }
        }
        let mut failed = failed.to_vec();
        failed.sort_unstable();
        failed.dedup();
        Simulation {
            failed,
            down,
            degraded,
            unrecoverable: Self::unrecoverable(estate, &states),
            unreported: Self::unreported(estate, &states),
            survives,
        }
    }

    /// Every entity still running whose recovery dependencies include one
    /// that is down, with a step for each such dependency. The recovery
    /// dependencies of a transparent declaration (an ECS task definition)
    /// are those of what uses it (the service that runs it), and said
    /// there.
    fn unrecoverable(estate: &Estate, states: &[State]) -> Vec<Unrecoverable> {
        let transparent = |e: usize| {
            let instances = &estate.model.entities[e].instances;
            !instances.is_empty() && instances.iter().all(|i| i.transparent)
        };
        let mut used = vec![false; states.len()];
        for e in 0..states.len() {
            for d in estate.graph.dependencies(e) {
                if d.strength == Strength::Hard && d.target != e && transparent(d.target) {
                    used[d.target] = true;
                }
            }
        }
        let mut out = Vec::new();
        for (e, state) in states.iter().enumerate() {
            if matches!(state, State::Down(_)) || used[e] {
                continue;
            }
            let mut seen = Vec::new();
            let through = estate
                .graph
                .dependencies(e)
                .filter(|d| d.strength == Strength::Hard && d.target != e && transparent(d.target))
                .flat_map(|d| {
                    estate
                        .graph
                        .dependencies(d.target)
                        .map(move |r| (d.target, r))
                });
            let because: Vec<Step> = estate
                .graph
                .dependencies(e)
                .map(|d| (e, d))
                .chain(through)
                .filter(|(_, d)| d.strength == Strength::Recovery)
                .filter(|(_, d)| matches!(states[d.target], State::Down(_)))
                .filter(|(_, d)| {
                    let new = !seen.contains(&d.target);
                    seen.push(d.target);
                    new
                })
                .map(|(owner, d)| Self::recovery_step(estate, e, owner, d))
                .collect();
            if !because.is_empty() {
                out.push(Unrecoverable { entity: e, because });
            }
        }
        out
    }

    /// Every entity with an alerting dependency that is down (while it
    /// runs itself: a tool that is down sends nothing anyway) or a backup
    /// dependency that is down, with a step for each such dependency.
    fn unreported(estate: &Estate, states: &[State]) -> Vec<Unrecoverable> {
        let mut out = Vec::new();
        for (e, state) in states.iter().enumerate() {
            let mut seen = Vec::new();
            let because: Vec<Step> = estate
                .graph
                .dependencies(e)
                .filter(|d| {
                    d.strength == Strength::Backup
                        || d.strength == Strength::Alerts && !matches!(state, State::Down(_))
                })
                .filter(|d| d.target != e && matches!(states[d.target], State::Down(_)))
                .filter(|d| {
                    let new = !seen.contains(&d.target);
                    seen.push(d.target);
                    new
                })
                .map(|d| Self::unreported_step(estate, e, d))
                .collect();
            if !because.is_empty() {
                out.push(Unrecoverable { entity: e, because });
            }
        }
        out
    }

    /// `at`'s alerts or backups go through `edge`'s target, which is down.
    fn unreported_step(estate: &Estate, at: usize, edge: DepEdge) -> Step {
        let dependency = estate.model.entities[at]
            .instances
            .get(edge.instance)
            .and_then(|i| i.dependencies.get(edge.dependency));
        let what = if edge.strength == Strength::Alerts {
            "its alerts cannot reach anyone"
        } else {
            "its backups are out of reach"
        };
        Step {
            entity: at,
            text: format!(
                "{what}: they go through `{}`{}, which is down",
                estate.model.entities[edge.target].label(),
                dependency.map_or(String::new(), |d| format!(" ({})", d.via)),
            ),
            span: dependency.map(|d| d.span),
        }
    }

    /// `at` keeps running, but needs `edge`'s target, which is down, to
    /// come back.
    fn recovery_step(estate: &Estate, at: usize, owner: usize, edge: DepEdge) -> Step {
        let dependency = estate.model.entities[owner]
            .instances
            .get(edge.instance)
            .and_then(|i| i.dependencies.get(edge.dependency));
        Step {
            entity: at,
            text: format!(
                "survives while running; cannot be restarted or rescheduled: it needs `{}` to recover{}, which is down",
                estate.model.entities[edge.target].label(),
                dependency.map_or(String::new(), |d| format!(" ({})", d.via)),
            ),
            span: dependency.map(|d| d.span),
        }
    }

    /// What [`Audit::simulate`] finds, each entity with its own hop of the
    /// explanation only: a chain is the hops followed through `next`, so
    /// that it is said once however many entities it passes through.
    pub fn simulate_hops(&self, estate: &Estate, failed: &[u32]) -> Hops {
        let down_domains = self.failed_closure(failed);
        let states = self.evaluate(estate, &down_domains);
        let mut hops = Hops::default();
        for (e, state) in states.iter().enumerate() {
            let (list, cause) = match state {
                State::Down(cause) => (&mut hops.down, cause),
                State::Degraded(cause) => (&mut hops.degraded, cause),
                State::Up => continue,
            };
            list.push(match *cause {
                Cause::Dependency(edge) => Hop {
                    entity: e,
                    steps: Vec::new(),
                    via: Some(edge),
                },
                Cause::Alternatives | Cause::Own { .. } => Hop {
                    entity: e,
                    steps: self.reasons(estate, &states, (&down_domains, failed), e),
                    via: None,
                },
            });
        }
        hops.unrecoverable = Self::unrecoverable(estate, &states)
            .into_iter()
            .map(|u| Hop {
                entity: u.entity,
                steps: u.because,
                via: None,
            })
            .collect();
        hops
    }

    /// Whether the entity is down when exactly `failed` fail (and what lies
    /// in them).
    pub fn is_down(&self, estate: &Estate, failed: &[u32], entity: usize) -> bool {
        let down = self.failed_closure(failed);
        matches!(
            self.evaluate(estate, &down).get(entity),
            Some(State::Down(_))
        )
    }

    /// The failed domain that `d` is or lies in.
    fn failed_around(&self, d: u32, failed: &[u32]) -> Option<u32> {
        let mut at = Some(d);
        for _ in 0..super::LEVELS.len() {
            let x = at?;
            if failed.contains(&x) {
                return Some(x);
            }
            at = self.parent.get(x as usize).copied().flatten();
        }
        None
    }

    /// Per domain: whether it is down, itself or through a domain it lies in.
    fn failed_closure(&self, failed: &[u32]) -> Vec<bool> {
        (0..self.domains.len())
            .map(|d| {
                let mut at = u32::try_from(d).ok();
                for _ in 0..super::LEVELS.len() {
                    let Some(x) = at else { return false };
                    if failed.contains(&x) {
                        return true;
                    }
                    at = self.parent.get(x as usize).copied().flatten();
                }
                false
            })
            .collect()
    }

    fn lost(term: TermRef<'_>, down: &[bool]) -> u32 {
        let n = term
            .domains
            .iter()
            .filter(|&&d| down.get(d as usize).copied().unwrap_or(false))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Whether each entity is down when exactly `failed` fail (and what
    /// lies in them), with the `spared` entities kept up whatever fails:
    /// what would still go down if they survived the failure.
    pub fn down_sparing(&self, estate: &Estate, failed: &[u32], spared: &[usize]) -> Vec<bool> {
        let down = self.failed_closure(failed);
        // A mask, not a search of `spared` for every entity: the entities
        // kept up may be many.
        let mut kept = vec![false; self.structures.len()];
        for &e in spared {
            if let Some(k) = kept.get_mut(e) {
                *k = true;
            }
        }
        self.evaluate_sparing(estate, &down, &kept)
            .iter()
            .map(|s| matches!(s, State::Down(_)))
            .collect()
    }

    fn evaluate(&self, estate: &Estate, down: &[bool]) -> Vec<State> {
        self.evaluate_sparing(estate, down, &[])
    }

    /// Every entity's state; those `spared` marks (by entity index; none
    /// when it is empty) stay up.
    fn evaluate_sparing(&self, estate: &Estate, down: &[bool], spared: &[bool]) -> Vec<State> {
        let mut states = vec![State::Up; self.structures.len()];
        for component in &self.order {
            // Down only spreads: iterate a cycle until nothing changes.
            for _ in 0..=component.len() {
                let mut changed = false;
                for &e in component {
                    if spared.get(e).copied().unwrap_or(false) {
                        continue;
                    }
                    let state = self.state(estate, e, down, &states);
                    if state != states[e] {
                        states[e] = state;
                        changed = true;
                    }
                }
                if !changed || component.len() == 1 {
                    break;
                }
            }
        }
        states
    }

    fn state(&self, estate: &Estate, e: usize, down: &[bool], states: &[State]) -> State {
        let s = self.structures.get(e);
        let term_down = |i: usize| {
            s.terms(i).enumerate().find_map(|(t, term)| {
                (Self::lost(term, down) >= term.threshold).then_some(Cause::Own {
                    instance: i,
                    term: t,
                })
            })
        };
        // The first alternative that lost a term, and whether all did.
        let mut first_own: Option<Cause> = None;
        let mut all_down = s.alternatives().len() > 0;
        for alternative in s.alternatives() {
            match alternative.iter().find_map(|&i| term_down(i as usize)) {
                Some(cause) => {
                    first_own.get_or_insert(cause);
                }
                None => all_down = false,
            }
        }
        if all_down && let Some(first) = first_own {
            return State::Down(if s.alternatives().len() == 1 {
                first
            } else {
                Cause::Alternatives
            });
        }
        let is_down = |d: &DepEdge| matches!(states[d.target], State::Down(_));
        let mut hard = self.dependencies(s);
        if s.any_dependency {
            if let Some(first) = hard.clone().next()
                && hard.all(|d| is_down(&d))
            {
                return State::Down(Cause::Dependency(first));
            }
        } else if let Some(d) = hard.find(is_down) {
            return State::Down(Cause::Dependency(d));
        }
        // Degraded: a copy lost, replicas lost, a backend or a soft
        // dependency down.
        if let Some(cause) = first_own {
            return State::Degraded(cause);
        }
        for i in 0..s.declarations() {
            for (t, term) in s.terms(i).enumerate() {
                if Self::lost(term, down) > 0 {
                    return State::Degraded(Cause::Own {
                        instance: i,
                        term: t,
                    });
                }
            }
        }
        let soft = estate
            .graph
            .dependencies(e)
            .chain(self.dependencies(s))
            .find(|d| {
                (d.strength == Strength::Soft
                    || s.any_dependency && matches!(d.strength, Strength::Hard | Strength::Soft))
                    && is_down(d)
            });
        if let Some(d) = soft {
            return State::Degraded(Cause::Dependency(d));
        }
        State::Up
    }

    /// The hard dependencies of a structure, one per entity each entry
    /// names.
    fn dependencies<'a>(
        &'a self,
        s: StructureRef<'a>,
    ) -> impl Iterator<Item = DepEdge> + Clone + 'a {
        s.dependencies
            .iter()
            .flat_map(|entry| self.sets.edges(entry))
    }

    /// A term that lost domains, in words: which ones, and what it means.
    fn own_step(
        &self,
        estate: &Estate,
        (down, failed): (&[bool], &[u32]),
        at: usize,
        term: TermRef<'_>,
    ) -> Step {
        let lost: Vec<String> = term
            .domains
            .iter()
            .filter(|&&d| down.get(d as usize).copied().unwrap_or(false))
            .map(|&d| match self.failed_around(d, failed) {
                Some(outer) if outer != d => format!(
                    "`{}` (in `{}`)",
                    self.domain_name(d),
                    self.domain_name(outer)
                ),
                _ => format!("`{}`", self.domain_name(d)),
            })
            .collect();
        let verb = if lost.len() == 1 { "fails" } else { "fail" };
        Step {
            entity: at,
            text: format!(
                "{} {verb}: {}",
                lost.join(" and "),
                term_text(self, estate, at, term)
            ),
            span: term_span(estate, at, term),
        }
    }

    /// A dependency declaration in words, whatever fails: "`at` depends on
    /// `target` (via)", and where it is written. A hop of a chain through it
    /// adds ", which is down" (or degraded).
    pub fn declaration(estate: &Estate, at: usize, edge: DepEdge) -> (String, Option<Span>) {
        let entities = &estate.model.entities;
        let dependency = entities
            .get(at)
            .and_then(|e| e.instances.get(edge.instance))
            .and_then(|i| i.dependencies.get(edge.dependency));
        let label = |e: usize| entities.get(e).map_or_else(String::new, |x| x.label());
        let text = format!(
            "`{}` depends on `{}`{}",
            label(at),
            label(edge.target),
            dependency.map_or(String::new(), |d| format!(" ({})", d.via)),
        );
        (text, dependency.map(|d| d.span))
    }

    /// One hop of a chain: `at` is down (or degraded) because of `edge`;
    /// `left_out` hops before it are not listed.
    fn dependency_step(
        estate: &Estate,
        states: &[State],
        at: usize,
        edge: DepEdge,
        left_out: usize,
    ) -> Step {
        let (declaration, span) = Self::declaration(estate, at, edge);
        let how = if matches!(states[edge.target], State::Down(_)) {
            "down"
        } else {
            "degraded"
        };
        let skipped = match left_out {
            0 => String::new(),
            1 => "… 1 more hop, then ".to_string(),
            n => format!("… {n} more hops, then "),
        };
        Step {
            entity: at,
            text: format!("{skipped}{declaration}, which is {how}"),
            span,
        }
    }

    /// The chain from `entity` to the failed domains: at most
    /// [`CHAIN_HOPS`] hops (the first ones and the last one), then the
    /// reasons of the entity where it ends.
    fn because(
        &self,
        estate: &Estate,
        (states, reaches): (&[State], &[Reach]),
        (down, failed): (&[bool], &[u32]),
        entity: usize,
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        let reach = reaches[entity];
        let shown = if reach.hops > CHAIN_HOPS {
            CHAIN_HOPS - 1
        } else {
            reach.hops
        };
        let mut at = entity;
        for _ in 0..shown {
            let (State::Down(Cause::Dependency(edge)) | State::Degraded(Cause::Dependency(edge))) =
                states[at]
            else {
                break;
            };
            steps.push(Self::dependency_step(estate, states, at, edge, 0));
            at = edge.target;
        }
        if reach.hops > shown
            && let Some(from) = reach.last
            && let State::Down(Cause::Dependency(edge)) | State::Degraded(Cause::Dependency(edge)) =
                states[from]
        {
            let left_out = reach.hops - shown - 1;
            steps.push(Self::dependency_step(estate, states, from, edge, left_out));
        }
        if let Some(at) = reach.end {
            steps.extend(self.reasons(estate, states, (down, failed), at));
        }
        steps
    }

    /// What `at`'s own terms say when it is down or degraded by them (none
    /// when a dependency is the cause).
    fn reasons(
        &self,
        estate: &Estate,
        states: &[State],
        (down, failed): (&[bool], &[u32]),
        at: usize,
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        let cause = match states[at] {
            State::Down(c) | State::Degraded(c) => c,
            State::Up => return steps,
        };
        match cause {
            Cause::Alternatives => {
                // Each alternative's first failing term.
                let s = self.structures.get(at);
                for alternative in s.alternatives() {
                    let found = alternative.iter().find_map(|&i| {
                        s.terms(i as usize)
                            .find(|&term| Self::lost(term, down) >= term.threshold)
                    });
                    if let Some(term) = found {
                        steps.push(self.own_step(estate, (down, failed), at, term));
                    }
                }
            }
            Cause::Own { instance, term } => {
                if let Some(term) = self.structures.get(at).term(instance, term) {
                    steps.push(self.own_step(estate, (down, failed), at, term));
                }
            }
            Cause::Dependency(_) => {}
        }
        steps
    }
}

/// Where the chain of dependencies that took an entity down (or degraded
/// it) ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reach {
    /// The entity whose own state ends the chain; none when the chain comes
    /// back on itself.
    end: Option<usize>,
    /// Dependency hops to it.
    hops: usize,
    /// The entity of the last hop.
    last: Option<usize>,
}

/// The reach of every entity, each visited once: a walk stops at the first
/// entity whose reach is known and fills in the ones it passed on its way
/// back.
fn reaches(states: &[State]) -> Vec<Reach> {
    let mut known: Vec<Option<Reach>> = vec![None; states.len()];
    let mut on_path = vec![false; states.len()];
    let mut path: Vec<usize> = Vec::new();
    for e in 0..states.len() {
        path.clear();
        let mut at = e;
        let mut reach = loop {
            if let Some(reach) = known[at] {
                break reach;
            }
            if on_path[at] {
                break Reach {
                    end: None,
                    hops: 0,
                    last: None,
                };
            }
            match states[at] {
                State::Down(Cause::Dependency(edge)) | State::Degraded(Cause::Dependency(edge)) => {
                    on_path[at] = true;
                    path.push(at);
                    at = edge.target;
                }
                _ => {
                    let reach = Reach {
                        end: Some(at),
                        hops: 0,
                        last: None,
                    };
                    known[at] = Some(reach);
                    break reach;
                }
            }
        };
        for &at in path.iter().rev() {
            reach = Reach {
                end: reach.end,
                hops: reach.hops + 1,
                last: reach.last.or(Some(at)),
            };
            known[at] = Some(reach);
            on_path[at] = false;
        }
    }
    known
        .into_iter()
        .map(|r| {
            r.unwrap_or(Reach {
                end: None,
                hops: 0,
                last: None,
            })
        })
        .collect()
}
