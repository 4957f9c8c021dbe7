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
use std::time::{Duration, Instant};

use policies::{AllocationPolicy, AllocationRequest, Decision, Epochs, OrderId, ProcessConfig, Route, Tender, TimeMs};
use serde::{Deserialize, Serialize};

/// The protocol version spoken; a program must answer `hello` with this in `ready`.
pub const PROTOCOL: &str = "dtwin-policy/1";

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ToPolicy<'a> {
    Hello {
        protocol: &'a str,
        scenario: &'a str,
        replication: u32,
        /// The configuration's `params`, always sent (`{}` when none).
        params: &'a std::collections::BTreeMap<String, f64>,
    },
    Decide {
        epoch: u64,
        request: &'a AllocationRequest,
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
const GRACE: Duration = Duration::from_millis(500);

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
    failure: Option<String>,
    failed: bool,
    /// Wall-clock time the last reply took.
    last_latency: Duration,
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
            failure: None,
            failed: false,
            last_latency: Duration::ZERO,
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.config.timeout_ms / 1000.0)
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
        let running =
            self.running.insert(Running { child, to_stdin: Some(to_stdin), written, lines, stderr, ended: None });
        let hello = ToPolicy::Hello {
            protocol: PROTOCOL,
            scenario: &self.scenario,
            replication: self.replication,
            params: &self.config.params,
        };
        match running.exchange(&hello, timeout, &self.config)? {
            FromPolicy::Ready { protocol, .. } if protocol == PROTOCOL => Ok(()),
            FromPolicy::Ready { protocol, .. } => {
                Err(Failure::new(format!("speaks protocol {protocol:?}, not {PROTOCOL:?}")))
            }
            FromPolicy::Decision { .. } => Err(Failure::new("answered `hello` with a decision instead of `ready`")),
        }
    }

    fn decide(&mut self, request: &AllocationRequest) -> Result<Decision, Failure> {
        if self.running.is_none() {
            self.start()?;
        }
        let (timeout, running) = (self.timeout(), self.running.as_mut().expect("started"));
        let asked = Instant::now();
        let result = running.exchange(&ToPolicy::Decide { epoch: self.epoch, request }, timeout, &self.config);
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
        message: &ToPolicy,
        timeout: Duration,
        config: &ProcessConfig,
    ) -> Result<FromPolicy, Failure> {
        let deadline = Instant::now() + timeout;
        let mut line = serde_json::to_vec(message).expect("messages serialise");
        line.push(b'\n');
        let bytes = line.len();
        let written = match &self.to_stdin {
            Some(to_stdin) if to_stdin.send(line).is_ok() => {
                self.written.recv_timeout(deadline.saturating_duration_since(Instant::now()))
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
        let reply = match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
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
    fn stop(&mut self, grace: Duration) -> Option<ExitStatus> {
        if self.ended.is_none() {
            let until = Instant::now() + grace;
            let mut by_itself = has_exited(&mut self.child);
            while !by_itself && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(5));
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
    fn end_note(&mut self, grace: Duration) -> String {
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

impl Drop for Running {
    fn drop(&mut self) {
        self.stop(Duration::ZERO);
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
pub(crate) fn clock(t: TimeMs) -> String {
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
        let decision = self.decide(request).unwrap_or_else(|Failure { what, exiting }| {
            let note = match self.running.take() {
                Some(mut running) => running.end_note(if exiting { GRACE } else { Duration::ZERO }),
                None => String::new(),
            };
            let json = serde_json::to_string(request).expect("requests serialise");
            self.failure = Some(format!(
                "process policy `{}`, replication {}, decision epoch {} at {} (t = {} ms): {what}{note}\n  request: {}",
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
    /// Says `bye`, closes the program's stdin, gives it [`GRACE`] to exit, then kills its group
    /// (whatever it left running too) and reaps it.
    fn drop(&mut self) {
        let Some(mut running) = self.running.take() else { return };
        if let Some(to_stdin) = running.to_stdin.take() {
            let mut bye = serde_json::to_vec(&ToPolicy::Bye).expect("serialises");
            bye.push(b'\n');
            let _ = to_stdin.send(bye);
        }
        running.stop(GRACE);
    }
}
