/* SPDX-License-Identifier: MIT */
/*
 * lock-bench's parts: the options every section reads (lock_bench.c
 * parses them and writes the JSON), the one-thread sections
 * (lock_bench_single.c) and the threaded ones (lock_bench_threads.c).
 * Pinning, the start barrier, warm-up/measure/stop, padded counters,
 * medians and fairness are core/harness's.
 */
#ifndef LOCK_BENCH_H
#define LOCK_BENCH_H

#include <stdint.h>

#include "iovalab/harness/stats.h"
#include "iovalab/harness/topo.h"
#include "iovalab/lock.h"

struct lab_json;

struct lock_bench_cfg {
	uint64_t uncontended_iters; /* pairs per repetition */
	double duration, warmup; /* seconds per threaded cell */
	uint64_t cs_short, cs_long; /* shared-line increments */
	uint64_t think_ns; /* think time between acquisitions */
	uint64_t hold_ns; /* busy ns added inside every section */
	uint64_t read_pct;
	enum lab_spin_policy spin;
	enum lab_pin_mode pin;
	struct lab_topo *topo;
	struct lab_json *j; /* NULL: no --json */
};

extern struct lock_bench_cfg lb_cfg;

/* lock_bench_single.c: one thread, already pinned. 0 or 1 (printed). */
int lb_uncontended(const char *name);
int lb_indirection(void);
int lb_stats_overhead(const char *name);

/* lock_bench_threads.c */
struct lb_tput {
	double ops_per_sec;
	struct lab_fairness f;
};

/*
 * @n pinned threads on @l, each acquiring it and writing @cs increments
 * inside, for lb_cfg.warmup + lb_cfg.duration s; ops/s over the measured
 * phase until the last thread is out (a collapsed lock pays for its
 * stragglers). @per_thread[n] gets the measured acquisitions. 0, -EINTR
 * (a stop was requested: nothing measured worth keeping), -EAGAIN (a
 * thread could not be created) or -ENOMEM.
 */
int lb_run_threads(struct lab_lock *l, unsigned int n, uint64_t cs,
		   struct lb_tput *out, uint64_t *per_thread);
/* The throughput and read-mostly sections of lock @name. 0 or 1. */
int lb_throughput(const char *name, const uint64_t *threads, size_t nt);
int lb_read_mostly(const char *name, const uint64_t *threads, size_t nt);

#endif /* LOCK_BENCH_H */
