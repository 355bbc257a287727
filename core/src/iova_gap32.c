// SPDX-License-Identifier: MIT
/*
 * gap32: maxgap plus the 32-bit-clamped field of patch 3/4. Each node also
 * keeps clamped_gap32, the part of its gap below dma_32bit_pfn, and its
 * subtree maximum (72 bytes: a 128-byte object in a cache-aligned slab).
 * Requests with limit_pfn + 1 <= dma_32bit_pfn prune by the clamped
 * maximum, so gaps above 4G no longer pass the test; every other limit
 * prunes by the plain maximum and still degrades like maxgap (and so does
 * a limit well below 4G, e.g. 31 bits: gaps between it and 4G pass).
 */
#include "iova_gaptree.h"

static const struct iova_gap_desc gap32_desc = {
	.cb = &gt_gap32_callbacks,
	.gap32 = true,
	.from_start_pfn = false,
	.max32 = true,
};

static int gap32_init(struct iova_domain *iovad)
{
	return gt_init_anchor(iovad, &gap32_desc);
}

static int gap32_alloc(struct iova_domain *iovad, struct iova *new,
		       unsigned long size, unsigned long limit_pfn,
		       unsigned long align_mask, unsigned long *visits,
		       unsigned long *searches)
{
	return gt_series_alloc(iovad, &gap32_desc, new, size, limit_pfn,
			       align_mask, visits, searches);
}

static void gap32_insert(struct iova_domain *iovad, struct iova *iova)
{
	gt_insert(iovad, &gap32_desc, iova, NULL);
}

static void gap32_remove(struct iova_domain *iovad, struct iova *iova)
{
	gt_remove(iovad, &gap32_desc, iova);
}

static void gap32_set_pfn_lo(struct iova_domain *iovad, struct iova *iova,
			     unsigned long pfn_lo)
{
	gt_set_pfn_lo(iovad, &gap32_desc, iova, pfn_lo);
}

static int gap32_check(const struct iova_domain *iovad, char *msg,
		       size_t msglen)
{
	return gt_check(iovad, &gap32_desc, msg, msglen);
}

const struct iova_ops iova_gap32_ops = {
	.node_bytes = sizeof(struct iova_gap32_node),
	.has_anchor = true,
	.init = gap32_init,
	.alloc = gap32_alloc,
	.insert = gap32_insert,
	.remove = gap32_remove,
	.set_pfn_lo = gap32_set_pfn_lo,
	.check = gap32_check,
};
