//! `terraform show -json` plans and states → [`Resource`]s, and the merge
//! of those resources with the ones read from HCL.
//!
//! A plan gives resolved values (`planned_values`), what is still unknown
//! (`resource_changes[].change.after_unknown`), what existed before
//! (`prior_state`) and the configuration's references
//! (`configuration`). A state (`terraform show -json` on a state) gives
//! `values` only. Every value keeps the JSON member it comes from, so
//! findings point into the plan when no HCL is scanned.
//!
//! Nested blocks are arrays of objects in plan values
//! (`"settings": [{"availability_type": "REGIONAL"}]`): they are kept as the
//! attribute (a list of maps) *and* as [`Body::blocks`], one block per
//! element, so the knowledge base can read either.
//!
//! The input comes from untrusted pull requests: wrong types, missing keys
//! and odd addresses are skipped, never a panic.

use super::{Attr, Block, Body, Mode, Resource, ResourceRef, SetBy, Value};
use crate::parse::tree::{Node, Value as NodeValue};
use crate::source::{FileId, Span, TextRange};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Nesting bound for references resolved through module outputs and
/// variables, and for walking module trees.
const MAX_DEPTH: usize = 64;

/// Reads a Terraform plan or state JSON document. `None` when the document is
/// neither (no top-level `format_version`, or none of `planned_values`,
/// `values`, `resource_changes`, `prior_state`).
pub fn read(file: FileId, doc: &Node) -> Option<Vec<Resource>> {
    doc.get("format_version")?;
    if ![
        "planned_values",
        "values",
        "resource_changes",
        "prior_state",
    ]
    .iter()
    .any(|k| doc.get(k).is_some())
    {
        return None;
    }
    Some(Reader::new(file, doc).run())
}

/// The first value of a plan or state document (one [`read`] accepts) that
/// does not have the shape of Terraform's JSON output (`resources` an array
/// of objects, `root_module` an object, …), with a message saying what was
/// expected. Such a document was not written by Terraform; reading what
/// fits of it would pass silently over what does not.
pub fn shape_error(doc: &Node) -> Option<(&Node, String)> {
    doc.get("format_version")?;
    let mut modules: Vec<(&str, &Node)> = Vec::new();
    for path in [
        &["planned_values"][..],
        &["values"],
        &["prior_state"],
        &["prior_state", "values"],
        &["configuration"],
    ] {
        if let Some(node) = doc.path(path) {
            if !node.is_map() {
                return Some((node, format!("`{}` must be an object", path.join("."))));
            }
            if let Some(root) = node.get("root_module") {
                modules.push((path[path.len() - 1], root));
            }
        }
    }
    if let Some(changes) = doc.get("resource_changes")
        && let Some(error) = objects(changes, "resource_changes")
    {
        return Some(error);
    }
    modules
        .into_iter()
        .find_map(|(_, root)| module_shape_error(root, 0))
}

fn module_shape_error(module: &Node, depth: usize) -> Option<(&Node, String)> {
    if !module.is_map() {
        return Some((module, "a module must be an object".to_string()));
    }
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(resources) = module.get("resources")
        && let Some(error) = objects(resources, "resources")
    {
        return Some(error);
    }
    for r in module.get("resources").map(Node::as_seq).unwrap_or(&[]) {
        if let Some(values) = r.get("values").filter(|v| !v.is_map() && !v.is_null()) {
            return Some((
                values,
                "a resource's `values` must be an object".to_string(),
            ));
        }
    }
    if let Some(children) = module.get("child_modules") {
        if let Some(error) = objects(children, "child_modules") {
            return Some(error);
        }
        if let Some(error) = children
            .as_seq()
            .iter()
            .find_map(|c| module_shape_error(c, depth + 1))
        {
            return Some(error);
        }
    }
    if let Some(calls) = module.get("module_calls") {
        if !calls.is_map() {
            return Some((calls, "`module_calls` must be an object".to_string()));
        }
        for (_, call) in calls.as_map() {
            if let Some(error) = call
                .get("module")
                .and_then(|m| module_shape_error(m, depth + 1))
            {
                return Some(error);
            }
        }
    }
    None
}

/// `node`, named `name`, unless it is an array of objects.
fn objects<'n>(node: &'n Node, name: &str) -> Option<(&'n Node, String)> {
    if node.is_seq() && node.as_seq().iter().all(Node::is_map) || node.is_null() {
        None
    } else {
        Some((node, format!("`{name}` must be an array of objects")))
    }
}

// ---------------------------------------------------------------------------
// Addresses and references

/// One step of an address or reference: `module`, `aws_subnet`, `[0]`.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Name(String),
    /// The text between the brackets, as written: `0`, `"a"`.
    Index(String),
}

/// Splits `module.a["x"].aws_subnet.b[0].id` into steps. `None` on text that
/// is not a traversal (unbalanced brackets, empty names, splats).
fn steps(text: &str) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut expect_name = true;
    while let Some(&(i, c)) = chars.peek() {
        match c {
            '.' => {
                if expect_name {
                    return None;
                }
                chars.next();
                expect_name = true;
            }
            '[' => {
                if expect_name {
                    return None;
                }
                chars.next();
                let start = i + 1;
                let mut in_string = false;
                let mut escaped = false;
                let mut end = None;
                for (j, c) in chars.by_ref() {
                    if in_string {
                        if escaped {
                            escaped = false;
                        } else if c == '\\' {
                            escaped = true;
                        } else if c == '"' {
                            in_string = false;
                        }
                    } else if c == '"' {
                        in_string = true;
                    } else if c == ']' {
                        end = Some(j);
                        break;
                    }
                }
                let inner = text.get(start..end?)?;
                if inner.is_empty() || inner == "*" {
                    return None;
                }
                out.push(Step::Index(inner.to_string()));
            }
            _ => {
                if !expect_name {
                    return None;
                }
                let start = i;
                let mut end = text.len();
                while let Some(&(j, c)) = chars.peek() {
                    if c == '.' || c == '[' {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                let name = text.get(start..end)?;
                if name.is_empty() || name == "*" {
                    return None;
                }
                out.push(Step::Name(name.to_string()));
                expect_name = false;
            }
        }
    }
    if expect_name || out.is_empty() {
        return None;
    }
    Some(out)
}

/// A resource instance address, split.
#[derive(Debug, Clone, PartialEq)]
struct Address {
    /// Module calls with their instance keys.
    modules: Vec<(String, Option<String>)>,
    mode: Mode,
    kind: String,
    name: String,
    key: Option<String>,
}

impl Address {
    fn parse(text: &str) -> Option<Self> {
        let steps = steps(text)?;
        let mut it = steps.into_iter().peekable();
        let mut modules = Vec::new();
        while it.peek() == Some(&Step::Name("module".into())) {
            it.next();
            let Some(Step::Name(name)) = it.next() else {
                return None;
            };
            let key = match it.peek() {
                Some(Step::Index(k)) => {
                    let k = k.clone();
                    it.next();
                    Some(k)
                }
                _ => None,
            };
            modules.push((name, key));
        }
        let mut mode = Mode::Managed;
        if it.peek() == Some(&Step::Name("data".into())) {
            it.next();
            mode = Mode::Data;
        }
        let Some(Step::Name(kind)) = it.next() else {
            return None;
        };
        let Some(Step::Name(name)) = it.next() else {
            return None;
        };
        let key = match it.next() {
            Some(Step::Index(k)) => Some(k),
            None => None,
            Some(Step::Name(_)) => return None,
        };
        if it.next().is_some() {
            return None;
        }
        Some(Self {
            modules,
            mode,
            kind,
            name,
            key,
        })
    }

    /// `module.a["x"].module.b`, or `""`.
    fn module_path(&self) -> String {
        let mut out = String::new();
        for (name, key) in &self.modules {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str("module.");
            out.push_str(name);
            if let Some(k) = key {
                out.push('[');
                out.push_str(k);
                out.push(']');
            }
        }
        out
    }

    /// The resource part without instance key: `data.aws_subnet.a`.
    fn local(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.kind, self.name),
            Mode::Data => format!("data.{}.{}", self.kind, self.name),
        }
    }
}

/// The address without any instance key: `module.a.aws_subnet.b`.
fn strip_keys(address: &str) -> Option<String> {
    let steps = steps(address)?;
    let names: Vec<&str> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Name(n) => Some(n.as_str()),
            Step::Index(_) => None,
        })
        .collect();
    Some(names.join("."))
}

/// What a reference resolves to: a resource (instance) address and, when the
/// reference names one, the attribute.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    address: String,
    attr: Option<String>,
}

/// A module of the configuration on the way to a resource.
#[derive(Clone)]
struct Frame<'a> {
    /// The module object (`resources`, `module_calls`, `outputs`).
    module: &'a Node,
    /// Instance prefix of resources in it: `""`, `module.vpc.`,
    /// `module.db["main"].`.
    prefix: String,
    /// The module call object in the parent (its `expressions` are the
    /// module's variables).
    call: Option<&'a Node>,
}

/// Resolves one entry of a `references` list within the module `frames`
/// ends in. Variables follow module call arguments up, module outputs follow
/// the output's expression down; `local.`, `each.`, `count.` and root
/// variables resolve to nothing (their expressions are not in the JSON).
fn resolve(frames: &[Frame], reference: &str, bare_modules: bool, depth: usize) -> Vec<Target> {
    let Some(frame) = frames.last() else {
        return Vec::new();
    };
    if depth > MAX_DEPTH {
        return Vec::new();
    }
    let Some(steps) = steps(reference) else {
        return Vec::new();
    };
    let name = |i: usize| match steps.get(i) {
        Some(Step::Name(n)) => Some(n.as_str()),
        _ => None,
    };
    match name(0) {
        None => Vec::new(),
        Some("var") => {
            let (Some(var), Some(call)) = (name(1), frame.call) else {
                return Vec::new();
            };
            let parent = &frames[..frames.len() - 1];
            let Some(expr) = call.path(&["expressions", var]) else {
                return Vec::new();
            };
            expression_refs(expr)
                .flat_map(|r| resolve(parent, r.as_str().unwrap_or(""), bare_modules, depth + 1))
                .collect()
        }
        Some("local" | "each" | "count" | "path" | "terraform" | "self") => Vec::new(),
        Some("module") => {
            let Some(call_name) = name(1) else {
                return Vec::new();
            };
            let (key, next) = match steps.get(2) {
                Some(Step::Index(k)) => (Some(k.as_str()), 3),
                _ => (None, 2),
            };
            let Some(call) = frame.module.path(&["module_calls", call_name]) else {
                return Vec::new();
            };
            let Some(module) = call.get("module") else {
                return Vec::new();
            };
            let prefix = match key {
                Some(k) => format!("{}module.{call_name}[{k}].", frame.prefix),
                None => format!("{}module.{call_name}.", frame.prefix),
            };
            let child = Frame {
                module,
                prefix,
                call: Some(call),
            };
            match name(next) {
                Some(output) => {
                    let Some(expr) = module.path(&["outputs", output, "expression"]) else {
                        return Vec::new();
                    };
                    let mut inner = frames.to_vec();
                    inner.push(child);
                    expression_refs(expr)
                        .flat_map(|r| {
                            resolve(&inner, r.as_str().unwrap_or(""), bare_modules, depth + 1)
                        })
                        .collect()
                }
                None if bare_modules => {
                    let mut out = Vec::new();
                    module_resources(&child, &mut out, depth + 1);
                    out
                }
                None => Vec::new(),
            }
        }
        Some(first) => {
            let (mode, at) = if first == "data" {
                (Mode::Data, 1)
            } else {
                (Mode::Managed, 0)
            };
            let (Some(kind), Some(rname)) = (name(at), name(at + 1)) else {
                return Vec::new();
            };
            let (key, next) = match steps.get(at + 2) {
                Some(Step::Index(k)) => (Some(k.as_str()), at + 3),
                _ => (None, at + 2),
            };
            let mut address = frame.prefix.clone();
            if mode == Mode::Data {
                address.push_str("data.");
            }
            address.push_str(kind);
            address.push('.');
            address.push_str(rname);
            if let Some(k) = key {
                address.push('[');
                address.push_str(k);
                address.push(']');
            }
            vec![Target {
                address,
                attr: name(next).map(str::to_string),
            }]
        }
    }
}

/// Every resource of a module (and its children), as addresses without keys
/// under the module's prefix: what `depends_on = [module.x]` waits for.
fn module_resources(frame: &Frame, out: &mut Vec<Target>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for r in frame
        .module
        .get("resources")
        .map(Node::as_seq)
        .unwrap_or(&[])
    {
        if let Some(a) = r.get("address").and_then(Node::as_text) {
            out.push(Target {
                address: format!("{}{a}", frame.prefix),
                attr: None,
            });
        }
    }
    for (name, call) in frame
        .module
        .get("module_calls")
        .map(Node::as_map)
        .unwrap_or(&[])
    {
        let (Some(name), Some(module)) = (name.as_str(), call.get("module")) else {
            continue;
        };
        let child = Frame {
            module,
            prefix: format!("{}module.{name}.", frame.prefix),
            call: Some(call),
        };
        module_resources(&child, out, depth + 1);
    }
}

/// Whether a configuration node is an expression (`{"references": [...]}`,
/// `{"constant_value": ...}`) rather than a nested block.
fn is_expression(node: &Node) -> bool {
    node.get("constant_value").is_some()
        || node
            .get("references")
            .is_some_and(|r| matches!(r.value, NodeValue::Seq(_)))
}

/// The string nodes of an expression's `references`.
fn expression_refs(expr: &Node) -> impl Iterator<Item = &Node> {
    expr.get("references")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter(|n| n.as_text().is_some())
}

/// Resource attributes an expression refers to (`aws_subnet.a.id`), distinct,
/// in order.
fn attr_targets(frames: &[Frame], expr: Option<&Node>) -> Vec<(String, String)> {
    let Some(expr) = expr.filter(|e| is_expression(e)) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for r in expression_refs(expr) {
        for t in resolve(frames, r.as_str().unwrap_or(""), false, 0) {
            if let Some(attr) = t.attr {
                let pair = (t.address, attr);
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Reading

fn member_range(key: &Node, value: &Node) -> TextRange {
    TextRange {
        start: key.range.start.min(value.range.start),
        end: value.range.end.max(key.range.end),
    }
}

fn is_true(node: Option<&Node>) -> bool {
    node.and_then(Node::as_bool) == Some(true)
}

/// A resource instance found in the document, before conversion.
struct Found<'a> {
    address: String,
    parsed: Address,
    /// The `"address": ...` member (or the object when it has none).
    span: TextRange,
    values: Option<&'a Node>,
    /// The resource object.
    object: &'a Node,
}

struct Reader<'a> {
    file: FileId,
    doc: &'a Node,
    /// `resource_changes[]` by address.
    changes: HashMap<String, &'a Node>,
    /// Addresses whose only action is `delete`.
    deleted: HashSet<String>,
}

impl<'a> Reader<'a> {
    fn new(file: FileId, doc: &'a Node) -> Self {
        let mut changes = HashMap::new();
        let mut deleted = HashSet::new();
        for rc in doc.get("resource_changes").map(Node::as_seq).unwrap_or(&[]) {
            let Some(address) = rc.get("address").and_then(Node::as_text) else {
                continue;
            };
            // Deposed objects are old copies on their way out.
            if rc.get("deposed").and_then(Node::as_text).is_some() {
                continue;
            }
            let actions = rc
                .path(&["change", "actions"])
                .map(Node::as_seq)
                .unwrap_or(&[]);
            if !actions.is_empty() && actions.iter().all(|a| a.as_str() == Some("delete")) {
                deleted.insert(address.to_string());
            }
            changes.insert(address.to_string(), rc);
        }
        Self {
            file,
            doc,
            changes,
            deleted,
        }
    }

    fn span(&self, range: TextRange) -> Span {
        Span::new(self.file, range)
    }

    fn run(&self) -> Vec<Resource> {
        let mut found: Vec<Found<'a>> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut add = |f: Found<'a>, deleted: &HashSet<String>| {
            if !deleted.contains(&f.address) && seen.insert(f.address.clone()) {
                found.push(f);
            }
        };
        if let Some(root) = self.doc.path(&["planned_values", "root_module"]) {
            let mut list = Vec::new();
            walk_module(root, &mut list, 0);
            for f in list {
                add(f, &self.deleted);
            }
        }
        // Resources a plan without planned values still shows.
        for rc in self
            .doc
            .get("resource_changes")
            .map(Node::as_seq)
            .unwrap_or(&[])
        {
            let Some(after) = rc.path(&["change", "after"]).filter(|a| a.is_map()) else {
                continue;
            };
            if rc.get("deposed").and_then(Node::as_text).is_some() {
                continue;
            }
            if let Some(mut f) = found_in(rc) {
                f.values = Some(after);
                add(f, &self.deleted);
            }
        }
        let later = [
            self.doc.path(&["prior_state", "values", "root_module"]),
            self.doc.path(&["values", "root_module"]),
        ];
        for root in later.into_iter().flatten() {
            let mut list = Vec::new();
            walk_module(root, &mut list, 0);
            for f in list {
                add(f, &self.deleted);
            }
        }

        let mut out: Vec<Resource> = found.iter().map(|f| self.resource(f)).collect();
        Self::link_ids(&mut out);
        out
    }

    fn resource(&self, f: &Found<'a>) -> Resource {
        let change = self.changes.get(&f.address).copied();
        let unknown = change.and_then(|c| c.path(&["change", "after_unknown"]));
        let (frames, config) = self.config_of(&f.parsed).unzip();
        let frames = frames.unwrap_or_default();
        let exprs = config.and_then(|c| c.get("expressions"));
        let conv = Convert {
            reader: self,
            frames: &frames,
        };
        let body = conv.body(f.values, unknown, exprs, 0);

        let mut references = Vec::new();
        if let Some(config) = config {
            let mut push = |target: String, node: &Node, via: String| {
                let own = strip_keys(&f.address);
                if target == f.address || Some(&target) == own.as_ref() {
                    return;
                }
                if references.iter().any(|r: &ResourceRef| r.target == target) {
                    return;
                }
                references.push(ResourceRef {
                    target,
                    span: self.span(node.range),
                    via,
                });
            };
            let mut exprs_refs = Vec::new();
            if let Some(exprs) = exprs {
                collect_expression_refs(exprs, "", &mut exprs_refs, 0);
            }
            for (key, via) in [
                ("count_expression", "count"),
                ("for_each_expression", "for_each"),
            ] {
                if let Some(e) = config.get(key) {
                    exprs_refs.extend(expression_refs(e).map(|n| (n, via.to_string())));
                }
            }
            for (node, via) in exprs_refs {
                for t in resolve(&frames, node.as_str().unwrap_or(""), false, 0) {
                    push(t.address, node, via.clone());
                }
            }
            for node in config.get("depends_on").map(Node::as_seq).unwrap_or(&[]) {
                let Some(text) = node.as_text() else { continue };
                for t in resolve(&frames, text, true, 0) {
                    push(t.address, node, "depends_on".to_string());
                }
            }
        }

        if config.is_none() {
            // State form: `depends_on` holds absolute addresses.
            for node in f.object.get("depends_on").map(Node::as_seq).unwrap_or(&[]) {
                let Some(target) = node.as_text() else {
                    continue;
                };
                if target != f.address && !references.iter().any(|r| r.target == target) {
                    references.push(ResourceRef {
                        target: target.to_string(),
                        span: self.span(node.range),
                        via: "depends_on".to_string(),
                    });
                }
            }
        }

        let region = self.region(&body, config);
        Resource {
            address: f.address.clone(),
            module: f.parsed.module_path(),
            // The caller knows the file's directory.
            root: String::new(),
            call: None,
            mode: f.parsed.mode,
            kind: f.parsed.kind.clone(),
            name: f.parsed.name.clone(),
            region,
            body,
            span: self.span(f.span),
            count_unknown: false,
            assumed: Vec::new(),
            count_origin: None,
            references,
        }
    }

    /// The configuration modules down to the resource, and its
    /// configuration object.
    fn config_of(&self, address: &Address) -> Option<(Vec<Frame<'a>>, &'a Node)> {
        let mut module = self.doc.path(&["configuration", "root_module"])?;
        let mut frames = vec![Frame {
            module,
            prefix: String::new(),
            call: None,
        }];
        for (name, key) in &address.modules {
            let call = module.path(&["module_calls", name])?;
            module = call.get("module")?;
            let prefix = match key {
                Some(k) => format!("{}module.{name}[{k}].", frames[frames.len() - 1].prefix),
                None => format!("{}module.{name}.", frames[frames.len() - 1].prefix),
            };
            frames.push(Frame {
                module,
                prefix,
                call: Some(call),
            });
        }
        let local = address.local();
        let config = module
            .get("resources")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .find(|r| r.get("address").and_then(Node::as_text) == Some(local.as_str()))?;
        Some((frames, config))
    }

    /// The resource's own `region`/`location`, else its provider
    /// configuration's `region` constant.
    fn region(&self, body: &Body, config: Option<&Node>) -> Option<(String, Span)> {
        for key in ["region", "location"] {
            if let Some(attr) = body.attr(key)
                && let Some(s) = attr.value.as_str()
                && !s.is_empty()
            {
                return Some((s.to_string(), attr.span));
            }
        }
        let key = config?.get("provider_config_key")?.as_text()?;
        let providers = self.doc.path(&["configuration", "provider_config"])?;
        let provider = providers.get(key).or_else(|| {
            // Older plans prefix the module name: `vpc:aws`.
            let short = key.rsplit(':').next()?;
            providers.get(short)
        })?;
        let (k, v) = provider.get("expressions")?.entry("region")?;
        let region = v.get("constant_value")?.as_text()?;
        Some((region.to_string(), self.span(member_range(k, v))))
    }

    /// Replaces strings equal to the `id` of another resource of the
    /// document by a [`Value::Ref`] to it, and records the dependency.
    fn link_ids(resources: &mut [Resource]) {
        let mut ids: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            if let Some(id) = r.body.attr("id").and_then(|a| a.value.as_str())
                && looks_like_id(id)
            {
                ids.entry(id.to_string()).or_default().push(i);
            }
        }
        // An id shared by several resources (a data source reading a managed
        // one) names the managed one when there is exactly one.
        let ids: HashMap<String, String> = ids
            .into_iter()
            .filter_map(|(id, owners)| {
                let pick = if owners.len() == 1 {
                    owners[0]
                } else {
                    let managed: Vec<usize> = owners
                        .iter()
                        .copied()
                        .filter(|&i| resources[i].mode == Mode::Managed)
                        .collect();
                    if managed.len() != 1 {
                        return None;
                    }
                    managed[0]
                };
                Some((id, resources[pick].address.clone()))
            })
            .collect();
        if ids.is_empty() {
            return;
        }
        for r in resources.iter_mut() {
            let own = r.address.clone();
            let mut new_refs = Vec::new();
            link_body(&mut r.body, &ids, &own, "", &mut new_refs, true);
            for (target, span, via) in new_refs {
                if !r.references.iter().any(|x| x.target == target) {
                    r.references.push(ResourceRef { target, span, via });
                }
            }
        }
    }
}

/// Ids worth following: opaque identifiers (`subnet-0abc`, Azure and GCP
/// resource paths), not names that happen to be ids (`us-east-1` for
/// `aws_region`, account numbers, `true`).
fn looks_like_id(id: &str) -> bool {
    if id.len() < 6 || id.len() > 1024 {
        return false;
    }
    let has_digit = id.bytes().any(|b| b.is_ascii_digit());
    let has_alpha = id.bytes().any(|b| b.is_ascii_alphabetic());
    has_digit && has_alpha && !looks_like_region(id)
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `us-central1`,
/// `europe-west4`, and zones (`us-east-1a`, `us-central1-b`).
fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() < 2 || parts.len() > 5 {
        return false;
    }
    let word = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let numbered = |p: &str| {
        let letters = p.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_lowercase());
        let rest = p.trim_start_matches(|c: char| c.is_ascii_lowercase());
        letters.is_empty()
            && !rest.is_empty()
            && rest.starts_with(|c: char| c.is_ascii_digit())
            && rest.trim_start_matches(|c: char| c.is_ascii_digit()).len() <= 1
    };
    let Some((last, init)) = parts.split_last() else {
        return false;
    };
    // `us-central1-b`: a zone letter after a numbered part.
    let (last, init) = if last.len() == 1 && word(last) && init.len() >= 2 {
        match init.split_last() {
            Some(x) => x,
            None => return false,
        }
    } else {
        (last, init)
    };
    numbered(last) && init.iter().all(|p| word(p))
}

fn link_body(
    body: &mut Body,
    ids: &HashMap<String, String>,
    own: &str,
    path: &str,
    refs: &mut Vec<(String, Span, String)>,
    top: bool,
) {
    // Blocks first: `subnet_mapping.subnet_id` says more than the list.
    for (kind, block) in body.blocks.iter_mut() {
        let via = if path.is_empty() {
            kind.clone()
        } else {
            format!("{path}.{kind}")
        };
        link_body(&mut block.body, ids, own, &via, refs, false);
    }
    for (name, attr) in body.attrs.iter_mut() {
        if top && name == "id" {
            continue;
        }
        let via = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        let mut hit = Vec::new();
        link_value(&mut attr.value, ids, own, &mut hit);
        for target in hit {
            refs.push((target, attr.span, via.clone()));
        }
    }
}

fn link_value(value: &mut Value, ids: &HashMap<String, String>, own: &str, hit: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if let Some(address) = ids.get(s.as_str())
                && address != own
            {
                hit.push(address.clone());
                *value = Value::Ref {
                    address: address.clone(),
                    attr: "id".to_string(),
                };
            }
        }
        Value::List(items) => items.iter_mut().for_each(|v| link_value(v, ids, own, hit)),
        Value::Map(map) => map.values_mut().for_each(|v| link_value(v, ids, own, hit)),
        _ => {}
    }
}

/// `(reference string node, attribute path)` for every reference in a
/// resource's `expressions`, nested blocks included.
fn collect_expression_refs<'a>(
    exprs: &'a Node,
    path: &str,
    out: &mut Vec<(&'a Node, String)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (k, v) in exprs.as_map() {
        let Some(k) = k.as_str() else { continue };
        let via = if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        };
        if is_expression(v) {
            out.extend(expression_refs(v).map(|n| (n, via.clone())));
        } else if v.is_map() {
            collect_expression_refs(v, &via, out, depth + 1);
        } else {
            for item in v.as_seq() {
                collect_expression_refs(item, &via, out, depth + 1);
            }
        }
    }
}

/// Resources of a `root_module` (planned values or state form) and its
/// `child_modules`, recursively.
fn walk_module<'a>(module: &'a Node, out: &mut Vec<Found<'a>>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for r in module.get("resources").map(Node::as_seq).unwrap_or(&[]) {
        if let Some(mut f) = found_in(r) {
            f.values = r.get("values").filter(|v| v.is_map());
            out.push(f);
        }
    }
    for child in module.get("child_modules").map(Node::as_seq).unwrap_or(&[]) {
        walk_module(child, out, depth + 1);
    }
}

/// Address and span of a resource object (planned values, state or
/// resource change).
fn found_in(r: &Node) -> Option<Found<'_>> {
    let (key, value) = r.entry("address")?;
    let address = value.as_text()?;
    let parsed = Address::parse(address)?;
    // A `type`/`name`/`mode` that disagrees with the address is ignored:
    // the address is what everything else refers to.
    Some(Found {
        address: address.to_string(),
        parsed,
        span: member_range(key, value),
        values: None,
        object: r,
    })
}

/// Value conversion for one resource: plan values overlaid with
/// `after_unknown`, unknowns resolved through the configuration.
struct Convert<'r, 'a> {
    reader: &'r Reader<'a>,
    frames: &'r [Frame<'a>],
}

impl Convert<'_, '_> {
    fn body(
        &self,
        values: Option<&Node>,
        unknown: Option<&Node>,
        exprs: Option<&Node>,
        depth: usize,
    ) -> Body {
        let mut body = Body::default();
        if depth > MAX_DEPTH {
            return body;
        }
        let mut attrs = Vec::new();
        for (k, v) in values.map(Node::as_map).unwrap_or(&[]) {
            let Some(name) = k.as_str() else { continue };
            let u = unknown.and_then(|u| u.get(name));
            let e = exprs.and_then(|e| e.get(name));
            let span = self.reader.span(member_range(k, v));
            let value = self.value(Some(v), u, e, depth + 1);
            attrs.push((
                name.to_string(),
                Attr {
                    value,
                    span,
                    origin: span,
                    set_by: SetBy::InPlace,
                    unset: None,
                },
            ));
            let items = v.as_seq();
            if !items.is_empty() && items.iter().all(Node::is_map) {
                for (i, item) in items.iter().enumerate() {
                    let u = unknown
                        .and_then(|u| u.get(name))
                        .and_then(|u| u.as_seq().get(i));
                    let e = block_expr(e, i);
                    body.blocks.push((
                        name.to_string(),
                        Block {
                            body: self.body(Some(item), u, e, depth + 1),
                            span: self.reader.span(item.range),
                        },
                    ));
                }
            }
        }
        body.attrs = attrs.into_iter().collect();
        // Attributes that are unknown as a whole are absent from the values.
        let mut unknowns = Vec::new();
        for (k, u) in unknown.map(Node::as_map).unwrap_or(&[]) {
            let Some(name) = k.as_str() else { continue };
            if body.attrs.contains_key(name) {
                continue;
            }
            if !is_true(Some(u)) && !matches!(u.value, NodeValue::Seq(_) | NodeValue::Map(_)) {
                continue;
            }
            let e = exprs.and_then(|e| e.get(name));
            let span = self.reader.span(member_range(k, u));
            let value = self.value(None, Some(u), e, depth + 1);
            unknowns.push((
                name.to_string(),
                Attr {
                    value,
                    span,
                    origin: span,
                    set_by: SetBy::InPlace,
                    unset: None,
                },
            ));
        }
        body.attrs.extend(unknowns);
        body
    }

    fn value(
        &self,
        node: Option<&Node>,
        unknown: Option<&Node>,
        expr: Option<&Node>,
        depth: usize,
    ) -> Value {
        if is_true(unknown) {
            let targets = attr_targets(self.frames, expr);
            return match targets.len() {
                0 => Value::Unknown,
                1 => {
                    let (address, attr) = targets.into_iter().next().unwrap_or_default();
                    Value::Ref { address, attr }
                }
                // `[aws_subnet.a.id, aws_subnet.b.id]`: a list of the
                // attributes it names.
                _ => Value::List(
                    targets
                        .into_iter()
                        .map(|(address, attr)| Value::Ref { address, attr })
                        .collect(),
                ),
            };
        }
        if depth > MAX_DEPTH {
            return Value::Unknown;
        }
        let unknown_items = unknown.map(Node::as_seq).unwrap_or(&[]);
        match node.map(|n| &n.value) {
            Some(NodeValue::Scalar { text, plain }) => {
                if !plain {
                    return Value::String(text.to_string());
                }
                match &**text {
                    "null" => Value::Null,
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => text
                        .parse::<f64>()
                        .map_or_else(|_| Value::String(text.to_string()), Value::Number),
                }
            }
            Some(NodeValue::Seq(items)) => {
                self.list(items.iter().map(Some), unknown_items, expr, depth)
            }
            None if !unknown_items.is_empty() => self.list(
                unknown_items.iter().map(|_| None),
                unknown_items,
                expr,
                depth,
            ),
            Some(NodeValue::Map(entries)) => {
                let mut map = BTreeMap::new();
                for (k, v) in entries {
                    let Some(k) = k.as_str() else { continue };
                    let u = unknown.and_then(|u| u.get(k));
                    map.insert(k.to_string(), self.value(Some(v), u, None, depth + 1));
                }
                for (k, u) in unknown.map(Node::as_map).unwrap_or(&[]) {
                    let Some(k) = k.as_str() else { continue };
                    if !map.contains_key(k) && is_true(Some(u)) {
                        map.insert(k.to_string(), Value::Unknown);
                    }
                }
                Value::Map(map)
            }
            None => match unknown.map(|u| &u.value) {
                Some(NodeValue::Map(_)) => self.value(
                    Some(&Node {
                        range: TextRange::empty(0),
                        value: NodeValue::Map(Box::default()),
                    }),
                    unknown,
                    expr,
                    depth,
                ),
                _ => Value::Unknown,
            },
        }
    }

    /// A list whose elements may be unknown one by one
    /// (`after_unknown: [true, true]`). When the expression names as many
    /// resource attributes as there are unknown elements, they are taken in
    /// order.
    fn list<'n>(
        &self,
        items: impl ExactSizeIterator<Item = Option<&'n Node>>,
        unknown: &[Node],
        expr: Option<&Node>,
        depth: usize,
    ) -> Value {
        let unknown_count = unknown.iter().filter(|u| is_true(Some(u))).count();
        let mut targets = if unknown_count > 0 {
            let t = attr_targets(self.frames, expr);
            if t.len() == unknown_count {
                t
            } else {
                Vec::new()
            }
        } else {
            Vec::new()
        }
        .into_iter();
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.enumerate() {
            let u = unknown.get(i);
            if is_true(u) {
                out.push(
                    targets
                        .next()
                        .map_or(Value::Unknown, |(address, attr)| Value::Ref {
                            address,
                            attr,
                        }),
                );
            } else {
                let e = block_expr(expr, i);
                out.push(self.value(item, u, e, depth + 1));
            }
        }
        Value::List(out)
    }
}

/// The configuration of the `i`th element of a nested block.
fn block_expr(expr: Option<&Node>, i: usize) -> Option<&Node> {
    let expr = expr?;
    if is_expression(expr) {
        return None;
    }
    expr.as_seq()
        .get(i)
        .or(if expr.is_map() { Some(expr) } else { None })
}

// ---------------------------------------------------------------------------
// Merge

/// Merges resources read from HCL with the same configuration's plan or
/// state. Values come from the plan (they are resolved); locations come from
/// the HCL where it has them: the resource span, and the span and origin of
/// every attribute (and nested block) the HCL has. Attributes only the plan
/// knows keep their JSON spans. An HCL resource whose address has no
/// instance key stands for every plan instance of it (`count`/`for_each`
/// unknown to the HCL reader). Unmatched resources of either side are kept
/// as they are; references are the union, deduplicated by target.
pub fn merge(hcl: Vec<Resource>, plan: Vec<Resource>) -> Vec<Resource> {
    // Nothing to match (a plan read without its configuration): the plan as
    // it is, without indexing its addresses.
    if hcl.is_empty() {
        return plan;
    }
    let mut plan: Vec<Option<Resource>> = plan.into_iter().map(Some).collect();
    let mut by_address: HashMap<String, usize> = HashMap::new();
    let mut by_stripped: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in plan.iter().enumerate() {
        let Some(r) = r else { continue };
        by_address.entry(r.address.clone()).or_insert(i);
        if let Some(s) = strip_keys(&r.address) {
            by_stripped.entry(s).or_default().push(i);
        }
    }
    let exact: HashSet<&str> = hcl.iter().map(|r| r.address.as_str()).collect();
    let mut claimed_instances: Vec<Vec<usize>> = Vec::with_capacity(hcl.len());
    for h in &hcl {
        let mut matched = Vec::new();
        if let Some(&i) = by_address.get(&h.address) {
            matched.push(i);
        } else if strip_keys(&h.address).as_deref() == Some(h.address.as_str()) {
            for &i in by_stripped
                .get(&h.address)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if let Some(p) = &plan[i]
                    && !exact.contains(p.address.as_str())
                {
                    matched.push(i);
                }
            }
        }
        claimed_instances.push(matched);
    }

    let mut out = Vec::with_capacity(hcl.len() + plan.len());
    for (h, matched) in hcl.into_iter().zip(claimed_instances) {
        let mut taken: Vec<Resource> = matched.iter().filter_map(|&i| plan[i].take()).collect();
        if taken.is_empty() {
            out.push(h);
            continue;
        }
        for p in &mut taken {
            merge_one(p, &h);
        }
        out.extend(taken);
    }
    out.extend(plan.into_iter().flatten());
    out
}

fn merge_one(p: &mut Resource, h: &Resource) {
    p.span = h.span;
    p.call = h.call;
    merge_body(&mut p.body, &h.body);
    p.region = match (p.region.take(), &h.region) {
        (Some((value, _)), Some((_, span))) => Some((value, *span)),
        (Some(r), None) => Some(r),
        (None, r) => r.clone(),
    };
    let mut refs = h.references.clone();
    for r in std::mem::take(&mut p.references) {
        if !refs.iter().any(|x| x.target == r.target) {
            refs.push(r);
        }
    }
    p.references = refs;
}

fn merge_body(p: &mut Body, h: &Body) {
    let mut missing = Vec::new();
    for (name, hattr) in &h.attrs {
        match p.attrs.get_mut(name) {
            Some(pattr) => {
                pattr.span = hattr.span;
                pattr.origin = hattr.origin;
                pattr.set_by = hattr.set_by;
                // The HCL reader names the attribute the plan leaves unknown.
                if pattr.value == Value::Unknown && !hattr.value.refs().is_empty() {
                    pattr.value = hattr.value.clone();
                }
            }
            None => missing.push((name.clone(), hattr.clone())),
        }
    }
    p.attrs.extend(missing);
    let mut kinds: Vec<&str> = h.blocks.iter().map(|(k, _)| k.as_str()).collect();
    kinds.dedup();
    let mut seen = HashSet::new();
    for kind in kinds {
        if !seen.insert(kind) {
            continue;
        }
        let hblocks: Vec<&Block> = h.blocks(kind).collect();
        let has_plan_blocks = p.blocks.iter().any(|(k, _)| k == kind);
        if !has_plan_blocks {
            if !p.attrs.contains_key(kind) {
                p.blocks
                    .extend(hblocks.iter().map(|b| (kind.to_string(), (*b).clone())));
            }
        } else {
            let pblocks = p.blocks.iter_mut().filter(|(k, _)| k == kind);
            for ((_, pb), hb) in pblocks.zip(&hblocks) {
                pb.span = hb.span;
                merge_body(&mut pb.body, &hb.body);
            }
        }
        // The plan's list-of-objects attribute for the same blocks.
        if let (Some(first), false) = (hblocks.first(), h.attrs.contains_key(kind))
            && let Some(pattr) = p.attrs.get_mut(kind)
        {
            pattr.span = first.span;
            pattr.origin = first.span;
            pattr.set_by = SetBy::InPlace;
        }
    }
}

#[cfg(test)]
mod tests;
