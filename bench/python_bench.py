"""W7: the W2 workload evaluated from Python through the bindings, with the
plan as a dict (read field by field) and as JSON text.

    PYTHONPATH=build-bench/bindings/python python3 bench/python_bench.py DIR [--seconds S]

DIR holds policy.gavel and plan.json (gavel_workload_dump 25 20 DIR). Prints
{"W7": {"dict_ns_per_plan": N, "json_ns_per_plan": N, "steps": N}}: medians
of 5 batches, each run for about S/5 seconds.
"""
import argparse
import json
import os
import statistics
import time

import gavel


def ns_per_call(fn, seconds: float) -> float:
    fn()  # warm-up
    n = 1
    while True:  # calibrate a batch of about seconds/5
        start = time.perf_counter_ns()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter_ns() - start
        if elapsed > seconds * 1e9 / 5 or n > 1 << 24:
            break
        n *= 2
    samples = []
    for _ in range(5):
        start = time.perf_counter_ns()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter_ns() - start) / n)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    policy = gavel.compile(paths=[os.path.join(args.dir, "policy.gavel")])
    with open(os.path.join(args.dir, "plan.json")) as f:
        text = f.read()
    plan = json.loads(text)
    assert policy.evaluate(plan).to_dict() == policy.evaluate(text).to_dict()
    result = {
        "dict_ns_per_plan": round(ns_per_call(lambda: policy.evaluate(plan), args.seconds), 1),
        "json_ns_per_plan": round(ns_per_call(lambda: policy.evaluate(text), args.seconds), 1),
        "steps": len(plan["steps"]),
    }
    print(json.dumps({"W7": result}))


if __name__ == "__main__":
    main()
