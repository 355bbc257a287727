#!/bin/sh
# SPDX-License-Identifier: MIT
# Check that bpftrace parses, type-checks and compiles a capture script
# (--emit-elf: a dry run, nothing is attached). Exit 0 when it does, 1 when
# it does not, 77 (CTest SKIP_RETURN_CODE) when this machine cannot tell:
# no bpftrace, or the script needs tracepoints this kernel does not expose.
# A deliberately broken copy must fail too, or the check proves nothing.
set -u
script=$1
if ! command -v bpftrace >/dev/null 2>&1; then
	echo "SKIPPED: bpftrace is not installed (.ci/deps installs it)"
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
if ! bpftrace --emit-elf "$tmp/ok.elf" "$script" >"$tmp/out" 2>&1; then
	if grep -q 'tracepoint not found' "$tmp/out"; then
		echo "SKIPPED: this kernel exposes no such tracepoint" \
			"(tracefs not mounted or no CONFIG_IOMMU tracing):"
		grep 'tracepoint not found' "$tmp/out"
		exit 77
	fi
	echo "FAIL: bpftrace rejects $script:"
	cat "$tmp/out"
	exit 1
fi
if [ ! -s "$tmp/ok.elf" ]; then
	echo "FAIL: bpftrace wrote no program for $script"
	exit 1
fi
# The same script with one statement broken must be rejected.
sed 's/printf(/printf_typo(/' "$script" >"$tmp/bad.bt"
if bpftrace --emit-elf "$tmp/bad.elf" "$tmp/bad.bt" >/dev/null 2>&1; then
	echo "FAIL: bpftrace accepted a broken copy; the check is meaningless"
	exit 1
fi
echo "ok: $(bpftrace --version) compiles $script"
