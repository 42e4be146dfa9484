//! Terraform as a frontend of the pipeline: its HCL configurations are
//! loaded beside the reading of the YAML and JSON documents ([`load`]),
//! then the plan and state documents found among those are merged into
//! their root modules, and the knowledge base turns the resources into
//! entities ([`finish`]). A root module's entities are cached unless a plan
//! may be merged into it.

use super::{Resource, hcl};
use crate::cache::KeyBuilder;
use crate::diagnostic::Diagnostic;
use crate::frontends::documents::Plans;
use crate::frontends::{Context, Loaded as File, Pending, drop_later};
use crate::model::{
    Entity, EvaluationLimit, ImageRepository, LimitKind, Model, Unfollowed, UnfollowedModule,
};
use crate::source::{FileId, SourceMap};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Terraform's configurations loaded, until the documents are read.
pub struct Loaded {
    load: hcl::Load,
    /// Root modules' entities read from the cache, by root module name.
    served: Vec<(String, RootEntities)>,
    /// The root modules a plan may be merged into (see [`plan_candidates`]).
    may_hold_plans: BTreeSet<String>,
}

/// Loads the configurations among `files`, beside the reading of the
/// `documents` (which only the cache's choices depend on here).
pub(crate) fn load(files: &[File], documents: &[File], context: &Context<'_>) -> Pending {
    // Only the cache serves or stores root modules' entities.
    let may_hold_plans = match context.cache {
        Some(_) => plan_candidates(context.sources, documents),
        None => BTreeSet::new(),
    };
    let (load, served) = terraform_load(files, context, &may_hold_plans);
    Pending::Terraform(Loaded {
        load,
        served,
        may_hold_plans,
    })
}

/// Finishes with the plans the documents held.
pub(crate) fn finish(
    pending: Pending,
    plans: Plans,
    context: &Context<'_>,
    model: &mut Model,
) -> Vec<Diagnostic> {
    let Pending::Terraform(loaded) = pending;
    let mut errors = Vec::new();
    terraform_model(loaded, plans, context, model, &mut errors);
    errors
}

/// The directories (as root module names) of the YAML/JSON files that may
/// hold a Terraform plan or state: those whose text has `format_version`,
/// which a plan's document must have as a key, or a backslash, which could
/// spell that key otherwise (an escape; see [`crate::source::Marks`]).
/// Known before the documents are parsed, so that no root module a plan may
/// be merged into is served from the cache.
fn plan_candidates(sources: &SourceMap, documents: &[File]) -> BTreeSet<String> {
    let dirs: Vec<Option<String>> = documents
        .par_iter()
        .map(|f| {
            let source = sources.get(f.file);
            let candidate = source.marks().plan;
            candidate.then(|| super::root_name(source.path.parent().unwrap_or(Path::new(""))))
        })
        .collect();
    dirs.into_iter().flatten().collect()
}

/// What a root module's entities are, as the cache keeps them.
/// The image repositories its registries serve are kept with them, for
/// the images of other roots and formats to be linked to.
type RootEntities = (
    Vec<Entity>,
    Vec<hcl::UnfollowedModule>,
    Vec<hcl::EvalNote>,
    Vec<ImageRepository>,
);

/// The key of a root module's entities: its `tf-root` key and the knowledge
/// base.
fn entities_key(context: &Context<'_>, root_key: &crate::cache::Key) -> crate::cache::Key {
    KeyBuilder::new("tf-model")
        .key_part(root_key)
        .bytes(context.knowledge.digest())
        .key()
}

/// Terraform's HCL configurations loaded: each root module's resources, or
/// its entities from the cache. A root module's entities depend on its
/// resources and the knowledge base alone, unless a plan may be merged into
/// it (`may_hold_plans`): the cache keeps them for the others, and their
/// resources are then not even read back.
fn terraform_load(
    configurations: &[File],
    context: &Context<'_>,
    may_hold_plans: &BTreeSet<String>,
) -> (hcl::Load, Vec<(String, RootEntities)>) {
    let (sources, cache) = (context.sources, context.cache);
    let length = |f: FileId| sources.get(f).len();
    let serve = |root: &hcl::RootKey<'_>| -> Option<RootEntities> {
        if may_hold_plans.contains(root.name) {
            return None;
        }
        cache?.get_spanned(
            "tf-model",
            &entities_key(context, root.key),
            root.table,
            length,
        )
    };
    let ids: Vec<FileId> = configurations.iter().map(|f| f.file).collect();
    if ids.is_empty() {
        (hcl::Load::default(), Vec::new())
    } else {
        hcl::load_cached(
            sources,
            &ids,
            context.variables,
            context.limits,
            context.file_tree,
            cache,
            serve,
        )
    }
}

/// Terraform: the loaded HCL configurations and the plan/state JSON
/// documents become resources (a plan's resources merged with the HCL of the
/// root module in its directory), and the provider knowledge base turns them
/// into entities.
fn terraform_model(
    loaded: Loaded,
    documents: Plans,
    context: &Context<'_>,
    model: &mut Model,
    errors: &mut Vec<Diagnostic>,
) {
    let Loaded {
        load,
        served,
        may_hold_plans,
    } = loaded;
    let sources = context.sources;
    // A plan describes the root module of its directory when it is the only
    // plan there; any other plan is an estate of its own, named by its path.
    let mut plans: Vec<(String, String, Vec<Resource>)> = Vec::new();
    for (file, found) in documents {
        if found.is_empty() {
            continue;
        }
        let path = &sources.get(file).path;
        let dir = super::root_name(path.parent().unwrap_or(Path::new("")));
        for resources in found {
            plans.push((dir.clone(), super::root_name(path), resources));
        }
    }
    let mut per_dir: BTreeMap<String, usize> = BTreeMap::new();
    for (dir, _, _) in &plans {
        *per_dir.entry(dir.clone()).or_default() += 1;
    }

    let cache = context.cache;
    let mut load = load;
    errors.extend(std::mem::take(&mut load.errors));
    let mut by_name: BTreeMap<String, Vec<Entity>> = BTreeMap::new();
    let mut repositories: BTreeMap<String, Vec<ImageRepository>> = BTreeMap::new();
    for (name, (entities, unfollowed, notes, served_repositories)) in served {
        repositories.insert(name.clone(), served_repositories);
        by_name.insert(name, entities);
        load.unfollowed.extend(unfollowed);
        load.notes.extend(notes);
    }
    record_notes(
        std::mem::take(&mut load.unfollowed),
        std::mem::take(&mut load.notes),
        model,
        errors,
    );
    // The HCL resources by root, so that merging a plan touches only its
    // root's resources.
    let mut by_root: BTreeMap<String, Vec<Resource>> = BTreeMap::new();
    for r in load.resources {
        by_root.entry(r.root.clone()).or_default().push(r);
    }
    let hcl_roots: BTreeSet<String> = by_root.keys().cloned().collect();
    for (dir, file, mut plan) in plans {
        let describes_dir = hcl_roots.contains(&dir) && per_dir.get(&dir) == Some(&1);
        let root = if describes_dir { dir } else { file };
        for r in &mut plan {
            r.root.clone_from(&root);
        }
        let hcl = by_root.remove(&root).unwrap_or_default();
        let merged = super::plan::merge(hcl, plan);
        let slot = by_root.entry(root).or_default();
        if slot.is_empty() {
            *slot = merged;
        } else {
            slot.extend(merged);
        }
    }
    // One vector of every resource, grown from the first root's rather than
    // copied whole (a plan can hold a hundred thousand resources).
    let mut roots = by_root.into_values();
    let mut resources: Vec<Resource> = roots.next().unwrap_or_default();
    for mut more in roots {
        resources.append(&mut more);
    }
    resources.sort_by(|a, b| (&a.root, &a.address, a.span).cmp(&(&b.root, &b.address, b.span)));
    let (declared, mut images) = super::recovery::registry_links(&resources, sources);
    repositories.extend(declared);
    for (name, mut entities) in super::kb::extract_by_root(&resources, context.knowledge) {
        for entity in &mut entities {
            if let (Some(found), Some(instance)) =
                (images.remove(&entity.id), entity.instances.first_mut())
            {
                instance.dependencies.extend(found);
            }
        }
        by_name.insert(name.to_string(), entities);
    }
    // Only the entities are read from here on.
    drop_later(resources);
    if let Some(cache) = cache {
        let (none, no_repositories) = (Vec::new(), Vec::new());
        load.roots
            .par_iter()
            .filter(|root| !may_hold_plans.contains(&root.name))
            .for_each(|root| {
                if let Some(key) = &root.key {
                    let entities = by_name.get(&root.name).unwrap_or(&none);
                    let declared = repositories.get(&root.name).unwrap_or(&no_repositories);
                    let value = (entities, &root.unfollowed, &root.notes, declared);
                    let key = entities_key(context, key);
                    cache.put_spanned("tf-model", &key, &value, &root.table);
                }
            });
    }
    model.entities.extend(by_name.into_values().flatten());
    model
        .image_repositories
        .extend(repositories.into_values().flatten());
}

/// The modules a root's evaluation did not follow and what it noted (a
/// limit reached, a cycle), each once, into the model and the errors.
fn record_notes(
    mut unfollowed: Vec<hcl::UnfollowedModule>,
    mut notes: Vec<hcl::EvalNote>,
    model: &mut Model,
    errors: &mut Vec<Diagnostic>,
) {
    unfollowed.sort();
    unfollowed.dedup();
    notes.sort();
    notes.dedup();
    for note in notes {
        match note {
            hcl::EvalNote::Limit { span, limit } => {
                let kind = match limit {
                    hcl::Limit::Size => LimitKind::Size,
                    hcl::Limit::Work => LimitKind::Work,
                    hcl::Limit::Instances => LimitKind::Instances,
                };
                model.evaluation_limits.push(EvaluationLimit { span, kind });
            }
            other => errors.extend(other.error()),
        }
    }
    model
        .unfollowed_modules
        .extend(unfollowed.into_iter().map(|u| UnfollowedModule {
            module: u.module,
            source: u.source,
            remote: u.remote,
            kind: Unfollowed::Module,
            span: u.span,
        }));
}
