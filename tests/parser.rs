//! The YAML frontend never panics, and every span it returns is a valid
//! byte range of the input, on character boundaries, whatever the input.

use proptest::prelude::*;
use spof::parse::yaml::{Limits, parse_stream};
use spof::parse::{Node, Value};

fn check_ranges(text: &str, node: &Node) -> Result<(), TestCaseError> {
    let (start, end) = (node.range.start as usize, node.range.end as usize);
    prop_assert!(
        start <= end && end <= text.len(),
        "{start}..{end} of {}",
        text.len()
    );
    prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    match &node.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => {
            for item in items {
                check_ranges(text, item)?;
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                check_ranges(text, k)?;
                check_ranges(text, v)?;
            }
        }
    }
    Ok(())
}

/// YAML-shaped text: keys, indentation, flow collections, anchors, aliases,
/// quotes, comments, document markers and non-ASCII characters.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("a: ".to_string()),
        Just("- ".to_string()),
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("\t".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(", ".to_string()),
        Just("&x ".to_string()),
        Just("*x".to_string()),
        Just("<<: ".to_string()),
        Just("\"q\u{e9}\"".to_string()),
        Just("'s'".to_string()),
        Just("# c\n".to_string()),
        Just("---\n".to_string()),
        Just("|\n  x\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("\r\n".to_string()),
        Just("{{ .Values.x }}".to_string()),
        "[a-z\u{e9}\u{4e2d}0-9]{1,6}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn yamlish_input_never_panics_and_spans_are_valid(text in yamlish()) {
        let (docs, error) = parse_stream(&text, &Limits::default());
        for doc in &docs {
            check_ranges(&text, &doc.root)?;
        }
        if let Some(e) = error {
            prop_assert!(e.range.end as usize <= text.len());
            prop_assert!(text.is_char_boundary(e.range.start as usize));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let (docs, _) = parse_stream(&text, &Limits::default());
        for doc in &docs {
            check_ranges(&text, &doc.root)?;
        }
    }
}

/// Kubernetes-shaped documents with odd values in the fields the model reads:
/// the whole pipeline, from bytes to findings, never panics.
fn manifest() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("0".to_string()),
        Just("1".to_string()),
        Just("3".to_string()),
        Just("-5".to_string()),
        Just("99999999999999999999".to_string()),
        Just("\"50%\"".to_string()),
        Just("\"100%\"".to_string()),
        Just("\"x%\"".to_string()),
        Just("~".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[a, b]".to_string()),
        Just("{app: web}".to_string()),
        Just("topology.kubernetes.io/zone".to_string()),
        Just("db.prod.svc.cluster.local:5432".to_string()),
        Just("\"\"".to_string()),
    ];
    let kind = prop_oneof![
        Just("Deployment"),
        Just("StatefulSet"),
        Just("Service"),
        Just("PodDisruptionBudget"),
        Just("HorizontalPodAutoscaler"),
        Just("PersistentVolumeClaim"),
        Just("Ingress"),
        Just("Node"),
        Just("List"),
    ];
    prop::collection::vec((kind, prop::collection::vec(value, 12)), 1..6).prop_map(|docs| {
        docs.into_iter()
            .map(|(kind, v)| {
                format!(
                    "apiVersion: v1\nkind: {kind}\nmetadata:\n  name: web\n  namespace: {ns}\n  labels: {{app: web}}\n  \
                     annotations:\n    spof.dev/depends-on: {dep}\n    spof.dev/quorum: {q}\n    spof.dev/ignore: {ig}\n\
                     spec:\n  replicas: {r}\n  minReplicas: {r2}\n  maxUnavailable: {mu}\n  minAvailable: {ma}\n  \
                     selector: {sel}\n  scaleTargetRef: {{kind: Deployment, name: web}}\n  accessModes: {am}\n  \
                     items: {items}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      \
                     nodeSelector: {{topology.kubernetes.io/zone: {z}}}\n      topologySpreadConstraints:\n      \
                     - {{maxSkew: {r}, minDomains: {r2}, topologyKey: topology.kubernetes.io/zone, labelSelector: {sel}}}\n      \
                     containers:\n      - name: c\n        image: etcd\n        env: [{{name: A, value: {env}}}]\n",
                    ns = v[0], dep = v[1], q = v[2], ig = v[3], r = v[4], r2 = v[5], mu = v[6],
                    ma = v[7], sel = v[8], am = v[9], items = v[10], z = v[11], env = v[1],
                )
            })
            .collect::<Vec<_>>()
            .join("---\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn odd_manifests_never_panic(text in manifest()) {
        let mut sources = spof::source::SourceMap::default();
        let file = sources.add(spof::source::SourceFile::new("m.yaml".into(), text));
        let report = spof::check::check_sources(
            sources,
            &[spof::check::Loaded { file, cluster: None }],
            &spof::check::Setup::default(),
            Vec::new(),
        );
        for d in &report.diagnostics {
            let f = report.sources.get(d.span.file);
            prop_assert!(d.span.range.end as usize <= f.text().len());
        }
    }
}

// YAML the consumers accept (issue 16 §3): libyaml's leniency on the
// indentation of flow collections and quoted scalars.

fn leniency_fixture(name: &str) -> (String, Vec<spof::parse::Document>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/yaml-leniency")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let (docs, error) = parse_stream(&text, &Limits::default());
    assert!(error.is_none(), "{name}: {error:?}");
    (text, docs)
}

fn slice<'a>(text: &'a str, node: &Node) -> &'a str {
    &text[node.range.start as usize..node.range.end as usize]
}

fn strings(node: &Node) -> Vec<&str> {
    node.as_seq().iter().filter_map(Node::as_str).collect()
}

#[test]
fn flow_sequences_closed_at_their_keys_column_load() {
    let (text, docs) = leniency_fixture("compose.yaml");
    let web = docs[0].root.path(&["services", "web"]).unwrap();
    let command = web.get("command").unwrap();
    assert_eq!(strings(command), ["nginx", "-g", "daemon off;"]);
    assert!(slice(&text, command).starts_with('[') && slice(&text, command).ends_with(']'));
    assert_eq!(strings(web.get("depends_on").unwrap()), ["api"]);
    assert_eq!(
        slice(&text, &web.get("depends_on").unwrap().as_seq()[0]),
        "api"
    );

    let (text, docs) = leniency_fixture("deployment.yaml");
    let spec = docs[0].root.path(&["spec", "template", "spec"]).unwrap();
    let args = spec.get("containers").unwrap().as_seq()[0]
        .get("args")
        .unwrap();
    assert_eq!(
        strings(args),
        [
            "-socket-dir",
            "/run/driver",
            "-csi-socket-path",
            "/csi/csi.sock"
        ]
    );
    assert_eq!(slice(&text, &args.as_seq()[3]), "\"/csi/csi.sock\"");
    let labels = docs[0]
        .root
        .path(&["spec", "selector", "matchLabels"])
        .unwrap();
    assert_eq!(labels.get("app").unwrap().as_str(), Some("driver"));
}

#[test]
fn quoted_scalars_continued_left_of_their_key_load() {
    let (text, docs) = leniency_fixture("compose.yaml");
    let entrypoint = docs[0]
        .root
        .path(&["services", "api", "entrypoint"])
        .unwrap();
    assert_eq!(entrypoint.as_str(), Some("sh -c \"exec api --port=8080\""));
    assert!(slice(&text, entrypoint).ends_with("--port=8080\"'"));

    let (_, docs) = leniency_fixture("deployment.yaml");
    let annotations = docs[0].root.path(&["metadata", "annotations"]).unwrap();
    for (key, value) in [
        ("description", "the CSI driver, one per node"),
        ("owner", "storage team"),
        ("note", "indented with a tab"),
    ] {
        assert_eq!(annotations.get(key).unwrap().as_str(), Some(value), "{key}");
    }
}

#[test]
fn leniency_keeps_what_libyaml_refuses_an_error() {
    // An unclosed flow sequence and a block mapping indented under a
    // scalar stay errors, as in PyYAML and go-yaml.
    for text in ["a: [\n  1\n", "a: 1\n  b: 2\n", "a: 'x\n---\n'\n"] {
        let (_, error) = parse_stream(text, &Limits::default());
        assert!(error.is_some(), "{text:?}");
    }
}
