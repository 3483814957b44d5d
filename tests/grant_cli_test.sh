#!/usr/bin/env bash
# `gavel grant` end to end: its JSON pasted into a plan's agent.grants
# covers every step by covers() as `gavel lint` evaluates it, the k8s form,
# the flags, and exit code 3 with the field's path for invalid plans.
# Usage: grant_cli_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

# A policy that denies every step no grant of the agent covers.
cat >"$tmp/coverage.gavel" <<'EOF'
package coverage
rule uncovered {
  deny
  for step in plan.steps
  unless agent.grants.exists(g, g.covers(step))
  message "step {step.id} is not covered"
}
EOF

cat >"$tmp/steps.yaml" <<'EOF'
id: rollout
context: {cluster: prod-1, now: "2026-05-01T10:00:00Z"}
steps:
  - id: get
    action: kubectl.get
    verb: get
    resource: {kind: Deployment, group: apps, namespace: shop, name: api}
  - id: apply
    action: kubectl.apply
    verb: apply
    resource: {kind: Deployment, group: apps, namespace: shop, name: api}
    starts_at: "2026-05-01T10:05:00Z"
    duration: 10m
  - id: nodes
    action: kubectl.get
    verb: list
    resource: {kind: Node, cluster: prod-2}
EOF

# with_grant GRANT_JSON OUT: steps.yaml plus an agent holding that grant
# (JSON is YAML, indented under the list item).
with_grant() {
  { cat "$tmp/steps.yaml"; printf 'agent:\n  id: deployer\n  grants:\n    -\n'; sed 's/^/      /' "$1"; } >"$2"
}

# 1. The JSON grant, pasted into the plan, covers it: lint allows.
"$gavel" grant "$tmp/steps.yaml" >"$tmp/grant.json"
expect "grant exit code" 0 $?
with_grant "$tmp/grant.json" "$tmp/granted.yaml"
"$gavel" lint --policy "$tmp/coverage.gavel" "$tmp/granted.yaml" >"$tmp/out"
expect "the pasted grant covers every step" 0 $?

# ... and a grant for a plan without the Node step does not cover it.
head -n 13 "$tmp/steps.yaml" >"$tmp/fewer.yaml"
"$gavel" grant "$tmp/fewer.yaml" >"$tmp/fewer.json"
with_grant "$tmp/fewer.json" "$tmp/short.yaml"
"$gavel" lint --policy "$tmp/coverage.gavel" "$tmp/short.yaml" >"$tmp/out"
expect "a grant for fewer steps leaves one uncovered" 1 $?
expect "the uncovered step" "1" "$(grep -c 'step nodes is not covered' "$tmp/out")"

# 2. The exact JSON, with --margin and --id.
want='{
  "id": "g1",
  "actions": ["kubectl.apply", "kubectl.get"],
  "verbs": ["apply", "get", "list"],
  "resources": ["Deployment", "Node"],
  "namespaces": ["*"],
  "clusters": ["prod-1", "prod-2"],
  "not_before": "2026-05-01T09:59:00Z",
  "expires_at": "2026-05-01T10:16:00Z"
}'
expect "grant --margin 1m --id g1" "$want" "$("$gavel" grant --margin 1m --id g1 "$tmp/steps.yaml")"
got=$("$gavel" grant --margin 0 --default-duration 20m "$tmp/steps.yaml" | grep expires_at)
expect "--default-duration for steps without one" '  "expires_at": "2026-05-01T10:20:00Z"' "$got"

# 3. --format k8s: a Role in shop (cluster prod-1), then a ClusterRole for
# the Node list (cluster prod-2).
with_grant "$tmp/grant.json" "$tmp/granted.yaml"
"$gavel" grant --format k8s "$tmp/granted.yaml" >"$tmp/rbac.yaml"
expect "k8s exit code" 0 $?
expect "k8s object kinds" "Role RoleBinding ClusterRole ClusterRoleBinding" \
  "$(grep '^kind:' "$tmp/rbac.yaml" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')"
expect "k8s expiry annotation" 4 "$(grep -c 'gavel.dev/expires-at: "2026-05-01T10:20:00Z"' "$tmp/rbac.yaml")"
"$gavel" grant --format k8s "$tmp/steps.yaml" >/dev/null 2>"$tmp/err"
expect "k8s without agent.id exit code" 3 $?
expect "k8s without agent.id message" \
  "gavel: $tmp/steps.yaml: agent.id: the plan names no agent, so the RBAC bindings have no subject" "$(cat "$tmp/err")"

# 4. Invalid plans and flags: exit 3, the field's path in the message.
echo '{"steps": [{"id": "a", "verb": 3}]}' >"$tmp/bad.json"
"$gavel" grant "$tmp/bad.json" >/dev/null 2>"$tmp/err"
expect "exit code for a plan that does not decode" 3 $?
expect "decode error names the path" "gavel: $tmp/bad.json: steps[0].verb: expected a string, got a number" \
  "$(cat "$tmp/err")"
echo '{"steps": [{"id": "a", "starts_at": "2026-05-01T10:00:00Z"}, {"id": "b"}]}' >"$tmp/timeless.json"
"$gavel" grant "$tmp/timeless.json" >/dev/null 2>"$tmp/err"
expect "exit code for a step with no time" 3 $?
expect "no-time error names the path" \
  "gavel: $tmp/timeless.json: steps[1].starts_at: step \`b\` has no starts_at and the plan has no context.now, so when it runs is unknown" \
  "$(cat "$tmp/err")"
echo '{"id": "empty"}' >"$tmp/empty.json"
"$gavel" grant "$tmp/empty.json" >/dev/null 2>&1
expect "exit code for a plan without steps" 3 $?
"$gavel" grant "$tmp/missing.json" >/dev/null 2>&1
expect "exit code for a missing plan" 3 $?
"$gavel" grant --margin 5 "$tmp/steps.yaml" >/dev/null 2>&1
expect "exit code for a margin without a unit" 3 $?
"$gavel" grant --margin -1m "$tmp/steps.yaml" >/dev/null 2>"$tmp/err"
expect "exit code for a negative margin" 3 $?
expect "negative margin message" 'gavel: --margin: must not be negative, got `-1m`' "$(cat "$tmp/err")"
"$gavel" grant --format xml "$tmp/steps.yaml" >/dev/null 2>&1
expect "exit code for an unknown format" 3 $?

# 5. Every example plan gets a grant in both forms.
for plan in examples/plans/*.json examples/plans/*.yaml; do
  "$gavel" grant "$plan" >/dev/null && "$gavel" grant --format k8s "$plan" >/dev/null
  expect "grant for $plan" 0 $?
done

finish
