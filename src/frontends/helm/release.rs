//! A Helm release as the release readers declare it and the Helm frontend
//! renders it: the chart, the values' layers, where it is declared. Types
//! and path rules only, below every file that reads or renders releases.

use crate::diagnostic::Diagnostic;
use crate::parse::tree::Node;
use crate::source::{FileId, Span};
use std::path::{Component, Path, PathBuf};

/// One release of a chart: the values it is rendered with, where it goes,
/// and where it is declared.
#[derive(Debug, Clone)]
pub struct Release {
    pub chart: ChartRef,
    /// `.Release.Name`.
    pub name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// Its values, the lowest precedence first (Helm's `-f` order, then
    /// inline values, then `--set`-style parameters).
    pub layers: Vec<Layer>,
    /// The configured cluster it is deployed to, if known.
    pub cluster: Option<usize>,
    /// Where it is declared: its name in the declaring file.
    pub declared: Span,
    /// What declares it, in words (`Argo CD Application`).
    pub by: &'static str,
    /// Why it cannot be rendered faithfully, if it cannot (a values file
    /// from another repository, a parameter with a list index): it is then
    /// reported and not rendered.
    pub unreadable: Option<(Span, String)>,
}

/// Where a release's chart is.
#[derive(Debug, Clone)]
pub enum ChartRef {
    /// This directory (absolute, lexically normalised).
    Exact(PathBuf),
    /// A path relative to the repository's root, which is not known: the
    /// first directory at or above `from` that holds a chart of the run at
    /// `path` (an Argo CD source `path`, a Flux `GitRepository` chart path).
    Search { from: PathBuf, path: String },
}

/// One source of values.
#[derive(Debug, Clone)]
pub enum Layer {
    /// A values file (absolute, lexically normalised), named at `named`.
    File { path: PathBuf, named: Span },
    /// A values file relative to the chart's directory (Argo CD's
    /// `valueFiles`).
    ChartFile { path: String, named: Span },
    /// Values written in a file of the run, with their positions there.
    Tree(FileId, Node),
    /// Values whose positions are not known (a block of text that is not a
    /// literal block), only applied.
    Loose(Node),
}

/// What the documents frontend hands to the Helm frontend.
#[derive(Debug, Default)]
pub struct Found {
    pub releases: Vec<Release>,
    /// Notes about declarations that are not read (a chart from a Helm
    /// repository is not one of the run's charts, and says nothing).
    pub notes: Vec<Diagnostic>,
}

/// The directory `path` names, absolute and lexically normalised.
pub fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    crate::discover::lexical_normalize(&abs)
}

/// Whether a path written in a release (`charts/shop`, `values-prod.yaml`)
/// stays where it is written: relative, without `..` leaving its base.
pub fn stays_below(path: &str) -> bool {
    let p = Path::new(path);
    let mut depth = 0usize;
    for c in p.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            _ => return false,
        }
    }
    true
}
