//! The evaluator on hostile operands: checked arithmetic, bounded values and
//! work, module cycles; and a property test that throws random operands at
//! every operator and every registered function.

use super::eval::{EvalNote, Evaluator, Fail, Funcs, Limit, R, Scope, UNKNOWN, ref_sentinel};
use super::instance::NoEnv;
use super::ir::{Conv, Expr, ExprKind};
use super::{FileTree, Load, load};
use crate::frontends::terraform::Variables;
use crate::frontends::terraform::functions::{MAX_VALUE_BYTES, weight};
use crate::parse::yaml::Limits;
use crate::source::{FileId, SourceFile, SourceMap, Span, TextRange};
use hcl::Value as V;
use hcl::expr::{BinaryOperator, UnaryOperator};
use proptest::prelude::*;
use std::path::PathBuf;

/// Evaluates `text` on its own: its value, and what the evaluation noted.
fn eval(text: &str) -> (R, Vec<EvalNote>) {
    let parsed = hcl_edit::parser::parse_expr(text).expect(text);
    let conv = Conv {
        file: FileId(0),
        base: 0,
        fallback: TextRange::empty(0),
    };
    let funcs = Funcs::new();
    let ev = Evaluator::new(&funcs);
    let r = ev.eval(&conv.expr(&parsed), &NoEnv, &Scope::default());
    (r, ev.notes())
}

fn value(text: &str) -> R {
    eval(text).0
}

fn num(text: &str) -> V {
    number(text.parse().expect(text))
}

#[test]
fn division_and_remainder_by_zero_are_errors() {
    for text in [
        "5 % 0",
        "1.5 % 0.0",
        "1 % -0.0",
        "1 / 0",
        "0 / 0",
        "1.5 / 0",
        r#""2" % "0""#,
        "-9223372036854775808 % 0",
    ] {
        assert_eq!(value(text), Err(Fail::Error), "{text}");
    }
    // An error, not an unknown: `try` and `can` see it.
    assert_eq!(value(r#"try(5 % 0, "d")"#), Ok(V::from("d")));
    assert_eq!(value("can(1 / 0)"), Ok(V::Bool(false)));
}

#[test]
fn arithmetic_is_exact_or_unknown_never_wrong() {
    let cases: &[(&str, V)] = &[
        ("-9223372036854775808 % -1", V::from(0)),
        (
            "-9223372036854775808 / -1",
            V::from(9_223_372_036_854_775_808u64),
        ),
        (
            "-(-9223372036854775808)",
            V::from(9_223_372_036_854_775_808u64),
        ),
        ("-9223372036854775808 - 1", num("-9223372036854775809")),
        ("18446744073709551615 + 1", num("18446744073709551616")),
        ("18446744073709551615 - 18446744073709551615", V::from(0)),
        ("0 - 18446744073709551615", num("-18446744073709551615")),
        ("4294967296 * 4294967296", num("18446744073709551616")),
        ("7 / 2", num("3.5")),
        ("6 / 3", V::from(2)),
        ("-7 % 3", V::from(-1)),
        ("7 % -3", V::from(1)),
        ("5.5 % 2", num("1.5")),
        ("-0.0 * 1", V::from(0)),
        (r#""3" * "4""#, V::from(12)),
        (r#"-"2""#, V::from(-2)),
        (
            "9223372036854775807 + 1 > 9223372036854775807",
            V::Bool(true),
        ),
        ("-1 < 18446744073709551615", V::Bool(true)),
        ("1.5 >= 1.5", V::Bool(true)),
    ];
    for (text, want) in cases {
        assert_eq!(value(text).as_ref(), Ok(want), "{text}");
    }
    // Past what a 64-bit float holds: unknown (Terraform's numbers are
    // arbitrary-precision), never infinite.
    for text in [
        "1e308 * 10",
        "-1e308 - 1e308",
        "1e308 / 1e-308",
        "18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615 * 18446744073709551615",
    ] {
        assert_eq!(value(text), Err(Fail::Unknown), "{text}");
    }
    // Strings that are not finite numbers are not numbers.
    for text in [
        r#""NaN" + 1"#,
        r#""inf" * 0"#,
        r#""1e400" - 1"#,
        r#"-"NaN""#,
        r#""infinity" > 1"#,
    ] {
        assert_eq!(value(text), Err(Fail::Error), "{text}");
    }
}

#[test]
fn a_value_too_large_is_unknown_and_noted_where_it_is_made() {
    // A 20 KB separator between 1000 elements: 20 MB.
    let sep = format!("\"{}\"", "x".repeat(20_000));
    let text = format!(r#"[1, join({sep}, [for i in range(1000) : "x"])]"#);
    let (r, notes) = eval(&text);
    assert_eq!(r, Err(Fail::Unknown));
    let at = text.find("join").unwrap();
    assert_eq!(
        notes,
        [EvalNote::Limit {
            span: Span::new(FileId(0), TextRange::new(at, text.len() - 1)),
            limit: Limit::Size,
        }]
    );
    let kb = |c: &str, n: usize| format!("\"{}\"", c.repeat(n));
    for text in [
        // Functions whose result outgrows their arguments stop early.
        format!(r#"replace({}, "", {})"#, kb("x", 1000), kb("y", 20_000)),
        r#"formatlist("%10000s%10000s", range(1000), range(1000))"#.to_string(),
        format!(r#"split("", {})"#, kb("x", 1_000_000)),
        format!(
            "jsonencode([for i in range(1000) : {}])",
            kb("\\u0001", 3000)
        ),
        // Upper case of "ΐ" is three characters, six bytes.
        format!("upper({})", kb("ΐ", 3_000_000)),
        // Collections: each element small, the whole too large.
        format!(
            "[for i in range(1000) : [for j in range(100) : {}]]",
            kb("x", 200)
        ),
        format!(
            "{{for i in range(1000) : i => [for j in range(100) : {}]}}",
            kb("x", 200)
        ),
        format!("[for i in range(1000) : {}]", kb("x", 20_000)),
        format!("[{0}, {0}]", kb("x", 10_000_000)),
        r#""%{for i in range(1000)}%{for j in range(1000)}xxxxxxxxxxxxxxxxxxxx%{endfor}%{endfor}""#
            .to_string(),
    ] {
        let (r, notes) = eval(&text);
        let head: String = text.chars().take(60).collect();
        assert_eq!(r, Err(Fail::Unknown), "{head}");
        assert!(
            matches!(
                notes.as_slice(),
                [EvalNote::Limit {
                    limit: Limit::Size,
                    ..
                }]
            ),
            "{head}: {notes:?}"
        );
    }
    // Under the limit, the same constructs are evaluated.
    let (r, notes) = eval(&format!(
        r#"length(join("", [for i in range(1000) : {}]))"#,
        kb("x", 1000)
    ));
    assert_eq!((r, notes), (Ok(V::from(1_000_000)), Vec::new()));
}

#[test]
fn work_is_bounded_across_nested_loops() {
    // A billion iterations of small values: no value is large, the work is.
    let text = "length([for i in range(1000) : length([for j in range(1000) : length([for k in range(1000) : k])])])";
    let started = std::time::Instant::now();
    let (r, notes) = eval(text);
    assert_eq!(r, Err(Fail::Unknown));
    assert!(
        matches!(
            notes.as_slice(),
            [EvalNote::Limit {
                limit: Limit::Work,
                ..
            }]
        ),
        "{notes:?}"
    );
    // Loose: a debug build on a shared machine.
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}

#[test]
fn distinct_and_toset_are_not_quadratic() {
    let started = std::time::Instant::now();
    let r = value("length(distinct(concat(range(1000), range(1000), range(1000), range(1000))))");
    assert_eq!(r, Ok(V::from(1000)));
    let r =
        value("length(toset(concat([for i in range(1000) : [i]], [for i in range(1000) : [i]])))");
    assert_eq!(r, Ok(V::from(1000)));
    // Equal as Terraform compares: maps whatever their order, lists
    // element by element.
    for (text, want) in [
        (
            "distinct([{a = 1, b = 2}, {b = 2, a = 1}, {a = 1}])",
            "[{a = 1, b = 2}, {a = 1}]",
        ),
        (r#"distinct([[1], ["1"], [1], []])"#, r#"[[1], ["1"], []]"#),
        (
            r#"distinct(["a", "b", "a", null, null])"#,
            r#"["a", "b", null]"#,
        ),
    ] {
        assert_eq!(value(text), value(want), "{text}");
    }
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}

fn run(files: &[(&str, &str)]) -> Load {
    let mut sources = SourceMap::default();
    let ids: Vec<FileId> = files
        .iter()
        .map(|(p, t)| sources.add(SourceFile::new(PathBuf::from(p), *t)))
        .collect();
    load(
        &sources,
        &ids,
        &Variables::default(),
        &Limits::default(),
        &FileTree::default(),
    )
}

fn cycles(load: &Load) -> Vec<&str> {
    load.notes
        .iter()
        .filter_map(|n| match n {
            EvalNote::Cycle { module, .. } => Some(module.as_str()),
            EvalNote::Limit { .. } | EvalNote::Outside { .. } => None,
        })
        .collect()
}

#[test]
fn modules_that_call_each_other_are_each_analysed_once() {
    let load = run(&[
        (
            "a/main.tf",
            "resource \"x\" \"a\" {}\nmodule \"b\" {\n  source = \"../b\"\n}\n",
        ),
        (
            "b/main.tf",
            "resource \"x\" \"b\" {}\nmodule \"a\" {\n  source = \"../a\"\n}\n",
        ),
    ]);
    let addresses: Vec<&str> = load.resources.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(addresses, ["module.b.x.b", "x.a"]);
    assert_eq!(cycles(&load), ["module.b.module.a"]);

    let text = "resource \"x\" \"s\" {}\nmodule \"me\" {\n  source = \"./\"\n}\n";
    let load = run(&[("self/main.tf", text)]);
    let addresses: Vec<&str> = load.resources.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(addresses, ["x.s"]);
    assert_eq!(cycles(&load), ["module.me"]);
    let error = load.notes[0].error().unwrap();
    assert_eq!(error.code, "module-cycle");
    let at = text.find("source =").unwrap();
    assert_eq!(
        error.span.range,
        TextRange::new(at, at + "source = \"./\"".len())
    );

    // A module reached twice without a cycle is no cycle.
    let load = run(&[
        (
            "root/main.tf",
            "module \"a\" {\n  source = \"../m\"\n}\nmodule \"b\" {\n  source = \"../m\"\n}\n",
        ),
        ("m/main.tf", "resource \"x\" \"m\" {}\n"),
    ]);
    assert_eq!(load.resources.len(), 2);
    assert!(load.notes.is_empty(), "{:?}", load.notes);
}

#[test]
fn doubling_locals_are_bounded_and_noted_once() {
    let mut text = String::from("locals {\n  s1 = \"xx\"\n");
    for i in 2..60 {
        text.push_str(&format!(
            "  s{i} = \"${{local.s{}}}${{local.s{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    text.push_str("}\nresource \"x\" \"y\" {\n  a = local.s59\n  b = local.s58\n}\n");
    let load = run(&[("main.tf", &text)]);
    assert_eq!(load.resources.len(), 1);
    // s24 is the first string past 16 MiB; it is on line 25.
    let [EvalNote::Limit { span, limit }] = load.notes.as_slice() else {
        panic!("{:?}", load.notes);
    };
    assert_eq!(*limit, Limit::Size);
    let line = text[..span.range.start as usize].lines().count();
    assert_eq!(line, 25);
}

// ---------------------------------------------------------------------------
// Random operands

fn expr(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::new(FileId(0), TextRange::empty(0)))
}

/// An expression whose value is `v`.
fn literal(v: &V) -> Expr {
    expr(match v {
        V::Null => ExprKind::Null,
        V::Bool(b) => ExprKind::Bool(*b),
        V::Number(n) => ExprKind::Number(*n),
        V::String(s) => ExprKind::Str(s.clone()),
        V::Array(items) => ExprKind::Array(items.iter().map(literal).collect()),
        V::Object(m) => ExprKind::Object(
            m.iter()
                .map(|(k, v)| (expr(ExprKind::Str(k.clone())), literal(v)))
                .collect(),
        ),
    })
}

fn number(f: f64) -> V {
    // Infinities and NaN are no `Number`: they come as numeric strings.
    hcl::Number::from_f64(f).map_or_else(|| V::String(f.to_string()), V::Number)
}

/// Integers (their extremes included), floats (zeros, extremes,
/// subnormals, and, as strings, infinities and NaN), strings (numeric ones,
/// format verbs, sentinels of unknown values and references), and lists and
/// maps of them.
fn operand() -> impl Strategy<Value = V> {
    let leaf = prop_oneof![
        Just(V::Null),
        any::<bool>().prop_map(V::Bool),
        prop::sample::select(vec![i64::MIN, i64::MIN + 1, -1, 0, 1, 2, 3, i64::MAX])
            .prop_map(V::from),
        any::<i64>().prop_map(V::from),
        prop::sample::select(vec![u64::MAX, 1 << 63, (1 << 63) + 1]).prop_map(V::from),
        any::<u64>().prop_map(V::from),
        prop::sample::select(vec![
            0.0,
            -0.0,
            0.5,
            -1.5,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            f64::EPSILON,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ])
        .prop_map(number),
        any::<f64>().prop_map(number),
        prop::sample::select(vec![
            String::new(),
            "NaN".into(),
            "inf".into(),
            "-inf".into(),
            "1e400".into(),
            "-0".into(),
            "0x10".into(),
            "9223372036854775808".into(),
            "18446744073709551616".into(),
            "%".into(),
            "%[0]d %10000s %.10000f %q %v".into(),
            "/re/".into(),
            "a,b,,c".into(),
            UNKNOWN.into(),
            ref_sentinel("aws_subnet.a", "id"),
        ])
        .prop_map(V::String),
        "\\PC{0,8}".prop_map(V::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(V::Array),
            prop::collection::vec(("[a-c]{0,2}", inner), 0..4)
                .prop_map(|entries| V::Object(entries.into_iter().collect())),
        ]
    })
}

const BINARY: [BinaryOperator; 13] = [
    BinaryOperator::Eq,
    BinaryOperator::NotEq,
    BinaryOperator::LessEq,
    BinaryOperator::GreaterEq,
    BinaryOperator::Less,
    BinaryOperator::Greater,
    BinaryOperator::Plus,
    BinaryOperator::Minus,
    BinaryOperator::Mul,
    BinaryOperator::Div,
    BinaryOperator::Mod,
    BinaryOperator::And,
    BinaryOperator::Or,
];

fn evaluate(e: &Expr) -> R {
    let funcs = Funcs::new();
    let ev = Evaluator::new(&funcs);
    let r = ev.eval(e, &NoEnv, &Scope::default());
    if let Ok(v) = &r {
        assert!(weight(v, MAX_VALUE_BYTES) <= MAX_VALUE_BYTES);
    }
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every binary operator on any two operands: a value, an error or
    /// unknown, never a panic.
    #[test]
    fn binary_operators_never_panic(a in operand(), b in operand()) {
        for op in BINARY {
            let e = expr(ExprKind::Binary(op, Box::new(literal(&a)), Box::new(literal(&b))));
            let _ = evaluate(&e);
        }
    }

    #[test]
    fn unary_operators_never_panic(a in operand()) {
        for op in [UnaryOperator::Neg, UnaryOperator::Not] {
            let _ = evaluate(&expr(ExprKind::Unary(op, Box::new(literal(&a)))));
        }
    }

    /// Every built-in function of Terraform, implemented or unknown (a new
    /// one is covered as it is added to the catalog), on any arguments,
    /// spread or not.
    #[test]
    fn functions_never_panic(args in prop::collection::vec(operand(), 0..5)) {
        let names = crate::frontends::terraform::functions::catalog().into_iter().map(|(name, _)| name);
        for name in names {
            for n in 0..=args.len() {
                for expand_final in [false, true] {
                    let e = expr(ExprKind::Call {
                        name: name.to_string(),
                        args: args[..n].iter().map(literal).collect(),
                        expand_final,
                    });
                    let _ = evaluate(&e);
                }
            }
        }
    }
}

/// Cycles and limits are part of what the cache keeps of a root module: a
/// run that reads the root back reports them as the first did.
#[test]
fn notes_survive_the_cache() {
    use crate::cache::Cache;
    let mut text = String::from("locals {\n  s1 = \"xx\"\n");
    for i in 2..30 {
        text.push_str(&format!(
            "  s{i} = \"${{local.s{}}}${{local.s{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    text.push_str(
        "}\noutput \"big\" {\n  value = local.s29\n}\nmodule \"me\" {\n  source = \"./\"\n}\n",
    );
    let mut sources = SourceMap::default();
    let ids = [sources.add(SourceFile::new(PathBuf::from("main.tf"), text))];
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        let cache = Cache::open(dir.path(), std::path::Path::new("/repo")).unwrap();
        let (load, _) = super::load_cached(
            &sources,
            &ids,
            &Variables::default(),
            &Limits::default(),
            &super::FileTree::default(),
            Some(&cache),
            |_| None::<()>,
        );
        cache.finish();
        load.notes
    };
    let first = run();
    assert!(matches!(
        first.as_slice(),
        [
            EvalNote::Cycle { .. },
            EvalNote::Limit {
                limit: Limit::Size,
                ..
            }
        ]
    ));
    assert_eq!(run(), first);
}

/// The value of attribute `attr` of each instance of the resource whose
/// address starts with `base`, in address order.
fn attrs_of(load: &Load, base: &str, attr: &str) -> Vec<crate::frontends::terraform::Value> {
    load.resources
        .iter()
        .filter(|r| r.address.starts_with(base))
        .map(|r| {
            r.body
                .attr(attr)
                .map_or(crate::frontends::terraform::Value::Null, |a| {
                    a.value.clone()
                })
        })
        .collect()
}

#[test]
fn zones_of_a_data_source_are_distinct_and_unnamed() {
    use crate::frontends::terraform::Value as TV;
    let load = run(&[(
        "main.tf",
        r#"
data "aws_availability_zones" "available" {}
data "google_compute_zones" "gcp" {}

locals {
  azs     = slice(data.aws_availability_zones.available.names, 0, 3)
  sorted  = sort(local.azs)
  is_name = [for az in local.azs : length(regexall("^[a-z]{2}-", az)) > 0]
  named   = [for az in local.azs : "nat-${az}"]
}

resource "aws_subnet" "a" {
  count             = length(local.azs)
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
  availability_zone = local.is_name[count.index] ? element(local.azs, count.index) : null
}

resource "aws_instance" "first" {
  availability_zone = local.sorted[0]
  tags              = { all = local.azs, gcp = data.google_compute_zones.gcp.names[1] }
}

resource "aws_instance" "unknown" {
  # The region's zones past the second: which one `element` wraps to
  # depends on how many the region has.
  availability_zone = element(data.aws_availability_zones.available.names, 2)
  user_data         = local.named[0]
  ami               = distinct(concat(local.azs, ["eu-west-1a"]))
}
"#,
    )]);
    let family = "data.aws_availability_zones.available.names".to_string();
    let zone = |index| TV::Zone {
        family: family.clone(),
        index,
    };
    assert_eq!(
        attrs_of(&load, "aws_subnet.a", "availability_zone"),
        vec![zone(0), zone(1), zone(2)]
    );
    assert_eq!(
        attrs_of(&load, "aws_subnet.a", "cidr_block"),
        vec![
            TV::String("10.0.0.0/24".into()),
            TV::String("10.0.1.0/24".into()),
            TV::String("10.0.2.0/24".into())
        ]
    );
    assert_eq!(
        attrs_of(&load, "aws_instance.first", "availability_zone"),
        vec![zone(0)]
    );
    let Some(TV::Map(tags)) = attrs_of(&load, "aws_instance.first", "tags").pop() else {
        panic!("one instance with tags");
    };
    assert_eq!(
        tags.get("gcp"),
        Some(&TV::Zone {
            family: "data.google_compute_zones.gcp.names".into(),
            index: 1
        })
    );
    assert_eq!(
        tags.get("all"),
        Some(&TV::List(vec![zone(0), zone(1), zone(2)]))
    );
    for attr in ["availability_zone", "user_data", "ami"] {
        assert_eq!(
            attrs_of(&load, "aws_instance.unknown", attr),
            vec![TV::Unknown],
            "{attr}"
        );
    }
}
