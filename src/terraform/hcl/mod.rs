//! HCL configurations: parse every `*.tf`, `*.tf.json` and variables file
//! (hcl-edit, in parallel), group files into modules by directory,
//! instantiate every root module with its variables, follow local module
//! calls, and evaluate what is statically known (variables, locals,
//! `count`/`for_each`, module outputs, resource attributes).
//!
//! Values that cannot be known stay unknown: an expression that fails to
//! evaluate (an unknown variable, an unsupported function, a type error) is
//! [`crate::terraform::Value::Unknown`], never a guess and never a
//! diagnostic. Only syntax errors and unreadable nesting are diagnostics.

mod eval;
mod instance;
mod ir;
mod parse;
#[cfg(test)]
mod tests;

use crate::diagnostic::Diagnostic;
use crate::parse::yaml::Limits;
use crate::source::{FileId, SourceMap, Span};
use crate::terraform::{Resource, Variables};
use eval::{Evaluator, Fail, Funcs, Scope};
use instance::{Binding, Instance, Module, NoEnv, Program};
use ir::{Conv, ExprKind, TElem};
use parse::{FileKind, Item, ParsedFile, TypeKind, parse_file};
pub(crate) use parse::{parse_hcl_body, too_deep};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
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
}

/// A module call whose source is not among the scanned files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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

/// Stack size for the threads that parse and evaluate: hcl-edit's parser
/// and the evaluator are recursive, and bracket nesting is bounded by
/// [`Limits::max_depth`].
pub(crate) const STACK_SIZE: usize = 64 * 1024 * 1024;

/// Loads the Terraform configurations in `files` (every discovered `*.tf`,
/// `*.tf.json`, `*.tfvars` and `*.tfvars.json`); `vars` are the root
/// modules' command-line variables. Files nested deeper than
/// `limits.max_depth` are errors.
pub fn load(sources: &SourceMap, files: &[FileId], vars: &Variables, limits: &Limits) -> Load {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build();
    match pool {
        Ok(pool) => pool.install(|| load_in_pool(sources, files, vars, limits)),
        Err(_) => load_in_pool(sources, files, vars, limits),
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

fn load_in_pool(sources: &SourceMap, files: &[FileId], vars: &Variables, limits: &Limits) -> Load {
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
    let mut parsed: Vec<ParsedFile> = ids
        .par_iter()
        .map(|&id| parse_file(id, sources.get(id), limits))
        .collect();
    // Modules: one per directory of configuration files.
    let mut modules: HashMap<PathBuf, Module> = HashMap::new();
    // Declarations move out of the parsed files into their modules.
    let scanned: HashSet<FileId> = files.iter().copied().collect();
    for p in parsed
        .iter_mut()
        .filter(|p| p.kind == FileKind::Config && scanned.contains(&p.id))
    {
        let dir = dir_of(&sources.get(p.id).path);
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

    let mut load = Load::default();
    let by_id: HashMap<FileId, &ParsedFile> = parsed.iter().map(|p| (p.id, p)).collect();
    for p in &parsed {
        if let Some(e) = &p.error
            && scanned.contains(&p.id)
        {
            load.errors.push(e.clone());
        }
    }
    for f in &vars.files {
        if !scanned.contains(f)
            && let Some(e) = by_id.get(f).and_then(|p| p.error.clone())
        {
            load.errors.push(e);
        }
    }

    // Roots: module directories no other scanned module calls locally.
    let mut called = HashSet::new();
    for (dir, module) in &modules {
        for call in &module.calls {
            let Some(src) = call.body.attr("source").and_then(|a| literal(&a.expr)) else {
                continue;
            };
            if src.starts_with("./") || src.starts_with("../") {
                let target = crate::discover::lexical_normalize(&dir.join(&src));
                if &target != dir {
                    called.insert(target);
                }
            }
        }
    }
    let mut roots: Vec<PathBuf> = modules
        .keys()
        .filter(|d| !called.contains(*d))
        .cloned()
        .collect();
    roots.sort();

    // Variables files by directory.
    let mut var_files: HashMap<PathBuf, Vec<&ParsedFile>> = HashMap::new();
    for p in parsed
        .iter()
        .filter(|p| p.kind == FileKind::Vars && scanned.contains(&p.id))
    {
        var_files
            .entry(dir_of(&sources.get(p.id).path))
            .or_default()
            .push(p);
    }

    let root_dir = String::from(".");
    let prog = Program {
        modules,
        root_dir: &root_dir,
    };
    let results: Vec<_> = roots
        .par_iter()
        .map(|dir| {
            let funcs = Funcs::new();
            let ev = Evaluator::new(&funcs);
            let Some(module) = prog.modules.get(dir) else {
                return (Vec::new(), Vec::new());
            };
            let auto = auto_var_files(
                sources,
                var_files.get(dir).map(Vec::as_slice).unwrap_or(&[]),
            );
            let explicit: Vec<&ParsedFile> = vars
                .files
                .iter()
                .filter_map(|f| by_id.get(f).copied())
                .collect();
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
            let root = crate::terraform::root_name(dir);
            for r in &mut result.resources {
                r.root.clone_from(&root);
            }
            (result.resources, result.unfollowed)
        })
        .collect();
    for (resources, unfollowed) in results {
        load.resources.extend(resources);
        load.unfollowed.extend(unfollowed);
    }
    load.resources
        .sort_by(|a, b| a.address.cmp(&b.address).then(a.span.cmp(&b.span)));
    load.unfollowed.sort();
    load.unfollowed.dedup();
    load.errors.sort_by_key(|a| a.span);
    load
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
                    origin: Some(attr.expr.span),
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

/// A `--var` value of a collection type, read as an HCL expression.
fn parse_var_expr(ev: &Evaluator, text: &str, at: Span, limits: &Limits) -> eval::R {
    if parse::too_deep(text, limits.max_depth).is_some() {
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
