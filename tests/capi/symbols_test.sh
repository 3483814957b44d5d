#!/usr/bin/env bash
# libgavel.so exports the C API and nothing else: every defined dynamic
# symbol starts with gavel_, and the set equals the GAVEL_API functions
# declared in gavel.h.
# Usage: symbols_test.sh LIBGAVEL_SO GAVEL_H
set -euo pipefail
lib=$1 header=$2
exported=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
declared=$(grep -oE 'GAVEL_API [^(]*\(' "$header" | grep -oE 'gavel_[a-z0-9_]+ *\($' | tr -d ' (' | sort -u)
status=0
others=$(grep -v '^gavel_' <<<"$exported" || true)
if [ -n "$others" ]; then
  echo "FAIL: libgavel.so exports symbols outside the API:"
  echo "$others" | head -50
  status=1
fi
if [ "$exported" != "$declared" ]; then
  echo "FAIL: exported and declared functions differ (< exported, > declared):"
  diff <(echo "$exported") <(echo "$declared") || true
  status=1
fi
echo "$(wc -l <<<"$exported") symbols exported, $(wc -l <<<"$declared") declared"
exit $status
