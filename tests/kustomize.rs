//! Kustomize overlays, built (`testdata/kustomize/estate`): each overlay's
//! objects are its environment's entities, the base is analysed through the
//! overlays only, and every finding points at the line that decided it.

use crate::estate::{human, located};
use spof::check::{self, RunOptions};

#[test]
fn overlays_are_built_and_findings_point_at_the_deciding_line() {
    let dir = "testdata/kustomize/estate";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    let p = |f: &str| format!("{dir}/{f}");
    let e = |id: &str| Some(id.to_string());
    assert_eq!(
        located(&report),
        [
            // A cycle of kustomizations is an input error.
            (
                "kustomize-error".to_string(),
                p("cycle/b/kustomization.yaml"),
                2,
                5,
                None
            ),
            // A remote resource is not fetched: one SPOF022 info finding.
            (
                "SPOF022".into(),
                p("overlays/canary/kustomization.yaml"),
                4,
                5,
                None
            ),
            // The overlay's `replicas:` entry decides canary's count.
            (
                "SPOF001".into(),
                p("overlays/canary/kustomization.yaml"),
                7,
                5,
                e("k8s:Deployment/canary/web")
            ),
            // Prod: the base's `replicas: 1` is patched to 4, then the
            // autoscaler (renamed with the prefix, its target too) holds 3,
            // set by the inline JSON patch's value.
            (
                "SPOF002".into(),
                p("overlays/prod/kustomization.yaml"),
                14,
                16,
                e("k8s:Deployment/prod/prod-web")
            ),
            (
                "SPOF009".into(),
                p("overlays/prod/kustomization.yaml"),
                14,
                16,
                e("k8s:Deployment/prod/prod-web")
            ),
            // Staging's patch sets one replica: the patch's line.
            (
                "SPOF001".into(),
                p("overlays/staging/replicas.yaml"),
                6,
                3,
                e("k8s:Deployment/staging/web")
            ),
            // A JSON 6902 patch file pins staging to a zone.
            (
                "SPOF004".into(),
                p("overlays/staging/zone.yaml"),
                4,
                5,
                e("k8s:Deployment/staging/web")
            ),
        ]
    );
    // The base's files are parts of the overlays' objects: no finding of
    // their own, and `replicas: 1` of the base is no finding in prod.
    assert!(report.diagnostics.iter().all(|d| {
        !report
            .sources
            .get(d.span.file)
            .display_path()
            .contains("/base/")
    }));
    insta::assert_snapshot!("kustomize_overlays", human(&report));
}

/// A kustomization naming a directory outside the scanned tree reads
/// nothing there: an error naming the entry.
#[test]
fn nothing_outside_the_scanned_tree_is_read() {
    let report = check::run(&RunOptions {
        paths: vec!["testdata/kustomize/estate/overlays/staging".into()],
        ..RunOptions::default()
    });
    let got = located(&report);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "kustomize-error");
    assert!(
        report.diagnostics[0]
            .message
            .contains("outside the scanned tree")
    );
    assert_eq!(report.exit_code(spof::diagnostic::Severity::Warning), 2);
}

/// A kustomization's `helmCharts` (`testdata/kustomize/helm`): the local
/// chart is rendered with the entry's values (`valuesInline` over
/// `valuesFile`) and built on by each overlay; the chart is not rendered a
/// second time with its own values; a chart that is not in the chart home
/// is one SPOF022 finding.
#[test]
fn helm_charts_of_a_kustomization_are_rendered_and_built_on() {
    let dir = "testdata/kustomize/helm";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    let p = |f: &str| format!("{dir}/{f}");
    let e = |id: &str| Some(id.to_string());
    assert_eq!(
        located(&report),
        [
            // Prod: two replicas, from `valuesInline` (over the values
            // file's five and the chart's one), at the `valuesInline`
            // line (the template line related).
            (
                "SPOF002".to_string(),
                p("base/kustomization.yaml"),
                6,
                21,
                e("k8s:Deployment/prod/shop-web")
            ),
            (
                "SPOF009".into(),
                p("base/kustomization.yaml"),
                6,
                21,
                e("k8s:Deployment/prod/shop-web")
            ),
            // Once, though two overlays build the base.
            ("SPOF022".into(), p("base/kustomization.yaml"), 7, 11, None),
            // Dev: the prefix and the `replicas:` entry apply to the chart's
            // Deployment.
            (
                "SPOF001".into(),
                p("overlays/dev/kustomization.yaml"),
                7,
                5,
                e("k8s:Deployment/dev/dev-shop-web")
            ),
        ]
    );
    // The chart's own `replicaCount: 1` is not rendered on its own.
    assert!(report.diagnostics.iter().all(|d| {
        !report
            .sources
            .get(d.span.file)
            .display_path()
            .ends_with("web/values.yaml")
    }));
    assert_eq!(report.exit_code(spof::diagnostic::Severity::Warning), 1);
    insta::assert_snapshot!("kustomize_helm_charts", human(&report));
}

/// A chart of `helmCharts` whose template fails (`required` unset) is an
/// input error at the template line, naming the chart and the release; the
/// kustomization's other resources are still built and analysed, and the
/// chart is not rendered again with its own values.
#[test]
fn a_failing_chart_of_a_kustomization_is_an_input_error_and_the_build_goes_on() {
    let dir = "testdata/kustomize/helm-errors";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    let p = |f: &str| format!("{dir}/{f}");
    assert_eq!(
        located(&report),
        [
            (
                "render-error".to_string(),
                p("charts/broken/templates/deployment.yaml"),
                11,
                1,
                None
            ),
            (
                "SPOF001".into(),
                p("worker.yaml"),
                6,
                3,
                Some("k8s:Deployment/shop/worker".to_string())
            ),
        ]
    );
    assert!(
        report.diagnostics[0]
            .message
            .contains("chart `broken` for the kustomization's release `api`")
    );
    assert_eq!(report.exit_code(spof::diagnostic::Severity::Warning), 2);
}

/// The options of a `helmCharts` entry (`testdata/kustomize/helm-options`):
/// `kubeVersion` and `apiVersions` are the chart's capabilities (`tools`,
/// for 1.27 with the monitoring API, renders the templates gated on them),
/// `skipTests` leaves out the test hook and keeps the others, `skipHooks`
/// leaves out every hook; a `kubeVersion` that is not a version is an
/// input error at it (`bare` then renders for the default version, which
/// the gated templates refuse).
#[test]
fn helm_chart_options_of_a_kustomization_are_applied() {
    let dir = "testdata/kustomize/helm-options";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    let p = |f: &str| format!("{dir}/{f}");
    let mut ids: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "SPOF001")
        .filter_map(|d| d.entity.clone())
        .collect();
    // Sorted: two of them point at the chart's `values.yaml`, one at its
    // template (`migrate.yaml` writes a literal count).
    ids.sort();
    assert_eq!(
        ids,
        [
            "k8s:Deployment/ops/tools-api",
            "k8s:Deployment/ops/tools-exporter",
            "k8s:Deployment/ops/tools-migrate",
        ]
    );
    let errors: Vec<_> = located(&report)
        .into_iter()
        .filter(|d| d.0 == "kustomize-error")
        .collect();
    assert_eq!(
        errors,
        [(
            "kustomize-error".to_string(),
            p("kustomization.yaml"),
            12,
            18,
            None
        )]
    );
    assert_eq!(report.exit_code(spof::diagnostic::Severity::Warning), 2);
}

/// A `transformers` or `generators` entry that configures one of
/// kustomize's built-in transformers or generators (`apiVersion: builtin`)
/// is one SPOF022 finding at the entry naming its kind, a file or inline;
/// a field that also names a plugin is one SPOF022 finding at the field.
#[test]
fn built_in_transformer_configurations_are_named() {
    let dir = "testdata/kustomize/builtin-config";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    let found: Vec<(u32, String)> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "SPOF022")
        .map(|d| {
            let source = report.sources.get(d.span.file);
            (
                source.line_col(d.span.range.start).line,
                d.message.text().into_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                3,
                "`transformers` not run: spof executes no plugin, and what it would make or \
                 change is not analysed"
                    .to_string()
            ),
            (
                4,
                "`transformers` entry `labels.yaml` configures kustomize's built-in \
                 `LabelTransformer`, which spof does not apply: what it would change is not \
                 analysed"
                    .to_string()
            ),
            (
                7,
                "`generators` entry (inline) configures kustomize's built-in \
                 `ConfigMapGenerator`, which spof does not apply: what it would change is not \
                 analysed"
                    .to_string()
            ),
        ]
    );
}

/// `replacements` (`testdata/kustomize/replacements`): prod copies a
/// ConfigMap's `"1"` into the Deployment's replicas and a zone into its
/// nodeSelector, and the findings point at the ConfigMap's lines; staging's
/// replacement rejects the Deployment and names a field it does not have,
/// so its build is the base's.
#[test]
fn replacements_decide_findings_at_the_source_line() {
    let dir = "testdata/kustomize/replacements";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    let p = |f: &str| format!("{dir}/{f}");
    let e = |id: &str| Some(id.to_string());
    let got = located(&report);
    assert!(
        got.contains(&(
            "SPOF001".into(),
            p("overlays/prod/sizing.yaml"),
            6,
            17,
            e("k8s:Deployment/prod/prod-web")
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "SPOF004".into(),
            p("overlays/prod/sizing.yaml"),
            8,
            9,
            e("k8s:Deployment/prod/prod-web")
        )),
        "{got:?}"
    );
    // Staging keeps the base's three replicas: no single-replica finding.
    assert!(
        !got.iter()
            .any(|f| f.0 == "SPOF001" && f.4.as_deref() == Some("k8s:Deployment/staging/web")),
        "{got:?}"
    );
    assert!(report.diagnostics.is_empty() || got.iter().all(|f| f.0 != "kustomize-error"));
}

/// `configurations` (`testdata/kustomize/configurations`): prod's
/// configuration makes a Deployment's environment value a reference to a
/// Service, so the prefix renames it with the Service and the web tier
/// depends on the single-replica database; staging, without it, keeps the
/// value as written, which names no Service of its build.
#[test]
fn configurations_add_name_references() {
    let dir = "testdata/kustomize/configurations";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    let p = |f: &str| format!("{dir}/{f}");
    let got = located(&report);
    assert!(
        got.contains(&(
            "SPOF007".into(),
            p("base/web.yaml"),
            22,
            22,
            Some("k8s:Deployment/prod/prod-web".to_string())
        )),
        "{got:?}"
    );
    assert!(
        !got.iter()
            .any(|f| f.0 == "SPOF007"
                && f.4.as_deref() == Some("k8s:Deployment/staging/staging-web")),
        "{got:?}"
    );
    assert!(got.iter().all(|f| f.0 != "kustomize-error"), "{got:?}");
}

/// A value of a chart that a kustomization inflates is decided at the line
/// that set it (`testdata/kustomize/helm-values-lines`), with the template
/// line related, as for a Helm release: the `valuesFile` line for prod,
/// the `valuesInline` line (over the values file's 3) for staging, the
/// chart's own `values.yaml` for dev, whose values do not set it; each
/// overlay's Deployment at its own overlay's line, though all three render
/// the same template line.
#[test]
fn helm_chart_values_of_a_kustomization_decide_findings_at_their_lines() {
    let dir = "testdata/kustomize/helm-values-lines";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    let p = |f: &str| format!("{dir}/{f}");
    let e = |id: &str| Some(id.to_string());
    assert_eq!(
        located(&report),
        [
            (
                "SPOF001".to_string(),
                p("charts/web/values.yaml"),
                1,
                15,
                e("k8s:Deployment/dev/shop-web")
            ),
            (
                "SPOF001".into(),
                p("prod/values-prod.yaml"),
                2,
                15,
                e("k8s:Deployment/prod/shop-web")
            ),
            (
                "SPOF001".into(),
                p("staging/kustomization.yaml"),
                9,
                21,
                e("k8s:Deployment/staging/shop-web")
            ),
        ]
    );
    for d in &report.diagnostics {
        let related: Vec<(String, u32)> = d
            .related
            .iter()
            .map(|r| {
                let source = report.sources.get(r.span.file);
                let line = source.line_col(r.span.range.start).line;
                (source.display_path(), line)
            })
            .collect();
        assert_eq!(
            related,
            [(p("charts/web/templates/deployment.yaml"), 7)],
            "{}",
            d.message
        );
    }
    insta::assert_snapshot!("kustomize_helm_values_lines", human(&report));
    insta::assert_snapshot!(
        "kustomize_helm_values_lines_sarif",
        sarif_locations(&report)
    );
}

/// A value an overlay's patch or `replicas:` entry wrote over a base's
/// (`testdata/kustomize/replaced-lines`): the finding stays at the line
/// that decided it, and lists the lines it replaced as related locations,
/// the nearest first, through every level of overlays. A value no overlay
/// changed has none; one patch line written over the lines of two objects
/// (a `target` selecting both) has none either, since the line alone cannot
/// say which base line is behind which object.
#[test]
fn replaced_base_lines_are_related_locations() {
    let dir = "testdata/kustomize/replaced-lines";
    let report = check::run(&RunOptions {
        paths: vec![dir.into()],
        ..RunOptions::default()
    });
    let p = |f: &str| format!("{dir}/{f}");
    let related = |entity: &str| -> Vec<(String, u32, String)> {
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.entity.as_deref() == Some(entity))
            .unwrap_or_else(|| panic!("no finding of {entity}"));
        d.related
            .iter()
            .map(|r| {
                let source = report.sources.get(r.span.file);
                let at = source.line_col(r.span.range.start);
                (source.display_path(), at.line, r.message.to_string())
            })
            .collect()
    };
    // Prod's JSON patch (`value: 1`) replaces the mid overlay's patch
    // (`replicas: 2`), which replaced the base's `replicas: 3`.
    assert_eq!(
        related("k8s:Deployment/prod/web"),
        [
            (
                p("mid/web.yaml"),
                6,
                "`replicas: 2` is set here; a patch replaces it".to_string()
            ),
            (
                p("base/web.yaml"),
                8,
                "`replicas: 3` is set here; a patch replaces it".to_string()
            ),
        ]
    );
    // Prod's `replicas:` entry replaces the base's count.
    assert_eq!(
        related("k8s:Deployment/prod/api"),
        [(
            p("base/api.yaml"),
            8,
            "`replicas: 2` is set here; a `replicas:` entry replaces it".to_string()
        )]
    );
    // Not changed by any overlay: the base's line, nothing related.
    assert!(related("k8s:Deployment/prod/worker").is_empty());
    // One patch line over two objects' lines: nothing related.
    assert!(related("k8s:Deployment/batch/web").is_empty());
    assert!(related("k8s:Deployment/batch/api").is_empty());
    insta::assert_snapshot!("kustomize_replaced_lines", human(&report));
    insta::assert_snapshot!("kustomize_replaced_lines_sarif", sarif_locations(&report));
    insta::assert_snapshot!("kustomize_replaced_lines_json", json_related(&report));
}

/// Each JSON finding's rule, location and related locations.
fn json_related(report: &spof::check::Report) -> String {
    let mut out = Vec::new();
    spof::render::render(
        spof::render::Format::Json,
        &report.output(),
        spof::render::Style::PLAIN,
        &mut out,
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let mut lines = Vec::new();
    for f in doc["findings"].as_array().into_iter().flatten() {
        let l = &f["location"];
        lines.push(format!(
            "{} at {}:{}:{}",
            f["rule"].as_str().unwrap_or_default(),
            l["path"].as_str().unwrap_or_default(),
            l["line"],
            l["column"]
        ));
        for r in f["related"].as_array().into_iter().flatten() {
            lines.push(format!("  related {r}"));
        }
    }
    lines.join("\n")
}

/// Each SARIF result's rule, location and related locations, as
/// `uri:line:column`.
fn sarif_locations(report: &spof::check::Report) -> String {
    let mut out = Vec::new();
    spof::render::render(
        spof::render::Format::Sarif,
        &report.output(),
        spof::render::Style::PLAIN,
        &mut out,
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let at = |l: &serde_json::Value| {
        let p = &l["physicalLocation"];
        format!(
            "{}:{}:{} {}",
            p["artifactLocation"]["uri"].as_str().unwrap_or_default(),
            p["region"]["startLine"],
            p["region"]["startColumn"],
            l["message"]["text"].as_str().unwrap_or_default()
        )
    };
    let mut lines = Vec::new();
    for r in doc["runs"][0]["results"].as_array().unwrap() {
        lines.push(format!(
            "{} at {}",
            r["ruleId"].as_str().unwrap_or_default(),
            at(&r["locations"][0])
        ));
        for l in r["relatedLocations"].as_array().into_iter().flatten() {
            lines.push(format!("  related {}", at(l)));
        }
    }
    lines.join("\n")
}
