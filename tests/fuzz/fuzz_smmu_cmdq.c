// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the SMMU model's command queue, interleaved with
 * transactions, page requests and register writes.
 *
 * The first FZC_HDR_LEN bytes choose the SMMU (2-level or linear stream
 * table, 2-level or linear CD tables, SubstreamID bits, stall model,
 * ATS/PRI, HTTU, queue sizes, MSIs...) and the configuration a driver
 * installs (each StreamID's STE and each CD is one of eight fuzzed
 * classes). The page tables are fixed: pages with every permission,
 * access-flag and dirty state, blocks, an invalid entry and a table
 * pointing at no memory.
 *
 * The rest is a program of operations (fzc_op below): batches of 16-byte
 * commands (raw, or built from a valid opcode with fuzzed fields) written
 * at PROD with PROD updates and wraps, GERRORN acknowledgements with or
 * without replacing the bad command, transactions on two device threads
 * (waited for, or racing what follows), draining the event and PRI queues,
 * PRI page requests, CR0/IRQ_CTRL/GBPA/STRTAB_BASE_CFG writes, any other
 * register access that does not move where the SMMU writes, bogus PROD and
 * GERRORN values, PTE changes, broadcast TLBIs (BTM) and CMD_RESUME of the
 * last stalled transaction.
 *
 * Checked (fuzz_machine.h): no crash, sanitizer report or hang; no write
 * outside the queues, the MSI targets and HTTU updates of page tables;
 * event records and transaction results are architectural.
 */
#include "tests/fuzz/fuzz_machine.h"

#define FZC_HDR_LEN	22

struct fzc_hdr {
	uint8_t smmu[5];
	uint8_t ste[8];		/* STE class of StreamID s: ste[s % 8] */
	uint8_t cd[8];		/* CD class of SubstreamID n: cd[n % 8] */
	uint8_t misc;
};

/* Where the driver put things. */
struct fzc_layout {
	uint64_t strtab, l2[3], cd_l1, cd_l2, pt[3], data;
	unsigned int cd_bits;	/* S1CDMax of the CD tables */
	bool cd_2lvl;
};

/* ---- SMMU configuration from the header ---------------------------------- */

static void fzc_config(const struct fzc_hdr *h, struct smmu_config *cfg)
{
	static const enum smmu_stall_model stall[] = {
		SMMU_STALL_MODEL_STALL, SMMU_STALL_MODEL_TERM,
		SMMU_STALL_MODEL_FORCE, SMMU_STALL_MODEL_STALL,
	};
	static const enum smmu_httu httu[] = {
		SMMU_HTTU_NONE, SMMU_HTTU_HA, SMMU_HTTU_HD, SMMU_HTTU_HD,
	};

	smmu_config_default(cfg);
	cfg->st_2lvl = h->smmu[0] & 1;
	cfg->sid_bits = cfg->st_2lvl ? 8 : 6;
	cfg->cd_2lvl = h->smmu[0] & 2;
	cfg->stall_model = stall[(h->smmu[0] >> 2) & 3];
	cfg->stall_max = (h->misc & 4) ? 1 : 2;	/* 1: two devices exhaust it */
	cfg->ats = h->smmu[0] & 0x10;
	cfg->pri = cfg->ats && (h->smmu[0] & 0x20);
	cfg->httu = httu[h->smmu[0] >> 6];
	cfg->cmdq_log2 = 1 + (h->smmu[1] & 7) % 5;
	cfg->msi = h->smmu[1] & 0x40;
	cfg->sev = h->smmu[1] & 0x80;
	cfg->evtq_log2 = (h->smmu[2] & 7) % 6;
	cfg->hyp = h->smmu[2] & 0x40;
	cfg->btm = h->smmu[2] & 0x80;
	cfg->priq_log2 = (h->smmu[3] & 7) % 6;
	cfg->term_model = h->smmu[3] & 0x40;
	if (h->smmu[3] & 0x80) {
		cfg->arch_minor = 1;
		cfg->ril = false;
	}
	cfg->ssid_bits = cfg->cd_2lvl ? 8 : (h->smmu[4] & 7) % 7;
	cfg->asid16 = h->smmu[4] & 8;
	cfg->tlb_entries = 8;
	cfg->cfg_cache_entries = 4;
}

/* ---- Page tables: 4K granule, 39-bit VA, start level 1 -------------------- */

#define FZC_T0SZ	25
#define FZC_NR_PAGES	32

static uint64_t fzc_pte(const struct fzc_layout *l, unsigned int i)
{
	uint64_t rw = VMSA_DESC_VALID | VMSA_DESC_PAGE | VMSA_PTE_AF | VMSA_PTE_NG |
		      FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RW) |
		      FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER) | VMSA_PTE_UXN | VMSA_PTE_PXN;
	uint64_t oa = vmsa_addr_to_desc(l->data + (i & 1) * FZ_PAGE, 12);

	switch (i % 8) {
	case 0:
		return oa | rw;
	case 1:
		return oa | rw | VMSA_PTE_AP_RDONLY;
	case 2:
		return oa | rw | VMSA_PTE_AP_RDONLY | VMSA_PTE_DBM;	/* writable-clean */
	case 3:
		return oa | (rw & ~VMSA_PTE_AF) | VMSA_PTE_DBM;
	case 4:
		return 0;
	case 5:	/* privileged only */
		return oa | (rw & ~VMSA_PTE_AP) | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_PRIV_RW);
	case 6:	/* executable, read-only, AF clear */
		return oa | (rw & ~(VMSA_PTE_UXN | VMSA_PTE_PXN | VMSA_PTE_AF)) |
		       VMSA_PTE_AP_RDONLY;
	default: /* global */
		return oa | (rw & ~VMSA_PTE_NG);
	}
}

static void fzc_page_tables(struct fz_machine *m, struct fzc_layout *l)
{
	uint64_t table = VMSA_DESC_TYPE_TABLE;
	uint64_t block = VMSA_DESC_TYPE_BLOCK | FIELD_PREP(VMSA_PTE_AP, VMSA_AP_RW) |
			 FIELD_PREP(VMSA_PTE_SH, VMSA_SH_INNER) | VMSA_PTE_NG;
	unsigned int i;

	for (i = 0; i < 3; i++)
		l->pt[i] = fz_alloc(m, 1, FZ_PTABLE);
	l->data = fz_alloc(m, 2, FZ_STRICT);
	/* L1: [0] -> L2, [1] 1GB block over RAM, AF clear, writable-clean. */
	fz_w64(m, l->pt[0], vmsa_addr_to_desc(l->pt[1], 12) | table);
	fz_w64(m, l->pt[0] + 8, vmsa_addr_to_desc(FZ_MEM_BASE, 12) | block |
	       VMSA_PTE_AP_RDONLY | VMSA_PTE_DBM);
	/* L2: [0] -> L3, [1] 2MB block, [2] invalid, [3] a table in no memory. */
	fz_w64(m, l->pt[1], vmsa_addr_to_desc(l->pt[2], 12) | table);
	fz_w64(m, l->pt[1] + 8, vmsa_addr_to_desc(FZ_MEM_BASE, 12) | block | VMSA_PTE_AF);
	fz_w64(m, l->pt[1] + 24, vmsa_addr_to_desc(FZ_UNBACKED, 12) | table);
	for (i = 0; i < FZC_NR_PAGES; i++)
		fz_w64(m, l->pt[2] + i * 8, fzc_pte(l, i));
	fz_table_desc(m, l->pt[0]);
	fz_table_desc(m, l->pt[1]);
	fz_table_desc(m, l->pt[1] + 24);
}

/* ---- Context descriptors ------------------------------------------------- */

static void fzc_cd(struct fz_machine *m, const struct fzc_layout *l, uint64_t pa,
		   unsigned int n, uint8_t f)
{
	uint64_t cd0;

	cd0 = FIELD_PREP(CD_0_T0SZ, FZC_T0SZ) | FIELD_PREP(CD_0_TG0, CD_TG0_4K) |
	      FIELD_PREP(CD_0_IR0, 1) | FIELD_PREP(CD_0_OR0, 1) | FIELD_PREP(CD_0_SH0, 3) |
	      CD_0_EPD1 | CD_0_AA64 | FIELD_PREP(CD_0_IPS, VMSA_IPS_48) |
	      FIELD_PREP(CD_0_ASID, n % 4 + 1);
	cd0 |= (f & 1) ? 0 : CD_0_V;
	cd0 |= (f & 2) ? CD_0_S : 0;
	cd0 |= (f & 4) ? CD_0_R : 0;
	cd0 |= (f & 8) ? CD_0_A : 0;
	cd0 |= (f & 0x10) ? CD_0_HA : 0;
	cd0 |= (f & 0x20) ? CD_0_HD : 0;
	cd0 |= (f & 0x40) ? CD_0_EPD0 : 0;
	cd0 |= (f & 0x80) ? CD_0_ASET : 0;
	fz_w64(m, pa, cd0);
	fz_w64(m, pa + 8, l->pt[0] & CD_1_TTB0);
	fz_w64(m, pa + 24, VMSA_MAIR_LINUX);
}

/*
 * Linear: 2^ssid_bits CDs (and one more). 2-level (S1CDMax 8, 64 CDs per leaf): L1CD 0
 * and 2 share one leaf, 1 is invalid, 3 points at no memory.
 */
static void fzc_cds(struct fz_machine *m, const struct fzc_hdr *h, struct fzc_layout *l)
{
	unsigned int n, nr;

	l->cd_2lvl = m->cfg.cd_2lvl;
	l->cd_bits = m->cfg.ssid_bits;
	l->cd_l2 = fz_alloc(m, 2, FZ_STRICT);
	/* At least CDs 0 and 1: STEs of class 7 use CD 1 alone. */
	nr = l->cd_2lvl ? 1u << CD_L2_SPLIT_4K : 2u << l->cd_bits;
	for (n = 0; n < nr; n++)
		fzc_cd(m, l, l->cd_l2 + n * 64, n, h->cd[n % 8]);
	if (!l->cd_2lvl)
		return;
	l->cd_l1 = fz_alloc(m, 1, FZ_STRICT);
	fz_w64(m, l->cd_l1, (l->cd_l2 & CD_L1_DESC_L2PTR) | CD_L1_DESC_V);
	fz_w64(m, l->cd_l1 + 16, (l->cd_l2 & CD_L1_DESC_L2PTR) | CD_L1_DESC_V);
	fz_w64(m, l->cd_l1 + 24, (FZ_UNBACKED & CD_L1_DESC_L2PTR) | CD_L1_DESC_V);
}

/* ---- Stream table ------------------------------------------------------------ */

static void fzc_ste(struct fz_machine *m, const struct fzc_layout *l, uint64_t pa, uint8_t e)
{
	unsigned int kind = e & 7;
	uint64_t ste0 = STRTAB_STE_0_V, ste1;

	ste1 = FIELD_PREP(STRTAB_STE_1_S1DSS, (e >> 3) & 3) |
	       FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING) |
	       ((e & 0x20) ? STRTAB_STE_1_S1STALLD : 0) |
	       FIELD_PREP(STRTAB_STE_1_EATS, (e & 0x40) ? STRTAB_STE_1_EATS_TRANS : 0) |
	       FIELD_PREP(STRTAB_STE_1_STRW, (e & 0x80) ? STRTAB_STE_1_STRW_EL2 : 0);
	switch (kind) {
	case 0:
		ste0 = 0;
		break;
	case 1:
		ste0 |= FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
		break;
	case 2:
		ste0 |= FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
		break;
	case 7:	/* one CD, no substreams */
		ste0 |= FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
			((l->cd_l2 + 64) & STRTAB_STE_0_S1CTXPTR);
		break;
	default:
		ste0 |= FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
			((l->cd_2lvl ? l->cd_l1 : l->cd_l2) & STRTAB_STE_0_S1CTXPTR) |
			FIELD_PREP(STRTAB_STE_0_S1FMT, l->cd_2lvl ? STRTAB_STE_0_S1FMT_4K_L2 :
				   STRTAB_STE_0_S1FMT_LINEAR) |
			FIELD_PREP(STRTAB_STE_0_S1CDMAX, l->cd_bits);
		break;
	}
	fz_w64(m, pa, ste0);
	fz_w64(m, pa + 8, ste1);
}

/*
 * Linear: 64 STEs. 2-level (8 SID bits, split 6): L1STD 0 and 1 span 64
 * STEs each, 2 is invalid, 3 spans only 4.
 */
static void fzc_strtab(struct fz_machine *m, const struct fzc_hdr *h, struct fzc_layout *l)
{
	static const unsigned int span[] = { 7, 7, 0, 3 };
	unsigned int i, s;
	uint32_t cfg;

	l->strtab = fz_alloc(m, 1, FZ_STRICT);
	if (!m->cfg.st_2lvl) {
		for (s = 0; s < 64; s++)
			fzc_ste(m, l, l->strtab + s * 64, h->ste[s % 8]);
		cfg = FIELD_PREP(SMMU_STRTAB_BASE_CFG_LOG2SIZE, 6);
	} else {
		for (i = 0; i < 4; i++) {
			if (!span[i])
				continue;
			l->l2[i % 3] = fz_alloc(m, 1, FZ_STRICT);
			for (s = 0; s < (1u << (span[i] - 1)); s++)
				fzc_ste(m, l, l->l2[i % 3] + s * 64, h->ste[(i * 64 + s) % 8]);
			fz_w64(m, l->strtab + i * 8, (l->l2[i % 3] & STRTAB_L1_DESC_L2PTR) |
			       FIELD_PREP(STRTAB_L1_DESC_SPAN, span[i]));
		}
		cfg = FIELD_PREP(SMMU_STRTAB_BASE_CFG_LOG2SIZE, 8) |
		      FIELD_PREP(SMMU_STRTAB_BASE_CFG_SPLIT, 6) |
		      FIELD_PREP(SMMU_STRTAB_BASE_CFG_FMT, SMMU_STRTAB_FMT_2LVL);
	}
	smmu_mmio_write64(m->smmu, SMMU_STRTAB_BASE, l->strtab);
	smmu_mmio_write32(m->smmu, SMMU_STRTAB_BASE_CFG, cfg);
}

/* The whole machine as a driver leaves it: everything enabled. False: no such SMMU. */
static bool fzc_setup(struct fz_machine *m, const struct fzc_hdr *h, struct fzc_layout *l)
{
	uint32_t cr0 = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN;
	struct smmu_config cfg;
	uint32_t sid;

	fzc_config(h, &cfg);
	if (!fz_machine_init(m, &cfg))
		return false;
	m->atc_fail = h->misc & 1;
	m->cmdq = fz_alloc(m, 1, FZ_STRICT);
	m->evtq = fz_alloc(m, 1, FZ_WRITABLE);
	m->priq = fz_alloc(m, 1, FZ_WRITABLE);
	m->msi = fz_alloc(m, 1, FZ_WRITABLE);
	fz_program_queues(m, 1 + ((h->smmu[1] >> 3) & 7) % 5, ((h->smmu[2] >> 3) & 7) % 6,
			  ((h->smmu[3] >> 3) & 7) % 6);
	fzc_page_tables(m, l);
	fzc_cds(m, h, l);
	fzc_strtab(m, h, l);
	if (cfg.ats)
		for (sid = 0; sid < 8; sid++)
			smmu_attach_endpoint(m->smmu, sid, &fz_ep_ops, m);
	smmu_mmio_write32(m->smmu, SMMU_IRQ_CTRL, (h->smmu[4] >> 4) & 7);
	smmu_mmio_write32(m->smmu, SMMU_CR2, (h->smmu[4] & 0x80) ? SMMU_CR2_RECINVSID : 0);
	if (cfg.pri)
		cr0 |= SMMU_CR0_PRIQEN;
	if (h->misc & 2)
		cr0 |= SMMU_CR0_ATSCHK;
	fz_cr0(m, cr0);
	return true;
}

/* ---- Commands ------------------------------------------------------------------- */

struct fzc_cmd_fields {
	uint8_t op;
	uint64_t dw0, dw1;	/* fields the generator may fill */
};

#define FZC_SID_SSID	(CMD_0_SID | CMD_0_SSV | CMD_0_SSID)
#define FZC_RANGE0	(CMD_0_TLBI_NUM | CMD_0_TLBI_SCALE)
#define FZC_RANGE1	(CMD_1_LEAF | CMD_1_TTL | CMD_1_TG | CMD_1_VA)

static const struct fzc_cmd_fields fzc_cmds[] = {
	{ CMD_OP_PREFETCH_CONFIG, FZC_SID_SSID, 0 },
	{ CMD_OP_PREFETCH_ADDR, FZC_SID_SSID, CMD_1_PREFETCH_ADDR | CMD_1_PREFETCH_SIZE },
	{ CMD_OP_CFGI_STE, CMD_0_SID, CMD_1_LEAF },
	{ CMD_OP_CFGI_STE_RANGE, CMD_0_SID, CMD_1_RANGE },
	{ CMD_OP_CFGI_CD, CMD_0_SID | CMD_0_SSID, CMD_1_LEAF },
	{ CMD_OP_CFGI_CD_ALL, CMD_0_SID, 0 },
	{ CMD_OP_TLBI_NH_ALL, CMD_0_VMID, 0 },
	{ CMD_OP_TLBI_NH_ASID, CMD_0_VMID | CMD_0_ASID, 0 },
	{ CMD_OP_TLBI_NH_VA, FZC_RANGE0 | CMD_0_VMID | CMD_0_ASID, FZC_RANGE1 },
	{ CMD_OP_TLBI_NH_VAA, FZC_RANGE0 | CMD_0_VMID, FZC_RANGE1 },
	{ CMD_OP_TLBI_EL2_ALL, 0, 0 },
	{ CMD_OP_TLBI_EL2_ASID, CMD_0_ASID, 0 },
	{ CMD_OP_TLBI_EL2_VA, FZC_RANGE0 | CMD_0_ASID, FZC_RANGE1 },
	{ CMD_OP_TLBI_EL2_VAA, FZC_RANGE0, FZC_RANGE1 },
	{ CMD_OP_TLBI_S12_VMALL, CMD_0_VMID, 0 },
	{ CMD_OP_TLBI_S2_IPA, FZC_RANGE0 | CMD_0_VMID, CMD_1_LEAF | CMD_1_TTL | CMD_1_TG |
	  CMD_1_IPA },
	{ CMD_OP_TLBI_NSNH_ALL, 0, 0 },
	{ CMD_OP_ATC_INV, CMD_0_ATC_GLOBAL | FZC_SID_SSID, CMD_1_ATC_SIZE | CMD_1_ATC_ADDR },
	{ CMD_OP_PRI_RESP, FZC_SID_SSID, CMD_1_PRI_GRPID | CMD_1_PRI_RESP },
	{ CMD_OP_RESUME, CMD_0_RESUME_AC | CMD_0_RESUME_AB | CMD_0_SID, CMD_1_RESUME_STAG },
	{ CMD_OP_STALL_TERM, CMD_0_SID, 0 },
	{ CMD_OP_SYNC, CMD_0_SYNC_CS | CMD_0_SYNC_MSH | CMD_0_SYNC_MSIATTR | CMD_0_SYNC_MSIDATA,
	  CMD_1_SYNC_MSIADDR },
	{ CMD_OP_SYNC, 0, 0 },
};

#define FZC_NR_CMDS	(sizeof(fzc_cmds) / sizeof(fzc_cmds[0]))

/*
 * Where a CMD_SYNC's MSI goes: as given, the MSI area, the command's own
 * slot (as Linux polls it), or no memory.
 */
static uint64_t fzc_sync_msi(struct fz_machine *m, uint64_t dw1, unsigned int sel)
{
	switch (sel & 3) {
	case 1:
		return m->msi + 0x100 + (dw1 & 0xffc);
	case 2:
		return fz_cmdq_slot(m, m->cmdq_prod);
	case 3:
		return FZ_UNBACKED;
	}
	return dw1;
}

/*
 * One command from the input: byte c with bit 7 set means 16 raw bytes;
 * otherwise opcode fzc_cmds[c % N] with fuzzed fields, StreamIDs and
 * addresses mostly small so that they meet the installed tables.
 */
static void fzc_read_cmd(struct fz_machine *m, struct fz_input *in, uint64_t cmd[2])
{
	uint8_t c = fz_u8(in);
	const struct fzc_cmd_fields *f;

	cmd[0] = fz_u64(in);
	cmd[1] = fz_u64(in);
	if (c & 0x80) {
		if (FIELD_GET(CMD_0_OP, cmd[0]) == CMD_OP_SYNC && (c & 0x60))
			cmd[1] = fzc_sync_msi(m, cmd[1], c >> 5);
		return;
	}
	f = &fzc_cmds[c % FZC_NR_CMDS];
	cmd[0] = FIELD_PREP(CMD_0_OP, f->op) | (cmd[0] & f->dw0);
	cmd[1] &= f->dw1;
	if (!(c & 0x40) && (f->dw0 & CMD_0_SID))
		cmd[0] &= ~(CMD_0_SID & ~FIELD_PREP(CMD_0_SID, 0xff));
	if (!(c & 0x40) && (f->dw1 & CMD_1_VA))
		cmd[1] &= ~(CMD_1_VA & ~GENMASK_ULL(31, 0));
	if (f->op == CMD_OP_SYNC)
		cmd[1] = fzc_sync_msi(m, cmd[1], (c >> 4) & 3) & CMD_1_SYNC_MSIADDR;
}

/* A batch: up to 8 commands at PROD (as room allows), then PROD. */
static void fzc_op_cmds(struct fz_machine *m, struct fz_input *in, uint8_t op)
{
	unsigned int n = 1 + ((op >> 4) & 7), i;
	uint64_t cmd[2];

	for (i = 0; i < n; i++) {
		fzc_read_cmd(m, in, cmd);
		if (!fz_cmdq_put(m, cmd[0], cmd[1]))
			break;
	}
	fz_cmdq_kick(m);
}

/* CMD_RESUME the newest stalled transaction (retry or terminate). */
static void fzc_op_resume(struct fz_machine *m, uint8_t op)
{
	fz_evtq_drain(m);
	if (!m->have_stall)
		return;
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_RESUME) |
		    FIELD_PREP(CMD_0_SID, m->last_stall_sid) |
		    ((op & 0x10) ? CMD_0_RESUME_AC : 0) | ((op & 0x20) ? CMD_0_RESUME_AB : 0),
		    FIELD_PREP(CMD_1_RESUME_STAG, m->last_stall_stag));
	fz_cmdq_put(m, FIELD_PREP(CMD_0_OP, CMD_OP_SYNC), 0);
	fz_cmdq_kick(m);
	m->have_stall = false;
}

/* ---- Transactions and page requests ------------------------------------------- */

static uint64_t fzc_addr(struct fz_input *in)
{
	uint16_t a = fz_u16(in);

	switch (a >> 14) {
	case 0:	/* the 4K pages */
		return (uint64_t)(a & 0x1f) * FZ_PAGE + ((a >> 5) & 0xff) * 16;
	case 1:	/* the 2MB block, the invalid entry, the table in no memory */
		return 0x200000 + (uint64_t)(a & 0x3fff) * 0x200;
	case 2:	/* the 1GB block */
		return 0x40000000 + (uint64_t)(a & 0x3fff) * FZ_PAGE;
	}
	return fz_u64(in);
}

/*
 * A transaction; op bit 4: do not wait for it (it races what follows);
 * bit 5: on the second device.
 */
static void fzc_op_txn(struct fz_machine *m, struct fz_input *in, uint8_t op)
{
	static const enum smmu_txn_type types[] = {
		SMMU_TXN_UNTRANSLATED, SMMU_TXN_ATS_REQUEST, SMMU_TXN_TRANSLATED,
		SMMU_TXN_UNTRANSLATED,
	};
	uint8_t sid = fz_u8(in), f = fz_u8(in), ssid = fz_u8(in);
	struct smmu_txn txn = {
		.sid = sid,
		.ssv = f & 1,
		.ssid = (f & 0x80) ? ssid * 4099u : ssid,
		.type = types[(f >> 1) & 3],
		.acc = (f >> 3) & (WALK_ACC_WRITE | WALK_ACC_EXEC | WALK_ACC_PRIV),
		.no_write = f & 0x40,
	};

	txn.addr = fzc_addr(in);
	fz_txn_post(m, (op >> 5) & 1, &txn, !(op & 0x10));
}

static void fzc_op_page_request(struct fz_machine *m, struct fz_input *in)
{
	uint8_t sid = fz_u8(in), f = fz_u8(in), ssid = fz_u8(in);
	/*
	 * A PCIe PRG index has 9 bits (struct smmu_page_req). Wider values
	 * are a misuse; test_fuzz_regressions covers how the model takes them.
	 */
	uint16_t grpid = fz_u16(in) & 0x1ff;
	struct smmu_page_req req = {
		.ssv = f & 1,
		.ssid = ssid,
		.read = f & 2,
		.write = f & 4,
		.exec = f & 8,
		.priv = f & 0x10,
		.last = f & 0x20,
		.grpid = grpid,
	};

	req.addr = fzc_addr(in);
	smmu_page_request(m->smmu, sid, &req);
}

static void fzc_op_pte(struct fz_machine *m, const struct fzc_layout *l, struct fz_input *in)
{
	unsigned int idx = fz_u8(in) % FZC_NR_PAGES;
	unsigned int flavour = fz_u8(in);

	fz_w64(m, l->pt[2] + idx * 8, fzc_pte(l, flavour));
}

/* A broadcast TLBI from the CPUs (BTM), and optionally the DSB after it. */
static void fzc_op_dvm(struct fz_machine *m, struct fz_input *in)
{
	const struct dvm_listener *l = smmu_dvm_listener(m->smmu);
	uint8_t f = fz_u8(in), asid = fz_u8(in);
	uint16_t pages = fz_u16(in);
	struct dvm_tlbi t = {
		.op = (enum dvm_tlbi_op)(f & 3),
		.asid = asid % 8,
		.size = (f & 4) ? (uint64_t)pages * FZ_PAGE : 0,
		.leaf = f & 8,
		.el2 = f & 0x10,
	};

	t.va = fzc_addr(in) & ~(FZ_PAGE - 1);
	l->tlbi(l->ctx, &t);
	if (f & 0x20)
		l->sync(l->ctx);
}

/*
 * Registers a driver could point at memory (table and queue bases, MSI
 * addresses): the harness would not know what the SMMU may write then.
 */
static bool fzc_reg_points_at_memory(uint64_t off)
{
	switch (off & ~7ULL) {
	case SMMU_STRTAB_BASE:
	case SMMU_CMDQ_BASE:
	case SMMU_EVENTQ_BASE:
	case SMMU_PRIQ_BASE:
	case SMMU_GERROR_IRQ_CFG0:
	case SMMU_EVENTQ_IRQ_CFG0:
	case SMMU_PRIQ_IRQ_CFG0:
		return true;
	}
	return false;
}

/*
 * Any MMIO access (aligned or not, either page, reads and writes of both
 * sizes) but writes that would move where the SMMU writes memory. The
 * harness then takes CMDQ_PROD from the register, as a driver would.
 */
static void fzc_op_reg(struct fz_machine *m, struct fz_input *in)
{
	uint32_t r = fz_u32(in);
	uint64_t off = r & (SMMU_MMIO_SIZE - 1), val = fz_u64(in);
	unsigned int kind = (r >> 17) & 3;

	if (kind >= 2 && (fzc_reg_points_at_memory(off) ||
			  (kind == 3 && fzc_reg_points_at_memory(off + 4))))
		return;
	switch (kind) {
	case 0:
		smmu_mmio_read32(m->smmu, off);
		break;
	case 1:
		smmu_mmio_read64(m->smmu, off);
		break;
	case 2:
		smmu_mmio_write32(m->smmu, off, (uint32_t)val);
		break;
	default:
		smmu_mmio_write64(m->smmu, off, val);
		break;
	}
	m->cmdq_prod = smmu_mmio_read32(m->smmu, SMMU_CMDQ_PROD) & fz_q_mask(m->cmdq_log2);
}

/* ---- The program ------------------------------------------------------------------ */

static void fzc_op(struct fz_machine *m, const struct fzc_layout *l, struct fz_input *in)
{
	uint8_t op = fz_u8(in);

	switch (op & 15) {
	case 0:
	case 1:
	case 2:
		return fzc_op_cmds(m, in, op);
	case 3:
		return fz_cmdq_ack(m, op & 0x10);
	case 4:
	case 5:
		return fzc_op_txn(m, in, op);
	case 6:
		fz_evtq_drain(m);
		return fz_priq_drain(m);
	case 7:
		return fzc_op_page_request(m, in);
	case 8:
		return fz_cr0(m, fz_u8(in));
	case 9:
		return fzc_op_resume(m, op);
	case 10:	/* a bogus PROD, as a buggy driver would write */
		m->cmdq_prod = fz_u32(in) & fz_q_mask(m->cmdq_log2);
		return fz_cmdq_kick(m);
	case 11:	/* GERRORN: toggling errors that are not active is UNPREDICTABLE, not fatal */
		smmu_mmio_write32(m->smmu, SMMU_GERRORN, fz_u32(in));
		return;
	case 12:	/* takes effect only while SMMUEN == 0 */
		smmu_mmio_write32(m->smmu, SMMU_STRTAB_BASE_CFG, fz_u32(in));
		return;
	case 13:	/* a PTE of the 4K range changes (no TLBI unless the input sends one) */
		return fzc_op_pte(m, l, in);
	case 14:
		if (op & 0x10)
			return fzc_op_dvm(m, in);
		smmu_mmio_write32(m->smmu, SMMU_IRQ_CTRL, fz_u8(in));
		return;
	default:
		if (op & 0x10)
			return fzc_op_reg(m, in);
		smmu_mmio_write32(m->smmu, SMMU_GBPA, fz_u32(in));
		return;
	}
}

/* The machine every input runs on (fz_machine_init() resets it). */
static struct fz_machine fzc_machine;

static int fzc_one(const uint8_t *data, size_t size)
{
	struct fz_input in = { data, size };
	struct fz_machine *m = &fzc_machine;
	struct fzc_layout l = { 0 };
	struct fzc_hdr h;
	unsigned int ops = 0;

	if (size < FZC_HDR_LEN)
		return 0;
	memcpy(&h, data, sizeof(h));
	in.data += FZC_HDR_LEN;
	in.size -= FZC_HDR_LEN;
	if (!fzc_setup(m, &h, &l))
		return 0;
	while (fz_more(&in) && ops++ < 256)
		fzc_op(m, &l, &in);
	fz_machine_fini(m);
	return 0;
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const flags[] = { "-len_control=0", "-max_len=512" };

	fz_default_flags(argc, argv, flags, 2);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fzc_one(data, size);
}
#endif
