/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCIe configuration space of one function: 4 KB with a type 0 header and an
 * extended capability list holding the PASID, ATS and PRI capabilities the
 * function implements (arch/pcie.h has the layouts).
 *
 * Software reads and writes it with pcie_cfg_read*()/pcie_cfg_write*(),
 * which apply each field's attribute: RO fields ignore writes, RW fields take
 * them, RW1C status bits clear where a 1 is written, PRI Reset is a
 * write-only trigger that reads as 0. The PASID Execute and Privileged
 * enables are writable only if the capability says they are supported.
 *
 * The device side reads the enables lock-free through pcie_cfg_state() (a
 * snapshot updated on every write) and updates status bits it owns (PRI
 * Stopped, Response Failure, Unexpected PRG Index) with pcie_cfg_dev_update16().
 * After a software write changed a capability's control register, the
 * function's hook runs (without the config-space lock held), so the device
 * can act on enable/disable/reset.
 */
#ifndef HW_PCIE_CONFIG_H
#define HW_PCIE_CONFIG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/pcie.h"

/* What a function implements (all RO in the capability registers). */
struct pcie_func_config {
	uint16_t vendor_id, device_id;
	uint32_t class_code;		/* 24 bits */

	bool ats;
	unsigned int ats_qdepth;	/* 1..32 */
	bool ats_global_inv;
	bool ats_page_aligned;

	bool pri;
	uint32_t pri_capacity;		/* outstanding page requests supported */
	bool pri_pasid_required;	/* PRG responses need the PASID prefix */

	bool pasid;
	unsigned int pasid_width;	/* 1..20 */
	bool pasid_exec;
	bool pasid_priv;
};

/* Decoded enables: bits of pcie_cfg_state() (model-internal, not PCIe). */
#define PCIE_ST_MASTER		BIT(0)	/* Command.Bus Master Enable */
#define PCIE_ST_ATS		BIT(1)
#define PCIE_ST_PRI		BIT(2)
#define PCIE_ST_PASID		BIT(3)
#define PCIE_ST_PASID_EXEC	BIT(4)
#define PCIE_ST_PASID_PRIV	BIT(5)
#define PCIE_ST_STU		GENMASK(12, 8)	/* ATS Control.STU */

/* Called after software changed control register @off of capability @cap_id. */
typedef void (*pcie_cfg_hook_t)(void *ctx, unsigned int cap_id, unsigned int off,
				uint32_t written);

struct pcie_cfg {
	pthread_mutex_t lock;		/* serialises accesses to the arrays */
	uint8_t data[PCIE_CFG_SIZE];
	uint8_t wmask[PCIE_CFG_SIZE];	/* RW bits */
	uint8_t w1cmask[PCIE_CFG_SIZE];	/* RW1C bits */
	uint16_t ats, pri, pasid;	/* capability offsets, 0 if absent */
	uint32_t state;			/* PCIE_ST_*, atomic */
	pcie_cfg_hook_t hook;
	void *hook_ctx;
};

/* Build the config space of a function. 0 or -EINVAL (bad @fc), -errno. */
int pcie_cfg_init(struct pcie_cfg *cfg, const struct pcie_func_config *fc);
void pcie_cfg_fini(struct pcie_cfg *cfg);
void pcie_cfg_set_hook(struct pcie_cfg *cfg, pcie_cfg_hook_t hook, void *ctx);

/*
 * Software accesses. @off must be naturally aligned and inside the 4 KB;
 * otherwise -EINVAL. Unimplemented registers read as 0, ignore writes.
 */
int pcie_cfg_read16(struct pcie_cfg *cfg, unsigned int off, uint16_t *val);
int pcie_cfg_read32(struct pcie_cfg *cfg, unsigned int off, uint32_t *val);
int pcie_cfg_write16(struct pcie_cfg *cfg, unsigned int off, uint16_t val);
int pcie_cfg_write32(struct pcie_cfg *cfg, unsigned int off, uint32_t val);

/* Offset of extended capability @id, or 0 (walks the list like software). */
unsigned int pcie_cfg_find_ext_cap(struct pcie_cfg *cfg, unsigned int id);

/* The device's view. */
static inline uint32_t pcie_cfg_state(const struct pcie_cfg *cfg)
{
	return __atomic_load_n(&cfg->state, __ATOMIC_ACQUIRE);
}

/*
 * Device-side update of a 16-bit register, bypassing the write attributes:
 * clear @clear bits then set @set bits. Returns the new value.
 */
uint16_t pcie_cfg_dev_update16(struct pcie_cfg *cfg, unsigned int off,
			       uint16_t set, uint16_t clear);
/* Device-side read of a 16/32-bit register (no side effects). */
uint32_t pcie_cfg_dev_read(struct pcie_cfg *cfg, unsigned int off, unsigned int size);

#endif /* HW_PCIE_CONFIG_H */
