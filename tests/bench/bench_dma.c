// SPDX-License-Identifier: GPL-2.0
/*
 * DMA copy throughput of the DMA engine (hw/dma) through a PCIe function's
 * ATC, against memcpy of the same bytes between the same frames, measured
 * in the same sample: each sample times memcpy, then the DMA copy with 1
 * and with 2 engines, and the ratio is taken per sample (median and
 * spread over the samples). A sample copies the buffer REPEAT times, the
 * rings holding all of it from one doorbell (a fed ring, as a driver
 * streaming work keeps it): throughput, not the wake-up of an idle engine.
 * Setups:
 *
 *  - identity upstream: a minimal in-file translator answering ATS
 *    requests with 2 MB completions; the device side's own cost;
 *  - the real SMMU model (CR0.ATSCHK = 1, every Translated request
 *    checked), a PASID's stage-1 tables, ATC warm: the ATC holds every
 *    translation of the copy after the first round, with 4K pages (an
 *    8192-entry ATC) and with 2M blocks (the default 64 entries);
 *  - the same with 4K pages and the default 64-entry ATC, which the 2048
 *    pages of each buffer thrash: an ATS Translation Request (SMMU TLB miss
 *    and walk) per page.
 *
 * Goal (ATC warm, 4K and 2M): DMA copy >= 0.8x memcpy.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/dma/engine.h"
#include "hw/mem.h"
#include "hw/walk.h"
#include "tests/bench/bench_stats.h"
#include "tests/unit/smmu_fixture.h"

#define RING_LOG2	10
#define RING_SIZE	(1u << RING_LOG2)
#define REPEAT		4	/* copies of the buffer per sample */
#define DESC_LEN	(64u << 10)
#define SAMPLES		11
#define PASID		1
#define NR_ENG		2
#define SZ_2M		(2ULL << 20)

struct setup {
	const char *name;
	const char *goal;		/* NULL: no goal for this setup */
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

/*
 * Copy s->size bytes @rep times, split over @nr engines: every descriptor
 * is in the rings before the doorbells ring. ns until all engines are idle.
 */
static uint64_t dma_copy(struct setup *s, struct dma_engine **eng, unsigned int nr,
			 unsigned int rep)
{
	uint64_t per = s->size / nr, per_desc = per / DESC_LEN, j, t0;
	uint32_t tail[NR_ENG];
	unsigned int i, r;

	if (per_desc * rep >= RING_SIZE) {
		printf("bench_dma: %u copies of %llu bytes do not fit the rings\n", rep,
		       (unsigned long long)s->size);
		exit(1);
	}
	for (i = 0; i < nr; i++) {
		tail[i] = dma_mmio_read32(eng[i], DMA_REG_HEAD);
		for (r = 0; r < rep; r++) {
			for (j = 0; j < per_desc; j++) {
				uint64_t off = i * per + j * DESC_LEN;
				uint64_t d[DMA_DESC_WORDS] = {
					FIELD_PREP(DMA_DESC0_OP, DMA_OP_COPY) | DMA_DESC0_PV |
					DMA_DESC0_RCR | FIELD_PREP(DMA_DESC0_PASID, PASID),
					s->src + off, s->dst + off, DESC_LEN,
					s->crs + (i * RING_SIZE + (tail[i] % RING_SIZE)) * DMA_CR_SIZE,
					0, 0, 0,
				};

				phys_mem_write(s->mem, s->ring[i] + (tail[i] % RING_SIZE) * DMA_DESC_SIZE,
					       d, sizeof(d));
				tail[i]++;
			}
		}
	}
	t0 = bench_now_ns();
	for (i = 0; i < nr; i++)
		dma_doorbell(eng[i], tail[i]);
	for (i = 0; i < nr; i++)
		dma_engine_wait_idle(eng[i], 60000);
	return bench_now_ns() - t0;
}

static int run(struct setup *s)
{
	struct bench_series gbs[NR_ENG + 1] = { { .n = 0 } }, ratio[NR_ENG + 1] = { { .n = 0 } };
	uint8_t *a = phys_mem_ptr(s->mem, s->src_pa, s->size);
	uint8_t *b = phys_mem_ptr(s->mem, s->dst_pa, s->size);
	struct dma_engine *eng[NR_ENG];
	uint64_t t_mem, t;
	struct ep_stats st0, st;
	unsigned int i, r, nr;
	char what[64];
	int bad;

	for (i = 0; i < NR_ENG; i++)
		eng[i] = engine_up(s->ep, s->ring[i]);
	phys_mem_fill(s->mem, s->src_pa, 0xa5, s->size);
	dma_copy(s, eng, 1, 1);	/* warm: the ATC, the SMMU TLB, the host caches */
	ep_get_stats(s->ep, &st0);
	for (r = 0; r < SAMPLES; r++) {
		t_mem = bench_now_ns();
		for (i = 0; i < REPEAT; i++)
			memcpy(b, a, s->size);
		t_mem = bench_now_ns() - t_mem;
		bench_add(&gbs[0], REPEAT * s->size / (double)t_mem);
		memset(b, 0, s->size);
		for (nr = 1; nr <= NR_ENG; nr++) {
			t = dma_copy(s, eng, nr, REPEAT);
			bench_add(&gbs[nr], REPEAT * s->size / (double)t);
			bench_add(&ratio[nr], (double)t_mem / t);
		}
	}
	ep_get_stats(s->ep, &st);
	for (i = 0; i < NR_ENG; i++)
		dma_engine_destroy(eng[i]);
	/* The copies really happened: the destination equals the source. */
	bad = memcmp(a, b, s->size) != 0;
	printf("bench_dma [%s] %" PRIu64 " MB x %u per sample, %u samples\n", s->name,
	       s->size >> 20, REPEAT, SAMPLES);
	bench_print("memcpy", &gbs[0], "GB/s");
	printf("\n");
	for (nr = 1; nr <= NR_ENG; nr++) {
		snprintf(what, sizeof(what), "DMA copy, %u engine%s", nr, nr > 1 ? "s" : "");
		bench_print(what, &gbs[nr], "GB/s");
		printf("\n");
		snprintf(what, sizeof(what), "  ratio to memcpy, %u engine%s", nr, nr > 1 ? "s" : "");
		bench_print_ratio(what, &ratio[nr], s->goal ? s->goal : "none");
	}
	st.translations -= st0.translations;
	st.atc_hits -= st0.atc_hits;
	st.ats_requests -= st0.ats_requests;
	printf("  ATC over the samples: %" PRIu64 " translations, %" PRIu64 " hits, %" PRIu64
	       " ATS requests%s\n", st.translations, st.atc_hits, st.ats_requests,
	       bad ? "  DESTINATION DIFFERS" : "");
	return bad;
}

/* ---- The setups ----------------------------------------------------------- */

static int bench_identity(void)
{
	struct ep_upstream up = { .ops = &id_ops };
	struct phys_mem mem;
	struct ep_config cfg;
	struct setup s = { .name = "identity upstream, 2M ATS completions (no SMMU)",
			   .goal = ">= 0.8x" };
	int bad;

	if (phys_mem_init(&mem, PHYS_MEM_DEFAULT_BASE, 256ULL << 20))
		return 1;
	ep_config_default(&cfg, 1);
	s.mem = &mem;
	s.ep = ep_create(&cfg, &mem.bus, &up);
	if (!s.ep)
		return 1;
	enable(s.ep);
	s.ring[0] = PHYS_MEM_DEFAULT_BASE + 0x100000;
	s.ring[1] = s.ring[0] + (DMA_DESC_SIZE << RING_LOG2);
	s.crs = PHYS_MEM_DEFAULT_BASE + 0x200000;
	s.src = s.src_pa = PHYS_MEM_DEFAULT_BASE + (32ULL << 20);
	s.dst = s.dst_pa = PHYS_MEM_DEFAULT_BASE + (96ULL << 20);
	s.size = 8ULL << 20;
	bad = run(&s);
	ep_destroy(s.ep);
	phys_mem_fini(&mem);
	return bad;
}

/* A 2M block descriptor (level 2 of a 4K-granule table) for @va -> @pa. */
static void map_block(struct fx *fx, uint64_t root, uint64_t va, uint64_t pa)
{
	uint64_t table = root, d_pa, d;
	int level;

	for (level = 0; level < 2; level++) {
		d_pa = table + vmsa_index(12, level, va) * 8;
		d = fx_r64(fx, d_pa);
		if (!(d & VMSA_DESC_VALID)) {
			d = vmsa_addr_to_desc(fx_pt_new(fx), 12) | VMSA_DESC_TYPE_TABLE;
			fx_w64(fx, d_pa, d);
		}
		table = vmsa_desc_addr(d, 12);
	}
	fx_w64(fx, table + vmsa_index(12, 2, va) * 8,
	       vmsa_addr_to_desc(pa, 12) | (FX_PTE_RW & ~VMSA_DESC_PAGE));
}

/* @block: map with 2M blocks; @atc_entries: the function's ATC size (0: default). */
static int bench_smmu(const char *name, const char *goal, bool block, unsigned int atc_entries)
{
	struct fx_ste ste = { .cdmax = 4, .s1dss = STRTAB_STE_1_S1DSS_BYPASS,
			      .eats = STRTAB_STE_1_EATS_TRANS };
	struct setup s = { .name = name, .goal = goal };
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
	s.src_pa = fx_alloc(&fx, s.size, SZ_2M);
	s.dst_pa = fx_alloc(&fx, s.size, SZ_2M);
	s.src = 0x10000000;
	s.dst = 0x20000000;
	s.crs = 0x30000000;
	for (off = 0; off < s.size; off += block ? SZ_2M : 4096) {
		if (block) {
			map_block(&fx, root, s.src + off, s.src_pa + off);
			map_block(&fx, root, s.dst + off, s.dst_pa + off);
		} else {
			fx_map(&fx, root, s.src + off, s.src_pa + off, FX_PTE_RW);
			fx_map(&fx, root, s.dst + off, s.dst_pa + off, FX_PTE_RW);
		}
	}
	for (off = 0; off < NR_ENG * RING_SIZE * DMA_CR_SIZE; off += 4096)
		fx_map(&fx, root, s.crs + off, fx_alloc(&fx, 4096, 4096), FX_PTE_RW);
	ep_config_default(&cfg, 1);
	if (atc_entries)
		cfg.atc_entries = atc_entries;
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

	bad |= bench_smmu("SMMU, 4K pages, ATC warm (8192 entries), CR0.ATSCHK=1", ">= 0.8x",
			  false, 8192);
	bad |= bench_smmu("SMMU, 2M blocks, ATC warm, CR0.ATSCHK=1", ">= 0.8x", true, 0);
	bad |= bench_smmu("SMMU, 4K pages, ATC cold (64 entries), CR0.ATSCHK=1", NULL, false, 0);
	return bad;
}
