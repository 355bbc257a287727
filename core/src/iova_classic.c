// SPDX-License-Identifier: MIT
/*
 * classic: the search of today's Linux drivers/iommu/iova.c, reproduced so
 * that the same operation sequence picks the same addresses, quirks
 * included (core/README.md lists them).
 *
 * The tree is plain (no augmentation). An anchor range at IOVA_ANCHOR keeps
 * it non-empty. Two cached nodes remember where recent allocations landed:
 * cached32_node for ranges below dma_32bit_pfn, cached_node for the rest.
 * An allocation walks rb_prev() downwards from the cached node for its
 * limit class, first fit, top-down:
 *
 *   limit                        cached node
 *     |                               |
 *   ..[ c ]   gap   [ b ]  gap  [ a ] [cached]
 *                 <------ walk ------
 *
 * and, if that fails, once more from the first range above the limit
 * (iova_find_limit) down to just above where the first walk started.
 * max32_alloc_size remembers the size of the last failure and fails 32-bit
 * requests at least that big without searching, until a range below
 * dma_32bit_pfn is freed.
 *
 * Visit counting: every node the walk dereferences is counted once each
 * time the walk reaches it, including the nodes rb_prev() passes while
 * descending into a left subtree or climbing to an ancestor, and every node
 * iova_find_limit() looks at.
 */
#include <errno.h>

#include "iova_internal.h"

static unsigned long classic_min(unsigned long a, unsigned long b)
{
	return a < b ? a : b;
}

/* rb_prev(), counting every node it dereferences. */
static struct rb_node *classic_prev(struct rb_node *node, unsigned long *v)
{
	struct rb_node *parent;

	if (node->rb_left) {
		node = node->rb_left;
		(*v)++;
		while (node->rb_right) {
			node = node->rb_right;
			(*v)++;
		}
		return node;
	}
	while ((parent = rb_parent(node))) {
		(*v)++;
		if (node != parent->rb_left)
			break;
		node = parent;
	}
	return parent;
}

static struct rb_node *classic_cached_node(struct iova_domain *iovad,
					   unsigned long limit_pfn)
{
	if (limit_pfn <= iovad->dma_32bit_pfn)
		return iovad->cached32_node;
	return iovad->cached_node;
}

static void classic_cached_insert_update(struct iova_domain *iovad,
					 struct iova *new)
{
	if (new->pfn_hi < iovad->dma_32bit_pfn)
		iovad->cached32_node = &new->node;
	else
		iovad->cached_node = &new->node;
}

/*
 * Before @free leaves the tree: a cached node at or below it moves up to
 * its successor (for cached32_node only when @free lies below 4G, or is
 * the cached node itself); freeing anything that starts below 4G forgets
 * the last 32-bit failure.
 */
static void classic_cached_delete_update(struct iova_domain *iovad,
					 struct iova *free)
{
	struct iova *cached = to_iova(iovad->cached32_node);

	if (free == cached || (free->pfn_hi < iovad->dma_32bit_pfn &&
			       free->pfn_lo >= cached->pfn_lo))
		iovad->cached32_node = rb_next(&free->node);
	if (free->pfn_lo < iovad->dma_32bit_pfn)
		iovad->max32_alloc_size = iovad->dma_32bit_pfn;
	cached = to_iova(iovad->cached_node);
	if (free->pfn_lo >= cached->pfn_lo)
		iovad->cached_node = rb_next(&free->node);
}

/*
 * Where the retry starts: for limits above 4G the anchor (a crude guess
 * that the limit is near the top); otherwise the lowest range whose pfn_lo
 * is at or above @limit_pfn (exclusive limit), found by descending from the
 * root. The anchor guarantees one exists. Counts what it dereferences.
 */
static struct rb_node *classic_find_limit(struct iova_domain *iovad,
					  unsigned long limit_pfn,
					  unsigned long *v)
{
	struct rb_node *node, *left, *next;

	if (limit_pfn > iovad->dma_32bit_pfn) {
		(*v)++;
		return &iovad->anchor->node;
	}
	node = iovad->rbroot.rb_node;
	(*v)++;
	while (to_iova(node)->pfn_hi < limit_pfn) {
		node = node->rb_right;
		(*v)++;
	}
	for (;;) {
		/* slide down-left while the left child is still above */
		left = node->rb_left;
		if (!left)
			return node;
		(*v)++;
		if (to_iova(left)->pfn_lo >= limit_pfn) {
			node = left;
			continue;
		}
		/* something in left's right spine may still be above */
		next = left;
		while (next->rb_right) {
			next = next->rb_right;
			(*v)++;
			if (to_iova(next)->pfn_lo >= limit_pfn)
				break;
		}
		if (to_iova(next)->pfn_lo < limit_pfn)
			return node;
		node = next;
	}
}

static int classic_alloc(struct iova_domain *iovad, struct iova *new,
			 unsigned long size, unsigned long limit,
			 unsigned long align_mask, unsigned long *visits,
			 unsigned long *searches)
{
	/* the kernel's __alloc_and_insert_iova_range gets limit_pfn + 1 */
	unsigned long limit_pfn = iova_limit_excl(limit);
	unsigned long high_pfn = limit_pfn, low_pfn = iovad->start_pfn;
	unsigned long new_pfn, retry_pfn, v = 0;
	struct rb_node *curr, *prev;
	struct iova *curr_iova;
	bool retried = false;

	if (limit_pfn <= iovad->dma_32bit_pfn &&
	    size >= iovad->max32_alloc_size)
		return -ENOSPC;

	curr = classic_cached_node(iovad, limit_pfn);
	curr_iova = to_iova(curr);
	v++;
	retry_pfn = curr_iova->pfn_hi;
	(*searches)++;
retry:
	/*
	 * Invariant: [new_pfn, new_pfn + size) is the highest aligned slot
	 * below min(limit, lowest pfn_lo seen); stop at the first range it
	 * clears (or when it sinks below low_pfn).
	 */
	do {
		high_pfn = classic_min(high_pfn, curr_iova->pfn_lo);
		new_pfn = (high_pfn - size) & align_mask;
		prev = curr;
		curr = classic_prev(curr, &v);
		curr_iova = curr ? to_iova(curr) : NULL;
	} while (curr && new_pfn <= curr_iova->pfn_hi && new_pfn >= low_pfn);

	if (high_pfn < size || new_pfn < low_pfn) {
		/*
		 * The kernel retries whenever low_pfn is back at start_pfn,
		 * which loops forever if the cached node ends at
		 * start_pfn - 1 (only reachable by freeing a range reserved
		 * below start_pfn): retry at most once.
		 */
		if (!retried && low_pfn == iovad->start_pfn &&
		    retry_pfn < limit_pfn) {
			retried = true;
			high_pfn = limit_pfn;
			low_pfn = retry_pfn + 1;
			curr = classic_find_limit(iovad, limit_pfn, &v);
			curr_iova = to_iova(curr);
			(*searches)++;
			goto retry;
		}
		/* set on every failure, 64-bit ones included (kernel) */
		iovad->max32_alloc_size = size;
		*visits += v;
		return -ENOSPC;
	}
	*visits += v;

	new->pfn_lo = new_pfn;
	new->pfn_hi = new_pfn + size - 1;
	iova_write_begin(iovad);
	/* prev is right above the gap: the new node goes below it */
	iova_link(&iovad->rbroot, new, prev);
	rb_insert_color(&new->node, &iovad->rbroot);
	iova_write_end(iovad);
	classic_cached_insert_update(iovad, new);
	return 0;
}

static int classic_init(struct iova_domain *iovad)
{
	iovad->anchor = iova_anchor_alloc(iovad);
	if (!iovad->anchor)
		return -ENOMEM;
	iovad->cached_node = &iovad->anchor->node;
	iovad->cached32_node = &iovad->anchor->node;
	rb_link_node(&iovad->anchor->node, NULL, &iovad->rbroot.rb_node);
	rb_insert_color(&iovad->anchor->node, &iovad->rbroot);
	return 0;
}

/* reserve_iova's new ranges: linked from the root, caches untouched. */
static void classic_insert(struct iova_domain *iovad, struct iova *iova)
{
	iova_link(&iovad->rbroot, iova, NULL);
	rb_insert_color(&iova->node, &iovad->rbroot);
}

static void classic_remove(struct iova_domain *iovad, struct iova *iova)
{
	classic_cached_delete_update(iovad, iova);
	rb_erase(&iova->node, &iovad->rbroot);
}

static void classic_set_pfn_lo(struct iova_domain *iovad, struct iova *iova,
			       unsigned long pfn_lo)
{
	iova_store_pfn(&iova->pfn_lo, pfn_lo);
}

/* Is @node linked in the tree (found by its key)? */
static bool classic_in_tree(const struct iova_domain *iovad,
			    const struct rb_node *node)
{
	const struct rb_node *rb = iovad->rbroot.rb_node;
	unsigned long pfn = to_iova(node)->pfn_lo;

	while (rb && rb != node)
		rb = pfn < to_iova(rb)->pfn_lo ? rb->rb_left : rb->rb_right;
	return rb == node;
}

static int classic_check(const struct iova_domain *iovad, char *msg,
			 size_t msglen)
{
	if (!iovad->cached_node || !classic_in_tree(iovad, iovad->cached_node))
		return iova_check_fail(msg, msglen,
				       "cached_node is not in the tree");
	if (!iovad->cached32_node ||
	    !classic_in_tree(iovad, iovad->cached32_node))
		return iova_check_fail(msg, msglen,
				       "cached32_node is not in the tree");
	return 0;
}

const struct iova_ops iova_classic_ops = {
	.node_bytes = sizeof(struct iova),
	.has_anchor = true,
	.init = classic_init,
	.alloc = classic_alloc,
	.insert = classic_insert,
	.remove = classic_remove,
	.set_pfn_lo = classic_set_pfn_lo,
	.check = classic_check,
};
