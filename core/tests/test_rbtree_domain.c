// SPDX-License-Identifier: MIT
/*
 * The allocator core's own self-check (the big differential suite lives in
 * the core-tests files): for every algorithm, random alloc/free/find/
 * reserve sequences on a small domain, with iova_domain_check() after every
 * operation and every result compared with a brute-force model kept as a
 * sorted array of ranges.
 *
 *   anylimit        exactly the model's highest fit; fails only when
 *                   nothing fits
 *   maxgap, gap32   exactly the highest fit, except the modelled
 *                   max32_alloc_size short-cut (set by failed 32-bit
 *                   requests, reset by freeing below dma_32bit_pfn)
 *   classic         every range free, in bounds, aligned
 *
 * Usage: test_rbtree_domain [seed]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/iova.h"
#include "iovalab/prng.h"

#define MAXR 4096

struct range {
	unsigned long lo, hi;
};

struct model {
	struct range r[MAXR];
	int n;
	unsigned long start_pfn, dma32, max32;
	unsigned long max_pfn; /* the domain's last pfn (iova_domain_max_pfn) */
	bool anchor;
};

static long failures;

#define FAIL(...)                             \
	do {                                  \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr);          \
		failures++;                   \
	} while (0)

static int model_find(const struct model *m, unsigned long pfn)
{
	for (int i = 0; i < m->n; i++)
		if (m->r[i].lo <= pfn && pfn <= m->r[i].hi)
			return i;
	return -1;
}

static void model_insert(struct model *m, unsigned long lo, unsigned long hi)
{
	int i = m->n;

	while (i > 0 && m->r[i - 1].lo > lo) {
		m->r[i] = m->r[i - 1];
		i--;
	}
	m->r[i].lo = lo;
	m->r[i].hi = hi;
	m->n++;
}

static void model_remove(struct model *m, int i)
{
	memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof(m->r[0]));
	m->n--;
}

/* Highest aligned slot of @size at or below @limit in free space. */
static bool model_fit(const struct model *m, unsigned long size,
		      unsigned long limit, unsigned long mask,
		      unsigned long *out)
{
	unsigned long top = m->anchor ? ~0UL - 1 : ~0UL;

	/* iova.h: a limit past the last pfn is refused, in every alg */
	if (limit > m->max_pfn)
		return false;
	/* gaps from the top down: above r[i-1], below r[i] */
	for (int i = m->n; i >= 0; i--) {
		unsigned long glo = i ? m->r[i - 1].hi + 1 : 0;
		unsigned long ghi = i < m->n ? m->r[i].lo - 1 : top;
		unsigned long p;

		if (i && m->r[i - 1].hi == ~0UL)
			continue;
		if (i < m->n && m->r[i].lo == 0)
			continue;
		if (glo < m->start_pfn)
			glo = m->start_pfn;
		if (ghi > limit)
			ghi = limit;
		if (ghi < glo || ghi - glo < size - 1)
			continue;
		p = (ghi - (size - 1)) & mask;
		if (p >= glo) {
			*out = p;
			return true;
		}
	}
	return false;
}

/* Kernel reserve_iova on the model; returns the index of the result. */
static void model_reserve(struct model *m, unsigned long lo, unsigned long hi)
{
	for (int i = 0; i < m->n; i++) {
		struct range *r = &m->r[i];

		if (r->hi < lo)
			continue;
		if (r->lo > hi)
			break;
		if (lo < r->lo)
			r->lo = lo;
		if (hi <= r->hi)
			return;
		lo = r->hi + 1;
	}
	model_insert(m, lo, hi);
}

static unsigned long rnd_limit(struct lab_prng *r, const struct model *m)
{
	switch (lab_prng_below(r, 6)) {
	case 0:
		return m->dma32 - 1; /* 32-bit */
	case 1:
		return m->dma32 / 2 - 1 + lab_prng_below(r, 2);
	case 2: /* the last pfn, or past it (refused) */
		return lab_prng_below(r, 2) ?
			       m->max_pfn :
			       m->max_pfn + 1 +
				       lab_prng_below(r, ~0UL - m->max_pfn);
	case 3:
		return m->start_pfn + lab_prng_below(r, 4 * m->dma32);
	default:
		return m->dma32 - 1 + lab_prng_below(r, 3 * m->dma32);
	}
}

static void check_domain(struct iova_domain *d, const char *what,
			 unsigned long op)
{
	char msg[256];

	if (iova_domain_check(d, msg, sizeof(msg))) {
		FAIL("%s: op %lu: check failed: %s",
		     iova_alg_name(iova_domain_alg(d)), op, msg);
		exit(1);
	}
	(void)what;
}

static void run(enum iova_alg alg, uint64_t seed, unsigned long ops)
{
	/* granule 2^24: dma_32bit_pfn = 256, so 4G is close to the bottom */
	const unsigned long granule = 1UL << 24, start_pfn = 3;
	struct iova_domain *d = iova_domain_create(alg, granule, start_pfn);
	static struct model m;
	struct lab_prng r;
	struct iova_stats st;

	if (!d) {
		perror("iova_domain_create");
		exit(1);
	}
	memset(&m, 0, sizeof(m));
	m.start_pfn = start_pfn;
	m.dma32 = iova_domain_dma_32bit_pfn(d);
	m.max32 = m.dma32;
	m.max_pfn = iova_domain_max_pfn(d);
	if (m.max_pfn != ~0UL >> 24)
		FAIL("max_pfn %lu, expected 2^40 - 1", m.max_pfn);
	m.anchor = alg != IOVA_ALG_ANYLIMIT && alg != IOVA_ALG_BTREE;
	if (m.dma32 != 256)
		FAIL("dma_32bit_pfn %lu, expected 256", m.dma32);
	lab_prng_seed(&r, seed);

	for (unsigned long op = 0; op < ops && !failures; op++) {
		unsigned int kind = lab_prng_below(&r, 100);

		if (kind < 50 && m.n < MAXR - 2) {
			unsigned long size = 1 + lab_prng_below(&r, 1) +
					     (lab_prng_below(&r, 4) ?
						      lab_prng_below(&r, 8) :
						      lab_prng_below(&r, 64));
			unsigned long limit = rnd_limit(&r, &m);
			bool aligned = lab_prng_below(&r, 2);
			unsigned long mask = ~0UL, want = 0;
			bool fits, is32 = limit + 1 <= m.dma32 && limit != ~0UL;
			struct iova *iova;

			if (aligned && size > 1)
				mask = ~0UL << (64 - __builtin_clzl(size - 1));
			fits = model_fit(&m, size, limit, mask, &want);
			iova = alloc_iova(d, size, limit, aligned);
			if (alg == IOVA_ALG_MAXGAP || alg == IOVA_ALG_GAP32) {
				if (is32 && size >= m.max32)
					fits = false;
				else if (!fits && is32)
					m.max32 = size;
			}
			if (iova) {
				if (model_find(&m, iova->pfn_lo) >= 0 ||
				    model_find(&m, iova->pfn_hi) >= 0)
					FAIL("alloc [%lu,%lu] overlaps",
					     iova->pfn_lo, iova->pfn_hi);
				for (int i = 0; i < m.n; i++)
					if (m.r[i].lo > iova->pfn_lo &&
					    m.r[i].lo <= iova->pfn_hi)
						FAIL("alloc [%lu,%lu] covers "
						     "a range",
						     iova->pfn_lo,
						     iova->pfn_hi);
				if (iova->pfn_lo < start_pfn ||
				    iova->pfn_hi > limit ||
				    iova->pfn_hi - iova->pfn_lo != size - 1 ||
				    (iova->pfn_lo & ~mask))
					FAIL("alloc(%lu, %lu, %d) -> [%lu,%lu] "
					     "out of bounds",
					     size, limit, aligned, iova->pfn_lo,
					     iova->pfn_hi);
				model_insert(&m, iova->pfn_lo, iova->pfn_hi);
			}
			if (alg != IOVA_ALG_CLASSIC) {
				if (fits != !!iova)
					FAIL("%s: op %lu alloc(%lu, %lu, %d): "
					     "model %s, got %s",
					     iova_alg_name(alg), op, size,
					     limit, aligned,
					     fits ? "fits" : "fails",
					     iova ? "range" : "NULL");
				else if (iova && iova->pfn_lo != want)
					FAIL("%s: op %lu alloc(%lu, %lu, %d): "
					     "model %lu, got %lu",
					     iova_alg_name(alg), op, size,
					     limit, aligned, want,
					     iova->pfn_lo);
			}
		} else if (kind < 85 && m.n) {
			int i = lab_prng_below(&r, m.n);
			unsigned long pfn =
				m.r[i].lo +
				lab_prng_below(&r, m.r[i].hi - m.r[i].lo + 1);

			if (m.r[i].lo < m.dma32)
				m.max32 = m.dma32;
			if (free_iova(d, pfn))
				FAIL("free_iova(%lu) failed", pfn);
			model_remove(&m, i);
		} else if (kind < 93) {
			unsigned long pfn = lab_prng_below(&r, 6 * m.dma32);
			int i = model_find(&m, pfn);
			struct iova *a = find_iova(d, pfn);
			struct iova *b = find_iova_lockless(d, pfn);

			if (a != b)
				FAIL("find_iova and find_iova_lockless differ");
			if ((i < 0) != !a || (a && (a->pfn_lo != m.r[i].lo ||
						    a->pfn_hi != m.r[i].hi)))
				FAIL("find_iova(%lu) disagrees", pfn);
			if (i < 0 && free_iova(d, pfn) != -ENOENT)
				FAIL("free_iova(%lu) of a hole", pfn);
		} else if (m.n < MAXR - 8) {
			unsigned long lo = lab_prng_below(&r, 5 * m.dma32);
			unsigned long hi = lo + lab_prng_below(&r, 24);
			struct iova *iova = reserve_iova(d, lo, hi);

			model_reserve(&m, lo, hi);
			if (!iova || iova->pfn_lo > hi || iova->pfn_hi < hi)
				FAIL("reserve_iova(%lu, %lu) result", lo, hi);
		}
		check_domain(d, "op", op);
		/* the domain's ranges are the model's */
		if (op % 64 == 0 || failures) {
			int i = 0;

			for (struct iova *it = iova_first(d); it;
			     it = iova_next(d, it), i++)
				if (i >= m.n || it->pfn_lo != m.r[i].lo ||
				    it->pfn_hi != m.r[i].hi)
					FAIL("range %d differs from model", i);
			if (i != m.n)
				FAIL("%d ranges, model has %d", i, m.n);
		}
		if (failures) {
			fprintf(stderr, "%s seed %llu: failed at op %lu\n",
				iova_alg_name(alg), (unsigned long long)seed,
				op);
			exit(1);
		}
	}
	iova_domain_stats(d, &st);
	if (st.live != (uint64_t)m.n)
		FAIL("live %llu, model %d", (unsigned long long)st.live, m.n);
	iova_domain_put(d);
}

/* Node sizes are part of the contract the reports rely on. */
static void check_sizes(void)
{
	static const size_t node[] = { 40, 56, 72, 56, 40, 0 };
	static const size_t slab[] = { 64, 64, 128, 64, 64, 0 };

	_Static_assert(sizeof(node) / sizeof(node[0]) == IOVA_ALG_NR,
		       "a size per algorithm");

	for (int a = 0; a < IOVA_ALG_NR; a++) {
		if (iova_node_bytes(a) != node[a] ||
		    iova_slab_bytes(a) != slab[a])
			FAIL("%s: node %zu slab %zu", iova_alg_name(a),
			     iova_node_bytes(a), iova_slab_bytes(a));
		if (iova_alg_parse(iova_alg_name(a)) != a)
			FAIL("iova_alg_parse(%s)", iova_alg_name(a));
	}
	if (iova_alg_parse("nope") != -EINVAL || iova_alg_name(IOVA_ALG_NR))
		FAIL("bad algorithm names accepted");
	errno = 0;
	if (iova_domain_create(IOVA_ALG_CLASSIC, 4096, 0) || errno != EINVAL)
		FAIL("start_pfn 0 accepted");
	if (iova_domain_create(IOVA_ALG_CLASSIC, 3000, 1))
		FAIL("granule 3000 accepted");
	if (iova_domain_create(IOVA_ALG_NR, 4096, 1))
		FAIL("bad algorithm accepted");
}

/*
 * btree-pfn has no struct iova: the struct iova calls refuse it cleanly
 * (NULL, errno EOPNOTSUPP, nothing counted, nothing changed) while
 * free_iova(pfn) and the range API work.
 */
static void check_refusals(void)
{
	struct iova_domain *d = iova_domain_create(IOVA_ALG_BTREE_PFN, 4096, 1);
	struct iova_stats st;
	struct iova_range r;
	unsigned long pfn;

	for (int a = 0; a < IOVA_ALG_NR; a++)
		if (iova_alg_has_iova(a) != (a != IOVA_ALG_BTREE_PFN))
			FAIL("iova_alg_has_iova(%s)", iova_alg_name(a));
	if (iova_alg_has_iova(IOVA_ALG_NR))
		FAIL("iova_alg_has_iova(IOVA_ALG_NR)");
	if (!d || iova_alloc_range(d, 4, 1000, true, &pfn) || pfn != 996) {
		FAIL("btree-pfn: iova_alloc_range");
		return;
	}
	errno = 0;
	if (alloc_iova(d, 1, 1000, false) || errno != EOPNOTSUPP)
		FAIL("btree-pfn: alloc_iova not refused");
	errno = 0;
	if (find_iova(d, 997) || errno != EOPNOTSUPP)
		FAIL("btree-pfn: find_iova not refused");
	errno = 0;
	if (find_iova_lockless(d, 997) || errno != EOPNOTSUPP)
		FAIL("btree-pfn: find_iova_lockless not refused");
	errno = 0;
	if (reserve_iova(d, 10, 20) || errno != EOPNOTSUPP)
		FAIL("btree-pfn: reserve_iova not refused");
	errno = 0;
	if (iova_first(d) || errno != EOPNOTSUPP)
		FAIL("btree-pfn: iova_first not refused");
	iova_domain_stats(d, &st);
	if (st.allocs != 1 || st.alloc_failures || st.reserves || st.live != 1)
		FAIL("btree-pfn: refused calls counted or changed something");
	if (!iova_find_range(d, 997, &r) || r.pfn_lo != 996 || r.pfn_hi != 999)
		FAIL("btree-pfn: iova_find_range");
	if (free_iova(d, 998) || free_iova(d, 998) != -ENOENT ||
	    iova_next_range(d, 0, &r))
		FAIL("btree-pfn: free_iova by pfn");
	iova_domain_put(d);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;

#ifdef IOVALAB_CHECK
	const unsigned long ops = 2500; /* the domain checks itself too */
#else
	const unsigned long ops = 6000;
#endif

	check_sizes();
	check_refusals();
	/* the struct iova calls; btree-pfn: test_diff btree-pfn */
	for (int a = 0; a < IOVA_ALG_NR; a++)
		for (uint64_t s = seed; iova_alg_has_iova(a) && s < seed + 4;
		     s++)
			run(a, s, ops);
	if (failures) {
		fprintf(stderr, "test_rbtree_domain: %ld failures\n", failures);
		return 1;
	}
	printf("test_rbtree_domain: ok\n");
	return 0;
}
