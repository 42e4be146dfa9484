//! Scope: where each declaration is, which declarations of one name are one
//! entity, and which of several declarations a reference means.
//!
//! A repository often declares one `Kind/namespace/name` several times:
//! independent samples, variants of one application, environments. Such
//! declarations are one entity only when spof.toml says they are copies of
//! one deployment: declared at the same place within clusters of one
//! environment. Every other declaration is an entity of its own, whose id
//! names its place where the name alone is ambiguous
//! (`k8s:Deployment/default/web@samples/a`). A reference resolves to the
//! nearest declaration ([`Places::nearness`]).

use super::{Entity, Instance, Model, Origin, SuppressionScope};
use crate::source::{FileId, SourceMap};
use std::collections::HashMap;

/// Between an entity's id and its place: `k8s:Deployment/default/web@samples/a`.
pub const PLACE_SEPARATOR: char = '@';

/// Whether `name` can be an environment's: a word of letters, digits, `-`,
/// `_` and `.` (it ends entity ids: `…/web@prod`).
pub fn is_environment_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The environment a Terraform root module's name ends with (`infra@prod`:
/// `prod`): what follows its last [`PLACE_SEPARATOR`] when that is an
/// environment's name.
pub fn environment_of(root: &str) -> Option<&str> {
    root.rsplit_once(PLACE_SEPARATOR)
        .map(|(_, env)| env)
        .filter(|env| is_environment_name(env))
}

/// The directory of every file of a run, as path components, and the
/// environment of every configured cluster.
#[derive(Debug, Default, Clone)]
pub struct Places {
    dirs: Vec<Vec<Box<str>>>,
    /// Of each file, the index of its directory among the distinct ones.
    dir_ids: Vec<usize>,
    /// By cluster index; `""` when spof.toml names none.
    environments: Vec<String>,
    /// The configured clusters' names, by index.
    cluster_names: Vec<String>,
}

/// How near a declaration is to a reference: in the same file, else in the
/// same directory, else by the directories they share from the top. Greater
/// is nearer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Nearness {
    pub same_file: bool,
    pub same_dir: bool,
    /// Leading directory components in common.
    pub common: usize,
}

impl Places {
    /// The directories of the files of `sources`, as their paths print
    /// (`./a/b.yaml` and `a/b.yaml` are both in `a`), and the environments
    /// of the configured clusters. A file inside a packaged Helm subchart
    /// (`shop/charts/cache-1.2.0.tgz!/cache/values.yaml`) is where the chart
    /// vendoring the archive is (`shop`).
    pub fn new(sources: &SourceMap, environments: Vec<String>) -> Self {
        let dirs = sources
            .iter()
            .map(|(_, file)| {
                let mut path = file.display_path();
                let packaged = path.find(".tgz!/");
                if let Some(at) = packaged {
                    // `…/charts/<archive>`: one level more to leave `charts/`.
                    path.truncate(at + 4);
                }
                let mut parts: Vec<Box<str>> = Vec::new();
                if path.starts_with('/') {
                    // An absolute path keeps its root, so that it prints as one.
                    parts.push("".into());
                }
                parts.extend(
                    path.split('/')
                        .filter(|p| !p.is_empty() && *p != ".")
                        .map(Into::into),
                );
                parts.pop();
                if packaged.is_some() {
                    parts.pop();
                }
                parts
            })
            .collect::<Vec<_>>();
        let mut distinct: HashMap<&[Box<str>], usize> = HashMap::new();
        let dir_ids = dirs
            .iter()
            .map(|dir| {
                let next = distinct.len();
                *distinct.entry(dir.as_slice()).or_insert(next)
            })
            .collect();
        Self {
            dirs,
            dir_ids,
            environments,
            cluster_names: Vec::new(),
        }
    }

    /// The same places, knowing the configured clusters' names (by index).
    #[must_use]
    pub fn with_cluster_names(mut self, names: Vec<String>) -> Self {
        self.cluster_names = names;
        self
    }

    /// The name of configured cluster `cluster` (empty when unknown).
    pub fn cluster_name(&self, cluster: usize) -> &str {
        self.cluster_names.get(cluster).map_or("", String::as_str)
    }

    /// The index of the configured cluster named `name`.
    pub fn cluster_named(&self, name: &str) -> Option<usize> {
        self.cluster_names.iter().position(|n| n == name)
    }

    /// Whether declarations in clusters `a` and `b` are in one environment.
    /// Files no cluster claims are in every environment.
    pub fn same_environment(&self, a: Option<usize>, b: Option<usize>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => self.environments.get(a) == self.environments.get(b),
            _ => true,
        }
    }

    /// The directory of `file`; a file the run does not know is nowhere
    /// (every declaration is equally near to it).
    pub fn dir(&self, file: FileId) -> &[Box<str>] {
        self.dirs.get(file.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// The same number for files of one directory, another for each
    /// directory; `usize::MAX` for a file the run does not know.
    pub fn dir_id(&self, file: FileId) -> usize {
        self.dir_ids
            .get(file.0 as usize)
            .copied()
            .unwrap_or(usize::MAX)
    }

    fn known(&self, file: FileId) -> bool {
        (file.0 as usize) < self.dirs.len()
    }

    /// Leading directory components `a` and `b` share.
    pub fn common(&self, a: FileId, b: FileId) -> usize {
        if !self.known(a) || !self.known(b) {
            return 0;
        }
        let (a, b) = (self.dir(a), self.dir(b));
        a.iter().zip(b).take_while(|(x, y)| x == y).count()
    }

    /// How near a declaration in `to` is to a reference in `from`.
    pub fn nearness(&self, from: FileId, to: FileId) -> Nearness {
        if !self.known(from) || !self.known(to) {
            return Nearness::default();
        }
        let common = self.common(from, to);
        Nearness {
            same_file: from == to,
            same_dir: common == self.dir(from).len() && common == self.dir(to).len(),
            common,
        }
    }
}

/// Prints directory components: `samples/a`, or `.` for the top.
fn display(dir: &[Box<str>]) -> String {
    if dir.is_empty() {
        ".".to_string()
    } else {
        dir.join("/")
    }
}

/// Which configured clusters hold copies of one another, and where each
/// cluster's files are.
#[derive(Debug, Default)]
pub struct Layout {
    /// The environment of each configured cluster, by index.
    environments: Vec<String>,
    /// How many leading directory components all files of each cluster
    /// share: a declaration's place within its cluster is what follows.
    roots: Vec<usize>,
    /// More than one environment: every declaration in a cluster names its
    /// environment.
    named: bool,
}

impl Layout {
    /// `files`: every input and its cluster.
    pub fn new(places: &Places, files: impl IntoIterator<Item = (FileId, Option<usize>)>) -> Self {
        let environments = places.environments.clone();
        let mut roots: Vec<Option<&[Box<str>]>> = vec![None; environments.len()];
        for (file, cluster) in files {
            let Some(root) = cluster.and_then(|c| roots.get_mut(c)) else {
                continue;
            };
            let dir = places.dir(file);
            *root = Some(match *root {
                None => dir,
                Some(r) => &r[..r.iter().zip(dir).take_while(|(a, b)| a == b).count()],
            });
        }
        let mut distinct: Vec<&str> = environments.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        Self {
            named: distinct.len() > 1,
            roots: roots.iter().map(|r| r.map_or(0, <[_]>::len)).collect(),
            environments,
        }
    }
}

/// Where a declaration is, as far as identity goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key<'p> {
    at: At<'p>,
    /// The Helm release that rendered it: two releases of one chart are
    /// two places.
    release: Option<&'p str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At<'p> {
    /// A file no cluster claims: its directory.
    Dir(&'p [Box<str>]),
    /// A file of a configured cluster: the cluster's environment and the
    /// directory within the cluster.
    Cluster {
        environment: &'p str,
        local: &'p [Box<str>],
    },
}

impl Key<'_> {
    fn of<'p>(inst: &'p Instance, places: &'p Places, layout: &'p Layout) -> Key<'p> {
        let dir = places.dir(inst.place.unwrap_or(inst.span.file));
        let at = match inst
            .cluster
            .and_then(|c| Some((layout.environments.get(c)?, layout.roots.get(c)?)))
        {
            Some((environment, &root)) => At::Cluster {
                environment,
                local: dir.get(root..).unwrap_or_default(),
            },
            None => At::Dir(dir),
        };
        Key {
            at,
            release: inst.detail().release.as_deref(),
        }
    }

    /// What the id and label add after [`PLACE_SEPARATOR`]. A directory
    /// prints from the last of the `shared` leading components all the
    /// entity's directories have (`samples/a`, `samples/b`), so that the id
    /// does not depend on where spof was run from; a release follows after
    /// `#` (`apps#shop-prod`).
    fn place(self, layout: &Layout, shared: usize) -> String {
        let place = match self.at {
            At::Dir(dir) => display(&dir[shared.saturating_sub(1).min(dir.len())..]),
            At::Cluster { environment, local } if layout.named => {
                if local.is_empty() {
                    environment.to_string()
                } else {
                    format!("{environment}/{}", display(local))
                }
            }
            At::Cluster { local, .. } => display(local),
        };
        match self.release {
            Some(release) => format!("{place}#{release}"),
            None => place,
        }
    }
}

/// Makes each entity the declarations of one place: declarations of one id
/// in different directories, or in clusters of different environments,
/// become entities of their own, each with its place in its id. With more
/// than one environment, every entity declared in a cluster names its
/// environment. Entity suppressions follow the declaration they were
/// written on. Terraform resources are left alone: their ids name their
/// root module already.
pub fn separate(model: &mut Model, layout: &Layout) {
    let places = &model.places;
    let mut entities = Vec::with_capacity(model.entities.len());
    // Each base id that was given places: the new ids, with a file of each.
    let mut renamed: HashMap<String, Vec<(String, FileId)>> = HashMap::new();
    for entity in std::mem::take(&mut model.entities) {
        if entity.origin == Origin::Terraform || entity.instances.is_empty() {
            entities.push(entity);
            continue;
        }
        let keys: Vec<Key<'_>> = entity
            .instances
            .iter()
            .map(|i| Key::of(i, places, layout))
            .collect();
        let mut distinct: Vec<Key<'_>> = Vec::new();
        for key in &keys {
            if !distinct.contains(key) {
                distinct.push(*key);
            }
        }
        let clustered = matches!(
            distinct[..],
            [Key {
                at: At::Cluster { .. },
                ..
            }]
        );
        if distinct.len() == 1 && !(clustered && layout.named) {
            entities.push(entity);
            continue;
        }
        let shared = distinct
            .iter()
            .filter_map(|k| match k.at {
                At::Dir(dir) => Some(dir),
                At::Cluster { .. } => None,
            })
            .reduce(|a, b| &a[..a.iter().zip(b).take_while(|(x, y)| x == y).count()])
            .map_or(0, <[_]>::len);
        let printed: Vec<String> = distinct.iter().map(|k| k.place(layout, shared)).collect();
        let group_of: Vec<Option<usize>> = keys
            .iter()
            .map(|key| distinct.iter().position(|k| k == key))
            .collect();
        let Entity {
            id,
            origin,
            kind,
            namespace,
            name,
            role,
            tool_kind,
            tool,
            tier,
            instances,
            place: _,
        } = entity;
        let mut groups: Vec<Vec<Instance>> = vec![Vec::new(); printed.len()];
        for (instance, g) in instances.into_iter().zip(group_of) {
            if let Some(g) = g {
                groups[g].push(instance);
            }
        }
        let mut used: Vec<String> = Vec::new();
        let names = renamed.entry(id.clone()).or_default();
        for (mut place, instances) in printed.into_iter().zip(groups) {
            // Two keys printed alike (a directory outside every cluster and
            // the same one inside a cluster) still get two ids.
            let printed = place.clone();
            let mut n = 1;
            while used.contains(&place) {
                n += 1;
                place = format!("{printed}~{n}");
            }
            used.push(place.clone());
            let full = format!("{id}{PLACE_SEPARATOR}{place}");
            names.push((full.clone(), instances[0].span.file));
            entities.push(Entity {
                id: full,
                origin,
                kind: kind.clone(),
                namespace: namespace.clone(),
                name: name.clone(),
                role,
                tool_kind: tool_kind.clone(),
                tool,
                tier,
                instances,
                place: Some(place),
            });
        }
    }
    model.entities = entities;
    for suppression in &mut model.suppressions {
        let SuppressionScope::Entity(id) = &mut suppression.scope else {
            continue;
        };
        let Some(names) = renamed.get(id.as_str()) else {
            continue;
        };
        // The declaration the annotation (label, meta entry) is written on:
        // the nearest, the first of equals.
        let file = suppression.span.file;
        if let Some((name, _)) = names
            .iter()
            .rev()
            .max_by_key(|(_, f)| places.nearness(file, *f))
        {
            id.clone_from(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, Span, TextRange};
    use std::path::PathBuf;

    fn places(paths: &[&str], environments: &[&str]) -> Places {
        let mut sources = SourceMap::default();
        for path in paths {
            sources.add(SourceFile::new(PathBuf::from(path), ""));
        }
        Places::new(
            &sources,
            environments.iter().map(|e| e.to_string()).collect(),
        )
    }

    #[test]
    fn nearness_prefers_the_file_then_the_directory_then_the_shared_prefix() {
        let p = places(
            &[
                "samples/a/app.yaml",
                "samples/a/hpa.yaml",
                "samples/a/test/hpa.yaml",
                "samples/b/hpa.yaml",
                "./samples/a/x.yaml",
                "/abs/samples/a/y.yaml",
            ],
            &[],
        );
        let n = |a: u32, b: u32| p.nearness(FileId(a), FileId(b));
        assert!(n(0, 0) > n(0, 1));
        assert!(n(0, 1) > n(0, 2));
        assert!(n(0, 2) > n(0, 3));
        assert_eq!(n(0, 1), n(0, 4));
        assert_eq!(n(0, 5).common, 0);
        assert_eq!(p.dir(FileId(5)).join("/"), "/abs/samples/a");
        // A file the run does not know is as near as any other.
        assert_eq!(n(0, 9), n(1, 9));
    }

    fn entity(id: &str, files: &[(u32, Option<usize>)]) -> Entity {
        Entity {
            id: id.to_string(),
            origin: super::super::Origin::Kubernetes,
            kind: "Deployment".into(),
            namespace: Some("default".into()),
            name: "web".into(),
            role: super::super::Role::Service,
            tool_kind: None,
            tool: None,
            tier: 0,
            instances: files
                .iter()
                .map(|&(f, cluster)| Instance {
                    cluster,
                    ..Instance::at(Span::new(FileId(f), TextRange::empty(0)))
                })
                .collect(),
            place: None,
        }
    }

    fn ids(model: &Model) -> Vec<(&str, &str, usize)> {
        model
            .entities
            .iter()
            .map(|e| (e.id.as_str(), e.base_id(), e.instances.len()))
            .collect()
    }

    #[test]
    fn declarations_in_different_directories_are_different_entities() {
        let mut model = Model {
            places: places(
                &[
                    "samples/a/web.yaml",
                    "samples/b/web.yaml",
                    "samples/a/x.yaml",
                ],
                &[],
            ),
            ..Model::default()
        };
        model.entities = vec![
            entity(
                "k8s:Deployment/default/web",
                &[(0, None), (1, None), (2, None)],
            ),
            entity("k8s:Deployment/default/api", &[(0, None)]),
        ];
        model
            .suppressions
            .push(crate::model::Suppression::for_entity(
                "SPOF001: known",
                Span::new(FileId(1), TextRange::empty(0)),
                "k8s:Deployment/default/web",
            ));
        separate(&mut model, &Layout::default());
        assert_eq!(
            ids(&model),
            [
                (
                    "k8s:Deployment/default/web@samples/a",
                    "k8s:Deployment/default/web",
                    2
                ),
                (
                    "k8s:Deployment/default/web@samples/b",
                    "k8s:Deployment/default/web",
                    1
                ),
                (
                    "k8s:Deployment/default/api",
                    "k8s:Deployment/default/api",
                    1
                ),
            ]
        );
        assert_eq!(
            model.entities[1].label(),
            "Deployment default/web@samples/b"
        );
        assert_eq!(
            model.suppressions[0].scope,
            SuppressionScope::Entity("k8s:Deployment/default/web@samples/b".into())
        );
    }

    #[test]
    fn copies_merge_across_clusters_of_one_environment_only() {
        let paths = [
            "k8s/east/web.yaml",
            "k8s/west/web.yaml",
            "k8s/staging/web.yaml",
            "k8s/east/extra/x.yaml",
        ];
        let files = [(0, Some(0)), (1, Some(1)), (2, Some(2)), (3, Some(0))];
        let separated = |envs: &[&str]| {
            let mut model = Model {
                places: places(&paths, envs),
                ..Model::default()
            };
            model.entities = vec![entity("k8s:Deployment/default/web", &files[..3])];
            let layout = Layout::new(&model.places, files.iter().map(|&(f, c)| (FileId(f), c)));
            separate(&mut model, &layout);
            model
        };
        // One environment: one entity, replicated over three clusters.
        let model = separated(&["", "", ""]);
        assert_eq!(
            ids(&model),
            [(
                "k8s:Deployment/default/web",
                "k8s:Deployment/default/web",
                3
            )]
        );
        assert!(model.places.same_environment(Some(0), Some(2)));

        let model = separated(&["prod", "prod", "staging"]);
        assert!(!model.places.same_environment(Some(0), Some(2)));
        assert!(model.places.same_environment(None, Some(2)));
        assert_eq!(
            ids(&model),
            [
                (
                    "k8s:Deployment/default/web@prod",
                    "k8s:Deployment/default/web",
                    2
                ),
                (
                    "k8s:Deployment/default/web@staging",
                    "k8s:Deployment/default/web",
                    1
                ),
            ]
        );
    }
}
