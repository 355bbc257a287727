// SPDX-License-Identifier: MIT
/*
 * iova-trace --stats: what a trace holds, before anyone replays it: ops
 * per CPU, how many frees cross CPUs, sizes, limits, how many ranges are
 * live over time, and every free that did not match.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/hist.h"
#include "trace.h"

#define MAX_LIMITS 32
#define LIVE_SAMPLES 10

struct cpu_ops {
	uint64_t allocs, frees, failed, cross; /* cross: frees of others' */
};

static void per_cpu(const struct trace *tr, FILE *f)
{
	struct cpu_ops *c = calloc(tr->max_cpu + 1, sizeof(*c));
	uint64_t cross = 0;

	if (!c) {
		fprintf(f, "ops per CPU: out of memory\n");
		return;
	}
	for (size_t i = 0; i < tr->n; i++) {
		const struct tev *e = &tr->ev[i];

		if (e->op == TEV_ALLOC) {
			c[e->cpu].allocs++;
			c[e->cpu].failed += !e->pfn;
		} else {
			c[e->cpu].frees++;
			if (e->peer >= 0 && tr->ev[e->peer].cpu != e->cpu) {
				c[e->cpu].cross++;
				cross++;
			}
		}
	}
	fprintf(f, "ops per CPU (cpu: allocs frees failed_allocs "
		   "frees_of_other_cpus_allocs):\n");
	for (uint32_t k = 0; k <= tr->max_cpu; k++)
		if (c[k].allocs || c[k].frees)
			fprintf(f,
				"  %u: %" PRIu64 " %" PRIu64 " %" PRIu64
				" %" PRIu64 "\n",
				k, c[k].allocs, c[k].frees, c[k].failed,
				c[k].cross);
	fprintf(f, "cross-CPU frees: %" PRIu64 " of %" PRIu64 " matched\n",
		cross, tr->bad_frees[TFREE_OK]);
	free(c);
}

static void sizes(const struct trace *tr, FILE *f)
{
	struct lab_hist *h = malloc(sizeof(*h));

	if (!h) {
		fprintf(f, "sizes: out of memory\n");
		return;
	}
	lab_hist_init(h);
	for (size_t i = 0; i < tr->n; i++)
		if (tr->ev[i].op == TEV_ALLOC)
			lab_hist_record(h, tr->ev[i].size);
	fprintf(f, "alloc sizes in pfns (size or lo-hi: count):");
	for (unsigned int b = 0; b < LAB_HIST_BUCKETS; b++) {
		uint64_t lo = lab_hist_bucket_lo(b), hi = lab_hist_bucket_hi(b);

		if (!h->bucket[b])
			continue;
		if (lo == hi)
			fprintf(f, " %" PRIu64 ":%" PRIu64, lo, h->bucket[b]);
		else
			fprintf(f, " %" PRIu64 "-%" PRIu64 ":%" PRIu64, lo, hi,
				h->bucket[b]);
	}
	fprintf(f, "\n");
	free(h);
}

static void limits(const struct trace *tr, FILE *f)
{
	uint64_t lim[MAX_LIMITS], cnt[MAX_LIMITS], more = 0;
	size_t n = 0;

	for (size_t i = 0; i < tr->n; i++) {
		const struct tev *e = &tr->ev[i];
		size_t j;

		if (e->op != TEV_ALLOC)
			continue;
		for (j = 0; j < n && lim[j] != e->limit; j++)
			;
		if (j == n) {
			if (n == MAX_LIMITS) {
				more++;
				continue;
			}
			lim[n] = e->limit;
			cnt[n++] = 0;
		}
		cnt[j]++;
	}
	fprintf(f, "limits (limit_pfn: allocs):");
	for (size_t j = 0; j < n; j++)
		fprintf(f, " 0x%" PRIx64 ":%" PRIu64, lim[j], cnt[j]);
	if (more)
		fprintf(f, " (+%" PRIu64 " allocs under more limits)", more);
	fprintf(f, "\n");
}

/* Live allocations after each tenth of the trace's time, and the peak. */
static void live(const struct trace *tr, FILE *f)
{
	uint64_t end = tr->n ? tr->ev[tr->n - 1].t : 0, now = 0, peak = 0;
	uint64_t peak_t = 0;
	unsigned int s = 1;

	fprintf(f, "live ranges over time (ns: live):");
	for (size_t i = 0; i < tr->n; i++) {
		const struct tev *e = &tr->ev[i];

		while (s < LIVE_SAMPLES && e->t > end / LIVE_SAMPLES * s) {
			fprintf(f, " %" PRIu64 ":%" PRIu64,
				end / LIVE_SAMPLES * s, now);
			s++;
		}
		if (e->op == TEV_ALLOC && e->pfn)
			now++;
		else if (e->op == TEV_FREE && e->peer >= 0)
			now--;
		if (now > peak) {
			peak = now;
			peak_t = e->t;
		}
	}
	fprintf(f, " %" PRIu64 ":%" PRIu64 "\n", end, now);
	fprintf(f,
		"live ranges: peak %" PRIu64 " at %" PRIu64 " ns, %" PRIu64
		" never freed in the trace\n",
		peak, peak_t, now);
}

void trace_stats(const struct trace *tr, FILE *f)
{
	double secs = tr->n ? (double)tr->ev[tr->n - 1].t / 1e9 : 0.0;

	fprintf(f, "trace: domain 0x%" PRIx64 ", source %s\n", tr->domain,
		tr->source);
	fprintf(f,
		"events: %zu over %.6f s on %u CPUs; %" PRIu64
		" allocs (%" PRIu64 " failed), %" PRIu64 " frees\n",
		tr->n, secs, tr->ncpus, tr->allocs, tr->failed_allocs,
		tr->frees);
	fprintf(f,
		"bad frees: %" PRIu64 " unmatched, %" PRIu64 " double, %" PRIu64
		" size mismatches; %" PRIu64
		" allocs returned a live pfn (a lost free)\n",
		tr->bad_frees[TFREE_UNMATCHED], tr->bad_frees[TFREE_DOUBLE],
		tr->bad_frees[TFREE_SIZE], tr->alloc_of_live);
	if (tr->lost_events || tr->other_domain_events)
		fprintf(f,
			"capture: %" PRIu64 " events lost by bpftrace, %" PRIu64
			" of other domains left out\n",
			tr->lost_events, tr->other_domain_events);
	per_cpu(tr, f);
	sizes(tr, f);
	limits(tr, f);
	live(tr, f);
}
