/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual memory areas of an address space and the balanced tree that holds
 * them (os/mm).
 *
 * A VMA is a half-open range [vm_start, vm_end) of page-aligned user virtual
 * addresses with one set of permissions. The areas of an mm never overlap;
 * they are kept in an AVL tree keyed by vm_start, which gives O(log n)
 * lookup, "first area intersecting a range", and in-order iteration (each
 * step is one O(log n) search, so no parent pointers need maintaining).
 *
 * The tree has no lock of its own: callers hold the mm's mmap lock (read to
 * look up, write to change anything).
 */
#ifndef OS_MM_VMA_H
#define OS_MM_VMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm;

/* vm_flags: what the area permits (values match PROT_READ/WRITE/EXEC). */
#define VM_READ		(1u << 0)
#define VM_WRITE	(1u << 1)
#define VM_EXEC		(1u << 2)
#define VM_ACCESS_FLAGS	(VM_READ | VM_WRITE | VM_EXEC)

struct vm_area_struct {
	uint64_t vm_start;
	uint64_t vm_end;		/* first byte after the area */
	unsigned int vm_flags;		/* VM_* */
	struct mm *vm_mm;
	/* Tree linkage, private to vma.c. */
	struct vm_area_struct *rb_left, *rb_right;
	int rb_height;			/* of the subtree rooted here, leaf = 1 */
};

struct vma_tree {
	struct vm_area_struct *root;
	unsigned long count;
};

static inline void vma_tree_init(struct vma_tree *t)
{
	t->root = NULL;
	t->count = 0;
}

/* A zeroed area [start, end) with @flags, or NULL when out of memory. */
struct vm_area_struct *vma_alloc(struct mm *mm, uint64_t start, uint64_t end,
				 unsigned int flags);
void vma_free(struct vm_area_struct *vma);

/* Insert @vma; -EEXIST (tree unchanged) if it overlaps an area, -EINVAL if empty. */
int vma_insert(struct vma_tree *t, struct vm_area_struct *vma);
/* Remove @vma, which must be in @t. The caller frees it. */
void vma_remove(struct vma_tree *t, struct vm_area_struct *vma);

/* The first area with vm_end > @addr (it may start above @addr), or NULL. */
struct vm_area_struct *vma_find(const struct vma_tree *t, uint64_t addr);
/* The area containing @addr, or NULL. */
struct vm_area_struct *vma_lookup(const struct vma_tree *t, uint64_t addr);
/* The lowest area intersecting [start, end), or NULL. */
struct vm_area_struct *vma_find_intersection(const struct vma_tree *t,
					     uint64_t start, uint64_t end);
/* In-order iteration: the lowest area, and the one after @vma. */
struct vm_area_struct *vma_first(const struct vma_tree *t);
struct vm_area_struct *vma_next(const struct vma_tree *t, const struct vm_area_struct *vma);
/* The area just below @vma, or NULL. */
struct vm_area_struct *vma_prev(const struct vma_tree *t, const struct vm_area_struct *vma);

#define for_each_vma(t, vma) \
	for ((vma) = vma_first(t); (vma); (vma) = vma_next((t), (vma)))

/*
 * Split @vma at @addr (vm_start < addr < vm_end, page aligned): @vma keeps
 * [vm_start, addr) and a new area [addr, vm_end) with the same flags is
 * inserted and returned in *@upper. 0, -EINVAL or -ENOMEM (nothing changed).
 */
int vma_split(struct vma_tree *t, struct vm_area_struct *vma, uint64_t addr,
	      struct vm_area_struct **upper);

/*
 * Merge @vma with its neighbours when they touch it and have the same flags
 * (the lower area absorbs the higher; absorbed areas are freed). Returns the
 * area that now covers @vma's range.
 */
struct vm_area_struct *vma_merge(struct vma_tree *t, struct vm_area_struct *vma);

/* Height of the tree (0 when empty), for balance checks. */
int vma_tree_height(const struct vma_tree *t);

#endif /* OS_MM_VMA_H */
