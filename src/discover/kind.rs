use std::path::Path;

/// spof's own configuration file: never an input, whatever claims its name.
pub const CONFIG_FILE_NAME: &str = "spof.toml";

/// What a file is, by its name: the name of the frontend that claims it,
/// and whether its text must also confirm the claim (HCL is the syntax of
/// Nomad jobs and of Packer, Terragrunt and Vault configuration alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileKind {
    pub frontend: &'static str,
    pub by_content: bool,
}

impl FileKind {
    /// Files of `frontend`, by their name alone.
    pub const fn new(frontend: &'static str) -> Self {
        Self {
            frontend,
            by_content: false,
        }
    }

    /// Files `frontend` may read, once their text says so.
    pub const fn by_content(frontend: &'static str) -> Self {
        Self {
            frontend,
            by_content: true,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.frontend
    }
}

/// A file name a frontend claims. Discovery knows no format: the caller
/// gives it the claims (see `DiscoverOptions::classify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub name: Name,
    pub kind: FileKind,
}

/// How a claim matches a file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    /// The name ends with this, ignoring ASCII case, and is longer (a
    /// suffix alone, `.yaml`, is a hidden file, not an input).
    Suffix(&'static str),
    /// The whole name, ignoring ASCII case.
    Whole(&'static str),
    /// The whole name, in this case.
    Exact(&'static str),
}

impl Claim {
    pub const fn suffix(suffix: &'static str, kind: FileKind) -> Self {
        Self {
            name: Name::Suffix(suffix),
            kind,
        }
    }

    pub const fn whole(name: &'static str, kind: FileKind) -> Self {
        Self {
            name: Name::Whole(name),
            kind,
        }
    }

    pub const fn exact(name: &'static str, kind: FileKind) -> Self {
        Self {
            name: Name::Exact(name),
            kind,
        }
    }
}

/// The kind of input `path` holds by the `claims`, or `None` when no claim
/// takes it: a whole name before any suffix, the longest suffix first
/// (`.tf.json` before `.json`), and [`CONFIG_FILE_NAME`] never.
pub fn classify<'a>(
    path: &Path,
    claims: impl IntoIterator<Item = &'a Claim> + Clone,
) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if name == CONFIG_FILE_NAME {
        return None;
    }
    let whole = claims.clone().into_iter().find(|c| match c.name {
        Name::Whole(whole) => name.eq_ignore_ascii_case(whole),
        Name::Exact(exact) => name == exact,
        Name::Suffix(_) => false,
    });
    if let Some(claim) = whole {
        return Some(claim.kind);
    }
    claims
        .into_iter()
        .filter_map(|c| match c.name {
            Name::Suffix(suffix)
                if name.len() > suffix.len()
                    && name
                        .get(name.len() - suffix.len()..)
                        .is_some_and(|end| end.eq_ignore_ascii_case(suffix)) =>
            {
                Some((suffix.len(), c.kind))
            }
            _ => None,
        })
        .max_by_key(|&(length, _)| length)
        .map(|(_, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: FileKind = FileKind::new("a");
    const B: FileKind = FileKind::new("b");
    const CLAIMS: &[Claim] = &[
        Claim::suffix(".json", A),
        Claim::suffix(".b.json", B),
        Claim::whole("b.list", B),
        Claim::exact("Blist", B),
    ];

    fn kind(path: &str) -> Option<FileKind> {
        classify(Path::new(path), CLAIMS)
    }

    #[test]
    fn the_longest_suffix_and_whole_names_win() {
        assert_eq!(kind("x/y.json"), Some(A));
        assert_eq!(kind("y.JSON"), Some(A));
        assert_eq!(kind("y.b.json"), Some(B));
        assert_eq!(kind("B.LIST"), Some(B));
        assert_eq!(kind("d/Blist"), Some(B));
        assert_eq!(kind("blist"), None);
        assert_eq!(kind(".json"), None);
        assert_eq!(kind("README"), None);
        assert_eq!(kind(""), None);
    }

    #[test]
    fn the_configuration_is_never_an_input() {
        let claims = [Claim::suffix(".toml", A)];
        assert_eq!(classify(Path::new("dir/spof.toml"), &claims), None);
        assert_eq!(classify(Path::new("x.toml"), &claims), Some(A));
    }
}
