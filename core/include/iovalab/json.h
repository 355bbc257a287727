/* SPDX-License-Identifier: MIT */
/*
 * Minimal streaming JSON writer: objects, arrays and scalars written in
 * order, commas and indentation handled here. Not a general serialiser: no
 * parsing, nesting at most LAB_JSON_DEPTH. Doubles that are not finite are
 * written as null (JSON has no NaN/Inf). Errors of the underlying FILE are
 * sticky: check lab_json_error() (or ferror) once at the end.
 */
#ifndef IOVALAB_JSON_H
#define IOVALAB_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LAB_JSON_DEPTH 16

struct lab_json {
	FILE *f;
	int depth;
	bool first[LAB_JSON_DEPTH];
	bool misuse; /* unbalanced begin/end or too deep */
};

void lab_json_init(struct lab_json *j, FILE *f);

/* @key is NULL inside arrays and at top level. */
void lab_json_object_begin(struct lab_json *j, const char *key);
void lab_json_object_end(struct lab_json *j);
void lab_json_array_begin(struct lab_json *j, const char *key);
void lab_json_array_end(struct lab_json *j);

void lab_json_str(struct lab_json *j, const char *key, const char *v);
void lab_json_u64(struct lab_json *j, const char *key, uint64_t v);
void lab_json_i64(struct lab_json *j, const char *key, int64_t v);
void lab_json_double(struct lab_json *j, const char *key, double v);
void lab_json_bool(struct lab_json *j, const char *key, bool v);
void lab_json_null(struct lab_json *j, const char *key);

/* Ends the document with a newline; -EIO if the stream failed, -EINVAL on
 * unbalanced nesting, else 0. Does not close the FILE. */
int lab_json_finish(struct lab_json *j);

#endif /* IOVALAB_JSON_H */
