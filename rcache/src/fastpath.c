// SPDX-License-Identifier: MIT
/*
 * The fast path, alloc_iova_fast() and free_iova_fast(): the calling CPU's
 * loaded and prev magazines of the size class, swapped when one runs dry
 * or fills, and the exchange with the class's depot (take a full magazine
 * on a miss, hand one over when both are full). Everything else goes to
 * the tree (tree.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>

#include "rcache_internal.h"

static struct iovad_cpu *this_cpu(struct iovad *iovad, unsigned int cls)
{
	int cpu = sched_getcpu();
	unsigned int idx;

	/* Only a hint; any slot is correct because the slot is locked. */
	idx = cpu < 0 ? 0 : (unsigned int)cpu;
	if (idx >= iovad->nr_cpus) /* not on the hit path: no division */
		idx %= iovad->nr_cpus;
	return &iovad->cpus[idx * IOVAD_NR_CLASSES + cls];
}

/*
 * Take the highest-indexed pfn <= @limit out of @m, moving the top entry
 * into its place. 0 (never a valid pfn: start_pfn >= 1) when none fits.
 */
static unsigned long mag_pop(struct iovad_mag *m, unsigned long limit)
{
	unsigned long i = m->size;

	while (i > 0) {
		unsigned long pfn = m->pfns[--i];

		if (pfn <= limit) {
			m->pfns[i] = m->pfns[--m->size];
			return pfn;
		}
	}
	return 0;
}

static void swap_mags(struct iovad_cpu *c)
{
	struct iovad_mag *t = c->loaded;

	c->loaded = c->prev;
	c->prev = t;
}

/*
 * A cached range of class @cls whose end lies at or below @limit_pfn, or 0.
 * Kernel rule: only the loaded magazine is searched once something is in
 * it; prev and the depot are tried only when loaded is empty.
 */
static unsigned long rcache_get(struct iovad *iovad, unsigned int cls,
				unsigned long limit_pfn)
{
	struct iovad_cpu *c = this_cpu(iovad, cls);
	struct iovad_class *k = &iovad->cls[cls];
	struct iovad_mag *empty = NULL;
	unsigned long span = (1UL << cls) - 1;
	unsigned long pop_limit = limit_pfn >= span ? limit_pfn - span : 0;
	unsigned long pfn = 0;
	bool have = true;

	cpu_lock(c);
	if (c->loaded->size) {
		/* pop below */
	} else if (c->prev->size) {
		swap_mags(c);
	} else {
		depot_lock(k);
		if (k->depot) {
			struct iovad_mag *m = k->depot;

			k->depot = m->next;
			m->size = iovad->attr.mag_size;
			depot_size_add(k, -1);
			owned_inc(&k->pops);
			empty = c->loaded;
			c->loaded = m;
		} else {
			have = false;
		}
		depot_unlock(k);
	}
	if (have)
		pfn = mag_pop(c->loaded, pop_limit);
	if (pfn)
		owned_inc(&c->hits);
	else
		owned_inc(&c->misses);
	cpu_publish(c);
	cpu_unlock(c);
	mag_free(iovad, empty);
	return pfn;
}

/* true if @pfn went into a magazine of class @cls. */
static bool rcache_insert(struct iovad *iovad, unsigned int cls,
			  unsigned long pfn)
{
	struct iovad_cpu *c = this_cpu(iovad, cls);
	struct iovad_class *k = &iovad->cls[cls];
	unsigned long mag_size = iovad->attr.mag_size;
	bool ok = true, arm = false;

	cpu_lock(c);
	if (c->loaded->size < mag_size) {
		/* room in loaded */
	} else if (c->prev->size < mag_size) {
		swap_mags(c);
	} else {
		struct iovad_mag *fresh = mag_alloc(iovad);

		if (fresh) {
			unsigned long n;

			depot_lock(k);
			c->loaded->next = k->depot;
			k->depot = c->loaded;
			n = depot_size_add(k, 1);
			owned_inc(&k->pushes);
			depot_unlock(k);
			c->loaded = fresh;
			arm = n > iovad->attr.depot_max;
		} else {
			ok = false;
		}
	}
	if (ok) {
		c->loaded->pfns[c->loaded->size++] = pfn;
		owned_inc(&c->frees_cached);
	} else {
		owned_inc(&c->frees_uncached);
	}
	cpu_publish(c);
	cpu_unlock(c);
	if (arm)
		trim_arm(iovad);
	return ok;
}

/*
 * Is [pfn, pfn + size - 1] exactly one live tree range? The same test in
 * every build: a wrong free is refused and counted, never pushed into a
 * magazine (where a later alloc_iova_fast would hand it out again).
 */
static bool fast_free_matches(struct iovad *iovad, unsigned long pfn,
			      unsigned long size)
{
	unsigned long lo, hi;

	return size && iovad_find_iova(iovad, pfn, &lo, &hi) && lo == pfn &&
	       hi - lo == size - 1;
}

unsigned long alloc_iova_fast(struct iovad *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache)
{
	unsigned int cls = 0;
	unsigned long pfn;

	/* iova.h's rule, before a magazine pop could answer it */
	if (!size || limit_pfn > iova_domain_max_pfn(iovad->tree)) {
		shared_add(&iovad->alloc_failures, 1);
		return 0;
	}
	if (size <= IOVAD_MAX_CACHED_SIZE) {
		cls = lab_order_base_2(size);
		size = 1UL << cls;
		if (iovad->attr.rcache) {
			pfn = rcache_get(iovad, cls, limit_pfn);
			if (pfn)
				return pfn;
		}
	} else {
		shared_add(&iovad->bypass_allocs, 1);
	}
	for (;;) {
		pfn = iovad_alloc_iova(iovad, size, limit_pfn, true);
		if (pfn)
			return pfn;
		if (!flush_rcache || !iovad->attr.rcache)
			break;
		flush_rcache = false;
		iovad_rcache_flush(iovad);
	}
	shared_add(&iovad->alloc_failures, 1);
	return 0;
}

int free_iova_fast(struct iovad *iovad, unsigned long pfn, unsigned long size)
{
	unsigned long rounded = size;

	if (size && size <= IOVAD_MAX_CACHED_SIZE)
		rounded = lab_roundup_pow_of_two(size);
	if (!iovad->attr.trust_fast_free &&
	    !fast_free_matches(iovad, pfn, rounded)) {
		shared_add(&iovad->bad_frees, 1);
		return -EINVAL;
	}
	if (size && size <= IOVAD_MAX_CACHED_SIZE) {
		if (iovad->attr.rcache &&
		    rcache_insert(iovad, lab_order_base_2(size), pfn))
			return 0;
	} else if (size) {
		shared_add(&iovad->bypass_frees, 1);
	}
	if (iovad->attr.trust_fast_free)
		iovad_free_iova(iovad, pfn);
	else if (tree_free_checked(iovad, pfn, rounded)) {
		shared_add(&iovad->bad_frees, 1);
		return -EINVAL;
	}
	return 0;
}
