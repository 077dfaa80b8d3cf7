// SPDX-License-Identifier: GPL-2.0
/* Threaded interrupt handlers (see sim/irq_thread.h). */
#include <errno.h>
#include <time.h>

#include "sim/irq_thread.h"

static void *irq_thread_fn(void *arg)
{
	struct irq_thread *it = arg;

	pthread_mutex_lock(&it->lock);
	for (;;) {
		uint64_t upto;

		while (!it->pending && !it->stop)
			pthread_cond_wait(&it->cond, &it->lock);
		if (!it->pending)
			break;
		it->pending = false;
		upto = it->raised;
		pthread_mutex_unlock(&it->lock);
		it->handler(it->ctx);
		pthread_mutex_lock(&it->lock);
		it->handled = upto;
		pthread_cond_broadcast(&it->cond);
	}
	pthread_mutex_unlock(&it->lock);
	return NULL;
}

static void irq_thread_raise(void *ctx)
{
	struct irq_thread *it = ctx;

	pthread_mutex_lock(&it->lock);
	if (!it->stop) {
		it->pending = true;
		it->raised++;
		pthread_cond_broadcast(&it->cond);
	}
	pthread_mutex_unlock(&it->lock);
}

int irq_thread_start(struct irq_thread *it, void (*handler)(void *ctx), void *ctx)
{
	int ret;

	pthread_mutex_init(&it->lock, NULL);
	pthread_cond_init(&it->cond, NULL);
	it->pending = it->stop = it->joined = false;
	it->raised = it->handled = 0;
	it->handler = handler;
	it->ctx = ctx;
	ret = pthread_create(&it->thread, NULL, irq_thread_fn, it);
	if (ret) {
		pthread_cond_destroy(&it->cond);
		pthread_mutex_destroy(&it->lock);
		return -ret;
	}
	it->started = true;
	return 0;
}

void irq_thread_stop(struct irq_thread *it)
{
	if (!it->started)
		return;
	pthread_mutex_lock(&it->lock);
	it->stop = true;
	pthread_cond_broadcast(&it->cond);
	pthread_mutex_unlock(&it->lock);
	pthread_join(it->thread, NULL);
	it->started = false;
	it->joined = true;
}

void irq_thread_fini(struct irq_thread *it)
{
	irq_thread_stop(it);
	if (!it->joined)
		return;
	pthread_cond_destroy(&it->cond);
	pthread_mutex_destroy(&it->lock);
	it->joined = false;
}

struct irq_line irq_thread_line(struct irq_thread *it)
{
	return (struct irq_line){ .raise = irq_thread_raise, .ctx = it };
}

bool irq_thread_quiesce(struct irq_thread *it, unsigned int ms)
{
	struct timespec deadline;
	bool done;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&it->lock);
	while (it->handled != it->raised || it->pending) {
		if (pthread_cond_timedwait(&it->cond, &it->lock, &deadline) == ETIMEDOUT)
			break;
	}
	done = it->handled == it->raised && !it->pending;
	pthread_mutex_unlock(&it->lock);
	return done;
}
