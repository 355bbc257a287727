// SPDX-License-Identifier: MIT
/*
 * iova-replay's trace operations (replay.h): a/f/q/r on the core domain,
 * af/ff on the rcache layer's fast path, each answer printed on stdout.
 */
#include <stdio.h>

#include "iovalab/arch.h"
#include "iovalab/iova.h"
#include "iovalab/rcache.h"
#include "replay.h"
#include "trace_parse.h"

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

int replay_check(struct replay *rp, const char *op)
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

int replay_line(struct replay *rp, const char *line, size_t len)
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
		return replay_check(rp, op_names[op.kind]);
	return 0;
}
