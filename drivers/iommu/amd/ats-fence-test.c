// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the pure parts of the AMD-Vi ATS fence: the IOMMU's own
 * invalidation timeout, how long a waiter waits for a stalled command
 * buffer, which devices the event log names (with the event log thread
 * consuming entries on another CPU), and the entries a fence writes.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>

#include "amd_iommu.h"
#include "ats-fence.h"

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
		udelay(20);
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
	DEFINE_RAW_SPINLOCK(lock);
	struct task_struct *t;
	unsigned long flags;
	u16 devids[LOG_ENTRIES];
	u32 head;

	KUNIT_ASSERT_NOT_NULL(test, log);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
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

static struct kunit_case amd_ats_fence_cases[] = {
	KUNIT_CASE(amd_ats_inv_timeout_from_control),
	KUNIT_CASE(amd_ats_stall_waits_out_the_iommu),
	KUNIT_CASE(amd_ats_evtlog_names_timeouts_only),
	KUNIT_CASE(amd_ats_evtlog_waits_for_late_entry),
	KUNIT_CASE(amd_ats_evtlog_scan_never_tears),
	KUNIT_CASE(amd_ats_fence_entries),
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
