//! The manifest read table by table: each `[services.NAME]` or
//! `[tools.NAME]` table (with its sub-tables) is parsed on its own, read
//! into its entity and dropped, so that a manifest of a million services is
//! never one tree. Everything else in a file (its sites, anything unknown)
//! is parsed together, with the services' and tools' tables blanked out.
//!
//! Every byte of a file is parsed, in one piece or another, and a piece is
//! accepted only when it is what its header says: one table of one name.
//! What this reading cannot vouch for gives `None`, and the run is read
//! whole ([`super::extract_whole`]), which words every problem: a syntax error
//! anywhere, a table defined twice in a file, a service not written as its
//! own table (`[services]` with `a.sites = …`, an inline table), a key
//! with escapes in a header.

use super::{At, Def, Reader, SiteDef, regions, span};
use crate::diagnostic::Diagnostic;
use crate::model::{Entity, Model};
use crate::parse::toml::{self, DeValue, headers};
use crate::source::{FileId, SourceFile};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

/// How many tables are read at once, in parallel: what is read is moved
/// into the model batch by batch.
const BATCH: usize = 4096;

/// A `[services.NAME]` or `[tools.NAME]` table with its sub-tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Piece<'t> {
    pub tool: bool,
    /// Borrowed from the file's text, as its header writes it.
    pub name: &'t str,
    /// Where the header writes the name.
    pub key: Range<usize>,
    /// Its text: its header up to the next table that is not its own.
    pub text: Range<usize>,
}

/// A file, split for reading table by table.
#[derive(Debug)]
pub(super) struct Layout<'t> {
    /// The text up to the end of the last table that is not a piece's, with
    /// the pieces' text blanked: every offset is the file's.
    pub rest: String,
    /// In file order.
    pub pieces: Vec<Piece<'t>>,
}

/// How `text` splits; `None` when it does not split cleanly (see the
/// module's documentation).
pub(super) fn layout(text: &str) -> Option<Layout<'_>> {
    let headers = headers::scan(text)?;
    let mut pieces: Vec<Piece> = Vec::new();
    let mut rest_end = headers.first().map_or(text.len(), |h| h.start);
    let mut seen: HashSet<(bool, &str)> = HashSet::new();
    for (k, header) in headers.iter().enumerate() {
        let end = headers.get(k + 1).map_or(text.len(), |next| next.start);
        let first = header.keys.first()?;
        let tool = match headers::key(text, first)? {
            "services" => false,
            "tools" => true,
            _ => {
                rest_end = end;
                continue;
            }
        };
        // `[services]` itself, or `[[services.NAME]]`: read whole.
        let second = header.keys.get(1)?;
        if header.array && header.keys.len() == 2 {
            return None;
        }
        let name = headers::key(text, second)?;
        if let Some(last) = pieces.last_mut()
            && last.tool == tool
            && last.name == name
            && last.text.end == header.start
        {
            last.text.end = end;
            continue;
        }
        // The same table again, further on.
        if !seen.insert((tool, name)) {
            return None;
        }
        pieces.push(Piece {
            tool,
            name,
            key: second.clone(),
            text: header.start..end,
        });
    }
    let mut rest = text.as_bytes().get(..rest_end)?.to_vec();
    for piece in pieces.iter().take_while(|p| p.text.start < rest_end) {
        if let Some(blank) = rest.get_mut(piece.text.clone()) {
            blank.fill(b' ');
        }
    }
    let rest = String::from_utf8(rest).ok()?;
    Some(Layout { rest, pieces })
}

/// One table to read: a piece of a file, and whether its entity is kept
/// (a name defined before is not, nor an invalid one).
struct Job<'a> {
    file: FileId,
    text: &'a str,
    piece: &'a Piece<'a>,
    keep: bool,
}

/// What one table gives.
struct Read {
    entity: Entity,
    hosts: Vec<(String, String)>,
    diags: Vec<Diagnostic>,
}

/// Reads every manifest file table by table into `model`, as
/// [`super::extract_whole`] does; `None`, with `model` as it was, where a file
/// does not split cleanly or a piece is not what its header says.
pub(super) fn extract(
    files: &[(FileId, &SourceFile)],
    model: &mut Model,
) -> Option<Vec<Diagnostic>> {
    let mut reader = Reader::default();
    let mut sites: BTreeMap<String, SiteDef> = BTreeMap::new();
    let mut layouts = Vec::with_capacity(files.len());
    // Pass 1: sites, and the names in the headers.
    for &(file, source) in files {
        let layout = layout(source.text())?;
        let rest = toml::parse(&layout.rest).ok()?;
        let root = rest.get_ref();
        if root.get("services").is_some() || root.get("tools").is_some() {
            return None;
        }
        let mut none: Vec<Def<'_, '_>> = Vec::new();
        reader.top_level(At::whole(file), root, &mut sites, &mut none);
        let valid: Vec<bool> = layout
            .pieces
            .iter()
            .map(|p| reader.valid_name(At::whole(file), p.name, p.key.clone()))
            .collect();
        layouts.push((file, source.text(), layout.pieces, valid));
    }
    let named = layouts.iter().flat_map(|(file, _, pieces, valid)| {
        pieces
            .iter()
            .zip(valid)
            .filter(|(_, valid)| **valid)
            .map(move |(p, _)| (p.name, p.tool, span(At::whole(*file), p.key.clone())))
    });
    let (kept, names) = reader.unique(named);
    let mut kept = kept.into_iter();
    let mut jobs = Vec::new();
    for (file, text, pieces, valid) in &layouts {
        for (piece, valid) in pieces.iter().zip(valid) {
            let keep = *valid && kept.next().unwrap_or(false);
            jobs.push(Job {
                file: *file,
                text,
                piece,
                keep,
            });
        }
    }

    // Pass 2: every table parsed, checked and read, batch by batch.
    // The names, sorted, for `depends_on` and `manages`; the table that
    // found them is dropped.
    let known: Vec<&str> = names.into_keys().collect();
    let (entities, hosts) = (model.entities.len(), model.hosts.len());
    // The model's list at its final length, not grown by doubling (up to
    // twice the room, 176 bytes an entity).
    model
        .entities
        .reserve(jobs.iter().filter(|job| job.keep).count());
    for batch in jobs.chunks(BATCH) {
        let read: Option<Vec<Outcome>> = batch
            .par_iter()
            .map(|job| read(job, &sites, &known))
            .collect();
        let Some(read) = read else {
            model.entities.truncate(entities);
            model.hosts.truncate(hosts);
            return None;
        };
        for read in read.into_iter().filter_map(Outcome::read) {
            reader.diags.extend(read.diags);
            model.hosts.extend(read.hosts);
            model.entities.push(read.entity);
        }
    }
    regions(&sites, model);
    Some(reader.finish())
}

/// What became of one table parsed on its own.
enum Outcome {
    /// Parsed and checked, but not to be read into an entity (see `Job::keep`).
    Skipped,
    Read(Box<Read>),
}

impl Outcome {
    fn read(self) -> Option<Read> {
        match self {
            Outcome::Skipped => None,
            Outcome::Read(read) => Some(*read),
        }
    }
}

/// One table parsed on its own and, if kept, read into its entity. `None`
/// when the piece is not one table of the name its header gives, where the
/// header gives it.
fn read(job: &Job<'_>, sites: &BTreeMap<String, SiteDef>, known: &[&str]) -> Option<Outcome> {
    let piece = job.piece;
    let base = piece.text.start;
    let tree = toml::parse(job.text.get(piece.text.clone())?).ok()?;
    let (section, value) = single(tree.get_ref())?;
    if section.get_ref().as_ref() != if piece.tool { "tools" } else { "services" } {
        return None;
    }
    let DeValue::Table(tables) = value.get_ref() else {
        return None;
    };
    let (key, value) = single(tables)?;
    let at = key.span();
    if key.get_ref().as_ref() != piece.name
        || base + at.start != piece.key.start
        || base + at.end != piece.key.end
    {
        return None;
    }
    let DeValue::Table(table) = value.get_ref() else {
        return None;
    };
    if !job.keep {
        return Some(Outcome::Skipped);
    }
    let file = At {
        file: job.file,
        base,
    };
    let def = Def {
        name: piece.name.to_string(),
        tool: piece.tool,
        file,
        span: span(file, at),
        table,
    };
    let mut reader = Reader::default();
    let entity = reader.entity(&def, sites, known);
    let hosts = reader.hosts(&def, &entity.id);
    Some(Outcome::Read(Box::new(Read {
        entity,
        hosts,
        diags: reader.diags,
    })))
}

/// The one entry of a table.
fn single<'t, 'i>(table: &'t toml::Table<'i>) -> Option<(&'t toml::Key<'i>, &'t toml::Value<'i>)> {
    let mut entries = table.iter();
    let first = entries.next()?;
    entries.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use proptest::prelude::*;
    use std::fmt::Write as _;
    use std::path::PathBuf;

    /// The model and problems of both readings, as text; `Some` for the
    /// table by table reading only when it read the files.
    fn both(files: &[&str]) -> (Option<String>, String) {
        let mut sources = SourceMap::default();
        let ids: Vec<FileId> = files
            .iter()
            .enumerate()
            .map(|(i, text)| {
                sources.add(SourceFile::new(
                    PathBuf::from(format!("{i}.spof.toml")),
                    *text,
                ))
            })
            .collect();
        let inputs: Vec<(FileId, &SourceFile)> = ids.iter().map(|&f| (f, sources.get(f))).collect();
        let mut model = Model::default();
        let tables = extract(&inputs, &mut model).map(|diags| format!("{model:?}\n{diags:?}"));
        let mut model = Model::default();
        let diags = super::super::extract_whole(&inputs, &mut model);
        (tables, format!("{model:?}\n{diags:?}"))
    }

    /// A tree, with every span offset by `base`, as text.
    fn dump(value: &toml::Value<'_>, base: usize, out: &mut String) {
        let range = value.span();
        let _ = write!(out, "@{}..{} ", base + range.start, base + range.end);
        match value.get_ref() {
            DeValue::Table(table) => {
                out.push('{');
                for (key, value) in table.iter() {
                    let at = key.span();
                    let _ = write!(
                        out,
                        "{:?}@{}..{}=",
                        key.get_ref(),
                        base + at.start,
                        base + at.end
                    );
                    dump(value, base, out);
                    out.push(',');
                }
                out.push('}');
            }
            DeValue::Array(items) => {
                out.push('[');
                for item in items.iter() {
                    dump(item, base, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => {
                let _ = write!(out, "{other:?}");
            }
        }
    }

    /// Whether every table the split finds, parsed on its own, is the
    /// whole tree's, values and spans; and the rest, parsed, is the whole
    /// tree without them. `None` when the text does not split or a piece
    /// does not parse (the reading then falls back).
    fn pieces_agree(text: &str) -> Option<Result<(), String>> {
        let layout = layout(text)?;
        let whole = toml::parse(text).ok()?;
        let rest = toml::parse(&layout.rest).ok()?;
        let whole = whole.get_ref();
        if rest.get_ref().get("services").is_some() || rest.get_ref().get("tools").is_some() {
            return None;
        }
        for piece in &layout.pieces {
            let tree = toml::parse(&text[piece.text.clone()]).ok()?;
            let section = if piece.tool { "tools" } else { "services" };
            let alone = tree.get_ref().get(section).and_then(|v| match v.get_ref() {
                DeValue::Table(t) => t.get(piece.name),
                _ => None,
            });
            let within = whole.get(section).and_then(|v| match v.get_ref() {
                DeValue::Table(t) => t.get(piece.name),
                _ => None,
            });
            let (mut a, mut w) = (String::new(), String::new());
            if let Some(alone) = alone {
                dump(alone, piece.text.start, &mut a);
            }
            if let Some(within) = within {
                dump(within, 0, &mut w);
            }
            if a != w {
                return Some(Err(format!("{}: {a}\nwhole: {w}", piece.name)));
            }
        }
        for (key, value) in rest.get_ref().iter() {
            let (mut a, mut w) = (String::new(), String::new());
            dump(value, 0, &mut a);
            if let Some(within) = whole.get(key.get_ref().as_ref()) {
                dump(within, 0, &mut w);
            }
            if a != w {
                return Some(Err(format!("{key:?}: {a}\nwhole: {w}")));
            }
        }
        Some(Ok(()))
    }

    const ESTATE: &str = "[sites.a]\nregion = \"r\"\n\n[sites.b]\nregion = \"r\"\n\n\
        [services.api]\nsites = [\"a\", \"b\"]\nreplicas = 4\ndepends_on = [\"db\", \"nope\"]\n\n\
        [services.db]\nsites = [\"a\"]\nrole = \"datastore\"\nhosts = [\"DB-1\"]\n\n\
        [tools.deploy]\nsites = [\"b\"]\nkind = \"deploy\"\nmanages = [\"api\"]\ncolour = 1\n";

    #[test]
    fn a_manifest_of_tables_is_read_table_by_table_as_it_is_whole() {
        let tricky = include_str!(
            "../../../tests/cmd/manifest-malformed.in/tricky-but-valid/spof.services.toml"
        );
        for files in [
            vec![ESTATE],
            vec![tricky],
            vec![ESTATE, "[services.api]\nsites = [\"a\"]\n"],
        ] {
            let (tables, whole) = both(&files);
            assert_eq!(tables.as_deref(), Some(whole.as_str()), "{files:?}");
        }
        let layout = layout(ESTATE).expect("splits");
        let names: Vec<&str> = layout.pieces.iter().map(|p| p.name).collect();
        assert_eq!(names, ["api", "db", "deploy"]);
        assert_eq!(layout.rest.len(), layout.pieces[0].text.start);
    }

    #[test]
    fn what_the_tables_cannot_vouch_for_is_read_whole() {
        for text in [
            // The same table twice, apart or together.
            "[services.a]\n[services.b]\n[services.a]\n",
            "[services.a]\n[services.a]\n",
            // A key defined in two tables, or a sub-table after others.
            "[services]\na.sites = [\"x\"]\n[services.a]\nreplicas = 2\n",
            "[services.a]\n[services.b]\n[services.a.sites]\nx = 1\n",
            "[services.a]\n[services]\na = { replicas = 2 }\n",
            // Syntax errors.
            "[services.a]\nnote = \"\"\"\n[services.b]\n",
            "[services.a]\nreplicas = 2\nreplicas = 3\n",
            "[sites.x]\n[sites.x]\n[services.a]\n",
            // Services not written as their own tables.
            "services = { a = { replicas = 2 } }\n",
            "[[services]]\n",
            "[[services.a]]\n",
            "[services.\"\\u0061\"]\n",
        ] {
            let (tables, whole) = both(&[text]);
            assert_eq!(tables, None, "{text:?} gave {whole}");
        }
    }

    #[test]
    fn a_failed_reading_leaves_the_model_as_it_was() {
        let mut sources = SourceMap::default();
        let good = sources.add(SourceFile::new(PathBuf::from("a.spof.toml"), ESTATE));
        let bad = sources.add(SourceFile::new(
            PathBuf::from("b.spof.toml"),
            "[services.x]\nreplicas = 1\nreplicas = 2\n",
        ));
        let mut model = Model::default();
        let inputs = [(good, sources.get(good)), (bad, sources.get(bad))];
        assert!(extract(&inputs, &mut model).is_none());
        assert!(model.entities.is_empty() && model.hosts.is_empty() && model.regions.is_empty());
    }

    /// Manifest-shaped text: headers of a few names (again, apart, quoted,
    /// as arrays, sub-tables), keys, values over several lines, strings
    /// and comments that hold header-like lines, and broken pieces.
    fn manifestish() -> impl Strategy<Value = String> {
        let name = || {
            prop_oneof![
                Just("a"),
                Just("b"),
                Just("c"),
                Just("\"a\""),
                Just("'b c'")
            ]
        };
        let piece = prop_oneof![
            6 => name().prop_map(|n| format!("[services.{n}]\n")),
            4 => name().prop_map(|n| format!("[tools.{n}]\n")),
            4 => name().prop_map(|n| format!("[sites.{n}]\n")),
            2 => name().prop_map(|n| format!("  [ services . {n} . sites ]\n")),
            2 => name().prop_map(|n| format!("[[services.{n}.x]]\n")),
            4 => name().prop_map(|n| format!("depends_on = [\"{n}\"]\n")),
            6 => Just("sites = [\"a\", \"b\"]\n".to_string()),
            3 => Just("sites = [\n  \"a\", # ]\n  \"b\",\n]\n".to_string()),
            4 => Just("replicas = 2\n".to_string()),
            3 => Just("region = \"r\"\r\n".to_string()),
            3 => Just("x = { y = \"[services.c]\" }\n".to_string()),
            3 => Just("note = \"\"\"\n[services.b]\n\"\"\"\n".to_string()),
            3 => Just("note = \'\'\'\n[tools.a]\n\'\'\'\n".to_string()),
            3 => Just("# [services.a]\n".to_string()),
            4 => Just("\n".to_string()),
            // What only the whole reading reads.
            1 => Just("[services]\n".to_string()),
            1 => Just("[[services.a]]\n".to_string()),
            1 => Just("a.sites = [\"a\"]\n".to_string()),
            1 => Just("note = \"\"\"\n".to_string()),
            1 => Just("= 1\n".to_string()),
            1 => Just("[services.a\n".to_string()),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    #[test]
    fn the_generated_manifests_are_often_read_table_by_table() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = manifestish();
        let mut read = 0;
        for _ in 0..300 {
            let text = strategy
                .new_tree(&mut runner)
                .expect("a manifest")
                .current();
            if both(&[&text]).0.is_some() {
                read += 1;
            }
        }
        // Else the properties below would hold of the fallback alone.
        assert!(read >= 60, "{read} of 300 read table by table");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn the_tables_agree_with_the_whole_tree(text in manifestish()) {
            if let Some(agree) = pieces_agree(&text) {
                prop_assert!(agree.is_ok(), "{}", agree.unwrap_err());
            }
            let (tables, whole) = both(&[&text]);
            if let Some(tables) = tables {
                prop_assert_eq!(tables, whole);
            }
        }

        #[test]
        fn two_files_read_table_by_table_as_whole(
            a in manifestish(),
            b in manifestish(),
        ) {
            let (tables, whole) = both(&[&a, &b]);
            if let Some(tables) = tables {
                prop_assert_eq!(tables, whole);
            }
        }
    }
}
