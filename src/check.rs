//! The pipeline: discover → parse → model → graph → analyse → rules, for
//! files on disk ([`run`]) or in memory ([`check_sources`]).

use crate::analysis::{Analysis, Context, Site};
use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::discover::{Input, ReadError};
use crate::graph::Graph;
use crate::model::kubernetes::{self, FileDocs, TopologyKeys};
use crate::model::{Domain, Level, Model, Suppression};
use crate::parse::Document;
use crate::parse::yaml::{self, Limits};
use crate::render::Summary;
use crate::rules::Rule;
use crate::rules::{self, Settings, suppression};
use crate::source::{FileId, SourceFile, SourceMap, Span, TextRange, display_path};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;

/// What the pipeline needs to know beyond the files themselves.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Configured clusters, by index.
    pub clusters: Vec<Site>,
    pub settings: Settings,
    pub min_replicas: u32,
    pub keys: TopologyKeys,
    pub limits: Limits,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            clusters: Vec::new(),
            settings: Settings::default(),
            min_replicas: 2,
            keys: TopologyKeys::default(),
            limits: Limits::default(),
        }
    }
}

/// A file to analyse: already in the source map.
#[derive(Debug, Clone, Copy)]
pub struct Loaded {
    pub file: FileId,
    pub cluster: Option<usize>,
}

/// The result of a run.
pub struct Report {
    pub sources: SourceMap,
    /// Findings and input errors, sorted, suppressed findings removed.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings silenced by a suppression, with it.
    pub suppressed: Vec<(Diagnostic, Suppression)>,
    pub summary: Summary,
}

impl Report {
    /// Exit code: 2 for input errors, 1 for findings at or above `fail_on`.
    pub fn exit_code(&self, fail_on: Severity) -> i32 {
        if self.diagnostics.iter().any(|d| d.kind == Kind::Error) {
            2
        } else if self
            .diagnostics
            .iter()
            .any(|d| d.kind == Kind::Finding && d.severity >= fail_on)
        {
            1
        } else {
            0
        }
    }
}

/// Parses the YAML/JSON files in parallel; syntax errors become diagnostics.
pub fn parse_all(
    sources: &SourceMap,
    files: &[Loaded],
    limits: &Limits,
) -> Vec<(Vec<Document>, Option<Diagnostic>)> {
    files
        .par_iter()
        .map(|loaded| {
            let source = sources.get(loaded.file);
            let (docs, error) = yaml::parse_stream(&source.text, limits);
            let diagnostic = error.map(|e| {
                let mut d = Diagnostic::error(
                    "parse-error",
                    Span::new(loaded.file, e.range),
                    format!("cannot parse {}: {}", source.display_path(), e.message),
                )
                .with_label(e.message.clone());
                d.help = e.help;
                d
            });
            (docs, diagnostic)
        })
        .collect()
}

/// Runs model → graph → analysis → rules over files already in `sources`.
/// `errors` are input problems found earlier (unreadable files, config).
pub fn check_sources(
    mut sources: SourceMap,
    files: &[Loaded],
    setup: &Setup,
    mut errors: Vec<Diagnostic>,
) -> Report {
    // Model order follows paths, not the order files were found in.
    let mut files = files.to_vec();
    files.sort_by(|a, b| sources.get(a.file).path.cmp(&sources.get(b.file).path));
    let files = &files[..];
    let parsed = parse_all(&sources, files, &setup.limits);
    let mut model = Model::default();
    let inputs: Vec<FileDocs<'_>> = files
        .iter()
        .zip(&parsed)
        .map(|(loaded, (docs, _))| FileDocs {
            file: loaded.file,
            cluster: loaded.cluster,
            docs,
        })
        .collect();
    kubernetes::extract(&inputs, &setup.keys, &mut model);
    errors.extend(parsed.iter().filter_map(|(_, e)| e.clone()));
    for (id, source) in sources.iter() {
        model.suppressions.extend(suppression::comments(id, source));
    }
    model.suppressions.sort_by_key(|s| s.span);

    let context = context(setup, &model);
    let graph = Graph::build(&model, |e| domains_of(&model, &context, e));
    let analysis = Analysis::run(&model, &graph, &context);
    let cluster_names: Vec<String> = setup.clusters.iter().map(|c| c.name.clone()).collect();
    let input = rules::Input {
        model: &model,
        graph: &graph,
        analysis: &analysis,
        context: &context,
        cluster_names: &cluster_names,
    };
    let findings = rules::run(&input, &setup.settings);
    let outcome = suppression::apply(findings, &model.suppressions, &sources, &setup.settings);
    let mut diagnostics: Vec<Diagnostic> = outcome
        .kept
        .into_iter()
        .filter(|f| setup.settings.enabled.contains(&f.rule))
        .map(|f| f.into_diagnostic(&setup.settings))
        .collect();
    diagnostics.extend(errors);
    sort_dedup(&mut diagnostics, &sources);
    let suppressed: Vec<(Diagnostic, Suppression)> = outcome
        .suppressed
        .into_iter()
        .map(|(f, i)| {
            (
                f.into_diagnostic(&setup.settings),
                model.suppressions[i].clone(),
            )
        })
        .collect();
    let count = |s: Severity| {
        diagnostics
            .iter()
            .filter(|d| d.kind == Kind::Finding && d.severity == s)
            .count()
    };
    let summary = Summary {
        files: files.len(),
        entities: model.entities.len(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        suppressed: suppressed.len(),
        input_errors: files_with_errors(&diagnostics),
    };
    // The source map is only read from here on; keep it in the report.
    sources.shrink();
    Report {
        sources,
        diagnostics,
        suppressed,
        summary,
    }
}

/// Files (or other inputs, such as the configuration) with at least one
/// input error.
fn files_with_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error)
        .map(|d| d.span.file)
        .collect::<BTreeSet<_>>()
        .len()
}

/// Deterministic order, whatever order the files were found in: by file
/// path, position, code, message.
pub fn sort_dedup(diagnostics: &mut Vec<Diagnostic>, sources: &SourceMap) {
    diagnostics.sort_by(|a, b| {
        let path = |d: &Diagnostic| &sources.get(d.span.file).path;
        (path(a), a.span.range, &a.code, &a.message, &a.entity).cmp(&(
            path(b),
            b.span.range,
            &b.code,
            &b.message,
            &b.entity,
        ))
    });
    diagnostics.dedup();
}

fn context(setup: &Setup, model: &Model) -> Context {
    let mut clusters: Vec<Site> = setup.clusters.clone();
    let mut implicit = Site::default();
    // Node labels say where a cluster runs when the configuration does not.
    for node in &model.nodes {
        let site = match node.cluster {
            Some(c) => match clusters.get_mut(c) {
                Some(site) => site,
                None => continue,
            },
            None => &mut implicit,
        };
        let configured = node
            .cluster
            .and_then(|c| setup.clusters.get(c))
            .is_some_and(|c| !c.zones.is_empty());
        if let (false, Some((zone, span))) = (configured, &node.zone)
            && !site.zones.contains(zone)
        {
            site.zones.push(zone.clone());
            site.zones_span.get_or_insert(*span);
        }
    }
    Context {
        clusters,
        implicit,
        min_replicas: setup.min_replicas,
    }
}

/// Domains an entity is placed in, for the graph: its pins and its
/// cluster's zones and region.
fn domains_of(model: &Model, context: &Context, e: usize) -> Vec<Domain> {
    let mut out = Vec::new();
    for inst in &model.entities[e].instances {
        let site = context.site(inst.cluster);
        out.extend(
            site.zones
                .iter()
                .map(|z| Domain::new(Level::Zone, z.clone())),
        );
        out.extend(
            site.region
                .iter()
                .map(|r| Domain::new(Level::Region, r.clone())),
        );
        for pin in &inst.placement.pins {
            out.extend(
                pin.domains
                    .iter()
                    .map(|d| Domain::new(pin.level, d.clone())),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

/// An error about a whole file (unreadable, too large, not UTF-8), at its
/// first byte or at the offending one.
pub fn file_error(file: FileId, at: usize, message: String) -> Diagnostic {
    Diagnostic::error("read-error", Span::new(file, TextRange::empty(at)), message)
}

/// Larger files are reported and skipped.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// A `spof check` run over files on disk.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub paths: Vec<std::path::PathBuf>,
    pub excludes: Vec<String>,
    pub force_exclude: bool,
    /// Configuration file; `None` looks for the nearest spof.toml.
    pub config: Option<std::path::PathBuf>,
    /// Read no configuration file at all.
    pub isolated: bool,
    /// Rules to run instead of the configuration's `select`.
    pub select: Vec<String>,
    /// Rules not to run, beyond the configuration's `ignore`.
    pub ignore: Vec<String>,
    pub max_file_size: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            paths: vec![".".into()],
            excludes: Vec::new(),
            force_exclude: false,
            config: None,
            isolated: false,
            select: Vec::new(),
            ignore: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Discovers, reads and checks files on disk.
pub fn run(options: &RunOptions) -> Report {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let mut sources = SourceMap::default();
    let mut errors = Vec::new();
    let config_path = if options.isolated {
        None
    } else {
        options
            .config
            .clone()
            .or_else(|| crate::config::find_config(&cwd))
    };
    // Print the configuration's path as reached from here, like inputs.
    let config_path = config_path.map(|p| {
        if p.is_absolute() {
            let parent = p.parent().map(|d| relative_to(d, &cwd)).unwrap_or_default();
            let joined = parent.join(p.file_name().unwrap_or_default());
            joined
                .strip_prefix(".")
                .map(Path::to_path_buf)
                .unwrap_or(joined)
        } else {
            p
        }
    });
    let config = match &config_path {
        Some(path) => {
            let (config, diagnostics) = crate::config::load(&mut sources, path);
            errors.extend(diagnostics);
            config
        }
        None => crate::config::Config::empty(&cwd),
    };
    let (setup, setup_errors) = setup_from(&config, options);
    errors.extend(setup_errors);

    // Explicit files only (a pre-commit run): build the graph from the
    // whole repository, report on the named files.
    let explicit_only = !options.paths.is_empty()
        && options
            .paths
            .iter()
            .all(|p| p.as_os_str() != crate::discover::STDIN_MARKER && p.is_file())
        && options
            .paths
            .iter()
            .any(|p| crate::discover::classify(p).is_some());
    let repository = explicit_only
        .then(|| {
            config_path
                .as_ref()
                .map(|_| config.root.clone())
                .or_else(|| crate::discover::git_root(&cwd))
        })
        .flatten();
    let discover = |paths: Vec<std::path::PathBuf>| {
        crate::discover::discover(&crate::discover::DiscoverOptions {
            paths,
            excludes: options.excludes.clone(),
            force_exclude: options.force_exclude,
        })
    };
    let mut discovered = discover(options.paths.clone());
    if let Some(root) = &repository {
        let walked = discover(vec![relative_to(root, &cwd)]);
        let walked_abs: BTreeSet<std::path::PathBuf> = walked
            .inputs
            .iter()
            .filter_map(|i| match i {
                Input::File { path, .. } => Some(absolute(path)),
                Input::Stdin => None,
            })
            .collect();
        // With --force-exclude, a named file is checked only if the walk of
        // the repository (which applies the excludes from its root) keeps it.
        if options.force_exclude {
            discovered.inputs.retain(|i| match i {
                Input::File { path, .. } => walked_abs.contains(&absolute(path)),
                Input::Stdin => true,
            });
        }
        let named_abs: BTreeSet<std::path::PathBuf> = discovered
            .inputs
            .iter()
            .filter_map(|i| match i {
                Input::File { path, .. } => Some(absolute(path)),
                Input::Stdin => None,
            })
            .collect();
        discovered
            .inputs
            .extend(walked.inputs.into_iter().filter(|i| match i {
                Input::File { path, .. } => !named_abs.contains(&absolute(path)),
                Input::Stdin => false,
            }));
        discovered.inputs.sort_by_cached_key(|i| match i {
            Input::File { path, .. } => Some(absolute(path)),
            Input::Stdin => None,
        });
        discovered.problems.extend(walked.problems);
    }
    for (path, message) in &discovered.problems {
        let file = sources.add(SourceFile::new(path.clone(), ""));
        errors.push(file_error(
            file,
            0,
            format!("{}: {message}", display_path(path)),
        ));
    }

    let named: Vec<std::path::PathBuf> = if explicit_only {
        options.paths.iter().map(|p| absolute(p)).collect()
    } else {
        Vec::new()
    };
    let read: Vec<(std::path::PathBuf, bool, Result<String, ReadError>)> = discovered
        .inputs
        .par_iter()
        .map(|input| match input {
            Input::Stdin => (
                "-".into(),
                false,
                crate::discover::read_stdin(options.max_file_size),
            ),
            Input::File { path, .. } => (
                path.clone(),
                true,
                match symlink_escape(path, &cwd) {
                    Some(target) => Err(ReadError::Io(format!(
                        "symbolic link to {} outside the checked tree",
                        target.display()
                    ))),
                    None => crate::discover::read_file(path, options.max_file_size),
                },
            ),
        })
        .collect();
    let mut files = Vec::new();
    let mut unreadable = 0;
    let mut report_on = BTreeSet::new();
    for (path, on_disk, result) in read {
        let abs = on_disk.then(|| absolute(&path));
        // Show a named file as it was named, not as the walk reached it.
        let shown = abs
            .as_ref()
            .and_then(|a| options.paths.iter().zip(&named).find(|(_, n)| *n == a))
            .map_or_else(|| path.clone(), |(given, _)| given.clone());
        let cluster = abs.as_ref().and_then(|a| config.cluster_of(a));
        let report_here = !explicit_only || abs.as_ref().is_some_and(|a| named.contains(a));
        match result {
            Ok(text) => {
                let file = sources.add(SourceFile::new(shown, text));
                files.push(Loaded { file, cluster });
                if report_here {
                    report_on.insert(file);
                }
            }
            Err(ReadError::NotUtf8 { offset }) => {
                unreadable += 1;
                // Keep the valid prefix so the error has a line and column.
                let bytes = std::fs::read(&path).unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes[..offset.min(bytes.len())]).into_owned();
                let file = sources.add(SourceFile::new(shown.clone(), text));
                if report_here {
                    errors.push(
                        file_error(
                            file,
                            offset,
                            format!("cannot read {}: not valid UTF-8", display_path(&shown)),
                        )
                        .with_help(
                            "spof reads UTF-8 text; convert the file or exclude it with --exclude",
                        ),
                    );
                }
            }
            Err(e) => {
                unreadable += 1;
                let file = sources.add(SourceFile::new(shown.clone(), ""));
                if report_here {
                    errors.push(file_error(
                        file,
                        0,
                        format!("cannot read {}: {e}", display_path(&shown)),
                    ));
                }
            }
        }
    }
    if let Some(config_file) = config.file {
        report_on.insert(config_file);
    }
    let mut report = check_sources(sources, &files, &setup, errors);
    report.summary.files += unreadable;
    if explicit_only {
        report.restrict_to(&report_on);
    }
    report
}

impl Report {
    /// Keeps only diagnostics located in these files (errors without a
    /// file of their own, such as a missing path, always stay).
    fn restrict_to(&mut self, files: &BTreeSet<FileId>) {
        let sources = &self.sources;
        self.diagnostics.retain(|d| {
            files.contains(&d.span.file)
                || (d.kind == Kind::Error && sources.get(d.span.file).text.is_empty())
        });
        self.suppressed
            .retain(|(d, _)| files.contains(&d.span.file));
        let count = |s: Severity| {
            self.diagnostics
                .iter()
                .filter(|d| d.kind == Kind::Finding && d.severity == s)
                .count()
        };
        self.summary.errors = count(Severity::Error);
        self.summary.warnings = count(Severity::Warning);
        self.summary.infos = count(Severity::Info);
        self.summary.suppressed = self.suppressed.len();
        self.summary.input_errors = files_with_errors(&self.diagnostics);
    }
}

/// Where a symbolic link leads, when that is outside the current directory:
/// a pull request must not make spof quote files from elsewhere on the
/// machine. (Walks never follow links; this guards files named explicitly.)
fn symlink_escape(path: &Path, cwd: &Path) -> Option<std::path::PathBuf> {
    if !path.symlink_metadata().ok()?.file_type().is_symlink() {
        return None;
    }
    let target = std::fs::canonicalize(path).ok()?;
    let root = std::fs::canonicalize(cwd).ok()?;
    (!target.starts_with(&root)).then_some(target)
}

/// The absolute, lexically normalised form of a path: what tells two
/// spellings of one file apart without touching the file system.
fn absolute(path: &Path) -> std::path::PathBuf {
    crate::discover::lexical_normalize(
        &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    )
}

/// `root` as a path from `cwd` (`.`, `..`, `../..`), so that walked files
/// print relative to where spof runs.
fn relative_to(root: &Path, cwd: &Path) -> std::path::PathBuf {
    let root = absolute(root);
    let cwd = absolute(cwd);
    let mut up = std::path::PathBuf::new();
    for ancestor in cwd.ancestors() {
        if let Ok(rest) = root.strip_prefix(ancestor) {
            let joined = up.join(rest);
            return if joined.as_os_str().is_empty() {
                ".".into()
            } else {
                joined
            };
        }
        up.push("..");
    }
    root
}

/// The first name that is no rule, with a suggestion, for command-line
/// `--select` and `--ignore`.
pub fn unknown_rule(names: &[String]) -> Option<String> {
    let name = names.iter().find(|n| Rule::lookup(n).is_none())?;
    let candidates = Rule::ALL.iter().flat_map(|r| [r.code(), r.name()]);
    Some(match crate::config::did_you_mean(name, candidates) {
        Some(h) => format!("unknown rule `{name}`; did you mean `{h}`?"),
        None => format!("unknown rule `{name}` (`spof rules` lists them)"),
    })
}

/// Turns the configuration and command-line rule options into a [`Setup`];
/// unknown rule names are configuration errors.
pub fn setup_from(
    config: &crate::config::Config,
    options: &RunOptions,
) -> (Setup, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut lookup = |name: &str, span: Option<Span>| -> Option<Rule> {
        let rule = Rule::lookup(name);
        // Command-line names (no span) were checked by `unknown_rule` first.
        if let (None, Some(span)) = (rule, span) {
            let candidates = Rule::ALL.iter().flat_map(|r| [r.code(), r.name()]);
            let hint = crate::config::did_you_mean(name, candidates);
            let mut d = Diagnostic::error("config-error", span, format!("unknown rule `{name}`"))
                .with_label("unknown rule");
            d.help = Some(hint.map_or_else(
                || "`spof rules` lists every rule".to_string(),
                |h| format!("did you mean `{h}`?"),
            ));
            errors.push(d);
        }
        rule
    };
    let mut settings = Settings::default();
    if !options.select.is_empty() {
        settings.enabled = options
            .select
            .iter()
            .filter_map(|r| lookup(r, None))
            .collect();
    } else if let Some(select) = &config.rules.select {
        settings.enabled = select
            .iter()
            .filter_map(|(r, s)| lookup(r, Some(*s)))
            .collect();
    }
    for (r, s) in &config.rules.ignore {
        if let Some(rule) = lookup(r, Some(*s)) {
            settings.enabled.remove(&rule);
        }
    }
    for r in &options.ignore {
        if let Some(rule) = lookup(r, None) {
            settings.enabled.remove(&rule);
        }
    }
    for (r, severity, s) in &config.rules.severity {
        if let Some(rule) = lookup(r, Some(*s)) {
            settings.severity.insert(rule, *severity);
        }
    }
    let mut keys = TopologyKeys::default();
    keys.zone.extend(config.topology.zone_keys.iter().cloned());
    keys.region
        .extend(config.topology.region_keys.iter().cloned());
    keys.host.extend(config.topology.host_keys.iter().cloned());
    let clusters = config
        .clusters
        .iter()
        .map(|c| Site {
            name: c.name.clone(),
            zones: c.zones.clone(),
            zones_span: c.zones_span,
            region: c.region.clone(),
            region_span: c.region_span,
        })
        .collect();
    let setup = Setup {
        clusters,
        settings,
        min_replicas: config.rules.min_replicas,
        keys,
        limits: Limits::default(),
    };
    (setup, errors)
}
