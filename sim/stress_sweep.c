// SPDX-License-Identifier: GPL-2.0
/*
 * The stress sweep (see sim/stress.h): the oracle run over every machine
 * feature a scenario's machine and device lines can select, one short run
 * each. Each configuration changes a few settings from the base (mostly
 * one, sometimes the pairs that interact: VHE with and without BTM, private
 * ASIDs without BTM); `sva stress --sweep` and `make check` walk the list.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/stress.h"

#define SWEEP(n, set)	{ .name = n, .settings = set }
#define SWEEP_KINDS(n, set, k)	{ .name = n, .settings = set, .device_kinds = k }
#define SWEEP_N(n, set, k, p, d) \
	{ .name = n, .settings = set, .device_kinds = k, .processes = p, .devices = d }

const struct stress_sweep_config stress_sweep_configs[] = {
	SWEEP("default", ""),
	SWEEP("16K pages", "page-size=16K"),
	SWEEP("64K pages", "page-size=64K"),
	SWEEP("no BTM", "btm=off"),
	SWEEP("VHE host", "e2h=on"),
	SWEEP("VHE host without BTM", "e2h=on btm=off"),
	SWEEP_N("VHE host, 64K pages, 4 devices", "e2h=on page-size=64K", NULL, 3, 4),
	SWEEP("no HTTU", "httu=none"),
	SWEEP_N("no HTTU, 16K pages, 8 processes", "httu=none page-size=16K", NULL, 8, 3),
	SWEEP("HTTU access flag only", "httu=ha"),
	SWEEP_N("HTTU access flag only, 64K pages, 1 device", "httu=ha page-size=64K", NULL,
		4, 1),
	SWEEP("no range invalidation (SMMUv3.1)", "ril=off"),
	SWEEP("private SVA ASIDs", "sva-asid=private"),
	SWEEP("private SVA ASIDs without BTM", "sva-asid=private btm=off"),
	SWEEP("linear CD tables", "cd-table=linear"),
	SWEEP("linear stream table", "sid-bits=6"),
	SWEEP("3 SSID bits (7 PASIDs)", "ssid-bits=3"),
	SWEEP("8-bit SMMU ASIDs (no SVA)", "asid-bits=8"),
	SWEEP("40-bit OAS (no SVA)", "oas=40"),
	SWEEP("no ATS, so no PRI", "ats=off"),
	SWEEP("no PRI", "pri=off"),
	SWEEP("no stall", "stall=off"),
	SWEEP("1-entry TLB", "tlb=1"),
	SWEEP("4-entry TLB", "tlb=4"),
	SWEEP("2-entry command and event queues", "cmdq=2 evtq=2"),
	SWEEP("2-entry PRI queue", "priq=2"),
	SWEEP("1 CPU", "cpus=1"),
	/* More processes than CPUs: bound ones are off-CPU at ASID rollovers. */
	SWEEP_N("8-bit CPU ASIDs, 1 CPU, 6 processes", "cpu-asid-bits=8 cpus=1", NULL, 6, 0),
	SWEEP_N("8-bit CPU ASIDs, private SVA ASIDs", "cpu-asid-bits=8 cpus=2 sva-asid=private",
		NULL, 6, 0),
	SWEEP("8-bit CPU and SMMU ASIDs, no BTM", "cpu-asid-bits=8 asid-bits=8 btm=off"),
	SWEEP("1 page-fault worker", "iopf-workers=1"),
	SWEEP_KINDS("PCIe with ATS, without PRI", "", "pci ats,pci ats pri"),
	SWEEP_KINDS("platform devices without stall", "", "platform,platform stall"),
	SWEEP_KINDS("1-entry ATC, 1 PRI credit", "", "pci ats pri atc=1 prq=1,platform stall"),
	SWEEP_KINDS("narrow device PASIDs", "",
		    "pci ats pri pasid-bits=2,platform stall ssid-bits=3"),
	SWEEP_N("8 devices of every kind", "", "pci ats pri,platform stall,pci ats,pci,platform",
		3, 8),
	SWEEP("everything off", "btm=off httu=none ril=off cd-table=linear sid-bits=6"
	      " sva-asid=private tlb=4 cmdq=4 evtq=4 priq=4"),
};

const unsigned int stress_nr_sweep_configs =
	sizeof(stress_sweep_configs) / sizeof(stress_sweep_configs[0]);

/* splitmix64's finaliser over the base seed and an FNV-1a hash of the name. */
static uint64_t derive_seed(uint64_t seed, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL, z;

	for (; *name; name++) {
		h ^= (uint8_t)*name;
		h *= 0x100000001b3ULL;
	}
	z = seed + h * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) & 0xffffffffu;	/* short enough to type again */
}

int stress_sweep_opts(const struct stress_opts *base, unsigned int i, struct stress_opts *o,
		      struct scn_machine *machine, char *why, size_t whylen)
{
	const struct stress_sweep_config *c;
	char words[256], *argv[32], *save = NULL, *w, err[SCN_ERR_MAX];
	int argc = 0;

	if (i >= stress_nr_sweep_configs) {
		snprintf(why, whylen, "no sweep configuration %u", i);
		return -EINVAL;
	}
	c = &stress_sweep_configs[i];
	*o = *base;
	if (base->machine)
		*machine = *base->machine;
	else
		scn_machine_defaults(machine);
	if (base->page_shift)
		machine->page_shift = base->page_shift;
	o->page_shift = 0;
	snprintf(words, sizeof(words), "%s", c->settings);
	for (w = strtok_r(words, " ", &save); w && argc < 32; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	if (scn_machine_set_words(machine, argc, argv, err, sizeof(err))) {
		snprintf(why, whylen, "sweep '%s': %s", c->name, err);
		return -EINVAL;
	}
	o->machine = machine;
	if (c->device_kinds)
		o->device_kinds = c->device_kinds;
	if (c->processes)
		o->processes = c->processes;
	if (c->devices)
		o->devices = c->devices;
	o->seed = derive_seed(base->seed, c->name);
	return 0;
}

int stress_run_once(const struct stress_opts *o, unsigned long ops, struct stress_stats *st,
		    char *why, size_t whylen)
{
	struct stress *s = stress_create(o, why, whylen);
	int ret;

	memset(st, 0, sizeof(*st));
	if (!s)
		return -EINVAL;
	ret = stress_run(s, ops);
	if (!ret)
		ret = stress_verify(s);
	*st = *stress_stats(s);
	if (ret)
		snprintf(why, whylen, "the machine failed at op %lu: %s", st->ops, strerror(-ret));
	stress_destroy(s);
	return ret;
}
