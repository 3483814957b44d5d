#!/usr/bin/env bash
# `gavel compile` and `gavel lint --bundle` end to end: a bundle decides as
# its sources do (with and without a config environment), and a corrupt,
# truncated or foreign bundle is refused with exit code 3 and a message.
# Usage: cli_bundle_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

# 1. The standard policies, compiled, decide every example as their sources do.
"$gavel" compile --policy policies/ -o "$tmp/std.bundle" >"$tmp/out"
expect "compile exit code" 0 $?
contains "compile says what it wrote" "wrote $tmp/std.bundle (" "$tmp/out"
for format in text json; do
  "$gavel" lint --format $format --policy policies/ examples/plans/ >"$tmp/want.$format"
  want_rc=$?
  "$gavel" lint --format $format --bundle "$tmp/std.bundle" examples/plans/ >"$tmp/got.$format"
  expect "lint --bundle exit code ($format)" $want_rc $?
  expect "lint --bundle output ($format)" "$(cat "$tmp/want.$format")" "$(cat "$tmp/got.$format")"
done
expect "the examples are not all allowed (the comparison means something)" 1 "$want_rc"

# 2. With a config environment: params and enforcement travel in the bundle.
for env in dev staging prod; do
  "$gavel" compile --config examples/gavel.yaml --env $env -o "$tmp/$env.bundle" >/dev/null
  expect "compile --env $env exit code" 0 $?
  "$gavel" lint --format json --config examples/gavel.yaml --env $env examples/plans/ >"$tmp/want.$env"
  want_rc=$?
  "$gavel" lint --format json --bundle "$tmp/$env.bundle" examples/plans/ >"$tmp/got.$env"
  expect "lint --bundle exit code (env $env)" $want_rc $?
  expect "lint --bundle output (env $env)" "$(cat "$tmp/want.$env")" "$(cat "$tmp/got.$env")"
done
if cmp -s "$tmp/got.dev" "$tmp/got.prod"; then
  expect "environments differ (dev and prod decide differently)" "different" "same"
fi

# 3. Damaged and foreign bundles: exit 3, a message naming the file.
size=$(stat -c %s "$tmp/std.bundle")
cp "$tmp/std.bundle" "$tmp/corrupt.bundle"
printf '\x00' | dd of="$tmp/corrupt.bundle" bs=1 seek=$((size / 2)) conv=notrunc status=none
printf '\xff' | dd of="$tmp/corrupt.bundle" bs=1 seek=$((size / 2 + 1)) conv=notrunc status=none
"$gavel" lint --bundle "$tmp/corrupt.bundle" examples/plans/ >/dev/null 2>"$tmp/err"
expect "corrupt bundle exit code" 3 $?
contains "corrupt bundle message" "gavel: $tmp/corrupt.bundle: corrupt bundle (checksum mismatch" "$tmp/err"

head -c $((size - 7)) "$tmp/std.bundle" >"$tmp/short.bundle"
"$gavel" lint --bundle "$tmp/short.bundle" examples/plans/ >/dev/null 2>"$tmp/err"
expect "truncated bundle exit code" 3 $?
contains "truncated bundle message" "gavel: $tmp/short.bundle: truncated bundle" "$tmp/err"

"$gavel" lint --bundle policies/airgap.gavel examples/plans/ >/dev/null 2>"$tmp/err"
expect "a policy source as a bundle: exit code" 3 $?
expect "a policy source as a bundle: message" "gavel: policies/airgap.gavel: not a gavel bundle" "$(cat "$tmp/err")"

cp "$tmp/std.bundle" "$tmp/v9.bundle"
printf '\x09' | dd of="$tmp/v9.bundle" bs=1 seek=8 conv=notrunc status=none
"$gavel" lint --bundle "$tmp/v9.bundle" examples/plans/ >/dev/null 2>"$tmp/err"
expect "other format exit code" 3 $?
contains "other format message" "bundle format 9 (written by gavel " "$tmp/err"
contains "other format advice" "recompile it with \`gavel compile\`" "$tmp/err"

"$gavel" lint --bundle "$tmp/missing.bundle" examples/plans/ >/dev/null 2>"$tmp/err"
expect "missing bundle exit code" 3 $?
expect "missing bundle message" "gavel: $tmp/missing.bundle: cannot open" "$(cat "$tmp/err")"

# 4. Usage: --bundle stands for the whole policy set.
"$gavel" lint --bundle "$tmp/std.bundle" --policy policies/ examples/plans/ >/dev/null 2>"$tmp/err"
expect "--bundle with --policy exit code" 3 $?
contains "--bundle with --policy message" "not both" "$tmp/err"
"$gavel" lint examples/plans/ >/dev/null 2>&1
expect "lint with neither --bundle nor --policy" 3 $?

# 5. A policy that does not compile writes no bundle.
printf 'package t\nrule a {\n  deny\n  when contxt.airgapped\n}\n' >"$tmp/bad.gavel"
"$gavel" compile "$tmp/bad.gavel" -o "$tmp/bad.bundle" >/dev/null 2>"$tmp/err"
expect "compile exit code on errors" 3 $?
contains "compile prints the error" "error[unknown_name]" "$tmp/err"
expect "no bundle written on errors" "absent" "$([ -e "$tmp/bad.bundle" ] && echo present || echo absent)"
"$gavel" compile --policy policies/ -o "$tmp/no/such/dir/x.bundle" >/dev/null 2>"$tmp/err"
expect "unwritable output exit code" 3 $?
expect "unwritable output message" "gavel: $tmp/no/such/dir/x.bundle: cannot write" "$(cat "$tmp/err")"

finish
