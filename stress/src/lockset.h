/* SPDX-License-Identifier: MIT */
/*
 * Parts of a run shared with other drivers of the full domain (iova-trace
 * replay): the domain's locks as a set whose statistics are switched on
 * and off together and read merged per role, the measured-phase delta of
 * the cache counters, the check-failure log, domain creation and prefill
 * and the final domain check.
 * Defined in lockset.c.
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

/*
 * Zero @res and fill what a run knows before it starts: its cfg, check
 * "ok", the oversubscribed and SMT-shared facts, node sizes.
 */
void run_result_start(struct run_result *res, const struct run_cfg *cfg,
		      const struct lab_topo *topo);

/*
 * The attributes every driver of the full domain starts from: @cfg's
 * algorithm, locks and cache switch, the lab's granule and start pfn,
 * @o's spin policy; the rest iovad_attr_init's defaults.
 */
void run_domain_attr(const struct run_cfg *cfg, const struct options *o,
		     struct iovad_attr *a);
/* iovad_create(@a): 0, or a message naming @tool and -errno. */
int run_domain_create(const char *tool, const struct run_cfg *cfg,
		      const struct iovad_attr *a, struct iovad **out);
/*
 * Place @n ranges of @cfg's workload population in @d (iovad_prefill,
 * seed @seed); n == 0 places none. 0, or a message and -errno.
 */
int run_prefill(const char *tool, struct iovad *d, const struct run_cfg *cfg,
		unsigned long n, uint64_t seed);

/*
 * The domain at the end of a run, every range freed: invariants (cache
 * included), then after flushing every cache exactly @base_live ranges in
 * the tree and nothing cached, invariants again. Failures go to @res.
 */
void check_domain(struct iovad *d, struct run_result *res,
		  unsigned long base_live);

/* @d = @b - @a for counters; the state fields (cached, mags...) of @b. */
void rcache_delta(struct iovad_rcache_stats *d,
		  const struct iovad_rcache_stats *a,
		  const struct iovad_rcache_stats *b);

#endif /* STRESS_LOCKSET_H */
