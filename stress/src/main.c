// SPDX-License-Identifier: MIT
/*
 * iova-stress: the lab's main instrument. Runs the matrix of algorithms,
 * locks, workloads, cache settings, prefills and thread counts given on
 * the command line; see stress/README.md and stress/SCHEMA.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/clock.h"
#include "iovalab/fault.h"
#include "iovalab/harness/meta.h"
#include "iovalab/harness/topo.h"
#include "iovalab/json.h"
#include "iovalab/lock.h"
#include "options.h"
#include "repeat.h"
#include "report.h"
#include "run.h"
#include "workload.h"
#include "iovalab_build.h" /* generated: commit, flags, build type */

#define SCHEMA_VERSION 1

static unsigned int matrix_size(const struct options *o)
{
	return (unsigned int)(o->nalgs * o->nlocks * o->nworkloads *
			      o->nrcache * o->nprefill * o->nthreads *
			      o->ntree_hold);
}

/*
 * Run @i of the matrix. Thread counts vary fastest, so a scaling curve is
 * consecutive runs; then tree hold time, prefill, rcache, workload, lock, alg.
 */
static void matrix_cfg(const struct options *o, unsigned int i,
		       struct run_cfg *cfg)
{
	size_t k = i, t, h, p, rc, w, l, a;
	const char *lock;

	t = k % o->nthreads;
	k /= o->nthreads;
	h = k % o->ntree_hold;
	k /= o->ntree_hold;
	p = k % o->nprefill;
	k /= o->nprefill;
	rc = k % o->nrcache;
	k /= o->nrcache;
	w = k % o->nworkloads;
	k /= o->nworkloads;
	l = k % o->nlocks;
	a = k / o->nlocks;
	lock = lab_lock_names[o->locks[l]];
	memset(cfg, 0, sizeof(*cfg));
	cfg->alg = (enum iova_alg)o->algs[a];
	cfg->lock = lock;
	cfg->cpu_lock = o->cpu_lock ? o->cpu_lock : lock;
	cfg->depot_lock = o->depot_lock ? o->depot_lock : lock;
	cfg->wl = workloads[o->workloads[w]];
	cfg->rcache = o->rcache[rc];
	cfg->threads = (unsigned int)o->threads[t];
	cfg->prefill = (unsigned long)o->prefill[p];
	cfg->tree_hold_ns = o->tree_hold[h];
	cfg->index = i + 1;
	cfg->total = matrix_size(o);
}

/* The meta object (iovalab/harness/meta.h, SCHEMA.md). */
static void write_meta(struct lab_json *j, const struct options *o,
		       const struct lab_topo *topo, double timer_ns)
{
	static const struct lab_build_info build = LAB_BUILD_INFO;
	struct lab_meta m = { .tool = "iova-stress",
			      .argc = o->argc,
			      .argv = o->argv,
			      .build = &build,
			      .topo = topo,
			      .pin = o->pin,
			      .timer_overhead_ns = timer_ns };

	for (size_t i = 0; i < o->nthreads; i++)
		if (o->threads[i] > m.threads)
			m.threads = (unsigned int)o->threads[i];
	lab_meta_write(j, &m);
}

int main(int argc, char **argv)
{
	struct options o;
	struct lab_json j;
	struct lab_topo *topo = lab_topo_load("iova-stress");
	struct run_result *res = malloc(sizeof(*res));
	struct repeat *rep = NULL;
	unsigned int total;
	size_t nrun = 0;
	double timer_ns;
	int status = 0, ret;

	lab_fault_setup("iova-stress");
	if (!topo || !res) {
		fprintf(stderr, "iova-stress: cannot start (topology or "
				"memory)\n");
		return 1;
	}
	ret = options_parse(&o, argc, argv, lab_topo_pus(topo));
	if (ret) {
		options_free(&o);
		lab_topo_free(topo);
		free(res);
		return ret == 1 ? 0 : 2;
	}
	total = matrix_size(&o);
	if (lab_stop_install(true)) {
		fprintf(stderr,
			"iova-stress: cannot install signal handlers\n");
		options_free(&o);
		lab_topo_free(topo);
		free(res);
		return 1;
	}
	/*
	 * Once for the whole process: liburcu cannot register a thread again
	 * after unregistering it, so not once per run.
	 */
	lab_lock_thread_online();
	timer_ns = lab_clock_overhead_ns(100000);
	if (o.json) {
		lab_json_init(&j, o.json);
		lab_json_object_begin(&j, NULL);
		lab_json_u64(&j, "schema", SCHEMA_VERSION);
		lab_json_str(&j, "tool", "iova-stress");
		write_meta(&j, &o, topo, timer_ns);
		lab_json_array_begin(&j, "runs");
	}
	if (o.csv)
		report_csv_header(o.csv);
	if (!o.quiet)
		fprintf(stderr,
			"iova-stress: %u run(s); %u PUs, %u cores; "
			"timer overhead %.1f ns\n",
			total, lab_topo_pus(topo), lab_topo_cores(topo),
			timer_ns);

	/*
	 * Repetitions outermost: every configuration once, then again, so
	 * a drift of the machine (thermal, a neighbour) spreads over all of
	 * them instead of biasing the configurations that ran last.
	 */
	if (o.repeat > 1 && o.json && !(rep = repeat_create(total, o.repeat))) {
		fprintf(stderr, "iova-stress: out of memory\n");
		status = 1;
		total = 0;
	}
	for (unsigned int k = 0; k < total * o.repeat; k++) {
		unsigned int i = k % total;
		struct run_cfg cfg;

		if (lab_stop_requested())
			break;
		matrix_cfg(&o, i, &cfg);
		cfg.rep = k / total;
		cfg.repeat = o.repeat;
		if (run_execute(&cfg, &o, topo, res)) {
			run_result_free(res);
			status = 1;
			break;
		}
		/* cut short by a signal: checked, but not a result */
		if (lab_stop_requested() && !strcmp(res->check, "ok")) {
			fprintf(stderr,
				"iova-stress: run %u/%u interrupted; its end "
				"checks passed; not written\n",
				cfg.index, total);
			run_result_free(res);
			break;
		}
		if (o.json)
			report_json_run(&j, res, &o);
		/* a summary is over the repetitions whose checks passed */
		if (rep && !strcmp(res->check, "ok"))
			repeat_add(rep, i, res, nrun);
		nrun++;
		if (o.csv) {
			report_csv_row(o.csv, res, &o);
			fflush(o.csv);
		}
		if (!o.quiet)
			report_summary(stderr, res);
		if (strcmp(res->check, "ok")) {
			fprintf(stderr,
				"iova-stress: CHECK FAILED [%u/%u]: %s\n",
				cfg.index, total, res->check);
			status = 1;
		}
		run_result_free(res);
	}
	if (o.json) {
		lab_json_array_end(&j);
		if (rep)
			repeat_write_json(rep, &j);
		/* true: a signal stopped the matrix; "runs" holds what ran */
		lab_json_bool(&j, "interrupted", lab_stop_requested());
		lab_json_object_end(&j);
		if (lab_json_finish(&j)) {
			fprintf(stderr, "iova-stress: writing %s failed\n",
				o.json_path);
			status = 1;
		}
	}
	status = options_commit_outputs(&o, "iova-stress", status);
	if (!status && lab_stop_requested())
		status = lab_stop_exit_status();
	lab_lock_thread_offline();
	options_free(&o);
	lab_topo_free(topo);
	repeat_free(rep);
	free(res);
	return status;
}
