//! Image registries that run in the estate. A container image names its
//! registry by host (`harbor.example.com/shop/web:1.4`); a registry
//! workload says which external host it serves in its own configuration:
//! Docker distribution's `REGISTRY_HTTP_HOST`, Harbor core's
//! `EXT_ENDPOINT`. Such a workload serves that host, as an Ingress rule's
//! host does, so the images pulled from it name it.

use super::{Index, Object, hosts, images, pod_spec_of};
use crate::parse::Node;

/// The variables that hold a registry's external URL, with the image
/// word that must be in one of the workload's images for it to count:
/// distribution reads `REGISTRY_HTTP_HOST` whatever its image is called.
const URL_VARIABLES: &[(&str, &str)] = &[("REGISTRY_HTTP_HOST", ""), ("EXT_ENDPOINT", "harbor")];

/// The hosts (lowercase, without port) the registry workload `o` serves:
/// the host of each URL variable of [`URL_VARIABLES`] its containers set,
/// as a literal `value` or from a ConfigMap of its namespace
/// (`configMapKeyRef`, or every key of an `envFrom` `configMapRef`).
pub(super) fn served_hosts<'a>(o: &Object<'a>, index: &Index<'_, 'a>) -> Vec<String> {
    let Some(pod) = pod_spec_of(o) else {
        return Vec::new();
    };
    let images = images(pod);
    let wanted: Vec<&str> = URL_VARIABLES
        .iter()
        .filter(|(_, word)| images.iter().any(|i| i.contains(word)))
        .map(|(var, _)| *var)
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let seq = |node: &'a Node, key: &str| node.get(key).map(Node::as_seq).unwrap_or_default();
    let config_value = |name: &str, key: &str| -> Option<&'a str> {
        index
            .get("ConfigMap", o, name)
            .and_then(|c| c.node.path(&["data", key]))
            .and_then(Node::as_text)
    };
    let mut values: Vec<&'a str> = Vec::new();
    for container in seq(pod, "containers") {
        for env in seq(container, "env") {
            let Some(var) = env.get("name").and_then(Node::as_text) else {
                continue;
            };
            if !wanted.contains(&var.trim()) {
                continue;
            }
            if let Some(value) = env.get("value").and_then(Node::as_text) {
                values.push(value);
            } else if let Some(r) = env.path(&["valueFrom", "configMapKeyRef"]) {
                let (Some(name), Some(key)) = (
                    r.get("name").and_then(Node::as_text),
                    r.get("key").and_then(Node::as_text),
                ) else {
                    continue;
                };
                values.extend(config_value(name, key));
            }
        }
        for from in seq(container, "envFrom") {
            let Some(name) = from.path(&["configMapRef", "name"]).and_then(Node::as_text) else {
                continue;
            };
            for var in &wanted {
                values.extend(config_value(name, var));
            }
        }
    }
    let mut out: Vec<String> = values
        .into_iter()
        .filter_map(|v| hosts::references(v, true).into_iter().next())
        .map(|h| h.name.to_ascii_lowercase())
        .filter(|h| h.contains('.'))
        .collect();
    out.sort();
    out.dedup();
    out
}
