// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the driver's real command-queue code (arm_smmu_cmdq_issue_cmdlist()
 * and the GERROR handler) against a model of an SMMUv3 command queue that
 * behaves as the architecture allows, including its unkind parts
 * (IHI 0070 G.b):
 *
 * - Commands are consumed in order (§3.5). A CMD_SYNC completes only once
 *   every earlier CMD_ATC_INV has completed (§4.7.3), so everything queued
 *   behind an ATC invalidation the endpoint never answers stalls with it.
 * - The SMMU's own ATS invalidation timeout is its own (§3.9.1.4: "the
 *   timeout period specified by ATS"); it may be longer than the driver's
 *   1 s wait, or infinite.
 * - At that timeout the CMD_SYNC raises CERROR_ATC_INV_SYNC: CONS.RD stays
 *   on the CMD_SYNC, CONS.ERR says ATC_INV, GERROR.CMDQ_ERR toggles, no
 *   completion is signalled, and nothing is consumed until software
 *   acknowledges through GERRORN; then the CMD_SYNC is fetched again
 *   (§4.7.3, §7.1). The timed-out invalidations never complete.
 * - The GERROR interrupt may be delivered (the model calls the driver's
 *   handler, as the IRQ would) or not (masked, or on a CPU with
 *   interrupts off): then the queue stays halted until someone polls.
 *
 * The model is a kthread that reads PROD and the queue memory and writes
 * CONS and GERROR in a page of kernel memory standing in for the
 * registers. It answers every ATC invalidation at once, except those to
 * the StreamID made stuck. It has the last CPU to itself, as the hardware
 * is beside the CPUs: the submitters, kthreads on the other CPUs, spin
 * with interrupts off as the driver does (three CPUs at least).
 *
 * The cases check the model against the specification and what the
 * driver's queue does on it: the waiter of a CMD_SYNC that raised
 * CERROR_ATC_INV_SYNC gets -EIO (arm_smmu_atc_errs), and only that
 * waiter; a stall longer than the driver's poll is waited out, polling
 * GERROR, until the SMMU reports. The ATS fence's localisation
 * (arm_smmu_atc_locate()) runs on the same model: only a StreamID whose
 * own probe failed is blamed, whatever the SMMU's timeout and whether or
 * not its interrupt is delivered, while other CPUs flush beside it, and
 * however long the probes wait behind them. So does the fence op
 * (arm_smmu_ats_fence()): its CFGI_STE queues behind the stuck
 * invalidation, and the model reads the STE when it consumes it. The
 * event queue thread runs on the events a fenced master makes.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>

#include "arm-smmu-v3.h"
/* The layer's state of a device: the events case fences one through it */
#include "../../ats-recovery/internal.h"

/* 256 slots: the valid map needs a multiple of BITS_PER_LONG */
#define FAKE_Q_SHIFT		8
#define FAKE_NO_SID		U32_MAX
#define FAKE_MAX_EVENTS		64
/* A linear stream table for StreamIDs below this */
#define FAKE_STES		16
/* Submitters on CPUs 0 and 1, the model on CPU 2 */
#define FAKE_CPUS		3
#define FAKE_MODEL_CPU		2

enum fake_event_type {
	FAKE_EV_SYNC,		/* a CMD_SYNC completed */
	FAKE_EV_CERROR,		/* a CMD_SYNC raised CERROR_ATC_INV_SYNC */
	FAKE_EV_ACK,		/* GERRORN acknowledged CMDQ_ERR */
	FAKE_EV_CFGI_EATS_OFF,	/* CFGI_STE read an STE with EATS clear */
	FAKE_EV_CFGI_EATS_ON,	/* ... and with EATS set */
};

struct fake_event {
	enum fake_event_type type;
	u32 cons;		/* the CMD_SYNC's position (index and wrap) */
};

struct fake_smmu {
	struct arm_smmu_device smmu;
	/* A secondary queue (a tegra241 VCMDQ) that nothing consumes */
	struct arm_smmu_cmdq vcmdq;
	u32 *regs;
	struct arm_smmu_ste stes[FAKE_STES];
	struct task_struct *model;

	/* Knobs, set before the model runs */
	u32 stuck_sid;			/* never answers ATC invalidations */
	unsigned int stuck_nr;		/* nor do the StreamIDs after it */
	unsigned int timeout_ms;	/* the SMMU's ATS timeout; 0: never */
	bool irq_masked;		/* GERROR interrupt not delivered */

	/* The model's state: only its thread writes it */
	u32 cons;
	bool halted;
	unsigned int outstanding;	/* unanswered ATC invalidations */
	ktime_t oldest;			/* when the oldest was consumed */

	/* What the model did, for the cases */
	atomic_t nr_atc_inv;
	atomic_t nr_events;
	struct fake_event events[FAKE_MAX_EVENTS];
};

static u32 *fake_reg(struct fake_smmu *fake, unsigned int offset)
{
	return &fake->regs[offset / sizeof(u32)];
}

static u32 fake_inc(struct fake_smmu *fake, u32 pos)
{
	u32 mask = (2U << FAKE_Q_SHIFT) - 1;

	return (pos + 1) & mask;
}

static void fake_event(struct fake_smmu *fake, enum fake_event_type type)
{
	int n = atomic_read(&fake->nr_events);

	if (n >= FAKE_MAX_EVENTS)
		return;
	fake->events[n].type = type;
	fake->events[n].cons = fake->cons;
	/* The event is written before it is counted */
	atomic_set_release(&fake->nr_events, n + 1);
}

static void fake_publish_cons(struct fake_smmu *fake, u32 err)
{
	/* Consumed commands are done with before CONS says so */
	smp_wmb();
	WRITE_ONCE(*fake_reg(fake, ARM_SMMU_CMDQ_CONS),
		   fake->cons | FIELD_PREP(CMDQ_CONS_ERR, err));
}

/* A CMD_SYNC at CONS: true if it completed, false if it stalls or errs */
static bool fake_sync(struct fake_smmu *fake)
{
	u32 *gerror = fake_reg(fake, ARM_SMMU_GERROR);

	if (!fake->outstanding)
		return true;
	if (!fake->timeout_ms ||
	    ktime_ms_delta(ktime_get(), fake->oldest) < fake->timeout_ms)
		return false;

	/* CERROR_ATC_INV_SYNC: the timed-out invalidations never complete */
	fake->outstanding = 0;
	fake->halted = true;
	fake_publish_cons(fake, CMDQ_ERR_CERROR_ATC_INV_IDX);
	fake_event(fake, FAKE_EV_CERROR);
	WRITE_ONCE(*gerror, READ_ONCE(*gerror) ^ GERROR_CMDQ_ERR);
	if (!fake->irq_masked)
		arm_smmu_gerror_handler(0, &fake->smmu);
	return false;
}

static int fake_model(void *data)
{
	struct fake_smmu *fake = data;
	struct arm_smmu_queue *q = &fake->smmu.cmdq.q;

	while (!kthread_should_stop()) {
		u32 prod;
		__le64 *ent;
		u64 dw0;

		if (fake->halted) {
			u32 gerror = READ_ONCE(*fake_reg(fake, ARM_SMMU_GERROR));
			u32 gerrorn = READ_ONCE(*fake_reg(fake, ARM_SMMU_GERRORN));

			if ((gerror ^ gerrorn) & GERROR_CMDQ_ERR) {
				usleep_range(100, 200);
				continue;
			}
			/* Acknowledged: fetch again from CONS */
			fake->halted = false;
			fake_event(fake, FAKE_EV_ACK);
			fake_publish_cons(fake, 0);
		}

		prod = READ_ONCE(*fake_reg(fake, ARM_SMMU_CMDQ_PROD)) &
		       ~Q_OVERFLOW_FLAG;
		if (prod == fake->cons) {
			usleep_range(50, 100);
			continue;
		}
		/* The commands are read after PROD said they are there */
		smp_rmb();
		ent = q->base + Q_IDX(&q->llq, fake->cons) * q->ent_dwords;
		dw0 = le64_to_cpu(READ_ONCE(ent[0]));

		switch (FIELD_GET(CMDQ_0_OP, dw0)) {
		case CMDQ_OP_ATC_INV:
			atomic_inc(&fake->nr_atc_inv);
			if ((u32)FIELD_GET(CMDQ_ATC_0_SID, dw0) - fake->stuck_sid >=
			    fake->stuck_nr)
				break;
			if (!fake->outstanding++)
				fake->oldest = ktime_get();
			break;
		case CMDQ_OP_CFGI_STE: {
			/* The SMMU reads the STE again from memory */
			u32 sid = FIELD_GET(CMDQ_CFGI_0_SID, dw0);
			u64 ste1;

			if (sid >= FAKE_STES)
				break;
			ste1 = le64_to_cpu(READ_ONCE(fake->stes[sid].data[1]));
			fake_event(fake, FIELD_GET(STRTAB_STE_1_EATS, ste1) ?
				   FAKE_EV_CFGI_EATS_ON : FAKE_EV_CFGI_EATS_OFF);
			break;
		}
		case CMDQ_OP_CMD_SYNC:
			if (!fake_sync(fake)) {
				usleep_range(200, 400);
				continue;
			}
			fake_event(fake, FAKE_EV_SYNC);
			break;
		default:
			/* TLBI, CFGI, PREFETCH: done at once */
			break;
		}
		fake->cons = fake_inc(fake, fake->cons);
		fake_publish_cons(fake, 0);
	}
	return 0;
}

static void fake_smmu_stop(void *data)
{
	struct fake_smmu *fake = data;

	if (fake->model)
		kthread_stop(fake->model);
	fake->model = NULL;
}

/* A command queue whose PROD and CONS are at @prod and @cons in the page */
static void fake_cmdq_init(struct kunit *test, struct fake_smmu *fake,
			   struct arm_smmu_cmdq *cmdq, unsigned int prod,
			   unsigned int cons)
{
	struct arm_smmu_queue *q = &cmdq->q;

	q->llq.max_n_shift = FAKE_Q_SHIFT;
	q->ent_dwords = CMDQ_ENT_DWORDS;
	q->base = kunit_kzalloc(test, (CMDQ_ENT_DWORDS << 3) << FAKE_Q_SHIFT,
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q->base);
	q->prod_reg = (__force u32 __iomem *)fake_reg(fake, prod);
	q->cons_reg = (__force u32 __iomem *)fake_reg(fake, cons);
	KUNIT_ASSERT_EQ(test, arm_smmu_cmdq_init(&fake->smmu, cmdq), 0);
}

static struct fake_smmu *fake_smmu_create(struct kunit *test, u32 stuck_sid,
					  unsigned int timeout_ms,
					  bool irq_masked)
{
	struct fake_smmu *fake;
	struct arm_smmu_device *smmu;
	struct device *dev;

	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake);
	fake->regs = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake->regs);
	dev = kunit_device_register(test, "arm-smmu-v3-fake-cmdq");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);

	fake->stuck_sid = stuck_sid;
	fake->stuck_nr = 1;
	fake->timeout_ms = timeout_ms;
	fake->irq_masked = irq_masked;

	smmu = &fake->smmu;
	smmu->dev = dev;
	raw_spin_lock_init(&smmu->gerror_lock);
	raw_spin_lock_init(&smmu->streams_lock);
	mutex_init(&smmu->streams_mutex);
	smmu->base = (__force void __iomem *)fake->regs;
	smmu->strtab_cfg.linear.table = fake->stes;
	smmu->strtab_cfg.linear.num_ents = FAKE_STES;
	fake_cmdq_init(test, fake, &smmu->cmdq, ARM_SMMU_CMDQ_PROD,
		       ARM_SMMU_CMDQ_CONS);

	if (num_online_cpus() < FAKE_CPUS)
		kunit_skip(test, "the model needs %d CPUs, %u online", FAKE_CPUS,
			   num_online_cpus());
	fake->model = kthread_create(fake_model, fake, "fake-smmu-cmdq");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fake->model);
	kthread_bind(fake->model, FAKE_MODEL_CPU);
	wake_up_process(fake->model);
	/* A case that fails half-way does not leave the model running */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_smmu_stop,
							fake), 0);
	return fake;
}

/* Stops the model; the cases read what it did after this */
static void fake_smmu_destroy(struct fake_smmu *fake)
{
	fake_smmu_stop(fake);
}

struct fake_submitter {
	struct fake_smmu *fake;
	u32 sid;
	int ret;
	struct completion done;
};

/* ATC_INV to @sid and a CMD_SYNC, as a batch of the flush path ends */
static int fake_submitter_fn(void *data)
{
	struct fake_submitter *s = data;
	struct arm_smmu_cmd cmd = arm_smmu_make_cmd_atc_inv_all(s->sid,
								IOMMU_NO_PASID);

	s->ret = arm_smmu_cmdq_issue_cmdlist(&s->fake->smmu,
					     &s->fake->smmu.cmdq, &cmd, 1, true);
	complete(&s->done);
	return 0;
}

/* Starts a submitter of ATC_INV to @sid + CMD_SYNC on @cpu */
static void fake_submit(struct kunit *test, struct fake_submitter *s,
			struct fake_smmu *fake, u32 sid, unsigned int cpu)
{
	struct task_struct *t;

	s->fake = fake;
	s->sid = sid;
	init_completion(&s->done);
	t = kthread_create(fake_submitter_fn, s, "fake-submitter");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	kthread_bind(t, cpu);
	wake_up_process(t);
}

/* The same on CPU 0, waited for: what the driver's sync returned */
static int fake_issue_atc_inv(struct kunit *test, struct fake_smmu *fake,
			      u32 sid)
{
	struct fake_submitter s;

	fake_submit(test, &s, fake, sid, 0);
	wait_for_completion(&s.done);
	return s.ret;
}

static int fake_nr(struct fake_smmu *fake, enum fake_event_type type)
{
	int i, n = atomic_read_acquire(&fake->nr_events), nr = 0;

	for (i = 0; i < n; i++)
		nr += fake->events[i].type == type;
	return nr;
}

/* The index of the first event of @type at or after @from; -1 if none */
static int fake_find(struct fake_smmu *fake, enum fake_event_type type,
		     int from)
{
	int i, n = atomic_read_acquire(&fake->nr_events);

	for (i = from; i < n; i++)
		if (fake->events[i].type == type)
			return i;
	return -1;
}

/* The cases that need the record of CERROR_ATC_INV_SYNC (the ATS fence's) */
static void fake_needs_atc_errs(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_IOMMU_ATS_RECOVERY))
		kunit_skip(test, "CONFIG_IOMMU_ATS_RECOVERY is off");
}

/* The answered path: the invalidation and its sync complete at once */
static void cmdq_fake_answered(struct kunit *test)
{
	struct fake_smmu *fake = fake_smmu_create(test, FAKE_NO_SID, 100,
						  false);

	KUNIT_EXPECT_EQ(test, fake_issue_atc_inv(test, fake, 1), 0);
	KUNIT_EXPECT_EQ(test, fake_issue_atc_inv(test, fake, 2), 0);
	fake_smmu_destroy(fake);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake->nr_atc_inv), 2);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_SYNC), 2);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CERROR), 0);
}

/*
 * The SMMU's timeout (200 ms) below the driver's wait (1 s), the GERROR
 * interrupt delivered: the CMD_SYNC raises CERROR_ATC_INV_SYNC at its own
 * position, the handler acknowledges it, the SMMU fetches the sync again
 * and completes it. Upstream's waiter returned 0 here, as for a sync whose
 * invalidations all completed; with the record it gets -EIO.
 */
static void cmdq_fake_cerror_at_the_sync(struct kunit *test)
{
	struct fake_smmu *fake = fake_smmu_create(test, 7, 200, false);
	int cerror, ack, sync;

	fake_needs_atc_errs(test);

	KUNIT_EXPECT_EQ(test, fake_issue_atc_inv(test, fake, 7), -EIO);
	fake_smmu_destroy(fake);

	cerror = fake_find(fake, FAKE_EV_CERROR, 0);
	KUNIT_ASSERT_GE(test, cerror, 0);
	ack = fake_find(fake, FAKE_EV_ACK, cerror);
	KUNIT_ASSERT_GT(test, ack, cerror);
	sync = fake_find(fake, FAKE_EV_SYNC, ack);
	KUNIT_ASSERT_GT(test, sync, ack);
	/* CONS stayed on the CMD_SYNC: the one that completed after the ack */
	KUNIT_EXPECT_EQ(test, fake->events[cerror].cons,
			fake->events[sync].cons);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CERROR), 1);
}

/*
 * FIFO: a bystander's batch, submitted from another CPU after the stuck
 * function's, completes only after the stuck one's CERROR: one stuck
 * endpoint stalls every flush on this SMMU for the SMMU's whole timeout.
 */
static void cmdq_fake_bystander_stalls_behind(struct kunit *test)
{
	struct fake_smmu *fake = fake_smmu_create(test, 7, 300, false);
	struct fake_submitter culprit;
	int cerror, sync;

	fake_needs_atc_errs(test);
	fake_submit(test, &culprit, fake, 7, 1);
	/* The stuck invalidation is consumed before the bystander queues */
	while (!atomic_read(&fake->nr_atc_inv))
		usleep_range(100, 200);

	/* Its own sync raised nothing: no -EIO for the bystander */
	KUNIT_EXPECT_EQ(test, fake_issue_atc_inv(test, fake, 1), 0);
	wait_for_completion(&culprit.done);
	KUNIT_EXPECT_EQ(test, culprit.ret, -EIO);
	fake_smmu_destroy(fake);

	cerror = fake_find(fake, FAKE_EV_CERROR, 0);
	KUNIT_ASSERT_GE(test, cerror, 0);
	/* Two syncs completed, both after the CERROR, the culprit's first */
	sync = fake_find(fake, FAKE_EV_SYNC, 0);
	KUNIT_EXPECT_GT(test, sync, cerror);
	KUNIT_EXPECT_EQ(test, fake->events[sync].cons,
			fake->events[cerror].cons);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_SYNC), 2);
}

/*
 * The SMMU's timeout (1.5 s) past the driver's poll (1 s): upstream's
 * CMD_SYNC wait gave up while the queue had not moved and no error was
 * logged, and its caller went on as if the ATC were clean. The wait goes
 * on (arm_smmu_cmdq_stalled()) until the SMMU reports: -EIO, at the
 * CERROR the SMMU raised by itself.
 */
static void cmdq_fake_timeout_past_the_wait(struct kunit *test)
{
	struct fake_smmu *fake = fake_smmu_create(test, 7, 1500, false);
	int cerror;

	fake_needs_atc_errs(test);
	KUNIT_EXPECT_EQ(test, fake_issue_atc_inv(test, fake, 7), -EIO);
	fake_smmu_destroy(fake);
	cerror = fake_find(fake, FAKE_EV_CERROR, 0);
	KUNIT_ASSERT_GE(test, cerror, 0);
	KUNIT_EXPECT_GE(test, fake_find(fake, FAKE_EV_SYNC, cerror), cerror);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CERROR), 1);
}

/*
 * The GERROR interrupt not delivered (masked, or every CPU spins with
 * interrupts off): after the CERROR nothing moves until software reads
 * GERROR and acknowledges. Upstream's waiter timed out; the stalled
 * waiter polls GERROR, runs the handler itself and gets -EIO.
 */
static void cmdq_fake_masked_irq_halts(struct kunit *test)
{
	struct fake_smmu *fake = fake_smmu_create(test, 7, 100, true);

	fake_needs_atc_errs(test);
	KUNIT_EXPECT_EQ(test, fake_issue_atc_inv(test, fake, 7), -EIO);
	fake_smmu_destroy(fake);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CERROR), 1);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_ACK), 1);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_SYNC), 1);
}

/* A batch of the flush path: ATC_INV to each StreamID, its own CMD_SYNC */
struct fake_batch {
	struct fake_smmu *fake;
	struct arm_smmu_cmdq_batch cmds;
	int ret;
	unsigned int nr;
	struct arm_smmu_atc_verdict verdicts[ARM_SMMU_ATC_VERDICTS];
	struct completion done;
};

/* Issues the batch and, as the flush path does, locates what failed */
static int fake_batch_fn(void *data)
{
	struct fake_batch *b = data;
	struct arm_smmu_device *smmu = &b->fake->smmu;

	b->ret = arm_smmu_cmdq_issue_cmdlist(smmu, b->cmds.cmdq, b->cmds.cmds,
					     b->cmds.num, true);
	b->nr = arm_smmu_atc_locate(smmu, &b->cmds, b->ret, b->verdicts);
	complete(&b->done);
	return 0;
}

/* Starts a batch of a TLBI and ATC_INVs to @sids on @cmdq, on @cpu */
static struct fake_batch *fake_batch_start_on(struct kunit *test,
					      struct fake_smmu *fake,
					      struct arm_smmu_cmdq *cmdq,
					      const u32 *sids, unsigned int nr,
					      unsigned int cpu)
{
	struct fake_batch *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct task_struct *t;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->fake = fake;
	b->cmds.cmdq = cmdq;
	/* The invalidation array puts the TLBIs first: not an ATC opcode */
	b->cmds.cmds[b->cmds.num++] = arm_smmu_make_cmd_tlbi(CMDQ_OP_TLBI_NH_ASID,
							     1, 0);
	for (i = 0; i < nr; i++)
		b->cmds.cmds[b->cmds.num++] =
			arm_smmu_make_cmd_atc_inv_all(sids[i], IOMMU_NO_PASID);
	b->cmds.atc_inv = true;
	init_completion(&b->done);
	t = kthread_create(fake_batch_fn, b, "fake-batch");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	kthread_bind(t, cpu);
	wake_up_process(t);
	return b;
}

/* The same on the SMMU's own queue */
static struct fake_batch *fake_batch_start(struct kunit *test,
					   struct fake_smmu *fake,
					   const u32 *sids, unsigned int nr,
					   unsigned int cpu)
{
	return fake_batch_start_on(test, fake, &fake->smmu.cmdq, sids, nr, cpu);
}

static void fake_batch_wait(struct fake_batch *b)
{
	wait_for_completion(&b->done);
}

/* The StreamIDs a batch blamed, as a bitmap of SIDs below 32 */
static u32 fake_blamed(struct fake_batch *b, enum iommu_ats_reason reason)
{
	u32 mask = 0;
	unsigned int i;

	for (i = 0; i < b->nr; i++)
		if (b->verdicts[i].reason == reason && b->verdicts[i].sid < 32)
			mask |= BIT(b->verdicts[i].sid);
	return mask;
}

/*
 * One StreamID in the batch: its sync's CERROR is about it alone (every
 * batch with ATC invalidations has its own sync), no probe is sent.
 */
static void cmdq_locate_single_sid(struct kunit *test)
{
	static const u32 sids[] = { 7 };
	struct fake_smmu *fake = fake_smmu_create(test, 7, 200, false);
	struct fake_batch *b;

	fake_needs_atc_errs(test);
	b = fake_batch_start(test, fake, sids, ARRAY_SIZE(sids), 0);
	fake_batch_wait(b);
	fake_smmu_destroy(fake);
	KUNIT_EXPECT_EQ(test, b->ret, -EIO);
	KUNIT_EXPECT_EQ(test, b->nr, 1);
	KUNIT_EXPECT_EQ(test, fake_blamed(b, IOMMU_ATS_TIMEOUT), BIT(7));
	KUNIT_EXPECT_EQ(test, atomic_read(&fake->nr_atc_inv), 1);
}

/*
 * Three StreamIDs, the SMMU's timeout past the driver's poll and its
 * interrupt masked, while another CPU flushes a bystander: each of the
 * batch's StreamIDs is probed alone, and only the stuck one is blamed.
 * Without the wait past the poll, the GERROR poll or the -EIO of a sync
 * that raised CERROR_ATC_INV_SYNC, the verdicts differ.
 */
static void __cmdq_locate_probes(struct kunit *test, unsigned int timeout_ms,
				 bool irq_masked)
{
	static const u32 sids[] = { 1, 7, 2 };
	static const u32 bystander[] = { 3 };
	struct fake_smmu *fake = fake_smmu_create(test, 7, timeout_ms,
						  irq_masked);
	struct fake_batch *b, *other;

	fake_needs_atc_errs(test);
	b = fake_batch_start(test, fake, sids, ARRAY_SIZE(sids), 0);
	while (!atomic_read(&fake->nr_atc_inv))
		usleep_range(100, 200);
	other = fake_batch_start(test, fake, bystander, 1, 1);
	fake_batch_wait(b);
	fake_batch_wait(other);
	fake_smmu_destroy(fake);

	KUNIT_EXPECT_EQ(test, b->ret, -EIO);
	KUNIT_EXPECT_EQ(test, b->nr, 1);
	KUNIT_EXPECT_EQ(test, fake_blamed(b, IOMMU_ATS_TIMEOUT), BIT(7));
	KUNIT_EXPECT_EQ(test, other->ret, 0);
	KUNIT_EXPECT_EQ(test, other->nr, 0);
	/* The batch's three, the bystander's one, a probe for each of three */
	KUNIT_EXPECT_EQ(test, atomic_read(&fake->nr_atc_inv), 7);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CERROR), 2);
}

static void cmdq_locate_probes(struct kunit *test)
{
	__cmdq_locate_probes(test, 200, false);
}

static void cmdq_locate_probes_timeout_past_the_wait_masked(struct kunit *test)
{
	__cmdq_locate_probes(test, 1500, true);
}

/*
 * Two CPUs flush the same domain, a stuck function (7) and one that
 * answers (1), and the SMMU's timeout is 6 s. FIFO: the second batch
 * completes 12 s after it was queued, and the first one's probe of 7 sits
 * behind it, so a wait bounded in time gave up on both (-ETIMEDOUT) and
 * suspected 1 as well. The queue moves between the stalls: the waits go
 * on, both batches get -EIO and both blame 7 alone, by its own probes.
 */
static void cmdq_locate_piled_up_stalls(struct kunit *test)
{
	static const u32 sids[] = { 7, 1 };
	struct fake_smmu *fake = fake_smmu_create(test, 7, 6000, false);
	struct fake_batch *first, *second;

	fake_needs_atc_errs(test);
	first = fake_batch_start(test, fake, sids, ARRAY_SIZE(sids), 0);
	while (!atomic_read(&fake->nr_atc_inv))
		usleep_range(100, 200);
	second = fake_batch_start(test, fake, sids, ARRAY_SIZE(sids), 1);
	fake_batch_wait(first);
	fake_batch_wait(second);
	fake_smmu_destroy(fake);

	KUNIT_EXPECT_EQ(test, first->ret, -EIO);
	KUNIT_EXPECT_EQ(test, second->ret, -EIO);
	KUNIT_EXPECT_EQ(test, first->nr, 1);
	KUNIT_EXPECT_EQ(test, second->nr, 1);
	KUNIT_EXPECT_EQ(test, fake_blamed(first, IOMMU_ATS_TIMEOUT), BIT(7));
	KUNIT_EXPECT_EQ(test, fake_blamed(second, IOMMU_ATS_TIMEOUT), BIT(7));
	/* Both batches' syncs and both probes of 7 */
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CERROR), 4);
}

/*
 * Three functions of five stop answering at once (a link that went):
 * each failed probe costs the SMMU's timeout, so after two the rest of
 * the batch is suspected unprobed; the one probed before them is not.
 */
static void cmdq_locate_stops_probing_after_two_fail(struct kunit *test)
{
	static const u32 sids[] = { 1, 7, 8, 9, 2 };
	struct fake_smmu *fake = fake_smmu_create(test, 7, 200, false);
	struct fake_batch *b;

	fake_needs_atc_errs(test);
	fake->stuck_nr = 3;
	b = fake_batch_start(test, fake, sids, ARRAY_SIZE(sids), 0);
	fake_batch_wait(b);
	fake_smmu_destroy(fake);

	KUNIT_EXPECT_EQ(test, b->ret, -EIO);
	KUNIT_EXPECT_EQ(test, b->nr, 4);
	KUNIT_EXPECT_EQ(test, fake_blamed(b, IOMMU_ATS_TIMEOUT),
			BIT(7) | BIT(8));
	KUNIT_EXPECT_EQ(test, fake_blamed(b, IOMMU_ATS_TIMEOUT_SUSPECT),
			BIT(9) | BIT(2));
	/* The batch's five and the probes of 1, 7 and 8 */
	KUNIT_EXPECT_EQ(test, atomic_read(&fake->nr_atc_inv), 8);
}

/*
 * A batch on a secondary queue (a tegra241 VCMDQ) that stalled and whose
 * error nobody handles in time: its sync keeps upstream's 1 s wait and
 * returns -ETIMEDOUT. Not a verdict on its StreamIDs: the probes run on
 * the SMMU's own queue, which answers, and blame the stuck one alone;
 * without them both were suspects.
 */
static void cmdq_locate_secondary_queue_timeout(struct kunit *test)
{
	static const u32 sids[] = { 7, 1 };
	struct fake_smmu *fake = fake_smmu_create(test, 7, 200, false);
	struct fake_batch *b;

	fake_needs_atc_errs(test);
	/* Registers of its own, past the SMMU's in the page */
	fake_cmdq_init(test, fake, &fake->vcmdq, SZ_2K, SZ_2K + 4);

	b = fake_batch_start_on(test, fake, &fake->vcmdq, sids,
				ARRAY_SIZE(sids), 0);
	fake_batch_wait(b);
	fake_smmu_destroy(fake);

	KUNIT_EXPECT_EQ(test, b->ret, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, b->nr, 1);
	KUNIT_EXPECT_EQ(test, fake_blamed(b, IOMMU_ATS_TIMEOUT), BIT(7));
	/* Only the probes reached the SMMU's queue */
	KUNIT_EXPECT_EQ(test, atomic_read(&fake->nr_atc_inv), 2);
}

static int fake_stream_cmp(struct rb_node *a, const struct rb_node *b)
{
	u32 sid_a = rb_entry(a, struct arm_smmu_stream, node)->id;
	u32 sid_b = rb_entry(b, struct arm_smmu_stream, node)->id;

	return sid_a < sid_b ? -1 : sid_a > sid_b;
}

/* A master with one stream, @sid, whose STE has EATS set */
struct fake_master {
	struct arm_smmu_master master;
	struct arm_smmu_stream stream;
	struct dev_iommu iommu;
	struct fake_smmu *fake;
	int ret;
	struct completion done;
	char name[32];
};

static void fake_master_release(void *data)
{
	struct fake_master *m = data;

	m->master.dev->iommu = NULL;
}

static struct fake_master *fake_master_create(struct kunit *test,
					      struct fake_smmu *fake, u32 sid)
{
	struct fake_master *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct device *dev;

	KUNIT_ASSERT_NOT_NULL(test, m);
	snprintf(m->name, sizeof(m->name), "arm-smmu-v3-fake-sid%u", sid);
	dev = kunit_device_register(test, m->name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	m->fake = fake;
	m->stream.id = sid;
	m->stream.master = &m->master;
	m->master.smmu = &fake->smmu;
	m->master.dev = dev;
	m->master.streams = &m->stream;
	m->master.num_streams = 1;
	/* What the driver's probe_device would have set up */
	m->iommu.priv = &m->master;
	dev->iommu = &m->iommu;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							fake_master_release,
							m), 0);
	fake->stes[sid].data[1] =
		cpu_to_le64(FIELD_PREP(STRTAB_STE_1_EATS,
				       STRTAB_STE_1_EATS_TRANS));
	return m;
}

/* The fence op, as the layer runs it: interrupts off */
static int fake_fencer_fn(void *data)
{
	struct fake_master *m = data;
	unsigned long flags;

	local_irq_save(flags);
	m->ret = arm_smmu_ats_fence(m->master.dev);
	local_irq_restore(flags);
	complete(&m->done);
	return 0;
}

/*
 * The fencer's thread is created before anything spins: kthreadd may be
 * queued on a CPU that then spins with interrupts off for seconds.
 */
static struct task_struct *fake_fencer_create(struct kunit *test,
					      struct fake_master *m)
{
	struct task_struct *t;

	init_completion(&m->done);
	t = kthread_create(fake_fencer_fn, m, "fake-fencer");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	kthread_bind(t, 0);
	return t;
}

/* Runs the fence on CPU 0 and waits for it */
static int fake_fence(struct fake_master *m, struct task_struct *fencer)
{
	wake_up_process(fencer);
	wait_for_completion(&m->done);
	return m->ret;
}

/*
 * The fence runs while the culprit's batch is stalled on another CPU: its
 * own CFGI_STE and CMD_SYNC queue behind the stuck invalidation (FIFO).
 * The SMMU consumes them only after its CERROR, reads an STE with EATS
 * clear, and the fence's sync completes after that: the fence is done (0).
 */
static void cmdq_fence_queues_behind_the_stuck_one(struct kunit *test)
{
	static const u32 sids[] = { 7 };
	struct fake_smmu *fake = fake_smmu_create(test, 7, 300, false);
	struct fake_master *m = fake_master_create(test, fake, 7);
	struct task_struct *fencer = fake_fencer_create(test, m);
	struct fake_batch *b;
	int cerror, cfgi, sync;
	u64 eats;

	fake_needs_atc_errs(test);
	b = fake_batch_start(test, fake, sids, ARRAY_SIZE(sids), 1);
	while (!atomic_read(&fake->nr_atc_inv))
		usleep_range(100, 200);
	KUNIT_EXPECT_EQ(test, fake_fence(m, fencer), 0);
	fake_batch_wait(b);
	fake_smmu_destroy(fake);

	KUNIT_EXPECT_EQ(test, b->ret, -EIO);
	eats = FIELD_GET(STRTAB_STE_1_EATS, le64_to_cpu(fake->stes[7].data[1]));
	KUNIT_EXPECT_EQ(test, eats, 0);
	cerror = fake_find(fake, FAKE_EV_CERROR, 0);
	KUNIT_ASSERT_GE(test, cerror, 0);
	cfgi = fake_find(fake, FAKE_EV_CFGI_EATS_OFF, cerror);
	KUNIT_ASSERT_GT(test, cfgi, cerror);
	sync = fake_find(fake, FAKE_EV_SYNC, cfgi);
	KUNIT_EXPECT_GT(test, sync, cfgi);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CFGI_EATS_ON), 0);
}

/*
 * The SMMU never gives up on the stuck invalidation: the fence's
 * commands are never consumed, and a fence whose CFGI_STE did not reach
 * the SMMU is no fence (the layer then clears Bus Master Enable).
 */
static void cmdq_fence_never_consumed_fails(struct kunit *test)
{
	static const u32 sids[] = { 7 };
	struct fake_smmu *fake = fake_smmu_create(test, 7, 0, false);
	struct fake_master *m = fake_master_create(test, fake, 7);
	struct task_struct *fencer = fake_fencer_create(test, m);
	struct fake_batch *b;

	fake_needs_atc_errs(test);
	b = fake_batch_start(test, fake, sids, ARRAY_SIZE(sids), 1);
	while (!atomic_read(&fake->nr_atc_inv))
		usleep_range(100, 200);
	KUNIT_EXPECT_EQ(test, fake_fence(m, fencer), -ETIMEDOUT);
	fake_batch_wait(b);
	fake_smmu_destroy(fake);

	KUNIT_EXPECT_EQ(test, b->ret, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CFGI_EATS_OFF) +
			fake_nr(fake, FAKE_EV_CFGI_EATS_ON), 0);
}

/*
 * For a case that spins on the queue from its own thread (a flush, a
 * report whose fence waits for its sync): off the model's CPU, which it
 * would starve with interrupts off.
 */
static void fake_move_off_model_cpu(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(0)), 0);
}

/* The layer fences a device through the driver's op, on the model */
static int fake_layer_fence(struct device *dev)
{
	return arm_smmu_ats_fence(dev);
}

static const struct iommu_ats_backend fake_layer_backend = {
	.fence = fake_layer_fence,
};

static void fake_layer_release(void *data)
{
	iommu_ats_release_device(data);
}

/* @m's device known to the layer, its stream in the SMMU's stream tree */
static struct iommu_ats_dev *fake_master_publish(struct kunit *test,
						 struct fake_master *m)
{
	struct iommu_ats_dev *ad;

	ad = iommu_ats_add_device(m->master.dev, &fake_layer_backend);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ad);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_layer_release,
							m->master.dev), 0);
	rb_find_add(&m->stream.node, &m->fake->smmu.streams, fake_stream_cmp);
	return ad;
}

/* Queues @nr events @id of @sid in the event queue */
static void fake_evtq_add(struct fake_smmu *fake, u8 id, u32 sid,
			  unsigned int nr)
{
	struct arm_smmu_queue *q = &fake->smmu.evtq.q;
	u32 *prod = (__force u32 *)q->prod_reg;
	__le64 *ent;

	while (nr--) {
		ent = &q->base[(*prod & ((1 << FAKE_Q_SHIFT) - 1)) * EVTQ_ENT_DWORDS];
		memset(ent, 0, EVTQ_ENT_DWORDS << 3);
		ent[0] = cpu_to_le64(FIELD_PREP(EVTQ_0_ID, id) |
				     FIELD_PREP(EVTQ_0_SID, sid));
		/* Index and wrap bit: fewer than two queues' worth at once */
		*prod = (*prod + 1) & ((2 << FAKE_Q_SHIFT) - 1);
	}
}

/*
 * A fenced function keeps sending translated requests and translation
 * requests, which the SMMU refuses with F_TRANSL_FORBIDDEN and
 * F_BAD_ATS_TREQ: the event queue thread counts them for the layer and
 * drops them, so they cannot use up the log's rate limit. The same events
 * of a master that is not fenced, and the fenced master's other events,
 * are not the fence's: not counted, logged as before.
 */
static void cmdq_evtq_fenced_master_counted(struct kunit *test)
{
	struct fake_smmu *fake = fake_smmu_create(test, FAKE_NO_SID, 0, false);
	struct fake_master *culprit = fake_master_create(test, fake, 7);
	struct fake_master *bystander = fake_master_create(test, fake, 3);
	struct iommu_ats_dev *ad_culprit = fake_master_publish(test, culprit);
	struct iommu_ats_dev *ad_bystander = fake_master_publish(test, bystander);
	struct arm_smmu_queue *q = &fake->smmu.evtq.q;

	fake_move_off_model_cpu(test);

	q->llq.max_n_shift = FAKE_Q_SHIFT;
	q->ent_dwords = EVTQ_ENT_DWORDS;
	q->base = kunit_kzalloc(test, (EVTQ_ENT_DWORDS << 3) << FAKE_Q_SHIFT,
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q->base);
	q->prod_reg = (__force u32 __iomem *)fake_reg(fake, SZ_2K + 8);
	q->cons_reg = (__force u32 __iomem *)fake_reg(fake, SZ_2K + 12);

	KUNIT_ASSERT_TRUE(test, iommu_ats_report_timeout(culprit->master.dev,
							 IOMMU_ATS_TIMEOUT));
	KUNIT_ASSERT_TRUE(test, iommu_ats_fenced(culprit->master.dev));

	fake_evtq_add(fake, EVT_ID_TRANSL_FORBIDDEN, 7, 150);
	fake_evtq_add(fake, EVT_ID_BAD_ATS_TREQ, 7, 50);
	fake_evtq_add(fake, EVT_ID_TRANSLATION_FAULT, 7, 1);
	fake_evtq_add(fake, EVT_ID_TRANSL_FORBIDDEN, 3, 2);
	fake_evtq_add(fake, EVT_ID_BAD_ATS_TREQ, 3, 1);
	KUNIT_EXPECT_EQ(test, arm_smmu_evtq_thread(0, &fake->smmu), IRQ_HANDLED);
	fake_smmu_destroy(fake);

	KUNIT_EXPECT_EQ(test, q->llq.cons, 204U);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ad_culprit->nr_refused), 200L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ad_bystander->nr_refused), 0L);
}

/* The stuck function's master, fenced through the layer on the model */
static struct fake_master *fake_culprit_create(struct kunit *test,
					       struct fake_smmu *fake)
{
	struct fake_master *m = fake_master_create(test, fake, 7);

	fake_master_publish(test, m);
	return m;
}

static u64 fake_ste_eats(struct fake_smmu *fake, u32 sid)
{
	return FIELD_GET(STRTAB_STE_1_EATS, le64_to_cpu(fake->stes[sid].data[1]));
}

/*
 * Batches are classified by content (review finding 11): 7.3's
 * invalidation array puts an unmap's TLBIs first and its ATC
 * invalidations after. Built with the driver's own batch helpers, such a
 * batch ends with its own CMD_SYNC; the stuck function's error there is
 * settled in the flush: the function is fenced (the SMMU has read its
 * STE with EATS clear when the flush returns) and the flush is told it
 * succeeded.
 */
static void cmdq_batch_tlbi_first_settles(struct kunit *test)
{
	struct fake_smmu *fake = fake_smmu_create(test, 7, 100, false);
	struct fake_master *m = fake_culprit_create(test, fake);
	struct arm_smmu_cmd tlbi = arm_smmu_make_cmd_tlbi(CMDQ_OP_TLBI_NH_ASID,
							  1, 0);
	struct arm_smmu_cmd atc = arm_smmu_make_cmd_atc_inv_all(7, IOMMU_NO_PASID);
	struct arm_smmu_cmdq_batch cmds;
	int fenced_seen;

	fake_move_off_model_cpu(test);

	fake_needs_atc_errs(test);
	arm_smmu_cmdq_batch_init_cmd(&fake->smmu, &cmds, &tlbi);
	arm_smmu_cmdq_batch_add_cmd_p(&fake->smmu, &cmds, &tlbi);
	arm_smmu_cmdq_batch_add_cmd_p(&fake->smmu, &cmds, &atc);
	KUNIT_EXPECT_EQ(test, arm_smmu_cmdq_batch_submit(&fake->smmu, &cmds), 0);
	/* The flush returned: the SMMU has read the STE with EATS clear */
	fenced_seen = fake_nr(fake, FAKE_EV_CFGI_EATS_OFF);
	fake_smmu_destroy(fake);

	KUNIT_EXPECT_EQ(test, fenced_seen, 1);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(m->master.dev));
	KUNIT_EXPECT_EQ(test, fake_ste_eats(fake, 7), 0);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CERROR), 1);
}

/*
 * A batch with an ATC invalidation that fills up is issued with a
 * CMD_SYNC of its own (upstream issued a full batch without one): the
 * error is its own and settled there, not raised at the next batch's
 * sync, whose waiter would take it for a failure of its TLBIs.
 */
static void cmdq_batch_full_ends_with_its_sync(struct kunit *test)
{
	struct fake_smmu *fake = fake_smmu_create(test, 7, 100, false);
	struct fake_master *m = fake_culprit_create(test, fake);
	struct arm_smmu_cmd atc = arm_smmu_make_cmd_atc_inv_all(7, IOMMU_NO_PASID);
	struct arm_smmu_cmd tlbi = arm_smmu_make_cmd_tlbi(CMDQ_OP_TLBI_NH_ASID,
							  1, 0);
	struct arm_smmu_cmdq_batch cmds;
	int i;

	fake_move_off_model_cpu(test);

	fake_needs_atc_errs(test);
	arm_smmu_cmdq_batch_init_cmd(&fake->smmu, &cmds, &atc);
	arm_smmu_cmdq_batch_add_cmd_p(&fake->smmu, &cmds, &atc);
	/* The 64th TLBI finds the batch full: it goes out before it */
	for (i = 0; i < CMDQ_BATCH_ENTRIES; i++)
		arm_smmu_cmdq_batch_add_cmd_p(&fake->smmu, &cmds, &tlbi);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CFGI_EATS_OFF), 1);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(m->master.dev));
	KUNIT_EXPECT_EQ(test, cmds.num, 1);
	KUNIT_EXPECT_EQ(test, arm_smmu_cmdq_batch_submit(&fake->smmu, &cmds), 0);
	fake_smmu_destroy(fake);

	KUNIT_EXPECT_EQ(test, fake_ste_eats(fake, 7), 0);
	KUNIT_EXPECT_EQ(test, fake_nr(fake, FAKE_EV_CERROR), 1);
}

/*
 * The record: one mark a queue slot. A sync's waiter sees only the mark of
 * its own slot, however many other syncs raised the error meanwhile (a
 * ring of the last eight records said yes past eight, and a batch of one
 * StreamID was then blamed without a probe, though it had answered); a
 * mark left by a sync whose waiter gave up is forgotten when the slot is
 * reserved again; a mark is seen once.
 */
static void cmdq_atc_errs_per_slot(struct kunit *test)
{
	unsigned long slots[BITS_TO_LONGS(1 << FAKE_Q_SHIFT)] = {};
	struct arm_smmu_atc_errs errs = { .slots = slots };
	int i;

	fake_needs_atc_errs(test);

	arm_smmu_atc_err_reserve(&errs, 5);
	arm_smmu_atc_err_record(&errs, 6);
	KUNIT_EXPECT_FALSE(test, arm_smmu_atc_err_at(&errs, 5));
	KUNIT_EXPECT_TRUE(test, arm_smmu_atc_err_at(&errs, 6));
	KUNIT_EXPECT_FALSE(test, arm_smmu_atc_err_at(&errs, 6));

	arm_smmu_atc_err_reserve(&errs, 5);
	for (i = 0; i < 64; i++)
		arm_smmu_atc_err_record(&errs, 100 + i);
	KUNIT_EXPECT_FALSE(test, arm_smmu_atc_err_at(&errs, 5));
	arm_smmu_atc_err_reserve(&errs, 5);
	arm_smmu_atc_err_record(&errs, 5);
	KUNIT_EXPECT_TRUE(test, arm_smmu_atc_err_at(&errs, 5));

	arm_smmu_atc_err_record(&errs, 7);
	arm_smmu_atc_err_reserve(&errs, 7);
	KUNIT_EXPECT_FALSE(test, arm_smmu_atc_err_at(&errs, 7));
}

static struct kunit_case arm_smmu_v3_cmdq_cases[] = {
	KUNIT_CASE(cmdq_atc_errs_per_slot),
	KUNIT_CASE(cmdq_fake_answered),
	KUNIT_CASE(cmdq_fake_cerror_at_the_sync),
	KUNIT_CASE(cmdq_fake_bystander_stalls_behind),
	KUNIT_CASE_SLOW(cmdq_fake_timeout_past_the_wait),
	KUNIT_CASE_SLOW(cmdq_fake_masked_irq_halts),
	KUNIT_CASE(cmdq_locate_single_sid),
	KUNIT_CASE(cmdq_locate_probes),
	KUNIT_CASE_SLOW(cmdq_locate_probes_timeout_past_the_wait_masked),
	KUNIT_CASE_SLOW(cmdq_locate_piled_up_stalls),
	KUNIT_CASE(cmdq_locate_stops_probing_after_two_fail),
	KUNIT_CASE_SLOW(cmdq_locate_secondary_queue_timeout),
	KUNIT_CASE(cmdq_fence_queues_behind_the_stuck_one),
	KUNIT_CASE_SLOW(cmdq_fence_never_consumed_fails),
	KUNIT_CASE(cmdq_evtq_fenced_master_counted),
	KUNIT_CASE(cmdq_batch_tlbi_first_settles),
	KUNIT_CASE(cmdq_batch_full_ends_with_its_sync),
	{},
};

static struct kunit_suite arm_smmu_v3_cmdq_suite = {
	.name = "arm-smmu-v3-cmdq",
	.test_cases = arm_smmu_v3_cmdq_cases,
};

kunit_test_suites(&arm_smmu_v3_cmdq_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit: SMMUv3 command queue against a model of the hardware");
MODULE_LICENSE("GPL");
