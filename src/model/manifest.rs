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

use super::kubernetes::parse_reference;
use super::{
    Combine, Dependency, Entity, Guarantee, Instance, Level, Model, Pin, Placement, Quorum,
    Reference, ReplicaSource, Replicas, Role, Spread, Strength, WorkloadKind,
};
use crate::config::did_you_mean;
use crate::diagnostic::{Diagnostic, Related};
use crate::source::{FileId, SourceFile, Span, TextRange};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

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
    "role",
];
const TOOL_KEYS: &[&str] = &[
    "sites",
    "replicas",
    "quorum",
    "depends_on",
    "soft_depends_on",
    "kind",
    "manages",
];
const LEVELS: &[&str] = &["region", "zone", "datacenter", "host"];
const SERVICE_ROLES: &[&str] = &["service", "datastore", "network", "platform"];
const DEPENDS_VIA: &str = "depends_on in the manifest";
const MANAGES_VIA: &str = "manages in the manifest";
const SITE_VIA: &str = "site list";

type Key<'i> = Spanned<DeString<'i>>;
type Value<'i> = Spanned<DeValue<'i>>;

/// Reads every manifest file of the run into `model`; returns the problems.
pub fn extract(files: &[(FileId, &SourceFile)], model: &mut Model) -> Vec<Diagnostic> {
    let mut reader = Reader::default();
    let trees: Vec<(FileId, Spanned<DeTable<'_>>)> = files
        .iter()
        .map(|&(file, source)| {
            let (tree, errors) = DeTable::parse_recoverable(&source.text);
            for error in &errors {
                reader.syntax_error(file, &source.text, error);
            }
            (file, tree)
        })
        .collect();

    // Pass 1: sites and the names of services and tools, from every file.
    let mut sites: BTreeMap<String, SiteDef> = BTreeMap::new();
    let mut defs: Vec<Def<'_, '_>> = Vec::new();
    for (file, tree) in &trees {
        let file = *file;
        let mut found: Vec<Def<'_, '_>> = Vec::new();
        for (key, value) in tree.get_ref().iter() {
            match key.get_ref().as_ref() {
                "sites" => reader.sites(file, value, &mut sites),
                "services" => reader.definitions(file, value, false, &mut found),
                "tools" => reader.definitions(file, value, true, &mut found),
                _ => reader.unknown_key(file, key, TOP_LEVEL_KEYS, "at the top level"),
            }
        }
        // File order, not key order.
        found.sort_by_key(|d| d.span);
        defs.extend(found);
    }
    let mut names: BTreeMap<String, (bool, Span)> = BTreeMap::new();
    let mut kept = Vec::with_capacity(defs.len());
    for def in defs {
        if let Some(&(tool, first)) = names.get(&def.name) {
            let (message, help) = if tool == def.tool {
                (
                    format!("duplicate {} `{}`", def.section(), def.name),
                    "define each service and tool once, in one manifest file",
                )
            } else {
                (
                    format!("`{}` is defined both as a service and as a tool", def.name),
                    "services and tools share one namespace of names: rename one of them",
                )
            };
            reader.push(
                Diagnostic::error(MANIFEST_ERROR, def.span, message)
                    .with_label("defined again here")
                    .with_help(help)
                    .with_related(first, "first defined here"),
            );
            continue;
        }
        names.insert(def.name.clone(), (def.tool, def.span));
        kept.push(def);
    }

    // Pass 2: entities.
    let known: Vec<&str> = names.keys().map(String::as_str).collect();
    for def in &kept {
        let entity = reader.entity(def, &sites, &known);
        model.entities.push(entity);
    }
    reader.diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    reader.diags
}

/// A `[sites.NAME]` table.
#[derive(Debug, Clone)]
struct SiteDef {
    level: Level,
    region: Option<(String, Span)>,
    span: Span,
}

/// A `[services.NAME]` or `[tools.NAME]` table, not yet read.
struct Def<'t, 'i> {
    name: String,
    tool: bool,
    file: FileId,
    /// The name in the table header.
    span: Span,
    table: &'t DeTable<'i>,
}

impl Def<'_, '_> {
    fn section(&self) -> &'static str {
        if self.tool { "tool" } else { "service" }
    }

    fn header(&self) -> String {
        let table = if self.tool { "tools" } else { "services" };
        format!("[{table}.{}]", self.name)
    }
}

/// A site of a service's `sites` list, resolved.
struct Placed<'s> {
    name: String,
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
            message: message.to_string(),
        });
        self
    }
}

#[derive(Default)]
struct Reader {
    diags: Vec<Diagnostic>,
}

impl Reader {
    fn push(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    fn error(
        &mut self,
        file: FileId,
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

    fn syntax_error(&mut self, file: FileId, text: &str, err: &toml::de::Error) {
        let range = err.span().unwrap_or(text.len()..text.len());
        let message = err.message().lines().next().unwrap_or("").to_string();
        let help = if message.starts_with("duplicate key") {
            "each key may appear only once in a table; define each site, service and tool once"
        } else {
            "a service manifest must be valid TOML (https://toml.io)"
        };
        let label = if message.is_empty() {
            "here".to_string()
        } else {
            message.clone()
        };
        self.error(file, range, format!("invalid TOML: {message}"), label, help);
    }

    fn unknown_key(&mut self, file: FileId, key: &Key<'_>, allowed: &[&str], context: &str) {
        let name = key.get_ref().as_ref();
        let help = match did_you_mean(name, allowed.iter().copied()) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => format!("expected one of {}", list(allowed)),
        };
        self.error(
            file,
            key.span(),
            format!("unknown key `{name}` {context}"),
            "unknown key",
            help,
        );
    }

    fn check_keys(&mut self, file: FileId, table: &DeTable<'_>, allowed: &[&str], context: &str) {
        for (key, _) in table.iter() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                self.unknown_key(file, key, allowed, context);
            }
        }
    }

    fn wrong_type(&mut self, file: FileId, value: &Value<'_>, message: String, help: String) {
        let label = format!("found {}", with_article(value.get_ref().type_str()));
        self.error(file, value.span(), message, label, help);
    }

    /// A table: `[NAME]` or `[parent.NAME]`.
    fn table<'a, 'i>(
        &mut self,
        file: FileId,
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
    fn string(&mut self, file: FileId, key: &str, value: &Value<'_>) -> Option<(String, Span)> {
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
    fn strings(&mut self, file: FileId, key: &str, value: &Value<'_>) -> Vec<(String, Span)> {
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
    fn count(&mut self, file: FileId, key: &str, value: &Value<'_>) -> Option<(u32, Span)> {
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

    fn too_large(&mut self, file: FileId, key: &str, value: &Value<'_>) {
        self.error(
            file,
            value.span(),
            format!("`{key}` is too large"),
            "too large",
            format!("`{key}` must fit in 32 bits"),
        );
    }

    fn sites(&mut self, file: FileId, value: &Value<'_>, sites: &mut BTreeMap<String, SiteDef>) {
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
                    level,
                    region,
                    span: header,
                },
            );
        }
    }

    fn definitions<'t, 'i>(
        &mut self,
        file: FileId,
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
            if name.is_empty() || name.contains(':') || name.chars().any(char::is_whitespace) {
                self.error(
                    file,
                    key.span(),
                    format!("invalid name `{name}`"),
                    "invalid name",
                    "names must be non-empty, without `:` or spaces (a `:` marks an entity id)",
                );
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
        let mut quorum = table
            .get("quorum")
            .and_then(|value| self.count(file, "quorum", value));

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

        let (role, tool_kind) = if def.tool {
            (Role::Tool, self.tool_kind(def))
        } else {
            (self.role(def), None)
        };

        let mut dependencies = Vec::new();
        for (key, strength) in [
            ("depends_on", Strength::Hard),
            ("soft_depends_on", Strength::Soft),
        ] {
            let Some(value) = table.get(key) else {
                continue;
            };
            for (entry, at) in self.strings(file, key, value) {
                if let Some(target) = self.reference(def, key, &entry, at, names) {
                    dependencies.push(Dependency {
                        target,
                        strength,
                        span: at,
                        via: DEPENDS_VIA.to_string(),
                        explicit: true,
                        origin: None,
                    });
                }
            }
        }
        let mut manages = Vec::new();
        if let Some(value) = table.get("manages") {
            for (entry, at) in self.strings(file, "manages", value) {
                if let Some(target) = self.reference(def, "manages", &entry, at, names) {
                    manages.push(Dependency {
                        target,
                        strength: Strength::Hard,
                        span: at,
                        via: MANAGES_VIA.to_string(),
                        explicit: true,
                        origin: None,
                    });
                }
            }
        }

        let base = Instance {
            cluster: None,
            span: def.span,
            workload: Some(WorkloadKind::LongRunning),
            placement: Placement::default(),
            budgets: Vec::new(),
            dependencies,
            combine: Combine::All,
            pod_labels: BTreeMap::new(),
            selector: None,
            cloud: Vec::new(),
            region: None,
            transparent: false,
            copy: None,
            manages,
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
                inst.placement.quorum = quorum.map(|(needed, span)| quorum_of(needed, span));
                vec![inst]
            }
            // Independent copies, one per site.
            (None, placed) => {
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
                        inst.copy = Some(p.name.clone());
                        inst.region.clone_from(&p.site.region);
                        inst.placement.replicas = Some(replicas);
                        inst.placement.pins.push(Pin {
                            level: p.site.level,
                            domains: vec![p.name.clone()],
                            span: p.span,
                            via: SITE_VIA,
                        });
                        inst
                    })
                    .collect()
            }
            // A quorum system over its sites: one instance, spread evenly.
            (Some((needed, at)), placed) => {
                let sites = u32::try_from(placed.len()).unwrap_or(u32::MAX);
                let list_span = sites_value.map_or(def.span, |v| span(file, v.span()));
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
                    let domains: Vec<String> = placed
                        .iter()
                        .filter(|p| p.site.level == level)
                        .map(|p| p.name.clone())
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
                inst.placement.quorum = Some(quorum_of(*needed, *at));
                vec![inst]
            }
        };

        Entity {
            id: format!("{ID_PREFIX}{}", def.name),
            kind: if def.tool { "Tool" } else { "Service" }.to_string(),
            namespace: None,
            name: def.name.clone(),
            role,
            tool_kind,
            instances,
        }
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
            let Some((key, site)) = sites.get_key_value(&name) else {
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
            if let Some(first) = out.iter().find(|p| p.name == name) {
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
                name: key.clone(),
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

    fn tool_kind(&mut self, def: &Def<'_, '_>) -> Option<String> {
        let detected = || super::tools::detect(&def.name, []).map(|t| t.kind.clone());
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

    /// An entry of `depends_on`, `soft_depends_on` or `manages`: a name in
    /// the manifests, or another format's entity id.
    fn reference(
        &mut self,
        def: &Def<'_, '_>,
        key: &str,
        entry: &str,
        at: Span,
        names: &[&str],
    ) -> Option<Reference> {
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

fn span(file: FileId, range: Range<usize>) -> Span {
    Span::new(file, TextRange::new(range.start, range.end))
}

fn list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn with_article(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}
