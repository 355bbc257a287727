// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/util: histogram, JSON writer, strict parsing, fault
 * injection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/fault.h"
#include "iovalab/hist.h"
#include "iovalab/json.h"
#include "iovalab/parse.h"

#include "check.h"

static void test_hist_buckets(void)
{
	/* Every bucket's bounds map back to it, and buckets tile u64. */
	for (unsigned int i = 0; i < LAB_HIST_BUCKETS; i++) {
		CHECK(lab_hist_index(lab_hist_bucket_lo(i)) == i);
		CHECK(lab_hist_index(lab_hist_bucket_hi(i)) == i);
		if (i + 1 < LAB_HIST_BUCKETS)
			CHECK(lab_hist_bucket_hi(i) + 1 ==
			      lab_hist_bucket_lo(i + 1));
	}
	CHECK(lab_hist_bucket_hi(LAB_HIST_BUCKETS - 1) == UINT64_MAX);
	/* Relative width of a bucket never exceeds 1/32. */
	for (unsigned int i = LAB_HIST_SUB; i < LAB_HIST_BUCKETS; i++) {
		uint64_t lo = lab_hist_bucket_lo(i), hi = lab_hist_bucket_hi(i);

		CHECK((hi - lo) <= lo / LAB_HIST_SUB);
	}
}

static void test_hist_quantiles(void)
{
	struct lab_hist a, b;

	lab_hist_init(&a);
	lab_hist_init(&b);
	CHECK(lab_hist_quantile(&a, 0.5) == 0);
	for (uint64_t v = 1; v <= 1000; v++)
		lab_hist_record(v <= 500 ? &a : &b, v);
	lab_hist_merge(&a, &b);
	CHECK(a.count == 1000);
	CHECK(a.min == 1 && a.max == 1000);
	CHECK(a.sum == 500500);
	/* p50 is the 500th value, reported as its bucket's upper bound. */
	CHECK(lab_hist_quantile(&a, 0.5) >= 500);
	CHECK(lab_hist_quantile(&a, 0.5) <= 500 + 500 / 32);
	CHECK(lab_hist_quantile(&a, 0.99) >= 990);
	CHECK(lab_hist_quantile(&a, 0.99) <= 990 + 990 / 32);
	CHECK(lab_hist_quantile(&a, 1.0) == 1000);
	CHECK(lab_hist_quantile(&a, 0.0) == 1);

	lab_hist_init(&b);
	lab_hist_record(&b, 123456789);
	CHECK(lab_hist_quantile(&b, 0.5) == 123456789);
	lab_hist_record(&b, UINT64_MAX);
	CHECK(b.sum == UINT64_MAX); /* saturates */
}

static void test_parse(void)
{
	uint64_t v, *list;
	size_t *names;
	const char *bad = NULL;
	static const char *const known[] = { "nic", "storage", "large", NULL };
	long n;

	CHECK(lab_parse_u64("0", &v) == 0 && v == 0);
	CHECK(lab_parse_u64("0x100000", &v) == 0 && v == 0x100000);
	CHECK(lab_parse_u64("18446744073709551615", &v) == 0 &&
	      v == UINT64_MAX);
	CHECK(lab_parse_u64("18446744073709551616", &v) == -ERANGE);
	CHECK(lab_parse_u64("-1", &v) == -EINVAL);
	CHECK(lab_parse_u64(" 1", &v) == -EINVAL);
	CHECK(lab_parse_u64("1x", &v) == -EINVAL);
	CHECK(lab_parse_u64("0x", &v) == -EINVAL);
	CHECK(lab_parse_u64("", &v) == -EINVAL);

	n = lab_parse_u64_list("1-4,8", 1, 1024, 64, &list);
	CHECK(n == 5);
	if (n == 5) {
		CHECK(list[0] == 1 && list[3] == 4 && list[4] == 8);
		free(list);
	}
	CHECK(lab_parse_u64_list("", 1, 8, 64, &list) == -EINVAL);
	CHECK(lab_parse_u64_list("1,,2", 1, 8, 64, &list) == -EINVAL);
	CHECK(lab_parse_u64_list("4-2", 1, 8, 64, &list) == -EINVAL);
	CHECK(lab_parse_u64_list("0", 1, 8, 64, &list) == -ERANGE);
	CHECK(lab_parse_u64_list("1-9", 1, 8, 64, &list) == -ERANGE);
	CHECK(lab_parse_u64_list("1-100", 1, 1000, 8, &list) == -E2BIG);

	n = lab_parse_name_list("large,nic", known, &names, &bad);
	CHECK(n == 2);
	if (n == 2) {
		CHECK(names[0] == 2 && names[1] == 0);
		free(names);
	}
	n = lab_parse_name_list("all", known, &names, &bad);
	CHECK(n == 3);
	if (n == 3)
		free(names);
	CHECK(lab_parse_name_list("nic,disk", known, &names, &bad) == -ENOENT);
	CHECK(bad && !strcmp(bad, "disk"));
	CHECK(lab_parse_name_list("nic,", known, &names, &bad) == -EINVAL);
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct lab_json j;

	lab_json_init(&j, f);
	lab_json_object_begin(&j, NULL);
	lab_json_str(&j, "s", "a\"b\n");
	lab_json_array_begin(&j, "a");
	lab_json_u64(&j, NULL, 1);
	lab_json_double(&j, NULL, 0.0 / 0.0);
	lab_json_array_end(&j);
	lab_json_object_begin(&j, "empty");
	lab_json_object_end(&j);
	lab_json_bool(&j, "t", true);
	lab_json_object_end(&j);
	CHECK(lab_json_finish(&j) == 0);
	fclose(f);
	CHECK(!strcmp(buf,
		      "{\n  \"s\": \"a\\\"b\\n\",\n  \"a\": [\n    1,\n"
		      "    null\n  ],\n  \"empty\": {},\n  \"t\": true\n}\n"));
	free(buf);

	f = open_memstream(&buf, &len);
	lab_json_init(&j, f);
	lab_json_object_begin(&j, NULL);
	CHECK(lab_json_finish(&j) == -EINVAL); /* unbalanced */
	fclose(f);
	free(buf);
}

static void test_fault(void)
{
	/* Disarmed: nothing fails, nothing is counted. */
	lab_fault_arm(0, 0);
	for (int i = 0; i < 10; i++)
		CHECK(!lab_fault_fail(LAB_FAULT_NODE));
	CHECK(lab_fault_counted() == 0 && !lab_fault_fired());

	/* Exactly the 3rd armed-site allocation fails; others don't count. */
	lab_fault_arm(1u << LAB_FAULT_NODE | 1u << LAB_FAULT_LOCK, 3);
	CHECK(!lab_fault_fail(LAB_FAULT_NODE));
	CHECK(!lab_fault_fail(LAB_FAULT_MAGAZINE));
	CHECK(!lab_fault_fail(LAB_FAULT_LOCK));
	CHECK(!lab_fault_fired());
	CHECK(lab_fault_fail(LAB_FAULT_NODE));
	CHECK(lab_fault_fired());
	for (int i = 0; i < 10; i++)
		CHECK(!lab_fault_fail(LAB_FAULT_NODE));
	CHECK(lab_fault_counted() == 13);

	/* The environment form, good and bad. */
	setenv("IOVALAB_FAULT", "magazine,thread:2", 1);
	CHECK(lab_fault_from_env() == 0);
	CHECK(!lab_fault_fail(LAB_FAULT_NODE));
	CHECK(!lab_fault_fail(LAB_FAULT_THREAD));
	CHECK(lab_fault_fail(LAB_FAULT_MAGAZINE));
	setenv("IOVALAB_FAULT", "all:1", 1);
	CHECK(lab_fault_from_env() == 0);
	CHECK(lab_fault_fail(LAB_FAULT_OTHER));
	static const char *const bad[] = {
		"node",	  ":3",	     "node:",	"node:0",      "node:x",
		"slab:1", "node,:1", ",node:1", "node,,lock:1"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("IOVALAB_FAULT", bad[i], 1);
		CHECK(lab_fault_from_env() == -EINVAL);
	}
	unsetenv("IOVALAB_FAULT");
	CHECK(lab_fault_from_env() == 0);
	lab_fault_arm(0, 0);
}

int main(void)
{
	test_hist_buckets();
	test_hist_quantiles();
	test_parse();
	test_json();
	test_fault();
	if (failures) {
		fprintf(stderr, "test_util: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_util: ok\n");
	return 0;
}
