// SPDX-License-Identifier: MIT
/*
 * Gap bookkeeping shared by maxgap, gap32 and anylimit (iova_gaptree.h),
 * and the patch series' pruned search used by maxgap and gap32.
 *
 * Keeping the augmented values right with early-stopping propagation needs
 * one rule: change one node's own data, propagate from it, and only then
 * change the next. Propagation stops at the first ancestor whose value does
 * not move, which is only sound if everything else was already right. So:
 *
 * insert: link the node with a zero gap (changes no maximum), then shrink
 *         the successor's gap and propagate, then give the node its gap and
 *         propagate, then rebalance (the rotate callbacks keep values right).
 * remove: grow the successor's gap and propagate it while the node is still
 *         linked, then erase. The patch series found the other order broken:
 *         erase's copy/rotate callbacks would spread the successor's stale
 *         maximum, and a later propagation could stop on a value that
 *         happens to match.
 */
#include <errno.h>

#include "iova_gaptree.h"

static unsigned long gt_max(unsigned long a, unsigned long b)
{
	return a > b ? a : b;
}

static bool gt_gap_compute(struct iova_gap_node *n, bool exit)
{
	unsigned long m = n->gap_to_prev;

	if (n->iova.node.rb_left)
		m = gt_max(m, to_gap(n->iova.node.rb_left)->subtree_max_gap);
	if (n->iova.node.rb_right)
		m = gt_max(m, to_gap(n->iova.node.rb_right)->subtree_max_gap);
	if (exit && n->subtree_max_gap == m)
		return true;
	n->subtree_max_gap = m;
	return false;
}

RB_DECLARE_CALLBACKS(, gt_gap_callbacks, struct iova_gap_node, iova.node,
		     subtree_max_gap, gt_gap_compute);

/* anylimit: the maximum gap and the largest aligned order, packed. */
static bool gt_order_compute(struct iova_gap_node *n, bool exit)
{
	unsigned long m = n->gap_to_prev, p;
	unsigned int c = gt_gap_order(n);
	struct rb_node *child[2] = { n->iova.node.rb_left,
				     n->iova.node.rb_right };

	for (int i = 0; i < 2; i++) {
		unsigned long cp;

		if (!child[i])
			continue;
		cp = to_gap(child[i])->subtree_max_gap;
		m = gt_max(m, gt_packed_gap(cp));
		if (gt_packed_order(cp) > c)
			c = gt_packed_order(cp);
	}
	p = gt_pack(m, c);
	if (exit && n->subtree_max_gap == p)
		return true;
	n->subtree_max_gap = p;
	return false;
}

RB_DECLARE_CALLBACKS(, gt_order_callbacks, struct iova_gap_node, iova.node,
		     subtree_max_gap, gt_order_compute);

/* gap32 keeps two maxima; both move together through the callbacks. */
static bool gt_gap32_compute(struct iova_gap32_node *n, bool exit)
{
	unsigned long m = n->g.gap_to_prev, m32 = n->clamped_gap32;
	struct rb_node *c;

	c = n->g.iova.node.rb_left;
	if (c) {
		m = gt_max(m, to_gap32(c)->g.subtree_max_gap);
		m32 = gt_max(m32, to_gap32(c)->subtree_max_gap32);
	}
	c = n->g.iova.node.rb_right;
	if (c) {
		m = gt_max(m, to_gap32(c)->g.subtree_max_gap);
		m32 = gt_max(m32, to_gap32(c)->subtree_max_gap32);
	}
	if (exit && n->g.subtree_max_gap == m && n->subtree_max_gap32 == m32)
		return true;
	n->g.subtree_max_gap = m;
	n->subtree_max_gap32 = m32;
	return false;
}

static void gt_gap32_propagate(struct rb_node *rb, struct rb_node *stop)
{
	while (rb != stop) {
		if (gt_gap32_compute(to_gap32(rb), true))
			break;
		rb = rb_parent(rb);
	}
}

static void gt_gap32_copy(struct rb_node *rb_old, struct rb_node *rb_new)
{
	struct iova_gap32_node *o = to_gap32(rb_old), *n = to_gap32(rb_new);

	n->g.subtree_max_gap = o->g.subtree_max_gap;
	n->subtree_max_gap32 = o->subtree_max_gap32;
}

static void gt_gap32_rotate(struct rb_node *rb_old, struct rb_node *rb_new)
{
	gt_gap32_copy(rb_old, rb_new);
	gt_gap32_compute(to_gap32(rb_old), false);
}

const struct rb_augment_callbacks gt_gap32_callbacks = {
	.propagate = gt_gap32_propagate,
	.copy = gt_gap32_copy,
	.rotate = gt_gap32_rotate,
};

unsigned long gt_gap_below(const struct iova_domain *iovad,
			   const struct iova_gap_desc *d,
			   const struct iova *iova, const struct iova *prev)
{
	unsigned long lo = prev ? prev->pfn_hi + 1 : 0;

	if (d->from_start_pfn && lo < iovad->start_pfn)
		lo = iovad->start_pfn;
	return iova->pfn_lo > lo ? iova->pfn_lo - lo : 0;
}

static void gt_set_gap(const struct iova_domain *iovad,
		       const struct iova_gap_desc *d, struct iova *iova,
		       unsigned long gap)
{
	to_gap(&iova->node)->gap_to_prev = gap;
	if (d->gap32)
		to_gap32(&iova->node)->clamped_gap32 = iova_clamped_gap32(
			iova->pfn_lo, gap, iovad->dma_32bit_pfn);
}

/* Recompute @iova's gap from its current predecessor and propagate. */
static void gt_refresh_gap(struct iova_domain *iovad,
			   const struct iova_gap_desc *d, struct iova *iova,
			   const struct rb_node *prev)
{
	gt_set_gap(iovad, d, iova,
		   gt_gap_below(iovad, d, iova, prev ? to_iova(prev) : NULL));
	d->cb->propagate(&iova->node, NULL);
}

int gt_init_anchor(struct iova_domain *iovad, const struct iova_gap_desc *d)
{
	struct iova *anchor = iova_anchor_alloc(iovad);

	if (!anchor)
		return -ENOMEM;
	iovad->anchor = anchor;
	gt_set_gap(iovad, d, anchor, gt_gap_below(iovad, d, anchor, NULL));
	to_gap(&anchor->node)->subtree_max_gap =
		to_gap(&anchor->node)->gap_to_prev;
	if (d->gap32)
		to_gap32(&anchor->node)->subtree_max_gap32 =
			to_gap32(&anchor->node)->clamped_gap32;
	rb_link_node(&anchor->node, NULL, &iovad->rbroot.rb_node);
	rb_insert_augmented(&anchor->node, &iovad->rbroot, d->cb);
	return 0;
}

void gt_insert(struct iova_domain *iovad, const struct iova_gap_desc *d,
	       struct iova *iova, struct rb_node *start)
{
	struct rb_node *next;

	to_gap(&iova->node)->gap_to_prev = 0;
	to_gap(&iova->node)->subtree_max_gap = 0;
	if (d->gap32) {
		to_gap32(&iova->node)->clamped_gap32 = 0;
		to_gap32(&iova->node)->subtree_max_gap32 = 0;
	}
	iova_link(&iovad->rbroot, iova, start);
	next = rb_next(&iova->node);
	if (next)
		gt_refresh_gap(iovad, d, to_iova(next), &iova->node);
	gt_refresh_gap(iovad, d, iova, rb_prev(&iova->node));
	rb_insert_augmented(&iova->node, &iovad->rbroot, d->cb);
}

void gt_remove(struct iova_domain *iovad, const struct iova_gap_desc *d,
	       struct iova *iova)
{
	struct rb_node *next = rb_next(&iova->node);

	if (next)
		gt_refresh_gap(iovad, d, to_iova(next), rb_prev(&iova->node));
	if (d->max32 && iova->pfn_lo < iovad->dma_32bit_pfn)
		iovad->max32_alloc_size = iovad->dma_32bit_pfn;
	rb_erase_augmented(&iova->node, &iovad->rbroot, d->cb);
}

void gt_set_pfn_lo(struct iova_domain *iovad, const struct iova_gap_desc *d,
		   struct iova *iova, unsigned long pfn_lo)
{
	iova_store_pfn(&iova->pfn_lo, pfn_lo);
	gt_refresh_gap(iovad, d, iova, rb_prev(&iova->node));
}

/* iova_gaptree.h: the checkers' order code, not the bit trick. */
unsigned int gt_check_order(unsigned long lo, unsigned long hi)
{
	for (int k = 63; k >= 0; k--) {
		unsigned long blk = 1UL << k, p;

		if (hi - lo < blk - 1)
			continue;
		p = (lo + blk - 1) & ~(blk - 1); /* lo rounded up */
		if (p >= lo && p <= hi && hi - p >= blk - 1)
			return (unsigned int)k + 1;
	}
	return 0;
}

/* Recompute subtree maxima bottom-up and compare with the stored ones. */
static int gt_check_max(const struct iova_domain *iovad,
			const struct iova_gap_desc *d, const struct rb_node *rb,
			unsigned long *max, unsigned long *max32, char *msg,
			size_t msglen)
{
	unsigned long l = 0, l32 = 0, r = 0, r32 = 0, m, m32 = 0;
	const struct iova_gap_node *g;

	*max = 0;
	*max32 = 0;
	if (!rb)
		return 0;
	if (gt_check_max(iovad, d, rb->rb_left, &l, &l32, msg, msglen) ||
	    gt_check_max(iovad, d, rb->rb_right, &r, &r32, msg, msglen))
		return -EUCLEAN;
	g = to_gap(rb);
	m = gt_max(g->gap_to_prev, gt_max(l, r));
	if (d->order) {
		unsigned int c = 0;

		/* l32/r32 carry the children's order codes here */
		if (g->gap_to_prev)
			c = gt_check_order(g->iova.pfn_lo - g->gap_to_prev,
					   g->iova.pfn_lo - 1);
		c = (unsigned int)gt_max(c, gt_max(l32, r32));
		if (g->subtree_max_gap != gt_pack(m, c))
			return iova_check_fail(
				msg, msglen,
				"[%lu, %lu]: packed subtree max gap %lu order "
				"code %u, recomputed %lu and %u",
				g->iova.pfn_lo, g->iova.pfn_hi,
				gt_packed_gap(g->subtree_max_gap),
				gt_packed_order(g->subtree_max_gap),
				gt_packed_gap(gt_pack(m, c)), c);
		*max = m;
		*max32 = c;
		return 0;
	}
	if (g->subtree_max_gap != m)
		return iova_check_fail(msg, msglen,
				       "[%lu, %lu]: subtree_max_gap %lu, "
				       "recomputed %lu",
				       g->iova.pfn_lo, g->iova.pfn_hi,
				       g->subtree_max_gap, m);
	if (d->gap32) {
		const struct iova_gap32_node *g32 = to_gap32(rb);

		m32 = gt_max(g32->clamped_gap32, gt_max(l32, r32));
		if (g32->subtree_max_gap32 != m32)
			return iova_check_fail(msg, msglen,
					       "[%lu, %lu]: subtree_max_gap32 "
					       "%lu, recomputed %lu",
					       g->iova.pfn_lo, g->iova.pfn_hi,
					       g32->subtree_max_gap32, m32);
	}
	*max = m;
	*max32 = m32;
	return 0;
}

int gt_check(const struct iova_domain *iovad, const struct iova_gap_desc *d,
	     char *msg, size_t msglen)
{
	const struct iova *prev = NULL;
	unsigned long m, m32;

	for (struct rb_node *rb = rb_first(&iovad->rbroot); rb;
	     rb = rb_next(rb)) {
		const struct iova_gap_node *g = to_gap(rb);
		unsigned long gap = gt_gap_below(iovad, d, &g->iova, prev);

		if (g->gap_to_prev != gap)
			return iova_check_fail(msg, msglen,
					       "[%lu, %lu]: gap_to_prev %lu, "
					       "recomputed %lu",
					       g->iova.pfn_lo, g->iova.pfn_hi,
					       g->gap_to_prev, gap);
		if (d->gap32) {
			unsigned long c = iova_clamped_gap32(
				g->iova.pfn_lo, gap, iovad->dma_32bit_pfn);

			if (to_gap32(rb)->clamped_gap32 != c)
				return iova_check_fail(
					msg, msglen,
					"[%lu, %lu]: clamped_gap32 %lu, "
					"recomputed %lu",
					g->iova.pfn_lo, g->iova.pfn_hi,
					to_gap32(rb)->clamped_gap32, c);
		}
		prev = &g->iova;
	}
	return gt_check_max(iovad, d, iovad->rbroot.rb_node, &m, &m32, msg,
			    msglen);
}

static inline bool gt_usable(const struct rb_node *rb, unsigned long size,
			     bool use_gap32)
{
	if (use_gap32)
		return to_gap32(rb)->subtree_max_gap32 >= size;
	return to_gap(rb)->subtree_max_gap >= size;
}

/*
 * Reverse in-order walk (right subtree, node, left subtree), entering only
 * subtrees whose maximum gap could hold @size, climbing back with parent
 * pointers (drm_mm's DECLARE_NEXT_HOLE_ADDR strategy, as in the series).
 * The pruning ignores @limit_pfn: gaps above the limit satisfy it and are
 * visited and rejected one by one, which is the O(n) case anylimit fixes.
 * @limit_pfn is exclusive, as in the kernel.
 */
struct rb_node *gt_series_search(struct iova_domain *iovad, unsigned long size,
				 unsigned long limit_pfn,
				 unsigned long align_mask, bool use_gap32,
				 unsigned long *new_pfn, unsigned long *visits)
{
	struct rb_node *node = iovad->rbroot.rb_node, *next, *parent;
	unsigned long v = 0;

	if (!node)
		goto fail;
	v++;
	if (!gt_usable(node, size, use_gap32))
		goto fail;
	for (;;) {
		const struct iova_gap_node *g;
		unsigned long high, pfn;

		/* highest usable node of the current subtree */
		while ((next = node->rb_right)) {
			v++;
			if (!gt_usable(next, size, use_gap32))
				break;
			node = next;
		}
		for (;;) {
			g = to_gap(node);
			high = g->iova.pfn_lo < limit_pfn ? g->iova.pfn_lo :
							    limit_pfn;
			if (high >= size) {
				pfn = (high - size) & align_mask;
				if (pfn >= g->iova.pfn_lo - g->gap_to_prev &&
				    pfn >= iovad->start_pfn) {
					*new_pfn = pfn;
					*visits += v;
					return node;
				}
			}
			next = node->rb_left;
			if (next) {
				v++;
				if (gt_usable(next, size, use_gap32)) {
					node = next;
					break;
				}
			}
			/* subtree done: up to the first ancestor on our left */
			for (;;) {
				parent = rb_parent(node);
				if (!parent)
					goto fail;
				v++;
				if (node == parent->rb_right)
					break;
				node = parent;
			}
			node = parent;
		}
	}
fail:
	*visits += v;
	return NULL;
}

int gt_series_alloc(struct iova_domain *iovad, const struct iova_gap_desc *d,
		    struct iova *new, unsigned long size,
		    unsigned long limit_pfn, unsigned long align_mask,
		    unsigned long *visits, unsigned long *searches)
{
	unsigned long limit = iova_limit_excl(limit_pfn), new_pfn;
	bool is_32bit = limit <= iovad->dma_32bit_pfn;
	struct rb_node *gap_node;

	if (is_32bit && size >= iovad->max32_alloc_size)
		return -ENOSPC;
	(*searches)++;
	gap_node = gt_series_search(iovad, size, limit, align_mask,
				    d->gap32 && is_32bit, &new_pfn, visits);
	if (!gap_node) {
		if (is_32bit)
			iovad->max32_alloc_size = size;
		return -ENOSPC;
	}
	new->pfn_lo = new_pfn;
	new->pfn_hi = new_pfn + size - 1;
	iova_write_begin(iovad);
	gt_insert(iovad, d, new, gap_node);
	iova_write_end(iovad);
	return 0;
}
