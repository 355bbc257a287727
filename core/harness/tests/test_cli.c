// SPDX-License-Identifier: MIT
/*
 * Option values (cli.h over parse.h): lists, ranges, "all", and every
 * error: return 2 with exactly one line on stderr naming the option.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h" /* core/tests: CHECK, failures */
#include "iovalab/harness/cli.h"

static FILE *err; /* stderr, captured */

/* What the last calls printed on stderr; empties the capture. */
static const char *captured(void)
{
	static char buf[1024];
	size_t n;

	fflush(stderr);
	rewind(err);
	n = fread(buf, 1, sizeof(buf) - 1, err);
	buf[n] = '\0';
	rewind(err);
	if (ftruncate(fileno(err), 0))
		buf[0] = '\0';
	return buf;
}

/* @ret is 2 and one line "cli-test: --OPT...(see --help)" was printed. */
static void expect_bad(int ret, const char *opt, int line)
{
	const char *s = captured();
	const char *nl = strchr(s, '\n');

	if (ret != 2 || strncmp(s, "cli-test: ", 10) || !strstr(s, opt) ||
	    !nl || nl[1] || !strstr(s, "(see --help)")) {
		printf("FAIL line %d: ret %d, stderr '%s'\n", line, ret, s);
		failures++;
	}
}

static void expect_ok(int ret, int line)
{
	const char *s = captured();

	if (ret || s[0]) {
		printf("FAIL line %d: ret %d, stderr '%s'\n", line, ret, s);
		failures++;
	}
}

#define BAD(call, opt) expect_bad(call, opt, __LINE__)
#define OK(call) expect_ok(call, __LINE__)

static void lists(void)
{
	uint64_t *v = NULL;
	size_t n = 0;

	OK(lab_cli_u64_list("threads", "1,2,4", 1, 16, 64, &v, &n));
	CHECK(n == 3 && v[0] == 1 && v[1] == 2 && v[2] == 4);
	OK(lab_cli_u64_list("threads", "1-16", 1, 16, 64, &v, &n));
	CHECK(n == 16 && v[0] == 1 && v[15] == 16);
	OK(lab_cli_u64_list("threads", "1-4,8", 1, 16, 64, &v, &n));
	CHECK(n == 5 && v[3] == 4 && v[4] == 8);
	OK(lab_cli_u64_list("threads", "3-3", 1, 16, 64, &v, &n));
	CHECK(n == 1 && v[0] == 3);
	OK(lab_cli_u64_list("threads", "0x10", 1, 16, 64, &v, &n));
	CHECK(n == 1 && v[0] == 16);
	BAD(lab_cli_u64_list("threads", "", 1, 16, 64, &v, &n), "--threads");
	CHECK(v == NULL);
	BAD(lab_cli_u64_list("threads", "1,,2", 1, 16, 64, &v, &n),
	    "--threads");
	BAD(lab_cli_u64_list("threads", "1,", 1, 16, 64, &v, &n), "--threads");
	BAD(lab_cli_u64_list("threads", "4-2", 1, 16, 64, &v, &n), "--threads");
	BAD(lab_cli_u64_list("threads", "1-", 1, 16, 64, &v, &n), "--threads");
	BAD(lab_cli_u64_list("threads", "-1", 1, 16, 64, &v, &n), "--threads");
	BAD(lab_cli_u64_list("threads", "abc", 1, 16, 64, &v, &n), "--threads");
	BAD(lab_cli_u64_list("threads", "all", 1, 16, 64, &v, &n), "--threads");
	BAD(lab_cli_u64_list("threads", "0", 1, 16, 64, &v, &n), "1..16");
	BAD(lab_cli_u64_list("threads", "17", 1, 16, 64, &v, &n), "1..16");
	BAD(lab_cli_u64_list("threads", "18446744073709551616", 1, 16, 64, &v,
			     &n),
	    "--threads");
	BAD(lab_cli_u64_list("threads", "1-16", 1, 16, 8, &v, &n),
	    "more than 8");
	free(v);
}

static void names(void)
{
	static const char *const known[] = { "mutex", "ttas", "rcu", NULL };
	size_t *v = NULL, n = 0, one = 9;
	bool oo[2] = { false, false }, b = false;
	enum lab_pin_mode pin = LAB_PIN_NONE;

	OK(lab_cli_names("lock", "all", known, &v, &n));
	CHECK(n == 3 && v[0] == 0 && v[2] == 2);
	OK(lab_cli_names("lock", "rcu,mutex", known, &v, &n));
	CHECK(n == 2 && v[0] == 2 && v[1] == 0);
	BAD(lab_cli_names("lock", "nosuch", known, &v, &n), "'nosuch'");
	BAD(lab_cli_names("lock", "rcu,nosuch,ttas", known, &v, &n),
	    "unknown name 'nosuch'");
	BAD(lab_cli_names("lock", "", known, &v, &n), "--lock");
	BAD(lab_cli_names("lock", "mutex,", known, &v, &n), "--lock");
	free(v);
	OK(lab_cli_name("spin", "ttas", known, &one));
	CHECK(one == 1);
	BAD(lab_cli_name("spin", "all", known, &one), "--spin");
	OK(lab_cli_on_off_list("rcache", "off,on", oo, &n));
	CHECK(n == 2 && !oo[0] && oo[1]);
	OK(lab_cli_on_off_list("rcache", "on", oo, &n));
	CHECK(n == 1 && oo[0]);
	OK(lab_cli_on_off_list("rcache", "all", oo, &n));
	CHECK(n == 2 && !oo[0] && oo[1]);
	BAD(lab_cli_on_off_list("rcache", "on,on", oo, &n), "--rcache");
	BAD(lab_cli_on_off_list("rcache", "maybe", oo, &n), "maybe");
	OK(lab_cli_on_off("trim", "on", &b));
	CHECK(b);
	BAD(lab_cli_on_off("trim", "on,off", &b), "--trim");
	OK(lab_cli_pin("pin", "scatter", &pin));
	CHECK(pin == LAB_PIN_SCATTER);
	BAD(lab_cli_pin("pin", "middle", &pin), "middle");
	CHECK(pin == LAB_PIN_SCATTER);
}

static void numbers(void)
{
	double s = -1;
	uint64_t u = 7;

	OK(lab_cli_seconds("duration", "0.5", false, 10, &s));
	CHECK(s == 0.5);
	OK(lab_cli_seconds("warmup", "0", true, 10, &s));
	CHECK(s == 0);
	BAD(lab_cli_seconds("duration", "0", false, 10, &s), "--duration");
	BAD(lab_cli_seconds("duration", "-1", false, 10, &s), "--duration");
	BAD(lab_cli_seconds("duration", "11", false, 10, &s), "more than");
	BAD(lab_cli_seconds("duration", "inf", false, 10, &s), "--duration");
	BAD(lab_cli_seconds("duration", "nan", false, 10, &s), "--duration");
	BAD(lab_cli_seconds("duration", "0x10", false, 10, &s), "--duration");
	OK(lab_cli_u64("repeat", "1000", 1, 1000, &u));
	CHECK(u == 1000);
	BAD(lab_cli_u64("repeat", "0", 1, 1000, &u), "1..1000");
	BAD(lab_cli_u64("repeat", "1001", 1, 1000, &u), "--repeat");
	BAD(lab_cli_u64("repeat", "", 1, 1000, &u), "--repeat");
	BAD(lab_cli_u64("repeat", "+5", 1, 1000, &u), "--repeat");
	CHECK(u == 1000); /* untouched by the failures */
}

int main(void)
{
	err = tmpfile();
	if (!err || dup2(fileno(err), STDERR_FILENO) < 0) {
		printf("FAIL: cannot capture stderr\n");
		return 1;
	}
	setvbuf(stderr, NULL, _IONBF, 0);
	lab_cli_tool("cli-test");
	lists();
	names();
	numbers();
	if (!failures)
		printf("cli: lists, names, numbers and their errors ok\n");
	return failures ? 1 : 0;
}
