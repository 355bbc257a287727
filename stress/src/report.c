// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <string.h>

#include "report.h"
#include "iovalab/harness/topo.h"
#include "workload.h"

static void lat_json(struct lab_json *j, const char *key,
		     const struct lab_hist *h)
{
	lab_json_object_begin(j, key);
	lab_json_u64(j, "count", h->count);
	lab_json_double(j, "mean", lab_hist_mean(h));
	lab_json_u64(j, "p50", lab_hist_quantile(h, 0.50));
	lab_json_u64(j, "p90", lab_hist_quantile(h, 0.90));
	lab_json_u64(j, "p99", lab_hist_quantile(h, 0.99));
	lab_json_u64(j, "p999", lab_hist_quantile(h, 0.999));
	lab_json_u64(j, "max", h->count ? h->max : 0);
	lab_json_object_end(j);
}

static void per_class(struct lab_json *j, const char *key, const uint64_t *v)
{
	lab_json_array_begin(j, key);
	for (int c = 0; c < IOVAD_NR_CLASSES; c++)
		lab_json_u64(j, NULL, v[c]);
	lab_json_array_end(j);
}

static void rcache_json(struct lab_json *j, const struct iovad_rcache_stats *s)
{
	struct iovad_rcache_totals t;

	iovad_rcache_stats_sum(s, &t);
	lab_json_object_begin(j, "rcache_stats");
	lab_json_double(j, "hit_rate", t.hit_rate);
	lab_json_u64(j, "hits", t.hits);
	lab_json_u64(j, "misses", t.misses);
	lab_json_u64(j, "frees_cached", t.frees_cached);
	lab_json_u64(j, "frees_uncached", t.frees_uncached);
	lab_json_u64(j, "depot_pushes", t.depot_pushes);
	lab_json_u64(j, "depot_pops", t.depot_pops);
	lab_json_u64(j, "trims", t.trims);
	lab_json_u64(j, "bypass_allocs", s->bypass_allocs);
	lab_json_u64(j, "bypass_frees", s->bypass_frees);
	lab_json_u64(j, "alloc_failures", s->alloc_failures);
	lab_json_u64(j, "flushes", s->flushes);
	lab_json_u64(j, "flushed_ranges", s->flushed_ranges);
	lab_json_u64(j, "trim_runs", s->trim_runs);
	lab_json_u64(j, "cached_at_end", t.cached);
	lab_json_u64(j, "depot_mags_at_end", t.depot_mags);
	lab_json_u64(j, "mags_at_end", s->mags);
	lab_json_u64(j, "mag_bytes_at_end", s->mag_bytes);
	lab_json_object_begin(j, "per_class");
	per_class(j, "hits", s->hits);
	per_class(j, "misses", s->misses);
	per_class(j, "frees_cached", s->frees_cached);
	per_class(j, "frees_uncached", s->frees_uncached);
	per_class(j, "depot_pushes", s->depot_pushes);
	per_class(j, "depot_pops", s->depot_pops);
	per_class(j, "trims", s->trims);
	per_class(j, "cached_at_end", s->cached);
	per_class(j, "depot_mags_at_end", s->depot_mags);
	lab_json_object_end(j);
	lab_json_object_end(j);
}

void report_json_run(struct lab_json *j, const struct run_result *r,
		     const struct options *o)
{
	lab_json_object_begin(j, NULL);
	report_json_run_fields(j, r, o);
	lab_json_object_end(j);
}

void report_json_run_fields(struct lab_json *j, const struct run_result *r,
			    const struct options *o)
{
	const struct run_cfg *c = &r->cfg;

	lab_json_str(j, "alg", iova_alg_name(c->alg));
	lab_json_str(j, "lock", c->lock);
	lab_json_str(j, "cpu_lock", c->cpu_lock);
	lab_json_str(j, "depot_lock", c->depot_lock);
	lab_json_str(j, "spin", lab_spin_policy_name(o->spin));
	lab_json_str(j, "workload", c->wl->name);
	lab_json_bool(j, "rcache", c->rcache);
	lab_json_str(j, "pin", lab_pin_mode_names[o->pin]);
	lab_json_u64(j, "threads", c->threads);
	lab_json_bool(j, "oversubscribed", r->oversubscribed);
	lab_json_bool(j, "smt_shared", r->smt_shared);
	lab_json_array_begin(j, "thread_cpus");
	for (unsigned int i = 0; i < c->threads; i++)
		lab_json_i64(j, NULL, r->per_thread_pu[i]);
	lab_json_array_end(j);
	lab_json_u64(j, "prefill", c->prefill);
	lab_json_str(j, "population", iova_scenario_name(c->wl->population));
	lab_json_u64(j, "prefill_ranges", r->prefill_ranges);
	lab_json_double(j, "rate", r->rate);
	lab_json_u64(j, "think_ns", o->think_ns);
	lab_json_u64(j, "tree_hold_ns", c->tree_hold_ns);
	lab_json_str(j, "unmap", unmap_mode_names[o->unmap]);
	lab_json_u64(j, "iotlb_flush_ns",
		     o->unmap == UNMAP_NONE ? 0 : o->iotlb_flush_ns);
	lab_json_u64(j, "trim_ms", o->trim_ms);
	if (!strcmp(c->wl->name, "mixed32")) {
		lab_json_str(j, "pci32",
			     o->pci32 == PCI32_ONCE ? "once" : "always");
		lab_json_u64(j, "low_window", o->low_window);
	}
	lab_json_u64(j, "seed", o->seed);
	lab_json_u64(j, "repeat", c->repeat ? c->repeat : 1);
	lab_json_u64(j, "rep", c->rep);
	lab_json_double(j, "warmup_s", r->warmup_s);
	lab_json_double(j, "duration_s", r->duration_s);
	lab_json_u64(j, "ops", r->ops);
	lab_json_double(j, "ops_per_sec", r->ops_per_sec);
	lab_json_object_begin(j, "ops_by_type");
	for (int t = 0; t < OP_NR; t++)
		lab_json_u64(j, op_names[t], r->lat[t].count);
	lab_json_object_end(j);
	lab_json_object_begin(j, "latency_ns");
	lat_json(j, "all", &r->lat[OP_NR]);
	for (int t = 0; t < OP_NR; t++)
		lat_json(j, op_names[t], &r->lat[t]);
	lab_json_object_end(j);
	lab_json_object_begin(j, "fairness");
	lab_json_u64(j, "min_ops", r->fairness.min);
	lab_json_u64(j, "max_ops", r->fairness.max);
	lab_json_double(j, "jain", r->fairness.jain);
	lab_json_object_end(j);
	lab_json_array_begin(j, "per_thread_ops");
	for (unsigned int i = 0; i < c->threads; i++)
		lab_json_u64(j, NULL, r->per_thread_ops[i]);
	lab_json_array_end(j);
	lab_json_object_begin(j, "nodes_visited");
	lab_json_u64(j, "searches", r->searches);
	lab_json_double(j, "mean", r->nodes_mean);
	lab_json_u64(j, "max", r->nodes_max);
	lab_json_double(j, "lines_mean", r->lines_mean);
	lab_json_double(j, "tree_node_allocs_per_op", r->node_allocs_per_op);
	lab_json_double(j, "tree_node_frees_per_op", r->node_frees_per_op);
	lab_json_object_end(j);
	lab_json_double(j, "bytes_per_range", r->bytes_per_range);
	lab_json_u64(j, "alloc_failures", r->alloc_failures);
	lab_json_object_begin(j, "workload_counters");
	for (int k = 0; k < WL_COUNTERS; k++)
		if (c->wl->counters[k])
			lab_json_u64(j, c->wl->counters[k], r->wl_count[k]);
	lab_json_object_end(j);
	if (r->lazy) {
		lab_json_object_begin(j, "flush_queue");
		lab_json_u64(j, "entries", IOVAD_FQ_ENTRIES_DEFAULT);
		lab_json_u64(j, "timeout_ns", IOVAD_FQ_TIMEOUT_NS_DEFAULT);
		lab_json_u64(j, "queued", r->fq.queued);
		lab_json_u64(j, "freed", r->fq.freed);
		lab_json_u64(j, "refused", r->fq.refused);
		lab_json_u64(j, "pending_at_stop", r->fq_pending_at_stop);
		lab_json_u64(j, "drained", r->fq_drained);
		lab_json_u64(j, "flushes_full", r->fq.flushes_full);
		lab_json_u64(j, "flushes_timer", r->fq.flushes_timer);
		lab_json_u64(j, "flushes_drain", r->fq.flushes_other);
		lab_json_object_end(j);
	} else {
		lab_json_null(j, "flush_queue");
	}
	sampler_json(&r->series, j, r->measure_start_s);
	if (c->rcache)
		rcache_json(j, &r->rc);
	else
		lab_json_null(j, "rcache_stats");
	if (r->locks[0]) {
		/* one lock_stat object per role, merged over its instances */
		lab_json_array_begin(j, "locks");
		for (int role = 0; role < LOCK_ROLES; role++)
			lab_lock_stats_write_json(r->locks[role], j, NULL);
		lab_json_array_end(j);
		lab_json_object_begin(j, "lock_instances");
		for (int role = 0; role < LOCK_ROLES; role++)
			lab_json_u64(j, r->locks[role]->label,
				     r->lock_instances[role]);
		lab_json_object_end(j);
	} else {
		lab_json_null(j, "locks");
	}
	lab_json_u64(j, "bytes_per_node", r->bytes_per_node);
	lab_json_u64(j, "slab_bytes_per_node", r->slab_bytes_per_node);
	lab_json_str(j, "check", r->check);
}

static const char csv_header[] =
	"alg,lock,workload,rcache,threads,oversubscribed,prefill,duration_s,"
	"ops,ops_per_sec,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,jain,"
	"nodes_visited_mean,nodes_visited_max,alloc_failures,"
	"rcache_hit_rate,bytes_per_node,check,"
	/* added after schema 1's list, so column positions above hold */
	"pin,rate,cpu_lock,depot_lock,prefill_ranges,alloc_p99_ns,"
	"alloc_p999_ns,free_p99_ns,free_p999_ns,find_p99_ns,find_p999_ns,"
	"min_ops,max_ops,smt_shared\n";

void report_csv_header(FILE *f)
{
	fputs(csv_header, f);
}

/* CSV field: quoted, with quotes doubled, when it needs to be. */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputc('"', f);
}

void report_csv_row(FILE *f, const struct run_result *r,
		    const struct options *o)
{
	const struct run_cfg *c = &r->cfg;
	const struct lab_hist *all = &r->lat[OP_NR];
	struct iovad_rcache_totals t;

	iovad_rcache_stats_sum(&r->rc, &t);
	fprintf(f,
		"%s,%s,%s,%s,%u,%s,%lu,%.6f,%" PRIu64 ",%.1f,%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%.6f,%.3f,%" PRIu64 ",%" PRIu64 ",%.6f,%zu,",
		iova_alg_name(c->alg), c->lock, c->wl->name,
		c->rcache ? "on" : "off", c->threads,
		r->oversubscribed ? "true" : "false", c->prefill, r->duration_s,
		r->ops, r->ops_per_sec, lab_hist_quantile(all, 0.5),
		lab_hist_quantile(all, 0.9), lab_hist_quantile(all, 0.99),
		lab_hist_quantile(all, 0.999), all->count ? all->max : 0,
		r->fairness.jain, r->nodes_mean, r->nodes_max,
		r->alloc_failures, c->rcache ? t.hit_rate : 0.0,
		r->bytes_per_node);
	csv_str(f, r->check);
	fprintf(f,
		",%s,%.1f,%s,%s,%lu,%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%s\n",
		lab_pin_mode_names[o->pin], r->rate, c->cpu_lock, c->depot_lock,
		r->prefill_ranges, lab_hist_quantile(&r->lat[OP_ALLOC], 0.99),
		lab_hist_quantile(&r->lat[OP_ALLOC], 0.999),
		lab_hist_quantile(&r->lat[OP_FREE], 0.99),
		lab_hist_quantile(&r->lat[OP_FREE], 0.999),
		lab_hist_quantile(&r->lat[OP_FIND], 0.99),
		lab_hist_quantile(&r->lat[OP_FIND], 0.999), r->fairness.min,
		r->fairness.max, r->smt_shared ? "true" : "false");
}

void report_summary(FILE *f, const struct run_result *r)
{
	const struct run_cfg *c = &r->cfg;
	const struct lab_hist *all = &r->lat[OP_NR];

	fprintf(f,
		"iova-stress: %s/%s/%s rcache=%s threads=%u%s prefill=%lu: "
		"%.4g ops/s p50 %" PRIu64 " p99 %" PRIu64 " p99.9 %" PRIu64
		" max %" PRIu64 " ns, jain %.3f, nodes %.1f/%" PRIu64
		", fails %" PRIu64 ", check %s\n",
		iova_alg_name(c->alg), c->lock, c->wl->name,
		c->rcache ? "on" : "off", c->threads,
		r->oversubscribed ? " (oversubscribed)" : "", r->prefill_ranges,
		r->ops_per_sec, lab_hist_quantile(all, 0.5),
		lab_hist_quantile(all, 0.99), lab_hist_quantile(all, 0.999),
		all->count ? all->max : 0, r->fairness.jain, r->nodes_mean,
		r->nodes_max, r->alloc_failures, r->check);
}
