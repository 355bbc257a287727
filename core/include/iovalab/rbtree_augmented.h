/* SPDX-License-Identifier: MIT */
/*
 * Augmented red-black trees: every node carries a value computed from its
 * own fields and its children's values (here: the largest free gap in the
 * subtree). The tree keeps those values right through rebalancing by calling
 * three user callbacks:
 *
 *   propagate(node, stop)  @node's own data changed: recompute it and its
 *                          ancestors, up to but not including @stop. May stop
 *                          early as soon as a recomputed value is unchanged,
 *                          because then nothing above it can change either.
 *   copy(old, new)         @new takes @old's place in the tree with the same
 *                          set of descendants: copy the augmented value.
 *   rotate(old, new)       a rotation moved @new above @old: @new now roots
 *                          exactly the subtree @old rooted (copy), and @old's
 *                          subtree changed (recompute @old from scratch).
 *
 * The caller must keep values right outside rebalancing: after
 * rb_link_node() the new node's value must be set and its ancestors
 * propagated before rb_insert_augmented(); after changing a node's own data
 * (e.g. a gap), call propagate on it before anything else changes.
 *
 * RB_DECLARE_CALLBACKS() builds the three from one compute function
 *     bool compute(struct type *node, bool exit)
 * which recomputes @node's augmented value from its own fields and its
 * children's values, and returns true, without storing, when @exit is set
 * and the value would not change (propagation stops there).
 */
#ifndef IOVALAB_RBTREE_AUGMENTED_H
#define IOVALAB_RBTREE_AUGMENTED_H

#include "iovalab/rbtree.h"

struct rb_augment_callbacks {
	void (*propagate)(struct rb_node *node, struct rb_node *stop);
	void (*copy)(struct rb_node *old, struct rb_node *new);
	void (*rotate)(struct rb_node *old, struct rb_node *new);
};

/*
 * RBAUGMENTED is one member of RBSTRUCT holding the whole augmented value;
 * it may itself be a struct when the tree keeps several values (it is copied
 * by assignment).
 */
#define RB_DECLARE_CALLBACKS(RBSTATIC, RBNAME, RBSTRUCT, RBFIELD, RBAUGMENTED, \
			     RBCOMPUTE)                                        \
	static inline void RBNAME##_propagate(struct rb_node *rb,              \
					      struct rb_node *stop)            \
	{                                                                      \
		while (rb != stop) {                                           \
			RBSTRUCT *n = rb_entry(rb, RBSTRUCT, RBFIELD);         \
			if (RBCOMPUTE(n, true))                                \
				break;                                         \
			rb = rb_parent(&n->RBFIELD);                           \
		}                                                              \
	}                                                                      \
	static inline void RBNAME##_copy(struct rb_node *rb_old,               \
					 struct rb_node *rb_new)               \
	{                                                                      \
		rb_entry(rb_new, RBSTRUCT, RBFIELD)->RBAUGMENTED =             \
			rb_entry(rb_old, RBSTRUCT, RBFIELD)->RBAUGMENTED;      \
	}                                                                      \
	static void RBNAME##_rotate(struct rb_node *rb_old,                    \
				    struct rb_node *rb_new)                    \
	{                                                                      \
		RBSTRUCT *o = rb_entry(rb_old, RBSTRUCT, RBFIELD);             \
		rb_entry(rb_new, RBSTRUCT, RBFIELD)->RBAUGMENTED =             \
			o->RBAUGMENTED;                                        \
		RBCOMPUTE(o, false);                                           \
	}                                                                      \
	RBSTATIC const struct rb_augment_callbacks RBNAME = {                  \
		.propagate = RBNAME##_propagate,                               \
		.copy = RBNAME##_copy,                                         \
		.rotate = RBNAME##_rotate,                                     \
	}

/* Low-level helpers shared with rbtree.c; writer side only. */
static inline void rb_set_parent(struct rb_node *node, struct rb_node *parent)
{
	node->__rb_parent_color = (node->__rb_parent_color & 3UL) |
				  (unsigned long)parent;
}

static inline void rb_set_parent_color(struct rb_node *node,
				       struct rb_node *parent,
				       unsigned long color)
{
	node->__rb_parent_color = (unsigned long)parent | color;
}

/* Point whatever pointed at @old (its parent's child slot or the root) at
 * @new; @parent is @old's parent. */
static inline void __rb_change_child(struct rb_node *old, struct rb_node *new,
				     struct rb_node *parent,
				     struct rb_root *root)
{
	if (!parent)
		rb_store_child(&root->rb_node, new);
	else if (parent->rb_left == old)
		rb_store_child(&parent->rb_left, new);
	else
		rb_store_child(&parent->rb_right, new);
}

void __rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			   void (*rotate)(struct rb_node *old,
					  struct rb_node *new));
void __rb_erase_color(struct rb_node *parent, struct rb_root *root,
		      void (*rotate)(struct rb_node *old, struct rb_node *new));

/*
 * Rebalance after rb_link_node(); the new node's augmented value and its
 * ancestors' must already be right (see top of file).
 */
static inline void rb_insert_augmented(struct rb_node *node,
				       struct rb_root *root,
				       const struct rb_augment_callbacks *aug)
{
	__rb_insert_augmented(node, root, aug->rotate);
}

/*
 * Unlink @node, keeping augmented values right. Returns the node below
 * which one black is missing (the rebalance starting point), or NULL.
 *
 * With two children, @node is replaced by its in-order successor S (the
 * leftmost node of its right subtree), which has no left child:
 *
 *   S is node's right child:         S is deeper (below P):
 *
 *       (n)          (S)                 (n)          (S)
 *       / \          / \                 / \          / \
 *     (l) (S)  ->  (l) (c)             (l) (r)  ->  (l) (r)
 *           \                              /            /
 *           (c)                          ...          ...
 *                                        /            /
 *                                      (P)          (P)
 *                                      /            /
 *                                    (S)          (c)
 *                                      \
 *                                      (c)
 *
 * Store order for lockless readers: S is first cut out of its old place
 * (P->left = c), only then pointed at n's subtrees, and only then hung
 * where n was; no pointer ever leads from a subtree back into itself.
 */
static inline struct rb_node *
__rb_erase_augmented(struct rb_node *node, struct rb_root *root,
		     const struct rb_augment_callbacks *aug)
{
	struct rb_node *left = node->rb_left, *right = node->rb_right;
	struct rb_node *parent = rb_parent(node);
	struct rb_node *rebalance = NULL, *dirty;

	if (!left || !right) {
		struct rb_node *child = left ? left : right;

		/*
		 * A lone child is red and @node black (equal black heights),
		 * so the child simply takes @node's place and colour.
		 */
		__rb_change_child(node, child, parent, root);
		if (child)
			child->__rb_parent_color = node->__rb_parent_color;
		else if (rb_is_black(node))
			rebalance = parent;
		dirty = parent;
	} else {
		struct rb_node *succ = right, *sparent, *schild;

		if (!succ->rb_left) {
			sparent = succ;
			schild = succ->rb_right;
			aug->copy(node, succ);
		} else {
			do {
				sparent = succ;
				succ = succ->rb_left;
			} while (succ->rb_left);
			schild = succ->rb_right;
			rb_store_child(&sparent->rb_left, schild);
			rb_store_child(&succ->rb_right, right);
			rb_set_parent(right, succ);
			aug->copy(node, succ);
			/* the path from P up to S lost S */
			aug->propagate(sparent, succ);
		}
		rb_store_child(&succ->rb_left, left);
		rb_set_parent(left, succ);
		__rb_change_child(node, succ, parent, root);
		/*
		 * S takes @node's colour; the hole is where S was. A child
		 * left there is red (S had no left child): painting it black
		 * restores the black height.
		 */
		if (schild)
			rb_set_parent_color(schild, sparent, RB_BLACK);
		else if (rb_is_black(succ))
			rebalance = sparent;
		succ->__rb_parent_color = node->__rb_parent_color;
		dirty = succ;
	}
	aug->propagate(dirty, NULL);
	return rebalance;
}

static inline void rb_erase_augmented(struct rb_node *node,
				      struct rb_root *root,
				      const struct rb_augment_callbacks *aug)
{
	struct rb_node *rebalance = __rb_erase_augmented(node, root, aug);

	if (rebalance)
		__rb_erase_color(rebalance, root, aug->rotate);
}

#endif /* IOVALAB_RBTREE_AUGMENTED_H */
