/* SPDX-License-Identifier: MIT */
/*
 * Inside the IOVA domain: the domain structure, the per-algorithm ops table
 * and helpers shared by iova.c, iova_range.c, iova_check.c and the
 * algorithm files.
 */
#ifndef IOVALAB_IOVA_INTERNAL_H
#define IOVALAB_IOVA_INTERNAL_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "iovalab/iova.h"
#include "iovalab/rbtree_augmented.h"
#include "slab.h"

/* The anchor node sits above every usable pfn (kernel IOVA_ANCHOR). */
#define IOVA_ANCHOR (~0UL)

#define IOVA_SLAB_ALIGN 64UL

/*
 * One search algorithm. Every hook runs with the domain's lock held; those
 * that change the tree are bracketed by iova_write_begin/end by the caller.
 */
struct iova_ops {
	size_t node_bytes; /* sizeof the algorithm's node */
	size_t tree_node_bytes; /* btree: its tree nodes; 0 otherwise */
	bool has_anchor;
	/* alloc sets iovad->search_lines itself (else 1 line per visit) */
	bool counts_lines;
	/* Set up algorithm state on a fresh domain (e.g. link the anchor). */
	int (*init)(struct iova_domain *iovad);
	/*
	 * Find room for @size pfns at or below @limit_pfn (inclusive) and
	 * link @new there. Returns 0 or -ENOSPC. Adds the nodes it
	 * dereferenced to *@visits and the searches it ran to *@searches.
	 * Brackets its own tree changes with iova_write_begin/end.
	 */
	int (*alloc)(struct iova_domain *iovad, struct iova *new,
		     unsigned long size, unsigned long limit_pfn,
		     unsigned long align_mask, unsigned long *visits,
		     unsigned long *searches);
	/*
	 * Optional: make sure the next insert cannot run out of memory
	 * (btree's splits). 0 or -ENOMEM; nothing changes on failure.
	 */
	int (*prepare)(struct iova_domain *iovad);
	/* Optional: free algorithm state (iova_domain_put). */
	void (*destroy)(struct iova_domain *iovad);
	/* Optional: find_iova / find_iova_lockless when not an rbtree. */
	struct iova *(*find)(struct iova_domain *iovad, unsigned long pfn);
	struct iova *(*find_lockless)(struct iova_domain *iovad,
				      unsigned long pfn);
	/* Optional: iteration when not an rbtree. */
	struct iova *(*first)(struct iova_domain *iovad);
	struct iova *(*next)(struct iova_domain *iovad, struct iova *iova);
	/* Optional: replace iova.c's rbtree checks (btree). */
	int (*check_all)(const struct iova_domain *iovad, char *msg,
			 size_t msglen);
	/* Optional: the first range with pfn_hi >= @pfn, or NULL. */
	struct iova *(*lower_bound)(struct iova_domain *iovad,
				    unsigned long pfn);
	/* Link @iova (pfns set, not overlapping anything): reserve_iova. */
	void (*insert)(struct iova_domain *iovad, struct iova *iova);
	/* Unlink @iova (cached nodes, gaps, max32_alloc_size). */
	void (*remove)(struct iova_domain *iovad, struct iova *iova);
	/* Lower @iova->pfn_lo in place (reserve_iova merging). */
	void (*set_pfn_lo)(struct iova_domain *iovad, struct iova *iova,
			   unsigned long pfn_lo);
	/* Algorithm invariants beyond the generic ones; 0 or -EUCLEAN. */
	int (*check)(const struct iova_domain *iovad, char *msg, size_t msglen);
	/*
	 * btree-pfn: ranges live inline in the tree, there is no struct
	 * iova. alloc, insert, remove and set_pfn_lo then get a struct iova
	 * on iova.c's stack that only carries the pfns (never kept), and
	 * lookups go through the two range hooks below; the struct iova
	 * calls refuse (iova.h).
	 */
	bool inline_ranges;
	/* The first range with pfn_hi >= @pfn into *@out; false if none. */
	bool (*lower_bound_range)(struct iova_domain *iovad, unsigned long pfn,
				  struct iova_range *out);
	bool (*find_range_lockless)(struct iova_domain *iovad,
				    unsigned long pfn, struct iova_range *out);
};

/* Most nodes one write may remove: a btree erase frees one per level. */
#define IOVA_WRITE_FREES 48

struct iova_domain {
	struct rb_root rbroot;
	const struct iova_ops *ops;
	enum iova_alg alg;
	unsigned int granule_shift;
	unsigned long granule;
	unsigned long start_pfn;
	unsigned long dma_32bit_pfn;
	/* classic, maxgap, gap32: smallest size known not to fit below 4G */
	unsigned long max32_alloc_size;
	/* classic only: where the last allocations landed */
	struct rb_node *cached_node;
	struct rb_node *cached32_node;
	struct iova *anchor; /* NULL for anylimit */
	iova_free_fn free_fn;
	void *free_arg;
	/*
	 * Nodes removed inside a write (btree merges) wait here for
	 * iova_write_end: the free hook may wait for a grace period, and a
	 * lockless reader spinning on the odd count would never end it.
	 */
	unsigned int nwrite_frees;
	void *write_frees[IOVA_WRITE_FREES];
	struct iova_stats stats;
	struct lab_slab slab; /* struct iova (and anchor) objects */
	struct lab_slab tree_slab; /* btree's tree nodes */
	void *priv; /* algorithm state (btree) */
	unsigned long search_lines; /* set by alloc when ops->counts_lines */
	/*
	 * Odd while a writer changes the tree; lockless readers poll it, so
	 * it lives on its own cache line, away from the writer's counters.
	 */
	_Alignas(64) atomic_ulong seq;
};

extern const struct iova_ops iova_classic_ops;
extern const struct iova_ops iova_maxgap_ops;
extern const struct iova_ops iova_gap32_ops;
extern const struct iova_ops iova_anylimit_ops;
extern const struct iova_ops iova_btree_ops;
extern const struct iova_ops iova_btree_pfn_ops;

/* Return a removed node: through the free hook, else to @slab at once. */
void iova_node_free_to(struct iova_domain *iovad, struct lab_slab *slab,
		       void *node);

static inline struct iova *to_iova(const struct rb_node *node)
{
	return rb_entry(node, struct iova, node);
}

/*
 * Seqcount writer side. No fences (ThreadSanitizer does not model them):
 * every store a lockless reader can see is a release store (child pointers,
 * pfns), so a reader that sees any of them also sees the odd count stored
 * before it; the even count is stored with release after all of them.
 * Readers load with acquire and check the count again at the end.
 */
static inline void iova_write_begin(struct iova_domain *iovad)
{
	unsigned long s =
		atomic_load_explicit(&iovad->seq, memory_order_relaxed);

	atomic_store_explicit(&iovad->seq, s + 1, memory_order_relaxed);
}

/* The free hook for the nodes a write removed, once the count is even. */
void iova_write_frees_flush(struct iova_domain *iovad);

static inline void iova_write_end(struct iova_domain *iovad)
{
	unsigned long s =
		atomic_load_explicit(&iovad->seq, memory_order_relaxed);

	atomic_store_explicit(&iovad->seq, s + 1, memory_order_release);
	if (iovad->nwrite_frees)
		iova_write_frees_flush(iovad);
}

/* pfn stores to a node that lockless readers may be looking at. */
static inline void iova_store_pfn(unsigned long *field, unsigned long pfn)
{
	__atomic_store_n(field, pfn, __ATOMIC_RELEASE);
	rb_store_hook();
}

/*
 * Link @iova by its pfn_lo, descending from @start (NULL: the root). @start
 * must be an ancestor of the new node's position, e.g. the node right above
 * the gap the range was carved from.
 */
void iova_link(struct rb_root *root, struct iova *iova, struct rb_node *start);

/* The anchor range at IOVA_ANCHOR, allocated like any node. */
struct iova *iova_anchor_alloc(struct iova_domain *iovad);

/* Format a checker message; always returns -EUCLEAN. */
int iova_check_fail(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Shared by iova.c and iova_range.c (the two APIs over one domain):
 * iova_alloc() is alloc_iova()'s body (0 and the range in *@res, or
 * -EINVAL, -ENOSPC, -ENOMEM; inline ranges: @tmp carries the pfns out);
 * iova_remove_inline() removes an inline range, counted as __free_iova;
 * iova_lower_bound() is the lowest range ending at or above @pfn (never the
 * anchor), or NULL; iova_reserve() is reserve_iova()'s body (0 and the
 * range covering @pfn_hi in *@res, inline ranges: a copy in *@buf; or
 * -EINVAL, -ENOMEM).
 */
int iova_alloc(struct iova_domain *iovad, unsigned long size,
	       unsigned long limit_pfn, bool size_aligned, struct iova **res,
	       struct iova *tmp);
void iova_remove_inline(struct iova_domain *iovad, const struct iova_range *r);
struct iova *iova_lower_bound(struct iova_domain *iovad, unsigned long pfn);
int iova_reserve(struct iova_domain *iovad, unsigned long pfn_lo,
		 unsigned long pfn_hi, struct iova **res, struct iova *buf);

/* The full checker after every tree operation in checking builds. */
#ifdef IOVALAB_CHECK
static inline void iova_debug_check(const struct iova_domain *iovad,
				    const char *op)
{
	char msg[256];

	if (iova_domain_check(iovad, msg, sizeof(msg))) {
		fprintf(stderr,
			"iovalab: %s: invariant violated after %s: %s\n",
			iova_alg_name(iovad->alg), op, msg);
		abort();
	}
}
#else
static inline void iova_debug_check(const struct iova_domain *iovad,
				    const char *op)
{
}
#endif

/* Exclusive internal limit as the kernel passes it (limit_pfn + 1); the
 * anchor occupies IOVA_ANCHOR, so an inclusive ULONG_MAX is the same as
 * ULONG_MAX - 1 there and must not wrap to 0. */
static inline unsigned long iova_limit_excl(unsigned long limit_pfn)
{
	return limit_pfn == ~0UL ? ~0UL : limit_pfn + 1;
}

/*
 * Highest start for @size pfns inside [lo, hi] that @align_mask allows
 * (~0UL: any), in *pfn; false if none. Shared by anylimit and btree, whose
 * placements must agree exactly.
 */
static inline bool iova_gap_fit(unsigned long lo, unsigned long hi,
				unsigned long size, unsigned long align_mask,
				unsigned long *pfn)
{
	unsigned long p;

	if (hi < lo || hi - lo < size - 1)
		return false;
	p = (hi - (size - 1)) & align_mask;
	if (p < lo)
		return false;
	*pfn = p;
	return true;
}

#endif /* IOVALAB_IOVA_INTERNAL_H */
