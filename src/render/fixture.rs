//! A tiny estate shared by the renderer tests: a finding whose dependency
//! chain crosses into a second file, a parse error in a third file (after a
//! multi-byte character, so columns in characters and bytes differ), and a
//! suppressed finding.

use super::Summary;
use crate::diagnostic::{Diagnostic, Kind, Related, Severity};
use crate::output::Output;
use crate::source::{FileId, SourceFile, SourceMap, Span, TextRange};
use std::path::PathBuf;

pub const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          env:
            - name: DB_HOST
              value: db.default.svc
";

pub const DB: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: default
spec:
  replicas: 1
";

pub const BROKEN: &str = "owner: zoë [unclosed\n";

pub struct Fixture {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
}

fn span_of(file: FileId, text: &str, needle: &str) -> Span {
    let start = text.find(needle).expect("needle is in the fixture text");
    Span::new(file, TextRange::new(start, start + needle.len()))
}

pub fn fixture() -> Fixture {
    let mut sources = SourceMap::default();
    let app = sources.add(SourceFile::new(PathBuf::from("./deploy/app.yaml"), APP));
    let db = sources.add(SourceFile::new(PathBuf::from("deploy/db.yaml"), DB));
    let broken = sources.add(SourceFile::new(PathBuf::from("broken.yaml"), BROKEN));

    let finding = Diagnostic {
        kind: Kind::Finding,
        code: "SPOF003".into(),
        name: "single-homed-dependency".into(),
        severity: Severity::Warning,
        message: "Deployment default/web depends on StatefulSet default/db, which runs a single \
                  replica"
            .into(),
        entity: Some("k8s:Deployment/default/web".to_string()),
        span: span_of(app, APP, "name: web"),
        label: Some("web needs db to serve requests".into()),
        related: vec![
            Related {
                span: span_of(app, APP, "value: db.default.svc"),
                message: "web connects to db.default.svc (hard dependency)".into(),
            },
            Related {
                span: span_of(db, DB, "replicas: 1"),
                message: "StatefulSet default/db runs a single replica".into(),
            },
        ],
        help: Some("run db with at least 3 replicas spread across zones".into()),
        decided_at: None,
    };

    let error_at = BROKEN.find('[').expect("bracket is in the fixture text");
    let error = Diagnostic::error(
        "parse-error",
        Span::new(broken, TextRange::new(error_at, BROKEN.len() - 1)),
        "did not find expected ',' or ']'",
    )
    .with_label("flow sequence starts here")
    .with_help("close the sequence with ']'");

    Fixture {
        sources,
        diagnostics: vec![finding, error],
        summary: Summary {
            files: 3,
            entities: 2,
            errors: 0,
            warnings: 1,
            infos: 0,
            suppressed: 1,
            accepted: 0,
            baselined: 0,
            preexisting: 0,
            input_errors: 1,
        },
    }
}

impl Fixture {
    /// The fixture as renderers see it, with nothing suppressed.
    pub fn output(&self) -> Output<'_> {
        Output {
            sources: &self.sources,
            diagnostics: &self.diagnostics,
            suppressed: &[],
            accepted: &[],
            summary: &self.summary,
        }
    }
}

/// What a renderer writes, as text.
pub fn written(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    render(&mut buf).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("renderers write UTF-8")
}
