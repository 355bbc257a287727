// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iovalab/harness/cli.h"
#include "iovalab/iova.h"
#include "iovalab/parse.h"
#include "iovalab/scenario.h"
#include "options.h"
#include "repeat.h"
#include "workload.h"

/* After the shared options (options.h). */
enum {
	OPT_THREADS = OPT_SHARED_END,
	OPT_DURATION,
	OPT_WARMUP,
	OPT_CPU_LOCK,
	OPT_DEPOT_LOCK,
	OPT_WORKLOAD,
	OPT_PREFILL,
	OPT_RATE,
	OPT_THINK,
	OPT_PCI32,
	OPT_TREE_HOLD,
	OPT_UNMAP,
	OPT_IOTLB_FLUSH,
	OPT_IRQ_THREADS,
	OPT_SAMPLE_MS,
	OPT_TRIM_MS,
	OPT_LOW_WINDOW,
	OPT_HELP,
};

static const struct option longopts[] = {
	OPTIONS_SHARED_LONGOPTS,
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "cpu-lock", required_argument, NULL, OPT_CPU_LOCK },
	{ "depot-lock", required_argument, NULL, OPT_DEPOT_LOCK },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "prefill", required_argument, NULL, OPT_PREFILL },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "think", required_argument, NULL, OPT_THINK },
	{ "pci32", required_argument, NULL, OPT_PCI32 },
	{ "tree-hold-ns", required_argument, NULL, OPT_TREE_HOLD },
	{ "unmap", required_argument, NULL, OPT_UNMAP },
	{ "iotlb-flush-ns", required_argument, NULL, OPT_IOTLB_FLUSH },
	{ "irq-threads", required_argument, NULL, OPT_IRQ_THREADS },
	{ "sample-ms", required_argument, NULL, OPT_SAMPLE_MS },
	{ "trim-ms", required_argument, NULL, OPT_TRIM_MS },
	{ "low-window", required_argument, NULL, OPT_LOW_WINDOW },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Names as "a, b, c", wrapped before column 78 under the descriptions. */
static void print_names(FILE *f, const char *const *names, size_t col)
{
	for (size_t i = 0; names[i]; i++) {
		size_t len = strlen(names[i]) + 1;

		if (i && col + 1 + len > 78) {
			fprintf(f, "\n%21s", "");
			col = 21;
		} else if (i) {
			fputc(' ', f);
			col++;
		}
		col += (size_t)fprintf(f, "%s%s", names[i],
				       names[i + 1] ? "," : "");
	}
}

/* @text from column @indent on, words wrapped before column 78. */
static void print_wrapped(FILE *f, const char *text, size_t indent)
{
	size_t col = indent;

	while (*text) {
		size_t len = strcspn(text, " ");

		if (col > indent && col + 1 + len > 78) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)len, text);
		col += len;
		text += len;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

static void usage(FILE *f, unsigned int pus)
{
	fprintf(f,
		"Usage: iova-stress [OPTIONS]\n"
		"Pinned-thread stress driver for the lab's IOVA domain (tree + lock +\n"
		"per-CPU cache). Every LIST option runs as a matrix: one run per\n"
		"combination of alg x lock x workload x rcache x prefill x threads.\n"
		"\n"
		"  --threads LIST     thread counts, e.g. 1,2,4 or 1-16 (default 1); at most\n"
		"                     min(%u, %u x usable PUs) = %u here\n"
		"  --duration SECS    measured phase per run, > 0 (default 1)\n"
		"  --warmup SECS      unmeasured phase before it, >= 0 (default 0.2)\n"
		"  --alg LIST         search algorithms (default anylimit), or all:\n"
		"                     ",
		STRESS_MAX_THREADS, STRESS_MAX_THREADS_PER_PU,
		pus * STRESS_MAX_THREADS_PER_PU < STRESS_MAX_THREADS ?
			pus * STRESS_MAX_THREADS_PER_PU :
			STRESS_MAX_THREADS);
	print_names(f, iova_alg_names, 21);
	fprintf(f,
		"\n"
		"  --lock LIST        tree lock strategies (default mutex), or all:\n"
		"                     ");
	print_names(f, lab_lock_names, 21);
	fprintf(f,
		"\n"
		"  --cpu-lock NAME    per-CPU magazine lock, or 'same' as --lock (default)\n"
		"  --depot-lock NAME  depot lock, or 'same' as --lock (default)\n"
		"  --spin pure|yield  spinning locks' waiting policy (default yield:\n"
		"                     sched_yield after a bounded spin)\n"
		"  --workload LIST    workloads (default nic), or all:\n");
	for (size_t i = 0; workloads[i]; i++) {
		fprintf(f, "%23s%-9s ", "", workloads[i]->name);
		print_wrapped(f, workloads[i]->summary, 33);
	}
	fprintf(f,
		"  --rcache LIST      on, off or on,off: per-CPU cache in front of the tree\n"
		"                     (default on)\n"
		"  --prefill LIST     long-lived ranges placed before the threads start,\n"
		"                     each 0 or %lu..%lu (default 0; full32 uses 65537\n"
		"                     when 0). The population is the workload's scenario.\n"
		"  --pin MODE         compact (default): consecutive physical cores, SMT\n"
		"                     siblings last; scatter: across packages, NUMA nodes\n"
		"                     and L3s first; none: unpinned. hwloc logical order.\n"
		"  --rate OPS         open loop: total ops/s offered, spread evenly over\n"
		"                     threads; latency counts from each op's scheduled\n"
		"                     start (no coordinated omission). 0 = closed loop\n"
		"                     (default)\n"
		"  --think NS         busy work between a thread's operations, closed loop\n"
		"                     only, 0..%u (default 0)\n"
		"  --tree-hold-ns LIST busy ns added inside every tree-lock critical\n"
		"                     section (delay injection), each 0..%u (default 0)\n"
		"  --unmap MODE       none (default): free at once; strict: wait\n"
		"                     --iotlb-flush-ns per unmap, then free; lazy: per-CPU\n"
		"                     flush queues (256 entries, 10 ms timer, Linux 6.6)\n"
		"  --iotlb-flush-ns N one IOTLB invalidation, 0..%u ns (default %u)\n"
		"  --irq-threads K    irqcpu: threads that do the unmaps, 1..threads\n"
		"                     (default a quarter of the threads, at least 1)\n"
		"  --sample-ms MS     time series every MS ms of depot depth, cached\n"
		"                     bytes, flush-queue and tree size; 0 = off (default 100)\n"
		"  --trim-ms MS       depot trim period; 0 = trim off (default 100)\n"
		"  --pci32 MODE       mixed32: always retry below 4 GiB (default), or once:\n"
		"                     stop after the first failure (Linux 6.x behaviour)\n"
		"  --low-window PFNS  mixed32: reserve the space below 4 GiB but its top\n"
		"                     PFNS pages (other devices took it), so 32-bit tries\n"
		"                     fail and fall back; 0 = leave it (default)\n"
		"  --seed N           seed of the prefill and the threads' streams\n"
		"                     (default 1)\n"
		"  --json FILE        write the results as JSON (stress/SCHEMA.md); - is\n"
		"                     stdout\n"
		"  --csv FILE         write one CSV row per run; - is stdout\n"
		"  --lockstat         collect lock statistics (tree, depot, per-CPU locks)\n"
		"                     during the measured phase and report them\n"
		"  --quiet            no progress lines on stderr\n"
		"  --repeat N         N runs of every configuration (1..1000, default 1);\n"
		"                     the JSON adds each one's median and CI (SCHEMA.md)\n"
		"  --help             this text\n"
		"\n"
		"Every run ends with checks (tree invariants, cache conservation, no range\n"
		"handed out twice, everything freed): a failure is printed, recorded in\n"
		"the run's \"check\" and makes the exit status 1. Bad options exit 2.\n",
		IOVA_SCEN_MIN_LIVE, IOVA_SCEN_MAX_LIVE, STRESS_MAX_THINK_NS,
		STRESS_MAX_HOLD_NS, STRESS_MAX_HOLD_NS,
		STRESS_IOTLB_FLUSH_NS_DEFAULT);
}

/* Usage errors: one line, exit 2 (iovalab/harness/cli.h). */
#define bad lab_cli_bad

static int seconds(const char *opt, const char *arg, bool zero_ok, double *out)
{
	return lab_cli_seconds(opt, arg, zero_ok, STRESS_MAX_SECONDS, out);
}

static int lock_name(const char *opt, const char *arg, const char **out)
{
	size_t idx = 0;

	if (!strcmp(arg, "same")) {
		*out = NULL;
		return 0;
	}
	if (lab_cli_name(opt, arg, lab_lock_names, &idx))
		return 2;
	*out = lab_lock_names[idx];
	return 0;
}

static bool has_workload(const struct options *o, const char *name)
{
	for (size_t i = 0; i < o->nworkloads; i++)
		if (!strcmp(workload_names[o->workloads[i]], name))
			return true;
	return false;
}

static int set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	if (options_shared_defaults(o))
		return 2;
	o->threads = malloc(sizeof(*o->threads));
	o->workloads = malloc(sizeof(*o->workloads));
	o->prefill = malloc(sizeof(*o->prefill));
	o->tree_hold = calloc(1, sizeof(*o->tree_hold));
	if (!o->threads || !o->workloads || !o->prefill || !o->tree_hold)
		return bad("out of memory");
	o->threads[0] = 1;
	o->nthreads = 1;
	o->workloads[0] = 0; /* nic */
	o->nworkloads = 1;
	o->prefill[0] = 0;
	o->nprefill = 1;
	o->duration_s = 1.0;
	o->warmup_s = 0.2;
	o->pci32 = PCI32_ALWAYS;
	o->ntree_hold = 1;
	o->iotlb_flush_ns = STRESS_IOTLB_FLUSH_NS_DEFAULT;
	o->sample_ms = 100;
	o->trim_ms = 100;
	return 0;
}

static int check_prefill(const struct options *o)
{
	for (size_t i = 0; i < o->nprefill; i++) {
		uint64_t p = o->prefill[i];

		if (p && (p < IOVA_SCEN_MIN_LIVE || p > IOVA_SCEN_MAX_LIVE))
			return bad("--prefill: %llu is neither 0 nor in "
				   "%lu..%lu",
				   (unsigned long long)p, IOVA_SCEN_MIN_LIVE,
				   IOVA_SCEN_MAX_LIVE);
	}
	return 0;
}

int options_parse(struct options *o, int argc, char **argv, unsigned int pus)
{
	uint64_t max_threads = (uint64_t)pus * STRESS_MAX_THREADS_PER_PU;
	size_t idx = 0;
	int c, ret;
	long n;

	lab_cli_tool("iova-stress");
	ret = set_defaults(o);
	if (ret)
		return ret;
	o->argc = argc;
	o->argv = argv;
	if (max_threads > STRESS_MAX_THREADS)
		max_threads = STRESS_MAX_THREADS;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		const char *arg = optarg;

		ret = 0;
		switch (c) {
		case OPT_SHARED_ALG ... OPT_SHARED_END - 1:
			ret = options_shared(o, c, arg);
			break;
		case OPT_THREADS:
			free(o->threads);
			o->threads = NULL;
			n = lab_parse_u64_list(arg, 1, max_threads, 4096,
					       &o->threads);
			if (n == -ERANGE)
				return bad("--threads: each count must be in "
					   "1..%llu (%u per usable PU, at most "
					   "%u)",
					   (unsigned long long)max_threads,
					   STRESS_MAX_THREADS_PER_PU,
					   STRESS_MAX_THREADS);
			if (n < 0)
				return bad("--threads: '%s' is not a list of "
					   "counts like 1,2,4 or 1-16",
					   arg);
			o->nthreads = (size_t)n;
			break;
		case OPT_DURATION:
			ret = seconds("duration", arg, false, &o->duration_s);
			break;
		case OPT_WARMUP:
			ret = seconds("warmup", arg, true, &o->warmup_s);
			break;
		case OPT_CPU_LOCK:
			ret = lock_name("cpu-lock", arg, &o->cpu_lock);
			break;
		case OPT_DEPOT_LOCK:
			ret = lock_name("depot-lock", arg, &o->depot_lock);
			break;
		case OPT_WORKLOAD:
			ret = lab_cli_names("workload", arg, workload_names,
					    &o->workloads, &o->nworkloads);
			break;
		case OPT_PREFILL:
			free(o->prefill);
			o->prefill = NULL;
			n = lab_parse_u64_list(arg, 0, IOVA_SCEN_MAX_LIVE, 1024,
					       &o->prefill);
			if (n == -ERANGE)
				return bad("--prefill: each value must be 0 or "
					   "%lu..%lu",
					   IOVA_SCEN_MIN_LIVE,
					   IOVA_SCEN_MAX_LIVE);
			if (n < 0)
				return bad("--prefill: '%s' is not a list of "
					   "counts",
					   arg);
			o->nprefill = (size_t)n;
			break;
		case OPT_RATE:
			if (lab_parse_seconds(arg, &o->rate) ||
			    !isfinite(o->rate) || o->rate > 1e10)
				ret = bad("--rate: '%s' is not a rate in "
					  "0..1e10 ops/s",
					  arg);
			break;
		case OPT_THINK:
			ret = lab_cli_u64("think", arg, 0, STRESS_MAX_THINK_NS,
					  &o->think_ns);
			break;
		case OPT_TREE_HOLD:
			ret = lab_cli_u64_list("tree-hold-ns", arg, 0,
					       STRESS_MAX_HOLD_NS, 64,
					       &o->tree_hold, &o->ntree_hold);
			break;
		case OPT_UNMAP:
			ret = lab_cli_name("unmap", arg, unmap_mode_names,
					   &idx);
			o->unmap = (enum unmap_mode)idx;
			break;
		case OPT_IOTLB_FLUSH:
			ret = lab_cli_u64("iotlb-flush-ns", arg, 0,
					  STRESS_MAX_HOLD_NS,
					  &o->iotlb_flush_ns);
			break;
		case OPT_IRQ_THREADS: {
			uint64_t v = 0;

			ret = lab_cli_u64("irq-threads", arg, 1,
					  STRESS_MAX_THREADS, &v);
			o->irq_threads = (unsigned int)v;
			break;
		}
		case OPT_SAMPLE_MS:
			ret = lab_cli_u64("sample-ms", arg, 0,
					  STRESS_MAX_PERIOD_MS, &o->sample_ms);
			break;
		case OPT_TRIM_MS:
			ret = lab_cli_u64("trim-ms", arg, 0,
					  STRESS_MAX_PERIOD_MS, &o->trim_ms);
			break;
		case OPT_PCI32: {
			static const char *const modes[] = { "always", "once",
							     NULL };

			ret = lab_cli_name("pci32", arg, modes, &idx);
			o->pci32 = (enum pci32_mode)idx;
			break;
		}
		case OPT_LOW_WINDOW:
			ret = lab_cli_u64("low-window", arg, 0, STRESS_LIMIT32,
					  &o->low_window);
			break;
		case OPT_HELP:
			usage(stdout, pus);
			return 1;
		case ':':
			return bad("option '%s' needs a value",
				   argv[optind - 1]);
		default:
			return bad("unknown option '%s'", argv[optind - 1]);
		}
		if (ret)
			return ret;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	ret = check_prefill(o);
	if (ret)
		return ret;
	if ((double)o->nalgs * o->nlocks * o->nworkloads * o->nrcache *
		    o->nprefill * o->nthreads * o->ntree_hold * o->repeat >
	    STRESS_MAX_RUNS)
		return bad("the matrix has more than %u runs", STRESS_MAX_RUNS);
	if (o->rate > 0 && o->think_ns)
		return bad("--think applies to the closed loop only; drop it "
			   "or --rate");
	if (o->irq_threads && !has_workload(o, "irqcpu"))
		return bad("--irq-threads applies to --workload irqcpu only");
	for (size_t i = 0; o->irq_threads && i < o->nthreads; i++)
		if (o->irq_threads > o->threads[i])
			return bad("--irq-threads %u is more than --threads "
				   "%llu",
				   o->irq_threads,
				   (unsigned long long)o->threads[i]);
	if (o->rate > 0 && o->rate < 1e-3)
		return bad("--rate: %g ops/s is below 0.001", o->rate);
	return options_open_outputs(o, "iova-stress");
}

void options_free(struct options *o)
{
	free(o->threads);
	free(o->algs);
	free(o->locks);
	free(o->workloads);
	free(o->prefill);
	free(o->tree_hold);
	options_abort_outputs(o);
	memset(o, 0, sizeof(*o));
}
