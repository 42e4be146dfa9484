//! What a Terraform estate says about recovery rather than serving: the
//! registries its images come from, the issuer engineers sign in to its
//! clusters through, and where the backups of its resources are kept.
//!
//! A registry (`aws_ecr_repository`, `google_artifact_registry_repository`,
//! `azurerm_container_registry`) is needed to start what pulls from it, not
//! to keep it running: a reference to one is a recovery dependency
//! ([`is_registry`]). A registry serving from one region is pinned there
//! ([`registry_regions`]); one replicated to another region (an
//! `aws_ecr_replication_configuration` rule, ACR `georeplications`, an
//! Artifact Registry multi-region `location`) is not.
//!
//! An `aws_eks_identity_provider_config`'s OIDC `issuer_url` is what
//! engineers sign in to its cluster through: a recovery dependency of the
//! cluster on whatever serves that host in the estate ([`sign_ins`]).
//!
//! A backup restores what an incident destroyed only if the incident
//! spared it. For each resource the scanned files back up, the places its
//! backups are kept are gathered; when every one of them is known and in
//! the resource's own region, each place that keeps them is a
//! [`RegionalBackup`] of the resource:
//! - AWS Backup: an `aws_backup_selection` (its `resources` references,
//!   its `selection_tag`s matched against the resources' `tags`) puts a
//!   resource in the rules of an `aws_backup_plan`; a rule keeps the
//!   backups in its `target_vault_name` and copies them to each
//!   `copy_action`'s `destination_vault_arn`. An
//!   `aws_db_instance_automated_backups_replication` copies an RDS
//!   instance's backups to its own provider's region;
//! - Cloud SQL: `settings.backup_configuration.location` of a
//!   `google_sql_database_instance` whose backups are `enabled`, set to the
//!   instance's region (unset, backups go to the nearest multi-region);
//! - Azure: a Recovery Services vault (`storage_mode_type`) or a Data
//!   Protection backup vault (`redundancy`) that keeps backups locally or
//!   in its zones, in the location of what it protects (geo-redundant
//!   storage copies them to the paired region).
//!
//! A place whose region is not known (a variable, an ARN from elsewhere)
//! may be another region: the resource then gets nothing.

use super::{Attr, Body, Mode, Resource, Value, region_of};
use crate::frontends::hosts;
use crate::model::ImageRepository;
use crate::model::{
    Dependency, Level, Pin, Reference, RegionalBackup, RegistryHost, RepositoryPath, Strength,
};
use crate::source::{SourceMap, Span, TextRange};
use std::collections::{BTreeMap, HashMap};

/// Which region backups are kept in.
#[derive(Clone)]
enum Place {
    Region(String),
    /// Another region than any one resource's (a geo-redundant vault's
    /// paired region).
    Elsewhere,
    /// Not known: maybe another region.
    Unknown,
}

impl From<Option<String>> for Place {
    fn from(region: Option<String>) -> Self {
        region.map_or(Place::Unknown, Place::Region)
    }
}

/// Where one backup rule keeps a resource's backups.
struct Kept<'r> {
    /// The value that decides it.
    span: Span,
    region: Place,
    what: String,
    related: Vec<(Span, String)>,
    help: &'r str,
    /// Only a copy: never the place a finding is about.
    copy: bool,
}

const AWS_HELP: &str = "add a `copy_action` to this rule with a `destination_vault_arn` in another region, or replicate the backups there";
const REPLICATION: &str = "aws_db_instance_automated_backups_replication";
const SQL_HELP: &str = "set `location` to another region or a multi-region (`us`, `eu`, `asia`), or leave it unset: backups then go to the multi-region nearest the instance";
const AZURE_HELP: &str =
    "use geo-redundant storage (`GeoRedundant`): the backups are then copied to the paired region";

/// Azure vault types: the attribute that says how its backups are
/// stored, and its provider's default.
const AZURE_VAULTS: &[(&str, &str, Option<&str>)] = &[
    (
        "azurerm_recovery_services_vault",
        "storage_mode_type",
        Some("GeoRedundant"),
    ),
    ("azurerm_data_protection_backup_vault", "redundancy", None),
];

/// Azure protection types: the attribute naming the vault, and the one
/// naming what is protected.
const AZURE_PROTECTIONS: &[(&str, &str, &str)] = &[
    (
        "azurerm_backup_protected_vm",
        "recovery_vault_name",
        "source_vm_id",
    ),
    (
        "azurerm_backup_protected_file_share",
        "recovery_vault_name",
        "source_storage_account_id",
    ),
    (
        "azurerm_data_protection_backup_instance_disk",
        "vault_id",
        "disk_id",
    ),
    (
        "azurerm_data_protection_backup_instance_blob_storage",
        "vault_id",
        "storage_account_id",
    ),
    (
        "azurerm_data_protection_backup_instance_postgresql_flexible_server",
        "vault_id",
        "server_id",
    ),
    (
        "azurerm_data_protection_backup_instance_kubernetes_cluster",
        "vault_id",
        "kubernetes_cluster_id",
    ),
];

/// The managed resources of one root module, by address and by address
/// without instance key.
struct Index<'r> {
    resources: &'r [Resource],
    by_address: HashMap<&'r str, Vec<usize>>,
}

impl<'r> Index<'r> {
    fn new(resources: &'r [Resource]) -> Self {
        let mut by_address: HashMap<&'r str, Vec<usize>> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            if r.mode != Mode::Managed {
                continue;
            }
            by_address.entry(r.address.as_str()).or_default().push(i);
            if let Some(base) = without_key(&r.address) {
                by_address.entry(base).or_default().push(i);
            }
        }
        Self {
            resources,
            by_address,
        }
    }

    /// The instances an address names: the instance itself, or every
    /// instance of a resource written without key.
    fn get(&self, address: &str) -> impl Iterator<Item = &'r Resource> + '_ {
        self.by_address
            .get(address)
            .into_iter()
            .flatten()
            .map(|&i| &self.resources[i])
    }

    fn of_kind(&self, kind: &'r str) -> impl Iterator<Item = &'r Resource> + 'r {
        self.resources
            .iter()
            .filter(move |r| r.mode == Mode::Managed && r.kind == kind)
    }

    /// The resource of `kind` a value names: by reference, else by its
    /// `name` attribute (a vault's name written or evaluated in place).
    /// `None` when it names none or several.
    fn named(&self, value: &Value, kind: &str) -> Option<&'r Resource> {
        let found: Vec<&'r Resource> = match value {
            Value::Ref { address, .. } => self.get(address).filter(|r| r.kind == kind).collect(),
            Value::String(text) => self
                .resources
                .iter()
                .filter(|r| r.mode == Mode::Managed && r.kind == kind)
                .filter(|r| {
                    r.body.attr("name").and_then(|a| a.value.as_str()) == Some(text.as_str())
                        || r.address == *text
                })
                .collect(),
            _ => Vec::new(),
        };
        match found.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// `aws_instance.web[0]` → `aws_instance.web`; `None` without key.
fn without_key(address: &str) -> Option<&str> {
    let base = address.strip_suffix(']')?;
    let open = base.rfind('[')?;
    Some(&address[..open])
}

/// The region of a resource, as [`Resource::region`] gives it (a zone
/// stands for its region).
fn region(r: &Resource) -> Option<&str> {
    r.region.as_ref().map(|(name, _)| region_of(name))
}

/// The region an ARN names (`arn:aws:backup:eu-west-1:…`).
fn arn_region(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next()? == "arn").then_some(())?;
    let region = parts.nth(2)?;
    (!region.is_empty()).then_some(region)
}

/// The backups kept only in their resource's region, by the resource's
/// address.
pub(crate) fn regional_backups(resources: &[Resource]) -> HashMap<String, Vec<RegionalBackup>> {
    let index = Index::new(resources);
    let mut kept: HashMap<&str, Vec<Kept<'_>>> = HashMap::new();
    aws_backup(&index, &mut kept);
    aws_replication(&index, &mut kept);
    cloud_sql(&index, &mut kept);
    azure(&index, &mut kept);
    let mut out = HashMap::new();
    for (address, places) in kept {
        let Some(r) = index.get(address).next() else {
            continue;
        };
        let Some(own) = region(r) else {
            continue;
        };
        let all_here = places.iter().all(|k| match &k.region {
            Place::Region(there) => region_of(there).eq_ignore_ascii_case(own),
            Place::Elsewhere | Place::Unknown => false,
        });
        if !all_here {
            continue;
        }
        let mut facts: Vec<RegionalBackup> = places
            .into_iter()
            .filter(|k| !k.copy)
            .map(|k| RegionalBackup {
                span: k.span,
                region: own.to_string(),
                what: k.what,
                related: k.related,
                help: k.help.to_string(),
            })
            .collect();
        facts.sort_by_key(|f| f.span);
        facts.dedup_by_key(|f| f.span);
        if !facts.is_empty() {
            out.insert(address.to_string(), facts);
        }
    }
    out
}

/// Whether `tags` holds `key` = `value`.
fn tagged(r: &Resource, key: &str, value: &str) -> bool {
    ["tags", "tags_all"].iter().any(|name| {
        let Some(Value::Map(tags)) = r.body.attr(name).map(|a| &a.value) else {
            return false;
        };
        tags.get(key).and_then(Value::as_str) == Some(value)
    })
}

/// The resources an `aws_backup_selection` selects, with the span that
/// selects each; `None` when which is not known (a wildcard, an ARN, a
/// condition spof does not evaluate).
fn selected<'r>(index: &Index<'r>, s: &'r Resource) -> Option<Vec<(&'r Resource, Span)>> {
    let mut out = Vec::new();
    if let Some(attr) = s.body.attr("resources") {
        let items = attr.value.as_list()?;
        for item in items {
            let Value::Ref { address, .. } = item else {
                return None;
            };
            let span = s
                .references
                .iter()
                .find(|r| r.target == *address && r.via == "resources")
                .map_or(attr.span, |r| r.span);
            out.extend(index.get(address).map(|r| (r, span)));
        }
    }
    let tags: Vec<_> = s.body.blocks("selection_tag").collect();
    if !tags.is_empty() {
        if s.body.blocks("condition").next().is_some() {
            return None;
        }
        for tag in tags {
            let text = |name: &str| tag.body.attr(name).and_then(|a| a.value.as_str());
            let (Some(kind), Some(key), Some(value)) = (text("type"), text("key"), text("value"))
            else {
                return None;
            };
            if !kind.eq_ignore_ascii_case("STRINGEQUALS") {
                return None;
            }
            out.extend(
                index
                    .resources
                    .iter()
                    .filter(|r| r.mode == Mode::Managed && tagged(r, key, value))
                    .map(|r| (r, tag.span)),
            );
        }
    }
    let excluded: Vec<&str> = s
        .references
        .iter()
        .filter(|r| r.via == "not_resources")
        .map(|r| r.target.as_str())
        .collect();
    out.retain(|(r, _)| {
        !excluded
            .iter()
            .any(|x| r.address == *x || without_key(&r.address) == Some(x))
    });
    Some(out)
}

/// Where a backup vault is, as a value names it (a reference or the
/// vault's name, an ARN), and the places to show.
fn vault_place<'r>(
    index: &Index<'r>,
    value: &Value,
) -> (Option<String>, Option<&'r str>, Vec<(Span, String)>) {
    if let Some(v) = index.named(value, "aws_backup_vault") {
        let mut related = Vec::new();
        if let Some((name, span)) = &v.region {
            related.push((
                *span,
                format!("`{}` is in region `{}`", v.address, region_of(name)),
            ));
        }
        return (
            region(v).map(str::to_string),
            Some(v.address.as_str()),
            related,
        );
    }
    let arn = value.as_str().and_then(arn_region).map(str::to_string);
    (arn, None, Vec::new())
}

/// The places the rules of the plans of `aws_backup_selection`s keep the
/// backups of what they select.
fn aws_backup<'r>(index: &Index<'r>, kept: &mut HashMap<&'r str, Vec<Kept<'r>>>) {
    for s in index.of_kind("aws_backup_selection") {
        let Some(Value::Ref { address, .. }) = s.body.attr("plan_id").map(|a| &a.value) else {
            continue;
        };
        let plans: Vec<&Resource> = index
            .get(address)
            .filter(|p| p.kind == "aws_backup_plan")
            .collect();
        let Some(selected) = selected(index, s) else {
            continue;
        };
        for plan in plans {
            for (r, at) in &selected {
                kept.entry(r.address.as_str())
                    .or_default()
                    .extend(plan_rules(index, plan, r, *at));
            }
        }
    }
}

/// Where each rule of `plan` keeps the backups of `r` (selected at `at`),
/// and where it copies them.
fn plan_rules<'r>(index: &Index<'r>, plan: &'r Resource, r: &Resource, at: Span) -> Vec<Kept<'r>> {
    let mut out = Vec::new();
    for rule in plan.body.blocks("rule") {
        let name = rule
            .body
            .attr("rule_name")
            .and_then(|a| a.value.as_str())
            .map(|n| format!("rule `{n}`"))
            .unwrap_or_default();
        let Some(target) = rule.body.attr("target_vault_name") else {
            // Required by the provider: an incomplete plan says nothing.
            out.push(unknown(rule.span));
            continue;
        };
        let (region, vault, mut related) = vault_place(index, &target.value);
        related.push((
            at,
            format!("`{}` is selected for these backups here", r.address),
        ));
        let vault = vault.map(|v| format!("vault `{v}`")).unwrap_or_default();
        let detail = match (name.is_empty(), vault.is_empty()) {
            (true, true) => String::new(),
            (false, true) => format!(" ({name})"),
            (true, false) => format!(" ({vault})"),
            (false, false) => format!(" ({name}, {vault})"),
        };
        out.push(Kept {
            span: target.span,
            region: region.into(),
            what: format!("backup plan `{}`{detail}", plan.address),
            related,
            help: AWS_HELP,
            copy: false,
        });
        for copy in rule.body.blocks("copy_action") {
            let region = copy
                .body
                .attr("destination_vault_arn")
                .and_then(|a| vault_place(index, &a.value).0);
            out.push(Kept {
                region: region.into(),
                ..unknown(copy.span)
            });
        }
    }
    out
}

/// A place whose region is not known: the resource gets nothing.
fn unknown<'r>(span: Span) -> Kept<'r> {
    Kept {
        span,
        region: Place::Unknown,
        what: String::new(),
        related: Vec::new(),
        help: "",
        copy: true,
    }
}

/// An RDS instance's automated backups copied to the region of the
/// replication resource's provider.
fn aws_replication<'r>(index: &Index<'r>, kept: &mut HashMap<&'r str, Vec<Kept<'r>>>) {
    for copy in index.of_kind(REPLICATION) {
        let Some(Value::Ref { address, .. }) =
            copy.body.attr("source_db_instance_arn").map(|a| &a.value)
        else {
            continue;
        };
        for r in index.get(address) {
            kept.entry(r.address.as_str()).or_default().push(Kept {
                region: region(copy).map(str::to_string).into(),
                ..unknown(copy.span)
            });
        }
    }
}

/// A nested attribute: `settings.backup_configuration.location`.
fn nested<'b>(body: &'b Body, path: &[&'b str]) -> Option<&'b Attr> {
    let (last, blocks) = path.split_last()?;
    let mut body = body;
    for name in blocks {
        body = &body.blocks(name).next()?.body;
    }
    body.attr(last)
}

/// A Cloud SQL instance's backup location set to its own region.
fn cloud_sql<'r>(index: &Index<'r>, kept: &mut HashMap<&'r str, Vec<Kept<'r>>>) {
    for r in index.of_kind("google_sql_database_instance") {
        let enabled = nested(&r.body, &["settings", "backup_configuration", "enabled"])
            .and_then(|a| a.value.as_bool());
        let location = nested(&r.body, &["settings", "backup_configuration", "location"]);
        let (Some(true), Some(location)) = (enabled, location) else {
            continue;
        };
        let mut related = Vec::new();
        if let Some((name, span)) = &r.region {
            related.push((
                *span,
                format!("`{}` runs in region `{}`", r.address, region_of(name)),
            ));
        }
        kept.entry(r.address.as_str()).or_default().push(Kept {
            span: location.span,
            region: location.value.as_str().map(str::to_string).into(),
            what: "the `location` of its `backup_configuration`".to_string(),
            related,
            help: SQL_HELP,
            copy: false,
        });
    }
}

/// Resources protected by an Azure vault that keeps its backups in its own
/// region.
fn azure<'r>(index: &Index<'r>, kept: &mut HashMap<&'r str, Vec<Kept<'r>>>) {
    for &(kind, vault_attr, source_attr) in AZURE_PROTECTIONS {
        for p in index.of_kind(kind) {
            let Some(Value::Ref { address, .. }) = p.body.attr(source_attr).map(|a| &a.value)
            else {
                continue;
            };
            let Some(vault_value) = p.body.attr(vault_attr).map(|a| &a.value) else {
                continue;
            };
            let Some((vault, redundancy, default)) =
                AZURE_VAULTS.iter().find_map(|(k, attr, default)| {
                    Some((index.named(vault_value, k)?, *attr, *default))
                })
            else {
                continue;
            };
            let stored = vault.body.attr(redundancy);
            let storage = stored
                .and_then(|a| a.value.as_str())
                .or(if stored.is_none() { default } else { None });
            // Geo-redundant storage copies to the paired region.
            let local = storage.map(|s| !s.eq_ignore_ascii_case("GeoRedundant"));
            let region = match local {
                Some(true) => region(vault).map(str::to_string).into(),
                Some(false) => Place::Elsewhere,
                None => Place::Unknown,
            };
            let span = stored.map_or(vault.span, |a| a.span);
            for r in index.get(address) {
                kept.entry(r.address.as_str()).or_default().push(Kept {
                    span,
                    region: region.clone(),
                    what: format!(
                        "vault `{}`, whose storage is `{}`",
                        vault.address,
                        storage.unwrap_or_default()
                    ),
                    related: vec![(p.span, format!("`{}` is protected by it here", r.address))],
                    help: AZURE_HELP,
                    copy: false,
                });
            }
        }
    }
}

/// Resource types that serve container images.
const REGISTRIES: &[&str] = &[
    "aws_ecr_repository",
    "google_artifact_registry_repository",
    "azurerm_container_registry",
];

/// What a pin of a registry to its region says it is.
const REGISTRY_VIA: &str = "registry region";

/// Whether resources of `kind` serve container images: what refers to one
/// needs it to start, not to run.
pub(crate) fn is_registry(kind: &str) -> bool {
    REGISTRIES.contains(&kind)
}

/// The one region each registry serves its images from, by address, as a
/// pin at region level: not for a registry replicated to another region,
/// or whose replication is not known.
pub(crate) fn registry_regions(resources: &[Resource]) -> HashMap<String, Pin> {
    let index = Index::new(resources);
    let mut out = HashMap::new();
    for kind in REGISTRIES {
        for r in index.of_kind(kind) {
            let Some((name, span)) = &r.region else {
                continue;
            };
            let own = region_of(name);
            // An Artifact Registry multi-region (`us`, `europe`) spans
            // several regions.
            if !own.bytes().any(|b| b.is_ascii_digit()) && !r.kind.starts_with("azurerm_") {
                continue;
            }
            let single = match r.kind.as_str() {
                "aws_ecr_repository" => !ecr_replicated(&index, r, own),
                "azurerm_container_registry" => r.body.blocks("georeplications").next().is_none(),
                _ => true,
            };
            if single {
                out.insert(
                    r.address.clone(),
                    Pin {
                        level: Level::Region,
                        domains: vec![own.to_string()].into(),
                        span: *span,
                        via: REGISTRY_VIA,
                        axis: "",
                        origin: None,
                    },
                );
            }
        }
    }
    out
}

/// Whether an ECR repository in region `own` may be replicated to another
/// region: an `aws_ecr_replication_configuration` of its region (or of an
/// unknown one) with a rule whose destination is another region (or not
/// known), unless the rule's repository filters leave the repository out.
fn ecr_replicated(index: &Index<'_>, repo: &Resource, own: &str) -> bool {
    let name = repo.body.attr("name").and_then(|a| a.value.as_str());
    index
        .of_kind("aws_ecr_replication_configuration")
        .filter(|c| region(c).is_none_or(|r| r.eq_ignore_ascii_case(own)))
        .flat_map(|c| c.body.blocks("replication_configuration"))
        .flat_map(|c| c.body.blocks("rule"))
        .any(|rule| {
            let elsewhere = rule.body.blocks("destination").any(|d| {
                d.body
                    .attr("region")
                    .and_then(|a| a.value.as_str())
                    .is_none_or(|r| !r.eq_ignore_ascii_case(own))
            });
            let filters: Vec<_> = rule.body.blocks("repository_filter").collect();
            let covers = filters.is_empty()
                || filters.iter().any(|f| {
                    let prefix = f.body.attr("filter").and_then(|a| a.value.as_str());
                    match (prefix, name) {
                        (Some(prefix), Some(name)) => name.starts_with(prefix),
                        _ => true,
                    }
                });
            elsewhere && covers
        })
}

/// The repositories of container images the registries among `resources`
/// serve, each with its address: an `aws_ecr_repository` at
/// `<account>.dkr.ecr.<region>.amazonaws.com/<name>` (its account is rarely
/// written: any account's), a Docker `google_artifact_registry_repository`
/// at `<location>-docker.pkg.dev/<project>/<repository_id>/…` (any project
/// when its `project` is not written), an `azurerm_container_registry` at
/// `<name>.azurecr.io`. None whose region, location or name is not known.
pub(crate) fn image_repositories(
    resources: &[Resource],
) -> Vec<(&str, RegistryHost, RepositoryPath)> {
    let text = |r: &Resource, name: &str| {
        r.body
            .attr(name)
            .and_then(|a| a.value.as_str())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_ascii_lowercase)
    };
    let mut out = Vec::new();
    for r in resources.iter().filter(|r| r.mode == Mode::Managed) {
        let found = match r.kind.as_str() {
            "aws_ecr_repository" => region(r).zip(text(r, "name")).map(|(region, name)| {
                let host = format!(".dkr.ecr.{}.amazonaws.com", region.to_ascii_lowercase());
                (RegistryHost::AnyAccount(host), RepositoryPath::Exact(name))
            }),
            "google_artifact_registry_repository" => {
                let docker = text(r, "format").is_some_and(|f| f == "docker");
                let location =
                    text(r, "location").or_else(|| region(r).map(str::to_ascii_lowercase));
                location
                    .zip(text(r, "repository_id"))
                    .filter(|_| docker)
                    .map(|(location, id)| {
                        (
                            RegistryHost::Exact(format!("{location}-docker.pkg.dev")),
                            RepositoryPath::Under(vec![text(r, "project"), Some(id)]),
                        )
                    })
            }
            "azurerm_container_registry" => text(r, "name").map(|name| {
                (
                    RegistryHost::Exact(format!("{name}.azurecr.io")),
                    RepositoryPath::Under(Vec::new()),
                )
            }),
            _ => None,
        };
        if let Some((host, path)) = found {
            out.push((r.address.as_str(), host, path));
        }
    }
    out
}

/// The registry host and repository of each image a resource names in
/// place (an ECS task definition's `container_definitions`, a Lambda
/// function's `image_uri`, an App Runner `image_identifier`, the `image` of
/// a container block), with the image and where its attribute is written:
/// the host of a registry written literally rather than through a
/// reference to its repository.
fn written_images(r: &Resource) -> Vec<(String, String, String, Span)> {
    let mut out = Vec::new();
    body_images(&r.body, &mut out);
    out
}

/// [`written_images`] of a body and its nested blocks.
fn body_images(body: &Body, out: &mut Vec<(String, String, String, Span)>) {
    for (name, attr) in body.attrs.iter() {
        let Some(text) = attr.value.as_str() else {
            continue;
        };
        let mut images = Vec::new();
        if IMAGE_ATTRIBUTES.contains(&name.as_str()) {
            images.push(text.to_string());
        } else if text.trim_start().starts_with(['[', '{'])
            && let Ok(json) = serde_json::from_str::<serde_json::Value>(text)
        {
            json_images(&json, &mut images);
        }
        for image in images {
            let (Some(host), Some(repository)) = (
                hosts::image_registry(&image),
                hosts::image_repository(&image),
            ) else {
                continue;
            };
            if !out
                .iter()
                .any(|(h, p, _, _)| *h == host && *p == repository)
            {
                out.push((host, repository, image, attr.origin));
            }
        }
    }
    for (_, block) in &body.blocks {
        body_images(&block.body, out);
    }
}

/// What links the images of an estate to the registries it declares: the
/// repositories its registries serve, by root module, and the recovery
/// dependencies of the resources that name an image of a registry host
/// in place, by entity id, each at the image's text where it is written
/// in the attribute.
pub(crate) fn registry_links(
    resources: &[Resource],
    sources: &SourceMap,
) -> (
    BTreeMap<String, Vec<ImageRepository>>,
    HashMap<String, Vec<Dependency>>,
) {
    let mut repositories: BTreeMap<String, Vec<ImageRepository>> = BTreeMap::new();
    for group in resources.chunk_by(|a, b| a.root == b.root) {
        let Some(root) = group.first().map(|r| r.root.as_str()) else {
            continue;
        };
        for (address, host, path) in image_repositories(group) {
            repositories
                .entry(root.to_string())
                .or_default()
                .push(ImageRepository {
                    host,
                    path,
                    id: super::entity_id(root, address),
                });
        }
    }
    let mut images: HashMap<String, Vec<Dependency>> = HashMap::new();
    for r in resources.iter().filter(|r| r.mode == Mode::Managed) {
        for (host, repository, image, span) in written_images(r) {
            images
                .entry(super::entity_id(&r.root, &r.address))
                .or_default()
                .push(Dependency {
                    via: format!("its images come from `{host}`").into(),
                    target: Reference::Image { host, repository },
                    strength: Strength::Recovery,
                    span: narrowed(sources, span, &image),
                    explicit: false,
                    origin: None,
                });
        }
    }
    (repositories, images)
}

/// The text `needle` inside `span`, when it is written there once;
/// else `span`.
fn narrowed(sources: &SourceMap, span: Span, needle: &str) -> Span {
    let text = sources.get(span.file).text();
    let (start, end) = (span.range.start as usize, span.range.end as usize);
    let Some(within) = text.get(start..end) else {
        return span;
    };
    let mut found = within.match_indices(needle);
    match (found.next(), found.next()) {
        (Some((at, _)), None) => Span::new(
            span.file,
            TextRange::new(start + at, start + at + needle.len()),
        ),
        _ => span,
    }
}

/// The attributes that hold one container image reference.
const IMAGE_ATTRIBUTES: &[&str] = &["image", "image_uri", "image_identifier"];

/// The `image` members of a JSON document (ECS container definitions).
fn json_images(json: &serde_json::Value, out: &mut Vec<String>) {
    match json {
        serde_json::Value::Array(items) => items.iter().for_each(|i| json_images(i, out)),
        serde_json::Value::Object(members) => {
            for (key, value) in members {
                match value {
                    serde_json::Value::String(image) if key == "image" => out.push(image.clone()),
                    other => json_images(other, out),
                }
            }
        }
        _ => {}
    }
}

/// The recovery dependencies of EKS clusters on the OIDC issuers their
/// identity provider configurations sign engineers in through, by the
/// cluster's address.
pub(crate) fn sign_ins(resources: &[Resource]) -> HashMap<String, Vec<Dependency>> {
    let index = Index::new(resources);
    let mut out: HashMap<String, Vec<Dependency>> = HashMap::new();
    for config in index.of_kind("aws_eks_identity_provider_config") {
        // The cluster by reference, or by its name evaluated in place.
        let Some(cluster) = config
            .body
            .attr("cluster_name")
            .and_then(|a| index.named(&a.value, "aws_eks_cluster"))
        else {
            continue;
        };
        let Some(issuer) = nested(&config.body, &["oidc", "issuer_url"]) else {
            continue;
        };
        let Some(host) = issuer.value.as_str().and_then(hosts::endpoint_host) else {
            continue;
        };
        {
            out.entry(cluster.address.clone())
                .or_default()
                .push(Dependency {
                    target: Reference::Host(host.to_ascii_lowercase()),
                    strength: Strength::Recovery,
                    span: issuer.span,
                    via: format!(
                        "engineers sign in to it through `{host}`, the `issuer_url` of `{}`",
                        config.address
                    )
                    .into(),
                    explicit: false,
                    origin: None,
                });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{arn_region, is_registry, without_key};

    #[test]
    fn an_arn_names_its_region() {
        assert_eq!(
            arn_region("arn:aws:backup:eu-central-1:123456789012:backup-vault:dr"),
            Some("eu-central-1")
        );
        // Global services write no region; a name is no ARN.
        assert_eq!(arn_region("arn:aws:iam::123456789012:role/backup"), None);
        assert_eq!(arn_region("backup-vault"), None);
    }

    #[test]
    fn an_instance_address_names_its_resource() {
        assert_eq!(
            without_key("aws_db_instance.db[0]"),
            Some("aws_db_instance.db")
        );
        assert_eq!(
            without_key(r#"module.a["x"].aws_db_instance.db["b"]"#),
            Some(r#"module.a["x"].aws_db_instance.db"#)
        );
        assert_eq!(without_key("aws_db_instance.db"), None);
    }

    #[test]
    fn registries_are_the_image_serving_types() {
        assert!(is_registry("aws_ecr_repository"));
        assert!(is_registry("azurerm_container_registry"));
        assert!(!is_registry("aws_ecr_repository_policy"));
    }
}
