// SPDX-License-Identifier: GPL-2.0
/* sim/irq_thread: raises from other threads are never lost, handlers run on the irq thread. */
#include <pthread.h>

#include "sim/irq_thread.h"
#include "tests/harness.h"

struct counter {
	unsigned int runs;
	pthread_t seen;
	unsigned int work;		/* "queue entries" to drain */
};

static void handler(void *ctx)
{
	struct counter *c = ctx;

	c->seen = pthread_self();
	c->runs++;
	__atomic_store_n(&c->work, 0, __ATOMIC_SEQ_CST);	/* drain the queue */
}

struct raiser {
	struct irq_line line;
	struct counter *c;
};

static void *raise_many(void *arg)
{
	struct raiser *r = arg;

	for (int i = 0; i < 1000; i++) {
		__atomic_fetch_add(&r->c->work, 1, __ATOMIC_SEQ_CST);	/* produce */
		irq_raise(&r->line);					/* then interrupt */
	}
	return NULL;
}

TEST(every_raise_is_followed_by_a_handler_run)
{
	struct irq_thread it;
	struct counter c = { 0 };
	struct raiser r;
	pthread_t t[3];

	ASSERT_EQ(irq_thread_start(&it, handler, &c), 0);
	r = (struct raiser){ irq_thread_line(&it), &c };
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, raise_many, &r), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ASSERT_TRUE(irq_thread_quiesce(&it, 10000));
	/* Work produced before any raise has been drained by a later run. */
	EXPECT_EQ(__atomic_load_n(&c.work, __ATOMIC_SEQ_CST), 0);
	EXPECT_GE(c.runs, 1);
	EXPECT_LE(c.runs, 3000);
	EXPECT_FALSE(pthread_equal(c.seen, pthread_self()));
	irq_thread_stop(&it);
	/* The line may still be raised after stop: nothing runs, nothing breaks. */
	irq_raise(&r.line);
	EXPECT_EQ(c.work, 0);
	irq_thread_fini(&it);
}

TEST(quiesce_without_raises_and_stop_twice)
{
	struct irq_thread it;
	struct counter c = { 0 };

	ASSERT_EQ(irq_thread_start(&it, handler, &c), 0);
	EXPECT_TRUE(irq_thread_quiesce(&it, 100));
	EXPECT_EQ(c.runs, 0);
	irq_thread_stop(&it);
	irq_thread_stop(&it);	/* harmless */
	irq_thread_fini(&it);
}
