//! `spof report --compare previous.json`: which single points of failure
//! are new, fixed or unchanged since an earlier JSON report, per failure
//! domain.
//!
//! A single point is a pair of a failure domain and an entity that domain
//! alone takes down (a risk group of one), both by name, and not accepted
//! (by an `[[accept]]` entry in force when its report was made). Reports
//! of every JSON version so far are read: each lists `entities[]` with
//! `id` and `risk_groups`, and `accepted_risks[]` (from version 3) with the
//! `domains` and `entities` each covers.

use super::Data;
use crate::model::Level;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A single point of failure: (domain, entity id).
type Point = (String, String);

/// The earlier report, as far as a comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous {
    /// The file, as given.
    pub path: String,
    /// Its JSON `version`.
    pub version: u64,
    /// `record.date`, when it has one.
    pub date: Option<String>,
    points: BTreeSet<Point>,
}

/// What changed since the earlier report.
pub struct Comparison {
    pub previous: Previous,
    /// Per domain with a single point in either report, outermost level
    /// first, then by name.
    pub domains: Vec<DomainTrend>,
}

/// The single points of one domain, before and now.
pub struct DomainTrend {
    pub domain: String,
    /// Entity ids, sorted: single points now that were not before.
    pub new: Vec<String>,
    /// Single points before that are not now.
    pub fixed: Vec<String>,
    pub unchanged: Vec<String>,
    /// Of `fixed`, the entities no longer in the estate at all.
    pub gone: Vec<String>,
}

impl DomainTrend {
    pub fn before(&self) -> usize {
        self.fixed.len() + self.unchanged.len()
    }

    pub fn now(&self) -> usize {
        self.new.len() + self.unchanged.len()
    }
}

/// A comparison cell: the ids, each written by `code`, those in `gone`
/// marked as no longer in the estate; a dash when there is none.
pub fn id_list(ids: &[String], gone: &[String], code: impl Fn(&str) -> String) -> String {
    if ids.is_empty() {
        return "—".to_string();
    }
    ids.iter()
        .map(|id| {
            let mark = if gone.contains(id) {
                " (no longer in the estate)"
            } else {
                ""
            };
            format!("{}{mark}", code(id))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `fewer`, `more` or `as many`: the direction from `before` to `now`.
pub fn trend(before: usize, now: usize) -> &'static str {
    match now.cmp(&before) {
        std::cmp::Ordering::Less => "fewer",
        std::cmp::Ordering::Greater => "more",
        std::cmp::Ordering::Equal => "as many",
    }
}

impl Comparison {
    /// Totals over every domain: before, now, new, fixed, unchanged.
    pub fn totals(&self) -> [usize; 5] {
        self.domains.iter().fold([0; 5], |t, d| {
            [
                t[0] + d.before(),
                t[1] + d.now(),
                t[2] + d.new.len(),
                t[3] + d.fixed.len(),
                t[4] + d.unchanged.len(),
            ]
        })
    }
}

/// Reads the earlier JSON report at `path`; the error says what is wrong
/// with it, and where.
pub fn read_previous(path: &std::path::Path, newest: u32) -> Result<Previous, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the previous report {shown}: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "the previous report {shown} is not valid JSON: {} at line {}, column {}",
            e.to_string().split(" at line").next().unwrap_or_default(),
            e.line(),
            e.column()
        )
    })?;
    let not_a_report = |what: &str| {
        format!(
            "the previous report {shown} is not a JSON report of `spof report --format json`: {what}"
        )
    };
    let version = doc
        .get("version")
        .and_then(Value::as_u64)
        .ok_or_else(|| not_a_report("it has no `version`"))?;
    if version == 0 || version > u64::from(newest) {
        return Err(format!(
            "the previous report {shown} has version {version}; this spof reads versions 1 to {newest}"
        ));
    }
    let entities = doc
        .get("entities")
        .and_then(Value::as_array)
        .ok_or_else(|| not_a_report("it has no `entities` array"))?;
    let mut accepted_domains = BTreeSet::new();
    let mut accepted_entities = BTreeSet::new();
    for risk in doc
        .get("accepted_risks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        accepted_domains.extend(strings(risk.get("domains")));
        accepted_entities.extend(strings(risk.get("entities")));
    }
    let mut points = BTreeSet::new();
    for (n, entity) in entities.iter().enumerate() {
        let id = entity
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| not_a_report(&format!("entity {} has no `id`", n + 1)))?;
        if accepted_entities.contains(id) {
            continue;
        }
        for group in entity
            .get("risk_groups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some([Value::String(domain)]) = group.as_array().map(Vec::as_slice)
                && !accepted_domains.contains(domain.as_str())
            {
                points.insert((domain.clone(), id.to_string()));
            }
        }
    }
    Ok(Previous {
        path: shown,
        version,
        date: doc
            .get("record")
            .and_then(|r| r.get("date"))
            .and_then(Value::as_str)
            .map(str::to_string),
        points,
    })
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// The single points of `data` set against `previous`'s.
pub fn compare(data: &Data, previous: Previous) -> Comparison {
    let mut now: BTreeSet<Point> = BTreeSet::new();
    for e in &data.entities {
        for d in data.open_failures(e) {
            now.insert((data.domain_name(d).to_string(), e.id.clone()));
        }
    }
    let present: BTreeSet<&str> = data.entities.iter().map(|e| e.id.as_str()).collect();
    let mut by_domain: BTreeMap<(usize, String), DomainTrend> = BTreeMap::new();
    fn at<'m>(
        by_domain: &'m mut BTreeMap<(usize, String), DomainTrend>,
        domain: &str,
    ) -> &'m mut DomainTrend {
        by_domain
            .entry((level_rank(domain), domain.to_string()))
            .or_insert_with(|| DomainTrend {
                domain: domain.to_string(),
                new: Vec::new(),
                fixed: Vec::new(),
                unchanged: Vec::new(),
                gone: Vec::new(),
            })
    }
    for (domain, id) in now.difference(&previous.points) {
        at(&mut by_domain, domain).new.push(id.clone());
    }
    for (domain, id) in previous.points.difference(&now) {
        let trend = at(&mut by_domain, domain);
        trend.fixed.push(id.clone());
        if !present.contains(id.as_str()) {
            trend.gone.push(id.clone());
        }
    }
    for (domain, id) in now.intersection(&previous.points) {
        at(&mut by_domain, domain).unchanged.push(id.clone());
    }
    Comparison {
        previous,
        domains: by_domain.into_values().collect(),
    }
}

/// Outermost level first; a name with no known level last.
fn level_rank(domain: &str) -> usize {
    domain
        .split_once(':')
        .and_then(|(level, _)| Level::parse(level))
        .map_or(crate::audit::LEVELS.len(), |l| l as usize)
}
