"""The depot model of benches/peers/depot.toml in SimPy 4.1, for a side-by-side speed comparison.

One depot at the centre of a 50 x 50 km square with 4 doors; 100 vehicles of capacity 1, each with
a driver always on duty; Poisson orders at 60 an hour; each order, first come first served, takes
the next free vehicle, which queues for a door, loads (exponential, mean 3 min), drives straight to
a destination uniform over the square at 40 km/h, unloads (exponential, mean 10 min) and drives
back. 24 hours. Times in minutes.

Events are counted as SimPy processes them: one per `env.step()` (timeouts, resource grants and
releases, process starts and ends).

    python depot_simpy.py -r 20    # prints one JSON line: replications, orders, events, seconds
"""

import argparse
import json
import math
import random
import time

import simpy

HORIZON_MIN = 24 * 60.0
DOORS, VEHICLES = 4, 100
RATE_PER_MIN = 60 / 60.0
LOAD_MEAN_MIN, UNLOAD_MEAN_MIN = 3.0, 10.0
SPEED_KM_PER_MIN = 40 / 60.0
DEPOT = (25.0, 25.0)


def replication(seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    doors = simpy.Resource(env, capacity=DOORS)
    vehicles = simpy.Resource(env, capacity=VEHICLES)
    counts = {"created": 0, "delivered": 0}

    def order():
        counts["created"] += 1
        x, y = rng.uniform(0.0, 50.0), rng.uniform(0.0, 50.0)
        drive = math.hypot(x - DEPOT[0], y - DEPOT[1]) / SPEED_KM_PER_MIN
        with vehicles.request() as vehicle:
            yield vehicle
            with doors.request() as door:
                yield door
                yield env.timeout(rng.expovariate(1.0 / LOAD_MEAN_MIN))
            yield env.timeout(drive)
            yield env.timeout(rng.expovariate(1.0 / UNLOAD_MEAN_MIN))
            counts["delivered"] += 1
            yield env.timeout(drive)

    def source():
        while True:
            yield env.timeout(rng.expovariate(RATE_PER_MIN))
            env.process(order())

    env.process(source())
    steps = 0
    while env.peek() < HORIZON_MIN:
        env.step()
        steps += 1
    return counts, steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--replications", type=int, default=20)
    parser.add_argument("-s", "--seed", type=int, default=1)
    args = parser.parse_args()
    orders = delivered = events = 0
    started = time.perf_counter()
    for i in range(args.replications):
        counts, steps = replication(args.seed * 1_000_003 + i)
        orders += counts["created"]
        delivered += counts["delivered"]
        events += steps
    seconds = time.perf_counter() - started
    print(json.dumps({
        "tool": "simpy " + simpy.__version__,
        "replications": args.replications,
        "orders": orders,
        "delivered": delivered,
        "events": events,
        "seconds": seconds,
    }))


if __name__ == "__main__":
    main()
