//! One module instance: variables bound, locals, resources, module calls and
//! outputs evaluated on demand (memoised, cycles → unknown).

use super::UnfollowedModule;
use super::eval::{
    ADDR_KEY, Env, Evaluator, Fail, R, Scope, UNKEYED_KEY, UNKNOWN, iterate, to_value,
};
use super::ir::{AttrIr, BlockIr, BodyIr, Expr, ExprKind, Op, TElem};
use super::parse::{ResourceDecl, TypeKind, VariableDecl};
use crate::frontends::terraform::symbolic;
use crate::frontends::terraform::{
    Attr, Block, Body, CountOrigin, Mode, Resource, ResourceRef, SetBy, Unset, Value,
};
use crate::source::Span;
use hcl::Value as V;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;

/// Deepest chain of module calls followed.
pub(crate) const MAX_MODULE_DEPTH: usize = 16;

/// What one block that a dynamic block makes costs the work budget, in
/// bytes: the memory of its `Block` and of its object value, as measured
/// (about 250 bytes for an empty one).
const BLOCK_BYTES: usize = 256;

#[derive(Debug, Default)]
pub(crate) struct Module {
    pub dir: PathBuf,
    pub variables: Vec<VariableDecl>,
    pub locals: HashMap<String, AttrIr>,
    pub resources: Vec<ResourceDecl>,
    pub res_index: HashMap<(Mode, String, String), usize>,
    pub calls: Vec<BlockIr>,
    pub call_index: HashMap<String, usize>,
    pub outputs: Vec<(String, Option<Expr>)>,
    pub providers: Vec<BlockIr>,
}

pub(crate) struct Program<'a> {
    pub modules: HashMap<PathBuf, Module>,
    /// The calls each root module's manifest of installed modules resolves.
    pub installed: &'a Installed,
    /// Where the file functions may read.
    pub tree: &'a super::FileTree,
    /// The deepest nesting of a template they read.
    pub max_depth: usize,
}

/// By root module directory: the calls its manifest of installed modules
/// resolves, by the calling module's directory and the call's name.
pub(crate) type Installed = HashMap<PathBuf, BTreeMap<(PathBuf, String), PathBuf>>;

/// A value with where it is written and the resources it leads to.
#[derive(Debug, Clone)]
pub(crate) struct Binding {
    pub value: R,
    pub origin: Option<(Span, SetBy)>,
    pub refs: Vec<String>,
    /// For a module's variable: the argument of the `module` block that
    /// binds it, in the outermost call that passes it on (`single_nat_gateway
    /// = var.single_nat` in the root module, not the module's own calls).
    pub argument: Option<Span>,
    /// For a called module's variable that takes its default: the call
    /// that leaves it unset; passed on as `origin` is.
    pub unset: Option<Unset>,
}

impl Binding {
    pub fn unknown() -> Self {
        Self {
            value: Err(Fail::Unknown),
            origin: None,
            refs: Vec::new(),
            argument: None,
            unset: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    None,
    Int(u64),
    Str(String),
    /// A symbolic zone (its sentinel): a key whose text is a zone's name,
    /// not known, distinct from the other zones of its family.
    Zone(String),
}

impl Key {
    fn suffix(&self) -> String {
        match self {
            Key::None => String::new(),
            Key::Int(i) => format!("[{i}]"),
            Key::Str(s) => format!("[\"{}\"]", s.replace('\\', "\\\\").replace('"', "\\\"")),
            // The key is the value of that expression: written as one.
            Key::Zone(s) => match symbolic::parse_zone(s) {
                Some(z) => format!("[{}]", symbolic::show(z.family, z.index)),
                None => String::new(),
            },
        }
    }

    /// The text the instances of a `for_each` are ordered by: the key's
    /// (a zone's sentinel orders zones of one family by their number).
    fn order(&self) -> String {
        match self {
            Key::Zone(s) => s.clone(),
            other => other.suffix(),
        }
    }

    /// A `for_each` key from its text: a zone's sentinel, or a known string.
    fn text(s: String) -> Option<Key> {
        if symbolic::parse_zone(&s).is_some() {
            Some(Key::Zone(s))
        } else if s.contains('\u{0}') {
            None
        } else {
            Some(Key::Str(s))
        }
    }
}

enum Expansion {
    Single,
    /// `count` instances; the expression.
    Count(u64, Span),
    /// Instance keys with `each.value` (`for_each`); the expression.
    Keys(Vec<(Key, Option<V>)>, Span),
    Unknown {
        count: bool,
    },
}

struct ResState {
    value: R,
    resources: Vec<Resource>,
    base: String,
    instances: HashSet<String>,
}

pub(crate) struct ChildResult {
    pub outputs: HashMap<String, Binding>,
    pub resources: Vec<Resource>,
    pub unfollowed: Vec<UnfollowedModule>,
}

struct CallState {
    value: R,
    children: Vec<(String, ChildResult)>,
    /// For a call of a registry module that is not followed, one resource
    /// per instance of the call standing for it, of the type
    /// `module:ADDRESS`, with the call's arguments as attributes: what the
    /// module knowledge base judges at the call site.
    stand_ins: Vec<Resource>,
}

type Providers = HashMap<String, Option<(String, Span)>>;
/// Instances to evaluate: key, `count.index`, `each.key`/`each.value`.
type Instances = Vec<(Key, Option<R>, Option<(R, R)>)>;

pub(crate) struct Instance<'p> {
    prog: &'p Program<'p>,
    ev: &'p Evaluator<'p>,
    module: &'p Module,
    /// `""` for a root module, else `module.a` / `module.a["k"].module.b`.
    path: String,
    vars: HashMap<String, Binding>,
    inherited: Providers,
    depth: usize,
    /// Directories of the modules being instantiated, this one included.
    ancestors: Vec<PathBuf>,
    locals: RefCell<HashMap<String, Option<Binding>>>,
    resources: RefCell<HashMap<usize, Option<Rc<ResState>>>>,
    calls: RefCell<HashMap<usize, Option<Rc<CallState>>>>,
    unfollowed: RefCell<Vec<UnfollowedModule>>,
}

/// The environment of one expression: the instance, and `count`/`each`.
struct IEnv<'i, 'p> {
    inst: &'i Instance<'p>,
    count: Option<R>,
    each: Option<(R, R)>,
}

impl Env for IEnv<'_, '_> {
    fn resolve(&self, _ev: &Evaluator, root: &str, attrs: &[&str]) -> Option<(R, usize)> {
        let inst = self.inst;
        let first = attrs.first().copied();
        match root {
            "var" => Some((inst.vars.get(first?)?.value.clone(), 1)),
            "local" => Some((inst.local(first?).value, 1)),
            "module" => Some((inst.call_value(first?), 1)),
            "data" => {
                let idx = *inst.module.res_index.get(&(
                    Mode::Data,
                    first?.to_string(),
                    attrs.get(1)?.to_string(),
                ))?;
                Some((
                    inst.resource(idx)
                        .map_or(Err(Fail::Unknown), |r| r.value.clone()),
                    2,
                ))
            }
            "count" => {
                let c = self.count.clone()?;
                Some((c.map(|i| obj([("index", i)])), 0))
            }
            "each" => {
                let (k, v) = self.each.clone()?;
                let value = match (k, v) {
                    (Ok(k), Ok(v)) => Ok(obj([("key", k), ("value", v)])),
                    _ => Err(Fail::Unknown),
                };
                Some((value, 0))
            }
            // As Terraform run in the root module's directory names them:
            // the module's directory from there, `.`, and that directory's
            // absolute path.
            "path" => {
                let root = inst.ancestors.first()?;
                let cwd = match std::fs::canonicalize(super::files::dir_path(root)) {
                    Ok(abs) => Ok(V::String(abs.to_string_lossy().into_owned())),
                    Err(_) => Ok(V::String(UNKNOWN.to_string())),
                };
                let value = cwd.map(|cwd| {
                    obj([
                        (
                            "module",
                            V::String(super::files::relative(root, &inst.module.dir)),
                        ),
                        ("root", V::String(".".to_string())),
                        ("cwd", cwd),
                    ])
                });
                Some((value, 0))
            }
            "terraform" => Some((Ok(obj([("workspace", V::from("default"))])), 0)),
            "self" => Some((Err(Fail::Unknown), 0)),
            kind => {
                let idx = *inst.module.res_index.get(&(
                    Mode::Managed,
                    kind.to_string(),
                    first?.to_string(),
                ))?;
                Some((
                    inst.resource(idx)
                        .map_or(Err(Fail::Unknown), |r| r.value.clone()),
                    1,
                ))
            }
        }
    }

    fn files(&self) -> Option<super::files::Files<'_>> {
        let prog = self.inst.prog;
        // No tree (sources given as text): nothing is read, nothing noted.
        if prog.tree.roots.is_empty() {
            return None;
        }
        Some(super::files::Files {
            tree: prog.tree,
            root_dir: self.inst.ancestors.first()?,
            max_depth: prog.max_depth,
        })
    }
}

/// The arguments that name or label a resource (`name = "${aws_x.y.name}-copy"`,
/// `tags`): what they read is copied as text, no dependency at run time.
const NAMING_ARGUMENTS: &[&str] = &[
    "description",
    "display_name",
    "labels",
    "name",
    "name_prefix",
    "tags",
    "tags_all",
];

/// The arguments that name the scope a resource is created in (a Google
/// Cloud project, an account, an organisation): reading another resource's
/// identifier there names that scope, no dependency at run time.
const SCOPE_ARGUMENTS: &[&str] = &[
    "account_id",
    "billing_account",
    "folder_id",
    "org_id",
    "project",
    "project_id",
];

/// What names a resource, read as a scope: its identifier, name or number.
const IDENTIFIERS: &[&str] = &[
    "account_id",
    "id",
    "name",
    "number",
    "project",
    "project_id",
];

/// The attributes that say where a resource lives, not what it is:
/// reading them (`project = google_compute_instance.vm.project`, `location =
/// azurerm_kubernetes_cluster.aks.location`) copies a name, and depends on
/// nothing at run time.
const PLACE_ATTRIBUTES: &[&str] = &[
    "availability_zone",
    "location",
    "project",
    "region",
    "resource_group_name",
    "zone",
];

/// Whether `via`, an attribute path (`name`, `labels.app`,
/// `network_interface.subnet_id`), is an argument naming its resource.
fn naming_argument(via: &str) -> bool {
    let top = via.split('.').next().unwrap_or(via);
    NAMING_ARGUMENTS.contains(&top)
}

/// Whether the reference `root` `ops` (`TYPE.NAME[key].ATTR`) reads only a
/// name of its target: where it lives, or its identifier given as the scope
/// argument `via`.
fn names_only(root: &str, ops: &[Op], via: &str) -> bool {
    if root == "data" {
        return false;
    }
    let attr = match (ops.get(1), ops.get(2)) {
        (Some(Op::Attr(a)), _) => a,
        (Some(Op::Index(_)), Some(Op::Attr(a))) => a,
        _ => return false,
    };
    let top = via.split('.').next().unwrap_or(via);
    PLACE_ATTRIBUTES.contains(&attr.as_str())
        || (SCOPE_ARGUMENTS.contains(&top) && IDENTIFIERS.contains(&attr.as_str()))
}

/// A `count` as a number, when known.
fn count_of(value: R) -> Option<f64> {
    match value {
        Ok(V::Number(n)) => n.as_f64(),
        Ok(V::String(s)) => s.parse::<f64>().ok(),
        _ => None,
    }
}

/// The instance keys of a `for_each`, with `each.value`, when known.
///
/// Symbolic zones are keys too (`for_each = toset(slice(data.aws_availability_zones.a.names,
/// 0, 3))`, a map keyed by them): zones of one family are as many keys as
/// they are zones. Zones beside written keys, or of two families, may be
/// the same zone, and so one key or two: that is not known.
fn keys_of(value: R) -> Option<Vec<(Key, Option<V>)>> {
    let distinct = |texts: Vec<V>| symbolic::comparable(texts.iter());
    match value {
        // Values unknown: keys are still known.
        Ok(V::Object(map)) => {
            if !distinct(map.keys().map(|k| V::String(k.clone())).collect()) {
                return None;
            }
            let mut keys = map
                .into_iter()
                .map(|(k, v)| {
                    let key = match Key::text(k.clone()) {
                        Some(key) => key,
                        // An object's key that only holds an unknown part
                        // is still one key.
                        None if !k.starts_with('\u{0}') => Key::Str(k),
                        None => return None,
                    };
                    Some((key, Some(v)))
                })
                .collect::<Option<Vec<_>>>()?;
            if keys.iter().any(|(k, _)| matches!(k, Key::Zone(_))) {
                keys.sort_by_key(|a| a.0.order());
            }
            Some(keys)
        }
        Ok(V::Array(items)) => {
            let strings = items.iter().all(|v| matches!(v, V::String(_)));
            if !strings || !distinct(items.clone()) {
                return None;
            }
            items
                .into_iter()
                .map(|v| match v {
                    V::String(s) => Some((Key::text(s.clone())?, Some(V::String(s)))),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(|mut keys| {
                    keys.sort_by_key(|a| a.0.order());
                    keys.dedup_by(|a, b| a.0 == b.0);
                    keys
                })
        }
        _ => None,
    }
}

/// How deep locals are evaluated again with the toggles on.
const MAX_TOGGLE_DEPTH: usize = 16;

/// The environment of a `count` or `for_each` whose value is not known,
/// evaluated again with the `enabled` toggle of each unfollowed module call
/// on: `module.this.enabled` (the convention of label modules such as
/// cloudposse's null-label) or `module.this.context.enabled`. A resource
/// counted by such a toggle exists to be created; the toggle is off only
/// when the call says so (its `enabled` argument, or its `context`'s
/// `enabled`, false). Locals whose value is not known are evaluated again
/// in this environment; everything else is as in `inner`.
struct ToggleEnv<'e, 'i, 'p> {
    inner: &'e IEnv<'i, 'p>,
    /// The toggles read: the module call's name, the output read
    /// (`enabled`, `context.enabled`), and what the call says of it (`None`
    /// when it leaves it to the module, which is then taken as on).
    used: RefCell<Vec<(String, &'static str, Option<bool>)>>,
    depth: Cell<usize>,
}

impl<'e, 'i, 'p> ToggleEnv<'e, 'i, 'p> {
    fn new(inner: &'e IEnv<'i, 'p>) -> Self {
        ToggleEnv {
            inner,
            used: RefCell::new(Vec::new()),
            depth: Cell::new(0),
        }
    }

    /// Whether a toggle was read: then the value evaluated in this
    /// environment is the one to take, even when every toggle read is off.
    fn read(&self) -> bool {
        !self.used.borrow().is_empty()
    }

    /// The related locations saying which toggles were taken as on, at the
    /// `count` or `for_each` expression `span` (none for a toggle the call
    /// sets off: nothing is assumed then).
    fn notes(&self, span: Span) -> Vec<(Span, String)> {
        let mut used = self.used.borrow().clone();
        used.sort();
        used.dedup();
        used.into_iter()
            .filter(|(_, _, said)| *said != Some(false))
            .map(|(name, output, said)| {
                let note = if said == Some(true) {
                    format!(
                        "assumed on: `module.{name}.{output}` comes from a module spof does not \
                         follow, called with `enabled` true"
                    )
                } else {
                    format!(
                        "assumed on: `module.{name}.{output}` comes from a module spof does not \
                         follow"
                    )
                };
                (span, note)
            })
            .collect()
    }

    /// The value of the toggle of the module call `name`, when the call is
    /// not followed.
    fn toggle(&self, ev: &Evaluator, name: &str, output: &'static str) -> Option<R> {
        let inst = self.inner.inst;
        let &idx = inst.module.call_index.get(name)?;
        let state = inst.call(idx)?;
        let address = format!("{}module.{name}", inst.prefix());
        let unfollowed = inst.unfollowed.borrow().iter().any(|u| u.module == address);
        if state.value.is_ok() || !unfollowed {
            return None;
        }
        let block = inst.module.calls.get(idx)?;
        let scope = Scope::default();
        let given = |attr: &str| {
            block
                .body
                .attr(attr)
                .map(|a| ev.eval(&a.expr, self.inner, &scope))
        };
        let said = match given("enabled") {
            Some(Ok(V::Bool(on))) => Some(on),
            _ => match given("context") {
                Some(Ok(V::Object(context))) => match context.get("enabled") {
                    Some(V::Bool(on)) => Some(*on),
                    _ => None,
                },
                _ => None,
            },
        };
        self.used
            .borrow_mut()
            .push((name.to_string(), output, said));
        Some(Ok(V::Bool(said.unwrap_or(true))))
    }
}

impl Env for ToggleEnv<'_, '_, '_> {
    fn resolve(&self, ev: &Evaluator, root: &str, attrs: &[&str]) -> Option<(R, usize)> {
        match (root, attrs) {
            ("module", [name, "enabled", ..]) => {
                if let Some(value) = self.toggle(ev, name, "enabled") {
                    return Some((value, 2));
                }
            }
            ("module", [name, "context", "enabled", ..]) => {
                if let Some(value) = self.toggle(ev, name, "context.enabled") {
                    return Some((value, 3));
                }
            }
            ("local", [name, ..]) => {
                let inst = self.inner.inst;
                let value = inst.local(name).value;
                let depth = self.depth.get();
                if value.is_ok() || depth >= MAX_TOGGLE_DEPTH {
                    return Some((value, 1));
                }
                let attr = inst.module.locals.get(*name)?;
                self.depth.set(depth + 1);
                let value = ev.eval(&attr.expr, self, &Scope::default());
                self.depth.set(depth);
                return Some((value, 1));
            }
            _ => {}
        }
        self.inner.resolve(ev, root, attrs)
    }

    fn files(&self) -> Option<super::files::Files<'_>> {
        self.inner.files()
    }
}

fn obj<const N: usize>(entries: [(&str, V); N]) -> V {
    V::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn coerce(value: R, ty: TypeKind) -> R {
    match (ty, value) {
        (TypeKind::Number, Ok(V::String(s))) if !s.contains('\u{0}') => s
            .parse::<i64>()
            .ok()
            .map(V::from)
            .or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .and_then(hcl::Number::from_f64)
                    .map(V::Number)
            })
            .ok_or(Fail::Error),
        (TypeKind::Bool, Ok(V::String(s))) if s == "true" || s == "false" => {
            Ok(V::Bool(s == "true"))
        }
        (TypeKind::String, Ok(V::Number(n))) => Ok(V::String(n.to_string())),
        (TypeKind::String, Ok(V::Bool(b))) => Ok(V::String(b.to_string())),
        (_, v) => v,
    }
}

/// An empty environment, for literal values (defaults, `.tfvars`).
pub(crate) struct NoEnv;

impl Env for NoEnv {
    fn resolve(&self, _: &Evaluator, _: &str, _: &[&str]) -> Option<(R, usize)> {
        None
    }
}

impl<'p> Instance<'p> {
    /// `inputs`: values bound by the caller (module arguments, or a root
    /// module's variable files and `--var`s); other variables take their
    /// defaults. `call`: the `module` block that instantiates a called
    /// module (`None` for a root module), which leaves those variables
    /// unset.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        prog: &'p Program<'p>,
        ev: &'p Evaluator<'p>,
        module: &'p Module,
        path: String,
        mut inputs: HashMap<String, Binding>,
        inherited: Providers,
        mut ancestors: Vec<PathBuf>,
        call: Option<Span>,
    ) -> Self {
        let depth = ancestors.len();
        ancestors.push(module.dir.clone());
        let mut vars = HashMap::new();
        for decl in &module.variables {
            let binding = match inputs.remove(&decl.name) {
                Some(mut b) => {
                    b.value = coerce(b.value, decl.ty);
                    b
                }
                None => match &decl.default {
                    Some(d) => Binding {
                        value: coerce(ev.eval(d, &NoEnv, &Scope::default()), decl.ty)
                            .map_err(|_| Fail::Unknown),
                        origin: Some((d.span, SetBy::Default)),
                        refs: Vec::new(),
                        argument: None,
                        unset: call.map(|call| Unset {
                            call,
                            name: decl.name.clone(),
                        }),
                    },
                    None => Binding::unknown(),
                },
            };
            vars.insert(decl.name.clone(), binding);
        }
        Self {
            prog,
            ev,
            module,
            path,
            vars,
            inherited,
            depth,
            ancestors,
            locals: RefCell::default(),
            resources: RefCell::default(),
            calls: RefCell::default(),
            unfollowed: RefCell::default(),
        }
    }

    fn prefix(&self) -> String {
        if self.path.is_empty() {
            String::new()
        } else {
            format!("{}.", self.path)
        }
    }

    fn env(&self) -> IEnv<'_, 'p> {
        IEnv {
            inst: self,
            count: None,
            each: None,
        }
    }

    /// Where the value of a plain `var.x` / `local.x` is written.
    fn follow(&self, e: &Expr) -> Option<(Span, SetBy)> {
        match e.plain_ref()? {
            ("var", name) => self.vars.get(name)?.origin,
            ("local", name) => self.local(name).origin,
            _ => None,
        }
    }

    /// Whether the value of a plain `var.x` / `local.x` is a called
    /// module's default because its call leaves the input unset, and which.
    fn unset_of(&self, e: &Expr) -> Option<Unset> {
        match e.plain_ref()? {
            ("var", name) => self.vars.get(name)?.unset.clone(),
            ("local", name) => self.local(name).unset,
            _ => None,
        }
    }

    fn local(&self, name: &str) -> Binding {
        if let Some(slot) = self.locals.borrow().get(name) {
            return slot.clone().unwrap_or_else(Binding::unknown);
        }
        let Some(attr) = self.module.locals.get(name) else {
            return Binding {
                value: Err(Fail::Error),
                origin: None,
                refs: Vec::new(),
                argument: None,
                unset: None,
            };
        };
        let Some(_guard) = self.ev.enter() else {
            return Binding::unknown();
        };
        self.locals.borrow_mut().insert(name.to_string(), None);
        let env = self.env();
        let value = self.ev.eval(&attr.expr, &env, &Scope::default());
        let origin = Some(
            self.follow(&attr.expr)
                .unwrap_or((attr.expr.span, SetBy::Local)),
        );
        let mut refs = Vec::new();
        self.walk(&attr.expr, &env, &Scope::default(), "", &mut refs);
        let binding = Binding {
            value,
            origin,
            refs: dedup(refs.into_iter().map(|r| r.target)),
            argument: None,
            unset: self.unset_of(&attr.expr),
        };
        self.locals
            .borrow_mut()
            .insert(name.to_string(), Some(binding.clone()));
        binding
    }

    /// How a block (a resource, or a module call followed or judged at the
    /// call) is expanded by its `count` or `for_each`, and, when that is
    /// known only with the toggles of unfollowed modules taken as on, the
    /// notes that say so.
    fn expansion(&self, body: &BodyIr) -> (Expansion, Vec<(Span, String)>) {
        let env = self.env();
        let scope = Scope::default();
        if let Some(count) = body.attr("count") {
            let mut n = count_of(self.ev.eval(&count.expr, &env, &scope));
            let mut assumed = Vec::new();
            if n.is_none() {
                let on = ToggleEnv::new(&env);
                n = count_of(self.ev.eval(&count.expr, &on, &scope)).filter(|_| on.read());
                assumed = on.notes(count.expr.span);
            }
            // How many it makes is checked against the budget of
            // instances before any is made.
            return match n {
                Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= u64::MAX as f64 => {
                    (Expansion::Count(n as u64, count.expr.span), assumed)
                }
                _ => (Expansion::Unknown { count: true }, Vec::new()),
            };
        }
        if let Some(fe) = body.attr("for_each") {
            let mut keys = keys_of(self.ev.eval(&fe.expr, &env, &scope));
            let mut assumed = Vec::new();
            if keys.is_none() {
                let on = ToggleEnv::new(&env);
                keys = keys_of(self.ev.eval(&fe.expr, &on, &scope)).filter(|_| on.read());
                assumed = on.notes(fe.expr.span);
            }
            return match keys {
                Some(keys) => (Expansion::Keys(keys, fe.expr.span), assumed),
                None => (Expansion::Unknown { count: false }, Vec::new()),
            };
        }
        (Expansion::Single, Vec::new())
    }

    /// The instances of an expansion, taken from `budget`.
    fn expanded(&self, expansion: Expansion, budget: &Cell<usize>) -> (Instances, Shape) {
        match expansion {
            Expansion::Single => (vec![(Key::None, None, None)], Shape::Single),
            Expansion::Unknown { count } => {
                let (c, e) = if count {
                    (Some(Err(Fail::Unknown)), None)
                } else {
                    (None, Some((Err(Fail::Unknown), Err(Fail::Unknown))))
                };
                (vec![(Key::None, c, e)], Shape::Unknown)
            }
            Expansion::Count(n, span) => {
                if !self.spend_instances(budget, n, span) {
                    return Self::instances_unknown(true);
                }
                let list = (0..n)
                    .map(|i| (Key::Int(i), Some(Ok(obj_index(i))), None))
                    .collect();
                (list, Shape::List)
            }
            Expansion::Keys(keys, span) => {
                if !self.spend_instances(budget, keys.len() as u64, span) {
                    return Self::instances_unknown(false);
                }
                let list = keys
                    .into_iter()
                    .map(|(k, each_value)| match (&k, each_value) {
                        (Key::Str(s) | Key::Zone(s), Some(v)) => {
                            let s = s.clone();
                            (k, None, Some((Ok(V::String(s)), Ok(v))))
                        }
                        _ => (k, None, None),
                    })
                    .collect();
                (list, Shape::Map)
            }
        }
    }

    /// Takes `n` instances from the root module's budget; when they do not
    /// fit, the `count` or `for_each` at `span` reached the limit, and its
    /// instances are unknown (one, without key), as for an unknown `count`.
    fn spend_instances(&self, budget: &Cell<usize>, n: u64, span: Span) -> bool {
        let left = budget.get();
        match usize::try_from(n).ok().filter(|&n| n <= left) {
            Some(n) => {
                budget.set(left - n);
                true
            }
            None => {
                self.ev.overflow(span);
                false
            }
        }
    }

    fn instances_unknown(count: bool) -> (Instances, Shape) {
        let (c, e) = if count {
            (Some(Err(Fail::Unknown)), None)
        } else {
            (None, Some((Err(Fail::Unknown), Err(Fail::Unknown))))
        };
        (vec![(Key::None, c, e)], Shape::Unknown)
    }

    fn resource(&self, idx: usize) -> Option<Rc<ResState>> {
        if let Some(slot) = self.resources.borrow().get(&idx) {
            return slot.clone();
        }
        let decl = self.module.resources.get(idx)?;
        let _guard = self.ev.enter()?;
        self.resources.borrow_mut().insert(idx, None);
        let base = format!(
            "{}{}{}.{}",
            self.prefix(),
            if decl.mode == Mode::Data { "data." } else { "" },
            decl.kind,
            decl.name
        );
        let (expansion, assumed) = self.expansion(&decl.body);
        let (instances, shape) = self.expanded(expansion, &self.ev.budget);
        let count_origin = match shape {
            Shape::List => decl
                .body
                .attr("count")
                .and_then(|c| self.decider(&c.expr, &self.env(), 0)),
            _ => None,
        };
        let mut resources = Vec::new();
        let mut values = Vec::new();
        for (key, count, each) in instances {
            let address = format!("{base}{}", key.suffix());
            let env = IEnv {
                inst: self,
                count,
                each,
            };
            let mut refs = Vec::new();
            let scope = Scope::default();
            let (body, mut object) = self.body(&decl.body, &env, &scope, "", true, &mut refs);
            for meta in ["count", "for_each"] {
                if let Some(a) = decl.body.attr(meta) {
                    self.walk(&a.expr, &self.env(), &scope, meta, &mut refs);
                }
            }
            if let Some(d) = decl.body.attr("depends_on") {
                self.depends_on(&d.expr, &mut refs);
            }
            refs.retain(|r| r.target != base && !r.target.starts_with(&format!("{base}[")));
            let mut seen = HashSet::new();
            refs.retain(|r| seen.insert((r.target.clone(), r.span)));
            if let V::Object(map) = &mut object {
                map.insert(ADDR_KEY.to_string(), V::String(address.clone()));
                if matches!(shape, Shape::Unknown) {
                    map.insert(UNKEYED_KEY.to_string(), V::Bool(true));
                }
            }
            let region = self.region(decl, &body);
            values.push((key, object));
            resources.push(Resource {
                address,
                module: self.path.clone(),
                // Set once the root's instantiation is done.
                root: String::new(),
                call: None,
                mode: decl.mode,
                kind: decl.kind.clone(),
                name: decl.name.clone(),
                region,
                body,
                span: decl.span,
                count_unknown: matches!(shape, Shape::Unknown),
                assumed: assumed.clone(),
                count_origin: count_origin.clone(),
                references: refs,
            });
        }
        let value = shape.assemble(values);
        let state = Rc::new(ResState {
            value,
            instances: resources.iter().map(|r| r.address.clone()).collect(),
            resources,
            base,
        });
        self.resources
            .borrow_mut()
            .insert(idx, Some(Rc::clone(&state)));
        Some(state)
    }

    fn region(&self, decl: &ResourceDecl, body: &Body) -> Option<(String, Span)> {
        // `location` is a region (or zone) for Google Cloud and Azure only: an
        // AWS Direct Connect `location` is a colocation facility.
        let own: &[&str] = if decl.kind.starts_with("google_") || decl.kind.starts_with("azurerm_")
        {
            &["region", "location"]
        } else {
            &["region"]
        };
        for name in own {
            if let Some(attr) = body.attr(name)
                && let Some(s) = attr.value.as_str()
            {
                return Some((s.to_string(), attr.origin));
            }
        }
        let provider = decl
            .body
            .attr("provider")
            .and_then(|a| a.expr.dotted())
            .map(|p| p.join("."))
            .unwrap_or_else(|| decl.kind.split('_').next().unwrap_or_default().to_string());
        self.provider_region(&provider)
    }

    /// The region of a provider configuration (`aws`, `aws.west`) as seen
    /// from this module.
    fn provider_region(&self, name: &str) -> Option<(String, Span)> {
        let (ptype, alias) = match name.split_once('.') {
            Some((t, a)) => (t, Some(a)),
            None => (name, None),
        };
        for block in &self.module.providers {
            if block.labels.first().map(String::as_str) != Some(ptype) {
                continue;
            }
            let block_alias = block.body.attr("alias").and_then(|a| {
                self.ev
                    .eval(&a.expr, &self.env(), &Scope::default())
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
            });
            if block_alias.as_deref() != alias {
                continue;
            }
            for attr in ["region", "location"] {
                if let Some(a) = block.body.attr(attr) {
                    let v = self.ev.eval(&a.expr, &self.env(), &Scope::default());
                    return match v {
                        Ok(V::String(s)) if !s.contains('\u{0}') => {
                            Some((s, self.follow(&a.expr).map_or(a.span, |(at, _)| at)))
                        }
                        _ => None,
                    };
                }
            }
            return None;
        }
        self.inherited.get(name).cloned().flatten()
    }

    /// Evaluates a body: attributes and nested blocks (dynamic blocks
    /// expanded).
    fn body(
        &self,
        ir: &BodyIr,
        env: &IEnv,
        scope: &Scope,
        via: &str,
        top: bool,
        refs: &mut Vec<ResourceRef>,
    ) -> (Body, V) {
        let mut body = Body::default();
        let mut object = hcl::Map::new();
        let mut attrs = Vec::with_capacity(ir.attrs.len());
        for attr in &ir.attrs {
            if top
                && matches!(
                    attr.name.as_str(),
                    "count" | "for_each" | "provider" | "depends_on"
                )
            {
                continue;
            }
            let path = format!("{via}{}", attr.name);
            let value = self.ev.eval(&attr.expr, env, scope);
            self.walk(&attr.expr, env, scope, &path, refs);
            object.insert(
                attr.name.clone(),
                value
                    .clone()
                    .unwrap_or_else(|_| V::String(UNKNOWN.to_string())),
            );
            let (origin, set_by) = self
                .follow(&attr.expr)
                .unwrap_or((attr.span, SetBy::InPlace));
            attrs.push((
                attr.name.clone(),
                Attr {
                    value: to_value(&value),
                    span: attr.span,
                    origin,
                    set_by,
                    unset: self.unset_of(&attr.expr).map(Box::new),
                },
            ));
        }
        body.attrs = attrs.into_iter().collect();
        for block in &ir.blocks {
            if block.kind == "dynamic" {
                self.dynamic(block, env, scope, via, refs, &mut body, &mut object);
                continue;
            }
            let path = format!("{via}{}.", block.kind);
            let (b, v) = self.body(&block.body, env, scope, &path, false, refs);
            push_block(&mut object, &block.kind, v);
            body.blocks.push((
                block.kind.clone(),
                Block {
                    body: b,
                    span: block.span,
                },
            ));
        }
        (body, V::Object(object))
    }

    // The block, where it is evaluated (environment, scope, path) and the
    // three things it fills: its references, the body and the value.
    #[allow(clippy::too_many_arguments)]
    fn dynamic(
        &self,
        block: &BlockIr,
        env: &IEnv,
        scope: &Scope,
        via: &str,
        refs: &mut Vec<ResourceRef>,
        body: &mut Body,
        object: &mut hcl::Map<String, V>,
    ) {
        let Some(kind) = block.labels.first() else {
            return;
        };
        let iterator = block
            .body
            .attr("iterator")
            .and_then(|a| a.expr.dotted())
            .and_then(|d| d.into_iter().next())
            .unwrap_or_else(|| kind.clone());
        let Some(content) = block.body.blocks.iter().find(|b| b.kind == "content") else {
            return;
        };
        let path = format!("{via}{kind}.");
        if let Some(fe) = block.body.attr("for_each") {
            self.walk(&fe.expr, env, scope, &path, refs);
            let items = self
                .ev
                .eval(&fe.expr, env, scope)
                .and_then(|v| iterate(&v))
                .unwrap_or_default();
            for (k, v) in items {
                // Nested dynamic blocks multiply: each block is work, and
                // memory kept.
                if !self.ev.step(block.span, BLOCK_BYTES) {
                    break;
                }
                let inner = scope.child(vec![(iterator.clone(), obj([("key", k), ("value", v)]))]);
                let mut inner_refs = Vec::new();
                let (b, v) = self.body(&content.body, env, &inner, &path, false, &mut inner_refs);
                refs.extend(inner_refs);
                push_block(object, kind, v);
                body.blocks.push((
                    kind.clone(),
                    Block {
                        body: b,
                        span: block.span,
                    },
                ));
            }
        }
        // References written in the content, once, whatever the for_each.
        let probe = scope.child(vec![(iterator, V::String(UNKNOWN.to_string()))]);
        for attr in &content.body.attrs {
            self.walk(
                &attr.expr,
                env,
                &probe,
                &format!("{path}{}", attr.name),
                refs,
            );
        }
    }

    /// References made by an expression: resources named directly, and those
    /// reached through locals, variables and module outputs.
    fn walk(&self, e: &Expr, env: &IEnv, scope: &Scope, via: &str, out: &mut Vec<ResourceRef>) {
        let Some(_guard) = self.ev.enter() else {
            return;
        };
        match &e.kind {
            ExprKind::Var(_) => self.traversal_refs(e, &[], e.span, env, scope, via, out),
            ExprKind::Traversal(base, ops) => {
                for op in ops {
                    if let Op::Index(i) = op {
                        self.walk(i, env, scope, via, out);
                    }
                }
                if matches!(base.kind, ExprKind::Var(_)) {
                    self.traversal_refs(base, ops, e.span, env, scope, via, out);
                } else {
                    self.walk(base, env, scope, via, out);
                }
            }
            ExprKind::Array(items) => items
                .iter()
                .for_each(|i| self.walk(i, env, scope, via, out)),
            ExprKind::Object(entries) => entries.iter().for_each(|(k, v)| {
                self.walk(k, env, scope, via, out);
                self.walk(v, env, scope, via, out);
            }),
            ExprKind::Template(elems) => self.walk_template(elems, env, scope, via, out),
            ExprKind::Call { args, .. } => {
                for i in args {
                    self.walk(i, env, scope, via, out);
                }
            }
            ExprKind::Cond(a, b, c) => {
                self.walk(a, env, scope, via, out);
                self.walk(b, env, scope, via, out);
                self.walk(c, env, scope, via, out);
            }
            ExprKind::Unary(_, a) => self.walk(a, env, scope, via, out),
            ExprKind::Binary(_, a, b) => {
                self.walk(a, env, scope, via, out);
                self.walk(b, env, scope, via, out);
            }
            ExprKind::For(f) => {
                self.walk(&f.coll, env, scope, via, out);
                let mut vars = vec![(f.value_var.clone(), V::String(UNKNOWN.to_string()))];
                if let Some(k) = &f.key_var {
                    vars.push((k.clone(), V::String(UNKNOWN.to_string())));
                }
                let inner = scope.child(vars);
                for x in [Some(&f.value), f.key.as_ref(), f.cond.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    self.walk(x, env, &inner, via, out);
                }
            }
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::Str(_) => {}
        }
    }

    fn walk_template(
        &self,
        elems: &[TElem],
        env: &IEnv,
        scope: &Scope,
        via: &str,
        out: &mut Vec<ResourceRef>,
    ) {
        for el in elems {
            match el {
                TElem::Lit(_) => {}
                TElem::Interp(e) => self.walk(e, env, scope, via, out),
                TElem::If { cond, then, els } => {
                    self.walk(cond, env, scope, via, out);
                    self.walk_template(then, env, scope, via, out);
                    self.walk_template(els, env, scope, via, out);
                }
                TElem::For {
                    key_var,
                    value_var,
                    coll,
                    body,
                } => {
                    self.walk(coll, env, scope, via, out);
                    let mut vars = vec![(value_var.clone(), V::String(UNKNOWN.to_string()))];
                    if let Some(k) = key_var {
                        vars.push((k.clone(), V::String(UNKNOWN.to_string())));
                    }
                    let inner = scope.child(vars);
                    self.walk_template(body, env, &inner, via, out);
                }
            }
        }
    }

    // The traversal, its place and the scope it is evaluated in, and where
    // its references go: splitting them into a struct would only rename
    // them.
    #[allow(clippy::too_many_arguments)]
    fn traversal_refs(
        &self,
        base: &Expr,
        ops: &[Op],
        span: Span,
        env: &IEnv,
        scope: &Scope,
        via: &str,
        out: &mut Vec<ResourceRef>,
    ) {
        let ExprKind::Var(root) = &base.kind else {
            return;
        };
        if scope.get(root).is_some() {
            return;
        }
        let attr = |i: usize| match ops.get(i) {
            Some(Op::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        // An argument that names or labels the resource depends on nothing
        // at run time, whatever it reads.
        if naming_argument(via) {
            return;
        }
        let mut push = |target: String| {
            out.push(ResourceRef {
                target,
                span,
                via: via.to_string(),
            });
        };
        match root.as_str() {
            "var" => {
                if let Some(b) = attr(0).and_then(|n| self.vars.get(n)) {
                    b.refs.iter().cloned().for_each(&mut push);
                }
            }
            "local" => {
                if let Some(n) = attr(0) {
                    self.local(n).refs.into_iter().for_each(&mut push);
                }
            }
            "module" => {
                if let Some(name) = attr(0) {
                    self.module_output_refs(name, ops, env, scope, &mut push);
                }
            }
            "count" | "each" | "path" | "terraform" | "self" => {}
            _ => {
                if names_only(root, ops, via) {
                    return;
                }
                if let Some(target) = self.resource_ref(root, ops, env, scope) {
                    push(target);
                }
            }
        }
    }

    /// What `module.NAME[key].OUT` or `module.NAME.OUT` refers to: the
    /// output's resources, or every output's when the output is not named.
    fn module_output_refs(
        &self,
        name: &str,
        ops: &[Op],
        env: &IEnv,
        scope: &Scope,
        push: &mut impl FnMut(String),
    ) {
        let attr = |i: usize| match ops.get(i) {
            Some(Op::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        let Some(state) = self.module.call_index.get(name).and_then(|&i| self.call(i)) else {
            return;
        };
        let (children, out_name): (Vec<&(String, ChildResult)>, Option<&str>) = match ops.get(1) {
            Some(Op::Index(k)) => {
                let key = self.ev.eval(k, env, scope).ok().and_then(key_of);
                let wanted = key.map(|k| format!("{}module.{name}{}", self.prefix(), k.suffix()));
                (
                    state
                        .children
                        .iter()
                        .filter(|(p, _)| wanted.as_ref().is_none_or(|w| w == p))
                        .collect(),
                    attr(2),
                )
            }
            _ => (state.children.iter().collect(), attr(1)),
        };
        for (_, child) in children {
            match out_name.and_then(|o| child.outputs.get(o)) {
                Some(b) => b.refs.iter().cloned().for_each(&mut *push),
                None => {
                    let mut all: Vec<&String> =
                        child.outputs.values().flat_map(|b| &b.refs).collect();
                    all.sort();
                    all.dedup();
                    all.into_iter().cloned().for_each(&mut *push);
                }
            }
        }
    }

    /// The resource `TYPE.NAME[key]` or `data.TYPE.NAME[key]` refers to:
    /// the instance of that key if there is one, else the resource.
    fn resource_ref(&self, root: &str, ops: &[Op], env: &IEnv, scope: &Scope) -> Option<String> {
        let attr = |i: usize| match ops.get(i) {
            Some(Op::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        let (mode, kind, name, next) = if root == "data" {
            (Mode::Data, attr(0)?, attr(1)?, 2)
        } else {
            (Mode::Managed, root, attr(0)?, 1)
        };
        let &idx = self
            .module
            .res_index
            .get(&(mode, kind.to_string(), name.to_string()))?;
        let target = match self.resource(idx) {
            Some(state) => match ops.get(next) {
                Some(Op::Index(k)) => {
                    let addr = self
                        .ev
                        .eval(k, env, scope)
                        .ok()
                        .and_then(key_of)
                        .map(|k| format!("{}{}", state.base, k.suffix()));
                    match addr {
                        Some(a) if state.instances.contains(&a) => a,
                        _ => state.base.clone(),
                    }
                }
                _ => state.base.clone(),
            },
            None => format!(
                "{}{}{kind}.{name}",
                self.prefix(),
                if mode == Mode::Data { "data." } else { "" }
            ),
        };
        Some(target)
    }

    fn depends_on(&self, e: &Expr, out: &mut Vec<ResourceRef>) {
        let ExprKind::Array(items) = &e.kind else {
            return;
        };
        for item in items {
            let Some(parts) = item.dotted() else { continue };
            let mut push = |target: String| {
                out.push(ResourceRef {
                    target,
                    span: item.span,
                    via: "depends_on".to_string(),
                });
            };
            match parts.as_slice() {
                [m, name, ..] if m == "module" => {
                    if let Some(state) =
                        self.module.call_index.get(name).and_then(|&i| self.call(i))
                    {
                        for (_, child) in &state.children {
                            child
                                .resources
                                .iter()
                                .map(|r| r.address.clone())
                                .for_each(&mut push);
                        }
                    }
                }
                [d, kind, name, ..] if d == "data" => {
                    push(format!("{}data.{kind}.{name}", self.prefix()));
                }
                [kind, name, ..]
                    if self.module.res_index.contains_key(&(
                        Mode::Managed,
                        kind.clone(),
                        name.clone(),
                    )) =>
                {
                    push(format!("{}{kind}.{name}", self.prefix()));
                }
                _ => {}
            }
        }
    }

    fn call_value(&self, name: &str) -> R {
        match self.module.call_index.get(name).and_then(|&i| self.call(i)) {
            Some(state) => state.value.clone(),
            None => Err(Fail::Unknown),
        }
    }

    fn call(&self, idx: usize) -> Option<Rc<CallState>> {
        if let Some(slot) = self.calls.borrow().get(&idx) {
            return slot.clone();
        }
        let block = self.module.calls.get(idx)?;
        let name = block.labels.first()?;
        let _guard = self.ev.enter()?;
        self.calls.borrow_mut().insert(idx, None);
        let address = format!("{}module.{name}", self.prefix());
        let state = Rc::new(self.instantiate_call(block, &address));
        self.calls.borrow_mut().insert(idx, Some(Rc::clone(&state)));
        Some(state)
    }

    fn instantiate_call(&self, block: &BlockIr, address: &str) -> CallState {
        let unknown = CallState {
            value: Err(Fail::Unknown),
            children: Vec::new(),
            stand_ins: Vec::new(),
        };
        let Some(source_attr) = block.body.attr("source") else {
            return unknown;
        };
        let source = match &source_attr.expr.kind {
            ExprKind::Str(s) => s.clone(),
            ExprKind::Template(elems) => match elems.as_slice() {
                [TElem::Lit(s)] => s.clone(),
                _ => return unknown,
            },
            _ => return unknown,
        };
        let local = super::is_local(&source);
        let dir = if local {
            Some(crate::discover::lexical_normalize(
                &self.module.dir.join(&source),
            ))
        } else {
            self.installed_dir(block)
        };
        let module = dir.as_ref().and_then(|d| self.prog.modules.get(d));
        if dir.is_some_and(|d| self.ancestors.contains(&d)) {
            // A module calling itself, directly or not.
            self.ev.cycle(source_attr.span, address, &source);
            return unknown;
        }
        let Some(module) = module.filter(|_| self.depth < MAX_MODULE_DEPTH) else {
            if module.is_none() {
                let stand_ins = match super::installed::registry_address(&source) {
                    Some(registry) if !local => self.stand_ins(block, address, &registry),
                    _ => Vec::new(),
                };
                self.unfollowed.borrow_mut().push(UnfollowedModule {
                    span: source_attr.span,
                    source,
                    remote: !local,
                    module: address.to_string(),
                });
                return CallState {
                    stand_ins,
                    ..unknown
                };
            }
            return unknown;
        };
        let providers = self.call_providers(block);
        // A call counted by a toggle is taken as made, like a resource: its
        // resources carry the notes saying so.
        let (expansion, assumed) = self.expansion(&block.body);
        let (instances, shape) = self.expanded(expansion, &self.ev.module_budget);
        let mut children = Vec::new();
        let mut values = Vec::new();
        for (key, count, each) in instances {
            let path = format!("{address}{}", key.suffix());
            let env = IEnv {
                inst: self,
                count,
                each,
            };
            let inputs = self.call_inputs(block, &env);
            let child = Instance::new(
                self.prog,
                self.ev,
                module,
                path.clone(),
                inputs,
                providers.clone(),
                self.ancestors.clone(),
                Some(block.span),
            );
            let mut result = child.finish();
            // The outermost call wins: each level overwrites the one below.
            for r in &mut result.resources {
                r.call = Some(block.span);
                r.assumed.extend(assumed.iter().cloned());
            }
            let mut outputs: hcl::Map<String, V> = result
                .outputs
                .iter()
                .map(|(k, b)| {
                    (
                        k.clone(),
                        b.value
                            .clone()
                            .unwrap_or_else(|_| V::String(UNKNOWN.to_string())),
                    )
                })
                .collect();
            if matches!(shape, Shape::Unknown) {
                outputs.insert(UNKEYED_KEY.to_string(), V::Bool(true));
            }
            values.push((key, V::Object(outputs)));
            children.push((path, result));
        }
        CallState {
            value: shape.assemble(values),
            children,
            stand_ins: Vec::new(),
        }
    }

    /// The resources standing for the instances of a call of the registry
    /// module `registry` (see [`CallState::stand_ins`]): each with the
    /// call's arguments, located where they are written in the call.
    fn stand_ins(&self, block: &BlockIr, address: &str, registry: &str) -> Vec<Resource> {
        let name = block.labels.first().cloned().unwrap_or_default();
        // A call counted by a toggle is taken as made, as a followed one.
        let (expansion, assumed) = self.expansion(&block.body);
        let (instances, shape) = self.expanded(expansion, &self.ev.module_budget);
        let mut out = Vec::with_capacity(instances.len());
        for (key, count, each) in instances {
            let env = IEnv {
                inst: self,
                count,
                each,
            };
            let mut refs = Vec::new();
            let (mut body, _) =
                self.body(&block.body, &env, &Scope::default(), "", true, &mut refs);
            for meta in ["source", "version", "providers"] {
                body.attrs.remove(meta);
            }
            let mut assumed = assumed.clone();
            self.toggled_inputs(block, &env, &mut body, &mut assumed);
            out.push(Resource {
                address: format!("{address}{}", key.suffix()),
                module: self.path.clone(),
                root: String::new(),
                call: None,
                mode: Mode::Managed,
                kind: format!(
                    "{}{registry}",
                    crate::frontends::terraform::kb::MODULE_PREFIX
                ),
                name: name.clone(),
                region: None,
                body,
                span: block.span,
                count_unknown: matches!(shape, Shape::Unknown),
                assumed,
                count_origin: None,
                references: Vec::new(),
            });
        }
        out
    }

    /// The outermost module call argument a plain `var.x` is bound by.
    fn argument(&self, e: &Expr) -> Option<Span> {
        match e.plain_ref()? {
            ("var", name) => self.vars.get(name)?.argument,
            _ => None,
        }
    }

    /// Where the value that decides a known `count` is written, when a
    /// conditional chooses it by a variable: the branch taken is followed
    /// (through locals) to the innermost conditional whose condition is a
    /// plain reference (`var.single_nat_gateway ? 1 : …`), or to a plain
    /// variable. `None` when a condition is anything else (`a && b`: which
    /// of them decides is not one place).
    fn decider(&self, e: &Expr, env: &IEnv, depth: usize) -> Option<CountOrigin> {
        if depth >= MAX_TOGGLE_DEPTH {
            return None;
        }
        let of = |e: &Expr| {
            let origin = self.follow(e);
            let argument = self.argument(e);
            let unset = self.unset_of(e).and_then(|unset| {
                let value = self.ev.eval(e, env, &Scope::default()).ok()?;
                let shown = match value {
                    V::String(s) if !s.contains('\u{0}') => format!("\"{s}\""),
                    V::Bool(b) => b.to_string(),
                    V::Number(n) => n.to_string(),
                    _ => return None,
                };
                Some(Box::new((unset, shown)))
            });
            (origin.is_some() || argument.is_some()).then_some(CountOrigin {
                argument,
                origin,
                unset,
            })
        };
        match &e.kind {
            ExprKind::Cond(c, a, b) => {
                let taken = match self.ev.eval(c, env, &Scope::default()) {
                    Ok(V::Bool(true)) => a,
                    Ok(V::Bool(false)) => b,
                    _ => return None,
                };
                self.decider(taken, env, depth + 1).or_else(|| of(c))
            }
            _ => match e.plain_ref()? {
                ("local", name) => {
                    let attr = self.module.locals.get(name)?;
                    self.decider(&attr.expr, &self.env(), depth + 1)
                }
                ("var", _) => of(e),
                _ => None,
            },
        }
    }

    /// The `enabled` input of a registry module call judged at the call,
    /// as the null-label convention makes it: the call's `enabled`
    /// argument, else its `context`'s `enabled` (a module of that
    /// convention takes its toggle from its context when `enabled` is not
    /// given). Read from an unfollowed label module
    /// (`enabled = module.this.enabled`, `context = module.this.context`),
    /// it is taken as on, as in a `count`, unless that call sets it off;
    /// `assumed` gets the note saying so, at the argument.
    fn toggled_inputs(
        &self,
        block: &BlockIr,
        env: &IEnv,
        body: &mut Body,
        assumed: &mut Vec<(Span, String)>,
    ) {
        let scope = Scope::default();
        let (attr, expr) = match (block.body.attr("enabled"), block.body.attr("context")) {
            (Some(a), _) => {
                if !matches!(
                    body.attrs.get("enabled").map(|a| &a.value),
                    Some(Value::Unknown)
                ) {
                    return;
                }
                (a, a.expr.clone())
            }
            (None, Some(c)) => {
                let attr = Op::Attr("enabled".to_string());
                let kind = match &c.expr.kind {
                    ExprKind::Traversal(base, ops) => {
                        let mut ops = ops.clone();
                        ops.push(attr);
                        ExprKind::Traversal(base.clone(), ops)
                    }
                    _ => ExprKind::Traversal(Box::new(c.expr.clone()), vec![attr]),
                };
                let enabled = Expr {
                    span: c.expr.span,
                    kind,
                };
                (c, enabled)
            }
            (None, None) => return,
        };
        let mut value = self.ev.eval(&expr, env, &scope);
        if value.is_err() {
            let on = ToggleEnv::new(env);
            let toggled = self.ev.eval(&expr, &on, &scope);
            if on.read() {
                value = toggled;
                assumed.extend(on.notes(attr.expr.span));
            }
        }
        let Ok(V::Bool(on)) = value else {
            return;
        };
        let (origin, set_by) = self
            .follow(&attr.expr)
            .unwrap_or((attr.span, SetBy::InPlace));
        body.attrs.insert(
            "enabled".to_string(),
            Attr {
                value: Value::Bool(on),
                span: attr.span,
                origin,
                set_by,
                unset: self.unset_of(&attr.expr).map(Box::new),
            },
        );
    }

    /// Where `terraform init` installed the module of a call whose source
    /// is not local, by the manifest of the root module.
    fn installed_dir(&self, block: &BlockIr) -> Option<PathBuf> {
        let root = self.ancestors.first()?;
        let name = block.labels.first()?;
        self.prog
            .installed
            .get(root)?
            .get(&(self.module.dir.clone(), name.clone()))
            .cloned()
    }

    /// A module call's providers: the defaults are inherited;
    /// `providers = {...}` maps.
    fn call_providers(&self, block: &BlockIr) -> Providers {
        let mut providers: Providers = HashMap::new();
        let mut names: HashSet<String> = self
            .inherited
            .keys()
            .filter(|k| !k.contains('.'))
            .cloned()
            .collect();
        for p in &self.module.providers {
            if let Some(l) = p.labels.first()
                && p.body.attr("alias").is_none()
            {
                names.insert(l.clone());
            }
        }
        for n in names {
            let r = self.provider_region(&n);
            providers.insert(n, r);
        }
        if let Some(map) = block.body.attr("providers")
            && let ExprKind::Object(entries) = &map.expr.kind
        {
            for (k, v) in entries {
                let (Some(k), Some(v)) = (k.dotted(), v.dotted()) else {
                    continue;
                };
                providers.insert(k.join("."), self.provider_region(&v.join(".")));
            }
        }
        providers
    }

    /// A module call's arguments: the inputs of the module it instantiates.
    fn call_inputs(&self, block: &BlockIr, env: &IEnv) -> HashMap<String, Binding> {
        let scope = Scope::default();
        let mut inputs = HashMap::new();
        for attr in &block.body.attrs {
            if matches!(
                attr.name.as_str(),
                "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
            ) {
                continue;
            }
            let mut refs = Vec::new();
            self.walk(&attr.expr, env, &scope, "", &mut refs);
            inputs.insert(
                attr.name.clone(),
                Binding {
                    value: self.ev.eval(&attr.expr, env, &scope),
                    origin: Some(
                        self.follow(&attr.expr)
                            .unwrap_or((attr.expr.span, SetBy::ModuleArgument)),
                    ),
                    refs: dedup(refs.into_iter().map(|r| r.target)),
                    argument: Some(self.argument(&attr.expr).unwrap_or(attr.span)),
                    unset: self.unset_of(&attr.expr),
                },
            );
        }
        inputs
    }

    /// Evaluates everything: every resource, every module call, every output.
    pub fn finish(self) -> ChildResult {
        // Resources, calls, then outputs, as declared; each is memoized.
        for idx in 0..self.module.resources.len() {
            self.resource(idx);
        }
        for idx in 0..self.module.calls.len() {
            self.call(idx);
        }
        let mut outputs = HashMap::new();
        for (name, expr) in &self.module.outputs {
            let Some(expr) = expr else { continue };
            let env = self.env();
            let scope = Scope::default();
            let mut refs = Vec::new();
            self.walk(expr, &env, &scope, "", &mut refs);
            outputs.insert(
                name.clone(),
                Binding {
                    value: self.ev.eval(expr, &env, &scope),
                    origin: Some(self.follow(expr).unwrap_or((expr.span, SetBy::InPlace))),
                    refs: dedup(refs.into_iter().map(|r| r.target)),
                    argument: None,
                    unset: self.unset_of(expr),
                },
            );
        }
        // Every state is evaluated: move the instances out rather than
        // clone them (a child module's resources would otherwise be copied
        // once per level of nesting).
        let mut resources = Vec::new();
        for state in in_order(self.resources.take()) {
            match Rc::try_unwrap(state) {
                Ok(state) => resources.extend(state.resources),
                Err(shared) => resources.extend(shared.resources.iter().cloned()),
            }
        }
        let mut unfollowed = Vec::new();
        for state in in_order(self.calls.take()) {
            match Rc::try_unwrap(state) {
                Ok(state) => {
                    resources.extend(state.stand_ins);
                    for (_, child) in state.children {
                        resources.extend(child.resources);
                        unfollowed.extend(child.unfollowed);
                    }
                }
                Err(shared) => {
                    resources.extend(shared.stand_ins.iter().cloned());
                    for (_, child) in &shared.children {
                        resources.extend(child.resources.iter().cloned());
                        unfollowed.extend(child.unfollowed.iter().cloned());
                    }
                }
            }
        }
        unfollowed.extend(self.unfollowed.take());
        ChildResult {
            outputs,
            resources,
            unfollowed,
        }
    }
}

/// The evaluated states of a memo, in declaration order.
fn in_order<T>(memo: HashMap<usize, Option<Rc<T>>>) -> Vec<Rc<T>> {
    let mut states: Vec<(usize, Rc<T>)> = memo
        .into_iter()
        .filter_map(|(idx, state)| Some((idx, state?)))
        .collect();
    states.sort_unstable_by_key(|(idx, _)| *idx);
    states.into_iter().map(|(_, state)| state).collect()
}

#[derive(Clone, Copy)]
enum Shape {
    Single,
    List,
    Map,
    Unknown,
}

impl Shape {
    fn assemble(self, values: Vec<(Key, V)>) -> R {
        match self {
            Shape::Single | Shape::Unknown => values
                .into_iter()
                .next()
                .map(|(_, v)| v)
                .ok_or(Fail::Unknown),
            Shape::List => Ok(V::Array(values.into_iter().map(|(_, v)| v).collect())),
            Shape::Map => Ok(V::Object(
                values
                    .into_iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Key::Str(s) | Key::Zone(s) => s,
                            Key::Int(i) => i.to_string(),
                            Key::None => String::new(),
                        };
                        (key, v)
                    })
                    .collect(),
            )),
        }
    }
}

fn obj_index(i: u64) -> V {
    V::from(i)
}

fn key_of(v: V) -> Option<Key> {
    match v {
        V::Number(n) => n.as_u64().map(Key::Int),
        V::String(s) => Key::text(s),
        _ => None,
    }
}

fn push_block(object: &mut hcl::Map<String, V>, kind: &str, v: V) {
    match object
        .entry(kind.to_string())
        .or_insert_with(|| V::Array(Vec::new()))
    {
        V::Array(items) => items.push(v),
        other => *other = V::Array(vec![v]),
    }
}

fn dedup(targets: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    targets.filter(|t| seen.insert(t.clone())).collect()
}
