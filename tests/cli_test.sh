#!/usr/bin/env bash
# The `gavel` command end to end: the README's verdict table, exit codes,
# JSON lines, and compile errors as users see them.
# Usage: cli_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

# 1. The verdicts the README promises, from gavel's JSON output.
"$gavel" lint --format json --policy policies/ examples/plans/ >"$tmp/out.jsonl"
expect "lint exit code over examples" 1 $?
got=$(sed -E 's/^\{"plan": "examples\/plans\/([^"]+)", "verdict": "([a-z_]+)".*/| `\1` | \2 |/' "$tmp/out.jsonl")
want=$(sed -n '/<!-- verdicts:/,/^$/p' README.md | grep '^| `')
expect "README verdict table" "$want" "$got"
expect "one JSON line per plan" "$(ls examples/plans/*.json examples/plans/*.yaml | wc -l)" "$(wc -l <"$tmp/out.jsonl")"

# 2. Exit codes: 0 allow, 1 deny, 2 needs approval, 3 invalid input.
"$gavel" lint --policy policies/ examples/plans/airgap-maintenance.yaml >/dev/null
expect "exit code when allowed" 0 $?
"$gavel" lint --policy policies/ examples/plans/prod-rollout.json >/dev/null
expect "exit code when approval is needed" 2 $?
"$gavel" lint --policy policies/ examples/plans/secret-exfiltration.json >/dev/null
expect "exit code when denied" 1 $?
n=$("$gavel" lint --policy policies/ examples/plans/airgap-maintenance.yaml examples/plans/prod-rollout.json | grep -c '^examples/plans/')
expect "--policy takes one path; the plans after it are plans" 2 "$n"
echo '{"steps": [{"id": "a", "verb": 3}]}' >"$tmp/bad.json"
"$gavel" lint --policy policies/ "$tmp/bad.json" 2>"$tmp/err" >/dev/null
expect "exit code for a plan that does not decode" 3 $?
expect "plan error names the path" "gavel: $tmp/bad.json: steps[0].verb: expected a string, got a number" "$(cat "$tmp/err")"
"$gavel" lint --policy policies/ "$tmp/missing.json" 2>/dev/null >/dev/null
expect "exit code for a missing plan" 3 $?

# 3. A policy that does not compile: every error, with carets; exit 3.
printf 'package t\nrule a {\n  deny\n  for step in plan.steps\n  when step.verbb == "x"\n}\nrule b {\n  deny\n  when contxt.airgapped\n}\n' >"$tmp/bad.gavel"
"$gavel" check "$tmp/bad.gavel" >/dev/null 2>"$tmp/err"
expect "check exit code on errors" 3 $?
want="$tmp/bad.gavel:5:13: error[unknown_field]: \`gavel.v1.Step\` has no field \`verbb\` (did you mean \`verb\`?)
    when step.verbb == \"x\"
              ^~~~~
$tmp/bad.gavel:9:8: error[unknown_name]: undeclared name \`contxt\` (did you mean \`context\`?)
    when contxt.airgapped
         ^~~~~~
gavel: 2 errors"
expect "check prints every error with a caret" "$want" "$(cat "$tmp/err")"
"$gavel" lint --policy "$tmp/bad.gavel" examples/plans/ >/dev/null 2>&1
expect "lint exit code with a broken policy" 3 $?
"$gavel" check policies/ >/dev/null
expect "the standard policies compile" 0 $?

finish
