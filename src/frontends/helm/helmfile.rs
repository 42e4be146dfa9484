//! helmfile's state beyond its releases: `bases` (other state files merged
//! before the helmfile's own documents) and `environments` (each with its
//! values, which the helmfile's templates read). A helmfile with
//! environments declares its releases once per environment: each
//! release's templated fields (`{{ .Environment.Name }}`, `{{ .Values.x
//! }}`, `{{ .StateValues.x }}`, `{{ .Environment.Values.x }}`) are rendered
//! with the environment's name and values, scalar by scalar, so that the
//! positions of the rest stay those of the file.

use super::funcs::{self, Shared};
use super::values;
use crate::parse::tree::{Node, Value as Tree};
use crate::source::{FileId, SourceMap, TextRange};
use gotmpl::{Template, Value};
use std::path::Path;
use std::sync::Arc;

/// One environment a helmfile's releases are declared for.
pub struct Environment {
    pub name: String,
    /// Its values, merged in order (the later wins).
    pub values: Value,
    /// Why its values cannot be read, and where it says so.
    pub unreadable: Option<(FileId, TextRange, String)>,
}

/// The documents of a helmfile's state in the order helmfile merges them:
/// each base's (relative to the helmfile's directory, among the run's
/// files), then the helmfile's own. A base that is not among the run's
/// files is named, with its position, in `missing`.
pub fn state<'d>(
    own: &'d [crate::parse::Document],
    dir: &Path,
    documents: &'d crate::frontends::documents::Documents<'_>,
    sources: &SourceMap,
    missing: &mut Vec<(TextRange, String)>,
) -> Vec<(Option<FileId>, &'d Node)> {
    let mut out = Vec::new();
    for doc in own {
        for base in doc.root.get("bases").map_or(&[][..], Node::as_seq) {
            let Some(path) = base.as_text() else { continue };
            let wanted = crate::discover::lexical_normalize(&dir.join(path));
            let file = documents
                .files
                .iter()
                .find(|f| super::releases::absolute(&sources.get(f.file).path) == wanted);
            match file {
                Some(file) if super::releases::stays_below(path) => {
                    out.extend(file.docs.iter().map(|d| (Some(file.file), &d.root)));
                }
                _ => missing.push((base.range, path.to_string())),
            }
        }
    }
    out.extend(own.iter().map(|d| (None, &d.root)));
    out
}

/// The environments the state declares, in the order first declared; a
/// later declaration of one name adds its values after the earlier's.
/// Empty when the state declares none.
pub fn environments(
    state: &[(Option<FileId>, &Node)],
    own: FileId,
    dir: &Path,
    sources: &SourceMap,
) -> Vec<Environment> {
    let mut out: Vec<Environment> = Vec::new();
    for (file, root) in state {
        let file = file.unwrap_or(own);
        for (key, env) in root.get("environments").map_or(&[][..], Node::as_map) {
            let Some(name) = key.as_str() else { continue };
            let at = match out.iter().position(|e| e.name == name) {
                Some(i) => i,
                None => {
                    out.push(Environment {
                        name: name.to_string(),
                        values: Value::Nil,
                        unreadable: None,
                    });
                    out.len() - 1
                }
            };
            for entry in env.get("values").map_or(&[][..], Node::as_seq) {
                let layer = match entry.as_text() {
                    Some(path) => values_file(path, dir, sources),
                    None if entry.is_map() => Ok(values::from_node(entry)),
                    None => Ok(Value::Nil),
                };
                match layer {
                    Ok(layer) => {
                        let merged = values::merge(&layer, &out[at].values, 0);
                        out[at].values = merged;
                    }
                    Err(message) => {
                        out[at]
                            .unreadable
                            .get_or_insert((file, entry.range, message));
                    }
                }
            }
        }
    }
    out
}

/// An environment's values file, relative to the helmfile's directory.
fn values_file(path: &str, dir: &Path, sources: &SourceMap) -> Result<Value, String> {
    if !super::releases::stays_below(path) {
        return Err(format!(
            "environment values file `{path}` is outside the helmfile's directory"
        ));
    }
    if path.ends_with(".gotmpl") {
        return Err(format!(
            "environment values file `{path}` is a template, which spof does not evaluate"
        ));
    }
    let wanted = crate::discover::lexical_normalize(&dir.join(path));
    let Some((_, file)) = sources
        .iter()
        .find(|(_, f)| super::releases::absolute(&f.path) == wanted)
    else {
        return Err(format!(
            "environment values file `{path}` is not among the checked files"
        ));
    };
    match values::decode(file.text()) {
        Ok(v) => Ok(v.unwrap_or(Value::Nil)),
        Err(e) => Err(format!("environment values file `{path}` is not YAML: {e}")),
    }
}

/// What a helmfile's templates see of `env`.
fn data(env: &Environment) -> Value {
    let values = match &env.values {
        Value::Nil => values::empty_map(),
        v => v.clone(),
    };
    let environment = values::map(
        [
            (Arc::from("Name"), values::s(&env.name)),
            (Arc::from("Values"), values.clone()),
        ]
        .into(),
    );
    values::map(
        [
            (Arc::from("Environment"), environment),
            (Arc::from("Values"), values.clone()),
            (Arc::from("StateValues"), values),
        ]
        .into(),
    )
}

/// `node` with every templated scalar rendered for `env` (positions kept);
/// the first scalar that does not render, and why, is the error.
pub fn render(node: &Node, env: &Environment) -> Result<Node, (TextRange, String)> {
    let shared = Arc::new(Shared::default());
    let funcs = funcs::funcs(&shared);
    let data = data(env);
    render_with(node, &|text| {
        Template::new("helmfile")
            .funcs(funcs.clone())
            .deadline(std::time::Instant::now().checked_add(super::TIME_LIMIT))
            .parse(text)
            .and_then(|t| t.execute_to_string(&data))
            .map_err(|e| e.to_string())
    })
}

fn render_with(
    node: &Node,
    render: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Node, (TextRange, String)> {
    let value = match &node.value {
        Tree::Scalar { text, plain } if text.contains("{{") => {
            let out = render(text).map_err(|e| (node.range, e))?;
            // A plain scalar rendered reads as YAML reads what it became
            // (`installed: {{ eq .Environment.Name "prod" }}` is a boolean).
            Tree::Scalar {
                text: out.replace("<no value>", "").into(),
                plain: *plain || !text.contains('\n'),
            }
        }
        Tree::Scalar { .. } => node.value.clone(),
        Tree::Seq(items) => Tree::Seq(
            items
                .iter()
                .map(|i| render_with(i, render))
                .collect::<Result<_, _>>()?,
        ),
        Tree::Map(entries) => Tree::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((render_with(k, render)?, render_with(v, render)?)))
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(Node {
        range: node.range,
        value,
    })
}
