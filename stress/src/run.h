/* SPDX-License-Identifier: MIT */
/*
 * One run: one cell of the matrix (alg x lock x workload x rcache x
 * threads x prefill), from domain creation to the end-of-run checks.
 */
#ifndef STRESS_RUN_H
#define STRESS_RUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "iovalab/flushq.h"
#include "iovalab/hist.h"
#include "iovalab/iova.h"
#include "iovalab/lock_stat.h"
#include "iovalab/rcache.h"
#include "iovalab/harness/barrier.h"
#include "iovalab/harness/phase.h"
#include "iovalab/harness/topo.h"
#include "options.h"
#include "sampler.h"
#include "worker.h"

struct workload;

struct run_cfg {
	enum iova_alg alg;
	const char *lock; /* tree lock */
	const char *cpu_lock; /* resolved: never NULL */
	const char *depot_lock;
	const struct workload *wl;
	bool rcache;
	unsigned int threads;
	unsigned long prefill; /* as asked (0: the workload's default) */
	uint64_t tree_hold_ns; /* busy ns inside each tree-lock section */
	unsigned int index, total; /* position in the matrix, for progress */
	unsigned int rep, repeat; /* --repeat: this is repetition rep of N */
};

/* Lock statistics merged per role. */
enum lock_role { LOCK_TREE, LOCK_DEPOT, LOCK_CPU, LOCK_ROLES };

struct run_result {
	struct run_cfg cfg;
	bool oversubscribed; /* threads > usable PUs */
	bool smt_shared; /* threads > usable physical cores */
	unsigned long prefill_ranges; /* live tree ranges after the prefill */
	double duration_s; /* measured wall time */
	double warmup_s;
	double rate; /* offered ops/s (0: closed loop) */
	uint64_t ops;
	double ops_per_sec;
	struct lab_hist lat[OP_NR + 1]; /* [OP_NR]: all types merged */
	uint64_t *per_thread_ops;
	int *per_thread_pu; /* OS index, -1 when not pinned */
	struct lab_fairness fairness;
	uint64_t searches; /* tree alloc searches in the measured phase */
	double nodes_mean; /* nodes visited per search, measured phase */
	uint64_t nodes_max; /* most in one search, warmup + measured */
	double lines_mean; /* cache lines read per search, measured phase */
	/* btree: tree nodes allocated/freed per tree op, measured phase */
	double node_allocs_per_op, node_frees_per_op;
	double bytes_per_range; /* domain's slab bytes / live ranges, end */
	uint64_t alloc_failures;
	uint64_t wl_count[WL_COUNTERS];
	struct iovad_rcache_stats rc; /* measured-phase deltas; state at end */
	bool lazy; /* --unmap lazy: fq below is meaningful */
	struct iovad_fq_stats fq; /* after the end-of-run drain */
	uint64_t fq_pending_at_stop; /* ranges in queues when threads stopped */
	uint64_t fq_drained; /* ranges the end-of-run drain freed */
	struct sampler series; /* --sample-ms time series */
	double measure_start_s; /* measured phase start, series clock */
	struct lab_lock_stats *locks[LOCK_ROLES]; /* NULL without --lockstat */
	unsigned int lock_instances[LOCK_ROLES];
	size_t bytes_per_node, slab_bytes_per_node;
	char check[512]; /* "ok" or what failed */
};

/*
 * Execute one run. The calling thread must be lab_lock_thread_online():
 * it prefills and checks the domain. Returns 0 when it ran (res->check says whether the
 * end-of-run checks passed), or a negative errno when it could not run
 * (message printed).
 */
int run_execute(const struct run_cfg *cfg, const struct options *opt,
		struct lab_topo *topo, struct run_result *res);
void run_result_free(struct run_result *res);

/* State shared by a run's threads. */
struct run {
	const struct run_cfg *cfg;
	const struct options *opt;
	struct lab_topo *topo;
	struct iovad *d;
	struct iovad_fq *fq; /* --unmap lazy, else NULL */
	struct worker *w;
	unsigned int n;
	/* start together, warm up, measure, stop (iovalab/harness/phase.h) */
	struct lab_phaser phaser;
	struct lab_barrier stopped; /* threads stopped: main checks */
	struct lab_barrier checked; /* main done: threads drain and exit */
	uint64_t interval_ns; /* open loop: per-thread gap between starts */
	void *wl_shared; /* the workload's shared state */
};

#endif /* STRESS_RUN_H */
