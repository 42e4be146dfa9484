use super::*;
use crate::diagnostic::Kind;
use std::fs;

/// One diagnostic, flattened for comparison: `line:col message`, help.
#[derive(Debug, PartialEq, Eq)]
struct Err {
    at: String,
    message: String,
    help: Option<String>,
}

fn err(at: &str, message: &str, help: Option<&str>) -> Err {
    Err {
        at: at.to_string(),
        message: message.to_string(),
        help: help.map(str::to_string),
    }
}

struct Parsed {
    config: Config,
    errors: Vec<Err>,
    diags: Vec<Diagnostic>,
    sources: SourceMap,
}

impl Parsed {
    fn text(&self, span: Span) -> &str {
        let text = &self.sources.get(span.file).text();
        &text[span.range.start as usize..span.range.end as usize]
    }
}

fn parse_str(text: &str) -> Parsed {
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new(PathBuf::from("spof.toml"), text));
    let (config, diags) = parse(text, file, PathBuf::from("/repo"));
    let source = sources.get(file);
    let errors = diags
        .iter()
        .map(|d| {
            assert_eq!(d.code, CONFIG_ERROR);
            assert_eq!(d.kind, Kind::Error);
            assert_eq!(d.span.file, file);
            let lc = source.line_col(d.span.range.start);
            Err {
                at: format!("{}:{}", lc.line, lc.column),
                message: d.message.to_string(),
                help: d.help.as_deref().map(str::to_string),
            }
        })
        .collect();
    Parsed {
        config,
        errors,
        diags,
        sources,
    }
}

const FULL: &str = r#"
[[cluster]]
name = "pangyo"
paths = ["clusters/pangyo/**", "./shared/pangyo.yaml"]
zones = ["pangyo-dc1"]
region = "kr-central"

[[cluster]]
name = "gasan"
paths = ["clusters/gasan"]

[rules]
select = ["SPOF001", "single-replica"]
ignore = ["SPOF005"]
min-replicas = 3

[rules.severity]
SPOF002 = "error"
single-replica = "info"

[topology]
zone-keys = ["example.com/datacenter"]
region-keys = []
host-keys = ["kubernetes.io/hostname"]
"#;

#[test]
fn reads_a_full_config() {
    let parsed = parse_str(FULL);
    assert_eq!(parsed.errors, []);
    let config = &parsed.config;
    assert_eq!(config.root, Path::new("/repo"));
    assert_eq!(config.clusters.len(), 2);

    let pangyo = &config.clusters[0];
    assert_eq!(pangyo.name, "pangyo");
    assert_eq!(parsed.text(pangyo.span), "\"pangyo\"");
    assert_eq!(
        pangyo.patterns,
        ["clusters/pangyo/**", "./shared/pangyo.yaml"]
    );
    assert_eq!(pangyo.zones, ["pangyo-dc1"]);
    assert_eq!(parsed.text(pangyo.zones_span.unwrap()), "[\"pangyo-dc1\"]");
    assert_eq!(pangyo.region.as_deref(), Some("kr-central"));
    assert_eq!(parsed.text(pangyo.region_span.unwrap()), "\"kr-central\"");

    let gasan = &config.clusters[1];
    assert_eq!(gasan.name, "gasan");
    assert!(gasan.zones.is_empty());
    assert_eq!(gasan.zones_span, None);
    assert_eq!(gasan.region, None);

    let rules = &config.rules;
    let select: Vec<_> = rules
        .select
        .as_ref()
        .unwrap()
        .iter()
        .map(|(code, span)| (code.as_str(), parsed.text(*span)))
        .collect();
    assert_eq!(
        select,
        [
            ("SPOF001", "\"SPOF001\""),
            ("single-replica", "\"single-replica\"")
        ]
    );
    assert_eq!(rules.ignore.len(), 1);
    assert_eq!(rules.ignore[0].0, "SPOF005");
    assert_eq!(rules.min_replicas, 3);
    // File order, not key order; the span is the key's.
    let severity: Vec<_> = rules
        .severity
        .iter()
        .map(|(rule, sev, span)| (rule.as_str(), *sev, parsed.text(*span)))
        .collect();
    assert_eq!(
        severity,
        [
            ("SPOF002", Severity::Error, "SPOF002"),
            ("single-replica", Severity::Info, "single-replica"),
        ]
    );

    assert_eq!(config.topology.zone_keys, ["example.com/datacenter"]);
    assert!(config.topology.region_keys.is_empty());
    assert_eq!(config.topology.host_keys, ["kubernetes.io/hostname"]);
}

#[test]
fn empty_file_is_the_default_config() {
    let parsed = parse_str("# nothing yet\n");
    assert_eq!(parsed.errors, []);
    assert!(parsed.config.clusters.is_empty());
    assert_eq!(parsed.config.rules, RuleSettings::default());
    assert_eq!(parsed.config.rules.select, None);
    assert_eq!(parsed.config.rules.min_replicas, 2);
    assert_eq!(parsed.config.topology, Topology::default());
    assert!(parsed.config.file.is_some());
}

#[test]
fn empty_config_has_no_clusters() {
    let config = Config::empty("/repo");
    assert!(config.clusters.is_empty());
    assert_eq!(config.file, None);
    assert_eq!(config.cluster_of(Path::new("a.yaml")), None);
    assert_eq!(config.rules.min_replicas, DEFAULT_MIN_REPLICAS);
}

#[test]
fn syntax_error_points_at_line_and_column() {
    let parsed = parse_str("[[cluster]]\nname = \"a\"\nzones = [\"x\" \"y\"]\n");
    assert_eq!(
        parsed.errors,
        [err(
            "3:14",
            "invalid TOML: missing comma between array elements, expected `,`",
            Some("spof.toml must be valid TOML (https://toml.io)"),
        )]
    );
    assert!(parsed.config.clusters.is_empty());

    let parsed = parse_str("[rules]\nmin-replicas = 2\nmin-replicas = 3\n");
    assert_eq!(
        parsed.errors,
        [err(
            "3:1",
            "invalid TOML: duplicate key",
            Some("each key may appear only once in a table"),
        )]
    );

    let parsed = parse_str("name = \"unterminated\n");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].at, "1:21");
    assert_eq!(
        parsed.errors[0].message,
        "invalid TOML: invalid basic string, expected `\"`"
    );
}

#[test]
fn unknown_keys_suggest_the_closest_key() {
    let parsed = parse_str(
        r#"
[[clusters]]
name = "x"

[[cluster]]
name = "a"
zone = ["dc1"]
Paths = ["a/**"]
color = "blue"

[rules]
min_replicas = 2
selct = []

[topology]
zone-key = ["k"]

[output]
"#,
    );
    assert_eq!(
        parsed.errors,
        [
            err(
                "2:3",
                "unknown key `clusters` at the top level",
                Some("did you mean `cluster`?")
            ),
            err(
                "7:1",
                "unknown key `zone` in [[cluster]]",
                Some("did you mean `zones`?")
            ),
            err(
                "8:1",
                "unknown key `Paths` in [[cluster]]",
                Some("did you mean `paths`?")
            ),
            err(
                "9:1",
                "unknown key `color` in [[cluster]]",
                Some("expected one of `name`, `paths`, `zones`, `region`, `environment`")
            ),
            err(
                "12:1",
                "unknown key `min_replicas` in [rules]",
                Some("did you mean `min-replicas`?")
            ),
            err(
                "13:1",
                "unknown key `selct` in [rules]",
                Some("did you mean `select`?")
            ),
            err(
                "16:1",
                "unknown key `zone-key` in [topology]",
                Some("did you mean `zone-keys`?")
            ),
            err(
                "18:2",
                "unknown key `output` at the top level",
                Some(
                    "expected one of `accept`, `check`, `cluster`, `dependencies`, `helm`, `limits`, `rules`, `terraform`, `tool`, `topology`"
                )
            ),
        ]
    );
    // The valid parts are still used.
    assert_eq!(parsed.config.clusters.len(), 1);
    assert_eq!(parsed.config.clusters[0].name, "a");
}

#[test]
fn wrong_types_point_at_the_value() {
    let parsed = parse_str(
        r#"[[cluster]]
name = 3
zones = "dc1"
region = ["kr"]

[[cluster]]
name = "b"
zones = ["dc1", 2, ""]
paths = "b/**"

[rules]
select = "SPOF001"
min-replicas = "2"
severity = "error"

[topology]
host-keys = [true]
"#,
    );
    assert_eq!(
        parsed.errors,
        [
            err("2:8", "`name` must be a string", None),
            err(
                "3:9",
                "`zones` must be an array of strings",
                Some("use an array: `zones = [\"dc1\"]`")
            ),
            err("4:10", "`region` must be a string", None),
            err("8:17", "`zones` must be an array of strings", None),
            err("8:20", "entries of `zones` must not be empty", None),
            err(
                "9:9",
                "`paths` must be an array of strings",
                Some("use an array: `paths = [\"b/**\"]`")
            ),
            err(
                "12:10",
                "`select` must be an array of strings",
                Some("use an array: `select = [\"SPOF001\"]`")
            ),
            err("13:16", "`min-replicas` must be an integer", None),
            err(
                "14:12",
                "`rules.severity` must be a table",
                Some("write it as a `[rules.severity]` section")
            ),
            err("17:14", "`host-keys` must be an array of strings", None),
        ]
    );
    let labels: Vec<_> = parsed
        .diags
        .iter()
        .map(|d| d.label.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(labels[0], "found an integer");
    assert_eq!(labels[1], "found a string");
    assert_eq!(labels[2], "found an array");
    assert_eq!(labels[9], "found a boolean");
    // The cluster with a bad name is dropped; the other keeps its valid zone.
    assert_eq!(parsed.config.clusters.len(), 1);
    assert_eq!(parsed.config.clusters[0].zones, ["dc1"]);
    assert_eq!(parsed.config.rules.select, Some(vec![]));
}

#[test]
fn sections_of_the_wrong_shape() {
    let parsed = parse_str("rules = 1\ntopology = []\n[cluster]\nname = \"a\"\n");
    assert_eq!(
        parsed.errors,
        [
            err(
                "1:9",
                "`rules` must be a table",
                Some("write it as a `[rules]` section")
            ),
            err(
                "2:12",
                "`topology` must be a table",
                Some("write it as a `[topology]` section")
            ),
            err(
                "3:1",
                "`cluster` must be an array of tables",
                Some("write each cluster as a `[[cluster]]` section (double brackets)")
            ),
        ]
    );
    assert!(parsed.config.clusters.is_empty());

    let parsed = parse_str("cluster = [\"a\", { name = \"b\" }]\n");
    assert_eq!(
        parsed.errors,
        [err(
            "1:12",
            "each `cluster` must be a table",
            Some("write each cluster as a `[[cluster]]` section (double brackets)")
        )]
    );
    assert_eq!(parsed.config.clusters[0].name, "b");
}

#[test]
fn missing_and_duplicate_names() {
    let parsed = parse_str(
        r#"[[cluster]]
paths = ["a/**"]

[[cluster]]
name = "a"

[[cluster]]
name = ""

[[cluster]]
name = "a"
"#,
    );
    assert_eq!(
        parsed.errors,
        [
            err(
                "1:1",
                "cluster has no `name`",
                Some("add `name = \"...\"`; every cluster needs a unique name")
            ),
            err("8:8", "`name` must not be empty", None),
            err(
                "11:8",
                "duplicate cluster name `a`",
                Some("cluster names must be unique")
            ),
        ]
    );
    let dup = &parsed.diags[2];
    assert_eq!(dup.related.len(), 1);
    assert_eq!(&*dup.related[0].message, "first defined here");
    let first = parsed
        .sources
        .get(dup.span.file)
        .line_col(dup.related[0].span.range.start);
    assert_eq!((first.line, first.column), (5, 8));
    assert_eq!(parsed.config.clusters.len(), 1);
}

#[test]
fn invalid_globs() {
    let parsed = parse_str(
        r#"[[cluster]]
name = "a"
paths = ["ok/**", "bad/{x", "/abs/**", "../up/*", "[z-a]"]
"#,
    );
    let glob_help = "use `*` within a directory, `**` across directories, `?`, `[abc]` or `{a,b}`";
    let outside_help = "`paths` globs are relative to the directory holding spof.toml";
    assert_eq!(
        parsed.errors,
        [
            err(
                "3:19",
                "invalid glob `bad/{x`: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)",
                Some(glob_help)
            ),
            err(
                "3:29",
                "glob `/abs/**` in `paths` points outside the config's directory",
                Some(outside_help)
            ),
            err(
                "3:40",
                "glob `../up/*` in `paths` points outside the config's directory",
                Some(outside_help)
            ),
            err(
                "3:51",
                "invalid glob `[z-a]`: invalid range; 'z' > 'a'",
                Some(glob_help)
            ),
        ]
    );
    assert_eq!(parsed.config.clusters[0].patterns, ["ok/**"]);
}

#[test]
fn bad_severities() {
    let parsed = parse_str(
        r#"[rules.severity]
SPOF001 = "eror"
SPOF002 = "fatal"
SPOF003 = 1
SPOF004 = "Warning"
SPOF005 = "warning"
"#,
    );
    let expected = "expected one of `error`, `warning`, `info`";
    assert_eq!(
        parsed.errors,
        [
            err(
                "2:11",
                "invalid severity `eror` for `SPOF001`",
                Some("did you mean `error`?")
            ),
            err(
                "3:11",
                "invalid severity `fatal` for `SPOF002`",
                Some(expected)
            ),
            err(
                "4:11",
                "severity of `SPOF003` must be a string",
                Some(expected)
            ),
            err(
                "5:11",
                "invalid severity `Warning` for `SPOF004`",
                Some("did you mean `warning`?")
            ),
        ]
    );
    let severity = &parsed.config.rules.severity;
    assert_eq!(severity.len(), 1);
    assert_eq!(severity[0].0, "SPOF005");
    assert_eq!(severity[0].1, Severity::Warning);
}

#[test]
fn min_replicas_must_be_a_positive_integer() {
    let at_least_one = |at: &str| {
        err(
            at,
            "`min-replicas` must be at least 1",
            Some("workloads with fewer replicas than `min-replicas` are flagged"),
        )
    };
    assert_eq!(
        parse_str("[rules]\nmin-replicas = 0\n").errors,
        [at_least_one("2:16")]
    );
    assert_eq!(
        parse_str("[rules]\nmin-replicas = -1\n").errors,
        [at_least_one("2:16")]
    );
    assert_eq!(
        parse_str("[rules]\nmin-replicas = 4294967296\n").errors,
        [err("2:16", "`min-replicas` is too large", None)]
    );
    assert_eq!(
        parse_str("[rules]\nmin-replicas = 99999999999999999999\n").errors,
        [err("2:16", "`min-replicas` is too large", None)]
    );
    assert_eq!(
        parse_str("[rules]\nmin-replicas = 2.0\n").errors,
        [err("2:16", "`min-replicas` must be an integer", None)]
    );
    let parsed = parse_str("[rules]\nmin-replicas = 0x10\n");
    assert_eq!(parsed.errors, []);
    assert_eq!(parsed.config.rules.min_replicas, 16);
    let parsed = parse_str("[rules]\nmin-replicas = 1\n");
    assert_eq!(parsed.config.rules.min_replicas, 1);
    // An invalid value leaves the default in place.
    let parsed = parse_str("[rules]\nmin-replicas = 0\n");
    assert_eq!(parsed.config.rules.min_replicas, DEFAULT_MIN_REPLICAS);
}

#[test]
fn errors_count_columns_in_characters() {
    let parsed = parse_str("[[cluster]]\nname = \"판교\"\nzones = [\"판교-1\", 2]\n");
    assert_eq!(
        parsed.errors,
        [err("3:18", "`zones` must be an array of strings", None)]
    );
}

#[test]
fn cluster_of_matches_the_first_cluster() {
    let parsed = parse_str(
        r#"[[cluster]]
name = "one-level"
paths = ["flat/*.yaml"]

[[cluster]]
name = "pangyo"
paths = ["clusters/pangyo/**", "shared/pangyo.yaml"]

[[cluster]]
name = "dir"
paths = ["clusters/gasan", "overlays/"]

[[cluster]]
name = "catch-all"
paths = ["clusters/**"]
"#,
    );
    assert_eq!(parsed.errors, []);
    let config = &parsed.config;
    let of = |p: &str| {
        config
            .cluster_of(Path::new(p))
            .map(|i| config.clusters[i].name.as_str())
    };
    assert_eq!(of("clusters/pangyo/web.yaml"), Some("pangyo"));
    assert_eq!(of("./clusters/pangyo/a/b/c.yml"), Some("pangyo"));
    assert_eq!(of("shared/pangyo.yaml"), Some("pangyo"));
    // A directory glob covers everything below it.
    assert_eq!(of("clusters/gasan/deep/x.yaml"), Some("dir"));
    assert_eq!(of("overlays/x.yaml"), Some("dir"));
    assert_eq!(of("clusters/other/x.yaml"), Some("catch-all"));
    // `*` does not cross directories.
    assert_eq!(of("flat/a.yaml"), Some("one-level"));
    assert_eq!(of("flat/sub/a.yaml"), None);
    assert_eq!(of("elsewhere/a.yaml"), None);
    // Absolute paths are taken relative to the root.
    assert_eq!(of("/repo/clusters/pangyo/web.yaml"), Some("pangyo"));
    assert_eq!(of("/repo/./clusters/x/../pangyo/web.yaml"), Some("pangyo"));
    assert_eq!(of("/other/clusters/pangyo/web.yaml"), None);
    // Paths leaving the root never match.
    assert_eq!(of("../repo/clusters/pangyo/web.yaml"), None);
    assert_eq!(of("clusters/../../clusters/pangyo/a.yaml"), None);
    assert_eq!(of(""), None);
    assert_eq!(of("."), None);
}

#[test]
fn did_you_mean_accepts_only_close_words() {
    let keys = ["name", "paths", "zones", "region"];
    assert_eq!(did_you_mean("zone", keys), Some("zones"));
    assert_eq!(did_you_mean("ZONES", keys), Some("zones"));
    assert_eq!(did_you_mean("zoens", keys), Some("zones"));
    assert_eq!(did_you_mean("regoin", keys), Some("region"));
    assert_eq!(did_you_mean("nmae", keys), Some("name"));
    assert_eq!(did_you_mean("color", keys), None);
    assert_eq!(did_you_mean("x", keys), None);
    assert_eq!(did_you_mean("", keys), None);
    assert_eq!(did_you_mean("zone", []), None);
    // Ties go to the first candidate.
    assert_eq!(did_you_mean("ab", ["ac", "ad"]), Some("ac"));
}

#[test]
fn find_config_walks_up() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("repo/a/b")).unwrap();
    fs::create_dir_all(root.join("repo/.git")).unwrap();
    fs::write(root.join("repo/spof.toml"), "").unwrap();
    // A directory named spof.toml is not a config.
    fs::create_dir_all(root.join("repo/a/spof.toml")).unwrap();
    let found = find_config(&root.join("repo/a/b")).unwrap();
    assert_eq!(found, lexical_normalize(&root.join("repo/spof.toml")));
    assert!(found.is_absolute());
    assert_eq!(
        find_config(&root.join("repo")),
        Some(lexical_normalize(&root.join("repo/spof.toml")))
    );
}

/// Not above the repository root: the directory holding a checkout is not
/// its configuration. Outside a repository, only the start directory.
#[test]
fn find_config_stops_at_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("spof.toml"), "").unwrap();
    fs::create_dir_all(root.join("repo/.git")).unwrap();
    fs::create_dir_all(root.join("repo/a")).unwrap();
    assert_eq!(find_config(&root.join("repo/a")), None);
    assert_eq!(find_config(&root.join("repo")), None);
    // A worktree or submodule has a `.git` file.
    fs::create_dir_all(root.join("tree/a")).unwrap();
    fs::write(root.join("tree/.git"), "gitdir: ../repo/.git\n").unwrap();
    assert_eq!(find_config(&root.join("tree/a")), None);
    // No repository: the start directory alone.
    fs::create_dir_all(root.join("export/a")).unwrap();
    assert_eq!(find_config(&root.join("export/a")), None);
    assert_eq!(
        find_config(&root.join("export/..")),
        Some(lexical_normalize(&root.join("spof.toml")))
    );
}

#[test]
fn load_reads_the_file_and_sets_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spof.toml");
    fs::write(&path, "[[cluster]]\nname = \"a\"\npaths = [\"k8s/**\"]\n").unwrap();
    let mut sources = SourceMap::default();
    let (config, diags) = load(&mut sources, &path);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(config.root, lexical_normalize(dir.path()));
    let file = config.file.unwrap();
    assert_eq!(sources.get(file).path, path);
    let manifest = dir.path().join("k8s/app.yaml");
    assert_eq!(config.cluster_of(&manifest), Some(0));
    assert_eq!(config.cluster_of(Path::new("k8s/app.yaml")), Some(0));
}

#[test]
fn load_reports_an_unreadable_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spof.toml");
    let mut sources = SourceMap::default();
    let (config, diags) = load(&mut sources, &path);
    assert!(config.clusters.is_empty());
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, CONFIG_ERROR);
    assert_eq!(
        diags[0].message,
        format!("cannot read {}: file not found", path.display())
    );
    assert_eq!(diags[0].span.file, config.file.unwrap());
    assert_eq!(sources.get(diags[0].span.file).path, path);

    fs::write(&path, b"name = \"\xff\"\n").unwrap();
    let (_, diags) = load(&mut sources, &path);
    assert!(
        diags[0]
            .message
            .ends_with("file is not valid UTF-8 (invalid byte at offset 8)"),
        "{}",
        diags[0].message
    );
}

#[cfg(unix)]
#[test]
fn load_refuses_a_symlink_out_of_its_directory() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret");
    fs::write(&secret, "root:x:0:0\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spof.toml");
    symlink(&secret, &path).unwrap();
    let mut sources = SourceMap::default();
    let (_, diags) = load(&mut sources, &path);
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0].message.ends_with(
            "is a symlink to a file outside its directory, and spof does not follow \
             symlinks out of the tree"
        ),
        "{}",
        diags[0].message
    );
    assert_eq!(sources.get(diags[0].span.file).text(), "");

    // A symlink that stays inside the directory is read.
    fs::create_dir(dir.path().join("conf")).unwrap();
    fs::write(
        dir.path().join("conf/spof.toml"),
        "[rules]\nmin-replicas = 3\n",
    )
    .unwrap();
    fs::remove_file(&path).unwrap();
    symlink("conf/spof.toml", &path).unwrap();
    let (config, diags) = load(&mut sources, &path);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(config.rules.min_replicas, 3);
}

#[test]
fn reads_limits() {
    let parsed = parse_str(
        "[limits]\nmax-file-size = 1_048_576\nmax-depth = 64\nmax-alias-expansion = 0x100\n",
    );
    assert_eq!(parsed.errors, []);
    assert_eq!(
        parsed.config.limits,
        LimitSettings {
            max_file_size: Some(1_048_576),
            max_depth: Some(64),
            max_alias_expansion: Some(256),
        }
    );
    // Absent keys stay unset: the defaults (or the command line) apply.
    let parsed = parse_str("[limits]\nmax-depth = 1024\n");
    assert_eq!(parsed.errors, []);
    assert_eq!(
        parsed.config.limits,
        LimitSettings {
            max_depth: Some(1024),
            ..LimitSettings::default()
        }
    );
    assert_eq!(parse_str("").config.limits, LimitSettings::default());
}

#[test]
fn limits_must_be_positive_integers_within_bounds() {
    let errors = |text: &str| parse_str(text).errors;
    assert_eq!(
        errors("[limits]\nmax-depth = 0\n"),
        [err("2:13", "`max-depth` must be at least 1", None)]
    );
    assert_eq!(
        errors("[limits]\nmax-file-size = -1\n"),
        [err("2:17", "`max-file-size` must be at least 1", None)]
    );
    assert_eq!(
        errors("[limits]\nmax-depth = 1025\n"),
        [err(
            "2:13",
            "`max-depth` is too large",
            Some("the largest accepted value is 1024")
        )]
    );
    assert_eq!(
        errors("[limits]\nmax-file-size = 99999999999999999999\n"),
        [err(
            "2:17",
            "`max-file-size` is too large",
            Some("the largest accepted value is 18446744073709551615")
        )]
    );
    assert_eq!(
        errors("[limits]\nmax-file-size = \"16MiB\"\n"),
        [err(
            "2:17",
            "`max-file-size` must be an integer",
            Some("write a number of bytes, without quotes")
        )]
    );
    assert_eq!(
        errors("[limits]\nmax-alias-expansion = 1.5\n"),
        [err(
            "2:23",
            "`max-alias-expansion` must be an integer",
            None
        )]
    );
    // One bad value does not hide the others, nor drop the good ones.
    let parsed = parse_str("[limits]\nmax-depth = 0\nmax-alias-expansion = 10\n");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.config.limits.max_depth, None);
    assert_eq!(parsed.config.limits.max_alias_expansion, Some(10));
}

#[test]
fn unknown_limit_keys_suggest_the_closest_key() {
    assert_eq!(
        parse_str("[limits]\nmax-depht = 10\n").errors,
        [err(
            "2:1",
            "unknown key `max-depht` in [limits]",
            Some("did you mean `max-depth`?")
        )]
    );
    assert_eq!(
        parse_str("[limit]\nmax-depth = 10\n").errors,
        [err(
            "1:2",
            "unknown key `limit` at the top level",
            Some("did you mean `limits`?")
        )]
    );
    assert_eq!(
        parse_str("limits = 3\n").errors,
        [Err {
            at: "1:10".to_string(),
            message: "`limits` must be a table".to_string(),
            help: Some("write it as a `[limits]` section".to_string()),
        }]
    );
}

#[test]
fn dependencies_say_which_variables_are_soft() {
    let parsed = parse_str(
        "[dependencies]\nsoft-telemetry = false\nsoft-variables = [\"AUDIT_*\", \"*.sink\"]\n",
    );
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let deps = &parsed.config.dependencies;
    assert!(!deps.soft_telemetry);
    let patterns: Vec<&str> = deps
        .soft_variables
        .iter()
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(patterns, ["AUDIT_*", "*.sink"]);
    assert_eq!(parsed.text(deps.soft_variables[1].1), "\"*.sink\"");
    assert!(parse_str("").config.dependencies.soft_telemetry);
    assert_eq!(
        parse_str("[dependencies]\nsoft-telemetry = \"no\"\nsoft-variables = [\"[\"]\nsoft = 1\n")
            .errors,
        [
            err(
                "2:18",
                "`soft-telemetry` must be a boolean",
                Some("write `soft-telemetry = false` or `true`, without quotes")
            ),
            err(
                "3:19",
                "invalid glob `[`: unclosed character class; missing ']'",
                None
            ),
            err(
                "4:1",
                "unknown key `soft` in [dependencies]",
                Some("expected one of `soft-telemetry`, `soft-variables`")
            ),
        ]
    );
}

#[test]
fn reads_accepted_risks() {
    let parsed = parse_str(
        r#"[[accept]]
domain = "region:capital"
reason = "one region by choice"
owner = "platform"

[[accept]]
level = "datacenter"
reason = "two datacenters are enough"
owner = "cto"
until = 2027-06-30

[[accept]]
entity = "k8s:StatefulSet/ops/*"
reason = "moving"
owner = "sre"
until = "2027-01-31"
"#,
    );
    assert_eq!(parsed.errors, []);
    let accepts = &parsed.config.accepts;
    assert_eq!(accepts.len(), 3);
    let capital = Domain::new(Level::Region, "capital");
    assert!(accepts[0].target.covers_domain(&capital));
    assert!(
        !accepts[0]
            .target
            .covers_domain(&Domain::new(Level::Region, "south"))
    );
    assert!(!accepts[0].target.covers_level(Level::Region));
    assert_eq!(accepts[0].acceptance.what, "domain region:capital");
    assert_eq!(
        parsed.text(accepts[0].acceptance.span),
        "\"region:capital\""
    );
    assert_eq!(accepts[0].acceptance.until, None);
    // `datacenter` is the zone level.
    assert!(accepts[1].target.covers_level(Level::Zone));
    assert!(
        accepts[1]
            .target
            .covers_domain(&Domain::new(Level::Zone, "pangyo"))
    );
    assert_eq!(
        accepts[1].acceptance.until,
        crate::date::Date::parse("2027-06-30")
    );
    assert_eq!(
        accepts[1].until_span.map(|s| parsed.text(s)),
        Some("2027-06-30")
    );
    assert!(
        accepts[2]
            .target
            .covers_entity("k8s:StatefulSet/ops/prometheus")
    );
    assert!(
        !accepts[2]
            .target
            .covers_entity("k8s:Deployment/ops/grafana")
    );
    assert_eq!(accepts[2].acceptance.owner, "sre");
    assert_eq!(
        accepts[2].acceptance.until,
        crate::date::Date::parse("2027-01-31")
    );
}

#[test]
fn accepted_risks_name_exactly_one_thing_with_a_reason_and_an_owner() {
    let parsed = parse_str(
        r#"[[accept]]
reason = "r"
owner = "o"

[[accept]]
domain = "zone:a"
level = "zone"
reason = "r"
owner = "o"

[[accept]]
domain = "capital"
owner = "o"

[[accept]]
level = "continent"
reason = "r"
owner = "o"
until = "next year"

[[accept]]
entity = "k8s:[oops"
reason = "r"
owner = "o"
color = "red"

[[accept]]
level = "zone"
reason = "r"
owner = "o"
until = 20270101
"#,
    );
    assert_eq!(
        parsed.errors,
        [
            err(
                "1:1",
                "accepted risk names nothing to accept",
                Some("add exactly one of `domain`, `level`, `entity`")
            ),
            err(
                "7:9",
                "accepted risk names `level` too",
                Some(
                    "an `[[accept]]` names exactly one of `domain`, `level`, `entity`: \
                     write one section for each"
                )
            ),
            err(
                "11:1",
                "accepted risk has no `reason`",
                Some("add `reason = \"why the risk is accepted\"`")
            ),
            err(
                "12:10",
                "`capital` is not a failure domain",
                Some(
                    "write it as LEVEL:NAME, as spof prints it: `region:capital`, \
                     `zone:pangyo-dc`, `host:db-1`"
                )
            ),
            err(
                "16:9",
                "unknown level `continent`",
                Some("levels: region, zone (or datacenter), host")
            ),
            err(
                "19:9",
                "`next year` is not a date",
                Some("write it as YYYY-MM-DD: `until = 2027-06-30`")
            ),
            err(
                "22:10",
                "invalid glob `k8s:[oops`: unclosed character class; missing ']'",
                None
            ),
            err(
                "25:1",
                "unknown key `color` in [[accept]]",
                Some("expected one of `domain`, `level`, `entity`, `reason`, `owner`, `until`")
            ),
            err("31:9", "`until` must be a date", None),
        ]
    );
    assert!(parsed.config.accepts.is_empty());
}

#[test]
fn terraform_environments_are_read_with_their_spans() {
    let parsed = parse_str(
        r#"[[terraform.environment]]
name = "prod"
root = "infra"
var-files = ["infra/prod.tfvars"]

[[terraform.environment]]
name = "dr east"
root = "infra"
var_files = ["infra/dr.tfvars"]

[[terraform.environment]]
name = "staging"

[terraform]
"#,
    );
    assert_eq!(
        parsed.errors,
        [
            err(
                "7:8",
                "`name` must be letters, digits, `-`, `_` or `.`, not `dr east`",
                Some("name the environment as a word: `prod`, `staging`, `eu-prod`")
            ),
            err(
                "9:1",
                "unknown key `var_files` in [[terraform.environment]]",
                Some("did you mean `var-files`?")
            ),
            err(
                "11:1",
                "environment has no `root`",
                Some("add `root = \"infra\"`: the directory of the root module, from spof.toml's")
            ),
        ]
    );
    let [prod] = parsed.config.terraform_environments.as_slice() else {
        panic!("{:?}", parsed.config.terraform_environments);
    };
    assert_eq!(parsed.text(prod.name.1), "\"prod\"");
    assert_eq!(parsed.text(prod.root.1), "\"infra\"");
    assert_eq!(parsed.text(prod.var_files[0].1), "\"infra/prod.tfvars\"");
    let (envs, errors) = parsed.config.terraform_environments();
    assert!(errors.is_empty());
    assert_eq!(envs[0].root, PathBuf::from("/repo/infra"));
    assert_eq!(
        envs[0].var_files[0].0,
        PathBuf::from("/repo/infra/prod.tfvars")
    );
}

#[test]
fn terraform_environment_paths_stay_below_the_config_and_names_are_unique() {
    let parsed = parse_str(
        r#"[[terraform.environment]]
name = "prod"
root = "../elsewhere"

[[terraform.environment]]
name = "prod"
root = "infra"

[[terraform.environment]]
name = "prod"
root = "infra/"
var-files = ["infra/b.tfvars"]
"#,
    );
    assert!(parsed.errors.is_empty());
    let (envs, errors) = parsed.config.terraform_environments();
    assert_eq!(envs.len(), 1);
    let messages: Vec<String> = errors.iter().map(|d| d.message.to_string()).collect();
    assert_eq!(
        messages,
        [
            "`../elsewhere` is not a path below the directory of spof.toml",
            "root `infra/` has a second environment named `prod`",
        ]
    );
}

#[test]
fn helm_capabilities_are_read_and_checked() {
    let parsed = parse_str(
        r#"[helm]
kube-version = "1.29"
api-versions = ["monitoring.coreos.com/v1", "cert-manager.io/v1/Certificate"]
"#,
    );
    assert_eq!(parsed.errors, vec![]);
    let capabilities = &parsed.config.helm_capabilities;
    assert_eq!(capabilities.kube_version.as_deref(), Some("v1.29.0"));
    assert_eq!(
        capabilities.api_versions,
        ["monitoring.coreos.com/v1", "cert-manager.io/v1/Certificate"]
    );
    let parsed = parse_str(
        r#"[helm]
kube-version = "latest"
api-versions = "monitoring.coreos.com/v1"
kube_version = "1.29"
"#,
    );
    assert_eq!(
        parsed.errors,
        vec![
            err(
                "2:16",
                "`latest` is not a Kubernetes version",
                Some("write it as `1.30` or `v1.30.2`")
            ),
            err(
                "3:16",
                "`api-versions` must be an array of strings",
                Some("use an array: `api-versions = [\"monitoring.coreos.com/v1\"]`")
            ),
            err(
                "4:1",
                "unknown key `kube_version` in [helm]",
                Some("did you mean `kube-version`?")
            ),
        ]
    );
    assert_eq!(parsed.config.helm_capabilities.kube_version, None);
}
