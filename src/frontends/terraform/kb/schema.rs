//! Reading knowledge-base files. The TOML tree is walked by hand, as for
//! `spof.toml`, so that every error points at its key or value and one bad
//! entry does not hide the problems of the others.

use super::{
    Check, Cond, Entry, FactRule, Inline, KbRole, Lit, Members, RULES_ERROR, ScaledMembers, Test,
    UnitKind,
};
use crate::diagnostic::{Diagnostic, Text};
use crate::parse::toml::{self, DeValue, Key, Table as DeTable, Value, did_you_mean, found, list};
use crate::source::{FileId, Span, TextRange};
use std::collections::BTreeMap;
use std::ops::Range;

/// `custom-resource` tables are the operator knowledge base's, which reads
/// the same files.
const TOP_LEVEL_KEYS: &[&str] = &[
    "config",
    "apply-time",
    "resource",
    "module",
    "custom-resource",
];
const ENTRY_KEYS: &[&str] = &[
    "role",
    "zonal",
    "one-zone",
    "placement",
    "replicated-by-count",
    "transparent",
    "members",
    "scaled-members",
    "check",
    "fact",
    "inline",
];
const INLINE_KEYS: &[&str] = &["attr", "module", "inherit", "when"];
const MEMBERS_KEYS: &[&str] = &["type", "attr"];
const SCALED_MEMBERS_KEYS: &[&str] = &["type", "attr", "minimum", "when"];
const FACT_KEYS: &[&str] = &["unit", "zonal", "when", "unless", "message", "help"];
const UNITS: &[&str] = &["zone", "instance"];
const CONDITION_KEYS: &[&str] = &[
    "attr",
    "is",
    "one-of",
    "not-one-of",
    "at-least",
    "length-at-least",
    "present",
    "default",
    "all",
    "any",
    "members-at-least",
    "estate-at-least",
];
const TESTS: &[&str] = &[
    "is",
    "one-of",
    "not-one-of",
    "at-least",
    "length-at-least",
    "present",
];
/// Nesting of `all`/`any` beyond which a file is rejected.
const MAX_DEPTH: usize = 16;

/// Type patterns of the top-level lists: exact names, or prefixes ending in
/// `*`.
#[derive(Debug, Default)]
pub(super) struct Patterns {
    /// `config`.
    pub config: Vec<String>,
    /// `apply-time`.
    pub apply_time: Vec<String>,
}

pub(super) type Read = (BTreeMap<String, Entry>, Patterns, Vec<Diagnostic>);

pub(super) fn read(text: &str, file: FileId) -> Read {
    let mut reader = Reader {
        file,
        diags: Vec::new(),
    };
    let mut entries = BTreeMap::new();
    let mut patterns = Patterns::default();
    match toml::parse(text) {
        Ok(root) => reader.document(root.get_ref(), &mut entries, &mut patterns),
        Err(err) => {
            let message = format!("invalid TOML: {}", err.message);
            reader.error(err.range, message).help =
                Some("knowledge-base files must be valid TOML (https://toml.io)".into());
        }
    }
    (entries, patterns, reader.diags)
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
        let diag = Diagnostic::error(RULES_ERROR, self.span(range), message);
        self.diags.push(diag);
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn unknown_key(&mut self, key: &Key<'_>, allowed: &[&str], context: &str) {
        let name = key.get_ref().as_ref();
        let help = toml::unknown_key_help(name, allowed);
        self.error(key.span(), format!("unknown key `{name}` {context}"))
            .help = Some(Text::from(help));
    }

    fn wrong_type(&mut self, value: &Value<'_>, message: String) {
        let label = found(value);
        self.error(value.span(), message).label = Some(Text::from(label));
    }

    /// Reports unknown keys; `false` when there was one.
    fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], context: &str) -> bool {
        let mut ok = true;
        for (key, _) in table.iter() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                self.unknown_key(key, allowed, context);
                ok = false;
            }
        }
        ok
    }

    fn table<'a, 'i>(&mut self, what: &str, value: &'a Value<'i>) -> Option<&'a DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                self.wrong_type(value, format!("{what} must be a table"));
                None
            }
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

    fn boolean(&mut self, key: &str, value: &Value<'_>) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(value, format!("`{key}` must be a boolean"));
                None
            }
        }
    }

    fn count(&mut self, key: &str, value: &Value<'_>) -> Option<usize> {
        let parsed = match value.get_ref() {
            DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix()).ok(),
            _ => {
                self.wrong_type(value, format!("`{key}` must be an integer"));
                return None;
            }
        };
        match parsed.and_then(|n| usize::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.error(
                    value.span(),
                    format!("`{key}` must be a non-negative integer"),
                );
                None
            }
        }
    }

    fn number(&mut self, key: &str, value: &Value<'_>) -> Option<f64> {
        match value.get_ref() {
            DeValue::Integer(int) => match i64::from_str_radix(int.as_str(), int.radix()) {
                Ok(n) => Some(n as f64),
                Err(_) => {
                    self.error(value.span(), format!("`{key}` is out of range"));
                    None
                }
            },
            DeValue::Float(f) => match f.as_str().parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    self.error(value.span(), format!("`{key}` must be a finite number"));
                    None
                }
            },
            _ => {
                self.wrong_type(value, format!("`{key}` must be a number"));
                None
            }
        }
    }

    fn strings(&mut self, key: &str, value: &Value<'_>) -> Option<Vec<String>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(value, format!("`{key}` must be an array of strings"));
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            match self.string(key, item) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn literal(&mut self, key: &str, value: &Value<'_>) -> Option<Lit> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Lit::Bool(*b)),
            DeValue::String(s) => Some(Lit::String(s.to_string())),
            DeValue::Integer(_) | DeValue::Float(_) => self.number(key, value).map(Lit::Number),
            _ => {
                self.wrong_type(
                    value,
                    format!("`{key}` must be a string, a number or a boolean"),
                );
                None
            }
        }
    }

    fn literals(&mut self, key: &str, value: &Value<'_>) -> Option<Vec<Lit>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(value, format!("`{key}` must be an array"));
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            match self.literal(key, item) {
                Some(l) => out.push(l),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn document(
        &mut self,
        root: &DeTable<'_>,
        entries: &mut BTreeMap<String, Entry>,
        patterns: &mut Patterns,
    ) {
        for (key, value) in root.iter() {
            match key.get_ref().as_ref() {
                "config" => {
                    if let Some(names) = self.strings("config", value) {
                        patterns.config.extend(names);
                    }
                }
                "apply-time" => {
                    if let Some(names) = self.strings("apply-time", value) {
                        patterns.apply_time.extend(names);
                    }
                }
                "resource" => {
                    let Some(table) = self.table("`resource`", value) else {
                        continue;
                    };
                    for (kind, value) in table.iter() {
                        let kind = kind.get_ref().as_ref();
                        let what = format!("`resource.{kind}`");
                        let Some(table) = self.table(&what, value) else {
                            continue;
                        };
                        if let Some(entry) = self.entry(kind, value.span(), table) {
                            entries.insert(kind.to_string(), entry);
                        }
                    }
                }
                "module" => {
                    let Some(table) = self.table("`module`", value) else {
                        continue;
                    };
                    for (address, value) in table.iter() {
                        let address = address.get_ref().as_ref();
                        let what = format!("`module.\"{address}\"`");
                        let Some(table) = self.table(&what, value) else {
                            continue;
                        };
                        let kind =
                            format!("{}{}", super::MODULE_PREFIX, address.to_ascii_lowercase());
                        if let Some(entry) = self.entry(&kind, value.span(), table) {
                            entries.insert(kind, entry);
                        }
                    }
                }
                "custom-resource" => {}
                _ => self.unknown_key(key, TOP_LEVEL_KEYS, "at the top level"),
            }
        }
    }

    fn entry(&mut self, kind: &str, span: Range<usize>, table: &DeTable<'_>) -> Option<Entry> {
        let before = self.diags.len();
        self.check_keys(table, ENTRY_KEYS, &format!("in `resource.{kind}`"));
        let mut role = None;
        let mut entry = Entry {
            role: KbRole::Config,
            zonal: false,
            one_zone: false,
            placement: Vec::new(),
            replicated_by_count: false,
            transparent: false,
            members: None,
            scaled_members: None,
            check: None,
            facts: Vec::new(),
            inline: Vec::new(),
        };
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "role" => {
                    let Some(name) = self.string("role", value) else {
                        continue;
                    };
                    role = KbRole::parse(&name);
                    if role.is_none() {
                        let help = match did_you_mean(&name, KbRole::NAMES.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("expected one of {}", list(KbRole::NAMES)),
                        };
                        self.error(value.span(), format!("unknown role `{name}`"))
                            .help = Some(Text::from(help));
                    }
                }
                "zonal" => entry.zonal = self.boolean("zonal", value).unwrap_or(false),
                "one-zone" => entry.one_zone = self.boolean("one-zone", value).unwrap_or(false),
                "transparent" => {
                    entry.transparent = self.boolean("transparent", value).unwrap_or(false);
                }
                "replicated-by-count" => {
                    entry.replicated_by_count =
                        self.boolean("replicated-by-count", value).unwrap_or(false);
                }
                "placement" => {
                    entry.placement = self.strings("placement", value).unwrap_or_default();
                }
                "members" => entry.members = self.members(kind, value),
                "scaled-members" => entry.scaled_members = self.scaled_members(kind, value),
                "check" => {
                    let Some(name) = self.string("check", value) else {
                        continue;
                    };
                    entry.check = Check::parse(&name);
                    if entry.check.is_none() {
                        let help = match did_you_mean(&name, Check::NAMES.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("the built-in checks are {}", list(Check::NAMES)),
                        };
                        self.error(value.span(), format!("unknown check `{name}`"))
                            .help = Some(Text::from(help));
                    }
                }
                "inline" => entry.inline = self.inline(kind, value),
                "fact" => {
                    let DeValue::Array(items) = value.get_ref() else {
                        self.wrong_type(
                            value,
                            format!(
                                "`fact` must be an array of tables: `[[resource.{kind}.fact]]`"
                            ),
                        );
                        continue;
                    };
                    for item in items.iter() {
                        if let Some(table) = self.table("each `fact`", item)
                            && let Some(fact) = self.fact(kind, item.span(), table)
                        {
                            entry.facts.push(fact);
                        }
                    }
                }
                _ => {}
            }
        }
        match role {
            Some(role) => entry.role = role,
            None if !table.iter().any(|(k, _)| k.get_ref().as_ref() == "role") => {
                self.error(span, format!("`resource.{kind}` has no `role`"))
                    .help = Some(Text::from(format!(
                    "add `role = \"…\"`, one of {}",
                    list(KbRole::NAMES)
                )));
            }
            None => {}
        }
        (self.diags.len() == before).then_some(entry)
    }

    /// `inline = [{ attr, module, inherit, when }]`, in a module entry.
    fn inline(&mut self, kind: &str, value: &Value<'_>) -> Vec<Inline> {
        if !kind.starts_with(super::MODULE_PREFIX) {
            self.error(value.span(), "`inline` is for module entries")
                .help = Some(Text::from(
                "write it in a `[module.\"…\"]` entry: it names arguments of a module call",
            ));
            return Vec::new();
        }
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(value, "`inline` must be an array of tables".to_string());
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            let Some(table) = self.table("each `inline`", item) else {
                continue;
            };
            self.check_keys(table, INLINE_KEYS, &format!("in `{kind}.inline`"));
            let (mut attr, mut module) = (None, None);
            let (mut inherit, mut when) = (Vec::new(), Vec::new());
            for (key, value) in table.iter() {
                match key.get_ref().as_ref() {
                    "attr" => attr = self.string("attr", value),
                    "module" => {
                        module = self
                            .string("module", value)
                            .map(|m| format!("{}{}", super::MODULE_PREFIX, m.to_ascii_lowercase()));
                    }
                    "inherit" => inherit = self.strings("inherit", value).unwrap_or_default(),
                    "when" => when = self.conditions("when", value, 0),
                    _ => {}
                }
            }
            if when.iter().any(counts_members) {
                self.error(
                    item.span(),
                    "`members-at-least` does not go in `inline.when`",
                );
                continue;
            }
            match (attr, module) {
                (Some(attr), Some(kind)) => out.push(Inline {
                    attr,
                    kind,
                    inherit,
                    when,
                }),
                _ => {
                    self.error(item.span(), "`inline` needs `attr` and `module`")
                        .help = Some(Text::from(
                        "for example `inline = [{ attr = \"node_groups\", module = \"acme/eks/aws//modules/node-group\", inherit = [\"subnet_ids\"] }]`",
                    ));
                }
            }
        }
        out
    }

    fn scaled_members(&mut self, kind: &str, value: &Value<'_>) -> Option<ScaledMembers> {
        let table = self.table("`scaled-members`", value)?;
        self.check_keys(
            table,
            SCALED_MEMBERS_KEYS,
            &format!("in `resource.{kind}.scaled-members`"),
        );
        let mut scaler_kind = None;
        let mut attr = None;
        let mut minimum = None;
        let mut when = Vec::new();
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "type" => scaler_kind = self.string("type", value),
                "attr" => attr = self.string("attr", value),
                "minimum" => minimum = self.string("minimum", value),
                "when" => {
                    when = self.conditions("when", value, 0);
                    // The scaler is judged on its own attributes: counting
                    // its members would look for scalers of the scaler.
                    if when.iter().any(counts_members) {
                        self.error(
                            value.span(),
                            "`members-at-least` does not go in `scaled-members.when`",
                        );
                    }
                }
                _ => {}
            }
        }
        match (scaler_kind, attr, minimum) {
            (Some(kind), Some(attr), Some(minimum)) => Some(ScaledMembers {
                kind,
                attr,
                minimum,
                when,
            }),
            _ => {
                self.error(
                    value.span(),
                    "`scaled-members` needs `type`, `attr` and `minimum`",
                )
                .help = Some(Text::from(
                    "for example `scaled-members = { type = \"aws_appautoscaling_target\", attr = \"resource_id\", minimum = \"min_capacity\" }`",
                ));
                None
            }
        }
    }

    fn members(&mut self, kind: &str, value: &Value<'_>) -> Option<Members> {
        let table = self.table("`members`", value)?;
        self.check_keys(
            table,
            MEMBERS_KEYS,
            &format!("in `resource.{kind}.members`"),
        );
        let mut member_kind = None;
        let mut attr = None;
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "type" => member_kind = self.string("type", value),
                "attr" => attr = self.string("attr", value),
                _ => {}
            }
        }
        match (member_kind, attr) {
            (Some(kind), Some(attr)) => Some(Members { kind, attr }),
            _ => {
                self.error(value.span(), "`members` needs `type` and `attr`")
                    .help = Some(Text::from(
                    "for example `members = { type = \"aws_rds_cluster_instance\", attr = \"cluster_identifier\" }`",
                ));
                None
            }
        }
    }

    fn fact(&mut self, kind: &str, span: Range<usize>, table: &DeTable<'_>) -> Option<FactRule> {
        self.check_keys(table, FACT_KEYS, &format!("in `resource.{kind}.fact`"));
        let mut unit = None;
        let mut zonal = None;
        let mut when = Vec::new();
        let mut unless = Vec::new();
        let mut message = None;
        let mut help = None;
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "unit" => {
                    let Some(name) = self.string("unit", value) else {
                        continue;
                    };
                    unit = match name.as_str() {
                        "zone" => Some(UnitKind::Zone),
                        "instance" => Some(UnitKind::Instance),
                        _ => {
                            let help = match did_you_mean(&name, UNITS.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!("expected one of {}", list(UNITS)),
                            };
                            self.error(value.span(), format!("unknown unit `{name}`"))
                                .help = Some(Text::from(help));
                            continue;
                        }
                    };
                }
                "zonal" => zonal = self.boolean("zonal", value),
                "when" => when = self.conditions("when", value, 0),
                "unless" => unless = self.conditions("unless", value, 0),
                "message" => message = self.string("message", value),
                "help" => help = self.string("help", value),
                _ => {}
            }
        }
        let missing: Vec<&str> = [
            ("unit", unit.is_none()),
            ("message", message.is_none()),
            ("help", help.is_none()),
        ]
        .iter()
        .filter(|(k, missing)| {
            *missing && !table.iter().any(|(key, _)| key.get_ref().as_ref() == *k)
        })
        .map(|(k, _)| *k)
        .collect();
        if !missing.is_empty() {
            self.error(
                span,
                format!("a fact of `resource.{kind}` needs {}", list(&missing)),
            );
        }
        Some(FactRule {
            unit: unit?,
            zonal,
            when,
            unless,
            message: message?,
            help: help?,
        })
    }

    fn conditions(&mut self, key: &str, value: &Value<'_>, depth: usize) -> Vec<Cond> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(
                value,
                format!("`{key}` must be an array of conditions (inline tables)"),
            );
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.condition(item, depth))
            .collect()
    }

    fn condition(&mut self, value: &Value<'_>, depth: usize) -> Option<Cond> {
        if depth > MAX_DEPTH {
            self.error(value.span(), "conditions are nested too deeply");
            return None;
        }
        let table = self.table("a condition", value)?;
        self.check_keys(table, CONDITION_KEYS, "in a condition");
        let get = |name: &str| {
            table
                .iter()
                .find(|(k, _)| k.get_ref().as_ref() == name)
                .map(|(_, v)| v)
        };
        let forms: Vec<&str> = ["attr", "all", "any", "members-at-least", "estate-at-least"]
            .into_iter()
            .filter(|k| get(k).is_some())
            .collect();
        if forms.len() != 1 {
            self.error(
                value.span(),
                if forms.is_empty() {
                    "a condition needs `attr`, `all`, `any`, `members-at-least` or `estate-at-least`".to_string()
                } else {
                    format!("a condition takes one of {}, not several", list(&forms))
                },
            );
            return None;
        }
        let only = |reader: &mut Self, allowed: &[&str], form: &str| {
            for (k, _) in table.iter() {
                let k_str = k.get_ref().as_ref();
                if CONDITION_KEYS.contains(&k_str) && !allowed.contains(&k_str) {
                    reader.error(k.span(), format!("`{k_str}` does not go with `{form}`"));
                }
            }
        };
        let form = forms[0];
        let v = get(form)?;
        match form {
            "all" | "any" => {
                only(self, &[form], form);
                let conds = self.conditions(form, v, depth + 1);
                Some(if form == "all" {
                    Cond::All(conds)
                } else {
                    Cond::Any(conds)
                })
            }
            "members-at-least" => {
                only(self, &[form], form);
                self.count(form, v).map(Cond::MembersAtLeast)
            }
            "estate-at-least" => {
                only(self, &[form], form);
                self.count(form, v).map(Cond::EstateAtLeast)
            }
            _ => {
                let path = self.string("attr", v)?;
                let tests: Vec<&str> = TESTS.iter().copied().filter(|k| get(k).is_some()).collect();
                if tests.len() != 1 {
                    self.error(
                        value.span(),
                        format!("a condition on `{path}` needs exactly one test"),
                    )
                    .help = Some(Text::from(format!("one of {}", list(TESTS))));
                    return None;
                }
                let test_key = tests[0];
                let tv = get(test_key)?;
                let test = match test_key {
                    "is" => Test::Is(self.literal("is", tv)?),
                    "one-of" => Test::OneOf(self.literals("one-of", tv)?),
                    "not-one-of" => Test::NotOneOf(self.literals("not-one-of", tv)?),
                    "at-least" => Test::AtLeast(self.number("at-least", tv)?),
                    "length-at-least" => Test::LengthAtLeast(self.count("length-at-least", tv)?),
                    _ => Test::Present(self.boolean("present", tv)?),
                };
                let default = match get("default") {
                    Some(d) if test_key == "present" => {
                        self.error(d.span(), "`default` does not go with `present`");
                        None
                    }
                    Some(d) => Some(self.literal("default", d)?),
                    None => None,
                };
                Some(Cond::Attr {
                    path,
                    test,
                    default,
                })
            }
        }
    }
}

/// Whether a condition counts members, at any depth.
fn counts_members(cond: &Cond) -> bool {
    match cond {
        Cond::MembersAtLeast(_) => true,
        Cond::All(conds) | Cond::Any(conds) => conds.iter().any(counts_members),
        Cond::Attr { .. } | Cond::EstateAtLeast(_) => false,
    }
}
