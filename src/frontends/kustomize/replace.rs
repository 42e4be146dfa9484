//! `replacements` and `vars`: values copied from one object's field into
//! other objects' fields, as kustomize's replacement transformer and its
//! older variables do. A copied value keeps the range of the field it was
//! copied from, so a finding on it points at the source's line.

use super::base::{Build, Kz, Resource, Var, selects};
use super::fieldpath::{self, Seg};
use super::merge::string;
use crate::parse::Node;
use crate::parse::tree::Value;
use crate::source::TextRange;
use std::collections::HashMap;

/// The field a replacement's source or target means when it names none.
const DEFAULT_PATH: &str = "metadata.name";

/// Whether `node` is what a replacement file holds: a replacement
/// (`source` and `targets`, no `kind`) or a list of them.
pub fn is_replacement(node: &Node) -> bool {
    let one = |n: &Node| {
        n.get("kind").is_none()
            && n.get("source").is_some()
            && n.get("targets").is_some_and(Node::is_seq)
    };
    match &node.value {
        Value::Seq(items) => !items.is_empty() && items.iter().all(one),
        _ => one(node),
    }
}

/// Applies the kustomization's `replacements`, inline or from files, in
/// order.
pub fn replacements(build: &mut Build<'_, '_>, kz: &Kz<'_>, out: &mut [Resource]) {
    for entry in kz
        .node
        .get("replacements")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let list: Vec<Node> = match entry.get("path").and_then(Node::as_text) {
            Some(path) => {
                let at = entry.get("path").map_or(entry.range, |n| n.range);
                build
                    .file_docs(kz, path, at)
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|doc| match doc.value {
                        Value::Seq(items) => items.into_vec(),
                        _ => vec![doc],
                    })
                    .collect()
            }
            None => vec![entry.clone()],
        };
        for replacement in list.iter().filter(|n| !n.as_map().is_empty()) {
            replace(build, replacement, out);
        }
    }
}

/// A path of a replacement (`fieldPath`, or an entry of `fieldPaths`), or
/// an error at it.
fn path_at(build: &mut Build<'_, '_>, node: Option<&Node>, at: TextRange) -> Option<Vec<Seg>> {
    let text = node.and_then(Node::as_text).unwrap_or(DEFAULT_PATH);
    let parsed = fieldpath::parse(text);
    if parsed.is_none() {
        build.error(
            node.map_or(at, |n| n.range),
            format!("`{text}` is not a field path"),
            "field path",
        );
    }
    parsed
}

/// `options.delimiter` and `options.index` of a source or target.
fn delimited(options: Option<&Node>) -> Option<(&str, i64)> {
    let options = options?;
    let delimiter = options
        .get("delimiter")
        .and_then(Node::as_str)
        .filter(|d| !d.is_empty())?;
    let index = options.get("index").and_then(Node::as_i64).unwrap_or(0);
    Some((delimiter, index))
}

fn replace(build: &mut Build<'_, '_>, replacement: &Node, out: &mut [Resource]) {
    let Some(source) = replacement.get("source") else {
        build.error(
            replacement.range,
            "a replacement needs a `source`".into(),
            "no source",
        );
        return;
    };
    let Some(path) = path_at(build, source.get("fieldPath"), source.range) else {
        return;
    };
    let chosen: Vec<&Resource> = out.iter().filter(|r| selects(source, r)).collect();
    if chosen.len() > 1 {
        build.error(
            source.range,
            format!(
                "the replacement's source selects {} objects, not one",
                chosen.len()
            ),
            "several sources",
        );
        return;
    }
    // A source the build does not hold (an object of a kind the run does
    // not keep) or a field it does not have: the targets stay as they are.
    let Some(value) = chosen
        .first()
        .and_then(|r| fieldpath::get(&r.node, &path).first().copied())
        .filter(|v| !v.is_null())
        .cloned()
    else {
        return;
    };
    let value = match delimited(source.get("options")) {
        Some((delimiter, index)) => {
            let Some(text) = value.as_str() else {
                build.error(
                    source.range,
                    "a `delimiter` needs a scalar source".into(),
                    "not a scalar",
                );
                return;
            };
            let parts: Vec<&str> = text.split(delimiter).collect();
            match usize::try_from(index).ok().and_then(|i| parts.get(i)) {
                Some(part) => Node::scalar(value.range, part, plain(&value)),
                None => {
                    build.error(
                        source.range,
                        format!("`index: {index}` is out of bounds for `{text}`"),
                        "index",
                    );
                    return;
                }
            }
        }
        None => value,
    };
    for target in replacement
        .get("targets")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        into_target(build, target, &value, out);
    }
}

fn plain(node: &Node) -> bool {
    node.plain_text().is_some()
}

fn into_target(build: &mut Build<'_, '_>, target: &Node, value: &Node, out: &mut [Resource]) {
    let Some(select) = target.get("select") else {
        build.error(
            target.range,
            "a replacement's target needs a `select`".into(),
            "no select",
        );
        return;
    };
    let rejects = target.get("reject").map(Node::as_seq).unwrap_or_default();
    let paths: Vec<Vec<Seg>> = match target.get("fieldPaths") {
        Some(list) => list
            .as_seq()
            .iter()
            .filter_map(|p| path_at(build, Some(p), target.range))
            .collect(),
        None => path_at(build, None, target.range).into_iter().collect(),
    };
    let options = target.get("options");
    let create = options
        .and_then(|o| o.get("create"))
        .and_then(Node::as_bool)
        == Some(true);
    let delimiter = delimited(options);
    let mut refused = false;
    for r in out.iter_mut() {
        if !selects(select, r) || rejects.iter().any(|x| selects(x, r)) {
            continue;
        }
        for path in &paths {
            fieldpath::visit(
                &mut r.node,
                path,
                create,
                value.range,
                &mut |field| match set_value(field, value, delimiter) {
                    Some(new) => *field = new,
                    None => refused = true,
                },
            );
        }
    }
    if refused {
        build.error(
            target.range,
            "a `delimiter` needs scalar target fields".into(),
            "not a scalar",
        );
    }
}

/// The field `field` holds once `value` is written into it: a scalar keeps
/// its type (a string stays a string), another node is replaced whole;
/// with a delimiter, `value` replaces the `index`th part of the field
/// (before the first when negative, after the last when past it). `None`
/// when a delimiter meets a field that is not a scalar.
fn set_value(field: &Node, value: &Node, delimiter: Option<(&str, i64)>) -> Option<Node> {
    let mut value = value.clone();
    if let Some((delimiter, index)) = delimiter {
        let current = field.as_str()?;
        let mut parts: Vec<&str> = current.split(delimiter).collect();
        let new = value.as_str().unwrap_or_default();
        match usize::try_from(index) {
            Err(_) => parts.insert(0, new),
            Ok(i) if i >= parts.len() => parts.push(new),
            Ok(i) => parts[i] = new,
        }
        value = Node::scalar(value.range, &parts.join(delimiter), plain(&value));
    }
    Some(match (&field.value, value.as_str()) {
        (Value::Scalar { .. }, Some(text)) => {
            Node::scalar(value.range, text, keeps_plain(field, &value))
        }
        _ => value,
    })
}

/// Whether a scalar written into `field` stays plain: a field that is a
/// string keeps reading as one; an empty field made by `create` takes the
/// value's type.
fn keeps_plain(field: &Node, value: &Node) -> bool {
    match field.plain_text() {
        None => false,
        Some(_) if field.is_null() => plain(value),
        Some(text) => !reads_as_string(text),
    }
}

/// Whether a plain scalar reads as a string (not null, a boolean or a
/// number).
fn reads_as_string(text: &str) -> bool {
    let node = Node::scalar(TextRange::empty(0), text, true);
    !(node.is_null()
        || node.as_bool().is_some()
        || node.as_i64().is_some()
        || text.parse::<f64>().is_ok_and(f64::is_finite))
}

/// The `vars` of a kustomization, added to the build's (a var declared
/// twice, differently, is an error at the second).
pub fn collect_vars(build: &mut Build<'_, '_>, kz: &Kz<'_>, out: &[Resource]) {
    for entry in kz.node.get("vars").map(Node::as_seq).unwrap_or_default() {
        let field = |path: &[&str]| entry.path(path).and_then(Node::as_text);
        let (Some(name), Some(kind), Some(object)) = (
            field(&["name"]),
            field(&["objref", "kind"]),
            field(&["objref", "name"]),
        ) else {
            build.error(
                entry.range,
                "a var needs a `name` and an `objref` with `kind` and `name`".into(),
                "var",
            );
            continue;
        };
        let Some(path) = path_at(build, entry.path(&["fieldref", "fieldpath"]), entry.range) else {
            continue;
        };
        let namespace = field(&["objref", "namespace"]);
        // The object as this kustomization names it: its name here (after
        // this level's prefix), which stays one of its names above.
        let mine: Vec<&Resource> = out
            .iter()
            .filter(|r| {
                r.kind() == kind && r.named(object) && namespace.is_none_or(|n| n == r.namespace())
            })
            .collect();
        let object = match mine.as_slice() {
            [one] => one.name(),
            _ => object,
        };
        let var = Var {
            name: name.to_string(),
            kind: kind.to_string(),
            object: object.to_string(),
            namespace: namespace.map(str::to_string),
            api: field(&["objref", "apiVersion"]).map(str::to_string),
            path,
            at: entry.range,
        };
        match build.vars.iter().find(|v| v.name == var.name) {
            // A base built twice in one build declares its vars twice.
            Some(v) if v.at == var.at => {}
            Some(_) => build.error(
                entry.range,
                format!("the var `{name}` is declared twice"),
                "var declared twice",
            ),
            None => build.vars.push(var),
        }
    }
}

/// Where kustomize substitutes `$(VAR)` by default, by kind: the
/// containers' `command`, `args`, `env[].value` and `volumeMounts[]`
/// `mountPath`, NFS volumes' `server`, Ingress hosts and TLS secrets, a
/// Service's ports, labels and annotations.
fn var_fields(kind: &str) -> Vec<Vec<&'static str>> {
    const POD: &[&[&str]] = &[
        &["containers", "args"],
        &["containers", "command"],
        &["containers", "env", "value"],
        &["containers", "volumeMounts", "mountPath"],
        &["initContainers", "args"],
        &["initContainers", "command"],
        &["initContainers", "env", "value"],
        &["initContainers", "volumeMounts", "mountPath"],
        &["volumes", "nfs", "server"],
    ];
    let pod: &[&str] = match kind {
        "Pod" => &["spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        "Deployment" | "DaemonSet" | "Job" | "ReplicaSet" | "StatefulSet" => {
            &["spec", "template", "spec"]
        }
        _ => &[],
    };
    let mut out: Vec<Vec<&str>> = vec![vec!["metadata", "labels"], vec!["metadata", "annotations"]];
    if !pod.is_empty() {
        out.extend(POD.iter().map(|f| [pod, f].concat()));
        let template: &[&str] = if kind == "CronJob" {
            &[
                "spec",
                "jobTemplate",
                "spec",
                "template",
                "metadata",
                "annotations",
            ]
        } else if kind == "Pod" {
            &[]
        } else {
            &["spec", "template", "metadata", "annotations"]
        };
        if !template.is_empty() {
            out.push(template.to_vec());
        }
    }
    match kind {
        "Ingress" => {
            out.push(vec!["spec", "rules", "host"]);
            out.push(vec!["spec", "tls", "hosts"]);
            out.push(vec!["spec", "tls", "secretName"]);
        }
        "PersistentVolume" => out.push(vec!["spec", "nfs", "server"]),
        "Service" => {
            out.push(vec!["spec", "ports", "port"]);
            out.push(vec!["spec", "ports", "targetPort"]);
        }
        _ => {}
    }
    out
}

/// The root's last step when vars are declared: each var's value is read
/// from its object (as the build made it, hash suffix included) and
/// written where `$(NAME)` appears in the fields kustomize substitutes.
pub fn resolve_vars(build: &mut Build<'_, '_>, out: &mut [Resource]) {
    if build.vars.is_empty() {
        return;
    }
    let mut values: HashMap<String, Node> = HashMap::new();
    let vars = build.vars.clone();
    for var in &vars {
        let found: Vec<&Resource> = out
            .iter()
            .filter(|r| {
                r.kind() == var.kind
                    && r.named(&var.object)
                    && var.namespace.as_deref().is_none_or(|n| n == r.namespace())
            })
            .collect();
        // Of several objects so named, the one of the var's API version.
        let found: Vec<&Resource> = if found.len() > 1 {
            found
                .into_iter()
                .filter(|r| {
                    var.api
                        .as_deref()
                        .is_none_or(|a| r.node.get("apiVersion").and_then(Node::as_text) == Some(a))
                })
                .collect()
        } else {
            found
        };
        if found.len() > 1 {
            build.error(
                var.at,
                format!(
                    "the var `{}` names {} objects, not one",
                    var.name,
                    found.len()
                ),
                "ambiguous var",
            );
            continue;
        }
        if let Some(value) = found
            .first()
            .and_then(|r| fieldpath::get(&r.node, &var.path).first().copied())
            .filter(|v| matches!(v.value, Value::Scalar { .. }))
        {
            values.insert(var.name.clone(), value.clone());
        }
    }
    let custom = build.config.var_refs.clone();
    for r in out.iter_mut() {
        let kind = r.kind().to_string();
        let mut paths = var_fields(&kind);
        for spec in custom.iter().filter(|s| s.applies(&r.node)) {
            let path = spec.path();
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        for path in paths {
            fieldpath::each_spec_scalar(&mut r.node, &path, &mut |field| {
                if let Some(new) = substitute(field, &values) {
                    *field = new;
                }
            });
        }
    }
}

/// `field` with `$(NAME)` replaced by the vars' values, as Kubernetes
/// expands a container's variables (`$$` is a `$`; an unknown name stays
/// as written); a field that is `$(NAME)` alone becomes the value, of its
/// type. `None` when nothing changes.
fn substitute(field: &Node, values: &HashMap<String, Node>) -> Option<Node> {
    let text = field.as_str().filter(|t| t.contains('$'))?;
    if let Some(name) = text.strip_prefix("$(").and_then(|t| t.strip_suffix(')'))
        && let Some(value) = values.get(name)
    {
        // Of the value's type, where the field is written.
        return Some(Node {
            range: field.range,
            value: value.value.clone(),
        });
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            match values.get(&inner[..end]).and_then(Node::as_str) {
                Some(v) => out.push_str(v),
                None => {
                    out.push_str("$(");
                    out.push_str(&inner[..=end]);
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    (out != text).then(|| string(field.range, &out))
}
