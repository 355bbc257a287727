// SPDX-License-Identifier: MIT
/*
 * Red-black tree rebalancing (see rbtree.h and rbtree_augmented.h).
 *
 * Rules kept at every return:
 *   1. every node is red or black;
 *   2. the root is black;
 *   3. a red node has no red child;
 *   4. every path from a node down to a NULL link crosses the same number
 *      of black nodes (its black height).
 * Hence the height is at most 2 * log2(n + 1).
 *
 * The fix-ups below are the textbook ones (Cormen et al., ch. 13) written
 * around two rotation primitives. Each rotation reports itself to the
 * augmentation through @aug_rotate(old, new), @new being the node that
 * moved up.
 */
#include "iovalab/rbtree_augmented.h"

typedef void (*rb_rotate_fn)(struct rb_node *old, struct rb_node *new);

static inline void rb_set_black(struct rb_node *node)
{
	node->__rb_parent_color |= RB_BLACK;
}

static inline void rb_set_red(struct rb_node *node)
{
	node->__rb_parent_color &= ~RB_BLACK;
}

static inline void rb_copy_color(struct rb_node *node,
				 const struct rb_node *from)
{
	node->__rb_parent_color = (node->__rb_parent_color & ~RB_BLACK) |
				  (from->__rb_parent_color & RB_BLACK);
}

static inline bool rb_black_or_null(const struct rb_node *node)
{
	return !node || rb_is_black(node);
}

/*
 * Left rotation at x; colours stay with their nodes.
 *
 *        |                 |
 *        x                 y
 *       / \               / \
 *      a   y     ==>     x   c
 *         / \           / \
 *        b   c         a   b
 *
 * Store order (lockless readers): x->right = b first, so x no longer leads
 * to y; then y->left = x, which cannot close a cycle; then the link from
 * above. In between, y and c are unreachable (a reader may miss them, never
 * loop).
 */
static inline void rb_rotate_left(struct rb_node *x, struct rb_root *root,
				  rb_rotate_fn aug_rotate)
{
	struct rb_node *y = x->rb_right, *b = y->rb_left, *p = rb_parent(x);

	rb_store_child(&x->rb_right, b);
	rb_store_child(&y->rb_left, x);
	if (b)
		rb_set_parent(b, x);
	rb_set_parent(y, p);
	rb_set_parent(x, y);
	__rb_change_child(x, y, p, root);
	aug_rotate(x, y);
}

/* Mirror image of rb_rotate_left(): y = x->left moves up. */
static inline void rb_rotate_right(struct rb_node *x, struct rb_root *root,
				   rb_rotate_fn aug_rotate)
{
	struct rb_node *y = x->rb_left, *b = y->rb_right, *p = rb_parent(x);

	rb_store_child(&x->rb_left, b);
	rb_store_child(&y->rb_right, x);
	if (b)
		rb_set_parent(b, x);
	rb_set_parent(y, p);
	rb_set_parent(x, y);
	__rb_change_child(x, y, p, root);
	aug_rotate(x, y);
}

/*
 * Insert fix-up. @node is red; the only rule that can be broken is 3,
 * between @node and its parent. Loop invariant: only (node, parent) may be
 * a red-red pair, and black heights are all right.
 *
 * Red uncle: push the grandparent's black down and continue two levels up.
 *
 *         G(b)                 G(r)  <- new node
 *        /    \               /    \
 *      P(r)   U(r)    ==>   P(b)   U(b)
 *      /                    /
 *    N(r)                 N(r)
 *
 * Black uncle, N an inner grandchild: rotate at P to make it outer.
 * Black uncle, N outer: rotate at G and swap colours; done.
 *
 *         G(b)                  P(b)
 *        /    \                /    \
 *      P(r)   U(b)    ==>    N(r)   G(r)
 *      /  \                         /  \
 *    N(r)  s                       s   U(b)
 */
static inline void rb_insert_fixup(struct rb_node *node, struct rb_root *root,
				   rb_rotate_fn aug_rotate)
{
	for (;;) {
		struct rb_node *parent = rb_parent(node), *gparent, *uncle;

		if (!parent) {
			rb_set_black(node);
			return;
		}
		if (rb_is_black(parent))
			return;
		/* a red node is never the root */
		gparent = rb_parent(parent);
		if (parent == gparent->rb_left) {
			uncle = gparent->rb_right;
			if (uncle && rb_is_red(uncle)) {
				rb_set_black(parent);
				rb_set_black(uncle);
				rb_set_red(gparent);
				node = gparent;
				continue;
			}
			if (node == parent->rb_right) {
				rb_rotate_left(parent, root, aug_rotate);
				parent = node;
			}
			rb_set_black(parent);
			rb_set_red(gparent);
			rb_rotate_right(gparent, root, aug_rotate);
			return;
		}
		uncle = gparent->rb_left;
		if (uncle && rb_is_red(uncle)) {
			rb_set_black(parent);
			rb_set_black(uncle);
			rb_set_red(gparent);
			node = gparent;
			continue;
		}
		if (node == parent->rb_left) {
			rb_rotate_right(parent, root, aug_rotate);
			parent = node;
		}
		rb_set_black(parent);
		rb_set_red(gparent);
		rb_rotate_left(gparent, root, aug_rotate);
		return;
	}
}

/*
 * Erase fix-up. Loop invariant: the subtree at @node (a child of @parent,
 * possibly NULL, never red) has one black less than its sibling's, and
 * every other rule holds. The sibling therefore exists.
 *
 * Red sibling S: rotate at P so the sibling becomes black (case 1).
 * Black S with two black children: paint S red, which moves the deficit up
 * to P (case 2); a red P absorbs it by turning black.
 * Black S, far child black, near child red: rotate at S (case 3), making
 * the far child red.
 * Black S with red far child F: rotate at P, S takes P's colour, P and F
 * turn black; the deficit is gone (case 4):
 *
 *       P(?)                    S(?)
 *      /    \                  /    \
 *    N(b)   S(b)      ==>    P(b)   F(b)
 *           /  \             /  \
 *          s   F(r)        N(b)  s
 */
static inline void rb_erase_fixup(struct rb_node *parent, struct rb_root *root,
				  rb_rotate_fn aug_rotate)
{
	struct rb_node *node = NULL, *sib;

	while (parent) {
		if (node == parent->rb_left) {
			sib = parent->rb_right;
			if (rb_is_red(sib)) {
				rb_set_black(sib);
				rb_set_red(parent);
				rb_rotate_left(parent, root, aug_rotate);
				sib = parent->rb_right;
			}
			if (rb_black_or_null(sib->rb_left) &&
			    rb_black_or_null(sib->rb_right)) {
				rb_set_red(sib);
				node = parent;
				parent = rb_parent(node);
				if (rb_is_red(node)) {
					rb_set_black(node);
					return;
				}
				continue;
			}
			if (rb_black_or_null(sib->rb_right)) {
				rb_set_black(sib->rb_left);
				rb_set_red(sib);
				rb_rotate_right(sib, root, aug_rotate);
				sib = parent->rb_right;
			}
			rb_copy_color(sib, parent);
			rb_set_black(parent);
			rb_set_black(sib->rb_right);
			rb_rotate_left(parent, root, aug_rotate);
			return;
		}
		sib = parent->rb_left;
		if (rb_is_red(sib)) {
			rb_set_black(sib);
			rb_set_red(parent);
			rb_rotate_right(parent, root, aug_rotate);
			sib = parent->rb_left;
		}
		if (rb_black_or_null(sib->rb_left) &&
		    rb_black_or_null(sib->rb_right)) {
			rb_set_red(sib);
			node = parent;
			parent = rb_parent(node);
			if (rb_is_red(node)) {
				rb_set_black(node);
				return;
			}
			continue;
		}
		if (rb_black_or_null(sib->rb_left)) {
			rb_set_black(sib->rb_right);
			rb_set_red(sib);
			rb_rotate_left(sib, root, aug_rotate);
			sib = parent->rb_left;
		}
		rb_copy_color(sib, parent);
		rb_set_black(parent);
		rb_set_black(sib->rb_left);
		rb_rotate_right(parent, root, aug_rotate);
		return;
	}
}

static inline void rb_noop_rotate(struct rb_node *old, struct rb_node *new)
{
}

static inline void rb_noop_propagate(struct rb_node *node, struct rb_node *stop)
{
}

static inline void rb_noop_copy(struct rb_node *old, struct rb_node *new)
{
}

static const struct rb_augment_callbacks rb_noop_callbacks = {
	.propagate = rb_noop_propagate,
	.copy = rb_noop_copy,
	.rotate = rb_noop_rotate,
};

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	rb_insert_fixup(node, root, rb_noop_rotate);
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *rebalance;

	rebalance = __rb_erase_augmented(node, root, &rb_noop_callbacks);
	if (rebalance)
		rb_erase_fixup(rebalance, root, rb_noop_rotate);
}

void __rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			   rb_rotate_fn rotate)
{
	rb_insert_fixup(node, root, rotate);
}

void __rb_erase_color(struct rb_node *parent, struct rb_root *root,
		      rb_rotate_fn rotate)
{
	rb_erase_fixup(parent, root, rotate);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_right)
		n = n->rb_right;
	return n;
}

/*
 * Successor: the leftmost node of the right subtree if there is one, else
 * the first ancestor reached from its left side.
 */
struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *parent;

	if (rb_empty_node(node))
		return NULL;
	if (node->rb_right) {
		node = node->rb_right;
		while (node->rb_left)
			node = node->rb_left;
		return (struct rb_node *)node;
	}
	while ((parent = rb_parent(node)) && node == parent->rb_right)
		node = parent;
	return parent;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *parent;

	if (rb_empty_node(node))
		return NULL;
	if (node->rb_left) {
		node = node->rb_left;
		while (node->rb_right)
			node = node->rb_right;
		return (struct rb_node *)node;
	}
	while ((parent = rb_parent(node)) && node == parent->rb_left)
		node = parent;
	return parent;
}
