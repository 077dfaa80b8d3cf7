/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An intrusive chained hash table with 64-bit keys (the role of Linux's
 * hashtable.h / rhashtable for the software side): the user embeds a
 * struct htable_node in its object, adds it under a key it computes (a
 * pointer, or a mix of several fields with htable_mix()), and looks up by
 * walking the few nodes that carry the same key, checking its own fields
 * for the exact match. The table doubles its buckets as it fills, so a
 * lookup visits O(1) nodes on average however many objects it holds.
 *
 * No locking inside: the user's lock protects the table and its nodes.
 */
#ifndef OS_LIB_HASHTABLE_H
#define OS_LIB_HASHTABLE_H

#include <stddef.h>
#include <stdint.h>

struct htable_node {
	struct htable_node *next;
	uint64_t key;
};

struct htable {
	struct htable_node **buckets;
	unsigned int bits;		/* 2^bits buckets */
	size_t count;
};

/* 0, or -ENOMEM. @bits: initial size, 2^bits buckets. */
int htable_init(struct htable *t, unsigned int bits);
/* Free the buckets (the nodes are the user's). */
void htable_fini(struct htable *t);

/* Add @n under @key. Never fails: when doubling finds no memory, chains grow. */
void htable_add(struct htable *t, struct htable_node *n, uint64_t key);
/* Remove @n, which must be in @t. */
void htable_del(struct htable *t, struct htable_node *n);

/* The first node added under @key, or NULL; then htable_next() for the others. */
struct htable_node *htable_first(const struct htable *t, uint64_t key);
struct htable_node *htable_next(const struct htable_node *n);

/* Every node, in no particular order: start with NULL; NULL at the end. */
struct htable_node *htable_iter(const struct htable *t, const struct htable_node *prev);

static inline size_t htable_count(const struct htable *t)
{
	return t->count;
}

/* A well-mixed key of two words (for instance an object pointer and an id). */
static inline uint64_t htable_mix(uint64_t a, uint64_t b)
{
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;

	return h ^ (h >> 31);
}

static inline uint64_t htable_ptr_key(const void *p)
{
	return htable_mix((uint64_t)(uintptr_t)p, 0);
}

#define htable_entry(node, type, member) \
	((type *)((char *)(node) - offsetof(type, member)))

#endif /* OS_LIB_HASHTABLE_H */
