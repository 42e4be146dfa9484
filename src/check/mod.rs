//! The pipeline: discover → parse → model → graph → analyse → rules, for
//! files on disk ([`run`]) or in memory ([`check_sources`]).

mod baseline;
mod diff;
mod git;
mod run;

pub use baseline::write_baseline;
pub use diff::{compare, new_findings, run_diff};
pub use run::{
    BaselineMode, DEFAULT_MAX_FILE_SIZE, RunOptions, configuration, run, run_estate, setup_from,
    unknown_rule,
};

use crate::analysis::{Analysis, Context, Site};
use crate::cache::{Cache, KeyBuilder};
use crate::date::Date;
use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::discover::{FileKind, classify};
use crate::frontends::compose;
use crate::frontends::kubernetes::{self, FileDocs, TopologyKeys};
use crate::frontends::manifest;
use crate::frontends::terraform::{self, Resource, kb::KnowledgeBase};
use crate::graph::Graph;
use crate::model::scope::{self, Layout, Places};
use crate::model::{
    CloudUnit, Entity, EvaluationLimit, Level, LimitKind, Model, Suppression, TERRAFORM_ID_PREFIX,
    UnfollowedModule,
};
use crate::parse::Document;
use crate::parse::tree::{Node, Value};
use crate::parse::yaml::{self, Limits};
use crate::render::Summary;
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
    /// The provider knowledge base, with `--rules` extensions.
    pub knowledge: Arc<KnowledgeBase>,
    /// `[[tool]]` sections of spof.toml.
    pub tools: Vec<crate::config::ToolPattern>,
    /// Which variables hold soft dependencies' addresses (`[dependencies]`).
    pub soft: crate::frontends::hosts::SoftVariables,
    /// The parse cache, for repository runs.
    pub cache: Option<Arc<Cache>>,
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
            knowledge: Arc::new(KnowledgeBase::builtin()),
            tools: Vec::new(),
            soft: crate::frontends::hosts::SoftVariables::default(),
            cache: None,
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
    /// What renderers print.
    pub fn output(&self) -> crate::render::Output<'_> {
        crate::render::Output {
            sources: &self.sources,
            diagnostics: &self.diagnostics,
            suppressed: &self.suppressed,
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
        self.summary.input_errors = files_with_errors(&self.diagnostics);
    }

    /// Whether some input could not be read, parsed or used.
    pub fn has_input_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.kind == Kind::Error)
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
            let (docs, error) = yaml::parse_stream(source.text(), limits);
            (docs, error.map(|e| syntax_error(loaded.file, source, e)))
        })
        .collect()
}

fn syntax_error(file: FileId, source: &SourceFile, e: yaml::SyntaxError) -> Diagnostic {
    let mut d = Diagnostic::error(
        "parse-error",
        Span::new(file, e.range),
        format!("cannot parse {}: {}", source.display_path(), e.message),
    )
    .with_label(e.message.clone());
    d.help = e.help;
    d
}

/// What the extractors take from one YAML or JSON file: its documents, those
/// no extractor reads replaced by empty mappings (so that positions in the
/// stream are kept), and the resources of each Terraform plan or state
/// document, read as the file is parsed.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Sifted {
    pub docs: Vec<Document>,
    pub plans: Vec<Vec<Resource>>,
}

impl Sifted {
    /// The sifted documents, and the first plan or state document whose
    /// shape is not Terraform's, as a `parse-error` (its resources are not
    /// read).
    fn new(file: FileId, source: &SourceFile, docs: Vec<Document>) -> (Self, Option<Diagnostic>) {
        let mut shape = None;
        let plans = docs
            .iter()
            .filter_map(|d| match terraform::plan::shape_error(&d.root) {
                Some((node, message)) => {
                    shape.get_or_insert_with(|| {
                        Diagnostic::error(
                            "parse-error",
                            Span::new(file, node.range),
                            format!(
                                "cannot read the Terraform JSON in {}: {message}",
                                source.display_path()
                            ),
                        )
                        .with_label(message)
                    });
                    None
                }
                None => terraform::plan::read(file, &d.root),
            })
            .collect();
        let docs = docs
            .into_iter()
            .enumerate()
            .map(|(i, doc)| {
                let read = kubernetes::reads(&doc.root)
                    || crate::frontends::backstage::reads(&doc.root)
                    || (i == 0
                        && (compose::reads(&doc.root)
                            || crate::frontends::kustomize::reads(&doc.root)));
                if read {
                    doc
                } else if let Some(root) = kubernetes::slim_custom_resource(&doc.root) {
                    Document { root }
                } else {
                    Document {
                        root: Node {
                            range: TextRange::empty(doc.root.range.start as usize),
                            value: Value::Map(Box::default()),
                        },
                    }
                }
            })
            .collect();
        (Self { docs, plans }, shape)
    }
}

/// Parses and sifts the YAML/JSON files in parallel, reading files parsed
/// before from `cache` and storing the others (those that parse); syntax
/// errors become diagnostics.
pub fn read_documents(
    sources: &SourceMap,
    files: &[Loaded],
    limits: &Limits,
    cache: Option<&Cache>,
) -> Vec<(Sifted, Option<Diagnostic>)> {
    files
        .par_iter()
        .map(|loaded| {
            let file = loaded.file;
            let source = sources.get(file);
            let key = cache.map(|_| {
                KeyBuilder::new("yaml")
                    .u64(limits.max_depth as u64)
                    .u64(limits.max_alias_nodes as u64)
                    .bytes(&source.digest())
                    .key()
            });
            let length = source.len();
            if let (Some(cache), Some(key)) = (cache, &key)
                && let Some(sifted) = cache.get_spanned::<Sifted>("yaml", key, &[file], |_| length)
                && sifted.docs.iter().all(|d| d.root.fits(length))
            {
                return (sifted, None);
            }
            let (docs, error) = yaml::parse_stream(source.text(), limits);
            let (sifted, shape) = Sifted::new(file, source, docs);
            if let (Some(cache), Some(key), None, None) = (cache, &key, &error, &shape) {
                cache.put_spanned("yaml", key, &sifted, &[file]);
            }
            (
                sifted,
                error.map(|e| syntax_error(file, source, e)).or(shape),
            )
        })
        .collect()
}

/// What the pipeline built before the rules ran: the model, its graph and
/// the analysis, for the commands that read more than findings (`spof
/// simulate`, `spof graph`, `spof report`).
pub struct Estate {
    pub model: Model,
    pub graph: Graph,
    pub analysis: Analysis,
    pub context: Context,
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
    let total_files = files.len();
    let every_input = files;
    // Model order follows paths, not the order files were found in.
    let mut files = files.to_vec();
    files.sort_by(|a, b| sources.get(a.file).path.cmp(&sources.get(b.file).path));
    // Each file by its kind, in path order.
    let (mut terraform, mut nomad, mut manifests, mut documents) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for file in files {
        match classify(&sources.get(file.file).path) {
            Some(FileKind::Terraform) => terraform.push(file),
            // A run keeps only the `.hcl` files that are Nomad jobs.
            Some(FileKind::Nomad | FileKind::Hcl) => nomad.push(file),
            Some(FileKind::Manifest) => manifests.push(file),
            // Standard input and unknown names are read as YAML.
            None | Some(FileKind::Yaml | FileKind::Json) => documents.push(file),
        }
    }
    let files = &documents[..];
    let places = Places::new(
        &sources,
        setup
            .clusters
            .iter()
            .map(|c| c.environment.clone().unwrap_or_default())
            .collect(),
    );
    let mut model = Model::default();
    let nomad_files: Vec<_> = nomad
        .iter()
        .map(|f| (f.file, sources.get(f.file)))
        .collect();
    // Only the cache serves or stores root modules' entities.
    let may_hold_plans = match setup.cache {
        Some(_) => plan_candidates(&sources, files),
        None => BTreeSet::new(),
    };
    // Terraform's root modules are loaded beside the YAML/JSON files' reading
    // and the extractors that read those: only merging plans in needs the
    // documents. Kubernetes, compose, Backstage and Nomad fill `model`;
    // Terraform and Nomad each a model of their own, appended after it
    // (Terraform's, then Nomad's), in the order of a run one after the other.
    let ((parsed, (jobs, job_errors)), loaded) = rayon::join(
        || {
            let parsed = read_documents(&sources, files, &setup.limits, setup.cache.as_deref());
            let inputs: Vec<FileDocs<'_>> = files
                .iter()
                .zip(&parsed)
                .map(|(loaded, (sifted, _))| FileDocs {
                    file: loaded.file,
                    cluster: loaded.cluster,
                    docs: &sifted.docs,
                })
                .collect();
            // Kustomize patches are parts of objects, not objects.
            let patches = crate::frontends::kustomize::patch_files(&inputs, &sources);
            let objects: Vec<FileDocs<'_>> = inputs
                .iter()
                .filter(|f| !patches.contains(&f.file))
                .map(|f| FileDocs {
                    file: f.file,
                    cluster: f.cluster,
                    docs: f.docs,
                })
                .collect();
            let mut errors =
                kubernetes::extract(&objects, &setup.keys, &places, &setup.soft, &mut model);
            drop(objects);
            errors.extend(compose::extract(&inputs, &sources, &setup.soft, &mut model));
            crate::frontends::backstage::extract(&inputs, &mut model);
            drop(inputs);
            let mut jobs = Model::default();
            errors.extend(crate::frontends::nomad::extract(
                &nomad_files,
                &setup.limits,
                setup.cache.as_deref(),
                &mut jobs,
            ));
            (parsed, (jobs, errors))
        },
        || terraform_load(&sources, &terraform, setup, &may_hold_plans),
    );
    // The documents are read: their trees go now, not after the analysis
    // (a file can hold tens of thousands of objects).
    let mut plans: Vec<(FileId, Vec<Vec<Resource>>)> = Vec::with_capacity(files.len());
    let mut parse_errors = Vec::new();
    let mut docs = Vec::with_capacity(files.len());
    for (loaded, (sifted, error)) in files.iter().zip(parsed) {
        plans.push((loaded.file, sifted.plans));
        parse_errors.extend(error);
        docs.push(sifted.docs);
    }
    drop_later(docs);
    let mut side = Model::default();
    terraform_model(
        &sources,
        loaded,
        plans,
        setup,
        &may_hold_plans,
        &mut side,
        &mut errors,
    );
    model.append(side);
    model.append(jobs);
    errors.extend(job_errors);
    let manifest_files: Vec<_> = manifests
        .iter()
        .map(|f| (f.file, sources.get(f.file)))
        .collect();
    errors.extend(manifest::extract(&manifest_files, &mut model));
    errors.extend(parse_errors);
    let every: Vec<(FileId, &SourceFile)> = sources.iter().collect();
    let comments: Vec<Vec<Suppression>> = every
        .par_iter()
        .map(|&(id, source)| suppression::comments(id, source))
        .collect();
    model.suppressions.extend(comments.into_iter().flatten());
    model.suppressions.sort_by_key(|s| s.span);

    let layout = Layout::new(&places, every_input.iter().map(|f| (f.file, f.cluster)));
    model.places = places;
    scope::separate(&mut model, &layout);

    apply_tool_patterns(&setup.tools, &mut model);
    crate::graph::link_tools(&mut model);
    let context = context(setup, &model);
    let graph = Graph::build(&model, |e, out| domains_of(&model, &context, e, out));
    let analysis = Analysis::run(&model, &graph, &context);
    let cluster_names: Vec<String> = setup.clusters.iter().map(|c| c.name.clone()).collect();
    let input = rules::Input {
        model: &model,
        graph: &graph,
        analysis: &analysis,
        context: &context,
        cluster_names: &cluster_names,
    };
    let mut findings = rules::run(&input, &setup.settings);
    hidden_by_parse_errors(&mut findings, &model, &sources, &mut errors);
    let outcome = suppression::apply(
        findings,
        &model.suppressions,
        &sources,
        &setup.settings,
        setup.today,
    );
    let mut diagnostics: Vec<Diagnostic> = outcome
        .kept
        .into_iter()
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
        files: total_files,
        entities: model.entities.len(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        suppressed: suppressed.len(),
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
        summary,
    };
    let estate = Estate {
        model,
        graph,
        analysis,
        context,
    };
    (report, estate)
}

/// Drops the findings that a file which could not be read as a whole may
/// make wrong, and says so at that file's input error: a Service selecting
/// nothing (SPOF012) or a reference naming nothing (SPOF013) when a
/// YAML or JSON file in the finding's directory or below failed to parse
/// (or held an object spof refused) and its text holds every name the
/// selector or reference looks for, so it may declare what they look for.
fn hidden_by_parse_errors(
    findings: &mut Vec<rules::Finding>,
    model: &Model,
    sources: &SourceMap,
    errors: &mut [Diagnostic],
) {
    let is_document = |file: FileId| {
        matches!(
            classify(&sources.get(file).path),
            None | Some(FileKind::Yaml | FileKind::Json)
        )
    };
    // The first input error of each YAML or JSON file, by file.
    let mut failed: BTreeMap<FileId, usize> = BTreeMap::new();
    for (i, e) in errors.iter().enumerate() {
        if e.kind == Kind::Error && e.code == "parse-error" && is_document(e.span.file) {
            failed.entry(e.span.file).or_insert(i);
        }
    }
    if failed.is_empty() {
        return;
    }
    findings.retain(|f| {
        if !matches!(
            f.rule,
            rules::Rule::ServiceSelectsNothing | rules::Rule::UnknownDependency
        ) {
            return true;
        }
        let names = looked_for(model, f);
        if names.is_empty() {
            return true;
        }
        let dir = sources
            .get(f.span.file)
            .path
            .parent()
            .unwrap_or(Path::new(""));
        let hider = failed.iter().find(|(file, _)| {
            let source = sources.get(**file);
            source.path.starts_with(dir) && names.iter().all(|n| source.text().contains(n))
        });
        let Some((_, &at)) = hider else {
            return true;
        };
        errors[at].related.push(crate::diagnostic::Related {
            span: f.span,
            message: format!(
                "{}: not reported ({}), as this file may declare what it looks for",
                f.message,
                f.rule.code()
            ),
        });
        false
    });
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

/// Frees `value` on a thread of its own: the parsed trees of a repository
/// take tens of milliseconds to free, which the caller need not wait for.
/// When no thread can be started, frees it here.
pub(crate) fn drop_later<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and `value` with it.
    let _ = std::thread::Builder::new()
        .name("spof-drop".to_string())
        .spawn(move || drop(value));
}

/// The directories (as root module names) of the YAML/JSON files that may
/// hold a Terraform plan or state: those whose text has `format_version`,
/// which a plan's document must have as a key, or a backslash, which could
/// spell that key otherwise (an escape; see [`crate::source::Marks`]).
/// Known before the documents are parsed, so that no root module a plan may
/// be merged into is served from the cache.
fn plan_candidates(sources: &SourceMap, documents: &[Loaded]) -> BTreeSet<String> {
    let dirs: Vec<Option<String>> = documents
        .par_iter()
        .map(|f| {
            let source = sources.get(f.file);
            let candidate = source.marks().plan;
            candidate.then(|| terraform::root_name(source.path.parent().unwrap_or(Path::new(""))))
        })
        .collect();
    dirs.into_iter().flatten().collect()
}

/// What a root module's entities are, as the cache keeps them.
type RootEntities = (
    Vec<Entity>,
    Vec<terraform::hcl::UnfollowedModule>,
    Vec<terraform::hcl::EvalNote>,
);

/// The key of a root module's entities: its `tf-root` key and the knowledge
/// base.
fn entities_key(setup: &Setup, root_key: &crate::cache::Key) -> crate::cache::Key {
    KeyBuilder::new("tf-model")
        .key_part(root_key)
        .bytes(setup.knowledge.digest())
        .key()
}

/// Terraform's HCL configurations loaded: each root module's resources, or
/// its entities from the cache. A root module's entities depend on its
/// resources and the knowledge base alone, unless a plan may be merged into
/// it (`may_hold_plans`): the cache keeps them for the others, and their
/// resources are then not even read back.
fn terraform_load(
    sources: &SourceMap,
    configurations: &[Loaded],
    setup: &Setup,
    may_hold_plans: &BTreeSet<String>,
) -> (terraform::hcl::Load, Vec<(String, RootEntities)>) {
    let cache = setup.cache.as_deref();
    let length = |f: FileId| sources.get(f).len();
    let serve = |root: &terraform::hcl::RootKey<'_>| -> Option<RootEntities> {
        if may_hold_plans.contains(root.name) {
            return None;
        }
        cache?.get_spanned(
            "tf-model",
            &entities_key(setup, root.key),
            root.table,
            length,
        )
    };
    let ids: Vec<FileId> = configurations.iter().map(|f| f.file).collect();
    if ids.is_empty() {
        (terraform::hcl::Load::default(), Vec::new())
    } else {
        terraform::hcl::load_cached(sources, &ids, &setup.variables, &setup.limits, cache, serve)
    }
}

/// Terraform: the loaded HCL configurations and the plan/state JSON
/// documents become resources (a plan's resources merged with the HCL of the
/// root module in its directory), and the provider knowledge base turns them
/// into entities.
fn terraform_model(
    sources: &SourceMap,
    loaded: (terraform::hcl::Load, Vec<(String, RootEntities)>),
    documents: Vec<(FileId, Vec<Vec<Resource>>)>,
    setup: &Setup,
    may_hold_plans: &BTreeSet<String>,
    model: &mut Model,
    errors: &mut Vec<Diagnostic>,
) {
    // A plan describes the root module of its directory when it is the only
    // plan there; any other plan is an estate of its own, named by its path.
    let mut plans: Vec<(String, String, Vec<Resource>)> = Vec::new();
    for (file, found) in documents {
        if found.is_empty() {
            continue;
        }
        let path = &sources.get(file).path;
        let dir = terraform::root_name(path.parent().unwrap_or(Path::new("")));
        for resources in found {
            plans.push((dir.clone(), terraform::root_name(path), resources));
        }
    }
    let mut per_dir: BTreeMap<String, usize> = BTreeMap::new();
    for (dir, _, _) in &plans {
        *per_dir.entry(dir.clone()).or_default() += 1;
    }

    let cache = setup.cache.as_deref();
    let (mut load, served) = loaded;
    errors.extend(std::mem::take(&mut load.errors));
    let mut by_name: BTreeMap<String, Vec<Entity>> = BTreeMap::new();
    for (name, (entities, unfollowed, notes)) in served {
        by_name.insert(name, entities);
        load.unfollowed.extend(unfollowed);
        load.notes.extend(notes);
    }
    load.unfollowed.sort();
    load.unfollowed.dedup();
    load.notes.sort();
    load.notes.dedup();
    for note in std::mem::take(&mut load.notes) {
        match note {
            terraform::hcl::EvalNote::Limit { span, limit } => {
                let kind = match limit {
                    terraform::hcl::Limit::Size => LimitKind::Size,
                    terraform::hcl::Limit::Work => LimitKind::Work,
                    terraform::hcl::Limit::Instances => LimitKind::Instances,
                };
                model.evaluation_limits.push(EvaluationLimit { span, kind });
            }
            cycle @ terraform::hcl::EvalNote::Cycle { .. } => errors.extend(cycle.error()),
        }
    }
    model
        .unfollowed_modules
        .extend(load.unfollowed.into_iter().map(|u| UnfollowedModule {
            module: u.module,
            source: u.source,
            remote: u.remote,
            span: u.span,
        }));
    // The HCL resources by root, so that merging a plan touches only its
    // root's resources.
    let mut by_root: BTreeMap<String, Vec<Resource>> = BTreeMap::new();
    for r in load.resources {
        by_root.entry(r.root.clone()).or_default().push(r);
    }
    let hcl_roots: BTreeSet<String> = by_root.keys().cloned().collect();
    for (dir, file, mut plan) in plans {
        let describes_dir = hcl_roots.contains(&dir) && per_dir.get(&dir) == Some(&1);
        let root = if describes_dir { dir } else { file };
        for r in &mut plan {
            r.root.clone_from(&root);
        }
        let hcl = by_root.remove(&root).unwrap_or_default();
        let merged = terraform::plan::merge(hcl, plan);
        let slot = by_root.entry(root).or_default();
        if slot.is_empty() {
            *slot = merged;
        } else {
            slot.extend(merged);
        }
    }
    // One vector of every resource, grown from the first root's rather than
    // copied whole (a plan can hold a hundred thousand resources).
    let mut roots = by_root.into_values();
    let mut resources: Vec<Resource> = roots.next().unwrap_or_default();
    for mut more in roots {
        resources.append(&mut more);
    }
    resources.sort_by(|a, b| (&a.root, &a.address, a.span).cmp(&(&b.root, &b.address, b.span)));
    for (name, entities) in terraform::kb::extract_by_root(&resources, &setup.knowledge) {
        by_name.insert(name.to_string(), entities);
    }
    // Only the entities are read from here on.
    drop_later(resources);
    if let Some(cache) = cache {
        let none = Vec::new();
        load.roots
            .par_iter()
            .filter(|root| !may_hold_plans.contains(&root.name))
            .for_each(|root| {
                if let Some(key) = &root.key {
                    let entities = by_name.get(&root.name).unwrap_or(&none);
                    let value = (entities, &root.unfollowed, &root.notes);
                    let key = entities_key(setup, key);
                    cache.put_spanned("tf-model", &key, &value, &root.table);
                }
            });
    }
    model.entities.extend(by_name.into_values().flatten());
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
                        via: "[[tool]] in spof.toml".to_string(),
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
        .filter(|d| d.kind == Kind::Error)
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
    let rank = |d: &Diagnostic| rank.get(d.span.file.0 as usize).copied().unwrap_or(0);
    diagnostics.sort_by(|a, b| {
        (rank(a), a.span.range, &a.code, &a.message, &a.entity).cmp(&(
            rank(b),
            b.span.range,
            &b.code,
            &b.message,
            &b.entity,
        ))
    });
    diagnostics.dedup_by(|b, a| indistinct(a, b));
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
    if entity.id.starts_with(TERRAFORM_ID_PREFIX) {
        for inst in &entity.instances {
            for fact in &inst.cloud {
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
                out.extend(pin.domains.iter().map(|d| (pin.level, d.as_str())));
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
mod tests {
    use super::*;

    fn sift(text: &str) -> Sifted {
        let (docs, error) = yaml::parse_stream(text, &Limits::default());
        assert!(error.is_none());
        let source = SourceFile::new("a.yaml".into(), text);
        let (sifted, shape) = Sifted::new(FileId(0), &source, docs);
        assert!(shape.is_none());
        sifted
    }

    fn kept(sifted: &Sifted) -> Vec<bool> {
        sifted
            .docs
            .iter()
            .map(|d| !matches!(&d.root.value, Value::Map(m) if m.is_empty()))
            .collect()
    }

    #[test]
    fn documents_no_extractor_reads_are_emptied_in_place() {
        let text = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
---
services: {web: {image: nginx}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
---
apiVersion: v1
kind: List
items: []
";
        let sifted = sift(text);
        // A compose file is only ever the first document: the second one is
        // not read, and stays unread once the first is emptied.
        assert_eq!(kept(&sifted), [false, false, true, true, true, true]);
        assert!(sifted.plans.is_empty());
        // Positions are kept: an emptied document is where it was.
        assert_eq!(
            sifted.docs[1].root.range.start as usize,
            text.find("services").unwrap()
        );
    }

    #[test]
    fn a_first_document_with_services_is_kept() {
        assert_eq!(kept(&sift("services: {web: {image: nginx}}\n")), [true]);
    }

    #[test]
    fn plans_are_read_as_the_file_is_sifted() {
        let plan = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
            {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
             "name": "main", "values": {"multi_az": false}}]}}}"#;
        let sifted = sift(plan);
        assert_eq!(kept(&sifted), [false]);
        assert_eq!(sifted.plans.len(), 1);
        assert_eq!(sifted.plans[0][0].address, "aws_db_instance.main");
    }

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
