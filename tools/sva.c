// SPDX-License-Identifier: GPL-2.0
/*
 * The sva command: run scenarios, the workload, the stress oracle, and
 * describe the machine. Each subcommand lives in tools/cmd_NAME.c.
 */
#include <errno.h>
#include <stdbool.h>
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
	fputs("\n'sva help COMMAND' (or 'sva COMMAND --help') describes a command.\n", f);
}

static const struct sva_command *find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(name, commands[i]->name))
			return commands[i];
	return NULL;
}

static int version(void)
{
	printf("sva %s\n", SVA_VERSION);
	return 0;
}

/* --version or -V among a command's words (before a "--"). */
static bool wants_version(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V"))
			return true;
	return false;
}

/*
 * What a command printed must have reached its file: a full disk or
 * /dev/full turns a success into exit status 2, with one line saying so.
 */
static int finish(const char *cmd, int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		int e = errno;

		fprintf(stderr, "sva: %s%swrite error on stdout: %s\n", cmd ? cmd : "",
			cmd ? ": " : "", strerror(e ? e : EIO));
		return status > 2 ? status : 2;
	}
	return status;
}

static int help(int argc, char **argv)
{
	const struct sva_command *cmd;
	char *args[] = { NULL, "--help", NULL };

	if (argc < 3) {
		usage(stdout);
		return 0;
	}
	cmd = find_command(argv[2]);
	if (!cmd) {
		fprintf(stderr, "sva: help: unknown command '%s' (sva --help lists them)\n",
			argv[2]);
		return 2;
	}
	args[0] = argv[2];
	return finish(cmd->name, cmd->main(2, args));
}

int main(int argc, char **argv)
{
	const struct sva_command *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return finish(NULL, 0);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return finish(NULL, version());
	if (!strcmp(argv[1], "help"))
		return help(argc, argv);
	cmd = find_command(argv[1]);
	if (cmd) {
		if (wants_version(argc - 1, argv + 1))
			return finish(cmd->name, version());
		return finish(cmd->name, cmd->main(argc - 1, argv + 1));
	}
	fprintf(stderr, "sva: unknown command '%s' (sva --help lists them)\n", argv[1]);
	return 2;
}
