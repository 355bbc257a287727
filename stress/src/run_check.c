// SPDX-License-Identifier: MIT
/*
 * A run's end checks (run_check.h): what the stopped threads hold, the
 * flush queues after the drain, the domain after everything was freed.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "lockset.h"
#include "run_check.h"
#include "workload.h"

struct held {
	unsigned long pfn, size;
	unsigned int owner;
};

struct held_vec {
	struct held *v;
	size_t n, cap;
	unsigned int owner;
	bool oom;
};

static void held_collect(void *arg, unsigned long pfn, unsigned long size)
{
	struct held_vec *hv = arg;

	if (hv->n == hv->cap) {
		size_t cap = hv->cap ? 2 * hv->cap : 4096;
		struct held *v = realloc(hv->v, cap * sizeof(*v));

		if (!v) {
			hv->oom = true;
			return;
		}
		hv->v = v;
		hv->cap = cap;
	}
	hv->v[hv->n++] = (struct held){ pfn, size, hv->owner };
}

static int held_cmp(const void *pa, const void *pb)
{
	const struct held *a = pa, *b = pb;

	return a->pfn < b->pfn ? -1 : a->pfn > b->pfn;
}

/*
 * With every thread stopped: what the threads hold must be disjoint (no
 * range handed out twice), each exactly a live tree range, and as many as
 * they allocated minus what they freed (nothing lost in the driver).
 */
void check_held(struct run *r, struct run_result *res)
{
	struct held_vec hv = { 0 };
	uint64_t allocs = 0, frees = 0;

	for (unsigned int i = 0; i < r->n; i++) {
		struct worker *w = &r->w[i];

		allocs += w->total_allocs;
		frees += w->total_frees;
		if (!w->wl)
			continue;
		hv.owner = i;
		r->cfg->wl->for_each_held(w, held_collect, &hv);
	}
	if (hv.oom) {
		check_fail(res, "out of memory collecting held ranges");
		goto out;
	}
	if (allocs - frees != hv.n)
		check_fail(res,
			   "threads allocated %" PRIu64 " and freed %" PRIu64
			   " ranges but hold %zu",
			   allocs, frees, hv.n);
	if (hv.n)
		qsort(hv.v, hv.n, sizeof(*hv.v), held_cmp);
	for (size_t i = 0; i < hv.n; i++) {
		struct held *h = &hv.v[i];
		unsigned long lo = 0, hi = 0;

		if (i + 1 < hv.n && h->pfn + h->size > hv.v[i + 1].pfn) {
			check_fail(res,
				   "handed out twice: [%lu, %lu] (thread %u) "
				   "overlaps [%lu, %lu] (thread %u)",
				   h->pfn, h->pfn + h->size - 1, h->owner,
				   hv.v[i + 1].pfn,
				   hv.v[i + 1].pfn + hv.v[i + 1].size - 1,
				   hv.v[i + 1].owner);
			break;
		}
		if (!iovad_find_iova(r->d, h->pfn, &lo, &hi) || lo != h->pfn ||
		    hi != h->pfn + h->size - 1) {
			check_fail(res,
				   "held range [%lu, %lu] (thread %u) is not "
				   "a live tree range",
				   h->pfn, h->pfn + h->size - 1, h->owner);
			break;
		}
	}
out:
	free(hv.v);
}

/*
 * After the drain: the tree and cache invariants, counts that balance,
 * and, once the caches are flushed, the tree back at exactly the prefill
 * (every range allocated was freed: live, cached, or back in the tree).
 */
void check_final(struct run *r, struct run_result *res, unsigned long base_live)
{
	uint64_t allocs = 0, frees = 0;

	for (unsigned int i = 0; i < r->n; i++) {
		allocs += r->w[i].total_allocs;
		frees += r->w[i].total_frees;
		if (r->w[i].error[0])
			check_fail(res, "%s", r->w[i].error);
	}
	if (allocs != frees)
		check_fail(res,
			   "conservation: %" PRIu64 " allocated, %" PRIu64
			   " freed after the drain",
			   allocs, frees);
	check_domain(r->d, res, base_live);
}

/*
 * Lazy unmap, after the threads' own drain queued what they held: drain
 * the flush queues (end of run) and account for every queued range:
 * each unmap the threads made was queued once and freed once.
 */
void check_fq(struct run *r, struct run_result *res)
{
	struct iovad_fq_stats *fs = &res->fq;
	uint64_t frees = 0;

	for (unsigned int i = 0; i < r->n; i++)
		frees += r->w[i].total_frees;
	res->fq_drained = iovad_fq_drain(r->fq);
	iovad_fq_stats(r->fq, fs);
	if (fs->queued != frees || fs->freed != fs->queued || fs->pending ||
	    fs->refused)
		check_fail(res,
			   "flush queue: threads unmapped %" PRIu64
			   ", queued %" PRIu64 ", freed %" PRIu64
			   ", refused %" PRIu64 ", still queued %" PRIu64,
			   frees, fs->queued, fs->freed, fs->refused,
			   fs->pending);
}
