//! Modules `terraform init` installed: `.terraform/modules/modules.json`
//! in a root module's directory maps each module call, by its key (`vpc`,
//! `eks.node_group`: the calls' names from the root module, joined by
//! dots), to the directory that holds the module's code. Those directories
//! are read as local modules; nothing else under `.terraform/` is.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Where `terraform init` writes the module manifest, below a root module.
pub const MANIFEST: &str = ".terraform/modules/modules.json";

/// The largest manifest read: one entry per module call.
const MAX_MANIFEST_SIZE: u64 = 4 * 1024 * 1024;

#[derive(serde::Deserialize)]
struct Manifest {
    #[serde(rename = "Modules", default)]
    modules: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    #[serde(rename = "Key", default)]
    key: String,
    #[serde(rename = "Dir", default)]
    dir: String,
}

/// The manifest's entries of `root` (a root module's directory): each call
/// key with its directory, joined to `root`. A directory that leaves
/// `root` (`..`, an absolute path) is left out; so is the root's own
/// entry. Empty when there is no manifest or it cannot be read.
pub fn manifest(root: &Path) -> BTreeMap<String, PathBuf> {
    let Ok(text) = crate::discover::read_file(&root.join(MANIFEST), MAX_MANIFEST_SIZE) else {
        return BTreeMap::new();
    };
    let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else {
        return BTreeMap::new();
    };
    manifest
        .modules
        .into_iter()
        .filter(|e| !e.key.is_empty() && inside(&e.dir))
        .map(|e| {
            (
                e.key,
                crate::discover::lexical_normalize(&root.join(&e.dir)),
            )
        })
        .collect()
}

/// Whether a manifest's `Dir` stays inside the root module's directory.
fn inside(dir: &str) -> bool {
    let path = Path::new(dir);
    !dir.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// The installed directories of a root module's manifest that are below
/// `.terraform/`, the ones a walk does not read (the others are local
/// modules, read as any directory).
pub fn installed_dirs(root: &Path) -> Vec<PathBuf> {
    let hidden = crate::discover::lexical_normalize(&root.join(".terraform"));
    let mut dirs: Vec<PathBuf> = manifest(root)
        .into_values()
        .filter(|d| d.starts_with(&hidden))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The calls the manifest resolves, by the calling module's directory and
/// the call's name: `vpc` is called from `root`, `eks.node_group` from the
/// directory of `eks`. The first key (in order) wins when two keys give
/// one caller the same name (a local module called twice).
pub fn calls(root: &Path) -> BTreeMap<(PathBuf, String), PathBuf> {
    let entries = manifest(root);
    let root = crate::discover::lexical_normalize(root);
    let mut calls = BTreeMap::new();
    for (key, dir) in &entries {
        let (caller, name) = match key.rsplit_once('.') {
            Some((parent, name)) => match entries.get(parent) {
                Some(parent_dir) => (parent_dir.clone(), name),
                None => continue,
            },
            None => (root.clone(), key.as_str()),
        };
        calls
            .entry((caller, name.to_string()))
            .or_insert_with(|| dir.clone());
    }
    calls
}

/// The registry address of a module source, lowercase, with its
/// subdirectory (`terraform-aws-modules/eks/aws//modules/karpenter`): a
/// registry source (`NAMESPACE/NAME/PROVIDER`, on the public registry with
/// or without its host), or a GitHub repository named as registry modules
/// are published (`github.com/cloudposse/terraform-aws-rds-cluster`, with
/// `git::`, `.git`, `?ref=`): `cloudposse/rds-cluster/aws`. `None` for any
/// other source.
pub fn registry_address(source: &str) -> Option<String> {
    let source = source.trim();
    let source = source.split_once('?').map_or(source, |(s, _)| s);
    let source = source.strip_prefix("git::").unwrap_or(source);
    let source = ["https://", "http://", "ssh://", "git@"]
        .iter()
        .find_map(|scheme| source.strip_prefix(scheme))
        .unwrap_or(source);
    let (path, sub) = match source.split_once("//") {
        Some((path, sub)) => (path, Some(sub.trim_matches('/'))),
        None => (source, None),
    };
    let path = path.trim_end_matches('/');
    let parts: Vec<&str> = path.split('/').collect();
    let address = match parts.as_slice() {
        [host, owner, repo] if host.eq_ignore_ascii_case("github.com") => {
            github_address(owner, repo)?
        }
        ["registry.terraform.io", namespace, name, provider] | [namespace, name, provider] => {
            [*namespace, *name, *provider].join("/")
        }
        [host_owner, repo] => {
            let owner = host_owner.strip_prefix("github.com:")?;
            github_address(owner, repo)?
        }
        _ => return None,
    };
    let valid = |s: &str, dot: bool| {
        !s.is_empty()
            && s.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/') || (dot && c == '.')
            })
    };
    if !valid(&address, false) || address.split('/').any(str::is_empty) {
        return None;
    }
    let address = address.to_ascii_lowercase();
    Some(match sub.filter(|s| !s.is_empty()) {
        Some(sub) if valid(sub, true) => format!("{address}//{sub}"),
        Some(_) => return None,
        None => address,
    })
}

/// `OWNER/NAME/PROVIDER` of a GitHub repository named
/// `terraform-PROVIDER-NAME`.
fn github_address(owner: &str, repo: &str) -> Option<String> {
    let repo = repo.strip_suffix(".git").unwrap_or(repo);
    let rest = repo.strip_prefix("terraform-")?;
    let (provider, name) = rest.split_once('-')?;
    Some(format!("{owner}/{name}/{provider}"))
}

#[cfg(test)]
mod tests {
    use super::registry_address;

    #[test]
    fn registry_addresses_of_module_sources() {
        let cases = [
            (
                "terraform-aws-modules/vpc/aws",
                Some("terraform-aws-modules/vpc/aws"),
            ),
            (
                "registry.terraform.io/Azure/aks/azurerm",
                Some("azure/aks/azurerm"),
            ),
            (
                "terraform-aws-modules/eks/aws//modules/eks-managed-node-group",
                Some("terraform-aws-modules/eks/aws//modules/eks-managed-node-group"),
            ),
            (
                "git::https://github.com/cloudposse/terraform-aws-rds-cluster.git?ref=tags/1.9.0",
                Some("cloudposse/rds-cluster/aws"),
            ),
            (
                "github.com/cloudposse/terraform-null-label",
                Some("cloudposse/label/null"),
            ),
            (
                "git@github.com:terraform-google-modules/terraform-google-sql-db.git//modules/postgresql",
                Some("terraform-google-modules/sql-db/google//modules/postgresql"),
            ),
            ("./modules/db", None),
            ("s3::https://bucket.s3.amazonaws.com/vpc.zip", None),
            ("app.terraform.io/acme/vpc/aws/extra", None),
            ("github.com/acme/infra", None),
            ("bitbucket.org/acme/vpc", None),
        ];
        for (source, expected) in cases {
            assert_eq!(registry_address(source).as_deref(), expected, "{source}");
        }
    }
}
