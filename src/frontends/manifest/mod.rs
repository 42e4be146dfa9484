//! spof's own service manifest (`spof.services.toml`, `*.spof.toml`): the
//! estate no infrastructure code describes — datacenters, appliances, SaaS —
//! as sites, services and the tools that operate them.
//!
//! All manifest files of a run are read together: sites are shared, and
//! names resolve across files. The tree is walked by hand (as `spof.toml`
//! is) so that every error points at the exact key or value, and one bad
//! entry does not hide the rest of the file.
//!
//! Placement: a service in several sites is one [`Instance`] per site, each
//! a `copy` pinned to its site; copies are alternatives, so the service is
//! up while any site is. With `quorum`, the copies are not independent: the
//! service is one instance over all its sites, spread evenly, that needs
//! `quorum` replicas up.

mod frontend;
mod tables;
pub use frontend::FRONTEND;

/// The service manifest's own name.
pub const MANIFEST_FILE_NAME: &str = "spof.services.toml";

use super::kubernetes::parse_reference;
use crate::diagnostic::{Diagnostic, Related};
use crate::model::{
    Dependency, Entity, Guarantee, Instance, Level, Model, Names, Pin, Quorum, Reference,
    ReplicaSource, Replicas, Role, Spread, Strength, WorkloadKind,
};
use crate::parse::toml::{
    self, DeValue, Key, Spanned, Table as DeTable, Value, did_you_mean, found, list,
};
use crate::source::{FileId, SourceFile, Span, TextRange};
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// Code of every diagnostic this module emits.
pub const MANIFEST_ERROR: &str = "manifest-error";
/// Entity ids of manifest services and tools: `manifest:talk-api`.
pub const ID_PREFIX: &str = "manifest:";

const TOP_LEVEL_KEYS: &[&str] = &["sites", "services", "tools"];
const SITE_KEYS: &[&str] = &["region", "level"];
const SERVICE_KEYS: &[&str] = &[
    "sites",
    "replicas",
    "quorum",
    "depends_on",
    "soft_depends_on",
    "recovery_depends_on",
    "hosts",
    "role",
    "tier",
    "criticality",
];
const TOOL_KEYS: &[&str] = &[
    "sites",
    "replicas",
    "quorum",
    "depends_on",
    "soft_depends_on",
    "recovery_depends_on",
    "hosts",
    "kind",
    "manages",
    "tier",
    "criticality",
];
const LEVELS: &[&str] = &["region", "zone", "datacenter", "host"];
const SERVICE_ROLES: &[&str] = &["service", "datastore", "network", "platform"];
const DEPENDS_VIA: &str = "depends_on in the manifest";
const RECOVERY_VIA: &str = "recovery_depends_on in the manifest";
const MANAGES_VIA: &str = "manages in the manifest";
const SITE_VIA: &str = "site list";

/// Reads every manifest file of the run into `model`; returns the problems.
///
/// The files are read table by table ([`tables`]): only one service's or
/// tool's table is a tree at a time. A run that reading cannot vouch for
/// (a syntax error anywhere, a table defined twice, a service not written
/// as its own `[services.NAME]` table) is read again with each file parsed
/// whole ([`extract_whole`]), which words every problem.
pub fn extract(files: &[(FileId, &SourceFile)], model: &mut Model) -> Vec<Diagnostic> {
    tables::extract(files, model).unwrap_or_else(|| extract_whole(files, model))
}

/// Reads every manifest file with each file parsed whole into one tree:
/// what [`extract`] falls back to, and gives the same model and problems
/// as (the tests and the fuzz target compare the two).
pub fn extract_whole(files: &[(FileId, &SourceFile)], model: &mut Model) -> Vec<Diagnostic> {
    let mut reader = Reader::default();
    let trees: Vec<(FileId, Spanned<DeTable<'_>>)> = files
        .iter()
        .map(|&(file, source)| {
            let (tree, errors) = toml::parse_recoverable(source.text());
            // What the parser recovers still defines names for the other
            // files, but its errors would be echoes of the first one.
            if let Some(error) = errors.first() {
                reader.syntax_error(file, error);
            }
            (file, tree)
        })
        .collect();

    // Pass 1: sites and the names of services and tools, from every file.
    let mut sites: BTreeMap<String, SiteDef> = BTreeMap::new();
    let mut defs: Vec<Def<'_, '_>> = Vec::new();
    for (file, tree) in &trees {
        let mut found: Vec<Def<'_, '_>> = Vec::new();
        reader.top_level(At::whole(*file), tree.get_ref(), &mut sites, &mut found);
        // File order, not key order.
        found.sort_by_key(|d| d.span);
        defs.extend(found);
    }
    let (kept, names) = reader.unique(defs.iter().map(|d| (d.name.as_str(), d.tool, d.span)));
    regions(&sites, model);

    // Pass 2: entities.
    let known: Vec<&str> = names.into_keys().collect();
    model
        .entities
        .reserve(kept.iter().filter(|kept| **kept).count());
    for (def, _) in defs.iter().zip(kept).filter(|(_, kept)| *kept) {
        let entity = reader.entity(def, &sites, &known);
        model.hosts.extend(reader.hosts(def, &entity.id));
        model.entities.push(entity);
    }
    reader.finish()
}

/// Zones inside regions, for the failure domains.
fn regions(sites: &BTreeMap<String, SiteDef>, model: &mut Model) {
    for (name, site) in sites {
        if let (Level::Zone, Some((region, _))) = (site.level, &site.region) {
            model.regions.push((name.clone(), region.to_string()));
        }
    }
}

/// A `[sites.NAME]` table.
#[derive(Debug, Clone)]
struct SiteDef {
    /// The site's name, shared by the copies placed in it.
    name: Arc<str>,
    level: Level,
    /// The region's name, shared by the copies placed in the site.
    region: Option<(Arc<str>, Span)>,
    span: Span,
}

/// A `[services.NAME]` or `[tools.NAME]` table, not yet read.
struct Def<'t, 'i> {
    name: String,
    tool: bool,
    file: At,
    /// The name in the table header.
    span: Span,
    table: &'t DeTable<'i>,
}

impl Def<'_, '_> {
    fn header(&self) -> String {
        let table = if self.tool { "tools" } else { "services" };
        format!("[{table}.{}]", self.name)
    }
}

/// A site of a service's `sites` list, resolved.
struct Placed<'s> {
    name: Arc<str>,
    site: &'s SiteDef,
    span: Span,
}

trait WithRelated {
    fn with_related(self, span: Span, message: &str) -> Self;
}

impl WithRelated for Diagnostic {
    fn with_related(mut self, span: Span, message: &str) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }
}

#[derive(Default)]
struct Reader {
    diags: Vec<Diagnostic>,
    /// TOML syntax errors: a file with one reports nothing else.
    syntax: Vec<Diagnostic>,
}

impl Reader {
    fn push(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    /// The top level of a file's tree: its sites into `sites`, its
    /// services and tools into `found`.
    fn top_level<'t, 'i>(
        &mut self,
        file: At,
        tree: &'t DeTable<'i>,
        sites: &mut BTreeMap<String, SiteDef>,
        found: &mut Vec<Def<'t, 'i>>,
    ) {
        for (key, value) in tree.iter() {
            match key.get_ref().as_ref() {
                "sites" => self.sites(file, value, sites),
                "services" => self.definitions(file, value, false, found),
                "tools" => self.definitions(file, value, true, found),
                _ => self.unknown_key(file, key, TOP_LEVEL_KEYS, "at the top level"),
            }
        }
    }

    /// Which definitions (name, tool or not, where), in order, are kept: a
    /// name already defined is an error, and the later one dropped. Returns
    /// them with the names kept (borrowed: the table copies no name).
    fn unique<'d>(
        &mut self,
        defs: impl Iterator<Item = (&'d str, bool, Span)>,
    ) -> (Vec<bool>, BTreeMap<&'d str, (bool, Span)>) {
        let mut names: BTreeMap<&'d str, (bool, Span)> = BTreeMap::new();
        let mut kept = Vec::new();
        for (name, tool, at) in defs {
            let Some(&(first_tool, first)) = names.get(name) else {
                names.insert(name, (tool, at));
                kept.push(true);
                continue;
            };
            let (message, help) = if first_tool == tool {
                let section = if tool { "tool" } else { "service" };
                (
                    format!("duplicate {section} `{name}`"),
                    "define each service and tool once, in one manifest file",
                )
            } else {
                (
                    format!("`{name}` is defined both as a service and as a tool"),
                    "services and tools share one namespace of names: rename one of them",
                )
            };
            self.push(
                Diagnostic::error(MANIFEST_ERROR, at, message)
                    .with_label("defined again here")
                    .with_help(help)
                    .with_related(first, "first defined here"),
            );
            kept.push(false);
        }
        (kept, names)
    }

    /// The hosts a definition lists, each with the entity's id.
    fn hosts(&mut self, def: &Def<'_, '_>, id: &str) -> Vec<(String, String)> {
        let Some(value) = def.table.get("hosts") else {
            return Vec::new();
        };
        self.strings(def.file, "hosts", value)
            .into_iter()
            .map(|(host, _)| host.trim().to_ascii_lowercase())
            .filter(|host| !host.is_empty())
            .map(|host| (host, id.to_string()))
            .collect()
    }

    /// The problems, in order; a file with a syntax error reports only it.
    fn finish(self) -> Vec<Diagnostic> {
        let Reader { mut diags, syntax } = self;
        diags.retain(|d| !syntax.iter().any(|s| s.span.file == d.span.file));
        diags.extend(syntax);
        diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        diags
    }

    /// Whether the name of a service or tool, written at `range`, is one.
    fn valid_name(&mut self, file: At, name: &str, range: Range<usize>) -> bool {
        if name.is_empty() || name.contains(':') || name.chars().any(char::is_whitespace) {
            self.error(
                file,
                range,
                format!("invalid name `{name}`"),
                "invalid name",
                "names must be non-empty, without `:` or spaces (a `:` marks an entity id)",
            );
            return false;
        }
        true
    }

    fn error(
        &mut self,
        file: At,
        range: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(
            Diagnostic::error(MANIFEST_ERROR, span(file, range), message)
                .with_label(label)
                .with_help(help),
        );
    }

    fn syntax_error(&mut self, file: FileId, err: &toml::SyntaxError) {
        let file = At::whole(file);
        let (range, message) = (err.range.clone(), &err.message);
        let help = if err.is_duplicate_key() {
            "each key may appear only once in a table; define each site, service and tool once"
        } else {
            "a service manifest must be valid TOML (https://toml.io)"
        };
        let label = if message.is_empty() {
            "here".to_string()
        } else {
            message.clone()
        };
        self.syntax.push(
            Diagnostic::error(
                MANIFEST_ERROR,
                span(file, range),
                format!("invalid TOML: {message}"),
            )
            .with_label(label)
            .with_help(help),
        );
    }

    fn unknown_key(&mut self, file: At, key: &Key<'_>, allowed: &[&str], context: &str) {
        let name = key.get_ref().as_ref();
        let help = toml::unknown_key_help(name, allowed);
        self.error(
            file,
            key.span(),
            format!("unknown key `{name}` {context}"),
            "unknown key",
            help,
        );
    }

    fn check_keys(&mut self, file: At, table: &DeTable<'_>, allowed: &[&str], context: &str) {
        for (key, _) in table.iter() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                self.unknown_key(file, key, allowed, context);
            }
        }
    }

    fn wrong_type(&mut self, file: At, value: &Value<'_>, message: String, help: String) {
        let label = found(value);
        self.error(file, value.span(), message, label, help);
    }

    /// A table: `[NAME]` or `[parent.NAME]`.
    fn table<'a, 'i>(
        &mut self,
        file: At,
        name: &str,
        value: &'a Value<'i>,
    ) -> Option<&'a DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                let help = format!("write it as a `[{name}]` section");
                self.wrong_type(file, value, format!("`{name}` must be a table"), help);
                None
            }
        }
    }

    /// A non-empty string.
    fn string(&mut self, file: At, key: &str, value: &Value<'_>) -> Option<(String, Span)> {
        match value.get_ref() {
            DeValue::String(s) if s.is_empty() => {
                self.error(
                    file,
                    value.span(),
                    format!("`{key}` must not be empty"),
                    "empty string",
                    format!("give `{key}` a value, or remove it"),
                );
                None
            }
            DeValue::String(s) => Some((s.to_string(), span(file, value.span()))),
            _ => {
                let help = format!("write it in quotes: `{key} = \"...\"`");
                self.wrong_type(file, value, format!("`{key}` must be a string"), help);
                None
            }
        }
    }

    /// An array of non-empty strings; the valid entries are returned even
    /// when some are not.
    fn strings(&mut self, file: At, key: &str, value: &Value<'_>) -> Vec<(String, Span)> {
        let message = || format!("`{key}` must be an array of strings");
        let DeValue::Array(items) = value.get_ref() else {
            let help = match value.get_ref() {
                DeValue::String(s) if !s.contains(['"', '\\']) => {
                    format!("use an array: `{key} = [\"{s}\"]`")
                }
                _ => format!("use an array: `{key} = [\"...\"]`"),
            };
            self.wrong_type(file, value, message(), help);
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) if s.is_empty() => self.error(
                    file,
                    item.span(),
                    format!("entries of `{key}` must not be empty"),
                    "empty string",
                    "remove the empty entry",
                ),
                DeValue::String(s) => out.push((s.to_string(), span(file, item.span()))),
                _ => {
                    let help = "write each entry in quotes".to_string();
                    self.wrong_type(file, item, message(), help);
                }
            }
        }
        out
    }

    /// A positive count (`replicas`, `quorum`).
    fn count(&mut self, file: At, key: &str, value: &Value<'_>) -> Option<(u32, Span)> {
        let DeValue::Integer(int) = value.get_ref() else {
            let help = format!("write a whole number: `{key} = 3`");
            self.wrong_type(file, value, format!("`{key}` must be an integer"), help);
            return None;
        };
        match i64::from_str_radix(int.as_str(), int.radix()) {
            Ok(n) if n < 1 => {
                self.error(
                    file,
                    value.span(),
                    format!("`{key}` must be at least 1"),
                    format!("{key} = {n}"),
                    match key {
                        "replicas" => {
                            "a service with no replicas is not running; remove it, or give its real count"
                        }
                        _ => "`quorum` is how many replicas must be up; remove it if there is none",
                    },
                );
                None
            }
            Ok(n) => match u32::try_from(n) {
                Ok(n) => Some((n, span(file, value.span()))),
                Err(_) => {
                    self.too_large(file, key, value);
                    None
                }
            },
            Err(_) => {
                self.too_large(file, key, value);
                None
            }
        }
    }

    fn too_large(&mut self, file: At, key: &str, value: &Value<'_>) {
        self.error(
            file,
            value.span(),
            format!("`{key}` is too large"),
            "too large",
            format!("`{key}` must fit in 32 bits"),
        );
    }

    fn sites(&mut self, file: At, value: &Value<'_>, sites: &mut BTreeMap<String, SiteDef>) {
        let Some(table) = self.table(file, "sites", value) else {
            return;
        };
        let mut found: Vec<(&Key<'_>, &Value<'_>)> = table.iter().collect();
        found.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in found {
            let name = key.get_ref().as_ref();
            let header = span(file, key.span());
            let context = format!("in [sites.{name}]");
            let Some(table) = self.table(file, &format!("sites.{name}"), value) else {
                continue;
            };
            self.check_keys(file, table, SITE_KEYS, &context);
            let level = match table.get("level") {
                None => Level::Zone,
                Some(value) => match self.string(file, "level", value) {
                    None => Level::Zone,
                    Some((level, at)) => match level.as_str() {
                        "region" => Level::Region,
                        "zone" | "datacenter" => Level::Zone,
                        "host" => Level::Host,
                        _ => {
                            let help = match did_you_mean(&level, LEVELS.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!("expected one of {}", list(LEVELS)),
                            };
                            self.push(
                                Diagnostic::error(
                                    MANIFEST_ERROR,
                                    at,
                                    format!("unknown level `{level}` for site `{name}`"),
                                )
                                .with_label("unknown level")
                                .with_help(help),
                            );
                            Level::Zone
                        }
                    },
                },
            };
            let region = table
                .get("region")
                .and_then(|value| self.string(file, "region", value));
            if let Some(first) = sites.get(name) {
                self.push(
                    Diagnostic::error(MANIFEST_ERROR, header, format!("duplicate site `{name}`"))
                        .with_label("defined again here")
                        .with_help("define each site once, in one manifest file")
                        .with_related(first.span, "first defined here"),
                );
                continue;
            }
            sites.insert(
                name.to_string(),
                SiteDef {
                    name: Arc::from(name),
                    level,
                    region: region.map(|(region, span)| (Arc::from(region), span)),
                    span: header,
                },
            );
        }
    }

    fn definitions<'t, 'i>(
        &mut self,
        file: At,
        value: &'t Value<'i>,
        tool: bool,
        out: &mut Vec<Def<'t, 'i>>,
    ) {
        let section = if tool { "tools" } else { "services" };
        let Some(table) = self.table(file, section, value) else {
            return;
        };
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let Some(table) = self.table(file, &format!("{section}.{name}"), value) else {
                continue;
            };
            if !self.valid_name(file, name, key.span()) {
                continue;
            }
            out.push(Def {
                name: name.to_string(),
                tool,
                file,
                span: span(file, key.span()),
                table,
            });
        }
    }

    fn entity(
        &mut self,
        def: &Def<'_, '_>,
        sites: &BTreeMap<String, SiteDef>,
        names: &[&str],
    ) -> Entity {
        let file = def.file;
        let table = def.table;
        let context = format!("in {}", def.header());
        let allowed = if def.tool { TOOL_KEYS } else { SERVICE_KEYS };
        self.check_keys(file, table, allowed, &context);

        let sites_value = table.get("sites");
        let placed = sites_value
            .map(|value| self.placed(def, value, sites))
            .unwrap_or_default();
        let replicas = table
            .get("replicas")
            .and_then(|value| self.count(file, "replicas", value));
        let quorum = table
            .get("quorum")
            .and_then(|value| self.count(file, "quorum", value));
        let quorum = self.check_counts(def, &placed, replicas, quorum);

        let (role, tool_kind) = if def.tool {
            (Role::Tool, self.tool_kind(def))
        } else {
            (self.role(def), None)
        };

        let mut dependencies =
            self.references(def, "depends_on", Strength::Hard, DEPENDS_VIA, names);
        dependencies.extend(self.references(
            def,
            "soft_depends_on",
            Strength::Soft,
            DEPENDS_VIA,
            names,
        ));
        dependencies.extend(self.references(
            def,
            "recovery_depends_on",
            Strength::Recovery,
            RECOVERY_VIA,
            names,
        ));
        let manages = self.references(def, "manages", Strength::Hard, MANAGES_VIA, names);

        let base = Instance {
            workload: Some(WorkloadKind::LongRunning),
            dependencies: dependencies.into(),
            manages: manages.into(),
            ..Instance::at(def.span)
        };
        let instances = match (&quorum, placed.as_slice()) {
            // Nothing says where it runs.
            (_, []) => {
                let mut inst = base;
                inst.placement.replicas = replicas.map(|(count, span)| Replicas {
                    count,
                    span,
                    source: ReplicaSource::Explicit,
                });
                if let Some((needed, span)) = quorum {
                    inst.placement.quorum = Some(Box::new(quorum_of(needed, span)));
                }
                vec![inst]
            }
            // Independent copies, one per site.
            (None, placed) => Self::copy_per_site(def, &base, replicas, placed),
            // A quorum system over its sites: one instance, spread evenly.
            (Some((needed, at)), placed) => {
                let list_span = sites_value.map_or(def.span, |v| span(file, v.span()));
                let mut inst = Self::spread_over_sites(def, base, replicas, placed, list_span);
                inst.placement.quorum = Some(Box::new(quorum_of(*needed, *at)));
                vec![inst]
            }
        };

        Entity {
            id: format!("{ID_PREFIX}{}", def.name),
            origin: crate::model::Origin::Manifest,
            kind: if def.tool { "Tool" } else { "Service" }.to_string(),
            namespace: None,
            name: def.name.clone(),
            role,
            tool_kind,
            tool: None,
            tier: self.tier(def),
            instances,
            place: None,
        }
    }

    /// The quorum, checked against `replicas` and the sites (as are the
    /// replicas): a quorum above the replicas is an error, and dropped.
    fn check_counts(
        &mut self,
        def: &Def<'_, '_>,
        placed: &[Placed<'_>],
        replicas: Option<(u32, Span)>,
        mut quorum: Option<(u32, Span)>,
    ) -> Option<(u32, Span)> {
        let total = replicas.map(|(n, _)| n).or_else(|| {
            (!placed.is_empty()).then(|| u32::try_from(placed.len()).unwrap_or(u32::MAX))
        });
        if let (Some((needed, at)), Some(total)) = (quorum, total)
            && needed > total
        {
            let held = match replicas {
                Some(_) => format!("only {total} replicas"),
                None => format!("only {total} replicas (1 per site)"),
            };
            self.push(
                Diagnostic::error(
                    MANIFEST_ERROR,
                    at,
                    format!(
                        "`quorum = {needed}` is more than the {total} replicas of `{}`",
                        def.name
                    ),
                )
                .with_label(format!("needs {needed} up, {held}"))
                .with_help("`quorum` is how many replicas must be up: at most `replicas`"),
            );
            quorum = None;
        }
        if let (Some((n, at)), false) = (replicas, placed.is_empty())
            && (n as usize) < placed.len()
        {
            self.push(
                Diagnostic::error(
                    MANIFEST_ERROR,
                    at,
                    format!(
                        "`replicas = {n}` is fewer than the {} sites `{}` lists",
                        placed.len(),
                        def.name
                    ),
                )
                .with_label(format!("{n} replicas for {} sites", placed.len()))
                .with_help("list only the sites that run a replica, or give the real total"),
            );
        }
        quorum
    }

    /// The entities a list of references (`depends_on`, `manages`...) names,
    /// as dependencies of this `strength`.
    fn references(
        &mut self,
        def: &Def<'_, '_>,
        key: &str,
        strength: Strength,
        via: &'static str,
        names: &[&str],
    ) -> Vec<Dependency> {
        let Some(value) = def.table.get(key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (entry, at) in self.strings(def.file, key, value) {
            if let Some(target) = self.reference(def, key, &entry, at, names) {
                out.push(Dependency {
                    target,
                    strength,
                    span: at,
                    via: via.into(),
                    explicit: true,
                    origin: None,
                });
            }
        }
        out
    }

    /// Independent copies of `base`, one per site, each pinned to its site.
    fn copy_per_site(
        def: &Def<'_, '_>,
        base: &Instance,
        replicas: Option<(u32, Span)>,
        placed: &[Placed<'_>],
    ) -> Vec<Instance> {
        let sites = u32::try_from(placed.len()).unwrap_or(u32::MAX);
        let replicas = match replicas {
            Some((total, span)) => Replicas {
                count: total.div_ceil(sites),
                span,
                source: ReplicaSource::Explicit,
            },
            None => Replicas {
                count: 1,
                span: def.span,
                source: ReplicaSource::Defaulted,
            },
        };
        placed
            .iter()
            .map(|p| {
                let mut inst = base.clone();
                inst.copy = Some(Arc::clone(&p.name));
                inst.region.clone_from(&p.site.region);
                inst.placement.replicas = Some(replicas);
                // Made at its length: one pin, not room for four.
                inst.placement.pins = vec![Pin {
                    level: p.site.level,
                    domains: Names::one(Arc::clone(&p.name)),
                    span: p.span,
                    via: SITE_VIA,
                    axis: "",
                    origin: None,
                }];
                inst
            })
            .collect()
    }

    /// `base` as one instance over all its sites: pinned to them, level by
    /// level, and spread evenly across them.
    fn spread_over_sites(
        def: &Def<'_, '_>,
        base: Instance,
        replicas: Option<(u32, Span)>,
        placed: &[Placed<'_>],
        list_span: Span,
    ) -> Instance {
        let sites = u32::try_from(placed.len()).unwrap_or(u32::MAX);
        let mut inst = base;
        inst.region = placed.iter().find_map(|p| p.site.region.clone());
        inst.placement.replicas = Some(match replicas {
            Some((count, span)) => Replicas {
                count,
                span,
                source: ReplicaSource::Explicit,
            },
            None => Replicas {
                count: sites,
                span: def.span,
                source: ReplicaSource::Defaulted,
            },
        });
        for level in [Level::Region, Level::Zone, Level::Host] {
            let domains: Names = placed
                .iter()
                .filter(|p| p.site.level == level)
                .map(|p| Arc::clone(&p.name))
                .collect();
            if domains.is_empty() {
                continue;
            }
            let pin_span = match placed.iter().filter(|p| p.site.level == level).count() {
                1 => placed
                    .iter()
                    .find(|p| p.site.level == level)
                    .map_or(list_span, |p| p.span),
                _ => list_span,
            };
            inst.placement.pins.push(Pin {
                level,
                domains,
                span: pin_span,
                via: SITE_VIA,
                axis: "",
                origin: None,
            });
        }
        inst.placement.spreads.push(Spread {
            level: Level::Zone,
            guarantee: Guarantee::Hard,
            max_skew: Some(1),
            one_per_domain: false,
            min_domains: Some(sites),
            span: list_span,
        });
        inst.placement.pins.shrink_to_fit();
        inst.placement.spreads.shrink_to_fit();
        inst
    }

    /// The `sites` list, resolved against the sites of every manifest.
    fn placed<'s>(
        &mut self,
        def: &Def<'_, '_>,
        value: &Value<'_>,
        sites: &'s BTreeMap<String, SiteDef>,
    ) -> Vec<Placed<'s>> {
        let file = def.file;
        if let DeValue::Array(items) = value.get_ref()
            && items.is_empty()
        {
            self.error(
                file,
                value.span(),
                format!("`sites` of `{}` is empty", def.name),
                "no sites",
                "list the sites it runs in, or remove `sites` if they are unknown",
            );
            return Vec::new();
        }
        let mut out: Vec<Placed<'s>> = Vec::new();
        for (name, at) in self.strings(file, "sites", value) {
            let Some(site) = sites.get(&name) else {
                let help = match did_you_mean(&name, sites.keys().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if sites.is_empty() => {
                        format!("define it: `[sites.{name}]`")
                    }
                    None => format!(
                        "define it as `[sites.{name}]`, or use one of {}",
                        list(&sites.keys().map(String::as_str).collect::<Vec<_>>())
                    ),
                };
                self.push(
                    Diagnostic::error(MANIFEST_ERROR, at, format!("unknown site `{name}`"))
                        .with_label("no such site")
                        .with_help(help),
                );
                continue;
            };
            if let Some(first) = out.iter().find(|p| *p.name == *name) {
                let first = first.span;
                self.push(
                    Diagnostic::error(MANIFEST_ERROR, at, format!("site `{name}` is listed twice"))
                        .with_label("listed again")
                        .with_help("list each site once; `replicas` says how many run in all")
                        .with_related(first, "first listed here"),
                );
                continue;
            }
            out.push(Placed {
                name: Arc::clone(&site.name),
                site,
                span: at,
            });
        }
        out
    }

    fn role(&mut self, def: &Def<'_, '_>) -> Role {
        let Some(value) = def.table.get("role") else {
            return Role::Service;
        };
        let Some((role, at)) = self.string(def.file, "role", value) else {
            return Role::Service;
        };
        match Role::parse(&role) {
            Some(Role::Tool) => {
                self.push(
                    Diagnostic::error(
                        MANIFEST_ERROR,
                        at,
                        format!(
                            "`{}` is a tool: define it under `[tools.{}]`",
                            def.name, def.name
                        ),
                    )
                    .with_label("not a service role")
                    .with_help("tools are `[tools.NAME]` tables, with `kind` and `manages`"),
                );
                Role::Service
            }
            Some(role) => role,
            None => {
                let help = match did_you_mean(&role, SERVICE_ROLES.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("expected one of {}", list(SERVICE_ROLES)),
                };
                self.push(
                    Diagnostic::error(MANIFEST_ERROR, at, format!("unknown role `{role}`"))
                        .with_label("unknown role")
                        .with_help(help),
                );
                Role::Service
            }
        }
    }

    /// `tier` (else `criticality`): a number from 1 (most critical) to 4,
    /// or a word ([`crate::model::parse_tier`]); 0 when neither is given.
    fn tier(&mut self, def: &Def<'_, '_>) -> u8 {
        let Some((key, value)) = ["tier", "criticality"]
            .into_iter()
            .find_map(|k| def.table.get(k).map(|v| (k, v)))
        else {
            return 0;
        };
        let written = match value.get_ref() {
            DeValue::Integer(int) => Some(int.as_str().to_string()),
            DeValue::String(s) => Some(s.to_string()),
            _ => None,
        };
        if let Some(tier) = written.as_deref().and_then(crate::model::parse_tier) {
            return tier;
        }
        self.error(
            def.file,
            value.span(),
            format!("`{key}` must be a tier from 1 (most critical) to 4"),
            "not a tier",
            format!(
                "write a number or a word: `{key} = 1`, `{key} = \"critical\"`, `\"high\"`, `\"medium\"` or `\"low\"`"
            ),
        );
        0
    }

    fn tool_kind(&mut self, def: &Def<'_, '_>) -> Option<String> {
        let detected = || super::tools::detect_by_name(&def.name).map(|t| t.kind.clone());
        let Some(value) = def.table.get("kind") else {
            return detected();
        };
        let (kind, at) = self.string(def.file, "kind", value)?;
        let mut kinds: Vec<&str> = super::tools::catalog()
            .iter()
            .map(|t| t.kind.as_str())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        if kinds.contains(&kind.as_str()) {
            return Some(kind);
        }
        let help = match did_you_mean(&kind, kinds.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("expected one of {}", list(&kinds)),
        };
        self.push(
            Diagnostic::error(MANIFEST_ERROR, at, format!("unknown tool kind `{kind}`"))
                .with_label("unknown kind")
                .with_help(help),
        );
        detected()
    }

    /// An entry of `depends_on`, `soft_depends_on`, `recovery_depends_on` or `manages`: a name in
    /// the manifests, another format's entity id, or a URL naming what
    /// serves its host (`https://dex.example.com/dex`: an OIDC issuer).
    fn reference(
        &mut self,
        def: &Def<'_, '_>,
        key: &str,
        entry: &str,
        at: Span,
        names: &[&str],
    ) -> Option<Reference> {
        // A URL (an OIDC issuer, a registry, an API): what serves its host.
        if entry.contains("://") {
            let host = super::hosts::references(entry, true).into_iter().next();
            if let Some(host) = host {
                return Some(Reference::Host(host.name.to_ascii_lowercase()));
            }
        }
        let name = match entry.strip_prefix(ID_PREFIX) {
            Some(name) => name,
            None if entry.contains(':') => return Some(parse_reference(entry, "default")),
            None => entry,
        };
        if names.binary_search(&name).is_ok() {
            if name == def.name && key != "manages" {
                self.push(
                    Diagnostic::error(
                        MANIFEST_ERROR,
                        at,
                        format!("`{}` depends on itself", def.name),
                    )
                    .with_label("its own name")
                    .with_help(format!("remove `{entry}` from `{key}`")),
                );
                return None;
            }
            return Some(Reference::Id(format!("{ID_PREFIX}{name}")));
        }
        let help = match did_you_mean(name, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if name.contains('/') => format!(
                "to name another format's entity, write its id: `k8s:{name}` (Kind/namespace/name), `tf:ADDRESS`, …"
            ),
            None => format!(
                "define it as `[services.{name}]` or `[tools.{name}]`, or write another format's entity id (`k8s:…`, `tf:…`)"
            ),
        };
        self.push(
            Diagnostic::error(
                MANIFEST_ERROR,
                at,
                format!("`{key}` of `{}` names unknown `{name}`", def.name),
            )
            .with_label("no service or tool of this name")
            .with_help(help),
        );
        None
    }
}

fn quorum_of(needed: u32, span: Span) -> Quorum {
    Quorum {
        needed,
        reason: format!("`quorum = {needed}` in the manifest"),
        span,
    }
}

/// Where a tree's text is: its file, and the offset of its first byte in
/// the file (a table read on its own has spans from its own start).
#[derive(Debug, Clone, Copy)]
struct At {
    file: FileId,
    base: usize,
}

impl At {
    /// A tree of the whole file.
    fn whole(file: FileId) -> Self {
        Self { file, base: 0 }
    }
}

fn span(at: At, range: Range<usize>) -> Span {
    Span::new(
        at.file,
        TextRange::new(at.base + range.start, at.base + range.end),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Kind;
    use crate::source::SourceMap;
    use std::path::PathBuf;

    struct Read {
        model: Model,
        diags: Vec<Diagnostic>,
        sources: SourceMap,
    }

    impl Read {
        /// `line:col message` of every error, then its label and help.
        fn errors(&self) -> Vec<(String, String, String)> {
            self.diags
                .iter()
                .map(|d| {
                    assert_eq!(d.code, MANIFEST_ERROR);
                    assert_eq!(d.kind, Kind::Error);
                    assert!(d.label.is_some(), "{d:?} has no label");
                    let source = self.sources.get(d.span.file);
                    let lc = source.line_col(d.span.range.start);
                    let prefix = if self.sources.len() > 1 {
                        format!("{}:", source.path.display())
                    } else {
                        String::new()
                    };
                    (
                        format!("{prefix}{}:{} {}", lc.line, lc.column, d.message),
                        d.label.as_deref().unwrap_or_default().to_string(),
                        d.help.as_deref().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        }

        fn text(&self, span: Span) -> &str {
            let text = &self.sources.get(span.file).text();
            &text[span.range.start as usize..span.range.end as usize]
        }

        fn entity(&self, id: &str) -> &Entity {
            self.model
                .entities
                .iter()
                .find(|e| e.id == id)
                .unwrap_or_else(|| panic!("no entity {id}"))
        }
    }

    fn read_files(files: &[(&str, &str)]) -> Read {
        let mut sources = SourceMap::default();
        let ids: Vec<FileId> = files
            .iter()
            .map(|(path, text)| sources.add(SourceFile::new(PathBuf::from(path), *text)))
            .collect();
        let inputs: Vec<(FileId, &SourceFile)> = ids.iter().map(|&f| (f, sources.get(f))).collect();
        let mut model = Model::default();
        let diags = extract(&inputs, &mut model);
        Read {
            model,
            diags,
            sources,
        }
    }

    fn read(text: &str) -> Read {
        read_files(&[("spof.services.toml", text)])
    }

    const ESTATE: &str = r#"[sites.pangyo]
region = "capital"

[sites.ansan]
region = "capital"

[sites.seoul]
level = "region"

[services.talk-api]
sites = ["pangyo", "ansan"]
replicas = 12
depends_on = ["talk-db", "k8s:StatefulSet/talk/talk-db", "tf:aws_db_instance.orders"]
soft_depends_on = ["auth"]

[services.talk-db]
sites = ["pangyo"]
role = "datastore"

[services.auth]
sites = ["seoul"]

[tools.deploy-console]
sites = ["pangyo"]
manages = ["talk-api", "auth", "k8s:Deployment/talk/web"]
depends_on = ["sso"]

[tools.sso]
sites = ["ansan"]
kind = "sso"
"#;

    #[test]
    fn services_are_entities_with_one_copy_per_site() {
        let r = read(ESTATE);
        assert!(r.diags.is_empty(), "{:#?}", r.errors());
        let ids: Vec<&str> = r.model.entities.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "manifest:talk-api",
                "manifest:talk-db",
                "manifest:auth",
                "manifest:deploy-console",
                "manifest:sso"
            ]
        );
        let api = r.entity("manifest:talk-api");
        assert_eq!(api.kind, "Service");
        assert_eq!(api.name, "talk-api");
        assert_eq!(api.namespace, None);
        assert_eq!(api.role, Role::Service);
        assert_eq!(api.label(), "Service talk-api");
        assert_eq!(api.instances.len(), 2);
        for (inst, site) in api.instances.iter().zip(["pangyo", "ansan"]) {
            assert_eq!(r.text(inst.span), "talk-api");
            assert_eq!(inst.copy.as_deref(), Some(site));
            assert_eq!(inst.cluster, None);
            assert_eq!(inst.workload, Some(WorkloadKind::LongRunning));
            let (region, region_span) = inst.region.clone().unwrap();
            assert_eq!(&*region, "capital");
            assert_eq!(r.text(region_span), "\"capital\"");
            let [pin] = inst.placement.pins.as_slice() else {
                panic!("{:?}", inst.placement.pins);
            };
            assert_eq!(pin.level, Level::Zone);
            assert_eq!(pin.domains, [site]);
            assert_eq!(pin.via, "site list");
            assert_eq!(r.text(pin.span), format!("\"{site}\""));
            // 12 over 2 sites: 6 each.
            let replicas = inst.placement.replicas.unwrap();
            assert_eq!(replicas.count, 6);
            assert_eq!(replicas.source, ReplicaSource::Explicit);
            assert_eq!(r.text(replicas.span), "12");
            assert!(inst.placement.quorum.is_none());
            assert!(inst.placement.spreads.is_empty());
        }
        let db = r.entity("manifest:talk-db");
        assert_eq!(db.role, Role::Datastore);
        let replicas = db.instances[0].placement.replicas.unwrap();
        assert_eq!(
            (replicas.count, replicas.source),
            (1, ReplicaSource::Defaulted)
        );
        assert_eq!(r.text(replicas.span), "talk-db");
        // A region-level site pins at region level, with no region of its own.
        let auth = r.entity("manifest:auth");
        assert_eq!(auth.instances[0].placement.pins[0].level, Level::Region);
        assert_eq!(auth.instances[0].region, None);
    }

    #[test]
    fn replicas_per_site_round_up() {
        let r = read(
            "[sites.a]\n[sites.b]\n[sites.c]\n[services.x]\nsites = [\"a\", \"b\", \"c\"]\nreplicas = 4\n",
        );
        assert!(r.diags.is_empty(), "{:#?}", r.errors());
        let counts: Vec<u32> = r.model.entities[0]
            .instances
            .iter()
            .map(|i| i.placement.replicas.unwrap().count)
            .collect();
        assert_eq!(counts, [2, 2, 2]);
    }

    #[test]
    fn dependencies_resolve_names_and_entity_ids() {
        let r = read(ESTATE);
        let api = r.entity("manifest:talk-api");
        for inst in &api.instances {
            let deps: Vec<(&Reference, Strength, &str)> = inst
                .dependencies
                .iter()
                .map(|d| (&d.target, d.strength, r.text(d.span)))
                .collect();
            assert_eq!(
                deps,
                [
                    (
                        &Reference::Id("manifest:talk-db".into()),
                        Strength::Hard,
                        "\"talk-db\""
                    ),
                    (
                        &Reference::Id("k8s:StatefulSet/talk/talk-db".into()),
                        Strength::Hard,
                        "\"k8s:StatefulSet/talk/talk-db\""
                    ),
                    (
                        &Reference::Terraform {
                            root: None,
                            address: "aws_db_instance.orders".into()
                        },
                        Strength::Hard,
                        "\"tf:aws_db_instance.orders\""
                    ),
                    (
                        &Reference::Id("manifest:auth".into()),
                        Strength::Soft,
                        "\"auth\""
                    ),
                ]
            );
            for d in &inst.dependencies {
                assert_eq!(d.via, "depends_on in the manifest");
                assert!(d.explicit);
                assert_eq!(d.origin, None);
            }
        }
    }

    #[test]
    fn tools_have_a_kind_and_manage_entities() {
        let r = read(ESTATE);
        let console = r.entity("manifest:deploy-console");
        assert_eq!(console.kind, "Tool");
        assert_eq!(console.role, Role::Tool);
        // Detected from the name.
        assert_eq!(console.tool_kind.as_deref(), Some("deploy"));
        let manages: Vec<&Reference> = console.instances[0]
            .manages
            .iter()
            .map(|m| &m.target)
            .collect();
        assert_eq!(
            manages,
            [
                &Reference::Id("manifest:talk-api".into()),
                &Reference::Id("manifest:auth".into()),
                &Reference::Id("k8s:Deployment/talk/web".into()),
            ]
        );
        assert_eq!(r.text(console.instances[0].manages[0].span), "\"talk-api\"");
        let sso = r.entity("manifest:sso");
        assert_eq!(sso.tool_kind.as_deref(), Some("sso"));
        let plain = read("[tools.runbook-wiki]\n");
        assert_eq!(plain.model.entities[0].tool_kind, None);
        assert_eq!(plain.model.entities[0].role, Role::Tool);
    }

    #[test]
    fn quorum_makes_one_instance_spread_over_its_sites() {
        let r = read(
            "[sites.a]\nregion = \"r\"\n[sites.b]\n[sites.c]\n[services.etcd]\nsites = [\"a\", \"b\", \"c\"]\nreplicas = 3\nquorum = 2\n",
        );
        assert!(r.diags.is_empty(), "{:#?}", r.errors());
        let [inst] = r.model.entities[0].instances.as_slice() else {
            panic!("one instance");
        };
        assert_eq!(inst.copy, None);
        assert_eq!(inst.region.as_ref().map(|(r, _)| &**r), Some("r"));
        let p = &inst.placement;
        assert_eq!(p.replicas.unwrap().count, 3);
        let q = p.quorum.as_ref().unwrap();
        assert_eq!(q.needed, 2);
        assert_eq!(q.reason, "`quorum = 2` in the manifest");
        assert_eq!(r.text(q.span), "2");
        let [pin] = p.pins.as_slice() else {
            panic!("{:?}", p.pins);
        };
        assert_eq!((pin.level, pin.domains.len()), (Level::Zone, 3));
        let spread = p.hard_spread(Level::Zone).unwrap();
        assert_eq!(spread.min_domains, Some(3));
        assert_eq!(spread.max_skew, Some(1));
        assert!(!spread.one_per_domain);
        assert_eq!(r.text(spread.span), "[\"a\", \"b\", \"c\"]");
    }

    #[test]
    fn sites_and_names_are_shared_across_files() {
        let r = read_files(&[
            ("a/sites.spof.toml", "[sites.pangyo]\n[sites.ansan]\n"),
            (
                "b/talk.spof.toml",
                "[services.talk-api]\nsites = [\"pangyo\", \"ansan\"]\ndepends_on = [\"talk-db\"]\n",
            ),
            (
                "c/db.spof.toml",
                "[services.talk-db]\nsites = [\"pangyo\"]\n",
            ),
        ]);
        assert!(r.diags.is_empty(), "{:#?}", r.errors());
        let api = r.entity("manifest:talk-api");
        assert_eq!(api.instances.len(), 2);
        assert_eq!(
            api.instances[0].dependencies[0].target,
            Reference::Id("manifest:talk-db".into())
        );
    }

    #[test]
    fn duplicates_across_files_point_at_both() {
        let r = read_files(&[
            ("a.spof.toml", "[sites.pangyo]\n[services.talk]\n"),
            ("b.spof.toml", "[sites.pangyo]\n[tools.talk]\n"),
        ]);
        assert_eq!(
            r.errors(),
            [
                (
                    "b.spof.toml:1:8 duplicate site `pangyo`".to_string(),
                    "defined again here".to_string(),
                    "define each site once, in one manifest file".to_string()
                ),
                (
                    "b.spof.toml:2:8 `talk` is defined both as a service and as a tool".to_string(),
                    "defined again here".to_string(),
                    "services and tools share one namespace of names: rename one of them"
                        .to_string()
                ),
            ]
        );
        for d in &r.diags {
            assert_eq!(d.related.len(), 1);
            assert_eq!(&*d.related[0].message, "first defined here");
            assert_eq!(d.related[0].span.file, FileId(0));
        }
        // The first definition is kept.
        assert_eq!(r.model.entities.len(), 1);
        assert_eq!(r.model.entities[0].kind, "Service");
        let again = read_files(&[
            ("a.spof.toml", "[services.talk]\n"),
            ("b.spof.toml", "\n[services.talk]\n"),
        ]);
        assert_eq!(
            again.errors()[0].0,
            "b.spof.toml:2:11 duplicate service `talk`"
        );
    }

    fn errors_of(text: &str) -> Vec<(String, String, String)> {
        read(text).errors()
    }

    fn e(at: &str, label: &str, help: &str) -> (String, String, String) {
        (at.to_string(), label.to_string(), help.to_string())
    }

    #[test]
    fn a_tier_that_is_not_one_is_an_error_at_its_value() {
        let errors = errors_of(
            "[services.a]\ntier = \"gold\"\n[tools.t]\ncriticality = 9\n[services.b]\ntier = 2\n",
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].0.starts_with("2:8 "), "{errors:?}");
        assert!(errors[1].0.starts_with("4:15 "), "{errors:?}");
    }

    #[test]
    fn unknown_keys_suggest_the_allowed_ones() {
        assert_eq!(
            errors_of(
                "[site.a]\n[sites.b]\nregoin = \"r\"\n[services.x]\ndepends-on = []\nreplica = 2\n[tools.t]\nrole = \"tool\"\n"
            ),
            [
                e(
                    "1:2 unknown key `site` at the top level",
                    "unknown key",
                    "did you mean `sites`?"
                ),
                e(
                    "3:1 unknown key `regoin` in [sites.b]",
                    "unknown key",
                    "did you mean `region`?"
                ),
                e(
                    "5:1 unknown key `depends-on` in [services.x]",
                    "unknown key",
                    "did you mean `depends_on`?"
                ),
                e(
                    "6:1 unknown key `replica` in [services.x]",
                    "unknown key",
                    "did you mean `replicas`?"
                ),
                e(
                    "8:1 unknown key `role` in [tools.t]",
                    "unknown key",
                    "expected one of `sites`, `replicas`, `quorum`, `depends_on`, `soft_depends_on`, `recovery_depends_on`, `hosts`, `kind`, `manages`, `tier`, `criticality`"
                ),
            ]
        );
    }

    #[test]
    fn unknown_sites_and_names_suggest_the_known_ones() {
        let r = read(
            "[sites.pangyo]\n[services.talk-api]\nsites = [\"pangyo\", \"pangoy\", \"jeju\"]\ndepends_on = [\"talk-ap\", \"StatefulSet/talk/db\", \"manifest:nope\"]\n[tools.deploy]\nmanages = [\"talk-apj\"]\n",
        );
        assert_eq!(
            r.errors(),
            [
                e(
                    "3:20 unknown site `pangoy`",
                    "no such site",
                    "did you mean `pangyo`?"
                ),
                e(
                    "3:30 unknown site `jeju`",
                    "no such site",
                    "define it as `[sites.jeju]`, or use one of `pangyo`"
                ),
                e(
                    "4:15 `depends_on` of `talk-api` names unknown `talk-ap`",
                    "no service or tool of this name",
                    "did you mean `talk-api`?"
                ),
                e(
                    "4:26 `depends_on` of `talk-api` names unknown `StatefulSet/talk/db`",
                    "no service or tool of this name",
                    "to name another format's entity, write its id: `k8s:StatefulSet/talk/db` (Kind/namespace/name), `tf:ADDRESS`, …"
                ),
                e(
                    "4:49 `depends_on` of `talk-api` names unknown `nope`",
                    "no service or tool of this name",
                    "define it as `[services.nope]` or `[tools.nope]`, or write another format's entity id (`k8s:…`, `tf:…`)"
                ),
                e(
                    "6:12 `manages` of `deploy` names unknown `talk-apj`",
                    "no service or tool of this name",
                    "did you mean `talk-api`?"
                ),
            ]
        );
        // The bad entries are skipped; the rest is used.
        let api = r.entity("manifest:talk-api");
        assert_eq!(api.instances.len(), 1);
        assert_eq!(api.instances[0].copy.as_deref(), Some("pangyo"));
        assert!(api.instances[0].dependencies.is_empty());
        assert!(r.entity("manifest:deploy").instances[0].manages.is_empty());
    }

    #[test]
    fn type_errors_name_what_was_found() {
        assert_eq!(
            errors_of(
                "[sites.a]\n[services.x]\nsites = \"a\"\nreplicas = \"3\"\ndepends_on = [\"y\", 3]\n[services.y]\nrole = 5\n[sites.b]\nlevel = \"rack\"\n"
            ),
            [
                e(
                    "3:9 `sites` must be an array of strings",
                    "found a string",
                    "use an array: `sites = [\"a\"]`"
                ),
                e(
                    "4:12 `replicas` must be an integer",
                    "found a string",
                    "write a whole number: `replicas = 3`"
                ),
                e(
                    "5:20 `depends_on` must be an array of strings",
                    "found an integer",
                    "write each entry in quotes"
                ),
                e(
                    "7:8 `role` must be a string",
                    "found an integer",
                    "write it in quotes: `role = \"...\"`"
                ),
                e(
                    "9:9 unknown level `rack` for site `b`",
                    "unknown level",
                    "expected one of `region`, `zone`, `datacenter`, `host`"
                ),
            ]
        );
        assert_eq!(
            errors_of("services = 3\n"),
            [e(
                "1:12 `services` must be a table",
                "found an integer",
                "write it as a `[services]` section"
            )]
        );
    }

    #[test]
    fn counts_must_be_sensible() {
        let r = read(
            "[sites.a]\n[sites.b]\n[services.x]\nsites = [\"a\", \"b\"]\nreplicas = 0\n[services.y]\nsites = [\"a\", \"b\"]\nreplicas = 3\nquorum = 4\n[services.z]\nsites = [\"a\", \"b\"]\nquorum = 3\n",
        );
        assert_eq!(
            r.errors(),
            [
                e(
                    "5:12 `replicas` must be at least 1",
                    "replicas = 0",
                    "a service with no replicas is not running; remove it, or give its real count"
                ),
                e(
                    "9:10 `quorum = 4` is more than the 3 replicas of `y`",
                    "needs 4 up, only 3 replicas",
                    "`quorum` is how many replicas must be up: at most `replicas`"
                ),
                e(
                    "12:10 `quorum = 3` is more than the 2 replicas of `z`",
                    "needs 3 up, only 2 replicas (1 per site)",
                    "`quorum` is how many replicas must be up: at most `replicas`"
                ),
            ]
        );
        // The entities are still there, placed without the bad values.
        assert_eq!(r.entity("manifest:x").instances.len(), 2);
        assert_eq!(r.entity("manifest:y").instances.len(), 2);
    }

    #[test]
    fn syntax_errors_point_at_the_text() {
        let r = read("[sites.a]\n[services.x]\nsites = [\"a\"\nreplicas = 0\n[services.y]\n");
        assert_eq!(
            r.errors(),
            [e(
                "4:1 invalid TOML: missing comma between array elements, expected `,`",
                "missing comma between array elements, expected `,`",
                "a service manifest must be valid TOML (https://toml.io)"
            )]
        );
        let dup = read("[sites.a]\n[sites.a]\n");
        assert_eq!(dup.errors()[0].0, "2:8 invalid TOML: duplicate key");
    }

    #[test]
    fn roles_kinds_and_names_are_checked() {
        assert_eq!(
            errors_of(
                "[services.x]\nrole = \"datastor\"\n[services.y]\nrole = \"tool\"\n[tools.t]\nkind = \"monitorng\"\n[services.\"a:b\"]\n[services.z]\ndepends_on = [\"z\"]\nsites = []\n"
            ),
            [
                e(
                    "2:8 unknown role `datastor`",
                    "unknown role",
                    "did you mean `datastore`?"
                ),
                e(
                    "4:8 `y` is a tool: define it under `[tools.y]`",
                    "not a service role",
                    "tools are `[tools.NAME]` tables, with `kind` and `manages`"
                ),
                e(
                    "6:8 unknown tool kind `monitorng`",
                    "unknown kind",
                    "did you mean `monitoring`?"
                ),
                e(
                    "7:11 invalid name `a:b`",
                    "invalid name",
                    "names must be non-empty, without `:` or spaces (a `:` marks an entity id)"
                ),
                e(
                    "9:15 `z` depends on itself",
                    "its own name",
                    "remove `z` from `depends_on`"
                ),
                e(
                    "10:9 `sites` of `z` is empty",
                    "no sites",
                    "list the sites it runs in, or remove `sites` if they are unknown"
                ),
            ]
        );
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for text in [
            "",
            "=",
            "[services]\nx = 1\n",
            "[services.x]\nreplicas = 99999999999999999999\n",
            "[services.x]\nreplicas = -1\nquorum = 0\n",
            "[services.x]\nsites = [[]]\n",
            "[[services]]\n",
            "sites = [1]\n",
            "[sites]\na = \"b\"\n",
            "[services.x]\nreplicas = 4294967296\n",
            "[services.x]\nsites = [\"\"]\ndepends_on = [\"\"]\n",
            "\u{feff}[services.x]\n",
        ] {
            let r = read(text);
            let _ = r.errors();
        }
    }
}
