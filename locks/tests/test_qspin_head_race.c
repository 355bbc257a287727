// SPDX-License-Identifier: MIT
/*
 * The queue head's last-in-queue compare-and-swap against a transient
 * pending bit. A waiter whose fetch_or of pending finds a tail undoes the
 * bit and queues; when it has no queue node (no lab id, or nodes used
 * up) it spins on trylock instead and never links behind the head. If
 * the head's CAS fails because of that short-lived bit and the head then
 * sets locked and waits for a successor's link, both wait for ever.
 *
 * Here the main thread is the head (alone in the queue, the wait hook
 * playing the owner and the pending waiter leaving); a second thread
 * does exactly what such a node-less waiter does to the word, set pending
 * and undo it, until the head has the lock (at most TOGGLES times a round). The head must take the lock without ever
 * waiting for a link: a WAIT_LINK call is the bug (the hook then links a
 * fake successor so the test ends instead of hanging). Bounded by
 * ROUNDS acquisitions; whether a given round hits the window is timing,
 * but the assertion (no link wait, word exactly locked) holds in every
 * round.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "iovalab/lock.h"
#include "iovalab/locks/spin_qspin.h"
#include "test_common.h"

#define L SPIN_QSPIN_LOCKED
#define P SPIN_QSPIN_PENDING
#define ROUNDS 2000
#define TOGGLES 4096 /* node-less waiters per round, at most */
#define FAKE_SUCC 201

static struct spin_qspin a;
/* odd: toggle; even: stop and acknowledge with the same value */
static atomic_int go, ack, quit;
static atomic_int started; /* go value the toggler began toggling for */
static int step;
static unsigned long link_waits, head_waits;

static void *toggler(void *arg)
{
	int done = 0, last = 0;
	unsigned int old;

	(void)arg;
	while (!atomic_load(&quit)) {
		int g = atomic_load(&go);

		if (!(g & 1)) {
			atomic_store(&ack, g);
			continue;
		}
		if (g != last) {
			last = g;
			done = 0;
		}
		/* each waiter comes once: a round ends, not a livelock */
		if (done++ >= TOGGLES)
			continue;
		/* the node-less waiter's slow path: set, see a tail, undo */
		old = atomic_fetch_or(&a.val, P);
		if (!(old & P))
			atomic_fetch_and(&a.val, ~P);
		atomic_store(&started, g);
		if (!(old & SPIN_QSPIN_TAIL_MASK))
			done = TOGGLES; /* the head is gone: the round is over */
	}
	return NULL;
}

static void hook(struct spin_qspin *l, enum spin_qspin_wait w)
{
	struct spin_qspin_node *me =
		&spin_qspin_nodes[spin_qspin_tid()][spin_qspin_nesting - 1];

	(void)l;
	if (w == SPIN_QSPIN_WAIT_HEAD) {
		head_waits++;
		/* first wait: the owner and the real pending waiter leave */
		if (step++ == 0) {
			/* overlap the head's wait with the toggling */
			while (atomic_load(&started) != atomic_load(&go))
				;
			atomic_fetch_and(&a.val, ~(L | P));
		}
		return;
	}
	CHECK(w != SPIN_QSPIN_WAIT_LINK);
	if (w == SPIN_QSPIN_WAIT_LINK) {
		/* nobody is behind us: link a fake one so the test ends */
		link_waits++;
		atomic_store(&me->next, &spin_qspin_nodes[FAKE_SUCC][0]);
	}
}

int main(void)
{
	pthread_t t;
	unsigned long bad_words = 0;

	lab_lock_thread_online();
	CHECK(spin_qspin_tid() >= 0 && spin_qspin_tid() < FAKE_SUCC);
	spin_qspin_init(&a, LAB_SPIN_PURE);
	spin_qspin_wait_hook = hook;
	CHECK(pthread_create(&t, NULL, toggler, NULL) == 0);

	for (int i = 0; i < ROUNDS && !link_waits; i++) {
		/* an owner and a pending waiter: we queue, alone, as head */
		atomic_store(&a.val, L | P);
		step = 0;
		atomic_store(&go, 2 * i + 1);
		spin_qspin_lock(&a);
		atomic_store(&go, 2 * i + 2);
		while (atomic_load(&ack) != 2 * i + 2)
			;
		if (spin_qspin_val(&a) != L)
			bad_words++;
		atomic_store(&a.val, 0);
		atomic_store(&spin_qspin_nodes[FAKE_SUCC][0].locked, false);
	}
	atomic_store(&quit, 1);
	pthread_join(t, NULL);
	spin_qspin_wait_hook = NULL;
	CHECK(link_waits == 0);
	CHECK(bad_words == 0);
	CHECK(spin_qspin_nesting == 0);
	printf("head waits %lu, link waits %lu, bad words %lu\n", head_waits,
	       link_waits, bad_words);
	lab_lock_thread_offline();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
