// SPDX-License-Identifier: MIT
/*
 * Strict and lazy unmap (iovalab/flushq.h): per-CPU flush queues, flush
 * generations, the flush timer. Written for the lab from the description
 * of the kernel's behaviour; no kernel code copied.
 */
#define _GNU_SOURCE /* sched_getcpu */
#include "iovalab/flushq.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/clock.h"
#include "iovalab/fault.h"
#include "iovalab/lock.h"

struct fq_entry {
	unsigned long pfn, size;
	uint64_t gen; /* 'started' when queued */
};

/* One CPU's ring; head and entries under lock, count also read unlocked. */
struct fq_cpu {
	struct lab_lock *lock;
	struct fq_entry *ring;
	unsigned int head;
	_Atomic unsigned int count; /* stored under lock, read by samplers */
} __lab_cacheline_aligned;

struct iovad_fq {
	struct iovad *iovad;
	struct iovad_fq_attr attr;
	struct fq_cpu *cpus;
	unsigned int nr_cpus;

	/*
	 * One invalidation at a time, as on the hardware (one invalidation
	 * queue per IOMMU, its driver waiting for each completion under a
	 * lock): so when a flush finishes, every earlier one has too.
	 */
	pthread_mutex_t iotlb_mu;
	_Atomic uint64_t started __lab_cacheline_aligned;
	_Atomic uint64_t finished;
	_Atomic uint64_t queued, freed, refused;
	_Atomic uint64_t flushes_full, flushes_timer, flushes_other;

	/* the timer: armed by a queue op, fires once, re-armed by the next */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running, stop; /* stop under mu */
	uint64_t due_ns; /* under mu, meaningful while armed */
	atomic_bool armed;
};

void iovad_fq_attr_init(struct iovad_fq_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->entries = IOVAD_FQ_ENTRIES_DEFAULT;
	attr->timeout_ns = IOVAD_FQ_TIMEOUT_NS_DEFAULT;
}

int iovad_unmap_strict(struct iovad *iovad, unsigned long pfn,
		       unsigned long size, uint64_t flush_ns)
{
	lab_busy_ns(flush_ns);
	return free_iova_fast(iovad, pfn, size);
}

/* One IOTLB invalidation, bracketed by the generation counters. */
static void fq_flush_iotlb(struct iovad_fq *fq, _Atomic uint64_t *why)
{
	pthread_mutex_lock(&fq->iotlb_mu);
	atomic_fetch_add(&fq->started, 1);
	lab_busy_ns(fq->attr.flush_ns);
	if (fq->attr.during_flush)
		fq->attr.during_flush(fq->attr.during_flush_arg);
	atomic_fetch_add(&fq->finished, 1);
	pthread_mutex_unlock(&fq->iotlb_mu);
	atomic_fetch_add_explicit(why, 1, memory_order_relaxed);
}

/* Free the completed entries at the head of @q; its lock is held. */
static void fq_ring_free(struct iovad_fq *fq, struct fq_cpu *q)
{
	uint64_t done = atomic_load(&fq->finished);
	unsigned int n = atomic_load_explicit(&q->count, memory_order_relaxed);
	unsigned int freed = 0, refused = 0;

	/* Generations only grow along the ring, so stop at the first. */
	while (n && q->ring[q->head].gen < done) {
		struct fq_entry *e = &q->ring[q->head];

		/* a refused range left the queue but was never freed */
		if (free_iova_fast(fq->iovad, e->pfn, e->size))
			refused++;
		else
			freed++;
		q->head = (q->head + 1) % fq->attr.entries;
		n--;
	}
	atomic_store_explicit(&q->count, n, memory_order_relaxed);
	if (freed)
		atomic_fetch_add_explicit(&fq->freed, freed,
					  memory_order_relaxed);
	if (refused)
		atomic_fetch_add_explicit(&fq->refused, refused,
					  memory_order_relaxed);
}

static struct fq_cpu *fq_this_cpu(struct iovad_fq *fq)
{
	int cpu = sched_getcpu();

	/* only a hint: the queue lock is what makes it correct */
	return &fq->cpus[(cpu < 0 ? 0u : (unsigned int)cpu) % fq->nr_cpus];
}

static void fq_timer_arm(struct iovad_fq *fq)
{
	if (!fq->running || atomic_load(&fq->armed))
		return;
	pthread_mutex_lock(&fq->mu);
	if (!atomic_load(&fq->armed)) {
		fq->due_ns = lab_now_ns() + fq->attr.timeout_ns;
		atomic_store(&fq->armed, true);
		pthread_cond_signal(&fq->cv);
	}
	pthread_mutex_unlock(&fq->mu);
}

void iovad_fq_queue(struct iovad_fq *fq, unsigned long pfn, unsigned long size)
{
	struct fq_cpu *q = fq_this_cpu(fq);
	struct fq_entry *e;
	unsigned int n;

	lab_lock(q->lock);
	fq_ring_free(fq, q);
	/*
	 * Flushes are serialised, so after ours every entry here (all queued
	 * before it started: we hold the lock) is complete; one round empties
	 * the queue, the loop only guards the ring against overflow.
	 */
	while (atomic_load_explicit(&q->count, memory_order_relaxed) ==
	       fq->attr.entries) {
		fq_flush_iotlb(fq, &fq->flushes_full);
		fq_ring_free(fq, q);
	}
	n = atomic_load_explicit(&q->count, memory_order_relaxed);
	e = &q->ring[(q->head + n) % fq->attr.entries];
	e->pfn = pfn;
	e->size = size;
	e->gen = atomic_load(&fq->started);
	atomic_store_explicit(&q->count, n + 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&fq->queued, 1, memory_order_relaxed);
	lab_unlock(q->lock);
	fq_timer_arm(fq);
}

static void fq_free_all_completed(struct iovad_fq *fq)
{
	for (unsigned int i = 0; i < fq->nr_cpus; i++) {
		struct fq_cpu *q = &fq->cpus[i];

		if (!atomic_load_explicit(&q->count, memory_order_relaxed))
			continue;
		lab_lock(q->lock);
		fq_ring_free(fq, q);
		lab_unlock(q->lock);
	}
}

static uint64_t fq_pending(const struct iovad_fq *fq)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < fq->nr_cpus; i++)
		n += atomic_load_explicit(&fq->cpus[i].count,
					  memory_order_relaxed);
	return n;
}

void iovad_fq_flush(struct iovad_fq *fq)
{
	fq_flush_iotlb(fq, &fq->flushes_other);
	fq_free_all_completed(fq);
}

uint64_t iovad_fq_drain(struct iovad_fq *fq)
{
	uint64_t before = atomic_load(&fq->freed);

	/* One round suffices without concurrent queuers; loop for safety. */
	while (fq_pending(fq))
		iovad_fq_flush(fq);
	return atomic_load(&fq->freed) - before;
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

static void *fq_timer_main(void *arg)
{
	struct iovad_fq *fq = arg;

	lab_lock_thread_online();
	pthread_mutex_lock(&fq->mu);
	while (!fq->stop) {
		struct timespec ts;

		if (!atomic_load(&fq->armed)) {
			pthread_cond_wait(&fq->cv, &fq->mu);
			continue;
		}
		if (lab_now_ns() < fq->due_ns) {
			ns_to_timespec(fq->due_ns, &ts);
			pthread_cond_timedwait(&fq->cv, &fq->mu, &ts);
			continue;
		}
		/*
		 * Disarm before flushing, as the kernel's timer does: an
		 * unmap queued from here on arms it again.
		 */
		atomic_store(&fq->armed, false);
		pthread_mutex_unlock(&fq->mu);
		fq_flush_iotlb(fq, &fq->flushes_timer);
		fq_free_all_completed(fq);
		pthread_mutex_lock(&fq->mu);
	}
	pthread_mutex_unlock(&fq->mu);
	lab_lock_thread_offline();
	return NULL;
}

static void fq_free(struct iovad_fq *fq)
{
	for (unsigned int i = 0; fq->cpus && i < fq->nr_cpus; i++) {
		lab_lock_destroy(fq->cpus[i].lock);
		free(fq->cpus[i].ring);
	}
	free(fq->cpus);
	free(fq);
}

struct iovad_fq *iovad_fq_create(struct iovad *iovad,
				 const struct iovad_fq_attr *attr)
{
	const struct iovad_attr *da;
	struct lab_lock_attr la = { 0 };
	pthread_condattr_t ca;
	struct iovad_fq *fq;
	int err;

	if (!iovad || !attr || !attr->entries ||
	    attr->entries > IOVAD_FQ_ENTRIES_MAX) {
		errno = EINVAL;
		return NULL;
	}
	da = iovad_get_attr(iovad);
	la.spin = da->spin;
	la.label = "iovad.fq";
	fq = lab_fault_fail(LAB_FAULT_MAGAZINE) ?
		     NULL :
		     aligned_alloc(LAB_CACHELINE, sizeof(*fq));
	if (!fq) {
		errno = ENOMEM;
		return NULL;
	}
	memset(fq, 0, sizeof(*fq));
	fq->iovad = iovad;
	fq->attr = *attr;
	fq->nr_cpus = iovad_nr_cpu_slots(iovad);
	fq->cpus =
		aligned_alloc(LAB_CACHELINE, sizeof(*fq->cpus) * fq->nr_cpus);
	if (!fq->cpus) {
		free(fq);
		errno = ENOMEM;
		return NULL;
	}
	memset(fq->cpus, 0, sizeof(*fq->cpus) * fq->nr_cpus);
	for (unsigned int i = 0; i < fq->nr_cpus; i++) {
		struct fq_cpu *q = &fq->cpus[i];

		q->lock = lab_lock_create(
			attr->lock ? attr->lock : da->cpu_lock, &la);
		if (!q->lock) {
			err = errno;
			fq_free(fq);
			errno = err;
			return NULL;
		}
		q->ring = lab_fault_fail(LAB_FAULT_MAGAZINE) ?
				  NULL :
				  calloc(attr->entries, sizeof(*q->ring));
		if (!q->ring) {
			fq_free(fq);
			errno = ENOMEM;
			return NULL;
		}
		atomic_init(&q->count, 0);
	}
	atomic_init(&fq->armed, false);
	pthread_mutex_init(&fq->iotlb_mu, NULL);
	pthread_mutex_init(&fq->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&fq->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (attr->timeout_ns) {
		err = pthread_create(&fq->thread, NULL, fq_timer_main, fq);
		if (err) {
			pthread_cond_destroy(&fq->cv);
			pthread_mutex_destroy(&fq->mu);
			pthread_mutex_destroy(&fq->iotlb_mu);
			fq_free(fq);
			errno = err;
			return NULL;
		}
		fq->running = true;
	}
	return fq;
}

void iovad_fq_destroy(struct iovad_fq *fq)
{
	if (!fq)
		return;
	if (fq->running) {
		pthread_mutex_lock(&fq->mu);
		fq->stop = true;
		pthread_cond_signal(&fq->cv);
		pthread_mutex_unlock(&fq->mu);
		pthread_join(fq->thread, NULL);
		fq->running = false;
	}
	iovad_fq_drain(fq);
	pthread_cond_destroy(&fq->cv);
	pthread_mutex_destroy(&fq->mu);
	pthread_mutex_destroy(&fq->iotlb_mu);
	fq_free(fq);
}

void iovad_fq_stats(const struct iovad_fq *fq, struct iovad_fq_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->queued = atomic_load_explicit(&fq->queued, memory_order_relaxed);
	st->freed = atomic_load_explicit(&fq->freed, memory_order_relaxed);
	st->refused = atomic_load_explicit(&fq->refused, memory_order_relaxed);
	st->pending = fq_pending(fq);
	st->flushes_full =
		atomic_load_explicit(&fq->flushes_full, memory_order_relaxed);
	st->flushes_timer =
		atomic_load_explicit(&fq->flushes_timer, memory_order_relaxed);
	st->flushes_other =
		atomic_load_explicit(&fq->flushes_other, memory_order_relaxed);
	st->flushes_started = atomic_load(&fq->started);
	st->flushes_finished = atomic_load(&fq->finished);
}
