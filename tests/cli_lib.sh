# What every end-to-end test of the `gavel` command starts with, sourced
# with the test's own arguments:
#   source "$(dirname "$0")/cli_lib.sh" "$@"   # GAVEL_BINARY SOURCE_DIR
# It sets $gavel, runs from SOURCE_DIR, makes $tmp (removed on exit) and
# counts checks; a test ends with `finish`, which prints the counts and
# fails if any check did.
gavel=$1
cd "$2"
failures=0
passes=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() {  # expect NAME WANT GOT
  if [ "$2" == "$3" ]; then
    passes=$((passes + 1))
  else
    failures=$((failures + 1))
    printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$3"
  fi
}

contains() {  # contains NAME NEEDLE FILE
  if grep -qF -- "$2" "$3"; then
    passes=$((passes + 1))
  else
    failures=$((failures + 1))
    printf 'FAIL %s\n  want a line with: %s\n  got:  %s\n' "$1" "$2" "$(cat "$3")"
  fi
}

finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}
