//! `spof init [DIR]`: writes a commented spof.toml proposed from the
//! manifests below DIR.

use crate::check::DEFAULT_MAX_FILE_SIZE;
use crate::config::CONFIG_FILE_NAME;
use crate::init::Proposal;
use crate::write::{Existing, write_file};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Repository directory to scan; spof.toml is written there.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Overwrite an existing spof.toml.
    #[arg(long)]
    force: bool,
    /// Print the configuration instead of writing it.
    #[arg(long, conflicts_with = "force")]
    stdout: bool,
}

/// Runs `spof init`; returns the exit code.
pub fn run(args: &InitArgs, out: &mut dyn Write) -> i32 {
    match std::fs::metadata(&args.dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            eprintln!("error: {} is not a directory", args.dir.display());
            return 2;
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.dir.display());
            return 2;
        }
    }
    let target = args.dir.join(CONFIG_FILE_NAME);
    // Checked before the scan so that a refusal is immediate; the write
    // itself never replaces a file without --force either.
    if !args.stdout && !args.force && target.symlink_metadata().is_ok() {
        refuse(&target);
        return 2;
    }
    let proposal = Proposal::discover(&args.dir, DEFAULT_MAX_FILE_SIZE);
    let text = proposal.render();
    if args.stdout {
        return match out.write_all(text.as_bytes()) {
            Ok(()) => 0,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
            Err(e) => {
                eprintln!("error: cannot write output: {e}");
                2
            }
        };
    }
    let existing = if args.force {
        Existing::ReplaceLink
    } else {
        Existing::Keep
    };
    let written = write_file(&target, existing, &[], |w| w.write_all(text.as_bytes()));
    match written {
        Ok(()) => {
            eprintln!("{}", summary(&target, &proposal));
            0
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            refuse(&target);
            2
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", target.display());
            2
        }
    }
}

fn refuse(target: &Path) {
    eprintln!(
        "error: {} already exists; pass --force to overwrite it, or --stdout to print \
         the proposal instead",
        target.display()
    );
}

fn summary(target: &Path, proposal: &Proposal) -> String {
    let names: Vec<&str> = proposal.clusters.iter().map(|c| c.name.as_str()).collect();
    let clusters = match names.len() {
        0 => "no cluster found".to_string(),
        1 => format!("1 cluster ({})", names.join(", ")),
        n => format!("{n} clusters ({})", names.join(", ")),
    };
    let mut parts = vec![clusters];
    if !names.is_empty() {
        parts.push(format!(
            "zones for {} of them",
            proposal.clusters_with_zones()
        ));
    }
    parts.push(match proposal.scan.tools.len() {
        1 => "1 operational tool".to_string(),
        n => format!("{n} operational tools"),
    });
    if !proposal.scan.problems.is_empty() {
        parts.push(format!(
            "{} {} not read to the end",
            proposal.scan.problems.len(),
            if proposal.scan.problems.len() == 1 {
                "file"
            } else {
                "files"
            }
        ));
    }
    format!(
        "wrote {}: {}. Review it, then run `spof check`.",
        target.display(),
        parts.join(", ")
    )
}
