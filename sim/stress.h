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

struct stress;

struct stress_opts {
	uint64_t seed;
	unsigned int processes;		/* live processes at a time, 1..STRESS_MAX_PROCS */
	unsigned int devices;		/* 1..STRESS_MAX_DEVS: pci ats pri, platform stall, pci */
	unsigned int page_shift;	/* 12, 14 or 16 */
	unsigned int verify_every;	/* full CPU check of the shadow every N ops (0: 64) */
	FILE *log;			/* each op and its outcome (-v); NULL: none */
	FILE *report;			/* violations; NULL: none */
};

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

#endif /* SIM_STRESS_H */
