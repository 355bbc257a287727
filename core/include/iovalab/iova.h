/* SPDX-License-Identifier: MIT */
/*
 * The IOVA domain: a kernel-style allocator of I/O virtual page frames
 * (Linux drivers/iommu/iova.c semantics, written for this lab).
 *
 * Ranges are inclusive [pfn_lo, pfn_hi]. Allocation is top-down: the range
 * is placed as high as the algorithm finds below @limit_pfn (inclusive) and
 * never below the domain's start_pfn. The search algorithm is fixed when the
 * domain is created (see enum iova_alg).
 *
 * Concurrency: a domain is NOT internally locked. Callers serialise every
 * mutating call (alloc_iova, free_iova, __free_iova, reserve_iova) and
 * find_iova with one lock, as the kernel does with iova_rbtree_lock; the
 * rcache layer owns that lock. find_iova, iova_first/iova_next and
 * iova_domain_check only read (no counters either), so several may run
 * together under a shared (reader) lock. The one exception is
 * find_iova_lockless(), which may run concurrently with one writer (see
 * there). Algorithms and their quirks: core/README.md.
 *
 * Two ways in: the struct iova calls below, and the range (pfn) API at the
 * end of this file. Every algorithm implements the range API; btree-pfn
 * keeps no struct iova per range, so it implements only that one (plus
 * free_iova by pfn) and the struct iova calls refuse it: alloc_iova,
 * find_iova, find_iova_lockless, reserve_iova, iova_first and iova_next
 * return NULL with errno EOPNOTSUPP, counting nothing; __free_iova does
 * nothing (no struct iova of it can exist). iova_alg_has_iova() tells.
 */
#ifndef IOVALAB_IOVA_H
#define IOVALAB_IOVA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iovalab/rbtree.h"

enum iova_alg {
	IOVA_ALG_CLASSIC, /* today's kernel: cached nodes, linear rb_prev walk */
	IOVA_ALG_MAXGAP, /* augmented: gap_to_prev + subtree max gap */
	IOVA_ALG_GAP32, /* maxgap + 32-bit-clamped gap field (patch 3/4) */
	IOVA_ALG_ANYLIMIT, /* one root-to-gap walk for any limit_pfn */
	IOVA_ALG_BTREE, /* B-tree of range pointers, per-child max gap */
	IOVA_ALG_BTREE_PFN, /* btree with ranges inline: range API only */
	IOVA_ALG_NR
};

/*
 * The part of every algorithm's node that callers see. Each algorithm
 * embeds this at offset 0 of its own node type, so sizeof differs per
 * algorithm (iova_node_bytes()). pfn_lo/pfn_hi may be read by lockless
 * readers: both are set before the node is linked (rb_link_node publishes
 * it with a release store); once linked, the one change, reserve_iova
 * lowering pfn_lo in place, is a release store, and find_iova_lockless()
 * loads both with acquire.
 */
struct iova {
	struct rb_node node;
	unsigned long pfn_hi; /* highest allocated pfn */
	unsigned long pfn_lo; /* lowest allocated pfn */
};

/* Pfns in the range (the kernel's iova_size()). */
static inline unsigned long iova_size(const struct iova *iova)
{
	return iova->pfn_hi - iova->pfn_lo + 1;
}

struct iova_domain;

struct iova_stats {
	uint64_t allocs; /* successful alloc_iova calls */
	uint64_t alloc_failures; /* alloc_iova calls that returned NULL */
	uint64_t frees; /* ranges removed (free_iova, __free_iova) */
	uint64_t reserves; /* successful reserve_iova calls */
	uint64_t searches; /* alloc searches run (a retry counts again) */
	uint64_t visited_total; /* nodes dereferenced by all alloc searches */
	uint64_t visited_max; /* most nodes one alloc_iova call dereferenced */
	uint64_t visited_last; /* nodes the last alloc_iova call dereferenced */
	uint64_t live; /* ranges in the tree (allocated + reserved) */
	/*
	 * Cache lines the alloc searches read (see core/README.md: every
	 * line of a node the search loads a field from, once per visit).
	 */
	uint64_t lines_total;
	uint64_t lines_max; /* most lines one alloc_iova call read */
	/* btree: tree nodes allocated and freed (splits, merges, root) */
	uint64_t node_allocs;
	uint64_t node_frees;
	/*
	 * The domain's object caches (struct iova and tree nodes): objects
	 * handed out (the anchor and nodes waiting for a deferred free
	 * included) and the bytes their pages keep resident.
	 */
	uint64_t slab_objects;
	uint64_t slab_bytes;
};

/* "classic", "maxgap", "gap32", "anylimit", "btree", "btree-pfn"; NULL
 * for out-of-range. */
const char *iova_alg_name(enum iova_alg alg);
/* NULL-terminated list of the names above, in enum order. */
extern const char *const iova_alg_names[];
/* Index of @name in iova_alg_names, or -EINVAL. */
int iova_alg_parse(const char *name);
/*
 * Whether @alg hands out struct iova (all but btree-pfn; false for an
 * out-of-range value). Tools that need the pointers refuse the others.
 */
bool iova_alg_has_iova(enum iova_alg alg);

/*
 * sizeof the algorithm's per-range node (struct iova and what the
 * algorithm adds to it), and what a 64-byte-aligned slab charges for it
 * (0 for btree-pfn, which has no per-range object). btree and btree-pfn
 * also have tree nodes of iova_tree_node_bytes() (0 for the others).
 */
size_t iova_node_bytes(enum iova_alg alg);
size_t iova_slab_bytes(enum iova_alg alg);
size_t iova_tree_node_bytes(enum iova_alg alg);

/*
 * Create a domain. @granule: bytes per pfn, a power of two (>= 512, as in
 * the kernel, and <= 2^30). @start_pfn: lowest allocatable pfn, in
 * [1, iova_domain_max_pfn()] (past the last pfn nothing could be
 * allocated: refused, the rule of iova_domain_max_pfn()).
 * dma_32bit_pfn is 1 << (32 - log2(granule)).
 * Returns NULL with errno EINVAL (bad alg/granule/start_pfn) or ENOMEM.
 */
struct iova_domain *iova_domain_create(enum iova_alg alg, unsigned long granule,
				       unsigned long start_pfn);

/*
 * Free every range and the domain. NULL is a no-op. Nothing may run on the
 * domain any more, lockless readers included, and every node handed to the
 * free hook must have been released (iova_node_release) already: the
 * domain's object caches are unmapped at once.
 */
void iova_domain_put(struct iova_domain *iovad);

enum iova_alg iova_domain_alg(const struct iova_domain *iovad);
unsigned long iova_domain_start_pfn(const struct iova_domain *iovad);
unsigned long iova_domain_dma_32bit_pfn(const struct iova_domain *iovad);
/*
 * The domain's last pfn, ULONG_MAX >> log2(granule): the highest page
 * whose byte address fits an unsigned long. The one rule for anything
 * above it, the same for every algorithm and for alloc_iova and
 * reserve_iova (and the rcache layer's fast path): refused, never
 * clamped. An allocation whose limit_pfn lies above it fails (before
 * any search, no state changes), as does a reservation whose pfn_hi does.
 */
unsigned long iova_domain_max_pfn(const struct iova_domain *iovad);

/*
 * Allocate @size pfns at or below @limit_pfn (inclusive), size-aligned
 * (start a multiple of roundup_pow_of_two(size)) when @size_aligned.
 * Returns the new range, or NULL when: @size is 0; no fit was found (for
 * classic/maxgap/gap32 this includes max32_alloc_size short-cuts while
 * space remains: a documented quirk); @limit_pfn < start_pfn;
 * @limit_pfn > iova_domain_max_pfn() (refused before any search); or
 * memory ran out. classic, maxgap and gap32 keep an anchor range at pfn
 * ULONG_MAX, above every domain's last pfn.
 */
struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned);

/* The range containing @pfn, or NULL (never the anchor). */
struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn);

/*
 * find_iova() that may run concurrently with one writer holding the
 * domain's lock, inside a read-side critical section that keeps removed
 * nodes' memory alive (RCU). Never loops, never dereferences a node that
 * was not linked at some point during the call; retries on the domain's
 * sequence count when a writer moved nodes, so a range that stayed in the
 * tree for the whole call is always found. A non-NULL result held @pfn
 * when it was read; read its pfns with atomic loads, since reserve_iova
 * may lower pfn_lo of a linked range in place (a release store). Relaxed
 * is enough: this call reached the node through acquire loads.
 */
struct iova *find_iova_lockless(struct iova_domain *iovad, unsigned long pfn);

/* Remove @iova (from alloc_iova, find_iova or reserve_iova) and free it. */
void __free_iova(struct iova_domain *iovad, struct iova *iova);

/*
 * Remove the range containing @pfn (every algorithm, btree-pfn too).
 * Returns 0, or -ENOENT if no range contains @pfn (nothing changes).
 */
int free_iova(struct iova_domain *iovad, unsigned long pfn);

/*
 * Mark [pfn_lo, pfn_hi] as used so no allocation returns it, merging with
 * ranges it overlaps (kernel semantics: the first overlapping range is
 * widened down to pfn_lo, each later one down to the end of the one before,
 * and what sticks out above the last becomes one new range). The range may
 * lie below start_pfn, as in the kernel. Returns the range that covers
 * pfn_hi (the new one, or the existing one the request ended in), or NULL
 * when pfn_lo > pfn_hi, pfn_hi > ULONG_MAX >> log2(granule) (the kernel's
 * "nonsensical pfn" check, which also keeps the anchor out of reach), or
 * memory ran out (then nothing changed).
 */
struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi);

/*
 * Where removed nodes go (ranges, and btree's tree nodes). Default: back to
 * the domain's object cache at once. A lock strategy with lockless readers
 * installs a hook that defers the release past a grace period; whoever
 * holds the node then calls iova_node_release(node), from any thread, once
 * (never free()). The hook receives the node's start address.
 */
typedef void (*iova_free_fn)(void *node, void *arg);
void iova_node_release(void *node);
void iova_domain_set_free_hook(struct iova_domain *iovad, iova_free_fn fn,
			       void *arg);

/* Copy the domain's counters (caller holds the domain's lock). */
void iova_domain_stats(const struct iova_domain *iovad, struct iova_stats *st);

/*
 * Full invariant check, O(n): red-black rules (root black, no red-red,
 * equal black height), parent pointers, key order, no overlaps, pfn_lo <=
 * pfn_hi and nothing on the anchor's pfn, the anchor present and last
 * (classic/maxgap/gap32) or absent (anylimit), the live count, every
 * augmented field (gap_to_prev, clamped_gap32, subtree maxima) recomputed
 * from scratch, cached nodes (classic) linked in the tree. The start_pfn
 * bound is not checked here, because reserve_iova may legally go below it;
 * IOVALAB_CHECK builds check it (and alignment and the limit) on every
 * range alloc_iova returns. Returns 0, or -EUCLEAN with a description of
 * the first violation in @msg. With IOVALAB_CHECK=1 every mutating call
 * runs it and aborts with the message on a violation.
 */
int iova_domain_check(const struct iova_domain *iovad, char *msg,
		      size_t msglen);

/* Iterate ranges in address order; anchor nodes are skipped. */
struct iova *iova_first(struct iova_domain *iovad);
struct iova *iova_next(struct iova_domain *iovad, struct iova *iova);

/*
 * The range (pfn) API: the same domain, addressed by pfns instead of
 * struct iova pointers (the kernel's fast path, alloc_iova_fast and
 * free_iova_fast, is pfn-based too). Every algorithm implements it; for
 * those that keep a struct iova per range these are thin wrappers over
 * the calls above, with the same placements, counters (allocs,
 * alloc_failures, frees, reserves, nodes visited, cache lines) and fault
 * injection sites. Locking as for the struct iova calls they mirror.
 */
struct iova_range {
	unsigned long pfn_lo; /* lowest pfn of the range */
	unsigned long pfn_hi; /* highest pfn, inclusive */
};

/*
 * alloc_iova() returning the new range's first pfn in *@pfn_lo (its last
 * is *@pfn_lo + @size - 1). Returns 0; -EINVAL when @size is 0 or
 * @limit_pfn > iova_domain_max_pfn() (refused before any search);
 * -ENOSPC when no fit was found (including @limit_pfn < start_pfn and the
 * max32_alloc_size short-cut of classic/maxgap/gap32); -ENOMEM when memory
 * ran out (nothing changed). Every failure counts in alloc_failures.
 */
int iova_alloc_range(struct iova_domain *iovad, unsigned long size,
		     unsigned long limit_pfn, bool size_aligned,
		     unsigned long *pfn_lo);

/*
 * Remove the range that is exactly [@pfn_lo, @pfn_lo + @size - 1]. Returns
 * 0, or -EINVAL (nothing changes) when @size is 0 or no live range is
 * exactly that: a pfn inside a range, a wrong size, a range widened by
 * reserve_iova since, or no range at all.
 */
int iova_free_range(struct iova_domain *iovad, unsigned long pfn_lo,
		    unsigned long size);

/* find_iova(): true and the range containing @pfn in *@out, else false. */
bool iova_find_range(struct iova_domain *iovad, unsigned long pfn,
		     struct iova_range *out);

/*
 * find_iova_lockless() with find_iova_lockless()'s contract (one
 * concurrent writer, RCU read side, never loops, retries on the sequence
 * count): on true, *@out is a range that held @pfn, read consistently
 * (both pfns of one range), and that was in the tree during the call.
 */
bool iova_find_range_lockless(struct iova_domain *iovad, unsigned long pfn,
			      struct iova_range *out);

/*
 * reserve_iova(), with its merge semantics. Returns 0 and, when @out is
 * not NULL, the range that covers @pfn_hi in *@out; -EINVAL when
 * @pfn_lo > @pfn_hi or @pfn_hi > iova_domain_max_pfn(); -ENOMEM when
 * memory ran out (nothing changed).
 */
int iova_reserve_range(struct iova_domain *iovad, unsigned long pfn_lo,
		       unsigned long pfn_hi, struct iova_range *out);

/*
 * Iteration in address order: true and the lowest range with pfn_hi >=
 * @pfn (the one containing @pfn, else the next above it) in *@out, false
 * when there is none. Anchor ranges are skipped. From the start:
 *
 *	for (ok = iova_next_range(d, 0, &r); ok;
 *	     ok = r.pfn_hi != ~0UL && iova_next_range(d, r.pfn_hi + 1, &r))
 */
bool iova_next_range(struct iova_domain *iovad, unsigned long pfn,
		     struct iova_range *out);

#endif /* IOVALAB_IOVA_H */
