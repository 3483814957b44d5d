#!/bin/sh
# A git pre-commit hook: checks what is staged (not the working tree) with
# gavel before it is committed (docs/ci.md):
#   - `gavel fmt --check` on staged policy files (.gavel), when this gavel has `fmt`;
#   - `gavel test` on the policy directory, when a policy or a policy test is staged;
#   - `gavel lint` on staged plans (under the plan directory).
# A denied or invalid plan fails the commit; a plan that needs approval passes
# (set GAVEL_FAIL_ON_APPROVAL=1 to fail it too).
#
# Install:  ln -s ../../examples/ci/pre-commit-hook.sh .git/hooks/pre-commit
# or call it from pre-commit (examples/ci/pre-commit-config.yaml).
# Settings (environment): GAVEL (the binary; default `gavel` on PATH),
# GAVEL_POLICIES (default policies), GAVEL_PLANS (default plans).
set -u

gavel=${GAVEL:-gavel}
policies=${GAVEL_POLICIES:-policies}
plans=${GAVEL_PLANS:-plans}
policies=${policies%/}
plans=${plans%/}

if ! command -v "$gavel" >/dev/null 2>&1; then
  echo "pre-commit: gavel not found (set GAVEL to its path)" >&2
  exit 1
fi
case $gavel in /*) ;; */*) gavel=$(cd "$(dirname "$gavel")" && pwd)/$(basename "$gavel") ;; esac

# The staged tree, so that what is checked is what is committed.
root=$(git rev-parse --show-toplevel) || exit 1
stage=$(mktemp -d) || exit 1
trap 'rm -rf "$stage"' EXIT
(cd "$root" && git checkout-index --all --prefix="$stage/") || exit 1
cd "$stage" || exit 1

staged=$(cd "$root" && git diff --cached --name-only --diff-filter=ACMR)
policy_files=$(printf '%s\n' "$staged" | grep -E "^$policies/.*\.gavel\$" || true)
policy_changed=$(printf '%s\n' "$staged" | grep -E "^$policies/.*(\.gavel|_test\.ya?ml)\$" || true)
plan_files=$(printf '%s\n' "$staged" | grep -E "^$plans/.*\.(json|ya?ml|pb|binpb)\$" || true)

status=0

if [ -n "$policy_files" ]; then
  # `gavel fmt` is newer than `lint` and `test`: skipped by a gavel without it.
  if "$gavel" fmt --help >/dev/null 2>&1; then
    # shellcheck disable=SC2086  # one path per line, no spaces in policy paths
    "$gavel" fmt --check $policy_files || { echo "pre-commit: run gavel fmt on the files above" >&2; status=1; }
  fi
fi

if [ -n "$policy_changed" ] && [ -d "$policies" ]; then
  "$gavel" test "$policies" || status=1
fi

if [ -n "$plan_files" ]; then
  if [ ! -d "$policies" ]; then
    echo "pre-commit: no policy directory $policies to lint the plans against (set GAVEL_POLICIES)" >&2
    exit 1
  fi
  code=0
  # shellcheck disable=SC2086
  "$gavel" lint --policy "$policies" $plan_files || code=$?
  if [ "$code" -eq 1 ] || [ "$code" -ge 3 ]; then
    status=1
  elif [ "$code" -eq 2 ] && [ "${GAVEL_FAIL_ON_APPROVAL:-0}" = 1 ]; then
    status=1
  fi
fi

exit $status
