// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "run.h"
#include "worker.h"

/* The unmap path (--unmap): straight to the cache, strict or lazy. */
static void unmap(struct worker *w, unsigned long pfn, unsigned long size)
{
	const struct options *o = w->run->opt;

	if (w->run->fq)
		iovad_fq_queue(w->run->fq, pfn, size);
	else if (o->unmap == UNMAP_STRICT)
		iovad_unmap_strict(w->d, pfn, size, o->iotlb_flush_ns);
	else
		free_iova_fast(w->d, pfn, size);
}

const char *const op_names[OP_NR] = { "alloc", "free", "find" };

void w_error(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (w->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(w->error, sizeof(w->error), fmt, ap);
	va_end(ap);
}

unsigned long w_alloc(struct worker *w, unsigned long size, unsigned long limit)
{
	uint64_t t0 = w_begin(w);
	unsigned long pfn = alloc_iova_fast(w->d, size, limit, true);

	w_end(w, OP_ALLOC, t0);
	if (pfn)
		w->total_allocs++;
	else if (w->measuring)
		w->alloc_failures++;
	return pfn;
}

void w_free(struct worker *w, unsigned long pfn, unsigned long size)
{
	uint64_t t0 = w_begin(w);

	unmap(w, pfn, size);
	w_end(w, OP_FREE, t0);
	w->total_frees++;
}

void w_release(struct worker *w, unsigned long pfn, unsigned long size)
{
	unmap(w, pfn, size);
	w->total_frees++;
}

void w_find_held(struct worker *w, unsigned long pfn, unsigned long size,
		 unsigned long probe)
{
	unsigned long lo = 0, hi = 0;
	uint64_t t0 = w_begin(w);
	bool found = iovad_find_iova(w->d, probe, &lo, &hi);

	w_end(w, OP_FIND, t0);
	if (!found)
		w_error(w,
			"thread %u: find_iova(%lu) missed the live range "
			"[%lu, %lu]",
			w->id, probe, pfn, pfn + size - 1);
	else if (lo != pfn || hi != pfn + size - 1)
		w_error(w,
			"thread %u: find_iova(%lu) returned [%lu, %lu], "
			"expected [%lu, %lu]",
			w->id, probe, lo, hi, pfn, pfn + size - 1);
}
