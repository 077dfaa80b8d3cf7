/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Chrome trace-event JSON (the format Perfetto's UI and chrome://tracing
 * open): spans ("X" events with a duration) and instants on named tracks of
 * one process. Safe to call from any thread; events are written as they
 * come, timestamps in microseconds since the trace was opened.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

struct trace;

/* Create @path. NULL with @why set on failure. */
struct trace *trace_open(const char *path, char *why, size_t whylen);
/* Finish the JSON document and close the file. 0 or -EIO. NULL is a no-op. */
int trace_close(struct trace *t);

/* Now, on CLOCK_MONOTONIC in ns: the clock every time argument below is on. */
uint64_t trace_now(const struct trace *t);

/* Name track @tid (a "thread" of the trace). */
void trace_track(struct trace *t, int tid, const char *name);

/*
 * An instant (now) / a span from @start_ns to @end_ns (CLOCK_MONOTONIC) on
 * track @tid. @args is the body of a JSON object ("\"k\":\"v\",..."),
 * already escaped, or NULL.
 */
void trace_instant(struct trace *t, int tid, const char *cat, const char *name, const char *args);
void trace_span(struct trace *t, int tid, const char *cat, const char *name,
		uint64_t start_ns, uint64_t end_ns, const char *args);

#endif /* SIM_TRACE_H */
