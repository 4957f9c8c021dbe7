//! Bad scenario files: every mistake is reported with file, line, column and field, never a panic.

use std::path::Path;

use sim::{Scenario, ScenarioError};

use crate::fixture::{Derived, TINY, single_file, tiny_error};
use crate::{load, repo};

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or_else(|| panic!("{needle:?} not found"))
}

/// A `[[site]]` named `depot`, as tiny's, with `keys` (one of them wrong, in most cases): an
/// overlay replaces tiny's whole list of sites, so the site is stated in full.
macro_rules! depot {
    ($($key:literal),*) => { concat!("[[site]]\nname = \"depot\"\n", $($key, "\n"),*) };
}

/// tiny's hourly rates at its depot, the first (midnight's) given.
macro_rules! rates {
    ($first:literal) => {
        concat!(
            "[[orders.rate]]\nsite = \"depot\"\nper_hour = [",
            $first,
            ", 0, 0, 0, 0, 4, 10, 14, 14, 12, 10, 10, 9, 9, 9, 8, 8, 7, 6, 4, 0, 0, 0, 0]\n"
        )
    };
}

/// (what, overlay over tiny, expected field, text on the expected line)
const CASES: &[(&str, &str, &str, &str)] = &[
    ("warm-up past the horizon", "warmup_h = 30", "warmup_h", "warmup_h = 30"),
    ("a start date with a time", "start_date = 2026-03-02T08:00:00", "start_date", "start_date = 2026-03-02T08:00:00"),
    ("a start date that is not a date", "start_date = \"monday\"", "start_date", "start_date = \"monday\""),
    (
        "unknown key",
        depot!("location = [0.0, 0.0]", "doors = 2", "doorz = 3", "load_fixed_min = { dist = \"fixed\", value = 10 }"),
        "site[0].doorz",
        "doorz = 3",
    ),
    (
        "wrong type",
        depot!("location = [0.0, 0.0]", "doors = \"two\"", "load_fixed_min = { dist = \"fixed\", value = 10 }"),
        "site[0].doors",
        "doors = \"two\"",
    ),
    (
        "zero doors",
        depot!("location = [0.0, 0.0]", "doors = 0", "load_fixed_min = { dist = \"fixed\", value = 10 }"),
        "site[0].doors",
        "doors = 0",
    ),
    (
        "negative speed",
        "[[vehicle_type]]\nname = \"van\"\ncapacity = 14\nspeed_kmh = -40\ncost_per_km = 0.45\ncost_per_hour = 30\n",
        "vehicle_type[0].speed_kmh",
        "speed_kmh = -40",
    ),
    (
        "unknown site in fleet",
        "[[fleet]]\nsite = \"depoo\"\ntype = \"van\"\ncount = 6\n",
        "fleet[0].site",
        "site = \"depoo\"",
    ),
    (
        "unknown vehicle type",
        "[[fleet]]\nsite = \"depot\"\ntype = \"lorry\"\ncount = 6\n",
        "fleet[0].type",
        "type = \"lorry\"",
    ),
    ("negative rate", rates!("-1"), "orders.rate[0].per_hour", "per_hour = [-1,"),
    (
        "bad distribution",
        depot!(
            "location = [0.0, 0.0]",
            "doors = 2",
            "load_fixed_min = { dist = \"triangular\", min = 18, mode = 10, max = 15 }"
        ),
        "site[0].load_fixed_min",
        "min = 18",
    ),
    (
        "unknown distribution",
        depot!(
            "location = [0.0, 0.0]",
            "doors = 2",
            "load_fixed_min = { dist = \"fixed\", value = 10 }",
            "load_per_unit_min = { dist = \"gaussian\", value = 1.0 }"
        ),
        "site[0].load_per_unit_min.dist",
        "gaussian",
    ),
    (
        "bad time of day",
        depot!(
            "location = [0.0, 0.0]",
            "doors = 2",
            "hours = [\"05:00\", \"25:00\"]",
            "load_fixed_min = { dist = \"fixed\", value = 10 }"
        ),
        "site[0].hours",
        "25:00",
    ),
    (
        "probability above one",
        "[[carrier]]\nname = \"local-courier\"\ndaily_capacity = 10\nacceptance = 1.9\npickup_lead_min = 60\nprice_per_order = 45\n",
        "carrier[0].acceptance",
        "acceptance = 1.9",
    ),
    ("bad policy parameter", "[policy]\nmin_fill = 1.7\n", "policy.min_fill", "min_fill = 1.7"),
    ("unknown policy", "[policy]\nkind = \"greedy_xyz\"\n", "policy.kind", "greedy_xyz"),
    (
        "twenty-three hourly rates",
        "[[orders.rate]]\nsite = \"depot\"\nper_hour = [0, 0, 0, 0, 4, 10, 14, 14, 12, 10, 10, 9, 9, 9, 8, 8, 7, 6, 4, 0, 0, 0, 0]\n",
        "orders.rate[0].per_hour",
        "per_hour = [",
    ),
    // Limits: checked before anything is allocated from them.
    (
        "u32::MAX vehicles",
        "[[fleet]]\nsite = \"depot\"\ntype = \"van\"\ncount = 4294967295\n",
        "fleet[0].count",
        "count = 4294967295",
    ),
    (
        "too many vehicles in all",
        "[[fleet]]\nsite = \"depot\"\ntype = \"van\"\ncount = 60000\n\n[[fleet]]\nsite = \"depot\"\ntype = \"van\"\ncount = 50000\n",
        "fleet[1].count",
        "count = 50000",
    ),
    (
        "u32::MAX drivers",
        "[[drivers]]\nsite = \"depot\"\ncount = 4294967295\nshift = [\"05:30\", \"14:00\"]\n",
        "drivers[0].count",
        "count = 4294967295",
    ),
    (
        "too many doors",
        depot!("location = [0.0, 0.0]", "doors = 20000", "load_fixed_min = { dist = \"fixed\", value = 10 }"),
        "site[0].doors",
        "doors = 20000",
    ),
    ("a horizon of 1e300 hours", "horizon_h = 1e300", "horizon_h", "horizon_h = 1e300"),
    ("a horizon over a year", "horizon_h = 8785", "horizon_h", "horizon_h = 8785"),
    ("a billion orders an hour", rates!("1e9"), "orders.rate[0].per_hour", "per_hour = [1e9,"),
    ("decision epochs every nanominute", "[policy]\nepoch_min = 1e-9\n", "policy.epoch_min", "epoch_min = 1e-9"),
    (
        "ETA checks every 0.01 min",
        "[exceptions]\nkind = \"rule_based\"\neta_check_min = 0.01\n",
        "exceptions.eta_check_min",
        "eta_check_min = 0.01",
    ),
    // Coordinates, pairs, shifts, names.
    (
        "a NaN location",
        depot!("location = [nan, 0.0]", "doors = 2", "load_fixed_min = { dist = \"fixed\", value = 10 }"),
        "site[0].location",
        "location = [nan",
    ),
    (
        "an infinite location",
        depot!("location = [0.0, -inf]", "doors = 2", "load_fixed_min = { dist = \"fixed\", value = 10 }"),
        "site[0].location",
        "location = [0.0",
    ),
    (
        "three coordinates",
        depot!("location = [0, 0, 99]", "doors = 2", "load_fixed_min = { dist = \"fixed\", value = 10 }"),
        "site[0].location",
        "location = [0, 0, 99]",
    ),
    (
        "NaN customer point",
        "[orders]\ndestinations = { kind = \"customers\", points = [[1, 2], [nan, 3]] }\n",
        "orders.destinations.points[1]",
        "points = [[1, 2], [nan, 3]]",
    ),
    (
        "infinite region",
        "[orders]\ndestinations = { kind = \"region\", x = [0, inf], y = [0, 1] }\n",
        "orders.destinations.x",
        "x = [0, inf]",
    ),
    (
        "a three-element shift",
        "[[drivers]]\nsite = \"depot\"\ncount = 5\nshift = [\"05:30\", \"14:00\", \"15:00\"]\n",
        "drivers[0].shift",
        "\"15:00\"]",
    ),
    (
        "a zero-length shift",
        "[[drivers]]\nsite = \"depot\"\ncount = 5\nshift = [\"24:00\", \"24:00\"]\n",
        "drivers[0].shift",
        "\"24:00\", \"24:00\"]",
    ),
    (
        "zero-length opening hours",
        depot!(
            "location = [0.0, 0.0]",
            "doors = 2",
            "hours = [\"24:00\", \"24:00\"]",
            "load_fixed_min = { dist = \"fixed\", value = 10 }"
        ),
        "site[0].hours",
        "hours = [\"24:00\"",
    ),
    (
        "three opening times",
        depot!(
            "location = [0.0, 0.0]",
            "doors = 2",
            "hours = [\"05:00\", \"22:00\", \"23:00\"]",
            "load_fixed_min = { dist = \"fixed\", value = 10 }"
        ),
        "site[0].hours",
        "hours = [",
    ),
    (
        "duplicate order class",
        "[[orders.class]]\nname = \"standard\"\nshare = 0.8\n\n[[orders.class]]\nname = \"standard\" # again\nshare = 0.2\n",
        "orders.class[1].name",
        "# again",
    ),
];

/// tiny with `disruptions` (the keys of one `[[disruption]]` each) added.
fn with_disruptions(disruptions: &[&str]) -> Derived {
    Derived::overlay(TINY, &disruption_tables(disruptions))
}

fn disruption_tables(disruptions: &[&str]) -> String {
    disruptions.iter().map(|d| format!("[[disruption]]\n{d}\n\n")).collect()
}

/// (what, disruptions, expected field, text on the expected line)
const DISRUPTION_CASES: &[(&str, &[&str], &str, &str)] = &[
    (
        "a range error in the second disruption",
        &[
            "kind = \"dock_outage\"\nsite = \"depot\"\ndoors_down = 1\nstart_h = 1\nduration_h = 1",
            "kind = \"driver_absence\"\nno_show_prob = 30\nstart_h = 1\nduration_h = 1",
        ],
        "disruption[1].no_show_prob",
        "no_show_prob = 30",
    ),
    (
        "a misspelt key",
        &["kind = \"weather\"\ncenter = [0, 0]\nradius_km = 3\nclose = true\nstart_h = 1\nduration_h = 1"],
        "disruption[0].close",
        "close = true",
    ),
    (
        "a wrong type",
        &["kind = \"weather\"\ncenter = [0, 0]\nradius_km = 3\nclosed = \"yes\"\nstart_h = 1\nduration_h = 1"],
        "disruption[0].closed",
        "closed = \"yes\"",
    ),
    ("an unknown kind", &["kind = \"hail\"\nstart_h = 1\nduration_h = 1"], "disruption[0].kind", "kind = \"hail\""),
    (
        "a chance above one",
        &[
            "kind = \"breakdowns\"\nrate_per_hour = 1\nrepair_min = { dist = \"fixed\", value = 30 }\nchance = 2\nstart_h = 1\nduration_h = 1",
        ],
        "disruption[0].chance",
        "chance = 2",
    ),
    (
        "a NaN weather centre",
        &["kind = \"weather\"\ncenter = [nan, 0]\nradius_km = 3\nspeed_multiplier = 0.5\nstart_h = 1\nduration_h = 1"],
        "disruption[0].center",
        "center = [nan, 0]",
    ),
    (
        "an infinite polygon vertex",
        &[
            "kind = \"weather\"\npolygon = [[0, 0], [1, 0], [inf, 1]]\nspeed_multiplier = 0.5\nstart_h = 1\nduration_h = 1",
        ],
        "disruption[0].polygon[2]",
        "polygon = [[0, 0]",
    ),
    (
        "more doors down than the site has",
        &["kind = \"dock_outage\"\nsite = \"depot\"\ndoors_down = 3\nstart_h = 1\nduration_h = 1"],
        "disruption[0].doors_down",
        "doors_down = 3",
    ),
    (
        "a surge multiplier of a million",
        &["kind = \"demand_surge\"\nmultiplier = 1e6\nstart_h = 1\nduration_h = 1"],
        "disruption[0].multiplier",
        "multiplier = 1e6",
    ),
    (
        "a missing start",
        &["kind = \"dock_outage\"\nsite = \"depot\"\ndoors_down = 1\nduration_h = 1"],
        "disruption[0].start_h",
        "[[disruption]]",
    ),
    (
        "a late start with no delay",
        &["kind = \"driver_absence\"\nlate_prob = 0.5\nstart_h = 1\nduration_h = 1"],
        "disruption[0].late_min",
        "[[disruption]]",
    ),
];

#[test]
fn each_mistake_in_a_disruption_names_its_index_key_and_field() {
    for (what, disruptions, field, on_line) in DISRUPTION_CASES {
        // A key missing from an overlay is in no file, and its error at the overlay's line 1
        // (overlay.rs); in a single file it is at its table's header.
        let file = match *on_line {
            "[[disruption]]" => single_file(TINY, &disruption_tables(disruptions), &[]),
            _ => with_disruptions(disruptions),
        };
        let err = file.error();
        let ScenarioError::Invalid { path, line, field: f, .. } = &err else { panic!("{what}: {err}") };
        assert_eq!((path.as_path(), f.as_str()), (file.path(), *field), "{what}: {err}");
        // The last line with the text: the first disruption may have it too.
        let text = file.text();
        let expected = text.lines().collect::<Vec<_>>().iter().rposition(|l| l.contains(on_line)).unwrap() + 1;
        assert_eq!(*line, expected, "{what}: {err}");
    }
    // A misspelt key lists the keys this kind takes, the common ones included.
    let err = with_disruptions(&[DISRUPTION_CASES[1].1[0]]).error().to_string();
    assert!(err.contains("`closed`") && err.contains("`start_h`") && !err.contains("`doors_down`"), "{err}");
}

#[test]
fn surges_may_not_push_a_site_past_the_order_rate_limit() {
    // 14 orders an hour at the peak, times 10,000: over the 100,000 an hour a site may take.
    const SURGE: &str = "[[disruption]]\nkind = \"demand_surge\"\nmultiplier = 800\nstart_h = 1\nduration_h = 1\n";
    let err = tiny_error(&format!("{}\n{SURGE}", rates!("200")));
    let ScenarioError::Invalid { field, message, .. } = &err else { panic!("{err}") };
    assert_eq!(field, "disruption[0].multiplier", "{err}");
    assert!(message.contains("100000"), "{err}");
    // The same surge over the ordinary rates is fine.
    crate::fixture::tiny(SURGE);
}

#[test]
fn counts_of_sites_and_classes_are_bounded() {
    let site = |name: String| {
        format!(
            "[[site]]\nname = \"{name}\"\nlocation = [0, 0]\ndoors = 1\nload_fixed_min = {{ dist = \"fixed\", value = 1 }}\n\n"
        )
    };
    // The depot, then 10,000 more: one too many.
    let names = std::iter::once("depot".to_string()).chain((1..=10_000).map(|i| format!("s{i}")));
    let sites: String = names.map(site).collect();
    let overlay = Derived::overlay(TINY, &sites);
    let err = overlay.error();
    let ScenarioError::Invalid { field, line, .. } = &err else { panic!("{err}") };
    assert_eq!((field.as_str(), *line), ("site[10000]", line_of(&overlay.text(), "name = \"s10000\"") - 1), "{err}");

    let class = |i: usize| format!("[[orders.class]]\nname = \"c{i}\"\nshare = 1\n\n");
    let classes: String = (0..=1000).map(class).collect();
    let err = tiny_error(&classes);
    let ScenarioError::Invalid { field, .. } = &err else { panic!("{err}") };
    assert_eq!(field, "orders.class[1000]", "{err}");
}

/// A policy file with `text`, given to tiny.toml; the error.
fn policy_file_error(text: &str) -> ScenarioError {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    std::fs::write(&path, text).unwrap();
    let mut tiny = load(TINY);
    tiny.use_policy_file(&path).unwrap_err()
}

#[test]
fn errors_in_a_policy_file_name_the_key() {
    // (file, field, line, column)
    let cases: &[(&str, &str, usize, usize)] = &[
        ("kind = \"greedy_edd\"\nepoch_min = 5\nmin_fill = 1.7\n", "min_fill", 3, 1),
        ("kind = \"greedy_edd\"\nepoch_min = \"x\"\n", "epoch_min", 2, 13),
        ("kind = \"greedy_edd\"\nepoch_min = 0.01\n", "epoch_min", 2, 1),
        (
            "kind = \"carrier_overflow\"\nmax_price = 70\n\n[greedy]\nepoch_min = 5\nmin_fil = 0.7\n",
            "greedy.min_fil",
            6,
            1,
        ),
        (
            "kind = \"carrier_overflow\"\nmax_price = 70\n\n[greedy]\nepoch_min = 5\nmin_fill = 1.7\n",
            "greedy.min_fill",
            6,
            1,
        ),
        ("# a comment\nkind = \"greedy_xyz\"\n", "kind", 2, 8),
        ("epoch_min = 5\n", "kind", 1, 1),
    ];
    for (text, field, line, column) in cases {
        let err = policy_file_error(text);
        let ScenarioError::Invalid { field: f, line: l, column: c, .. } = &err else { panic!("{err}") };
        assert_eq!((f.as_str(), *l, *c), (*field, *line, *column), "{text}: {err}");
    }
}

#[test]
fn each_mistake_names_file_line_column_and_field() {
    for (what, overlay, field, on_line) in CASES {
        let overlay = Derived::overlay(TINY, overlay);
        let err = overlay.error();
        let ScenarioError::Invalid { path, line, column, field: f, message } = &err else { panic!("{what}: {err}") };
        assert_eq!(path, overlay.path(), "{what}");
        assert_eq!(f, field, "{what}: {err}");
        assert_eq!(*line, line_of(&overlay.text(), on_line), "{what}: {err}");
        assert!(*column >= 1 && !message.is_empty(), "{what}: {err}");
        let shown = err.to_string();
        assert!(shown.starts_with(&format!("{}:{line}:{column}: {field}: ", path.display())), "{what}: {shown}");
    }
    // A missing key, which an overlay cannot say: at its table's header, in a file that extends nothing.
    let missing = single_file(TINY, "", &["carrier[0].name"]);
    let err = missing.error();
    let ScenarioError::Invalid { path, line, field, .. } = &err else { panic!("{err}") };
    assert_eq!((path.as_path(), field.as_str()), (missing.path(), "carrier[0].name"), "{err}");
    assert_eq!(*line, line_of(&missing.text(), "[[carrier]]"), "{err}");
}

#[test]
fn missing_sections_are_named() {
    let err = single_file(TINY, "", &["fleet"]).error().to_string();
    assert!(err.contains("fleet") && err.contains("empty"), "{err}");
    let err = single_file(TINY, "", &["orders"]).error().to_string();
    assert!(err.contains("orders"), "{err}");
    let syntax = Derived::overlay(TINY, depot!("doors = = 2"));
    let err = syntax.error().to_string();
    let at = format!("{}:{}:", syntax.path().display(), line_of(&syntax.text(), "doors = = 2"));
    assert!(err.starts_with(&at), "{err}");
}

#[test]
fn unreadable_file_is_an_error_not_a_panic() {
    let err = Scenario::load(Path::new("no/such/file.toml")).unwrap_err();
    assert!(matches!(err, ScenarioError::Io { .. }));
    assert!(err.to_string().starts_with("no/such/file.toml: cannot read"));
}

#[test]
fn shipped_scenarios_load() {
    let mut names: Vec<String> = std::fs::read_dir(repo("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| format!("scenarios/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    names.extend(["sim/tests/fixtures/dock_mmc.toml".into(), "sim/tests/fixtures/stressed.toml".into()]);
    for name in names {
        Scenario::load(&repo(&name)).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut policy = Scenario::load(&repo("scenarios/regional.toml")).unwrap();
    policy.use_policy_file(&repo("scenarios/policies/carrier_overflow.toml")).unwrap_or_else(|e| panic!("{e}"));
    let regional = Scenario::load(&repo("scenarios/regional.toml")).unwrap();
    assert_eq!(regional.sites.len(), 3);
    assert!(regional.sites.iter().all(|s| (4..=8).contains(&s.doors)));
    assert_eq!(regional.vehicles.len(), 80);
    assert_eq!(regional.vehicle_types.len(), 2);
    assert_eq!(regional.carriers.len(), 2);
    let sim::scenario::Demand::Generated(g) = &regional.demand else { panic!() };
    let per_day: f64 = g.rates_per_hour.iter().flatten().sum();
    assert!((2800.0..3200.0).contains(&per_day), "{per_day}");
}

/// Loads `path` on a thread and waits at most 20 s: a file that blocks its reader (a FIFO) or
/// never ends (`/dev/zero`) must be refused, not read.
fn load_within(path: &Path) -> Result<Scenario, ScenarioError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(Scenario::load(&path));
    });
    rx.recv_timeout(std::time::Duration::from_secs(20)).expect("still reading after 20 s")
}

fn fifo(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    path
}

#[test]
fn only_plain_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = fifo(dir.path());
    let err = load_within(&fifo).unwrap_err().to_string();
    assert!(err.ends_with("fifo: cannot read: not a plain file"), "{err}");
    let err = load_within(Path::new("/dev/null")).unwrap_err().to_string();
    assert_eq!(err, "/dev/null: cannot read: not a plain file");

    // A base, an order CSV and a plan named by a scenario: the error is at the key naming it.
    let overlay = dir.path().join("overlay.toml");
    std::fs::write(&overlay, "extends = \"fifo\"\nname = \"x\"\n").unwrap();
    let err = load_within(&overlay).unwrap_err().to_string();
    assert!(err.contains("overlay.toml:1:1: extends: cannot read") && err.ends_with("not a plain file"), "{err}");
    // An inline table replaces tiny's [orders] whole.
    let replay = Derived::overlay(TINY, "orders = { csv = \"fifo\", service_min = { dist = \"fixed\", value = 5 } }\n");
    self::fifo(replay.dir());
    let err = load_within(replay.path()).unwrap_err().to_string();
    assert!(err.contains("orders.csv: cannot read") && err.ends_with("not a plain file"), "{err}");
    let plan = Derived::overlay(TINY, "[policy]\nkind = \"plan_replay\"\nfile = \"fifo\"\n");
    self::fifo(plan.dir());
    let err = load_within(plan.path()).unwrap_err().to_string();
    assert!(err.contains("policy.file: cannot read") && err.ends_with("not a plain file"), "{err}");
}

#[test]
fn files_are_bounded_in_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.toml");
    // Sparse: no disk is used. Zero bytes are valid UTF-8, so only the size can refuse it.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(sim::scenario::limits::TEXT_FILE_BYTES + 1).unwrap();
    let err = load_within(&path).unwrap_err().to_string();
    assert!(err.ends_with("big.toml: cannot read: larger than the limit of 16 MiB"), "{err}");
}

#[test]
fn text_that_is_not_utf8_is_located() {
    let overlay = Derived::overlay(TINY, "name = \"tiny?\"\n");
    let mut bytes = overlay.text().into_bytes();
    let at = bytes.windows(5).position(|w| w == b"tiny?").unwrap() + 4;
    bytes[at] = 0xff;
    std::fs::write(overlay.path(), &bytes).unwrap();
    let err = overlay.error().to_string();
    assert!(err.ends_with("overlay.toml:2:13: (document): not UTF-8 text: byte 0xff"), "{err}");
}
