//! Engine benchmarks: the event calendar alone, one replication of the regional scenario and of the
//! SimPy peer model, the scale curve, the built-in policy per decision epoch, and replications on
//! 1 and 2 threads.
//! Figures: README.md.

use std::hint::black_box;
use std::sync::{Arc, Mutex};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use policies::{AllocationPolicy, AllocationRequest, Decision, Duration, Epochs, Instant};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sim::calendar::Calendar;
use sim::process::Encoder;
use sim::{Engine, Scenario};

fn load(path: &str) -> Scenario {
    Scenario::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn regional() -> Scenario {
    load("scenarios/regional.toml")
}

/// The classic hold model: `pending` events in the calendar; each step pops the earliest and
/// schedules one a random time later.
fn calendar(c: &mut Criterion) {
    let mut group = c.benchmark_group("calendar");
    for pending in [1_000u64, 100_000] {
        let steps = 1_000_000u64;
        group.throughput(Throughput::Elements(steps));
        group.bench_with_input(BenchmarkId::new("hold", pending), &pending, |b, &pending| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
            let mut cal = Calendar::new();
            for i in 0..pending {
                cal.schedule(Instant(rng.next_u64() % 1_000_000), i);
            }
            b.iter(|| {
                for _ in 0..steps {
                    let (t, e) = cal.pop().unwrap();
                    cal.schedule(t + Duration(rng.next_u64() % 1_000_000), black_box(e));
                }
            });
        });
    }
    group.finish();
}

/// One replication of a scenario, cycling through 8 replications' streams; throughput in events.
fn bench_replication(c: &mut Criterion, group: &str, name: &str, scenario: &Scenario) {
    let events = Engine::new(scenario, 1, 0, Vec::new()).run().unwrap().events;
    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements(events));
    group.bench_function(name, |b| {
        let mut rep = 0;
        b.iter(|| {
            rep += 1;
            black_box(Engine::new(scenario, 1, rep % 8, Vec::new()).run().unwrap())
        })
    });
    group.finish();
}

fn replication(c: &mut Criterion) {
    bench_replication(c, "engine", "regional_replication", &regional());
}

/// The SimPy peer model (benches/peers/README.md): the dtwin side of the comparison.
fn peers(c: &mut Criterion) {
    bench_replication(c, "peers", "depot_replication", &load("benches/peers/depot.toml"));
}

/// The scale curve: regional scaled 3x, 10x, 33x (benches/scale/scale.py writes the scenarios).
fn scale(c: &mut Criterion) {
    for factor in [3, 10, 33] {
        let scenario = load(&format!("benches/scale/regional-x{factor}.toml"));
        let events = Engine::new(&scenario, 1, 0, Vec::new()).run().unwrap().events;
        let mut group = c.benchmark_group("scale");
        group.sample_size(10).throughput(Throughput::Elements(events));
        group.bench_function(format!("regional_x{factor}"), |b| {
            b.iter(|| black_box(Engine::new(&scenario, 1, 0, Vec::new()).run().unwrap()))
        });
        group.finish();
    }
}

/// Records the requests the built-in policy is asked, to replay them outside the engine.
struct Recorder {
    inner: Box<dyn AllocationPolicy>,
    seen: Arc<Mutex<Vec<AllocationRequest>>>,
}

impl AllocationPolicy for Recorder {
    fn epochs(&self) -> Epochs {
        self.inner.epochs()
    }
    fn allocate(&mut self, request: &AllocationRequest) -> Decision {
        self.seen.lock().unwrap().push(request.clone());
        self.inner.allocate(request)
    }
}

fn policy(c: &mut Criterion) {
    let scenario = regional();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder =
        Recorder { inner: scenario.policy.builtin().expect("a built-in policy").build(), seen: seen.clone() };
    Engine::with_policy(&scenario, 1, 0, Vec::new(), Box::new(recorder)).run().unwrap();
    let requests = std::mem::take(&mut *seen.lock().unwrap());
    let mut group = c.benchmark_group("policy");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("greedy_edd_regional_day_of_epochs", |b| {
        let mut policy = scenario.policy.builtin().expect("a built-in policy").build();
        b.iter(|| {
            for r in &requests {
                black_box(policy.allocate(r));
            }
        })
    });
    group.finish();
}

/// What the process protocol costs dtwin: writing a day of regional's `decide` lines, the whole
/// request each time (version 1) or what changed (version 2). The requests are those a process
/// policy is sent (vehicles on trips included, every epoch with open orders).
fn protocol(c: &mut Criterion) {
    struct AsProcess(Box<dyn AllocationPolicy>, Arc<Mutex<Vec<AllocationRequest>>>);
    impl AllocationPolicy for AsProcess {
        fn epochs(&self) -> Epochs {
            Epochs { needs_free_fleet: false, needs_busy_vehicles: true, ..self.0.epochs() }
        }
        fn allocate(&mut self, request: &AllocationRequest) -> Decision {
            self.1.lock().unwrap().push(request.clone());
            self.0.allocate(request)
        }
    }
    let scenario = regional();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let policy = AsProcess(scenario.policy.builtin().expect("a built-in policy").build(), seen.clone());
    Engine::with_policy(&scenario, 1, 0, Vec::new(), Box::new(policy)).run().unwrap();
    let requests = std::mem::take(&mut *seen.lock().unwrap());
    let mut group = c.benchmark_group("protocol");
    group.throughput(Throughput::Elements(requests.len() as u64));
    for (name, encoder) in [
        ("v1_decide_lines_regional_day", Encoder::protocol_1 as fn() -> Encoder),
        ("v2_decide_lines_regional_day", Encoder::protocol_2),
    ] {
        let mut e = encoder();
        let bytes: usize = requests.iter().enumerate().map(|(i, r)| e.decide(i as u64, r).len()).sum();
        println!("protocol/{name}: {} epochs, {} bytes per epoch", requests.len(), bytes / requests.len());
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut e = encoder();
                for (i, r) in requests.iter().enumerate() {
                    black_box(e.decide(i as u64, r));
                }
            })
        });
    }
    group.finish();
}

fn threads(c: &mut Criterion) {
    let scenario = regional();
    let mut group = c.benchmark_group("replications_100");
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        group.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, _| {
            b.iter(|| pool.install(|| sim::run_replications(&scenario, 1, 100, false, &|| {}).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, calendar, replication, peers, scale, policy, protocol, threads);
criterion_main!(benches);
