//! `[[accept]]` entries applied to a check: what they cover and what they
//! leave reported.

use super::{Loaded, Setup, check_sources};
use crate::config::{self, Accept};
use crate::date::Date;
use crate::diagnostic::Kind;
use crate::source::{SourceFile, SourceMap};
use std::path::PathBuf;

/// Two datacenters of one region; the database and its console only in
/// Pangyo, the API in both.
const ESTATE: &str = r#"[sites.pangyo]
region = "capital"

[sites.ansan]
region = "capital"

[services.talk-api]
sites = ["pangyo", "ansan"]
replicas = 4
depends_on = ["talk-db"]

[services.talk-db]
sites = ["pangyo"]
replicas = 2
role = "datastore"

[services.console]
sites = ["pangyo", "ansan"]
replicas = 2
"#;

/// `(rule code, entity id)` of findings.
type Pairs = Vec<(String, String)>;

/// The accepts of `spof_toml`, checked to be valid, added to `sources`.
fn accepts(sources: &mut SourceMap, spof_toml: &str) -> Vec<Accept> {
    let file = sources.add(SourceFile::new(PathBuf::from("spof.toml"), spof_toml));
    let (config, errors) = config::parse(spof_toml, file, PathBuf::from("/repo"));
    assert!(errors.is_empty(), "{errors:#?}");
    config.accepts
}

/// `(code, entity)` of the findings reported and of those accepted, each
/// sorted.
fn check(spof_toml: &str, today: &str) -> (Pairs, Pairs) {
    let mut sources = SourceMap::default();
    let accepts = accepts(&mut sources, spof_toml);
    let file = sources.add(SourceFile::new(PathBuf::from("estate.spof.toml"), ESTATE));
    let setup = Setup {
        accepts,
        today: Date::parse(today).expect("a date"),
        ..Setup::default()
    };
    let report = check_sources(
        sources,
        &[Loaded {
            file,
            cluster: None,
        }],
        &setup,
        Vec::new(),
    );
    let pair = |d: &crate::diagnostic::Diagnostic| {
        (d.code.to_string(), d.entity.clone().unwrap_or_default())
    };
    assert!(report.diagnostics.iter().all(|d| d.kind == Kind::Finding));
    assert_eq!(report.summary.accepted, report.accepted.len());
    let mut reported: Vec<_> = report.diagnostics.iter().map(pair).collect();
    let mut accepted: Vec<_> = report.accepted.iter().map(|(d, _)| pair(d)).collect();
    reported.sort();
    accepted.sort();
    (reported, accepted)
}

/// Sorted, as [`check`] returns them.
fn pairs(items: &[(&str, &str)]) -> Pairs {
    let mut out: Vec<_> = items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn without_entries_everything_is_reported() {
    let (reported, accepted) = check("", "2026-12-07");
    assert_eq!(
        reported,
        pairs(&[
            ("SPOF007", "manifest:talk-api"),
            ("SPOF021", ""),
            ("SPOF004", "manifest:talk-db"),
        ])
    );
    assert_eq!(accepted, []);
}

#[test]
fn a_level_accepts_the_one_region_and_leaves_the_zones() {
    let toml = "[[accept]]\nlevel = \"region\"\nreason = \"r\"\nowner = \"o\"\n";
    let (reported, accepted) = check(toml, "2026-12-07");
    assert_eq!(
        reported,
        pairs(&[
            ("SPOF007", "manifest:talk-api"),
            ("SPOF004", "manifest:talk-db")
        ])
    );
    assert_eq!(accepted, pairs(&[("SPOF021", "")]));
}

#[test]
fn a_domain_accepts_what_only_it_takes_down() {
    let toml = "[[accept]]\ndomain = \"zone:pangyo\"\nreason = \"r\"\nowner = \"o\"\n";
    let (reported, accepted) = check(toml, "2026-12-07");
    assert_eq!(reported, pairs(&[("SPOF021", "")]));
    assert_eq!(
        accepted,
        pairs(&[
            ("SPOF007", "manifest:talk-api"),
            ("SPOF004", "manifest:talk-db")
        ])
    );
    // Another zone's acceptance covers none of it.
    let toml = "[[accept]]\ndomain = \"zone:ansan\"\nreason = \"r\"\nowner = \"o\"\n";
    let (_, accepted) = check(toml, "2026-12-07");
    assert_eq!(accepted, []);
}

#[test]
fn an_entity_glob_accepts_that_entity_only() {
    let toml = "[[accept]]\nentity = \"manifest:talk-d*\"\nreason = \"r\"\nowner = \"o\"\n";
    let (reported, accepted) = check(toml, "2026-12-07");
    assert_eq!(
        reported,
        pairs(&[("SPOF007", "manifest:talk-api"), ("SPOF021", "")])
    );
    assert_eq!(accepted, pairs(&[("SPOF004", "manifest:talk-db")]));
}

#[test]
fn an_entry_applies_through_its_last_day_then_is_reported() {
    let toml =
        "[[accept]]\nlevel = \"region\"\nreason = \"r\"\nowner = \"o\"\nuntil = 2027-01-31\n";
    let (_, accepted) = check(toml, "2027-01-31");
    assert_eq!(accepted, pairs(&[("SPOF021", "")]));
    let (reported, accepted) = check(toml, "2027-02-01");
    assert_eq!(accepted, []);
    assert_eq!(
        reported,
        pairs(&[
            ("SPOF007", "manifest:talk-api"),
            ("SPOF021", ""),
            ("SPOF004", "manifest:talk-db"),
            ("SPOF016", ""),
        ])
    );
}
