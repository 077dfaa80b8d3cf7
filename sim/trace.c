// SPDX-License-Identifier: GPL-2.0
/* Chrome trace-event JSON writer (see sim/trace.h). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/clock.h"
#include "sim/trace.h"

struct trace {
	FILE *f;
	pthread_mutex_t lock;
	uint64_t t0;
	bool first;
};

struct trace *trace_open(const char *path, char *why, size_t whylen)
{
	struct trace *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	t->f = fopen(path, "w");
	if (!t->f) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->t0 = sim_clock_ns();
	t->first = true;
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", t->f);
	return t;
}

int trace_close(struct trace *t)
{
	int ret;

	if (!t)
		return 0;
	fputs("\n]}\n", t->f);
	ret = ferror(t->f) ? -EIO : 0;
	if (fclose(t->f))
		ret = -EIO;
	pthread_mutex_destroy(&t->lock);
	free(t);
	return ret;
}

uint64_t trace_now(const struct trace *t)
{
	(void)t;
	return sim_clock_ns();
}

/* Microseconds since the trace began, as "int.frac" parts, for @mono. */
static uint64_t since_open(const struct trace *t, uint64_t mono)
{
	return mono > t->t0 ? mono - t->t0 : 0;
}

/* Write the separator and the event; under t->lock. */
static void emit(struct trace *t, const char *fmt_event, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(struct trace *t, const char *fmt_event, ...)
{
	va_list ap;

	if (!t->first)
		fputs(",\n", t->f);
	t->first = false;
	va_start(ap, fmt_event);
	vfprintf(t->f, fmt_event, ap);
	va_end(ap);
}

void trace_track(struct trace *t, int tid, const char *name)
{
	pthread_mutex_lock(&t->lock);
	emit(t, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
		"\"args\":{\"name\":\"%s\"}}", tid, name);
	emit(t, "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
		"\"args\":{\"sort_index\":%d}}", tid, tid);
	pthread_mutex_unlock(&t->lock);
}

void trace_instant(struct trace *t, int tid, const char *cat, const char *name, const char *args)
{
	uint64_t now = since_open(t, sim_clock_ns());

	pthread_mutex_lock(&t->lock);
	emit(t, "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"ts\":%llu.%03llu,"
		"\"pid\":1,\"tid\":%d,\"args\":{%s}}", name, cat,
	     (unsigned long long)(now / 1000), (unsigned long long)(now % 1000), tid,
	     args ? args : "");
	pthread_mutex_unlock(&t->lock);
}

void trace_span(struct trace *t, int tid, const char *cat, const char *name,
		uint64_t start_ns, uint64_t end_ns, const char *args)
{
	uint64_t dur = end_ns > start_ns ? end_ns - start_ns : 0;

	start_ns = since_open(t, start_ns);
	pthread_mutex_lock(&t->lock);
	emit(t, "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%llu.%03llu,"
		"\"dur\":%llu.%03llu,\"pid\":1,\"tid\":%d,\"args\":{%s}}", name, cat,
	     (unsigned long long)(start_ns / 1000), (unsigned long long)(start_ns % 1000),
	     (unsigned long long)(dur / 1000), (unsigned long long)(dur % 1000), tid,
	     args ? args : "");
	pthread_mutex_unlock(&t->lock);
}
