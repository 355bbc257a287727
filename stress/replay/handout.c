// SPDX-License-Identifier: MIT
/* iova-replay's record of handed-out ranges (contract in handout.h). */
#include "handout.h"

#include <errno.h>
#include <limits.h>

#define HANDOUT_MERGED (1UL << (sizeof(unsigned long) * CHAR_BIT - 1))

int handout_add(struct handout *h, unsigned long lo, unsigned long hi,
		unsigned long af_size)
{
	if (pfnmap_put(&h->live, hi, lo))
		return -ENOMEM;
	if (!af_size)
		return 0;
	if (pfnmap_put(&h->fast, lo, af_size) ||
	    pfnmap_put(&h->fast_hi, hi, lo)) {
		pfnmap_del(&h->fast, lo);
		pfnmap_del(&h->live, hi);
		return -ENOMEM;
	}
	return 0;
}

struct span {
	unsigned long lo, hi, olo, ohi;
};

static bool overlaps(unsigned long hi, unsigned long lo, void *arg)
{
	struct span *sp = arg;

	if (lo > sp->hi || sp->lo > hi)
		return false;
	sp->olo = lo;
	sp->ohi = hi;
	return true;
}

bool handout_overlap(const struct handout *h, unsigned long lo,
		     unsigned long hi, unsigned long *olo, unsigned long *ohi)
{
	struct span sp = { .lo = lo, .hi = hi };

	if (!pfnmap_any(&h->live, overlaps, &sp))
		return false;
	*olo = sp.olo;
	*ohi = sp.ohi;
	return true;
}

void handout_tree_freed(struct handout *h, unsigned long lo, unsigned long hi)
{
	unsigned long k;

	(void)lo;
	pfnmap_del(&h->live, hi);
	if (pfnmap_get(&h->fast_hi, hi, &k)) {
		pfnmap_del(&h->fast_hi, hi);
		pfnmap_del(&h->fast, k);
	}
}

void handout_tree_range(struct handout *h, unsigned long lo, unsigned long hi)
{
	unsigned long k, size;

	/* an af range ending here that no longer starts where af put it */
	if (pfnmap_get(&h->fast_hi, hi, &k) && k != lo &&
	    pfnmap_get(&h->fast, k, &size))
		pfnmap_put(&h->fast, k, size | HANDOUT_MERGED); /* key exists */
}

enum handout_ff handout_ff_check(const struct handout *h, unsigned long pfn,
				 unsigned long size)
{
	unsigned long had;

	if (!pfnmap_get(&h->fast, pfn, &had))
		return HANDOUT_FF_UNKNOWN;
	if (had & HANDOUT_MERGED)
		return HANDOUT_FF_MERGED;
	return had == size ? HANDOUT_FF_OK : HANDOUT_FF_SIZE;
}

void handout_ff_done(struct handout *h, unsigned long pfn, unsigned long hi)
{
	if (!pfnmap_del(&h->fast, pfn))
		return;
	pfnmap_del(&h->fast_hi, hi);
	pfnmap_del(&h->live, hi);
}

void handout_free(struct handout *h)
{
	pfnmap_free(&h->live);
	pfnmap_free(&h->fast);
	pfnmap_free(&h->fast_hi);
}
