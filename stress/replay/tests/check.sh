#!/bin/sh
# SPDX-License-Identifier: MIT
# --check (invariant checker after every operation) passes on a mixed
# trace and changes no output line.   check.sh REPLAY ALG NOPS
set -u
replay=$1 alg=$2 nops=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# A deterministic mixed trace: allocations under 32-, 40- and 48-bit
# limits, frees of earlier results and of holes, finds and reserves.
awk -v n="$nops" 'BEGIN {
	x = 12345
	for (i = 0; i < n; i++) {
		x = (x * 1103515245 + 12345) % 2147483648
		op = x % 100
		y = int(x / 100)
		if (op < 50) {
			lim = (y % 3 == 0) ? 1048575 : (y % 3 == 1) ? 268435455 : 68719476735
			printf "a %d %d%s\n", 1 + (y % 7), lim, (y % 2) ? " A" : ""
		} else if (op < 85) {
			printf "f %d\n", 1048575 - (y % 512)
		} else if (op < 95) {
			printf "q %d\n", 268435455 - (y % 300)
		} else {
			printf "r %d %d\n", 1000 + (y % 5000), 1000 + (y % 5000) + (y % 9)
		}
	}
}' >"$dir/trace"
"$replay" --alg "$alg" <"$dir/trace" >"$dir/plain" 2>"$dir/plain.err" || {
	echo "check: plain run failed" >&2; cat "$dir/plain.err" >&2; exit 1; }
"$replay" --alg "$alg" --check <"$dir/trace" >"$dir/checked" 2>"$dir/err" || {
	echo "check: --check run failed:" >&2; cat "$dir/err" >&2; exit 1; }
diff -u "$dir/plain" "$dir/checked" >&2 || {
	echo "check: --check changed the output" >&2; exit 1; }
[ "$(wc -l <"$dir/checked")" -eq "$nops" ] || {
	echo "check: expected $nops output lines" >&2; exit 1; }
grep "ops $nops " "$dir/err" >/dev/null || {
	echo "check: summary does not count $nops ops:" >&2; cat "$dir/err" >&2; exit 1; }
