//! Operational tools recognised by image or object name: the systems
//! engineers need to deploy, monitor and recover everything else.

/// A tool and the words that give it away.
struct Pattern {
    tool: &'static str,
    /// Token sequences matched against the object's name and the last
    /// segment of each image (`quay.io/argoproj/argocd:v2` → `argocd`).
    names: &'static [&'static [&'static str]],
    /// Tokens matched against the other segments of an image (registry and
    /// organisation: `ghcr.io/fluxcd/source-controller` → `fluxcd`).
    orgs: &'static [&'static str],
}

/// More specific tools first: Alertmanager images live in the `prometheus`
/// organisation, Argo CD ships a Dex server.
const PATTERNS: &[Pattern] = &[
    Pattern {
        tool: "Argo CD",
        names: &[&["argocd"], &["argo", "cd"]],
        orgs: &[],
    },
    Pattern {
        tool: "Flux",
        names: &[&["flux"], &["fluxcd"]],
        orgs: &["fluxcd"],
    },
    Pattern {
        tool: "Jenkins",
        names: &[&["jenkins"]],
        orgs: &["jenkins"],
    },
    Pattern {
        tool: "Alertmanager",
        names: &[&["alertmanager"]],
        orgs: &[],
    },
    Pattern {
        tool: "Prometheus",
        names: &[&["prometheus"]],
        orgs: &[],
    },
    Pattern {
        tool: "Grafana",
        names: &[&["grafana"]],
        orgs: &[],
    },
    Pattern {
        tool: "Vault",
        names: &[&["vault"]],
        orgs: &[],
    },
    Pattern {
        tool: "Keycloak",
        names: &[&["keycloak"]],
        orgs: &["keycloak"],
    },
    Pattern {
        tool: "Dex",
        names: &[&["dex"]],
        orgs: &["dexidp"],
    },
    Pattern {
        tool: "Teleport",
        names: &[&["teleport"]],
        orgs: &[],
    },
    Pattern {
        tool: "Velero",
        names: &[&["velero"]],
        orgs: &["velero"],
    },
    Pattern {
        tool: "Harbor",
        names: &[&["harbor"]],
        orgs: &["goharbor"],
    },
    Pattern {
        tool: "GitLab Runner",
        names: &[&["gitlab", "runner"]],
        orgs: &[],
    },
    Pattern {
        tool: "Tekton",
        names: &[&["tekton"]],
        orgs: &["tektoncd", "tekton"],
    },
    Pattern {
        tool: "Spinnaker",
        names: &[&["spinnaker"]],
        orgs: &["spinnaker"],
    },
];

/// A recognised tool and what gave it away (`name argocd-server`,
/// `image quay.io/argoproj/argocd:v2.9.3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub tool: &'static str,
    pub evidence: String,
}

/// The tool an object is, by its name first, then by its images.
pub fn recognise(name: &str, images: &[&str]) -> Option<Match> {
    let name_tokens = tokens(name);
    for pattern in PATTERNS {
        if pattern.names.iter().any(|seq| contains(&name_tokens, seq)) {
            return Some(Match {
                tool: pattern.tool,
                evidence: format!("name {name}"),
            });
        }
        for image in images {
            let (orgs, last) = image_parts(image);
            let last_tokens = tokens(last);
            let by_name = pattern.names.iter().any(|seq| contains(&last_tokens, seq));
            let by_org = orgs
                .iter()
                .flat_map(|segment| tokens(segment))
                .any(|t| pattern.orgs.contains(&t.as_str()));
            if by_name || by_org {
                return Some(Match {
                    tool: pattern.tool,
                    evidence: format!("image {image}"),
                });
            }
        }
    }
    None
}

/// Lower-case alphanumeric words: `argocd-server` → `argocd`, `server`.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn contains(tokens: &[String], seq: &[&str]) -> bool {
    !seq.is_empty()
        && tokens
            .windows(seq.len())
            .any(|w| w.iter().zip(seq).all(|(a, b)| a == b))
}

/// `registry:5000/org/name:tag@sha256:…` → (`[registry:5000, org]`, `name`).
fn image_parts(image: &str) -> (Vec<&str>, &str) {
    let no_digest = image.split('@').next().unwrap_or(image);
    let mut segments: Vec<&str> = no_digest.split('/').collect();
    let last = segments.pop().unwrap_or_default();
    let repository = last.split(':').next().unwrap_or(last);
    (segments, repository)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, images: &[&str]) -> Option<&'static str> {
        recognise(name, images).map(|m| m.tool)
    }

    #[test]
    fn recognises_tools_by_name_and_image() {
        assert_eq!(tool("argocd-server", &[]), Some("Argo CD"));
        assert_eq!(tool("argo-cd-repo", &[]), Some("Argo CD"));
        // Argo CD's bundled Dex is Argo CD's.
        assert_eq!(
            tool("argocd-dex-server", &["ghcr.io/dexidp/dex"]),
            Some("Argo CD")
        );
        assert_eq!(
            tool(
                "source-controller",
                &["ghcr.io/fluxcd/source-controller:v1.2.0"]
            ),
            Some("Flux")
        );
        assert_eq!(
            tool("main", &["quay.io/prometheus/alertmanager:v0.27.0"]),
            Some("Alertmanager")
        );
        assert_eq!(tool("x", &["prom/prometheus"]), Some("Prometheus"));
        assert_eq!(
            tool("runner", &["gitlab/gitlab-runner:alpine"]),
            Some("GitLab Runner")
        );
        assert_eq!(
            tool(
                "controller",
                &[
                    "gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/controller:v0.5@sha256:ab"
                ]
            ),
            Some("Tekton")
        );
        assert_eq!(
            tool(
                "clouddriver",
                &["us-docker.pkg.dev/spinnaker-community/docker/clouddriver"]
            ),
            Some("Spinnaker")
        );
        assert_eq!(
            tool("core", &["goharbor/harbor-core:v2.10.0"]),
            Some("Harbor")
        );
        assert_eq!(
            tool("registry:5000/x", &["registry:5000/keycloak/keycloak"]),
            Some("Keycloak")
        );
    }

    #[test]
    fn words_match_whole() {
        assert_eq!(tool("index", &[]), None);
        assert_eq!(tool("influxdb", &["influxdb:2"]), None);
        assert_eq!(
            tool("web", &["nginx:1.25", "example.com/vaultwarden"]),
            None
        );
        assert_eq!(tool("", &[""]), None);
    }
}
