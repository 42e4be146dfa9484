//! The YAML frontend never panics, and every span it returns is a valid
//! byte range of the input, on character boundaries, whatever the input.

use proptest::prelude::*;
use spof::parse::yaml::{Limits, parse_stream};
use spof::parse::{Node, Value};

fn check_ranges(text: &str, node: &Node) -> Result<(), TestCaseError> {
    let (start, end) = (node.range.start as usize, node.range.end as usize);
    prop_assert!(
        start <= end && end <= text.len(),
        "{start}..{end} of {}",
        text.len()
    );
    prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    match &node.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => {
            for item in items {
                check_ranges(text, item)?;
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                check_ranges(text, k)?;
                check_ranges(text, v)?;
            }
        }
    }
    Ok(())
}

/// YAML-shaped text: keys, indentation, flow collections, anchors, aliases,
/// quotes, comments, document markers and non-ASCII characters.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("a: ".to_string()),
        Just("- ".to_string()),
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("\t".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(", ".to_string()),
        Just("&x ".to_string()),
        Just("*x".to_string()),
        Just("<<: ".to_string()),
        Just("\"q\u{e9}\"".to_string()),
        Just("'s'".to_string()),
        Just("# c\n".to_string()),
        Just("---\n".to_string()),
        Just("|\n  x\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("\r\n".to_string()),
        Just("{{ .Values.x }}".to_string()),
        "[a-z\u{e9}\u{4e2d}0-9]{1,6}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn yamlish_input_never_panics_and_spans_are_valid(text in yamlish()) {
        let (docs, error) = parse_stream(&text, &Limits::default());
        for doc in &docs {
            check_ranges(&text, &doc.root)?;
        }
        if let Some(e) = error {
            prop_assert!(e.range.end as usize <= text.len());
            prop_assert!(text.is_char_boundary(e.range.start as usize));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let (docs, _) = parse_stream(&text, &Limits::default());
        for doc in &docs {
            check_ranges(&text, &doc.root)?;
        }
    }
}
