// SPDX-License-Identifier: MIT
/*
 * What a run shares with iova-trace replay (lockset.h): the domain's locks
 * as one set for statistics, the check-failure log, the cache counters'
 * measured-phase delta.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/scenario.h"
#include "lockset.h"
#include "stress.h"
#include "workload.h"

int lock_set_init(struct lock_set *s, struct iovad *d)
{
	unsigned int slots = iovad_nr_cpu_slots(d);
	unsigned int n = 1 + IOVAD_NR_CLASSES * (1 + slots), k = 0;

	s->l = calloc(n, sizeof(*s->l));
	s->role = calloc(n, sizeof(*s->role));
	if (!s->l || !s->role)
		return -ENOMEM;
	s->l[k] = iovad_tree_lock(d);
	s->role[k++] = LOCK_TREE;
	for (unsigned int c = 0; c < IOVAD_NR_CLASSES; c++) {
		s->l[k] = iovad_depot_lock(d, c);
		s->role[k++] = LOCK_DEPOT;
		for (unsigned int cpu = 0; cpu < slots; cpu++) {
			s->l[k] = iovad_cpu_lock(d, cpu, c);
			s->role[k++] = LOCK_CPU;
		}
	}
	s->n = k;
	return 0;
}

void lock_set_free(struct lock_set *s)
{
	free(s->l);
	free(s->role);
}

int lock_set_enable(struct lock_set *s, bool on)
{
	for (unsigned int i = 0; i < s->n; i++) {
		int ret;

		if (!s->l[i])
			continue;
		ret = lab_lock_stats_enable(s->l[i], on);
		if (ret)
			return ret;
	}
	return 0;
}

int lock_set_prepare(struct lock_set *s, struct iovad *d)
{
	int ret = lock_set_init(s, d);

	if (!ret)
		ret = lock_set_enable(s, true);
	if (!ret)
		ret = lock_set_enable(s, false);
	for (unsigned int i = 0; !ret && i < s->n; i++)
		if (s->l[i])
			lab_lock_stats_reset(s->l[i]);
	return ret;
}

/*
 * Sum @src into @dst. Per-thread acquisition lists are per instance (slot
 * order is the lock's own), so a merged role keeps none; its fairness is
 * that of its least fair busy instance (lowest Jain's index).
 */
static void stats_merge(struct lab_lock_stats *dst,
			const struct lab_lock_stats *src, bool first)
{
	dst->acquisitions += src->acquisitions;
	dst->contended += src->contended;
	dst->handoffs += src->handoffs;
	dst->trylock_fail += src->trylock_fail;
	dst->read_acquisitions += src->read_acquisitions;
	dst->read_contended += src->read_contended;
	dst->untracked += src->untracked;
	lab_hist_merge(&dst->wait, &src->wait);
	lab_hist_merge(&dst->hold, &src->hold);
	lab_hist_merge(&dst->read_hold, &src->read_hold);
	if (first ||
	    (src->fairness.n > 1 &&
	     (dst->fairness.n <= 1 || src->fairness.jain < dst->fairness.jain)))
		dst->fairness = src->fairness;
}

/* Read every lock, merged per role (tree, depot, cpu). */
int lock_set_read(struct lock_set *s, struct run_result *res)
{
	static const char *const label[LOCK_ROLES] = { "tree", "depot", "cpu" };
	struct lab_lock_stats *tmp = malloc(sizeof(*tmp));

	if (!tmp)
		return -ENOMEM;
	for (int role = 0; role < LOCK_ROLES; role++) {
		struct lab_lock_stats *m = calloc(1, sizeof(*m));

		if (!m) {
			free(tmp);
			return -ENOMEM;
		}
		lab_hist_init(&m->wait);
		lab_hist_init(&m->hold);
		lab_hist_init(&m->read_hold);
		snprintf(m->label, sizeof(m->label), "%s", label[role]);
		res->locks[role] = m;
	}
	for (unsigned int i = 0; i < s->n; i++) {
		struct lab_lock_stats *m = res->locks[s->role[i]];
		bool first;

		if (!s->l[i])
			continue;
		lab_lock_stats_read(s->l[i], tmp);
		first = !res->lock_instances[s->role[i]]++;
		if (first) {
			/* a single instance keeps its per-thread list */
			snprintf(m->name, sizeof(m->name), "%s", tmp->name);
			m->nthreads = tmp->nthreads;
			memcpy(m->thread_acq, tmp->thread_acq,
			       sizeof(m->thread_acq));
		} else {
			m->nthreads = 0;
		}
		stats_merge(m, tmp, first);
	}
	free(tmp);
	return 0;
}

void check_fail(struct run_result *res, const char *fmt, ...)
{
	size_t len = strcmp(res->check, "ok") ? strlen(res->check) : 0;
	va_list ap;

	if (len >= sizeof(res->check) - 8)
		return; /* already full of failures */
	if (len) {
		snprintf(res->check + len, sizeof(res->check) - len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(res->check + len, sizeof(res->check) - len, fmt, ap);
	va_end(ap);
}

void check_domain(struct iovad *d, struct run_result *res,
		  unsigned long base_live)
{
	struct iovad_rcache_totals tot;
	struct iovad_rcache_stats rs;
	struct iova_stats ts;
	char msg[256];

	/*
	 * Under every lock: tree invariants, and each cached pfn a live range
	 * of its class, none twice, counters matching the magazines. (Tree
	 * and cache counters read separately here could straddle a trim.)
	 */
	if (iovad_check(d, msg, sizeof(msg)))
		check_fail(res, "domain check: %s", msg);
	/*
	 * The flush takes each depot lock, so no trim is half done after it
	 * and the depots stay empty: the counts below are exact.
	 */
	iovad_rcache_flush(d);
	iovad_rcache_stats(d, &rs);
	iovad_rcache_stats_sum(&rs, &tot);
	iovad_tree_stats(d, &ts);
	if (tot.cached || ts.live != base_live)
		check_fail(res,
			   "conservation after flush: tree %" PRIu64
			   " ranges (prefill %lu), %" PRIu64 " still cached",
			   ts.live, base_live, tot.cached);
	if (iovad_check(d, msg, sizeof(msg)))
		check_fail(res, "domain check after flush: %s", msg);
}

void run_result_start(struct run_result *res, const struct run_cfg *cfg,
		      const struct lab_topo *topo)
{
	memset(res, 0, sizeof(*res));
	res->cfg = *cfg;
	snprintf(res->check, sizeof(res->check), "ok");
	res->oversubscribed = lab_topo_oversubscribed(topo, cfg->threads);
	res->smt_shared = lab_topo_smt_shared(topo, cfg->threads);
	res->bytes_per_node = iova_node_bytes(cfg->alg);
	res->slab_bytes_per_node = iova_slab_bytes(cfg->alg);
}

void run_domain_attr(const struct run_cfg *cfg, const struct options *o,
		     struct iovad_attr *a)
{
	iovad_attr_init(a);
	a->alg = cfg->alg;
	a->granule = STRESS_GRANULE;
	a->start_pfn = STRESS_START_PFN;
	a->tree_lock = cfg->lock;
	a->cpu_lock = cfg->cpu_lock;
	a->depot_lock = cfg->depot_lock;
	a->spin = o->spin;
	a->rcache = cfg->rcache;
}

int run_domain_create(const char *tool, const struct run_cfg *cfg,
		      const struct iovad_attr *a, struct iovad **out)
{
	int err;

	*out = iovad_create(a);
	if (*out)
		return 0;
	err = errno;
	fprintf(stderr, "%s: cannot create the domain (%s, tree lock %s): %s\n",
		tool, iova_alg_name(cfg->alg), cfg->lock, strerror(err));
	return -err;
}

int run_prefill(const char *tool, struct iovad *d, const struct run_cfg *cfg,
		unsigned long n, uint64_t seed)
{
	int err;

	if (!n)
		return 0;
	err = iovad_prefill(d, cfg->wl->population, n, seed);
	if (err)
		fprintf(stderr, "%s: prefill of %lu ranges (%s) failed: %s\n",
			tool, n, iova_scenario_name(cfg->wl->population),
			strerror(-err));
	return err;
}

void rcache_delta(struct iovad_rcache_stats *d,
		  const struct iovad_rcache_stats *a,
		  const struct iovad_rcache_stats *b)
{
	/* counters: b - a; state (cached, depot_mags, mags, bytes): b */
	*d = *b;
	for (int c = 0; c < IOVAD_NR_CLASSES; c++) {
		d->hits[c] = b->hits[c] - a->hits[c];
		d->misses[c] = b->misses[c] - a->misses[c];
		d->frees_cached[c] = b->frees_cached[c] - a->frees_cached[c];
		d->frees_uncached[c] =
			b->frees_uncached[c] - a->frees_uncached[c];
		d->depot_pushes[c] = b->depot_pushes[c] - a->depot_pushes[c];
		d->depot_pops[c] = b->depot_pops[c] - a->depot_pops[c];
		d->trims[c] = b->trims[c] - a->trims[c];
	}
	d->bypass_allocs = b->bypass_allocs - a->bypass_allocs;
	d->bypass_frees = b->bypass_frees - a->bypass_frees;
	d->alloc_failures = b->alloc_failures - a->alloc_failures;
	d->flushes = b->flushes - a->flushes;
	d->flushed_ranges = b->flushed_ranges - a->flushed_ranges;
	d->trim_runs = b->trim_runs - a->trim_runs;
}
