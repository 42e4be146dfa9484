//! Nomad job files (`*.nomad`, `*.nomad.hcl`) → entities.
//!
//! One entity per task group (`nomad:JOB/GROUP`). Its placement comes from
//! the job's `datacenters` (a zone-level pin), `count` or `scaling { min }`
//! (replicas), and the job's and group's `constraint` and `spread` blocks
//! on node attributes that name failure domains. Its dependencies come from
//! the Consul services its tasks read: `service "db"` in `template` data,
//! `db.service.consul` host names in `env` values and template data, and
//! `spof.dev/depends-on` in `meta`. See `docs/nomad.md`.
//!
//! Expressions that cannot be evaluated statically (an input variable
//! without default, a `${NOMAD_…}` interpolation, a function call) are
//! unknown: the fact they would set is skipped, never guessed.

mod frontend;
mod sniff;
pub use frontend::FRONTEND;
pub use sniff::is_nomad_job;

use super::kubernetes::{
    DEPENDS_ON, IGNORE, RECOVERY_DEPENDS_ON, ROLE, SOFT_DEPENDS_ON, TOOL_KIND, parse_reference,
};
use super::tools;
use crate::cache::{Cache, KeyBuilder};
use crate::diagnostic::Diagnostic;
use crate::model::{
    Dependency, Entity, Guarantee, Instance, Level, Model, Pin, Placement, Reference,
    ReplicaSource, Replicas, Role, Spread, Strength, Suppression, WorkloadKind,
};
use crate::parse::hcl::{STACK_SIZE, parse_hcl_body, too_deep};
use crate::parse::yaml::Limits;
use crate::source::{FileId, SourceFile, Span, TextRange};
use hcl_edit::Span as _;
use hcl_edit::expr as ex;
use hcl_edit::structure as st;
use hcl_edit::template as tp;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

/// Entity ids of Nomad task groups: `nomad:JOB/GROUP`.
pub const ID_PREFIX: &str = "nomad:";
/// The kind shown to users: `NomadGroup api/web`.
pub const KIND: &str = "NomadGroup";
/// Consul services no scanned Nomad group registers: `consul:db`.
pub const CONSUL_ID_PREFIX: &str = "consul:";

/// Deepest array/object nesting evaluated in a value.
const MAX_VALUE_DEPTH: usize = 32;

/// A statically known value, or not.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    Num(f64),
    Bool(bool),
    List(Vec<Val>),
    Unknown,
}

impl Val {
    /// A scalar as text (`3`, `true`, `dc1`).
    fn text(&self) -> Option<String> {
        match self {
            Val::Str(s) => Some(s.clone()),
            Val::Num(n) => Some(if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", *n as i64)
            } else {
                n.to_string()
            }),
            Val::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn count(&self) -> Option<u32> {
        match self {
            Val::Num(n) if n.fract() == 0.0 && *n >= 0.0 => Some(if *n > f64::from(u32::MAX) {
                u32::MAX
            } else {
                *n as u32
            }),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// A field of a block: absent, known, or written but not evaluable.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum Field {
    Absent,
    Known(String, Span),
    Unknown,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Constraint {
    attribute: Field,
    operator: String,
    /// Where the operator is written (or the block, when it is implied).
    op_span: Span,
    value: Field,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct MetaEntry {
    key: String,
    value: String,
    /// The whole value as written.
    span: Span,
    /// Where the value's text starts when it is written verbatim (a quoted
    /// string without escapes), for exact spans of its parts.
    verbatim: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
enum Count {
    Absent,
    Known(u32, Span),
    Unknown,
}

/// A Consul service a group reads.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct ServiceRef {
    service: String,
    span: Span,
    via: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Group {
    name: String,
    span: Span,
    count: Count,
    /// `scaling { min }`: `Absent` when there is no enabled policy or it has
    /// no `min` (which defaults to `count`).
    scaling_min: Count,
    constraints: Vec<Constraint>,
    spreads: Vec<(String, Span)>,
    meta: Vec<MetaEntry>,
    services: Vec<String>,
    /// What its tasks run: container images, `exec` programs.
    images: Vec<String>,
    refs: Vec<ServiceRef>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Job {
    file: FileId,
    name: String,
    /// `type`; a `type` that cannot be evaluated counts as the default.
    kind: WorkloadKind,
    datacenters: Option<(Vec<String>, Span)>,
    region: Option<(String, Span)>,
    constraints: Vec<Constraint>,
    spreads: Vec<(String, Span)>,
    meta: Vec<MetaEntry>,
    groups: Vec<Group>,
}

/// Extracts every task group of the Nomad job files, with the
/// dependencies between them; returns syntax errors. Files nested deeper
/// than `limits.max_depth` are errors.
///
/// With a `cache`, each file's jobs are read from it when the file was
/// read before (keyed by its text and the depth limit), and stored when it
/// parses.
pub fn extract(
    files: &[(FileId, &SourceFile)],
    limits: &Limits,
    cache: Option<&Cache>,
    model: &mut Model,
) -> Vec<Diagnostic> {
    let cached = |id: FileId, file: &SourceFile| {
        let Some(cache) = cache else {
            return parse_file(id, file, limits);
        };
        let key = KeyBuilder::new("nomad")
            .u64(limits.max_depth as u64)
            .bytes(&file.digest())
            .key();
        let length = file.len();
        if let Some(jobs) = cache.get_spanned("nomad", &key, &[id], |_| length) {
            return (jobs, None);
        }
        let (jobs, error) = parse_file(id, file, limits);
        if error.is_none() {
            cache.put_spanned("nomad", &key, &jobs, &[id]);
        }
        (jobs, error)
    };
    // hcl-edit's parser is recursive: parse on threads with room for it.
    let parse = || -> Vec<(Vec<Job>, Option<Diagnostic>)> {
        files
            .par_iter()
            .map(|(id, file)| cached(*id, file))
            .collect()
    };
    let parsed = match rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build()
    {
        Ok(pool) => pool.install(parse),
        Err(_) => parse(),
    };
    let mut errors = Vec::new();
    let mut jobs = Vec::new();
    for (found, error) in parsed {
        jobs.extend(found);
        errors.extend(error);
    }
    build(&jobs, model);
    errors
}

/// The parse stage of [`extract`] alone: every job file checked for depth
/// and parsed with hcl-edit in parallel, on threads like those of
/// [`extract`], without reading the jobs. Returns how many files did not
/// parse. `benches/parse_floor.rs` compares it with hcl-edit on its own.
pub fn parse_files(files: &[(FileId, &SourceFile)], limits: &Limits) -> usize {
    let parse = || {
        files
            .par_iter()
            .filter(|(_, file)| {
                too_deep(file.text(), limits.max_depth).is_some()
                    || parse_hcl_body(file.text()).is_err()
            })
            .count()
    };
    match rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build()
    {
        Ok(pool) => pool.install(parse),
        Err(_) => parse(),
    }
}

fn group_id(job: &str, group: &str) -> String {
    format!("{ID_PREFIX}{job}/{group}")
}

fn build(jobs: &[Job], model: &mut Model) {
    let (registry, known) = service_registry(jobs);
    let mut ids: HashMap<String, usize> = model
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    for job in jobs {
        for group in &job.groups {
            let id = group_id(&job.name, &group.name);
            // Group meta overrides job meta.
            let meta = |key: &str| {
                group
                    .meta
                    .iter()
                    .rev()
                    .find(|m| m.key == key)
                    .or_else(|| job.meta.iter().rev().find(|m| m.key == key))
            };
            if let Some(ignore) = meta(IGNORE) {
                model.suppressions.push(suppression(ignore, &id));
            }
            let mut dependencies = consul_dependencies(group, &id, &registry);
            for (key, strength) in [
                (DEPENDS_ON, Strength::Hard),
                (SOFT_DEPENDS_ON, Strength::Soft),
                (RECOVERY_DEPENDS_ON, Strength::Recovery),
            ] {
                let Some(entry) = meta(key) else { continue };
                for (text, span) in meta_list(job.file, entry) {
                    for target in meta_reference(text, job, &registry, &known) {
                        dependencies.push(Dependency {
                            target,
                            strength,
                            span,
                            via: format!("meta {key}").into(),
                            explicit: true,
                            origin: None,
                        });
                    }
                }
            }
            let tool = tools::detect(group.images.iter().map(String::as_str), []);
            let role = meta(ROLE)
                .and_then(|m| Role::parse(m.value.trim()))
                .unwrap_or(if tool.is_some() {
                    Role::Tool
                } else {
                    Role::Service
                });
            let tool_kind = tool
                .filter(|_| role == Role::Tool)
                .map(|t| t.kind.clone())
                .or_else(|| meta(TOOL_KIND).map(|m| m.value.trim().to_string()));
            let instance = Instance {
                workload: Some(job.kind),
                placement: placement(job, group),
                dependencies: dependencies.into(),
                region: job
                    .region
                    .as_ref()
                    .map(|(r, span)| (r.as_str().into(), *span)),
                ..Instance::at(group.span)
            };
            let idx = *ids.entry(id.clone()).or_insert_with(|| {
                model.entities.push(Entity {
                    id,
                    origin: crate::model::Origin::Nomad,
                    kind: KIND.to_string(),
                    namespace: Some(job.name.clone()),
                    name: group.name.clone(),
                    role,
                    tool_kind,
                    tool: None,
                    tier: meta(crate::model::TIER_KEY)
                        .and_then(|m| crate::model::parse_tier(&m.value))
                        .unwrap_or(0),
                    // Room for the one declaration nearly every entity has (an
                    // instance is nearly 500 bytes; a first push makes room for 4).
                    instances: Vec::with_capacity(1),
                    place: None,
                });
                model.entities.len() - 1
            });
            model.entities[idx].instances.push(instance);
        }
    }
}

/// Which groups register each Consul service; every group's id.
fn service_registry(jobs: &[Job]) -> (BTreeMap<&str, Vec<String>>, BTreeSet<String>) {
    let mut registry: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut known: BTreeSet<String> = BTreeSet::new();
    for job in jobs {
        for group in &job.groups {
            let id = group_id(&job.name, &group.name);
            for service in &group.services {
                let ids = registry.entry(service.as_str()).or_default();
                if !ids.contains(&id) {
                    ids.push(id.clone());
                }
            }
            known.insert(id);
        }
    }
    (registry, known)
}

/// The Consul services group `id` uses: the groups that register them
/// (not itself), else the service by name.
fn consul_dependencies(
    group: &Group,
    id: &str,
    registry: &BTreeMap<&str, Vec<String>>,
) -> Vec<Dependency> {
    let mut dependencies = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for r in &group.refs {
        if !seen.insert(r.service.as_str()) {
            continue;
        }
        let targets: Vec<&String> = registry
            .get(r.service.as_str())
            .map(|ids| ids.iter().filter(|t| **t != id).collect())
            .unwrap_or_default();
        let own = registry
            .get(r.service.as_str())
            .is_some_and(|ids| ids.iter().any(|i| i == id));
        if targets.is_empty() && own {
            // Its own service: not a dependency.
            continue;
        }
        let target = match targets.as_slice() {
            [] => Reference::Id(format!("{CONSUL_ID_PREFIX}{}", r.service)),
            [one] => Reference::Id((*one).clone()),
            several => Reference::Registered {
                name: r.service.clone(),
                ids: several.iter().map(|id| (*id).clone()).collect(),
            },
        };
        dependencies.push(Dependency {
            target,
            strength: Strength::Hard,
            span: r.span,
            via: r.via.clone().into(),
            explicit: false,
            origin: None,
        });
    }
    dependencies
}

/// A `spof.dev/depends-on` entry: another group (`JOB/GROUP`, or `GROUP`
/// of the same job), a Consul service a scanned group registers, or any
/// reference spof understands (`k8s:…`, `tf:…`).
fn meta_reference(
    entry: &str,
    job: &Job,
    registry: &BTreeMap<&str, Vec<String>>,
    known: &BTreeSet<String>,
) -> Vec<Reference> {
    if !entry.contains(':') {
        let as_group = if entry.contains('/') {
            format!("{ID_PREFIX}{entry}")
        } else {
            group_id(&job.name, entry)
        };
        if known.contains(&as_group) {
            return vec![Reference::Id(as_group)];
        }
        if let Some(ids) = registry.get(entry) {
            return ids.iter().cloned().map(Reference::Id).collect();
        }
    }
    vec![parse_reference(entry, &job.name)]
}

/// Comma-separated entries of a meta value, each with its span (exact when
/// the value is written verbatim).
fn meta_list(file: FileId, entry: &MetaEntry) -> Vec<(&str, Span)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for part in entry.value.split(',') {
        let trimmed = part.trim();
        let start = offset + (part.len() - part.trim_start().len());
        offset += part.len() + 1;
        if trimmed.is_empty() {
            continue;
        }
        let span = match entry.verbatim {
            Some(at) => Span::new(file, TextRange::new(at + start, at + start + trimmed.len())),
            None => entry.span,
        };
        out.push((trimmed, span));
    }
    out
}

fn suppression(entry: &MetaEntry, id: &str) -> Suppression {
    Suppression::for_entity(&entry.value, entry.span, id)
}

/// The failure-domain level a node attribute names. `rack` in node meta
/// counts as host level for spreads only: replicas on different racks are
/// on different hosts, but one rack is more than one host.
fn attribute_level(attribute: &str, for_spread: bool) -> Option<Level> {
    attribute_axis(attribute, for_spread).map(|(level, _)| level)
}

/// The level a node attribute names and the attribute itself, as the axis
/// of its pins ([`Pin::axis`]): a datacenter name, an AWS or GCE zone and a
/// zone meta value are each a zone, but names of different things.
fn attribute_axis(attribute: &str, for_spread: bool) -> Option<(Level, &'static str)> {
    let inner = attribute
        .trim()
        .strip_prefix("${")?
        .strip_suffix('}')?
        .trim();
    let axis = match inner {
        "node.datacenter" => DATACENTER,
        "attr.platform.aws.placement.availability-zone" => {
            "attr.platform.aws.placement.availability-zone"
        }
        "attr.platform.gce.zone" => "attr.platform.gce.zone",
        "node.unique.id" => "node.unique.id",
        "node.unique.name" => "node.unique.name",
        "attr.unique.hostname" => "attr.unique.hostname",
        "meta.zone" => "meta.zone",
        "meta.availability_zone" => "meta.availability_zone",
        "meta.az" => "meta.az",
        "meta.rack" if for_spread => "meta.rack",
        _ => return None,
    };
    let level = match axis {
        "node.unique.id" | "node.unique.name" | "attr.unique.hostname" | "meta.rack" => Level::Host,
        _ => Level::Zone,
    };
    Some((level, axis))
}

/// The axis of `datacenters` and `${node.datacenter}` pins.
const DATACENTER: &str = "node.datacenter";

/// A domain name written literally.
fn literal_domain(value: &str) -> bool {
    !value.is_empty() && !value.contains("${") && !value.contains('*') && !value.contains(',')
}

/// A regular expression that matches exactly one literal name: `^dc1$`.
fn regexp_literal(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('^')?.strip_suffix('$')?;
    (!inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(inner)
}

fn placement(job: &Job, group: &Group) -> Placement {
    let mut p = Placement::default();
    let datacenters = job.datacenters.as_ref();
    if let Some((dcs, span)) = datacenters {
        p.pins.push(Pin {
            level: Level::Zone,
            domains: dcs.clone().into(),
            span: *span,
            via: "datacenters",
            axis: DATACENTER,
            origin: None,
        });
    }
    for c in job.constraints.iter().chain(&group.constraints) {
        constraint(c, datacenters.map(|(d, _)| d.as_slice()), &mut p);
    }
    for (attribute, span) in job.spreads.iter().chain(&group.spreads) {
        if let Some(level) = attribute_level(attribute, true) {
            p.spreads.push(Spread {
                level,
                guarantee: Guarantee::BestEffort,
                max_skew: None,
                one_per_domain: false,
                min_domains: None,
                span: *span,
            });
        }
    }
    if job.kind == WorkloadKind::LongRunning {
        let count = match group.scaling_min {
            Count::Absent => group.count,
            other => other,
        };
        let source = if group.scaling_min == Count::Absent {
            ReplicaSource::Explicit
        } else {
            ReplicaSource::Autoscaler
        };
        p.replicas = match count {
            Count::Absent => Some(Replicas {
                count: 1,
                span: group.span,
                source: ReplicaSource::Defaulted,
            }),
            Count::Known(n, span) => Some(Replicas {
                count: n,
                span,
                source,
            }),
            Count::Unknown => None,
        };
    }
    p.compact();
    p
}

fn constraint(c: &Constraint, datacenters: Option<&[String]>, p: &mut Placement) {
    match c.operator.as_str() {
        "distinct_hosts" => {
            let on = match &c.value {
                Field::Absent => true,
                Field::Known(v, _) => v == "true",
                Field::Unknown => false,
            };
            if on {
                p.spreads.push(Spread {
                    level: Level::Host,
                    guarantee: Guarantee::Hard,
                    max_skew: None,
                    one_per_domain: true,
                    min_domains: None,
                    span: c.op_span,
                });
            }
        }
        "distinct_property" => {
            let Field::Known(attribute, span) = &c.attribute else {
                return;
            };
            let Some(level) = attribute_level(attribute, true) else {
                return;
            };
            let most = match &c.value {
                Field::Absent => 1,
                Field::Known(v, _) => match v.trim().parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => return,
                },
                Field::Unknown => return,
            };
            p.spreads.push(Spread {
                level,
                guarantee: Guarantee::Hard,
                max_skew: None,
                one_per_domain: most <= 1,
                min_domains: None,
                span: *span,
            });
        }
        op => {
            let (Field::Known(attribute, _), Field::Known(value, span)) = (&c.attribute, &c.value)
            else {
                return;
            };
            let Some((level, axis)) = attribute_axis(attribute, false) else {
                return;
            };
            let domains: Vec<String> = match op {
                "=" | "==" | "is" | "set_contains" if literal_domain(value) => {
                    vec![value.clone()]
                }
                "set_contains_any" => {
                    let names: Vec<String> =
                        value.split(',').map(|v| v.trim().to_string()).collect();
                    if !names.iter().all(|n| literal_domain(n)) {
                        return;
                    }
                    names
                }
                "regexp" => match regexp_literal(value) {
                    Some(name) => vec![name.to_string()],
                    None => return,
                },
                // Excluding a datacenter of a known list leaves the others.
                "!=" | "not" if level == Level::Zone && literal_domain(value) => {
                    match datacenters {
                        Some(dcs) if axis == DATACENTER => {
                            dcs.iter().filter(|d| *d != value).cloned().collect()
                        }
                        _ => return,
                    }
                }
                _ => return,
            };
            p.pins.push(Pin {
                level,
                domains: domains.into(),
                span: *span,
                via: "constraint",
                axis,
                origin: None,
            });
        }
    }
}

// ---------------------------------------------------------------------------
// Parsing

/// One file being read: its text and top-level variables and locals.
struct Reader<'a> {
    file: FileId,
    text: &'a str,
    /// Byte order mark length: hcl-edit's offsets start after it.
    base: usize,
    vars: HashMap<String, Val>,
    locals: HashMap<String, Val>,
}

fn parse_error(file: &SourceFile, id: FileId, offset: usize, msg: &str) -> Diagnostic {
    let offset = offset.min(file.text().len());
    Diagnostic::error(
        "parse-error",
        Span::new(id, TextRange::empty(offset)),
        format!("cannot parse {}: {msg}", file.display_path()),
    )
    .with_label(msg.to_string())
}

fn parse_file(id: FileId, file: &SourceFile, limits: &Limits) -> (Vec<Job>, Option<Diagnostic>) {
    let text: &str = file.text();
    if let Some(at) = too_deep(text, limits.max_depth) {
        let error = parse_error(file, id, at, "nesting is too deep").with_help(format!(
            "spof reads at most {} levels of brackets in Nomad job files (--max-depth)",
            limits.max_depth
        ));
        return (Vec::new(), Some(error));
    }
    let (body, bom) = match parse_hcl_body(text) {
        Ok(parsed) => parsed,
        Err((offset, message)) => {
            return (Vec::new(), Some(parse_error(file, id, offset, &message)));
        }
    };
    let mut reader = Reader {
        file: id,
        text,
        base: bom,
        vars: HashMap::new(),
        locals: HashMap::new(),
    };
    // Variable defaults first (they cannot refer to anything), then locals
    // (which may use variables, not other locals).
    for block in blocks(&body, "variable") {
        let Some(name) = block.labels.first() else {
            continue;
        };
        if let Some(default) = attr(&block.body, "default") {
            let v = reader.eval(&default.value, 0);
            reader.vars.insert(name.as_str().to_string(), v);
        }
    }
    let mut locals = HashMap::new();
    for block in blocks(&body, "locals") {
        for a in block.body.iter().filter_map(|s| s.as_attribute()) {
            locals.insert(a.key.as_str().to_string(), reader.eval(&a.value, 0));
        }
    }
    reader.locals = locals;
    let jobs = blocks(&body, "job").filter_map(|b| reader.job(b)).collect();
    (jobs, None)
}

fn blocks<'b>(body: &'b st::Body, kind: &'b str) -> impl Iterator<Item = &'b st::Block> + 'b {
    body.iter()
        .filter_map(|s| s.as_block())
        .filter(move |b| b.ident.as_str() == kind)
}

fn attr<'b>(body: &'b st::Body, name: &str) -> Option<&'b st::Attribute> {
    body.iter()
        .filter_map(|s| s.as_attribute())
        .filter(|a| a.key.as_str() == name)
        .last()
}

impl Reader<'_> {
    fn span(&self, range: Option<Range<usize>>) -> Option<Span> {
        let r = range?;
        Some(Span::new(
            self.file,
            TextRange::new(r.start + self.base, r.end + self.base),
        ))
    }

    /// The source text of a range of the parsed body.
    fn raw(&self, range: &Range<usize>) -> Option<&str> {
        self.text
            .get(range.start + self.base..range.end + self.base)
    }

    /// A block label's span without its quotes, and its text.
    fn label(&self, label: &st::BlockLabel) -> Option<(String, Span)> {
        let name = label.as_str().to_string();
        let range = label.span()?;
        let raw = self.raw(&range)?;
        let span = if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
            self.span(Some(range.start + 1..range.end - 1))?
        } else {
            self.span(Some(range))?
        };
        Some((name, span))
    }

    fn eval(&self, e: &ex::Expression, depth: usize) -> Val {
        if depth > MAX_VALUE_DEPTH {
            return Val::Unknown;
        }
        match e {
            ex::Expression::Bool(b) => Val::Bool(*b.value()),
            ex::Expression::Number(n) => n.value().as_f64().map_or(Val::Unknown, Val::Num),
            ex::Expression::String(s) => Val::Str(s.value().clone()),
            ex::Expression::Array(a) => {
                Val::List(a.iter().map(|x| self.eval(x, depth + 1)).collect())
            }
            ex::Expression::StringTemplate(t) => self.template(t.iter(), depth),
            ex::Expression::HeredocTemplate(h) => self.template(h.template.iter(), depth),
            ex::Expression::Parenthesis(p) => self.eval(p.inner(), depth + 1),
            ex::Expression::Traversal(_) => match self.reference(e) {
                Some(v) => v.clone(),
                None => Val::Unknown,
            },
            _ => Val::Unknown,
        }
    }

    /// `var.x` or `local.x` with a known value.
    fn reference(&self, e: &ex::Expression) -> Option<&Val> {
        let ex::Expression::Traversal(t) = e else {
            return None;
        };
        let ex::Expression::Variable(root) = &t.expr else {
            return None;
        };
        let [op] = t.operators.as_slice() else {
            return None;
        };
        let ex::TraversalOperator::GetAttr(name) = op.value() else {
            return None;
        };
        let table = match root.as_str() {
            "var" => &self.vars,
            "local" => &self.locals,
            _ => return None,
        };
        table.get(name.as_str())
    }

    /// A string template as text: interpolations of known variables are
    /// substituted, others are kept as written (`${node.datacenter}`), for
    /// the caller to recognise or treat as unknown. Directives are unknown.
    fn template<'t>(&self, elements: impl Iterator<Item = &'t tp::Element>, depth: usize) -> Val {
        let mut out = String::new();
        for el in elements {
            match el {
                tp::Element::Literal(s) => out.push_str(s.value()),
                tp::Element::Interpolation(i) => {
                    match self.reference(&i.expr).and_then(|v| {
                        if depth < MAX_VALUE_DEPTH {
                            v.text()
                        } else {
                            None
                        }
                    }) {
                        Some(v) => out.push_str(&v),
                        None => {
                            let Some(raw) = i.expr.span().and_then(|r| self.raw(&r)) else {
                                return Val::Unknown;
                            };
                            out.push_str("${");
                            out.push_str(raw.trim());
                            out.push('}');
                        }
                    }
                }
                tp::Element::Directive(_) => return Val::Unknown,
            }
        }
        Val::Str(out)
    }

    fn field(&self, body: &st::Body, name: &str) -> Field {
        let Some(a) = attr(body, name) else {
            return Field::Absent;
        };
        match (self.eval(&a.value, 0).text(), self.span(a.value.span())) {
            (Some(v), Some(span)) => Field::Known(v, span),
            _ => Field::Unknown,
        }
    }

    /// A whole attribute's span: `count = 3`.
    fn attr_span(&self, a: &st::Attribute) -> Option<Span> {
        let key = a.key.span()?;
        let value = a.value.span()?;
        self.span(Some(key.start..value.end))
    }

    fn count(&self, body: &st::Body, name: &str) -> Count {
        let Some(a) = attr(body, name) else {
            return Count::Absent;
        };
        match (self.eval(&a.value, 0).count(), self.attr_span(a)) {
            (Some(n), Some(span)) => Count::Known(n, span),
            _ => Count::Unknown,
        }
    }

    fn job(&self, block: &st::Block) -> Option<Job> {
        let (name, _) = self.label(block.labels.first()?)?;
        let body = &block.body;
        // Nomad refuses a periodic or parameterized job of any type but
        // batch: without a `type`, such a job is one that runs to
        // completion, each time it is launched or dispatched.
        let dispatched = blocks(body, "periodic")
            .chain(blocks(body, "parameterized"))
            .next()
            .is_some();
        let kind = match self.field(body, "type") {
            Field::Absent | Field::Unknown if dispatched => WorkloadKind::Batch,
            Field::Absent | Field::Unknown => WorkloadKind::LongRunning,
            Field::Known(t, _) => match t.as_str() {
                "system" => WorkloadKind::PerNode,
                "batch" | "sysbatch" => WorkloadKind::Batch,
                _ => WorkloadKind::LongRunning,
            },
        };
        let datacenters = attr(body, "datacenters").and_then(|a| {
            let Val::List(items) = self.eval(&a.value, 0) else {
                return None;
            };
            let names: Vec<String> = items.iter().filter_map(Val::text).collect();
            // A glob (`*`, the default since Nomad 1.5) or an unknown entry
            // says nothing.
            (names.len() == items.len()
                && !names.is_empty()
                && names.iter().all(|n| literal_domain(n)))
            .then(|| Some((names, self.attr_span(a)?)))
            .flatten()
        });
        let region = attr(body, "region").and_then(|a| match self.eval(&a.value, 0) {
            Val::Str(r) if r != "global" && literal_domain(&r) => {
                Some((r, self.span(a.value.span())?))
            }
            _ => None,
        });
        let mut job = Job {
            file: self.file,
            name,
            kind,
            datacenters,
            region,
            constraints: self.constraints(body),
            spreads: self.spreads(body),
            meta: self.meta(body),
            groups: Vec::new(),
        };
        job.groups = blocks(body, "group")
            .filter_map(|g| self.group(&job.name, g))
            .collect();
        Some(job)
    }

    fn constraints(&self, body: &st::Body) -> Vec<Constraint> {
        let mut out = Vec::new();
        for block in blocks(body, "constraint") {
            let b = &block.body;
            let header = self.span(block.ident.span());
            let Some(header) = header else { continue };
            // Shorthands: `distinct_hosts = true`, `regexp = "…"`, …
            let shorthand = [
                "distinct_hosts",
                "distinct_property",
                "regexp",
                "set_contains",
                "set_contains_any",
                "version",
                "semver",
            ]
            .into_iter()
            .find_map(|k| attr(b, k).map(|a| (k, a)));
            let c = match shorthand {
                Some(("distinct_property", a)) => Constraint {
                    attribute: self.field(b, "distinct_property"),
                    operator: "distinct_property".into(),
                    op_span: self.attr_span(a).unwrap_or(header),
                    value: self.field(b, "value"),
                },
                Some((op, a)) => Constraint {
                    attribute: self.field(b, "attribute"),
                    operator: op.to_string(),
                    op_span: self.attr_span(a).unwrap_or(header),
                    value: self.field(b, op),
                },
                None => {
                    let operator = self.field(b, "operator");
                    let (operator, op_span) = match operator {
                        Field::Absent => ("=".to_string(), header),
                        Field::Known(op, _) => (
                            op.trim().to_string(),
                            attr(b, "operator")
                                .and_then(|a| self.attr_span(a))
                                .unwrap_or(header),
                        ),
                        Field::Unknown => continue,
                    };
                    Constraint {
                        attribute: self.field(b, "attribute"),
                        operator,
                        op_span,
                        value: self.field(b, "value"),
                    }
                }
            };
            out.push(c);
        }
        out
    }

    fn spreads(&self, body: &st::Body) -> Vec<(String, Span)> {
        blocks(body, "spread")
            .filter_map(|b| match self.field(&b.body, "attribute") {
                Field::Known(a, span) => Some((a, span)),
                _ => None,
            })
            .collect()
    }

    /// Entries of `NAME { k = v }` blocks and a `NAME = { "k" = v }`
    /// attribute, with their value expressions.
    fn entries<'b>(&self, body: &'b st::Body, name: &str) -> Vec<(String, &'b ex::Expression)> {
        let mut out = Vec::new();
        for structure in body.iter() {
            if let Some(block) = structure.as_block() {
                if block.ident.as_str() != name || !block.labels.is_empty() {
                    continue;
                }
                for a in block.body.iter().filter_map(|s| s.as_attribute()) {
                    out.push((a.key.as_str().to_string(), &a.value));
                }
            } else if let Some(a) = structure.as_attribute() {
                if a.key.as_str() != name {
                    continue;
                }
                let ex::Expression::Object(o) = &a.value else {
                    continue;
                };
                for (k, v) in o.iter() {
                    let key = match k {
                        ex::ObjectKey::Ident(id) => id.as_str().to_string(),
                        ex::ObjectKey::Expression(ex::Expression::Variable(v)) => {
                            v.as_str().to_string()
                        }
                        ex::ObjectKey::Expression(e) => match self.eval(e, 0) {
                            Val::Str(s) => s,
                            _ => continue,
                        },
                    };
                    out.push((key, v.expr()));
                }
            }
        }
        out
    }

    fn meta(&self, body: &st::Body) -> Vec<MetaEntry> {
        self.entries(body, "meta")
            .into_iter()
            .filter_map(|(key, e)| {
                let value = self.eval(e, 0).text()?;
                let range = e.span()?;
                let span = self.span(Some(range.clone()))?;
                let verbatim = self
                    .raw(&range)
                    .filter(|raw| {
                        raw.len() == value.len() + 2
                            && raw.starts_with('"')
                            && raw[1..].starts_with(value.as_str())
                    })
                    .map(|_| range.start + self.base + 1);
                Some(MetaEntry {
                    key,
                    value,
                    span,
                    verbatim,
                })
            })
            .collect()
    }

    fn group(&self, job: &str, block: &st::Block) -> Option<Group> {
        let (name, span) = self.label(block.labels.first()?)?;
        let body = &block.body;
        let scaling_min = blocks(body, "scaling")
            .filter(|s| s.labels.is_empty())
            .filter(
                |s| !matches!(self.field(&s.body, "enabled"), Field::Known(v, _) if v == "false"),
            )
            .map(|s| self.count(&s.body, "min"))
            .last()
            .unwrap_or(Count::Absent);
        // Without `count`, Nomad starts `scaling { min }` instances, whether
        // or not the policy is enabled (its jobspec's canonical form).
        let count = match self.count(body, "count") {
            Count::Absent => blocks(body, "scaling")
                .filter(|s| s.labels.is_empty())
                .map(|s| self.count(&s.body, "min"))
                .last()
                .unwrap_or(Count::Absent),
            count => count,
        };
        let mut group = Group {
            count,
            scaling_min,
            constraints: self.constraints(body),
            spreads: self.spreads(body),
            meta: self.meta(body),
            services: Vec::new(),
            images: Vec::new(),
            refs: Vec::new(),
            name,
            span,
        };
        let names = [("JOB", job), ("TASKGROUP", group.name.as_str())];
        let default = format!("{job}-{}", group.name);
        let mut services = self.services(body, &default, &names);
        for task in blocks(body, "task") {
            let Some((task_name, _)) = task.labels.first().and_then(|l| self.label(l)) else {
                continue;
            };
            let tb = &task.body;
            let default = format!("{job}-{}-{task_name}", group.name);
            let names = [
                ("JOB", job),
                ("TASKGROUP", group.name.as_str()),
                ("TASK", task_name.as_str()),
            ];
            services.extend(self.services(tb, &default, &names));
            // Task constraints restrict where the whole group runs.
            group.constraints.extend(self.constraints(tb));
            let driver = match self.field(tb, "driver") {
                Field::Known(d, _) => d,
                _ => String::new(),
            };
            // What a task runs: a container's image, or the program an
            // `exec` or `raw_exec` task starts (named like an image by its
            // last path segment).
            let what = match driver.as_str() {
                "docker" | "podman" => Some("image"),
                "exec" | "raw_exec" => Some("command"),
                _ => None,
            };
            if let Some(what) = what {
                for config in blocks(tb, "config") {
                    if let Field::Known(image, _) = self.field(&config.body, what) {
                        group.images.push(image);
                    }
                }
            }
            for template in blocks(tb, "template") {
                if let Some(data) = attr(&template.body, "data") {
                    self.scan(&data.value, "template", true, &mut group.refs);
                }
            }
            for (key, value) in self.entries(tb, "env") {
                self.scan(value, &format!("env {key}"), false, &mut group.refs);
            }
        }
        for s in services {
            if !group.services.contains(&s) {
                group.services.push(s);
            }
        }
        Some(group)
    }

    /// Names of the Consul (or Nomad) services `service` blocks register.
    fn services(&self, body: &st::Body, default: &str, names: &[(&str, &str)]) -> Vec<String> {
        let mut out = Vec::new();
        for block in blocks(body, "service") {
            let name = match self.field(&block.body, "name") {
                Field::Absent => default.to_string(),
                Field::Known(n, _) => {
                    let mut n = n;
                    for (key, value) in names {
                        n = n.replace(&format!("${{{key}}}"), value);
                        let nomad = match *key {
                            "JOB" => "NOMAD_JOB_NAME",
                            "TASKGROUP" => "NOMAD_GROUP_NAME",
                            _ => "NOMAD_TASK_NAME",
                        };
                        n = n.replace(&format!("${{{nomad}}}"), value);
                    }
                    n
                }
                Field::Unknown => continue,
            };
            if !name.contains("${") && !name.is_empty() {
                out.push(name);
            }
        }
        out
    }

    /// Consul services named in a value as written: `service "db"` (and
    /// `nomadService`, `connect`) in templates, `db.service.consul` hosts.
    fn scan(&self, e: &ex::Expression, via: &str, template: bool, refs: &mut Vec<ServiceRef>) {
        let Some(range) = e.span() else { return };
        let Some(raw) = self.raw(&range) else { return };
        let at = range.start + self.base;
        let mut found: Vec<(usize, String, String)> = Vec::new();
        if template {
            for (start, name, function) in template_services(raw) {
                let via = format!("{via} {function} \"{name}\"");
                found.push((start, name, via));
            }
        }
        for (start, name, host) in consul_hosts(raw) {
            let via = if template {
                format!("{via} host {host}")
            } else {
                via.to_string()
            };
            found.push((start, name, via));
        }
        found.sort_by_key(|f| f.0);
        for (start, service, via) in found {
            refs.push(ServiceRef {
                span: Span::new(
                    self.file,
                    TextRange::new(at + start, at + start + service.len()),
                ),
                service,
                via,
            });
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// `service "tag.db@dc1|passing"` and its kin in Go template text (also
/// inside an HCL string, where the quotes are `\"`): the byte offset of the
/// service name, the name, and the function.
fn template_services(raw: &str) -> Vec<(usize, String, &'static str)> {
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    for function in ["service", "nomadService", "connect"] {
        let mut from = 0;
        while let Some(pos) = raw[from..].find(function) {
            let start = from + pos;
            from = start + function.len();
            let before_ok = start == 0 || {
                let b = bytes[start - 1];
                !(is_word(b) || b == b'.')
            };
            let mut i = start + function.len();
            let mut spaced = false;
            while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
                i += 1;
                spaced = true;
            }
            if !before_ok || !spaced {
                continue;
            }
            let close: &[u8] = if bytes[i..].starts_with(b"\\\"") {
                i += 2;
                b"\\\""
            } else if bytes.get(i) == Some(&b'"') || bytes.get(i) == Some(&b'`') {
                i += 1;
                if bytes[i - 1] == b'"' { b"\"" } else { b"`" }
            } else {
                continue;
            };
            let line = raw[i..].find('\n').unwrap_or(raw.len() - i);
            let Some(len) = bytes[i..i + line]
                .windows(close.len())
                .position(|w| w == close)
            else {
                continue;
            };
            let content = &raw[i..i + len];
            // `tag.name@dc~near|filter`: the name is the last dotted part
            // before any of `@~|`.
            let base_len = content.find(['@', '~', '|']).unwrap_or(content.len());
            let base = &content[..base_len];
            let name_start = base.rfind('.').map_or(0, |d| d + 1);
            let name = &base[name_start..];
            if name.is_empty() || !name.bytes().all(is_word) {
                continue;
            }
            out.push((i + name_start, name.to_string(), function));
        }
    }
    out
}

/// Consul DNS names: `db.service.consul`, `tag.db.service.dc1.consul`,
/// `_db._tcp.service.consul`: the byte offset of the service name, the
/// name, and the host name.
fn consul_hosts(raw: &str) -> Vec<(usize, String, String)> {
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = raw[from..].find(".service.") {
        let dot = from + pos;
        from = dot + ".service.".len();
        // What follows: `consul` or `DC.consul`, then no more of a name.
        let rest = &raw[from..];
        let word_end = |s: &str| s.bytes().position(|b| !is_word(b)).unwrap_or(s.len());
        let first = word_end(rest);
        let mut end = from + first;
        if &rest[..first] != "consul" {
            if rest.as_bytes().get(first) != Some(&b'.') {
                continue;
            }
            let second = &rest[first + 1..];
            let len = word_end(second);
            if &second[..len] != "consul" {
                continue;
            }
            end = from + first + 1 + len;
        }
        // The label before `.service`.
        let label_start = |end: usize| {
            let mut s = end;
            while s > 0 && is_word(bytes[s - 1]) {
                s -= 1;
            }
            s
        };
        let mut start = label_start(dot);
        let mut name_end = dot;
        if bytes.get(start) == Some(&b'_') && start > 1 && bytes[start - 1] == b'.' {
            // RFC 2782: `_db._tcp.service.consul`.
            name_end = start - 1;
            start = label_start(name_end);
        }
        if bytes.get(start) == Some(&b'_') {
            start += 1;
        }
        if start >= name_end {
            continue;
        }
        // The host starts at the first label of the name.
        let mut host_start = start;
        while host_start > 0 && (is_word(bytes[host_start - 1]) || bytes[host_start - 1] == b'.') {
            host_start -= 1;
        }
        out.push((
            start,
            raw[start..name_end].to_string(),
            raw[host_start..end].to_string(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    struct Run {
        texts: Vec<String>,
        model: Model,
        errors: Vec<Diagnostic>,
    }

    impl Run {
        fn entity(&self, id: &str) -> &Entity {
            self.model
                .entities
                .iter()
                .find(|e| e.id == id)
                .unwrap_or_else(|| panic!("no {id} in {:?}", self.ids()))
        }

        fn ids(&self) -> Vec<&str> {
            self.model.entities.iter().map(|e| e.id.as_str()).collect()
        }

        fn placement(&self, id: &str) -> &Placement {
            &self.entity(id).instances[0].placement
        }

        /// The text a span covers.
        fn text(&self, span: Span) -> &str {
            let r = span.range;
            &self.texts[span.file.0 as usize][r.start as usize..r.end as usize]
        }
    }

    fn run_files(files: &[(&str, &str)]) -> Run {
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(path, text)| SourceFile::new(PathBuf::from(path), text.to_string()))
            .collect();
        let inputs: Vec<(FileId, &SourceFile)> = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (FileId(i as u32), s))
            .collect();
        let mut model = Model::default();
        let errors = extract(&inputs, &Limits::default(), None, &mut model);
        // Through the cache, filled then read back, the same comes out.
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..2 {
            // A run that fills the cache, then one that reads it.
            let cache = Cache::open(dir.path(), Path::new("/repo")).unwrap();
            let mut again = Model::default();
            let again_errors = extract(&inputs, &Limits::default(), Some(&cache), &mut again);
            cache.finish();
            assert_eq!(
                format!("{:?}", again.entities),
                format!("{:?}", model.entities)
            );
            assert_eq!(again_errors, errors);
        }
        Run {
            texts: files.iter().map(|(_, t)| t.to_string()).collect(),
            model,
            errors,
        }
    }

    fn run(text: &str) -> Run {
        run_files(&[("job.nomad", text)])
    }

    /// The byte range of the `nth` occurrence of `needle`.
    fn at(text: &str, needle: &str, nth: usize) -> TextRange {
        let start = text
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("no {needle:?} #{nth}"))
            .0;
        TextRange::new(start, start + needle.len())
    }

    const API: &str = r#"job "api" {
  datacenters = ["dc1", "dc2"]
  region      = "eu"

  group "web" {
    count = 3
    task "server" {
      driver = "docker"
      config {
        image = "example/api:1"
      }
    }
  }

  group "worker" {
  }
}
"#;

    #[test]
    fn one_entity_per_group_with_count_datacenters_and_region() {
        let r = run(API);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.ids(), vec!["nomad:api/web", "nomad:api/worker"]);
        let web = r.entity("nomad:api/web");
        assert_eq!(web.kind, "NomadGroup");
        assert_eq!(web.label(), "NomadGroup api/web");
        assert_eq!(web.role, Role::Service);
        let inst = &web.instances[0];
        assert_eq!(inst.span.range, at(API, "web", 0));
        assert_eq!(inst.workload, Some(WorkloadKind::LongRunning));
        let replicas = inst.placement.replicas.unwrap();
        assert_eq!(
            (replicas.count, replicas.source),
            (3, ReplicaSource::Explicit)
        );
        assert_eq!(r.text(replicas.span), "count = 3");
        let pin = &inst.placement.pins[0];
        assert_eq!(
            (pin.level, pin.domains.clone(), pin.via),
            (Level::Zone, vec!["dc1", "dc2"].into(), "datacenters")
        );
        assert_eq!(r.text(pin.span), r#"datacenters = ["dc1", "dc2"]"#);
        let (region, span) = inst.region.clone().unwrap();
        assert_eq!((&*region, r.text(span)), ("eu", r#""eu""#));
        // No count: one replica, at the group's name.
        let worker = r.placement("nomad:api/worker").replicas.unwrap();
        assert_eq!(
            (worker.count, worker.source, worker.span.range),
            (1, ReplicaSource::Defaulted, at(API, "worker", 0))
        );
    }

    #[test]
    fn job_types_and_the_global_region() {
        let job = |ty: &str| {
            let text = format!(
                "job \"j\" {{\n  type = \"{ty}\"\n  region = \"global\"\n  group \"g\" {{}}\n}}\n"
            );
            let r = run(&text);
            let inst = &r.entity("nomad:j/g").instances[0];
            (
                inst.workload,
                inst.placement.replicas.is_some(),
                inst.region.is_some(),
            )
        };
        assert_eq!(
            job("service"),
            (Some(WorkloadKind::LongRunning), true, false)
        );
        assert_eq!(job("system"), (Some(WorkloadKind::PerNode), false, false));
        assert_eq!(job("batch"), (Some(WorkloadKind::Batch), false, false));
        assert_eq!(job("sysbatch"), (Some(WorkloadKind::Batch), false, false));
    }

    #[test]
    fn periodic_and_parameterized_jobs_without_a_type_run_to_completion() {
        for block in [
            "periodic {\n    crons = [\"@daily\"]\n  }",
            "parameterized {}",
        ] {
            let text = format!("job \"j\" {{\n  {block}\n  group \"g\" {{}}\n}}\n");
            let r = run(&text);
            let inst = &r.entity("nomad:j/g").instances[0];
            assert_eq!(inst.workload, Some(WorkloadKind::Batch), "{block}");
        }
    }

    #[test]
    fn scaling_min_overrides_count() {
        let text = r#"job "j" {
  group "g" {
    count = 1
    scaling {
      min = 2
      max = 10
    }
  }
  group "off" {
    count = 1
    scaling {
      enabled = false
      min     = 4
    }
  }
}"#;
        let r = run(text);
        let g = r.placement("nomad:j/g").replicas.unwrap();
        assert_eq!((g.count, g.source), (2, ReplicaSource::Autoscaler));
        assert_eq!(r.text(g.span), "min = 2");
        let off = r.placement("nomad:j/off").replicas.unwrap();
        assert_eq!((off.count, off.source), (1, ReplicaSource::Explicit));
    }

    #[test]
    fn without_count_a_group_starts_its_scaling_minimum() {
        let text = r#"job "j" {
  group "off" {
    scaling {
      enabled = false
      min     = 5
    }
  }
}"#;
        let r = run(text);
        let off = r.placement("nomad:j/off").replicas.unwrap();
        assert_eq!((off.count, off.source), (5, ReplicaSource::Explicit));
        assert_eq!(r.text(off.span), "min     = 5");
    }

    #[test]
    fn spreads_and_distinct_constraints() {
        let text = r#"job "j" {
  datacenters = ["dc1", "dc2", "dc3"]
  spread {
    attribute = "${node.datacenter}"
  }
  group "a" {
    constraint {
      operator  = "distinct_property"
      attribute = "${node.datacenter}"
    }
    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }
  }
  group "b" {
    constraint {
      operator  = "distinct_property"
      attribute = "${meta.rack}"
      value     = "2"
    }
    constraint {
      distinct_hosts = true
    }
    spread {
      attribute = "${attr.cpu.arch}"
    }
  }
}"#;
        let r = run(text);
        let a = r.placement("nomad:j/a");
        assert_eq!(a.spreads.len(), 3, "{:?}", a.spreads);
        let best = a.best_effort_spread(Level::Zone).unwrap();
        assert_eq!(best.span.range, at(text, r#""${node.datacenter}""#, 0));
        let hard = a.hard_spread(Level::Zone).unwrap();
        assert!(hard.one_per_domain);
        assert_eq!(hard.max_skew, None);
        assert_eq!(hard.span.range, at(text, r#""${node.datacenter}""#, 1));
        let hosts = a.hard_spread(Level::Host).unwrap();
        assert!(hosts.one_per_domain);
        assert_eq!(r.text(hosts.span), r#"operator = "distinct_hosts""#);
        let b = r.placement("nomad:j/b");
        // The job's spread, the rack (two per rack: host level, not one
        // per domain), distinct hosts; the CPU spread names no domain.
        assert_eq!(b.spreads.len(), 3, "{:?}", b.spreads);
        let rack = &b.spreads[0];
        assert_eq!(
            (rack.level, rack.guarantee, rack.one_per_domain),
            (Level::Host, Guarantee::Hard, false)
        );
        assert_eq!(r.text(rack.span), r#""${meta.rack}""#);
        assert_eq!(r.text(b.spreads[1].span), "distinct_hosts = true");
        assert_eq!(b.spreads[2].guarantee, Guarantee::BestEffort);
    }

    #[test]
    fn constraints_pin_datacenters_zones_and_hosts() {
        let text = r#"job "j" {
  datacenters = ["dc1", "dc2"]
  group "eq" {
    constraint {
      attribute = "${node.datacenter}"
      value     = "dc1"
    }
  }
  group "re" {
    constraint {
      attribute = "${node.datacenter}"
      operator  = "regexp"
      value     = "^dc2$"
    }
    constraint {
      attribute = "${node.datacenter}"
      operator  = "regexp"
      value     = "dc.*"
    }
  }
  group "not" {
    constraint {
      attribute = "${node.datacenter}"
      operator  = "!="
      value     = "dc2"
    }
  }
  group "az" {
    constraint {
      attribute = "${meta.availability_zone}"
      operator  = "set_contains_any"
      value     = "a,b"
    }
    constraint {
      attribute = "${node.unique.name}"
      value     = "node-7"
    }
    constraint {
      attribute = "${meta.rack}"
      value     = "r1"
    }
  }
}"#;
        let r = run(text);
        let pinned = |id: &str, level| {
            r.placement(id)
                .pinned(level)
                .map(|(d, p)| (d.join(","), p.via, r.text(p.span).to_string()))
        };
        assert_eq!(
            pinned("nomad:j/eq", Level::Zone),
            Some(("dc1".into(), "constraint", r#""dc1""#.into()))
        );
        assert_eq!(
            pinned("nomad:j/re", Level::Zone),
            Some(("dc2".into(), "constraint", r#""^dc2$""#.into()))
        );
        assert_eq!(r.placement("nomad:j/re").pins.len(), 2);
        assert_eq!(
            pinned("nomad:j/not", Level::Zone).map(|p| p.0),
            Some("dc1".into())
        );
        let az = r.placement("nomad:j/az");
        // Datacenters and the zone meta are both zone level, but on two
        // axes: neither narrows the other.
        assert_eq!(az.pins.len(), 3, "{:?}", az.pins);
        assert_eq!(az.pins[1].domains, vec!["a", "b"]);
        let axes: Vec<(Vec<&str>, &str)> = az
            .pinned_axes(Level::Zone)
            .into_iter()
            .map(|(d, p)| (d, p.axis))
            .collect();
        assert_eq!(
            axes,
            [
                (vec!["dc1", "dc2"], "node.datacenter"),
                (vec!["a", "b"], "meta.availability_zone")
            ]
        );
        assert_eq!(
            pinned("nomad:j/az", Level::Host),
            Some(("node-7".into(), "constraint", r#""node-7""#.into()))
        );
    }

    #[test]
    fn unknown_values_say_nothing_and_variable_defaults_are_used() {
        let text = r#"variable "dcs" {
  default = ["dc1"]
}
variable "n" {
  type = number
}
locals {
  replicas = 4
}
job "j" {
  datacenters = var.dcs
  group "g" {
    count = var.n
    constraint {
      attribute = "${node.datacenter}"
      value     = "${NOMAD_META_dc}"
    }
  }
  group "l" {
    count = local.replicas
  }
  group "s" {
    count = "${var.n}"
  }
}
job "k" {
  datacenters = ["*"]
  region      = var.region
  group "g" {}
}"#;
        let r = run(text);
        let g = r.placement("nomad:j/g");
        assert_eq!(g.replicas, None);
        assert_eq!(g.pins.len(), 1);
        assert_eq!(g.pins[0].domains, vec!["dc1"]);
        assert_eq!(r.text(g.pins[0].span), "datacenters = var.dcs");
        assert_eq!(r.placement("nomad:j/l").replicas.map(|x| x.count), Some(4));
        assert_eq!(r.placement("nomad:j/s").replicas, None);
        let k = &r.entity("nomad:k/g").instances[0];
        assert!(k.placement.pins.is_empty());
        assert_eq!(k.region, None);
    }

    #[test]
    fn template_and_env_services_become_dependencies() {
        let api = r#"job "api" {
  group "web" {
    service {
      name = "api"
    }
    task "server" {
      template {
        data = <<EOT
{{ range service "db" }}{{ .Address }}{{ end }}
{{ with service "primary.cache@dc2|any" }}x{{ end }}
{{ range service "api" }}{{ end }}
CONN=queue.service.consul:5672
EOT
      }
      template {
        data = "{{ with nomadService \"search\" }}{{ end }}"
      }
      env {
        DB_ADDR  = "db.service.consul:5432"
        METRICS  = "http://_stats._tcp.service.dc1.consul"
        NOT_HOST = "service.consul"
      }
    }
  }
}"#;
        let db = r#"job "db" {
  group "pg" {
    task "postgres" {
      service {
        name = "db"
      }
    }
  }
}"#;
        let r = run_files(&[("api.nomad", api), ("db.nomad.hcl", db)]);
        let deps = &r.entity("nomad:api/web").instances[0].dependencies;
        let shown: Vec<(String, &str, &str, bool)> = deps
            .iter()
            .map(|d| {
                let target = match &d.target {
                    Reference::Id(id) => id.clone(),
                    other => format!("{other:?}"),
                };
                (target, &*d.via, r.text(d.span), d.explicit)
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("nomad:db/pg".into(), "template service \"db\"", "db", false),
                (
                    "consul:cache".into(),
                    "template service \"cache\"",
                    "cache",
                    false
                ),
                (
                    "consul:queue".into(),
                    "template host queue.service.consul",
                    "queue",
                    false
                ),
                (
                    "consul:search".into(),
                    "template nomadService \"search\"",
                    "search",
                    false
                ),
                ("consul:stats".into(), "env METRICS", "stats", false),
            ]
        );
        // Exact places: the first `db` inside the heredoc.
        let call = at(api, r#"service "db""#, 0).start as usize;
        assert_eq!(deps[0].span.range, TextRange::new(call + 9, call + 11));
        assert!(r.errors.is_empty());
    }

    #[test]
    fn meta_depends_on_role_and_tools() {
        let text = r#"job "ops" {
  meta {
    owner = "sre"
  }
  group "argocd" {
    task "server" {
      driver = "docker"
      config {
        image = "example/app:1"
      }
    }
  }
  group "metrics" {
    task "server" {
      driver = "exec"
      config {
        command = "local/prometheus-2.53.0.linux-amd64/prometheus"
      }
    }
  }
  group "dash" {
    meta = {
      "spof.dev/role"       = "tool"
      "spof.dev/tool-kind"  = "monitoring"
      "spof.dev/depends-on" = "argocd, db/pg, k8s:Deployment/prod/x, missing"
      "spof.dev/ignore"     = "SPOF001: accepted"
    }
  }
  group "plain" {
    task "t" {
      driver = "docker"
      config {
        image = "quay.io/argoproj/argocd:v2"
      }
    }
  }
}
job "db" {
  group "pg" {}
}"#;
        let r = run(text);
        // A tool by what it runs, not by its name.
        let argo = r.entity("nomad:ops/argocd");
        assert_eq!(
            (argo.role, argo.tool_kind.as_deref()),
            (Role::Service, None)
        );
        let metrics = r.entity("nomad:ops/metrics");
        assert_eq!(
            (metrics.role, metrics.tool_kind.as_deref()),
            (Role::Tool, Some("monitoring"))
        );
        let plain = r.entity("nomad:ops/plain");
        assert_eq!(plain.role, Role::Tool);
        let dash = r.entity("nomad:ops/dash");
        assert_eq!(
            (dash.role, dash.tool_kind.as_deref()),
            (Role::Tool, Some("monitoring"))
        );
        let deps = &dash.instances[0].dependencies;
        let shown: Vec<(Reference, &str)> = deps
            .iter()
            .map(|d| (d.target.clone(), r.text(d.span)))
            .collect();
        assert_eq!(
            shown,
            vec![
                (Reference::Id("nomad:ops/argocd".into()), "argocd"),
                (Reference::Id("nomad:db/pg".into()), "db/pg"),
                (
                    Reference::Id("k8s:Deployment/prod/x".into()),
                    "k8s:Deployment/prod/x"
                ),
                (
                    Reference::K8sName {
                        namespace: "ops".into(),
                        name: "missing".into()
                    },
                    "missing"
                ),
            ]
        );
        assert!(
            deps.iter()
                .all(|d| d.explicit && d.strength == Strength::Hard)
        );
        assert_eq!(r.model.suppressions.len(), 1);
        assert_eq!(
            r.model.suppressions[0].scope,
            crate::model::SuppressionScope::Entity("nomad:ops/dash".into())
        );
    }

    #[test]
    fn syntax_errors_are_located_and_other_files_still_read() {
        let bad = "job \"x\" {\n  group \"g\" {\n    count = \n  }\n}\n";
        let r = run_files(&[("bad.nomad", bad), ("good.nomad", API)]);
        assert_eq!(r.errors.len(), 1);
        let e = &r.errors[0];
        assert_eq!(e.code, "parse-error");
        assert!(
            e.message.starts_with("cannot parse bad.nomad: "),
            "{}",
            e.message
        );
        assert_eq!(e.span.file, FileId(0));
        assert!(r.ids().contains(&"nomad:api/web"));
    }

    #[test]
    fn deep_nesting_and_garbage_do_not_panic() {
        let deep = format!(
            "job \"x\" {{ a = {}{} }}",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let r = run(&deep);
        assert_eq!(r.errors.len(), 1);
        assert!(r.errors[0].message.contains("nesting is too deep"));
        let within = format!("job \"x\" {{ a = {}{} }}", "[".repeat(60), "]".repeat(60));
        let within = run(&within);
        assert!(within.errors.is_empty(), "{:?}", within.errors);
        for text in [
            "",
            "job {}",
            "job \"\" { group {} }",
            "\u{feff}job \"b\" { group \"g\" { count = -1 } }",
            "job \"x\" { group \"g\" { task \"t\" { template { data = \"service \\\"\" } } } }",
            "job \"x\" { group \"g\" { task \"t\" { env { A = \".service.consul _.service.consul\" } } } }",
            "{\"Job\": {}}",
        ] {
            let _ = run(text);
        }
        let bom = run("\u{feff}job \"b\" {\n  group \"g\" {\n    count = 2\n  }\n}\n");
        assert!(bom.errors.is_empty(), "{:?}", bom.errors);
        let g = bom.placement("nomad:b/g").replicas.unwrap();
        assert_eq!(bom.text(g.span), "count = 2");
    }

    #[test]
    fn scanners_find_names_exactly() {
        assert_eq!(
            template_services(r#"{{ range service "tag.db@dc1~near|passing" }}"#),
            vec![(22, "db".to_string(), "service")]
        );
        assert_eq!(
            template_services(r#"{{ service \"db\" }}"#),
            vec![(13, "db".to_string(), "service")]
        );
        assert!(template_services(r#"{{ services }} {{ .Service "x" }}"#).is_empty());
        assert!(template_services(r#"{{ service "{{ env "X" }}" }}"#).is_empty());
        assert_eq!(
            consul_hosts("x=tag.db.service.consul:1 y=_pg._tcp.service.dc2.consul."),
            vec![
                (6, "db".to_string(), "tag.db.service.consul".to_string()),
                (
                    29,
                    "pg".to_string(),
                    "_pg._tcp.service.dc2.consul".to_string()
                ),
            ]
        );
        assert!(consul_hosts("db.service.example.com").is_empty());
    }

    #[test]
    fn corpus_jobs_do_not_panic() {
        let Some(root) = crate::test_corpus::corpus("hashicorp__nomad") else {
            return;
        };
        let mut paths = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = path.to_string_lossy().to_string();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    dirs.push(path);
                } else if name.ends_with(".nomad") || name.ends_with(".nomad.hcl") {
                    paths.push(path);
                }
            }
        }
        paths.sort();
        let sources: Vec<SourceFile> = paths
            .iter()
            .filter_map(|p| Some(SourceFile::new(p.clone(), std::fs::read_to_string(p).ok()?)))
            .collect();
        let inputs: Vec<(FileId, &SourceFile)> = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (FileId(i as u32), s))
            .collect();
        let mut model = Model::default();
        let errors = extract(&inputs, &Limits::default(), None, &mut model);
        let deps: usize = model
            .entities
            .iter()
            .flat_map(|e| &e.instances)
            .map(|i| i.dependencies.len())
            .sum();
        eprintln!(
            "corpus: {} files, {} parse errors, {} groups, {} dependencies",
            inputs.len(),
            errors.len(),
            model.entities.len(),
            deps
        );
        assert!(!model.entities.is_empty());
    }
}
