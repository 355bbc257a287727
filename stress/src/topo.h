/* SPDX-License-Identifier: MIT */
/*
 * Machine topology (hwloc) and thread placement.
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
 * the run is then reported as oversubscribed.
 */
#ifndef STRESS_TOPO_H
#define STRESS_TOPO_H

#include <stdbool.h>
#include <stddef.h>

enum pin_mode { PIN_COMPACT, PIN_SCATTER, PIN_NONE, PIN_NR };

extern const char *const pin_mode_names[]; /* NULL-terminated */

struct topo;

/* Load the topology. NULL (message on stderr) if hwloc fails. */
struct topo *topo_load(void);
void topo_free(struct topo *t);

unsigned int topo_pus(const struct topo *t); /* usable logical CPUs */
unsigned int topo_cores(const struct topo *t); /* usable physical cores */
unsigned int topo_numa_nodes(const struct topo *t);
unsigned int topo_packages(const struct topo *t);
/* CPU model string from hwloc (or /proc/cpuinfo), "" if unknown. */
const char *topo_cpu_model(const struct topo *t);

/*
 * PU for thread @i under @mode: its hwloc logical index in *logical and
 * OS index (what sched_getcpu() returns) in *os. false for PIN_NONE.
 */
bool topo_place(const struct topo *t, enum pin_mode mode, unsigned int i,
		unsigned int *logical, unsigned int *os);

/*
 * Bind the calling thread to the PU with hwloc logical index @logical.
 * Returns 0 or a negative errno.
 */
int topo_bind_self(struct topo *t, unsigned int logical);

#endif /* STRESS_TOPO_H */
