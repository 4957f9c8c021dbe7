//! `dtwin check`, `dtwin kpis` and `dtwin policies`: what a scenario, the KPIs and the built-in
//! policies are, without running anything.

use std::path::Path;

use anyhow::Result;
use sim::KPIS;

use crate::cli_common::load;

pub fn check(path: &Path, policy: Option<&Path>) -> Result<()> {
    let s = load(path, policy)?;
    println!("{}: ok", path.display());
    println!("  name          {}", s.name);
    println!("  horizon       {} h", s.horizon.as_hours());
    println!("  sites         {} ({} doors)", s.sites.len(), s.sites.iter().map(|x| x.doors).sum::<u32>());
    println!("  vehicles      {}", s.vehicles.len());
    println!("  drivers       {}", s.drivers.len());
    println!("  carriers      {}", s.carriers.len());
    match &s.demand {
        sim::scenario::Demand::Generated(g) => {
            let per_day: f64 = g.rates_per_hour.iter().flatten().sum();
            println!("  demand        generated, {per_day:.0} orders/day expected");
        }
        sim::scenario::Demand::Replay(r) => {
            println!("  demand        replayed, {} orders", r.rows.len())
        }
    }
    println!("  policy        {}", serde_json::to_string(&s.policy).unwrap_or_default());
    if let sim::PolicyChoice::Process(c) = &s.policy
        && !c.params.is_empty()
    {
        let params: Vec<String> = c.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        println!(
            "  params        {} (the program's own, sent in hello; tune with --param NAME=LOW..HIGH)",
            params.join(", ")
        );
    }
    println!("  exceptions    {}", serde_json::to_string(&s.exceptions).unwrap_or_default());
    println!("  dispatchers   {} ({})", s.dispatchers.count, s.dispatchers.hours);
    for (i, d) in s.disruptions.iter().enumerate() {
        let label = if i == 0 { "disruptions" } else { "" };
        println!("  {label:<13} {}", d.describe());
    }
    for w in sim::reach::region_warnings(&s) {
        eprintln!("warning: {}: {w}", s.name);
    }
    Ok(())
}

/// `dtwin kpis`.
pub fn kpis() {
    println!("{:<30} {:<8} what", "kpi", "better");
    for k in KPIS {
        println!("{:<30} {:<8} {}", k.name, k.better.word(), k.description);
    }
    println!(
        "\nA share or mean of nothing (no order due within the horizon, no trip, no late start) is undefined:\n\
         null in summary.json, an empty cell in replications.csv, - in tables; statistics leave it out."
    );
}

/// `dtwin policies`: the catalog of built-in policies and their parameters.
pub fn policy_catalog() -> String {
    use policies::ParamKind;
    let allocation = sim::policy::catalog();
    let all: Vec<&policies::PolicyInfo> = allocation.iter().chain(policies::EXCEPTION_CATALOG).collect();
    // Columns as wide as their widest entry anywhere in the catalog, so that every row lines up.
    let rows: Vec<Vec<[String; 5]>> = all
        .iter()
        .map(|p| {
            let params = p.params.iter().map(|param| {
                let (kind, default) = match param.kind {
                    ParamKind::Real => ("real", param.default.to_string()),
                    ParamKind::Integer => ("integer", param.default.to_string()),
                    ParamKind::Bool => ("bool", (param.default == 1.0).to_string()),
                };
                [
                    param.name.to_string(),
                    kind.into(),
                    param.range(),
                    format!("default {default}"),
                    param.doc.to_string(),
                ]
            });
            let settings = p.settings.iter().map(|(name, kind, doc)| {
                [name.to_string(), kind.to_string(), String::new(), String::new(), doc.to_string()]
            });
            params.chain(settings).collect()
        })
        .collect();
    let width = |c: usize| rows.iter().flatten().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3)];
    let mut out = String::from("Allocation policies ([policy], or --policy FILE):\n\n");
    for (i, (p, rows)) in all.iter().zip(&rows).enumerate() {
        if i == allocation.len() {
            out += "\nException policies ([exceptions]):\n\n";
        }
        out += &format!("{}: {}\n", p.kind, p.summary);
        for r in rows {
            let cells: Vec<String> = (0..4).map(|c| format!("{:<w$}", r[c], w = widths[c])).collect();
            out += &format!("  {}  {}\n", cells.join("  "), r[4]);
        }
    }
    out += "\nPaths in a policy (command, file) are relative to the file that holds it: the scenario, or the --policy file.\n";
    out
}
