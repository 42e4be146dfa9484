//! What a `*.hcl` file is, from its text: HCL is the syntax of Nomad jobs,
//! Packer templates, Terragrunt, Vault, Consul and Nomad agent
//! configuration alike, and only the first are infrastructure spof models.
//!
//! A file is a Nomad job when its top level is what Nomad's job parser
//! (`jobspec2`) accepts: a `job` block, beside nothing but `variable`,
//! `variables` and `locals` blocks. Nomad refuses a file with any other
//! top-level block or attribute, so no job file Nomad runs is left out,
//! and Packer's `source`/`build`, Terragrunt's `terraform`/`inputs =`, or
//! Vault's `storage`/`listener` never make a file a job.
//!
//! The test is lexical, one pass over the bytes without building anything:
//! it skips comments, quoted strings (with their `${…}` interpolations),
//! heredocs and bracketed bodies, and looks only at the top level. The
//! file is parsed once, afterwards, by the Nomad reader. Text the pass
//! cannot follow once a `job` block has begun (a string left open, brackets
//! that do not match or nest too deep) leaves the file a job file, for the
//! parser to report the error.

/// Top-level blocks a Nomad job file may hold beside its `job`.
const JOB_FILE_BLOCKS: &[&[u8]] = &[b"job", b"variable", b"variables", b"locals"];

/// Deepest nesting of brackets, strings and interpolations followed: the
/// pass stops there (the parser refuses such a file anyway, with a message
/// of its own).
const MAX_NESTING: usize = 1024;

/// Whether `text` is a Nomad job file (see the module's documentation).
pub fn is_nomad_job(text: &str) -> bool {
    let bytes = text.strip_prefix('\u{feff}').unwrap_or(text).as_bytes();
    let mut scan = Scan {
        bytes,
        at: 0,
        frames: Vec::new(),
    };
    let mut statement = Statement::Start;
    let mut job = false;
    while let Some(token) = scan.next_token() {
        statement = match (statement, token) {
            (Statement::Start | Statement::Closed, Token::Newline) => Statement::Start,
            (Statement::Start, Token::Word(name)) => {
                if !JOB_FILE_BLOCKS.contains(&name) {
                    return false;
                }
                job |= name == b"job";
                Statement::Header
            }
            // Labels: quoted strings or identifiers.
            (Statement::Header, Token::Word(_) | Token::Quoted) => Statement::Header,
            (Statement::Header, Token::OpenBrace) => {
                if !scan.skip_body() {
                    // Text this pass cannot follow is a syntax error for the
                    // parser to report, in a file that is a job so far.
                    return job;
                }
                Statement::Closed
            }
            // An attribute, a header broken across lines, a stray token:
            // not a job file.
            _ => return false,
        };
    }
    // (A string or comment left open at the top level ends the scan: the
    // file is what it was so far.)
    job
}

/// Where the top-level statement being read is.
#[derive(Clone, Copy)]
enum Statement {
    /// At the start of a line, between statements.
    Start,
    /// A block's type was read (and maybe labels); `{` comes next.
    Header,
    /// A block's body was closed; a line break comes next.
    Closed,
}

/// A token at the top level.
#[derive(Clone, Copy)]
enum Token<'a> {
    Newline,
    Word(&'a [u8]),
    /// A quoted string, skipped whole.
    Quoted,
    OpenBrace,
    /// Anything else: `=`, a number, an operator, another bracket.
    Other,
}

/// A place the scan is inside of, innermost last.
#[derive(Clone, Copy, PartialEq)]
enum Frame {
    /// A bracket, by the byte that closes it.
    Bracket(u8),
    /// A quoted string.
    Quoted,
    /// A `${…}` or `%{…}` sequence in a quoted string.
    Interpolation,
}

struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
    frames: Vec<Frame>,
}

impl<'a> Scan<'a> {
    /// The next token, the scan being at the top level.
    fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            let &byte = self.bytes.get(self.at)?;
            match byte {
                b'\n' => {
                    self.at += 1;
                    return Some(Token::Newline);
                }
                b' ' | b'\t' | b'\r' => self.at += 1,
                b'#' => self.skip_line(),
                b'/' if self.peek(1) == Some(b'/') => self.skip_line(),
                b'/' if self.peek(1) == Some(b'*') => {
                    if !self.skip_block_comment() {
                        return None;
                    }
                }
                b'"' => {
                    self.at += 1;
                    self.frames.push(Frame::Quoted);
                    if !self.skip_nested() {
                        return None;
                    }
                    return Some(Token::Quoted);
                }
                b'{' => {
                    self.at += 1;
                    return Some(Token::OpenBrace);
                }
                _ if is_ident_start(byte) => {
                    let start = self.at;
                    while self.peek(0).is_some_and(is_ident_continue) {
                        self.at += 1;
                    }
                    return Some(Token::Word(&self.bytes[start..self.at]));
                }
                _ => {
                    self.at += 1;
                    return Some(Token::Other);
                }
            }
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// To the line break ending a `#` or `//` comment (not past it).
    fn skip_line(&mut self) {
        self.at =
            memchr::memchr(b'\n', &self.bytes[self.at..]).map_or(self.bytes.len(), |i| self.at + i);
    }

    /// Past a `/* … */` comment; `false` when it is never closed.
    fn skip_block_comment(&mut self) -> bool {
        match memchr::memmem::find(&self.bytes[self.at + 2..], b"*/") {
            Some(end) => {
                self.at += 2 + end + 2;
                true
            }
            None => false,
        }
    }

    /// Past a block's body, its `{` just read; `false` when the text ends
    /// first or brackets do not match.
    fn skip_body(&mut self) -> bool {
        self.frames.push(Frame::Bracket(b'}'));
        self.skip_nested()
    }

    /// Past whatever `frames` holds, until it is empty again.
    fn skip_nested(&mut self) -> bool {
        while let Some(&frame) = self.frames.last() {
            if self.frames.len() > MAX_NESTING {
                return false;
            }
            let Some(&byte) = self.bytes.get(self.at) else {
                return false;
            };
            let ok = match frame {
                Frame::Quoted => self.in_quoted(byte),
                Frame::Bracket(_) | Frame::Interpolation => self.in_code(byte),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// One step inside a quoted string.
    fn in_quoted(&mut self, byte: u8) -> bool {
        match byte {
            b'\\' => self.at += 2,
            b'"' => {
                self.at += 1;
                self.frames.pop();
            }
            // `$${` and `%%{` are the literal `${` and `%{`.
            b'$' | b'%' if self.peek(1) == Some(byte) && self.peek(2) == Some(b'{') => {
                self.at += 3;
            }
            b'$' | b'%' if self.peek(1) == Some(b'{') => {
                self.at += 2;
                self.frames.push(Frame::Interpolation);
            }
            // A quoted string ends on its line.
            b'\n' => return false,
            _ => self.at += 1,
        }
        true
    }

    /// One step inside brackets or an interpolation.
    fn in_code(&mut self, byte: u8) -> bool {
        match byte {
            b'#' => self.skip_line(),
            b'/' if self.peek(1) == Some(b'/') => self.skip_line(),
            b'/' if self.peek(1) == Some(b'*') => return self.skip_block_comment(),
            b'"' => {
                self.at += 1;
                self.frames.push(Frame::Quoted);
            }
            b'<' if self.peek(1) == Some(b'<') => return self.skip_heredoc(),
            b'{' => {
                self.at += 1;
                self.frames.push(Frame::Bracket(b'}'));
            }
            b'[' => {
                self.at += 1;
                self.frames.push(Frame::Bracket(b']'));
            }
            b'(' => {
                self.at += 1;
                self.frames.push(Frame::Bracket(b')'));
            }
            b'}' | b']' | b')' => {
                let closes = match self.frames.last() {
                    Some(Frame::Bracket(closer)) => *closer == byte,
                    Some(Frame::Interpolation) => byte == b'}',
                    _ => false,
                };
                if !closes {
                    return false;
                }
                self.at += 1;
                self.frames.pop();
            }
            _ => self.at += 1,
        }
        true
    }

    /// Past a heredoc (`<<ID` or `<<-ID`, a line break, the lines up to
    /// the one holding `ID` alone), or past a `<<` that starts none.
    fn skip_heredoc(&mut self) -> bool {
        let mut i = self.at + 2;
        if self.bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let start = i;
        while self.bytes.get(i).copied().is_some_and(is_ident_continue) {
            i += 1;
        }
        let marker = &self.bytes[start..i];
        let opens = !marker.is_empty()
            && self.bytes.get(start).copied().is_some_and(is_ident_start)
            && match self.bytes.get(i) {
                Some(b'\n') => true,
                Some(b'\r') => self.bytes.get(i + 1) == Some(&b'\n'),
                _ => false,
            };
        if !opens {
            // A shift operator, which HCL does not have: a stray token.
            self.at += 2;
            return true;
        }
        let mut line = match memchr::memchr(b'\n', &self.bytes[i..]) {
            Some(end) => i + end + 1,
            None => return false,
        };
        while line < self.bytes.len() {
            let end =
                memchr::memchr(b'\n', &self.bytes[line..]).map_or(self.bytes.len(), |e| line + e);
            if self.bytes[line..end].trim_ascii() == marker {
                self.at = end;
                return true;
            }
            line = end + 1;
        }
        false
    }
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_ident_continue(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

#[cfg(test)]
mod tests {
    use super::{JOB_FILE_BLOCKS, is_nomad_job};

    #[test]
    fn a_job_beside_variables_and_locals_is_a_job_file() {
        assert!(is_nomad_job(
            "job \"web\" {\n  datacenters = [\"dc1\"]\n}\n"
        ));
        assert!(is_nomad_job(
            "\u{feff}# jobs\nvariable \"image\" {\n  default = \"nginx\"\n}\n\
             variables {\n  x = 1\n}\n\nlocals {\n  y = \"${var.image}:1\"\n}\n\
             /* the job */\njob web {\n}\n"
        ));
        // No line break after the last brace, a comment after it.
        assert!(is_nomad_job("job \"web\" { group \"g\" {} } # done"));
    }

    #[test]
    fn bodies_strings_and_heredocs_are_skipped_whole() {
        let text = r#"job "web" {
  group "g" {
    task "t" {
      template {
        data = <<-EOT
          } resource "x" "y" {
          {{ with secret "a" }}}{{ end }}
        EOT
      }
      env {
        A = "}${lookup(var.m, "}", "{")}{"
        B = "$${not {"
      }
      # } unbalanced in a comment
      // }
      /* } */
    }
  }
}
"#;
        assert!(is_nomad_job(text));
    }

    #[test]
    fn other_hcl_files_are_not_jobs() {
        // Packer.
        assert!(!is_nomad_job(
            "source \"amazon-ebs\" \"x\" {\n}\nbuild {\n  sources = [\"source.amazon-ebs.x\"]\n}\n"
        ));
        // Terragrunt.
        assert!(!is_nomad_job(
            "terraform {\n  source = \"../mod\"\n}\ninputs = {\n  job = \"x\"\n}\n"
        ));
        // Vault and Nomad agent configuration.
        assert!(!is_nomad_job(
            "storage \"raft\" {\n  path = \"/v\"\n}\nui = true\n"
        ));
        assert!(!is_nomad_job(
            "datacenter = \"dc1\"\nserver {\n  enabled = true\n}\n"
        ));
        // A job beside what Nomad refuses at the top level.
        assert!(!is_nomad_job("job \"a\" {\n}\nresource \"x\" \"y\" {\n}\n"));
        assert!(!is_nomad_job("job \"a\" {\n}\nname = 1\n"));
        // Variables alone, a job only nested, nothing.
        assert!(!is_nomad_job("variable \"a\" {\n}\n"));
        assert!(!is_nomad_job("locals {\n  job \"a\" {\n  }\n}\n"));
        assert!(!is_nomad_job(""));
        // The word alone, not a block.
        assert!(!is_nomad_job("job = \"web\"\n"));
        assert!(!is_nomad_job("job \"web\"\n{\n}\n"));
    }

    /// So that the parser reports the error, where a name alone would
    /// have made the file a job.
    #[test]
    fn a_job_the_pass_cannot_follow_is_still_a_job() {
        assert!(is_nomad_job("job \"web\" {\n  group \"g\" {\n"));
        assert!(is_nomad_job("job \"web\" {\n  x = [1, 2}\n}\n"));
        assert!(is_nomad_job("job \"web\" {\n  x = \"open\n}\n"));
        assert!(is_nomad_job(
            "job \"web\" {\n  x = <<EOT\nnever closed\n}\n"
        ));
        assert!(is_nomad_job("job \"web\" {\n}\n/* never closed\n"));
        let deep = format!(
            "job \"a\" {{\n{}{}\n}}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert!(is_nomad_job(&deep));
        // Before any job: not a job file.
        assert!(!is_nomad_job(
            "variable \"a\" {\n  x = \"open\n}\njob \"b\" {\n}\n"
        ));
        assert!(!is_nomad_job("/* never closed\njob \"a\" {\n}\n"));
        assert!(!is_nomad_job("source \"a\" \"b\" {\n  x = [1}\n}\n"));
    }

    proptest::proptest! {
        /// Any text of HCL's punctuation ends the pass without a panic.
        #[test]
        fn any_text_is_scanned_to_an_answer(
            text in r#"(job|"|\\|\$\{|%\{|\{|\}|\[|\]|\(|\)|#|//|/\*|\*/|<<-?EOT|EOT|\n| |=|x)*"#
        ) {
            let _ = is_nomad_job(&text);
        }

        /// On files the parser reads, the pass says what the parsed top
        /// level says.
        #[test]
        fn the_pass_agrees_with_the_parser(
            items in proptest::collection::vec(proptest::sample::select(ITEMS), 0..6)
        ) {
            let text = items.concat();
            if let Ok(body) = hcl_edit::parser::parse_body(&text) {
                let blocks: Vec<&str> = body
                    .iter()
                    .filter_map(|s| s.as_block())
                    .map(|b| b.ident.as_str())
                    .collect();
                let expected = blocks.contains(&"job")
                    && body.iter().all(|s| {
                        s.as_block()
                            .is_some_and(|b| JOB_FILE_BLOCKS.contains(&b.ident.as_str().as_bytes()))
                    });
                proptest::prop_assert_eq!(is_nomad_job(&text), expected, "{}", text);
            }
        }
    }

    /// Top-level items, well-formed or not, that the property test strings
    /// together.
    const ITEMS: &[&str] = &[
        "job \"a\" {\n  x = \"}\"\n}\n",
        "job b {\n  t = <<EOT\n}\nEOT\n}\n",
        "variable \"v\" {\n  default = { a = \"${var.x}{\" }\n}\n",
        "locals {\n  y = [for k in [1] : k]\n}\n",
        "variables {\n  z = 1\n}\n",
        "resource \"a\" \"b\" {\n}\n",
        "build {\n  job = 1\n}\n",
        "ui = true\n",
        "job = \"a\"\n",
        "# job \"c\" {\n",
        "/* } */\n",
        "\n",
        "job \"d\" { x = 1 }\n",
        "job \"e\" {\n",
        "}\n",
    ];
}
