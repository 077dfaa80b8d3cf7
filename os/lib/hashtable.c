// SPDX-License-Identifier: GPL-2.0
/*
 * The intrusive chained hash table (see os/lib/hashtable.h). A bucket is
 * picked by the high bits of the key times a 64-bit odd constant, so keys
 * that differ only in a few bits still spread.
 */
#include <errno.h>
#include <stdlib.h>

#include "os/lib/hashtable.h"

/* Never more than 2^28 buckets (2 GB of heads): past that, chains grow. */
#define HTABLE_MAX_BITS		28

static size_t bucket_of(uint64_t key, unsigned int bits)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

int htable_init(struct htable *t, unsigned int bits)
{
	if (!bits)
		bits = 1;
	if (bits > HTABLE_MAX_BITS)
		bits = HTABLE_MAX_BITS;
	t->buckets = calloc((size_t)1 << bits, sizeof(*t->buckets));
	t->bits = bits;
	t->count = 0;
	return t->buckets ? 0 : -ENOMEM;
}

void htable_fini(struct htable *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->count = 0;
}

/* Double the buckets, moving every node; keep the old ones if memory is short. */
static void htable_grow(struct htable *t)
{
	unsigned int bits = t->bits + 1;
	struct htable_node **nb, *n, *next;
	size_t i;

	if (bits > HTABLE_MAX_BITS)
		return;
	nb = calloc((size_t)1 << bits, sizeof(*nb));
	if (!nb)
		return;
	for (i = 0; i < ((size_t)1 << t->bits); i++) {
		for (n = t->buckets[i]; n; n = next) {
			size_t b = bucket_of(n->key, bits);

			next = n->next;
			n->next = nb[b];
			nb[b] = n;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->bits = bits;
}

void htable_add(struct htable *t, struct htable_node *n, uint64_t key)
{
	size_t b;

	if (t->count >= ((size_t)1 << t->bits))
		htable_grow(t);
	b = bucket_of(key, t->bits);
	n->key = key;
	n->next = t->buckets[b];
	t->buckets[b] = n;
	t->count++;
}

void htable_del(struct htable *t, struct htable_node *n)
{
	struct htable_node **pp = &t->buckets[bucket_of(n->key, t->bits)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->count--;
			return;
		}
	}
}

static struct htable_node *same_key(struct htable_node *n, uint64_t key)
{
	while (n && n->key != key)
		n = n->next;
	return n;
}

struct htable_node *htable_first(const struct htable *t, uint64_t key)
{
	return same_key(t->buckets[bucket_of(key, t->bits)], key);
}

struct htable_node *htable_next(const struct htable_node *n)
{
	return same_key(n->next, n->key);
}

struct htable_node *htable_iter(const struct htable *t, const struct htable_node *prev)
{
	size_t i = 0;

	if (prev) {
		if (prev->next)
			return prev->next;
		i = bucket_of(prev->key, t->bits) + 1;
	}
	for (; i < ((size_t)1 << t->bits); i++)
		if (t->buckets[i])
			return t->buckets[i];
	return NULL;
}
