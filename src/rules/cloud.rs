//! Estate-wide findings about cloud resources: one region for everything,
//! and module calls the analysis cannot see into. Per-resource cloud
//! findings come from the placement rules, through the provider knowledge
//! base's facts.

use super::{Finding, Input, Out, Rule, Settings};
use crate::analysis::Unit;
use crate::model::{Domain, KustomizeGap, Level, LimitKind, Unfollowed, UnfollowedModule};
use crate::source::Span;
use std::collections::BTreeMap;

pub(super) fn check(input: &Input<'_>, settings: &Settings, out: &mut Out<'_>) {
    if settings.runs(Rule::SingleRegionEstate) {
        single_region(input, out);
    }
    if settings.runs(Rule::EvaluationLimitReached) {
        evaluation_limits(input, out);
    }
    if settings.runs(Rule::ModuleNotFollowed) {
        unfollowed_modules(input, out);
    }
}

fn evaluation_limits(input: &Input<'_>, out: &mut Out<'_>) {
    for limit in &input.model.evaluation_limits {
        let (message, label) = match limit.kind {
            LimitKind::Work => (
                "evaluating this root module takes more work than spof allows one root module: \
                 this value, and every value evaluated after it, is unknown"
                    .to_string(),
                "evaluation budget spent here",
            ),
            LimitKind::Size => (
                format!(
                    "this value is larger than {} MiB, spof's limit for one Terraform value: \
                     it is unknown, and so is every value made from it",
                    crate::frontends::terraform::functions::MAX_VALUE_BYTES >> 20
                ),
                "value too large",
            ),
            LimitKind::Instances => (
                format!(
                    "these instances would take their root module past spof's limit of {} \
                     resource instances or {} module instances: they are one instance without \
                     key, whose values are unknown",
                    crate::frontends::terraform::hcl::MAX_INSTANCES,
                    crate::frontends::terraform::hcl::MAX_MODULE_INSTANCES
                ),
                "too many instances",
            ),
        };
        out.push(
            Finding::new(Rule::EvaluationLimitReached, limit.span, message)
                .label(label)
                .help(
                    "findings that depend on these values may be missing; scan the plan JSON \
                     (`terraform show -json plan.out`), which holds every value evaluated",
                ),
        );
    }
}

fn unfollowed_modules(input: &Input<'_>, out: &mut Out<'_>) {
    for call in &input.model.unfollowed_modules {
        let (message, label, help) = unfollowed_text(call);
        out.push(
            Finding::new(Rule::ModuleNotFollowed, call.span, message)
                .label(label)
                .help(help),
        );
    }
}

/// The message, label and help of a finding about `call`.
fn unfollowed_text(call: &UnfollowedModule) -> (String, &'static str, &'static str) {
    const BUILD: &str = "check what `kustomize build` writes instead (`kustomize build DIR | spof \
                         check -`), or vendor the part into the repository";
    match call.kind {
        Unfollowed::Chart => (
            format!(
                "{} comes from `{}`, which spof does not download: its templates are not rendered",
                call.module, call.source
            ),
            "dependency not vendored",
            "vendor it under `charts/` with `helm dependency build` to have it analysed",
        ),
        Unfollowed::Kustomize(KustomizeGap::Resource) => (
            format!(
                "remote resource `{}` is not fetched: its objects are not analysed",
                call.source
            ),
            "remote, not fetched",
            BUILD,
        ),
        Unfollowed::Kustomize(KustomizeGap::Patch) => (
            format!(
                "remote patch `{}` is not fetched: it is not applied",
                call.source
            ),
            "remote, not fetched",
            BUILD,
        ),
        Unfollowed::Kustomize(KustomizeGap::Chart) => (
            format!(
                "{} is not in the kustomization's chart home and spof does not download it \
                 from `{}`: its objects are not analysed",
                call.module, call.source
            ),
            "chart not pulled",
            "pull the chart into the chart home (`helm pull REPO/NAME --untar -d charts/`) to \
             have it rendered",
        ),
        Unfollowed::Kustomize(KustomizeGap::Builtin) => (
            format!(
                "{} configures kustomize's built-in `{}`, which spof does not apply: what it \
                 would change is not analysed",
                call.module, call.source
            ),
            "built-in configuration not applied",
            "write it with the kustomization's own fields (`labels`, `namespace`, `patches`, \
             `replicas`, …), which spof applies, or check what `kustomize build` writes \
             (`kustomize build DIR | spof check -`)",
        ),
        Unfollowed::Kustomize(KustomizeGap::Plugin) => (
            format!(
                "`{}` not run: spof executes no plugin, and what it would make or change is \
                 not analysed",
                call.module
            ),
            "not run",
            BUILD,
        ),
        Unfollowed::Module if call.remote => (
            format!(
                "`{}` comes from `{}`, which spof does not download: its resources are not analysed",
                call.module, call.source
            ),
            "remote module source",
            "scan the plan JSON (`terraform show -json plan.out`) to analyse every resource the module creates",
        ),
        Unfollowed::Module => (
            format!(
                "`{}` comes from `{}`, a directory outside the scanned files: its resources are not analysed",
                call.module, call.source
            ),
            "module directory not scanned",
            "include the module's directory in the scanned paths, or scan the plan JSON",
        ),
    }
}

/// Every declaration whose region is known is in one region: one finding,
/// at the first place that names it. Clusters configured with a region
/// count too.
fn single_region(input: &Input<'_>, out: &mut Out<'_>) {
    let mut regions: BTreeMap<&str, Vec<Span>> = BTreeMap::new();
    let mut resources = 0usize;
    for entity in &input.model.entities {
        for inst in &entity.instances {
            if let Some((region, span)) = &inst.region {
                regions.entry(region).or_default().push(*span);
                resources += 1;
            }
        }
    }
    for spans in regions.values_mut() {
        spans.sort_unstable();
        spans.dedup();
    }
    // Clusters count, after the resources: the finding is about them.
    for site in &input.context.clusters {
        if let (Some(region), Some(span)) = (&site.region, site.region_span) {
            let spans = regions.entry(region).or_default();
            if !spans.contains(&span) {
                spans.push(span);
            }
            resources += 1;
        }
    }
    if resources == 0 {
        return;
    }
    let mut iter = regions.into_iter();
    let (Some((region, spans)), None) = (iter.next(), iter.next()) else {
        return;
    };
    let Some(&first) = spans.first() else {
        return;
    };
    let mut finding = Finding::new(
        Rule::SingleRegionEstate,
        first,
        format!(
            "everything whose region is known ({resources} declaration{}) is in region `{region}`: the region is a single point of failure for the whole estate",
            if resources == 1 { "" } else { "s" }
        ),
    )
    .label("the only region")
    .about([Unit::Domain(Domain::new(Level::Region, region.to_string()))])
    .help("run the critical services in a second region as well, or accept the risk at region level in spof.toml (`[[accept]]`, with a reason and an owner)");
    for span in spans.iter().skip(1).take(MAX_RELATED) {
        finding = finding.related(*span, format!("also `{region}`"));
    }
    out.push(finding);
}

/// Places shown beyond the first, so that one finding stays readable.
const MAX_RELATED: usize = 4;
