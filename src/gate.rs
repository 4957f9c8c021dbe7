//! `dtwin gate`: judge saved runs against rules, for CI. Exit 0 pass, 1 a rule failed, 2 bad input.

use std::path::PathBuf;

use anyhow::Result;
use reports::gate::{Rules, SavedRun, evaluate, junit, markdown};
use sim::KPIS;

use crate::UsageError;

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
    let usage = |e: reports::gate::GateError| UsageError(e.0);
    let text = sim::scenario::read_text(&args.rules)?;
    let names: Vec<&str> = KPIS.iter().map(|k| k.name).collect();
    let rules = Rules::parse(&args.rules, &text, &names).map_err(usage)?;
    let mut candidates = Vec::new();
    for dir in &args.candidates {
        candidates.extend(SavedRun::load_all(dir).map_err(usage)?);
    }
    let baseline = match &args.baseline {
        Some(dir) => SavedRun::load_all(dir).map_err(usage)?,
        None => Vec::new(),
    };
    let outcomes = evaluate(&rules, &baseline, &candidates).map_err(usage)?;
    let md = markdown(&outcomes);
    print!("{md}");
    if let Some(path) = &args.junit {
        reports::write_atomic(path, junit(&outcomes).as_bytes())?;
    }
    if let Some(path) = &args.markdown {
        reports::write_atomic(path, md.as_bytes())?;
    }
    Ok(outcomes.iter().all(|o| o.passed))
}
