//! Distributions for everything that varies in reality: durations, sizes, values, noise.
//!
//! In a scenario a distribution is an inline table tagged by `dist`:
//! `{ dist = "lognormal", mean = 12.0, cv = 0.5, max = 40.0 }`. The unbounded ones take an
//! optional `max` at which samples are capped; a finite bound lets the engine give hard
//! guarantees (drivers back within their overtime, see `docs/scenario.md`).

use rand_distr::{Distribution, Exp, LogNormal, Normal, Triangular, Uniform};
use serde::Deserialize;

use crate::kernel::rng::Rng;

/// A distribution exactly as written in a scenario file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum DistSpec {
    Fixed {
        value: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Exponential {
        mean: f64,
        max: Option<f64>,
    },
    /// Parameterised by its mean and coefficient of variation (sd / mean).
    Lognormal {
        mean: f64,
        cv: f64,
        max: Option<f64>,
    },
    /// Truncated below at zero.
    Normal {
        mean: f64,
        sd: f64,
        max: Option<f64>,
    },
}

/// A validated distribution, ready to sample. Samples are never negative.
#[derive(Clone, Debug)]
pub struct Dist {
    kind: Kind,
    mean: f64,
    max: f64,
}

#[derive(Clone, Debug)]
enum Kind {
    Fixed(f64),
    Uniform(Uniform<f64>),
    Triangular(Triangular<f64>),
    Exp(Exp<f64>),
    LogNormal(LogNormal<f64>),
    Normal(Normal<f64>),
}

/// Why a distribution's parameters are refused; the message names the parameter, to be fixed in
/// the scenario field the error is reported at.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DistError {
    /// A parameter that must be a finite number >= 0.
    #[error("`{name}` must be a finite number >= 0, got {value}")]
    Negative { name: &'static str, value: f64 },
    /// A uniform distribution's `max` below its `min`.
    #[error("`max` ({max}) must be >= `min` ({min})")]
    MaxBelowMin { min: f64, max: f64 },
    /// A triangular distribution's parameters out of order (or an infinite `max`).
    #[error("need min <= mode <= max, got {min}, {mode}, {max}")]
    Triangular { min: f64, mode: f64, max: f64 },
    /// A mean that must be positive (exponential, lognormal).
    #[error("`mean` must be > 0, got {mean}")]
    MeanNotPositive { mean: f64 },
    /// A cap (`max`) below the mean, or not finite.
    #[error("`max` must be >= the mean ({mean}), got {max}")]
    MaxBelowMean { mean: f64, max: f64 },
    /// Parameters the sampling library refused (`message` is its reason).
    #[error("invalid parameters: {message}")]
    Rejected { message: String },
}

impl Dist {
    pub fn fixed(value: f64) -> Dist {
        Dist { kind: Kind::Fixed(value), mean: value, max: value }
    }

    /// Validates parameters; the error says which one is wrong.
    pub fn new(spec: &DistSpec) -> Result<Dist, DistError> {
        fn non_neg(name: &'static str, v: f64) -> Result<f64, DistError> {
            if v.is_finite() && v >= 0.0 { Ok(v) } else { Err(DistError::Negative { name, value: v }) }
        }
        fn cap(max: Option<f64>, mean: f64) -> Result<f64, DistError> {
            match max {
                None => Ok(f64::INFINITY),
                Some(m) if m.is_finite() && m >= mean => Ok(m),
                Some(m) => Err(DistError::MaxBelowMean { mean, max: m }),
            }
        }
        let bad = |e: &dyn std::fmt::Display| DistError::Rejected { message: e.to_string() };
        Ok(match *spec {
            DistSpec::Fixed { value } => Dist::fixed(non_neg("value", value)?),
            DistSpec::Uniform { min, max } => {
                non_neg("min", min)?;
                non_neg("max", max)?;
                if max < min {
                    return Err(DistError::MaxBelowMin { min, max });
                }
                if max == min {
                    return Ok(Dist::fixed(min));
                }
                Dist { kind: Kind::Uniform(Uniform::new(min, max).map_err(|e| bad(&e))?), mean: (min + max) / 2.0, max }
            }
            DistSpec::Triangular { min, mode, max } => {
                non_neg("min", min)?;
                if !(min <= mode && mode <= max) || max.is_infinite() {
                    return Err(DistError::Triangular { min, mode, max });
                }
                if max == min {
                    return Ok(Dist::fixed(min));
                }
                let t = Triangular::new(min, max, mode).map_err(|e| bad(&e))?;
                Dist { kind: Kind::Triangular(t), mean: (min + mode + max) / 3.0, max }
            }
            DistSpec::Exponential { mean, max } => {
                if !(mean.is_finite() && mean > 0.0) {
                    return Err(DistError::MeanNotPositive { mean });
                }
                Dist { kind: Kind::Exp(Exp::new(1.0 / mean).map_err(|e| bad(&e))?), mean, max: cap(max, mean)? }
            }
            DistSpec::Lognormal { mean, cv, max } => {
                if !(mean.is_finite() && mean > 0.0) {
                    return Err(DistError::MeanNotPositive { mean });
                }
                non_neg("cv", cv)?;
                let sigma2 = (1.0 + cv * cv).ln();
                let ln = LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt()).map_err(|e| bad(&e))?;
                Dist { kind: Kind::LogNormal(ln), mean, max: cap(max, mean)? }
            }
            DistSpec::Normal { mean, sd, max } => {
                non_neg("mean", mean)?;
                non_neg("sd", sd)?;
                Dist { kind: Kind::Normal(Normal::new(mean, sd).map_err(|e| bad(&e))?), mean, max: cap(max, mean)? }
            }
        })
    }

    pub fn sample(&self, rng: &mut Rng) -> f64 {
        let x = match &self.kind {
            Kind::Fixed(v) => return *v,
            Kind::Uniform(d) => d.sample(rng),
            Kind::Triangular(d) => d.sample(rng),
            Kind::Exp(d) => d.sample(rng),
            Kind::LogNormal(d) => d.sample(rng),
            Kind::Normal(d) => d.sample(rng),
        };
        x.clamp(0.0, self.max)
    }

    /// The mean of the distribution as specified (before capping at `max`).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The largest value a sample can take, if finite.
    pub fn upper_bound(&self) -> Option<f64> {
        self.max.is_finite().then_some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn sample_mean(spec: DistSpec) -> (f64, f64) {
        let d = Dist::new(&spec).unwrap();
        let mut rng = Rng::seed_from_u64(7);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let max = xs.iter().cloned().fold(0.0, f64::max);
        (mean, max)
    }

    #[test]
    fn means_match_parameters() {
        for (spec, want) in [
            (DistSpec::Fixed { value: 3.0 }, 3.0),
            (DistSpec::Uniform { min: 2.0, max: 4.0 }, 3.0),
            (DistSpec::Triangular { min: 1.0, mode: 2.0, max: 6.0 }, 3.0),
            (DistSpec::Exponential { mean: 3.0, max: None }, 3.0),
            (DistSpec::Lognormal { mean: 3.0, cv: 0.5, max: None }, 3.0),
            (DistSpec::Normal { mean: 30.0, sd: 3.0, max: None }, 30.0),
        ] {
            let (mean, _) = sample_mean(spec.clone());
            assert!((mean - want).abs() < 0.02 * want, "{spec:?}: {mean}");
        }
    }

    #[test]
    fn max_caps_samples() {
        let (_, max) = sample_mean(DistSpec::Exponential { mean: 1.0, max: Some(2.5) });
        assert_eq!(max, 2.5);
        assert_eq!(Dist::new(&DistSpec::Exponential { mean: 1.0, max: Some(2.5) }).unwrap().upper_bound(), Some(2.5));
        assert_eq!(Dist::new(&DistSpec::Exponential { mean: 1.0, max: None }).unwrap().upper_bound(), None);
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = Dist::new(&DistSpec::Exponential { mean: -1.0, max: None }).unwrap_err();
        assert_eq!(err.to_string(), "`mean` must be > 0, got -1");
        let err = Dist::new(&DistSpec::Uniform { min: 2.0, max: 1.0 }).unwrap_err();
        assert_eq!(err.to_string(), "`max` (1) must be >= `min` (2)");
        let err = Dist::new(&DistSpec::Normal { mean: 1.0, sd: -0.5, max: None }).unwrap_err();
        assert_eq!(err, DistError::Negative { name: "sd", value: -0.5 });
        assert_eq!(err.to_string(), "`sd` must be a finite number >= 0, got -0.5");
        let err = Dist::new(&DistSpec::Triangular { min: 3.0, mode: 1.0, max: 2.0 }).unwrap_err();
        assert_eq!(err.to_string(), "need min <= mode <= max, got 3, 1, 2");
        let err = Dist::new(&DistSpec::Lognormal { mean: 1.0, cv: 0.2, max: Some(0.5) }).unwrap_err();
        assert_eq!(err.to_string(), "`max` must be >= the mean (1), got 0.5");
    }
}
