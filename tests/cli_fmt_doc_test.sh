#!/usr/bin/env bash
# `gavel fmt` and `gavel doc` end to end: the standard library is formatted;
# --check lists and exits 1; rewriting in place; stdin; a file that does not
# parse exits 3 with a located diagnostic and is left alone; `gavel doc`
# writes the committed reference.
# Usage: cli_fmt_doc_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

# 1. The standard library stays formatted.
"$gavel" fmt --check policies/ >"$tmp/out"
expect "fmt --check policies/ exit code" 0 $?
expect "fmt --check policies/ lists nothing" "" "$(cat "$tmp/out")"

# 2. An unformatted file: --check lists it, exit 1, and changes nothing.
mkdir -p "$tmp/p"
printf 'package p\nrule r{deny when plan.steps.size()>1 // many\n}\n' >"$tmp/p/a.gavel"
cp policies/airgap.gavel "$tmp/p/b.gavel"
cp "$tmp/p/a.gavel" "$tmp/a.orig"
"$gavel" fmt --check "$tmp/p" >"$tmp/out"
expect "fmt --check exit code (unformatted)" 1 $?
expect "fmt --check lists the unformatted file only" "$tmp/p/a.gavel" "$(cat "$tmp/out")"
expect "fmt --check writes nothing" "$(cat "$tmp/a.orig")" "$(cat "$tmp/p/a.gavel")"

# 3. --stdout prints; without options the file is rewritten, then formatted.
want=$'package p\nrule r {\n  deny\n  when plan.steps.size() > 1 // many\n}'
expect "fmt --stdout" "$want" "$("$gavel" fmt --stdout "$tmp/p/a.gavel")"
expect "fmt - (stdin)" "$want" "$("$gavel" fmt - <"$tmp/a.orig")"
"$gavel" fmt "$tmp/p" >"$tmp/out"
expect "fmt exit code" 0 $?
expect "fmt rewrote the file" "$want" "$(cat "$tmp/p/a.gavel")"
expect "fmt left the formatted file alone" "$(cat policies/airgap.gavel)" "$(cat "$tmp/p/b.gavel")"
"$gavel" fmt --check "$tmp/p" >/dev/null
expect "fmt --check after fmt" 0 $?

# 4. A file that does not parse: exit 3, a located diagnostic, file unchanged.
printf 'package p\nrule r {\n  deny\n  when (\n}\n' >"$tmp/bad.gavel"
cp "$tmp/bad.gavel" "$tmp/bad.orig"
"$gavel" fmt "$tmp/bad.gavel" 2>"$tmp/err"
expect "fmt exit code (syntax error)" 3 $?
contains "fmt prints a located diagnostic" "$tmp/bad.gavel:5:1: error[syntax_error]" "$tmp/err"
expect "fmt left the bad file alone" "$(cat "$tmp/bad.orig")" "$(cat "$tmp/bad.gavel")"
"$gavel" fmt --check "$tmp/bad.gavel" 2>/dev/null >/dev/null
expect "fmt --check exit code (syntax error)" 3 $?

# 5. gavel doc: the committed reference of the standard library.
"$gavel" doc policies -o "$tmp/ref.md"
expect "doc exit code" 0 $?
expect "doc policies = docs/stdlib-reference.md" "$(cat docs/stdlib-reference.md)" "$(cat "$tmp/ref.md")"
"$gavel" doc "$tmp/bad.gavel" >/dev/null 2>"$tmp/err"
expect "doc exit code (syntax error)" 3 $?
contains "doc prints a located diagnostic" "error[syntax_error]" "$tmp/err"

finish
