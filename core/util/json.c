// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "iovalab/json.h"

void lab_json_init(struct lab_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->misuse = false;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Comma, newline and indent before a member, then its key. */
static void member(struct lab_json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	j->first[j->depth] = false;
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void open(struct lab_json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 >= LAB_JSON_DEPTH) {
		j->misuse = true;
		return;
	}
	j->first[++j->depth] = true;
}

static void close_(struct lab_json *j, char c)
{
	bool empty;

	if (j->depth <= 0) {
		j->misuse = true;
		return;
	}
	empty = j->first[j->depth];
	j->depth--;
	if (!empty) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

void lab_json_object_begin(struct lab_json *j, const char *key)
{
	open(j, key, '{');
}

void lab_json_object_end(struct lab_json *j)
{
	close_(j, '}');
}

void lab_json_array_begin(struct lab_json *j, const char *key)
{
	open(j, key, '[');
}

void lab_json_array_end(struct lab_json *j)
{
	close_(j, ']');
}

void lab_json_str(struct lab_json *j, const char *key, const char *v)
{
	member(j, key);
	if (v)
		put_string(j->f, v);
	else
		fputs("null", j->f);
}

void lab_json_u64(struct lab_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void lab_json_i64(struct lab_json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void lab_json_double(struct lab_json *j, const char *key, double v)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void lab_json_bool(struct lab_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void lab_json_null(struct lab_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

int lab_json_finish(struct lab_json *j)
{
	fputc('\n', j->f);
	if (fflush(j->f) || ferror(j->f))
		return -EIO;
	return (j->misuse || j->depth) ? -EINVAL : 0;
}
