// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario interpreter end to end: every scenario in examples/ and every
 * regression scenario in tests/scenarios/ holds, the
 * SCENARIO.md example holds, and the exit statuses and messages of the
 * contract (0 held, 1 an expectation failed, 2 an error with FILE:LINE).
 */
#include <glob.h>

#include "sim/run.h"
#include "tests/harness.h"

/* Run @text as a scenario; the outcome stream and errors go to @out / @err. */
static int run_text(const char *text, char *out, size_t outlen, char *err, size_t errlen)
{
	char path[] = "/tmp/sva-test-XXXXXX";
	int fd = mkstemp(path);
	FILE *o = tmpfile(), *e = tmpfile();
	struct scn_run_opts opts = { .out = o, .err = e };
	size_t n;
	int status;

	if (fd < 0 || !o || !e)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	status = scn_run_file(path, &opts);
	unlink(path);
	rewind(o);
	n = fread(out, 1, outlen - 1, o);
	out[n] = '\0';
	rewind(e);
	n = fread(err, 1, errlen - 1, e);
	err[n] = '\0';
	fclose(o);
	fclose(e);
	return status;
}

/* Every scenario matching @pattern (at least @min of them) holds. */
static void every_scenario_holds(const char *pattern, size_t min)
{
	struct scn_run_opts opts = { .out = fopen("/dev/null", "w"), .err = stderr };
	glob_t g;
	size_t i;

	ASSERT_EQ(glob(pattern, 0, NULL, &g), 0);
	ASSERT_GE(g.gl_pathc, min);
	for (i = 0; i < g.gl_pathc; i++) {
		int status = scn_run_file(g.gl_pathv[i], &opts);

		TH_LOG("%s: exit %d", g.gl_pathv[i], status);
		EXPECT_EQ(status, 0);
	}
	globfree(&g);
	fclose(opts.out);
}

TEST_TIMEOUT(every_example_holds, 600)
{
	every_scenario_holds("examples/*.sva", 8);
}

/* Each of these failed on the code before its fix: the file says what broke. */
TEST_TIMEOUT(every_regression_scenario_holds, 600)
{
	every_scenario_holds("tests/scenarios/*.sva", 2);
}

/* The example of docs/SCENARIO.md, word for word. */
static const char scenario_md_example[] =
	"smmu btm=off\n"
	"device acc pci ats pri\n"
	"process app\n"
	"mmap app 0x400000 64K rw\n"
	"bind acc app as h\n"
	"dma h fill 0x400000 8K 0x5a -> ok          # pages fault in through PRI\n"
	"expect count page_requests >= 1\n"
	"cpu-check app 0x400000 8K 0x5a\n"
	"reset counters\n"
	"munmap app 0x400000 64K\n"
	"expect count CMD_TLBI_NH_VA >= 1           # without BTM the driver invalidates the SMMU TLB\n"
	"expect count CMD_ATC_INV >= 1              # ... and the device's ATC\n"
	"dma h check 0x400000 4K 0x5a -> fault 0x400000\n"
	"unbind h\n";

TEST_TIMEOUT(scenario_md_example_holds, 120)
{
	static char out[16384], err[4096];

	EXPECT_EQ(run_text(scenario_md_example, out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_STREQ(err, "");
	EXPECT_TRUE(strstr(out, ":13: dma h check 0x400000 4K 0x5a -> fault 0x400000: fault 0x400000\n") != NULL);
	EXPECT_TRUE(strstr(out, ":5: bind acc app as h: pasid 1\n") != NULL);
}

TEST_TIMEOUT(failed_expectation_continues_with_status_1, 120)
{
	static char out[16384], err[4096];
	const char *text =
		"device acc pci ats pri\n"
		"process app\n"
		"mmap app 0x400000 16K rw\n"
		"bind acc app as h\n"
		"dma h fill 0x400000 4K 1 -> fault 0x400000\n"	/* wrong: it succeeds */
		"dma h check 0x400000 4K 2 -> ok\n"		/* wrong: mismatch */
		"cpu-check app 0x400000 4K 1\n"			/* right */
		"expect count page_requests == 0\n";		/* wrong */

	EXPECT_EQ(run_text(text, out, sizeof(out), err, sizeof(err)), 1);
	TH_LOG("%s", out);
	EXPECT_TRUE(strstr(out, ":5: expected fault 0x400000, got ok\n") != NULL);
	EXPECT_TRUE(strstr(out, ":6: expected ok, got mismatch 0x400000\n") != NULL);
	EXPECT_TRUE(strstr(out, ":7: cpu-check app 0x400000 4K 1: ok\n") != NULL);
	EXPECT_TRUE(strstr(out, ":8: expected page_requests == 0, got ") != NULL);
	EXPECT_TRUE(strstr(err, "3 expectations failed") != NULL);
}

TEST_TIMEOUT(errors_stop_the_run_with_status_2, 120)
{
	static char out[16384], err[4096];

	EXPECT_EQ(run_text("process p\nfrobnicate p\nprocess q\n", out, sizeof(out), err,
			   sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, ":2: unknown command 'frobnicate'") != NULL);
	EXPECT_TRUE(strstr(out, ":1: process p: ok") != NULL);
	EXPECT_TRUE(strstr(out, "process q") == NULL);	/* never reached */

	EXPECT_EQ(run_text("process p\nmmap p 0x400000 64K rw\nmmap p 0x400001 4K rw\n", out,
			   sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, ":3: mmap 0x400001") != NULL);

	EXPECT_EQ(run_text("process p\nexit p\ncpu-fill p 0x400000 1 1\n", out, sizeof(out), err,
			   sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, ":3: the process has exited") != NULL);

	EXPECT_EQ(run_text("smmu asid-bits=12\n", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, ":1: asid-bits must be 8 or 16") != NULL);

	EXPECT_EQ(run_text("device a pci sid=70000\n", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, ":1: StreamID 70000 does not fit") != NULL);
}

TEST_TIMEOUT(refused_bind_says_why, 120)
{
	static char out[16384], err[4096];
	/* An SMMU with 8-bit ASIDs cannot share the CPUs' 16-bit ASIDs. */
	const char *text =
		"smmu asid-bits=8\n"
		"device acc pci ats pri\n"
		"process app\n"
		"bind acc app as h -> refused\n"
		"bind acc app as h2\n";

	EXPECT_EQ(run_text(text, out, sizeof(out), err, sizeof(err)), 1);
	TH_LOG("%s", out);
	EXPECT_TRUE(strstr(out, ":4: bind acc app as h -> refused: refused: SMMU ASIDs (8 bits) are narrower") != NULL);
	EXPECT_TRUE(strstr(out, ":5: expected ok, got refused\n") != NULL);
}

/* A refused bind defines no handle: using it is an error, binding the name again is not. */
TEST_TIMEOUT(refused_bind_leaves_the_handle_undefined, 120)
{
	static char out[16384], err[4096];
	const char *rebind =
		"device acc pci ats pri\n"
		"device plain pci\n"
		"process app\n"
		"mmap app 0x400000 16K rw\n"
		"bind plain app as h -> refused\n"
		"bind acc app as h\n"
		"dma h fill 0x400000 4K 1 -> ok\n"
		"unbind h\n";

	EXPECT_EQ(run_text(rebind, out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_STREQ(err, "");
	EXPECT_TRUE(strstr(out, ":6: bind acc app as h: pasid 1\n") != NULL);
	EXPECT_TRUE(strstr(out, ":7: dma h fill 0x400000 4K 1 -> ok: ok\n") != NULL);

	EXPECT_EQ(run_text("device plain pci\nprocess app\nbind plain app as h -> refused\n"
			   "dma h fill 0x400000 4K 1\n", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, ":4: unknown handle 'h'") != NULL);
}

/* Messages say what was expected and what was found, and why a line cannot run. */
TEST_TIMEOUT(messages_say_expected_got_and_why, 120)
{
	static char out[16384], err[4096];

	/* cpu-check: the byte found, not only where. */
	EXPECT_EQ(run_text("process p\nmmap p 0x400000 4K rw\ncpu-fill p 0x400000 16 0x11\n"
			   "cpu-check p 0x400000 32 0x11\n", out, sizeof(out), err, sizeof(err)), 1);
	EXPECT_TRUE(strstr(out, ":4: expected 0x11 at 0x400010, got 0x00\n") != NULL);

	/* A PCIe function that cannot exist says which rule it breaks. */
	EXPECT_EQ(run_text("device x pci pri\n", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, ":1: device 'x': pri needs ats") != NULL);
	EXPECT_EQ(run_text("device x pci ats pri pasid-bits=0\n", out, sizeof(out), err,
			   sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, ":1: device 'x': pri needs pasid-bits") != NULL);

	/* Bytes that are not printable are escaped, in errors and in outcomes. */
	EXPECT_EQ(run_text("process p\x01q\n", out, sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strstr(err, ":1: bad process name 'p\\x01q'\n") != NULL);
	EXPECT_EQ(run_text("process p\nexpect count page_requests \x1b[2J== 0\n", out,
			   sizeof(out), err, sizeof(err)), 2);
	EXPECT_TRUE(strchr(err, 0x1b) == NULL);
	EXPECT_TRUE(strstr(err, "\\x1b[2J") != NULL);
}

TEST(missing_file_is_an_error)
{
	struct scn_run_opts opts = { .out = stdout, .err = tmpfile() };
	char msg[256] = "";
	size_t n;

	EXPECT_EQ(scn_run_file("/nonexistent/x.sva", &opts), 2);
	/* A directory is not a file to read lines from: said as such, without a line number. */
	EXPECT_EQ(scn_run_file("tests/scenarios", &opts), 2);
	rewind(opts.err);
	n = fread(msg, 1, sizeof(msg) - 1, opts.err);
	msg[n] = '\0';
	EXPECT_TRUE(strstr(msg, "/nonexistent/x.sva: No such file or directory\n") != NULL);
	EXPECT_TRUE(strstr(msg, "tests/scenarios: is a directory, not a scenario file\n") != NULL);
	fclose(opts.err);
}

TEST_TIMEOUT(trace_file_holds_spans_per_device, 120)
{
	char trace_path[] = "/tmp/sva-trace-XXXXXX";
	struct scn_run_opts opts = { .out = fopen("/dev/null", "w"), .err = stderr,
				     .trace_path = trace_path };
	char cmd[1024];
	int fd = mkstemp(trace_path);

	ASSERT_TRUE(fd >= 0);
	close(fd);
	ASSERT_EQ(scn_run_file("examples/stall-demand-paging.sva", &opts), 0);
	/*
	 * Valid JSON (Perl's core JSON::PP), a named track for the device,
	 * DMA spans and stall round trips on it, commands as instants, and
	 * the driver's CMD_SYNC waits as spans.
	 */
	snprintf(cmd, sizeof(cmd),
		 "perl -MJSON::PP -e 'local $/; open my $f, \"<\", \"%s\" or exit 3;"
		 " my $d = decode_json(<$f>); my (%%n, %%tid);"
		 " for (@{$d->{traceEvents}}) {"
		 "  $tid{$_->{args}{name}} = $_->{tid} if $_->{ph} eq \"M\" && $_->{name} eq \"thread_name\";"
		 "  $n{$_->{ph} . \"/\" . ($_->{cat} // \"\") . \"/\" . $_->{tid}}++ }"
		 " my $dev = $tid{\"dma0 (SID 0)\"} // exit 4;"
		 " exit(($n{\"X/dma/$dev\"} // 0) == 3 && ($n{\"X/stall/$dev\"} // 0) >= 1 &&"
		 " ($n{\"i/cmd/1\"} // 0) > 0 && ($n{\"X/sync/3\"} // 0) > 0 ? 0 : 5)'",
		 trace_path);
	EXPECT_EQ(system(cmd), 0);
	unlink(trace_path);
	fclose(opts.out);
}

TEST_TIMEOUT(ats_off_takes_pri_with_it, 120)
{
	static char out[16384], err[4096];
	/* PRI needs ATS: a PCIe device then has no I/O page faults, and says so. */
	const char *text =
		"smmu ats=off\n"
		"device acc pci ats pri\n"
		"process app\n"
		"bind acc app as h -> refused\n";

	EXPECT_EQ(run_text(text, out, sizeof(out), err, sizeof(err)), 0);
	EXPECT_TRUE(strstr(out, ":4: bind acc app as h -> refused: refused: device has no I/O page faults") != NULL);
}
