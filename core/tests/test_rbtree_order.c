// SPDX-License-Identifier: MIT
/*
 * The rbtree's promise to lockless readers, checked store by store: no
 * sequence of child-pointer stores made by insert, erase or rebalancing
 * ever creates a cycle, so a reader following child pointers from any node
 * it may be standing on always reaches NULL.
 *
 * rbtree.c is compiled into this test with IOVALAB_RB_STORE_HOOK set, so
 * every store a reader can see (rb_store_child(), rb_link_node()'s publish)
 * calls rb_test_store_hook(), which searches the whole node pool for a
 * cycle. Nodes outside the tree between operations stand for memory a
 * grace period has reclaimed: their stale pointers are cleared before each
 * operation (a reader can no longer hold them); the node being erased keeps
 * its pointers until its operation ends, as a reader may be on it.
 *
 * Usage: test_rbtree_order [seed]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iovalab/prng.h"
#include "iovalab/rbtree_augmented.h"

#define NODES 200

struct onode {
	struct rb_node rb;
	uint64_t key;
	uint64_t val, max;
	int in_tree;
};

static struct onode pool[NODES];
static unsigned char mark[NODES]; /* 0 unseen, 1 on the DFS path, 2 done */
static long stores, cycles;

static bool onode_compute(struct onode *n, bool exit)
{
	uint64_t m = n->val;

	if (n->rb.rb_left && rb_entry(n->rb.rb_left, struct onode, rb)->max > m)
		m = rb_entry(n->rb.rb_left, struct onode, rb)->max;
	if (n->rb.rb_right &&
	    rb_entry(n->rb.rb_right, struct onode, rb)->max > m)
		m = rb_entry(n->rb.rb_right, struct onode, rb)->max;
	if (exit && n->max == m)
		return true;
	n->max = m;
	return false;
}

RB_DECLARE_CALLBACKS(static, onode_cb, struct onode, rb, max, onode_compute);

static int pool_index(const struct rb_node *rb)
{
	return (int)(rb_entry(rb, struct onode, rb) - pool);
}

/* Depth-first search; true if a cycle is reachable from node @i. */
static bool has_cycle(int i)
{
	const struct rb_node *kids[2];

	if (mark[i] == 1)
		return true;
	if (mark[i] == 2)
		return false;
	mark[i] = 1;
	kids[0] = pool[i].rb.rb_left;
	kids[1] = pool[i].rb.rb_right;
	for (int k = 0; k < 2; k++)
		if (kids[k] && has_cycle(pool_index(kids[k])))
			return true;
	mark[i] = 2;
	return false;
}

void rb_test_store_hook(void)
{
	stores++;
	memset(mark, 0, sizeof(mark));
	for (int i = 0; i < NODES; i++) {
		if (has_cycle(i)) {
			cycles++;
			return;
		}
	}
}

static void insert(struct rb_root *root, struct onode *n, bool augmented)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		struct onode *t = rb_entry(*link, struct onode, rb);

		parent = *link;
		if (augmented && t->max < n->val)
			t->max = n->val;
		link = n->key < t->key ? &parent->rb_left : &parent->rb_right;
	}
	n->max = n->val;
	rb_link_node(&n->rb, parent, link);
	if (augmented)
		rb_insert_augmented(&n->rb, root, &onode_cb);
	else
		rb_insert_color(&n->rb, root);
	n->in_tree = 1;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	struct rb_root root = RB_ROOT;
	struct lab_prng r;
	long ops = 0;

	lab_prng_seed(&r, seed);
	for (int i = 0; i < NODES; i++)
		pool[i].key = (uint64_t)i * 37 % NODES;
	for (int round = 0; round < 2; round++) {
		bool augmented = round;

		for (int op = 0; op < 30000 && !cycles; op++, ops++) {
			struct onode *n = &pool[lab_prng_below(&r, NODES)];

			/* reclaimed memory: no reader holds it any more */
			for (int i = 0; i < NODES; i++)
				if (!pool[i].in_tree)
					pool[i].rb.rb_left =
						pool[i].rb.rb_right = NULL;
			if (!n->in_tree) {
				n->val = lab_prng_below(&r, 1000);
				insert(&root, n, augmented);
			} else {
				if (augmented)
					rb_erase_augmented(&n->rb, &root,
							   &onode_cb);
				else
					rb_erase(&n->rb, &root);
				n->in_tree = 0;
			}
		}
	}
	if (cycles) {
		fprintf(stderr,
			"test_rbtree_order: a reader could loop: cycle after "
			"store %ld (op %ld, seed %llu)\n",
			stores, ops, (unsigned long long)seed);
		return 1;
	}
	if (stores < ops) {
		fprintf(stderr, "test_rbtree_order: store hook not called\n");
		return 1;
	}
	printf("test_rbtree_order: ok (%ld operations, %ld checked stores)\n",
	       ops, stores);
	return 0;
}
