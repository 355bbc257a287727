#!/bin/sh
# expect-exit.sh CODE CMD [ARGS...]: run CMD, pass iff it exits with CODE.
want=$1
shift
"$@"
got=$?
if [ "$got" -ne "$want" ]; then
	echo "expect-exit: '$*' exited $got, expected $want" >&2
	exit 1
fi
exit 0
