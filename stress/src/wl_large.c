// SPDX-License-Identifier: MIT
/*
 * large: mappings above the cache's size limit.
 *
 * GPUs, RDMA adapters and storage with large max_sectors map megabytes at
 * a time. Anything above 32 pages (128 KiB) bypasses the per-CPU cache, so
 * every map and unmap takes the tree lock: the field reports of
 * millisecond lock waits came from such traffic sharing a domain with
 * cached small mappings. Here 3 in 4 mappings are 4 MiB (1024 pages), the
 * rest 33..512 pages; each thread keeps LARGE_DEPTH of them and frees the
 * oldest, 64-bit mask clamped to the 48-bit aperture.
 */
#include "ranges.h"
#include "workload.h"

#define LARGE_DEPTH 16
#define LARGE_PAGES 1024 /* 4 MiB */

static int large_thread_init(struct worker *w)
{
	return wl_ranges_thread_init(w, LARGE_DEPTH, sizeof(struct ranges));
}

static bool large_step(struct worker *w)
{
	struct ranges *s = w->wl;
	unsigned long size;

	if (s->count >= LARGE_DEPTH)
		return wl_pop_free(w, s);
	size = w_rand(w, 4) ? LARGE_PAGES : 33 + w_rand(w, 480);
	return wl_alloc_push(w, s, size, STRESS_LIMIT48);
}

const struct workload wl_large = {
	.name = "large",
	.summary = "4 MiB (and 33-512-page) maps above the cache limit: "
		   "always the tree",
	.population = IOVA_SCEN_CHURN,
	.thread_init = large_thread_init,
	.step = large_step,
	.for_each_held = wl_ranges_for_each,
	.drain = wl_ranges_drain,
	.thread_fini = wl_ranges_thread_fini,
};
