//! Terraform frontend: HCL configurations (`*.tf`, `*.tf.json`, variable
//! files) and plan/state JSON become [`Resource`]s — one per resource
//! instance, with evaluated attributes, the place each value is written, and
//! references to other resources. The provider knowledge base
//! ([`kb`]) turns resources into model entities.
//!
//! Stages and their modules:
//! - `hcl`: parse with hcl-edit, evaluate with hcl-rs (variables, locals,
//!   modules, `count`/`for_each`);
//! - `plan`: `terraform show -json` plans and states;
//! - `kb`: the provider knowledge base (`rules/providers/*.toml`, plus
//!   `--rules DIR`) and the extraction into the model.

pub mod functions;
pub mod hcl;
pub mod kb;
pub mod plan;
mod recovery;
pub(crate) mod symbolic;

mod frontend;
pub mod run;
pub use frontend::FRONTEND;

use crate::source::Span;
use std::collections::BTreeMap;

/// A statically evaluated value. What cannot be known stays [`Value::Unknown`]
/// (or a [`Value::Ref`] when it is another resource's attribute): never a
/// guess.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// An attribute of another resource that is not known statically (an
    /// `id`, an `arn`, an endpoint): `attr` of resource `address`.
    /// `address` is a full resource instance address when the instance is
    /// known (`aws_subnet.private["a"]`, `module.vpc.aws_subnet.this[0]`),
    /// else the resource address without instance key.
    Ref {
        address: String,
        attr: String,
    },
    /// One zone of a list of distinct zones whose names are not known
    /// (`data.aws_availability_zones.x.names[0]`): the same zone as another
    /// of its `family` with the same `index`, another zone than one with a
    /// different index.
    Zone {
        family: String,
        index: usize,
    },
    /// A whole such list: every zone of the region
    /// (`data.aws_availability_zones.x.names`).
    Zones {
        family: String,
    },
    /// Not known statically.
    Unknown,
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, Value::Unknown)
    }

    /// Every [`Value::Ref`] inside, depth first.
    pub fn refs(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<(&'a str, &'a str)>) {
        match self {
            Value::Ref { address, attr } => out.push((address, attr)),
            Value::List(items) => items.iter().for_each(|v| v.collect_refs(out)),
            Value::Map(map) => map.values().for_each(|v| v.collect_refs(out)),
            _ => {}
        }
    }
}

/// One attribute of a resource (or of a nested block), evaluated.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Attr {
    pub value: Value,
    /// The whole attribute as written in the resource (`multi_az = var.ha`),
    /// or the JSON member in a plan.
    pub span: Span,
    /// Where the value itself is written: following `var.`/`local.` chains
    /// to the module call argument, the `.tfvars` entry, the `--var-file`
    /// entry or the variable default that sets it (`multi_az = false` in
    /// the root module). Equal to `span` when the value is written in place
    /// or its origin is not a single place.
    pub origin: Span,
    /// What is written at `origin`.
    pub set_by: SetBy,
    /// When `origin` is the default of a called module's variable that
    /// the module call does not set: that call and the variable.
    pub unset: Option<Box<Unset>>,
}

/// A module's input that its call leaves unset, so that the variable's
/// default decides: the call (its `module` block) and the variable's name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unset {
    pub call: Span,
    pub name: String,
}

/// What decides an attribute's value when it is not written in place: the
/// related location of a finding, so that its label says what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SetBy {
    /// In the attribute itself (or not a single place).
    InPlace,
    /// A variable declaration's `default`.
    Default,
    /// An entry of a variables file (`terraform.tfvars`, `--var-file`).
    VariablesFile,
    /// An argument of the `module` block that calls the module.
    ModuleArgument,
    /// A `locals` entry.
    Local,
    /// The default of a called module's variable that its call does not
    /// set (what a finding's related location says; attributes record
    /// `Default` and [`Attr::unset`]).
    ModuleDefault,
}

/// Where the variable that decides a resource's `count` is set.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CountOrigin {
    /// For a resource in a module: the argument of the outermost `module`
    /// block that passes the variable (`single_nat_gateway = true`), where
    /// the module's caller changes it.
    pub argument: Option<Span>,
    /// Where its value is written, and what that is.
    pub origin: Option<(Span, SetBy)>,
    /// When that value is the default of a called module's variable that
    /// the module call leaves unset: that call and the variable, with the
    /// default as written (`true`).
    pub unset: Option<Box<(Unset, String)>>,
}

/// A resource body (or a nested block such as `ebs_block_device` or
/// `high_availability`), evaluated. Dynamic blocks are expanded where their
/// `for_each` is known.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Body {
    pub attrs: Attrs,
    /// Nested blocks in order, by block type.
    pub blocks: Vec<(String, Block)>,
}

/// A body's attributes by name, in name order: a sorted vector rather than a
/// map, as small as the handful of attributes a resource has (a map's node
/// keeps room for eleven, a kilobyte for each instance of a counted
/// resource). Built in bulk ([`FromIterator`], [`Extend`]): sorted once,
/// whatever the order and the number of attributes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attrs(Vec<(String, Attr)>);

impl Attrs {
    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&Attr> {
        self.find(name).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Attr> {
        let i = self.find(name).ok()?;
        Some(&mut self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Takes one attribute out.
    pub fn remove(&mut self, name: &str) -> Option<Attr> {
        let i = self.find(name).ok()?;
        Some(self.0.remove(i).1)
    }

    /// Sets one attribute, replacing the one of that name.
    pub fn insert(&mut self, name: String, attr: Attr) {
        match self.find(&name) {
            Ok(i) => self.0[i].1 = attr,
            Err(i) => self.0.insert(i, (name, attr)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Attr)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Attr)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &Attr> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Sorted by name; of attributes of one name, the last one set.
    fn settle(&mut self) {
        // Stable: attributes of one name stay in the order they were set.
        self.0.sort_by(|a, b| a.0.cmp(&b.0));
        let mut settled: Vec<(String, Attr)> = Vec::with_capacity(self.0.len());
        for (name, attr) in self.0.drain(..) {
            match settled.last_mut() {
                Some(last) if last.0 == name => last.1 = attr,
                _ => settled.push((name, attr)),
            }
        }
        self.0 = settled;
    }
}

impl<'a> IntoIterator for &'a Attrs {
    type Item = (&'a String, &'a Attr);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Attr)>,
        fn(&'a (String, Attr)) -> (&'a String, &'a Attr),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(String, Attr)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (String, Attr)>>(iter: I) -> Self {
        let mut attrs = Attrs(iter.into_iter().collect());
        attrs.settle();
        attrs
    }
}

impl Extend<(String, Attr)> for Attrs {
    /// As [`Attrs::insert`] for each, sorted once.
    fn extend<I: IntoIterator<Item = (String, Attr)>>(&mut self, iter: I) {
        self.0.extend(iter);
        self.settle();
    }
}

/// A map, as the map it replaces was.
impl serde::Serialize for Attrs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Attrs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, Attr>::deserialize(deserializer)?;
        Ok(Attrs(map.into_iter().collect()))
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Block {
    pub body: Body,
    /// The block header (`high_availability {`), for locations.
    pub span: Span,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.get(name)
    }

    /// Nested blocks of one type.
    pub fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks
            .iter()
            .filter(move |(k, _)| k == kind)
            .map(|(_, b)| b)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Mode {
    /// `resource` blocks.
    Managed,
    /// `data` blocks.
    Data,
}

/// A dependency on another resource.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResourceRef {
    /// Resource instance address, or resource address without key meaning
    /// every instance (`aws_instance.web`, `module.db.aws_db_instance.this`,
    /// `data.aws_subnet.selected`).
    pub target: String,
    /// The text that creates the dependency (the traversal, or the
    /// `depends_on` entry).
    pub span: Span,
    /// The attribute path it is written in, for messages: `user_data`,
    /// `launch_template.id`, `depends_on`.
    pub via: String,
}

/// One resource instance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Resource {
    /// Full Terraform address: `module.db.aws_db_instance.this`,
    /// `aws_instance.web[0]`, `aws_subnet.private["a"]`,
    /// `data.aws_availability_zones.available`.
    pub address: String,
    /// Module path: `""` for the root, `module.db`, `module.a.module.b`.
    pub module: String,
    /// The root module the instance belongs to: its directory as displayed
    /// (`envs/prod`, `.`); for a plan or state, the JSON file's directory.
    /// Two roots are two estates: the same address in each is two
    /// resources.
    pub root: String,
    /// For a resource inside a module: the root module's `module` block
    /// that leads to it (the outermost call), so that a finding in a
    /// module shared by several roots says which one.
    pub call: Option<Span>,
    pub mode: Mode,
    /// Resource type: `aws_db_instance`.
    pub kind: String,
    /// Resource name: `this`.
    pub name: String,
    /// The provider's region when it is known (the `provider` block's
    /// `region`/`location`, or the resource's own attribute).
    pub region: Option<(String, Span)>,
    pub body: Body,
    /// The block header (`resource "aws_db_instance" "this"`), or the
    /// resource's object in a plan.
    pub span: Span,
    /// Made by a `count` or `for_each` whose value is not known (or that
    /// makes more instances than the limit): how many instances there are
    /// is not known, and this one, without key, stands for each of them.
    pub count_unknown: bool,
    /// Toggles taken as on to know the `count` or `for_each` that makes
    /// it: the `enabled` output of a module call that is not followed
    /// (`count = module.this.enabled ? 1 : 0`), as related locations to
    /// give its findings.
    pub assumed: Vec<(Span, String)>,
    /// Where the value that decides how many instances the `count` makes
    /// is written, when that is a variable a conditional chooses by
    /// (`count = var.single_nat_gateway ? 1 : length(var.azs)`, through
    /// locals).
    #[serde(default)]
    pub count_origin: Option<CountOrigin>,
    /// References to other resources (through attributes, including inside
    /// templates and heredocs, and through locals, module inputs and
    /// outputs) and `depends_on` entries.
    pub references: Vec<ResourceRef>,
}

/// How a root module directory is named in [`Resource::root`]: its path as
/// displayed, `.` for the current directory.
pub fn root_name(dir: &std::path::Path) -> String {
    let name = crate::source::display_path(dir);
    if name.is_empty() {
        ".".to_string()
    } else {
        name
    }
}

/// Between a root module's directory and its environment in the root's
/// name: `infra@prod`, `.@prod` for the directory spof runs from.
pub const ENVIRONMENT_SEPARATOR: char = crate::model::scope::PLACE_SEPARATOR;

/// The entity id of a resource: `tf:ADDRESS` in the root module scanned
/// from where spof runs, `tf:ROOT:ADDRESS` in any other, where ROOT names
/// the environment (`tf:infra@prod:aws_db_instance.main`, and
/// `tf:@prod:aws_db_instance.main` from where spof runs).
pub fn entity_id(root: &str, address: &str) -> String {
    let prefix = crate::model::TERRAFORM_ID_PREFIX;
    if root == "." {
        format!("{prefix}{address}")
    } else {
        let root = root
            .strip_prefix('.')
            .filter(|r| r.starts_with(ENVIRONMENT_SEPARATOR))
            .unwrap_or(root);
        format!("{prefix}{root}:{address}")
    }
}

/// The region a location names: a region as is, the region of an AWS
/// (`eu-west-1a`) or Google Cloud (`europe-west1-b`) zone.
pub fn region_of(location: &str) -> &str {
    let bytes = location.as_bytes();
    let n = bytes.len();
    // Google Cloud: `<region>-<letter>`, the region ending in a digit.
    if n > 3
        && bytes[n - 2] == b'-'
        && bytes[n - 1].is_ascii_lowercase()
        && bytes[n - 3].is_ascii_digit()
    {
        return &location[..n - 2];
    }
    // AWS: `<region><letter>`, the region ending in `-<digits>`.
    if n > 3 && bytes[n - 1].is_ascii_lowercase() && bytes[n - 2].is_ascii_digit() {
        let digits = location[..n - 1]
            .bytes()
            .rev()
            .take_while(u8::is_ascii_digit)
            .count();
        if location[..n - 1 - digits].ends_with('-') {
            return &location[..n - 1];
        }
    }
    location
}

/// Variable values given on the command line, for root modules.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    /// `--var NAME=VALUE`, in order: a later one wins.
    pub vars: Vec<(String, String)>,
    /// `--var-file FILE`, already in the source map, in order: a later one
    /// wins, and `--var` wins over every file.
    pub files: Vec<crate::source::FileId>,
    /// `[[terraform.environment]]` sections of spof.toml, in file order.
    pub environments: Vec<Environment>,
}

/// `[[terraform.environment]]`: a root module evaluated with these
/// variables files, as environment `name`. A root module with
/// environments is evaluated once per environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    /// The root module's directory: absolute, lexically normalised.
    pub root: std::path::PathBuf,
    /// The `root` value.
    pub root_span: crate::source::Span,
    /// The variables files, absolute and lexically normalised, in order
    /// (a later one wins), with their values' spans. They are read after
    /// `terraform.tfvars` and `*.auto.tfvars`, before `--var-file`s.
    pub var_files: Vec<(std::path::PathBuf, crate::source::Span)>,
}

#[cfg(test)]
mod address_tests {
    use super::*;

    #[test]
    fn zones_name_their_region() {
        assert_eq!(region_of("eu-west-1a"), "eu-west-1");
        assert_eq!(region_of("eu-west-1"), "eu-west-1");
        assert_eq!(region_of("europe-west1-b"), "europe-west1");
        assert_eq!(region_of("europe-west1"), "europe-west1");
        assert_eq!(region_of("westeurope"), "westeurope");
        assert_eq!(region_of("us-gov-west-1b"), "us-gov-west-1");
        assert_eq!(region_of("a"), "a");
        assert_eq!(region_of("é-1a"), "é-1");
    }

    #[test]
    fn attributes_set_in_bulk_are_sorted_and_the_last_of_a_name_wins() {
        let at = |n: u32| {
            let span = Span::new(
                crate::source::FileId(0),
                crate::source::TextRange::empty(n as usize),
            );
            Attr {
                value: Value::Number(f64::from(n)),
                span,
                origin: span,
                set_by: SetBy::InPlace,
                unset: None,
            }
        };
        let mut attrs: Attrs = [("b", 1), ("a", 2), ("b", 3)]
            .into_iter()
            .map(|(k, n)| (k.to_string(), at(n)))
            .collect();
        attrs.extend([("c".to_string(), at(4)), ("a".to_string(), at(5))]);
        attrs.insert("b".to_string(), at(6));
        let names: Vec<(&str, f64)> = attrs
            .iter()
            .map(|(k, a)| (k.as_str(), a.value.as_f64().unwrap()))
            .collect();
        assert_eq!(names, [("a", 5.0), ("b", 6.0), ("c", 4.0)]);
        assert!(attrs.contains_key("c") && attrs.get("d").is_none());
    }
}
