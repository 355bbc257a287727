#!/bin/sh
# SPDX-License-Identifier: MIT
# --stats appends " visited=N" to every alloc line and changes nothing else.
#   stats.sh REPLAY TRACE EXPECTED_OUT ARGS...
set -u
replay=$1 trace=$2 expect=$3
shift 3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$replay" --stats "$@" <"$trace" >"$out" 2>/dev/null || {
	echo "stats: replay failed" >&2; exit 1; }
allocs=$(grep -v '^[[:space:]]*#' "$trace" | grep -c '^[[:space:]]*a[[:space:]]')
with=$(grep -Ec ' visited=[0-9]+$' "$out")
if [ "$allocs" -ne "$with" ]; then
	echo "stats: $allocs alloc lines, $with with visited=N" >&2
	cat "$out" >&2
	exit 1
fi
sed -E 's/ visited=[0-9]+$//' "$out" | diff -u "$expect" - >&2 || {
	echo "stats: output other than visited= differs" >&2; exit 1; }
