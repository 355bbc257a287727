/* SPDX-License-Identifier: MIT */
/*
 * A small pfn -> size hash map (open addressing, linear probing, backward
 * shift deletion) for iova-replay's bookkeeping of fast-path ranges.
 * pfn 0 is never a key (no domain allocates pfn 0).
 */
#ifndef IOVALAB_REPLAY_PFNMAP_H
#define IOVALAB_REPLAY_PFNMAP_H

#include <stdbool.h>
#include <stddef.h>

struct pfnmap {
	unsigned long *keys; /* 0: empty slot */
	unsigned long *vals;
	size_t cap; /* power of two, or 0 before the first insert */
	size_t count;
};

/* Insert or overwrite. Returns 0 or -ENOMEM. */
int pfnmap_put(struct pfnmap *m, unsigned long pfn, unsigned long val);
/* True and *val (if not NULL) when @pfn is a key. */
bool pfnmap_get(const struct pfnmap *m, unsigned long pfn, unsigned long *val);
/* Remove @pfn; returns whether it was there. */
bool pfnmap_del(struct pfnmap *m, unsigned long pfn);
void pfnmap_clear(struct pfnmap *m);
void pfnmap_free(struct pfnmap *m);
/* Visit every key; stops early when @fn returns true (and returns true). */
bool pfnmap_any(const struct pfnmap *m,
		bool (*fn)(unsigned long pfn, unsigned long val, void *arg),
		void *arg);

#endif /* IOVALAB_REPLAY_PFNMAP_H */
