/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sva command's subcommands: one file each (tools/cmd_*.c), listed in
 * the table of tools/sva.c. A subcommand gets argv with argv[0] = its name,
 * parses its options with getopt_long, prints results on stdout and errors
 * on stderr, and returns the exit status.
 */
#ifndef TOOLS_SVA_H
#define TOOLS_SVA_H

#include "sva/sva.h"

/* The version has one home: SVA_VERSION_STRING in include/sva/sva.h. */
#define SVA_VERSION	SVA_VERSION_STRING

struct sva_command {
	const char *name;
	const char *summary;		/* one line for `sva --help` */
	int (*main)(int argc, char **argv);
};

/*
 * -v: show every diagnostic of the software and the models (on stderr, in
 * order with what stdout has printed so far). Without it only messages
 * saying the software broke an invariant of its own are shown.
 */
void sva_log_verbose(void);

extern const struct sva_command sva_cmd_run;
extern const struct sva_command sva_cmd_bench;
extern const struct sva_command sva_cmd_stress;
extern const struct sva_command sva_cmd_info;

#endif /* TOOLS_SVA_H */
