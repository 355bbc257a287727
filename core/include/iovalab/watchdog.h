/* SPDX-License-Identifier: MIT */
/*
 * A run budget and a stall watchdog, for concurrency tests that must hold
 * on a loaded machine. The run's threads poll lab_watchdog_over() and
 * stop early once the budget has passed (everything they did is still
 * checked); a helper thread watches a progress counter and, when it has
 * not moved for the stall window (a descheduled lock holder or FIFO
 * successor that never comes back), prints one line saying so and exits
 * the process with status 3 instead of leaving CTest to kill a silent
 * hang. The CTest timeout of such a test follows from the two numbers
 * (cmake/testing.cmake).
 */
#ifndef IOVALAB_WATCHDOG_H
#define IOVALAB_WATCHDOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Exit status of a process the watchdog ended. */
#define LAB_WATCHDOG_STALL_EXIT 3

struct lab_watchdog {
	const char *who; /* message prefix: the program's name */
	uint64_t start_ns, budget_ns, stall_ns;
	uint64_t (*progress)(void *arg); /* any counter that only grows */
	void *arg;
	atomic_bool over; /* the budget has passed */
	bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
};

/*
 * Start watching: @budget_s of run time, @stall_s without @progress
 * changing. Returns 0, or a negative errno (thread or condition variable
 * creation failed; nothing to stop then).
 */
int lab_watchdog_start(struct lab_watchdog *w, const char *who, double budget_s,
		       double stall_s, uint64_t (*progress)(void *arg),
		       void *arg);

/* True once the budget has passed: stop and wind down. */
static inline bool lab_watchdog_over(struct lab_watchdog *w)
{
	return atomic_load_explicit(&w->over, memory_order_relaxed);
}

/* Stop watching (promptly) and join the helper thread. */
void lab_watchdog_stop(struct lab_watchdog *w);

#endif /* IOVALAB_WATCHDOG_H */
