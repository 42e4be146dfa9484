//! Admission webhooks: a `ValidatingWebhookConfiguration` or
//! `MutatingWebhookConfiguration` whose webhook fails closed
//! (`failurePolicy: Fail`, the default of `admissionregistration.k8s.io/v1`)
//! makes the API server refuse every create or update it matches while the
//! webhook's Service is down. What runs keeps running; what must be
//! recreated (a pod after a node failure, a replica moved away from a lost
//! zone, a redeploy) cannot be: a recovery dependency of every workload the
//! webhook matches in its cluster.

use super::{Index, Object, selector_matches, string_map};
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
    /// The Service it calls, or the host of its URL.
    backend: Backend<'a>,
    namespace_selector: Option<&'a Node>,
    object_selector: Option<&'a Node>,
    rules: &'a [Node],
}

/// Where the API server sends a webhook's requests.
enum Backend<'a> {
    /// `clientConfig.service`: a Service by namespace and name.
    Service { namespace: &'a str, name: &'a str },
    /// `clientConfig.url`: its host, lowercase and without port, named by
    /// what serves it in the scanned files.
    Host(String),
}

pub(super) const KINDS: &[&str] = &[
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
];

/// The webhooks of `o` that fail closed and name a Service or a URL. A
/// webhook with `matchConditions` (CEL spof does not evaluate), or whose
/// policy is not written as `Fail` or `Ignore`, is left out: what it
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
        let Some(backend) = backend(hook) else {
            continue;
        };
        out.push(Webhook {
            config: o,
            name: name.as_text().unwrap_or_default(),
            span,
            backend,
            namespace_selector: hook.get("namespaceSelector"),
            object_selector: hook.get("objectSelector"),
            rules: hook.get("rules").map(Node::as_seq).unwrap_or_default(),
        });
    }
    out
}

/// The Service of `clientConfig.service`, else the host of
/// `clientConfig.url` (`https://policy.example.com:8443/validate`).
fn backend(hook: &Node) -> Option<Backend<'_>> {
    let config = hook.get("clientConfig")?;
    let service = config.get("service");
    let text = |key: &str| {
        service
            .and_then(|s| s.get(key))
            .and_then(Node::as_text)
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    if let (Some(namespace), Some(name)) = (text("namespace"), text("name")) {
        return Some(Backend::Service { namespace, name });
    }
    let url = config.get("url").and_then(Node::as_text)?.trim();
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    valid.then(|| Backend::Host(host.to_ascii_lowercase()))
}

impl Webhook<'_, '_> {
    /// What its recovery dependencies name: the Service when it is in the
    /// scanned files (in any cluster: the graph decides which), or whatever
    /// serves the URL's host (a Service by its cluster DNS name, else an
    /// Ingress or a manifest entry's `hosts`).
    fn target(&self, index: &Index<'_, '_>) -> Option<Reference> {
        match &self.backend {
            Backend::Service { namespace, name } => index
                .services
                .contains(&(*namespace, *name))
                .then(|| Reference::K8s {
                    kind: "Service".into(),
                    namespace: (*namespace).to_string(),
                    name: (*name).to_string(),
                }),
            Backend::Host(host) => {
                Some(match super::service_of_host(host, self.config.namespace) {
                    Some((svc, ns))
                        if host.contains(".svc")
                            && index.services.contains(&(ns.as_str(), svc.as_str())) =>
                    {
                        Reference::K8s {
                            kind: "Service".into(),
                            namespace: ns,
                            name: svc,
                        }
                    }
                    _ => Reference::Host(host.clone()),
                })
            }
        }
    }
}

/// What the model lists of each webhook that blocks something: its line,
/// for the rule that reports it once.
pub(super) fn listed(index: &Index<'_, '_>) -> Vec<AdmissionWebhook> {
    index
        .webhooks
        .iter()
        .filter(|w| w.target(index).is_some())
        .map(|w| AdmissionWebhook {
            span: w.span,
            name: w.name.to_string(),
            configuration: format!("{}/{}", w.config.kind, w.config.name),
        })
        .collect()
}

/// A recovery dependency of the workload `o` (whose pods carry
/// `pod_labels`) on the backend of every webhook of its cluster that must
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
        if !reaches(w.config, o, index) || !selects(w.namespace_selector, &namespace_labels) {
            continue;
        }
        let Some(target) = w.target(index) else {
            continue;
        };
        let pods =
            covers(w.rules, "", "pods", &["CREATE"]) && selects(w.object_selector, pod_labels);
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
            target,
            strength: Strength::Recovery,
            span: w.span,
            via: format!(
                "its pods must be admitted by webhook `{}` of {} `{}`, which fails closed",
                w.name, w.config.kind, w.config.name
            )
            .into(),
            explicit: false,
            origin: None,
        });
    }
}

/// Whether `o` is in the cluster of `source` (a webhook configuration, a
/// Vault agent injector): the same configured cluster; without one, a file
/// in `source`'s directory or below it (manifests applied together).
pub(super) fn reaches(source: &Object<'_>, o: &Object<'_>, index: &Index<'_, '_>) -> bool {
    if source.cluster != o.cluster {
        return false;
    }
    o.cluster.is_some()
        || index
            .places
            .dir(o.file)
            .starts_with(index.places.dir(source.file))
}

/// A selector against labels: an absent selector selects everything, as the
/// API server reads it.
pub(super) fn selects(selector: Option<&Node>, labels: &BTreeMap<String, String>) -> bool {
    selector.is_none_or(|s| s.is_null() || selector_matches(s, labels))
}

/// The labels of `o`'s namespace as the estate gives them: those of its
/// `Namespace` object in the scanned files, and the
/// `kubernetes.io/metadata.name` label the API server sets on every
/// namespace.
pub(super) fn namespace_labels(o: &Object<'_>, index: &Index<'_, '_>) -> BTreeMap<String, String> {
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
/// workload's namespace and cluster, selects them. For a URL, the Service
/// its host names by cluster DNS name, or the backends of the Ingresses of
/// the workload's cluster and namespace that serve the host.
fn is_backend(
    w: &Webhook<'_, '_>,
    o: &Object<'_>,
    pod_labels: &BTreeMap<String, String>,
    index: &Index<'_, '_>,
) -> bool {
    match &w.backend {
        Backend::Service { namespace, name } => {
            o.namespace == *namespace && selects_pods(o, name, pod_labels, index)
        }
        Backend::Host(host) => {
            let by_dns = host.contains(".svc")
                && super::service_of_host(host, w.config.namespace).is_some_and(|(svc, ns)| {
                    o.namespace == ns && selects_pods(o, &svc, pod_labels, index)
                });
            by_dns
                || index
                    .ingresses
                    .iter()
                    .filter(|i| i.cluster == o.cluster && i.namespace == o.namespace)
                    .filter(|i| super::ingress_hosts(i).contains(host))
                    .flat_map(|i| super::ingress_backends(i))
                    .filter_map(Node::as_text)
                    .any(|svc| selects_pods(o, svc.trim(), pod_labels, index))
        }
    }
}

/// Whether the Service `name` of `o`'s namespace and cluster (the nearest
/// declaration) selects pods carrying `pod_labels`.
fn selects_pods(
    o: &Object<'_>,
    name: &str,
    pod_labels: &BTreeMap<String, String>,
    index: &Index<'_, '_>,
) -> bool {
    let Some(service) = index.get("Service", o, name) else {
        return false;
    };
    let selector = string_map(service.node.path(&["spec", "selector"]));
    !selector.is_empty() && selector.iter().all(|(k, v)| pod_labels.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::covers;
    use crate::parse::yaml::{Limits, parse_stream};

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
        let subresource =
            rules("- apiGroups: ['']\n  operations: ['*']\n  resources: [pods/exec]\n");
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
