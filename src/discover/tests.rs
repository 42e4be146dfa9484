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

const YAML: FileKind = FileKind::new("yaml");
const JSON: FileKind = FileKind::new("json");
const TERRAFORM: FileKind = FileKind::new("terraform");

/// The claims the tests walk with (discovery itself knows no format).
const CLAIMS: &[Claim] = &[
    Claim::suffix(".yaml", YAML),
    Claim::suffix(".yml", YAML),
    Claim::suffix(".json", JSON),
    Claim::suffix(".tf", TERRAFORM),
    Claim::suffix(".tf.json", TERRAFORM),
];

fn test_classify(path: &Path) -> Option<FileKind> {
    classify(path, CLAIMS)
}

fn test_options() -> DiscoverOptions {
    DiscoverOptions {
        classify: test_classify,
        ..DiscoverOptions::default()
    }
}

fn opts(paths: &[&Path]) -> DiscoverOptions {
    DiscoverOptions {
        paths: paths.iter().map(|p| p.to_path_buf()).collect(),
        ..test_options()
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
    assert_eq!(kinds, [JSON, YAML, YAML, TERRAFORM, YAML]);
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
        max_file_size: DEFAULT_MAX_FILE_SIZE,
        classify: test_classify,
        side_dirs: |_| Vec::new(),
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
        max_file_size: DEFAULT_MAX_FILE_SIZE,
        classify: test_classify,
        side_dirs: |_| Vec::new(),
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
        ..test_options()
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
        ..test_options()
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
        max_file_size: DEFAULT_MAX_FILE_SIZE,
        classify: test_classify,
        side_dirs: |_| Vec::new(),
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
/// package root. (The tree's `.ignore` hides `ignored.yaml`, which git
/// tracks: a `.gitignore` would not.)
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
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            classify: test_classify,
            side_dirs: |_| Vec::new(),
        });
        assert_eq!(show(&found).len(), left, "{exclude}: {:?}", show(&found));
    }
}

/// The parallel walk's own failures read as the sequential walk (walkdir)
/// worded them; failures in ignore files keep their plain wording.
#[test]
fn walk_errors_are_worded_as_the_sequential_walk_worded_them() {
    use ignore::Error::{Io, Partial, WithDepth, WithPath};
    let root = Path::new("root");
    let sub = root.join("sub");
    let eio = || io::Error::from_raw_os_error(5);
    let plain = eio().to_string();
    let with_path = |path: &Path, err: ignore::Error| WithPath {
        path: path.to_path_buf(),
        err: Box::new(err),
    };
    let with_depth = |depth: usize, err: ignore::Error| WithDepth {
        depth,
        err: Box::new(err),
    };
    // A directory that cannot be opened.
    assert_eq!(
        walk_error(&with_depth(1, with_path(&sub, Io(eio()))), root),
        (
            sub.clone(),
            format!("IO error for operation on root/sub: {plain}")
        )
    );
    assert_eq!(
        walk_error(
            &with_depth(
                1,
                with_path(&sub, Io(io::Error::from(io::ErrorKind::PermissionDenied)))
            ),
            root
        ),
        (sub.clone(), "permission denied".to_string())
    );
    // Listing it failed part-way: the error is a level below and names no
    // path, so the walk's root stands for it.
    assert_eq!(
        walk_error(&with_depth(2, with_path(&sub, Io(eio()))), root),
        (root.to_path_buf(), plain.clone())
    );
    // An entry whose type cannot be read, and the root itself.
    let entry = sub.join("x.yaml");
    assert_eq!(
        walk_error(
            &with_depth(2, with_path(&entry, with_depth(2, Io(eio())))),
            root
        ),
        (
            entry.clone(),
            format!("IO error for operation on root/sub/x.yaml: {plain}")
        )
    );
    assert_eq!(
        walk_error(
            &with_path(
                root,
                with_depth(0, Io(io::Error::from(io::ErrorKind::NotFound)))
            ),
            root
        ),
        (root.to_path_buf(), "no such file or directory".to_string())
    );
    // An ignore file that cannot be read.
    let gitignore = sub.join(".gitignore");
    assert_eq!(
        walk_error(&Partial(vec![with_path(&gitignore, Io(eio()))]), root),
        (gitignore, plain)
    );
}

/// Files walked in parallel are visited once each, on the walk's threads,
/// and come back in path order with their keys; a file also named keeps no
/// visit.
#[test]
fn visits_walked_files_once_in_path_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut names: Vec<String> = (0..40).map(|i| format!("d{}/f{i}.yaml", i % 7)).collect();
    names.push("a.yaml".to_string());
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    touch(root, &refs);
    let named = root.join("a.yaml");
    let (found, visited) = discover_visiting(&opts(&[root, &named]), |path, count: &mut usize| {
        *count += 1;
        Some(fs::read_to_string(path).unwrap())
    });
    let listed = rel_inputs(&found, root);
    let mut sorted: Vec<String> = names.clone();
    sorted.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    let expected: Vec<String> = sorted
        .iter()
        .map(|n| {
            if n == "a.yaml" {
                "!a.yaml".to_string()
            } else {
                n.clone()
            }
        })
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(visited.len(), found.inputs.len());
    for (input, visited) in found.inputs.iter().zip(&visited) {
        let path = input.path().unwrap();
        assert_eq!(
            visited.key.as_deref(),
            Some(lexical_normalize(path).as_path())
        );
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel == "a.yaml" {
            assert_eq!(visited.visit, None);
        } else {
            assert_eq!(visited.visit.as_deref(), Some(rel.as_str()));
        }
    }
}

/// Runs `git ARGS` in `dir` (the tests' only use of git: spof reads the
/// index itself).
fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn tracked_files_are_read_whatever_gitignore_says() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(
        root,
        &[
            "keep.yaml",
            "rendered/web.yaml",
            "rendered/scratch.yaml",
            "gen.out.yaml",
            "sub/local.yaml",
            "sub/.hidden/x.yaml",
            "excluded/x.yaml",
            "deploy/web.gen.yaml",
        ],
    );
    fs::write(
        root.join(".gitignore"),
        "rendered/\n*.out.yaml\nsub/\nexcluded/\n*.gen.yaml\n",
    )
    .unwrap();
    git(root, &["init", "-q"]);
    // Tracked despite the patterns: all but `rendered/scratch.yaml`.
    git(
        root,
        &[
            "add",
            "-f",
            "keep.yaml",
            "rendered/web.yaml",
            "gen.out.yaml",
            "sub",
            "excluded",
            "deploy",
        ],
    );
    fs::write(root.join("sub/.ignore"), "local.yaml\n").unwrap();
    let found = discover(&DiscoverOptions {
        paths: vec![root.to_path_buf()],
        excludes: vec!["excluded/".into()],
        force_exclude: false,
        max_file_size: DEFAULT_MAX_FILE_SIZE,
        classify: test_classify,
        side_dirs: |_| Vec::new(),
    });
    // `.ignore` files, hidden files and --exclude still apply; untracked
    // ignored files stay out.
    assert_eq!(
        rel_inputs(&found, root),
        [
            "deploy/web.gen.yaml",
            "gen.out.yaml",
            "keep.yaml",
            "rendered/web.yaml"
        ]
    );
    // Walking a directory below the root of the work tree.
    let deploy = root.join("deploy");
    let found = discover(&opts(&[&deploy]));
    assert_eq!(rel_inputs(&found, root), ["deploy/web.gen.yaml"]);
    // A tracked file behind a directory that became a symbolic link is not
    // followed.
    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        let elsewhere = outside.path().join("rendered");
        fs::rename(root.join("rendered"), &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("rendered")).unwrap();
        let found = discover(&DiscoverOptions {
            paths: vec![root.to_path_buf()],
            excludes: vec!["excluded/".into()],
            force_exclude: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            classify: test_classify,
            side_dirs: |_| Vec::new(),
        });
        assert_eq!(
            rel_inputs(&found, root),
            ["deploy/web.gen.yaml", "gen.out.yaml", "keep.yaml"]
        );
    }
}

/// Ignore files in the directories that hold a repository are not its: a
/// `*.yaml` above the repository root must not hide every file of it.
/// Those between the repository root and the walk's root are applied, as
/// git applies them.
#[test]
fn ignore_files_stop_at_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    let above = dir.path();
    fs::write(above.join(".gitignore"), "*.yaml\n").unwrap();
    fs::write(above.join(".ignore"), "*.json\n").unwrap();
    let repo = above.join("repo");
    fs::create_dir_all(repo.join(".git/info")).unwrap();
    fs::write(repo.join(".git/info/exclude"), "excluded.yaml\n").unwrap();
    fs::write(repo.join(".gitignore"), "*.out.yaml\n/sub/anchored.yaml\n").unwrap();
    touch(
        &repo,
        &[
            "a.yaml",
            "b.json",
            "excluded.yaml",
            "sub/c.yaml",
            "sub/gen.out.yaml",
            "sub/keep.out.yaml",
            "sub/anchored.yaml",
        ],
    );
    fs::write(repo.join("sub/.gitignore"), "!keep.out.yaml\n").unwrap();
    let found = discover(&opts(&[&repo]));
    assert_eq!(
        rel_inputs(&found, &repo),
        ["a.yaml", "b.json", "sub/c.yaml", "sub/keep.out.yaml"]
    );
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    // Walking a subdirectory, the repository's rules still apply.
    let sub = repo.join("sub");
    let found = discover(&opts(&[&sub]));
    assert_eq!(
        rel_inputs(&found, &repo),
        ["sub/c.yaml", "sub/keep.out.yaml"]
    );
    // Outside a repository the walk's root is where ignore files start.
    let export = above.join("export");
    touch(&export, &["a.yaml", "sub/b.yaml"]);
    fs::write(export.join("sub/.gitignore"), "b.yaml\n").unwrap();
    let found = discover(&opts(&[&export]));
    assert_eq!(rel_inputs(&found, &export), ["a.yaml"]);
    let sub = export.join("sub");
    touch(&sub, &["c.yaml"]);
    fs::write(export.join(".gitignore"), "c.yaml\n").unwrap();
    let found = discover(&opts(&[&sub]));
    assert_eq!(rel_inputs(&found, &export), ["sub/c.yaml"]);
}

/// A worktree's or submodule's `.git` is a file naming its git directory:
/// `info/exclude` is read from the common directory that one names.
#[test]
fn a_worktree_reads_the_main_repository_exclude_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("main/.git/info")).unwrap();
    fs::create_dir_all(root.join("main/.git/worktrees/wt")).unwrap();
    fs::write(root.join("main/.git/info/exclude"), "local.yaml\n").unwrap();
    fs::write(root.join("main/.git/worktrees/wt/commondir"), "../..\n").unwrap();
    let tree = root.join("wt");
    touch(&tree, &["a.yaml", "local.yaml"]);
    let pointer = format!(
        "gitdir: {}\n",
        root.join("main/.git/worktrees/wt").display()
    );
    fs::write(tree.join(".git"), pointer).unwrap();
    let found = discover(&opts(&[&tree]));
    assert_eq!(rel_inputs(&found, &tree), ["a.yaml"]);
}

/// An ignore file over the size limit, a link, a FIFO, or a line that is no
/// pattern: a problem naming it, and the file (or the line) is not applied.
#[test]
fn ignore_files_that_cannot_be_used_are_problems() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(
        root,
        &[
            "a.yaml",
            "big/x.yaml",
            "bad/y.yaml",
            "bad/z.yaml",
            "link/w.yaml",
        ],
    );
    fs::write(
        root.join("big/.gitignore"),
        format!("x.yaml\n{}\n", "#".repeat(100)),
    )
    .unwrap();
    fs::write(root.join("bad/.gitignore"), b"y.yaml\nz{.yaml\n\xff\n").unwrap();
    let mut options = opts(&[root]);
    options.max_file_size = 64;
    #[cfg(unix)]
    {
        fs::write(root.join("elsewhere"), "w.yaml\n").unwrap();
        std::os::unix::fs::symlink(root.join("elsewhere"), root.join("link/.gitignore")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(root.join(".ignore"))
            .status();
        assert!(made.is_ok_and(|s| s.success()));
    }
    let found = discover(&options);
    assert_eq!(
        rel_inputs(&found, root),
        ["a.yaml", "bad/z.yaml", "big/x.yaml", "link/w.yaml"]
    );
    let problems: Vec<(String, String)> = found
        .problems
        .iter()
        .map(|(p, m)| {
            let p = p.strip_prefix(root).unwrap_or(p);
            (p.to_string_lossy().into_owned(), m.clone())
        })
        .collect();
    let mut expected = vec![
        (
            "bad/.gitignore".to_string(),
            "line 2: invalid pattern `z{.yaml`: unclosed alternate group; missing '}' (maybe \
             escape '{' with '[{]'?)"
                .to_string(),
        ),
        (
            "bad/.gitignore".to_string(),
            "line 3: not valid UTF-8; the line is not applied".to_string(),
        ),
        (
            "big/.gitignore".to_string(),
            "ignore file is too large (108 bytes; the limit is 64); it is not applied".to_string(),
        ),
    ];
    if cfg!(unix) {
        let special = "ignore file is not a regular file (a symbolic link, a FIFO or a device); \
                       it is not applied";
        expected.insert(0, (".ignore".to_string(), special.to_string()));
        expected.push(("link/.gitignore".to_string(), special.to_string()));
    }
    assert_eq!(problems, expected);
}

/// A hidden file is walked when an ignore file re-includes it, as the
/// walker did.
#[test]
fn an_ignore_file_can_re_include_a_hidden_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, &["a.yaml", ".hidden.yaml", ".other.yaml"]);
    fs::write(root.join(".gitignore"), "!.hidden.yaml\n").unwrap();
    let found = discover(&opts(&[root]));
    assert_eq!(rel_inputs(&found, root), [".hidden.yaml", "a.yaml"]);
}

/// The side directories a frontend names for a directory of inputs are
/// read, hidden as they are, without their subdirectories; other hidden
/// directories are not.
#[test]
fn side_directories_of_input_directories_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(
        root,
        &[
            "a.yaml",
            ".side/b.yaml",
            ".side/deeper/c.yaml",
            ".other/d.yaml",
        ],
    );
    let found = discover(&DiscoverOptions {
        paths: vec![root.to_path_buf()],
        side_dirs: |dir| vec![dir.join(".side")],
        ..test_options()
    });
    assert_eq!(rel_inputs(&found, root), [".side/b.yaml", "a.yaml"]);
}
