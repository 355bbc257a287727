/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: make the Nth allocation at chosen sites fail, so tests
 * can walk N over a whole run and check that every failure is a clean error
 * or a correct "no space" answer, with nothing leaked or lost.
 *
 * Every allocation site that can fail calls lab_fault_fail(site) just
 * before it allocates and, when that returns true, behaves exactly as if
 * the allocator had returned NULL. Disarmed (the default), the call is one
 * relaxed atomic load.
 *
 * Arming is process-wide. lab_fault_from_env() arms from the environment
 * variable IOVALAB_FAULT, so any tool can be driven from a test script:
 *
 *   IOVALAB_FAULT=node,magazine:17   the 17th allocation counted at the
 *                                    node or magazine sites fails
 *   IOVALAB_FAULT=all:5              the 5th allocation at any site fails
 *
 * Only one allocation fails per arming (the kernel's failslab "times=1"):
 * that is what a walk over N needs, and it keeps every later failure a
 * consequence of the first, not a second injected one.
 */
#ifndef IOVALAB_FAULT_H
#define IOVALAB_FAULT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum lab_fault_site {
	LAB_FAULT_NODE, /* a tree node or range object (core) */
	LAB_FAULT_MAGAZINE, /* a magazine, depot or flush-queue buffer */
	LAB_FAULT_LOCK, /* a lock and its per-thread state */
	LAB_FAULT_THREAD, /* pthread_create in a driver */
	LAB_FAULT_OTHER, /* any other allocation a tool makes */
	LAB_FAULT_NR
};

#define LAB_FAULT_ALL ((1u << LAB_FAULT_NR) - 1)

/*
 * Arm: count allocations at the sites in @site_mask (bits 1 << site) from
 * now on, and make the @nth of them (1-based) fail. @nth == 0 disarms.
 */
void lab_fault_arm(unsigned int site_mask, uint64_t nth);

/*
 * Called before an allocation at @site. Returns true when this allocation
 * must fail. Thread-safe.
 */
bool lab_fault_fail(enum lab_fault_site site);

/* Allocations counted at armed sites since the last lab_fault_arm(). */
uint64_t lab_fault_counted(void);

/* True once the armed allocation has been failed. */
bool lab_fault_fired(void);

/*
 * Arm from IOVALAB_FAULT (see above). Returns 0 (armed, or the variable is
 * unset or empty), or -EINVAL for a malformed value (the caller reports it
 * as a usage error).
 */
int lab_fault_from_env(void);

/*
 * What every tool calls first in main(): lab_fault_from_env(), and on a
 * malformed IOVALAB_FAULT one line on stderr and exit(2) (a usage error,
 * before any work). When armed, the process prints one line at exit,
 *   "<prog>: IOVALAB_FAULT: fired at allocation N of C counted"   or
 *   "<prog>: IOVALAB_FAULT: not fired (C counted)",
 * so a test walking N knows when it has passed the last allocation.
 */
void lab_fault_setup(const char *prog);

/*
 * pthread_create() for drivers, with the LAB_FAULT_THREAD site in front:
 * an injected failure returns EAGAIN, as the real call does when out of
 * resources.
 */
int lab_fault_pthread_create(pthread_t *th, const pthread_attr_t *attr,
			     void *(*fn)(void *), void *arg);

#endif /* IOVALAB_FAULT_H */
