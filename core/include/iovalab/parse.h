/* SPDX-License-Identifier: MIT */
/*
 * Strict parsing of command-line and trace values. Nothing is clamped: a
 * value that does not parse exactly, or is out of range, is an error the
 * caller reports (usage errors exit 2).
 */
#ifndef IOVALAB_PARSE_H
#define IOVALAB_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decimal or 0x-hex unsigned integer, the whole string, no sign, no
 * spaces. Returns 0, -EINVAL (not a number) or -ERANGE (over UINT64_MAX).
 */
int lab_parse_u64(const char *s, uint64_t *out);

/*
 * Non-negative decimal with optional fraction and exponent ("0.5", "2",
 * "1e3"); no hex, no sign, no inf/nan. 0 or -EINVAL.
 */
int lab_parse_seconds(const char *s, double *out);

/*
 * A list of integers: comma-separated items, each N or LO-HI inclusive
 * (e.g. "1,2,4" or "1-16" or "1-4,8"). Each value must lie in [min, max]
 * and the list may hold at most @max_items values. On success *out is a
 * malloc'd array the caller frees. Returns the number of values, or
 * -EINVAL (syntax, empty list, LO > HI), -ERANGE (value out of [min, max])
 * or -E2BIG (too many values) or -ENOMEM.
 */
long lab_parse_u64_list(const char *s, uint64_t min, uint64_t max,
			size_t max_items, uint64_t **out);

/*
 * A comma-separated list of names, each one of @known (NULL-terminated),
 * or "all" for every known name. On success *out is a malloc'd array of
 * indexes into @known. Returns the count, or -EINVAL (empty list or empty
 * item), -ENOENT (unknown name; *bad points into @s at it, if bad != NULL)
 * or -ENOMEM.
 */
long lab_parse_name_list(const char *s, const char *const *known, size_t **out,
			 const char **bad);

#endif /* IOVALAB_PARSE_H */
