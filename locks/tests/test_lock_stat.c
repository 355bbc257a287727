// SPDX-License-Identifier: MIT
/*
 * Statistics: the fairness math, the interface's error paths and info
 * flags, MCS node bookkeeping across out-of-order releases, and exact
 * counts from deterministic single- and two-thread sequences, printed as
 * a table and as JSON.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/json.h"
#include "iovalab/lock_stat.h"
#include "iovalab/locks/spin_mcs.h"
#include "test_common.h"

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void test_fairness(void)
{
	struct lab_fairness f;
	const uint64_t even[] = { 10, 10, 10, 10 };
	const uint64_t ramp[] = { 1, 2, 3, 4 };
	const uint64_t one[] = { 7, 0, 0, 0 };
	const uint64_t zero[] = { 0, 0 };

	lab_fairness_compute(even, 4, &f);
	CHECK(f.n == 4 && f.min == 10 && f.max == 10);
	CHECK(near(f.jain, 1.0) && near(f.max_over_min, 1.0));
	lab_fairness_compute(ramp, 4, &f);
	/* (1+2+3+4)^2 / (4 * (1+4+9+16)) = 100 / 120 */
	CHECK(near(f.jain, 100.0 / 120.0));
	CHECK(near(f.max_over_min, 4.0));
	lab_fairness_compute(one, 4, &f);
	CHECK(near(f.jain, 0.25)); /* one winner of n: 1/n */
	CHECK(isinf(f.max_over_min));
	lab_fairness_compute(zero, 2, &f);
	CHECK(near(f.jain, 1.0) && f.max == 0);
	lab_fairness_compute(NULL, 0, &f);
	CHECK(f.n == 0 && near(f.jain, 1.0));
}

static void test_create_errors(void)
{
	struct lab_lock_attr bad = { .spin = (enum lab_spin_policy)7 };
	struct lab_lock_attr rcu_rcu = { .rcu_writer = "rcu" };
	struct lab_lock_attr rcu_nope = { .rcu_writer = "nope" };
	struct lab_lock_attr rcu_tk = { .rcu_writer = "ticket" };
	enum lab_spin_policy p;
	struct lab_lock *l;

	errno = 0;
	CHECK(lab_lock_create("no-such-lock", NULL) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(lab_lock_create(NULL, NULL) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(lab_lock_create("ticket", &bad) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(lab_lock_create("rcu", &rcu_rcu) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(lab_lock_create("rcu", &rcu_nope) == NULL && errno == EINVAL);
	l = lab_lock_create("rcu", &rcu_tk);
	CHECK(l != NULL);
	lab_lock_destroy(l);
	CHECK(lab_spin_policy_parse("pure", &p) == 0 && p == LAB_SPIN_PURE);
	CHECK(lab_spin_policy_parse("yield", &p) == 0 && p == LAB_SPIN_YIELD);
	CHECK(lab_spin_policy_parse("Yield", &p) == -EINVAL);
	CHECK(lab_spin_policy_parse("", &p) == -EINVAL);
	CHECK(lab_lock_info_find("ticket")->fifo);
	CHECK(lab_lock_info_find("ck-clh")->fifo &&
	      lab_lock_info_find("ck-clh")->ck);
	CHECK(!lab_lock_info_find("tas")->fifo);
	CHECK(lab_lock_info_find("rcu")->lockless_readers);
	CHECK(lab_lock_info_find("bogus") == NULL);
	for (size_t i = 0; lab_lock_names[i]; i++) {
		l = lab_lock_create(lab_lock_names[i], NULL);
		CHECK(l && !strcmp(lab_lock_name(l), lab_lock_names[i]));
		CHECK(l && !strcmp(lab_lock_label(l), lab_lock_names[i]));
		lab_lock_destroy(l);
	}
}

static void test_mcs_nodes(void)
{
	struct spin_mcs a, b, c;

	spin_mcs_init(&a, LAB_SPIN_YIELD);
	spin_mcs_init(&b, LAB_SPIN_YIELD);
	spin_mcs_init(&c, LAB_SPIN_YIELD);
	spin_mcs_lock(&a);
	spin_mcs_lock(&b);
	CHECK(spin_mcs_trylock(&c));
	CHECK(!spin_mcs_trylock(&a)); /* a failed try returns its node */
	CHECK(__builtin_popcount(spin_mcs_pool.used) == 3);
	spin_mcs_unlock(&a); /* not LIFO */
	spin_mcs_unlock(&c);
	spin_mcs_unlock(&b);
	CHECK(spin_mcs_pool.used == 0);
}

static struct lab_lock *shared;
static atomic_uint step;

static void *other(void *arg)
{
	lab_lock_thread_online();
	/* Phase 1: main holds the lock; two failing trylocks. */
	CHECK(wait_for(&step, 1));
	CHECK(!lab_trylock(shared));
	CHECK(!lab_trylock(shared));
	atomic_store(&step, 2);
	/* Phase 2: five acquisitions after main's. */
	CHECK(wait_for(&step, 3));
	for (int i = 0; i < 5; i++) {
		lab_lock(shared);
		lab_unlock(shared);
	}
	atomic_store(&step, 4);
	lab_lock_thread_offline();
	return NULL;
}

static void test_counts(const char *name)
{
	struct lab_lock_attr attr = { .spin = LAB_SPIN_YIELD, .label = "unit" };
	struct lab_lock_stats *s = malloc(sizeof(*s));
	char *buf = NULL;
	size_t len = 0;
	struct lab_json j;
	pthread_t th;
	FILE *f;

	shared = lab_lock_create(name, &attr);
	CHECK(shared != NULL);
	/* Off: nothing recorded. */
	lab_lock(shared);
	lab_unlock(shared);
	lab_lock_stats_read(shared, s);
	CHECK(s->acquisitions == 0 && s->nthreads == 0);
	CHECK(lab_lock_stats_enable(shared, true) == 0);
	CHECK(lab_lock_stats_enabled(shared));

	atomic_store(&step, 0);
	CHECK(pthread_create(&th, NULL, other, NULL) == 0);
	for (int i = 0; i < 10; i++) {
		lab_lock(shared);
		lab_unlock(shared);
	}
	CHECK(lab_trylock(shared)); /* 11th; held through phase 1 */
	atomic_store(&step, 1);
	CHECK(wait_for(&step, 2));
	lab_unlock(shared);
	lab_read_lock(shared);
	lab_read_unlock(shared);
	atomic_store(&step, 3);
	CHECK(wait_for(&step, 4));
	lab_lock(shared); /* handoff back from the other thread */
	lab_unlock(shared);
	pthread_join(th, NULL);

	lab_lock_stats_read(shared, s);
	CHECK(s->acquisitions == 17);
	CHECK(s->read_acquisitions == 1);
	CHECK(s->trylock_fail == 2);
	CHECK(s->contended == 0); /* every lock() found it free */
	CHECK(s->handoffs == 2); /* main -> other -> main */
	CHECK(s->hold.count == 17);
	CHECK(s->wait.count == 17 - 1 + 1); /* trylock records no wait */
	CHECK(s->read_hold.count == 1);
	CHECK(s->nthreads == 2);
	/* main: 10 + trylock + read + 1 = 13, other: 5 */
	CHECK(s->fairness.min == 5 && s->fairness.max == 13);
	CHECK(near(s->fairness.jain, 324.0 / (2.0 * (169.0 + 25.0))));
	CHECK(!strcmp(s->label, "unit") && !strcmp(s->name, name));
	CHECK(s->hold.min <= s->hold.max);

	/* Printed and JSON forms carry the same figures. */
	f = open_memstream(&buf, &len);
	CHECK(lab_lock_stats_print(shared, f, true) == 0);
	lab_json_init(&j, f);
	lab_json_object_begin(&j, NULL);
	CHECK(lab_lock_stats_json(shared, &j, "lock") == 0);
	lab_json_object_end(&j);
	CHECK(lab_json_finish(&j) == 0);
	fclose(f);
	CHECK(strstr(buf, "acquisitions") != NULL);
	CHECK(strstr(buf, "\"acquisitions\": 17") != NULL);
	CHECK(strstr(buf, "\"trylock_fail\": 2") != NULL);
	CHECK(strstr(buf, "\"handoffs\": 2") != NULL);
	CHECK(strstr(buf, "\"jain\": ") != NULL);
	free(buf);

	/* Off keeps the figures; reset zeroes them. */
	CHECK(lab_lock_stats_enable(shared, false) == 0);
	lab_lock(shared);
	lab_unlock(shared);
	lab_lock_stats_read(shared, s);
	CHECK(s->acquisitions == 17);
	lab_lock_stats_reset(shared);
	lab_lock_stats_read(shared, s);
	CHECK(s->acquisitions == 0 && s->hold.count == 0 &&
	      s->thread_acq[0] == 0);
	lab_lock_destroy(shared);
	free(s);
}

int main(void)
{
	lab_lock_thread_online();
	test_fairness();
	test_create_errors();
	test_mcs_nodes();
	for (size_t i = 0; lab_lock_names[i]; i++)
		if (strcmp(lab_lock_names[i], "rcu"))
			test_counts(lab_lock_names[i]);
	test_counts("rcu");
	lab_lock_thread_offline();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
