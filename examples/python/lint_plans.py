#!/usr/bin/env python3
"""Lints plan files against a policy set, as `gavel lint` does.

    lint_plans.py POLICY_DIR PLAN_OR_DIR... [--config gavel.yaml --env prod]

Exit code: 0 all allowed, 1 some denied, 2 some need approval, 3 invalid input.
"""
import argparse
import os
import sys

import gavel


def plan_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                if name.endswith((".json", ".yaml", ".yml")):
                    yield os.path.join(path, name)
        else:
            yield path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policies")
    parser.add_argument("plans", nargs="+")
    parser.add_argument("--config")
    parser.add_argument("--env")
    args = parser.parse_args()
    try:
        policy = gavel.compile(paths=[args.policies], config=args.config, env=args.env)
    except gavel.CompileError as e:
        print(e, file=sys.stderr)
        return 3
    invalid = denied = approval = False
    for path in plan_files(args.plans):
        try:
            decision = policy.evaluate_file(path)
        except gavel.PlanError as e:
            print(f"{path}: invalid plan: {e}", file=sys.stderr)
            invalid = True
            continue
        print(f"{path}: {decision.verdict.value}")
        for v in decision.violations:
            print(f"  {v.effect} {v.rule} step {v.step or '-'}: {v.message}")
        denied |= decision.verdict is gavel.Verdict.DENY
        approval |= decision.verdict is gavel.Verdict.NEEDS_APPROVAL
    return 3 if invalid else 1 if denied else 2 if approval else 0


if __name__ == "__main__":
    sys.exit(main())
