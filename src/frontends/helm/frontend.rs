//! The Helm frontend: a directory holding `Chart.yaml` is a chart, whose
//! files are claimed by their position (see [`claim_by_position`]) and
//! rendered, never parsed as YAML; what the templates render goes through
//! the Kubernetes extraction, with every node moved back into the template
//! file that wrote it ([`super::origins`]).

use super::origins::{self, Mover};
use super::releases::{self, ChartRef, Layer, Release};
use super::{ChartFiles, Options, RenderError, Rendered, TemplateSource, archive};
use crate::diagnostic::Diagnostic;
use crate::discover::{Claim, FileKind};
use crate::frontends::documents::Handed;
use crate::frontends::kubernetes::{self, FileDocs};
use crate::frontends::{Context, Frontend, Loaded, Stage};
use crate::model::{Model, Unfollowed, UnfollowedModule, ValueLine};
use crate::parse::Document;
use crate::parse::tree::Node;
use crate::parse::yaml;
use crate::source::{FileId, LineIndex, SourceMap, Span, TextRange};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The kind of a chart's files.
pub const KIND: FileKind = FileKind::new("helm");

/// Helm charts: `Chart.yaml` and `Chart.lock` by name, `.tpl` partials by
/// name (no other format has them), and the rest of a chart's files by
/// their position under a `Chart.yaml` ([`claim_by_position`]).
pub const FRONTEND: Frontend = Frontend {
    name: "helm",
    claims: &[
        Claim::exact("Chart.yaml", KIND),
        Claim::exact("Chart.lock", KIND),
        Claim::suffix(".tpl", KIND),
    ],
    confirms: None,
    stage: Stage::Files { extract },
    caches: &["helm"],
};

/// The charts among `helm`'s files: the directory of each top chart (one
/// that is not a subchart under another's `charts/`).
fn chart_roots(sources: &SourceMap, helm: &[Loaded]) -> Vec<PathBuf> {
    let all: Vec<PathBuf> = helm
        .iter()
        .map(|l| &sources.get(l.file).path)
        .filter(|p| p.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    let mut roots: Vec<PathBuf> = all
        .iter()
        .filter(|dir| !is_subchart(dir, &all))
        .cloned()
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

/// Whether `dir` is `<chart>/charts/<name>` of a chart among `all`.
fn is_subchart(dir: &Path, all: &[PathBuf]) -> bool {
    let Some(charts) = dir.parent() else {
        return false;
    };
    charts.file_name().is_some_and(|n| n == "charts")
        && charts.parent().is_some_and(|c| {
            let c = crate::discover::lexical_normalize(c);
            all.iter()
                .any(|a| crate::discover::lexical_normalize(a) == c)
        })
}

/// `roots` for [`owner`]: each lexically normalised (a file named on the
/// command line, `charts/web/values.yaml`, and one the walk reached,
/// `./charts/web/Chart.yaml`, are in the same chart), sorted by that form.
fn owners(roots: &[PathBuf]) -> Vec<(PathBuf, &PathBuf)> {
    let mut out: Vec<(PathBuf, &PathBuf)> = roots
        .iter()
        .map(|r| (crate::discover::lexical_normalize(r), r))
        .collect();
    out.sort();
    out
}

/// The top chart holding `path` (the deepest of `roots`, see [`owners`]),
/// and `path` relative to it (with `/`).
fn owner<'r>(path: &Path, roots: &[(PathBuf, &'r PathBuf)]) -> Option<(&'r PathBuf, String)> {
    let path = crate::discover::lexical_normalize(path);
    path.ancestors()
        .find_map(|a| {
            let at = roots.binary_search_by(|(r, _)| r.as_path().cmp(a)).ok()?;
            let (normal, root) = roots.get(at)?;
            Some((*root, path.strip_prefix(normal).ok()?.to_path_buf()))
        })
        .map(|(r, rel)| {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            (r, parts.join("/"))
        })
}

/// Whether a file at `rel` in a chart is one of the chart's own, which Helm
/// reads (templates, values, subcharts), rather than a document of its own.
fn chart_file(rel: &str) -> bool {
    let top = !rel.contains('/');
    rel.starts_with("templates/")
        || rel.starts_with("charts/")
        || (top && rel.starts_with("values") && (rel.ends_with(".yaml") || rel.ends_with(".yml")))
        || rel == "values.schema.json"
}

/// Moves the YAML and JSON files of `documents` that are a chart's own
/// (under a chart's `templates/` or `charts/`, its `values*.yaml`, its
/// `values.schema.json`) to `helm`: Helm reads them, not as manifests.
/// A chart's `crds/` stay documents: Helm applies them as written.
pub fn claim_by_position(sources: &SourceMap, documents: &mut Vec<Loaded>, helm: &mut Vec<Loaded>) {
    let roots = chart_roots(sources, helm);
    if roots.is_empty() {
        return;
    }
    let roots = owners(&roots);
    documents.retain(|l| {
        let path = &sources.get(l.file).path;
        let ours = owner(path, &roots).is_some_and(|(_, rel)| chart_file(&rel));
        if ours {
            helm.push(*l);
        }
        !ours
    });
}

/// Adds the files of the packaged subcharts of the run's charts to
/// `sources`, each as a file of its own shown at the archive's path, then
/// its path inside the archive (`shop/charts/cache-1.2.0.tgz!/cache/values.yaml`),
/// so that what they render and the values lines they hold are pointed at
/// by line and column. A packaged subchart is a `.tgz` right under the
/// `charts/` of a directory holding one of `files`' `Chart.yaml` (an
/// archive inside one is unpacked with it). They are not inputs: the Helm
/// frontend reads them as the chart's, nothing else does. An archive that
/// cannot be read adds nothing: the frontend reports it.
pub fn add_packaged(sources: &mut SourceMap, files: &[Loaded]) {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .map(|l| &sources.get(l.file).path)
        .filter(|p| p.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter_map(|p| p.parent().map(|d| d.join("charts")))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut archives: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .filter(|(name, _)| name.ends_with(".tgz"))
            .collect();
        archives.sort();
        for (name, path) in archives {
            let Ok(bytes) =
                crate::discover::read_bytes_unfollowed(&path, archive::BOUNDS.archive_bytes)
            else {
                continue;
            };
            let Ok(members) = archive::unpack_members(&bytes, archive::BOUNDS) else {
                continue;
            };
            for member in members.into_values() {
                let shown = dir.join(format!("{name}{}{}", archive::MEMBER_MARK, member.inner));
                sources.add(crate::source::SourceFile::new(shown, member.text));
            }
        }
    }
}

/// Whether `path` is a file inside a packaged subchart ([`add_packaged`]).
fn packaged_member(path: &Path) -> bool {
    memchr::memmem::find(path.as_os_str().as_encoded_bytes(), b".tgz!").is_some()
        && path
            .components()
            .any(|c| c.as_os_str().to_string_lossy().ends_with(".tgz!"))
}

/// The cache kind [`ReadEntry`]s are kept under, with the renderings.
const READ_KIND: &str = "helm";
/// What their keys begin with, which no rendering's key does.
const READ_KIND_KEY: &str = "helm-read";

/// What a rendering of a chart was read into, for the parse cache: each
/// template's documents, moved into the file that wrote them, and the
/// values lines (where a value is written, where it is set). Only a
/// rendering that gave no input error is kept.
#[derive(serde::Serialize, serde::Deserialize)]
struct ReadEntry {
    outs: Vec<(FileId, Vec<Document>)>,
    lines: Vec<(Span, Span)>,
}

impl ReadEntry {
    /// Adds what was read, in `cluster`, for the release `label`.
    fn apply(
        self,
        cluster: Option<usize>,
        label: Option<&str>,
        outs: &mut Vec<Out>,
        value_lines: &mut Vec<ValueLine>,
    ) {
        outs.extend(self.outs.into_iter().map(|(file, docs)| Out {
            file,
            cluster,
            docs,
        }));
        value_lines.extend(self.lines.into_iter().map(|(written, set)| ValueLine {
            written,
            set,
            release: label.map(str::to_string),
            root: None,
        }));
    }
}

/// One rendered template's documents, moved into its file.
struct Out {
    file: FileId,
    cluster: Option<usize>,
    docs: Vec<Document>,
}

fn extract(
    files: &[Loaded],
    handed: &Handed,
    context: &Context<'_>,
    model: &mut Model,
) -> Vec<Diagnostic> {
    let sources = context.sources;
    let roots = chart_roots(sources, files);
    let index = owners(&roots);
    let mut charts: BTreeMap<&PathBuf, Vec<(String, Loaded)>> = BTreeMap::new();
    for l in files {
        if let Some((root, rel)) = owner(&sources.get(l.file).path, &index) {
            charts.entry(root).or_default().push((rel, *l));
        }
    }
    for (file, source) in sources.iter() {
        if packaged_member(&source.path)
            && let Some((root, rel)) = owner(&source.path, &index)
        {
            let loaded = Loaded {
                file,
                cluster: None,
            };
            charts
                .entry(root)
                .or_default()
                .push((archive::chart_key(&rel), loaded));
        }
    }
    let mut errors = Vec::new();
    let declared: Vec<&Release> = context
        .helm_releases
        .iter()
        .chain(&handed.releases.releases)
        .collect();
    let by_chart = assign(&declared, &roots, &mut errors);
    let mut outs = Vec::new();
    let mut labels = Labels::default();
    let run_files = RunFiles::new(sources, &declared);
    for (root, files) in &charts {
        let mut chart = Chart::new(root, files, sources);
        let rest = chart.read_rest();
        for link in &rest.links {
            errors.push(chart.refusal(link));
        }
        for (path, message) in &rest.archives {
            errors.push(chart.unreadable_archive(path, message));
        }
        model.unfollowed_modules.extend(chart.unvendored());
        let releases = by_chart.get(*root).map_or(&[][..], Vec::as_slice);
        let mut rendered_any = false;
        for release in releases {
            let Some(values) = run_files.values(release, root, &mut errors) else {
                continue;
            };
            rendered_any = true;
            let label = labels.of(release, &chart.name());
            let mut own = Vec::new();
            let mut side = Model::default();
            chart.render(
                Some((release, &values, &label)),
                context,
                &mut own,
                &mut side.value_lines,
                &mut errors,
            );
            errors.extend(extract_outs(&own, context, &mut side));
            for entity in &mut side.entities {
                for instance in &mut entity.instances {
                    instance.detail_mut().release = Some(label.clone());
                    instance.place = Some(release.declared.file);
                    if release.cluster.is_some() {
                        instance.cluster = release.cluster;
                    }
                }
            }
            model.append(side);
        }
        let by_kustomization = handed
            .kustomize_charts
            .contains(&crate::discover::lexical_normalize(root));
        if !rendered_any && !by_kustomization {
            chart.render(
                None,
                context,
                &mut outs,
                &mut model.value_lines,
                &mut errors,
            );
        }
    }
    errors.extend(extract_outs(&outs, context, model));
    errors
}

fn extract_outs(outs: &[Out], context: &Context<'_>, model: &mut Model) -> Vec<Diagnostic> {
    let docs: Vec<FileDocs<'_>> = outs
        .iter()
        .map(|o| FileDocs {
            file: o.file,
            cluster: o.cluster,
            docs: &o.docs,
        })
        .collect();
    kubernetes::extract(
        &docs,
        None,
        context.keys,
        context.places,
        context.soft,
        context.operators,
        model,
    )
}

/// The releases of each chart of the run, by its directory. A release
/// `spof.toml` declares whose chart is not one of the run's is a config
/// error; one found in the repository whose path holds no chart is not a
/// Helm release (an Argo CD source of plain manifests) and is left alone.
fn assign<'r>(
    declared: &[&'r Release],
    roots: &[PathBuf],
    errors: &mut Vec<Diagnostic>,
) -> BTreeMap<PathBuf, Vec<&'r Release>> {
    let absolute: Vec<(PathBuf, &PathBuf)> =
        roots.iter().map(|r| (releases::absolute(r), r)).collect();
    let find = |dir: &Path| {
        absolute
            .iter()
            .find(|(a, _)| a == dir)
            .map(|(_, r)| (*r).clone())
    };
    let mut out: BTreeMap<PathBuf, Vec<&Release>> = BTreeMap::new();
    for release in declared {
        let root = match &release.chart {
            ChartRef::Exact(dir) => find(dir),
            ChartRef::Search { from, path } if releases::stays_below(path) => from
                .ancestors()
                .find_map(|a| find(&crate::discover::lexical_normalize(&a.join(path)))),
            ChartRef::Search { .. } => None,
        };
        match root {
            Some(root) => out.entry(root).or_default().push(release),
            None if matches!(release.chart, ChartRef::Exact(_)) && release.by == CONFIGURED => {
                errors.push(Diagnostic::error(
                    "config-error",
                    release.declared,
                    "the release's chart is not a chart among the checked files (a directory \
                     holding Chart.yaml)"
                        .to_string(),
                ));
            }
            None => {}
        }
    }
    out
}

/// What declares the releases of `spof.toml`.
const CONFIGURED: &str = "spof.toml release";

/// Release labels, unique among the releases of one cluster: what tells
/// two renderings of one chart apart in entity ids.
#[derive(Default)]
struct Labels {
    used: Vec<(String, Option<usize>)>,
}

impl Labels {
    fn of(&mut self, release: &Release, chart: &str) -> String {
        let base = if release.name.is_empty() {
            chart.to_string()
        } else {
            release.name.clone()
        };
        let mut label = base.clone();
        let mut n = 1;
        while self.used.contains(&(label.clone(), release.cluster)) {
            n += 1;
            label = format!("{base}~{n}");
        }
        self.used.push((label.clone(), release.cluster));
        label
    }
}

/// The values of a release, merged, and each layer's tree with its file
/// (the highest precedence first), for matching rendered scalars.
struct ReleaseValues {
    user: gotmpl::Value,
    /// `None` for values whose positions are not known: a path they set is
    /// matched to no line.
    layers: Vec<(Option<FileId>, Node)>,
}

/// The run's files by absolute path, for the values files releases name.
struct RunFiles<'a> {
    sources: &'a SourceMap,
    by_path: BTreeMap<PathBuf, FileId>,
}

impl<'a> RunFiles<'a> {
    fn new(sources: &'a SourceMap, declared: &[&Release]) -> Self {
        let by_path = if declared.is_empty() {
            BTreeMap::new()
        } else {
            sources
                .iter()
                .map(|(id, f)| (releases::absolute(&f.path), id))
                .collect()
        };
        Self { sources, by_path }
    }

    /// The merged values of `release` of the chart at `root`; `None`, with
    /// a note (a config error for `spof.toml`), when it cannot be read.
    fn values(
        &self,
        release: &Release,
        root: &Path,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<ReleaseValues> {
        let refuse = |span: Span, message: String| {
            if release.by == CONFIGURED {
                Diagnostic::error("config-error", span, message)
            } else {
                releases::not_rendered(span, format!("{} not rendered: {message}", release.by))
            }
        };
        if let Some((span, message)) = &release.unreadable {
            errors.push(refuse(*span, message.clone()));
            return None;
        }
        let chart_dir = releases::absolute(root);
        let mut user = gotmpl::Value::Nil;
        let mut layers = Vec::new();
        for layer in &release.layers {
            let (file, node) = match layer {
                Layer::File { .. } | Layer::ChartFile { .. } => {
                    let (path, named) = match layer {
                        Layer::ChartFile { path, named } => (
                            crate::discover::lexical_normalize(&chart_dir.join(path)),
                            named,
                        ),
                        Layer::File { path, named } => (path.clone(), named),
                        _ => continue,
                    };
                    let Some(&file) = self.by_path.get(&path) else {
                        errors.push(refuse(
                            *named,
                            format!(
                                "values file {} is not among the checked files",
                                path.display()
                            ),
                        ));
                        return None;
                    };
                    let (docs, error) =
                        yaml::parse_stream(self.sources.get(file).text(), &Default::default());
                    if let Some(e) = error {
                        errors.push(refuse(
                            *named,
                            format!("values file {} is not YAML: {}", path.display(), e.message),
                        ));
                        return None;
                    }
                    let Some(doc) = docs.into_iter().next() else {
                        continue;
                    };
                    (Some(file), doc.root)
                }
                Layer::Tree(file, node) => (Some(*file), node.clone()),
                Layer::Loose(node) => (None, node.clone()),
            };
            user = super::values::merge(&super::values::from_node(&node), &user, 0);
            layers.push((file, node));
        }
        layers.reverse();
        Some(ReleaseValues { user, layers })
    }
}

/// The most files of a chart read besides the run's inputs.
pub const MAX_REST_FILES: usize = 2000;
/// The largest of those files.
pub const MAX_REST_BYTES: u64 = 1 << 20;
/// How deep below the chart's directory they are looked for.
const MAX_REST_DEPTH: usize = 16;

/// What [`Chart::read_rest`] could not read.
#[derive(Default)]
struct Rest {
    /// Symbolic links, not followed.
    links: Vec<String>,
    /// Packaged subcharts that cannot be unpacked, and why.
    archives: Vec<(String, String)>,
}

/// One top chart, as found among the run's files.
struct Chart<'a> {
    root: &'a Path,
    /// Each file's id, by its path relative to the chart.
    ids: BTreeMap<&'a str, FileId>,
    /// The chart's files that are not the run's (`.Files` reads them; the
    /// files of packaged subcharts no run file shows), by relative path.
    rest: BTreeMap<String, String>,
    cluster: Option<usize>,
    sources: &'a SourceMap,
    /// The packaged subcharts that could not be unpacked, relative.
    failed: Vec<String>,
}

impl<'a> Chart<'a> {
    fn new(root: &'a Path, files: &'a [(String, Loaded)], sources: &'a SourceMap) -> Self {
        let ids = files
            .iter()
            .map(|(rel, l)| (rel.as_str(), l.file))
            .collect();
        let cluster = files
            .iter()
            .find(|(rel, _)| rel == "Chart.yaml")
            .and_then(|(_, l)| l.cluster);
        Self {
            root,
            ids,
            rest: BTreeMap::new(),
            cluster,
            sources,
            failed: Vec::new(),
        }
    }

    /// Reads the chart's files that are not inputs of the run (`.Files`
    /// reads them: `files/app.conf`, a `README.md`), from the chart's
    /// directory and below only, never through a symbolic link, within
    /// [`MAX_REST_FILES`] files of [`MAX_REST_BYTES`] each; files that are
    /// not UTF-8 text are left out. A packaged subchart (`charts/*.tgz` of
    /// the chart or of a subchart) is unpacked ([`archive`]), its files
    /// under `charts/<file>.tgz/`. Returns the links found and the archives
    /// that cannot be read, relative, with what is wrong.
    fn read_rest(&mut self) -> Rest {
        let mut rest = Rest::default();
        let links = &mut rest.links;
        let mut stack = vec![(self.root.to_path_buf(), String::new(), 0usize)];
        let mut count = 0usize;
        while let Some((dir, rel, depth)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = format!("{rel}{name}");
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_symlink() {
                    links.push(path);
                } else if kind.is_dir() {
                    if depth < MAX_REST_DEPTH && name != ".git" {
                        stack.push((entry.path(), format!("{path}/"), depth + 1));
                    }
                } else if kind.is_file()
                    && !self.has(&path)
                    && !self.has(&format!("{path}/Chart.yaml"))
                {
                    count += 1;
                    if count > MAX_REST_FILES {
                        return rest;
                    }
                    if self.packaged(&rel, &name) {
                        let read = crate::discover::read_bytes_unfollowed(
                            &entry.path(),
                            archive::BOUNDS.archive_bytes,
                        )
                        .map_err(|e| e.to_string())
                        .and_then(|bytes| archive::unpack(&bytes, archive::BOUNDS));
                        match read {
                            Ok(files) => self
                                .rest
                                .extend(files.into_iter().map(|(p, t)| (format!("{path}/{p}"), t))),
                            Err(e) => {
                                self.failed.push(path.clone());
                                rest.archives.push((path, e));
                            }
                        }
                    } else if let Some(Ok(text)) =
                        crate::discover::read_unfollowed(&entry.path(), MAX_REST_BYTES)
                    {
                        self.rest.insert(path, text);
                    }
                }
            }
        }
        rest
    }

    /// Whether `name` in the chart's directory `rel` is a packaged
    /// subchart: a `.tgz` right under the `charts/` of a chart.
    fn packaged(&self, rel: &str, name: &str) -> bool {
        name.ends_with(".tgz")
            && rel
                .strip_suffix("charts/")
                .is_some_and(|holder| self.has(&format!("{holder}Chart.yaml")))
    }

    /// The dependencies of the chart and its subcharts that are not
    /// vendored under `charts/` (as a directory or a `.tgz`).
    fn unvendored(&self) -> Vec<UnfollowedModule> {
        let mut out = Vec::new();
        let name_of = |text: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix("name:"))
                .map(|n| n.trim().trim_matches(['"', '\'']).to_string())
        };
        for (rel, &file) in &self.ids {
            let Some(dir) = rel.strip_suffix("Chart.yaml") else {
                continue;
            };
            // A packaged subchart vendors its own dependencies or lacks
            // them as its publisher packaged it.
            if !(dir.is_empty() || dir.ends_with('/')) || dir.contains(".tgz/") {
                continue;
            }
            let text = self.sources.get(file).text();
            let chart = name_of(text).unwrap_or_default();
            let (docs, _) = yaml::parse_stream(text, &Default::default());
            let Some(root) = docs.first() else { continue };
            for dep in root
                .root
                .get("dependencies")
                .map_or(&[][..], |d| d.as_seq())
            {
                let Some((name, at)) = dep.get("name").and_then(|n| Some((n.as_str()?, n.range)))
                else {
                    continue;
                };
                let vendored = self.paths().any(|p| {
                    p.strip_prefix(dir)
                        .and_then(|p| p.strip_prefix("charts/"))
                        .and_then(|p| p.strip_suffix("/Chart.yaml"))
                        .is_some_and(|d| !d.contains('/'))
                        && self.text(p).and_then(name_of).as_deref() == Some(name)
                });
                // An archive that cannot be read is an input error already.
                let unreadable = self.failed.iter().any(|p| {
                    p.strip_prefix(dir)
                        .and_then(|p| p.strip_prefix("charts/"))
                        .is_some_and(|f| f.starts_with(&format!("{name}-")))
                });
                if vendored || unreadable {
                    continue;
                }
                let repository = dep
                    .get("repository")
                    .and_then(|r| r.as_str())
                    .unwrap_or("")
                    .to_string();
                out.push(UnfollowedModule {
                    module: format!("dependency `{name}` of chart `{chart}`"),
                    remote: true,
                    source: repository,
                    kind: Unfollowed::Chart,
                    span: Span::new(file, at),
                });
            }
        }
        out
    }

    /// The input error for a symbolic link in the chart, which is not
    /// followed.
    fn refusal(&self, link: &str) -> Diagnostic {
        let at = self.id("Chart.yaml").unwrap_or(FileId(0));
        Diagnostic::error(
            "render-error",
            Span::new(at, TextRange::empty(0)),
            format!(
                "{} is a symbolic link: spof reads a chart's files only from its directory, and \
                 follows no link (`.Files` does not see it)",
                self.root.join(link).display()
            ),
        )
    }

    /// The input error for a packaged subchart that cannot be unpacked:
    /// at the dependency it vendors (by Helm's `<name>-<version>.tgz`),
    /// else at the holding chart's `Chart.yaml`.
    fn unreadable_archive(&self, path: &str, message: &str) -> Diagnostic {
        let (holder, file) = path.rsplit_once("charts/").unwrap_or(("", path));
        let span = self
            .dependency_entry(holder, |name| file.starts_with(&format!("{name}-")))
            .or_else(|| {
                self.id("Chart.yaml")
                    .map(|f| Span::new(f, TextRange::empty(0)))
            })
            .unwrap_or(Span::new(FileId(0), TextRange::empty(0)));
        Diagnostic::error(
            "render-error",
            span,
            format!(
                "cannot read the packaged subchart {}: {message}; the chart is rendered \
                 without it",
                self.root.join(path).display()
            ),
        )
        .with_label("vendored as this archive")
    }

    /// The `name` of the first dependency of the chart at `holder` (a
    /// directory of the run, `` or `charts/cache/`) that `matches`.
    fn dependency_entry(&self, holder: &str, matches: impl Fn(&str) -> bool) -> Option<Span> {
        let file = self.id(&format!("{holder}Chart.yaml"))?;
        let (docs, _) = yaml::parse_stream(self.sources.get(file).text(), &Default::default());
        let root = &docs.first()?.root;
        root.get("dependencies")?.as_seq().iter().find_map(|dep| {
            let name = dep.get("name")?;
            matches(name.as_str()?).then(|| Span::new(file, name.range))
        })
    }

    /// Where the objects of a template packaged in an archive are put:
    /// the entry of the dependency that the outermost archive vendors, in
    /// the `Chart.yaml` of the run's chart holding it (else that
    /// `Chart.yaml`'s start). `None` for a template of the run's files.
    fn archive_anchor(&self, file: &str) -> Option<Span> {
        let end = file.find(".tgz/")? + 4;
        let archive = &file[..end];
        let holder = archive.rsplit_once("charts/").map_or("", |(h, _)| h);
        let name = self
            .text(&format!("{archive}/Chart.yaml"))
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("name:"))
                    .map(|n| n.trim().trim_matches(['"', '\'']).to_string())
            })
            .unwrap_or_default();
        self.dependency_entry(holder, |n| n == name).or_else(|| {
            let f = self.id(&format!("{holder}Chart.yaml"))?;
            Some(Span::new(f, TextRange::empty(0)))
        })
    }

    fn id(&self, rel: &str) -> Option<FileId> {
        self.ids.get(rel).copied()
    }

    /// The text of the chart's file at `rel`: a file of the run (read now
    /// if the run has not read it), else one [`Chart::read_rest`] read.
    fn text(&self, rel: &str) -> Option<&str> {
        match self.id(rel) {
            Some(file) => Some(self.sources.get(file).text()),
            None => self.rest.get(rel).map(String::as_str),
        }
    }

    /// Whether the chart has a file at `rel`.
    fn has(&self, rel: &str) -> bool {
        self.ids.contains_key(rel) || self.rest.contains_key(rel)
    }

    /// The relative paths of the chart's files.
    fn paths(&self) -> impl Iterator<Item = &str> {
        self.ids
            .keys()
            .copied()
            .chain(self.rest.keys().map(String::as_str))
    }

    /// Every file of the chart with its text, as the renderer takes them.
    fn files(&self) -> ChartFiles {
        let mut files: BTreeMap<String, String> = self
            .ids
            .iter()
            .map(|(rel, &file)| {
                (
                    (*rel).to_string(),
                    self.sources.get(file).text().to_string(),
                )
            })
            .collect();
        for (rel, text) in &self.rest {
            files.entry(rel.clone()).or_insert_with(|| text.clone());
        }
        ChartFiles { files }
    }

    /// Whether `Chart.yaml` says the chart is a library chart.
    fn library(&self) -> bool {
        self.text("Chart.yaml").is_some_and(|t| {
            t.lines().any(|l| {
                l.strip_prefix("type:")
                    .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == "library")
            })
        })
    }

    /// The chart's name as its `Chart.yaml` says, else its directory's.
    fn name(&self) -> String {
        self.text("Chart.yaml")
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("name:"))
                    .map(|n| n.trim().trim_matches(['"', '\'']).to_string())
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| {
                self.root
                    .file_name()
                    .map_or_else(|| "chart".to_string(), |n| n.to_string_lossy().into_owned())
            })
    }

    /// Renders the chart with its own values, or for `release` (with its
    /// values and label).
    fn render(
        &self,
        release: Option<(&Release, &ReleaseValues, &str)>,
        context: &Context<'_>,
        outs: &mut Vec<Out>,
        value_lines: &mut Vec<ValueLine>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let name = self.name();
        if self.library() {
            // A library chart renders nothing: the charts using it do.
            return;
        }
        let options = context.helm_capabilities.apply(match release {
            Some((r, _, _)) => Options {
                release_name: if r.name.is_empty() {
                    name.clone()
                } else {
                    r.name.clone()
                },
                namespace: r.namespace.clone(),
                ..Options::default()
            },
            None => Options {
                release_name: name.clone(),
                ..Options::default()
            },
        });
        let user = release.map_or(gotmpl::Value::Nil, |(_, v, _)| v.user.clone());
        let chart = match release {
            Some((r, _, label)) => format!("{name}` for {} `{label}", r.by),
            None => name.clone(),
        };
        let cluster = release.and_then(|(r, _, _)| r.cluster).or(self.cluster);
        let namespace = release.map(|(r, _, _)| r.namespace.as_str());
        let label = release.map(|(_, _, l)| l);
        let layers = release.map_or(&[][..], |(_, v, _)| v.layers.as_slice());
        let read = context.cache.and_then(|cache| {
            let key = self.read_key(&user, &options, namespace, label, layers, context.limits)?;
            Some((cache, key))
        });
        if let Some((cache, key)) = &read
            && let Some(entry) = self.cached_read(cache, key, layers)
        {
            entry.apply(cluster, label, outs, value_lines);
            return;
        }
        let before = (outs.len(), value_lines.len(), errors.len());
        let rendered = match super::render_cached(&self.files(), &user, &options, context.cache) {
            Ok(r) => r,
            Err(e) => {
                errors.push(self.error(&chart, &e));
                return;
            }
        };
        let values = Values::new(self, &rendered, release.map(|(_, v, l)| (v, l)));
        let at = Rendering {
            values: &values,
            cluster,
            namespace,
            installed: true,
        };
        for (template, result) in &rendered.templates {
            let Some(source) = rendered.sources.get(template) else {
                continue;
            };
            match result {
                Ok(text) => self.read(text, source, &at, context.limits, outs, value_lines, errors),
                Err(e) => errors.push(self.error(&chart, e)),
            }
        }
        // What reports an input error is made again, so that it is reported
        // again.
        if let Some((cache, key)) = &read
            && errors.len() == before.2
        {
            let entry = ReadEntry {
                outs: outs[before.0..]
                    .iter()
                    .map(|o| (o.file, o.docs.clone()))
                    .collect(),
                lines: value_lines[before.1..]
                    .iter()
                    .map(|v| (v.written, v.set))
                    .collect(),
            };
            cache.put_spanned(READ_KIND, key, &entry, &self.table(layers));
        }
    }

    /// The key of what a rendering of the chart is read into (its
    /// documents moved into their templates, the values lines that set
    /// what they write): every file of the chart by path and digest (the
    /// digest the stat index recorded for a file that did not change, so
    /// that an unchanged chart's files are neither read nor hashed), the
    /// values, options, namespace and release label, the layers of the
    /// release's values with their files and positions, and the parse
    /// limits. `None` for values no key can tell apart.
    fn read_key(
        &self,
        user: &gotmpl::Value,
        options: &Options,
        namespace: Option<&str>,
        label: Option<&str>,
        layers: &[(Option<FileId>, Node)],
        limits: &yaml::Limits,
    ) -> Option<crate::cache::Key> {
        let mut key = crate::cache::KeyBuilder::new(READ_KIND_KEY);
        key.u64(self.ids.len() as u64);
        for (rel, &file) in &self.ids {
            key.str(rel).bytes(&self.sources.get(file).digest());
        }
        key.u64(self.rest.len() as u64);
        for (rel, text) in &self.rest {
            key.str(rel).bytes(blake3::hash(text.as_bytes()).as_bytes());
        }
        super::value_key(user, &mut key)?;
        key.str(&options.release_name)
            .str(&options.namespace)
            .str(&options.kube_version)
            .u64(options.max_output_bytes as u64)
            .u64(options.api_versions.len() as u64);
        for api in &options.api_versions {
            key.str(api);
        }
        for text in [namespace, label] {
            match text {
                Some(t) => key.u64(1).str(t),
                None => key.u64(0),
            };
        }
        key.u64(layers.len() as u64);
        for (file, node) in layers {
            match file {
                Some(f) => key.u64(1).bytes(&self.sources.get(*f).digest()),
                None => key.u64(0),
            };
            key.bytes(&postcard::to_stdvec(node).ok()?);
        }
        key.u64(limits.max_depth as u64)
            .u64(limits.max_alias_nodes as u64);
        Some(key.key())
    }

    /// The files a [`ReadEntry`]'s spans are in: the chart's, then the
    /// release's values files.
    fn table(&self, layers: &[(Option<FileId>, Node)]) -> Vec<FileId> {
        self.ids
            .values()
            .copied()
            .chain(layers.iter().filter_map(|(f, _)| *f))
            .collect()
    }

    fn cached_read(
        &self,
        cache: &crate::cache::Cache,
        key: &crate::cache::Key,
        layers: &[(Option<FileId>, Node)],
    ) -> Option<ReadEntry> {
        cache.get_spanned(READ_KIND, key, &self.table(layers), |f| {
            self.sources.get(f).len()
        })
    }

    /// An input error at the template line that failed (the chart's
    /// `Chart.yaml` when no template is known).
    fn error(&self, chart: &str, e: &RenderError) -> Diagnostic {
        if self.id(&e.file).is_none()
            && let Some(anchor) = self.archive_anchor(&e.file)
        {
            let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            return Diagnostic::error(
                "render-error",
                anchor,
                format!(
                    "cannot render chart `{chart}` ({}{line}, in the packaged subchart): {}",
                    self.root.join(&e.file).display(),
                    e.message
                ),
            )
            .with_label("the packaged subchart's template fails");
        }
        let (file, at) = match self.id(&e.file).or_else(|| self.id("Chart.yaml")) {
            Some(file) => {
                let source = self.sources.get(file);
                let at = e
                    .line
                    .and_then(|l| source.lines().line_start(l.saturating_sub(1)))
                    .unwrap_or(0) as usize;
                let text = source.text();
                let end = text[at.min(text.len())..]
                    .find('\n')
                    .map_or(text.len(), |i| at + i);
                (file, TextRange::new(at, end.max(at)))
            }
            None => (FileId(0), TextRange::empty(0)),
        };
        // A packaged subchart's file as the run shows it, as its location
        // does: each archive's top directory once, after the archive
        // (`charts/db-0.1.0.tgz!/db/templates/…`), where the renderer's
        // path has none (`charts/db-0.1.0.tgz/templates/…`). Any other
        // file by its path in the chart.
        let shown = match self.id(&e.file) {
            Some(file) if e.file.contains(".tgz/") => self.sources.get(file).path.clone(),
            _ => self.root.join(&e.file),
        };
        Diagnostic::error(
            "render-error",
            Span::new(file, at),
            format!(
                "cannot render chart `{chart}` ({}): {}",
                shown.display(),
                e.message
            ),
        )
        .with_label("the template fails here")
    }

    #[allow(clippy::too_many_arguments)]
    fn read(
        &self,
        text: &str,
        source: &TemplateSource,
        at: &Rendering<'_>,
        limits: &yaml::Limits,
        outs: &mut Vec<Out>,
        value_lines: &mut Vec<ValueLine>,
        errors: &mut Vec<Diagnostic>,
    ) {
        if text.trim().is_empty() {
            return;
        }
        let Some(file) = self.id(&source.file) else {
            if let Some(anchor) = self.archive_anchor(&source.file) {
                self.read_packaged(text, source, anchor, at, limits, outs, errors);
            }
            return;
        };
        let template = self.sources.get(file);
        let (mut docs, error) = yaml::parse_stream(text, limits);
        let rendered_lines = LineIndex::new(text);
        let map = origins::line_map(template.text(), text);
        let mover = Mover {
            template: template.text(),
            template_lines: template.lines(),
            rendered: text,
            rendered_lines: &rendered_lines,
            map: &map,
        };
        if let Some(e) = error {
            let line = mover.line_of(e.range.start);
            let at = template.lines().line_start(line).unwrap_or(0) as usize;
            errors.push(Diagnostic::error(
                "render-error",
                Span::new(file, TextRange::empty(at)),
                format!(
                    "the output of {} is not YAML: {}",
                    template.display_path(),
                    e.message
                ),
            ));
        }
        if at.installed {
            docs.retain(|d| !test_hook(&d.root));
        }
        for doc in &mut docs {
            let before = doc.root.clone();
            mover.node(&mut doc.root);
            at.values.match_scalars(
                &before,
                &doc.root,
                file,
                template.text(),
                source,
                value_lines,
            );
            if let Some(namespace) = at.namespace {
                into_namespace(&mut doc.root, namespace);
            }
        }
        outs.push(Out {
            file,
            cluster: at.cluster,
            docs,
        });
    }
}

impl Chart<'_> {
    /// Reads the output of a template of a packaged subchart, which has no
    /// file of the run: every node is put at `anchor` (the dependency's
    /// entry that vendors the archive), and no value is traced to a values
    /// line.
    #[allow(clippy::too_many_arguments)]
    fn read_packaged(
        &self,
        text: &str,
        source: &TemplateSource,
        anchor: Span,
        at: &Rendering<'_>,
        limits: &yaml::Limits,
        outs: &mut Vec<Out>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let (mut docs, error) = yaml::parse_stream(text, limits);
        if let Some(e) = error {
            let line = LineIndex::new(text).line_of(e.range.start) + 1;
            errors.push(Diagnostic::error(
                "render-error",
                anchor,
                format!(
                    "the output of {} (line {line} of its output) is not YAML: {}",
                    self.root.join(&source.file).display(),
                    e.message
                ),
            ));
        }
        if at.installed {
            docs.retain(|d| !test_hook(&d.root));
        }
        for doc in &mut docs {
            put_at(&mut doc.root, anchor.range);
            if let Some(namespace) = at.namespace {
                into_namespace(&mut doc.root, namespace);
            }
        }
        outs.push(Out {
            file: anchor.file,
            cluster: at.cluster,
            docs,
        });
    }
}

/// Puts `node` and everything in it at `range`.
fn put_at(node: &mut Node, range: TextRange) {
    use crate::parse::tree::Value as Tree;
    node.range = range;
    match &mut node.value {
        Tree::Scalar { .. } => {}
        Tree::Seq(items) => items.iter_mut().for_each(|n| put_at(n, range)),
        Tree::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            put_at(k, range);
            put_at(v, range);
        }),
    }
}

/// The chart at `dir` among the run's files, rendered for a
/// kustomization's `helmCharts` entry with the `user` values and
/// `options`: each template's documents, their positions in the template
/// file that wrote them, and where a value a template writes was set (the
/// layers of `user`, then the chart's `values.yaml`). Nothing is put in a namespace: the
/// kustomization's transformers do that. `None` when no chart of the run
/// is at `dir`. A template that fails is an input error in `errors`; the
/// chart's links and dependencies are the Helm frontend's to report.
pub fn render_for_kustomization(
    dir: &Path,
    sources: &SourceMap,
    user: &KustomizationValues,
    options: &Options,
    limits: &yaml::Limits,
    errors: &mut Vec<Diagnostic>,
) -> Option<KustomizationRender> {
    let dir = crate::discover::lexical_normalize(dir);
    let files: Vec<(String, Loaded)> = sources
        .iter()
        .filter_map(|(file, source)| {
            let path = crate::discover::lexical_normalize(&source.path);
            let rel = path.strip_prefix(&dir).ok()?;
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            Some((
                archive::chart_key(&parts.join("/")),
                Loaded {
                    file,
                    cluster: None,
                },
            ))
        })
        .collect();
    if !files.iter().any(|(rel, _)| rel == "Chart.yaml") {
        return None;
    }
    let mut chart = Chart::new(&dir, &files, sources);
    chart.read_rest();
    if chart.library() {
        return Some(KustomizationRender::default());
    }
    let label = format!(
        "{}` for the kustomization's release `{}",
        chart.name(),
        options.release_name
    );
    let rendered = match super::render(&chart.files(), &user.user, options) {
        Ok(r) => r,
        Err(e) => {
            errors.push(chart.error(&label, &e));
            return Some(KustomizationRender::default());
        }
    };
    let own = ReleaseValues {
        user: gotmpl::Value::Nil,
        layers: user.layers.clone(),
    };
    let values = Values::new(&chart, &rendered, Some((&own, &label)));
    let at = Rendering {
        values: &values,
        cluster: None,
        namespace: None,
        // The kustomization decides (`skipTests`).
        installed: false,
    };
    let (mut outs, mut value_lines) = (Vec::new(), Vec::new());
    for (template, result) in &rendered.templates {
        let Some(source) = rendered.sources.get(template) else {
            continue;
        };
        match result {
            Ok(text) => chart.read(
                text,
                source,
                &at,
                limits,
                &mut outs,
                &mut value_lines,
                errors,
            ),
            Err(e) => errors.push(chart.error(&label, e)),
        }
    }
    for v in &mut value_lines {
        v.release = None;
    }
    Some(KustomizationRender {
        docs: outs.into_iter().map(|o| (o.file, o.docs)).collect(),
        value_lines,
    })
}

/// The values a kustomization inflates a chart with: merged, and each
/// layer with its positions (the highest precedence first; the file `None`
/// where the positions are not known), for tracing a value to its line.
pub struct KustomizationValues {
    pub user: gotmpl::Value,
    pub layers: Vec<(Option<FileId>, Node)>,
}

/// A chart rendered for a kustomization: its documents by template, and
/// the values lines that set what its templates write.
#[derive(Default)]
pub struct KustomizationRender {
    pub docs: Vec<(FileId, Vec<Document>)>,
    pub value_lines: Vec<ValueLine>,
}

/// One rendering's values, and the cluster and namespace its objects go
/// to.
struct Rendering<'v> {
    values: &'v Values<'v>,
    cluster: Option<usize>,
    /// A release's namespace, which Helm gives the objects that name none.
    namespace: Option<&'v str>,
    /// Whether the objects of test hooks are left out, as `helm install`
    /// leaves them ([`test_hook`]).
    installed: bool,
}

/// Whether `root` is an object of a Helm test hook (`helm.sh/hook: test`,
/// or the older `test-success`, `test-failure`): `helm install` does not
/// create it, only `helm test` does, and it runs to completion then; it is
/// no standing workload of the release.
fn test_hook(root: &Node) -> bool {
    root.path(&["metadata", "annotations", "helm.sh/hook"])
        .and_then(Node::as_text)
        .is_some_and(|t| {
            t.split(',')
                .map(str::trim)
                .any(|e| matches!(e, "test" | "test-success" | "test-failure"))
        })
}

/// Puts an object that names no namespace in `namespace`, as Helm installs
/// it; the entry is placed over the object's `metadata`.
fn into_namespace(root: &mut Node, namespace: &str) {
    use crate::parse::tree::Value as Tree;
    let Tree::Map(entries) = &mut root.value else {
        return;
    };
    let Some((_, meta)) = entries
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some("metadata"))
    else {
        return;
    };
    if meta.get("namespace").is_some() {
        return;
    }
    let Tree::Map(fields) = &mut meta.value else {
        return;
    };
    let at = TextRange::empty(meta.range.start as usize);
    let mut with: Vec<(Node, Node)> = fields.to_vec();
    with.push((
        Node::scalar(at, "namespace", true),
        Node::scalar(at, namespace, false),
    ));
    *fields = with.into_boxed_slice();
}

/// The values files of a rendering, parsed with their positions, for
/// matching rendered scalars to the lines that set them.
struct Values<'r> {
    /// (chart directory, its `values.yaml`'s tree, its file).
    trees: Vec<(String, Document, FileId)>,
    /// A release's own values, the highest precedence first, and its
    /// label.
    release: Option<(&'r ReleaseValues, &'r str)>,
}

impl<'r> Values<'r> {
    fn new(
        chart: &Chart<'_>,
        rendered: &Rendered,
        release: Option<(&'r ReleaseValues, &'r str)>,
    ) -> Self {
        let mut dirs: Vec<&str> = rendered
            .sources
            .values()
            .map(|s| s.chart_dir.as_str())
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        let trees = dirs
            .into_iter()
            .filter_map(|dir| {
                let file = chart.id(&format!("{dir}values.yaml"))?;
                let (docs, _) =
                    yaml::parse_stream(chart.sources.get(file).text(), &Default::default());
                Some((dir.to_string(), docs.into_iter().next()?, file))
            })
            .collect();
        Self { trees, release }
    }

    /// Records, for each scalar of `rendered` (as parsed, before it was
    /// moved to `moved`) that its template line reads from `.Values`, the
    /// values line that set it.
    fn match_scalars(
        &self,
        rendered: &crate::parse::tree::Node,
        moved: &crate::parse::tree::Node,
        file: FileId,
        template: &str,
        source: &TemplateSource,
        out: &mut Vec<ValueLine>,
    ) {
        use crate::parse::tree::Value as Tree;
        match (&rendered.value, &moved.value) {
            (Tree::Scalar { .. }, _) => {
                let start = moved.range.start as usize;
                let line_start = template[..start.min(template.len())]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                let line_end = template[start.min(template.len())..]
                    .find('\n')
                    .map_or(template.len(), |i| start + i);
                let line = &template[line_start..line_end];
                for path in origins::values_paths(line) {
                    if let Some(set) = self.set_at(path, source, rendered) {
                        out.push(ValueLine {
                            written: Span::new(file, moved.range),
                            set,
                            release: self.release.map(|(_, label)| label.to_string()),
                            root: None,
                        });
                        break;
                    }
                }
            }
            (Tree::Seq(a), Tree::Seq(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    self.match_scalars(x, y, file, template, source, out);
                }
            }
            (Tree::Map(a), Tree::Map(b)) => {
                for ((_, x), (_, y)) in a.iter().zip(b.iter()) {
                    self.match_scalars(x, y, file, template, source, out);
                }
            }
            _ => {}
        }
    }

    /// The values line that sets `path` of `.Values` for a template of
    /// `source`'s chart to the value `rendered` holds: the top chart's
    /// values (under the subcharts' aliases) first, then the chart's own.
    fn set_at(
        &self,
        path: &str,
        source: &TemplateSource,
        rendered: &crate::parse::tree::Node,
    ) -> Option<Span> {
        let keys: Vec<&str> = path.split('.').collect();
        if let Some(set) = self.set_by_release(&keys, source, rendered) {
            return set;
        }
        let mut tried: Vec<(&str, Vec<&str>)> = Vec::new();
        if !source.values_path.is_empty() {
            let mut full: Vec<&str> = source.values_path.iter().map(String::as_str).collect();
            full.extend(&keys);
            tried.push(("", full));
        }
        tried.push((source.chart_dir.as_str(), keys.clone()));
        if keys.first() == Some(&"global") {
            tried.push(("", keys.clone()));
        }
        for (dir, keys) in tried {
            let Some((_, doc, file)) = self.trees.iter().find(|(d, _, _)| d == dir) else {
                continue;
            };
            if let Some(node) = origins::at_path(&doc.root, &keys) {
                if origins::same_scalar(node, rendered) {
                    return Some(Span::new(*file, node.range));
                }
                // Set here to something else: not this line.
                return None;
            }
        }
        None
    }
}

impl Values<'_> {
    /// Where a release's own values set `keys` of `.Values` for a template
    /// of `source`'s chart (under the subcharts' aliases, and `global`):
    /// `Some(Some(line))` when the highest layer that sets it sets it to
    /// the rendered value, `Some(None)` when that layer sets something else
    /// or has no positions, `None` when no layer sets it.
    #[allow(clippy::option_option)]
    fn set_by_release(
        &self,
        keys: &[&str],
        source: &TemplateSource,
        rendered: &crate::parse::tree::Node,
    ) -> Option<Option<Span>> {
        let (values, _) = self.release?;
        let mut full: Vec<&str> = source.values_path.iter().map(String::as_str).collect();
        full.extend(keys);
        let mut paths = vec![full];
        if keys.first() == Some(&"global") && !source.values_path.is_empty() {
            paths.push(keys.to_vec());
        }
        for path in &paths {
            for (file, root) in &values.layers {
                let Some(node) = origins::at_path(root, path) else {
                    continue;
                };
                return Some(match file {
                    Some(file) if origins::same_scalar(node, rendered) => {
                        Some(Span::new(*file, node.range))
                    }
                    _ => None,
                });
            }
        }
        None
    }
}
