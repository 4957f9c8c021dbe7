//! Configuration of a policy that runs as a separate program (any language), spoken to over the
//! JSON-lines protocol of `docs/policy-protocol.md`. The program is started and driven by the
//! caller (the simulator's `sim::process`); this crate only holds what the scenario says.

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

    fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "timeout_ms" => self.timeout_ms,
            "epoch_min" => self.epoch_min,
            "on_events" => self.on_events as u8 as f64,
            "max_reply_mib" => self.max_reply_mib as f64,
            _ => return None,
        })
    }

    fn set(&mut self, name: &str, value: f64) -> Result<(), String> {
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
        Ok(())
    }
}
