//! Operational tools recognised by name or image (`rules/tools.toml`):
//! deployers, monitoring, engineer sign-in, bastions, backups. They are the
//! recovery plane: what engineers need while something is down.

use serde::Deserialize;
use std::sync::OnceLock;

const CATALOG: &str = include_str!("../../rules/tools.toml");

/// A kind of tool spof recognises.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// `Argo CD`.
    pub product: String,
    /// `deploy`, `monitoring`, `sso`, …
    pub kind: String,
    /// Name fragments, matched as whole words of a name or image
    /// (`argo-cd` matches `argo-cd-server` and `quay.io/argoproj/argo-cd`).
    #[serde(rename = "match")]
    pub patterns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalog {
    tool: Vec<Tool>,
}

/// Every tool of `rules/tools.toml`, in file order.
pub fn catalog() -> &'static [Tool] {
    static TOOLS: OnceLock<Vec<Tool>> = OnceLock::new();
    TOOLS.get_or_init(|| {
        // The catalog is part of the binary; a test loads it.
        toml::from_str::<Catalog>(CATALOG)
            .map(|c| c.tool)
            .unwrap_or_default()
    })
}

/// The tool a workload is, by its name or one of its images: the first
/// catalog entry with a pattern that matches. A name matches when the
/// pattern's words appear in it (`argocd-server`); an image only when its
/// own name is the pattern (`quay.io/argoproj/argocd`, not
/// `prometheus_demo_service` or `argocd-e2e-container`).
pub fn detect<'a>(name: &str, images: impl IntoIterator<Item = &'a str>) -> Option<&'static Tool> {
    let name = words(name);
    let images: Vec<String> = images
        .into_iter()
        .map(|i| {
            let path = image_path(i);
            path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase()
        })
        .collect();
    catalog().iter().find(|tool| {
        tool.patterns.iter().any(|p| {
            let words_of_p = words(p);
            let in_name = !words_of_p.is_empty()
                && name
                    .windows(words_of_p.len())
                    .any(|w| w == words_of_p.as_slice());
            in_name || images.iter().any(|i| i.eq_ignore_ascii_case(p))
        })
    })
}

/// An image reference without its tag or digest: `quay.io/argoproj/argocd`.
fn image_path(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].find(':') {
        Some(colon) => &image[..slash + colon],
        None => image,
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_loads() {
        let tools = catalog();
        assert!(tools.len() > 20, "{}", tools.len());
        assert!(toml::from_str::<Catalog>(CATALOG).is_ok());
    }

    #[test]
    fn tools_match_whole_words_of_names_and_images() {
        let kind = |name: &str, images: &[&str]| {
            detect(name, images.iter().copied()).map(|t| t.kind.as_str())
        };
        assert_eq!(kind("argocd-server", &[]), Some("deploy"));
        assert_eq!(
            kind("web", &["quay.io/argoproj/argocd:v2.12.0"]),
            Some("deploy")
        );
        assert_eq!(kind("sso", &["ghcr.io/dexidp/dex:v2.41.1"]), Some("sso"));
        assert_eq!(kind("search-index", &["example/indexer:1"]), None);
        assert_eq!(
            kind("kube-prometheus-stack-grafana", &[]),
            Some("monitoring")
        );
        assert_eq!(kind("secrets", &["hashicorp/vault:1.17"]), Some("secrets"));
        // An image counts by its own name only.
        assert_eq!(
            kind("example-app", &["quay.io/fabxc/prometheus_demo_service"]),
            None
        );
        assert_eq!(
            kind(
                "guestbook-ui",
                &["quay.io/argoprojlabs/argocd-e2e-container:0.2"]
            ),
            None
        );
        assert_eq!(
            kind(
                "operator",
                &["quay.io/prometheus-operator/prometheus-operator:v0.76.0"]
            ),
            Some("monitoring")
        );
        assert_eq!(kind("api", &["registry:5000/team/api@sha256:abc"]), None);
        assert_eq!(kind("velero", &[]), Some("backup"));
    }
}
