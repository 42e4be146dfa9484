//! The Terraform evaluator and its functions: one expression evaluated on
//! its own (`terraform::hcl::evaluate_expression`). The first byte chooses
//! how the rest becomes an expression: when it is even, the rest is its
//! text; when it is odd, the rest drives a small generator that writes
//! operators, `for` expressions, templates, conditionals and calls of every
//! registered function over awkward operands (the extremes of 64-bit
//! integers and floats, numeric strings such as `"NaN"` and `"1e400"`,
//! empty collections, nulls), which random text seldom reaches.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::frontends::terraform::{functions, hcl};
use spof::parse::yaml::Limits;
use std::sync::OnceLock;

fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<&'static str> = functions::context_functions()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        // Evaluated by the evaluator itself, not through the table.
        names.extend(["try", "can"]);
        names
    })
}

const ATOMS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "3",
    "0.0",
    "-0.0",
    "0.5",
    "1e300",
    "1.7976931348623157e308",
    "5e-324",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    r#""""#,
    r#""a""#,
    r#""abc,def""#,
    r#""NaN""#,
    r#""inf""#,
    r#""-inf""#,
    r#""1e400""#,
    r#""-0""#,
    r#""%""#,
    r#""%d %s %v %q %05.2f %[2]s %10000s""#,
    r#""/x/""#,
    "[]",
    "{}",
    r#"["a", "b", "a"]"#,
    "[1, 2, 3]",
    r#"{a = 1, b = "x"}"#,
    "[[1, [2]], []]",
    "x",
    "k",
];

const BINARY: &[&str] = &[
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
];

/// Writes expressions from bytes; stops writing when the bytes run out.
struct Gen<'a> {
    bytes: &'a [u8],
    out: String,
}

impl Gen<'_> {
    fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((&b, rest)) => {
                self.bytes = rest;
                b
            }
            None => 0,
        }
    }

    fn pick<'s>(&mut self, from: &[&'s str]) -> &'s str {
        from[usize::from(self.byte()) % from.len()]
    }

    fn expr(&mut self, depth: u32) {
        if depth == 0 || self.bytes.is_empty() {
            let atom = self.pick(ATOMS);
            self.out.push_str(atom);
            return;
        }
        match self.byte() % 10 {
            0 | 1 => {
                let name = self.pick(names());
                self.out.push_str(name);
                self.out.push('(');
                let args = self.byte() % 5;
                for i in 0..args {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(depth - 1);
                }
                if args > 0 && self.byte() % 8 == 0 {
                    self.out.push_str("...");
                }
                self.out.push(')');
            }
            2 | 3 => {
                self.out.push('(');
                self.expr(depth - 1);
                let op = self.pick(BINARY);
                self.out.push_str(&format!(" {op} "));
                self.expr(depth - 1);
                self.out.push(')');
            }
            4 => {
                let op = if self.byte() % 2 == 0 { "-" } else { "!" };
                self.out.push_str(&format!("{op}("));
                self.expr(depth - 1);
                self.out.push(')');
            }
            5 => {
                self.out.push_str("[for k, x in ");
                self.expr(depth - 1);
                self.out.push_str(" : ");
                self.expr(depth - 1);
                if self.byte() % 2 == 0 {
                    self.out.push_str(" if ");
                    self.expr(depth - 1);
                }
                self.out.push(']');
            }
            6 => {
                self.out.push_str("{for k, x in ");
                self.expr(depth - 1);
                self.out.push_str(" : tostring(k) => ");
                self.expr(depth - 1);
                if self.byte() % 2 == 0 {
                    self.out.push_str("...");
                }
                self.out.push('}');
            }
            7 => {
                self.out.push_str("\"a${");
                self.expr(depth - 1);
                self.out.push_str("}%{ for x in ");
                self.expr(depth - 1);
                self.out.push_str(" }${x}%{ endfor }\"");
            }
            8 => {
                self.out.push('(');
                self.expr(depth - 1);
                self.out.push_str(" ? ");
                self.expr(depth - 1);
                self.out.push_str(" : ");
                self.expr(depth - 1);
                self.out.push(')');
            }
            _ => {
                self.out.push('(');
                self.expr(depth - 1);
                self.out.push(')');
                match self.byte() % 3 {
                    0 => {
                        self.out.push('[');
                        self.expr(depth - 1);
                        self.out.push(']');
                    }
                    1 => self.out.push_str("[*].a"),
                    _ => self.out.push_str(".a"),
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = if selector % 2 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        text.to_string()
    } else {
        let mut generator = Gen {
            bytes: rest,
            out: String::new(),
        };
        generator.expr(u32::from(selector >> 1) % 8 + 1);
        generator.out
    };
    // A 64th of a root module's work budget: the same checks, reached 64
    // times sooner, so that an input that spends the budget ends well within
    // libFuzzer's timeout under AddressSanitizer, and the memory
    // AddressSanitizer keeps after each input stays under the RSS limit for
    // the length of a run (with a 16th, it passed 2 GB after 126,000 inputs
    // while the live heap was 34 MB).
    let root = hcl::WorkBudget::default();
    let work = hcl::WorkBudget {
        steps: root.steps / 64,
        bytes: root.bytes / 64,
    };
    let _ = hcl::evaluate_expression(&text, &Limits::default(), work);
});
