/* SPDX-License-Identifier: MIT */
/*
 * Think time: the one definition every driver uses.
 *
 * Think time is the work a thread does between two of its operations,
 * outside every lock, in nanoseconds of wall-clock time (not loop
 * iterations, whose cost varies with the CPU): the driver's own per-
 * request work that spaces a thread's calls into the allocator or lock.
 * 0 means back to back. It is spent busy (spinning on the clock with the
 * pause hint), not sleeping: a sleeping thread would hand its CPU to a
 * waiter and change what is measured. Granularity is one lab_now_ns()
 * read (tens of ns). It applies to closed loops; an open loop spaces
 * operations by its schedule instead.
 *
 * Critical-section length ("hold") is a different knob: lab_busy_ns()
 * (iovalab/clock.h) inside the lock.
 */
#ifndef IOVALAB_HARNESS_THINK_H
#define IOVALAB_HARNESS_THINK_H

#include <stdint.h>

#include "iovalab/clock.h"

/* Largest think time a tool accepts, ns (1 ms: beyond it, not a stress). */
#define LAB_THINK_MAX_NS 1000000u

/* Spend @ns ns of think time (lab_busy_ns); 0 returns at once. */
static inline void lab_think_ns(uint64_t ns)
{
	lab_busy_ns(ns);
}

#endif /* IOVALAB_HARNESS_THINK_H */
