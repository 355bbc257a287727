// SPDX-License-Identifier: MIT
/*
 * Deterministic complexity tests: nodes visited per allocation (a count,
 * never a time) on the scenarios of iovalab/scenario.h.
 *
 *   test_complexity LIVE_LIST ALLOCS
 *
 * For each live count n in LIVE_LIST (e.g. "1000,10000,100000"):
 *  - anylimit visits on average at most 2*log2(n) + MEAN_C nodes per
 *    allocation in every scenario (the target), and never more
 *    than 3*log2(n) + MAX_C in one allocation that needs no alignment or
 *    asks for a size-aligned power of two (O(log n) for any limit: the
 *    aligned-block order kept per subtree prunes exactly); a size-aligned
 *    size that is not a power of two may also reject "near misses" (gaps
 *    at least that long, or holding an aligned block of half its
 *    alignment, with no aligned slot for it), each costing at most one
 *    more descent: such an allocation visits at most
 *    (3*log2(n) + MAX_C) * (1 + R) nodes, R its near misses above the
 *    answer, counted here from the domain's ranges;
 *  - gap32 on the 32-bit limit of high32 (what its second field buys)
 *    and maxgap on churn (no binding limit) stay logarithmic: on average
 *    at most 3*log2(n) + MEAN_C (their searches test more siblings, and
 *    a single allocation may cost more when aligned requests miss);
 *  - maxgap on high32 and gap32 on high40 visit at least a quarter of the
 *    n live ranges per allocation on average: the O(n) degradation the
 *    review describes, where the huge gaps above the limit defeat pruning;
 *    maxgap on aligned at least an eighth (one band of holes long enough
 *    but without an aligned slot, walked gap by gap), classic on peng
 *    too (its walk from the cached node to the one hole), and classic on
 *    field32 a sixteenth (the 32-bit walks that end in a failure);
 *  - maxgap on churn stays logarithmic (its limit never binds).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/parse.h"
#include "iovalab/scenario.h"
#include "near_miss.h"

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

/* Request classes: how the search can prune them. */
enum rclass { RC_UNALIGNED, RC_POW2, RC_NPOW2, RC_NR };

static const char *const rclass_name[RC_NR] = { "unaligned", "pow2", "npow2" };

struct result {
	double mean;
	uint64_t max;
	uint64_t cls_n[RC_NR];
	uint64_t cls_total[RC_NR];
	uint64_t cls_max[RC_NR];
	/* npow2 allocations over the plain bound: the worst
	 * visits / (1 + near misses), and the near misses seen */
	double npow2_worst_ratio;
	uint64_t npow2_over, npow2_near_max;
	uint64_t allocs;
};

static enum rclass classify(const struct iova_scen_req *req)
{
	if (req->size == 1 || !req->size_aligned)
		return RC_UNALIGNED;
	return (req->size & (req->size - 1)) ? RC_NPOW2 : RC_POW2;
}

static struct result measure(enum iova_alg alg, enum iova_scenario sc,
			     unsigned long live, uint64_t allocs,
			     double plain_bound)
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
		enum rclass rc;

		iova_scen_next(s, &req);
		v = alloc_iova(d, req.size, req.limit_pfn, req.size_aligned);
		iova_domain_stats(d, &st);
		total += st.visited_last;
		if (st.visited_last > res.max)
			res.max = st.visited_last;
		rc = classify(&req);
		res.cls_n[rc]++;
		res.cls_total[rc] += st.visited_last;
		if (st.visited_last > res.cls_max[rc])
			res.cls_max[rc] = st.visited_last;
		if (rc == RC_NPOW2 && plain_bound > 0 &&
		    (double)st.visited_last > plain_bound) {
			struct iova_range g = { v ? v->pfn_lo : 0,
						v ? v->pfn_hi : 0 };
			uint64_t r = near_misses(d, req.size, req.limit_pfn,
						 v ? &g : NULL);
			double ratio =
				(double)st.visited_last / (double)(1 + r);

			res.npow2_over++;
			if (r > res.npow2_near_max)
				res.npow2_near_max = r;
			if (ratio > res.npow2_worst_ratio)
				res.npow2_worst_ratio = ratio;
		}
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
	printf("%-8s %-7s n=%-8lu mean %10.1f max %8llu", iova_alg_name(alg),
	       iova_scenario_name(sc), live, r->mean,
	       (unsigned long long)r->max);
	for (int c = 0; c < RC_NR; c++)
		if (r->cls_n[c])
			printf(" | %s %llu: mean %.1f max %llu", rclass_name[c],
			       (unsigned long long)r->cls_n[c],
			       (double)r->cls_total[c] / (double)r->cls_n[c],
			       (unsigned long long)r->cls_max[c]);
	if (r->npow2_over)
		printf(" | npow2 over the plain bound: %llu, near misses <= "
		       "%llu, worst visits/(1+R) %.1f",
		       (unsigned long long)r->npow2_over,
		       (unsigned long long)r->npow2_near_max,
		       r->npow2_worst_ratio);
	printf("  %s\n", verdict);
}

static void fail_if(bool bad, enum iova_alg alg, enum iova_scenario sc,
		    unsigned long live, const char *what, double got,
		    double bound)
{
	if (!bad)
		return;
	fprintf(stderr,
		"test_complexity: FAIL %s %s n=%lu: %s %.1f nodes visited > "
		"%.1f\n",
		iova_alg_name(alg), iova_scenario_name(sc), live, what, got,
		bound);
	failures++;
}

/*
 * mean <= mean_k * log2(n) + MEAN_C; with max_k (anylimit), also the max of
 * unaligned and power-of-two aligned allocations <= B = max_k * log2(n) +
 * MAX_C, and every other aligned one <= B * (1 + its near misses).
 */
static void expect_log(enum iova_alg alg, enum iova_scenario sc,
		       unsigned long live, uint64_t allocs, int mean_k,
		       int max_k, bool mean_all)
{
	double lg = log2((double)live);
	double mean_bound = mean_k * lg + MEAN_C,
	       max_bound = max_k * lg + MAX_C;
	struct result r = measure(alg, sc, live, allocs, max_k ? max_bound : 0);
	double logmean;
	char verdict[160];
	uint64_t n;

	if (max_k)
		snprintf(verdict, sizeof(verdict),
			 "%smean <= %.1f, unaligned/pow2 max <= %.1f, npow2 "
			 "<= %.1f*(1+R)",
			 mean_all ? "" : "unaligned/pow2 ", mean_bound,
			 max_bound, max_bound);
	else
		snprintf(verdict, sizeof(verdict), "mean <= %.1f", mean_bound);
	report(alg, sc, live, &r, verdict);
	if (mean_all)
		fail_if(r.mean > mean_bound, alg, sc, live, "mean", r.mean,
			mean_bound);
	/* the classes the search prunes exactly, on every layout */
	n = r.cls_n[RC_UNALIGNED] + r.cls_n[RC_POW2];
	logmean =
		n ? (double)(r.cls_total[RC_UNALIGNED] + r.cls_total[RC_POW2]) /
				(double)n :
		    0.0;
	fail_if(logmean > mean_bound, alg, sc, live,
		"unaligned and power-of-two mean", logmean, mean_bound);
	if (!max_k)
		return;
	fail_if((double)r.cls_max[RC_UNALIGNED] > max_bound, alg, sc, live,
		"unaligned max", (double)r.cls_max[RC_UNALIGNED], max_bound);
	fail_if((double)r.cls_max[RC_POW2] > max_bound, alg, sc, live,
		"size-aligned power-of-two max", (double)r.cls_max[RC_POW2],
		max_bound);
	fail_if(r.npow2_worst_ratio > max_bound, alg, sc, live,
		"size-aligned non-power-of-two visits/(1+near misses)",
		r.npow2_worst_ratio, max_bound);
}

static void expect_linear(enum iova_alg alg, enum iova_scenario sc,
			  unsigned long live, uint64_t allocs, unsigned int div)
{
	/* each allocation costs O(n) here: a few dozen show the mean */
	struct result r = measure(alg, sc, live, allocs < 50 ? allocs : 50, 0);
	double floor_ = (double)live / div;
	char verdict[96];

	snprintf(verdict, sizeof(verdict), "mean >= n/%u = %.0f (O(n))", div,
		 floor_);
	report(alg, sc, live, &r, verdict);
	if (r.mean < floor_) {
		fprintf(stderr,
			"test_complexity: FAIL %s %s n=%lu: mean %.1f "
			"nodes visited < n/%u: the degradation the review "
			"describes did not show\n",
			iova_alg_name(alg), iova_scenario_name(sc), live,
			r.mean, div);
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

		/* aligned's requests are half non-powers of two that meet
		 * near misses by design: only its exact classes' mean */
		for (int sc = 0; sc < IOVA_SCEN_NR; sc++)
			expect_log(IOVA_ALG_ANYLIMIT, sc, live, allocs, 2, 3,
				   sc != IOVA_SCEN_ALIGNED);
		expect_log(IOVA_ALG_GAP32, IOVA_SCEN_HIGH32, live, allocs, 3, 0,
			   true);
		expect_log(IOVA_ALG_MAXGAP, IOVA_SCEN_CHURN, live, allocs, 3, 0,
			   true);
		/* a search that prunes by gap length alone walks the bands */
		/* a search that prunes by gap length alone walks a band:
		 * 1/AL_BANDS of the ranges */
		expect_linear(IOVA_ALG_MAXGAP, IOVA_SCEN_ALIGNED, live, allocs,
			      8);
		expect_linear(IOVA_ALG_MAXGAP, IOVA_SCEN_HIGH32, live, allocs,
			      4);
		/* the linear search's rounds in the 2022 patch's harness */
		expect_linear(IOVA_ALG_CLASSIC, IOVA_SCEN_PENG, live, allocs,
			      8);
		/* and its 32-bit walks through a packed low space */
		expect_linear(IOVA_ALG_CLASSIC, IOVA_SCEN_FIELD32, live, allocs,
			      16);
		expect_linear(IOVA_ALG_GAP32, IOVA_SCEN_HIGH40, live, allocs,
			      4);
	}
	free(lives);
	if (failures) {
		fprintf(stderr, "test_complexity: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_complexity: ok\n");
	return 0;
}
