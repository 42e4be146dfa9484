use super::*;
use std::fs;

/// Creates `files` (relative paths) under `root`, each holding its own path.
fn touch(root: &Path, files: &[&str]) {
    for rel in files {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, rel).unwrap();
    }
}

fn opts(paths: &[&Path]) -> DiscoverOptions {
    DiscoverOptions {
        paths: paths.iter().map(|p| p.to_path_buf()).collect(),
        ..DiscoverOptions::default()
    }
}

/// Inputs as paths relative to `root`, with `explicit` marked by a `!`.
fn rel_inputs(found: &Discovered, root: &Path) -> Vec<String> {
    found
        .inputs
        .iter()
        .map(|input| match input {
            Input::Stdin => "-".to_string(),
            Input::File { path, explicit, .. } => {
                let rel = path.strip_prefix(root).unwrap_or(path);
                let rel = rel.to_string_lossy().replace('\\', "/");
                if *explicit { format!("!{rel}") } else { rel }
            }
        })
        .collect()
}

#[test]
fn walks_known_extensions_sorted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(
        root,
        &[
            "z.yaml",
            "b/c.yml",
            "a.json",
            "b.yaml",
            "notes.txt",
            "main.tf",
            "main.tfstate",
            "spof.toml",
        ],
    );
    let found = discover(&opts(&[root]));
    assert_eq!(
        rel_inputs(&found, root),
        ["a.json", "b/c.yml", "b.yaml", "main.tf", "z.yaml"]
    );
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    let kinds: Vec<_> = found
        .inputs
        .iter()
        .filter_map(|i| match i {
            Input::File { kind, .. } => Some(*kind),
            Input::Stdin => None,
        })
        .collect();
    assert_eq!(
        kinds,
        [
            FileKind::Json,
            FileKind::Yaml,
            FileKind::Yaml,
            FileKind::Terraform,
            FileKind::Yaml
        ]
    );
}

#[test]
fn honours_gitignore_and_ignore_files_without_git() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(
        root,
        &[
            "keep.yaml",
            "vendor/dep.yaml",
            "gen.out.yaml",
            "sub/also.yaml",
            "sub/local.yaml",
        ],
    );
    fs::write(root.join(".gitignore"), "vendor/\n*.out.yaml\n").unwrap();
    fs::write(root.join("sub/.ignore"), "local.yaml\n").unwrap();
    let found = discover(&opts(&[root]));
    assert_eq!(rel_inputs(&found, root), ["keep.yaml", "sub/also.yaml"]);
}

#[test]
fn skips_hidden_files_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(
        root,
        &[
            "visible.yaml",
            ".hidden.yaml",
            ".github/workflows/ci.yaml",
            ".git/x.json",
        ],
    );
    let found = discover(&opts(&[root]));
    assert_eq!(rel_inputs(&found, root), ["visible.yaml"]);

    // A hidden directory named on the command line is walked.
    let github = root.join(".github");
    let found = discover(&opts(&[&github]));
    assert_eq!(rel_inputs(&found, root), [".github/workflows/ci.yaml"]);
}

#[test]
fn excludes_apply_to_walked_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(
        root,
        &[
            "a.yaml",
            "legacy/old.yaml",
            "deep/legacy/old.yaml",
            "prod/x.yaml",
            "prod/sub/y.yaml",
            "other/prod/z.yaml",
            "skip-me.json",
        ],
    );
    let found = discover(&DiscoverOptions {
        paths: vec![root.to_path_buf()],
        excludes: vec![
            "legacy".to_string(),
            "/prod/*.yaml".to_string(),
            "skip-*.json".to_string(),
        ],
        force_exclude: false,
    });
    assert_eq!(
        rel_inputs(&found, root),
        ["a.yaml", "other/prod/z.yaml", "prod/sub/y.yaml"]
    );
}

#[test]
fn excludes_apply_to_explicit_files_only_when_forced() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, &["legacy/old.yaml", "new.yaml"]);
    let old = root.join("legacy/old.yaml");
    let new = root.join("new.yaml");
    let mut options = DiscoverOptions {
        paths: vec![old.clone(), new.clone()],
        excludes: vec!["legacy/".to_string()],
        force_exclude: false,
    };
    assert_eq!(
        rel_inputs(&discover(&options), root),
        ["!legacy/old.yaml", "!new.yaml"]
    );
    options.force_exclude = true;
    assert_eq!(rel_inputs(&discover(&options), root), ["!new.yaml"]);

    // An excluded directory named explicitly is walked unless forced.
    let legacy = root.join("legacy");
    options.paths = vec![legacy];
    options.force_exclude = false;
    assert_eq!(rel_inputs(&discover(&options), root), ["legacy/old.yaml"]);
    options.force_exclude = true;
    assert!(discover(&options).inputs.is_empty());
}

#[test]
fn explicit_files_are_read_whatever_gitignore_says() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, &["ignored.yaml", "README.md", "x.unknown"]);
    fs::write(root.join(".gitignore"), "ignored.yaml\n").unwrap();
    let paths = ["ignored.yaml", "README.md", "x.unknown"].map(|p| root.join(p));
    let found = discover(&DiscoverOptions {
        paths: paths.to_vec(),
        ..DiscoverOptions::default()
    });
    // Unknown extensions are skipped without complaint.
    assert_eq!(rel_inputs(&found, root), ["!ignored.yaml"]);
    assert!(found.problems.is_empty());
}

#[test]
fn stdin_marker_comes_first_and_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, &["a.yaml"]);
    let found = discover(&DiscoverOptions {
        paths: vec!["-".into(), root.to_path_buf(), "-".into()],
        ..DiscoverOptions::default()
    });
    assert_eq!(rel_inputs(&found, root), ["-", "a.yaml"]);
}

#[test]
fn a_file_given_and_walked_is_listed_once_as_explicit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, &["a.yaml", "b.yaml"]);
    let a = root.join("a.yaml");
    let a_again = root.join("./a.yaml");
    let found = discover(&opts(&[&a, root, &a_again]));
    assert_eq!(rel_inputs(&found, root), ["!a.yaml", "b.yaml"]);
}

#[test]
fn missing_paths_are_problems() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let found = discover(&opts(&[&missing]));
    assert!(found.inputs.is_empty());
    assert_eq!(
        found.problems,
        [(missing, "no such file or directory".to_string())]
    );
}

#[test]
fn invalid_exclude_is_reported() {
    assert!(validate_excludes(&["ok/**".to_string()]).is_ok());
    let err = validate_excludes(&["a{b".to_string()]).unwrap_err();
    assert_eq!(
        err,
        "invalid --exclude pattern `a{b`: unclosed alternate group; missing '}' \
         (maybe escape '{' with '[{]'?)"
    );
    let found = discover(&DiscoverOptions {
        paths: vec![tempfile::tempdir().unwrap().path().to_path_buf()],
        excludes: vec!["a{b".to_string()],
        force_exclude: false,
    });
    assert_eq!(found.problems.len(), 1);
    assert_eq!(found.problems[0].0, Path::new("--exclude"));
}

#[cfg(unix)]
#[test]
fn walked_symlinks_are_never_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    touch(outside.path(), &["secret.yaml", "dir/inner.yaml"]);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, &["real.yaml"]);
    symlink(outside.path().join("secret.yaml"), root.join("link.yaml")).unwrap();
    symlink(outside.path().join("dir"), root.join("linkdir")).unwrap();
    // A loop: walking it with links followed would never end.
    symlink(root, root.join("loop")).unwrap();
    symlink(root.join("self.yaml"), root.join("self.yaml")).unwrap();

    let found = discover(&opts(&[root]));
    assert_eq!(rel_inputs(&found, root), ["real.yaml"]);
    assert!(found.problems.is_empty(), "{:?}", found.problems);
}

#[cfg(unix)]
#[test]
fn explicit_symlinks_are_taken_and_loops_reported() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, &["real.yaml"]);
    let link = root.join("link.yaml");
    symlink(root.join("real.yaml"), &link).unwrap();
    let looped = root.join("loop.yaml");
    symlink(&looped, &looped).unwrap();
    let dangling = root.join("dangling.yaml");
    symlink(root.join("gone.yaml"), &dangling).unwrap();

    let found = discover(&opts(&[&link, &looped, &dangling]));
    assert_eq!(rel_inputs(&found, root), ["!link.yaml"]);
    let problem_paths: Vec<_> = found.problems.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(problem_paths, [dangling.clone(), looped.clone()]);
    assert_eq!(found.problems[0].1, "broken symlink");
}

#[cfg(unix)]
#[test]
fn unreadable_directory_is_a_problem() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, &["ok.yaml", "locked/x.yaml"]);
    let locked = root.join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root can read anything; the check is meaningless then.
    let readable = fs::read_dir(&locked).is_ok();
    let found = discover(&opts(&[root]));
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    if readable {
        return;
    }
    assert_eq!(rel_inputs(&found, root), ["ok.yaml"]);
    assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
    assert_eq!(found.problems[0].0, locked);
    assert_eq!(found.problems[0].1, "permission denied");
}

#[test]
fn git_root_finds_dot_git_directory_or_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("repo/.git")).unwrap();
    fs::create_dir_all(root.join("repo/a/b")).unwrap();
    assert_eq!(
        git_root(&root.join("repo/a/b")).as_deref(),
        Some(lexical_normalize(&root.join("repo")).as_path())
    );
    // A worktree or submodule has a `.git` file.
    fs::create_dir_all(root.join("repo/a/sub")).unwrap();
    fs::write(root.join("repo/a/sub/.git"), "gitdir: ../../.git\n").unwrap();
    assert_eq!(
        git_root(&root.join("repo/a/sub/./x/..")).as_deref(),
        Some(lexical_normalize(&root.join("repo/a/sub")).as_path())
    );
}

#[test]
fn lexical_normalize_drops_dots() {
    assert_eq!(lexical_normalize(Path::new("./a/./b")), Path::new("a/b"));
    assert_eq!(lexical_normalize(Path::new("a/../b")), Path::new("b"));
    assert_eq!(lexical_normalize(Path::new("../a/..")), Path::new(".."));
    assert_eq!(lexical_normalize(Path::new("/..")), Path::new("/"));
    assert_eq!(lexical_normalize(Path::new(".")), Path::new(""));
}

/// Relative paths keep the form they were given in; tests run from the
/// package root.
#[test]
fn relative_paths_are_kept_as_reached() {
    let show = |found: &Discovered| -> Vec<String> {
        found
            .inputs
            .iter()
            .map(|input| match input {
                Input::Stdin => "-".to_string(),
                Input::File { path, .. } => path.to_string_lossy().into_owned(),
            })
            .collect()
    };
    let found = discover(&opts(&[Path::new("testdata/discover/tree")]));
    assert_eq!(
        show(&found),
        [
            "testdata/discover/tree/a.yaml",
            "testdata/discover/tree/sub/b.yml",
            "testdata/discover/tree/sub/d.json",
        ]
    );
    let found = discover(&opts(&[Path::new("./testdata/discover/tree")]));
    assert_eq!(show(&found)[0], "./testdata/discover/tree/a.yaml");

    // An anchored exclude is relative to the current directory, and also to
    // the walk root.
    for (exclude, left) in [("/testdata/discover/tree/sub", 1), ("/sub/*.json", 2)] {
        let found = discover(&DiscoverOptions {
            paths: vec![PathBuf::from("./testdata/discover/tree")],
            excludes: vec![exclude.to_string()],
            force_exclude: false,
        });
        assert_eq!(show(&found).len(), left, "{exclude}: {:?}", show(&found));
    }
}
