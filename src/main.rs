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
    /// Validate a scenario file and describe what it contains, without running it.
    Check {
        /// Scenario TOML file.
        scenario: PathBuf,
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
    /// KPIs to show, in order (repeatable) [default: a planner's selection].
    #[arg(short, long = "kpi")]
    kpis: Vec<String>,
    /// Write stress.json, stress.csv and stress.svg (the chart) into this folder (created if missing).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Replace results already in --out.
    #[arg(long)]
    force: bool,
}

/// How alternatives run side by side: replication i of each uses the same random streams.
#[derive(clap::Args)]
struct Paired {
    /// Replications per alternative [default: the first scenario's `replications`].
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(2..))]
    replications: Option<u32>,
    /// Master seed shared by every alternative (common random numbers) [default: the first scenario's `seed`].
    #[arg(short, long)]
    seed: Option<u64>,
    /// Worker threads [default: all cores].
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,
}

impl Paired {
    /// Seed, replications and worker pool, with defaults from `first`.
    fn resolve(&self, first: &Scenario) -> Result<(u64, u32, rayon::ThreadPool)> {
        let n = self.replications.unwrap_or(first.replications).max(2);
        Ok((self.seed.unwrap_or(first.seed), n, thread_pool(self.threads)?))
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
    /// Number of replications [default: the scenario's `replications`, else 10].
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    /// Master seed; replication i uses streams derived from (seed, i) [default: the scenario's `seed`, else 1].
    #[arg(short, long)]
    seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,
    /// Write summary.json and replications.csv into this folder (created if missing).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Replace results already in --out.
    #[arg(long)]
    force: bool,
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
        Command::Check { scenario } => check(&scenario),
        Command::Import(Import::Solomon(args)) => import_solomon(&args),
        Command::Policies => {
            print!("{}", policy_catalog());
            Ok(())
        }
        Command::Kpis => {
            for k in KPIS {
                println!("{:<24} {}", k.name, k.description);
            }
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
            eprintln!("error: {e:#}");
            let bad_input = e.downcast_ref::<ScenarioError>().is_some() || e.downcast_ref::<UsageError>().is_some();
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}

/// A mistake in how the command was called, found after argument parsing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

fn check(path: &Path) -> Result<()> {
    let s = Scenario::load(path)?;
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
    println!("  exceptions    {}", serde_json::to_string(&s.exceptions).unwrap_or_default());
    println!("  dispatchers   {} ({})", s.dispatchers.count, s.dispatchers.hours);
    for (i, d) in s.disruptions.iter().enumerate() {
        let label = if i == 0 { "disruptions" } else { "" };
        println!("  {label:<13} {}", d.describe());
    }
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

/// Refuses to replace results in `out` without `--force`.
fn keep_results(out: Option<&Path>, force: bool, files: &[&str]) -> Result<()> {
    if let Some(out) = out
        && !force
    {
        for f in files {
            if out.join(f).exists() {
                return Err(UsageError(format!(
                    "{} already exists; pass --force to replace it",
                    out.join(f).display()
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

/// Runs replications `0..n` with a progress bar on a terminal.
fn replicate(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    seed: u64,
    n: u32,
    check: bool,
    quiet: bool,
) -> Result<Vec<sim::ReplicationResult>> {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(n as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} replications, {elapsed} elapsed, ETA {eta}")
            .expect("template"),
    );
    bar.set_message(scenario.name.clone());
    let results = pool.install(|| sim::run_replications(scenario, seed, n, check, &|| bar.inc(1)))?;
    bar.finish_and_clear();
    Ok(results)
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

/// What a planner looks at first when stress-testing.
const STRESS_KPIS: &[&str] = &[
    "on_time_rate",
    "lateness_min_mean",
    "orders_late",
    "orders_open_end",
    "dock_wait_min_mean",
    "driver_utilisation",
    "cost_total_per_order",
    "premium_orders",
    "tenders_rejected",
    "exceptions",
    "manual_touches_per_order",
];

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

/// A column per alternative (name, scenario, its path, its runs), each against the first.
fn matrix(
    seed: u64,
    n: u32,
    kpis: Vec<String>,
    alternatives: &[(String, &Scenario, &Path, Vec<sim::ReplicationResult>)],
) -> Result<reports::Matrix> {
    let baseline = &alternatives[0].3;
    let columns = alternatives
        .iter()
        .enumerate()
        .map(|(j, (name, scenario, path, runs))| {
            Ok(Column {
                name: name.clone(),
                scenario: scenario_info(scenario, path),
                policy: serde_json::to_value(&scenario.policy).context("describing the policy")?,
                kpis: kpis
                    .iter()
                    .map(|k| {
                        let i = kpi_index(k).expect("checked");
                        let diff = (j > 0).then(|| PairedDiff::of(&values(baseline, i), &values(runs, i)));
                        (k.clone(), (stat(runs, i), diff))
                    })
                    .collect(),
            })
        })
        .collect::<Result<_>>()?;
    Ok(reports::Matrix {
        tool: "dtwin".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        seed,
        replications: n,
        kpis,
        columns,
        ranking: None,
    })
}

fn stress(args: StressArgs) -> Result<()> {
    let scenarios: Vec<Scenario> =
        args.scenarios.iter().map(|p| load(p, args.policy.as_deref())).collect::<Result<_>>()?;
    let kpis = kpi_selection(&args.kpis, STRESS_KPIS)?;
    keep_results(args.out.as_deref(), args.force, &["stress.json", "stress.csv", "stress.svg"])?;
    let (seed, n, pool) = args.paired.resolve(&scenarios[0])?;
    let alternatives = scenarios
        .iter()
        .zip(&args.scenarios)
        .map(|(s, path)| Ok((s.name.clone(), s, path.as_path(), replicate(&pool, s, seed, n, false, false)?)))
        .collect::<Result<Vec<_>>>()?;
    let matrix = matrix(seed, n, kpis, &alternatives)?;
    let text = format!(
        "{} scenarios x {n} replications, seed {seed}; change against {} with its paired 95% CI, * significant\n{}",
        scenarios.len(),
        scenarios[0].name,
        reports::render_matrix_table(&matrix)
    );
    std::io::stdout().write_all(text.as_bytes())?;
    if let Some(out) = &args.out {
        reports::write_matrix(out, "stress", &matrix)?;
        eprintln!("wrote stress.json, stress.csv and stress.svg in {}", out.display());
    }
    Ok(())
}

fn run(args: RunArgs) -> Result<()> {
    let scenario = load(&args.scenario, args.policy.as_deref())?;
    keep_results(args.out.as_deref(), args.force, &["summary.json", "replications.csv"])?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let n = args.replications.unwrap_or(scenario.replications);
    let pool = thread_pool(args.threads)?;
    let started = std::time::Instant::now();
    let results = replicate(&pool, &scenario, seed, n, args.check, args.quiet)?;
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
        seed,
        replications: n,
        fingerprint: format!("{:016x}", std::hash::Hasher::finish(&fingerprint)),
        kpis: names.iter().enumerate().map(|(i, name)| (name.to_string(), stat(&results, i))).collect(),
    };

    let mut text = String::new();
    if !args.quiet {
        let events: u64 = results.iter().map(|r| r.events).sum();
        text += &format!(
            "{}: {n} replications, seed {seed}, {events} events in {:.2} s ({:.1} M events/s)\n",
            scenario.name,
            elapsed.as_secs_f64(),
            events as f64 / elapsed.as_secs_f64() / 1e6
        );
    }
    text += &reports::render_table(&summary, &names);
    std::io::stdout().write_all(text.as_bytes())?;

    if let Some(path) = &args.events {
        write_events(&scenario, seed, path)?;
    }
    if let Some(out) = &args.out {
        let rows: Vec<ReplicationRow> = results
            .iter()
            .map(|r| ReplicationRow {
                replication: r.replication,
                fingerprint: r.fingerprint,
                values: r.kpis.0.clone(),
            })
            .collect();
        reports::write_run(out, &summary, &names, &rows)?;
        if !args.quiet {
            eprintln!("wrote {} and {}", out.join("summary.json").display(), out.join("replications.csv").display());
        }
    }
    Ok(())
}

fn policy_catalog() -> String {
    use policies::ParamKind;
    let mut out = String::from("Allocation policies ([policy], or --policy FILE):\n\n");
    for (i, p) in policies::CATALOG.iter().chain(policies::EXCEPTION_CATALOG).enumerate() {
        if i == policies::CATALOG.len() {
            out += "\nException policies ([exceptions]):\n\n";
        }
        out += &format!("{}: {}\n", p.kind, p.summary);
        for param in p.params {
            let (kind, default) = match param.kind {
                ParamKind::Real => ("real", param.default.to_string()),
                ParamKind::Integer => ("integer", param.default.to_string()),
                ParamKind::Bool => ("bool", (param.default == 1.0).to_string()),
            };
            out +=
                &format!("  {:<16} {kind:<8} {:<16} default {default:<6} {}\n", param.name, param.range(), param.doc);
        }
        for (name, kind, doc) in p.settings {
            out += &format!("  {name:<16} {kind:<8} {:<16} {:<14} {doc}\n", "", "");
        }
    }
    out
}

fn import_solomon(args: &SolomonArgs) -> Result<()> {
    use sim::solomon::{Convention, Instance};
    let text = std::fs::read_to_string(&args.instance)
        .map_err(|e| UsageError(format!("{}: cannot read: {e}", args.instance.display())))?;
    let instance = Instance::parse(&text).map_err(|e| UsageError(format!("{}: {e}", args.instance.display())))?;
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
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    reports::write_atomic(&args.out.join(&csv), instance.orders_csv().as_bytes())?;
    reports::write_atomic(&toml, instance.scenario_toml(convention, &csv, &policy).as_bytes())?;
    println!("wrote {} ({} customers)", toml.display(), instance.customers.len());
    Ok(())
}

/// Re-runs replication 0 (bit-identical) with a JSON-lines sink, written atomically.
fn write_events(scenario: &Scenario, seed: u64, path: &Path) -> Result<()> {
    let mut sink = sim::log::JsonLines::new(Vec::new());
    sim::Engine::new(scenario, seed, 0, vec![&mut sink]).run().map_err(anyhow::Error::msg)?;
    let bytes = sink.finish().context("serialising the event log")?;
    reports::write_atomic(path, &bytes)?;
    Ok(())
}
