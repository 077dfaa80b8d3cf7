// SPDX-License-Identifier: GPL-2.0
/*
 * The VMA tree (see os/mm/vma.h): an AVL tree keyed by vm_start.
 *
 * AVL rather than red-black because the recursive insert and delete are
 * short and obviously correct, and the height bound (< 1.45 log2(n + 2)) is
 * tighter, which is what lookups care about. Areas never overlap, so a
 * search for "first area ending above addr" can descend on vm_end and
 * vm_start alike.
 */
#include <errno.h>
#include <stdlib.h>

#include "os/mm/vma.h"

struct vm_area_struct *vma_alloc(struct mm *mm, uint64_t start, uint64_t end,
				 unsigned int flags)
{
	struct vm_area_struct *vma = calloc(1, sizeof(*vma));

	if (!vma)
		return NULL;
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_flags = flags;
	vma->vm_mm = mm;
	return vma;
}

void vma_free(struct vm_area_struct *vma)
{
	free(vma);
}

/* ---- AVL balancing ------------------------------------------------------ */

static int height(const struct vm_area_struct *n)
{
	return n ? n->rb_height : 0;
}

static void update_height(struct vm_area_struct *n)
{
	int l = height(n->rb_left), r = height(n->rb_right);

	n->rb_height = (l > r ? l : r) + 1;
}

static struct vm_area_struct *rotate_right(struct vm_area_struct *n)
{
	struct vm_area_struct *l = n->rb_left;

	n->rb_left = l->rb_right;
	l->rb_right = n;
	update_height(n);
	update_height(l);
	return l;
}

static struct vm_area_struct *rotate_left(struct vm_area_struct *n)
{
	struct vm_area_struct *r = n->rb_right;

	n->rb_right = r->rb_left;
	r->rb_left = n;
	update_height(n);
	update_height(r);
	return r;
}

/* Restore |height(left) - height(right)| <= 1 at @n; returns the new subtree root. */
static struct vm_area_struct *rebalance(struct vm_area_struct *n)
{
	int bal;

	update_height(n);
	bal = height(n->rb_left) - height(n->rb_right);
	if (bal > 1) {
		if (height(n->rb_left->rb_left) < height(n->rb_left->rb_right))
			n->rb_left = rotate_left(n->rb_left);
		return rotate_right(n);
	}
	if (bal < -1) {
		if (height(n->rb_right->rb_right) < height(n->rb_right->rb_left))
			n->rb_right = rotate_right(n->rb_right);
		return rotate_left(n);
	}
	return n;
}

static struct vm_area_struct *insert_node(struct vm_area_struct *n, struct vm_area_struct *vma)
{
	if (!n) {
		vma->rb_left = vma->rb_right = NULL;
		vma->rb_height = 1;
		return vma;
	}
	if (vma->vm_start < n->vm_start)
		n->rb_left = insert_node(n->rb_left, vma);
	else
		n->rb_right = insert_node(n->rb_right, vma);
	return rebalance(n);
}

/* Detach the minimum of subtree @n into *@min; returns the remaining subtree. */
static struct vm_area_struct *remove_min(struct vm_area_struct *n, struct vm_area_struct **min)
{
	if (!n->rb_left) {
		*min = n;
		return n->rb_right;
	}
	n->rb_left = remove_min(n->rb_left, min);
	return rebalance(n);
}

static struct vm_area_struct *remove_node(struct vm_area_struct *n, struct vm_area_struct *vma)
{
	struct vm_area_struct *succ, *right;

	if (!n)
		return NULL;	/* not in the tree: nothing to do */
	if (vma->vm_start < n->vm_start) {
		n->rb_left = remove_node(n->rb_left, vma);
		return rebalance(n);
	}
	if (vma->vm_start > n->vm_start) {
		n->rb_right = remove_node(n->rb_right, vma);
		return rebalance(n);
	}
	if (!n->rb_right)
		return n->rb_left;
	right = remove_min(n->rb_right, &succ);
	succ->rb_right = right;
	succ->rb_left = n->rb_left;
	return rebalance(succ);
}

/* ---- Public operations -------------------------------------------------- */

int vma_insert(struct vma_tree *t, struct vm_area_struct *vma)
{
	if (vma->vm_start >= vma->vm_end)
		return -EINVAL;
	if (vma_find_intersection(t, vma->vm_start, vma->vm_end))
		return -EEXIST;
	t->root = insert_node(t->root, vma);
	t->count++;
	return 0;
}

void vma_remove(struct vma_tree *t, struct vm_area_struct *vma)
{
	t->root = remove_node(t->root, vma);
	vma->rb_left = vma->rb_right = NULL;
	t->count--;
}

struct vm_area_struct *vma_find(const struct vma_tree *t, uint64_t addr)
{
	struct vm_area_struct *n = t->root, *best = NULL;

	/* Areas are disjoint and sorted, so vm_end orders them like vm_start. */
	while (n) {
		if (n->vm_end > addr) {
			best = n;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

struct vm_area_struct *vma_lookup(const struct vma_tree *t, uint64_t addr)
{
	struct vm_area_struct *vma = vma_find(t, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

struct vm_area_struct *vma_find_intersection(const struct vma_tree *t,
					     uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = vma_find(t, start);

	return vma && vma->vm_start < end ? vma : NULL;
}

struct vm_area_struct *vma_first(const struct vma_tree *t)
{
	struct vm_area_struct *n = t->root;

	while (n && n->rb_left)
		n = n->rb_left;
	return n;
}

struct vm_area_struct *vma_next(const struct vma_tree *t, const struct vm_area_struct *vma)
{
	return vma_find(t, vma->vm_end);
}

struct vm_area_struct *vma_prev(const struct vma_tree *t, const struct vm_area_struct *vma)
{
	struct vm_area_struct *n = t->root, *best = NULL;

	while (n) {
		if (n->vm_start < vma->vm_start) {
			best = n;
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	return best;
}

int vma_split(struct vma_tree *t, struct vm_area_struct *vma, uint64_t addr,
	      struct vm_area_struct **upper)
{
	struct vm_area_struct *hi;

	if (addr <= vma->vm_start || addr >= vma->vm_end)
		return -EINVAL;
	hi = vma_alloc(vma->vm_mm, addr, vma->vm_end, vma->vm_flags);
	if (!hi)
		return -ENOMEM;
	/* Shrinking keeps vma's key; hi then fits in the hole it leaves. */
	vma->vm_end = addr;
	t->root = insert_node(t->root, hi);
	t->count++;
	if (upper)
		*upper = hi;
	return 0;
}

static bool mergeable(const struct vm_area_struct *lo, const struct vm_area_struct *hi)
{
	return lo && hi && lo->vm_end == hi->vm_start && lo->vm_flags == hi->vm_flags;
}

struct vm_area_struct *vma_merge(struct vma_tree *t, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev = vma_prev(t, vma);
	struct vm_area_struct *next = vma_next(t, vma);

	if (mergeable(vma, next)) {
		vma_remove(t, next);
		vma->vm_end = next->vm_end;
		vma_free(next);
	}
	if (mergeable(prev, vma)) {
		vma_remove(t, vma);
		prev->vm_end = vma->vm_end;
		vma_free(vma);
		vma = prev;
	}
	return vma;
}

int vma_tree_height(const struct vma_tree *t)
{
	return height(t->root);
}
