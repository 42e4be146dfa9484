//! Backstage catalogs through the whole pipeline (`check_sources`).

use spof::check::{Loaded, Setup, check_sources};
use spof::source::{SourceFile, SourceMap};
use std::path::PathBuf;

/// Findings as `CODE line:col message`, in output order.
fn check(files: &[(&str, &str)]) -> Vec<(String, String, String)> {
    let mut sources = SourceMap::default();
    let loaded: Vec<Loaded> = files
        .iter()
        .map(|(path, text)| Loaded {
            file: sources.add(SourceFile::new(PathBuf::from(path), *text)),
            cluster: None,
        })
        .collect();
    let report = check_sources(sources, &loaded, &Setup::default(), Vec::new());
    report
        .diagnostics
        .iter()
        .map(|d| {
            let source = report.sources.get(d.span.file);
            let text = &source.text()[d.span.range.start as usize..d.span.range.end as usize];
            (d.code.to_string(), text.to_string(), d.message.to_string())
        })
        .collect()
}

fn component(name: &str, annotations: &str, spec: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  annotations:\n    x: y\n{annotations}spec:\n  type: service\n{spec}---\n"
    )
}

#[test]
fn two_sites_are_redundant_one_is_not() {
    let two = component(
        "a",
        "    spof.dev/sites: \"datacenter=gasan, datacenter=sangam\"\n",
        "",
    );
    assert_eq!(check(&[("catalog.yaml", &two)]), []);
    let one = component("a", "    spof.dev/sites: \"datacenter=gasan\"\n", "");
    let found = check(&[("catalog.yaml", &one)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "SPOF004");
    assert_eq!(found[0].1, "gasan");
}

#[test]
fn a_one_site_database_is_a_spof_of_its_users() {
    let catalog = component(
        "api",
        "    spof.dev/sites: gasan, sangam\n",
        "  dependsOn: [resource:db]\n",
    ) + "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: db\n  annotations:\n    spof.dev/sites: pangyo\nspec:\n  type: database\n";
    let found = check(&[("catalog.yaml", &catalog)]);
    let codes: Vec<_> = found.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect();
    assert_eq!(codes, [("SPOF007", "resource:db"), ("SPOF004", "pangyo")]);
    assert!(found[0].2.contains("`zone:pangyo`"), "{}", found[0].2);
}

#[test]
fn dependency_of_is_the_inverse() {
    let catalog = component(
        "push",
        "    spof.dev/sites: pangyo\n",
        "  dependencyOf: [component:notifier]\n",
    ) + &component("notifier", "    spof.dev/sites: gasan, sangam\n", "");
    let found = check(&[("catalog.yaml", &catalog)]);
    let codes: Vec<_> = found.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect();
    assert_eq!(
        codes,
        [("SPOF004", "pangyo"), ("SPOF007", "component:notifier")]
    );
    assert!(
        found[1]
            .2
            .starts_with("`Component default/notifier` depends on `Component default/push`")
    );
}

#[test]
fn a_kubernetes_id_links_the_workload() {
    let catalog = component("search", "    backstage.io/kubernetes-id: search\n", "");
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: search\nspec:\n  replicas: 1\n  template:\n    metadata:\n      labels:\n        backstage.io/kubernetes-id: search\n    spec:\n      containers: [{name: s, image: s}]\n";
    let found = check(&[("catalog.yaml", &catalog), ("deploy.yaml", deployment)]);
    let codes: Vec<_> = found.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect();
    assert_eq!(codes, [("SPOF007", "search"), ("SPOF001", "replicas: 1")]);
    // No workload carries the id: the component is unknown, no finding.
    assert_eq!(check(&[("catalog.yaml", &catalog)]), []);
}

#[test]
fn an_unknown_dependency_is_reported() {
    let catalog = component("a", "", "  dependsOn: [resource:nowhere]\n");
    let found = check(&[("catalog.yaml", &catalog)]);
    let codes: Vec<_> = found.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect();
    assert_eq!(codes, [("SPOF013", "resource:nowhere")]);
}
