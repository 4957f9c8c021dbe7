//! `dtwin`: run dispatch scenarios as Monte Carlo experiments.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reports::{ReplicationRow, ScenarioInfo, Stat, Summary};
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
    Ok(())
}

fn run(args: RunArgs) -> Result<()> {
    let mut scenario = Scenario::load(&args.scenario)?;
    if let Some(policy) = &args.policy {
        scenario.use_policy_file(policy)?;
    }
    if let Some(out) = &args.out
        && !args.force
    {
        for f in ["summary.json", "replications.csv"] {
            if out.join(f).exists() {
                return Err(UsageError(format!(
                    "{} already exists; pass --force to replace it",
                    out.join(f).display()
                ))
                .into());
            }
        }
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    let n = args.replications.unwrap_or(scenario.replications);
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        pool = pool.num_threads(t as usize);
    }
    let pool = pool.build().context("starting worker threads")?;

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(n as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} replications, {elapsed} elapsed, ETA {eta}")
            .expect("template"),
    );
    let started = std::time::Instant::now();
    let results = pool.install(|| sim::run_replications(&scenario, seed, n, args.check, &|| bar.inc(1)))?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();

    let names: Vec<&str> = KPIS.iter().map(|k| k.name).collect();
    let mut fingerprint = StableHasher::default();
    for r in &results {
        std::hash::Hasher::write_u64(&mut fingerprint, r.fingerprint);
    }
    let summary = Summary {
        tool: "dtwin".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            path: args.scenario.display().to_string(),
            hash: format!("{:016x}", scenario.hash),
        },
        policy: serde_json::to_value(&scenario.policy).context("describing the policy")?,
        seed,
        replications: n,
        fingerprint: format!("{:016x}", std::hash::Hasher::finish(&fingerprint)),
        kpis: names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.to_string(), Stat::of(&results.iter().map(|r| r.kpis.0[i]).collect::<Vec<_>>())))
            .collect(),
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
