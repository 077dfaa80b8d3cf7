// SPDX-License-Identifier: GPL-2.0
/*
 * The sva command as a user runs it: exit statuses, --help/--version, where
 * results and errors go. The binary is the one built beside this test
 * (build[/san-*]/sva, found from /proc/self/exe).
 */
#include <libgen.h>
#include <limits.h>

#include "tests/harness.h"

static char sva[PATH_MAX];

static void find_sva(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ASSERT_GT(n, 0);
	exe[n] = '\0';
	/* .../build/tests/test_cli -> .../build/sva */
	snprintf(sva, sizeof(sva), "%s/sva", dirname(dirname(exe)));
	ASSERT_EQ(access(sva, X_OK), 0);
}

/* Run "sva ARGS", capturing stdout and stderr; returns the exit status. */
static int run(const char *args, char *out, size_t outlen, char *err, size_t errlen)
{
	char cmd[PATH_MAX + 512], path_out[] = "/tmp/sva-cli-out-XXXXXX",
	     path_err[] = "/tmp/sva-cli-err-XXXXXX";
	int fo = mkstemp(path_out), fe = mkstemp(path_err), status;
	FILE *f;
	size_t n;

	if (fo < 0 || fe < 0)
		return -1;
	close(fo);
	close(fe);
	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>%s", sva, args, path_out, path_err);
	status = system(cmd);
	f = fopen(path_out, "r");
	n = f ? fread(out, 1, outlen - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
	f = fopen(path_err, "r");
	n = f ? fread(err, 1, errlen - 1, f) : 0;
	err[n] = '\0';
	if (f)
		fclose(f);
	unlink(path_out);
	unlink(path_err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char out[65536], err[65536];

/* Run "sva ARGS" with stdout on /dev/full; the exit status, stderr in err. */
static int run_full(const char *args)
{
	char cmd[PATH_MAX + 512], path_err[] = "/tmp/sva-cli-err-XXXXXX";
	int fe = mkstemp(path_err), status;
	FILE *f;
	size_t n;

	if (fe < 0)
		return -1;
	close(fe);
	snprintf(cmd, sizeof(cmd), "%s %s >/dev/full 2>%s", sva, args, path_err);
	status = system(cmd);
	f = fopen(path_err, "r");
	n = f ? fread(err, 1, sizeof(err) - 1, f) : 0;
	err[n] = '\0';
	if (f)
		fclose(f);
	unlink(path_err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(help_and_version)
{
	find_sva();
	EXPECT_EQ(run("--version", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(!strncmp(out, "sva ", 4));
	EXPECT_EQ(run("--help", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, "run") && strstr(out, "bench") && strstr(out, "stress") &&
		    strstr(out, "info"));
	EXPECT_STREQ(err, "");
	EXPECT_EQ(run("", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_STREQ(out, "");				/* usage goes to stderr */
	EXPECT_EQ(run("frobnicate", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, "unknown command 'frobnicate'") != NULL);
	EXPECT_EQ(run("run --help", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, "--trace") != NULL);
	EXPECT_EQ(run("bench --help", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_EQ(run("stress --help", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_EQ(run("info --help", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_EQ(run("run --no-such-option x.sva", out, sizeof(out), err, sizeof(err)), 2);
}

/* One convention: sva: CMD: errors, -V everywhere, sva help CMD, write errors. */
TEST(cli_convention)
{
	static const char *const cmds[] = { "run", "bench", "stress", "info" };
	char args[64];
	unsigned int i;

	find_sva();
	for (i = 0; i < 4; i++) {
		snprintf(args, sizeof(args), "%s --version", cmds[i]);
		EXPECT_EQ(run(args, out, sizeof(out), err, sizeof(err)), 0);
		EXPECT_TRUE(!strncmp(out, "sva ", 4));
		snprintf(args, sizeof(args), "%s -V", cmds[i]);
		EXPECT_EQ(run(args, out, sizeof(out), err, sizeof(err)), 0);
		EXPECT_TRUE(!strncmp(out, "sva ", 4));
		snprintf(args, sizeof(args), "help %s", cmds[i]);
		EXPECT_EQ(run(args, out, sizeof(out), err, sizeof(err)), 0);
		EXPECT_TRUE(strstr(out, "usage: sva ") != NULL);
		EXPECT_TRUE(strstr(out, "--version") != NULL);
		/* stdout that cannot be written: status 2 and one line saying so. */
		snprintf(args, sizeof(args), "help %s", cmds[i]);
		EXPECT_EQ(run_full(args), 2);
		EXPECT_TRUE(strstr(err, "write error") != NULL);
	}
	EXPECT_EQ(run("help nope", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(!strncmp(err, "sva: help: ", 11));
	EXPECT_EQ(run_full("--version"), 2);
	EXPECT_TRUE(!strncmp(err, "sva: write error", 16));
	EXPECT_EQ(run("bench --size 0", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(!strncmp(err, "sva: bench: ", 12));
	EXPECT_EQ(run("bench -b 0", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, "--size") != NULL);
	EXPECT_EQ(run("bench -s x", out, sizeof(out), err, sizeof(err)), 2);	/* -s: the seed */
	EXPECT_TRUE(strstr(err, "--seed") != NULL);
	EXPECT_EQ(run("stress -s x -n 1", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(!strncmp(err, "sva: stress: --seed", 19));
	EXPECT_EQ(run("info colour=blue", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(!strncmp(err, "sva: info: ", 11));
	/* Ranges in --help. */
	EXPECT_EQ(run("bench --help", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, "1..32") && strstr(out, "1..16M"));
	EXPECT_EQ(run("stress --help", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, "1..8") != NULL);
}

TEST_TIMEOUT(run_statuses, 120)
{
	find_sva();
	EXPECT_EQ(run("run examples/shared-pasid.sva", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, "examples/shared-pasid.sva:8: bind gpu app as g: pasid 1") != NULL);
	EXPECT_EQ(run("run", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_EQ(run("run /nonexistent.sva", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, "/nonexistent.sva") != NULL);
	/* -v: raw words of what crossed the hardware, in SCENARIO.md's line format. */
	EXPECT_EQ(run("run -v examples/pri-demand-paging.sva", out, sizeof(out), err, sizeof(err)),
		  0);
	EXPECT_TRUE(strstr(out, "\ncmd CMD_PRI_RESP 0x") != NULL);
	EXPECT_TRUE(strstr(out, "\npri 0x") != NULL);
	EXPECT_TRUE(strstr(out, "\nste 0 0x") != NULL);
	EXPECT_TRUE(strstr(out, "\ncd 0 1 0x") != NULL);
}

TEST_TIMEOUT(info_and_short_stress, 120)
{
	find_sva();
	EXPECT_EQ(run("info btm=off", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, "IDR0") != NULL);
	EXPECT_EQ(run("info colour=blue", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_STREQ(out, "");
	EXPECT_EQ(run("stress --seed 5 --ops 200", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, "violations 0") != NULL);
	EXPECT_EQ(run("stress --seed x --ops 200", out, sizeof(out), err, sizeof(err)), 2);
	/* Every machine setting is an option, with the scenario's names and values. */
	EXPECT_EQ(run("stress --seed 5 --ops 200 --btm off --sva-asid private --cd-table linear"
		      " --page-size 16K --device-kinds platform+stall,pci+ats+pri", out,
		      sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, "violations 0") != NULL);
	EXPECT_EQ(run("stress --seed 5 --ops 200 --httu sometimes", out, sizeof(out), err,
		      sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, "--httu: httu: expected none, ha or hd, got 'sometimes'") != NULL);
	EXPECT_EQ(run("stress --seed 5 --ops 200 --device-kinds pci+stall", out, sizeof(out), err,
		      sizeof(err)), 2);
	EXPECT_EQ(run("stress --help", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, "--e2h off|on") != NULL);
}

/*
 * A passing stress run provokes faults on purpose (bogus PASIDs, DMA after
 * unbind): the driver's messages about them are diagnostics, shown with -v
 * only. The same seed, so the same faults.
 */
TEST_TIMEOUT(passing_runs_are_quiet_v_shows_diagnostics, 120)
{
	find_sva();
	EXPECT_EQ(run("stress --seed 5 --ops 200", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_STREQ(err, "");
	EXPECT_EQ(run("stress --seed 5 --ops 200 -v", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(err, "arm-smmu-v3: C_BAD_SUBSTREAMID sid ") != NULL);
	EXPECT_EQ(run("run examples/vhe-64k-mixed.sva", out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_STREQ(err, "");
}

TEST_TIMEOUT(bench_json, 120)
{
	find_sva();
	EXPECT_EQ(run("bench --duration 1 --processes 1 --devices 1 --size 16K --json", out,
		      sizeof(out), err, sizeof(err)), 0);
	EXPECT_EQ(out[0], '{');
	{
		/* It is JSON a machine can read (Perl's core JSON::PP decodes it). */
		char cmd[PATH_MAX + 256];

		snprintf(cmd, sizeof(cmd), "%s bench --duration 1 --processes 1 --devices 1 "
			 "--size 16K --json | perl -MJSON::PP -e 'decode_json(join \"\", <STDIN>)'",
			 sva);
		EXPECT_EQ(system(cmd), 0);
	}
	EXPECT_EQ(run("bench --fault-mode sideways", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_STREQ(out, "");
}
