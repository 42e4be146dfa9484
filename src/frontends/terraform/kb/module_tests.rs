//! The module knowledge base against the modules' own code, for every
//! module of it whose repository is in the shared corpus: each attribute an
//! entry names is a variable of the module, and each `default` an entry
//! states is the variable's default.

use super::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A variable's default as the knowledge base compares it: a literal, or
/// `None` for `null`, no default, or a collection.
fn literal(e: &hcl::Expression) -> Option<Lit> {
    match e {
        hcl::Expression::Bool(b) => Some(Lit::Bool(*b)),
        hcl::Expression::Number(n) => n.as_f64().map(Lit::Number),
        hcl::Expression::String(s) => Some(Lit::String(s.clone())),
        _ => None,
    }
}

/// The variables a module directory declares, with their defaults.
fn variables(dir: &Path) -> BTreeMap<String, Option<Lit>> {
    let mut out = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let body: hcl::Body =
            hcl::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for block in body.blocks().filter(|b| b.identifier() == "variable") {
            let Some(name) = block.labels().first() else {
                continue;
            };
            let default = block
                .body()
                .attributes()
                .find(|a| a.key() == "default")
                .and_then(|a| literal(a.expr()));
            out.insert(name.as_str().to_string(), default);
        }
        // The null-label convention (Cloud Posse): a variable whose default
        // is null takes the entry of the same name in `context`'s default.
        for block in body.blocks().filter(|b| b.identifier() == "variable") {
            if block.labels().first().map(|l| l.as_str()) != Some("context") {
                continue;
            }
            let context = block.body().attributes().find(|a| a.key() == "default");
            if let Some(hcl::Expression::Object(entries)) = context.map(|a| a.expr()) {
                for (key, value) in entries {
                    let key = match key {
                        hcl::ObjectKey::Identifier(i) => i.as_str().to_string(),
                        hcl::ObjectKey::Expression(hcl::Expression::String(s)) => s.clone(),
                        _ => continue,
                    };
                    if let Some(slot @ None) = out.get_mut(&key) {
                        *slot = literal(value);
                    }
                }
            }
        }
    }
    out
}

/// What an entry states of an attribute's default.
enum Stated {
    /// Nothing: the attribute is not compared with a literal.
    Nothing,
    /// The default a scalar test states (`None`: none).
    Default(Option<Lit>),
}

/// The attributes an entry's conditions and placement name, each with the
/// default the entry states for it.
fn named(entry: &Entry) -> Vec<(String, Stated)> {
    fn walk(cond: &Cond, out: &mut Vec<(String, Stated)>) {
        match cond {
            Cond::Attr {
                path,
                test,
                default,
            } => {
                let scalar = matches!(
                    test,
                    Test::Is(_) | Test::OneOf(_) | Test::NotOneOf(_) | Test::AtLeast(_)
                );
                let stated = if scalar {
                    Stated::Default(default.clone())
                } else {
                    Stated::Nothing
                };
                out.push((path.clone(), stated));
            }
            Cond::All(all) | Cond::Any(all) => all.iter().for_each(|c| walk(c, out)),
            Cond::MembersAtLeast(_) | Cond::EstateAtLeast(_) => {}
        }
    }
    let mut out: Vec<_> = entry
        .placement
        .iter()
        .map(|p| (p.clone(), Stated::Nothing))
        .collect();
    for fact in &entry.facts {
        fact.when
            .iter()
            .chain(&fact.unless)
            .for_each(|c| walk(c, &mut out));
    }
    for inline in &entry.inline {
        out.push((inline.attr.clone(), Stated::Nothing));
        out.extend(inline.inherit.iter().map(|a| (a.clone(), Stated::Nothing)));
        inline.when.iter().for_each(|c| walk(c, &mut out));
    }
    out
}

/// Every module an `inline` names has an entry of its own.
#[test]
fn inline_resources_name_module_entries() {
    let kb = KnowledgeBase::builtin();
    let mut inlines = 0;
    for kind in kb.kinds() {
        for inline in &kb.entry(kind).unwrap().inline {
            assert!(
                kb.entry(&inline.kind).is_some(),
                "{kind}: `inline` names {}, which has no entry",
                inline.kind
            );
            inlines += 1;
        }
    }
    assert!(inlines >= 2, "{inlines}");
}

/// The corpus directory of a module's code: `OWNER__terraform-PROVIDER-NAME`
/// (at the corpus' top or in `packaged/`), and its subdirectory.
fn module_dir(corpus: &Path, address: &str) -> Option<PathBuf> {
    let (address, sub) = match address.split_once("//") {
        Some((a, s)) => (a, Some(s)),
        None => (address, None),
    };
    let [owner, name, provider] = address.split('/').collect::<Vec<_>>()[..] else {
        return None;
    };
    let wanted = format!("{owner}__terraform-{provider}-{name}");
    for base in [corpus.to_path_buf(), corpus.join("packaged")] {
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().to_ascii_lowercase() == wanted {
                let dir = entry.path();
                return Some(sub.map_or(dir.clone(), |s| dir.join(s)));
            }
        }
    }
    None
}

#[test]
fn the_module_knowledge_base_agrees_with_the_modules_in_the_corpus() {
    let Some(corpus) = crate::test_corpus::corpus("") else {
        return;
    };
    let kb = KnowledgeBase::builtin();
    let mut checked = Vec::new();
    let mut problems = Vec::new();
    for kind in kb.kinds().filter(|k| k.starts_with(MODULE_PREFIX)) {
        let address = &kind[MODULE_PREFIX.len()..];
        let Some(dir) = module_dir(&corpus, address) else {
            continue;
        };
        assert!(
            dir.is_dir(),
            "{address}: {} is not a directory",
            dir.display()
        );
        let declared = variables(&dir);
        let entry = kb.entry(kind).unwrap();
        for (attr, default) in named(entry) {
            // A dotted path is a key of an object variable
            // (`cluster_config.instance_count`): the variable must exist;
            // the key's default is the module's code's, not a variable's.
            let (variable, nested) = match attr.split_once('.') {
                Some((variable, _)) => (variable, true),
                None => (attr.as_str(), false),
            };
            match declared.get(variable) {
                None => problems.push(format!("{address}: no variable `{variable}`")),
                Some(real) => {
                    if let Stated::Default(stated) = default
                        && !nested
                        && stated != *real
                    {
                        problems.push(format!(
                            "{address}: `{attr}` defaults to {real:?} in the module, {stated:?} in the knowledge base"
                        ));
                    }
                }
            }
        }
        checked.push(address.to_string());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The corpus holds the VPC, RDS, Aurora, ElastiCache, EKS (the cluster
    // and its node-group submodules), ALB, autoscaling, GKE, Cloud SQL, AKS
    // and dynamic-subnets modules.
    assert!(checked.len() >= 21, "only {checked:?} found in the corpus");
}
