/* SPDX-License-Identifier: MIT */
/*
 * Machine topology (hwloc) and thread placement, for every driver.
 *
 * Only the PUs this process may run on count (hwloc drops disallowed ones,
 * so taskset and cgroup cpusets are honoured). Placement orders, both over
 * hwloc logical indexes and both putting every physical core's first PU
 * before any SMT sibling:
 *
 *   compact  consecutive cores: core 0, core 1, ... (first PU of each),
 *            then the second PU of core 0, core 1, ...  Threads share a
 *            package, NUMA node and L3 for as long as possible.
 *   scatter  spread across packages, then NUMA nodes, then L3 domains:
 *            thread 0 on package 0, thread 1 on package 1, ... then the
 *            next core of each; SMT siblings last, in the same order.
 *   none     no binding; the scheduler places threads.
 *
 * More threads than PUs wrap around the order (thread i on PU i mod npus);
 * such a run is oversubscribed (lab_topo_oversubscribed), and every tool
 * says so in its output.
 */
#ifndef IOVALAB_HARNESS_TOPO_H
#define IOVALAB_HARNESS_TOPO_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum lab_pin_mode {
	LAB_PIN_COMPACT,
	LAB_PIN_SCATTER,
	LAB_PIN_NONE,
	LAB_PIN_NR
};

/* "compact", "scatter", "none", NULL: index by enum lab_pin_mode. */
extern const char *const lab_pin_mode_names[];

/* Parse a pin mode name. 0, or -EINVAL for anything else. */
int lab_pin_mode_parse(const char *s, enum lab_pin_mode *out);

struct lab_topo;

/*
 * Load the topology of the PUs this process may use. NULL when hwloc
 * fails or no PU is usable, with one line on stderr prefixed "@tool: ".
 * The environment variable HWLOC_SYNTHETIC (hwloc's own) substitutes a
 * synthetic machine; the tests use it.
 */
struct lab_topo *lab_topo_load(const char *tool);
void lab_topo_free(struct lab_topo *t); /* NULL is a no-op */

unsigned int lab_topo_pus(const struct lab_topo *t); /* usable logical CPUs */
unsigned int lab_topo_cores(const struct lab_topo *t); /* usable cores */
unsigned int lab_topo_numa_nodes(const struct lab_topo *t); /* >= 1 */
unsigned int lab_topo_packages(const struct lab_topo *t); /* >= 1 */
/* CPU model string from hwloc (or /proc/cpuinfo), "" if unknown. */
const char *lab_topo_cpu_model(const struct lab_topo *t);

/*
 * The explicit facts a result must carry: @threads runnable threads share
 * PUs (oversubscribed: threads > usable PUs; a descheduled lock holder or
 * waiter is then part of what is measured), or share cores' pipelines
 * with SMT siblings (threads > usable cores).
 */
bool lab_topo_oversubscribed(const struct lab_topo *t, unsigned int threads);
bool lab_topo_smt_shared(const struct lab_topo *t, unsigned int threads);

/*
 * Where thread @i goes under @mode: its PU's hwloc logical index in
 * *logical and OS index (what sched_getcpu() returns) in *os. Returns
 * false, leaving both untouched, for LAB_PIN_NONE.
 */
bool lab_topo_place(const struct lab_topo *t, enum lab_pin_mode mode,
		    unsigned int i, unsigned int *logical, unsigned int *os);

/*
 * Bind the calling thread to the PU with hwloc logical index @logical.
 * 0, -EINVAL (no such PU) or the negative errno of the binding.
 */
int lab_topo_bind_self(struct lab_topo *t, unsigned int logical);

/*
 * A thread's placement, planned by the main thread and applied by the
 * thread itself (binding is per thread): the two calls drivers make.
 */
struct lab_pin {
	bool pinned; /* false: LAB_PIN_NONE, logical/os meaningless */
	unsigned int logical, os;
};

/* Plan thread @i's placement under @mode (lab_topo_place). */
void lab_pin_plan(const struct lab_topo *t, enum lab_pin_mode mode,
		  unsigned int i, struct lab_pin *p);
/* OS CPU of a plan, or -1 when not pinned (the "thread_cpus" figure). */
int lab_pin_os_cpu(const struct lab_pin *p);
/* Apply @p to the calling thread: 0 (also when not pinned) or -errno. */
int lab_pin_apply(struct lab_topo *t, const struct lab_pin *p);

/*
 * Bind the calling thread to the CPU it is running on now, without a
 * topology (a single-threaded replay that must see one CPU's per-CPU
 * state throughout). 0, or a negative errno (sched_getcpu or the
 * binding failed); the caller decides whether that is fatal.
 */
int lab_pin_self_here(void);

#ifdef __cplusplus
}
#endif

#endif /* IOVALAB_HARNESS_TOPO_H */
