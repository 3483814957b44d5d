#!/usr/bin/env bash
# Builds the libFuzzer targets (cmake --preset fuzz: clang-14, ASan + UBSan)
# and runs each for SECONDS (default 20), one after the other, from the seed
# corpus in tests/fuzz/corpus/<target>/. Prints each target's executions
# (libFuzzer's final `#N DONE ... exec/s` line) and fails on the first crash,
# timeout or out-of-memory, leaving the input in $FUZZ_WORK/artifacts/.
# See docs/security.md ("Fuzzing").
#
#   scripts/fuzz.sh                   # every target, 20 s each
#   scripts/fuzz.sh 600 policy_fuzzer # one target, ten minutes
#   FUZZ_WORK=/var/tmp/gavel-fuzz scripts/fuzz.sh 3600   # keep the grown corpus
#   FUZZ_SEED=1 scripts/fuzz.sh 15    # a fixed libFuzzer seed (CI: the same mutations each run)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(policy_fuzzer plan_json_fuzzer plan_yaml_fuzzer plan_proto_fuzzer config_fuzzer bundle_fuzzer eval_fuzzer)
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -- -j"${FUZZ_BUILD_JOBS:-2}" >/dev/null

work=${FUZZ_WORK:-$(mktemp -d)}
mkdir -p "$work/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for t in "${targets[@]}"; do
  name=${t%_fuzzer}
  case $name in
    policy) dict=tests/fuzz/dict/policy.dict ;;
    plan_json | eval) dict=tests/fuzz/dict/json.dict ;;
    plan_yaml | config) dict=tests/fuzz/dict/yaml.dict ;;
    *) dict= ;;
  esac
  # New inputs go to $work/corpus/<target>; the committed seeds stay as they are.
  mkdir -p "$work/corpus/$name"
  log="$work/$name.log"
  if build-fuzz/tests/fuzz/"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/artifacts/$name-" ${dict:+-dict=$dict} ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
      "$work/corpus/$name" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
    done_line=$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1 || true)
    execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$done_line")
    rate=$(grep -oE 'exec/s: [0-9]+' <<<"$done_line" | grep -oE '[0-9]+' || true)
    printf '%-18s %10s executions in %ss (%s exec/s)\n' "$t" "${execs:-?}" "$seconds" "${rate:-?}"
  else
    echo "FAIL: $t found a crash, timeout or leak; its log: $log" >&2
    grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written to|fuzz invariant failed' "$log" | head -20 >&2 || true
    status=1
  fi
done
exit $status
