// SPDX-License-Identifier: MIT
/*
 * lock-bench: the shared benchmark driver for every lock strategy.
 *
 * Sections (all by default, or pick with --sections):
 *   uncontended  acquire+release pairs on one thread, ns and TSC cycles,
 *                exclusive and read side (median of 5 repetitions)
 *   throughput   aggregate acquisitions/s and fairness (Jain's index,
 *                max/min of per-thread counts) at each thread count, with
 *                a short and a long critical section; thread counts above
 *                the usable CPUs are labelled oversubscribed
 *   indirection  direct calls (the static inline iovalab/locks/spin_*.h,
 *                glibc's pthread_mutex for mutex) against the same lock
 *                through lab_lock()
 *   stats        statistics never enabled, enabled then disabled, and on
 *   readers      read-mostly mix (--read-pct) of read sections and
 *                copy-update writes: do readers scale?
 *
 * Threads are placed by core/harness (--pin, physical cores before SMT
 * siblings) and timed by it (warm-up, then a fixed measured duration).
 * Exit 0, 1 on a runtime failure, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/clock.h"
#include "iovalab/fault.h"
#include "iovalab/harness/cli.h"
#include "iovalab/harness/meta.h"
#include "iovalab/harness/think.h"
#include "iovalab/json.h"
#include "iovalab/outfile.h"
#include "iovalab_build.h"
#include "lock_bench.h"

struct lock_bench_cfg lb_cfg = {
	.uncontended_iters = 2000000,
	.duration = 0.2,
	.warmup = 0.05,
	.cs_short = 1,
	.cs_long = 100,
	.think_ns = 50,
	.read_pct = 90,
	.spin = LAB_SPIN_YIELD,
	.pin = LAB_PIN_COMPACT,
};

enum {
	SEC_UNCONTENDED,
	SEC_THROUGHPUT,
	SEC_INDIRECTION,
	SEC_STATS,
	SEC_READERS,
	SEC_NR
};

static const char *const section_names[] = { "uncontended", "throughput",
					     "indirection", "stats",
					     "readers",	    NULL };

/* The statistics section's locks and thread count. */
static const char *const stats_locks[] = { "ticket", "mcs", "mutex" };
#define STATS_THREADS 2

struct args {
	size_t *locks, nlocks;
	uint64_t *threads;
	size_t nthreads;
	bool want[SEC_NR];
	const char *json;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lock-bench [options]\n"
		"  --locks LIST      strategies, comma-separated, or all "
		"(default all)\n"
		"  --threads LIST    thread counts for throughput and readers, "
		"1,2,4 or 1-8\n"
		"                    (default 1,2,4,8)\n"
		"  --duration S      measured seconds per threaded cell "
		"(default 0.2)\n"
		"  --warmup S        unmeasured seconds before it (default "
		"0.05)\n"
		"  --pin MODE        compact, scatter or none (default "
		"compact)\n"
		"  --cs-short N      short critical section: N shared-line "
		"increments (default 1)\n"
		"  --cs-long N       long critical section (default 100)\n"
		"  --hold-ns N       busy ns added inside every throughput "
		"critical section\n"
		"                    (delay injection, default 0, max 1000000)\n"
		"  --think NS        think time: busy ns between a thread's "
		"acquisitions\n"
		"                    (default 50, max 1000000)\n"
		"  --iters N         uncontended pairs per repetition "
		"(default 2000000)\n"
		"  --spin pure|yield spin policy (default yield)\n"
		"  --read-pct P      read sections in the readers section, "
		"percent (default 90)\n"
		"  --sections LIST   uncontended,throughput,indirection,stats,"
		"readers or all\n"
		"  --json FILE       also write the results as JSON\n");
}

/* Every option takes a value. */
static const char *const option_names[] = { "locks",   "threads",  "sections",
					    "json",    "duration", "warmup",
					    "pin",     "cs-short", "cs-long",
					    "hold-ns", "think",	   "read-pct",
					    "iters",   "spin",	   NULL };

/* 0, or the exit status: 2 for a usage error (one line printed). */
static int parse_args(int argc, char **argv, struct args *a)
{
	const char *locks = "all", *threads = "1,2,4,8", *sections = "all";
	size_t *sv = NULL, ns = 0;
	int ret = 0;

	for (int i = 1; i < argc && !ret; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			exit(0);
		}
		size_t k;

		if (strncmp(o, "--", 2))
			return lab_cli_bad("unexpected argument '%s'", o);
		o += 2;
		for (k = 0; option_names[k] && strcmp(o, option_names[k]); k++)
			;
		if (!option_names[k])
			return lab_cli_bad("unknown option '--%s'", o);
		if (!v)
			return lab_cli_bad("--%s: needs a value", o);
		i++;
		if (!strcmp(o, "locks"))
			locks = v;
		else if (!strcmp(o, "threads"))
			threads = v;
		else if (!strcmp(o, "sections"))
			sections = v;
		else if (!strcmp(o, "json"))
			a->json = v;
		else if (!strcmp(o, "duration"))
			ret = lab_cli_seconds(o, v, false, 3600,
					      &lb_cfg.duration);
		else if (!strcmp(o, "warmup"))
			ret = lab_cli_seconds(o, v, true, 3600, &lb_cfg.warmup);
		else if (!strcmp(o, "pin"))
			ret = lab_cli_pin(o, v, &lb_cfg.pin);
		else if (!strcmp(o, "cs-short"))
			ret = lab_cli_u64(o, v, 0, UINT32_MAX,
					  &lb_cfg.cs_short);
		else if (!strcmp(o, "cs-long"))
			ret = lab_cli_u64(o, v, 0, UINT32_MAX, &lb_cfg.cs_long);
		else if (!strcmp(o, "hold-ns"))
			ret = lab_cli_u64(o, v, 0, 1000000, &lb_cfg.hold_ns);
		else if (!strcmp(o, "think"))
			ret = lab_cli_u64(o, v, 0, LAB_THINK_MAX_NS,
					  &lb_cfg.think_ns);
		else if (!strcmp(o, "read-pct"))
			ret = lab_cli_u64(o, v, 0, 100, &lb_cfg.read_pct);
		else if (!strcmp(o, "iters"))
			ret = lab_cli_u64(o, v, 1, UINT64_MAX / 2,
					  &lb_cfg.uncontended_iters);
		else if (!strcmp(o, "spin")) {
			if (lab_spin_policy_parse(v, &lb_cfg.spin))
				ret = lab_cli_bad("--spin: '%s' is not pure or "
						  "yield",
						  v);
		}
	}
	if (!ret)
		ret = lab_cli_names("locks", locks, lab_lock_names, &a->locks,
				    &a->nlocks);
	if (!ret)
		ret = lab_cli_u64_list("threads", threads, 1, 1024, 64,
				       &a->threads, &a->nthreads);
	if (!ret)
		ret = lab_cli_names("sections", sections, section_names, &sv,
				    &ns);
	for (size_t i = 0; !ret && i < ns; i++)
		a->want[sv[i]] = true;
	free(sv);
	if (!ret) {
		/* the output path, before any work */
		const char *const opt[] = { "--json" }, *const path[] = {
			a->json
		};

		if (lab_outfile_check("lock-bench", opt, path, 1))
			ret = 2;
	}
	return ret;
}

static unsigned int max_threads(const struct args *a)
{
	unsigned int m = a->want[SEC_STATS] ? STATS_THREADS : 1;

	if (a->want[SEC_THROUGHPUT] || a->want[SEC_READERS])
		for (size_t i = 0; i < a->nthreads; i++)
			if (a->threads[i] > m)
				m = (unsigned int)a->threads[i];
	return m;
}

static void write_head(struct lab_json *j, const struct args *a, int argc,
		       char **argv, double tpn)
{
	static const struct lab_build_info build = LAB_BUILD_INFO;

	lab_json_object_begin(j, NULL);
	lab_json_str(j, "tool", "lock-bench");
	lab_meta_write(j, &(struct lab_meta){
				  .tool = "lock-bench",
				  .argc = argc,
				  .argv = argv,
				  .build = &build,
				  .topo = lb_cfg.topo,
				  .threads = max_threads(a),
				  .pin = lb_cfg.pin,
				  .timer_overhead_ns =
					  lab_clock_overhead_ns(10000),
			  });
	/* this tool's knobs; "meta" is the schema every tool shares */
	lab_json_object_begin(j, "config");
	lab_json_u64(j, "cpus", lab_topo_pus(lb_cfg.topo));
	lab_json_double(j, "tsc_per_ns", tpn);
	lab_json_str(j, "spin", lab_spin_policy_name(lb_cfg.spin));
	lab_json_double(j, "duration_s", lb_cfg.duration);
	lab_json_double(j, "warmup_s", lb_cfg.warmup);
	lab_json_u64(j, "cs_short", lb_cfg.cs_short);
	lab_json_u64(j, "cs_long", lb_cfg.cs_long);
	lab_json_u64(j, "think_ns", lb_cfg.think_ns);
	lab_json_u64(j, "hold_ns", lb_cfg.hold_ns);
	lab_json_u64(j, "read_pct", lb_cfg.read_pct);
	lab_json_u64(j, "uncontended_iters", lb_cfg.uncontended_iters);
	lab_json_object_end(j);
}

/* One section: a title, a table head, an array in the JSON. */
static void section_begin(const char *json_name, const char *title,
			  const char *head)
{
	printf("\n## %s\n%s\n", title, head);
	if (lb_cfg.j)
		lab_json_array_begin(lb_cfg.j, json_name);
}

static void section_end(void)
{
	if (lb_cfg.j)
		lab_json_array_end(lb_cfg.j);
}

static int run_sections(const struct args *a)
{
	const char *name;
	char head[160];
	int rc = 0;

#define EACH_LOCK(call)                                                     \
	for (size_t i_ = 0; i_ < a->nlocks && !rc && !lab_stop_requested(); \
	     i_++) {                                                        \
		name = lab_lock_names[a->locks[i_]];                        \
		rc = (call);                                                \
	}

	if (a->want[SEC_UNCONTENDED]) {
		snprintf(head, sizeof(head), "%-10s %9s %9s %12s %12s", "lock",
			 "ns", "cycles", "read-ns", "read-cycles");
		section_begin("uncontended",
			      "uncontended acquire+release (one thread)", head);
		EACH_LOCK(lb_uncontended(name));
		section_end();
	}
	if (a->want[SEC_THROUGHPUT] && !rc) {
		char title[120];

		snprintf(title, sizeof(title),
			 "throughput (%.2f s per cell after %.2f s warm-up; "
			 "Mops = million acquisitions/s)",
			 lb_cfg.duration, lb_cfg.warmup);
		snprintf(head, sizeof(head),
			 "%-10s %-5s %7s %-14s %12s %7s %9s", "lock", "cs",
			 "threads", "", "Mops", "jain", "max/min");
		section_begin("throughput", title, head);
		EACH_LOCK(lb_throughput(name, a->threads, a->nthreads));
		section_end();
	}
	if (a->want[SEC_INDIRECTION] && !rc && !lab_stop_requested()) {
		snprintf(head, sizeof(head), "%-10s %10s %10s %10s %10s %10s",
			 "lock", "direct-ns", "iface-ns", "delta-ns",
			 "direct-cyc", "iface-cyc");
		section_begin("indirection",
			      "interface indirection (uncontended pair; min "
			      "of 7 alternating rounds)",
			      head);
		rc = lb_indirection();
		section_end();
	}
	if (a->want[SEC_STATS] && !rc) {
		snprintf(head, sizeof(head), "%-10s %11s %11s %11s %13s %13s",
			 "lock", "never-ns", "off-ns", "on-ns", "2thr-off-Mops",
			 "2thr-on-Mops");
		section_begin("stats_overhead",
			      "statistics overhead (uncontended pair ns; 2 "
			      "threads short cs Mops)",
			      head);
		for (size_t i = 0; i < 3 && !rc && !lab_stop_requested(); i++)
			rc = lb_stats_overhead(stats_locks[i]);
		section_end();
	}
	if (a->want[SEC_READERS] && !rc) {
		char title[80];

		snprintf(title, sizeof(title),
			 "read-mostly (%llu%% read sections; M/s)",
			 (unsigned long long)lb_cfg.read_pct);
		snprintf(head, sizeof(head), "%-10s %7s %-14s %12s %12s %7s",
			 "lock", "threads", "", "reads", "writes", "jain");
		section_begin("read_mostly", title, head);
		EACH_LOCK(lb_read_mostly(name, a->threads, a->nthreads));
		section_end();
	}
#undef EACH_LOCK
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct lab_outfile out = { 0 };
	struct lab_json j;
	struct lab_pin main_pin;
	double tpn;
	int rc;

	lab_fault_setup("lock-bench");
	lab_cli_tool("lock-bench");
	rc = parse_args(argc, argv, &a);
	if (rc)
		goto done;
	rc = 1;
	if (lab_stop_install(true)) {
		fprintf(stderr, "lock-bench: cannot install signal handlers\n");
		goto done;
	}
	lb_cfg.topo = lab_topo_load("lock-bench");
	if (!lb_cfg.topo)
		goto done;
	tpn = lab_cycles_per_ns(50);
	if (a.json) {
		int ret = lab_outfile_open(&out, a.json);

		if (ret) {
			fprintf(stderr,
				"lock-bench: cannot create a file beside '%s': "
				"%s\n",
				a.json, strerror(-ret));
			rc = 2;
			goto done;
		}
		lab_json_init(&j, out.f);
		lb_cfg.j = &j;
		write_head(&j, &a, argc, argv, tpn);
	}
	printf("# lock-bench: %u CPUs usable, TSC %.3f/ns, spin=%s, pin=%s, "
	       "cs short=%llu long=%llu, think-ns=%llu, hold-ns=%llu\n",
	       lab_topo_pus(lb_cfg.topo), tpn,
	       lab_spin_policy_name(lb_cfg.spin),
	       lab_pin_mode_names[lb_cfg.pin],
	       (unsigned long long)lb_cfg.cs_short,
	       (unsigned long long)lb_cfg.cs_long,
	       (unsigned long long)lb_cfg.think_ns,
	       (unsigned long long)lb_cfg.hold_ns);
	/* the one-thread sections run here, where thread 0 would go */
	lab_pin_plan(lb_cfg.topo, lb_cfg.pin, 0, &main_pin);
	lab_pin_apply(lb_cfg.topo, &main_pin);
	lab_lock_thread_online();
	rc = run_sections(&a);
	lab_lock_thread_offline();
	if (lb_cfg.j) {
		/* true: a signal stopped the sweep; the arrays hold what ran */
		lab_json_bool(&j, "interrupted", lab_stop_requested());
		lab_json_object_end(&j);
		if (rc || lab_json_finish(&j) || lab_outfile_commit(&out)) {
			if (!rc)
				fprintf(stderr,
					"lock-bench: writing '%s' failed\n",
					a.json);
			/* a failed run leaves any old file as it was */
			lab_outfile_abort(&out);
			rc = 1;
		}
	}
	if (!rc && lab_stop_requested())
		rc = lab_stop_exit_status();
done:
	lab_topo_free(lb_cfg.topo);
	free(a.locks);
	free(a.threads);
	return rc;
}
