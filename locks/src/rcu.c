// SPDX-License-Identifier: MIT
/*
 * "rcu": read sections are liburcu read-side critical sections (no lock,
 * no shared write), writers serialise on a lock of the family (attr
 * rcu_writer, default "mutex"), and lab_lock_defer_free() frees after a
 * grace period.
 *
 * Flavour: memb (liburcu-memb). Readers only touch a per-thread counter:
 * the ordering a grace period needs is forced from the writer side with
 * the membarrier(2) system call, so the read side has no fence. The
 * alternatives cost more here: "mb" puts a full fence in every
 * read_lock/unlock; "signal" steals a signal from the whole process;
 * "qsbr" is faster still but requires every registered thread to announce
 * quiescent states periodically, which a general lock interface cannot
 * impose on the allocator's callers; "bp" needs no registration but pays
 * for it on the read side.
 *
 * Deferred free: urcu_memb_defer_rcu(), which needs no rcu_head inside
 * the freed object (the allocator's nodes stay as small as they are). It
 * queues (fn, p) in a per-thread 4096-entry queue drained by liburcu's
 * defer thread after one synchronize_rcu per batch, so a free costs a
 * queue store in the common case; when a thread's queue is full the
 * writer itself waits for a grace period (synchronize_rcu) before
 * continuing, which bounds memory but can stall a writer for a grace
 * period. Never call it from inside a read section (it may wait for a
 * grace period, which would then wait for itself).
 *
 * liburcu is an uninstrumented shared library, so ThreadSanitizer sees
 * neither its read-side counter nor the grace period. In TSan builds each
 * read_unlock releases a per-lock sync token that each grace-period
 * waiter (synchronize, the deferred-free trampoline) acquires; that is
 * exactly the happens-before RCU guarantees (a read section ends before
 * the grace period that follows it ends). Deferred frees go through a
 * small trampoline record in TSan builds only, released by the writer and
 * acquired by the defer thread, since liburcu's queue is invisible too.
 */
/*
 * IOVALAB_URCU_INLINE (see CMakeLists.txt) defines _LGPL_SOURCE for this
 * file. TSan builds always call the library instead: inlined, liburcu's
 * read side does volatile accesses to its shared grace-period futex word
 * that ThreadSanitizer reports as races (intended by liburcu's protocol),
 * and speed is no concern there.
 */
#ifdef IOVALAB_TSAN
#undef _LGPL_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "lock_impl.h"
#include "tsan.h"

struct rcu_lock {
	struct lab_lock *writer;
	char gp_token; /* TSan sync address: read_unlock -> grace period */
};

static _Thread_local bool reader_registered, defer_registered;

static inline void reader_online(void)
{
	if (__builtin_expect(!reader_registered, 0)) {
		urcu_memb_register_thread();
		reader_registered = true;
		lab_lock_thread_arm_exit();
	}
}

static void rcu_thread_offline(void)
{
	if (defer_registered) {
		/* Flushes this thread's queue through a grace period. */
		urcu_memb_defer_unregister_thread();
		defer_registered = false;
	}
	if (reader_registered) {
		urcu_memb_unregister_thread();
		reader_registered = false;
	}
}

static int rcu_init(void *p, const struct lab_lock_attr *a)
{
	struct rcu_lock *r = p;
	const char *wname = a->rcu_writer ? a->rcu_writer : "mutex";
	struct lab_lock_attr wa = { .spin = a->spin, .label = "rcu-writer" };

	if (!strcmp(wname, "rcu") || !lab_lock_ops_find(wname))
		return -EINVAL;
	r->writer = lab_lock_create(wname, &wa);
	if (!r->writer)
		return -errno;
	return 0;
}

static void rcu_destroy(void *p)
{
	struct rcu_lock *r = p;

	lab_lock_destroy(r->writer);
}

static void rcu_lock(void *p)
{
	lab_lock(((struct rcu_lock *)p)->writer);
}

static void rcu_unlock(void *p)
{
	lab_unlock(((struct rcu_lock *)p)->writer);
}

static bool rcu_trylock(void *p)
{
	return lab_trylock(((struct rcu_lock *)p)->writer);
}

static void rcu_read_lock(void *p)
{
	reader_online();
	urcu_memb_read_lock();
}

static bool rcu_read_trylock(void *p)
{
	rcu_read_lock(p);
	return true;
}

static void rcu_read_unlock(void *p)
{
	struct rcu_lock *r = p;

	lab_tsan_release(&r->gp_token);
	urcu_memb_read_unlock();
}

static void rcu_synchronize(void *p)
{
	struct rcu_lock *r = p;

	urcu_memb_synchronize_rcu();
	lab_tsan_acquire(&r->gp_token);
}

#ifdef IOVALAB_TSAN
struct deferred {
	void (*fn)(void *);
	void *p;
	void *token;
};

static void deferred_run(void *arg)
{
	struct deferred *d = arg;

	lab_tsan_acquire(d);
	lab_tsan_acquire(d->token);
	d->fn(d->p);
	free(d);
}
#endif

static void rcu_defer_free(void *p, void (*fn)(void *), void *obj)
{
	if (!defer_registered) {
		if (urcu_memb_defer_register_thread()) {
			/* No defer thread: fall back to a synchronous
			 * grace period, still correct. */
			rcu_synchronize(p);
			fn(obj);
			return;
		}
		defer_registered = true;
		lab_lock_thread_arm_exit();
	}
#ifdef IOVALAB_TSAN
	{
		struct rcu_lock *r = p;
		struct deferred *d = malloc(sizeof(*d));

		if (!d) {
			rcu_synchronize(p);
			fn(obj);
			return;
		}
		d->fn = fn;
		d->p = obj;
		d->token = &r->gp_token;
		lab_tsan_release(d);
		urcu_memb_defer_rcu(deferred_run, d);
	}
#else
	urcu_memb_defer_rcu(fn, obj);
#endif
}

static void rcu_defer_barrier(void *p)
{
	/* liburcu's barrier is global: every thread's queue is drained. */
	urcu_memb_defer_barrier();
}

const struct lab_lock_ops lab_lock_ops_rcu = {
	.info = { .name = "rcu",
		  .summary = "liburcu memb read sections; writers on a "
			     "mutex (rcu_writer); deferred free",
		  .shared_readers = true,
		  .lockless_readers = true },
	.size = sizeof(struct rcu_lock),
	.init = rcu_init,
	.destroy = rcu_destroy,
	.lock = rcu_lock,
	.unlock = rcu_unlock,
	.trylock = rcu_trylock,
	.read_lock = rcu_read_lock,
	.read_unlock = rcu_read_unlock,
	.read_trylock = rcu_read_trylock,
	.defer_free = rcu_defer_free,
	.synchronize = rcu_synchronize,
	.defer_barrier = rcu_defer_barrier,
	.thread_offline = rcu_thread_offline,
};
