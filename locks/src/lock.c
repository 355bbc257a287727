// SPDX-License-Identifier: MIT
/*
 * The run-time interface: strategy registry, creation, dispatch and the
 * statistics hot path (thread ids and lifecycle: lock_thread.c) (statistics off costs one relaxed load
 * on lock and one holder-private load on unlock; both sit in the lock's
 * first line, which nobody writes while statistics are off).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/fault.h"
#include "lock_impl.h"

static const struct lab_lock_ops *const lab_lock_table[] = {
	&lab_lock_ops_tas,    &lab_lock_ops_ttas,   &lab_lock_ops_ticket,
	&lab_lock_ops_mcs,    &lab_lock_ops_mutex,  &lab_lock_ops_rwlock,
	&lab_lock_ops_rcu,    &lab_lock_ops_ck_fas, &lab_lock_ops_ck_ticket,
	&lab_lock_ops_ck_mcs, &lab_lock_ops_ck_clh, &lab_lock_ops_ck_rwlock,
	&lab_lock_ops_qspinlock,
};
#define NR_STRATEGIES (sizeof(lab_lock_table) / sizeof(lab_lock_table[0]))

/* Derived from the table before main(), so the two cannot disagree. */
const char *lab_lock_names[NR_STRATEGIES + 1];

__attribute__((constructor)) static void lab_lock_names_init(void)
{
	for (size_t i = 0; i < NR_STRATEGIES; i++)
		lab_lock_names[i] = lab_lock_table[i]->info.name;
}

const struct lab_lock_ops *lab_lock_ops_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < NR_STRATEGIES; i++)
		if (!strcmp(lab_lock_table[i]->info.name, name))
			return lab_lock_table[i];
	return NULL;
}

void lab_lock_ops_thread_offline(void)
{
	for (size_t i = 0; i < NR_STRATEGIES; i++)
		if (lab_lock_table[i]->thread_offline)
			lab_lock_table[i]->thread_offline();
}

const struct lab_lock_info *lab_lock_info_find(const char *name)
{
	const struct lab_lock_ops *ops = lab_lock_ops_find(name);

	return ops ? &ops->info : NULL;
}

const struct lab_lock_info *lab_lock_info(const struct lab_lock *l)
{
	return &l->ops->info;
}

int lab_spin_policy_parse(const char *s, enum lab_spin_policy *out)
{
	if (s && !strcmp(s, "pure"))
		*out = LAB_SPIN_PURE;
	else if (s && !strcmp(s, "yield"))
		*out = LAB_SPIN_YIELD;
	else
		return -EINVAL;
	return 0;
}

const char *lab_spin_policy_name(enum lab_spin_policy p)
{
	return p == LAB_SPIN_PURE ? "pure" : "yield";
}

struct lab_lock *lab_lock_create(const char *name,
				 const struct lab_lock_attr *attr)
{
	static const struct lab_lock_attr defaults = { .spin = LAB_SPIN_YIELD };
	const struct lab_lock_ops *ops = lab_lock_ops_find(name);
	struct lab_lock *l;
	size_t sz;
	int err;

	if (!ops) {
		errno = EINVAL;
		return NULL;
	}
	if (!attr)
		attr = &defaults;
	if (attr->spin != LAB_SPIN_PURE && attr->spin != LAB_SPIN_YIELD) {
		errno = EINVAL;
		return NULL;
	}
	sz = sizeof(*l) + ops->size;
	sz = (sz + LAB_CACHELINE - 1) & ~(size_t)(LAB_CACHELINE - 1);
	l = lab_fault_fail(LAB_FAULT_LOCK) ? NULL :
					     aligned_alloc(LAB_CACHELINE, sz);
	if (!l) {
		errno = ENOMEM;
		return NULL;
	}
	memset(l, 0, sz);
	l->ops = ops;
	atomic_init(&l->stats_on, false);
	atomic_init(&l->stats, NULL);
	l->last_owner = -1;
	snprintf(l->label, sizeof(l->label), "%s",
		 attr->label ? attr->label : ops->info.name);
	err = ops->init(l->impl, attr);
	if (err) {
		free(l);
		errno = -err;
		return NULL;
	}
	if (attr->stats && lab_lock_stats_enable(l, true)) {
		lab_lock_destroy(l);
		errno = ENOMEM;
		return NULL;
	}
	return l;
}

void lab_lock_destroy(struct lab_lock *l)
{
	struct lab_stat_table *t;

	if (!l)
		return;
	if (l->ops->defer_barrier)
		l->ops->defer_barrier(l->impl);
	if (l->ops->destroy)
		l->ops->destroy(l->impl);
	t = atomic_load_explicit(&l->stats, memory_order_acquire);
	if (t) {
		for (int i = 0; i < LAB_LOCK_MAX_THREADS; i++)
			free(atomic_load_explicit(&t->slot[i],
						  memory_order_relaxed));
		free(t);
	}
	free(l);
}

const char *lab_lock_name(const struct lab_lock *l)
{
	return l->ops->info.name;
}

const char *lab_lock_label(const struct lab_lock *l)
{
	return l->label;
}

bool lab_lock_lockless_readers(const struct lab_lock *l)
{
	return l->ops->info.lockless_readers;
}

/* ---- statistics hot path ---- */

static struct lab_stat_slot *stat_slot(struct lab_lock *l)
{
	struct lab_stat_table *t =
		atomic_load_explicit(&l->stats, memory_order_acquire);
	struct lab_stat_slot *s;
	int tid = lab_lock_tid();

	if (!t)
		return NULL;
	if (tid < 0) {
		atomic_fetch_add_explicit(&t->untracked, 1,
					  memory_order_relaxed);
		return NULL;
	}
	/* Only thread @tid ever stores slot[tid]. */
	s = atomic_load_explicit(&t->slot[tid], memory_order_relaxed);
	if (__builtin_expect(!s, 0)) {
		s = lab_fault_fail(LAB_FAULT_LOCK) ?
			    NULL :
			    aligned_alloc(LAB_CACHELINE, sizeof(*s));
		if (!s) {
			atomic_fetch_add_explicit(&t->untracked, 1,
						  memory_order_relaxed);
			return NULL;
		}
		memset(s, 0, sizeof(*s));
		lab_hist_init(&s->wait);
		lab_hist_init(&s->hold);
		lab_hist_init(&s->read_hold);
		atomic_store_explicit(&t->slot[tid], s, memory_order_release);
	}
	return s;
}

static void stat_acquired(struct lab_lock *l, struct lab_stat_slot *s,
			  uint64_t t1)
{
	int tid = lab_lock_tid();

	s->acq++;
	if (l->last_owner >= 0 && l->last_owner != tid)
		s->handoffs++;
	l->last_owner = tid;
	l->hold_t0 = t1 ? t1 : 1;
}

/*
 * Only a contended acquisition is timed from before its wait (as the
 * kernel's lock_stat does): an acquisition that the first try wins
 * records a wait of 0 and costs one TSC read (the hold start), not two.
 * The failed try's own few ns fall outside the measured wait.
 */
static void __attribute__((noinline)) stat_lock(struct lab_lock *l)
{
	struct lab_stat_slot *s = stat_slot(l);
	uint64_t t0 = 0, t1;
	bool contended = false;

	if (!l->ops->trylock(l->impl)) {
		contended = true;
		t0 = lab_cycles();
		l->ops->lock(l->impl);
	}
	t1 = lab_cycles();
	if (!s) {
		l->hold_t0 = 0;
		return;
	}
	if (contended)
		s->contended++;
	lab_hist_record(&s->wait, contended ? t1 - t0 : 0);
	stat_acquired(l, s, t1);
}

static void __attribute__((noinline)) stat_unlock(struct lab_lock *l)
{
	struct lab_stat_slot *s = stat_slot(l);
	uint64_t t = lab_cycles();

	if (s)
		lab_hist_record(&s->hold, t - l->hold_t0);
	l->hold_t0 = 0;
}

void lab_lock(struct lab_lock *l)
{
	if (__builtin_expect(atomic_load_explicit(&l->stats_on,
						  memory_order_relaxed),
			     0))
		stat_lock(l);
	else
		l->ops->lock(l->impl);
}

void lab_unlock(struct lab_lock *l)
{
	if (__builtin_expect(l->hold_t0 != 0, 0))
		stat_unlock(l);
	l->ops->unlock(l->impl);
}

bool lab_trylock(struct lab_lock *l)
{
	struct lab_stat_slot *s;

	if (__builtin_expect(!atomic_load_explicit(&l->stats_on,
						   memory_order_relaxed),
			     1))
		return l->ops->trylock(l->impl);
	s = stat_slot(l);
	if (!l->ops->trylock(l->impl)) {
		if (s)
			s->trylock_fail++;
		return false;
	}
	if (s)
		stat_acquired(l, s, lab_cycles());
	else
		l->hold_t0 = 0;
	return true;
}

static void read_lock_raw(struct lab_lock *l)
{
	if (l->ops->read_lock)
		l->ops->read_lock(l->impl);
	else
		l->ops->lock(l->impl);
}

static bool read_trylock_raw(struct lab_lock *l)
{
	if (l->ops->read_trylock)
		return l->ops->read_trylock(l->impl);
	return l->ops->trylock(l->impl);
}

static void read_unlock_raw(struct lab_lock *l)
{
	if (l->ops->read_unlock)
		l->ops->read_unlock(l->impl);
	else
		l->ops->unlock(l->impl);
}

void lab_read_lock(struct lab_lock *l)
{
	struct lab_stat_slot *s;
	uint64_t t0, t1;
	bool contended = false;

	if (__builtin_expect(!atomic_load_explicit(&l->stats_on,
						   memory_order_relaxed),
			     1)) {
		read_lock_raw(l);
		return;
	}
	s = stat_slot(l);
	t0 = 0;
	if (!read_trylock_raw(l)) {
		contended = true;
		t0 = lab_cycles();
		read_lock_raw(l);
	}
	t1 = lab_cycles();
	if (!s)
		return;
	s->read_acq++;
	if (contended)
		s->read_contended++;
	lab_hist_record(&s->wait, contended ? t1 - t0 : 0);
	s->read_t0 = t1 ? t1 : 1;
}

bool lab_read_trylock(struct lab_lock *l)
{
	struct lab_stat_slot *s;

	if (__builtin_expect(!atomic_load_explicit(&l->stats_on,
						   memory_order_relaxed),
			     1))
		return read_trylock_raw(l);
	s = stat_slot(l);
	if (!read_trylock_raw(l)) {
		if (s)
			s->trylock_fail++;
		return false;
	}
	if (s) {
		s->read_acq++;
		s->read_t0 = lab_cycles() | 1;
	}
	return true;
}

void lab_read_unlock(struct lab_lock *l)
{
	struct lab_stat_table *t;

	/* The slot is per thread, so this load is thread-private. */
	t = atomic_load_explicit(&l->stats, memory_order_acquire);
	if (__builtin_expect(t != NULL, 0)) {
		int tid = lab_lock_tid();
		struct lab_stat_slot *s =
			tid >= 0 ? atomic_load_explicit(&t->slot[tid],
							memory_order_relaxed) :
				   NULL;

		if (s && s->read_t0) {
			lab_hist_record(&s->read_hold,
					lab_cycles() - s->read_t0);
			s->read_t0 = 0;
		}
	}
	read_unlock_raw(l);
}

void lab_lock_defer_free(struct lab_lock *l, void (*fn)(void *), void *p)
{
	if (l->ops->defer_free)
		l->ops->defer_free(l->impl, fn, p);
	else
		fn(p);
}

void lab_lock_synchronize(struct lab_lock *l)
{
	if (l->ops->synchronize)
		l->ops->synchronize(l->impl);
}

void lab_lock_defer_barrier(struct lab_lock *l)
{
	if (l->ops->defer_barrier)
		l->ops->defer_barrier(l->impl);
}
