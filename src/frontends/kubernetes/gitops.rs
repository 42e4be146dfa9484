//! GitOps controllers and the clusters they deploy to. The controller
//! manages the workloads of its destinations: while it is down they keep
//! running, but nothing redeploys them.
//!
//! - Argo CD: an `Application`'s `spec.destination` (and an
//!   `ApplicationSet`'s `spec.template.spec.destination`, with the
//!   parameters of its `list` and `clusters` generators) names a cluster by
//!   `name` or `server`; a cluster Secret (label
//!   `argocd.argoproj.io/secret-type: cluster`) gives a server its name, and
//!   `https://kubernetes.default.svc` (`in-cluster`) is Argo CD's own;
//! - Flux: a `Kustomization` or `HelmRelease` deploys into its own cluster,
//!   or through `spec.kubeConfig` into the cluster of the kubeconfig its
//!   Secret holds (`current-context`).
//!
//! A destination that names a cluster of `spof.toml` (`[[cluster]]` of that
//! name) manages the entities declared in that cluster (in the destination
//! namespace, if the destination names one); otherwise an Argo CD
//! destination namespace names that namespace wherever it is declared.

use super::Object;
use crate::frontends::appset::{self, Cluster, IN_CLUSTER_NAME, IN_CLUSTER_SERVER, Params, Run};
use crate::frontends::digest;
use crate::model::scope::Places;
use crate::model::{Dependency, Reference, Strength};
use crate::parse::Node;
use crate::parse::yaml::{Limits, parse_stream};
use crate::source::{SourceMap, Span};

/// The API groups read here.
const ARGO_CD: &str = "argoproj.io";
const FLUX_KUSTOMIZE: &str = "kustomize.toolkit.fluxcd.io";
const FLUX_HELM: &str = "helm.toolkit.fluxcd.io";
/// The label that makes a Secret one of Argo CD's clusters.
const SECRET_TYPE: &str = "argocd.argoproj.io/secret-type";

/// An Argo CD cluster Secret: the cluster's name and API server.
struct ClusterSecret<'o, 'a> {
    object: &'o Object<'a>,
    name: String,
    server: String,
}

/// The product whose tools read an entry, and the entry.
pub(super) type Entry = (&'static str, Dependency);

/// What the GitOps objects of `objects` say their controllers manage.
/// `sources`, the run's files, when the objects are read from them (for
/// an `ApplicationSet`'s `git` generators).
pub(super) fn destinations(
    objects: &[Object<'_>],
    places: &Places,
    sources: Option<&SourceMap>,
) -> Vec<Entry> {
    let secrets: Vec<ClusterSecret<'_, '_>> = objects
        .iter()
        .filter(|o| o.kind == "Secret" && o.api_group().is_empty())
        .filter_map(cluster_secret)
        .collect();
    let mut out = Vec::new();
    for o in objects {
        match (o.api_group(), o.kind) {
            (ARGO_CD, "Application") => {
                if let Some(d) = o.node.path(&["spec", "destination"]) {
                    let params = Params::new();
                    out.extend(argo_entry(o, d, &params, &secrets, places));
                }
            }
            (ARGO_CD, "ApplicationSet") => {
                let Some(spec) = o.node.get("spec") else {
                    continue;
                };
                for params in generated(o, &secrets, sources) {
                    // The Application as its template and template patch
                    // make it for these parameters.
                    let Some(app) = appset::application(spec, &params) else {
                        continue;
                    };
                    let Some(d) = app.path(&["spec", "destination"]) else {
                        continue;
                    };
                    if let Some(entry) = argo_entry(o, d, &params, &secrets, places)
                        && !out.iter().any(|(_, e): &Entry| same(e, &entry.1))
                    {
                        out.push(entry);
                    }
                }
            }
            (FLUX_KUSTOMIZE, "Kustomization") | (FLUX_HELM, "HelmRelease") => {
                out.extend(flux_entry(o, objects, places));
            }
            _ => {}
        }
    }
    out
}

fn same(a: &Dependency, b: &Dependency) -> bool {
    a.target == b.target && a.span == b.span
}

fn text(node: Option<&Node>) -> Option<&str> {
    node.and_then(Node::as_text)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// A Secret's value of `key`: `stringData`, else `data` decoded.
fn secret_value(o: &Object<'_>, key: &str) -> Option<String> {
    if let Some(v) = text(o.node.path(&["stringData", key])) {
        return Some(v.to_string());
    }
    let encoded = text(o.node.path(&["data", key]))?;
    let bytes = digest::base64_decode(encoded)?;
    String::from_utf8(bytes).ok()
}

fn cluster_secret<'o, 'a>(o: &'o Object<'a>) -> Option<ClusterSecret<'o, 'a>> {
    let kind = o.node.path(&["metadata", "labels", SECRET_TYPE]);
    if text(kind) != Some("cluster") {
        return None;
    }
    Some(ClusterSecret {
        object: o,
        name: secret_value(o, "name").unwrap_or_default(),
        server: secret_value(o, "server")?,
    })
}

/// The parameter sets of an `ApplicationSet`'s generators
/// ([`appset::generate`]), with the cluster Secrets of its cluster; one
/// empty set when they give none (a template without parameters still
/// names its destination).
fn generated(
    o: &Object<'_>,
    secrets: &[ClusterSecret<'_, '_>],
    sources: Option<&SourceMap>,
) -> Vec<Params> {
    let Some(spec) = o.node.get("spec") else {
        return vec![Params::new()];
    };
    let clusters: Vec<Cluster> = secrets
        .iter()
        .filter(|s| s.object.cluster == o.cluster)
        .map(|s| Cluster {
            name: s.name.clone(),
            server: s.server.clone(),
            labels: pairs(s.object.node.path(&["metadata", "labels"])),
            annotations: pairs(s.object.node.path(&["metadata", "annotations"])),
        })
        .collect();
    let run = sources.map(|sources| Run {
        sources,
        file: o.file,
    });
    let mut sets = appset::generate(spec, &clusters, run.as_ref()).sets;
    if sets.is_empty() {
        sets.push(Params::new());
    }
    sets
}

/// The text entries of a mapping (labels, annotations).
fn pairs(map: Option<&Node>) -> Vec<(String, String)> {
    map.map_or(&[][..], Node::as_map)
        .iter()
        .filter_map(|(k, v)| Some((k.as_text()?.to_string(), text(Some(v))?.to_string())))
        .collect()
}

/// The configured cluster an Argo CD destination names, read from `o`:
/// the `in-cluster` one is `o`'s own; a server, the cluster its Secret
/// names.
fn argo_cluster(
    o: &Object<'_>,
    name: Option<&str>,
    server: Option<&str>,
    secrets: &[ClusterSecret<'_, '_>],
    places: &Places,
) -> Option<usize> {
    let server = server.map(|s| s.trim_end_matches('/'));
    if name == Some(IN_CLUSTER_NAME) || server == Some(IN_CLUSTER_SERVER) {
        return o.cluster;
    }
    if let Some(name) = name {
        return places.cluster_named(name);
    }
    let server = server?;
    secrets
        .iter()
        .filter(|s| s.object.cluster == o.cluster && s.server.trim_end_matches('/') == server)
        .find_map(|s| places.cluster_named(&s.name))
}

/// What an Argo CD destination `d` of `o` manages, with parameters
/// `params`: the entities of the cluster it names (at its `name` or
/// `server`), else those of its namespace wherever they are (at its
/// `namespace`).
fn argo_entry(
    o: &Object<'_>,
    d: &Node,
    params: &Params,
    secrets: &[ClusterSecret<'_, '_>],
    places: &Places,
) -> Option<Entry> {
    let field = |key: &str| {
        let node = d.get(key).filter(|n| text(Some(n)).is_some())?;
        let value = appset::substitute(text(Some(node))?, params)?;
        Some((node, value))
    };
    let (name, server, namespace) = (field("name"), field("server"), field("namespace"));
    // A cluster written with a parameter no generator spof reads sets (a
    // `merge` or `git` generator's) is not known: the destination names
    // nothing, rather than its namespace in every cluster.
    let unresolved =
        |key: &str, value: &Option<(&Node, String)>| value.is_none() && text(d.get(key)).is_some();
    if unresolved("name", &name) || unresolved("server", &server) {
        return None;
    }
    let cluster = argo_cluster(
        o,
        name.as_ref().map(|(_, v)| v.as_str()),
        server.as_ref().map(|(_, v)| v.as_str()),
        secrets,
        places,
    );
    let what = format!("{} `{}`", o.kind, o.name);
    let dependency = match (cluster, name.as_ref().or(server.as_ref())) {
        (Some(cluster), Some((at, _))) => {
            let namespace = namespace.map(|(_, ns)| ns).filter(|ns| ns != "*");
            let via = format!(
                "{what} deploying to cluster `{}`",
                places.cluster_name(cluster)
            );
            manage(o, at, Reference::Cluster { cluster, namespace }, via)
        }
        _ => {
            let (at, ns) = namespace?;
            let target = if ns == "*" {
                Reference::Pattern("k8s:*".to_string())
            } else {
                Reference::Namespace(ns)
            };
            manage(o, at, target, what)
        }
    };
    Some(("Argo CD", dependency))
}

fn manage(o: &Object<'_>, at: &Node, target: Reference, via: String) -> Dependency {
    Dependency {
        target,
        strength: Strength::Hard,
        span: Span::new(o.file, at.range),
        via: via.into(),
        explicit: false,
        origin: None,
    }
}

/// What a Flux `Kustomization` or `HelmRelease` manages: its target
/// namespace (a HelmRelease's own by default) in its own cluster, or
/// through `spec.kubeConfig` in the cluster of its kubeconfig (nothing when
/// that cluster is not a configured one). With no cluster configured, the
/// namespace wherever it is declared.
fn flux_entry(o: &Object<'_>, objects: &[Object<'_>], places: &Places) -> Option<Entry> {
    let spec = o.node.get("spec")?;
    // The namespace, and where it is written.
    let namespace = match spec.get("targetNamespace") {
        Some(node) => Some((o.span(node), text(Some(node))?.to_string())),
        None if o.kind == "HelmRelease" => Some((o.name_span, o.namespace.to_string())),
        None => None,
    };
    let what = format!("{} `{}`", o.kind, o.name);
    let (span, target, via) = match spec.get("kubeConfig") {
        Some(kube) => {
            let secret = kube.path(&["secretRef", "name"])?;
            let cluster = kubeconfig_cluster(o, kube, objects, places)?;
            let via = format!(
                "{what} deploying to cluster `{}`",
                places.cluster_name(cluster)
            );
            let namespace = namespace.map(|(_, ns)| ns);
            (
                o.span(secret),
                Reference::Cluster { cluster, namespace },
                via,
            )
        }
        None => match (o.cluster, namespace) {
            (Some(cluster), ns) => {
                let span = ns.as_ref().map_or(o.name_span, |(s, _)| *s);
                let namespace = ns.map(|(_, ns)| ns);
                (span, Reference::Cluster { cluster, namespace }, what)
            }
            (None, Some((span, ns))) => (span, Reference::Namespace(ns), what),
            (None, None) => return None,
        },
    };
    let dependency = Dependency {
        target,
        strength: Strength::Hard,
        span,
        via: via.into(),
        explicit: false,
        origin: None,
    };
    Some(("Flux", dependency))
}

/// The configured cluster of the kubeconfig that a Flux object's
/// `spec.kubeConfig.secretRef` names: the Secret in the object's cluster
/// and namespace, its key `secretRef.key` (else `value`, else
/// `value.yaml`), and there the cluster of `current-context`.
fn kubeconfig_cluster(
    o: &Object<'_>,
    kube: &Node,
    objects: &[Object<'_>],
    places: &Places,
) -> Option<usize> {
    let name = text(kube.path(&["secretRef", "name"]))?;
    let key = text(kube.path(&["secretRef", "key"]));
    let secret = objects.iter().find(|s| {
        s.kind == "Secret"
            && s.api_group().is_empty()
            && s.cluster == o.cluster
            && s.namespace == o.namespace
            && s.name == name
    })?;
    let config = match key {
        Some(key) => secret_value(secret, key)?,
        None => secret_value(secret, "value").or_else(|| secret_value(secret, "value.yaml"))?,
    };
    let (docs, _) = parse_stream(&config, &Limits::default());
    let root = &docs.first()?.root;
    let context = text(root.get("current-context"))?;
    let cluster = root
        .get("contexts")
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .find(|c| text(c.get("name")) == Some(context))
        .and_then(|c| text(c.path(&["context", "cluster"])))?;
    places.cluster_named(cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_substituted_or_nothing() {
        let params = Params::from([
            ("name".to_string(), "pangyo".to_string()),
            (
                "server".to_string(),
                "https://pangyo.example.com".to_string(),
            ),
        ]);
        assert_eq!(
            appset::substitute("{{name}}", &params).as_deref(),
            Some("pangyo")
        );
        assert_eq!(
            appset::substitute("{{ .server }}/", &params).as_deref(),
            Some("https://pangyo.example.com/")
        );
        assert_eq!(
            appset::substitute("shop-{{name}}", &params).as_deref(),
            Some("shop-pangyo")
        );
        assert_eq!(
            appset::substitute("plain", &params).as_deref(),
            Some("plain")
        );
        // A parameter no generator gives, or a template left open.
        assert_eq!(appset::substitute("{{path.basename}}", &params), None);
        assert_eq!(appset::substitute("{{name", &params), None);
    }
}
