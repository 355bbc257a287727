/* SPDX-License-Identifier: MIT */
/*
 * The timed run every driver makes: workers start together at a barrier,
 * run unmeasured for a warm-up, then measured for a fixed time, then
 * stop. One controller (the main thread) moves the phase; workers poll it
 * with one acquire load of a line nobody else writes during the run.
 *
 *   main                                 worker i (of n)
 *   lab_phaser_init(p, n)                ...bind, set up
 *   create the workers                   lab_phaser_arrive(p)
 *   lab_phaser_run(p, warm, meas, &h) -- barrier: all released --
 *     [h.released] warm-up wait          while ((ph = lab_phaser_phase(p))
 *     [h.measure_begin] phase=MEASURE           != LAB_PHASE_STOP) {
 *     measure wait                           work; count if MEASURE
 *     phase=STOP [h.measure_end]         }
 *   join the workers; lab_phaser_destroy
 *
 * Waits sleep, waking at least every 0.1 s, so a SIGINT/SIGTERM
 * (iovalab/outfile.h lab_stop_requested) ends a phase within 0.1 s, and a
 * tick hook is called about once a second (progress lines).
 *
 * C only (C11 atomics): C++ benchmarks use Google Benchmark's own timing.
 */
#ifndef IOVALAB_HARNESS_PHASE_H
#define IOVALAB_HARNESS_PHASE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "iovalab/arch.h"
#include "iovalab/harness/barrier.h"

enum lab_phase { LAB_PHASE_WARMUP, LAB_PHASE_MEASURE, LAB_PHASE_STOP };

struct lab_phaser {
	/* read by every worker on every operation: alone on its line */
	_Atomic int phase __lab_cacheline_aligned;
	struct lab_barrier ready __lab_cacheline_aligned;
	uint64_t t_release; /* lab_now_ns() when the barrier let all go */
	uint64_t t_measure; /* ... at the flip to MEASURE (0: never) */
	uint64_t t_stop; /* ... at the flip to STOP */
};

/* Hooks of lab_phaser_run, each optional (NULL), all called on main. */
struct lab_phase_hooks {
	/*
	 * Right after the release: false skips warm-up and measurement
	 * (a worker failed to set up) and the run stops at once.
	 */
	bool (*released)(void *arg);
	/* Just before the flip to MEASURE: snapshot counters, stats on. */
	void (*measure_begin)(void *arg);
	/* Just after the flip to STOP. */
	void (*measure_end)(void *arg);
	/*
	 * About once a second inside a phase ("warmup" or "measure"):
	 * @elapsed_s into it of @total_s, @since_s since the previous tick
	 * (or the phase start).
	 */
	void (*tick)(void *arg, const char *phase, double elapsed_s,
		     double total_s, double since_s);
	void *arg;
};

/* @workers threads will arrive; the main thread is the extra party. */
void lab_phaser_init(struct lab_phaser *p, unsigned int workers);
void lab_phaser_destroy(struct lab_phaser *p);

/*
 * Only @workers threads exist after all (thread creation failed): set the
 * phase to STOP and let the ones that arrived through.
 */
void lab_phaser_set_workers(struct lab_phaser *p, unsigned int workers);

/* Worker: wait at the start barrier until the controller releases all. */
void lab_phaser_arrive(struct lab_phaser *p);

/* Worker: the current phase (acquire: pairs with the controller's flips). */
static inline enum lab_phase lab_phaser_phase(struct lab_phaser *p)
{
	return (enum lab_phase)atomic_load_explicit(&p->phase,
						    memory_order_acquire);
}

/*
 * Controller: release the workers, warm up for @warmup_s (>= 0), measure
 * for @measure_s (> 0), stop. Sets t_release, t_measure, t_stop. Returns
 * 0, -ECANCELED (hooks->released said no: nothing measured, t_measure
 * 0) or -EINTR (a stop was requested: the phase in progress was cut
 * short, the phase is STOP). @hooks may be NULL.
 */
int lab_phaser_run(struct lab_phaser *p, double warmup_s, double measure_s,
		   const struct lab_phase_hooks *hooks);

/*
 * Controller, for drivers that sequence phases themselves: release the
 * workers (sets t_release), flip to MEASURE (t_measure) or STOP (t_stop).
 */
void lab_phaser_release(struct lab_phaser *p);
void lab_phaser_measure(struct lab_phaser *p);
void lab_phaser_stop(struct lab_phaser *p);

/*
 * Sleep until @start + @secs (lab_now_ns time), waking at least every
 * 0.1 s. Calls @hooks->tick once a second with @what (hooks may be NULL).
 * false if cut short by lab_stop_requested().
 */
bool lab_phase_wait(uint64_t start, double secs, const char *what,
		    const struct lab_phase_hooks *hooks);

/* Sleep until lab_now_ns() reaches @t (absolute CLOCK_MONOTONIC ns). */
void lab_sleep_until_ns(uint64_t t);

/*
 * Open loop: wait for the scheduled start @t of the next operation.
 * Sleeps (in slices of at most 10 ms) until 200 us before @t, then spins,
 * so a sleep's wake-up delay is not charged to the operation (set the
 * thread's timer slack to 1 ns: prctl(PR_SET_TIMERSLACK, 1)). Returns
 * true at @t, or false as soon as @p (may be NULL) is in LAB_PHASE_STOP.
 * When already behind schedule it returns at once: the lateness belongs
 * to the operation's latency.
 */
bool lab_wait_until_ns(uint64_t t, struct lab_phaser *p);

#endif /* IOVALAB_HARNESS_PHASE_H */
