/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The software's log, as a kernel's printk: pr_err() and friends for a
 * subsystem (prefixed through pr_fmt(), defined before the include as in
 * Linux), dev_err() and friends naming the device, and *_ratelimited()
 * variants for what a misbehaving device can make happen at any rate.
 * Every message goes to the libsva log hook (include/sva/log.h).
 *
 * Levels, as used here:
 *   crit  the software broke one of its own invariants (a BUG or WARN);
 *   err   an operation failed, or the hardware or a device reported a
 *         fault the software did not expect to handle silently;
 *   warn  something was refused or degraded, but handled;
 *   info, debug  what a -v user may want to follow.
 */
#ifndef OS_PRINTK_H
#define OS_PRINTK_H

#include <stdbool.h>

#include "sva/log.h"

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

/* Format and deliver one message (a no-op unless @level is enabled). */
void printk_emit(enum sva_log_level level, const char *origin, unsigned long suppressed,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Rate limiting by count, so that logs stay deterministic: of a source's
 * messages, the first PRINTK_RATELIMIT_BURST pass, then the 32nd, 64th,
 * 128th... (a storm of 2^k messages leaves about BURST + k lines).
 * Whether the @n-th message (from 1) passes; *@suppressed is then how
 * many were dropped since the previous one that passed.
 */
#define PRINTK_RATELIMIT_BURST	16
bool printk_ratelimit_pass(unsigned long n, unsigned long *suppressed);

#define printk_ratelimited(level, origin, fmt, ...)				\
	do {									\
		static unsigned long __rl_count;				\
		unsigned long __rl_n, __rl_sup;					\
										\
		if (!sva_log_enabled(level))					\
			break;							\
		__rl_n = __atomic_add_fetch(&__rl_count, 1, __ATOMIC_RELAXED);	\
		if (printk_ratelimit_pass(__rl_n, &__rl_sup))			\
			printk_emit(level, origin, __rl_sup, fmt, ##__VA_ARGS__);\
	} while (0)

#define pr_crit(fmt, ...)	printk_emit(SVA_LOG_CRIT, NULL, 0, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk_emit(SVA_LOG_ERR, NULL, 0, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk_emit(SVA_LOG_WARNING, NULL, 0, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk_emit(SVA_LOG_INFO, NULL, 0, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	printk_emit(SVA_LOG_DEBUG, NULL, 0, pr_fmt(fmt), ##__VA_ARGS__)

#define pr_err_ratelimited(fmt, ...)						\
	printk_ratelimited(SVA_LOG_ERR, NULL, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...)						\
	printk_ratelimited(SVA_LOG_WARNING, NULL, pr_fmt(fmt), ##__VA_ARGS__)

/*
 * @dev is anything with a `name` string: struct device, struct pci_dev,
 * struct arm_smmu_device. The name becomes the message's origin.
 */
#define dev_name(dev)		((const char *)(dev)->name)
#define dev_printk(level, dev, fmt, ...)					\
	printk_emit(level, dev_name(dev), 0, fmt, ##__VA_ARGS__)
#define dev_crit(dev, fmt, ...)	dev_printk(SVA_LOG_CRIT, dev, fmt, ##__VA_ARGS__)
#define dev_err(dev, fmt, ...)	dev_printk(SVA_LOG_ERR, dev, fmt, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...)	dev_printk(SVA_LOG_WARNING, dev, fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...)	dev_printk(SVA_LOG_INFO, dev, fmt, ##__VA_ARGS__)
#define dev_dbg(dev, fmt, ...)	dev_printk(SVA_LOG_DEBUG, dev, fmt, ##__VA_ARGS__)

#define dev_err_ratelimited(dev, fmt, ...)					\
	printk_ratelimited(SVA_LOG_ERR, dev_name(dev), fmt, ##__VA_ARGS__)
#define dev_warn_ratelimited(dev, fmt, ...)					\
	printk_ratelimited(SVA_LOG_WARNING, dev_name(dev), fmt, ##__VA_ARGS__)

#endif /* OS_PRINTK_H */
