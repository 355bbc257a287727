// SPDX-License-Identifier: MIT
/*
 * Deterministic complexity tests: nodes visited per allocation (a count,
 * never a time) on the four scenarios of iovalab/scenario.h.
 *
 *   test_complexity LIVE_LIST ALLOCS
 *
 * For each live count n in LIVE_LIST (e.g. "1000,10000,100000"):
 *  - anylimit visits on average at most 2*log2(n) + MEAN_C nodes per
 *    allocation in every scenario (the target), and never more
 *    than 3*log2(n) + MAX_C in one allocation that needs no alignment
 *    (O(log n) for any limit; an aligned request may also reject gaps
 *    that are big enough but hold no aligned slot, each costing another
 *    descent, so its maximum is reported, not bounded);
 *  - gap32 on the 32-bit limit of high32 (what its second field buys)
 *    and maxgap on churn (no binding limit) stay logarithmic: on average
 *    at most 3*log2(n) + MEAN_C (their searches test more siblings, and
 *    a single allocation may cost more when aligned requests miss);
 *  - maxgap on high32 and gap32 on high40 visit at least a quarter of the
 *    n live ranges per allocation on average: the O(n) degradation the
 *    review describes, where the huge gaps above the limit defeat pruning;
 *  - maxgap on churn stays logarithmic (its limit never binds).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/parse.h"
#include "iovalab/scenario.h"

/*
 * Every dereferenced node counts: the walk toward the limit (one tree
 * height), the left children it tests on the way back up, and inside the
 * chosen subtree one node per level plus the right sibling it tested and
 * rejected. So one allocation may cost about 3*log2(n) visits while the
 * mean stays near 2*log2(n) (the "about 2*log2(n) + a small
 * constant"); the constants cover small trees and the aligned requests
 * whose first candidate gaps cannot hold an aligned slot.
 */
#define MEAN_C 10
#define MAX_C 12

static int failures;

struct result {
	double mean;
	uint64_t max;
	uint64_t max_unaligned; /* size 1 or not size-aligned */
	uint64_t allocs;
};

static struct result measure(enum iova_alg alg, enum iova_scenario sc,
			     unsigned long live, uint64_t allocs)
{
	struct iova_domain *d =
		iova_domain_create(alg, IOVA_SCEN_GRANULE, IOVA_SCEN_START_PFN);
	struct result res = { 0 };
	struct iova_scen *s;
	uint64_t total = 0;

	if (!d || !(s = iova_scen_create(d, sc, live, 1))) {
		fprintf(stderr, "test_complexity: %s %s %lu: setup: %s\n",
			iova_alg_name(alg), iova_scenario_name(sc), live,
			strerror(errno));
		exit(1);
	}
	for (uint64_t i = 0; i < allocs; i++) {
		struct iova_scen_req req;
		struct iova_stats st;
		struct iova *v;

		iova_scen_next(s, &req);
		v = alloc_iova(d, req.size, req.limit_pfn, req.size_aligned);
		iova_domain_stats(d, &st);
		total += st.visited_last;
		if (st.visited_last > res.max)
			res.max = st.visited_last;
		if ((req.size == 1 || !req.size_aligned) &&
		    st.visited_last > res.max_unaligned)
			res.max_unaligned = st.visited_last;
		if (iova_scen_complete(s, v)) {
			fprintf(stderr,
				"test_complexity: victim free failed\n");
			exit(1);
		}
	}
	res.allocs = allocs;
	res.mean = (double)total / (double)allocs;
	iova_scen_destroy(s);
	iova_domain_put(d);
	return res;
}

static void report(enum iova_alg alg, enum iova_scenario sc, unsigned long live,
		   const struct result *r, const char *verdict)
{
	printf("%-8s %-7s n=%-8lu mean %10.1f max %8llu unaligned max %8llu"
	       "  %s\n",
	       iova_alg_name(alg), iova_scenario_name(sc), live, r->mean,
	       (unsigned long long)r->max, (unsigned long long)r->max_unaligned,
	       verdict);
}

/* mean <= mean_k * log2(n) + MEAN_C; with max_k, also unaligned max <=
 * max_k * log2(n) + MAX_C. */
static void expect_log(enum iova_alg alg, enum iova_scenario sc,
		       unsigned long live, uint64_t allocs, int mean_k,
		       int max_k)
{
	struct result r = measure(alg, sc, live, allocs);
	double lg = log2((double)live);
	double mean_bound = mean_k * lg + MEAN_C,
	       max_bound = max_k * lg + MAX_C;
	char verdict[96];

	if (max_k)
		snprintf(verdict, sizeof(verdict),
			 "mean <= %.1f, unaligned max <= %.1f", mean_bound,
			 max_bound);
	else
		snprintf(verdict, sizeof(verdict), "mean <= %.1f", mean_bound);
	report(alg, sc, live, &r, verdict);
	if (r.mean > mean_bound) {
		fprintf(stderr,
			"test_complexity: FAIL %s %s n=%lu: mean %.1f "
			"nodes visited > %d*log2(n)+%d = %.1f\n",
			iova_alg_name(alg), iova_scenario_name(sc), live,
			r.mean, mean_k, MEAN_C, mean_bound);
		failures++;
	}
	if (max_k && (double)r.max_unaligned > max_bound) {
		fprintf(stderr,
			"test_complexity: FAIL %s %s n=%lu: unaligned max %llu "
			"nodes visited > %d*log2(n)+%d = %.1f\n",
			iova_alg_name(alg), iova_scenario_name(sc), live,
			(unsigned long long)r.max_unaligned, max_k, MAX_C,
			max_bound);
		failures++;
	}
}

static void expect_linear(enum iova_alg alg, enum iova_scenario sc,
			  unsigned long live, uint64_t allocs)
{
	/* each allocation costs O(n) here: a few dozen show the mean */
	struct result r = measure(alg, sc, live, allocs < 50 ? allocs : 50);
	double floor_ = (double)live / 4;
	char verdict[96];

	snprintf(verdict, sizeof(verdict), "mean >= n/4 = %.0f (O(n))", floor_);
	report(alg, sc, live, &r, verdict);
	if (r.mean < floor_) {
		fprintf(stderr,
			"test_complexity: FAIL %s %s n=%lu: mean %.1f "
			"nodes visited < n/4: the degradation the review "
			"describes did not show\n",
			iova_alg_name(alg), iova_scenario_name(sc), live,
			r.mean);
		failures++;
	}
}

int main(int argc, char **argv)
{
	uint64_t *lives, allocs;
	long n;

	if (argc != 3 ||
	    (n = lab_parse_u64_list(argv[1], IOVA_SCEN_MIN_LIVE,
				    IOVA_SCEN_MAX_LIVE, 16, &lives)) < 0 ||
	    lab_parse_u64(argv[2], &allocs) || !allocs) {
		fprintf(stderr, "usage: test_complexity LIVE_LIST ALLOCS\n");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		unsigned long live = lives[i];

		for (int sc = 0; sc < IOVA_SCEN_NR; sc++)
			expect_log(IOVA_ALG_ANYLIMIT, sc, live, allocs, 2, 3);
		expect_log(IOVA_ALG_GAP32, IOVA_SCEN_HIGH32, live, allocs, 3,
			   0);
		expect_log(IOVA_ALG_MAXGAP, IOVA_SCEN_CHURN, live, allocs, 3,
			   0);
		expect_linear(IOVA_ALG_MAXGAP, IOVA_SCEN_HIGH32, live, allocs);
		expect_linear(IOVA_ALG_GAP32, IOVA_SCEN_HIGH40, live, allocs);
	}
	free(lives);
	if (failures) {
		fprintf(stderr, "test_complexity: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_complexity: ok\n");
	return 0;
}
