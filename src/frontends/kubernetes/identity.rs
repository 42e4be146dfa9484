//! Engineers' sign-in: the OIDC issuers a tool sends engineers to before it
//! lets them in. While the issuer is down, the tool keeps running, but
//! nobody can sign in to use it to roll back, fail over or see what is
//! down: a recovery dependency of the tool on the issuer.
//!
//! Read from the configuration the tools themselves read:
//! - Argo CD's API server: `oidc.config` of the `argocd-cm` ConfigMap in its
//!   namespace (its `issuer`), and with `dex.config`, the bundled Dex
//!   server (Service `argocd-dex-server`) it sends engineers through;
//! - a Dex server (Argo CD's, or Dex itself): the `issuer` of each OIDC
//!   connector, in `dex.config` of `argocd-cm` or in a configuration file a
//!   mounted ConfigMap or Secret holds;
//! - Grafana: an OAuth provider's `auth_url`, `token_url` and `api_url`,
//!   from a `[auth.PROVIDER]` section of an `.ini` file a mounted ConfigMap
//!   holds, or from the `GF_AUTH_PROVIDER_*` environment variables that
//!   override it, when the provider is enabled.

use super::{Index, Object, data_key, host_target, hosts};
use crate::frontends::tools::Tool;
use crate::model::{Dependency, Strength};
use crate::parse::Node;
use crate::parse::yaml::{Limits, parse_stream};
use std::collections::BTreeMap;

/// The ConfigMap Argo CD reads its settings from.
const ARGOCD_CM: &str = "argocd-cm";
/// The Service through which Argo CD's API server reaches its bundled Dex
/// (the default of its `--dex-server` flag).
const ARGOCD_DEX: &str = "argocd-dex-server";
/// The keys of a Grafana OAuth provider that name the issuer's endpoints,
/// in the order one is taken as the provider's: the token endpoint Grafana
/// itself calls to sign anyone in, the authorisation endpoint it sends
/// browsers to, the user information endpoint.
const GRAFANA_URL_KEYS: &[&str] = &["token_url", "auth_url", "api_url"];

/// Whether an environment variable is one of Grafana's OAuth endpoints
/// (`GF_AUTH_GENERIC_OAUTH_TOKEN_URL`): a sign-in dependency, read here,
/// not a hard one.
pub(super) fn is_sign_in_variable(var: &str) -> bool {
    grafana_variable(var).is_some_and(|(_, key)| GRAFANA_URL_KEYS.contains(&key.as_str()))
}

/// `GF_AUTH_GENERIC_OAUTH_TOKEN_URL` → (`generic_oauth`, `token_url`).
fn grafana_variable(var: &str) -> Option<(String, String)> {
    let rest = var.strip_prefix("GF_AUTH_")?;
    ["AUTH_URL", "TOKEN_URL", "API_URL", "ENABLED"]
        .iter()
        .find_map(|key| {
            let provider = rest.strip_suffix(key)?.strip_suffix('_')?;
            (!provider.is_empty())
                .then(|| (provider.to_ascii_lowercase(), key.to_ascii_lowercase()))
        })
}

/// The recovery dependencies of workload `o` on the issuers its engineers
/// sign in through. `labels` are its own and its pod template's; `tool`
/// what it was recognised as.
pub(super) fn sign_in<'l>(
    o: &Object<'_>,
    pod: &Node,
    labels: impl Iterator<Item = (&'l str, &'l str)> + Clone,
    tool: Option<&Tool>,
    index: &Index<'_, '_>,
    deps: &mut Vec<Dependency>,
) {
    let mut found = Issuers {
        o,
        index,
        deps,
        seen: Vec::new(),
    };
    let product = tool.map(|t| t.product.as_str());
    let component = |name: &str| {
        labels
            .clone()
            .any(|(k, v)| k == "app.kubernetes.io/name" && v == name)
    };
    let argocd = (product == Some("Argo CD"))
        .then(|| index.get("ConfigMap", o, ARGOCD_CM))
        .flatten();
    if let Some(cm) = argocd {
        if component("argocd-server") {
            argocd_server(cm, &mut found);
        } else if component(ARGOCD_DEX)
            && let Some(value) = cm.node.path(&["data", "dex.config"])
        {
            found.dex_connectors(
                cm,
                value,
                "a connector of `dex.config` in ConfigMap argocd-cm",
            );
        }
    }
    if product == Some("Dex") {
        for (holder, key, value) in mounted(o, pod, index) {
            if key.ends_with(".yaml") || key.ends_with(".yml") {
                let via = format!("a connector of `{key}` in {} {}", holder.kind, holder.name);
                found.dex_connectors(holder, value, &via);
            }
        }
    }
    grafana(o, pod, &mut found);
}

/// Argo CD's API server: the issuer of `oidc.config`, and the bundled Dex
/// when `dex.config` is set and its Service is in the scanned files.
fn argocd_server(cm: &Object<'_>, found: &mut Issuers<'_, '_, '_, '_>) {
    if let Some(value) = cm.node.path(&["data", "oidc.config"]) {
        let issuer = value.as_text().and_then(embedded).and_then(|doc| {
            doc.get("issuer")
                .and_then(Node::as_text)
                .map(str::to_string)
        });
        if let Some(issuer) = issuer {
            found.push(
                cm,
                value,
                &issuer,
                "the issuer of `oidc.config` in ConfigMap argocd-cm",
            );
        }
    }
    if let Some(value) = cm.node.path(&["data", "dex.config"]) {
        let declared = found.index.services.contains(&(cm.namespace, ARGOCD_DEX));
        if declared && value.as_text().and_then(embedded).is_some() {
            found.push(
                cm,
                value,
                ARGOCD_DEX,
                "the bundled Dex `dex.config` in ConfigMap argocd-cm sets up",
            );
        }
    }
}

/// The text of an embedded YAML document, parsed: its root, when a
/// mapping.
pub(super) fn embedded(text: &str) -> Option<Node> {
    let (docs, _) = parse_stream(text, &Limits::default());
    docs.into_iter()
        .next()
        .map(|d| d.root)
        .filter(|r| !r.as_map().is_empty())
}

/// The values of the ConfigMaps (`data`) and Secrets (`stringData`) a
/// pod mounts as volumes (whole or projected), when they are in the
/// scanned files: each with its holder and key.
pub(super) fn mounted<'o, 'a>(
    o: &Object<'_>,
    pod: &Node,
    index: &Index<'o, 'a>,
) -> Vec<(&'o Object<'a>, &'a str, &'a Node)> {
    let mut sources: Vec<(&str, &Node)> = Vec::new();
    for volume in pod.get("volumes").map(Node::as_seq).unwrap_or_default() {
        let projected = volume
            .path(&["projected", "sources"])
            .map(Node::as_seq)
            .unwrap_or_default();
        for source in std::iter::once(volume).chain(projected) {
            for (kind, key, name) in [
                ("ConfigMap", "configMap", "name"),
                ("Secret", "secret", "secretName"),
                ("Secret", "secret", "name"),
            ] {
                if let Some(n) = source.path(&[key, name]) {
                    sources.push((kind, n));
                }
            }
        }
    }
    let mut out: Vec<(&'o Object<'a>, &'a str, &'a Node)> = Vec::new();
    for (kind, name) in sources {
        let Some(holder) = name.as_text().and_then(|n| index.get(kind, o, n)) else {
            continue;
        };
        if out
            .iter()
            .any(|(h, _, _)| std::ptr::eq::<Object<'_>>(*h, holder))
        {
            continue;
        }
        for (k, v) in holder
            .node
            .get(data_key(kind))
            .map(Node::as_map)
            .unwrap_or_default()
        {
            if let Some(key) = k.as_str() {
                out.push((holder, key, v));
            }
        }
    }
    out
}

/// Grafana's OAuth providers: the sections of the `.ini` files of its
/// mounted ConfigMaps, overridden by `GF_AUTH_*` variables. A provider
/// counts when it is enabled; each of its endpoints' hosts is a
/// dependency, at the variable's value or the `.ini` file's.
fn grafana(o: &Object<'_>, pod: &Node, found: &mut Issuers<'_, '_, '_, '_>) {
    // By provider: whether it is enabled, and its endpoints (key, holder,
    // the value node the URL is in, the URL).
    type Endpoint<'n> = (String, Option<&'n Object<'n>>, &'n Node, String);
    let mut providers: BTreeMap<String, (Option<bool>, Vec<Endpoint<'_>>)> = BTreeMap::new();
    for (holder, key, value) in mounted(o, pod, found.index) {
        if holder.kind != "ConfigMap" || !key.ends_with(".ini") {
            continue;
        }
        let Some(text) = value.as_text() else {
            continue;
        };
        for (section, entries) in ini_sections(text) {
            let Some(provider) = section.strip_prefix("auth.") else {
                continue;
            };
            let slot = providers.entry(provider.to_string()).or_default();
            for (k, v) in entries {
                if k == "enabled" {
                    slot.0 = Some(is_true(&v));
                } else if GRAFANA_URL_KEYS.contains(&k.as_str()) {
                    slot.1.push((k, Some(holder), value, v));
                }
            }
        }
    }
    for container in ["containers", "initContainers"]
        .iter()
        .flat_map(|k| pod.get(k).map(Node::as_seq).unwrap_or_default())
    {
        for env in container.get("env").map(Node::as_seq).unwrap_or_default() {
            let (Some(var), Some(value)) =
                (env.get("name").and_then(Node::as_text), env.get("value"))
            else {
                continue;
            };
            let (Some((provider, key)), Some(text)) = (grafana_variable(var), value.as_text())
            else {
                continue;
            };
            let slot = providers.entry(provider).or_default();
            if key == "enabled" {
                slot.0 = Some(is_true(text));
            } else {
                // The variable overrides the file's key.
                slot.1.retain(|(k, _, _, _)| *k != key);
                slot.1.push((key, None, value, text.to_string()));
            }
        }
    }
    for (provider, (enabled, endpoints)) in providers {
        if enabled != Some(true) {
            continue;
        }
        // One dependency per provider, on its first endpoint.
        let Some((key, holder, value, url)) = GRAFANA_URL_KEYS
            .iter()
            .find_map(|k| endpoints.iter().find(|e| e.0 == *k))
        else {
            continue;
        };
        let (at, via) = match holder {
            Some(h) => (
                *h,
                format!("the `{key}` of `[auth.{provider}]` in ConfigMap {}", h.name),
            ),
            None => (
                o,
                format!(
                    "the env var GF_AUTH_{}_{}",
                    provider.to_ascii_uppercase(),
                    key.to_ascii_uppercase()
                ),
            ),
        };
        found.push(at, value, url, &via);
    }
}

/// Whether a setting is true, as Grafana's configuration reads it.
fn is_true(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on"
    )
}

/// The sections of an INI file, each with its keys and values in order
/// (`;` and `#` start comments; quotes around a value are taken off).
fn ini_sections(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push((name.trim().to_string(), Vec::new()));
            continue;
        }
        let (Some((key, value)), Some(section)) = (line.split_once('='), sections.last_mut())
        else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        section
            .1
            .push((key.trim().to_ascii_lowercase(), value.to_string()));
    }
    sections
}

/// The dependencies found so far, one per target host.
struct Issuers<'f, 'i, 'o, 'a> {
    o: &'f Object<'f>,
    index: &'f Index<'o, 'a>,
    deps: &'i mut Vec<Dependency>,
    /// The hosts depended on so far.
    seen: Vec<String>,
}

impl Issuers<'_, '_, '_, '_> {
    /// The issuer of each OIDC connector of the Dex configuration in
    /// `value` (`connectors[].config.issuer`).
    fn dex_connectors(&mut self, holder: &Object<'_>, value: &Node, via: &str) {
        let Some(config) = value.as_text().and_then(embedded) else {
            return;
        };
        for connector in config
            .get("connectors")
            .map(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(issuer) = connector
                .path(&["config", "issuer"])
                .and_then(Node::as_text)
            {
                self.push(holder, value, issuer, via);
            }
        }
    }

    /// A recovery dependency on the host of `url`, at `value` of `holder`,
    /// unless one on that host is already recorded.
    fn push(&mut self, holder: &Object<'_>, value: &Node, url: &str, via: &str) {
        let Some(host) = hosts::references(url, true).into_iter().next() else {
            return;
        };
        let host = host.name.to_ascii_lowercase();
        if self.seen.contains(&host) {
            return;
        }
        let target = host_target(&host, self.o.namespace, self.index);
        self.deps.push(Dependency {
            target,
            strength: Strength::Recovery,
            span: holder.span(value),
            via: format!("engineers sign in to it through `{host}`, {via}").into(),
            explicit: false,
            origin: None,
        });
        self.seen.push(host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grafana_variables_name_provider_and_key() {
        assert_eq!(
            grafana_variable("GF_AUTH_GENERIC_OAUTH_TOKEN_URL"),
            Some(("generic_oauth".to_string(), "token_url".to_string()))
        );
        assert_eq!(
            grafana_variable("GF_AUTH_ANONYMOUS_ENABLED"),
            Some(("anonymous".to_string(), "enabled".to_string()))
        );
        assert_eq!(grafana_variable("GF_AUTH_TOKEN_URL"), None);
        assert!(is_sign_in_variable("GF_AUTH_OKTA_API_URL"));
        assert!(!is_sign_in_variable("GF_AUTH_GENERIC_OAUTH_ENABLED"));
        assert!(!is_sign_in_variable("GF_SERVER_ROOT_URL"));
    }

    #[test]
    fn ini_sections_keep_order_and_drop_comments() {
        let text = "; comment\n[server]\nroot_url = x\n[auth.generic_oauth]\n# off\nEnabled = \"true\"\ntoken_url=https://sso/t\n";
        let sections = ini_sections(text);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[1].0, "auth.generic_oauth");
        assert_eq!(
            sections[1].1,
            vec![
                ("enabled".to_string(), "true".to_string()),
                ("token_url".to_string(), "https://sso/t".to_string())
            ]
        );
    }
}
