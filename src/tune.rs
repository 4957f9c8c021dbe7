//! `dtwin tune`: search a policy's named thresholds on one or more scenarios, on common random
//! numbers, for the best feasible setting. Each finished candidate is appended to a journal in
//! the output folder, so an interrupted search resumes where it stopped.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use experiments::tune::{Judging, MAX_CANDIDATES, ParamRange, Search, Tune, TuneSpec};
use reports::compare::Objective;
use reports::tune::Constraint;
use sim::Scenario;

use crate::cli_common::{Bar, Paired, UsageError, keep_results, parse_alpha};

/// `--search`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum SearchArg {
    Grid,
    Random,
    Lhs,
}

impl From<SearchArg> for Search {
    fn from(s: SearchArg) -> Search {
        match s {
            SearchArg::Grid => Search::Grid,
            SearchArg::Random => Search::Random,
            SearchArg::Lhs => Search::Lhs,
        }
    }
}

#[derive(clap::Args)]
pub struct TuneArgs {
    /// Scenario files: candidates are judged on the mean over them (a disruption mix).
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// The policy file whose parameters are searched; the others keep its values.
    #[arg(short, long)]
    policy: PathBuf,
    /// A parameter and its range, `NAME=LOW..HIGH` or `NAME=LOW..HIGH:STEP` (repeatable; `dtwin policies` lists them).
    #[arg(long = "param", required = true)]
    params: Vec<ParamRange>,
    /// How candidates are chosen: every grid point (STEP, or 5 levels), or `--samples` random or Latin-hypercube points.
    #[arg(long, value_enum, default_value = "grid")]
    search: SearchArg,
    /// Candidates for random and Latin-hypercube search (at most 100000).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=MAX_CANDIDATES as i64))]
    samples: u32,
    /// KPI to optimise, `max:KPI` or `min:KPI` (a bare name takes its usual direction).
    #[arg(long, default_value = "on_time_rate")]
    objective: Objective,
    /// A bound a candidate must meet, `KPI>=X` or `KPI<=X`, on its mean (repeatable).
    #[arg(long = "constraint")]
    constraints: Vec<Constraint>,
    /// Two KPIs for the Pareto front, `A,B`, each optionally `max:`/`min:` [default: the objective and cost_total_per_order].
    #[arg(long)]
    pareto: Option<String>,
    #[command(flatten)]
    paired: Paired,
    /// Family-wise error rate for the candidates tied with the best.
    #[arg(long, default_value_t = 0.05, value_parser = parse_alpha)]
    alpha: f64,
    /// Folder for tune.jsonl (the journal), tune.json, tune.csv and best-policy.toml.
    #[arg(short, long)]
    out: PathBuf,
    /// Also write report.html (the Pareto front and the candidates) and report.md into --out.
    #[arg(long)]
    report: bool,
    /// Start over, discarding a journal of another search in --out.
    #[arg(long)]
    force: bool,
}

/// `--pareto A,B`, or the objective and the cost per order.
fn pareto(arg: &Option<String>, objective: &Objective) -> Result<[Objective; 2]> {
    let usage = |m: String| anyhow::Error::from(UsageError(m));
    let pareto: Vec<Objective> = match arg {
        Some(s) => s
            .split(',')
            .map(|k| k.trim().parse::<Objective>().map_err(|e| usage(e.to_string())))
            .collect::<Result<_>>()?,
        None => vec![objective.clone(), "min:cost_total_per_order".parse().expect("valid")],
    };
    let Ok([pa, pb]) = <[Objective; 2]>::try_from(pareto) else {
        return Err(usage("--pareto takes two KPIs, A,B".into()));
    };
    if experiments::kpi_index(&pa.kpi).is_none() || experiments::kpi_index(&pb.kpi).is_none() {
        return Err(usage(format!("unknown KPI in --pareto {arg:?}")));
    }
    Ok([pa, pb])
}

pub fn tune(args: TuneArgs) -> Result<()> {
    let scenarios: Vec<Scenario> =
        args.scenarios.iter().map(|p| args.paired.load(p, Some(&args.policy))).collect::<Result<_>>()?;
    experiments::tune::check_kpis(&args.objective, &args.constraints)?;
    let judging = Judging {
        objective: args.objective.clone(),
        constraints: args.constraints.clone(),
        pareto: pareto(&args.pareto, &args.objective)?,
        alpha: args.alpha,
    };
    let spec = TuneSpec {
        scenarios,
        params: args.params.clone(),
        search: args.search.into(),
        samples: args.samples,
        judging,
        paired: args.paired.paired(),
    };
    let tune = Tune::new(spec)?;
    keep_results(Some(&args.out), args.force, &[] as &[&str])?;
    let mut journal = tune.open_journal(&args.out, args.force)?;
    if journal.torn {
        eprintln!("{}: dropped a torn last line (an interrupted write)", journal.path().display());
    }
    if !journal.done.is_empty() {
        let (done, all) = (journal.done.len(), tune.candidates().len());
        eprintln!("resuming: {done} of {all} candidates done in {}", journal.path().display());
    }
    let tuned = tune.run(&mut journal, &Bar::candidates())?;

    let t = &tuned.result;
    let params: Vec<&str> = tuned.params.iter().map(String::as_str).collect();
    let constraints = match t.constraints.len() {
        0 => String::new(),
        n => format!(", {n} constraint(s)"),
    };
    let text = format!(
        "tune {} over {} scenario(s), {} candidates x {} replications, seed {}; objective {}{constraints}\n{}",
        args.policy.display(),
        args.scenarios.len(),
        t.candidates.len(),
        tune.replications(),
        tune.seed(),
        t.objective,
        reports::render_tune(t, &params, &tuned.values)
    );
    std::io::stdout().write_all(text.as_bytes())?;

    let best_policy = tuned.best_policy_file(&args.policy)?;
    let files = reports::tune_files(t, &params, &tuned.values, best_policy, args.report);
    let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    // Files of an earlier search not written now (a best-policy.toml when there is no best, a
    // report without --report) are removed: they would describe other results.
    reports::Staged::folder(&args.out, files, reports::TUNE_FILES)?.commit()?;
    eprintln!("wrote {} in {}", names.join(", "), args.out.display());
    Ok(())
}
