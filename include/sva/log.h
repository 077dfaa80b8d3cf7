/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnostic messages of libsva: what the software stack (os/, like a
 * kernel's printk) and the hardware models (hw/, like a VMM's guest-error
 * log) have to say, with a severity, going to one hook.
 *
 * The vocabulary (levels, the message, the hook type) is stateless and
 * shared: the SMMU model takes a hook of this type per instance
 * (smmu_set_log() in hw/smmu/smmu.h), so a VMM that embeds only the model
 * sees its messages without any global state. The process-wide sink below
 * is where the software's messages go, and where the simulated machine
 * forwards its models' messages.
 *
 * Default: messages up to SVA_LOG_CRIT (the software found one of its own
 * invariants broken) are printed on stderr; everything milder is dropped.
 * Errors a device or a test provokes on purpose (a fault, a bad PASID, an
 * unsupported feature) are SVA_LOG_ERR or milder, so a run whose outcomes
 * were all expected stays quiet; `sva run -v` raises the level to
 * SVA_LOG_DEBUG. SVA_LOG_LEVEL=debug (or err, warning, ..., or 0..7) in the
 * environment sets the level a program starts with, e.g. to see what a
 * test's software said.
 */
#ifndef SVA_LOG_H
#define SVA_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

/* Severities, numbered as the kernel's KERN_* levels: lower is more severe. */
enum sva_log_level {
	SVA_LOG_EMERG,
	SVA_LOG_ALERT,
	SVA_LOG_CRIT,		/* an invariant of the software is broken (a BUG) */
	SVA_LOG_ERR,		/* an operation failed or a device misbehaved */
	SVA_LOG_WARNING,
	SVA_LOG_NOTICE,
	SVA_LOG_INFO,
	SVA_LOG_DEBUG,
};

struct sva_log_msg {
	enum sva_log_level level;
	/* Who speaks: a device ("arm-smmu-v3", "smmuv3-model"), or NULL. */
	const char *origin;
	/* One line, without newline; valid only during the hook call. */
	const char *text;
	/* Messages of the same rate-limited source dropped just before this one. */
	unsigned long suppressed;
};

/* A log hook. Called from any thread, never for two messages at a time. */
typedef void (*sva_log_fn)(void *ctx, const struct sva_log_msg *msg);

/* "err", "warning", ...; "?" for a value out of range. */
const char *sva_log_level_name(enum sva_log_level level);

/*
 * Send messages to @fn (NULL: back to the default, stderr). When this
 * returns, no message is being delivered to the previous hook, so its
 * context may be freed. *@old_fn / *@old_ctx (if not NULL) receive the
 * previous hook, to restore it later.
 */
void sva_log_set_hook(sva_log_fn fn, void *ctx, sva_log_fn *old_fn, void **old_ctx);
/* Deliver messages up to @level (SVA_LOG_CRIT by default); returns the previous level. */
enum sva_log_level sva_log_set_level(enum sva_log_level level);
/* Whether a message of @level would be delivered (to skip building it). */
int sva_log_enabled(enum sva_log_level level);
/* Deliver @msg to the hook if its level is enabled. */
void sva_log_emit(const struct sva_log_msg *msg);
/* sva_log_emit() as a hook (@ctx unused): give it to a model to join this log. */
void sva_log_forward(void *ctx, const struct sva_log_msg *msg);
/* The default sink: "origin: text" on stderr (@ctx unused). */
void sva_log_stderr(void *ctx, const struct sva_log_msg *msg);

#ifdef __cplusplus
}
#endif

#endif /* SVA_LOG_H */
