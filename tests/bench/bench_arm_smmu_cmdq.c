// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's command queue against the SMMU model, which consumes inside
 * the CMDQ_PROD write what needs no waiting (the default), or only on its
 * own consumer thread (smmu_config.cmdq_threaded, the second half):
 *  - commands per second, issued in batches of ARM_SMMU_CMDQ_BATCH_ENTRIES
 *    (one PROD write each) ended by a CMD_SYNC, by 1 and by 2 submitting
 *    threads;
 *  - the round trip of one command + CMD_SYNC (median, p99), by 1 and by 2
 *    threads, with completion by MSI write polling and by polling CONS.
 * The commands are CFGI_STE of a StreamID with no STE in use: the cost is
 * the queue's, not the invalidation's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/smmu/smmu.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"

#define MEM_SIZE	(64ULL << 20)
#define BATCHES		2000u		/* per thread */
#define SYNCS		20000u		/* per thread */

struct bench {
	struct phys_mem mem;
	struct frame_pool *pool;
	struct smmu *hw;
	struct mmio_region mmio;
	struct arm_smmu_device *drv;
};

struct worker {
	struct bench *b;
	uint32_t sid;
	uint64_t *ns;			/* SYNCS samples, or NULL */
	unsigned int done;
	int err;
	double secs;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bench_init(struct bench *b, bool msipoll, bool threaded)
{
	struct arm_smmu_probe_opts opts = { .disable_msipoll = !msipoll };
	struct smmu_config cfg;
	int err = -ENOMEM;

	if (phys_mem_init(&b->mem, PHYS_MEM_DEFAULT_BASE, MEM_SIZE))
		return err;
	b->pool = frame_pool_create(&b->mem, PHYS_MEM_DEFAULT_BASE, MEM_SIZE, 12);
	smmu_config_default(&cfg);
	cfg.cmdq_threaded = threaded;
	b->hw = smmu_create(&cfg, &b->mem.bus);
	if (!b->pool || !b->hw)
		return err;
	b->mmio = smmu_mmio_region(b->hw);
	b->drv = arm_smmu_device_probe(&b->mmio, b->pool, &opts, &err);
	return b->drv ? 0 : err;
}

static void bench_fini(struct bench *b)
{
	arm_smmu_device_remove(b->drv);
	smmu_destroy(b->hw);
	if (b->pool)
		frame_pool_destroy(b->pool);
	phys_mem_fini(&b->mem);
}

static void *batch_loop(void *arg)
{
	struct worker *w = arg;
	struct arm_smmu_cmdq_ent cmd = { .opcode = CMD_OP_CFGI_STE, .cfgi = { .sid = w->sid } };
	struct arm_smmu_cmdq_batch batch;
	uint64_t t = now_ns();
	unsigned int i, j;

	for (i = 0; i < BATCHES && !w->err; i++) {
		batch.num = 0;
		for (j = 0; j < ARM_SMMU_CMDQ_BATCH_ENTRIES && !w->err; j++)
			w->err = arm_smmu_cmdq_batch_add(w->b->drv, &batch, &cmd);
		if (!w->err)
			w->err = arm_smmu_cmdq_batch_submit(w->b->drv, &batch);
		w->done += ARM_SMMU_CMDQ_BATCH_ENTRIES;
	}
	w->secs = (now_ns() - t) / 1e9;
	return NULL;
}

static void *sync_loop(void *arg)
{
	struct worker *w = arg;
	struct arm_smmu_cmdq_ent cmd = { .opcode = CMD_OP_CFGI_STE, .cfgi = { .sid = w->sid } };
	uint64_t t;
	unsigned int i;

	for (i = 0; i < SYNCS && !w->err; i++) {
		t = now_ns();
		w->err = arm_smmu_cmdq_issue_cmd_with_sync(w->b->drv, &cmd);
		w->ns[w->done++] = now_ns() - t;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Run @fn on @n threads; 0 or the first error. */
static int run(struct bench *b, unsigned int n, void *(*fn)(void *), struct worker *w)
{
	pthread_t th[2];
	unsigned int i;
	int err = 0;

	for (i = 0; i < n; i++) {
		w[i].b = b;
		w[i].sid = 1 + i;
		if (pthread_create(&th[i], NULL, fn, &w[i]))
			return -EAGAIN;
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (w[i].err && !err)
			err = w[i].err;
	}
	return err;
}

static void bench_batches(struct bench *b, unsigned int n)
{
	struct worker w[2] = { { 0 } };
	double secs = 0;
	uint64_t cmds = 0;
	unsigned int i;
	int err;

	err = run(b, n, batch_loop, w);
	for (i = 0; i < n; i++) {
		cmds += w[i].done;
		secs = w[i].secs > secs ? w[i].secs : secs;
	}
	if (err) {
		printf("batched commands, %u thread(s): error %d\n", n, err);
		return;
	}
	printf("%-48s %10.0f commands/s  (%llu commands, %u per PROD write + CMD_SYNC)\n",
	       n == 1 ? "batched commands, 1 submitting thread" :
			"batched commands, 2 submitting threads",
	       cmds / secs, (unsigned long long)cmds, ARM_SMMU_CMDQ_BATCH_ENTRIES);
}

static void bench_syncs(struct bench *b, unsigned int n, const char *how)
{
	uint64_t *ns = calloc((size_t)SYNCS * n, sizeof(*ns));
	struct worker w[2] = { { 0 } };
	unsigned int i, total = 0;
	char what[96];
	int err;

	if (!ns)
		return;
	for (i = 0; i < n; i++)
		w[i].ns = ns + (size_t)i * SYNCS;
	err = run(b, n, sync_loop, w);
	for (i = 0; i < n; i++) {
		if (i && w[i].done)
			memmove(ns + total, w[i].ns, w[i].done * sizeof(*ns));
		total += w[i].done;
	}
	snprintf(what, sizeof(what), "command + CMD_SYNC (%s), %u thread%s", how, n,
		 n > 1 ? "s" : "");
	if (err || !total) {
		printf("%-48s error %d\n", what, err);
		free(ns);
		return;
	}
	qsort(ns, total, sizeof(*ns), cmp_u64);
	printf("%-48s median %7.2f us   p99 %7.2f us   (n=%u)\n", what, ns[total / 2] / 1e3,
	       ns[(uint64_t)total * 99 / 100] / 1e3, total);
	free(ns);
}

static int bench_mode(bool threaded)
{
	struct bench b = { 0 };
	int err;

	printf("%s\n", threaded ? "SMMU consuming on its own thread only (cmdq_threaded):" :
				  "SMMU consuming inside the CMDQ_PROD write:");
	err = bench_init(&b, true, threaded);
	if (err) {
		printf("bench_arm_smmu_cmdq: setup failed (%d)\n", err);
		return 1;
	}
	bench_batches(&b, 1);
	bench_batches(&b, 2);
	bench_syncs(&b, 1, "MSI poll");
	bench_syncs(&b, 2, "MSI poll");
	bench_fini(&b);

	memset(&b, 0, sizeof(b));
	err = bench_init(&b, false, threaded);
	if (err) {
		printf("bench_arm_smmu_cmdq: setup without MSI polling failed (%d)\n", err);
		return 1;
	}
	bench_syncs(&b, 1, "CONS poll");
	bench_syncs(&b, 2, "CONS poll");
	bench_fini(&b);
	return 0;
}

int main(void)
{
	return bench_mode(false) || bench_mode(true);
}
