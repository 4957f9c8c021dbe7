//! Text tables: the KPI table of a run, the matrix of a stress test or comparison.

use crate::tune::TuneResult;
use crate::{Matrix, PairedDiff, Stat, Summary};

/// The KPI table, in `names` order.
pub fn render_table(summary: &Summary, names: &[&str]) -> String {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0).max(3);
    let mut out = format!("{:<width$}  {:>12}  {:>25}  {:>12}  {:>12}\n", "kpi", "mean", "95% CI", "p5", "p95");
    for name in names {
        let s = &summary.kpis[*name];
        let ci = ci_text(s);
        out += &format!("{name:<width$}  {:>12}  {ci:>25}  {:>12}  {:>12}\n", num(s.mean), num(s.p5), num(s.p95));
    }
    out
}

/// The 95% interval of the mean, `[low, high]`, or `-` with one replication.
pub(crate) fn ci_text(s: &Stat) -> String {
    match (s.ci95_low, s.ci95_high) {
        (Some(lo), Some(hi)) => format!("[{}, {}]", num(lo), num(hi)),
        _ => "-".to_string(),
    }
}

/// A matrix cell: the mean and, against the baseline, the change with its 95% interval, `*` when
/// significant.
pub(crate) fn matrix_cell(stat: &Stat, diff: Option<&PairedDiff>) -> String {
    let Some(d) = diff else { return num(stat.mean) };
    let ci = match (d.ci95_low, d.ci95_high) {
        (Some(lo), Some(hi)) => format!(" [{}, {}]", signed(lo), signed(hi)),
        _ => String::new(),
    };
    format!("{} ({}{ci}){}", num(stat.mean), signed(d.mean), if d.significant { "*" } else { "" })
}

/// Four significant digits, no exponent for everyday magnitudes; `-` when undefined.
pub(crate) fn num(x: f64) -> String {
    if x.is_nan() {
        return "-".into();
    }
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{x:.digits$}")
}

/// The matrix as a table: a row per KPI, a column per scenario; after the baseline, each cell is
/// the mean and its change against the baseline with the 95% interval, `*` when significant.
pub fn render_matrix_table(m: &Matrix) -> String {
    let width = m.kpis.iter().map(|n| n.len()).max().unwrap_or(3).max(3);
    let cells: Vec<Vec<String>> = m
        .kpis
        .iter()
        .map(|k| {
            m.columns
                .iter()
                .map(|c| {
                    let (stat, diff) = &c.kpis[k];
                    matrix_cell(stat, diff.as_ref())
                })
                .collect()
        })
        .collect();
    let col: Vec<usize> = (0..m.columns.len())
        .map(|j| cells.iter().map(|r| r[j].len()).chain([m.columns[j].scenario.name.len()]).max().unwrap_or(0))
        .collect();
    let mut out = format!("{:<width$}", "kpi");
    for (c, w) in m.columns.iter().zip(&col) {
        out += &format!("  {:>w$}", c.name);
    }
    out.push('\n');
    for (k, row) in m.kpis.iter().zip(&cells) {
        out += &format!("{k:<width$}");
        for (cell, w) in row.iter().zip(&col) {
            out += &format!("  {cell:>w$}");
        }
        out.push('\n');
    }
    out
}

fn signed(x: f64) -> String {
    if x >= 0.0 { format!("+{}", num(x)) } else { num(x) }
}

/// The ranking of a comparison as text: best first, each with its shortfall and whether it is
/// tied with the best; empty without a ranking.
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

/// The candidates of a search as a table: a row per candidate (`values[i]`, its values of the
/// parameters `params`), the objective with its interval, each constrained KPI's mean, whether it
/// is feasible, tied with the best, on the Pareto front (and why not feasible); `*` marks the
/// best, and a last line says which it is.
pub fn render_tune(t: &TuneResult, params: &[&str], values: &[Vec<f64>]) -> String {
    let constrained = !t.constraints.is_empty();
    let extra = tune_extra_kpis(t);
    let width = |k: &str| k.len().max(10);
    let extra_header: String = extra.iter().map(|k| format!("  {k:>w$}", w = width(k))).collect();
    let mut text = format!(
        "{:<4} {}  {:>10}  {:>21}{extra_header}  {:>8}  {:>6}  pareto{}\n",
        "#",
        params.join("  "),
        t.objective.kpi,
        "95% CI",
        "feasible",
        "tied",
        if constrained { "  why_infeasible" } else { "" }
    );
    for (i, (c, values)) in t.candidates.iter().zip(values).enumerate() {
        let vals: Vec<String> = params.iter().zip(values).map(|(n, v)| format!("{v:>w$.3}", w = n.len())).collect();
        let ci = match (c.objective.ci95_low, c.objective.ci95_high) {
            (Some(l), Some(h)) => format!("[{l:.4}, {h:.4}]"),
            _ => "-".into(),
        };
        let star = if Some(i) == t.best { "*" } else { " " };
        let extra_values: String =
            extra.iter().map(|k| format!("  {:>w$.4}", c.constrained_kpis[*k], w = width(k))).collect();
        let pareto = if c.pareto { "yes" } else { "" };
        let tail = if constrained {
            format!("{pareto:<6}  {}", c.why_infeasible.as_deref().unwrap_or(""))
        } else {
            pareto.to_string()
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
    match t.best {
        Some(b) => {
            let tied = t.candidates.iter().filter(|c| c.tied_with_best).count() - 1;
            let [pa, pb] = &t.pareto;
            text += &format!(
                "best feasible: #{b} ({}), {} {:.4}; {tied} other candidate(s) statistically tied with it; Pareto front on {} and {}: {} candidate(s)\n",
                params.iter().zip(&values[b]).map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(", "),
                t.objective.kpi,
                t.candidates[b].objective.mean,
                pa,
                pb,
                t.candidates.iter().filter(|c| c.pareto).count()
            );
        }
        None => text += "no candidate meets the constraints: no best-policy.toml\n",
    }
    text
}

/// The constrained KPIs shown beside the objective in a search's table and CSV: all but the
/// objective (its mean is there already).
pub(crate) fn tune_extra_kpis(t: &TuneResult) -> Vec<&str> {
    crate::tune::constrained_kpis(&t.constraints).into_iter().filter(|k| *k != t.objective.kpi).collect()
}
