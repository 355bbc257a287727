// SPDX-License-Identifier: MIT
/*
 * Every call the cache makes into its core domain (iovad->tree), each
 * under the tree lock (or its read side): the public tree operations, the
 * prefill, and what the fast path, the flush and the trim need. Nothing
 * here knows about magazines beyond a list of pfns to free.
 */
#include <errno.h>

#include "rcache_internal.h"

unsigned long iovad_alloc_iova(struct iovad *iovad, unsigned long size,
			       unsigned long limit_pfn, bool size_aligned)
{
	struct iova *iova;
	unsigned long pfn = 0;

	tree_lock(iovad);
	iova = alloc_iova(iovad->tree, size, limit_pfn, size_aligned);
	if (iova)
		pfn = iova->pfn_lo;
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
	struct iova *iova;
	unsigned long lo = 0, hi = 0;

	tree_read_lock(iovad);
	if (iovad->lockless_find)
		iova = find_iova_lockless(iovad->tree, pfn);
	else
		iova = find_iova(iovad->tree, pfn);
	if (iova) {
		/*
		 * Atomic because a writer may lower pfn_lo of a linked node
		 * (reserve_iova, a release store); relaxed is enough: the
		 * node was reached through acquire loads, and either value
		 * held during the call is a true answer.
		 */
		lo = __atomic_load_n(&iova->pfn_lo, __ATOMIC_RELAXED);
		hi = __atomic_load_n(&iova->pfn_hi, __ATOMIC_RELAXED);
	}
	tree_read_unlock(iovad);
	if (!iova)
		return false;
	if (pfn_lo)
		*pfn_lo = lo;
	if (pfn_hi)
		*pfn_hi = hi;
	return true;
}

int iovad_reserve_iova(struct iovad *iovad, unsigned long pfn_lo,
		       unsigned long pfn_hi)
{
	struct iova *iova;

	if (pfn_lo > pfn_hi)
		return -EINVAL;
	tree_lock(iovad);
	iova = reserve_iova(iovad->tree, pfn_lo, pfn_hi);
	tree_unlock(iovad);
	return iova ? 0 : -ENOMEM;
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
	struct iova *iova;
	int ret = -EINVAL;

	tree_lock(iovad);
	iova = find_iova(iovad->tree, pfn);
	if (iova && iova->pfn_lo == pfn && iova->pfn_hi - pfn == size - 1)
		ret = free_iova(iovad->tree, pfn);
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
