/* SPDX-License-Identifier: MIT */
/*
 * One interface to every lock strategy in the lab, chosen at run time by
 * name. The allocator layers (rcache/, the tree lock) and the drivers
 * (stress/, bench/) use only this header.
 *
 * Every thread that touches a lab_lock calls lab_lock_thread_online() once
 * before its first use and lab_lock_thread_offline() before it exits (RCU
 * reader registration, per-thread queue nodes, per-thread statistics).
 *
 * Locks without a shared mode take read_lock exclusively. For the "rcu"
 * strategy, read_lock/read_unlock are an RCU read-side critical section
 * (readers never block writers), lock/unlock serialise writers, and
 * lab_lock_defer_free() frees only after a grace period.
 */
#ifndef IOVALAB_LOCK_H
#define IOVALAB_LOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct lab_lock;

/* What a waiter does while the lock is held (spinning locks only). */
enum lab_spin_policy {
	LAB_SPIN_PURE, /* spin until acquired */
	LAB_SPIN_YIELD, /* spin a bounded number of times, then sched_yield() */
};

struct lab_lock_attr {
	enum lab_spin_policy spin; /* default LAB_SPIN_YIELD */
	bool stats; /* collect contention statistics from creation */
	const char *label; /* instance name in statistics ("tree", ...) */
};

/* NULL-terminated list of strategy names, ours and ck's. */
extern const char *const lab_lock_names[];

/*
 * Create a lock of strategy @name. @attr may be NULL for defaults.
 * Returns NULL with errno EINVAL (unknown name) or ENOMEM.
 */
struct lab_lock *lab_lock_create(const char *name,
				 const struct lab_lock_attr *attr);
void lab_lock_destroy(struct lab_lock *l);
const char *lab_lock_name(const struct lab_lock *l);

void lab_lock(struct lab_lock *l);
void lab_unlock(struct lab_lock *l);
/* true if acquired; never blocks. */
bool lab_trylock(struct lab_lock *l);
void lab_read_lock(struct lab_lock *l);
void lab_read_unlock(struct lab_lock *l);

/* true when read-side sections run lockless (rcu) */
bool lab_lock_lockless_readers(const struct lab_lock *l);

/*
 * Free @p with @fn once no reader can still see it: immediately for
 * strategies whose readers exclude writers, after a grace period for rcu.
 * Call from a writer (lock held or not), never inside a read section.
 */
void lab_lock_defer_free(struct lab_lock *l, void (*fn)(void *), void *p);

void lab_lock_thread_online(void);
void lab_lock_thread_offline(void);

#endif /* IOVALAB_LOCK_H */
