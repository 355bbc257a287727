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
 * A lock is released by the thread that acquired it (the queue locks keep
 * the holder's node in thread-local storage). lab_lock() and friends
 * cannot fail; misuse (unlocking a lock not held) is undefined, as for
 * pthread mutexes. Compile-time use without this indirection: include
 * iovalab/locks/spin_{tas,ttas,ticket,mcs}.h and call spin_ticket_lock()
 * and friends directly (see locks/README.md for what the indirection
 * costs).
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
	/*
	 * "rcu" only: the strategy writers serialise on (any exclusive name
	 * in lab_lock_names except "rcu"); NULL means "mutex", the one that
	 * survives oversubscription. Ignored by every other strategy.
	 */
	const char *rcu_writer;
};

/* Spin bound before a LAB_SPIN_YIELD waiter calls sched_yield(). */
#define LAB_SPIN_YIELD_BOUND 256u

/*
 * "pure" or "yield" to a policy. Returns 0 or -EINVAL (unknown name).
 */
int lab_spin_policy_parse(const char *s, enum lab_spin_policy *out);
const char *lab_spin_policy_name(enum lab_spin_policy p);

/* What a strategy is, for labels in tables and for tests. */
struct lab_lock_info {
	const char *name;
	const char *summary; /* one line */
	bool ck; /* Concurrency Kit's implementation */
	bool spins; /* waiters spin (spin policy applies) */
	bool fifo; /* grants in arrival order */
	bool shared_readers; /* read_lock is shared, not exclusive */
	bool lockless_readers; /* read_lock takes no lock at all (rcu) */
};

/* Info for strategy @name, or NULL if there is none by that name. */
const struct lab_lock_info *lab_lock_info_find(const char *name);
const struct lab_lock_info *lab_lock_info(const struct lab_lock *l);

/*
 * NULL-terminated list of strategy names, ours and ck's, in the order of
 * the strategy table it is filled from before main(). Read only.
 */
extern const char *lab_lock_names[];

/*
 * Create a lock of strategy @name. @attr may be NULL for defaults.
 * Returns NULL with errno EINVAL (unknown name, spin policy out of range,
 * or an rcu_writer that is unknown or "rcu") or ENOMEM.
 */
struct lab_lock *lab_lock_create(const char *name,
				 const struct lab_lock_attr *attr);
void lab_lock_destroy(struct lab_lock *l);
const char *lab_lock_name(const struct lab_lock *l);
/* attr->label, or the strategy name when no label was given. */
const char *lab_lock_label(const struct lab_lock *l);

void lab_lock(struct lab_lock *l);
void lab_unlock(struct lab_lock *l);
/* true if acquired; never blocks. */
bool lab_trylock(struct lab_lock *l);
void lab_read_lock(struct lab_lock *l);
void lab_read_unlock(struct lab_lock *l);
/* true if a read section was entered; never blocks (always true for rcu). */
bool lab_read_trylock(struct lab_lock *l);

/* true when read-side sections run lockless (rcu) */
bool lab_lock_lockless_readers(const struct lab_lock *l);

/*
 * Free @p with @fn once no reader can still see it: immediately for
 * strategies whose readers exclude writers, after a grace period for rcu.
 * Call from a writer (lock held or not), never inside a read section.
 */
void lab_lock_defer_free(struct lab_lock *l, void (*fn)(void *), void *p);

/*
 * rcu: wait for a grace period (every read section that began before the
 * call has ended). Other strategies: returns at once. Never call inside a
 * read section of the same lock.
 */
void lab_lock_synchronize(struct lab_lock *l);

/*
 * rcu: run every lab_lock_defer_free() callback queued so far (by any
 * thread), waiting for the grace periods they need. Other strategies:
 * returns at once. lab_lock_destroy() does this itself.
 */
void lab_lock_defer_barrier(struct lab_lock *l);

/*
 * Publish and read pointers that lockless readers follow. C11-visible
 * (release store, acquire load), so ThreadSanitizer sees the ordering.
 */
#define lab_rcu_assign_pointer(p, v) \
	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define lab_rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)

/*
 * Idempotent; lab_lock_thread_online() is also done lazily on first use.
 * lab_lock_thread_offline() unregisters the thread from RCU, flushes its
 * deferred frees, frees its spare queue nodes and returns its statistics
 * slot; call it before a thread that used a lock exits, outside any
 * section. A thread that forgets gets it run at exit by a pthread key
 * destructor, as a safety net. Going offline is final for a thread:
 * liburcu 0.13 aborts when a thread registers for deferred frees a second
 * time, so never call online again after offline on the same thread.
 */
void lab_lock_thread_online(void);
void lab_lock_thread_offline(void);

#endif /* IOVALAB_LOCK_H */
