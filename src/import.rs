//! `dtwin import solomon`: a benchmark instance as a scenario.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli_common::UsageError;

#[derive(clap::Args)]
pub struct SolomonArgs {
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

pub fn import_solomon(args: &SolomonArgs) -> Result<()> {
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
