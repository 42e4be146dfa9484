//! `sarif`: a SARIF 2.1.0 log for code-scanning services and SARIF viewers.
//!
//! One run. `tool.driver.rules` is the whole rule catalog, so a consumer can
//! show any rule's documentation. Findings are results; findings silenced by
//! an inline suppression are results too, with a `suppressions` entry, so an
//! audit sees them. Input errors (unreadable files, syntax errors, bad
//! configuration) are not results: they are tool execution notifications of
//! the run's invocation, which then did not succeed.
//!
//! Artifact URIs are relative to the repository root (the git root of the
//! current directory, else the current directory itself), under the base id
//! `%SRCROOT%`, whose absolute `file:` URI `originalUriBaseIds` gives. Files
//! outside that root get absolute `file:` URIs. Standard input has no URI.
//! Columns count Unicode code points, as spof's do.

use super::{Output, source_file};
use crate::diagnostic::{Diagnostic, Kind, Severity, fingerprints};
use crate::discover::{STDIN_MARKER, git_root, lexical_normalize};
use crate::model::{Acceptance, Suppression};
use crate::rules::{Rule, docs};
use crate::source::{SourceFile, SourceMap, Span};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf, Prefix};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const VERSION: &str = "2.1.0";
/// The base id of every URI inside the repository.
const SRCROOT: &str = "%SRCROOT%";
/// Key of the fingerprint in `partialFingerprints`; the suffix versions the
/// recipe in [`crate::diagnostic::fingerprints`].
const FINGERPRINT_KEY: &str = "spof/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    invocations: [Invocation<'a>; 1],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Descriptor>,
}

/// The project's published home (`repository` in Cargo.toml). SARIF wants
/// absolute URIs for the tool and rule pages; without a published home there
/// is none to give, and the rule pages travel as `help` text instead.
fn home() -> Option<&'static str> {
    Some(env!("CARGO_PKG_REPOSITORY").trim_end_matches('/')).filter(|r| !r.is_empty())
}

/// A rule, as `reportingDescriptor`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: Tags,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Tags {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location<'a>>,
    descriptor: DescriptorRef<'a>,
}

#[derive(Serialize)]
struct DescriptorRef<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct BaseUri {
    uri: String,
    description: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    /// The entity the finding is about (`k8s:Deployment/default/web`).
    entity: &'a str,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location<'a>>,
}

/// What silences a finding: a suppression in the source (`inSource`), or
/// an accepted risk in spof.toml (`external`).
#[derive(Clone, Copy)]
enum Silenced<'a> {
    Suppression(&'a Suppression),
    Accepted(&'a Acceptance),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: &'a ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

pub(super) fn render(out: &Output, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let cwd = std::env::current_dir().ok();
    render_from(out, cwd.as_deref(), w)
}

/// Renders as if spof ran in `cwd`, which relative source paths are
/// relative to. Without a current directory, URIs are the paths as given.
fn render_from(
    out: &Output,
    cwd: Option<&Path>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let base = cwd.map(Base::new);
    let artifacts = Artifacts::new(out.sources, base.as_ref());
    let log = Log {
        schema: SCHEMA,
        version: VERSION,
        runs: [run(out, &artifacts, base.as_ref())],
    };
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}

fn run<'a>(out: &'a Output, artifacts: &'a Artifacts, base: Option<&Base>) -> Run<'a> {
    let notifications: Vec<Notification> = out
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error)
        .map(|d| Notification {
            level: level(d.severity),
            message: Text { text: message(d) },
            locations: artifacts
                .location(out.sources, d.span)
                .into_iter()
                .collect(),
            descriptor: DescriptorRef { id: &d.code },
        })
        .collect();
    let mut original_uri_base_ids = BTreeMap::new();
    if let Some(base) = base {
        original_uri_base_ids.insert(
            SRCROOT,
            BaseUri {
                uri: base.uri.clone(),
                description: Text {
                    text: "The root of the repository spof checked.".to_string(),
                },
            },
        );
    }
    Run {
        tool: Tool {
            driver: Driver {
                name: "spof",
                version: env!("CARGO_PKG_VERSION"),
                information_uri: home(),
                rules: Rule::ALL.iter().map(|r| descriptor(*r, home())).collect(),
            },
        },
        invocations: [Invocation {
            execution_successful: notifications.is_empty(),
            tool_execution_notifications: notifications,
        }],
        original_uri_base_ids,
        results: results(out, artifacts),
        column_kind: "unicodeCodePoints",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF messages are sentences; spof's messages and summaries end without
/// a period. Labels of locations stay as they are: they name a place.
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

/// A diagnostic's message, with its help: SARIF has no place of its own
/// for the help of one result.
fn message(d: &Diagnostic) -> String {
    let mut text = sentence(&d.message.text());
    if let Some(help) = &d.help {
        text.push_str(" Help: ");
        text.push_str(&sentence(help));
    }
    text
}

fn descriptor(rule: Rule, home: Option<&str>) -> Descriptor {
    let meta = rule.meta();
    let rationale = meta.rationale.trim();
    let remediation = meta.remediation.trim();
    let mut tags = vec!["reliability"];
    if meta.family.single_point_of_failure {
        tags.push("single-point-of-failure");
    }
    tags.push(&meta.family.name);
    Descriptor {
        id: rule.code(),
        name: rule.name(),
        short_description: Text {
            text: sentence(&meta.summary),
        },
        full_description: Text {
            text: rationale.to_string(),
        },
        help: Help {
            text: format!("{rationale}\n\nHow to fix it: {remediation}"),
            markdown: format!(
                "## Why is this a problem?\n\n{rationale}\n\n## How to fix it\n\n{remediation}\n\n\
                 `spof explain {}` prints the rule's page, with examples (`docs/rules/{}` \
                 in spof's repository).",
                rule.code(),
                docs::file_name(rule)
            ),
        },
        help_uri: home.map(|h| format!("{h}/blob/main/docs/rules/{}", docs::file_name(rule))),
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: Tags { tags },
    }
}

/// Findings and suppressed findings, in one deterministic order (the order
/// of diagnostics: path, position, code, message, entity), so that a
/// finding's fingerprint does not depend on whether it is suppressed.
fn results<'a>(out: &'a Output, artifacts: &'a Artifacts) -> Vec<SarifResult<'a>> {
    let mut findings: Vec<(&Diagnostic, Option<Silenced>)> = out
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Finding)
        .map(|d| (d, None))
        .chain(
            out.suppressed
                .iter()
                .map(|(d, s)| (d, Some(Silenced::Suppression(s)))),
        )
        .chain(
            out.accepted
                .iter()
                .map(|(d, a)| (d, Some(Silenced::Accepted(a)))),
        )
        .collect();
    findings.sort_by(|(a, _), (b, _)| a.output_order(b, out.sources));
    let diagnostics: Vec<Diagnostic> = findings.iter().map(|(d, _)| (*d).clone()).collect();
    let prints = fingerprints(&diagnostics, out.sources);
    findings
        .into_iter()
        .zip(prints)
        .map(|((d, suppression), print)| result(out.sources, artifacts, d, suppression, print))
        .collect()
}

fn result<'a>(
    sources: &SourceMap,
    artifacts: &'a Artifacts,
    d: &'a Diagnostic,
    suppression: Option<Silenced<'a>>,
    print: String,
) -> SarifResult<'a> {
    let related_locations = d
        .related
        .iter()
        .filter_map(|r| {
            let mut loc = artifacts.location(sources, r.span)?;
            loc.message = Some(Text {
                text: r.message.to_string(),
            });
            Some(loc)
        })
        .enumerate()
        .map(|(i, mut loc)| {
            loc.id = Some(i + 1);
            loc
        })
        .collect();
    let mut location = artifacts.location(sources, d.span);
    if let (Some(loc), Some(label)) = (location.as_mut(), &d.label) {
        loc.message = Some(Text {
            text: label.to_string(),
        });
    }
    SarifResult {
        rule_id: &d.code,
        rule_index: Rule::ALL.iter().position(|r| r.code() == d.code),
        level: level(d.severity),
        message: Text { text: message(d) },
        locations: location.into_iter().collect(),
        related_locations,
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, print)]),
        suppressions: suppression
            .map(|s| match s {
                Silenced::Suppression(s) => SarifSuppression {
                    kind: "inSource",
                    justification: s.reason.as_deref().map(Cow::Borrowed),
                    location: artifacts.location(sources, s.span),
                },
                Silenced::Accepted(a) => SarifSuppression {
                    kind: "external",
                    justification: Some(Cow::Owned(format!(
                        "accepted risk ({}): {} (owner: {})",
                        a.what, a.reason, a.owner
                    ))),
                    location: artifacts.location(sources, a.span),
                },
            })
            .into_iter()
            .collect(),
        properties: d
            .entity
            .as_deref()
            .map(|entity| ResultProperties { entity }),
    }
}

/// The repository root URIs are relative to.
struct Base {
    cwd: PathBuf,
    root: PathBuf,
    /// `file:` URI of `root`, ending in `/`.
    uri: String,
}

impl Base {
    fn new(cwd: &Path) -> Self {
        let cwd = lexical_normalize(cwd);
        let root = git_root(&cwd).unwrap_or_else(|| cwd.clone());
        let mut uri = file_uri(&root);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        Self { cwd, root, uri }
    }

    fn artifact(&self, path: &Path) -> ArtifactLocation {
        let absolute = lexical_normalize(&self.cwd.join(path));
        match absolute.strip_prefix(&self.root) {
            Ok(relative) => ArtifactLocation {
                uri: Some(relative_uri(relative)),
                uri_base_id: Some(SRCROOT),
                description: None,
            },
            Err(_) => ArtifactLocation {
                uri: Some(file_uri(&absolute)),
                uri_base_id: None,
                description: None,
            },
        }
    }
}

/// The artifact location of every source file, by file id.
struct Artifacts {
    files: Vec<ArtifactLocation>,
}

impl Artifacts {
    fn new(sources: &SourceMap, base: Option<&Base>) -> Self {
        let files = sources
            .iter()
            .map(|(_, file)| artifact(file, base))
            .collect();
        Self { files }
    }

    fn location<'a>(&'a self, sources: &SourceMap, span: Span) -> Option<Location<'a>> {
        let file = source_file(sources, span.file)?;
        let artifact_location = self.files.get(usize::try_from(span.file.0).ok()?)?;
        let start = file.line_col(span.range.start);
        let end = file.line_col(span.range.end);
        Some(Location {
            id: None,
            physical_location: PhysicalLocation {
                artifact_location,
                region: Region {
                    start_line: start.line,
                    start_column: start.column,
                    end_line: end.line,
                    end_column: end.column,
                },
            },
            message: None,
        })
    }
}

fn artifact(file: &SourceFile, base: Option<&Base>) -> ArtifactLocation {
    if file.path == Path::new(STDIN_MARKER) {
        return ArtifactLocation {
            uri: None,
            uri_base_id: None,
            description: Some(Text {
                text: "Standard input.".to_string(),
            }),
        };
    }
    match base {
        Some(base) => base.artifact(&file.path),
        None => ArtifactLocation {
            uri: Some(relative_uri(&lexical_normalize(&file.path))),
            uri_base_id: None,
            description: None,
        },
    }
}

/// A relative path as a relative URI reference: segments percent-encoded,
/// joined by `/`.
fn relative_uri(path: &Path) -> String {
    let mut uri = String::new();
    for component in path.components() {
        let segment: Cow<'_, OsStr> = match component {
            Component::Normal(s) => Cow::Borrowed(s),
            Component::ParentDir => Cow::Borrowed(OsStr::new("..")),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => continue,
        };
        if !uri.is_empty() {
            uri.push('/');
        }
        encode(&os_bytes(&segment), &mut uri);
    }
    uri
}

/// An absolute path as a `file:` URI (`file:///srv/repo`,
/// `file:///C:/repo`, `file://server/share/repo`).
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for component in path.components() {
        match component {
            Component::Prefix(prefix) => match prefix.kind() {
                Prefix::Disk(letter) | Prefix::VerbatimDisk(letter) => {
                    uri.push('/');
                    uri.push(char::from(letter));
                    uri.push(':');
                }
                Prefix::UNC(server, share) | Prefix::VerbatimUNC(server, share) => {
                    encode(&os_bytes(server), &mut uri);
                    uri.push('/');
                    encode(&os_bytes(share), &mut uri);
                }
                Prefix::Verbatim(s) | Prefix::DeviceNS(s) => {
                    uri.push('/');
                    encode(&os_bytes(s), &mut uri);
                }
            },
            Component::Normal(s) => {
                uri.push('/');
                encode(&os_bytes(s), &mut uri);
            }
            Component::ParentDir => uri.push_str("/.."),
            Component::RootDir | Component::CurDir => {}
        }
    }
    if uri == "file://" {
        uri.push('/');
    }
    uri
}

/// The bytes of a path segment: raw on Unix, where names are bytes; UTF-8
/// elsewhere.
fn os_bytes(s: &OsStr) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        Cow::Borrowed(s.as_encoded_bytes())
    }
    #[cfg(not(unix))]
    {
        match s.to_string_lossy() {
            Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
            Cow::Owned(text) => Cow::Owned(text.into_bytes()),
        }
    }
}

/// Percent-encodes every byte but RFC 3986's unreserved characters, so a
/// segment can hold neither a delimiter nor a scheme-like `:`.
fn encode(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture::fixture;
    use serde_json::Value;

    fn rendered(out: &Output, cwd: Option<&Path>) -> Value {
        let mut buf = Vec::new();
        render_from(out, cwd, &mut buf).expect("writing to a Vec cannot fail");
        serde_json::from_slice(&buf).expect("valid JSON")
    }

    #[cfg(unix)]
    #[test]
    fn uris_are_relative_to_the_root_and_percent_encoded() {
        let base = Base {
            cwd: PathBuf::from("/srv/repo/clusters"),
            root: PathBuf::from("/srv/repo"),
            uri: "file:///srv/repo/".to_string(),
        };
        let at = |p: &str| base.artifact(Path::new(p));
        assert_eq!(
            at("a b/ë.yaml").uri.as_deref(),
            Some("clusters/a%20b/%C3%AB.yaml")
        );
        assert_eq!(at("./x:y.yaml").uri.as_deref(), Some("clusters/x%3Ay.yaml"));
        assert_eq!(at("../top.yaml").uri.as_deref(), Some("top.yaml"));
        assert_eq!(at("../top.yaml").uri_base_id, Some(SRCROOT));
        let outside = at("../../etc/x#1.yaml");
        assert_eq!(outside.uri.as_deref(), Some("file:///srv/etc/x%231.yaml"));
        assert_eq!(outside.uri_base_id, None);
        assert_eq!(at("/srv/repo/b.yaml").uri.as_deref(), Some("b.yaml"));
    }

    #[test]
    fn rule_pages_are_linked_under_the_project_home() {
        let rule = descriptor(Rule::SingleReplica, Some("https://example.test/spof"));
        assert_eq!(
            rule.help_uri.as_deref(),
            Some("https://example.test/spof/blob/main/docs/rules/SPOF001-single-replica.md")
        );
        assert!(descriptor(Rule::SingleReplica, None).help_uri.is_none());
    }

    #[cfg(unix)]
    #[test]
    fn file_uris_of_roots() {
        assert_eq!(file_uri(Path::new("/")), "file:///");
        assert_eq!(file_uri(Path::new("/a/b c")), "file:///a/b%20c");
    }

    #[cfg(unix)]
    #[test]
    fn levels_columns_and_chain() {
        let fx = fixture();
        let out = fx.output();
        let doc = rendered(&out, Some(Path::new("/nonexistent/spof-sarif-test")));
        let run = &doc["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        assert_eq!(
            run["originalUriBaseIds"][SRCROOT]["uri"],
            "file:///nonexistent/spof-sarif-test/"
        );
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "SPOF003");
        assert_eq!(result["ruleIndex"], 2);
        assert_eq!(result["level"], "warning");
        let loc = &result["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "deploy/app.yaml");
        assert_eq!(loc["region"]["startLine"], 4);
        assert_eq!(loc["region"]["startColumn"], 3);
        assert_eq!(loc["region"]["endColumn"], 12);
        let related = &result["relatedLocations"];
        assert_eq!(related[0]["id"], 1);
        assert_eq!(related[1]["id"], 2);
        assert_eq!(
            related[1]["physicalLocation"]["artifactLocation"]["uri"],
            "deploy/db.yaml"
        );
        assert_eq!(run["results"].as_array().map(Vec::len), Some(1));

        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let error = &invocation["toolExecutionNotifications"][0];
        assert_eq!(error["level"], "error");
        assert_eq!(error["descriptor"]["id"], "parse-error");
        // `[` is the 12th character but the 13th byte.
        assert_eq!(
            error["locations"][0]["physicalLocation"]["region"]["startColumn"],
            12
        );
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().map(Vec::len),
            Some(Rule::ALL.len())
        );
    }

    #[test]
    fn info_is_a_note_and_unknown_files_have_no_location() {
        let fx = fixture();
        let mut d = fx.diagnostics[0].clone();
        d.severity = Severity::Info;
        d.span.file = crate::source::FileId(99);
        let diagnostics = [d];
        let out = Output {
            sources: &fx.sources,
            diagnostics: &diagnostics,
            suppressed: &[],
            accepted: &[],
            summary: &fx.summary,
        };
        let doc = rendered(&out, None);
        let result = &doc["runs"][0]["results"][0];
        assert_eq!(result["level"], "note");
        assert!(result.get("locations").is_none());
        assert_eq!(
            doc["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
        assert!(doc["runs"][0].get("originalUriBaseIds").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn stdin_has_no_uri() {
        let file = SourceFile::new(PathBuf::from(STDIN_MARKER), "a: b\n");
        let base = Base::new(Path::new("/srv/repo"));
        let loc = artifact(&file, Some(&base));
        assert_eq!(loc.uri, None);
        assert!(loc.description.is_some());
    }
}
