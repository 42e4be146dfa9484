//! Backstage catalog entities → entities.
//!
//! Reads documents with `apiVersion: backstage.io/v1alpha1` (or `v1beta1`)
//! of kind Component, Resource, API, System and Domain; Groups, Users,
//! Locations, Templates and custom kinds are not availability-relevant.
//!
//! - Components are services (tools with `spec.type: tool` or
//!   `spof.dev/role`), Resources of type database, cache, queue or storage
//!   are datastores, APIs are network pieces that are up while any component
//!   providing them is, Systems and Domains are groupings: platform entities
//!   with no placement and no dependencies, so that references to them
//!   resolve, but never a finding of their own.
//! - `spof.dev/sites: "datacenter=gasan, datacenter=sangam"` makes one
//!   declaration per site, each a copy (an alternative) pinned to its site.
//! - `spec.dependsOn`, `spec.dependencyOf` (inverse), `spec.consumesApis`,
//!   `spec.providesApis` (inverse, on the API) and the `spof.dev/depends-on`
//!   annotations are dependencies; `backstage.io/kubernetes-id` and
//!   `spof.dev/terraform` link the entity to the Kubernetes workloads and
//!   Terraform resources that run it, as hard dependencies.

mod frontend;
pub use frontend::FRONTEND;

use super::kubernetes::{
    self, DEPENDS_ON, FileDocs, IGNORE, RECOVERY_DEPENDS_ON, ROLE, SOFT_DEPENDS_ON, TOOL_KIND,
};
use super::kubernetes::{entry_span, list_entries, split_entries};
use super::tools;
use crate::model::{
    Combine, Dependency, Entity, Instance, Level, Model, Pin, Reference, Role, Strength,
    Suppression, WorkloadKind,
};
use crate::parse::Node;
use crate::source::{FileId, Span};
use std::collections::{HashMap, HashSet};

/// Entity ids of catalog entities: `backstage:component:default/talk-api`.
pub const ID_PREFIX: &str = "backstage:";
/// `spof.dev/sites: "datacenter=gasan, datacenter=sangam"`: one copy per site.
pub const SITES: &str = "spof.dev/sites";
/// `spof.dev/manages: "component:talk-api, k8s:Deployment/talk/api"`.
pub const MANAGES: &str = "spof.dev/manages";
/// `spof.dev/terraform: "aws_db_instance.talk, module.cache.aws_elasticache_replication_group.this"`.
pub const TERRAFORM: &str = "spof.dev/terraform";
/// The Backstage Kubernetes plugin's link to the objects labelled with it.
pub const KUBERNETES_ID: &str = "backstage.io/kubernetes-id";

/// Kinds read, lowercased, in the order a bare name is looked up.
const KINDS: &[&str] = &["component", "resource", "system", "api", "domain"];
/// Built-in kinds with no availability meaning: references to them are
/// dropped, not reported.
const IGNORED_KINDS: &[&str] = &["group", "user", "location", "template"];
/// Resource types that hold data.
const DATASTORE_TYPES: &[&str] = &["database", "cache", "queue", "storage"];

/// A catalog entity as found in a file.
struct Item<'a> {
    file: FileId,
    /// As written: `Component`.
    kind: &'a str,
    /// Lowercased: `component`.
    kind_key: String,
    namespace: &'a str,
    name: &'a str,
    name_span: Span,
    node: &'a Node,
}

impl Item<'_> {
    fn id(&self) -> String {
        entity_id(&self.kind_key, self.namespace, self.name)
    }

    fn span(&self, node: &Node) -> Span {
        Span::new(self.file, node.range)
    }

    fn annotation(&self, key: &str) -> Option<&Node> {
        self.node
            .path(&["metadata", "annotations"])
            .and_then(|a| a.get(key))
    }

    /// An annotation, else a label of that key.
    fn annotation_or_label(&self, key: &str) -> Option<&Node> {
        self.annotation(key).or_else(|| {
            self.node
                .path(&["metadata", "labels"])
                .and_then(|l| l.get(key))
        })
    }

    fn spec_list(&self, key: &str) -> &[Node] {
        self.node
            .path(&["spec", key])
            .map(Node::as_seq)
            .unwrap_or_default()
    }
}

fn entity_id(kind: &str, namespace: &str, name: &str) -> String {
    format!("{ID_PREFIX}{kind}:{namespace}/{name}")
}

/// Every catalog entity in the files, by lowercased id, for references:
/// Backstage compares entity references case-insensitively.
struct Catalog {
    /// Lowercased id → id as extracted, for the kinds read.
    read: HashMap<String, String>,
    /// Lowercased ids of the other kinds.
    other: HashSet<String>,
}

/// What an entity reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// An entity of a kind read (the id, found or not).
    Entity(String),
    /// An entity of a kind with no availability meaning.
    Ignored,
}

impl Catalog {
    /// `[kind:][namespace/]name`, the kind defaulting to `default_kind`, or,
    /// when there is none, to the first kind that has an entity of that name
    /// (else Component); the namespace to the referrer's.
    fn resolve(&self, reference: &str, default_kind: Option<&str>, namespace: &str) -> Target {
        let reference = reference.trim();
        let (kind, rest) = match reference.split_once(':') {
            Some((kind, rest)) => (Some(kind.trim().to_ascii_lowercase()), rest),
            None => (default_kind.map(str::to_string), reference),
        };
        let (ns, name) = rest
            .split_once('/')
            .map_or((namespace, rest), |(ns, name)| (ns.trim(), name.trim()));
        let lookup = |kind: &str| {
            let key = entity_id(kind, ns, name).to_lowercase();
            if let Some(id) = self.read.get(&key) {
                Some(Target::Entity(id.clone()))
            } else if self.other.contains(&key) {
                Some(Target::Ignored)
            } else {
                None
            }
        };
        match kind {
            Some(kind) => lookup(&kind).unwrap_or_else(|| {
                if IGNORED_KINDS.contains(&kind.as_str()) {
                    Target::Ignored
                } else {
                    Target::Entity(entity_id(&kind, ns, name))
                }
            }),
            None => KINDS
                .iter()
                .find_map(|k| lookup(k).filter(|t| matches!(t, Target::Entity(_))))
                .unwrap_or_else(|| Target::Entity(entity_id("component", ns, name))),
        }
    }
}

/// Whether extraction reads the document `node`: a catalog entity.
pub fn reads(node: &Node) -> bool {
    node.get("apiVersion")
        .and_then(Node::as_text)
        .is_some_and(|v| matches!(v, "backstage.io/v1alpha1" | "backstage.io/v1beta1"))
}

fn items<'a>(files: &[FileDocs<'a>]) -> Vec<Item<'a>> {
    let mut out = Vec::new();
    for f in files {
        for doc in f.docs {
            let node = &doc.root;
            if !reads(node) {
                continue;
            }
            let Some(kind) = node.get("kind").and_then(Node::as_text) else {
                continue;
            };
            let Some(meta) = node.get("metadata") else {
                continue;
            };
            let Some((name_node, name)) = meta
                .get("name")
                .and_then(|n| Some((n, n.as_text()?.trim())))
                .filter(|(_, n)| !n.is_empty())
            else {
                continue;
            };
            out.push(Item {
                file: f.file,
                kind,
                kind_key: kind.to_ascii_lowercase(),
                namespace: meta
                    .get("namespace")
                    .and_then(Node::as_text)
                    .map(str::trim)
                    .filter(|ns| !ns.is_empty())
                    .unwrap_or("default"),
                name,
                name_span: Span::new(f.file, name_node.range),
                node,
            });
        }
    }
    out
}

/// A dependency to add to another entity: the inverse of `dependencyOf`
/// and `providesApis`.
struct Inverse {
    /// Id of the entity that gets the dependency.
    on: String,
    dependency: Dependency,
}

/// Extracts every Backstage catalog entity and its `spof.dev/ignore`
/// suppression.
pub fn extract(files: &[FileDocs<'_>], model: &mut Model) {
    let items = items(files);
    // The index below copies every entity's id: not for nothing.
    if !items.iter().any(|i| KINDS.contains(&i.kind_key.as_str())) {
        return;
    }
    let mut catalog = Catalog {
        read: HashMap::new(),
        other: HashSet::new(),
    };
    for item in &items {
        let id = item.id();
        if KINDS.contains(&item.kind_key.as_str()) {
            catalog.read.entry(id.to_lowercase()).or_insert(id);
        } else {
            catalog.other.insert(id.to_lowercase());
        }
    }
    let mut index: HashMap<String, usize> = model
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    let mut inverses: Vec<Inverse> = Vec::new();
    for item in &items {
        if !KINDS.contains(&item.kind_key.as_str()) {
            continue;
        }
        // The first spelling of an id names the entity.
        let id = catalog
            .read
            .get(&item.id().to_lowercase())
            .cloned()
            .unwrap_or_else(|| item.id());
        if let Some(ignore) = item.annotation(IGNORE) {
            model.suppressions.push(suppression(item, ignore, &id));
        }
        let (role, tool_kind) = role(item);
        let instances = instances(item, &catalog, &id, &mut inverses);
        let idx = *index.entry(id.clone()).or_insert_with(|| {
            model.entities.push(Entity {
                id,
                origin: crate::model::Origin::Backstage,
                kind: item.kind.to_string(),
                namespace: Some(item.namespace.to_string()),
                name: item.name.to_string(),
                role,
                tool_kind,
                tool: None,
                tier: tier(item),
                instances: Vec::new(),
                place: None,
            });
            model.entities.len() - 1
        });
        model.entities[idx].instances.extend(instances);
    }
    for inverse in inverses {
        let Some(&idx) = index.get(&inverse.on) else {
            continue;
        };
        for instance in &mut model.entities[idx].instances {
            instance.dependencies.push(inverse.dependency.clone());
        }
    }
}

/// Its `spof.dev/tier` annotation or label, else the lowest tier when
/// `spec.lifecycle` says it is not in production (`experimental`,
/// `deprecated`); 0 when nothing says.
fn tier(item: &Item<'_>) -> u8 {
    let declared = item
        .annotation_or_label(crate::model::TIER_KEY)
        .and_then(Node::as_text)
        .and_then(crate::model::parse_tier);
    let lifecycle = || {
        item.node
            .path(&["spec", "lifecycle"])
            .and_then(Node::as_text)
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| l == "experimental" || l == "deprecated")
            .map(|_| crate::model::LOWEST_TIER)
    };
    declared.or_else(lifecycle).unwrap_or(0)
}

fn role(item: &Item<'_>) -> (Role, Option<String>) {
    let spec_type = item
        .node
        .path(&["spec", "type"])
        .and_then(Node::as_text)
        .map(|t| t.trim().to_ascii_lowercase());
    let default = match item.kind_key.as_str() {
        "component" if spec_type.as_deref() == Some("tool") => Role::Tool,
        "component" => Role::Service,
        "resource"
            if spec_type
                .as_deref()
                .is_some_and(|t| DATASTORE_TYPES.contains(&t)) =>
        {
            Role::Datastore
        }
        "api" => Role::Network,
        _ => Role::Platform,
    };
    let role = item
        .annotation_or_label(ROLE)
        .and_then(Node::as_text)
        .and_then(|r| Role::parse(r.trim()))
        .unwrap_or(default);
    let tool_kind = (role == Role::Tool)
        .then(|| {
            item.annotation(TOOL_KIND)
                .and_then(Node::as_text)
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .or_else(|| tools::detect_by_name(item.name).map(|t| t.kind.clone()))
        })
        .flatten();
    (role, tool_kind)
}

/// One declaration per site (or one with no placement), with the entity's
/// own dependencies; inverse dependencies go to `inverses`.
fn instances(
    item: &Item<'_>,
    catalog: &Catalog,
    id: &str,
    inverses: &mut Vec<Inverse>,
) -> Vec<Instance> {
    let grouping = matches!(item.kind_key.as_str(), "system" | "domain");
    let mut base = Instance {
        workload: (!grouping).then_some(WorkloadKind::LongRunning),
        // A System or Domain is up when its parts are; it is reported
        // through them.
        transparent: grouping,
        ..Instance::at(item.name_span)
    };
    if grouping {
        return vec![base];
    }
    // `spec.system` makes the component a part of its System.
    if let Some(system) = item.node.path(&["spec", "system"])
        && let Some(text) = system.as_text()
        && let Target::Entity(on) = catalog.resolve(text, Some("system"), item.namespace)
    {
        inverses.push(Inverse {
            on,
            dependency: dependency(
                Reference::Id(id.to_string()),
                item.span(system),
                "spec.system",
                false,
            ),
        });
    }
    if item.kind_key == "api" {
        // Up while any component that provides it is; providers add
        // themselves (`providesApis`).
        base.combine = Combine::Any;
    } else {
        base.dependencies = dependencies(item, catalog, id, inverses).into();
        base.manages = references(item, MANAGES, Strength::Hard, catalog).into();
    }
    let sites = sites(item);
    if sites.is_empty() {
        return vec![base];
    }
    sites
        .into_iter()
        .map(|site| {
            let mut instance = base.clone();
            if let Some(level) = site.level {
                instance.placement.pins.push(Pin {
                    level,
                    domains: vec![site.name.clone()].into(),
                    span: site.span,
                    via: SITES,
                    axis: "",
                    origin: None,
                });
                if level == Level::Region {
                    instance.region = Some((site.name.as_str().into(), site.span));
                }
            }
            instance.copy = Some(site.name.into());
            instance
        })
        .collect()
}

fn dependency(target: Reference, span: Span, via: &str, explicit: bool) -> Dependency {
    Dependency {
        target,
        strength: Strength::Hard,
        span,
        via: via.to_string().into(),
        explicit,
        origin: None,
    }
}

/// The entity's own dependencies: `dependsOn`, `consumesApis`, the
/// annotations and the links; the inverse ones (`dependencyOf`,
/// `providesApis`) go to `inverses`.
fn dependencies(
    item: &Item<'_>,
    catalog: &Catalog,
    id: &str,
    inverses: &mut Vec<Inverse>,
) -> Vec<Dependency> {
    let mut deps = Vec::new();
    let ns = item.namespace;
    for (key, default_kind) in [("dependsOn", None), ("consumesApis", Some("api"))] {
        let via = format!("spec.{key}");
        for entry in item.spec_list(key) {
            let Some(text) = entry.as_text() else {
                continue;
            };
            if let Target::Entity(target) = catalog.resolve(text, default_kind, ns) {
                deps.push(dependency(
                    Reference::Id(target),
                    item.span(entry),
                    &via,
                    true,
                ));
            }
        }
    }
    for (key, default_kind) in [("dependencyOf", None), ("providesApis", Some("api"))] {
        let via = format!("spec.{key}");
        for entry in item.spec_list(key) {
            let Some(text) = entry.as_text() else {
                continue;
            };
            if let Target::Entity(on) = catalog.resolve(text, default_kind, ns) {
                inverses.push(Inverse {
                    on,
                    dependency: dependency(
                        Reference::Id(id.to_string()),
                        item.span(entry),
                        &via,
                        false,
                    ),
                });
            }
        }
    }
    deps.extend(references(item, DEPENDS_ON, Strength::Hard, catalog));
    deps.extend(references(item, SOFT_DEPENDS_ON, Strength::Soft, catalog));
    deps.extend(references(
        item,
        RECOVERY_DEPENDS_ON,
        Strength::Recovery,
        catalog,
    ));
    // Links to what runs the entity: its placement and dependencies count
    // for it.
    if let Some(value) = item.annotation_or_label(KUBERNETES_ID)
        && let Some(text) = value.as_text().map(str::trim).filter(|t| !t.is_empty())
    {
        // The manifests often live elsewhere: a link to nothing scanned is
        // no mistake.
        deps.push(dependency(
            Reference::K8sLabel {
                key: KUBERNETES_ID.to_string(),
                value: text.to_string(),
            },
            item.span(value),
            KUBERNETES_ID,
            false,
        ));
    }
    if let Some(value) = item.annotation(TERRAFORM) {
        for (entry, span) in list_entries(item.file, value) {
            let target = if entry.starts_with(crate::model::TERRAFORM_ID_PREFIX) {
                kubernetes::parse_reference(entry, ns)
            } else {
                Reference::Terraform {
                    root: None,
                    address: entry.to_string(),
                }
            };
            deps.push(dependency(target, span, TERRAFORM, true));
        }
    }
    deps
}

/// Entries of a `spof.dev/…` annotation: catalog references
/// (`resource:talk-db`) or whatever `spof.dev/depends-on` takes on
/// Kubernetes objects (`k8s:…`, `tf:…`, `Kind/name`, a bare name).
fn references(
    item: &Item<'_>,
    key: &str,
    strength: Strength,
    catalog: &Catalog,
) -> Vec<Dependency> {
    let Some(value) = item.annotation(key) else {
        return Vec::new();
    };
    let via = format!("annotation {key}");
    list_entries(item.file, value)
        .into_iter()
        .filter_map(|(entry, span)| {
            let catalog_kind = entry
                .split_once(':')
                .map(|(k, _)| k.trim().to_ascii_lowercase())
                .filter(|k| KINDS.contains(&k.as_str()) || IGNORED_KINDS.contains(&k.as_str()));
            let target = match catalog_kind {
                Some(_) => match catalog.resolve(entry, None, item.namespace) {
                    Target::Entity(id) => Reference::Id(id),
                    Target::Ignored => return None,
                },
                None => kubernetes::parse_reference(entry, item.namespace),
            };
            Some(Dependency {
                strength,
                ..dependency(target, span, &via, true)
            })
        })
        .collect()
}

/// One entry of `spof.dev/sites`.
struct Site {
    name: String,
    /// `None` for a level spof does not know: a copy with no placement.
    level: Option<Level>,
    span: Span,
}

/// `NAME` (a datacenter) or `LEVEL=NAME`, comma-separated; each name's span
/// is exactly the name.
fn sites(item: &Item<'_>) -> Vec<Site> {
    let Some(value) = item.annotation(SITES) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (entry, start) in split_entries(value.as_str().unwrap_or_default()) {
        let (level, name, name_start) = match entry.split_once('=') {
            Some((level, name)) => {
                let after = level.len() + 1;
                let lead = name.len() - name.trim_start().len();
                let level = match level.trim().to_ascii_lowercase().as_str() {
                    "datacenter" | "zone" => Some(Level::Zone),
                    "region" => Some(Level::Region),
                    "host" => Some(Level::Host),
                    _ => None,
                };
                (level, name.trim(), start + after + lead)
            }
            None => (Some(Level::Zone), entry, start),
        };
        if name.is_empty() {
            continue;
        }
        out.push(Site {
            name: name.to_string(),
            level,
            span: entry_span(item.file, value, name_start, name.len()),
        });
    }
    out
}

/// Trimmed, non-empty comma-separated entries of a value, with where each
/// starts in it.
fn suppression(item: &Item<'_>, node: &Node, id: &str) -> Suppression {
    Suppression::for_entity(node.as_str().unwrap_or_default(), item.span(node), id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::{Limits, parse_stream};

    fn model(text: &str) -> Model {
        let (docs, error) = parse_stream(text, &Limits::default());
        assert!(error.is_none(), "{error:?}");
        let files = [FileDocs {
            file: FileId(0),
            cluster: None,
            docs: &docs,
        }];
        let mut model = Model::default();
        let _errors = kubernetes::extract(
            &files,
            None,
            &kubernetes::TopologyKeys::default(),
            &crate::model::scope::Places::default(),
            &crate::frontends::hosts::SoftVariables::default(),
            &kubernetes::Operators::builtin(),
            &mut model,
        );
        extract(&files, &mut model);
        model
    }

    fn entity<'m>(model: &'m Model, id: &str) -> &'m Entity {
        model
            .entities
            .iter()
            .find(|e| e.id == id)
            .unwrap_or_else(|| panic!("no {id} in {:?}", ids(model)))
    }

    fn ids(model: &Model) -> Vec<&str> {
        model.entities.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn a_system_is_made_of_its_components() {
        let m = model(
            "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: talk\n---\n\
             apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: talk-api\n\
             spec:\n  type: service\n  system: talk\n",
        );
        let system = &entity(&m, "backstage:system:default/talk").instances[0];
        assert!(system.transparent);
        assert_eq!(system.dependencies.len(), 1);
        assert_eq!(
            system.dependencies[0].target,
            Reference::Id("backstage:component:default/talk-api".into())
        );
        assert_eq!(system.dependencies[0].via, "spec.system");
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.range.start as usize..span.range.end as usize]
    }

    const CATALOG: &str = r#"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: talk-api
  namespace: chat
  annotations:
    spof.dev/sites: "datacenter=gasan, sangam,region = busan"
spec:
  type: service
  dependsOn:
    - resource:talk-db
    - component:default/push
    - cache
  consumesApis: [events]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: talk-db
  namespace: chat
spec:
  type: database
  dependencyOf: [component:talk-api]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: cache
  namespace: chat
spec:
  type: bucket-of-things
---
apiVersion: backstage.io/v1beta1
kind: Component
metadata:
  name: push
spec:
  type: service
  providesApis: [chat/events]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: events
  namespace: chat
spec:
  type: asyncapi
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: talk
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: talk-team
"#;

    #[test]
    fn kinds_become_entities_with_roles() {
        let m = model(CATALOG);
        assert_eq!(
            ids(&m),
            [
                "backstage:component:chat/talk-api",
                "backstage:resource:chat/talk-db",
                "backstage:resource:chat/cache",
                "backstage:component:default/push",
                "backstage:api:chat/events",
                "backstage:system:default/talk",
            ]
        );
        let api = entity(&m, "backstage:component:chat/talk-api");
        assert_eq!(
            (
                api.kind.as_str(),
                api.namespace.as_deref(),
                api.name.as_str()
            ),
            ("Component", Some("chat"), "talk-api")
        );
        let role = |id| entity(&m, id).role;
        assert_eq!(role("backstage:component:chat/talk-api"), Role::Service);
        assert_eq!(role("backstage:resource:chat/talk-db"), Role::Datastore);
        assert_eq!(role("backstage:resource:chat/cache"), Role::Platform);
        assert_eq!(role("backstage:api:chat/events"), Role::Network);
        let system = entity(&m, "backstage:system:default/talk");
        assert_eq!(system.role, Role::Platform);
        assert_eq!(system.instances.len(), 1);
        assert!(system.instances[0].workload.is_none());
        assert!(system.instances[0].dependencies.is_empty());
    }

    #[test]
    fn each_site_is_a_pinned_copy() {
        let m = model(CATALOG);
        let api = entity(&m, "backstage:component:chat/talk-api");
        let copies: Vec<_> = api
            .instances
            .iter()
            .map(|i| {
                let pin = &i.placement.pins[0];
                assert_eq!(i.placement.pins.len(), 1);
                assert_eq!(pin.via, SITES);
                assert_eq!(i.workload, Some(WorkloadKind::LongRunning));
                assert!(i.placement.replicas.is_none());
                (
                    i.copy.as_deref(),
                    pin.level,
                    pin.domains
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>(),
                    at(CATALOG, pin.span),
                )
            })
            .collect();
        assert_eq!(
            copies,
            [
                (
                    Some("gasan"),
                    Level::Zone,
                    vec!["gasan".to_string()],
                    "gasan"
                ),
                (Some("sangam"), Level::Zone, vec!["sangam".into()], "sangam"),
                (Some("busan"), Level::Region, vec!["busan".into()], "busan"),
            ]
        );
        // The name's own place: the second `sangam` would do too, so check
        // the offset.
        let busan = api.instances[2].placement.pins[0].span;
        assert_eq!(
            busan.range.start as usize,
            CATALOG.find("busan").unwrap_or(0)
        );
        assert_eq!(
            api.instances[2].region.as_ref().map(|(r, _)| &**r),
            Some("busan")
        );
        // No sites: one declaration, no placement.
        let db = entity(&m, "backstage:resource:chat/talk-db");
        assert_eq!(db.instances.len(), 1);
        assert_eq!(
            db.instances[0].placement,
            crate::model::Placement::default()
        );
        assert_eq!(db.instances[0].copy, None);
    }

    #[test]
    fn references_follow_backstage_defaults() {
        let m = model(CATALOG);
        let api = entity(&m, "backstage:component:chat/talk-api");
        for inst in &api.instances {
            let deps: Vec<_> = inst
                .dependencies
                .iter()
                .filter(|d| d.via != "spec.dependencyOf")
                .map(|d| {
                    assert_eq!(d.strength, Strength::Hard);
                    (d.target.clone(), at(CATALOG, d.span), &*d.via, d.explicit)
                })
                .collect();
            let id = |s: &str| Reference::Id(s.to_string());
            assert_eq!(
                deps,
                [
                    (
                        id("backstage:resource:chat/talk-db"),
                        "resource:talk-db",
                        "spec.dependsOn",
                        true
                    ),
                    (
                        id("backstage:component:default/push"),
                        "component:default/push",
                        "spec.dependsOn",
                        true
                    ),
                    // A bare name: the first kind with that name.
                    (
                        id("backstage:resource:chat/cache"),
                        "cache",
                        "spec.dependsOn",
                        true
                    ),
                    (
                        id("backstage:api:chat/events"),
                        "events",
                        "spec.consumesApis",
                        true
                    ),
                ]
            );
        }
    }

    #[test]
    fn inverse_relations_go_to_the_named_entity() {
        let m = model(CATALOG);
        // talk-db is a dependency of talk-api: talk-api's copies each get it,
        // at the entry in talk-db.
        let api = entity(&m, "backstage:component:chat/talk-api");
        for inst in &api.instances {
            let inverse = inst
                .dependencies
                .iter()
                .find(|d| d.via == "spec.dependencyOf")
                .expect("dependencyOf");
            assert_eq!(
                inverse.target,
                Reference::Id("backstage:resource:chat/talk-db".into())
            );
            assert_eq!(at(CATALOG, inverse.span), "component:talk-api");
        }
        // The API is up while a provider is.
        let events = entity(&m, "backstage:api:chat/events");
        assert_eq!(events.instances[0].combine, Combine::Any);
        let deps = &events.instances[0].dependencies;
        assert_eq!(deps.len(), 1);
        assert_eq!(
            deps[0].target,
            Reference::Id("backstage:component:default/push".into())
        );
        assert_eq!(at(CATALOG, deps[0].span), "chat/events");
        assert_eq!(deps[0].via, "spec.providesApis");
    }

    const ANNOTATED: &str = r#"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Deployer
  annotations:
    spof.dev/depends-on: "Resource:Talk-DB, k8s:StatefulSet/prod/pg, cache"
    spof.dev/soft-depends-on: group:talk-team, tf:aws_s3_bucket.logs
    spof.dev/manages: component:talk-api, k8s:Deployment/talk/api
    spof.dev/tool-kind: deploy
    spof.dev/terraform: aws_instance.deployer, module.x.aws_eip.this
    spof.dev/ignore: "SPOF004: accepted until=2030-01-01"
  labels:
    backstage.io/kubernetes-id: deployer
spec:
  type: tool
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: talk-db
spec:
  type: database
"#;

    #[test]
    fn annotations_declare_dependencies_links_and_manages() {
        let m = model(ANNOTATED);
        let tool = entity(&m, "backstage:component:default/Deployer");
        assert_eq!(tool.role, Role::Tool);
        assert_eq!(tool.tool_kind.as_deref(), Some("deploy"));
        let inst = &tool.instances[0];
        let deps: Vec<_> = inst
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.target.clone(),
                    d.strength,
                    at(ANNOTATED, d.span),
                    d.explicit,
                )
            })
            .collect();
        let tf = |a: &str| Reference::Terraform {
            root: None,
            address: a.into(),
        };
        assert_eq!(
            deps,
            [
                // Catalog references match case-insensitively.
                (
                    Reference::Id("backstage:resource:default/talk-db".into()),
                    Strength::Hard,
                    "Resource:Talk-DB",
                    true
                ),
                (
                    Reference::Id("k8s:StatefulSet/prod/pg".into()),
                    Strength::Hard,
                    "k8s:StatefulSet/prod/pg",
                    true
                ),
                (
                    Reference::K8sName {
                        namespace: "default".into(),
                        name: "cache".into()
                    },
                    Strength::Hard,
                    "cache",
                    true
                ),
                // A group has no availability: dropped.
                (
                    tf("aws_s3_bucket.logs"),
                    Strength::Soft,
                    "tf:aws_s3_bucket.logs",
                    true
                ),
                (
                    Reference::K8sLabel {
                        key: KUBERNETES_ID.into(),
                        value: "deployer".into()
                    },
                    Strength::Hard,
                    "deployer",
                    false
                ),
                (
                    tf("aws_instance.deployer"),
                    Strength::Hard,
                    "aws_instance.deployer",
                    true
                ),
                (
                    tf("module.x.aws_eip.this"),
                    Strength::Hard,
                    "module.x.aws_eip.this",
                    true
                ),
            ]
        );
        let manages: Vec<_> = inst
            .manages
            .iter()
            .map(|d| (d.target.clone(), at(ANNOTATED, d.span)))
            .collect();
        assert_eq!(
            manages,
            [
                (
                    Reference::Id("backstage:component:default/talk-api".into()),
                    "component:talk-api"
                ),
                (
                    Reference::Id("k8s:Deployment/talk/api".into()),
                    "k8s:Deployment/talk/api"
                ),
            ]
        );
        let ignore = &m.suppressions[0];
        assert_eq!(ignore.rules, ["SPOF004"]);
        assert_eq!(
            ignore.scope,
            crate::model::SuppressionScope::Entity("backstage:component:default/Deployer".into())
        );
    }

    #[test]
    fn tool_kind_is_recognised_by_name() {
        let m = model(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: argocd\nspec:\n  type: tool\n",
        );
        assert_eq!(m.entities[0].tool_kind.as_deref(), Some("deploy"));
    }

    #[test]
    fn catalog_documents_are_not_kubernetes_objects() {
        let m = model(CATALOG);
        assert!(m.entities.iter().all(|e| e.id.starts_with(ID_PREFIX)));
    }

    #[test]
    fn bad_input_is_skipped_without_panic() {
        let m = model(
            r#"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: x
  annotations:
    spof.dev/sites: [a, b]
    spof.dev/depends-on: ":, /, a:b:c"
    backstage.io/kubernetes-id: ""
spec:
  dependsOn: {a: b}
  dependencyOf: [[x]]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: "y"
  annotations:
    spof.dev/sites: |
      a,
      rack=b
"#,
        );
        assert_eq!(
            ids(&m),
            [
                "backstage:component:default/x",
                "backstage:component:default/y"
            ]
        );
        // A block scalar: the whole value; an unknown level is a copy with
        // no placement.
        let y = &m.entities[1];
        assert_eq!(y.instances.len(), 2);
        assert_eq!(y.instances[1].copy.as_deref(), Some("b"));
        assert!(y.instances[1].placement.pins.is_empty());
    }
}
