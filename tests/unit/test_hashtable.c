// SPDX-License-Identifier: GPL-2.0
/* os/lib/hashtable: add, find by key, remove, iterate, growth, shared keys. */
#include <stdbool.h>
#include <stdlib.h>

#include "os/lib/hashtable.h"
#include "tests/harness.h"

struct obj {
	unsigned int id;
	struct htable_node node;
};

static struct obj *find(struct htable *t, unsigned int id)
{
	struct htable_node *n;

	for (n = htable_first(t, htable_mix(id, 7)); n; n = htable_next(n)) {
		struct obj *o = htable_entry(n, struct obj, node);

		if (o->id == id)
			return o;
	}
	return NULL;
}

TEST(grows_and_finds_every_object)
{
	enum { N = 5000 };
	static struct obj objs[N];
	struct htable t;
	unsigned int i, seen = 0;
	struct htable_node *n;

	ASSERT_EQ(htable_init(&t, 2), 0);
	for (i = 0; i < N; i++) {
		objs[i].id = i;
		htable_add(&t, &objs[i].node, htable_mix(i, 7));
	}
	EXPECT_EQ(htable_count(&t), N);
	EXPECT_GT(t.bits, 12);		/* doubled as it filled */
	for (i = 0; i < N; i++)
		EXPECT_TRUE(find(&t, i) == &objs[i]);
	EXPECT_TRUE(find(&t, N) == NULL);
	for (n = htable_iter(&t, NULL); n; n = htable_iter(&t, n))
		seen++;
	EXPECT_EQ(seen, N);
	/* Remove the odd ones: the even ones stay findable, the odd ones are gone. */
	for (i = 1; i < N; i += 2)
		htable_del(&t, &objs[i].node);
	EXPECT_EQ(htable_count(&t), N / 2);
	for (i = 0; i < N; i++)
		EXPECT_TRUE(find(&t, i) == (i % 2 ? NULL : &objs[i]));
	htable_fini(&t);
}

/* Several objects under one key: all reachable through htable_next(), each removable. */
TEST(objects_sharing_a_key)
{
	struct obj a = { .id = 1 }, b = { .id = 2 }, c = { .id = 3 }, other = { .id = 4 };
	struct htable_node *n;
	struct htable t;
	unsigned int mask = 0;

	ASSERT_EQ(htable_init(&t, 1), 0);
	htable_add(&t, &a.node, 42);
	htable_add(&t, &other.node, 43);
	htable_add(&t, &b.node, 42);
	htable_add(&t, &c.node, 42);
	for (n = htable_first(&t, 42); n; n = htable_next(n))
		mask |= 1u << htable_entry(n, struct obj, node)->id;
	EXPECT_EQ(mask, 0xe);
	htable_del(&t, &b.node);
	mask = 0;
	for (n = htable_first(&t, 42); n; n = htable_next(n))
		mask |= 1u << htable_entry(n, struct obj, node)->id;
	EXPECT_EQ(mask, 0xa);
	EXPECT_TRUE(htable_first(&t, 43) == &other.node);
	EXPECT_TRUE(htable_first(&t, 44) == NULL);
	htable_fini(&t);
}
