// SPDX-License-Identifier: MIT
/*
 * Every call the cache makes into its core domain (iovad->tree), each
 * under the tree lock (or its read side): the public tree operations, the
 * prefill, and what the fast path, the flush and the trim need. Nothing
 * here knows about magazines beyond a list of pfns to free. All of it goes
 * through the core's range (pfn) API, so every algorithm runs under the
 * cache, btree-pfn (no struct iova) included.
 */
#include <errno.h>

#include "rcache_internal.h"

unsigned long iovad_alloc_iova(struct iovad *iovad, unsigned long size,
			       unsigned long limit_pfn, bool size_aligned)
{
	unsigned long pfn = 0;

	tree_lock(iovad);
	if (iova_alloc_range(iovad->tree, size, limit_pfn, size_aligned, &pfn))
		pfn = 0;
	tree_unlock(iovad);
	return pfn;
}

int iovad_free_iova(struct iovad *iovad, unsigned long pfn)
{
	int ret;

	tree_lock(iovad);
	ret = free_iova(iovad->tree, pfn);
	tree_unlock(iovad);
	return ret;
}

bool iovad_find_iova(struct iovad *iovad, unsigned long pfn,
		     unsigned long *pfn_lo, unsigned long *pfn_hi)
{
	struct iova_range r;
	bool found;

	tree_read_lock(iovad);
	/* the lockless variant reads the pfns atomically (iova.h) */
	if (iovad->lockless_find)
		found = iova_find_range_lockless(iovad->tree, pfn, &r);
	else
		found = iova_find_range(iovad->tree, pfn, &r);
	tree_read_unlock(iovad);
	if (!found)
		return false;
	if (pfn_lo)
		*pfn_lo = r.pfn_lo;
	if (pfn_hi)
		*pfn_hi = r.pfn_hi;
	return true;
}

int iovad_reserve_iova(struct iovad *iovad, unsigned long pfn_lo,
		       unsigned long pfn_hi)
{
	int ret;

	if (pfn_lo > pfn_hi)
		return -EINVAL;
	tree_lock(iovad);
	ret = iova_reserve_range(iovad->tree, pfn_lo, pfn_hi, NULL);
	tree_unlock(iovad);
	return ret;
}

int iovad_prefill(struct iovad *iovad, enum iova_scenario sc,
		  unsigned long live, uint64_t seed)
{
	struct iova_scen *s;
	int err = 0;

	tree_lock(iovad);
	s = iova_scen_create(iovad->tree, sc, live, seed);
	if (!s)
		err = errno ? errno : ENOMEM;
	tree_unlock(iovad);
	iova_scen_destroy(s);
	return -err;
}

/*
 * Check and free under one tree-lock hold: the lockless check in
 * free_iova_fast() can be passed by two concurrent frees of the same range
 * (a double free); only one of them may then free it, the other is refused
 * here.
 */
int tree_free_checked(struct iovad *iovad, unsigned long pfn,
		      unsigned long size)
{
	int ret;

	tree_lock(iovad);
	/* -EINVAL unless [pfn, pfn + size - 1] is exactly a live range */
	ret = iova_free_range(iovad->tree, pfn, size);
	tree_unlock(iovad);
	return ret;
}

/* Give every pfn of @m back to the tree; caller holds the tree lock. */
unsigned long mag_release_pfns(struct iovad *iovad, struct iovad_mag *m,
			       unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		if (free_iova(iovad->tree, m->pfns[i])) {
			/* A cached pfn must be live; only misuse gets here. */
			fprintf(stderr,
				"iovad: cached pfn %#lx is not in the tree\n",
				m->pfns[i]);
			abort();
		}
	}
	return n;
}
