use super::*;
use crate::audit::Audit;
use crate::check::{Loaded, Setup, check_estate};
use crate::date::Date;
use crate::source::{SourceFile, SourceMap};

/// A small estate: a web tier pinned to zone a that needs a one-replica
/// database, a deploy tool beside it, an accepted risk, and a hostile name.
const SMALL: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    spof.dev/depends-on: "StatefulSet/db"
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector:
        topology.kubernetes.io/zone: zone-a
      containers: [{name: web, image: "shop/web:1"}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
  annotations:
    spof.dev/ignore: "SPOF001: the replica is restored from backups until=2099-01-01"
spec:
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      nodeSelector:
        topology.kubernetes.io/zone: zone-a
      containers: [{name: db, image: "postgres:16"}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-server
  namespace: shop
  annotations:
    spof.dev/manages: "Deployment/web"
spec:
  replicas: 2
  selector: {matchLabels: {app: argocd}}
  template:
    metadata: {labels: {app: argocd}}
    spec:
      nodeSelector:
        topology.kubernetes.io/zone: zone-a
      containers: [{name: argocd, image: "argoproj/argocd:v2"}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "<script>alert('x')</script>"
  namespace: shop
spec:
  replicas: 1
  selector: {matchLabels: {app: evil}}
  template:
    metadata: {labels: {app: evil}}
    spec:
      containers: [{name: evil, image: "evil:1"}]
"#;

struct Run {
    report: Report,
    estate: Estate,
    audit: Audit,
}

fn run(files: &[(&str, &str)]) -> Run {
    let mut sources = SourceMap::default();
    let loaded: Vec<Loaded> = files
        .iter()
        .map(|(path, text)| Loaded {
            file: sources.add(SourceFile::new((*path).into(), *text)),
            cluster: None,
        })
        .collect();
    let setup = Setup {
        today: Date::parse("2026-01-01").expect("a date"),
        ..Setup::default()
    };
    let (report, estate) = check_estate(sources, &loaded, &setup, Vec::new());
    let audit = Audit::build(&estate, 2);
    Run {
        report,
        estate,
        audit,
    }
}

/// A fixed record, so that snapshots do not depend on the day or the
/// checkout.
fn record() -> Record {
    Record {
        date: "2026-01-01".to_string(),
        version: "0.0.0-test".to_string(),
        commit: Some("0123456789abcdef0123456789abcdef01234567".to_string()),
        dirty: Some(true),
        paths: vec!["k8s/<shop>`".to_string()],
        config_sha256: Some(crate::frontends::digest::hex(
            &crate::frontends::digest::sha256(b""),
        )),
        formats: vec![("kubernetes".to_string(), 1)],
    }
}

fn rendered(format: ReportFormat, run: &Run) -> String {
    let data = gather(&run.report, &run.estate, &run.audit, record());
    let mut buf = Vec::new();
    render(format, &data, &mut buf).expect("written");
    String::from_utf8(buf).expect("UTF-8")
}

#[test]
fn escape_neutralises_markup_and_controls() {
    assert_eq!(
        escape_html("<script>alert('x')</script> & \"q\""),
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
    );
    assert_eq!(escape_html("a\x1b[2Jb\u{202E}c"), "a?[2Jb?c");
    assert_eq!(
        html_text::prose("`<b>` is `x`"),
        "<code>&lt;b&gt;</code> is <code>x</code>"
    );
    assert_eq!(html_text::prose("odd ` tick <"), "odd ` tick &lt;");
}

#[test]
fn markdown_text_cannot_format_or_break_a_table() {
    assert_eq!(
        md_text::text("a|b *c* [d](e) <i>"),
        "a\\|b \\*c\\* \\[d\\](e) &lt;i&gt;"
    );
    assert_eq!(md_text::text("- item\nnext"), "\\- item next");
    assert_eq!(md_text::code("a|b"), "`a\\|b`");
    assert_eq!(md_text::code("x`y"), "``x`y``");
    assert_eq!(md_text::code("`x"), "`` `x ``");
    assert_eq!(md_text::prose("`a|b` and *c*"), "`a\\|b` and \\*c\\*");
}

#[test]
fn html_stands_alone_and_escapes_hostile_names() {
    let run = run(&[("shop.yaml", SMALL)]);
    let html = rendered(ReportFormat::Html, &run);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "a script in the page"
    );
    for load in [
        "http://", "https://", "<link", "<img", "<iframe", "@import", "src=",
    ] {
        assert!(!html.contains(load), "{load} in the page");
    }
    // Only references inside the page.
    assert_eq!(html.matches("url(").count(), html.matches("url(#").count());
    assert_eq!(
        html.matches("href=").count(),
        html.matches("href=\"#").count()
    );
    assert!(html.contains("<svg"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    for e in &run.estate.model.entities {
        assert!(html.contains(&escape_html(&e.id)), "{} missing", e.id);
    }
    for section in [
        "summary",
        "graph",
        "risk-groups",
        "matrix",
        "blast",
        "recovery",
        "findings",
        "suppressions",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    assert!(html.contains("@media print"));
}

#[test]
fn small_estate_reports() {
    let run = run(&[("shop.yaml", SMALL)]);
    let data = gather(&run.report, &run.estate, &run.audit, record());
    // The suppressed finding is listed with its reason.
    assert_eq!(data.suppressed.len(), 1);
    assert_eq!(
        suppression_reason(&data.suppressed[0].1),
        "the replica is restored from backups (until 2099-01-01)"
    );
    insta::assert_snapshot!("small_html", rendered(ReportFormat::Html, &run));
    insta::assert_snapshot!("small_markdown", rendered(ReportFormat::Markdown, &run));
    insta::assert_snapshot!("small_json", rendered(ReportFormat::Json, &run));
}

/// Each entity of a JSON blast radius gives its own hop; `next` goes on in
/// the same domain, and the entities are those of the whole chains the HTML
/// and Markdown reports show, with the same words and places. Returns how
/// many declarations the document lists, each named by some hop.
fn blast_radius_tells_the_chains(run: &Run, doc: &serde_json::Value) -> usize {
    let data = gather(&run.report, &run.estate, &run.audit, record());
    let declarations = doc["declarations"].as_array().expect("declarations");
    let blasts = doc["blast_radius"].as_array().expect("blast radius");
    assert_eq!(blasts.len(), data.blast().len());
    let mut used = vec![false; declarations.len()];
    for (b, chains) in blasts.iter().zip(data.blast()) {
        assert_eq!(b["domain"], data.domain_name(chains.domain));
        let listed: Vec<&serde_json::Value> = ["down", "degraded"]
            .iter()
            .flat_map(|k| b[*k].as_array().expect("a list"))
            .collect();
        let ids: Vec<&str> = listed.iter().filter_map(|f| f["entity"].as_str()).collect();
        let whole: Vec<&Fall> = chains.down.iter().chain(&chains.degraded).collect();
        let whole_ids: Vec<&str> = whole.iter().map(|f| data.entity_id(f.entity)).collect();
        assert_eq!(ids, whole_ids);
        for (f, fall) in listed.iter().zip(&whole) {
            let down = b["down"].as_array().expect("down");
            let chain = json_chain(f, (&listed, down), declarations, &mut used);
            let shown: Vec<(String, serde_json::Value)> = fall
                .because
                .iter()
                .map(|s| (s.text.clone(), serde_json::to_value(&s.at).expect("place")))
                .collect();
            assert_eq!(chain, shown, "{f}");
        }
    }
    assert!(used.iter().all(|&u| u), "a declaration no hop names");
    declarations.len()
}

/// Services on two sites over a chain that ends on one site: the hops of
/// the chain name declarations, each listed once for every domain that
/// takes it down (the site and its region).
#[test]
fn json_declarations_are_listed_once() {
    let manifest = "[sites.a]\nregion = \"r1\"\n\n[sites.b]\nregion = \"r2\"\n\n\
        [services.front]\nsites = [\"a\", \"b\"]\ndepends_on = [\"api\"]\n\n\
        [services.api]\nsites = [\"a\", \"b\"]\ndepends_on = [\"db\"]\n\n\
        [services.db]\nsites = [\"a\"]\n";
    let run = run(&[("spof.services.toml", manifest)]);
    let doc: serde_json::Value =
        serde_json::from_str(&rendered(ReportFormat::Json, &run)).expect("JSON");
    assert_eq!(blast_radius_tells_the_chains(&run, &doc), 2);
    let declarations = doc["declarations"].as_array().expect("declarations");
    assert_eq!(declarations[0]["from"], "manifest:front");
    assert_eq!(declarations[0]["to"], "manifest:api");
    assert_eq!(
        declarations[0]["text"],
        "`Service front` depends on `Service api` (depends_on in the manifest)"
    );
    assert_eq!(declarations[0]["location"]["line"], 9);
    assert_eq!(declarations[1]["from"], "manifest:api");
    assert_eq!(declarations[1]["location"]["line"], 13);
    // Region r1 and site a both take front down through api, with the same
    // declaration.
    for domain in ["region:r1", "zone:a"] {
        let blast = doc["blast_radius"]
            .as_array()
            .expect("blast radius")
            .iter()
            .find(|b| b["domain"] == domain)
            .expect("a domain");
        let front = blast["down"]
            .as_array()
            .expect("down")
            .iter()
            .find(|f| f["entity"] == "manifest:front")
            .expect("front is down");
        assert_eq!(front["declaration"], 0, "{domain}");
        assert_eq!(front["next"], "manifest:api", "{domain}");
        assert!(front.get("because").is_none(), "{domain}");
    }
}

/// The chain of `f` as version 3 wrote it (each hop's sentence and place),
/// followed through `next` and the declarations it names; marks the
/// declarations it uses.
fn json_chain(
    f: &serde_json::Value,
    (listed, down): (&[&serde_json::Value], &[serde_json::Value]),
    declarations: &[serde_json::Value],
    used: &mut [bool],
) -> Vec<(String, serde_json::Value)> {
    let mut chain = Vec::new();
    let mut at = f;
    for _ in 0..=listed.len() {
        let Some(n) = at.get("declaration").and_then(serde_json::Value::as_u64) else {
            assert!(at.get("next").is_none(), "{at}");
            for reason in at["because"].as_array().expect("because") {
                let text = reason["text"].as_str().expect("text").to_string();
                chain.push((text, reason["location"].clone()));
            }
            break;
        };
        assert!(at.get("because").is_none(), "{at}");
        let n = usize::try_from(n).expect("an index");
        used[n] = true;
        let declaration = &declarations[n];
        assert_eq!(declaration["from"], at["entity"]);
        assert_eq!(declaration["to"], at["next"]);
        let next = listed
            .iter()
            .find(|g| g["entity"] == at["next"])
            .expect("next is listed");
        let how = if down.iter().any(|g| g["entity"] == at["next"]) {
            "down"
        } else {
            "degraded"
        };
        let text = declaration["text"].as_str().expect("text");
        chain.push((
            format!("{text}, which is {how}"),
            declaration["location"].clone(),
        ));
        at = next;
    }
    chain
}

#[test]
fn json_follows_the_contract() {
    let run = run(&[("shop.yaml", SMALL)]);
    let doc: serde_json::Value =
        serde_json::from_str(&rendered(ReportFormat::Json, &run)).expect("JSON");
    assert_eq!(doc["version"], 4);
    let domains = doc["domains"].as_array().expect("domains");
    blast_radius_tells_the_chains(&run, &doc);

    assert!(
        domains
            .iter()
            .all(|d| d.as_str().is_some_and(|s| s.contains(':')))
    );
    let entities = doc["entities"].as_array().expect("entities");
    assert_eq!(entities.len(), run.estate.model.entities.len());
    for e in entities {
        for key in ["id", "role", "domains", "risk_groups"] {
            assert!(e.get(key).is_some(), "{key} missing in {e}");
        }
        for group in e["risk_groups"].as_array().expect("groups") {
            for d in group.as_array().expect("a group") {
                assert!(domains.contains(d), "{d} is not a domain");
            }
        }
    }
    // Findings exactly as `spof check --format json` prints them.
    let output = run.report.output();
    let mut check = Vec::new();
    crate::render::render(
        crate::render::Format::Json,
        &output,
        crate::render::Style::PLAIN,
        &mut check,
    )
    .expect("written");
    let check: serde_json::Value = serde_json::from_slice(&check).expect("JSON");
    assert_eq!(doc["findings"], check["findings"]);
    assert_eq!(doc["suppressions"][0]["finding"]["rule"], "SPOF001");
}

/// Services selecting the same workloads share one target set: the JSON
/// lists it once, each Service's dependency names it, and the HTML draws
/// an arrow from every Service to every workload.
#[test]
fn services_selecting_the_same_workloads_share_one_target_set() {
    let mut text = String::new();
    for d in 0..3 {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{d}, namespace: x}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: c, image: i}}]}}\n"
        ));
    }
    for s in 0..4 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{s}, namespace: x}}\nspec:\n  selector: {{app: web}}\n"
        ));
    }
    let run = run(&[("fan.yaml", &text)]);
    let doc: serde_json::Value =
        serde_json::from_str(&rendered(ReportFormat::Json, &run)).expect("JSON");
    let deployments: Vec<String> = (0..3).map(|d| format!("k8s:Deployment/x/d{d}")).collect();
    assert_eq!(doc["target_sets"], serde_json::json!([deployments]));
    let dependencies = doc["dependencies"].as_array().expect("dependencies");
    assert_eq!(dependencies.len(), 4, "{dependencies:?}");
    for (s, dependency) in dependencies.iter().enumerate() {
        assert_eq!(dependency["from"], format!("k8s:Service/x/s{s}"));
        assert_eq!(dependency["to_set"], 0);
        assert!(dependency.get("to").is_none(), "{dependency}");
    }
    let html = rendered(ReportFormat::Html, &run);
    let arrows = html.matches("marker-end=\"url(#arrow)\"").count();
    assert_eq!(arrows, 4 * 3);
}

#[test]
fn output_is_deterministic() {
    let a = run(&[("shop.yaml", SMALL)]);
    let b = run(&[("shop.yaml", SMALL)]);
    for format in [
        ReportFormat::Html,
        ReportFormat::Markdown,
        ReportFormat::Json,
    ] {
        assert_eq!(rendered(format, &a), rendered(format, &b));
    }
}

#[test]
fn excerpts_show_context_and_mark_the_span() {
    let run = run(&[("shop.yaml", SMALL)]);
    let data = gather(&run.report, &run.estate, &run.audit, record());
    let span = Span::new(
        crate::source::FileId(0),
        crate::source::TextRange::new(
            SMALL.find("name: web").unwrap_or(0),
            SMALL.find("name: web").unwrap_or(0) + 9,
        ),
    );
    let ex = data.excerpt(span).expect("an excerpt");
    assert_eq!(ex.path, "shop.yaml");
    let marked: Vec<u32> = ex.lines.iter().filter(|l| l.2).map(|l| l.0).collect();
    assert_eq!(marked, [4]);
    assert_eq!(ex.lines.first().map(|l| l.0), Some(2));
    assert_eq!(ex.lines.last().map(|l| l.0), Some(6));
    // A span in a file the map does not know degrades to nothing.
    let stray = Span::new(
        crate::source::FileId(9),
        crate::source::TextRange::new(0, 1),
    );
    assert!(data.excerpt(stray).is_none());
}

/// 160 services over two sites; every tenth one only in the first.
fn two_site_manifest(services: usize) -> String {
    let mut manifest = String::from("[sites.a]\n\n[sites.b]\n\n");
    for i in 0..services {
        let sites = if i % 10 == 0 {
            "[\"a\"]"
        } else {
            "[\"a\", \"b\"]"
        };
        let deps = if i + 1 < services {
            format!("depends_on = [\"s{}\"]\n", i + 1)
        } else {
            String::new()
        };
        manifest.push_str(&format!(
            "[services.s{i}]\nsites = {sites}\nreplicas = 2\n{deps}\n"
        ));
    }
    manifest
}

#[test]
fn large_estates_are_drawn_at_domain_level() {
    let manifest = two_site_manifest(160);
    let run = run(&[("spof.services.toml", &manifest)]);
    assert!(!run.report.has_input_errors());
    assert!(run.estate.model.entities.len() > figure::WHOLE_GRAPH_LIMIT);
    let page = rendered(ReportFormat::Html, &run);
    assert!(page.contains("too many to draw one by one, so each box is a zone"));
    // One drawing, of tiles: zone a holds the 16 services only there, b
    // none, and the other 144 are spread over both.
    assert_eq!(page.matches("<div class=\"graph\"><svg").count(), 1);
    assert!(page.contains(">16 entities</text>"), "{page}");
    assert!(page.contains(">0 entities</text>"));
    assert!(page.contains(">144 entities</text>"));
    assert!(page.contains("<summary><code>zone:a</code>: 16 entities"));
    assert!(page.contains("<summary><code>in several zones</code>: 144 entities"));
    // Every entity is listed under its box, linked to its risk groups.
    for i in 0..160 {
        let index = run
            .estate
            .model
            .entities
            .iter()
            .position(|e| e.id == format!("manifest:s{i}"))
            .expect("an entity");
        assert!(
            page.contains(&format!("<li><a href=\"#e{index}\">")),
            "s{i}"
        );
    }
    // Dependencies between boxes, counted: s9 (spread) on s10 (in a).
    assert!(
        page.contains("<tr><td>in several zones</td><td>zone:a</td><td>15</td></tr>"),
        "{page}"
    );
    // Markdown draws the same boxes with Mermaid, and lists them.
    let md = rendered(ReportFormat::Markdown, &run);
    assert!(md.contains("```mermaid\nflowchart LR\n"), "{md}");
    assert!(md.contains("[\"zone:a<br/>16 entities"), "{md}");
    assert!(md.contains("-->|\"15\"|"), "{md}");
    assert!(
        md.contains("<details><summary>`zone:a`: 16 entities"),
        "{md}"
    );
    assert_eq!(md.matches("\n- `manifest:s").count(), 160);
}

/// Above [`LARGE_ESTATE`] entities, sections count and list: the
/// page grows by a bounded amount per entity.
#[test]
fn large_estates_count_and_list() {
    let manifest = two_site_manifest(LARGE_ESTATE + 100);
    let run = run(&[("spof.services.toml", &manifest)]);
    let page = rendered(ReportFormat::Html, &run);
    let n = run.estate.model.entities.len();
    assert!(n > LARGE_ESTATE);
    assert!(!page.contains("<table class=\"matrix\">"));
    assert!(page.contains("<details class=\"blast\"><summary>If <code>zone:a</code> fails:"));
    assert!(page.contains("<details class=\"rule\">"));
    assert!(!page.contains("<pre class=\"excerpt\">"));
    assert!(
        page.len() / n < 2_000,
        "{} bytes per entity",
        page.len() / n
    );
    // What a browser builds grows with the elements: the per-entity rows
    // (risk groups, the graph's lists) hold a handful each.
    assert!(page.contains("<table class=\"index\">"));
    let index = &page[page.find("<table class=\"index\">").expect("index")..];
    let index = &index[..index.find("</table>").expect("end of the index")];
    assert_eq!(index.matches("<tr id=\"e").count(), n);
    assert!(!index.contains("class=\"role"), "role badges in the index");
    // s0 runs only in a: one single failure, in bold, and its domains as one code span.
    let s0 = run
        .estate
        .model
        .entities
        .iter()
        .position(|e| e.id == "manifest:s0")
        .expect("s0");
    let row = &index[index.find(&format!("<tr id=\"e{s0}\">")).expect("row")..];
    let row = &row[..row.find('\n').expect("one line")];
    assert!(row.contains("<b>{zone:a}</b>"), "{row}");
    assert!(row.contains("<td>service</td>"), "{row}");
    let elements = |html: &str| html.matches('<').count() - html.matches("</").count();
    assert!(
        elements(index) / n <= 8,
        "{} elements per row",
        elements(index) / n
    );
    assert!(page.contains(&format!(
        "<li><a href=\"#e{s0}\">manifest:s0</a> service <b>SPOF</b></li>"
    )));
    assert!(
        elements(&page) / n < 16,
        "{} elements per entity",
        elements(&page) / n
    );
}

#[test]
fn labels_wrap_and_are_never_cut() {
    let text = "Deployment very-long-namespace/an-even-longer-deployment-name.with.dots";
    let lines = figure::wrap(text, 28);
    assert!(lines.len() > 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.chars().count() <= 28), "{lines:?}");
    assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
    // Broken after a separator where one is near the end of a line.
    assert_eq!(lines[0], "Deployment very-long-");
    assert!(
        lines[1].ends_with('/') || lines[1].ends_with('-'),
        "{lines:?}"
    );
    assert_eq!(figure::wrap("", 10), [""]);
    assert_eq!(figure::wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
}

#[test]
fn the_page_header_is_a_safe_css_string() {
    assert_eq!(
        html::css_string("two-datacenters 2026"),
        "\"two-datacenters 2026\""
    );
    // Nothing can end the string or the style element.
    assert_eq!(
        html::css_string("a\"}</style>\\"),
        "\"a\\22 \\7d \\3c /style\\3e \\5c \""
    );
    let mut r = record();
    r.paths = vec!["testdata/estates/two-datacenters".into(), "./k8s/".into()];
    assert_eq!(r.estate_name(), "two-datacenters, k8s");
    r.paths = vec![".".into()];
    assert_eq!(r.estate_name(), "");
}

/// The record heads every format, its hostile path escaped.
#[test]
fn record_heads_every_format() {
    let run = run(&[("shop.yaml", SMALL)]);
    let md = rendered(ReportFormat::Markdown, &run);
    assert!(
        md.contains("- **Made:** 2026-01-01 with spof 0.0.0-test\n"),
        "{md}"
    );
    assert!(
        md.contains(
            "- **Commit:** 0123456789abcdef0123456789abcdef01234567 with uncommitted changes\n"
        ),
        "{md}"
    );
    assert!(md.contains("- **Scanned:** `` k8s/<shop>` ``\n"), "{md}");
    assert!(md.contains("- **Files read:** kubernetes 1\n"), "{md}");
    let html = rendered(ReportFormat::Html, &run);
    assert!(
        html.contains("<dt>Scanned</dt><dd><code>k8s/&lt;shop&gt;`</code></dd>"),
        "{html}"
    );
    assert!(html.contains("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    let json: serde_json::Value =
        serde_json::from_str(&rendered(ReportFormat::Json, &run)).expect("JSON");
    let record = &json["record"];
    assert_eq!(record["date"], "2026-01-01");
    assert_eq!(record["dirty"], true);
    assert_eq!(record["paths"][0], "k8s/<shop>`");
    assert_eq!(record["files_by_format"]["kubernetes"], 1);
    assert_eq!(json["version"], 4);
}

/// Without the chains, what falls is what the blast radius with its
/// chains says falls, domain by domain and in the same order.
#[test]
fn falls_are_the_blast_radius_without_its_chains() {
    let manifest = two_site_manifest(40);
    let run = run(&[("spof.services.toml", &manifest), ("shop.yaml", SMALL)]);
    let lean = gather(&run.report, &run.estate, &run.audit, record());
    let falls = lean.falls();
    let whole = gather(&run.report, &run.estate, &run.audit, record());
    let blast = whole.blast();
    assert_eq!(falls.len(), blast.len());
    let ids = |list: &[Fall]| list.iter().map(|f| f.entity).collect::<Vec<_>>();
    let mut fell = 0;
    for (f, b) in falls.iter().zip(blast) {
        assert_eq!(f.domain, b.domain);
        assert_eq!(ids(&f.down), ids(&b.down));
        assert_eq!(ids(&f.degraded), ids(&b.degraded));
        assert_eq!(ids(&f.unrecoverable), ids(&b.unrecoverable));
        assert!(f.down.iter().all(|x| x.because.is_empty()));
        fell += f.down.len();
    }
    assert!(fell > 0, "nothing falls: the test shows nothing");
    // Once the chains are computed, they are what is read.
    assert!(
        whole
            .falls()
            .iter()
            .zip(blast)
            .all(|(f, b)| std::ptr::eq(f, b))
    );
}
