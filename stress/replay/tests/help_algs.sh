#!/bin/sh
# SPDX-License-Identifier: MIT
# help_algs.sh "NAMES" CMD [ARGS...]: CMD's help (exit 0) must name every
# algorithm in NAMES as a word of its own (btree is not btree-pfn).
set -u
names=$1
shift
help=$("$@") || { echo "help_algs: '$*' failed" >&2; exit 1; }
words=$(printf '%s\n' "$help" | tr ' |,:()' '\n\n\n\n\n\n')
rc=0
for n in $names; do
	printf '%s\n' "$words" | grep -qx -- "$n" || {
		echo "help_algs: '$*' does not name --alg $n" >&2
		rc=1
	}
done
exit $rc
