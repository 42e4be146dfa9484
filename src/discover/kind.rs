use std::path::Path;

/// The format of an input file, decided by its name alone, except for
/// [`FileKind::Hcl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Yaml,
    Json,
    /// Terraform configuration and variables: `*.tf`, `*.tf.json`,
    /// `*.tfvars`, `*.tfvars.json`.
    Terraform,
    /// spof's own service manifest: `spof.services.toml`, `*.spof.toml`.
    Manifest,
    /// Nomad job files: `*.nomad`, `*.nomad.hcl`.
    Nomad,
    /// Other `*.hcl` files: Nomad jobs when their text is one
    /// ([`super::is_nomad_job`]), else not inputs (Packer, Terragrunt,
    /// Vault and Consul configuration share the syntax).
    Hcl,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Yaml => "yaml",
            FileKind::Json => "json",
            FileKind::Terraform => "terraform",
            FileKind::Manifest => "manifest",
            FileKind::Nomad => "nomad",
            FileKind::Hcl => "hcl",
        }
    }
}

/// Name suffix → kind, longest first (`.tf.json` before `.json`). A new
/// input format is one row here (plus its variant).
const SUFFIXES: &[(&str, FileKind)] = &[
    (".tfvars.json", FileKind::Terraform),
    (".nomad.hcl", FileKind::Nomad),
    (".spof.toml", FileKind::Manifest),
    (".tf.json", FileKind::Terraform),
    (".tfvars", FileKind::Terraform),
    (".yaml", FileKind::Yaml),
    (".json", FileKind::Json),
    (".yml", FileKind::Yaml),
    (".nomad", FileKind::Nomad),
    (".hcl", FileKind::Hcl),
    (".tf", FileKind::Terraform),
];

/// The service manifest's own name.
pub const MANIFEST_FILE_NAME: &str = "spof.services.toml";

/// The kind of input `path` holds, or `None` when spof does not read it.
///
/// `spof.toml` is spof's own configuration and never an input, even once
/// `.toml` manifests are supported.
pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if name == crate::config::CONFIG_FILE_NAME {
        return None;
    }
    if name.eq_ignore_ascii_case(MANIFEST_FILE_NAME) {
        return Some(FileKind::Manifest);
    }
    // Kustomize's third name for a kustomization, without an extension.
    if name == "Kustomization" {
        return Some(FileKind::Yaml);
    }
    SUFFIXES
        .iter()
        .find(|(suffix, _)| {
            // A suffix alone (`.yaml`) is a hidden file, not an input.
            name.len() > suffix.len()
                && name
                    .get(name.len() - suffix.len()..)
                    .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
        })
        .map(|&(_, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_extension() {
        assert_eq!(classify(Path::new("a/b.yaml")), Some(FileKind::Yaml));
        assert_eq!(classify(Path::new("b.yml")), Some(FileKind::Yaml));
        assert_eq!(classify(Path::new("b.YAML")), Some(FileKind::Yaml));
        assert_eq!(classify(Path::new("b.json")), Some(FileKind::Json));
        assert_eq!(classify(Path::new("main.tf")), Some(FileKind::Terraform));
        assert_eq!(
            classify(Path::new("m/x.tf.json")),
            Some(FileKind::Terraform)
        );
        assert_eq!(
            classify(Path::new("terraform.tfvars")),
            Some(FileKind::Terraform)
        );
        assert_eq!(
            classify(Path::new("prod.tfvars.json")),
            Some(FileKind::Terraform)
        );
        assert_eq!(classify(Path::new("x.tfstate")), None);
        assert_eq!(
            classify(Path::new("ops/spof.services.toml")),
            Some(FileKind::Manifest)
        );
        assert_eq!(
            classify(Path::new("dc.spof.toml")),
            Some(FileKind::Manifest)
        );
        assert_eq!(classify(Path::new("Cargo.toml")), None);
        assert_eq!(classify(Path::new("api.nomad")), Some(FileKind::Nomad));
        assert_eq!(classify(Path::new("api.nomad.hcl")), Some(FileKind::Nomad));
        assert_eq!(classify(Path::new("jobs/api.hcl")), Some(FileKind::Hcl));
        assert_eq!(classify(Path::new("x.pkr.hcl")), Some(FileKind::Hcl));
        assert_eq!(classify(Path::new(".hcl")), None);
        assert_eq!(classify(Path::new(".tf")), None);
        assert_eq!(classify(Path::new("README")), None);
        assert_eq!(
            classify(Path::new("overlays/prod/Kustomization")),
            Some(FileKind::Yaml)
        );
        assert_eq!(classify(Path::new(".yaml")), None);
        assert_eq!(classify(Path::new("dir/spof.toml")), None);
        assert_eq!(classify(Path::new("")), None);
    }
}
