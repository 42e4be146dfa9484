//! docker-compose files → entities.
//!
//! A compose project is the directory of its files (or the top-level
//! `name:`); its base file and override files are merged in order, as
//! `docker compose` does. Every service is an entity `compose:PROJECT/SERVICE`.
//! A directory's swarm stack files (`docker-stack.yml`) are a project of
//! their own, always on a swarm, whose services are `stack:PROJECT/SERVICE`.
//!
//! Placement: `docker compose up` runs a whole project on one host, so unless
//! the project uses swarm placement (`deploy:` beyond `resources`), every
//! service is pinned to the project's host. A swarm project instead has
//! replicas (`deploy.replicas`, `deploy.mode: global`), constraints
//! (`node.labels.zone == x` pins) and spreads (`max_replicas_per_node: 1`,
//! `preferences: [spread: node.labels.zone]`).

mod frontend;
pub use frontend::FRONTEND;

use super::hosts::{self, SoftVariables};
use super::kubernetes::{
    DEPENDS_ON, FileDocs, IGNORE, RECOVERY_DEPENDS_ON, ROLE, SOFT_DEPENDS_ON, TOOL_KIND,
    is_label_value, parse_reference,
};
use super::tools;
use crate::diagnostic::Diagnostic;
use crate::model::{
    Dependency, Entity, Guarantee, Instance, Level, Model, Pin, Placement, Reference,
    ReplicaSource, Replicas, Role, Spread, Strength, Suppression, WorkloadKind,
};
use crate::parse::Node;
use crate::source::{FileId, SourceMap, Span, TextRange};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Prefix of compose entity ids.
pub const ID_PREFIX: &str = "compose:";

/// Kind shown to users.
pub const KIND: &str = "ComposeService";

/// Prefix of the ids of a swarm stack file's services (`docker-stack.yml`).
/// A stack is not the compose project of its directory: `docker stack
/// deploy -c docker-stack.yml` reads no `docker-compose.yml`, and `docker
/// compose up` no stack file, so the two are different deployments of
/// services of one name.
pub const STACK_ID_PREFIX: &str = "stack:";

/// Kind shown to users for a stack file's services.
pub const STACK_KIND: &str = "StackService";

/// Why every service of a plain compose project shares one host.
pub const ONE_HOST: &str = "compose project (one host)";

/// `deploy` keys that `docker compose up` honours on one host; any other
/// key (`replicas`, `mode`, `placement`, `update_config`, …) means the
/// project is deployed to a swarm.
const ONE_HOST_DEPLOY_KEYS: &[&str] = &["resources", "restart_policy", "labels"];

/// Extends chains longer than this are not followed (and cycles stop here).
const MAX_EXTENDS_DEPTH: usize = 8;

/// The base names of compose files (`compose.yaml`, `docker-compose.yml`)
/// and of swarm stack files, the name `docker stack deploy` examples use.
const COMPOSE_BASES: &[&str] = &["compose", "docker-compose"];
const STACK_BASES: &[&str] = &["docker-stack"];

/// The base name a file name is, or overrides (`docker-compose.prod.yml` →
/// `docker-compose`).
fn base_of(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))?;
    COMPOSE_BASES
        .iter()
        .chain(STACK_BASES)
        .copied()
        .find(|base| {
            stem == *base
                || stem
                    .strip_prefix(base)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .is_some_and(|rest| !rest.is_empty())
        })
}

/// Whether a file name is a compose or swarm stack file, or an override of
/// one.
pub fn is_compose_file_name(name: &str) -> bool {
    base_of(name).is_some()
}

/// Whether a file name is a swarm stack file (`docker-stack.yml`) or an
/// override of one (`docker-stack.prod.yml`).
fn is_stack_file_name(name: &str) -> bool {
    base_of(name).is_some_and(|base| STACK_BASES.contains(&base))
}

/// An override (`compose.override.yaml`, `docker-compose.prod.yml`) rather
/// than a base file: merged after the base files.
fn is_override(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))
        .unwrap_or(&lower);
    !COMPOSE_BASES.iter().chain(STACK_BASES).any(|b| *b == stem)
}

/// One compose file's root.
struct ComposeFile<'a> {
    file: FileId,
    dir: PathBuf,
    name: String,
    root: &'a Node,
}

/// One definition of a service: a mapping in one file.
#[derive(Clone, Copy)]
struct Layer<'a> {
    file: FileId,
    node: &'a Node,
}

/// A service as merged from its definitions, earliest first (extended
/// bases before what extends them; base files before overrides).
struct Service<'a> {
    name: &'a str,
    key: Span,
    layers: Vec<Layer<'a>>,
}

impl<'a> Service<'a> {
    /// The value at `path` in the latest definition that has it: mappings
    /// merge key by key, scalars and sequences are replaced.
    fn get(&self, path: &[&str]) -> Option<(FileId, &'a Node)> {
        self.entry(path).map(|(f, _, v)| (f, v))
    }

    fn entry(&self, path: &[&str]) -> Option<(FileId, &'a Node, &'a Node)> {
        let (last, parents) = path.split_last()?;
        self.layers.iter().rev().find_map(|l| {
            let parent = l.node.path(parents)?;
            let (k, v) = parent.entry(last)?;
            Some((l.file, k, v))
        })
    }

    /// The value of `key` in every definition, earliest first: lists that
    /// compose merges (`depends_on`, `links`, `environment`).
    fn all(&self, key: &str) -> Vec<(FileId, &'a Node)> {
        self.layers
            .iter()
            .filter_map(|l| Some((l.file, l.node.get(key)?)))
            .collect()
    }
}

/// Extracts every service of every compose project among `files`.
/// Whether extraction reads a file's first document `root`: it has
/// services, so it is a compose file or one a service `extends`. Other
/// documents are never read.
pub fn reads(root: &Node) -> bool {
    root.get("services").is_some()
}

/// Models the compose projects among `files`; returns the input errors of
/// services that cannot be modelled.
#[must_use]
pub fn extract(
    files: &[FileDocs<'_>],
    sources: &SourceMap,
    soft: &SoftVariables,
    model: &mut Model,
) -> Vec<Diagnostic> {
    let mut by_path: HashMap<PathBuf, (FileId, &Node)> = HashMap::new();
    // A directory's compose files are one project, its stack files another.
    let mut projects: BTreeMap<(PathBuf, bool), Vec<ComposeFile<'_>>> = BTreeMap::new();
    for f in files {
        let path = &sources.get(f.file).path;
        let Some(root) = f.docs.first().map(|d| &d.root) else {
            continue;
        };
        by_path.insert(crate::discover::lexical_normalize(path), (f.file, root));
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !is_compose_file_name(name) || !root.get("services").is_some_and(Node::is_map) {
            continue;
        }
        let dir = crate::discover::lexical_normalize(path.parent().unwrap_or(Path::new("")));
        let stack = is_stack_file_name(name);
        projects
            .entry((dir.clone(), stack))
            .or_default()
            .push(ComposeFile {
                file: f.file,
                dir,
                name: name.to_string(),
                root,
            });
    }
    // The index below copies every entity's id: not for nothing.
    if projects.is_empty() {
        return Vec::new();
    }
    let mut ids: HashMap<String, usize> = model
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    let mut errors = Vec::new();
    let projects: Vec<(PathBuf, bool, Vec<ComposeFile<'_>>, String)> = projects
        .into_iter()
        .map(|((dir, stack), mut project_files)| {
            // Base files first, then overrides; each group by name.
            project_files.sort_by(|a, b| {
                (is_override(&a.name), &a.name).cmp(&(is_override(&b.name), &b.name))
            });
            let name = project_name(&dir, &project_files);
            (dir, stack, project_files, name)
        })
        .collect();
    // Projects of one name in different directories (independent samples)
    // run on different hosts: each host is named by its directory. A stack
    // runs on a swarm, never on a project's host.
    let mut named: HashMap<&str, usize> = HashMap::new();
    for (_, _, _, name) in projects.iter().filter(|(_, stack, _, _)| !stack) {
        *named.entry(name.as_str()).or_default() += 1;
    }
    let shared: BTreeSet<String> = named
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(name, _)| name.to_string())
        .collect();
    for (dir, stack, project_files, name) in &projects {
        let host = if shared.contains(name.as_str()) {
            format!(
                "{ID_PREFIX}{name}{}{}",
                crate::model::scope::PLACE_SEPARATOR,
                crate::source::display_path(dir)
            )
        } else {
            format!("{ID_PREFIX}{name}")
        };
        let project = Project {
            name,
            host: &host,
            stack: *stack,
        };
        project_services(
            &project,
            project_files,
            &by_path,
            soft,
            &mut ids,
            model,
            &mut errors,
        );
    }
    errors
}

/// A compose project: its name and the name of the host it runs on; or a
/// swarm stack.
struct Project<'p> {
    name: &'p str,
    host: &'p str,
    /// Read from stack files: deployed to a swarm whatever its `deploy`
    /// keys say.
    stack: bool,
}

/// A project's name: the last top-level `name:`, else its directory's name,
/// normalised as compose does (lowercase letters, digits, `-` and `_`).
fn project_name(dir: &Path, files: &[ComposeFile<'_>]) -> String {
    let declared = files
        .iter()
        .rev()
        .find_map(|f| f.root.get("name").and_then(Node::as_text))
        .filter(|n| !n.contains("${"));
    let raw = match declared {
        Some(n) => n.to_string(),
        None => dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| {
                std::path::absolute(dir)
                    .ok()
                    .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            })
            .unwrap_or_default(),
    };
    let name: String = raw
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    if name.is_empty() {
        "default".to_string()
    } else {
        name
    }
}

fn project_services(
    project: &Project<'_>,
    files: &[ComposeFile<'_>],
    by_path: &HashMap<PathBuf, (FileId, &Node)>,
    soft: &SoftVariables,
    ids: &mut HashMap<String, usize>,
    model: &mut Model,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(first) = files.first() else {
        return;
    };
    let name = project.name.to_string();
    let services_key = first
        .root
        .entry("services")
        .map_or(Span::new(first.file, first.root.range), |(k, _)| {
            Span::new(first.file, k.range)
        });
    let services = services_in_order(files, by_path);
    let swarm = project.stack || services.iter().any(swarm_deploy);
    let hosts = service_hosts(&services);

    for s in &services {
        let (prefix, kind) = if project.stack {
            (STACK_ID_PREFIX, STACK_KIND)
        } else {
            (ID_PREFIX, KIND)
        };
        let id = format!("{prefix}{name}/{}", s.name);
        let labels = labels(s);
        let (role, tool_kind) = service_role(s, &labels);
        if let Some((_, text, file, node)) = labels.iter().find(|(k, _, _, _)| k == IGNORE) {
            model
                .suppressions
                .push(suppression(text, Span::new(*file, node.range), &id));
        }

        if let Some(error) = swarm.then(|| replicas_error(s)).flatten() {
            errors.push(error);
            continue;
        }
        let (workload, placement) = if swarm {
            swarm_placement(s)
        } else {
            (
                WorkloadKind::LongRunning,
                Placement {
                    pins: vec![Pin {
                        level: Level::Host,
                        domains: vec![project.host.to_string()].into(),
                        span: services_key,
                        via: ONE_HOST,
                        axis: "",
                        origin: None,
                    }],
                    ..Placement::default()
                },
            )
        };
        let mut dependencies = Vec::new();
        service_dependencies(s, prefix, &name, &hosts, soft, &mut dependencies);
        for (key, strength) in [
            (DEPENDS_ON, Strength::Hard),
            (SOFT_DEPENDS_ON, Strength::Soft),
            (RECOVERY_DEPENDS_ON, Strength::Recovery),
        ] {
            for (_, text, file, node) in labels.iter().filter(|(k, _, _, _)| k == key) {
                let label = Label {
                    file: *file,
                    node,
                    value: text,
                    key,
                };
                label_dependencies(&label, strength, prefix, &name, &mut dependencies);
            }
        }

        let instance = Instance {
            workload: Some(workload),
            placement,
            dependencies: dependencies.into(),
            ..Instance::at(s.key)
        };
        let idx = *ids.entry(id.clone()).or_insert_with(|| {
            model.entities.push(Entity {
                id,
                origin: if project.stack {
                    crate::model::Origin::Stack
                } else {
                    crate::model::Origin::Compose
                },
                kind: kind.to_string(),
                namespace: Some(name.clone()),
                name: s.name.to_string(),
                role,
                tool_kind,
                tool: None,
                tier: labels
                    .iter()
                    .filter(|(k, _, _, _)| k == crate::model::TIER_KEY)
                    .find_map(|(_, v, _, _)| crate::model::parse_tier(v))
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

/// A project's services in order of first appearance, with their own
/// definitions.
fn services_in_order<'a>(
    files: &[ComposeFile<'a>],
    by_path: &HashMap<PathBuf, (FileId, &'a Node)>,
) -> Vec<Service<'a>> {
    let mut services: Vec<Service<'_>> = Vec::new();
    for f in files {
        for (k, v) in f.root.get("services").map(Node::as_map).unwrap_or_default() {
            let Some(service) = k.as_str() else {
                continue;
            };
            if !v.is_map() {
                continue;
            }
            let mut layers = Vec::new();
            extended(f.file, &f.dir, f.root, v, by_path, 0, &mut layers);
            layers.push(Layer {
                file: f.file,
                node: v,
            });
            match services.iter_mut().find(|s| s.name == service) {
                Some(s) => s.layers.extend(layers),
                None => services.push(Service {
                    name: service,
                    key: Span::new(f.file, k.range),
                    layers,
                }),
            }
        }
    }
    services
}

/// Whether a service's `deploy:` asks for swarm placement (more than the
/// keys one host honours).
fn swarm_deploy(s: &Service<'_>) -> bool {
    s.layers.iter().any(|l| {
        l.node.get("deploy").is_some_and(|d| {
            d.as_map().iter().any(|(k, _)| {
                k.as_str()
                    .is_some_and(|k| !ONE_HOST_DEPLOY_KEYS.contains(&k))
            })
        })
    })
}

/// Host names that reach a service: its name and its container name.
fn service_hosts<'a>(services: &[Service<'a>]) -> BTreeMap<String, &'a str> {
    let mut hosts: BTreeMap<String, &str> = BTreeMap::new();
    for s in services {
        hosts.insert(s.name.to_string(), s.name);
        if let Some((_, c)) = s.get(&["container_name"])
            && let Some(c) = c.as_text()
        {
            hosts.entry(c.to_string()).or_insert(s.name);
        }
    }
    hosts
}

/// A service's role and tool kind: from its labels, else from its image.
fn service_role(
    s: &Service<'_>,
    labels: &[(String, String, FileId, &Node)],
) -> (Role, Option<String>) {
    let label = |key: &str| labels.iter().find(|(k, _, _, _)| k == key);
    let image = s.get(&["image"]).and_then(|(_, i)| i.as_text());
    let is_datastore = image.is_some_and(crate::model::is_datastore_image);
    let tool = tools::detect(
        image,
        labels.iter().map(|(k, v, _, _)| (k.as_str(), v.as_str())),
    );
    let default_role = if tool.is_some() {
        Role::Tool
    } else if is_datastore {
        Role::Datastore
    } else {
        Role::Service
    };
    let role = label(ROLE)
        .and_then(|(_, v, _, _)| Role::parse(v.trim()))
        .unwrap_or(default_role);
    let tool_kind = tool
        .filter(|_| role == Role::Tool)
        .map(|t| t.kind.clone())
        .or_else(|| label(TOOL_KIND).map(|(_, v, _, _)| v.trim().to_string()));
    (role, tool_kind)
}

/// The definitions a service's `extends` brings in, earliest first.
fn extended<'a>(
    file: FileId,
    dir: &Path,
    root: &'a Node,
    service: &'a Node,
    by_path: &HashMap<PathBuf, (FileId, &'a Node)>,
    depth: usize,
    out: &mut Vec<Layer<'a>>,
) {
    if depth >= MAX_EXTENDS_DEPTH {
        return;
    }
    let Some(ext) = service.get("extends") else {
        return;
    };
    let (base_name, other) = match ext.as_text() {
        Some(name) => (name, None),
        None => (
            match ext.get("service").and_then(Node::as_text) {
                Some(n) => n,
                None => return,
            },
            ext.get("file").and_then(Node::as_text),
        ),
    };
    let (base_file, base_dir, base_root) = match other {
        None => (file, dir.to_path_buf(), root),
        Some(rel) => {
            let path = crate::discover::lexical_normalize(&dir.join(rel));
            let Some(&(f, r)) = by_path.get(&path) else {
                return;
            };
            let d = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (f, d, r)
        }
    };
    let Some(base) = base_root
        .path(&["services", base_name])
        .filter(|b| b.is_map())
    else {
        return;
    };
    if std::ptr::eq(base, service) {
        return;
    }
    extended(
        base_file,
        &base_dir,
        base_root,
        base,
        by_path,
        depth + 1,
        out,
    );
    out.push(Layer {
        file: base_file,
        node: base,
    });
}

/// Swarm: replicas or global mode, constraint pins and spreads.
/// `deploy.replicas` written as a number that is not a replica count
/// (`1e300`, `.nan`, `-1`, past 2,147,483,647), which compose refuses, as a
/// `parse-error` at the value. Strings are left alone: compose interpolates
/// `${REPLICAS}` before it reads the number.
fn replicas_error(s: &Service<'_>) -> Option<Diagnostic> {
    let (file, _, v) = s.entry(&["deploy", "replicas"])?;
    let text = v.plain_text()?;
    let numeric = text.parse::<f64>().is_ok()
        || matches!(
            text.trim_start_matches(['+', '-']),
            ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF"
        )
        || v.as_i64().is_some();
    let valid = v
        .as_i64()
        .is_some_and(|n| (0..=i64::from(i32::MAX)).contains(&n));
    (numeric && !valid).then(|| {
        Diagnostic::error(
            "parse-error",
            Span::new(file, v.range),
            format!(
                "`deploy.replicas` of service `{}` must be a whole number from 0 to 2147483647, not `{}`; compose refuses the file, so spof does not analyse the service",
                s.name,
                text.chars().take(40).collect::<String>()
            ),
        )
    })
}

fn swarm_placement(s: &Service<'_>) -> (WorkloadKind, Placement) {
    let mut placement = Placement::default();
    let mode = s
        .get(&["deploy", "mode"])
        .and_then(|(_, m)| m.as_text())
        .unwrap_or("replicated");
    let kind = match mode {
        "global" => WorkloadKind::PerNode,
        "replicated-job" | "global-job" => WorkloadKind::Batch,
        _ => WorkloadKind::LongRunning,
    };
    let interpolated = s
        .entry(&["deploy", "replicas"])
        .and_then(|(_, _, v)| v.as_text())
        .is_some_and(|t| t.contains('$'));
    // An interpolated count (`${REPLICAS:-2}`) depends on the environment
    // of the deploy: unknown, never the default of one.
    if kind == WorkloadKind::LongRunning && !interpolated {
        placement.replicas = Some(match s.entry(&["deploy", "replicas"]) {
            Some((file, k, v)) if v.as_i64().is_some() => Replicas {
                count: u32::try_from(v.as_i64().unwrap_or(1).max(0)).unwrap_or(u32::MAX),
                span: Span::new(
                    file,
                    TextRange::new(k.range.start as usize, v.range.end as usize),
                ),
                source: ReplicaSource::Explicit,
            },
            _ => Replicas {
                count: 1,
                span: s
                    .entry(&["deploy"])
                    .map_or(s.key, |(f, k, _)| Span::new(f, k.range)),
                source: ReplicaSource::Defaulted,
            },
        });
    }
    if let Some((file, constraints)) = s.get(&["deploy", "placement", "constraints"]) {
        for c in constraints.as_seq() {
            let Some((level, value)) = c.as_text().and_then(constraint) else {
                continue;
            };
            placement.pins.push(Pin {
                level,
                domains: vec![value].into(),
                span: Span::new(file, c.range),
                via: "swarm placement constraint",
                axis: "",
                origin: None,
            });
        }
    }
    if let Some((file, k, v)) = s.entry(&["deploy", "placement", "max_replicas_per_node"])
        && v.as_i64() == Some(1)
    {
        placement.spreads.push(Spread {
            level: Level::Host,
            guarantee: Guarantee::Hard,
            max_skew: None,
            one_per_domain: true,
            min_domains: None,
            span: Span::new(
                file,
                TextRange::new(k.range.start as usize, v.range.end as usize),
            ),
        });
    }
    if let Some((file, prefs)) = s.get(&["deploy", "placement", "preferences"]) {
        for p in prefs.as_seq() {
            let Some(v) = p.get("spread") else {
                continue;
            };
            let Some(level) = v.as_text().and_then(node_key_level) else {
                continue;
            };
            placement.spreads.push(Spread {
                level,
                guarantee: Guarantee::BestEffort,
                max_skew: None,
                one_per_domain: false,
                min_domains: None,
                span: Span::new(file, v.range),
            });
        }
    }
    (kind, placement)
}

/// The level a swarm node attribute names: `node.hostname`, `node.id`,
/// `node.labels.zone`, …
fn node_key_level(key: &str) -> Option<Level> {
    match key.trim() {
        "node.hostname" | "node.id" => Some(Level::Host),
        k => match k.strip_prefix("node.labels.")? {
            "zone" | "availability_zone" | "az" | "topology.kubernetes.io/zone" => {
                Some(Level::Zone)
            }
            "region" | "topology.kubernetes.io/region" => Some(Level::Region),
            "hostname" | "kubernetes.io/hostname" => Some(Level::Host),
            _ => None,
        },
    }
}

/// `node.labels.zone == eu-1a` → (zone, `eu-1a`). Only equality pins.
fn constraint(text: &str) -> Option<(Level, String)> {
    let (key, value) = text.split_once("==")?;
    let level = node_key_level(key)?;
    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
    is_label_value(value).then(|| (level, value.to_string()))
}

/// Labels as (key, value, file, value node), in map or `KEY=VALUE` list form;
/// later definitions first.
fn labels<'a>(s: &Service<'a>) -> Vec<(String, String, FileId, &'a Node)> {
    let mut out = Vec::new();
    for (file, node) in s.all("labels").into_iter().rev() {
        for (k, v) in node.as_map() {
            if let (Some(key), Some(text)) = (k.as_str(), v.as_text()) {
                out.push((key.to_string(), text.to_string(), file, v));
            }
        }
        for item in node.as_seq() {
            if let Some((k, v)) = item.as_text().and_then(|t| t.split_once('=')) {
                out.push((k.to_string(), v.to_string(), file, item));
            }
        }
    }
    out
}

fn suppression(text: &str, span: Span, id: &str) -> Suppression {
    Suppression::for_entity(text, span, id)
}

/// A label's value as written: `value` is the part after `KEY=` in list
/// form.
struct Label<'a> {
    file: FileId,
    node: &'a Node,
    value: &'a str,
    key: &'a str,
}

/// `spof.dev/depends-on` label entries: a bare name is a service of the
/// project (ids start with `prefix`); anything else is read as in
/// Kubernetes annotations.
fn label_dependencies(
    label: &Label<'_>,
    strength: Strength,
    prefix: &str,
    project: &str,
    out: &mut Vec<Dependency>,
) {
    let &Label {
        file,
        node,
        value,
        key,
    } = label;
    // In list form the node's text is `KEY=VALUE`.
    let offset = node
        .as_str()
        .map_or(0, |t| t.len().saturating_sub(value.len()));
    let mut at = 0;
    for part in value.split(',') {
        let start = at + (part.len() - part.trim_start().len());
        at += part.len() + 1;
        let entry = part.trim();
        if entry.is_empty() {
            continue;
        }
        let target = if entry.contains(':') || entry.contains('/') {
            parse_reference(entry, project)
        } else {
            Reference::Id(format!("{prefix}{project}/{entry}"))
        };
        out.push(Dependency {
            target,
            strength,
            span: super::kubernetes::entry_span(file, node, offset + start, entry.len()),
            via: format!("label {key}").into(),
            explicit: true,
            origin: None,
        });
    }
}

fn service_dependencies(
    s: &Service<'_>,
    prefix: &str,
    project: &str,
    hosts: &BTreeMap<String, &str>,
    soft: &SoftVariables,
    out: &mut Vec<Dependency>,
) {
    let id = |name: &str| Reference::Id(format!("{prefix}{project}/{name}"));
    let dep = |target, strength, span, via: &str, explicit| Dependency {
        target,
        strength,
        span,
        via: via.to_string().into(),
        explicit,
        origin: None,
    };
    for (file, node) in s.all("depends_on") {
        for item in node.as_seq() {
            if let Some(name) = item.as_text() {
                out.push(dep(
                    id(name),
                    Strength::Hard,
                    Span::new(file, item.range),
                    "depends_on",
                    true,
                ));
            }
        }
        for (k, v) in node.as_map() {
            let Some(name) = k.as_str() else {
                continue;
            };
            let strength = if v.get("required").and_then(Node::as_bool) == Some(false) {
                Strength::Soft
            } else {
                Strength::Hard
            };
            out.push(dep(
                id(name),
                strength,
                Span::new(file, k.range),
                "depends_on",
                true,
            ));
        }
    }
    for (file, node) in s.all("links") {
        for item in node.as_seq() {
            let Some(text) = item.as_text() else {
                continue;
            };
            let name = text.split(':').next().unwrap_or(text).trim();
            if name.is_empty() {
                continue;
            }
            let start = text.find(name).unwrap_or(0);
            out.push(dep(
                id(name),
                Strength::Hard,
                super::kubernetes::entry_span(file, item, start, name.len()),
                "links",
                true,
            ));
        }
    }
    if let Some((file, node)) = s.get(&["network_mode"])
        && let Some(name) = node.as_text().and_then(|t| t.strip_prefix("service:"))
    {
        out.push(dep(
            id(name),
            Strength::Hard,
            super::kubernetes::entry_span(file, node, "service:".len(), name.len()),
            "network_mode",
            true,
        ));
    }
    for (file, node) in s.all("volumes_from") {
        for item in node.as_seq() {
            let Some(text) = item.as_text() else {
                continue;
            };
            if text.starts_with("container:") {
                continue;
            }
            let name = text.split(':').next().unwrap_or(text);
            if name.is_empty() {
                continue;
            }
            out.push(dep(
                id(name),
                Strength::Hard,
                super::kubernetes::entry_span(file, item, 0, name.len()),
                "volumes_from",
                true,
            ));
        }
    }
    env_dependencies(s, prefix, project, hosts, soft, out);
}

/// The services a service's environment names as hosts: later definitions
/// win per variable.
fn env_dependencies(
    s: &Service<'_>,
    prefix: &str,
    project: &str,
    hosts: &BTreeMap<String, &str>,
    soft: &SoftVariables,
    out: &mut Vec<Dependency>,
) {
    let mut env: Vec<(String, FileId, &Node, usize)> = Vec::new();
    for (file, node) in s.all("environment") {
        for (k, v) in node.as_map() {
            if let Some(var) = k.as_str() {
                env.retain(|(name, _, _, _)| name != var);
                env.push((var.to_string(), file, v, 0));
            }
        }
        for item in node.as_seq() {
            if let Some((var, _)) = item.as_str().and_then(|t| t.split_once('=')) {
                env.retain(|(name, _, _, _)| name != var);
                env.push((var.to_string(), file, item, var.len() + 1));
            }
        }
    }
    for (var, file, node, offset) in env {
        let Some(text) = node.as_text() else {
            continue;
        };
        let Some(value) = text.get(offset..) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        let strength = if soft.is_soft(&var) {
            Strength::Soft
        } else {
            Strength::Hard
        };
        for host in hosts::references(value, hosts::host_variable(&var)) {
            let Some(&target) = hosts.get(host.name) else {
                continue;
            };
            if target == s.name || !seen.insert(target) {
                continue;
            }
            out.push(Dependency {
                target: Reference::Id(format!("{prefix}{project}/{target}")),
                strength,
                span: super::kubernetes::entry_span(file, node, offset + host.at, host.name.len()),
                via: format!("env {var}").into(),
                explicit: false,
                origin: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Document;
    use crate::parse::yaml::{Limits, parse_stream};
    use crate::source::SourceFile;

    /// Extracts the compose entities of `files` (path, text).
    fn extract_all(files: &[(&str, &str)]) -> (SourceMap, Model) {
        let mut sources = SourceMap::default();
        let mut parsed: Vec<(FileId, Vec<Document>)> = Vec::new();
        for (path, text) in files {
            let (docs, error) = parse_stream(text, &Limits::default());
            assert!(error.is_none(), "{path}: {error:?}");
            let id = sources.add(SourceFile::new(PathBuf::from(path), *text));
            parsed.push((id, docs));
        }
        let inputs: Vec<FileDocs<'_>> = parsed
            .iter()
            .map(|(file, docs)| FileDocs {
                file: *file,
                cluster: None,
                docs,
            })
            .collect();
        let mut model = Model::default();
        let errors = extract(&inputs, &sources, &SoftVariables::default(), &mut model);
        assert!(errors.is_empty(), "{errors:?}");
        (sources, model)
    }

    #[test]
    fn a_replica_count_compose_refuses_is_an_error_and_interpolation_is_not() {
        let yaml = "services:\n  api:\n    image: x\n    deploy:\n      replicas: 1e300\n  b:\n    image: x\n    deploy:\n      replicas: -1\n  ok:\n    image: x\n    deploy:\n      replicas: ${N:-2}\n";
        let (docs, _) = parse_stream(yaml, &Limits::default());
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(PathBuf::from("compose.yaml"), yaml));
        let inputs = [FileDocs {
            file,
            cluster: None,
            docs: &docs,
        }];
        let mut model = Model::default();
        let errors = extract(&inputs, &sources, &SoftVariables::default(), &mut model);
        let located: Vec<(String, String)> = errors
            .iter()
            .map(|e| (text(&sources, e.span), e.message.to_string()))
            .collect();
        assert_eq!(located.len(), 2, "{located:?}");
        assert_eq!(located[0].0, "1e300");
        assert!(
            located[0]
                .1
                .contains("service `api` must be a whole number")
        );
        assert_eq!(located[1].0, "-1");
        assert_eq!(ids(&model), ["compose:default/ok"]);
        let ok = entity(&model, "compose:default/ok");
        assert_eq!(ok.instances[0].placement.replicas, None);
    }

    fn text(sources: &SourceMap, span: Span) -> String {
        let file = sources.get(span.file);
        file.text()[span.range.start as usize..span.range.end as usize].to_string()
    }

    fn entity<'m>(model: &'m Model, id: &str) -> &'m Entity {
        model
            .entities
            .iter()
            .find(|e| e.id == id)
            .unwrap_or_else(|| panic!("no {id} among {:?}", ids(model)))
    }

    fn ids(model: &Model) -> Vec<&str> {
        model.entities.iter().map(|e| e.id.as_str()).collect()
    }

    /// (target id, via, span text, strength, explicit) of each dependency.
    fn deps(sources: &SourceMap, e: &Entity) -> Vec<(String, String, String, Strength, bool)> {
        e.instances[0]
            .dependencies
            .iter()
            .map(|d| {
                let target = match &d.target {
                    Reference::Id(id) => id.clone(),
                    other => format!("{other:?}"),
                };
                (
                    target,
                    d.via.to_string(),
                    text(sources, d.span),
                    d.strength,
                    d.explicit,
                )
            })
            .collect()
    }

    #[test]
    fn file_names() {
        for name in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yaml",
            "docker-compose.yml",
            "docker-compose.prod.yml",
            "compose.override.yaml",
            "Docker-Compose.YML",
            "docker-stack.yml",
            "docker-stack.yaml",
            "docker-stack.prod.yml",
        ] {
            assert!(is_compose_file_name(name), "{name}");
        }
        assert!(is_stack_file_name("docker-stack.yml"));
        assert!(is_stack_file_name("Docker-Stack.prod.YAML"));
        assert!(!is_stack_file_name("docker-compose.yml"));
        assert!(!is_stack_file_name("stack.yml"));
        for name in [
            "compose.json",
            "compose..yaml",
            "my-compose.yaml",
            "composer.yaml",
            "docker-compose",
            "values.yaml",
            "docker-stack.json",
            "my-docker-stack.yml",
            "kube-prometheus-stack.yaml",
        ] {
            assert!(!is_compose_file_name(name), "{name}");
        }
        assert!(!is_override("compose.yaml"));
        assert!(is_override("compose.override.yaml"));
        assert!(!is_override("docker-stack.yml"));
        assert!(is_override("docker-stack.prod.yml"));
    }

    #[test]
    fn a_stack_file_is_a_swarm_deployment_of_its_own() {
        let (sources, model) = extract_all(&[
            (
                "vote/docker-compose.yml",
                "services:\n  web:\n    image: example/web\n    depends_on: [db]\n  db:\n    image: postgres:16\n  adminer:\n    image: adminer\n",
            ),
            (
                "vote/docker-stack.yml",
                "services:\n  web:\n    image: example/web\n    deploy:\n      replicas: 3\n  db:\n    image: postgres:16\n",
            ),
            (
                "vote/docker-stack.prod.yml",
                "services:\n  web:\n    environment:\n      DB_HOST: db\n",
            ),
        ]);
        assert_eq!(
            ids(&model),
            [
                "compose:vote/web",
                "compose:vote/db",
                "compose:vote/adminer",
                "stack:vote/web",
                "stack:vote/db"
            ]
        );
        // The compose project keeps its one host; the stack has none.
        let compose = &entity(&model, "compose:vote/web").instances[0];
        assert_eq!(compose.placement.pins[0].domains, ["compose:vote"]);
        let web = entity(&model, "stack:vote/web");
        assert_eq!(web.kind, "StackService");
        assert_eq!(web.label(), "StackService vote/web");
        let inst = &web.instances[0];
        assert!(inst.placement.pins.is_empty(), "{:?}", inst.placement.pins);
        assert_eq!(inst.placement.replicas.as_ref().map(|r| r.count), Some(3));
        // The override's environment is read; the compose file's
        // `depends_on` is not the stack's.
        assert_eq!(
            deps(&sources, web),
            [(
                "stack:vote/db".to_string(),
                "env DB_HOST".to_string(),
                "db".to_string(),
                Strength::Hard,
                false
            )]
        );
        // No `deploy` at all: a stack's service still runs one replica.
        let db = &entity(&model, "stack:vote/db").instances[0];
        assert!(db.placement.pins.is_empty());
        let replicas = db.placement.replicas.as_ref().map(|r| (r.count, r.source));
        assert_eq!(replicas, Some((1, ReplicaSource::Defaulted)));
    }

    #[test]
    fn plain_project_pins_every_service_to_one_host() {
        let (sources, model) = extract_all(&[(
            "shop/compose.yaml",
            "services:\n  web:\n    image: nginx\n  db:\n    image: postgres:16\n",
        )]);
        assert_eq!(ids(&model), ["compose:shop/web", "compose:shop/db"]);
        let web = entity(&model, "compose:shop/web");
        assert_eq!(web.kind, "ComposeService");
        assert_eq!(web.namespace.as_deref(), Some("shop"));
        assert_eq!(web.name, "web");
        assert_eq!(web.role, Role::Service);
        assert_eq!(web.label(), "ComposeService shop/web");
        let inst = &web.instances[0];
        assert_eq!(text(&sources, inst.span), "web");
        assert_eq!(inst.workload, Some(WorkloadKind::LongRunning));
        assert_eq!(inst.placement.replicas, None);
        let [pin] = inst.placement.pins.as_slice() else {
            panic!("{:?}", inst.placement.pins)
        };
        assert_eq!(pin.level, Level::Host);
        assert_eq!(pin.domains, ["compose:shop"]);
        assert_eq!(pin.via, "compose project (one host)");
        assert_eq!(text(&sources, pin.span), "services");
        assert_eq!(entity(&model, "compose:shop/db").role, Role::Datastore);
    }

    #[test]
    fn only_compose_file_names_with_services_are_read() {
        let (_, model) = extract_all(&[
            ("a/values.yaml", "services:\n  web:\n    image: nginx\n"),
            ("b/compose.yaml", "version: '3'\n"),
            ("c/compose.yaml", "services: []\n"),
            ("d/docker-compose.yml", "services:\n  web: ~\n"),
        ]);
        assert!(model.entities.is_empty(), "{:?}", ids(&model));
    }

    #[test]
    fn top_level_name_sets_the_project() {
        let (_, model) = extract_all(&[(
            "deploy/docker-compose.yml",
            "name: Shop_2\nservices:\n  web:\n    image: nginx\n",
        )]);
        assert_eq!(ids(&model), ["compose:shop_2/web"]);
    }

    #[test]
    fn depends_on_links_network_mode_and_volumes_from() {
        let yaml = "\
services:
  web:
    image: example/web
    depends_on:
      - db
    links:
      - cache:redis
    network_mode: \"service:vpn\"
    volumes_from:
      - data:ro
      - container:other
  api:
    image: example/api
    depends_on:
      db:
        condition: service_healthy
      metrics:
        condition: service_started
        required: false
  db:
    image: postgres
  cache:
    image: redis
  vpn:
    image: example/vpn
  data:
    image: busybox
  metrics:
    image: example/metrics
";
        let (sources, model) = extract_all(&[("p/compose.yaml", yaml)]);
        let web = entity(&model, "compose:p/web");
        let h = Strength::Hard;
        assert_eq!(
            deps(&sources, web),
            [
                (
                    "compose:p/db".into(),
                    "depends_on".into(),
                    "db".into(),
                    h,
                    true
                ),
                (
                    "compose:p/cache".into(),
                    "links".into(),
                    "cache".into(),
                    h,
                    true
                ),
                (
                    "compose:p/vpn".into(),
                    "network_mode".into(),
                    "vpn".into(),
                    h,
                    true
                ),
                (
                    "compose:p/data".into(),
                    "volumes_from".into(),
                    "data".into(),
                    h,
                    true
                ),
            ]
        );
        let api = entity(&model, "compose:p/api");
        assert_eq!(
            deps(&sources, api),
            [
                (
                    "compose:p/db".into(),
                    "depends_on".into(),
                    "db".into(),
                    h,
                    true
                ),
                (
                    "compose:p/metrics".into(),
                    "depends_on".into(),
                    "metrics".into(),
                    Strength::Soft,
                    true
                ),
            ]
        );
        // Spans are inside the values, on their own lines.
        let links = &web.instances[0].dependencies[1];
        assert_eq!(
            sources
                .get(links.span.file)
                .line_col(links.span.range.start)
                .line,
            7
        );
    }

    #[test]
    fn environment_values_naming_services() {
        let yaml = "\
services:
  api:
    image: example/api
    environment:
      - DB_HOST=db
      - DATABASE_URL=postgres://user:pw@db:5432/app
      - 'CACHE=cache:6379'
      - MODE=production
      - SELF=api
  worker:
    image: example/worker
    environment:
      QUEUE_URL: amqp://mq
      REDIS_HOST: \"cache\"
      POSTGRES_USER: db
      PORT: 8080
  db:
    image: postgres
  cache:
    image: redis
  mq:
    image: rabbitmq
    container_name: broker
  other:
    image: example/other
    environment:
      BROKER: broker:5672
";
        let (sources, model) = extract_all(&[("p/compose.yaml", yaml)]);
        let h = Strength::Hard;
        let api = entity(&model, "compose:p/api");
        assert_eq!(
            deps(&sources, api),
            [
                (
                    "compose:p/db".into(),
                    "env DB_HOST".into(),
                    "db".into(),
                    h,
                    false
                ),
                (
                    "compose:p/db".into(),
                    "env DATABASE_URL".into(),
                    "db".into(),
                    h,
                    false
                ),
                (
                    "compose:p/cache".into(),
                    "env CACHE".into(),
                    "cache".into(),
                    h,
                    false
                ),
            ]
        );
        // The URL's host, not the user before it.
        let url = &api.instances[0].dependencies[1];
        let line = sources.get(url.span.file).line_col(url.span.range.start);
        assert_eq!((line.line, line.column), (6, 41), "{line:?}");
        let worker = entity(&model, "compose:p/worker");
        assert_eq!(
            deps(&sources, worker),
            [
                (
                    "compose:p/mq".into(),
                    "env QUEUE_URL".into(),
                    "mq".into(),
                    h,
                    false
                ),
                (
                    "compose:p/cache".into(),
                    "env REDIS_HOST".into(),
                    "cache".into(),
                    h,
                    false
                ),
            ]
        );
        let other = entity(&model, "compose:p/other");
        assert_eq!(
            deps(&sources, other),
            [(
                "compose:p/mq".into(),
                "env BROKER".into(),
                "broker".into(),
                h,
                false
            )]
        );
    }

    #[test]
    fn override_files_merge_in_compose_order() {
        let base = "\
services:
  web:
    image: example/web:1
    depends_on: [db]
    environment:
      DB_HOST: db
  db:
    image: postgres
";
        let over = "\
services:
  web:
    image: example/web:2
    depends_on: [cache]
    environment:
      DB_HOST: cache
  cache:
    image: redis
";
        // Given in path order, where the override sorts first.
        let (sources, model) =
            extract_all(&[("p/compose.override.yaml", over), ("p/compose.yaml", base)]);
        assert_eq!(
            ids(&model),
            ["compose:p/web", "compose:p/db", "compose:p/cache"]
        );
        let web = entity(&model, "compose:p/web");
        assert_eq!(web.instances.len(), 1);
        // The entity is declared where the base file names it.
        let span = web.instances[0].span;
        assert!(sources.get(span.file).path.ends_with("compose.yaml"));
        let targets: Vec<(String, String)> = deps(&sources, web)
            .into_iter()
            .map(|(t, via, ..)| (t, via))
            .collect();
        assert_eq!(
            targets,
            [
                ("compose:p/db".into(), "depends_on".into()),
                ("compose:p/cache".into(), "depends_on".into()),
                // The override's value of DB_HOST wins.
                ("compose:p/cache".into(), "env DB_HOST".into()),
            ]
        );
        // The project's host pin points at the base file's `services:`.
        let pin = &web.instances[0].placement.pins[0];
        assert!(sources.get(pin.span.file).path.ends_with("compose.yaml"));
    }

    #[test]
    fn extends_in_the_same_file_and_another() {
        let common = "\
services:
  base:
    image: postgres
    environment:
      - CACHE_HOST=cache
";
        let main = "\
services:
  worker:
    extends: app
    environment:
      - EXTRA=1
  app:
    extends:
      file: ../common/services.yml
      service: base
    depends_on: [cache]
  cache:
    image: redis
";
        let (sources, model) = extract_all(&[
            ("stack/common/services.yml", common),
            ("stack/p/compose.yaml", main),
        ]);
        assert_eq!(
            ids(&model),
            ["compose:p/worker", "compose:p/app", "compose:p/cache"]
        );
        let worker = entity(&model, "compose:p/worker");
        // The image comes from `base`, two extends away.
        assert_eq!(worker.role, Role::Datastore);
        let targets: Vec<(String, String, String)> = deps(&sources, worker)
            .into_iter()
            .map(|(t, via, span, ..)| (t, via, span))
            .collect();
        assert_eq!(
            targets,
            [
                (
                    "compose:p/cache".into(),
                    "depends_on".into(),
                    "cache".into()
                ),
                (
                    "compose:p/cache".into(),
                    "env CACHE_HOST".into(),
                    "cache".into()
                ),
            ]
        );
        let env = &worker.instances[0].dependencies[1];
        assert!(sources.get(env.span.file).path.ends_with("services.yml"));
    }

    #[test]
    fn extends_cycles_stop() {
        let (_, model) = extract_all(&[(
            "p/compose.yaml",
            "services:\n  a:\n    extends: b\n  b:\n    extends: a\n  c:\n    extends: c\n",
        )]);
        assert_eq!(model.entities.len(), 3);
    }

    #[test]
    fn swarm_replicas_constraints_and_spreads() {
        let yaml = "\
services:
  api:
    image: example/api
    deploy:
      replicas: 3
      placement:
        max_replicas_per_node: 1
        constraints:
          - node.role == worker
          - node.labels.zone == eu-1a
          - \"node.hostname==host-7\"
          - node.labels.zone != eu-1b
          - node.labels.zone == ${ZONE}
        preferences:
          - spread: node.labels.zone
  agent:
    image: example/agent
    deploy:
      mode: global
  db:
    image: postgres
";
        let (sources, model) = extract_all(&[("p/docker-compose.yml", yaml)]);
        let api = &entity(&model, "compose:p/api").instances[0];
        assert_eq!(api.workload, Some(WorkloadKind::LongRunning));
        let replicas = api.placement.replicas.expect("replicas");
        assert_eq!(replicas.count, 3);
        assert_eq!(replicas.source, ReplicaSource::Explicit);
        assert_eq!(text(&sources, replicas.span), "replicas: 3");
        let pins: Vec<(Level, &str, String)> = api
            .placement
            .pins
            .iter()
            .map(|p| (p.level, &*p.domains[0], text(&sources, p.span)))
            .collect();
        assert_eq!(
            pins,
            [
                (Level::Zone, "eu-1a", "node.labels.zone == eu-1a".into()),
                (Level::Host, "host-7", "\"node.hostname==host-7\"".into()),
            ]
        );
        assert_eq!(api.placement.pins[0].via, "swarm placement constraint");
        let host = api.placement.hard_spread(Level::Host).expect("host spread");
        assert!(host.one_per_domain);
        assert_eq!(text(&sources, host.span), "max_replicas_per_node: 1");
        let zone = api
            .placement
            .best_effort_spread(Level::Zone)
            .expect("zone spread");
        assert_eq!(text(&sources, zone.span), "node.labels.zone");
        assert!(api.placement.hard_spread(Level::Zone).is_none());

        let agent = &entity(&model, "compose:p/agent").instances[0];
        assert_eq!(agent.workload, Some(WorkloadKind::PerNode));
        assert_eq!(agent.placement.replicas, None);
        assert!(agent.placement.pins.is_empty());

        // No `deploy`: one replica by default, and no host pin in a swarm.
        let db = &entity(&model, "compose:p/db").instances[0];
        let replicas = db.placement.replicas.expect("replicas");
        assert_eq!(
            (replicas.count, replicas.source),
            (1, ReplicaSource::Defaulted)
        );
        assert_eq!(text(&sources, replicas.span), "db");
        assert!(db.placement.pins.is_empty());
    }

    #[test]
    fn deploy_resources_alone_is_not_swarm() {
        let (_, model) = extract_all(&[(
            "p/compose.yaml",
            "services:\n  gpu:\n    image: x\n    deploy:\n      resources:\n        limits:\n          memory: 1G\n",
        )]);
        let inst = &model.entities[0].instances[0];
        assert_eq!(inst.placement.replicas, None);
        assert_eq!(inst.placement.pins.len(), 1);
    }

    #[test]
    fn tools_roles_and_labels() {
        let yaml = "\
services:
  grafana:
    image: grafana/grafana:11.0.0
    depends_on: [prom]
  prom:
    image: prom/prometheus
    labels:
      spof.dev/role: service
  backup:
    image: example/backup
    labels:
      - spof.dev/role=tool
      - spof.dev/tool-kind=backup
      - \"spof.dev/depends-on=db, tf:aws_db_instance.main\"
      - spof.dev/ignore=SPOF004:accepted until=2030-01-01
  db:
    image: example/db
";
        let (sources, model) = extract_all(&[("p/compose.yaml", yaml)]);
        let grafana = entity(&model, "compose:p/grafana");
        assert_eq!(grafana.role, Role::Tool);
        assert_eq!(grafana.tool_kind.as_deref(), Some("monitoring"));
        let prom = entity(&model, "compose:p/prom");
        assert_eq!(prom.role, Role::Service);
        assert_eq!(prom.tool_kind, None);
        let backup = entity(&model, "compose:p/backup");
        assert_eq!(backup.role, Role::Tool);
        assert_eq!(backup.tool_kind.as_deref(), Some("backup"));
        let d = &backup.instances[0].dependencies;
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].target, Reference::Id("compose:p/db".into()));
        assert_eq!(text(&sources, d[0].span), "db");
        assert_eq!(
            d[1].target,
            Reference::Terraform {
                root: None,
                address: "aws_db_instance.main".into()
            }
        );
        assert_eq!(text(&sources, d[1].span), "tf:aws_db_instance.main");
        assert!(d.iter().all(|d| d.explicit && d.strength == Strength::Hard));
        let [s] = model.suppressions.as_slice() else {
            panic!("{:?}", model.suppressions)
        };
        assert_eq!(s.rules, ["SPOF004"]);
        assert_eq!(s.reason.as_deref(), Some("accepted"));
        assert_eq!(
            s.scope,
            crate::model::SuppressionScope::Entity("compose:p/backup".into())
        );
    }

    #[test]
    fn profiles_are_still_entities() {
        let (_, model) = extract_all(&[(
            "p/compose.yaml",
            "services:\n  debug:\n    image: x\n    profiles: [debug]\n",
        )]);
        assert_eq!(ids(&model), ["compose:p/debug"]);
    }

    #[test]
    fn datastore_images() {
        for image in [
            "postgres:16",
            "bitnami/redis:7",
            "redislabs/redismod",
            "mcr.microsoft.com/mssql/server:2022",
            "docker.io/library/mariadb@sha256:abc",
            "localhost:5000/mysql",
        ] {
            assert!(crate::model::is_datastore_image(image), "{image}");
        }
        for image in ["etl-kafka", "example/api:postgres", "nginx"] {
            assert!(!crate::model::is_datastore_image(image), "{image}");
        }
    }
}
