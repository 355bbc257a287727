// SPDX-License-Identifier: MIT
/*
 * Unit test of the intrusive rbtree: random insert/erase sequences, checked
 * after every operation against the red-black rules, parent pointers, key
 * order, the in-order iterators, and an augmented subtree-max field
 * recomputed from scratch. Runs the same sequences through the plain
 * (rb_insert_color/rb_erase) and the augmented entry points.
 *
 * Usage: test_rbtree [seed]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/prng.h"
#include "iovalab/rbtree_augmented.h"

struct tnode {
	struct rb_node rb;
	uint64_t key;
	uint64_t val;
	uint64_t subtree_max; /* max val in the subtree */
	int in_tree;
};

static long failures;

#define FAIL(...)                             \
	do {                                  \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr);          \
		if (++failures > 20)          \
			exit(1);              \
	} while (0)

static bool tnode_compute(struct tnode *n, bool exit)
{
	uint64_t m = n->val;
	struct tnode *c;

	if (n->rb.rb_left) {
		c = rb_entry(n->rb.rb_left, struct tnode, rb);
		if (c->subtree_max > m)
			m = c->subtree_max;
	}
	if (n->rb.rb_right) {
		c = rb_entry(n->rb.rb_right, struct tnode, rb);
		if (c->subtree_max > m)
			m = c->subtree_max;
	}
	if (exit && n->subtree_max == m)
		return true;
	n->subtree_max = m;
	return false;
}

RB_DECLARE_CALLBACKS(static, tnode_cb, struct tnode, rb, subtree_max,
		     tnode_compute);

/* Returns black height; checks rules 2-4, parents, order, augmentation. */
static int check_subtree(const struct rb_node *rb, const struct rb_node *parent,
			 const uint64_t *lo, const uint64_t *hi, bool augmented,
			 size_t *count, uint64_t *max_out)
{
	const struct tnode *n;
	int bl, br;
	uint64_t ml = 0, mr = 0, m;

	*max_out = 0;
	if (!rb)
		return 1;
	n = rb_entry(rb, struct tnode, rb);
	(*count)++;
	if (rb_parent(rb) != parent)
		FAIL("key %llu: wrong parent pointer",
		     (unsigned long long)n->key);
	if (lo && n->key <= *lo)
		FAIL("key %llu: order violated (<= %llu)",
		     (unsigned long long)n->key, (unsigned long long)*lo);
	if (hi && n->key >= *hi)
		FAIL("key %llu: order violated (>= %llu)",
		     (unsigned long long)n->key, (unsigned long long)*hi);
	if (rb_is_red(rb) && parent && rb_is_red(parent))
		FAIL("key %llu: red node with red parent",
		     (unsigned long long)n->key);
	bl = check_subtree(rb->rb_left, rb, lo, &n->key, augmented, count, &ml);
	br = check_subtree(rb->rb_right, rb, &n->key, hi, augmented, count,
			   &mr);
	if (bl != br)
		FAIL("key %llu: black heights %d != %d",
		     (unsigned long long)n->key, bl, br);
	m = n->val;
	if (ml > m)
		m = ml;
	if (mr > m)
		m = mr;
	if (augmented && n->subtree_max != m)
		FAIL("key %llu: subtree_max %llu, recomputed %llu",
		     (unsigned long long)n->key,
		     (unsigned long long)n->subtree_max, (unsigned long long)m);
	*max_out = m;
	return bl + rb_is_black(rb);
}

static void check_tree(const struct rb_root *root, bool augmented,
		       size_t expect)
{
	size_t count = 0, walked = 0;
	uint64_t m, prev_key = 0;
	const struct rb_node *rb, *last = NULL;

	if (root->rb_node && rb_is_red(root->rb_node))
		FAIL("root is red");
	check_subtree(root->rb_node, NULL, NULL, NULL, augmented, &count, &m);
	if (count != expect)
		FAIL("tree holds %zu nodes, expected %zu", count, expect);
	for (rb = rb_first(root); rb; rb = rb_next(rb)) {
		const struct tnode *n = rb_entry(rb, struct tnode, rb);

		if (walked && n->key <= prev_key)
			FAIL("rb_next out of order");
		if (rb_prev(rb) != last)
			FAIL("rb_prev is not the inverse of rb_next");
		prev_key = n->key;
		last = rb;
		walked++;
	}
	if (walked != expect)
		FAIL("rb_next walk saw %zu nodes, expected %zu", walked,
		     expect);
	if (rb_last(root) != last)
		FAIL("rb_last is not the end of the rb_next walk");
}

static void insert(struct rb_root *root, struct tnode *n, bool augmented)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		struct tnode *t = rb_entry(*link, struct tnode, rb);

		parent = *link;
		/* Kernel-style: the caller keeps maxima right on the way
		 * down, so they hold before rebalancing. */
		if (augmented && t->subtree_max < n->val)
			t->subtree_max = n->val;
		link = n->key < t->key ? &parent->rb_left : &parent->rb_right;
	}
	n->subtree_max = n->val;
	rb_link_node(&n->rb, parent, link);
	if (augmented)
		rb_insert_augmented(&n->rb, root, &tnode_cb);
	else
		rb_insert_color(&n->rb, root);
	n->in_tree = 1;
}

static void run(uint64_t seed, bool augmented, size_t nkeys, size_t ops,
		bool check_every_op)
{
	struct lab_prng r;
	struct rb_root root = RB_ROOT;
	struct tnode *nodes = calloc(nkeys, sizeof(*nodes));
	size_t live = 0;

	if (!nodes) {
		perror("calloc");
		exit(1);
	}
	lab_prng_seed(&r, seed);
	/* distinct keys: a random permutation-ish spread */
	for (size_t i = 0; i < nkeys; i++) {
		nodes[i].key = i * 7919 % nkeys * 16 + 3;
		rb_clear_node(&nodes[i].rb);
	}
	for (size_t op = 0; op < ops; op++) {
		struct tnode *n = &nodes[lab_prng_below(&r, nkeys)];

		if (!n->in_tree) {
			n->val = lab_prng_below(&r, 1000000);
			insert(&root, n, augmented);
			live++;
		} else if (augmented && lab_prng_below(&r, 4) == 0) {
			/* change a node's own value in place, then propagate */
			n->val = lab_prng_below(&r, 1000000);
			tnode_cb.propagate(&n->rb, NULL);
		} else {
			if (augmented)
				rb_erase_augmented(&n->rb, &root, &tnode_cb);
			else
				rb_erase(&n->rb, &root);
			rb_clear_node(&n->rb);
			if (rb_next(&n->rb) || rb_prev(&n->rb))
				FAIL("cleared node has neighbours");
			n->in_tree = 0;
			live--;
		}
		if (check_every_op || op + 1 == ops)
			check_tree(&root, augmented, live);
		if (failures) {
			fprintf(stderr,
				"seed %llu augmented %d: failed at op %zu\n",
				(unsigned long long)seed, augmented, op);
			exit(1);
		}
	}
	/* drain in random order */
	while (live) {
		struct tnode *n = &nodes[lab_prng_below(&r, nkeys)];

		if (!n->in_tree)
			continue;
		if (augmented)
			rb_erase_augmented(&n->rb, &root, &tnode_cb);
		else
			rb_erase(&n->rb, &root);
		n->in_tree = 0;
		live--;
		if (check_every_op || !live)
			check_tree(&root, augmented, live);
	}
	if (root.rb_node)
		FAIL("tree not empty after draining");
	free(nodes);
}

/* Sequential keys are the classic worst case for rebalancing. */
static void run_sequential(bool augmented, size_t n)
{
	struct rb_root root = RB_ROOT;
	struct tnode *nodes = calloc(n, sizeof(*nodes));
	int height = 0;

	if (!nodes)
		exit(1);
	for (size_t i = 0; i < n; i++) {
		nodes[i].key = i;
		nodes[i].val = i % 97;
		insert(&root, &nodes[i], augmented);
	}
	check_tree(&root, augmented, n);
	for (struct rb_node *rb = rb_first(&root); rb; rb = rb_next(rb)) {
		int d = 0;

		for (struct rb_node *p = rb; p; p = rb_parent(p))
			d++;
		if (d > height)
			height = d;
	}
	/* height <= 2 log2(n + 1) */
	if ((double)height > 2.0 * __builtin_log2((double)n + 1))
		FAIL("height %d too large for %zu nodes", height, n);
	for (size_t i = 0; i < n; i += 2) {
		if (augmented)
			rb_erase_augmented(&nodes[i].rb, &root, &tnode_cb);
		else
			rb_erase(&nodes[i].rb, &root);
	}
	check_tree(&root, augmented, n / 2);
	free(nodes);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;

#ifdef IOVALAB_CHECK
	/* sanitizer and -O0 builds: same coverage, fewer operations */
	const size_t ops = 6000, big = 20000;
#else
	const size_t ops = 20000, big = 100000;
#endif

	for (uint64_t s = seed; s < seed + 6; s++) {
		/* small key space: many collisions between insert/erase */
		run(s, s & 1, 64, ops, true);
		run(s, !(s & 1), 1000, ops, true);
	}
	run(seed, true, big, 4 * big, false);
	run_sequential(false, 4096);
	run_sequential(true, 4096);
	if (failures) {
		fprintf(stderr, "test_rbtree: %ld failures\n", failures);
		return 1;
	}
	printf("test_rbtree: ok\n");
	return 0;
}
