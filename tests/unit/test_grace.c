// SPDX-License-Identifier: GPL-2.0
/* hw/grace: read sections vs grace_synchronize(). */
#include <pthread.h>
#include <sched.h>

#include "hw/grace.h"
#include "tests/harness.h"

#define POISON		0xdeadbeefdeadbeefULL

static void wait_until(const int *flag)
{
	unsigned long spins = 0;

	/* Bounded by the harness timeout; yields so other threads progress. */
	while (!__atomic_load_n(flag, __ATOMIC_SEQ_CST)) {
		if (++spins % 64 == 0)
			sched_yield();
	}
}

TEST(sync_without_readers_returns)
{
	struct grace g;

	ASSERT_EQ(grace_init(&g), 0);
	grace_synchronize(&g);
	grace_synchronize(&g);
	EXPECT_EQ(grace_completed(&g), 2);
	EXPECT_FALSE(grace_readers_active(&g));
	grace_fini(&g);
}

TEST(nested_sections_balance)
{
	struct grace g;
	grace_token_t a, b;

	ASSERT_EQ(grace_init(&g), 0);
	a = grace_read_lock(&g);
	b = grace_read_lock(&g);
	EXPECT_TRUE(grace_readers_active(&g));
	grace_read_unlock(&g, b);
	EXPECT_TRUE(grace_readers_active(&g));
	grace_read_unlock(&g, a);
	EXPECT_FALSE(grace_readers_active(&g));
	grace_synchronize(&g);
	grace_fini(&g);
}

/*
 * The non-blocking half: a poll never waits, says "not yet" while a
 * section that was open at the start is still open, and does not wait for
 * sections that began after its flip.
 */
TEST(poll_waits_only_for_sections_open_at_start)
{
	grace_cookie_t c;
	grace_token_t a, b;
	struct grace g;

	ASSERT_EQ(grace_init(&g), 0);
	c = grace_start(&g);
	EXPECT_TRUE(grace_poll(&g, c));
	EXPECT_TRUE(grace_poll(&g, c));		/* stays done */
	a = grace_read_lock(&g);
	c = grace_start(&g);
	EXPECT_FALSE(grace_poll(&g, c));
	b = grace_read_lock(&g);		/* after the flip: not waited for */
	EXPECT_FALSE(grace_poll(&g, c));
	grace_read_unlock(&g, a);
	EXPECT_TRUE(grace_poll(&g, c));
	/* A later grace period covers b, and a blocking wait finishes it. */
	c = grace_start(&g);
	EXPECT_FALSE(grace_poll(&g, c));
	grace_read_unlock(&g, b);
	grace_wait(&g, c);
	EXPECT_TRUE(grace_poll(&g, c));
	/* After a poll left a flip pending, synchronize still waits it out first. */
	a = grace_read_lock(&g);
	EXPECT_FALSE(grace_poll(&g, grace_start(&g)));
	grace_read_unlock(&g, a);
	grace_synchronize(&g);
	EXPECT_FALSE(grace_readers_active(&g));
	grace_fini(&g);
}

struct hold_ctx {
	struct grace *g;
	int entered, release, released, synced;
	int released_at_sync;
};

static void *holder(void *arg)
{
	struct hold_ctx *c = arg;
	grace_token_t t = grace_read_lock(c->g);

	__atomic_store_n(&c->entered, 1, __ATOMIC_SEQ_CST);
	wait_until(&c->release);
	__atomic_store_n(&c->released, 1, __ATOMIC_SEQ_CST);
	grace_read_unlock(c->g, t);
	return NULL;
}

static void *syncer(void *arg)
{
	struct hold_ctx *c = arg;

	grace_synchronize(c->g);
	c->released_at_sync = __atomic_load_n(&c->released, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->synced, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* A section open before synchronize (held by another thread) is waited for. */
TEST(sync_waits_for_earlier_section)
{
	struct grace g;
	struct hold_ctx c = { .g = &g };
	pthread_t h, s;

	ASSERT_EQ(grace_init(&g), 0);
	ASSERT_EQ(pthread_create(&h, NULL, holder, &c), 0);
	wait_until(&c.entered);
	ASSERT_EQ(pthread_create(&s, NULL, syncer, &c), 0);
	/* Give the syncer every chance to return too early. */
	for (int i = 0; i < 200; i++)
		sched_yield();
	EXPECT_EQ(__atomic_load_n(&c.synced, __ATOMIC_SEQ_CST), 0);
	__atomic_store_n(&c.release, 1, __ATOMIC_SEQ_CST);
	pthread_join(s, NULL);
	pthread_join(h, NULL);
	EXPECT_EQ(c.released_at_sync, 1);
	grace_fini(&g);
}

/* A section that begins after synchronize started does not hold it up. */
TEST(later_section_does_not_block_sync)
{
	struct grace g;
	struct hold_ctx early = { .g = &g }, late = { .g = &g };
	unsigned long phase0;
	pthread_t h1, h2, s;

	ASSERT_EQ(grace_init(&g), 0);
	phase0 = __atomic_load_n(&g.phase, __ATOMIC_SEQ_CST);
	ASSERT_EQ(pthread_create(&h1, NULL, holder, &early), 0);
	wait_until(&early.entered);
	ASSERT_EQ(pthread_create(&s, NULL, syncer, &early), 0);
	/* Wait for the writer's flip (white box), then open a late section. */
	while (__atomic_load_n(&g.phase, __ATOMIC_SEQ_CST) == phase0)
		sched_yield();
	ASSERT_EQ(pthread_create(&h2, NULL, holder, &late), 0);
	wait_until(&late.entered);
	__atomic_store_n(&early.release, 1, __ATOMIC_SEQ_CST);
	/* Must return although the late section is still open. */
	pthread_join(s, NULL);
	EXPECT_EQ(early.released_at_sync, 1);
	EXPECT_EQ(__atomic_load_n(&late.released, __ATOMIC_SEQ_CST), 0);
	__atomic_store_n(&late.release, 1, __ATOMIC_SEQ_CST);
	pthread_join(h1, NULL);
	pthread_join(h2, NULL);
	grace_fini(&g);
}

/*
 * The stress test: a writer publishes a value, replaces it, synchronizes and
 * then poisons the old one (and recycles it). Readers that load the
 * published pointer inside a section must never see poison.
 */
#define NR_READERS	3
#define NR_OBJS		4
#define WRITER_ROUNDS	3000

struct obj {
	uint64_t val;
};

struct stress {
	struct grace g;
	struct obj objs[NR_OBJS];
	struct obj *cur;
	int stop, started;
	unsigned long poisoned_seen, reads;
};

static void *stress_reader(void *arg)
{
	struct stress *st = arg;
	unsigned long bad = 0, n = 0;

	__atomic_fetch_add(&st->started, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&st->stop, __ATOMIC_SEQ_CST)) {
		grace_token_t t = grace_read_lock(&st->g);
		struct obj *o = __atomic_load_n(&st->cur, __ATOMIC_ACQUIRE);

		/* Read twice: the value must stay good for the whole section. */
		for (int i = 0; i < 2; i++) {
			if (__atomic_load_n(&o->val, __ATOMIC_RELAXED) == POISON)
				bad++;
			sched_yield();
		}
		grace_read_unlock(&st->g, t);
		n++;
	}
	__atomic_fetch_add(&st->poisoned_seen, bad, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&st->reads, n, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST(readers_never_see_poison)
{
	static struct stress st;
	pthread_t r[NR_READERS];
	unsigned int i, next = 1;

	ASSERT_EQ(grace_init(&st.g), 0);
	for (i = 0; i < NR_OBJS; i++)
		st.objs[i].val = POISON;
	st.objs[0].val = 1;
	st.cur = &st.objs[0];
	for (i = 0; i < NR_READERS; i++)
		ASSERT_EQ(pthread_create(&r[i], NULL, stress_reader, &st), 0);
	while (__atomic_load_n(&st.started, __ATOMIC_SEQ_CST) < NR_READERS)
		sched_yield();
	for (i = 1; i <= WRITER_ROUNDS; i++) {
		struct obj *old = st.cur, *nw = &st.objs[next];

		next = (next + 1) % NR_OBJS;
		__atomic_store_n(&nw->val, i + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&st.cur, nw, __ATOMIC_RELEASE);
		grace_synchronize(&st.g);
		/* No reader can still be using old: poison it. */
		__atomic_store_n(&old->val, POISON, __ATOMIC_RELAXED);
		if (i % 64 == 0)
			sched_yield();	/* let readers in on a busy machine */
	}
	__atomic_store_n(&st.stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < NR_READERS; i++)
		pthread_join(r[i], NULL);
	TH_LOG("%lu reads, %lu grace periods", st.reads, grace_completed(&st.g));
	EXPECT_EQ(st.poisoned_seen, 0);
	EXPECT_GT(st.reads, 0);
	EXPECT_EQ(grace_completed(&st.g), WRITER_ROUNDS);
	EXPECT_FALSE(grace_readers_active(&st.g));
	grace_fini(&st.g);
}

/* Several writers at once: each still gets a full grace period. */
static void *stress_writer(void *arg)
{
	struct stress *st = arg;

	for (int i = 0; i < 300; i++)
		grace_synchronize(&st->g);
	return NULL;
}

TEST(concurrent_writers)
{
	static struct stress st;
	pthread_t r, w[2];

	ASSERT_EQ(grace_init(&st.g), 0);
	st.objs[0].val = 1;
	st.cur = &st.objs[0];
	ASSERT_EQ(pthread_create(&r, NULL, stress_reader, &st), 0);
	ASSERT_EQ(pthread_create(&w[0], NULL, stress_writer, &st), 0);
	ASSERT_EQ(pthread_create(&w[1], NULL, stress_writer, &st), 0);
	pthread_join(w[0], NULL);
	pthread_join(w[1], NULL);
	__atomic_store_n(&st.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(r, NULL);
	EXPECT_EQ(grace_completed(&st.g), 600);
	EXPECT_EQ(st.poisoned_seen, 0);
	grace_fini(&st.g);
}
