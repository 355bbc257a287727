/* SPDX-License-Identifier: MIT */
/*
 * iova-replay's trace line parser: one line of bytes in, one operation or
 * one error out. A pure function: no global state, no allocation, no I/O,
 * so it can be fuzzed on its own (the input need not be NUL-terminated
 * and may hold NUL bytes, which it sees and refuses).
 *
 * Line syntax (README.md here): fields separated by spaces or tabs; '#'
 * starts a comment; numbers decimal or 0x-hex (lab_parse_u64) that fit an
 * unsigned long. A CR immediately before the end of the line (a CRLF
 * file) is accepted and ignored. Any other control byte (0x00-0x1f except
 * tab, or 0x7f), anywhere on the line, comments included, is an error:
 * the line must not be read as something shorter than it is.
 */
#ifndef IOVALAB_REPLAY_TRACE_PARSE_H
#define IOVALAB_REPLAY_TRACE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line accepted, in bytes, newline excluded. */
#define TRACE_LINE_MAX 4096

enum trace_kind {
	TRACE_EMPTY, /* blank or comment-only line: nothing to do */
	TRACE_ALLOC, /* a SIZE LIMIT_PFN [A]: arg0 size, arg1 limit */
	TRACE_FREE, /* f PFN: arg0 pfn */
	TRACE_FIND, /* q PFN: arg0 pfn */
	TRACE_RESERVE, /* r LO HI: arg0 lo, arg1 hi */
	TRACE_ALLOC_FAST, /* af SIZE LIMIT_PFN [F]: arg0 size, arg1 limit */
	TRACE_FREE_FAST, /* ff PFN SIZE: arg0 pfn, arg1 size */
};

struct trace_op {
	enum trace_kind kind;
	unsigned long arg0, arg1;
	bool flag; /* 'A' (size-aligned) on a, 'F' (flush and retry) on af */
};

/* Room for the offending token in an error, escaped and maybe cut. */
#define TRACE_TOK_MAX 48

struct trace_error {
	const char *what; /* static text, e.g. "bad PFN" */
	/*
	 * The offending token, NUL-terminated, non-printable bytes as \xNN,
	 * cut with "..." when longer; empty when the error names no token.
	 */
	char tok[TRACE_TOK_MAX];
};

/*
 * Parse @len bytes at @line (the newline, if any, already removed). Returns
 * 0 and fills @op, or -EINVAL and fills @err. Every operation of the
 * format is parsed, fast-path ones included; whether the replay can run
 * it is the caller's business.
 */
int trace_parse_line(const char *line, size_t len, struct trace_op *op,
		     struct trace_error *err);

#endif /* IOVALAB_REPLAY_TRACE_PARSE_H */
