// SPDX-License-Identifier: MIT
/*
 * nic: a network adapter's transmit/receive rings.
 *
 * A NIC driver maps each packet buffer as it posts a descriptor and unmaps
 * it when the hardware reports completion, which happens in ring order.
 * Each thread is one queue (RSS/XPS: one queue per CPU) with NIC_DEPTH
 * outstanding mappings. Most buffers are one page; 1 in 16 is a 64 KiB
 * TSO/GRO buffer (16 pages). The device has a 64-bit mask, clamped to the
 * 48-bit aperture. In steady state the thread alternates: complete (free)
 * the oldest mapping, post (alloc) a new one. Nearly every call is a cache
 * hit when the rcache is on, which is why the kernel has it.
 */
#include "ranges.h"
#include "workload.h"

#define NIC_DEPTH 256 /* descriptors per ring */
#define NIC_TSO_ONE_IN 16
#define NIC_TSO_PAGES 16

static int nic_thread_init(struct worker *w)
{
	return wl_ranges_thread_init(w, NIC_DEPTH, sizeof(struct ranges));
}

static bool nic_step(struct worker *w)
{
	struct ranges *s = w->wl;
	unsigned long size;

	if (s->count >= NIC_DEPTH)
		return wl_pop_free(w, s);
	size = w_rand(w, NIC_TSO_ONE_IN) ? 1 : NIC_TSO_PAGES;
	return wl_alloc_push(w, s, size, STRESS_LIMIT48);
}

const struct workload wl_nic = {
	.name = "nic",
	.summary = "NIC rings: 256 outstanding 1-page (1/16: 16-page TSO) "
		   "maps per thread, freed in ring order",
	.population = IOVA_SCEN_CHURN,
	.thread_init = nic_thread_init,
	.step = nic_step,
	.for_each_held = wl_ranges_for_each,
	.drain = wl_ranges_drain,
	.thread_fini = wl_ranges_thread_fini,
};
