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
