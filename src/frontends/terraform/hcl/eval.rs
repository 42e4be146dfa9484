//! Expression evaluation over the IR.
//!
//! Values are `hcl::Value`s. What is not known statically is either a
//! failure ([`Fail::Unknown`]) or, inside a collection, the [`UNKNOWN`]
//! sentinel string; another resource's attribute is a ref sentinel string
//! (see [`ref_sentinel`]) so that functions such as `length` or `element`
//! carry it along. Function calls are evaluated by hcl-rs against the
//! functions of [`crate::frontends::terraform::functions::context_functions`]; `try`
//! and `can` are evaluated here, lazily, and so is arithmetic, every
//! operation checked.
//!
//! Evaluation is bounded: no value may weigh more than [`MAX_VALUE_BYTES`],
//! and one root module's evaluation, its module instances included, spends
//! one [`WorkBudget`]. Past either, values are unknown, and the first place
//! a limit was reached is noted ([`EvalNote`]) for the rules to report.

use super::files::{Files, Seen};
use super::ir::{Expr, ExprKind, ForIr, Op, TElem};
use crate::frontends::terraform::Value;
use crate::frontends::terraform::functions::{MAX_VALUE_BYTES, TOO_LARGE, weight};
use crate::frontends::terraform::symbolic;
use crate::source::Span;
use hcl::Value as V;
use hcl::eval::{Context, Evaluate};
use hcl::expr::{BinaryOperator, UnaryOperator};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashSet};

/// Why an expression has no value: not known statically, or an error
/// (`try` and `can` tell them apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fail {
    Unknown,
    Error,
}

pub(crate) type R = Result<V, Fail>;

pub(crate) const UNKNOWN: &str = "\u{0}unknown\u{0}";
/// Object key holding a resource instance's address, so that reading an
/// attribute that is not written yields a ref.
pub(crate) const ADDR_KEY: &str = "\u{0}addr";
/// Object key marking a resource whose instances are unknown: indexing it
/// yields itself.
pub(crate) const UNKEYED_KEY: &str = "\u{0}unkeyed";

/// Deepest evaluation (expressions, and locals/resources/modules evaluated
/// on demand).
pub(crate) const MAX_EVAL_DEPTH: u32 = 200;
/// Most elements a `for` or template loop produces.
pub(crate) const MAX_ITEMS: usize = 10_000;

/// Most resource instances one root module expands to, a `count` or
/// `for_each` of any size included while they fit...
pub(crate) const MAX_INSTANCES: usize = 100_000;
/// ... and most module instances.
pub(crate) const MAX_MODULE_INSTANCES: usize = 10_000;

/// Work one root module's evaluation may do, its module instances included:
/// steps (each expression evaluated or walked for references, each local,
/// resource and module call entered, each iteration of a template loop or
/// dynamic block) and bytes of values made, copies included (as
/// [`crate::frontends::terraform::functions::weight`] counts them). Shared by the
/// whole tree of module instances, so that nested counts, modules and `for`
/// expressions cannot multiply past it; and, as every value kept was made,
/// a bound on the memory evaluation keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkBudget {
    pub steps: u64,
    pub bytes: u64,
}

impl Default for WorkBudget {
    /// A root module's budget.
    fn default() -> Self {
        Self {
            steps: 20_000_000,
            bytes: 256 * 1024 * 1024,
        }
    }
}

/// A limit of evaluation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Limit {
    /// A value larger than [`MAX_VALUE_BYTES`].
    Size,
    /// The root module's [`WorkBudget`].
    Work,
    /// A `count` or `for_each` whose instances do not fit the root module's
    /// [`MAX_INSTANCES`] or [`MAX_MODULE_INSTANCES`].
    Instances,
}

/// What the evaluation of a root module could not do, to be reported.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum EvalNote {
    /// A local module call not followed: its module is already being
    /// instantiated above it (Terraform refuses such a cycle).
    Cycle {
        /// The call's `source` attribute.
        span: Span,
        /// The call's address: `module.a.module.b`.
        module: String,
        source: String,
    },
    /// The first limit the evaluation reached, at the expression that
    /// reached it. That value is unknown, and so is what depends on it
    /// (and, for [`Limit::Work`], every expression evaluated after it).
    Limit { span: Span, limit: Limit },
    /// A file function's path that leads out of the scanned tree (by `..`
    /// or a symbolic link): not read, its value unknown.
    Outside {
        /// The call.
        span: Span,
        /// The function.
        function: String,
        path: String,
    },
}

impl EvalNote {
    /// The input error of a module cycle.
    pub fn error(&self) -> Option<crate::diagnostic::Diagnostic> {
        match self {
            EvalNote::Cycle {
                span,
                module,
                source,
            } => Some(
                crate::diagnostic::Diagnostic::error(
                    "module-cycle",
                    *span,
                    format!(
                        "`{module}` calls `{source}`, a module it is itself part of: \
                         modules that call each other never end (Terraform refuses them)"
                    ),
                )
                .with_label("module cycle")
                .with_help("the call is not followed; every module in the cycle is analysed once"),
            ),
            EvalNote::Outside {
                span,
                function,
                path,
            } => {
                let mut d = crate::diagnostic::Diagnostic::error(
                    "terraform-file-outside-tree",
                    *span,
                    format!(
                        "`{function}` reads `{path}`, which is outside the scanned tree: it is \
                         not read, and its value is unknown"
                    ),
                )
                .with_label("outside the tree")
                .with_help("scan the directory that holds the file too");
                d.severity = crate::diagnostic::Severity::Info;
                Some(d)
            }
            EvalNote::Limit { .. } => None,
        }
    }
}

pub(crate) fn ref_sentinel(address: &str, attr: &str) -> String {
    format!("\u{0}ref\u{1}{address}\u{1}{attr}\u{0}")
}

fn parse_ref(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix("\u{0}ref\u{1}")?.strip_suffix('\u{0}')?;
    if inner.contains('\u{0}') {
        return None;
    }
    inner.split_once('\u{1}')
}

/// Whether any string inside holds a sentinel.
pub(crate) fn has_sentinel(v: &V) -> bool {
    match v {
        V::String(s) => s.contains('\u{0}'),
        V::Array(items) => items.iter().any(has_sentinel),
        V::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains('\u{0}') || has_sentinel(v)),
        _ => false,
    }
}

/// Whether something inside is unknown (not counting refs and symbolic
/// zones, which are values whose identity is known).
pub(crate) fn has_unknown(v: &V) -> bool {
    match v {
        V::String(s) => {
            s.contains('\u{0}') && parse_ref(s).is_none() && symbolic::parse_zone(s).is_none()
        }
        V::Array(items) => items.iter().any(has_unknown),
        V::Object(map) => map
            .iter()
            .any(|(k, v)| !k.starts_with('\u{0}') && has_unknown(v)),
        _ => false,
    }
}

pub(crate) fn to_value(r: &R) -> Value {
    match r {
        Ok(v) => convert(v),
        Err(_) => Value::Unknown,
    }
}

pub(crate) fn convert(v: &V) -> Value {
    match v {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(*b),
        V::Number(n) => n.as_f64().map_or(Value::Unknown, Value::Number),
        V::String(s) => {
            if let Some((address, attr)) = parse_ref(s) {
                Value::Ref {
                    address: address.to_string(),
                    attr: attr.to_string(),
                }
            } else if let Some(z) = symbolic::parse_zone(s) {
                Value::Zone {
                    family: z.family.to_string(),
                    index: z.index,
                }
            } else if let Some((_, family)) = symbolic::parse_list(s) {
                Value::Zones {
                    family: family.to_string(),
                }
            } else if s.contains('\u{0}') {
                Value::Unknown
            } else {
                Value::String(s.clone())
            }
        }
        V::Array(items) => Value::List(items.iter().map(convert).collect()),
        V::Object(map) => Value::Map(
            map.iter()
                .filter(|(k, _)| !k.starts_with('\u{0}'))
                .map(|(k, v)| (k.clone(), convert(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// Variables bound by `for` expressions, template loops and dynamic
/// blocks.
#[derive(Default)]
pub(crate) struct Scope<'a> {
    pub vars: Vec<(String, V)>,
    pub parent: Option<&'a Scope<'a>>,
}

impl<'a> Scope<'a> {
    pub fn child(&'a self, vars: Vec<(String, V)>) -> Scope<'a> {
        Scope {
            vars,
            parent: Some(self),
        }
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .or_else(|| self.parent.and_then(|p| p.get(name)))
    }
}

/// Resolves the named roots of traversals: `var`, `local`, `module`,
/// resources, `data`, `count`, `each`, `path`...
pub(crate) trait Env {
    /// The value of `root` followed by some of the leading attribute names
    /// `attrs`, and how many of them were consumed; `None` when `root` is
    /// not a known name.
    fn resolve(&self, ev: &Evaluator, root: &str, attrs: &[&str]) -> Option<(R, usize)>;

    /// What the file functions may read; `None`: they are unknown.
    fn files(&self) -> Option<Files<'_>> {
        None
    }

    /// Whether this is a template of `templatefile`, which may not call
    /// `templatefile` again (Terraform's error).
    fn in_template(&self) -> bool {
        false
    }
}

/// The functions that read files, evaluated here (hcl-rs's functions know
/// no directory): see [`super::files`].
pub(crate) const FILE_FUNCTIONS: &[&str] = &[
    "file",
    "filebase64",
    "filebase64sha256",
    "filebase64sha512",
    "fileexists",
    "filemd5",
    "fileset",
    "filesha1",
    "filesha256",
    "filesha512",
    "templatefile",
];

/// The environment of a `templatefile` template: its variables only (in
/// the scope), and the files the functions may read.
struct TemplateEnv<'a> {
    files: Option<Files<'a>>,
}

impl Env for TemplateEnv<'_> {
    fn resolve(&self, _: &Evaluator, _: &str, _: &[&str]) -> Option<(R, usize)> {
        None
    }

    fn files(&self) -> Option<Files<'_>> {
        self.files
    }

    fn in_template(&self) -> bool {
        true
    }
}

/// The functions available to expressions.
pub(crate) struct Funcs {
    ctx: Context<'static>,
    names: HashSet<String>,
}

impl Funcs {
    pub fn new() -> Self {
        let mut ctx = Context::new();
        let mut names = HashSet::new();
        for (name, def) in crate::frontends::terraform::functions::context_functions() {
            names.insert(name.to_string());
            ctx.declare_func(name, def);
        }
        Self { ctx, names }
    }
}

/// The functions that take symbolic zones as they are, without looking
/// inside their names: they select, count, compare (within a family) or
/// pass elements along. Any other function given a zone is evaluated with
/// real names in its place.
const OPAQUE_TO_ZONES: &[&str] = &[
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "distinct",
    "element",
    "flatten",
    "index",
    "one",
    "reverse",
    "slice",
    "sort",
    "tolist",
    "toset",
    "tostring",
];

pub(crate) struct Evaluator<'f> {
    funcs: &'f Funcs,
    depth: Cell<u32>,
    /// Resource instances still allowed.
    pub budget: Cell<usize>,
    /// Module instances still allowed.
    pub module_budget: Cell<usize>,
    /// Steps and bytes still allowed.
    steps: Cell<u64>,
    bytes: Cell<u64>,
    /// The first limit reached, and the expression that reached it.
    limit: Cell<Option<(Limit, Span)>>,
    /// Module calls not followed because they close a cycle.
    cycles: RefCell<Vec<EvalNote>>,
    /// Each `count` or `for_each` whose instances did not fit the budget.
    overflows: RefCell<Vec<Span>>,
    /// Whether a file function looked at the disk: the result then depends
    /// on files that are not inputs.
    touched: Cell<bool>,
    /// File functions' paths out of the tree.
    outside: RefCell<Vec<EvalNote>>,
}

/// Decrements the evaluation depth when dropped.
pub(crate) struct DepthGuard<'a>(&'a Cell<u32>);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

impl<'f> Evaluator<'f> {
    pub fn new(funcs: &'f Funcs) -> Self {
        Self::with_budget(funcs, WorkBudget::default())
    }

    pub fn with_budget(funcs: &'f Funcs, work: WorkBudget) -> Self {
        Self {
            funcs,
            depth: Cell::new(0),
            budget: Cell::new(MAX_INSTANCES),
            module_budget: Cell::new(MAX_MODULE_INSTANCES),
            steps: Cell::new(work.steps),
            bytes: Cell::new(work.bytes),
            limit: Cell::new(None),
            cycles: RefCell::new(Vec::new()),
            overflows: RefCell::new(Vec::new()),
            touched: Cell::new(false),
            outside: RefCell::new(Vec::new()),
        }
    }

    /// Whether a file function looked at the disk.
    pub fn touched(&self) -> bool {
        self.touched.get()
    }

    /// Enters one level of evaluation, one step of work; `None` when too
    /// deep. Locals, resources and module calls are entered whatever the
    /// work left, so that each is still there, its values unknown.
    pub fn enter(&self) -> Option<DepthGuard<'_>> {
        let d = self.depth.get();
        if d >= MAX_EVAL_DEPTH {
            return None;
        }
        self.steps.set(self.steps.get().saturating_sub(1));
        self.depth.set(d + 1);
        Some(DepthGuard(&self.depth))
    }

    /// One step of work that no expression's value accounts for (an
    /// iteration of a template loop, a block of a dynamic block), making
    /// `bytes` of other things; `false`, the limit noted at `span`, when the
    /// budget is spent.
    pub fn step(&self, span: Span, bytes: usize) -> bool {
        self.steps.set(self.steps.get().saturating_sub(1));
        if self.spent() {
            self.reached(Limit::Work, span);
            return false;
        }
        self.charge(bytes, span).is_ok()
    }

    /// Whether the work budget is spent.
    pub fn spent(&self) -> bool {
        self.steps.get() == 0 || self.bytes.get() == 0
    }

    /// Records a limit reached at `span`, unless one was already: the first
    /// says where the evaluation started to lose values.
    fn reached(&self, limit: Limit, span: Span) -> Fail {
        if self.limit.get().is_none() {
            self.limit.set(Some((limit, span)));
        }
        Fail::Unknown
    }

    /// What the evaluation could not do: the module calls that close a
    /// cycle and the instances that did not fit, then the first limit
    /// reached.
    pub fn notes(&self) -> Vec<EvalNote> {
        let mut notes = self.cycles.borrow().clone();
        notes.extend(self.outside.borrow().iter().cloned());
        notes.extend(self.overflows.borrow().iter().map(|&span| EvalNote::Limit {
            span,
            limit: Limit::Instances,
        }));
        notes.sort();
        notes.dedup();
        if let Some((limit, span)) = self.limit.get() {
            notes.push(EvalNote::Limit { span, limit });
        }
        notes
    }

    /// Records a `count` or `for_each` at `span` whose instances do not fit
    /// the budget: each one is reported, whatever limit was reached first,
    /// as others after it may still fit.
    pub fn overflow(&self, span: Span) {
        self.overflows.borrow_mut().push(span);
    }

    /// Records a module call at `span` that closes a cycle.
    pub fn cycle(&self, span: Span, module: &str, source: &str) {
        self.cycles.borrow_mut().push(EvalNote::Cycle {
            span,
            module: module.to_string(),
            source: source.to_string(),
        });
    }

    /// Charges `bytes` made at `span` to the budget.
    fn charge(&self, bytes: usize, span: Span) -> Result<(), Fail> {
        let left = self.bytes.get();
        match left.checked_sub(bytes as u64) {
            Some(left) if left > 0 => {
                self.bytes.set(left);
                Ok(())
            }
            _ => {
                self.bytes.set(0);
                Err(self.reached(Limit::Work, span))
            }
        }
    }

    /// Checks the size of a value made at `span`, and charges what it
    /// costs.
    fn weigh(&self, v: V, span: Span) -> R {
        let w = weight(&v, MAX_VALUE_BYTES);
        if w > MAX_VALUE_BYTES {
            return Err(self.reached(Limit::Size, span));
        }
        self.charge(w, span)?;
        Ok(v)
    }

    pub fn eval(&self, e: &Expr, env: &dyn Env, scope: &Scope) -> R {
        let Some(_guard) = self.enter() else {
            return Err(Fail::Unknown);
        };
        if self.spent() {
            return Err(self.reached(Limit::Work, e.span));
        }
        match &e.kind {
            ExprKind::Null => Ok(V::Null),
            ExprKind::Bool(b) => Ok(V::Bool(*b)),
            ExprKind::Number(n) => Ok(V::Number(*n)),
            ExprKind::Str(s) => self.weigh(V::String(s.clone()), e.span),
            // Collections are weighed as a whole: their elements were
            // charged as they were made, but no single value may grow past
            // the limit.
            ExprKind::Array(items) => {
                let items = items
                    .iter()
                    .map(|i| self.eval(i, env, scope))
                    .collect::<Result<Vec<_>, _>>()?;
                self.check_size(V::Array(items), e.span)
            }
            ExprKind::Object(entries) => {
                let mut map = hcl::Map::new();
                for (k, v) in entries {
                    let key = object_key(&self.eval(k, env, scope)?)?;
                    map.insert(key, self.eval(v, env, scope)?);
                }
                self.check_size(V::Object(map), e.span)
            }
            ExprKind::Template(elems) => {
                if let [TElem::Interp(e)] = elems.as_slice() {
                    return self.eval(e, env, scope);
                }
                let mut out = String::new();
                self.template(elems, env, scope, &mut out, e.span)?;
                self.weigh(V::String(out), e.span)
            }
            // A reference copies the value it names: `traverse_root`
            // charges the copy, and what is taken out of it is no new value.
            ExprKind::Var(name) => {
                let v = self.traverse_root(name, &[], env, scope, e.span)?;
                self.check_size(v, e.span)
            }
            ExprKind::Traversal(base, ops) => {
                let v = match &base.kind {
                    ExprKind::Var(name) => self.traverse_root(name, ops, env, scope, e.span)?,
                    _ => {
                        let v = self.eval(base, env, scope)?;
                        self.apply(v, ops, env, scope)?
                    }
                };
                self.check_size(v, e.span)
            }
            ExprKind::Call {
                name,
                args,
                expand_final,
            } => {
                let v = self.call(name, args, *expand_final, env, scope, e.span)?;
                self.weigh(v, e.span)
            }
            ExprKind::Cond(c, t, f) => {
                if truth(&self.eval(c, env, scope)?)? {
                    self.eval(t, env, scope)
                } else {
                    self.eval(f, env, scope)
                }
            }
            ExprKind::Unary(op, inner) => {
                let v = self.eval(inner, env, scope)?;
                unary(*op, v)
            }
            ExprKind::Binary(op, l, r) => {
                let l = self.eval(l, env, scope)?;
                let r = self.eval(r, env, scope)?;
                binary(*op, l, r)
            }
            ExprKind::For(f) => {
                let v = self.for_expr(f, env, scope, e.span)?;
                self.check_size(v, e.span)
            }
        }
    }

    /// A value whose parts were charged as they were made: only its size is
    /// checked.
    fn check_size(&self, v: V, span: Span) -> R {
        if weight(&v, MAX_VALUE_BYTES) > MAX_VALUE_BYTES {
            return Err(self.reached(Limit::Size, span));
        }
        Ok(v)
    }

    fn template(
        &self,
        elems: &[TElem],
        env: &dyn Env,
        scope: &Scope,
        out: &mut String,
        span: Span,
    ) -> Result<(), Fail> {
        for el in elems {
            match el {
                TElem::Lit(s) => out.push_str(s),
                TElem::Interp(e) => out.push_str(&to_text(&self.eval(e, env, scope)?)?),
                TElem::If { cond, then, els } => {
                    if truth(&self.eval(cond, env, scope)?)? {
                        self.template(then, env, scope, out, span)?;
                    } else {
                        self.template(els, env, scope, out, span)?;
                    }
                }
                TElem::For {
                    key_var,
                    value_var,
                    coll,
                    body,
                } => {
                    let coll = self.eval(coll, env, scope)?;
                    let pairs = iterate(&coll)?;
                    // Each element is copied into the loop's scope.
                    self.charge(weight(&coll, MAX_VALUE_BYTES), span)?;
                    for (k, v) in pairs {
                        let mut vars = vec![(value_var.clone(), v)];
                        if let Some(kv) = key_var {
                            vars.push((kv.clone(), k));
                        }
                        if !self.step(span, 0) {
                            return Err(Fail::Unknown);
                        }
                        let inner = scope.child(vars);
                        self.template(body, env, &inner, out, span)?;
                        if out.len() > MAX_VALUE_BYTES {
                            return Err(self.reached(Limit::Size, span));
                        }
                    }
                }
            }
            if out.len() > MAX_VALUE_BYTES {
                return Err(self.reached(Limit::Size, span));
            }
        }
        Ok(())
    }

    /// The value `name` names, then `ops` applied to it. The value is
    /// copied whole before it is indexed: that copy is charged.
    fn traverse_root(&self, name: &str, ops: &[Op], env: &dyn Env, scope: &Scope, span: Span) -> R {
        if let Some(v) = scope.get(name) {
            self.charge(weight(v, MAX_VALUE_BYTES), span)?;
            return self.apply(v.clone(), ops, env, scope);
        }
        let attrs: Vec<&str> = ops
            .iter()
            .map_while(|op| match op {
                Op::Attr(a) => Some(a.as_str()),
                _ => None,
            })
            .collect();
        match env.resolve(self, name, &attrs) {
            Some((r, consumed)) => {
                let v = r?;
                self.charge(weight(&v, MAX_VALUE_BYTES), span)?;
                self.apply(v, ops.get(consumed..).unwrap_or(&[]), env, scope)
            }
            None => Err(Fail::Error),
        }
    }

    /// Applies traversal operators.
    pub fn apply(&self, mut v: V, ops: &[Op], env: &dyn Env, scope: &Scope) -> R {
        let mut i = 0;
        while let Some(op) = ops.get(i) {
            match op {
                Op::Attr(name) => v = get_attr(v, name)?,
                Op::Index(e) => {
                    let key = self.eval(e, env, scope)?;
                    v = index(v, &key)?;
                }
                Op::FullSplat => {
                    let rest = ops.get(i + 1..).unwrap_or(&[]);
                    return splat_items(v)?
                        .into_iter()
                        .map(|item| self.apply(item, rest, env, scope))
                        .collect::<Result<Vec<_>, _>>()
                        .map(V::Array);
                }
                Op::AttrSplat => {
                    let mut j = i + 1;
                    let mut names = Vec::new();
                    while let Some(Op::Attr(name)) = ops.get(j) {
                        names.push(name);
                        j += 1;
                    }
                    let items = splat_items(v)?
                        .into_iter()
                        .map(|mut item| {
                            for name in &names {
                                item = get_attr(item, name)?;
                            }
                            Ok(item)
                        })
                        .collect::<Result<Vec<_>, Fail>>()?;
                    v = V::Array(items);
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        Ok(v)
    }

    fn call(
        &self,
        name: &str,
        args: &[Expr],
        expand_final: bool,
        env: &dyn Env,
        scope: &Scope,
        span: Span,
    ) -> R {
        match name {
            "try" => {
                for a in args {
                    match self.eval(a, env, scope) {
                        Ok(v) => return Ok(v),
                        Err(Fail::Unknown) => return Err(Fail::Unknown),
                        Err(Fail::Error) => {}
                    }
                }
                return Err(Fail::Error);
            }
            "can" => {
                let Some(a) = args.first() else {
                    return Err(Fail::Error);
                };
                return match self.eval(a, env, scope) {
                    Ok(v) if has_unknown(&v) => Err(Fail::Unknown),
                    Ok(_) => Ok(V::Bool(true)),
                    Err(Fail::Unknown) => Err(Fail::Unknown),
                    Err(Fail::Error) => Ok(V::Bool(false)),
                };
            }
            _ if FILE_FUNCTIONS.contains(&name) => {
                if expand_final {
                    return Err(Fail::Unknown);
                }
                return self.file_call(name, args, env, scope, span);
            }
            _ => {}
        }
        let mut values = args
            .iter()
            .map(|a| self.eval(a, env, scope))
            .collect::<Result<Vec<_>, _>>()?;
        if !self.funcs.names.contains(name) {
            return Err(Fail::Unknown);
        }
        if expand_final {
            match values.pop() {
                Some(V::Array(items)) => values.extend(items),
                Some(V::String(s)) if s.contains('\u{0}') => return Err(Fail::Unknown),
                _ => return Err(Fail::Error),
            }
        }
        if values.iter().any(symbolic::has_list) {
            return symbolic::on_list(name, &values).ok_or(Fail::Unknown);
        }
        // The length of a collection is known whatever its elements are.
        if let ("length", [V::Array(items)]) = (name, values.as_slice()) {
            return Ok(V::from(items.len() as u64));
        }
        if values.iter().any(has_unknown) {
            return Err(Fail::Unknown);
        }
        // The arguments are copied on their way in (hcl-rs takes them as
        // expressions), and most functions' results are as large as their
        // arguments together: each is bounded, their number is not.
        let mut args_weight = 0usize;
        for v in &values {
            args_weight += weight(v, MAX_VALUE_BYTES);
            if args_weight > MAX_VALUE_BYTES {
                return Err(self.reached(Limit::Size, span));
            }
        }
        self.charge(args_weight, span)?;
        if !OPAQUE_TO_ZONES.contains(&name) && values.iter().any(symbolic::has_symbolic) {
            return self.with_representatives(name, &values, span);
        }
        self.invoke(name, values, span)
    }

    /// A file function: its arguments, then the disk as [`Files`] lets it
    /// be read. A path out of the tree is unknown, and noted.
    fn file_call(&self, name: &str, args: &[Expr], env: &dyn Env, scope: &Scope, span: Span) -> R {
        let arity = if matches!(name, "fileset" | "templatefile") {
            2
        } else {
            1
        };
        if args.len() != arity {
            return Err(Fail::Error);
        }
        let path = to_text(&self.eval(&args[0], env, scope)?)?;
        let second = match args.get(1) {
            Some(a) => Some(self.eval(a, env, scope)?),
            None => None,
        };
        let Some(files) = env.files() else {
            return Err(Fail::Unknown);
        };
        self.touched.set(true);
        let seen = |what| self.seen(what, name, &path, span);
        let seen_set = |what| self.seen(what, name, &path, span);
        let seen_bytes = |what| self.seen(what, name, &path, span);
        match name {
            "fileexists" => seen(files.exists(&path)).map(V::Bool),
            "fileset" => {
                let pattern = to_text(second.as_ref().ok_or(Fail::Error)?)?;
                let found = seen_set(files.set(&path, &pattern))?;
                self.weigh(V::Array(found.into_iter().map(V::String).collect()), span)
            }
            _ => {
                let bytes = seen_bytes(files.read(&path))?;
                self.charge(bytes.len(), span)?;
                match name {
                    "file" => String::from_utf8(bytes)
                        .map(V::String)
                        .map_err(|_| Fail::Error),
                    "templatefile" if env.in_template() => Err(Fail::Error),
                    "templatefile" => {
                        let text = String::from_utf8(bytes).map_err(|_| Fail::Error)?;
                        self.template_file(&text, second.as_ref(), files, span)
                    }
                    _ => crate::frontends::terraform::functions::file_digest(name, &bytes)
                        .map(V::String)
                        .ok_or(Fail::Error),
                }
            }
        }
    }

    /// What a file function saw, as a value; a path out of the tree is
    /// noted.
    fn seen<T>(&self, what: Seen<T>, function: &str, path: &str, span: Span) -> Result<T, Fail> {
        match what {
            Seen::Value(v) => Ok(v),
            Seen::Error => Err(Fail::Error),
            Seen::Unknown => Err(Fail::Unknown),
            Seen::Outside => {
                self.outside.borrow_mut().push(EvalNote::Outside {
                    span,
                    function: function.to_string(),
                    path: path.to_string(),
                });
                Err(Fail::Unknown)
            }
        }
    }

    /// `templatefile`: the template's text evaluated with `vars` (an object
    /// whose keys are names) as its only variables; its functions read
    /// files as the caller's do.
    fn template_file(&self, text: &str, vars: Option<&V>, files: Files<'_>, span: Span) -> R {
        let vars = match vars {
            Some(V::Object(map)) => map,
            Some(V::String(s)) if s.contains('\u{0}') => return Err(Fail::Unknown),
            _ => return Err(Fail::Error),
        };
        let name_ok = |k: &str| {
            k.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && k.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        };
        if vars.keys().any(|k| k.starts_with('\u{0}')) {
            return Err(Fail::Unknown);
        }
        if !vars.keys().all(|k| name_ok(k)) {
            return Err(Fail::Error);
        }
        if crate::parse::hcl::too_deep(text, files.max_depth).is_some() {
            return Err(Fail::Unknown);
        }
        let template = hcl_edit::parser::parse_template(text).map_err(|_| Fail::Error)?;
        let conv = super::ir::Conv {
            file: span.file,
            base: 0,
            fallback: span.range,
        };
        let expr = super::ir::strip_spans(Expr::new(
            ExprKind::Template(conv.template(&template)),
            span,
        ));
        let scope = Scope {
            vars: vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            parent: None,
        };
        self.eval(&expr, &TemplateEnv { files: Some(files) }, &scope)
    }

    /// A function that looks inside zones' names, evaluated once for each
    /// turn of real names in their place: what every turn agrees on.
    fn with_representatives(&self, name: &str, values: &[V], span: Span) -> R {
        let mut results = Vec::with_capacity(symbolic::TURNS);
        for turn in 0..symbolic::TURNS {
            let args = values
                .iter()
                .map(|v| symbolic::substitute(v, turn))
                .collect::<Option<Vec<_>>>()
                .ok_or(Fail::Unknown)?;
            // An error for some names is no error for the zone: unknown.
            results.push(self.invoke(name, args, span).map_err(|_| Fail::Unknown)?);
        }
        Ok(symbolic::agree(&results, UNKNOWN))
    }

    /// Calls a function of [`Funcs`] on known arguments.
    fn invoke(&self, name: &str, values: Vec<V>, span: Span) -> R {
        let refs = values.iter().any(has_sentinel);
        let call = hcl::expr::FuncCall {
            name: hcl::expr::FuncName::new(name),
            args: values.into_iter().map(hcl::Expression::from).collect(),
            expand_final: false,
        };
        match call.evaluate(&self.funcs.ctx) {
            Ok(v) => Ok(v),
            Err(e) if matches!(e.kind(), hcl::eval::ErrorKind::FuncCall(_, m) if m == TOO_LARGE) => {
                Err(self.reached(Limit::Size, span))
            }
            Err(_) if refs => Err(Fail::Unknown),
            Err(_) => Err(Fail::Error),
        }
    }

    fn for_expr(&self, f: &ForIr, env: &dyn Env, scope: &Scope, span: Span) -> R {
        let coll = self.eval(&f.coll, env, scope)?;
        let pairs = iterate(&coll)?;
        // Each element is copied into the loop's scope.
        self.charge(weight(&coll, MAX_VALUE_BYTES), span)?;
        drop(coll);
        let mut list = Vec::new();
        let mut map: hcl::Map<String, V> = hcl::Map::new();
        let mut size = 0usize;
        for (k, v) in pairs {
            let mut vars = vec![(f.value_var.clone(), v)];
            if let Some(kv) = &f.key_var {
                vars.push((kv.clone(), k));
            }
            let inner = scope.child(vars);
            if let Some(c) = &f.cond
                && !truth(&self.eval(c, env, &inner)?)?
            {
                continue;
            }
            let value = self.eval(&f.value, env, &inner)?;
            // Stops as soon as the result is too large, not after making it.
            size = size.saturating_add(weight(&value, MAX_VALUE_BYTES));
            if size > MAX_VALUE_BYTES {
                return Err(self.reached(Limit::Size, span));
            }
            match &f.key {
                None => list.push(value),
                Some(ke) => {
                    let key = match self.eval(ke, env, &inner)? {
                        // A zone is a key: equal text is one zone when
                        // every key is a zone of one family (checked below).
                        V::String(z) if symbolic::parse_zone(&z).is_some() => z,
                        other => object_key(&other)?,
                    };
                    if f.grouping {
                        match map.entry(key).or_insert_with(|| V::Array(Vec::new())) {
                            V::Array(items) => items.push(value),
                            _ => return Err(Fail::Error),
                        }
                    } else if map.insert(key, value).is_some() {
                        return Err(Fail::Error);
                    }
                }
            }
        }
        if f.key.is_some() {
            let keys: Vec<V> = map.keys().map(|k| V::String(k.clone())).collect();
            if !symbolic::comparable(keys.iter()) {
                return Err(Fail::Unknown);
            }
            Ok(V::Object(map))
        } else {
            Ok(V::Array(list))
        }
    }
}

fn object_key(v: &V) -> Result<String, Fail> {
    match v {
        V::String(s) if s.contains('\u{0}') => Err(Fail::Unknown),
        V::String(s) => Ok(s.clone()),
        V::Number(n) => Ok(n.to_string()),
        V::Bool(b) => Ok(b.to_string()),
        _ => Err(Fail::Error),
    }
}

fn to_text(v: &V) -> Result<String, Fail> {
    match v {
        V::String(s) if s.contains('\u{0}') => Err(Fail::Unknown),
        V::String(s) => Ok(s.clone()),
        V::Number(n) => Ok(n.to_string()),
        V::Bool(b) => Ok(b.to_string()),
        _ => Err(Fail::Error),
    }
}

pub(crate) fn truth(v: &V) -> Result<bool, Fail> {
    match v {
        V::Bool(b) => Ok(*b),
        V::String(s) if s == "true" => Ok(true),
        V::String(s) if s == "false" => Ok(false),
        V::String(s) if s.contains('\u{0}') => Err(Fail::Unknown),
        _ => Err(Fail::Error),
    }
}

/// Key/value pairs of a collection, for `for` expressions.
pub(crate) fn iterate(v: &V) -> Result<Vec<(V, V)>, Fail> {
    let pairs: Vec<(V, V)> = match v {
        V::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (V::from(i as u64), v.clone()))
            .collect(),
        V::Object(map) => {
            if map.contains_key(ADDR_KEY) || map.contains_key(UNKEYED_KEY) {
                return Err(Fail::Unknown);
            }
            // In the order of the keys, as Terraform iterates a map or an
            // object.
            let mut pairs: Vec<(&String, &V)> = map.iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            pairs
                .into_iter()
                .map(|(k, v)| (V::String(k.clone()), v.clone()))
                .collect()
        }
        V::String(s) if s.contains('\u{0}') => return Err(Fail::Unknown),
        _ => return Err(Fail::Error),
    };
    if pairs.len() > MAX_ITEMS {
        return Err(Fail::Unknown);
    }
    Ok(pairs)
}

fn splat_items(v: V) -> Result<Vec<V>, Fail> {
    match v {
        V::Array(items) => Ok(items),
        V::Null => Ok(Vec::new()),
        V::String(s) if s.contains('\u{0}') && parse_ref(&s).is_none() => Err(Fail::Unknown),
        other => Ok(vec![other]),
    }
}

pub(crate) fn get_attr(v: V, name: &str) -> R {
    match v {
        V::Object(mut map) => match map.swap_remove(name) {
            Some(v) => Ok(v),
            None => match map.get(ADDR_KEY) {
                Some(V::String(addr)) => Ok(V::String(
                    symbolic::data_list(addr, name).unwrap_or_else(|| ref_sentinel(addr, name)),
                )),
                _ => Err(Fail::Error),
            },
        },
        V::String(s) if s.contains('\u{0}') => Err(Fail::Unknown),
        _ => Err(Fail::Error),
    }
}

pub(crate) fn index(v: V, key: &V) -> R {
    if let V::String(k) = key
        && k.contains('\u{0}')
    {
        // A zone indexes an object keyed by zones of its family (instances
        // of a `for_each` over them): equal text is one zone.
        return match v {
            V::Object(mut map)
                if symbolic::parse_zone(k).is_some()
                    && !map.contains_key(UNKEYED_KEY)
                    && symbolic::comparable(
                        map.keys()
                            .filter(|m| m.as_str() != ADDR_KEY)
                            .map(|m| V::String(m.clone()))
                            .chain([key.clone()])
                            .collect::<Vec<_>>()
                            .iter(),
                    ) =>
            {
                map.swap_remove(k).ok_or(Fail::Unknown)
            }
            _ => Err(Fail::Unknown),
        };
    }
    match v {
        // `names[i]`: the `i`-th zone (past the end is Terraform's error).
        V::String(s) if symbolic::parse_list(&s).is_some() => {
            let i = match key {
                V::Number(n) => n.as_u64(),
                V::String(k) => k.parse::<u64>().ok(),
                _ => None,
            }
            .and_then(|i| usize::try_from(i).ok())
            .ok_or(Fail::Error)?;
            symbolic::nth(&s, i).ok_or(Fail::Unknown)
        }
        V::Array(items) => {
            let i = match key {
                V::Number(n) => n.as_u64(),
                V::String(s) => s.parse::<u64>().ok(),
                _ => None,
            }
            .ok_or(Fail::Error)?;
            usize::try_from(i)
                .ok()
                .and_then(|i| items.into_iter().nth(i))
                .ok_or(Fail::Error)
        }
        V::Object(mut map) => {
            if map.contains_key(UNKEYED_KEY) {
                return Ok(V::Object(map));
            }
            let k = object_key(key)?;
            map.swap_remove(&k).ok_or(Fail::Error)
        }
        V::String(s) if s.contains('\u{0}') => Err(Fail::Unknown),
        _ => Err(Fail::Error),
    }
}

fn unary(op: UnaryOperator, v: V) -> R {
    if has_sentinel(&v) {
        return Err(Fail::Unknown);
    }
    match op {
        UnaryOperator::Not => Ok(V::Bool(!truth(&v)?)),
        UnaryOperator::Neg => {
            let n = number(&v).ok_or(Fail::Error)?;
            arithmetic(BinaryOperator::Minus, hcl::Number::from(0), n)
        }
    }
}

fn binary(op: BinaryOperator, l: V, r: V) -> R {
    if has_sentinel(&l) || has_sentinel(&r) {
        return Err(Fail::Unknown);
    }
    match op {
        BinaryOperator::And => return Ok(V::Bool(truth(&l)? && truth(&r)?)),
        BinaryOperator::Or => return Ok(V::Bool(truth(&l)? || truth(&r)?)),
        BinaryOperator::Eq => return Ok(V::Bool(loose_eq(&l, &r))),
        BinaryOperator::NotEq => return Ok(V::Bool(!loose_eq(&l, &r))),
        _ => {}
    }
    // Arithmetic and comparison on numbers (Terraform converts numeric
    // strings).
    let (Some(a), Some(b)) = (number(&l), number(&r)) else {
        return Err(Fail::Error);
    };
    arithmetic(op, a, b)
}

/// Arithmetic and comparison of two numbers, every operation checked (hcl-rs's
/// own operators panic on a remainder by zero and overflow): a division or
/// remainder by zero is an error, as in Terraform; a result a 64-bit float
/// cannot hold (Terraform's numbers are arbitrary-precision) is unknown.
/// Whole numbers stay exact where they fit in 64 bits.
fn arithmetic(op: BinaryOperator, a: hcl::Number, b: hcl::Number) -> R {
    use BinaryOperator as B;
    use std::cmp::Ordering;
    let compare = |want: &[Ordering]| {
        a.partial_cmp(&b)
            .map(|o| V::Bool(want.contains(&o)))
            .ok_or(Fail::Error)
    };
    match op {
        B::Less => return compare(&[Ordering::Less]),
        B::LessEq => return compare(&[Ordering::Less, Ordering::Equal]),
        B::Greater => return compare(&[Ordering::Greater]),
        B::GreaterEq => return compare(&[Ordering::Greater, Ordering::Equal]),
        B::Plus | B::Minus | B::Mul | B::Div | B::Mod => {}
        B::Eq | B::NotEq | B::And | B::Or => return Err(Fail::Error),
    }
    if let (Some(x), Some(y)) = (whole(&a), whole(&b)) {
        // |x|, |y| < 2^64: sums, differences, quotients and remainders fit
        // in an i128; only a product may not.
        let exact = match op {
            B::Plus => Some(x + y),
            B::Minus => Some(x - y),
            B::Mul => x.checked_mul(y),
            B::Div if y == 0 => return Err(Fail::Error),
            B::Div => (x % y == 0).then(|| x / y),
            B::Mod if y == 0 => return Err(Fail::Error),
            B::Mod => Some(x % y),
            _ => None,
        };
        if let Some(n) = exact.and_then(exact_number) {
            return Ok(V::Number(n));
        }
    }
    let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
        return Err(Fail::Unknown);
    };
    let f = match op {
        B::Plus => x + y,
        B::Minus => x - y,
        B::Mul => x * y,
        B::Div | B::Mod if y == 0.0 => return Err(Fail::Error),
        B::Div => x / y,
        B::Mod => x % y,
        _ => return Err(Fail::Error),
    };
    hcl::Number::from_f64(f).map(V::Number).ok_or(Fail::Unknown)
}

/// A whole number, exactly.
fn whole(n: &hcl::Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// A whole number as a `Number`, when it fits one exactly.
fn exact_number(i: i128) -> Option<hcl::Number> {
    if let Ok(i) = i64::try_from(i) {
        Some(hcl::Number::from(i))
    } else {
        u64::try_from(i).ok().map(hcl::Number::from)
    }
}

fn loose_eq(l: &V, r: &V) -> bool {
    match (l, r) {
        (V::Number(a), V::Number(b)) => a.as_f64() == b.as_f64(),
        _ => l == r,
    }
}

fn number(v: &V) -> Option<hcl::Number> {
    match v {
        V::Number(n) => Some(*n),
        V::String(s) => s
            .parse::<i64>()
            .ok()
            .map(hcl::Number::from)
            .or_else(|| s.parse::<u64>().ok().map(hcl::Number::from))
            .or_else(|| s.parse::<f64>().ok().and_then(hcl::Number::from_f64)),
        _ => None,
    }
}
