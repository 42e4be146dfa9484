//! Which directories are clusters.
//!
//! 1. A directory directly below one named `clusters`, `environments`,
//!    `envs`, `overlays` or `sites` (at any depth) is a cluster:
//!    `deploy/clusters/prod/` is `prod`.
//! 2. Only when no such directory holds manifests, a top-level directory is
//!    a cluster when it holds Node objects, or when it declares a workload
//!    or Service (same kind, namespace and name) that another top-level
//!    directory declares too: one copy of the estate per cluster.
//!
//! Directories named like shared parts (`base`, `common`, `charts`, ...)
//! are never clusters.

use super::scan::Manifest;
use std::collections::{BTreeMap, BTreeSet};

/// Directory names whose children are clusters.
pub const CONTAINERS: &[&str] = &["clusters", "environments", "envs", "overlays", "sites"];

/// Containers whose children are environments: `overlays/staging/`.
pub const ENVIRONMENT_CONTAINERS: &[&str] = &["environments", "envs", "overlays"];

/// Words that name an environment in a cluster's directory name
/// (`clusters/prod-eu-west-1/`).
pub const ENVIRONMENT_WORDS: &[&str] = &[
    "prod",
    "production",
    "prd",
    "live",
    "preprod",
    "staging",
    "stage",
    "stg",
    "uat",
    "qa",
    "test",
    "dev",
    "development",
    "sandbox",
    "demo",
];

/// Directory names that hold shared or non-deployed manifests.
pub const NOT_CLUSTERS: &[&str] = &[
    "base",
    "bases",
    "charts",
    "common",
    "components",
    "crds",
    "docs",
    "example",
    "examples",
    "lib",
    "modules",
    "shared",
    "templates",
    "test",
    "testdata",
    "tests",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Unique among the candidates.
    pub name: String,
    /// Directory components, relative to the scanned directory.
    pub dir: Vec<String>,
    /// Why it is a cluster, for the comment above it.
    pub reason: String,
    /// The environment its directory names, and how.
    pub environment: Option<(String, String)>,
}

impl Candidate {
    /// `clusters/prod`.
    pub fn dir_path(&self) -> String {
        self.dir.join("/")
    }

    /// The `paths` glob: the directory and everything below it, glob
    /// characters in its name escaped.
    pub fn glob(&self) -> String {
        let mut out = String::new();
        for part in &self.dir {
            out.push_str(&escape_glob(part));
            out.push('/');
        }
        out.push_str("**");
        out
    }
}

/// The candidate clusters, in path order, and the candidate (index) each
/// manifest belongs to.
pub fn candidates(manifests: &[Manifest]) -> (Vec<Candidate>, Vec<Option<usize>>) {
    let named: Vec<Option<Vec<String>>> = manifests
        .iter()
        .map(|m| m.dirs.as_deref().and_then(named_root))
        .collect();
    let (roots, reasons) = if named.iter().any(Option::is_some) {
        let reasons: BTreeMap<Vec<String>, String> = named
            .iter()
            .flatten()
            .map(|dir| {
                let container = dir.get(dir.len().saturating_sub(2)).map_or("", |s| s);
                (dir.clone(), format!("a directory under `{container}/`"))
            })
            .collect();
        (named, reasons)
    } else {
        top_level(manifests)
    };
    let mut dirs: Vec<&Vec<String>> = reasons.keys().collect();
    dirs.sort();
    let names = unique_names(&dirs);
    let list: Vec<Candidate> = dirs
        .iter()
        .zip(names)
        .map(|(dir, name)| Candidate {
            name,
            dir: (*dir).clone(),
            reason: reasons.get(*dir).cloned().unwrap_or_default(),
            environment: environment_of(dir),
        })
        .collect();
    let membership = roots
        .iter()
        .map(|root| {
            root.as_ref()
                .and_then(|r| list.iter().position(|c| &c.dir == r))
        })
        .collect();
    (list, membership)
}

/// The environment a cluster's directory names, with how: each directory
/// under `overlays/`, `envs/` or `environments/` is one (`overlays/staging`);
/// under `clusters/`, a name made of an environment word and more
/// (`clusters/prod-eu-west-1`, `clusters/eu_staging`). A bare
/// `clusters/prod` names none: it may be one of several copies of one
/// environment (`prod` and `dr`).
fn environment_of(dir: &[String]) -> Option<(String, String)> {
    let [.., container, name] = dir else {
        return None;
    };
    let found = if is_one_of(container, ENVIRONMENT_CONTAINERS) {
        Some((
            name.clone(),
            format!("the directory's name, under `{container}/`"),
        ))
    } else if container.eq_ignore_ascii_case("clusters") {
        let words: Vec<&str> = name.split(['-', '_']).collect();
        match words.as_slice() {
            [first, _, ..] if is_one_of(first, ENVIRONMENT_WORDS) => Some((
                first.to_ascii_lowercase(),
                format!("the first word of `{name}`"),
            )),
            [.., _, last] if is_one_of(last, ENVIRONMENT_WORDS) => Some((
                last.to_ascii_lowercase(),
                format!("the last word of `{name}`"),
            )),
            _ => None,
        }
    } else {
        None
    };
    found.filter(|(env, _)| crate::config::is_environment_name(env))
}

/// Rule 1: the outermost `<container>/<name>` in a file's directories.
fn named_root(dirs: &[String]) -> Option<Vec<String>> {
    let at = dirs
        .windows(2)
        .position(|pair| is_one_of(&pair[0], CONTAINERS) && !is_one_of(&pair[1], NOT_CLUSTERS))?;
    Some(dirs[..at + 2].to_vec())
}

fn is_one_of(name: &str, list: &[&str]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

type Roots = (Vec<Option<Vec<String>>>, BTreeMap<Vec<String>, String>);

/// Rule 2: top-level directories with Nodes or shared objects.
fn top_level(manifests: &[Manifest]) -> Roots {
    let top = |m: &Manifest| m.dirs.as_ref().and_then(|d| d.first()).cloned();
    let mut declared: BTreeMap<&(String, String, String), BTreeSet<String>> = BTreeMap::new();
    let mut with_nodes = BTreeSet::new();
    for m in manifests {
        let Some(dir) = top(m) else { continue };
        if m.has_nodes {
            with_nodes.insert(dir.clone());
        }
        for identity in &m.identities {
            declared.entry(identity).or_default().insert(dir.clone());
        }
    }
    let mut reasons: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for dir in &with_nodes {
        if !is_one_of(dir, NOT_CLUSTERS) {
            reasons.insert(
                vec![dir.clone()],
                "a top-level directory with Node objects".into(),
            );
        }
    }
    for ((kind, namespace, name), dirs) in &declared {
        if dirs.len() < 2 {
            continue;
        }
        for dir in dirs.iter().filter(|d| !is_one_of(d, NOT_CLUSTERS)) {
            let others: Vec<String> = dirs
                .iter()
                .filter(|d| *d != dir)
                .map(|d| format!("`{d}/`"))
                .collect();
            reasons.entry(vec![dir.clone()]).or_insert_with(|| {
                let verb = if others.len() == 1 { "does" } else { "do" };
                format!(
                    "a top-level directory declaring {kind} {namespace}/{name}, as {} {verb}",
                    others.join(" and ")
                )
            });
        }
    }
    let roots = manifests
        .iter()
        .map(|m| top(m).map(|d| vec![d]).filter(|d| reasons.contains_key(d)))
        .collect();
    (roots, reasons)
}

/// The last directory name, or the whole path joined with `-` when two
/// candidates share a last name; a number settles what is left.
fn unique_names(dirs: &[&Vec<String>]) -> Vec<String> {
    let last = |d: &Vec<String>| d.last().cloned().unwrap_or_default();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for dir in dirs {
        *count.entry(last(dir)).or_default() += 1;
    }
    let mut taken = BTreeSet::new();
    let mut out = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let base = if count.get(&last(dir)).copied().unwrap_or(0) > 1 {
            dir.join("-")
        } else {
            last(dir)
        };
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

/// Escapes the characters globset gives a meaning to, as one-character
/// classes: `a*b` → `a[*]b`.
fn escape_glob(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        match c {
            '*' | '?' | '[' | ']' | '{' | '}' | '\\' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}
