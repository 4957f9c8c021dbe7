#!/usr/bin/env python3
"""Scenarios at the documented limits (docs/scenario.md, "Limits"), one limit at a time on top of
scenarios/tiny.toml, and, with --measure, the wall time and peak memory of `dtwin check` and of
one replication on one thread (`/usr/bin/time -v`, each under a timeout).

    python3 scripts/limit-scenarios.py out/limits                 # write the scenarios
    python3 scripts/limit-scenarios.py out/limits --measure       # and measure them (a table)

Python 3.11 standard library only. The figures are in benches/README.md, "Biggest accepted inputs".
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TINY = (ROOT / "scenarios/tiny.toml").read_text()


def replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def vehicles() -> str:
    return replace(TINY, "count = 6", "count = 100000")


def drivers() -> str:
    t = replace(TINY, "count = 5\nshift = [\"05:30\"", "count = 50000\nshift = [\"05:30\"")
    return replace(t, "count = 5\nshift = [\"13:00\"", "count = 50000\nshift = [\"13:00\"")


def sites() -> str:
    extra = "".join(f'\n[[site]]\nname = "s{i}"\nlocation = [{i % 100}.0, {i // 100}.0]\ndoors = 1\n'
                    f'hours = ["05:00", "22:00"]\nload_fixed_min = {{ dist = "fixed", value = 10 }}\n'
                    f'load_per_unit_min = {{ dist = "fixed", value = 1 }}\n' for i in range(1, 10_000))
    return replace(TINY, "\n[[vehicle_type]]", extra + "\n[[vehicle_type]]")


def doors() -> str:
    return replace(TINY, "doors = 2", "doors = 10000")


def classes() -> str:
    start, end = TINY.index("[[orders.class]]"), TINY.index("[[orders.rate]]")
    body = "".join(f'[[orders.class]]\nname = "c{i}"\nshare = 1\npriority = {i % 256}\n'
                   f'window_width_min = {{ dist = "uniform", min = 90, max = 480 }}\n\n' for i in range(1000))
    return TINY[:start] + body + TINY[end:]


def horizon() -> str:
    return replace(TINY, "horizon_h = 24", "horizon_h = 8784")


def rate() -> str:
    return re.sub(r"per_hour = \[[^\]]*\]", "per_hour = [" + ", ".join(["100000"] * 24) + "]", TINY, count=1)


def customers_file() -> str:
    # A scenario file close to the 16 MiB limit: customer points, a million of them.
    n = 1_000_000
    points = ", ".join(f"[{(i % 3000) / 100:.2f}, {(i // 3000) / 100:.2f}]" for i in range(n))
    return replace(TINY, 'destinations = { kind = "disk", radius_km = 15 }', f'destinations = {{ kind = "customers", points = [{points}] }}')


def orders_csv(folder: Path) -> str:
    # An order CSV close to the 256 MiB limit (7.4 million orders, one every 0.6 s for 51 days),
    # and a scenario replaying it.
    rows = []
    size, i = 0, 0
    header = "site,created,due,size,x,y\n"
    limit = 256 << 20
    with open(folder / "orders.csv", "w") as f:
        f.write(header)
        size = len(header)
        while True:
            created = i / 100  # minutes
            row = f"depot,{created:.2f},{created + 240:.2f},{1 + i % 5},{(i % 29) - 14}.5,{(i % 23) - 11}.25\n"
            if size + len(row) > limit:
                break
            f.write(row)
            size += len(row)
            i += 1
    start, end = TINY.index("[orders]"), TINY.index("[policy]")
    text = TINY[:start] + '[orders]\ncsv = "orders.csv"\nservice_min = { dist = "fixed", value = 5 }\ncancel_after_due_min = 480\n\n' + TINY[end:]
    return replace(text, "horizon_h = 24", f"horizon_h = {int(i / 100 / 60) + 24}")


CASES = [
    ("vehicles", "100,000 vehicles (one `[[fleet]]` count)", vehicles),
    ("drivers", "100,000 drivers (two `[[drivers]]` counts of 50,000)", drivers),
    ("sites", "10,000 sites (9,999 added with a door each, no fleet or demand)", sites),
    ("doors", "10,000 doors at the depot", doors),
    ("classes", "1,000 order classes", classes),
    ("horizon", "horizon 8784 h (a leap year, ~55,000 orders)", horizon),
    ("rate", "100,000 orders an hour at the depot, all day (~2.4 M orders, 6 vans)", rate),
    ("customers", "a scenario file of 15 MiB: 1 M customer points", customers_file),
    ("csv", "an order CSV of 256 MiB: 7.4 M orders over 51 days, replayed", None),
]


def measure(argv: list[str], timeout: float) -> tuple[str, str, str]:
    """(wall time, max RSS, exit) of argv under /usr/bin/time -v."""
    cmd = ["/usr/bin/time", "-v"] + argv
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s", "-", "timeout"
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", p.stderr).group(1)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    m, s = wall.rsplit(":", 1)
    secs = float(s) + 60 * sum(float(x) * 60**k for k, x in enumerate(reversed(m.split(":"))))
    exit_code = re.search(r"Exit status: (\d+)", p.stderr).group(1)
    return f"{secs:.2f} s", f"{rss / 1024:.0f} MB", exit_code


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--measure", action="store_true")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds per command")
    ap.add_argument("--bin", type=Path, default=ROOT / "target/release/dtwin")
    ap.add_argument("--only", help="comma-separated names: " + ", ".join(c[0] for c in CASES))
    args = ap.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    rows = []
    for name, what, make in CASES:
        if only and name not in only:
            continue
        path = args.folder / f"{name}.toml"
        path.write_text(make() if make else orders_csv(args.folder))
        if not args.measure:
            print(path)
            continue
        check = measure([str(args.bin), "check", str(path)], args.timeout)
        out = args.folder / f"{name}.out"
        shutil.rmtree(out, ignore_errors=True)
        run = measure([str(args.bin), "run", str(path), "-r", "1", "-t", "1", "-q", "--out", str(out)], args.timeout)
        rows.append((name, what, check, run))
        print(f"{name}: check {check}, run {run}", file=sys.stderr, flush=True)
    if args.measure:
        print("| input | `check` wall | `check` max RSS | `run -r 1 -t 1` wall | `run` max RSS |")
        print("|---|---|---|---|---|")
        for name, what, check, run in rows:
            note = lambda r: "" if r[2] in ("0", "timeout") else f" (exit {r[2]})"
            print(f"| `{name}`: {what} | {check[0]}{note(check)} | {check[1]} | {run[0]}{note(run)} | {run[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
