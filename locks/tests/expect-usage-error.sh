#!/bin/sh
# SPDX-License-Identifier: MIT
# expect-usage-error.sh CMD [ARGS...]: pass iff CMD exits 2 with exactly one
# line on stderr and nothing on stdout (the lab's rule for bad input).
err=$(mktemp) || exit 1
out=$("$@" 2>"$err")
got=$?
lines=$(wc -l <"$err")
msg=$(cat "$err")
rm -f "$err"
if [ "$got" -ne 2 ] || [ "$lines" -ne 1 ] || [ -n "$out" ]; then
	echo "expect-usage-error: '$*' exited $got with $lines stderr" \
		"line(s) and ${#out} bytes on stdout; want 2, 1, 0:" >&2
	printf '%s\n' "$msg" >&2
	exit 1
fi
exit 0
