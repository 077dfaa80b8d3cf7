// SPDX-License-Identifier: GPL-2.0
/*
 * The libsva log (include/sva/log.h) and the software's printk on top of
 * it (os/printk.h). One hook for the process, like a kernel's console:
 * the level is checked before a message is formatted, and delivery is
 * serialized so a hook sees whole messages one at a time and can be
 * swapped safely.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/printk.h"

#define PRINTK_LINE_MAX	512

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static sva_log_fn log_fn = sva_log_stderr;	/* under log_lock */
static void *log_ctx;				/* under log_lock */
static int log_level = SVA_LOG_CRIT;		/* atomic */

static const char *const level_names[] = {
	[SVA_LOG_EMERG] = "emerg",	[SVA_LOG_ALERT] = "alert",
	[SVA_LOG_CRIT] = "crit",	[SVA_LOG_ERR] = "err",
	[SVA_LOG_WARNING] = "warning",	[SVA_LOG_NOTICE] = "notice",
	[SVA_LOG_INFO] = "info",	[SVA_LOG_DEBUG] = "debug",
};

const char *sva_log_level_name(enum sva_log_level level)
{
	if ((unsigned int)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[level];
}

/* SVA_LOG_LEVEL=debug (or a number 0..7) in the environment sets the initial level. */
__attribute__((constructor)) static void log_level_from_env(void)
{
	const char *env = getenv("SVA_LOG_LEVEL");
	unsigned int i;

	if (!env)
		return;
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcmp(env, level_names[i]) || (env[0] == (char)('0' + i) && !env[1]))
			log_level = (int)i;
}

void sva_log_stderr(void *ctx, const struct sva_log_msg *msg)
{
	(void)ctx;
	if (msg->origin)
		fprintf(stderr, "%s: ", msg->origin);
	fputs(msg->text, stderr);
	if (msg->suppressed)
		fprintf(stderr, " (%lu similar messages suppressed)", msg->suppressed);
	fputc('\n', stderr);
}

void sva_log_set_hook(sva_log_fn fn, void *ctx, sva_log_fn *old_fn, void **old_ctx)
{
	pthread_mutex_lock(&log_lock);
	if (old_fn)
		*old_fn = log_fn == sva_log_stderr ? NULL : log_fn;
	if (old_ctx)
		*old_ctx = log_ctx;
	log_fn = fn ? fn : sva_log_stderr;
	log_ctx = fn ? ctx : NULL;
	pthread_mutex_unlock(&log_lock);
}

enum sva_log_level sva_log_set_level(enum sva_log_level level)
{
	return (enum sva_log_level)__atomic_exchange_n(&log_level, (int)level, __ATOMIC_RELAXED);
}

int sva_log_enabled(enum sva_log_level level)
{
	return (int)level <= __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void sva_log_emit(const struct sva_log_msg *msg)
{
	if (!sva_log_enabled(msg->level))
		return;
	pthread_mutex_lock(&log_lock);
	log_fn(log_ctx, msg);
	pthread_mutex_unlock(&log_lock);
}

void sva_log_forward(void *ctx, const struct sva_log_msg *msg)
{
	(void)ctx;
	sva_log_emit(msg);
}

void printk_emit(enum sva_log_level level, const char *origin, unsigned long suppressed,
		 const char *fmt, ...)
{
	char text[PRINTK_LINE_MAX];
	struct sva_log_msg msg = {
		.level = level, .origin = origin, .text = text, .suppressed = suppressed,
	};
	va_list ap;

	if (!sva_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sva_log_emit(&msg);
}

bool printk_ratelimit_pass(unsigned long n, unsigned long *suppressed)
{
	*suppressed = 0;
	if (n <= PRINTK_RATELIMIT_BURST)
		return true;
	if (n & (n - 1))
		return false;
	/* The previous one to pass was n / 2, or the end of the burst. */
	*suppressed = n - 1 - (n / 2 > PRINTK_RATELIMIT_BURST ? n / 2 : PRINTK_RATELIMIT_BURST);
	return true;
}
