#!/usr/bin/env bash
# The C and C++ examples over the example plans: the C one gives the README's
# verdicts; the C++ one prints exactly the JSON of `gavel lint --format json`.
# Usage: examples_test.sh GAVEL LINT_C LINT_CPP SOURCE_DIR
set -uo pipefail
gavel=$1 lint_c=$2 lint_cpp=$3
cd "$4"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
expect() {  # expect NAME WANT GOT
  if [ "$2" != "$3" ]; then
    failures=$((failures + 1))
    printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$3"
  fi
}
plans=$(ls examples/plans/*.json examples/plans/*.yaml | sort)

"$lint_c" policies/ $plans >"$tmp/c.out"
expect "C example exit code" 1 $?
got=$(grep '^examples/plans/' "$tmp/c.out" | sed -E 's|^examples/plans/([^:]+): (.*)$|\| `\1` \| \2 \||')
want=$(sed -n '/<!-- verdicts:/,/^$/p' README.md | grep '^| `')
expect "C example verdicts are the README's" "$want" "$got"
expect "C example prints the version" "gavel 0.1.0" "$(head -1 "$tmp/c.out")"

"$lint_cpp" policies/ $plans >"$tmp/cpp.out"
expect "C++ example exit code" 1 $?
"$gavel" lint --format json $plans --policy policies/ >"$tmp/cli.out"
expect "C++ example JSON equals the CLI's" "$(cat "$tmp/cli.out")" "$(cat "$tmp/cpp.out")"

"$lint_c" policies/ examples/plans/airgap-maintenance.yaml >/dev/null
expect "C example exit code when allowed" 0 $?
"$lint_c" policies/ examples/plans/prod-rollout.json >/dev/null
expect "C example exit code when approval is needed" 2 $?
echo '{"steps": [{"id": "a", "verb": 3}]}' >"$tmp/bad.json"
"$lint_c" policies/ "$tmp/bad.json" >/dev/null 2>"$tmp/err"
expect "C example exit code for a bad plan" 3 $?
expect "C example error message" "error[plan_error]: $tmp/bad.json: steps[0].verb: expected a string, got a number" "$(cat "$tmp/err")"
printf 'package p\nrule r { deny when nope }\n' >"$tmp/bad.gavel"
"$lint_cpp" "$tmp/bad.gavel" examples/plans/prod-rollout.json >/dev/null 2>"$tmp/err"
expect "C++ example exit code for a bad policy" 3 $?
expect "C++ example compile error location" "$tmp/bad.gavel:2:" "$(head -1 "$tmp/err" | grep -oE '^[^ ]+\.gavel:2:')"

if [ $failures -ne 0 ]; then
  echo "$failures failures"
  exit 1
fi
echo "all passed"
