// SPDX-License-Identifier: MIT
/*
 * maxgap: the augmented tree of the series under review. Each node keeps
 * gap_to_prev and the maximum of it over its subtree (56 bytes); the search
 * is a reverse in-order walk that skips subtrees whose maximum gap is too
 * small (gt_series_search()). It keeps the kernel's anchor node and its
 * max32_alloc_size short-cut (set only by failed 32-bit requests here),
 * and drops the cached nodes.
 *
 * O(log n) while the limit does not bind; O(n) when it does: a 32-bit
 * request on a domain full of high ranges passes the pruning test at every
 * node above the limit (their gaps are big), so each is visited and
 * rejected before the walk reaches the low space.
 */
#include "iova_gaptree.h"

static const struct iova_gap_desc maxgap_desc = {
	.cb = &gt_gap_callbacks,
	.gap32 = false,
	.from_start_pfn = false,
	.max32 = true,
};

static int maxgap_init(struct iova_domain *iovad)
{
	return gt_init_anchor(iovad, &maxgap_desc);
}

static int maxgap_alloc(struct iova_domain *iovad, struct iova *new,
			unsigned long size, unsigned long limit_pfn,
			unsigned long align_mask, unsigned long *visits,
			unsigned long *searches)
{
	return gt_series_alloc(iovad, &maxgap_desc, new, size, limit_pfn,
			       align_mask, visits, searches);
}

static void maxgap_insert(struct iova_domain *iovad, struct iova *iova)
{
	gt_insert(iovad, &maxgap_desc, iova, NULL);
}

static void maxgap_remove(struct iova_domain *iovad, struct iova *iova)
{
	gt_remove(iovad, &maxgap_desc, iova);
}

static void maxgap_set_pfn_lo(struct iova_domain *iovad, struct iova *iova,
			      unsigned long pfn_lo)
{
	gt_set_pfn_lo(iovad, &maxgap_desc, iova, pfn_lo);
}

static int maxgap_check(const struct iova_domain *iovad, char *msg,
			size_t msglen)
{
	return gt_check(iovad, &maxgap_desc, msg, msglen);
}

const struct iova_ops iova_maxgap_ops = {
	.node_bytes = sizeof(struct iova_gap_node),
	.has_anchor = true,
	.init = maxgap_init,
	.alloc = maxgap_alloc,
	.insert = maxgap_insert,
	.remove = maxgap_remove,
	.set_pfn_lo = maxgap_set_pfn_lo,
	.check = maxgap_check,
};
