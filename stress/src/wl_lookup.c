// SPDX-License-Identifier: MIT
/*
 * lookup: address-to-mapping lookups dominate.
 *
 * Some IOMMU paths look a mapping up by address far more often than they
 * create one: the older intel-iommu unmap path called find_iova() on every
 * unmap, and VFIO/vDPA-style translation, dma-debug and fault handlers
 * query by IOVA. About 90% of operations here are find_iova of an address
 * inside a range the thread holds (so it must be found, exactly: a miss or
 * a wrong range fails the run), the rest replace a held range. Finds take
 * the tree lock's read side: shared with rwlock, lockless with rcu, where
 * readers must keep scaling while writers serialise. Each thread holds
 * LOOKUP_DEPTH ranges of 1..4 pages below the 48-bit aperture.
 */
#include "ranges.h"
#include "workload.h"

#define LOOKUP_DEPTH 256
#define LOOKUP_FIND_PCT 90

static int lookup_thread_init(struct worker *w)
{
	return wl_ranges_thread_init(w, LOOKUP_DEPTH, sizeof(struct ranges));
}

static bool lookup_step(struct worker *w)
{
	struct ranges *s = w->wl;

	if (s->count && w_rand(w, 100) < LOOKUP_FIND_PCT) {
		struct range *e =
			ranges_at(s, (unsigned int)w_rand(w, s->count));

		w_find_held(w, e->pfn, e->size, e->pfn + w_rand(w, e->size));
		return true;
	}
	if (s->count >= LOOKUP_DEPTH)
		return wl_take_free(w, s);
	return wl_alloc_push(w, s, 1 + w_rand(w, 4), STRESS_LIMIT48);
}

const struct workload wl_lookup = {
	.name = "lookup",
	.summary = "~90% find_iova of held ranges (read lock / RCU), 10% "
		   "alloc/free",
	.population = IOVA_SCEN_CHURN,
	.thread_init = lookup_thread_init,
	.step = lookup_step,
	.for_each_held = wl_ranges_for_each,
	.drain = wl_ranges_drain,
	.thread_fini = wl_ranges_thread_fini,
};
