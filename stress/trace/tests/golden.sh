#!/bin/sh
# SPDX-License-Identifier: MIT
# iova-trace converter golden tests: good captures (two domains, the
# iommu:map proxy), flagged frees (unmatched, double, size), the lab
# format read back, and malformed input (line number on stderr, exit 2).
# usage: golden.sh IOVA_TRACE TESTS_DIR
set -u
exe=$1
dir=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect_ok NAME ARGS...: stdout+stderr must equal $dir/NAME.out
expect_ok() {
	name=$1
	shift
	if ! "$exe" "$@" >"$tmp/$name.out" 2>&1; then
		echo "FAIL $name: exit status $?"
		cat "$tmp/$name.out"
		fail=1
	elif ! diff -u "$dir/$name.out" "$tmp/$name.out"; then
		echo "FAIL $name: output differs"
		fail=1
	fi
}

# expect_bad NAME LINE_NO TEXT: the capture TEXT must exit 2 with one
# stderr line naming LINE_NO, and nothing on stdout
expect_bad() {
	name=$1
	want=$2
	printf '%b' "$3" >"$tmp/bad.txt"
	"$exe" convert "$tmp/bad.txt" >"$tmp/bad.out" 2>"$tmp/bad.err"
	st=$?
	if [ $st -ne 2 ] || [ -s "$tmp/bad.out" ] ||
		[ "$(wc -l <"$tmp/bad.err")" -ne 1 ] ||
		! grep -q "^$tmp/bad.txt:$want: " "$tmp/bad.err"; then
		echo "FAIL malformed $name: status $st, stderr:"
		cat "$tmp/bad.err"
		fail=1
	fi
}

expect_ok convert-good convert --domain 0xffff8881aa000000 "$dir/cap-good.txt"
expect_ok stats-good stats --domain 0xffff8881aa000000 "$dir/cap-good.txt"
expect_ok convert-badfree convert "$dir/cap-badfree.txt"
expect_ok stats-badfree stats "$dir/cap-badfree.txt"
expect_ok convert-map convert "$dir/cap-map.txt"
# the converted trace reads back to the same trace
"$exe" convert "$dir/cap-badfree.txt" -o "$tmp/bf.trace" 2>/dev/null
expect_ok convert-badfree-again convert "$tmp/bf.trace"
sed -n '/^[0-9]/p' "$dir/convert-badfree.out" >"$tmp/a"
sed -n '/^[0-9]/p' "$tmp/convert-badfree-again.out" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || { echo "FAIL: round trip differs"; fail=1; }

# several domains without --domain: exit 2, the domains listed
"$exe" convert "$dir/cap-good.txt" >/dev/null 2>"$tmp/err"
if [ $? -ne 2 ] || ! grep -q '2 domains; pick one with --domain' "$tmp/err"
then
	echo "FAIL: two domains without --domain"; fail=1
fi

h='# iovalab-capture 1 capture-iova.bt\n'
a='alloc 1 0 1 0xd 1 0xfffff 1 0xfffff\n'
expect_bad unknown-event 2 "${h}mmap 1 0 1 0xd 1\n"
expect_bad short-alloc 3 "${h}${a}alloc 1 0 1 0xd 1 0xfffff 1\n"
expect_bad long-free 2 "${h}free 1 0 1 0xd 0x5 1 7\n"
expect_bad not-number 3 "${h}${a}free 1 0 1 0xd 0xzz 1\n"
expect_bad negative 2 "${h}alloc -1 0 1 0xd 1 0xfffff 1 0xfffff\n"
expect_bad overflow 2 "${h}alloc 1 0 1 0xd 99999999999999999999 1 1 1\n"
expect_bad flush 2 "${h}alloc 1 0 1 0xd 1 0xfffff 2 0xfffff\n"
expect_bad cpu 2 "${h}alloc 1 8192 1 0xd 1 0xfffff 1 0xfffff\n"
expect_bad version 1 '# iovalab-capture 2 capture-iova.bt\n'
expect_bad map-zero 2 "${h}map 1 0 1 0x1000 0x0 0\n"
expect_bad nul 3 "${h}${a}free 1 0 1 0xd\00 0xfffff 1\n"
# the lab format: first line, fields, order, flags
l='# iovalab-trace 1\n'
expect_bad lab-magic 1 '# iovalab-trace 2\n0 0 a 1 0xf 0xf 1\n'
expect_bad lab-fields 2 "${l}0 0 a 1 0xf 0xf\n"
expect_bad lab-op 2 "${l}0 0 q 1 0xf 0xf 1\n"
expect_bad lab-limit 3 "${l}0 0 a 1 0xf 0xf 1\n5 0 f 1 0xf 0xf ok\n"
expect_bad lab-time 3 "${l}9 0 a 1 0xf 0xf 1\n5 0 f 1 - 0xf ok\n"
expect_bad lab-flag 3 "${l}0 0 a 1 0xf 0xf 1\n5 0 f 1 - 0xf maybe\n"
expect_bad lab-wrong-flag 3 "${l}0 0 a 1 0xf 0xf 1\n5 0 f 1 - 0xe ok\n"
expect_bad lab-free0 2 "${l}5 0 f 1 - 0x0 unmatched\n"

[ $fail -eq 0 ] && echo "ok: iova-trace converter golden tests"
exit $fail
