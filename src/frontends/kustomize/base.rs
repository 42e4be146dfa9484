//! What every step of a build shares: the files a build may read ([`Tree`]),
//! the objects it builds ([`Resource`]), the build's state ([`Build`]) with
//! its reading and reporting, and the target selector of patches and
//! replacements. The steps (generators, transformers, charts, replacements)
//! and the build's order (`build.rs`) sit above it.

use super::FILE_NAMES;
use super::merge::{self, key, string};
use super::space::{Space, shifted};
use crate::diagnostic::Diagnostic;
use crate::model::{KustomizeGap, Unfollowed, UnfollowedModule};
use crate::parse::yaml::{Limits, parse_stream};
use crate::parse::{Document, Node};
use crate::source::{FileId, SourceMap, Span, TextRange};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// The largest data file (a generator's `files` or `envs`, a chart's
/// values file) a build reads from disk.
pub const MAX_DATA_BYTES: u64 = 1 << 20;

/// Reads a data file from disk for [`Tree::data`]: never through a
/// symbolic link, at most [`MAX_DATA_BYTES`], UTF-8 text only.
pub fn read_data(path: &Path) -> Option<String> {
    crate::discover::read_unfollowed(path, MAX_DATA_BYTES)?.ok()
}

/// The files a build may read: the run's YAML and JSON files, by path.
pub struct Tree<'a> {
    pub(super) files: HashMap<PathBuf, (FileId, &'a [Document])>,
    pub(super) dirs: HashSet<PathBuf>,
    pub sources: &'a SourceMap,
    /// The directory every file of the run is in: nothing outside it is read.
    top: PathBuf,
    /// Reads a file that is no YAML or JSON input (a generator's
    /// `.properties` or `.env` file), when the caller can.
    pub data: Option<&'a DataReader>,
}

/// Reads the text of a file the build names, when the caller can.
pub type DataReader = dyn Fn(&Path) -> Option<String>;

/// Lexically normalised: `a/./b/../c` is `a/c`; leading `..` are kept.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() && out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

impl<'a> Tree<'a> {
    pub fn new(
        files: impl IntoIterator<Item = (FileId, &'a [Document])>,
        sources: &'a SourceMap,
    ) -> Self {
        let mut map = HashMap::new();
        let mut dirs = HashSet::new();
        let mut top: Option<PathBuf> = None;
        for (file, docs) in files {
            let path = normalize(&sources.get(file).path);
            let mut dir = path.parent();
            top = Some(match top {
                None => dir.map(Path::to_path_buf).unwrap_or_default(),
                Some(t) => common(&t, dir.unwrap_or(Path::new(""))),
            });
            while let Some(d) = dir {
                if !dirs.insert(d.to_path_buf()) {
                    break;
                }
                dir = d.parent();
            }
            map.insert(path, (file, docs));
        }
        Self {
            files: map,
            dirs,
            sources,
            top: top.unwrap_or_default(),
            data: None,
        }
    }

    /// The kustomization file of `dir`, if any.
    pub fn kustomization(&self, dir: &Path) -> Option<(PathBuf, FileId, &'a Node)> {
        let dir = normalize(dir);
        FILE_NAMES.iter().find_map(|name| {
            let path = dir.join(name);
            let (file, docs) = self.files.get(&path)?;
            Some((path, *file, &docs.first()?.root))
        })
    }

    /// Every kustomization of the tree, by path.
    pub fn kustomizations(&self) -> Vec<(PathBuf, FileId, &'a Node)> {
        let mut found: Vec<_> = self
            .files
            .iter()
            .filter(|(p, _)| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(super::is_kustomization_file_name)
            })
            .filter_map(|(p, (file, docs))| Some((p.clone(), *file, &docs.first()?.root)))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        // One kustomization a directory, as kustomize reads them.
        found.dedup_by(|b, a| a.0.parent() == b.0.parent());
        found
    }

    fn escapes(&self, path: &Path) -> bool {
        path.starts_with("..") || !path.starts_with(&self.top)
    }
}

fn common(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

/// Whether a resource entry names something remote (kustomize would fetch
/// it).
pub fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
        || entry.starts_with("git@")
        || entry.contains("?ref=")
        || entry.contains(".git//")
}

/// One object of a build, and what its name was before this build changed
/// it.
#[derive(Debug, Clone)]
pub struct Resource {
    pub node: Node,
    /// Names the object had, oldest first (for patches and `replicas`
    /// entries that name it as a base did).
    pub names: Vec<String>,
    /// Kinds the object had before a patch changed it (`allowKindChange`).
    pub kinds: Vec<String>,
    /// Made by a generator, with a hash suffix to come.
    pub hashed: bool,
    /// A generator's `behavior` other than `create`.
    pub behavior: Option<String>,
    /// Where it came from, for `buildMetadata: [originAnnotations]`.
    pub origin: Option<Origin>,
    /// The kustomizations whose prefix or suffix transformer ran on it
    /// (the kustomization file, the transformer's kind), in order.
    pub transformations: Vec<(PathBuf, &'static str)>,
    /// The values a patch or a `replicas:` entry wrote over others, with
    /// the lines they replaced.
    pub replaced: Vec<Replaced>,
}

/// A value of a built object written over others: where it is (a range of
/// the space), and each line it replaced, the nearest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub written: TextRange,
    pub lines: Vec<ReplacedLine>,
}

/// A line whose value something later in the build replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacedLine {
    /// The value's range, and its key's (of the space).
    pub value: TextRange,
    pub key: Option<TextRange>,
    /// `replicas: 3`.
    pub text: String,
    /// What replaced it: "a patch", "a `replicas:` entry".
    pub by: &'static str,
}

/// How many replaced lines a value keeps (a build nests at most 32
/// kustomizations deep, each of which may patch a value more than once).
const MAX_REPLACED: usize = 64;

impl Resource {
    pub fn new(node: Node) -> Self {
        let name = name_of(&node).unwrap_or_default().to_string();
        Self {
            node,
            names: vec![name],
            kinds: Vec::new(),
            hashed: false,
            behavior: None,
            origin: None,
            transformations: Vec::new(),
            replaced: Vec::new(),
        }
    }

    /// Notes the values `by` wrote over others: each keeps the line it
    /// replaced, then the lines that one had replaced.
    pub fn note(&mut self, overwrites: Vec<merge::Overwrite>, by: &'static str) {
        for o in overwrites {
            let mut lines = vec![ReplacedLine {
                value: o.old,
                key: o.old_key,
                text: o.text,
                by,
            }];
            if let Some(before) = self.replaced.iter().find(|r| r.written == o.old) {
                lines.extend(before.lines.iter().cloned());
            }
            lines.truncate(MAX_REPLACED);
            self.replaced.retain(|r| r.written != o.new);
            self.replaced.push(Replaced {
                written: o.new,
                lines,
            });
        }
    }

    pub fn kind(&self) -> &str {
        self.node
            .get("kind")
            .and_then(Node::as_text)
            .unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        name_of(&self.node).unwrap_or_default()
    }

    pub fn namespace(&self) -> &str {
        self.node
            .path(&["metadata", "namespace"])
            .and_then(Node::as_text)
            .unwrap_or_default()
    }

    /// Whether the object is, or once was, of kind `kind`.
    pub fn of_kind(&self, kind: &str) -> bool {
        self.kind() == kind || self.kinds.iter().any(|k| k == kind)
    }

    /// Whether the object is, or once was, named `name`.
    pub fn named(&self, name: &str) -> bool {
        self.name() == name || self.names.iter().any(|n| n == name)
    }
}

pub fn name_of(node: &Node) -> Option<&str> {
    node.path(&["metadata", "name"]).and_then(Node::as_text)
}

/// One build of a root kustomization.
pub struct Build<'t, 'a> {
    pub tree: &'t Tree<'a>,
    pub space: Space,
    pub diagnostics: Vec<Diagnostic>,
    /// The parts of the build that are not built (remote resources and
    /// patches, plugins): SPOF022 findings, as a chart's dependency that is
    /// not vendored is.
    pub unfollowed: Vec<UnfollowedModule>,
    /// The charts `helmCharts` rendered (directories, lexically
    /// normalised).
    pub charts: Vec<PathBuf>,
    /// Where the values of those charts' templates were set.
    pub value_lines: Vec<crate::model::ValueLine>,
    /// Every file the build read.
    pub read: BTreeSet<FileId>,
    /// The kustomizations being built, outermost first.
    pub(super) stack: Vec<PathBuf>,
    /// The `vars` declared by the kustomizations built so far.
    pub vars: Vec<Var>,
    /// The custom field specifications of the kustomization being built,
    /// with those of the kustomizations it builds on.
    pub config: super::config::Config,
}

/// A kustomization being built: its directory, file and tree (in the
/// space).
pub struct Kz<'n> {
    pub dir: PathBuf,
    /// Its kustomization file's path.
    pub path: PathBuf,
    pub file: FileId,
    pub node: &'n Node,
}

impl<'t, 'a> Build<'t, 'a> {
    pub fn new(tree: &'t Tree<'a>) -> Self {
        Self {
            tree,
            space: Space::default(),
            diagnostics: Vec::new(),
            unfollowed: Vec::new(),
            charts: Vec::new(),
            value_lines: Vec::new(),
            read: BTreeSet::new(),
            stack: Vec::new(),
            vars: Vec::new(),
            config: super::config::Config::default(),
        }
    }

    /// A `kustomize` error at `span` (of the space).
    pub fn error(&mut self, span: TextRange, message: String, label: &str) {
        let span = self.space.resolve(Span::new(super::space::VIRTUAL, span));
        self.diagnostics
            .push(Diagnostic::error("kustomize-error", span, message).with_label(label));
    }

    /// A part of the build at `span` (of the space) that is not built.
    pub fn unfollowed(&mut self, span: TextRange, gap: KustomizeGap, module: &str, source: &str) {
        let span = self.space.resolve(Span::new(super::space::VIRTUAL, span));
        self.unfollowed.push(UnfollowedModule {
            module: module.to_string(),
            source: source.to_string(),
            remote: true,
            kind: Unfollowed::Kustomize(gap),
            span,
        });
    }

    /// `node` of `file`, in the space; `None` when the space is full.
    pub fn place(&mut self, file: FileId, node: &Node) -> Option<Node> {
        let len = self.tree.sources.get(file).len();
        let offset = self.space.offset(file, len)?;
        self.read.insert(file);
        Some(shifted(node, offset))
    }

    /// The directory or file `entry` names, relative to the kustomization;
    /// `None`, with an error, when it is outside the scanned tree.
    pub fn local(&mut self, kz: &Kz<'_>, entry: &str, at: TextRange) -> Option<PathBuf> {
        let path = normalize(&kz.dir.join(entry.trim()));
        if self.tree.escapes(&path) {
            self.error(
                at,
                format!("`{entry}` is outside the scanned tree: it is not read"),
                "outside the tree",
            );
            return None;
        }
        Some(path)
    }

    /// The documents of the file `path` of a kustomization, in the space.
    pub fn file_docs(&mut self, kz: &Kz<'_>, entry: &str, at: TextRange) -> Option<Vec<Node>> {
        if is_remote(entry) {
            self.unfollowed(at, KustomizeGap::Patch, "remote patch", entry);
            return None;
        }
        let path = self.local(kz, entry, at)?;
        let Some((file, docs)) = self.tree.files.get(&path).copied() else {
            self.error(
                at,
                format!("`{entry}` is not a file spof reads"),
                "not found",
            );
            return None;
        };
        docs.iter().map(|d| self.place(file, &d.root)).collect()
    }

    /// The documents of YAML text written inline in a kustomization, at
    /// `node` (a scalar of the kustomization `kz`): ranges point into the
    /// kustomization where its lines are the text's lines, else at the
    /// scalar.
    pub fn inline_docs(&mut self, kz: &Kz<'_>, node: &Node) -> Vec<Node> {
        let Some(text) = node.as_str() else {
            return Vec::new();
        };
        let (docs, error) = parse_stream(text, &Limits::default());
        if let Some(e) = error {
            self.error(
                node.range,
                format!("cannot parse the inline patch: {}", e.message),
                "inline patch",
            );
            return Vec::new();
        }
        let source = self.tree.sources.get(kz.file).text();
        let local = self
            .space
            .resolve(Span::new(super::space::VIRTUAL, node.range))
            .range;
        let lines = inline_lines(source, local, text);
        docs.into_iter()
            .map(|d| {
                let mut root = d.root;
                relocate(&mut root, lines.as_deref(), node.range, local.start);
                root
            })
            .collect()
    }
}

/// Of each line of `text` (a block scalar written at `range` of `source`),
/// where it starts in `source`, when every line is written there as is
/// (the scalar's indentation removed).
fn inline_lines(source: &str, range: TextRange, text: &str) -> Option<Vec<(usize, usize)>> {
    let start = range.start as usize;
    let written = source.get(start..range.end as usize)?;
    // From the line after the indicator (`|-`), or from the start of the
    // line the content starts on.
    let mut file_at = if written.starts_with(['|', '>']) {
        start + written.find('\n')? + 1
    } else {
        source.get(..start)?.rfind('\n').map_or(0, |i| i + 1)
    };
    let indent = source
        .get(file_at..)?
        .lines()
        .find(|l| !l.trim().is_empty())
        .map_or(0, |l| l.len() - l.trim_start().len());
    let mut starts = Vec::new();
    let mut text_at = 0;
    for line in text.split_inclusive('\n') {
        let file_line = source.get(file_at..)?.split_inclusive('\n').next()?;
        let offset = if file_line.trim().is_empty() {
            file_line.len() - file_line.trim_start_matches(' ').len()
        } else {
            indent
        };
        let content = file_line.get(offset..)?;
        if content.trim_end_matches(['\n', '\r']) != line.trim_end_matches(['\n', '\r']) {
            return None;
        }
        starts.push((text_at, file_at + offset));
        text_at += line.len();
        file_at += file_line.len();
    }
    Some(starts)
}

/// Moves the ranges of a tree parsed from inline text to the space.
fn relocate(node: &mut Node, lines: Option<&[(usize, usize)]>, whole: TextRange, base: u32) {
    let at = |offset: u32| -> Option<u32> {
        let lines = lines?;
        let i = lines
            .partition_point(|(t, _)| *t as u32 <= offset)
            .checked_sub(1)?;
        let (t, f) = lines[i];
        let file = f + (offset as usize - t);
        // From the kustomization's byte to the space's.
        u32::try_from(file).ok().map(|f| f - base + whole.start)
    };
    node.range = match (at(node.range.start), at(node.range.end)) {
        (Some(s), Some(e)) if s <= e => TextRange { start: s, end: e },
        _ => whole,
    };
    match &mut node.value {
        crate::parse::tree::Value::Seq(items) => {
            items
                .iter_mut()
                .for_each(|n| relocate(n, lines, whole, base));
        }
        crate::parse::tree::Value::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                relocate(k, lines, whole, base);
                relocate(v, lines, whole, base);
            }
        }
        crate::parse::tree::Value::Scalar { .. } => {}
    }
}

/// The objects of a document: itself, or the items of a `List`.
pub(super) fn objects_of(node: Node, out: &mut Vec<Resource>) {
    match node.get("kind").and_then(Node::as_text) {
        Some(k) if k.ends_with("List") && node.get("items").is_some_and(Node::is_seq) => {
            for item in node.get("items").map(Node::as_seq).unwrap_or_default() {
                objects_of(item.clone(), out);
            }
        }
        Some(_) => {
            let mut node = node;
            stringify_metadata(&mut node);
            out.push(Resource::new(node));
        }
        None => {}
    }
}

/// Labels and annotations are strings: a value written `true` or `8080`
/// is the string kustomize prints quoted.
fn stringify_metadata(node: &mut Node) {
    let Some(meta) = merge::get_mut(node, "metadata") else {
        return;
    };
    for field in ["labels", "annotations"] {
        if let Some(pairs) = merge::get_mut(meta, field)
            && let crate::parse::tree::Value::Map(entries) = &mut pairs.value
        {
            for (_, v) in entries.iter_mut() {
                if let Some(text) = v.plain_text().filter(|_| !v.is_null()) {
                    *v = string(v.range, text);
                }
            }
        }
    }
}

/// A name entry: the key `name` and the value, both at `range`.
pub fn named(range: TextRange, text: &str) -> (Node, Node) {
    (key(range, "name"), string(range, text))
}

/// Sets `metadata.name` of `node` to `text`, keeping where the name was
/// written.
pub fn rename(node: &mut Node, text: &str) {
    let Some(meta) = merge::get_mut(node, "metadata") else {
        return;
    };
    let Some(name) = merge::get_mut(meta, "name") else {
        return;
    };
    let range = name.range;
    *name = string(range, text);
}

/// Whether `target` (`kind`, `name`, `namespace`, `group`, `version`,
/// `labelSelector`, `annotationSelector`) selects `r`. Names, kinds and
/// namespaces are regular expressions matched whole.
pub(super) fn selects(target: &Node, r: &Resource) -> bool {
    let field = |k: &str| target.get(k).and_then(Node::as_text);
    let api = r
        .node
        .get("apiVersion")
        .and_then(Node::as_text)
        .unwrap_or_default();
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    let matches = |pattern: Option<&str>, values: &[&str]| {
        pattern.is_none_or(|p| {
            regex::Regex::new(&format!("^(?:{p})$"))
                .is_ok_and(|re| values.iter().any(|v| re.is_match(v)))
        })
    };
    let names: Vec<&str> = std::iter::once(r.name())
        .chain(r.names.iter().map(String::as_str))
        .collect();
    matches(field("kind"), &[r.kind()])
        && matches(field("name"), &names)
        && matches(field("namespace"), &[r.namespace()])
        && field("group").is_none_or(|g| g == group)
        && field("version").is_none_or(|v| v == version)
        && field("labelSelector")
            .is_none_or(|s| label_selected(s, r.node.path(&["metadata", "labels"])))
        && field("annotationSelector")
            .is_none_or(|s| label_selected(s, r.node.path(&["metadata", "annotations"])))
}

/// Whether labels satisfy a selector written as text (`a=b,c!=d,e`).
pub(super) fn label_selected(selector: &str, labels: Option<&Node>) -> bool {
    let value = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::as_str);
    selector
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .all(|term| {
            if let Some((k, v)) = term.split_once("!=") {
                value(k.trim()) != Some(v.trim())
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                value(k.trim()) == Some(v.trim())
            } else if let Some(k) = term.strip_prefix('!') {
                value(k.trim()).is_none()
            } else {
                value(term).is_some()
            }
        })
}

/// A declared var: the object and field it reads, and where it is written.
#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    pub(super) kind: String,
    pub(super) object: String,
    pub(super) namespace: Option<String>,
    pub(super) api: Option<String>,
    pub(super) path: Vec<super::fieldpath::Seg>,
    pub at: TextRange,
}

/// Where an object came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A resource file.
    File(PathBuf),
    /// A generator (`ConfigMapGenerator`, `SecretGenerator`,
    /// `HelmChartInflationGenerator`) of a kustomization file.
    Generator(PathBuf, &'static str),
}
