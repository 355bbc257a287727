#!/bin/sh
# SPDX-License-Identifier: MIT
# anylimit's node must be no larger than maxgap's, and its slab footprint
# the 64-byte-aligned size.   info_anylimit.sh REPLAY
set -u
any=$("$1" --alg anylimit --info) || exit 1
max=$("$1" --alg maxgap --info) || exit 1
set -- $any
[ "$1" = node_bytes ] && [ "$3" = slab_bytes ] || {
	echo "info: bad format: $any" >&2; exit 1; }
node=$2 slab=$4
set -- $max
if [ "$node" -gt "$2" ]; then
	echo "info: anylimit node $node bytes > maxgap's $2" >&2
	exit 1
fi
if [ "$slab" -ne $(( (node + 63) / 64 * 64 )) ]; then
	echo "info: anylimit slab $slab is not $node rounded up to 64" >&2
	exit 1
fi
echo "anylimit: $any (maxgap: $max)"
