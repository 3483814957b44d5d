#!/usr/bin/env bash
# Runs every test from a fresh Debian 12 machine: installs the dependencies,
# builds with warnings as errors, runs the suite and `pip install .`, then
# runs the suite again built with AddressSanitizer and
# UndefinedBehaviorSanitizer, and the threaded tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure
./scripts/pip_install_test.sh
if [ "${GAVEL_SKIP_SANITIZERS:-0}" != 1 ]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  ctest --preset asan
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan
  ctest --preset tsan
fi
# Every fuzz target for a short while (docs/security.md, "Fuzzing").
if [ "${GAVEL_SKIP_FUZZ:-0}" != 1 ]; then
  FUZZ_SEED=1 ./scripts/fuzz.sh 15
fi
