//! The event log of every shipped scenario, under its own policy and under each policy file in
//! `scenarios/policies/`, pinned: seed 2026, replications 0..4, invariants checked. A structural
//! change must leave every line of `golden/matrix.txt` as it is.
//!
//! Each line: scenario, policy (`-` for the scenario's own), then per replication the event-log
//! fingerprint and a hash of the KPI values' bits. If a change of behaviour is intended, say why in
//! its own commit and rewrite the file with `DTWIN_BLESS=1 cargo test -p sim --test engine golden`.

use rayon::prelude::*;
use sim::{Scenario, run_replications};
use std::hash::Hasher;

use crate::{load, repo};

const SEED: u64 = 2026;
const REPLICATIONS: u32 = 4;
const FILE: &str = "sim/tests/engine/golden/matrix.txt";

fn tomls(folder: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(repo(folder))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    files.sort();
    files
}

fn line(scenario: &str, policy: Option<&str>) -> String {
    let mut s: Scenario = load(&format!("scenarios/{scenario}"));
    if let Some(policy) = policy {
        s.use_policy_file(&repo(&format!("scenarios/policies/{policy}"))).unwrap_or_else(|e| panic!("{e}"));
    }
    let results = run_replications(&s, SEED, REPLICATIONS, true, &|| {}).unwrap_or_else(|e| panic!("{e}"));
    let mut out = format!("{scenario} {}", policy.unwrap_or("-"));
    for r in results {
        let mut h = sim::hash::StableHasher::default();
        for v in &r.kpis.0 {
            h.write_u64(v.to_bits());
        }
        out.push_str(&format!(" {:016x}/{:016x}", r.fingerprint, h.finish()));
    }
    out
}

#[test]
fn every_shipped_scenario_under_every_shipped_policy() {
    let policies = tomls("scenarios/policies");
    let runs: Vec<(String, Option<String>)> = tomls("scenarios")
        .into_iter()
        .flat_map(|s| std::iter::once(None).chain(policies.iter().cloned().map(Some)).map(move |p| (s.clone(), p)))
        .collect();
    let got: Vec<String> = runs.par_iter().map(|(s, p)| line(s, p.as_deref())).collect();
    let got = got.join("\n") + "\n";
    if std::env::var_os("DTWIN_BLESS").is_some() {
        std::fs::write(repo(FILE), &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(repo(FILE)).unwrap();
    for (g, w) in got.lines().zip(want.lines()) {
        assert_eq!(g, w, "the event log or KPIs changed; if intended, bless {FILE} (see golden.rs)");
    }
    assert_eq!(got.lines().count(), want.lines().count(), "{FILE} lists other runs than the shipped ones");
}
