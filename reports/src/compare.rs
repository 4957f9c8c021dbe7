//! Comparing alternatives run on common random numbers: which is best on an objective, which are
//! statistically indistinguishable from it, and which are Pareto-optimal on two KPIs.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::Stat;

/// Whether more or less of a KPI is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Max,
    Min,
}

impl Direction {
    /// Which way `kpi` is better, from its definition (`sim::KPIS`); `None` for neutral KPIs
    /// (work done, use of resources, ratios to deliveries) and unknown names.
    pub fn of(kpi: &str) -> Option<Direction> {
        match sim::kpi_def(kpi)?.better {
            sim::Better::Higher => Some(Direction::Max),
            sim::Better::Lower => Some(Direction::Min),
            sim::Better::Neutral => None,
        }
    }

    /// `x` better than `y`?
    pub fn better(self, x: f64, y: f64) -> bool {
        match self {
            Direction::Max => x > y,
            Direction::Min => x < y,
        }
    }

    /// How much better `x` is than `y` (negative when worse).
    pub fn gain(self, x: f64, y: f64) -> f64 {
        match self {
            Direction::Max => x - y,
            Direction::Min => y - x,
        }
    }
}

/// A KPI to optimise: `on_time_rate`, `max:on_time_rate` or `min:cost_per_order`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    pub kpi: String,
    pub direction: Direction,
}

/// Why an objective is refused: write it `KPI`, `max:KPI` or `min:KPI`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectiveError {
    /// A direction other than `max` or `min` before the `:` of `text`.
    #[error("{text:?}: direction {direction:?} is neither max nor min")]
    Direction { text: String, direction: String },
    /// Nothing after the direction.
    #[error("{text:?}: no KPI named")]
    NoKpi { text: String },
    /// A bare KPI with no usual direction (or one that is not a KPI): say `max:` or `min:`.
    #[error("{kpi:?} is better neither higher nor lower (`dtwin kpis`): write max:{kpi} or min:{kpi}")]
    NoDirection { kpi: String },
}

impl std::str::FromStr for Objective {
    type Err = ObjectiveError;
    fn from_str(s: &str) -> Result<Self, ObjectiveError> {
        let (direction, kpi) = match s.split_once(':') {
            Some(("max", k)) => (Some(Direction::Max), k),
            Some(("min", k)) => (Some(Direction::Min), k),
            Some((d, _)) => {
                return Err(ObjectiveError::Direction { text: s.to_string(), direction: d.to_string() });
            }
            None => (None, s),
        };
        if kpi.is_empty() {
            return Err(ObjectiveError::NoKpi { text: s.to_string() });
        }
        let direction = direction
            .or_else(|| Direction::of(kpi))
            .ok_or_else(|| ObjectiveError::NoDirection { kpi: kpi.to_string() })?;
        Ok(Objective { kpi: kpi.to_string(), direction })
    }
}

impl std::fmt::Display for Objective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = if self.direction == Direction::Max { "max" } else { "min" };
        write!(f, "{d}:{}", self.kpi)
    }
}

/// One alternative against the best, on paired replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgainstBest {
    /// Undefined (NaN, `null`) when the KPI is undefined in every replication.
    #[serde(deserialize_with = "crate::nullable")]
    pub mean: f64,
    /// How much worse than the best on average (0 for the best itself), in the KPI's unit.
    #[serde(deserialize_with = "crate::nullable")]
    pub shortfall: f64,
    /// Bonferroni-adjusted confidence interval of the shortfall; `None` for the best.
    pub shortfall_low: Option<f64>,
    pub shortfall_high: Option<f64>,
    /// The best itself, or its interval includes zero: not shown worse than the best.
    pub tied_with_best: bool,
}

/// Multiple comparisons with the best, Bonferroni-adjusted (Hsu 1996, ch. 4; Nelson and
/// Matejcik 1995): the alternative with the best mean is the observed best; each other one's
/// paired shortfall against it gets a two-sided t interval at level 1 - alpha / (k - 1), and an
/// alternative whose interval includes zero is statistically indistinguishable from the best.
/// `values[a][r]` is alternative `a` on replication `r` (the same random numbers for every `a`).
/// Returns the index of the best and one entry per alternative.
pub fn compare_with_best(values: &[Vec<f64>], direction: Direction, alpha: f64) -> (usize, Vec<AgainstBest>) {
    assert!(!values.is_empty(), "nothing to compare");
    let means: Vec<f64> = values.iter().map(|v| Stat::of(v).mean).collect();
    // An alternative whose KPI is undefined in every replication (NaN) is never the best.
    let best =
        (0..values.len()).fold(0, |b, a| if means[b].is_nan() || direction.better(means[a], means[b]) { a } else { b });
    let others = (values.len() - 1).max(1) as f64;
    let entries = values
        .iter()
        .enumerate()
        .map(|(a, v)| {
            if a == best {
                return AgainstBest {
                    mean: means[a],
                    shortfall: 0.0,
                    shortfall_low: None,
                    shortfall_high: None,
                    tied_with_best: true,
                };
            }
            let d: Vec<f64> = values[best].iter().zip(v).map(|(b, x)| direction.gain(*b, *x)).collect();
            // Pairs in which either is undefined are left out.
            let s = Stat::of(&d);
            let pairs = d.len() - s.undefined as usize;
            let n = pairs as f64;
            let half = (pairs > 1).then(|| t_quantile(1.0 - alpha / 2.0 / others, n - 1.0) * s.sd / n.sqrt());
            let (low, high) = (half.map(|h| s.mean - h), half.map(|h| s.mean + h));
            AgainstBest {
                mean: means[a],
                shortfall: s.mean,
                shortfall_low: low,
                shortfall_high: high,
                tied_with_best: s.defined() && low.is_none_or(|l| l <= 0.0),
            }
        })
        .collect();
    (best, entries)
}

fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).expect("df > 0").inverse_cdf(p)
}

/// Indices of the points no other point dominates (at least as good on both, better on one).
pub fn pareto_front(points: &[(f64, f64)], directions: (Direction, Direction)) -> Vec<usize> {
    let no_worse = |d: Direction, x: f64, y: f64| !d.better(y, x);
    let dominates = |p: (f64, f64), q: (f64, f64)| {
        no_worse(directions.0, p.0, q.0)
            && no_worse(directions.1, p.1, q.1)
            && (directions.0.better(p.0, q.0) || directions.1.better(p.1, q.1))
    };
    // A point with an undefined coordinate (NaN) is on no front.
    let defined = |p: &(f64, f64)| !p.0.is_nan() && !p.1.is_nan();
    (0..points.len())
        .filter(|&i| defined(&points[i]) && !points.iter().filter(|q| defined(q)).any(|&q| dominates(q, points[i])))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_parse_with_or_without_a_direction() {
        let o: Objective = "on_time_rate".parse().unwrap();
        assert_eq!(o.direction, Direction::Max);
        let o: Objective = "min:on_time_rate".parse().unwrap();
        assert_eq!((o.kpi.as_str(), o.direction), ("on_time_rate", Direction::Min));
        assert_eq!("lateness_min_mean".parse::<Objective>().unwrap().direction, Direction::Min);
        // More lead time to act on an ETA risk is better.
        assert_eq!("eta_risk_lead_min_mean".parse::<Objective>().unwrap().direction, Direction::Max);
        // A cost per delivered order falls when orders are left undelivered: say which way.
        let neutral = "cost_per_order".parse::<Objective>().unwrap_err().to_string();
        assert!(neutral.contains("min:cost_per_order"), "{neutral}");
        assert_eq!("min:cost_per_order".parse::<Objective>().unwrap().direction, Direction::Min);
        assert_eq!(
            "best:x".parse::<Objective>().unwrap_err().to_string(),
            "\"best:x\": direction \"best\" is neither max nor min"
        );
        assert_eq!("max:".parse::<Objective>().unwrap_err(), ObjectiveError::NoKpi { text: "max:".into() });
        assert_eq!("max:".parse::<Objective>().unwrap_err().to_string(), "\"max:\": no KPI named");
    }

    #[test]
    fn a_clearly_worse_alternative_is_not_tied_and_a_noisy_one_is() {
        let best = vec![10.0, 11.0, 12.0, 13.0, 14.0];
        let worse = best.iter().map(|x| x - 2.0 + 0.01 * x).collect::<Vec<_>>();
        let noisy = vec![9.0, 12.5, 11.0, 14.5, 13.0];
        let (b, r) = compare_with_best(&[worse, best.clone(), noisy], Direction::Max, 0.05);
        assert_eq!(b, 1);
        assert!(!r[0].tied_with_best && r[0].shortfall > 1.8);
        assert!(r[1].tied_with_best && r[1].shortfall == 0.0);
        assert!(r[2].tied_with_best, "{:?}", r[2]);
        // Minimising flips which is best.
        let (b, _) = compare_with_best(&[vec![1.0, 2.0], vec![3.0, 4.0]], Direction::Min, 0.05);
        assert_eq!(b, 0);
    }

    #[test]
    fn bonferroni_widens_the_intervals_with_more_alternatives() {
        let best = vec![10.0, 12.0, 11.0, 13.0];
        let other = vec![9.5, 11.0, 10.8, 12.1];
        let (_, two) = compare_with_best(&[best.clone(), other.clone()], Direction::Max, 0.05);
        let (_, four) = compare_with_best(&[best, other.clone(), other.clone(), other], Direction::Max, 0.05);
        let width = |a: &AgainstBest| a.shortfall_high.unwrap() - a.shortfall_low.unwrap();
        assert!(width(&four[1]) > width(&two[1]));
    }

    #[test]
    fn the_pareto_front_keeps_only_undominated_points() {
        // (cost, on-time): less cost, more on-time is better.
        let points = [(10.0, 0.9), (8.0, 0.85), (12.0, 0.88), (8.0, 0.80), (7.0, 0.70)];
        let front = pareto_front(&points, (Direction::Min, Direction::Max));
        assert_eq!(front, vec![0, 1, 4]);
    }
}
