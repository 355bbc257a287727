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
 * rcache layer owns that lock. The one exception is find_iova_lockless(),
 * which may run concurrently with one writer (see there).
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
	IOVA_ALG_NR
};

/*
 * The part of every algorithm's node that callers see. Each algorithm
 * embeds this at offset 0 of its own node type, so sizeof differs per
 * algorithm (iova_node_bytes()). pfn_lo/pfn_hi may be read by lockless
 * readers, so writers store them with relaxed atomics once linked.
 */
struct iova {
	struct rb_node node;
	unsigned long pfn_hi; /* highest allocated pfn */
	unsigned long pfn_lo; /* lowest allocated pfn */
};

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
};

/* "classic", "maxgap", "gap32", "anylimit"; NULL for out-of-range. */
const char *iova_alg_name(enum iova_alg alg);
/* NULL-terminated list of the names above, in enum order. */
extern const char *const iova_alg_names[];
/* Index of @name in iova_alg_names, or -EINVAL. */
int iova_alg_parse(const char *name);

/* sizeof the algorithm's node, and what a 64-byte-aligned slab charges. */
size_t iova_node_bytes(enum iova_alg alg);
size_t iova_slab_bytes(enum iova_alg alg);

/*
 * Create a domain. @granule: bytes per pfn, a power of two (>= 512, as in
 * the kernel, and <= 2^30). @start_pfn: lowest allocatable pfn, >= 1.
 * dma_32bit_pfn is 1 << (32 - log2(granule)).
 * Returns NULL with errno EINVAL (bad alg/granule/start_pfn) or ENOMEM.
 */
struct iova_domain *iova_domain_create(enum iova_alg alg,
				       unsigned long granule,
				       unsigned long start_pfn);

/* Free every range and the domain. NULL is a no-op. */
void iova_domain_put(struct iova_domain *iovad);

enum iova_alg iova_domain_alg(const struct iova_domain *iovad);
unsigned long iova_domain_start_pfn(const struct iova_domain *iovad);
unsigned long iova_domain_dma_32bit_pfn(const struct iova_domain *iovad);

/*
 * Allocate @size pfns at or below @limit_pfn (inclusive), size-aligned
 * (start a multiple of roundup_pow_of_two(size)) when @size_aligned.
 * Returns the new range, or NULL when: @size is 0; no fit was found (for
 * classic/maxgap/gap32 this includes max32_alloc_size short-cuts while
 * space remains: a documented quirk); @limit_pfn < start_pfn; or memory
 * ran out.
 */
struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned);

/* The range containing @pfn, or NULL. */
struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn);

/*
 * find_iova() that may run concurrently with one writer holding the
 * domain's lock, inside a read-side critical section that keeps removed
 * nodes' memory alive (RCU). Never loops, never dereferences a node that
 * was not linked at some point during the call; retries on the domain's
 * sequence count when a writer moved nodes, so a range that stayed in the
 * tree for the whole call is always found.
 */
struct iova *find_iova_lockless(struct iova_domain *iovad, unsigned long pfn);

/* Remove @iova (from alloc_iova, find_iova or reserve_iova) and free it. */
void __free_iova(struct iova_domain *iovad, struct iova *iova);

/*
 * Remove the range containing @pfn. Returns 0, or -ENOENT if no range
 * contains @pfn (nothing changes).
 */
int free_iova(struct iova_domain *iovad, unsigned long pfn);

/*
 * Mark [pfn_lo, pfn_hi] as used so no allocation returns it, merging with
 * ranges it overlaps (kernel semantics: overlapping ranges are widened, the
 * rest becomes new ranges). Returns the range covering pfn_lo, or NULL when
 * pfn_lo > pfn_hi or memory ran out.
 */
struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi);

/*
 * Where removed nodes go. Default: freed at once. A lock strategy with
 * lockless readers installs a hook that frees after a grace period. The
 * hook receives the node's start address (what the domain allocated).
 */
typedef void (*iova_free_fn)(void *node, void *arg);
void iova_domain_set_free_hook(struct iova_domain *iovad, iova_free_fn fn,
			       void *arg);

/* Copy the domain's counters (caller holds the domain's lock). */
void iova_domain_stats(const struct iova_domain *iovad,
		       struct iova_stats *st);

/*
 * Full invariant check, O(n): red-black rules (root black, no red-red,
 * equal black height), parent pointers, key order, no overlaps, every range
 * within [start_pfn, ULONG_MAX], every augmented field recomputed from
 * scratch, cached nodes (classic) pointing into the tree. Returns 0, or
 * -EUCLEAN with a description of the first violation in @msg.
 */
int iova_domain_check(const struct iova_domain *iovad, char *msg,
		      size_t msglen);

/* Iterate ranges in address order; anchor nodes are skipped. */
struct iova *iova_first(struct iova_domain *iovad);
struct iova *iova_next(struct iova_domain *iovad, struct iova *iova);

#endif /* IOVALAB_IOVA_H */
