// SPDX-License-Identifier: MIT
/*
 * Randomised differential test of one search algorithm against the
 * brute-force reference models (ref_model.h).
 *
 *   test_diff ALG SEEDS OPS [FIRST_SEED]
 *
 * Runs SEEDS independent domains (seeds FIRST_SEED, FIRST_SEED+1, ...) of
 * OPS operations each: allocations under 32-bit, 33-56-bit, 64-bit and
 * arbitrary limits with mixed sizes and alignment (and rarely a limit
 * below start_pfn or size 0), frees (hits and misses), finds and reserves
 * (some below start_pfn), on granules from 4 KiB (2^20 pfns below
 * 4 GiB) to 1 GiB (4 pfns), so both sparse and full spaces occur.
 *
 * Asserts: every returned range is free, inside [start_pfn, limit] and
 * aligned; maxgap, gap32 and anylimit return exactly the highest fit;
 * classic returns exactly what the kernel-walk model returns; a failure
 * happens only when nothing fits, or (classic, maxgap, gap32) when the
 * model's own max32_alloc_size state says the short-cut fires; anylimit
 * never fails while something fits. Finds, frees and reserves agree with
 * the model; the whole range set is compared after every reserve and
 * periodically, with the domain's invariant checker.
 *
 * A failure prints the seed and the operation number; rerun with
 * "test_diff ALG 1 OPS SEED" to reproduce it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/iova.h"
#include "iovalab/parse.h"
#include "iovalab/prng.h"
#include "ref_model.h"

struct run {
	enum iova_alg alg;
	uint64_t seed;
	uint64_t op;
	struct iova_domain *d;
	struct ref_model ref; /* maxgap, gap32, anylimit */
	struct classic_model cm; /* classic */
	struct ref_model *m; /* the layout: &ref or &cm.m */
	unsigned long shift;
	struct lab_prng r;
	/* what happened, for the summary */
	uint64_t allocs, fails, shortcuts, frees, misses, finds, reserves;
};

static void fail(struct run *t, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "test_diff: FAIL alg=%s seed=%llu op=%llu: ",
		iova_alg_name(t->alg), (unsigned long long)t->seed,
		(unsigned long long)t->op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  reproduce: test_diff %s 1 %llu %llu\n",
		iova_alg_name(t->alg), (unsigned long long)t->op + 1,
		(unsigned long long)t->seed);
	exit(1);
}

static bool is_anchor(const struct ref_range *r)
{
	return r->lo == ~0UL;
}

/* Model ranges the domain must show (classic's anchor excluded). */
static size_t model_live(const struct run *t)
{
	return t->alg == IOVA_ALG_CLASSIC ? t->m->n - 1 : t->m->n;
}

static void compare_all(struct run *t, const char *when)
{
	struct iova_stats st;
	struct iova *v;
	size_t i = 0;
	char msg[256];

	for (v = iova_first(t->d); v; v = iova_next(t->d, v)) {
		while (i < t->m->n && is_anchor(&t->m->r[i]))
			i++;
		if (i >= t->m->n)
			fail(t, "%s: domain has extra range [%lu, %lu]", when,
			     v->pfn_lo, v->pfn_hi);
		if (v->pfn_lo != t->m->r[i].lo || v->pfn_hi != t->m->r[i].hi)
			fail(t, "%s: domain range [%lu, %lu], model [%lu, %lu]",
			     when, v->pfn_lo, v->pfn_hi, t->m->r[i].lo,
			     t->m->r[i].hi);
		i++;
	}
	while (i < t->m->n && is_anchor(&t->m->r[i]))
		i++;
	if (i != t->m->n)
		fail(t, "%s: domain lacks model range [%lu, %lu]", when,
		     t->m->r[i].lo, t->m->r[i].hi);
	iova_domain_stats(t->d, &st);
	if (st.live != model_live(t))
		fail(t, "%s: stats.live %llu, model %zu", when,
		     (unsigned long long)st.live, model_live(t));
	if (iova_domain_check(t->d, msg, sizeof(msg)))
		fail(t, "%s: invariant checker: %s", when, msg);
}

static unsigned long pick_limit(struct run *t)
{
	unsigned long dma32 = t->m->dma_32bit_pfn;
	unsigned int bits;

	switch (lab_prng_below(&t->r, 20)) {
	case 0 ... 6: /* 32-bit device */
		return dma32 - 1;
	case 7 ... 12: /* 33 to 56-bit devices */
		bits = 33 + (unsigned int)lab_prng_below(&t->r, 24);
		return (1UL << (bits - t->shift)) - 1;
	case 13 ... 14: /* 64-bit device */
		return (1UL << (64 - t->shift)) - 1;
	case 15 ... 17: /* arbitrary limit anywhere near the low space */
		return lab_prng_range(&t->r, t->m->start_pfn, 4 * dma32);
	default: /* arbitrary limit inside the 32-bit space */
		return lab_prng_range(&t->r, t->m->start_pfn, dma32 - 1);
	}
}

static unsigned long pick_size(struct run *t)
{
	unsigned long dma32 = t->m->dma_32bit_pfn;
	unsigned long big = dma32 / 4 ? dma32 / 4 : 1;

	switch (lab_prng_below(&t->r, 10)) {
	case 0 ... 3:
		return 1;
	case 4 ... 6:
		return lab_prng_range(&t->r, 2, 8);
	case 7 ... 8:
		return lab_prng_range(&t->r, 9, 64);
	default:
		return lab_prng_range(&t->r, 1, big);
	}
}

static void do_alloc_sized(struct run *t, unsigned long size,
			   unsigned long limit);

static void do_alloc(struct run *t)
{
	unsigned long size = pick_size(t), limit = pick_limit(t);

	/* rare edge cases: a limit below start_pfn, size 0 */
	if (lab_prng_below(&t->r, 100) == 0)
		limit = lab_prng_below(&t->r, t->m->start_pfn);
	if (lab_prng_below(&t->r, 200) == 0) {
		t->allocs++;
		t->fails++;
		/* fails before any search: no state changes, no model call */
		if (alloc_iova(t->d, 0, limit, lab_prng_below(&t->r, 2)))
			fail(t, "alloc of size 0 below %lu succeeded", limit);
		return;
	}
	do_alloc_sized(t, size, limit);
}

static void do_alloc_sized(struct run *t, unsigned long size,
			   unsigned long limit)
{
	bool aligned = lab_prng_below(&t->r, 2);
	unsigned long fit, want = 0, amask = ref_align_mask(size, aligned);
	bool fits, want_ok, shortcut = false;
	struct iova *v;

	fits = ref_highest_fit(t->m, size, limit, aligned, &fit);
	v = alloc_iova(t->d, size, limit, aligned);
	t->allocs++;
	if (v) {
		unsigned long lo = v->pfn_lo, hi = v->pfn_hi;

		if (hi < lo || hi - lo + 1 != size)
			fail(t,
			     "alloc %lu below %lu%s: range [%lu, %lu] has "
			     "the wrong size",
			     size, limit, aligned ? " A" : "", lo, hi);
		if (lo < t->m->start_pfn || hi > limit)
			fail(t,
			     "alloc %lu below %lu%s: [%lu, %lu] out of "
			     "bounds (start_pfn %lu)",
			     size, limit, aligned ? " A" : "", lo, hi,
			     t->m->start_pfn);
		if (lo & amask)
			fail(t, "alloc %lu below %lu A: %lu not aligned", size,
			     limit, lo);
		if (!ref_is_free(t->m, lo, hi))
			fail(t,
			     "alloc %lu below %lu%s: [%lu, %lu] overlaps a "
			     "live range",
			     size, limit, aligned ? " A" : "", lo, hi);
	} else {
		t->fails++;
	}
	switch (t->alg) {
	case IOVA_ALG_CLASSIC:
		want_ok = classic_alloc(&t->cm, size, limit, aligned, &want,
					&shortcut);
		/* the model is independent of the highest-fit model: a
		 * walk failure must also mean that nothing fits */
		if (!want_ok && !shortcut && fits)
			fail(t,
			     "classic model failed %lu below %lu%s while "
			     "%lu fits (model bug)",
			     size, limit, aligned ? " A" : "", fit);
		break;
	case IOVA_ALG_ANYLIMIT:
	case IOVA_ALG_BTREE:
		want_ok = fits;
		want = fit;
		if (want_ok)
			ref_insert(t->m, want, want + size - 1);
		break;
	default:
		want_ok = ref_alloc_series(t->m, size, limit, aligned, &want,
					   &shortcut);
		break;
	}
	if (shortcut)
		t->shortcuts++;
	if (!v && want_ok)
		fail(t,
		     "alloc %lu below %lu%s failed; model places it at "
		     "%lu (highest fit %s%lu)",
		     size, limit, aligned ? " A" : "", want,
		     fits ? "" : "none ", fits ? fit : 0);
	if (v && !want_ok)
		fail(t,
		     "alloc %lu below %lu%s returned %lu; model fails "
		     "(%s)",
		     size, limit, aligned ? " A" : "", v->pfn_lo,
		     shortcut ? "max32_alloc_size short-cut" : "nothing fits");
	if (v && v->pfn_lo != want)
		fail(t,
		     "alloc %lu below %lu%s returned %lu; model says %lu "
		     "(highest fit %lu)",
		     size, limit, aligned ? " A" : "", v->pfn_lo, want, fit);
}

/* A random live range's index in the model, anchor excluded; -1: none. */
static long pick_live(struct run *t)
{
	size_t n = model_live(t);

	if (!n)
		return -1;
	/* classic's anchor is the last element: indexes below n skip it */
	return (long)lab_prng_below(&t->r, n);
}

static unsigned long pick_pfn(struct run *t)
{
	long i = pick_live(t);

	if (i >= 0 && lab_prng_below(&t->r, 4)) {
		const struct ref_range *rr = &t->m->r[i];

		return lab_prng_range(&t->r, rr->lo, rr->hi);
	}
	return lab_prng_range(&t->r, 0, 2 * t->m->dma_32bit_pfn);
}

static void do_free(struct run *t)
{
	unsigned long pfn = pick_pfn(t);
	bool want, got;

	if (t->alg == IOVA_ALG_CLASSIC)
		want = classic_free(&t->cm, pfn);
	else
		want = ref_free(t->m, pfn);
	if (lab_prng_below(&t->r, 4) == 0) {
		struct iova *v = find_iova(t->d, pfn);

		got = v != NULL;
		if (v)
			__free_iova(t->d, v);
	} else {
		int ret = free_iova(t->d, pfn);

		if (ret && ret != -ENOENT)
			fail(t, "free_iova(%lu) returned %d", pfn, ret);
		got = ret == 0;
	}
	if (got != want)
		fail(t, "free of pfn %lu: domain %s, model %s", pfn,
		     got ? "freed" : "missing", want ? "freed" : "missing");
	if (got)
		t->frees++;
	else
		t->misses++;
}

static void do_find(struct run *t)
{
	unsigned long pfn = pick_pfn(t);
	long i = ref_find(t->m, pfn);
	struct iova *v = find_iova(t->d, pfn);
	struct iova *w = find_iova_lockless(t->d, pfn);

	t->finds++;
	if (i >= 0 && is_anchor(&t->m->r[i]))
		return;
	if (v != w)
		fail(t, "find_iova(%lu) and find_iova_lockless disagree", pfn);
	if (!v && i < 0)
		return;
	if (!v || i < 0)
		fail(t, "find %lu: domain %s, model %s", pfn,
		     v ? "found" : "none", i >= 0 ? "found" : "none");
	if (v->pfn_lo != t->m->r[i].lo || v->pfn_hi != t->m->r[i].hi)
		fail(t, "find %lu: domain [%lu, %lu], model [%lu, %lu]", pfn,
		     v->pfn_lo, v->pfn_hi, t->m->r[i].lo, t->m->r[i].hi);
}

static void do_reserve(struct run *t)
{
	unsigned long lo = pick_pfn(t), len, hi;
	struct iova *v;
	bool want;

	/* reservations below start_pfn are legal (the kernel's PCI holes
	 * can lie there); 1 in 6 goes there */
	if (lab_prng_below(&t->r, 6) == 0)
		lo = lab_prng_below(&t->r, t->m->start_pfn);
	else if (lo < t->m->start_pfn)
		lo = t->m->start_pfn;
	len = lab_prng_below(&t->r, 3) ? lab_prng_range(&t->r, 1, 8) :
					 lab_prng_range(&t->r, 1, 4096);
	hi = lo + len - 1;
	if (t->alg == IOVA_ALG_CLASSIC)
		want = classic_reserve(&t->cm, lo, hi);
	else
		want = ref_reserve(t->m, lo, hi);
	v = reserve_iova(t->d, lo, hi);
	if (!v != !want)
		fail(t, "reserve [%lu, %lu]: domain %s, model %s", lo, hi,
		     v ? "ok" : "fail", want ? "ok" : "fail");
	/* the kernel returns the range it finished in: it holds hi */
	if (v && (v->pfn_lo > hi || v->pfn_hi < hi))
		fail(t,
		     "reserve [%lu, %lu] returned [%lu, %lu], which does "
		     "not hold %lu",
		     lo, hi, v->pfn_lo, v->pfn_hi, hi);
	t->reserves++;
	compare_all(t, "after reserve");
}

static void run_seed(enum iova_alg alg, uint64_t seed, uint64_t ops,
		     struct run *tot)
{
	static const unsigned long shifts[] = { 12, 20, 26, 30 };
	struct run t = { .alg = alg, .seed = seed };
	unsigned long granule, start, target;
	uint64_t check_every;

	lab_prng_seed(&t.r, seed);
	t.shift = shifts[lab_prng_below(&t.r, 4)];
	granule = 1UL << t.shift;
	/* start_pfn anywhere in the lower half of the 32-bit space */
	start = lab_prng_range(&t.r, 1, (1UL << (32 - t.shift)) / 2);
	if (lab_prng_below(&t.r, 2))
		start = 1;
	target = lab_prng_range(&t.r, 8, 600);
	t.d = iova_domain_create(alg, granule, start);
	if (!t.d)
		fail(&t, "iova_domain_create(%lu, %lu): %s", granule, start,
		     strerror(errno));
	if (alg == IOVA_ALG_CLASSIC) {
		classic_init(&t.cm, granule, start);
		t.m = &t.cm.m;
	} else {
		ref_init(&t.ref, granule, start);
		t.m = &t.ref;
	}
	check_every = 64 + target;
	for (t.op = 0; t.op < ops; t.op++) {
		uint64_t x = lab_prng_below(&t.r, 100);
		bool grow = model_live(&t) < target;

		if (x < (grow ? 60u : 40u))
			do_alloc(&t);
		else if (x < 92)
			do_free(&t);
		else if (x < 99)
			do_find(&t);
		else
			do_reserve(&t);
		if (t.op % check_every == 0)
			compare_all(&t, "periodic check");
	}
	compare_all(&t, "final check");
	iova_domain_put(t.d);
	if (alg == IOVA_ALG_CLASSIC)
		classic_destroy(&t.cm);
	else
		ref_destroy(&t.ref);
	tot->allocs += t.allocs;
	tot->fails += t.fails;
	tot->shortcuts += t.shortcuts;
	tot->frees += t.frees;
	tot->misses += t.misses;
	tot->finds += t.finds;
	tot->reserves += t.reserves;
}

int main(int argc, char **argv)
{
	uint64_t seeds, ops, first = 1;
	struct run tot = { 0 };
	int alg;

	if (argc < 4 || argc > 5 || (alg = iova_alg_parse(argv[1])) < 0 ||
	    lab_parse_u64(argv[2], &seeds) || lab_parse_u64(argv[3], &ops) ||
	    (argc == 5 && lab_parse_u64(argv[4], &first))) {
		fprintf(stderr,
			"usage: test_diff ALG SEEDS OPS [FIRST_SEED]\n");
		return 2;
	}
	for (uint64_t s = 0; s < seeds; s++)
		run_seed((enum iova_alg)alg, first + s, ops, &tot);
	printf("test_diff %s: %llu seeds x %llu ops: %llu allocs (%llu "
	       "failed, %llu by max32 short-cut), %llu frees, %llu missed "
	       "frees, %llu finds, %llu reserves: all agree with the model\n",
	       argv[1], (unsigned long long)seeds, (unsigned long long)ops,
	       (unsigned long long)tot.allocs, (unsigned long long)tot.fails,
	       (unsigned long long)tot.shortcuts, (unsigned long long)tot.frees,
	       (unsigned long long)tot.misses, (unsigned long long)tot.finds,
	       (unsigned long long)tot.reserves);
	return 0;
}
