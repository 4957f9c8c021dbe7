//! `dtwin compare`: several policies on one scenario, paired on common random numbers, ranked.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use reports::compare::{Objective, compare_with_best};
use reports::{Matrix, Ranking};

use crate::{
    Adaptive, Output, Paired, UsageError, keep_results, kpi_index, kpi_selection, matrix, matrix_files, parse_alpha,
    replicate_all, values,
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
    if args.policies.len() < 2 {
        return Err(UsageError("compare needs at least two --policy files".into()).into());
    }
    let objective = kpi_index(&args.objective.kpi)
        .ok_or_else(|| UsageError(format!("unknown KPI {:?} in --objective", args.objective.kpi)))?;
    let names = policy_names(&args.policies)?;
    let scenarios =
        args.policies.iter().map(|p| args.paired.load(&args.scenario, Some(p))).collect::<Result<Vec<_>>>()?;
    let mut kpis = kpi_selection(&args.kpis, reports::report::HEADLINE_KPIS)?;
    if !kpis.contains(&args.objective.kpi) {
        kpis.insert(0, args.objective.kpi.clone());
    }
    let files = matrix_files("compare", args.output.report);
    keep_results(args.output.out.as_deref(), args.output.force, &files)?;
    let (seed, n, pool) = args.paired.resolve(&scenarios[0], 2)?;
    let opts = sim::RunOptions { check: false, timeline: args.output.report };
    let refs: Vec<&sim::Scenario> = scenarios.iter().collect();
    let (runs, precision) = replicate_all(&pool, &refs, seed, n, &args.adaptive, opts, false)?;
    let per_policy: Vec<Vec<f64>> = runs.iter().map(|r| values(r, objective)).collect();
    let (best, columns) = compare_with_best(&per_policy, args.objective.direction, args.alpha);
    let alternatives: Vec<_> =
        names.into_iter().zip(&scenarios).map(|(n, s)| (n, s, args.scenario.as_path())).collect();
    let mut m = matrix(seed, kpis, &alternatives, &runs, precision)?;
    m.ranking = Some(Ranking { objective: args.objective.clone(), alpha: args.alpha, best, columns });
    let text = format!(
        "{}: {} policies x {} replications, seed {seed}; change against {} with its paired 95% CI, * significant\n{}\n{}",
        scenarios[0].name,
        scenarios.len(),
        m.replications,
        m.columns[0].name,
        reports::render_matrix_table(&m),
        render_ranking(&m)
    );
    std::io::stdout().write_all(text.as_bytes())?;
    if let Some(out) = &args.output.out {
        reports::write_matrix(out, "compare", &m, args.output.report)?;
        eprintln!("wrote {} in {}", files.join(", "), out.display());
    }
    Ok(())
}

/// Each policy file's stem, which must tell them apart.
fn policy_names(paths: &[PathBuf]) -> Result<Vec<String>> {
    let names: Vec<String> =
        paths.iter().map(|p| p.file_stem().map_or("policy".into(), |s| s.to_string_lossy().into_owned())).collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(UsageError(format!("two policy files are called {name:?}; rename one")).into());
        }
    }
    Ok(names)
}

/// The ranking as text: best first, each with its shortfall and whether it is tied with the best.
pub fn render_ranking(m: &Matrix) -> String {
    let Some(r) = &m.ranking else { return String::new() };
    let mut order: Vec<usize> = (0..r.columns.len()).collect();
    order.sort_by(|&a, &b| r.columns[a].shortfall.total_cmp(&r.columns[b].shortfall).then(a.cmp(&b)));
    let width = m.columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = format!(
        "ranking on {} (multiple comparisons with the best, Bonferroni-adjusted paired t, alpha {}):\n",
        r.objective, r.alpha
    );
    for (rank, &i) in order.iter().enumerate() {
        let c = &r.columns[i];
        let verdict = match (c.shortfall_low, c.shortfall_high) {
            _ if c.mean.is_nan() => "undefined in every replication".to_string(),
            _ if i == r.best => "best".to_string(),
            (Some(lo), Some(hi)) => format!(
                "short of the best by {:.4} [{lo:.4}, {hi:.4}]: {}",
                c.shortfall,
                if c.tied_with_best { "statistically tied with the best" } else { "worse" }
            ),
            _ => "tied (too few replications to tell)".to_string(),
        };
        let mean = if c.mean.is_nan() { "-".to_string() } else { format!("{:.4}", c.mean) };
        out += &format!("  {}. {:<width$}  {mean:>10}  {verdict}\n", rank + 1, m.columns[i].name);
    }
    out
}
