// SPDX-License-Identifier: MIT
/*
 * Fairness, medians and the median's interval on fixed inputs, and the
 * padded counters' layout and sums (single thread: values are exact).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h" /* core/tests: CHECK, failures */
#include "iovalab/harness/counter.h"
#include "iovalab/harness/stats.h"

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-12 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void fairness(void)
{
	static const uint64_t even[] = { 5, 5, 5, 5 };
	static const uint64_t ramp[] = { 1, 2, 3, 4 };
	static const uint64_t one[] = { 0, 0, 9, 0 };
	static const uint64_t zero[] = { 0, 0 };
	struct lab_fairness f;

	lab_fairness_compute(even, 4, &f);
	CHECK(f.n == 4 && f.min == 5 && f.max == 5);
	CHECK(near(f.jain, 1.0) && near(f.max_over_min, 1.0));
	/* (1+2+3+4)^2 / (4 * 30) = 100 / 120 */
	lab_fairness_compute(ramp, 4, &f);
	CHECK(near(f.jain, 100.0 / 120.0) && near(f.max_over_min, 4.0));
	CHECK(f.min == 1 && f.max == 4);
	/* one thread did everything: 1/n, and max/min is infinite */
	lab_fairness_compute(one, 4, &f);
	CHECK(near(f.jain, 0.25) && isinf(f.max_over_min));
	lab_fairness_compute(zero, 2, &f);
	CHECK(f.n == 2 && near(f.jain, 1.0) && near(f.max_over_min, 1.0));
	lab_fairness_compute(NULL, 0, &f);
	CHECK(f.n == 0 && near(f.jain, 1.0) && f.min == 0 && f.max == 0);
}

static void medians(void)
{
	double odd[] = { 9, 1, 5, 3, 7 };
	double even[] = { 4, 1, 3, 2 };
	double single[] = { 42 };
	double none[1];
	double six[] = { 60, 10, 50, 20, 40, 30 };
	double level = 0;
	struct lab_median_ci ci;

	CHECK(near(lab_median(odd, 5), 5));
	CHECK(odd[0] == 1 && odd[4] == 9); /* sorted in place */
	CHECK(near(lab_median(even, 4), 2.5));
	CHECK(near(lab_median(single, 1), 42));
	CHECK(isnan(lab_median(none, 0)));
	/*
	 * Below 6 values the interval is [min, max]; its coverage is
	 * 1 - 2 / 2^n: 0.9375 at n = 5, 0.5 at n = 2.
	 */
	CHECK(lab_median_ci_rank(5, &level) == 1 && near(level, 0.9375));
	CHECK(lab_median_ci_rank(2, &level) == 1 && near(level, 0.5));
	/* n = 6: k = 1 still (k = 2 covers 1 - 2 * 7/64 < 0.95) */
	CHECK(lab_median_ci_rank(6, &level) == 1 &&
	      near(level, 1.0 - 2.0 / 64));
	/* n = 9: k = 2 covers 1 - 2 * 10/512 = 0.9609 */
	CHECK(lab_median_ci_rank(9, &level) == 2 &&
	      near(level, 1.0 - 20.0 / 512));
	CHECK(lab_median_ci(six, 6, &ci) == 0);
	CHECK(near(ci.median, 35) && ci.lo == 10 && ci.hi == 60);
	CHECK(ci.min == 10 && ci.max == 60);
	CHECK(lab_median_ci(none, 0, &ci) == -EINVAL);
	{
		double nine[] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };

		CHECK(lab_median_ci(nine, 9, &ci) == 0);
		CHECK(ci.median == 5 && ci.lo == 2 && ci.hi == 8);
	}
}

struct per_thread {
	struct lab_counter ops; /* first, on its own line */
	uint64_t private_state[3];
} __lab_cacheline_aligned;

static void counters(void)
{
	struct lab_counter *c = lab_counters_alloc(5);
	struct per_thread t[3] = { 0 };
	uint64_t v[5];
	struct lab_fairness f;

	CHECK(sizeof(struct lab_counter) == LAB_CACHELINE);
	CHECK(sizeof(struct per_thread) % LAB_CACHELINE == 0);
	if (!c) {
		CHECK(c != NULL);
		return;
	}
	CHECK(((uintptr_t)c % LAB_CACHELINE) == 0);
	CHECK(lab_counters_sum(c, 5) == 0);
	for (unsigned int i = 0; i < 5; i++)
		for (unsigned int k = 0; k <= i; k++)
			lab_counter_add(&c[i], 10);
	lab_counter_set(&c[0], 7);
	CHECK(lab_counters_sum(c, 5) == 7 + 20 + 30 + 40 + 50);
	lab_counters_read(c, 5, v);
	CHECK(v[0] == 7 && v[4] == 50);
	CHECK(lab_counters_fairness(c, 5, &f) == 0);
	CHECK(f.min == 7 && f.max == 50 && f.n == 5);
	lab_counters_free(c);
	for (unsigned int i = 0; i < 3; i++)
		lab_counter_add(&t[i].ops, i + 1);
	CHECK(lab_counter_sum_strided(&t[0].ops, 3, sizeof(t[0])) == 6);
	CHECK(lab_counter_sum_strided(&t[0].ops, 0, sizeof(t[0])) == 0);
}

int main(void)
{
	fairness();
	medians();
	counters();
	if (!failures)
		printf("stats: fairness, medians, intervals, counters ok\n");
	return failures ? 1 : 0;
}
