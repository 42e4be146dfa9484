//! A kustomization's generators and transformers, in kustomize's order:
//! generated ConfigMaps and Secrets; then strategic merge patches,
//! `patches`, `namespace`, `namePrefix`/`nameSuffix` (with the references
//! to renamed objects rewritten), labels, annotations, JSON 6902 patches,
//! `replicas`, `images`.

use super::base::Origin;
use super::base::{Build, Kz, Resource, name_of, rename, selects};
use super::config::{Config, Spec};
use super::hash;
use super::merge::{self, ensure_path, key, set, string};
use crate::parse::Node;
use crate::parse::tree::Value;
use crate::source::TextRange;
use std::collections::HashMap;

/// Kinds without a namespace, which `namespace` leaves alone, by API
/// group (a custom resource may be called `Namespace` and have one).
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("apiregistration.k8s.io", "APIService"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
    ),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("snapshot.storage.k8s.io", "VolumeSnapshotClass"),
    ("cert-manager.io", "ClusterIssuer"),
    ("policy", "PodSecurityPolicy"),
];

fn cluster_scoped(node: &Node, kind: &str) -> bool {
    let api = node
        .get("apiVersion")
        .and_then(Node::as_text)
        .unwrap_or_default();
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    CLUSTER_SCOPED.contains(&(group, kind))
}

/// Kinds whose pods a selector and a template label.
const WORKLOADS: &[&str] = &["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"];

/// Kinds `replicas:` entries scale.
const SCALED: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "ReplicationController",
];

pub fn generate(build: &mut Build<'_, '_>, kz: &Kz<'_>, out: &mut Vec<Resource>) {
    let options = kz.node.get("generatorOptions");
    for (field, kind) in [
        ("configMapGenerator", "ConfigMap"),
        ("secretGenerator", "Secret"),
    ] {
        for entry in kz.node.get(field).map(Node::as_seq).unwrap_or_default() {
            let Some(mut generated) = hash::generated(build, kz, entry, kind, options) else {
                continue;
            };
            let generator = if kind == "Secret" {
                "SecretGenerator"
            } else {
                "ConfigMapGenerator"
            };
            generated.origin = Some(Origin::Generator(kz.path.clone(), generator));
            match generated.behavior.clone().as_deref() {
                Some(b @ ("merge" | "replace")) => {
                    let found = out.iter_mut().find(|r| {
                        r.kind() == kind
                            && r.named(generated.name())
                            && (generated.namespace().is_empty()
                                || r.namespace() == generated.namespace())
                    });
                    match found {
                        Some(existing) => hash::combine(existing, generated, b == "merge"),
                        None => build.error(
                            entry.range,
                            format!("no {kind} `{}` to {b}", generated.name()),
                            "nothing to change",
                        ),
                    }
                }
                _ => out.push(generated),
            }
        }
    }
}

pub fn apply(build: &mut Build<'_, '_>, kz: &Kz<'_>, out: &mut [Resource]) {
    for entry in kz
        .node
        .get("patchesStrategicMerge")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let docs = patch_docs(build, kz, entry);
        for doc in docs {
            strategic(build, out, &doc, None, entry.range, Changes::default());
        }
    }
    for entry in kz.node.get("patches").map(Node::as_seq).unwrap_or_default() {
        patch(build, kz, entry, out);
    }
    if let Some(ns) = kz.node.get("namespace").filter(|n| n.as_text().is_some()) {
        namespace(ns, out, &build.config);
    }
    prefix_suffix(kz, out, &build.config);
    labels(kz, out, &build.config);
    if let Some(annotations) = kz.node.get("commonAnnotations") {
        for r in out.iter_mut() {
            let kind = r.kind().to_string();
            add_pairs(&mut r.node, &["metadata", "annotations"], annotations, true);
            add_at_specs(&mut r.node, &build.config.common_annotations, annotations);
            if template_kind(&kind) {
                add_pairs(
                    &mut r.node,
                    &template_path(&kind, "annotations"),
                    annotations,
                    true,
                );
            }
        }
    }
    for entry in kz
        .node
        .get("patchesJson6902")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        patch(build, kz, entry, out);
    }
    for entry in kz
        .node
        .get("replicas")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        replicas(entry, out, &build.config);
    }
    for entry in kz.node.get("images").map(Node::as_seq).unwrap_or_default() {
        for r in out.iter_mut() {
            images(&mut r.node, entry, 0);
            custom_images(&mut r.node, entry, &build.config);
        }
    }
    super::replace::replacements(build, kz, out);
}

/// The documents of a `patchesStrategicMerge` entry: a file, or YAML
/// written inline.
fn patch_docs(build: &mut Build<'_, '_>, kz: &Kz<'_>, entry: &Node) -> Vec<Node> {
    let Some(text) = entry.as_text() else {
        return Vec::new();
    };
    if text.contains('\n') || text.trim_start().starts_with('{') {
        build.inline_docs(kz, entry)
    } else {
        build.file_docs(kz, text, entry.range).unwrap_or_default()
    }
}

/// A `patches` or `patchesJson6902` entry: a file (`path`) or inline text
/// (`patch`), strategic merge or JSON 6902, applied to its `target`
/// selection or, without one, to the object it names.
fn patch(build: &mut Build<'_, '_>, kz: &Kz<'_>, entry: &Node, out: &mut [Resource]) {
    let docs = if let Some(path) = entry.get("path").and_then(Node::as_text) {
        let at = entry.get("path").map_or(entry.range, |n| n.range);
        build.file_docs(kz, path, at).unwrap_or_default()
    } else if let Some(inline) = entry.get("patch") {
        build.inline_docs(kz, inline)
    } else {
        Vec::new()
    };
    let target = entry.get("target");
    for doc in docs {
        if doc.is_seq() {
            let Some(target) = target else {
                build.error(
                    entry.range,
                    "a JSON 6902 patch needs a `target`".into(),
                    "no target",
                );
                continue;
            };
            let mut renamed = HashMap::new();
            for r in out.iter_mut().filter(|r| selects(target, r)) {
                let (kind, before) = (r.kind().to_string(), r.name().to_string());
                let mut overwrites = Vec::new();
                let applied = merge::json6902(&mut r.node, &doc, &mut overwrites);
                r.note(overwrites, "a patch");
                // A patch that renames the object: references follow.
                if r.name() != before && r.kind() == kind {
                    renamed.insert((kind, before), r.name().to_string());
                    r.names.push(r.name().to_string());
                }
                if let Err(e) = applied {
                    build.error(
                        doc.range,
                        format!(
                            "cannot apply the JSON patch to {} `{}`: {e}",
                            r.kind(),
                            r.name()
                        ),
                        "patch",
                    );
                }
            }
            references(out, &renamed, &build.config);
        } else {
            strategic(build, out, &doc, target, entry.range, changes(entry));
        }
    }
}

/// What a `patches` entry's `options` let its strategic merge patch
/// change besides fields: the object's name (`allowNameChange`) and kind
/// (`allowKindChange`; its API version stays).
#[derive(Debug, Default, Clone, Copy)]
struct Changes {
    name: bool,
    kind: bool,
}

fn changes(entry: &Node) -> Changes {
    let flag = |k: &str| entry.path(&["options", k]).and_then(Node::as_bool) == Some(true);
    Changes {
        name: flag("allowNameChange"),
        kind: flag("allowKindChange"),
    }
}

/// Applies a strategic merge patch to the objects `target` selects, else
/// to the one it names itself.
fn strategic(
    build: &mut Build<'_, '_>,
    out: &mut [Resource],
    doc: &Node,
    target: Option<&Node>,
    at: TextRange,
    allow: Changes,
) {
    // A document the run does not keep (an object of a kind spof does not
    // model, emptied when the documents were read) patches nothing.
    if doc.as_map().is_empty() {
        return;
    }
    let kind = doc.get("kind").and_then(Node::as_text).unwrap_or_default();
    let name = name_of(doc).unwrap_or_default();
    let ns = doc.path(&["metadata", "namespace"]).and_then(Node::as_text);
    let mut matched = false;
    let mut renamed = HashMap::new();
    for r in out.iter_mut() {
        let hit = match target {
            Some(t) => selects(t, r),
            None => r.of_kind(kind) && r.named(name) && ns.is_none_or(|n| n == r.namespace()),
        };
        if !hit {
            continue;
        }
        matched = true;
        if merge::deletes_object(doc) {
            r.node = Node {
                range: r.node.range,
                value: Value::Map(Box::default()),
            };
            continue;
        }
        // The object keeps its own kind and name (which a base's prefix
        // may have changed since the patch was written), unless the
        // entry's options let the patch change them.
        let mut patch = doc.clone();
        let kind = r.kind().to_string();
        merge::remove(&mut patch, "apiVersion");
        if !allow.kind {
            merge::remove(&mut patch, "kind");
        }
        if let Some(meta) = merge::get_mut(&mut patch, "metadata") {
            if !allow.name {
                merge::remove(meta, "name");
            }
            merge::remove(meta, "namespace");
        }
        let keys = build.config.keys_of(&r.node);
        let mut overwrites = Vec::new();
        if let Err(e) = merge::strategic_keyed(&mut r.node, &patch, &keys, &mut overwrites) {
            build.error(doc.range, e, "patch");
        }
        r.note(overwrites, "a patch");
        let name = r.name().to_string();
        if let Some(old) = r.names.last().filter(|n| **n != name) {
            renamed.insert((kind.clone(), old.clone()), name.clone());
        }
        if !r.names.contains(&name) {
            r.names.push(name);
        }
        if r.kind() != kind {
            r.kinds.push(kind);
        }
    }
    // References follow a name the patch changed.
    references(out, &renamed, &build.config);
    // Not when a resource could not be read (or was remote): the object may
    // be there.
    if !matched && target.is_none() && build.diagnostics.is_empty() && build.unfollowed.is_empty() {
        build.error(
            at,
            format!("the patch of {kind} `{name}` matches no object of the build"),
            "no object to patch",
        );
    }
}

fn namespace(ns: &Node, out: &mut [Resource], config: &Config) {
    let text = ns.as_text().unwrap_or_default();
    let set_ns = |n: &mut Node| set(n, key(ns.range, "namespace"), string(ns.range, text));
    for r in out.iter_mut() {
        for spec in custom(&config.namespace, &["metadata", "namespace"]) {
            if spec.applies(&r.node) {
                super::config::set_at(&mut r.node, spec, text, ns.range);
            }
        }
    }
    // The objects that move: (kind, name, namespace before).
    let mut moved: Vec<(String, String, String)> = Vec::new();
    // A core Namespace object becomes the namespace, and references to it
    // follow.
    let mut renamed = HashMap::new();
    for r in out.iter_mut() {
        // An object a patch deleted stays deleted.
        if r.node.as_map().is_empty() {
            continue;
        }
        let kind = r.kind().to_string();
        let old = r.namespace().to_string();
        let scoped = cluster_scoped(&r.node, &kind);
        if scoped
            && kind == "Namespace"
            && r.node.get("apiVersion").and_then(Node::as_text) == Some("v1")
            && r.name() != text
        {
            renamed.insert((kind.clone(), r.name().to_string()), text.to_string());
            if let Some(meta) = merge::get_mut(&mut r.node, "metadata") {
                set(meta, key(ns.range, "name"), string(ns.range, text));
            }
            r.names.push(text.to_string());
        }
        if !scoped {
            moved.push((kind.clone(), r.name().to_string(), old.clone()));
            if let Some(meta) = ensure_path(&mut r.node, &["metadata"], ns.range) {
                set_ns(meta);
            }
        }
        // A binding's service accounts of its own namespace move with it,
        // and the one named `default` is the namespace's own (a cluster
        // binding's too).
        if kind.ends_with("RoleBinding") {
            for s in super::refs::each_at(&mut r.node, &["subjects"]) {
                let field = |k: &str| s.get(k).and_then(Node::as_text);
                let mine = !scoped && field("namespace").is_some_and(|n| n == old);
                if field("kind") == Some("ServiceAccount")
                    && (mine || field("name") == Some("default"))
                {
                    set_ns(s);
                }
            }
        }
        // A conversion webhook's service is the namespace's.
        if kind == "CustomResourceDefinition" {
            for path in [
                &["spec", "conversion", "webhook", "clientConfig", "service"][..],
                &["spec", "conversion", "webhookClientConfig", "service"],
            ] {
                if let Some(service) = super::refs::at_mut(&mut r.node, path)
                    && service.get("namespace").is_some()
                {
                    set_ns(service);
                }
            }
        }
    }
    // References that name a moved object by name and namespace follow it.
    let moves = |kind: &str, node: &Node| {
        let field = |k: &str| node.get(k).and_then(Node::as_text).unwrap_or_default();
        moved
            .iter()
            .any(|(k, n, o)| k == kind && n == field("name") && o == field("namespace"))
    };
    for r in out.iter_mut() {
        match r.kind() {
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => {
                for hook in super::refs::each_at(&mut r.node, &["webhooks"]) {
                    if let Some(service) = super::refs::at_mut(hook, &["clientConfig", "service"])
                        && service.get("namespace").is_some()
                        && moves("Service", service)
                    {
                        set_ns(service);
                    }
                }
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                for s in super::refs::each_at(&mut r.node, &["subjects"]) {
                    if s.get("kind").and_then(Node::as_text) == Some("ServiceAccount")
                        && s.get("namespace").is_some()
                        && moves("ServiceAccount", s)
                    {
                        set_ns(s);
                    }
                }
            }
            _ => {}
        }
    }
    references(out, &renamed, config);
}

fn prefix_suffix(kz: &Kz<'_>, out: &mut [Resource], config: &Config) {
    let prefix = kz
        .node
        .get("namePrefix")
        .and_then(Node::as_text)
        .unwrap_or_default();
    let suffix = kz
        .node
        .get("nameSuffix")
        .and_then(Node::as_text)
        .unwrap_or_default();
    if prefix.is_empty() && suffix.is_empty() {
        return;
    }
    for r in out.iter_mut() {
        for (text, transformer) in [(prefix, "PrefixTransformer"), (suffix, "SuffixTransformer")] {
            if !text.is_empty() {
                r.transformations.push((kz.path.clone(), transformer));
            }
        }
    }
    let mut renamed: HashMap<(String, String), String> = HashMap::new();
    // Specifications of `metadata/name` for some kinds only, in
    // `configurations`, take the place of kustomize's own for every kind.
    let only = |specs: &[Spec], node: &Node| {
        let named: Vec<&Spec> = specs
            .iter()
            .filter(|s| s.path == ["metadata", "name"])
            .collect();
        named.is_empty() || named.iter().any(|s| s.applies(node))
    };
    for r in out.iter_mut() {
        // kustomize leaves these names alone.
        if matches!(r.kind(), "Namespace" | "CustomResourceDefinition")
            || r.node.get("metadata").is_none()
        {
            continue;
        }
        let prefix = if only(&config.name_prefix, &r.node) {
            prefix
        } else {
            ""
        };
        let suffix = if only(&config.name_suffix, &r.node) {
            suffix
        } else {
            ""
        };
        if prefix.is_empty() && suffix.is_empty() {
            continue;
        }
        let old = r.name().to_string();
        let new = format!("{prefix}{old}{suffix}");
        renamed.insert((r.kind().to_string(), old.clone()), new.clone());
        rename(&mut r.node, &new);
        r.names.push(new);
        for (specs, before, after) in [
            (&config.name_prefix, prefix, ""),
            (&config.name_suffix, "", suffix),
        ] {
            for spec in custom(specs, &["metadata", "name"]) {
                if !(before.is_empty() && after.is_empty()) && spec.applies(&r.node) {
                    super::config::each_named(&mut r.node, spec, &mut |n| {
                        if let Some(v) = n.as_str() {
                            *n = string(n.range, &format!("{before}{v}{after}"));
                        }
                    });
                }
            }
        }
    }
    references(out, &renamed, config);
}

/// Rewrites the references to renamed objects (`(kind, old name)` to new
/// name) where objects name ConfigMaps, Secrets, Services, claims, service
/// accounts and the targets of autoscalers and bindings.
pub fn references(
    out: &mut [Resource],
    renamed: &HashMap<(String, String), String>,
    config: &Config,
) {
    if renamed.is_empty() {
        return;
    }
    let lookup =
        |kind: &str, name: &str| renamed.get(&(kind.to_string(), name.to_string())).cloned();
    for r in out.iter_mut() {
        let kind = r.kind().to_string();
        let node = &mut r.node;
        for pod in pod_specs(node, &kind) {
            super::refs::pod(pod, &lookup);
        }
        super::refs::object(node, &kind, &lookup);
        for name_ref in &config.name_refs {
            for spec in &name_ref.specs {
                if !spec.applies(node) {
                    continue;
                }
                super::config::each_named(node, spec, &mut |n| {
                    if let Some(new) = n.as_str().and_then(|v| lookup(&name_ref.kind, v)) {
                        *n = string(n.range, &new);
                    }
                });
            }
        }
    }
}

/// The pod specs of an object, to change.
pub fn pod_specs<'n>(node: &'n mut Node, kind: &str) -> Vec<&'n mut Node> {
    let path: &[&str] = match kind {
        "Pod" => &["spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => &["spec", "template", "spec"],
    };
    let mut here = Some(node);
    for p in path {
        here = here.and_then(|n| merge::get_mut(n, p));
    }
    here.filter(|n| n.is_map()).into_iter().collect()
}

fn template_kind(kind: &str) -> bool {
    WORKLOADS.contains(&kind) || matches!(kind, "Job" | "ReplicationController" | "CronJob")
}

fn template_path(kind: &str, field: &'static str) -> Vec<&'static str> {
    if kind == "CronJob" {
        vec!["spec", "jobTemplate", "spec", "template", "metadata", field]
    } else {
        vec!["spec", "template", "metadata", field]
    }
}

/// Adds the entries of the mapping `pairs` under `path` of `node`, made
/// where missing when `create`.
fn add_pairs(node: &mut Node, path: &[&str], pairs: &Node, create: bool) {
    if pairs.as_map().is_empty() {
        return;
    }
    if !create && node.path(path).is_none() {
        return;
    }
    let Some(here) = ensure_path(node, path, pairs.range) else {
        return;
    };
    for (k, v) in pairs.as_map() {
        let text = v.as_str().unwrap_or_default();
        set(here, k.clone(), string(v.range, text));
    }
}

/// `labels[].fields`: the pairs also go where the entry's field
/// specifications (`path`, `kind`, `group`, `version`, `create`) say.
fn label_fields(kz: &Kz<'_>, out: &mut [Resource]) {
    for entry in kz.node.get("labels").map(Node::as_seq).unwrap_or_default() {
        let Some(pairs) = entry.get("pairs") else {
            continue;
        };
        for spec in entry.get("fields").map(Node::as_seq).unwrap_or_default() {
            let Some(path) = spec.get("path").and_then(Node::as_text) else {
                continue;
            };
            let path: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
            let create = spec.get("create").and_then(Node::as_bool) == Some(true);
            for r in out.iter_mut() {
                if super::fieldpath::spec_applies(spec, &r.node) {
                    super::fieldpath::each_spec_node(
                        &mut r.node,
                        &path,
                        create,
                        pairs.range,
                        &mut |n| {
                            if n.is_map() {
                                add_pairs(n, &[], pairs, true);
                            }
                        },
                    );
                }
            }
        }
    }
}

fn labels(kz: &Kz<'_>, out: &mut [Resource], config: &Config) {
    // Pairs; into selectors; into templates; into claim templates.
    let mut sets: Vec<(&Node, bool, bool, bool)> = Vec::new();
    if let Some(common) = kz.node.get("commonLabels") {
        sets.push((common, true, true, true));
    }
    for entry in kz.node.get("labels").map(Node::as_seq).unwrap_or_default() {
        let Some(pairs) = entry.get("pairs") else {
            continue;
        };
        let flag = |k: &str| entry.get(k).and_then(Node::as_bool) == Some(true);
        let selectors = flag("includeSelectors");
        sets.push((
            pairs,
            selectors,
            selectors || flag("includeTemplates"),
            selectors || flag("includeVolumeClaimTemplates"),
        ));
    }
    label_fields(kz, out);
    for (pairs, selectors, templates, claims) in sets {
        for r in out.iter_mut() {
            let kind = r.kind().to_string();
            add_pairs(&mut r.node, &["metadata", "labels"], pairs, true);
            if claims
                && kind == "StatefulSet"
                && let Some(spec) = merge::get_mut(&mut r.node, "spec")
                && let Some(Value::Seq(claims)) =
                    merge::get_mut(spec, "volumeClaimTemplates").map(|n| &mut n.value)
            {
                for claim in claims.iter_mut() {
                    add_pairs(claim, &["metadata", "labels"], pairs, true);
                }
            }
            if templates && template_kind(&kind) {
                add_pairs(&mut r.node, &template_path(&kind, "labels"), pairs, true);
                if kind == "CronJob" {
                    add_pairs(
                        &mut r.node,
                        &["spec", "jobTemplate", "metadata", "labels"],
                        pairs,
                        true,
                    );
                }
            }
            if !selectors {
                continue;
            }
            add_at_specs(&mut r.node, &config.common_labels, pairs);
            match kind.as_str() {
                k if WORKLOADS.contains(&k) => {
                    add_pairs(
                        &mut r.node,
                        &["spec", "selector", "matchLabels"],
                        pairs,
                        true,
                    );
                }
                "Job" | "PodDisruptionBudget" => {
                    add_pairs(
                        &mut r.node,
                        &["spec", "selector", "matchLabels"],
                        pairs,
                        false,
                    );
                }
                "Service" | "ReplicationController" => {
                    add_pairs(&mut r.node, &["spec", "selector"], pairs, true);
                }
                "NetworkPolicy" => {
                    add_pairs(
                        &mut r.node,
                        &["spec", "podSelector", "matchLabels"],
                        pairs,
                        false,
                    );
                    peer_selectors(&mut r.node, pairs);
                }
                _ => {}
            }
        }
    }
}

/// The pod selectors of a NetworkPolicy's peers (`ingress[].from[]`,
/// `egress[].to[]`), where they have `matchLabels`.
fn peer_selectors(node: &mut Node, pairs: &Node) {
    let Some(spec) = merge::get_mut(node, "spec") else {
        return;
    };
    for (rules, peers) in [("ingress", "from"), ("egress", "to")] {
        let Some(Value::Seq(rules)) = merge::get_mut(spec, rules).map(|n| &mut n.value) else {
            continue;
        };
        for rule in rules.iter_mut() {
            let Some(Value::Seq(peers)) = merge::get_mut(rule, peers).map(|n| &mut n.value) else {
                continue;
            };
            for peer in peers.iter_mut() {
                add_pairs(peer, &["podSelector", "matchLabels"], pairs, false);
            }
        }
    }
}

/// A `replicas:` entry (`name`, `count`): the count, written where the
/// entry writes it.
fn replicas(entry: &Node, out: &mut [Resource], config: &Config) {
    let (Some(name), Some((count_key, count))) = (
        entry.get("name").and_then(Node::as_text),
        entry.entry("count"),
    ) else {
        return;
    };
    for r in out.iter_mut().filter(|r| r.named(name)) {
        let mut overwrites = Vec::new();
        // kustomize's own specifications are `spec/replicas` of the kinds it
        // scales, written below; a configuration's `spec/replicas` of
        // another kind (a custom resource) is one of its own.
        let scaled = SCALED.contains(&r.kind());
        for spec in &config.replicas {
            let default = spec.path == ["spec", "replicas"] && scaled;
            if !default && spec.applies(&r.node) {
                replicas_at(&mut r.node, spec, count, &mut overwrites);
            }
        }
        if !scaled {
            r.note(overwrites, "a `replicas:` entry");
            continue;
        }
        if let Some(spec) = ensure_path(&mut r.node, &["spec"], count.range) {
            if let Some((old_key, old)) = spec.entry("replicas") {
                overwrites.push(merge::Overwrite::of(
                    "replicas",
                    Some(old_key),
                    old,
                    count.range,
                ));
            }
            set(spec, count_key.clone(), count.clone());
            // The entry's `count` key: the API's `replicas`.
            if let Value::Map(entries) = &mut spec.value
                && let Some((k, _)) = entries
                    .iter_mut()
                    .rev()
                    .find(|(k, _)| k.as_str() == Some("count"))
            {
                *k = Node::scalar(count_key.range, "replicas", true);
            }
        }
        r.note(overwrites, "a `replicas:` entry");
    }
}

/// An `images:` entry (`name`, `newName`, `newTag`, `digest`) applied to
/// every `image` field of the object.
fn images(node: &mut Node, entry: &Node, depth: usize) {
    if depth > 64 {
        return;
    }
    let Some(name) = entry.get("name").and_then(Node::as_text) else {
        return;
    };
    match &mut node.value {
        Value::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                if k.as_str() == Some("image")
                    && let Some(image) = v.as_str()
                    && let Some(new) = new_image(image, name, entry)
                {
                    *v = string(v.range, &new);
                } else if matches!(v.value, Value::Map(_) | Value::Seq(_)) {
                    images(v, entry, depth + 1);
                }
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| images(i, entry, depth + 1)),
        Value::Scalar { .. } => {}
    }
}

/// The image reference `image` with an `images:` entry applied, when the
/// entry names its image.
pub fn new_image(image: &str, name: &str, entry: &Node) -> Option<String> {
    let (rest, digest) = image
        .split_once('@')
        .map_or((image, None), |(r, d)| (r, Some(d)));
    // A tag follows the last `:` after the last `/` (a registry may have a port).
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (base, tag) = match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..])),
        None => (rest, None),
    };
    if base != name {
        return None;
    }
    let field = |k: &str| entry.get(k).and_then(Node::as_str);
    let base = field("newName").unwrap_or(base);
    let mut out = base.to_string();
    if let Some(d) = field("digest") {
        out.push('@');
        out.push_str(d);
        return Some(out);
    }
    match (field("newTag"), tag, digest) {
        (Some(t), _, _) => {
            out.push(':');
            out.push_str(t);
        }
        (None, Some(t), d) => {
            out.push(':');
            out.push_str(t);
            if let Some(d) = d {
                out.push('@');
                out.push_str(d);
            }
        }
        (None, None, Some(d)) => {
            out.push('@');
            out.push_str(d);
        }
        (None, None, None) => {}
    }
    Some(out)
}

/// The root's last step: generated objects get the hash of their content
/// as a name suffix, and references to them follow.
pub fn finish_hashes(mut out: Vec<Resource>, config: &Config) -> Vec<Resource> {
    out.retain(|r| !r.node.as_map().is_empty());
    let mut renamed = HashMap::new();
    for r in out.iter_mut().filter(|r| r.hashed) {
        let Some(suffix) = hash::suffix(&r.node) else {
            continue;
        };
        let old = r.name().to_string();
        let new = format!("{old}-{suffix}");
        renamed.insert((r.kind().to_string(), old), new.clone());
        rename(&mut r.node, &new);
        r.names.push(new);
    }
    references(&mut out, &renamed, config);
    out
}

/// The specifications of `specs` other than the default `path` kustomize
/// applies to every kind (a configuration that repeats it changes
/// nothing).
fn custom<'c>(specs: &'c [Spec], default: &[&str]) -> impl Iterator<Item = &'c Spec> {
    let default: Vec<String> = default.iter().map(|s| (*s).to_string()).collect();
    specs
        .iter()
        .filter(move |s| s.path != default || s.path.is_empty())
}

/// Adds the pairs of `pairs` at each of `specs` that is about `node`.
fn add_at_specs(node: &mut Node, specs: &[Spec], pairs: &Node) {
    for spec in specs {
        if spec.applies(node) {
            let path = spec.path();
            super::fieldpath::each_spec_node(node, &path, spec.create, pairs.range, &mut |n| {
                if n.is_map() {
                    add_pairs(n, &[], pairs, true);
                }
            });
        }
    }
}

/// An `images:` entry applied at the image fields `configurations` adds.
fn custom_images(node: &mut Node, entry: &Node, config: &Config) {
    let Some(name) = entry.get("name").and_then(Node::as_text) else {
        return;
    };
    for spec in &config.images {
        if !spec.applies(node) {
            continue;
        }
        let path = spec.path();
        super::fieldpath::each_spec_scalar(node, &path, &mut |n| {
            if let Some(new) = n.as_str().and_then(|i| new_image(i, name, entry)) {
                *n = string(n.range, &new);
            }
        });
    }
}

/// A `replicas:` entry's count written at a specification of
/// `configurations` (where the mapping of the field is), only where the
/// field is unless the specification may `create` it; a count it writes
/// over is added to `overwrites`.
fn replicas_at(node: &mut Node, spec: &Spec, count: &Node, overwrites: &mut Vec<merge::Overwrite>) {
    let Some((last, parent)) = spec.path.split_last() else {
        return;
    };
    let parent: Vec<&str> = parent.iter().map(String::as_str).collect();
    super::fieldpath::each_spec_node(node, &parent, spec.create, count.range, &mut |n| {
        if !n.is_map() {
            return;
        }
        match n.entry(last) {
            Some((old_key, old)) => {
                overwrites.push(merge::Overwrite::of(last, Some(old_key), old, count.range));
            }
            None if !spec.create => return,
            None => {}
        }
        set(n, key(count.range, last), count.clone());
    });
}
