//! `spof report`: the architects' audit of an estate in one document, as
//! HTML, Markdown or JSON.
//!
//! [`gather`] collects everything the report says once (entities with their
//! failure domains and risk groups, the dependency graph, what each domain
//! takes down, the recovery plane, findings with source excerpts and
//! suppressions with their reasons); each format only lays that [`Data`]
//! out, so the three formats always tell the same story.

pub mod compare;
mod figure;
mod groups;
mod html;
mod html_text;
mod json;
mod layout;
mod markdown;
mod md_text;
pub mod opening;
mod opening_html;
mod opening_json;
mod opening_md;

use crate::audit::{Audit, Group};
use crate::check::Report;
use crate::config::Accept;
use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::estate::Estate;
use crate::model::{Acceptance, Expiry, Level, Role, Suppression};
use crate::output::Summary;
use crate::source::{SourceMap, Span};
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::Arc;

pub use html_text::escape as escape_html;
pub use json::VERSION as JSON_VERSION;

/// Formats of `spof report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Html,
    Markdown,
    Json,
}

/// Writes the report in `format`.
pub fn render(
    format: ReportFormat,
    data: &Data,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Html => w.write_all(html::render(data).as_bytes()),
        ReportFormat::Markdown => w.write_all(markdown::render(data).as_bytes()),
        // Standard output is line-buffered: the pretty-printed document
        // would cost a system call per line.
        ReportFormat::Json => {
            let mut buffered = std::io::BufWriter::with_capacity(crate::render::json::BUFFER, w);
            json::render(data, &mut buffered)?;
            buffered.flush()
        }
    }
}

/// Roles in the order the report lists them.
pub const ROLES: [Role; 5] = [
    Role::Service,
    Role::Tool,
    Role::Datastore,
    Role::Network,
    Role::Platform,
];

/// Everything a report shows.
pub struct Data<'a> {
    pub sources: &'a SourceMap,
    pub estate: &'a Estate,
    pub audit: &'a Audit,
    pub summary: &'a Summary,
    /// Failure domains as `level:name`, by audit domain id.
    pub domains: Vec<String>,
    /// Level of each domain.
    pub levels: Vec<Level>,
    /// Largest risk group computed.
    pub max_group_size: usize,
    /// The dependency graph as a Mermaid flowchart (`spof graph --format
    /// mermaid`), when the estate is small enough to draw whole.
    pub mermaid: Option<String>,
    /// By entity index.
    pub entities: Vec<EntityRow<'a>>,
    /// Dependencies, one per entity and target, sorted.
    pub edges: Vec<Edge>,
    /// The sets of several entities that edges point to (what a Service
    /// selects), each once: entity indices, by [`Target::Set`] number.
    pub sets: Vec<Vec<usize>>,
    /// What each domain's failure takes down, by domain id, with whole
    /// chains: computed when first asked for ([`Data::blast`]); the JSON
    /// document writes each domain's hops as it simulates it instead.
    blast: OnceCell<Vec<Blast>>,
    /// The same without the chains (every `because` empty), for what only
    /// counts and names what falls: [`Data::falls`].
    falls: OnceCell<Vec<Blast>>,
    /// Tools, in entity order.
    pub tools: Vec<ToolRow>,
    /// Rule findings, in output order.
    pub findings: Vec<&'a Diagnostic>,
    /// Input problems: the report covers only what could be read.
    pub errors: Vec<&'a Diagnostic>,
    pub suppressed: &'a [(Diagnostic, Suppression)],
    /// Findings an `[[accept]]` covers, with it.
    pub accepted: &'a [(Diagnostic, Acceptance)],
    /// The `[[accept]]` entries in force, in file order.
    pub accepts: &'a [Accept],
    /// By domain id: the first entry that accepts its single points.
    pub accepted_domains: Vec<Option<usize>>,
    /// When, with what and on what the report was made.
    pub record: Record,
    /// The headline, the changes to make and the summary in words:
    /// computed when first asked for ([`Data::opening`]).
    opening: OnceCell<opening::Opening>,
    /// What changed since an earlier report (`--compare`).
    pub comparison: Option<compare::Comparison>,
}

/// When, with what and on what a report was made, so that it can be filed
/// as an audit record. Built by the caller (the command line reads the
/// clock and git), so that the report itself stays a function of its
/// inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The day `until=` dates are compared with, `YYYY-MM-DD`.
    pub date: String,
    /// spof's version.
    pub version: String,
    /// The commit checked out in the git repository holding the scanned
    /// paths; `None` outside a repository.
    pub commit: Option<String>,
    /// Whether that working tree had changes not committed (untracked
    /// files included); `None` outside a repository.
    pub dirty: Option<bool>,
    /// The paths scanned, as given.
    pub paths: Vec<String>,
    /// SHA-256 of the configuration file's text, in hex; `None` without one.
    pub config_sha256: Option<String>,
    /// Files read, by the input format (frontend) that read them, sorted
    /// by format.
    pub formats: Vec<(String, usize)>,
}

impl Record {
    /// The commit in words: `abc123`, `abc123 with uncommitted changes`,
    /// or `none (not a git repository)`.
    pub fn commit_text(&self) -> String {
        match (&self.commit, self.dirty) {
            (Some(c), Some(true)) => format!("{c} with uncommitted changes"),
            (Some(c), _) => c.clone(),
            (None, _) => "none (not a git repository)".to_string(),
        }
    }

    /// What the report is of, for its title and page header: the last
    /// name of each scanned path (`two-datacenters` for
    /// `testdata/estates/two-datacenters`), joined by `, `; empty when no
    /// path names one (`.`).
    pub fn estate_name(&self) -> String {
        let names: Vec<String> = self
            .paths
            .iter()
            .filter_map(|p| {
                std::path::Path::new(p)
                    .components()
                    .filter_map(|c| match c {
                        std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                        _ => None,
                    })
                    .next_back()
            })
            .collect();
        names.join(", ")
    }

    /// The file counts in words: `kubernetes 3, terraform 2`, or `none`.
    pub fn formats_text(&self) -> String {
        if self.formats.is_empty() {
            return "none".to_string();
        }
        self.formats
            .iter()
            .map(|(f, n)| format!("{f} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub struct EntityRow<'a> {
    pub id: String,
    /// `Deployment default/web`.
    pub label: String,
    pub role: Role,
    pub tool_kind: Option<String>,
    /// Domain ids where it may run, every level, sorted: borrowed from the
    /// audit.
    pub domains: &'a [u32],
    /// Minimal sets of domain ids whose joint failure takes it down, ranked
    /// by size: borrowed from the audit, not copied for the report.
    pub risk_groups: &'a [Group],
    /// The first `[[accept]]` entry that names it.
    pub accepted: Option<usize>,
}

impl EntityRow<'_> {
    /// Domains that alone take it down.
    pub fn single_failures(&self) -> impl Iterator<Item = u32> + '_ {
        self.risk_groups
            .iter()
            .filter(|g| g.len() == 1)
            .filter_map(|g| g.ids().first().copied())
    }

    pub fn is_spof(&self) -> bool {
        self.single_failures().next().is_some()
    }
}

/// `from` depends on `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: usize,
    pub to: Target,
    /// Down when `to` is down (otherwise a soft dependency).
    pub hard: bool,
    /// Not hard, but needed to restart or redeploy `from`.
    pub recovery: bool,
}

/// What a dependency names: one entity, or a set of several (index into
/// [`Data::sets`]), so that 10,000 Services selecting the same 2,000
/// workloads are 10,000 edges and one set, not 20 million edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Entity(usize),
    Set(usize),
}

/// One hop of an explanation.
pub struct StepRow {
    pub entity: usize,
    pub text: String,
    pub at: Option<Place>,
}

/// A source position, as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Shared by every place in one file: a report of a large estate
    /// holds millions of places.
    pub path: Arc<str>,
    pub line: u32,
    pub column: u32,
}

pub struct Fall {
    pub entity: usize,
    pub because: Vec<StepRow>,
}

impl Fall {
    /// The explanation as hops of a chain; the steps of one hop are the
    /// reasons of one entity (each of its copies), all true at once.
    pub fn hops(&self) -> Vec<&[StepRow]> {
        self.because.chunk_by(|a, b| a.entity == b.entity).collect()
    }
}

/// What one domain's failure does.
pub struct Blast {
    pub domain: u32,
    pub down: Vec<Fall>,
    pub degraded: Vec<Fall>,
    /// Still running, but unable to restart while the domain is down.
    pub unrecoverable: Vec<Fall>,
}

pub struct ToolRow {
    pub entity: usize,
    /// Entities it manages, sorted.
    pub manages: Vec<usize>,
    /// Its SPOF024 (tool-shares-fate) findings.
    pub shared_fate: Vec<usize>,
}

/// Most entities drawn as one Mermaid diagram in Markdown.
/// Above this many entities, sections count and list rather than explain:
/// risk groups show single failures only, the matrix is left out, each
/// domain's blast radius is counted by role, findings are one row each,
/// grouped by rule (the HTML page lists at most 500 of one rule).
pub const LARGE_ESTATE: usize = 2_000;

pub const MERMAID_LIMIT: usize = 150;

/// Mermaid's default `maxTextSize`: a longer diagram is not drawn.
pub(crate) const MERMAID_MAX_TEXT: usize = 50_000;

/// Services a headline names before it counts the rest.
pub const HEADLINE_SERVICES: usize = 12;

/// Rule of the recovery plane sharing fate with what it recovers.
pub const SHARED_FATE: &str = "SPOF024";

/// Lines shown before and after a finding's primary span.
const CONTEXT_LINES: usize = 2;

/// A few lines of source around a span.
pub struct Excerpt {
    pub path: String,
    /// (1-based line number, text, whether the span covers it).
    pub lines: Vec<(u32, String, bool)>,
}

impl Data<'_> {
    /// What each domain's failure takes down or degrades, and why.
    pub fn blast(&self) -> &[Blast] {
        self.blast
            .get_or_init(|| blasts(self.sources, self.estate, self.audit, self.domains.len()))
    }

    /// What each domain's failure takes down, degrades or leaves unable to
    /// restart, without the chains that say why: [`Data::blast`] when it
    /// was computed, else simulated without wording a chain. A large
    /// estate's HTML page only counts and names what falls, and the chains
    /// of every entity for every domain are most of what it would hold.
    pub fn falls(&self) -> &[Blast] {
        if let Some(blast) = self.blast.get() {
            return blast;
        }
        self.falls.get_or_init(|| {
            let entities = |hops: Vec<crate::audit::Hop>| -> Vec<Fall> {
                hops.into_iter()
                    .map(|h| Fall {
                        entity: h.entity,
                        because: Vec::new(),
                    })
                    .collect()
            };
            (0..self.domains.len())
                .filter_map(|d| u32::try_from(d).ok())
                .map(|d| {
                    let hops = self.audit.simulate_hops(self.estate, &[d]);
                    Blast {
                        domain: d,
                        down: entities(hops.down),
                        degraded: entities(hops.degraded),
                        unrecoverable: entities(hops.unrecoverable),
                    }
                })
                .collect()
        })
    }

    /// What the report says first ([`opening`]).
    pub fn opening(&self) -> &opening::Opening {
        self.opening.get_or_init(|| opening::opening(self))
    }

    pub fn domain_name(&self, id: u32) -> &str {
        self.domains.get(id as usize).map_or("?", String::as_str)
    }

    pub fn entity_id(&self, index: usize) -> &str {
        self.entities.get(index).map_or("?", |e| e.id.as_str())
    }

    pub fn place(&self, span: Span) -> Option<Place> {
        place(self.sources, span)
    }

    pub fn excerpt(&self, span: Span) -> Option<Excerpt> {
        excerpt(self.sources, span)
    }

    /// Entities by role, in [`ROLES`] order, with their count.
    pub fn roles(&self) -> Vec<(Role, usize)> {
        ROLES
            .iter()
            .map(|&r| (r, self.entities.iter().filter(|e| e.role == r).count()))
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// Findings by severity, most severe first.
    pub fn severities(&self) -> Vec<(Severity, usize)> {
        [Severity::Error, Severity::Warning, Severity::Info]
            .into_iter()
            .map(|s| (s, self.findings.iter().filter(|d| d.severity == s).count()))
            .collect()
    }

    /// The entities an edge's target stands for.
    pub fn targets<'d>(&'d self, to: &'d Target) -> &'d [usize] {
        match to {
            Target::Entity(e) => std::slice::from_ref(e),
            Target::Set(s) => self.sets.get(*s).map_or(&[], Vec::as_slice),
        }
    }

    /// Whether the single points in domain `d` are accepted.
    pub fn domain_accepted(&self, d: u32) -> bool {
        self.accepted_domains
            .get(d as usize)
            .is_some_and(Option::is_some)
    }

    /// The domains that alone take `e` down and that no `[[accept]]`
    /// covers.
    pub fn open_failures<'d>(&'d self, e: &'d EntityRow<'_>) -> impl Iterator<Item = u32> + 'd {
        e.single_failures()
            .filter(move |&d| e.accepted.is_none() && !self.domain_accepted(d))
    }

    /// Whether `e` has a single point of failure nobody accepted.
    pub fn is_open_spof(&self, e: &EntityRow<'_>) -> bool {
        self.open_failures(e).next().is_some()
    }

    /// Entity index by id.
    pub fn entity_index(&self, id: &str) -> Option<usize> {
        self.entities.iter().position(|e| e.id == id)
    }
}

/// Collects the report of a run: `report`'s findings, `estate`'s entities
/// and graph, `audit`'s domains, risk groups and what-ifs.
pub fn gather<'a>(
    report: &'a Report,
    estate: &'a Estate,
    audit: &'a Audit,
    record: Record,
) -> Data<'a> {
    let model = &estate.model;
    let (edges, sets) = edges_and_sets(estate);
    let domains: Vec<String> = (0..audit.domains.len())
        .map(|d| audit.domain_name(u32::try_from(d).unwrap_or(u32::MAX)))
        .collect();
    let levels = audit.domains.iter().map(|d| d.level).collect();
    let sources = &report.sources;
    let findings: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Finding)
        .collect();
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error)
        .collect();
    let tools = tool_rows(estate, &findings);
    let mermaid = (model.entities.len() <= MERMAID_LIMIT)
        .then(|| {
            let view = crate::render::graph::View::new(estate, &[], None);
            crate::render::graph::mermaid(estate, &view)
        })
        .filter(|chart| chart.len() <= MERMAID_MAX_TEXT);
    Data {
        sources,
        estate,
        audit,
        summary: &report.summary,
        mermaid,
        domains,
        levels,
        max_group_size: audit.max_group_size,
        entities: entity_rows(estate, audit, &report.accepts),
        edges,
        sets,
        blast: OnceCell::new(),
        falls: OnceCell::new(),
        tools,
        findings,
        errors,
        suppressed: &report.suppressed,
        accepted: &report.accepted,
        accepts: &report.accepts,
        accepted_domains: audit
            .domains
            .iter()
            .map(|d| {
                report
                    .accepts
                    .iter()
                    .position(|a| a.target.covers_domain(d))
            })
            .collect(),
        record,
        opening: OnceCell::new(),
        comparison: None,
    }
}

/// Each entity with its failure domains and risk groups (the audit's,
/// sorted and without duplicates, borrowed).
fn entity_rows<'a>(estate: &Estate, audit: &'a Audit, accepts: &[Accept]) -> Vec<EntityRow<'a>> {
    estate
        .model
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let a = audit.entities.of(i);
            EntityRow {
                id: e.id.clone(),
                label: e.label(),
                role: e.role,
                tool_kind: e.tool_kind.clone(),
                domains: a.domains,
                risk_groups: a.risk_groups,
                accepted: accepts.iter().position(|a| a.target.covers_entity(&e.id)),
            }
        })
        .collect()
}

/// The dependency edges, one per pair (hard if any of its dependencies
/// is, else recovery if any is), with the sets they point at, numbered in the order edges first
/// name them.
fn edges_and_sets(estate: &Estate) -> (Vec<Edge>, Vec<Vec<usize>>) {
    let graph = &estate.graph;
    let mut pairs: BTreeMap<(usize, Target), (bool, bool)> = BTreeMap::new();
    for (from, entries) in graph.resolved.iter().enumerate() {
        for entry in entries {
            let to = match graph.targets(entry) {
                [one] => Target::Entity(*one),
                _ => Target::Set(entry.set as usize),
            };
            let pair = pairs.entry((from, to)).or_insert((false, false));
            pair.0 |= entry.strength == crate::model::Strength::Hard;
            pair.1 |= entry.strength == crate::model::Strength::Recovery;
        }
    }
    let mut numbers: BTreeMap<usize, usize> = BTreeMap::new();
    let mut sets: Vec<Vec<usize>> = Vec::new();
    let edges = pairs
        .into_iter()
        .map(|((from, to), (hard, recovery))| {
            let to = match to {
                Target::Set(set) => Target::Set(*numbers.entry(set).or_insert_with(|| {
                    sets.push(graph.sets.get(set).to_vec());
                    sets.len() - 1
                })),
                entity @ Target::Entity(_) => entity,
            };
            Edge {
                from,
                to,
                hard,
                recovery: recovery && !hard,
            }
        })
        .collect();
    (edges, sets)
}

/// What each of the `domains` failure domains takes down or degrades, and
/// why.
fn blasts(sources: &SourceMap, estate: &Estate, audit: &Audit, domains: usize) -> Vec<Blast> {
    // Each file's path once, shared by the places of every step.
    let paths: Vec<Arc<str>> = sources
        .iter()
        .map(|(_, file)| Arc::from(file.display_path()))
        .collect();
    let step_rows = |steps: Vec<crate::audit::Step>| -> Vec<StepRow> {
        steps
            .into_iter()
            .map(|s| StepRow {
                entity: s.entity,
                at: s.span.and_then(|span| {
                    let path = paths.get(usize::try_from(span.file.0).ok()?)?;
                    place_at(sources, span, Arc::clone(path))
                }),
                text: s.text,
            })
            .collect()
    };
    (0..domains)
        .filter_map(|d| u32::try_from(d).ok())
        .map(|d| {
            let sim = audit.simulate(estate, &[d]);
            Blast {
                domain: d,
                down: sim
                    .down
                    .into_iter()
                    .map(|f| Fall {
                        entity: f.entity,
                        because: step_rows(f.because),
                    })
                    .collect(),
                degraded: sim
                    .degraded
                    .into_iter()
                    .map(|f| Fall {
                        entity: f.entity,
                        because: step_rows(f.because),
                    })
                    .collect(),
                unrecoverable: sim
                    .unrecoverable
                    .into_iter()
                    .map(|f| Fall {
                        entity: f.entity,
                        because: step_rows(f.because),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Each tool, what it manages, and its shared-fate findings (their
/// positions in `findings`).
fn tool_rows(estate: &Estate, findings: &[&Diagnostic]) -> Vec<ToolRow> {
    // The shared-fate findings by entity, in one pass: not every finding
    // for every tool (one service in fifty is a tool in a large estate).
    let mut fates: std::collections::HashMap<&str, Vec<usize>, foldhash::fast::RandomState> =
        std::collections::HashMap::default();
    for (k, d) in findings.iter().enumerate() {
        if d.code == SHARED_FATE
            && let Some(entity) = d.entity.as_deref()
        {
            fates.entry(entity).or_default().push(k);
        }
    }
    estate
        .model
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.role == Role::Tool)
        .map(|(i, e)| {
            let mut manages: Vec<usize> = estate
                .graph
                .manages
                .get(i)
                .map(|m| m.iter().map(|edge| edge.target).collect())
                .unwrap_or_default();
            manages.sort_unstable();
            manages.dedup();
            let shared_fate = fates.get(e.id.as_str()).cloned().unwrap_or_default();
            ToolRow {
                entity: i,
                manages,
                shared_fate,
            }
        })
        .collect()
}

fn source_file(sources: &SourceMap, span: Span) -> Option<&crate::source::SourceFile> {
    (usize::try_from(span.file.0).ok()? < sources.len()).then(|| sources.get(span.file))
}

fn place(sources: &SourceMap, span: Span) -> Option<Place> {
    let file = source_file(sources, span)?;
    place_at(sources, span, Arc::from(file.display_path()))
}

/// [`place`], with the file's display path given.
fn place_at(sources: &SourceMap, span: Span, path: Arc<str>) -> Option<Place> {
    let at = source_file(sources, span)?.line_col(span.range.start);
    Some(Place {
        path,
        line: at.line,
        column: at.column,
    })
}

fn excerpt(sources: &SourceMap, span: Span) -> Option<Excerpt> {
    let file = source_file(sources, span)?;
    let first = file.lines().line_of(span.range.start);
    // An end just past a newline belongs to the line before.
    let last = file
        .lines()
        .line_of(span.range.end.saturating_sub(1).max(span.range.start));
    let from = first.saturating_sub(CONTEXT_LINES);
    let to = (last + CONTEXT_LINES).min(file.lines().line_count().saturating_sub(1));
    let lines = (from..=to)
        .map(|l| {
            // A long line is cut to a window around the span.
            let anchor = if l == first {
                span.range.start
            } else if l == last {
                span.range.end
            } else {
                0
            };
            (
                u32::try_from(l + 1).unwrap_or(u32::MAX),
                plain(&file.shown_line(l, anchor as usize)),
                (first..=last).contains(&l),
            )
        })
        .collect();
    Some(Excerpt {
        path: file.display_path(),
        lines,
    })
}

/// Text from scanned files without control or bidirectional-override
/// characters (each becomes `?`); tabs and line breaks become spaces.
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') =>
            {
                '?'
            }
            c => c,
        })
        .collect()
}

/// One `[[accept]]` entry in force, as the report lists it.
pub struct AcceptedRow<'d> {
    pub acceptance: &'d Acceptance,
    /// Where it is written.
    pub at: Option<Place>,
    /// The domains of the estate whose single points it accepts.
    pub domains: Vec<u32>,
    /// The entities it names.
    pub entities: Vec<usize>,
    /// The findings it covers.
    pub findings: Vec<&'d Diagnostic>,
}

impl Data<'_> {
    /// The `[[accept]]` entries in force, in file order, with what each
    /// covers.
    pub fn accepted_rows(&self) -> Vec<AcceptedRow<'_>> {
        self.accepts
            .iter()
            .enumerate()
            .map(|(i, a)| AcceptedRow {
                acceptance: &a.acceptance,
                at: self.place(a.acceptance.span),
                domains: (0..self.accepted_domains.len())
                    .filter(|&d| self.accepted_domains[d] == Some(i))
                    .filter_map(|d| u32::try_from(d).ok())
                    .collect(),
                entities: (0..self.entities.len())
                    .filter(|&e| self.entities[e].accepted == Some(i))
                    .collect(),
                findings: self
                    .accepted
                    .iter()
                    .filter(|(_, by)| by.span == a.acceptance.span)
                    .map(|(d, _)| d)
                    .collect(),
            })
            .collect()
    }
}

/// An accepted risk's reason, owner and expiry, in words.
pub fn acceptance_reason(a: &Acceptance) -> String {
    let mut text = format!("{} (owner: {}", a.reason, a.owner);
    if let Some(until) = a.until {
        text.push_str(&format!(", until {until}"));
    }
    text.push(')');
    plain(&text)
}

/// A suppression's reason and expiry, in words.
pub fn suppression_reason(s: &Suppression) -> String {
    let mut text = s
        .reason
        .clone()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "(no reason given)".to_string());
    match &s.expiry {
        Some(Expiry::Until(date)) => text.push_str(&format!(" (until {date})")),
        Some(Expiry::Invalid(words)) => text.push_str(&format!(" (invalid expiry: {words})")),
        None => {}
    }
    plain(&text)
}

/// Entity indices written as their ids, without a vector of ids.
struct Ids<'a>(&'a Data<'a>, &'a [usize]);

impl serde::Serialize for Ids<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|&e| self.0.entity_id(e)))
    }
}

#[cfg(test)]
mod tests;
