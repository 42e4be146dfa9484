//! The frontends' tests that run the whole pipeline: a frontend does not
//! import the stages above it, so what a check of its files finds is
//! tested here.

use super::{Loaded, RunOptions, Setup, check_sources, run};
use crate::diagnostic::Kind;
use crate::source::{SourceFile, SourceMap};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The service manifest's.
mod manifest {
    use super::*;

    /// `(code, entity id)` of every finding of a check of the manifest.
    fn findings(text: &str) -> Vec<(String, String)> {
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(PathBuf::from("estate.spof.toml"), text));
        let report = check_sources(
            sources,
            &[Loaded {
                file,
                cluster: None,
            }],
            &Setup::default(),
            Vec::new(),
        );
        let errors: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.kind == Kind::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        report
            .diagnostics
            .iter()
            .map(|d| (d.code.to_string(), d.entity.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn quorum_over_three_sites_survives_one_and_over_two_does_not() {
        let three = "[sites.a]\n[sites.b]\n[sites.c]\n[services.etcd]\nsites = [\"a\", \"b\", \"c\"]\nreplicas = 3\nquorum = 2\n";
        assert_eq!(findings(three), []);
        let two = "[sites.a]\n[sites.b]\n[services.etcd]\nsites = [\"a\", \"b\"]\nreplicas = 3\nquorum = 2\n";
        assert_eq!(
            findings(two),
            [("SPOF006".to_string(), "manifest:etcd".to_string())]
        );
    }

    #[test]
    fn two_sites_are_alternatives_and_one_site_is_a_single_point() {
        let two = "[sites.a]\n[sites.b]\n[services.api]\nsites = [\"a\", \"b\"]\n";
        assert_eq!(findings(two), []);
        let one = "[sites.a]\n[services.api]\nsites = [\"a\"]\nreplicas = 2\n";
        assert_eq!(
            findings(one),
            [("SPOF004".to_string(), "manifest:api".to_string())]
        );
    }
}

/// Compose's.
mod compose {
    use super::*;

    /// The whole pipeline over docker/awesome-compose, when the corpus is
    /// present: no panic, and its compose files become entities.
    #[test]
    fn awesome_compose_is_analysed() {
        let Some(dir) = crate::test_corpus::corpus("docker__awesome-compose") else {
            return;
        };
        let report = run(&RunOptions {
            paths: vec![dir.clone()],
            isolated: true,
            ..RunOptions::default()
        });
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        for d in report
            .diagnostics
            .iter()
            .filter(|d| d.kind == Kind::Finding)
        {
            *by_code.entry(d.code.as_str()).or_default() += 1;
        }
        eprintln!(
            "awesome-compose: {} files, {} entities, findings {by_code:?}, input errors {}",
            report.summary.files, report.summary.entities, report.summary.input_errors
        );
        assert!(report.summary.entities > 0);
        if std::env::var_os("SPOF_COMPOSE_CORPUS_DUMP").is_some() {
            dump_model(&dir);
        }
        if std::env::var_os("SPOF_COMPOSE_CORPUS_DUMP").is_some() {
            let output = report.output();
            let mut out = Vec::new();
            let _ = crate::render::render(
                crate::render::Format::Concise,
                &output,
                crate::render::Style::PLAIN,
                &mut out,
            );
            eprintln!("{}", String::from_utf8_lossy(&out));
        }
    }

    /// Roles and dependencies the compose files yield, for review.
    fn dump_model(dir: &Path) {
        use crate::frontends::kubernetes::FileDocs;
        use crate::parse::yaml::{Limits, parse_stream};
        use crate::source::{SourceFile, SourceMap};
        let mut sources = SourceMap::default();
        let mut parsed = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            for name in ["compose.yaml", "compose.yml"] {
                let path = entry.path().join(name);
                if let Ok(text) = std::fs::read_to_string(&path) {
                    let (docs, _) = parse_stream(&text, &Limits::default());
                    parsed.push((sources.add(SourceFile::new(path, text)), docs));
                }
            }
        }
        let inputs: Vec<FileDocs<'_>> = parsed
            .iter()
            .map(|(file, docs)| FileDocs {
                file: *file,
                cluster: None,
                docs,
            })
            .collect();
        let mut model = crate::model::Model::default();
        let _ = crate::frontends::compose::extract(
            &inputs,
            &sources,
            &crate::frontends::hosts::SoftVariables::default(),
            &mut model,
        );
        for e in &model.entities {
            let deps: Vec<String> = e.instances[0]
                .dependencies
                .iter()
                .map(|d| format!("{:?}<-{}", d.target, d.via))
                .collect();
            eprintln!("{} {:?} {:?} {}", e.id, e.role, e.tool_kind, deps.join(" "));
        }
    }
}
