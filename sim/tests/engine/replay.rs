//! Orders replayed from a CSV file.

use sim::run_replication;
use sim::scenario::Demand;

use crate::fixture::{Derived, TINY, single_file};
use crate::repo;

/// tiny replaying the orders of `csv` (a file beside it) instead of generating them. A single
/// file, not an overlay: an overlay cannot take tiny's generated demand (`rate`, `class`) away.
fn replay(csv: &str) -> Derived {
    let orders = format!("[orders]\ncsv = {csv:?}\nservice_min = {{ dist = \"fixed\", value = 5 }}\n");
    single_file(TINY, &orders, &["orders"])
}

/// tiny replaying `rows` as its `orders.csv`.
fn replaying(rows: &[u8]) -> Derived {
    let scenario = replay("orders.csv");
    std::fs::write(scenario.dir().join("orders.csv"), rows).unwrap();
    scenario
}

#[test]
fn replayed_orders_are_all_delivered() {
    let scenario = replaying(&std::fs::read(repo("sim/tests/fixtures/orders.csv")).unwrap()).scenario();
    let Demand::Replay(r) = &scenario.demand else { panic!("expected replay") };
    assert_eq!(r.rows.len(), 4);
    // Sorted by creation; the blank service time is left to be sampled.
    assert!(r.rows.windows(2).all(|w| w[0].created <= w[1].created));
    assert_eq!(r.rows.iter().filter(|o| o.service.is_none()).count(), 1);
    let result = run_replication(&scenario, 1, 0, true).unwrap();
    assert_eq!(result.kpis.get("orders_created"), Some(4.0));
    assert_eq!(result.kpis.get("orders_delivered"), Some(4.0));
}

#[test]
fn bad_csv_rows_name_file_line_and_column() {
    let scenario = replaying(b"site,created,due,size,x,y\ndepot,06:00,10:00,2,1,1\ndepot,06:10,11:00,two,1,1\n");
    let err = scenario.error().to_string();
    assert!(err.contains("orders.csv:3:4: size:"), "{err}");

    std::fs::write(scenario.dir().join("orders.csv"), "site,created,due,size,x,y\nnowhere,06:00,10:00,2,1,1\n")
        .unwrap();
    let err = scenario.error().to_string();
    assert!(err.contains("orders.csv:2:1: site: unknown site \"nowhere\""), "{err}");

    let err = replay("missing.csv").error().to_string();
    assert!(err.contains("orders.csv") && err.contains("cannot read"), "{err}");
}

/// The error `orders.csv` holding `csv` gives tiny.toml replaying it.
fn csv_error(csv: &[u8]) -> String {
    let err = replaying(csv).error().to_string();
    err.split_once("orders.csv:").map_or(err.clone(), |(_, rest)| rest.to_string())
}

#[test]
fn csv_errors_name_the_line_the_field_and_no_debug_dumps() {
    let header = "site,created,due,size,x,y\n";
    let cases: &[(&str, &str)] = &[
        // Blank lines and quoted line breaks count as lines.
        ("\ndepot,06:00,10:00,2,1,1\n\ndepot,06:10,11:00,two,1,1\n", "5:4: size:"),
        ("\ndepot,06:00,10:00,2,1,1\n\nnowhere,06:10,11:00,2,1,1\n", "5:1: site: unknown site"),
        ("depot,06:00,10:00,2,1,1\n\"depot\n\",06:10,11:00,2,1,1\ndepot,06:10,11:00,0,1,1\n", "5:4: size:"),
        ("depot,06:00,10:00,2,1,1\n\"depot\n\",06:10,11:00,2,1,nan\n", "4:6: y:"),
        // Times name their column.
        ("depot,-400,10:00,2,1,1\n", "2:2: created:"),
        ("depot,nan,10:00,2,1,1\n", "2:2: created:"),
        ("depot,06:00,25:00,2,1,1\n", "2:3: due:"),
        // Coordinates are finite.
        ("depot,06:00,10:00,2,nan,1\n", "2:5: x:"),
        ("depot,06:00,10:00,2,1,-inf\n", "2:6: y:"),
        // Rows of the wrong length.
        ("depot,06:00,10:00,2,1\n", "2:1: (row): 5 fields, but the header has 6"),
        ("depot,06:00,10:00,2,1,1,1\n", "2:1: (row): 7 fields, but the header has 6"),
    ];
    for (rows, expected) in cases {
        let err = csv_error(format!("{header}{rows}").as_bytes());
        assert!(err.starts_with(expected), "{rows:?}: {err}");
        assert!(!err.contains("Some(") && !err.contains("{ "), "{rows:?}: {err}");
    }
    let err = csv_error(b"site,created,due,size,x,y\ndepot,06:00,10:00,2,\xff1,1\n");
    assert!(err.starts_with("2:5: x: not UTF-8"), "{err}");
    // A misspelt column is not silently ignored.
    let err = csv_error(b"site,created,due,size,x,y,servce_min\ndepot,06:00,10:00,2,1,1,3\n");
    assert!(err.starts_with("1:7: servce_min: unknown column") && err.contains("service_min"), "{err}");
}

#[test]
fn csv_comment_lines_are_skipped() {
    let scenario =
        replaying(b"# exported from the WMS\nsite,created,due,size,x,y\n# morning\ndepot,06:00,10:00,2,1,1\n")
            .scenario();
    let Demand::Replay(r) = &scenario.demand else { panic!("expected replay") };
    assert_eq!(r.rows.len(), 1);
}

/// Lines are counted once through the file, not again from its start for every row: an order
/// CSV at its size limit (7 million rows) took minutes to check when they were; these 20,000
/// rows took about a minute in a debug build, and take a fraction of a second now.
#[test]
fn a_large_csv_loads_and_counts_its_lines_to_the_last_row() {
    // Lines are counted on from row to row (counting from the start for each row made a 7 M-row
    // file take minutes: benches/README.md, "Biggest accepted inputs"); the count must stay right.
    let mut csv = String::from("site,created,due,size,x,y\n");
    for i in 0..20_000 {
        csv += &format!(
            "depot,{:.2},{:.2},{},{}.5,-{}.25\n",
            i as f64 / 100.0,
            i as f64 / 100.0 + 240.0,
            1 + i % 5,
            i % 29,
            i % 23
        );
    }
    let replay = replaying(csv.as_bytes());
    let scenario = replay.scenario();
    let Demand::Replay(r) = &scenario.demand else { panic!("expected replay") };
    assert_eq!(r.rows.len(), 20_000);
    // A bad size on a row after them (line 20,002: the header is line 1) is reported there.
    std::fs::write(replay.dir().join("orders.csv"), csv + "depot,300,400,many,1,1\n").unwrap();
    let e = replay.error().to_string();
    assert!(e.contains("orders.csv:20002:"), "{e}");
}

/// Found in the field: an overlay of a scenario that replays a bad order CSV reported the error at
/// the overlay's line 1, not at the CSV's row and column.
#[test]
fn an_overlay_keeps_the_place_of_an_error_in_its_order_csv() {
    let rows = b"site,created,due,size,x,y\ndepot,06:00,10:00,2,1,1\ndepot,06:10,11:00,two,1,1\n";
    let base = replaying(rows);
    let scenario = Derived::overlay(base.path().to_str().unwrap(), "\nname = \"tiny-replayed\"\n");
    // Files a scenario names are found beside the file loaded, the overlay.
    std::fs::write(scenario.dir().join("orders.csv"), rows).unwrap();
    let err = scenario.error().to_string();
    assert!(err.contains("orders.csv:3:4: size:"), "{err}");
}
