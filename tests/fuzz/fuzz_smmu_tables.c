// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the SMMU model's configuration and translation tables.
 *
 * The input supplies an SMMU configuration, STRTAB_BASE_CFG and the offset
 * of STRTAB_BASE, then raw 64-bit words for five table regions: the stream
 * table (L1STDs or STEs, as STRTAB_BASE_CFG.FMT says), level-2 stream
 * tables, L1 CD tables, CDs and page tables; each region is filled with a
 * pattern of up to 32 words, then single words may be placed anywhere
 * (whatever StreamID a transaction uses meets fuzzed words). Address
 * fields are relocated
 * into the region they should point to (the input chooses which kinds of
 * pointer are relocated), so that walks meet the fuzzed words rather than
 * unbacked memory; everything else is taken as given. Then a program of
 * transactions (any StreamID, SubstreamID, address, access, ATS type) and
 * table rewrites followed by CFGI_ALL/TLBI/CMD_SYNC.
 *
 * Checked (fuzz_machine.h): every transaction gets an architectural answer
 * (a stalled one is released with CMD_STALL_TERM); no crash, sanitizer
 * report or hang; guard memory intact and table memory changed only by
 * HTTU-shaped descriptor updates; event records well formed.
 */
#include "tests/fuzz/fuzz_machine.h"

#define FZT_HDR_LEN	13
#define FZT_MAX_OPS	64

enum fzt_region { FZT_STRTAB, FZT_L2, FZT_CD_L1, FZT_CD, FZT_PT, FZT_NR_REGIONS };

static const unsigned int fzt_pages[FZT_NR_REGIONS] = { 2, 2, 1, 2, 8 };

/* Which pointers are relocated into their region (header byte 5). */
#define FZT_RELOC_L1STD		(1u << 0)
#define FZT_RELOC_CTXPTR	(1u << 1)
#define FZT_RELOC_L1CD		(1u << 2)
#define FZT_RELOC_TTB		(1u << 3)
#define FZT_RELOC_TABLE		(1u << 4)

/*
 * Which descriptors get their "this is valid" bits forced (header byte
 * 12), so that walks get past STE and CD validation often enough; the
 * other fields stay fuzzed, and without the flag nothing is forced.
 */
#define FZT_ASSIST_STE		(1u << 0)	/* V, Config = stage 1 */
#define FZT_ASSIST_CD		(1u << 1)	/* V, AA64, little-endian, T0SZ in 16..39 */
#define FZT_ASSIST_L1		(1u << 2)	/* L1STD Span 1..11, L1CD V */
#define FZT_ASSIST_PT		(1u << 3)	/* table/page descriptors, AF set */

struct fzt {
	struct fz_machine *m;
	uint64_t region[FZT_NR_REGIONS];
	uint8_t reloc;
	uint8_t assist;
	bool strtab_2lvl;	/* the stream table region holds L1STDs */
};

static void fzt_config(const uint8_t *h, struct smmu_config *cfg)
{
	static const enum smmu_stall_model stall[] = {
		SMMU_STALL_MODEL_STALL, SMMU_STALL_MODEL_TERM,
		SMMU_STALL_MODEL_FORCE, SMMU_STALL_MODEL_STALL,
	};
	static const enum smmu_httu httu[] = {
		SMMU_HTTU_NONE, SMMU_HTTU_HA, SMMU_HTTU_HD, SMMU_HTTU_HD,
	};
	static const unsigned int oas[] = { 32, 36, 40, 42, 44, 48 };

	smmu_config_default(cfg);
	cfg->st_2lvl = h[0] & 1;
	cfg->cd_2lvl = h[0] & 2;
	cfg->stall_model = stall[(h[0] >> 2) & 3];
	cfg->stall_max = 1 + (h[1] >> 5);
	cfg->ats = h[0] & 0x10;
	cfg->pri = cfg->ats && (h[0] & 0x20);
	cfg->httu = httu[h[0] >> 6];
	cfg->ssid_bits = (h[1] & 0x1f) % 21;
	cfg->sid_bits = cfg->st_2lvl ? h[2] % 33 : h[2] % 7;
	cfg->oas = oas[(h[3] & 7) % 6];
	cfg->granules = (h[3] >> 3) & 7 ? (h[3] >> 3) & 7 : SMMU_GRAN_4K;
	cfg->asid16 = h[3] & 0x40;
	cfg->term_model = h[3] & 0x80;
	cfg->arch_minor = (h[4] & 7) % 5;
	cfg->ril = cfg->arch_minor >= 2 || (h[4] & 8);
	cfg->hyp = h[4] & 0x10;
	cfg->btm = h[4] & 0x20;
	cfg->cmdq_log2 = 4;
	cfg->evtq_log2 = 4;
	cfg->priq_log2 = 4;
	cfg->tlb_entries = 16;
	cfg->cfg_cache_entries = 8;
}

/* @v's address bits @mask moved to @base + (their value modulo @size), @align-aligned. */
static uint64_t fzt_move(uint64_t v, uint64_t mask, uint64_t base, uint64_t size, uint64_t align)
{
	uint64_t addr = (v & mask) % size;

	return (v & ~mask) | ((base + (addr & ~(align - 1))) & mask);
}

/* STE word 0: S1ContextPtr to the L1 CD table or to the CDs, per S1Fmt/S1CDMax. */
static uint64_t fzt_reloc_ste0(const struct fzt *t, uint64_t v)
{
	bool l1 = FIELD_GET(STRTAB_STE_0_S1CDMAX, v) &&
		  (FIELD_GET(STRTAB_STE_0_S1FMT, v) == STRTAB_STE_0_S1FMT_4K_L2 ||
		   FIELD_GET(STRTAB_STE_0_S1FMT, v) == STRTAB_STE_0_S1FMT_64K_L2);

	if (!(t->reloc & FZT_RELOC_CTXPTR))
		return v;
	if (l1)
		return fzt_move(v, STRTAB_STE_0_S1CTXPTR, t->region[FZT_CD_L1], FZ_PAGE, 64);
	return fzt_move(v, STRTAB_STE_0_S1CTXPTR, t->region[FZT_CD],
			fzt_pages[FZT_CD] * FZ_PAGE, 64);
}

static uint64_t fzt_assist(const struct fzt *t, enum fzt_region r, unsigned int i, uint64_t v)
{
	bool ste = r == FZT_L2 || (r == FZT_STRTAB && !t->strtab_2lvl);

	if (ste && i % 8 == 0 && (t->assist & FZT_ASSIST_STE))
		return FIELD_SET(STRTAB_STE_0_CFG, v, STRTAB_STE_0_CFG_S1_TRANS) | STRTAB_STE_0_V;
	if (r == FZT_CD && i % 8 == 0 && (t->assist & FZT_ASSIST_CD))
		return (FIELD_SET(CD_0_T0SZ, v, 16 + FIELD_GET(CD_0_T0SZ, v) % 24) &
			~CD_0_ENDI) | CD_0_V | CD_0_AA64;
	if (r == FZT_STRTAB && t->strtab_2lvl && (t->assist & FZT_ASSIST_L1))
		return FIELD_SET(STRTAB_L1_DESC_SPAN, v, 1 + FIELD_GET(STRTAB_L1_DESC_SPAN, v) % 11);
	if (r == FZT_CD_L1 && (t->assist & FZT_ASSIST_L1))
		return v | CD_L1_DESC_V;
	if (r == FZT_PT && (t->assist & FZT_ASSIST_PT))
		return v | VMSA_DESC_TYPE_TABLE | VMSA_PTE_AF;
	return v;
}

/* The word @v at word index @i of region @r, with its pointer relocated. */
static uint64_t fzt_reloc(const struct fzt *t, enum fzt_region r, unsigned int i, uint64_t v)
{
	v = fzt_assist(t, r, i, v);
	switch (r) {
	case FZT_STRTAB:
		if (!t->strtab_2lvl)
			return i % 8 ? v : fzt_reloc_ste0(t, v);
		if (!(t->reloc & FZT_RELOC_L1STD))
			return v;
		return fzt_move(v, STRTAB_L1_DESC_L2PTR, t->region[FZT_L2],
				fzt_pages[FZT_L2] * FZ_PAGE, 64);
	case FZT_L2:
		return i % 8 ? v : fzt_reloc_ste0(t, v);
	case FZT_CD_L1:
		if (!(t->reloc & FZT_RELOC_L1CD))
			return v;
		return fzt_move(v, CD_L1_DESC_L2PTR, t->region[FZT_CD],
				fzt_pages[FZT_CD] * FZ_PAGE, FZ_PAGE);
	case FZT_CD:
		if (i % 8 != 1 || !(t->reloc & FZT_RELOC_TTB))
			return v;
		return fzt_move(v, CD_1_TTB0, t->region[FZT_PT], fzt_pages[FZT_PT] * FZ_PAGE, 16);
	default:
		if ((v & VMSA_DESC_TYPE) != VMSA_DESC_TYPE_TABLE || !(t->reloc & FZT_RELOC_TABLE))
			return v;
		return fzt_move(v, VMSA_DESC_ADDR, t->region[FZT_PT], fzt_pages[FZT_PT] * FZ_PAGE,
				FZ_PAGE);
	}
}

static void fzt_put_word(struct fzt *t, struct fz_input *in, enum fzt_region r)
{
	unsigned int words = fzt_pages[r] * FZ_PAGE / 8;
	unsigned int i = fz_u16(in) % words;

	fz_w64(t->m, t->region[r] + i * 8ULL, fzt_reloc(t, r, i, fz_u64(in)));
}

/*
 * Fill region @r with up to FZT_PATTERN words from the input, repeated:
 * whichever StreamID, SubstreamID or address a transaction uses, the
 * descriptor it meets is fuzzed (one 8-word pattern makes every STE or CD
 * the same). No words: the region stays zero.
 */
#define FZT_PATTERN	32

static void fzt_fill(struct fzt *t, struct fz_input *in, enum fzt_region r)
{
	unsigned int words = fzt_pages[r] * FZ_PAGE / 8, n = fz_u8(in) % (FZT_PATTERN + 1), i;
	uint64_t pattern[FZT_PATTERN];

	for (i = 0; i < n; i++)
		pattern[i] = fz_u64(in);
	for (i = 0; n && i < words; i++)
		fz_w64(t->m, t->region[r] + i * 8ULL, fzt_reloc(t, r, i, pattern[i % n]));
}

/*
 * Header, registers, regions and their words; SMMU enabled as the input
 * says. False for a configuration no SMMU has.
 */
static bool fzt_setup(struct fzt *t, const uint8_t *h, struct fz_input *in)
{
	uint32_t strtab_cfg, cr0 = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN;
	struct fz_machine *m = t->m;
	struct smmu_config cfg;
	unsigned int r, n;
	uint16_t base_off;

	fzt_config(h, &cfg);
	if (!fz_machine_init(m, &cfg))
		return false;
	m->httu_anywhere = true;
	t->reloc = h[5];
	t->assist = h[12];
	strtab_cfg = h[6] | h[7] << 8 | h[8] << 16 | (uint32_t)h[9] << 24;
	base_off = h[10] | h[11] << 8;
	t->strtab_2lvl = cfg.st_2lvl &&
			 FIELD_GET(SMMU_STRTAB_BASE_CFG_FMT, strtab_cfg) == SMMU_STRTAB_FMT_2LVL;

	m->cmdq = fz_alloc(m, 1, FZ_STRICT);
	m->evtq = fz_alloc(m, 1, FZ_WRITABLE);
	m->priq = fz_alloc(m, 1, FZ_WRITABLE);
	m->msi = fz_alloc(m, 1, FZ_WRITABLE);
	fz_program_queues(m, 4, 4, 4);
	for (r = 0; r < FZT_NR_REGIONS; r++)
		t->region[r] = fz_alloc(m, fzt_pages[r], r == FZT_PT ? FZ_PTABLE : FZ_STRICT);
	for (r = 0; r < FZT_NR_REGIONS; r++)
		fzt_fill(t, in, r);
	/* Then single words anywhere. */
	for (n = fz_u8(in) % 16; n; n--)
		fzt_put_word(t, in, fz_u8(in) % FZT_NR_REGIONS);

	smmu_mmio_write64(m->smmu, SMMU_STRTAB_BASE,
			  t->region[FZT_STRTAB] + (base_off % (fzt_pages[FZT_STRTAB] * FZ_PAGE)));
	smmu_mmio_write32(m->smmu, SMMU_STRTAB_BASE_CFG, strtab_cfg);
	smmu_mmio_write32(m->smmu, SMMU_CR2, (h[4] & 0x80) ? SMMU_CR2_RECINVSID : 0);
	if (cfg.ats)
		smmu_attach_endpoint(m->smmu, 0, &fz_ep_ops, m);
	if (cfg.pri)
		cr0 |= SMMU_CR0_PRIQEN;
	if (h[4] & 0x40)
		cr0 &= ~SMMU_CR0_SMMUEN;	/* bypass or abort per GBPA */
	if (h[1] & 0x10 && cfg.ats)
		cr0 |= SMMU_CR0_ATSCHK;
	fz_cr0(m, cr0);
	return true;
}

/* Rewrite one word and invalidate everything, as a driver must. */
static void fzt_op_rewrite(struct fzt *t, struct fz_input *in)
{
	struct fz_machine *m = t->m;

	fzt_put_word(t, in, fz_u8(in) % FZT_NR_REGIONS);
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_CFGI_ALL),
		    FIELD_PREP(CMD_1_RANGE, CMD_CFGI_RANGE_ALL));
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_TLBI_NSNH_ALL), 0);
	if (m->cfg.hyp)
		fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_TLBI_EL2_ALL), 0);
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_SYNC), 0);
	fz_cmdq_kick(m);
	if (fz_cmdq_error(m))
		fz_fail("valid invalidation refused (CONS %#x)",
			smmu_mmio_read32(m->smmu, SMMU_CMDQ_CONS));
}

static uint64_t fzt_addr(struct fz_input *in)
{
	uint16_t a = fz_u16(in);

	switch (a >> 14) {
	case 0:
		return (uint64_t)(a & 0x3fff) << 12;
	case 1:
		return (uint64_t)(a & 0x3fff) << 21;
	case 2:
		return BIT_ULL(55) | ((uint64_t)(a & 0x3fff) << 12);	/* the TTB1 half */
	}
	return fz_u64(in);
}

static void fzt_op_txn(struct fzt *t, struct fz_input *in, uint8_t op)
{
	static const enum smmu_txn_type types[] = {
		SMMU_TXN_UNTRANSLATED, SMMU_TXN_ATS_REQUEST, SMMU_TXN_TRANSLATED,
		SMMU_TXN_UNTRANSLATED,
	};
	uint8_t f = fz_u8(in), ssid = fz_u8(in);
	struct smmu_txn txn = {
		.sid = (op & 0x80) ? fz_u32(in) : fz_u8(in),
		.ssv = f & 1,
		.ssid = (f & 0x80) ? ssid * 4099u : ssid,
		.type = types[(f >> 1) & 3],
		.acc = (f >> 3) & (WALK_ACC_WRITE | WALK_ACC_EXEC | WALK_ACC_PRIV),
		.no_write = f & 0x40,
	};

	txn.addr = fzt_addr(in);
	/* One device: a transaction still parked from before is terminated first. */
	fz_dev_unpark(t->m);
	fz_txn(t->m, &txn);
}

/* The machine every input runs on (fz_machine_init() resets it). */
static struct fz_machine fzt_machine;

static int fzt_one(const uint8_t *data, size_t size)
{
	struct fz_input in = { data, size };
	struct fzt t = { .m = &fzt_machine };
	unsigned int ops = 0;
	uint8_t op;

	if (size < FZT_HDR_LEN)
		return 0;
	in.data += FZT_HDR_LEN;
	in.size -= FZT_HDR_LEN;
	if (!fzt_setup(&t, data, &in))
		return 0;
	while (fz_more(&in) && ops++ < FZT_MAX_OPS) {
		op = fz_u8(&in);
		switch (op & 7) {
		case 6:
			fzt_op_rewrite(&t, &in);
			break;
		case 7:
			fz_evtq_drain(t.m);
			break;
		default:
			fzt_op_txn(&t, &in, op);
			break;
		}
	}
	fz_machine_fini(t.m);
	return 0;
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const flags[] = { "-len_control=0", "-max_len=1024" };

	fz_default_flags(argc, argv, flags, 2);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fzt_one(data, size);
}
#endif
