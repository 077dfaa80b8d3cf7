/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture the libsva log (include/sva/log.h) in a test, to assert that a
 * message was or was not logged:
 *
 *	struct log_capture cap;
 *
 *	log_capture_start(&cap);		(every level, nothing printed)
 *	...
 *	log_capture_stop(&cap);			(the previous hook and level)
 *	EXPECT_EQ(log_capture_count(&cap, SVA_LOG_ERR, "C_BAD_CD"), 1);
 *
 * struct log_capture is plain data: placed in a MAP_SHARED mapping, it
 * also carries what a forked child logged before it died.
 */
#ifndef TESTS_UNIT_LOG_CAPTURE_H
#define TESTS_UNIT_LOG_CAPTURE_H

#include <stdio.h>
#include <string.h>

#include "sva/log.h"

#define LOG_CAPTURE_MAX		64
#define LOG_CAPTURE_TEXT	240

struct log_capture_msg {
	enum sva_log_level level;
	char origin[32];
	char text[LOG_CAPTURE_TEXT];
	unsigned long suppressed;
};

struct log_capture {
	unsigned int n;			/* messages seen (some may not be kept) */
	struct log_capture_msg msg[LOG_CAPTURE_MAX];	/* the first ones */
	sva_log_fn old_fn;
	void *old_ctx;
	enum sva_log_level old_level;
};

static void log_capture_hook(void *ctx, const struct sva_log_msg *m)
{
	struct log_capture *cap = ctx;
	struct log_capture_msg *c;

	/* Calls are serialized by the log (include/sva/log.h). */
	if (cap->n < LOG_CAPTURE_MAX) {
		c = &cap->msg[cap->n];
		c->level = m->level;
		snprintf(c->origin, sizeof(c->origin), "%s", m->origin ? m->origin : "");
		snprintf(c->text, sizeof(c->text), "%s", m->text);
		c->suppressed = m->suppressed;
	}
	cap->n++;
}

static inline void log_capture_start(struct log_capture *cap)
{
	memset(cap, 0, sizeof(*cap));
	sva_log_set_hook(log_capture_hook, cap, &cap->old_fn, &cap->old_ctx);
	cap->old_level = sva_log_set_level(SVA_LOG_DEBUG);
}

static inline void log_capture_stop(struct log_capture *cap)
{
	sva_log_set_level(cap->old_level);
	sva_log_set_hook(cap->old_fn, cap->old_ctx, NULL, NULL);
}

/* Kept messages at @level or more severe whose text contains @needle ("" for all). */
static inline unsigned int log_capture_count(const struct log_capture *cap,
					     enum sva_log_level level, const char *needle)
{
	unsigned int i, n = 0, kept = cap->n < LOG_CAPTURE_MAX ? cap->n : LOG_CAPTURE_MAX;

	for (i = 0; i < kept; i++)
		if (cap->msg[i].level <= level && strstr(cap->msg[i].text, needle))
			n++;
	return n;
}

/* Print what was captured as TAP diagnostics (for a failing test). */
static inline void log_capture_dump(const struct log_capture *cap)
{
	unsigned int i, kept = cap->n < LOG_CAPTURE_MAX ? cap->n : LOG_CAPTURE_MAX;

	for (i = 0; i < kept; i++)
		printf("# log %s: %s%s%s\n", sva_log_level_name(cap->msg[i].level),
		       cap->msg[i].origin, cap->msg[i].origin[0] ? ": " : "", cap->msg[i].text);
}

#endif /* TESTS_UNIT_LOG_CAPTURE_H */
