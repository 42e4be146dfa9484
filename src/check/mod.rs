//! The pipeline: discover → parse → model → graph → analyse → rules, for
//! files on disk ([`run`]) or in memory ([`check_sources`]).

mod baseline;
mod diff;
mod git;
mod options;
mod run;

pub use baseline::write_baseline;
pub use diff::{compare, new_findings, run_diff};
pub use git::head as git_head;
pub use options::{BaselineMode, DEFAULT_MAX_FILE_SIZE, RunOptions};
pub use run::{configuration, run, run_estate, setup_from, unknown_rule};

use crate::analysis::{Analysis, Context, Site};
use crate::cache::Cache;
use crate::date::Date;
use crate::diagnostic::{Diagnostic, Kind, Message, Related, Severity, Text};
use crate::estate::Estate;
use crate::frontends::documents::{self, Documents, Handed, Plans, Sifted};
pub(crate) use crate::frontends::drop_later;
use crate::frontends::kubernetes::Operators;
use crate::frontends::kubernetes::{self, FileDocs, TopologyKeys};
use crate::frontends::terraform::kb::Knowledge;
use crate::frontends::{self, FRONTENDS, Stage};
use crate::graph::Graph;
use crate::model::scope::{self, Layout, Places};
use crate::model::{Acceptance, CloudUnit, Level, Model, Origin, Suppression, ValueLine};
use crate::output::Summary;
use crate::parse::yaml::Limits;
use crate::rules::baseline::Baseline;
use crate::rules::{self, Settings, suppression};
use crate::source::{FileId, SourceFile, SourceMap, Span, TextRange};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// What the pipeline needs to know beyond the files themselves.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Configured clusters, by index.
    pub clusters: Vec<Site>,
    pub settings: Settings,
    pub min_replicas: u32,
    pub keys: TopologyKeys,
    pub limits: Limits,
    /// Larger input files are not read (applied by the on-disk run, which
    /// reads the files; [`check_sources`] takes text already read).
    pub max_file_size: u64,
    /// The day suppressions' `until=` dates are compared with.
    pub today: Date,
    /// Values for Terraform root modules' variables.
    pub variables: crate::frontends::terraform::Variables,
    /// The scanned tree, where Terraform's file functions may read (set by
    /// the on-disk run; empty, nothing is read).
    pub file_tree: crate::frontends::terraform::hcl::FileTree,
    /// The provider knowledge base, with `--rules` extensions.
    pub knowledge: Arc<Knowledge>,
    /// The operator knowledge base, with `--rules` extensions.
    pub operators: Arc<Operators>,
    /// `[[tool]]` sections of spof.toml.
    pub tools: Vec<crate::config::ToolPattern>,
    /// `[[accept]]` sections of spof.toml.
    pub accepts: Vec<crate::config::Accept>,
    /// Which variables hold soft dependencies' addresses (`[dependencies]`).
    pub soft: crate::frontends::hosts::SoftVariables,
    /// The parse cache, for repository runs.
    pub cache: Option<Arc<Cache>>,
    /// Where the run marks its stages; `None` marks nothing.
    pub progress: Option<Arc<crate::progress::Progress>>,
    /// `[[helm.release]]` sections of spof.toml.
    pub helm_releases: Vec<crate::frontends::helm::releases::Release>,
    /// `[helm]`'s `kube-version` and `api-versions` of spof.toml.
    pub helm_capabilities: crate::frontends::helm::Capabilities,
}

impl Default for Setup {
    /// Default settings; today by the system clock.
    fn default() -> Self {
        Self {
            clusters: Vec::new(),
            settings: Settings::default(),
            min_replicas: 2,
            keys: TopologyKeys::default(),
            limits: Limits::default(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            today: Date::today(),
            variables: crate::frontends::terraform::Variables::default(),
            file_tree: crate::frontends::terraform::hcl::FileTree::default(),
            knowledge: Arc::new(Knowledge::builtin()),
            operators: Arc::new(Operators::builtin()),
            tools: Vec::new(),
            accepts: Vec::new(),
            soft: crate::frontends::hosts::SoftVariables::default(),
            cache: None,
            progress: None,
            helm_releases: Vec::new(),
            helm_capabilities: crate::frontends::helm::Capabilities::default(),
        }
    }
}

/// A file to analyse: already in the source map.
pub use crate::frontends::Loaded;

/// The result of a run.
pub struct Report {
    pub sources: SourceMap,
    /// Findings and input errors, sorted, suppressed findings removed.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings silenced by a suppression, with it.
    pub suppressed: Vec<(Diagnostic, Suppression)>,
    /// Findings an `[[accept]]` of spof.toml covers, with it, in output
    /// order.
    pub accepted: Vec<(Diagnostic, Acceptance)>,
    /// The `[[accept]]` entries in force (not past their `until`).
    pub accepts: Vec<crate::config::Accept>,
    pub summary: Summary,
}

impl Report {
    /// What renderers print.
    pub fn output(&self) -> crate::output::Output<'_> {
        crate::output::Output {
            sources: &self.sources,
            diagnostics: &self.diagnostics,
            suppressed: &self.suppressed,
            accepted: &self.accepted,
            summary: &self.summary,
        }
    }

    /// Drops the findings `baseline` records and reports its entries that
    /// match no finding, among those whose path `in_scope` accepts. The
    /// baseline file must be in this report's source map.
    pub fn apply_baseline(
        &mut self,
        baseline: &Baseline,
        in_scope: impl Fn(&str) -> bool,
        settings: &Settings,
    ) {
        let diagnostics = std::mem::take(&mut self.diagnostics);
        let applied =
            rules::baseline::apply(diagnostics, &self.sources, baseline, in_scope, settings);
        self.diagnostics = applied.kept;
        self.diagnostics.extend(
            applied
                .stale
                .into_iter()
                .map(|f| f.into_diagnostic(settings)),
        );
        sort_dedup(&mut self.diagnostics, &self.sources);
        self.summary.baselined += applied.baselined;
        self.recount();
    }

    /// Adds an input error found after the checks (an unusable baseline).
    pub fn add_error(&mut self, error: Diagnostic) {
        self.diagnostics.push(error);
        sort_dedup(&mut self.diagnostics, &self.sources);
        self.recount();
    }

    /// Brings the summary's counts in line with the diagnostics.
    fn recount(&mut self) {
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
        self.summary.accepted = self.accepted.len();
        self.summary.input_errors = files_with_errors(&self.diagnostics);
    }

    /// Whether some input could not be read, parsed or used.
    pub fn has_input_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.kind == Kind::Error && d.severity != Severity::Info)
    }

    /// Exit code: 2 for input errors, 1 for findings at or above `fail_on`.
    pub fn exit_code(&self, fail_on: Severity) -> i32 {
        if self.has_input_errors() {
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

/// Runs model → graph → analysis → rules over files already in `sources`.
/// `errors` are input problems found earlier (unreadable files, config).
pub fn check_sources(
    sources: SourceMap,
    files: &[Loaded],
    setup: &Setup,
    errors: Vec<Diagnostic>,
) -> Report {
    check_estate(sources, files, setup, errors).0
}

/// [`check_sources`], keeping the estate the findings were drawn from.
pub fn check_estate(
    mut sources: SourceMap,
    files: &[Loaded],
    setup: &Setup,
    mut errors: Vec<Diagnostic>,
) -> (Report, Estate) {
    // Packaged subcharts' files are files of their own, with lines.
    frontends::helm::frontend::add_packaged(&mut sources, files);
    let places = Places::new(
        &sources,
        setup
            .clusters
            .iter()
            .map(|c| c.environment.clone().unwrap_or_default())
            .collect(),
    )
    .with_cluster_names(setup.clusters.iter().map(|c| c.name.clone()).collect());
    let progress = setup.progress.as_deref();
    crate::progress::mark(progress, "parsing");
    let mut model = run_frontends(&sources, files, setup, &places, &mut errors);
    let every: Vec<(FileId, &SourceFile)> = sources.iter().collect();
    let comments: Vec<Vec<Suppression>> = every
        .par_iter()
        .map(|&(id, source)| suppression::comments(id, source))
        .collect();
    model.suppressions.extend(comments.into_iter().flatten());
    model.suppressions.sort_by_key(|s| s.span);

    let layout = Layout::new(&places, files.iter().map(|f| (f.file, f.cluster)));
    model.places = places;
    scope::separate(&mut model, &layout);

    apply_tool_patterns(&setup.tools, &mut model);
    crate::graph::link_tools(&mut model);
    let context = context(setup, &model);
    crate::progress::mark(progress, "graph");
    let graph = Graph::build(&model, |e, out| domains_of(&model, &context, e, out));
    crate::progress::mark(progress, "analysis");
    let analysis = Analysis::run(&model, &graph, &context);
    let estate = Estate {
        model,
        graph,
        analysis,
        context,
    };
    crate::progress::mark(progress, "rules");
    let Findings {
        diagnostics,
        suppressed,
        accepted,
    } = findings(&estate, &sources, setup, errors);
    let count = |s: Severity| {
        diagnostics
            .iter()
            .filter(|d| d.kind == Kind::Finding && d.severity == s)
            .count()
    };
    let summary = Summary {
        files: files.len(),
        entities: estate.model.entities.len(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        suppressed: suppressed.len(),
        accepted: accepted.len(),
        baselined: 0,
        preexisting: 0,
        input_errors: files_with_errors(&diagnostics),
    };
    // The source map is only read from here on; keep it in the report.
    sources.shrink();
    let report = Report {
        sources,
        diagnostics,
        suppressed,
        accepted,
        accepts: setup
            .accepts
            .iter()
            .filter(|a| a.acceptance.until.is_none_or(|until| setup.today <= until))
            .cloned()
            .collect(),
        summary,
    };
    (report, estate)
}

/// Runs the frontends ([`FRONTENDS`]) over `files`: each file goes to the
/// frontend claiming it (standard input and unknown names are documents),
/// in path order. The documents are read and the documents' frontends and
/// those with files of their own run on one thread, beside the frontends
/// that load their files meanwhile (Terraform); the models of the frontends
/// other than the documents' are appended after theirs, in the list's
/// order.
fn run_frontends(
    sources: &SourceMap,
    files: &[Loaded],
    setup: &Setup,
    places: &Places,
    errors: &mut Vec<Diagnostic>,
) -> Model {
    // Model order follows paths, not the order files were found in.
    let mut files = files.to_vec();
    files.sort_by(|a, b| sources.get(a.file).path.cmp(&sources.get(b.file).path));
    let mut documents = Vec::new();
    let mut claimed: Vec<Vec<Loaded>> = vec![Vec::new(); FRONTENDS.len()];
    for file in files {
        let kind = frontends::classify(&sources.get(file.file).path);
        match kind.and_then(|k| FRONTENDS.iter().position(|f| f.name == k.frontend)) {
            Some(frontend) => claimed[frontend].push(file),
            None => documents.push(file),
        }
    }
    if let Some(helm) = FRONTENDS
        .iter()
        .position(|f| f.name == frontends::helm::FRONTEND.name)
    {
        frontends::helm::frontend::claim_by_position(sources, &mut documents, &mut claimed[helm]);
    }
    let cluster_names: Vec<String> = setup.clusters.iter().map(|c| c.name.clone()).collect();
    let context = frontends::Context {
        cluster_names: &cluster_names,
        helm_releases: &setup.helm_releases,
        helm_capabilities: &setup.helm_capabilities,
        sources,
        keys: &setup.keys,
        places,
        soft: &setup.soft,
        limits: &setup.limits,
        cache: setup.cache.as_deref(),
        variables: &setup.variables,
        file_tree: &setup.file_tree,
        knowledge: &setup.knowledge,
        operators: &setup.operators,
    };
    let mut model = Model::default();
    let ((parsed, mut own, found), mut pending) = rayon::join(
        || {
            let parsed = documents::read_documents(
                sources,
                &documents,
                &setup.limits,
                &setup.operators,
                context.cache,
            );
            let (own, found) = extract(&documents, &parsed, &claimed, &context, &mut model);
            (parsed, own, found)
        },
        || {
            let beside = FRONTENDS.iter().zip(&claimed);
            beside
                .map(|(f, files)| match f.stage {
                    Stage::Beside { load, .. } => Some(load(files, &documents, &context)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        },
    );
    // The documents are read: their trees go now, not after the analysis
    // (a file can hold tens of thousands of objects).
    let mut plans: Plans = Vec::with_capacity(documents.len());
    let mut parse_errors = Vec::new();
    let mut docs = Vec::with_capacity(documents.len());
    for (loaded, (sifted, error)) in documents.iter().zip(parsed) {
        plans.push((loaded.file, sifted.plans));
        parse_errors.extend(error);
        docs.push(sifted.docs);
    }
    drop_later(docs);
    for (i, frontend) in FRONTENDS.iter().enumerate() {
        if let (Stage::Beside { finish, .. }, Some(loaded)) = (frontend.stage, pending[i].take()) {
            let mut side = Model::default();
            errors.extend(finish(
                loaded,
                std::mem::take(&mut plans),
                &context,
                &mut side,
            ));
            model.append(side);
        }
        if let Some(side) = own[i].take() {
            model.append(side);
        }
    }
    errors.extend(found);
    errors.extend(parse_errors);
    model
}

/// The documents' frontends, into `model`, then those with files of their
/// own, each into a model of its own (by the frontend's place in the list):
/// the models, and the input errors found.
fn extract(
    documents: &[Loaded],
    parsed: &[(Sifted, Option<Diagnostic>)],
    claimed: &[Vec<Loaded>],
    context: &frontends::Context<'_>,
    model: &mut Model,
) -> (Vec<Option<Model>>, Vec<Diagnostic>) {
    let mut docs = Documents {
        files: documents
            .iter()
            .zip(parsed)
            .map(|(loaded, (sifted, _))| FileDocs {
                file: loaded.file,
                cluster: loaded.cluster,
                docs: &sifted.docs,
            })
            .collect(),
        parts: BTreeSet::new(),
        handed: Handed::default(),
    };
    let mut errors = Vec::new();
    for frontend in FRONTENDS {
        if let Stage::Documents { extract, .. } = frontend.stage {
            errors.extend(extract(&mut docs, context, model));
        }
    }
    let handed = std::mem::take(&mut docs.handed);
    drop(docs);
    let mut own: Vec<Option<Model>> = Vec::with_capacity(FRONTENDS.len());
    for (frontend, files) in FRONTENDS.iter().zip(claimed) {
        own.push(match frontend.stage {
            Stage::Files { extract } => {
                let mut side = Model::default();
                errors.extend(extract(files, &handed, context, &mut side));
                Some(side)
            }
            _ => None,
        });
    }
    (own, errors)
}

/// What the rules found, once suppressions and accepted risks are applied.
struct Findings {
    /// Findings kept and input errors, sorted.
    diagnostics: Vec<Diagnostic>,
    /// Findings suppressed, with what suppressed them.
    suppressed: Vec<(Diagnostic, Suppression)>,
    /// Findings accepted, with the acceptance, sorted.
    accepted: Vec<(Diagnostic, Acceptance)>,
}

/// Runs the rules over the estate and applies suppressions, then the
/// accepted risks.
fn findings(
    estate: &Estate,
    sources: &SourceMap,
    setup: &Setup,
    mut errors: Vec<Diagnostic>,
) -> Findings {
    let model = &estate.model;
    let cluster_names: Vec<String> = setup.clusters.iter().map(|c| c.name.clone()).collect();
    let input = rules::Input {
        model,
        graph: &estate.graph,
        analysis: &estate.analysis,
        context: &estate.context,
        cluster_names: &cluster_names,
        cited: rules::Cited::default(),
        progress: setup.progress.as_deref(),
    };
    let settings = &setup.settings;
    let values = ValueLines::new(model);
    let replaced = Replaced::new(model);
    let hidden = Hidden::new(sources, &errors);
    let mut suppressor = suppression::Suppressor::new(&model.suppressions, sources, setup.today);
    let acceptor = rules::accept::Acceptor::new(&setup.accepts, &input, setup.today);
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut suppressed: Vec<(Diagnostic, Suppression)> = Vec::new();
    let mut accepted: Vec<(Diagnostic, Acceptance)> = Vec::new();
    // What is left of a finding once suppressions have had their say.
    let mut accept =
        |f: rules::Finding, diagnostics: &mut Vec<Diagnostic>| match acceptor.accepts(&f) {
            Some(i) => accepted.push((
                f.into_diagnostic(settings),
                setup.accepts[i].acceptance.clone(),
            )),
            None => diagnostics.push(f.into_diagnostic(settings)),
        };
    // Each finding as it is made: where its value is set, whether a parse
    // error hides it, suppressed, accepted or kept, and its diagnostic.
    // Only the diagnostics are kept, never the findings beside them.
    rules::each(&input, settings, &mut |mut f| {
        if let Some(values) = &values {
            values.point(&mut f);
        }
        if let Some(replaced) = &replaced {
            replaced.relate(&mut f);
        }
        if hidden.hides(&f, model, sources, &mut errors) {
            return;
        }
        match suppressor.suppresses(&f) {
            Some(i) => {
                suppressed.push((f.into_diagnostic(settings), model.suppressions[i].clone()));
            }
            None => accept(f, &mut diagnostics),
        }
    });
    let mut late = Vec::new();
    suppressor.finish(settings, setup.today, &mut late);
    for f in late {
        accept(f, &mut diagnostics);
    }
    let mut expired = Vec::new();
    acceptor.finish(settings, setup.today, &mut expired);
    diagnostics.extend(expired.into_iter().map(|f| f.into_diagnostic(settings)));
    // The words of the rules, shared by their findings, need no table any
    // more: freed before the diagnostics are sorted.
    let rules::Input { cited, .. } = input;
    cited.release(setup.progress.as_deref());
    diagnostics.extend(errors);
    crate::progress::step(setup.progress.as_deref(), "findings: sorted");
    sort_dedup(&mut diagnostics, sources);
    diagnostics.shrink_to_fit();
    accepted.sort_by(|a, b| a.0.output_order(&b.0, sources));
    accepted.dedup_by(|a, b| a.0 == b.0);
    Findings {
        diagnostics,
        suppressed,
        accepted,
    }
}

/// Points a finding at a Helm template's value at the values line that set
/// it, the line a user changes, with the template line as a related
/// location (where the value is written, which a run naming the template
/// reports too).
struct ValueLines<'m> {
    /// The values lines not of a kustomization's root, by where they
    /// write (file, end, release).
    set: BTreeMap<(FileId, u32, Option<&'m str>), &'m ValueLine>,
    /// Those of a kustomization's root, by where they write and the root.
    by_root: BTreeMap<(FileId, u32, FileId), Vec<&'m ValueLine>>,
    /// The release of each entity rendered from a chart, by id.
    releases: BTreeMap<&'m str, &'m str>,
    /// The files each entity was built from, by id (when a root sets a
    /// value).
    places: BTreeMap<&'m str, Vec<FileId>>,
}

impl<'m> ValueLines<'m> {
    /// `None` when no chart's value is set by a values line.
    fn new(model: &'m Model) -> Option<Self> {
        let value_lines = &model.value_lines;
        if value_lines.is_empty() {
            return None;
        }
        // A finding's span covers the value, or the key and the value; a
        // template line of a chart rendered for several releases is set by
        // each release's values, so the finding's entity says which; a
        // chart that kustomizations inflate, by each root's.
        let set = value_lines
            .iter()
            .filter(|v| v.root.is_none())
            .map(|v| {
                (
                    (v.written.file, v.written.range.end, v.release.as_deref()),
                    v,
                )
            })
            .collect();
        let mut by_root: BTreeMap<(FileId, u32, FileId), Vec<&ValueLine>> = BTreeMap::new();
        for v in value_lines {
            if let Some(root) = v.root {
                by_root
                    .entry((v.written.file, v.written.range.end, root))
                    .or_default()
                    .push(v);
            }
        }
        let releases = model
            .entities
            .iter()
            .filter_map(|e| {
                let release = e
                    .instances
                    .iter()
                    .find_map(|i| i.detail().release.as_deref())?;
                Some((e.id.as_str(), release))
            })
            .collect();
        let places = if by_root.is_empty() {
            BTreeMap::new()
        } else {
            entity_places(model)
        };
        Some(Self {
            set,
            by_root,
            releases,
            places,
        })
    }

    /// Points `finding`, when it is at a Helm template's value, at the
    /// values line that set it, the template line becoming a related
    /// location.
    fn point(&self, finding: &mut rules::Finding) {
        let id = finding.entity.as_deref();
        let release = id.and_then(|id| self.releases.get(id).copied());
        let at = (finding.span.file, finding.span.range.end, release);
        let found = self.set.get(&at).copied().or_else(|| {
            by_root_line(
                &self.by_root,
                id.and_then(|id| self.places.get(id)),
                finding.span,
            )
        });
        if let Some(v) = found
            && finding.span.range.start <= v.written.range.start
        {
            let written = finding.span;
            finding.span = v.set;
            finding.decided_at = Some(written);
            finding.related.insert(
                0,
                Related {
                    span: written,
                    message: "the template writes the value here".into(),
                },
            );
        }
    }
}

/// The files each entity was built from (the kustomization roots of its
/// instances), by id.
fn entity_places(model: &Model) -> BTreeMap<&str, Vec<FileId>> {
    model
        .entities
        .iter()
        .map(|e| {
            (
                e.id.as_str(),
                e.instances.iter().filter_map(|i| i.place).collect(),
            )
        })
        .collect()
}

/// Lists, as related locations of a finding at a value a kustomization's
/// patch or `replicas:` entry wrote, the lines it replaced (the base's
/// `replicas: 3`, an intermediate overlay's patch), the nearest first. An
/// entity that two roots build with different lines behind one value gets
/// none.
struct Replaced<'m> {
    /// The replaced values, by where they write (file, end) and the root.
    by_root: BTreeMap<(FileId, u32, FileId), &'m crate::model::ReplacedValue>,
    /// The files each entity was built from, by id.
    places: BTreeMap<&'m str, Vec<FileId>>,
}

impl<'m> Replaced<'m> {
    /// `None` when no patch replaced a value.
    fn new(model: &'m Model) -> Option<Self> {
        if model.replaced_values.is_empty() {
            return None;
        }
        let by_root = model
            .replaced_values
            .iter()
            .map(|v| ((v.written.file, v.written.range.end, v.root), v))
            .collect();
        Some(Self {
            by_root,
            places: entity_places(model),
        })
    }

    /// Adds the lines the value at `finding` replaced as its related
    /// locations.
    fn relate(&self, finding: &mut rules::Finding) {
        let Some(roots) = finding.entity.as_deref().and_then(|id| self.places.get(id)) else {
            return;
        };
        let span = finding.span;
        let mut found: Option<&crate::model::ReplacedValue> = None;
        let mut agree = true;
        for root in roots {
            if let Some(v) = self.by_root.get(&(span.file, span.range.end, *root)) {
                match found {
                    Some(f) if f.lines != v.lines => agree = false,
                    _ => found = Some(*v),
                }
            }
        }
        let Some(v) = found.filter(|v| agree && span.range.start <= v.written.range.start) else {
            return;
        };
        for (line, message) in &v.lines {
            if !finding.related.iter().any(|r| r.span == *line) {
                finding.related.push(Related {
                    span: *line,
                    message: message.as_str().into(),
                });
            }
        }
    }
}

/// The values line that set the value a chart inflated by kustomizations
/// writes at `span`, for an entity built by the roots `places`: `None`
/// when those roots' values set it at different lines (two overlays
/// building one entity), which leaves the finding at the template line.
fn by_root_line<'v>(
    by_root: &BTreeMap<(FileId, u32, FileId), Vec<&'v ValueLine>>,
    places: Option<&Vec<FileId>>,
    span: Span,
) -> Option<&'v ValueLine> {
    let mut found: Option<&ValueLine> = None;
    for root in places? {
        for v in by_root
            .get(&(span.file, span.range.end, *root))
            .map_or(&[][..], Vec::as_slice)
        {
            match found {
                Some(f) if f.set != v.set => return None,
                _ => found = Some(v),
            }
        }
    }
    found
}

/// Drops the findings that a file which could not be read as a whole may
/// make wrong, and says so at that file's input error: a Service selecting
/// nothing (SPOF012) or a reference naming nothing (SPOF013) when a
/// YAML or JSON file in the finding's directory or below failed to parse
/// (or held an object spof refused) and its text holds every name the
/// selector or reference looks for, so it may declare what they look for.
struct Hidden {
    /// The first input error of each YAML or JSON file, by file.
    failed: BTreeMap<FileId, usize>,
}

impl Hidden {
    fn new(sources: &SourceMap, errors: &[Diagnostic]) -> Self {
        let is_document = |file: FileId| {
            frontends::classify(&sources.get(file).path).is_none_or(|k| k == documents::KIND)
        };
        let mut failed: BTreeMap<FileId, usize> = BTreeMap::new();
        for (i, e) in errors.iter().enumerate() {
            if e.kind == Kind::Error && e.code == "parse-error" && is_document(e.span.file) {
                failed.entry(e.span.file).or_insert(i);
            }
        }
        Self { failed }
    }

    /// Whether `f` is hidden, said at the input error of the file that
    /// hides it.
    fn hides(
        &self,
        f: &rules::Finding,
        model: &Model,
        sources: &SourceMap,
        errors: &mut [Diagnostic],
    ) -> bool {
        if self.failed.is_empty()
            || !matches!(
                f.rule,
                rules::Rule::ServiceSelectsNothing | rules::Rule::UnknownDependency
            )
        {
            return false;
        }
        let names = looked_for(model, f);
        if names.is_empty() {
            return false;
        }
        let dir = sources
            .get(f.span.file)
            .path
            .parent()
            .unwrap_or(Path::new(""));
        let hider = self.failed.iter().find(|(file, _)| {
            let source = sources.get(**file);
            source.path.starts_with(dir) && names.iter().all(|n| source.text().contains(n))
        });
        let Some((_, &at)) = hider else {
            return false;
        };
        if let Some(error) = errors.get_mut(at) {
            error.related.push(crate::diagnostic::Related {
                span: f.span,
                message: format!(
                    "{}: not reported ({}), as this file may declare what it looks for",
                    f.message,
                    f.rule.code()
                )
                .into(),
            });
        }
        true
    }
}

/// The names a SPOF012 or SPOF013 finding's selector or reference looks
/// for: the selector's label values, the name a reference ends with.
fn looked_for<'m>(model: &'m Model, finding: &rules::Finding) -> Vec<&'m str> {
    let Some(id) = finding.entity.as_deref() else {
        return Vec::new();
    };
    let entries = model
        .entities
        .iter()
        .filter(|e| e.id == id)
        .flat_map(|e| &e.instances)
        .flat_map(|i| i.dependencies.iter().chain(&i.manages));
    for d in entries {
        if d.span != finding.span {
            continue;
        }
        return match &d.target {
            crate::model::Reference::PodSelector { labels, .. } => {
                labels.values().map(String::as_str).collect()
            }
            crate::model::Reference::K8s { name, .. }
            | crate::model::Reference::K8sName { name, .. } => vec![name.as_str()],
            crate::model::Reference::Id(id) => id.rsplit(['/', ':']).next().into_iter().collect(),
            _ => Vec::new(),
        };
    }
    Vec::new()
}

/// `[[tool]]` in spof.toml: the entities it matches are tools, of its
/// kind, managing what it says.
fn apply_tool_patterns(patterns: &[crate::config::ToolPattern], model: &mut Model) {
    for pattern in patterns {
        for entity in &mut model.entities {
            if !pattern.matcher.is_match(&entity.id) && !pattern.matcher.is_match(entity.base_id())
            {
                continue;
            }
            entity.role = crate::model::Role::Tool;
            if let Some(kind) = &pattern.kind {
                entity.tool_kind = Some(kind.clone());
            } else if entity.tool_kind.is_none() {
                entity.tool_kind =
                    crate::frontends::tools::detect_by_name(&entity.name).map(|t| t.kind.clone());
            }
            let namespace = entity.namespace.clone().unwrap_or_else(|| "default".into());
            for instance in &mut entity.instances {
                for (entry, span) in &pattern.manages {
                    let target = if entry.contains(['*', '?']) {
                        crate::model::Reference::Pattern(entry.clone())
                    } else {
                        kubernetes::parse_reference(entry, &namespace)
                    };
                    instance.manages.push(crate::model::Dependency {
                        target,
                        strength: crate::model::Strength::Hard,
                        span: *span,
                        via: "[[tool]] in spof.toml".into(),
                        explicit: true,
                        origin: None,
                    });
                }
            }
        }
    }
}

/// Files (or other inputs, such as the configuration) with at least one
/// input error.
pub(crate) fn files_with_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error && d.severity != Severity::Info)
        .map(|d| d.span.file)
        .collect::<BTreeSet<_>>()
        .len()
}

/// Deterministic order, whatever order the files were found in: by file
/// path, position, code, message, entity. Diagnostics that say the same
/// thing at the same place about the same entity are one; about different
/// entities (each root module's instance of a Terraform module, copies of
/// one name) they are findings of their own.
pub fn sort_dedup(diagnostics: &mut Vec<Diagnostic>, sources: &SourceMap) {
    // [`Diagnostic::output_order`], with each file's place in path order
    // found once rather than paths compared at every step.
    let rank = path_ranks(diagnostics, sources);
    fn key<'d>(
        d: &'d Diagnostic,
        rank: &[usize],
    ) -> (usize, TextRange, &'d Text, &'d Message, &'d Option<String>) {
        let rank = rank.get(d.span.file.0 as usize).copied().unwrap_or(0);
        (rank, d.span.range, &d.code, &d.message, &d.entity)
    }
    // Their positions sorted, stably, and the diagnostics then put where
    // they go: a stable sort of the diagnostics themselves takes a buffer
    // of half of them, some hundred bytes a finding in a large run.
    let mut order: Vec<usize> = (0..diagnostics.len()).collect();
    order.sort_by(|&a, &b| key(&diagnostics[a], &rank).cmp(&key(&diagnostics[b], &rank)));
    permute(diagnostics, order);
    diagnostics.dedup_by(|b, a| indistinct(a, b));
}

/// Puts `items[order[i]]` at `i`, for every `i`, moving each item once
/// along the cycles of `order` (a permutation of the positions).
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for i in 0..items.len().min(order.len()) {
        let mut j = i;
        while order[j] != i {
            let k = order[j];
            order[j] = j;
            if k >= items.len() {
                break;
            }
            items.swap(j, k);
            j = k;
        }
        order[j] = j;
    }
}

/// Whether two diagnostics are one: a finding is identified by its rule
/// and its entity as well as by what it says where, and a module's resource
/// decided by a different value in each root module (each call's argument)
/// is a finding per value.
fn indistinct(a: &Diagnostic, b: &Diagnostic) -> bool {
    a.kind == b.kind
        && a.code == b.code
        && a.span == b.span
        && a.message == b.message
        && a.label == b.label
        && a.entity == b.entity
        && a.decided_at == b.decided_at
}

/// For each file of the source map (by id), a number ordered as its path
/// among the paths of the files `diagnostics` are in; files with equal paths
/// get equal numbers, and 0 is below every path (what
/// [`Diagnostic::output_order`] gives an id outside the source map).
fn path_ranks(diagnostics: &[Diagnostic], sources: &SourceMap) -> Vec<usize> {
    let mut files: Vec<FileId> = diagnostics
        .iter()
        .map(|d| d.span.file)
        .filter(|f| (f.0 as usize) < sources.len())
        .collect();
    files.sort_unstable();
    files.dedup();
    files.sort_by(|a, b| sources.get(*a).path.cmp(&sources.get(*b).path));
    let mut rank = vec![0; sources.len()];
    let mut previous: Option<(&Path, usize)> = None;
    for (i, file) in files.into_iter().enumerate() {
        let path = sources.get(file).path.as_path();
        let r = match previous {
            Some((p, r)) if p == path => r,
            _ => i + 1,
        };
        if let Some(slot) = rank.get_mut(file.0 as usize) {
            *slot = r;
        }
        previous = Some((path, r));
    }
    rank
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
/// cluster's zones and region, sorted, each once, in `out` (emptied first).
fn domains_of<'a>(
    model: &'a Model,
    context: &'a Context,
    e: usize,
    out: &mut Vec<(Level, &'a str)>,
) {
    out.clear();
    let entity = &model.entities[e];
    if entity.origin == Origin::Terraform {
        for inst in &entity.instances {
            for fact in &inst.detail().cloud {
                if let CloudUnit::Zone(Some(zone)) = &fact.unit {
                    out.push((Level::Zone, zone));
                }
            }
            if let Some((region, _)) = &inst.region {
                out.push((Level::Region, region));
            }
        }
    } else {
        for inst in &entity.instances {
            let site = context.site(inst.cluster);
            out.extend(site.zones.iter().map(|z| (Level::Zone, z.as_str())));
            out.extend(site.region.iter().map(|r| (Level::Region, r.as_str())));
            for pin in &inst.placement.pins {
                out.extend(pin.domains.iter().map(|d| (pin.level, &**d)));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// An error about a whole file (unreadable, too large, not UTF-8), at its
/// first byte or at the offending one.
pub fn file_error(file: FileId, at: usize, message: String) -> Diagnostic {
    Diagnostic::error("read-error", Span::new(file, TextRange::empty(at)), message)
}

#[cfg(test)]
mod accept_tests;
#[cfg(test)]
mod frontend_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_dedup_orders_as_output_order() {
        use std::path::PathBuf;
        let mut sources = SourceMap::default();
        // Component order, not byte order: `a/b` before `a-b`; two files
        // with one path; a file with no path.
        for path in ["a-b", "a/b", "a/b", "", "./a/b/c", "a/b/c", "b", "a"] {
            sources.add(SourceFile::new(PathBuf::from(path), "x\ny\n"));
        }
        let mut diagnostics = Vec::new();
        // Ids past the source map too (0 is below every path).
        for file in (0..10).rev() {
            for (at, code, message) in [(2, "b", "m"), (0, "b", "m"), (0, "a", "n"), (0, "a", "m")]
            {
                let span = Span::new(FileId(file), TextRange::empty(at));
                let mut d = Diagnostic::error(code, span, message);
                d.entity = (file % 2 == 0).then(|| format!("e{file}"));
                diagnostics.push(d);
            }
        }
        let mut expected = diagnostics.clone();
        expected.sort_by(|a, b| a.output_order(b, &sources));
        expected.dedup_by(|b, a| indistinct(a, b));
        sort_dedup(&mut diagnostics, &sources);
        let key = |d: &Diagnostic| (d.span, d.code.clone(), d.message.clone(), d.entity.clone());
        assert_eq!(
            diagnostics.iter().map(key).collect::<Vec<_>>(),
            expected.iter().map(key).collect::<Vec<_>>()
        );
    }
}
