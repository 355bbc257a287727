// SPDX-License-Identifier: MIT
/*
 * btree-pfn: iova_btree.c built a second time with the ranges inline in
 * the leaves and no struct iova (see BT_INLINE there). One source, two
 * algorithms, so their searches cannot drift apart.
 */
#define BT_INLINE 1
#include "iova_btree.c"
