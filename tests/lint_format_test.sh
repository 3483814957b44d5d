#!/usr/bin/env bash
# `gavel lint --format FORMAT`, for every format, over a few fixed plans
# (allowed, needs approval, denied, allowed with a warning, and one that
# does not decode), compared with its golden tests/data/lint_golden/lint.FORMAT.
# The SARIF output is validated against the SARIF 2.1.0 JSON schema
# (tests/data/sarif/, tests/sarif_validate.py), which must also reject a
# broken log; the JUnit XML must parse and its counts add up.
#
# Runs from the source root with GAVEL_NO_TIMING=1 (no time in the summary
# line), so the goldens hold relative paths and no time.
# To regenerate the goldens after an intended change (then review the diff):
#   UPDATE_GOLDEN=1 tests/lint_format_test.sh build/gavel .
# Usage: lint_format_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"
export GAVEL_NO_TIMING=1

golden=tests/data/lint_golden
plans=(examples/plans/airgap-maintenance.yaml examples/plans/prod-rollout.json
       examples/plans/secret-exfiltration.json examples/plans/dev-readonly.yaml
       $golden/invalid-plan.json)

# 1. Every format against its golden; exit code 3 (one plan is invalid).
for format in text json sarif junit github; do
  "$gavel" lint --format $format --policy policies/ "${plans[@]}" >"$tmp/lint.$format" 2>"$tmp/err.$format"
  expect "exit code ($format)" 3 $?
  contains "the invalid plan is named on stderr ($format)" "$golden/invalid-plan.json" "$tmp/err.$format"
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$tmp/lint.$format" "$golden/lint.$format"
    echo "wrote $golden/lint.$format"
  fi
  expect "output matches $golden/lint.$format" "" "$(diff -u "$golden/lint.$format" "$tmp/lint.$format")"
done
# Not a terminal: no colour, unless asked for.
expect "text to a file has no ANSI escapes" 0 "$(grep -c $'\033' "$tmp/lint.text")"
"$gavel" lint --color always --policy policies/ examples/plans/secret-exfiltration.json >"$tmp/color"
contains "--color always: the verdict in colour" $'\033[1;31mDENY\033[0m' "$tmp/color"
contains "--color always: the effect in colour" $'  \033[31mdeny\033[0m secrets.' "$tmp/color"
NO_COLOR=1 "$gavel" lint --color never --policy policies/ examples/plans/secret-exfiltration.json >"$tmp/color"
expect "--color never: no ANSI escapes" 0 "$(grep -c $'\033' "$tmp/color")"
contains "text shows the rule's source line" "  rule no_secret_exfiltration {" "$tmp/lint.text"

# 2. SARIF: valid against the schema; a log without a result message is not.
validate="/usr/bin/python3 tests/sarif_validate.py tests/data/sarif/sarif-2.1.0-rtm.5.json"
$validate "$tmp/lint.sarif" 2>"$tmp/verr"
expect "SARIF output is valid SARIF 2.1.0" 0 $?
[ -s "$tmp/verr" ] && cat "$tmp/verr"
/usr/bin/python3 - "$tmp/lint.sarif" "$tmp/no-message.sarif" "$tmp/bad-level.sarif" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
results = log["runs"][0]["results"]
assert results, "no results to break"
del results[0]["message"]
json.dump(log, open(sys.argv[2], "w"))
results[0]["message"] = {"text": "x"}
results[0]["level"] = "fatal"
json.dump(log, open(sys.argv[3], "w"))
PY
$validate "$tmp/no-message.sarif" 2>"$tmp/verr"
expect "a result without a message is rejected" 1 $?
contains "the rejection names the missing property" "'message' is a required property" "$tmp/verr"
$validate "$tmp/bad-level.sarif" 2>"$tmp/verr"
expect "a result with an unknown level is rejected" 1 $?
contains "the rejection names the level" "'fatal' is not one of" "$tmp/verr"
/usr/bin/python3 - "$tmp/lint.sarif" >"$tmp/sarif-check" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
rules = run["tool"]["driver"]["rules"]
assert len({r["id"] for r in rules}) == len(rules), "duplicate rule ids"
for r in run["results"]:
    if "ruleIndex" in r:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"], r
print(len(rules), "rules;", sum(r["ruleId"] == "invalid-plan" for r in run["results"]), "invalid plan")
PY
rules=$(cat policies/*.gavel | grep -c '^rule ')
defaults=$(cat policies/*.gavel | grep -c '^default deny')
expect "SARIF: every rule (and PACKAGE.default), ruleIndex matching ruleId; the invalid plan" \
  "$((rules + defaults)) rules; 1 invalid plan" "$(cat "$tmp/sarif-check")"

# 3. JUnit: well-formed XML whose counts add up (one testcase per plan and rule).
/usr/bin/python3 - "$tmp/lint.junit" >"$tmp/junit-check" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall("testsuite")
total = {"tests": 0, "failures": 0, "errors": 0}
for s in suites:
    cases = s.findall("testcase")
    got = {"tests": len(cases), "failures": sum(len(c.findall("failure")) for c in cases),
           "errors": sum(len(c.findall("error")) for c in cases)}
    for k in got:
        assert int(s.get(k)) == got[k], (s.get("name"), k, s.get(k), got[k])
        total[k] += got[k]
for k in total:
    assert int(root.get(k)) == total[k], (k, root.get(k), total[k])
print(len(suites), "suites")
PY
expect "JUnit counts add up" "5 suites" "$(cat "$tmp/junit-check")"

# 4. GitHub: workflow commands, then the summary.
expect "github: only commands before the summary" "" \
  "$(head -n -1 "$tmp/lint.github" | grep -v '^::\(error\|warning\) file=')"
expect "github: summary line" "5 plans: 2 allowed, 1 denied, 1 needs approval, 1 error" "$(tail -1 "$tmp/lint.github")"

finish
