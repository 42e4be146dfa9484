//! The fields where one object names another, as kustomize's name
//! reference transformer rewrites them when the named object is renamed.
//! (Selectors, a PodDisruptionBudget's included, are labels: a rename
//! does not touch them.)

use super::merge::{get_mut, string};
use crate::parse::Node;
use crate::parse::tree::Value;

/// The new name of an object of a kind, if it was renamed.
pub type Lookup<'l> = dyn Fn(&str, &str) -> Option<String> + 'l;

/// Renames the value at `path` of `node` if it names a renamed `kind`.
fn at(node: &mut Node, path: &[&str], kind: &str, lookup: &Lookup<'_>) {
    let mut here = Some(node);
    for p in path {
        here = here.and_then(|n| get_mut(n, p));
    }
    if let Some(value) = here
        && let Some(new) = value.as_str().and_then(|v| lookup(kind, v))
    {
        *value = string(value.range, &new);
    }
}

/// The node at a path of mapping keys, to change.
pub fn at_mut<'n>(node: &'n mut Node, path: &[&str]) -> Option<&'n mut Node> {
    let mut here = Some(node);
    for p in path {
        here = here.and_then(|n| get_mut(n, p));
    }
    here
}

/// The items of the list at a path of mapping keys, to change.
pub fn each_at<'n>(node: &'n mut Node, path: &[&str]) -> Vec<&'n mut Node> {
    match at_mut(node, path).map(|n| &mut n.value) {
        Some(Value::Seq(items)) => items.iter_mut().collect(),
        _ => Vec::new(),
    }
}

fn each<'n>(node: &'n mut Node, field: &str) -> Vec<&'n mut Node> {
    match get_mut(node, field).map(|n| &mut n.value) {
        Some(Value::Seq(items)) => items.iter_mut().collect(),
        _ => Vec::new(),
    }
}

/// The references of a pod spec: volumes, environment, image pull
/// secrets, service account.
pub fn pod(pod: &mut Node, lookup: &Lookup<'_>) {
    for volume in each(pod, "volumes") {
        at(volume, &["configMap", "name"], "ConfigMap", lookup);
        at(volume, &["secret", "secretName"], "Secret", lookup);
        at(
            volume,
            &["persistentVolumeClaim", "claimName"],
            "PersistentVolumeClaim",
            lookup,
        );
        if let Some(projected) = get_mut(volume, "projected") {
            for source in each(projected, "sources") {
                at(source, &["configMap", "name"], "ConfigMap", lookup);
                at(source, &["secret", "name"], "Secret", lookup);
            }
        }
    }
    for field in ["containers", "initContainers", "ephemeralContainers"] {
        for container in each(pod, field) {
            for env in each(container, "env") {
                at(
                    env,
                    &["valueFrom", "configMapKeyRef", "name"],
                    "ConfigMap",
                    lookup,
                );
                at(
                    env,
                    &["valueFrom", "secretKeyRef", "name"],
                    "Secret",
                    lookup,
                );
            }
            for from in each(container, "envFrom") {
                at(from, &["configMapRef", "name"], "ConfigMap", lookup);
                at(from, &["secretRef", "name"], "Secret", lookup);
            }
        }
    }
    for secret in each(pod, "imagePullSecrets") {
        at(secret, &["name"], "Secret", lookup);
    }
    at(pod, &["serviceAccountName"], "ServiceAccount", lookup);
    at(pod, &["serviceAccount"], "ServiceAccount", lookup);
}

/// The references of an object outside its pod spec.
pub fn object(node: &mut Node, kind: &str, lookup: &Lookup<'_>) {
    match kind {
        "StatefulSet" => at(node, &["spec", "serviceName"], "Service", lookup),
        "HorizontalPodAutoscaler" | "VerticalPodAutoscaler" => {
            let target = node
                .path(&["spec", "scaleTargetRef", "kind"])
                .or_else(|| node.path(&["spec", "targetRef", "kind"]))
                .and_then(Node::as_text)
                .unwrap_or_default()
                .to_string();
            at(node, &["spec", "scaleTargetRef", "name"], &target, lookup);
            at(node, &["spec", "targetRef", "name"], &target, lookup);
        }
        "Ingress" => ingress(node, lookup),
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => {
            for hook in each(node, "webhooks") {
                at(
                    hook,
                    &["clientConfig", "service", "name"],
                    "Service",
                    lookup,
                );
            }
        }
        "CustomResourceDefinition" => {
            for path in [
                &[
                    "spec",
                    "conversion",
                    "webhook",
                    "clientConfig",
                    "service",
                    "name",
                ][..],
                &[
                    "spec",
                    "conversion",
                    "webhookClientConfig",
                    "service",
                    "name",
                ],
            ] {
                at(node, path, "Service", lookup);
            }
        }
        "ValidatingAdmissionPolicyBinding" => at(
            node,
            &["spec", "policyName"],
            "ValidatingAdmissionPolicy",
            lookup,
        ),
        "MutatingAdmissionPolicyBinding" => at(
            node,
            &["spec", "policyName"],
            "MutatingAdmissionPolicy",
            lookup,
        ),
        "RoleBinding" | "ClusterRoleBinding" => {
            let role = node
                .path(&["roleRef", "kind"])
                .and_then(Node::as_text)
                .unwrap_or_default()
                .to_string();
            at(node, &["roleRef", "name"], &role, lookup);
            for subject in each(node, "subjects") {
                if subject.get("kind").and_then(Node::as_text) == Some("ServiceAccount") {
                    at(subject, &["name"], "ServiceAccount", lookup);
                }
            }
        }
        "ServiceAccount" => {
            for field in ["secrets", "imagePullSecrets"] {
                for secret in each(node, field) {
                    at(secret, &["name"], "Secret", lookup);
                }
            }
        }
        _ => {}
    }
}

fn ingress(node: &mut Node, lookup: &Lookup<'_>) {
    let Some(spec) = get_mut(node, "spec") else {
        return;
    };
    for backend in ["defaultBackend", "backend"] {
        at(spec, &[backend, "service", "name"], "Service", lookup);
        at(spec, &[backend, "serviceName"], "Service", lookup);
    }
    for tls in each(spec, "tls") {
        at(tls, &["secretName"], "Secret", lookup);
    }
    for rule in each(spec, "rules") {
        let Some(http) = get_mut(rule, "http") else {
            continue;
        };
        for path in each(http, "paths") {
            at(path, &["backend", "service", "name"], "Service", lookup);
            at(path, &["backend", "serviceName"], "Service", lookup);
        }
    }
}
