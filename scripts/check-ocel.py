#!/usr/bin/env python3
"""dtwin's OCEL 2.0 export, read the way process-mining users read it.

Exports one replication of a scenario three ways with the release binary (OCEL 2.0, JSON lines,
the case table), then checks the OCEL file:

- it validates against docs/schemas/ocel20.schema.json (jsonschema);
- ids are unique, every relationship points at an object in the file, every event and object
  type is declared;
- its events are dtwin's records one for one (the JSON lines of the same replication), its
  orders and trips the orders created and the trips started;
- pm4py.read_ocel2_json reads it, with as many events as records that name an object (pm4py
  leaves out events with none) and as many objects per type as the file holds;
- pm4py.ocel_flattening on orders gives one case per order created, as many as the case table's
  rows.

pm4py is a test-only tool here: it runs in a virtual environment this script is given (CI makes
one with the pinned versions below); nothing of dtwin links or ships it.

    python3 -m venv .venv-ocel && .venv-ocel/bin/pip install pm4py==2.7.23.11 jsonschema==4.26.0
    .venv-ocel/bin/python scripts/check-ocel.py [--scenario scenarios/regional.toml] [--replication 0]

Exit 0 when every check holds, 1 (with what failed) when one does not.
"""

import argparse
import collections
import csv
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PINNED = "pm4py==2.7.23.11 jsonschema==4.26.0"


def export(dtwin, scenario, replication, fmt, path):
    cmd = [dtwin, "run", scenario, "-r", str(replication + 1), "-q", "--events", str(path),
           "--events-format", fmt, "--events-replications", str(replication)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="scenarios/regional.toml")
    ap.add_argument("--replication", type=int, default=0)
    ap.add_argument("--bin", default=str(ROOT / "target/release/dtwin"))
    args = ap.parse_args()
    try:
        import jsonschema
        import pm4py
    except ImportError as e:
        sys.exit(f"check-ocel.py: {e}; run it with a Python that has {PINNED}")

    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        ocel_path, jsonl_path, cases_path = tmp / "log.ocel.json", tmp / "log.jsonl", tmp / "cases.csv"
        for fmt, path in [("ocel", ocel_path), ("jsonl", jsonl_path), ("cases", cases_path)]:
            export(args.bin, args.scenario, args.replication, fmt, path)
        log = json.loads(ocel_path.read_text())
        records = [json.loads(line) for line in jsonl_path.read_text().splitlines()]
        with open(cases_path, newline="") as f:
            cases = list(csv.DictReader(f))
        print(f"{args.scenario}, replication {args.replication}: {ocel_path.stat().st_size} bytes of OCEL, "
              f"{len(log['events'])} events, {len(log['objects'])} objects")

        schema = json.loads((ROOT / "docs/schemas/ocel20.schema.json").read_text())
        errors = list(jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
                      .iter_errors(log))
        check(not errors, f"valid against docs/schemas/ocel20.schema.json ({len(errors)} errors)"
              + (f": {errors[0].message} at {list(errors[0].absolute_path)}" if errors else ""))

        object_ids = [o["id"] for o in log["objects"]]
        event_ids = [e["id"] for e in log["events"]]
        check(len(set(object_ids)) == len(object_ids), "object ids are unique")
        check(len(set(event_ids)) == len(event_ids), "event ids are unique")
        known = set(object_ids)
        dangling = [r["objectId"] for x in log["events"] + log["objects"] for r in x.get("relationships", [])
                    if r["objectId"] not in known]
        check(not dangling, f"every relationship points at an object in the file ({len(dangling)} do not)")
        event_types = {t["name"] for t in log["eventTypes"]}
        object_types = {t["name"] for t in log["objectTypes"]}
        check(all(e["type"] in event_types for e in log["events"]), "every event type is declared")
        check(all(o["type"] in object_types for o in log["objects"]), "every object type is declared")

        kinds = collections.Counter(r["kind"] for r in records)
        check(collections.Counter(e["type"] for e in log["events"]) == kinds,
              f"the events are the records, kind for kind ({len(records)} records)")
        per_type = collections.Counter(o["type"] for o in log["objects"])
        check(per_type["order"] == kinds["order_created"],
              f"one order object per order created ({per_type['order']} / {kinds['order_created']})")
        check(per_type["trip"] == kinds["route_assigned"],
              f"one trip object per trip started ({per_type['trip']} / {kinds['route_assigned']})")

        ocel = pm4py.read_ocel2_json(str(ocel_path))
        related = sum(1 for e in log["events"] if e.get("relationships"))
        check(len(ocel.events) == related,
              f"pm4py reads every event that names an object ({len(ocel.events)} / {related})")
        pm_types = ocel.objects["ocel:type"].value_counts().to_dict()
        check(pm_types == dict(per_type), f"pm4py reads every object, type for type ({pm_types})")
        flat = pm4py.ocel_flattening(ocel, "order")
        n_cases = flat["case:concept:name"].nunique()
        check(n_cases == kinds["order_created"] == len(cases),
              f"flattened on orders: one case per order created and per case-table row "
              f"({n_cases} / {kinds['order_created']} / {len(cases)})")

    if failures:
        print(f"check-ocel.py: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
