//! Policies as external programs over the JSON-lines protocol: the Python example works, runs
//! are reproducible, and every way a program can fail stops the run with a message naming the
//! replication, the decision time and the request — never a hang.

use std::path::Path;

use sim::{RunError, run_replication};

use crate::fixture::TINY;
use crate::{load, repo, with_policy};

#[test]
fn the_python_example_policy_dispatches_and_keeps_the_invariants() {
    let scenario = with_policy(TINY, &repo("examples/policies/edd_fill.toml"));
    let a = run_replication(&scenario, 3, 0, true).unwrap_or_else(|e| panic!("{e}"));
    assert!(a.kpis.get("orders_delivered").unwrap() > 100.0);
    assert!(a.kpis.get("stops_per_trip_mean").unwrap() > 2.0, "it fills vans");
    let b = run_replication(&scenario, 3, 0, true).unwrap();
    assert_eq!(a.fingerprint, b.fingerprint, "same program, same seed: same run");
}

/// A policy file running `script` (Python) with a short time limit.
fn failing(dir: &Path, script: &str) -> String {
    failing_with(dir, "scenarios/tiny.toml", script, "command = [\"python3\", \"policy.py\"]\ntimeout_ms = 2000\n").0
}

/// Runs `scenario` with `script` as `policy.py` under the policy file `kind = "process"` +
/// `toml`; the failure message and how long the run took.
fn failing_with(dir: &Path, scenario: &str, script: &str, toml: &str) -> (String, std::time::Duration) {
    std::fs::write(dir.join("policy.py"), script).unwrap();
    std::fs::write(dir.join("policy.toml"), format!("kind = \"process\"\n{toml}")).unwrap();
    let scenario = with_policy(scenario, &dir.join("policy.toml"));
    let started = std::time::Instant::now();
    let err = match run_replication(&scenario, 1, 0, false) {
        Err(RunError::Policy(failure)) => {
            assert_eq!(failure.replication, 0, "{failure:?}");
            failure.to_string()
        }
        other => panic!("expected a policy failure, got {other:?}"),
    };
    let took = started.elapsed();
    assert!(took.as_secs() < 20, "took {took:?}");
    assert!(err.contains("replication 0, decision epoch"), "{err}");
    assert!(err.contains("request: {\"now\":"), "{err}");
    (err, took)
}

const HEADER: &str = "import json, sys, time\nfor line in sys.stdin:\n    m = json.loads(line)\n    if m['type'] == 'hello':\n        print(json.dumps({'type': 'ready', 'protocol': 'dtwin-policy/1'}), flush=True)\n        continue\n";

#[test]
fn a_crash_is_reported_with_the_programs_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let err = failing(dir.path(), &format!("{HEADER}    sys.stderr.write('out of coffee\\n')\n    sys.exit(3)\n"));
    assert!(err.contains("closed its output without replying"), "{err}");
    assert!(err.contains("out of coffee"), "{err}");
}

#[test]
fn a_timeout_stops_the_program_and_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let err = failing(dir.path(), &format!("{HEADER}    time.sleep(30)\n"));
    assert!(err.contains("no reply within 2000 ms"), "{err}");
}

/// A program that stops reading its input while dtwin writes a request bigger than the pipe's
/// buffer (regional with nothing dispatched: the requests grow past 150 kB; the program answers
/// one of those, then sleeps) fails the run within the time limit instead of blocking dtwin in
/// the write.
#[test]
fn a_program_that_stops_reading_fails_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "{HEADER}    print(json.dumps({{'type': 'decision', 'epoch': m['epoch'], 'routes': []}}), flush=True)\n    if len(line) > 150000:\n        time.sleep(30)\n"
    );
    let toml = "command = [\"python3\", \"policy.py\"]\ntimeout_ms = 2000\n";
    let (err, _) = failing_with(dir.path(), "scenarios/regional.toml", &script, toml);
    assert!(err.contains("the program stopped reading its input"), "{err}");
    assert!(err.contains("-byte request was not taken within 2000 ms; the program was stopped"), "{err}");
}

/// A reply line without end is read up to the limit only (16 MiB by default, `max_reply_mib`).
#[test]
fn an_endless_reply_line_fails_at_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let endless = format!("{HEADER}    while True:\n        sys.stdout.write('x' * 65536)\n");
    let err = failing(dir.path(), &endless);
    assert!(err.contains("its reply line is longer than the limit of 16 MiB (max_reply_mib)"), "{err}");
    let toml = "command = [\"python3\", \"policy.py\"]\ntimeout_ms = 2000\nmax_reply_mib = 1\n";
    let (err, _) = failing_with(dir.path(), "scenarios/tiny.toml", &endless, toml);
    assert!(err.contains("longer than the limit of 1 MiB"), "{err}");
    // Up to the limit, a line is fine: a valid decision padded to 1.5 MiB with 2 MiB allowed.
    let padded = format!(
        "{HEADER}    print(' ' * 1500000 + json.dumps({{'type': 'decision', 'epoch': m['epoch'], 'routes': []}}), flush=True)\n"
    );
    std::fs::write(dir.path().join("policy.py"), padded).unwrap();
    std::fs::write(
        dir.path().join("policy.toml"),
        "kind = \"process\"\ncommand = [\"python3\", \"policy.py\"]\nmax_reply_mib = 2\nepoch_min = 60\n",
    )
    .unwrap();
    let scenario = with_policy(TINY, &dir.path().join("policy.toml"));
    run_replication(&scenario, 1, 0, false).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("policy.toml"), "kind = \"process\"\ncommand = [\"x\"]\nmax_reply_mib = 0\n")
        .unwrap();
    let err = load("scenarios/tiny.toml").use_policy_file(&dir.path().join("policy.toml")).unwrap_err().to_string();
    assert!(err.contains("max_reply_mib must be in [1, 1024], got 0"), "{err}");
}

/// Whether process `pid` is gone: no longer there, or dead and only waiting for its (new) parent
/// to collect it.
fn gone(pid: &str) -> bool {
    assert!(std::fs::read_to_string("/proc/self/stat").is_ok(), "this check reads /proc (Linux)");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat) if stat.rsplit(')').next().is_some_and(|s| s.trim_start().starts_with(['Z', 'X'])) => return true,
            Ok(_) if std::time::Instant::now() > until => return false,
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

/// The program runs in its own process group, and the whole group is stopped when the run
/// fails (a timeout, a malformed reply) or ends: a wrapper's children do not outlive it.
#[test]
fn the_whole_process_group_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = "import os\nopen('policy.pid', 'w').write(str(os.getpid()))\n";
    let wrapped = "command = [\"sh\", \"-c\", \"python3 policy.py; true\"]\ntimeout_ms = 2000\n";
    for (reply, expected) in [
        ("time.sleep(30)\n", "no reply within 2000 ms"),
        ("print('nonsense', flush=True)\n    time.sleep(30)\n", "malformed reply"),
    ] {
        let _ = std::fs::remove_file(dir.path().join("policy.pid"));
        let (err, _) =
            failing_with(dir.path(), "scenarios/tiny.toml", &format!("{pid_file}{HEADER}    {reply}"), wrapped);
        assert!(err.contains(expected), "{err}");
        let pid = std::fs::read_to_string(dir.path().join("policy.pid")).unwrap();
        assert!(gone(&pid), "the wrapped program {pid} is still running after: {err}");
    }
    // At the end of a valid run too, even what the program left running in the background.
    let script = format!(
        "{HEADER}    if m['type'] == 'bye':\n        break\n    print(json.dumps({{'type': 'decision', 'epoch': m['epoch'], 'routes': []}}), flush=True)\n"
    );
    std::fs::write(dir.path().join("policy.py"), script).unwrap();
    std::fs::write(
        dir.path().join("policy.toml"),
        "kind = \"process\"\ncommand = [\"sh\", \"-c\", \"sleep 30 & echo $! > sleep.pid; python3 policy.py\"]\nepoch_min = 60\n",
    )
    .unwrap();
    let scenario = with_policy(TINY, &dir.path().join("policy.toml"));
    run_replication(&scenario, 1, 0, false).unwrap_or_else(|e| panic!("{e}"));
    let pid = std::fs::read_to_string(dir.path().join("sleep.pid")).unwrap();
    assert!(gone(pid.trim()), "the program's background process {pid} outlived the run");
}

/// What the program writes to its standard error, valid UTF-8 or not and however much, never
/// blocks it.
#[test]
fn standard_error_never_blocks_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "import sys\nsys.stderr.buffer.write(b'\\xff\\xfe not utf-8\\n' + b'e' * 1000000 + b'\\nthe end\\n')\nsys.stderr.flush()\n{HEADER}    sys.stderr.write('giving up\\n')\n    sys.exit(3)\n"
    );
    let err = failing(dir.path(), &script);
    assert!(err.contains("closed its output without replying (exit status: 3)"), "{err}");
    assert!(err.contains("the end\ngiving up"), "{err}");
    assert!(err.len() < 5000, "the stderr tail is bounded: {} bytes", err.len());
}

#[test]
fn malformed_and_mismatched_replies_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = failing(dir.path(), &format!("{HEADER}    print('routes: none', flush=True)\n"));
    assert!(err.contains("malformed reply") && err.contains("routes: none"), "{err}");
    let err = failing(
        dir.path(),
        &format!("{HEADER}    print(json.dumps({{'type': 'decision', 'epoch': 99, 'routes': []}}), flush=True)\n"),
    );
    assert!(err.contains("answered epoch 99, expected 0"), "{err}");
    let wrong_protocol = "import json, sys\nfor line in sys.stdin:\n    print(json.dumps({'type': 'ready', 'protocol': 'other/9'}), flush=True)\n";
    let err = failing(dir.path(), wrong_protocol);
    assert!(err.contains("speaks protocol \"other/9\""), "{err}");
}

#[test]
fn a_missing_program_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.toml"), "kind = \"process\"\ncommand = [\"./no-such-program\"]\n").unwrap();
    let scenario = with_policy(TINY, &dir.path().join("policy.toml"));
    let Err(RunError::Policy(failure)) = run_replication(&scenario, 1, 0, false) else { panic!("expected a failure") };
    assert_eq!((failure.program.as_str(), failure.epoch), ("./no-such-program", 0));
    let err = failure.to_string();
    assert!(err.contains("cannot start") && err.contains("no-such-program"), "{err}");
}

#[test]
fn policy_files_are_validated_like_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    std::fs::write(&path, "kind = \"greedy_edd\"\nmin_fill = 2\n").unwrap();
    let err = load("scenarios/tiny.toml").use_policy_file(&path).unwrap_err().to_string();
    assert!(err.contains("p.toml:2:1: min_fill: min_fill must be in [0, 1], got 2"), "{err}");
    std::fs::write(&path, "kind = \"process\"\ncomand = [\"x\"]\n").unwrap();
    let err = load("scenarios/tiny.toml").use_policy_file(&path).unwrap_err().to_string();
    assert!(err.contains("p.toml:2:1: comand: unknown field `comand`"), "{err}");
}

/// The protocol's JSON Schemas (docs/schemas) list exactly the fields dtwin sends.
#[test]
fn documented_schemas_match_what_is_sent() {
    use policies::{AllocationPolicy, AllocationRequest, Decision, Epochs};
    use std::sync::{Arc, Mutex};
    struct Record(Arc<Mutex<Option<AllocationRequest>>>, Box<dyn AllocationPolicy>);
    impl AllocationPolicy for Record {
        fn epochs(&self) -> Epochs {
            Epochs { needs_busy_vehicles: true, ..self.1.epochs() }
        }
        fn allocate(&mut self, r: &AllocationRequest) -> Decision {
            // The first request with vehicles out on the road.
            if !r.busy_vehicles.is_empty() {
                self.0.lock().unwrap().get_or_insert_with(|| r.clone());
            }
            self.1.allocate(r)
        }
    }
    let scenario = load("scenarios/regional.toml");
    let seen = Arc::new(Mutex::new(None));
    let policy = Record(seen.clone(), scenario.policy.builtin().expect("a built-in policy").build());
    sim::Engine::with_policy(&scenario, 1, 0, vec![], Box::new(policy)).run().unwrap();
    let recorded = seen.lock().unwrap().take().unwrap();
    for v in &recorded.busy_vehicles {
        assert!(!v.departed || v.back_expected.is_some_and(|t| t >= recorded.now), "{v:?}");
        assert!(
            v.stops_left.iter().all(|id| recorded.orders.iter().all(|o| o.id != *id)),
            "routed orders are not open"
        );
    }
    let request = serde_json::to_value(recorded).unwrap();

    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo("docs/schemas/decide.schema.json")).unwrap()).unwrap();
    let defs = &schema["$defs"];
    fn keys(v: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }
    fn required(s: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> =
            s["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        k.sort();
        k
    }
    let def = |reference: &serde_json::Value| {
        let name = reference["$ref"].as_str().unwrap().strip_prefix("#/$defs/").unwrap().to_string();
        defs[&name].clone()
    };
    let req_schema = &defs["request"];
    assert_eq!(keys(&request), required(req_schema));
    assert_eq!(keys(&request["travel"]), required(&def(&req_schema["properties"]["travel"])));
    for list in LISTS {
        let item = &request[list][0];
        assert!(!item.is_null(), "regional's first epoch has {list}");
        assert_eq!(keys(item), required(&def(&req_schema["properties"][list]["items"])), "{list}");
    }

    // Protocol 2 sends the same items, as changes.
    let changes = &defs["changes"];
    assert_eq!(required(changes), {
        let mut k: Vec<String> = LISTS.iter().map(|l| l.to_string()).chain(["now".to_string()]).collect();
        k.sort();
        k
    });
    for list in LISTS {
        let upserts = &changes["properties"][list];
        assert_eq!(upserts["properties"]["set"]["items"], req_schema["properties"][list]["items"], "{list}");
        assert_eq!(required(upserts), ["removed", "set"]);
    }
}

const LISTS: [&str; 6] = ["sites", "orders", "vehicles", "busy_vehicles", "drivers", "carriers"];

/// A program speaking protocol 2 decides exactly as it does speaking protocol 1: the changes it
/// is sent add up to the requests protocol 1 sends (examples/policies/edd_fill.py speaks both),
/// and after the first epoch they are a fraction of them.
#[test]
fn protocol_2_sends_what_changed_and_decides_as_protocol_1() {
    let dir = tempfile::tempdir().unwrap();
    let example = repo("examples/policies/edd_fill.py");
    let mut runs = Vec::new();
    for protocol in ["1", "2"] {
        let stats = dir.path().join(format!("v{protocol}.stats"));
        let toml = format!(
            "kind = \"process\"\ncommand = [\"python3\", {:?}, \"--protocol\", \"{protocol}\", \"--stats\", {:?}]\nepoch_min = 10\n[params]\nfill = 0.6\nslack_min = 45\n",
            example.display().to_string(),
            stats.display().to_string(),
        );
        std::fs::write(dir.path().join("policy.toml"), toml).unwrap();
        let scenario = with_policy(TINY, &dir.path().join("policy.toml"));
        let run = run_replication(&scenario, 5, 1, true).unwrap_or_else(|e| panic!("{e}"));
        let bytes: Vec<u64> = std::fs::read_to_string(&stats)
            .unwrap()
            .lines()
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect();
        runs.push((run.fingerprint, bytes));
    }
    let ((v1, bytes1), (v2, bytes2)) = (&runs[0], &runs[1]);
    assert_eq!(v1, v2, "same decisions");
    assert_eq!(bytes1.len(), bytes2.len(), "same epochs");
    assert!(bytes1.len() > 20);
    let (total1, total2): (u64, u64) = (bytes1.iter().sum(), bytes2.iter().sum());
    assert!(total2 * 2 < total1, "protocol 2 sent {total2} bytes, protocol 1 {total1}");
}

/// The configuration's `params` reach the program in `hello`, as numbers, and `hello` carries
/// exactly the fields its schema requires; without `params` in the configuration, `{}`.
#[test]
fn hello_carries_the_policys_params() {
    let dir = tempfile::tempdir().unwrap();
    let script = "import json, sys\nfor line in sys.stdin:\n    m = json.loads(line)\n    if m['type'] == 'hello':\n        open('hello.json', 'w').write(line)\n        print(json.dumps({'type': 'ready', 'protocol': 'dtwin-policy/1'}), flush=True)\n    elif m['type'] == 'decide':\n        print(json.dumps({'type': 'decision', 'epoch': m['epoch'], 'routes': []}), flush=True)\n";
    std::fs::write(dir.path().join("policy.py"), script).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo("docs/schemas/hello.schema.json")).unwrap()).unwrap();
    let mut required: Vec<&str> = schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    required.sort();
    for (params, expected) in [
        ("params = { fill = 0.6, slack_min = 45 }\n", serde_json::json!({"fill": 0.6, "slack_min": 45.0})),
        ("", serde_json::json!({})),
    ] {
        std::fs::write(
            dir.path().join("policy.toml"),
            format!("kind = \"process\"\ncommand = [\"python3\", \"policy.py\"]\nepoch_min = 60\n{params}"),
        )
        .unwrap();
        let scenario = with_policy(TINY, &dir.path().join("policy.toml"));
        run_replication(&scenario, 1, 2, false).unwrap_or_else(|e| panic!("{e}"));
        let hello: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("hello.json")).unwrap()).unwrap();
        assert_eq!(hello["params"], expected, "{hello}");
        assert_eq!(hello["replication"], 2);
        let mut keys: Vec<&str> = hello.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, required, "hello.schema.json lists what is sent");
        assert_eq!(schema["properties"]["params"]["additionalProperties"]["type"], "number");
    }
}

/// A program's `params` are finite numbers with names of their own: a string, a NaN or a name
/// of the policy's own settings is refused where the file writes it.
#[test]
fn process_params_are_checked_where_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    for (params, expected) in [
        ("params = { fill = \"high\" }", "p.toml:3:19: params.fill: invalid type: string"),
        ("[params]\nfill = nan", "p.toml:4:1: params.fill: params.fill must be a finite number, got NaN"),
        ("[params]\nepoch_min = 3", "p.toml:4:1: params.epoch_min: params.epoch_min must be renamed"),
    ] {
        std::fs::write(&path, format!("kind = \"process\"\ncommand = [\"x\"]\n{params}\n")).unwrap();
        let err = load("scenarios/tiny.toml").use_policy_file(&path).unwrap_err().to_string();
        assert!(err.contains(expected), "{expected:?} not in {err}");
    }
}

/// A policy may cancel open orders; cancelling what is not open is refused and counted.
#[test]
fn cancellations_from_a_program_cancel_open_orders_only() {
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "{HEADER}    ids = [o['id'] for o in m['request']['orders']]\n    print(json.dumps({{'type': 'decision', 'epoch': m['epoch'], 'routes': [], 'cancellations': ids + [999999]}}), flush=True)\n"
    );
    std::fs::write(dir.path().join("policy.py"), script).unwrap();
    std::fs::write(
        dir.path().join("policy.toml"),
        "kind = \"process\"\ncommand = [\"python3\", \"policy.py\"]\non_events = true\n",
    )
    .unwrap();
    let scenario = with_policy(TINY, &dir.path().join("policy.toml"));
    let r = run_replication(&scenario, 1, 0, true).unwrap_or_else(|e| panic!("{e}"));
    let k = |n: &str| r.kpis.get(n).unwrap();
    assert_eq!(k("orders_delivered"), 0.0);
    assert_eq!(k("orders_cancelled"), k("orders_created"), "every order cancelled once it was ready");
    assert!(k("decisions_rejected") > 0.0, "the unknown order's cancellations are refused");
}

/// With `charge_latency`, a decision takes effect its measured reply time after the epoch.
#[test]
fn charged_latency_delays_decisions_in_simulated_time() {
    use policies::Instant;
    use sim::log::{LogSink, Record};
    struct Assigned(Vec<Instant>);
    impl LogSink for Assigned {
        fn record(&mut self, t: Instant, r: &Record) {
            if matches!(r, Record::RouteAssigned { .. }) {
                self.0.push(t);
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let example = repo("examples/policies");
    let script = format!(
        "import sys, time\nsys.path.insert(0, {:?})\nimport edd_fill\nslow = edd_fill.decide\nedd_fill.decide = lambda r, p: (time.sleep(0.005), slow(r, p))[1]\nedd_fill.main()\n",
        example.display().to_string()
    );
    std::fs::write(dir.path().join("slow.py"), script).unwrap();
    let epoch_ms = 10 * 60_000;
    for (charge, delayed) in [(false, false), (true, true)] {
        let toml = format!(
            "kind = \"process\"\ncommand = [\"python3\", \"slow.py\"]\nepoch_min = 10\ncharge_latency = {charge}\n"
        );
        std::fs::write(dir.path().join("slow.toml"), toml).unwrap();
        let scenario = with_policy(TINY, &dir.path().join("slow.toml"));
        let mut assigned = Assigned(Vec::new());
        sim::Engine::new(&scenario, 1, 0, vec![&mut assigned]).run().unwrap();
        assert!(!assigned.0.is_empty());
        let off_epoch = assigned.0.iter().filter(|t| t.0 % epoch_ms != 0).count();
        assert_eq!(off_epoch > 0, delayed, "charge_latency = {charge}: {:?}", &assigned.0[..5.min(assigned.0.len())]);
    }
}

/// A program's failure is what `decide` answers, at that epoch and every later one: the program
/// is not started again.
#[test]
fn a_failed_program_answers_every_later_epoch_with_its_failure() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "kind = \"process\"\ncommand = [\"sh\", \"-c\", \"echo started >> starts.txt; exit 3\"]\n";
    std::fs::write(dir.path().join("policy.toml"), toml).unwrap();
    let scenario = with_policy(TINY, &dir.path().join("policy.toml"));
    let mut policy = scenario.policy.start(&scenario.policy_dir, &scenario.name, 4);
    assert!(matches!(policy, sim::RunPolicy::Process(_)));
    let request: policies::AllocationRequest = serde_json::from_str(
        r#"{"now": 60000, "travel": {"metric": "euclidean", "circuity": 1.0, "noise_mean": 1.0, "truncate_decimals": null},
            "sites": [], "orders": [], "vehicles": [], "busy_vehicles": [], "drivers": [], "carriers": []}"#,
    )
    .unwrap();
    let first = policy.decide(&request).unwrap_err();
    assert_eq!((first.replication, first.epoch, first.at), (4, 0, policies::Instant(60_000)));
    let message = first.to_string();
    assert!(message.contains("replication 4, decision epoch 0 at 00:01:00 (t = 60000 ms): "), "{message}");
    assert_eq!(policy.decide(&request).unwrap_err(), first, "the same failure, not a second start");
    assert_eq!(std::fs::read_to_string(dir.path().join("starts.txt")).unwrap(), "started\n");
}
