//! `helmCharts`: charts inflated by a kustomization, rendered by spof's
//! Helm renderer from the kustomization's chart home (never pulled), their
//! objects then built on like any resource (the kustomization's patches,
//! namespace, prefixes and labels apply to them).

use super::base::{Build, Kz, Resource, normalize, objects_of};
use crate::frontends::helm::{self, Options, values};
use crate::model::KustomizeGap;
use crate::parse::Node;
use crate::parse::yaml::Limits;
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
        let docs = helm::frontend::render_for_kustomization(
            dir,
            build.tree.sources,
            &user,
            &options,
            &Limits::default(),
            &mut errors,
        )?;
        Some((dir.clone(), docs))
    });
    build.diagnostics.extend(errors);
    let Some((dir, docs)) = rendered else {
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
    for (file, docs) in docs {
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
/// (`merge`) or alone (`replace`), then each of `additionalValuesFiles`.
/// `None`, with an error, when a file cannot be read.
fn user_values(build: &mut Build<'_, '_>, kz: &Kz<'_>, entry: &Node) -> Option<Value> {
    let file = |build: &mut Build<'_, '_>, node: &Node| -> Option<Value> {
        let path = node.as_text()?;
        let text = super::hash::read(build, kz, path, node.range)?;
        match values::decode(&text) {
            Ok(v) => Some(v.unwrap_or(Value::Nil)),
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
    let mut user = match entry.get("valuesFile") {
        Some(node) => file(build, node)?,
        None => Value::Nil,
    };
    if let Some(inline) = entry.get("valuesInline").map(values::from_node) {
        user = match entry.get("valuesMerge").and_then(Node::as_text) {
            Some("replace") => inline,
            Some("merge") if !matches!(user, Value::Nil) => {
                values::merge(&user, &inline, MERGE_DEPTH)
            }
            Some("merge") => inline,
            _ => values::merge(&inline, &user, MERGE_DEPTH),
        };
    }
    for node in entry
        .get("additionalValuesFiles")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let more = file(build, node)?;
        if !matches!(more, Value::Nil) {
            user = values::merge(&more, &user, MERGE_DEPTH);
        }
    }
    Some(user)
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
