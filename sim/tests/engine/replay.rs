//! Orders replayed from a CSV file.

use sim::scenario::Demand;
use sim::{Scenario, run_replication};

use crate::repo;

fn replay_scenario(csv_line: &str) -> String {
    let tiny = std::fs::read_to_string(repo("scenarios/tiny.toml")).unwrap();
    let start = tiny.find("[orders]").unwrap();
    let end = tiny.find("[policy]").unwrap();
    format!(
        "{}[orders]\n{csv_line}\nservice_min = {{ dist = \"fixed\", value = 5 }}\n\n{}",
        &tiny[..start],
        &tiny[end..]
    )
}

#[test]
fn replayed_orders_are_all_delivered() {
    let text = replay_scenario("csv = \"orders.csv\"");
    let path = repo("sim/tests/fixtures/replay.toml");
    let scenario = Scenario::from_str(&path, &text).unwrap_or_else(|e| panic!("{e}"));
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
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orders.csv"),
        "site,created,due,size,x,y\ndepot,06:00,10:00,2,1,1\ndepot,06:10,11:00,two,1,1\n",
    )
    .unwrap();
    let path = dir.path().join("s.toml");
    let err = Scenario::from_str(&path, &replay_scenario("csv = \"orders.csv\"")).unwrap_err().to_string();
    assert!(err.contains("orders.csv:3:4: size:"), "{err}");

    std::fs::write(dir.path().join("orders.csv"), "site,created,due,size,x,y\nnowhere,06:00,10:00,2,1,1\n").unwrap();
    let err = Scenario::from_str(&path, &replay_scenario("csv = \"orders.csv\"")).unwrap_err().to_string();
    assert!(err.contains("orders.csv:2:1: site: unknown site \"nowhere\""), "{err}");

    let err = Scenario::from_str(&path, &replay_scenario("csv = \"missing.csv\"")).unwrap_err().to_string();
    assert!(err.contains("orders.csv") && err.contains("cannot read"), "{err}");
}
