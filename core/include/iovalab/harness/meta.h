/* SPDX-License-Identifier: MIT */
/*
 * The JSON "meta" object: what ran, where, built how. One schema for every
 * tool (stress/SCHEMA.md, "meta"); results/ reads it for the machine line
 * of every chart and report.
 *
 * Build facts come from a header CMake generates per build tree: a tool
 * links the iovalab_build_info target and includes "iovalab_build.h",
 * whose LAB_BUILD_INFO initialises a struct lab_build_info. The commit is
 * `git describe --always --dirty` at build time, rewritten only when it
 * changes (so only the files including the header are rebuilt).
 */
#ifndef IOVALAB_HARNESS_META_H
#define IOVALAB_HARNESS_META_H

#include <stdbool.h>

#include "iovalab/harness/topo.h"
#include "iovalab/json.h"

#ifdef __cplusplus
extern "C" {
#endif

struct lab_build_info {
	const char *commit; /* "abc1234" or "abc1234-dirty", "unknown" */
	const char *cflags; /* C flags and directory-wide options */
	const char *build_type; /* CMAKE_BUILD_TYPE */
	const char *sanitizer; /* IOVALAB_SANITIZE: "", "thread", ... */
	bool iovalab_check; /* the invariant checker after every op */
};

struct lab_meta {
	const char *tool; /* "iova-stress", "lock-bench", ... */
	int argc; /* the command line, written as "argv" */
	char *const *argv;
	const struct lab_build_info *build; /* &(LAB_BUILD_INFO) */
	const struct lab_topo *topo; /* NULL: machine fields omitted */
	/*
	 * The most threads any run of this invocation uses (0: the tool
	 * runs no threads of its own: "threads" and "oversubscribed"
	 * omitted), and how they are placed (LAB_PIN_NR: "pin" omitted).
	 */
	unsigned int threads;
	enum lab_pin_mode pin;
	/* median cost of one lab_now_ns(); < 0: omitted */
	double timer_overhead_ns;
};

/*
 * Write "meta": {...} into the open object of @j: tool, commit, compiler,
 * cflags, build_type, sanitizer, iovalab_check, cpu_model, logical_cpus,
 * physical_cores, numa_nodes, packages, online_cpus, kernel, glibc,
 * hostname, date (UTC, ISO 8601), threads, oversubscribed, smt_shared,
 * pin, argv, timer_overhead_ns. Write errors are sticky in @j
 * (lab_json_finish reports them).
 */
void lab_meta_write(struct lab_json *j, const struct lab_meta *m);

/*
 * The same fields into an object the caller has opened and will close,
 * for a tool that adds its own after them (lab_json_object_begin(j,
 * "meta"); lab_meta_fields(j, m); tool fields...; lab_json_object_end).
 */
void lab_meta_fields(struct lab_json *j, const struct lab_meta *m);

#ifdef __cplusplus
}
#endif

#endif /* IOVALAB_HARNESS_META_H */
