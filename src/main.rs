//! `dtwin`: run dispatch scenarios as Monte Carlo experiments.

mod compare;
mod gate;
mod tune;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reports::{Column, PairedDiff, ReplicationRow, ScenarioInfo, Stat, Summary};
use sim::hash::StableHasher;
use sim::{KPIS, Scenario, ScenarioError};

/// The most worker threads `--threads` may ask for.
const MAX_THREADS: u32 = 1024;

#[derive(Parser)]
#[command(
    name = "dtwin",
    version,
    about = "Digital twin for logistics dispatch: stress-test dispatch policies in simulation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario as seeded replications and report KPIs with confidence intervals.
    Run(RunArgs),
    /// Run several scenarios on the same seeds and compare each KPI with the first (the baseline).
    Stress(StressArgs),
    /// Run several policies on one scenario with the same seeds; paired differences and a ranking.
    Compare(compare::CompareArgs),
    /// Judge saved runs against KPI rules (absolute, or against a baseline on the same seeds) for CI:
    /// exit 0 when every rule holds, 1 when one fails, 2 for bad input.
    Gate(gate::GateArgs),
    /// Search a policy's thresholds (grid, random or Latin hypercube) on common random numbers for
    /// the best setting under constraints; resumable.
    Tune(tune::TuneArgs),
    /// Re-render report.html and report.md from the results saved in a folder (by run, stress,
    /// compare or tune with --out).
    Report {
        /// Folder holding summary.json, stress.json, compare.json or tune.json.
        dir: PathBuf,
    },
    /// Validate a scenario file and describe what it contains, without running it.
    Check {
        /// Scenario TOML file.
        scenario: PathBuf,
        /// A policy file to check with it, in place of the scenario's own policy.
        #[arg(short, long)]
        policy: Option<PathBuf>,
    },
    /// List the KPIs with their meaning.
    Kpis,
    /// List the built-in allocation and exception policies with their parameters, ranges and defaults.
    Policies,
    /// Turn a benchmark instance into a scenario.
    #[command(subcommand)]
    Import(Import),
}

#[derive(Subcommand)]
enum Import {
    /// A Solomon VRPTW instance: writes DIR/NAME.toml and DIR/NAME.orders.csv.
    Solomon(SolomonArgs),
}

#[derive(clap::Args)]
struct SolomonArgs {
    /// Instance file in the original Solomon text format.
    instance: PathBuf,
    /// Folder for the scenario and its orders (created if missing).
    #[arg(short, long, default_value = ".")]
    out: PathBuf,
    /// Arc distances: exact Euclidean, or truncated to one decimal (DIMACS, as CVRPLIB's solutions).
    #[arg(long, value_enum, default_value = "exact")]
    convention: ConventionArg,
    /// Replay this solution (CVRPLIB `Route #k:` text or JSON plan) instead of the greedy_edd policy.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Replace files already there.
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ConventionArg {
    Exact,
    Dimacs,
}

#[derive(clap::Args)]
struct StressArgs {
    /// Scenario files; the first is the baseline the others are compared with.
    #[arg(required = true, num_args = 2..)]
    scenarios: Vec<PathBuf>,
    /// Policy TOML file to run every scenario with, instead of their own `[policy]`.
    #[arg(short, long)]
    policy: Option<PathBuf>,
    #[command(flatten)]
    paired: Paired,
    #[command(flatten)]
    adaptive: Adaptive,
    /// KPIs to show, in order (repeatable) [default: a planner's selection].
    #[arg(short, long = "kpi")]
    kpis: Vec<String>,
    #[command(flatten)]
    output: Output,
}

/// Where results go.
#[derive(clap::Args)]
struct Output {
    /// Write the results into this folder (created if missing): summary.json and replications.csv
    /// (run), stress.* or compare.* (json, csv, svg).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Also write report.html (charts inline), report.md and timeline.csv into --out.
    #[arg(long, requires = "out")]
    report: bool,
    /// Replace results already in --out.
    #[arg(long)]
    force: bool,
}

/// How alternatives run side by side: replication i of each uses the same random streams.
#[derive(clap::Args)]
struct Paired {
    /// Replications per alternative [default: the first scenario's `replications`].
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    /// Master seed; replication i of every alternative uses streams derived from (seed, i): common
    /// random numbers [default: the first scenario's `seed`].
    #[arg(short, long)]
    seed: Option<u64>,
    /// Worker threads, at most 1024 [default: all cores]. Results do not depend on it.
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..=MAX_THREADS as i64))]
    threads: Option<u32>,
    /// Hours at the start excluded from the KPIs [default: the scenario's `warmup_h`, else 0].
    #[arg(long, value_name = "HOURS")]
    warmup: Option<f64>,
}

impl Paired {
    /// Seed, replications and worker pool, with defaults from `first`; at least `min` replications.
    fn resolve(&self, first: &Scenario, min: u32) -> Result<(u64, u32, rayon::ThreadPool)> {
        let n = self.replications.unwrap_or(first.replications);
        if n < min {
            return Err(UsageError(format!("{n} replications: paired intervals need at least {min}")).into());
        }
        Ok((self.seed.unwrap_or(first.seed), n, thread_pool(self.threads)?))
    }

    /// Loads a scenario (with the policy in `policy` instead of its own if given) and applies `--warmup`.
    fn load(&self, path: &Path, policy: Option<&Path>) -> Result<Scenario> {
        let mut scenario = load(path, policy)?;
        if let Some(h) = self.warmup {
            scenario.set_warmup(h).map_err(|e| UsageError(format!("--warmup: {e}")))?;
        }
        Ok(scenario)
    }
}

/// An adaptive number of replications.
#[derive(clap::Args)]
struct Adaptive {
    /// Add replications until the 95% half-width of KPI is at most HW: of its mean (run), or of
    /// its paired difference with the baseline for every alternative (stress, compare).
    #[arg(long, value_name = "KPI=HW")]
    precision: Option<PrecisionArg>,
    /// The most replications `--precision` may run.
    #[arg(long, default_value_t = 1000, requires = "precision", value_parser = clap::value_parser!(u32).range(2..))]
    max_replications: u32,
}

#[derive(Clone)]
struct PrecisionArg {
    kpi: String,
    half_width: f64,
}

impl std::str::FromStr for PrecisionArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kpi, hw) = s.split_once('=').ok_or_else(|| format!("{s:?} is not KPI=HALF_WIDTH"))?;
        let half_width = hw.trim().parse::<f64>().ok().filter(|h| *h > 0.0 && h.is_finite());
        let half_width = half_width.ok_or_else(|| format!("{s:?}: the half-width must be a positive number"))?;
        let kpi = kpi.trim().to_string();
        kpi_index(&kpi).ok_or_else(|| format!("{s:?}: unknown KPI {kpi:?}; `dtwin kpis` lists them"))?;
        Ok(PrecisionArg { kpi, half_width })
    }
}

/// `--alpha`: a family-wise error rate in (0, 1).
fn parse_alpha(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(a) if a > 0.0 && a < 1.0 => Ok(a),
        _ => Err(format!("{s:?} is not a number in (0, 1)")),
    }
}

#[derive(clap::Args)]
struct RunArgs {
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

/// Exit codes: 0 success, 1 run failure, 2 bad input or usage.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Stress(args) => stress(args),
        Command::Compare(args) => compare::compare(args),
        Command::Tune(args) => tune::tune(args),
        Command::Gate(args) => match gate::gate(args) {
            Ok(false) => return ExitCode::from(1),
            other => other.map(|_| ()),
        },
        Command::Report { dir } => report(&dir),
        Command::Check { scenario, policy } => check(&scenario, policy.as_deref()),
        Command::Import(Import::Solomon(args)) => import_solomon(&args),
        Command::Policies => {
            print!("{}", policy_catalog());
            Ok(())
        }
        Command::Kpis => {
            println!("{:<30} {:<8} what", "kpi", "better");
            for k in KPIS {
                println!("{:<30} {:<8} {}", k.name, k.better.word(), k.description);
            }
            println!(
                "\nA share or mean of nothing (no order due within the horizon, no trip, no late start) is undefined:\n\
                 null in summary.json, an empty cell in replications.csv, - in tables; statistics leave it out."
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `dtwin ... | head`: the reader is gone, which is not our failure.
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            let bad_input = e.downcast_ref::<ScenarioError>().is_some() || e.downcast_ref::<UsageError>().is_some();
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}

/// The error and its causes, each said once: a cause whose text its context already contains
/// (an OS error a library formatted into its message) is not repeated.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text += ": ";
        }
        text += &cause;
    }
    text
}

/// A mistake in how the command was called, found after argument parsing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

fn check(path: &Path, policy: Option<&Path>) -> Result<()> {
    let s = load(path, policy)?;
    println!("{}: ok", path.display());
    println!("  name          {}", s.name);
    println!("  horizon       {} h", s.horizon.as_hours());
    println!("  sites         {} ({} doors)", s.sites.len(), s.sites.iter().map(|x| x.doors).sum::<u32>());
    println!("  vehicles      {}", s.vehicles.len());
    println!("  drivers       {}", s.drivers.len());
    println!("  carriers      {}", s.carriers.len());
    match &s.demand {
        sim::scenario::Demand::Generated(g) => {
            let per_day: f64 = g.rates_per_hour.iter().flatten().sum();
            println!("  demand        generated, {per_day:.0} orders/day expected");
        }
        sim::scenario::Demand::Replay(r) => {
            println!("  demand        replayed, {} orders", r.rows.len())
        }
    }
    println!("  policy        {}", serde_json::to_string(&s.policy).unwrap_or_default());
    if let sim::PolicyChoice::Process(c) = &s.policy
        && !c.params.is_empty()
    {
        let params: Vec<String> = c.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        println!(
            "  params        {} (the program's own, sent in hello; tune with --param NAME=LOW..HIGH)",
            params.join(", ")
        );
    }
    println!("  exceptions    {}", serde_json::to_string(&s.exceptions).unwrap_or_default());
    println!("  dispatchers   {} ({})", s.dispatchers.count, s.dispatchers.hours);
    for (i, d) in s.disruptions.iter().enumerate() {
        let label = if i == 0 { "disruptions" } else { "" };
        println!("  {label:<13} {}", d.describe());
    }
    for w in sim::reach::region_warnings(&s) {
        eprintln!("warning: {}: {w}", s.name);
    }
    Ok(())
}

/// Renders the report of the one result saved in `dir`.
fn report(dir: &Path) -> Result<()> {
    use reports::report;
    let saved = ["summary.json", "stress.json", "compare.json", "tune.json"];
    let found: Vec<&str> = saved.into_iter().filter(|f| dir.join(f).exists()).collect();
    let file = match found[..] {
        [one] => one,
        [] => return Err(UsageError(format!("{}: no saved results ({})", dir.display(), saved.join(", "))).into()),
        _ => {
            let m = format!("{}: several results ({}); keep one per folder", dir.display(), found.join(", "));
            return Err(UsageError(m).into());
        }
    };
    let path = dir.join(file);
    let bad = |e: reports::saved::ReadError| UsageError(e.to_string());
    let r = match file {
        "summary.json" => report::run(&reports::saved::read_summary(&path).map_err(bad)?),
        "tune.json" => report::tune(&reports::saved::read_tune(&path).map_err(bad)?),
        kind => report::matrix(kind.trim_end_matches(".json"), &reports::saved::read_matrix(&path).map_err(bad)?),
    };
    reports::write_together(dir, reports::report_files(r).into())?;
    println!("wrote report.html and report.md in {} from {file}", dir.display());
    Ok(())
}

/// Loads a scenario, with the policy in `policy` instead of its own if given.
fn load(path: &Path, policy: Option<&Path>) -> Result<Scenario> {
    let mut scenario = Scenario::load(path)?;
    if let Some(policy) = policy {
        scenario.use_policy_file(policy)?;
    }
    Ok(scenario)
}

/// Refuses an `--out` that is a filesystem root or not a folder, and without `--force`, one
/// holding results `files` would replace or files dtwin did not write.
fn keep_results(out: Option<&Path>, force: bool, files: &[impl AsRef<str>]) -> Result<()> {
    let Some(out) = out else { return Ok(()) };
    if out.canonicalize().is_ok_and(|p| p.parent().is_none()) {
        let m = format!("--out {}: a filesystem root; name a folder for the results", out.display());
        return Err(UsageError(m).into());
    }
    if out.exists() && !out.is_dir() {
        return Err(UsageError(format!("--out {}: not a folder", out.display())).into());
    }
    if !force {
        for f in files {
            let f = f.as_ref();
            if out.join(f).exists() {
                return Err(UsageError(format!(
                    "{} already exists; pass --force to replace it",
                    out.join(f).display()
                ))
                .into());
            }
        }
        if let Ok(entries) = std::fs::read_dir(out) {
            let mut others: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !reports::is_result_file(n))
                .collect();
            if !others.is_empty() {
                others.sort();
                let more = if others.len() > 3 { format!(" and {} more", others.len() - 3) } else { String::new() };
                others.truncate(3);
                return Err(UsageError(format!(
                    "{} holds files dtwin did not write ({}{more}); name another folder, or pass --force to write into it",
                    out.display(),
                    others.join(", ")
                ))
                .into());
            }
        }
    }
    Ok(())
}

fn thread_pool(threads: Option<u32>) -> Result<rayon::ThreadPool> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        pool = pool.num_threads(t as usize);
    }
    pool.build().context("starting worker threads")
}

/// One progress bar over a whole experiment, on a terminal; hidden with `quiet`.
pub(crate) fn progress_bar(quiet: bool, unit: &str) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{msg}} {{bar:40}} {{pos}}/{{len}} {unit}, {{elapsed}} elapsed, ETA {{eta}}"
        ))
        .expect("template"),
    );
    bar
}

/// Runs replications `reps` of `scenario`, counting them on `bar`.
fn replicate(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    seed: u64,
    reps: std::ops::Range<u32>,
    opts: sim::RunOptions,
    bar: &ProgressBar,
) -> Result<Vec<sim::ReplicationResult>> {
    bar.set_message(scenario.name.clone());
    Ok(pool.install(|| sim::run_replications_with(scenario, seed, reps, opts, &|| bar.inc(1)))?)
}

/// Runs `n` replications of each alternative on the same seeds; with `--precision`, adds
/// replications until the half-width asked for is reached (of the mean with one alternative, of
/// every paired difference with the first with several) or the maximum. Replication i is the
/// same however the total was reached, so the result equals a plain run of that many.
fn replicate_all(
    pool: &rayon::ThreadPool,
    alternatives: &[&Scenario],
    seed: u64,
    n: u32,
    adaptive: &Adaptive,
    opts: sim::RunOptions,
    quiet: bool,
) -> Result<(Vec<Vec<sim::ReplicationResult>>, Option<reports::Precision>)> {
    let mut runs: Vec<Vec<sim::ReplicationResult>> = vec![Vec::new(); alternatives.len()];
    let (mut done, mut want) = (0, n);
    // One bar over every alternative; adaptive rounds lengthen it.
    let bar = progress_bar(quiet, "replications");
    loop {
        bar.inc_length(alternatives.len() as u64 * (want - done) as u64);
        for (s, r) in alternatives.iter().zip(&mut runs) {
            r.extend(replicate(pool, s, seed, done..want, opts, &bar)?);
        }
        done = want;
        let Some(p) = &adaptive.precision else {
            bar.finish_and_clear();
            return Ok((runs, None));
        };
        let i = kpi_index(&p.kpi).expect("checked when parsed");
        if runs.iter().any(|r| !stat(r, i).defined()) {
            bar.finish_and_clear();
            let why = format!("--precision {}: the KPI is undefined in every replication so far", p.kpi);
            return Err(UsageError(format!(
                "{why} (a share or mean of nothing): no number of replications reaches a precision"
            ))
            .into());
        }
        let hw = match &runs[..] {
            [one] => stat(one, i).ci95_half_width.unwrap_or(f64::INFINITY),
            [base, rest @ ..] => rest
                .iter()
                .map(|r| match PairedDiff::of(&values(base, i), &values(r, i)) {
                    PairedDiff { ci95_low: Some(lo), ci95_high: Some(hi), .. } => (hi - lo) / 2.0,
                    _ => f64::INFINITY,
                })
                .fold(0.0, f64::max),
            [] => 0.0,
        };
        let reached = hw <= p.half_width;
        if reached || done >= adaptive.max_replications {
            bar.finish_and_clear();
            if !reached {
                eprintln!(
                    "warning: --precision {}={} not reached in {done} replications (--max-replications): half-width {hw:.4}",
                    p.kpi, p.half_width
                );
            }
            let precision = reports::Precision {
                kpi: p.kpi.clone(),
                target: p.half_width,
                max: adaptive.max_replications,
                half_width: hw,
                reached,
            };
            return Ok((runs, Some(precision)));
        }
        // The half-width shrinks as 1/sqrt(n): aim for the total that reaches the target, at most
        // doubling at a time (an estimate from few replications is rough).
        let aim = (done as f64 * (hw / p.half_width).powi(2)).ceil().min(2.0 * done as f64);
        want = (aim as u32).clamp(done + 1, adaptive.max_replications).max(2);
    }
}

/// The state through the day over the replications (those run with a timeline), with when the
/// disruptions were under way.
fn timeline(scenario: &Scenario, runs: &[sim::ReplicationResult]) -> Option<reports::Timeline> {
    let samples: Vec<&sim::timeline::Timeline> = runs.iter().map(|r| r.timeline.as_ref()).collect::<Option<_>>()?;
    let (step, n) = (samples.first()?.step, samples.first()?.samples.len());
    let rows: Vec<&[[f64; 4]]> = samples.iter().map(|t| t.samples.as_slice()).collect();
    let mut timeline = reports::Timeline::of(step.as_min(), sim::timeline::SERIES, &rows);
    let shares = sim::reach::under_way(scenario.disruptions.len(), runs, step, n);
    timeline.disruptions = scenario
        .disruptions
        .iter()
        .zip(shares)
        .enumerate()
        .filter(|(_, (_, share))| share.iter().any(|s| *s > 0.0))
        .map(|(i, (d, share))| reports::UnderWay {
            name: format!("{} (disruption {})", d.kind().replace('_', " "), i + 1),
            share,
        })
        .collect();
    Some(timeline)
}

/// Stable hash of the allocation and exception policies as configured, hex.
fn policy_hash(scenario: &Scenario) -> String {
    let mut h = StableHasher::default();
    let both = serde_json::json!([scenario.policy, scenario.exceptions]);
    std::hash::Hasher::write(&mut h, both.to_string().as_bytes());
    format!("{:016x}", std::hash::Hasher::finish(&h))
}

/// Statistics of KPI `index` over the replications.
fn stat(results: &[sim::ReplicationResult], index: usize) -> Stat {
    Stat::of(&results.iter().map(|r| r.kpis.0[index]).collect::<Vec<_>>())
}

fn scenario_info(scenario: &Scenario, path: &Path) -> ScenarioInfo {
    ScenarioInfo {
        name: scenario.name.clone(),
        path: path.display().to_string(),
        hash: format!("{:016x}", scenario.hash),
    }
}

/// The KPIs named on the command line (all checked), or `default`.
fn kpi_selection(asked: &[String], default: &[&str]) -> Result<Vec<String>> {
    let kpis: Vec<String> =
        if asked.is_empty() { default.iter().map(|k| k.to_string()).collect() } else { asked.to_vec() };
    if let Some(unknown) = kpis.iter().find(|k| kpi_index(k).is_none()) {
        return Err(UsageError(format!("unknown KPI {unknown:?}; `dtwin kpis` lists them")).into());
    }
    Ok(kpis)
}

fn kpi_index(name: &str) -> Option<usize> {
    KPIS.iter().position(|d| d.name == name)
}

/// Values of KPI `index`, one per replication.
fn values(results: &[sim::ReplicationResult], index: usize) -> Vec<f64> {
    results.iter().map(|r| r.kpis.0[index]).collect()
}

/// A column per alternative (name, scenario, its path) with its runs, each against the first.
fn matrix(
    seed: u64,
    kpis: Vec<String>,
    alternatives: &[(String, &Scenario, &Path)],
    runs: &[Vec<sim::ReplicationResult>],
    precision: Option<reports::Precision>,
) -> Result<reports::Matrix> {
    let baseline = &runs[0];
    let columns = alternatives
        .iter()
        .zip(runs)
        .enumerate()
        .map(|(j, ((name, scenario, path), runs))| {
            Ok(Column {
                name: name.clone(),
                scenario: scenario_info(scenario, path),
                policy: serde_json::to_value(&scenario.policy).context("describing the policy")?,
                policy_hash: policy_hash(scenario),
                kpis: kpis
                    .iter()
                    .map(|k| {
                        let i = kpi_index(k).expect("checked");
                        let diff = (j > 0).then(|| PairedDiff::of(&values(baseline, i), &values(runs, i)));
                        (k.clone(), (stat(runs, i), diff))
                    })
                    .collect(),
                timeline: timeline(scenario, runs),
                warnings: noticed(name, scenario, runs),
            })
        })
        .collect::<Result<_>>()?;
    Ok(reports::Matrix {
        tool: "dtwin".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        seed,
        replications: baseline.len() as u32,
        warmup_h: alternatives[0].1.warmup.as_hours(),
        precision,
        kpis,
        columns,
        ranking: None,
    })
}

/// Disruptions of `scenario` that reached nothing in `runs`, printed on stderr (as
/// `warning: NAME: ...`) and returned for the result files.
fn noticed(name: &str, scenario: &Scenario, runs: &[sim::ReplicationResult]) -> Vec<String> {
    let warnings = sim::reach::warnings(scenario, runs);
    for w in &warnings {
        eprintln!("warning: {name}: {w}");
    }
    warnings
}

/// The alternatives must measure the same period.
fn same_warmup(scenarios: &[Scenario]) -> Result<()> {
    match scenarios.iter().find(|s| s.warmup != scenarios[0].warmup) {
        None => Ok(()),
        Some(s) => Err(UsageError(format!(
            "{} has a warm-up of {} h and {} of {} h: KPIs would cover different periods; give --warmup",
            scenarios[0].name,
            scenarios[0].warmup.as_hours(),
            s.name,
            s.warmup.as_hours()
        ))
        .into()),
    }
}

/// The files a matrix command writes into --out.
fn matrix_files(name: &str, report: bool) -> Vec<String> {
    let mut files: Vec<String> = ["json", "csv", "svg"].iter().map(|e| format!("{name}.{e}")).collect();
    if report {
        files.extend(["timeline.csv".into(), "report.html".into(), "report.md".into()]);
    }
    files
}

fn stress(args: StressArgs) -> Result<()> {
    let scenarios: Vec<Scenario> =
        args.scenarios.iter().map(|p| args.paired.load(p, args.policy.as_deref())).collect::<Result<_>>()?;
    same_warmup(&scenarios)?;
    let kpis = kpi_selection(&args.kpis, reports::report::HEADLINE_KPIS)?;
    let files = matrix_files("stress", args.output.report);
    keep_results(args.output.out.as_deref(), args.output.force, &files)?;
    let (seed, n, pool) = args.paired.resolve(&scenarios[0], 2)?;
    let opts = sim::RunOptions { check: false, timeline: args.output.report };
    let refs: Vec<&Scenario> = scenarios.iter().collect();
    let (runs, precision) = replicate_all(&pool, &refs, seed, n, &args.adaptive, opts, false)?;
    let alternatives: Vec<(String, &Scenario, &Path)> =
        scenarios.iter().zip(&args.scenarios).map(|(s, path)| (s.name.clone(), s, path.as_path())).collect();
    let matrix = matrix(seed, kpis, &alternatives, &runs, precision)?;
    let text = format!(
        "{} scenarios x {} replications, seed {seed}; change against {} with its paired 95% CI, * significant\n{}",
        scenarios.len(),
        matrix.replications,
        scenarios[0].name,
        reports::render_matrix_table(&matrix)
    );
    std::io::stdout().write_all(text.as_bytes())?;
    if let Some(out) = &args.output.out {
        reports::write_matrix(out, "stress", &matrix, args.output.report)?;
        eprintln!("wrote {} in {}", files.join(", "), out.display());
    }
    Ok(())
}

fn run(args: RunArgs) -> Result<()> {
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
    let (seed, n, pool) = args.paired.resolve(&scenario, 1)?;
    let started = std::time::Instant::now();
    let opts = sim::RunOptions { check: args.check, timeline: args.output.report };
    let (mut runs, precision) = replicate_all(&pool, &[&scenario], seed, n, &args.adaptive, opts, args.quiet)?;
    let results = runs.pop().expect("one alternative");
    let elapsed = started.elapsed();

    let names: Vec<&str> = KPIS.iter().map(|k| k.name).collect();
    let mut fingerprint = StableHasher::default();
    for r in &results {
        std::hash::Hasher::write_u64(&mut fingerprint, r.fingerprint);
    }
    let summary = Summary {
        tool: "dtwin".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario: scenario_info(&scenario, &args.scenario),
        policy: serde_json::to_value(&scenario.policy).context("describing the policy")?,
        policy_hash: policy_hash(&scenario),
        seed,
        replications: results.len() as u32,
        warmup_h: scenario.warmup.as_hours(),
        precision,
        fingerprint: format!("{:016x}", std::hash::Hasher::finish(&fingerprint)),
        kpis: names.iter().enumerate().map(|(i, name)| (name.to_string(), stat(&results, i))).collect(),
        timeline: timeline(&scenario, &results),
        warnings: noticed(&scenario.name, &scenario, &results),
    };

    let mut text = String::new();
    if !args.quiet {
        let events: u64 = results.iter().map(|r| r.events).sum();
        text += &format!(
            "{}: {} replications, seed {seed}, {events} events in {:.2} s ({:.1} M events/s)\n",
            scenario.name,
            results.len(),
            elapsed.as_secs_f64(),
            events as f64 / elapsed.as_secs_f64() / 1e6
        );
    }
    text += &reports::render_table(&summary, &names);
    std::io::stdout().write_all(text.as_bytes())?;

    // Everything is staged before anything is in place: the event log only with the results.
    let events = match &args.events {
        Some(path) => Some((path, event_log(&scenario, seed)?)),
        None => None,
    };
    let out = match &args.output.out {
        Some(out) => {
            let rows: Vec<ReplicationRow> = results
                .iter()
                .map(|r| ReplicationRow {
                    replication: r.replication,
                    fingerprint: r.fingerprint,
                    values: r.kpis.0.to_vec(),
                })
                .collect();
            let staged = reports::run_files(&summary, &names, &rows, args.output.report);
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

fn policy_catalog() -> String {
    use policies::ParamKind;
    let allocation = sim::policy::catalog();
    let all: Vec<&policies::PolicyInfo> = allocation.iter().chain(policies::EXCEPTION_CATALOG).collect();
    // Columns as wide as their widest entry anywhere in the catalog, so that every row lines up.
    let rows: Vec<Vec<[String; 5]>> = all
        .iter()
        .map(|p| {
            let params = p.params.iter().map(|param| {
                let (kind, default) = match param.kind {
                    ParamKind::Real => ("real", param.default.to_string()),
                    ParamKind::Integer => ("integer", param.default.to_string()),
                    ParamKind::Bool => ("bool", (param.default == 1.0).to_string()),
                };
                [
                    param.name.to_string(),
                    kind.into(),
                    param.range(),
                    format!("default {default}"),
                    param.doc.to_string(),
                ]
            });
            let settings = p.settings.iter().map(|(name, kind, doc)| {
                [name.to_string(), kind.to_string(), String::new(), String::new(), doc.to_string()]
            });
            params.chain(settings).collect()
        })
        .collect();
    let width = |c: usize| rows.iter().flatten().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3)];
    let mut out = String::from("Allocation policies ([policy], or --policy FILE):\n\n");
    for (i, (p, rows)) in all.iter().zip(&rows).enumerate() {
        if i == allocation.len() {
            out += "\nException policies ([exceptions]):\n\n";
        }
        out += &format!("{}: {}\n", p.kind, p.summary);
        for r in rows {
            let cells: Vec<String> = (0..4).map(|c| format!("{:<w$}", r[c], w = widths[c])).collect();
            out += &format!("  {}  {}\n", cells.join("  "), r[4]);
        }
    }
    out += "\nPaths in a policy (command, file) are relative to the file that holds it: the scenario, or the --policy file.\n";
    out
}

fn import_solomon(args: &SolomonArgs) -> Result<()> {
    use sim::solomon::{Convention, Instance};
    let text = sim::scenario::read_text(&args.instance)?;
    let instance = Instance::parse(&text).map_err(|e| match e.line {
        Some(line) => UsageError(format!("{}:{line}: {}", args.instance.display(), e.message)),
        None => UsageError(format!("{}: {}", args.instance.display(), e.message)),
    })?;
    let policy = match &args.plan {
        Some(plan) => {
            let plan = std::fs::canonicalize(plan).map_err(|e| UsageError(format!("{}: {e}", plan.display())))?;
            format!("kind = \"plan_replay\"\nfile = {:?}", plan.display().to_string())
        }
        // Everything is known at time zero: dispatch every route as soon as it is built, consider
        // every customer for every route, and improve the routes by local search.
        None => format!(
            "kind = \"greedy_edd\"\nepoch_min = 1440\non_events = true\nmin_fill = 0\nneighbours = {}\nimprove_passes = 50",
            instance.customers.len()
        ),
    };
    let convention = match args.convention {
        ConventionArg::Exact => Convention::Exact,
        ConventionArg::Dimacs => Convention::Dimacs,
    };
    let (toml, csv) = (args.out.join(format!("{}.toml", instance.name)), format!("{}.orders.csv", instance.name));
    for path in [&toml, &args.out.join(&csv)] {
        if path.exists() && !args.force {
            return Err(UsageError(format!("{} already exists; pass --force to replace it", path.display())).into());
        }
    }
    // Both files or neither: staged together, then moved into place.
    let toml_name = format!("{}.toml", instance.name);
    let files = vec![
        (csv.clone(), instance.orders_csv().into_bytes()),
        (toml_name.clone(), instance.scenario_toml(convention, &csv, &policy).into_bytes()),
    ];
    reports::Staged::folder(&args.out, files, &[&csv, &toml_name])?.commit()?;
    println!("wrote {} ({} customers)", toml.display(), instance.customers.len());
    Ok(())
}

/// Re-runs replication 0 (bit-identical) with a JSON-lines sink: its event log.
fn event_log(scenario: &Scenario, seed: u64) -> Result<Vec<u8>> {
    let mut sink = sim::log::JsonLines::new(Vec::new());
    sim::Engine::new(scenario, seed, 0, vec![&mut sink]).run().map_err(anyhow::Error::msg)?;
    sink.finish().context("serialising the event log")
}
