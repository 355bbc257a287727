// SPDX-License-Identifier: MIT
/*
 * Run budget and stall watchdog (iovalab/watchdog.h). The helper wakes
 * every 100 ms on a CLOCK_MONOTONIC condition variable, so stopping it is
 * prompt and a wall-clock jump cannot fire it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "iovalab/clock.h"
#include "iovalab/watchdog.h"

#define TICK_NS 100000000ull

static void *watch(void *arg)
{
	struct lab_watchdog *w = arg;
	uint64_t last = w->progress(w->arg), moved = lab_now_ns();

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		uint64_t t = lab_now_ns() + TICK_NS, now, p;
		struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull),
				       .tv_nsec = (long)(t % 1000000000ull) };

		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		if (w->stop)
			break;
		now = lab_now_ns();
		if (now - w->start_ns >= w->budget_ns &&
		    !atomic_exchange(&w->over, true))
			fprintf(stderr,
				"%s: run budget of %.3g s reached: stopping "
				"early (a loaded machine?)\n",
				w->who, (double)w->budget_ns / 1e9);
		p = w->progress(w->arg);
		if (p != last) {
			last = p;
			moved = now;
		} else if (now - moved >= w->stall_ns) {
			fprintf(stderr,
				"%s: stalled: no progress for %.3g s (count "
				"%" PRIu64 "); a descheduled lock holder or "
				"queue successor never came back\n",
				w->who, (double)(now - moved) / 1e9, p);
			fflush(stderr);
			_exit(LAB_WATCHDOG_STALL_EXIT);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int lab_watchdog_start(struct lab_watchdog *w, const char *who, double budget_s,
		       double stall_s, uint64_t (*progress)(void *arg),
		       void *arg)
{
	pthread_condattr_t ca;
	int ret;

	w->who = who;
	w->start_ns = lab_now_ns();
	w->budget_ns = (uint64_t)(budget_s * 1e9);
	w->stall_ns = (uint64_t)(stall_s * 1e9);
	w->progress = progress;
	w->arg = arg;
	w->stop = false;
	atomic_init(&w->over, false);
	ret = pthread_condattr_init(&ca);
	if (!ret)
		ret = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (ret)
		return -ret;
	pthread_mutex_init(&w->mu, NULL);
	ret = pthread_create(&w->th, NULL, watch, w);
	if (ret) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return -ret;
	}
	return 0;
}

void lab_watchdog_stop(struct lab_watchdog *w)
{
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}
