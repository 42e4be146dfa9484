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
mod instance;
mod ir;
mod parse;
#[cfg(test)]
mod tests;

use crate::cache::{self, Cache, KeyBuilder};
use crate::diagnostic::Diagnostic;
use crate::frontends::terraform::{Resource, SetBy, Variables};
use crate::parse::hcl::{STACK_SIZE, too_deep};
use crate::parse::yaml::Limits;
use crate::source::{FileId, SourceMap, Span};
pub use eval::{EvalNote, Limit, WorkBudget};
use eval::{Evaluator, Fail, Funcs, Scope};
pub(crate) use eval::{MAX_INSTANCES, MAX_MODULE_INSTANCES};
use instance::{Binding, Instance, Module, NoEnv, Program};
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
/// modules' command-line variables. Files nested deeper than
/// `limits.max_depth` are errors.
pub fn load(sources: &SourceMap, files: &[FileId], vars: &Variables, limits: &Limits) -> Load {
    load_cached(sources, files, vars, limits, None, |_| None::<()>).0
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
/// others.
pub fn load_cached<T: Send>(
    sources: &SourceMap,
    files: &[FileId],
    vars: &Variables,
    limits: &Limits,
    cache: Option<&Cache>,
    serve: impl Fn(&RootKey<'_>) -> Option<T> + Sync,
) -> (Load, Vec<(String, T)>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build();
    match pool {
        Ok(pool) => pool.install(|| load_in_pool(sources, files, vars, limits, cache, &serve)),
        Err(_) => load_in_pool(sources, files, vars, limits, cache, &serve),
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
    cache: Option<&Cache>,
    serve: &(impl Fn(&RootKey<'_>) -> Option<T> + Sync),
) -> (Load, Vec<(String, T)>) {
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
    let scanned: HashSet<FileId> = files.iter().copied().collect();
    let kind_of = |id: FileId| {
        parse::file_kind(&sources.get(id).path.to_string_lossy())
            .map_or(FileKind::Config, |(kind, _)| kind)
    };

    // Each file's module calls: from the cache, else from parsing it now.
    // Only files that parse are cached, so every file with an error is
    // parsed, and reports it, on every run.
    let hashes: HashMap<FileId, [u8; 32]> = match cache {
        Some(_) => ids
            .par_iter()
            .map(|&id| (id, sources.get(id).digest()))
            .collect(),
        None => HashMap::new(),
    };
    let file_key = |kind: &str, id: FileId| {
        let source = sources.get(id);
        let name = source.path.file_name().unwrap_or_default();
        KeyBuilder::new(kind)
            .u64(limits.max_depth as u64)
            .u64(limits.max_alias_nodes as u64)
            .str(&name.to_string_lossy())
            .bytes(hashes.get(&id).map_or(&[][..], |h| &h[..]))
            .key()
    };
    let looked: Vec<(FileId, Option<Calls>)> = ids
        .par_iter()
        .map(|&id| {
            let calls = cache.and_then(|c| {
                // Declarations are read only for the roots evaluated again;
                // the others' are kept for a later run.
                c.keep("tf-file", &file_key("tf-file", id));
                c.get("tf-calls", &file_key("tf-calls", id))
            });
            (id, calls)
        })
        .collect();
    // Parses a file; one that parses is stored for the roots evaluated
    // again later.
    let parse_storing = |id: FileId| {
        let file = parse_file(id, sources.get(id), limits);
        if let (Some(cache), None) = (cache, &file.error) {
            let declarations = (file.kind, &file.items, &file.vars);
            cache.put_spanned("tf-file", &file_key("tf-file", id), &declarations, &[id]);
        }
        file
    };
    let mut parsed: HashMap<FileId, ParsedFile> = looked
        .par_iter()
        .filter(|(_, calls)| calls.is_none())
        .map(|&(id, _)| (id, parse_storing(id)))
        .collect();
    let mut calls: HashMap<FileId, Calls> = HashMap::new();
    for (id, cached) in looked {
        if let Some(found) = cached.or_else(|| parsed.get(&id).map(calls_of)) {
            calls.insert(id, found);
        }
    }
    if let Some(cache) = cache {
        parsed
            .par_iter()
            .filter(|(_, p)| p.error.is_none())
            .for_each(|(id, _)| cache.put("tf-calls", &file_key("tf-calls", *id), &calls[id]));
    }

    // Modules: one per directory of configuration files; a module's calls
    // are deduplicated by name, the first one winning.
    let mut module_calls: BTreeMap<PathBuf, Calls> = BTreeMap::new();
    let mut dir_files: HashMap<PathBuf, Vec<FileId>> = HashMap::new();
    for &id in ids.iter().filter(|id| scanned.contains(id)) {
        let dir = dir_of(&sources.get(id).path);
        dir_files.entry(dir.clone()).or_default().push(id);
        if kind_of(id) != FileKind::Config {
            continue;
        }
        let module = module_calls.entry(dir).or_default();
        for (name, source) in calls.get(&id).into_iter().flatten() {
            if !module.iter().any(|(n, _)| n == name) {
                module.push((name.clone(), source.clone()));
            }
        }
    }

    // Roots: module directories no other scanned module calls locally.
    let mut called = HashSet::new();
    for (dir, calls) in &module_calls {
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

    // Each root: the modules it can reach, their files (the table its
    // cached spans refer to) and its key.
    let reach = |root: &PathBuf| -> Vec<PathBuf> {
        let mut seen = vec![root.clone()];
        let mut todo = vec![root.clone()];
        while let Some(dir) = todo.pop() {
            for src in module_calls[&dir].iter().filter_map(|(_, s)| s.as_deref()) {
                let target = crate::discover::lexical_normalize(&dir.join(src));
                if is_local(src) && module_calls.contains_key(&target) && !seen.contains(&target) {
                    seen.push(target.clone());
                    todo.push(target);
                }
            }
        }
        seen.sort();
        seen
    };
    // Modules that call each other with no root above them: the first of
    // each such group is a root, so that every module is evaluated (and
    // the call that closes the cycle reported).
    let mut reached: HashSet<PathBuf> = roots.iter().flat_map(|r| reach(r)).collect();
    for dir in module_calls.keys() {
        if !reached.contains(dir) {
            reached.extend(reach(dir));
            roots.push(dir);
        }
    }
    roots.sort();
    struct Root<'a> {
        dir: &'a PathBuf,
        reach: Vec<PathBuf>,
        table: Vec<FileId>,
        key: Option<cache::Key>,
    }
    let roots: Vec<Root<'_>> = roots
        .into_par_iter()
        .map(|dir| {
            let reach = reach(dir);
            let mut table: Vec<FileId> = reach
                .iter()
                .flat_map(|d| dir_files.get(d).into_iter().flatten().copied())
                .collect();
            for f in &vars.files {
                if !table.contains(f) {
                    table.push(*f);
                }
            }
            let key = cache.map(|_| {
                let mut key = KeyBuilder::new("tf-root");
                key.u64(limits.max_depth as u64)
                    .u64(limits.max_alias_nodes as u64)
                    .str(&crate::frontends::terraform::root_name(dir))
                    .u64(table.len() as u64);
                for id in &table {
                    key.str(&sources.get(*id).path.to_string_lossy())
                        .bytes(hashes.get(id).map_or(&[][..], |h| &h[..]));
                }
                key.u64(vars.files.len() as u64);
                for id in &vars.files {
                    key.str(&sources.get(*id).path.to_string_lossy());
                }
                key.u64(vars.vars.len() as u64);
                for (name, value) in &vars.vars {
                    key.str(name).str(value);
                }
                key.key()
            });
            Root {
                dir,
                reach,
                table,
                key,
            }
        })
        .collect();
    let length = |f: FileId| sources.get(f).len();
    // What the caller has for a root; else its resources from the cache.
    let looked: Vec<(Option<T>, Option<RootResult>)> = roots
        .par_iter()
        .map(|root| {
            let Some(key) = root.key.as_ref() else {
                return (None, None);
            };
            let name = crate::frontends::terraform::root_name(root.dir);
            let root_key = RootKey {
                name: &name,
                key,
                table: &root.table,
            };
            if let Some(served) = serve(&root_key) {
                // Its resources are not read, but kept for a later run.
                if let Some(cache) = cache {
                    cache.keep("tf-root", key);
                }
                return (Some(served), None);
            }
            let found = cache.and_then(|c| c.get_spanned("tf-root", key, &root.table, length));
            (None, found)
        })
        .collect();
    let mut served: Vec<(String, T)> = Vec::new();
    let mut kept: Vec<Root<'_>> = Vec::new();
    let mut found: Vec<Option<RootResult>> = Vec::new();
    for (root, (by_caller, by_cache)) in roots.into_iter().zip(looked) {
        match by_caller {
            Some(value) => served.push((crate::frontends::terraform::root_name(root.dir), value)),
            None => {
                kept.push(root);
                found.push(by_cache);
            }
        }
    }
    let roots = kept;

    // The roots not in the cache: parse what they reach, and evaluate them.
    let missed: Vec<&Root<'_>> = roots
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(r, _)| r)
        .collect();
    let needed: HashSet<FileId> = missed
        .iter()
        .flat_map(|r| r.table.iter().copied())
        .filter(|id| !parsed.contains_key(id))
        .collect();
    let mut needed: Vec<FileId> = needed.into_iter().collect();
    needed.sort();
    // Their files' declarations: from the cache, else parsed (and stored).
    parsed.extend(
        needed
            .par_iter()
            .map(|&id| {
                if let Some(cache) = cache
                    && let Some((kind, items, vars)) = cache.get_spanned::<CachedFile>(
                        "tf-file",
                        &file_key("tf-file", id),
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
                (id, parse_storing(id))
            })
            .collect::<Vec<_>>(),
    );
    let mut load = Load::default();
    for id in &ids {
        if let Some(e) = parsed.get(id).and_then(|p| p.error.as_ref())
            && (scanned.contains(id) || vars.files.contains(id))
        {
            load.errors.push(e.clone());
        }
    }
    let wanted: HashSet<&PathBuf> = missed.iter().flat_map(|r| &r.reach).collect();
    // Declarations move out of the parsed files into their modules.
    let mut modules: HashMap<PathBuf, Module> = HashMap::new();
    for id in &ids {
        let dir = dir_of(&sources.get(*id).path);
        let Some(p) = parsed
            .get_mut(id)
            .filter(|p| p.kind == FileKind::Config && scanned.contains(&p.id))
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
    }

    // Variables files by directory.
    let mut var_files: HashMap<PathBuf, Vec<&ParsedFile>> = HashMap::new();
    for id in &ids {
        if let Some(p) = parsed
            .get(id)
            .filter(|p| p.kind == FileKind::Vars && scanned.contains(&p.id))
        {
            var_files
                .entry(dir_of(&sources.get(p.id).path))
                .or_default()
                .push(p);
        }
    }

    let root_dir = String::from(".");
    let prog = Program {
        modules,
        root_dir: &root_dir,
    };
    let evaluated: Vec<RootResult> = missed
        .par_iter()
        .map(|root| {
            let dir = root.dir;
            let funcs = Funcs::new();
            let ev = Evaluator::new(&funcs);
            let Some(module) = prog.modules.get(dir) else {
                return (Vec::new(), Vec::new(), Vec::new());
            };
            let auto = auto_var_files(
                sources,
                var_files.get(dir).map(Vec::as_slice).unwrap_or(&[]),
            );
            let explicit: Vec<&ParsedFile> =
                vars.files.iter().filter_map(|f| parsed.get(f)).collect();
            let inputs = root_inputs(&ev, module, &auto, &explicit, vars, limits);
            let inst = Instance::new(
                &prog,
                &ev,
                module,
                String::new(),
                inputs,
                HashMap::new(),
                Vec::new(),
            );
            let mut result = inst.finish();
            let name = crate::frontends::terraform::root_name(dir);
            for r in &mut result.resources {
                r.root.clone_from(&name);
            }
            let evaluated = (result.resources, result.unfollowed, ev.notes());
            if let (Some(cache), Some(key)) = (cache, &root.key) {
                cache.put_spanned("tf-root", key, &evaluated, &root.table);
            }
            evaluated
        })
        .collect();
    // In the roots' order, whether found or evaluated.
    let mut evaluated = evaluated.into_iter();
    let results: Vec<RootResult> = found
        .into_iter()
        .filter_map(|f| f.or_else(|| evaluated.next()))
        .collect();
    for (root, (resources, unfollowed, notes)) in roots.iter().zip(results) {
        load.resources.extend(resources);
        load.roots.push(LoadedRoot {
            name: crate::frontends::terraform::root_name(root.dir),
            key: root.key,
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
