#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install the dependencies,
# build, and lint every example plan against the standard policies.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
status=0
./build/gavel lint --policy policies/ examples/plans/ || status=$?
# Some example plans are meant to be denied: exit code 1 is the expected outcome.
case $status in
  0) echo "gavel: every plan allowed (exit 0)";;
  1) echo "gavel: some plans denied (exit 1), as the README says";;
  2) echo "gavel: some plans need approval (exit 2)";;
  *) echo "gavel: invalid input (exit $status)"; exit "$status";;
esac
