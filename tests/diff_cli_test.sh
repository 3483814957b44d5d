#!/usr/bin/env bash
# `gavel diff` end to end: a policy change in a copy of policies/ lists the
# example plans whose decision changes (and only those), as text and JSON,
# from sources or a bundle; no change exits 0; bad input exits 3.
# Usage: diff_cli_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

py=/usr/bin/python3
# The JSON document as lines "plan: old -> new | +effect rule step | -...".
summarize() {
  "$py" -c '
import json, sys
doc = json.load(sys.stdin)
for c in doc["changed"]:
    fs = ["%s%s %s %s" % (s, f["effect"], f["rule"], f["step"])
          for s, key in (("+", "added"), ("-", "removed")) for f in c[key]]
    print("%s: %s -> %s | %s" % (c["plan"], c["old_verdict"], c["new_verdict"], " | ".join(fs)))
print("unchanged", doc["unchanged"])
'
}

# 1. No change: nothing listed, exit 0.
"$gavel" diff --old policies/ --new policies/ --format json examples/plans/ >"$tmp/same.json"
expect "no change: exit code" 0 $?
expect "no change: JSON" '{"changed":[],"unchanged":8}' "$(cat "$tmp/same.json")"
"$gavel" diff --old policies/ --new policies/ examples/plans/ >"$tmp/same.txt"
expect "no change: text" "0 plans change, 8 unchanged" "$(cat "$tmp/same.txt")"

# 2. Tighten a param default: no delete at all (was 10).
cp -r policies "$tmp/new"
sed -i 's/^param max_deletes: int = 10$/param max_deletes: int = 0/' "$tmp/new/blast_radius.gavel"
expect "the edit applied" 1 "$(grep -c '^param max_deletes: int = 0$' "$tmp/new/blast_radius.gavel")"
"$gavel" diff --old policies/ --new "$tmp/new" --format json examples/plans/ >"$tmp/deletes.json"
expect "max_deletes: exit code" 1 $?
expect "max_deletes: the plans that delete, and only those" \
"examples/plans/namespace-cleanup-out-of-scope.yaml: deny -> deny | +deny blast_radius.too_many_deletes 
examples/plans/pvc-delete-no-backup.yaml: deny -> deny | +deny blast_radius.too_many_deletes 
examples/plans/pvc-delete-with-backup.json: needs_approval -> deny | +deny blast_radius.too_many_deletes 
unchanged 5" "$(summarize <"$tmp/deletes.json")"
expect "max_deletes: the JSON document" \
'{"changed":[{"plan":"examples/plans/namespace-cleanup-out-of-scope.yaml","old_verdict":"deny","new_verdict":"deny","added":[{"rule":"blast_radius.too_many_deletes","effect":"deny","step":"","message":"the plan deletes 3 resources (steps delete-pr-1412, delete-pr-1418, delete-ci-cache), more than 0: split it"}],"removed":[]},{"plan":"examples/plans/pvc-delete-no-backup.yaml","old_verdict":"deny","new_verdict":"deny","added":[{"rule":"blast_radius.too_many_deletes","effect":"deny","step":"","message":"the plan deletes 1 resources (steps delete-pvc), more than 0: split it"}],"removed":[]},{"plan":"examples/plans/pvc-delete-with-backup.json","old_verdict":"needs_approval","new_verdict":"deny","added":[{"rule":"blast_radius.too_many_deletes","effect":"deny","step":"","message":"the plan deletes 1 resources (steps delete-pvc), more than 0: split it"}],"removed":[]}],"unchanged":5}' \
"$(cat "$tmp/deletes.json")"

# The same change, the new side a compiled bundle, the old one a comma list.
"$gavel" compile --policy "$tmp/new" -o "$tmp/new.bundle" >/dev/null
"$gavel" diff --old "$(ls policies/*.gavel | paste -sd,)" --new "$tmp/new.bundle" --format json examples/plans/ >"$tmp/bundle.json"
expect "bundle: exit code" 1 $?
expect "bundle: same JSON as from sources" "$(cat "$tmp/deletes.json")" "$(cat "$tmp/bundle.json")"

# 3. Delete a rule: http.post is no longer allowlisted.
cp -r policies "$tmp/nopost"
sed -i 's/"http.get", "http.post", /"http.get", /' "$tmp/nopost/tool_allowlist.gavel"
"$gavel" diff --old policies/ --new "$tmp/nopost" examples/plans/ >"$tmp/nopost.txt"
expect "allowlist: exit code" 1 $?
contains "allowlist: the plan that posts" "examples/plans/secret-exfiltration.json: deny -> deny" "$tmp/nopost.txt"
contains "allowlist: its new finding" "  + deny tool_allowlist.default (step " "$tmp/nopost.txt"
contains "allowlist: the count" "1 plan changes, 7 unchanged" "$tmp/nopost.txt"

# 4. Invalid input: exit 3.
"$gavel" diff --old policies/ --new "$tmp/missing" examples/plans/ >/dev/null 2>"$tmp/err"
expect "missing policy: exit code" 3 $?
echo '{"steps": [' >"$tmp/bad.json"
"$gavel" diff --old policies/ --new policies/ "$tmp/bad.json" >/dev/null 2>"$tmp/err"
expect "bad plan: exit code" 3 $?
contains "bad plan: says which" "bad.json" "$tmp/err"

finish
