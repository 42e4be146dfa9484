use super::*;
use crate::check::DEFAULT_MAX_FILE_SIZE;
use crate::config::{self, Config};
use crate::model::Level;
use crate::source::FileId;
use std::path::{Path, PathBuf};

const FIXTURE: &str = "testdata/cli/init";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

/// The proposal for `dir`, its text, and the text read back as spof.toml,
/// which must hold no error.
fn propose(dir: &Path) -> (Proposal, String, Config) {
    let proposal = Proposal::discover(dir, DEFAULT_MAX_FILE_SIZE);
    let text = proposal.render();
    let (config, diags) = config::parse(&text, FileId(0), dir.to_path_buf());
    assert!(diags.is_empty(), "{diags:#?}\n{text}");
    (proposal, text, config)
}

/// Every manifest belongs, by the written `paths`, to the cluster it was
/// proposed for (and files outside the candidates to none).
fn assert_membership(proposal: &Proposal, config: &Config) {
    assert_eq!(config.clusters.len(), proposal.clusters.len());
    for (i, manifest) in proposal.scan.manifests.iter().enumerate() {
        let expected = proposal.membership[i];
        assert_eq!(
            config.cluster_of(&manifest.relative),
            expected,
            "{}",
            manifest.path
        );
    }
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn deployment(name: &str, extra_spec: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  \
         template:\n    spec:\n{extra_spec}      containers:\n        - name: c\n          \
         image: example.com/{name}:1\n"
    )
}

fn names(proposal: &Proposal) -> Vec<&str> {
    proposal.clusters.iter().map(|c| c.name.as_str()).collect()
}

fn zones_of<'a>(config: &'a Config, name: &str) -> &'a [String] {
    &config
        .clusters
        .iter()
        .find(|c| c.name == name)
        .unwrap()
        .zones
}

#[test]
fn fixture_proposes_clusters_with_their_zones() {
    let (proposal, text, config) = propose(&fixture());
    assert_membership(&proposal, &config);
    assert_eq!(names(&proposal), ["dr", "prod", "staging"]);
    // dr's only zone is a PersistentVolume's: not where its nodes are.
    assert!(zones_of(&config, "dr").is_empty());
    assert!(text.contains("# zones = [\"ap-northeast-1a\"]\n"));
    // Node labels name 2a and 2c; 2b is only a workload's node affinity.
    assert_eq!(
        zones_of(&config, "prod"),
        ["ap-northeast-2a", "ap-northeast-2c"]
    );
    assert!(
        text.contains(
            "# zones = [\"ap-northeast-2a\", \"ap-northeast-2b\", \"ap-northeast-2c\"]\n"
        )
    );
    // `clusters/prod` and `clusters/dr` may be copies of one environment.
    assert!(config.clusters.iter().all(|c| c.environment.is_none()));
    assert!(zones_of(&config, "staging").is_empty());
    let region = |name: &str| {
        config
            .clusters
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.region.clone())
    };
    assert_eq!(region("prod").as_deref(), Some("ap-northeast-2"));
    assert_eq!(region("dr").as_deref(), Some("ap-northeast-1"));
    assert_eq!(region("staging"), None);
    // `${ZONE}` and a NotIn zone are no evidence.
    assert!(!text.contains("${ZONE}"));
    assert!(!text.contains("ap-northeast-2d"));
    assert!(text.contains("# zones = [\"...\", \"...\"]"));
    assert!(text.contains("#   apps/shared-config.yaml"));
    assert!(text.contains("charts/tool/templates/deploy.yaml: line 1:"));
    // The rules section is there, every key commented.
    assert!(text.contains("\n[rules]\n"));
    assert!(config.rules.select.is_none() && config.rules.ignore.is_empty());
    assert!(config.rules.severity.is_empty());
}

#[test]
fn fixture_tools_are_listed_with_why() {
    let (proposal, text, _) = propose(&fixture());
    let tools: Vec<(Option<&str>, &str)> = proposal
        .scan
        .tools
        .iter()
        .map(|t| (t.tool.map(|t| t.product.as_str()), t.name.as_str()))
        .collect();
    assert_eq!(
        tools,
        [
            (Some("Velero"), "velero"),
            (Some("Argo CD"), "argocd-server"),
            (Some("Grafana"), "grafana"),
            (None, "runbook-console"),
        ]
    );
    assert!(
        text.contains("#   Argo CD (deploy): Deployment argocd/argocd-server, in cluster prod\n")
    );
    assert!(text.contains("clusters/prod/argocd.yaml:4 (image quay.io/argoproj/argocd:v2.9.3)"));
    assert!(text.contains("(annotated spof.dev/role: tool)"));
    // Annotated as a service: the manifest has the last word.
    assert!(!text.contains("vault-docs"));
}

#[test]
fn output_does_not_depend_on_where_the_repository_is() {
    let (_, original, _) = propose(&fixture());
    for name in ["one", "other-copy"] {
        let temp = tempfile::tempdir().unwrap();
        let copy = temp.path().join(name);
        copy_tree(&fixture(), &copy);
        let (_, text, _) = propose(&copy);
        assert_eq!(text, original);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn top_level_directories_sharing_objects_are_clusters() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    write(root, "prod/web.yaml", &deployment("web", ""));
    write(root, "staging/web.yaml", &deployment("web", ""));
    write(root, "base/web.yaml", &deployment("web", ""));
    write(root, "tools/only-here.yaml", &deployment("only-here", ""));
    write(root, "top.yaml", &deployment("web", ""));
    let (proposal, text, config) = propose(root);
    assert_eq!(names(&proposal), ["prod", "staging"]);
    assert_membership(&proposal, &config);
    assert!(text.contains("declaring Deployment default/web, as `base/` and `staging/` do"));
    assert!(text.contains("#   base/web.yaml\n"));
    assert!(text.contains("#   (top level)") || text.contains("#   top.yaml\n"));
}

#[test]
fn a_top_level_directory_with_nodes_is_a_cluster() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    let node = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Node\n    \
                metadata:\n      name: n1\n      labels:\n        \
                failure-domain.beta.kubernetes.io/zone: lab-1\n";
    write(root, "lab/nodes.yaml", node);
    write(root, "apps/web.yaml", &deployment("web", ""));
    let (proposal, _, config) = propose(root);
    assert_eq!(names(&proposal), ["lab"]);
    assert_eq!(zones_of(&config, "lab"), ["lab-1"]);
    assert_membership(&proposal, &config);
}

#[test]
fn named_layouts_win_over_top_level_directories() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    write(root, "deploy/envs/prod/web.yaml", &deployment("web", ""));
    write(root, "deploy/envs/base/web.yaml", &deployment("web", ""));
    write(root, "a/web.yaml", &deployment("web", ""));
    write(root, "b/web.yaml", &deployment("web", ""));
    let (proposal, text, config) = propose(root);
    assert_eq!(names(&proposal), ["prod"]);
    assert!(text.contains("paths = [\"deploy/envs/prod/**\"]"));
    assert_membership(&proposal, &config);
}

#[test]
fn no_layout_means_no_cluster_and_an_example() {
    let temp = tempfile::tempdir().unwrap();
    write(temp.path(), "web.yaml", &deployment("web", ""));
    let (proposal, text, config) = propose(temp.path());
    assert!(proposal.clusters.is_empty());
    assert!(config.clusters.is_empty());
    assert!(text.contains("# No cluster found"));
    assert!(text.contains("# None found.\n"));
    assert!(text.contains("# None: no Node label"));
}

#[test]
fn an_empty_directory_still_gets_a_valid_file() {
    let temp = tempfile::tempdir().unwrap();
    let (proposal, text, _) = propose(temp.path());
    assert_eq!(proposal.scan.files, 0);
    assert!(text.contains("Scanned 0 YAML and JSON files: 0 with Kubernetes objects."));
}

#[test]
fn only_yaml_and_json_files_are_scanned_and_counted() {
    let temp = tempfile::tempdir().unwrap();
    write(temp.path(), "web.yaml", &deployment("web", ""));
    write(
        temp.path(),
        "main.tf",
        "resource \"aws_instance\" \"a\" {}\n",
    );
    write(temp.path(), "jobs/api.hcl", "job \"api\" {\n}\n");
    write(temp.path(), "packer.pkr.hcl", "build {\n}\n");
    let (proposal, text, _) = propose(temp.path());
    assert_eq!(proposal.scan.files, 1);
    assert!(
        proposal.scan.problems.is_empty(),
        "{:?}",
        proposal.scan.problems
    );
    assert!(text.contains("Scanned 1 YAML and JSON file: 1 with Kubernetes objects."));
}

#[test]
fn awkward_directory_names_stay_valid_and_match() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    let dirs = [
        "clusters/we[ir]d*{a,b}?",
        "clusters/back\\slash",
        "clusters/\"quoted\" name",
        "clusters/ctrl\u{1}char",
        "clusters/ünïcode",
        "a/clusters/prod",
        "b/clusters/prod",
        "clusters/a-clusters-prod",
    ];
    for dir in dirs {
        write(root, &format!("{dir}/web.yaml"), &deployment("web", ""));
    }
    write(root, "loose/odd\u{7}file.yaml", &deployment("x", ""));
    let (proposal, text, config) = propose(root);
    assert_eq!(proposal.clusters.len(), dirs.len());
    assert_membership(&proposal, &config);
    assert_eq!(
        proposal.membership.iter().filter(|m| m.is_none()).count(),
        1
    );
    let mut unique = names(&proposal);
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), dirs.len(), "{unique:?}");
    assert!(names(&proposal).contains(&"a-clusters-prod-2"));
    // Control characters are escaped in comments, as TOML requires.
    assert!(text.contains("#   loose/odd\\u{7}file.yaml\n"), "{text}");
    assert!(text.contains("below clusters/ctrl\\u{1}char/"));
}

#[test]
fn zones_are_active_only_from_node_objects_and_listed_from_other_evidence() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    let cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: backup\nspec:\n  \
                jobTemplate:\n    spec:\n      template:\n        spec:\n          \
                nodeSelector:\n            topology.kubernetes.io/zone: z-cron\n          \
                containers:\n            - name: c\n              image: velero/velero\n";
    write(root, "clusters/c/cron.yaml", cron);
    let preferred = "      affinity:\n        nodeAffinity:\n          \
                     preferredDuringSchedulingIgnoredDuringExecution:\n            \
                     - weight: 1\n              preference:\n                \
                     matchExpressions:\n                  \
                     - {key: topology.kubernetes.io/zone, operator: In, values: [z-pref]}\n                  \
                     - {key: topology.kubernetes.io/zone, operator: Exists}\n                  \
                     - {key: example.com/rack, operator: In, values: [not-a-zone]}\n";
    write(root, "clusters/c/web.yaml", &deployment("web", preferred));
    let templated = "      nodeSelector:\n        topology.kubernetes.io/zone: \"{{ .Values.zone }}\"\n        \
                     topology.kubernetes.io/region: \"\"\n        kubernetes.io/hostname: host-1\n";
    write(root, "clusters/c/tpl.yaml", &deployment("tpl", templated));
    let (proposal, text, config) = propose(root);
    // One workload's nodeSelector is no evidence of where the nodes are.
    assert!(zones_of(&config, "c").is_empty());
    assert!(
        text.contains("# zones = [\"z-cron\", \"z-pref\"]\n"),
        "{text}"
    );
    let sources: Vec<(&str, &str)> = proposal
        .scan
        .domains
        .iter()
        .map(|e| (e.value.as_str(), e.source.as_str()))
        .collect();
    assert_eq!(
        sources,
        [("z-cron", "nodeSelector"), ("z-pref", "node affinity")]
    );
    assert!(proposal.scan.domains.iter().all(|e| e.level == Level::Zone));
    // The CronJob's image is found below its job template.
    let tool = proposal.scan.tools[0].tool.map(|t| t.product.as_str());
    assert_eq!(tool, Some("Velero"));
}

#[test]
fn several_regions_are_listed_not_chosen() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    let node = |name: &str, region: &str| {
        format!(
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n  labels:\n    \
             topology.kubernetes.io/region: {region}\n---\n"
        )
    };
    write(
        root,
        "clusters/x/nodes.yaml",
        &(node("a", "r-1") + &node("b", "r-2")),
    );
    let (_, text, config) = propose(root);
    assert_eq!(config.clusters[0].region, None);
    assert!(text.contains("# Several regions named below clusters/x/"));
    assert!(text.contains("#   r-1: Node label (clusters/x/nodes.yaml:6)"));
}

#[test]
fn environments_come_from_the_common_layouts() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    for dir in [
        "kustomize/overlays/prod",
        "kustomize/overlays/staging",
        "fleet/clusters/prod-eu-west-1",
        "fleet/clusters/prod-us-east-1",
        "fleet/clusters/eu_staging",
        "fleet/clusters/pangyo",
        "fleet/clusters/us-east-1",
    ] {
        write(root, &format!("{dir}/web.yaml"), &deployment("web", ""));
    }
    let (proposal, text, config) = propose(root);
    assert_membership(&proposal, &config);
    let environments: Vec<(&str, Option<&str>)> = config
        .clusters
        .iter()
        .map(|c| (c.name.as_str(), c.environment.as_deref()))
        .collect();
    assert_eq!(
        environments,
        [
            ("eu_staging", Some("staging")),
            ("pangyo", None),
            ("prod-eu-west-1", Some("prod")),
            ("prod-us-east-1", Some("prod")),
            ("us-east-1", None),
            ("prod", Some("prod")),
            ("staging", Some("staging")),
        ]
    );
    assert!(text.contains("# Environment from the first word of `prod-eu-west-1`"));
    assert!(text.contains("# Environment from the directory's name, under `overlays/`"));
}

/// Init finds the tools `spof check` treats as tools, from the one tool
/// catalog: by image or by a label naming the application, never by the
/// object's own name; an object annotated a tool is named by its name.
#[test]
fn tools_are_the_catalog_s_as_check_recognises_them() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    let labelled = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: logs\nspec:\n  \
                    template:\n    metadata:\n      labels:\n        \
                    app.kubernetes.io/name: loki\n    spec:\n      containers:\n        \
                    - name: c\n          image: example.com/store:1\n";
    write(root, "a/logs.yaml", labelled);
    let thanos =
        deployment("query", "").replace("example.com/query:1", "quay.io/thanos/thanos:v0.35");
    write(root, "a/thanos.yaml", &thanos);
    write(
        root,
        "a/prometheus-demo.yaml",
        &deployment("prometheus-demo", ""),
    );
    let annotated = deployment("argocd-repo", "").replace(
        "  name: argocd-repo\n",
        "  name: argocd-repo\n  annotations:\n    spof.dev/role: tool\n",
    );
    write(root, "a/repo.yaml", &annotated);
    let (proposal, text, _) = propose(root);
    let tools: Vec<(&str, Option<&str>, &str)> = proposal
        .scan
        .tools
        .iter()
        .map(|t| {
            let product = t.tool.map(|t| t.product.as_str());
            (t.name.as_str(), product, t.evidence.as_str())
        })
        .collect();
    assert_eq!(
        tools,
        [
            ("logs", Some("Loki"), "label app.kubernetes.io/name: loki"),
            (
                "argocd-repo",
                Some("Argo CD"),
                "annotated spof.dev/role: tool"
            ),
            ("query", Some("Thanos"), "image quay.io/thanos/thanos:v0.35"),
        ]
    );
    assert!(text.contains("#   Loki (logging): StatefulSet default/logs, in no cluster\n"));
    // Each tool init names is a tool of the catalog `spof check` uses.
    for found in &proposal.scan.tools {
        let tool = found.tool.unwrap();
        assert!(
            crate::frontends::tools::catalog()
                .iter()
                .any(|t| std::ptr::eq(t, tool))
        );
    }
}
