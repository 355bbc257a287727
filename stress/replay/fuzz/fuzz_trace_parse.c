// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: iova-replay's trace line parser (trace_parse.h). The
 * input is one line of bytes, exactly as long as libFuzzer made it (ASan
 * catches any read past it). Checks the contract:
 *  - the result is 0 or -EINVAL, nothing else;
 *  - an error has a description and a NUL-terminated, printable token;
 *  - a line with a control byte other than tab (a CR just before the end
 *    excepted), or longer than TRACE_LINE_MAX, is refused;
 *  - an accepted operation printed back in the canonical form parses to
 *    the same operation (nothing was read as something else).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
	fprintf(stderr, "fuzz-trace_parse: %s\n", what);
	abort();
}

static bool must_refuse(const uint8_t *p, size_t n)
{
	if (n > TRACE_LINE_MAX)
		return true;
	if (n && p[n - 1] == '\r')
		n--;
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return true;
	return false;
}

/* The canonical text of @op; 0 for an empty line. */
static int print_op(const struct trace_op *op, char *buf, size_t cap)
{
	static const char *const verb[] = {
		[TRACE_ALLOC] = "a",	   [TRACE_FREE] = "f",
		[TRACE_FIND] = "q",	   [TRACE_RESERVE] = "r",
		[TRACE_ALLOC_FAST] = "af", [TRACE_FREE_FAST] = "ff",
	};

	switch (op->kind) {
	case TRACE_EMPTY:
		return 0;
	case TRACE_FREE:
	case TRACE_FIND:
		return snprintf(buf, cap, "%s %lu", verb[op->kind], op->arg0);
	case TRACE_ALLOC:
	case TRACE_ALLOC_FAST:
		return snprintf(buf, cap, "%s %lu %#lx%s", verb[op->kind],
				op->arg0, op->arg1,
				!op->flag		? "" :
				op->kind == TRACE_ALLOC ? " A" :
							  " F");
	case TRACE_RESERVE:
	case TRACE_FREE_FAST:
		return snprintf(buf, cap, "%s %lu %lu", verb[op->kind],
				op->arg0, op->arg1);
	}
	die("unknown operation kind");
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_op op, again;
	struct trace_error err;
	char buf[128];
	int ret, n;

	memset(&op, 0xa5, sizeof(op));
	ret = trace_parse_line((const char *)data, size, &op, &err);
	if (ret == -EINVAL) {
		if (!err.what || !*err.what)
			die("error without a description");
		if (!memchr(err.tok, '\0', sizeof(err.tok)))
			die("error token not NUL-terminated");
		for (const char *t = err.tok; *t; t++)
			if (*t < 0x20 || *t == 0x7f)
				die("error token not printable");
		return 0;
	}
	if (ret)
		die("neither 0 nor -EINVAL");
	if (must_refuse(data, size))
		die("accepted a line with a control byte or too long");
	if (op.flag && op.kind != TRACE_ALLOC && op.kind != TRACE_ALLOC_FAST)
		die("flag on an operation that has none");
	n = print_op(&op, buf, sizeof(buf));
	if (n < 0 || (size_t)n >= sizeof(buf))
		die("canonical form does not fit");
	memset(&again, 0x5a, sizeof(again));
	if (trace_parse_line(buf, (size_t)n, &again, &err))
		die("canonical form refused");
	if (again.kind != op.kind ||
	    (op.kind != TRACE_EMPTY &&
	     (again.arg0 != op.arg0 || again.flag != op.flag)) ||
	    ((op.kind == TRACE_ALLOC || op.kind == TRACE_ALLOC_FAST ||
	      op.kind == TRACE_RESERVE || op.kind == TRACE_FREE_FAST) &&
	     again.arg1 != op.arg1))
		die("canonical form parses to another operation");
	return 0;
}
