// SPDX-License-Identifier: MIT
/*
 * The queued spinlock's state transitions, from one thread, exactly. The
 * lock's slow-path wait hook lets this thread play the other threads'
 * parts (the owner releasing, the pending waiter taking over, a successor
 * linking in) at known points, so every word value on the way is checked:
 * uncontended, pending, pending handover, queued alone, queued behind a
 * predecessor, queue head handing over to a successor, and a nested slow
 * path using the second node index. No timing, no second thread.
 */
#include <stdint.h>
#include <string.h>

#include "iovalab/lock.h"
#include "iovalab/locks/spin_qspin.h"
#include "test_common.h"

#define L SPIN_QSPIN_LOCKED
#define P SPIN_QSPIN_PENDING
/* Lab thread ids no thread of this program uses: fake other waiters. */
#define FAKE_PRED 200
#define FAKE_SUCC 201

static struct spin_qspin a, b;
static unsigned int calls[SPIN_QSPIN_WAIT_LINK + 1];
static int step;
static uint32_t me, me1; /* our tails at nesting index 0 and 1 */

static unsigned int val(struct spin_qspin *l)
{
	return spin_qspin_val(l);
}

static void set(struct spin_qspin *l, unsigned int v)
{
	atomic_store(&l->val, v);
}

static struct spin_qspin_node *mynode(unsigned int idx)
{
	return &spin_qspin_nodes[spin_qspin_tid()][idx];
}

static void reset(void (*hook)(struct spin_qspin *, enum spin_qspin_wait))
{
	memset(calls, 0, sizeof(calls));
	step = 0;
	spin_qspin_wait_hook = hook;
}

/* Another thread holds the lock; we become pending; it releases. */
static void hook_pending(struct spin_qspin *l, enum spin_qspin_wait w)
{
	calls[w]++;
	CHECK(l == &a && w == SPIN_QSPIN_WAIT_PENDING);
	CHECK(val(&a) == (L | P));
	spin_qspin_unlock(&a); /* the owner leaves */
	CHECK(val(&a) == P);
}

/* We find pending alone: the pending waiter takes over, then leaves. */
static void hook_handover(struct spin_qspin *l, enum spin_qspin_wait w)
{
	calls[w]++;
	if (w == SPIN_QSPIN_WAIT_HANDOVER) {
		CHECK(val(&a) == P);
		set(&a, L); /* pending -> locked, as the waiter does */
	} else {
		CHECK(w == SPIN_QSPIN_WAIT_PENDING);
		CHECK(val(&a) == (L | P));
		spin_qspin_unlock(&a);
	}
}

/*
 * Owner and pending waiter present: we queue alone and wait as head.
 * Step 0: check the word, run a nested queued acquisition of lock b
 * (node index 1), then the owner leaves and the pending waiter takes
 * over; step 1: that one leaves.
 */
static void hook_queued(struct spin_qspin *l, enum spin_qspin_wait w)
{
	calls[w]++;
	if (l == &b) {
		/* nested: queued on b with index 1 */
		CHECK(w == SPIN_QSPIN_WAIT_HEAD);
		CHECK(val(&b) == (L | P | me1));
		CHECK(spin_qspin_nesting == 2);
		set(&b, me1); /* b's owner and pending waiter come and go */
		return;
	}
	CHECK(w == SPIN_QSPIN_WAIT_HEAD);
	if (step++ == 0) {
		CHECK(val(&a) == (L | P | me));
		CHECK(!spin_qspin_trylock(&a) && val(&a) == (L | P | me));
		set(&b, L | P);
		spin_qspin_lock(&b);
		CHECK(val(&b) == L);
		spin_qspin_unlock(&b);
		CHECK(val(&b) == 0 && spin_qspin_nesting == 1);
		spin_qspin_unlock(&a); /* owner leaves: P | me */
		CHECK(val(&a) == (P | me));
		atomic_fetch_add(&a.val, L - P); /* pending takes it */
		CHECK(val(&a) == (L | me));
	} else {
		spin_qspin_unlock(&a); /* former pending waiter leaves */
		CHECK(val(&a) == me);
	}
}

/* A predecessor is queued: we link behind it and wait on our node. */
static void hook_behind(struct spin_qspin *l, enum spin_qspin_wait w)
{
	struct spin_qspin_node *pred = &spin_qspin_nodes[FAKE_PRED][0];

	calls[w]++;
	if (w == SPIN_QSPIN_WAIT_NODE) {
		CHECK(atomic_load(&pred->next) == mynode(0));
		CHECK(val(&a) == (L | me));
		/* predecessor became owner (it was last but one) */
		CHECK(!atomic_load(&mynode(0)->locked));
		atomic_store(&mynode(0)->locked, true);
	} else {
		CHECK(w == SPIN_QSPIN_WAIT_HEAD);
		CHECK(val(&a) == (L | me));
		spin_qspin_unlock(&a);
	}
}

/*
 * We are head; a successor swaps the tail before we take the lock, and
 * links its node only once we wait for it.
 */
static void hook_succ(struct spin_qspin *l, enum spin_qspin_wait w)
{
	struct spin_qspin_node *succ = &spin_qspin_nodes[FAKE_SUCC][0];
	uint32_t st = spin_qspin_encode_tail(FAKE_SUCC, 0);

	calls[w]++;
	if (w == SPIN_QSPIN_WAIT_HEAD) {
		CHECK(val(&a) == (L | P | me));
		/* a successor swaps the tail; owner and pending leave */
		set(&a, st);
	} else {
		CHECK(w == SPIN_QSPIN_WAIT_LINK);
		CHECK(val(&a) == (L | st)); /* tail kept for the successor */
		CHECK(!atomic_load(&succ->locked));
		atomic_store(&mynode(0)->next, succ);
	}
}

int main(void)
{
	struct spin_qspin_node *pred = &spin_qspin_nodes[FAKE_PRED][0];
	struct spin_qspin_node *succ = &spin_qspin_nodes[FAKE_SUCC][0];

	lab_lock_thread_online();
	CHECK(spin_qspin_tid() >= 0 && spin_qspin_tid() < FAKE_PRED);
	me = spin_qspin_encode_tail(spin_qspin_tid(), 0);
	me1 = spin_qspin_encode_tail(spin_qspin_tid(), 1);
	CHECK(spin_qspin_decode_tail(me) == mynode(0));
	CHECK(spin_qspin_decode_tail(me1) == mynode(1));
	spin_qspin_init(&a, LAB_SPIN_PURE);
	spin_qspin_init(&b, LAB_SPIN_PURE);

	/* uncontended: 0 -> locked -> 0, trylock fails without a trace */
	CHECK(val(&a) == 0);
	spin_qspin_lock(&a);
	CHECK(val(&a) == L);
	CHECK(!spin_qspin_trylock(&a) && val(&a) == L);
	spin_qspin_unlock(&a);
	CHECK(val(&a) == 0);
	CHECK(spin_qspin_trylock(&a) && val(&a) == L);
	spin_qspin_unlock(&a);

	/* pending: one wait, no node used */
	set(&a, L);
	reset(hook_pending);
	spin_qspin_lock(&a);
	CHECK(val(&a) == L && calls[SPIN_QSPIN_WAIT_PENDING] == 1);
	CHECK(spin_qspin_nesting == 0);
	spin_qspin_unlock(&a);

	/* pending alone: wait for the handover, then become pending */
	set(&a, P);
	reset(hook_handover);
	spin_qspin_lock(&a);
	CHECK(val(&a) == L && calls[SPIN_QSPIN_WAIT_HANDOVER] == 1 &&
	      calls[SPIN_QSPIN_WAIT_PENDING] == 1);
	spin_qspin_unlock(&a);

	/* queued alone, as head; tail cleared on taking the lock */
	set(&a, L | P);
	reset(hook_queued);
	spin_qspin_lock(&a);
	CHECK(val(&a) == L && calls[SPIN_QSPIN_WAIT_HEAD] == 3);
	CHECK(calls[SPIN_QSPIN_WAIT_NODE] == 0 && spin_qspin_nesting == 0);
	spin_qspin_unlock(&a);
	CHECK(val(&a) == 0);

	/* queued behind a predecessor */
	atomic_store(&pred->next, NULL);
	set(&a, L | spin_qspin_encode_tail(FAKE_PRED, 0));
	reset(hook_behind);
	spin_qspin_lock(&a);
	CHECK(val(&a) == L && calls[SPIN_QSPIN_WAIT_NODE] == 1 &&
	      calls[SPIN_QSPIN_WAIT_HEAD] == 1);
	spin_qspin_unlock(&a);

	/* head hands the queue to a successor that links late */
	atomic_store(&succ->locked, false);
	set(&a, L | P);
	reset(hook_succ);
	spin_qspin_lock(&a);
	CHECK(calls[SPIN_QSPIN_WAIT_HEAD] == 1 &&
	      calls[SPIN_QSPIN_WAIT_LINK] == 1);
	CHECK(val(&a) == (L | spin_qspin_encode_tail(FAKE_SUCC, 0)));
	CHECK(atomic_load(&succ->locked)); /* successor is now head */
	CHECK(spin_qspin_nesting == 0);
	spin_qspin_wait_hook = NULL;
	spin_qspin_unlock(&a);
	set(&a, 0);

	lab_lock_thread_offline();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
