//! Patches: Kubernetes strategic merge patches and JSON 6902 patches,
//! applied to object trees as `kustomize build` applies them.
//!
//! A value a patch sets keeps the patch's byte range, key and value both
//! (so that `replicas: 4` of an overlay's patch is where a finding points);
//! what the patch does not touch keeps the base's.

use crate::parse::Node;
use crate::parse::tree::Value;
use crate::source::TextRange;

/// How deep a patch may nest before it is refused.
const MAX_DEPTH: usize = 200;

/// A value a patch (or a transformer) wrote over one the object had: where
/// the new value is, and where the old one was, with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overwrite {
    /// The new value's range.
    pub new: TextRange,
    /// The old value's range.
    pub old: TextRange,
    /// The old entry's key's range (none for a list item).
    pub old_key: Option<TextRange>,
    /// The old entry as a reader knows it: `replicas: 3`, else the key.
    pub text: String,
}

impl Overwrite {
    /// The value `old` of `name` (written at `old_key`) replaced by one at
    /// `new`.
    pub fn of(name: &str, old_key: Option<&Node>, old: &Node, new: TextRange) -> Self {
        let text = match old.as_text() {
            Some(t) if !t.contains('\n') && t.chars().count() <= 60 => format!("{name}: {t}"),
            _ => name.to_string(),
        };
        Self {
            new,
            old: old.range,
            old_key: old_key.map(|k| k.range),
            text,
        }
    }
}

/// The key of an entry, as a new node at `range`.
pub fn key(range: TextRange, text: &str) -> Node {
    Node::scalar(range, text, true)
}

/// A string scalar at `range`.
pub fn string(range: TextRange, text: &str) -> Node {
    Node::scalar(range, text, false)
}

/// A mapping at `range`.
pub fn map(range: TextRange, entries: Vec<(Node, Node)>) -> Node {
    Node {
        range,
        value: Value::Map(entries.into_boxed_slice()),
    }
}

/// Takes the entries of a mapping out of it (none when it is not one).
pub fn take_entries(node: &mut Node) -> Vec<(Node, Node)> {
    match &mut node.value {
        Value::Map(entries) => std::mem::take(entries).into_vec(),
        _ => Vec::new(),
    }
}

/// Takes the items of a sequence out of it (none when it is not one).
pub fn take_items(node: &mut Node) -> Vec<Node> {
    match &mut node.value {
        Value::Seq(items) => std::mem::take(items).into_vec(),
        _ => Vec::new(),
    }
}

/// The value of `key` in a mapping, to change.
pub fn get_mut<'n>(node: &'n mut Node, key: &str) -> Option<&'n mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// Sets `key` of a mapping to `value` (written at `key_node`), replacing
/// the entry there is; a node that is not a mapping becomes one.
pub fn set(node: &mut Node, key_node: Node, value: Node) {
    let name = key_node.as_str().unwrap_or_default().to_string();
    if !node.is_map() {
        node.value = Value::Map(Box::default());
    }
    let mut entries = take_entries(node);
    match entries.iter().rposition(|(k, _)| k.as_str() == Some(&name)) {
        Some(i) => entries[i] = (key_node, value),
        None => entries.push((key_node, value)),
    }
    node.value = Value::Map(entries.into_boxed_slice());
}

/// Removes `key` from a mapping.
pub fn remove(node: &mut Node, key: &str) -> Option<Node> {
    let mut entries = take_entries(node);
    let found = entries
        .iter()
        .rposition(|(k, _)| k.as_str() == Some(key))
        .map(|i| entries.remove(i).1);
    if node.is_map() || !entries.is_empty() || found.is_some() {
        node.value = Value::Map(entries.into_boxed_slice());
    }
    found
}

/// The value of a mapping at a path of keys, made where missing (at
/// `range`); `None` when a node on the way is neither absent nor a mapping.
pub fn ensure_path<'n>(
    node: &'n mut Node,
    path: &[&str],
    range: TextRange,
) -> Option<&'n mut Node> {
    let mut here = node;
    for part in path {
        if !here.is_map() {
            return None;
        }
        if here.get(part).is_none_or(Node::is_null) {
            set(here, key(range, part), map(range, Vec::new()));
        }
        here = get_mut(here, part)?;
        if !here.is_map() {
            return None;
        }
    }
    Some(here)
}

/// The field of each list Kubernetes merges item by item, by the name of
/// the list: the other lists a patch replaces whole.
fn merge_key(field: &str, items: &[Node]) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "conditions" => {
            if field == "conditions" {
                "type"
            } else {
                "name"
            }
        }
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ports" => {
            // A container's ports merge by container port, a Service's by
            // port.
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Whether a list of scalars merges as a set (`finalizers`).
fn merges_as_set(field: &str) -> bool {
    matches!(field, "finalizers")
}

/// The `$patch` directive of a mapping.
fn directive(node: &Node) -> Option<&str> {
    node.get("$patch").and_then(Node::as_text)
}

/// A patch value with its directives removed.
pub fn strip(node: &Node) -> Node {
    match &node.value {
        Value::Map(entries) => Node {
            range: node.range,
            value: Value::Map(
                entries
                    .iter()
                    .filter(|(k, _)| !k.as_str().is_some_and(|k| k.starts_with('$')))
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
        },
        Value::Seq(items) => Node {
            range: node.range,
            value: Value::Seq(
                items
                    .iter()
                    .filter(|i| directive(i).is_none())
                    .map(strip)
                    .collect(),
            ),
        },
        Value::Scalar { .. } => node.clone(),
    }
}

/// Whether a strategic merge patch deletes the whole object.
pub fn deletes_object(patch: &Node) -> bool {
    directive(patch) == Some("delete")
}

/// Applies the strategic merge patch `patch` to `target`. `Err` when it
/// nests deeper than spof follows.
pub fn strategic(target: &mut Node, patch: &Node) -> Result<(), String> {
    strategic_keyed(target, patch, &[], &mut Vec::new())
}

/// [`strategic`], with the merge keys a schema declares for the lists of
/// the object's kind (the path of mapping keys to the list, the key), which
/// go before the ones Kubernetes' lists have by their names. Each value the
/// patch writes over one the object had is added to `overwrites`.
pub fn strategic_keyed(
    target: &mut Node,
    patch: &Node,
    keys: &[(Vec<String>, String)],
    overwrites: &mut Vec<Overwrite>,
) -> Result<(), String> {
    let mut at = Keyed {
        keys,
        path: Vec::new(),
        overwrites,
    };
    merge_map(target, patch, 0, &mut at)
}

/// Where a merge is, for the merge keys of a schema, and the values it
/// wrote over.
struct Keyed<'k, 'o> {
    keys: &'k [(Vec<String>, String)],
    path: Vec<String>,
    overwrites: &'o mut Vec<Overwrite>,
}

impl Keyed<'_, '_> {
    fn key(&self) -> Option<&str> {
        self.keys
            .iter()
            .find(|(p, _)| *p == self.path)
            .map(|(_, k)| k.as_str())
    }
}

fn merge_map(
    target: &mut Node,
    patch: &Node,
    depth: usize,
    at: &mut Keyed<'_, '_>,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("the patch nests deeper than {MAX_DEPTH} levels"));
    }
    if directive(patch) == Some("replace") || !target.is_map() {
        *target = strip(patch);
        return Ok(());
    }
    for (k, v) in patch.as_map() {
        let Some(name) = k.as_str() else { continue };
        if name.starts_with('$') {
            continue;
        }
        if v.is_null() {
            remove(target, name);
            continue;
        }
        match get_mut(target, name) {
            Some(existing) if v.is_map() && existing.is_map() => {
                if directive(v) == Some("delete") {
                    remove(target, name);
                } else {
                    at.path.push(name.to_string());
                    let merged = merge_map(existing, v, depth + 1, at);
                    at.path.pop();
                    merged?;
                }
            }
            Some(existing) if v.is_seq() && existing.is_seq() => {
                at.path.push(name.to_string());
                let merged = merge_list(existing, v, name, depth + 1, at);
                at.path.pop();
                merged?;
            }
            _ if directive(v) == Some("delete") => {
                remove(target, name);
            }
            _ => {
                if let Some((old_key, old)) = target.entry(name) {
                    at.overwrites
                        .push(Overwrite::of(name, Some(old_key), old, v.range));
                }
                set(target, k.clone(), strip(v));
            }
        }
    }
    Ok(())
}

fn merge_list(
    target: &mut Node,
    patch: &Node,
    field: &str,
    depth: usize,
    at: &mut Keyed<'_, '_>,
) -> Result<(), String> {
    let patch_items = patch.as_seq();
    if patch_items.iter().any(|i| directive(i) == Some("replace")) {
        *target = strip(patch);
        return Ok(());
    }
    let mut items = take_items(target);
    if merges_as_set(field) && patch_items.iter().all(|i| i.as_str().is_some()) {
        for p in patch_items {
            if !items.iter().any(|i| i.as_str() == p.as_str()) {
                items.push(p.clone());
            }
        }
        target.value = Value::Seq(items.into_boxed_slice());
        return Ok(());
    }
    let custom = at.key().map(str::to_string);
    let Some(merge_key) = custom
        .as_deref()
        .or_else(|| merge_key(field, &items))
        .or_else(|| merge_key(field, patch_items))
    else {
        target.range = patch.range;
        target.value = strip(patch).value;
        return Ok(());
    };
    let key_of = |n: &Node| n.get(merge_key).and_then(Node::as_str).map(str::to_string);
    // Kubernetes orders the result as the patch does, then the items only
    // the object had, in their order.
    let mut merged: Vec<Node> = Vec::with_capacity(items.len() + patch_items.len());
    let mut deleted: Vec<String> = Vec::new();
    for p in patch_items {
        let Some(k) = key_of(p) else {
            merged.push(strip(p));
            continue;
        };
        let found = items.iter().position(|i| key_of(i).as_deref() == Some(&k));
        if directive(p) == Some("delete") {
            deleted.push(k);
            continue;
        }
        match found {
            Some(i) => {
                let mut item = items.remove(i);
                let named = item.get(merge_key).map(|n| n.range);
                let before = at.overwrites.len();
                merge_map(&mut item, p, depth + 1, at)?;
                // The merge key names the item: the patch repeats it, it
                // does not replace it.
                let recorded = at.overwrites.split_off(before);
                at.overwrites
                    .extend(recorded.into_iter().filter(|o| Some(o.old) != named));
                merged.push(item);
            }
            None => merged.push(strip(p)),
        }
    }
    merged.extend(
        items
            .into_iter()
            .filter(|i| key_of(i).is_none_or(|k| !deleted.contains(&k))),
    );
    target.value = Value::Seq(merged.into_boxed_slice());
    Ok(())
}

/// One JSON pointer's tokens (`/spec/containers/0/image`), unescaped.
fn pointer(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!(
            "`{path}` is not a JSON pointer (it must start with `/`)"
        ));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn child<'n>(node: &'n mut Node, token: &str) -> Option<&'n mut Node> {
    if node.is_map() {
        return get_mut(node, token);
    }
    match &mut node.value {
        Value::Seq(items) => items.get_mut(token.parse::<usize>().ok()?),
        _ => None,
    }
}

fn parent<'n>(root: &'n mut Node, tokens: &[String]) -> Result<&'n mut Node, String> {
    let mut here = root;
    for t in tokens {
        here = child(here, t).ok_or_else(|| format!("no `{t}` to patch"))?;
    }
    Ok(here)
}

/// Adds `value` at `tokens`, as JSON patch's `add` (and `replace`, when
/// `replace`: the place must exist); a value it writes over is added to
/// `overwrites`.
fn add(
    root: &mut Node,
    tokens: &[String],
    value: Node,
    replace: bool,
    overwrites: &mut Vec<Overwrite>,
) -> Result<(), String> {
    let Some((last, up)) = tokens.split_last() else {
        *root = value;
        return Ok(());
    };
    let here = parent(root, up)?;
    match &mut here.value {
        Value::Map(_) => {
            match here.entry(last) {
                Some((old_key, old)) => {
                    overwrites.push(Overwrite::of(last, Some(old_key), old, value.range));
                }
                None if replace => return Err(format!("no `{last}` to replace")),
                None => {}
            }
            set(here, key(value.range, last), value);
            Ok(())
        }
        Value::Seq(_) => {
            let mut items = take_items(here);
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>()
                    .map_err(|_| format!("`{last}` is not an index"))?
            };
            let result = if replace {
                match items.get_mut(index) {
                    Some(slot) => {
                        overwrites.push(Overwrite::of(last, None, slot, value.range));
                        *slot = value;
                        Ok(())
                    }
                    None => Err(format!("no item {index} to replace")),
                }
            } else if index <= items.len() {
                items.insert(index, value);
                Ok(())
            } else {
                Err(format!("index {index} is past the end of the list"))
            };
            here.value = Value::Seq(items.into_boxed_slice());
            result
        }
        Value::Scalar { .. } => Err(format!("`{last}` is inside a scalar")),
    }
}

fn take(root: &mut Node, tokens: &[String]) -> Result<Node, String> {
    let Some((last, up)) = tokens.split_last() else {
        return Err("the whole object cannot be removed".to_string());
    };
    let here = parent(root, up)?;
    match &mut here.value {
        Value::Map(_) => remove(here, last).ok_or_else(|| format!("no `{last}` to remove")),
        Value::Seq(_) => {
            let mut items = take_items(here);
            let index = last.parse::<usize>().ok().filter(|i| *i < items.len());
            let result = index
                .map(|i| items.remove(i))
                .ok_or_else(|| format!("no item `{last}` to remove"));
            here.value = Value::Seq(items.into_boxed_slice());
            result
        }
        Value::Scalar { .. } => Err(format!("`{last}` is inside a scalar")),
    }
}

/// Whether two trees hold the same value, wherever they were written.
pub fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Scalar { text: x, .. }, Value::Scalar { text: y, .. }) => x == y,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same_value(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    k.as_str()
                        .and_then(|k| b.get(k))
                        .is_some_and(|w| same_value(v, w))
                })
        }
        _ => false,
    }
}

/// Applies the JSON 6902 operations `ops` (a sequence of `{op, path,
/// value, from}`) to `target`; each value they write over one the object
/// had is added to `overwrites`.
pub fn json6902(
    target: &mut Node,
    ops: &Node,
    overwrites: &mut Vec<Overwrite>,
) -> Result<(), String> {
    for op in ops.as_seq() {
        let name = op.get("op").and_then(Node::as_text).unwrap_or_default();
        let path = pointer(op.get("path").and_then(Node::as_text).unwrap_or_default())?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| format!("`{name}` has no value"))
        };
        let from = || pointer(op.get("from").and_then(Node::as_text).unwrap_or_default());
        match name {
            "add" => add(target, &path, value()?, false, overwrites)?,
            "replace" => add(target, &path, value()?, true, overwrites)?,
            "remove" => {
                take(target, &path)?;
            }
            "move" => {
                let moved = take(target, &from()?)?;
                add(target, &path, moved, false, overwrites)?;
            }
            "copy" => {
                let copied = parent(target, &from()?)?.clone();
                add(target, &path, copied, false, overwrites)?;
            }
            "test" => {
                let here = parent(target, &path)?;
                if !same_value(here, &value()?) {
                    return Err(format!("the test of `{}` failed", path.join("/")));
                }
            }
            other => return Err(format!("`{other}` is not a JSON patch operation")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::{Limits, parse_stream};

    fn tree(text: &str) -> Node {
        parse_stream(text, &Limits::default()).0.remove(0).root
    }

    #[test]
    fn strategic_merge_by_keys() {
        let mut base = tree(
            "spec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x\n        env: [{name: A, value: '1'}]\n      - name: b\n        image: y\n      tolerations: [{key: k}]\n",
        );
        let patch = tree(
            "spec:\n  replicas: 4\n  template:\n    spec:\n      containers:\n      - name: a\n        env: [{name: B, value: '2'}]\n      - name: b\n        $patch: delete\n      - name: c\n        image: z\n      tolerations: [{key: j}]\n",
        );
        let mut overwrites = Vec::new();
        strategic_keyed(&mut base, &patch, &[], &mut overwrites).unwrap();
        assert_eq!(base.path(&["spec", "replicas"]).unwrap().as_i64(), Some(4));
        // The base's `replicas: 1` it replaced, and the image of `b`'s
        // deleted container is no overwrite; the replaced tolerations are
        // a list merged whole, not recorded.
        let texts: Vec<&str> = overwrites.iter().map(|o| o.text.as_str()).collect();
        assert_eq!(texts, ["replicas: 1"]);
        assert_eq!(overwrites[0].old_key.map(|k| k.start), Some(8));
        assert_eq!(overwrites[0].new.start, 18);
        let pod = base.path(&["spec", "template", "spec"]).unwrap();
        let names: Vec<_> = pod
            .get("containers")
            .unwrap()
            .as_seq()
            .iter()
            .map(|c| c.get("name").unwrap().as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "c"]);
        let a = &pod.get("containers").unwrap().as_seq()[0];
        assert_eq!(a.get("image").unwrap().as_str(), Some("x"));
        assert_eq!(a.get("env").unwrap().as_seq().len(), 2);
        // Tolerations have no merge key: replaced whole.
        assert_eq!(pod.get("tolerations").unwrap().as_seq().len(), 1);
        // The value the patch set is where the patch wrote it.
        let (k, _) = base.get("spec").unwrap().entry("replicas").unwrap();
        assert_eq!(k.range.start as usize, 8);
    }

    #[test]
    fn json_patch_operations() {
        let mut base = tree("spec:\n  replicas: 1\n  list: [a, b]\n");
        let ops = tree(
            "- {op: replace, path: /spec/replicas, value: 3}\n- {op: add, path: /spec/list/-, value: c}\n- {op: remove, path: /spec/list/0}\n- {op: add, path: /metadata, value: {name: x}}\n- {op: test, path: /metadata/name, value: x}\n",
        );
        let mut overwrites = Vec::new();
        json6902(&mut base, &ops, &mut overwrites).unwrap();
        // The replaced `replicas: 1`, at its key and value.
        assert_eq!(overwrites.len(), 1);
        assert_eq!(overwrites[0].text, "replicas: 1");
        assert_eq!(overwrites[0].old_key.map(|k| k.start), Some(8));
        assert_eq!(base.path(&["spec", "replicas"]).unwrap().as_i64(), Some(3));
        let list: Vec<_> = base
            .path(&["spec", "list"])
            .unwrap()
            .as_seq()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert_eq!(list, ["b", "c"]);
        let bad = tree("- {op: replace, path: /spec/none, value: 3}\n");
        assert!(json6902(&mut base, &bad, &mut Vec::new()).is_err());
        let bad = tree("- {op: add, path: spec, value: 3}\n");
        assert!(json6902(&mut base, &bad, &mut Vec::new()).is_err());
    }
}
