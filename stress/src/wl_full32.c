// SPDX-License-Identifier: MIT
/*
 * full32: a 32-bit-only device when the low 4 GiB is nearly full.
 *
 * The field reports behind the review (tens to hundreds of microseconds
 * per allocation, soft lockups) come from this: a device limited to 32
 * bits (or the 32-bit try of mixed32) on a domain whose low space is full
 * but for scattered holes, so a first-fit walk crosses many nodes before
 * a hole fits. The domain is the full32 population (scenario.h): the low
 * window holds --prefill ranges (up to 2^16) with 1 slot in 20 a hole and
 * everything below the window reserved; with --prefill 0 the window is
 * filled with FULL32_DEFAULT ranges. Each thread keeps FULL32_DEPTH
 * mappings of 1..8 pages and unmaps a random one; allocations that find
 * no hole fail (the device has no fallback) and are counted.
 */
#include "ranges.h"
#include "workload.h"

#define FULL32_DEPTH 64
#define FULL32_DEFAULT 65537UL /* 2^16 in the low window + the reserve */

static int full32_thread_init(struct worker *w)
{
	return wl_ranges_thread_init(w, FULL32_DEPTH, sizeof(struct ranges));
}

static bool full32_step(struct worker *w)
{
	struct ranges *s = w->wl;

	if (s->count >= FULL32_DEPTH)
		return wl_take_free(w, s);
	return wl_alloc_push(w, s, 1 + w_rand(w, 8), STRESS_LIMIT32);
}

const struct workload wl_full32 = {
	.name = "full32",
	.summary = "32-bit-only device, low 4 GiB ~95% full with scattered "
		   "holes (full32 population)",
	.population = IOVA_SCEN_FULL32,
	.default_prefill = FULL32_DEFAULT,
	.thread_init = full32_thread_init,
	.step = full32_step,
	.for_each_held = wl_ranges_for_each,
	.drain = wl_ranges_drain,
	.thread_fini = wl_ranges_thread_fini,
};
