/* SPDX-License-Identifier: MIT */
/*
 * What a replayed trace holds: every range `a` or `af` handed out and not
 * yet freed, and for `af` ranges the size `ff` must name. Kept true as the
 * tree changes underneath: `f` frees a whole tree range, and `r` may widen
 * a live range down to a lower pfn_lo (reserve_iova merges), after which
 * the `af` shape is gone and an `ff` of it must be refused.
 *
 * Ranges are keyed by pfn_hi: reserve_iova only ever lowers a range's
 * pfn_lo, so each tree range holds at most one handed-out range and ends
 * where it does. pfn 0 is never a key (no range ends at pfn 0 without
 * starting there, and no domain allocates pfn 0).
 */
#ifndef IOVALAB_REPLAY_HANDOUT_H
#define IOVALAB_REPLAY_HANDOUT_H

#include <stdbool.h>

#include "pfnmap.h"

struct handout {
	struct pfnmap live; /* pfn_hi -> pfn_lo: handed out, not freed */
	struct pfnmap fast; /* pfn_lo -> af size, HANDOUT_MERGED or'ed in */
	struct pfnmap fast_hi; /* pfn_hi -> pfn_lo of every fast entry */
};

enum handout_ff {
	HANDOUT_FF_OK,
	HANDOUT_FF_UNKNOWN, /* no outstanding af returned this pfn */
	HANDOUT_FF_MERGED, /* a reservation has widened the range */
	HANDOUT_FF_SIZE, /* another size than the af's */
};

/* Record [lo, hi] as handed out; @af_size 0 for `a`. 0 or -ENOMEM. */
int handout_add(struct handout *h, unsigned long lo, unsigned long hi,
		unsigned long af_size);
/*
 * A live handed-out range overlapping [lo, hi] (the --check guard "no pfn
 * live twice"; a walk over every live range): true and its bounds.
 */
bool handout_overlap(const struct handout *h, unsigned long lo,
		     unsigned long hi, unsigned long *olo, unsigned long *ohi);
/* The tree range [lo, hi] was freed (f): whatever it held is gone. */
void handout_tree_freed(struct handout *h, unsigned long lo, unsigned long hi);
/* After a reservation: the tree range now is [lo, hi]. */
void handout_tree_range(struct handout *h, unsigned long lo, unsigned long hi);
/* May `ff pfn size` run? (the af size, exactly) */
enum handout_ff handout_ff_check(const struct handout *h, unsigned long pfn,
				 unsigned long size);
/*
 * An ff of the fast range [pfn, hi] went through: no longer handed out.
 * Nothing changes when @pfn is not an outstanding af range.
 */
void handout_ff_done(struct handout *h, unsigned long pfn, unsigned long hi);
void handout_free(struct handout *h);

#endif /* IOVALAB_REPLAY_HANDOUT_H */
