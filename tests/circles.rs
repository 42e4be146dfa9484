//! The files of one folder of `src/` import one another without a circle
//! (docs/architecture.md, "Layers"): inside a folder, the files (and the
//! subfolders, each taken whole) form an order, as the top-level modules do
//! in `tests/layers.rs`. A circle (`build.rs` names `config.rs`, which names
//! `build.rs`) is two files that can only be read, changed and tested
//! together.
//!
//! What counts is every path a file's code writes, in `use` declarations
//! and in expressions: `crate::…`, `super::…`, `self::…`, and in a folder's
//! `mod.rs` its child modules by their names. A name that a folder's
//! `mod.rs` (or `lib.rs`) imports and a child reaches through it
//! (`super::Build`, imported there from `base`) counts as the file it comes
//! from. The folder's own `mod.rs` is not one of its files: it is the
//! folder, which its children may name and which names them. Comments,
//! doc links and strings are not imports.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// A module below the crate root: `["frontends", "kustomize", "build"]`.
type ModPath = Vec<String>;

/// One file of `src/`.
struct File {
    /// Relative to `src/`, for messages.
    name: String,
    /// The module the file is.
    module: ModPath,
    /// `mod.rs`, `lib.rs` or `main.rs`: a folder's (or the crate's) root.
    root: bool,
}

/// A path the code writes, made absolute, and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    path: ModPath,
    line: usize,
    text: String,
}

/// What one file says: the paths it writes, and the names its top-level
/// `use` declarations bind (`Build` → `frontends::kustomize::base::Build`).
#[derive(Debug, Default)]
struct Read {
    references: Vec<Reference>,
    imports: BTreeMap<String, ModPath>,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .expect("a folder of src/ is readable")
        .map(|e| e.expect("an entry").path())
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            rust_files(&entry, out);
        } else if entry.extension().is_some_and(|e| e == "rs") {
            out.push(entry);
        }
    }
}

/// The module a file of `src/` is, from its path relative to `src/`.
fn module_of(relative: &Path) -> (ModPath, bool) {
    let mut module: ModPath = relative
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = module.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs").to_string();
    let root = stem == "mod" || (module.is_empty() && (stem == "lib" || stem == "main"));
    if !root {
        module.push(stem);
    }
    (module, root)
}

/// `text` with its comments, strings and character literals blanked out
/// (lines kept), so that only code is read.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && (i == 0
                || !ident(chars[i - 1])
                || (chars[i - 1] == 'b' && (i < 2 || !ident(chars[i - 2]))))
        {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let start = i + 2 + hashes;
            let rest: String = chars[start..].iter().collect();
            let len = rest
                .find(&close)
                .map_or(rest.chars().count(), |at| rest[..at].chars().count());
            for &k in &chars[i..(start + len + close.len()).min(chars.len())] {
                out.push(blank(k));
            }
            i = start + len + close.len();
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let skip = if chars[i] == '\\' { 2 } else { 1 };
                for &k in &chars[i..(i + skip).min(chars.len())] {
                    out.push(blank(k));
                }
                i += skip;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal; a lifetime (`'a`) has no closing quote.
            let mut j = i + 1 + usize::from(next == Some('\\'));
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            for &k in &chars[i..(j + 1).min(chars.len())] {
                out.push(blank(k));
            }
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Identifiers, `::` and single punctuation, with their lines.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((chars[start..i].iter().collect(), line));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push(("::".to_string(), line));
            i += 2;
        } else {
            out.push((c.to_string(), line));
            i += 1;
        }
    }
    out
}

/// Reads the paths of one file's code. `module` is the file's module;
/// `modules`, every file module of the crate, to tell a child module
/// (`base::Build` in a `mod.rs`) from an outside crate (`serde::Serialize`).
fn read(code: &str, module: &ModPath, modules: &BTreeSet<ModPath>) -> Read {
    let toks = tokens(code);
    let mut out = Read::default();
    // Inline modules (`mod tests { … }`) open at a brace depth.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let here = || -> ModPath {
            module
                .iter()
                .cloned()
                .chain(inline.iter().map(|(m, _)| m.clone()))
                .collect()
        };
        match toks[i].0.as_str() {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|&(_, d)| d == depth) {
                    inline.pop();
                }
            }
            "mod" if toks.get(i + 2).is_some_and(|t| t.0 == "{") => {
                inline.push((toks[i + 1].0.clone(), depth));
                depth += 1;
                i += 3;
                continue;
            }
            "use" if i == 0 || toks[i - 1].0 != "::" => {
                let line = toks[i].1;
                let mut leaves = Vec::new();
                i = use_tree(&toks, i + 1, &mut Vec::new(), &mut leaves);
                let here = here();
                for (path, name) in leaves {
                    let text = path.join("::");
                    if let Some(absolute) = absolute(&path, &here, modules) {
                        if inline.is_empty() && name != "*" {
                            out.imports.insert(name, absolute.clone());
                        }
                        out.references.push(Reference {
                            path: absolute,
                            line,
                            text,
                        });
                    }
                }
                continue;
            }
            word if toks.get(i + 1).is_some_and(|t| t.0 == "::")
                && (i == 0 || toks[i - 1].0 != "::") =>
            {
                let line = toks[i].1;
                let mut path = vec![word.to_string()];
                let mut j = i + 1;
                while toks.get(j).is_some_and(|t| t.0 == "::")
                    && toks.get(j + 1).is_some_and(|t| is_ident(&t.0))
                {
                    path.push(toks[j + 1].0.clone());
                    j += 2;
                }
                if let Some(absolute) = absolute(&path, &here(), modules) {
                    out.references.push(Reference {
                        path: absolute,
                        line,
                        text: path.join("::"),
                    });
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn is_ident(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Reads a `use` tree from `at` under `prefix` into `leaves` (the path and
/// the name it binds; `*` for a glob); returns the token after it.
fn use_tree(
    toks: &[(String, usize)],
    mut at: usize,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<(Vec<String>, String)>,
) -> usize {
    let depth = prefix.len();
    while let Some((tok, _)) = toks.get(at) {
        match tok.as_str() {
            "::" => at += 1,
            "{" => {
                at += 1;
                while toks.get(at).is_some_and(|t| t.0 != "}") {
                    at = use_tree(toks, at, prefix, leaves);
                    if toks.get(at).is_some_and(|t| t.0 == ",") {
                        at += 1;
                    }
                }
                prefix.truncate(depth);
                return at + 1;
            }
            "*" => {
                leaves.push((prefix.clone(), "*".to_string()));
                prefix.truncate(depth);
                return at + 1;
            }
            "self" if toks.get(at + 1).is_none_or(|t| t.0 != "::") && !prefix.is_empty() => {
                let name = prefix.last().cloned().unwrap_or_default();
                leaves.push((prefix.clone(), name));
                prefix.truncate(depth);
                return at + 1;
            }
            word if is_ident(word) => {
                prefix.push(word.to_string());
                at += 1;
                if toks.get(at).is_some_and(|t| t.0 == "::") {
                    continue;
                }
                let mut name = word.to_string();
                if toks.get(at).is_some_and(|t| t.0 == "as") {
                    name = toks.get(at + 1).map_or(name, |t| t.0.clone());
                    at += 2;
                }
                leaves.push((prefix.clone(), name));
                prefix.truncate(depth);
                return at;
            }
            // `;`, `,`, `}`: the end of this tree.
            _ => {
                prefix.truncate(depth);
                return at;
            }
        }
    }
    at
}

/// A written path made absolute from module `here`: `crate::`, `super::`
/// and `self::` paths, and paths that start with a child module of `here`.
/// `None` for other crates and for local items.
fn absolute(path: &[String], here: &ModPath, modules: &BTreeSet<ModPath>) -> Option<ModPath> {
    let mut base = here.clone();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        Some(first) => {
            let mut child = here.clone();
            child.push(first.to_string());
            if !modules.contains(&child) {
                return None;
            }
        }
        None => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The file module an absolute path lands in: its longest prefix that is a
/// file, followed through the imports of a root (`mod.rs`, `lib.rs`) that
/// the next name is imported into.
fn target(
    path: &ModPath,
    modules: &BTreeSet<ModPath>,
    imports: &BTreeMap<ModPath, BTreeMap<String, ModPath>>,
) -> Option<ModPath> {
    let mut path = path.clone();
    for _ in 0..8 {
        let found = (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| modules.contains(p))?;
        let next = path.get(found.len());
        match next.and_then(|name| imports.get(&found)?.get(name)) {
            Some(via) if via != &path[..=found.len()] => {
                path = via
                    .iter()
                    .chain(&path[found.len() + 1..])
                    .cloned()
                    .collect();
            }
            _ => return Some(found),
        }
    }
    None
}

/// The edges between files: (from, to) → the first reference that makes
/// it. A file that is a folder's root (`mod.rs`, or `functions.rs` beside
/// `functions/`) is that folder, not one of its files: what names it, and
/// what it names, makes no edge, but the names it imports are followed.
type Edges = BTreeMap<(String, String), String>;

fn file_edges(files: &[File], reads: &[Read], modules: &BTreeSet<ModPath>) -> Edges {
    let imports: BTreeMap<ModPath, BTreeMap<String, ModPath>> = files
        .iter()
        .zip(reads)
        .filter(|(f, _)| f.root)
        .map(|(f, r)| (f.module.clone(), r.imports.clone()))
        .collect();
    let name_of: BTreeMap<&ModPath, &str> = files
        .iter()
        .filter(|f| !f.root)
        .map(|f| (&f.module, f.name.as_str()))
        .collect();
    let mut edges = Edges::new();
    for (file, read) in files.iter().zip(reads).filter(|(f, _)| !f.root) {
        for reference in &read.references {
            let Some(to) = target(&reference.path, modules, &imports) else {
                continue;
            };
            if let Some(&to) = name_of.get(&to)
                && to != file.name
            {
                edges
                    .entry((file.name.clone(), to.to_string()))
                    .or_insert_with(|| {
                        format!("{}:{} `{}`", file.name, reference.line, reference.text)
                    });
            }
        }
    }
    edges
}

/// The folder that holds every file of a circle (`check/baseline.rs`,
/// `check/run.rs`: `src/check`).
fn folder_of(circle: &[String]) -> String {
    let parts: Vec<Vec<&str>> = circle.iter().map(|f| f.split('/').collect()).collect();
    let mut common: Vec<&str> = parts[0][..parts[0].len() - 1].to_vec();
    for p in &parts[1..] {
        let shared = common.iter().zip(p).take_while(|(a, b)| a == b).count();
        common.truncate(shared.min(p.len() - 1));
    }
    std::iter::once("src")
        .chain(common)
        .collect::<Vec<_>>()
        .join("/")
}

/// The circles of a graph: for each set of nodes that reach one another
/// (two or more), one shortest circle through its first node, closed
/// (`[a, b, a]`).
fn circles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for (start, _) in edges {
        let start = start.as_str();
        if !done.insert(start.to_string()) {
            continue;
        }
        let from_start = reach(edges, start);
        if !from_start.contains_key(start) {
            continue;
        }
        done.extend(knot(edges, start));
        let mut circle = vec![start.to_string()];
        let mut at = from_start[start].clone();
        while at != start {
            circle.push(at.clone());
            at = from_start[&at].clone();
        }
        circle.push(start.to_string());
        circle.reverse();
        out.push(circle);
    }
    out
}

/// The nodes reached from `from`, each with the node it was reached from
/// (breadth first: the paths are shortest).
fn reach(edges: &BTreeSet<(String, String)>, from: &str) -> BTreeMap<String, String> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = VecDeque::from([from.to_string()]);
    while let Some(at) = queue.pop_front() {
        for (_, n) in edges.iter().filter(|(a, _)| *a == at) {
            if !seen.contains_key(n) {
                seen.insert(n.clone(), at.clone());
                queue.push_back(n.clone());
            }
        }
    }
    seen
}

/// The nodes on a circle with `node`: those it reaches that reach it.
fn knot(edges: &BTreeSet<(String, String)>, node: &str) -> BTreeSet<String> {
    reach(edges, node)
        .into_keys()
        .filter(|n| reach(edges, n).contains_key(node))
        .collect()
}

/// The circles in the tree today, each to be broken where it is and then
/// taken off this list (a circle listed here that is gone fails too, so
/// the list stays true).
const KNOWN: &[&str] = &[];

#[test]
fn no_folder_has_an_import_circle() {
    let mut paths = Vec::new();
    rust_files(&src(), &mut paths);
    let mut files = Vec::new();
    let mut codes = Vec::new();
    for path in &paths {
        let relative = path.strip_prefix(src()).expect("a file of src/");
        let (module, root) = module_of(relative);
        let text = std::fs::read_to_string(path).expect("a source file is UTF-8");
        codes.push(code_only(&text));
        files.push(File {
            name: relative.display().to_string(),
            module,
            root,
        });
    }
    let modules: BTreeSet<ModPath> = files.iter().map(|f| f.module.clone()).collect();
    for file in &mut files {
        // `functions.rs` beside `functions/` is that folder's root too.
        file.root |= modules
            .iter()
            .any(|m| m.len() > file.module.len() && m.starts_with(&file.module));
    }
    let reads: Vec<Read> = files
        .iter()
        .zip(&codes)
        .map(|(f, code)| read(code, &f.module, &modules))
        .collect();
    let edges = file_edges(&files, &reads, &modules);
    let pairs: BTreeSet<(String, String)> = edges.keys().cloned().collect();
    let mut found = Vec::new();
    let mut known: BTreeSet<&str> = KNOWN.iter().copied().collect();
    for circle in circles(&pairs) {
        if known.remove(circle.join(" → ").as_str()) {
            continue;
        }
        let mut text = format!("{}: {}", folder_of(&circle), circle.join(" → "));
        let knot = knot(&pairs, &circle[0]);
        if knot.len() + 1 > circle.len() {
            let all: Vec<&str> = knot.iter().map(String::as_str).collect();
            text.push_str(&format!(
                " (and more: {} reach one another)",
                all.join(", ")
            ));
        }
        for pair in circle.windows(2) {
            let why = &edges[&(pair[0].clone(), pair[1].clone())];
            text.push_str(&format!("\n    {why}"));
        }
        found.push(text);
    }
    assert!(
        found.is_empty(),
        "import circles between the files of a folder:\n{}",
        found.join("\n")
    );
    assert!(
        known.is_empty(),
        "circles of `KNOWN` in tests/circles.rs that are gone (take them off): {known:?}"
    );
}

#[test]
fn a_circle_is_named_and_an_order_is_not() {
    let graph = |pairs: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let circle = circles(&graph(&[
        ("build", "config"),
        ("config", "schema"),
        ("schema", "build"),
        ("schema", "merge"),
    ]));
    assert_eq!(circle, vec![vec!["build", "config", "schema", "build"]]);
    assert!(
        circles(&graph(&[
            ("build", "config"),
            ("config", "merge"),
            ("build", "merge")
        ]))
        .is_empty()
    );
    let two = circles(&graph(&[
        ("a", "b"),
        ("b", "a"),
        ("c", "d"),
        ("d", "c"),
        ("b", "c"),
    ]));
    assert_eq!(two, vec![vec!["a", "b", "a"], vec!["c", "d", "c"]]);
    // The shortest circle through the first node, and the whole knot.
    let knotted = graph(&[("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")]);
    assert_eq!(circles(&knotted), vec![vec!["a", "b", "a"]]);
    assert_eq!(
        knot(&knotted, "a"),
        ["a", "b", "c"].map(String::from).into()
    );
}

#[test]
fn paths_are_read_from_code_only() {
    let modules: BTreeSet<ModPath> = [
        vec![],
        vec!["k"],
        vec!["k", "base"],
        vec!["k", "build"],
        vec!["k", "merge"],
        vec!["k", "charts"],
        vec!["k", "config"],
    ]
    .into_iter()
    .map(|m| m.into_iter().map(String::from).collect())
    .collect();
    let module: ModPath = vec!["k".into(), "build".into()];
    let text = "use super::{base::{Build, Kz as K}, merge::{self, key}};\n\
        use serde::Serialize;\n\
        // super::nope::x and [`super::doc::Link`]\n\
        fn f() { let s = \"super::string::x\"; let c = '\"'; super::charts::inflate(); }\n\
        #[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::config::Config;\n}\n";
    let read = read(&code_only(text), &module, &modules);
    let paths: Vec<String> = read.references.iter().map(|r| r.path.join("::")).collect();
    assert_eq!(
        paths,
        [
            "k::base::Build",
            "k::base::Kz",
            "k::merge",
            "k::merge::key",
            "k::charts::inflate",
            "k::build",
            "k::config::Config"
        ]
    );
    assert_eq!(
        read.imports.get("K"),
        Some(&vec!["k".to_string(), "base".into(), "Kz".into()])
    );
    // A folder's `mod.rs` that imports a name lets its children reach the file it comes from.
    let files = [
        File {
            name: "k/mod.rs".into(),
            module: vec!["k".into()],
            root: true,
        },
        File {
            name: "k/build.rs".into(),
            module: module.clone(),
            root: false,
        },
        File {
            name: "k/base.rs".into(),
            module: vec!["k".into(), "base".into()],
            root: false,
        },
    ];
    let reads = [
        read_text(
            "mod base; mod build; use base::Tree;",
            &files[0].module,
            &modules,
        ),
        read_text("fn f(t: super::Tree) {}", &files[1].module, &modules),
        read_text("fn g() { super::build::run() }", &files[2].module, &modules),
    ];
    let edges = file_edges(&files, &reads, &modules);
    let pairs: BTreeSet<(String, String)> = edges.keys().cloned().collect();
    let circle = circles(&pairs);
    assert_eq!(circle, vec![vec!["k/base.rs", "k/build.rs", "k/base.rs"]]);
    assert_eq!(folder_of(&circle[0]), "src/k");
}

fn read_text(text: &str, module: &ModPath, modules: &BTreeSet<ModPath>) -> Read {
    read(&code_only(text), module, modules)
}
