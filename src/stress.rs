//! `dtwin stress`: several scenarios on the same seeds, each KPI against the first's.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use experiments::{Alternative, MatrixSpec};
use sim::Scenario;

use crate::cli_common::{
    Adaptive, Bar, Output, Paired, keep_results, matrix_file_names, matrix_warnings, precision_warning,
};

#[derive(clap::Args)]
pub struct StressArgs {
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

pub fn stress(args: StressArgs) -> Result<()> {
    let scenarios: Vec<Scenario> =
        args.scenarios.iter().map(|p| args.paired.load(p, args.policy.as_deref())).collect::<Result<_>>()?;
    experiments::same_warmup(&scenarios.iter().collect::<Vec<_>>())?;
    let kpis = experiments::shown_kpis(&args.kpis)?;
    let files = matrix_file_names("stress", args.output.report);
    keep_results(args.output.out.as_deref(), args.output.force, &files)?;
    let target = args.adaptive.target();
    let spec = MatrixSpec {
        alternatives: scenarios
            .iter()
            .zip(&args.scenarios)
            .map(|(s, path)| Alternative { name: &s.name, scenario: s, path })
            .collect(),
        kpis,
        paired: args.paired.paired(),
        precision: target.as_ref(),
        options: sim::RunOptions { check: false, timeline: args.output.report },
    };
    let matrix = experiments::stress(&spec, &Bar::replications(false))?.matrix;
    precision_warning(matrix.precision.as_ref(), matrix.replications);
    matrix_warnings(&matrix);
    let text = format!(
        "{} scenarios x {} replications, seed {}; change against {} with its paired 95% CI, * significant\n{}",
        scenarios.len(),
        matrix.replications,
        matrix.seed,
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
