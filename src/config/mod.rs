//! Config stage: reads `spof.toml`, which says which files belong to which
//! cluster, where each cluster lives, which node labels name failure domains,
//! and how rules are selected.
//!
//! Every key is kebab-case with one spelling. Every problem is a
//! `config-error` diagnostic at the offending key or value; the rest of the
//! file is still used, so one typo does not hide the other errors.

mod schema;

use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::{self, lexical_normalize};
use crate::frontends::helm::releases::{self, Release};
use crate::frontends::terraform::Environment as TfEnvironment;
use crate::model::{Acceptance, Domain, Level};
use crate::source::{FileId, SourceFile, SourceMap, Span, TextRange};
use globset::GlobSet;
use std::path::{Path, PathBuf};

pub use crate::discover::CONFIG_FILE_NAME;
/// Code of every diagnostic this stage emits.
pub const CONFIG_ERROR: &str = "config-error";
pub const DEFAULT_MIN_REPLICAS: u32 = 2;
/// A configuration file larger than this is a mistake, not a configuration.
const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Config {
    /// In file order; a file belongs to the first cluster that matches it.
    pub clusters: Vec<Cluster>,
    /// `[[tool]]` sections, in file order.
    pub tools: Vec<ToolPattern>,
    pub rules: RuleSettings,
    pub topology: Topology,
    /// `[limits]`: bounds on what one input may cost; the command line's
    /// `--max-file-size`, `--max-depth` and `--max-alias-expansion` win.
    pub limits: LimitSettings,
    /// `[check] fail-if-no-files`: a run that finds no input file is an
    /// input error, as with `--fail-if-no-files`.
    pub fail_if_no_files: bool,
    /// `[dependencies]`: which variables hold soft dependencies' addresses.
    pub dependencies: DependencySettings,
    /// `[[helm.release]]` sections, in file order.
    pub helm_releases: Vec<HelmRelease>,
    /// `[helm] kube-version` and `api-versions`: what charts' `.Capabilities`
    /// say.
    pub helm_capabilities: crate::frontends::helm::Capabilities,
    /// `[[terraform.environment]]` sections, in file order.
    pub terraform_environments: Vec<TerraformEnvironment>,
    /// `[[accept]]` entries, in file order.
    pub accepts: Vec<Accept>,
    /// Directory holding the config file; cluster `paths` are relative to it.
    /// Absolute and lexically normalised when loaded from a file.
    pub root: PathBuf,
    pub file: Option<FileId>,
}

/// `[[tool]]`: the entities whose id matches `pattern` are tools.
#[derive(Debug, Clone)]
pub struct ToolPattern {
    pub pattern: String,
    pub matcher: globset::GlobMatcher,
    /// The `match` value.
    pub span: Span,
    pub kind: Option<String>,
    /// `manages` entries: entity ids, `tf:` addresses or id globs.
    pub manages: Vec<(String, Span)>,
}

/// `[[accept]]`: single points of failure accepted by their owners.
#[derive(Debug, Clone)]
pub struct Accept {
    pub target: AcceptTarget,
    pub acceptance: Acceptance,
    /// The `until` value, when there is one.
    pub until_span: Option<Span>,
}

/// What an `[[accept]]` covers: exactly one of these keys.
#[derive(Debug, Clone)]
pub enum AcceptTarget {
    /// `domain = "region:capital"`: that failure domain.
    Domain(Domain),
    /// `level = "region"`: every failure domain of the level.
    Level(Level),
    /// `entity = "GLOB"`: every single point of the entities whose id
    /// matches.
    Entity(globset::GlobMatcher),
}

impl AcceptTarget {
    /// Whether a single point of failure in `domain` is accepted.
    pub fn covers_domain(&self, domain: &Domain) -> bool {
        match self {
            AcceptTarget::Domain(d) => d == domain,
            AcceptTarget::Level(level) => *level == domain.level,
            AcceptTarget::Entity(_) => false,
        }
    }

    /// Whether a single point of failure at `level`, in whichever domain of
    /// it (one not named in the configuration), is accepted.
    pub fn covers_level(&self, level: Level) -> bool {
        matches!(self, AcceptTarget::Level(l) if *l == level)
    }

    /// Whether the single points of entity `id` are accepted.
    pub fn covers_entity(&self, id: &str) -> bool {
        matches!(self, AcceptTarget::Entity(m) if m.is_match(id))
    }
}

#[derive(Debug, Clone)]
pub struct Cluster {
    pub name: String,
    /// The `paths` globs as written.
    pub patterns: Vec<String>,
    pub paths: GlobSet,
    /// Zone-level failure domains the cluster's nodes span.
    pub zones: Vec<String>,
    pub region: Option<String>,
    /// Clusters of one environment run copies of one deployment: their
    /// declarations of one object are one entity. `None`: the one default
    /// environment.
    pub environment: Option<String>,
    /// The `name` value.
    pub span: Span,
    pub zones_span: Option<Span>,
    pub region_span: Option<Span>,
}

/// `[[helm.release]]`: a chart of the repository rendered with these
/// values, as this release. Paths are relative to the config's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmRelease {
    /// The chart's directory, and its value's span.
    pub chart: (String, Span),
    /// Values files, in Helm's `-f` order (the last wins).
    pub values: Vec<(String, Span)>,
    /// `.Release.Name`; the chart's name when not set.
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// A configured cluster's name.
    pub cluster: Option<(String, Span)>,
    /// The section's header.
    pub span: Span,
}

/// `[[terraform.environment]]`: a root module's variables files for one
/// environment. Paths are relative to the config's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformEnvironment {
    /// The environment's name, and its value's span.
    pub name: (String, Span),
    /// The root module's directory.
    pub root: (String, Span),
    /// Variables files, in `-var-file` order (the last wins).
    pub var_files: Vec<(String, Span)>,
    /// The section's header.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSettings {
    /// Rule codes or names; `None` selects every rule. Not validated here:
    /// the rule catalog reports unknown ones at these spans.
    pub select: Option<Vec<(String, Span)>>,
    pub ignore: Vec<(String, Span)>,
    /// Severity overrides in file order, keyed by rule code or name (the
    /// span is the key's).
    pub severity: Vec<(String, Severity, Span)>,
    /// A long-running workload with fewer replicas is a single point of
    /// failure.
    pub min_replicas: u32,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            select: None,
            ignore: Vec::new(),
            severity: Vec::new(),
            min_replicas: DEFAULT_MIN_REPLICAS,
        }
    }
}

/// Node label keys naming failure domains, in addition to the well-known
/// ones (`topology.kubernetes.io/zone`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topology {
    pub zone_keys: Vec<String>,
    pub region_keys: Vec<String>,
    pub host_keys: Vec<String>,
}

/// `[dependencies]`: a host named in a variable (an environment variable,
/// a ConfigMap or Secret key, a command-line flag) whose name has a
/// telemetry word (`soft-telemetry`, on by default) or matches one of
/// `soft-variables` is a soft dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencySettings {
    pub soft_telemetry: bool,
    pub soft_variables: Vec<(String, Span)>,
}

impl Default for DependencySettings {
    fn default() -> Self {
        Self {
            soft_telemetry: true,
            soft_variables: Vec::new(),
        }
    }
}

/// `[limits]`; `None` where the file leaves a limit at its default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitSettings {
    pub max_file_size: Option<u64>,
    pub max_depth: Option<usize>,
    pub max_alias_expansion: Option<usize>,
}

impl Config {
    /// The configuration used when there is no `spof.toml`.
    pub fn empty(root: impl Into<PathBuf>) -> Self {
        Self {
            clusters: Vec::new(),
            tools: Vec::new(),
            rules: RuleSettings::default(),
            topology: Topology::default(),
            limits: LimitSettings::default(),
            fail_if_no_files: false,
            dependencies: DependencySettings::default(),
            helm_releases: Vec::new(),
            helm_capabilities: crate::frontends::helm::Capabilities::default(),
            terraform_environments: Vec::new(),
            accepts: Vec::new(),
            root: root.into(),
            file: None,
        }
    }

    /// The `[[helm.release]]` sections as the Helm frontend takes them:
    /// paths made absolute under [`Config::root`], clusters by index. A
    /// cluster that is not configured, or a path that leaves the config's
    /// directory, is a config error and the release is left out.
    pub fn helm_releases(&self) -> (Vec<Release>, Vec<Diagnostic>) {
        let mut errors = Vec::new();
        let mut out = Vec::new();
        let root = releases::absolute(&self.root);
        for r in &self.helm_releases {
            let mut ok = true;
            for (path, span) in std::iter::once(&r.chart).chain(&r.values) {
                if !releases::stays_below(path) {
                    ok = false;
                    errors.push(Diagnostic::error(
                        CONFIG_ERROR,
                        *span,
                        format!("`{path}` is not a path below the directory of spof.toml"),
                    ));
                }
            }
            let cluster = match &r.cluster {
                Some((name, span)) => match self.clusters.iter().position(|c| &c.name == name) {
                    Some(i) => Some(i),
                    None => {
                        ok = false;
                        errors.push(
                            Diagnostic::error(
                                CONFIG_ERROR,
                                *span,
                                format!("no `[[cluster]]` is named `{name}`"),
                            )
                            .with_help("name a cluster declared with `[[cluster]]`"),
                        );
                        None
                    }
                },
                None => None,
            };
            if !ok {
                continue;
            }
            out.push(Release {
                chart: releases::ChartRef::Exact(lexical_normalize(&root.join(&r.chart.0))),
                name: r.name.clone().unwrap_or_default(),
                namespace: r.namespace.clone().unwrap_or_else(|| "default".into()),
                layers: r
                    .values
                    .iter()
                    .map(|(p, span)| releases::Layer::File {
                        path: lexical_normalize(&root.join(p)),
                        named: *span,
                    })
                    .collect(),
                cluster,
                declared: r.span,
                by: "spof.toml release",
                unreadable: None,
            });
        }
        (out, errors)
    }

    /// The `[[terraform.environment]]` sections as the Terraform frontend
    /// takes them: paths made absolute under [`Config::root`]. A path that
    /// leaves the config's directory, or a second environment of one name
    /// for one root, is a config error and the environment is left out.
    pub fn terraform_environments(&self) -> (Vec<TfEnvironment>, Vec<Diagnostic>) {
        let mut errors = Vec::new();
        let mut out: Vec<TfEnvironment> = Vec::new();
        let root = releases::absolute(&self.root);
        for e in &self.terraform_environments {
            let mut ok = true;
            for (path, span) in std::iter::once(&e.root).chain(&e.var_files) {
                if !releases::stays_below(path) {
                    ok = false;
                    errors.push(Diagnostic::error(
                        CONFIG_ERROR,
                        *span,
                        format!("`{path}` is not a path below the directory of spof.toml"),
                    ));
                }
            }
            if !ok {
                continue;
            }
            let dir = lexical_normalize(&root.join(&e.root.0));
            if out.iter().any(|o| o.root == dir && o.name == e.name.0) {
                errors.push(Diagnostic::error(
                    CONFIG_ERROR,
                    e.name.1,
                    format!(
                        "root `{}` has a second environment named `{}`",
                        e.root.0, e.name.0
                    ),
                ));
                continue;
            }
            out.push(TfEnvironment {
                name: e.name.0.clone(),
                root: dir,
                root_span: e.root.1,
                var_files: e
                    .var_files
                    .iter()
                    .map(|(p, span)| (lexical_normalize(&root.join(p)), *span))
                    .collect(),
            });
        }
        (out, errors)
    }

    /// Index of the first cluster whose `paths` match `path`.
    ///
    /// `path` is relative to [`Config::root`], or absolute (it must then lie
    /// under the root; make both absolute with `std::path::absolute`). A glob
    /// that matches a directory matches everything below it, so
    /// `clusters/pangyo` works like `clusters/pangyo/**`.
    pub fn cluster_of(&self, path: &Path) -> Option<usize> {
        if self.clusters.is_empty() {
            return None;
        }
        let rel = self.relative_to_root(path)?;
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if rel.is_empty() {
            return None;
        }
        self.clusters.iter().position(|c| c.matches(&rel))
    }

    fn relative_to_root(&self, path: &Path) -> Option<PathBuf> {
        let path = lexical_normalize(path);
        let rel = if path.has_root() {
            path.strip_prefix(lexical_normalize(&self.root))
                .ok()?
                .to_path_buf()
        } else {
            path
        };
        // `..` left over means the path escapes the root.
        let escapes = rel
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir));
        (!escapes).then_some(rel)
    }
}

/// Whether `name` can be an `environment`: a word of letters, digits, `-`,
/// `_` and `.` (it ends entity ids: `…/web@prod`).
pub fn is_environment_name(name: &str) -> bool {
    crate::model::scope::is_environment_name(name)
}

impl Cluster {
    /// `rel` uses forward slashes and is relative to the config root.
    fn matches(&self, rel: &str) -> bool {
        let mut candidate = rel;
        loop {
            if self.paths.is_match(candidate) {
                return true;
            }
            match candidate.rfind('/') {
                Some(i) => candidate = &candidate[..i],
                None => return false,
            }
        }
    }
}

/// The nearest `spof.toml` in `start_dir` or one of its ancestors up to the
/// repository root (the nearest directory holding `.git`), as an absolute
/// path; outside a repository, in `start_dir` alone. Never above: a
/// `spof.toml` in a directory that merely holds the checkout (a CI
/// workspace, a shared `/tmp`) is nobody's configuration of it.
pub fn find_config(start_dir: &Path) -> Option<PathBuf> {
    let start = lexical_normalize(&std::path::absolute(start_dir).ok()?);
    let top = discover::git_root(&start).unwrap_or_else(|| start.clone());
    start
        .ancestors()
        .take_while(|dir| dir.starts_with(&top))
        .map(|dir| dir.join(CONFIG_FILE_NAME))
        .find(|candidate| candidate.symlink_metadata().is_ok_and(|m| !m.is_dir()))
}

/// Reads, parses and validates the config file at `path`, adding it to
/// `sources` (empty if it cannot be read, so that the error has a file to
/// point at).
pub fn load(sources: &mut SourceMap, path: &Path) -> (Config, Vec<Diagnostic>) {
    let root = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let root = std::path::absolute(root)
        .map(|abs| lexical_normalize(&abs))
        .unwrap_or_else(|_| root.to_path_buf());
    let read = if symlink_escapes_directory(path) {
        Err(format!(
            "{} is a symlink to a file outside its directory, and spof does not follow \
             symlinks out of the tree",
            path.display()
        ))
    } else {
        discover::read_file(path, MAX_CONFIG_SIZE)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))
    };
    match read {
        Ok(text) => {
            let file = sources.add(SourceFile::new(path.to_path_buf(), text));
            let text = sources.get(file).shared_text();
            parse(&text, file, root)
        }
        Err(message) => {
            let file = sources.add(SourceFile::new(path.to_path_buf(), ""));
            let mut config = Config::empty(root);
            config.file = Some(file);
            let span = Span::new(file, TextRange::empty(0));
            (config, vec![Diagnostic::error(CONFIG_ERROR, span, message)])
        }
    }
}

/// A repository under review could make its `spof.toml` a symlink to a
/// secret file, whose first line would then be quoted in a syntax error in
/// public CI logs. A symlink within the config's directory is harmless.
fn symlink_escapes_directory(path: &Path) -> bool {
    let is_symlink = path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink());
    if !is_symlink {
        return false;
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(path), std::fs::canonicalize(dir)) {
        (Ok(target), Ok(dir)) => !target.starts_with(dir),
        // A dangling link is reported by the read that follows.
        _ => false,
    }
}

/// Parses and validates config `text`, already added to a source map as
/// `file`. `root` is the directory the cluster globs are relative to.
pub fn parse(text: &str, file: FileId, root: PathBuf) -> (Config, Vec<Diagnostic>) {
    let mut config = Config::empty(root);
    config.file = Some(file);
    let mut diags = schema::read(text, file, &mut config);
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    (config, diags)
}

pub use crate::parse::toml::did_you_mean;

#[cfg(test)]
mod tests;
