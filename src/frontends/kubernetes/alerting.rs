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
use super::secrets::{self, Stored};
use super::{Index, Object, host_target, hosts, selector_matches, string_map};
use crate::diagnostic::Diagnostic;
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
    let mut sent = Sent {
        o,
        index,
        deps,
        seen: Vec::new(),
    };
    for (holder, key, value) in mounted(o, pod, index) {
        if !(key.ends_with(".yml") || key.ends_with(".yaml")) {
            continue;
        }
        let Some(text) = value.as_text() else {
            continue;
        };
        let Some((doc, located)) = document(holder, value, text, index) else {
            continue;
        };
        let place = format!("`{key}` of {} {}", holder.kind, holder.name);
        let found = if product == Some("Alertmanager") {
            receivers(&doc)
        } else {
            contact_points(&doc)
        };
        for (receiver, entry, url, at) in found {
            let span = if located {
                Span::new(holder.file, at)
            } else {
                holder.span(value)
            };
            let what = if product == Some("Alertmanager") {
                format!("the `{entry}` of receiver `{receiver}` in {place}")
            } else {
                format!("the `{entry}` of contact point `{receiver}` in {place}")
            };
            sent.push(&url, span, &what);
        }
    }
}

/// The document a ConfigMap's or Secret's value `value` (`text`) holds,
/// and whether its positions are the file's: written as a literal block,
/// a finding points at the receiver's address.
fn document(
    holder: &Object<'_>,
    value: &Node,
    text: &str,
    index: &Index<'_, '_>,
) -> Option<(Node, bool)> {
    let mut doc = embedded(text)?;
    let located = index.sources.is_some_and(|sources| {
        let file = sources.get(holder.file).text();
        relocate(&mut doc, file, value.range, text)
    });
    Some((doc, located))
}

/// The alerting dependencies of one alerting tool, each host once.
struct Sent<'s> {
    o: &'s Object<'s>,
    index: &'s Index<'s, 's>,
    deps: &'s mut Vec<Dependency>,
    seen: Vec<String>,
}

impl Sent<'_> {
    /// A dependency on the host of `url`, written at `span`, sent through
    /// as `what` says.
    fn push(&mut self, url: &str, span: Span, what: &str) {
        let Some(host) = hosts::endpoint_host(url) else {
            return;
        };
        if self.seen.contains(&host) {
            return;
        }
        self.deps.push(Dependency {
            target: host_target(&host, self.o.namespace, self.index),
            strength: Strength::Alerts,
            span,
            via: format!("it sends alerts through `{host}`, {what}").into(),
            explicit: false,
            origin: None,
        });
        self.seen.push(host);
    }
}

/// The API group of the Prometheus Operator's resources.
const PROMETHEUS_OPERATOR: &str = "monitoring.coreos.com";
/// The key of an `Alertmanager`'s configuration Secret that holds its
/// configuration file.
const CONFIG_KEY: &str = "alertmanager.yaml";
/// The keys of an `AlertmanagerConfig` receiver's `*Configs` entry that
/// hold the address it sends to, or the Secret key holding it, in the
/// order one is taken (`urlSecret` takes precedence over `url`).
const OPERATOR_KEYS: &[&str] = &[
    "urlSecret",
    "url",
    "apiURL",
    "apiUrl",
    "webhookUrl",
    "webhookURL",
    "smarthost",
];

/// The alerting dependencies of a Prometheus Operator `Alertmanager` `o`:
/// the receivers of its configuration Secret (`spec.configSecret`, else
/// `alertmanager-<name>`; key `alertmanager.yaml`, from `stringData` or
/// base64 `data`), and those of the `AlertmanagerConfig` resources it
/// selects (`alertmanagerConfigSelector` in the namespaces of
/// `alertmanagerConfigNamespaceSelector`, and
/// `alertmanagerConfiguration.name`). A `data` value that is not base64
/// text is an error in `errors`.
pub(super) fn operated(
    o: &Object<'_>,
    index: &Index<'_, '_>,
    deps: &mut Vec<Dependency>,
    errors: &mut Vec<Diagnostic>,
) {
    if o.api_group() != PROMETHEUS_OPERATOR || o.kind != "Alertmanager" {
        return;
    }
    let mut sent = Sent {
        o,
        index,
        deps,
        seen: Vec::new(),
    };
    let spec = o.node.get("spec");
    let secret = spec
        .and_then(|s| s.get("configSecret"))
        .and_then(Node::as_text)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map_or_else(|| format!("alertmanager-{}", o.name), str::to_string);
    let mut global = None;
    if let Some(holder) = index.get("Secret", o, &secret)
        && let Some(value) = secret_value(holder, CONFIG_KEY, errors)
        && let Some((doc, located)) = match &value {
            Stored::Written(node) => node
                .as_text()
                .and_then(|text| document(holder, node, text, index)),
            Stored::Decoded(_, text) => embedded(text).map(|doc| (doc, false)),
        }
    {
        let place = format!("`{CONFIG_KEY}` of Secret {}", holder.name);
        for (receiver, entry, url, at) in receivers(&doc) {
            let span = if located {
                Span::new(holder.file, at)
            } else {
                holder.span(value.node())
            };
            let what = format!("the `{entry}` of receiver `{receiver}` in {place}");
            sent.push(&url, span, &what);
        }
        global = doc.get("global").cloned();
    }
    for config in selected_configs(o, index) {
        operator_receivers(&mut sent, config, global.as_ref(), errors);
    }
}

/// The value of `key` of Secret `holder` ([`secrets::value`]). A `data`
/// value that is not base64, or not text once decoded, is an error.
fn secret_value<'n>(
    holder: &Object<'n>,
    key: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<Stored<'n>> {
    match secrets::value(holder, key)? {
        Ok(value) => Some(value),
        Err((node, problem)) => {
            let error = Diagnostic::error(
                "parse-error",
                holder.span(node),
                format!(
                    "`data.{key}` of Secret `{}/{}` {problem}: spof cannot read where its alerts go",
                    holder.namespace, holder.name
                ),
            )
            .with_label("not base64-encoded text");
            if !errors
                .iter()
                .any(|d| d.span == error.span && d.message == error.message)
            {
                errors.push(error);
            }
            None
        }
    }
}

/// The `AlertmanagerConfig`s `Alertmanager` `o` reads, in object order:
/// the one `spec.alertmanagerConfiguration.name` names, in its namespace,
/// and those of its cluster that `alertmanagerConfigSelector` selects (an
/// unset selector selects none) in the namespaces of
/// `alertmanagerConfigNamespaceSelector` (unset: its own; a namespace
/// whose labels are not in the scanned files is not selected).
fn selected_configs<'o, 'a>(o: &Object<'_>, index: &Index<'o, 'a>) -> Vec<&'o Object<'a>> {
    let spec = o.node.get("spec");
    let global = spec
        .and_then(|s| s.path(&["alertmanagerConfiguration", "name"]))
        .and_then(Node::as_text)
        .map(str::trim);
    let selector = spec
        .and_then(|s| s.get("alertmanagerConfigSelector"))
        .filter(|s| s.is_map());
    let namespaces = spec
        .and_then(|s| s.get("alertmanagerConfigNamespaceSelector"))
        .filter(|s| s.is_map());
    index
        .alertmanager_configs
        .iter()
        .copied()
        .filter(|c| c.cluster == o.cluster)
        .filter(|c| {
            if c.namespace == o.namespace && Some(c.name) == global {
                return true;
            }
            let Some(selector) = selector else {
                return false;
            };
            let in_namespace = match namespaces {
                None => c.namespace == o.namespace,
                Some(ns) if selects_all(ns) => true,
                Some(ns) => index.namespace(c).is_some_and(|n| {
                    selector_matches(ns, &string_map(n.node.path(&["metadata", "labels"])))
                }),
            };
            in_namespace
                && selector_matches(selector, &string_map(c.node.path(&["metadata", "labels"])))
        })
        .collect()
}

/// Whether a label selector has no requirement (`{}`): it selects
/// everything, labelled or not.
fn selects_all(selector: &Node) -> bool {
    ["matchLabels", "matchExpressions"].iter().all(|k| {
        selector
            .get(k)
            .is_none_or(|v| v.as_map().is_empty() && v.as_seq().is_empty())
    })
}

/// The addresses of the receivers of `AlertmanagerConfig` `config`: each
/// `*Configs` entry's address, written (`url`, `smarthost`) or in a Secret
/// of the config's namespace (`urlSecret`, a Slack `apiURL`), else the
/// `global` one of its kind in the Alertmanager's configuration.
fn operator_receivers(
    sent: &mut Sent<'_>,
    config: &Object<'_>,
    global: Option<&Node>,
    errors: &mut Vec<Diagnostic>,
) {
    let receivers = config.node.path(&["spec", "receivers"]);
    for receiver in receivers.map(Node::as_seq).unwrap_or_default() {
        let name = receiver
            .get("name")
            .and_then(Node::as_text)
            .unwrap_or_default();
        for (kind_key, entries) in receiver.as_map() {
            let Some(kind) = kind_key.as_str().filter(|k| k.ends_with("Configs")) else {
                continue;
            };
            for entry in entries.as_seq() {
                let place = format!(
                    "receiver `{name}` of AlertmanagerConfig `{}/{}`",
                    config.namespace, config.name
                );
                let own = OPERATOR_KEYS
                    .iter()
                    .find_map(|k| Some((*k, entry.get(k).filter(|n| !n.is_null())?)));
                match own {
                    Some((key, node)) if node.is_map() => {
                        let secret = node.get("name").and_then(Node::as_text);
                        let secret_key = node.get("key").and_then(Node::as_text);
                        let (Some(secret), Some(secret_key)) = (secret, secret_key) else {
                            continue;
                        };
                        let Some(holder) = sent.index.get("Secret", config, secret.trim()) else {
                            continue;
                        };
                        let Some(value) = secret_value(holder, secret_key.trim(), errors) else {
                            continue;
                        };
                        if let Some(url) = value.text() {
                            let what = format!(
                                "the `{kind}.{key}` of {place}, in key `{}` of Secret {}",
                                secret_key.trim(),
                                holder.name
                            );
                            sent.push(url.trim(), holder.span(value.node()), &what);
                        }
                    }
                    Some((key, node)) => {
                        if let Some(url) = node.as_text() {
                            let what = format!("the `{kind}.{key}` of {place}");
                            sent.push(url, config.span(node), &what);
                        }
                    }
                    None => {
                        let Some((key, node)) = global_address(global, kind) else {
                            continue;
                        };
                        if let Some(url) = node.as_text() {
                            let what = format!(
                                "the `{key}` of the Alertmanager's configuration, for {place}"
                            );
                            // The address is written in the Alertmanager's
                            // Secret; the receiver's kind is what takes it.
                            sent.push(url, config.span(kind_key), &what);
                        }
                    }
                }
            }
        }
    }
}

/// A receiver's name, the `kind.key` of its entry, the address and where
/// the address is written.
type Address = (String, String, String, TextRange);

/// The setting of an Alertmanager configuration's `global` section that
/// gives the address of the receivers of `kind` (`slack_configs`,
/// `slackConfigs`) that set none: `global.slack_api_url`,
/// `global.smtp_smarthost` for mail, `global.pagerduty_url`.
fn global_address<'d>(global: Option<&'d Node>, kind: &str) -> Option<(String, &'d Node)> {
    let global = global?;
    let base = kind
        .strip_suffix("_configs")
        .or_else(|| kind.strip_suffix("Configs"))?
        .to_ascii_lowercase();
    let keys = if base == "email" {
        vec!["smtp_smarthost".to_string()]
    } else {
        vec![format!("{base}_api_url"), format!("{base}_url")]
    };
    keys.into_iter().find_map(|k| {
        let node = global.get(&k).filter(|n| n.as_text().is_some())?;
        Some((format!("global.{k}"), node))
    })
}

/// The addresses an Alertmanager configuration sends to, in order; a
/// receiver that sets no address of its own sends to the `global` one of
/// its kind.
fn receivers(doc: &Node) -> Vec<Address> {
    let mut out = Vec::new();
    let global = doc.get("global");
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
                let own = ALERTMANAGER_KEYS.iter().find_map(|k| {
                    let node = entry.get(k)?;
                    node.as_text()
                        .map(|v| (format!("{kind}.{k}"), v, node.range))
                });
                let address = own.or_else(|| {
                    let (key, node) = global_address(global, kind)?;
                    node.as_text().map(|v| (key, v, node.range))
                });
                if let Some((key, address, at)) = address {
                    out.push((name.to_string(), key, address.to_string(), at));
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
    fn receivers_without_an_address_take_the_global_one() {
        let text = "global:\n  slack_api_url: https://chat.example.com/hooks/1\n  smtp_smarthost: smtp.example.com:25\nreceivers:\n  - name: chat\n    slack_configs:\n      - channel: '#ops'\n  - name: own\n    slack_configs:\n      - api_url: https://other.example.com/x\n  - name: mail\n    email_configs:\n      - to: ops@example.com\n  - name: pager\n    pagerduty_configs:\n      - routing_key: k\n";
        assert_eq!(
            written(text, receivers(&doc(text))),
            vec![
                (
                    "chat".to_string(),
                    "global.slack_api_url".to_string(),
                    "https://chat.example.com/hooks/1".to_string()
                ),
                (
                    "own".to_string(),
                    "slack_configs.api_url".to_string(),
                    "https://other.example.com/x".to_string()
                ),
                (
                    "mail".to_string(),
                    "global.smtp_smarthost".to_string(),
                    "smtp.example.com:25".to_string()
                ),
            ]
        );
        // The operator's camel-case kinds take the same settings.
        let global = doc("smtp_smarthost: relay.example.com:25\n");
        assert_eq!(
            global_address(Some(&global), "emailConfigs").map(|(k, _)| k),
            Some("global.smtp_smarthost".to_string())
        );
        assert_eq!(global_address(Some(&global), "webhookConfigs"), None);
        assert_eq!(global_address(None, "slack_configs"), None);
    }

    #[test]
    fn an_empty_selector_selects_everything() {
        assert!(selects_all(&doc("{}")));
        assert!(selects_all(&doc("matchLabels: {}\n")));
        assert!(!selects_all(&doc("matchLabels: {team: shop}\n")));
        assert!(!selects_all(&doc(
            "matchExpressions:\n  - {key: team, operator: Exists}\n"
        )));
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
