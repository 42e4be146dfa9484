//! Validation of the parsed TOML tree against the `spof.toml` schema.
//!
//! The tree is walked by hand rather than deserialised with serde so that
//! every error can point at the exact key or value, and so that one bad value
//! does not stop the other errors from being reported.

use super::{
    Accept, AcceptTarget, CONFIG_ERROR, Cluster, Config, HelmRelease, TerraformEnvironment,
    ToolPattern,
};
use crate::date::Date;
use crate::diagnostic::{Diagnostic, Related, Severity, Text};
use crate::model::{Acceptance, Domain, Level};
use crate::parse::toml::{self, DeValue, Key, Table as DeTable, Value, did_you_mean, found, list};
use crate::parse::yaml::MAX_DEPTH_CEILING;
use crate::source::{FileId, Span, TextRange};
use globset::{GlobBuilder, GlobSetBuilder};
use std::collections::HashMap;
use std::ops::Range;

const TOP_LEVEL_KEYS: &[&str] = &[
    "accept",
    "check",
    "cluster",
    "dependencies",
    "helm",
    "limits",
    "rules",
    "terraform",
    "tool",
    "topology",
];
const ACCEPT_KEYS: &[&str] = &["domain", "level", "entity", "reason", "owner", "until"];
const ACCEPT_TARGETS: &[&str] = &["domain", "level", "entity"];
const CHECK_KEYS: &[&str] = &["fail-if-no-files"];
const DEPENDENCIES_KEYS: &[&str] = &["soft-telemetry", "soft-variables"];
const LIMITS_KEYS: &[&str] = &["max-file-size", "max-depth", "max-alias-expansion"];
const HELM_KEYS: &[&str] = &["release", "kube-version", "api-versions"];
const HELM_RELEASE_KEYS: &[&str] = &["chart", "values", "name", "namespace", "cluster"];
const TERRAFORM_KEYS: &[&str] = &["environment"];
const TERRAFORM_ENVIRONMENT_KEYS: &[&str] = &["name", "root", "var-files"];
const TOOL_KEYS: &[&str] = &["match", "kind", "manages"];
const CLUSTER_KEYS: &[&str] = &["name", "paths", "zones", "region", "environment"];
const RULES_KEYS: &[&str] = &["select", "ignore", "min-replicas", "severity"];
const TOPOLOGY_KEYS: &[&str] = &["zone-keys", "region-keys", "host-keys"];
const SEVERITIES: &[&str] = &["error", "warning", "info"];

/// Fills `config` from `text` and returns the problems found.
pub(super) fn read(text: &str, file: FileId, config: &mut Config) -> Vec<Diagnostic> {
    let mut reader = Reader {
        file,
        diags: Vec::new(),
    };
    match toml::parse(text) {
        Ok(root) => reader.document(root.get_ref(), config),
        Err(err) => reader.syntax_error(&err),
    }
    reader.diags
}

struct Reader {
    file: FileId,
    diags: Vec<Diagnostic>,
}

impl Reader {
    fn span(&self, range: Range<usize>) -> Span {
        Span::new(self.file, TextRange::new(range.start, range.end))
    }

    fn error(&mut self, range: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        let diag = Diagnostic::error(CONFIG_ERROR, self.span(range), message);
        self.diags.push(diag);
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn syntax_error(&mut self, err: &toml::SyntaxError) {
        let help = if err.is_duplicate_key() {
            "each key may appear only once in a table"
        } else {
            "spof.toml must be valid TOML (https://toml.io)"
        };
        let diag = self.error(err.range.clone(), format!("invalid TOML: {}", err.message));
        diag.help = Some(Text::from(help.to_string()));
    }

    fn unknown_key(&mut self, key: &Key<'_>, allowed: &[&str], context: &str) {
        let name = key.get_ref().as_ref();
        let help = toml::unknown_key_help(name, allowed);
        let diag = self.error(key.span(), format!("unknown key `{name}` {context}"));
        diag.help = Some(Text::from(help));
    }

    fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], context: &str) {
        for (key, _) in table.iter() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                self.unknown_key(key, allowed, context);
            }
        }
    }

    fn wrong_type(&mut self, value: &Value<'_>, message: String, help: Option<String>) {
        let label = found(value);
        let diag = self.error(value.span(), message);
        diag.label = Some(Text::from(label));
        diag.help = help.map(Text::from);
    }

    /// A table-valued key such as `[rules]`.
    fn table<'a, 'i>(&mut self, key: &str, value: &'a Value<'i>) -> Option<&'a DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                let help = format!("write it as a `[{key}]` section");
                self.wrong_type(value, format!("`{key}` must be a table"), Some(help));
                None
            }
        }
    }

    /// A non-empty string.
    fn string(&mut self, key: &str, value: &Value<'_>) -> Option<(String, Range<usize>)> {
        match value.get_ref() {
            DeValue::String(s) if s.is_empty() => {
                self.error(value.span(), format!("`{key}` must not be empty"));
                None
            }
            DeValue::String(s) => Some((s.to_string(), value.span())),
            _ => {
                self.wrong_type(value, format!("`{key}` must be a string"), None);
                None
            }
        }
    }

    /// An array of non-empty strings; the valid elements are returned even
    /// when some are not.
    fn strings(&mut self, key: &str, value: &Value<'_>) -> Vec<(String, Range<usize>)> {
        let message = || format!("`{key}` must be an array of strings");
        let DeValue::Array(items) = value.get_ref() else {
            let help = match value.get_ref() {
                DeValue::String(s) if !s.contains(['"', '\\']) => {
                    Some(format!("use an array: `{key} = [\"{s}\"]`"))
                }
                _ => None,
            };
            self.wrong_type(value, message(), help);
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) if s.is_empty() => {
                    self.error(item.span(), format!("entries of `{key}` must not be empty"));
                }
                DeValue::String(s) => out.push((s.to_string(), item.span())),
                _ => self.wrong_type(item, message(), None),
            }
        }
        out
    }

    fn document(&mut self, root: &DeTable<'_>, config: &mut Config) {
        for (key, value) in root.iter() {
            match key.get_ref().as_ref() {
                "cluster" => self.clusters(value, config),
                "tool" => self.tools(value, config),
                "accept" => self.accepts(value, config),
                "rules" => {
                    if let Some(table) = self.table("rules", value) {
                        self.rules(table, config);
                    }
                }
                "topology" => {
                    if let Some(table) = self.table("topology", value) {
                        self.topology(table, config);
                    }
                }
                "limits" => {
                    if let Some(table) = self.table("limits", value) {
                        self.limits(table, config);
                    }
                }
                "check" => {
                    if let Some(table) = self.table("check", value) {
                        self.check(table, config);
                    }
                }
                "dependencies" => {
                    if let Some(table) = self.table("dependencies", value) {
                        self.dependencies(table, config);
                    }
                }
                "helm" => {
                    if let Some(table) = self.table("helm", value) {
                        self.helm(table, config);
                    }
                }
                "terraform" => {
                    if let Some(table) = self.table("terraform", value) {
                        self.terraform(table, config);
                    }
                }
                _ => self.unknown_key(key, TOP_LEVEL_KEYS, "at the top level"),
            }
        }
    }

    fn clusters(&mut self, value: &Value<'_>, config: &mut Config) {
        let help = "write each cluster as a `[[cluster]]` section (double brackets)".to_string();
        let DeValue::Array(items) = value.get_ref() else {
            let message = "`cluster` must be an array of tables".to_string();
            self.wrong_type(value, message, Some(help));
            return;
        };
        let mut seen: HashMap<String, Span> = HashMap::new();
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                let message = "each `cluster` must be a table".to_string();
                self.wrong_type(item, message, Some(help.clone()));
                continue;
            };
            let Some(cluster) = self.cluster(item.span(), table) else {
                continue;
            };
            if let Some(&first) = seen.get(&cluster.name) {
                let message = format!("duplicate cluster name `{}`", cluster.name);
                let mut diag = Diagnostic::error(CONFIG_ERROR, cluster.span, message)
                    .with_help("cluster names must be unique");
                diag.related.push(Related {
                    span: first,
                    message: "first defined here".into(),
                });
                self.diags.push(diag);
                continue;
            }
            seen.insert(cluster.name.clone(), cluster.span);
            config.clusters.push(cluster);
        }
    }

    /// `[[tool]]`: entities (by id glob) that are tools, their kind, and
    /// what they manage.
    fn tools(&mut self, value: &Value<'_>, config: &mut Config) {
        let help = "write each tool as a `[[tool]]` section (double brackets)".to_string();
        let DeValue::Array(items) = value.get_ref() else {
            let message = "`tool` must be an array of tables".to_string();
            self.wrong_type(value, message, Some(help));
            return;
        };
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                let message = "each `tool` must be a table".to_string();
                self.wrong_type(item, message, Some(help.clone()));
                continue;
            };
            self.check_keys(table, TOOL_KEYS, "in [[tool]]");
            let pattern = match table.get("match") {
                Some(value) => self.string("match", value),
                None => {
                    let diag = self.error(item.span(), "tool has no `match`");
                    diag.help = Some(Text::from(
                        "add `match = \"k8s:Deployment/ops/*\"`: a glob over entity ids",
                    ));
                    None
                }
            };
            let kind = table.get("kind").and_then(|v| self.string("kind", v));
            let manages = table
                .get("manages")
                .map(|v| self.strings("manages", v))
                .unwrap_or_default();
            let Some((pattern, range)) = pattern else {
                continue;
            };
            let matcher = match globset::Glob::new(&pattern) {
                Ok(glob) => glob.compile_matcher(),
                Err(e) => {
                    let message = format!("invalid glob `{pattern}`: {}", e.kind());
                    self.error(range, &message);
                    continue;
                }
            };
            config.tools.push(ToolPattern {
                pattern,
                matcher,
                span: self.span(range),
                kind: kind.map(|(k, _)| k),
                manages: manages
                    .into_iter()
                    .map(|(m, r)| (m, self.span(r)))
                    .collect(),
            });
        }
    }

    /// `[[accept]]`: single points of failure their owners accept.
    fn accepts(&mut self, value: &Value<'_>, config: &mut Config) {
        let help = "write each accepted risk as an `[[accept]]` section (double brackets)";
        let DeValue::Array(items) = value.get_ref() else {
            let message = "`accept` must be an array of tables".to_string();
            self.wrong_type(value, message, Some(help.to_string()));
            return;
        };
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                let message = "each `accept` must be a table".to_string();
                self.wrong_type(item, message, Some(help.to_string()));
                continue;
            };
            if let Some(accept) = self.accept(item.span(), table) {
                config.accepts.push(accept);
            }
        }
    }

    /// Validates one `[[accept]]`; `None` when it is unusable (every
    /// problem is reported).
    fn accept(&mut self, header: Range<usize>, table: &DeTable<'_>) -> Option<Accept> {
        self.check_keys(table, ACCEPT_KEYS, "in [[accept]]");
        let targets: Vec<(&str, &Value<'_>)> = ACCEPT_TARGETS
            .iter()
            .filter_map(|&key| table.get(key).map(|v| (key, v)))
            .collect();
        let required = |reader: &mut Self, key: &str, example: &str| match table.get(key) {
            Some(value) => reader.string(key, value),
            None => {
                let diag = reader.error(header.clone(), format!("accepted risk has no `{key}`"));
                diag.help = Some(Text::from(format!("add `{key} = \"{example}\"`")));
                None
            }
        };
        let reason = required(self, "reason", "why the risk is accepted");
        let owner = required(self, "owner", "who answers for it");
        let target = match targets.as_slice() {
            [(key, value)] => self.accept_target(key, value),
            [] => {
                let diag = self.error(header, "accepted risk names nothing to accept");
                diag.help = Some(Text::from(format!(
                    "add exactly one of {}",
                    toml::list(ACCEPT_TARGETS)
                )));
                None
            }
            [_, (key, value), ..] => {
                let diag = self.error(value.span(), format!("accepted risk names `{key}` too"));
                diag.help = Some(Text::from(format!(
                    "an `[[accept]]` names exactly one of {}: write one section for each",
                    toml::list(ACCEPT_TARGETS)
                )));
                None
            }
        };
        // An `until` that is not a date drops the entry: it must not apply
        // for ever.
        let until = match table.get("until").map(|v| self.until(v)) {
            Some(None) => return None,
            Some(Some(until)) => Some(until),
            None => None,
        };
        let ((target, what, span), (reason, _), (owner, _)) = (target?, reason?, owner?);
        Some(Accept {
            target,
            acceptance: Acceptance {
                what,
                reason,
                owner,
                until: until.map(|(date, _)| date),
                span,
            },
            until_span: until.map(|(_, span)| span),
        })
    }

    /// The target of an `[[accept]]`, with its words and span.
    fn accept_target(
        &mut self,
        key: &str,
        value: &Value<'_>,
    ) -> Option<(AcceptTarget, String, Span)> {
        let (text, range) = self.string(key, value)?;
        let span = self.span(range.clone());
        let target = match key {
            "domain" => {
                let parsed = text
                    .split_once(':')
                    .and_then(|(level, name)| Some((Level::parse(level)?, name)))
                    .filter(|(_, name)| !name.is_empty());
                let Some((level, name)) = parsed else {
                    let diag = self.error(range, format!("`{text}` is not a failure domain"));
                    diag.help = Some(Text::from(
                        "write it as LEVEL:NAME, as spof prints it: `region:capital`, \
                         `zone:pangyo-dc`, `host:db-1`"
                            .to_string(),
                    ));
                    return None;
                };
                AcceptTarget::Domain(Domain::new(level, name))
            }
            "level" => {
                let Some(level) = Level::parse(&text) else {
                    let diag = self.error(range, format!("unknown level `{text}`"));
                    diag.help = Some(Text::from("levels: region, zone (or datacenter), host"));
                    return None;
                };
                AcceptTarget::Level(level)
            }
            _ => match globset::Glob::new(&text) {
                Ok(glob) => AcceptTarget::Entity(glob.compile_matcher()),
                Err(e) => {
                    self.error(range, format!("invalid glob `{text}`: {}", e.kind()));
                    return None;
                }
            },
        };
        Some((target, format!("{key} {text}"), span))
    }

    /// `until`: a date, as a TOML date or a `YYYY-MM-DD` string.
    fn until(&mut self, value: &Value<'_>) -> Option<(Date, Span)> {
        let text = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            _ => {
                self.wrong_type(value, "`until` must be a date".to_string(), None);
                return None;
            }
        };
        match Date::parse(&text) {
            Some(date) => Some((date, self.span(value.span()))),
            None => {
                let diag = self.error(value.span(), format!("`{text}` is not a date"));
                diag.help = Some(Text::from("write it as YYYY-MM-DD: `until = 2027-06-30`"));
                None
            }
        }
    }

    /// `[helm]`: its `[[helm.release]]` sections.
    fn helm(&mut self, table: &DeTable<'_>, config: &mut Config) {
        self.check_keys(table, HELM_KEYS, "in [helm]");
        if let Some(value) = table.get("kube-version")
            && let Some((text, range)) = self.string("kube-version", value)
        {
            match crate::frontends::helm::kube_version(&text) {
                Some(version) => config.helm_capabilities.kube_version = Some(version),
                None => {
                    let diag = self.error(range, format!("`{text}` is not a Kubernetes version"));
                    diag.help = Some("write it as `1.30` or `v1.30.2`".into());
                }
            }
        }
        if let Some(value) = table.get("api-versions") {
            config.helm_capabilities.api_versions = self
                .strings("api-versions", value)
                .into_iter()
                .map(|(v, _)| v)
                .collect();
        }
        let Some(value) = table.get("release") else {
            return;
        };
        let help = "write each release as a `[[helm.release]]` section (double brackets)";
        let DeValue::Array(items) = value.get_ref() else {
            let message = "`helm.release` must be an array of tables".to_string();
            self.wrong_type(value, message, Some(help.into()));
            return;
        };
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                let message = "each `helm.release` must be a table".to_string();
                self.wrong_type(item, message, Some(help.into()));
                continue;
            };
            self.check_keys(table, HELM_RELEASE_KEYS, "in [[helm.release]]");
            let chart = match table.get("chart") {
                Some(value) => self.string("chart", value),
                None => {
                    let diag = self.error(item.span(), "release has no `chart`");
                    diag.help = Some("add `chart = \"charts/shop\"`: the chart's directory".into());
                    None
                }
            };
            let values = table
                .get("values")
                .map(|v| self.strings("values", v))
                .unwrap_or_default();
            let text = |s: &mut Self, key: &str| {
                table
                    .get(key)
                    .and_then(|v| s.string(key, v))
                    .map(|(t, r)| (t, s.span(r)))
            };
            let name = text(self, "name").map(|(n, _)| n);
            let namespace = text(self, "namespace").map(|(n, _)| n);
            let cluster = text(self, "cluster");
            let Some((chart, range)) = chart else {
                continue;
            };
            config.helm_releases.push(HelmRelease {
                chart: (chart, self.span(range)),
                values: values.into_iter().map(|(v, r)| (v, self.span(r))).collect(),
                name,
                namespace,
                cluster,
                span: self.span(item.span()),
            });
        }
    }

    /// `[terraform]`: its `[[terraform.environment]]` sections.
    fn terraform(&mut self, table: &DeTable<'_>, config: &mut Config) {
        self.check_keys(table, TERRAFORM_KEYS, "in [terraform]");
        let Some(value) = table.get("environment") else {
            return;
        };
        let help =
            "write each environment as a `[[terraform.environment]]` section (double brackets)";
        let DeValue::Array(items) = value.get_ref() else {
            let message = "`terraform.environment` must be an array of tables".to_string();
            self.wrong_type(value, message, Some(help.into()));
            return;
        };
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                let message = "each `terraform.environment` must be a table".to_string();
                self.wrong_type(item, message, Some(help.into()));
                continue;
            };
            if let Some(environment) = self.terraform_environment(item.span(), table) {
                config.terraform_environments.push(environment);
            }
        }
    }

    /// Validates one `[[terraform.environment]]`; `None` without a usable
    /// `name` or `root`.
    fn terraform_environment(
        &mut self,
        header: Range<usize>,
        table: &DeTable<'_>,
    ) -> Option<TerraformEnvironment> {
        self.check_keys(
            table,
            TERRAFORM_ENVIRONMENT_KEYS,
            "in [[terraform.environment]]",
        );
        let name = match table.get("name") {
            Some(value) => self.environment_name("name", value),
            None => {
                let diag = self.error(header.clone(), "environment has no `name`");
                diag.help = Some("add `name = \"prod\"`: it ends the ids of its resources".into());
                None
            }
        };
        let root = match table.get("root") {
            Some(value) => self.string("root", value),
            None => {
                let diag = self.error(header.clone(), "environment has no `root`");
                diag.help = Some(Text::from(
                    "add `root = \"infra\"`: the directory of the root module, from spof.toml's",
                ));
                None
            }
        };
        let var_files = table
            .get("var-files")
            .map(|v| self.strings("var-files", v))
            .unwrap_or_default();
        let (name, name_range) = name?;
        let (root, root_range) = root?;
        Some(TerraformEnvironment {
            name: (name, self.span(name_range)),
            root: (root, self.span(root_range)),
            var_files: var_files
                .into_iter()
                .map(|(v, r)| (v, self.span(r)))
                .collect(),
            span: self.span(header),
        })
    }

    /// Validates one `[[cluster]]`; `None` when it has no usable name.
    fn cluster(&mut self, header: Range<usize>, table: &DeTable<'_>) -> Option<Cluster> {
        self.check_keys(table, CLUSTER_KEYS, "in [[cluster]]");
        let name = match table.get("name") {
            Some(value) => self.string("name", value),
            None => {
                let diag = self.error(header, "cluster has no `name`");
                diag.help = Some("add `name = \"...\"`; every cluster needs a unique name".into());
                None
            }
        };
        let (patterns, paths) = match table.get("paths") {
            Some(value) => self.globs(value),
            None => (Vec::new(), globset::GlobSet::empty()),
        };
        let zones_value = table.get("zones");
        let zones = zones_value
            .map(|value| self.strings("zones", value))
            .unwrap_or_default();
        let region = table
            .get("region")
            .and_then(|value| self.string("region", value));
        let environment = table
            .get("environment")
            .and_then(|value| self.environment(value));

        let (name, name_range) = name?;
        Some(Cluster {
            name,
            patterns,
            paths,
            zones: zones.into_iter().map(|(zone, _)| zone).collect(),
            span: self.span(name_range),
            zones_span: zones_value.map(|value| self.span(value.span())),
            region_span: region.as_ref().map(|(_, range)| self.span(range.clone())),
            region: region.map(|(region, _)| region),
            environment,
        })
    }

    /// An `environment` name: it ends entity ids (`…/web@prod`), so it is
    /// a word of letters, digits, `-`, `_` and `.`.
    fn environment(&mut self, value: &Value<'_>) -> Option<String> {
        self.environment_name("environment", value)
            .map(|(name, _)| name)
    }

    /// The value of `key`, an environment's name.
    fn environment_name(&mut self, key: &str, value: &Value<'_>) -> Option<(String, Range<usize>)> {
        let (name, range) = self.string(key, value)?;
        if super::is_environment_name(&name) {
            return Some((name, range));
        }
        let diag = self.error(
            range,
            format!("`{key}` must be letters, digits, `-`, `_` or `.`, not `{name}`"),
        );
        diag.help = Some("name the environment as a word: `prod`, `staging`, `eu-prod`".into());
        None
    }

    /// The `paths` globs, matched against forward-slash paths relative to
    /// the config's directory. `*` stops at `/` so that `clusters/*` means
    /// one level, as in gitignore; `**` crosses directories.
    fn globs(&mut self, value: &Value<'_>) -> (Vec<String>, globset::GlobSet) {
        let mut patterns = Vec::new();
        let mut builder = GlobSetBuilder::new();
        for (pattern, range) in self.strings("paths", value) {
            let normalized = pattern.strip_prefix("./").unwrap_or(&pattern);
            let normalized = normalized.trim_end_matches('/');
            if normalized.starts_with('/') || normalized.split('/').any(|part| part == "..") {
                let diag = self.error(
                    range,
                    format!("glob `{pattern}` in `paths` points outside the config's directory"),
                );
                diag.help = Some(Text::from(
                    "`paths` globs are relative to the directory holding spof.toml".to_string(),
                ));
                continue;
            }
            match GlobBuilder::new(normalized).literal_separator(true).build() {
                Ok(glob) => {
                    builder.add(glob);
                    patterns.push(pattern);
                }
                Err(err) => {
                    let diag =
                        self.error(range, format!("invalid glob `{pattern}`: {}", err.kind()));
                    diag.help = Some(Text::from(
                        "use `*` within a directory, `**` across directories, `?`, `[abc]` or `{a,b}`"
                            .to_string(),
                    ));
                }
            }
        }
        match builder.build() {
            Ok(set) => (patterns, set),
            Err(err) => {
                self.error(value.span(), format!("cannot compile `paths`: {err}"));
                (Vec::new(), globset::GlobSet::empty())
            }
        }
    }

    fn rules(&mut self, table: &DeTable<'_>, config: &mut Config) {
        self.check_keys(table, RULES_KEYS, "in [rules]");
        let spanned = |reader: &Self, items: Vec<(String, Range<usize>)>| {
            items
                .into_iter()
                .map(|(item, range)| (item, reader.span(range)))
                .collect::<Vec<_>>()
        };
        if let Some(value) = table.get("select") {
            let items = self.strings("select", value);
            config.rules.select = Some(spanned(self, items));
        }
        if let Some(value) = table.get("ignore") {
            let items = self.strings("ignore", value);
            config.rules.ignore = spanned(self, items);
        }
        if let Some(value) = table.get("min-replicas")
            && let Some(n) = self.min_replicas(value)
        {
            config.rules.min_replicas = n;
        }
        if let Some(value) = table.get("severity")
            && let Some(overrides) = self.table("rules.severity", value)
        {
            self.severities(overrides, config);
        }
    }

    fn min_replicas(&mut self, value: &Value<'_>) -> Option<u32> {
        let DeValue::Integer(int) = value.get_ref() else {
            self.wrong_type(value, "`min-replicas` must be an integer".to_string(), None);
            return None;
        };
        match i64::from_str_radix(int.as_str(), int.radix()) {
            Ok(n) if n < 1 => {
                let diag = self.error(value.span(), "`min-replicas` must be at least 1");
                diag.help = Some(Text::from(
                    "workloads with fewer replicas than `min-replicas` are flagged".to_string(),
                ));
                None
            }
            Ok(n) => match u32::try_from(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.error(value.span(), "`min-replicas` is too large");
                    None
                }
            },
            Err(_) => {
                self.error(value.span(), "`min-replicas` is too large");
                None
            }
        }
    }

    fn check(&mut self, table: &DeTable<'_>, config: &mut Config) {
        self.check_keys(table, CHECK_KEYS, "in [check]");
        if let Some(value) = table.get("fail-if-no-files") {
            match value.get_ref() {
                DeValue::Boolean(yes) => config.fail_if_no_files = *yes,
                _ => {
                    let message = "`fail-if-no-files` must be `true` or `false`".to_string();
                    self.wrong_type(value, message, None);
                }
            }
        }
    }

    fn dependencies(&mut self, table: &DeTable<'_>, config: &mut Config) {
        self.check_keys(table, DEPENDENCIES_KEYS, "in [dependencies]");
        if let Some(value) = table.get("soft-telemetry") {
            match value.get_ref() {
                DeValue::Boolean(b) => config.dependencies.soft_telemetry = *b,
                _ => self.wrong_type(
                    value,
                    "`soft-telemetry` must be a boolean".to_string(),
                    Some("write `soft-telemetry = false` or `true`, without quotes".to_string()),
                ),
            }
        }
        if let Some(value) = table.get("soft-variables") {
            for (pattern, range) in self.strings("soft-variables", value) {
                match crate::frontends::hosts::glob(&pattern) {
                    Ok(_) => {
                        let span = self.span(range);
                        config.dependencies.soft_variables.push((pattern, span));
                    }
                    Err(e) => {
                        let message = format!("invalid glob `{pattern}`: {}", e.kind());
                        self.error(range, message);
                    }
                }
            }
        }
    }

    fn limits(&mut self, table: &DeTable<'_>, config: &mut Config) {
        self.check_keys(table, LIMITS_KEYS, "in [limits]");
        let limits = &mut config.limits;
        if let Some(value) = table.get("max-file-size") {
            limits.max_file_size = self.limit("max-file-size", value, u64::MAX, "bytes");
        }
        if let Some(value) = table.get("max-depth") {
            let ceiling = u64::try_from(MAX_DEPTH_CEILING).unwrap_or(u64::MAX);
            limits.max_depth = self
                .limit("max-depth", value, ceiling, "levels")
                .and_then(|n| usize::try_from(n).ok());
        }
        if let Some(value) = table.get("max-alias-expansion") {
            let ceiling = u64::try_from(usize::MAX).unwrap_or(u64::MAX);
            limits.max_alias_expansion = self
                .limit("max-alias-expansion", value, ceiling, "nodes")
                .and_then(|n| usize::try_from(n).ok());
        }
    }

    /// A positive integer no larger than `ceiling`.
    fn limit(&mut self, key: &str, value: &Value<'_>, ceiling: u64, unit: &str) -> Option<u64> {
        let DeValue::Integer(int) = value.get_ref() else {
            let help = match value.get_ref() {
                DeValue::String(_) => Some(format!("write a number of {unit}, without quotes")),
                _ => None,
            };
            self.wrong_type(value, format!("`{key}` must be an integer"), help);
            return None;
        };
        let parsed = u64::from_str_radix(int.as_str(), int.radix());
        match parsed {
            Ok(n) if (1..=ceiling).contains(&n) => Some(n),
            Ok(0) => {
                self.error(value.span(), format!("`{key}` must be at least 1"));
                None
            }
            Err(_) if int.as_str().starts_with('-') => {
                self.error(value.span(), format!("`{key}` must be at least 1"));
                None
            }
            _ => {
                let diag = self.error(value.span(), format!("`{key}` is too large"));
                diag.help = Some(Text::from(format!(
                    "the largest accepted value is {ceiling}"
                )));
                None
            }
        }
    }

    fn severities(&mut self, table: &DeTable<'_>, config: &mut Config) {
        let expected = format!("expected one of {}", list(SEVERITIES));
        for (key, value) in table.iter() {
            let rule = key.get_ref().as_ref();
            let DeValue::String(level) = value.get_ref() else {
                let message = format!("severity of `{rule}` must be a string");
                self.wrong_type(value, message, Some(expected.clone()));
                continue;
            };
            match Severity::parse(level) {
                Some(severity) => {
                    let span = self.span(key.span());
                    config
                        .rules
                        .severity
                        .push((rule.to_string(), severity, span));
                }
                None => {
                    let help = match did_you_mean(level, SEVERITIES.iter().copied()) {
                        Some(suggestion) => format!("did you mean `{suggestion}`?"),
                        None => expected.clone(),
                    };
                    let message = format!("invalid severity `{level}` for `{rule}`");
                    let diag = self.error(value.span(), message);
                    diag.help = Some(Text::from(help));
                }
            }
        }
        // The TOML map iterates in key order; keep the file's order instead.
        config.rules.severity.sort_by_key(|(_, _, span)| *span);
    }

    fn topology(&mut self, table: &DeTable<'_>, config: &mut Config) {
        self.check_keys(table, TOPOLOGY_KEYS, "in [topology]");
        let topology = &mut config.topology;
        for (key, target) in [
            ("zone-keys", &mut topology.zone_keys),
            ("region-keys", &mut topology.region_keys),
            ("host-keys", &mut topology.host_keys),
        ] {
            if let Some(value) = table.get(key) {
                *target = self
                    .strings(key, value)
                    .into_iter()
                    .map(|(item, _)| item)
                    .collect();
            }
        }
    }
}
