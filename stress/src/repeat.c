// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "iovalab/harness/stats.h"
#include "repeat.h"
#include "stress.h"
#include "workload.h"

/* Figures kept per repetition: throughput, then per op type percentiles. */
static const char *const pct_names[] = { "p50", "p90", "p99", "p999", "max" };
static const double pct_q[] = { 0.50, 0.90, 0.99, 0.999, 1.0 };
#define NPCT 5
#define NLAT (OP_NR + 1) /* [OP_NR] = all */
#define NFIG (1 + NLAT * NPCT)

struct rep_cfg {
	struct run_cfg cfg;
	unsigned int done;
	size_t *runs; /* index in "runs" of each repetition */
	double *v; /* [NFIG][n] */
	bool has_type[NLAT];
};

struct repeat {
	size_t configs;
	unsigned int n;
	struct rep_cfg *c;
};

struct repeat *repeat_create(size_t configs, unsigned int n)
{
	struct repeat *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->configs = configs;
	r->n = n;
	r->c = calloc(configs ? configs : 1, sizeof(*r->c));
	if (!r->c) {
		free(r);
		return NULL;
	}
	return r;
}

void repeat_free(struct repeat *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->configs; i++) {
		free(r->c[i].runs);
		free(r->c[i].v);
	}
	free(r->c);
	free(r);
}

void repeat_add(struct repeat *r, size_t config, const struct run_result *res,
		size_t run_index)
{
	struct rep_cfg *c = &r->c[config];
	unsigned int k;

	if (!c->v) {
		c->v = calloc((size_t)NFIG * r->n, sizeof(double));
		c->runs = calloc(r->n, sizeof(size_t));
		if (!c->v || !c->runs) {
			free(c->v);
			free(c->runs);
			c->v = NULL;
			c->runs = NULL;
			return; /* that configuration gets no summary */
		}
		c->cfg = res->cfg;
	}
	k = c->done++;
	c->runs[k] = run_index;
	c->v[k] = res->ops_per_sec;
	for (int t = 0; t < NLAT; t++) {
		const struct lab_hist *h = &res->lat[t];

		if (h->count)
			c->has_type[t] = true;
		for (int p = 0; p < NPCT; p++)
			c->v[(size_t)(1 + t * NPCT + p) * r->n + k] =
				pct_q[p] < 1.0 ?
					(double)lab_hist_quantile(h, pct_q[p]) :
					(double)(h->count ? h->max : 0);
	}
}

/* @v's median and interval (iovalab/harness/stats.h), as "key": {...}. */
static void stat_json(struct lab_json *j, const char *key, const double *v,
		      unsigned int n)
{
	double s[STRESS_MAX_REPEAT];
	struct lab_median_ci ci;

	memcpy(s, v, n * sizeof(double));
	if (lab_median_ci(s, n, &ci))
		return; /* n == 0: callers skip configurations that never ran */
	lab_json_object_begin(j, key);
	lab_json_double(j, "median", ci.median);
	lab_json_double(j, "ci_lo", ci.lo);
	lab_json_double(j, "ci_hi", ci.hi);
	lab_json_double(j, "ci_level", ci.level);
	lab_json_double(j, "min", ci.min);
	lab_json_double(j, "max", ci.max);
	lab_json_object_end(j);
}

void repeat_write_json(const struct repeat *r, struct lab_json *j)
{
	lab_json_array_begin(j, "summaries");
	for (size_t i = 0; i < r->configs; i++) {
		const struct rep_cfg *c = &r->c[i];
		const struct run_cfg *g = &c->cfg;
		unsigned int n = c->done;

		if (!n || !c->v)
			continue;
		lab_json_object_begin(j, NULL);
		lab_json_str(j, "alg", iova_alg_name(g->alg));
		lab_json_str(j, "lock", g->lock);
		lab_json_str(j, "cpu_lock", g->cpu_lock);
		lab_json_str(j, "depot_lock", g->depot_lock);
		lab_json_str(j, "workload", g->wl->name);
		lab_json_bool(j, "rcache", g->rcache);
		lab_json_u64(j, "threads", g->threads);
		lab_json_u64(j, "prefill", g->prefill);
		lab_json_u64(j, "repeat", n);
		lab_json_array_begin(j, "runs");
		for (unsigned int k = 0; k < n; k++)
			lab_json_u64(j, NULL, c->runs[k]);
		lab_json_array_end(j);
		stat_json(j, "ops_per_sec", c->v, n);
		lab_json_object_begin(j, "latency_ns");
		for (int t = 0; t < NLAT; t++) {
			if (!c->has_type[t])
				continue;
			lab_json_object_begin(j,
					      t == OP_NR ? "all" : op_names[t]);
			for (int p = 0; p < NPCT; p++)
				stat_json(j, pct_names[p],
					  c->v + (size_t)(1 + t * NPCT + p) *
							  r->n,
					  n);
			lab_json_object_end(j);
		}
		lab_json_object_end(j);
		lab_json_object_end(j);
	}
	lab_json_array_end(j);
}
