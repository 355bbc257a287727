// SPDX-License-Identifier: MIT
/* Near misses of a size-aligned request, counted from the domain's ranges. */
#include <stdbool.h>

#include "near_miss.h"

/* Highest slot for @size under @mask in [lo, hi]? */
static bool has_slot(unsigned long lo, unsigned long hi, unsigned long size,
		     unsigned long mask)
{
	return hi >= lo && hi - lo >= size - 1 &&
	       ((hi - (size - 1)) & mask) >= lo;
}

static bool has_block(unsigned long lo, unsigned long hi, unsigned int k)
{
	unsigned long b = 1UL << k, p = (lo + b - 1) & ~(b - 1);

	return p >= lo && p <= hi && hi - p >= b - 1;
}

/* near_miss.h */
uint64_t near_misses(struct iova_domain *d, unsigned long size,
		     unsigned long limit, const struct iova_range *got)
{
	unsigned int k = 64 - (unsigned int)__builtin_clzl(size - 1);
	unsigned long mask = ~0UL << k, lo = iova_domain_start_pfn(d), hi;
	unsigned long floor_ = got ? got->pfn_hi + 2 : 0;
	uint64_t n = 0;
	struct iova_range r;
	/* the range API: every algorithm, btree-pfn included */
	const struct iova_range *v = iova_next_range(d, 0, &r) ? &r : NULL;

	for (;;) {
		hi = v ? v->pfn_lo - 1 : ~0UL;
		if (v && v->pfn_lo == 0)
			hi = 0, lo = 1; /* nothing below pfn 0 */
		if (hi > limit)
			hi = limit;
		if (lo <= hi && lo >= floor_ && !has_slot(lo, hi, size, mask) &&
		    (hi - lo + 1 >= size || has_block(lo, hi, k - 1)))
			n++;
		if (!v || v->pfn_hi >= limit)
			break;
		lo = v->pfn_hi + 1;
		v = iova_next_range(d, lo, &r) ? &r : NULL;
	}
	return n;
}
