// SPDX-License-Identifier: MIT
/*
 * storage: an NVMe-style block device.
 *
 * Each thread is one submission/completion queue pair with a queue depth
 * drawn per thread from 32..128 (what fio/databases run at). Requests map
 * 4 KiB to 128 KiB (1..32 pages: 4 KiB random I/O, 8-32 KiB, 64-128 KiB
 * sequential chunks), and the device completes them out of order, so the
 * unmap removes a random outstanding mapping. 64-bit mask, clamped to the
 * 48-bit aperture. Sizes that are not powers of two are rounded up by the
 * dma-iommu path, as in the kernel.
 */
#include "ranges.h"
#include "workload.h"

#define STORAGE_QD_MIN 32
#define STORAGE_QD_MAX 128

struct storage {
	struct ranges held; /* first: wl_ranges_* helpers */
	unsigned int qd;
};

static int storage_thread_init(struct worker *w)
{
	struct storage *st;
	int ret = wl_ranges_thread_init(w, STORAGE_QD_MAX, sizeof(*st));

	if (ret)
		return ret;
	st = w->wl;
	st->qd = (unsigned int)lab_prng_range(&w->rng, STORAGE_QD_MIN,
					      STORAGE_QD_MAX);
	return 0;
}

static unsigned long storage_size(struct worker *w)
{
	uint64_t r = w_rand(w, 100);

	if (r < 45)
		return 1; /* 4 KiB random I/O */
	if (r < 70)
		return 2 + w_rand(w, 7); /* 8..32 KiB */
	return 16 + w_rand(w, 17); /* 64..128 KiB */
}

static bool storage_step(struct worker *w)
{
	struct storage *st = w->wl;

	if (st->held.count >= st->qd)
		return wl_take_free(w, &st->held);
	return wl_alloc_push(w, &st->held, storage_size(w), STRESS_LIMIT48);
}

const struct workload wl_storage = {
	.name = "storage",
	.summary = "NVMe queues: depth 32-128 per thread, 1-32-page maps, "
		   "completed out of order",
	.population = IOVA_SCEN_CHURN,
	.thread_init = storage_thread_init,
	.step = storage_step,
	.for_each_held = wl_ranges_for_each,
	.drain = wl_ranges_drain,
	.thread_fini = wl_ranges_thread_fini,
};
