// SPDX-License-Identifier: GPL-2.0
/* os/mm/vma: the VMA tree against a brute-force shadow of intervals. */
#include <errno.h>
#include <math.h>

#include "os/mm/vma.h"
#include "tests/harness.h"

#define PG		4096ULL
#define SPACE_PAGES	4096
#define MAX_AREAS	SPACE_PAGES

struct shadow_area {
	uint64_t start, end;
	unsigned int flags;
};

struct shadow {
	struct shadow_area a[MAX_AREAS];
	unsigned int n;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % bound;
}

static bool shadow_overlaps(const struct shadow *s, uint64_t start, uint64_t end)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->a[i].start < end && start < s->a[i].end)
			return true;
	return false;
}

/* Keep the shadow sorted by start so it can be compared with iteration. */
static void shadow_add(struct shadow *s, uint64_t start, uint64_t end, unsigned int flags)
{
	unsigned int i = s->n;

	while (i && s->a[i - 1].start > start) {
		s->a[i] = s->a[i - 1];
		i--;
	}
	s->a[i] = (struct shadow_area){ start, end, flags };
	s->n++;
}

static void shadow_del(struct shadow *s, unsigned int i)
{
	for (; i + 1 < s->n; i++)
		s->a[i] = s->a[i + 1];
	s->n--;
}

/* The shadow's answer to vma_find(addr). */
static int shadow_find(const struct shadow *s, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->a[i].end > addr)
			return (int)i;
	return -1;
}

static void check_tree(const struct vma_tree *t, const struct shadow *s)
{
	struct vm_area_struct *vma;
	unsigned int i = 0;
	double bound;

	ASSERT_EQ(t->count, s->n);
	for_each_vma(t, vma) {
		ASSERT_LT(i, s->n);
		ASSERT_EQ(vma->vm_start, s->a[i].start);
		ASSERT_EQ(vma->vm_end, s->a[i].end);
		ASSERT_EQ(vma->vm_flags, s->a[i].flags);
		i++;
	}
	ASSERT_EQ(i, s->n);
	/* AVL: h < 1.4405 log2(n + 2) - 0.3277. */
	bound = 1.4405 * log2((double)s->n + 2) - 0.3277;
	ASSERT_LE((double)vma_tree_height(t), bound);
}

static void check_lookups(const struct vma_tree *t, const struct shadow *s)
{
	unsigned int k;

	for (k = 0; k < 8; k++) {
		uint64_t addr = rnd(SPACE_PAGES * PG + PG);
		uint64_t end = addr + rnd(8 * PG) + 1;
		struct vm_area_struct *vma = vma_find(t, addr);
		struct vm_area_struct *in = vma_lookup(t, addr);
		struct vm_area_struct *x = vma_find_intersection(t, addr, end);
		int i = shadow_find(s, addr);

		if (i < 0) {
			ASSERT_TRUE(vma == NULL);
			ASSERT_TRUE(in == NULL);
			ASSERT_TRUE(x == NULL);
			continue;
		}
		ASSERT_TRUE(vma != NULL);
		ASSERT_EQ(vma->vm_start, s->a[i].start);
		ASSERT_EQ(in != NULL, s->a[i].start <= addr);
		ASSERT_EQ(x != NULL, s->a[i].start < end);
		if (x)
			ASSERT_TRUE(x == vma);
	}
}

static void op_insert(struct vma_tree *t, struct shadow *s)
{
	uint64_t start = rnd(SPACE_PAGES) * PG;
	uint64_t end = start + (rnd(16) + 1) * PG;
	unsigned int flags = (unsigned int)rnd(8);
	struct vm_area_struct *vma = vma_alloc(NULL, start, end, flags);
	bool overlap = shadow_overlaps(s, start, end);
	int ret;

	ASSERT_TRUE(vma != NULL);
	ret = vma_insert(t, vma);
	if (overlap) {
		ASSERT_EQ(ret, -EEXIST);
		vma_free(vma);
		return;
	}
	ASSERT_EQ(ret, 0);
	shadow_add(s, start, end, flags);
}

static struct vm_area_struct *pick(struct vma_tree *t, struct shadow *s, unsigned int *idx)
{
	struct vm_area_struct *vma;

	if (!s->n)
		return NULL;
	*idx = (unsigned int)rnd(s->n);
	vma = vma_lookup(t, s->a[*idx].start);
	ASSERT_TRUE(vma != NULL);
	ASSERT_EQ(vma->vm_start, s->a[*idx].start);
	return vma;
}

static void op_remove(struct vma_tree *t, struct shadow *s)
{
	unsigned int i;
	struct vm_area_struct *vma = pick(t, s, &i);

	if (!vma)
		return;
	vma_remove(t, vma);
	vma_free(vma);
	shadow_del(s, i);
}

static void op_split(struct vma_tree *t, struct shadow *s)
{
	unsigned int i, pages;
	struct vm_area_struct *vma = pick(t, s, &i), *hi = NULL;
	uint64_t at;

	if (!vma)
		return;
	pages = (unsigned int)((vma->vm_end - vma->vm_start) / PG);
	if (pages < 2) {
		EXPECT_EQ(vma_split(t, vma, vma->vm_start, &hi), -EINVAL);
		return;
	}
	at = vma->vm_start + (rnd(pages - 1) + 1) * PG;
	ASSERT_EQ(vma_split(t, vma, at, &hi), 0);
	ASSERT_TRUE(hi != NULL);
	ASSERT_EQ(hi->vm_start, at);
	ASSERT_EQ(hi->vm_flags, s->a[i].flags);
	shadow_add(s, at, s->a[i].end, s->a[i].flags);
	s->a[i].end = at;
}

static void op_merge(struct vma_tree *t, struct shadow *s)
{
	unsigned int i;
	struct vm_area_struct *vma = pick(t, s, &i), *m;

	if (!vma)
		return;
	m = vma_merge(t, vma);
	if (i + 1 < s->n && s->a[i + 1].start == s->a[i].end &&
	    s->a[i + 1].flags == s->a[i].flags) {
		s->a[i].end = s->a[i + 1].end;
		shadow_del(s, i + 1);
	}
	if (i > 0 && s->a[i - 1].end == s->a[i].start && s->a[i - 1].flags == s->a[i].flags) {
		s->a[i - 1].end = s->a[i].end;
		shadow_del(s, i);
		i--;
	}
	ASSERT_EQ(m->vm_start, s->a[i].start);
	ASSERT_EQ(m->vm_end, s->a[i].end);
}

static void free_all(struct vma_tree *t)
{
	struct vm_area_struct *vma;

	while ((vma = vma_first(t))) {
		vma_remove(t, vma);
		vma_free(vma);
	}
	ASSERT_EQ(t->count, 0);
	ASSERT_TRUE(t->root == NULL);
}

TEST(random_ops_match_shadow)
{
	static struct shadow s;
	struct vma_tree t;
	unsigned int step;

	vma_tree_init(&t);
	s.n = 0;
	for (step = 0; step < 20000; step++) {
		unsigned int op = (unsigned int)rnd(10);

		if (op < 5)
			op_insert(&t, &s);
		else if (op < 6)
			op_remove(&t, &s);
		else if (op < 8)
			op_split(&t, &s);
		else
			op_merge(&t, &s);
		check_lookups(&t, &s);
		if (step % 16 == 0)
			check_tree(&t, &s);
	}
	check_tree(&t, &s);
	TH_LOG("%u areas at the end, height %d", s.n, vma_tree_height(&t));
	free_all(&t);
}

TEST(sequential_inserts_stay_balanced)
{
	struct vma_tree t;
	struct vm_area_struct *vma;
	uint64_t i, n = 4096, prev_end = 0;

	vma_tree_init(&t);
	/* Ascending keys are the worst case for an unbalanced tree. */
	for (i = 0; i < n; i++) {
		vma = vma_alloc(NULL, i * 2 * PG, i * 2 * PG + PG, VM_READ);
		ASSERT_TRUE(vma != NULL);
		ASSERT_EQ(vma_insert(&t, vma), 0);
	}
	ASSERT_LE(vma_tree_height(&t), 18);	/* 1.44 log2(4098) = 17.3 */
	for_each_vma(&t, vma) {
		ASSERT_GE(vma->vm_start, prev_end);
		prev_end = vma->vm_end;
	}
	/* The gap between two areas belongs to neither. */
	EXPECT_TRUE(vma_lookup(&t, PG) == NULL);
	EXPECT_EQ(vma_find(&t, PG)->vm_start, 2 * PG);
	EXPECT_TRUE(vma_find(&t, n * 2 * PG) == NULL);
	free_all(&t);
}

TEST(insert_rejects_overlap_and_empty)
{
	struct vma_tree t;
	struct vm_area_struct *a = vma_alloc(NULL, 4 * PG, 8 * PG, VM_READ);
	struct vm_area_struct *b = vma_alloc(NULL, 7 * PG, 9 * PG, VM_READ);
	struct vm_area_struct *c = vma_alloc(NULL, 8 * PG, 8 * PG, VM_READ);
	struct vm_area_struct *d = vma_alloc(NULL, 8 * PG, 9 * PG, VM_READ);

	vma_tree_init(&t);
	ASSERT_EQ(vma_insert(&t, a), 0);
	EXPECT_EQ(vma_insert(&t, b), -EEXIST);
	EXPECT_EQ(vma_insert(&t, c), -EINVAL);
	/* Touching is not overlapping. */
	EXPECT_EQ(vma_insert(&t, d), 0);
	EXPECT_TRUE(vma_prev(&t, d) == a);
	EXPECT_TRUE(vma_next(&t, a) == d);
	EXPECT_TRUE(vma_merge(&t, d) == a);
	EXPECT_EQ(a->vm_end, 9 * PG);
	EXPECT_EQ(t.count, 1);
	vma_free(b);
	vma_free(c);
	free_all(&t);
}
