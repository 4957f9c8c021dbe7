//! Named, typed, bounded parameters of policies: listed in catalogues ([`crate::CATALOG`]), checked
//! when a configuration is read, and set by name by threshold sweeps.

/// The shortest time between decision epochs (`epoch_min`), minutes: six seconds. Shorter ones
/// make a simulated day take hours without changing any decision.
pub const MIN_EPOCH_MIN: f64 = 0.1;
/// The shortest time between ETA checks (`eta_check_min`), minutes.
pub const MIN_ETA_CHECK_MIN: f64 = 1.0;

/// What values a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Real,
    Integer,
    /// 0 is false, 1 is true.
    Bool,
}

/// A tunable parameter and its documented range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    pub min: f64,
    pub max: f64,
    /// Whether `min` itself is excluded.
    pub min_exclusive: bool,
    pub default: f64,
    pub doc: &'static str,
}

impl Param {
    pub const fn real(name: &'static str, min: f64, max: f64, default: f64, doc: &'static str) -> Param {
        Param { name, kind: ParamKind::Real, min, max, min_exclusive: false, default, doc }
    }
    pub const fn integer(name: &'static str, min: f64, max: f64, default: f64, doc: &'static str) -> Param {
        Param { name, kind: ParamKind::Integer, min, max, min_exclusive: false, default, doc }
    }
    pub const fn boolean(name: &'static str, default: bool, doc: &'static str) -> Param {
        let default = if default { 1.0 } else { 0.0 };
        Param { name, kind: ParamKind::Bool, min: 0.0, max: 1.0, min_exclusive: false, default, doc }
    }
    pub const fn above(mut self) -> Param {
        self.min_exclusive = true;
        self
    }

    /// The range as written in the docs: `[0, 1]`, `(0, 1440]`, `{false, true}`.
    pub fn range(&self) -> String {
        match self.kind {
            ParamKind::Bool => "{false, true}".into(),
            _ => {
                let open = if self.min_exclusive { '(' } else { '[' };
                let max = if self.max.is_infinite() { "inf".to_string() } else { self.max.to_string() };
                format!("{open}{}, {max}]", self.min)
            }
        }
    }

    /// Checks `value` against the range and kind; the error names the parameter.
    pub fn check(&self, value: f64) -> Result<(), ParamError> {
        let in_range = if self.min_exclusive { value > self.min } else { value >= self.min } && value <= self.max;
        let right_kind = match self.kind {
            ParamKind::Real => value.is_finite(),
            ParamKind::Integer => value.fract() == 0.0,
            ParamKind::Bool => value == 0.0 || value == 1.0,
        };
        if in_range && right_kind {
            Ok(())
        } else {
            Err(ParamError::OutOfRange { name: self.name.to_string(), range: self.range(), value })
        }
    }
}

/// Why a policy parameter could not be set, or a configuration's parameter is refused. The
/// messages name the parameter; `dtwin policies` lists every parameter and its range.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ParamError {
    /// No parameter of that name: use one of `known`. `hint`, when there is one, is what the
    /// policy adds to the message (starting with `; `).
    Unknown { name: String, known: Vec<String>, hint: Option<&'static str> },
    /// A value out of the parameter's documented range (or not of its kind: a fraction for an
    /// integer, anything but 0 or 1 for a boolean): choose one in `range`.
    OutOfRange { name: String, range: String, value: f64 },
    /// A parameter that takes any finite number was given infinity or NaN.
    NotFinite { name: String, value: f64 },
    /// The policy has no parameters to set (`plan_replay`): set none, or choose another policy.
    NotSettable { policy: &'static str, name: String },
}

impl ParamError {
    /// The parameter the error is about, when the value was refused (not for an unknown name).
    pub fn param(&self) -> Option<&str> {
        match self {
            ParamError::OutOfRange { name, .. } | ParamError::NotFinite { name, .. } => Some(name),
            ParamError::Unknown { .. } | ParamError::NotSettable { .. } => None,
        }
    }

    /// The same error about the parameter `prefix.NAME`: a nested configuration's parameter as
    /// its container names it (`greedy.epoch_min`).
    pub fn nested(self, prefix: &str) -> ParamError {
        let nest = |name: String| format!("{prefix}.{name}");
        match self {
            ParamError::OutOfRange { name, range, value } => ParamError::OutOfRange { name: nest(name), range, value },
            ParamError::NotFinite { name, value } => ParamError::NotFinite { name: nest(name), value },
            other => other,
        }
    }
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamError::Unknown { name, known, hint } => {
                write!(f, "unknown parameter {name:?}; known: {}{}", known.join(", "), hint.unwrap_or(""))
            }
            ParamError::OutOfRange { name, range, value } => {
                // 1e-9 as written, not 0.000000001.
                let shown = value.to_string();
                let shown = if shown.len() > 10 { format!("{value:e}") } else { shown };
                write!(f, "{name} must be in {range}, got {shown}")
            }
            ParamError::NotFinite { name, value } => write!(f, "{name} must be a finite number, got {value}"),
            ParamError::NotSettable { policy, name } => write!(f, "{policy} has no parameter {name:?} to set"),
        }
    }
}

impl std::error::Error for ParamError {}

/// A policy configuration whose parameters can be read and set by name.
pub trait Tunable {
    const PARAMS: &'static [Param];

    fn get(&self, name: &str) -> Option<f64>;

    /// Sets a parameter (`Err` for an unknown name or a value out of range).
    fn set(&mut self, name: &str, value: f64) -> Result<(), ParamError>;

    /// Checks every parameter's range; the error names the first one out of range.
    fn validate(&self) -> Result<(), ParamError> {
        for p in Self::PARAMS {
            p.check(self.get(p.name).expect("every listed parameter can be read"))?;
        }
        Ok(())
    }
}

/// Looks `name` up in `params` and checks `value` for it.
pub fn checked(params: &[Param], name: &str, value: f64) -> Result<(), ParamError> {
    let p = params.iter().find(|p| p.name == name).ok_or_else(|| ParamError::Unknown {
        name: name.to_string(),
        known: params.iter().map(|p| p.name.to_string()).collect(),
        hint: None,
    })?;
    p.check(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_kinds_are_checked() {
        let p = Param::real("epoch_min", 0.0, 1440.0, 5.0, "").above();
        assert_eq!(p.range(), "(0, 1440]");
        assert!(p.check(5.0).is_ok());
        assert_eq!(p.check(0.0).unwrap_err().to_string(), "epoch_min must be in (0, 1440], got 0");
        assert_eq!(p.check(-1e-9).unwrap_err().param(), Some("epoch_min"));
        assert_eq!(p.check(-1e-9).unwrap_err().to_string(), "epoch_min must be in (0, 1440], got -1e-9");
        assert!(p.check(f64::NAN).is_err());
        let n = Param::integer("neighbours", 1.0, f64::INFINITY, 16.0, "");
        assert!(n.check(2.5).is_err() && n.check(3.0).is_ok());
        assert_eq!(n.range(), "[1, inf]");
        let b = Param::boolean("on_events", false, "");
        assert!(b.check(1.0).is_ok() && b.check(0.5).is_err());
        let unknown = checked(&[p], "nope", 1.0).unwrap_err();
        assert_eq!(unknown.to_string(), "unknown parameter \"nope\"; known: epoch_min");
        assert_eq!(unknown.param(), None);
        assert_eq!(
            p.check(0.0).unwrap_err().nested("greedy").to_string(),
            "greedy.epoch_min must be in (0, 1440], got 0"
        );
    }
}
