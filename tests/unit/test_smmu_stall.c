// SPDX-License-Identifier: GPL-2.0
/*
 * hw/smmu stall model: a faulting transaction with CD.S parks on a STAG,
 * is reported with Stall = 1, and CMD_RESUME (retry, abort, RAZ/WI) or
 * CMD_STALL_TERM releases it; STALL_MAX bounds the parked transactions;
 * CMD_SYNC never waits for a parked one.
 */
#include <pthread.h>

#include "hw/smmu/internal.h"
#include "hw/smmu/xlate.h"
#include "tests/harness.h"
#include "tests/unit/smmu_fixture.h"

#define SID	4
#define SID2	5
#define ASID	3
#define VA	0x10000000ULL

struct dev {
	struct fx *fx;
	uint32_t sid;
	uint64_t va;
	unsigned int acc;
	pthread_t thread;
	int done;
	enum smmu_txn_status status;
	uint64_t pa;
};

static void *dev_run(void *arg)
{
	struct dev *d = arg;

	d->status = fx_xlate(d->fx, d->sid, false, 0, d->va, d->acc, &d->pa);
	__atomic_store_n(&d->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void dev_start(struct dev *d, struct fx *fx, uint32_t sid, uint64_t va)
{
	*d = (struct dev){ .fx = fx, .sid = sid, .va = va, .acc = WALK_ACC_WRITE };
	ASSERT_EQ(pthread_create(&d->thread, NULL, dev_run, d), 0);
}

static bool dev_done(struct dev *d)
{
	return __atomic_load_n(&d->done, __ATOMIC_SEQ_CST);
}

static struct smmu_event wait_event(struct fx *fx)
{
	struct smmu_event ev;

	FX_WAIT(fx_event(fx, &ev));
	return ev;
}

static uint64_t root;

/* Two streams sharing one stall-enabled CD. */
static void setup(struct fx *fx, unsigned int cd_flags)
{
	struct fx_ste ste = { 0 };
	uint64_t cd = fx_alloc(fx, 64, 64);

	root = fx_pt_new(fx);
	fx_cd(fx, cd, root, ASID, cd_flags);
	ste.cdptr = cd;
	fx_ste(fx, SID, &ste);
	fx_ste(fx, SID2, &ste);
}

static void resume(struct fx *fx, uint32_t sid, uint16_t stag, bool retry, bool abort)
{
	fx_cmd(fx, FIELD_PREP(CMD_0_OP, CMD_OP_RESUME) | FIELD_PREP(CMD_0_SID, sid) |
	       (retry ? CMD_0_RESUME_AC : 0) | (abort ? CMD_0_RESUME_AB : 0),
	       FIELD_PREP(CMD_1_RESUME_STAG, stag));
	ASSERT_EQ(fx_sync(fx), 0);
}

TEST(stall_then_resume_retry)
{
	struct smmu_event ev;
	struct dev d;
	struct fx fx;
	uint64_t data;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	data = fx_alloc(&fx, 4096, 4096);
	dev_start(&d, &fx, SID, VA + 0x40);
	ev = wait_event(&fx);
	EXPECT_EQ(ev.id, EVT_ID_F_TRANSLATION);
	EXPECT_TRUE(ev.stall);
	EXPECT_EQ(ev.sid, SID);
	EXPECT_EQ(ev.addr, VA + 0x40);
	EXPECT_FALSE(ev.rnw);
	EXPECT_FALSE(dev_done(&d));
	/* A CMD_SYNC while stalled completes: nobody waits for a parked transaction. */
	fx_tlbi_va(&fx, ASID, VA);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_FALSE(dev_done(&d));
	/* Software fixes the fault, then retries. */
	fx_map(&fx, root, VA, data, FX_PTE_RW);
	resume(&fx, SID, ev.stag, true, false);
	pthread_join(d.thread, NULL);
	EXPECT_EQ(d.status, SMMU_TXN_OK);
	EXPECT_EQ(d.pa, data + 0x40);
	EXPECT_EQ(fx_events_drain(&fx), 0);
	fx_fini(&fx);
}

TEST(resume_terminate_abort_and_razwi)
{
	struct smmu_event ev;
	struct dev d;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	dev_start(&d, &fx, SID, VA);
	ev = wait_event(&fx);
	ASSERT_TRUE(ev.stall);
	resume(&fx, SID, ev.stag, false, true);
	pthread_join(d.thread, NULL);
	EXPECT_EQ(d.status, SMMU_TXN_ABORT);

	dev_start(&d, &fx, SID, VA);
	ev = wait_event(&fx);
	ASSERT_TRUE(ev.stall);
	resume(&fx, SID, ev.stag, false, false);
	pthread_join(d.thread, NULL);
	EXPECT_EQ(d.status, SMMU_TXN_RAZWI);
	fx_fini(&fx);
}

TEST(resume_must_match_sid_and_stag)
{
	struct smmu_event ev;
	struct dev d;
	struct fx fx;
	unsigned int i;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	dev_start(&d, &fx, SID, VA);
	ev = wait_event(&fx);
	/* Wrong SID, then wrong STAG: both ignored. */
	resume(&fx, SID2, ev.stag, false, true);
	resume(&fx, SID, (uint16_t)(ev.stag + 1), false, true);
	for (i = 0; i < 100; i++)
		sched_yield();
	EXPECT_FALSE(dev_done(&d));
	resume(&fx, SID, ev.stag, false, true);
	pthread_join(d.thread, NULL);
	EXPECT_EQ(d.status, SMMU_TXN_ABORT);
	fx_fini(&fx);
}

TEST(stall_term_releases_one_stream)
{
	struct smmu_event e1, e2, e3;
	struct dev a, b, c;
	struct fx fx;
	unsigned int i;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	dev_start(&a, &fx, SID, VA);
	e1 = wait_event(&fx);
	dev_start(&b, &fx, SID, VA + 0x1000);
	e2 = wait_event(&fx);
	dev_start(&c, &fx, SID2, VA + 0x2000);
	e3 = wait_event(&fx);
	EXPECT_TRUE(e1.stall && e2.stall && e3.stall);
	EXPECT_NE(e1.stag, e2.stag);
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_STALL_TERM) | FIELD_PREP(CMD_0_SID, SID), 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	pthread_join(a.thread, NULL);
	pthread_join(b.thread, NULL);
	EXPECT_EQ(a.status, SMMU_TXN_ABORT);
	EXPECT_EQ(b.status, SMMU_TXN_ABORT);
	for (i = 0; i < 100; i++)
		sched_yield();
	EXPECT_FALSE(dev_done(&c));
	resume(&fx, SID2, e3.stag, false, true);
	pthread_join(c.thread, NULL);
	EXPECT_EQ(c.status, SMMU_TXN_ABORT);
	fx_fini(&fx);
}

TEST(stall_max_bounds_parked_transactions)
{
	struct smmu_config cfg;
	struct smmu_event e1, e2, e3;
	struct dev a, b, c;
	struct fx fx;

	smmu_config_default(&cfg);
	cfg.stall_max = 2;
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	dev_start(&a, &fx, SID, VA);
	e1 = wait_event(&fx);
	dev_start(&b, &fx, SID, VA + 0x1000);
	e2 = wait_event(&fx);
	/* The third cannot stall: it terminates at once, recorded without Stall. */
	dev_start(&c, &fx, SID, VA + 0x2000);
	pthread_join(c.thread, NULL);
	EXPECT_EQ(c.status, SMMU_TXN_ABORT);
	e3 = wait_event(&fx);
	EXPECT_FALSE(e3.stall);
	EXPECT_EQ(e3.addr, VA + 0x2000);
	EXPECT_TRUE(e1.stall && e2.stall);
	resume(&fx, SID, e1.stag, false, true);
	resume(&fx, SID, e2.stag, false, true);
	pthread_join(a.thread, NULL);
	pthread_join(b.thread, NULL);
	/* STAGs are free again. */
	dev_start(&a, &fx, SID, VA);
	e1 = wait_event(&fx);
	EXPECT_TRUE(e1.stall);
	resume(&fx, SID, e1.stag, false, true);
	pthread_join(a.thread, NULL);
	fx_fini(&fx);
}

TEST(term_model_makes_razwi_abort)
{
	struct smmu_config cfg;
	struct smmu_event ev;
	struct dev d;
	struct fx fx;

	smmu_config_default(&cfg);
	cfg.term_model = true;
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);	/* A == 0 is ILLEGAL here */
	dev_start(&d, &fx, SID, VA);
	ev = wait_event(&fx);
	resume(&fx, SID, ev.stag, false, false);
	pthread_join(d.thread, NULL);
	EXPECT_EQ(d.status, SMMU_TXN_ABORT);
	fx_fini(&fx);
}

/* smmu_destroy() with a transaction parked: it is released (aborted) safely. */
TEST(destroy_releases_parked_transactions)
{
	struct smmu_event ev;
	struct dev d;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	dev_start(&d, &fx, SID, VA);
	ev = wait_event(&fx);
	ASSERT_TRUE(ev.stall);
	fx_fini(&fx);
	pthread_join(d.thread, NULL);
	EXPECT_EQ(d.status, SMMU_TXN_ABORT);
}

/* Wait (bounded) for @d to finish; false if it is still parked after ~5 s. */
static bool dev_wait_done(struct dev *d)
{
	struct timespec ts = { 0, 1000000 };
	unsigned int i;

	for (i = 0; i < 5000 && !dev_done(d); i++)
		nanosleep(&ts, NULL);
	return dev_done(d);
}

static void write_cr0(struct fx *fx, uint32_t cr0)
{
	smmu_mmio_write32(fx->smmu, SMMU_CR0, cr0);
	FX_WAIT(smmu_mmio_read32(fx->smmu, SMMU_CR0ACK) == cr0);
}

/*
 * §6.3.9.6: once SMMUEN 1 -> 0 has completed, every stalled transaction is
 * marked for abort (without a RESUME) and nothing new stalls; its STAG is
 * usable again once SMMUEN is set again.
 */
TEST(smmuen_clear_aborts_stalled_transactions)
{
	uint32_t on = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN | SMMU_CR0_PRIQEN;
	struct smmu_event ev;
	struct dev a, b;
	struct fx fx;
	uint64_t pa = 0;
	bool ok;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	dev_start(&a, &fx, SID, VA);
	ev = wait_event(&fx);
	ASSERT_TRUE(ev.stall);
	dev_start(&b, &fx, SID2, VA + 0x1000);
	ev = wait_event(&fx);
	ASSERT_TRUE(ev.stall);
	EXPECT_EQ(smmu_mmio_read32(fx.smmu, SMMU_CR0ACK), on);

	write_cr0(&fx, on & ~SMMU_CR0_SMMUEN);
	ok = dev_wait_done(&a) && dev_wait_done(&b);
	if (!ok)
		fx_fini(&fx);	/* releases them, so the test ends */
	pthread_join(a.thread, NULL);
	pthread_join(b.thread, NULL);
	ASSERT_TRUE(ok);
	EXPECT_EQ(a.status, SMMU_TXN_ABORT);
	EXPECT_EQ(b.status, SMMU_TXN_ABORT);
	/* SMMUEN == 0 with GBPA.ABORT == 0: bypass, no stall, no event. */
	EXPECT_EQ(fx_xlate(&fx, SID, false, 0, VA, WALK_ACC_WRITE, &pa), SMMU_TXN_OK);
	EXPECT_EQ(pa, VA);
	EXPECT_EQ(fx_events_drain(&fx), 0);

	/* Enabled again: a fault stalls again, on a STAG given back. */
	write_cr0(&fx, on);
	dev_start(&a, &fx, SID, VA);
	ev = wait_event(&fx);
	EXPECT_TRUE(ev.stall);
	resume(&fx, SID, ev.stag, false, true);
	EXPECT_TRUE(dev_wait_done(&a));
	fx_fini(&fx);
	pthread_join(a.thread, NULL);
}

/*
 * A stall record waiting for room in a full event queue belongs to a
 * transaction that SMMUEN 1 -> 0 terminates: it gives up and the
 * transaction aborts, without anyone consuming the queue.
 */
TEST(smmuen_clear_releases_stall_waiting_for_queue_space)
{
	uint32_t on = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN | SMMU_CR0_PRIQEN;
	struct smmu_config cfg;
	struct dev d[3];
	struct fx fx;
	unsigned int i;
	bool ok = true;

	smmu_config_default(&cfg);
	cfg.evtq_log2 = 1;	/* two records fill it */
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	for (i = 0; i < 3; i++)
		dev_start(&d[i], &fx, SID, VA + i * 0x1000);
	/* Two parked with their records in the queue, one waiting for room. */
	FX_WAIT(smmu_stall_waiting(&fx.smmu->xlate->stall) == 3);
	write_cr0(&fx, on & ~SMMU_CR0_SMMUEN);
	for (i = 0; i < 3; i++)
		ok = dev_wait_done(&d[i]) && ok;
	if (!ok)
		fx_fini(&fx);
	for (i = 0; i < 3; i++)
		pthread_join(d[i].thread, NULL);
	ASSERT_TRUE(ok);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(d[i].status, SMMU_TXN_ABORT);
	EXPECT_EQ(fx_events_drain(&fx), 2);
	fx_fini(&fx);
}

static unsigned int evtq_waiters(struct fx *fx)
{
	unsigned int n;

	pthread_mutex_lock(&fx->smmu->evtq_lock);
	n = fx->smmu->evtq_waiters;
	pthread_mutex_unlock(&fx->smmu->evtq_lock);
	return n;
}

/*
 * §3.12.2, §7.2.1: a stall record is never discarded. With EVENTQEN == 0 the
 * faulting transaction stays stalled, unrecorded; once the queue is enabled
 * it is retried, faults again and is recorded with Stall = 1.
 */
TEST(stall_waits_for_the_event_queue_to_be_enabled)
{
	uint32_t on = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN | SMMU_CR0_PRIQEN;
	struct smmu_event ev;
	struct dev d;
	struct fx fx;
	uint64_t data;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	data = fx_alloc(&fx, 4096, 4096);
	write_cr0(&fx, on & ~SMMU_CR0_EVENTQEN);
	dev_start(&d, &fx, SID, VA + 0x80);
	FX_WAIT(dev_done(&d) || evtq_waiters(&fx) == 1);
	EXPECT_FALSE(dev_done(&d));
	EXPECT_EQ(smmu_stall_waiting(&fx.smmu->xlate->stall), 1);
	EXPECT_EQ(fx_events_drain(&fx), 0);

	write_cr0(&fx, on);
	ev = wait_event(&fx);
	EXPECT_EQ(ev.id, EVT_ID_F_TRANSLATION);
	EXPECT_TRUE(ev.stall);
	EXPECT_EQ(ev.addr, VA + 0x80);
	fx_map(&fx, root, VA, data, FX_PTE_RW);
	resume(&fx, SID, ev.stag, true, false);
	EXPECT_TRUE(dev_wait_done(&d));
	fx_fini(&fx);
	pthread_join(d.thread, NULL);
	EXPECT_EQ(d.status, SMMU_TXN_OK);
	EXPECT_EQ(d.pa, data + 0x80);
}

/*
 * §3.12.2, §4.7.3: a stall that could not be recorded (queue full) is
 * retried as though it had just arrived once the queue is writable; fixed
 * meanwhile (map, TLBI, CMD_SYNC), it completes and records nothing: its
 * original record is stale and must not appear.
 */
TEST(unrecorded_stall_is_retried_when_the_queue_is_writable)
{
	struct smmu_config cfg;
	struct smmu_event e1, e2, e3;
	struct dev a, b, c;
	struct fx fx;
	uint64_t data;
	uint32_t prod;

	smmu_config_default(&cfg);
	cfg.evtq_log2 = 1;	/* two records fill it */
	ASSERT_EQ(fx_init_cfg(&fx, &cfg, true), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	data = fx_alloc(&fx, 4096, 4096);
	dev_start(&a, &fx, SID, VA);
	dev_start(&b, &fx, SID, VA + 0x1000);
	FX_WAIT((smmu_mmio_read32(fx.smmu, SMMU_EVENTQ_PROD) & 3) == 2);
	dev_start(&c, &fx, SID2, VA + 0x2000);
	FX_WAIT(dev_done(&c) || evtq_waiters(&fx) == 1);
	EXPECT_FALSE(dev_done(&c));

	fx_map(&fx, root, VA + 0x2000, data, FX_PTE_RW);
	fx_tlbi_va(&fx, ASID, VA + 0x2000);
	ASSERT_EQ(fx_sync(&fx), 0);
	prod = smmu_mmio_read32(fx.smmu, SMMU_EVENTQ_PROD);
	ASSERT_TRUE(fx_event(&fx, &e1));	/* room for one record */
	EXPECT_TRUE(dev_wait_done(&c));
	EXPECT_EQ(c.status, SMMU_TXN_OK);
	EXPECT_EQ(c.pa, data);
	EXPECT_EQ(smmu_mmio_read32(fx.smmu, SMMU_EVENTQ_PROD), prod);
	ASSERT_TRUE(fx_event(&fx, &e2));
	EXPECT_FALSE(fx_event(&fx, &e3));
	resume(&fx, SID, e1.stag, false, true);
	resume(&fx, SID, e2.stag, false, true);
	EXPECT_TRUE(dev_wait_done(&a) && dev_wait_done(&b));
	fx_fini(&fx);
	pthread_join(a.thread, NULL);
	pthread_join(b.thread, NULL);
	pthread_join(c.thread, NULL);
	EXPECT_EQ(a.status, SMMU_TXN_ABORT);
	EXPECT_EQ(b.status, SMMU_TXN_ABORT);
}

/* CMD_STALL_TERM terminates a stall still waiting to be recorded too. */
TEST(stall_term_ends_an_unrecorded_stall)
{
	uint32_t on = SMMU_CR0_SMMUEN | SMMU_CR0_EVENTQEN | SMMU_CR0_CMDQEN | SMMU_CR0_PRIQEN;
	struct dev d;
	struct fx fx;

	ASSERT_EQ(fx_init(&fx), 0);
	setup(&fx, FX_CD_S | FX_CD_R | FX_CD_A);
	write_cr0(&fx, on & ~SMMU_CR0_EVENTQEN);
	dev_start(&d, &fx, SID, VA);
	FX_WAIT(dev_done(&d) || evtq_waiters(&fx) == 1);
	fx_cmd(&fx, FIELD_PREP(CMD_0_OP, CMD_OP_STALL_TERM) | FIELD_PREP(CMD_0_SID, SID), 0);
	ASSERT_EQ(fx_sync(&fx), 0);
	EXPECT_TRUE(dev_wait_done(&d));
	fx_fini(&fx);
	pthread_join(d.thread, NULL);
	EXPECT_EQ(d.status, SMMU_TXN_ABORT);
}
