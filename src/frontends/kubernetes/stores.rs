//! Where the Secrets a pod needs come from. A pod does not start without
//! the Secrets its containers, volumes and image pulls name (unless marked
//! `optional`), and some Secrets exist only because something wrote them
//! from elsewhere:
//!
//! - External Secrets: an `ExternalSecret` has its operator write the
//!   Secret of `spec.target.name` from the backend of a `SecretStore` or
//!   `ClusterSecretStore` (a Vault server, AWS Secrets Manager in a region,
//!   GCP Secret Manager, an Azure Key Vault, …);
//! - sealed-secrets: a `SealedSecret` is decrypted into the Secret of its
//!   name by the sealed-secrets controller;
//! - the Secrets Store CSI driver: a pod's `csi` volume of driver
//!   `secrets-store.csi.k8s.io` is mounted only once the provider of its
//!   `SecretProviderClass` has read the secrets from the backend.
//!
//! Each is a recovery dependency of the workload: while the backend is
//! down what runs keeps running, and what must be mounted, written or
//! rewritten (a new pod of the CSI driver, a Secret in a namespace or
//! cluster rebuilt elsewhere, a refresh) waits.

use super::{Index, Object, admission, host_target, hosts};
use crate::model::{Dependency, Reference, Strength};
use crate::parse::Node;
use crate::source::Span;
use std::collections::HashMap;

/// The API groups of the objects read here.
const EXTERNAL_SECRETS: &str = "external-secrets.io";
const SEALED_SECRETS: &str = "bitnami.com";
const SECRETS_STORE_CSI: &str = "secrets-store.csi.x-k8s.io";
/// The Secrets Store CSI driver's name in a pod's `csi` volume.
const CSI_DRIVER: &str = "secrets-store.csi.k8s.io";
/// The product of `rules/tools.toml` that decrypts `SealedSecret`s.
const SEALED_SECRETS_CONTROLLER: &str = "sealed-secrets";

/// What the secret sources read, by cluster, namespace and name.
#[derive(Default)]
pub(super) struct Stores<'o, 'a> {
    /// `ExternalSecret`s by cluster, namespace and the Secret they write.
    external: HashMap<(Option<usize>, &'a str, &'a str), Vec<&'o Object<'a>>>,
    /// `ClusterExternalSecret`s, in object order.
    cluster_external: Vec<&'o Object<'a>>,
    /// `ClusterSecretStore`s by cluster and name.
    cluster_stores: HashMap<(Option<usize>, &'a str), Vec<&'o Object<'a>>>,
    /// Workloads running the sealed-secrets controller.
    sealed_controllers: Vec<&'o Object<'a>>,
    /// Whether the scanned files hold a `SealedSecret` or a
    /// `SecretProviderClass`.
    sealed_or_classes: bool,
}

impl<'o, 'a> Stores<'o, 'a> {
    pub(super) fn new(objects: &'o [Object<'a>]) -> Self {
        let mut stores = Self::default();
        for o in objects {
            match (o.kind, o.api_group()) {
                ("ExternalSecret", EXTERNAL_SECRETS) => {
                    let target = o
                        .node
                        .path(&["spec", "target", "name"])
                        .and_then(Node::as_text)
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .unwrap_or(o.name);
                    stores
                        .external
                        .entry((o.cluster, o.namespace, target))
                        .or_default()
                        .push(o);
                }
                ("SealedSecret", SEALED_SECRETS) | ("SecretProviderClass", SECRETS_STORE_CSI) => {
                    stores.sealed_or_classes = true;
                }
                ("ClusterExternalSecret", EXTERNAL_SECRETS) => stores.cluster_external.push(o),
                ("ClusterSecretStore", EXTERNAL_SECRETS) => stores
                    .cluster_stores
                    .entry((o.cluster, o.name))
                    .or_default()
                    .push(o),
                ("Deployment" | "StatefulSet" | "DaemonSet", _) if runs_sealed_secrets(o) => {
                    stores.sealed_controllers.push(o);
                }
                _ => {}
            }
        }
        stores
    }
}

/// Whether workload `o` is the sealed-secrets controller, as the tool
/// catalog recognises it: by image (`bitnami/sealed-secrets-controller`)
/// or by the labels of the workload and its pods (the `sealed-secrets`
/// chart).
fn runs_sealed_secrets(o: &Object<'_>) -> bool {
    let images = super::pod_spec_of(o).map(super::images).unwrap_or_default();
    let labels = |path: &[&str]| {
        o.node
            .path(path)
            .map(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| Some((k.as_text()?, v.as_text()?)))
    };
    let labels =
        labels(&["metadata", "labels"]).chain(labels(&["spec", "template", "metadata", "labels"]));
    crate::frontends::tools::detect(images.iter().copied(), labels)
        .is_some_and(|t| t.product == SEALED_SECRETS_CONTROLLER)
}

/// A Secret a pod needs to start, with the line that names it.
struct Needed<'n> {
    name: &'n str,
    span: Span,
}

/// The Secrets `o`'s pod spec `pod` cannot start without: those of its
/// containers' `env` (`secretKeyRef`) and `envFrom` (`secretRef`), of its
/// `secret` and `projected` volumes, and its `imagePullSecrets` (or those
/// of its ServiceAccount, which the API server copies into the pod).
/// References marked `optional: true` are left out.
fn needed<'n>(o: &Object<'n>, pod: &'n Node, index: &Index<'_, 'n>) -> Vec<Needed<'n>> {
    let mut out = Vec::new();
    let mut push = |holder: &Object<'_>, reference: Option<&'n Node>, key: &str| {
        let Some(reference) = reference else {
            return;
        };
        if reference.get("optional").and_then(Node::as_bool) == Some(true) {
            return;
        }
        if let Some(name) = reference.get(key).filter(|n| n.as_text().is_some()) {
            out.push(Needed {
                name: name.as_text().unwrap_or_default().trim(),
                span: holder.span(name),
            });
        }
    };
    let seq = |node: &'n Node, key: &str| node.get(key).map(Node::as_seq).unwrap_or_default();
    for container in seq(pod, "containers")
        .iter()
        .chain(seq(pod, "initContainers"))
    {
        for env in seq(container, "env") {
            push(o, env.path(&["valueFrom", "secretKeyRef"]), "name");
        }
        for from in seq(container, "envFrom") {
            push(o, from.get("secretRef"), "name");
        }
    }
    for volume in seq(pod, "volumes") {
        push(o, volume.get("secret"), "secretName");
        for source in volume
            .path(&["projected", "sources"])
            .map(Node::as_seq)
            .unwrap_or_default()
        {
            push(o, source.get("secret"), "name");
        }
    }
    let own = seq(pod, "imagePullSecrets");
    if own.is_empty() {
        let account = pod
            .get("serviceAccountName")
            .or_else(|| pod.get("serviceAccount"))
            .and_then(Node::as_text)
            .map_or("default", str::trim);
        if let Some(account) = index.get("ServiceAccount", o, account) {
            for entry in seq(account.node, "imagePullSecrets") {
                push(account, Some(entry), "name");
            }
        }
    } else {
        for entry in own {
            push(o, Some(entry), "name");
        }
    }
    out.retain(|n| !n.name.is_empty());
    out
}

/// A backend a secret source reads from: what it names, the line that
/// names it, and how, for messages.
struct Backend {
    target: Reference,
    span: Span,
    via: String,
}

/// The recovery dependencies of the workload `o` (pod spec `pod`) on the
/// backends of the Secrets it needs and of its Secrets Store CSI volumes:
/// at the line of the backend (a store's server address, region or vault
/// URL; a `SealedSecret`'s name), with the pod's reference as where the
/// workload reads it. One per backend line.
pub(super) fn dependencies<'a>(
    o: &Object<'a>,
    pod: &'a Node,
    index: &Index<'_, 'a>,
    deps: &mut Vec<Dependency>,
) {
    let stores = &index.stores;
    if stores.external.is_empty() && stores.cluster_external.is_empty() && !stores.sealed_or_classes
    {
        return;
    }
    let mut found: Vec<(Backend, Span)> = Vec::new();
    for secret in needed(o, pod, index) {
        for backend in
            external(o, secret.name, index)
                .into_iter()
                .chain(sealed(o, secret.name, index))
        {
            found.push((backend, secret.span));
        }
    }
    for volume in pod.get("volumes").map(Node::as_seq).unwrap_or_default() {
        let Some(csi) = volume.get("csi") else {
            continue;
        };
        if csi.get("driver").and_then(Node::as_text).map(str::trim) != Some(CSI_DRIVER) {
            continue;
        }
        let Some(class) = csi.path(&["volumeAttributes", "secretProviderClass"]) else {
            continue;
        };
        let Some(name) = class.as_text().map(str::trim) else {
            continue;
        };
        for backend in provider_class(o, name, index) {
            found.push((backend, o.span(class)));
        }
    }
    for (backend, origin) in found {
        if deps
            .iter()
            .any(|d| d.span == backend.span && d.target == backend.target)
        {
            continue;
        }
        deps.push(Dependency {
            target: backend.target,
            strength: Strength::Recovery,
            span: backend.span,
            via: backend.via.into(),
            explicit: false,
            origin: Some(origin),
        });
    }
}

/// The backends of the `ExternalSecret` (nearest to `o`, in its cluster
/// and namespace) that writes the Secret `name`, else of a
/// `ClusterExternalSecret` of its cluster that writes it into `o`'s
/// namespace: those of its `secretStoreRef`, and of the `sourceRef.storeRef`
/// of its `data` and `dataFrom` entries.
fn external(o: &Object<'_>, name: &str, index: &Index<'_, '_>) -> Vec<Backend> {
    let namespaced = index
        .stores
        .external
        .get(&(o.cluster, o.namespace, name))
        .and_then(|found| index.nearest(o.file, found));
    let (es, spec) = match namespaced {
        Some(es) => (es, es.node.get("spec")),
        None => {
            let Some(ces) = cluster_external(o, name, index) else {
                return Vec::new();
            };
            (ces, ces.node.path(&["spec", "externalSecretSpec"]))
        }
    };
    let mut refs: Vec<&Node> = spec
        .and_then(|s| s.get("secretStoreRef"))
        .into_iter()
        .collect();
    for key in ["data", "dataFrom"] {
        for entry in spec
            .and_then(|s| s.get(key))
            .map(Node::as_seq)
            .unwrap_or_default()
        {
            refs.extend(entry.path(&["sourceRef", "storeRef"]));
        }
    }
    let mut out = Vec::new();
    for store_ref in refs {
        let Some(store_name) = store_ref.get("name").and_then(Node::as_text) else {
            continue;
        };
        let store_name = store_name.trim();
        let kind = store_ref
            .get("kind")
            .and_then(Node::as_text)
            .map_or("SecretStore", str::trim);
        let store = match kind {
            // The ExternalSecret is in `o`'s namespace, and so is a
            // namespaced store it names.
            "SecretStore" => index.get("SecretStore", o, store_name),
            "ClusterSecretStore" => index
                .stores
                .cluster_stores
                .get(&(es.cluster, store_name))
                .and_then(|found| index.nearest(es.file, found)),
            _ => None,
        };
        let Some(store) = store.filter(|s| s.api_group() == EXTERNAL_SECRETS) else {
            continue;
        };
        for (host, span) in store_hosts(store) {
            let target = host_target(&host, store.namespace, index);
            out.push(Backend {
                target,
                span,
                via: format!(
                    "its Secret `{name}` is written by {} `{}` from {kind} `{store_name}`, which reads `{host}`",
                    es.kind, es.name
                ),
            });
        }
    }
    out
}

/// The first `ClusterExternalSecret` of `o`'s cluster (in object order)
/// that writes the Secret `name` into `o`'s namespace: its
/// `externalSecretSpec.target.name`, else its `externalSecretName`, else
/// its own name, is `name`, and its `namespaces` list `o`'s namespace or
/// its `namespaceSelector` (or one of its `namespaceSelectors`) matches the
/// namespace's labels as the scanned files give them.
fn cluster_external<'o, 'a>(
    o: &Object<'_>,
    name: &str,
    index: &Index<'o, 'a>,
) -> Option<&'o Object<'a>> {
    let text = |node: Option<&'a Node>| {
        node.and_then(Node::as_text)
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    let mut labels = None;
    index.stores.cluster_external.iter().copied().find(|ces| {
        let spec = ces.node.get("spec");
        let target = text(spec.and_then(|s| s.path(&["externalSecretSpec", "target", "name"])))
            .or_else(|| text(spec.and_then(|s| s.get("externalSecretName"))))
            .unwrap_or(ces.name);
        if ces.cluster != o.cluster || target != name {
            return false;
        }
        let listed = spec
            .and_then(|s| s.get("namespaces"))
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|n| n.as_text().map(str::trim) == Some(o.namespace));
        let labels = labels.get_or_insert_with(|| admission::namespace_labels(o, index));
        let selectors: Vec<&Node> = spec
            .and_then(|s| s.get("namespaceSelector"))
            .into_iter()
            .chain(
                spec.and_then(|s| s.get("namespaceSelectors"))
                    .map(Node::as_seq)
                    .unwrap_or_default(),
            )
            .filter(|s| !s.is_null())
            .collect();
        listed
            || selectors
                .iter()
                .any(|s| admission::selects(Some(s), labels))
    })
}

/// The hosts a `SecretStore`'s or `ClusterSecretStore`'s provider reads
/// from, with the line that names each: a server or vault URL's host, a
/// cloud secret service's regional endpoint. A provider whose address is
/// not written (the `kubernetes` provider of its own cluster) names none.
fn store_hosts(store: &Object<'_>) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for (key, config) in store
        .node
        .path(&["spec", "provider"])
        .map(Node::as_map)
        .unwrap_or_default()
    {
        let url = |path: &[&str]| config.path(path).and_then(|n| url_host(store, n));
        let found = match key.as_str().unwrap_or_default() {
            "vault" => url(&["server"]),
            "azurekv" => url(&["vaultUrl"]),
            "kubernetes" => url(&["server", "url"]),
            "gitlab" | "conjur" => url(&["url"]),
            "onepassword" => url(&["connectHost"]),
            "akeyless" => url(&["akeylessGWApiURL"]),
            "ibm" => url(&["serviceUrl"]),
            "aws" => config.get("region").and_then(|region| {
                let region = region_text(region)?;
                let service = match config.get("service").and_then(Node::as_text).map(str::trim) {
                    Some("ParameterStore") => "ssm",
                    _ => "secretsmanager",
                };
                Some((
                    format!("{service}.{region}.amazonaws.com"),
                    store.span(config.get("region")?),
                ))
            }),
            "gcpsm" => Some((
                "secretmanager.googleapis.com".to_string(),
                store.span(config.get("projectID").unwrap_or(key)),
            )),
            _ => None,
        };
        out.extend(found);
    }
    out
}

/// The host of a URL or host value, lowercase, with the value's line.
fn url_host(o: &Object<'_>, node: &Node) -> Option<(String, Span)> {
    let text = node.as_text()?;
    let host = hosts::references(text, true).into_iter().next()?;
    Some((host.name.to_ascii_lowercase(), o.span(node)))
}

/// A cloud region as written (`eu-west-1`), when it is one: lowercase
/// letters, digits and dashes, no template.
fn region_text(node: &Node) -> Option<String> {
    let text = node.as_text()?.trim();
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    valid.then(|| text.to_string())
}

/// The sealed-secrets controller that decrypts the `SealedSecret` `name`
/// of `o`'s namespace, when that object is in the scanned files and one
/// controller of `o`'s cluster is (the nearest, when several are).
fn sealed(o: &Object<'_>, name: &str, index: &Index<'_, '_>) -> Vec<Backend> {
    let Some(sealed) = index
        .get("SealedSecret", o, name)
        .filter(|s| s.api_group() == SEALED_SECRETS)
    else {
        return Vec::new();
    };
    let reaching: Vec<_> = index
        .stores
        .sealed_controllers
        .iter()
        .copied()
        .filter(|c| admission::reaches(c, o, index))
        .collect();
    let Some(controller) = index.nearest(o.file, &reaching) else {
        return Vec::new();
    };
    vec![Backend {
        target: Reference::K8s {
            kind: controller.kind.to_string(),
            namespace: controller.namespace.to_string(),
            name: controller.name.to_string(),
        },
        span: sealed.name_span,
        via: format!(
            "its Secret `{name}` is decrypted from SealedSecret `{}` by the sealed-secrets controller",
            sealed.name
        ),
    }]
}

/// The backends of the `SecretProviderClass` `name` of `o`'s namespace:
/// the Vault address of the `vault` provider, the regional Secrets Manager
/// endpoint of the `aws` provider's `region`, the key vault of the `azure`
/// provider's `keyvaultName`, Secret Manager for `gcp`.
fn provider_class(o: &Object<'_>, name: &str, index: &Index<'_, '_>) -> Vec<Backend> {
    let Some(class) = index
        .get("SecretProviderClass", o, name)
        .filter(|c| c.api_group() == SECRETS_STORE_CSI)
    else {
        return Vec::new();
    };
    let spec = class.node.get("spec");
    let provider = spec.and_then(|s| s.get("provider"));
    let parameter = |key: &str| spec.and_then(|s| s.path(&["parameters", key]));
    let found = match provider.and_then(Node::as_text).map(str::trim) {
        Some("vault") => parameter("vaultAddress").and_then(|n| url_host(class, n)),
        Some("aws") => parameter("region").and_then(|n| {
            Some((
                format!("secretsmanager.{}.amazonaws.com", region_text(n)?),
                class.span(n),
            ))
        }),
        Some("azure") => parameter("keyvaultName").and_then(|n| {
            let vault = n.as_text()?.trim().to_ascii_lowercase();
            let valid =
                !vault.is_empty() && vault.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            valid.then(|| (format!("{vault}.vault.azure.net"), class.span(n)))
        }),
        Some("gcp") => {
            provider.map(|p| ("secretmanager.googleapis.com".to_string(), class.span(p)))
        }
        _ => None,
    };
    found
        .into_iter()
        .map(|(host, span)| Backend {
            target: host_target(&host, class.namespace, index),
            span,
            via: format!(
                "its CSI volume is mounted from SecretProviderClass `{}`, which reads `{host}`",
                class.name
            ),
        })
        .collect()
}
