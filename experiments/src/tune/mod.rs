//! A search of a policy's named thresholds on one or more scenarios, on common random numbers,
//! for the best feasible setting: `dtwin tune`. Each measured candidate is appended to a
//! [`Journal`], so an interrupted search resumes where it stopped; the candidates are then
//! judged ([`Judging`]): constraints on their means, the best feasible one and those tied with
//! it, the Pareto front of two KPIs.

mod journal;
mod search;

use std::collections::BTreeMap;
use std::path::Path;

pub use journal::{Header, JOURNAL, Journal, Measured};
use reports::Stat;
use reports::compare::{Objective, compare_with_best, pareto_front};
use reports::tune::{Candidate, Constraint, TuneResult};
pub use search::{MAX_CANDIDATES, ParamRange, ParamRangeError, Search, candidates, check_grid, configure};
use sim::{KPIS, Scenario};

use crate::error::{ExperimentError, KpiRole, kpi};
use crate::{Paired, Progress};

/// How candidates are judged: feasible when every constraint holds on its mean; the best is the
/// feasible candidate best on the objective, and those tied with it are not shown worse by
/// multiple comparisons with the best at family-wise error rate `alpha`; the Pareto front is on
/// the two `pareto` KPIs' means.
#[derive(Clone, Debug, PartialEq)]
pub struct Judging {
    pub objective: Objective,
    pub constraints: Vec<Constraint>,
    pub pareto: [Objective; 2],
    pub alpha: f64,
}

/// The candidates judged, in candidate order.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    /// Index of the best feasible candidate whose objective is defined; `None` when there is none.
    pub best: Option<usize>,
    pub candidates: Vec<Candidate>,
}

/// The objective's and the constraints' KPIs are KPIs.
pub fn check_kpis(objective: &Objective, constraints: &[Constraint]) -> Result<(), ExperimentError> {
    kpi(&objective.kpi, KpiRole::Objective)?;
    for c in constraints {
        kpi(&c.kpi, KpiRole::Constraint)?;
    }
    Ok(())
}

impl Judging {
    /// Every KPI named is a KPI.
    pub fn check(&self) -> Result<(), ExperimentError> {
        check_kpis(&self.objective, &self.constraints)?;
        for p in &self.pareto {
            kpi(&p.kpi, KpiRole::Pareto)?;
        }
        Ok(())
    }

    /// Judges the candidates `measured` (of the parameters `params`), in their order.
    pub fn judge(&self, params: &[ParamRange], measured: &[Measured]) -> Result<Judged, ExperimentError> {
        self.check()?;
        let objective = kpi(&self.objective.kpi, KpiRole::Objective)?;
        let [pa, pb] = &self.pareto;
        let (ia, ib) = (kpi(&pa.kpi, KpiRole::Pareto)?, kpi(&pb.kpi, KpiRole::Pareto)?);
        let column = |d: &Measured, k: usize| d.kpis.iter().map(|r| r[k]).collect::<Vec<f64>>();
        let mean = |d: &Measured, k: usize| Stat::of(&column(d, k)).mean;
        let constrained = reports::tune::constrained_kpis(&self.constraints);
        let constrained_means: Vec<BTreeMap<String, f64>> = measured
            .iter()
            .map(|d| {
                constrained.iter().map(|k| (k.to_string(), mean(d, crate::kpi_index(k).expect("checked")))).collect()
            })
            .collect();
        let why: Vec<Option<String>> =
            constrained_means.iter().map(|m| reports::tune::why_infeasible(&self.constraints, m)).collect();
        let feasible: Vec<bool> = why.iter().map(Option::is_none).collect();
        // The best is among the feasible candidates whose objective is defined (not a mean of nothing).
        let ok: Vec<usize> =
            (0..measured.len()).filter(|&i| feasible[i] && !mean(&measured[i], objective).is_nan()).collect();
        // The best feasible candidate, and per candidate whether it is tied with it.
        let mut tied = vec![false; measured.len()];
        let best = (!ok.is_empty()).then(|| {
            let values: Vec<Vec<f64>> = ok.iter().map(|&i| column(&measured[i], objective)).collect();
            let (best, against) = compare_with_best(&values, self.objective.direction, self.alpha);
            for (&i, a) in ok.iter().zip(&against) {
                tied[i] = a.tied_with_best;
            }
            ok[best]
        });
        let points: Vec<(f64, f64)> = measured.iter().map(|d| (mean(d, ia), mean(d, ib))).collect();
        let front = pareto_front(&points, (pa.direction, pb.direction));
        let candidates = measured
            .iter()
            .enumerate()
            .zip(constrained_means.into_iter().zip(why))
            .map(|((i, d), (constrained_kpis, why_infeasible))| Candidate {
                params: params.iter().map(|p| p.name.clone()).zip(d.values.iter().copied()).collect(),
                objective: Stat::of(&column(d, objective)),
                feasible: feasible[i],
                tied_with_best: tied[i],
                pareto: front.contains(&i),
                pareto_kpis: points[i],
                constrained_kpis,
                why_infeasible,
            })
            .collect();
        Ok(Judged { best, candidates })
    }
}

/// A search: the scenarios (each with the policy whose parameters are searched as its policy:
/// the first one's is the base of every candidate), the parameters and how candidates are
/// chosen and judged.
#[derive(Clone, Debug)]
pub struct TuneSpec {
    pub scenarios: Vec<Scenario>,
    pub params: Vec<ParamRange>,
    pub search: Search,
    /// Candidates of a random or Latin-hypercube search.
    pub samples: u32,
    pub judging: Judging,
    /// Seed and replications of every candidate on every scenario (two at least).
    pub paired: Paired,
}

/// A checked search, ready to run: its candidates, and the header of its journal.
#[derive(Debug)]
pub struct Tune {
    spec: TuneSpec,
    base: sim::PolicyChoice,
    seed: u64,
    replications: u32,
    pool: rayon::ThreadPool,
    candidates: Vec<Vec<f64>>,
    header: Header,
}

/// A search done: `tune.json`, and what the table and `tune.csv` show beside it.
#[derive(Clone, Debug)]
pub struct Tuned {
    pub result: TuneResult,
    /// The parameters' names, in the order they were given (a candidate's `params` are by name).
    pub params: Vec<String>,
    /// Each candidate's values, in `params` order.
    pub values: Vec<Vec<f64>>,
    /// The policy with the best candidate's values.
    pub best_policy: Option<sim::PolicyChoice>,
}

impl Tune {
    /// Checks the search (KPIs, grid size, replications, every candidate's values) and makes its
    /// candidates.
    pub fn new(spec: TuneSpec) -> Result<Tune, ExperimentError> {
        let first = spec.scenarios.first().ok_or(ExperimentError::NoAlternatives)?;
        let base = first.policy.clone();
        spec.judging.check()?;
        if spec.search == Search::Grid {
            check_grid(&spec.params)?;
        }
        let (seed, replications, pool) = spec.paired.resolve(first, 2)?;
        let candidates = candidates(&spec.params, spec.search, spec.samples, seed);
        for values in &candidates {
            configure(&base, &spec.params, values)?;
        }
        let header = Header {
            scenarios: spec.scenarios.iter().map(|s| format!("{:016x}", s.hash)).collect(),
            policy: serde_json::to_value(&base)?,
            params: spec.params.clone(),
            search: spec.search,
            samples: spec.samples,
            seed,
            replications,
            warmup_h: first.warmup.as_hours(),
        };
        Ok(Tune { spec, base, seed, replications, pool, candidates, header })
    }

    pub fn candidates(&self) -> &[Vec<f64>] {
        &self.candidates
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn replications(&self) -> u32 {
        self.replications
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The search's journal in `dir`, resumed if it holds this search ([`Journal::open`]).
    pub fn open_journal(&self, dir: &Path, force: bool) -> Result<Journal, ExperimentError> {
        Journal::open(dir, &self.header, &self.candidates, force)
    }

    /// Measures the candidates not in `journal` yet (appending each to it as it finishes), then
    /// judges them all.
    pub fn run(&self, journal: &mut Journal, progress: &dyn Progress) -> Result<Tuned, ExperimentError> {
        let (seed, n, scenarios) = (self.seed, self.replications, &self.spec.scenarios);
        let todo: Vec<usize> =
            (0..self.candidates.len()).filter(|i| !journal.done.iter().any(|d| d.candidate == *i)).collect();
        progress.planned(self.candidates.len() as u64);
        progress.resumed(journal.done.len() as u64);
        for i in todo {
            let policy = configure(&self.base, &self.spec.params, &self.candidates[i])?;
            let mut pooled = vec![vec![0.0; KPIS.len()]; n as usize];
            for s in scenarios {
                let mut s = s.clone();
                s.policy = policy.clone();
                let runs = self.pool.install(|| sim::run_replications(&s, seed, n, false, &|| {}))?;
                for (row, r) in pooled.iter_mut().zip(&runs) {
                    for (x, v) in row.iter_mut().zip(&r.kpis.0) {
                        *x += v / scenarios.len() as f64;
                    }
                }
            }
            journal.append(Measured { candidate: i, values: self.candidates[i].clone(), kpis: pooled })?;
            progress.step();
        }
        progress.finish();
        let mut done = journal.done.clone();
        done.sort_by_key(|d| d.candidate);
        let judging = &self.spec.judging;
        let judged = judging.judge(&self.spec.params, &done)?;
        let best_policy = match judged.best {
            Some(b) => Some(configure(&self.base, &self.spec.params, &done[b].values)?),
            None => None,
        };
        let result = TuneResult {
            tool: "dtwin".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            search: serde_json::to_value(&self.header)?,
            objective: judging.objective.clone(),
            constraints: judging.constraints.clone(),
            pareto: judging.pareto.clone(),
            best: judged.best,
            candidates: judged.candidates,
        };
        Ok(Tuned {
            result,
            params: self.spec.params.iter().map(|p| p.name.clone()).collect(),
            values: done.into_iter().map(|d| d.values).collect(),
            best_policy,
        })
    }
}

impl Tuned {
    /// `best-policy.toml`: the best candidate's policy as TOML, with a comment saying where it
    /// came from; `tuned` is the policy file searched (a program's command runs in its folder).
    /// `None` without a best.
    pub fn best_policy_file(&self, tuned: &Path) -> Result<Option<String>, ExperimentError> {
        let (Some(b), Some(policy)) = (self.result.best, &self.best_policy) else { return Ok(None) };
        let body = toml::to_string(policy).map_err(ExperimentError::PolicyToml)?;
        // A program's command runs in the folder of the policy file that names it.
        let place = match policy {
            sim::PolicyChoice::Process(_) => format!(
                "# Its command runs in the folder of the policy file tuned ({}): keep this file there to use it.\n",
                tuned.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).display()
            ),
            _ => String::new(),
        };
        Ok(Some(format!(
            "# Recommended by `dtwin tune` (candidate #{b} of {}, objective {}).\n{place}{body}",
            self.result.candidates.len(),
            self.result.objective
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Counted, tiny};

    fn kpi_index(name: &str) -> usize {
        crate::kpi_index(name).unwrap()
    }

    /// A candidate measured on three replications: its on-time rates, and a cost per order of
    /// `cost` in each.
    fn measured(candidate: usize, on_time: [f64; 3], cost: f64) -> Measured {
        let kpis = on_time
            .iter()
            .map(|&x| {
                let mut row = vec![0.0; KPIS.len()];
                row[kpi_index("on_time_rate")] = x;
                row[kpi_index("cost_total_per_order")] = cost;
                row
            })
            .collect();
        Measured { candidate, values: vec![candidate as f64], kpis }
    }

    fn judging(constraints: &[&str]) -> Judging {
        Judging {
            objective: "on_time_rate".parse().unwrap(),
            constraints: constraints.iter().map(|c| c.parse().unwrap()).collect(),
            pareto: ["on_time_rate".parse().unwrap(), "min:cost_total_per_order".parse().unwrap()],
            alpha: 0.05,
        }
    }

    #[test]
    fn the_best_is_the_best_feasible_candidate_and_the_others_say_why_they_are_not() {
        let params = ["x=0..2".parse::<ParamRange>().unwrap()];
        let cands = [
            measured(0, [0.95, 0.96, 0.97], 30.0), // the most punctual, and too dear
            measured(1, [0.90, 0.91, 0.92], 20.0),
            measured(2, [0.80, 0.81, 0.82], 10.0),
        ];
        let j = judging(&["cost_total_per_order<=25"]).judge(&params, &cands).unwrap();
        assert_eq!(j.best, Some(1));
        let c = &j.candidates;
        assert_eq!(c.iter().map(|c| c.feasible).collect::<Vec<_>>(), [false, true, true]);
        assert_eq!(c[0].why_infeasible.as_deref(), Some("cost_total_per_order 30 > 25"));
        assert_eq!(c.iter().map(|c| c.tied_with_best).collect::<Vec<_>>(), [false, true, false]);
        assert!(c.iter().all(|c| c.pareto), "each is cheaper or more punctual than the others");
        assert_eq!(c[1].constrained_kpis["cost_total_per_order"], 20.0);
        assert_eq!(c[1].params["x"], 1.0);
        assert!((c[1].objective.mean - 0.91).abs() < 1e-12);
        // Without the constraint the most punctual is best; under one none meets, none is.
        assert_eq!(judging(&[]).judge(&params, &cands).unwrap().best, Some(0));
        let none = judging(&["cost_total_per_order<=5"]).judge(&params, &cands).unwrap();
        assert_eq!(none.best, None);
        assert!(none.candidates.iter().all(|c| !c.feasible && !c.tied_with_best));
    }

    fn spec(param: &str) -> TuneSpec {
        let mut scenario = tiny();
        scenario
            .use_policy_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/policies/greedy_edd.toml"))
            .unwrap();
        TuneSpec {
            scenarios: vec![scenario],
            params: vec![param.parse().unwrap()],
            search: Search::Grid,
            samples: 1,
            judging: judging(&["on_time_rate>=0.5"]),
            paired: Paired { seed: Some(3), replications: Some(2), threads: Some(2) },
        }
    }

    #[test]
    fn a_search_measures_each_candidate_on_common_random_numbers_and_resumes_from_its_journal() {
        let dir = tempfile::tempdir().unwrap();
        let tune = Tune::new(spec("min_fill=0.3..0.9:0.6")).unwrap();
        assert_eq!(tune.candidates(), [vec![0.3], vec![0.9]]);
        let mut journal = tune.open_journal(dir.path(), false).unwrap();
        let progress = Counted::default();
        let first = tune.run(&mut journal, &progress).unwrap();
        assert_eq!(progress.counts(), (2, 2, 1));
        // Candidate 1 is the policy with min_fill 0.9 on replications 0 and 1 of seed 3.
        let mut s = tune.spec.scenarios[0].clone();
        s.policy.set_param("min_fill", 0.9).unwrap();
        let runs = sim::run_replications(&s, 3, 2, false, &|| {}).unwrap();
        let on_time: Vec<f64> = crate::values(&runs, kpi_index("on_time_rate"));
        assert_eq!(first.result.candidates[1].objective, Stat::of(&on_time));
        assert_eq!(first.values, [vec![0.3], vec![0.9]]);
        let best = first.best_policy_file(Path::new("p/greedy_edd.toml")).unwrap().unwrap();
        assert!(best.starts_with("# Recommended by `dtwin tune` (candidate #"), "{best}");
        drop(journal);

        // Again: nothing left to measure, the same result.
        let mut journal = tune.open_journal(dir.path(), false).unwrap();
        assert_eq!((journal.done.len(), journal.torn), (2, false));
        let progress = Counted::default();
        let again = tune.run(&mut journal, &progress).unwrap();
        assert_eq!(progress.counts(), (2, 0, 1));
        assert_eq!(again.result, first.result);

        // Another search's journal is kept, unless forced.
        let other = Tune::new(spec("min_fill=0.3..0.9:0.3")).unwrap();
        let e = other.open_journal(dir.path(), false).unwrap_err();
        assert!(matches!(e, ExperimentError::OtherSearch { .. }) && e.is_bad_input(), "{e}");
        assert!(other.open_journal(dir.path(), true).unwrap().done.is_empty());
    }

    #[test]
    fn a_search_is_checked_before_it_runs() {
        let e = Tune::new(spec("bogus=0..1")).unwrap_err();
        assert!(e.to_string().starts_with("--param: unknown parameter \"bogus\""), "{e}");
        let e = Tune::new(spec("min_fill=0..1:0.000001")).unwrap_err();
        assert!(matches!(e, ExperimentError::GridTooLarge { .. }), "{e}");
        let mut one = spec("min_fill=0..1");
        one.paired.replications = Some(1);
        assert!(matches!(Tune::new(one).unwrap_err(), ExperimentError::TooFewReplications { n: 1, min: 2 }));
        let mut bad = spec("min_fill=0..1");
        bad.judging.constraints = vec!["bogus>=1".parse().unwrap()];
        assert_eq!(Tune::new(bad).unwrap_err().to_string(), "unknown KPI \"bogus\" in --constraint");
    }
}
