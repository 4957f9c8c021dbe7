//! Policies in other languages: a program spoken to over JSON lines on its stdin and stdout
//! (`docs/policy-protocol.md`). One program per replication; a crash, a timeout or a malformed
//! reply stops the replication with a message naming the replication, the decision time and the
//! request — never a hang.
//!
//! Nothing here can block the simulation longer than the time limit: the request is written by
//! a writer thread and the reply read by a reader thread, both waited for against one deadline.
//! A reply line is read up to `max_reply_mib` only, and the reader takes the next line only once
//! the last was asked for, so memory stays bounded whatever the program writes; its stderr is
//! drained all the time, keeping only its end. The program runs in its own process group, which
//! is killed as a whole (and the program reaped) on any failure and when the policy is dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Condvar, Mutex};

use std::collections::BTreeMap;

use policies::params::{MIN_EPOCH_MIN, checked};
use policies::{
    AllocationRequest, Decision, Duration, Epochs, Instant, OrderId, Param, ParamError, PolicyInfo, Route, Tender,
    Tunable,
};
use serde::{Deserialize, Serialize};

mod changes;

/// The protocol versions spoken. `hello` names version 1 (what a version 1 program checks) and
/// offers both; the program answers `ready` with the one it speaks. Version 2 sends each epoch's
/// request as what changed since the last one ([`changes`]).
pub const PROTOCOL: &str = "dtwin-policy/1";
pub const PROTOCOL_2: &str = "dtwin-policy/2";

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ToPolicy<'a> {
    Hello {
        protocol: &'a str,
        scenario: &'a str,
        replication: u32,
        /// The configuration's `params`, always sent (`{}` when none).
        params: &'a std::collections::BTreeMap<String, f64>,
        protocols: [&'a str; 2],
    },
    Decide {
        epoch: u64,
        request: &'a AllocationRequest,
    },
    /// `decide` in protocol 2.
    #[serde(rename = "decide")]
    DecideChanges {
        epoch: u64,
        changes: Box<changes::Changes<'a>>,
    },
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

/// `kind = "process"` as `dtwin policies` lists it.
pub const INFO: PolicyInfo = PolicyInfo {
    kind: "process",
    summary: "a policy in any language: a program spoken to over JSON lines (docs/policy-protocol.md)",
    params: ProcessConfig::PARAMS,
    settings: &[
        (
            "command",
            "strings",
            "program and arguments, e.g. [\"python3\", \"policy.py\"]; a relative program path starts at the policy's file, where it also runs",
        ),
        (
            "charge_latency",
            "bool",
            "charge each reply's measured time to simulated time (decisions take effect that much later); makes runs depend on the machine; default false",
        ),
        (
            "params",
            "table",
            "the program's own thresholds, name = finite number ({ fill = 0.6 }): sent in hello; tune them as NAME, any finite value",
        ),
    ],
};

/// `kind = "process"`. Ranges: [`ProcessConfig::PARAMS`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessConfig {
    /// Program and arguments, e.g. `["python3", "examples/policies/earliest_due.py"]`. A program
    /// path with a `/` starts at the folder of the file that configures the policy (the scenario or
    /// a policy file); the program runs there.
    pub command: Vec<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: f64,
    #[serde(default = "default_epoch_min")]
    pub epoch_min: f64,
    #[serde(default)]
    pub on_events: bool,
    /// Charge each reply's measured wall-clock time to simulated time: decisions take effect that
    /// much after their epoch. Makes runs depend on the machine (off by default).
    #[serde(default)]
    pub charge_latency: bool,
    /// Longest reply line the program may write, in MiB; a longer one fails the replication.
    #[serde(default = "default_max_reply_mib")]
    pub max_reply_mib: u32,
    /// The program's own thresholds (`params = { fill = 0.6 }`): finite numbers, passed to it in
    /// `hello`, tuned by name like the parameters above. They have no declared range: the
    /// program knows what it accepts. Left out of the serialised form when empty, so a
    /// configuration without them reads (and hashes) as before.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, f64>,
}

fn default_timeout_ms() -> f64 {
    ProcessConfig::PARAMS[0].default
}
fn default_epoch_min() -> f64 {
    ProcessConfig::PARAMS[1].default
}
fn default_max_reply_mib() -> u32 {
    ProcessConfig::PARAMS[3].default as u32
}

impl Tunable for ProcessConfig {
    const PARAMS: &'static [Param] = &[
        Param::real(
            "timeout_ms",
            1.0,
            600_000.0,
            5_000.0,
            "longest one exchange may take, in ms: writing the request and reading the reply",
        ),
        Param::real("epoch_min", MIN_EPOCH_MIN, 1440.0, 5.0, "minutes between decision epochs"),
        Param::boolean("on_events", false, "also decide when an order becomes ready or a vehicle or driver frees up"),
        Param::integer("max_reply_mib", 1.0, 1024.0, 16.0, "longest reply line the program may write, in MiB"),
    ];

    /// A parameter above, or one of the program's `params` (as `NAME` or `params.NAME`).
    fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "timeout_ms" => self.timeout_ms,
            "epoch_min" => self.epoch_min,
            "on_events" => self.on_events as u8 as f64,
            "max_reply_mib" => self.max_reply_mib as f64,
            _ => return self.params.get(program_param(name)).copied(),
        })
    }

    /// One of the program's `params` takes any finite value (the program checks its own
    /// ranges); it must be in the configuration already, so that a typo is not passed on.
    fn set(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
        if Self::PARAMS.iter().all(|p| p.name != name) {
            if let Some(v) = self.params.get_mut(program_param(name)) {
                if !value.is_finite() {
                    return Err(ParamError::NotFinite { name: format!("params.{}", program_param(name)), value });
                }
                *v = value;
                return Ok(());
            }
            let mut known: Vec<String> = Self::PARAMS.iter().map(|p| p.name.to_string()).collect();
            known.extend(self.params.keys().cloned());
            let hint = self
                .params
                .is_empty()
                .then_some("; a program's own parameters are declared in the policy's `params` table");
            return Err(ParamError::Unknown { name: name.to_string(), known, hint });
        }
        checked(Self::PARAMS, name, value)?;
        match name {
            "timeout_ms" => self.timeout_ms = value,
            "epoch_min" => self.epoch_min = value,
            "max_reply_mib" => self.max_reply_mib = value as u32,
            _ => self.on_events = value == 1.0,
        }
        Ok(())
    }
}

impl ProcessConfig {
    /// Checks the configuration: a command, every parameter's range ([`Tunable::validate`]), and
    /// the program's own `params`.
    pub fn check(&self) -> Result<(), ProcessConfigError> {
        if self.command.first().is_none_or(|c| c.is_empty()) {
            return Err(ProcessConfigError::NoCommand);
        }
        self.validate()?;
        for (name, value) in &self.params {
            if name.is_empty() {
                return Err(ProcessConfigError::UnnamedParam);
            }
            if Self::PARAMS.iter().any(|p| p.name == name) {
                return Err(ProcessConfigError::ShadowedSetting { name: name.clone() });
            }
            if !value.is_finite() {
                return Err(ParamError::NotFinite { name: format!("params.{name}"), value: *value }.into());
            }
        }
        Ok(())
    }
}

/// Why a process policy's configuration is refused: fix the policy's table where the message says.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessConfigError {
    /// `command` is missing or starts with an empty string: name the program to run.
    #[error("command must name a program: command = [\"program\", \"arg\", ...]")]
    NoCommand,
    /// A key of `params` is the empty string: give it a name.
    #[error("params: a parameter needs a name")]
    UnnamedParam,
    /// A program parameter named like a setting of the process policy itself: rename it.
    #[error(
        "params.{name} must be renamed: {name} is a setting of the process policy itself, so --param {name} would be ambiguous"
    )]
    ShadowedSetting { name: String },
    /// A setting out of its range, or a program parameter that is not a finite number.
    #[error(transparent)]
    Param(#[from] ParamError),
}

impl ProcessConfigError {
    /// The parameter the error is about, if it is about one (`params.NAME` for the program's).
    pub fn param(&self) -> Option<String> {
        match self {
            ProcessConfigError::ShadowedSetting { name } => Some(format!("params.{name}")),
            ProcessConfigError::Param(e) => e.param().map(str::to_string),
            ProcessConfigError::NoCommand | ProcessConfigError::UnnamedParam => None,
        }
    }
}

/// A program parameter's name without the optional `params.` in front.
fn program_param(name: &str) -> &str {
    name.strip_prefix("params.").unwrap_or(name)
}

/// What the reader thread hands over: one line of the program's stdout, without its newline.
enum Line {
    Text(Vec<u8>),
    /// The line grew past the limit; nothing more is read.
    TooLong,
    Failed(std::io::Error),
}

/// The end of what the program wrote to stderr, and whether it closed it.
#[derive(Default)]
struct StderrTail {
    bytes: Vec<u8>,
    closed: bool,
}

/// How long a program that closed its output or input gets to exit by itself (for its exit
/// status) before its group is killed, and how long its stderr gets to reach its end after.
const GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// Bytes of stderr kept for error messages.
const STDERR_TAIL: usize = 2000;

struct Running {
    child: Child,
    /// Messages for the writer thread; dropping it closes the program's stdin once the queue is
    /// written.
    to_stdin: Option<Sender<Vec<u8>>>,
    /// One answer of the writer thread per message: written, or why not.
    written: Receiver<std::io::Result<()>>,
    lines: Receiver<Line>,
    stderr: Arc<(Mutex<StderrTail>, Condvar)>,
    /// Set once the group is killed and the program reaped: its exit status, and whether it had
    /// exited by itself before.
    ended: Option<(Option<ExitStatus>, bool)>,
    /// Writes `decide` in the version the program speaks.
    encoder: Encoder,
}

/// Why a replication stops: what went wrong, and whether the program looks to be exiting by
/// itself (it closed its output or its input), so that its exit status is worth waiting for.
struct Failure {
    what: String,
    exiting: bool,
}

impl Failure {
    fn new(what: impl Into<String>) -> Self {
        Failure { what: what.into(), exiting: false }
    }
    fn exiting(what: impl Into<String>) -> Self {
        Failure { what: what.into(), exiting: true }
    }
}

pub struct ProcessPolicy {
    config: ProcessConfig,
    /// The scenario's folder: where the program runs and relative paths start.
    dir: PathBuf,
    scenario: String,
    replication: u32,
    running: Option<Running>,
    epoch: u64,
    /// The first failure: the program is gone and is not started again.
    failed: Option<ProgramFailure>,
    /// Wall-clock time the last reply took.
    last_latency: std::time::Duration,
}

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
            failed: None,
            last_latency: std::time::Duration::ZERO,
        }
    }

    fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.config.timeout_ms / 1000.0)
    }

    /// Starts the program (in `self.running`, so that a failure below still stops it) and greets it.
    fn start(&mut self) -> Result<(), Failure> {
        let program = &self.config.command[0];
        let program = if program.contains('/') { self.dir.join(program) } else { PathBuf::from(program) };
        let mut command = Command::new(&program);
        command
            .args(&self.config.command[1..])
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child =
            command.spawn().map_err(|e| Failure::new(format!("cannot start {}: {e}", program.display())))?;

        let limit = self.config.max_reply_mib as usize * 1024 * 1024;
        let stdout = child.stdout.take().expect("piped");
        // Rendezvous: the reader holds at most one line that was not asked for yet.
        let (tx, lines) = std::sync::mpsc::sync_channel(0);
        std::thread::spawn(move || read_lines(stdout, tx, limit));
        let stderr = Arc::new((Mutex::new(StderrTail::default()), Condvar::new()));
        let (err_pipe, tail) = (child.stderr.take().expect("piped"), stderr.clone());
        std::thread::spawn(move || drain_stderr(err_pipe, &tail));
        let stdin = child.stdin.take().expect("piped");
        let (to_stdin, queue) = std::sync::mpsc::channel();
        let (done, written) = std::sync::mpsc::channel();
        std::thread::spawn(move || write_messages(stdin, queue, done));

        let timeout = self.timeout();
        let running = self.running.insert(Running {
            child,
            to_stdin: Some(to_stdin),
            written,
            lines,
            stderr,
            ended: None,
            encoder: Encoder::protocol_1(),
        });
        let hello = ToPolicy::Hello {
            protocol: PROTOCOL,
            scenario: &self.scenario,
            replication: self.replication,
            params: &self.config.params,
            protocols: [PROTOCOL, PROTOCOL_2],
        };
        match running.exchange(serialise(&hello), timeout, &self.config)? {
            FromPolicy::Ready { protocol, .. } if protocol == PROTOCOL => Ok(()),
            FromPolicy::Ready { protocol, .. } if protocol == PROTOCOL_2 => {
                running.encoder = Encoder::protocol_2();
                Ok(())
            }
            FromPolicy::Ready { protocol, .. } => {
                Err(Failure::new(format!("speaks protocol {protocol:?}, not {PROTOCOL:?} or {PROTOCOL_2:?}")))
            }
            FromPolicy::Decision { .. } => Err(Failure::new("answered `hello` with a decision instead of `ready`")),
        }
    }

    /// One `decide` exchange, starting the program first if it is not running yet.
    fn ask(&mut self, request: &AllocationRequest) -> Result<Decision, Failure> {
        if self.running.is_none() {
            self.start()?;
        }
        let (timeout, running) = (self.timeout(), self.running.as_mut().expect("started"));
        let asked = std::time::Instant::now();
        let line = running.encoder.decide(self.epoch, request);
        let result = running.exchange(line, timeout, &self.config);
        self.last_latency = asked.elapsed();
        match result? {
            FromPolicy::Decision { epoch, routes, tenders, cancellations } if epoch == self.epoch => {
                Ok(Decision { routes, tenders, cancellations })
            }
            FromPolicy::Decision { epoch, .. } => {
                Err(Failure::new(format!("answered epoch {epoch}, expected {}", self.epoch)))
            }
            FromPolicy::Ready { .. } => Err(Failure::new("answered `decide` with `ready` instead of a decision")),
        }
    }
}

impl Running {
    /// Sends one message and waits for one reply line; writing and reading together take at most
    /// `timeout`.
    fn exchange(
        &mut self,
        line: Vec<u8>,
        timeout: std::time::Duration,
        config: &ProcessConfig,
    ) -> Result<FromPolicy, Failure> {
        let deadline = std::time::Instant::now() + timeout;
        let bytes = line.len();
        let written = match &self.to_stdin {
            Some(to_stdin) if to_stdin.send(line).is_ok() => {
                self.written.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            }
            _ => Err(RecvTimeoutError::Disconnected),
        };
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Failure::exiting(format!("cannot write to the program: {e}"))),
            Err(RecvTimeoutError::Disconnected) => return Err(Failure::exiting("cannot write to the program")),
            Err(RecvTimeoutError::Timeout) => {
                return Err(Failure::new(format!(
                    "the program stopped reading its input: the {bytes}-byte request was not taken within {} ms; the program was stopped",
                    config.timeout_ms
                )));
            }
        }
        let reply = match self.lines.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
            Ok(Line::Text(reply)) => reply,
            Ok(Line::TooLong) => {
                return Err(Failure::new(format!(
                    "its reply line is longer than the limit of {} MiB (max_reply_mib); the program was stopped",
                    config.max_reply_mib
                )));
            }
            Ok(Line::Failed(e)) => return Err(Failure::new(format!("cannot read its reply: {e}"))),
            Err(RecvTimeoutError::Timeout) => {
                return Err(Failure::new(format!("no reply within {} ms; the program was stopped", config.timeout_ms)));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(Failure::exiting("the program closed its output without replying"));
            }
        };
        let reply = String::from_utf8(reply)
            .map_err(|e| Failure::new(format!("cannot read its reply: it is not UTF-8 ({e})")))?;
        serde_json::from_str(&reply)
            .map_err(|e| Failure::new(format!("malformed reply ({e}): {}", excerpt(&reply, 300))))
    }

    /// Kills the program's whole process group and reaps the program, once; waits up to `grace`
    /// for it to exit by itself first. Its exit status, when it had exited by itself.
    fn stop(&mut self, grace: std::time::Duration) -> Option<ExitStatus> {
        if self.ended.is_none() {
            let until = std::time::Instant::now() + grace;
            let mut by_itself = has_exited(&mut self.child);
            while !by_itself && std::time::Instant::now() < until {
                std::thread::sleep(std::time::Duration::from_millis(5));
                by_itself = has_exited(&mut self.child);
            }
            kill_group(&mut self.child);
            self.ended = Some((self.child.wait().ok(), by_itself));
        }
        match self.ended {
            Some((status, true)) => status,
            _ => None,
        }
    }

    /// Stops the program (see [`Running::stop`]) and describes how it ended: its exit status if it
    /// exited by itself, and the end of its stderr.
    fn end_note(&mut self, grace: std::time::Duration) -> String {
        let status = self.stop(grace).map(|s| format!(" ({s})")).unwrap_or_default();
        // The group is gone: its stderr reaches its end at once (unless a process left the group).
        let (lock, closed) = &*self.stderr;
        let tail = lock.lock().expect("stderr tail");
        let tail = closed.wait_timeout_while(tail, GRACE, |t| !t.closed).expect("stderr tail").0;
        let mut bytes = &tail.bytes[tail.bytes.len().saturating_sub(STDERR_TAIL)..];
        while bytes.first().is_some_and(|b| b & 0xC0 == 0x80) {
            bytes = &bytes[1..]; // start at a whole character
        }
        let stderr = String::from_utf8_lossy(bytes);
        let stderr = stderr.trim();
        if stderr.is_empty() { status } else { format!("{status}; its stderr ends with:\n{stderr}") }
    }
}

/// Writes the `decide` lines of one program: the whole request (protocol 1) or what changed since
/// the line before (protocol 2). Public for measuring what the protocol costs dtwin
/// (`benches/engine.rs`, `protocol/`).
pub struct Encoder {
    sent: Option<changes::Sent>,
}

impl Encoder {
    pub fn protocol_1() -> Encoder {
        Encoder { sent: None }
    }

    pub fn protocol_2() -> Encoder {
        Encoder { sent: Some(changes::Sent::default()) }
    }

    /// The `decide` line of `epoch` asking about `request`, with its newline.
    pub fn decide(&mut self, epoch: u64, request: &AllocationRequest) -> Vec<u8> {
        serialise(&match &mut self.sent {
            None => ToPolicy::Decide { epoch, request },
            Some(sent) => ToPolicy::DecideChanges { epoch, changes: Box::new(sent.changes(request)) },
        })
    }
}

/// One message as a line of JSON.
fn serialise(message: &ToPolicy) -> Vec<u8> {
    let mut line = serde_json::to_vec(message).expect("messages serialise");
    line.push(b'\n');
    line
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop(std::time::Duration::ZERO);
    }
}

/// Writes each message to the program's stdin and answers whether it was written; stops at the
/// first failure. Closes stdin when the queue's sender is dropped.
fn write_messages(mut stdin: ChildStdin, queue: Receiver<Vec<u8>>, done: Sender<std::io::Result<()>>) {
    for message in queue {
        let result = stdin.write_all(&message).and_then(|_| stdin.flush());
        let failed = result.is_err();
        if done.send(result).is_err() || failed {
            return;
        }
    }
}

/// Hands over the program's stdout line by line (without `\n` or `\r\n`); a line is held to
/// `limit` bytes: past that, or at a read error, it reports and stops reading. A last line
/// without newline counts as a line.
fn read_lines(stdout: ChildStdout, lines: SyncSender<Line>, limit: usize) {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut line = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = lines.send(Line::Failed(e));
                return;
            }
        };
        if buf.is_empty() {
            if !line.is_empty() {
                let _ = lines.send(Line::Text(line));
            }
            return;
        }
        let newline = buf.iter().position(|&b| b == b'\n');
        let take = newline.unwrap_or(buf.len());
        if line.len() + take > limit {
            let _ = lines.send(Line::TooLong);
            return;
        }
        line.extend_from_slice(&buf[..take]);
        reader.consume(take + newline.is_some() as usize);
        if newline.is_some() {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if lines.send(Line::Text(std::mem::take(&mut line))).is_err() {
                return;
            }
        }
    }
}

/// Reads the program's stderr to its end, keeping the last [`STDERR_TAIL`] bytes or so.
fn drain_stderr(mut stderr: ChildStderr, tail: &(Mutex<StderrTail>, Condvar)) {
    let mut buf = [0u8; 8192];
    loop {
        match stderr.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let mut tail = tail.0.lock().expect("stderr tail");
                tail.bytes.extend_from_slice(&buf[..n]);
                if tail.bytes.len() > 2 * STDERR_TAIL {
                    let cut = tail.bytes.len() - STDERR_TAIL;
                    tail.bytes.drain(..cut);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    tail.0.lock().expect("stderr tail").closed = true;
    tail.1.notify_all();
}

/// Whether the program has exited (without reaping it, so that its process group id stays
/// taken until the group is killed).
#[cfg(unix)]
fn has_exited(child: &mut Child) -> bool {
    use rustix::process::{Pid, WaitId, WaitIdOptions, waitid};
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    matches!(waitid(WaitId::Pid(Pid::from_child(child)), options), Ok(Some(_)))
}

#[cfg(not(unix))]
fn has_exited(child: &mut Child) -> bool {
    matches!(child.try_wait(), Ok(Some(_)))
}

/// SIGKILL to the program's process group: the program and whatever it started.
#[cfg(unix)]
fn kill_group(child: &mut Child) {
    use rustix::process::{Pid, Signal, kill_process_group};
    let _ = kill_process_group(Pid::from_child(child), Signal::KILL);
}

#[cfg(not(unix))]
fn kill_group(child: &mut Child) {
    let _ = child.kill();
}

fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// `hh:mm:ss` since time zero, with the day when past the first.
pub(crate) fn clock(t: Instant) -> String {
    let s = t.0 / 1000;
    let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 { format!("day {d} {h:02}:{m:02}:{s:02}") } else { format!("{h:02}:{m:02}:{s:02}") }
}

impl ProcessPolicy {
    /// When to ask the program, as its configuration says.
    pub fn epochs(&self) -> Epochs {
        Epochs {
            every: Some(Duration::from_min(self.config.epoch_min).max(Duration(1))),
            on_order_ready: self.config.on_events,
            on_resource_free: self.config.on_events,
            needs_free_fleet: false,
            // A program may read anything in the request (the protocol sends it whole).
            needs_busy_vehicles: true,
        }
    }

    /// The program's decision, with its measured reply time as latency if `charge_latency`; or why
    /// the replication stops. The program is stopped at a failure and not started again: every
    /// later call answers that failure.
    pub fn decide(&mut self, request: &AllocationRequest) -> Result<(policies::Decision, Duration), ProgramFailure> {
        if let Some(failure) = &self.failed {
            return Err(failure.clone());
        }
        let result = self.ask(request).map_err(|Failure { what, exiting }| {
            let note = match self.running.take() {
                Some(mut running) => running.end_note(if exiting { GRACE } else { std::time::Duration::ZERO }),
                None => String::new(),
            };
            let json = serde_json::to_string(request).expect("requests serialise");
            let failure = ProgramFailure {
                program: self.config.command.join(" "),
                replication: self.replication,
                epoch: self.epoch,
                at: request.now,
                reason: format!("{what}{note}"),
                request: excerpt(&json, 400),
            };
            self.failed = Some(failure.clone());
            failure
        });
        self.epoch += 1;
        let latency = match self.config.charge_latency {
            true => Duration(self.last_latency.as_millis() as u64),
            false => Duration::ZERO,
        };
        result.map(|decision| (decision, latency))
    }
}

/// Why a policy program could not decide (it crashed, timed out or answered nonsense): the
/// replication stops with this error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "process policy `{program}`, replication {replication}, decision epoch {epoch} at {} (t = {} ms): \
     {reason}\n  request: {request}",
    clock(*at),
    at.0
)]
#[non_exhaustive]
pub struct ProgramFailure {
    /// The program's command line.
    pub program: String,
    pub replication: u32,
    /// The decision epoch it failed at (0 the first) and its simulated time.
    pub epoch: u64,
    pub at: Instant,
    /// What went wrong, with what the program wrote to stderr and how it exited, when known.
    pub reason: String,
    /// The start of the request it failed on, as JSON.
    pub request: String,
}

impl Drop for ProcessPolicy {
    /// Says `bye`, closes the program's stdin, gives it `GRACE` to exit, then kills its group
    /// (whatever it left running too) and reaps it.
    fn drop(&mut self) {
        let Some(mut running) = self.running.take() else { return };
        if let Some(to_stdin) = running.to_stdin.take() {
            let _ = to_stdin.send(serialise(&ToPolicy::Bye));
        }
        running.stop(GRACE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(params: &[(&str, f64)]) -> ProcessConfig {
        ProcessConfig {
            command: vec!["python3".into()],
            timeout_ms: 5000.0,
            epoch_min: 5.0,
            on_events: false,
            charge_latency: false,
            max_reply_mib: 16,
            params: params.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn the_programs_params_are_tuned_by_name_with_any_finite_value() {
        let mut c = config(&[("fill", 0.6), ("slack_min", 45.0)]);
        c.set("fill", 0.4).unwrap();
        c.set("params.slack_min", -1e6).unwrap();
        assert_eq!((c.get("fill"), c.get("params.slack_min")), (Some(0.4), Some(-1e6)));
        assert_eq!(c.set("fill", f64::NAN).unwrap_err().to_string(), "params.fill must be a finite number, got NaN");
        let err = c.set("fil", 0.5).unwrap_err().to_string();
        assert!(
            err.contains(
                "unknown parameter \"fil\"; known: timeout_ms, epoch_min, on_events, max_reply_mib, fill, slack_min"
            ),
            "{err}"
        );
        assert!(c.set("epoch_min", 0.0).is_err(), "the policy's own settings keep their ranges");
        assert!(
            config(&[]).set("fill", 0.5).unwrap_err().to_string().ends_with("declared in the policy's `params` table")
        );
    }

    #[test]
    fn params_are_finite_and_do_not_shadow_settings() {
        assert!(config(&[("fill", 0.6)]).check().is_ok());
        let infinite = config(&[("fill", f64::INFINITY)]).check().unwrap_err();
        assert_eq!(infinite.to_string(), "params.fill must be a finite number, got inf");
        assert_eq!(infinite.param().as_deref(), Some("params.fill"));
        let shadowed = config(&[("epoch_min", 1.0)]).check().unwrap_err();
        assert!(shadowed.to_string().starts_with("params.epoch_min must be renamed: epoch_min is a setting"));
        assert_eq!(shadowed.param().as_deref(), Some("params.epoch_min"));
    }
}
