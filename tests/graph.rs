//! `spof graph`'s views and drawings of estates read by the pipeline.

use spof::check::{RunOptions, run_estate};
use spof::estate::Estate;
use spof::render::graph::{Edge, View, document, dot, json, lookup, mermaid};
use std::collections::BTreeSet;

fn load(path: &str) -> Estate {
    let options = RunOptions {
        paths: vec![path.into()],
        isolated: true,
        ..RunOptions::default()
    };
    run_estate(&options).1
}

fn manifest() -> Estate {
    load("testdata/estates/recovery-plane/manifest")
}

/// A manifest whose names need escaping in every format.
fn hostile() -> (tempfile::TempDir, Estate) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spof.services.toml"),
        r#"
[sites.'dc "1" {x}']
[sites.'b#2']

[services.'we"ird\name']
sites = ['dc "1" {x}', 'b#2']
replicas = 3
depends_on = ["`db`"]

[services.'`db`']
sites = ['dc "1" {x}']
replicas = 1
role = "datastore"

[tools.'end']
sites = ['b#2']
kind = "deploy"
manages = ['we"ird\name']
"#,
    )
    .unwrap();
    let estate = load(dir.path().to_str().unwrap());
    (dir, estate)
}

fn names(estate: &Estate, view: &View) -> Vec<String> {
    let mut names: Vec<String> = view
        .entities()
        .map(|e| estate.model.entities[e].name.clone())
        .collect();
    names.sort();
    names
}

#[test]
fn view_without_focus_keeps_everything() {
    let estate = manifest();
    let view = View::new(&estate, &[], None);
    assert_eq!(view.entities().count(), estate.model.entities.len());
    assert!(view.focus.is_empty());
}

#[test]
fn view_follows_dependencies_and_manages_both_ways_within_depth() {
    let estate = manifest();
    let db = lookup(&estate, "talk-db").unwrap();
    let view = |depth| names(&estate, &View::new(&estate, &db, depth));
    assert_eq!(view(Some(0)), ["talk-db"]);
    // Its dependent and the tools that manage it.
    assert_eq!(
        view(Some(1)),
        ["deploy-console", "monitoring", "talk-api", "talk-db"]
    );
    // talk-api's other dependency, the tools' guard.
    assert_eq!(
        view(Some(2)),
        [
            "auth",
            "deploy-console",
            "engineer-sso",
            "monitoring",
            "talk-api",
            "talk-db"
        ]
    );
    // The wiki is connected to nothing.
    assert_eq!(view(None), view(Some(2)));
    let wiki = lookup(&estate, "runbook-wiki").unwrap();
    assert_eq!(
        names(&estate, &View::new(&estate, &wiki, None)),
        ["runbook-wiki"]
    );
}

/// Services sharing one selector: a view crosses the shared set both
/// ways, hop by hop.
#[test]
fn view_crosses_shared_selectors_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for d in 0..3 {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{d}, namespace: x}}\nspec:\n  replicas: 2\n  template:\n    metadata: {{labels: {{app: web}}}}\n"
        ));
    }
    for s in 0..3 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{s}, namespace: x}}\nspec:\n  selector: {{app: web}}\n"
        ));
    }
    std::fs::write(dir.path().join("fan.yaml"), text).unwrap();
    let estate = load(dir.path().to_str().unwrap());
    let s0 = lookup(&estate, "k8s:Service/x/s0").unwrap();
    let view = |depth| names(&estate, &View::new(&estate, &s0, depth));
    assert_eq!(view(Some(1)), ["d0", "d1", "d2", "s0"]);
    assert_eq!(view(Some(2)), ["d0", "d1", "d2", "s0", "s1", "s2"]);
    let d1 = lookup(&estate, "k8s:Deployment/x/d1").unwrap();
    let from_d1 = names(&estate, &View::new(&estate, &d1, Some(1)));
    assert_eq!(from_d1, ["d1", "s0", "s1", "s2"]);
}

#[test]
fn lookup_takes_ids_and_unique_names() {
    let estate = manifest();
    let by_id = lookup(&estate, "manifest:auth").unwrap();
    assert_eq!(lookup(&estate, "auth"), Ok(by_id));
    assert_eq!(
        lookup(&estate, "atuh"),
        Err("no entity `atuh` in the estate; did you mean `auth`?".to_string())
    );
    assert_eq!(
        lookup(&estate, "nothing-like-it"),
        Err("no entity `nothing-like-it` in the estate".to_string())
    );
    // A shared name names every entity that has it, in id order.
    let k8s = load("testdata/estates/two-datacenters");
    let ids = |estate: &Estate, found: Vec<usize>| -> Vec<String> {
        found
            .into_iter()
            .map(|e| estate.model.entities[e].id.clone())
            .collect()
    };
    assert_eq!(
        ids(&k8s, lookup(&k8s, "talk-db").unwrap()),
        ["k8s:Service/talk/talk-db", "k8s:StatefulSet/talk/talk-db"]
    );
    assert_eq!(lookup(&k8s, "k8s:Service/talk/talk-db").unwrap().len(), 1);
    // A view focused on both draws both, and what each is connected to.
    let both = lookup(&k8s, "talk-db").unwrap();
    let view = View::new(&k8s, &both, Some(0));
    assert_eq!(view.focus.len(), 2);
    let mut drawn = ids(&k8s, view.entities().collect());
    drawn.sort();
    assert_eq!(drawn, ids(&k8s, both.clone()));
    let one = View::new(&k8s, &both[..1], Some(1));
    let two = View::new(&k8s, &both, Some(1));
    assert!(one.entities().all(|e| two.contains(e)));
    // An id without its place names every place's entity.
    let samples = load("testdata/estates/samples");
    let copies = lookup(&samples, "k8s:StatefulSet/default/cassandra").unwrap();
    assert_eq!(copies.len(), 2);
    assert_eq!(
        lookup(
            &samples,
            "k8s:StatefulSet/default/cassandra@samples/cassandra-six"
        )
        .unwrap()
        .len(),
        1
    );
}

/// A tiny DOT reader: statements end with `;`, strings are closed,
/// braces and brackets balance outside strings.
fn assert_valid_dot(text: &str) {
    assert!(text.starts_with("digraph spof {\n"), "{text}");
    let (mut braces, mut brackets) = (0i32, 0i32);
    let mut chars = text.chars();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    assert!(chars.next().is_some());
                }
                '"' => in_string = false,
                '\n' => panic!("newline in a string:\n{text}"),
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => braces += 1,
            '}' => braces -= 1,
            '[' => brackets += 1,
            ']' => brackets -= 1,
            _ => {}
        }
        assert!(braces >= 0 && brackets >= 0, "{text}");
    }
    assert!(!in_string && braces == 0 && brackets == 0, "{text}");
    for line in text.lines().map(str::trim) {
        assert!(
            line.ends_with(';') || line.ends_with('{') || line == "}",
            "{line}"
        );
    }
}

/// Mermaid: a flowchart whose subgraphs close, whose labels are quoted
/// without a raw quote inside, and whose edges join declared nodes.
fn assert_valid_mermaid(text: &str) {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut depth = 0i32;
    let mut declared = BTreeSet::new();
    for line in lines.map(str::trim) {
        assert_eq!(line.matches('"').count() % 2, 0, "{line}");
        if line.starts_with("subgraph ") {
            depth += 1;
            let id = &line["subgraph ".len()..line.find('[').unwrap()];
            declared.insert(id.to_string());
        } else if line == "end" {
            depth -= 1;
        } else if line.starts_with("classDef ")
            || line.starts_with("class ")
            || line.starts_with("linkStyle ")
        {
        } else if let Some(id) = line.strip_suffix(']').map(|l| &l[..l.find('[').unwrap()]) {
            assert!(
                id.starts_with('n') && id[1..].parse::<usize>().is_ok(),
                "{line}"
            );
            declared.insert(id.to_string());
        } else {
            // `from arrow|"label"| to`
            let (from, rest) = line.split_once(' ').unwrap();
            let (arrow, to) = rest.rsplit_once(' ').unwrap();
            assert!(declared.contains(from), "{line}");
            assert!(declared.contains(to), "{line}");
            let arrow = arrow.split('|').next().unwrap();
            assert!(["-->", "-.->", "-.-"].contains(&arrow), "{line}");
        }
        assert!(depth >= 0, "{text}");
    }
    assert_eq!(depth, 0, "{text}");
}

#[test]
fn every_estate_draws_valid_dot_and_mermaid() {
    let (_dir, hostile) = hostile();
    let estates = [
        manifest(),
        load("testdata/estates/recovery-plane/kubernetes"),
        load("testdata/estates/two-datacenters"),
        load("testdata/estates/shop-on-aws"),
        hostile,
    ];
    for estate in &estates {
        assert!(!estate.model.entities.is_empty());
        for focus in [&[][..], &[0][..]] {
            for depth in [None, Some(1)] {
                let view = View::new(estate, focus, depth);
                assert_valid_dot(&dot(estate, &view));
                assert_valid_mermaid(&mermaid(estate, &view));
                let doc: serde_json::Value = serde_json::from_str(&json(estate, &view)).unwrap();
                assert_eq!(doc["version"], 2);
            }
        }
    }
}

#[test]
fn hostile_names_are_escaped() {
    let (_dir, estate) = hostile();
    let view = View::new(&estate, &[], None);
    let dot = dot(&estate, &view);
    assert!(dot.contains(r#"label="Service we\"ird\\name""#), "{dot}");
    assert!(dot.contains(r#"label="zone:dc \"1\" {x}";"#), "{dot}");
    let mermaid = mermaid(&estate, &view);
    assert!(
        mermaid.contains(r#"["Service we#quot;ird\name"]"#),
        "{mermaid}"
    );
    assert!(mermaid.contains(r#"[("Service #96;db#96;")]"#), "{mermaid}");
    assert!(
        mermaid.contains(r#"subgraph d0["zone:b#35;2"]"#),
        "{mermaid}"
    );
    // A tool named like a Mermaid keyword is only a label.
    assert!(mermaid.contains(r#"[["Tool end"]]"#), "{mermaid}");
}

#[test]
fn one_domain_is_a_cluster_several_are_dashed_edges() {
    let (_dir, estate) = hostile();
    let view = View::new(&estate, &[], None);
    let doc = document(&estate, &view);
    let node = |id: &str| doc.nodes.iter().find(|n| n.id == id).unwrap();
    let db = node("manifest:`db`");
    assert_eq!(db.cluster.as_deref(), Some(r#"zone:dc "1" {x}"#));
    assert!(db.spof);
    assert_eq!(
        db.single_failures,
        Some(vec![r#"zone:dc "1" {x}"#.to_string()])
    );
    let weird = node(r#"manifest:we"ird\name"#);
    assert_eq!(weird.cluster, None);
    assert_eq!(weird.domains.len(), 2);
    // It fails with its database's zone.
    assert!(weird.spof);
    let mermaid = mermaid(&estate, &view);
    assert!(mermaid.contains("n2 -.-|\"placed in\"| d0"), "{mermaid}");
    assert!(mermaid.contains("n2 -.-|\"placed in\"| d1"), "{mermaid}");
    let placed: Vec<&Edge> = doc.edges.iter().filter(|e| e.kind == "placed-in").collect();
    assert_eq!(placed.len(), 4);
    let mut sorted = doc.edges.clone();
    sorted.sort();
    assert_eq!(sorted, doc.edges);
}
