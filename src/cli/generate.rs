//! `spof completions SHELL` and `spof man`: generated from the clap
//! definitions, so they list exactly the commands and flags that exist.

use clap_complete::Shell;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// Shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Print the page of this subcommand (`spof-check(1)`) instead of the
    /// main page.
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
}

/// Writes the completion script for `args.shell`.
pub fn completions(
    args: &CompletionsArgs,
    mut cmd: clap::Command,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let name = cmd.get_name().to_string();
    // clap_complete panics when a write fails (a full disk, a closed
    // pipe): it writes into memory, and the script is written from there.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, name, &mut script);
    out.write_all(&script)
}

/// Writes the roff man page; `Ok(false)` (reported) when the subcommand is
/// unknown.
pub fn man(args: &ManArgs, cmd: clap::Command, out: &mut dyn Write) -> std::io::Result<bool> {
    let mut cmd = cmd.version(env!("CARGO_PKG_VERSION"));
    // Gives subcommands their display name (`spof-check`) and bin name.
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => {
            let Some(sub) = cmd.find_subcommand(name) else {
                let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                eprintln!("error: no subcommand `{name}`; one of {}", names.join(", "));
                return Ok(false);
            };
            sub.clone().version(env!("CARGO_PKG_VERSION"))
        }
    };
    let source = format!("spof {}", env!("CARGO_PKG_VERSION"));
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(source)
        .render(&mut roff)?;
    out.write_all(&title_first(&roff))?;
    Ok(true)
}

/// man(7) wants `.TH` as the page's first request; the roff writer puts its
/// definition of the `\*(Aq` string (used for apostrophes) before it, so it
/// moves after the title.
fn title_first(page: &[u8]) -> Vec<u8> {
    let lines: Vec<&[u8]> = page.split_inclusive(|&b| b == b'\n').collect();
    let Some(title) = lines.iter().position(|l| l.starts_with(b".TH ")) else {
        return page.to_vec();
    };
    let mut out = Vec::with_capacity(page.len());
    out.extend_from_slice(lines[title]);
    for (i, line) in lines.iter().enumerate() {
        if i != title {
            out.extend_from_slice(line);
        }
    }
    out
}
