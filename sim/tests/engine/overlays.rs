//! Overlays: a stress scenario is a base plus what changes; errors point into the overlay.

use sim::{ScenarioError, run_replication};

use crate::fixture::{Derived, TINY};
use crate::load;

#[test]
fn an_overlay_adds_disruptions_and_changes_only_what_it_names() {
    let s = Derived::overlay(
        TINY,
        "name = \"tiny-outage\"\n\n[orders]\ncancel_after_due_min = 60\n\n[[disruption]]\nkind = \"dock_outage\"\nsite = \"depot\"\ndoors_down = 1\nstart_h = 6\nduration_h = 6\n",
    ).scenario();
    let tiny = load(TINY);
    assert_eq!((s.name.as_str(), s.disruptions.len()), ("tiny-outage", 1));
    assert_eq!(s.cancel_after_due, Some(policies::Duration::from_min(60.0)));
    // The rest of [orders] is the base's: same demand, same fleet.
    assert_eq!((s.vehicles.len(), s.drivers.len()), (tiny.vehicles.len(), tiny.drivers.len()));
    let (a, b) = (run_replication(&tiny, 1, 0, true).unwrap(), run_replication(&s, 1, 0, true).unwrap());
    assert_eq!(a.kpis.get("orders_created"), b.kpis.get("orders_created"));
    assert_ne!(s.hash, tiny.hash);
}

/// The error of tiny with `text` (from the overlay's line 2), and the overlay's path.
fn error(text: &str) -> (ScenarioError, std::path::PathBuf) {
    let overlay = Derived::overlay(TINY, text);
    (overlay.error(), overlay.path().to_path_buf())
}

#[test]
fn errors_in_an_overlay_name_the_overlay_file_line_and_field() {
    let text = "\n[network]\ncircuity = 1.3\nspeed = 4\n";
    let (err, path) = error(text);
    let ScenarioError::Invalid { path: p, line, field, .. } = &err else { panic!("{err}") };
    assert_eq!((p, *line, field.as_str()), (&path, 5, "network.speed"), "{err}");

    let text =
        "\n[[disruption]]\nkind = \"dock_outage\"\nsite = \"nowhere\"\ndoors_down = 1\nstart_h = 1\nduration_h = 1\n";
    let (err, path) = error(text);
    let ScenarioError::Invalid { path: p, line, field, .. } = &err else { panic!("{err}") };
    assert_eq!((p, *line, field.as_str()), (&path, 5, "disruption[0].site"), "{err}");

    let err = Derived::write("overlay.toml", "extends = \"missing.toml\"\n").error();
    assert!(err.to_string().contains("extends: cannot read"), "{err}");
}

#[test]
fn a_base_may_not_extend_another() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), "extends = \"b.toml\"\n").unwrap();
    std::fs::write(dir.path().join("b.toml"), "extends = \"c.toml\"\n").unwrap();
    let err = sim::Scenario::load(&dir.path().join("a.toml")).unwrap_err().to_string();
    assert!(err.contains("b.toml:1:") && err.contains("may not extend another"), "{err}");
}

#[test]
fn an_inline_table_or_another_kind_replaces_the_base_value_whole() {
    // tiny.toml's size is triangular: a fixed size replaces it, it does not merge into it.
    let s = Derived::overlay(TINY, "\n[orders]\nsize = { dist = \"fixed\", value = 3 }\n").scenario();
    let sim::scenario::Demand::Generated(g) = &s.demand else { panic!() };
    assert_eq!(g.size.mean(), 3.0);

    // Another policy kind replaces the base's policy, even as a [policy] table.
    let s = Derived::overlay(TINY, "\n[policy]\nkind = \"nearest_vehicle\"\nepoch_min = 30\n").scenario();
    assert_eq!(
        s.policy,
        sim::PolicyChoice::Builtin(policies::PolicyConfig::NearestVehicle(policies::SingleOrderConfig {
            epoch_min: 30.0
        }))
    );

    // The same kind in a [policy] table changes only what it names.
    let s = Derived::overlay(TINY, "\n[policy]\nmin_fill = 0.5\n").scenario();
    let sim::PolicyChoice::Builtin(policies::PolicyConfig::GreedyEdd(c)) = &s.policy else { panic!("{:?}", s.policy) };
    assert_eq!((c.min_fill, c.slack_min), (0.5, 60.0));

    // A mistake in the replacing table is the overlay's.
    let (err, path) = error("\n[orders]\nsize = { dist = \"fixed\", valu = 3 }\n");
    let ScenarioError::Invalid { path: p, line, .. } = &err else { panic!("{err}") };
    assert_eq!((p, *line), (&path, 4), "{err}");
}

#[test]
fn a_misspelt_key_in_an_overlay_disruption_names_the_overlay_line_and_the_kinds_keys() {
    let text = "\n[[disruption]]\nkind = \"weather\"\ncenter = [0, 0]\nradius_km = 3\nclose = true\nstart_h = 1\nduration_h = 1\n";
    let (err, path) = error(text);
    let ScenarioError::Invalid { path: p, line, field, message, .. } = &err else { panic!("{err}") };
    assert_eq!((p, *line, field.as_str()), (&path, 7, "disruption[0].close"), "{err}");
    assert!(message.contains("`closed`") && message.contains("`duration_h`"), "{err}");

    let text = "\n[[disruption]]\nkind = \"driver_absence\"\nno_show_prob = 30\nstart_h = 1\nduration_h = 1\n";
    let (err, path) = error(text);
    let ScenarioError::Invalid { path: p, line, field, .. } = &err else { panic!("{err}") };
    assert_eq!((p, *line, field.as_str()), (&path, 5, "disruption[0].no_show_prob"), "{err}");
}
