//! `dtwin run`: one scenario as seeded replications, its KPIs with confidence intervals.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use sim::KPIS;

use crate::cli_common::{Adaptive, Bar, Output, Paired, UsageError, keep_results, precision_warning};

#[derive(clap::Args)]
pub struct RunArgs {
    /// Scenario TOML file (see docs/scenario.md).
    scenario: PathBuf,
    /// Policy TOML file (`kind = ...` and its parameters) to use instead of the scenario's `[policy]`.
    #[arg(short, long)]
    policy: Option<PathBuf>,
    #[command(flatten)]
    paired: Paired,
    #[command(flatten)]
    adaptive: Adaptive,
    #[command(flatten)]
    output: Output,
    /// Also write the event log of replication 0 as JSON lines to this file.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Check the engine's invariants on every replication (slower); a violation exits with 1.
    #[arg(long)]
    check: bool,
    /// Print only the KPI table: no progress bar, no header.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: RunArgs) -> Result<()> {
    let scenario = args.paired.load(&args.scenario, args.policy.as_deref())?;
    let mut files = vec!["summary.json", "replications.csv"];
    if args.output.report {
        files.extend(["timeline.csv", "report.html", "report.md"]);
    }
    keep_results(args.output.out.as_deref(), args.output.force, &files)?;
    if let Some(path) = &args.events {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !dir.is_dir() || path.is_dir() {
            let why = if path.is_dir() { "a folder" } else { "its folder does not exist" };
            return Err(UsageError(format!("--events {}: {why}", path.display())).into());
        }
    }
    let target = args.adaptive.target();
    let spec = experiments::RunSpec {
        scenario: &scenario,
        path: &args.scenario,
        paired: args.paired.paired(),
        precision: target.as_ref(),
        options: sim::RunOptions { check: args.check, timeline: args.output.report },
    };
    let run = experiments::run(&spec, &Bar::replications(args.quiet))?;
    let (summary, elapsed) = (&run.summary, run.elapsed);
    precision_warning(summary.precision.as_ref(), summary.replications);
    for w in &summary.warnings {
        eprintln!("warning: {}: {w}", scenario.name);
    }

    let names: Vec<&str> = KPIS.iter().map(|k| k.name).collect();
    let mut text = String::new();
    if !args.quiet {
        let events = run.events();
        text += &format!(
            "{}: {} replications, seed {}, {events} events in {:.2} s ({:.1} M events/s)\n",
            scenario.name,
            summary.replications,
            summary.seed,
            elapsed.as_secs_f64(),
            events as f64 / elapsed.as_secs_f64() / 1e6
        );
    }
    text += &reports::render_table(summary, &names);
    std::io::stdout().write_all(text.as_bytes())?;

    // Everything is staged before anything is in place: the event log only with the results.
    let events = match &args.events {
        Some(path) => Some((path, experiments::event_log(&scenario, summary.seed)?)),
        None => None,
    };
    let out = match &args.output.out {
        Some(out) => {
            let staged = reports::run_files(summary, &names, &run.rows(), args.output.report);
            Some((out, reports::Staged::folder(out, staged, reports::RUN_FILES)?))
        }
        None => None,
    };
    let events = events.map(|(path, bytes)| reports::Staged::file(path, &bytes)).transpose()?;
    if let Some((out, staged)) = out {
        staged.commit()?;
        if !args.quiet {
            eprintln!("wrote {} in {}", files.join(", "), out.display());
        }
    }
    if let Some(staged) = events {
        staged.commit()?;
    }
    Ok(())
}
