/* SPDX-License-Identifier: MIT */
/*
 * Contention statistics per lock instance, like the kernel's lock_stat,
 * switchable at run time. While off, a lock pays one relaxed load per
 * lock/unlock; while on, every acquisition first tries the lock (a failed
 * try is a contended acquisition), and wait and hold times are read from
 * the TSC into per-thread log-linear histograms merged on read.
 *
 * Each thread records into its own cache-line-aligned slot (no shared
 * counters on the hot path), so reads, resets and prints are meant for a
 * quiescent lock: after the measured threads have stopped or joined. A
 * read during a run is allowed but sees torn, approximate figures.
 *
 * Slots are indexed by a lab thread id (at most LAB_LOCK_MAX_THREADS live
 * threads; a thread beyond that is counted in 'untracked' only). Ids are
 * recycled by lab_lock_thread_offline(), so per-thread counts are per slot
 * when threads come and go between resets.
 */
#ifndef IOVALAB_LOCK_STAT_H
#define IOVALAB_LOCK_STAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "iovalab/harness/stats.h" /* struct lab_fairness */
#include "iovalab/hist.h"
#include "iovalab/lock.h"

#define LAB_LOCK_MAX_THREADS 256

struct lab_json;

struct lab_lock_stats {
	char label[32];
	char name[24]; /* strategy */
	uint64_t acquisitions; /* exclusive: lock + successful trylock */
	uint64_t contended; /* lock() calls that found the lock held */
	uint64_t handoffs; /* acquisitions whose previous owner was another thread */
	uint64_t trylock_fail; /* lab_trylock()/lab_read_trylock() that failed */
	uint64_t read_acquisitions; /* read_lock + successful read_trylock */
	uint64_t read_contended;
	uint64_t untracked; /* acquisitions by threads without a slot */
	/* In ns (converted from TSC ticks when read). */
	struct lab_hist wait; /* exclusive and read waits */
	struct lab_hist hold; /* exclusive holds */
	struct lab_hist read_hold; /* read-side sections */
	unsigned int nthreads; /* slots in use */
	uint64_t thread_acq[LAB_LOCK_MAX_THREADS]; /* excl + read, per slot */
	struct lab_fairness fairness; /* over thread_acq[0..nthreads) */
};

/*
 * Switch collection on or off. Enabling allocates the per-thread slot
 * table on first use: returns 0 or -ENOMEM. Disabling keeps what was
 * collected. A section entered while off is not measured at its release.
 */
int lab_lock_stats_enable(struct lab_lock *l, bool on);
bool lab_lock_stats_enabled(const struct lab_lock *l);

/* Zero every counter and histogram (quiescent lock). */
void lab_lock_stats_reset(struct lab_lock *l);

/*
 * Merge all slots into @out (about 50 KiB: heap-allocate it). Never
 * fails; a lock whose statistics were never enabled reads as all zero.
 */
void lab_lock_stats_read(const struct lab_lock *l, struct lab_lock_stats *out);

/*
 * One lock_stat-like table row per lock (header first when @header).
 * Times in ns. Returns 0 or -EIO if @f failed, -ENOMEM.
 */
int lab_lock_stats_print(const struct lab_lock *l, FILE *f, bool header);

/* Same figures as a JSON object under @key (NULL inside arrays). */
int lab_lock_stats_json(const struct lab_lock *l, struct lab_json *j,
			const char *key);

/* Writers for an already-read snapshot (drivers that merge several). */
void lab_lock_stats_print_header(FILE *f);
void lab_lock_stats_print_row(const struct lab_lock_stats *s, FILE *f);
void lab_lock_stats_write_json(const struct lab_lock_stats *s,
			       struct lab_json *j, const char *key);

#endif /* IOVALAB_LOCK_STAT_H */
