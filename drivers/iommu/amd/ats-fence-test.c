// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the pure parts of the AMD-Vi ATS fence: the IOMMU's own
 * invalidation timeout, how long a waiter waits for a stalled command
 * buffer, which devices the event log names (with the event log thread
 * consuming entries on another CPU), and the entries a fence writes.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched/clock.h>

#include "amd_iommu.h"
#include "ats-fence.h"
#include "../ats-recovery/internal.h"

#define NSEC_PER_100MS	(100 * NSEC_PER_MSEC)

static void amd_ats_inv_timeout_from_control(struct kunit *test)
{
	u64 other = BIT_ULL(0) | BIT_ULL(12);	/* IommuEn, others: ignored */

	KUNIT_EXPECT_EQ(test, amd_ats_inv_timeout_ns(other |
			(u64)CTRL_INV_TO_1S << CONTROL_INV_TIMEOUT), NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, amd_ats_inv_timeout_ns((u64)CTRL_INV_TO_100MS <<
						     CONTROL_INV_TIMEOUT),
			NSEC_PER_100MS);
	KUNIT_EXPECT_EQ(test, amd_ats_inv_timeout_ns((u64)CTRL_INV_TO_100S <<
						     CONTROL_INV_TIMEOUT),
			100 * NSEC_PER_SEC);
	/* None: the IOMMU never gives up, so neither does it free the wait */
	KUNIT_EXPECT_EQ(test, amd_ats_inv_timeout_ns(other), 0ULL);
	KUNIT_EXPECT_EQ(test, amd_ats_inv_timeout_ns(7ULL << CONTROL_INV_TIMEOUT), 0ULL);
}

/*
 * A stuck device holds the buffer for the IOMMU's timeout (1 s), not the
 * 100 ms upstream waits; each timeout that moves the head starts another.
 */
static void amd_ats_stall_waits_out_the_iommu(struct kunit *test)
{
	struct amd_ats_stall stall = {};
	u64 t = 5 * NSEC_PER_SEC;

	KUNIT_EXPECT_TRUE(test, amd_ats_stall_ongoing(&stall, 0x40, t, NSEC_PER_SEC));
	KUNIT_EXPECT_TRUE(test, amd_ats_stall_ongoing(&stall, 0x40, t + 5 * NSEC_PER_100MS,
						      NSEC_PER_SEC));
	KUNIT_EXPECT_TRUE(test, amd_ats_stall_ongoing(&stall, 0x40, t + 9 * NSEC_PER_100MS,
						      NSEC_PER_SEC));
	/* The IOMMU's timeout passed without progress: a stall of another kind */
	KUNIT_EXPECT_FALSE(test, amd_ats_stall_ongoing(&stall, 0x40, t + NSEC_PER_SEC,
						       NSEC_PER_SEC));

	/* A second stuck invalidation behind the first gets its own timeout */
	stall = (struct amd_ats_stall){};
	KUNIT_EXPECT_TRUE(test, amd_ats_stall_ongoing(&stall, 0x40, t, NSEC_PER_SEC));
	KUNIT_EXPECT_TRUE(test, amd_ats_stall_ongoing(&stall, 0x60, t + NSEC_PER_SEC,
						      NSEC_PER_SEC));
	KUNIT_EXPECT_TRUE(test, amd_ats_stall_ongoing(&stall, 0x60,
						      t + 19 * NSEC_PER_100MS,
						      NSEC_PER_SEC));
	KUNIT_EXPECT_FALSE(test, amd_ats_stall_ongoing(&stall, 0x60, t + 2 * NSEC_PER_SEC,
						       NSEC_PER_SEC));

	/* InvTimeOut = none: upstream's one round, then the error */
	stall = (struct amd_ats_stall){};
	KUNIT_EXPECT_FALSE(test, amd_ats_stall_ongoing(&stall, 0x40, t, 0));
}

#define LOG_ENTRIES	8
#define LOG_SIZE	(LOG_ENTRIES * EVTLOG_ENTRY_SIZE)

struct fake_log {
	u32 ev[LOG_ENTRIES][4];
	u32 head;	/* the head register, in bytes */
};

static u32 fake_read_head(void *ctx)
{
	return READ_ONCE(((struct fake_log *)ctx)->head);
}

static void fake_event(struct fake_log *log, unsigned int slot, u32 type,
		       u16 devid)
{
	log->ev[slot][0] = devid;
	log->ev[slot][2] = 0x1000;
	WRITE_ONCE(log->ev[slot][1], type << EVENT_TYPE_SHIFT);
}

static unsigned int fake_scan(struct fake_log *log, u32 tail, u16 *devids,
			      unsigned int max)
{
	return amd_ats_evtlog_timeouts(log->ev, LOG_SIZE, fake_read_head(log),
				       tail, fake_read_head, log, devids, max);
}

/* Only IOTLB_INV_TIMEOUT names a device; each once; the ring wraps */
static void amd_ats_evtlog_names_timeouts_only(struct kunit *test)
{
	struct fake_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	u16 devids[4] = {};

	KUNIT_ASSERT_NOT_NULL(test, log);
	log->head = 5 * EVTLOG_ENTRY_SIZE;
	fake_event(log, 5, EVENT_TYPE_IO_FAULT, 0x0300);
	fake_event(log, 6, EVENT_TYPE_IOTLB_INV_TO, 0x0108);
	fake_event(log, 7, EVENT_TYPE_ILL_CMD, 0x0200);
	fake_event(log, 0, EVENT_TYPE_IOTLB_INV_TO, 0x0108);
	fake_event(log, 1, EVENT_TYPE_IOTLB_INV_TO, 0x0118);
	fake_event(log, 2, EVENT_TYPE_IOTLB_INV_TO, 0x0120);	/* past the tail */

	KUNIT_EXPECT_EQ(test, fake_scan(log, 2 * EVTLOG_ENTRY_SIZE, devids, 4), 2U);
	KUNIT_EXPECT_EQ(test, devids[0], 0x0108);
	KUNIT_EXPECT_EQ(test, devids[1], 0x0118);

	/* An empty log, and a log with nothing but other events */
	KUNIT_EXPECT_EQ(test, fake_scan(log, log->head, devids, 4), 0U);
	KUNIT_EXPECT_EQ(test, fake_scan(log, 6 * EVTLOG_ENTRY_SIZE, devids, 4), 0U);
	/* No room: the first ones */
	KUNIT_EXPECT_EQ(test, fake_scan(log, 3 * EVTLOG_ENTRY_SIZE, devids, 1), 1U);
	KUNIT_EXPECT_EQ(test, devids[0], 0x0108);
}

struct late_writer {
	struct fake_log *log;
	struct completion started;
};

static int late_write_fn(void *data)
{
	struct late_writer *w = data;

	complete(&w->started);
	mdelay(2);
	fake_event(w->log, 1, EVENT_TYPE_IOTLB_INV_TO, 0x0140);
	return 0;
}

/*
 * The IOMMU may move the tail before the entry reaches memory (erratum
 * 732): an entry of zeroes the thread has not consumed is read again.
 * One it has consumed (the head moved past it) is not waited for.
 */
static void amd_ats_evtlog_waits_for_late_entry(struct kunit *test)
{
	struct fake_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	struct late_writer w = { .log = log };
	struct task_struct *t;
	u16 devids[2] = {};

	KUNIT_ASSERT_NOT_NULL(test, log);
	fake_event(log, 0, EVENT_TYPE_IO_FAULT, 0x0300);
	init_completion(&w.started);
	t = kthread_run(late_write_fn, &w, "amd-ats-late-evt");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	wait_for_completion(&w.started);
	KUNIT_EXPECT_EQ(test, fake_scan(log, 2 * EVTLOG_ENTRY_SIZE, devids, 2), 1U);
	KUNIT_EXPECT_EQ(test, devids[0], 0x0140);

	/* Slot 1 consumed and cleared, head moved on: skipped */
	memset(log->ev[1], 0, sizeof(log->ev[1]));
	log->head = 2 * EVTLOG_ENTRY_SIZE;
	fake_event(log, 2, EVENT_TYPE_IOTLB_INV_TO, 0x0150);
	KUNIT_EXPECT_EQ(test, amd_ats_evtlog_timeouts(log->ev, LOG_SIZE,
						      1 * EVTLOG_ENTRY_SIZE,
						      3 * EVTLOG_ENTRY_SIZE,
						      fake_read_head, log,
						      devids, 2), 1U);
	KUNIT_EXPECT_EQ(test, devids[0], 0x0150);
}

#define TEAR_ROUNDS	2000
#define TEAR_DEVID	0x0108

struct evt_thread {
	struct fake_log *log;
	raw_spinlock_t *lock;
	struct completion done;
	bool stop;
};

/* Busy for @ns, as a CPU with interrupts off would be */
static void fake_spin_ns(u64 ns)
{
	u64 end = local_clock() + ns;

	while (local_clock() < end)
		cpu_relax();
}

/*
 * The event log thread, as iommu_poll_events() runs it: an
 * IOTLB_INV_TIMEOUT entry is settled under the lock, then the entry is
 * cleared (slowly here, the device ID first: the order of upstream's
 * memset is the compiler's) and the head moves on. The IOMMU refills.
 */
static int evt_thread_fn(void *data)
{
	struct evt_thread *et = data;
	struct fake_log *log = et->log;
	unsigned long flags;
	unsigned int slot;
	int round;

	for (round = 0; round < TEAR_ROUNDS && !READ_ONCE(et->stop); round++) {
		slot = round % LOG_ENTRIES;
		fake_event(log, slot, EVENT_TYPE_IOTLB_INV_TO, TEAR_DEVID);
		raw_spin_lock_irqsave(et->lock, flags);
		amd_ats_evt_settled(et->lock, log->ev[slot]);
		raw_spin_unlock_irqrestore(et->lock, flags);
		WRITE_ONCE(log->ev[slot][0], 0);
		fake_spin_ns(20 * NSEC_PER_USEC);
		WRITE_ONCE(log->ev[slot][1], 0);
		WRITE_ONCE(log->head, ((slot + 1) % LOG_ENTRIES) * EVTLOG_ENTRY_SIZE);
	}
	complete(&et->done);
	return 0;
}

/*
 * A waiter reads the log under the lock while the thread consumes it on
 * another CPU: it never takes a half-cleared IOTLB_INV_TIMEOUT for a
 * timeout of device 0000.
 */
static void amd_ats_evtlog_scan_never_tears(struct kunit *test)
{
	struct fake_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	struct evt_thread et = { .log = log };
	unsigned int nr, i, torn = 0, named = 0;
	struct task_struct *t;
	raw_spinlock_t lock;
	unsigned long flags;
	u16 devids[LOG_ENTRIES];
	u32 head;

	KUNIT_ASSERT_NOT_NULL(test, log);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	/* On the stack: lockdep needs the key raw_spin_lock_init() gives it */
	raw_spin_lock_init(&lock);
	et.lock = &lock;
	init_completion(&et.done);
	t = kthread_create(evt_thread_fn, &et, "amd-ats-evt-thread");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	/* The reader stays here, the thread runs on another CPU */
	migrate_disable();
	kthread_bind(t, cpumask_any_but(cpu_online_mask, raw_smp_processor_id()));
	wake_up_process(t);

	while (!completion_done(&et.done)) {
		raw_spin_lock_irqsave(&lock, flags);
		head = fake_read_head(log);
		/* The entry the thread works on, or is about to get */
		nr = amd_ats_evtlog_timeouts(log->ev, LOG_SIZE, head,
					     (head + EVTLOG_ENTRY_SIZE) % LOG_SIZE,
					     fake_read_head, log, devids,
					     ARRAY_SIZE(devids));
		raw_spin_unlock_irqrestore(&lock, flags);
		for (i = 0; i < nr; i++) {
			named++;
			if (devids[i] != TEAR_DEVID)
				torn++;
		}
		cond_resched();
	}
	migrate_enable();
	wait_for_completion(&et.done);
	kunit_info(test, "%u device IDs read, %u torn\n", named, torn);
	KUNIT_EXPECT_EQ(test, torn, 0U);
}

/* The fence blocks the device's entry, its IVRS alias and its DMA aliases */
static void amd_ats_fence_entries(struct kunit *test)
{
	u16 devids[4] = {};

	KUNIT_EXPECT_EQ(test, amd_ats_blocked_devids(NULL, 0x0108, 0x0108, devids, 4), 1U);
	KUNIT_EXPECT_EQ(test, devids[0], 0x0108);
	KUNIT_EXPECT_EQ(test, amd_ats_blocked_devids(NULL, 0x0108, 0x0100, devids, 4), 2U);
	KUNIT_EXPECT_EQ(test, devids[0], 0x0108);
	KUNIT_EXPECT_EQ(test, devids[1], 0x0100);
	KUNIT_EXPECT_EQ(test, amd_ats_blocked_devids(NULL, 0x0108, 0x0100, devids, 1), 1U);
}

/*
 * A model of the IOMMU's command buffer, on a CPU of its own, for the
 * driver's own completion wait and IOTLB flush: commands are consumed in
 * order; an INV_IOTLB_PAGES to the stuck function is not answered, and a
 * COMPLETION_WAIT behind it holds the buffer until the IOMMU's timeout,
 * at which the IOMMU logs IOTLB_INV_TIMEOUT and takes the invalidation as
 * done (spec 48882, 2.4.1, 2.4.4). Registers are plain memory.
 */
#define FAKE_STUCK	0x0100
#define FAKE_BYSTANDER	0x0200
#define FAKE_ALIAS	0x00f8
#define FAKE_TIMEOUT_NS	(300 * NSEC_PER_MSEC)	/* past the 100 ms round */
#define FAKE_NR_LOG	64

struct fake_dev {
	struct iommu_dev_data data;
	struct dev_iommu dev_iommu;
	struct device *dev;
};

struct fake_amd {
	struct amd_iommu iommu;
	struct amd_iommu_pci_seg seg;
	u8 *mmio;
	u64 sem;
	struct fake_dev culprit, bystander;
	struct task_struct *thread;
	bool stop;
	u64 stalled_until;		/* the stuck invalidation's timeout */
	/* What the model consumed, in order: type << 16 | DeviceID */
	u32 log[FAKE_NR_LOG];
	unsigned int nr_log;
};

static u32 *fake_reg(struct fake_amd *f, unsigned int off)
{
	return (u32 *)(f->mmio + off);
}

static void fake_log_timeout(struct fake_amd *f, u16 devid)
{
	u32 tail = READ_ONCE(*fake_reg(f, MMIO_EVT_TAIL_OFFSET));
	u32 *event = (u32 *)(f->iommu.evt_buf + tail);

	event[0] = devid;
	event[2] = 0x1000;
	/* The entry, then its type, then the tail: the driver reads backwards */
	smp_wmb();
	WRITE_ONCE(event[1], EVENT_TYPE_IOTLB_INV_TO << EVENT_TYPE_SHIFT);
	/* The entry before the tail that publishes it */
	smp_wmb();
	WRITE_ONCE(*fake_reg(f, MMIO_EVT_TAIL_OFFSET),
		   (tail + EVTLOG_ENTRY_SIZE) % amd_iommu_evtlog_size);
}

static int fake_amd_fn(void *data)
{
	struct fake_amd *f = data;
	struct iommu_cmd *cmd;
	u32 head, type, devid;

	while (!READ_ONCE(f->stop)) {
		head = READ_ONCE(*fake_reg(f, MMIO_CMD_HEAD_OFFSET));
		if (head == READ_ONCE(*fake_reg(f, MMIO_CMD_TAIL_OFFSET))) {
			cond_resched();
			continue;
		}
		/* The tail register is written after the command */
		smp_rmb();
		cmd = (struct iommu_cmd *)(f->iommu.cmd_buf + head);
		type = cmd->data[1] >> 28;
		devid = cmd->data[0] & 0xffff;
		if (type == CMD_COMPL_WAIT && f->stalled_until) {
			if (local_clock() < f->stalled_until) {
				cond_resched();
				continue;
			}
			f->stalled_until = 0;
			fake_log_timeout(f, FAKE_STUCK);
		}
		if (f->nr_log < FAKE_NR_LOG)
			f->log[f->nr_log++] = type << 16 | (type == CMD_COMPL_WAIT ? 0 : devid);
		if (type == CMD_INV_IOTLB_PAGES && devid == FAKE_STUCK &&
		    !f->stalled_until)
			f->stalled_until = local_clock() + FAKE_TIMEOUT_NS;
		if (type == CMD_COMPL_WAIT) {
			/* The store, then the head */
			WRITE_ONCE(f->sem, cmd->data[2] | (u64)cmd->data[3] << 32);
			/* The completion store before the head moves past it */
			smp_wmb();
		}
		WRITE_ONCE(*fake_reg(f, MMIO_CMD_HEAD_OFFSET),
			   (head + sizeof(*cmd)) % CMD_BUFFER_SIZE);
	}
	return 0;
}

static int fake_amd_fence(struct device *dev)
{
	return amd_iommu_ats_fence(dev);
}

static const struct iommu_ats_backend fake_amd_backend = {
	.fence = fake_amd_fence,
};

static void fake_dev_release(void *data)
{
	iommu_ats_release_device(data);
}

static void fake_dev_create(struct kunit *test, struct fake_amd *f,
			    struct fake_dev *d, u16 devid, const char *name)
{
	d->dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, d->dev);
	d->data.devid = devid;
	d->data.dev = d->dev;
	d->data.ats_enabled = 1;
	d->data.ats_qdep = 32;
	spin_lock_init(&d->data.dte_lock);
	d->dev_iommu.iommu_dev = &f->iommu.iommu;
	d->dev_iommu.priv = &d->data;
	d->dev->iommu = &d->dev_iommu;
	llist_add(&d->data.dev_data_list, &f->seg.dev_data_list);
	amd_ats_probe_device(&d->data, d->dev);
	f->seg.alias_table[devid] = devid;
	/* Translating, with ATS */
	f->seg.dev_table[devid].data[0] = DTE_FLAG_V | DTE_FLAG_TV;
	f->seg.dev_table[devid].data[1] = DTE_FLAG_IOTLB;
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, iommu_ats_add_device(d->dev,
								&fake_amd_backend));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_dev_release,
							d->dev), 0);
}

static void fake_amd_stop(void *data)
{
	struct fake_amd *f = data;

	WRITE_ONCE(f->stop, true);
	kthread_stop(f->thread);
}

static struct fake_amd *fake_amd_create(struct kunit *test)
{
	struct fake_amd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs: the model spins on one");
	f->mmio = kunit_kzalloc(test, SZ_16K, GFP_KERNEL);
	f->iommu.cmd_buf = kunit_kzalloc(test, CMD_BUFFER_SIZE, GFP_KERNEL);
	f->iommu.evt_buf = kunit_kzalloc(test, amd_iommu_evtlog_size, GFP_KERNEL);
	f->seg.dev_table = kunit_kcalloc(test, 1 << 16, sizeof(*f->seg.dev_table),
					 GFP_KERNEL);
	f->seg.alias_table = kunit_kcalloc(test, 1 << 16, sizeof(u16), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->mmio);
	KUNIT_ASSERT_NOT_NULL(test, f->iommu.cmd_buf);
	KUNIT_ASSERT_NOT_NULL(test, f->iommu.evt_buf);
	KUNIT_ASSERT_NOT_NULL(test, f->seg.dev_table);
	KUNIT_ASSERT_NOT_NULL(test, f->seg.alias_table);
	f->iommu.mmio_base = (u8 __iomem __force *)f->mmio;
	f->iommu.pci_seg = &f->seg;
	f->iommu.cmd_sem = &f->sem;
	raw_spin_lock_init(&f->iommu.lock);
	amd_ats_init_iommu(&f->iommu);
	/* What Linux programs: 1 s */
	*(u64 *)(f->mmio + MMIO_CONTROL_OFFSET) =
		(u64)CTRL_INV_TO_1S << CONTROL_INV_TIMEOUT;

	fake_dev_create(test, f, &f->culprit, FAKE_STUCK, "amd-ats-fake-stuck");
	fake_dev_create(test, f, &f->bystander, FAKE_BYSTANDER,
			"amd-ats-fake-bystander");
	/* The culprit has an IVRS alias: the fence blocks its entry too */
	f->seg.alias_table[FAKE_STUCK] = FAKE_ALIAS;
	f->seg.dev_table[FAKE_ALIAS] = f->seg.dev_table[FAKE_STUCK];

	/*
	 * The model on CPU 1, the test (whose waits spin with interrupts off
	 * in a fence) on CPU 0
	 */
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(0)), 0);
	f->thread = kthread_create(fake_amd_fn, f, "amd-ats-fake-iommu");
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->thread));
	kthread_bind(f->thread, 1);
	wake_up_process(f->thread);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_amd_stop, f), 0);
	return f;
}

static unsigned int fake_consumed(struct fake_amd *f, u32 type, u16 devid)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->nr_log; i++)
		n += f->log[i] == (type << 16 | devid);
	return n;
}

static bool fake_dte_blocked(struct fake_amd *f, u16 devid)
{
	struct dev_table_entry *dte = &f->seg.dev_table[devid];

	return (dte->data[0] & DTE_FLAG_V) && !(dte->data[0] & DTE_FLAG_TV) &&
	       !(dte->data[1] & DTE_FLAG_IOTLB);
}

static void fake_translating_dte(struct dev_table_entry *dte)
{
	memset(dte, 0, sizeof(*dte));
	dte->data[0] = DTE_FLAG_V | DTE_FLAG_TV | DTE_FLAG_IR | DTE_FLAG_IW;
	dte->data[1] = DTE_FLAG_IOTLB;
}

/*
 * A flush of two devices, one of which does not answer: the IOMMU holds
 * the completion wait for its own timeout (past the driver's 100 ms
 * round), then names the device. The wait outlasts it, and when it
 * returns the device it named is fenced: its entry and its alias's are
 * blocked and the model consumed their INV_DEV_ENTRY. The other device
 * is not fenced; the culprit's next flush sends it nothing, and a DTE
 * writer cannot give it its translation back.
 */
static void amd_cwait_fences_the_named_device_before_returning(struct kunit *test)
{
	struct fake_amd *f = fake_amd_create(test);
	struct device *culprit = f->culprit.dev, *bystander = f->bystander.dev;
	struct dev_table_entry dte;
	unsigned int before;

	KUNIT_ASSERT_EQ(test, device_flush_iotlb(&f->culprit.data, 0, U64_MAX,
						 IOMMU_NO_PASID, false), 0);
	KUNIT_ASSERT_EQ(test, device_flush_iotlb(&f->bystander.data, 0, U64_MAX,
						 IOMMU_NO_PASID, false), 0);
	KUNIT_EXPECT_EQ(test, iommu_completion_wait(&f->iommu), 0);

	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(culprit));
	KUNIT_EXPECT_FALSE(test, iommu_ats_fenced(bystander));
	KUNIT_EXPECT_TRUE(test, fake_dte_blocked(f, FAKE_STUCK));
	KUNIT_EXPECT_TRUE(test, fake_dte_blocked(f, FAKE_ALIAS));
	KUNIT_EXPECT_FALSE(test, fake_dte_blocked(f, FAKE_BYSTANDER));
	KUNIT_EXPECT_EQ(test, fake_consumed(f, CMD_INV_DEV_ENTRY, FAKE_STUCK), 1U);
	KUNIT_EXPECT_EQ(test, fake_consumed(f, CMD_INV_DEV_ENTRY, FAKE_ALIAS), 1U);
	/* The fence settled the invalidations queued before it */
	KUNIT_EXPECT_FALSE(test, READ_ONCE(f->culprit.data.ats_inv_queued));

	before = fake_consumed(f, CMD_INV_IOTLB_PAGES, FAKE_STUCK);
	KUNIT_EXPECT_EQ(test, device_flush_iotlb(&f->culprit.data, 0, U64_MAX,
						 IOMMU_NO_PASID, false), 0);
	KUNIT_EXPECT_EQ(test, device_flush_iotlb(&f->bystander.data, 0, U64_MAX,
						 IOMMU_NO_PASID, false), 0);
	KUNIT_EXPECT_EQ(test, iommu_completion_wait(&f->iommu), 0);
	KUNIT_EXPECT_EQ(test, fake_consumed(f, CMD_INV_IOTLB_PAGES, FAKE_STUCK), before);
	KUNIT_EXPECT_EQ(test, fake_consumed(f, CMD_INV_IOTLB_PAGES, FAKE_BYSTANDER), 2U);

	/* A DTE writer (an attach, a domain change) keeps the fence */
	fake_translating_dte(&dte);
	amd_iommu_update_dte(&f->iommu, &f->culprit.data, &dte);
	KUNIT_EXPECT_TRUE(test, fake_dte_blocked(f, FAKE_STUCK));
	fake_translating_dte(&dte);
	amd_iommu_update_dte(&f->iommu, &f->bystander.data, &dte);
	KUNIT_EXPECT_EQ(test, f->seg.dev_table[FAKE_BYSTANDER].data[1] & DTE_FLAG_IOTLB,
			DTE_FLAG_IOTLB);
}

/*
 * An IOTLB_INV_TIMEOUT for a device with no IOTLB invalidation queued
 * since its last fence (here: none ever) is a leftover: it fences
 * nobody. Once the device has one queued, the same event counts.
 */
static void amd_event_without_pending_inv_ignored(struct kunit *test)
{
	struct fake_amd *f = fake_amd_create(test);
	struct device *bystander = f->bystander.dev;

	/* A timeout of the past, logged, and the culprit's own */
	fake_log_timeout(f, FAKE_BYSTANDER);
	KUNIT_ASSERT_EQ(test, device_flush_iotlb(&f->culprit.data, 0, U64_MAX,
						 IOMMU_NO_PASID, false), 0);
	KUNIT_EXPECT_EQ(test, iommu_completion_wait(&f->iommu), 0);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(f->culprit.dev));
	KUNIT_EXPECT_FALSE(test, iommu_ats_fenced(bystander));

	/* The bystander's invalidation, and the event again, unconsumed */
	KUNIT_ASSERT_EQ(test, device_flush_iotlb(&f->bystander.data, 0, U64_MAX,
						 IOMMU_NO_PASID, false), 0);
	KUNIT_EXPECT_EQ(test, iommu_completion_wait(&f->iommu), 0);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(bystander));
}

static struct kunit_case amd_ats_fence_cases[] = {
	KUNIT_CASE(amd_ats_inv_timeout_from_control),
	KUNIT_CASE(amd_ats_stall_waits_out_the_iommu),
	KUNIT_CASE(amd_ats_evtlog_names_timeouts_only),
	KUNIT_CASE(amd_ats_evtlog_waits_for_late_entry),
	KUNIT_CASE(amd_ats_evtlog_scan_never_tears),
	KUNIT_CASE(amd_ats_fence_entries),
	KUNIT_CASE_SLOW(amd_cwait_fences_the_named_device_before_returning),
	KUNIT_CASE_SLOW(amd_event_without_pending_inv_ignored),
	{}
};

static struct kunit_suite amd_ats_fence_suite = {
	.name = "amd-ats-fence",
	.test_cases = amd_ats_fence_cases,
};

kunit_test_suite(amd_ats_fence_suite);

MODULE_DESCRIPTION("KUnit tests for the AMD-Vi ATS fence");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_LICENSE("GPL");
