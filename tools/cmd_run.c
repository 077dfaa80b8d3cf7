// SPDX-License-Identifier: GPL-2.0
/* sva run: run scenarios (docs/SCENARIO.md). */
#include <getopt.h>
#include <stdio.h>

#include "sim/run.h"
#include "tools/sva.h"

static const char run_usage[] =
	"usage: sva run [-v] [--trace OUT.json] FILE.sva...\n"
	"\n"
	"Run each scenario line by line and print every line's outcome.\n"
	"Exit status: 0 every expectation held, 1 an expectation failed, 2 an error\n"
	"(FILE:LINE: message on stderr) stopped a run.\n"
	"\n"
	"  -v, --verbose   also print each command, event and page request as it\n"
	"                  crosses a hardware queue, and each STE/CD the SMMU\n"
	"                  fetches, with its raw 64-bit words; and on stderr every\n"
	"                  message of the driver and the SMMU model (without -v,\n"
	"                  only those that say the software broke an invariant)\n"
	"  -t, --trace OUT.json  write a Chrome trace-event file (open it in\n"
	"                  ui.perfetto.dev): DMA descriptors and page-request / stall\n"
	"                  round trips as spans per device, commands and events as\n"
	"                  instants, the driver's CMD_SYNC waits as spans (with several\n"
	"                  files, each run overwrites it: the last one stays)\n"
	"  -h, --help      this text\n"
	"  -V, --version   the version\n";

static int run_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "trace", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scn_run_opts ro = { .out = stdout, .err = stderr };
	int c, i, status = 0;

	while ((c = getopt_long(argc, argv, "vt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			ro.verbose = true;
			sva_log_verbose();
			break;
		case 't':
			ro.trace_path = optarg;
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

const struct sva_command sva_cmd_run = {
	.name = "run",
	.summary = "run scenarios (exit 0: all held, 1: an expectation failed, 2: error)",
	.main = run_main,
};
