/* SPDX-License-Identifier: MIT */
/*
 * Parts of a run shared with other drivers of the full domain (iova-trace
 * replay): the domain's locks as a set whose statistics are switched on
 * and off together and read merged per role, the measured-phase delta of
 * the cache counters, and the check-failure log. Defined in lockset.c.
 */
#ifndef STRESS_LOCKSET_H
#define STRESS_LOCKSET_H

#include "run.h"

struct lock_set {
	struct lab_lock **l;
	enum lock_role *role;
	unsigned int n;
};

/* Every lock of @d: tree, depots, CPU slots. 0 or -ENOMEM. */
int lock_set_init(struct lock_set *s, struct iovad *d);
void lock_set_free(struct lock_set *s);
/* Statistics on or off on every lock. 0 or the first lock's error. */
int lock_set_enable(struct lock_set *s, bool on);
/*
 * lock_set_init, then allocate and calibrate every lock's statistics and
 * leave them off and zeroed, so nothing of that lands in a measured
 * phase. 0, -ENOMEM, or the first lock's error.
 */
int lock_set_prepare(struct lock_set *s, struct iovad *d);
/* Read every lock into res->locks[], merged per role. 0 or -ENOMEM. */
int lock_set_read(struct lock_set *s, struct run_result *res);

/* Append a failure to res->check ("ok" until the first). */
void check_fail(struct run_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* @d = @b - @a for counters; the state fields (cached, mags...) of @b. */
void rcache_delta(struct iovad_rcache_stats *d,
		  const struct iovad_rcache_stats *a,
		  const struct iovad_rcache_stats *b);

#endif /* STRESS_LOCKSET_H */
