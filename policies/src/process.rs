//! Configuration of a policy that runs as a separate program (any language), spoken to over the
//! JSON-lines protocol of `docs/policy-protocol.md`. The program is started and driven by the
//! caller (the simulator's `sim::process`); this crate only holds what the scenario says.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::params::{MIN_EPOCH_MIN, Param, Tunable, checked};

/// `kind = "process"`. Ranges: [`ProcessConfig::PARAMS`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessConfig {
    /// Program and arguments, e.g. `["python3", "examples/policies/earliest_due.py"]`. Relative
    /// paths are resolved against the scenario file's folder; the program runs there.
    pub command: Vec<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: f64,
    #[serde(default = "default_epoch_min")]
    pub epoch_min: f64,
    #[serde(default)]
    pub on_events: bool,
    /// Charge each reply's measured wall-clock time to simulated time: decisions take effect that
    /// much after their epoch. Makes runs depend on the machine (off by default).
    #[serde(default)]
    pub charge_latency: bool,
    /// Longest reply line the program may write, in MiB; a longer one fails the replication.
    #[serde(default = "default_max_reply_mib")]
    pub max_reply_mib: u32,
    /// The program's own thresholds (`params = { fill = 0.6 }`): finite numbers, passed to it in
    /// `hello`, tuned by name like the parameters above. They have no declared range: the
    /// program knows what it accepts. Left out of the serialised form when empty, so a
    /// configuration without them reads (and hashes) as before.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, f64>,
}

fn default_timeout_ms() -> f64 {
    ProcessConfig::PARAMS[0].default
}
fn default_epoch_min() -> f64 {
    ProcessConfig::PARAMS[1].default
}
fn default_max_reply_mib() -> u32 {
    ProcessConfig::PARAMS[3].default as u32
}

impl Tunable for ProcessConfig {
    const PARAMS: &'static [Param] = &[
        Param::real(
            "timeout_ms",
            1.0,
            600_000.0,
            5_000.0,
            "longest one exchange may take, in ms: writing the request and reading the reply",
        ),
        Param::real("epoch_min", MIN_EPOCH_MIN, 1440.0, 5.0, "minutes between decision epochs"),
        Param::boolean("on_events", false, "also decide when an order becomes ready or a vehicle or driver frees up"),
        Param::integer("max_reply_mib", 1.0, 1024.0, 16.0, "longest reply line the program may write, in MiB"),
    ];

    /// A parameter above, or one of the program's `params` (as `NAME` or `params.NAME`).
    fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "timeout_ms" => self.timeout_ms,
            "epoch_min" => self.epoch_min,
            "on_events" => self.on_events as u8 as f64,
            "max_reply_mib" => self.max_reply_mib as f64,
            _ => return self.params.get(program_param(name)).copied(),
        })
    }

    /// One of the program's `params` takes any finite value (the program checks its own
    /// ranges); it must be in the configuration already, so that a typo is not passed on.
    fn set(&mut self, name: &str, value: f64) -> Result<(), String> {
        if Self::PARAMS.iter().all(|p| p.name != name) {
            if let Some(v) = self.params.get_mut(program_param(name)) {
                if !value.is_finite() {
                    return Err(format!("params.{} must be a finite number, got {value}", program_param(name)));
                }
                *v = value;
                return Ok(());
            }
            let mut known: Vec<&str> = Self::PARAMS.iter().map(|p| p.name).collect();
            known.extend(self.params.keys().map(String::as_str));
            let hint = if self.params.is_empty() {
                "; a program's own parameters are declared in the policy's `params` table"
            } else {
                ""
            };
            return Err(format!("unknown parameter {name:?}; known: {}{hint}", known.join(", ")));
        }
        checked(Self::PARAMS, name, value)?;
        match name {
            "timeout_ms" => self.timeout_ms = value,
            "epoch_min" => self.epoch_min = value,
            "max_reply_mib" => self.max_reply_mib = value as u32,
            _ => self.on_events = value == 1.0,
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), String> {
        if self.command.first().is_none_or(|c| c.is_empty()) {
            return Err("command must name a program: command = [\"program\", \"arg\", ...]".into());
        }
        for p in Self::PARAMS {
            p.check(self.get(p.name).expect("listed"))?;
        }
        for (name, value) in &self.params {
            if name.is_empty() {
                return Err("params: a parameter needs a name".into());
            }
            if Self::PARAMS.iter().any(|p| p.name == name) {
                return Err(format!(
                    "params.{name} must be renamed: {name} is a setting of the process policy itself, so --param {name} would be ambiguous"
                ));
            }
            if !value.is_finite() {
                return Err(format!("params.{name} must be a finite number, got {value}"));
            }
        }
        Ok(())
    }
}

/// A program parameter's name without the optional `params.` in front.
fn program_param(name: &str) -> &str {
    name.strip_prefix("params.").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(params: &[(&str, f64)]) -> ProcessConfig {
        ProcessConfig {
            command: vec!["python3".into()],
            timeout_ms: 5000.0,
            epoch_min: 5.0,
            on_events: false,
            charge_latency: false,
            max_reply_mib: 16,
            params: params.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn the_programs_params_are_tuned_by_name_with_any_finite_value() {
        let mut c = config(&[("fill", 0.6), ("slack_min", 45.0)]);
        c.set("fill", 0.4).unwrap();
        c.set("params.slack_min", -1e6).unwrap();
        assert_eq!((c.get("fill"), c.get("params.slack_min")), (Some(0.4), Some(-1e6)));
        assert!(c.set("fill", f64::NAN).unwrap_err().contains("params.fill must be a finite number"));
        let err = c.set("fil", 0.5).unwrap_err();
        assert!(
            err.contains(
                "unknown parameter \"fil\"; known: timeout_ms, epoch_min, on_events, max_reply_mib, fill, slack_min"
            ),
            "{err}"
        );
        assert!(c.set("epoch_min", 0.0).is_err(), "the policy's own settings keep their ranges");
        assert!(config(&[]).set("fill", 0.5).unwrap_err().contains("declared in the policy's `params` table"));
    }

    #[test]
    fn params_are_finite_and_do_not_shadow_settings() {
        assert!(config(&[("fill", 0.6)]).validate().is_ok());
        assert!(config(&[("fill", f64::INFINITY)]).validate().unwrap_err().starts_with("params.fill must be"));
        assert!(config(&[("epoch_min", 1.0)]).validate().unwrap_err().starts_with("params.epoch_min must be renamed"));
    }
}
