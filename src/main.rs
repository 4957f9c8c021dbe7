//! `dtwin`: run dispatch scenarios as Monte Carlo experiments. Each subcommand parses its
//! arguments, calls the `experiments` library, and prints and writes what it returns.

mod cli_common;
mod compare;
mod gate;
mod import;
mod inspect;
mod report;
mod run;
mod stress;
mod tune;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use experiments::ExperimentError;
use sim::ScenarioError;

use crate::cli_common::UsageError;

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
    Run(run::RunArgs),
    /// Run several scenarios on the same seeds and compare each KPI with the first (the baseline).
    Stress(stress::StressArgs),
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
    Solomon(import::SolomonArgs),
}

/// Exit codes: 0 success, 1 run failure, 2 bad input or usage.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Stress(args) => stress::stress(args),
        Command::Compare(args) => compare::compare(args),
        Command::Tune(args) => tune::tune(args),
        Command::Gate(args) => match gate::gate(args) {
            Ok(false) => return ExitCode::from(1),
            other => other.map(|_| ()),
        },
        Command::Report { dir } => report::report(&dir),
        Command::Check { scenario, policy } => inspect::check(&scenario, policy.as_deref()),
        Command::Import(Import::Solomon(args)) => import::import_solomon(&args),
        Command::Policies => {
            print!("{}", inspect::policy_catalog());
            Ok(())
        }
        Command::Kpis => {
            inspect::kpis();
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
            let bad_input = e.downcast_ref::<ScenarioError>().is_some()
                || e.downcast_ref::<UsageError>().is_some()
                || e.downcast_ref::<ExperimentError>().is_some_and(ExperimentError::is_bad_input);
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
