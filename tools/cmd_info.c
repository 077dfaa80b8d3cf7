// SPDX-License-Identifier: GPL-2.0
/* sva info: the configured machine's SMMU ID registers, driver features and limits. */
#include <stdio.h>

#include "tools/sva.h"

static int info_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

const struct sva_command sva_cmd_info = {
	.name = "info",
	.summary = "the machine: SMMU ID registers decoded, driver features, limits",
	.main = info_main,
};
