// SPDX-License-Identifier: GPL-2.0
/*
 * The StreamID -> master lookup: an ordered tree of struct arm_smmu_stream
 * keyed by StreamID (Linux uses an rb-tree; this is an AVL tree, the same
 * O(log n) guarantee with simpler rebalancing). Event and PRI handlers look
 * streams up on every record, so lookups never allocate and never recurse
 * deeper than the tree's height. The caller serialises (smmu->lock).
 */
#include <errno.h>
#include <stddef.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"

static int height(const struct arm_smmu_stream *s)
{
	return s ? s->height : 0;
}

static void update(struct arm_smmu_stream *s)
{
	int l = height(s->left), r = height(s->right);

	s->height = (l > r ? l : r) + 1;
}

static struct arm_smmu_stream *rotate_right(struct arm_smmu_stream *s)
{
	struct arm_smmu_stream *l = s->left;

	s->left = l->right;
	l->right = s;
	update(s);
	update(l);
	return l;
}

static struct arm_smmu_stream *rotate_left(struct arm_smmu_stream *s)
{
	struct arm_smmu_stream *r = s->right;

	s->right = r->left;
	r->left = s;
	update(s);
	update(r);
	return r;
}

/* Restore the AVL invariant (|balance| <= 1) at @s after a change below it. */
static struct arm_smmu_stream *rebalance(struct arm_smmu_stream *s)
{
	int balance;

	update(s);
	balance = height(s->left) - height(s->right);
	if (balance > 1) {
		if (height(s->left->left) < height(s->left->right))
			s->left = rotate_left(s->left);
		return rotate_right(s);
	}
	if (balance < -1) {
		if (height(s->right->right) < height(s->right->left))
			s->right = rotate_right(s->right);
		return rotate_left(s);
	}
	return s;
}

static struct arm_smmu_stream *insert(struct arm_smmu_stream *node, struct arm_smmu_stream *s,
				      int *ret)
{
	if (!node) {
		s->left = s->right = NULL;
		s->height = 1;
		return s;
	}
	if (s->id == node->id) {
		*ret = -EEXIST;
		return node;
	}
	if (s->id < node->id)
		node->left = insert(node->left, s, ret);
	else
		node->right = insert(node->right, s, ret);
	return rebalance(node);
}

int arm_smmu_stream_insert(struct arm_smmu_stream **root, struct arm_smmu_stream *s)
{
	int ret = 0;

	*root = insert(*root, s, &ret);
	return ret;
}

/* Unlink the smallest node under @node into *@min; returns the new subtree. */
static struct arm_smmu_stream *take_min(struct arm_smmu_stream *node,
					struct arm_smmu_stream **min)
{
	if (!node->left) {
		*min = node;
		return node->right;
	}
	node->left = take_min(node->left, min);
	return rebalance(node);
}

static struct arm_smmu_stream *erase(struct arm_smmu_stream *node, uint32_t id)
{
	struct arm_smmu_stream *succ;

	if (!node)
		return NULL;
	if (id < node->id) {
		node->left = erase(node->left, id);
	} else if (id > node->id) {
		node->right = erase(node->right, id);
	} else {
		if (!node->left || !node->right)
			return node->left ? node->left : node->right;
		node->right = take_min(node->right, &succ);
		succ->left = node->left;
		succ->right = node->right;
		node = succ;
	}
	return rebalance(node);
}

void arm_smmu_stream_erase(struct arm_smmu_stream **root, uint32_t id)
{
	*root = erase(*root, id);
}

struct arm_smmu_stream *arm_smmu_stream_find(struct arm_smmu_stream *root, uint32_t id)
{
	while (root) {
		if (id == root->id)
			return root;
		root = id < root->id ? root->left : root->right;
	}
	return NULL;
}
