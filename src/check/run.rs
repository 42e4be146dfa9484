//! `spof check` on files on disk: find the configuration, discover and read
//! the inputs (in parallel), and, when only files are named (a pre-commit
//! run), build the graph from the whole repository but report on those
//! files alone.

use super::options::{BaselineMode, DEFAULT_MAX_FILE_SIZE, RunOptions};
use super::{Estate, Loaded, Report, Setup, check_estate, file_error};
use crate::analysis::Site;
use crate::config::Config;
use crate::date::Date;
use crate::diagnostic::{Diagnostic, Kind};
use crate::discover::{
    self, Discovered, Input, ReadError, absolute, absolute_from, symlink_escape,
};
use crate::frontends::kubernetes::TopologyKeys;
use crate::parse::yaml::{DEFAULT_MAX_ALIAS_NODES, DEFAULT_MAX_DEPTH, Limits};
use crate::rules::{Rule, Settings};
use crate::source::{FileId, SourceFile, SourceMap, Span, display_path};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Discovers, reads and checks files on disk.
pub fn run(options: &RunOptions) -> Report {
    let (report, estate) = run_estate(options);
    super::drop_later(estate);
    report
}

/// [`run`], keeping the estate the findings were drawn from.
pub fn run_estate(options: &RunOptions) -> (Report, Estate) {
    let (report, estate, _) = run_settings(options);
    (report, estate)
}

/// [`run_estate`], with the rules' settings the run used.
pub(super) fn run_settings(options: &RunOptions) -> (Report, Estate, Settings) {
    let Some(dir) = &options.cwd else {
        let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
        let (mut report, estate, setup) = run_in(options, &cwd);
        if let Some(BaselineMode::Apply(path)) = &options.baseline {
            super::baseline::apply_file(&mut report, path, path, options, &setup, &cwd);
        }
        return (report, estate, setup.settings);
    };
    // Relative paths are read from `dir`, and printed as given.
    let rooted = RunOptions {
        paths: options.paths.iter().map(|p| dir.join(p)).collect(),
        config: options.config.as_ref().map(|p| dir.join(p)),
        baseline: options.baseline.as_ref().map(|b| match b {
            BaselineMode::Apply(p) => BaselineMode::Apply(dir.join(p)),
            BaselineMode::Write(p) => BaselineMode::Write(dir.join(p)),
        }),
        var_files: options.var_files.iter().map(|p| dir.join(p)).collect(),
        rules_dirs: options.rules_dirs.iter().map(|p| dir.join(p)).collect(),
        ..options.clone()
    };
    let (mut report, estate, setup) = run_in(&rooted, dir);
    report.sources.strip_prefix(dir);
    if let Some(BaselineMode::Apply(path)) = &options.baseline {
        let read = dir.join(path);
        super::baseline::apply_file(&mut report, &read, path, options, &setup, dir);
    }
    (report, estate, setup.settings)
}

/// The run before the baseline. Relative paths in `options` are relative to
/// the process's current directory; `cwd` is that directory, or, when
/// `options.cwd` is set, the one every path of `options` is joined to.
fn run_in(options: &RunOptions, cwd: &Path) -> (Report, Estate, Setup) {
    // The process's current directory, looked up once for the per-file
    // paths made absolute below.
    let here = std::env::current_dir().ok();
    let here = here.as_deref();
    let progress = options.progress.as_deref();
    crate::progress::mark(progress, "configuration");
    let mut sources = SourceMap::default();
    let (config, mut setup, mut errors) = configure(options, cwd, &mut sources);
    // A named path that a symbolic link leads out of the tree is refused
    // before anything below it is listed.
    let (kept, refused) = refuse_escapes(&options.paths, cwd);
    let narrowed;
    let options = if refused.is_empty() {
        options
    } else {
        narrowed = RunOptions {
            paths: kept,
            ..options.clone()
        };
        &narrowed
    };
    let repository = explicit_repository(options, &config, cwd);
    setup.file_tree = file_tree(&options.paths, repository.as_deref(), setup.max_file_size);
    // A run that names files reads the whole repository for its graph:
    // what it parsed before is in the cache.
    if let Some(repository) = &repository
        && let Some(dir) = &options.cache_dir
    {
        let repository = absolute_from(repository, here);
        setup.cache = crate::cache::Cache::open(dir, &repository).map(std::sync::Arc::new);
    }
    // Files the command writes are never read as inputs.
    let written = written_paths(options, here);
    crate::progress::mark(progress, "discovery");
    // (No paths left means nothing to read, not `.`.)
    let (mut discovered, mut prepared) = if options.paths.is_empty() {
        (Discovered::default(), Vec::new())
    } else {
        let reading = Reading {
            max_size: setup.max_file_size,
            here,
            written: &written,
            cache: setup.cache.as_deref(),
        };
        discover_inputs(options, repository.as_deref(), cwd, &reading)
    };
    for (path, target) in refused {
        discovered.problems.push((
            path,
            format!(
                "symbolic link to {} outside the checked tree",
                target.display()
            ),
        ));
    }
    if !written.is_empty() {
        let inputs = std::mem::take(&mut discovered.inputs);
        (discovered.inputs, prepared) = inputs
            .into_iter()
            .zip(prepared)
            .filter(|(_, p)| p.key.as_ref().is_none_or(|key| !written.contains(key)))
            .unzip();
    }
    // Input errors reported however few files are named: the configuration
    // and the named paths that could not be looked at.
    let mut always: BTreeSet<FileId> = config.file.into_iter().collect();
    always.extend(problem_errors(&discovered, &mut sources, &mut errors));
    let named = if repository.is_some() {
        named_paths(&options.paths, here)
    } else {
        HashMap::new()
    };

    crate::progress::mark(progress, "reading");
    if let Some(progress) = progress {
        progress.files(discovered.inputs.len());
    }
    let mut inputs = Inputs::default();
    for (input, abs, result) in read_inputs(&discovered, prepared, setup.max_file_size, cwd) {
        // A named file prints as it was named, not as the walk reached it.
        let given = abs.as_ref().and_then(|a| named.get(a.as_os_str()));
        let shown = shown_path(input, given.copied(), options.cwd.is_some(), cwd);
        let cluster = abs.as_ref().and_then(|a| config.cluster_of(a));
        let file = inputs.add(&mut sources, input, shown, cluster, result);
        if let Some(file) = file
            && (repository.is_none() || given.is_some())
        {
            inputs.report_on.insert(file);
        }
    }
    errors.append(&mut inputs.errors);
    let Inputs {
        files,
        mut report_on,
        unreadable,
        ..
    } = inputs;
    if files.is_empty() && unreadable == 0 && (options.fail_if_no_files || config.fail_if_no_files)
    {
        no_files_found(options, &discovered, &mut sources, &mut always, &mut errors);
    }
    // Findings located in the configuration (a single-zone cluster) belong
    // to it: reported when it is one of the named files.
    if let Some(config_file) = config.file
        && named.contains_key(absolute_from(&sources.get(config_file).path, here).as_os_str())
    {
        report_on.insert(config_file);
    }
    let (mut report, estate) = check_estate(sources, &files, &setup, errors);
    if let Some(cache) = &setup.cache {
        cache.finish();
    }
    report.summary.files += unreadable;
    if repository.is_some() {
        report.restrict_to(&report_on, &always);
    }
    (report, estate, setup)
}

/// Where Terraform's file functions may read: the repository of a run
/// that names files in one, else each directory named (a file's own
/// directory), with symbolic links resolved; no larger file than an input.
fn file_tree(
    paths: &[PathBuf],
    repository: Option<&Path>,
    max_bytes: u64,
) -> crate::frontends::terraform::hcl::FileTree {
    let named: Vec<&Path> = match repository {
        Some(repository) => vec![repository],
        None => paths
            .iter()
            .filter(|p| p.as_os_str() != discover::STDIN_MARKER)
            .map(PathBuf::as_path)
            .collect(),
    };
    let mut roots: Vec<PathBuf> = named
        .into_iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .filter_map(|p| {
            if p.is_dir() {
                Some(p)
            } else {
                p.parent().map(Path::to_path_buf)
            }
        })
        .collect();
    roots.sort();
    roots.dedup();
    crate::frontends::terraform::hcl::FileTree { roots, max_bytes }
}

/// The absolute paths of the files the command writes.
fn written_paths(options: &RunOptions, here: Option<&Path>) -> Vec<PathBuf> {
    options
        .baseline
        .iter()
        .map(BaselineMode::path)
        .chain(options.outputs.iter().map(PathBuf::as_path))
        .map(|p| absolute_from(p, here))
        .collect()
}

/// An input error for each path that could not be looked at; their files.
fn problem_errors(
    discovered: &Discovered,
    sources: &mut SourceMap,
    errors: &mut Vec<Diagnostic>,
) -> Vec<FileId> {
    let mut files = Vec::new();
    for (path, message) in &discovered.problems {
        let file = sources.add(SourceFile::new(path.clone(), ""));
        files.push(file);
        errors.push(file_error(
            file,
            0,
            format!("{}: {message}", display_path(path)),
        ));
    }
    files
}

/// The named paths by their absolute form, lexically normalised, so that
/// equal paths are equal bytes. A file named twice prints as it was first
/// named.
fn named_paths<'a>(
    paths: &'a [PathBuf],
    here: Option<&Path>,
) -> HashMap<std::ffi::OsString, &'a PathBuf> {
    let mut named = HashMap::new();
    for p in paths {
        named
            .entry(absolute_from(p, here).into_os_string())
            .or_insert(p);
    }
    named
}

/// The configuration and the setup a run takes from it and from the
/// command line, with the files read beside the inputs (`--var-file`,
/// `--rules` directories), and the problems found on the way.
fn configure(
    options: &RunOptions,
    cwd: &Path,
    sources: &mut SourceMap,
) -> (Config, Setup, Vec<Diagnostic>) {
    let (config, mut errors) = load_config(options, cwd, sources);
    let (mut setup, setup_errors) = setup_from(&config, options);
    errors.extend(setup_errors);
    setup.variables.vars = options.vars.clone();
    for path in &options.var_files {
        if let Some(file) = read_side_file(path, sources, &mut errors, cwd) {
            setup.variables.files.push(file);
        }
    }
    if !options.rules_dirs.is_empty() {
        let mut knowledge = crate::frontends::terraform::kb::KnowledgeBase::clone(&setup.knowledge);
        let mut operators = (*setup.operators).clone();
        for dir in &options.rules_dirs {
            for path in knowledge_files(dir, sources, &mut errors) {
                if let Some(file) = read_side_file(&path, sources, &mut errors, cwd) {
                    let text = sources.get(file).shared_text();
                    errors.extend(knowledge.extend(file, &text));
                    errors.extend(operators.extend(file, &text));
                }
            }
        }
        setup.knowledge =
            std::sync::Arc::new(crate::frontends::terraform::kb::Knowledge::of(knowledge));
        setup.operators = std::sync::Arc::new(operators);
    }
    (config, setup, errors)
}

/// The named paths kept, and those refused with where the symbolic link
/// that leads out of the tree goes: a directory (a named file is read
/// through the same check, and refused there).
fn refuse_escapes(paths: &[PathBuf], cwd: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, PathBuf)>) {
    let mut refused = Vec::new();
    let kept = paths
        .iter()
        .filter(|p| {
            let escape = (p.as_os_str() != discover::STDIN_MARKER)
                .then(|| symlink_escape(p, cwd))
                .flatten();
            match escape {
                Some(target) if !p.is_file() => {
                    refused.push(((*p).clone(), target));
                    false
                }
                _ => true,
            }
        })
        .cloned()
        .collect();
    (kept, refused)
}

/// How an input prints: as it was named (`given`), else as the walk
/// reached it. A rooted run names files from its directory before the
/// check, as a run started there would: Terraform names its roots (and so
/// its entities) by these paths.
fn shown_path(input: &Input, given: Option<&PathBuf>, rooted: bool, cwd: &Path) -> PathBuf {
    let shown = match (given, input.path()) {
        (Some(given), _) => given.clone(),
        (None, Some(path)) => path.to_path_buf(),
        (None, None) => PathBuf::from(discover::STDIN_MARKER),
    };
    if !rooted {
        return shown;
    }
    match shown.strip_prefix(cwd) {
        Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rest) => rest.to_path_buf(),
        Err(_) => shown,
    }
}

/// What reading the inputs added to the source map.
#[derive(Default)]
struct Inputs {
    /// The files to check.
    files: Vec<Loaded>,
    /// The files whose findings and input errors are reported.
    report_on: BTreeSet<FileId>,
    /// Inputs whose text could not be read.
    unreadable: usize,
    /// Why they could not.
    errors: Vec<Diagnostic>,
}

impl Inputs {
    /// Adds an input as `shown`: a file to check, or an input error (with
    /// the valid text before a byte that is not UTF-8, where the error
    /// points). `None` for HCL that is not a Nomad job (Packer, Terragrunt,
    /// Vault), no input, as a file of an unknown name is none.
    fn add(
        &mut self,
        sources: &mut SourceMap,
        input: &Input,
        shown: PathBuf,
        cluster: Option<usize>,
        result: ReadResult,
    ) -> Option<FileId> {
        match result {
            Ok(source)
                if matches!(
                    input,
                    Input::File { kind, .. } if !crate::frontends::confirms(*kind, source.text())
                ) =>
            {
                None
            }
            Ok(mut source) => {
                source.path = shown;
                let file = sources.add(source);
                self.files.push(Loaded { file, cluster });
                Some(file)
            }
            Err((error, prefix)) => {
                self.unreadable += 1;
                let at = prefix.len();
                let file = sources.add(SourceFile::new(shown.clone(), prefix));
                let mut diagnostic = file_error(
                    file,
                    at,
                    format!("cannot read {}: {error}", display_path(&shown)),
                );
                if matches!(error, ReadError::NotUtf8 { .. }) {
                    diagnostic = diagnostic.with_help(
                        "spof reads UTF-8 text; convert the file or exclude it with --exclude",
                    );
                }
                self.errors.push(diagnostic);
                Some(file)
            }
        }
    }
}

/// The input error of a run that found nothing to read in `path`.
/// `--fail-if-no-files` and nothing found: an input error for each named
/// path that could be looked at (the others already have theirs).
fn no_files_found(
    options: &RunOptions,
    discovered: &Discovered,
    sources: &mut SourceMap,
    always: &mut BTreeSet<FileId>,
    errors: &mut Vec<Diagnostic>,
) {
    for path in &options.paths {
        if discovered.problems.iter().any(|(p, _)| p == path) {
            continue;
        }
        let file = sources.add(SourceFile::new(path.clone(), ""));
        always.insert(file);
        errors.push(no_files(file, path));
    }
}

fn no_files(file: FileId, path: &Path) -> Diagnostic {
    let message = if path.is_dir() {
        format!("no infrastructure files found under {}", display_path(path))
    } else {
        format!("{} is not an infrastructure file", display_path(path))
    };
    file_error(file, 0, message).with_help(
        "spof reads YAML, JSON, Terraform (.tf, .tf.json, .tfvars), Nomad (.nomad, \
         .nomad.hcl, and .hcl files that hold a job) and spof manifest \
         (spof.services.toml, .spof.toml) files that are not hidden, ignored by \
         .gitignore or .ignore, or excluded",
    )
}

/// A file the run reads beside its inputs (`--var-file`, a knowledge-base
/// file), through the same bounded reader; problems are input errors.
fn read_side_file(
    path: &Path,
    sources: &mut SourceMap,
    errors: &mut Vec<Diagnostic>,
    cwd: &Path,
) -> Option<FileId> {
    let read = discover::read_named(path, SIDE_FILE_LIMIT, cwd);
    match read {
        Ok(text) => Some(sources.add(SourceFile::new(path.to_path_buf(), text))),
        Err(error) => {
            let file = sources.add(SourceFile::new(path.to_path_buf(), ""));
            errors.push(file_error(
                file,
                0,
                format!("cannot read {}: {error}", display_path(path)),
            ));
            None
        }
    }
}

/// Variables and knowledge-base files are small.
const SIDE_FILE_LIMIT: u64 = 4 * 1024 * 1024;

/// The `*.toml` files of a `--rules` directory, sorted.
fn knowledge_files(
    dir: &Path,
    sources: &mut SourceMap,
    errors: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            let file = sources.add(SourceFile::new(dir.to_path_buf(), ""));
            errors.push(file_error(
                file,
                0,
                format!("cannot read rules directory {}: {e}", display_path(dir)),
            ));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    files.sort();
    files
}

/// The configuration: `--config`, else the nearest spof.toml at or above
/// the checked paths, else none.
fn load_config(
    options: &RunOptions,
    cwd: &Path,
    sources: &mut SourceMap,
) -> (Config, Vec<Diagnostic>) {
    let Some(path) = config_path(options, cwd) else {
        return (Config::empty(cwd), Vec::new());
    };
    // A rooted run reads it from its directory.
    let path = match &options.cwd {
        Some(_) if path.is_relative() => cwd.join(path),
        _ => path,
    };
    crate::config::load(sources, &path)
}

/// The configuration file a run of `options` reads, as it prints (from
/// `options.cwd`, else the current directory): `--config`, else the nearest
/// spof.toml at or above the checked paths. `None` with `--isolated` or
/// when there is none.
pub fn configuration(options: &RunOptions) -> Option<PathBuf> {
    let cwd = match &options.cwd {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().unwrap_or_else(|_| ".".into()),
    };
    config_path(options, &cwd)
}

/// [`configuration`], with relative paths in `options` relative to `cwd`;
/// a path found by the lookup prints as reached from `cwd`.
fn config_path(options: &RunOptions, cwd: &Path) -> Option<PathBuf> {
    if options.isolated {
        return None;
    }
    let path = options
        .config
        .clone()
        .or_else(|| crate::config::find_config(&config_start(&options.paths, cwd)))?;
    if !path.is_absolute() {
        return Some(path);
    }
    let parent = path
        .parent()
        .map(|d| relative_to(d, cwd))
        .unwrap_or_default();
    let joined = parent.join(path.file_name().unwrap_or_default());
    Some(
        joined
            .strip_prefix(".")
            .map(Path::to_path_buf)
            .unwrap_or(joined),
    )
}

/// Where the lookup of spof.toml starts: the deepest directory holding
/// every checked path (a file stands for its directory), so that checking
/// an estate from anywhere applies the estate's own spof.toml, as running
/// in it would. `cwd` (which relative paths are relative to) when only
/// standard input is checked, or nothing is named.
pub(super) fn config_start(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    paths
        .iter()
        .filter(|p| p.as_os_str() != discover::STDIN_MARKER)
        .map(|p| {
            let path = absolute_from(p, Some(cwd));
            match path.parent() {
                Some(parent) if path.is_file() => parent.to_path_buf(),
                _ => path,
            }
        })
        .reduce(|common, dir| {
            common
                .components()
                .zip(dir.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect()
        })
        .unwrap_or_else(|| cwd.to_path_buf())
}

/// When only files are named (a pre-commit run), the repository whose whole
/// graph they are checked against: the directory holding the configuration
/// when it is in the git repository (or there is none), else the git root.
/// Never above the git root: a configuration named with `--config` from a
/// parent directory does not make its sibling projects part of the graph.
fn explicit_repository(options: &RunOptions, config: &Config, cwd: &Path) -> Option<PathBuf> {
    let only_files = !options.paths.is_empty()
        && options
            .paths
            .iter()
            .all(|p| p.as_os_str() != discover::STDIN_MARKER && p.is_file())
        && options
            .paths
            .iter()
            .any(|p| crate::frontends::classify(p).is_some());
    if !only_files {
        return None;
    }
    let git = discover::git_root(cwd);
    let root = match (config.file, git) {
        (Some(_), Some(git)) if !absolute(&config.root).starts_with(&git) => git,
        (Some(_), _) => config.root.clone(),
        (None, git) => git?,
    };
    // Files from elsewhere are checked on their own, not against this tree.
    let inside = absolute(&root);
    options
        .paths
        .iter()
        .all(|p| absolute(p).starts_with(&inside))
        .then_some(root)
}

/// The named inputs, plus, for a repository, every file its walk finds.
/// With `--force-exclude`, a named file is kept only if that walk (which
/// applies the excludes from the repository root) keeps it too.
///
/// Walked files are read as the walk finds them ([`Reading::read`]); beside
/// the inputs come, in the same order, their keys and those reads.
fn discover_inputs(
    options: &RunOptions,
    repository: Option<&Path>,
    cwd: &Path,
    reading: &Reading<'_>,
) -> (Discovered, Vec<Prepared>) {
    let discover = |paths: Vec<PathBuf>| {
        discover::discover_visiting(
            &discover::DiscoverOptions {
                paths,
                excludes: options.excludes.clone(),
                force_exclude: options.force_exclude,
                max_file_size: reading.max_size,
                classify: crate::frontends::classify,
                side_dirs: crate::frontends::side_dirs,
            },
            |path, buffer: &mut Vec<u8>| reading.read(path, buffer),
        )
    };
    let (mut named, named_prepared) = discover(options.paths.clone());
    let Some(root) = repository else {
        return (named, named_prepared);
    };
    let walk_root = match &options.cwd {
        // A rooted run reads from its directory.
        Some(_) => cwd.join(relative_to(root, cwd)),
        None => relative_to(root, cwd),
    };
    let (walked, walked_prepared) = discover(vec![walk_root]);
    let walked_problems = walked.problems;
    // Each file once, in key order (standard input first), as named rather
    // than as walked: both lists are in that order already.
    let capacity = walked.inputs.len() + named.inputs.len();
    let mut inputs = Vec::with_capacity(capacity);
    let mut prepared = Vec::with_capacity(capacity);
    let mut walked = walked.inputs.into_iter().zip(walked_prepared).peekable();
    for (input, named_one) in named.inputs.into_iter().zip(named_prepared) {
        let key = named_one.key.as_ref();
        while let Some((input, walked_one)) = walked.next_if(|(_, w)| w.key.as_ref() < key) {
            inputs.push(input);
            prepared.push(walked_one);
        }
        let also_walked = walked.next_if(|(_, w)| w.key.as_ref() == key).is_some();
        if options.force_exclude && key.is_some() && !also_walked {
            continue;
        }
        inputs.push(input);
        prepared.push(named_one);
    }
    for (input, walked_one) in walked {
        inputs.push(input);
        prepared.push(walked_one);
    }
    named.inputs = inputs;
    named.problems.extend(walked_problems);
    (named, prepared)
}

/// An input's key (its absolute, lexically normalised path) and, for a
/// walked file, the walk's read of it.
type Prepared = discover::Visited<ReadResult>;

/// How walked files are read: the size limit, the process's current
/// directory, the files the command writes (never read), and the cache,
/// whose stat index spares reading the files that have not changed.
struct Reading<'a> {
    max_size: u64,
    here: Option<&'a Path>,
    written: &'a [PathBuf],
    cache: Option<&'a crate::cache::Cache>,
}

impl Reading<'_> {
    /// Reads a file the walk found, on the walk's thread, through the
    /// thread's `buffer`. A walk never follows links, and a named directory
    /// that a link leads out of was refused before the walk: a walked file
    /// can only have been replaced by a link since, which opening it without
    /// following one finds. `None` then (or if the file went away):
    /// [`read_input`] looks at the path.
    ///
    /// With the cache, a regular file (a link is none) that the stat index
    /// knows with its present status is not read: its text is read when
    /// something asks for it ([`SourceFile::known`]). A file read is
    /// recorded there with the status taken before reading it.
    fn read(&self, path: &Path, buffer: &mut Vec<u8>) -> Option<ReadResult> {
        let absolute = (self.cache.is_some() || !self.written.is_empty())
            .then(|| absolute_from(path, self.here));
        if let Some(absolute) = &absolute
            && self.written.contains(absolute)
        {
            return None;
        }
        let mut record = None;
        if let (Some(cache), Some(absolute)) = (self.cache, &absolute)
            && let Ok(meta) = std::fs::symlink_metadata(path)
            && meta.len() <= self.max_size
            && let Some(stat) = crate::cache::Stat::of(&meta)
        {
            if let Some(facts) = cache.known(absolute, &stat) {
                let source = SourceFile::known(absolute.clone(), self.max_size, facts);
                return Some(Ok(source));
            }
            record = Some((cache, absolute, stat));
        }
        let read = discover::read_unfollowed_into(path, self.max_size, buffer)?;
        // The text is copied into the source file's own allocation; the
        // buffer is the next file's.
        let read = read.map(|text| SourceFile::new(PathBuf::new(), text));
        if let (Ok(source), Some((cache, absolute, stat))) = (&read, record) {
            cache.record(absolute, &stat, &source.facts());
        }
        Some(finish_read(Some(path), read))
    }
}

/// The file (its path set by the caller), or why there is none with the
/// valid text before the problem.
type ReadResult = Result<SourceFile, (ReadError, String)>;

/// Each input with its key and its text: walked files as the walk read them
/// (`prepared` has one entry for each input), the others read here, in
/// parallel.
fn read_inputs<'a>(
    discovered: &'a Discovered,
    mut prepared: Vec<Prepared>,
    max_size: u64,
    cwd: &'a Path,
) -> impl Iterator<Item = (&'a Input, Option<PathBuf>, ReadResult)> + 'a {
    debug_assert_eq!(discovered.inputs.len(), prepared.len());
    let unread: Vec<(usize, &Input)> = discovered
        .inputs
        .iter()
        .zip(&prepared)
        .enumerate()
        .filter(|(_, (_, prepared))| prepared.visit.is_none())
        .map(|(i, (input, _))| (i, input))
        .collect();
    let read: Vec<(usize, ReadResult)> = unread
        .into_par_iter()
        .map(|(i, input)| (i, read_input(input, max_size, cwd)))
        .collect();
    for (i, read) in read {
        if let Some(prepared) = prepared.get_mut(i) {
            prepared.visit = Some(read);
        }
    }
    discovered
        .inputs
        .iter()
        .zip(prepared)
        .map(move |(input, prepared)| {
            let read = prepared
                .visit
                .unwrap_or_else(|| read_input(input, max_size, cwd));
            (input, prepared.key, read)
        })
}

/// Reads an input the walk did not read.
fn read_input(input: &Input, max_size: u64, cwd: &Path) -> ReadResult {
    let read = discover::read_input(input, max_size, cwd);
    finish_read(
        input.path(),
        read.map(|text| SourceFile::new(PathBuf::new(), text)),
    )
}

/// A read as a [`SourceFile`] (its line starts found where it was read, in
/// parallel, not as files are added to the source map), or the problem with
/// the valid text before it (for invalid UTF-8 in a file), so that the
/// error has a line and column.
fn finish_read(path: Option<&Path>, read: Result<SourceFile, ReadError>) -> ReadResult {
    read.map_err(|e| {
        let prefix = match (&e, path) {
            (ReadError::NotUtf8 { valid, .. }, Some(_)) => valid.clone(),
            _ => String::new(),
        };
        (e, prefix)
    })
}

impl Report {
    /// Keeps only diagnostics located in `files` or decided by a value
    /// written there (a Terraform variable default), and input errors
    /// located in `errors_from` (the configuration, paths that could not be
    /// read).
    fn restrict_to(&mut self, files: &BTreeSet<FileId>, errors_from: &BTreeSet<FileId>) {
        let named = |d: &Diagnostic| {
            files.contains(&d.span.file) || d.decided_at.is_some_and(|s| files.contains(&s.file))
        };
        self.diagnostics
            .retain(|d| named(d) || (d.kind == Kind::Error && errors_from.contains(&d.span.file)));
        self.suppressed.retain(|(d, _)| named(d));
        self.recount();
    }
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
                || "`spof rules` lists every rule".into(),
                |h| format!("did you mean `{h}`?").into(),
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
            environment: c.environment.clone(),
            zones: c.zones.clone(),
            zones_span: c.zones_span,
            region: c.region.clone(),
            region_span: c.region_span,
        })
        .collect();
    // The command line wins over spof.toml, which wins over the defaults.
    let limits = Limits {
        max_alias_nodes: options
            .max_alias_expansion
            .or(config.limits.max_alias_expansion)
            .unwrap_or(DEFAULT_MAX_ALIAS_NODES),
        max_depth: options
            .max_depth
            .or(config.limits.max_depth)
            .unwrap_or(DEFAULT_MAX_DEPTH),
    };
    let (helm_releases, release_errors) = config.helm_releases();
    errors.extend(release_errors);
    let (environments, environment_errors) = config.terraform_environments();
    errors.extend(environment_errors);
    let setup = Setup {
        clusters,
        settings,
        min_replicas: config.rules.min_replicas,
        keys,
        limits,
        max_file_size: options
            .max_file_size
            .or(config.limits.max_file_size)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE),
        today: options.today.unwrap_or_else(Date::today),
        variables: crate::frontends::terraform::Variables {
            environments,
            ..Default::default()
        },
        file_tree: crate::frontends::terraform::hcl::FileTree::default(),
        knowledge: std::sync::Arc::new(crate::frontends::terraform::kb::Knowledge::builtin()),
        operators: std::sync::Arc::new(crate::frontends::kubernetes::Operators::builtin()),
        tools: config.tools.clone(),
        accepts: config.accepts.clone(),
        soft: crate::frontends::hosts::SoftVariables::new(
            config.dependencies.soft_telemetry,
            &config
                .dependencies
                .soft_variables
                .iter()
                .map(|(p, _)| p.clone())
                .collect::<Vec<_>>(),
        ),
        cache: None,
        progress: options.progress.clone(),
        helm_releases,
        helm_capabilities: config.helm_capabilities.clone(),
    };
    (setup, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn discover_dir(dir: &Path) -> (Discovered, Vec<Prepared>) {
        // Nothing read as the walk finds it.
        discover::discover_visiting(
            &discover::DiscoverOptions {
                paths: vec![dir.to_path_buf()],
                classify: crate::frontends::classify,
                side_dirs: crate::frontends::side_dirs,
                ..discover::DiscoverOptions::default()
            },
            |_, _: &mut ()| None,
        )
    }

    fn names(
        read: &[(&Input, Option<PathBuf>, ReadResult)],
    ) -> Vec<(String, Result<String, ReadError>)> {
        read.iter()
            .map(|(input, _, result)| {
                let name = input.path().and_then(Path::file_name).unwrap();
                let result = match result {
                    Ok(source) => Ok(source.text().to_string()),
                    Err((e, _)) => Err(e.clone()),
                };
                (name.to_string_lossy().into_owned(), result)
            })
            .collect()
    }

    /// Files that disappear, or turn into something else, between discovery
    /// and reading are errors naming them; the other files are read.
    #[test]
    fn files_changed_after_discovery_are_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.yaml");
        fs::write(&secret, "kind: Pod\n").unwrap();
        let secret = fs::canonicalize(secret).unwrap();
        for name in ["gone.yaml", "kept.yaml", "fifo.yaml", "link.yaml"] {
            fs::write(dir.join(name), "kind: Pod\n").unwrap();
        }
        let (discovered, prepared) = discover_dir(dir);
        assert_eq!(discovered.inputs.len(), 4);
        fs::remove_file(dir.join("gone.yaml")).unwrap();
        #[cfg(unix)]
        {
            fs::remove_file(dir.join("fifo.yaml")).unwrap();
            let made = std::process::Command::new("mkfifo")
                .arg(dir.join("fifo.yaml"))
                .status();
            assert!(made.is_ok_and(|s| s.success()));
            fs::remove_file(dir.join("link.yaml")).unwrap();
            std::os::unix::fs::symlink(&secret, dir.join("link.yaml")).unwrap();
        }
        let read: Vec<_> = read_inputs(&discovered, prepared, 1000, dir).collect();
        let mut expected = vec![
            ("fifo.yaml".to_string(), Err(ReadError::NotAFile)),
            (
                "gone.yaml".to_string(),
                Err(ReadError::Io("file not found".to_string())),
            ),
            ("kept.yaml".to_string(), Ok("kind: Pod\n".to_string())),
            (
                "link.yaml".to_string(),
                Err(ReadError::Io(format!(
                    "symbolic link to {} outside the checked tree",
                    secret.display()
                ))),
            ),
        ];
        if cfg!(not(unix)) {
            expected[0].1 = Ok("kind: Pod\n".to_string());
            expected[3].1 = Ok("kind: Pod\n".to_string());
        }
        assert_eq!(names(&read), expected);
    }

    /// A named directory that is a link out of the tree, or a path through
    /// one, is refused; a link inside the tree is not.
    #[cfg(unix)]
    #[test]
    fn links_out_of_the_tree_are_found_on_the_whole_path() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.yaml"), "kind: Pod\n").unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path();
        std::os::unix::fs::symlink(outside.path(), cwd.join("out")).unwrap();
        fs::create_dir(cwd.join("in")).unwrap();
        fs::write(cwd.join("in/a.yaml"), "kind: Pod\n").unwrap();
        std::os::unix::fs::symlink("in", cwd.join("alias")).unwrap();
        let target = fs::canonicalize(outside.path()).unwrap();
        // (Paths are absolute here: the tests do not change the process's
        // current directory, which relative paths are resolved against.)
        for path in ["out", "out/secret.yaml", "./out/secret.yaml"] {
            assert_eq!(
                symlink_escape(&cwd.join(path), cwd),
                Some(target.clone()),
                "{path}"
            );
        }
        for path in ["in", "in/a.yaml", "alias", "alias/a.yaml", "missing.yaml"] {
            assert_eq!(symlink_escape(&cwd.join(path), cwd), None, "{path}");
        }
    }
}
