// SPDX-License-Identifier: MIT
/*
 * Fault injection (iovalab/fault.h). One process-wide countdown: cheap to
 * test when disarmed, exact when armed (an atomic counter, so with several
 * threads exactly one allocation fails, whichever takes the Nth ticket).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/fault.h"
#include "iovalab/parse.h"

static atomic_uint fault_mask;
static atomic_uint_least64_t fault_nth;
static atomic_uint_least64_t fault_count;
static atomic_bool fault_done;
static atomic_uint_least64_t fault_fired_at;

void lab_fault_arm(unsigned int site_mask, uint64_t nth)
{
	/* Disarm first so no thread counts against a half-set state. */
	atomic_store(&fault_mask, 0);
	atomic_store(&fault_count, 0);
	atomic_store(&fault_done, false);
	atomic_store(&fault_nth, nth);
	if (nth)
		atomic_store(&fault_mask, site_mask & LAB_FAULT_ALL);
}

bool lab_fault_fail(enum lab_fault_site site)
{
	unsigned int mask =
		atomic_load_explicit(&fault_mask, memory_order_relaxed);

	if (!(mask & (1u << site)))
		return false;
	uint64_t n = atomic_fetch_add(&fault_count, 1) + 1;

	if (n != atomic_load(&fault_nth))
		return false;
	atomic_store(&fault_fired_at, n);
	atomic_store(&fault_done, true);
	return true;
}

uint64_t lab_fault_counted(void)
{
	return atomic_load(&fault_count);
}

bool lab_fault_fired(void)
{
	return atomic_load(&fault_done);
}

static const char *const site_names[LAB_FAULT_NR] = {
	[LAB_FAULT_NODE] = "node",   [LAB_FAULT_MAGAZINE] = "magazine",
	[LAB_FAULT_LOCK] = "lock",   [LAB_FAULT_THREAD] = "thread",
	[LAB_FAULT_OTHER] = "other",
};

static int site_bit(const char *name, size_t len, unsigned int *mask)
{
	if (len == 3 && !strncmp(name, "all", 3)) {
		*mask |= LAB_FAULT_ALL;
		return 0;
	}
	for (int i = 0; i < LAB_FAULT_NR; i++) {
		if (strlen(site_names[i]) == len &&
		    !strncmp(name, site_names[i], len)) {
			*mask |= 1u << i;
			return 0;
		}
	}
	return -EINVAL;
}

int lab_fault_from_env(void)
{
	const char *v = getenv("IOVALAB_FAULT");
	const char *colon, *p;
	unsigned int mask = 0;
	uint64_t nth;

	if (!v || !*v)
		return 0;
	colon = strchr(v, ':');
	if (!colon || colon == v)
		return -EINVAL;
	for (p = v; p < colon;) {
		const char *comma = memchr(p, ',', colon - p);
		const char *end = comma ? comma : colon;

		if (end == p || site_bit(p, end - p, &mask))
			return -EINVAL;
		p = comma ? comma + 1 : colon;
		if (comma && p == colon)
			return -EINVAL;
	}
	if (lab_parse_u64(colon + 1, &nth) || nth == 0)
		return -EINVAL;
	lab_fault_arm(mask, nth);
	return 0;
}

static const char *setup_prog;

static void report_at_exit(void)
{
	if (lab_fault_fired())
		fprintf(stderr,
			"%s: IOVALAB_FAULT: fired at allocation %" PRIu64
			" of %" PRIu64 " counted\n",
			setup_prog, (uint64_t)atomic_load(&fault_fired_at),
			lab_fault_counted());
	else
		fprintf(stderr,
			"%s: IOVALAB_FAULT: not fired (%" PRIu64 " counted)\n",
			setup_prog, lab_fault_counted());
}

void lab_fault_setup(const char *prog)
{
	const char *v = getenv("IOVALAB_FAULT");

	if (lab_fault_from_env()) {
		fprintf(stderr,
			"%s: bad IOVALAB_FAULT '%s': want SITE[,SITE...]:N "
			"(SITE node, magazine, lock, thread, other or all; "
			"N >= 1)\n",
			prog, v);
		exit(2);
	}
	if (v && *v) {
		setup_prog = prog;
		atexit(report_at_exit);
	}
}

int lab_fault_pthread_create(pthread_t *th, const pthread_attr_t *attr,
			     void *(*fn)(void *), void *arg)
{
	if (lab_fault_fail(LAB_FAULT_THREAD))
		return EAGAIN;
	return pthread_create(th, attr, fn, arg);
}
