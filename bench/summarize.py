"""Turns Google Benchmark JSON output of gavel_workloads into bench/run's summary.

Medians only: {"W1": {"ns_per_plan", "ns_per_step", "allocs_per_eval"},
"W4": {"compile_ms", "bundle_load_ms", "bundle_load_allocs"}, "W5": {"1": {..., "mb_per_s"}, ...},
"W5_capi" (the same through the C API),
"W6": {"items_per_s_1", "items_per_s_2", "speedup"}}.
"""
import json
import sys


def medians(paths):
    out = {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        if "benchmarks" not in data:
            continue  # bench/python_bench.py's output: merged as it is
        for b in data["benchmarks"]:
            if b.get("aggregate_name", "median") != "median":
                continue
            out[b["run_name"]] = b
    return out


def per_eval(b):
    """ns per plan and per step (the JSON holds seconds) and allocations."""
    return {"ns_per_plan": round(b["ns_per_plan"] * 1e9, 1),
            "ns_per_step": round(b["ns_per_step"] * 1e9, 1),
            "allocs_per_eval": round(b["allocs_per_eval"], 1)}


def main(paths):
    runs = medians(paths)
    summary = {}
    for path in paths:  # W7 comes summarized from bench/python_bench.py
        with open(path) as f:
            data = json.load(f)
        if "benchmarks" not in data:
            summary.update(data)
    for name, b in sorted(runs.items()):
        if name.startswith(("W1", "W2", "W3")):
            summary[name] = per_eval(b)
        elif name.startswith("W4_compile"):
            summary.setdefault("W4", {})["compile_ms"] = round(b["real_time"], 3)
        elif name.startswith("W4_bundle_load"):
            summary.setdefault("W4", {})["bundle_load_ms"] = round(b["real_time"], 3)
            if "allocs_per_load" in b:
                summary["W4"]["bundle_load_allocs"] = int(b["allocs_per_load"])
        elif name.startswith(("W5/", "W5_capi/")):
            key, steps = name.split("/")[:2]
            entry = per_eval(b)
            entry["mb_per_s"] = round(b["bytes_per_second"] / 1e6, 1)
            summary.setdefault(key, {})[steps] = entry
        elif name.startswith("W6"):
            threads = b.get("threads", 1)
            summary.setdefault("W6", {})[f"items_per_s_{threads}"] = round(b["items_per_second"])
    w6 = summary.get("W6", {})
    if "items_per_s_1" in w6 and "items_per_s_2" in w6:
        w6["speedup"] = round(w6["items_per_s_2"] / w6["items_per_s_1"], 2)
    json.dump(summary, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
