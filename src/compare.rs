//! `dtwin compare`: several policies on one scenario, paired on common random numbers, ranked.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use experiments::{Alternative, CompareSpec, MatrixSpec};
use reports::compare::Objective;

use crate::cli_common::{
    Adaptive, Bar, Output, Paired, keep_results, matrix_file_names, matrix_warnings, parse_alpha, precision_warning,
};

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Scenario TOML file.
    scenario: PathBuf,
    /// Policy TOML files (at least two); the first is the baseline the others are compared with.
    #[arg(short, long = "policy", required = true, num_args = 1)]
    policies: Vec<PathBuf>,
    #[command(flatten)]
    paired: Paired,
    #[command(flatten)]
    adaptive: Adaptive,
    /// KPIs to show, in order (repeatable) [default: a planner's selection].
    #[arg(short, long = "kpi")]
    kpis: Vec<String>,
    /// KPI to rank on, `max:KPI` or `min:KPI` (a bare name takes its usual direction).
    #[arg(long, default_value = "on_time_rate")]
    objective: Objective,
    /// Family-wise error rate of the comparisons with the best.
    #[arg(long, default_value_t = 0.05, value_parser = parse_alpha)]
    alpha: f64,
    #[command(flatten)]
    output: Output,
}

pub fn compare(args: CompareArgs) -> Result<()> {
    experiments::check_compare(args.policies.len(), &args.objective)?;
    let names = experiments::policy_names(&args.policies)?;
    let scenarios =
        args.policies.iter().map(|p| args.paired.load(&args.scenario, Some(p))).collect::<Result<Vec<_>>>()?;
    let kpis = experiments::compared_kpis(&args.kpis, &args.objective)?;
    let files = matrix_file_names("compare", args.output.report);
    keep_results(args.output.out.as_deref(), args.output.force, &files)?;
    let target = args.adaptive.target();
    let spec = CompareSpec {
        matrix: MatrixSpec {
            alternatives: names
                .iter()
                .zip(&scenarios)
                .map(|(name, s)| Alternative { name, scenario: s, path: &args.scenario })
                .collect(),
            kpis,
            paired: args.paired.paired(),
            precision: target.as_ref(),
            options: sim::RunOptions { check: false, timeline: args.output.report },
        },
        objective: args.objective.clone(),
        alpha: args.alpha,
    };
    let m = experiments::compare(&spec, &Bar::replications(false))?.matrix;
    precision_warning(m.precision.as_ref(), m.replications);
    matrix_warnings(&m);
    let text = format!(
        "{}: {} policies x {} replications, seed {}; change against {} with its paired 95% CI, * significant\n{}\n{}",
        scenarios[0].name,
        scenarios.len(),
        m.replications,
        m.seed,
        m.columns[0].name,
        reports::render_matrix_table(&m),
        reports::render_ranking(&m)
    );
    std::io::stdout().write_all(text.as_bytes())?;
    if let Some(out) = &args.output.out {
        reports::write_matrix(out, "compare", &m, args.output.report)?;
        eprintln!("wrote {} in {}", files.join(", "), out.display());
    }
    Ok(())
}
