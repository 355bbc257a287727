// SPDX-License-Identifier: MIT
/*
 * The range (pfn) API (iova.h): the same domain operations as the struct
 * iova calls in iova.c, taking and returning pfns, so that algorithms that
 * keep ranges inline (btree-pfn) can serve them; and the walk helpers both
 * APIs share.
 */
#include <errno.h>

#include "iova_internal.h"

/* Remove the inline range @r (btree-pfn), counted as __free_iova. */
void iova_remove_inline(struct iova_domain *iovad, const struct iova_range *r)
{
	struct iova tmp = { .pfn_lo = r->pfn_lo, .pfn_hi = r->pfn_hi };

	iova_write_begin(iovad);
	iovad->ops->remove(iovad, &tmp);
	iova_write_end(iovad);
	iovad->stats.frees++;
	iovad->stats.live--;
	iova_debug_check(iovad, "free_iova");
}

/* Lowest range ending at or above @pfn (never the anchor), or NULL. */
struct iova *iova_lower_bound(struct iova_domain *iovad, unsigned long pfn)
{
	struct rb_node *rb = iovad->rbroot.rb_node, *best = NULL;

	if (iovad->ops->lower_bound)
		return iovad->ops->lower_bound(iovad, pfn);

	while (rb) {
		if (to_iova(rb)->pfn_hi >= pfn) {
			best = rb;
			rb = rb->rb_left;
		} else {
			rb = rb->rb_right;
		}
	}
	if (!best || to_iova(best) == iovad->anchor)
		return NULL;
	return to_iova(best);
}

/* ---- the range (pfn) API ---- */

static void iova_to_range(const struct iova *iova, struct iova_range *out)
{
	out->pfn_lo = iova->pfn_lo;
	out->pfn_hi = iova->pfn_hi;
}

int iova_alloc_range(struct iova_domain *iovad, unsigned long size,
		     unsigned long limit_pfn, bool size_aligned,
		     unsigned long *pfn_lo)
{
	struct iova tmp, *new;
	int ret = iova_alloc(iovad, size, limit_pfn, size_aligned, &new,
			     iovad->ops->inline_ranges ? &tmp : NULL);

	if (!ret)
		*pfn_lo = new->pfn_lo;
	return ret;
}

int iova_free_range(struct iova_domain *iovad, unsigned long pfn_lo,
		    unsigned long size)
{
	struct iova_range r;
	struct iova *iova;

	if (!size)
		return -EINVAL;
	if (iovad->ops->inline_ranges) {
		if (!iova_find_range(iovad, pfn_lo, &r) || r.pfn_lo != pfn_lo ||
		    r.pfn_hi - pfn_lo != size - 1)
			return -EINVAL;
		iova_remove_inline(iovad, &r);
		return 0;
	}
	iova = find_iova(iovad, pfn_lo);
	if (!iova || iova->pfn_lo != pfn_lo ||
	    iova->pfn_hi - pfn_lo != size - 1)
		return -EINVAL;
	__free_iova(iovad, iova);
	return 0;
}

bool iova_find_range(struct iova_domain *iovad, unsigned long pfn,
		     struct iova_range *out)
{
	struct iova_range r;
	struct iova *iova;

	if (iovad->ops->inline_ranges) {
		if (!iovad->ops->lower_bound_range(iovad, pfn, &r) ||
		    r.pfn_lo > pfn)
			return false;
		*out = r;
		return true;
	}
	iova = find_iova(iovad, pfn);
	if (iova)
		iova_to_range(iova, out);
	return iova;
}

bool iova_find_range_lockless(struct iova_domain *iovad, unsigned long pfn,
			      struct iova_range *out)
{
	struct iova *iova;

	if (iovad->ops->inline_ranges)
		return iovad->ops->find_range_lockless(iovad, pfn, out);
	iova = find_iova_lockless(iovad, pfn);
	if (!iova)
		return false;
	/*
	 * The node stays readable (RCU) and pfn_hi never changes while it is
	 * linked; pfn_lo may only have been lowered since: still a range
	 * that held @pfn.
	 */
	out->pfn_lo = __atomic_load_n(&iova->pfn_lo, __ATOMIC_ACQUIRE);
	out->pfn_hi = __atomic_load_n(&iova->pfn_hi, __ATOMIC_ACQUIRE);
	return true;
}

int iova_reserve_range(struct iova_domain *iovad, unsigned long pfn_lo,
		       unsigned long pfn_hi, struct iova_range *out)
{
	struct iova buf, *iova;
	int ret = iova_reserve(iovad, pfn_lo, pfn_hi, &iova, &buf);

	if (!ret && out)
		iova_to_range(iova, out);
	return ret;
}

bool iova_next_range(struct iova_domain *iovad, unsigned long pfn,
		     struct iova_range *out)
{
	struct iova *iova;

	if (iovad->ops->inline_ranges)
		return iovad->ops->lower_bound_range(iovad, pfn, out);
	iova = iova_lower_bound(iovad, pfn);
	if (iova)
		iova_to_range(iova, out);
	return iova;
}
