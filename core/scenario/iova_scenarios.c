// SPDX-License-Identifier: MIT
/*
 * iova-scenarios: nodes visited per allocation for every algorithm, in
 * every scenario, at several live-range counts (the complexity table).
 * Counts, not times: the output is the same on every machine for the same
 * arguments. Usage and columns: core/scenario/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "iovalab/fault.h"
#include "iovalab/harness/meta.h"
#include "iovalab/json.h"
#include "iovalab/outfile.h"
#include "iovalab/parse.h"
#include "iovalab/scenario.h"
#include "iovalab_build.h" /* generated: commit, flags, build type */

struct row {
	const char *alg;
	const char *scenario;
	unsigned long live;
	uint64_t allocs;
	uint64_t failures;
	double visited_mean;
	uint64_t visited_max;
	/* split: size-aligned with size > 1, and the rest */
	uint64_t n_cls[2], max_cls[2];
	double mean_cls[2];
	size_t node_bytes;
	size_t slab_bytes;
	double lines_mean; /* cache lines read per alloc search */
	double node_allocs; /* btree: tree nodes allocated per alloc+free */
	double node_frees;
	double bytes_per_range; /* domain's slab pages / live ranges */
	double ns_alloc_free; /* --time: one alloc_iova + one free_iova */
	double ns_find; /* --time: one find_iova of a live pfn */
};

static bool timing;

/*
 * --time reads this thread's CPU time, not the wall clock: on a shared,
 * loaded machine the wall clock mostly measures the scheduler.
 */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: iova-scenarios [options]\n"
		   "  --alg LIST       algorithms, comma-separated or \"all\" "
		   "(default all)\n"
		   "  --scenario LIST  comma-separated of the names below, or "
		   "\"all\" (default all)\n"
		   "  --live LIST      live-range counts, e.g. 1000,10000 "
		   "(default 1000,10000,100000,1000000)\n"
		   "  --allocs N       measured allocations per cell "
		   "(default 2000)\n"
		   "  --budget N       stop a cell early once its allocations "
		   "visited N nodes\n"
		   "                   in total (default 200000000; 0: no "
		   "budget)\n"
		   "  --seed N         scenario seed (default 1)\n"
		   "  --json FILE      also write the rows as JSON\n"
		   "  --time           also time alloc+free and find_iova "
		   "(thread CPU ns;\n"
		   "                   machine-dependent) and report peak RSS\n"
		   "  --help           this text\n"
		   "scenarios:");
	for (int i = 0; iova_scenario_names[i]; i++)
		fprintf(f, " %s", iova_scenario_names[i]);
	fprintf(f, "\n");
}

static int die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "iova-scenarios: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try --help)\n");
	return 2;
}

/* Mean ns of find_iova over the live ranges' pfns, in a shuffled order. */
static double time_find(struct iova_domain *d)
{
	struct iova_stats st;
	struct iova_range v;
	unsigned long *pfns, n = 0, sink = 0;
	uint64_t t0, x = 88172645463325252ull;
	double ns;

	iova_domain_stats(d, &st);
	pfns = malloc((st.live + 1) * sizeof(*pfns));
	if (!pfns || !st.live) {
		free(pfns);
		return 0.0;
	}
	/* the range API: every algorithm, btree-pfn included */
	for (bool ok = iova_next_range(d, 0, &v); ok && n < st.live;
	     ok = v.pfn_hi != ~0UL && iova_next_range(d, v.pfn_hi + 1, &v))
		pfns[n++] = v.pfn_lo;
	for (unsigned long i = n; i > 1; i--) {
		unsigned long j;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % i;
		sink = pfns[i - 1];
		pfns[i - 1] = pfns[j];
		pfns[j] = sink;
	}
	t0 = cpu_ns();
	for (unsigned long i = 0; i < n; i++)
		sink += iova_find_range(d, pfns[i], &v) ? v.pfn_hi : 0;
	ns = (double)(cpu_ns() - t0) / (double)n;
	free(pfns);
	/* keep the lookups */
	__asm__ volatile("" : : "r"(sink));
	return ns;
}

static int run_cell(enum iova_alg alg, enum iova_scenario sc,
		    unsigned long live, uint64_t allocs, uint64_t budget,
		    uint64_t seed, struct row *row)
{
	struct iova_domain *d;
	struct iova_scen *s;
	uint64_t total = 0, max = 0, n = 0, fails = 0, t0 = 0;
	uint64_t n_cls[2] = { 0 }, tot_cls[2] = { 0 }, max_cls[2] = { 0 };
	struct iova_stats st0, st1;
	int ret = 0;

	d = iova_domain_create(alg, IOVA_SCEN_GRANULE, IOVA_SCEN_START_PFN);
	if (!d) {
		fprintf(stderr, "iova-scenarios: domain: %s\n",
			strerror(errno));
		return -1;
	}
	s = iova_scen_create(d, sc, live, seed);
	if (!s) {
		fprintf(stderr, "iova-scenarios: %s %s %lu: population: %s\n",
			iova_alg_name(alg), iova_scenario_name(sc), live,
			strerror(errno));
		iova_domain_put(d);
		return -1;
	}
	iova_domain_stats(d, &st0);
	if (timing)
		t0 = cpu_ns();
	while (n < allocs) {
		struct iova_scen_req req;
		struct iova_stats st;
		unsigned long pfn = 0;
		bool got;
		int c;

		iova_scen_next(s, &req);
		got = !iova_alloc_range(d, req.size, req.limit_pfn,
					req.size_aligned, &pfn);
		iova_domain_stats(d, &st);
		n++;
		total += st.visited_last;
		if (st.visited_last > max)
			max = st.visited_last;
		c = req.size_aligned && req.size > 1 ? 0 : 1;
		n_cls[c]++;
		tot_cls[c] += st.visited_last;
		if (st.visited_last > max_cls[c])
			max_cls[c] = st.visited_last;
		if (!got)
			fails++;
		if (iova_scen_complete_pfn(s, got, pfn)) {
			fprintf(stderr,
				"iova-scenarios: %s %s %lu: free of "
				"a live range failed\n",
				iova_alg_name(alg), iova_scenario_name(sc),
				live);
			ret = -1;
			break;
		}
		/* a count budget keeps O(n) cells bounded, and stays
		 * deterministic */
		if (budget && total >= budget && n >= 20)
			break;
	}
	if (timing)
		row->ns_alloc_free = n ? (double)(cpu_ns() - t0) / n : 0;
	iova_domain_stats(d, &st1);
	if (timing)
		row->ns_find = time_find(d);
	row->lines_mean = n ? (double)(st1.lines_total - st0.lines_total) / n :
			      0.0;
	row->node_allocs = n ? (double)(st1.node_allocs - st0.node_allocs) / n :
			       0.0;
	row->node_frees = n ? (double)(st1.node_frees - st0.node_frees) / n :
			      0.0;
	row->bytes_per_range =
		st1.live ? (double)st1.slab_bytes / (double)st1.live : 0.0;
	row->alg = iova_alg_name(alg);
	row->scenario = iova_scenario_name(sc);
	row->live = live;
	row->allocs = n;
	row->failures = fails;
	row->visited_mean = n ? (double)total / (double)n : 0.0;
	row->visited_max = max;
	for (int c = 0; c < 2; c++) {
		row->n_cls[c] = n_cls[c];
		row->max_cls[c] = max_cls[c];
		row->mean_cls[c] =
			n_cls[c] ? (double)tot_cls[c] / (double)n_cls[c] : 0.0;
	}
	row->node_bytes = iova_node_bytes(alg);
	row->slab_bytes = iova_slab_bytes(alg);
	iova_scen_destroy(s);
	iova_domain_put(d);
	return ret;
}

static int write_json(struct lab_outfile *out, const struct row *rows, size_t n,
		      uint64_t allocs, uint64_t budget, uint64_t seed, int argc,
		      char **argv)
{
	static const struct lab_build_info build = LAB_BUILD_INFO;
	/* one thread, no placement, no timer figure: those fields left out */
	const struct lab_meta m = { .tool = "iova-scenarios",
				    .argc = argc,
				    .argv = argv,
				    .build = &build,
				    .pin = LAB_PIN_NR,
				    .timer_overhead_ns = -1 };
	struct lab_json j;
	int ret;

	lab_json_init(&j, out->f);
	lab_json_object_begin(&j, NULL);
	lab_json_object_begin(&j, "meta");
	/* the common fields (iovalab/harness/meta.h), then this tool's */
	lab_meta_fields(&j, &m);
	lab_json_str(&j, "metric", "tree nodes visited per alloc_iova call");
	lab_json_u64(&j, "seed", seed);
	lab_json_u64(&j, "allocs_requested", allocs);
	lab_json_u64(&j, "visit_budget", budget);
	lab_json_u64(&j, "granule", IOVA_SCEN_GRANULE);
#ifdef IOVALAB_CHECK
	lab_json_bool(&j, "invariant_checker", true);
#else
	lab_json_bool(&j, "invariant_checker", false);
#endif
	if (timing) {
		struct rusage ru;

		/* the whole process: run one cell per process to read it
		 * per cell */
		if (!getrusage(RUSAGE_SELF, &ru))
			lab_json_u64(&j, "peak_rss_bytes",
				     (uint64_t)ru.ru_maxrss * 1024);
	}
	lab_json_object_end(&j);
	lab_json_array_begin(&j, "rows");
	for (size_t i = 0; i < n; i++) {
		lab_json_object_begin(&j, NULL);
		lab_json_str(&j, "alg", rows[i].alg);
		lab_json_str(&j, "scenario", rows[i].scenario);
		lab_json_u64(&j, "live", rows[i].live);
		lab_json_u64(&j, "allocs", rows[i].allocs);
		lab_json_u64(&j, "failures", rows[i].failures);
		lab_json_double(&j, "visited_mean", rows[i].visited_mean);
		lab_json_u64(&j, "visited_max", rows[i].visited_max);
		lab_json_u64(&j, "aligned_allocs", rows[i].n_cls[0]);
		lab_json_double(&j, "aligned_mean", rows[i].mean_cls[0]);
		lab_json_u64(&j, "aligned_max", rows[i].max_cls[0]);
		lab_json_u64(&j, "unaligned_allocs", rows[i].n_cls[1]);
		lab_json_double(&j, "unaligned_mean", rows[i].mean_cls[1]);
		lab_json_u64(&j, "unaligned_max", rows[i].max_cls[1]);
		lab_json_u64(&j, "node_bytes", rows[i].node_bytes);
		lab_json_u64(&j, "slab_bytes", rows[i].slab_bytes);
		lab_json_double(&j, "lines_mean", rows[i].lines_mean);
		lab_json_double(&j, "node_allocs_per_op", rows[i].node_allocs);
		lab_json_double(&j, "node_frees_per_op", rows[i].node_frees);
		lab_json_double(&j, "bytes_per_range", rows[i].bytes_per_range);
		if (timing) {
			lab_json_double(&j, "ns_alloc_free",
					rows[i].ns_alloc_free);
			lab_json_double(&j, "ns_find", rows[i].ns_find);
		}
		lab_json_object_end(&j);
	}
	lab_json_array_end(&j);
	/* true: a signal stopped the sweep; "rows" holds the cells that ran */
	lab_json_bool(&j, "interrupted", lab_stop_requested());
	lab_json_object_end(&j);
	ret = lab_json_finish(&j);
	if (ret || lab_outfile_commit(out)) {
		fprintf(stderr, "iova-scenarios: %s: write failed\n",
			out->path);
		lab_outfile_abort(out);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "scenario", required_argument, NULL, 's' },
		{ "live", required_argument, NULL, 'l' },
		{ "allocs", required_argument, NULL, 'n' },
		{ "budget", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 'S' },
		{ "json", required_argument, NULL, 'j' },
		{ "time", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t *algs = NULL, *scens = NULL;
	uint64_t *lives = NULL;
	long nalgs = -1, nscens = -1, nlives = -1;
	uint64_t allocs = 2000, budget = 200000000, seed = 1;
	const char *json = NULL, *bad = NULL;
	struct row *rows;
	size_t nrows = 0;
	struct lab_outfile out = { 0 };
	int c, status = 0, ret;

	lab_fault_setup("iova-scenarios");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			free(algs);
			nalgs = lab_parse_name_list(optarg, iova_alg_names,
						    &algs, &bad);
			if (nalgs < 0)
				return die_usage("bad --alg '%s'", optarg);
			break;
		case 's':
			free(scens);
			nscens = lab_parse_name_list(
				optarg, iova_scenario_names, &scens, &bad);
			if (nscens < 0)
				return die_usage("bad --scenario '%s'", optarg);
			break;
		case 'l':
			free(lives);
			nlives = lab_parse_u64_list(optarg, IOVA_SCEN_MIN_LIVE,
						    IOVA_SCEN_MAX_LIVE, 64,
						    &lives);
			if (nlives < 0)
				return die_usage("bad --live '%s' (each in "
						 "[64, 16777216])",
						 optarg);
			break;
		case 'n':
			if (lab_parse_u64(optarg, &allocs) || allocs == 0)
				return die_usage("bad --allocs '%s'", optarg);
			break;
		case 'b':
			if (lab_parse_u64(optarg, &budget))
				return die_usage("bad --budget '%s'", optarg);
			break;
		case 'S':
			if (lab_parse_u64(optarg, &seed))
				return die_usage("bad --seed '%s'", optarg);
			break;
		case 'j':
			json = optarg;
			break;
		case 't':
			timing = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt)
				fprintf(stderr,
					"iova-scenarios: option -%c "
					"needs a value or is unknown "
					"(try --help)\n",
					optopt);
			else
				fprintf(stderr,
					"iova-scenarios: unknown or "
					"incomplete option '%s' (try --help)\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc)
		return die_usage("unexpected argument '%s'", argv[optind]);
	if (nalgs < 0)
		nalgs = lab_parse_name_list("all", iova_alg_names, &algs, NULL);
	if (nscens < 0)
		nscens = lab_parse_name_list("all", iova_scenario_names, &scens,
					     NULL);
	if (nlives < 0)
		nlives = lab_parse_u64_list("1000,10000,100000,1000000", 1,
					    IOVA_SCEN_MAX_LIVE, 64, &lives);
	if (nalgs < 0 || nscens < 0 || nlives < 0) {
		fprintf(stderr, "iova-scenarios: out of memory\n");
		return 1;
	}
	{
		const char *const opt[] = { "--json" }, *const path[] = { json };

		if (lab_outfile_check("iova-scenarios", opt, path, 1))
			status = 2;
	}
	if (!status && lab_stop_install(true)) {
		fprintf(stderr, "iova-scenarios: cannot install signal "
				"handlers\n");
		status = 1;
	}
	if (!status && json && (ret = lab_outfile_open(&out, json))) {
		fprintf(stderr,
			"iova-scenarios: cannot create a file beside '%s': %s\n",
			json, strerror(-ret));
		status = 2;
	}
	if (status) {
		free(algs);
		free(scens);
		free(lives);
		return status;
	}
#ifdef IOVALAB_CHECK
	fprintf(stderr,
		"iova-scenarios: built with IOVALAB_CHECK: the O(n) "
		"checker runs after every operation (counts are unaffected, "
		"large cells are slow)\n");
#endif
	rows = calloc((size_t)(nalgs * nscens * nlives), sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "iova-scenarios: out of memory\n");
		return 1;
	}
	printf("%-9s %-8s %8s %6s %5s %13s %11s %10s %4s %4s %6s %7s %9s %7s "
	       "%9s %7s%s\n",
	       "alg", "scenario", "live", "allocs", "fail", "visited_mean",
	       "visited_max", "2log2(n)", "node", "slab", "lines", "B/range",
	       "al_mean", "al_max", "un_mean", "un_max",
	       timing ? "   ns/a+f ns/find" : "");
	/* SIGINT/SIGTERM: stop after the cell in progress */
	for (long si = 0; si < nscens && !lab_stop_requested(); si++) {
		for (long li = 0; li < nlives && !lab_stop_requested(); li++) {
			for (long ai = 0; ai < nalgs && !lab_stop_requested();
			     ai++) {
				struct row *r = &rows[nrows];

				if (run_cell((enum iova_alg)algs[ai],
					     (enum iova_scenario)scens[si],
					     lives[li], allocs, budget, seed,
					     r)) {
					status = 1;
					continue;
				}
				nrows++;
				printf("%-9s %-8s %8lu %6llu %5llu %13.1f "
				       "%11llu %10.1f %4zu %4zu %6.1f %7.1f "
				       "%9.1f %7llu %9.1f %7llu",
				       r->alg, r->scenario, r->live,
				       (unsigned long long)r->allocs,
				       (unsigned long long)r->failures,
				       r->visited_mean,
				       (unsigned long long)r->visited_max,
				       2.0 * log2((double)r->live),
				       r->node_bytes, r->slab_bytes,
				       r->lines_mean, r->bytes_per_range,
				       r->mean_cls[0],
				       (unsigned long long)r->max_cls[0],
				       r->mean_cls[1],
				       (unsigned long long)r->max_cls[1]);
				if (timing)
					printf(" %9.1f %7.1f", r->ns_alloc_free,
					       r->ns_find);
				printf("\n");
				fflush(stdout);
			}
		}
	}
	/* a failed sweep leaves any old file as it was */
	if (json && status)
		lab_outfile_abort(&out);
	else if (json && write_json(&out, rows, nrows, allocs, budget, seed,
				    argc, argv))
		status = 1;
	if (!status && lab_stop_requested())
		status = lab_stop_exit_status();
	free(rows);
	free(algs);
	free(scens);
	free(lives);
	return status;
}
