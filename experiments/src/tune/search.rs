//! The candidates of a search: parameter ranges, and the grid, random or Latin-hypercube points
//! in them.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::ExperimentError;

/// The most candidates a search may have, whatever the search: a grid's product of levels, or
/// the samples.
pub const MAX_CANDIDATES: u64 = 100_000;

/// How candidates are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Search {
    /// Every grid point: LOW, LOW + STEP, ... <= HIGH per parameter (5 levels without a step).
    Grid,
    /// Points drawn uniformly in the ranges.
    Random,
    /// A Latin hypercube: each parameter's range cut into as many strata as samples, each used once.
    Lhs,
}

/// A parameter and its range, `NAME=LOW..HIGH` or `NAME=LOW..HIGH:STEP`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamRange {
    pub name: String,
    pub low: f64,
    pub high: f64,
    pub step: Option<f64>,
}

/// Why a parameter range is refused: write it `NAME=LOW..HIGH` or `NAME=LOW..HIGH:STEP`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamRangeError {
    /// `text` is not of the form, or a bound or step is not a number.
    #[error("{text:?}: expected NAME=LOW..HIGH or NAME=LOW..HIGH:STEP")]
    Syntax { text: String },
    /// An empty name, an infinite bound, LOW above HIGH, or a STEP not above 0.
    #[error("{text:?}: needs a name, finite LOW <= HIGH and STEP > 0")]
    Invalid { text: String },
}

impl std::str::FromStr for ParamRange {
    type Err = ParamRangeError;
    fn from_str(s: &str) -> Result<Self, ParamRangeError> {
        let bad = || ParamRangeError::Syntax { text: s.to_string() };
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
            return Err(ParamRangeError::Invalid { text: s.to_string() });
        }
        Ok(ParamRange { name: name.trim().to_string(), low, high, step })
    }
}

/// How many values a grid search tries for `p`: LOW, LOW+STEP, ... <= HIGH (5 without STEP). A
/// float, as it may be beyond any integer (or not a number for a range too wide for floats).
fn grid_levels(p: &ParamRange) -> f64 {
    let step = p.step.unwrap_or((p.high - p.low) / 4.0);
    if step <= 0.0 { 1.0 } else { ((p.high - p.low) / step + 1e-9).floor() + 1.0 }
}

/// Refuses a grid of more than [`MAX_CANDIDATES`] points before any is made.
pub fn check_grid(params: &[ParamRange]) -> Result<(), ExperimentError> {
    let levels: Vec<f64> = params.iter().map(grid_levels).collect();
    if levels.iter().product::<f64>() <= MAX_CANDIDATES as f64 {
        return Ok(());
    }
    Err(ExperimentError::GridTooLarge { levels, max: MAX_CANDIDATES })
}

/// The candidates: a value per parameter each (a grid checked by [`check_grid`]; `samples` for
/// the others, drawn from `seed`).
pub fn candidates(params: &[ParamRange], search: Search, samples: u32, seed: u64) -> Vec<Vec<f64>> {
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
pub fn configure(
    base: &sim::PolicyChoice,
    params: &[ParamRange],
    values: &[f64],
) -> Result<sim::PolicyChoice, ExperimentError> {
    let mut policy = base.clone();
    for (p, v) in params.iter().zip(values) {
        policy.set_param(&p.name, *v).map_err(ExperimentError::Param)?;
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reports::tune::Constraint;

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
        assert_eq!(
            "x=1..0".parse::<ParamRange>().unwrap_err().to_string(),
            "\"x=1..0\": needs a name, finite LOW <= HIGH and STEP > 0"
        );
        assert_eq!("x=a..1".parse::<ParamRange>().unwrap_err(), ParamRangeError::Syntax { text: "x=a..1".into() });
        let c: Constraint = "on_time_rate>=0.9".parse().unwrap();
        assert!(c.holds(0.9) && !c.holds(0.89));
        assert_eq!(
            "on_time_rate=0.9".parse::<Constraint>().unwrap_err().to_string(),
            "\"on_time_rate=0.9\": expected KPI>=X or KPI<=X"
        );
        assert_eq!(
            "on_time_rate>=x".parse::<Constraint>().unwrap_err().to_string(),
            "\"on_time_rate>=x\": \"x\" is not a number"
        );
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

    #[test]
    fn a_grid_too_large_is_refused_with_its_size() {
        assert!(check_grid(&[p("a=0..1:0.001"), p("b=0..1:0.1")]).is_ok());
        let e = check_grid(&[p("a=0..1:0.001"), p("b=0..1:0.01")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--param: the grid has 101101 candidates (1001 x 101), at most 100000: take a larger STEP, or --search random or lhs with --samples"
        );
    }
}
