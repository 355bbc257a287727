// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the full domain's fast path (alloc_iova_fast,
 * free_iova_fast), its tree operations, flush, trim, and injected
 * allocation failures, on every algorithm in iova_alg_names.
 *
 * Input: byte 0 picks the magazine size, then every operation is an
 * opcode byte and one or two argument bytes (zeros once the input is used
 * up). The test keeps what it holds in a reference model (core/tests
 * ref_model.h) and checks after every operation: the quiescent checker
 * (tree invariants, magazines, no pfn cached twice); conservation (the
 * tree holds exactly what the test holds plus what the magazines cache);
 * every range returned is inside [start_pfn, limit], aligned, of the
 * rounded size and overlaps nothing held; a find of a held pfn returns its
 * range. anylimit with flush_rcache may fail only when nothing fits among
 * the held ranges (after the flush the tree holds nothing else), unless an
 * injected failure fired. At the end everything is returned and flushed
 * and the tree must be empty; ASan checks that nothing leaked.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "iovalab/fault.h"
#include "iovalab/lock.h"
#include "iovalab/rcache.h"
#include "ref_model.h"

#define GRANULE 4096UL
#define START_PFN 16UL
#define MAX_HELD 512

struct held {
	unsigned long pfn, size; /* size as passed to the allocator */
	bool tree; /* iovad_alloc_iova: freed with iovad_free_iova */
};

struct fz {
	struct iovad *d;
	struct ref_model m; /* what the test holds */
	struct held h[MAX_HELD];
	unsigned int n;
	const uint8_t *in;
	size_t left;
	enum iova_alg alg;
};

static void die(struct fz *f, const char *what, unsigned long a,
		unsigned long b)
{
	fprintf(stderr, "fuzz-rcache: alg %s: %s (%#lx, %#lx)\n",
		iova_alg_name(f->alg), what, a, b);
	abort();
}

static unsigned int byte(struct fz *f)
{
	if (!f->left)
		return 0;
	f->left--;
	return *f->in++;
}

/* Limits from a few pfns above start_pfn (space runs out, flushes) up. */
static unsigned long pick_limit(struct fz *f)
{
	static const unsigned long lim[] = {
		START_PFN + 15, 255, 1023, 4095, (1UL << 20) - 1, ~0UL >> 12
	};
	unsigned int b = byte(f);

	return lim[b % 6] - (b / 6) % 4;
}

static unsigned long real_size(unsigned long size, bool tree)
{
	if (tree || size > IOVAD_MAX_CACHED_SIZE)
		return size;
	return ref_align_mask(size, true) + 1;
}

static void check(struct fz *f)
{
	struct iovad_rcache_stats st;
	struct iovad_rcache_totals tot;
	struct iova_stats ts;
	char msg[256];

	if (iovad_check_quiescent(f->d, msg, sizeof(msg))) {
		fprintf(stderr, "fuzz-rcache: check: %s\n", msg);
		die(f, "checker", 0, 0);
	}
	iovad_rcache_stats(f->d, &st);
	iovad_tree_stats(f->d, &ts);
	iovad_rcache_stats_sum(&st, &tot);
	if (ts.live != f->n + tot.cached)
		die(f, "tree live != held + cached", ts.live,
		    f->n + tot.cached);
}

static void do_alloc(struct fz *f, bool tree)
{
	unsigned long size = 1 + byte(f) % 48, limit = pick_limit(f);
	unsigned int flags = byte(f);
	bool flush = flags & 1, aligned = tree ? flags & 2 : true;
	bool fired = lab_fault_fired();
	unsigned long pfn, rs = real_size(size, tree), fit, amask;

	pfn = tree ? iovad_alloc_iova(f->d, size, limit, aligned) :
		     alloc_iova_fast(f->d, size, limit, flush);
	if (!pfn) {
		/* after the flush the tree holds only what we hold */
		if (!tree && flush &&
		    (f->alg == IOVA_ALG_ANYLIMIT || f->alg == IOVA_ALG_BTREE ||
		     f->alg == IOVA_ALG_BTREE_PFN) &&
		    fired == lab_fault_fired() &&
		    ref_highest_fit(&f->m, rs, limit, true, &fit))
			die(f, "anylimit fast alloc failed though it fits",
			    size, fit);
		return;
	}
	amask = ref_align_mask(rs, aligned);
	if (pfn < START_PFN || pfn + rs - 1 > limit || (pfn & amask))
		die(f, "range out of bounds or unaligned", pfn, rs);
	if (!ref_is_free(&f->m, pfn, pfn + rs - 1))
		die(f, "range overlaps a held one", pfn, rs);
	if (f->n == MAX_HELD) {
		if (tree)
			iovad_free_iova(f->d, pfn);
		else
			free_iova_fast(f->d, pfn, size);
		return;
	}
	ref_insert(&f->m, pfn, pfn + rs - 1);
	f->h[f->n++] = (struct held){ .pfn = pfn, .size = size, .tree = tree };
}

static void do_free(struct fz *f)
{
	unsigned int k;
	struct held h;

	if (!f->n)
		return;
	k = byte(f) % f->n;
	h = f->h[k];
	f->h[k] = f->h[--f->n];
	if (!ref_free(&f->m, h.pfn))
		die(f, "model lost a held range", h.pfn, h.size);
	if (!h.tree)
		free_iova_fast(f->d, h.pfn, h.size);
	else if (iovad_free_iova(f->d, h.pfn))
		die(f, "held tree range not in the tree", h.pfn, h.size);
}

static void do_find(struct fz *f)
{
	unsigned long lo, hi;
	struct held h;
	unsigned long off;

	if (!f->n)
		return;
	h = f->h[byte(f) % f->n];
	off = byte(f) % real_size(h.size, h.tree);
	if (!iovad_find_iova(f->d, h.pfn + off, &lo, &hi) || lo != h.pfn ||
	    hi != h.pfn + real_size(h.size, h.tree) - 1)
		die(f, "find of a held pfn", h.pfn + off, h.size);
}

static void run(enum iova_alg alg, const uint8_t *data, size_t size)
{
	struct fz f = { .in = data, .left = size, .alg = alg };
	struct iova_stats ts;
	struct iovad_attr a;

	iovad_attr_init(&a);
	a.alg = alg;
	a.granule = GRANULE;
	a.start_pfn = START_PFN;
	a.mag_size = 1 + byte(&f) % 8;
	a.depot_max = 1;
	a.trim_period_ns = 0;
	f.d = iovad_create(&a);
	if (!f.d)
		die(&f, "iovad_create", a.mag_size, 0);
	ref_init(&f.m, GRANULE, START_PFN);
	while (f.left) {
		unsigned int op = byte(&f);

		switch (op % 10) {
		case 0 ... 2:
			do_alloc(&f, false);
			break;
		case 3:
			do_alloc(&f, true);
			break;
		case 4 ... 6:
			do_free(&f);
			break;
		case 7:
			do_find(&f);
			break;
		case 8:
			if (op & 0x10)
				iovad_rcache_trim(f.d);
			else
				iovad_rcache_flush(f.d);
			break;
		default:
			/* the next 1..4th node or magazine allocation fails */
			lab_fault_arm(1u << LAB_FAULT_NODE |
					      1u << LAB_FAULT_MAGAZINE,
				      1 + (op >> 4) % 4);
			break;
		}
		check(&f);
	}
	lab_fault_arm(0, 0);
	while (f.n)
		do_free(&f);
	iovad_rcache_flush(f.d);
	iovad_tree_stats(f.d, &ts);
	if (ts.live)
		die(&f, "tree not empty after freeing all and a flush", ts.live,
		    0);
	check(&f);
	ref_destroy(&f.m);
	iovad_destroy(f.d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	/* one CPU slot, so the same input meets the same magazines */
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
	lab_lock_thread_online();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int a = 0; iova_alg_names[a]; a++)
		run((enum iova_alg)a, data ? data : (const uint8_t *)"", size);
	return 0;
}
