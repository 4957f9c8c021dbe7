#!/usr/bin/env python3
"""A dtwin dispatch policy in Python, spoken to over the JSON-lines protocol dtwin-policy/2
(docs/policy-protocol.md): each decision epoch brings only what changed since the last one.
`--protocol 1` speaks dtwin-policy/1 instead (the whole request at every epoch); the decisions
are the same.

Earliest due date first, vans filled to capacity: at each decision epoch and at each site, the
open orders are taken most urgent first and packed into the free vehicles (largest first), each
van with one free driver; a van's stops are then visited nearest first from the depot. A van
leaves only when its load is at least `fill` of its capacity, or when one of its orders is due
within `slack_min` minutes; otherwise its orders wait for the next epoch. No time checks here:
dtwin validates every route and refuses those a driver could not finish in time.

`fill` and `slack_min` are this program's own thresholds: the policy file's `params` table,
which dtwin sends in `hello`, so `dtwin tune --param fill=0.2..0.8:0.3` tunes them.

Use it with any scenario through its policy file:

    dtwin run scenarios/tiny.toml --policy examples/policies/edd_fill.toml

`--stats FILE` writes one line per epoch: the bytes of the `decide` line, and the microseconds
spent reading it (parsing, and applying the changes) and deciding.
"""
import argparse
import json
import math
import sys
import time

PROTOCOLS = {"1": "dtwin-policy/1", "2": "dtwin-policy/2"}
COLLECTIONS = ("sites", "orders", "vehicles", "busy_vehicles", "drivers", "carriers")

# Used when the policy file has no `params`: every van leaves as soon as it has a load.
DEFAULTS = {"fill": 0.0, "slack_min": 60.0}


def distance(a, b):
    return math.hypot(a["x"] - b["x"], a["y"] - b["y"])


def decide(request, params):
    fill, slack_ms = params["fill"], params["slack_min"] * 60_000
    routes = []
    sites = {s["id"]: s for s in request["sites"]}
    for site_id, site in sites.items():
        orders = sorted(
            (o for o in request["orders"] if o["site"] == site_id),
            key=lambda o: (o["due"], -o["priority"], o["id"]),
        )
        vehicles = sorted(
            (v for v in request["vehicles"] if v["site"] == site_id),
            key=lambda v: (-v["capacity"], v["id"]),
        )
        drivers = sorted(
            (d for d in request["drivers"] if d["site"] == site_id),
            key=lambda d: (-d["shift_end"], d["id"]),
        )
        for vehicle, driver in zip(vehicles, drivers):
            if not orders:
                break
            load, chosen, rest = 0, [], []
            for order in orders:
                if load + order["size"] <= vehicle["capacity"]:
                    load += order["size"]
                    chosen.append(order)
                else:
                    rest.append(order)
            if not chosen:
                orders = rest
                continue
            urgent = any(o["due"] - request["now"] <= slack_ms for o in chosen)
            if load < fill * vehicle["capacity"] and not urgent:
                continue  # not full enough and nothing urgent: these orders wait; try the next van
            orders = rest
            # Nearest neighbour from the depot.
            here, stops = site["location"], []
            while chosen:
                nearest = min(chosen, key=lambda o: (distance(here, o["destination"]), o["id"]))
                chosen.remove(nearest)
                stops.append(nearest["id"])
                here = nearest["destination"]
            routes.append({"vehicle": vehicle["id"], "driver": driver["id"], "stops": stops})
    return routes


class Held:
    """The request as protocol 2 leaves it with the program: each collection a dict by id."""

    def __init__(self):
        self.now, self.travel = None, None
        self.maps = {name: {} for name in COLLECTIONS}

    def apply(self, changes):
        self.now = changes["now"]
        self.travel = changes.get("travel", self.travel)
        for name in COLLECTIONS:
            held = self.maps[name]
            for key in changes[name]["removed"]:
                del held[key]
            for item in changes[name]["set"]:
                held[item["id"]] = item

    def request(self):
        """The request as protocol 1 sends it, lists in id order."""
        request = {name: [held[k] for k in sorted(held)] for name, held in self.maps.items()}
        request.update(now=self.now, travel=self.travel)
        return request


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), default="2")
    parser.add_argument("--stats", help="write bytes and microseconds per epoch to this file")
    args = parser.parse_args()
    protocol = PROTOCOLS[args.protocol]
    stats = open(args.stats, "w") if args.stats else None
    params = dict(DEFAULTS)
    held = Held()
    for line in sys.stdin:
        began = time.perf_counter()
        message = json.loads(line)
        if message["type"] == "hello":
            if protocol not in message.get("protocols", [message["protocol"]]):
                print(f"dtwin does not offer {protocol}", file=sys.stderr)
                sys.exit(2)
            unknown = set(message["params"]) - set(DEFAULTS)
            if unknown:
                print(f"unknown params {sorted(unknown)}; this policy takes {sorted(DEFAULTS)}", file=sys.stderr)
                sys.exit(2)
            params.update(message["params"])
            reply = {"type": "ready", "protocol": protocol, "name": "edd_fill.py"}
        elif message["type"] == "decide":
            if "changes" in message:
                held.apply(message["changes"])
                request = held.request()
            else:
                request = message["request"]
            read = time.perf_counter()
            reply = {"type": "decision", "epoch": message["epoch"], "routes": decide(request, params)}
            if stats:
                decided = time.perf_counter()
                print(len(line.encode()), round((read - began) * 1e6), round((decided - read) * 1e6), file=stats)
        elif message["type"] == "bye":
            return
        else:
            print(f"unknown message type {message['type']!r}", file=sys.stderr)
            sys.exit(2)
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
