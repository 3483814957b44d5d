#!/usr/bin/env bash
# The CI recipes of examples/ci/ (docs/ci.md): the YAML files parse and have
# the shape their CI expects, and the pre-commit hook, run in a scratch git
# repository, fails a commit that stages a denied plan and passes a clean one.
# Usage: ci_recipes_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

py=/usr/bin/python3
"$py" - examples/ci/github-actions.yml examples/ci/gitlab-ci.yml examples/ci/pre-commit-config.yaml \
    examples/adapters/mapping.yaml >"$tmp/yaml" 2>&1 <<'PY'
import sys, yaml
gh, gl, pc, mapping = (yaml.safe_load(open(p)) for p in sys.argv[1:])
steps = gh["jobs"]["gavel"]["steps"]
runs = " ".join(s.get("run", "") for s in steps)
assert "gavel test" in runs.replace("$GAVEL", "gavel"), "github: no gavel test"
assert "--format github" in runs and "--format sarif" in runs, "github: formats"
assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps), "github: upload-sarif"
assert gl["gavel"]["artifacts"]["reports"]["junit"] == "gavel-junit.xml", "gitlab: junit report"
assert "--format junit" in " ".join(gl["gavel"]["script"]), "gitlab: junit format"
assert pc["repos"][0]["hooks"][0]["id"] == "gavel", "pre-commit config"
assert "kubectl_apply" in mapping["tools"], "mapping"
print("ok")
PY
expect "the YAML recipes parse and have their shape" "ok" "$(cat "$tmp/yaml")"

hook=$PWD/examples/ci/pre-commit-hook.sh
repo=$tmp/repo
git init -q "$repo"
mkdir -p "$repo/plans"
cp -r policies "$repo/policies"
# The standard library's suites read the example plans (../examples/plans).
mkdir -p "$repo/examples" && cp -r examples/plans "$repo/examples/plans"
run_hook() { (cd "$repo" && GAVEL="$gavel" "$hook" >"$tmp/hook.out" 2>&1); }

# Nothing staged: nothing to check.
run_hook
expect "nothing staged: exit code" 0 $?

# A clean plan (and the policies with their tests) staged: passes.
cp examples/plans/dev-readonly.yaml "$repo/plans/"
(cd "$repo" && git add policies examples plans/dev-readonly.yaml)
run_hook
expect "clean plan: exit code" 0 $?

# A denied plan staged: fails, and says why.
cp examples/plans/secret-exfiltration.json "$repo/plans/"
(cd "$repo" && git add plans/secret-exfiltration.json)
run_hook
rc=$?
expect "denied plan: the hook fails" 1 "$rc"
contains "denied plan: the finding is shown" "secrets.no_secret_exfiltration" "$tmp/hook.out"

# What is checked is the staged content: unstaging the file passes again,
# though it is still in the working tree.
(cd "$repo" && git rm -q --cached plans/secret-exfiltration.json)
run_hook
expect "unstaged denied plan: exit code" 0 $?

# A policy test that fails, staged: the hook fails.
printf 'package broken\nrule r {\n' >"$repo/policies/broken.gavel"
(cd "$repo" && git add policies/broken.gavel)
run_hook
expect "broken policy staged: the hook fails" 1 $?

finish
