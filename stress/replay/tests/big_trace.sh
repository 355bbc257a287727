#!/bin/sh
# SPDX-License-Identifier: MIT
# A 10^6-operation trace (generated, not stored): a/f pairs, or af/ff
# pairs (FAST=1); every answer must be the one derived by hand (highest
# fit below 0xfffff is 1048575; an af after the first pops it from the
# magazine), and the summary must count all of it.
#   big_trace.sh REPLAY FAST(0|1) ARGS...
set -u
replay=$1 fast=$2
shift 2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
awk -v fast="$fast" 'BEGIN {
	for (i = 0; i < 500000; i++) {
		if (fast) { print "af 1 0xfffff"; print "ff 1048575 1" }
		else { print "a 1 0xfffff"; print "f 1048575" }
	}
}' | "$replay" "$@" >"$out" 2>"$err"
rc=$?
status=0
[ "$rc" -eq 0 ] || { echo "big_trace: exit $rc" >&2; status=1; }
n=$(wc -l <"$out")
[ "$n" -eq 1000000 ] || { echo "big_trace: $n output lines" >&2; status=1; }
bad=$(grep -cvxE '1048575|ok' "$out")
[ "$bad" -eq 0 ] || { echo "big_trace: $bad unexpected lines" >&2; status=1; }
grep -qF "ops 1000000 allocs 500000 failures 0 " "$err" ||
	{ echo "big_trace: summary:" >&2; cat "$err" >&2; status=1; }
exit $status
