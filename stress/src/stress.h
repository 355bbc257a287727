/* SPDX-License-Identifier: MIT */
/*
 * Shared definitions of the iova-stress driver: the domain geometry the
 * workloads use and the operation types latencies are kept for.
 */
#ifndef STRESS_H
#define STRESS_H

#include "iovalab/rcache.h"
#include "iovalab/scenario.h"

/* 4 KiB pages, start_pfn 1: the scenario populations' geometry. */
#define STRESS_GRANULE IOVA_SCEN_GRANULE
#define STRESS_START_PFN IOVA_SCEN_START_PFN
/* A 32-bit DMA mask. */
#define STRESS_LIMIT32 IOVA_SCEN_LIMIT32
/*
 * A 64-bit DMA mask after dma-iommu clamps it to a 48-bit IOMMU aperture
 * (4-level page tables): what a 64-bit-capable device gets.
 */
#define STRESS_LIMIT48 IOVA_SCEN_LIMIT48

enum op_type { OP_ALLOC, OP_FREE, OP_FIND, OP_NR };

extern const char *const op_names[OP_NR];

/*
 * dma-iommu's rounding before alloc_iova_fast: sizes below the largest
 * cached size become a power of two, so the range really has that size.
 */
static inline unsigned long stress_round_size(unsigned long size)
{
	if (size >= IOVAD_MAX_CACHED_SIZE)
		return size;
	return size <= 1 ? 1 : 1UL << (64 - __builtin_clzl(size - 1));
}

#endif /* STRESS_H */
