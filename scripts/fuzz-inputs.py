#!/usr/bin/env python3
"""Fuzz dtwin's inputs: random mutations of the shipped scenarios, policy files, an order CSV and
(when ../shared is there) Solomon instances, each checked with `dtwin check` and, when accepted,
run briefly (`dtwin run -r 1 -t 1`), under a timeout and a memory cap.

A finding is a panic (exit 101, "panicked", "RUST_BACKTRACE"), a signal (abort, SIGSEGV, the
memory cap), a timeout, an exit code other than 0, 1, 2, or output left behind: a failed command
must leave no --out folder, no --events file and no staging; a successful one nothing but those.
A scenario error (exit 2) whose message names no `file:line` is counted as "unlocated" and listed,
but is not a finding. Each finding is written to OUT/findings/N/ (the inputs, the commands, exit
codes and stderr); the exit status is 1 when there is any.

    cargo build --release --locked
    python3 scripts/fuzz-inputs.py --cases 3000 --seed 1
    python3 scripts/fuzz-inputs.py --seed 1 --case 1234      # one case again, verbosely

Python 3.11 standard library only. See docs/scenario.md, "Fuzzing the inputs".
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import math
import os
import random
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
POLICIES = SCENARIOS / "policies"
ORDERS_CSV = ROOT / "sim/tests/fixtures/orders.csv"
SOLOMON = ROOT.parent / "shared/data/solomon/instances"

# Numbers a mistyped or hostile file may hold: edges of every range, of u32/u64/i64, and of f64.
EDGE_NUMBERS = [
    "0", "-0", "1", "-1", "0.5", "-0.0", "1e-9", "1e9", "1e300", "-1e300", "nan", "-nan", "inf", "-inf",
    "4294967295", "4294967296", "2147483647", "9223372036854775807", "-9223372036854775808",
    "18446744073709551615", "99999999999999999999999", "1e308", "5e-324", "0x10", "1_000", "24", "1440",
]
EDGE_TIMES = ["25:00", "24:00", "-1:00", "23:59:59", "24:00:01", "00:00", "12:60", "1:2", "", "99:99", "12:00:00.5"]
EDGE_STRINGS = ["", " ", "x" * 10_000, "\u00e9\u0000", "../../etc/passwd", "/dev/zero", "/dev/urandom", "fifo", ".", "regional.toml"]
UNKNOWN_KEYS = ["colour", "Name", "count ", "per_hour_x", "kind2", "_", "\u00e9"]

# Allocation of more than this is the memory cap: the process is stopped (abort) instead of
# taking the machine's memory; it is a finding.
MEMORY_CAP = 4 << 30


# ---------------------------------------------------------------------------------------------
# A small TOML writer, for mutations of the parsed structure (tomllib only reads).

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(k: str) -> str:
    return k if BARE_KEY.match(k) else toml_string(k)


def toml_string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        r = repr(v)
        return r if any(c in r for c in ".en") else r + ".0"
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, RawToml):
        return v.text
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


@dataclass
class RawToml:
    """A value written as is: numbers TOML cannot hold (2^64), or text that is not TOML at all."""

    text: str


def is_table_array(v) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(isinstance(x, dict) for x in v)


def dump_toml(doc: dict) -> str:
    lines: list[str] = []

    def table(d: dict, path: list[str], header: str | None):
        if header is not None:
            lines.append("")
            lines.append(header)
        subs = []
        for k, v in d.items():
            if isinstance(v, dict) and not is_inline(v):
                subs.append((k, v, False))
            elif is_table_array(v) and not any(is_inline(x) for x in v):
                subs.append((k, v, True))
            else:
                lines.append(f"{toml_key(k)} = {toml_value(v)}")
        for k, v, many in subs:
            p = path + [toml_key(k)]
            if many:
                for x in v:
                    table(x, p, "[[" + ".".join(p) + "]]")
            else:
                table(v, p, "[" + ".".join(p) + "]")

    table(doc, [], None)
    return "\n".join(lines) + "\n"


def is_inline(d) -> bool:
    # Distributions are inline tables in the shipped files: keep them so (other tables get headers).
    return isinstance(d, dict) and "dist" in d


# ---------------------------------------------------------------------------------------------
# Mutations. Each takes (rng, text) and returns new text; structural ones parse it first.

NUMBER = re.compile(r"(?<![\w.\"-])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.:\"])")
TIME = re.compile(r'"(\d{1,2}:\d{2}(?::\d{2})?)"')
STRING = re.compile(r'"([^"\n]*)"')
HEADER = re.compile(r"^\s*\[\[?[^\]]+\]\]?\s*$", re.M)


def replace_random_match(rng: random.Random, text: str, pattern: re.Pattern, make) -> str:
    matches = list(pattern.finditer(text))
    if not matches:
        return text
    m = rng.choice(matches)
    return text[: m.start()] + make(m) + text[m.end() :]


def m_number(rng, text):
    return replace_random_match(rng, text, NUMBER, lambda m: rng.choice(EDGE_NUMBERS))


def m_time(rng, text):
    return replace_random_match(rng, text, TIME, lambda m: toml_string(rng.choice(EDGE_TIMES)))


def m_string(rng, text):
    return replace_random_match(rng, text, STRING, lambda m: toml_string(rng.choice(EDGE_STRINGS)))


def m_value_type(rng, text):
    # `key = value` with value of another type: number <-> string <-> bool <-> array <-> table.
    other = rng.choice(['"7"', "true", "[1, 2]", "{}", "{ dist = \"fixed\", value = 1 }", "[]", "1.5", "-3", '""', "[[1]]"])
    return replace_random_match(rng, text, re.compile(r"(?m)^(\s*[\w\"-]+\s*=\s*)(.+)$"), lambda m: m.group(1) + other)


def m_delete_line(rng, text):
    lines = text.split("\n")
    if lines:
        del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def m_duplicate_line(rng, text):
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines)


def m_duplicate_table(rng, text):
    heads = list(HEADER.finditer(text))
    if not heads:
        return text
    i = rng.randrange(len(heads))
    start = heads[i].start()
    end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
    block = text[start:end]
    return text[:end] + ("\n" if not block.endswith("\n") else "") + block + text[end:]


def m_unknown_key(rng, text):
    heads = list(HEADER.finditer(text))
    line = f"{toml_key(rng.choice(UNKNOWN_KEYS))} = 1\n"
    if not heads or rng.random() < 0.3:
        return line + text
    m = rng.choice(heads)
    return text[: m.end()] + "\n" + line + text[m.end() + 1 :]


def m_truncate(rng, text):
    data = text.encode("utf-8", "surrogateescape")
    return data[: rng.randrange(len(data) + 1)]


def m_random_bytes(rng, text):
    data = bytearray(text.encode("utf-8", "surrogateescape"))
    junk = rng.choice([b"\xff\xfe", b"\xc3\x28", b"\x00", b"\xed\xa0\x80", bytes(rng.randrange(256) for _ in range(8)),
                       b"[[", b"]", b"=", b'"', b"'''", b"\r", b"\t", b"#"])
    at = rng.randrange(len(data) + 1)
    if rng.random() < 0.5 and at < len(data):
        data[at : at + len(junk)] = junk
    else:
        data[at:at] = junk
    return bytes(data)


def m_structure(rng, text):
    """Parse, change one node of the tree, write back."""
    try:
        doc = tomllib.loads(text if isinstance(text, str) else text.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return text
    nodes = []  # (container, key) pairs for every value in the tree

    def walk(c):
        items = c.items() if isinstance(c, dict) else enumerate(c)
        for k, v in items:
            nodes.append((c, k))
            if isinstance(v, (dict, list)):
                walk(v)

    walk(doc)
    if not nodes:
        return text
    c, k = rng.choice(nodes)
    v = c[k]
    op = rng.randrange(9)
    if op == 0:  # edge number
        c[k] = rng.choice([0, -1, 1, 10**9, 1e300, -1e300, math.nan, math.inf, 4294967295, 1e-9, 2**63 - 1,
                           -(2**63), RawToml("18446744073709551616"), 0.0, -0.0])
    elif op == 1:  # another type
        c[k] = rng.choice([str(v)[:50], True, [v], {"value": v}, 3, 2.5, [], {}])
    elif op == 2 and isinstance(c, dict):  # delete
        del c[k]
    elif op == 3 and isinstance(v, dict):  # unknown key
        v[rng.choice(UNKNOWN_KEYS)] = rng.choice([1, "x", True, [1]])
    elif op == 4 and isinstance(v, list) and len(v) >= 2:  # swap elements
        i, j = rng.sample(range(len(v)), 2)
        v[i], v[j] = v[j], v[i]
    elif op == 5 and isinstance(v, list) and v:  # extend
        n = rng.choice([1, 2, 10, 1000])
        v.extend(v[rng.randrange(len(v))] for _ in range(n))
    elif op == 6 and isinstance(v, list):  # empty
        v.clear()
    elif op == 7 and isinstance(v, str) and re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", v):  # shift a time
        c[k] = rng.choice(EDGE_TIMES)
    elif op == 8 and isinstance(v, list) and v and all(isinstance(x, (int, float)) for x in v):  # a number inside
        v[rng.randrange(len(v))] = rng.choice([-1, 0, 1e300, math.nan, math.inf, 10**9, 1e-9])
    else:  # the operation does not apply to this node: an empty string instead
        c[k] = ""
    return dump_toml(doc)


def m_extends(rng, text):
    # Where a scenario's base or order CSV is looked for.
    target = toml_string(rng.choice(["missing.toml", "tiny.toml", "/dev/zero", "fifo", ".", "", "orders.csv", "regional.toml"]))
    if re.search(r"(?m)^extends\s*=", text):
        return re.sub(r'(?m)^extends\s*=.*$', f"extends = {target}", text, count=1)
    return f"extends = {target}\n" + text


TEXT_MUTATIONS = [
    (m_number, 6), (m_time, 2), (m_string, 2), (m_value_type, 3), (m_delete_line, 3), (m_duplicate_line, 2),
    (m_duplicate_table, 2), (m_unknown_key, 1), (m_truncate, 1), (m_random_bytes, 2), (m_structure, 8), (m_extends, 1),
]


def m_csv(rng, text):
    rows = [r.split(",") for r in text.rstrip("\n").split("\n")]
    op = rng.randrange(9)
    if op == 0:  # a cell to an edge value
        r = rng.randrange(1, len(rows)) if len(rows) > 1 else 0
        c = rng.randrange(len(rows[r]))
        rows[r][c] = rng.choice(EDGE_NUMBERS + EDGE_TIMES + ['"06:00"', '"a,b"', '"', "x", "depot"])
    elif op == 1:  # drop a column
        c = rng.randrange(len(rows[0]))
        for r in rows:
            if c < len(r):
                del r[c]
    elif op == 2:  # duplicate a column name, or misspell one
        c = rng.randrange(len(rows[0]))
        rows[0][c] = rng.choice(rows[0] + ["sitee", "", "ID", "created "])
    elif op == 3:  # a field too many or too few
        r = rng.choice(rows)
        r.append("1") if rng.random() < 0.5 or not r else r.pop()
    elif op == 4:  # more rows
        rows += [list(rng.choice(rows[1:] or rows)) for _ in range(rng.choice([1, 100, 5000]))]
    elif op == 5:  # no rows, or no header
        rows = rows[:1] if rng.random() < 0.5 else rows[1:]
    elif op == 6:  # comments, blank lines, quoted line breaks
        rows.insert(rng.randrange(len(rows) + 1), [rng.choice(["# note", "", '"multi\nline"'])])
    elif op == 7:  # the same id twice
        if "id" not in rows[0]:
            rows[0].append("id")
            for i, r in enumerate(rows[1:]):
                r.append(f"o{i}")
        i = rows[0].index("id")
        if len(rows) > 2 and i < len(rows[1]) and i < len(rows[2]):
            rows[2][i] = rows[1][i]
    else:
        return m_random_bytes(rng, text) if rng.random() < 0.5 else m_truncate(rng, text)
    return "\n".join(",".join(r) for r in rows) + "\n"


def m_solomon(rng, text):
    lines = text.split("\n")
    op = rng.randrange(7)
    if op == 6:  # the instance's name, which names the files written
        i = next((i for i, l in enumerate(lines) if l.strip()), 0)
        lines[i] = rng.choice(["../escaped", 'a"b', "a/b", ".hidden", "x y", "\\", "C101 = 1", "#"])
        return "\n".join(lines)
    if op == 0:
        return m_number(rng, text)
    if op == 1:
        return m_delete_line(rng, text)
    if op == 2:
        return m_duplicate_line(rng, text)
    if op == 3:  # a customer line with a field too many or too few
        i = rng.randrange(len(lines))
        lines[i] = lines[i] + " 7" if rng.random() < 0.5 else " ".join(lines[i].split()[:-1])
        return "\n".join(lines)
    if op == 4:
        return m_truncate(rng, text)
    return m_random_bytes(rng, text)


def mutate(rng: random.Random, data, mutations) -> tuple[bytes, list[str]]:
    names = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        fns, weights = zip(*mutations)
        fn = rng.choices(fns, weights)[0]
        names.append(fn.__name__)
        text = data if isinstance(data, str) else data.decode("utf-8", "surrogateescape")
        data = fn(rng, text)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    return data, names


# ---------------------------------------------------------------------------------------------
# Running the binary.


@dataclass
class Outcome:
    label: str  # "check:2", "run:0", ... or a finding: "panic", "timeout", "signal:SIGABRT", "left-behind"
    argv: list[str]
    code: int | None
    stderr: str
    seconds: float
    finding: bool = False
    unlocated: bool = False
    note: str = ""


LOCATED = re.compile(r"[^\s:]+\.(?:toml|csv|txt|json)\S*?:\d+(?::\d+)?")


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def listing(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*")}


def execute(name: str, argv: list[str], cwd: Path, timeout: float, allowed: set[str]) -> Outcome:
    """Runs `argv` in `cwd`; `allowed` are the paths (relative to cwd) it may create on success."""
    before = listing(cwd)
    env = {k: v for k, v in os.environ.items() if k != "RUST_BACKTRACE"}
    env["NO_COLOR"] = "1"
    t0 = time.monotonic()
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=env, preexec_fn=limit_memory, start_new_session=True)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        _, err = p.communicate()
        return Outcome("timeout", argv, None, err.decode(errors="replace"), time.monotonic() - t0, finding=True,
                       note=f"no answer after {timeout} s")
    secs = time.monotonic() - t0
    stderr = err.decode(errors="replace")
    code = p.returncode
    o = Outcome(f"{name}:{code}", argv, code, stderr, secs)
    if code < 0:
        o.label, o.finding = f"signal:{signal.Signals(-code).name}", True
    elif code == 101 or "panicked" in stderr or "RUST_BACKTRACE" in stderr:
        o.label, o.finding = "panic", True
    elif code not in (0, 1, 2):
        o.label, o.finding = f"exit:{code}", True
    elif code == 2 and not LOCATED.search(stderr):
        o.unlocated = True
    after = listing(cwd)
    new = sorted(after - before)
    if code == 0:
        left = [p for p in new if not any(p == a or p.startswith(a + "/") for a in allowed)]
    else:
        left = new
    left += [p for p in after if "dtwin-staging" in p or p.endswith(".tmp")]
    if left and not o.finding:
        o.label, o.finding, o.note = "left-behind", True, f"exit {code} left: {sorted(set(left))[:10]}"
    return o


# ---------------------------------------------------------------------------------------------
# Cases.


@dataclass
class Case:
    index: int
    kind: str
    mutated: str  # the file mutated, relative to the case folder
    mutations: list[str]
    outcomes: list[Outcome] = field(default_factory=list)
    dir: Path | None = None


def replay_scenario() -> str:
    """tiny.toml with its orders replayed from orders.csv (as sim/tests/engine/replay.rs)."""
    tiny = (SCENARIOS / "tiny.toml").read_text()
    start, end = tiny.index("[orders]"), tiny.index("[policy]")
    return tiny[:start] + '[orders]\ncsv = "orders.csv"\nservice_min = { dist = "fixed", value = 5 }\n\n' + tiny[end:]


def scenario_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.toml"))


def run_case(args, index: int, work: Path) -> Case:
    rng = random.Random(f"{args.seed}:{index}")
    d = work / f"case{index}"
    d.mkdir()
    os.mkfifo(d / "fifo")  # a path that blocks whoever opens it to read: files named must be plain files
    kinds = ["scenario"] * 6 + ["policy"] * 2 + ["csv"] * 2 + (["solomon"] if args.solomon else [])
    kind = rng.choice(kinds)
    binary = str(args.bin)
    run_tail = ["-r", "1", "-t", "1", "-q", "--out", "out"]
    allowed = {"out"}
    if rng.random() < 0.3:
        run_tail += ["--events", "events.jsonl"]
        allowed.add("events.jsonl")
    if rng.random() < 0.15:
        # --out already there, empty: a failed run must leave it so.
        (d / "out").mkdir()

    if kind == "solomon":
        inst = rng.choice(sorted(args.solomon.glob("*.txt")))
        data, names = mutate(rng, inst.read_text(), [(m_solomon, 1)])
        (d / inst.name).write_bytes(data)
        case = Case(index, kind, inst.name, names, dir=d)
        o = execute("import", [binary, "import", "solomon", inst.name, "--out", "imported"], d, args.timeout, {"imported"})
        case.outcomes.append(o)
        if o.code == 0:
            toml = next((d / "imported").glob("*.toml"), None)
            if toml is None:
                o.label, o.finding, o.note = "left-behind", True, "import succeeded but wrote no scenario"
                return case
            sc = str(toml.relative_to(d))
            c = execute("check", [binary, "check", sc], d, args.timeout, set())
            case.outcomes.append(c)
            if c.code == 2 and not c.finding:
                # The import said yes to an instance whose scenario is refused: it should have said no.
                c.label, c.finding, c.note = "import-unchecked", True, "imported, then refused by check"
            if c.code == 0:
                case.outcomes.append(execute("run", [binary, "run", sc] + run_tail, d, args.timeout, allowed))
        return case

    if kind == "csv":
        (d / "replay.toml").write_text(replay_scenario())
        shutil.copy(ORDERS_CSV, d / "orders.csv")
        target = "orders.csv" if rng.random() < 0.8 else "replay.toml"
        muts = [(m_csv, 1)] if target == "orders.csv" else TEXT_MUTATIONS
        data, names = mutate(rng, (d / target).read_text(), muts)
        (d / target).write_bytes(data)
        scenario = "replay.toml"
    elif kind == "policy":
        scenario = rng.choice(["tiny.toml", "tiny.toml", "regional.toml"])
        shutil.copy(SCENARIOS / scenario, d / scenario)
        pol = rng.choice(sorted(POLICIES.glob("*.toml")))
        target = "policy.toml"
        data, names = mutate(rng, pol.read_text(), TEXT_MUTATIONS)
        (d / target).write_bytes(data)
        run_tail += ["--policy", target]
    else:
        src = rng.choice(scenario_files())
        scenario = src.name
        shutil.copy(src, d / scenario)
        base = re.search(r'(?m)^extends\s*=\s*"([^"]+)"', src.read_text())
        if base:
            shutil.copy(SCENARIOS / base.group(1), d / base.group(1))
        # Everything extends may name when mutated, and a plan a policy may name.
        for extra in ["tiny.toml", "regional.toml"]:
            if not (d / extra).exists():
                shutil.copy(SCENARIOS / extra, d / extra)
        shutil.copy(ORDERS_CSV, d / "orders.csv")
        target = base.group(1) if base and rng.random() < 0.3 else scenario
        data, names = mutate(rng, (d / target).read_text(), TEXT_MUTATIONS)
        (d / target).write_bytes(data)
        if rng.random() < 0.2:
            pol = rng.choice(sorted(POLICIES.glob("*.toml")))
            shutil.copy(pol, d / pol.name)
            run_tail += ["--policy", pol.name]

    case = Case(index, kind, target, names, dir=d)
    c = execute("check", [binary, "check", scenario], d, args.timeout, set())
    case.outcomes.append(c)
    if c.code == 0:
        case.outcomes.append(execute("run", [binary, "run", scenario] + run_tail, d, args.timeout, allowed))
    return case


def save_finding(out: Path, n: int, case: Case):
    dest = out / "findings" / str(n)
    # Not the FIFO: copying it would wait for a writer.
    shutil.copytree(case.dir, dest / "inputs", ignore=lambda _, names: [n for n in names if n == "fifo"])
    with open(dest / "finding.txt", "w") as f:
        f.write(f"case {case.index} ({case.kind}): {case.mutated} mutated by {', '.join(case.mutations)}\n")
        f.write(f"rerun: python3 scripts/fuzz-inputs.py --seed {ARGS.seed} --case {case.index}\n\n")
        for o in case.outcomes:
            f.write(f"$ (cd inputs && {shlex.join(['dtwin'] + o.argv[1:])})\n")
            f.write(f"outcome {o.label}, exit {o.code}, {o.seconds:.2f} s {o.note}\n")
            f.write("stderr (tail):\n" + o.stderr[-4000:] + "\n\n")


def signature(o: Outcome) -> str:
    first = o.stderr.strip().splitlines()[-1] if o.stderr.strip() else ""
    first = re.sub(r"\d+", "N", first)
    return f"{o.label}: {first[:160]}"


ARGS = None


def main() -> int:
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per command")
    ap.add_argument("--bin", type=Path, default=ROOT / "target/release/dtwin")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="cases at once")
    ap.add_argument("--out", type=Path, default=ROOT / "out/fuzz", help="findings go to OUT/findings/N/")
    ap.add_argument("--case", type=int, help="run this one case and print what it did")
    ap.add_argument("--solomon", type=Path, default=SOLOMON if SOLOMON.is_dir() else None,
                    help="Solomon instances to mutate (default ../shared/data/solomon/instances if there)")
    ARGS = args = ap.parse_args()
    args.bin = args.bin.resolve()
    if not args.bin.is_file():
        print(f"{args.bin}: not built (cargo build --release --locked)", file=sys.stderr)
        return 2
    if args.solomon is not None and not any(args.solomon.glob("*.txt")):
        args.solomon = None

    work = Path(tempfile.mkdtemp(prefix="dtwin-fuzz."))
    indices = [args.case] if args.case is not None else list(range(args.cases))
    counts: collections.Counter[str] = collections.Counter()
    findings: list[Case] = []
    unlocated: collections.Counter[str] = collections.Counter()
    slowest = (0.0, None)
    t0 = time.monotonic()
    if args.case is None:
        shutil.rmtree(args.out / "findings", ignore_errors=True)
    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for case in pool.map(lambda i: run_case(args, i, work), indices):
                counts[f"kind {case.kind}"] += 1
                for o in case.outcomes:
                    counts[o.label] += 1
                    if o.unlocated:
                        unlocated[signature(o)] += 1
                    if o.seconds > slowest[0]:
                        slowest = (o.seconds, f"case {case.index}: {shlex.join(['dtwin'] + o.argv[1:])}")
                if args.case is not None:
                    print(f"case {case.index} ({case.kind}): {case.mutated} mutated by {', '.join(case.mutations)}")
                    print((case.dir / case.mutated).read_bytes().decode(errors="replace")[:3000])
                    for o in case.outcomes:
                        print(f"$ {shlex.join(o.argv)}\n-> {o.label} exit {o.code} {o.seconds:.2f} s {o.note}\n{o.stderr[-2000:]}")
                if any(o.finding for o in case.outcomes):
                    findings.append(case)
                    save_finding(args.out, len(findings), case)
                shutil.rmtree(case.dir, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{len(indices)} cases, seed {args.seed}, {time.monotonic() - t0:.0f} s, timeout {args.timeout} s, "
          f"memory cap {MEMORY_CAP >> 30} GiB")
    print(f"{'outcome':<24} {'count':>7}")
    for label, n in sorted(counts.items()):
        print(f"{label:<24} {n:>7}")
    if slowest[1]:
        print(f"slowest command: {slowest[0]:.2f} s, {slowest[1]}")
    if unlocated:
        print(f"\nunlocated (exit 2 without file:line), {sum(unlocated.values())}:")
        for sig, n in unlocated.most_common(20):
            print(f"  {n:>5}  {sig}")
    if findings:
        sigs = collections.Counter(signature(o) for c in findings for o in c.outcomes if o.finding)
        print(f"\n{len(findings)} findings, in {args.out / 'findings'}:")
        for sig, n in sigs.most_common(30):
            print(f"  {n:>5}  {sig}")
        return 1
    print("\nno findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
