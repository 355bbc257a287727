// SPDX-License-Identifier: MIT
/*
 * The differential engine (diff_ops.h): what test_diff and the domain
 * fuzzer (core/fuzz/) share. The checks are described in test_diff.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_ops.h"

/* A choice in [0, n): from the input bytes (as few as n needs), or the
 * PRNG. n == 0 returns 0, as lab_prng_below does. */
static uint64_t pick_below(struct diff_run *t, uint64_t n)
{
	uint64_t v = 0;

	if (!t->in)
		return lab_prng_below(&t->r, n);
	if (n <= 1)
		return 0;
	for (uint64_t span = n - 1; span; span >>= 8) {
		if (!t->in_left) {
			t->exhausted = true;
			break;
		}
		v = v << 8 | *t->in++;
		t->in_left--;
	}
	return v % n;
}

/* Uniform in [lo, hi] inclusive; lo <= hi. */
static uint64_t pick_range(struct diff_run *t, uint64_t lo, uint64_t hi)
{
	if (!t->in)
		return lab_prng_range(&t->r, lo, hi);
	if (hi - lo == UINT64_MAX)
		return pick_below(t, UINT64_MAX);
	return lo + pick_below(t, hi - lo + 1);
}

static void fail(struct diff_run *t, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr,
		"diff: FAIL alg=%s seed=%llu op=%llu: ", iova_alg_name(t->alg),
		(unsigned long long)t->seed, (unsigned long long)t->op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (t->abort_on_fail)
		abort();
	fprintf(stderr, "  reproduce: test_diff %s%s 1 %llu %llu\n",
		t->range_api ? "--range " : "", iova_alg_name(t->alg),
		(unsigned long long)t->op + 1, (unsigned long long)t->seed);
	exit(1);
}

static bool is_anchor(const struct ref_range *r)
{
	return r->lo == ~0UL;
}

/* Model ranges the domain must show (classic's anchor excluded). */
static size_t model_live(const struct diff_run *t)
{
	return t->alg == IOVA_ALG_CLASSIC ? t->m->n - 1 : t->m->n;
}

/* The domain's first range (@r NULL) or the one after @r, through the
 * API under test. */
static bool dom_next(struct diff_run *t, struct iova **v, struct iova_range *r,
		     bool first)
{
	if (t->range_api) {
		if (first)
			return iova_next_range(t->d, 0, r);
		return r->pfn_hi != ~0UL &&
		       iova_next_range(t->d, r->pfn_hi + 1, r);
	}
	*v = first ? iova_first(t->d) : iova_next(t->d, *v);
	if (!*v)
		return false;
	r->pfn_lo = (*v)->pfn_lo;
	r->pfn_hi = (*v)->pfn_hi;
	return true;
}

/*
 * Range mode keeps a shadow domain of the same algorithm driven through
 * the struct iova calls with the same operations: every counter (visits,
 * lines, allocs, failures, frees, reserves, live, slab objects) must move
 * exactly as there.
 */
static void compare_shadow(struct diff_run *t, const char *what)
{
	struct iova_stats a, b;

	if (!t->shadow)
		return;
	iova_domain_stats(t->d, &a);
	iova_domain_stats(t->shadow, &b);
	if (memcmp(&a, &b, sizeof(a)))
		fail(t,
		     "%s: range API counters differ from the struct iova "
		     "calls' (allocs %llu/%llu failures %llu/%llu frees "
		     "%llu/%llu visited %llu/%llu lines %llu/%llu live "
		     "%llu/%llu objects %llu/%llu)",
		     what, (unsigned long long)a.allocs,
		     (unsigned long long)b.allocs,
		     (unsigned long long)a.alloc_failures,
		     (unsigned long long)b.alloc_failures,
		     (unsigned long long)a.frees, (unsigned long long)b.frees,
		     (unsigned long long)a.visited_total,
		     (unsigned long long)b.visited_total,
		     (unsigned long long)a.lines_total,
		     (unsigned long long)b.lines_total,
		     (unsigned long long)a.live, (unsigned long long)b.live,
		     (unsigned long long)a.slab_objects,
		     (unsigned long long)b.slab_objects);
}

static void compare_all(struct diff_run *t, const char *when)
{
	struct iova_stats st;
	struct iova *v = NULL;
	struct iova_range r;
	size_t i = 0;
	char msg[256];

	for (bool ok = dom_next(t, &v, &r, true); ok;
	     ok = dom_next(t, &v, &r, false)) {
		while (i < t->m->n && is_anchor(&t->m->r[i]))
			i++;
		if (i >= t->m->n)
			fail(t, "%s: domain has extra range [%lu, %lu]", when,
			     r.pfn_lo, r.pfn_hi);
		if (r.pfn_lo != t->m->r[i].lo || r.pfn_hi != t->m->r[i].hi)
			fail(t, "%s: domain range [%lu, %lu], model [%lu, %lu]",
			     when, r.pfn_lo, r.pfn_hi, t->m->r[i].lo,
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
	compare_shadow(t, when);
}

static unsigned long pick_limit(struct diff_run *t)
{
	unsigned long dma32 = t->m->dma_32bit_pfn;
	unsigned int bits;

	switch (pick_below(t, 21)) {
	case 20: /* past the last pfn (hostile trace): refused everywhere */
		return pick_range(t, (~0UL >> t->shift) + 1, ~0UL);
	case 0 ... 6: /* 32-bit device */
		return dma32 - 1;
	case 7 ... 12: /* 33 to 56-bit devices */
		bits = 33 + (unsigned int)pick_below(t, 24);
		return (1UL << (bits - t->shift)) - 1;
	case 13 ... 14: /* 64-bit device */
		return (1UL << (64 - t->shift)) - 1;
	case 15 ... 17: /* arbitrary limit anywhere near the low space */
		return pick_range(t, t->m->start_pfn, 4 * dma32);
	default: /* arbitrary limit inside the 32-bit space */
		return pick_range(t, t->m->start_pfn, dma32 - 1);
	}
}

static unsigned long pick_size(struct diff_run *t)
{
	unsigned long dma32 = t->m->dma_32bit_pfn;
	unsigned long big = dma32 / 4 ? dma32 / 4 : 1;

	switch (pick_below(t, 10)) {
	case 0 ... 3:
		return 1;
	case 4 ... 6:
		return pick_range(t, 2, 8);
	case 7 ... 8:
		return pick_range(t, 9, 64);
	default:
		return pick_range(t, 1, big);
	}
}

static void do_alloc_sized(struct diff_run *t, unsigned long size,
			   unsigned long limit);

static void do_alloc(struct diff_run *t)
{
	unsigned long size = pick_size(t), limit = pick_limit(t);

	/* rare edge cases: a limit below start_pfn, size 0 */
	if (pick_below(t, 100) == 0)
		limit = pick_below(t, t->m->start_pfn);
	if (pick_below(t, 200) == 0) {
		t->allocs++;
		t->fails++;
		/* fails before any search: no state changes, no model call */
		if (t->range_api) {
			bool al = pick_below(t, 2);
			unsigned long pfn;
			int ret = iova_alloc_range(t->d, 0, limit, al, &pfn);

			if (ret != -EINVAL)
				fail(t, "alloc_range of size 0 below %lu: %d",
				     limit, ret);
			if (t->shadow)
				alloc_iova(t->shadow, 0, limit, al);
			compare_shadow(t, "alloc of size 0");
			return;
		}
		if (alloc_iova(t->d, 0, limit, pick_below(t, 2)))
			fail(t, "alloc of size 0 below %lu succeeded", limit);
		return;
	}
	do_alloc_sized(t, size, limit);
}

static void do_alloc_sized(struct diff_run *t, unsigned long size,
			   unsigned long limit)
{
	bool aligned = pick_below(t, 2);
	unsigned long fit, want = 0, amask = ref_align_mask(size, aligned);
	bool fits, want_ok, shortcut = false, got;
	unsigned long lo = 0, hi = 0;
	struct iova *v = NULL;

	fits = ref_highest_fit(t->m, size, limit, aligned, &fit);
	if (t->range_api) {
		int ret = iova_alloc_range(t->d, size, limit, aligned, &lo);
		/* past the last pfn: refused before any search */
		int bad = limit > t->m->max_pfn ? -EINVAL : -ENOSPC;

		got = !ret;
		if (ret && ret != bad)
			fail(t,
			     "alloc_range %lu below %lu%s returned %d, not %d",
			     size, limit, aligned ? " A" : "", ret, bad);
		if (t->shadow) {
			v = alloc_iova(t->shadow, size, limit, aligned);
			if (!v != !got || (v && v->pfn_lo != lo))
				fail(t,
				     "alloc_range %lu below %lu%s: %s %lu, "
				     "alloc_iova %s %lu",
				     size, limit, aligned ? " A" : "",
				     got ? "got" : "failed", lo,
				     v ? "got" : "failed", v ? v->pfn_lo : 0);
		}
		compare_shadow(t, "alloc");
	} else {
		v = alloc_iova(t->d, size, limit, aligned);
		got = v;
		if (v)
			lo = v->pfn_lo;
	}
	t->allocs++;
	if (got) {
		hi = t->range_api ? lo + size - 1 : v->pfn_hi;
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
	case IOVA_ALG_BTREE_PFN:
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
	if (!got && want_ok)
		fail(t,
		     "alloc %lu below %lu%s failed; model places it at "
		     "%lu (highest fit %s%lu)",
		     size, limit, aligned ? " A" : "", want,
		     fits ? "" : "none ", fits ? fit : 0);
	if (got && !want_ok)
		fail(t,
		     "alloc %lu below %lu%s returned %lu; model fails "
		     "(%s)",
		     size, limit, aligned ? " A" : "", lo,
		     shortcut ? "max32_alloc_size short-cut" : "nothing fits");
	if (got && lo != want)
		fail(t,
		     "alloc %lu below %lu%s returned %lu; model says %lu "
		     "(highest fit %lu)",
		     size, limit, aligned ? " A" : "", lo, want, fit);
}

/* A random live range's index in the model, anchor excluded; -1: none. */
static long pick_live(struct diff_run *t)
{
	size_t n = model_live(t);

	if (!n)
		return -1;
	/* classic's anchor is the last element: indexes below n skip it */
	return (long)pick_below(t, n);
}

static unsigned long pick_pfn(struct diff_run *t)
{
	long i = pick_live(t);

	if (i >= 0 && pick_below(t, 4)) {
		const struct ref_range *rr = &t->m->r[i];

		return pick_range(t, rr->lo, rr->hi);
	}
	return pick_range(t, 0, 2 * t->m->dma_32bit_pfn);
}

/*
 * Range mode: free the range holding @pfn by its exact pfns, after
 * (sometimes) a wrong free of it that must be refused; or free_iova(pfn).
 */
static bool free_by_range(struct diff_run *t, unsigned long pfn)
{
	struct iova_range r, again;
	unsigned long size;
	int ret;

	if (pick_below(t, 4) == 0) {
		ret = iova_free_range(t->d, pfn, 0);
		if (ret != -EINVAL)
			fail(t, "free_range(%lu, 0) returned %d", pfn, ret);
		ret = free_iova(t->d, pfn);
		if (ret && ret != -ENOENT)
			fail(t, "free_iova(%lu) returned %d", pfn, ret);
		if (!ret && t->shadow && free_iova(t->shadow, pfn))
			fail(t, "shadow free_iova(%lu) failed", pfn);
		return ret == 0;
	}
	if (!iova_find_range(t->d, pfn, &r)) {
		ret = iova_free_range(t->d, pfn, 1 + pick_below(t, 64));
		if (ret != -EINVAL)
			fail(t, "free_range of missing pfn %lu returned %d",
			     pfn, ret);
		return false;
	}
	size = r.pfn_hi - r.pfn_lo + 1;
	if (pick_below(t, 4) == 0) {
		/* not exactly a live range: refused, nothing changes */
		unsigned long lo = r.pfn_lo, sz = size + 1;

		if (size > 1 && pick_below(t, 2)) {
			lo = r.pfn_lo + 1;
			sz = size - 1;
		} else if (size > 1 && pick_below(t, 2)) {
			sz = size - 1;
		}
		ret = iova_free_range(t->d, lo, sz);
		if (ret != -EINVAL)
			fail(t,
			     "free_range(%lu, %lu) of [%lu, %lu] returned %d",
			     lo, sz, r.pfn_lo, r.pfn_hi, ret);
		if (!iova_find_range(t->d, pfn, &again) ||
		    again.pfn_lo != r.pfn_lo || again.pfn_hi != r.pfn_hi)
			fail(t, "refused free_range changed [%lu, %lu]",
			     r.pfn_lo, r.pfn_hi);
	}
	ret = iova_free_range(t->d, r.pfn_lo, size);
	if (ret)
		fail(t, "free_range(%lu, %lu) returned %d", r.pfn_lo, size,
		     ret);
	if (t->shadow) {
		struct iova *v = find_iova(t->shadow, pfn);

		if (!v)
			fail(t, "shadow lacks pfn %lu", pfn);
		__free_iova(t->shadow, v);
	}
	return true;
}

static void do_free(struct diff_run *t)
{
	unsigned long pfn = pick_pfn(t);
	bool want, got;

	if (t->alg == IOVA_ALG_CLASSIC)
		want = classic_free(&t->cm, pfn);
	else
		want = ref_free(t->m, pfn);
	if (t->range_api) {
		got = free_by_range(t, pfn);
		compare_shadow(t, "free");
	} else if (pick_below(t, 4) == 0) {
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

static void do_find(struct diff_run *t)
{
	unsigned long pfn = pick_pfn(t);
	long i = ref_find(t->m, pfn);
	struct iova_range r, w;
	bool got, gotw;

	if (t->range_api) {
		got = iova_find_range(t->d, pfn, &r);
		gotw = iova_find_range_lockless(t->d, pfn, &w);
	} else {
		struct iova *v = find_iova(t->d, pfn);
		struct iova *vw = find_iova_lockless(t->d, pfn);

		if (v != vw)
			fail(t,
			     "find_iova(%lu) and find_iova_lockless "
			     "disagree",
			     pfn);
		got = gotw = v;
		if (v) {
			r.pfn_lo = w.pfn_lo = v->pfn_lo;
			r.pfn_hi = w.pfn_hi = v->pfn_hi;
		}
	}
	t->finds++;
	if (i >= 0 && is_anchor(&t->m->r[i]))
		return;
	if (got != gotw ||
	    (got && (r.pfn_lo != w.pfn_lo || r.pfn_hi != w.pfn_hi)))
		fail(t, "find(%lu) and its lockless variant disagree", pfn);
	if (!got && i < 0)
		return;
	if (!got || i < 0)
		fail(t, "find %lu: domain %s, model %s", pfn,
		     got ? "found" : "none", i >= 0 ? "found" : "none");
	if (r.pfn_lo != t->m->r[i].lo || r.pfn_hi != t->m->r[i].hi)
		fail(t, "find %lu: domain [%lu, %lu], model [%lu, %lu]", pfn,
		     r.pfn_lo, r.pfn_hi, t->m->r[i].lo, t->m->r[i].hi);
}

static void do_reserve(struct diff_run *t)
{
	unsigned long lo = pick_pfn(t), len, hi;
	struct iova_range r = { 0, 0 };
	struct iova *v;
	bool want, got;

	/* reservations below start_pfn are legal (the kernel's PCI holes
	 * can lie there); 1 in 6 goes there */
	if (pick_below(t, 6) == 0)
		lo = pick_below(t, t->m->start_pfn);
	else if (lo < t->m->start_pfn)
		lo = t->m->start_pfn;
	len = pick_below(t, 3) ? pick_range(t, 1, 8) : pick_range(t, 1, 4096);
	hi = lo + len - 1;
	/* rarely a range ending past the last pfn: refused everywhere */
	if (pick_below(t, 50) == 0)
		hi = pick_range(t, t->m->max_pfn + 1, ~0UL);
	if (t->alg == IOVA_ALG_CLASSIC)
		want = classic_reserve(&t->cm, lo, hi);
	else
		want = ref_reserve(t->m, lo, hi);
	if (t->range_api) {
		int ret = iova_reserve_range(t->d, lo, hi, &r);

		got = !ret;
		if (ret && ret != -EINVAL)
			fail(t, "reserve_range [%lu, %lu] returned %d", lo, hi,
			     ret);
		if (t->shadow && !reserve_iova(t->shadow, lo, hi) != !got)
			fail(t,
			     "reserve [%lu, %lu]: range API and "
			     "reserve_iova disagree",
			     lo, hi);
	} else {
		v = reserve_iova(t->d, lo, hi);
		got = v;
		if (v) {
			r.pfn_lo = v->pfn_lo;
			r.pfn_hi = v->pfn_hi;
		}
	}
	if (got != want)
		fail(t, "reserve [%lu, %lu]: domain %s, model %s", lo, hi,
		     got ? "ok" : "fail", want ? "ok" : "fail");
	/* the kernel returns the range it finished in: it holds hi */
	if (got && (r.pfn_lo > hi || r.pfn_hi < hi))
		fail(t,
		     "reserve [%lu, %lu] returned [%lu, %lu], which does "
		     "not hold %lu",
		     lo, hi, r.pfn_lo, r.pfn_hi, hi);
	t->reserves++;
	compare_all(t, "after reserve");
}

void diff_begin(struct diff_run *t)
{
	static const unsigned long shifts[] = { 12, 20, 26, 30 };
	unsigned long granule, start;

	t->shift = shifts[pick_below(t, 4)];
	granule = 1UL << t->shift;
	/* start_pfn anywhere in the lower half of the 32-bit space */
	start = pick_range(t, 1, (1UL << (32 - t->shift)) / 2);
	if (pick_below(t, 2))
		start = 1;
	t->target = pick_range(t, 8, 600);
	t->d = iova_domain_create(t->alg, granule, start);
	/* without struct iova (btree-pfn) the range API is the only way */
	if (!iova_alg_has_iova(t->alg))
		t->range_api = true;
	if (!t->d)
		fail(t, "iova_domain_create(%lu, %lu): %s", granule, start,
		     strerror(errno));
	if (t->alg == IOVA_ALG_CLASSIC) {
		classic_init(&t->cm, granule, start);
		t->m = &t->cm.m;
	} else {
		ref_init(&t->ref, granule, start);
		t->m = &t->ref;
	}
	if (!t->check_every)
		t->check_every = 64 + t->target;
	if (t->range_api && iova_alg_has_iova(t->alg)) {
		t->shadow = iova_domain_create(t->alg, granule, start);
		if (!t->shadow)
			fail(t, "shadow iova_domain_create: %s",
			     strerror(errno));
	}
}

void diff_step(struct diff_run *t)
{
	uint64_t x = pick_below(t, 100);
	bool grow = model_live(t) < t->target;

	if (x < (grow ? 60u : 40u))
		do_alloc(t);
	else if (x < 92)
		do_free(t);
	else if (x < 99)
		do_find(t);
	else
		do_reserve(t);
	if (t->op % t->check_every == 0)
		compare_all(t, "periodic check");
	t->op++;
}

void diff_end(struct diff_run *t)
{
	compare_all(t, "final check");
	iova_domain_put(t->d);
	iova_domain_put(t->shadow);
	if (t->alg == IOVA_ALG_CLASSIC)
		classic_destroy(&t->cm);
	else
		ref_destroy(&t->ref);
}
