// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/parse.h"

int lab_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		if (!isxdigit((unsigned char)s[2]))
			return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

int lab_parse_seconds(const char *s, double *out)
{
	double v;
	char *end;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	/* strtod would also take hex floats ("0x10" = 16 s): decimal only */
	if (strpbrk(s, "xXpP"))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno || v != v)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Parse one item [s, e): N or LO-HI. */
static int parse_range(const char *s, const char *e, uint64_t *lo, uint64_t *hi)
{
	char buf[64];
	char *dash;
	size_t n = (size_t)(e - s);
	int ret;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	dash = strchr(buf, '-');
	if (!dash) {
		ret = lab_parse_u64(buf, lo);
		*hi = *lo;
		return ret;
	}
	*dash = '\0';
	ret = lab_parse_u64(buf, lo);
	if (!ret)
		ret = lab_parse_u64(dash + 1, hi);
	if (!ret && *lo > *hi)
		ret = -EINVAL;
	return ret;
}

long lab_parse_u64_list(const char *s, uint64_t min, uint64_t max,
			size_t max_items, uint64_t **out)
{
	uint64_t *v = NULL;
	size_t n = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		const char *e = strchr(p, ',');
		uint64_t lo, hi;
		int ret;

		if (!e)
			e = p + strlen(p);
		ret = parse_range(p, e, &lo, &hi);
		if (!ret && (lo < min || hi > max))
			ret = -ERANGE;
		if (!ret && hi - lo >= max_items - n)
			ret = -E2BIG;
		if (ret) {
			free(v);
			return ret;
		}
		{
			uint64_t *nv =
				realloc(v, sizeof(*v) * (n + (hi - lo) + 1));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		for (uint64_t x = lo;; x++) {
			v[n++] = x;
			if (x == hi)
				break;
		}
		if (!*e)
			break;
		p = e + 1;
	}
	*out = v;
	return (long)n;
}

long lab_parse_name_list(const char *s, const char *const *known, size_t **out,
			 const char **bad)
{
	size_t nknown = 0, n = 0, *v;
	const char *p = s;

	while (known[nknown])
		nknown++;
	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "all")) {
		v = malloc(sizeof(*v) * (nknown ? nknown : 1));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < nknown; i++)
			v[i] = i;
		*out = v;
		return (long)nknown;
	}
	v = malloc(sizeof(*v) * (strlen(s) / 2 + 1));
	if (!v)
		return -ENOMEM;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len, i;

		if (!e)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (len == 0) {
			free(v);
			return -EINVAL;
		}
		for (i = 0; i < nknown; i++)
			if (strlen(known[i]) == len &&
			    !memcmp(known[i], p, len))
				break;
		if (i == nknown) {
			if (bad)
				*bad = p;
			free(v);
			return -ENOENT;
		}
		v[n++] = i;
		if (!*e)
			break;
		p = e + 1;
	}
	*out = v;
	return (long)n;
}
