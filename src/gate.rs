//! `dtwin gate`: judge saved runs against rules, for CI. Exit 0 pass, 1 a rule failed, 2 bad input.

use std::path::PathBuf;

use anyhow::Result;
use reports::gate::{junit, markdown};

#[derive(clap::Args)]
pub struct GateArgs {
    /// Rules file (`[[rule]]` entries; see docs/experiments.md).
    #[arg(long)]
    rules: PathBuf,
    /// Baseline results: a `dtwin run --out` folder, or a folder of them (one per scenario).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Candidate results: `dtwin run --out` folders, or folders of them.
    #[arg(required = true)]
    candidates: Vec<PathBuf>,
    /// Write JUnit XML here (a test case per rule and scenario).
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write the Markdown summary here too (it is always printed).
    #[arg(long)]
    markdown: Option<PathBuf>,
}

/// Whether every rule held.
pub fn gate(args: GateArgs) -> Result<bool> {
    let spec =
        experiments::GateSpec { rules: &args.rules, baseline: args.baseline.as_deref(), candidates: &args.candidates };
    let judged = experiments::gate(&spec)?;
    let md = markdown(&judged.outcomes);
    print!("{md}");
    if let Some(path) = &args.junit {
        reports::write_atomic(path, junit(&judged.outcomes).as_bytes())?;
    }
    if let Some(path) = &args.markdown {
        reports::write_atomic(path, md.as_bytes())?;
    }
    Ok(judged.passed())
}
