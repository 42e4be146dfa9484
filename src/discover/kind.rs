use std::path::Path;

/// The format of an input file, decided by its name alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Yaml,
    Json,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Yaml => "yaml",
            FileKind::Json => "json",
        }
    }
}

/// Extension → kind. A new input format is one row here (plus its variant).
const EXTENSIONS: &[(&str, FileKind)] = &[
    ("yaml", FileKind::Yaml),
    ("yml", FileKind::Yaml),
    ("json", FileKind::Json),
];

/// The kind of input `path` holds, or `None` when spof does not read it.
///
/// `spof.toml` is spof's own configuration and never an input, even once
/// `.toml` manifests are supported.
pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if name == crate::config::CONFIG_FILE_NAME {
        return None;
    }
    let ext = path.extension()?.to_str()?;
    EXTENSIONS
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
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
        assert_eq!(classify(Path::new("main.tf")), None);
        assert_eq!(classify(Path::new("README")), None);
        assert_eq!(classify(Path::new(".yaml")), None);
        assert_eq!(classify(Path::new("dir/spof.toml")), None);
        assert_eq!(classify(Path::new("")), None);
    }
}
