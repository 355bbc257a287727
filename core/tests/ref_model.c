// SPDX-License-Identifier: MIT
/*
 * Brute-force reference models (see ref_model.h). Written for clarity,
 * not speed: every answer comes from a scan of the sorted range array.
 */
#include <stdlib.h>
#include <string.h>

#include "ref_model.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		abort();
	return p;
}

static unsigned int granule_shift(unsigned long granule)
{
	unsigned int s = 0;

	while ((1UL << s) < granule)
		s++;
	return s;
}

void ref_init(struct ref_model *m, unsigned long granule,
	      unsigned long start_pfn)
{
	memset(m, 0, sizeof(*m));
	m->start_pfn = start_pfn;
	m->dma_32bit_pfn = 1UL << (32 - granule_shift(granule));
	m->max_pfn = ~0UL >> granule_shift(granule);
	m->max32_alloc_size = m->dma_32bit_pfn;
	m->next_id = 1;
}

void ref_destroy(struct ref_model *m)
{
	free(m->r);
	memset(m, 0, sizeof(*m));
}

unsigned long ref_align_mask(unsigned long size, bool size_aligned)
{
	unsigned long pow = 1;

	if (!size_aligned || size <= 1)
		return 0;
	while (pow < size)
		pow <<= 1;
	return pow - 1;
}

bool ref_highest_fit(const struct ref_model *m, unsigned long size,
		     unsigned long limit_pfn, bool size_aligned,
		     unsigned long *pfn)
{
	unsigned long amask = ref_align_mask(size, size_aligned);

	if (!size || limit_pfn < m->start_pfn || limit_pfn > m->max_pfn)
		return false;
	/* gap i lies below range i; gap n lies above the last range */
	for (size_t i = m->n + 1; i-- > 0;) {
		unsigned long gap_lo, gap_hi, top, p;

		if (i < m->n) {
			if (m->r[i].lo == 0)
				continue;
			gap_hi = m->r[i].lo - 1;
		} else {
			gap_hi = ~0UL;
		}
		if (i > 0) {
			if (m->r[i - 1].hi == ~0UL)
				continue;
			gap_lo = m->r[i - 1].hi + 1;
		} else {
			gap_lo = 0;
		}
		if (gap_lo < m->start_pfn)
			gap_lo = m->start_pfn;
		top = gap_hi < limit_pfn ? gap_hi : limit_pfn;
		if (top < gap_lo || top - gap_lo + 1 < size)
			continue;
		p = (top - size + 1) & ~amask;
		if (p >= gap_lo) {
			*pfn = p;
			return true;
		}
	}
	return false;
}

long ref_find(const struct ref_model *m, unsigned long pfn)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].lo <= pfn && pfn <= m->r[i].hi)
			return (long)i;
	return -1;
}

bool ref_is_free(const struct ref_model *m, unsigned long lo, unsigned long hi)
{
	if (lo > hi || lo < m->start_pfn)
		return false;
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].lo <= hi && lo <= m->r[i].hi)
			return false;
	return true;
}

size_t ref_insert(struct ref_model *m, unsigned long lo, unsigned long hi)
{
	size_t i = 0;

	while (i < m->n && m->r[i].lo < lo)
		i++;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->r = xrealloc(m->r, m->cap * sizeof(*m->r));
	}
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(*m->r));
	m->r[i].lo = lo;
	m->r[i].hi = hi;
	m->r[i].id = m->next_id++;
	m->n++;
	return i;
}

void ref_remove(struct ref_model *m, size_t idx)
{
	memmove(&m->r[idx], &m->r[idx + 1], (m->n - idx - 1) * sizeof(*m->r));
	m->n--;
}

bool ref_free(struct ref_model *m, unsigned long pfn)
{
	long i = ref_find(m, pfn);

	if (i < 0)
		return false;
	if (m->r[i].lo < m->dma_32bit_pfn)
		m->max32_alloc_size = m->dma_32bit_pfn;
	ref_remove(m, (size_t)i);
	return true;
}

bool ref_reserve(struct ref_model *m, unsigned long lo, unsigned long hi)
{
	bool overlap = false;

	if (lo > hi || hi > m->max_pfn)
		return false;
	for (size_t i = 0; i < m->n; i++) {
		struct ref_range *r = &m->r[i];

		if (lo <= r->hi && hi >= r->lo) {
			if (lo < r->lo)
				r->lo = lo;
			if (hi > r->hi)
				lo = r->hi + 1;
			if (lo >= r->lo && hi <= r->hi)
				return true;
			overlap = true;
		} else if (overlap) {
			break;
		}
	}
	ref_insert(m, lo, hi);
	return true;
}

bool ref_alloc_series(struct ref_model *m, unsigned long size,
		      unsigned long limit_pfn, bool size_aligned,
		      unsigned long *pfn, bool *shortcut)
{
	bool is_32bit = limit_pfn < m->dma_32bit_pfn;

	*shortcut = false;
	if (is_32bit && size >= m->max32_alloc_size) {
		*shortcut = true;
		return false;
	}
	if (!ref_highest_fit(m, size, limit_pfn, size_aligned, pfn)) {
		if (is_32bit)
			m->max32_alloc_size = size;
		return false;
	}
	ref_insert(m, *pfn, *pfn + size - 1);
	return true;
}

/* ---- classic ---- */

static size_t idx_of(const struct ref_model *m, unsigned long id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].id == id)
			return i;
	abort(); /* a cached id always names a live range */
}

void classic_init(struct classic_model *c, unsigned long granule,
		  unsigned long start_pfn)
{
	size_t a;

	ref_init(&c->m, granule, start_pfn);
	a = ref_insert(&c->m, ~0UL, ~0UL); /* the anchor */
	c->cached_id = c->m.r[a].id;
	c->cached32_id = c->m.r[a].id;
	c->max32_alloc_size = c->m.dma_32bit_pfn;
}

void classic_destroy(struct classic_model *c)
{
	ref_destroy(&c->m);
}

/*
 * Where the retry starts: the lowest range reaching @limit (exclusive
 * limit), or the anchor for limits above the 32-bit boundary. The kernel
 * may start one range higher; the walk then steps down to the same place
 * with the same state, so placements agree.
 */
static long classic_find_limit(const struct classic_model *c,
			       unsigned long limit)
{
	const struct ref_model *m = &c->m;

	if (limit > m->dma_32bit_pfn)
		return (long)m->n - 1;
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].hi >= limit)
			return (long)i;
	return (long)m->n - 1;
}

bool classic_alloc(struct classic_model *c, unsigned long size,
		   unsigned long limit_pfn, bool size_aligned,
		   unsigned long *pfn, bool *shortcut)
{
	struct ref_model *m = &c->m;
	unsigned long limit = limit_pfn + 1; /* exclusive, wraps like C */
	unsigned long mask = ~ref_align_mask(size, size_aligned);
	unsigned long high = limit, low = m->start_pfn, retry_pfn, new_pfn;
	bool retried = false;
	long curr;
	size_t at;

	*shortcut = false;
	/* the domain's API layer refuses these before any search */
	if (limit_pfn > m->max_pfn)
		return false;
	if (limit <= m->dma_32bit_pfn && size >= c->max32_alloc_size) {
		*shortcut = true;
		return false;
	}
	curr = (long)idx_of(m, limit <= m->dma_32bit_pfn ? c->cached32_id :
							   c->cached_id);
	retry_pfn = m->r[curr].hi;
retry:
	/* first fit walking down from curr: the kernel's rb_prev loop */
	do {
		if (m->r[curr].lo < high)
			high = m->r[curr].lo;
		new_pfn = (high - size) & mask;
		curr--;
	} while (curr >= 0 && new_pfn <= m->r[curr].hi && new_pfn >= low);

	if (high < size || new_pfn < low) {
		/*
		 * The kernel tests only low == start_pfn, so a cached node
		 * ending at start_pfn - 1 (a range reserved below start_pfn
		 * whose lower neighbour was freed) would retry forever; like
		 * the core, retry once.
		 */
		if (!retried && low == m->start_pfn && retry_pfn < limit) {
			retried = true;
			high = limit;
			low = retry_pfn + 1;
			curr = classic_find_limit(c, limit);
			goto retry;
		}
		/* the kernel records every failure, whatever the limit */
		c->max32_alloc_size = size;
		return false;
	}
	at = ref_insert(m, new_pfn, new_pfn + size - 1);
	if (m->r[at].hi < m->dma_32bit_pfn)
		c->cached32_id = m->r[at].id;
	else
		c->cached_id = m->r[at].id;
	*pfn = new_pfn;
	return true;
}

bool classic_free(struct classic_model *c, unsigned long pfn)
{
	struct ref_model *m = &c->m;
	long i = ref_find(m, pfn);
	struct ref_range f;
	unsigned long next_id;

	if (i < 0)
		return false;
	f = m->r[i];
	/* the anchor is never freed, so a successor always exists */
	next_id = m->r[i + 1].id;
	if (f.id == c->cached32_id ||
	    (f.hi < m->dma_32bit_pfn &&
	     f.lo >= m->r[idx_of(m, c->cached32_id)].lo))
		c->cached32_id = next_id;
	if (f.lo < m->dma_32bit_pfn)
		c->max32_alloc_size = m->dma_32bit_pfn;
	if (f.lo >= m->r[idx_of(m, c->cached_id)].lo)
		c->cached_id = next_id;
	ref_remove(m, (size_t)i);
	return true;
}

bool classic_reserve(struct classic_model *c, unsigned long lo,
		     unsigned long hi)
{
	/* the kernel's reserve_iova leaves the cached nodes alone */
	return ref_reserve(&c->m, lo, hi);
}
