// SPDX-License-Identifier: MIT
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* P(Binomial(n, 1/2) <= j). */
static double binom_cdf(unsigned int n, unsigned int j)
{
	double p = 0.0, term = pow(0.5, n);

	for (unsigned int i = 0; i <= j; i++) {
		p += term;
		term = term * (double)(n - i) / (double)(i + 1);
	}
	return p;
}

unsigned int repeat_ci_rank(unsigned int n, double *level)
{
	unsigned int k = 1;

	/* [x_(k), x_(n+1-k)] covers the median with 1 - 2 P(B <= k-1) */
	while (k + 1 <= (n + 1) / 2 && 1.0 - 2.0 * binom_cdf(n, k) >= 0.95)
		k++;
	*level = n ? 1.0 - 2.0 * binom_cdf(n, k - 1) : 0.0;
	return k;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

static void stat_json(struct lab_json *j, const char *key, const double *v,
		      unsigned int n)
{
	double s[STRESS_MAX_REPEAT], level;
	unsigned int k = repeat_ci_rank(n, &level);

	memcpy(s, v, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	lab_json_object_begin(j, key);
	lab_json_double(j, "median",
			n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2);
	lab_json_double(j, "ci_lo", s[k - 1]);
	lab_json_double(j, "ci_hi", s[n - k]);
	lab_json_double(j, "ci_level", level);
	lab_json_double(j, "min", s[0]);
	lab_json_double(j, "max", s[n - 1]);
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
