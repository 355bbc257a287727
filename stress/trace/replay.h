/* SPDX-License-Identifier: MIT */
/*
 * iova-trace replay: a multi-CPU trace replayed per CPU through the full
 * domain (alloc_iova_fast / free_iova_fast: cache, locks, algorithm).
 *
 * Trace CPUs, in ascending order, are dealt to threads round-robin (CPU
 * k of the trace to thread k mod threads); each thread replays the events
 * of its CPUs in time order. With as many threads as trace CPUs, each
 * thread is one captured CPU; with one thread the whole trace runs in
 * time order on one CPU, deterministically.
 */
#ifndef STRESS_TRACE_REPLAY_H
#define STRESS_TRACE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "run.h"
#include "trace.h"

struct replay_cfg {
	const struct trace *tr;
	const char *trace_name; /* basename, for the workload name */
	unsigned int threads;
	double speed; /* 0: closed loop; else trace time / speed */
	unsigned int loops; /* passes over the trace */
	uint64_t wait_ns; /* bound on a free's wait for its alloc */
	bool trim; /* the cache's trim thread */
	bool lockstat;
	bool quiet;
};

/* What only a replay has, beside the common run_result. */
struct replay_counters {
	uint64_t events; /* trace events replayed, all passes */
	uint64_t cross_frees; /* frees of an alloc another thread replays */
	uint64_t cross_waits; /* of those, frees that had to wait */
	uint64_t wait_timeouts; /* waits that gave up (free skipped) */
	uint64_t skipped_bad_frees; /* frees the trace flags as not ok */
	uint64_t skipped_failed; /* frees of an alloc that failed here */
	uint64_t trace_failed_allocs; /* allocs that failed in the trace */
	uint64_t drained; /* ranges still live after a pass, freed untimed */
	uint64_t late_ns_max; /* open loop: worst start behind schedule */
};

/*
 * One replay run of @rc with the domain and output settings in @cfg/@o
 * (cfg->threads == rc->threads; cfg->wl names the trace). Fills @res
 * (as run_execute does) and @cnt. Returns 0 when it ran (res->check says
 * whether its checks passed) or a negative errno (message printed).
 */
int replay_execute(const struct replay_cfg *rc, const struct run_cfg *cfg,
		   const struct options *o, struct lab_topo *topo,
		   struct run_result *res, struct replay_counters *cnt);

/* `iova-trace replay ...`: returns the process exit status. */
int replay_main(int argc, char **argv);

#endif /* STRESS_TRACE_REPLAY_H */
