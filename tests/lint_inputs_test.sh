#!/usr/bin/env bash
# `gavel lint` inputs and driver: directories searched recursively, quoted
# globs with `**`, JSON Lines corpora (one plan per line, FILE:LINE), the
# same output whatever --jobs, no progress bar off a terminal, the summary
# line, and exit codes. Fixtures: tests/data/lint_inputs/.
# Usage: lint_inputs_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

data=tests/data/lint_inputs
export GAVEL_NO_TIMING=1  # the summary line without its time: outputs compare byte for byte

# `plan verdict` per line of --format json output.
verdicts() { sed -E 's/^\{"plan": "([^"]+)", "verdict": "([a-z_]+)".*/\1 \2/' "$1"; }
# The plan files under a directory as the lint inputs define them (not
# hidden, plan extensions), sorted; found here with find(1), not gavel.
plan_files() {
  find "$1" -name '.*' -prune -o -type f \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' -o -name '*.pb' \
    -o -name '*.binpb' -o -name '*.jsonl' \) -print | LC_ALL=C sort
}

# 1. A directory: every plan file below it, recursively, sorted; hidden
# directories and other files skipped.
"$gavel" lint --format json -p policies/ $data/tree >"$tmp/out" 2>"$tmp/err"
expect "directory: exit code (a deny among them)" 1 $?
expect "directory: the plan files below it, recursively, in order" "$(plan_files $data/tree)" \
  "$(verdicts "$tmp/out" | cut -d' ' -f1)"
expect "directory: three plans (README.txt and .hidden/ skipped)" 3 "$(wc -l <"$tmp/out")"
expect "directory: nothing on stderr" "" "$(cat "$tmp/err")"
expect "directory: verdicts" "$data/tree/allow.json allow
$data/tree/nested/deeper/approval.json needs_approval
$data/tree/nested/deny.yaml deny" "$(verdicts "$tmp/out")"

# 2. A quoted glob with `**` (zero or more directories), expanded by gavel.
"$gavel" lint --format json -p policies/ "$data/tree/**/*.json" >"$tmp/out" 2>"$tmp/err"
expect "glob **: exit code" 2 $?
expect "glob **: the .json files at any depth, sorted" "$(plan_files $data/tree | grep '\.json$')" \
  "$(verdicts "$tmp/out" | cut -d' ' -f1)"
"$gavel" lint --format json -p policies/ "$data/tree/*/d*.yaml" "$data/tree/nested/deeper/approval.jso?" >"$tmp/out"
expect "glob * and ?: in argument order" "$data/tree/nested/deny.yaml
$data/tree/nested/deeper/approval.json" "$(verdicts "$tmp/out" | cut -d' ' -f1)"

# 3. A glob that matches nothing: an error naming it, exit 3, nothing evaluated.
"$gavel" lint --format json -p policies/ $data/tree "$data/tree/**/*.jsn" >"$tmp/out" 2>"$tmp/err"
expect "glob without matches: exit code" 3 $?
expect "glob without matches: the message names it" "gavel: no plan file matches \`$data/tree/**/*.jsn\`" "$(cat "$tmp/err")"
expect "glob without matches: nothing evaluated" "" "$(cat "$tmp/out")"
"$gavel" lint -p policies/ $data/tree/missing.json >"$tmp/out" 2>"$tmp/err"
expect "missing file: exit code" 3 $?
contains "missing file: the message names it" "gavel: $data/tree/missing.json: cannot open" "$tmp/err"

# 4. JSON Lines: one plan per non-blank line, named FILE:LINE; a bad record
# is an error for that record alone, the others are evaluated.
corpus=$data/corpus.jsonl
bad=$(grep -n '"bad-record"' $corpus | cut -d: -f1)
"$gavel" lint --format json -p policies/ $corpus >"$tmp/out" 2>"$tmp/err"
expect "jsonl: exit code with a bad record" 3 $?
expect "jsonl: one result per non-blank line" "$(grep -c '[^[:space:]]' $corpus)" "$(wc -l <"$tmp/out")"
expect "jsonl: FILE:LINE of every non-blank line" "$(grep -n '[^[:space:]]' $corpus | cut -d: -f1 | sed "s|^|$corpus:|")" \
  "$(verdicts "$tmp/out" | cut -d' ' -f1)"
expect "jsonl: the bad record's error, at its line" \
  "gavel: $corpus:$bad: steps[0].verb: expected a string, got a number" "$(cat "$tmp/err")"
expect "jsonl: the other records evaluated" "$corpus:1 deny
$corpus:3 allow
$corpus:$bad deny
$corpus:6 needs_approval" "$(verdicts "$tmp/out")"
"$gavel" lint -p policies/ $corpus >"$tmp/out" 2>/dev/null
# A record's findings point into the file: its line, the step's column.
col=$(sed -n 1p $corpus | grep -bo '{"id":"post-webhook"' | cut -d: -f1)
contains "jsonl: a step's position is on its record's line" "plan $corpus:1:$((col + 1))" "$tmp/out"
expect "jsonl: summary (text)" "4 plans: 1 allowed, 1 denied, 1 needs approval, 1 error" "$(tail -1 "$tmp/out")"

# 5. A corpus of 200 plans (8 examples, 25 copies each) and a JSON Lines
# file: the output is byte for byte the same with 1 and with 4 threads.
mkdir -p "$tmp/corpus"
for i in $(seq -w 1 25); do
  mkdir -p "$tmp/corpus/batch$i"
  for f in examples/plans/*.json examples/plans/*.yaml; do cp "$f" "$tmp/corpus/batch$i/"; done
done
for i in $(seq 1 20); do cat $corpus; done >"$tmp/corpus/big.jsonl"
n_files=$(find "$tmp/corpus" -type f | wc -l)
expect "corpus: 201 files" 201 "$n_files"
for fmt in text json; do
  "$gavel" lint -f $fmt -j 1 -p policies/ "$tmp/corpus" >"$tmp/j1.$fmt" 2>"$tmp/j1.err"
  code1=$?
  "$gavel" lint -f $fmt -j 4 -p policies/ "$tmp/corpus" >"$tmp/j4.$fmt" 2>"$tmp/j4.err"
  code4=$?
  expect "-j 1 and -j 4: same exit code ($fmt)" "$code1" "$code4"
  expect "-j 1 and -j 4: same stdout ($fmt)" "$(md5sum <"$tmp/j1.$fmt")" "$(md5sum <"$tmp/j4.$fmt")"
  expect "-j 1 and -j 4: same stderr ($fmt)" "$(md5sum <"$tmp/j1.err")" "$(md5sum <"$tmp/j4.err")"
done
expect "corpus: exit code 3 (the bad records)" 3 "$code4"
expect "corpus: one JSON line per plan" $((200 + 20 * 4)) "$(wc -l <"$tmp/j4.json")"
expect "corpus: an error line per bad record" 20 "$(wc -l <"$tmp/j4.err")"
# The README's verdicts, 25 times each, and the corpus' four records 20 times.
readme() { sed -n '/<!-- verdicts:/,/^$/p' README.md | grep -c "| $1 |"; }
allowed=$((25 * $(readme allow) + 20)) denied=$((25 * $(readme deny) + 20)) approval=$((25 * $(readme needs_approval) + 20))
expect "corpus: summary counts" "280 plans: $allowed allowed, $denied denied, $approval needs approval, 20 errors" \
  "$(tail -1 "$tmp/j4.text")"
"$gavel" lint -j 3 -p policies/ "$tmp/corpus/batch01" >/dev/null 2>&1
expect "exit code: deny beats approval" 1 $?
"$gavel" lint -j 3 -p policies/ "$tmp/corpus/batch0*/prod-rollout.json" >"$tmp/out"
expect "exit code: approval" 2 $?
expect "glob over the corpus: 9 plans" "9 plans: 0 allowed, 0 denied, 9 needs approval, 0 errors" "$(tail -1 "$tmp/out")"
"$gavel" lint -p policies/ "$tmp/corpus/batch1*/dev-readonly.yaml" "$tmp/corpus/batch2*/airgap-maintenance.yaml" >/dev/null
expect "exit code: allow" 0 $?

# 6. Progress: never when stderr is not a terminal (above, stderr went to a
# file); on a terminal (script(1) gives one), a bar redrawn with `\r`.
expect "no progress off a terminal: no \\r" 0 "$(tr -cd '\r' <"$tmp/j4.err" | wc -c)"
expect "no progress off a terminal: no escape sequence" 0 "$(tr -cd '\033' <"$tmp/j4.err" | wc -c)"
if command -v script >/dev/null; then
  script -qec "$gavel lint -j 2 -f json -p policies/ $tmp/corpus >$tmp/tty.out" /dev/null >"$tmp/tty.err" </dev/null
  drawn=$(grep -c $'\r\033\\[K\\[[#.]*\\] *[0-9]*% [0-9]* plans' "$tmp/tty.err")
  expect "progress on a terminal: a bar drawn in place" yes "$([ "$drawn" -gt 0 ] && echo yes || echo "no: $(cat -v "$tmp/tty.err")")"
  expect "progress on a terminal: stdout unchanged" "$(md5sum <"$tmp/j4.json")" "$(md5sum <"$tmp/tty.out")"
fi

# 7. --color: never by default off a terminal; always on request; NO_COLOR is
# for auto only.
"$gavel" lint -p policies/ $data/tree >"$tmp/out"
expect "--color auto off a terminal: no escape sequence" 0 "$(tr -cd '\033' <"$tmp/out" | wc -c)"
"$gavel" lint --color never -p policies/ $data/tree >"$tmp/never"
expect "--color never: the same as auto off a terminal" "$(cat "$tmp/out")" "$(cat "$tmp/never")"
"$gavel" lint --color always -p policies/ $data/tree >"$tmp/always"
expect "--color always: escape sequences" yes "$([ "$(tr -cd '\033' <"$tmp/always" | wc -c)" -gt 0 ] && echo yes || echo no)"
NO_COLOR=1 "$gavel" lint --color always -p policies/ $data/tree >"$tmp/always2"
expect "--color always: NO_COLOR does not override it" "$(cat "$tmp/always")" "$(cat "$tmp/always2")"
"$gavel" lint --color bogus -p policies/ $data/tree >/dev/null 2>&1
expect "--color: an unknown value is a usage error" 3 $?

finish
