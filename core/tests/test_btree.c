// SPDX-License-Identifier: MIT
/*
 * B-tree-specific tests (core/src/iova_btree.c), for btree and for
 * btree-pfn (the same file built with the ranges inline), through the
 * range API, which both implement (a thin wrapper for btree); the
 * differential test (test_diff btree, test_diff btree-pfn) and the
 * lockless/seqcount tests cover them with the other algorithms.
 *
 *   test_btree ALG LIVE_LIST ALLOCS
 *
 * 1. Visit counts (deterministic): on every scenario, nodes visited per
 *    allocation stay within the B-tree's height bound: with at least
 *    BT_MIN = 5 entries per non-root node (256-byte nodes; btree-pfn's
 *    leaves hold at least 7) the height is
 *    at most h = ceil(log5(n)) + 1, an unaligned or size-aligned
 *    power-of-two search reads at most the path down and one subtree (2h
 *    nodes: the per-child aligned-block order prunes exactly), and cache
 *    lines read are at most 4 per visit (a node is four lines). Other
 *    size-aligned sizes may enter subtrees whose gaps are near misses
 *    (near_miss.h), each costing at most one more descent: at most
 *    2h (1 + R) visits with R the near misses above the answer. The mean,
 *    every request included, is at most 2h on every scenario.
 * 2. Memory failure on insert: with every node allocation failing once
 *    (fault injection, LAB_FAULT_NODE walked over every allocation an
 *    operation makes), iova_alloc_range and iova_reserve_range either
 *    succeed or return -ENOMEM with the tree exactly as before, and the
 *    checker passes.
 * 3. Erase never allocates: frees that merge and rebalance nodes make no
 *    node allocation at all (counted at the armed fault site), lose no
 *    other range, and leave the tree valid; the tree-node counters agree.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/fault.h"
#include "iovalab/parse.h"
#include "iovalab/prng.h"
#include "iovalab/scenario.h"
#include "near_miss.h"

static int failures;
static enum iova_alg alg;

#define FAIL(...)                                      \
	do {                                           \
		fprintf(stderr, "test_btree: FAIL: "); \
		fprintf(stderr, __VA_ARGS__);          \
		fprintf(stderr, "\n");                 \
		failures++;                            \
	} while (0)

static void check(struct iova_domain *d, const char *what)
{
	char msg[256];

	if (iova_domain_check(d, msg, sizeof(msg)))
		FAIL("%s: %s", what, msg);
}

static void visits(enum iova_scenario sc, unsigned long live, uint64_t allocs)
{
	struct iova_domain *d =
		iova_domain_create(alg, IOVA_SCEN_GRANULE, IOVA_SCEN_START_PFN);
	struct iova_scen *s;
	uint64_t total = 0, max_exact = 0, lines = 0, npow2_over = 0;
	double h = ceil(log((double)live) / log(5.0)) + 1, worst = 0;

	if (!d || !(s = iova_scen_create(d, sc, live, 1))) {
		fprintf(stderr, "test_btree: setup: %s\n", strerror(errno));
		exit(1);
	}
	for (uint64_t i = 0; i < allocs; i++) {
		struct iova_scen_req req;
		struct iova_stats st0, st;
		unsigned long pfn = 0;
		bool got, exact;

		iova_scen_next(s, &req);
		/* unaligned and size-aligned powers of two prune exactly */
		exact = req.size == 1 || !req.size_aligned ||
			!(req.size & (req.size - 1));
		iova_domain_stats(d, &st0);
		got = !iova_alloc_range(d, req.size, req.limit_pfn,
					req.size_aligned, &pfn);
		iova_domain_stats(d, &st);
		total += st.visited_last;
		lines += st.lines_total - st0.lines_total;
		if (exact && st.visited_last > max_exact)
			max_exact = st.visited_last;
		if (!exact && (double)st.visited_last > 2 * h) {
			/* each near miss costs at most one more descent */
			struct iova_range g = { pfn, pfn + req.size - 1 };
			uint64_t r = near_misses(d, req.size, req.limit_pfn,
						 got ? &g : NULL);
			double ratio =
				(double)st.visited_last / (double)(1 + r);

			npow2_over++;
			if (ratio > worst)
				worst = ratio;
		}
		if (st.lines_total - st0.lines_total > 4 * st.visited_last ||
		    st.lines_total - st0.lines_total < st.visited_last)
			FAIL("%s n=%lu: %llu lines for %llu visits",
			     iova_scenario_name(sc), live,
			     (unsigned long long)(st.lines_total -
						  st0.lines_total),
			     (unsigned long long)st.visited_last);
		if (iova_scen_complete_pfn(s, got, pfn)) {
			FAIL("victim free failed");
			break;
		}
	}
	printf("%s %-7s n=%-8lu mean %5.1f exact max %3llu "
	       "lines/alloc %5.1f  npow2 over 2h %llu, worst visits/(1+R) "
	       "%.1f  (2h = %.0f)\n",
	       iova_alg_name(alg), iova_scenario_name(sc), live,
	       (double)total / allocs, (unsigned long long)max_exact,
	       (double)lines / allocs, (unsigned long long)npow2_over, worst,
	       2 * h);
	if ((double)max_exact > 2 * h)
		FAIL("%s n=%lu: unaligned/power-of-two max %llu > 2h = %.0f",
		     iova_scenario_name(sc), live,
		     (unsigned long long)max_exact, 2 * h);
	if (worst > 2 * h)
		FAIL("%s n=%lu: size-aligned non-power-of-two visits/(1+near "
		     "misses) %.1f > 2h = %.0f",
		     iova_scenario_name(sc), live, worst, 2 * h);
	/* the mean includes every size-aligned request, on every scenario
	 * (`aligned` too: the per-child aligned-block order prunes it) */
	if ((double)total / allocs > 2 * h)
		FAIL("%s n=%lu: mean %.1f > 2h = %.0f", iova_scenario_name(sc),
		     live, (double)total / allocs, 2 * h);
	iova_scen_destroy(s);
	iova_domain_put(d);
}

/* The ranges in order, as a list of pfn pairs; returns how many. */
static size_t snapshot(struct iova_domain *d, unsigned long *out, size_t cap)
{
	struct iova_range v;
	size_t n = 0;

	for (bool ok = iova_next_range(d, 0, &v); ok;
	     ok = v.pfn_hi != ~0UL && iova_next_range(d, v.pfn_hi + 1, &v)) {
		if (n + 2 > cap) {
			fprintf(stderr, "test_btree: snapshot too small\n");
			exit(1);
		}
		out[n++] = v.pfn_lo;
		out[n++] = v.pfn_hi;
	}
	return n;
}

#define SNAP (2 * 8192)

/*
 * One operation under fault injection, walking the failing allocation over
 * every allocation it makes: each failure must leave the tree as it was.
 */
static void insert_under_faults(struct iova_domain *d, struct lab_prng *r,
				bool reserve)
{
	static unsigned long before[SNAP], after[SNAP];
	size_t nb = snapshot(d, before, SNAP);
	unsigned long lo = lab_prng_below(r, 1UL << 22);
	unsigned long size = 1 + lab_prng_below(r, 16);
	bool aligned = lab_prng_below(r, 2);

	for (uint64_t nth = 1;; nth++) {
		unsigned long pfn;
		int ret;

		lab_fault_arm(1u << LAB_FAULT_NODE, nth);
		if (reserve)
			ret = iova_reserve_range(d, lo, lo + size - 1, NULL);
		else
			ret = iova_alloc_range(d, size, (1UL << 22) - 1,
					       aligned, &pfn);
		if (!lab_fault_fired()) {
			lab_fault_arm(0, 0);
			if (ret)
				FAIL("%s failed without a fault: %d",
				     reserve ? "reserve" : "alloc", ret);
			break;
		}
		lab_fault_arm(0, 0);
		if (ret != -ENOMEM) {
			FAIL("%s returned %d although its allocation %llu "
			     "failed",
			     reserve ? "reserve" : "alloc", ret,
			     (unsigned long long)nth);
			break;
		}
		check(d, "after a failed insert");
		if (snapshot(d, after, SNAP) != nb ||
		    memcmp(before, after, nb * sizeof(*before)))
			FAIL("failed %s (allocation %llu) changed the tree",
			     reserve ? "reserve" : "alloc",
			     (unsigned long long)nth);
	}
	check(d, "after an insert");
}

static void faults(void)
{
	struct iova_domain *d = iova_domain_create(alg, 4096, 1);
	struct iova_range *live = calloc(4096, sizeof(*live));
	struct iova_range v;
	struct lab_prng r;
	struct iova_stats st0, st;
	size_t n = 0;

	if (!d || !live) {
		fprintf(stderr, "test_btree: setup failed\n");
		exit(1);
	}
	lab_prng_seed(&r, 11);
	/* grow through many splits (and node refills) under faults */
	for (int i = 0; i < 3000; i++)
		insert_under_faults(d, &r, i % 8 == 0);
	for (bool ok = iova_next_range(d, 0, &v); ok && n < 4096;
	     ok = iova_next_range(d, v.pfn_hi + 1, &v))
		live[n++] = v;
	/* erase everything in random order, every allocation armed to fail */
	iova_domain_stats(d, &st0);
	lab_fault_arm(1u << LAB_FAULT_NODE, 1);
	while (n) {
		size_t i = lab_prng_below(&r, n);
		unsigned long lo = live[i].pfn_lo;

		if (iova_free_range(d, lo, live[i].pfn_hi - lo + 1))
			FAIL("free of [%lu, %lu] refused", lo, live[i].pfn_hi);
		live[i] = live[--n];
		if (iova_find_range(d, lo, &v))
			FAIL("freed range %lu still found", lo);
		if (n % 64 == 0)
			check(d, "during erase");
	}
	if (lab_fault_counted())
		FAIL("erase made %llu node allocations",
		     (unsigned long long)lab_fault_counted());
	lab_fault_arm(0, 0);
	iova_domain_stats(d, &st);
	check(d, "after erase");
	if (st.live || iova_next_range(d, 0, &v))
		FAIL("%llu ranges left", (unsigned long long)st.live);
	if (st.node_frees == st0.node_frees)
		FAIL("erasing %llu ranges freed no tree node",
		     (unsigned long long)st0.live);
	printf("%s faults: 3000 inserts with every allocation failed once, "
	       "%llu erases with no allocation (%llu tree nodes freed)\n",
	       iova_alg_name(alg), (unsigned long long)st0.live,
	       (unsigned long long)(st.node_frees - st0.node_frees));
	free(live);
	iova_domain_put(d);
}

int main(int argc, char **argv)
{
	uint64_t *lives, allocs;
	int a;
	long n;

	if (argc != 4 || (a = iova_alg_parse(argv[1])) < 0 ||
	    !iova_tree_node_bytes(a) ||
	    (n = lab_parse_u64_list(argv[2], IOVA_SCEN_MIN_LIVE,
				    IOVA_SCEN_MAX_LIVE, 16, &lives)) < 0 ||
	    lab_parse_u64(argv[3], &allocs) || !allocs) {
		fprintf(stderr, "usage: test_btree btree|btree-pfn LIVE_LIST "
				"ALLOCS\n");
		return 2;
	}
	alg = a;
	if (iova_tree_node_bytes(alg) != 256) {
		fprintf(stderr, "test_btree: built for 256-byte nodes\n");
		return 1;
	}
	for (long i = 0; i < n; i++)
		for (int sc = 0; sc < IOVA_SCEN_NR; sc++)
			visits(sc, lives[i], allocs);
	faults();
	free(lives);
	if (failures) {
		fprintf(stderr, "test_btree: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_btree: ok\n");
	return 0;
}
