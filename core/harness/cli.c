// SPDX-License-Identifier: MIT
/* Command-line values with the lab's one-line usage errors (cli.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/harness/cli.h"
#include "iovalab/parse.h"

static const char *tool = "iovalab";

void lab_cli_tool(const char *name)
{
	tool = name;
}

int lab_cli_bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	return 2;
}

int lab_cli_names(const char *opt, const char *arg, const char *const *known,
		  size_t **out, size_t *n)
{
	const char *badname = NULL;
	long ret;

	free(*out);
	*out = NULL;
	ret = lab_parse_name_list(arg, known, out, &badname);
	if (ret == -ENOENT) {
		size_t len = strcspn(badname, ",");

		return lab_cli_bad("--%s: unknown name '%.*s'", opt, (int)len,
				   badname);
	}
	if (ret == -ENOMEM)
		return lab_cli_bad("--%s: out of memory", opt);
	if (ret <= 0)
		return lab_cli_bad("--%s: empty list or empty item in '%s'",
				   opt, arg);
	*n = (size_t)ret;
	return 0;
}

int lab_cli_name(const char *opt, const char *arg, const char *const *known,
		 size_t *out)
{
	for (size_t i = 0; known[i]; i++)
		if (!strcmp(arg, known[i])) {
			*out = i;
			return 0;
		}
	return lab_cli_bad("--%s: unknown value '%s'", opt, arg);
}

int lab_cli_on_off(const char *opt, const char *arg, bool *out)
{
	static const char *const onoff[] = { "off", "on", NULL };
	size_t i = 0;
	int ret = lab_cli_name(opt, arg, onoff, &i);

	if (!ret)
		*out = i == 1;
	return ret;
}

int lab_cli_on_off_list(const char *opt, const char *arg, bool out[2],
			size_t *n)
{
	static const char *const onoff[] = { "off", "on", NULL };
	size_t *v = NULL, k = 0;
	int ret = lab_cli_names(opt, arg, onoff, &v, &k);

	if (ret)
		return ret;
	if (k > 2 || (k == 2 && v[0] == v[1])) {
		free(v);
		return lab_cli_bad("--%s: use on, off, on,off or off,on", opt);
	}
	for (size_t i = 0; i < k; i++)
		out[i] = v[i] == 1;
	*n = k;
	free(v);
	return 0;
}

int lab_cli_pin(const char *opt, const char *arg, enum lab_pin_mode *out)
{
	if (!lab_pin_mode_parse(arg, out))
		return 0;
	return lab_cli_bad("--%s: unknown value '%s' (compact, scatter or "
			   "none)",
			   opt, arg);
}

int lab_cli_seconds(const char *opt, const char *arg, bool zero_ok, double max,
		    double *out)
{
	if (lab_parse_seconds(arg, out) || !isfinite(*out))
		return lab_cli_bad("--%s: '%s' is not a number of seconds", opt,
				   arg);
	if (*out == 0 && !zero_ok)
		return lab_cli_bad("--%s: must be greater than 0", opt);
	if (*out > max)
		return lab_cli_bad("--%s: %s s is more than %.0f s", opt, arg,
				   max);
	return 0;
}

int lab_cli_u64(const char *opt, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out)
{
	uint64_t v;

	if (lab_parse_u64(arg, &v) || v < min || v > max)
		return lab_cli_bad("--%s: '%s' is not %llu..%llu", opt, arg,
				   (unsigned long long)min,
				   (unsigned long long)max);
	*out = v;
	return 0;
}

int lab_cli_u64_list(const char *opt, const char *arg, uint64_t min,
		     uint64_t max, size_t max_items, uint64_t **out, size_t *n)
{
	long ret;

	free(*out);
	*out = NULL;
	ret = lab_parse_u64_list(arg, min, max, max_items, out);
	if (ret == -ERANGE)
		return lab_cli_bad("--%s: each value must be in %llu..%llu",
				   opt, (unsigned long long)min,
				   (unsigned long long)max);
	if (ret == -E2BIG)
		return lab_cli_bad("--%s: more than %zu values", opt,
				   max_items);
	if (ret == -ENOMEM)
		return lab_cli_bad("--%s: out of memory", opt);
	if (ret < 0)
		return lab_cli_bad("--%s: '%s' is not a list like 1,2,4 or "
				   "1-16",
				   opt, arg);
	*n = (size_t)ret;
	return 0;
}
