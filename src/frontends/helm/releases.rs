//! Helm releases: which values a chart is rendered with, and where. They
//! are declared in `spof.toml` (`[[helm.release]]`, read by the config) or
//! found where the repository already says so: Argo CD `Application`s and
//! the list generators of `ApplicationSet`s whose source is a chart path,
//! Flux `HelmRelease`s whose chart comes from a `GitRepository`, and the
//! releases of a `helmfile.yaml` with a local chart. The documents holding
//! them are read by this module's documents frontend ([`FRONTEND`]), which
//! hands what it found to the Helm frontend ([`super::frontend`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::frontends::documents::Documents;
use crate::frontends::{Context, Frontend, Stage};
use crate::frontends::{appset, digest};
use crate::model::Model;
use crate::parse::tree::{Node, Value};
use crate::source::{FileId, SourceMap, Span, TextRange};
use std::path::Path;

pub use super::release::{ChartRef, Found, Layer, Release, absolute, stays_below};

/// Reads the documents that declare releases; it claims no file.
pub const FRONTEND: Frontend = Frontend {
    name: "helm-releases",
    claims: &[],
    confirms: None,
    stage: Stage::Documents {
        reads: |_, root| declares_releases(root),
        slim: None,
        extract,
    },
    caches: &[],
};

/// Whether a document declares releases this module reads: an Argo CD
/// `ApplicationSet` or a Flux `HelmRelease` (the Kubernetes frontend reads
/// `Application`s whole already), or a helmfile (no `kind`, a `releases`
/// list).
fn declares_releases(root: &Node) -> bool {
    match root.get("kind").and_then(Node::as_text) {
        Some("ApplicationSet" | "HelmRelease" | "Application" | "ConfigMap") => {
            root.get("apiVersion").is_some()
        }
        // Argo CD's cluster Secrets, for `clusters` generators.
        Some("Secret") => root
            .path(&["metadata", "labels", SECRET_TYPE])
            .and_then(Node::as_text)
            .is_some_and(|t| t == "cluster"),
        Some(_) => false,
        // A helmfile, or a state file a helmfile names as a base.
        None => {
            root.get("releases").is_some_and(Node::is_seq)
                || root.get("environments").is_some_and(Node::is_map)
                || root.get("bases").is_some_and(Node::is_seq)
        }
    }
}

fn extract(
    documents: &mut Documents<'_>,
    context: &Context<'_>,
    _model: &mut Model,
) -> Vec<Diagnostic> {
    let sources = context.sources;
    let mut found = Found::default();
    let config_maps = ConfigMaps::new(documents);
    let mut notes = Vec::new();
    for file in &documents.files {
        let path = &sources.get(file.file).path;
        let dir = absolute(path.parent().unwrap_or(Path::new("")));
        let helmfile = path
            .file_name()
            .is_some_and(|n| n == "helmfile.yaml" || n == "helmfile.yml");
        let at = Declaring {
            file: file.file,
            cluster: file.cluster,
            dir: &dir,
            sources,
            clusters: context.cluster_names,
        };
        if helmfile {
            at.helmfile_state(file.docs, documents, &mut found, &mut notes);
            continue;
        }
        for doc in file.docs {
            let root = &doc.root;
            let api = root.get("apiVersion").and_then(Node::as_text).unwrap_or("");
            match root.get("kind").and_then(Node::as_text) {
                Some("Application") if api.starts_with("argoproj.io/") => {
                    at.argo_application(root, &mut found);
                }
                Some("ApplicationSet") if api.starts_with("argoproj.io/") => {
                    let clusters = argo_clusters(documents, file.cluster);
                    at.argo_application_set(root, &clusters, &mut found, &mut notes);
                }
                Some("HelmRelease") if api.starts_with("helm.toolkit.fluxcd.io/") => {
                    at.flux_release(root, &config_maps, &mut found);
                }
                _ => {}
            }
        }
    }
    documents.handed.releases = found;
    notes
}

/// The file declaring releases, and what it needs to read them.
struct Declaring<'a> {
    file: FileId,
    cluster: Option<usize>,
    dir: &'a Path,
    sources: &'a SourceMap,
    clusters: &'a [String],
}

impl Declaring<'_> {
    fn span_at(&self, range: TextRange) -> Span {
        Span::new(self.file, range)
    }

    fn span(&self, node: &Node) -> Span {
        Span::new(self.file, node.range)
    }

    /// An Argo CD `Application` whose source (or one of whose `sources`)
    /// is a chart path: `spec.source.path` with `helm` settings.
    fn argo_application(&self, root: &Node, found: &mut Found) {
        let Some(spec) = root.get("spec") else { return };
        let name_node = root.path(&["metadata", "name"]);
        let name = name_node.and_then(Node::as_text).unwrap_or("");
        let sources: Vec<&Node> = match spec.get("source") {
            Some(s) => vec![s],
            None => spec
                .get("sources")
                .map_or(Vec::new(), |s| s.as_seq().iter().collect()),
        };
        let destination = spec.get("destination");
        let namespace = destination
            .and_then(|d| d.get("namespace"))
            .and_then(Node::as_text)
            .unwrap_or("default");
        let cluster = destination.and_then(|d| self.argo_cluster(d));
        for source in sources {
            let Some(path) = source.get("path").and_then(Node::as_text) else {
                continue;
            };
            // A `directory` or `kustomize` source is not a chart; a `path`
            // without a Chart.yaml is found to be none when it is searched.
            if source.get("directory").is_some() || source.get("kustomize").is_some() {
                continue;
            }
            let helm = source.get("helm");
            let release_name = helm
                .and_then(|h| h.get("releaseName"))
                .and_then(Node::as_text)
                .unwrap_or(name);
            let declared = name_node.map_or(self.span(source), |n| self.span(n));
            let mut release = Release {
                chart: ChartRef::Search {
                    from: self.dir.to_path_buf(),
                    path: path.to_string(),
                },
                name: release_name.to_string(),
                namespace: namespace.to_string(),
                layers: Vec::new(),
                cluster,
                declared,
                by: "Argo CD Application",
                unreadable: None,
            };
            if let Some(helm) = helm {
                self.argo_values(helm, &mut release);
            }
            found.releases.push(release);
        }
    }

    /// The configured cluster an Argo CD destination names: its `name`, or
    /// the cluster of the Application's own file for the cluster Argo CD
    /// runs in (`in-cluster`, `https://kubernetes.default.svc`).
    fn argo_cluster(&self, destination: &Node) -> Option<usize> {
        let name = destination.get("name").and_then(Node::as_text);
        let server = destination.get("server").and_then(Node::as_text);
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            if let Some(i) = self.clusters.iter().position(|c| c == name) {
                return Some(i);
            }
            return (name == "in-cluster").then_some(self.cluster).flatten();
        }
        match server {
            Some("https://kubernetes.default.svc" | "") | None => self.cluster,
            Some(_) => None,
        }
    }

    /// `valueFiles`, `values`, `valuesObject` and `parameters`, in Argo
    /// CD's precedence (the last wins).
    fn argo_values(&self, helm: &Node, release: &mut Release) {
        for file in helm.get("valueFiles").map_or(&[][..], Node::as_seq) {
            let Some(path) = file.as_text() else { continue };
            if path.starts_with('$') || path.contains("://") || !stays_below_chart(path) {
                release.unreadable.get_or_insert((
                    self.span(file),
                    format!("values file `{path}` comes from another source"),
                ));
                continue;
            }
            release.layers.push(Layer::ChartFile {
                path: path.to_string(),
                named: self.span(file),
            });
        }
        if let Some(values) = helm.get("values") {
            match values.as_text() {
                Some(_) => release.layers.push(self.block(values)),
                None if values.is_map() => {
                    release.layers.push(Layer::Tree(self.file, values.clone()));
                }
                None => {}
            }
        }
        if let Some(values) = helm.get("valuesObject").filter(|v| v.is_map()) {
            release.layers.push(Layer::Tree(self.file, values.clone()));
        }
        let parameters = helm.get("parameters").map_or(&[][..], Node::as_seq);
        let set: Vec<(&Node, &Node, bool)> = parameters
            .iter()
            .filter_map(|p| {
                let force = p.get("forceString").and_then(Node::as_bool) == Some(true);
                Some((p.get("name")?, p.get("value")?, force))
            })
            .collect();
        self.set(&set, release);
    }

    /// `--set`-style values (`name: image.tag`, `value: "1.2"`), as one
    /// tree whose leaves are the values where they are written. A name
    /// with a list index or an escaped dot is not read: the release is then
    /// not rendered.
    fn set(&self, set: &[(&Node, &Node, bool)], release: &mut Release) {
        let mut entries: Vec<(Vec<&str>, &Node, Node)> = Vec::new();
        for (name, value, force) in set {
            let Some(path) = name.as_text() else { continue };
            if path.contains(['[', '\\']) || path.split('.').any(str::is_empty) {
                release.unreadable.get_or_insert((
                    self.span(name),
                    format!("parameter `{path}` is not read (list indexes and escaped dots are not supported)"),
                ));
                continue;
            }
            let text = value.as_str().unwrap_or("");
            // `--set` types a value as YAML reads a plain scalar, unless
            // the string is forced.
            let leaf = Node::scalar(value.range, text, !force);
            entries.push((path.split('.').collect(), name, leaf));
        }
        if !entries.is_empty() {
            release
                .layers
                .push(Layer::Tree(self.file, nest(&entries, 0)));
        }
    }

    /// A block of YAML text in a string (Argo CD's `helm.values`, a
    /// ConfigMap's `values.yaml`): with its positions in this file when it
    /// is a literal block (`|`), else applied without positions.
    fn block(&self, node: &Node) -> Layer {
        let text = node.as_str().unwrap_or("");
        let (docs, error) = crate::parse::yaml::parse_stream(text, &Default::default());
        let Some(mut root) = docs
            .into_iter()
            .next()
            .map(|d| d.root)
            .filter(|_| error.is_none())
        else {
            return Layer::Loose(Node::scalar(node.range, "", true));
        };
        let file = self.sources.get(self.file).text();
        if crate::parse::block::relocate(&mut root, file, node.range, text) {
            Layer::Tree(self.file, root)
        } else {
            Layer::Loose(root)
        }
    }

    /// A Flux `HelmRelease` whose chart is a path of a `GitRepository`.
    fn flux_release(&self, root: &Node, config_maps: &ConfigMaps<'_>, found: &mut Found) {
        let Some(spec) = root.get("spec") else { return };
        let Some(chart) = spec.path(&["chart", "spec"]) else {
            return;
        };
        let kind = chart.path(&["sourceRef", "kind"]).and_then(Node::as_text);
        if kind != Some("GitRepository") {
            return;
        }
        let Some(path) = chart.get("chart").and_then(Node::as_text) else {
            return;
        };
        let name_node = root.path(&["metadata", "name"]);
        let name = name_node.and_then(Node::as_text).unwrap_or("");
        let own_namespace = root
            .path(&["metadata", "namespace"])
            .and_then(Node::as_text)
            .unwrap_or("default");
        let target = spec.get("targetNamespace").and_then(Node::as_text);
        let release_name = spec
            .get("releaseName")
            .and_then(Node::as_text)
            .map(str::to_string)
            .unwrap_or_else(|| match target {
                Some(t) => format!("{t}-{name}"),
                None => name.to_string(),
            });
        let mut release = Release {
            chart: ChartRef::Search {
                from: self.dir.to_path_buf(),
                path: path.to_string(),
            },
            name: release_name,
            namespace: target.unwrap_or(own_namespace).to_string(),
            layers: Vec::new(),
            cluster: self.cluster,
            declared: name_node.map_or(self.span(root), |n| self.span(n)),
            by: "Flux HelmRelease",
            unreadable: None,
        };
        if let Some(files) = chart.get("valuesFiles") {
            for file in files.as_seq() {
                let Some(p) = file.as_text() else { continue };
                if !stays_below_chart(p) {
                    release.unreadable.get_or_insert((
                        self.span(file),
                        format!("values file `{p}` is outside the chart"),
                    ));
                    continue;
                }
                release.layers.push(Layer::ChartFile {
                    path: p.to_string(),
                    named: self.span(file),
                });
            }
        }
        for from in spec.get("valuesFrom").map_or(&[][..], Node::as_seq) {
            self.values_from(from, own_namespace, config_maps, &mut release);
        }
        if let Some(values) = spec.get("values").filter(|v| v.is_map()) {
            release.layers.push(Layer::Tree(self.file, values.clone()));
        }
        found.releases.push(release);
    }

    /// One `valuesFrom` entry: a ConfigMap of the run, in the release's
    /// namespace, whose `valuesKey` (default `values.yaml`) holds values.
    /// A Secret, or a ConfigMap the run does not hold, leaves the release
    /// unread unless the entry is `optional`.
    fn values_from(
        &self,
        from: &Node,
        namespace: &str,
        config_maps: &ConfigMaps<'_>,
        release: &mut Release,
    ) {
        let kind = from.get("kind").and_then(Node::as_text).unwrap_or("");
        let name = from.get("name").and_then(Node::as_text).unwrap_or("");
        let key = from
            .get("valuesKey")
            .and_then(Node::as_text)
            .unwrap_or("values.yaml");
        let optional = from.get("optional").and_then(Node::as_bool) == Some(true);
        let held = (kind == "ConfigMap" && from.get("targetPath").is_none())
            .then(|| config_maps.find(name, namespace, self.file))
            .flatten()
            .and_then(|(file, cm)| Some((file, cm.path(&["data", key])?)));
        match held {
            Some((file, node)) => {
                let at = Declaring { file, ..*self };
                release.layers.push(at.block(node));
            }
            None if optional => {}
            None => {
                release.unreadable.get_or_insert((
                    self.span(from),
                    format!(
                        "valuesFrom {kind} `{name}` (key `{key}`) is not a ConfigMap of the \
                         repository spof reads"
                    ),
                ));
            }
        }
    }

    /// The releases of a helmfile, once for each of its environments
    /// (from its documents and its `bases`), else once; a base's own
    /// releases are not read (a note says so), nor is a base that is not
    /// among the checked files.
    fn helmfile_state(
        &self,
        own: &[crate::parse::Document],
        documents: &Documents<'_>,
        found: &mut Found,
        notes: &mut Vec<Diagnostic>,
    ) {
        let mut missing = Vec::new();
        let state = super::helmfile::state(own, self.dir, documents, self.sources, &mut missing);
        for (range, path) in missing {
            notes.push(not_rendered(
                Span::new(self.file, range),
                format!(
                    "helmfile base `{path}` not read: it is not among the checked files, or \
                     leaves the helmfile's directory"
                ),
            ));
        }
        for (base, root) in &state {
            if let Some(base) = base
                && let Some(releases) = root.get("releases").filter(|r| !r.as_seq().is_empty())
            {
                notes.push(not_rendered(
                    Span::new(*base, releases.range),
                    "releases of a helmfile base are not read; declare them in the helmfile"
                        .to_string(),
                ));
            }
        }
        let environments = super::helmfile::environments(&state, self.file, self.dir, self.sources);
        for doc in own {
            if environments.is_empty() {
                self.helmfile(&doc.root, None, found);
            }
            for environment in &environments {
                self.helmfile(&doc.root, Some(environment), found);
            }
        }
    }

    /// The releases of a helmfile with a local chart (`./charts/shop`):
    /// their `values` (files relative to the helmfile, or inline maps) and
    /// `set` entries, for `environment` (its templated fields rendered for
    /// it) or, in a helmfile without environments, as written. A release
    /// whose fields are templated in a helmfile without environments, or do
    /// not render, is not read.
    fn helmfile(
        &self,
        root: &Node,
        environment: Option<&super::helmfile::Environment>,
        found: &mut Found,
    ) {
        for written in root.get("releases").map_or(&[][..], Node::as_seq) {
            let mut failed = None;
            let rendered = match environment {
                Some(env) => super::helmfile::render(written, env).unwrap_or_else(|(at, e)| {
                    failed = Some((
                        self.span_at(at),
                        format!(
                            "the release does not render for environment `{}`: {e}",
                            env.name
                        ),
                    ));
                    written.clone()
                }),
                None => written.clone(),
            };
            let entry = &rendered;
            let Some(chart) = entry.get("chart").and_then(Node::as_text) else {
                continue;
            };
            if !(chart.starts_with("./") || chart.starts_with("../")) && chart.contains('/') {
                // `repo/chart`: from a Helm repository.
                continue;
            }
            if entry.get("installed").and_then(Node::as_bool) == Some(false) {
                continue;
            }
            let name_node = entry.get("name");
            let mut release = Release {
                chart: ChartRef::Exact(self.dir.join(chart)),
                name: name_node.and_then(Node::as_text).unwrap_or("").to_string(),
                namespace: entry
                    .get("namespace")
                    .and_then(Node::as_text)
                    .unwrap_or("default")
                    .to_string(),
                layers: Vec::new(),
                cluster: self.cluster,
                declared: name_node.map_or(self.span(entry), |n| self.span(n)),
                by: "helmfile release",
                unreadable: None,
            };
            if !stays_below(chart) {
                release.unreadable = Some((
                    self.span(entry),
                    format!("chart `{chart}` is outside the helmfile's directory"),
                ));
            }
            if let Some(templated) = templated(entry) {
                release.unreadable = Some((
                    self.span(templated),
                    "the release is templated ({{ }}), which spof evaluates only for a helmfile \
                     with environments"
                        .into(),
                ));
            }
            if let Some(env) = environment
                && let Some((file, range, message)) = &env.unreadable
            {
                release.unreadable = Some((Span::new(*file, *range), message.clone()));
            }
            if failed.is_some() {
                release.unreadable = failed;
            }
            self.helmfile_values(entry, &mut release);
            found.releases.push(release);
        }
    }

    fn helmfile_values(&self, entry: &Node, release: &mut Release) {
        for value in entry.get("values").map_or(&[][..], Node::as_seq) {
            match value.as_text() {
                Some(path) if stays_below(path) => release.layers.push(Layer::File {
                    path: crate::discover::lexical_normalize(&self.dir.join(path)),
                    named: self.span(value),
                }),
                Some(path) => {
                    release.unreadable.get_or_insert((
                        self.span(value),
                        format!("values file `{path}` is outside the helmfile's directory"),
                    ));
                }
                None if value.is_map() => {
                    release.layers.push(Layer::Tree(self.file, value.clone()));
                }
                None => {}
            }
        }
        let set: Vec<(&Node, &Node, bool)> = entry
            .get("set")
            .map_or(&[][..], Node::as_seq)
            .iter()
            .filter_map(|s| Some((s.get("name")?, s.get("value")?, false)))
            .collect();
        self.set(&set, release);
    }

    /// An `ApplicationSet`: one Application per parameter set of its
    /// generators ([`appset::generate`]), its template's parameters
    /// replaced. A generator spof does not read is a note.
    fn argo_application_set(
        &self,
        root: &Node,
        clusters: &[appset::Cluster],
        found: &mut Found,
        notes: &mut Vec<Diagnostic>,
    ) {
        let Some(spec) = root.get("spec") else { return };
        let run = appset::Run {
            sources: self.sources,
            file: self.file,
        };
        let generated = appset::generate(spec, clusters, Some(&run));
        let name = root
            .path(&["metadata", "name"])
            .and_then(Node::as_text)
            .unwrap_or("");
        for (key, generator) in generated.unread {
            notes.push(not_read(
                self.span(key),
                format!(
                    "Argo CD ApplicationSet `{name}`: its `{generator}` generator is not read (its parameters come from outside the repository)"
                ),
            ));
        }
        for params in &generated.sets {
            let Some(app) = appset::application(spec, params) else {
                return;
            };
            if templated(&app).is_some() {
                continue;
            }
            let mut one = Found::default();
            self.argo_application(&app, &mut one);
            for mut release in one.releases {
                release.by = "Argo CD ApplicationSet";
                found.releases.push(release);
            }
        }
    }
}

/// Whether a path written relative to a chart (`values-prod.yaml`,
/// `../common/values.yaml`) names something in the repository: relative,
/// and no more `..` than a chart path may take it up (one level below the
/// repository, at least).
fn stays_below_chart(path: &str) -> bool {
    !Path::new(path).has_root() && !path.contains("://")
}

/// The first scalar of `node` that is still templated (`{{`).
fn templated(node: &Node) -> Option<&Node> {
    match &node.value {
        Value::Scalar { text, .. } => text.contains("{{").then_some(node),
        Value::Seq(items) => items.iter().find_map(templated),
        Value::Map(entries) => entries
            .iter()
            .find_map(|(k, v)| templated(k).or_else(|| templated(v))),
    }
}

/// A tree of mappings from dotted paths: `image.tag` and `image.pull`
/// under one `image`. Of two entries for one path, the last wins.
fn nest(entries: &[(Vec<&str>, &Node, Node)], depth: usize) -> Node {
    let mut keys: Vec<&str> = Vec::new();
    for (path, _, _) in entries {
        if let Some(k) = path.get(depth)
            && !keys.contains(k)
        {
            keys.push(k);
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let under: Vec<&(Vec<&str>, &Node, Node)> = entries
            .iter()
            .filter(|(p, _, _)| p.get(depth) == Some(&key))
            .collect();
        let Some(last) = under.last() else { continue };
        let key_node = Node::scalar(last.1.range, key, true);
        let leaf = under.iter().rev().find(|(p, _, _)| p.len() == depth + 1);
        let deeper: Vec<(Vec<&str>, &Node, Node)> = under
            .iter()
            .filter(|(p, _, _)| p.len() > depth + 1)
            .map(|(p, n, l)| (p.clone(), *n, l.clone()))
            .collect();
        let value = match leaf {
            // A scalar set after the deeper paths replaces them.
            Some(l) if deeper.is_empty() || std::ptr::eq(*l, *last) => l.2.clone(),
            _ => nest(&deeper, depth + 1),
        };
        out.push((key_node, value));
    }
    Node {
        range: TextRange::empty(0),
        value: Value::Map(out.into_boxed_slice()),
    }
}

/// The ConfigMaps among the documents, for `valuesFrom`.
struct ConfigMaps<'d> {
    maps: Vec<(FileId, &'d Node)>,
}

impl<'d> ConfigMaps<'d> {
    fn new(documents: &'d Documents<'_>) -> Self {
        let mut maps = Vec::new();
        for file in &documents.files {
            for doc in file.docs {
                if doc.root.get("kind").and_then(Node::as_text) == Some("ConfigMap") {
                    maps.push((file.file, &doc.root));
                }
            }
        }
        Self { maps }
    }

    /// The ConfigMap `name` in `namespace` (one without a namespace is in
    /// any); of several, the one in the referring file, else the first.
    fn find(&self, name: &str, namespace: &str, from: FileId) -> Option<(FileId, &'d Node)> {
        let matching: Vec<&(FileId, &Node)> = self
            .maps
            .iter()
            .filter(|(_, m)| {
                m.path(&["metadata", "name"]).and_then(Node::as_text) == Some(name)
                    && m.path(&["metadata", "namespace"])
                        .and_then(Node::as_text)
                        .is_none_or(|n| n == namespace)
            })
            .collect();
        matching
            .iter()
            .find(|(f, _)| *f == from)
            .or_else(|| matching.first())
            .map(|(f, m)| (*f, *m))
    }
}

/// The label that makes a Secret one of Argo CD's clusters.
const SECRET_TYPE: &str = "argocd.argoproj.io/secret-type";

/// The Argo CD clusters of the cluster Secrets among the documents of the
/// configured cluster `cluster`.
fn argo_clusters(documents: &Documents<'_>, cluster: Option<usize>) -> Vec<appset::Cluster> {
    let mut out = Vec::new();
    for file in documents.files.iter().filter(|f| f.cluster == cluster) {
        for doc in file.docs {
            let root = &doc.root;
            if root.get("kind").and_then(Node::as_text) != Some("Secret")
                || !declares_releases(root)
            {
                continue;
            }
            let value = |key: &str| -> Option<String> {
                if let Some(v) = root.path(&["stringData", key]).and_then(Node::as_text) {
                    return Some(v.trim().to_string());
                }
                let encoded = root.path(&["data", key]).and_then(Node::as_text)?;
                String::from_utf8(digest::base64_decode(encoded.trim())?).ok()
            };
            let Some(server) = value("server") else {
                continue;
            };
            let pairs = |what: &str| -> Vec<(String, String)> {
                root.path(&["metadata", what])
                    .map_or(&[][..], Node::as_map)
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((k.as_text()?.to_string(), v.as_text()?.trim().to_string()))
                    })
                    .collect()
            };
            out.push(appset::Cluster {
                name: value("name").unwrap_or_default(),
                server,
                labels: pairs("labels"),
                annotations: pairs("annotations"),
            });
        }
    }
    out
}

/// An info note: a generator of an `ApplicationSet` that is not read.
pub fn not_read(span: Span, message: String) -> Diagnostic {
    let mut d = Diagnostic::error("applicationset-generator-not-read", span, message)
        .with_label("not read");
    d.severity = Severity::Info;
    d
}

/// An info note: a release that is declared but not rendered, and why.
pub fn not_rendered(span: Span, message: String) -> Diagnostic {
    let mut d =
        Diagnostic::error("helm-release-not-rendered", span, message).with_label("not rendered");
    d.severity = Severity::Info;
    d
}
