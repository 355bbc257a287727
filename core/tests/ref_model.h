/* SPDX-License-Identifier: MIT */
/*
 * Reference models for the differential tests: the allocator's state as a
 * sorted array of inclusive ranges, every operation a linear scan. Slow
 * (O(n) per operation) and obviously correct, which is the point.
 *
 * ref_*: the semantics every algorithm shares (highest fit, free, find,
 * reserve with the kernel's merge rules) plus the max32_alloc_size state
 * of the maxgap series.
 * classic_*: an independent model of the kernel's first-fit walk
 * (cached_node, cached32_node, rb_prev walk, one retry, max32_alloc_size),
 * written from reading drivers/iommu/iova.c, over the same array.
 */
#ifndef IOVALAB_TESTS_REF_MODEL_H
#define IOVALAB_TESTS_REF_MODEL_H

#include <stdbool.h>
#include <stddef.h>

struct ref_range {
	unsigned long lo, hi;
	unsigned long id; /* identity that survives reserve's widening */
};

struct ref_model {
	struct ref_range *r; /* sorted by lo, disjoint */
	size_t n, cap;
	unsigned long start_pfn;
	unsigned long dma_32bit_pfn;
	unsigned long max_pfn; /* ~0UL >> granule shift: the last IOVA page */
	unsigned long next_id;
	/* maxgap/gap32 series: size of the last failed 32-bit search */
	unsigned long max32_alloc_size;
};

void ref_init(struct ref_model *m, unsigned long granule,
	      unsigned long start_pfn);
void ref_destroy(struct ref_model *m);

/* roundup_pow_of_two(size) - 1 as a mask of the low bits, or 0. */
unsigned long ref_align_mask(unsigned long size, bool size_aligned);

/*
 * The highest pfn p with [p, p + size - 1] free, inside [start_pfn,
 * limit_pfn], aligned when asked. Returns false when nothing fits, and
 * when limit_pfn > max_pfn (the domain refuses those: iova.h).
 */
bool ref_highest_fit(const struct ref_model *m, unsigned long size,
		     unsigned long limit_pfn, bool size_aligned,
		     unsigned long *pfn);

/* Is [lo, hi] free of every range (and inside [start_pfn, ...])? */
bool ref_is_free(const struct ref_model *m, unsigned long lo, unsigned long hi);

/* Index of the range holding @pfn, or -1. */
long ref_find(const struct ref_model *m, unsigned long pfn);

/* Insert [lo, hi] (caller made sure it is free). Returns its index. */
size_t ref_insert(struct ref_model *m, unsigned long lo, unsigned long hi);

/* Remove the range at @idx. */
void ref_remove(struct ref_model *m, size_t idx);

/*
 * free_iova(pfn): remove the range holding @pfn; false if none. Resets
 * max32_alloc_size when the range starts below dma_32bit_pfn.
 */
bool ref_free(struct ref_model *m, unsigned long pfn);

/*
 * reserve_iova(lo, hi) with the kernel's merge rules: walking ranges in
 * address order, each overlapping range is widened down to the
 * reservation's low end, the reservation's low end then moves past it;
 * a remainder becomes a new range. Returns false when lo > hi or hi lies
 * beyond the address space (max_pfn), as the kernel refuses those.
 */
bool ref_reserve(struct ref_model *m, unsigned long lo, unsigned long hi);

/*
 * alloc_iova() as maxgap and gap32 (the series) answer it: fail at once on
 * a 32-bit limit when size >= max32_alloc_size; else the highest fit, and
 * a failed 32-bit search records max32_alloc_size = size. Sets *shortcut
 * when the answer was the short-cut. Inserts on success.
 */
bool ref_alloc_series(struct ref_model *m, unsigned long size,
		      unsigned long limit_pfn, bool size_aligned,
		      unsigned long *pfn, bool *shortcut);

/* ---- the classic (kernel) model ---- */

struct classic_model {
	struct ref_model m; /* includes the anchor range at ~0UL */
	unsigned long cached_id; /* ids of cached_node, cached32_node */
	unsigned long cached32_id;
	unsigned long max32_alloc_size;
};

void classic_init(struct classic_model *c, unsigned long granule,
		  unsigned long start_pfn);
void classic_destroy(struct classic_model *c);
/* Sets *shortcut when the max32_alloc_size test refused at once. */
bool classic_alloc(struct classic_model *c, unsigned long size,
		   unsigned long limit_pfn, bool size_aligned,
		   unsigned long *pfn, bool *shortcut);
bool classic_free(struct classic_model *c, unsigned long pfn);
bool classic_reserve(struct classic_model *c, unsigned long lo,
		     unsigned long hi);

#endif /* IOVALAB_TESTS_REF_MODEL_H */
