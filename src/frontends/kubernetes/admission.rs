//! Admission webhooks: a `ValidatingWebhookConfiguration` or
//! `MutatingWebhookConfiguration` whose webhook fails closed
//! (`failurePolicy: Fail`, the default of `admissionregistration.k8s.io/v1`)
//! makes the API server refuse every create or update it matches while the
//! webhook's Service is down. What runs keeps running; what must be
//! recreated (a pod after a node failure, a replica moved away from a lost
//! zone, a redeploy) cannot be: a recovery dependency of every workload the
//! webhook matches in its cluster.

use super::{selector_matches, string_map, Index, Object};
use crate::model::{AdmissionWebhook, Dependency, Reference, Strength};
use crate::parse::Node;
use crate::source::Span;
use std::collections::BTreeMap;

/// One webhook of a configuration that fails closed and is served by a
/// Service.
pub(super) struct Webhook<'o, 'a> {
    pub(super) config: &'o Object<'a>,
    /// The webhook's `name`.
    name: &'a str,
    /// Its `failurePolicy` value, else its `name` (the policy defaulted to
    /// `Fail`): the line that makes it block.
    span: Span,
    service_namespace: &'a str,
    service_name: &'a str,
    namespace_selector: Option<&'a Node>,
    object_selector: Option<&'a Node>,
    rules: &'a [Node],
}

pub(super) const KINDS: &[&str] = &[
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
];

/// The webhooks of `o` that fail closed and name a Service. A webhook that
/// names a URL, has `matchConditions` (CEL spof does not evaluate), or
/// whose policy is not written as `Fail` or `Ignore` is left out: what it
/// blocks is not known.
pub(super) fn webhooks<'o, 'a>(o: &'o Object<'a>) -> Vec<Webhook<'o, 'a>> {
    if !KINDS.contains(&o.kind) {
        return Vec::new();
    }
    // v1beta1 defaulted the policy to `Ignore`, v1 to `Fail`.
    let default_fails = o.api_group() == "admissionregistration.k8s.io"
        && o.node
            .get("apiVersion")
            .and_then(Node::as_text)
            .is_some_and(|v| v.trim().ends_with("/v1"));
    let mut out = Vec::new();
    for hook in o.node.get("webhooks").map(Node::as_seq).unwrap_or_default() {
        let Some(name) = hook.get("name").filter(|n| n.as_text().is_some()) else {
            continue;
        };
        let span = match hook.get("failurePolicy") {
            Some(p) if p.as_text().map(str::trim) == Some("Fail") => o.span(p),
            None if default_fails => o.span(name),
            _ => continue,
        };
        if hook
            .get("matchConditions")
            .is_some_and(|c| !c.as_seq().is_empty())
        {
            continue;
        }
        let service = hook.path(&["clientConfig", "service"]);
        let text = |key: &str| {
            service
                .and_then(|s| s.get(key))
                .and_then(Node::as_text)
                .map(str::trim)
                .filter(|t| !t.is_empty())
        };
        let (Some(service_namespace), Some(service_name)) = (text("namespace"), text("name"))
        else {
            continue;
        };
        out.push(Webhook {
            config: o,
            name: name.as_text().unwrap_or_default(),
            span,
            service_namespace,
            service_name,
            namespace_selector: hook.get("namespaceSelector"),
            object_selector: hook.get("objectSelector"),
            rules: hook.get("rules").map(Node::as_seq).unwrap_or_default(),
        });
    }
    out
}

/// What the model lists of each webhook that blocks something: its line,
/// for the rule that reports it once.
pub(super) fn listed(index: &Index<'_, '_>) -> Vec<AdmissionWebhook> {
    index
        .webhooks
        .iter()
        .filter(|w| index.services.contains(&(w.service_namespace, w.service_name)))
        .map(|w| AdmissionWebhook {
            span: w.span,
            name: w.name.to_string(),
            configuration: format!("{}/{}", w.config.kind, w.config.name),
        })
        .collect()
}

/// A recovery dependency of the workload `o` (whose pods carry
/// `pod_labels`) on the Service of every webhook of its cluster that must
/// admit its pods or its own updates: the rules cover `pods` `CREATE`, or
/// `CREATE`/`UPDATE` of the workload's resource, and the namespace and
/// object selectors match the labels the estate gives the namespace and
/// the object. A webhook's own backend does not depend on itself.
pub(super) fn dependencies(
    o: &Object<'_>,
    pod_labels: &BTreeMap<String, String>,
    index: &Index<'_, '_>,
    deps: &mut Vec<Dependency>,
) {
    if index.webhooks.is_empty() {
        return;
    }
    let namespace_labels = namespace_labels(o, index);
    let own_labels = string_map(o.node.path(&["metadata", "labels"]));
    let resource = resource_of(o.kind);
    for w in &index.webhooks {
        if !in_reach(w, o, index)
            || !index
                .services
                .contains(&(w.service_namespace, w.service_name))
            || !selects(w.namespace_selector, &namespace_labels)
        {
            continue;
        }
        let pods = covers(w.rules, "", "pods", &["CREATE"])
            && selects(w.object_selector, pod_labels);
        let own = resource.is_some_and(|(group, plural)| {
            covers(w.rules, group, plural, &["CREATE", "UPDATE"])
                && selects(w.object_selector, &own_labels)
        });
        if !(pods || own) || is_backend(w, o, pod_labels, index) {
            continue;
        }
        if deps.iter().any(|d| d.span == w.span) {
            continue;
        }
        deps.push(Dependency {
            target: Reference::K8s {
                kind: "Service".into(),
                namespace: w.service_namespace.to_string(),
                name: w.service_name.to_string(),
            },
            strength: Strength::Recovery,
            span: w.span,
            via: format!(
                "its pods must be admitted by webhook `{}` of {} `{}`, which fails closed",
                w.name, w.config.kind, w.config.name
            ),
            explicit: false,
            origin: None,
        });
    }
}

/// Whether `o` is in the cluster of `w`'s configuration: the same
/// configured cluster; without one, a file in the configuration's
/// directory or below it (manifests applied together).
fn in_reach(w: &Webhook<'_, '_>, o: &Object<'_>, index: &Index<'_, '_>) -> bool {
    if w.config.cluster != o.cluster {
        return false;
    }
    o.cluster.is_some()
        || index
            .places
            .dir(o.file)
            .starts_with(index.places.dir(w.config.file))
}

/// A selector against labels: an absent selector selects everything, as the
/// API server reads it.
fn selects(selector: Option<&Node>, labels: &BTreeMap<String, String>) -> bool {
    selector.is_none_or(|s| s.is_null() || selector_matches(s, labels))
}

/// The labels of `o`'s namespace as the estate gives them: those of its
/// `Namespace` object in the scanned files, and the
/// `kubernetes.io/metadata.name` label the API server sets on every
/// namespace.
fn namespace_labels(o: &Object<'_>, index: &Index<'_, '_>) -> BTreeMap<String, String> {
    let mut labels = index
        .namespace(o)
        .map(|n| string_map(n.node.path(&["metadata", "labels"])))
        .unwrap_or_default();
    labels.insert(
        "kubernetes.io/metadata.name".to_string(),
        o.namespace.to_string(),
    );
    labels
}

/// The API group and resource of a workload kind.
fn resource_of(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "Deployment" => ("apps", "deployments"),
        "StatefulSet" => ("apps", "statefulsets"),
        "DaemonSet" => ("apps", "daemonsets"),
        "ReplicaSet" => ("apps", "replicasets"),
        "ReplicationController" => ("", "replicationcontrollers"),
        "Job" => ("batch", "jobs"),
        "CronJob" => ("batch", "cronjobs"),
        _ => return None,
    })
}

/// Whether one of `rules` covers one of `operations` on `resource` of
/// `group` (a namespaced resource).
fn covers(rules: &[Node], group: &str, resource: &str, operations: &[&str]) -> bool {
    let list = |rule: &Node, key: &str| -> Vec<String> {
        rule.get(key)
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_text)
            .map(|t| t.trim().to_string())
            .collect()
    };
    rules.iter().any(|rule| {
        let scope = rule.get("scope").and_then(Node::as_text).map(str::trim);
        matches!(scope, None | Some("*" | "Namespaced"))
            && list(rule, "operations")
                .iter()
                .any(|op| op == "*" || operations.contains(&op.as_str()))
            && list(rule, "apiGroups")
                .iter()
                .any(|g| g == "*" || g == group)
            && list(rule, "resources")
                .iter()
                .any(|r| r == "*" || r == "*/*" || r == resource)
    })
}

/// Whether `o`'s pods are the webhook's backend: its Service, in the
/// workload's namespace and cluster, selects them.
fn is_backend(
    w: &Webhook<'_, '_>,
    o: &Object<'_>,
    pod_labels: &BTreeMap<String, String>,
    index: &Index<'_, '_>,
) -> bool {
    if o.namespace != w.service_namespace {
        return false;
    }
    let Some(service) = index.get("Service", o, w.service_name) else {
        return false;
    };
    let selector = string_map(service.node.path(&["spec", "selector"]));
    !selector.is_empty() && selector.iter().all(|(k, v)| pod_labels.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::covers;
    use crate::parse::yaml::{parse_stream, Limits};

    fn rules(text: &str) -> Vec<crate::parse::Node> {
        let (docs, error) = parse_stream(text, &Limits::default());
        assert!(error.is_none());
        docs[0].root.as_seq().to_vec()
    }

    #[test]
    fn rules_cover_pod_creation_by_group_resource_and_operation() {
        let pods = rules(
            "- apiGroups: ['']\n  apiVersions: [v1]\n  operations: [CREATE]\n  resources: [pods]\n",
        );
        assert!(covers(&pods, "", "pods", &["CREATE"]));
        assert!(!covers(&pods, "apps", "deployments", &["CREATE", "UPDATE"]));
        let everything = rules("- apiGroups: ['*']\n  operations: ['*']\n  resources: ['*/*']\n");
        assert!(covers(&everything, "apps", "deployments", &["UPDATE"]));
        let subresource = rules("- apiGroups: ['']\n  operations: ['*']\n  resources: [pods/exec]\n");
        assert!(!covers(&subresource, "", "pods", &["CREATE"]));
        let deletes = rules("- apiGroups: ['']\n  operations: [DELETE]\n  resources: [pods]\n");
        assert!(!covers(&deletes, "", "pods", &["CREATE"]));
        let cluster = rules(
            "- apiGroups: ['*']\n  operations: ['*']\n  resources: ['*']\n  scope: Cluster\n",
        );
        assert!(!covers(&cluster, "", "pods", &["CREATE"]));
        assert!(!covers(&[], "", "pods", &["CREATE"]));
    }
}
