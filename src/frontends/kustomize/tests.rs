//! The build against kustomize's own tests (`testdata/kustomize/krusty/`,
//! extracted from its `api/krusty` tests by `scripts/krusty-fixtures.py`),
//! and the unit behaviour of roots, patches and name references.

use super::base::{Build, Tree};
use crate::parse::Node;
use crate::parse::tree::Value;
use crate::parse::yaml::{Limits, parse_stream};
use crate::source::{SourceFile, SourceMap, TextRange};
use std::path::{Path, PathBuf};

/// Kustomization fields spof does not build; a case using one is outside
/// the supported set.
const UNSUPPORTED: &[&str] = &[
    "generators",
    "transformers",
    "validators",
    "helmCharts",
    "helmGlobals",
    "inventory",
    "nameprefix",
];

/// A value as YAML types it: plain scalars are numbers, booleans or null
/// where they read as such.
fn normal(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Scalar { text, plain } => {
            if !plain {
                return serde_json::Value::String(text.to_string());
            }
            if node.is_null() {
                serde_json::Value::Null
            } else if let Some(b) = node.as_bool() {
                serde_json::Value::Bool(b)
            } else if let Some(i) = node.as_i64() {
                serde_json::Value::from(i)
            } else if let Ok(f) = text.parse::<f64>()
                && f.is_finite()
            {
                serde_json::Value::from(f)
            } else {
                serde_json::Value::String(text.to_string())
            }
        }
        Value::Seq(items) => items.iter().map(normal).collect(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), normal(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

/// Objects as sorted canonical JSON: order of output is not compared.
fn canonical(nodes: impl IntoIterator<Item = Node>) -> Vec<String> {
    let mut out: Vec<String> = nodes
        .into_iter()
        .filter(|n| !n.as_map().is_empty())
        .map(|n| normal(&n).to_string())
        .collect();
    out.sort();
    out
}

struct Case {
    sources: SourceMap,
    docs: Vec<Vec<crate::parse::Document>>,
    dir: PathBuf,
    root: PathBuf,
}

fn load(case: &Path) -> Option<Case> {
    let dir = case.join("files");
    let root = dir.join(std::fs::read_to_string(case.join("root")).ok()?.trim());
    let mut sources = SourceMap::default();
    let mut docs = Vec::new();
    let mut stack = vec![dir.clone()];
    let mut paths = Vec::new();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                paths.push(p);
            }
        }
    }
    paths.sort();
    for p in paths {
        let name = p.file_name()?.to_str()?;
        let yaml = name.ends_with(".yaml")
            || name.ends_with(".yml")
            || name.ends_with(".json")
            || name == "Kustomization";
        if !yaml {
            continue;
        }
        let text = std::fs::read_to_string(&p).ok()?;
        docs.push(parse_stream(&text, &Limits::default()).0);
        sources.add(SourceFile::new(p.clone(), text));
    }
    Some(Case {
        sources,
        docs,
        dir,
        root,
    })
}

fn uses_unsupported(case: &Case) -> Option<&'static str> {
    for (i, (_, file)) in case.sources.iter().enumerate() {
        let name = file
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !super::is_kustomization_file_name(name) {
            continue;
        }
        let root = &case.docs[i].first()?.root;
        if let Some(k) = UNSUPPORTED.iter().find(|k| root.get(k).is_some()) {
            return Some(k);
        }
    }
    None
}

/// Builds a case; `None` when the build reports an error.
fn built(case: &Case) -> Option<Vec<String>> {
    let dir = case.dir.clone();
    let data =
        move |p: &Path| std::fs::read_to_string(dir.join(p.strip_prefix(&dir).unwrap_or(p))).ok();
    let mut tree = Tree::new(
        case.docs
            .iter()
            .enumerate()
            .map(|(i, d)| (crate::source::FileId(i as u32), d.as_slice())),
        &case.sources,
    );
    tree.data = Some(&data);
    let mut build = Build::new(&tree);
    let out = build.build(&case.root, TextRange::empty(0), true);
    if std::env::var("SPOF_KRUSTY_SHOW")
        .is_ok_and(|v| case.dir.parent().is_some_and(|p| p.ends_with(&v)))
    {
        for d in &build.diagnostics {
            eprintln!("diagnostic: {}", d.message);
        }
        eprintln!("built {:?} objects", out.as_ref().map(Vec::len));
    }
    if build
        .diagnostics
        .iter()
        .any(|d| d.severity == crate::diagnostic::Severity::Error)
    {
        return None;
    }
    Some(canonical(out?.into_iter().map(|r| r.node)))
}

#[test]
fn krusty_cases_build_as_kustomize_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kustomize/krusty");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("the krusty fixtures")
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    let (mut supported, mut same, mut unsupported) = (0, 0, 0);
    let mut differ = Vec::new();
    for path in &cases {
        let case = load(path).expect("a readable case");
        if uses_unsupported(&case).is_some() {
            unsupported += 1;
            continue;
        }
        supported += 1;
        let text = std::fs::read_to_string(path.join("expected.yaml")).unwrap_or_default();
        let expected = canonical(
            parse_stream(&text, &Limits::default())
                .0
                .into_iter()
                .map(|d| d.root),
        );
        let got = built(&case);
        if got.as_ref() == Some(&expected) {
            same += 1;
        } else {
            if std::env::var("SPOF_KRUSTY_SHOW").is_ok_and(|v| path.ends_with(&v)) {
                let got = got.unwrap_or_default();
                for e in expected.iter().filter(|e| !got.contains(e)) {
                    eprintln!("expected: {e}");
                }
                for g in got.iter().filter(|g| !expected.contains(g)) {
                    eprintln!("built:    {g}");
                }
            }
            differ.push(
                path.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string(),
            );
        }
    }
    let report = format!(
        "{same} of {supported} supported krusty cases identical ({unsupported} unsupported); differ: {differ:?}"
    );
    eprintln!("{report}");
    // 126 of the 152 ported cases are within the supported features: fewer
    // would mean cases stopped being recognised, not that spof got better.
    assert!(supported >= 126, "{report}");
    assert!(same * 10 >= supported * 9, "{report}");
}

/// The schemas a kustomization names (`testdata/kustomize/schemas`): a
/// `crds` file's object references follow the names a prefix changes (and
/// a field it does not mark keeps its name); an `openapi` schema's merge
/// key merges a custom kind's list item by item, which without it a patch
/// replaces whole.
#[test]
fn schemas_change_the_build_as_kustomize_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kustomize/schemas");
    for case in ["crds", "openapi", "no-openapi", "replicas-config"] {
        let case = root.join(case);
        let loaded = load(&case).expect("a readable case");
        let text = std::fs::read_to_string(case.join("expected.yaml")).unwrap_or_default();
        let expected = canonical(
            parse_stream(&text, &Limits::default())
                .0
                .into_iter()
                .map(|d| d.root),
        );
        assert_eq!(built(&loaded), Some(expected), "{}", case.display());
    }
}

/// The objects of the build of `dir` (of `testdata/kustomize/generators`)
/// with data files read from disk as `spof check` reads them, and the
/// build's error messages.
fn generators_build(dir: &str) -> (Vec<Node>, Vec<String>) {
    let case_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kustomize/generators");
    let case = load(&case_dir).expect("the generators fixture");
    let mut tree = Tree::new(
        case.docs
            .iter()
            .enumerate()
            .map(|(i, d)| (crate::source::FileId(i as u32), d.as_slice())),
        &case.sources,
    );
    let reader = super::base::read_data;
    tree.data = Some(&reader);
    let mut build = Build::new(&tree);
    let out = build.build(&case.dir.join(dir), TextRange::empty(0), true);
    let errors = build
        .diagnostics
        .iter()
        .map(|d| d.message.to_string())
        .collect();
    (
        out.unwrap_or_default()
            .into_iter()
            .map(|r| r.node)
            .collect(),
        errors,
    )
}

fn text_at<'n>(node: &'n Node, path: &[&str]) -> Option<&'n str> {
    path.iter()
        .try_fold(node, |n, k| n.get(k))
        .and_then(Node::as_str)
}

#[test]
fn generator_data_files_are_read_from_disk() {
    let (objects, errors) = generators_build("app");
    assert!(errors.is_empty(), "{errors:?}");
    let of_kind = |kind: &str| {
        objects
            .iter()
            .find(|o| text_at(o, &["kind"]) == Some(kind))
            .expect(kind)
    };
    let config = of_kind("ConfigMap");
    let data = |k: &str| text_at(config, &["data", k]);
    assert_eq!(
        data("app.properties"),
        Some("db.host=orders-db\ndb.port=5432\n")
    );
    assert_eq!(data("nginx.conf"), Some("worker_processes 2;\n"));
    assert_eq!(data("LOG_LEVEL"), Some("debug"));
    assert_eq!(data("REGION"), Some("eu-west-1"));
    assert_eq!(data("MODE"), Some("prod"));
    let name = text_at(config, &["metadata", "name"]).unwrap_or_default();
    assert!(name.starts_with("app-config-") && name.len() == "app-config-".len() + 10);
    // The Deployment's reference follows the hash suffix.
    let deployment = of_kind("Deployment");
    let reference = deployment
        .get("spec")
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("spec"))
        .and_then(|s| s.get("containers"))
        .and_then(|c| c.as_seq().first())
        .and_then(|c| c.get("envFrom"))
        .and_then(|e| e.as_seq().first())
        .and_then(|e| text_at(e, &["configMapRef", "name"]));
    assert_eq!(reference, Some(name));
    // `token=secret.txt`: the key named, the content base64.
    let secret = of_kind("Secret");
    assert_eq!(text_at(secret, &["data", "token"]), Some("czNjcjN0"));
}

#[test]
fn generator_data_files_outside_the_kustomization_or_missing_are_errors() {
    let (_, errors) = generators_build("escape");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("`../app/app.properties` is outside the kustomization's directory"));
    assert!(errors[1].contains("`missing.env` cannot be read"));
}

#[test]
fn generator_data_files_are_not_read_through_a_link() {
    let dir = std::env::temp_dir().join(format!("spof-kustomize-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("files/app")).expect("a temporary directory");
    std::fs::write(dir.join("root"), "app").expect("write");
    std::fs::write(dir.join("outside.txt"), "secret").expect("write");
    std::fs::write(
        dir.join("files/app/kustomization.yaml"),
        "configMapGenerator:\n  - name: linked\n    files: [linked.txt]\n",
    )
    .expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("outside.txt"), dir.join("files/app/linked.txt"))
        .expect("a link");
    let case = load(&dir).expect("the case");
    let mut tree = Tree::new(
        case.docs
            .iter()
            .enumerate()
            .map(|(i, d)| (crate::source::FileId(i as u32), d.as_slice())),
        &case.sources,
    );
    let reader = super::base::read_data;
    tree.data = Some(&reader);
    let mut build = Build::new(&tree);
    let out = build.build(&case.root, TextRange::empty(0), true);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(build.diagnostics.len(), 1);
    assert!(
        build.diagnostics[0]
            .message
            .contains("`linked.txt` cannot be read")
    );
    let text = format!("{:?}", out.unwrap_or_default().first().map(|r| &r.node));
    assert!(!text.contains("secret"), "{text}");
}

/// The objects of the build of `dir` of `testdata/kustomize/replacements`,
/// by kind, and the build's error messages.
fn replacements_build(dir: &str) -> (Vec<Node>, Vec<String>) {
    let case_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kustomize/replacements");
    let case = load_all(&case_dir).expect("the replacements fixture");
    let tree = Tree::new(
        case.docs
            .iter()
            .enumerate()
            .map(|(i, d)| (crate::source::FileId(i as u32), d.as_slice())),
        &case.sources,
    );
    let mut build = Build::new(&tree);
    let out = build.build(&case.dir.join(dir), TextRange::empty(0), true);
    let errors = build
        .diagnostics
        .iter()
        .map(|d| d.message.to_string())
        .collect();
    (
        out.unwrap_or_default()
            .into_iter()
            .map(|r| r.node)
            .collect(),
        errors,
    )
}

/// A fixture directory without a `root` file: every file under it.
fn load_all(dir: &Path) -> Option<Case> {
    let tmp = dir.to_path_buf();
    let mut sources = SourceMap::default();
    let mut docs = Vec::new();
    let mut stack = vec![tmp.clone()];
    let mut paths = Vec::new();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                paths.push(p);
            }
        }
    }
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).ok()?;
        docs.push(parse_stream(&text, &Limits::default()).0);
        sources.add(SourceFile::new(p.clone(), text));
    }
    Some(Case {
        sources,
        docs,
        dir: tmp.clone(),
        root: tmp,
    })
}

fn of_kind<'n>(objects: &'n [Node], kind: &str) -> &'n Node {
    objects
        .iter()
        .find(|o| text_at(o, &["kind"]) == Some(kind))
        .expect(kind)
}

fn container(deployment: &Node) -> &Node {
    deployment
        .path(&["spec", "template", "spec", "containers"])
        .and_then(|c| c.as_seq().first())
        .expect("a container")
}

#[test]
fn replacements_copy_source_fields_into_targets() {
    let (objects, errors) = replacements_build("overlays/prod");
    assert!(errors.is_empty(), "{errors:?}");
    let web = of_kind(&objects, "Deployment");
    // The ConfigMap's string "1" into an integer field stays an integer.
    let replicas = web.path(&["spec", "replicas"]).expect("replicas");
    assert_eq!(replicas.as_i64(), Some(1));
    // A delimited part of the source into a delimited part of the target,
    // and a field made with `create` under a bracketed key.
    assert_eq!(text_at(container(web), &["image"]), Some("example/web:2.0"));
    assert_eq!(
        text_at(
            web,
            &[
                "spec",
                "template",
                "spec",
                "nodeSelector",
                "topology.kubernetes.io/zone"
            ]
        ),
        Some("eu-west-1a")
    );
}

#[test]
fn rejected_targets_and_missing_fields_are_left_alone() {
    let (objects, errors) = replacements_build("overlays/staging");
    assert!(errors.is_empty(), "{errors:?}");
    let web = of_kind(&objects, "Deployment");
    assert_eq!(
        web.path(&["spec", "replicas"]).and_then(Node::as_i64),
        Some(3)
    );
    assert!(
        web.path(&["spec", "template", "spec", "nodeSelector"])
            .is_none()
    );
    assert_eq!(text_at(container(web), &["image"]), Some("example/web:1.0"));
}

#[test]
fn vars_are_substituted_where_kustomize_substitutes_them() {
    // In prod the Service is `prod-web`: the var names the built object.
    let (objects, _) = replacements_build("overlays/prod");
    let c = container(of_kind(&objects, "Deployment"));
    let args: Vec<&str> = c
        .get("args")
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(args, ["--upstream=prod-web:80", "--escaped=$(WEB_SERVICE)"]);
    let env: Vec<&str> = c
        .get("env")
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| text_at(e, &["value"]))
        .collect();
    // An undeclared var stays as written.
    assert_eq!(env, ["prod-web", "$(UNDECLARED)"]);
    let (objects, _) = replacements_build("overlays/staging");
    let c = container(of_kind(&objects, "Deployment"));
    assert_eq!(
        text_at(&c.get("env").expect("env").as_seq()[0], &["value"]),
        Some("web")
    );
}

#[test]
fn patch_options_rename_and_references_follow() {
    let (objects, errors) = replacements_build("overlays/renamed");
    assert!(errors.is_empty(), "{errors:?}");
    let web = of_kind(&objects, "Deployment");
    assert_eq!(text_at(web, &["metadata", "name"]), Some("web-v2"));
    let hpa = of_kind(&objects, "HorizontalPodAutoscaler");
    assert_eq!(
        text_at(hpa, &["spec", "scaleTargetRef", "name"]),
        Some("web-v2")
    );
    // `labels[].fields`: the pairs where the field specifications say,
    // and nowhere else (no selector of the Deployment).
    assert_eq!(
        text_at(web, &["spec", "template", "metadata", "labels", "tier"]),
        Some("frontend")
    );
    assert!(text_at(web, &["spec", "selector", "matchLabels", "tier"]).is_none());
    let service = of_kind(&objects, "Service");
    assert_eq!(
        text_at(service, &["spec", "selector", "tier"]),
        Some("frontend")
    );
    assert_eq!(
        text_at(service, &["metadata", "labels", "tier"]),
        Some("frontend")
    );
}

#[test]
fn a_patch_without_options_keeps_the_name() {
    let dir = std::env::temp_dir().join(format!("spof-kustomize-opts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources: [d.yaml]\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      kind: StatefulSet\n      metadata: {name: other}\n      spec: {replicas: 2}\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("d.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n",
    )
    .expect("write");
    let case = load_all(&dir).expect("the case");
    let tree = Tree::new(
        case.docs
            .iter()
            .enumerate()
            .map(|(i, d)| (crate::source::FileId(i as u32), d.as_slice())),
        &case.sources,
    );
    let mut build = Build::new(&tree);
    let out = build
        .build(&dir, TextRange::empty(0), true)
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let node = &out[0].node;
    assert_eq!(text_at(node, &["kind"]), Some("Deployment"));
    assert_eq!(text_at(node, &["metadata", "name"]), Some("web"));
    assert_eq!(
        node.path(&["spec", "replicas"]).and_then(Node::as_i64),
        Some(2)
    );
}
