#!/usr/bin/env bash
# `gavel plan` end to end: the recorded transcripts of tests/data/tool_calls/
# become plans (JSON) that `gavel lint` decides as expected; bad input exits 3
# with a located message.
# Usage: plan_cli_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

mapping=examples/adapters/mapping.yaml
check() {  # check FORMAT TRANSCRIPT WANT_LINT_EXIT
  "$gavel" plan --input-format "$1" --mapping "$mapping" "tests/data/tool_calls/$2" -o "$tmp/$2.plan.json"
  expect "plan $2: exit code" 0 $?
  "$gavel" lint --policy policies/ "$tmp/$2.plan.json" >"$tmp/$2.lint" 2>&1
  expect "lint $2: exit code" "$3" $?
}
check openai openai_prod_apply.json 2
check openai openai_responses_readonly.json 0
check anthropic anthropic_secret_exfiltration.json 1
check mcp mcp_session.jsonl 1
contains "the exfiltration is found" "secrets.no_secret_exfiltration" "$tmp/anthropic_secret_exfiltration.json.lint"
contains "the unmapped MCP tool is denied" "tool_allowlist.default" "$tmp/mcp_session.jsonl.lint"

# To stdout; the step ids are the call ids.
"$gavel" plan -i mcp -m "$mapping" tests/data/tool_calls/mcp_session.jsonl >"$tmp/mcp.json"
expect "stdout: exit code" 0 $?
contains "stdout: the unmapped tool" '"action": "tool.nodes_debug_exec"' "$tmp/mcp.json"
contains "stdout: the call id" '"id": "3"' "$tmp/mcp.json"

# `gavel lint --input-format`: the transcripts linted directly, same verdicts;
# an MCP .jsonl session is one transcript, not a corpus of plans.
"$gavel" lint --policy policies/ --input-format mcp --mapping "$mapping" tests/data/tool_calls/mcp_session.jsonl \
  >"$tmp/lint-mcp" 2>&1
expect "lint --input-format mcp: exit code" 1 $?
contains "lint --input-format mcp: one transcript" "1 plan: 0 allowed, 1 denied" "$tmp/lint-mcp"
contains "lint --input-format mcp: the unmapped tool" "tool_allowlist.default" "$tmp/lint-mcp"
"$gavel" lint --policy policies/ --input-format openai --mapping "$mapping" tests/data/tool_calls/openai_prod_apply.json \
  >/dev/null 2>&1
expect "lint --input-format openai: exit code" 2 $?
"$gavel" lint --policy policies/ --mapping "$mapping" tests/data/tool_calls/openai_prod_apply.json >/dev/null 2>&1
expect "lint --mapping without --input-format: exit code" 3 $?

# Errors: exit 3 and where.
printf 'tools:\n  x:\n    acton: a\n' >"$tmp/bad.yaml"
"$gavel" plan -i openai -m "$tmp/bad.yaml" tests/data/tool_calls/openai_prod_apply.json >/dev/null 2>"$tmp/err"
expect "bad mapping: exit code" 3 $?
contains "bad mapping: located" "bad.yaml:3:5: error[unknown_field]: unknown key \`acton\`" "$tmp/err"
"$gavel" plan -i anthropic -m "$mapping" tests/data/tool_calls/openai_prod_apply.json >/dev/null 2>"$tmp/err"
expect "wrong format: exit code" 3 $?
contains "wrong format: says so" "openai_prod_apply.json: not an Anthropic message" "$tmp/err"
"$gavel" plan -i gemini tests/data/tool_calls/openai_prod_apply.json >/dev/null 2>&1
expect "unknown format: exit code" 3 $?

finish
