// SPDX-License-Identifier: GPL-2.0
/*
 * DMA copy throughput through a PCIe function's ATC, against plain memcpy
 * of the same bytes in the same run. Two upstreams:
 *
 *  - identity: a minimal in-file translator answering ATS requests with 2 MB
 *    completions. The figure is the device side's own cost: ring fetch, an
 *    ATC lookup + read section per 4 KB chunk, the bounce copy, records.
 *  - smmu: the real SMMU model, a PASID's stage-1 tables with 4 KB pages.
 *    The buffers are much larger than the 64-entry ATC, so every page costs
 *    an ATS Translation Request (SMMU TLB miss + walk) and Translated
 *    requests checked by the SMMU (CR0.ATSCHK = 1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/dma/engine.h"
#include "hw/mem.h"
#include "hw/walk.h"
#include "tests/unit/smmu_fixture.h"

#define RING_LOG2	8
#define DESC_LEN	(64u << 10)
#define ROUNDS		5
#define PASID		1
#define NR_ENG		2

struct setup {
	const char *name;
	struct phys_mem *mem;
	struct ep *ep;
	uint64_t ring[NR_ENG];		/* PA (PASID-less DMA is identity/bypass) */
	uint64_t src, dst, crs;		/* in PASID's address space */
	uint64_t src_pa, dst_pa;
	uint64_t size;
};

/* ---- The identity upstream ------------------------------------------------ */

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

/* ---- Measuring ------------------------------------------------------------ */

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

static struct dma_engine *engine_up(struct ep *ep, uint64_t ring)
{
	struct dma_engine *e = dma_engine_create(ep, NULL);
	struct mmio_region mmio;

	if (!e)
		exit(1);
	mmio = dma_engine_mmio(e);
	mmio_write64(&mmio, DMA_REG_RING_BASE, ring);
	mmio_write32(&mmio, DMA_REG_RING_LOG2, RING_LOG2);
	mmio_write32(&mmio, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	return e;
}

/* Copy s->size bytes split over @nr engines, keeping the rings topped up. Seconds. */
static double dma_copy(struct setup *s, struct dma_engine **eng, unsigned int nr)
{
	uint64_t per = s->size / nr, per_desc = per / DESC_LEN, j, done = 0;
	uint32_t tail[NR_ENG];
	unsigned int i;
	double t0 = now();

	for (i = 0; i < nr; i++)
		tail[i] = dma_mmio_read32(eng[i], DMA_REG_HEAD);
	while (done < per_desc) {
		uint64_t batch = per_desc - done;

		if (batch > (1u << RING_LOG2))
			batch = 1u << RING_LOG2;
		for (i = 0; i < nr; i++) {
			for (j = 0; j < batch; j++) {
				uint64_t off = i * per + (done + j) * DESC_LEN;
				uint64_t d[DMA_DESC_WORDS] = {
					FIELD_PREP(DMA_DESC0_OP, DMA_OP_COPY) | DMA_DESC0_PV |
					DMA_DESC0_RCR | FIELD_PREP(DMA_DESC0_PASID, PASID),
					s->src + off, s->dst + off, DESC_LEN,
					s->crs + (i * 256 + (tail[i] & 255)) * DMA_CR_SIZE, 0, 0, 0,
				};

				phys_mem_write(s->mem, s->ring[i] + (tail[i] & ((1u << RING_LOG2) - 1)) *
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

static int run(struct setup *s)
{
	struct dma_engine *eng[NR_ENG];
	double t, best_m = 1e9, best[NR_ENG + 1] = { 0, 1e9, 1e9 };
	uint8_t *a = phys_mem_ptr(s->mem, s->src_pa, s->size);
	uint8_t *b = phys_mem_ptr(s->mem, s->dst_pa, s->size);
	struct ep_stats st;
	unsigned int i, r, nr;
	int bad;

	for (i = 0; i < NR_ENG; i++)
		eng[i] = engine_up(s->ep, s->ring[i]);
	phys_mem_fill(s->mem, s->src_pa, 0xa5, s->size);
	for (r = 0; r < ROUNDS; r++) {
		t = now();
		memcpy(b, a, s->size);
		t = now() - t;
		if (t < best_m)
			best_m = t;
		memset(b, 0, s->size);
		for (nr = 1; nr <= NR_ENG; nr++) {
			t = dma_copy(s, eng, nr);
			if (t < best[nr])
				best[nr] = t;
		}
	}
	ep_get_stats(s->ep, &st);
	for (i = 0; i < NR_ENG; i++)
		dma_engine_destroy(eng[i]);
	/* The copies really happened: the destination equals the source. */
	bad = memcmp(a, b, s->size) != 0;
	printf("bench_dma [%s] %" PRIu64 " MB per copy, best of %u\n", s->name, s->size >> 20, ROUNDS);
	printf("  memcpy          %6.2f GB/s\n", s->size / best_m / 1e9);
	for (nr = 1; nr <= NR_ENG; nr++)
		printf("  DMA copy %u eng  %6.2f GB/s  (%.0f%% of memcpy)\n", nr,
		       s->size / best[nr] / 1e9, 100.0 * best_m / best[nr]);
	printf("  ATC: %" PRIu64 " hits, %" PRIu64 " ATS requests, %" PRIu64 " translations%s\n",
	       st.atc_hits, st.ats_requests, st.translations,
	       bad ? "  DESTINATION DIFFERS" : "");
	return bad;
}

/* ---- The two setups ------------------------------------------------------- */

static int bench_identity(void)
{
	struct ep_upstream up = { .ops = &id_ops };
	struct phys_mem mem;
	struct ep_config cfg;
	struct setup s = { .name = "identity upstream, 2M ATS completions (no SMMU walk)" };
	int bad;

	if (phys_mem_init(&mem, PHYS_MEM_DEFAULT_BASE, 256ULL << 20))
		return 1;
	ep_config_default(&cfg, 1);
	s.mem = &mem;
	s.ep = ep_create(&cfg, &mem.bus, &up);
	if (!s.ep)
		return 1;
	enable(s.ep);
	s.ring[0] = PHYS_MEM_DEFAULT_BASE + 0x10000;
	s.ring[1] = s.ring[0] + (DMA_DESC_SIZE << RING_LOG2);
	s.crs = PHYS_MEM_DEFAULT_BASE + 0x20000;
	s.src = s.src_pa = PHYS_MEM_DEFAULT_BASE + (32ULL << 20);
	s.dst = s.dst_pa = PHYS_MEM_DEFAULT_BASE + (96ULL << 20);
	s.size = 32ULL << 20;
	bad = run(&s);
	ep_destroy(s.ep);
	phys_mem_fini(&mem);
	return bad;
}

static int bench_smmu(void)
{
	struct fx_ste ste = { .cdmax = 4, .s1dss = STRTAB_STE_1_S1DSS_BYPASS,
			      .eats = STRTAB_STE_1_EATS_TRANS };
	struct setup s = { .name = "real SMMU model, 4K pages, CR0.ATSCHK=1" };
	static struct fx fx;
	struct ep_config cfg;
	uint64_t root, cdtab, off;
	uint32_t cr0;
	int bad;

	if (fx_init(&fx))
		return 1;
	cr0 = smmu_mmio_read32(fx.smmu, SMMU_CR0) | SMMU_CR0_ATSCHK;
	smmu_mmio_write32(fx.smmu, SMMU_CR0, cr0);
	FX_WAIT(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK) == cr0);
	root = fx_pt_new(&fx);
	cdtab = fx_alloc(&fx, 64 * 16, 64 * 16);
	fx_cd(&fx, cdtab + PASID * 64, root, 1, FX_CD_DEFAULT);
	ste.cdptr = cdtab;
	fx_ste(&fx, 1, &ste);
	s.mem = &fx.mem;
	s.size = 8ULL << 20;
	s.ring[0] = fx_alloc(&fx, DMA_DESC_SIZE << RING_LOG2, 4096);
	s.ring[1] = fx_alloc(&fx, DMA_DESC_SIZE << RING_LOG2, 4096);
	s.src_pa = fx_alloc(&fx, s.size, 4096);
	s.dst_pa = fx_alloc(&fx, s.size, 4096);
	s.src = 0x10000000;
	s.dst = 0x20000000;
	s.crs = 0x30000000;
	for (off = 0; off < s.size; off += 4096) {
		fx_map(&fx, root, s.src + off, s.src_pa + off, FX_PTE_RW);
		fx_map(&fx, root, s.dst + off, s.dst_pa + off, FX_PTE_RW);
	}
	for (off = 0; off < 2 * 256 * DMA_CR_SIZE; off += 4096)
		fx_map(&fx, root, s.crs + off, fx_alloc(&fx, 4096, 4096), FX_PTE_RW);
	ep_config_default(&cfg, 1);
	s.ep = ep_create(&cfg, &fx.mem.bus, NULL);
	if (!s.ep || ep_attach_smmu(s.ep, fx.smmu))
		return 1;
	enable(s.ep);
	bad = run(&s);
	fx_fini(&fx);
	ep_destroy(s.ep);
	return bad;
}

int main(void)
{
	int bad = bench_identity();

	return bench_smmu() || bad;
}
