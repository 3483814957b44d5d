#!/usr/bin/env bash
# `gavel lint` and `gavel check` with a project config (--config, --env):
# the example config per environment, dryrun output, and config errors
# printed like compile errors (the YAML line and a caret), exit code 3.
# Usage: cli_config_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

config=examples/gavel.yaml
plans=examples/plans

# 1. The example config: the policies come from the config, params and
# enforcement from the environment.
"$gavel" lint --config $config --env prod $plans/prod-rollout.json >/dev/null
expect "prod: a production change needs approval" 2 $?
"$gavel" lint --config $config $plans/prod-rollout.json >"$tmp/out"
expect "defaults: prod_changes asks for approval" 2 "$(grep -c 'require_approval prod_changes.change_needs_approval' "$tmp/out")"
"$gavel" lint --config $config --env dev $plans/prod-rollout.json >"$tmp/out"
expect "dev: no environment counts as production (prod_changes.environments: [])" 0 \
  "$(grep -c 'prod_changes.change_needs_approval' "$tmp/out")"
"$gavel" lint --config $config --env prod $plans/secret-exfiltration.json >/dev/null
expect "prod: a denial still denies" 1 $?
"$gavel" lint --config $config $plans/prod-rollout.json >/dev/null
expect "no --env: the policies' defaults" 2 $?

# 2. Dryrun (staging): prod_changes reports what it would ask, as warnings,
# and the verdict stays allow.
"$gavel" lint --config $config --env staging $plans/airgap-maintenance.yaml >"$tmp/out"
expect "staging: dryrun leaves the verdict alone" 0 $?
expect "staging: the verdict line" "$plans/airgap-maintenance.yaml: ALLOW" "$(head -1 "$tmp/out")"
expect "staging: dryrun findings are warnings that say what they would do" \
  "  warn (dryrun require_approval) prod_changes.change_needs_approval (high) step cordon [0]: step cordon (kubectl.cordon) changes Node node-07 in staging" \
  "$(sed -n 2p "$tmp/out")"
"$gavel" lint --format json --config $config --env staging $plans/airgap-maintenance.yaml >"$tmp/out"
expect "staging: JSON marks dryrun findings" 4 "$(grep -o '"dryrun": true' "$tmp/out" | wc -l)"
expect "staging: JSON verdict" '"allow"' "$(sed -E 's/.*"verdict": ("[a-z_]+").*/\1/' "$tmp/out")"
"$gavel" lint --format json --policy policies/ $plans/airgap-maintenance.yaml >"$tmp/out"
expect "without dryrun the JSON has no dryrun key" 0 "$(grep -c dryrun "$tmp/out")"

# 3. --policy adds to the config's policies; check needs no paths with --config.
printf 'package extra\nrule always {\n  deny\n  message "extra"\n}\n' >"$tmp/extra.gavel"
"$gavel" lint --config $config --env prod --policy "$tmp/extra.gavel" $plans/airgap-maintenance.yaml >"$tmp/out"
expect "--policy adds to the config's policies" 1 $?
expect "the added policy ran" 1 "$(grep -c 'deny extra.always' "$tmp/out")"
"$gavel" check --config $config --env staging >"$tmp/out"
expect "check with a config and no paths" 0 $?
expect "check says ok" "ok" "$(cat "$tmp/out")"

# 4. Usage errors: exit 3.
"$gavel" lint --env prod --policy policies/ $plans/prod-rollout.json >/dev/null 2>&1
expect "--env without --config" 3 $?
"$gavel" lint $plans/prod-rollout.json >/dev/null 2>"$tmp/err"
expect "no policy at all" 3 $?
expect "no policy at all: the message" "gavel: no policies: give --policy PATH or --config gavel.yaml" "$(cat "$tmp/err")"
"$gavel" lint --config "$tmp/missing.yaml" $plans/prod-rollout.json >/dev/null 2>"$tmp/err"
expect "a missing config" 3 $?
expect "a missing config: the message" "gavel: $tmp/missing.yaml: cannot open the config
gavel: 1 error" "$(cat "$tmp/err")"

# 5. Config errors print like compile errors: file:line:col, the line, a caret.
"$gavel" lint --config $config --env qa $plans/prod-rollout.json >/dev/null 2>"$tmp/err"
expect "unknown environment" 3 $?
expect "unknown environment lists the known ones" \
  "$config:9:1: error[unknown_name]: no environment \`qa\` in the config; it defines \`dev\`, \`prod\`, \`staging\`" \
  "$(head -1 "$tmp/err")"

cat >"$tmp/gavel.yaml" <<'EOF'
policies: [../../policies/]
environments:
  prod:
    params:
      prod_changes.enviroments: [prod]
EOF
mkdir -p "$tmp/a/b" && mv "$tmp/gavel.yaml" "$tmp/a/b/gavel.yaml"
# Relative policy paths resolve against the config's directory: copy the
# standard policies where ../../policies/ points.
cp -r policies "$tmp/policies"
"$gavel" check --config "$tmp/a/b/gavel.yaml" --env prod >/dev/null 2>"$tmp/err"
expect "unknown param" 3 $?
want="$tmp/a/b/gavel.yaml:5:7: error[unknown_name]: no param \`prod_changes.enviroments\` is declared (did you mean \`prod_changes.environments\`?)
        prod_changes.enviroments: [prod]
        ^~~~~~~~~~~~~~~~~~~~~~~~
gavel: 1 error"
expect "unknown param: the YAML line and a caret" "$want" "$(cat "$tmp/err")"

cat >"$tmp/a/b/gavel.yaml" <<'EOF'
policies: [../../policies/]
environments:
  prod:
    params:
      namespace_scope.protected_namespaces: [kube-system, 42]
    enforcement:
      prod_change: dryrun
EOF
"$gavel" lint --config "$tmp/a/b/gavel.yaml" --env prod $plans/prod-rollout.json >/dev/null 2>"$tmp/err"
expect "wrong param type" 3 $?
want="$tmp/a/b/gavel.yaml:5:7: error[type_error]: param \`namespace_scope.protected_namespaces\` is declared \`list<string>\` but \`namespace_scope.protected_namespaces[1]\` is int \`42\`, not string
        namespace_scope.protected_namespaces: [kube-system, 42]
        ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
$tmp/a/b/gavel.yaml:7:7: error[unknown_name]: enforcement for package \`prod_change\`, which the policy set does not have (did you mean \`prod_changes\`?)
        prod_change: dryrun
        ^~~~~~~~~~~
gavel: 2 errors"
expect "wrong param type and unknown package: every error, with carets" "$want" "$(cat "$tmp/err")"

printf 'policies: [../../policies/]\nenvironments:\n  prod:\n    parms: {}\n' >"$tmp/a/b/gavel.yaml"
"$gavel" check --config "$tmp/a/b/gavel.yaml" >/dev/null 2>"$tmp/err"
expect "a config of the wrong shape" 3 $?
expect "a config of the wrong shape: the line" \
  "$tmp/a/b/gavel.yaml:4:5: error[unknown_field]: unknown key \`parms\` in environment \`prod\` (did you mean \`params\`?); expected one of \`params\`, \`enforcement\`" \
  "$(head -1 "$tmp/err")"

# The config's plan limits apply to the plans lint reads: over the limit,
# the plan is invalid input (fails closed, exit 3) with the limit named.
printf 'policies: [../../policies/]\nlimits:\n  max_steps: 2\n' >"$tmp/a/b/gavel.yaml"
"$gavel" lint --config "$tmp/a/b/gavel.yaml" $plans/prod-rollout.json >/dev/null 2>"$tmp/err"
expect "limits.max_steps from the config: exit code" 3 $?
contains "limits.max_steps from the config: the message" "more than the limit of 2" "$tmp/err"
printf 'policies: [../../policies/]\nlimits:\n  max_steps: 1000\n' >"$tmp/a/b/gavel.yaml"
"$gavel" lint --config "$tmp/a/b/gavel.yaml" $plans/prod-rollout.json >/dev/null 2>&1
expect "limits.max_steps from the config: under it" 2 $?

finish
