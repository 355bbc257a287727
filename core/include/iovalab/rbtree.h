/* SPDX-License-Identifier: MIT */
/*
 * An intrusive red-black tree, cut like the Linux kernel's: the caller embeds
 * struct rb_node in its own structure, walks the tree itself to find where a
 * new node belongs, links it with rb_link_node() and then asks the tree to
 * rebalance (rb_insert_color()). Augmented trees (a per-node value computed
 * from the subtree) use rbtree_augmented.h.
 *
 * Layout: the parent pointer and the node's colour share one word (nodes are
 * at least 4-byte aligned, so bit 0 of a node address is free for the
 * colour), which keeps struct rb_node at three words (24 bytes on LP64).
 *
 * Lockless lookups: the writer (one at a time, serialised by the caller)
 * stores every child pointer of a linked node with an atomic store
 * (WRITE_ONCE; release ordering, see rb_store_child()) and publishes a new
 * node with a release store (rb_link_node()). Every
 * rotation first cuts the edge that moves a subtree and only then adds the
 * edge that points back up, so a reader following child pointers with
 * rb_load_child() never sees a cycle: it may miss nodes while the tree is
 * being rebalanced (callers detect that with a sequence count and retry),
 * but its walk always ends. Parent pointers and colours are for the writer
 * only; lockless readers must not use them.
 */
#ifndef IOVALAB_RBTREE_H
#define IOVALAB_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

struct rb_node {
	unsigned long __rb_parent_color; /* parent address | colour bit */
	struct rb_node *rb_right;
	struct rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_RED 0UL
#define RB_BLACK 1UL

#define RB_ROOT ((struct rb_root){ NULL })

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))
#endif

#define rb_entry(ptr, type, member) container_of(ptr, type, member)

static inline struct rb_node *rb_parent(const struct rb_node *node)
{
	return (struct rb_node *)(node->__rb_parent_color & ~3UL);
}

static inline bool rb_is_black(const struct rb_node *node)
{
	return node->__rb_parent_color & RB_BLACK;
}

static inline bool rb_is_red(const struct rb_node *node)
{
	return !rb_is_black(node);
}

/* An unlinked node points to itself (RB_CLEAR_NODE / RB_EMPTY_NODE). */
static inline void rb_clear_node(struct rb_node *node)
{
	node->__rb_parent_color = (unsigned long)node;
}

static inline bool rb_empty_node(const struct rb_node *node)
{
	return node->__rb_parent_color == (unsigned long)node;
}

/*
 * Writer-side store of a child (or root) pointer of a linked tree. Release
 * (a plain store on x86) so that a reader who sees it also sees everything
 * the writer did before, including a sequence count bumped before the tree
 * change: readers detect a concurrent change without fences, which
 * ThreadSanitizer does not model.
 */
#ifdef IOVALAB_RB_STORE_HOOK
/* Test builds only: called after every store a lockless reader can see. */
void IOVALAB_RB_STORE_HOOK(void);
#define rb_store_hook() IOVALAB_RB_STORE_HOOK()
#else
#define rb_store_hook() ((void)0)
#endif

static inline void rb_store_child(struct rb_node **link, struct rb_node *node)
{
	__atomic_store_n(link, node, __ATOMIC_RELEASE);
	rb_store_hook();
}

/*
 * Reader-side load of a child (or root) pointer for lookups that run
 * concurrently with a writer. Acquire pairs with rb_link_node()'s release,
 * so the fields the writer set before publishing a node are visible (what
 * rcu_dereference() gives in the kernel; acquire also tells ThreadSanitizer).
 */
static inline struct rb_node *rb_load_child(struct rb_node *const *link)
{
	return __atomic_load_n(link, __ATOMIC_ACQUIRE);
}

/*
 * Make @node a red leaf below @parent at @link (&parent->rb_left,
 * &parent->rb_right, or &root->rb_node for an empty tree). The node's own
 * fields, and whatever the caller initialised before this call, become
 * visible to lockless readers together with the node.
 */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->__rb_parent_color = (unsigned long)parent; /* red */
	node->rb_left = NULL;
	node->rb_right = NULL;
	__atomic_store_n(link, node, __ATOMIC_RELEASE);
	rb_store_hook();
}

/* Rebalance after rb_link_node() (non-augmented trees). */
void rb_insert_color(struct rb_node *node, struct rb_root *root);
/* Unlink @node and rebalance (non-augmented trees). */
void rb_erase(struct rb_node *node, struct rb_root *root);

/* In-order neighbours, and the ends of the tree; NULL past the ends. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

#endif /* IOVALAB_RBTREE_H */
