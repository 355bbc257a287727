// SPDX-License-Identifier: MIT
/*
 * Statistics: a snapshot of the cache's counters (relaxed loads, no lock:
 * each counter exact, the set not one instant), the core domain's counters
 * under the tree lock, and the sums over the size classes every report
 * wants.
 */
#include <string.h>

#include "rcache_internal.h"

void iovad_rcache_stats(const struct iovad *iovad,
			struct iovad_rcache_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned int cpu = 0; cpu < iovad->nr_cpus; cpu++) {
		for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
			const struct iovad_cpu *c =
				&iovad->cpus[cpu * IOVAD_NR_CLASSES + k];

			st->hits[k] += rd(&c->hits);
			st->misses[k] += rd(&c->misses);
			st->frees_cached[k] += rd(&c->frees_cached);
			st->frees_uncached[k] += rd(&c->frees_uncached);
			st->cached[k] += atomic_load_explicit(
				&c->nr_cached, memory_order_relaxed);
		}
	}
	for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
		const struct iovad_class *kc = &iovad->cls[k];
		unsigned long depot = atomic_load_explicit(
			&kc->depot_size, memory_order_relaxed);

		st->depot_pushes[k] = rd(&kc->pushes);
		st->depot_pops[k] = rd(&kc->pops);
		st->trims[k] = rd(&kc->trims);
		st->depot_mags[k] = depot;
		st->cached[k] += (uint64_t)depot * iovad->attr.mag_size;
	}
	st->mags = rd(&iovad->mags);
	st->mag_bytes = st->mags * iovad->mag_bytes;
	st->bypass_allocs = rd(&iovad->bypass_allocs);
	st->bypass_frees = rd(&iovad->bypass_frees);
	st->bad_frees = rd(&iovad->bad_frees);
	st->alloc_failures = rd(&iovad->alloc_failures);
	st->flushes = rd(&iovad->flushes);
	st->flushed_ranges = rd(&iovad->flushed_ranges);
	st->trim_runs = rd(&iovad->trim_runs);
}

void iovad_rcache_stats_sum(const struct iovad_rcache_stats *st,
			    struct iovad_rcache_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
		t->hits += st->hits[k];
		t->misses += st->misses[k];
		t->frees_cached += st->frees_cached[k];
		t->frees_uncached += st->frees_uncached[k];
		t->depot_pushes += st->depot_pushes[k];
		t->depot_pops += st->depot_pops[k];
		t->trims += st->trims[k];
		t->cached += st->cached[k];
		t->cached_pfns += st->cached[k] << k;
		t->depot_mags += st->depot_mags[k];
	}
	t->hit_rate = t->hits + t->misses ?
			      (double)t->hits / (double)(t->hits + t->misses) :
			      0.0;
}

void iovad_tree_stats(struct iovad *iovad, struct iova_stats *st)
{
	tree_lock(iovad);
	iova_domain_stats(iovad->tree, st);
	tree_unlock(iovad);
}
