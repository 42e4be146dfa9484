//! `json`: the full audit data. The keys below are a contract (see
//! docs/report.md); new keys may be added, existing ones never change
//! meaning. Findings and errors are exactly those of `spof check --format
//! json`.

use super::{Data, Ids, Place, Target, suppression_reason};
use crate::audit::{Audit, Group, Hop, Hops};
use crate::graph::DepEdge;
use crate::render::json::{Stream, error, finding};
use crate::source::Span;
use rayon::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};
use std::cell::RefCell;
use std::collections::HashMap;

/// Bumped only when a key is removed or changes meaning: 2 when a
/// dependency could name a target set instead of an entity; 3 when each
/// entity of a blast radius gave its own hop only (`because`, `next`)
/// instead of the whole chain; 4 when a dependency hop named its
/// declaration (`declaration`, an index into `declarations`) instead of
/// giving its sentence and place in `because`.
pub const VERSION: u32 = 4;

/// Domains simulated at once, then written in order: one per thread (at
/// most four). Three batches are in memory at once (one written, one
/// waiting, one simulated), each domain's list of what falls as long as a
/// good part of the estate.
fn domains_at_once() -> usize {
    rayon::current_num_threads().clamp(1, 4)
}

/// The document, written key by key: every list is written item by item,
/// each item made when its turn comes (a large estate's entities, findings
/// and blast radius are each far larger as JSON forms than as the data they
/// are made from). The keys, in order: `version`, `record`, the opening's
/// (`summary_in_words`, `headline`, `top_actions`, `comparison`),
/// `domains` (every failure domain, `level:name`), `max_group_size`,
/// `entities`, `findings`, `errors`, `suppressions`, `accepted_risks`,
/// `blast_radius`, `declarations` (the dependency declarations the blast
/// radius goes through), `tools`, `dependencies`, `target_sets`,
/// `summary`.
struct Document<'a> {
    data: &'a Data<'a>,
    radii: BlastRadii<'a>,
}

impl Serialize for Document<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let data = self.data;
        let sources = data.sources;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("version", &VERSION)?;
        map.serialize_entry("record", &record(data))?;
        super::opening_json::opening(data).entries(&mut map)?;
        map.serialize_entry("domains", &data.domains)?;
        map.serialize_entry("max_group_size", &data.max_group_size)?;
        map.serialize_entry("entities", &Stream(|| entities(data)))?;
        map.serialize_entry(
            "findings",
            &Stream(|| data.findings.iter().map(|d| finding(sources, d))),
        )?;
        map.serialize_entry(
            "errors",
            &Stream(|| data.errors.iter().map(|d| error(sources, d))),
        )?;
        map.serialize_entry(
            "suppressions",
            &Stream(|| {
                data.suppressed.iter().map(|(d, s)| Suppressed {
                    finding: finding(sources, d),
                    rules: &s.rules,
                    reason: suppression_reason(s),
                    location: data.place(s.span),
                })
            }),
        )?;
        map.serialize_entry("accepted_risks", &Stream(|| accepted_risks(data)))?;
        map.serialize_entry("blast_radius", &self.radii)?;
        map.serialize_entry("declarations", &Declarations(&self.radii))?;
        map.serialize_entry("tools", &Stream(|| tools(data)))?;
        map.serialize_entry("dependencies", &Stream(|| dependencies(data)))?;
        map.serialize_entry(
            "target_sets",
            &Stream(|| data.sets.iter().map(|set| Ids(data, set))),
        )?;
        map.serialize_entry("summary", data.summary)?;
        map.end()
    }
}

/// When, with what and on what the report was made.
#[derive(Serialize)]
struct Record<'a> {
    date: &'a str,
    spof_version: &'a str,
    commit: Option<&'a str>,
    dirty: Option<bool>,
    paths: &'a [String],
    config_sha256: Option<&'a str>,
    /// Files read, by the input format that read them.
    files_by_format: std::collections::BTreeMap<&'a str, usize>,
}

#[derive(Serialize)]
struct Entity<'a> {
    id: &'a str,
    label: &'a str,
    role: &'static str,
    /// The tier declared, 1 (most critical) to 4; absent when none is.
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<u8>,
    domains: Names<'a>,
    risk_groups: Groups<'a>,
}

#[derive(Serialize)]
struct Suppressed<'a> {
    finding: crate::render::json::Finding<'a>,
    rules: &'a [String],
    reason: String,
    /// Where the suppression is written.
    location: Option<Place>,
}

/// An `[[accept]]` entry in force, with what it covers.
#[derive(Serialize)]
struct AcceptedRisk<'a> {
    /// `domain region:capital`, `level region` or `entity GLOB`.
    accepted: &'a str,
    reason: &'a str,
    owner: &'a str,
    until: Option<String>,
    /// Where it is written.
    location: Option<Place>,
    /// Failure domains of the estate whose single points it accepts.
    domains: Vec<&'a str>,
    /// Entities it names.
    entities: Vec<&'a str>,
    findings: Vec<crate::render::json::Finding<'a>>,
}

#[derive(Serialize)]
struct BlastRadius<'a> {
    domain: &'a str,
    down: FallenList<'a>,
    degraded: FallenList<'a>,
    /// Still running, but unable to restart while the domain is down.
    #[serde(skip_serializing_if = "FallenList::is_empty")]
    unrecoverable: FallenList<'a>,
}

/// The entities of one list of a blast radius, each written as
/// [`Fallen`] when its turn comes; the declarations they go through are
/// numbered in that order.
struct FallenList<'a> {
    radii: &'a BlastRadii<'a>,
    hops: &'a [Hop],
}

impl FallenList<'_> {
    fn is_empty(&self) -> bool {
        self.hops.is_empty()
    }
}

impl Serialize for FallenList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.hops.iter().map(|h| self.radii.fallen(h)))
    }
}

/// An entity a domain's failure takes down or degrades, with its own hop of
/// the explanation: either its own reasons (`because`), or the dependency
/// declaration it falls through (`declaration`, an index into the
/// document's `declarations`) and the chain goes on at `next`, an entity of
/// the same domain's `down` or `degraded`.
#[derive(Serialize)]
struct Fallen<'a> {
    entity: &'a str,
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<Vec<Reason<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    declaration: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<&'a str>,
}

/// A dependency declaration a blast radius goes through: `from` depends on
/// `to`, in words, and where it is written.
#[derive(Serialize)]
struct Declaration<'a> {
    from: &'a str,
    to: &'a str,
    text: String,
    location: Option<Location<'a>>,
}

#[derive(Serialize)]
struct Reason<'a> {
    text: &'a str,
    location: Option<Location<'a>>,
}

/// A [`Place`] whose path is borrowed.
#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    line: u32,
    column: u32,
}

/// The blast radius of every domain, simulated a few domains at a time
/// while the document is written: a large estate's whole blast radius is
/// far larger than the estate.
struct BlastRadii<'a> {
    data: &'a Data<'a>,
    /// Each file's display path, by file id.
    paths: Vec<String>,
    /// The declarations hops went through, numbered in the order the
    /// blast radius first names them.
    declarations: RefCell<Numbered>,
}

/// Dependency declarations (the entity and its edge), each numbered once.
#[derive(Default)]
struct Numbered {
    /// foldhash: looked up once for every entity of every blast radius
    /// that falls through a dependency.
    numbers: HashMap<(usize, DepEdge), usize, foldhash::fast::RandomState>,
    list: Vec<(usize, DepEdge)>,
}

impl Numbered {
    fn number(&mut self, at: usize, edge: DepEdge) -> usize {
        *self.numbers.entry((at, edge)).or_insert_with(|| {
            self.list.push((at, edge));
            self.list.len() - 1
        })
    }
}

/// [`BlastRadii::declarations`], written after the blast radius.
struct Declarations<'a>(&'a BlastRadii<'a>);

impl Serialize for Declarations<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let radii = self.0;
        let data = radii.data;
        let numbered = radii.declarations.borrow();
        s.collect_seq(numbered.list.iter().map(|&(at, edge)| {
            let (text, span) = Audit::declaration(data.estate, at, edge);
            Declaration {
                from: data.entity_id(at),
                to: data.entity_id(edge.target),
                text,
                location: span.and_then(|span| radii.location(span)),
            }
        }))
    }
}

#[derive(Serialize)]
struct Tool<'a> {
    id: &'a str,
    kind: Option<&'a str>,
    manages: Ids<'a>,
    /// Rule findings (SPOF024) that the tool shares fate with what it
    /// manages: their messages.
    shared_fate: Vec<&'a crate::diagnostic::Message>,
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

/// Domain ids written as their names, without a vector of names for each
/// entity and group (a large estate has millions of groups).
struct Names<'a>(&'a Data<'a>, &'a [u32]);

impl Serialize for Names<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|&d| self.0.domain_name(d)))
    }
}

/// Risk groups, each as [`Names`].
struct Groups<'a>(&'a Data<'a>, &'a [Group]);

impl Serialize for Groups<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|g| Names(self.0, g.ids())))
    }
}

impl Serialize for BlastRadii<'_> {
    /// Simulates the next few domains while the last ones are written.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let data = self.data;
        let (audit, estate) = (data.audit, data.estate);
        let ids: Vec<u32> = (0..data.domains.len())
            .filter_map(|d| u32::try_from(d).ok())
            .collect();
        std::thread::scope(|scope| {
            // One batch waits while one is written: three at most in memory.
            let (batches, simulated) = std::sync::mpsc::sync_channel::<Vec<Hops>>(1);
            let ids = &ids;
            let at_once = domains_at_once();
            scope.spawn(move || {
                for chunk in ids.chunks(at_once) {
                    let batch = chunk
                        .par_iter()
                        .map(|&d| audit.simulate_hops(estate, &[d]))
                        .collect();
                    if batches.send(batch).is_err() {
                        break;
                    }
                }
            });
            let mut seq = s.serialize_seq(Some(ids.len()))?;
            for (chunk, batch) in ids.chunks(at_once).zip(simulated.iter()) {
                for (&d, hops) in chunk.iter().zip(&batch) {
                    let list = |hops| FallenList { radii: self, hops };
                    seq.serialize_element(&BlastRadius {
                        domain: data.domain_name(d),
                        down: list(&hops.down),
                        degraded: list(&hops.degraded),
                        unrecoverable: list(&hops.unrecoverable),
                    })?;
                }
            }
            seq.end()
        })
    }
}

impl<'a> BlastRadii<'a> {
    fn new(data: &'a Data<'a>) -> Self {
        let paths = data
            .sources
            .iter()
            .map(|(_, file)| file.display_path())
            .collect();
        BlastRadii {
            data,
            paths,
            declarations: RefCell::default(),
        }
    }

    /// `h` as the blast radius writes it, its declaration numbered.
    fn fallen<'h>(&'h self, h: &'h Hop) -> Fallen<'h> {
        let data = self.data;
        Fallen {
            entity: data.entity_id(h.entity),
            role: data.entities.get(h.entity).map_or("", |e| e.role.as_str()),
            because: h.via.is_none().then(|| {
                h.steps
                    .iter()
                    .map(|s| Reason {
                        text: &s.text,
                        location: s.span.and_then(|span| self.location(span)),
                    })
                    .collect()
            }),
            declaration: h
                .via
                .map(|edge| self.declarations.borrow_mut().number(h.entity, edge)),
            next: h.via.map(|edge| data.entity_id(edge.target)),
        }
    }

    fn location(&self, span: Span) -> Option<Location<'_>> {
        let path = self.paths.get(usize::try_from(span.file.0).ok()?)?;
        let at = self.data.sources.get(span.file).line_col(span.range.start);
        Some(Location {
            path,
            line: at.line,
            column: at.column,
        })
    }
}

/// The report as JSON, pretty-printed as `serde_json` does, into `w`
/// (buffered by the caller).
pub(super) fn render<W: std::io::Write>(data: &Data, w: &mut W) -> std::io::Result<()> {
    let doc = Document {
        data,
        radii: BlastRadii::new(data),
    };
    crate::render::json::write_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

fn record<'a>(data: &'a Data<'a>) -> Record<'a> {
    Record {
        date: &data.record.date,
        spof_version: &data.record.version,
        commit: data.record.commit.as_deref(),
        dirty: data.record.dirty,
        paths: &data.record.paths,
        config_sha256: data.record.config_sha256.as_deref(),
        files_by_format: data
            .record
            .formats
            .iter()
            .map(|(f, n)| (f.as_str(), *n))
            .collect(),
    }
}

fn entities<'a>(data: &'a Data<'a>) -> impl Iterator<Item = Entity<'a>> + 'a {
    data.entities.iter().enumerate().map(move |(i, e)| Entity {
        id: &e.id,
        label: &e.label,
        role: e.role.as_str(),
        tier: Some(super::opening::tier(data, i)).filter(|&t| t > 0),
        domains: Names(data, e.domains),
        risk_groups: Groups(data, e.risk_groups),
    })
}

fn accepted_risks<'a>(data: &'a Data<'a>) -> impl Iterator<Item = AcceptedRisk<'a>> + 'a {
    data.accepted_rows()
        .into_iter()
        .map(move |row| AcceptedRisk {
            accepted: &row.acceptance.what,
            reason: &row.acceptance.reason,
            owner: &row.acceptance.owner,
            until: row.acceptance.until.map(|u| u.to_string()),
            location: row.at,
            domains: row.domains.iter().map(|&d| data.domain_name(d)).collect(),
            entities: row.entities.iter().map(|&e| data.entity_id(e)).collect(),
            findings: row
                .findings
                .iter()
                .map(|d| finding(data.sources, d))
                .collect(),
        })
}

fn tools<'a>(data: &'a Data<'a>) -> impl Iterator<Item = Tool<'a>> + 'a {
    data.tools.iter().map(move |t| Tool {
        id: data.entity_id(t.entity),
        kind: data
            .entities
            .get(t.entity)
            .and_then(|e| e.tool_kind.as_deref()),
        manages: Ids(data, &t.manages),
        shared_fate: t
            .shared_fate
            .iter()
            .filter_map(|&k| data.findings.get(k))
            .map(|d| &d.message)
            .collect(),
    })
}

fn dependencies<'a>(data: &'a Data<'a>) -> impl Iterator<Item = Dependency<'a>> + 'a {
    data.edges.iter().map(move |e| Dependency {
        from: data.entity_id(e.from),
        to: match e.to {
            Target::Entity(t) => Some(data.entity_id(t)),
            Target::Set(_) => None,
        },
        to_set: match e.to {
            Target::Entity(_) => None,
            Target::Set(s) => Some(s),
        },
        strength: match (e.hard, e.recovery) {
            (true, _) => "hard",
            (false, true) => "recovery",
            (false, false) => "soft",
        },
    })
}
