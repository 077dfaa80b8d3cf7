// SPDX-License-Identifier: GPL-2.0
/*
 * The sva command: run scenarios, the workload, the stress oracle, and
 * describe the machine. Each subcommand lives in tools/cmd_NAME.c.
 */
#include <stdio.h>
#include <string.h>

#include "sva/log.h"
#include "tools/sva.h"

static const struct sva_command *const commands[] = {
	&sva_cmd_run,
	&sva_cmd_bench,
	&sva_cmd_stress,
	&sva_cmd_info,
};

#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void log_after_stdout(void *ctx, const struct sva_log_msg *msg)
{
	fflush(stdout);
	sva_log_stderr(ctx, msg);
}

void sva_log_verbose(void)
{
	sva_log_set_hook(log_after_stdout, NULL, NULL, NULL);
	sva_log_set_level(SVA_LOG_DEBUG);
}

static void usage(FILE *f)
{
	unsigned int i;

	fputs("usage: sva [--help] [--version] COMMAND [ARGS]\n"
	      "\n"
	      "Shared Virtual Addressing on an Arm SMMUv3: the Linux SVA stack on an\n"
	      "architecturally exact SMMUv3 with PCIe endpoints and DMA engines, simulated.\n"
	      "\n"
	      "commands:\n", f);
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n'sva COMMAND --help' describes a command.\n", f);
}

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sva %s\n", SVA_VERSION);
		return 0;
	}
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->main(argc - 1, argv + 1);
	fprintf(stderr, "sva: unknown command '%s' (sva --help lists them)\n", argv[1]);
	return 2;
}
