/* SPDX-License-Identifier: MIT */
/*
 * Near misses of a size-aligned request (core.complexity, core.btree): the
 * gaps a search pruning by gap length and aligned-block order may enter
 * and then reject. O(n): run only for allocations over a plain bound.
 */
#ifndef IOVALAB_TESTS_NEAR_MISS_H
#define IOVALAB_TESTS_NEAR_MISS_H

#include <stdint.h>

#include "iovalab/iova.h"

/*
 * Near misses of a size-aligned, non-power-of-two request of @size under
 * @limit, after the allocation answered @got (NULL: failed): the gaps clipped
 * to [start_pfn, limit] above the answer's gap that hold no aligned slot
 * yet are at least @size long or hold an aligned block of half the
 * alignment.
 */
uint64_t near_misses(struct iova_domain *d, unsigned long size,
		     unsigned long limit, const struct iova_range *got);

#endif
