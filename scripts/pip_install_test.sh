#!/usr/bin/env bash
# `pip install .` works offline with Debian's setuptools: installs the Python
# package into a fresh virtual environment (which sees Debian's packages) and
# evaluates the example plans through it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install --quiet --no-build-isolation --no-index . 
cd "$venv"  # away from the source tree, so `import gavel` finds the installed package
"$venv/bin/python" - "$OLDPWD" <<'PY'
import os, sys
import gavel
root = sys.argv[1]
assert gavel.__file__.startswith(sys.prefix), gavel.__file__
policy = gavel.compile(paths=[os.path.join(root, "policies")])
d = policy.evaluate_file(os.path.join(root, "examples/plans/secret-exfiltration.json"))
assert d.verdict == gavel.Verdict.DENY, d
print(f"pip install: ok (gavel {gavel.__version__}, {policy.rule_count} rules)")
PY
# The Python examples, run by the installed package (some example plans are
# denied: exit 1).
cd "$OLDPWD"
status=0
"$venv/bin/python" examples/python/lint_plans.py policies/ examples/plans/ \
  --config examples/gavel.yaml --env prod >/dev/null || status=$?
[ "$status" = 1 ] || { echo "lint_plans.py: exit $status, want 1"; exit 1; }
"$venv/bin/python" examples/python/batch_pool.py policies/ examples/plans/ --repeat 4
