/* SPDX-License-Identifier: MIT */
/*
 * Private to locks/: the adapter table each strategy fills in, and the
 * lab_lock instance the run-time interface dispatches through.
 */
#ifndef IOVALAB_LOCKS_LOCK_IMPL_H
#define IOVALAB_LOCKS_LOCK_IMPL_H

#include <stdatomic.h>
#include <stddef.h>

#include "iovalab/clock.h"
#include "iovalab/lock.h"
#include "iovalab/lock_stat.h"

struct lab_lock_ops {
	struct lab_lock_info info;
	size_t size; /* bytes of adapter state in lab_lock.impl */
	/* 0 or negative errno; @a is never NULL here. */
	int (*init)(void *impl, const struct lab_lock_attr *a);
	void (*destroy)(void *impl); /* may be NULL */
	void (*lock)(void *impl);
	void (*unlock)(void *impl);
	bool (*trylock)(void *impl);
	/* NULL: the exclusive ops above serve reads too. */
	void (*read_lock)(void *impl);
	void (*read_unlock)(void *impl);
	bool (*read_trylock)(void *impl);
	/* NULL: fn(p) at once; synchronize and barrier return at once. */
	void (*defer_free)(void *impl, void (*fn)(void *), void *p);
	void (*synchronize)(void *impl);
	void (*defer_barrier)(void *impl);
	/*
	 * Free what the calling thread holds for this strategy (reader
	 * registration, spare queue nodes); run by lab_lock_thread_offline()
	 * for every strategy. May be NULL.
	 */
	void (*thread_offline)(void);
};

struct lab_stat_slot {
	uint64_t acq, contended, handoffs, trylock_fail;
	uint64_t read_acq, read_contended;
	uint64_t read_t0; /* TSC at read-section entry, 0 = not measured */
	struct lab_hist wait, hold, read_hold; /* TSC ticks */
} __lab_cacheline_aligned;

struct lab_stat_table {
	_Atomic(struct lab_stat_slot *) slot[LAB_LOCK_MAX_THREADS];
	atomic_uint_fast64_t untracked;
};

struct lab_lock {
	/* Read by every locker; written only while statistics are on. */
	const struct lab_lock_ops *ops;
	atomic_bool stats_on;
	_Atomic(struct lab_stat_table *) stats;
	/* Holder-private: TSC at acquisition (0 = not measured), last
	 * owner's thread id (-1 = none yet). */
	uint64_t hold_t0;
	int last_owner;
	char label[32];
	unsigned char impl[] __lab_cacheline_aligned;
};

/* Adapters, one per source file. */
extern const struct lab_lock_ops lab_lock_ops_tas, lab_lock_ops_ttas,
	lab_lock_ops_ticket, lab_lock_ops_mcs, lab_lock_ops_mutex,
	lab_lock_ops_rwlock, lab_lock_ops_rcu, lab_lock_ops_ck_fas,
	lab_lock_ops_ck_ticket, lab_lock_ops_ck_mcs, lab_lock_ops_ck_clh,
	lab_lock_ops_ck_rwlock, lab_lock_ops_qspinlock;

const struct lab_lock_ops *lab_lock_ops_find(const char *name);

/* Every strategy's thread_offline hook, for the calling thread. */
void lab_lock_ops_thread_offline(void);

/* This thread's lab id (allocated on first call), or -1 if all taken. */
int lab_lock_tid(void);

/* Run lab_lock_thread_offline() at thread exit if the thread forgets. */
void lab_lock_thread_arm_exit(void);

/* Convert TSC ticks to ns (calibrated once, lazily). */
double lab_lock_ticks_per_ns(void);

#endif /* IOVALAB_LOCKS_LOCK_IMPL_H */
