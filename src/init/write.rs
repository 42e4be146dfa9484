//! The commented `spof.toml` text.

use super::layout::{CONTAINERS, Candidate, NOT_CLUSTERS};
use super::scan::{Evidence, NODE_LABEL, Scan};
use crate::config::DEFAULT_MIN_REPLICAS;
use crate::frontends::kubernetes::TopologyKeys;
use crate::model::Level;
use crate::rules::Rule;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Places listed for one zone or region before "and N more".
const MAX_PLACES: usize = 3;
/// Files not read to the end listed before "and N more".
const MAX_FILES: usize = 10;

const RULER: &str = "# ---------------------------------------------------------------------------";

pub fn render(scan: &Scan, clusters: &[Candidate], membership: &[Option<usize>]) -> String {
    let mut out = String::new();
    header(&mut out, scan);
    cluster_section(&mut out, scan, clusters, membership);
    domains_section(&mut out, scan);
    tools_section(&mut out, scan, clusters, membership);
    rules_section(&mut out);
    topology_section(&mut out);
    problems_section(&mut out, scan);
    out
}

fn header(out: &mut String, scan: &Scan) {
    let manifests = scan.manifests.len();
    out.push_str(
        "# spof.toml: which files belong to which cluster, and where each cluster\n\
         # runs. Written by `spof init` from the manifests below this directory:\n\
         # every value was found in the files named beside it. Review it, add what\n\
         # the manifests cannot say, then run `spof check`.\n#\n",
    );
    let mut scanned = format!(
        "Scanned {} YAML and JSON {}: {} with Kubernetes objects",
        scan.files,
        plural(scan.files, "file", "files"),
        manifests
    );
    if scan.problems.is_empty() {
        scanned.push('.');
    } else {
        scanned.push_str(&format!(
            "; {} not read to the end (listed at the end).",
            scan.problems.len()
        ));
    }
    paragraph(out, &scanned);
    out.push('\n');
}

fn cluster_section(
    out: &mut String,
    scan: &Scan,
    clusters: &[Candidate],
    membership: &[Option<usize>],
) {
    out.push_str(RULER);
    out.push_str(
        "\n# Clusters\n#\n\
         # A file belongs to the first [[cluster]] whose `paths` match it (globs\n\
         # relative to this file). Files no cluster claims are checked as one\n\
         # cluster of their own.\n#\n",
    );
    paragraph(
        out,
        &format!(
            "Found by: a directory directly below one named {} is a cluster \
             (`clusters/prod/` is \"prod\"). Only when there is none, a top-level \
             directory is one if it holds Node objects, or declares a workload or \
             Service (same kind, namespace and name) that another top-level directory \
             declares too: one copy of the estate per cluster. Never a cluster: {}.",
            join_words(CONTAINERS, "/", "or"),
            join_words(NOT_CLUSTERS, "/", "and"),
        ),
    );
    out.push_str("#\n");
    paragraph(
        out,
        "`zones` is filled only from the zone labels of Node objects found below \
         the cluster's directory; zones that nodeSelector and node affinity values, \
         PersistentVolume node affinity and StorageClass allowedTopologies name are \
         listed beside it. `region` is filled from any of them.",
    );
    out.push_str("#\n");
    paragraph(
        out,
        &format!(
            "`environment` is filled from the directory: each directory under {} is \
             one, and so is a word such as `prod` or `staging` in a name under \
             clusters/ (`clusters/prod-eu-west-1/`). Clusters of one environment run \
             copies of one deployment; clusters without one share the default \
             environment.",
            join_words(super::layout::ENVIRONMENT_CONTAINERS, "/", "or"),
        ),
    );
    if clusters.is_empty() {
        out.push_str(
            "#\n# No cluster found: spof checks every file as one cluster. To say where\n\
             # clusters live, add one section per cluster:\n#\n\
             # [[cluster]]\n\
             # name = \"prod\"\n\
             # paths = [\"prod/**\"]\n\
             # zones = [\"...\", \"...\"]\n\
             # region = \"...\"\n",
        );
    }
    for (index, cluster) in clusters.iter().enumerate() {
        let files: Vec<usize> = (0..scan.manifests.len())
            .filter(|&f| membership.get(f).copied().flatten() == Some(index))
            .collect();
        cluster_block(out, scan, cluster, &files);
    }
    outside_clusters(out, scan, membership);
    out.push('\n');
}

fn cluster_block(out: &mut String, scan: &Scan, cluster: &Candidate, files: &[usize]) {
    let dir = format!("{}/", cluster.dir_path());
    let _ = write!(
        out,
        "\n[[cluster]]\nname = {}\npaths = [{}]\n",
        toml_string(&cluster.name),
        toml_string(&cluster.glob())
    );
    let _ = writeln!(
        out,
        "# Found as {}; {} manifest {}.",
        comment(&cluster.reason),
        files.len(),
        plural(files.len(), "file", "files")
    );
    if let Some((environment, how)) = &cluster.environment {
        let _ = writeln!(
            out,
            "# Environment from {}: copies of one object merge only between\n\
             # clusters of one environment.\nenvironment = {}",
            comment(how),
            toml_string(environment)
        );
    }
    let evidence: Vec<&Evidence> = scan
        .domains
        .iter()
        .filter(|e| files.contains(&e.file))
        .collect();
    let zones = by_value(&evidence, Level::Zone);
    let regions = by_value(&evidence, Level::Region);
    let dir_comment = comment(&dir);
    // Only Node objects say where the cluster's nodes are: a workload's
    // nodeSelector or a volume's topology names where one object runs.
    let nodes: Vec<&String> = zones
        .iter()
        .filter(|(_, found)| found.iter().any(|e| e.source == NODE_LABEL))
        .map(|(zone, _)| zone)
        .collect();
    if zones.is_empty() {
        let _ = writeln!(
            out,
            "# No zone found below {dir_comment}; list the zones its nodes span:\n\
             # zones = [\"...\", \"...\"]"
        );
    } else {
        let _ = writeln!(out, "# Zones named below {dir_comment}:");
        places(out, scan, &zones);
        let all: Vec<String> = zones.keys().map(|z| toml_string(z)).collect();
        if nodes.is_empty() {
            let _ = writeln!(
                out,
                "# No Node object names a zone: the names above say where some\n\
                 # objects run, not where the cluster's nodes are. List the zones its\n\
                 # nodes span:\n# zones = [{}]",
                all.join(", ")
            );
        } else {
            if nodes.len() == 1 {
                out.push_str(
                    "# Only one zone on Node objects: spof reports a one-zone cluster\n\
                     # (SPOF008). If its nodes span more, list them all.\n",
                );
            } else {
                out.push_str("# If its nodes span more zones, add them.\n");
            }
            if nodes.len() < zones.len() {
                let _ = writeln!(
                    out,
                    "# Zones named only by workloads or volumes are left out:\n# zones = [{}]",
                    all.join(", ")
                );
            }
            let list: Vec<String> = nodes.iter().map(|z| toml_string(z)).collect();
            let _ = writeln!(out, "zones = [{}]", list.join(", "));
        }
    }
    match regions.len() {
        0 => {
            let _ = writeln!(
                out,
                "# No region found below {dir_comment}; name the region it runs in:\n\
                 # region = \"...\""
            );
        }
        1 => {
            let _ = writeln!(out, "# Region named below {dir_comment}:");
            places(out, scan, &regions);
            if let Some(region) = regions.keys().next() {
                let _ = writeln!(out, "region = {}", toml_string(region));
            }
        }
        _ => {
            let _ = writeln!(
                out,
                "# Several regions named below {dir_comment}; a cluster has one, so pick\n\
                 # the one its nodes run in:"
            );
            places(out, scan, &regions);
            out.push_str("# region = \"...\"\n");
        }
    }
}

/// Manifests no candidate claims, grouped by top-level directory.
fn outside_clusters(out: &mut String, scan: &Scan, membership: &[Option<usize>]) {
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (index, manifest) in scan.manifests.iter().enumerate() {
        if membership.get(index).copied().flatten().is_some() {
            continue;
        }
        let group = match manifest.path.split_once('/') {
            Some((top, _)) => format!("{top}/"),
            None => "(top level)".to_string(),
        };
        groups.entry(group).or_default().push(&manifest.path);
    }
    if groups.is_empty() {
        return;
    }
    let total: usize = groups.values().map(Vec::len).sum();
    let _ = writeln!(
        out,
        "\n# In no cluster above ({total} manifest {}, checked as one cluster of\n\
         # their own):",
        plural(total, "file", "files")
    );
    for (group, files) in &groups {
        if files.len() == 1 {
            let _ = writeln!(out, "#   {}", comment(files[0]));
        } else {
            let _ = writeln!(out, "#   {} ({} files)", comment(group), files.len());
        }
    }
}

fn domains_section(out: &mut String, scan: &Scan) {
    out.push_str(RULER);
    out.push_str("\n# Failure domains named anywhere in the manifests\n#\n");
    let all: Vec<&Evidence> = scan.domains.iter().collect();
    let regions = by_value(&all, Level::Region);
    let zones = by_value(&all, Level::Zone);
    if regions.is_empty() && zones.is_empty() {
        out.push_str(
            "# None: no Node label, nodeSelector, node affinity, PersistentVolume\n\
             # node affinity or StorageClass allowedTopologies names a zone or region.\n",
        );
    }
    for (title, found) in [("Regions", &regions), ("Zones", &zones)] {
        if found.is_empty() {
            continue;
        }
        let _ = writeln!(out, "# {title}:");
        places(out, scan, found);
    }
    out.push('\n');
}

fn tools_section(
    out: &mut String,
    scan: &Scan,
    clusters: &[Candidate],
    membership: &[Option<usize>],
) {
    out.push_str(RULER);
    out.push_str(
        "\n# Operational tools found\n#\n\
         # The systems engineers use to deploy, monitor and recover everything\n\
         # else, recognised as `spof check` recognises them: by image, or by an\n\
         # `app.kubernetes.io/name`, `app.kubernetes.io/part-of` or `helm.sh/chart`\n\
         # label, or annotated `spof.dev/role: tool`.\n\
         # Check where each one runs: a tool that fails together with what it\n\
         # manages cannot help bring it back.\n#\n",
    );
    if scan.tools.is_empty() {
        out.push_str("# None found.\n");
    }
    for tool in &scan.tools {
        let Some(manifest) = scan.manifests.get(tool.file) else {
            continue;
        };
        let cluster = membership
            .get(tool.file)
            .copied()
            .flatten()
            .and_then(|c| clusters.get(c))
            .map_or_else(
                || "in no cluster".to_string(),
                |c| format!("in cluster {}", c.name),
            );
        let what = tool.tool.map_or_else(
            || "Tool".to_string(),
            |t| format!("{} ({})", t.product, t.kind),
        );
        let first = format!(
            "{what}: {} {}/{}, {cluster}",
            tool.kind, tool.namespace, tool.name
        );
        let second = format!("{}:{} ({})", manifest.path, tool.line, tool.evidence);
        let _ = writeln!(out, "#   {}\n#     {}", comment(&first), comment(&second));
    }
    out.push('\n');
}

fn rules_section(out: &mut String) {
    out.push_str(RULER);
    out.push_str(
        "\n# Rules: every rule runs, at its default severity. Uncomment to change;\n\
         # `spof rules` lists them and `spof explain CODE` describes one.\n\n[rules]\n\
         # Run only these rules (codes or names):\n",
    );
    let _ = writeln!(
        out,
        "# select = [\"{}\", \"{}\"]\n# Do not run these:\n# ignore = [\"{}\"]",
        Rule::SingleReplica.code(),
        Rule::NoZoneSpread.name(),
        Rule::MissingDisruptionBudget.code(),
    );
    out.push_str("# A long-running workload with fewer replicas is a single point of failure:\n");
    let _ = writeln!(out, "# min-replicas = {DEFAULT_MIN_REPLICAS}");
    out.push_str(
        "\n# Severity per rule (\"error\", \"warning\" or \"info\"); the defaults:\n\
         # [rules.severity]\n",
    );
    let width = Rule::ALL
        .iter()
        .map(|r| r.code().len() + r.meta().severity.as_str().len())
        .max()
        .unwrap_or(0);
    for rule in Rule::ALL {
        let meta = rule.meta();
        let assignment = format!("{} = \"{}\"", meta.code, meta.severity.as_str());
        let _ = writeln!(
            out,
            "# {assignment:<pad$}  # {}",
            comment(&meta.name),
            pad = width + 5
        );
    }
    out.push('\n');
}

fn topology_section(out: &mut String) {
    let keys = TopologyKeys::default();
    out.push_str(RULER);
    out.push('\n');
    let mut well_known: Vec<&str> = Vec::new();
    for key in keys.zone.iter().chain(&keys.region).chain(&keys.host) {
        well_known.push(key);
    }
    paragraph(
        out,
        &format!(
            "Node label keys that name failure domains, besides the well-known {}:",
            join_words(&well_known, "", "and")
        ),
    );
    out.push_str(
        "# [topology]\n\
         # zone-keys = [\"example.com/datacenter\"]\n\
         # region-keys = []\n\
         # host-keys = []\n",
    );
}

fn problems_section(out: &mut String, scan: &Scan) {
    if scan.problems.is_empty() {
        return;
    }
    out.push('\n');
    out.push_str(RULER);
    out.push_str(
        "\n# Not read to the end (what they hold is missing above; templates must\n\
         # be rendered before spof can read them):\n",
    );
    for (path, problem) in scan.problems.iter().take(MAX_FILES) {
        let _ = writeln!(out, "#   {}", comment(&format!("{path}: {problem}")));
    }
    if scan.problems.len() > MAX_FILES {
        let _ = writeln!(out, "#   and {} more", scan.problems.len() - MAX_FILES);
    }
}

/// Evidence of one level, by value, in value order.
fn by_value<'e>(evidence: &[&'e Evidence], level: Level) -> BTreeMap<String, Vec<&'e Evidence>> {
    let mut map: BTreeMap<String, Vec<&Evidence>> = BTreeMap::new();
    for e in evidence.iter().filter(|e| e.level == level) {
        map.entry(e.value.clone()).or_default().push(e);
    }
    map
}

/// `#   ap-northeast-2a: Node label (nodes.yaml:6, 14), nodeSelector
/// (db.yaml:25)`: the strongest evidence first.
fn places(out: &mut String, scan: &Scan, found: &BTreeMap<String, Vec<&Evidence>>) {
    for (value, evidence) in found {
        let mut groups: BTreeMap<(u8, &str, &str), Vec<u32>> = BTreeMap::new();
        for e in evidence {
            let Some(manifest) = scan.manifests.get(e.file) else {
                continue;
            };
            let lines = groups
                .entry((strength(&e.source), &e.source, &manifest.path))
                .or_default();
            if !lines.contains(&e.line) {
                lines.push(e.line);
            }
        }
        let mut text: Vec<String> = groups
            .iter()
            .take(MAX_PLACES)
            .map(|((_, source, path), lines)| {
                let lines: Vec<String> = lines.iter().map(u32::to_string).collect();
                format!("{source} ({path}:{})", lines.join(", "))
            })
            .collect();
        if groups.len() > MAX_PLACES {
            text.push(format!("and {} more", groups.len() - MAX_PLACES));
        }
        wrap(
            out,
            "#   ",
            "#       ",
            &format!("{value}: {}", text.join(", ")),
        );
    }
}

/// Node labels say where nodes are; volumes where data is; scheduling
/// constraints only where some workload may go.
fn strength(source: &str) -> u8 {
    match source {
        "Node label" => 0,
        "PersistentVolume node affinity" => 1,
        "StorageClass allowedTopologies" => 2,
        "nodeSelector" => 3,
        "node affinity" => 4,
        _ => 5,
    }
}

/// Words wrapped into `# ` comment lines of at most 79 characters.
fn paragraph(out: &mut String, text: &str) {
    wrap(out, "# ", "# ", text);
}

/// Words wrapped into comment lines of at most 79 characters, the first
/// starting with `first`, the others with `rest`. A word longer than a line
/// stays whole.
fn wrap(out: &mut String, first: &str, rest: &str, text: &str) {
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split_whitespace() {
        let word = comment(word);
        if !empty && line.len() + 1 + word.len() > 79 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(&word);
        empty = false;
    }
    if !empty {
        out.push_str(&line);
        out.push('\n');
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Text safe inside a TOML comment, which may hold no control character but
/// tab: they are written as escapes.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `clusters/, envs/ or sites/`.
fn join_words(words: &[&str], suffix: &str, last: &str) -> String {
    let items: Vec<String> = words.iter().map(|w| format!("{w}{suffix}")).collect();
    match items.split_last() {
        Some((tail, [])) => tail.clone(),
        Some((tail, rest)) => format!("{} {last} {tail}", rest.join(", ")),
        None => String::new(),
    }
}
