//! Secret stores a pod cannot start without. The Vault agent injector
//! (`vault.hashicorp.com/agent-inject: "true"` on a pod template) adds an
//! init container that must read the pod's secrets from Vault before the
//! pod's own containers start: while Vault is down, what runs keeps
//! running, and a pod that must be recreated waits.

use super::{Index, Object, admission, host_target, hosts};
use crate::model::{Dependency, Strength};
use crate::parse::Node;
use std::collections::BTreeSet;

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
