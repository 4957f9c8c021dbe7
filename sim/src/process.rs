//! Policies in other languages: a program spoken to over JSON lines on its stdin and stdout
//! (`docs/policy-protocol.md`). One program per replication; a crash, a timeout or a malformed
//! reply stops the replication with a message naming the replication, the decision time and the
//! request — never a hang.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use policies::{AllocationPolicy, AllocationRequest, Decision, Epochs, OrderId, ProcessConfig, Route, Tender, TimeMs};
use serde::{Deserialize, Serialize};

/// The protocol version spoken; a program must answer `hello` with this in `ready`.
pub const PROTOCOL: &str = "dtwin-policy/1";

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ToPolicy<'a> {
    Hello { protocol: &'a str, scenario: &'a str, replication: u32 },
    Decide { epoch: u64, request: &'a AllocationRequest },
    Bye,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum FromPolicy {
    Ready {
        protocol: String,
        #[serde(default)]
        #[allow(dead_code)]
        name: Option<String>,
    },
    Decision {
        epoch: u64,
        routes: Vec<Route>,
        #[serde(default)]
        tenders: Vec<Tender>,
        #[serde(default)]
        cancellations: Vec<OrderId>,
    },
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
    /// The end of what the program wrote to stderr, for error messages.
    stderr: Arc<Mutex<String>>,
}

pub struct ProcessPolicy {
    config: ProcessConfig,
    /// The scenario's folder: where the program runs and relative paths start.
    dir: PathBuf,
    scenario: String,
    replication: u32,
    running: Option<Running>,
    epoch: u64,
    failure: Option<String>,
    failed: bool,
    /// Wall-clock time the last reply took.
    last_latency: Duration,
}

const STDERR_TAIL: usize = 2000;

impl ProcessPolicy {
    /// The program runs in `dir` (the folder of the file that configured it) and is started at the
    /// first decision epoch.
    pub fn new(config: ProcessConfig, dir: &Path, scenario: &str, replication: u32) -> Self {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir }.to_path_buf();
        ProcessPolicy {
            config,
            dir,
            scenario: scenario.to_string(),
            replication,
            running: None,
            epoch: 0,
            failure: None,
            failed: false,
            last_latency: Duration::ZERO,
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.config.timeout_ms / 1000.0)
    }

    fn start(&mut self) -> Result<Running, String> {
        let program = &self.config.command[0];
        let program = if program.contains('/') { self.dir.join(program) } else { PathBuf::from(program) };
        let mut child = Command::new(&program)
            .args(&self.config.command[1..])
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let (err_pipe, tail) = (child.stderr.take().expect("piped"), stderr.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
                let mut tail = tail.lock().expect("stderr tail");
                tail.push_str(&line);
                tail.push('\n');
                if tail.len() > STDERR_TAIL {
                    let cut = tail.len() - STDERR_TAIL;
                    let cut = (cut..tail.len()).find(|i| tail.is_char_boundary(*i)).unwrap_or(tail.len());
                    tail.drain(..cut);
                }
            }
        });
        let stdin = child.stdin.take().expect("piped");
        let mut running = Running { child, stdin, lines, stderr };
        let hello = ToPolicy::Hello { protocol: PROTOCOL, scenario: &self.scenario, replication: self.replication };
        match self.exchange(&mut running, &hello)? {
            FromPolicy::Ready { protocol, .. } if protocol == PROTOCOL => Ok(running),
            FromPolicy::Ready { protocol, .. } => Err(format!("speaks protocol {protocol:?}, not {PROTOCOL:?}")),
            FromPolicy::Decision { .. } => Err("answered `hello` with a decision instead of `ready`".into()),
        }
    }

    /// Sends one message and waits for one reply line, within the time limit.
    fn exchange(&self, running: &mut Running, message: &ToPolicy) -> Result<FromPolicy, String> {
        let line = serde_json::to_string(message).expect("messages serialise");
        writeln!(running.stdin, "{line}")
            .and_then(|_| running.stdin.flush())
            .map_err(|e| format!("cannot write to the program: {e}{}", exit_note(running)))?;
        let reply = match running.lines.recv_timeout(self.timeout()) {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => return Err(format!("cannot read its reply: {e}")),
            Err(RecvTimeoutError::Timeout) => {
                let _ = running.child.kill();
                return Err(format!("no reply within {} ms; the program was stopped", self.config.timeout_ms));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(format!("the program closed its output without replying{}", exit_note(running)));
            }
        };
        serde_json::from_str(&reply).map_err(|e| format!("malformed reply ({e}): {}", excerpt(&reply, 300)))
    }

    fn decide(&mut self, request: &AllocationRequest) -> Result<Decision, String> {
        if self.running.is_none() {
            self.running = Some(self.start()?);
        }
        let mut running = self.running.take().expect("started");
        let asked = std::time::Instant::now();
        let result = self.exchange(&mut running, &ToPolicy::Decide { epoch: self.epoch, request });
        self.last_latency = asked.elapsed();
        self.running = Some(running);
        match result? {
            FromPolicy::Decision { epoch, routes, tenders, cancellations } if epoch == self.epoch => {
                Ok(Decision { routes, tenders, cancellations })
            }
            FromPolicy::Decision { epoch, .. } => Err(format!("answered epoch {epoch}, expected {}", self.epoch)),
            FromPolicy::Ready { .. } => Err("answered `decide` with `ready` instead of a decision".into()),
        }
    }
}

fn exit_note(running: &mut Running) -> String {
    std::thread::sleep(Duration::from_millis(50)); // let the stderr reader catch up
    let status = running.child.try_wait().ok().flatten().map(|s| format!(" ({s})")).unwrap_or_default();
    let stderr = running.stderr.lock().map(|s| s.trim().to_string()).unwrap_or_default();
    if stderr.is_empty() { status } else { format!("{status}; its stderr ends with:\n{stderr}") }
}

fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// `hh:mm:ss` since time zero, with the day when past the first.
fn clock(t: TimeMs) -> String {
    let s = t.0 / 1000;
    let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 { format!("day {d} {h:02}:{m:02}:{s:02}") } else { format!("{h:02}:{m:02}:{s:02}") }
}

impl AllocationPolicy for ProcessPolicy {
    fn epochs(&self) -> Epochs {
        Epochs {
            every: Some(TimeMs::from_min(self.config.epoch_min).max(TimeMs(1))),
            on_order_ready: self.config.on_events,
            on_resource_free: self.config.on_events,
            needs_free_fleet: false,
        }
    }

    fn allocate(&mut self, request: &AllocationRequest) -> Decision {
        if self.failed {
            return Decision::default();
        }
        let decision = self.decide(request).unwrap_or_else(|what| {
            let json = serde_json::to_string(request).expect("requests serialise");
            self.failure = Some(format!(
                "process policy `{}`, replication {}, decision epoch {} at {} (t = {} ms): {what}\n  request: {}",
                self.config.command.join(" "),
                self.replication,
                self.epoch,
                clock(request.now),
                request.now.0,
                excerpt(&json, 400),
            ));
            self.failed = true;
            Decision::default()
        });
        self.epoch += 1;
        decision
    }

    fn take_failure(&mut self) -> Option<String> {
        self.failure.take()
    }

    fn latency(&self) -> Option<TimeMs> {
        self.config.charge_latency.then_some(TimeMs(self.last_latency.as_millis() as u64))
    }
}

impl Drop for ProcessPolicy {
    fn drop(&mut self) {
        let Some(mut running) = self.running.take() else { return };
        if !self.failed {
            let bye = serde_json::to_string(&ToPolicy::Bye).expect("serialises");
            let _ = writeln!(running.stdin, "{bye}").and_then(|_| running.stdin.flush());
        }
        drop(running.stdin);
        for _ in 0..50 {
            if let Ok(Some(_)) = running.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = running.child.kill();
        let _ = running.child.wait();
    }
}
