//! Helm charts, rendered natively: a chart's files (given by the caller as
//! path and text pairs, so the engine reads nothing itself) are loaded as
//! Helm loads them — `Chart.yaml` (apiVersion v1 and v2), `values.yaml`,
//! subcharts under `charts/` with their `condition`, `tags`, `alias` and
//! `global` values, library charts — and every template is rendered with Go's
//! `text/template` (the vendored `gotmpl`) and Helm's objects and functions
//! ([`funcs`]), as `helm template` renders them.
//!
//! The frontend ([`frontend`]) renders every chart of a run once for each
//! of its releases ([`releases`]: `spof.toml`, Argo CD, Flux, helmfile),
//! else once with its own `values.yaml`; see `docs/helm.md`.

pub mod archive;
pub mod frontend;
pub mod funcs;
mod helmfile;
pub mod origins;
pub mod release;
pub mod releases;
mod toml;
pub mod values;

pub use frontend::FRONTEND;

use funcs::{Shared, to_str};
use gotmpl::{MapRef, Template, TemplateError, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use values::{coalesce, empty_map, get_path, map, s};

/// Largest text one `include` or `tpl` call, or one `toToml`, may produce.
pub const MAX_INCLUDE_BYTES: usize = 16 << 20;

/// The files of one chart: path relative to the chart's directory (with
/// `/` separators) to text. Subcharts are the files under `charts/<name>/`.
#[derive(Debug, Clone, Default)]
pub struct ChartFiles {
    pub files: BTreeMap<String, String>,
}

impl ChartFiles {
    /// The files below `dir/` (a prefix ending in `/`), relative to it.
    fn under(&self, dir: &str) -> ChartFiles {
        ChartFiles {
            files: self
                .files
                .iter()
                .filter_map(|(p, t)| p.strip_prefix(dir).map(|r| (r.to_string(), t.clone())))
                .collect(),
        }
    }
}

/// The release and cluster a chart is rendered for.
#[derive(Debug, Clone)]
pub struct Options {
    pub release_name: String,
    pub namespace: String,
    /// `.Capabilities.KubeVersion.Version`, as `v1.36.0`.
    pub kube_version: String,
    /// Largest total output of one chart, in bytes.
    pub max_output_bytes: usize,
    /// API versions `.Capabilities.APIVersions` knows besides Kubernetes'
    /// built-in groups (`monitoring.coreos.com/v1`, or with a kind).
    pub api_versions: Vec<String>,
    /// The longest one chart's rendering may take.
    pub time_limit: std::time::Duration,
}

/// What `.Capabilities` says besides the defaults: `spof.toml`'s `[helm]`
/// `kube-version` (as [`kube_version`] writes it) and `api-versions`.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
}

impl Capabilities {
    /// `options` with these capabilities.
    pub fn apply(&self, options: Options) -> Options {
        Options {
            kube_version: self.kube_version.clone().unwrap_or(options.kube_version),
            api_versions: self.api_versions.clone(),
            ..options
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            release_name: "release".into(),
            namespace: "default".into(),
            kube_version: DEFAULT_KUBE_VERSION.into(),
            max_output_bytes: 64 << 20,
            api_versions: Vec::new(),
            time_limit: TIME_LIMIT,
        }
    }
}

/// The longest a chart's rendering may take, by default: the slowest chart
/// of the corpus renders in well under a second.
pub const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The Kubernetes version assumed when none is given (what `helm template`
/// assumes with Helm 4.2).
pub const DEFAULT_KUBE_VERSION: &str = "v1.36.0";

/// A Kubernetes version as Helm's `--kube-version` reads it (`1.28`,
/// `v1.28.3`), written as `.Capabilities.KubeVersion.Version` holds it
/// (`v1.28.0`); `None` when it is not one.
pub fn kube_version(text: &str) -> Option<String> {
    let t = text.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    let mut parts = t.split('.');
    let mut number = || -> Option<Option<u64>> {
        match parts.next() {
            None => Some(None),
            Some(p) => p.parse::<u64>().ok().map(Some),
        }
    };
    let major = number()??;
    let minor = number()?.unwrap_or(0);
    let patch = number()?.unwrap_or(0);
    if parts.next().is_some() {
        return None;
    }
    Some(format!("v{major}.{minor}.{patch}"))
}

/// API versions `.Capabilities.APIVersions.Has` knows: the built-in groups
/// of Kubernetes (no custom resources, as `helm template` without a cluster).
const API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "resource.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
];

/// What a chart renders to.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Rendered {
    /// Each template's output (`<chart>/templates/…`, subcharts'
    /// `<chart>/charts/<sub>/templates/…`), or the error it stopped with.
    pub templates: BTreeMap<String, Result<String, RenderError>>,
    /// What was not read: dependencies that are not vendored.
    pub notes: Vec<String>,
    /// Where each template (rendered or not) comes from, by its name.
    pub sources: BTreeMap<String, TemplateSource>,
}

/// Where a template comes from: its file, and the values its chart reads.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TemplateSource {
    /// The file, relative to the top chart's directory
    /// (`charts/cache/templates/statefulset.yaml`).
    pub file: String,
    /// Its chart's directory, relative to the top chart's (`` or
    /// `charts/cache/`).
    pub chart_dir: String,
    /// Where its chart's `.Values` are in the top chart's values: the
    /// aliases of the subcharts on the way (`["cache"]`).
    pub values_path: Vec<String>,
}

/// An error in one template: where, and what.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderError {
    /// The template (for an error inside a `define`, the template holding
    /// the define).
    pub template: String,
    /// The template's file, relative to the top chart's directory
    /// (`Chart.yaml` for an error of the whole chart).
    pub file: String,
    /// The line of the failing action in that file, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.template, self.message),
            None => write!(f, "{}: {}", self.template, self.message),
        }
    }
}

/// A chart as loaded: its metadata, default values and subcharts.
struct Chart {
    /// The name templates are filed under (a dependency's alias if it has
    /// one).
    name: String,
    meta: Value,
    /// `Chart.yaml` scalars as written (`version: 1.0` stays "1.0").
    meta_text: BTreeMap<String, String>,
    values: Value,
    files: ChartFiles,
    subs: Vec<Chart>,
    library: bool,
    /// Its directory, relative to the top chart's (`` or `charts/cache/`).
    dir: String,
}

fn load(
    files: ChartFiles,
    dir: &str,
    notes: &mut Vec<String>,
    depth: usize,
) -> Result<Chart, String> {
    if depth > 20 {
        return Err("subcharts nested more than 20 deep".into());
    }
    let chart_yaml = files.files.get("Chart.yaml").ok_or("no Chart.yaml")?;
    let (docs, err) = crate::parse::yaml::parse_stream(chart_yaml, &Default::default());
    if let Some(e) = err {
        return Err(format!("Chart.yaml: {}", e.message));
    }
    let root = docs.first().map(|d| d.root.clone());
    let mut meta_text = BTreeMap::new();
    if let Some(r) = &root {
        for (k, v) in r.as_map() {
            if let (Some(k), Some(v)) = (k.as_str(), v.as_text()) {
                meta_text.insert(k.to_string(), v.to_string());
            }
        }
    }
    let meta = root.as_ref().map_or_else(empty_map, values::from_node);
    let name = meta_text
        .get("name")
        .cloned()
        .ok_or("Chart.yaml has no name")?;
    let values = match files
        .files
        .get("values.yaml")
        .or_else(|| files.files.get("values.yml"))
    {
        Some(t) => match values::decode(t) {
            Ok(Some(v @ Value::Map(_))) => v,
            Ok(_) => empty_map(),
            Err(e) => return Err(format!("values.yaml: {e}")),
        },
        None => empty_map(),
    };
    let library = meta_text.get("type").is_some_and(|t| t == "library");
    let mut sub_dirs: Vec<String> = files
        .files
        .keys()
        .filter_map(|p| {
            let rest = p.strip_prefix("charts/")?;
            let (dir, file) = rest.split_once('/')?;
            (file == "Chart.yaml").then(|| dir.to_string())
        })
        .collect();
    sub_dirs.sort();
    sub_dirs.dedup();
    let mut subs = Vec::new();
    for d in sub_dirs {
        subs.push(load(
            files.under(&format!("charts/{d}/")),
            &format!("{dir}charts/{d}/"),
            notes,
            depth + 1,
        )?);
    }
    for dep in list_of(field(&meta, "dependencies")) {
        let Some(dep_name) = field(&dep, "name").map(|n| to_str(&n)) else {
            continue;
        };
        if !subs.iter().any(|s| s.name == dep_name) {
            notes.push(format!(
                "{name}: dependency {dep_name} is not vendored under charts/ (`helm dependency build` vendors it)"
            ));
        }
    }
    Ok(Chart {
        name,
        meta,
        meta_text,
        values,
        files,
        subs,
        library,
        dir: dir.to_string(),
    })
}

fn field(v: &Value, k: &str) -> Option<Value> {
    match v {
        Value::Map(m) => m.get(k),
        _ => None,
    }
}

fn list_of(v: Option<Value>) -> Vec<Value> {
    match v {
        Some(Value::List(l)) => l.to_vec(),
        _ => Vec::new(),
    }
}

/// `.Chart`: `Chart.yaml`'s fields with Helm's Go names.
fn chart_object(ch: &Chart) -> Value {
    let mut out = BTreeMap::new();
    if let Value::Map(m) = &ch.meta {
        for (k, v) in m.snapshot() {
            let go = match &*k {
                "apiVersion" => "APIVersion".to_string(),
                other => {
                    let mut c = other.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default()
                }
            };
            let v = match ch.meta_text.get(&*k) {
                Some(t) if !matches!(v, Value::Map(_) | Value::List(_) | Value::Bool(_)) => s(t),
                _ => v,
            };
            out.insert(Arc::from(go.as_str()), v);
        }
    }
    out.insert(Arc::from("Name"), s(&ch.name));
    out.insert(Arc::from("IsRoot"), Value::Bool(false));
    map(out)
}

/// `.Files`: the chart's files outside `templates/`, never outside the
/// chart (the caller gave only the chart's own files).
fn files_object(files: BTreeMap<String, String>) -> Value {
    let files = Arc::new(files);
    let mut m: BTreeMap<Arc<str>, Value> = BTreeMap::new();
    let f = files.clone();
    m.insert(
        Arc::from("Get"),
        Value::Function(Arc::new(move |a: &[Value]| {
            Ok(s(f
                .get(&to_str(a.first().unwrap_or(&Value::Nil)))
                .map_or("", |t| t)))
        })),
    );
    let f = files.clone();
    m.insert(
        Arc::from("GetBytes"),
        Value::Function(Arc::new(move |a: &[Value]| {
            Ok(s(f
                .get(&to_str(a.first().unwrap_or(&Value::Nil)))
                .map_or("", |t| t)))
        })),
    );
    let f = files.clone();
    m.insert(
        Arc::from("Lines"),
        Value::Function(Arc::new(move |a: &[Value]| {
            let t = f
                .get(&to_str(a.first().unwrap_or(&Value::Nil)))
                .cloned()
                .unwrap_or_default();
            Ok(Value::List(t.split('\n').map(s).collect::<Vec<_>>().into()))
        })),
    );
    let f = files.clone();
    m.insert(
        Arc::from("Glob"),
        Value::Function(Arc::new(move |a: &[Value]| {
            let pattern = to_str(a.first().unwrap_or(&Value::Nil));
            let glob = globset::GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| TemplateError::Exec(format!("Glob {pattern:?}: {e}")))?
                .compile_matcher();
            Ok(files_object(
                f.iter()
                    .filter(|(p, _)| glob.is_match(p.as_str()))
                    .map(|(p, t)| (p.clone(), t.clone()))
                    .collect(),
            ))
        })),
    );
    let f = files.clone();
    m.insert(
        Arc::from("AsConfig"),
        Value::Function(Arc::new(move |_a: &[Value]| {
            let entries: BTreeMap<Arc<str>, Value> = f
                .iter()
                .map(|(p, t)| (Arc::from(p.rsplit('/').next().unwrap_or(p)), s(t)))
                .collect();
            let mut o = String::new();
            funcs::to_yaml(&map(entries), 0, &mut o, 0)?;
            Ok(s(o.trim_end_matches('\n')))
        })),
    );
    let f = files;
    m.insert(
        Arc::from("AsSecrets"),
        Value::Function(Arc::new(move |_a: &[Value]| {
            let mut entries: BTreeMap<Arc<str>, Value> = BTreeMap::new();
            for (p, t) in f.iter() {
                entries.insert(
                    Arc::from(p.rsplit('/').next().unwrap_or(p)),
                    s(&funcs::b64(t.as_bytes())),
                );
            }
            let mut o = String::new();
            funcs::to_yaml(&map(entries), 0, &mut o, 0)?;
            Ok(s(o.trim_end_matches('\n')))
        })),
    );
    map(m)
}

fn release_object(opts: &Options) -> Value {
    map([
        (Arc::from("Name"), s(&opts.release_name)),
        (Arc::from("Namespace"), s(&opts.namespace)),
        (Arc::from("Service"), s("Helm")),
        (Arc::from("Revision"), Value::Int(1)),
        (Arc::from("IsInstall"), Value::Bool(true)),
        (Arc::from("IsUpgrade"), Value::Bool(false)),
    ]
    .into())
}

fn capabilities_object(opts: &Options) -> Value {
    let v = opts.kube_version.trim_start_matches('v');
    let mut parts = v.split('.');
    let major = parts.next().unwrap_or("1").to_string();
    let minor = parts.next().unwrap_or("0").to_string();
    let kube = map([
        (Arc::from("Version"), s(&opts.kube_version)),
        (Arc::from("GitVersion"), s(&opts.kube_version)),
        (Arc::from("Major"), s(&major)),
        (Arc::from("Minor"), s(&minor)),
    ]
    .into());
    let extra = Arc::new(opts.api_versions.clone());
    let known = extra.clone();
    let has = Value::Function(Arc::new(move |a: &[Value]| {
        let want = to_str(a.first().unwrap_or(&Value::Nil));
        if known.contains(&want) {
            return Ok(Value::Bool(true));
        }
        // "group/version" or "group/version/Kind" of a built-in group.
        let gv = match want.rsplit_once('/') {
            Some((gv, kind)) if kind.starts_with(|c: char| c.is_ascii_uppercase()) => {
                gv.to_string()
            }
            _ => want.clone(),
        };
        Ok(Value::Bool(
            API_VERSIONS.contains(&gv.as_str()) || known.contains(&gv),
        ))
    }));
    let api = map([
        (Arc::from("Has"), has),
        (
            Arc::from("List"),
            Value::List(
                API_VERSIONS
                    .iter()
                    .map(|v| s(v))
                    .chain(extra.iter().map(|v| s(v)))
                    .collect::<Vec<_>>()
                    .into(),
            ),
        ),
    ]
    .into());
    map([
        (Arc::from("KubeVersion"), kube),
        (Arc::from("APIVersions"), api),
        (
            Arc::from("HelmVersion"),
            map([(Arc::from("Version"), s("v4.2"))].into()),
        ),
    ]
    .into())
}

/// Whether a dependency is enabled: its `condition` (the first path that
/// resolves to a boolean decides), else its `tags` (any true tag enables),
/// else enabled.
fn enabled(dep: &Value, parent_values: &Value, top_values: &Value) -> bool {
    if let Some(Value::String(cond)) = field(dep, "condition") {
        for c in cond.split(',') {
            if let Some(Value::Bool(b)) = get_path(parent_values, c.trim()) {
                return b;
            }
        }
    }
    let tags = list_of(field(dep, "tags"));
    if tags.is_empty() {
        return true;
    }
    let mut any_set = false;
    for t in &tags {
        if let Some(Value::Bool(b)) = get_path(top_values, &format!("tags.{}", to_str(t))) {
            if b {
                return true;
            }
            any_set = true;
        }
    }
    !any_set
}

/// Each use of a subchart: once per dependency naming it (an alias makes a
/// second copy), or once under its own name; with the dependency and the
/// name its values are under.
fn uses(ch: &Chart) -> Vec<(&Chart, Option<Value>, String)> {
    let deps = list_of(field(&ch.meta, "dependencies"));
    let mut out = Vec::new();
    for sub in &ch.subs {
        let named: Vec<&Value> = deps
            .iter()
            .filter(|d| field(d, "name").is_some_and(|n| to_str(&n) == sub.name))
            .collect();
        if named.is_empty() {
            out.push((sub, None, sub.name.clone()));
        }
        for d in named {
            let alias = field(d, "alias").map_or_else(|| sub.name.clone(), |a| to_str(&a));
            out.push((sub, Some(d.clone()), alias));
        }
    }
    out
}

/// A chart's values as Helm holds them before a release's values are
/// applied: its `values.yaml`, its subcharts' under their names, and what
/// it imports from them (`import-values`).
fn chart_defaults(ch: &Chart, depth: usize) -> Value {
    let mut cvals = ch.values.clone();
    if depth > 20 {
        return cvals;
    }
    let mut imports = Vec::new();
    for (sub, dep, alias) in uses(ch) {
        if let Some(d) = &dep {
            if !enabled(d, &cvals, &cvals) {
                continue;
            }
            imports.push((sub, d.clone(), alias.clone()));
        }
        let sv = coalesce(
            &field(&cvals, &alias).unwrap_or(Value::Nil),
            &chart_defaults(sub, depth + 1),
            0,
        );
        cvals = coalesce(&map([(Arc::from(alias.as_str()), sv)].into()), &cvals, 0);
    }
    let imported = imported_values(ch, &imports, depth);
    coalesce(&cvals, &imported, 0)
}

/// What `ch` imports from its enabled dependencies (`import-values`), as
/// Helm's `processImportValues` computes it: from the subchart's values
/// under the parent's values for it (both before a release's values), a
/// string `data` imports the table `exports.data` into the parent's top
/// level, and `{child: a.b, parent: c}` the table `a.b` under `c` (`.` is
/// the top level). An earlier import wins over a later one; a path that is
/// not a table imports nothing, as in Helm.
fn imported_values(ch: &Chart, imports: &[(&Chart, Value, String)], depth: usize) -> Value {
    let mut out = empty_map();
    for (sub, dep, alias) in imports {
        let list = list_of(field(dep, "import-values"));
        if list.is_empty() {
            continue;
        }
        let child = coalesce(
            &field(&ch.values, alias).unwrap_or(Value::Nil),
            &chart_defaults(sub, depth + 1),
            0,
        );
        for iv in list {
            let (from, to) = match &iv {
                Value::String(name) => (format!("exports.{name}"), ".".to_string()),
                Value::Map(_) => match (field(&iv, "child"), field(&iv, "parent")) {
                    (Some(c), Some(p)) => (to_str(&c), to_str(&p)),
                    _ => continue,
                },
                _ => continue,
            };
            let Some(table @ Value::Map(_)) = get_path(&child, &from) else {
                continue;
            };
            let placed = to
                .split('.')
                .filter(|k| !k.is_empty())
                .rev()
                .fold(table, |inner, k| map([(Arc::from(k), inner)].into()));
            out = coalesce(&out, &placed, 0);
        }
    }
    out
}

struct Walk {
    release: Value,
    capabilities: Value,
    /// (template name, text, index of its chart's top-level object,
    /// rendered or only parsed)
    templates: Vec<(String, String, usize, bool)>,
    tops: Vec<BTreeMap<Arc<str>, Value>>,
    sources: BTreeMap<String, TemplateSource>,
    /// The aliases of the subcharts being walked, from the top chart's.
    path: Vec<String>,
}

impl Walk {
    /// Collects a chart's templates and builds its objects; returns its
    /// values (with its subcharts' merged in) and its top object's index.
    fn chart(
        &mut self,
        ch: &Chart,
        prefix: &str,
        vals: Value,
        top_values: &Value,
        render: bool,
        depth: usize,
    ) -> (Value, usize) {
        let mut subcharts = BTreeMap::new();
        let mut imports = Vec::new();
        for (sub, dep, alias) in uses(ch) {
            if let Some(d) = &dep {
                if !enabled(d, &vals, top_values) {
                    continue;
                }
                imports.push((sub, d.clone(), alias.clone()));
            }
            let sv = coalesce(&field(&vals, &alias).unwrap_or(Value::Nil), &sub.values, 0);
            // Helm gives every subchart a `global` map: the parent's globals
            // over its own, empty when neither has any.
            if let Value::Map(m) = &sv {
                let parent = match field(&vals, "global") {
                    Some(g @ Value::Map(_)) => g,
                    _ => empty_map(),
                };
                let own = match m.get("global") {
                    Some(g @ Value::Map(_)) => g,
                    _ => empty_map(),
                };
                m.write()
                    .insert(Arc::from("global"), coalesce(&parent, &own, 0));
            }
            let (sv, idx) = self.sub(
                sub,
                &alias,
                &format!("{prefix}{}/charts/", ch.name),
                sv,
                top_values,
                render && !sub.library,
                depth + 1,
            );
            if let Value::Map(m) = &vals {
                m.write().insert(Arc::from(alias.as_str()), sv);
            }
            subcharts.insert(Arc::from(alias.as_str()), map(self.tops[idx].clone()));
        }
        // Imported values are below the chart's own (and its subcharts'):
        // they fill in what nothing else sets.
        let imported = imported_values(ch, &imports, depth);
        let vals = if matches!(&imported, Value::Map(m) if m.snapshot().is_empty()) {
            vals
        } else {
            coalesce(&vals, &imported, 0)
        };
        let idx = self.tops.len();
        let mut top = BTreeMap::new();
        top.insert(Arc::from("Values"), vals.clone());
        top.insert(Arc::from("Release"), self.release.clone());
        top.insert(Arc::from("Capabilities"), self.capabilities.clone());
        let chart_obj = chart_object(ch);
        if prefix.is_empty()
            && let Value::Map(m) = &chart_obj
        {
            m.write().insert(Arc::from("IsRoot"), Value::Bool(true));
        }
        top.insert(Arc::from("Chart"), chart_obj);
        let other: BTreeMap<String, String> = ch
            .files
            .files
            .iter()
            .filter(|(p, _)| {
                !p.starts_with("templates/")
                    && !p.starts_with("charts/")
                    && *p != "Chart.yaml"
                    && *p != "values.yaml"
            })
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect();
        top.insert(Arc::from("Files"), files_object(other));
        top.insert(Arc::from("Subcharts"), map(subcharts));
        self.tops.push(top);
        for (p, text) in &ch.files.files {
            if let Some(rel) = p.strip_prefix("templates/") {
                let name = format!("{prefix}{}/templates/{rel}", ch.name);
                self.sources.insert(
                    name.clone(),
                    TemplateSource {
                        file: format!("{}{p}", ch.dir),
                        chart_dir: ch.dir.clone(),
                        values_path: self.path.clone(),
                    },
                );
                self.templates.push((name, text.clone(), idx, render));
            }
        }
        (vals, idx)
    }

    #[allow(clippy::too_many_arguments)]
    fn sub(
        &mut self,
        sub: &Chart,
        alias: &str,
        prefix: &str,
        vals: Value,
        top_values: &Value,
        render: bool,
        depth: usize,
    ) -> (Value, usize) {
        // Helm files an aliased subchart's templates under its alias.
        let view = ChartView {
            chart: sub,
            name: alias,
        };
        self.path.push(alias.to_string());
        let walked = view.walk(self, prefix, vals, top_values, render, depth);
        self.path.pop();
        walked
    }
}

struct ChartView<'a> {
    chart: &'a Chart,
    name: &'a str,
}

impl ChartView<'_> {
    fn walk(
        &self,
        w: &mut Walk,
        prefix: &str,
        vals: Value,
        top_values: &Value,
        render: bool,
        depth: usize,
    ) -> (Value, usize) {
        if self.chart.name == self.name {
            return w.chart(self.chart, prefix, vals, top_values, render, depth);
        }
        let renamed = Chart {
            name: self.name.to_string(),
            meta: self.chart.meta.clone(),
            meta_text: self.chart.meta_text.clone(),
            values: self.chart.values.clone(),
            files: self.chart.files.clone(),
            subs: self.chart.subs.iter().map(clone_chart).collect(),
            library: self.chart.library,
            dir: self.chart.dir.clone(),
        };
        w.chart(&renamed, prefix, vals, top_values, render, depth)
    }
}

fn clone_chart(c: &Chart) -> Chart {
    Chart {
        name: c.name.clone(),
        meta: c.meta.clone(),
        meta_text: c.meta_text.clone(),
        values: c.values.clone(),
        files: c.files.clone(),
        subs: c.subs.iter().map(clone_chart).collect(),
        library: c.library,
        dir: c.dir.clone(),
    }
}

/// Renders a chart with `user` values (a map, or nil for the chart's
/// defaults) over its `values.yaml`. An error for the whole chart (no
/// `Chart.yaml`, a template that does not parse, as Helm refuses the chart
/// then) is `Err`; a template that fails to execute is an error in
/// [`Rendered::templates`], and the others are still rendered.
///
/// Rendering runs on a thread of its own with a stack of [`STACK_BYTES`],
/// so that the depth limits (parse nesting, `include`/`tpl` depth, exec
/// depth) are reached before the stack's end.
pub fn render(files: &ChartFiles, user: &Value, opts: &Options) -> Result<Rendered, RenderError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("helm-render".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || render_here(files, user, opts))
            .map_err(|e| RenderError {
                template: "Chart.yaml".into(),
                file: "Chart.yaml".into(),
                line: None,
                message: format!("cannot start the rendering thread: {e}"),
            })?
            .join()
            .unwrap_or_else(|_| {
                Err(RenderError {
                    template: "Chart.yaml".into(),
                    file: "Chart.yaml".into(),
                    line: None,
                    message: "the renderer stopped unexpectedly".into(),
                })
            })
    })
}

/// [`render`], through the parse cache when there is one: a rendering of
/// the same files with the same values and options is read back rather
/// than rendered again. A chart refused whole is not kept (a time bound
/// that stopped it may not stop it the next time).
pub fn render_cached(
    files: &ChartFiles,
    user: &Value,
    opts: &Options,
    cache: Option<&crate::cache::Cache>,
) -> Result<Rendered, RenderError> {
    let Some(cache) = cache else {
        return render(files, user, opts);
    };
    let Some(key) = render_key(files, user, opts) else {
        return render(files, user, opts);
    };
    if let Some(rendered) = cache.get::<Rendered>("helm", &key) {
        return Ok(rendered);
    }
    let rendered = render(files, user, opts)?;
    cache.put("helm", &key, &rendered);
    Ok(rendered)
}

/// The cache key of a rendering: every file of the chart by path and
/// text, the values, and every option but the time bound.
fn render_key(files: &ChartFiles, user: &Value, opts: &Options) -> Option<crate::cache::Key> {
    let mut key = crate::cache::KeyBuilder::new("helm");
    key.u64(files.files.len() as u64);
    for (path, text) in &files.files {
        key.str(path)
            .bytes(blake3::hash(text.as_bytes()).as_bytes());
    }
    value_key(user, &mut key)?;
    key.str(&opts.release_name)
        .str(&opts.namespace)
        .str(&opts.kube_version)
        .u64(opts.max_output_bytes as u64)
        .u64(opts.api_versions.len() as u64);
    for api in &opts.api_versions {
        key.str(api);
    }
    Some(key.key())
}

/// Feeds `value` into `key`, each kind of value tagged, so that no two
/// values feed alike; `None` for a value holding a function (values read
/// from files hold none), which no key can tell from another.
pub(super) fn value_key(value: &Value, key: &mut crate::cache::KeyBuilder) -> Option<()> {
    match value {
        Value::Nil => key.u64(0),
        Value::Bool(b) => key.u64(1).u64(u64::from(*b)),
        Value::Int(i) => key.u64(2).bytes(&i.to_le_bytes()),
        Value::Uint(u) => key.u64(3).u64(*u),
        Value::Float(f) => key.u64(4).u64(f.to_bits()),
        Value::String(t) => key.u64(5).str(t),
        Value::List(items) => {
            key.u64(6).u64(items.len() as u64);
            for v in items.iter() {
                value_key(v, key)?;
            }
            key
        }
        Value::Map(m) => {
            let entries = m.snapshot();
            key.u64(7).u64(entries.len() as u64);
            for (k, v) in &entries {
                key.str(k);
                value_key(v, key)?;
            }
            key
        }
        Value::Function(_) => return None,
    };
    Some(())
}

/// The stack of the rendering thread.
pub const STACK_BYTES: usize = 256 << 20;

/// Why Helm renders nothing of `chart` for `opts`: a library chart, or a
/// `kubeVersion` constraint the Kubernetes version does not satisfy (as
/// `helm template` refuses it; a constraint that does not read too).
fn refusal(chart: &Chart, opts: &Options) -> Option<String> {
    if chart.library {
        return Some(format!(
            "{} is a library chart: it renders nothing on its own",
            chart.name
        ));
    }
    let constraint = chart
        .meta_text
        .get("kubeVersion")
        .filter(|c| !c.is_empty())?;
    (!funcs::semver_compare(constraint, &opts.kube_version).unwrap_or(false)).then(|| {
        format!(
            "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {}",
            opts.kube_version
        )
    })
}

/// The error of a chart whose rendering reached its time bound in the
/// template `name`.
fn out_of_time(name: &str, file: String, opts: &Options) -> RenderError {
    RenderError {
        template: name.to_string(),
        file,
        line: None,
        message: format!(
            "rendering the chart takes longer than its time bound of {} ms (stopped in this \
             template)",
            opts.time_limit.as_millis()
        ),
    }
}

fn render_here(files: &ChartFiles, user: &Value, opts: &Options) -> Result<Rendered, RenderError> {
    let chart_error = |message: String| RenderError {
        template: "Chart.yaml".into(),
        file: "Chart.yaml".into(),
        line: None,
        message,
    };
    let mut notes = Vec::new();
    let chart = load(files.clone(), "", &mut notes, 0).map_err(chart_error)?;
    if let Some(message) = refusal(&chart, opts) {
        return Err(chart_error(message));
    }
    let vals = coalesce(user, &chart.values, 0);
    let top_values = vals.clone();
    let mut walk = Walk {
        release: release_object(opts),
        capabilities: capabilities_object(opts),
        templates: Vec::new(),
        tops: Vec::new(),
        sources: BTreeMap::new(),
        path: Vec::new(),
    };
    walk.chart(&chart, "", vals, &top_values, true, 0);
    let Walk {
        mut templates,
        tops,
        sources,
        ..
    } = walk;
    let file_of = |name: &str| {
        sources
            .get(name)
            .map_or_else(|| "Chart.yaml".to_string(), |s| s.file.clone())
    };
    // Helm's order: deeper paths first, then reverse by name, so that a
    // parent's `define` (parsed later) wins over a subchart's.
    templates.sort_by(|a, b| {
        b.0.matches('/')
            .count()
            .cmp(&a.0.matches('/').count())
            .then_with(|| b.0.cmp(&a.0))
    });

    let shared = Arc::new(Shared::default());
    let fm = funcs::funcs(&shared);
    let deadline = std::time::Instant::now().checked_add(opts.time_limit);
    let mut master = Template::new("")
        .funcs(fm.clone())
        .deadline(deadline)
        .parse("")
        .map_err(|e| chart_error(e.to_string()))?;
    let mut define_file: BTreeMap<String, String> = BTreeMap::new();
    for (name, text, _, _) in &templates {
        let t = Template::new(name)
            .funcs(fm.clone())
            .parse(text)
            .map_err(|e| RenderError {
                template: name.clone(),
                file: file_of(name),
                line: None,
                message: format!("parse error: {e}"),
            })?;
        for n in t.templates() {
            if let Some(tree) = t.lookup(n) {
                define_file.insert(n.to_string(), name.clone());
                master = master.add_parse_tree(n, tree.clone());
            }
        }
    }
    let master = shared.templates.get_or_init(|| master);
    let mut out = BTreeMap::new();
    let mut total = 0usize;
    for (name, _, idx, render) in &templates {
        let base = name.rsplit('/').next().unwrap_or("");
        if !render || base.starts_with('_') || base == "NOTES.txt" {
            continue;
        }
        let Some(top) = tops.get(*idx) else { continue };
        let mut top = top.clone();
        let base_path = name
            .find("/templates/")
            .map_or(name.as_str(), |i| &name[..i + 10]);
        top.insert(
            Arc::from("Template"),
            map([
                (Arc::from("Name"), s(name)),
                (Arc::from("BasePath"), s(base_path)),
            ]
            .into()),
        );
        let r = master
            .execute_template_to_string(name, &Value::Map(MapRef::new(top)))
            .map(|t| t.replace("<no value>", ""))
            .map_err(|e| locate(e, name, &define_file))
            .map_err(|e| RenderError {
                file: file_of(&e.template),
                ..e
            });
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Err(out_of_time(name, file_of(name), opts));
        }
        if let Ok(t) = &r {
            total += t.len();
            if total > opts.max_output_bytes {
                return Err(RenderError {
                    template: name.clone(),
                    file: file_of(name),
                    line: None,
                    message: format!("the chart's output exceeds {} bytes", opts.max_output_bytes),
                });
            }
        }
        out.insert(name.clone(), r);
    }
    Ok(Rendered {
        templates: out,
        notes,
        sources,
    })
}

fn locate(e: TemplateError, template: &str, define_file: &BTreeMap<String, String>) -> RenderError {
    match e {
        TemplateError::At { name, line, error } => {
            let file = define_file.get(&name).cloned().unwrap_or(name.clone());
            let message = if file == name || name.is_empty() {
                error.to_string()
            } else {
                format!("in {name:?}: {error}")
            };
            RenderError {
                file: String::new(),
                template: if name.is_empty() {
                    template.to_string()
                } else {
                    file
                },
                line: Some(line),
                message,
            }
        }
        other => RenderError {
            file: String::new(),
            template: template.to_string(),
            line: None,
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests;
