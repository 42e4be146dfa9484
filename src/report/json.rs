//! `json`: the full audit data. The keys below are a contract (see
//! docs/report.md); new keys may be added, existing ones never change
//! meaning. Findings and errors are exactly those of `spof check --format
//! json`.

use super::{Data, Fall, Place, StepRow, Target, suppression_reason};
use crate::output::Summary;
use crate::render::json::{Error, Finding, error, finding};
use serde::Serialize;

/// Bumped only when a key is removed or changes meaning: 2 when a
/// dependency could name a target set instead of an entity.
const VERSION: u32 = 2;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    /// Every failure domain, `level:name`.
    domains: &'a [String],
    max_group_size: usize,
    entities: Vec<Entity<'a>>,
    findings: Vec<Finding<'a>>,
    errors: Vec<Error<'a>>,
    suppressions: Vec<Suppressed<'a>>,
    blast_radius: Vec<BlastRadius<'a>>,
    tools: Vec<Tool<'a>>,
    dependencies: Vec<Dependency<'a>>,
    target_sets: Vec<Vec<&'a str>>,
    summary: &'a Summary,
}

#[derive(Serialize)]
struct Entity<'a> {
    id: &'a str,
    label: &'a str,
    role: &'static str,
    domains: Vec<&'a str>,
    risk_groups: Vec<Vec<&'a str>>,
}

#[derive(Serialize)]
struct Suppressed<'a> {
    finding: Finding<'a>,
    rules: &'a [String],
    reason: String,
    /// Where the suppression is written.
    location: Option<Place>,
}

#[derive(Serialize)]
struct BlastRadius<'a> {
    domain: &'a str,
    down: Vec<Fallen<'a>>,
    degraded: Vec<Fallen<'a>>,
}

#[derive(Serialize)]
struct Fallen<'a> {
    entity: &'a str,
    role: &'static str,
    because: Vec<Step<'a>>,
}

#[derive(Serialize)]
struct Step<'a> {
    entity: &'a str,
    text: &'a str,
    location: Option<&'a Place>,
}

#[derive(Serialize)]
struct Tool<'a> {
    id: &'a str,
    kind: Option<&'a str>,
    manages: Vec<&'a str>,
    /// Rule findings (SPOF024) that the tool shares fate with what it
    /// manages: their messages.
    shared_fate: Vec<&'a str>,
}

/// `to` an entity, or `to_set` an index into `target_sets`.
#[derive(Serialize)]
struct Dependency<'a> {
    from: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_set: Option<usize>,
    strength: &'static str,
}

impl Serialize for Place {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Place", 3)?;
        st.serialize_field("path", &*self.path)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.column)?;
        st.end()
    }
}

fn fallen<'a>(data: &'a Data, falls: &'a [Fall]) -> Vec<Fallen<'a>> {
    falls
        .iter()
        .map(|f| Fallen {
            entity: data.entity_id(f.entity),
            role: data.entities.get(f.entity).map_or("", |e| e.role.as_str()),
            because: f.because.iter().map(|s| step(data, s)).collect(),
        })
        .collect()
}

fn step<'a>(data: &'a Data, s: &'a StepRow) -> Step<'a> {
    Step {
        entity: data.entity_id(s.entity),
        text: &s.text,
        location: s.at.as_ref(),
    }
}

pub(super) fn render(data: &Data, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let names = |ids: &[u32]| -> Vec<&str> { ids.iter().map(|&d| data.domain_name(d)).collect() };
    let doc = Document {
        version: VERSION,
        domains: &data.domains,
        max_group_size: data.max_group_size,
        entities: data
            .entities
            .iter()
            .map(|e| Entity {
                id: &e.id,
                label: &e.label,
                role: e.role.as_str(),
                domains: names(&e.domains),
                risk_groups: e.risk_groups.iter().map(|g| names(g)).collect(),
            })
            .collect(),
        findings: data
            .findings
            .iter()
            .map(|d| finding(data.sources, d))
            .collect(),
        errors: data.errors.iter().map(|d| error(data.sources, d)).collect(),
        suppressions: data
            .suppressed
            .iter()
            .map(|(d, s)| Suppressed {
                finding: finding(data.sources, d),
                rules: &s.rules,
                reason: suppression_reason(s),
                location: data.place(s.span),
            })
            .collect(),
        blast_radius: data
            .blast
            .iter()
            .map(|b| BlastRadius {
                domain: data.domain_name(b.domain),
                down: fallen(data, &b.down),
                degraded: fallen(data, &b.degraded),
            })
            .collect(),
        tools: data
            .tools
            .iter()
            .map(|t| Tool {
                id: data.entity_id(t.entity),
                kind: data
                    .entities
                    .get(t.entity)
                    .and_then(|e| e.tool_kind.as_deref()),
                manages: t.manages.iter().map(|&m| data.entity_id(m)).collect(),
                shared_fate: t
                    .shared_fate
                    .iter()
                    .filter_map(|&k| data.findings.get(k))
                    .map(|d| d.message.as_str())
                    .collect(),
            })
            .collect(),
        dependencies: data
            .edges
            .iter()
            .map(|e| Dependency {
                from: data.entity_id(e.from),
                to: match e.to {
                    Target::Entity(t) => Some(data.entity_id(t)),
                    Target::Set(_) => None,
                },
                to_set: match e.to {
                    Target::Entity(_) => None,
                    Target::Set(s) => Some(s),
                },
                strength: if e.hard { "hard" } else { "soft" },
            })
            .collect(),
        target_sets: data
            .sets
            .iter()
            .map(|set| set.iter().map(|&e| data.entity_id(e)).collect())
            .collect(),
        summary: data.summary,
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
