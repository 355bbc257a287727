// SPDX-License-Identifier: MIT
/*
 * The timed warm-up / measure / stop controller (phase.h) and the sleeps
 * drivers wait with.
 */
#include <errno.h>
#include <time.h>

#include "iovalab/clock.h"
#include "iovalab/harness/phase.h"
#include "iovalab/outfile.h"

#define NS_PER_S 1000000000ull
/* The longest a phase wait sleeps before looking for a stop request. */
#define STOP_POLL_NS 100000000ull

void lab_sleep_until_ns(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / NS_PER_S),
			       .tv_nsec = (long)(t % NS_PER_S) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

bool lab_wait_until_ns(uint64_t t, struct lab_phaser *p)
{
	for (;;) {
		uint64_t now = lab_now_ns();

		if (now >= t)
			return true;
		if (p && lab_phaser_phase(p) == LAB_PHASE_STOP)
			return false;
		if (t - now > 300000) {
			uint64_t until = t - 200000;

			/* wake every 10 ms to notice STOP */
			if (until - now > 10000000)
				until = now + 10000000;
			lab_sleep_until_ns(until);
		} else {
			lab_cpu_relax();
		}
	}
}

bool lab_phase_wait(uint64_t start, double secs, const char *what,
		    const struct lab_phase_hooks *hooks)
{
	uint64_t end = start + (uint64_t)(secs * 1e9);
	uint64_t last = start;

	for (;;) {
		uint64_t now = lab_now_ns(), tick = last + NS_PER_S;
		uint64_t wake = tick < end ? tick : end;

		if (now >= end)
			return true;
		if (lab_stop_requested())
			return false;
		lab_sleep_until_ns(
			wake - now > STOP_POLL_NS ? now + STOP_POLL_NS : wake);
		now = lab_now_ns();
		if (now >= tick && now < end && hooks && hooks->tick)
			hooks->tick(hooks->arg, what,
				    (double)(now - start) / 1e9, secs,
				    (double)(now - last) / 1e9);
		if (now >= tick)
			last = now;
	}
}

void lab_phaser_init(struct lab_phaser *p, unsigned int workers)
{
	atomic_init(&p->phase, LAB_PHASE_WARMUP);
	lab_barrier_init(&p->ready, workers + 1);
	p->t_release = p->t_measure = p->t_stop = 0;
}

void lab_phaser_destroy(struct lab_phaser *p)
{
	lab_barrier_destroy(&p->ready);
}

void lab_phaser_set_workers(struct lab_phaser *p, unsigned int workers)
{
	atomic_store_explicit(&p->phase, LAB_PHASE_STOP, memory_order_release);
	lab_barrier_set_parties(&p->ready, workers + 1);
}

void lab_phaser_arrive(struct lab_phaser *p)
{
	lab_barrier_wait(&p->ready);
}

void lab_phaser_release(struct lab_phaser *p)
{
	lab_barrier_wait(&p->ready);
	p->t_release = lab_now_ns();
}

void lab_phaser_measure(struct lab_phaser *p)
{
	p->t_measure = lab_now_ns();
	atomic_store_explicit(&p->phase, LAB_PHASE_MEASURE,
			      memory_order_release);
}

void lab_phaser_stop(struct lab_phaser *p)
{
	atomic_store_explicit(&p->phase, LAB_PHASE_STOP, memory_order_release);
	p->t_stop = lab_now_ns();
}

int lab_phaser_run(struct lab_phaser *p, double warmup_s, double measure_s,
		   const struct lab_phase_hooks *hooks)
{
	bool full = true;

	lab_phaser_release(p);
	if (hooks && hooks->released && !hooks->released(hooks->arg)) {
		lab_phaser_stop(p);
		return -ECANCELED;
	}
	if (warmup_s > 0)
		full = lab_phase_wait(p->t_release, warmup_s, "warmup", hooks);
	if (hooks && hooks->measure_begin)
		hooks->measure_begin(hooks->arg);
	lab_phaser_measure(p);
	if (full)
		full = lab_phase_wait(p->t_measure, measure_s, "measure",
				      hooks);
	lab_phaser_stop(p);
	if (hooks && hooks->measure_end)
		hooks->measure_end(hooks->arg);
	return full ? 0 : -EINTR;
}
