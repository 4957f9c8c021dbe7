//! `dtwin tune`: search a policy's named thresholds on one or more scenarios, on common random
//! numbers, for the best feasible setting. Each finished candidate is appended to a journal in
//! the output folder, so an interrupted search resumes where it stopped.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use reports::Stat;
use reports::compare::{Objective, compare_with_best, pareto_front};
use reports::tune::{Candidate, Constraint, TuneResult};
use serde::{Deserialize, Serialize};
use sim::{KPIS, Scenario};

use crate::{Paired, UsageError, kpi_index, parse_alpha};

/// The most candidates a search may have, whatever the search: a grid's product of levels, or
/// `--samples`.
const MAX_CANDIDATES: u64 = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
enum Search {
    Grid,
    Random,
    Lhs,
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
    search: Search,
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ParamRange {
    name: String,
    low: f64,
    high: f64,
    step: Option<f64>,
}

impl std::str::FromStr for ParamRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?}: expected NAME=LOW..HIGH or NAME=LOW..HIGH:STEP");
        let (name, range) = s.split_once('=').ok_or_else(bad)?;
        let (range, step) = match range.split_once(':') {
            Some((r, step)) => (r, Some(step.trim().parse::<f64>().map_err(|_| bad())?)),
            None => (range, None),
        };
        let (low, high) = range.split_once("..").ok_or_else(bad)?;
        let (low, high) =
            (low.trim().parse::<f64>().map_err(|_| bad())?, high.trim().parse::<f64>().map_err(|_| bad())?);
        if name.trim().is_empty()
            || !low.is_finite()
            || !high.is_finite()
            || low > high
            || step.is_some_and(|x| !x.is_finite() || x <= 0.0)
        {
            return Err(format!("{s:?}: needs a name, finite LOW <= HIGH and STEP > 0"));
        }
        Ok(ParamRange { name: name.trim().to_string(), low, high, step })
    }
}

/// What identifies a search: a journal is resumed only by the same search.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Header {
    scenarios: Vec<String>,
    policy: serde_json::Value,
    params: Vec<ParamRange>,
    search: Search,
    samples: u32,
    seed: u64,
    replications: u32,
    #[serde(default)]
    warmup_h: f64,
}

/// A journal line: one candidate's parameter values and, per replication, every KPI's mean over
/// the scenarios.
#[derive(Debug, Serialize, Deserialize)]
struct Done {
    candidate: usize,
    values: Vec<f64>,
    /// Undefined values (NaN) are written as `null`.
    #[serde(deserialize_with = "reports::nullable_rows")]
    kpis: Vec<Vec<f64>>,
}

/// How many values a grid search tries for `p`: LOW, LOW+STEP, ... <= HIGH (5 without STEP). A
/// float, as it may be beyond any integer (or not a number for a range too wide for floats).
fn grid_levels(p: &ParamRange) -> f64 {
    let step = p.step.unwrap_or((p.high - p.low) / 4.0);
    if step <= 0.0 { 1.0 } else { ((p.high - p.low) / step + 1e-9).floor() + 1.0 }
}

/// Refuses a grid of more than [`MAX_CANDIDATES`] points before any is made.
fn check_grid(params: &[ParamRange]) -> Result<(), String> {
    let levels: Vec<f64> = params.iter().map(grid_levels).collect();
    let total = levels.iter().product::<f64>();
    if total <= MAX_CANDIDATES as f64 {
        return Ok(());
    }
    let count = |x: f64| match x {
        _ if x < 1e15 => format!("{x:.0}"),
        _ if x.is_finite() => format!("{x:e}"),
        _ => "too many".to_string(),
    };
    let product = if levels.len() > 1 {
        format!(" ({})", levels.iter().map(|l| count(*l)).collect::<Vec<_>>().join(" x "))
    } else {
        String::new()
    };
    Err(format!(
        "--param: the grid has {} candidates{product}, at most {MAX_CANDIDATES}: take a larger STEP, or --search random or lhs with --samples",
        count(total)
    ))
}

/// The candidates: a value per parameter each (a grid checked by [`check_grid`]).
fn candidates(params: &[ParamRange], search: Search, samples: u32, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x7475_6e65); // "tune"
    let n = samples as usize;
    match search {
        Search::Grid => {
            let levels: Vec<Vec<f64>> = params
                .iter()
                .map(|p| {
                    let step = p.step.unwrap_or((p.high - p.low) / 4.0);
                    if step <= 0.0 {
                        return vec![p.low];
                    }
                    let count = grid_levels(p) as usize;
                    // Rounded to 9 decimals: 0.4 + 2 x 0.1 is 0.6, not 0.6000000000000001.
                    (0..count).map(|i| ((p.low + step * i as f64) * 1e9).round() / 1e9).collect()
                })
                .collect();
            levels.iter().fold(vec![Vec::new()], |acc, values| {
                acc.iter().flat_map(|c| values.iter().map(move |v| [c.clone(), vec![*v]].concat())).collect()
            })
        }
        Search::Random => {
            (0..n).map(|_| params.iter().map(|p| p.low + (p.high - p.low) * rng.random::<f64>()).collect()).collect()
        }
        Search::Lhs => {
            // Each parameter's range cut into n strata, each stratum used once, in random order.
            let columns: Vec<Vec<f64>> = params
                .iter()
                .map(|p| {
                    let mut strata: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        strata.swap(i, rng.random_range(0..=i));
                    }
                    strata
                        .iter()
                        .map(|&s| p.low + (p.high - p.low) * (s as f64 + rng.random::<f64>()) / n as f64)
                        .collect()
                })
                .collect();
            (0..n).map(|i| columns.iter().map(|c| c[i]).collect()).collect()
        }
    }
}

/// The policy with a candidate's values (checked against each parameter's range).
fn configure(base: &sim::PolicyChoice, params: &[ParamRange], values: &[f64]) -> Result<sim::PolicyChoice, String> {
    let mut policy = base.clone();
    for (p, v) in params.iter().zip(values) {
        policy.set_param(&p.name, *v)?;
    }
    Ok(policy)
}

pub fn tune(args: TuneArgs) -> Result<()> {
    let usage = |m: String| anyhow::Error::from(UsageError(m));
    let scenarios: Vec<Scenario> =
        args.scenarios.iter().map(|p| args.paired.load(p, Some(&args.policy))).collect::<Result<_>>()?;
    let base = scenarios[0].policy.clone();
    let objective = kpi_index(&args.objective.kpi)
        .ok_or_else(|| usage(format!("unknown KPI {:?} in --objective", args.objective.kpi)))?;
    for c in &args.constraints {
        kpi_index(&c.kpi).ok_or_else(|| usage(format!("unknown KPI {:?} in --constraint", c.kpi)))?;
    }
    let pareto: Vec<Objective> = match &args.pareto {
        Some(s) => s.split(',').map(|k| k.trim().parse::<Objective>().map_err(usage)).collect::<Result<_>>()?,
        None => vec![args.objective.clone(), "min:cost_total_per_order".parse().expect("valid")],
    };
    let [pa, pb] = &pareto[..] else { return Err(usage("--pareto takes two KPIs, A,B".into())) };
    let (ia, ib) = (kpi_index(&pa.kpi), kpi_index(&pb.kpi));
    let (Some(ia), Some(ib)) = (ia, ib) else {
        return Err(usage(format!("unknown KPI in --pareto {:?}", args.pareto)));
    };
    if args.search == Search::Grid {
        check_grid(&args.params).map_err(usage)?;
    }
    let (seed, n, pool) = args.paired.resolve(&scenarios[0], 2)?;
    let cands = candidates(&args.params, args.search, args.samples, seed);
    for values in &cands {
        configure(&base, &args.params, values).map_err(|e| usage(format!("--param: {e}")))?;
    }
    let header = Header {
        scenarios: scenarios.iter().map(|s| format!("{:016x}", s.hash)).collect(),
        policy: serde_json::to_value(&base)?,
        params: args.params.clone(),
        search: args.search,
        samples: args.samples,
        seed,
        replications: n,
        warmup_h: scenarios[0].warmup.as_hours(),
    };
    crate::keep_results(Some(&args.out), args.force, &[] as &[&str])?;
    let journal = args.out.join("tune.jsonl");
    let mut done = resume(&journal, &header, &cands, args.force)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut file = if done.is_empty() {
        let mut f = std::fs::File::create(&journal).with_context(|| format!("creating {}", journal.display()))?;
        f.write_all(format!("{}\n", serde_json::to_string(&header)?).as_bytes())?;
        f
    } else {
        eprintln!("resuming: {} of {} candidates done in {}", done.len(), cands.len(), journal.display());
        std::fs::OpenOptions::new().append(true).open(&journal)?
    };

    let todo: Vec<usize> = (0..cands.len()).filter(|i| !done.iter().any(|d| d.candidate == *i)).collect();
    let bar = ProgressBar::with_draw_target(Some(cands.len() as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("tune {bar:40} {pos}/{len} candidates, {elapsed} elapsed, ETA {eta}")
            .expect("template"),
    );
    bar.set_position(done.len() as u64);
    for i in todo {
        let policy = configure(&base, &args.params, &cands[i]).map_err(usage)?;
        let mut pooled = vec![vec![0.0; KPIS.len()]; n as usize];
        for s in &scenarios {
            let mut s = s.clone();
            s.policy = policy.clone();
            let runs = pool.install(|| sim::run_replications(&s, seed, n, false, &|| {}))?;
            for (row, r) in pooled.iter_mut().zip(&runs) {
                for (x, v) in row.iter_mut().zip(&r.kpis.0) {
                    *x += v / scenarios.len() as f64;
                }
            }
        }
        let line = Done { candidate: i, values: cands[i].clone(), kpis: pooled };
        // One write, so an interruption tears at most this line.
        file.write_all(format!("{}\n", serde_json::to_string(&line)?).as_bytes())?;
        file.flush()?;
        done.push(line);
        bar.inc(1);
    }
    bar.finish_and_clear();
    done.sort_by_key(|d| d.candidate);

    // Judge: feasibility on means, the best feasible, ties with it, the Pareto front.
    let column = |d: &Done, k: usize| d.kpis.iter().map(|r| r[k]).collect::<Vec<f64>>();
    let mean = |d: &Done, k: usize| Stat::of(&column(d, k)).mean;
    let constrained = reports::tune::constrained_kpis(&args.constraints);
    let constrained_means: Vec<BTreeMap<String, f64>> = done
        .iter()
        .map(|d| constrained.iter().map(|k| (k.to_string(), mean(d, kpi_index(k).expect("checked")))).collect())
        .collect();
    let why: Vec<Option<String>> =
        constrained_means.iter().map(|m| reports::tune::why_infeasible(&args.constraints, m)).collect();
    let feasible: Vec<bool> = why.iter().map(Option::is_none).collect();
    // The best is among the feasible candidates whose objective is defined (not a mean of nothing).
    let ok: Vec<usize> = (0..done.len()).filter(|&i| feasible[i] && !mean(&done[i], objective).is_nan()).collect();
    // The best feasible candidate, and per candidate whether it is tied with it.
    let mut tied = vec![false; done.len()];
    let best = (!ok.is_empty()).then(|| {
        let values: Vec<Vec<f64>> = ok.iter().map(|&i| column(&done[i], objective)).collect();
        let (best, against) = compare_with_best(&values, args.objective.direction, args.alpha);
        for (&i, a) in ok.iter().zip(&against) {
            tied[i] = a.tied_with_best;
        }
        ok[best]
    });
    let points: Vec<(f64, f64)> = done.iter().map(|d| (mean(d, ia), mean(d, ib))).collect();
    let front = pareto_front(&points, (pa.direction, pb.direction));
    let results: Vec<Candidate> = done
        .iter()
        .enumerate()
        .zip(constrained_means.into_iter().zip(why))
        .map(|((i, d), (constrained_kpis, why_infeasible))| Candidate {
            params: args.params.iter().map(|p| p.name.clone()).zip(d.values.iter().copied()).collect(),
            objective: Stat::of(&column(d, objective)),
            feasible: feasible[i],
            tied_with_best: tied[i],
            pareto: front.contains(&i),
            pareto_kpis: points[i],
            constrained_kpis,
            why_infeasible,
        })
        .collect();
    // Columns for the constrained KPIs, but the objective's (its mean is there already).
    let extra: Vec<&str> = constrained.iter().copied().filter(|k| *k != args.objective.kpi).collect();

    let mut text = format!(
        "tune {} over {} scenario(s), {} candidates x {n} replications, seed {seed}; objective {}{}\n",
        args.policy.display(),
        scenarios.len(),
        done.len(),
        args.objective,
        if args.constraints.is_empty() { String::new() } else { format!(", {} constraint(s)", args.constraints.len()) }
    );
    let names: Vec<&str> = args.params.iter().map(|p| p.name.as_str()).collect();
    let width = |k: &str| k.len().max(10);
    let extra_header: String = extra.iter().map(|k| format!("  {k:>w$}", w = width(k))).collect();
    text += &format!(
        "{:<4} {}  {:>10}  {:>21}{extra_header}  {:>8}  {:>6}  pareto{}\n",
        "#",
        names.join("  "),
        args.objective.kpi,
        "95% CI",
        "feasible",
        "tied",
        if args.constraints.is_empty() { "" } else { "  why_infeasible" }
    );
    for (i, c) in results.iter().enumerate() {
        let vals: Vec<String> =
            names.iter().zip(&done[i].values).map(|(n, v)| format!("{v:>w$.3}", w = n.len())).collect();
        let ci = match (c.objective.ci95_low, c.objective.ci95_high) {
            (Some(l), Some(h)) => format!("[{l:.4}, {h:.4}]"),
            _ => "-".into(),
        };
        let star = if Some(i) == best { "*" } else { " " };
        let extra_values: String =
            extra.iter().map(|k| format!("  {:>w$.4}", c.constrained_kpis[*k], w = width(k))).collect();
        let pareto = if c.pareto { "yes" } else { "" };
        let tail = if args.constraints.is_empty() {
            pareto.to_string()
        } else {
            format!("{pareto:<6}  {}", c.why_infeasible.as_deref().unwrap_or(""))
        };
        let mean = if c.objective.defined() { format!("{:.4}", c.objective.mean) } else { "-".into() };
        text += &format!(
            "{:<4} {}  {mean:>10}  {ci:>21}{extra_values}  {:>8}  {:>6}  {}\n",
            format!("{i}{star}"),
            vals.join("  "),
            c.feasible,
            c.tied_with_best,
            tail.trim_end()
        );
    }
    match best {
        Some(b) => {
            let tied = results.iter().filter(|c| c.tied_with_best).count() - 1;
            text += &format!(
                "best feasible: #{b} ({}), {} {:.4}; {tied} other candidate(s) statistically tied with it; Pareto front on {} and {}: {} candidate(s)\n",
                names.iter().zip(&done[b].values).map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(", "),
                args.objective.kpi,
                results[b].objective.mean,
                pa,
                pb,
                front.len()
            );
        }
        None => text += "no candidate meets the constraints: no best-policy.toml\n",
    }
    std::io::stdout().write_all(text.as_bytes())?;

    let result = TuneResult {
        tool: "dtwin".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        search: serde_json::to_value(&header)?,
        objective: args.objective.clone(),
        constraints: args.constraints.clone(),
        pareto: [pa.clone(), pb.clone()],
        best,
        candidates: results,
    };
    let results = &result.candidates;
    let constrained_header: String = extra.iter().map(|k| format!(",{k}_mean")).collect();
    let mut csv = format!(
        "candidate,{},{}_mean,{}_ci95_low,{}_ci95_high{constrained_header},feasible,tied_with_best,pareto{}\n",
        names.join(","),
        args.objective.kpi,
        args.objective.kpi,
        args.objective.kpi,
        if args.constraints.is_empty() { "" } else { ",why_infeasible" }
    );
    for (i, c) in results.iter().enumerate() {
        let vals: Vec<String> = done[i].values.iter().map(f64::to_string).collect();
        let opt = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
        let constrained_values: String = extra.iter().map(|k| format!(",{}", c.constrained_kpis[*k])).collect();
        // KPI names, numbers, `<`, `>` and `; `: nothing a CSV field needs quoting for.
        let why = if args.constraints.is_empty() {
            String::new()
        } else {
            format!(",{}", c.why_infeasible.as_deref().unwrap_or(""))
        };
        csv += &format!(
            "{i},{},{},{},{}{constrained_values},{},{},{}{why}\n",
            vals.join(","),
            c.objective.mean,
            opt(c.objective.ci95_low),
            opt(c.objective.ci95_high),
            c.feasible,
            c.tied_with_best,
            c.pareto
        );
    }
    let mut files =
        vec![("tune.json".to_string(), serde_json::to_vec_pretty(&result)?), ("tune.csv".into(), csv.into_bytes())];
    if let Some(b) = best {
        let policy = configure(&base, &args.params, &done[b].values).map_err(usage)?;
        let body = toml::to_string(&policy).context("writing the policy as TOML")?;
        // A program's command runs in the folder of the policy file that names it.
        let place = match &policy {
            sim::PolicyChoice::Process(_) => format!(
                "# Its command runs in the folder of the policy file tuned ({}): keep this file there to use it.\n",
                args.policy
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(std::path::Path::new("."))
                    .display()
            ),
            _ => String::new(),
        };
        let file = format!(
            "# Recommended by `dtwin tune` (candidate #{b} of {}, objective {}).\n{place}{body}",
            done.len(),
            args.objective
        );
        files.push(("best-policy.toml".into(), file.into_bytes()));
    }
    if args.report {
        files.extend(reports::report_files(reports::report::tune(&result)));
    }
    let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    // Files of an earlier search not written now (a best-policy.toml when there is no best, a
    // report without --report) are removed: they would describe other results.
    reports::Staged::folder(&args.out, files, reports::TUNE_FILES)?.commit()?;
    eprintln!("wrote {} in {}", names.join(", "), args.out.display());
    Ok(())
}

/// Candidates already done by the same search in `journal`, each checked against the search
/// (`cands`, the header's replications). A torn last line (an interrupted write: no newline at
/// its end) is cut off the file, so the next candidate is appended after the last good line.
/// Another search's journal is kept unless `force`.
fn resume(journal: &std::path::Path, header: &Header, cands: &[Vec<f64>], force: bool) -> Result<Vec<Done>> {
    let Ok(text) = std::fs::read_to_string(journal) else { return Ok(Vec::new()) };
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    let mut lines = text[..complete].lines();
    // Not even the header was written whole: nothing to resume.
    let Some(first) = lines.next() else { return Ok(Vec::new()) };
    let same = serde_json::from_str::<Header>(first).ok().is_some_and(|h| h == *header);
    if !same {
        if force {
            return Ok(Vec::new());
        }
        return Err(UsageError(format!(
            "{} holds another search (scenarios, policy, parameters, seed or replications differ); pass --force to start over",
            journal.display()
        ))
        .into());
    }
    let mut done: Vec<Done> = Vec::new();
    for (i, line) in lines.enumerate() {
        let place = format!("{}:{}", journal.display(), i + 2);
        let d: Done = serde_json::from_str(line).map_err(|e| UsageError(format!("{place}: {e}")))?;
        check_done(&d, cands, header.replications, &done)
            .map_err(|(field, message)| UsageError(format!("{place}: {field}: {message}")))?;
        done.push(d);
    }
    if complete < text.len() {
        let file = std::fs::OpenOptions::new().write(true).open(journal);
        file.and_then(|f| f.set_len(complete as u64)).with_context(|| format!("truncating {}", journal.display()))?;
        eprintln!("{}: dropped a torn last line (an interrupted write)", journal.display());
    }
    Ok(done)
}

/// A journal line fits the search: a candidate of it, not done before, with its values, a row
/// per replication and a finite value per KPI in each.
fn check_done(d: &Done, cands: &[Vec<f64>], replications: u32, before: &[Done]) -> Result<(), (String, String)> {
    let bad = |field: &str, message: String| Err((field.to_string(), message));
    let Some(values) = cands.get(d.candidate) else {
        return bad(
            "candidate",
            format!("{} is not a candidate of this search (0 to {})", d.candidate, cands.len() - 1),
        );
    };
    if before.iter().any(|b| b.candidate == d.candidate) {
        return bad("candidate", format!("{} appears twice", d.candidate));
    }
    if d.values != *values {
        return bad(
            "values",
            format!("{:?} are not candidate {}'s values in this search, {values:?}", d.values, d.candidate),
        );
    }
    if d.kpis.len() != replications as usize {
        return bad("kpis", format!("{} replications, the search has {replications}", d.kpis.len()));
    }
    for (r, row) in d.kpis.iter().enumerate() {
        if row.len() != KPIS.len() {
            return bad(&format!("kpis[{r}]"), format!("{} values, expected one per KPI ({})", row.len(), KPIS.len()));
        }
        if let Some(k) = row.iter().position(|x| !x.is_nan() && !reports::saved::usable(*x)) {
            return bad(&format!("kpis[{r}][{k}]"), format!("{} is not a finite number", row[k]));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ParamRange {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_and_constraints_parse() {
        assert_eq!(
            p("min_fill=0.5..0.9:0.1"),
            ParamRange { name: "min_fill".into(), low: 0.5, high: 0.9, step: Some(0.1) }
        );
        assert!("min_fill=0.9..0.5".parse::<ParamRange>().is_err());
        assert!("min_fill=0.5..0.9:0".parse::<ParamRange>().is_err());
        assert!("min_fill".parse::<ParamRange>().is_err());
        let c: Constraint = "on_time_rate>=0.9".parse().unwrap();
        assert!(c.holds(0.9) && !c.holds(0.89));
        assert!("on_time_rate=0.9".parse::<Constraint>().is_err());
    }

    #[test]
    fn grid_random_and_latin_hypercube_cover_the_ranges() {
        let params = [p("a=0..1:0.5"), p("b=10..20")];
        let grid = candidates(&params, Search::Grid, 0, 1);
        assert_eq!(grid.len(), 3 * 5);
        assert_eq!(grid[0], vec![0.0, 10.0]);
        assert_eq!(grid[14], vec![1.0, 20.0]);
        let lhs = candidates(&params, Search::Lhs, 10, 1);
        assert_eq!(lhs.len(), 10);
        // One point in each tenth of each range.
        for (k, p) in params.iter().enumerate() {
            let mut strata: Vec<usize> =
                lhs.iter().map(|c| ((c[k] - p.low) / (p.high - p.low) * 10.0) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..10).collect::<Vec<_>>());
        }
        let random = candidates(&params, Search::Random, 7, 1);
        assert_eq!(random, candidates(&params, Search::Random, 7, 1), "seeded");
        assert!(random.iter().all(|c| (0.0..=1.0).contains(&c[0]) && (10.0..=20.0).contains(&c[1])));
    }
}
