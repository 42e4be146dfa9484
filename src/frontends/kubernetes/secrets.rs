//! Secret stores a pod cannot start without. The Vault agent injector
//! (`vault.hashicorp.com/agent-inject: "true"` on a pod template) adds an
//! init container that must read the pod's secrets from Vault before the
//! pod's own containers start: while Vault is down, what runs keeps
//! running, and a pod that must be recreated waits.

use super::{Index, Object, admission, host_target, hosts};
use crate::model::{Dependency, Strength};
use crate::parse::Node;
use base64::Engine as _;
use std::collections::BTreeSet;

/// A value of a Secret: as written in `stringData`, or decoded from
/// `data`.
pub(super) enum Stored<'n> {
    Written(&'n Node),
    Decoded(&'n Node, String),
}

impl<'n> Stored<'n> {
    /// The node the value is written at.
    pub(super) fn node(&self) -> &'n Node {
        match self {
            Stored::Written(node) | Stored::Decoded(node, _) => node,
        }
    }

    pub(super) fn text(&self) -> Option<&str> {
        match self {
            Stored::Written(node) => node.as_text(),
            Stored::Decoded(_, text) => Some(text),
        }
    }
}

/// The value of `key` of Secret `holder`, if it has one: `stringData`,
/// which the API server writes over `data`, else `data` decoded from
/// base64; the `data` node and what is wrong with it when it is not base64,
/// or not text once decoded.
pub(super) fn value<'n>(
    holder: &Object<'n>,
    key: &str,
) -> Option<Result<Stored<'n>, (&'n Node, &'static str)>> {
    if let Some(node) = holder.node.path(&["stringData", key]) {
        return Some(Ok(Stored::Written(node)));
    }
    let node = holder.node.path(&["data", key])?;
    let encoded: String = node.as_text()?.split_ascii_whitespace().collect();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.as_bytes())
        .map_err(|_| "is not base64")
        .and_then(|bytes| String::from_utf8(bytes).map_err(|_| "is not text"));
    Some(match decoded {
        Ok(text) => Ok(Stored::Decoded(node, text)),
        Err(problem) => Err((node, problem)),
    })
}

/// Every value of Secret `holder` that can be read, in the order written:
/// each key of `stringData`, then each of `data` that `stringData` does
/// not write over, decoded (one that is not base64 text is left out).
pub(super) fn values<'n>(holder: &Object<'n>) -> Vec<(&'n str, Stored<'n>)> {
    let keys = |field: &str| -> Vec<&'n str> {
        holder
            .node
            .get(field)
            .map(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .collect()
    };
    let mut all = keys("stringData");
    for key in keys("data") {
        if !all.contains(&key) {
            all.push(key);
        }
    }
    all.into_iter()
        .filter_map(|key| Some((key, value(holder, key)?.ok()?)))
        .collect()
}

/// The pod annotation that asks the injector for a Vault agent.
const AGENT_INJECT: &str = "vault.hashicorp.com/agent-inject";
/// The pod annotation that names the Vault address the agent uses.
const VAULT_SERVICE: &str = "vault.hashicorp.com/service";
/// The injector's environment variable holding the default Vault address.
pub(super) const INJECTOR_ADDRESS: &str = "AGENT_INJECT_VAULT_ADDR";

/// The literal `AGENT_INJECT_VAULT_ADDR` of a workload's containers: the
/// Vault address a Vault agent injector gives the agents it injects.
pub(super) fn injector_address(pod: &Node) -> Option<&str> {
    pod.get("containers")
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .flat_map(|c| c.get("env").map(Node::as_seq).unwrap_or_default())
        .find(|e| e.get("name").and_then(Node::as_text) == Some(INJECTOR_ADDRESS))
        .and_then(|e| e.get("value"))
        .and_then(Node::as_text)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Whether an annotation's value is true as Go's `strconv.ParseBool` reads
/// it, as the injector does.
fn is_true(node: &Node) -> bool {
    matches!(
        node.as_text().map(str::trim),
        Some("1" | "t" | "T" | "true" | "TRUE" | "True")
    )
}

/// A recovery dependency of `o`, whose pod template is `template`, on the
/// Vault its injected agent reads from: the address of the template's
/// `vault.hashicorp.com/service` annotation, else the one every Vault agent
/// injector of its cluster gives (they must agree). At the `agent-inject`
/// annotation; none when the address is not known.
pub(super) fn vault_agent(
    o: &Object<'_>,
    template: Option<&Node>,
    index: &Index<'_, '_>,
    deps: &mut Vec<Dependency>,
) {
    let annotations = template.and_then(|t| t.path(&["metadata", "annotations"]));
    let Some(inject) = annotations
        .and_then(|a| a.get(AGENT_INJECT))
        .filter(|n| is_true(n))
    else {
        return;
    };
    let address = match annotations
        .and_then(|a| a.get(VAULT_SERVICE))
        .and_then(Node::as_text)
    {
        Some(address) => address.to_string(),
        None => {
            let found: BTreeSet<&str> = index
                .vault_injectors
                .iter()
                .filter(|(injector, _)| admission::reaches(injector, o, index))
                .map(|(_, address)| *address)
                .collect();
            let mut found = found.into_iter();
            match (found.next(), found.next()) {
                (Some(address), None) => address.to_string(),
                _ => return,
            }
        }
    };
    let Some(host) = hosts::references(&address, true).into_iter().next() else {
        return;
    };
    let host = host.name.to_ascii_lowercase();
    let target = host_target(&host, o.namespace, index);
    deps.push(Dependency {
        target,
        strength: Strength::Recovery,
        span: o.span(inject),
        via: format!(
            "its pods start only once the Vault agent has read their secrets from `{host}`"
        )
        .into(),
        explicit: false,
        origin: None,
    });
}
