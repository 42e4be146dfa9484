//! Reads every manifest below a directory and collects what `spof init`
//! proposes a configuration from: where each file is, which workloads and
//! Services it declares, which failure domains it names and which
//! operational tools it runs.

use crate::discover::{self, DiscoverOptions, Input};
use crate::frontends::documents;
use crate::frontends::kubernetes::{ROLE, TopologyKeys, WORKLOAD_KINDS, is_label_value};
use crate::frontends::tools::{self, Tool};
use crate::model::Level;
use crate::parse::{Node, yaml};
use crate::source::{LineIndex, display_path};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Everything found below the scanned directory, in path order.
#[derive(Debug, Default)]
pub struct Scan {
    /// Files spof reads (YAML and JSON) below the directory.
    pub files: usize,
    /// Files holding at least one Kubernetes object.
    pub manifests: Vec<Manifest>,
    /// Paths that could not be read, or parsed to the end, and why.
    pub problems: Vec<(String, String)>,
    /// Failure domains named anywhere, in file order.
    pub domains: Vec<Evidence>,
    pub tools: Vec<ToolFound>,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    /// Relative to the scanned directory, as shown (forward slashes).
    pub path: String,
    /// Relative to the scanned directory.
    pub relative: PathBuf,
    /// Directory components of `path`; `None` when one is not UTF-8 (such a
    /// directory cannot be named in a glob).
    pub dirs: Option<Vec<String>>,
    /// Workloads and Services: (kind, namespace, name).
    pub identities: Vec<(String, String, String)>,
    pub has_nodes: bool,
}

/// The evidence Node objects give: where the cluster's own nodes are.
pub const NODE_LABEL: &str = "Node label";

/// A failure domain named in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub level: Level,
    pub value: String,
    /// Index into [`Scan::manifests`].
    pub file: usize,
    pub line: u32,
    /// What names it: `Node label`, `nodeSelector`, `node affinity`, ...
    pub source: String,
}

/// An operational tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolFound {
    /// The tool of the catalog (`rules/tools.toml`) it is, as `spof check`
    /// recognises it; for an object annotated `spof.dev/role: tool`, the one
    /// its name suggests, if any.
    pub tool: Option<&'static Tool>,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// Index into [`Scan::manifests`].
    pub file: usize,
    pub line: u32,
    /// Why it is listed: `image quay.io/argoproj/argocd:v2.9.3`,
    /// `annotated spof.dev/role: tool`.
    pub evidence: String,
}

/// What one file contributes; `file` indices are filled in by [`scan`].
struct FileScan {
    path: String,
    manifest: Option<Manifest>,
    problem: Option<String>,
    domains: Vec<Evidence>,
    tools: Vec<ToolFound>,
}

/// Walks `dir` as `spof check` would (honouring `.gitignore`, skipping
/// hidden files) and reads every YAML and JSON file in it.
pub fn scan(dir: &Path, max_file_size: u64) -> Scan {
    let discovered = discover::discover(&DiscoverOptions {
        paths: vec![dir.to_path_buf()],
        excludes: Vec::new(),
        force_exclude: false,
        max_file_size,
        classify: crate::frontends::classify,
        side_dirs: crate::frontends::side_dirs,
    });
    let relative =
        |path: &Path| -> PathBuf { path.strip_prefix(dir).unwrap_or(path).to_path_buf() };
    let keys = TopologyKeys::default();
    // Terraform, Nomad (and other HCL) and manifest files hold no
    // Kubernetes objects: they are neither parsed as YAML nor counted.
    let results: Vec<FileScan> = discovered
        .inputs
        .par_iter()
        .filter_map(|input| match input {
            Input::File { path, kind, .. } if *kind == documents::KIND => Some(path.as_path()),
            _ => None,
        })
        .map(|path| scan_file(path, &relative(path), max_file_size, &keys))
        .collect();

    let mut out = Scan {
        files: results.len(),
        ..Scan::default()
    };
    for (path, message) in &discovered.problems {
        out.problems
            .push((display_path(&relative(path)), message.clone()));
    }
    for result in results {
        let index = out.manifests.len();
        if let Some(problem) = result.problem {
            out.problems.push((result.path, problem));
        }
        let Some(manifest) = result.manifest else {
            continue;
        };
        out.manifests.push(manifest);
        out.domains.extend(result.domains.into_iter().map(|mut e| {
            e.file = index;
            e
        }));
        out.tools.extend(result.tools.into_iter().map(|mut t| {
            t.file = index;
            t
        }));
    }
    out.problems.sort();
    out
}

fn scan_file(path: &Path, relative: &Path, max_file_size: u64, keys: &TopologyKeys) -> FileScan {
    let shown = display_path(relative);
    let mut result = FileScan {
        path: shown.clone(),
        manifest: None,
        problem: None,
        domains: Vec::new(),
        tools: Vec::new(),
    };
    let text = match discover::read_file(path, max_file_size) {
        Ok(text) => text,
        Err(err) => {
            result.problem = Some(err.to_string());
            return result;
        }
    };
    let (docs, error) = yaml::parse_stream(&text, &yaml::Limits::default());
    let lines = LineIndex::new(&text);
    let line = |node: &Node| lines.line_col(&text, node.range.start).line;
    if let Some(error) = error {
        let at = lines.line_col(&text, error.range.start).line;
        result.problem = Some(format!("line {at}: {}", error.message));
    }
    let mut objects = Vec::new();
    for doc in &docs {
        collect_objects(&doc.root, &mut objects);
    }
    if objects.is_empty() {
        return result;
    }
    let mut manifest = Manifest {
        dirs: directories(relative),
        relative: relative.to_path_buf(),
        path: shown,
        identities: Vec::new(),
        has_nodes: false,
    };
    for object in objects {
        let kind = object
            .get("kind")
            .and_then(Node::as_text)
            .unwrap_or_default();
        let metadata = object.get("metadata");
        let name_node = metadata.and_then(|m| m.get("name"));
        let name = name_node.and_then(Node::as_text);
        let namespace = metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_text)
            .unwrap_or("default");
        manifest.has_nodes |= kind == "Node";
        let mut found = Vec::new();
        domains_in(object, kind, "", false, keys, &mut found);
        result.domains.extend(
            found
                .into_iter()
                .map(|(level, value, node, source)| Evidence {
                    level,
                    value,
                    file: 0,
                    line: line(node),
                    source,
                }),
        );
        let (Some(name), Some(name_node)) = (name, name_node) else {
            continue;
        };
        let is_workload = WORKLOAD_KINDS.contains(&kind);
        if is_workload || kind == "Service" {
            manifest
                .identities
                .push((kind.to_string(), namespace.to_string(), name.to_string()));
        }
        let role = metadata
            .and_then(|m| m.path(&["annotations", ROLE]))
            .and_then(Node::as_text)
            .map(str::trim);
        if role.is_some_and(|r| r != "tool") {
            // The manifest says what it is; it is not a candidate.
            continue;
        }
        let mut images = Vec::new();
        if is_workload {
            images_in(object, false, &mut images);
        }
        let recognised = if is_workload {
            tools::detect_why(images, labels_of(object))
        } else {
            None
        };
        let annotated = role == Some("tool");
        if recognised.is_none() && !annotated {
            continue;
        }
        let mut evidence = Vec::new();
        if let Some(found) = &recognised {
            evidence.push(found.evidence.clone());
        }
        let mut tool = recognised.map(|found| found.tool);
        if annotated {
            evidence.push(format!("annotated {ROLE}: tool"));
            tool = tool.or_else(|| tools::detect_by_name(name));
        }
        result.tools.push(ToolFound {
            tool,
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            file: 0,
            line: line(name_node),
            evidence: evidence.join(", "),
        });
    }
    result.manifest = Some(manifest);
    result
}

/// The labels of an object and of its pod template: those that name what a
/// workload runs, as `spof check` reads them.
fn labels_of(object: &Node) -> Vec<(&str, &str)> {
    let template = object
        .path(&["spec", "template"])
        .or_else(|| object.path(&["spec", "jobTemplate", "spec", "template"]));
    [Some(object), template]
        .into_iter()
        .flatten()
        .filter_map(|o| o.path(&["metadata", "labels"]))
        .flat_map(Node::as_map)
        .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
        .collect()
}

/// The directory components of a relative file path, if all are UTF-8.
fn directories(relative: &Path) -> Option<Vec<String>> {
    let parent = relative.parent()?;
    parent
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .map(|c| c.as_os_str().to_str().map(str::to_string))
        .collect()
}

/// Kubernetes objects in a document: mappings with `apiVersion` and `kind`,
/// the items of a `List` expanded.
fn collect_objects<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    let kind = node.get("kind").and_then(Node::as_text);
    let api = node.get("apiVersion").and_then(Node::as_text);
    let (Some(kind), Some(_)) = (kind, api) else {
        return;
    };
    if kind.ends_with("List") && node.get("items").is_some() {
        for item in node.get("items").map(Node::as_seq).unwrap_or_default() {
            collect_objects(item, out);
        }
        return;
    }
    out.push(node);
}

/// Zone and region names anywhere in an object: a label-like entry
/// (`topology.kubernetes.io/zone: a` in Node labels or a nodeSelector), or
/// a `key`/`values` requirement with `In` or no operator (node affinity,
/// PersistentVolume node affinity, StorageClass allowedTopologies).
fn domains_in<'a>(
    node: &'a Node,
    kind: &str,
    parent: &str,
    in_node_affinity: bool,
    keys: &TopologyKeys,
    out: &mut Vec<(Level, String, &'a Node, String)>,
) {
    match &node.value {
        crate::parse::Value::Map(entries) => {
            requirement(node, kind, parent, in_node_affinity, keys, out);
            for (k, v) in entries {
                let key = k.as_str().unwrap_or_default();
                if let Some(level) = domain_level(keys, key)
                    && let Some(value) = v.as_text().filter(|v| is_label_value(v))
                {
                    let source = match (kind, parent) {
                        (_, "nodeSelector") => "nodeSelector".to_string(),
                        ("Node", "labels") => NODE_LABEL.to_string(),
                        _ => format!("{kind} {parent}"),
                    };
                    out.push((level, value.to_string(), v, source));
                }
                let affinity = in_node_affinity || key == "nodeAffinity";
                domains_in(v, kind, key, affinity, keys, out);
            }
        }
        crate::parse::Value::Seq(items) => {
            for item in items {
                domains_in(item, kind, parent, in_node_affinity, keys, out);
            }
        }
        crate::parse::Value::Scalar { .. } => {}
    }
}

fn requirement<'a>(
    node: &'a Node,
    kind: &str,
    parent: &str,
    in_node_affinity: bool,
    keys: &TopologyKeys,
    out: &mut Vec<(Level, String, &'a Node, String)>,
) {
    let Some(level) = node
        .get("key")
        .and_then(Node::as_text)
        .and_then(|k| domain_level(keys, k))
    else {
        return;
    };
    if !matches!(
        node.get("operator").and_then(Node::as_text),
        None | Some("In")
    ) {
        return;
    }
    let source = match kind {
        "PersistentVolume" => "PersistentVolume node affinity".to_string(),
        "StorageClass" => "StorageClass allowedTopologies".to_string(),
        _ if in_node_affinity => "node affinity".to_string(),
        _ => format!("{kind} {parent}"),
    };
    for value in node.get("values").map(Node::as_seq).unwrap_or_default() {
        if let Some(text) = value.as_text().filter(|v| is_label_value(v)) {
            out.push((level, text.to_string(), value, source.clone()));
        }
    }
}

fn domain_level(keys: &TopologyKeys, key: &str) -> Option<Level> {
    keys.level(key)
        .filter(|l| matches!(l, Level::Zone | Level::Region))
}

/// Container images anywhere in a workload (pod templates nest at
/// different depths: a CronJob's under `jobTemplate`).
fn images_in<'a>(node: &'a Node, in_containers: bool, out: &mut Vec<&'a str>) {
    match &node.value {
        crate::parse::Value::Map(entries) => {
            if in_containers && let Some(image) = node.get("image").and_then(Node::as_text) {
                out.push(image);
            }
            for (k, v) in entries {
                let containers = matches!(
                    k.as_str(),
                    Some("containers" | "initContainers" | "ephemeralContainers")
                );
                images_in(v, containers, out);
            }
        }
        crate::parse::Value::Seq(items) => {
            for item in items {
                images_in(item, in_containers, out);
            }
        }
        crate::parse::Value::Scalar { .. } => {}
    }
}
