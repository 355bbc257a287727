// SPDX-License-Identifier: MIT
/*
 * The scenario generator's promises (iovalab/scenario.h): a population of
 * exactly the live count, the same tree for every algorithm, a measured
 * stream that keeps the live count, determinism for a given seed, and
 * strict argument checking.
 *
 *   test_scenario LIVE STEPS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/parse.h"
#include "iovalab/scenario.h"

#include "check.h"

struct layout {
	unsigned long *lo, *hi;
	size_t n;
};

static void snapshot(struct iova_domain *d, struct layout *l)
{
	struct iova_stats st;
	struct iova_range v;
	size_t i = 0;

	iova_domain_stats(d, &st);
	l->lo = calloc(st.live + 1, sizeof(*l->lo));
	l->hi = calloc(st.live + 1, sizeof(*l->hi));
	if (!l->lo || !l->hi)
		abort();
	/* the range API: every algorithm, btree-pfn included */
	for (bool ok = iova_next_range(d, 0, &v); ok;
	     ok = v.pfn_hi != ~0UL && iova_next_range(d, v.pfn_hi + 1, &v)) {
		if (i > st.live)
			break;
		l->lo[i] = v.pfn_lo;
		l->hi[i] = v.pfn_hi;
		i++;
	}
	l->n = i;
}

static bool same_layout(const struct layout *a, const struct layout *b)
{
	return a->n == b->n && !memcmp(a->lo, b->lo, a->n * sizeof(*a->lo)) &&
	       !memcmp(a->hi, b->hi, a->n * sizeof(*a->hi));
}

static void free_layout(struct layout *l)
{
	free(l->lo);
	free(l->hi);
}

static unsigned long scen_limit(enum iova_scenario sc)
{
	switch (sc) {
	case IOVA_SCEN_HIGH40:
		return IOVA_SCEN_LIMIT40;
	case IOVA_SCEN_CHURN:
	case IOVA_SCEN_ALIGNED:
		return IOVA_SCEN_LIMIT48;
	default:
		return IOVA_SCEN_LIMIT32;
	}
}

/* Run @steps measured steps; record the pfns handed out (0: failure). */
static void run_stream(enum iova_alg alg, enum iova_scenario sc,
		       unsigned long live, uint64_t seed, unsigned long steps,
		       unsigned long *out, struct layout *pop, bool cold)
{
	struct iova_domain *d =
		iova_domain_create(alg, IOVA_SCEN_GRANULE, IOVA_SCEN_START_PFN);
	struct iova_scen *s;
	struct iova_stats st;

	CHECK(d, "domain create: %s", strerror(errno));
	if (!d)
		exit(1);
	s = cold ? iova_scen_create_cold(d, sc, live, seed) :
		   iova_scen_create(d, sc, live, seed);
	CHECK(s, "%s %s %lu: create: %s", iova_alg_name(alg),
	      iova_scenario_name(sc), live, strerror(errno));
	if (!s)
		exit(1);
	iova_domain_stats(d, &st);
	CHECK(st.live == live, "%s %s: populated %llu ranges, want %lu",
	      iova_alg_name(alg), iova_scenario_name(sc),
	      (unsigned long long)st.live, live);
	CHECK(iova_scen_live(s) == live && iova_scen_domain(s) == d,
	      "accessors");
	if (pop)
		snapshot(d, pop);
	for (unsigned long i = 0; i < steps; i++) {
		struct iova_scen_req req;
		unsigned long pfn = 0;
		bool got;
		int ret;

		iova_scen_next(s, &req);
		CHECK(req.size >= 1 && req.size <= 256, "size %lu", req.size);
		CHECK(req.limit_pfn == scen_limit(sc), "limit %lu",
		      req.limit_pfn);
		got = !iova_alloc_range(d, req.size, req.limit_pfn,
					req.size_aligned, &pfn);
		out[i] = got ? pfn : 0;
		ret = iova_scen_complete_pfn(s, got, pfn);
		CHECK(ret == 0, "complete: %d", ret);
	}
	CHECK(iova_scen_complete(s, NULL) == -EINVAL,
	      "complete without a request must fail");
	iova_domain_stats(d, &st);
	CHECK(st.live == live, "%s %s: %llu live after %lu steps, want %lu",
	      iova_alg_name(alg), iova_scenario_name(sc),
	      (unsigned long long)st.live, steps, live);
	iova_scen_destroy(s);
	iova_domain_put(d);
}

static void test_args(void)
{
	struct iova_domain *d;

	CHECK(iova_scenario_parse("high32") == IOVA_SCEN_HIGH32 &&
		      iova_scenario_parse("churn") == IOVA_SCEN_CHURN &&
		      iova_scenario_parse("nope") == -EINVAL &&
		      iova_scenario_parse(NULL) == -EINVAL,
	      "iova_scenario_parse");
	CHECK(!strcmp(iova_scenario_name(IOVA_SCEN_FULL32), "full32") &&
		      !iova_scenario_name(IOVA_SCEN_NR),
	      "iova_scenario_name");

	d = iova_domain_create(IOVA_ALG_ANYLIMIT, 65536, 1);
	errno = 0;
	CHECK(!iova_scen_create(d, IOVA_SCEN_HIGH32, 1000, 1) &&
		      errno == EINVAL,
	      "wrong granule must be EINVAL");
	iova_domain_put(d);

	d = iova_domain_create(IOVA_ALG_ANYLIMIT, IOVA_SCEN_GRANULE, 1);
	errno = 0;
	CHECK(!iova_scen_create(d, IOVA_SCEN_HIGH32, IOVA_SCEN_MIN_LIVE - 1,
				1) &&
		      errno == EINVAL,
	      "too few live ranges must be EINVAL");
	errno = 0;
	CHECK(!iova_scen_create(d, IOVA_SCEN_NR, 1000, 1) && errno == EINVAL,
	      "bad scenario must be EINVAL");
	errno = 0;
	CHECK(!iova_scen_create(d, IOVA_SCEN_PENG, 1UL << 20, 1) &&
		      errno == ENOSPC,
	      "peng beyond the 32-bit space must be ENOSPC");
	CHECK(alloc_iova(d, 1, IOVA_SCEN_LIMIT32, false), "alloc");
	errno = 0;
	CHECK(!iova_scen_create(d, IOVA_SCEN_HIGH32, 1000, 1) &&
		      errno == EINVAL,
	      "non-empty domain must be EINVAL");
	iova_domain_put(d);
}

int main(int argc, char **argv)
{
	uint64_t live, steps;

	if (argc != 3 || lab_parse_u64(argv[1], &live) ||
	    lab_parse_u64(argv[2], &steps) || live < IOVA_SCEN_MIN_LIVE) {
		fprintf(stderr, "usage: test_scenario LIVE STEPS\n");
		return 2;
	}
	test_args();
	for (int sc = 0; sc < IOVA_SCEN_NR; sc++) {
		unsigned long *a = calloc(steps + 1, sizeof(*a));
		unsigned long *b = calloc(steps + 1, sizeof(*b));
		struct layout ref, other;

		if (!a || !b)
			abort();
		/* the population is the same tree for every algorithm */
		run_stream(IOVA_ALG_ANYLIMIT, sc, live, 7, steps, a, &ref,
			   true);
		for (int alg = 0; alg < IOVA_ALG_NR; alg++) {
			run_stream(alg, sc, live, 7, steps, b, &other, true);
			CHECK(same_layout(&ref, &other),
			      "%s: %s population differs from anylimit's",
			      iova_scenario_name(sc), iova_alg_name(alg));
			/* both B-trees place exactly as anylimit does */
			CHECK((alg != IOVA_ALG_BTREE &&
			       alg != IOVA_ALG_BTREE_PFN) ||
				      !memcmp(a, b, steps * sizeof(*a)),
			      "%s: %s placements differ from anylimit's",
			      iova_scenario_name(sc), iova_alg_name(alg));
			free_layout(&other);
		}
		/* same seed, same answers; another seed, another tree */
		run_stream(IOVA_ALG_CLASSIC, sc, live, 7, steps, a, NULL,
			   false);
		run_stream(IOVA_ALG_CLASSIC, sc, live, 7, steps, b, NULL,
			   false);
		CHECK(!memcmp(a, b, steps * sizeof(*a)),
		      "%s: the stream is not deterministic",
		      iova_scenario_name(sc));
		/* peng's fill is the harness's, the same for every seed */
		run_stream(IOVA_ALG_ANYLIMIT, sc, live, 8, steps, b, &other,
			   true);
		CHECK(sc == IOVA_SCEN_PENG || !same_layout(&ref, &other),
		      "%s: seeds 7 and 8 gave the same tree",
		      iova_scenario_name(sc));
		free_layout(&other);
		free_layout(&ref);
		free(a);
		free(b);
	}
	if (failures)
		return 1;
	printf("test_scenario: %d scenarios x %d algorithms at %llu live "
	       "ranges, %llu steps: ok\n",
	       IOVA_SCEN_NR, IOVA_ALG_NR, (unsigned long long)live,
	       (unsigned long long)steps);
	return 0;
}
