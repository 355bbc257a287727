// SPDX-License-Identifier: MIT
/*
 * iova-replay: replay an operation trace against an IOVA domain, so any
 * trace (synthetic, or captured from a kernel) runs against every search
 * algorithm. The contract (flags, ops, output) is in README.md here; later
 * layers extend it, never change it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/iova.h"
#include "iovalab/parse.h"
#ifdef IOVALAB_REPLAY_RCACHE
#include "iovalab/rcache.h"
#include "pfnmap.h"
#endif

#define MAX_TOKENS 5

struct replay {
	struct iova_domain *d;
#ifdef IOVALAB_REPLAY_RCACHE
	struct iovad *rd;
	/* fast-path ranges the trace holds (pfn -> size given to af) */
	struct pfnmap outstanding;
	/* ranges freed with ff that a magazine may still hold */
	struct pfnmap cached;
	uint64_t flushes; /* iovad_rcache_stats().flushes last seen */
#endif
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
	fprintf(f,
		"usage: iova-replay --alg classic|maxgap|gap32|anylimit "
		"[options] < trace\n"
		"  --alg NAME       search algorithm (required)\n"
		"  --granule BYTES  bytes per pfn, power of two in "
		"[512, 2^30] (default 4096)\n"
		"  --start-pfn N    lowest allocatable pfn, >= 1 (default 1)\n"
		"  --stats          append \" visited=N\" to each alloc's "
		"output line\n"
		"  --check          run the invariant checker after every "
		"operation;\n"
		"                   exit 1 on the first violation\n"
		"  --info           print \"node_bytes N slab_bytes M\" for "
		"--alg and exit\n"
		"  --help           this text\n"
		"trace, one operation per line ('#' starts a comment; "
		"numbers decimal or 0x-hex):\n"
		"  a SIZE LIMIT_PFN [A]   alloc_iova (A: size-aligned) -> "
		"pfn_lo | fail\n"
		"  f PFN                  free_iova -> ok | missing\n"
		"  q PFN                  find_iova -> LO HI | none\n"
		"  r LO HI                reserve_iova -> ok | fail\n"
#ifdef IOVALAB_REPLAY_RCACHE
		"  af SIZE LIMIT_PFN [F]  alloc_iova_fast (F: flush the "
		"caches and retry\n"
		"                         on failure) -> pfn_lo | fail\n"
		"  ff PFN SIZE            free_iova_fast -> ok\n"
#endif
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

static int line_error(struct replay *rp, const char *what, const char *tok)
{
	fflush(stdout);
	if (tok)
		fprintf(stderr, "iova-replay: line %lu: %s '%s'\n", rp->lineno,
			what, tok);
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

static void tree_stats(struct replay *rp, struct iova_stats *st)
{
#ifdef IOVALAB_REPLAY_RCACHE
	iovad_tree_stats(rp->rd, st);
#else
	iova_domain_stats(rp->d, st);
#endif
}

/* Cache lines read by alloc searches, tree node churn, slab bytes. */
static void print_tree_counters(struct replay *rp)
{
	struct iova_stats st;

	tree_stats(rp, &st);
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

#ifdef IOVALAB_REPLAY_RCACHE
	ret = iovad_check(rp->rd, msg, sizeof(msg));
#else
	ret = iova_domain_check(rp->d, msg, sizeof(msg));
#endif
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

	tree_stats(rp, &st);
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

static int op_alloc(struct replay *rp, char **tok, int n)
{
	unsigned long size, limit, pfn = 0;
	struct iova_stats st;
	bool aligned = false;

	if (n < 3 || n > 4)
		return line_error(rp, "usage: a SIZE LIMIT_PFN [A]", NULL);
	if (!parse_ulong(tok[1], &size))
		return line_error(rp, "bad SIZE", tok[1]);
	if (!parse_ulong(tok[2], &limit))
		return line_error(rp, "bad LIMIT_PFN", tok[2]);
	if (n == 4) {
		if (strcmp(tok[3], "A") != 0)
			return line_error(rp, "expected 'A', got", tok[3]);
		aligned = true;
	}
	tree_stats(rp, &st);
#ifdef IOVALAB_REPLAY_RCACHE
	pfn = iovad_alloc_iova(rp->rd, size, limit, aligned);
	if (pfn)
		pfnmap_del(&rp->cached, pfn);
#else
	{
		struct iova *v = alloc_iova(rp->d, size, limit, aligned);

		if (v)
			pfn = v->pfn_lo;
	}
#endif
	if (pfn)
		printf("%lu", pfn);
	else
		printf("fail");
	account_alloc(rp, st.visited_total, pfn != 0);
	putchar('\n');
	return 0;
}

#ifdef IOVALAB_REPLAY_RCACHE
static bool held_by_cache(struct replay *rp, unsigned long pfn)
{
	return pfnmap_get(&rp->cached, pfn, NULL);
}
#endif

static int op_free(struct replay *rp, char **tok, int n)
{
	unsigned long pfn;
	int ret;

	if (n != 2)
		return line_error(rp, "usage: f PFN", NULL);
	if (!parse_ulong(tok[1], &pfn))
		return line_error(rp, "bad PFN", tok[1]);
#ifdef IOVALAB_REPLAY_RCACHE
	{
		unsigned long lo;

		if (iovad_find_iova(rp->rd, pfn, &lo, NULL)) {
			/* freeing under a magazine would corrupt it */
			if (held_by_cache(rp, lo))
				return line_error(rp,
						  "f of a range an rcache "
						  "magazine holds (freed with "
						  "ff)",
						  tok[1]);
			pfnmap_del(&rp->outstanding, lo);
		}
		ret = iovad_free_iova(rp->rd, pfn);
	}
#else
	ret = free_iova(rp->d, pfn);
#endif
	puts(ret ? "missing" : "ok");
	return 0;
}

static int op_find(struct replay *rp, char **tok, int n)
{
	unsigned long pfn, lo = 0, hi = 0;
	bool found;

	if (n != 2)
		return line_error(rp, "usage: q PFN", NULL);
	if (!parse_ulong(tok[1], &pfn))
		return line_error(rp, "bad PFN", tok[1]);
#ifdef IOVALAB_REPLAY_RCACHE
	found = iovad_find_iova(rp->rd, pfn, &lo, &hi);
#else
	{
		struct iova *v = find_iova(rp->d, pfn);

		found = v != NULL;
		if (v) {
			lo = v->pfn_lo;
			hi = v->pfn_hi;
		}
	}
#endif
	if (found)
		printf("%lu %lu\n", lo, hi);
	else
		puts("none");
	return 0;
}

#ifdef IOVALAB_REPLAY_RCACHE
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
#endif

static int op_reserve(struct replay *rp, char **tok, int n)
{
	unsigned long lo, hi;
	bool ok;

	if (n != 3)
		return line_error(rp, "usage: r LO HI", NULL);
	if (!parse_ulong(tok[1], &lo))
		return line_error(rp, "bad LO", tok[1]);
	if (!parse_ulong(tok[2], &hi))
		return line_error(rp, "bad HI", tok[2]);
#ifdef IOVALAB_REPLAY_RCACHE
	{
		struct span sp = { .lo = lo, .hi = hi, .rp = rp };

		/* a reservation merging into a cached range would resize it */
		if (lo <= hi && pfnmap_any(&rp->cached, overlaps_cached, &sp))
			return line_error(rp,
					  "r overlaps a range an rcache "
					  "magazine holds",
					  NULL);
		ok = iovad_reserve_iova(rp->rd, lo, hi) == 0;
	}
#else
	ok = reserve_iova(rp->d, lo, hi) != NULL;
#endif
	puts(ok ? "ok" : "fail");
	return 0;
}

#ifdef IOVALAB_REPLAY_RCACHE
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

static int op_alloc_fast(struct replay *rp, char **tok, int n)
{
	unsigned long size, limit, pfn;
	struct iova_stats st;
	bool flush = false;

	if (n < 3 || n > 4)
		return line_error(rp, "usage: af SIZE LIMIT_PFN [F]", NULL);
	if (!parse_ulong(tok[1], &size))
		return line_error(rp, "bad SIZE", tok[1]);
	if (!parse_ulong(tok[2], &limit))
		return line_error(rp, "bad LIMIT_PFN", tok[2]);
	if (n == 4) {
		if (strcmp(tok[3], "F") != 0)
			return line_error(rp, "expected 'F', got", tok[3]);
		flush = true;
	}
	tree_stats(rp, &st);
	pfn = alloc_iova_fast(rp->rd, size, limit, flush);
	note_flushes(rp);
	if (pfn) {
		pfnmap_del(&rp->cached, pfn);
		if (pfnmap_put(&rp->outstanding, pfn, size)) {
			fflush(stdout);
			fprintf(stderr, "iova-replay: out of memory\n");
			return 1;
		}
		printf("%lu", pfn);
	} else {
		printf("fail");
	}
	account_alloc(rp, st.visited_total, pfn != 0);
	putchar('\n');
	return 0;
}

static int op_free_fast(struct replay *rp, char **tok, int n)
{
	unsigned long pfn, size, had;

	if (n != 3)
		return line_error(rp, "usage: ff PFN SIZE", NULL);
	if (!parse_ulong(tok[1], &pfn))
		return line_error(rp, "bad PFN", tok[1]);
	if (!parse_ulong(tok[2], &size))
		return line_error(rp, "bad SIZE", tok[2]);
	/*
	 * The kernel trusts its callers here; a trace cannot be trusted,
	 * and a wrong ff would corrupt a magazine, so only an outstanding
	 * af range with its af size is accepted.
	 */
	if (!pfnmap_get(&rp->outstanding, pfn, &had))
		return line_error(rp, "ff of a pfn no outstanding af returned",
				  tok[1]);
	if (had != size)
		return line_error(rp, "ff SIZE differs from the af size",
				  tok[2]);
	pfnmap_del(&rp->outstanding, pfn);
	free_iova_fast(rp->rd, pfn, size);
	note_flushes(rp);
	if (size <= IOVAD_MAX_CACHED_SIZE &&
	    pfnmap_put(&rp->cached, pfn, size)) {
		fflush(stdout);
		fprintf(stderr, "iova-replay: out of memory\n");
		return 1;
	}
	puts("ok");
	return 0;
}
#endif

/* Returns 0 to go on, else the exit status. */
static int replay_line(struct replay *rp, char *line)
{
	char *tok[MAX_TOKENS], *save = NULL, *hash, *t;
	int n = 0, ret;

	hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	for (t = strtok_r(line, " \t\r\n\v\f", &save); t;
	     t = strtok_r(NULL, " \t\r\n\v\f", &save)) {
		if (n == MAX_TOKENS)
			return line_error(rp, "too many fields", NULL);
		tok[n++] = t;
	}
	if (!n)
		return 0;
	if (!strcmp(tok[0], "a"))
		ret = op_alloc(rp, tok, n);
	else if (!strcmp(tok[0], "f"))
		ret = op_free(rp, tok, n);
	else if (!strcmp(tok[0], "q"))
		ret = op_find(rp, tok, n);
	else if (!strcmp(tok[0], "r"))
		ret = op_reserve(rp, tok, n);
#ifdef IOVALAB_REPLAY_RCACHE
	else if (!strcmp(tok[0], "af"))
		ret = op_alloc_fast(rp, tok, n);
	else if (!strcmp(tok[0], "ff"))
		ret = op_free_fast(rp, tok, n);
#endif
	else
		return line_error(rp, "unknown operation", tok[0]);
	if (ret)
		return ret;
	rp->ops++;
	if (rp->check)
		return run_check(rp, tok[0]);
	return 0;
}

#ifdef IOVALAB_REPLAY_RCACHE
/*
 * Magazines are per CPU: a replay that migrated between CPUs would see
 * different cache hits from run to run. Stay on the CPU we start on.
 */
static void pin_to_current_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		goto warn;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == 0)
		return;
warn:
	fprintf(stderr,
		"iova-replay: cannot pin to one CPU (%s); af/ff "
		"magazine hits may differ between runs\n",
		strerror(errno));
}

static int open_domain(struct replay *rp, enum iova_alg alg,
		       unsigned long granule, unsigned long start_pfn)
{
	struct iovad_attr attr;

	pin_to_current_cpu();
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
	pfnmap_free(&rp->outstanding);
	pfnmap_free(&rp->cached);
	lab_lock_thread_offline();
}
#else
static int open_domain(struct replay *rp, enum iova_alg alg,
		       unsigned long granule, unsigned long start_pfn)
{
	rp->d = iova_domain_create(alg, granule, start_pfn);
	return rp->d ? 0 : -errno;
}

static void close_domain(struct replay *rp)
{
	iova_domain_put(rp->d);
}
#endif

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "granule", required_argument, NULL, 'g' },
		{ "start-pfn", required_argument, NULL, 's' },
		{ "stats", no_argument, NULL, 'S' },
		{ "check", no_argument, NULL, 'c' },
		{ "info", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay rp = { 0 };
	unsigned long granule = 4096, start_pfn = 1;
	bool info = false;
	int alg = -1, c, status = 0, ret;
	char *line = NULL;
	size_t cap = 0;

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
				"two in [512, 2^30] and --start-pfn >= 1 (try "
				"--help)\n");
		return 2;
	}
	if (ret) {
		fprintf(stderr, "iova-replay: cannot create the domain: %s\n",
			strerror(-ret));
		return 1;
	}
	while (getline(&line, &cap, stdin) != -1) {
		rp.lineno++;
		status = replay_line(&rp, line);
		if (status)
			break;
	}
	if (!status && ferror(stdin)) {
		fprintf(stderr, "iova-replay: reading stdin: %s\n",
			strerror(errno));
		status = 1;
	}
	free(line);
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
