//! Reading the `[custom-resource."group/Kind"]` tables of knowledge-base
//! files. The TOML tree is walked by hand, as for `spof.toml` and the
//! provider knowledge base, so that every error points at its key or value
//! and one bad entry does not hide the problems of the others.

use super::{
    Aggregate, AntiAffinity, Condition, Lit, OperatorKind, OperatorRole, Parent, Path, Required,
    Scales, Test,
};
use crate::diagnostic::{Diagnostic, Text};
use crate::parse::toml::{self, DeValue, Table, Value, found, list};
use crate::source::{FileId, Span, TextRange};
use std::collections::BTreeMap;
use std::ops::Range;

/// The error code of the provider knowledge base's files, which these are.
const RULES_ERROR: &str = "rules-error";

/// The top-level table this reader takes; the others are the provider
/// knowledge base's.
pub(super) const TOP_LEVEL: &str = "custom-resource";

const ENTRY_KEYS: &[&str] = &[
    "role",
    "product",
    "replicas",
    "default-replicas",
    "aggregate",
    "template",
    "pod-spec",
    "anti-affinity",
    "spread-at",
    "spread-help",
    "quorum",
    "pod-labels",
    "services",
    "scales",
    "parent",
    "backup-endpoints",
    "backup-regions",
];
const ANTI_AFFINITY_KEYS: &[&str] = &["key", "default", "required", "enabled", "from-parent"];
const PARENT_KEYS: &[&str] = &["label", "kind"];
const CONDITION_KEYS: &[&str] = &["path", "is", "present", "default"];
const SCALES_KEYS: &[&str] = &["target", "default-kind", "minimum", "default"];
const AGGREGATES: &[&str] = &["sum", "min"];

type Kinds = BTreeMap<(String, String), OperatorKind>;

pub(super) fn read(text: &str, file: FileId) -> (Kinds, Vec<Diagnostic>) {
    let mut reader = Reader {
        file,
        diags: Vec::new(),
    };
    let mut kinds = BTreeMap::new();
    // A syntax error is the provider knowledge base's to report.
    if let Ok(root) = toml::parse(text) {
        for (key, value) in root.get_ref().iter() {
            if key.get_ref().as_ref() != TOP_LEVEL {
                continue;
            }
            let Some(table) = reader.table("`custom-resource`", value) else {
                continue;
            };
            for (name, value) in table.iter() {
                let name_text = name.get_ref().as_ref();
                let Some((group, kind)) = name_text
                    .split_once('/')
                    .filter(|(g, k)| g.contains('.') && !k.is_empty() && !k.contains('/'))
                else {
                    reader
                        .error(name.span(), format!("`{name_text}` is not `group/Kind`"))
                        .help = Some(Text::from(
                        "name the kind by its API group and kind: `[custom-resource.\"postgresql.cnpg.io/Cluster\"]`",
                    ));
                    continue;
                };
                let what = format!("`custom-resource.\"{name_text}\"`");
                let Some(entry_table) = reader.table(&what, value) else {
                    continue;
                };
                if let Some(entry) = reader.entry(&what, value.span(), entry_table) {
                    kinds.insert((group.to_string(), kind.to_string()), entry);
                }
            }
        }
    }
    (kinds, reader.diags)
}

struct Reader {
    file: FileId,
    diags: Vec<Diagnostic>,
}

impl Reader {
    fn error(&mut self, range: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        let span = Span::new(self.file, TextRange::new(range.start, range.end));
        self.diags
            .push(Diagnostic::error(RULES_ERROR, span, message));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn wrong_type(&mut self, value: &Value<'_>, message: String) {
        let label = found(value);
        self.error(value.span(), message).label = Some(Text::from(label));
    }

    fn check_keys(&mut self, table: &Table<'_>, allowed: &[&str], context: &str) {
        for (key, _) in table.iter() {
            let name = key.get_ref().as_ref();
            if !allowed.contains(&name) {
                let help = toml::unknown_key_help(name, allowed);
                self.error(key.span(), format!("unknown key `{name}` {context}"))
                    .help = Some(Text::from(help));
            }
        }
    }

    fn table<'a, 'i>(&mut self, what: &str, value: &'a Value<'i>) -> Option<&'a Table<'i>> {
        if let DeValue::Table(table) = value.get_ref() {
            Some(table)
        } else {
            self.wrong_type(value, format!("{what} must be a table"));
            None
        }
    }

    fn string(&mut self, key: &str, value: &Value<'_>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) if s.is_empty() => {
                self.error(value.span(), format!("`{key}` must not be empty"));
                None
            }
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(value, format!("`{key}` must be a string"));
                None
            }
        }
    }

    fn count(&mut self, key: &str, value: &Value<'_>) -> Option<u32> {
        let DeValue::Integer(int) = value.get_ref() else {
            self.wrong_type(value, format!("`{key}` must be an integer"));
            return None;
        };
        let parsed = i64::from_str_radix(int.as_str(), int.radix()).ok();
        let counted = parsed.and_then(|n| u32::try_from(n).ok());
        if counted.is_none() {
            self.error(
                value.span(),
                format!("`{key}` must be a whole number from 0 to 4294967295"),
            );
        }
        counted
    }

    fn boolean(&mut self, key: &str, value: &Value<'_>) -> Option<bool> {
        if let DeValue::Boolean(b) = value.get_ref() {
            Some(*b)
        } else {
            self.wrong_type(value, format!("`{key}` must be a boolean"));
            None
        }
    }

    fn literal(&mut self, key: &str, value: &Value<'_>) -> Option<Lit> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Lit::Bool(*b)),
            DeValue::String(s) => Some(Lit::String(s.to_string())),
            DeValue::Integer(int) => match i64::from_str_radix(int.as_str(), int.radix()) {
                Ok(n) => Some(Lit::Int(n)),
                Err(_) => {
                    self.error(value.span(), format!("`{key}` is out of range"));
                    None
                }
            },
            _ => {
                self.wrong_type(
                    value,
                    format!("`{key}` must be a string, an integer or a boolean"),
                );
                None
            }
        }
    }

    fn path(&mut self, key: &str, value: &Value<'_>) -> Option<Path> {
        let text = self.string(key, value)?;
        let path = Path::parse(&text);
        if path.is_none() {
            self.error(value.span(), format!("`{key}` is not a path: `{text}`"))
                .help = Some(Text::from(
                "write keys separated by dots, a key holding dots in double quotes: `spec.template.metadata.annotations.\"example.com/key\"`",
            ));
        }
        path
    }

    /// A path, or an array of them.
    fn paths(&mut self, key: &str, value: &Value<'_>) -> Vec<Path> {
        match value.get_ref() {
            DeValue::Array(items) => items.iter().filter_map(|i| self.path(key, i)).collect(),
            DeValue::String(_) => self.path(key, value).into_iter().collect(),
            _ => {
                self.wrong_type(
                    value,
                    format!("`{key}` must be a path or an array of paths"),
                );
                Vec::new()
            }
        }
    }

    fn strings(&mut self, key: &str, value: &Value<'_>) -> Vec<String> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(value, format!("`{key}` must be an array of strings"));
            return Vec::new();
        };
        items.iter().filter_map(|i| self.string(key, i)).collect()
    }

    fn entry(&mut self, what: &str, span: Range<usize>, table: &Table<'_>) -> Option<OperatorKind> {
        let before = self.diags.len();
        self.check_keys(table, ENTRY_KEYS, &format!("in {what}"));
        let mut role = None;
        let mut product = None;
        let mut entry = OperatorKind {
            role: OperatorRole::Workload,
            product: String::new(),
            replicas: Vec::new(),
            default_replicas: None,
            aggregate: Aggregate::Sum,
            template: None,
            pod_specs: Vec::new(),
            anti_affinity: Vec::new(),
            spread_at: Vec::new(),
            spread_help: None,
            quorum: false,
            pod_labels: BTreeMap::new(),
            services: Vec::new(),
            scales: None,
            parent: None,
            backup_endpoints: Vec::new(),
            backup_regions: Vec::new(),
        };
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "role" => role = self.role(value),
                "product" => product = self.string("product", value),
                "replicas" => entry.replicas = self.paths("replicas", value),
                "default-replicas" => {
                    entry.default_replicas = self.count("default-replicas", value);
                }
                "aggregate" => {
                    entry.aggregate = match self.string("aggregate", value).as_deref() {
                        Some("min") => Aggregate::Min,
                        Some("sum") | None => Aggregate::Sum,
                        Some(other) => {
                            self.error(value.span(), format!("unknown aggregate `{other}`"))
                                .help =
                                Some(Text::from(format!("expected one of {}", list(AGGREGATES))));
                            Aggregate::Sum
                        }
                    };
                }
                "template" => entry.template = self.path("template", value),
                "pod-spec" => entry.pod_specs = self.paths("pod-spec", value),
                "anti-affinity" => entry.anti_affinity = self.anti_affinities(value),
                "spread-at" => entry.spread_at = self.paths("spread-at", value),
                "spread-help" => entry.spread_help = self.string("spread-help", value),
                "quorum" => entry.quorum = self.boolean("quorum", value).unwrap_or(false),
                "pod-labels" => entry.pod_labels = self.labels(value),
                "services" => entry.services = self.strings("services", value),
                "scales" => entry.scales = self.scales(value),
                "parent" => entry.parent = self.parent(value),
                "backup-endpoints" => {
                    entry.backup_endpoints = self.paths("backup-endpoints", value);
                }
                "backup-regions" => entry.backup_regions = self.paths("backup-regions", value),
                _ => {}
            }
        }
        match (role, product) {
            (Some(role), Some(product)) => {
                entry.role = role;
                entry.product = product;
            }
            _ => {
                let missing: Vec<&str> = ["role", "product"]
                    .into_iter()
                    .filter(|k| !table.iter().any(|(key, _)| key.get_ref().as_ref() == *k))
                    .collect();
                if !missing.is_empty() {
                    self.error(span.clone(), format!("{what} needs {}", list(&missing)));
                }
            }
        }
        let scaler = entry.role == OperatorRole::Autoscaler;
        if entry.scales.is_some() && !scaler {
            self.error(
                span,
                format!("{what} has `scales` but its role is not `autoscaler`"),
            );
        } else if scaler && (!entry.replicas.is_empty() || entry.template.is_some()) {
            self.error(
                span,
                format!("{what} is an autoscaler: it has no `replicas` or `template` of its own"),
            );
        }
        (self.diags.len() == before).then_some(entry)
    }

    fn role(&mut self, value: &Value<'_>) -> Option<OperatorRole> {
        let name = self.string("role", value)?;
        let role = OperatorRole::parse(&name);
        if role.is_none() {
            let help = toml::unknown_key_help(&name, OperatorRole::NAMES);
            self.error(value.span(), format!("unknown role `{name}`"))
                .help = Some(Text::from(help));
        }
        role
    }

    fn labels(&mut self, value: &Value<'_>) -> BTreeMap<String, String> {
        let Some(table) = self.table("`pod-labels`", value) else {
            return BTreeMap::new();
        };
        table
            .iter()
            .filter_map(|(k, v)| {
                let key = k.get_ref().as_ref().to_string();
                Some((key.clone(), self.string(&key, v)?))
            })
            .collect()
    }

    fn anti_affinities(&mut self, value: &Value<'_>) -> Vec<AntiAffinity> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(value, "`anti-affinity` must be an array of tables".into());
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            let Some(table) = self.table("each `anti-affinity`", item) else {
                continue;
            };
            self.check_keys(table, ANTI_AFFINITY_KEYS, "in an `anti-affinity`");
            let mut key = None;
            let mut anti = AntiAffinity {
                key: Path(Vec::new()),
                default: None,
                required: Required::Always,
                enabled: None,
                from_parent: false,
            };
            for (k, v) in table.iter() {
                match k.get_ref().as_ref() {
                    "key" => key = self.path("key", v),
                    "default" => anti.default = self.string("default", v),
                    "required" => match v.get_ref() {
                        DeValue::Boolean(true) => anti.required = Required::Always,
                        DeValue::Boolean(false) => anti.required = Required::Never,
                        _ => {
                            if let Some(c) = self.condition("required", v) {
                                anti.required = Required::When(c);
                            }
                        }
                    },
                    "enabled" => anti.enabled = self.condition("enabled", v),
                    "from-parent" => {
                        anti.from_parent = self.boolean("from-parent", v).unwrap_or(false);
                    }
                    _ => {}
                }
            }
            match key {
                Some(key) => {
                    anti.key = key;
                    out.push(anti);
                }
                None if !table.iter().any(|(k, _)| k.get_ref().as_ref() == "key") => {
                    self.error(item.span(), "an `anti-affinity` needs `key`");
                }
                None => {}
            }
        }
        out
    }

    fn parent(&mut self, value: &Value<'_>) -> Option<Parent> {
        let table = self.table("`parent`", value)?;
        self.check_keys(table, PARENT_KEYS, "in `parent`");
        let get = |name: &str| table.iter().find(|(k, _)| k.get_ref().as_ref() == name);
        let (Some((_, label)), Some((_, kind))) = (get("label"), get("kind")) else {
            self.error(value.span(), "`parent` needs `label` and `kind`");
            return None;
        };
        Some(Parent {
            label: self.string("label", label)?,
            kind: self.string("kind", kind)?,
        })
    }

    fn condition(&mut self, what: &str, value: &Value<'_>) -> Option<Condition> {
        let table = self.table(&format!("`{what}`"), value)?;
        self.check_keys(table, CONDITION_KEYS, &format!("in `{what}`"));
        let get = |name: &str| table.iter().find(|(k, _)| k.get_ref().as_ref() == name);
        let (path, test) = match (get("path"), get("is"), get("present")) {
            (Some((_, path)), Some((_, is)), None) => (
                self.path("path", path),
                self.literal("is", is).map(Test::Is),
            ),
            (Some((_, path)), None, Some((_, present))) => (
                self.path("path", path),
                self.boolean("present", present).map(Test::Present),
            ),
            _ => {
                self.error(
                    value.span(),
                    format!("`{what}` needs `path`, and `is` or `present`"),
                );
                return None;
            }
        };
        let default = match get("default") {
            Some((_, d)) => Some(self.literal("default", d)?),
            None => None,
        };
        Some(Condition {
            path: path?,
            test: test?,
            default,
        })
    }

    fn scales(&mut self, value: &Value<'_>) -> Option<Scales> {
        let table = self.table("`scales`", value)?;
        self.check_keys(table, SCALES_KEYS, "in `scales`");
        let mut target = None;
        let mut default_kind = None;
        let mut minimum = Vec::new();
        let mut default_minimum = None;
        for (k, v) in table.iter() {
            match k.get_ref().as_ref() {
                "target" => target = self.path("target", v),
                "default-kind" => default_kind = self.string("default-kind", v),
                "minimum" => minimum = self.paths("minimum", v),
                "default" => default_minimum = self.count("default", v),
                _ => {}
            }
        }
        match (target, default_kind, default_minimum) {
            (Some(target), Some(default_kind), Some(default_minimum)) if !minimum.is_empty() => {
                Some(Scales {
                    target,
                    default_kind,
                    minimum,
                    default_minimum,
                })
            }
            _ => {
                self.error(
                    value.span(),
                    "`scales` needs `target`, `default-kind`, `minimum` and `default`",
                )
                .help = Some(Text::from(
                    "for example `scales = { target = \"spec.scaleTargetRef\", default-kind = \"Deployment\", minimum = \"spec.minReplicaCount\", default = 0 }`",
                ));
                None
            }
        }
    }
}
