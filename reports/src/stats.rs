//! Statistics across replications: one KPI's [`Stat`], the [`PairedDiff`] of two alternatives on
//! common random numbers, and the [`Timeline`] bands through the day. Undefined values (NaN) are
//! left out, and read from files as `null` ([`nullable`]).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// `null` in a file reads as NaN: an undefined value (a KPI undefined in every replication).
/// NaN is written as `null` by serde_json.
pub fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// [`nullable`] for a pair of numbers.
pub fn nullable_pair<'de, D: serde::Deserializer<'de>>(d: D) -> Result<(f64, f64), D::Error> {
    let (a, b) = <(Option<f64>, Option<f64>)>::deserialize(d)?;
    Ok((a.unwrap_or(f64::NAN), b.unwrap_or(f64::NAN)))
}

/// [`nullable`] for rows of numbers (per replication, per KPI).
pub fn nullable_rows<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
    let rows = Vec::<Vec<Option<f64>>>::deserialize(d)?;
    Ok(rows.into_iter().map(|r| r.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()).collect())
}

/// One KPI across replications. Replications in which the KPI is undefined (NaN: a share or a
/// mean of nothing) are left out; when it is undefined in all, every statistic is (NaN, written
/// as `null`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    #[serde(deserialize_with = "nullable")]
    pub mean: f64,
    /// Sample standard deviation (n - 1).
    #[serde(deserialize_with = "nullable")]
    pub sd: f64,
    /// Half-width of the Student-t 95% confidence interval of the mean; null with one replication.
    pub ci95_half_width: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    pub p5: f64,
    /// Quartiles (absent in files written before version 0.1 had box plots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p25: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    pub p50: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p75: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    pub p95: f64,
    #[serde(deserialize_with = "nullable")]
    pub min: f64,
    #[serde(deserialize_with = "nullable")]
    pub max: f64,
    /// Replications in which the KPI was undefined, and left out (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub undefined: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Percentile `q` in [0, 1] of sorted values, linear interpolation between order statistics.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "percentile of nothing");
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).expect("df > 0").inverse_cdf(0.975)
}

impl Stat {
    /// Summarises `values` (at least one), leaving out the undefined ones (NaN).
    pub fn of(all: &[f64]) -> Stat {
        assert!(!all.is_empty(), "no values");
        let values: Vec<f64> = all.iter().copied().filter(|v| !v.is_nan()).collect();
        let undefined = (all.len() - values.len()) as u32;
        let n = values.len();
        if n == 0 {
            let none = f64::NAN;
            return Stat {
                mean: none,
                sd: none,
                ci95_half_width: None,
                ci95_low: None,
                ci95_high: None,
                p5: none,
                p25: None,
                p50: none,
                p75: None,
                p95: none,
                min: none,
                max: none,
                undefined,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd =
            if n > 1 { (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
        let half = (n > 1).then(|| t_975((n - 1) as f64) * sd / (n as f64).sqrt());
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Stat {
            mean,
            sd,
            ci95_half_width: half,
            ci95_low: half.map(|h| mean - h),
            ci95_high: half.map(|h| mean + h),
            p5: percentile(&sorted, 0.05),
            p25: Some(percentile(&sorted, 0.25)),
            p50: percentile(&sorted, 0.5),
            p75: Some(percentile(&sorted, 0.75)),
            p95: percentile(&sorted, 0.95),
            min: sorted[0],
            max: sorted[n - 1],
            undefined,
        }
    }

    /// Whether the KPI was defined in at least one replication.
    pub fn defined(&self) -> bool {
        !self.mean.is_nan()
    }
}

/// The difference `b - a` of paired samples (replication i of `a` with replication i of `b`, which
/// share their random streams: common random numbers), with its Student-t 95% confidence interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedDiff {
    /// Undefined (NaN, `null`) when no pair has both values defined.
    #[serde(deserialize_with = "nullable")]
    pub mean: f64,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// The interval excludes zero.
    pub significant: bool,
}

impl PairedDiff {
    /// `a` and `b` must have the same length (at least one). Pairs in which either is undefined
    /// (NaN) are left out; with none left, the difference is undefined too.
    pub fn of(a: &[f64], b: &[f64]) -> PairedDiff {
        assert_eq!(a.len(), b.len(), "paired samples");
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
        let s = Stat::of(&d);
        let significant = match (s.ci95_low, s.ci95_high) {
            (Some(lo), Some(hi)) => lo > 0.0 || hi < 0.0,
            _ => false,
        };
        PairedDiff { mean: s.mean, ci95_low: s.ci95_low, ci95_high: s.ci95_high, significant }
    }
}

/// Quantities through the day across replications: sample `i` is each replication's time
/// average over `[i step_min, (i + 1) step_min)` minutes; per sample, the mean over replications
/// and the 10th and 90th percentiles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub step_min: f64,
    pub series: Vec<Series>,
    /// When the disruptions were under way: per disruption, the share of each interval (averaged
    /// over the replications), on the same steps as the series.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disruptions: Vec<UnderWay>,
}

/// A disruption through the day: `share[i]` of interval `i` it was under way (0 to 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnderWay {
    pub name: String,
    pub share: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub mean: Vec<f64>,
    pub p10: Vec<f64>,
    pub p90: Vec<f64>,
}

impl Timeline {
    /// From each replication's samples (`runs[r][i][k]`: replication r, sample i, quantity k);
    /// every replication must have the same number of samples.
    pub fn of<const N: usize>(step_min: f64, names: [&str; N], runs: &[&[[f64; N]]]) -> Timeline {
        let samples = runs.first().map_or(0, |r| r.len());
        assert!(runs.iter().all(|r| r.len() == samples), "replications sampled alike");
        let series = names
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let mut s = Series { name: name.to_string(), mean: vec![], p10: vec![], p90: vec![] };
                for i in 0..samples {
                    let mut at: Vec<f64> = runs.iter().map(|r| r[i][k]).collect();
                    at.sort_by(f64::total_cmp);
                    s.mean.push(at.iter().sum::<f64>() / at.len() as f64);
                    s.p10.push(percentile(&at, 0.1));
                    s.p90.push(percentile(&at, 0.9));
                }
                s
            })
            .collect();
        Timeline { step_min, series, disruptions: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_matches_hand_computation() {
        let s = Stat::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(s.mean, 3.0);
        assert!((s.sd - 2.5f64.sqrt()).abs() < 1e-12);
        // t(0.975, 4) = 2.776445
        assert!((s.ci95_half_width.unwrap() - 2.776445 * 2.5f64.sqrt() / 5f64.sqrt()).abs() < 1e-5);
        assert_eq!((s.p5, s.p50, s.p95, s.min, s.max), (1.2, 3.0, 4.8, 1.0, 5.0));
    }

    #[test]
    fn paired_differences_use_the_pairs() {
        // Large spread across replications, constant shift within pairs: clearly significant.
        let a = [10.0, 50.0, 90.0, 30.0];
        let b = [11.0, 51.2, 90.8, 31.0];
        let d = PairedDiff::of(&a, &b);
        assert!((d.mean - 1.0).abs() < 1e-12 && d.significant, "{d:?}");
        let same = PairedDiff::of(&a, &a);
        assert_eq!((same.mean, same.significant), (0.0, false));
    }

    #[test]
    fn timeline_bands_are_across_replications_at_each_time() {
        let t = Timeline::of(15.0, ["a", "b"], &[&[[0.0, 1.0], [4.0, 1.0]], &[[0.0, 3.0], [8.0, 1.0]]]);
        assert_eq!(t.series[0].mean, [0.0, 6.0]);
        assert_eq!(t.series[1].mean, [2.0, 1.0]);
        assert_eq!((t.series[0].p10[1], t.series[0].p90[1]), (4.4, 7.6));
    }

    #[test]
    fn one_replication_has_no_interval() {
        let s = Stat::of(&[7.0]);
        assert_eq!((s.mean, s.ci95_half_width, s.p95), (7.0, None, 7.0));
    }

    #[test]
    fn t_quantile_approaches_normal() {
        assert!((t_975(30.0) - 2.042272).abs() < 1e-5);
        // statrs inverts the CDF numerically: good to about 1e-4 for huge df.
        assert!((t_975(1e6) - 1.959964).abs() < 5e-4);
        assert!((t_975(9.0) - 2.262157).abs() < 1e-5);
    }
}
