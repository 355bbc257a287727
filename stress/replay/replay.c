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

#include "iovalab/arch.h"
#include "iovalab/fault.h"
#include "iovalab/harness/topo.h"
#include "iovalab/iova.h"
#include "iovalab/outfile.h"
#include "iovalab/parse.h"
#include "iovalab/rcache.h"
#include "handout.h"
#include "pfnmap.h"
#include "trace_parse.h"

struct replay {
	struct iovad *rd;
	/* ranges freed with ff that a magazine may still hold */
	struct pfnmap cached;
	uint64_t flushes; /* iovad_rcache_stats().flushes last seen */
	/* what a/af handed out and the trace has not freed */
	struct handout held;
	bool no_ff_check; /* test-only: skip the ff rules of handout.h */
	bool stats;
	bool check;
	unsigned long lineno;
	uint64_t ops;
	uint64_t allocs;
	uint64_t failures;
	uint64_t visited_total;
	uint64_t visited_max;
};

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
		"  --info           print \"node_bytes N slab_bytes M\" for "
		"--alg and exit\n"
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

/* A semantic trace error naming a number (NO_PFN: none). Exit 2. */
#define NO_PFN ((unsigned long long)-1)
static int line_error(struct replay *rp, const char *what,
		      unsigned long long num)
{
	fflush(stdout);
	if (num != NO_PFN)
		fprintf(stderr, "iova-replay: line %lu: %s '%llu'\n",
			rp->lineno, what, num);
	else
		fprintf(stderr, "iova-replay: line %lu: %s\n", rp->lineno,
			what);
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

static int run_check(struct replay *rp, const char *op)
{
	char msg[256];
	int ret;

	ret = iovad_check(rp->rd, msg, sizeof(msg));
	if (!ret)
		return 0;
	fflush(stdout);
	fprintf(stderr,
		"iova-replay: line %lu: invariant violated after "
		"'%s': %s\n",
		rp->lineno, op, msg);
	return 1;
}

static void account_alloc(struct replay *rp, uint64_t before, bool ok)
{
	struct iova_stats st;
	uint64_t visited;

	iovad_tree_stats(rp->rd, &st);
	visited = st.visited_total - before;
	rp->allocs++;
	if (!ok)
		rp->failures++;
	rp->visited_total += visited;
	if (visited > rp->visited_max)
		rp->visited_max = visited;
	if (rp->stats)
		printf(" visited=%llu", (unsigned long long)visited);
}

static int out_of_memory(void)
{
	fflush(stdout);
	fprintf(stderr, "iova-replay: out of memory\n");
	return 1;
}

/*
 * Record a range a or af handed out; under --check first the guard that
 * no pfn is live twice (what the replay holds is disjoint), which holds
 * whatever the ff rules let through.
 */
static int hand_out(struct replay *rp, unsigned long lo, unsigned long hi,
		    unsigned long af_size)
{
	unsigned long olo, ohi;

	if (rp->check && handout_overlap(&rp->held, lo, hi, &olo, &ohi)) {
		fflush(stdout);
		fprintf(stderr,
			"iova-replay: line %lu: invariant violated: [%lu, "
			"%lu] handed out while [%lu, %lu] is still held (a "
			"pfn live twice)\n",
			rp->lineno, lo, hi, olo, ohi);
		return 1;
	}
	return handout_add(&rp->held, lo, hi, af_size) ? out_of_memory() : 0;
}

static int op_alloc(struct replay *rp, const struct trace_op *op)
{
	unsigned long size = op->arg0, limit = op->arg1, pfn = 0;
	bool aligned = op->flag;
	struct iova_stats st;

	iovad_tree_stats(rp->rd, &st);
	pfn = iovad_alloc_iova(rp->rd, size, limit, aligned);
	if (pfn)
		pfnmap_del(&rp->cached, pfn);
	if (pfn) {
		int ret = hand_out(rp, pfn, pfn + size - 1, 0);

		if (ret)
			return ret;
		printf("%lu", pfn);
	} else {
		printf("fail");
	}
	account_alloc(rp, st.visited_total, pfn != 0);
	putchar('\n');
	return 0;
}

static bool held_by_cache(struct replay *rp, unsigned long pfn)
{
	return pfnmap_get(&rp->cached, pfn, NULL);
}

static int op_free(struct replay *rp, const struct trace_op *op)
{
	unsigned long pfn = op->arg0, lo, hi;
	bool found = iovad_find_iova(rp->rd, pfn, &lo, &hi);
	int ret;

	/* freeing under a magazine would corrupt it */
	if (found && held_by_cache(rp, lo))
		return line_error(rp,
				  "f of a range an rcache magazine holds "
				  "(freed with ff)",
				  pfn);
	ret = iovad_free_iova(rp->rd, pfn);
	if (found && !ret)
		handout_tree_freed(&rp->held, lo, hi);
	puts(ret ? "missing" : "ok");
	return 0;
}

static int op_find(struct replay *rp, const struct trace_op *op)
{
	unsigned long pfn = op->arg0, lo = 0, hi = 0;

	if (iovad_find_iova(rp->rd, pfn, &lo, &hi))
		printf("%lu %lu\n", lo, hi);
	else
		puts("none");
	return 0;
}

struct span {
	unsigned long lo, hi;
	struct replay *rp;
};

static bool overlaps_cached(unsigned long pfn, unsigned long val, void *arg)
{
	struct span *sp = arg;
	unsigned long lo, hi;

	(void)val;
	if (!iovad_find_iova(sp->rp->rd, pfn, &lo, &hi) || lo != pfn)
		return false;
	return lo <= sp->hi && sp->lo <= hi;
}

static int op_reserve(struct replay *rp, const struct trace_op *op)
{
	unsigned long lo = op->arg0, hi = op->arg1;
	bool ok;

	{
		struct span sp = { .lo = lo, .hi = hi, .rp = rp };

		/* a reservation merging into a cached range would resize it */
		if (lo <= hi && pfnmap_any(&rp->cached, overlaps_cached, &sp))
			return line_error(rp,
					  "r overlaps a range an rcache "
					  "magazine holds",
					  NO_PFN);
		ok = iovad_reserve_iova(rp->rd, lo, hi) == 0;
	}
	/*
	 * Every range overlapping [lo, hi] may have been widened down: walk
	 * them (the reservation covers [lo, hi] now, so each step finds the
	 * next one) and tell the record their new shape.
	 */
	for (unsigned long p = lo, rlo, rhi; ok && p <= hi; p = rhi + 1) {
		if (!iovad_find_iova(rp->rd, p, &rlo, &rhi))
			break; /* cannot happen: covered */
		handout_tree_range(&rp->held, rlo, rhi);
		if (rhi >= hi)
			break;
	}
	puts(ok ? "ok" : "fail");
	return 0;
}

/* After a flush every magazine is empty: nothing is cached any more. */
static void note_flushes(struct replay *rp)
{
	struct iovad_rcache_stats rs;

	iovad_rcache_stats(rp->rd, &rs);
	if (rs.flushes != rp->flushes) {
		rp->flushes = rs.flushes;
		pfnmap_clear(&rp->cached);
	}
}

/* The pfns an af of @size really holds (rounded up to a cached class). */
static unsigned long fast_span(unsigned long size)
{
	return size > IOVAD_MAX_CACHED_SIZE ? size :
					      lab_roundup_pow_of_two(size);
}

static int op_alloc_fast(struct replay *rp, const struct trace_op *op)
{
	unsigned long size = op->arg0, limit = op->arg1, pfn;
	bool flush = op->flag;
	struct iova_stats st;

	iovad_tree_stats(rp->rd, &st);
	pfn = alloc_iova_fast(rp->rd, size, limit, flush);
	note_flushes(rp);
	if (pfn) {
		int ret;

		pfnmap_del(&rp->cached, pfn);
		ret = hand_out(rp, pfn, pfn + fast_span(size) - 1, size);
		if (ret)
			return ret;
		printf("%lu", pfn);
	} else {
		printf("fail");
	}
	account_alloc(rp, st.visited_total, pfn != 0);
	putchar('\n');
	return 0;
}

static int op_free_fast(struct replay *rp, const struct trace_op *op)
{
	unsigned long pfn = op->arg0, size = op->arg1;
	enum handout_ff why = HANDOUT_FF_OK;

	/*
	 * The kernel trusts its callers here; a trace cannot be trusted,
	 * and a wrong ff would corrupt a magazine, so only an outstanding
	 * af range, in the shape af gave it, with its af size is accepted.
	 */
	if (!rp->no_ff_check)
		why = handout_ff_check(&rp->held, pfn, size);
	if (why == HANDOUT_FF_UNKNOWN)
		return line_error(rp,
				  "ff of a pfn no outstanding af returned "
				  "(never, or freed since)",
				  pfn);
	if (why == HANDOUT_FF_MERGED)
		return line_error(rp,
				  "ff of a range a reservation has merged into "
				  "a larger one",
				  pfn);
	if (why == HANDOUT_FF_SIZE)
		return line_error(rp, "ff SIZE differs from the af size", size);
	/* the rcache layer's own refusal (rcache.h), a second line of defence */
	if (free_iova_fast(rp->rd, pfn, size))
		return line_error(rp,
				  "ff refused by the rcache layer: not a live "
				  "range of that size",
				  pfn);
	handout_ff_done(&rp->held, pfn, pfn + fast_span(size) - 1);
	note_flushes(rp);
	if (size <= IOVAD_MAX_CACHED_SIZE && pfnmap_put(&rp->cached, pfn, size))
		return out_of_memory();
	puts("ok");
	return 0;
}

static const char *const op_names[] = {
	[TRACE_EMPTY] = "",	  [TRACE_ALLOC] = "a",
	[TRACE_FREE] = "f",	  [TRACE_FIND] = "q",
	[TRACE_RESERVE] = "r",	  [TRACE_ALLOC_FAST] = "af",
	[TRACE_FREE_FAST] = "ff",
};

/* Returns 0 to go on, else the exit status. */
static int replay_line(struct replay *rp, const char *line, size_t len)
{
	struct trace_error err;
	struct trace_op op;
	int ret;

	if (trace_parse_line(line, len, &op, &err)) {
		fflush(stdout);
		if (err.tok[0])
			fprintf(stderr, "iova-replay: line %lu: %s '%s'\n",
				rp->lineno, err.what, err.tok);
		else
			fprintf(stderr, "iova-replay: line %lu: %s\n",
				rp->lineno, err.what);
		return 2;
	}
	switch (op.kind) {
	case TRACE_EMPTY:
		return 0;
	case TRACE_ALLOC:
		ret = op_alloc(rp, &op);
		break;
	case TRACE_FREE:
		ret = op_free(rp, &op);
		break;
	case TRACE_FIND:
		ret = op_find(rp, &op);
		break;
	case TRACE_RESERVE:
		ret = op_reserve(rp, &op);
		break;
	case TRACE_ALLOC_FAST:
		ret = op_alloc_fast(rp, &op);
		break;
	case TRACE_FREE_FAST:
		ret = op_free_fast(rp, &op);
		break;
	default:
		fflush(stdout);
		fprintf(stderr,
			"iova-replay: line %lu: unknown operation '%s'\n",
			rp->lineno, op_names[op.kind]);
		return 2;
	}
	if (ret)
		return ret;
	rp->ops++;
	if (rp->check)
		return run_check(rp, op_names[op.kind]);
	return 0;
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
		printf("node_bytes %zu slab_bytes %zu\n", iova_node_bytes(alg),
		       iova_slab_bytes(alg));
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
		status = run_check(&rp, "interrupt");
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
