//! `helmCharts`: charts inflated by a kustomization, rendered by spof's
//! Helm renderer from the kustomization's chart home (never pulled), their
//! objects then built on like any resource (the kustomization's patches,
//! namespace, prefixes and labels apply to them).

use super::base::{Build, Kz, Resource, normalize, objects_of};
use super::space::VIRTUAL;
use crate::frontends::helm::frontend::KustomizationValues;
use crate::frontends::helm::{self, Options, values};
use crate::model::KustomizeGap;
use crate::parse::Node;
use crate::parse::yaml::{self, Limits};
use crate::source::FileId;
use gotmpl::Value;
use std::path::PathBuf;

/// How deep values are merged.
const MERGE_DEPTH: usize = 0;

/// Renders every `helmCharts` entry of `kz` into `out`.
pub fn inflate(build: &mut Build<'_, '_>, kz: &Kz<'_>, out: &mut Vec<Resource>) {
    let entries = kz
        .node
        .get("helmCharts")
        .map(Node::as_seq)
        .unwrap_or_default();
    if entries.is_empty() {
        return;
    }
    let home = kz
        .node
        .get("helmGlobals")
        .and_then(|g| g.get("chartHome"))
        .and_then(Node::as_text)
        .unwrap_or("charts");
    for entry in entries {
        let first = out.len();
        chart(build, kz, entry, home, out);
        for r in &mut out[first..] {
            r.origin = Some(super::base::Origin::Generator(
                kz.path.clone(),
                "HelmChartInflationGenerator",
            ));
        }
    }
}

fn chart(
    build: &mut Build<'_, '_>,
    kz: &Kz<'_>,
    entry: &Node,
    home: &str,
    out: &mut Vec<Resource>,
) {
    let text = |k: &str| {
        entry
            .get(k)
            .and_then(Node::as_text)
            .filter(|t| !t.is_empty())
    };
    let Some(name) = text("name") else {
        build.error(
            entry.range,
            "a helmCharts entry needs a `name`".into(),
            "no name",
        );
        return;
    };
    let Some(home_dir) = build.local(kz, home, entry.range) else {
        return;
    };
    // kustomize pulls a chart with a version to `<home>/<name>-<version>/<name>`.
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(version) = text("version") {
        candidates.push(normalize(
            &home_dir.join(format!("{name}-{version}")).join(name),
        ));
    }
    candidates.push(normalize(&home_dir.join(name)));
    let Some(user) = user_values(build, kz, entry) else {
        return;
    };
    let namespace = text("namespace")
        .or_else(|| kz.node.get("namespace").and_then(Node::as_text))
        .unwrap_or("default");
    let mut options = Options {
        release_name: text("releaseName").unwrap_or("release-name").to_string(),
        namespace: namespace.to_string(),
        api_versions: entry
            .get("apiVersions")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_text)
            .map(str::to_string)
            .collect(),
        ..Options::default()
    };
    if let Some(node) = entry.get("kubeVersion").filter(|n| !n.is_null()) {
        match node.as_text().and_then(helm::kube_version) {
            Some(version) => options.kube_version = version,
            None => build.error(
                node.range,
                format!(
                    "`kubeVersion` {:?} is not a Kubernetes version (`1.28`, `v1.28.3`); the \
                     chart is rendered for {}",
                    node.as_text().unwrap_or_default(),
                    options.kube_version
                ),
                "not a version",
            ),
        }
    }
    let flag = |k: &str| entry.get(k).and_then(Node::as_bool).unwrap_or(false);
    let (skip_tests, skip_hooks) = (flag("skipTests"), flag("skipHooks"));
    let mut errors = Vec::new();
    let rendered = candidates.iter().find_map(|dir| {
        let render = helm::frontend::render_for_kustomization(
            dir,
            build.tree.sources,
            &user,
            &options,
            &Limits::default(),
            &mut errors,
        )?;
        Some((dir.clone(), render))
    });
    build.diagnostics.extend(errors);
    let Some((dir, render)) = rendered else {
        let at = entry.get("name").map_or(entry.range, |n| n.range);
        let repo = text("repo").unwrap_or("no repository");
        build.unfollowed(
            at,
            KustomizeGap::Chart,
            &format!("chart `{name}` of `helmCharts`"),
            repo,
        );
        return;
    };
    build.charts.push(crate::discover::lexical_normalize(&dir));
    // A value set in the kustomization is at its place in the build's
    // space: moved back to its file.
    for mut v in render.value_lines {
        v.set = build.space.resolve(v.set);
        build.value_lines.push(v);
    }
    for (file, docs) in render.docs {
        for doc in docs {
            let events = hook_events(&doc.root);
            let test = events.iter().any(|e| *e == "test" || *e == "test-success");
            if (skip_hooks && !events.is_empty()) || (skip_tests && test) {
                continue;
            }
            if let Some(node) = build.place(file, &doc.root) {
                objects_of(node, out);
            }
        }
    }
}

/// The values a chart is rendered with: `valuesFile`, then
/// `valuesInline` over it (`valuesMerge: override`, the default), under it
/// (`merge`) or alone (`replace`), then each of `additionalValuesFiles`;
/// with each layer's tree, the highest precedence first (`valuesInline` in
/// the build's space, a values file at its positions when it is one of the
/// run's files, else without positions). `None`, with an error, when a
/// file cannot be read.
fn user_values(
    build: &mut Build<'_, '_>,
    kz: &Kz<'_>,
    entry: &Node,
) -> Option<KustomizationValues> {
    type Layer = (Option<FileId>, Node);
    let file = |build: &mut Build<'_, '_>, node: &Node| -> Option<(Value, Option<Layer>)> {
        let path = node.as_text()?;
        let text = super::hash::read(build, kz, path, node.range)?;
        match values::decode(&text) {
            Ok(v) => Some((
                v.unwrap_or(Value::Nil),
                values_layer(build, kz, path, &text),
            )),
            Err(e) => {
                build.error(
                    node.range,
                    format!("cannot read values file `{path}`: {e}"),
                    "not YAML",
                );
                None
            }
        }
    };
    // Lowest precedence first; reversed at the end.
    let mut layers: Vec<Option<Layer>> = Vec::new();
    let mut user = match entry.get("valuesFile") {
        Some(node) => {
            let (v, layer) = file(build, node)?;
            layers.push(layer);
            v
        }
        None => Value::Nil,
    };
    if let Some(node) = entry.get("valuesInline") {
        let inline = values::from_node(node);
        let layer = Some((Some(VIRTUAL), node.clone()));
        user = match entry.get("valuesMerge").and_then(Node::as_text) {
            Some("replace") => {
                layers = vec![layer];
                inline
            }
            Some("merge") if !matches!(user, Value::Nil) => {
                layers.insert(0, layer);
                values::merge(&user, &inline, MERGE_DEPTH)
            }
            Some("merge") => {
                layers = vec![layer];
                inline
            }
            _ => {
                layers.push(layer);
                values::merge(&inline, &user, MERGE_DEPTH)
            }
        };
    }
    for node in entry
        .get("additionalValuesFiles")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let (more, layer) = file(build, node)?;
        if !matches!(more, Value::Nil) {
            user = values::merge(&more, &user, MERGE_DEPTH);
            layers.push(layer);
        }
    }
    Some(KustomizationValues {
        user,
        layers: layers.into_iter().rev().flatten().collect(),
    })
}

/// A values file's tree, with its positions when it is one of the run's
/// files (a file read from disk has none: a value it sets is traced to no
/// line). `None` for an empty file.
fn values_layer(
    build: &Build<'_, '_>,
    kz: &Kz<'_>,
    path: &str,
    text: &str,
) -> Option<(Option<FileId>, Node)> {
    let full = normalize(&kz.dir.join(path.trim()));
    let sources = build.tree.sources;
    let file = sources
        .iter()
        .find(|(_, f)| normalize(&f.path) == full)
        .map(|(file, _)| file);
    let (docs, _) = yaml::parse_stream(text, &Limits::default());
    let doc = docs.into_iter().next()?;
    Some((file, doc.root))
}

/// The Helm hook events an object is for (its `helm.sh/hook`
/// annotation, split at commas); empty for an object that is no hook.
fn hook_events(node: &Node) -> Vec<&str> {
    node.path(&["metadata", "annotations", "helm.sh/hook"])
        .and_then(Node::as_text)
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .collect()
        })
        .unwrap_or_default()
}
