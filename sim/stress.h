/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stress oracle (`sva stress`): random operations on a whole machine
 * (sim/machine.h) — mmap, munmap, mprotect, CPU writes and reads, bind,
 * unbind, DMA through bound PASIDs, bogus PASIDs and no PASID, process exit
 * and creation — chosen by a seeded PRNG, each outcome checked against a
 * shadow model of what every process maps (per page: mapped, protection,
 * expected bytes). Same seed, same options: same operations, same outcomes,
 * same digest.
 */
#ifndef SIM_STRESS_H
#define SIM_STRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/scenario.h"

struct stress;

struct stress_opts {
	uint64_t seed;
	unsigned int processes;		/* live processes at a time, 1..STRESS_MAX_PROCS */
	unsigned int devices;		/* 1..STRESS_MAX_DEVS, of the kinds in turn */
	unsigned int page_shift;	/* 12, 14 or 16; 0: the machine's page-size */
	/*
	 * The machine: every setting of a scenario's smmu, software, cpus and
	 * page-size lines (docs/SCENARIO.md). NULL: scn_machine_defaults().
	 */
	const struct scn_machine *machine;
	/*
	 * The device kinds the devices take in turn, as a scenario's device
	 * lines write them after the name, separated by commas ('+' may stand
	 * for a blank): "pci ats pri,platform stall". NULL: STRESS_DEVICE_KINDS.
	 */
	const char *device_kinds;
	unsigned int verify_every;	/* full CPU check of the shadow every N ops (0: 64) */
	FILE *log;			/* each op and its outcome (-v); NULL: none */
	FILE *report;			/* violations; NULL: none */
	unsigned int report_max;	/* violations printed in full (0: 20) */
};

#define STRESS_DEVICE_KINDS	"pci ats pri,platform stall,pci"

#define STRESS_MAX_PROCS	8
#define STRESS_MAX_DEVS		8

/* What a run did: for the caller's summary and for determinism checks. */
struct stress_stats {
	unsigned long ops;
	unsigned long violations;
	uint64_t digest;		/* FNV-1a of every op and its outcome */
	unsigned long binds, unbinds, refused_binds, exits, spawns, restarts;
	unsigned long dma_ok, dma_fault, dma_mismatch;
	unsigned long cpu_faults, verifies;
	unsigned long asid_rollovers;	/* the CPUs' ASID generations rolled over */
};

/*
 * Build the machine, its devices and processes. NULL with one line in @why
 * on bad options or when the machine cannot be built.
 */
struct stress *stress_create(const struct stress_opts *opts, char *why, size_t whylen);
void stress_destroy(struct stress *s);

/*
 * Run @n more operations. Returns 0, or a negative errno when the machine
 * failed in a way that stops the run (a violation does not stop it).
 */
int stress_run(struct stress *s, unsigned long n);

/* Check everything the shadow says is readable with the CPU, now. */
int stress_verify(struct stress *s);

/*
 * Corrupt the oracle's own expectation: flip one expected byte of a mapped,
 * readable page. The next stress_verify() must report a violation; this is
 * how a test shows that the oracle can fail. 0, or -ENOENT if nothing is
 * mapped readable.
 */
int stress_inject_wrong_expectation(struct stress *s);

const struct stress_stats *stress_stats(const struct stress *s);

/*
 * The `sva stress` options that run @o again (seed, processes, devices,
 * and every machine setting or device kind that is not the default),
 * without --ops: "--seed 7 --processes 3 --devices 3 --e2h on".
 */
void stress_format_opts(const struct stress_opts *o, char *buf, size_t len);

/* ---- The sweep (sim/stress_sweep.c): the oracle over every machine feature ---- */

/*
 * One configuration: machine settings as `sva info` takes them (words of
 * scn_machine_set_words()), and optionally device kinds and counts; what
 * it leaves unset comes from the base options.
 */
struct stress_sweep_config {
	const char *name;		/* what it exercises, for the summary line */
	const char *settings;		/* "e2h=on btm=off"; "" for none */
	const char *device_kinds;	/* NULL: the base's */
	unsigned int processes, devices;	/* 0: the base's */
};

extern const struct stress_sweep_config stress_sweep_configs[];
extern const unsigned int stress_nr_sweep_configs;

/*
 * The options of sweep configuration @i over @base, with a seed derived
 * from the base seed and the configuration's name (so that a new
 * configuration changes no other's run). @machine holds the machine @o
 * points at. 0, or -EINVAL with one line in @why.
 */
int stress_sweep_opts(const struct stress_opts *base, unsigned int i, struct stress_opts *o,
		      struct scn_machine *machine, char *why, size_t whylen);

/*
 * A whole run: build, @ops operations, a final full check, tear down.
 * @st gets the stats (also when the machine failed). 0, or the negative
 * errno that stopped the run, with one line in @why.
 */
int stress_run_once(const struct stress_opts *o, unsigned long ops, struct stress_stats *st,
		    char *why, size_t whylen);

#endif /* SIM_STRESS_H */
