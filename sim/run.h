/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario interpreter: runs a .sva file line by line on a machine
 * (sim/machine.h), printing each line's outcome on @out.
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stdbool.h>
#include <stdio.h>

struct scn_run_opts {
	bool verbose;		/* -v: the hardware log (cmd/evt/pri/ste/cd lines) */
	const char *trace_path;	/* --trace: Chrome trace-event JSON, or NULL */
	FILE *out;		/* outcomes and the log (stdout) */
	FILE *err;		/* errors (stderr) */
};

/*
 * Run the scenario in @path. Returns the exit status SCENARIO.md defines:
 * 0 every expectation held, 1 an expectation failed, 2 an error stopped
 * the run (the message, "FILE:LINE: ...", is on opts->err).
 */
int scn_run_file(const char *path, const struct scn_run_opts *opts);

#endif /* SIM_RUN_H */
