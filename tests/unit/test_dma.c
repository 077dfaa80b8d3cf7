// SPDX-License-Identifier: GPL-2.0
/*
 * hw/dma: the DMA engine's registers, descriptor ring and completion records
 * for every outcome (success, page fault, mismatch, invalid, error), block on
 * fault through PRI, a stalling platform device, interrupts, stopping a
 * PASID (DMA_CMD_ABORT_PASID), and several engines running in parallel.
 */
#include <errno.h>
#include <sched.h>

#include "hw/dma/engine.h"
#include "hw/mem.h"
#include "tests/harness.h"
#include "tests/unit/fake_upstream.h"

#define RAM		PHYS_MEM_DEFAULT_BASE
#define RAM_SIZE	(64ULL << 20)
#define RING_PA		(RAM + 0x10000)
#define RING_LOG2	6
#define VA		0x10000000ULL	/* PASID address space of the buffers */
#define FRAMES		(RAM + 0x100000)	/* frames behind VA, page i -> FRAMES + i*4K */
#define PASID		5
#define CR_VA		(VA + 0xff000)	/* completion records live here */
#define WAIT_MS		10000

struct rig {
	struct phys_mem mem;
	struct fake_up fu;
	struct ep *ep;
	struct dma_engine *eng;
	uint32_t tail;
	uint64_t ring_pa;
	unsigned int irqs;
};

static void count_irq(void *ctx)
{
	__atomic_fetch_add((unsigned int *)ctx, 1, __ATOMIC_SEQ_CST);
}

static void map_pages(struct rig *r, uint64_t va, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fake_map(&r->fu, true, PASID, va + i * 0x1000ULL,
			 FRAMES + ((va - VA) >> 12 << 12) + i * 0x1000ULL,
			 WALK_PERM_R | WALK_PERM_W, 12);
}

static uint64_t va_to_pa(uint64_t va)
{
	return FRAMES + (va - VA);
}

/* Program and enable an engine the way a driver would, through MMIO. */
static struct dma_engine *engine_up(struct rig *r, struct ep *ep, uint64_t ring_pa)
{
	struct dma_engine_config cfg = { .irq = { count_irq, &r->irqs } };
	struct dma_engine *e = dma_engine_create(ep, &cfg);
	struct mmio_region mmio;

	ASSERT_TRUE(e != NULL);
	mmio = dma_engine_mmio(e);
	mmio_write64(&mmio, DMA_REG_RING_BASE, ring_pa);
	mmio_write32(&mmio, DMA_REG_RING_LOG2, RING_LOG2);
	mmio_write32(&mmio, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	return e;
}

static void rig_init_cfg(struct rig *r, struct ep_config *cfg)
{
	struct ep_upstream up;

	memset(r, 0, sizeof(*r));
	ASSERT_EQ(phys_mem_init(&r->mem, RAM, RAM_SIZE), 0);
	fake_init(&r->fu);
	/* The function's own (PASID-less) DMA: the ring, identity mapped. */
	fake_map(&r->fu, false, 0, RAM, RAM, WALK_PERM_R | WALK_PERM_W, 30);
	map_pages(r, CR_VA, 1);
	up = fake_upstream(&r->fu);
	r->ep = ep_create(cfg, &r->mem.bus, &up);
	ASSERT_TRUE(r->ep != NULL);
	if (cfg->pcie)
		fake_enable_all(r->ep, 4);
	r->ring_pa = RING_PA;
	r->eng = engine_up(r, r->ep, r->ring_pa);
}

static void rig_init(struct rig *r)
{
	struct ep_config cfg;

	ep_config_default(&cfg, 0x20);
	rig_init_cfg(r, &cfg);
}

static void rig_fini(struct rig *r)
{
	dma_engine_destroy(r->eng);
	fake_fini(&r->fu);
	EXPECT_EQ(__atomic_load_n(&r->fu.open_sections, __ATOMIC_SEQ_CST), 0);
	ep_destroy(r->ep);
	phys_mem_fini(&r->mem);
}

struct desc {
	enum dma_op op;
	uint64_t flags;		/* DMA_DESC0_* */
	uint64_t src, dst, len;
	uint8_t pattern;
	uint64_t cra;
};

/* Write descriptor @d at the tail, ring the doorbell, wait for idle. */
static void submit_to(struct rig *r, struct dma_engine *e, uint64_t ring, uint32_t *tail,
		      const struct desc *d, bool wait)
{
	uint64_t w[DMA_DESC_WORDS] = {
		FIELD_PREP(DMA_DESC0_OP, d->op) | d->flags | FIELD_PREP(DMA_DESC0_PASID, PASID),
		d->src, d->dst,
		FIELD_PREP(DMA_DESC3_LEN, d->len) | FIELD_PREP(DMA_DESC3_PATTERN, d->pattern),
		d->cra, 0, 0, 0,
	};
	uint64_t slot = ring + (uint64_t)(*tail & ((1u << RING_LOG2) - 1)) * DMA_DESC_SIZE;

	if (!(d->flags & DMA_DESC0_PV))
		w[0] &= ~DMA_DESC0_PASID;
	ASSERT_EQ(phys_mem_write(&r->mem, slot, w, sizeof(w)), 0);
	dma_doorbell(e, ++*tail);
	if (wait)
		ASSERT_EQ(dma_engine_wait_idle(e, WAIT_MS), 0);
}

static void submit(struct rig *r, const struct desc *d)
{
	submit_to(r, r->eng, r->ring_pa, &r->tail, d, true);
}

struct cr {
	uint64_t w[4];
};

static struct cr read_cr(struct rig *r, uint64_t cra)
{
	struct cr cr;

	ASSERT_EQ(phys_mem_read(&r->mem, va_to_pa(cra), cr.w, sizeof(cr.w)), 0);
	return cr;
}

#define CR_STATUS(cr)	FIELD_GET(DMA_CR0_STATUS, (cr).w[0])
#define STD_FLAGS	(DMA_DESC0_PV | DMA_DESC0_RCR)

TEST(fill_copy_compare_success)
{
	struct rig r;
	struct cr cr;
	uint8_t buf[12000], out[12000];
	unsigned int i;

	rig_init(&r);
	map_pages(&r, VA, 16);
	/* FILL 10000 bytes from an unaligned start (three pages). */
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA + 0x123, 10000, 0x5a, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_SUCCESS);
	EXPECT_EQ(FIELD_GET(DMA_CR0_OP, cr.w[0]), DMA_OP_FILL);
	EXPECT_EQ(cr.w[1], 10000);
	ASSERT_EQ(phys_mem_read(&r.mem, va_to_pa(VA + 0x122), out, 10002), 0);
	EXPECT_EQ(out[0], 0);
	for (i = 1; i <= 10000; i++)
		ASSERT_EQ(out[i], 0x5a);
	EXPECT_EQ(out[10001], 0);

	/* COPY 9000 bytes, source and destination misaligned differently. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 7);
	ASSERT_EQ(phys_mem_write(&r.mem, va_to_pa(VA + 0x4010), buf, 9000), 0);
	submit(&r, &(struct desc){ DMA_OP_COPY, STD_FLAGS, VA + 0x4010, VA + 0x8ff0, 9000, 0, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_SUCCESS);
	EXPECT_EQ(cr.w[1], 9000);
	ASSERT_EQ(phys_mem_read(&r.mem, va_to_pa(VA + 0x8ff0), out, 9000), 0);
	EXPECT_EQ(memcmp(buf, out, 9000), 0);

	/* COMPARE equal, then with one byte changed at offset 7777. */
	submit(&r, &(struct desc){ DMA_OP_COMPARE, STD_FLAGS, VA + 0x4010, VA + 0x8ff0, 9000, 0, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	buf[0] = (uint8_t)~buf[7777];
	ASSERT_EQ(phys_mem_write(&r.mem, va_to_pa(VA + 0x8ff0 + 7777), buf, 1), 0);
	submit(&r, &(struct desc){ DMA_OP_COMPARE, STD_FLAGS, VA + 0x4010, VA + 0x8ff0, 9000, 0, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_MISMATCH);
	EXPECT_EQ(cr.w[1], 7777);
	EXPECT_EQ(cr.w[2], VA + 0x4010 + 7777);
	EXPECT_EQ(cr.w[3], 0);

	/* CHECK against a byte: the FILLed range passes, one byte further fails. */
	submit(&r, &(struct desc){ DMA_OP_CHECK, STD_FLAGS, VA + 0x123, 0, 10000, 0x5a, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	submit(&r, &(struct desc){ DMA_OP_CHECK, STD_FLAGS, VA + 0x123, 0, 10001, 0x5a, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_MISMATCH);
	EXPECT_EQ(FIELD_GET(DMA_CR0_OP, cr.w[0]), DMA_OP_CHECK);
	EXPECT_EQ(cr.w[1], 10000);
	EXPECT_EQ(cr.w[2], VA + 0x123 + 10000);

	/* NOP: success, nothing moved. */
	submit(&r, &(struct desc){ DMA_OP_NOP, STD_FLAGS, 0, 0, 0, 0, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_SUCCESS);
	EXPECT_EQ(cr.w[1], 0);
	EXPECT_EQ(dma_mmio_read32(r.eng, DMA_REG_HEAD), 7);
	EXPECT_NE(dma_mmio_read32(r.eng, DMA_REG_STATUS) & DMA_STATUS_IDLE, 0);
	rig_fini(&r);
}

/*
 * A COPY between 2M blocks already in the ATC goes frame to frame in
 * bursts: a few translations per operand for a megabyte, not one per 4K
 * through the bounce buffer. An overlapping copy (same frames) still gives
 * the bounce buffer's result.
 */
TEST(copy_through_the_atc_moves_bursts)
{
	const uint64_t src = 0x40000000, dst = 0x40400000, len = 1ULL << 20;
	struct ep_stats st0, st;
	uint8_t *ref = malloc(len), *out = malloc(len);
	struct rig r;
	uint64_t i;

	ASSERT_TRUE(ref && out);
	rig_init(&r);
	fake_map(&r.fu, true, PASID, src, RAM + (8ULL << 20), WALK_PERM_R | WALK_PERM_W, 21);
	fake_map(&r.fu, true, PASID, dst, RAM + (12ULL << 20), WALK_PERM_R | WALK_PERM_W, 21);
	for (i = 0; i < len; i++)
		ref[i] = (uint8_t)(i * 11 + (i >> 12));
	ASSERT_EQ(phys_mem_write(&r.mem, RAM + (8ULL << 20) + 0x333, ref, len), 0);
	/* Warm the ATC for both blocks and the completion record. */
	submit(&r, &(struct desc){ DMA_OP_COPY, STD_FLAGS, src, dst, 64, 0, CR_VA });
	ep_get_stats(r.ep, &st0);
	submit(&r, &(struct desc){ DMA_OP_COPY, STD_FLAGS, src + 0x333, dst + 0x555, len, 0, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	ep_get_stats(r.ep, &st);
	ASSERT_EQ(phys_mem_read(&r.mem, RAM + (12ULL << 20) + 0x555, out, len), 0);
	EXPECT_EQ(memcmp(ref, out, len), 0);
	/* 256 pages per operand through the bounce buffer; bursts need far fewer. */
	EXPECT_LE(st.translations - st0.translations, 32);
	EXPECT_EQ(st.ats_requests, st0.ats_requests);

	/* Overlapping frames: dst 100 bytes above src, copied in 4K chunks as before. */
	ASSERT_EQ(phys_mem_write(&r.mem, RAM + (8ULL << 20), ref, 3 * 4096), 0);
	submit(&r, &(struct desc){ DMA_OP_COPY, STD_FLAGS, src, src + 100, 3 * 4096, 0, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	ASSERT_EQ(phys_mem_read(&r.mem, RAM + (8ULL << 20) + 100, out, 4096 - 100), 0);
	EXPECT_EQ(memcmp(ref, out, 4096 - 100), 0);
	rig_fini(&r);
	free(ref);
	free(out);
}

TEST(page_fault_reported_without_block_on_fault)
{
	struct rig r;
	struct cr cr;

	rig_init(&r);
	map_pages(&r, VA, 2);		/* pages 0, 1; page 2 missing */
	map_pages(&r, VA + 0x10000, 4);
	/* Destination fault: FW set, address = first byte of the missing page. */
	submit(&r, &(struct desc){ DMA_OP_COPY, STD_FLAGS, VA + 0x10000, VA + 0x800, 0x3000, 0, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_PAGE_FAULT);
	EXPECT_NE(cr.w[0] & DMA_CR0_FW, 0);
	EXPECT_EQ(cr.w[1], 0x1800);
	EXPECT_EQ(cr.w[2], VA + 0x2000);
	/* Source fault: FW clear. */
	submit(&r, &(struct desc){ DMA_OP_COPY, STD_FLAGS, VA + 0x1000, VA + 0x10000, 0x2000, 0, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_PAGE_FAULT);
	EXPECT_EQ(cr.w[0] & DMA_CR0_FW, 0);
	EXPECT_EQ(cr.w[1], 0x1000);
	EXPECT_EQ(cr.w[2], VA + 0x2000);
	/* Nothing was asked of PRI. */
	EXPECT_EQ(r.fu.nreqs, 0);
	rig_fini(&r);
}

static int policy_map_rw(struct fake_up *fu, const struct smmu_page_req *reqs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fake_map(fu, reqs[i].ssv, reqs[i].ssid, reqs[i].addr, va_to_pa(reqs[i].addr),
			 WALK_PERM_R | WALK_PERM_W, 12);
	return PCIE_PRG_SUCCESS;
}

static int policy_fail(struct fake_up *fu, const struct smmu_page_req *reqs, unsigned int n)
{
	(void)fu;
	(void)reqs;
	(void)n;
	return PCIE_PRG_FAILURE;
}

static int policy_invalid(struct fake_up *fu, const struct smmu_page_req *reqs, unsigned int n)
{
	(void)fu;
	(void)reqs;
	(void)n;
	return PCIE_PRG_INVALID;
}

TEST(block_on_fault_pages_in_by_groups)
{
	struct rig r;
	struct cr cr;
	uint8_t out[0x6000];
	unsigned int i, lasts = 0;

	rig_init(&r);
	fake_start_responder(&r.fu, r.ep, policy_map_rw);
	/* Nothing of the destination is mapped: 6 pages, groups of up to 4. */
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_BOF, 0, VA + 0x20000,
				   0x6000, 0xc3, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_SUCCESS);
	EXPECT_EQ(cr.w[1], 0x6000);
	ASSERT_EQ(phys_mem_read(&r.mem, va_to_pa(VA + 0x20000), out, sizeof(out)), 0);
	for (i = 0; i < sizeof(out); i++)
		ASSERT_EQ(out[i], 0xc3);
	/* Two groups: pages 0-3 then 4-5, Last on the final request of each. */
	ASSERT_EQ(r.fu.nreqs, 6);
	for (i = 0; i < 6; i++) {
		EXPECT_EQ(r.fu.reqs[i].addr, VA + 0x20000 + i * 0x1000ULL);
		EXPECT_TRUE(r.fu.reqs[i].write);
		lasts += r.fu.reqs[i].last;
	}
	EXPECT_TRUE(r.fu.reqs[3].last);
	EXPECT_TRUE(r.fu.reqs[5].last);
	EXPECT_EQ(lasts, 2);
	EXPECT_EQ(r.fu.reqs[0].grpid, r.fu.reqs[3].grpid);
	rig_fini(&r);
}

/*
 * Like an SMMU whose PRI queue overflows (SMMUv3 §8.1): the first
 * pol_busy_groups groups get Success with nothing paged in.
 */
static unsigned int pol_busy_groups;

static int policy_busy_then_map(struct fake_up *fu, const struct smmu_page_req *reqs,
				unsigned int n)
{
	if (pol_busy_groups) {
		pol_busy_groups--;
		return PCIE_PRG_SUCCESS;
	}
	return policy_map_rw(fu, reqs, n);
}

/*
 * A busy host must not fail the DMA: after a Success that paged nothing
 * in, the engine asks again for the faulting page alone (no read-ahead),
 * more times than the old fixed 8 rounds, and the fill completes.
 */
TEST(block_on_fault_asks_again_for_the_faulting_page_alone)
{
	struct rig r;
	struct cr cr;
	unsigned int i;

	rig_init(&r);
	pol_busy_groups = 10;
	fake_start_responder(&r.fu, r.ep, policy_busy_then_map);
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_BOF, 0, VA + 0x20000,
				   0x6000, 0x5c, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_SUCCESS);
	EXPECT_EQ(cr.w[1], 0x6000);
	/* Pages 0-3, then page 0 alone ten times (the last one paged in), then 1-4, 5. */
	ASSERT_EQ(r.fu.nreqs, 4 + 10 + 4 + 1);
	for (i = 4; i < 14; i++) {
		EXPECT_EQ(r.fu.reqs[i].addr, VA + 0x20000);
		EXPECT_TRUE(r.fu.reqs[i].last);
	}
	EXPECT_EQ(r.fu.reqs[14].addr, VA + 0x21000);
	EXPECT_TRUE(r.fu.reqs[17].last);
	EXPECT_EQ(r.fu.reqs[18].addr, VA + 0x25000);
	rig_fini(&r);
}

/* Like a process whose mapping ends at VA + 0x22000: beyond it, Invalid Request. */
static int policy_map_below_limit(struct fake_up *fu, const struct smmu_page_req *reqs,
				  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (reqs[i].addr >= VA + 0x22000)
			return PCIE_PRG_INVALID;
	return policy_map_rw(fu, reqs, n);
}

TEST(block_on_fault_stops_at_the_first_bad_page)
{
	struct rig r;
	struct cr cr;

	rig_init(&r);
	fake_start_responder(&r.fu, r.ep, policy_map_below_limit);
	/* Pages 0x20000, 0x21000 can be faulted in, 0x22000 cannot. */
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_BOF, 0, VA + 0x20000,
				   0x4000, 0x3c, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_PAGE_FAULT);
	EXPECT_EQ(cr.w[1], 0x2000);
	EXPECT_EQ(cr.w[2], VA + 0x22000);
	EXPECT_NE(cr.w[0] & DMA_CR0_FW, 0);
	rig_fini(&r);
}

TEST(block_on_fault_outcomes)
{
	struct rig r;
	struct cr cr;

	/* Invalid Request: the fault is reported as a page fault. */
	rig_init(&r);
	fake_start_responder(&r.fu, r.ep, policy_invalid);
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_BOF, 0, VA + 0x30000,
				   0x100, 1, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_PAGE_FAULT);
	EXPECT_EQ(cr.w[2], VA + 0x30000);
	rig_fini(&r);

	/* Response Failure: an error, and PRI is stopped for the next one. */
	rig_init(&r);
	fake_start_responder(&r.fu, r.ep, policy_fail);
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_BOF, 0, VA + 0x30000,
				   0x100, 1, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_ERROR);
	EXPECT_EQ(cr.w[2], VA + 0x30000);
	EXPECT_NE(cr.w[0] & DMA_CR0_FW, 0);
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_BOF, 0, VA + 0x40000,
				   0x100, 1, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_ERROR);
	EXPECT_EQ(r.fu.nreqs, 1);
	rig_fini(&r);

	/* UR from the SMMU: an error. */
	rig_init(&r);
	map_pages(&r, VA, 1);
	r.fu.ats_ur = true;
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA, 0x100, 1, CR_VA });
	/* The record itself cannot be written either (UR): it stays as it was. */
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_NONE);
	{
		struct dma_engine_stats st;

		dma_engine_get_stats(r.eng, &st);
		EXPECT_EQ(st.errors, 1);
		EXPECT_EQ(st.cr_lost, 1);
	}
	rig_fini(&r);
}

TEST(bus_error_is_an_error)
{
	struct rig r;
	struct cr cr;

	rig_init(&r);
	map_pages(&r, VA, 1);
	/* Translates fine, but to a physical address with no memory behind it. */
	fake_map(&r.fu, true, PASID, VA + 0x1000, 0x1000, WALK_PERM_R | WALK_PERM_W, 12);
	submit(&r, &(struct desc){ DMA_OP_COPY, STD_FLAGS, VA + 0x1000, VA, 64, 0, CR_VA });
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_ERROR);
	EXPECT_EQ(cr.w[0] & DMA_CR0_FW, 0);
	EXPECT_EQ(cr.w[1], 0);
	EXPECT_EQ(cr.w[2], VA + 0x1000);
	rig_fini(&r);
}

TEST(drain_sends_stop_marker_after_earlier_work)
{
	struct rig r;
	unsigned int i;

	rig_init(&r);
	fake_start_responder(&r.fu, r.ep, policy_map_rw);
	for (i = 0; i < 3; i++)
		submit_to(&r, r.eng, r.ring_pa, &r.tail,
			  &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_BOF, 0,
					  VA + 0x60000 + i * 0x1000ULL, 16, 1, CR_VA }, false);
	submit(&r, &(struct desc){ DMA_OP_DRAIN, STD_FLAGS, 0, 0, 0, 0, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	EXPECT_EQ(FIELD_GET(DMA_CR0_OP, read_cr(&r, CR_VA).w[0]), DMA_OP_DRAIN);
	/* Three faults paged in, then the stop marker, last. */
	ASSERT_EQ(r.fu.nreqs, 4);
	EXPECT_TRUE(r.fu.reqs[3].last);
	EXPECT_FALSE(r.fu.reqs[3].read || r.fu.reqs[3].write);
	EXPECT_EQ(r.fu.reqs[3].ssid, PASID);
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(r.fu.reqs[i].write);
	rig_fini(&r);
}

TEST(invalid_descriptors)
{
	struct rig r;
	struct dma_engine_stats st;

	rig_init(&r);
	map_pages(&r, VA, 1);
	submit(&r, &(struct desc){ 9, STD_FLAGS, 0, VA, 16, 0, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_INVALID);
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA, 16, 0, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS | BIT_ULL(20), 0, VA, 16, 0, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_INVALID);
	/* A misaligned record address: invalid, and no record can be written. */
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA, 16, 0, CR_VA + 8 });
	dma_engine_get_stats(r.eng, &st);
	EXPECT_EQ(st.descriptors, 4);
	EXPECT_EQ(st.errors, 3);
	EXPECT_EQ(st.cr_lost, 1);
	rig_fini(&r);
}

TEST(completion_record_without_pasid)
{
	struct rig r;
	uint64_t w0 = 0;

	rig_init(&r);
	map_pages(&r, VA, 1);
	/* CRNP: the record goes to the function's PASID-less space (identity here). */
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_CRNP, 0, VA, 16, 0,
				   RAM + 0x30000 });
	ASSERT_EQ(phys_mem_read64(&r.mem, RAM + 0x30000, &w0), 0);
	EXPECT_EQ(FIELD_GET(DMA_CR0_STATUS, w0), DMA_CS_SUCCESS);
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_NONE);
	rig_fini(&r);
}

TEST(interrupt_on_request_only)
{
	struct rig r;

	rig_init(&r);
	map_pages(&r, VA, 1);
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA, 16, 0, CR_VA });
	EXPECT_EQ(r.irqs, 0);
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_RCI, 0, VA, 16, 0, CR_VA });
	EXPECT_EQ(r.irqs, 1);
	/* Record first, interrupt after: the handler sees the status. */
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	rig_fini(&r);
}

TEST(registers_and_ring_fetch_fault_halts)
{
	struct rig r;
	struct mmio_region mmio;

	rig_init(&r);
	mmio = dma_engine_mmio(r.eng);
	EXPECT_EQ(mmio_read64(&mmio, DMA_REG_RING_BASE), RING_PA);
	EXPECT_EQ(mmio_read32(&mmio, DMA_REG_RING_LOG2), RING_LOG2);
	mmio_write32(&mmio, DMA_REG_RING_LOG2, 0);	/* out of range: ignored */
	EXPECT_EQ(mmio_read32(&mmio, DMA_REG_RING_LOG2), RING_LOG2);
	/* A TAIL more than a ring ahead is ignored. */
	dma_doorbell(r.eng, (1u << RING_LOG2) + 1);
	EXPECT_EQ(mmio_read32(&mmio, DMA_REG_TAIL), 0);
	EXPECT_EQ(mmio_read32(&mmio, DMA_REG_STATUS), DMA_STATUS_ENABLED | DMA_STATUS_IDLE);

	/* A ring outside memory: the engine halts at its first descriptor. */
	mmio_write32(&mmio, DMA_REG_CTRL, 0);
	mmio_write64(&mmio, DMA_REG_RING_BASE, 0x1000);
	mmio_write32(&mmio, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	dma_doorbell(r.eng, 1);
	ASSERT_EQ(dma_engine_wait_idle(r.eng, WAIT_MS), 0);
	EXPECT_NE(mmio_read32(&mmio, DMA_REG_STATUS) & DMA_STATUS_HALTED, 0);
	EXPECT_EQ(mmio_read32(&mmio, DMA_REG_HEAD), 0);

	/* A ring fetched through the IOMMU that it cannot read: the same. */
	dma_engine_destroy(r.eng);
	r.eng = dma_engine_create(r.ep, &(struct dma_engine_config){ .ring_translated = true });
	ASSERT_TRUE(r.eng != NULL);
	mmio = dma_engine_mmio(r.eng);
	mmio_write64(&mmio, DMA_REG_RING_BASE, RING_PA);
	mmio_write32(&mmio, DMA_REG_RING_LOG2, RING_LOG2);
	mmio_write32(&mmio, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	r.tail = 0;
	fake_unmap(&r.fu, false, 0, RAM);
	map_pages(&r, VA, 1);
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA, 16, 0, CR_VA });
	EXPECT_NE(mmio_read32(&mmio, DMA_REG_STATUS) & DMA_STATUS_HALTED, 0);
	EXPECT_EQ(mmio_read32(&mmio, DMA_REG_HEAD), 0);
	/* Fixed and re-enabled: HEAD/TAIL restart at 0, work proceeds. */
	fake_map(&r.fu, false, 0, RAM, RAM, WALK_PERM_R | WALK_PERM_W, 30);
	mmio_write32(&mmio, DMA_REG_CTRL, 0);
	mmio_write32(&mmio, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	EXPECT_EQ(mmio_read32(&mmio, DMA_REG_STATUS), DMA_STATUS_ENABLED | DMA_STATUS_IDLE);
	r.tail = 0;
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA, 16, 0, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	rig_fini(&r);
}

/* A platform device: faults stall in the "SMMU" until resumed or terminated. */
struct stall_ctx {
	struct rig *r;
};

TEST(platform_device_stall_resume_and_terminate)
{
	struct ep_config cfg;
	struct rig r;
	struct cr cr;
	uint8_t b = 0;

	ep_config_platform(&cfg, 0x300);
	rig_init_cfg(&r, &cfg);
	r.fu.stall = true;
	submit_to(&r, r.eng, r.ring_pa, &r.tail,
		  &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA + 0x50000, 64, 0x77, CR_VA }, false);
	ASSERT_TRUE(fake_wait(&r.fu, &r.fu.stalled, 1, WAIT_MS));
	map_pages(&r, VA + 0x50000, 1);
	fake_resume(&r.fu, false);
	ASSERT_EQ(dma_engine_wait_idle(r.eng, WAIT_MS), 0);
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	ASSERT_EQ(phys_mem_read(&r.mem, va_to_pa(VA + 0x50000), &b, 1), 0);
	EXPECT_EQ(b, 0x77);

	submit_to(&r, r.eng, r.ring_pa, &r.tail,
		  &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA + 0x60000, 64, 0x77, CR_VA }, false);
	ASSERT_TRUE(fake_wait(&r.fu, &r.fu.stalled, 1, WAIT_MS));
	fake_resume(&r.fu, true);
	ASSERT_EQ(dma_engine_wait_idle(r.eng, WAIT_MS), 0);
	cr = read_cr(&r, CR_VA);
	EXPECT_EQ(CR_STATUS(cr), DMA_CS_PAGE_FAULT);
	EXPECT_EQ(cr.w[2], VA + 0x60000);
	EXPECT_EQ(r.fu.nreqs, 0);
	rig_fini(&r);
}

/*
 * DMA_CMD_ABORT_PASID: the descriptor in progress (stalled) stops before its
 * next access once resumed, the PASID's queued one is abandoned without a
 * record in the PASID's space, PASID-less work runs, and work submitted
 * after the command is not affected.
 */
#define NP_CR		(RAM + 0x300000)	/* PASID-less completion records */
#define NP_BUF		(RAM + 0x800000)

static uint32_t abort_cmd(uint32_t pasid)
{
	return FIELD_PREP(DMA_CMD_CODE, DMA_CMD_ABORT_PASID) | FIELD_PREP(DMA_CMD_PASID, pasid);
}

TEST(abort_pasid_stops_running_and_abandons_queued)
{
	struct dma_engine_stats st;
	struct ep_config cfg;
	uint64_t w[4], before;
	struct rig r;
	uint8_t b[2];

	ep_config_platform(&cfg, 0x300);
	rig_init_cfg(&r, &cfg);
	r.fu.stall = true;
	map_pages(&r, VA + 0x70000, 1);
	/* 0: two pages, the first stalls; 1: the PASID's, queued; 2: no PASID. */
	submit_to(&r, r.eng, r.ring_pa, &r.tail,
		  &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_CRNP, 0, VA + 0x50000,
				  0x2000, 0x77, NP_CR }, false);
	submit_to(&r, r.eng, r.ring_pa, &r.tail,
		  &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_RCI, 0, VA + 0x70000, 64,
				  0x66, CR_VA }, false);
	submit_to(&r, r.eng, r.ring_pa, &r.tail,
		  &(struct desc){ DMA_OP_FILL, DMA_DESC0_RCR, 0, NP_BUF, 64, 0x55, NP_CR + 32 },
		  false);
	ASSERT_TRUE(fake_wait(&r.fu, &r.fu.stalled, 1, WAIT_MS));

	/* Another PASID's abort, and a malformed command, complete at once. */
	dma_mmio_write32(r.eng, DMA_REG_CMD, abort_cmd(PASID + 1));
	EXPECT_EQ(dma_mmio_read32(r.eng, DMA_REG_CMD_STATUS), 0);
	dma_mmio_write32(r.eng, DMA_REG_CMD, abort_cmd(PASID) | FIELD_PREP(DMA_CMD_CODE, 0xf));
	EXPECT_EQ(dma_mmio_read32(r.eng, DMA_REG_CMD_STATUS),
		  FIELD_PREP(DMA_CMD_STATUS_ERR, DMA_CMD_ERR_INVALID));

	/* The stalled descriptor keeps the command active until it stops. */
	dma_mmio_write32(r.eng, DMA_REG_CMD, abort_cmd(PASID));
	EXPECT_EQ(dma_mmio_read32(r.eng, DMA_REG_CMD_STATUS), DMA_CMD_STATUS_ACTIVE);
	EXPECT_EQ(dma_mmio_read32(r.eng, DMA_REG_CMD), abort_cmd(PASID));
	/* One command at a time: this one is ignored. */
	dma_mmio_write32(r.eng, DMA_REG_CMD, abort_cmd(PASID + 2));
	EXPECT_EQ(dma_mmio_read32(r.eng, DMA_REG_CMD), abort_cmd(PASID));
	before = __atomic_load_n(&r.irqs, __ATOMIC_SEQ_CST);
	map_pages(&r, VA + 0x50000, 2);
	fake_resume(&r.fu, false);
	ASSERT_EQ(dma_engine_wait_cmd(r.eng, WAIT_MS), 0);
	EXPECT_EQ(dma_mmio_read32(r.eng, DMA_REG_CMD_STATUS), 0);
	ASSERT_EQ(dma_engine_wait_idle(r.eng, WAIT_MS), 0);

	/* 0: the resumed access was made, the next one was not. */
	ASSERT_EQ(phys_mem_read(&r.mem, NP_CR, w, sizeof(w)), 0);
	EXPECT_EQ(FIELD_GET(DMA_CR0_STATUS, w[0]), DMA_CS_ABORTED);
	EXPECT_EQ(w[1], 0x1000);
	EXPECT_EQ(w[2], 0);
	ASSERT_EQ(phys_mem_read(&r.mem, va_to_pa(VA + 0x50fff), b, 2), 0);
	EXPECT_EQ(b[0], 0x77);
	EXPECT_EQ(b[1], 0);
	/* 1: nothing moved, no record in the PASID's space, the interrupt raised. */
	ASSERT_EQ(phys_mem_read(&r.mem, va_to_pa(VA + 0x70000), b, 1), 0);
	EXPECT_EQ(b[0], 0);
	EXPECT_EQ(read_cr(&r, CR_VA).w[0], 0);
	EXPECT_EQ(__atomic_load_n(&r.irqs, __ATOMIC_SEQ_CST), before + 1);
	/* 2: PASID-less work is not affected. */
	ASSERT_EQ(phys_mem_read(&r.mem, NP_CR + 32, w, sizeof(w)), 0);
	EXPECT_EQ(FIELD_GET(DMA_CR0_STATUS, w[0]), DMA_CS_SUCCESS);

	/* Submitted after the command: runs. */
	submit(&r, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA + 0x70000, 64, 0x66, CR_VA });
	EXPECT_EQ(CR_STATUS(read_cr(&r, CR_VA)), DMA_CS_SUCCESS);
	dma_engine_get_stats(r.eng, &st);
	EXPECT_EQ(st.aborted, 2);
	EXPECT_EQ(st.descriptors, 4);
	rig_fini(&r);
}

/*
 * Several engines at once: four engines, two per function, each copying its
 * own 64 KB buffer in 16 descriptors with their own records.
 */
#define NR_ENG		4
#define NR_DESC		16
#define CHUNK		0x1000ULL

TEST(engines_run_in_parallel)
{
	struct rig r;
	struct ep *ep2;
	struct dma_engine *eng[NR_ENG];
	uint32_t tail[NR_ENG] = { 0 };
	struct ep_config cfg;
	struct ep_upstream up;
	struct dma_engine_stats st;
	uint8_t *src, *out;
	unsigned int i, j;

	rig_init(&r);
	dma_engine_destroy(r.eng);
	ep_config_default(&cfg, 0x21);
	up = fake_upstream(&r.fu);
	ep2 = ep_create(&cfg, &r.mem.bus, &up);
	ASSERT_TRUE(ep2 != NULL);
	fake_enable_all(ep2, 4);
	/* Per engine: ring, 64K source, 64K destination, 16 records (one page). */
	map_pages(&r, VA, NR_ENG * 0x21);
	src = malloc(NR_DESC * CHUNK);
	out = malloc(NR_DESC * CHUNK);
	ASSERT_TRUE(src && out);
	for (i = 0; i < NR_ENG; i++) {
		uint64_t base = VA + i * 0x21000ULL;

		for (j = 0; j < NR_DESC * CHUNK; j++)
			src[j] = (uint8_t)(j * 31 + i);
		ASSERT_EQ(phys_mem_write(&r.mem, va_to_pa(base), src, NR_DESC * CHUNK), 0);
		eng[i] = engine_up(&r, i & 1 ? ep2 : r.ep, RING_PA + i * 0x1000ULL);
	}
	/* Fill all rings first, then ring every doorbell: the engines overlap. */
	for (j = 0; j < NR_DESC; j++)
		for (i = 0; i < NR_ENG; i++) {
			uint64_t base = VA + i * 0x21000ULL;

			submit_to(&r, eng[i], RING_PA + i * 0x1000ULL, &tail[i],
				  &(struct desc){ DMA_OP_COPY, STD_FLAGS, base + j * CHUNK,
						  base + 0x10000 + j * CHUNK, CHUNK, 0,
						  base + 0x20000 + j * DMA_CR_SIZE }, false);
		}
	for (i = 0; i < NR_ENG; i++) {
		uint64_t base = VA + i * 0x21000ULL;

		ASSERT_EQ(dma_engine_wait_idle(eng[i], WAIT_MS), 0);
		for (j = 0; j < NR_DESC; j++)
			EXPECT_EQ(CR_STATUS(read_cr(&r, base + 0x20000 + j * DMA_CR_SIZE)),
				  DMA_CS_SUCCESS);
		for (j = 0; j < NR_DESC * CHUNK; j++)
			src[j] = (uint8_t)(j * 31 + i);
		ASSERT_EQ(phys_mem_read(&r.mem, va_to_pa(base + 0x10000), out, NR_DESC * CHUNK), 0);
		EXPECT_EQ(memcmp(src, out, NR_DESC * CHUNK), 0);
		dma_engine_get_stats(eng[i], &st);
		EXPECT_EQ(st.descriptors, NR_DESC);
		EXPECT_EQ(st.bytes, NR_DESC * CHUNK);
		dma_engine_destroy(eng[i]);
	}
	free(src);
	free(out);
	r.eng = NULL;
	ep_destroy(ep2);
	rig_fini(&r);
}

/* ---- The whole device path through the real SMMU model ------------------- */

#include "tests/unit/smmu_fixture.h"

#define S_SID		7
#define S_ASID		11
#define S_CDMAX		4

struct sys {
	struct fx fx;
	uint64_t root, cdtab, ring, frames;
	struct ep *ep;
	struct dma_engine *eng;
	uint32_t tail;
};

/* Stream S_SID: PASID-less traffic bypasses (the ring), PASID 5 translates. */
static void sys_init(struct sys *s)
{
	struct fx_ste ste = { .cdmax = S_CDMAX, .s1dss = STRTAB_STE_1_S1DSS_BYPASS,
			      .eats = STRTAB_STE_1_EATS_TRANS };
	struct ep_config cfg;
	struct mmio_region mmio;

	memset(s, 0, sizeof(*s));
	ASSERT_EQ(fx_init(&s->fx), 0);
	s->root = fx_pt_new(&s->fx);
	s->cdtab = fx_alloc(&s->fx, 64ULL << S_CDMAX, 64ULL << S_CDMAX);
	s->ring = fx_alloc(&s->fx, DMA_DESC_SIZE << RING_LOG2, 4096);
	s->frames = fx_alloc(&s->fx, 64 * 4096, 4096);
	fx_cd(&s->fx, s->cdtab + PASID * 64, s->root, S_ASID, FX_CD_DEFAULT);
	ste.cdptr = s->cdtab;
	fx_ste(&s->fx, S_SID, &ste);
	ep_config_default(&cfg, S_SID);
	s->ep = ep_create(&cfg, &s->fx.mem.bus, NULL);
	ASSERT_TRUE(s->ep != NULL);
	ASSERT_EQ(ep_attach_smmu(s->ep, s->fx.smmu), 0);
	fake_enable_all(s->ep, 8);
	s->eng = dma_engine_create(s->ep, NULL);
	ASSERT_TRUE(s->eng != NULL);
	mmio = dma_engine_mmio(s->eng);
	mmio_write64(&mmio, DMA_REG_RING_BASE, s->ring);
	mmio_write32(&mmio, DMA_REG_RING_LOG2, RING_LOG2);
	mmio_write32(&mmio, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	/* Completion records at CR_VA, page 63 of the frames. */
	fx_map(&s->fx, s->root, CR_VA, s->frames + 63 * 4096, FX_PTE_RW);
}

static void sys_fini(struct sys *s)
{
	dma_engine_destroy(s->eng);
	fx_fini(&s->fx);
	ep_destroy(s->ep);
}

static void sys_submit(struct sys *s, const struct desc *d, uint64_t cra_slot)
{
	uint64_t w[DMA_DESC_WORDS] = {
		FIELD_PREP(DMA_DESC0_OP, d->op) | d->flags | FIELD_PREP(DMA_DESC0_PASID, PASID),
		d->src, d->dst,
		FIELD_PREP(DMA_DESC3_LEN, d->len) | FIELD_PREP(DMA_DESC3_PATTERN, d->pattern),
		CR_VA + cra_slot * DMA_CR_SIZE, 0, 0, 0,
	};
	uint64_t slot = s->ring + (uint64_t)(s->tail & ((1u << RING_LOG2) - 1)) * DMA_DESC_SIZE;

	ASSERT_EQ(phys_mem_write(&s->fx.mem, slot, w, sizeof(w)), 0);
	dma_doorbell(s->eng, ++s->tail);
}

static uint64_t sys_cr0(struct sys *s, uint64_t cra_slot)
{
	return fx_r64(&s->fx, s->frames + 63 * 4096 + cra_slot * DMA_CR_SIZE);
}

/*
 * The driver's side of PRI: take each page request, map the page, answer
 * the group on its Last request (CMD_PRI_RESP + CMD_SYNC).
 */
struct pri_driver {
	struct sys *s;
	int stop;
	unsigned int requests, groups;
};

static void *pri_driver_thread(void *arg)
{
	struct pri_driver *d = arg;
	struct sys *s = d->s;
	struct smmu_pri_req req;

	while (!__atomic_load_n(&d->stop, __ATOMIC_SEQ_CST)) {
		if (!fx_pri(&s->fx, &req)) {
			sched_yield();
			continue;
		}
		d->requests++;
		fx_map(&s->fx, s->root, req.addr,
		       s->frames + ((req.addr - VA) >> 12) * 4096, FX_PTE_RW);
		if (!req.last)
			continue;
		d->groups++;
		fx_cmd(&s->fx, FIELD_PREP(CMD_0_OP, CMD_OP_PRI_RESP) | CMD_0_SSV |
		       FIELD_PREP(CMD_0_SSID, req.ssid) | FIELD_PREP(CMD_0_SID, req.sid),
		       FIELD_PREP(CMD_1_PRI_GRPID, req.grpid) |
		       FIELD_PREP(CMD_1_PRI_RESP, CMD_PRI_RESP_SUCCESS));
		fx_sync(&s->fx);
	}
	return NULL;
}

TEST(smmu_dma_block_on_fault_through_priq)
{
	static struct sys s;
	struct pri_driver drv = { .s = &s };
	pthread_t th;
	uint8_t out[0x3000];
	unsigned int i;

	sys_init(&s);
	ASSERT_EQ(pthread_create(&th, NULL, pri_driver_thread, &drv), 0);
	/* Three unmapped pages, filled with block-on-fault: one group of three. */
	sys_submit(&s, &(struct desc){ DMA_OP_FILL, STD_FLAGS | DMA_DESC0_BOF, 0, VA + 0x4000,
				       0x3000, 0x6b, 0 }, 0);
	ASSERT_EQ(dma_engine_wait_idle(s.eng, WAIT_MS), 0);
	__atomic_store_n(&drv.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	EXPECT_EQ(FIELD_GET(DMA_CR0_STATUS, sys_cr0(&s, 0)), DMA_CS_SUCCESS);
	ASSERT_EQ(phys_mem_read(&s.fx.mem, s.frames + 4 * 4096, out, sizeof(out)), 0);
	for (i = 0; i < sizeof(out); i++)
		ASSERT_EQ(out[i], 0x6b);
	EXPECT_EQ(drv.requests, 3);
	EXPECT_EQ(drv.groups, 1);
	sys_fini(&s);
}

/*
 * munmap's order against a running engine: the engine keeps filling VA
 * while the driver moves VA to another frame with PTE update, TLBI + SYNC,
 * ATC_INV + SYNC. From then on the old frame must never be written (a
 * sentinel there is checked before the frame is used again), and every
 * descriptor succeeds (the page is always mapped to something).
 */
#define R_FRAMES	4
#define R_ROUNDS	60
#define R_BATCH		16

static void no_write_after_atc_inv(bool atschk)
{
	static struct sys s;
	unsigned int round, i, cur = 0, slot = 0;
	uint64_t frame[R_FRAMES];
	uint8_t buf[256];
	int bad = 0;

	sys_init(&s);
	if (atschk) {
		/* Translated requests are then checked against the STE too. */
		uint32_t cr0 = smmu_mmio_read32(s.fx.smmu, SMMU_CR0) | SMMU_CR0_ATSCHK;

		smmu_mmio_write32(s.fx.smmu, SMMU_CR0, cr0);
		FX_WAIT(smmu_mmio_read32(s.fx.smmu, SMMU_CR0ACK) == cr0);
	}
	for (i = 0; i < R_FRAMES; i++)
		frame[i] = s.frames + (16 + i) * 4096ULL;
	fx_map(&s.fx, s.root, VA, frame[0], FX_PTE_RW);
	for (round = 0; round < R_ROUNDS && !bad; round++) {
		unsigned int next = (cur + 1) % R_FRAMES;

		if (round >= R_FRAMES - 1) {
			ASSERT_EQ(phys_mem_read(&s.fx.mem, frame[next], buf, sizeof(buf)), 0);
			for (i = 0; i < sizeof(buf); i++)
				if (buf[i] != 0xee)
					bad = 1;
			if (bad)
				TH_LOG("round %u: old frame %u written after ATC_INV + SYNC", round, next);
		}
		/* Queue work, then retarget VA while it runs. */
		for (i = 0; i < R_BATCH; i++, slot = (slot + 1) % 64)
			sys_submit(&s, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA, 256, 0x11, 0 },
				   slot);
		fx_map(&s.fx, s.root, VA, frame[next], FX_PTE_RW);
		fx_tlbi_va(&s.fx, S_ASID, VA);
		ASSERT_EQ(fx_sync(&s.fx), 0);
		fx_cmd(&s.fx, FIELD_PREP(CMD_0_OP, CMD_OP_ATC_INV) | CMD_0_SSV |
		       FIELD_PREP(CMD_0_SSID, PASID) | FIELD_PREP(CMD_0_SID, S_SID),
		       FIELD_PREP(CMD_1_ATC_SIZE, 0) | (VA & CMD_1_ATC_ADDR));
		ASSERT_EQ(fx_sync(&s.fx), 0);
		phys_mem_fill(&s.fx.mem, frame[cur], 0xee, 4096);
		cur = next;
		ASSERT_EQ(dma_engine_wait_idle(s.eng, WAIT_MS), 0);
	}
	EXPECT_EQ(bad, 0);
	for (i = 0; i < 64; i++)
		EXPECT_EQ(FIELD_GET(DMA_CR0_STATUS, sys_cr0(&s, i)), DMA_CS_SUCCESS);
	{
		struct ep_stats st;

		ep_get_stats(s.ep, &st);
		TH_LOG("%" PRIu64 " translations, %" PRIu64 " ATC hits, %" PRIu64 " invalidations",
		       st.translations, st.atc_hits, st.atc_invalidations);
		EXPECT_EQ(st.atc_invalidations, round);
	}
	sys_fini(&s);
}

TEST(smmu_dma_no_write_to_old_frame_after_atc_inv)
{
	no_write_after_atc_inv(false);
}

TEST(smmu_dma_no_write_to_old_frame_after_atc_inv_atschk)
{
	no_write_after_atc_inv(true);
}

/*
 * A platform DMA engine behind the real SMMU with stall enabled (CD.S):
 * the faulting write parks in the SMMU, the driver reads the stall event,
 * maps the page and sends CMD_RESUME (retry); a second fault is terminated
 * with CMD_RESUME (abort) and completes as a page fault.
 */
static struct smmu_event wait_stall_event(struct sys *s)
{
	struct smmu_event ev = { 0 };

	FX_WAIT(fx_event(&s->fx, &ev) && ev.stall);
	return ev;
}

static void resume(struct sys *s, const struct smmu_event *ev, bool retry)
{
	fx_cmd(&s->fx, FIELD_PREP(CMD_0_OP, CMD_OP_RESUME) | FIELD_PREP(CMD_0_SID, ev->sid) |
	       (retry ? CMD_0_RESUME_AC : CMD_0_RESUME_AB),
	       FIELD_PREP(CMD_1_RESUME_STAG, ev->stag));
	EXPECT_EQ(fx_sync(&s->fx), 0);
}

TEST(smmu_platform_dma_stall_resume)
{
	static struct sys s;
	struct fx_ste ste = { .cdmax = S_CDMAX, .s1dss = STRTAB_STE_1_S1DSS_BYPASS };
	struct ep_config cfg;
	struct smmu_event ev;
	struct mmio_region mmio;
	uint8_t b = 0;

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(fx_init(&s.fx), 0);
	s.root = fx_pt_new(&s.fx);
	s.cdtab = fx_alloc(&s.fx, 64ULL << S_CDMAX, 64ULL << S_CDMAX);
	s.ring = fx_alloc(&s.fx, DMA_DESC_SIZE << RING_LOG2, 4096);
	s.frames = fx_alloc(&s.fx, 64 * 4096, 4096);
	fx_cd(&s.fx, s.cdtab + PASID * 64, s.root, S_ASID, FX_CD_DEFAULT | FX_CD_S);
	ste.cdptr = s.cdtab;
	fx_ste(&s.fx, S_SID, &ste);
	ep_config_platform(&cfg, S_SID);
	s.ep = ep_create(&cfg, &s.fx.mem.bus, NULL);
	ASSERT_TRUE(s.ep != NULL);
	ASSERT_EQ(ep_attach_smmu(s.ep, s.fx.smmu), 0);
	s.eng = dma_engine_create(s.ep, NULL);
	ASSERT_TRUE(s.eng != NULL);
	mmio = dma_engine_mmio(s.eng);
	mmio_write64(&mmio, DMA_REG_RING_BASE, s.ring);
	mmio_write32(&mmio, DMA_REG_RING_LOG2, RING_LOG2);
	mmio_write32(&mmio, DMA_REG_CTRL, DMA_CTRL_ENABLE);
	fx_map(&s.fx, s.root, CR_VA, s.frames + 63 * 4096, FX_PTE_RW);

	sys_submit(&s, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA + 0x7000, 32, 0x42, 0 }, 0);
	ev = wait_stall_event(&s);
	EXPECT_EQ(ev.sid, S_SID);
	EXPECT_TRUE(ev.ssv);
	EXPECT_EQ(ev.ssid, PASID);
	EXPECT_EQ(ev.addr, VA + 0x7000);
	EXPECT_FALSE(ev.rnw);
	fx_map(&s.fx, s.root, VA + 0x7000, s.frames + 7 * 4096, FX_PTE_RW);
	resume(&s, &ev, true);
	ASSERT_EQ(dma_engine_wait_idle(s.eng, WAIT_MS), 0);
	EXPECT_EQ(FIELD_GET(DMA_CR0_STATUS, sys_cr0(&s, 0)), DMA_CS_SUCCESS);
	ASSERT_EQ(phys_mem_read(&s.fx.mem, s.frames + 7 * 4096, &b, 1), 0);
	EXPECT_EQ(b, 0x42);

	sys_submit(&s, &(struct desc){ DMA_OP_FILL, STD_FLAGS, 0, VA + 0x9000, 32, 0x42, 0 }, 1);
	ev = wait_stall_event(&s);
	resume(&s, &ev, false);
	ASSERT_EQ(dma_engine_wait_idle(s.eng, WAIT_MS), 0);
	EXPECT_EQ(FIELD_GET(DMA_CR0_STATUS, sys_cr0(&s, 1)), DMA_CS_PAGE_FAULT);
	EXPECT_EQ(fx_r64(&s.fx, s.frames + 63 * 4096 + DMA_CR_SIZE + 16), VA + 0x9000);
	sys_fini(&s);
}
