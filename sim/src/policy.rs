//! What a scenario's `[policy]` chooses, and what the engine runs to decide.
//!
//! The `policies` crate holds the built-in policies, configured in full by [`PolicyConfig`]. The
//! simulator adds what only it needs: a plan read from a file for `plan_replay` ([`PlanFile`]),
//! and policies that are external programs ([`crate::process`]), which can fail or take time to
//! answer. [`PolicyChoice`] is the scenario's choice among them; [`RunPolicy`] is one
//! replication's running policy, whose [`RunPolicy::decide`] answers a decision or a failure.

use std::path::Path;

use policies::{
    AllocationPolicy, AllocationRequest, ConfigError, Decision, Duration, Epochs, ParamError, Plan, PlanReplay,
    PlanReplayConfig, PolicyConfig, PolicyInfo, Tunable,
};
use serde::{Serialize, Serializer};

use crate::process::{ProcessConfig, ProcessConfigError, ProcessPolicy, ProgramFailure};

/// The scenario's policy, as its `[policy]` table (or a policy file) chooses it by `kind`.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyChoice {
    /// A built-in policy, configured in full by its table.
    Builtin(PolicyConfig),
    /// `kind = "plan_replay"`: the built-in plan replay, its plan read from a file at loading.
    PlanFile(PlanFile),
    /// `kind = "process"`: a program spoken to over JSON lines ([`crate::process`]).
    Process(ProcessConfig),
}

/// `plan_replay` as a scenario writes it: `file = "plan.sol"`, relative to the file that holds
/// the policy; the plan is what that file held when the scenario was loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanFile {
    /// As written in the policy's table.
    pub file: String,
    pub plan: Plan,
}

impl Default for PolicyChoice {
    fn default() -> Self {
        PolicyChoice::Builtin(PolicyConfig::default())
    }
}

/// As the scenario wrote it (`kind` and the table's keys; a plan by its file): in `summary.json`,
/// the policy hash and `best-policy.toml`.
impl Serialize for PolicyChoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum AsWritten<'a> {
            PlanReplay { file: &'a str },
            Process(&'a ProcessConfig),
        }
        match self {
            PolicyChoice::Builtin(c) => c.serialize(s),
            PolicyChoice::PlanFile(p) => AsWritten::PlanReplay { file: &p.file }.serialize(s),
            PolicyChoice::Process(c) => AsWritten::Process(c).serialize(s),
        }
    }
}

impl PolicyChoice {
    /// Checks every parameter's range (and a plan's routes); the error names the parameter.
    pub fn validate(&self) -> Result<(), PolicyError> {
        match self {
            PolicyChoice::Builtin(c) => c.validate()?,
            PolicyChoice::PlanFile(p) => p.plan.validate().map_err(ConfigError::Plan)?,
            PolicyChoice::Process(c) => c.check()?,
        }
        Ok(())
    }

    /// Sets a named parameter (checked against its range), as sweeps do.
    pub fn set_param(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
        match self {
            PolicyChoice::Builtin(c) => c.set_param(name, value),
            PolicyChoice::PlanFile(_) => Err(ParamError::NotSettable { policy: "plan_replay", name: name.to_string() }),
            PolicyChoice::Process(c) => c.set(name, value),
        }
    }

    /// The built-in policy's configuration (with its plan, for a plan file); `None` for an
    /// external program.
    pub fn builtin(&self) -> Option<PolicyConfig> {
        match self {
            PolicyChoice::Builtin(c) => Some(c.clone()),
            PolicyChoice::PlanFile(p) => Some(PolicyConfig::PlanReplay(PlanReplayConfig { plan: p.plan.clone() })),
            PolicyChoice::Process(_) => None,
        }
    }

    /// The policy of replication `replication` of scenario `scenario`, ready to decide. A program
    /// runs in `dir` (the folder of the file that configured it) and starts at the first epoch.
    pub fn start(&self, dir: &Path, scenario: &str, replication: u32) -> RunPolicy {
        match self {
            PolicyChoice::Builtin(c) => RunPolicy::Builtin(c.build()),
            PolicyChoice::PlanFile(p) => {
                RunPolicy::Builtin(Box::new(PlanReplay::new(PlanReplayConfig { plan: p.plan.clone() })))
            }
            PolicyChoice::Process(c) => {
                RunPolicy::Process(Box::new(ProcessPolicy::new(c.clone(), dir, scenario, replication)))
            }
        }
    }
}

/// Why the scenario's policy is refused ([`PolicyChoice::validate`]): fix the policy's table (or
/// policy file) where the message says.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A built-in policy's parameter out of range, or a plan that cannot be replayed.
    #[error(transparent)]
    Builtin(#[from] ConfigError),
    /// An external program's configuration.
    #[error(transparent)]
    Process(#[from] ProcessConfigError),
}

impl PolicyError {
    /// The parameter the error is about, if it is about one (`params.NAME` for a program's own).
    pub fn param(&self) -> Option<String> {
        match self {
            PolicyError::Builtin(e) => e.param().map(str::to_string),
            PolicyError::Process(e) => e.param(),
        }
    }
}

/// A policy running in one replication.
pub enum RunPolicy {
    /// Decides at once and always.
    Builtin(Box<dyn AllocationPolicy>),
    /// May take time to answer, or fail.
    Process(Box<ProcessPolicy>),
}

/// What a policy answered at a decision epoch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decided {
    pub decision: Decision,
    /// How long after the epoch the decision takes effect, in simulated time: the program's
    /// measured reply time with `charge_latency`, else zero.
    pub latency: Duration,
}

impl RunPolicy {
    /// When the engine asks the policy.
    pub fn epochs(&self) -> Epochs {
        match self {
            RunPolicy::Builtin(p) => p.epochs(),
            RunPolicy::Process(p) => p.epochs(),
        }
    }

    /// The policy's decision; only a program can fail to give one.
    pub fn decide(&mut self, request: &AllocationRequest) -> Result<Decided, ProgramFailure> {
        match self {
            RunPolicy::Builtin(p) => Ok(Decided { decision: p.allocate(request), latency: Duration::ZERO }),
            RunPolicy::Process(p) => p.decide(request).map(|(decision, latency)| Decided { decision, latency }),
        }
    }
}

/// A built-in policy's settings as a scenario writes them, where they differ from how its
/// configuration does (a plan by its file, a nested table by its TOML name).
fn as_a_scenario_writes_them(kind: &str) -> Option<&'static [(&'static str, &'static str, &'static str)]> {
    match kind {
        "carrier_overflow" => Some(&[(
            "greedy",
            "table",
            "a nested greedy_edd table for the own fleet ([policy.greedy]); its parameters tune as greedy.NAME",
        )]),
        "plan_replay" => Some(&[(
            "file",
            "path",
            "the plan, relative to the policy's file: CVRPLIB `Route #k:` text or JSON {\"routes\": [{\"stops\": [...]}]}",
        )]),
        _ => None,
    }
}

/// Every allocation policy a scenario may choose, as `dtwin policies` lists them: the built-in
/// ones with their settings as a scenario writes them, and `process` (before `plan_replay`).
pub fn catalog() -> Vec<PolicyInfo> {
    let mut all = Vec::with_capacity(policies::CATALOG.len() + 1);
    for info in policies::CATALOG {
        if info.kind == "plan_replay" {
            all.push(crate::process::INFO);
        }
        all.push(PolicyInfo { settings: as_a_scenario_writes_them(info.kind).unwrap_or(info.settings), ..*info });
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_lists_every_kind_a_scenario_takes_once_with_the_scenarios_settings() {
        let kinds: Vec<&str> = catalog().iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            ["nearest_vehicle", "earliest_due", "greedy_edd", "carrier_overflow", "process", "plan_replay"]
        );
        let plan = catalog().into_iter().find(|p| p.kind == "plan_replay").unwrap();
        assert_eq!(plan.settings.iter().map(|s| s.0).collect::<Vec<_>>(), ["file"]);
    }

    #[test]
    fn a_choice_serialises_as_the_scenario_wrote_it() {
        let file = PolicyChoice::PlanFile(PlanFile { file: "day.sol".into(), plan: Plan::default() });
        assert_eq!(serde_json::to_string(&file).unwrap(), r#"{"kind":"plan_replay","file":"day.sol"}"#);
        let builtin =
            PolicyChoice::Builtin(PolicyConfig::NearestVehicle(policies::SingleOrderConfig { epoch_min: 5.0 }));
        assert_eq!(serde_json::to_string(&builtin).unwrap(), r#"{"kind":"nearest_vehicle","epoch_min":5.0}"#);
        let program = PolicyChoice::Process(toml::from_str("command = [\"run.sh\"]").unwrap());
        let json = serde_json::to_string(&program).unwrap();
        assert!(json.starts_with(r#"{"kind":"process","command":["run.sh"],"timeout_ms":5000.0,"#), "{json}");
        assert!(
            file.clone().set_param("epoch_min", 1.0).unwrap_err().to_string().contains("plan_replay has no parameter")
        );
    }
}
