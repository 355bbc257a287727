// SPDX-License-Identifier: MIT
/*
 * mixed32: a PCI device with a 64-bit mask on the kernel's dma-iommu path.
 *
 * For PCI devices dma-iommu first tries to allocate below 4 GiB (some
 * 64-bit-capable devices and bridges misbehave with high addresses; the
 * low space is also cheaper for the device) and falls back to the full
 * mask when that fails (iommu_dma_alloc_iova: alloc_iova_fast(32-bit
 * limit, no flush), then alloc_iova_fast(full limit, flush)). Since Linux
 * 6.x the device stops trying 32-bit after its first failure
 * (pci_32bit_workaround); older kernels kept trying on every map.
 * --pci32 always|once selects which; the whole run is one device, so the
 * "stopped trying" flag is shared by all threads. The population leaves
 * the low space mostly free, so 32-bit tries rarely fail; --low-window N
 * reserves all of it but the top N pfns (taken by other devices), so they
 * do, and the two modes differ.
 *
 * The domain is the high32 population (scenario.h): mostly long-lived,
 * fragmented 48-bit mappings (other devices, earlier fallbacks), which is
 * where maxgap's 32-bit search visits every node above the limit.
 * Traffic per thread: a ring of MIXED32_DEPTH outstanding mappings of
 * 1 page (1 in 8: 2..16 pages), freed in order, like nic.
 *
 * The 32-bit try and the fallback are one timed allocation, as the
 * driver sees them.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ranges.h"
#include "run.h"
#include "workload.h"

#define MIXED32_DEPTH 128

struct mixed32_dev {
	_Atomic bool try32; /* pci_32bit_workaround */
	bool once;
};

static int mixed32_init(struct run *r)
{
	struct mixed32_dev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	atomic_init(&dev->try32, true);
	dev->once = r->opt->pci32 == PCI32_ONCE;
	r->wl_shared = dev;
	if (!r->opt->low_window)
		return 0;
	/*
	 * Other devices took the low space: reserve all of it but the top
	 * low_window pfns (which may hold population ranges already).
	 */
	if (r->opt->low_window >= STRESS_LIMIT32 - STRESS_START_PFN + 1)
		return 0;
	return iovad_reserve_iova(r->d, STRESS_START_PFN,
				  STRESS_LIMIT32 - r->opt->low_window);
}

static void mixed32_fini(struct run *r)
{
	free(r->wl_shared);
	r->wl_shared = NULL;
}

static int mixed32_thread_init(struct worker *w)
{
	return wl_ranges_thread_init(w, MIXED32_DEPTH, sizeof(struct ranges));
}

static unsigned long mixed32_alloc(struct worker *w, unsigned long size)
{
	struct mixed32_dev *dev = w->run->wl_shared;
	unsigned long pfn = 0;
	bool tried = false;

	if (atomic_load_explicit(&dev->try32, memory_order_relaxed)) {
		tried = true;
		pfn = alloc_iova_fast(w->d, size, STRESS_LIMIT32, false);
		if (!pfn && dev->once)
			atomic_store_explicit(&dev->try32, false,
					      memory_order_relaxed);
	}
	if (!pfn) {
		pfn = alloc_iova_fast(w->d, size, STRESS_LIMIT48, true);
		if (w->measuring)
			w->wl_count[tried ? 0 : 1]++;
	}
	return pfn;
}

static bool mixed32_step(struct worker *w)
{
	struct ranges *s = w->wl;
	unsigned long size, pfn;
	uint64_t t0;

	if (s->count >= MIXED32_DEPTH)
		return wl_pop_free(w, s);
	size = w_rand(w, 8) ? 1 : 2 + w_rand(w, 15);
	size = stress_round_size(size);
	t0 = w_begin(w);
	pfn = mixed32_alloc(w, size);
	w_end(w, OP_ALLOC, t0);
	if (pfn) {
		w->total_allocs++;
		ranges_push(s, pfn, size);
	} else if (w->measuring) {
		w->alloc_failures++;
	}
	return true;
}

const struct workload wl_mixed32 = {
	.name = "mixed32",
	.summary = "PCI device: try below 4 GiB first, fall back to the full "
		   "mask (--pci32), on high32-populated domain",
	.population = IOVA_SCEN_HIGH32,
	.counters = { "fallbacks", "direct_full_mask" },
	.init = mixed32_init,
	.fini = mixed32_fini,
	.thread_init = mixed32_thread_init,
	.step = mixed32_step,
	.for_each_held = wl_ranges_for_each,
	.drain = wl_ranges_drain,
	.thread_fini = wl_ranges_thread_fini,
};
