// SPDX-License-Identifier: MIT
/*
 * anylimit: one walk from the root to the highest free space below any
 * limit_pfn, using only maxgap's data (gap_to_prev and its subtree maximum,
 * 56 bytes per node). No anchor node, no cached nodes, no
 * max32_alloc_size: an allocation fails only when nothing fits.
 *
 * Gaps measured here start at start_pfn (iova_gaptree.h), so a recorded
 * gap is exactly allocatable space. With L the (inclusive) limit, the free
 * space at or below L, from the top down, is:
 *
 *   1. the gap straddling L: from just above P, the last range with
 *      pfn_lo <= L, up to L (this is also the space above the highest
 *      range, clipped to L, and the whole [start_pfn, L] when P is none);
 *   2. the gaps of the ranges with pfn_lo <= L, each wholly below L.
 *
 * Descending by address toward L, the ranges with pfn_lo <= L are exactly
 * the path nodes where the walk turned right, together with their left
 * subtrees; deeper turns hold higher addresses:
 *
 *                    A (pfn_lo > L: turn left)
 *                   /
 *                  B (<= L: turn right)        blocks from high to low:
 *                 / \                            gap above P, up to L
 *               Bl   C (> L: left)               P's gap, then Pl
 *                   /                            B's gap, then Bl
 *                  P (<= L: right; last)
 *                 / \
 *               Pl   NULL
 *
 * Phase 1 walks from the root toward L, remembering each right turn (node,
 * pfn_lo, pfn_hi, gap, subtree maximum, left child: everything read during
 * the visit) on a small stack, and the last left turn S. It stops early at
 * a node whose subtree maximum is below the request once a left turn has
 * been seen: nothing below can fit, and the straddling gap is then known
 * from S alone (below). Phase 2 takes the blocks from the top: the
 * straddling gap, then for each right turn from the deepest up, its own
 * gap, then its left subtree if that subtree's maximum gap can hold the
 * request (a right turn whose whole-subtree maximum is too small is skipped
 * without touching its left child). Phase 3 finds the highest fitting gap
 * inside that subtree: go right while the right child's maximum fits, else
 * take the node's own gap if it fits, else go left.
 *
 * The straddling gap from S: S's gap ends at S.pfn_lo - 1 > L and starts
 * right above S's predecessor. If S is the lowest range above L (the walk
 * reached the bottom), that predecessor is P and the gap is [P.pfn_hi + 1,
 * L] once clipped to L. If the walk stopped early and the lowest range above
 * L lies deeper, S's predecessor is above L too, so [S.pfn_lo - S.gap, L]
 * is empty, which is right: the real straddling gap is in the pruned
 * subtree, smaller than the request. Without any left turn, every range is
 * at or below L and the gap above the last one (P, the rightmost) is used.
 *
 * Invariant of phases 2 and 3: every gap above the current candidate and
 * below L has been rejected (or pruned: its subtree maximum is < size).
 *
 * Unaligned requests: a subtree whose maximum gap is >= size always holds
 * a fit, so phase 3 never backtracks and the walk touches at most the path
 * (~log2 n), one left child per right turn tried, and one or two nodes per
 * level inside the chosen subtree: O(log n) for every limit.
 *
 * Size-aligned requests: a gap of at least size may still hold no aligned
 * slot. Every test above therefore also asks for the subtree's largest
 * aligned block order (packed beside the maximum gap, iova_gaptree.h):
 *
 *  - a power of two 2^k needs a 2^k block, which is exactly a slot (every
 *    gap tested lies inside [start_pfn, L]; the straddling gap is tested
 *    directly). The walk never backtracks: O(log n), as unaligned;
 *  - any other size s, 2^(k-1) < s < 2^k, needs a 2^(k-1) block: every
 *    2^k-aligned slot of s pfns contains one, but a gap can hold one and
 *    no slot (a near miss). Such gaps are rejected and phase 3 backtracks
 *    through a stack of the right turns it took: O(log n) more per near
 *    miss above the answer, linear in their number in the worst case,
 *    counted like every other visit (core.complexity bounds it by the
 *    near misses it counts).
 */
#include <errno.h>

#include "iova_gaptree.h"

/* Red-black height <= 2 log2(n + 1) < 128 for any n that fits in memory. */
#define AL_MAX_DEPTH 128

static const struct iova_gap_desc anylimit_desc = {
	.cb = &gt_order_callbacks,
	.gap32 = false,
	.from_start_pfn = true,
	.max32 = false,
	.order = true,
};

/* A node whose right subtree we entered, with what we read from it. */
struct al_frame {
	struct rb_node *node;
	unsigned long pfn_lo;
	unsigned long pfn_hi;
	unsigned long gap;
	unsigned long packed; /* subtree maximum gap and order */
	struct rb_node *left;
};

static inline bool al_frame_fit(const struct al_frame *f, unsigned long size,
				unsigned long mask, unsigned long *pfn)
{
	return f->gap >= size &&
	       iova_gap_fit(f->pfn_lo - f->gap, f->pfn_lo - 1, size, mask, pfn);
}

static inline void al_read(struct al_frame *f, struct rb_node *rb)
{
	const struct iova_gap_node *g = to_gap(rb);

	f->node = rb;
	f->pfn_lo = g->iova.pfn_lo;
	f->pfn_hi = g->iova.pfn_hi;
	f->gap = g->gap_to_prev;
	f->packed = g->subtree_max_gap;
	f->left = rb->rb_left;
}

/*
 * Phase 3: the highest gap in the subtree at @top (already visited; its
 * maximum gap is >= @size) that holds an aligned slot. Returns the node
 * whose gap takes it, or NULL.
 */
static struct rb_node *al_subtree(struct rb_node *top, unsigned long size,
				  unsigned long mask,
				  const struct gt_need *need,
				  unsigned long *pfn, unsigned long *v)
{
	struct al_frame stack[AL_MAX_DEPTH], cur;
	struct rb_node *next;
	int sp = 0;

	al_read(&cur, top);
	for (;;) {
		/* cur: visited, its maximum gap fits, its right side first */
		next = cur.node->rb_right;
		if (next) {
			(*v)++;
			if (gt_need_ok(to_gap(next)->subtree_max_gap, need)) {
				stack[sp++] = cur;
				al_read(&cur, next);
				continue;
			}
		}
		for (;;) {
			if (al_frame_fit(&cur, size, mask, pfn))
				return cur.node;
			next = cur.left;
			if (next) {
				(*v)++;
				if (gt_need_ok(to_gap(next)->subtree_max_gap,
					       need))
					break;
			}
			/* cur's subtree is exhausted: back to the last right
			 * turn, whose own gap and left side come next */
			if (!sp)
				return NULL;
			cur = stack[--sp];
		}
		al_read(&cur, next);
	}
}

static int anylimit_alloc(struct iova_domain *iovad, struct iova *new,
			  unsigned long size, unsigned long limit_pfn,
			  unsigned long align_mask, unsigned long *visits,
			  unsigned long *searches)
{
	struct al_frame path[AL_MAX_DEPTH];
	struct rb_node *rb = iovad->rbroot.rb_node, *last = NULL, *gap_node;
	const struct iova_gap_node *s = NULL;
	unsigned long v = 0, lo, pfn;
	struct gt_need need;
	int depth = 0;

	if (limit_pfn < iovad->start_pfn)
		return -ENOSPC;
	(*searches)++;
	gt_need_init(&need, size, align_mask);

	/* Phase 1: toward L, stacking the right turns. */
	while (rb) {
		const struct iova_gap_node *g = to_gap(rb);

		v++;
		last = rb;
		if (s && !gt_need_ok(g->subtree_max_gap, &need))
			break;
		if (g->iova.pfn_lo <= limit_pfn) {
			al_read(&path[depth++], rb);
			rb = rb->rb_right;
		} else {
			s = g;
			rb = rb->rb_left;
		}
	}

	/* Phase 2a: the gap straddling L. */
	if (s) {
		lo = s->iova.pfn_lo - s->gap_to_prev;
		gap_node = (struct rb_node *)&s->iova.node;
	} else {
		/* every range is at or below L: above the last one */
		lo = depth ? path[depth - 1].pfn_hi + 1 : iovad->start_pfn;
		if (lo < iovad->start_pfn)
			lo = iovad->start_pfn;
		gap_node = last;
	}
	if ((s ? s->gap_to_prev :
		 !depth || path[depth - 1].pfn_hi < limit_pfn) &&
	    iova_gap_fit(lo, limit_pfn, size, align_mask, &pfn))
		goto found;

	/* Phase 2b: right turns from the deepest up. */
	while (depth--) {
		const struct al_frame *f = &path[depth];

		/* nothing in f's whole subtree is big enough: skip it
		 * without touching its left child */
		if (!gt_need_ok(f->packed, &need))
			continue;
		if (al_frame_fit(f, size, align_mask, &pfn)) {
			gap_node = f->node;
			goto found;
		}
		if (!f->left)
			continue;
		v++;
		if (!gt_need_ok(to_gap(f->left)->subtree_max_gap, &need))
			continue;
		gap_node =
			al_subtree(f->left, size, align_mask, &need, &pfn, &v);
		if (gap_node)
			goto found;
	}
	*visits += v;
	return -ENOSPC;

found:
	*visits += v;
	new->pfn_lo = pfn;
	new->pfn_hi = pfn + size - 1;
	iova_write_begin(iovad);
	gt_insert(iovad, &anylimit_desc, new, gap_node);
	iova_write_end(iovad);
	return 0;
}

static int anylimit_init(struct iova_domain *iovad)
{
	return 0;
}

static void anylimit_insert(struct iova_domain *iovad, struct iova *iova)
{
	gt_insert(iovad, &anylimit_desc, iova, NULL);
}

static void anylimit_remove(struct iova_domain *iovad, struct iova *iova)
{
	gt_remove(iovad, &anylimit_desc, iova);
}

static void anylimit_set_pfn_lo(struct iova_domain *iovad, struct iova *iova,
				unsigned long pfn_lo)
{
	gt_set_pfn_lo(iovad, &anylimit_desc, iova, pfn_lo);
}

static int anylimit_check(const struct iova_domain *iovad, char *msg,
			  size_t msglen)
{
	return gt_check(iovad, &anylimit_desc, msg, msglen);
}

const struct iova_ops iova_anylimit_ops = {
	.node_bytes = sizeof(struct iova_gap_node),
	.has_anchor = false,
	.init = anylimit_init,
	.alloc = anylimit_alloc,
	.insert = anylimit_insert,
	.remove = anylimit_remove,
	.set_pfn_lo = anylimit_set_pfn_lo,
	.check = anylimit_check,
};
