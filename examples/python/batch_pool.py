#!/usr/bin/env python3
"""Evaluates many plans in a process pool: the compiled policy is pickled
(as a bundle) once per worker, not recompiled there.

    batch_pool.py POLICY_DIR PLAN_DIR [--workers N] [--repeat N]
"""
import argparse
import collections
import concurrent.futures
import json
import os

import gavel

_policy = None


def _init(policy: gavel.Policy) -> None:
    global _policy
    _policy = policy  # unpickled from the bundle in each worker


def _verdict(plan: dict) -> str:
    return _policy.evaluate(plan).verdict.value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policies")
    parser.add_argument("plans")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    policy = gavel.compile(paths=[args.policies])
    plans = []
    for name in sorted(os.listdir(args.plans)):
        if name.endswith(".json"):
            with open(os.path.join(args.plans, name)) as f:
                plans.append(json.load(f))
    plans *= args.repeat
    with concurrent.futures.ProcessPoolExecutor(args.workers, initializer=_init, initargs=(policy,)) as pool:
        counts = collections.Counter(pool.map(_verdict, plans, chunksize=16))
    print(f"{len(plans)} plans: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
