// SPDX-License-Identifier: MIT
/*
 * Deterministic complexity tests: nodes visited per allocation (a count,
 * never a time) on the four scenarios of iovalab/scenario.h.
 *
 *   test_complexity LIVE_LIST ALLOCS
 *
 * For each live count n in LIVE_LIST (e.g. "1000,10000,100000"):
 *  - anylimit visits at most 2*log2(n) + ANYLIMIT_C nodes in every
 *    allocation of every scenario (the review's O(log n) for any limit);
 *  - gap32 does so too for the 32-bit limit of high32 (what its second
 *    field buys);
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
 * The walk descends toward the limit, then into the highest hanging-off
 * subtree that fits; each leg is at most one red-black height, and the
 * counted visits include the nodes a rejected alignment costs. 2*log2(n)
 * is the budget; the constant covers small trees and alignment.
 */
#define ANYLIMIT_C 8

static int failures;

struct result {
	double mean;
	uint64_t max;
	uint64_t allocs;
};

static struct result measure(enum iova_alg alg, enum iova_scenario sc,
			     unsigned long live, uint64_t allocs)
{
	struct iova_domain *d = iova_domain_create(alg, IOVA_SCEN_GRANULE,
						   IOVA_SCEN_START_PFN);
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
		if (iova_scen_complete(s, v)) {
			fprintf(stderr, "test_complexity: victim free failed\n");
			exit(1);
		}
	}
	res.allocs = allocs;
	res.mean = (double)total / (double)allocs;
	iova_scen_destroy(s);
	iova_domain_put(d);
	return res;
}

static void report(enum iova_alg alg, enum iova_scenario sc,
		   unsigned long live, const struct result *r,
		   const char *verdict)
{
	printf("%-8s %-7s n=%-8lu mean %10.1f max %8llu  %s\n",
	       iova_alg_name(alg), iova_scenario_name(sc), live, r->mean,
	       (unsigned long long)r->max, verdict);
}

static void expect_log(enum iova_alg alg, enum iova_scenario sc,
		       unsigned long live, uint64_t allocs)
{
	struct result r = measure(alg, sc, live, allocs);
	double bound = 2.0 * log2((double)live) + ANYLIMIT_C;
	char verdict[96];

	snprintf(verdict, sizeof(verdict), "max <= %.1f", bound);
	report(alg, sc, live, &r, verdict);
	if ((double)r.max > bound) {
		fprintf(stderr, "test_complexity: FAIL %s %s n=%lu: max %llu "
			"nodes visited > 2*log2(n)+%d = %.1f\n",
			iova_alg_name(alg), iova_scenario_name(sc), live,
			(unsigned long long)r.max, ANYLIMIT_C, bound);
		failures++;
	}
}

static void expect_linear(enum iova_alg alg, enum iova_scenario sc,
			  unsigned long live, uint64_t allocs)
{
	struct result r = measure(alg, sc, live, allocs);
	double floor_ = (double)live / 4;
	char verdict[96];

	snprintf(verdict, sizeof(verdict), "mean >= n/4 = %.0f (O(n))",
		 floor_);
	report(alg, sc, live, &r, verdict);
	if (r.mean < floor_) {
		fprintf(stderr, "test_complexity: FAIL %s %s n=%lu: mean %.1f "
			"nodes visited < n/4: the degradation the review "
			"describes did not show\n", iova_alg_name(alg),
			iova_scenario_name(sc), live, r.mean);
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
			expect_log(IOVA_ALG_ANYLIMIT, sc, live, allocs);
		expect_log(IOVA_ALG_GAP32, IOVA_SCEN_HIGH32, live, allocs);
		expect_log(IOVA_ALG_MAXGAP, IOVA_SCEN_CHURN, live, allocs);
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
