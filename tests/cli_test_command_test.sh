#!/usr/bin/env bash
# `gavel test` end to end, over the suites in tests/data/test_suites/: exit
# codes, what a failing test prints, coverage, and invalid suites.
# Usage: cli_test_command_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"
data=tests/data/test_suites

# 1. Passing suites: one summary line, exit 0; -v prints every test.
"$gavel" test "$data/pass" >"$tmp/out" 2>"$tmp/err"
expect "exit code when every test passes" 0 $?
expect "summary only" "9 passed, 0 failed in 3 suites" "$(cat "$tmp/out")"
expect "nothing on stderr" "" "$(cat "$tmp/err")"
"$gavel" test -v "$data/pass/ops_test.yaml" >"$tmp/out"
expect "-v prints each test" "PASS $data/pass/ops_test.yaml:3:5: a delete needs the owner's approval" \
  "$(head -1 "$tmp/out")"
expect "-v: one line per test, then the summary" 6 "$(wc -l <"$tmp/out")"

# 2. Coverage: the rules no test exercised, with their locations.
"$gavel" test --coverage "$data/pass" >"$tmp/out"
expect "--coverage alone does not fail" 0 $?
want="9 passed, 0 failed in 3 suites
coverage: 5 of 7 rules exercised; not exercised:
  $data/pass/ops.gavel:42:6 ops.no_exec
  $data/pass/tools.gavel:13:6 tools.backups"
expect "--coverage lists the rules never exercised" "$want" "$(cat "$tmp/out")"
"$gavel" test --require-coverage "$data/pass" >"$tmp/out" 2>"$tmp/err"
expect "--require-coverage fails when a rule was never exercised" 1 $?
expect "--require-coverage says why" "gavel: 2 rules were never exercised (--require-coverage)" "$(cat "$tmp/err")"
expect "--require-coverage implies --coverage" 4 "$(wc -l <"$tmp/out")"

# 3. A failing suite: what differed, per test; exit 1.
"$gavel" test "$data/fail" >"$tmp/out" 2>"$tmp/err"
expect "exit code when a test fails" 1 $?
f="$data/fail/ops_fail_test.yaml"
want="FAIL $f:9:5: wrong verdict
  verdict: want \`allow\`, got \`needs_approval\`
  decision: needs_approval; fired: \`ops.delete_needs_approval\` (drop)
FAIL $f:13:5: a rule that does not fire
  fires: \`ops.protected_namespace\` did not fire
  decision: needs_approval; fired: \`ops.delete_needs_approval\` (drop)
FAIL $f:17:5: fires on another step
  fires: \`ops.delete_needs_approval\` did not fire on step \`look\` (it fired on \`drop\`)
  decision: needs_approval; fired: \`ops.delete_needs_approval\` (drop)
FAIL $f:21:5: fires too often
  fires: \`ops.delete_needs_approval\` fired 2 times, want 1
  decision: needs_approval; fired: \`ops.delete_needs_approval\` (a, b)
FAIL $f:28:5: a rule that should not fire
  not_fires: \`ops.delete_needs_approval\` fired on step \`drop\`: step drop deletes ledger
  decision: needs_approval; fired: \`ops.delete_needs_approval\` (drop)
FAIL $f:32:5: an unexpected runtime error
  errors: want 0, got 1 (runtime errors fail a test unless \`expect\` has \`errors\`)
    error \`ops.many_replicas\` on step \`up\`: no such overload: _>_(string, int)
  decision: deny; fired: nothing
1 passed, 6 failed in 1 suite"
expect "failing tests and what differed" "$want" "$(cat "$tmp/out")"
expect "failing tests print nothing on stderr" "" "$(cat "$tmp/err")"
"$gavel" test "$data/pass" "$data/fail" >"$tmp/out"
expect "suites of several paths add up" "10 passed, 6 failed in 4 suites" "$(tail -1 "$tmp/out")"

# 4. Invalid suites: every error with its place and a caret; exit 3.
"$gavel" test "$data/invalid" >"$tmp/out" 2>"$tmp/err"
expect "exit code for invalid suites" 3 $?
want="$data/invalid/unknown_key_test.yaml:7:7: error[unknown_field]: unknown key \`verdit\` in \`expect\` of test \`typo in a key\` (did you mean \`verdict\`?); expected one of \`verdict\`, \`fires\`, \`not_fires\`, \`errors\`
        verdit: deny
        ^~~~~~
$data/invalid/unknown_rule_test.yaml:7:15: error[unknown_name]: no rule \`ops.delete_needs_aproval\` in the policies under test (did you mean \`ops.delete_needs_approval\`?)
        fires: [ops.delete_needs_aproval]
                ^~~~~~~~~~~~~~~~~~~~~~~~
gavel: 2 errors"
expect "invalid suites: located errors" "$want" "$(cat "$tmp/err")"
expect "invalid suites are counted" "0 passed, 0 failed in 0 suites (2 invalid)" "$(cat "$tmp/out")"
"$gavel" test "$data/invalid" "$data/fail" >/dev/null 2>&1
expect "invalid beats failed" 3 $?

# A policy that does not compile: its errors, as gavel check prints them.
mkdir -p "$tmp/broken"
printf 'package b\nrule r {\n  deny\n  when contxt.airgapped\n}\n' >"$tmp/broken/b.gavel"
printf 'tests:\n  - name: t\n    plan: {steps: []}\n    expect: {verdict: allow}\n' >"$tmp/broken/b_test.yaml"
"$gavel" test "$tmp/broken" >/dev/null 2>"$tmp/err"
expect "exit code for a policy that does not compile" 3 $?
expect "the policy's error" "$tmp/broken/b.gavel:4:8: error[unknown_name]: undeclared name \`contxt\` (did you mean \`context\`?)" \
  "$(head -1 "$tmp/err")"

# Nothing to run, or a suite that is not there.
mkdir -p "$tmp/empty"
"$gavel" test "$tmp/empty" >/dev/null 2>"$tmp/err"
expect "exit code without suites" 3 $?
expect "no suites found" "gavel: no test suites (*_test.yaml) found" "$(cat "$tmp/err")"
"$gavel" test "$tmp/missing_test.yaml" >/dev/null 2>"$tmp/err"
expect "exit code for a missing suite" 3 $?
expect "a missing suite" "gavel: $tmp/missing_test.yaml: cannot open the test suite" "$(head -1 "$tmp/err")"

finish
