//! The rule registry: one variant per rule, metadata from the catalog in
//! `rules/*.toml` (embedded at build time).

use crate::diagnostic::Severity;
use crate::model::Origin;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

macro_rules! rules {
    ($($variant:ident = $code:literal,)*) => {
        /// Every rule spof knows. The catalog must describe exactly these.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            pub fn code(self) -> &'static str {
                match self {
                    $(Rule::$variant => $code,)*
                }
            }
        }
    };
}

rules! {
    SingleReplica = "SPOF001",
    NoZoneSpread = "SPOF002",
    BestEffortZoneSpread = "SPOF003",
    PinnedToSingleDomain = "SPOF004",
    PinnedByZonalVolume = "SPOF005",
    QuorumNotZoneTolerant = "SPOF006",
    DependsOnSpof = "SPOF007",
    SingleZoneCluster = "SPOF008",
    MissingDisruptionBudget = "SPOF009",
    DisruptionBudgetBlocksEviction = "SPOF010",
    DisruptionBudgetAllowsFullOutage = "SPOF011",
    ServiceSelectsNothing = "SPOF012",
    UnknownDependency = "SPOF013",
    SuppressionWithoutReason = "SPOF014",
    UnusedSuppression = "SPOF015",
    ExpiredSuppression = "SPOF016",
    StaleBaselineEntry = "SPOF017",
    SingleZoneDatastore = "SPOF018",
    SingleZoneCompute = "SPOF019",
    NetworkSinglePoint = "SPOF020",
    SingleRegionEstate = "SPOF021",
    ModuleNotFollowed = "SPOF022",
    ToolHasSpof = "SPOF023",
    ToolSharesFate = "SPOF024",
    ToolKindInOneDomain = "SPOF025",
    RiskGroupShrank = "SPOF026",
    EvaluationLimitReached = "SPOF027",
    SinglePointOfRecovery = "SPOF028",
    AdmissionWebhookHasSpof = "SPOF029",
    AlertingPathSharesFate = "SPOF030",
    BackupSharesFate = "SPOF031",
}

/// Catalog files, in the order pages are listed.
const CATALOG_FILES: &[(&str, &str)] = &[
    ("placement.toml", include_str!("../../rules/placement.toml")),
    (
        "dependencies.toml",
        include_str!("../../rules/dependencies.toml"),
    ),
    (
        "disruption.toml",
        include_str!("../../rules/disruption.toml"),
    ),
    (
        "suppression.toml",
        include_str!("../../rules/suppression.toml"),
    ),
    ("baseline.toml", include_str!("../../rules/baseline.toml")),
    ("cloud.toml", include_str!("../../rules/cloud.toml")),
    ("recovery.toml", include_str!("../../rules/recovery.toml")),
    ("restart.toml", include_str!("../../rules/restart.toml")),
    ("incident.toml", include_str!("../../rules/incident.toml")),
    ("diff.toml", include_str!("../../rules/diff.toml")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// `trigger` (must produce at least one finding of the rule) or `clean`
    /// (must produce none).
    pub expect: String,
    /// File name the example is checked as.
    pub file: String,
    pub content: String,
    /// Optional spof.toml for the example.
    #[serde(default)]
    pub config: Option<String>,
    /// Optional baseline (as `spof check --write-baseline` writes it) the
    /// example is checked with, as `--baseline`.
    #[serde(default)]
    pub baseline: Option<String>,
    /// Optional content of `file` at the `--diff-base` revision: the
    /// example is then checked as `spof check --diff-base` would report
    /// the change from `base` to `content`.
    #[serde(default)]
    pub base: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    pub rationale: String,
    pub remediation: String,
    /// The help of its findings, where it depends on the format the entity
    /// was declared in.
    #[serde(default)]
    pub help: Option<Help>,
    #[serde(default, rename = "example")]
    pub examples: Vec<Example>,
    /// The `[family]` of the rule's catalog file.
    #[serde(skip)]
    pub family: Family,
}

/// `[rule.help]`: a finding's help, by the format its entity was declared in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Help {
    /// For an entity of any origin `by-origin` does not name.
    pub default: String,
    #[serde(default, rename = "by-origin")]
    pub by_origin: BTreeMap<Origin, String>,
}

impl Help {
    /// The help for an entity of `origin`.
    pub fn of(&self, origin: Origin) -> &str {
        self.by_origin
            .get(&origin)
            .map_or(self.default.as_str(), String::as_str)
    }
}

/// A family of rules: one catalog file, `rules/<name>.toml`, and the code
/// that emits them, `src/rules/<name>.rs`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Family {
    pub name: String,
    /// Whether the family's findings are single points of failure, rather
    /// than remarks on spof's own bookkeeping (suppressions, baselines).
    pub single_point_of_failure: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    family: Family,
    rule: Vec<Meta>,
}

/// The catalog, parsed once. Every [`Rule`] has exactly one entry, checked
/// by a test; a rule missing from it would be a build defect.
pub fn catalog() -> &'static [(Rule, Meta)] {
    static CATALOG: OnceLock<Vec<(Rule, Meta)>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut out = Vec::new();
        for (name, text) in CATALOG_FILES {
            let file: CatalogFile = match toml::from_str(text) {
                Ok(file) => file,
                Err(e) => panic!("rules/{name} is invalid: {e}"),
            };
            for mut meta in file.rule {
                if let Some(rule) = Rule::ALL.iter().find(|r| r.code() == meta.code) {
                    meta.family = file.family.clone();
                    out.push((*rule, meta));
                }
            }
        }
        out.sort_by_key(|(rule, _)| *rule);
        out
    })
}

impl Rule {
    pub fn meta(self) -> &'static Meta {
        catalog()
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, m)| m)
            .unwrap_or_else(|| panic!("rule {} missing from the catalog", self.code()))
    }

    pub fn name(self) -> &'static str {
        &self.meta().name
    }

    /// Finds a rule by code (`SPOF001`, any case) or name (`single-replica`).
    pub fn lookup(text: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(text) || r.name() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_describes_every_rule_once() {
        let codes: Vec<&str> = catalog().iter().map(|(_, m)| m.code.as_str()).collect();
        let expected: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes, expected);
        for (_, text) in CATALOG_FILES {
            let file: CatalogFile = toml::from_str(text).unwrap();
            for meta in file.rule {
                assert!(
                    Rule::lookup(&meta.code).is_some(),
                    "{} has no rule",
                    meta.code
                );
            }
        }
    }

    #[test]
    fn families_are_named_after_their_files() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for (name, text) in CATALOG_FILES {
            let file: CatalogFile = toml::from_str(text).unwrap();
            let family = &file.family.name;
            assert_eq!(format!("{family}.toml"), *name);
            let code = root.join("src/rules").join(format!("{family}.rs"));
            assert!(code.is_file(), "rules/{name}: no {}", code.display());
        }
    }

    #[test]
    fn zone_spread_help_is_in_the_words_of_the_format() {
        for rule in [Rule::NoZoneSpread, Rule::BestEffortZoneSpread] {
            let help = rule.meta().help.as_ref().expect("a help table");
            assert!(help.of(Origin::Kubernetes).contains("DoNotSchedule"));
            assert!(help.of(Origin::Nomad).starts_with("add `constraint {"));
            assert_eq!(help.of(Origin::Compose), help.of(Origin::Stack));
            assert!(help.of(Origin::Stack).starts_with("swarm cannot"));
        }
    }

    #[test]
    fn names_read_as_the_problem() {
        for (rule, meta) in catalog() {
            assert!(
                meta.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{}: names are kebab-case",
                rule.code()
            );
            assert!(
                !meta.summary.ends_with('.'),
                "{}: summary ends without a period",
                rule.code()
            );
            assert!(
                meta.examples.iter().any(|e| e.expect == "trigger")
                    && meta.examples.iter().any(|e| e.expect == "clean"),
                "{}: needs a trigger and a clean example",
                rule.code()
            );
        }
    }
}
