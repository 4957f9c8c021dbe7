//! Overlays: a stress scenario is a base plus what changes; errors point into the overlay.

use std::path::PathBuf;

use sim::{Scenario, ScenarioError, run_replication};

use crate::repo;

/// A folder with tiny.toml and `overlay.toml` holding `text`.
fn overlay(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("scenarios/tiny.toml"), dir.path().join("tiny.toml")).unwrap();
    let path = dir.path().join("overlay.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn an_overlay_adds_disruptions_and_changes_only_what_it_names() {
    let (_dir, path) = overlay(
        "extends = \"tiny.toml\"\nname = \"tiny-outage\"\n\n[orders]\ncancel_after_due_min = 60\n\n[[disruption]]\nkind = \"dock_outage\"\nsite = \"depot\"\ndoors_down = 1\nstart_h = 6\nduration_h = 6\n",
    );
    let s = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let tiny = Scenario::load(&repo("scenarios/tiny.toml")).unwrap();
    assert_eq!((s.name.as_str(), s.disruptions.len()), ("tiny-outage", 1));
    assert_eq!(s.cancel_after_due, Some(policies::TimeMs::from_min(60.0)));
    // The rest of [orders] is the base's: same demand, same fleet.
    assert_eq!((s.vehicles.len(), s.drivers.len()), (tiny.vehicles.len(), tiny.drivers.len()));
    let (a, b) = (run_replication(&tiny, 1, 0, true).unwrap(), run_replication(&s, 1, 0, true).unwrap());
    assert_eq!(a.kpis.get("orders_created"), b.kpis.get("orders_created"));
    assert_ne!(s.hash, tiny.hash);
}

fn error(text: &str) -> (ScenarioError, PathBuf) {
    let (dir, path) = overlay(text);
    let err = Scenario::load(&path).unwrap_err();
    std::mem::forget(dir); // keep the files for the message's path
    (err, path)
}

#[test]
fn errors_in_an_overlay_name_the_overlay_file_line_and_field() {
    let text = "extends = \"tiny.toml\"\n\n[network]\ncircuity = 1.3\nspeed = 4\n";
    let (err, path) = error(text);
    let ScenarioError::Invalid { path: p, line, field, .. } = &err else { panic!("{err}") };
    assert_eq!((p, *line, field.as_str()), (&path, 5, "network.speed"), "{err}");

    let text = "extends = \"tiny.toml\"\n\n[[disruption]]\nkind = \"dock_outage\"\nsite = \"nowhere\"\ndoors_down = 1\nstart_h = 1\nduration_h = 1\n";
    let (err, path) = error(text);
    let ScenarioError::Invalid { path: p, line, field, .. } = &err else { panic!("{err}") };
    assert_eq!((p, *line, field.as_str()), (&path, 5, "disruption[0].site"), "{err}");

    let (err, _) = error("extends = \"missing.toml\"\n");
    assert!(err.to_string().contains("extends: cannot read"), "{err}");
}

#[test]
fn a_base_may_not_extend_another() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), "extends = \"b.toml\"\n").unwrap();
    std::fs::write(dir.path().join("b.toml"), "extends = \"c.toml\"\n").unwrap();
    let err = Scenario::load(&dir.path().join("a.toml")).unwrap_err().to_string();
    assert!(err.contains("b.toml:1:") && err.contains("may not extend another"), "{err}");
}
