/* SPDX-License-Identifier: MIT */
/*
 * iova-replay's state and its trace operations (replay_ops.c: one handler
 * per operation, the rules of README.md); replay.c is the tool around
 * them: options, reading the trace, the summary.
 */
#ifndef IOVALAB_REPLAY_REPLAY_H
#define IOVALAB_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iovalab/rcache.h"
#include "handout.h"
#include "pfnmap.h"

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

/*
 * Replay one trace line (@len bytes, newline dropped) and print its answer.
 * Returns 0 to go on, else the exit status: 2 for a malformed or
 * forbidden line, 1 for an invariant violated or no memory.
 */
int replay_line(struct replay *rp, const char *line, size_t len);

/*
 * iovad_check() of the domain after @op; a violation is reported on
 * stderr with the line number. Returns 0, or 1 (the exit status).
 */
int replay_check(struct replay *rp, const char *op);

#endif
