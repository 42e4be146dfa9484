use crate::diagnostic::Diagnostic;
use crate::discover::Claim;
use crate::frontends::documents::{self, Documents};
use crate::frontends::kubernetes::{self, FileDocs};
use crate::frontends::{Context, Frontend, Stage};
use crate::model::Model;
use std::collections::HashMap;

/// Kustomize: every root kustomization is built and its objects modelled;
/// the files the builds read are parts of objects, which the Kubernetes
/// frontend, after it, leaves out.
pub const FRONTEND: Frontend = Frontend {
    name: "kustomize",
    // Kustomize's third name for a kustomization, without an extension.
    claims: &[Claim::exact("Kustomization", documents::KIND)],
    confirms: None,
    stage: Stage::Documents {
        reads: |index, root| index == 0 && super::reads(root),
        slim: None,
        extract,
    },
    caches: &[],
};

fn extract(
    documents: &mut Documents<'_>,
    context: &Context<'_>,
    model: &mut Model,
) -> Vec<Diagnostic> {
    let mut tree = super::Tree::new(
        documents.files.iter().map(|f| (f.file, f.docs)),
        context.sources,
    );
    let reader = super::base::read_data;
    tree.data = Some(&reader);
    let rendered = super::render(&tree);
    if rendered.is_empty() {
        return Vec::new();
    }
    let clusters: HashMap<_, _> = documents
        .files
        .iter()
        .map(|f| (f.file, f.cluster))
        .collect();
    let mut ids: HashMap<String, usize> = model
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    let mut diagnostics = Vec::new();
    for r in rendered {
        documents.parts.extend(r.read.iter().copied());
        diagnostics.extend(r.diagnostics);
        documents.handed.kustomize_charts.extend(r.charts);
        model
            .value_lines
            .extend(r.value_lines.into_iter().map(|mut v| {
                v.root = Some(r.root);
                v
            }));
        model.replaced_values.extend(r.replaced);
        // A base's remote resource, built through two overlays, is one
        // finding.
        for u in r.unfollowed {
            if !model.unfollowed_modules.contains(&u) {
                model.unfollowed_modules.push(u);
            }
        }
        let files = [FileDocs {
            file: super::space::VIRTUAL,
            cluster: clusters.get(&r.root).copied().flatten(),
            docs: &r.objects,
        }];
        let mut built = Model::default();
        let mut errors = kubernetes::extract(
            &files,
            None,
            context.keys,
            context.places,
            context.soft,
            context.operators,
            &mut built,
        );
        r.space.map(&mut built, &mut errors);
        diagnostics.extend(errors);
        for mut entity in built.entities {
            for instance in &mut entity.instances {
                instance.place = Some(r.root);
            }
            match ids.get(&entity.id) {
                Some(&i) => model.entities[i].instances.extend(entity.instances),
                None => {
                    ids.insert(entity.id.clone(), model.entities.len());
                    model.entities.push(entity);
                }
            }
        }
        model.suppressions.extend(built.suppressions);
        model.nodes.extend(built.nodes);
        model.admission_webhooks.extend(built.admission_webhooks);
        model.backup_regions.extend(built.backup_regions);
    }
    diagnostics
}
