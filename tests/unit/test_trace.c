// SPDX-License-Identifier: GPL-2.0
/*
 * sim/trace: the Chrome trace-event JSON is valid JSON (checked with Perl's
 * core JSON::PP, which every machine that runs `prove` has) and holds the
 * tracks, instants and spans written, from several threads at once.
 */
#include <pthread.h>

#include "sim/trace.h"
#include "tests/harness.h"

static struct trace *tr;

static void *writer(void *arg)
{
	int tid = (int)(intptr_t)arg;

	for (int i = 0; i < 200; i++) {
		uint64_t t0 = trace_now(tr);

		trace_instant(tr, tid, "cmd", "CMD_SYNC", "\"w0\":\"0x46\"");
		trace_span(tr, tid, "dma", "dma fill", t0, trace_now(tr), NULL);
	}
	return NULL;
}

/* Run perl on the file: exit 0 iff it decodes and the counts match. */
static int check_json(const char *path, int instants, int spans, int tracks)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "perl -MJSON::PP -e 'local $/; open my $f, \"<\", \"%s\" or exit 3;"
		 " my $d = decode_json(<$f>); my %%n;"
		 " $n{$_->{ph}}++ for @{$d->{traceEvents}};"
		 " exit(($n{i} // 0) == %d && ($n{X} // 0) == %d && ($n{M} // 0) == %d ? 0 : 4)'",
		 path, instants, spans, 2 * tracks);
	return system(cmd);
}

TEST(valid_json_from_several_threads)
{
	char path[] = "/tmp/sva-trace-XXXXXX";
	char why[128];
	pthread_t t[3];
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	close(fd);
	tr = trace_open(path, why, sizeof(why));
	ASSERT_TRUE(tr != NULL);
	trace_track(tr, 1, "SMMU command queue");
	trace_track(tr, 10, "dev acc (SID 0)");
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, writer, (void *)(intptr_t)(10 + i)), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(trace_close(tr), 0);
	EXPECT_EQ(check_json(path, 600, 600, 2), 0);
	unlink(path);
}

TEST(empty_trace_is_valid_and_bad_path_refused)
{
	char path[] = "/tmp/sva-trace-XXXXXX";
	char why[128] = "";
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	close(fd);
	tr = trace_open(path, why, sizeof(why));
	ASSERT_TRUE(tr != NULL);
	ASSERT_EQ(trace_close(tr), 0);
	EXPECT_EQ(check_json(path, 0, 0, 0), 0);
	unlink(path);
	EXPECT_TRUE(trace_open("/nonexistent/dir/t.json", why, sizeof(why)) == NULL);
	EXPECT_TRUE(strstr(why, "/nonexistent/dir/t.json") != NULL);
	EXPECT_EQ(trace_close(NULL), 0);
}
