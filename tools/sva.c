// SPDX-License-Identifier: GPL-2.0
/*
 * The sva command: run scenarios, the workload, the stress oracle, and
 * describe the machine.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run.h"

#define SVA_VERSION	"0.1.0"

static const char usage_text[] =
	"usage: sva [--help] [--version] COMMAND [ARGS]\n"
	"\n"
	"Shared Virtual Addressing on an Arm SMMUv3, hardware and software, simulated.\n"
	"\n"
	"commands:\n"
	"  run FILE.sva...   run scenarios (exit 0: all held, 1: an expectation failed, 2: error)\n"
	"\n"
	"'sva COMMAND --help' describes a command.\n";

static const char run_usage[] =
	"usage: sva run [-v] FILE.sva...\n"
	"\n"
	"Run each scenario line by line and print every line's outcome.\n"
	"  -v, --verbose   also print each command, event, page request and fetched\n"
	"                  STE/CD as it crosses the hardware, with its raw words\n"
	"  -h, --help      this text\n";

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scn_run_opts ro = { .out = stdout, .err = stderr };
	int c, i, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			ro.verbose = true;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 0;
		default:
			fputs(run_usage, stderr);
			return 2;
		}
	}
	if (optind == argc) {
		fputs(run_usage, stderr);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		int s = scn_run_file(argv[i], &ro);

		fflush(stdout);
		if (s > status)
			status = s;
	}
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sva %s\n", SVA_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	fprintf(stderr, "sva: unknown command '%s'\n", argv[1]);
	fputs(usage_text, stderr);
	return 2;
}
