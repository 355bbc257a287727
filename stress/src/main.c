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
#include "iovalab/json.h"
#include "meta.h"
#include "options.h"
#include "report.h"
#include "run.h"
#include "topo.h"
#include "workload.h"

#define SCHEMA_VERSION 1

static unsigned int matrix_size(const struct options *o)
{
	return (unsigned int)(o->nalgs * o->nlocks * o->nworkloads *
			      o->nrcache * o->nprefill * o->nthreads);
}

int main(int argc, char **argv)
{
	struct options o;
	struct lab_json j;
	struct topo *topo = topo_load();
	struct run_result *res = malloc(sizeof(*res));
	unsigned int index = 0, total;
	double timer_ns;
	int status = 0, ret;

	if (!topo || !res) {
		fprintf(stderr, "iova-stress: cannot start (topology or "
				"memory)\n");
		return 1;
	}
	ret = options_parse(&o, argc, argv, topo_pus(topo));
	if (ret) {
		options_free(&o);
		topo_free(topo);
		free(res);
		return ret == 1 ? 0 : 2;
	}
	total = matrix_size(&o);
	timer_ns = lab_clock_overhead_ns(100000);
	if (o.json) {
		lab_json_init(&j, o.json);
		lab_json_object_begin(&j, NULL);
		lab_json_u64(&j, "schema", SCHEMA_VERSION);
		lab_json_str(&j, "tool", "iova-stress");
		meta_write(&j, &o, topo, timer_ns);
		lab_json_array_begin(&j, "runs");
	}
	if (o.csv)
		report_csv_header(o.csv);
	if (!o.quiet)
		fprintf(stderr,
			"iova-stress: %u run(s); %u PUs, %u cores; "
			"timer overhead %.1f ns\n",
			total, topo_pus(topo), topo_cores(topo), timer_ns);

	for (size_t a = 0; a < o.nalgs; a++)
		for (size_t l = 0; l < o.nlocks; l++)
			for (size_t w = 0; w < o.nworkloads; w++)
				for (size_t rc = 0; rc < o.nrcache; rc++)
					for (size_t p = 0; p < o.nprefill; p++)
						for (size_t t = 0;
						     t < o.nthreads; t++) {
							const char *lock = lab_lock_names
								[o.locks[l]];
							struct run_cfg cfg = {
								.alg = (enum iova_alg)
									       o.algs[a],
								.lock = lock,
								.cpu_lock =
									o.cpu_lock ?
										o.cpu_lock :
										lock,
								.depot_lock =
									o.depot_lock ?
										o.depot_lock :
										lock,
								.wl = workloads
									[o.workloads
										 [w]],
								.rcache =
									o.rcache[rc],
								.threads =
									(unsigned int)
										o.threads[t],
								.prefill =
									(unsigned long)
										o.prefill[p],
								.index =
									++index,
								.total = total,
							};

							if (run_execute(&cfg,
									&o,
									topo,
									res)) {
								status = 1;
								goto done;
							}
							if (o.json)
								report_json_run(
									&j, res,
									&o);
							if (o.csv) {
								report_csv_row(
									o.csv,
									res,
									&o);
								fflush(o.csv);
							}
							if (!o.quiet)
								report_summary(
									stderr,
									res);
							if (strcmp(res->check,
								   "ok")) {
								fprintf(stderr,
									"iova-stress: CHECK FAILED [%u/%u]: "
									"%s\n",
									cfg.index,
									total,
									res->check);
								status = 1;
							}
							run_result_free(res);
						}
done:
	if (o.json) {
		lab_json_array_end(&j);
		lab_json_object_end(&j);
		if (lab_json_finish(&j)) {
			fprintf(stderr, "iova-stress: writing %s failed\n",
				o.json_path);
			status = 1;
		}
	}
	if (o.csv && (fflush(o.csv) || ferror(o.csv))) {
		fprintf(stderr, "iova-stress: writing %s failed\n", o.csv_path);
		status = 1;
	}
	if (o.json && o.json != stdout && fclose(o.json)) {
		fprintf(stderr, "iova-stress: closing %s failed\n",
			o.json_path);
		status = 1;
	}
	o.json = NULL;
	options_free(&o);
	topo_free(topo);
	free(res);
	return status;
}
