/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Threaded interrupt handlers (Linux's request_threaded_irq): the hardware
 * raises a line from its own thread, which only marks the line pending and
 * wakes the handler thread; the handler runs on that thread and drains its
 * queue. Raises while the handler runs are not lost: it runs again.
 */
#ifndef SIM_IRQ_THREAD_H
#define SIM_IRQ_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"

struct irq_thread {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pending, stop, started, joined;
	void (*handler)(void *ctx);
	void *ctx;
	uint64_t raised, handled;	/* under lock */
	pthread_t thread;
};

/* Start the handler thread. 0 or -errno. */
int irq_thread_start(struct irq_thread *it, void (*handler)(void *ctx), void *ctx);
/*
 * Stop the handler thread (a pending raise is handled first). Later raises
 * are ignored, so the hardware may keep the line until irq_thread_fini().
 */
void irq_thread_stop(struct irq_thread *it);
/* Free what start() set up; the hardware must no longer raise the line. */
void irq_thread_fini(struct irq_thread *it);
/* The line to give to the hardware. */
struct irq_line irq_thread_line(struct irq_thread *it);
/* Wait until every raise so far has been handled (bounded by @ms). true if so. */
bool irq_thread_quiesce(struct irq_thread *it, unsigned int ms);

#endif /* SIM_IRQ_THREAD_H */
