#!/bin/sh
# SPDX-License-Identifier: MIT
# Run iova-replay on a trace and compare with what is expected.
#   golden.sh REPLAY TRACE EXPECTED_OUT EXPECTED_EXIT STDERR_PATTERN [ARGS...]
# EXPECTED_OUT: file with the exact expected stdout ("-": must be empty).
# STDERR_PATTERN: fixed string stderr must contain ("-": no check).
set -u
replay=$1 trace=$2 expect=$3 want_rc=$4 pattern=$5
shift 5
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$replay" "$@" <"$trace" >"$out" 2>"$err"
rc=$?
status=0
if [ "$rc" -ne "$want_rc" ]; then
	echo "golden: exit status $rc, expected $want_rc" >&2
	status=1
fi
if [ "$expect" = "-" ]; then
	if [ -s "$out" ]; then
		echo "golden: expected no output, got:" >&2
		cat "$out" >&2
		status=1
	fi
elif ! diff -u "$expect" "$out" >&2; then
	echo "golden: stdout differs from $expect (above: - expected," \
		"+ got)" >&2
	status=1
fi
if [ "$pattern" != "-" ] && ! grep -qF -- "$pattern" "$err"; then
	echo "golden: stderr lacks \"$pattern\"; it was:" >&2
	cat "$err" >&2
	status=1
fi
[ $status -eq 0 ] || echo "golden: FAIL $replay $* < $trace" >&2
exit $status
