/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator's one clock: CLOCK_MONOTONIC in nanoseconds. Trace spans,
 * fault latencies and the workload's timing all read it, so their times
 * line up (a trace span from fault_latency's timestamps, for instance).
 */
#ifndef SIM_CLOCK_H
#define SIM_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t sim_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif /* SIM_CLOCK_H */
