//! The file functions and `path.*` against the examples of Terraform's
//! documentation, on files written to a temporary tree.

use super::*;
use crate::frontends::terraform::Value;
use crate::source::SourceFile;

/// A tree with the documentation's files; the root module in `infra/`,
/// a module in `modules/app/`.
fn tree() -> (tempfile::TempDir, PathBuf, FileTree) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    let write = |path: &str, text: &[u8]| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("directories");
        std::fs::write(path, text).expect("write");
    };
    write("infra/hello.txt", b"Hello World");
    write("infra/files/hello.txt", b"Hello");
    write("infra/files/world.txt", b"World");
    write("infra/files/other.json", b"{}");
    write("infra/binary.bin", &[0xff, 0xfe, 0x00]);
    write(
        "infra/backends.tftpl",
        b"%{ for addr in ip_addrs ~}\nbackend ${addr}:${port}\n%{ endfor ~}\n",
    );
    write(
        "infra/config.tftpl",
        b"[config]\n%{ for config_key, config_value in config }\nset ${config_key} = ${config_value}\n%{ endfor ~}\n",
    );
    write(
        "infra/backends.json.tftpl",
        b"${jsonencode({\"backends\": [for addr in ip_addrs : \"${addr}:${port}\"]})}",
    );
    write(
        "infra/if.tftpl",
        b"%{ if ha }replicated%{ else }single%{ endif } ${file(\"hello.txt\")}",
    );
    write(
        "infra/nested.tftpl",
        b"${templatefile(\"if.tftpl\", {ha = true})}",
    );
    write("infra/uses-var.tftpl", b"${var.x}");
    write("modules/app/app.txt", b"app");
    write("outside/secret.txt", b"secret");
    write("infra/large.txt", &[b'x'; 1025]);
    let tree = FileTree {
        roots: vec![root.join("infra"), root.join("modules")],
        max_bytes: 1024,
    };
    (dir, root, tree)
}

/// The value of each output of the root module in `infra/` (evaluated as
/// resources' attributes: one resource `x.out` with one attribute per
/// output).
fn outputs(root: &Path, tree: &FileTree, exprs: &[(&str, &str)]) -> (Load, Vec<Value>) {
    let mut text = String::from("resource \"x\" \"out\" {\n");
    for (name, e) in exprs {
        text.push_str(&format!("  {name} = {e}\n"));
    }
    text.push_str("}\nmodule \"app\" {\n  source = \"../modules/app\"\n}\n");
    let app = "resource \"x\" \"app\" {\n  module = path.module\n  root = path.root\n  \
               text = file(\"${path.module}/app.txt\")\n}\n";
    let mut sources = SourceMap::default();
    let ids = vec![
        sources.add(SourceFile::new(root.join("infra/main.tf"), text)),
        sources.add(SourceFile::new(root.join("modules/app/main.tf"), app)),
    ];
    let load = load(
        &sources,
        &ids,
        &Variables::default(),
        &Limits::default(),
        tree,
    );
    let out = load
        .resources
        .iter()
        .find(|r| r.address == "x.out")
        .expect("x.out");
    let values = exprs
        .iter()
        .map(|(name, _)| out.body.attr(name).expect("attribute").value.clone())
        .collect();
    (load, values)
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

#[test]
fn file_functions_give_the_documented_results() {
    let (_dir, root, tree) = tree();
    let (_, values) = outputs(
        &root,
        &tree,
        &[
            ("file", r#"file("${path.module}/hello.txt")"#),
            ("relative", r#"file("hello.txt")"#),
            ("exists", r#"fileexists("${path.module}/hello.txt")"#),
            ("absent", r#"fileexists("${path.module}/nothing.txt")"#),
            ("set", r#"fileset(path.module, "files/*.txt")"#),
            (
                "alternatives",
                r#"fileset(path.module, "files/{hello,world}.txt")"#,
            ),
            ("below", r#"fileset("${path.module}/files", "*")"#),
            ("base64", r#"filebase64("${path.module}/hello.txt")"#),
            ("md5", r#"filemd5("hello.txt")"#),
            ("sha1", r#"filesha1("hello.txt")"#),
            ("sha256", r#"filesha256("hello.txt")"#),
            ("base64sha256", r#"filebase64sha256("hello.txt")"#),
            (
                "same_md5",
                r#"filemd5("hello.txt") == md5(file("hello.txt"))"#,
            ),
            (
                "same_sha512",
                r#"filesha512("hello.txt") == sha512(file("hello.txt"))"#,
            ),
            (
                "same_base64sha512",
                r#"filebase64sha512("hello.txt") == base64sha512(file("hello.txt"))"#,
            ),
        ],
    );
    let list = |items: &[&str]| Value::List(items.iter().map(|i| s(i)).collect());
    assert_eq!(
        values,
        vec![
            s("Hello World"),
            s("Hello World"),
            Value::Bool(true),
            Value::Bool(false),
            list(&["files/hello.txt", "files/world.txt"]),
            list(&["files/hello.txt", "files/world.txt"]),
            list(&["hello.txt", "other.json", "world.txt"]),
            s("SGVsbG8gV29ybGQ="),
            s("b10a8db164e0754105b7a99be72e3fe5"),
            s("0a4d55a8d778e5022fab701977c5d840bbc486d0"),
            s("a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e"),
            s("pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4="),
            Value::Bool(true),
            Value::Bool(true),
            Value::Bool(true),
        ]
    );
}

#[test]
fn templatefile_evaluates_directives_and_interpolations_with_its_variables() {
    let (_dir, root, tree) = tree();
    let (_, values) = outputs(
        &root,
        &tree,
        &[
            (
                "backends",
                r#"templatefile("${path.module}/backends.tftpl", { port = 8080, ip_addrs = ["10.0.0.1", "10.0.0.2"] })"#,
            ),
            (
                "config",
                r#"templatefile("config.tftpl", { config = { "x" = "y", "foo" = "bar", "key" = "value" } })"#,
            ),
            (
                "json",
                r#"templatefile("backends.json.tftpl", { port = 8080, ip_addrs = ["10.0.0.1", "10.0.0.2"] })"#,
            ),
            ("if", r#"templatefile("if.tftpl", { ha = false })"#),
            (
                "nested",
                r#"try(templatefile("nested.tftpl", {}), "error")"#,
            ),
            ("var", r#"try(templatefile("uses-var.tftpl", {}), "error")"#),
            (
                "missing",
                r#"try(templatefile("backends.tftpl", {}), "error")"#,
            ),
            (
                "not_a_map",
                r#"try(templatefile("if.tftpl", "x"), "error")"#,
            ),
            (
                "bad_name",
                r#"try(templatefile("if.tftpl", {"a b" = 1}), "error")"#,
            ),
        ],
    );
    assert_eq!(
        values,
        vec![
            s("backend 10.0.0.1:8080\nbackend 10.0.0.2:8080\n"),
            s("[config]\n\nset foo = bar\n\nset key = value\n\nset x = y\n"),
            s(r#"{"backends":["10.0.0.1:8080","10.0.0.2:8080"]}"#),
            s("single Hello World"),
            s("error"),
            s("error"),
            s("error"),
            s("error"),
            s("error"),
        ]
    );
}

#[test]
fn paths_are_named_as_terraform_run_in_the_root_module_names_them() {
    let (_dir, root, tree) = tree();
    let (load, values) = outputs(
        &root,
        &tree,
        &[
            ("module", "path.module"),
            ("root", "path.root"),
            ("cwd", "path.cwd"),
        ],
    );
    let cwd = root.join("infra").to_string_lossy().into_owned();
    assert_eq!(values, vec![s("."), s("."), s(&cwd)]);
    let app = load
        .resources
        .iter()
        .find(|r| r.address == "module.app.x.app")
        .expect("module.app.x.app");
    let attr = |name: &str| app.body.attr(name).expect("attribute").value.clone();
    assert_eq!(attr("module"), s("../modules/app"));
    assert_eq!(attr("root"), s("."));
    assert_eq!(attr("text"), s("app"));
}

#[test]
fn what_is_outside_the_tree_or_not_text_is_never_read() {
    let (_dir, root, tree) = tree();
    let (load, values) = outputs(
        &root,
        &tree,
        &[
            ("escape", r#"file("../outside/secret.txt")"#),
            ("absolute", r#"file("/etc/hostname")"#),
            ("escape_set", r#"fileset("..", "**")"#),
            ("binary", r#"try(file("binary.bin"), "error")"#),
            ("binary_hash", r#"filemd5("binary.bin")"#),
            ("missing", r#"try(file("nothing.txt"), "error")"#),
            ("directory", r#"try(file("files"), "error")"#),
            ("unknown_path", r#"file(var.nowhere)"#),
            ("home", r#"file("~/.ssh/id_ed25519.pub")"#),
            ("too_large", r#"file("large.txt")"#),
            ("too_large_hash", r#"filesha256("large.txt")"#),
        ],
    );
    assert_eq!(
        values,
        vec![
            Value::Unknown,
            Value::Unknown,
            Value::Unknown,
            s("error"),
            s("266e75fcf28db213599bf0f3f46976a8"),
            s("error"),
            s("error"),
            Value::Unknown,
            Value::Unknown,
            Value::Unknown,
            Value::Unknown,
        ]
    );
    let outside: Vec<&str> = load
        .notes
        .iter()
        .filter_map(|n| match n {
            EvalNote::Outside { path, .. } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(outside, ["../outside/secret.txt", "/etc/hostname", ".."]);
    // With no tree, nothing is read, and nothing noted.
    let (load, values) = outputs(
        &root,
        &FileTree::default(),
        &[("file", r#"file("hello.txt")"#)],
    );
    assert_eq!(values, vec![Value::Unknown]);
    assert!(load.notes.is_empty(), "{:?}", load.notes);
}
