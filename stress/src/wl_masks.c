// SPDX-License-Identifier: MIT
/*
 * masks: devices of every DMA mask sharing one domain.
 *
 * Real systems mix masks: 32-bit legacy devices, 39/40/44/48-bit GPUs,
 * NICs and HBAs, 64-bit ones. dma-iommu clamps the mask to the IOMMU's
 * aperture (48 bits here), so masks of 48..64 bits all become the full
 * aperture, and everything in 33..47 bits is a limit that binds somewhere
 * inside the populated space: the case where maxgap and gap32 degrade and
 * anylimit should not. Each allocation draws its mask uniformly from 32 to
 * 64 bits; each thread keeps MASKS_DEPTH mappings of 1..16 pages and
 * unmaps a random one, on the high32 population (fragmented 48-bit).
 */
#include "ranges.h"
#include "workload.h"

#define MASKS_DEPTH 128

static int masks_thread_init(struct worker *w)
{
	return wl_ranges_thread_init(w, MASKS_DEPTH, sizeof(struct ranges));
}

static bool masks_step(struct worker *w)
{
	struct ranges *s = w->wl;
	unsigned int bits;
	unsigned long limit;

	if (s->count >= MASKS_DEPTH)
		return wl_take_free(w, s);
	bits = 32 + (unsigned int)w_rand(w, 33);
	limit = bits >= 48 ? STRESS_LIMIT48 :
			     (1UL << (bits - 12)) - 1; /* 4 KiB pages */
	return wl_alloc_push(w, s, 1 + w_rand(w, 16), limit);
}

const struct workload wl_masks = {
	.name = "masks",
	.summary = "random DMA masks of 32..64 bits (clamped to the 48-bit "
		   "aperture) on the high32 population",
	.population = IOVA_SCEN_HIGH32,
	.thread_init = masks_thread_init,
	.step = masks_step,
	.for_each_held = wl_ranges_for_each,
	.drain = wl_ranges_drain,
	.thread_fini = wl_ranges_thread_fini,
};
