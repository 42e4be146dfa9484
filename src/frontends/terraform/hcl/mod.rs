//! HCL configurations: parse every `*.tf`, `*.tf.json` and variables file
//! (hcl-edit, in parallel), group files into modules by directory,
//! instantiate every root module with its variables, follow local module
//! calls, and evaluate what is statically known (variables, locals,
//! `count`/`for_each`, module outputs, resource attributes).
//!
//! Values that cannot be known stay unknown: an expression that fails to
//! evaluate (an unknown variable, an unsupported function, a type error) is
//! [`crate::frontends::terraform::Value::Unknown`], never a guess and never a
//! diagnostic. Only syntax errors and unreadable nesting are diagnostics;
//! besides, each root module's evaluation notes ([`EvalNote`]) the module
//! calls that close a cycle (input errors) and the first limit of
//! evaluation it reached (SPOF027).

mod eval;
#[cfg(test)]
mod eval_tests;
#[cfg(test)]
mod file_tests;
mod files;
mod installed;
mod instance;
mod ir;
mod parse;
#[cfg(test)]
mod tests;

use crate::cache::{self, Cache, KeyBuilder};
use crate::diagnostic::Diagnostic;
use crate::frontends::terraform::{ENVIRONMENT_SEPARATOR, Resource, SetBy, Variables};
use crate::parse::hcl::{STACK_SIZE, too_deep};
use crate::parse::yaml::Limits;
use crate::source::{FileId, SourceMap, Span};
pub(crate) use eval::FILE_FUNCTIONS;
pub use eval::{EvalNote, Limit, WorkBudget};
use eval::{Evaluator, Fail, Funcs, Scope};
pub(crate) use eval::{MAX_INSTANCES, MAX_MODULE_INSTANCES};
pub use files::FileTree;
pub use installed::installed_dirs;
use instance::{Binding, Installed, Instance, Module, NoEnv, Program};
use ir::{Conv, ExprKind, TElem};
use parse::{FileKind, Item, ParsedFile, TypeKind, parse_file};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What [`load`] found.
#[derive(Debug, Clone, Default)]
pub struct Load {
    /// Every resource instance of every instantiated module, sorted by
    /// address.
    pub resources: Vec<Resource>,
    /// Syntax errors and files too deeply nested to read.
    pub errors: Vec<Diagnostic>,
    /// Module calls that were not followed.
    pub unfollowed: Vec<UnfollowedModule>,
    /// The root modules whose resources are in `resources`.
    pub roots: Vec<LoadedRoot>,
    /// What their evaluation could not do: module cycles, limits reached.
    pub notes: Vec<EvalNote>,
}

/// A module call whose source is not among the scanned files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct UnfollowedModule {
    /// The `source = "..."` attribute.
    pub span: Span,
    pub source: String,
    /// Registry, git, http, s3...; `false` for a local directory that has
    /// no scanned files.
    pub remote: bool,
    /// Address of the call: `module.vpc`, `module.a.module.b`.
    pub module: String,
}

/// Loads the Terraform configurations in `files` (every discovered `*.tf`,
/// `*.tf.json`, `*.tfvars` and `*.tfvars.json`); `vars` are the root
/// modules' command-line variables; the file functions read below `tree`
/// only. Files nested deeper than `limits.max_depth` are errors.
pub fn load(
    sources: &SourceMap,
    files: &[FileId],
    vars: &Variables,
    limits: &Limits,
    tree: &FileTree,
) -> Load {
    load_cached(sources, files, vars, limits, tree, None, |_| None::<()>).0
}

/// A root module as the cache knows it: its name ([`crate::frontends::terraform::root_name`]),
/// its `tf-root/` key, and the files its cached spans refer to.
pub struct RootKey<'a> {
    pub name: &'a str,
    pub key: &'a cache::Key,
    pub table: &'a [FileId],
}

/// A root module [`load_cached`] evaluated or read back from the cache
/// (not one the caller served).
#[derive(Debug, Clone)]
pub struct LoadedRoot {
    pub name: String,
    pub key: Option<cache::Key>,
    pub table: Vec<FileId>,
    pub unfollowed: Vec<UnfollowedModule>,
    pub notes: Vec<EvalNote>,
}

/// [`load`], reading from `cache` what earlier runs parsed and evaluated:
/// each file's module calls (which decide the root modules), and each root
/// module's resources, keyed by every file the root can reach. Only the
/// files of root modules not found there are parsed.
///
/// `serve` is asked first, for each root module with a key: what it returns
/// stands for that root (the caller keeps what it derives from a root's
/// resources), whose resources are then neither read back nor evaluated.
/// Those roots are returned with their names; [`Load::roots`] lists the
/// others. A root module whose evaluation read files with the file
/// functions is neither read from the cache nor stored: its result depends
/// on files that are not among its inputs (its [`LoadedRoot::key`] is
/// `None`).
// The inputs of a load, the cache and what serves roots: a struct would
// only rename them.
#[allow(clippy::too_many_arguments)]
pub fn load_cached<T: Send>(
    sources: &SourceMap,
    files: &[FileId],
    vars: &Variables,
    limits: &Limits,
    tree: &FileTree,
    cache: Option<&Cache>,
    serve: impl Fn(&RootKey<'_>) -> Option<T> + Sync,
) -> (Load, Vec<(String, T)>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build();
    let run = || load_in_pool(sources, files, vars, limits, tree, cache, &serve);
    match pool {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

/// The parse stage of [`load`] alone: every file parsed and converted to
/// declarations in parallel, on threads like those of [`load`]. Returns how
/// many files did not parse. `benches/parse_floor.rs` compares it with
/// hcl-edit's parser on its own.
pub fn parse_files(sources: &SourceMap, files: &[FileId], limits: &Limits) -> usize {
    let parse = || {
        files
            .par_iter()
            .filter(|&&id| parse_file(id, sources.get(id), limits).error.is_some())
            .count()
    };
    match rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build()
    {
        Ok(pool) => pool.install(parse),
        Err(_) => parse(),
    }
}

fn dir_of(path: &Path) -> PathBuf {
    crate::discover::lexical_normalize(path.parent().unwrap_or(Path::new("")))
}

/// A file's module calls: each `module` block's name and literal `source`.
type Calls = Vec<(String, Option<String>)>;

/// A file's declarations, as the cache keeps them (only for files that
/// parse).
type CachedFile = (FileKind, Vec<Item>, Vec<ir::AttrIr>);

/// What a root module's evaluation gives, as the cache keeps it.
type RootResult = (Vec<Resource>, Vec<UnfollowedModule>, Vec<EvalNote>);

fn calls_of(parsed: &ParsedFile) -> Calls {
    parsed
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Module(b) => Some((
                b.labels.first().cloned().unwrap_or_default(),
                b.body.attr("source").and_then(|a| literal(&a.expr)),
            )),
            _ => None,
        })
        .collect()
}

/// Whether a module source names a local directory.
pub(crate) fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

fn load_in_pool<T: Send>(
    sources: &SourceMap,
    files: &[FileId],
    vars: &Variables,
    limits: &Limits,
    tree: &FileTree,
    cache: Option<&Cache>,
    serve: &(impl Fn(&RootKey<'_>) -> Option<T> + Sync),
) -> (Load, Vec<(String, T)>) {
    let ids = files_in_order(sources, files, vars);
    let pool = Pool {
        sources,
        vars,
        limits,
        tree,
        cache,
        scanned: files.iter().copied().collect(),
        hashes: match cache {
            Some(_) => ids
                .par_iter()
                .map(|&id| (id, sources.get(id).digest()))
                .collect(),
            None => HashMap::new(),
        },
    };
    let (mut parsed, calls) = pool.module_calls(&ids);
    let (module_calls, dir_files) = pool.modules(&ids, &calls);
    let installed = installed_calls(&module_calls);
    let (envs, env_errors) = pool.environments(&module_calls, &installed, &dir_files);
    let roots = pool.roots(&module_calls, &dir_files, &installed, &envs);
    let (served, roots, found) = pool.serve_roots(roots, serve);

    // The roots not in the cache: parse what they reach, and evaluate them.
    let missed: Vec<&Root<'_>> = roots
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(r, _)| r)
        .collect();
    pool.parse_reached(&missed, &mut parsed);
    let mut load = Load {
        errors: pool.errors(&ids, &parsed),
        ..Load::default()
    };
    load.errors.extend(env_errors);
    let evaluated = pool.evaluate(&ids, &missed, &mut parsed, &installed);
    // In the roots' order, whether found or evaluated; with whether they
    // read files.
    let mut evaluated = evaluated.into_iter();
    let results: Vec<(RootResult, bool)> = found
        .into_iter()
        .filter_map(|f| f.map(|f| (f, false)).or_else(|| evaluated.next()))
        .collect();
    for (root, ((resources, unfollowed, notes), read_files)) in roots.iter().zip(results) {
        load.resources.extend(resources);
        load.roots.push(LoadedRoot {
            name: root.name(),
            key: if read_files { None } else { root.key },
            table: root.table.clone(),
            unfollowed: unfollowed.clone(),
            notes: notes.clone(),
        });
        load.unfollowed.extend(unfollowed);
        load.notes.extend(notes);
    }
    load.resources
        .sort_by(|a, b| a.address.cmp(&b.address).then(a.span.cmp(&b.span)));
    load.unfollowed.sort();
    load.unfollowed.dedup();
    load.notes.sort();
    load.notes.dedup();
    load.errors.sort_by_key(|a| a.span);
    (load, served)
}

/// The files [`load_in_pool`] reads: those scanned and the variables files
/// named on the command line, in the order of their paths.
fn files_in_order(sources: &SourceMap, files: &[FileId], vars: &Variables) -> Vec<FileId> {
    let mut ids: Vec<FileId> = files.to_vec();
    for f in &vars.files {
        if !ids.contains(f) {
            ids.push(*f);
        }
    }
    ids.sort_by(|a, b| {
        sources
            .get(*a)
            .path
            .cmp(&sources.get(*b).path)
            .then(a.cmp(b))
    });
    ids.dedup();
    ids
}

/// What the stages of [`load_in_pool`] share.
struct Pool<'a> {
    sources: &'a SourceMap,
    vars: &'a Variables,
    limits: &'a Limits,
    tree: &'a FileTree,
    cache: Option<&'a Cache>,
    /// The files scanned (not the variables files named on the command line).
    scanned: HashSet<FileId>,
    /// Each file's digest, when there is a cache.
    hashes: HashMap<FileId, [u8; 32]>,
}

/// A root module: the modules it can reach, their files (the table its
/// cached spans refer to) and its key.
struct Root<'a> {
    dir: &'a PathBuf,
    /// The environment it is evaluated for, when it has environments.
    env: Option<Env>,
    reach: Vec<PathBuf>,
    table: Vec<FileId>,
    key: Option<cache::Key>,
}

/// One environment of a root module: its name and its variables files, in
/// order, read after `terraform.tfvars` and `*.auto.tfvars`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Env {
    name: String,
    files: Vec<FileId>,
}

impl Root<'_> {
    /// The root module's name ([`crate::frontends::terraform::root_name`]),
    /// with its environment after [`ENVIRONMENT_SEPARATOR`].
    fn name(&self) -> String {
        let dir = crate::frontends::terraform::root_name(self.dir);
        match &self.env {
            Some(env) => format!("{dir}{ENVIRONMENT_SEPARATOR}{}", env.name),
            None => dir,
        }
    }
}

/// The roots the caller has something for, by name, with what it has.
type Served<T> = Vec<(String, T)>;

impl Pool<'_> {
    fn file_key(&self, kind: &str, id: FileId) -> cache::Key {
        let source = self.sources.get(id);
        let name = source.path.file_name().unwrap_or_default();
        KeyBuilder::new(kind)
            .u64(self.limits.max_depth as u64)
            .u64(self.limits.max_alias_nodes as u64)
            .str(&name.to_string_lossy())
            .bytes(self.hashes.get(&id).map_or(&[][..], |h| &h[..]))
            .key()
    }

    fn kind_of(&self, id: FileId) -> FileKind {
        parse::file_kind(&self.sources.get(id).path.to_string_lossy())
            .map_or(FileKind::Config, |(kind, _)| kind)
    }

    /// Parses a file; one that parses is stored for the roots evaluated
    /// again later.
    fn parse_storing(&self, id: FileId) -> ParsedFile {
        let file = parse_file(id, self.sources.get(id), self.limits);
        if let (Some(cache), None) = (self.cache, &file.error) {
            let declarations = (file.kind, &file.items, &file.vars);
            cache.put_spanned(
                "tf-file",
                &self.file_key("tf-file", id),
                &declarations,
                &[id],
            );
        }
        file
    }

    /// Each file's module calls: from the cache, else from parsing it now;
    /// with the files parsed. Only files that parse are cached, so every
    /// file with an error is parsed, and reports it, on every run.
    fn module_calls(
        &self,
        ids: &[FileId],
    ) -> (HashMap<FileId, ParsedFile>, HashMap<FileId, Calls>) {
        let looked: Vec<(FileId, Option<Calls>)> = ids
            .par_iter()
            .map(|&id| {
                let calls = self.cache.and_then(|c| {
                    // Declarations are read only for the roots evaluated again;
                    // the others' are kept for a later run.
                    c.keep("tf-file", &self.file_key("tf-file", id));
                    c.get("tf-calls", &self.file_key("tf-calls", id))
                });
                (id, calls)
            })
            .collect();
        let parsed: HashMap<FileId, ParsedFile> = looked
            .par_iter()
            .filter(|(_, calls)| calls.is_none())
            .map(|&(id, _)| (id, self.parse_storing(id)))
            .collect();
        let mut calls: HashMap<FileId, Calls> = HashMap::new();
        for (id, cached) in looked {
            if let Some(found) = cached.or_else(|| parsed.get(&id).map(calls_of)) {
                calls.insert(id, found);
            }
        }
        if let Some(cache) = self.cache {
            parsed
                .par_iter()
                .filter(|(_, p)| p.error.is_none())
                .for_each(|(id, _)| {
                    cache.put("tf-calls", &self.file_key("tf-calls", *id), &calls[id]);
                });
        }
        (parsed, calls)
    }

    /// Modules: one per directory of configuration files; a module's calls
    /// are deduplicated by name, the first one winning. With each
    /// directory's scanned files.
    fn modules(
        &self,
        ids: &[FileId],
        calls: &HashMap<FileId, Calls>,
    ) -> (BTreeMap<PathBuf, Calls>, HashMap<PathBuf, Vec<FileId>>) {
        let mut module_calls: BTreeMap<PathBuf, Calls> = BTreeMap::new();
        let mut dir_files: HashMap<PathBuf, Vec<FileId>> = HashMap::new();
        for &id in ids.iter().filter(|id| self.scanned.contains(id)) {
            let dir = dir_of(&self.sources.get(id).path);
            dir_files.entry(dir.clone()).or_default().push(id);
            if self.kind_of(id) != FileKind::Config {
                continue;
            }
            let module = module_calls.entry(dir).or_default();
            for (name, source) in calls.get(&id).into_iter().flatten() {
                if !module.iter().any(|(n, _)| n == name) {
                    module.push((name.clone(), source.clone()));
                }
            }
        }
        (module_calls, dir_files)
    }

    /// The root modules, in order of their directories.
    fn roots<'m>(
        &self,
        module_calls: &'m BTreeMap<PathBuf, Calls>,
        dir_files: &HashMap<PathBuf, Vec<FileId>>,
        installed: &Installed,
        envs: &HashMap<PathBuf, Vec<Env>>,
    ) -> Vec<Root<'m>> {
        let each: Vec<(&PathBuf, Option<&Env>)> = root_dirs(module_calls, installed)
            .into_iter()
            .flat_map(|dir| match envs.get(dir) {
                Some(list) => list.iter().map(|e| (dir, Some(e))).collect(),
                None => vec![(dir, None)],
            })
            .collect();
        each.into_par_iter()
            .map(|(dir, env)| {
                let reach = reach(module_calls, installed, dir);
                let mut table: Vec<FileId> = reach
                    .iter()
                    .flat_map(|d| dir_files.get(d).into_iter().flatten().copied())
                    .collect();
                let env_files = env.map(|e| e.files.as_slice()).unwrap_or_default();
                for f in env_files.iter().chain(&self.vars.files) {
                    if !table.contains(f) {
                        table.push(*f);
                    }
                }
                let mut root = Root {
                    dir,
                    env: env.cloned(),
                    reach,
                    table,
                    key: None,
                };
                root.key = self.cache.map(|_| self.root_key(&root, installed.get(dir)));
                root
            })
            .collect()
    }

    /// The environments of the root modules that have some, by directory,
    /// each root's in the order of their names:
    /// those spof.toml declares for the root; else, when no `--var` or
    /// `--var-file` is given and the root has no `terraform.tfvars`, one per other
    /// variables file beside it or in its `envs/` directory, named by the
    /// file (`envs/prod.tfvars`: `prod`). With the errors of the declared
    /// ones: a root that is no root module, a variables file not read.
    fn environments(
        &self,
        module_calls: &BTreeMap<PathBuf, Calls>,
        installed: &Installed,
        dir_files: &HashMap<PathBuf, Vec<FileId>>,
    ) -> (HashMap<PathBuf, Vec<Env>>, Vec<Diagnostic>) {
        let mut out: HashMap<PathBuf, Vec<Env>> = HashMap::new();
        let mut errors = Vec::new();
        let roots = root_dirs(module_calls, installed);
        let declared = &self.vars.environments;
        if !declared.is_empty() {
            let absolute = |p: &Path| {
                let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
                crate::discover::lexical_normalize(&abs)
            };
            let by_path: HashMap<PathBuf, FileId> = self
                .scanned
                .iter()
                .filter(|&&id| self.kind_of(id) == FileKind::Vars)
                .map(|&id| (absolute(&self.sources.get(id).path), id))
                .collect();
            let dirs: HashMap<PathBuf, &PathBuf> =
                roots.iter().map(|&d| (absolute(d), d)).collect();
            for e in declared {
                let Some(&dir) = dirs.get(&e.root) else {
                    errors.push(
                        Diagnostic::error(
                            "config-error",
                            e.root_span,
                            "no Terraform root module was read in this directory",
                        )
                        .with_help(
                            "name the directory of a root module's `*.tf` files, from spof.toml's",
                        ),
                    );
                    continue;
                };
                let mut files = Vec::new();
                for (path, span) in &e.var_files {
                    match by_path.get(path) {
                        Some(&id) => files.push(id),
                        None => errors.push(
                            Diagnostic::error(
                                "config-error",
                                *span,
                                "no variables file was read at this path",
                            )
                            .with_help("name a `*.tfvars` or `*.tfvars.json` file of the tree"),
                        ),
                    }
                }
                out.entry(dir.clone()).or_default().push(Env {
                    name: e.name.clone(),
                    files,
                });
            }
            for envs in out.values_mut() {
                envs.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        if self.vars.files.is_empty() && self.vars.vars.is_empty() {
            for dir in roots {
                if out.contains_key(dir) {
                    continue;
                }
                let found = self.found_environments(dir, dir_files);
                if !found.is_empty() {
                    out.insert(dir.clone(), found);
                }
            }
        }
        (out, errors)
    }

    /// The environments of a root module that spof.toml declares none for:
    /// see [`Pool::environments`]. In the order of their names; of two
    /// files of one name, the one beside the root.
    fn found_environments(
        &self,
        dir: &Path,
        dir_files: &HashMap<PathBuf, Vec<FileId>>,
    ) -> Vec<Env> {
        let name_of = |id: FileId| {
            let path = &self.sources.get(id).path;
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let beside = dir_files.get(dir).map(Vec::as_slice).unwrap_or_default();
        let vars = |id: &&FileId| self.kind_of(**id) == FileKind::Vars;
        if beside.iter().filter(vars).any(|&id| {
            let n = name_of(id);
            n == "terraform.tfvars" || n == "terraform.tfvars.json"
        }) {
            return Vec::new();
        }
        let envs_dir = dir.join("envs");
        let below = dir_files
            .get(&envs_dir)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut found: BTreeMap<String, FileId> = BTreeMap::new();
        for &id in beside.iter().filter(vars).chain(below.iter().filter(vars)) {
            let file = name_of(id);
            if file.ends_with(".auto.tfvars") || file.ends_with(".auto.tfvars.json") {
                continue;
            }
            let stem = file
                .strip_suffix(".tfvars.json")
                .or_else(|| file.strip_suffix(".tfvars"))
                .unwrap_or_default();
            if crate::model::scope::is_environment_name(stem) {
                found.entry(stem.to_string()).or_insert(id);
            }
        }
        found
            .into_iter()
            .map(|(name, id)| Env {
                name,
                files: vec![id],
            })
            .collect()
    }

    /// A root module's key: its files' contents, the command line's
    /// variables, and the tree the file functions may read (whose
    /// directory `path.cwd` names).
    fn root_key(
        &self,
        root: &Root<'_>,
        installed: Option<&BTreeMap<(PathBuf, String), PathBuf>>,
    ) -> cache::Key {
        let table = &root.table;
        let mut key = KeyBuilder::new("tf-root");
        key.u64(self.limits.max_depth as u64)
            .u64(self.limits.max_alias_nodes as u64)
            .str(&root.name())
            .u64(table.len() as u64);
        for id in table {
            key.str(&self.sources.get(*id).path.to_string_lossy())
                .bytes(self.hashes.get(id).map_or(&[][..], |h| &h[..]));
        }
        let env_files = root.env.as_ref().map(|e| e.files.as_slice());
        for files in [env_files.unwrap_or_default(), &self.vars.files] {
            key.u64(files.len() as u64);
            for id in files {
                key.str(&self.sources.get(*id).path.to_string_lossy());
            }
        }
        key.u64(self.vars.vars.len() as u64);
        for (name, value) in &self.vars.vars {
            key.str(name).str(value);
        }
        key.u64(self.tree.roots.len() as u64)
            .u64(self.tree.max_bytes);
        for dir in &self.tree.roots {
            key.str(&dir.to_string_lossy());
        }
        let installed = installed.into_iter().flatten();
        key.u64(installed.clone().count() as u64);
        for ((caller, name), target) in installed {
            key.str(&caller.to_string_lossy())
                .str(name)
                .str(&target.to_string_lossy());
        }
        key.key()
    }

    /// What the caller has for a root, returned by name; the other roots,
    /// each with its resources if the cache has them.
    fn serve_roots<'m, T: Send>(
        &self,
        roots: Vec<Root<'m>>,
        serve: &(impl Fn(&RootKey<'_>) -> Option<T> + Sync),
    ) -> (Served<T>, Vec<Root<'m>>, Vec<Option<RootResult>>) {
        let length = |f: FileId| self.sources.get(f).len();
        let looked: Vec<(Option<T>, Option<RootResult>)> = roots
            .par_iter()
            .map(|root| {
                let Some(key) = root.key.as_ref() else {
                    return (None, None);
                };
                let name = root.name();
                let root_key = RootKey {
                    name: &name,
                    key,
                    table: &root.table,
                };
                if let Some(served) = serve(&root_key) {
                    // Its resources are not read, but kept for a later run.
                    if let Some(cache) = self.cache {
                        cache.keep("tf-root", key);
                    }
                    return (Some(served), None);
                }
                let found = self
                    .cache
                    .and_then(|c| c.get_spanned("tf-root", key, &root.table, length));
                (None, found)
            })
            .collect();
        let mut served: Vec<(String, T)> = Vec::new();
        let mut kept: Vec<Root<'_>> = Vec::new();
        let mut found: Vec<Option<RootResult>> = Vec::new();
        for (root, (by_caller, by_cache)) in roots.into_iter().zip(looked) {
            match by_caller {
                Some(value) => served.push((root.name(), value)),
                None => {
                    kept.push(root);
                    found.push(by_cache);
                }
            }
        }
        (served, kept, found)
    }

    /// Adds to `parsed` the files the `missed` roots reach: their
    /// declarations from the cache, else parsed (and stored).
    fn parse_reached(&self, missed: &[&Root<'_>], parsed: &mut HashMap<FileId, ParsedFile>) {
        let length = |f: FileId| self.sources.get(f).len();
        let needed: HashSet<FileId> = missed
            .iter()
            .flat_map(|r| r.table.iter().copied())
            .filter(|id| !parsed.contains_key(id))
            .collect();
        let mut needed: Vec<FileId> = needed.into_iter().collect();
        needed.sort();
        parsed.extend(
            needed
                .par_iter()
                .map(|&id| {
                    if let Some(cache) = self.cache
                        && let Some((kind, items, vars)) = cache.get_spanned::<CachedFile>(
                            "tf-file",
                            &self.file_key("tf-file", id),
                            &[id],
                            length,
                        )
                    {
                        let error = None;
                        return (
                            id,
                            ParsedFile {
                                id,
                                kind,
                                items,
                                vars,
                                error,
                            },
                        );
                    }
                    (id, self.parse_storing(id))
                })
                .collect::<Vec<_>>(),
        );
    }

    /// The syntax errors of the files scanned or named on the command line.
    fn errors(&self, ids: &[FileId], parsed: &HashMap<FileId, ParsedFile>) -> Vec<Diagnostic> {
        let mut errors = Vec::new();
        for id in ids {
            if let Some(e) = parsed.get(id).and_then(|p| p.error.as_ref())
                && (self.scanned.contains(id) || self.vars.files.contains(id))
            {
                errors.push(e.clone());
            }
        }
        errors
    }

    /// Evaluates the `missed` roots (storing what they give), in their
    /// order; their declarations move out of `parsed` into their modules.
    fn evaluate(
        &self,
        ids: &[FileId],
        missed: &[&Root<'_>],
        parsed: &mut HashMap<FileId, ParsedFile>,
        installed: &Installed,
    ) -> Vec<(RootResult, bool)> {
        let wanted: HashSet<&PathBuf> = missed.iter().flat_map(|r| &r.reach).collect();
        let modules = self.declared_modules(ids, parsed, &wanted);
        let parsed = &*parsed;
        // Variables files by directory.
        let mut var_files: HashMap<PathBuf, Vec<&ParsedFile>> = HashMap::new();
        for id in ids {
            if let Some(p) = parsed
                .get(id)
                .filter(|p| p.kind == FileKind::Vars && self.scanned.contains(&p.id))
            {
                var_files
                    .entry(dir_of(&self.sources.get(p.id).path))
                    .or_default()
                    .push(p);
            }
        }
        let prog = Program {
            modules,
            installed,
            tree: self.tree,
            max_depth: self.limits.max_depth,
        };
        missed
            .par_iter()
            .map(|root| self.evaluate_root(&prog, root, &var_files, parsed))
            .collect()
    }

    /// The modules of the `wanted` directories, with the declarations of
    /// their configuration files (taken out of `parsed`).
    fn declared_modules(
        &self,
        ids: &[FileId],
        parsed: &mut HashMap<FileId, ParsedFile>,
        wanted: &HashSet<&PathBuf>,
    ) -> HashMap<PathBuf, Module> {
        let mut modules: HashMap<PathBuf, Module> = HashMap::new();
        for id in ids {
            let dir = dir_of(&self.sources.get(*id).path);
            let Some(p) = parsed
                .get_mut(id)
                .filter(|p| p.kind == FileKind::Config && self.scanned.contains(&p.id))
            else {
                continue;
            };
            if !wanted.contains(&dir) {
                continue;
            }
            let module = modules.entry(dir.clone()).or_insert_with(|| Module {
                dir,
                ..Module::default()
            });
            for item in std::mem::take(&mut p.items) {
                declare(module, item);
            }
        }
        modules
    }

    /// Evaluates a root module, and stores what it gives unless it read
    /// files (then `true` beside it).
    fn evaluate_root(
        &self,
        prog: &Program<'_>,
        root: &Root<'_>,
        var_files: &HashMap<PathBuf, Vec<&ParsedFile>>,
        parsed: &HashMap<FileId, ParsedFile>,
    ) -> (RootResult, bool) {
        let dir = root.dir;
        let funcs = Funcs::new();
        let ev = Evaluator::new(&funcs);
        let Some(module) = prog.modules.get(dir) else {
            return ((Vec::new(), Vec::new(), Vec::new()), false);
        };
        let auto = auto_var_files(
            self.sources,
            var_files.get(dir).map(Vec::as_slice).unwrap_or(&[]),
        );
        let env_files = root.env.as_ref().map(|e| e.files.as_slice());
        let explicit: Vec<&ParsedFile> = env_files
            .unwrap_or_default()
            .iter()
            .chain(&self.vars.files)
            .filter_map(|f| parsed.get(f))
            .collect();
        let inputs = root_inputs(&ev, module, &auto, &explicit, self.vars, self.limits);
        let inst = Instance::new(
            prog,
            &ev,
            module,
            String::new(),
            inputs,
            HashMap::new(),
            Vec::new(),
            None,
        );
        let mut result = inst.finish();
        let name = root.name();
        for r in &mut result.resources {
            r.root.clone_from(&name);
        }
        let evaluated = (result.resources, result.unfollowed, ev.notes());
        let read_files = ev.touched();
        if let (Some(cache), Some(key), false) = (self.cache, &root.key, read_files) {
            cache.put_spanned("tf-root", key, &evaluated, &root.table);
        }
        (evaluated, read_files)
    }
}

/// Roots: module directories no other scanned module calls locally; then,
/// of modules that call each other with no root above them, the first of
/// each such group, so that every module is evaluated (and the call that
/// closes the cycle reported). In order.
fn root_dirs<'m>(
    module_calls: &'m BTreeMap<PathBuf, Calls>,
    installed: &Installed,
) -> Vec<&'m PathBuf> {
    let mut called = HashSet::new();
    for (root, calls) in installed {
        called.extend(calls.values().filter(|t| *t != root).cloned());
    }
    for (dir, calls) in module_calls {
        for src in calls.iter().filter_map(|(_, s)| s.as_deref()) {
            if src.starts_with("./") || src.starts_with("../") {
                let target = crate::discover::lexical_normalize(&dir.join(src));
                if &target != dir {
                    called.insert(target);
                }
            }
        }
    }
    let mut roots: Vec<&PathBuf> = module_calls
        .keys()
        .filter(|d| !called.contains(*d))
        .collect();
    let mut reached: HashSet<PathBuf> = roots
        .iter()
        .flat_map(|r| reach(module_calls, installed, r))
        .collect();
    for dir in module_calls.keys() {
        if !reached.contains(dir) {
            reached.extend(reach(module_calls, installed, dir));
            roots.push(dir);
        }
    }
    roots.sort();
    roots
}

/// The modules a module can reach by local calls and by the calls its
/// manifest of installed modules resolves, itself included, in order.
fn reach(
    module_calls: &BTreeMap<PathBuf, Calls>,
    installed: &Installed,
    root: &Path,
) -> Vec<PathBuf> {
    let mut seen = vec![root.to_path_buf()];
    let mut todo = vec![root.to_path_buf()];
    let manifest = installed.get(root);
    while let Some(dir) = todo.pop() {
        for (name, src) in module_calls[&dir].iter() {
            let Some(src) = src.as_deref() else { continue };
            let target = if is_local(src) {
                crate::discover::lexical_normalize(&dir.join(src))
            } else {
                match manifest.and_then(|m| m.get(&(dir.clone(), name.clone()))) {
                    Some(target) => target.clone(),
                    None => continue,
                }
            };
            if module_calls.contains_key(&target) && !seen.contains(&target) {
                seen.push(target.clone());
                todo.push(target);
            }
        }
    }
    seen.sort();
    seen
}

/// The manifests of installed modules (`.terraform/modules/modules.json`)
/// of the module directories, by directory: each a root module where
/// `terraform init` ran.
fn installed_calls(module_calls: &BTreeMap<PathBuf, Calls>) -> Installed {
    module_calls
        .par_iter()
        .filter(|(_, calls)| {
            calls
                .iter()
                .any(|(_, s)| s.as_deref().is_some_and(|s| !is_local(s)))
        })
        .filter_map(|(dir, _)| {
            let calls = installed::calls(dir);
            (!calls.is_empty()).then(|| (dir.clone(), calls))
        })
        .collect()
}

/// Adds a declaration to its module; the first of a name wins.
fn declare(module: &mut Module, item: Item) {
    match item {
        Item::Variable(v) => {
            if !module.variables.iter().any(|x| x.name == v.name) {
                module.variables.push(v);
            }
        }
        Item::Local(a) => {
            module.locals.entry(a.name.clone()).or_insert(a);
        }
        Item::Resource(r) => {
            let key = (r.mode, r.kind.clone(), r.name.clone());
            if !module.res_index.contains_key(&key) {
                module.res_index.insert(key, module.resources.len());
                module.resources.push(r);
            }
        }
        Item::Module(b) => {
            let name = b.labels.first().cloned().unwrap_or_default();
            if !module.call_index.contains_key(&name) {
                module.call_index.insert(name, module.calls.len());
                module.calls.push(b);
            }
        }
        Item::Output(name, e) => {
            if !module.outputs.iter().any(|(n, _)| *n == name) {
                module.outputs.push((name, e));
            }
        }
        Item::Provider(b) => module.providers.push(b),
    }
}

fn literal(e: &ir::Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Str(s) => Some(s.clone()),
        ExprKind::Template(elems) => match elems.as_slice() {
            [TElem::Lit(s)] => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `terraform.tfvars[.json]`, then `*.auto.tfvars[.json]` in lexical order.
fn auto_var_files<'a>(sources: &SourceMap, files: &[&'a ParsedFile]) -> Vec<&'a ParsedFile> {
    let name = |p: &ParsedFile| {
        sources
            .get(p.id)
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut out: Vec<&ParsedFile> = Vec::new();
    for wanted in ["terraform.tfvars", "terraform.tfvars.json"] {
        out.extend(files.iter().filter(|p| name(p) == wanted).copied());
    }
    let mut auto: Vec<(String, &ParsedFile)> = files
        .iter()
        .map(|p| (name(p), *p))
        .filter(|(n, _)| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
        .collect();
    auto.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(auto.into_iter().map(|(_, p)| p));
    out
}

/// A root module's variables: defaults < `terraform.tfvars` <
/// `*.auto.tfvars` < `--var-file`s < `--var`s.
fn root_inputs(
    ev: &Evaluator,
    module: &Module,
    auto: &[&ParsedFile],
    explicit: &[&ParsedFile],
    vars: &Variables,
    limits: &Limits,
) -> HashMap<String, Binding> {
    let mut inputs: HashMap<String, Binding> = HashMap::new();
    let declared: HashMap<&str, &parse::VariableDecl> = module
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v))
        .collect();
    for file in auto.iter().chain(explicit) {
        for attr in &file.vars {
            if !declared.contains_key(attr.name.as_str()) {
                continue;
            }
            let value = ev
                .eval(&attr.expr, &NoEnv, &Scope::default())
                .map_err(|_| Fail::Unknown);
            inputs.insert(
                attr.name.clone(),
                Binding {
                    value,
                    origin: Some((attr.expr.span, SetBy::VariablesFile)),
                    refs: Vec::new(),
                    argument: None,
                    unset: None,
                },
            );
        }
    }
    for (name, text) in &vars.vars {
        let Some(decl) = declared.get(name.as_str()) else {
            continue;
        };
        let value = if decl.ty == TypeKind::Complex {
            parse_var_expr(ev, text, decl.span, limits)
        } else {
            Ok(hcl::Value::String(text.clone()))
        };
        inputs.insert(
            name.clone(),
            Binding {
                value,
                origin: None,
                refs: Vec::new(),
                argument: None,
                unset: None,
            },
        );
    }
    inputs
}

/// Evaluates one expression on its own, as a `--var` value of a collection
/// type is: no variables, every function, a root module's limits of
/// evaluation but `work`. What is not known statically, or fails, is
/// unknown. The fuzz target `eval` drives the evaluator and the functions
/// through it.
pub fn evaluate_expression(
    text: &str,
    limits: &Limits,
    work: WorkBudget,
) -> crate::frontends::terraform::Value {
    let funcs = Funcs::new();
    let ev = Evaluator::with_budget(&funcs, work);
    let at = Span::new(crate::source::FileId(0), crate::source::TextRange::empty(0));
    eval::to_value(&parse_var_expr(&ev, text, at, limits))
}

/// A `--var` value of a collection type, read as an HCL expression.
fn parse_var_expr(ev: &Evaluator, text: &str, at: Span, limits: &Limits) -> eval::R {
    if too_deep(text, limits.max_depth).is_some() {
        return Err(Fail::Unknown);
    }
    let Ok(e) = hcl_edit::parser::parse_expr(text) else {
        return Err(Fail::Unknown);
    };
    let conv = Conv {
        file: at.file,
        base: 0,
        fallback: at.range,
    };
    let e = ir::strip_spans(conv.expr(&e));
    ev.eval(&e, &NoEnv, &Scope::default())
        .map_err(|_| Fail::Unknown)
}
