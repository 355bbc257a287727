// SPDX-License-Identifier: MIT
/*
 * Magazines and the depot's maintenance: magazine allocation (counted,
 * fault-injectable), the flush of every slot and depot back to the tree,
 * the trim step, and the trim thread that runs it while a depot stays
 * above depot_max. The depot's push and pop on the fast path are in
 * fastpath.c, under the slot lock.
 */
#include "iovalab/fault.h"
#include "rcache_internal.h"

struct iovad_mag *mag_alloc(struct iovad *iovad)
{
	struct iovad_mag *m = lab_fault_fail(LAB_FAULT_MAGAZINE) ?
				      NULL :
				      malloc(iovad->mag_bytes);

	if (!m)
		return NULL;
	m->size = 0;
	shared_add(&iovad->mags, 1);
	return m;
}

void mag_free(struct iovad *iovad, struct iovad_mag *m)
{
	if (!m)
		return;
	free(m);
	atomic_fetch_sub_explicit(&iovad->mags, 1, memory_order_relaxed);
}

/* ---- flush and trim ---- */

void iovad_rcache_flush(struct iovad *iovad)
{
	uint64_t ranges = 0;

	if (!iovad->attr.rcache)
		return;
	shared_add(&iovad->flushes, 1);
	for (unsigned int i = 0; i < iovad->nr_cpus * IOVAD_NR_CLASSES; i++) {
		struct iovad_cpu *c = &iovad->cpus[i];

		cpu_lock(c);
		if (c->loaded->size || c->prev->size) {
			tree_lock(iovad);
			ranges += mag_release_pfns(iovad, c->loaded,
						   c->loaded->size);
			ranges +=
				mag_release_pfns(iovad, c->prev, c->prev->size);
			tree_unlock(iovad);
			c->loaded->size = 0;
			c->prev->size = 0;
			cpu_publish(c);
		}
		cpu_unlock(c);
	}
	for (unsigned int cls = 0; cls < IOVAD_NR_CLASSES; cls++) {
		struct iovad_class *k = &iovad->cls[cls];
		struct iovad_mag *list;

		/* Depot lock held until the tree has the ranges back. */
		depot_lock(k);
		list = k->depot;
		k->depot = NULL;
		if (list) {
			tree_lock(iovad);
			for (struct iovad_mag *m = list; m; m = m->next)
				ranges += mag_release_pfns(
					iovad, m, iovad->attr.mag_size);
			tree_unlock(iovad);
		}
		atomic_store(&k->depot_size, 0);
		depot_unlock(k);
		while (list) {
			struct iovad_mag *m = list;

			list = m->next;
			mag_free(iovad, m);
		}
	}
	shared_add(&iovad->flushed_ranges, ranges);
}

unsigned int iovad_rcache_trim(struct iovad *iovad)
{
	unsigned int returned = 0;

	if (!iovad->attr.rcache)
		return 0;
	shared_add(&iovad->trim_runs, 1);
	for (unsigned int cls = 0; cls < IOVAD_NR_CLASSES; cls++) {
		struct iovad_class *k = &iovad->cls[cls];
		struct iovad_mag *m = NULL;

		depot_lock(k);
		if (atomic_load_explicit(&k->depot_size, memory_order_relaxed) >
		    iovad->attr.depot_max) {
			m = k->depot;
			k->depot = m->next;
			tree_lock(iovad);
			mag_release_pfns(iovad, m, iovad->attr.mag_size);
			tree_unlock(iovad);
			depot_size_add(k, -1);
			owned_inc(&k->trims);
		}
		depot_unlock(k);
		if (m) {
			mag_free(iovad, m);
			returned++;
		}
	}
	return returned;
}

/* ---- trim thread ---- */

static bool any_depot_over(struct iovad *iovad)
{
	for (unsigned int k = 0; k < IOVAD_NR_CLASSES; k++) {
		if (atomic_load(&iovad->cls[k].depot_size) >
		    iovad->attr.depot_max)
			return true;
	}
	return false;
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

static void *trim_main(void *arg)
{
	struct iovad *iovad = arg;
	struct iovad_trim *t = &iovad->trim;

	lab_lock_thread_online();
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		struct timespec ts;
		uint64_t now;

		if (!atomic_load(&t->armed)) {
			pthread_cond_wait(&t->cv, &t->mu);
			continue;
		}
		now = lab_now_ns();
		if (now < t->due_ns) {
			ns_to_timespec(t->due_ns, &ts);
			pthread_cond_timedwait(&t->cv, &t->mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&t->mu);
		iovad_rcache_trim(iovad);
		pthread_mutex_lock(&t->mu);
		/*
		 * Disarm, then look again: a push that raised a depot over
		 * the threshold after our look either sees armed == false
		 * and arms, or we see its depot size here (both seq_cst).
		 */
		atomic_store(&t->armed, false);
		if (any_depot_over(iovad)) {
			atomic_store(&t->armed, true);
			t->due_ns = lab_now_ns() + iovad->attr.trim_period_ns;
		}
	}
	pthread_mutex_unlock(&t->mu);
	lab_lock_thread_offline();
	return NULL;
}

/* Called with no lock held after a push left a depot over the threshold. */
void trim_arm(struct iovad *iovad)
{
	struct iovad_trim *t = &iovad->trim;

	if (!t->running || atomic_load(&t->armed))
		return;
	pthread_mutex_lock(&t->mu);
	if (!atomic_load(&t->armed)) {
		t->due_ns = lab_now_ns() + iovad->attr.trim_period_ns;
		atomic_store(&t->armed, true);
		pthread_cond_signal(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
}

int trim_start(struct iovad *iovad)
{
	struct iovad_trim *t = &iovad->trim;
	pthread_condattr_t ca;
	int err;

	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&t->armed, false);
	t->stop = false;
	t->running = false;
	if (!iovad->attr.trim_period_ns || !iovad->attr.rcache)
		return 0;
	err = lab_fault_pthread_create(&t->thread, NULL, trim_main, iovad);
	if (err) {
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		return err;
	}
	t->running = true;
	return 0;
}

void trim_stop(struct iovad *iovad)
{
	struct iovad_trim *t = &iovad->trim;

	if (t->running) {
		pthread_mutex_lock(&t->mu);
		t->stop = true;
		pthread_cond_signal(&t->cv);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
}
