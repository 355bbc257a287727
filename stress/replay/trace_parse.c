// SPDX-License-Identifier: MIT
/*
 * iova-replay's trace line parser (contract in trace_parse.h). Works on a
 * byte span, never on a C string, so a NUL byte cannot end a line early.
 */
#include "trace_parse.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "iovalab/parse.h"

#define MAX_FIELDS 5
/* Longer than any number lab_parse_u64 accepts ("0x" + 16 digits, or 20). */
#define NUM_MAX 40

struct field {
	const char *p;
	size_t len;
};

static int fail(struct trace_error *err, const char *what, const char *tok,
		size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	err->what = what;
	for (size_t i = 0; tok && i < len; i++) {
		unsigned char c = (unsigned char)tok[i];

		/* keep room for "..." and the NUL */
		if (o + 4 + 4 > sizeof(err->tok)) {
			memcpy(err->tok + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f) {
			err->tok[o++] = '\\';
			err->tok[o++] = 'x';
			err->tok[o++] = hex[c >> 4];
			err->tok[o++] = hex[c & 15];
		} else {
			err->tok[o++] = (char)c;
		}
	}
	err->tok[o] = '\0';
	return -EINVAL;
}

static bool field_is(const struct field *f, const char *s)
{
	return f->len == strlen(s) && !memcmp(f->p, s, f->len);
}

/* A number that fits an unsigned long, strictly (lab_parse_u64). */
static bool field_ulong(const struct field *f, unsigned long *out)
{
	char buf[NUM_MAX + 1];
	uint64_t v;

	if (f->len > NUM_MAX)
		return false;
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	if (lab_parse_u64(buf, &v) || v > (uint64_t)(unsigned long)-1)
		return false;
	*out = (unsigned long)v;
	return true;
}

/* Every op's fields after the name: two numbers, then maybe one flag. */
struct syntax {
	const char *name;
	enum trace_kind kind;
	int min, max; /* fields, name included */
	const char *usage;
	const char *what0, *what1; /* error text for a bad first/second */
	const char *flag; /* the one flag word allowed as field 4 */
	const char *flag_err;
};

static const struct syntax syntaxes[] = {
	{ "a", TRACE_ALLOC, 3, 4, "usage: a SIZE LIMIT_PFN [A]", "bad SIZE",
	  "bad LIMIT_PFN", "A", "expected 'A', got" },
	{ "f", TRACE_FREE, 2, 2, "usage: f PFN", "bad PFN", NULL, NULL, NULL },
	{ "q", TRACE_FIND, 2, 2, "usage: q PFN", "bad PFN", NULL, NULL, NULL },
	{ "r", TRACE_RESERVE, 3, 3, "usage: r LO HI", "bad LO", "bad HI", NULL,
	  NULL },
	{ "af", TRACE_ALLOC_FAST, 3, 4, "usage: af SIZE LIMIT_PFN [F]",
	  "bad SIZE", "bad LIMIT_PFN", "F", "expected 'F', got" },
	{ "ff", TRACE_FREE_FAST, 3, 3, "usage: ff PFN SIZE", "bad PFN",
	  "bad SIZE", NULL, NULL },
};

int trace_parse_line(const char *line, size_t len, struct trace_op *op,
		     struct trace_error *err)
{
	struct field f[MAX_FIELDS];
	const struct syntax *sx = NULL;
	size_t i, start;
	int n = 0;

	if (len > TRACE_LINE_MAX)
		return fail(err, "line longer than 4096 bytes", NULL, 0);
	/* A CRLF file: the CR just before the newline is not part of it. */
	if (len && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(err, "control byte", line + i, 1);
	}
	for (i = 0; i < len && line[i] != '#';) {
		if (line[i] == ' ' || line[i] == '\t') {
			i++;
			continue;
		}
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' &&
		       line[i] != '#')
			i++;
		if (n == MAX_FIELDS)
			return fail(err, "too many fields", NULL, 0);
		f[n].p = line + start;
		f[n].len = i - start;
		n++;
	}
	memset(op, 0, sizeof(*op));
	if (!n) {
		op->kind = TRACE_EMPTY;
		return 0;
	}
	for (i = 0; i < sizeof(syntaxes) / sizeof(syntaxes[0]); i++) {
		if (field_is(&f[0], syntaxes[i].name)) {
			sx = &syntaxes[i];
			break;
		}
	}
	if (!sx)
		return fail(err, "unknown operation", f[0].p, f[0].len);
	if (n < sx->min || n > sx->max)
		return fail(err, sx->usage, NULL, 0);
	if (!field_ulong(&f[1], &op->arg0))
		return fail(err, sx->what0, f[1].p, f[1].len);
	if (n > 2 && !field_ulong(&f[2], &op->arg1))
		return fail(err, sx->what1, f[2].p, f[2].len);
	if (n > 3) {
		if (!field_is(&f[3], sx->flag))
			return fail(err, sx->flag_err, f[3].p, f[3].len);
		op->flag = true;
	}
	op->kind = sx->kind;
	return 0;
}
