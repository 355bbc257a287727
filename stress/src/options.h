/* SPDX-License-Identifier: MIT */
/*
 * iova-stress command line: every value is checked, and every output file
 * opened, before any run starts; a bad one is a one-line error and exit 2.
 */
#ifndef STRESS_OPTIONS_H
#define STRESS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>

#include "iovalab/lock.h"
#include "iovalab/outfile.h"
#include "iovalab/harness/think.h"
#include "iovalab/harness/topo.h"

/* Hard ceiling on --threads, and per usable PU (see README). */
#define STRESS_MAX_THREADS 4096u
#define STRESS_MAX_THREADS_PER_PU 64u
/* Longest --duration / --warmup accepted, seconds (one week). */
#define STRESS_MAX_SECONDS 604800.0
/* Most runs one invocation may ask for. */
#define STRESS_MAX_RUNS 100000u
/* Largest --think, ns: the harness's bound (iovalab/harness/think.h). */
#define STRESS_MAX_THINK_NS LAB_THINK_MAX_NS

/* Largest --tree-hold-ns and --iotlb-flush-ns, ns (1 ms). */
#define STRESS_MAX_HOLD_NS 1000000u
/* Default --iotlb-flush-ns: see stress/README.md ("Unmap modes"). */
#define STRESS_IOTLB_FLUSH_NS_DEFAULT 1000u
/* Longest --sample-ms and --trim-ms, ms (one minute). */
#define STRESS_MAX_PERIOD_MS 60000u

/* How a workload's unmap reaches the allocator (--unmap). */
enum unmap_mode {
	UNMAP_NONE, /* free_iova_fast at once, no IOTLB model */
	UNMAP_STRICT, /* IOTLB flush (busy wait), then free_iova_fast */
	UNMAP_LAZY, /* per-CPU flush queue (rcache/flushq.h) */
};

extern const char *const unmap_mode_names[];

/* mixed32: what a PCI device does after a 32-bit allocation fails. */
enum pci32_mode {
	PCI32_ALWAYS, /* keep trying below 4 GiB first (older kernels) */
	PCI32_ONCE, /* stop after the first failure (pci_32bit_workaround) */
};

struct options {
	uint64_t *threads;
	size_t nthreads;
	size_t *algs; /* indexes into iova_alg_names */
	size_t nalgs;
	size_t *locks; /* indexes into lab_lock_names */
	size_t nlocks;
	size_t *workloads; /* indexes into workloads[] */
	size_t nworkloads;
	bool rcache[2]; /* values in the order given */
	size_t nrcache;
	uint64_t *prefill;
	size_t nprefill;
	const char *cpu_lock; /* NULL: same as the tree lock */
	const char *depot_lock; /* NULL: same as the tree lock */
	enum lab_spin_policy spin;
	double duration_s;
	double warmup_s;
	enum lab_pin_mode pin;
	double rate; /* ops/s over all threads; 0: closed loop */
	uint64_t seed;
	uint64_t think_ns; /* think time (iovalab/harness/think.h) */
	enum pci32_mode pci32;
	uint64_t *tree_hold; /* --tree-hold-ns values, a matrix dimension */
	size_t ntree_hold;
	enum unmap_mode unmap;
	uint64_t iotlb_flush_ns;
	unsigned int irq_threads; /* irqcpu; 0: a quarter of the threads */
	uint64_t sample_ms; /* time-series period; 0: no series */
	uint64_t trim_ms; /* depot trim period; 0: trim off */
	uint64_t low_window; /* mixed32: pfns left free below 4 GiB; 0 all */
	const char *json_path;
	const char *csv_path;
	FILE *json; /* json_out.f, csv_out.f: where to write */
	FILE *csv;
	struct lab_outfile json_out, csv_out; /* iovalab/outfile.h */
	bool lockstat;
	bool quiet;
	unsigned int repeat; /* runs per configuration (--repeat), >= 1 */
	int argc;
	char **argv;
};

/*
 * The options iova-stress and iova-trace replay share (optshared.c): a
 * tool's getopt table starts with OPTIONS_SHARED_LONGOPTS, its own codes
 * start at OPT_SHARED_END, and it hands the shared codes to
 * options_shared(). The meaning, range and error line of each is then
 * the same in both tools.
 */
enum {
	OPT_SHARED_ALG = 256,
	OPT_SHARED_LOCK,
	OPT_SHARED_RCACHE,
	OPT_SHARED_PIN,
	OPT_SHARED_SPIN,
	OPT_SHARED_SEED,
	OPT_SHARED_JSON,
	OPT_SHARED_CSV,
	OPT_SHARED_LOCKSTAT,
	OPT_SHARED_QUIET,
	OPT_SHARED_REPEAT,
	OPT_SHARED_END
};

#define OPTIONS_SHARED_LONGOPTS                                           \
	{ "alg", required_argument, NULL, OPT_SHARED_ALG },               \
		{ "lock", required_argument, NULL, OPT_SHARED_LOCK },     \
		{ "rcache", required_argument, NULL, OPT_SHARED_RCACHE }, \
		{ "pin", required_argument, NULL, OPT_SHARED_PIN },       \
		{ "spin", required_argument, NULL, OPT_SHARED_SPIN },     \
		{ "seed", required_argument, NULL, OPT_SHARED_SEED },     \
		{ "json", required_argument, NULL, OPT_SHARED_JSON },     \
		{ "csv", required_argument, NULL, OPT_SHARED_CSV },       \
		{ "lockstat", no_argument, NULL, OPT_SHARED_LOCKSTAT },   \
		{ "quiet", no_argument, NULL, OPT_SHARED_QUIET },         \
	{                                                                 \
		"repeat", required_argument, NULL, OPT_SHARED_REPEAT      \
	}

/*
 * Defaults of the shared options (anylimit, mutex, cache on, yield,
 * compact, seed 1, one repetition) into a zeroed @o. 0, or 2 (message).
 */
int options_shared_defaults(struct options *o);
/* One shared option: 0, or 2 with the one-line message printed. */
int options_shared(struct options *o, int code, const char *arg);
/*
 * Check --json/--csv (not both stdout, writable, not one file) and open
 * their temporary files, before any work. 0, or 2 (message printed).
 */
int options_open_outputs(struct options *o, const char *tool);
/*
 * At the end: flush the CSV, and when @status is 0 rename both files into
 * place. Returns @status, or 1 when writing failed.
 */
int options_commit_outputs(struct options *o, const char *tool, int status);
/* Drop whatever was not committed (a failed run leaves old files as is). */
void options_abort_outputs(struct options *o);

/*
 * Parse and validate argv. Returns 0 (run), 1 (--help printed: exit 0) or
 * 2 (message printed: exit 2). @pus is the number of usable PUs.
 */
int options_parse(struct options *o, int argc, char **argv, unsigned int pus);
void options_free(struct options *o);

#endif /* STRESS_OPTIONS_H */
