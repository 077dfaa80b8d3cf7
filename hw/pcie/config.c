// SPDX-License-Identifier: GPL-2.0
/*
 * PCIe configuration space of one function (see hw/pcie/config.h).
 *
 * Every register is described by three byte arrays: its value, which bits
 * software may write (RW) and which it clears by writing 1 (RW1C). A write
 * merges through the masks, so the attribute of a field is decided once, at
 * init, where the capability is laid out.
 */
#include <errno.h>
#include <string.h>

#include "hw/pcie/config.h"

/* Room each capability takes in the list (dword aligned, §7.6.3). */
#define CFG_CAP_STRIDE	0x10

static void put(uint8_t *arr, unsigned int off, unsigned int size, uint32_t val)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		arr[off + i] = (uint8_t)(val >> (8 * i));
}

static uint32_t get(const uint8_t *arr, unsigned int off, unsigned int size)
{
	uint32_t val = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		val |= (uint32_t)arr[off + i] << (8 * i);
	return val;
}

/* Chain a new extended capability header after @prev (0: the first one). */
static void add_ext_cap(struct pcie_cfg *cfg, unsigned int *prev, unsigned int off,
			unsigned int id)
{
	uint32_t hdr;

	put(cfg->data, off, 4, FIELD_PREP(PCIE_EXT_CAP_ID, id) | FIELD_PREP(PCIE_EXT_CAP_VER, 1));
	if (*prev) {
		hdr = get(cfg->data, *prev, 4);
		put(cfg->data, *prev, 4, FIELD_SET(PCIE_EXT_CAP_NEXT, hdr, off));
	}
	*prev = off;
}

static void layout_header(struct pcie_cfg *cfg, const struct pcie_func_config *fc)
{
	put(cfg->data, PCIE_CFG_VENDOR_ID, 2, fc->vendor_id);
	put(cfg->data, PCIE_CFG_DEVICE_ID, 2, fc->device_id);
	put(cfg->data, PCIE_CFG_CLASS, 3, fc->class_code);
	put(cfg->wmask, PCIE_CFG_COMMAND, 2, PCIE_COMMAND_MEMORY | PCIE_COMMAND_MASTER);
}

static void layout_pasid(struct pcie_cfg *cfg, const struct pcie_func_config *fc)
{
	unsigned int off = cfg->pasid;
	uint16_t ctrl_rw = PCIE_PASID_CTRL_ENABLE;

	put(cfg->data, off + PCIE_PASID_CAP, 2,
	    FIELD_PREP(PCIE_PASID_CAP_WIDTH, fc->pasid_width) |
	    (fc->pasid_exec ? PCIE_PASID_CAP_EXEC : 0) |
	    (fc->pasid_priv ? PCIE_PASID_CAP_PRIV : 0));
	/* An enable for a mode the function lacks is RO zero (§7.8.8.3). */
	if (fc->pasid_exec)
		ctrl_rw |= PCIE_PASID_CTRL_EXEC;
	if (fc->pasid_priv)
		ctrl_rw |= PCIE_PASID_CTRL_PRIV;
	put(cfg->wmask, off + PCIE_PASID_CTRL, 2, ctrl_rw);
}

static void layout_ats(struct pcie_cfg *cfg, const struct pcie_func_config *fc)
{
	unsigned int off = cfg->ats;

	/* Queue depth 32 is encoded as 0. */
	put(cfg->data, off + PCIE_ATS_CAP, 2,
	    FIELD_PREP(PCIE_ATS_CAP_QDEPTH, fc->ats_qdepth & 31) |
	    (fc->ats_page_aligned ? PCIE_ATS_CAP_PAGE_ALIGNED : 0) |
	    (fc->ats_global_inv ? PCIE_ATS_CAP_GLOBAL_INV : 0));
	put(cfg->wmask, off + PCIE_ATS_CTRL, 2, PCIE_ATS_CTRL_STU | PCIE_ATS_CTRL_ENABLE);
}

static void layout_pri(struct pcie_cfg *cfg, const struct pcie_func_config *fc)
{
	unsigned int off = cfg->pri;

	/* Reset is write-only: not in wmask, the write path looks at it. */
	put(cfg->wmask, off + PCIE_PRI_CTRL, 2, PCIE_PRI_CTRL_ENABLE);
	/* Stopped reads 1 out of reset: disabled, nothing outstanding. */
	put(cfg->data, off + PCIE_PRI_STATUS, 2,
	    PCIE_PRI_STATUS_STOPPED | (fc->pri_pasid_required ? PCIE_PRI_STATUS_PASID : 0));
	put(cfg->w1cmask, off + PCIE_PRI_STATUS, 2, PCIE_PRI_STATUS_RF | PCIE_PRI_STATUS_UPRGI);
	put(cfg->data, off + PCIE_PRI_CAPACITY, 4, fc->pri_capacity);
	put(cfg->wmask, off + PCIE_PRI_ALLOC, 4, 0xffffffffu);
}

static bool func_config_valid(const struct pcie_func_config *fc)
{
	if (fc->ats && (fc->ats_qdepth < 1 || fc->ats_qdepth > 32))
		return false;
	if (fc->pasid && (fc->pasid_width < 1 || fc->pasid_width > PCIE_PASID_MAX_WIDTH))
		return false;
	/* PRI works on ATS translations; PRG response PASID needs PASID. */
	if (fc->pri && (!fc->ats || !fc->pri_capacity))
		return false;
	if (fc->pri_pasid_required && (!fc->pri || !fc->pasid))
		return false;
	return true;
}

int pcie_cfg_init(struct pcie_cfg *cfg, const struct pcie_func_config *fc)
{
	unsigned int prev = 0, next = PCIE_EXT_CAP_START;

	if (!func_config_valid(fc))
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	layout_header(cfg, fc);
	if (fc->pasid) {
		cfg->pasid = (uint16_t)next;
		next += CFG_CAP_STRIDE;
		add_ext_cap(cfg, &prev, cfg->pasid, PCIE_EXT_CAP_ID_PASID);
		layout_pasid(cfg, fc);
	}
	if (fc->ats) {
		cfg->ats = (uint16_t)next;
		next += CFG_CAP_STRIDE;
		add_ext_cap(cfg, &prev, cfg->ats, PCIE_EXT_CAP_ID_ATS);
		layout_ats(cfg, fc);
	}
	if (fc->pri) {
		cfg->pri = (uint16_t)next;
		next += CFG_CAP_STRIDE;
		add_ext_cap(cfg, &prev, cfg->pri, PCIE_EXT_CAP_ID_PRI);
		layout_pri(cfg, fc);
	}
	return -pthread_mutex_init(&cfg->lock, NULL);
}

void pcie_cfg_fini(struct pcie_cfg *cfg)
{
	pthread_mutex_destroy(&cfg->lock);
}

void pcie_cfg_set_hook(struct pcie_cfg *cfg, pcie_cfg_hook_t hook, void *ctx)
{
	pthread_mutex_lock(&cfg->lock);
	cfg->hook = hook;
	cfg->hook_ctx = ctx;
	pthread_mutex_unlock(&cfg->lock);
}

static bool access_ok(unsigned int off, unsigned int size)
{
	return !(off & (size - 1)) && off < PCIE_CFG_SIZE && PCIE_CFG_SIZE - off >= size;
}

/* Recompute the device's lock-free view. Called with cfg->lock held. */
static void update_state(struct pcie_cfg *cfg)
{
	uint32_t st = 0;
	uint32_t v;

	if (get(cfg->data, PCIE_CFG_COMMAND, 2) & PCIE_COMMAND_MASTER)
		st |= PCIE_ST_MASTER;
	if (cfg->ats) {
		v = get(cfg->data, cfg->ats + PCIE_ATS_CTRL, 2);
		if (v & PCIE_ATS_CTRL_ENABLE)
			st |= PCIE_ST_ATS;
		st |= FIELD_PREP(PCIE_ST_STU, FIELD_GET(PCIE_ATS_CTRL_STU, v));
	}
	if (cfg->pri && (get(cfg->data, cfg->pri + PCIE_PRI_CTRL, 2) & PCIE_PRI_CTRL_ENABLE))
		st |= PCIE_ST_PRI;
	if (cfg->pasid) {
		v = get(cfg->data, cfg->pasid + PCIE_PASID_CTRL, 2);
		if (v & PCIE_PASID_CTRL_ENABLE)
			st |= PCIE_ST_PASID;
		if (v & PCIE_PASID_CTRL_EXEC)
			st |= PCIE_ST_PASID_EXEC;
		if (v & PCIE_PASID_CTRL_PRIV)
			st |= PCIE_ST_PASID_PRIV;
	}
	__atomic_store_n(&cfg->state, st, __ATOMIC_RELEASE);
}

static int cfg_read(struct pcie_cfg *cfg, unsigned int off, unsigned int size, uint32_t *val)
{
	if (!access_ok(off, size))
		return -EINVAL;
	pthread_mutex_lock(&cfg->lock);
	*val = get(cfg->data, off, size);
	pthread_mutex_unlock(&cfg->lock);
	return 0;
}

int pcie_cfg_read16(struct pcie_cfg *cfg, unsigned int off, uint16_t *val)
{
	uint32_t v;
	int ret = cfg_read(cfg, off, 2, &v);

	if (!ret)
		*val = (uint16_t)v;
	return ret;
}

int pcie_cfg_read32(struct pcie_cfg *cfg, unsigned int off, uint32_t *val)
{
	return cfg_read(cfg, off, 4, val);
}

/* The capability whose control register [off, off + size) touches, or 0. */
static unsigned int written_cap(const struct pcie_cfg *cfg, unsigned int off,
				unsigned int size, unsigned int *reg)
{
	const struct { uint16_t base; uint16_t reg; unsigned int id; } ctl[] = {
		{ cfg->ats, PCIE_ATS_CTRL, PCIE_EXT_CAP_ID_ATS },
		{ cfg->pri, PCIE_PRI_CTRL, PCIE_EXT_CAP_ID_PRI },
		{ cfg->pri, PCIE_PRI_ALLOC, PCIE_EXT_CAP_ID_PRI },
		{ cfg->pasid, PCIE_PASID_CTRL, PCIE_EXT_CAP_ID_PASID },
	};
	unsigned int i, at;

	for (i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		if (!ctl[i].base)
			continue;
		at = ctl[i].base + ctl[i].reg;
		if (at >= off && at < off + size) {
			*reg = ctl[i].reg;
			return ctl[i].id;
		}
	}
	return 0;
}

static int cfg_write(struct pcie_cfg *cfg, unsigned int off, unsigned int size, uint32_t val)
{
	uint32_t old, rw, w1c, new, written = 0;
	pcie_cfg_hook_t hook;
	unsigned int cap, reg = 0;
	void *ctx;

	if (!access_ok(off, size))
		return -EINVAL;
	pthread_mutex_lock(&cfg->lock);
	old = get(cfg->data, off, size);
	rw = get(cfg->wmask, off, size);
	w1c = get(cfg->w1cmask, off, size);
	new = ((old & ~rw) | (val & rw)) & ~(val & w1c);
	put(cfg->data, off, size, new);
	update_state(cfg);
	cap = written_cap(cfg, off, size, &reg);
	if (cap) {
		/* The raw value as written: PRI Reset is seen here only. */
		unsigned int base = cap == PCIE_EXT_CAP_ID_ATS ? cfg->ats :
				    cap == PCIE_EXT_CAP_ID_PRI ? cfg->pri : cfg->pasid;

		written = val >> (8 * (base + reg - off));
	}
	hook = cfg->hook;
	ctx = cfg->hook_ctx;
	pthread_mutex_unlock(&cfg->lock);
	/* Outside the lock: the device may take its own locks, then ours. */
	if (cap && hook)
		hook(ctx, cap, reg, written);
	return 0;
}

int pcie_cfg_write16(struct pcie_cfg *cfg, unsigned int off, uint16_t val)
{
	return cfg_write(cfg, off, 2, val);
}

int pcie_cfg_write32(struct pcie_cfg *cfg, unsigned int off, uint32_t val)
{
	return cfg_write(cfg, off, 4, val);
}

unsigned int pcie_cfg_find_ext_cap(struct pcie_cfg *cfg, unsigned int id)
{
	unsigned int off = PCIE_EXT_CAP_START, hops = 0;
	uint32_t hdr;

	/* Bounded: a list cannot hold more headers than fit in the space. */
	while (off >= PCIE_EXT_CAP_START && hops++ < (PCIE_CFG_SIZE - PCIE_EXT_CAP_START) / 4) {
		if (pcie_cfg_read32(cfg, off, &hdr) || !hdr)
			return 0;
		if (FIELD_GET(PCIE_EXT_CAP_ID, hdr) == id)
			return off;
		off = (unsigned int)FIELD_GET(PCIE_EXT_CAP_NEXT, hdr) & ~3u;
	}
	return 0;
}

uint16_t pcie_cfg_dev_update16(struct pcie_cfg *cfg, unsigned int off,
			       uint16_t set, uint16_t clear)
{
	uint16_t v;

	pthread_mutex_lock(&cfg->lock);
	v = (uint16_t)((get(cfg->data, off, 2) & ~clear) | set);
	put(cfg->data, off, 2, v);
	update_state(cfg);
	pthread_mutex_unlock(&cfg->lock);
	return v;
}

uint32_t pcie_cfg_dev_read(struct pcie_cfg *cfg, unsigned int off, unsigned int size)
{
	uint32_t v;

	pthread_mutex_lock(&cfg->lock);
	v = get(cfg->data, off, size);
	pthread_mutex_unlock(&cfg->lock);
	return v;
}
