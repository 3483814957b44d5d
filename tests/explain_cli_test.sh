#!/usr/bin/env bash
# `gavel explain`: the text and JSON trees for one example plan against their
# goldens in tests/data/explain/, the --rule/--step filters, unknown rules and
# steps (exit code 3, the available ones listed), and params from --config/--env.
# To regenerate the goldens after an intended change (then review the diff):
#   UPDATE_GOLDEN=1 tests/explain_cli_test.sh build/gavel .
# Usage: explain_cli_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

golden=tests/data/explain
plan=examples/plans/airgap-external-pull.json

# 1. Goldens: one rule over every step (text), one rule and step (JSON).
"$gavel" explain --policy policies/ --rule airgap.no_external_egress $plan >"$tmp/egress.txt" 2>"$tmp/err"
expect "exit code (text)" 0 $?
expect "nothing on stderr (the explanation agrees with the engine)" "" "$(cat "$tmp/err")"
"$gavel" explain --policy policies/ --rule airgap.image_from_internal_registry --step 1 --format json $plan \
  >"$tmp/image.json" 2>"$tmp/err"
expect "exit code (json)" 0 $?
expect "nothing on stderr (json)" "" "$(cat "$tmp/err")"
for f in egress.txt image.json; do
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$tmp/$f" "$golden/$f"
    echo "wrote $golden/$f"
  fi
  expect "output matches $golden/$f" "" "$(diff -u "$golden/$f" "$tmp/$f")"
done
/usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/image.json"
expect "the JSON parses" 0 $?

# 2. The whole policy set over every example plan: no disagreement with the
# engine, and every rule is explained.
for p in examples/plans/*.json examples/plans/*.yaml; do
  "$gavel" explain --policy policies/ "$p" >"$tmp/all" 2>"$tmp/err"
  expect "exit code ($p)" 0 $?
  expect "agrees with the engine ($p)" "" "$(cat "$tmp/err")"
done
expect "every rule is explained" "$(grep -c '^rule ' policies/*.gavel | awk -F: '{n += $2} END {print n}')" \
  "$(grep -c '^rule ' "$tmp/all")"

# 3. --step by id and by index select the same step.
"$gavel" explain --policy policies/ --step push-mirror $plan >"$tmp/by_id"
"$gavel" explain --policy policies/ --step "$(grep -o '^  step push-mirror \[[0-9]*\]' "$tmp/by_id" \
  | head -1 | sed 's/.*\[\(.*\)\]/\1/')" $plan >"$tmp/by_index"
expect "--step by id and by index agree" "" "$(diff "$tmp/by_id" "$tmp/by_index")"
contains "--step shows that step" "step push-mirror [" "$tmp/by_id"
expect "--step shows no other step" 0 "$(grep '^  step ' "$tmp/by_id" | grep -vc '^  step push-mirror ')"

# 4. Unknown rule or step: exit code 3 and what there is.
"$gavel" explain --policy policies/ --rule airgap.no_externl_egress $plan >/dev/null 2>"$tmp/err"
expect "unknown rule: exit code" 3 $?
contains "unknown rule: did you mean" "did you mean \`airgap.no_external_egress\`" "$tmp/err"
contains "unknown rule: the rules listed" "secrets." "$tmp/err"
"$gavel" explain --policy policies/ --step no-such-step $plan >/dev/null 2>"$tmp/err"
expect "unknown step: exit code" 3 $?
contains "unknown step: the steps listed" "push-mirror [" "$tmp/err"

# 5. --config/--env: the environment's params are the ones explained.
"$gavel" explain --config examples/gavel.yaml --env dev --rule prod_changes.change_needs_approval \
  --step apply examples/plans/prod-rollout.json >"$tmp/dev"
contains "dev: not in prod" "step apply [" "$tmp/dev"
contains "dev: not fired" "not fired" "$tmp/dev"
"$gavel" explain --config examples/gavel.yaml --env prod --rule prod_changes.change_needs_approval \
  --step apply examples/plans/prod-rollout.json >"$tmp/prod"
contains "prod: fired" ": FIRED" "$tmp/prod"

finish
