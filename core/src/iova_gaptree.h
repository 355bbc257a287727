/* SPDX-License-Identifier: MIT */
/*
 * Gap-augmented trees, shared by maxgap, gap32 and anylimit.
 *
 * Every node records the free gap just below it, gap_to_prev: the pfns
 * between its predecessor's pfn_hi and its own pfn_lo, and the largest such
 * gap in its subtree (subtree_max_gap). gap32 also keeps the part of the gap
 * below dma_32bit_pfn and its subtree maximum.
 *
 *   pred            node
 *   [....]  free   [....]
 *         ^-------^
 *      gap_to_prev = node.pfn_lo - (pred.pfn_hi + 1)
 *
 * Where the lowest gap starts differs: maxgap and gap32 measure it from
 * pfn 0 as the patch series does (gap = pfn_lo), so the search itself must
 * reject the pfns below start_pfn; anylimit measures it from start_pfn, so
 * that every recorded gap is exactly usable space.
 *
 * anylimit also keeps, per subtree, the order of the largest naturally
 * aligned power-of-two block inside any one of its gaps, packed into the
 * top bits of subtree_max_gap so the node stays 56 bytes (a 64-byte slab
 * object). A gap [lo, hi] holds an aligned slot for a size-aligned 2^k
 * request exactly when it holds an aligned 2^k block, so that order prunes
 * aligned searches as the maximum gap prunes unaligned ones:
 *
 *   subtree_max_gap:  | order code (7 bits) | max gap (57 bits) |
 *
 * The order code is 0 for no gap and k + 1 for a largest block of 2^k
 * pfns (k <= 63 fits). The max gap saturates at GT_GAP_SAT: a pfn is below
 * 2^55 at the smallest granule, so only ranges placed beyond the address
 * space can meet it, and a saturated maximum only admits subtrees (the
 * search then rejects their gaps one by one), never hides a fit.
 */
#ifndef IOVALAB_IOVA_GAPTREE_H
#define IOVALAB_IOVA_GAPTREE_H

#include "iova_internal.h"

struct iova_gap_node {
	struct iova iova;
	unsigned long gap_to_prev;
	unsigned long subtree_max_gap;
};

struct iova_gap32_node {
	struct iova_gap_node g;
	unsigned long clamped_gap32; /* part of gap_to_prev below 4G */
	unsigned long subtree_max_gap32;
};

struct iova_gap_desc {
	const struct rb_augment_callbacks *cb;
	bool gap32; /* nodes are struct iova_gap32_node */
	bool from_start_pfn; /* lowest gap measured from start_pfn */
	bool max32; /* freeing below 4G resets max32_alloc_size */
	bool order; /* subtree_max_gap packs the aligned-block order */
};

#define GT_ORDER_SHIFT 57
#define GT_GAP_SAT ((1UL << GT_ORDER_SHIFT) - 1)

static inline unsigned long gt_packed_gap(unsigned long packed)
{
	return packed & GT_GAP_SAT;
}

static inline unsigned int gt_packed_order(unsigned long packed)
{
	return (unsigned int)(packed >> GT_ORDER_SHIFT);
}

static inline unsigned long gt_pack(unsigned long max_gap, unsigned int code)
{
	if (max_gap > GT_GAP_SAT)
		max_gap = GT_GAP_SAT;
	return max_gap | (unsigned long)code << GT_ORDER_SHIFT;
}

/*
 * Order code of the non-empty gap [lo, end - 1]: k + 1 for the largest k
 * with an aligned 2^k block inside. A block of 2^k fits exactly when two
 * multiples of 2^k lie in [lo, end], i.e. (end >> k) - ((lo - 1) >> k) >= 2.
 * With a = lo - 1 and b = end, that difference is 1 at the highest bit j
 * where a and b differ; below j it stays 1 while a has a 1 where b has a 0
 * and becomes >= 2 at the first bit where that is not so: k is that bit.
 */
static inline unsigned int gt_order_code(unsigned long lo, unsigned long end)
{
	unsigned long a, x;
	int j;

	if (!lo) /* [0, end - 1]: the block at 0 */
		return (unsigned int)(64 - __builtin_clzl(end));
	a = lo - 1;
	j = 63 - __builtin_clzl(a ^ end);
	x = ~(a & ~end) & ((1UL << j) - 1);
	return (unsigned int)(64 - __builtin_clzl(x));
}

/*
 * What a subtree must offer before a search enters it: a maximum gap of at
 * least @gap and an aligned-block order code of at least @code. Exact for
 * unaligned requests (code 0) and for size-aligned powers of two (code
 * k + 1 for 2^k pfns: such a block is the slot); for other aligned sizes a
 * necessary condition only (anylimit's header comment). Shared by anylimit
 * (subtree_max_gap) and btree (its per-child gap[]), whose placements must
 * agree.
 */
struct gt_need {
	unsigned long gap;
	unsigned int code;
};

static inline bool gt_need_ok(unsigned long packed, const struct gt_need *n)
{
	return gt_packed_gap(packed) >= n->gap &&
	       gt_packed_order(packed) >= n->code;
}

static inline void gt_need_init(struct gt_need *n, unsigned long size,
				unsigned long align_mask)
{
	unsigned int k;

	/* a saturated maximum may hide any size above it: admit it */
	n->gap = size < GT_GAP_SAT ? size : GT_GAP_SAT;
	n->code = 0;
	if (align_mask == ~0UL)
		return;
	if (!align_mask) { /* 2^64 alignment: nothing can hold it */
		n->code = 65;
		return;
	}
	k = (unsigned int)__builtin_ctzl(align_mask);
	/* a 2^k block is the slot itself; a larger non-power-of-two size
	 * starts a 2^k-aligned slot that contains a 2^(k-1) block */
	n->code = (size & (size - 1)) ? k : k + 1;
}

/*
 * The checkers' own order code of the gap [lo, hi], by trying every order
 * from the top: kept apart from gt_order_code() so that a slip in the bit
 * trick shows.
 */
unsigned int gt_check_order(unsigned long lo, unsigned long hi);

/* The order code of @g's own gap. */
static inline unsigned int gt_gap_order(const struct iova_gap_node *g)
{
	if (!g->gap_to_prev)
		return 0;
	return gt_order_code(g->iova.pfn_lo - g->gap_to_prev, g->iova.pfn_lo);
}

static inline struct iova_gap_node *to_gap(const struct rb_node *rb)
{
	return rb_entry(rb, struct iova_gap_node, iova.node);
}

static inline struct iova_gap32_node *to_gap32(const struct rb_node *rb)
{
	return rb_entry(rb, struct iova_gap32_node, g.iova.node);
}

/* The part of [pfn_lo - gap, pfn_lo - 1] below @dma_32bit_pfn. */
static inline unsigned long iova_clamped_gap32(unsigned long pfn_lo,
					       unsigned long gap,
					       unsigned long dma_32bit_pfn)
{
	unsigned long gap_lo = pfn_lo - gap, gap_hi = pfn_lo - 1;

	if (!gap || gap_lo >= dma_32bit_pfn)
		return 0;
	if (gap_hi >= dma_32bit_pfn)
		gap_hi = dma_32bit_pfn - 1;
	return gap_hi - gap_lo + 1;
}

extern const struct rb_augment_callbacks gt_gap_callbacks;
extern const struct rb_augment_callbacks gt_gap32_callbacks;
extern const struct rb_augment_callbacks gt_order_callbacks;

/* The gap below @iova given its predecessor @prev (NULL: none). */
unsigned long gt_gap_below(const struct iova_domain *iovad,
			   const struct iova_gap_desc *d,
			   const struct iova *iova, const struct iova *prev);

int gt_init_anchor(struct iova_domain *iovad, const struct iova_gap_desc *d);
/* Link @iova below @start (NULL: from the root); gaps kept right. */
void gt_insert(struct iova_domain *iovad, const struct iova_gap_desc *d,
	       struct iova *iova, struct rb_node *start);
void gt_remove(struct iova_domain *iovad, const struct iova_gap_desc *d,
	       struct iova *iova);
void gt_set_pfn_lo(struct iova_domain *iovad, const struct iova_gap_desc *d,
		   struct iova *iova, unsigned long pfn_lo);
int gt_check(const struct iova_domain *iovad, const struct iova_gap_desc *d,
	     char *msg, size_t msglen);

/*
 * The series' search (maxgap; gap32 when @use_gap32): reverse in-order walk
 * pruned by subtree maxima. Returns the node whose gap takes the range and
 * sets *new_pfn, or NULL.
 */
struct rb_node *gt_series_search(struct iova_domain *iovad, unsigned long size,
				 unsigned long limit_pfn,
				 unsigned long align_mask, bool use_gap32,
				 unsigned long *new_pfn, unsigned long *visits);

/* The maxgap/gap32 alloc hook around gt_series_search(). */
int gt_series_alloc(struct iova_domain *iovad, const struct iova_gap_desc *d,
		    struct iova *new, unsigned long size,
		    unsigned long limit_pfn, unsigned long align_mask,
		    unsigned long *visits, unsigned long *searches);

#endif /* IOVALAB_IOVA_GAPTREE_H */
