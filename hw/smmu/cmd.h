/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands as the model sees them: the 16-byte queue entry decoded once,
 * by one parser, into a semantic struct (opcode + per-command fields). The
 * command consumer (cmdq.c, FRONT) parses and checks; the effects are
 * BACK's (exec.c): smmu_cmd_execute() for everything but CMD_SYNC, and
 * smmu_sync_wait() for the completion guarantee of CMD_SYNC.
 */
#ifndef HW_SMMU_CMD_H
#define HW_SMMU_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/smmuv3.h"

struct smmu;
struct smmu_config;

/* CMD_PREFETCH_CONFIG, CMD_PREFETCH_ADDR */
struct smmu_cmd_prefetch {
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	uint64_t addr;		/* PREFETCH_ADDR: VA or IPA, [11:0] zero */
	uint8_t size;		/* 2^size translations */
	uint8_t stride;		/* at a stride of 2^(12 + stride) bytes */
};

/* CMD_CFGI_STE, CMD_CFGI_STE_RANGE / CFGI_ALL, CMD_CFGI_CD, CMD_CFGI_CD_ALL */
struct smmu_cmd_cfgi {
	uint32_t sid;
	uint32_t ssid;		/* CFGI_CD: the CD index */
	bool leaf;		/* CFGI_STE, CFGI_CD: only the STE/CD, not L1 descs */
	uint8_t range;		/* STE_RANGE: 2^(range + 1) SIDs; 31: all */
};

/* CMD_TLBI_* */
struct smmu_cmd_tlbi {
	uint16_t vmid;
	uint16_t asid;
	uint64_t addr;		/* VA or IPA, [11:0] zero */
	bool leaf;
	/* Range and level hint (IDR3.RIL); tg == CMD_TG_ANY: neither. */
	uint8_t num;
	uint8_t scale;
	uint8_t tg;		/* CMD_TG_* */
	uint8_t ttl;		/* 0: any level, else the leaf level 1..3 */
};

/* CMD_ATC_INV */
struct smmu_cmd_atc_inv {
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	bool global;
	uint64_t addr;
	uint8_t size;		/* span 4KB << size; CMD_ATC_SIZE_ALL: everything */
};

/* CMD_PRI_RESP */
struct smmu_cmd_pri_resp {
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	uint16_t grpid;		/* PRG index */
	uint8_t resp;		/* CMD_PRI_RESP_* */
};

/* CMD_RESUME, CMD_STALL_TERM */
struct smmu_cmd_resume {
	uint32_t sid;
	uint16_t stag;		/* RESUME only */
	bool retry;		/* RESUME: Ac */
	bool abort;		/* RESUME with Ac == 0: Ab */
};

/* CMD_SYNC */
struct smmu_cmd_sync {
	uint8_t cs;		/* CMD_SYNC_CS_* */
	uint8_t msh;
	uint8_t msiattr;
	uint32_t msidata;
	uint64_t msiaddr;	/* 0: no MSI write */
};

struct smmu_cmd {
	uint8_t opcode;		/* CMD_OP_* */
	union {
		struct smmu_cmd_prefetch prefetch;
		struct smmu_cmd_cfgi cfgi;
		struct smmu_cmd_tlbi tlbi;
		struct smmu_cmd_atc_inv atc;
		struct smmu_cmd_pri_resp pri;
		struct smmu_cmd_resume resume;
		struct smmu_cmd_sync sync;
	};
};

/*
 * Decode the 16-byte entry @raw into @cmd. Returns 0, or SMMU_CERROR_ILL for
 * a reserved or Secure-only opcode, a non-zero RES0 field, SSec == 1 (this
 * is the Non-secure queue) or an illegal field value (§4.1.3, §4.1.5). The
 * parser knows encodings only; smmu_cmd_check() adds what depends on the
 * implementation.
 */
int smmu_cmd_parse(const uint64_t raw[2], struct smmu_cmd *cmd);

/*
 * Is the parsed @cmd legal on an SMMU configured as @cfg? 0 or
 * SMMU_CERROR_ILL (e.g. PRI_RESP without PRI, ATC_INV without ATS,
 * RESUME/STALL_TERM with STALL_MODEL terminate-only, TLBI_EL2_* without HYP,
 * TLBI_NH_* without stage 1, TLBI_S2_* without stage 2, TG != 0 without
 * RIL). SIG_SEV without IDR0.SEV is legal: it behaves as SIG_NONE.
 */
int smmu_cmd_check(const struct smmu_config *cfg, const struct smmu_cmd *cmd);

/* Names of opcodes: smmuv3_cmd_name() (arch/smmuv3.h). */

/*
 * BACK (exec.c): perform the effect of every command but CMD_SYNC, on
 * whichever thread consumes the queue, one command at a time, in queue
 * order. ATC invalidations either
 * complete before return or are tracked so smmu_sync_wait() waits for them.
 */
void smmu_cmd_execute(struct smmu *smmu, const struct smmu_cmd *cmd);

/*
 * BACK (exec.c): the CMD_SYNC guarantee. Returns when every earlier
 * command's effect is visible and no translation that could have used an
 * invalidated entry is in flight. 0, or SMMU_CERROR_ATC_INV_SYNC when an
 * earlier ATC invalidation failed (timed out).
 */
int smmu_sync_wait(struct smmu *smmu);
/*
 * The same without waiting: true, with *@err as smmu_sync_wait() returns
 * it, if the guarantee already holds; false if something is still in
 * flight (nothing to undo: a later smmu_sync_wait() still waits for it).
 */
bool smmu_sync_try(struct smmu *smmu, int *err);

#endif /* HW_SMMU_CMD_H */
