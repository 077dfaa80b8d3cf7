// SPDX-License-Identifier: GPL-2.0
/*
 * A PASID handed to a new process never carries the old owner's DMA
 * (sim/machine.h, "Unbind and exit"). On the whole machine, with the DMA
 * engine's own thread and a submitter thread per queue:
 *
 *   A's fill is submitted; A exits (or not); A's handle is unbound; B is
 *   bound and gets the same PASID (the device has one PASID only, so any
 *   allocator must hand it out again); then A's descriptor ends.
 *
 * B's memory must never receive A's data, and A's memory nothing after
 * unbind returned. The rounds vary where A's descriptor is when A goes:
 * not fetched yet, or with a page request group / a stall in flight. The
 * neighbouring races of the same promise are here too: exit racing a PRI
 * group in flight, unbind racing a stalled transaction, many processes
 * exiting at once while their DMA runs. Invariants only: every wait is
 * bounded by the other side's progress (or the machine's own bounded DMA
 * wait), never by a guess of how long something takes.
 *
 * PASID_RACE_ROUNDS=N runs N rounds per configuration (default 96). Before
 * the device driver stopped a PASID's work ahead of unbind, B received A's
 * data in about 1 round in 18 with PRI and 1 in 150 with stall.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include <sva/sva.h>

#include "tests/harness.h"

#define VA		0x400000ull
#define LEN		(64 * 4096ull)	/* 64 pages */
#define NR_Q		4		/* A's queues: 16 pages each (4 PRI groups, 16 stalls) */
#define QLEN		(LEN / NR_Q)
#define FILL_A		0xa5		/* what A's device writes */
#define MEM_B		0x3c		/* what B's CPU wrote */
#define POISON_A	0x77		/* A's CPU writes this after unbind */
#define ROUNDS_PER_MACHINE 24		/* 2 processes and 2 binds a round */
#define RW		(SCN_PROT_R | SCN_PROT_W)

enum fault_mode { VIA_PRI, VIA_STALL };

/* Where A's descriptor is when A goes away. */
enum when {
	WHEN_SUBMITTED,		/* right after the doorbell */
	WHEN_FAULTING,		/* after its first page request / stall was reported */
	NR_WHEN,
};

struct rig {
	struct machine *m;
	int dev;
	enum fault_mode mode;
	char why[256];
};

/* A machine with one device of @pasid_bits and @nr_q DMA queues. */
static void rig_init(struct rig *r, enum fault_mode mode, bool asid_private,
		     unsigned int pasid_bits, unsigned int nr_q)
{
	struct scn_device pci = { .pci = true, .ats = true, .pri = true, .pasid_bits = pasid_bits,
				  .atc = 32, .prq = 16 };
	struct scn_device plat = { .stall = true, .pasid_bits = pasid_bits };
	struct scn_machine cfg;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->mode = mode;
	scn_machine_defaults(&cfg);
	cfg.sva_asid_private = asid_private;
	r->m = machine_create(&cfg, r->why, sizeof(r->why));
	ASSERT_TRUE(r->m != NULL);
	r->dev = machine_device_add(r->m, "acc", mode == VIA_PRI ? &pci : &plat, r->why,
				    sizeof(r->why));
	ASSERT_GE(r->dev, 0);
	for (i = 1; i < nr_q; i++)
		ASSERT_EQ(machine_queue_add(r->m, r->dev, r->why, sizeof(r->why)), (int)i);
}

/* Faults the device has had reported (page requests or stalls). */
static uint64_t rig_faults(struct rig *r)
{
	uint64_t v = 0;

	machine_counter(r->m, r->mode == VIA_PRI ? "page_requests" : "stalls", &v);
	return v;
}

/* A thread that owns a queue: submits one descriptor, waits for it. */
struct submitter {
	struct machine *m;
	struct machine_dma op;
	struct machine_dma_result res;
	int ret;
	bool submitted, done;		/* atomic */
	pthread_t thread;
	char why[256];
};

static void *submitter_main(void *arg)
{
	struct submitter *s = arg;

	s->ret = machine_dma_submit(s->m, &s->op, s->why, sizeof(s->why));
	__atomic_store_n(&s->submitted, true, __ATOMIC_RELEASE);
	if (!s->ret)
		s->ret = machine_dma_complete(s->m, s->op.dev, s->op.queue, &s->res, s->why,
					      sizeof(s->why));
	__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void submitter_start(struct submitter *s, struct machine *m, int dev, int queue,
			    uint32_t pasid, uint64_t va, uint64_t len, uint8_t byte)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	s->op = (struct machine_dma){ .dev = dev, .queue = queue, .pasid_valid = true,
				      .pasid = pasid, .kind = SCN_DMA_FILL, .addr = va,
				      .len = len, .byte = byte };
	ASSERT_EQ(pthread_create(&s->thread, NULL, submitter_main, s), 0);
	/* Bounded by the thread: it sets the flag right after its doorbell. */
	while (!__atomic_load_n(&s->submitted, __ATOMIC_ACQUIRE))
		sched_yield();
}

static bool all_done(struct submitter *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!__atomic_load_n(&s[i].done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* Wait until the device has had a fault reported, or the descriptors ended. */
static void wait_faulting(struct rig *r, struct submitter *s, unsigned int n, uint64_t base)
{
	while (!all_done(s, n) && rig_faults(r) == base)
		sched_yield();
}

struct tally {
	unsigned int rounds;
	unsigned int b_hit;		/* B's memory received A's data */
	unsigned int a_hit;		/* A's memory changed after unbind returned */
	unsigned int in_flight;		/* A's descriptor had not ended when A went */
	unsigned int outcomes[SCN_OUT_ABORTED + 1];	/* of A's descriptors */
};

/* A's DMA ended: its outcome was reached, never the machine's DMA timeout. */
static void submitters_join(struct submitter *s, unsigned int n, struct tally *t)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		pthread_join(s[i].thread, NULL);
		EXPECT_EQ(s[i].ret, 0);
		if (s[i].ret)
			TH_LOG("A's DMA on queue %u: %s", i, s[i].why);
		else
			t->outcomes[s[i].res.outcome]++;
	}
}

/*
 * One round. A fills; then, with @exit_a, A exits and is unbound, and B is
 * bound to the recycled PASID while A's DMA may still be going. Without,
 * A is unbound and its CPU poisons the range while A's DMA may still be
 * going; once it ended, A exits and B takes the PASID.
 */
static void round_run(struct rig *r, bool exit_a, enum when when, struct tally *t)
{
	struct machine *m = r->m;
	struct submitter s[NR_Q];
	struct machine_dma op;
	struct machine_dma_result res;
	uint32_t pa = 0, pb = 0;
	uint64_t where = 0, base;
	bool joined = false;
	unsigned int q;
	int a, b, ha, hb;

	/* B is ready first, so that its bind follows A's unbind closely. */
	b = machine_process_create(m, r->why, sizeof(r->why));
	ASSERT_GE(b, 0);
	ASSERT_EQ(machine_mmap(m, b, VA, LEN, RW, true, r->why, sizeof(r->why)), 0);
	ASSERT_EQ(machine_cpu_fill(m, b, VA, LEN, MEM_B, &where), 0);
	a = machine_process_create(m, r->why, sizeof(r->why));
	ASSERT_GE(a, 0);
	ASSERT_EQ(machine_mmap(m, a, VA, LEN, RW, false, r->why, sizeof(r->why)), 0);
	ha = machine_bind(m, r->dev, a, &pa, r->why, sizeof(r->why));
	ASSERT_GE(ha, 0);

	base = rig_faults(r);
	for (q = 0; q < NR_Q; q++)
		submitter_start(&s[q], m, r->dev, (int)q, pa, VA + q * QLEN, QLEN, FILL_A);
	if (when == WHEN_FAULTING)
		wait_faulting(r, s, NR_Q, base);
	t->in_flight += !all_done(s, NR_Q);
	if (exit_a)
		ASSERT_EQ(machine_exit(m, a, r->why, sizeof(r->why)), 0);
	ASSERT_EQ(machine_unbind(m, ha, r->why, sizeof(r->why)), 0);
	if (!exit_a) {
		ASSERT_EQ(machine_cpu_fill(m, a, VA, LEN, POISON_A, &where), 0);
		submitters_join(s, NR_Q, t);
		joined = true;
		if (machine_cpu_check(m, a, VA, LEN, POISON_A, &where)) {
			if (!t->a_hit)
				TH_LOG("round %u: A's 0x%llx changed after unbind returned",
				       t->rounds + 1, (unsigned long long)where);
			t->a_hit++;
		}
		/* A's PASID is A's until its mm goes. */
		ASSERT_EQ(machine_exit(m, a, r->why, sizeof(r->why)), 0);
	}

	hb = machine_bind(m, r->dev, b, &pb, r->why, sizeof(r->why));
	ASSERT_GE(hb, 0);
	ASSERT_EQ(pb, pa);	/* one PASID on this device: it was recycled */

	if (!joined)
		submitters_join(s, NR_Q, t);
	t->rounds++;
	if (machine_cpu_check(m, b, VA, LEN, MEM_B, &where)) {
		if (!t->b_hit)
			TH_LOG("round %u: B's 0x%llx changed: A's DMA ran in B", t->rounds,
			       (unsigned long long)where);
		t->b_hit++;
	}
	/* B is served normally through the recycled PASID. */
	op = s[0].op;
	op.pasid = pb;
	ASSERT_EQ(machine_dma(m, &op, &res, r->why, sizeof(r->why)), 0);
	EXPECT_EQ(res.outcome, SCN_OUT_OK);
	ASSERT_EQ(machine_unbind(m, hb, r->why, sizeof(r->why)), 0);
	ASSERT_EQ(machine_exit(m, b, r->why, sizeof(r->why)), 0);
}

static void race_rounds(enum fault_mode mode, bool asid_private, bool exit_a,
			const enum when *whens, unsigned int nr_whens, unsigned int rounds)
{
	struct tally t = { 0 };
	struct rig r;
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		if (i % ROUNDS_PER_MACHINE == 0) {
			if (i)
				machine_destroy(r.m);
			rig_init(&r, mode, asid_private, 1, NR_Q);
		}
		round_run(&r, exit_a, whens[i % nr_whens], &t);
	}
	machine_destroy(r.m);
	TH_LOG("%u rounds, %u with A's DMA in flight (A's descriptors: %u ok, %u fault, "
	       "%u aborted): B hit in %u, A hit after unbind in %u", t.rounds, t.in_flight,
	       t.outcomes[SCN_OUT_OK], t.outcomes[SCN_OUT_FAULT], t.outcomes[SCN_OUT_ABORTED],
	       t.b_hit, t.a_hit);
	EXPECT_EQ(t.b_hit, 0);
	EXPECT_EQ(t.a_hit, 0);
	/* The rounds raced something: A's DMA was still going when A went. */
	EXPECT_GT(t.in_flight, 0);
}

#define RACE_ROUNDS	race_rounds_default()

static unsigned int race_rounds_default(void)
{
	const char *env = getenv("PASID_RACE_ROUNDS");

	return env && atoi(env) > 0 ? (unsigned int)atoi(env) : 96;
}

static const enum when any_time[] = { WHEN_SUBMITTED, WHEN_FAULTING };
static const enum when faulting[] = { WHEN_FAULTING };

TEST_TIMEOUT(recycled_pasid_pri_shared_asid, 300)
{
	race_rounds(VIA_PRI, false, true, any_time, NR_WHEN, RACE_ROUNDS);
}

TEST_TIMEOUT(recycled_pasid_pri_private_asid, 300)
{
	race_rounds(VIA_PRI, true, true, any_time, NR_WHEN, RACE_ROUNDS);
}

TEST_TIMEOUT(recycled_pasid_stall_shared_asid, 300)
{
	race_rounds(VIA_STALL, false, true, any_time, NR_WHEN, RACE_ROUNDS);
}

TEST_TIMEOUT(recycled_pasid_stall_private_asid, 300)
{
	race_rounds(VIA_STALL, true, true, any_time, NR_WHEN, RACE_ROUNDS);
}

/* A exits while one of its page request groups is in flight. */
TEST_TIMEOUT(exit_racing_pri_group_in_flight, 300)
{
	race_rounds(VIA_PRI, false, true, faulting, 1, RACE_ROUNDS / 2);
	race_rounds(VIA_PRI, true, true, faulting, 1, RACE_ROUNDS / 2);
}

/* A lives on; its handle is unbound while its transaction is stalled. */
TEST_TIMEOUT(unbind_racing_stalled_transaction, 300)
{
	race_rounds(VIA_STALL, false, false, faulting, 1, RACE_ROUNDS / 2);
	race_rounds(VIA_STALL, true, false, faulting, 1, RACE_ROUNDS / 2);
}

/* ---- Many processes exiting at once while their DMA runs -------------------- */

#define NR_PROCS	6		/* PASIDs 1..7 on a 3-bit device */
#define PROC_LEN	(8 * 4096ull)
#define LOOP_MAX	100000		/* a runaway bound on one worker's DMAs */

/* One process's thread: DMA on its own queue until told to stop. */
struct worker {
	struct machine *m;
	struct machine_dma op;
	pthread_mutex_t lock;		/* stop vs. the next submit */
	bool stop;			/* under lock: its PASID is about to be unbound */
	bool exited;			/* atomic: machine_exit() of its process returned */
	uint64_t done, done_after_exit;	/* atomic: DMAs completed (after the exit) */
	uint64_t ok_after_exit;		/* submitted after the exit returned, yet ok */
	uint64_t spanning;		/* submitted before the exit, ended after it */
	bool finished;			/* atomic: the thread is leaving */
	int ret;
	pthread_t thread;
	char why[256];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct machine_dma_result res;
	unsigned int i;
	bool after;

	for (i = 0; i < LOOP_MAX; i++) {
		pthread_mutex_lock(&w->lock);
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		after = __atomic_load_n(&w->exited, __ATOMIC_ACQUIRE);
		w->ret = machine_dma_submit(w->m, &w->op, w->why, sizeof(w->why));
		pthread_mutex_unlock(&w->lock);
		if (!w->ret)
			w->ret = machine_dma_complete(w->m, w->op.dev, w->op.queue, &res, w->why,
						      sizeof(w->why));
		if (w->ret)
			break;
		w->ok_after_exit += after && res.outcome == SCN_OUT_OK;
		w->spanning += !after && __atomic_load_n(&w->exited, __ATOMIC_ACQUIRE);
		if (after)
			__atomic_fetch_add(&w->done_after_exit, 1, __ATOMIC_RELEASE);
		__atomic_fetch_add(&w->done, 1, __ATOMIC_RELEASE);
		w->op.byte++;
	}
	__atomic_store_n(&w->finished, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Bounded by the workers' progress: each DMA they wait for is bounded. */
static void workers_wait(struct worker *w, unsigned int n, bool after_exit)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t *ctr = after_exit ? &w[i].done_after_exit : &w[i].done;

		while (!__atomic_load_n(ctr, __ATOMIC_ACQUIRE) &&
		       !__atomic_load_n(&w[i].finished, __ATOMIC_ACQUIRE))
			sched_yield();
	}
}

/*
 * Every process exits, back to back, while its worker's DMA runs; then
 * (@linger: once each worker has had a DMA after its exit) the handles are
 * unbound and new processes take the PASIDs while the workers' last
 * descriptors may still be going.
 */
static void exits_round(enum fault_mode mode, bool asid_private, bool linger, struct tally *t)
{
	struct worker w[NR_PROCS];
	int a[NR_PROCS], b[NR_PROCS], ha[NR_PROCS], hb[NR_PROCS];
	uint32_t pa[NR_PROCS], pb[NR_PROCS], seen = 0, seen_b = 0;
	uint64_t where = 0;
	struct rig r;
	unsigned int i;

	rig_init(&r, mode, asid_private, 3, NR_PROCS);
	for (i = 0; i < NR_PROCS; i++) {
		b[i] = machine_process_create(r.m, r.why, sizeof(r.why));
		ASSERT_GE(b[i], 0);
		ASSERT_EQ(machine_mmap(r.m, b[i], VA, PROC_LEN, RW, true, r.why, sizeof(r.why)), 0);
		ASSERT_EQ(machine_cpu_fill(r.m, b[i], VA, PROC_LEN, MEM_B, &where), 0);
	}
	for (i = 0; i < NR_PROCS; i++) {
		a[i] = machine_process_create(r.m, r.why, sizeof(r.why));
		ASSERT_GE(a[i], 0);
		ASSERT_EQ(machine_mmap(r.m, a[i], VA, PROC_LEN, RW, false, r.why, sizeof(r.why)), 0);
		ha[i] = machine_bind(r.m, r.dev, a[i], &pa[i], r.why, sizeof(r.why));
		ASSERT_GE(ha[i], 0);
		seen |= 1u << pa[i];
		memset(&w[i], 0, sizeof(w[i]));
		w[i].m = r.m;
		w[i].op = (struct machine_dma){ .dev = r.dev, .queue = (int)i, .pasid_valid = true,
						.pasid = pa[i], .kind = SCN_DMA_FILL, .addr = VA,
						.len = PROC_LEN, .byte = FILL_A };
		pthread_mutex_init(&w[i].lock, NULL);
	}
	for (i = 0; i < NR_PROCS; i++)
		ASSERT_EQ(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
	workers_wait(w, NR_PROCS, false);

	/* All of them go, back to back, with their DMA running. */
	for (i = 0; i < NR_PROCS; i++) {
		ASSERT_EQ(machine_exit(r.m, a[i], r.why, sizeof(r.why)), 0);
		__atomic_store_n(&w[i].exited, true, __ATOMIC_RELEASE);
	}
	if (linger)
		workers_wait(w, NR_PROCS, true);
	for (i = 0; i < NR_PROCS; i++) {
		pthread_mutex_lock(&w[i].lock);
		w[i].stop = true;
		pthread_mutex_unlock(&w[i].lock);
	}
	/* The workers may still wait for their last descriptors: unbind all the same. */
	for (i = 0; i < NR_PROCS; i++)
		ASSERT_EQ(machine_unbind(r.m, ha[i], r.why, sizeof(r.why)), 0);
	for (i = 0; i < NR_PROCS; i++) {
		hb[i] = machine_bind(r.m, r.dev, b[i], &pb[i], r.why, sizeof(r.why));
		ASSERT_GE(hb[i], 0);
		seen_b |= 1u << pb[i];
	}
	EXPECT_EQ(seen_b, seen);	/* every PASID was handed out again */

	for (i = 0; i < NR_PROCS; i++) {
		pthread_join(w[i].thread, NULL);
		EXPECT_EQ(w[i].ret, 0);
		if (w[i].ret)
			TH_LOG("process %u's DMA: %s", i, w[i].why);
		/* A DMA into an address space that is gone cannot succeed. */
		EXPECT_EQ(w[i].ok_after_exit, 0);
		t->in_flight += w[i].spanning;
		pthread_mutex_destroy(&w[i].lock);
	}
	t->rounds++;
	for (i = 0; i < NR_PROCS; i++) {
		if (machine_cpu_check(r.m, b[i], VA, PROC_LEN, MEM_B, &where)) {
			TH_LOG("B%u's 0x%llx changed: an exited process's DMA ran in it", i,
			       (unsigned long long)where);
			t->b_hit++;
		}
	}
	for (i = 0; i < NR_PROCS; i++)
		ASSERT_EQ(machine_unbind(r.m, hb[i], r.why, sizeof(r.why)), 0);
	machine_destroy(r.m);
}

static void exits_rounds(enum fault_mode mode, bool asid_private, unsigned int rounds)
{
	struct tally t = { 0 };
	unsigned int i;

	for (i = 0; i < rounds; i++)
		exits_round(mode, asid_private, i % 2, &t);
	TH_LOG("%u rounds of %u exits: %u DMAs spanned an exit, B hit in %u", t.rounds,
	       NR_PROCS, t.in_flight, t.b_hit);
	EXPECT_EQ(t.b_hit, 0);
	EXPECT_GT(t.in_flight, 0);
}

TEST_TIMEOUT(many_processes_exiting_while_dma_runs, 300)
{
	exits_rounds(VIA_PRI, false, RACE_ROUNDS / 8);
	exits_rounds(VIA_PRI, true, RACE_ROUNDS / 8);
	exits_rounds(VIA_STALL, false, RACE_ROUNDS / 8);
	exits_rounds(VIA_STALL, true, RACE_ROUNDS / 8);
}
