#!/usr/bin/env python3
"""dtwin and SimPy side by side on the same depot model, on one core.

Runs `dtwin run benches/peers/depot.toml` and `depot_simpy.py` alternately (--rounds times, the
same number of replications each), and prints for each the median time per replication, orders
simulated per second and events per second, and dtwin's ratio to SimPy. Both time only the
replications (not start-up or loading): dtwin as its own header line reports them, SimPy with
`time.perf_counter` around its loop.

Events are each tool's own: dtwin's are the calendar events its engine pops (an order arriving,
becoming ready, a decision epoch, a load finishing, a leg ending, an unloading finishing, ...);
SimPy's are `env.step()` calls (timeouts, resource grants and releases, process starts and ends).
They are not the same unit, so orders per second is the ratio to quote.

    python3 benches/peers/compare.py            # needs target/release/dtwin; makes its own venv
    python3 benches/peers/compare.py -r 100 --rounds 5 --python /path/to/python-with-simpy
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SIMPY = "simpy==4.1.1"


def simpy_python(given):
    if given:
        return given
    venv = HERE / ".venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", SIMPY], check=True)
    return str(python)


def run_dtwin(dtwin, replications, seed, out):
    cmd = [dtwin, "run", str(HERE / "depot.toml"), "-r", str(replications), "-s", str(seed), "-t", "1",
           "--out", out, "--force"]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = re.search(r"(\d+) events in ([0-9.]+) s", text)
    if not m:
        sys.exit(f"compare.py: no event count in dtwin's output:\n{text[:500]}")
    summary = json.loads(Path(out, "summary.json").read_text())
    orders = summary["kpis"]["orders_created"]["mean"] * summary["replications"]
    seconds = float(m.group(2))  # to 10 ms: the default 50 replications take seconds
    return {"orders": orders, "events": int(m.group(1)), "seconds": seconds}


def run_simpy(python, replications, seed):
    cmd = [python, str(HERE / "depot_simpy.py"), "-r", str(replications), "-s", str(seed)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--replications", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cpu", type=int, default=0, help="the core both run on (default 0)")
    parser.add_argument("--dtwin", default=str(ROOT / "target" / "release" / "dtwin"))
    parser.add_argument("--python", help="a Python with simpy installed (default: a venv made here)")
    args = parser.parse_args()
    if not Path(args.dtwin).exists():
        sys.exit(f"compare.py: {args.dtwin} not found: cargo build --release first")
    python = simpy_python(args.python)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})  # children inherit it
    rows = {"dtwin": [], "simpy": []}
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.rounds):
            rows["dtwin"].append(run_dtwin(args.dtwin, args.replications, args.seed, out))
            rows["simpy"].append(run_simpy(python, args.replications, args.seed))
    med = {}
    print(f"{args.replications} replications per round, {args.rounds} rounds alternating, one core; medians")
    print(f"{'':8} {'ms/replication':>15} {'orders/s':>12} {'events/s':>12} {'events/order':>13}")
    for tool, runs in rows.items():
        ms = statistics.median(r["seconds"] / args.replications * 1e3 for r in runs)
        ops = statistics.median(r["orders"] / r["seconds"] for r in runs)
        eps = statistics.median(r["events"] / r["seconds"] for r in runs)
        epo = runs[0]["events"] / runs[0]["orders"]
        med[tool] = (ops, eps)
        print(f"{tool:8} {ms:15.2f} {ops:12,.0f} {eps:12,.0f} {epo:13.2f}")
    print(f"dtwin / SimPy: {med['dtwin'][0] / med['simpy'][0]:.1f}x in orders per second, "
          f"{med['dtwin'][1] / med['simpy'][1]:.1f}x in events per second (each tool's own events)")


if __name__ == "__main__":
    main()
