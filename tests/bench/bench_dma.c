// SPDX-License-Identifier: GPL-2.0
/*
 * DMA copy throughput through a PCIe function's ATC, against plain memcpy
 * of the same bytes in the same run.
 *
 * The upstream is a minimal in-file identity translator (ATS completions of
 * 2 MB, translated requests passed through), so the figure is the device
 * side's cost: ring fetch, ATC lookup + read section per 4 KB chunk, bounce
 * copy, completion records. It does not include SMMU table walks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/dma/engine.h"
#include "hw/mem.h"
#include "hw/walk.h"

#define RAM		PHYS_MEM_DEFAULT_BASE
#define RAM_SIZE	(256ULL << 20)
#define RING		(RAM + 0x10000)
#define RING_LOG2	8
#define CRS		(RAM + 0x20000)
#define SRC		(RAM + (32ULL << 20))
#define DST		(RAM + (96ULL << 20))
#define BUF_SIZE	(32ULL << 20)
#define DESC_LEN	(64u << 10)
#define ROUNDS		8

static int id_translate(void *ctx, const struct smmu_txn *txn, struct smmu_txn_result *res)
{
	(void)ctx;
	memset(res, 0, sizeof(*res));
	res->status = SMMU_TXN_OK;
	res->pa = txn->addr;
	res->size_shift = 21;
	res->perm = WALK_PERM_R | WALK_PERM_W;
	return 0;
}

static void id_txn_end(void *ctx, struct smmu_txn_result *res)
{
	(void)ctx;
	(void)res;
}

static int id_page_request(void *ctx, uint32_t sid, const struct smmu_page_req *req)
{
	(void)ctx;
	(void)sid;
	(void)req;
	return -1;
}

static const struct ep_upstream_ops id_ops = {
	.translate = id_translate,
	.txn_end = id_txn_end,
	.page_request = id_page_request,
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void enable(struct ep *ep)
{
	struct pcie_cfg *cfg = ep_cfg(ep);

	pcie_cfg_write16(cfg, PCIE_CFG_COMMAND, PCIE_COMMAND_MASTER);
	pcie_cfg_write16(cfg, pcie_cfg_find_ext_cap(cfg, PCIE_EXT_CAP_ID_PASID) + PCIE_PASID_CTRL,
			 PCIE_PASID_CTRL_ENABLE);
	pcie_cfg_write16(cfg, pcie_cfg_find_ext_cap(cfg, PCIE_EXT_CAP_ID_ATS) + PCIE_ATS_CTRL,
			 PCIE_ATS_CTRL_ENABLE);
}

/* Copy BUF_SIZE bytes with @nr engines (each its own half/quarter). Seconds. */
static double dma_copy(struct phys_mem *mem, struct dma_engine **eng, unsigned int nr)
{
	uint64_t per = BUF_SIZE / nr, per_desc = per / DESC_LEN;
	uint32_t tail[8];
	unsigned int i;
	uint64_t j, done = 0;
	double t0 = now();

	/* The rings continue where the previous run left them. */
	for (i = 0; i < nr; i++)
		tail[i] = dma_mmio_read32(eng[i], DMA_REG_HEAD);

	/* Keep each ring topped up; the engines run while we queue. */
	while (done < per_desc) {
		uint64_t batch = per_desc - done;

		if (batch > (1u << RING_LOG2))
			batch = 1u << RING_LOG2;
		for (i = 0; i < nr; i++) {
			uint64_t ring = RING + (uint64_t)i * (DMA_DESC_SIZE << RING_LOG2);

			for (j = 0; j < batch; j++) {
				uint64_t off = i * per + (done + j) * DESC_LEN;
				uint64_t d[DMA_DESC_WORDS] = {
					FIELD_PREP(DMA_DESC0_OP, DMA_OP_COPY) | DMA_DESC0_PV |
					DMA_DESC0_RCR | FIELD_PREP(DMA_DESC0_PASID, 1),
					SRC + off, DST + off, DESC_LEN,
					CRS + (i * 256 + (tail[i] & 255)) * DMA_CR_SIZE, 0, 0, 0,
				};

				phys_mem_write(mem, ring + (tail[i] & ((1u << RING_LOG2) - 1)) *
					       DMA_DESC_SIZE, d, sizeof(d));
				tail[i]++;
			}
			dma_doorbell(eng[i], tail[i]);
		}
		for (i = 0; i < nr; i++)
			dma_engine_wait_idle(eng[i], 60000);
		done += batch;
	}
	return now() - t0;
}

int main(void)
{
	struct ep_upstream up = { .ops = &id_ops };
	struct dma_engine *eng[2];
	struct ep_config cfg;
	struct phys_mem mem;
	struct ep *ep;
	struct ep_stats st;
	double t, tm, best_m = 1e9, best_1 = 1e9, best_2 = 1e9;
	uint8_t *a, *b;
	unsigned int i, r;
	int bad;

	if (phys_mem_init(&mem, RAM, RAM_SIZE))
		return 1;
	ep_config_default(&cfg, 1);
	ep = ep_create(&cfg, &mem.bus, &up);
	if (!ep)
		return 1;
	enable(ep);
	for (i = 0; i < 2; i++) {
		struct mmio_region mmio;

		eng[i] = dma_engine_create(ep, NULL);
		mmio = dma_engine_mmio(eng[i]);
		mmio_write64(&mmio, DMA_REG_RING_BASE, RING + (uint64_t)i * (DMA_DESC_SIZE << RING_LOG2));
		mmio_write32(&mmio, DMA_REG_RING_LOG2, RING_LOG2);
		mmio_write32(&mmio, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	}
	phys_mem_fill(&mem, SRC, 0xa5, BUF_SIZE);
	phys_mem_fill(&mem, DST, 0, BUF_SIZE);
	a = phys_mem_ptr(&mem, SRC, BUF_SIZE);
	b = phys_mem_ptr(&mem, DST, BUF_SIZE);

	for (r = 0; r < ROUNDS; r++) {
		tm = now();
		memcpy(b, a, BUF_SIZE);
		tm = now() - tm;
		if (tm < best_m)
			best_m = tm;
		t = dma_copy(&mem, eng, 1);
		if (t < best_1)
			best_1 = t;
		t = dma_copy(&mem, eng, 2);
		if (t < best_2)
			best_2 = t;
	}
	ep_get_stats(ep, &st);
	printf("bench_dma: upstream = in-file identity translator (no SMMU walk; 2M ATS completions)\n");
	printf("  memcpy          %6.2f GB/s\n", BUF_SIZE / best_m / 1e9);
	printf("  DMA copy 1 eng  %6.2f GB/s  (%.0f%% of memcpy)\n", BUF_SIZE / best_1 / 1e9,
	       100.0 * best_m / best_1);
	printf("  DMA copy 2 eng  %6.2f GB/s  (%.0f%% of memcpy)\n", BUF_SIZE / best_2 / 1e9,
	       100.0 * best_m / best_2);
	printf("  ATC: %" PRIu64 " hits, %" PRIu64 " ATS requests, %" PRIu64 " translations\n",
	       st.atc_hits, st.ats_requests, st.translations);
	for (i = 0; i < 2; i++)
		dma_engine_destroy(eng[i]);
	ep_destroy(ep);
	/* The DMA copies really happened: the destination equals the source. */
	bad = memcmp(a, b, BUF_SIZE) != 0;
	phys_mem_fini(&mem);
	if (bad)
		printf("bench_dma: destination differs from source\n");
	return bad;
}
