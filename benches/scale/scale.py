#!/usr/bin/env python3
"""How dtwin's cost grows with the network: the regional scenario scaled up, one replication each.

For each factor F (default 1, 3, 10, 33) it takes scenarios/regional.toml with the order rates
times F and the doors, vehicles, drivers, dispatchers and carrier capacities times F x 25/33
(so 33x is the issue's network of about 100,000 orders a day on 2,000 vehicles and 450 doors),
runs `dtwin run -t 1` (at least -r R replications, more for the small networks so dtwin's 10 ms
clock resolves them), and prints the time per replication (as dtwin reports it), per order, its
ratio to 1x's, and the peak memory of the process (`/usr/bin/time`).

    python3 benches/scale/scale.py                 # needs target/release/dtwin
    python3 benches/scale/scale.py 1 10 33 -r 2
    python3 benches/scale/scale.py --write         # (re)writes benches/scale/regional-x*.toml

The written files are the criterion bench's `scale/regional_x{3,10,33}` (benches/engine.rs); CI
runs `scale.py --check`, which fails when they are not what this script makes of today's
regional.toml.
"""

import argparse
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
RESOURCES = 25 / 33


def scaled(text, factor):
    grow = lambda n: max(1, round(int(n) * factor * RESOURCES))
    text = re.sub(r"(?m)^(doors|count|daily_capacity) = (\d+)", lambda m: f"{m.group(1)} = {grow(m.group(2))}", text)

    def rates(m):
        values = [float(v) * factor for v in m.group(1).split(",")]
        return "per_hour = [" + ", ".join(f"{v:g}" for v in values) + "]"

    text = re.sub(r"per_hour = \[([^\]]*)\]", rates, text)
    return text.replace('name = "regional"', f'name = "regional-x{factor:g}"', 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("factors", nargs="*", type=float, default=[1, 3, 10, 33])
    parser.add_argument("-r", "--replications", type=int, default=1)
    parser.add_argument("--dtwin", default=str(ROOT / "target" / "release" / "dtwin"))
    parser.add_argument("--write", action="store_true", help="write benches/scale/regional-x*.toml and stop")
    parser.add_argument("--check", action="store_true", help="fail if those files are not what --write writes")
    args = parser.parse_args()
    base = (ROOT / "scenarios" / "regional.toml").read_text()
    if args.write or args.check:
        stale = []
        for factor in [f for f in args.factors if f != 1]:
            path = ROOT / "benches" / "scale" / f"regional-x{factor:g}.toml"
            header = f"# Written by benches/scale/scale.py --write: scenarios/regional.toml scaled {factor:g}x. Do not edit.\n"
            # Not an `extends` overlay: the counts sit in arrays of tables an overlay cannot reach.
            text = header + scaled(base, factor)
            if args.write:
                path.write_text(text)
                print(f"wrote {path.relative_to(ROOT)}")
            elif not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        if stale:
            sys.exit(f"scale.py: not what scale.py --write makes of scenarios/regional.toml: {', '.join(stale)}")
        return
    print(f"{'factor':>6} {'orders/day':>10} {'events':>10} {'s/replication':>14} {'µs/order':>9} {'vs 1x':>6} {'peak MB':>8}")
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for factor in args.factors:
            path = Path(tmp, f"regional-x{factor:g}.toml")
            path.write_text(scaled(base, factor))
            out = Path(tmp, f"out-{factor:g}")
            # Enough replications for dtwin's 10 ms clock to resolve the small networks.
            reps = max(args.replications, math.ceil(30 / factor))
            cmd = ["/usr/bin/time", "-f", "peak %M", args.dtwin, "run", str(path), "-r", str(reps), "-t", "1"]
            done = subprocess.run(cmd + ["--out", str(out)], check=True, capture_output=True, text=True)
            text, peak_kb = done.stdout, int(re.search(r"peak (\d+)", done.stderr).group(1))
            m = re.search(r"(\d+) events in ([0-9.]+) s", text)
            created = re.search(r"(?m)^orders_created\s+([0-9.]+)", text)
            if not (m and created):
                sys.exit(f"scale.py: unexpected output from dtwin:\n{text[:400]}")
            events, seconds, orders = int(m.group(1)), float(m.group(2)), float(created.group(1))
            per_rep = seconds / reps
            us = per_rep / orders * 1e6
            first = first or us
            print(
                f"{factor:>6g} {orders:>10,.0f} {events // reps:>10,} {per_rep:>14.4f} {us:>9.1f} {us / first:>6.2f}"
                f" {peak_kb / 1024:>8.1f}"
            )


if __name__ == "__main__":
    main()
