// SPDX-License-Identifier: GPL-2.0
/*
 * The "used bits" writer for STEs and CDs.
 *
 * Both structures are 64 bytes, but the SMMU only guarantees single-copy
 * atomicity of each 64-bit word it reads (SMMUv3 §3.21.3), and it may fetch
 * an entry at any time. So an update is a sequence of 64-bit stores, each
 * followed by a sync (CFGI + CMD_SYNC) that makes the SMMU drop what it
 * cached, and every intermediate state must be one the SMMU can use safely.
 *
 * The trick: the SMMU IGNORES the fields the current configuration does not
 * use (an abort STE ignores everything but V and Config; a CD with EPD0 = 1
 * ignores TTB0 and the TTB0 walk parameters). get_used() computes those
 * bits. Then:
 *
 *  1. Write every bit the current entry ignores to its target value.
 *  2. If the used bits of the target now differ from the entry in a single
 *     qword, store that qword ("critical") in one 64-bit write: the SMMU
 *     switches from the old configuration to the new one atomically.
 *  3. Clear whatever the target does not use.
 *
 * When two or more qwords must change under the SMMU's eyes, no atomic
 * switch exists: the entry goes through V = 0 (qword 0 cleared), the other
 * qwords are written, and qword 0 is written last.
 *
 * Each step that stores anything ends with one sync; steps with nothing to
 * store cost nothing, which is what the transition tests count.
 */
#include <string.h>

#include "os/arm-smmu-v3/arm-smmu-v3.h"

void arm_smmu_get_ste_used(const uint64_t *ent, uint64_t *used)
{
	unsigned int cfg = FIELD_GET(STRTAB_STE_0_CFG, ent[0]);

	memset(used, 0, ARM_SMMU_ENTRY_QWORDS * sizeof(*used));
	used[0] = STRTAB_STE_0_V;
	if (!(ent[0] & STRTAB_STE_0_V))
		return;
	used[0] |= STRTAB_STE_0_CFG;

	/* Config[0] set: stage 1 translates (S1_TRANS, NESTED). */
	if (cfg & 1) {
		used[0] |= STRTAB_STE_0_S1FMT | STRTAB_STE_0_S1CTXPTR | STRTAB_STE_0_S1CDMAX;
		used[1] |= STRTAB_STE_1_S1DSS | STRTAB_STE_1_S1CIR | STRTAB_STE_1_S1COR |
			   STRTAB_STE_1_S1CSH | STRTAB_STE_1_S1STALLD | STRTAB_STE_1_STRW |
			   STRTAB_STE_1_EATS;
		/*
		 * §5.2 PPAR is read for a PRI overflow response with any valid
		 * STE, but only these STEs (the ones with PASIDs) set it. A 1
		 * left over while switching to abort or bypass is what the
		 * function asks for anyway, so it does not make that switch a
		 * breaking one.
		 */
		used[1] |= STRTAB_STE_1_PPAR;
		used[2] |= STRTAB_STE_2_S2VMID;
		/*
		 * §13.5: with S1DSS = bypass, non-substream traffic bypasses
		 * stage 1 and takes its shareability from SHCFG.
		 */
		if (FIELD_GET(STRTAB_STE_1_S1DSS, ent[1]) == STRTAB_STE_1_S1DSS_BYPASS)
			used[1] |= STRTAB_STE_1_SHCFG;
	}
	/* Config[1] set: stage 2 translates (S2_TRANS, NESTED). */
	if (cfg & 2) {
		used[1] |= STRTAB_STE_1_EATS | STRTAB_STE_1_SHCFG;
		used[2] |= STRTAB_STE_2_S2VMID | STRTAB_STE_2_VTCR | STRTAB_STE_2_S2AA64 |
			   STRTAB_STE_2_S2ENDI | STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2R;
		used[3] |= STRTAB_STE_3_S2TTB;
	}
	if (cfg == STRTAB_STE_0_CFG_BYPASS)
		used[1] |= STRTAB_STE_1_SHCFG;
}

void arm_smmu_get_cd_used(const uint64_t *ent, uint64_t *used)
{
	memset(used, 0, ARM_SMMU_ENTRY_QWORDS * sizeof(*used));
	used[0] = CD_0_V;
	if (!(ent[0] & CD_0_V))
		return;
	memset(used, 0xff, ARM_SMMU_ENTRY_QWORDS * sizeof(*used));
	/* §5.4: with EPD0 = 1 the TTB0 walk parameters are IGNORED. */
	if (ent[0] & CD_0_EPD0) {
		used[0] &= ~(CD_0_T0SZ | CD_0_TG0 | CD_0_IR0 | CD_0_OR0 | CD_0_SH0);
		used[1] &= ~CD_1_TTB0;
	}
}

/*
 * Compute the entry with every currently-ignored bit already at its target
 * value (@unused_update), and return a mask of the qwords whose used bits
 * must still change after that.
 */
static unsigned int entry_qword_diff(const struct arm_smmu_entry_writer *writer,
				     const uint64_t *entry, const uint64_t *target,
				     uint64_t *unused_update)
{
	uint64_t cur_used[ARM_SMMU_ENTRY_QWORDS], target_used[ARM_SMMU_ENTRY_QWORDS];
	unsigned int i, diff = 0;
	uint64_t cur;

	writer->ops->get_used(entry, cur_used);
	writer->ops->get_used(target, target_used);
	for (i = 0; i < ARM_SMMU_ENTRY_QWORDS; i++) {
		cur = arm_smmu_read_qword(&entry[i]);
		unused_update[i] = (cur & cur_used[i]) | (target[i] & ~cur_used[i]);
		if ((unused_update[i] & target_used[i]) != target[i])
			diff |= 1u << i;
	}
	return diff;
}

/* Store target[start..start+len) where it differs; one sync if anything changed. */
static bool entry_set(struct arm_smmu_entry_writer *writer, uint64_t *entry,
		      const uint64_t *target, unsigned int start, unsigned int len)
{
	bool changed = false;
	unsigned int i;

	for (i = start; i < start + len; i++) {
		if (arm_smmu_read_qword(&entry[i]) == target[i])
			continue;
		arm_smmu_write_qword(&entry[i], target[i]);
		changed = true;
	}
	if (changed)
		writer->ops->sync(writer);
	return changed;
}

void arm_smmu_write_entry(struct arm_smmu_entry_writer *writer, uint64_t *entry,
			  const uint64_t *target)
{
	uint64_t unused_update[ARM_SMMU_ENTRY_QWORDS];
	unsigned int diff, critical;

	diff = entry_qword_diff(writer, entry, target, unused_update);
	if (diff && !(diff & (diff - 1))) {
		/* Hitless: one qword switches the configuration. */
		critical = (unsigned int)__builtin_ctz(diff);
		/* It is written whole in step 2: don't spend a sync on it now. */
		unused_update[critical] = arm_smmu_read_qword(&entry[critical]);
		entry_set(writer, entry, unused_update, 0, ARM_SMMU_ENTRY_QWORDS);
		entry_set(writer, entry, target, critical, 1);
		entry_set(writer, entry, target, 0, ARM_SMMU_ENTRY_QWORDS);
	} else if (diff) {
		/* Breaking: V = 0 (qword 0 cleared), the rest, then qword 0. */
		unused_update[0] = 0;
		entry_set(writer, entry, unused_update, 0, 1);
		entry_set(writer, entry, target, 1, ARM_SMMU_ENTRY_QWORDS - 1);
		entry_set(writer, entry, target, 0, 1);
	} else {
		/* Only unused bits differ: they can all be written at once. */
		entry_set(writer, entry, target, 0, ARM_SMMU_ENTRY_QWORDS);
	}
}
