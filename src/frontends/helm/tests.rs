//! Tests of the Helm renderer: small charts of testdata/helm/, malformed
//! templates, and the fidelity to Helm's own renders of the corpus's charts.

use super::*;
use std::path::Path;
use std::time::Instant;

/// The files of a chart directory, read for the test (links are not
/// followed, as the engine's callers must not follow them either).
fn chart_files(dir: &Path) -> ChartFiles {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(std::fs::DirEntry::path);
        for e in entries {
            let path = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let rel = path
                .strip_prefix(root)
                .map(|r| r.to_string_lossy().replace('\\', "/"));
            if meta.is_dir() {
                walk(root, &path, out);
            } else if meta.is_file()
                && let Ok(rel) = &rel
                && rel.ends_with(".tgz")
                && path.parent().is_some_and(|p| p.ends_with("charts"))
            {
                let bytes = std::fs::read(&path).unwrap_or_default();
                let files = archive::unpack(&bytes, archive::BOUNDS).unwrap_or_default();
                out.extend(files.into_iter().map(|(p, t)| (format!("{rel}/{p}"), t)));
            } else if meta.is_file()
                && let (Ok(rel), Ok(text)) =
                    (path.strip_prefix(root), std::fs::read_to_string(&path))
            {
                out.insert(rel.to_string_lossy().replace('\\', "/"), text);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    ChartFiles { files }
}

fn testdata(name: &str) -> ChartFiles {
    chart_files(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/helm")
            .join(name),
    )
}

fn ok(r: &Rendered, name: &str) -> String {
    match r.templates.get(name) {
        Some(Ok(t)) => t.clone(),
        other => panic!("{name}: {other:?}"),
    }
}

fn user(yaml: &str) -> Value {
    values::decode(yaml).ok().flatten().unwrap_or(Value::Nil)
}

#[test]
fn renders_a_chart_with_helpers_subcharts_and_files() {
    let r = render(&testdata("shop"), &Value::Nil, &Options::default()).expect("renders");
    let d = ok(&r, "shop/templates/deployment.yaml");
    assert!(d.contains("apiVersion: apps/v1\n"), "{d}");
    assert!(d.contains("name: release-shop\n"), "{d}");
    assert!(d.contains("namespace: default\n"), "{d}");
    // `set` and `mergeOverwrite` change the helper's dict in place, as Go's
    // maps are changed.
    assert!(
        d.contains("\n    app.kubernetes.io/version: 2.3.1\n"),
        "{d}"
    );
    assert!(d.contains("\n    team: payments\n"), "{d}");
    assert!(d.contains("replicas: 1\n"), "{d}");
    assert!(d.contains("image: \"example/shop:2.3.1\"\n"), "{d}");
    assert!(d.contains("value: \"eu-west-1\"\n"), "{d}");
    assert!(d.contains("value: \"keep-me\"\n"), "{d}");
    let c = ok(&r, "shop/templates/configmap.yaml");
    assert!(c.contains("\n  app.conf: |\n    port = 8080\n"), "{c}");
    assert!(c.contains("greeting: \"hello\"\n"), "{c}");
    // Nothing outside the chart is reachable.
    assert!(c.contains("outside: \"\"\n"), "{c}");
    // The aliased subchart renders under its alias, with its values and the
    // parent's globals; the disabled copy does not render.
    let s = ok(&r, "shop/charts/redis/templates/statefulset.yaml");
    assert!(s.contains("name: release-redis\n"), "{s}");
    assert!(s.contains("replicas: 2\n"), "{s}");
    assert!(s.contains("region: eu-west-1\n"), "{s}");
    assert!(
        !r.templates
            .contains_key("shop/charts/cache/templates/statefulset.yaml")
    );
    assert!(!r.templates.keys().any(|k| k.ends_with("_helpers.tpl")));
}

#[test]
fn user_values_coalesce_over_the_defaults_and_null_deletes() {
    let u =
        user("replicaCount: 3\nremoved: null\nredis:\n  enabled: false\ncache:\n  enabled: true\n");
    let r = render(&testdata("shop"), &u, &Options::default()).expect("renders");
    let d = ok(&r, "shop/templates/deployment.yaml");
    assert!(d.contains("replicas: 3\n"), "{d}");
    assert!(d.contains("value: \"gone\"\n"), "{d}");
    assert!(
        !r.templates
            .contains_key("shop/charts/redis/templates/statefulset.yaml")
    );
    let s = ok(&r, "shop/charts/cache/templates/statefulset.yaml");
    assert!(s.contains("replicas: 1\n"), "{s}");
}

fn one_template(text: &str) -> Result<Rendered, RenderError> {
    let mut files = BTreeMap::new();
    files.insert(
        "Chart.yaml".to_string(),
        "apiVersion: v2\nname: t\nversion: 1.0.0\n".to_string(),
    );
    files.insert("templates/t.yaml".to_string(), text.to_string());
    render(&ChartFiles { files }, &Value::Nil, &Options::default())
}

#[test]
fn malformed_templates_are_errors_not_crashes() {
    // Unclosed action, unclosed `if`, stray `end`: the chart is refused, as
    // Helm refuses it.
    for text in [
        "a: {{ .Values.x ",
        "{{ if true }}a",
        "a{{ end }}",
        "{{ define \"x\" }}a",
    ] {
        let e = one_template(text).expect_err(text);
        assert_eq!(e.template, "t/templates/t.yaml", "{text}");
        assert!(e.message.contains("parse error"), "{text}: {e}");
    }
    // 10,000 nested ifs: a parse error, not a stack overflow.
    let deep = format!(
        "{}x{}",
        "{{ if true }}".repeat(10_000),
        "{{ end }}".repeat(10_000)
    );
    assert!(one_template(&deep).is_err());
    // Recursive include: an error at the include limit.
    let r = one_template("{{ define \"a\" }}{{ include \"a\" . }}{{ end }}{{ include \"a\" . }}")
        .expect("parses");
    let e = r
        .templates
        .get("t/templates/t.yaml")
        .cloned()
        .expect("rendered");
    assert!(e.is_err(), "{e:?}");
    // A map made to contain itself is refused rather than looping.
    let r = one_template("{{ $m := dict }}{{ $_ := set $m \"self\" $m }}{{ toYaml $m }}")
        .expect("parses");
    assert!(matches!(
        r.templates.get("t/templates/t.yaml"),
        Some(Err(_))
    ));
}

#[test]
fn a_chart_that_renders_too_long_stops_at_its_time_bound() {
    // Each level includes the next twice: 2^40 calls, within every depth
    // and range bound, and without the time bound it would not end.
    let mut files = BTreeMap::new();
    files.insert(
        "Chart.yaml".to_string(),
        "apiVersion: v2\nname: t\nversion: 1.0.0\n".to_string(),
    );
    files.insert(
        "templates/_a.tpl".to_string(),
        "{{- define \"a\" -}}{{- if lt (len .) 40 -}}{{ include \"a\" (append . 1) }}\
         {{ include \"a\" (append . 1) }}{{- end -}}{{- end -}}"
            .to_string(),
    );
    files.insert(
        "templates/a.yaml".to_string(),
        "a: {{ include \"a\" list | len }}\n".to_string(),
    );
    let start = Instant::now();
    let e = render(
        &ChartFiles { files },
        &Value::Nil,
        &Options {
            time_limit: std::time::Duration::from_millis(200),
            ..Options::default()
        },
    )
    .expect_err("stops");
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    assert!(e.message.contains("time bound of 200 ms"), "{e}");
    assert_eq!(e.file, "templates/a.yaml", "{e:?}");
}

#[test]
fn kube_version_constraints_are_checked_as_helm_template_does() {
    let chart = |constraint: &str| {
        let mut files = BTreeMap::new();
        files.insert(
            "Chart.yaml".to_string(),
            format!("apiVersion: v2\nname: t\nversion: 1.0.0\nkubeVersion: \"{constraint}\"\n"),
        );
        files.insert("templates/t.yaml".to_string(), "a: 1\n".to_string());
        ChartFiles { files }
    };
    let at = |version: &str| Options {
        kube_version: version.into(),
        ..Options::default()
    };
    // A pre-release suffix lets pre-releases match; a release matches too.
    for version in ["v1.36.0", "v1.25.0"] {
        let r = render(&chart(">=1.25.0-0"), &Value::Nil, &at(version));
        assert!(r.is_ok(), "{version}: {r:?}");
    }
    let e = render(&chart(">=1.25.0-0"), &Value::Nil, &at("v1.24.0")).expect_err("refused");
    assert_eq!(
        e.message,
        "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24.0"
    );
    assert_eq!(e.file, "Chart.yaml");
    assert!(
        render(
            &chart(">= 1.20.0-0, < 1.30.0-0"),
            &Value::Nil,
            &at("v1.36.0")
        )
        .is_err()
    );
}

#[test]
fn execution_errors_name_the_template_and_line() {
    let r = one_template("a: 1\nb: {{ required \"b is required\" .Values.b }}\n").expect("parses");
    let e = match r.templates.get("t/templates/t.yaml") {
        Some(Err(e)) => e.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(e.template, "t/templates/t.yaml");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("b is required"), "{e}");
    // A function spof lacks says so by name.
    let r = one_template("{{ nosuchfunction 1 }}").expect("parses");
    assert!(
        matches!(r.templates.get("t/templates/t.yaml"), Some(Err(e)) if e.message.contains("nosuchfunction")),
        "{r:?}"
    );
}

#[test]
fn helm_objects_and_functions() {
    let cases = [
        (
            "{{ .Release.Service }} {{ .Release.IsInstall }} {{ .Release.Revision }}",
            "Helm true 1",
        ),
        (
            "{{ .Capabilities.KubeVersion.Version }}",
            DEFAULT_KUBE_VERSION,
        ),
        (
            "{{ .Capabilities.APIVersions.Has \"monitoring.coreos.com/v1\" }}",
            "false",
        ),
        (
            "{{ .Capabilities.APIVersions.Has \"policy/v1/PodDisruptionBudget\" }}",
            "true",
        ),
        (
            "{{ .Template.Name }} {{ .Template.BasePath }}",
            "t/templates/t.yaml t/templates",
        ),
        (
            "{{ .Chart.Name }} {{ .Chart.Version }} {{ .Chart.APIVersion }}",
            "t 1.0.0 v2",
        ),
        ("{{ lookup \"v1\" \"Secret\" \"ns\" \"x\" | len }}", "0"),
        ("{{ tpl \"{{ .Release.Name }}-x\" . }}", "release-x"),
        (
            "{{ dict \"b\" 1 \"a\" (list 1 \"x\" true) | toYaml }}",
            "a:\n- 1\n- x\n- true\nb: 1",
        ),
        (
            "{{ dict \"a\" \"<b>\" | toJson }}",
            "{\"a\":\"\\u003cb\\u003e\"}",
        ),
        ("{{ (fromYaml \"a: [1, 2]\").a | last }}", "2"),
        (
            "{{ semverCompare \">=1.21-0\" .Capabilities.KubeVersion.Version }}",
            "true",
        ),
        ("{{ randAlphaNum 4 }}", "xxxx"),
        ("{{ \"abc\" | sha256sum | trunc 8 }}", "ba7816bf"),
        ("{{ regexReplaceAll \"(a)(b)\" \"xaby\" \"$2$1\" }}", "xbay"),
        (
            "{{ $d := dict \"a\" (dict \"b\" 1) }}{{ $c := deepCopy $d }}{{ $_ := set $c.a \"b\" 2 }}{{ $d.a.b }}",
            "1",
        ),
        (
            "{{ $d := dict }}{{ $_ := merge $d (dict \"x\" 1) }}{{ $d.x }}",
            "1",
        ),
        (
            "{{ $d := dict \"x\" 1 }}{{ $_ := unset $d \"x\" }}{{ hasKey $d \"x\" }}",
            "false",
        ),
        (
            "{{ dig \"a\" \"b\" \"none\" (dict \"a\" (dict \"b\" \"found\")) }}",
            "found",
        ),
        (
            "{{ ternary \"y\" \"n\" true }} {{ coalesce \"\" nil \"z\" }}",
            "y z",
        ),
    ];
    for (text, want) in cases {
        let r = one_template(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(ok(&r, "t/templates/t.yaml"), want, "{text}");
    }
}

// ---- Fidelity against Helm's own renders of the corpus.

/// The documents of a multi-document YAML text, each normalised (parsed
/// with spof's YAML parser, written back as canonical JSON); comment-only
/// and empty documents are skipped.
fn normalised(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut doc = String::new();
    let flush = |doc: &mut String, out: &mut Vec<String>| {
        if !doc.trim().is_empty() {
            match values::decode(doc) {
                Ok(Some(Value::Nil) | None) => {}
                Ok(Some(v)) => {
                    let mut j = String::new();
                    let _ = funcs::to_json(&v, &mut j, 0);
                    out.push(j);
                }
                Err(e) => out.push(format!("UNPARSEABLE {e}: {}", doc.trim())),
            }
        }
        doc.clear();
    };
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            flush(&mut doc, &mut out);
        } else {
            doc.push_str(line);
        }
    }
    flush(&mut doc, &mut out);
    out.sort();
    out
}

/// (chart dir, values file or none, golden file, masked templates) for
/// every golden run RENDER.md lists.
fn golden_runs(rendered: &Path) -> Vec<(String, Option<String>, String, Vec<String>)> {
    let Ok(md) = std::fs::read_to_string(rendered.join("RENDER.md")) else {
        return Vec::new();
    };
    let mut masked: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut runs = Vec::new();
    for line in md.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() == 4 && cells[1].ends_with(".yaml") && cells[2].contains('`') {
            let ts = cells[2]
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            masked.insert(cells[1].to_string(), ts);
        }
        if cells.len() == 9 && cells[5] == "ok" && cells[7].ends_with(".yaml") {
            let values = (cells[4] != "(defaults)").then(|| cells[4].to_string());
            runs.push((cells[1].to_string(), values, cells[7].to_string()));
        }
    }
    runs.into_iter()
        .map(|(d, v, g)| {
            let m = masked.get(&g).cloned().unwrap_or_default();
            (d, v, g, m)
        })
        .collect()
}

/// The documents of a rendering as `_rendered/` and `helm template` write
/// them (`---`, `# Source: <template>`, the document), by template.
fn by_source(text: &str) -> BTreeMap<String, String> {
    let mut gold: BTreeMap<String, String> = BTreeMap::new();
    for part in text.split("---\n# Source: ").skip(1) {
        let (name, body) = part.split_once('\n').unwrap_or((part, ""));
        let entry = gold.entry(name.to_string()).or_default();
        entry.push_str("\n---\n");
        entry.push_str(body);
    }
    gold
}

/// Renders the chart `testdata/helm/<chart>` with `values` (YAML) as the
/// release `release`, and compares every template's documents with
/// `testdata/helm/<golden>`, written by Helm 4.2.3 (helm-python-sdk 0.2.2:
/// `Chart.load(dir).render(values=…, name="release")`); returns the
/// rendering.
fn renders_as_helm(chart: &str, values: &str, golden: &str) -> Rendered {
    let r = render(
        &testdata(chart),
        &user(values),
        &Options {
            release_name: "release".into(),
            ..Options::default()
        },
    )
    .expect("renders");
    let golden = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/helm")
            .join(golden),
    )
    .expect("golden");
    let gold = by_source(&golden);
    assert!(!gold.is_empty());
    let ours: BTreeMap<&String, Vec<_>> = r
        .templates
        .iter()
        .map(|(k, v)| (k, normalised(v.as_deref().expect("renders"))))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let theirs: BTreeMap<&String, Vec<_>> = gold.iter().map(|(k, v)| (k, normalised(v))).collect();
    assert_eq!(ours, theirs);
    r
}

/// Helm 4 validates values against `values.schema.json` but does not fill
/// in its defaults; `toToml` writes as Helm's encoder does (values'
/// numbers are floats there, a template's integers stay integers); the
/// chart's `kubeVersion` with a pre-release suffix admits the default
/// Kubernetes version.
#[test]
fn schema_defaults_stay_unapplied_and_to_toml_writes_as_helm_does() {
    let r = renders_as_helm("schema", "replicas: 2\n", "schema.rendered.yaml");
    assert_eq!(r.templates.len(), 1, "{:?}", r.templates.keys());
}

/// A chart whose subchart is packaged (`charts/cache-1.2.0.tgz`, used twice:
/// as `cache` and aliased `sessions`), which holds a packaged subchart of
/// its own (`charts/metrics-0.1.0.tgz`, disabled for `sessions`), a
/// helper, and a file read with `.Files.Get`.
#[test]
fn renders_packaged_subcharts_as_helm_does() {
    let r = renders_as_helm("packaged", "", "packaged.rendered.yaml");
    assert_eq!(r.templates.len(), 4, "{:?}", r.templates.keys());
    assert_eq!(
        r.sources["store/charts/sessions/templates/statefulset.yaml"].file,
        "charts/cache-1.2.0.tgz/templates/statefulset.yaml"
    );
    assert_eq!(
        r.sources["store/charts/cache/charts/metrics/templates/service.yaml"].file,
        "charts/cache-1.2.0.tgz/charts/metrics-0.1.0.tgz/templates/service.yaml"
    );
}

/// `import-values` in both forms (a string importing `exports.<name>`;
/// `child`/`parent`), through two levels (`db` imports from `pool`, the
/// chart from `db`), the parent's values winning over imported ones, a
/// path that is missing or not a table importing nothing, and a disabled
/// dependency importing nothing; imports come from the charts' values,
/// not from a release's, while a release's values still decide which
/// dependencies are enabled.
#[test]
fn imports_values_as_helm_does() {
    renders_as_helm("imports", "", "imports.rendered.yaml");
    renders_as_helm(
        "imports",
        "db:\n  exports:\n    conn:\n      port: 7000\nhost: user\nextra:\n  enabled: true\n",
        "imports.user.rendered.yaml",
    );
}

#[test]
fn renders_the_corpus_charts_as_helm_does() {
    let Some(packaged) = crate::test_corpus::corpus("packaged") else {
        return;
    };
    let rendered = packaged.join("_rendered");
    let runs = golden_runs(&rendered);
    assert!(
        runs.len() > 100,
        "RENDER.md lists {} golden runs",
        runs.len()
    );
    let (mut same_total, mut compared_total, mut exact_runs) = (0usize, 0usize, 0usize);
    let mut per_chart: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut times: Vec<(f64, String)> = Vec::new();
    let mut report = String::new();
    for (dir, values_file, golden, masked) in &runs {
        let files = chart_files(&packaged.join(dir));
        let user_values = match values_file {
            None => Value::Nil,
            Some(v) => {
                let path = if v.starts_with("_rendered/") {
                    packaged.join(v)
                } else {
                    packaged.join(dir).join(v)
                };
                user(&std::fs::read_to_string(&path).unwrap_or_default())
            }
        };
        let start = Instant::now();
        let result = render(&files, &user_values, &Options::default());
        times.push((start.elapsed().as_secs_f64() * 1000.0, golden.clone()));
        let golden_text = std::fs::read_to_string(rendered.join(golden)).unwrap_or_default();
        let gold = by_source(&golden_text);
        let ours = match &result {
            Ok(r) => r
                .templates
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
            Err(e) => {
                report.push_str(&format!("  {golden}: chart error {e}\n"));
                BTreeMap::new()
            }
        };
        let names: std::collections::BTreeSet<&String> = gold.keys().chain(ours.keys()).collect();
        let (mut same, mut compared) = (0, 0);
        for n in names {
            if masked.contains(n) {
                continue;
            }
            let theirs = normalised(gold.get(n).map_or("", String::as_str));
            let mine = match ours.get(n) {
                Some(Ok(t)) => normalised(t),
                Some(Err(e)) => {
                    if !theirs.is_empty() {
                        compared += 1;
                        report.push_str(&format!("  {golden}: ERROR {e}\n"));
                    }
                    continue;
                }
                None => Vec::new(),
            };
            if mine.is_empty() && theirs.is_empty() {
                continue;
            }
            compared += 1;
            if mine == theirs {
                same += 1;
            } else {
                report.push_str(&format!("  {golden}: DIFF {n}\n"));
            }
        }
        if same == compared {
            exact_runs += 1;
        }
        let chart = dir.rsplit('/').next().unwrap_or(dir).to_string();
        let e = per_chart.entry(chart).or_default();
        e.0 += same;
        e.1 += compared;
        same_total += same;
        compared_total += compared;
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            100.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    let mut summary =
        String::from("\nHelm fidelity (templates identical after YAML normalisation):\n");
    for (chart, (a, b)) in &per_chart {
        summary.push_str(&format!("  {chart}: {a}/{b} ({:.1}%)\n", pct(*a, *b)));
    }
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = times.get(times.len() / 2).map_or(0.0, |t| t.0);
    summary.push_str(&format!(
        "  overall: {same_total}/{compared_total} ({:.1}%); runs identical: {exact_runs}/{}; median {median:.1} ms per run (this build)\n",
        pct(same_total, compared_total),
        runs.len()
    ));
    eprintln!("{summary}mismatches:\n{report}");
    assert!(
        pct(same_total, compared_total) >= FIDELITY_FLOOR,
        "fidelity fell below {FIDELITY_FLOOR}%{summary}"
    );
}

/// The share of corpus templates rendered as Helm renders them, measured
/// when this was written; a change that lowers it fails the test.
const FIDELITY_FLOOR: f64 = 99.0;
