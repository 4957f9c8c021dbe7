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
    /// Also write the event log to this file (of replication 0 unless --events-replications
    /// says otherwise; see docs/events.md).
    #[arg(long)]
    events: Option<PathBuf>,
    /// Format of --events: JSON lines, a CSV of events, OCEL 2.0 JSON for process-mining tools,
    /// or a CSV with one row per order (its path, milestones, lateness and cost).
    #[arg(long, default_value = "jsonl", value_parser = sim::eventlog::Format::NAMES, requires = "events")]
    events_format: String,
    /// Replications whose events --events writes, one after another: `0`, `0,3`, `2-5`, `all`.
    #[arg(long, default_value = "0", requires = "events")]
    events_replications: String,
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
    let event_format = sim::eventlog::Format::parse(&args.events_format).expect("clap checks the name");
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
        Some(path) => {
            let replications = replication_list(&args.events_replications, summary.replications)?;
            Some((path, stage_event_log(path, &scenario, summary.seed, &replications, event_format)?))
        }
        None => None,
    };
    let out = match &args.output.out {
        Some(out) => {
            let staged = reports::run_files(summary, &names, &run.rows(), args.output.report);
            Some((out, reports::Staged::folder(out, staged, reports::RUN_FILES)?))
        }
        None => None,
    };
    if let Some((out, staged)) = out {
        staged.commit()?;
        if !args.quiet {
            eprintln!("wrote {} in {}", files.join(", "), out.display());
        }
    }
    if let Some((path, staged)) = events {
        staged.persist(path).map_err(|e| anyhow::Error::new(e.error).context(format!("{}", path.display())))?;
    }
    Ok(())
}

/// Writes the event log into a hidden file beside `path`, synced, for `persist` to move into
/// place once the results are: nothing half-written is ever at `path`, and a failure leaves
/// nothing behind (the file is removed when dropped).
fn stage_event_log(
    path: &Path,
    scenario: &sim::Scenario,
    seed: u64,
    replications: &[u32],
    format: sim::eventlog::Format,
) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let at = |e: std::io::Error| anyhow::Error::new(e).context(format!("{}", path.display()));
    let mut builder = tempfile::Builder::new();
    // Readable as any new file is (the umask applies), not only by its owner.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let staged = builder.prefix(".dtwin-events-").tempfile_in(dir).map_err(at)?;
    let out = std::io::BufWriter::new(staged.as_file());
    let out = experiments::write_event_log(scenario, seed, replications, format, out)?;
    out.into_inner().map_err(|e| at(e.into_error()))?.sync_all().map_err(at)?;
    Ok(staged)
}

/// The replications `list` names (`0`, `0,3`, `2-5`, `all`) of the `ran` a run had, in order,
/// each once.
fn replication_list(list: &str, ran: u32) -> Result<Vec<u32>> {
    let bad = |why: String| UsageError(format!("--events-replications {list:?}: {why}"));
    if list.trim() == "all" {
        return Ok((0..ran).collect());
    }
    let mut out = Vec::new();
    for part in list.split(',').map(str::trim) {
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad(format!("{s:?} is not a replication number")));
        let (from, to) = match part.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(part)?, number(part)?),
        };
        if from > to || to >= ran {
            return Err(bad(format!("{part} is not within the {ran} replications run (0-{})", ran - 1)).into());
        }
        out.extend(from..=to);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
