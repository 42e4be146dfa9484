//! Risk groups and simulations of estates read by the pipeline.

use proptest::prelude::*;
use spof::audit::{Audit, LEVELS};
use spof::check::{Loaded, Setup, check_estate};
use spof::estate::Estate;
use spof::source::{SourceFile, SourceMap};

fn estate_of(files: &[(&str, &str)]) -> Estate {
    let mut sources = SourceMap::default();
    let loaded: Vec<Loaded> = files
        .iter()
        .map(|(path, text)| Loaded {
            file: sources.add(SourceFile::new((*path).into(), *text)),
            cluster: None,
        })
        .collect();
    let (report, estate) = check_estate(sources, &loaded, &Setup::default(), Vec::new());
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == spof::diagnostic::Kind::Error)
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "input errors: {errors:?}");
    estate
}

/// Risk groups of the entity with this id, as domain names.
fn groups(audit: &Audit, estate: &Estate, id: &str) -> Vec<Vec<String>> {
    let e = estate
        .model
        .entities
        .iter()
        .position(|x| x.id == id)
        .unwrap_or_else(|| panic!("no entity {id}"));
    audit
        .entities
        .of(e)
        .risk_groups
        .iter()
        .map(|g| g.iter().map(|&d| audit.domain_name(d)).collect())
        .collect()
}

fn names(groups: &[&[&str]]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| g.iter().map(ToString::to_string).collect())
        .collect()
}

const SITES: &str = r#"
[sites.a]
region = "east"
[sites.b]
region = "east"
[sites.c]
region = "west"
"#;

#[test]
fn copies_over_two_sites_need_both_to_fail() {
    let manifest = format!(
        "{SITES}\n[services.api]\nsites = [\"a\", \"b\"]\nreplicas = 4\n\n[services.solo]\nsites = [\"c\"]\nreplicas = 2\n"
    );
    let estate = estate_of(&[("spof.services.toml", &manifest)]);
    let audit = Audit::build(&estate, 2);
    assert_eq!(
        groups(&audit, &estate, "manifest:api"),
        names(&[&["region:east"], &["zone:a", "zone:b"]])
    );
    assert_eq!(
        groups(&audit, &estate, "manifest:solo"),
        names(&[&["region:west"], &["zone:c"]])
    );
}

#[test]
fn quorum_of_two_of_three_over_two_sites_fails_with_either_site() {
    let manifest =
        format!("{SITES}\n[services.etcd]\nsites = [\"a\", \"b\"]\nreplicas = 3\nquorum = 2\n");
    let estate = estate_of(&[("spof.services.toml", &manifest)]);
    let audit = Audit::build(&estate, 2);
    // Two of the three members sit in one of the sites: losing it loses
    // quorum, whichever it is.
    assert_eq!(
        groups(&audit, &estate, "manifest:etcd"),
        names(&[&["region:east"], &["zone:a"], &["zone:b"]])
    );
}

#[test]
fn quorum_of_two_of_three_over_three_sites_survives_one_site() {
    let manifest = format!(
        "{SITES}\n[services.etcd]\nsites = [\"a\", \"b\", \"c\"]\nreplicas = 3\nquorum = 2\n"
    );
    let estate = estate_of(&[("spof.services.toml", &manifest)]);
    let audit = Audit::build(&estate, 2);
    assert_eq!(
        groups(&audit, &estate, "manifest:etcd"),
        names(&[
            &["region:east"],
            &["zone:a", "zone:b"],
            &["zone:a", "zone:c"],
            &["zone:b", "zone:c"],
        ])
    );
    // With five members (2/2/1), losing the two sites of two each loses
    // quorum; losing one of those and the site of one does not.
    let manifest = format!(
        "{SITES}\n[services.etcd]\nsites = [\"a\", \"b\", \"c\"]\nreplicas = 5\nquorum = 3\n"
    );
    let estate = estate_of(&[("spof.services.toml", &manifest)]);
    let audit = Audit::build(&estate, 3);
    let got = groups(&audit, &estate, "manifest:etcd");
    assert!(got.contains(&vec!["zone:a".to_string(), "zone:b".to_string()]));
    assert!(
        !got.iter()
            .any(|g| g.len() == 1 && g[0].starts_with("zone:"))
    );
}

#[test]
fn dependencies_and_tools_that_guard_tools_pass_their_groups_on() {
    let manifest = format!(
        "{SITES}
[services.api]
sites = [\"a\", \"b\"]
replicas = 4
depends_on = [\"db\"]

[services.db]
sites = [\"a\", \"c\"]
replicas = 2
role = \"datastore\"

[tools.console]
sites = [\"a\", \"b\"]
replicas = 2
kind = \"deploy\"
manages = [\"api\"]

[tools.sso]
sites = [\"a\"]
replicas = 2
kind = \"sso\"
manages = [\"console\"]
"
    );
    let estate = estate_of(&[("spof.services.toml", &manifest)]);
    let audit = Audit::build(&estate, 2);
    assert_eq!(
        groups(&audit, &estate, "manifest:api"),
        names(&[
            &["region:east"],
            &["zone:a", "zone:b"],
            &["zone:a", "zone:c"]
        ])
    );
    // The console needs engineer sign-in, which lives in site a only.
    assert_eq!(
        groups(&audit, &estate, "manifest:console"),
        names(&[&["region:east"], &["zone:a"]])
    );
}

#[test]
fn cross_format_dependency_reaches_a_kubernetes_workload() {
    let deployment = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    spof.dev/depends-on: "manifest:ledger"
spec:
  replicas: 3
  template:
    spec:
      nodeSelector:
        topology.kubernetes.io/zone: b
"#;
    let manifest = format!("{SITES}\n[services.ledger]\nsites = [\"a\", \"c\"]\nreplicas = 2\n");
    let estate = estate_of(&[("spof.services.toml", &manifest), ("web.yaml", deployment)]);
    let audit = Audit::build(&estate, 2);
    assert_eq!(
        groups(&audit, &estate, "k8s:Deployment/shop/web"),
        // The manifest says zone b lies in region east.
        names(&[&["region:east"], &["zone:b"], &["zone:a", "zone:c"]])
    );
}

#[test]
fn kubernetes_spread_over_configured_zones() {
    let deployment = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: web
    spec:
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: DoNotSchedule
          labelSelector:
            matchLabels:
              app: web
---
apiVersion: v1
kind: Node
metadata:
  name: n1
  labels:
    topology.kubernetes.io/zone: z1
---
apiVersion: v1
kind: Node
metadata:
  name: n2
  labels:
    topology.kubernetes.io/zone: z2
---
apiVersion: v1
kind: Node
metadata:
  name: n3
  labels:
    topology.kubernetes.io/zone: z3
"#;
    let estate = estate_of(&[("web.yaml", deployment)]);
    let audit = Audit::build(&estate, 2);
    // Two replicas, one per zone at most: the worst placement puts them in
    // any two of the three zones.
    assert_eq!(
        groups(&audit, &estate, "k8s:Deployment/default/web"),
        names(&[
            &["zone:z1", "zone:z2"],
            &["zone:z1", "zone:z3"],
            &["zone:z2", "zone:z3"]
        ])
    );
}

#[test]
fn simulate_explains_the_chain() {
    let manifest = format!(
        "{SITES}\n[services.api]\nsites = [\"a\", \"b\"]\nreplicas = 4\ndepends_on = [\"db\"]\n\n[services.db]\nsites = [\"c\"]\nreplicas = 2\n"
    );
    let estate = estate_of(&[("spof.services.toml", &manifest)]);
    let audit = Audit::build(&estate, 2);
    let c = audit.find_domains("datacenter=c").unwrap();
    let sim = audit.simulate(&estate, &c);
    let ids: Vec<&str> = sim
        .down
        .iter()
        .map(|d| estate.model.entities[d.entity].id.as_str())
        .collect();
    assert_eq!(ids, ["manifest:api", "manifest:db"]);
    let api = &sim.down[0];
    assert_eq!(api.because.len(), 2);
    assert!(api.because[0].text.contains("depends on `Service db`"));
    assert!(api.because[1].text.contains("`zone:c` fails"));
    assert!(sim.degraded.is_empty());
    let a = audit.find_domains("a").unwrap();
    let sim = audit.simulate(&estate, &a);
    assert!(sim.down.is_empty());
    assert_eq!(sim.degraded.len(), 1);
    assert!(audit.find_domains("region=nowhere").is_err());
    assert!(audit.find_domains("planet=a").is_err());
}

/// A random manifest estate: services over random sites (some quorum
/// systems) depending on earlier services.
fn manifest_strategy() -> impl Strategy<Value = String> {
    let service = (
        proptest::collection::btree_set(0usize..5, 1..=3),
        0u32..=3,
        proptest::option::of(1u32..=3),
        proptest::collection::btree_set(0usize..8, 0..=2),
    );
    proptest::collection::vec(service, 1..8).prop_map(|services| {
        let mut text = String::new();
        for s in 0..5 {
            let region = if s < 3 { "r1" } else { "r2" };
            text.push_str(&format!("[sites.s{s}]\nregion = \"{region}\"\n"));
        }
        for (i, (sites, extra, quorum, deps)) in services.iter().enumerate() {
            let replicas = u32::try_from(sites.len()).unwrap_or(1) + extra;
            let sites: Vec<String> = sites.iter().map(|s| format!("\"s{s}\"")).collect();
            text.push_str(&format!(
                "[services.svc{i}]\nsites = [{}]\nreplicas = {replicas}\n",
                sites.join(", ")
            ));
            if let Some(q) = quorum
                && *q <= replicas
            {
                text.push_str(&format!("quorum = {q}\n"));
            }
            let deps: Vec<String> = deps
                .iter()
                .filter(|&&d| d < i)
                .map(|d| format!("\"svc{d}\""))
                .collect();
            if !deps.is_empty() {
                text.push_str(&format!("depends_on = [{}]\n", deps.join(", ")));
            }
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every risk group is a cut, removing any member makes it not one, and
    /// every minimal cut up to the size is found (checked by evaluating the
    /// estate on every set of domains of a level).
    #[test]
    fn risk_groups_are_exactly_the_minimal_cuts(manifest in manifest_strategy(), k in 1usize..=3) {
        let estate = estate_of(&[("spof.services.toml", &manifest)]);
        let audit = Audit::build(&estate, k);
        for (e, entity) in audit.entities.iter().enumerate() {
            for group in entity.risk_groups {
                prop_assert!(group.len() <= k);
                prop_assert!(audit.is_down(&estate, group, e), "{group:?} is not a cut of {e}");
                for skip in 0..group.len() {
                    let smaller: Vec<u32> = group.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, &d)| d).collect();
                    prop_assert!(!audit.is_down(&estate, &smaller, e), "{group:?} of {e} is not minimal");
                }
            }
        }
        for level in LEVELS {
            let ids: Vec<u32> = (0..audit.domains.len())
                .filter(|&d| audit.domains[d].level == level)
                .filter_map(|d| u32::try_from(d).ok())
                .collect();
            let mut subsets: Vec<Vec<u32>> = vec![Vec::new()];
            for &d in &ids {
                let more: Vec<Vec<u32>> = subsets
                    .iter()
                    .filter(|s| s.len() < k)
                    .map(|s| { let mut s = s.clone(); s.push(d); s })
                    .collect();
                subsets.extend(more);
            }
            for set in subsets.iter().filter(|s| !s.is_empty()) {
                for e in 0..audit.entities.len() {
                    let down = audit.is_down(&estate, set, e);
                    let covered = audit.entities.of(e).risk_groups.iter().any(|g| g.iter().all(|d| set.contains(d)));
                    prop_assert_eq!(down, covered, "set {:?} of entity {}", set, e);
                }
            }
        }
    }
}

/// The synthetic estate written as a service manifest (what the end-to-end
/// bench checks) reads back as the estate generated directly.
#[test]
fn generated_manifest_gives_the_groups_of_the_generated_model() {
    use spof::audit::synthetic;
    let shape = synthetic::Shape {
        services: 400,
        sites: 8,
        regions: 3,
        seed: 7,
    };
    let plan = synthetic::plan(shape);
    let text = synthetic::manifest(shape, &plan);
    let read = estate_of(&[("spof.services.toml", &text)]);
    let generated = synthetic::estate(synthetic::model(shape, &plan));
    let ids =
        |e: &Estate| -> Vec<String> { e.model.entities.iter().map(|x| x.id.clone()).collect() };
    assert_eq!(ids(&read), ids(&generated));
    let (a, b) = (Audit::build(&read, 2), Audit::build(&generated, 2));
    assert_eq!(a.domains, b.domains);
    let all_groups =
        |a: &Audit| -> Vec<_> { a.entities.iter().map(|e| e.risk_groups.to_vec()).collect() };
    assert_eq!(all_groups(&a), all_groups(&b));
}
