//! What-if: everything that goes down when some domains fail, and why.

use super::{Audit, Term, term_span, term_text};
use crate::check::Estate;
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    pub failed: Vec<u32>,
    /// By entity index.
    pub down: Vec<Down>,
    pub degraded: Vec<Degraded>,
    pub survives: Vec<usize>,
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
        let mut down = Vec::new();
        let mut degraded = Vec::new();
        let mut survives = Vec::new();
        for (e, state) in states.iter().enumerate() {
            match state {
                State::Down(_) => down.push(Down {
                    entity: e,
                    because: self.because(estate, &states, (&down_domains, failed), e),
                }),
                State::Degraded(_) => degraded.push(Degraded {
                    entity: e,
                    because: self.because(estate, &states, (&down_domains, failed), e),
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
            survives,
        }
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

    fn lost(term: &Term, down: &[bool]) -> u32 {
        let n = term
            .domains
            .iter()
            .filter(|&&d| down.get(d as usize).copied().unwrap_or(false))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn evaluate(&self, estate: &Estate, down: &[bool]) -> Vec<State> {
        let mut states = vec![State::Up; self.structures.len()];
        for component in &self.order {
            // Down only spreads: iterate a cycle until nothing changes.
            for _ in 0..=component.len() {
                let mut changed = false;
                for &e in component {
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
        let s = &self.structures[e];
        let term_down = |i: usize| {
            s.terms
                .get(i)
                .into_iter()
                .flatten()
                .enumerate()
                .find_map(|(t, term)| {
                    (Self::lost(term, down) >= term.threshold).then_some(Cause::Own {
                        instance: i,
                        term: t,
                    })
                })
        };
        let alternative_down = |alt: &Vec<usize>| alt.iter().find_map(|&i| term_down(i));
        let own: Vec<Option<Cause>> = s.alternatives.iter().map(alternative_down).collect();
        if !own.is_empty() && own.iter().all(Option::is_some) {
            return State::Down(match own.as_slice() {
                [Some(only)] => *only,
                _ => Cause::Alternatives,
            });
        }
        let is_down = |d: &DepEdge| matches!(states[d.target], State::Down(_));
        if s.any_dependency {
            if !s.dependencies.is_empty() && s.dependencies.iter().all(is_down) {
                return State::Down(Cause::Dependency(s.dependencies[0]));
            }
        } else if let Some(d) = s.dependencies.iter().find(|d| is_down(d)) {
            return State::Down(Cause::Dependency(*d));
        }
        // Degraded: a copy lost, replicas lost, a backend or a soft
        // dependency down.
        if let Some(cause) = own.iter().flatten().next() {
            return State::Degraded(*cause);
        }
        for (i, terms) in s.terms.iter().enumerate() {
            for (t, term) in terms.iter().enumerate() {
                if Self::lost(term, down) > 0 {
                    return State::Degraded(Cause::Own {
                        instance: i,
                        term: t,
                    });
                }
            }
        }
        let soft = estate.graph.dependencies[e]
            .iter()
            .chain(&s.dependencies)
            .find(|d| (d.strength == Strength::Soft || s.any_dependency) && is_down(d));
        if let Some(d) = soft {
            return State::Degraded(Cause::Dependency(*d));
        }
        State::Up
    }

    /// A term that lost domains, in words: which ones, and what it means.
    fn own_step(
        &self,
        estate: &Estate,
        (down, failed): (&[bool], &[u32]),
        at: usize,
        term: &Term,
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

    /// The chain from `entity` to the failed domains.
    fn because(
        &self,
        estate: &Estate,
        states: &[State],
        (down, failed): (&[bool], &[u32]),
        entity: usize,
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut at = entity;
        let mut seen = vec![false; states.len()];
        while !seen[at] {
            seen[at] = true;
            let cause = match states[at] {
                State::Down(c) | State::Degraded(c) => c,
                State::Up => break,
            };
            match cause {
                Cause::Alternatives => {
                    // Each alternative's first failing term.
                    let s = &self.structures[at];
                    for alternative in &s.alternatives {
                        let found = alternative.iter().find_map(|&i| {
                            s.terms
                                .get(i)
                                .into_iter()
                                .flatten()
                                .find(|term| Self::lost(term, down) >= term.threshold)
                        });
                        if let Some(term) = found {
                            steps.push(self.own_step(estate, (down, failed), at, term));
                        }
                    }
                    break;
                }
                Cause::Own { instance, term } => {
                    let Some(term) = self.structures[at]
                        .terms
                        .get(instance)
                        .and_then(|t| t.get(term))
                    else {
                        break;
                    };
                    steps.push(self.own_step(estate, (down, failed), at, term));
                    break;
                }
                Cause::Dependency(edge) => {
                    let dependency = estate.model.entities[at]
                        .instances
                        .get(edge.instance)
                        .and_then(|i| i.dependencies.get(edge.dependency));
                    let target = &estate.model.entities[edge.target];
                    let how = if matches!(states[edge.target], State::Down(_)) {
                        "down"
                    } else {
                        "degraded"
                    };
                    steps.push(Step {
                        entity: at,
                        text: format!(
                            "`{}` depends on `{}`{}, which is {how}",
                            estate.model.entities[at].label(),
                            target.label(),
                            dependency.map_or(String::new(), |d| format!(" ({})", d.via)),
                        ),
                        span: dependency.map(|d| d.span),
                    });
                    at = edge.target;
                }
            }
        }
        steps
    }
}
