// SPDX-License-Identifier: MIT
/*
 * iova-trace replay: command line, the alg x lock x rcache x threads
 * matrix, and iova-stress's JSON/CSV run objects (stress/SCHEMA.md) with a
 * "trace" object added to each run.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/clock.h"
#include "iovalab/harness/cli.h"
#include "iovalab/harness/meta.h"
#include "iovalab/harness/topo.h"
#include "iovalab/json.h"
#include "iovalab/lock.h"
#include "iovalab/parse.h"
#include "iovalab/scenario.h"
#include "repeat.h"
#include "replay.h"
#include "report.h"
#include "workload.h"
#include "iovalab_build.h" /* generated: commit, flags, build type */

#define MAX_LOOPS 1000000u
#define MAX_WAIT_MS 600000u
#define MAX_SPEED 1e6

/* After the options shared with iova-stress (options.h). */
enum {
	OPT_THREADS = OPT_SHARED_END,
	OPT_PREFILL,
	OPT_SPEED,
	OPT_LOOPS,
	OPT_WAIT_MS,
	OPT_TRIM,
	OPT_DOMAIN,
	OPT_HELP,
};

static const struct option longopts[] = {
	OPTIONS_SHARED_LONGOPTS,
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "prefill", required_argument, NULL, OPT_PREFILL },
	{ "speed", required_argument, NULL, OPT_SPEED },
	{ "loops", required_argument, NULL, OPT_LOOPS },
	{ "wait-ms", required_argument, NULL, OPT_WAIT_MS },
	{ "trim", required_argument, NULL, OPT_TRIM },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: iova-trace replay [options] TRACE\n"
		   "Replay TRACE (the lab's format, or a capture) per CPU "
		   "through the full domain.\n"
		   "  --alg LIST        ");
	for (int i = 0; iova_alg_names[i]; i++)
		fprintf(f, "%s%s", i ? "," : "", iova_alg_names[i]);
	fprintf(f,
		" or all (default anylimit)\n"
		"  --lock LIST       tree lock(s), as iova-stress; also the "
		"cache's locks (mutex)\n"
		"  --rcache LIST     on, off, on,off (default on)\n"
		"  --threads LIST    1..trace CPUs; trace CPU k replays on "
		"thread k mod N\n"
		"                    (default: one thread per trace CPU)\n"
		"  --speed X         open loop at X times the captured pace; "
		"0 = closed loop (0)\n"
		"  --loops N         passes over the trace, drained between "
		"(1)\n"
		"  --wait-ms N       longest a free waits for its alloc on "
		"another thread (1000)\n"
		"  --trim on|off     the cache's 100 ms depot trim thread (on)\n"
		"  --prefill N       churn ranges placed first, 0 or 64..2^24 "
		"(0)\n"
		"  --pin MODE        compact, scatter, none (compact)\n"
		"  --spin pure|yield spinning locks' policy (yield)\n"
		"  --seed N          prefill seed (1)\n"
		"  --domain PTR      the domain to keep from a capture\n"
		"  --json FILE       runs as JSON (stress/SCHEMA.md); - = "
		"stdout\n"
		"  --csv FILE        one row per run\n"
		"  --lockstat        lock statistics\n"
		"  --repeat N        N replays per configuration (1..1000); "
		"JSON summaries\n"
		"  --quiet           no summary lines on stderr\n");
}

struct ropts {
	struct options o; /* what the shared writers read */
	uint64_t *threads;
	size_t nthreads;
	double speed;
	uint64_t loops, wait_ms, prefill, domain;
	bool trim;
	const char *trace;
};

static int parse(struct ropts *r, int argc, char **argv)
{
	struct options *o = &r->o;
	const char *threads = NULL;
	int c, ret;

	memset(r, 0, sizeof(*r));
	lab_cli_tool("iova-trace replay");
	o->argc = argc;
	o->argv = argv;
	if (options_shared_defaults(o))
		return 2;
	r->loops = 1;
	r->wait_ms = 1000;
	r->trim = true;
	optind = 1;
	opterr = 0; /* one line of our own instead */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *a = optarg;

		switch (c) {
		case OPT_SHARED_ALG ... OPT_SHARED_END - 1:
			ret = options_shared(o, c, a);
			break;
		case OPT_THREADS:
			threads = a;
			ret = 0;
			break;
		case OPT_PREFILL:
			ret = lab_cli_u64("prefill", a, 0, IOVA_SCEN_MAX_LIVE,
					  &r->prefill);
			if (!ret && r->prefill &&
			    r->prefill < IOVA_SCEN_MIN_LIVE)
				ret = lab_cli_bad("--prefill: %s is neither 0 "
						  "nor in %lu..%lu",
						  a, IOVA_SCEN_MIN_LIVE,
						  IOVA_SCEN_MAX_LIVE);
			break;
		case OPT_SPEED:
			ret = 0;
			if (lab_parse_seconds(a, &r->speed) ||
			    !isfinite(r->speed) || r->speed > MAX_SPEED)
				ret = lab_cli_bad("--speed: '%s' is not 0..1e6",
						  a);
			break;
		case OPT_LOOPS:
			ret = lab_cli_u64("loops", a, 1, MAX_LOOPS, &r->loops);
			break;
		case OPT_WAIT_MS:
			ret = lab_cli_u64("wait-ms", a, 1, MAX_WAIT_MS,
					  &r->wait_ms);
			break;
		case OPT_TRIM:
			ret = lab_cli_on_off("trim", a, &r->trim);
			break;
		case OPT_DOMAIN:
			ret = lab_cli_u64("domain", a, 1, UINT64_MAX,
					  &r->domain);
			break;
		case OPT_HELP:
			usage(stdout);
			return 1;
		default:
			return lab_cli_bad("bad option or missing value: %s",
					   argv[optind - 1]);
		}
		if (ret)
			return ret;
	}
	if (optind + 1 != argc)
		return lab_cli_bad("%s", optind == argc ?
						 "no TRACE given" :
						 "more than one TRACE");
	r->trace = argv[optind];
	/* checked against the trace's CPU count once it is read */
	if (threads &&
	    lab_cli_u64_list("threads", threads, 1, TRACE_MAX_CPU + 1, 4096,
			     &r->threads, &r->nthreads))
		return 2;
	return options_open_outputs(o, "iova-trace replay");
}

static void trace_json(struct lab_json *j, const struct ropts *r,
		       const struct trace *tr, const struct replay_counters *c)
{
	lab_json_double(j, "speed", r->speed);
	lab_json_u64(j, "loops", r->loops);
	lab_json_object_begin(j, "trace");
	lab_json_str(j, "file", r->trace);
	lab_json_str(j, "source", tr->source);
	lab_json_u64(j, "events", tr->n);
	lab_json_u64(j, "cpus", tr->ncpus);
	lab_json_double(j, "seconds",
			tr->n ? (double)tr->ev[tr->n - 1].t / 1e9 : 0.0);
	lab_json_u64(j, "events_replayed", c->events);
	lab_json_u64(j, "cross_thread_frees", c->cross_frees);
	lab_json_u64(j, "cross_thread_waits", c->cross_waits);
	lab_json_u64(j, "wait_timeouts", c->wait_timeouts);
	lab_json_u64(j, "skipped_bad_frees", c->skipped_bad_frees);
	lab_json_u64(j, "skipped_frees_of_failed_allocs", c->skipped_failed);
	lab_json_u64(j, "trace_failed_allocs", c->trace_failed_allocs);
	lab_json_u64(j, "drained", c->drained);
	lab_json_u64(j, "late_ns_max", c->late_ns_max);
	lab_json_object_end(j);
}

static void summary(const struct run_result *res,
		    const struct replay_counters *c)
{
	const struct lab_hist *all = &res->lat[OP_NR];
	struct iovad_rcache_totals tot;

	iovad_rcache_stats_sum(&res->rc, &tot);

	fprintf(stderr,
		"iova-trace replay: %s/%s rcache=%s threads=%u%s: %.4g ops/s "
		"p50 %" PRIu64 " p99 %" PRIu64 " max %" PRIu64
		" ns; cross-thread frees %" PRIu64 " (waited %" PRIu64
		", timed out %" PRIu64
		"), hit rate %.4f, nodes %.1f, fails %" PRIu64 ", check %s\n",
		iova_alg_name(res->cfg.alg), res->cfg.lock,
		res->cfg.rcache ? "on" : "off", res->cfg.threads,
		res->oversubscribed ? " (oversubscribed)" : "",
		res->ops_per_sec, lab_hist_quantile(all, 0.5),
		lab_hist_quantile(all, 0.99), all->count ? all->max : 0,
		c->cross_frees, c->cross_waits, c->wait_timeouts, tot.hit_rate,
		res->nodes_mean, res->alloc_failures, res->check);
}

/* The meta object (iovalab/harness/meta.h, stress/SCHEMA.md). */
static void write_meta(struct lab_json *j, const struct ropts *r,
		       const struct lab_topo *topo)
{
	static const struct lab_build_info build = LAB_BUILD_INFO;
	struct lab_meta m = { .tool = "iova-trace replay",
			      .argc = r->o.argc,
			      .argv = r->o.argv,
			      .build = &build,
			      .topo = topo,
			      .pin = r->o.pin,
			      .timer_overhead_ns =
				      lab_clock_overhead_ns(100000) };

	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i] > m.threads)
			m.threads = (unsigned int)r->threads[i];
	lab_meta_write(j, &m);
}

int replay_main(int argc, char **argv)
{
	struct ropts r;
	struct trace tr;
	struct lab_topo *topo = NULL;
	struct run_result *res = NULL;
	struct replay_counters cnt;
	struct workload wl = { .population = IOVA_SCEN_CHURN };
	char wl_name[128], *tmp;
	struct lab_json j;
	int ret = parse(&r, argc, argv), status = 0;
	struct repeat *rep = NULL;
	size_t total, nrun = 0;

	if (ret)
		goto out_opts;
	ret = trace_load(&tr, r.trace, r.domain, (1ull << 36) - 1);
	if (ret) {
		ret = ret == -ENOMEM ? 1 : 2;
		goto out_opts;
	}
	if (!tr.ncpus) {
		fprintf(stderr, "iova-trace replay: %s has no events\n",
			r.trace);
		ret = 2;
		goto out_trace;
	}
	if (!r.nthreads) {
		r.threads = malloc(sizeof(*r.threads));
		if (!r.threads) {
			ret = 1;
			goto out_trace;
		}
		r.threads[0] = tr.ncpus;
		r.nthreads = 1;
	}
	for (size_t i = 0; i < r.nthreads; i++)
		if (r.threads[i] > tr.ncpus) {
			fprintf(stderr,
				"iova-trace replay: --threads %" PRIu64
				": the trace has %u CPUs\n",
				r.threads[i], tr.ncpus);
			ret = 2;
			goto out_trace;
		}
	tmp = strdup(r.trace);
	snprintf(wl_name, sizeof(wl_name), "trace:%s",
		 tmp ? basename(tmp) : "?");
	free(tmp);
	wl.name = wl_name;
	topo = lab_topo_load("iova-trace replay");
	res = malloc(sizeof(*res));
	if (!topo || !res) {
		ret = 1;
		goto out_trace;
	}
	lab_lock_thread_online();
	if (r.o.json) {
		lab_json_init(&j, r.o.json);
		lab_json_object_begin(&j, NULL);
		lab_json_u64(&j, "schema", 1);
		lab_json_str(&j, "tool", "iova-trace replay");
		write_meta(&j, &r, topo);
		lab_json_array_begin(&j, "runs");
	}
	if (r.o.csv)
		report_csv_header(r.o.csv);
	total = r.o.nalgs * r.o.nlocks * r.o.nrcache * r.nthreads;
	if (r.o.repeat > 1 && r.o.json &&
	    !(rep = repeat_create(total, r.o.repeat))) {
		fprintf(stderr, "iova-trace replay: out of memory\n");
		status = 1;
		total = 0;
	}
	/* repetitions outermost, as iova-stress does */
	for (size_t it = 0; it < total * r.o.repeat; it++) {
		size_t i = it % total;
		struct replay_cfg rc = { .tr = &tr,
					 .speed = r.speed,
					 .loops = (unsigned int)r.loops,
					 .wait_ns = r.wait_ms * 1000000ull,
					 .trim = r.trim,
					 .lockstat = r.o.lockstat,
					 .quiet = r.o.quiet };
		struct run_cfg cfg = { 0 };
		size_t k = i;

		cfg.threads = (unsigned int)r.threads[k % r.nthreads];
		k /= r.nthreads;
		cfg.rcache = r.o.rcache[k % r.o.nrcache];
		k /= r.o.nrcache;
		cfg.lock = lab_lock_names[r.o.locks[k % r.o.nlocks]];
		k /= r.o.nlocks;
		cfg.alg = (enum iova_alg)r.o.algs[k];
		cfg.cpu_lock = cfg.depot_lock = cfg.lock;
		cfg.wl = &wl;
		cfg.prefill = (unsigned long)r.prefill;
		cfg.index = (unsigned int)i + 1;
		cfg.total = (unsigned int)total;
		cfg.rep = (unsigned int)(it / total);
		cfg.repeat = r.o.repeat;
		rc.threads = cfg.threads;
		if (replay_execute(&rc, &cfg, &r.o, topo, res, &cnt)) {
			run_result_free(res);
			status = 1;
			break;
		}
		if (r.o.json) {
			lab_json_object_begin(&j, NULL);
			report_json_run_fields(&j, res, &r.o);
			trace_json(&j, &r, &tr, &cnt);
			lab_json_object_end(&j);
		}
		if (rep && !strcmp(res->check, "ok"))
			repeat_add(rep, i, res, nrun);
		nrun++;
		if (r.o.csv)
			report_csv_row(r.o.csv, res, &r.o);
		if (!r.o.quiet)
			summary(res, &cnt);
		if (strcmp(res->check, "ok")) {
			fprintf(stderr, "iova-trace replay: CHECK FAILED: %s\n",
				res->check);
			status = 1;
		}
		run_result_free(res);
	}
	if (r.o.json) {
		lab_json_array_end(&j);
		if (rep)
			repeat_write_json(rep, &j);
		lab_json_object_end(&j);
		if (lab_json_finish(&j))
			status = 1;
	}
	lab_lock_thread_offline();
	ret = options_commit_outputs(&r.o, "iova-trace replay", status);
out_trace:
	repeat_free(rep);
	free(res);
	lab_topo_free(topo);
	trace_free(&tr);
out_opts:
	options_abort_outputs(&r.o);
	free(r.o.algs);
	free(r.o.locks);
	free(r.threads);
	return ret == 1 && !r.trace ? 0 : ret;
}
