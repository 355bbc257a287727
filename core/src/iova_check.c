// SPDX-License-Identifier: MIT
/*
 * The domain's invariant checker: red-black rules, key order, the anchor
 * and the live count, then the algorithm's own check (struct iova_ops).
 */
#include <errno.h>
#include <stdarg.h>

#include "iova_internal.h"

int iova_check_fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}

/* Red-black rules and parent links; returns the black height or -1. */
static int iova_check_rb(const struct rb_node *rb, const struct rb_node *parent,
			 unsigned long *count, char *msg, size_t msglen)
{
	int bl, br;

	if (!rb)
		return 1;
	(*count)++;
	if (rb_parent(rb) != parent) {
		iova_check_fail(msg, msglen, "[%lu, %lu]: wrong parent link",
				to_iova(rb)->pfn_lo, to_iova(rb)->pfn_hi);
		return -1;
	}
	if (rb_is_red(rb) && (!parent || rb_is_red(parent))) {
		iova_check_fail(msg, msglen, "[%lu, %lu]: red %s",
				to_iova(rb)->pfn_lo, to_iova(rb)->pfn_hi,
				parent ? "child of a red node" : "root");
		return -1;
	}
	bl = iova_check_rb(rb->rb_left, rb, count, msg, msglen);
	if (bl < 0)
		return -1;
	br = iova_check_rb(rb->rb_right, rb, count, msg, msglen);
	if (br < 0)
		return -1;
	if (bl != br) {
		iova_check_fail(msg, msglen,
				"[%lu, %lu]: black heights %d (left) != %d",
				to_iova(rb)->pfn_lo, to_iova(rb)->pfn_hi, bl,
				br);
		return -1;
	}
	return bl + rb_is_black(rb);
}

int iova_domain_check(const struct iova_domain *iovad, char *msg, size_t msglen)
{
	const struct rb_node *rb;
	const struct iova *prev = NULL;
	unsigned long count = 0, walked = 0, max_pfn;

	if (msg && msglen)
		msg[0] = '\0';
	if (iovad->ops->check_all)
		return iovad->ops->check_all(iovad, msg, msglen);
	if (iova_check_rb(iovad->rbroot.rb_node, NULL, &count, msg, msglen) < 0)
		return -EUCLEAN;
	/*
	 * reserve_iova may cover pfns below start_pfn (as in the kernel), so
	 * the lower bound is enforced on allocations (alloc_iova checks its
	 * result under IOVALAB_CHECK), not here.
	 */
	max_pfn = iovad->ops->has_anchor ? IOVA_ANCHOR - 1 : ~0UL;
	for (rb = rb_first(&iovad->rbroot); rb; rb = rb_next(rb)) {
		const struct iova *iova = to_iova(rb);

		walked++;
		if (iova == iovad->anchor) {
			if (rb_next(rb))
				return iova_check_fail(msg, msglen,
						       "anchor is not last");
			if (iova->pfn_lo != IOVA_ANCHOR ||
			    iova->pfn_hi != IOVA_ANCHOR)
				return iova_check_fail(msg, msglen,
						       "anchor moved");
		} else if (iova->pfn_lo > iova->pfn_hi ||
			   iova->pfn_hi > max_pfn) {
			return iova_check_fail(msg, msglen,
					       "bad range [%lu, %lu]",
					       iova->pfn_lo, iova->pfn_hi);
		}
		if (prev && prev->pfn_hi >= iova->pfn_lo)
			return iova_check_fail(
				msg, msglen,
				"[%lu, %lu] overlaps or precedes [%lu, %lu]",
				iova->pfn_lo, iova->pfn_hi, prev->pfn_lo,
				prev->pfn_hi);
		prev = iova;
	}
	if (walked != count)
		return iova_check_fail(msg, msglen,
				       "in-order walk saw %lu of %lu nodes",
				       walked, count);
	if (iovad->ops->has_anchor && (!prev || prev != iovad->anchor))
		return iova_check_fail(msg, msglen, "anchor missing");
	if (!iovad->ops->has_anchor && iovad->anchor)
		return iova_check_fail(msg, msglen, "unexpected anchor");
	if (count - (iovad->anchor ? 1 : 0) != iovad->stats.live)
		return iova_check_fail(msg, msglen,
				       "%lu ranges in the tree, live says %llu",
				       count - (iovad->anchor ? 1 : 0),
				       (unsigned long long)iovad->stats.live);
	return iovad->ops->check(iovad, msg, msglen);
}
