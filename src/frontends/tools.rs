//! Operational tools recognised by image or label (`rules/tools.toml`):
//! deployers, monitoring, engineer sign-in, bastions, backups. They are the
//! recovery plane: what engineers need while something is down.

use crate::model::ToolId;
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
    /// Custom resources that are this tool whatever they run, as
    /// `group/Kind` (`actions.summerwind.dev/RunnerDeployment`).
    #[serde(default)]
    pub kinds: Vec<String>,
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

/// The tool a custom resource of API group `group` and kind `kind` is,
/// by its kind alone: a runner set of Actions Runner Controller is a
/// deploy tool whatever image its runners run.
pub fn of_kind(group: &str, kind: &str) -> Option<&'static Tool> {
    catalog().iter().find(|tool| {
        tool.kinds.iter().any(|k| {
            k.split_once('/')
                .is_some_and(|(g, n)| g.eq_ignore_ascii_case(group) && n == kind)
        })
    })
}

/// The catalog position of `tool`, one of [`catalog`]'s entries.
pub fn id(tool: &'static Tool) -> ToolId {
    let position = catalog()
        .iter()
        .position(|t| std::ptr::eq(t, tool))
        .unwrap_or(usize::MAX);
    ToolId(u16::try_from(position).unwrap_or(u16::MAX))
}

/// The tool a workload is, by what it runs: the first catalog entry with a
/// pattern that is the name of one of its images (`quay.io/argoproj/argocd`;
/// not `prometheus_demo_service` or `argocd-e2e-container`), or the value
/// of a well-known label naming the application whatever the workload is
/// called (`app.kubernetes.io/name: grafana`, the application it is part of,
/// `app.kubernetes.io/part-of: argocd`, and the chart of
/// `helm.sh/chart: grafana-8.5.1`, its version taken off). Not by
/// its own name: a sample app named `custom-metric-prometheus-sd` is not
/// Prometheus.
pub fn detect<'a>(
    images: impl IntoIterator<Item = &'a str>,
    labels: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<&'static Tool> {
    detect_why(images, labels).map(|d| d.tool)
}

/// A tool [`detect`] found, and what gave it away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub tool: &'static Tool,
    /// `image quay.io/argoproj/argocd:v2.9.3`,
    /// `label app.kubernetes.io/name: grafana`.
    pub evidence: String,
}

/// What [`detect`] finds, with the first image or label that names it.
pub fn detect_why<'a>(
    images: impl IntoIterator<Item = &'a str>,
    labels: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<Detected> {
    // Each name, with the image or label it comes from.
    let mut names: Vec<(String, &'a str, Option<&'a str>)> = images
        .into_iter()
        .map(|i| {
            let path = image_path(i);
            let name = path.rsplit('/').next().unwrap_or(path);
            (name.to_ascii_lowercase(), i, None)
        })
        .collect();
    for (key, value) in labels {
        match key {
            "app.kubernetes.io/name" | "app.kubernetes.io/part-of" => {
                names.push((value.to_ascii_lowercase(), value, Some(key)));
            }
            "helm.sh/chart" => {
                names.push((chart_name(value).to_ascii_lowercase(), value, Some(key)));
            }
            _ => {}
        }
    }
    catalog().iter().find_map(|tool| {
        let (_, value, key) = names
            .iter()
            .find(|(n, _, _)| tool.patterns.iter().any(|p| n.eq_ignore_ascii_case(p)))?;
        let evidence = match key {
            None => format!("image {value}"),
            Some(key) => format!("label {key}: {value}"),
        };
        Some(Detected { tool, evidence })
    })
}

/// `grafana-8.5.1` → `grafana`, `kube-prometheus-stack-65.1.0` →
/// `kube-prometheus-stack`: a chart label without its version.
fn chart_name(chart: &str) -> &str {
    match chart.rsplit_once('-') {
        Some((name, version))
            if version
                .trim_start_matches('v')
                .starts_with(|c: char| c.is_ascii_digit()) =>
        {
            name
        }
        _ => chart,
    }
}

/// The tool a name suggests, for an entity already declared a tool (a
/// role, a service manifest's `[tools]`, `[[tool]]` in spof.toml) whose
/// kind nothing else says: the first catalog entry with a pattern whose
/// words appear in the name (`argocd-server`).
pub fn detect_by_name(name: &str) -> Option<&'static Tool> {
    let name = words(name);
    catalog().iter().find(|tool| {
        tool.patterns.iter().any(|p| {
            let words_of_p = words(p);
            !words_of_p.is_empty()
                && name
                    .windows(words_of_p.len())
                    .any(|w| w == words_of_p.as_slice())
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
    fn runner_resources_are_deploy_tools_by_their_kind() {
        let tool = of_kind("actions.summerwind.dev", "RunnerDeployment").map(|t| &t.product);
        assert_eq!(tool.map(String::as_str), Some("Actions Runner Controller"));
        assert!(of_kind("actions.github.com", "AutoscalingRunnerSet").is_some());
        // The group decides: another group's `RunnerSet` is not a runner.
        assert!(of_kind("example.com", "RunnerSet").is_none());
        assert!(of_kind("apps", "Deployment").is_none());
        let tool = of_kind("actions.summerwind.dev", "RunnerSet").map(id);
        assert_eq!(tool, detect(["summerwind/actions-runner:v2"], []).map(id));
    }

    #[test]
    fn catalog_loads() {
        let tools = catalog();
        assert!(tools.len() > 20, "{}", tools.len());
        assert!(toml::from_str::<Catalog>(CATALOG).is_ok());
    }

    #[test]
    fn tools_are_what_workloads_run() {
        let kind = |images: &[&str], labels: &[(&str, &str)]| {
            detect(images.iter().copied(), labels.iter().copied()).map(|t| t.kind.as_str())
        };
        assert_eq!(
            kind(&["quay.io/argoproj/argocd:v2.12.0"], &[]),
            Some("deploy")
        );
        assert_eq!(kind(&["ghcr.io/dexidp/dex:v2.41.1"], &[]), Some("sso"));
        assert_eq!(kind(&["example/indexer:1"], &[]), None);
        assert_eq!(kind(&["hashicorp/vault:1.17"], &[]), Some("secrets"));
        // An image counts by its own name only.
        assert_eq!(kind(&["quay.io/fabxc/prometheus_demo_service"], &[]), None);
        assert_eq!(
            kind(&["quay.io/argoprojlabs/argocd-e2e-container:0.2"], &[]),
            None
        );
        assert_eq!(
            kind(
                &["quay.io/prometheus-operator/prometheus-operator:v0.76.0"],
                &[]
            ),
            Some("monitoring")
        );
        assert_eq!(kind(&["registry:5000/team/api@sha256:abc"], &[]), None);
        // CI/CD runners and controllers are deploy tools.
        let product = |images: &[&str], labels: &[(&str, &str)]| {
            detect(images.iter().copied(), labels.iter().copied()).map(|t| t.product.as_str())
        };
        assert_eq!(
            product(&["summerwind/actions-runner-controller:v0.27.6"], &[]),
            Some("Actions Runner Controller")
        );
        assert_eq!(
            product(
                &["ghcr.io/actions/gha-runner-scale-set-controller:0.9.3"],
                &[]
            ),
            Some("Actions Runner Controller")
        );
        assert_eq!(
            product(&["ghcr.io/actions/actions-runner:2.317.0"], &[]),
            Some("Actions Runner Controller")
        );
        assert_eq!(
            product(&["quay.io/argoproj/workflow-controller:v3.5.8"], &[]),
            Some("Argo Workflows")
        );
        assert_eq!(
            product(&["quay.io/argoproj/argocli:v3.5.8"], &[]),
            Some("Argo Workflows")
        );
        // Tekton's images are named after their role (`controller`); its
        // labels name the product.
        assert_eq!(
            product(
                &["gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/controller:v0.62.0"],
                &[("app.kubernetes.io/part-of", "tekton-pipelines")]
            ),
            Some("Tekton")
        );
        assert_eq!(
            product(
                &["gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/controller:v0.62.0"],
                &[]
            ),
            None
        );
        assert_eq!(
            product(&["gitlab/gitlab-runner:alpine-v17.2.0"], &[]),
            Some("GitLab runner")
        );
        assert_eq!(
            product(&["bitnami/sealed-secrets-controller:0.27.1"], &[]),
            Some("sealed-secrets")
        );
        assert_eq!(
            kind(
                &["example/unseal:1"],
                &[("helm.sh/chart", "sealed-secrets-2.16.1")]
            ),
            Some("secrets")
        );
        // A runner's name is not enough: only images and labels count.
        assert_eq!(product(&["example/workflow-runner:1"], &[]), None);
        // Labels that name the application.
        assert_eq!(
            kind(
                &["example/dashboards:3"],
                &[("app.kubernetes.io/name", "grafana")]
            ),
            Some("monitoring")
        );
        assert_eq!(
            kind(&["example/ui:3"], &[("helm.sh/chart", "keycloak-24.2.0")]),
            Some("sso")
        );
        // A component of a tool (Argo CD's cache) is part of it.
        assert_eq!(
            kind(&["redis:7"], &[("app.kubernetes.io/part-of", "argocd")]),
            Some("deploy")
        );
        assert_eq!(
            kind(
                &[],
                &[("app.kubernetes.io/name", "custom-metric-prometheus-sd")]
            ),
            None
        );
        assert_eq!(kind(&[], &[("app", "prometheus")]), None);
    }

    #[test]
    fn names_suggest_a_kind() {
        let kind = |name: &str| detect_by_name(name).map(|t| t.kind.as_str());
        assert_eq!(kind("argocd-server"), Some("deploy"));
        assert_eq!(kind("kube-prometheus-stack-grafana"), Some("monitoring"));
        assert_eq!(kind("velero"), Some("backup"));
        assert_eq!(kind("search-index"), None);
    }

    #[test]
    fn charts_lose_their_version() {
        assert_eq!(chart_name("grafana-8.5.1"), "grafana");
        assert_eq!(
            chart_name("kube-prometheus-stack-65.1.0"),
            "kube-prometheus-stack"
        );
        assert_eq!(chart_name("vault-v0.28.0"), "vault");
        assert_eq!(chart_name("argo-cd"), "argo-cd");
    }
}
