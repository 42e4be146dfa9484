//! `[[accept]]` entries of `spof.toml`: single points of failure their owners
//! accept. A finding of a single-point-of-failure rule is accepted when an
//! entry names its entity, or when every failure domain that alone takes
//! its entity down (those a finding names, when they are not its entity's) is
//! accepted by domain or by level. An entry past its `until` date accepts
//! nothing and is itself a finding (SPOF016), as an expired suppression is.

use super::{Finding, Input, Rule, Settings};
use crate::analysis::Unit;
use crate::config::Accept;
use crate::date::Date;
use crate::model::{Domain, Level};
use std::collections::HashMap;

/// Findings split by the accepted risks.
pub struct Outcome {
    pub kept: Vec<Finding>,
    /// With the index of the entry that accepts each.
    pub accepted: Vec<(Finding, usize)>,
}

/// Applies `accepts` to `findings`; expired entries add their findings to
/// `kept`.
pub fn apply(
    findings: Vec<Finding>,
    accepts: &[Accept],
    input: &Input<'_>,
    settings: &Settings,
    today: Date,
) -> Outcome {
    let acceptor = Acceptor::new(accepts, input, today);
    let mut kept = Vec::with_capacity(findings.len());
    let mut accepted = Vec::new();
    for finding in findings {
        match acceptor.accepts(&finding) {
            Some(entry) => accepted.push((finding, entry)),
            None => kept.push(finding),
        }
    }
    acceptor.finish(settings, today, &mut kept);
    Outcome { kept, accepted }
}

/// [`apply`] one finding at a time: [`Acceptor::accepts`] for each, then
/// [`Acceptor::finish`] for the findings about expired entries.
pub struct Acceptor<'a> {
    accepts: &'a [Accept],
    input: &'a Input<'a>,
    /// The entries not past their `until`.
    live: Vec<usize>,
    /// Entities by id; empty when no entry is live.
    index: HashMap<&'a str, usize>,
}

impl<'a> Acceptor<'a> {
    pub fn new(accepts: &'a [Accept], input: &'a Input<'a>, today: Date) -> Self {
        let live: Vec<usize> = (0..accepts.len())
            .filter(|&i| {
                accepts[i]
                    .acceptance
                    .until
                    .is_none_or(|until| today <= until)
            })
            .collect();
        let index = if live.is_empty() {
            HashMap::new()
        } else {
            input
                .model
                .entities
                .iter()
                .enumerate()
                .map(|(i, e)| (e.id.as_str(), i))
                .collect()
        };
        Self {
            accepts,
            input,
            live,
            index,
        }
    }

    /// The entry (its position) that accepts `finding`, if any.
    pub fn accepts(&self, finding: &Finding) -> Option<usize> {
        if self.live.is_empty() {
            return None;
        }
        accepted_by(finding, self.accepts, &self.live, self.input, &self.index)
    }

    /// Adds the findings about expired entries to `out`.
    pub fn finish(self, settings: &Settings, today: Date, out: &mut Vec<Finding>) {
        if settings.runs(Rule::ExpiredSuppression) {
            out.extend(self.accepts.iter().filter_map(|a| expired(a, today)));
        }
    }
}

/// The first live entry (in file order) that accepts `finding`.
fn accepted_by(
    finding: &Finding,
    accepts: &[Accept],
    live: &[usize],
    input: &Input<'_>,
    index: &HashMap<&str, usize>,
) -> Option<usize> {
    if !finding.rule.meta().family.single_point_of_failure {
        return None;
    }
    if let Some(id) = finding.entity.as_deref()
        && let Some(&i) = live.iter().find(|&&i| accepts[i].target.covers_entity(id))
    {
        return Some(i);
    }
    let covering = |place: Place<'_>| {
        live.iter().copied().find(|&i| match place {
            Place::Domain(d) => accepts[i].target.covers_domain(d),
            Place::Level(level) => accepts[i].target.covers_level(level),
        })
    };
    let units: Vec<&Unit> = if finding.units.is_empty() {
        let entity = *index.get(finding.entity.as_deref()?)?;
        let exposures = input.analysis.exposures(entity);
        exposures
            .iter()
            .map(|x| input.analysis.unit(x.unit))
            .collect()
    } else {
        finding.units.iter().collect()
    };
    let mut first = None;
    for unit in units {
        let entry = covering(place(unit))?;
        first.get_or_insert(entry);
    }
    first
}

fn place(unit: &Unit) -> Place<'_> {
    match unit {
        Unit::Domain(d) => Place::Domain(d),
        Unit::Unplaced { level, .. } => Place::Level(*level),
        Unit::Replica { .. } => Place::Level(Level::Host),
    }
}

/// Where a single point of failure lies.
#[derive(Clone, Copy)]
enum Place<'a> {
    Domain(&'a Domain),
    /// Some domain of the level, unnamed.
    Level(Level),
}

fn expired(accept: &Accept, today: Date) -> Option<Finding> {
    let until = accept.acceptance.until.filter(|&until| until < today)?;
    let span = accept.until_span.unwrap_or(accept.acceptance.span);
    Some(
        Finding::new(
            Rule::ExpiredSuppression,
            span,
            format!(
                "accepted risk `{}` expired on {until}: what it accepted is reported again",
                accept.acceptance.what
            ),
        )
        .label(format!("expired on {until}"))
        .help("renew the acceptance with a later `until` and a current reason, or fix the single point of failure"),
    )
}
