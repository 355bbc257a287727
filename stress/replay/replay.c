// SPDX-License-Identifier: MIT
/*
 * iova-replay: replay an operation trace against an IOVA domain, so any
 * trace (synthetic, or captured from a kernel) runs against every search
 * algorithm. The contract (flags, ops, output) is in README.md here; later
 * layers extend it, never change it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/fault.h"
#include "iovalab/harness/topo.h"
#include "iovalab/iova.h"
#include "iovalab/outfile.h"
#include "iovalab/parse.h"
#include "iovalab/rcache.h"
#include "replay.h"
#include "trace_parse.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: iova-replay --alg ");
	for (int i = 0; iova_alg_names[i]; i++)
		fprintf(f, "%s%s", i ? "|" : "", iova_alg_names[i]);
	fprintf(f,
		" [options] < trace\n"
		"  --alg NAME       search algorithm (required)\n"
		"  --granule BYTES  bytes per pfn, power of two in "
		"[512, 2^30] (default 4096)\n"
		"  --start-pfn N    lowest allocatable pfn, >= 1 and at most the\n"
		"                   last pfn, 2^64 / granule - 1 (default 1)\n"
		"  --stats          append \" visited=N\" to each alloc's "
		"output line\n"
		"  --check          run the invariant checker after every "
		"operation;\n"
		"                   exit 1 on the first violation\n"
		"  --info           print \"node_bytes N slab_bytes M "
		"tree_node_bytes T\" for --alg\n"
		"                   and exit (per-range object, its slab "
		"size, B-tree node)\n"
		"  --no-ff-check    (tests only) let ff through unchecked, so "
		"the rcache\n"
		"                   layer's refusal and --check's guards can be "
		"seen\n"
		"  --help           this text\n"
		"trace, one operation per line ('#' starts a comment; "
		"numbers decimal or 0x-hex):\n"
		"  a SIZE LIMIT_PFN [A]   alloc_iova (A: size-aligned) -> "
		"pfn_lo | fail\n"
		"  f PFN                  free_iova -> ok | missing\n"
		"  q PFN                  find_iova -> LO HI | none\n"
		"  r LO HI                reserve_iova -> ok | fail\n"
		"  af SIZE LIMIT_PFN [F]  alloc_iova_fast (F: flush the "
		"caches and retry\n"
		"                         on failure) -> pfn_lo | fail\n"
		"  ff PFN SIZE            free_iova_fast -> ok\n"
		"exit: 0 done, 1 invariant violation or internal error, "
		"2 usage error or\nmalformed trace line.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "iova-replay: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try --help)\n");
	return 2;
}

/* A trace number: lab_parse_u64, and it must fit an unsigned long. */
static bool parse_ulong(const char *s, unsigned long *out)
{
	uint64_t v;

	if (lab_parse_u64(s, &v) || v > (uint64_t)(unsigned long)-1)
		return false;
	*out = (unsigned long)v;
	return true;
}

/* Cache lines read by alloc searches, tree node churn, slab bytes. */
static void print_tree_counters(struct replay *rp)
{
	struct iova_stats st;

	iovad_tree_stats(rp->rd, &st);
	fprintf(stderr,
		"iova-replay: lines_mean %.2f node_allocs %llu node_frees "
		"%llu live %llu slab_bytes %llu bytes_per_range %.1f\n",
		rp->allocs ? (double)st.lines_total / (double)rp->allocs : 0.0,
		(unsigned long long)st.node_allocs,
		(unsigned long long)st.node_frees, (unsigned long long)st.live,
		(unsigned long long)st.slab_bytes,
		st.live ? (double)st.slab_bytes / (double)st.live : 0.0);
}

/*
 * Read one line into @buf (TRACE_LINE_MAX + 2 bytes), newline dropped.
 * Returns its length, -1 at end of input, -2 on a read error, -3 when the
 * line is longer than TRACE_LINE_MAX (the rest of it is not read). A
 * fixed buffer: reading never allocates, so running out of memory can
 * never be mistaken for the end of the trace.
 */
static long read_line(FILE *in, char *buf)
{
	size_t len = 0;
	int c;

	while ((c = getc_unlocked(in)) != EOF) {
		if (c == '\n')
			return (long)len;
		if (len == TRACE_LINE_MAX + 1)
			return -3;
		buf[len++] = (char)c;
	}
	if (ferror(in))
		return -2;
	return len ? (long)len : -1;
}

static int open_domain(struct replay *rp, enum iova_alg alg,
		       unsigned long granule, unsigned long start_pfn)
{
	struct iovad_attr attr;
	int ret;

	/*
	 * Magazines are per CPU: a replay that migrated between CPUs would
	 * see different cache hits from run to run. Stay on this CPU.
	 */
	ret = lab_pin_self_here();
	if (ret)
		fprintf(stderr,
			"iova-replay: cannot pin to one CPU (%s); af/ff "
			"magazine hits may differ between runs\n",
			strerror(-ret));
	lab_lock_thread_online();
	iovad_attr_init(&attr);
	attr.alg = alg;
	attr.granule = granule;
	attr.start_pfn = start_pfn;
	/* no trim thread: a timer would make the replay nondeterministic */
	attr.trim_period_ns = 0;
	rp->rd = iovad_create(&attr);
	return rp->rd ? 0 : -errno;
}

static void close_domain(struct replay *rp)
{
	iovad_destroy(rp->rd);
	handout_free(&rp->held);
	pfnmap_free(&rp->cached);
	lab_lock_thread_offline();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "granule", required_argument, NULL, 'g' },
		{ "start-pfn", required_argument, NULL, 's' },
		{ "stats", no_argument, NULL, 'S' },
		{ "check", no_argument, NULL, 'c' },
		{ "info", no_argument, NULL, 'i' },
		{ "no-ff-check", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay rp = { 0 };
	unsigned long granule = 4096, start_pfn = 1;
	bool info = false;
	int alg = -1, c, status = 0, ret;
	static char line[TRACE_LINE_MAX + 2];

	lab_fault_setup("iova-replay");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			alg = iova_alg_parse(optarg);
			if (alg < 0)
				return usage_error("unknown --alg '%s'",
						   optarg);
			break;
		case 'g':
			if (!parse_ulong(optarg, &granule))
				return usage_error("bad --granule '%s'",
						   optarg);
			break;
		case 's':
			if (!parse_ulong(optarg, &start_pfn))
				return usage_error("bad --start-pfn '%s'",
						   optarg);
			break;
		case 'S':
			rp.stats = true;
			break;
		case 'c':
			rp.check = true;
			break;
		case 'i':
			info = true;
			break;
		case 'N':
			rp.no_ff_check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return usage_error("unknown option or missing value "
					   "in '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (alg < 0)
		return usage_error("%s", "--alg is required");
	if (info) {
		printf("node_bytes %zu slab_bytes %zu tree_node_bytes %zu\n",
		       iova_node_bytes(alg), iova_slab_bytes(alg),
		       iova_tree_node_bytes(alg));
		return 0;
	}
	ret = open_domain(&rp, alg, granule, start_pfn);
	if (ret == -EINVAL) {
		fprintf(stderr, "iova-replay: --granule must be a power of "
				"two in [512, 2^30] and --start-pfn in [1, "
				"2^64 / granule - 1] (try --help)\n");
		return 2;
	}
	if (ret) {
		fprintf(stderr, "iova-replay: cannot create the domain: %s\n",
			strerror(-ret));
		return 1;
	}
	/* no SA_RESTART: a read blocked on a pipe returns at the signal */
	if (lab_stop_install(false)) {
		close_domain(&rp);
		fprintf(stderr,
			"iova-replay: cannot install signal handlers\n");
		return 1;
	}
	for (;;) {
		long len;

		/* SIGINT/SIGTERM: stop between lines, every line done printed */
		if (lab_stop_requested())
			break;
		len = read_line(stdin, line);
		if (len == -1)
			break;
		if (len == -2 && lab_stop_requested())
			break;
		rp.lineno++;
		if (len == -2) {
			fflush(stdout);
			fprintf(stderr,
				"iova-replay: line %lu: reading stdin: %s\n",
				rp.lineno, strerror(errno));
			status = 1;
			break;
		}
		if (len == -3) {
			fflush(stdout);
			fprintf(stderr,
				"iova-replay: line %lu: line longer than %d bytes\n",
				rp.lineno, TRACE_LINE_MAX);
			status = 2;
			break;
		}
		status = replay_line(&rp, line, (size_t)len);
		if (status)
			break;
	}
	if (!status && lab_stop_requested()) {
		/* the end checks still run on what was replayed */
		fprintf(stderr, "iova-replay: interrupted after line %lu\n",
			rp.lineno);
		status = replay_check(&rp, "interrupt");
		if (!status)
			status = lab_stop_exit_status();
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "iova-replay: writing stdout failed\n");
		status = status ? status : 1;
	}
	fprintf(stderr,
		"iova-replay: ops %llu allocs %llu failures %llu "
		"visited_mean %.2f visited_max %llu\n",
		(unsigned long long)rp.ops, (unsigned long long)rp.allocs,
		(unsigned long long)rp.failures,
		rp.allocs ? (double)rp.visited_total / (double)rp.allocs : 0.0,
		(unsigned long long)rp.visited_max);
	print_tree_counters(&rp);
	close_domain(&rp);
	return status;
}
