//! What the subcommands share: the paired-run, adaptive and output arguments, loading scenarios,
//! the checks on `--out`, the progress bar, and printing what an experiment noticed.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sim::Scenario;

/// The most worker threads `--threads` may ask for.
pub const MAX_THREADS: u32 = 1024;

/// Where results go.
#[derive(clap::Args)]
pub struct Output {
    /// Write the results into this folder (created if missing): summary.json and replications.csv
    /// (run), stress.* or compare.* (json, csv, svg).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Also write report.html (charts inline), report.md and timeline.csv into --out.
    #[arg(long, requires = "out")]
    pub report: bool,
    /// Replace results already in --out.
    #[arg(long)]
    pub force: bool,
}

/// How alternatives run side by side: replication i of each uses the same random streams.
#[derive(clap::Args)]
pub struct Paired {
    /// Replications per alternative [default: the first scenario's `replications`].
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..))]
    pub replications: Option<u32>,
    /// Master seed; replication i of every alternative uses streams derived from (seed, i): common
    /// random numbers [default: the first scenario's `seed`].
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads, at most 1024 [default: all cores]. Results do not depend on it.
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..=MAX_THREADS as i64))]
    pub threads: Option<u32>,
    /// Hours at the start excluded from the KPIs [default: the scenario's `warmup_h`, else 0].
    #[arg(long, value_name = "HOURS")]
    pub warmup: Option<f64>,
}

impl Paired {
    /// Seed, replications and threads as asked; the library takes its defaults from the first
    /// scenario.
    pub fn paired(&self) -> experiments::Paired {
        experiments::Paired { seed: self.seed, replications: self.replications, threads: self.threads }
    }

    /// Loads a scenario (with the policy in `policy` instead of its own if given) and applies `--warmup`.
    pub fn load(&self, path: &Path, policy: Option<&Path>) -> Result<Scenario> {
        let mut scenario = load(path, policy)?;
        if let Some(h) = self.warmup {
            scenario.set_warmup(h).map_err(|e| UsageError(format!("--warmup: {e}")))?;
        }
        Ok(scenario)
    }
}

/// An adaptive number of replications.
#[derive(clap::Args)]
pub struct Adaptive {
    /// Add replications until the 95% half-width of KPI is at most HW: of its mean (run), or of
    /// its paired difference with the baseline for every alternative (stress, compare).
    #[arg(long, value_name = "KPI=HW")]
    pub precision: Option<PrecisionArg>,
    /// The most replications `--precision` may run.
    #[arg(long, default_value_t = 1000, requires = "precision", value_parser = clap::value_parser!(u32).range(2..))]
    pub max_replications: u32,
}

#[derive(Clone)]
pub struct PrecisionArg {
    kpi: String,
    half_width: f64,
}

impl std::str::FromStr for PrecisionArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kpi, hw) = s.split_once('=').ok_or_else(|| format!("{s:?} is not KPI=HALF_WIDTH"))?;
        let half_width = hw.trim().parse::<f64>().ok().filter(|h| *h > 0.0 && h.is_finite());
        let half_width = half_width.ok_or_else(|| format!("{s:?}: the half-width must be a positive number"))?;
        let kpi = kpi.trim().to_string();
        experiments::kpi_index(&kpi).ok_or_else(|| format!("{s:?}: unknown KPI {kpi:?}; `dtwin kpis` lists them"))?;
        Ok(PrecisionArg { kpi, half_width })
    }
}

impl Adaptive {
    /// The precision asked for with `--precision`, if any.
    pub fn target(&self) -> Option<experiments::Target> {
        let p = self.precision.as_ref()?;
        Some(experiments::Target {
            kpi: p.kpi.clone(),
            half_width: p.half_width,
            max_replications: self.max_replications,
        })
    }
}

/// `--alpha`: a family-wise error rate in (0, 1).
pub fn parse_alpha(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(a) if a > 0.0 && a < 1.0 => Ok(a),
        _ => Err(format!("{s:?} is not a number in (0, 1)")),
    }
}

/// A mistake in how the command was called, found after argument parsing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Loads a scenario, with the policy in `policy` instead of its own if given.
pub fn load(path: &Path, policy: Option<&Path>) -> Result<Scenario> {
    let mut scenario = Scenario::load(path)?;
    if let Some(policy) = policy {
        scenario.use_policy_file(policy)?;
    }
    Ok(scenario)
}

/// Refuses an `--out` that is a filesystem root or not a folder, and without `--force`, one
/// holding results `files` would replace or files dtwin did not write.
pub fn keep_results(out: Option<&Path>, force: bool, files: &[impl AsRef<str>]) -> Result<()> {
    let Some(out) = out else { return Ok(()) };
    if out.canonicalize().is_ok_and(|p| p.parent().is_none()) {
        let m = format!("--out {}: a filesystem root; name a folder for the results", out.display());
        return Err(UsageError(m).into());
    }
    if out.exists() && !out.is_dir() {
        return Err(UsageError(format!("--out {}: not a folder", out.display())).into());
    }
    if !force {
        for f in files {
            let f = f.as_ref();
            if out.join(f).exists() {
                return Err(UsageError(format!(
                    "{} already exists; pass --force to replace it",
                    out.join(f).display()
                ))
                .into());
            }
        }
        if let Ok(entries) = std::fs::read_dir(out) {
            let mut others: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !reports::is_result_file(n))
                .collect();
            if !others.is_empty() {
                others.sort();
                let more = if others.len() > 3 { format!(" and {} more", others.len() - 3) } else { String::new() };
                others.truncate(3);
                return Err(UsageError(format!(
                    "{} holds files dtwin did not write ({}{more}); name another folder, or pass --force to write into it",
                    out.display(),
                    others.join(", ")
                ))
                .into());
            }
        }
    }
    Ok(())
}

/// One progress bar over a whole experiment, on a terminal; hidden with `quiet`. It appears
/// when the experiment plans its first steps.
pub struct Bar {
    quiet: bool,
    template: &'static str,
    /// Made with the length first planned (else with none, lengthened by it).
    sized: bool,
    bar: OnceLock<ProgressBar>,
}

impl Bar {
    /// A bar counting replications, each alternative's named as it runs.
    pub fn replications(quiet: bool) -> Bar {
        let template = "{msg} {bar:40} {pos}/{len} replications, {elapsed} elapsed, ETA {eta}";
        Bar { quiet, template, sized: false, bar: OnceLock::new() }
    }

    /// A bar counting a search's candidates.
    pub fn candidates() -> Bar {
        let template = "tune {bar:40} {pos}/{len} candidates, {elapsed} elapsed, ETA {eta}";
        Bar { quiet: false, template, sized: true, bar: OnceLock::new() }
    }

    fn bar(&self, length: u64) -> &ProgressBar {
        self.bar.get_or_init(|| {
            let bar = if self.quiet {
                ProgressBar::hidden()
            } else {
                ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr())
            };
            bar.set_style(ProgressStyle::with_template(self.template).expect("template"));
            bar
        })
    }
}

impl experiments::Progress for Bar {
    fn planned(&self, steps: u64) {
        if self.sized && self.bar.get().is_none() {
            self.bar(steps);
        } else {
            self.bar(0).inc_length(steps);
        }
    }
    fn resumed(&self, steps: u64) {
        self.bar(0).set_position(steps);
    }
    fn working_on(&self, name: &str) {
        self.bar(0).set_message(name.to_string());
    }
    fn step(&self) {
        self.bar(0).inc(1);
    }
    fn finish(&self) {
        self.bar(0).finish_and_clear();
    }
}

/// Warns on stderr when an adaptive run stopped at its maximum short of its precision.
pub fn precision_warning(precision: Option<&reports::Precision>, replications: u32) {
    if let Some(p) = precision.filter(|p| !p.reached) {
        eprintln!(
            "warning: --precision {}={} not reached in {replications} replications (--max-replications): half-width {:.4}",
            p.kpi, p.target, p.half_width
        );
    }
}

/// Prints what each alternative noticed (disruptions that reached nothing) on stderr, as
/// `warning: NAME: ...`.
pub fn matrix_warnings(m: &reports::Matrix) {
    for c in &m.columns {
        for w in &c.warnings {
            eprintln!("warning: {}: {w}", c.name);
        }
    }
}

/// The files a matrix command writes into --out.
pub fn matrix_file_names(name: &str, report: bool) -> Vec<String> {
    let mut files: Vec<String> = ["json", "csv", "svg"].iter().map(|e| format!("{name}.{e}")).collect();
    if report {
        files.extend(["timeline.csv".into(), "report.html".into(), "report.md".into()]);
    }
    files
}
