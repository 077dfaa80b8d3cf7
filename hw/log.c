// SPDX-License-Identifier: GPL-2.0
/* A hardware block's diagnostic messages, formatted for its embedder's hook (hw/bus.h). */
#include <stdarg.h>
#include <stdio.h>

#include "hw/bus.h"

#define HW_LOG_LINE_MAX	256

void hw_log(const struct log_sink *sink, enum sva_log_level level, const char *origin,
	    const char *fmt, ...)
{
	char text[HW_LOG_LINE_MAX];
	struct sva_log_msg msg = { .level = level, .origin = origin, .text = text };
	va_list ap;

	if (!sink || !sink->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sink->fn(sink->ctx, &msg);
}
