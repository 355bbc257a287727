/* SPDX-License-Identifier: MIT */
/*
 * The unmap path above the cache: what the kernel's DMA layer
 * (drivers/iommu/dma-iommu.c) does between a driver's dma_unmap and
 * free_iova_fast(). The IOTLB is modelled as a busy wait of flush_ns.
 *
 * Strict: every unmap invalidates the IOTLB synchronously, then frees
 * the range (iovad_unmap_strict()).
 *
 * Lazy (a flush queue): an unmap appends (pfn, size, flush generation) to
 * the calling CPU's queue and returns; the range stays allocated. A full
 * queue, or the timer when it expires, triggers one IOTLB flush; then
 * every entry queued before that flush started is freed through
 * free_iova_fast(), on the thread that flushed (so a timer's frees land in
 * its CPU's magazines). Kernel defaults (Linux 6.6, dma-iommu.c
 * IOVA_DEFAULT_FQ_SIZE and IOVA_DEFAULT_FQ_TIMEOUT; the same values as
 * IOVA_FQ_SIZE / IOVA_FQ_TIMEOUT since flush queues appeared in 4.14):
 * 256 entries per CPU, 10 ms.
 *
 * Generations, as in the kernel: a flush increments 'started', waits,
 * then increments 'finished'; an entry records 'started' when queued and
 * is complete once finished > its generation, i.e. once some flush that
 * began after it was queued has finished (counting argument: at most
 * 'generation' flushes began before it). So no range is freed before an
 * IOTLB flush that covers it has completed. Flushes are serialised (one
 * invalidation queue per IOMMU), so a full queue is empty after its own
 * flush.
 *
 * Lock order: a queue's lock, then the cache's (per-CPU, depot, tree):
 * free_iova_fast() runs with the queue lock held, as in the kernel.
 * Every thread that calls in is lab_lock_thread_online() (iovalab/lock.h).
 */
#ifndef IOVALAB_FLUSHQ_H
#define IOVALAB_FLUSHQ_H

#include <stdint.h>

#include "iovalab/rcache.h"

#define IOVAD_FQ_ENTRIES_DEFAULT 256u
#define IOVAD_FQ_ENTRIES_MAX 65536u
#define IOVAD_FQ_TIMEOUT_NS_DEFAULT 10000000ull

struct iovad_fq_attr {
	unsigned int entries; /* per-CPU queue capacity, 1..ENTRIES_MAX */
	uint64_t timeout_ns; /* 0: no timer (full queues and explicit) */
	uint64_t flush_ns; /* one IOTLB flush, busy-waited */
	const char *lock; /* queue lock strategy; NULL: domain's cpu_lock */
	/*
	 * Tests only (NULL otherwise): called inside every flush, after
	 * 'started' moved and before 'finished' does.
	 */
	void (*during_flush)(void *arg);
	void *during_flush_arg;
};

/* Kernel defaults above, flush_ns 0, lock NULL, no hook. */
void iovad_fq_attr_init(struct iovad_fq_attr *attr);

struct iovad_fq;

/*
 * One queue per CPU slot of @iovad (iovad_nr_cpu_slots()), and a timer
 * thread when timeout_ns != 0. Returns NULL with errno EINVAL (NULL
 * argument, entries out of range, unknown lock), ENOMEM, or the error of
 * pthread_create.
 */
struct iovad_fq *iovad_fq_create(struct iovad *iovad,
				 const struct iovad_fq_attr *attr);

/*
 * Stop the timer thread, drain (iovad_fq_drain()) and free. No other
 * thread may use @fq any more. NULL is a no-op.
 */
void iovad_fq_destroy(struct iovad_fq *fq);

/*
 * Strict unmap: busy-wait @flush_ns (one IOTLB flush), free_iova_fast().
 * Returns free_iova_fast()'s result (-EINVAL: refused, not a live range).
 */
int iovad_unmap_strict(struct iovad *iovad, unsigned long pfn,
		       unsigned long size, uint64_t flush_ns);

/*
 * Lazy unmap of a range from alloc_iova_fast() (@pfn, @size as for
 * free_iova_fast()). Frees this CPU's completed entries first; if the
 * queue is still full, flushes and frees them; then appends and arms the
 * timer. Never fails.
 */
void iovad_fq_queue(struct iovad_fq *fq, unsigned long pfn, unsigned long size);

/* What the timer does: one flush, then free every queue's completed. */
void iovad_fq_flush(struct iovad_fq *fq);

/*
 * End of run: flush and free until every queue is empty. Only with no
 * concurrent iovad_fq_queue(). Returns the number of ranges it freed
 * (refused entries leave the queues too, counted in 'refused' only).
 */
uint64_t iovad_fq_drain(struct iovad_fq *fq);

struct iovad_fq_stats {
	uint64_t queued; /* unmaps appended, ever */
	uint64_t freed; /* entries freed through free_iova_fast, ever */
	uint64_t refused; /* entries free_iova_fast refused (-EINVAL), ever */
	uint64_t pending; /* in the queues now (sum of per-queue counts) */
	uint64_t flushes_full; /* flushes because a queue was full */
	uint64_t flushes_timer; /* flushes by the timer thread */
	uint64_t flushes_other; /* iovad_fq_flush() / drain by callers */
	uint64_t flushes_started, flushes_finished; /* the generations */
};

/*
 * Snapshot; each counter is exact, the set is not one instant (queued ==
 * freed + refused + pending holds on a quiescent queue). Never fails.
 */
void iovad_fq_stats(const struct iovad_fq *fq, struct iovad_fq_stats *st);

#endif /* IOVALAB_FLUSHQ_H */
