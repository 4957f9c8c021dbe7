//! One scenario as seeded replications: `dtwin run`.

use std::path::Path;
use std::time::Duration;

use reports::{ReplicationRow, Summary};
use sim::{ReplicationResult, RunOptions, Scenario};

use crate::{ExperimentError, Paired, Progress, Target, replicate, summary};

/// A run: a scenario (with the policy it runs), the file it was read from, and how to replicate
/// it.
#[derive(Clone, Copy, Debug)]
pub struct RunSpec<'a> {
    pub scenario: &'a Scenario,
    pub path: &'a Path,
    pub paired: Paired,
    pub precision: Option<&'a Target>,
    pub options: RunOptions,
}

/// A run's replications and their summary.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// In replication order.
    pub results: Vec<ReplicationResult>,
    /// `summary.json`; its warnings are the disruptions that reached nothing.
    pub summary: Summary,
    /// Wall-clock time the replications took.
    pub elapsed: Duration,
}

impl RunResult {
    /// Events handled over all replications.
    pub fn events(&self) -> u64 {
        self.results.iter().map(|r| r.events).sum()
    }

    /// The rows of `replications.csv`.
    pub fn rows(&self) -> Vec<ReplicationRow> {
        self.results
            .iter()
            .map(|r| ReplicationRow {
                replication: r.replication,
                fingerprint: r.fingerprint,
                values: r.kpis.0.to_vec(),
            })
            .collect()
    }
}

/// Runs the replications of `spec` and summarises them.
pub fn run(spec: &RunSpec, progress: &dyn Progress) -> Result<RunResult, ExperimentError> {
    let mut r = replicate(&[spec.scenario], &spec.paired, 1, spec.precision, spec.options, progress)?;
    let results = r.runs.pop().expect("one alternative");
    let summary = summary::summary(spec.scenario, spec.path, r.seed, &results, r.precision)?;
    Ok(RunResult { results, summary, elapsed: r.elapsed })
}

/// Replications `replications` of `scenario` on `seed` again (bit-identical to the run's), one
/// after another, as one event log in `format`, streamed into `out`.
pub fn write_event_log<W: std::io::Write>(
    scenario: &Scenario,
    seed: u64,
    replications: &[u32],
    format: sim::eventlog::Format,
    out: W,
) -> Result<W, ExperimentError> {
    let clock = sim::eventlog::Clock::new(scenario.start_day);
    let prefixed = replications.len() > 1;
    let mut sink = sim::eventlog::EventWriter::new(format, out, clock, prefixed).map_err(ExperimentError::EventLog)?;
    for &r in replications {
        sink.start_replication(r);
        sim::Engine::new(scenario, seed, r, vec![&mut sink]).run()?;
    }
    sink.finish().map_err(ExperimentError::EventLog)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Counted, tiny};

    fn spec<'a>(scenario: &'a Scenario, replications: u32, precision: Option<&'a Target>) -> RunSpec<'a> {
        RunSpec {
            scenario,
            path: Path::new("tiny.toml"),
            paired: Paired { seed: Some(5), replications: Some(replications), threads: Some(2) },
            precision,
            options: RunOptions::default(),
        }
    }

    #[test]
    fn a_runs_replications_are_the_simulators_and_its_summary_is_theirs() {
        let scenario = tiny();
        let progress = Counted::default();
        let run = run(&spec(&scenario, 3, None), &progress).unwrap();
        let plain = sim::run_replications(&scenario, 5, 3, false, &|| {}).unwrap();
        assert_eq!(run.results, plain);
        assert_eq!(progress.counts(), (3, 3, 1), "three replications planned and done, then finished");
        let s = &run.summary;
        assert_eq!((s.seed, s.replications, s.precision.as_ref()), (5, 3, None));
        assert_eq!(s.fingerprint, summary::fingerprint(&plain));
        let on_time = crate::kpi_index("on_time_rate").unwrap();
        assert_eq!(s.kpis["on_time_rate"], reports::Stat::of(&crate::values(&plain, on_time)));
        assert_eq!(s.kpis.len(), sim::KPIS.len());
        assert_eq!(run.rows()[2].fingerprint, plain[2].fingerprint);
        assert_eq!(run.events(), plain.iter().map(|r| r.events).sum::<u64>());
    }

    #[test]
    fn an_adaptive_run_equals_a_plain_run_of_as_many_replications() {
        let scenario = tiny();
        let target = Target { kpi: "on_time_rate".into(), half_width: 0.03, max_replications: 40 };
        let progress = Counted::default();
        let run = run(&spec(&scenario, 2, Some(&target)), &progress).unwrap();
        let n = run.results.len() as u32;
        let p = run.summary.precision.clone().unwrap();
        assert!(n > 2, "two replications are not that precise: {p:?}");
        assert!(p.reached && p.half_width <= 0.03, "{p:?}");
        assert_eq!(Some(p.half_width), run.summary.kpis["on_time_rate"].ci95_half_width);
        assert_eq!(run.results, sim::run_replications(&scenario, 5, n, false, &|| {}).unwrap());
        assert_eq!(progress.counts(), (n as u64, n as u64, 1), "each round planned its replications");
    }

    #[test]
    fn a_precision_of_an_undefined_kpi_is_refused_as_bad_input() {
        let scenario = tiny();
        let plain = run(&spec(&scenario, 2, None), &()).unwrap();
        let undefined = sim::KPIS
            .iter()
            .map(|k| k.name)
            .find(|k| !plain.summary.kpis[*k].defined())
            .expect("a KPI undefined on tiny (a share or mean of nothing)");
        let target = Target { kpi: undefined.into(), half_width: 0.1, max_replications: 10 };
        let progress = Counted::default();
        let e = run(&spec(&scenario, 2, Some(&target)), &progress).unwrap_err();
        assert!(matches!(&e, ExperimentError::PrecisionUndefined { kpi } if kpi == undefined), "{e}");
        assert!(e.is_bad_input());
        assert_eq!(progress.counts().2, 1, "the progress is finished before the error");
    }
}
