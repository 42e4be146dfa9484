//! The alerting path: where a monitoring tool sends the alerts it raises.
//! An alert about an incident reaches engineers only if the chat, mail or
//! paging service it goes through survives the incident.
//!
//! Read from the configuration the tools themselves read, in the
//! ConfigMaps and Secrets they mount:
//! - Alertmanager: the receivers of its configuration file (a mounted key
//!   whose YAML holds `receivers`), each `*_configs` entry's `url`,
//!   `api_url`, `webhook_url` or `smarthost`;
//! - Grafana: the contact points of its alerting provisioning files
//!   (`contactPoints`, each receiver's `settings.url`, `settings.endpointUrl`
//!   or `settings.apiUrl`).
//!
//! Each host is a dependency of kind [`Strength::Alerts`] on what serves it
//! in the estate (a Service by its cluster DNS name, an Ingress host, a
//! manifest entry's `hosts`). A host nothing in the estate serves (a
//! PagerDuty, Opsgenie or Slack endpoint) is outside the estate: the
//! dependency names nothing and no finding follows from it.

use super::identity::{embedded, mounted};
use super::{Index, Object, host_target, hosts};
use crate::frontends::tools::Tool;
use crate::model::{Dependency, Strength};
use crate::parse::Node;
use crate::parse::block::relocate;
use crate::source::{Span, TextRange};

/// The keys of an Alertmanager `*_configs` entry that hold the address it
/// sends to, in the order one is taken.
const ALERTMANAGER_KEYS: &[&str] = &["url", "api_url", "webhook_url", "smarthost"];
/// The keys of a Grafana contact point's `settings` that hold the address
/// it sends to.
const GRAFANA_KEYS: &[&str] = &["url", "endpointUrl", "apiUrl"];

/// The alerting dependencies of workload `o` (pod spec `pod`), recognised
/// as `tool`: on the receivers of its mounted Alertmanager configuration,
/// or the contact points of its mounted Grafana provisioning files.
pub(super) fn dependencies(
    o: &Object<'_>,
    pod: &Node,
    tool: Option<&Tool>,
    index: &Index<'_, '_>,
    deps: &mut Vec<Dependency>,
) {
    let product = tool.map(|t| t.product.as_str());
    if !matches!(product, Some("Alertmanager" | "Grafana")) {
        return;
    }
    let mut seen: Vec<String> = Vec::new();
    for (holder, key, value) in mounted(o, pod, index) {
        if !(key.ends_with(".yml") || key.ends_with(".yaml")) {
            continue;
        }
        let Some(text) = value.as_text() else {
            continue;
        };
        let Some(mut doc) = embedded(text) else {
            continue;
        };
        // Written as a literal block, the document's positions are the
        // file's: a finding points at the receiver's address.
        let located = index.sources.is_some_and(|sources| {
            let file = sources.get(holder.file).text();
            relocate(&mut doc, file, value.range, text)
        });
        let place = format!("`{key}` of {} {}", holder.kind, holder.name);
        let found = if product == Some("Alertmanager") {
            receivers(&doc)
        } else {
            contact_points(&doc)
        };
        for (receiver, entry, url, at) in found {
            let Some(host) = hosts::endpoint_host(&url) else {
                continue;
            };
            if seen.contains(&host) {
                continue;
            }
            let what = if product == Some("Alertmanager") {
                format!("the `{entry}` of receiver `{receiver}` in {place}")
            } else {
                format!("the `{entry}` of contact point `{receiver}` in {place}")
            };
            deps.push(Dependency {
                target: host_target(&host, o.namespace, index),
                strength: Strength::Alerts,
                span: if located {
                    Span::new(holder.file, at)
                } else {
                    holder.span(value)
                },
                via: format!("it sends alerts through `{host}`, {what}").into(),
                explicit: false,
                origin: None,
            });
            seen.push(host);
        }
    }
}

/// A receiver's name, the `kind.key` of its entry, the address and where
/// the address is written.
type Address = (String, String, String, TextRange);

/// The addresses an Alertmanager configuration sends to, in order.
fn receivers(doc: &Node) -> Vec<Address> {
    let mut out = Vec::new();
    for receiver in doc.get("receivers").map(Node::as_seq).unwrap_or_default() {
        let name = receiver
            .get("name")
            .and_then(Node::as_text)
            .unwrap_or_default();
        for (kind, entries) in receiver.as_map() {
            let Some(kind) = kind.as_str().filter(|k| k.ends_with("_configs")) else {
                continue;
            };
            for entry in entries.as_seq() {
                let address = ALERTMANAGER_KEYS.iter().find_map(|k| {
                    let node = entry.get(k)?;
                    node.as_text().map(|v| (k, v, node.range))
                });
                if let Some((key, address, at)) = address {
                    out.push((
                        name.to_string(),
                        format!("{kind}.{key}"),
                        address.to_string(),
                        at,
                    ));
                }
            }
        }
    }
    out
}

/// The addresses of a Grafana alerting provisioning file's contact points
/// (`apiVersion: 1`, `contactPoints[].receivers[].settings`), in order;
/// the name is the contact point's, the entry the receiver's `type.key`.
fn contact_points(doc: &Node) -> Vec<Address> {
    let mut out = Vec::new();
    for point in doc
        .get("contactPoints")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let name = point
            .get("name")
            .and_then(Node::as_text)
            .unwrap_or_default();
        for receiver in point.get("receivers").map(Node::as_seq).unwrap_or_default() {
            let kind = receiver
                .get("type")
                .and_then(Node::as_text)
                .unwrap_or("receiver");
            let address = GRAFANA_KEYS.iter().find_map(|k| {
                let node = receiver.path(&["settings", k])?;
                node.as_text().map(|v| (k, v, node.range))
            });
            if let Some((key, address, at)) = address {
                out.push((
                    name.to_string(),
                    format!("{kind}.{key}"),
                    address.to_string(),
                    at,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::{Limits, parse_stream};

    fn doc(text: &str) -> Node {
        let (docs, _) = parse_stream(text, &Limits::default());
        docs.into_iter().next().map(|d| d.root).expect("a document")
    }

    /// The addresses found in `text`, each with the text its range covers
    /// (it must be the address as written).
    fn written(text: &str, found: Vec<Address>) -> Vec<(String, String, String)> {
        found
            .into_iter()
            .map(|(name, entry, address, at)| {
                assert_eq!(&text[at.start as usize..at.end as usize], address);
                (name, entry, address)
            })
            .collect()
    }

    #[test]
    fn receivers_name_each_address() {
        let text = "route: {receiver: chat}\nreceivers:\n  - name: chat\n    webhook_configs:\n      - url: http://chat.chat.svc:8065/hooks/x\n  - name: mail\n    email_configs:\n      - to: ops@example.com\n        smarthost: smtp.example.com:587\n  - name: quiet\n";
        assert_eq!(
            written(text, receivers(&doc(text))),
            vec![
                (
                    "chat".to_string(),
                    "webhook_configs.url".to_string(),
                    "http://chat.chat.svc:8065/hooks/x".to_string()
                ),
                (
                    "mail".to_string(),
                    "email_configs.smarthost".to_string(),
                    "smtp.example.com:587".to_string()
                ),
            ]
        );
        assert_eq!(
            hosts::endpoint_host("smtp.example.com:587").as_deref(),
            Some("smtp.example.com")
        );
        assert_eq!(
            hosts::endpoint_host("https://Chat.Example.com/hooks").as_deref(),
            Some("chat.example.com")
        );
        assert_eq!(hosts::endpoint_host("{{ .Values.url }}"), None);
    }

    #[test]
    fn contact_points_name_each_address() {
        let text = "apiVersion: 1\ncontactPoints:\n  - orgId: 1\n    name: ops\n    receivers:\n      - uid: a\n        type: slack\n        settings:\n          url: https://chat.example.com/hooks/1\n      - uid: b\n        type: email\n        settings:\n          addresses: ops@example.com\n";
        assert_eq!(
            written(text, contact_points(&doc(text))),
            vec![(
                "ops".to_string(),
                "slack.url".to_string(),
                "https://chat.example.com/hooks/1".to_string()
            )]
        );
    }
}
