//! Where backups are stored. A backup restores what an incident destroyed
//! only if the incident spared it:
//! - Velero: a `BackupStorageLocation`'s object store (`spec.config.s3Url`,
//!   an S3-compatible server such as MinIO) is a dependency of kind
//!   [`Strength::Backup`] of the Velero servers of its cluster and
//!   namespace; its `spec.config.region`, and a `VolumeSnapshotLocation`'s,
//!   is a backup region, compared with the region of the cluster;
//! - operators' databases: the object stores a custom resource's
//!   `backup-endpoints` name in the operator knowledge base (a
//!   CloudNativePG `Cluster`'s `spec.backup.barmanObjectStore.endpointURL`,
//!   Percona's and Crunchy's S3 storages) are dependencies of kind
//!   [`Strength::Backup`] of the database; their `backup-regions` are
//!   backup regions.

use super::operators::{OperatorKind, Path};
use super::{Index, Object, host_target, hosts};
use crate::frontends::tools::Tool;
use crate::model::{BackupRegion, Dependency, Strength};
use crate::parse::Node;

const VELERO: &str = "velero.io";

/// A backup dependency of the entity of `o` on the host of `url`, at
/// `value` of `holder`.
fn push(
    o: &Object<'_>,
    holder: &Object<'_>,
    value: &Node,
    via: &str,
    index: &Index<'_, '_>,
    deps: &mut Vec<Dependency>,
) {
    let Some(host) = value.as_text().and_then(hosts::endpoint_host) else {
        return;
    };
    let target = host_target(&host, o.namespace, index);
    if deps
        .iter()
        .any(|d| d.strength == Strength::Backup && d.target == target)
    {
        return;
    }
    deps.push(Dependency {
        target,
        strength: Strength::Backup,
        span: holder.span(value),
        via: format!("it stores backups in `{host}`, {via}").into(),
        explicit: false,
        origin: None,
    });
}

/// The backup dependencies of a Velero server `o` (recognised as `tool`):
/// the object stores of the `BackupStorageLocation`s of its cluster and
/// namespace.
pub(super) fn velero(
    o: &Object<'_>,
    tool: Option<&Tool>,
    index: &Index<'_, '_>,
    deps: &mut Vec<Dependency>,
) {
    if tool.map(|t| t.product.as_str()) != Some("Velero") {
        return;
    }
    for location in &index.backup_locations {
        if location.cluster != o.cluster || location.namespace != o.namespace {
            continue;
        }
        if let Some(url) = location.node.path(&["spec", "config", "s3Url"]) {
            let via = format!("the `s3Url` of BackupStorageLocation `{}`", location.name);
            push(o, location, url, &via, index, deps);
        }
    }
}

/// The backup dependencies of a custom resource of the operator knowledge
/// base (`entry`) on the object stores its `backup-endpoints` name: a
/// CloudNativePG `Cluster`'s `barmanObjectStore.endpointURL`, a Percona
/// storage's `s3.endpointUrl`, a Crunchy pgBackRest repository's
/// `s3.endpoint`.
pub(super) fn operated(
    o: &Object<'_>,
    entry: &OperatorKind,
    index: &Index<'_, '_>,
    deps: &mut Vec<Dependency>,
) {
    for path in &entry.backup_endpoints {
        for url in path.nodes(o.node) {
            let via = format!("{} of {} `{}`", written_at(path), o.kind, o.name);
            push(o, o, url, &via, index, deps);
        }
    }
}

/// The regions of the object stores a custom resource of the operator
/// knowledge base (`entry`) stores backups in, from its `backup-regions`.
pub(super) fn operated_regions(o: &Object<'_>, entry: &OperatorKind) -> Vec<BackupRegion> {
    let mut out = Vec::new();
    for path in &entry.backup_regions {
        for value in path.nodes(o.node) {
            let Some(region) = value.as_text().map(str::trim).filter(|r| !r.is_empty()) else {
                continue;
            };
            out.push(BackupRegion {
                span: o.span(value),
                region: region.to_string(),
                cluster: o.cluster,
                what: format!("{} `{}` (`{path}`)", o.kind, o.name),
            });
        }
    }
    out
}

/// `the `endpointURL` of the `barmanObjectStore``: the last key of a
/// path and the one before it, for messages.
fn written_at(path: &Path) -> String {
    let keys: Vec<&str> = path
        .0
        .iter()
        .rev()
        .filter(|k| *k != "*")
        .take(2)
        .map(String::as_str)
        .collect();
    match keys.as_slice() {
        [last, parent] => format!("the `{last}` of the `{parent}`"),
        [last] => format!("the `{last}`"),
        _ => "the object store".to_string(),
    }
}

/// Whether `o` is a Velero `BackupStorageLocation`.
pub(super) fn is_location(o: &Object<'_>) -> bool {
    o.api_group() == VELERO && o.kind == "BackupStorageLocation"
}

/// The region a Velero `BackupStorageLocation` or `VolumeSnapshotLocation`
/// stores its cluster's backups in (`spec.config.region`).
pub(super) fn region(o: &Object<'_>) -> Option<BackupRegion> {
    if o.api_group() != VELERO
        || !matches!(o.kind, "BackupStorageLocation" | "VolumeSnapshotLocation")
    {
        return None;
    }
    let value = o.node.path(&["spec", "config", "region"])?;
    let region = value.as_text().map(str::trim).filter(|r| !r.is_empty())?;
    let bucket = o
        .node
        .path(&["spec", "objectStorage", "bucket"])
        .and_then(Node::as_text)
        .map(|b| format!(" (bucket `{}`)", b.trim()))
        .unwrap_or_default();
    Some(BackupRegion {
        span: o.span(value),
        region: region.to_string(),
        cluster: o.cluster,
        what: format!("{} `{}`{bucket}", o.kind, o.name),
    })
}
