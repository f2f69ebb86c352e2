// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the ATS fence/recover layer: the real state machine,
 * report path and recovery work, run against a fake IOMMU driver whose
 * "hardware entry" has an ATS bit, and a fake PCI recovery that resets the
 * function with a chosen result. The fake reset does what upstream's
 * pci_dev_reset_iommu_prepare()/done() do around the layer's hooks.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/spinlock.h>

#include "internal.h"

struct fake_dev {
	struct device *dev;
	/* The fake IOMMU entry: translated requests allowed? */
	bool entry_ats;
	int nr_fences;
	int nr_drains;
	int nr_recovers;
	int nr_blocks;
	int nr_restores;
	bool blocked;
	bool fence_irqs_off;
	bool fence_saw_muted;
	bool fence_saw_in_fence;	/* iommu_ats_in_fence() in the fence op */
	int fence_ret;		/* what the fake fence op returns */
	unsigned int fence_us;	/* how long the fake IOMMU takes to confirm */
	int nr_fallbacks;	/* Bus Master Enable cleared */
	bool reset_failed;	/* upstream: still blocked since a failed reset */
	int reset_result;	/* what the fake reset returns */
	int driver_ret;		/* what the driver answers after the reset */
	bool recover_blocks;
	/* Another device the fence sees time out, reported from inside it */
	struct fake_dev *times_out_in_fence;
	int nested_report;	/* what that report returned, 1 or 0 */
	struct completion recover_entered;
	struct completion recover_release;
};

static struct fake_dev *to_fake(struct device *dev)
{
	return dev_get_drvdata(dev);
}

/* The driver's ats_fence: clear ATS in the entry, atomically. */
static int fake_fence(struct device *dev)
{
	struct fake_dev *f = to_fake(dev);

	f->nr_fences++;
	f->fence_irqs_off = irqs_disabled();
	/* Whatever the fence flushes must already skip the device. */
	f->fence_saw_muted = iommu_ats_fenced(dev);
	/* A driver's own wait in here must blame nobody (AMD-Vi). */
	f->fence_saw_in_fence = iommu_ats_in_fence();
	if (f->fence_us)
		udelay(f->fence_us);
	if (f->fence_ret)
		return f->fence_ret;
	WRITE_ONCE(f->entry_ats, false);
	if (f->times_out_in_fence)
		f->nested_report = iommu_ats_report_timeout(f->times_out_in_fence->dev,
							    IOMMU_ATS_TIMEOUT);
	return 0;
}

static void fake_drain_pri(struct device *dev)
{
	to_fake(dev)->nr_drains++;
}

/* The blocking domain: no translation at all, ATS off. */
static int fake_block(struct device *dev)
{
	struct fake_dev *f = to_fake(dev);

	f->nr_blocks++;
	f->blocked = true;
	f->entry_ats = false;
	return 0;
}

/*
 * The driver's attach: ATS in the entry only if the device is not fenced,
 * decided and written where no fence can come in between.
 */
static int fake_restore(struct device *dev)
{
	struct fake_dev *f = to_fake(dev);
	unsigned long flags;
	bool fenced;

	f->nr_restores++;
	f->blocked = false;
	fenced = iommu_ats_attach_begin(dev, &flags);
	WRITE_ONCE(f->entry_ats, !fenced);
	iommu_ats_attach_end(dev, flags);
	return 0;
}

static int fake_fallback(struct device *dev)
{
	to_fake(dev)->nr_fallbacks++;
	return 0;
}

/*
 * A reset of the function as upstream's pci_dev_reset_iommu_prepare() and
 * pci_dev_reset_iommu_done(result) do it: the blocking domain unless still
 * there since a failed reset, the layer's hook, then the domains again
 * only if the reset did not fail.
 */
static void fake_reset(struct fake_dev *f, int result)
{
	if (!f->reset_failed)
		fake_block(f->dev);
	result = iommu_ats_reset_done(f->dev, result);
	if (result && result != -ENOTTY) {
		f->reset_failed = true;
		return;
	}
	if (result == -ENOTTY && f->reset_failed)
		return;
	f->reset_failed = false;
	fake_restore(f->dev);
	if (!result)
		iommu_ats_reset_restored(f->dev);
}

/* The PCI recovery: error_detected, a reset in prepare/done, slot_reset. */
static int fake_recover(struct device *dev)
{
	struct fake_dev *f = to_fake(dev);

	f->nr_recovers++;
	if (f->recover_blocks) {
		complete(&f->recover_entered);
		wait_for_completion(&f->recover_release);
	}
	fake_reset(f, f->reset_result);
	return f->reset_result ?: f->driver_ret;
}

static const struct iommu_ats_backend fake_backend = {
	.fence		= fake_fence,
	.drain_pri	= fake_drain_pri,
	.recover	= fake_recover,
	.fallback	= fake_fallback,
};

static const struct iommu_ats_backend fake_backend_no_recover = {
	.fence		= fake_fence,
	.drain_pri	= fake_drain_pri,
	.fallback	= fake_fallback,
};

static void fake_dev_release(void *data)
{
	struct device *dev = data;

	iommu_ats_release_device(dev);
	dev->iommu = NULL;
}

static struct fake_dev *fake_dev_create(struct kunit *test, const char *name,
					const struct iommu_ats_backend *backend)
{
	struct iommu_ats_dev *ad;
	struct fake_dev *f;
	struct device *dev;

	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->iommu = kunit_kzalloc(test, sizeof(*dev->iommu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev->iommu);
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->dev = dev;
	f->entry_ats = true;
	init_completion(&f->recover_entered);
	init_completion(&f->recover_release);
	dev_set_drvdata(dev, f);

	ad = iommu_ats_add_device(dev, backend);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ad);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, fake_dev_release, dev));
	return f;
}

static struct iommu_ats_dev *ats(struct fake_dev *f)
{
	return iommu_ats_dev_get_state(f->dev);
}

static void wait_recovery(struct fake_dev *f)
{
	flush_work(&ats(f)->work);
}

/* A report fences at once, then the work resets and the re-attach unfences. */
static void ats_report_fence_recover_unfence(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);
	int fenced_before = atomic_read(&iommu_ats_nr_fenced);

	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_FALSE(test, iommu_ats_fenced(f->dev));

	/* The recovery runs on another CPU: hold it until we looked */
	f->recover_blocks = true;
	KUNIT_EXPECT_TRUE(test, iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT));
	/* Invariant 1: the hardware is fenced when the report returns. */
	KUNIT_EXPECT_EQ(test, f->nr_fences, 1);
	KUNIT_EXPECT_FALSE(test, f->entry_ats);
	/* Invariant 3: from here on the driver mutes ATC invalidations. */
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(f->dev));
	KUNIT_EXPECT_EQ(test, atomic_read(&iommu_ats_nr_fenced), fenced_before + 1);

	complete(&f->recover_release);
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, f->nr_drains, 1);
	KUNIT_EXPECT_EQ(test, f->nr_recovers, 1);
	KUNIT_EXPECT_EQ(test, f->nr_blocks, 1);
	KUNIT_EXPECT_EQ(test, f->nr_restores, 1);
	KUNIT_EXPECT_FALSE(test, f->blocked);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_TRUE(test, f->entry_ats);
	KUNIT_EXPECT_FALSE(test, iommu_ats_fenced(f->dev));
	KUNIT_EXPECT_EQ(test, ats(f)->nr_fences, 1UL);
	KUNIT_EXPECT_EQ(test, ats(f)->nr_recoveries, 1UL);
	KUNIT_EXPECT_EQ(test, ats(f)->reset_gen, 1UL);
	KUNIT_EXPECT_EQ(test, ats(f)->last_reason, IOMMU_ATS_TIMEOUT);
	KUNIT_EXPECT_EQ(test, atomic_read(&iommu_ats_nr_fenced), fenced_before);
}

/*
 * The IOMMU's refusals of a fenced device's requests are the fence at
 * work: counted, logged once a fence, and the driver drops their fault
 * records. Before the fence and after the unfence a refusal is not the
 * fence's, and the driver logs it as usual.
 */
static void ats_refused_counted_while_fenced(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);
	int i;

	KUNIT_EXPECT_FALSE(test, iommu_ats_refused(f->dev));
	f->recover_blocks = true;
	KUNIT_EXPECT_TRUE(test, iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT));
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_TRUE(test, iommu_ats_refused(f->dev));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ats(f)->nr_refused), 100L);
	KUNIT_EXPECT_EQ(test, ats(f)->refused_noted, 1UL);

	complete(&f->recover_release);
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_FALSE(test, iommu_ats_refused(f->dev));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ats(f)->nr_refused), 100L);
}

static DEFINE_SPINLOCK(caller_lock);

/*
 * Invariant 2: the report path runs with interrupts off under a spinlock.
 * Anything on it that sleeps or allocates with GFP_KERNEL trips
 * DEBUG_ATOMIC_SLEEP, which fails the run (the kernel log is checked).
 */
static void ats_report_with_irqs_off(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend_no_recover);
	unsigned long flags;
	bool fenced;

	spin_lock_irqsave(&caller_lock, flags);
	fenced = iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT_SUSPECT);
	/* Still atomic: the fence is complete before we leave the lock. */
	KUNIT_EXPECT_FALSE(test, f->entry_ats);
	spin_unlock_irqrestore(&caller_lock, flags);

	KUNIT_EXPECT_TRUE(test, fenced);
	KUNIT_EXPECT_TRUE(test, f->fence_irqs_off);
	KUNIT_EXPECT_TRUE(test, f->fence_saw_muted);
	KUNIT_EXPECT_TRUE(test, f->fence_saw_in_fence);
	KUNIT_EXPECT_FALSE(test, iommu_ats_in_fence());
	KUNIT_EXPECT_EQ(test, f->nr_fences, 1);
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_FENCED);
}

/*
 * A fence's own invalidation sees another device time out (VT-d: an ITE
 * aborts every pending wait and names that device): the report nests in
 * the fence. Here each of two devices' fences sees the other: A's fence
 * fences B from inside it, B's fence reports A, which is fenced already
 * and held by this very CPU: the report must return at once. No
 * deadlock, no lockdep report (the run's kernel log is checked).
 */
static void ats_report_nested_in_fence(struct kunit *test)
{
	struct fake_dev *a = fake_dev_create(test, "ats-fake-a", &fake_backend_no_recover);
	struct fake_dev *b = fake_dev_create(test, "ats-fake-b", &fake_backend_no_recover);

	a->times_out_in_fence = b;
	b->times_out_in_fence = a;
	a->nested_report = -1;
	b->nested_report = -1;

	KUNIT_EXPECT_TRUE(test, iommu_ats_report_timeout(a->dev, IOMMU_ATS_TIMEOUT));
	KUNIT_EXPECT_EQ(test, a->nr_fences, 1);
	KUNIT_EXPECT_EQ(test, b->nr_fences, 1);
	KUNIT_EXPECT_EQ(test, a->nested_report, 1);
	KUNIT_EXPECT_EQ(test, b->nested_report, 0);
	KUNIT_EXPECT_FALSE(test, a->entry_ats);
	KUNIT_EXPECT_FALSE(test, b->entry_ats);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(a->dev));
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(b->dev));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ats(b)->nr_reports), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ats(a)->nr_reports), 2L);
	wait_recovery(a);
	wait_recovery(b);
}

/* Invariant 5: a storm of reports costs one fence and one recovery. */
static void ats_report_storm_collapses(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);
	int i, fenced = 0;

	/* One incident: the recovery, on another CPU, ends after the storm */
	f->recover_blocks = true;
	for (i = 0; i < 10000; i++)
		fenced += iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	complete(&f->recover_release);
	wait_recovery(f);

	KUNIT_EXPECT_EQ(test, fenced, 1);
	KUNIT_EXPECT_EQ(test, f->nr_fences, 1);
	KUNIT_EXPECT_EQ(test, f->nr_recovers, 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ats(f)->nr_reports), 10000L);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
}

/* Devices are fenced and recovered independently. */
static void ats_devices_recover_independently(struct kunit *test)
{
	struct fake_dev *a = fake_dev_create(test, "ats-fake-a", &fake_backend);
	struct fake_dev *b = fake_dev_create(test, "ats-fake-b", &fake_backend);
	struct fake_dev *c = fake_dev_create(test, "ats-fake-c", &fake_backend);

	b->reset_result = -EIO;
	KUNIT_EXPECT_TRUE(test, iommu_ats_report_timeout(a->dev, IOMMU_ATS_TIMEOUT));
	KUNIT_EXPECT_TRUE(test, iommu_ats_report_timeout(b->dev, IOMMU_ATS_TIMEOUT));
	/* c is not reported: untouched. */
	KUNIT_EXPECT_FALSE(test, iommu_ats_fenced(c->dev));
	wait_recovery(a);
	wait_recovery(b);

	KUNIT_EXPECT_EQ(test, a->nr_recovers, 1);
	KUNIT_EXPECT_EQ(test, b->nr_recovers, 1);
	KUNIT_EXPECT_EQ(test, c->nr_fences, 0);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(a->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(b->dev), IOMMU_ATS_ISOLATED);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(c->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_TRUE(test, a->entry_ats);
	KUNIT_EXPECT_FALSE(test, b->entry_ats);
	KUNIT_EXPECT_TRUE(test, c->entry_ats);
}

/* Invariant 4: an attach without a reset (rebind, iommufd) keeps ATS off. */
static void ats_attach_while_fenced_keeps_ats_off(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend_no_recover);

	iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	wait_recovery(f);
	KUNIT_ASSERT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_FENCED);

	/* Some other attach, e.g. a domain replacement: no unfence. */
	KUNIT_EXPECT_EQ(test, fake_restore(f->dev), 0);
	KUNIT_EXPECT_FALSE(test, f->entry_ats);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_FENCED);

	/* A good reset, then the layer's own fresh attach: ATS back on. */
	fake_reset(f, 0);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_TRUE(test, f->entry_ats);
	KUNIT_EXPECT_EQ(test, f->nr_restores, 2);
}

/* A failed reset isolates; a later good one unfences. */
static void ats_failed_reset_isolates_then_good_reset_unfences(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);

	f->reset_result = -ETIMEDOUT;
	iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_ISOLATED);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(f->dev));
	KUNIT_EXPECT_FALSE(test, f->entry_ats);
	KUNIT_EXPECT_TRUE(test, f->blocked);
	KUNIT_EXPECT_EQ(test, f->nr_restores, 0);
	KUNIT_EXPECT_EQ(test, ats(f)->nr_failed_resets, 1UL);

	/* Another failure changes nothing; no retry storm. */
	fake_reset(f, -EIO);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_ISOLATED);
	KUNIT_EXPECT_EQ(test, f->nr_recovers, 1);
	KUNIT_EXPECT_EQ(test, f->nr_restores, 0);

	/* Reports while isolated collapse too. */
	KUNIT_EXPECT_FALSE(test, iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT));
	KUNIT_EXPECT_EQ(test, f->nr_fences, 1);

	fake_reset(f, 0);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_TRUE(test, f->entry_ats);
	KUNIT_EXPECT_FALSE(test, f->blocked);
	KUNIT_EXPECT_EQ(test, ats(f)->nr_recoveries, 1UL);
}

/*
 * Resets of a healthy device: a good one blocks and restores it; one that
 * did nothing (-ENOTTY) gives the domains back; a failed one leaves it
 * blocked and isolated, since its ATC may hold anything.
 */
static void ats_resets_of_healthy_device(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);

	fake_reset(f, 0);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_EQ(test, f->nr_blocks, 1);
	KUNIT_EXPECT_EQ(test, f->nr_restores, 1);
	KUNIT_EXPECT_TRUE(test, f->entry_ats);
	KUNIT_EXPECT_EQ(test, ats(f)->reset_gen, 1UL);

	fake_reset(f, -ENOTTY);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_EQ(test, f->nr_restores, 2);
	KUNIT_EXPECT_TRUE(test, f->entry_ats);
	KUNIT_EXPECT_EQ(test, ats(f)->reset_gen, 1UL);

	fake_reset(f, -EIO);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_ISOLATED);
	KUNIT_EXPECT_TRUE(test, f->blocked);
	KUNIT_EXPECT_FALSE(test, f->entry_ats);
	KUNIT_EXPECT_EQ(test, ats(f)->nr_failed_resets, 1UL);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(f->dev));
	/*
	 * Fenced in hardware too: a blocking domain need not block translated
	 * requests (VT-d scalable mode keeps DTE, reviews/vtd.md #7).
	 */
	KUNIT_EXPECT_EQ(test, f->nr_fences, 1);
}

/* A reset failed on purpose (debugfs fail_reset) counts as failed. */
static void ats_injected_reset_failure(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);

	KUNIT_EXPECT_EQ(test, iommu_ats_arm_reset_failure(dev_name(f->dev), 1), 0);
	KUNIT_EXPECT_EQ(test, iommu_ats_arm_reset_failure("no-such-device", 1), -ENODEV);
	iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_ISOLATED);
	KUNIT_EXPECT_EQ(test, ats(f)->nr_failed_resets, 1UL);
	fake_reset(f, 0);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
}

/* A driver that cannot restart after a good reset: isolated all the same. */
static void ats_driver_disconnect_after_reset_isolates(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);

	f->driver_ret = -EIO;
	iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_ISOLATED);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(f->dev));
	KUNIT_EXPECT_FALSE(test, f->entry_ats);
}

/* Policy manual: drained, held fenced, no reset. */
static void ats_manual_policy_holds_fenced(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);

	ats(f)->policy = IOMMU_ATS_POLICY_MANUAL;
	iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, f->nr_drains, 1);
	KUNIT_EXPECT_EQ(test, f->nr_recovers, 0);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_FENCED);
}

/* Without a recovery path the work stops at FENCED. */
static void ats_no_recovery_path_stays_fenced(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend_no_recover);

	iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, f->nr_drains, 1);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_FENCED);
	KUNIT_EXPECT_FALSE(test, f->entry_ats);
}

/* iommu.ats_recovery=off: the report is a no-op that still counts and logs. */
static void ats_off_switch_makes_report_a_noop(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);
	bool saved = iommu_ats_recovery_enabled;

	iommu_ats_recovery_enabled = false;
	KUNIT_EXPECT_FALSE(test, iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT));
	iommu_ats_recovery_enabled = saved;

	KUNIT_EXPECT_EQ(test, f->nr_fences, 0);
	KUNIT_EXPECT_TRUE(test, f->entry_ats);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
	KUNIT_EXPECT_FALSE(test, work_pending(&ats(f)->work));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ats(f)->nr_reports), 1L);
}

static int ats_release_fn(void *data)
{
	iommu_ats_release_device(data);
	return 0;
}

/* Invariant 6: release while the recovery runs waits for it, then frees. */
static void ats_release_during_recovery_is_safe(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);
	unsigned int refs = kref_read(&f->dev->kobj.kref);
	struct task_struct *t;

	f->recover_blocks = true;
	iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&f->recover_entered, 10 * HZ));
	/* The work holds a reference on the device while it runs. */
	KUNIT_EXPECT_EQ(test, kref_read(&f->dev->kobj.kref), refs + 1);

	t = kthread_run(ats_release_fn, f->dev, "ats-release");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	msleep(50);
	/* Release waits for the recovery: the state is still there. */
	KUNIT_EXPECT_NOT_NULL(test, ats(f));

	complete(&f->recover_release);
	while (ats(f))
		msleep(20);
	KUNIT_EXPECT_EQ(test, f->nr_recovers, 1);
	KUNIT_EXPECT_EQ(test, kref_read(&f->dev->kobj.kref), refs);
	/* Once released, reports find no state and do nothing. */
	KUNIT_EXPECT_FALSE(test, iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT));
	KUNIT_EXPECT_EQ(test, f->nr_fences, 1);
}

/* Release right after a report: queued or run, no state and no reference left. */
static void ats_release_after_report_drops_reference(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend_no_recover);
	unsigned int refs = kref_read(&f->dev->kobj.kref);

	iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	iommu_ats_release_device(f->dev);
	KUNIT_EXPECT_NULL(test, ats(f));
	KUNIT_EXPECT_EQ(test, kref_read(&f->dev->kobj.kref), refs);
}

/* Injection: armed shots fire at the driver's check, then stop. */
static void ats_injection_shots(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);
	const char *name = dev_name(f->dev);	/* kunit prefixes the test name */

	KUNIT_EXPECT_FALSE(test, iommu_ats_inject_timeout(f->dev));
	KUNIT_EXPECT_EQ(test, iommu_ats_arm_injection(name, 2), 0);
	KUNIT_EXPECT_TRUE(test, iommu_ats_inject_timeout(f->dev));
	KUNIT_EXPECT_TRUE(test, iommu_ats_inject_timeout(f->dev));
	KUNIT_EXPECT_FALSE(test, iommu_ats_inject_timeout(f->dev));

	/* Bad input changes nothing. */
	KUNIT_EXPECT_EQ(test, iommu_ats_arm_injection("no-such-device", 1), -ENODEV);
	KUNIT_EXPECT_FALSE(test, iommu_ats_inject_timeout(f->dev));
	KUNIT_EXPECT_EQ(test, iommu_ats_arm_injection(name, 2), 0);
	KUNIT_EXPECT_EQ(test, iommu_ats_arm_injection(name, 0), 0);
	KUNIT_EXPECT_FALSE(test, iommu_ats_inject_timeout(f->dev));
}

static int nr_page_responses;
static enum iommu_page_response_code last_page_response;

static void fake_page_response(struct device *dev, struct iopf_fault *evt,
			       struct iommu_page_response *msg)
{
	nr_page_responses++;
	last_page_response = msg->code;
}

static const struct iommu_ops fake_iommu_ops = {
	.page_response = fake_page_response,
};

static struct iommu_device fake_iommu = {
	.ops = &fake_iommu_ops,
};

/* A fenced device's page requests are answered INVALID, never served. */
static void ats_fenced_device_page_request_refused(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend_no_recover);
	struct iopf_fault evt = {
		.fault = {
			.type = IOMMU_FAULT_PAGE_REQ,
			.prm = {
				.flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
				.grpid = 7,
			},
		},
	};

	if (!IS_ENABLED(CONFIG_IOMMU_IOPF))
		kunit_skip(test, "no CONFIG_IOMMU_IOPF");
	f->dev->iommu->iommu_dev = &fake_iommu;
	nr_page_responses = 0;

	iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT);
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, iommu_report_device_fault(f->dev, &evt), -EINVAL);
	KUNIT_EXPECT_EQ(test, nr_page_responses, 1);
	KUNIT_EXPECT_EQ(test, last_page_response, IOMMU_PAGE_RESP_INVALID);
	/* A device without an IOPF queue: aborting is a no-op, no response. */
	iopf_queue_abort_dev(f->dev);
	KUNIT_EXPECT_EQ(test, nr_page_responses, 1);
}

/*
 * Two contexts at once: a reporter on one CPU, a flush or an attach of the
 * same device on another, each in a kthread bound to its CPU.
 */
struct ats_race {
	struct fake_dev *f;
	struct completion reporter_done;
	struct completion other_done;
	bool reported;		/* the report returned */
	bool stop;
	/* flush: saw the device muted, and the entry at that moment */
	bool saw_muted;
	bool entry_when_muted;
	/* attach: rounds done; an ATS-on entry written after the report */
	unsigned long rounds;
	bool late_ats_on;
	bool entry_after_report;	/* the entry when the report returned */
};

static int ats_race_reporter(void *data)
{
	struct ats_race *r = data;

	/* Let the other CPU get going first */
	while (!READ_ONCE(r->stop) && READ_ONCE(r->rounds) < 3)
		cpu_relax();
	iommu_ats_report_timeout(r->f->dev, IOMMU_ATS_TIMEOUT);
	r->entry_after_report = READ_ONCE(r->f->entry_ats);
	WRITE_ONCE(r->reported, true);
	complete(&r->reporter_done);
	return 0;
}

/* Another CPU's unmap: it skips a muted device and then reuses the memory. */
static int ats_race_flush(void *data)
{
	struct ats_race *r = data;
	unsigned long end = jiffies + 10 * HZ;

	while (!READ_ONCE(r->stop) && time_before(jiffies, end)) {
		WRITE_ONCE(r->rounds, r->rounds + 1);
		if (iommu_ats_fenced(r->f->dev)) {
			r->entry_when_muted = READ_ONCE(r->f->entry_ats);
			r->saw_muted = true;
			break;
		}
		cpu_relax();
	}
	complete(&r->other_done);
	return 0;
}

/* Another CPU's attach: decide ATS from the state, write the entry. */
static int ats_race_attach(void *data)
{
	struct ats_race *r = data;
	unsigned long end = jiffies + 10 * HZ;
	unsigned long flags;
	bool fenced;

	while (!READ_ONCE(r->stop) && time_before(jiffies, end)) {
		fenced = iommu_ats_attach_begin(r->f->dev, &flags);
		mdelay(1);	/* building the entry */
		WRITE_ONCE(r->f->entry_ats, !fenced);
		if (!fenced && READ_ONCE(r->reported))
			r->late_ats_on = true;
		iommu_ats_attach_end(r->f->dev, flags);
		WRITE_ONCE(r->rounds, r->rounds + 1);
		if (READ_ONCE(r->reported) && r->rounds > 10)
			break;
	}
	complete(&r->other_done);
	return 0;
}

static void ats_race_run(struct kunit *test, struct ats_race *r,
			 int (*other)(void *))
{
	struct task_struct *rep, *oth;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	init_completion(&r->reporter_done);
	init_completion(&r->other_done);

	oth = kthread_create(other, r, "ats-race-other");
	KUNIT_ASSERT_FALSE(test, IS_ERR(oth));
	rep = kthread_create(ats_race_reporter, r, "ats-race-report");
	KUNIT_ASSERT_FALSE(test, IS_ERR(rep));
	kthread_bind(oth, cpumask_next(cpumask_first(cpu_online_mask),
				       cpu_online_mask));
	kthread_bind(rep, cpumask_first(cpu_online_mask));
	wake_up_process(oth);
	wake_up_process(rep);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&r->other_done, 30 * HZ));
	WRITE_ONCE(r->stop, true);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&r->reporter_done, 30 * HZ));
}

/*
 * Invariant 1: a flush on another CPU that sees the device muted returns
 * only once the hardware fence is in place. The fake IOMMU takes 20 ms to
 * confirm it; the other CPU must wait for that, not skip the device and
 * go on to reuse memory the ATC may still map.
 */
static void ats_flush_on_other_cpu_waits_for_fence(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend_no_recover);
	struct ats_race r = { .f = f };

	f->fence_us = 20000;
	ats_race_run(test, &r, ats_race_flush);
	KUNIT_EXPECT_TRUE(test, r.saw_muted);
	KUNIT_EXPECT_FALSE(test, r.entry_when_muted);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_FENCED);
	wait_recovery(f);
}

/*
 * Invariant 4: an attach racing with the fence cannot undo it. The attach
 * on another CPU decides ATS on or off and writes the entry between
 * iommu_ats_attach_begin() and _end(): no entry with ATS on may be written
 * once the report has returned.
 */
static void ats_attach_on_other_cpu_cannot_undo_fence(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend_no_recover);
	struct ats_race r = { .f = f };

	ats_race_run(test, &r, ats_race_attach);
	KUNIT_EXPECT_TRUE(test, r.reported);
	KUNIT_EXPECT_FALSE(test, r.entry_after_report);
	KUNIT_EXPECT_FALSE(test, r.late_ats_on);
	KUNIT_EXPECT_FALSE(test, f->entry_ats);
	KUNIT_EXPECT_GT(test, r.rounds, 10UL);
	wait_recovery(f);
}

/*
 * Invariant 5: a device that fails again after every good reset is not
 * recovered forever. Past the budget of recoveries within the window, the
 * next report leaves it isolated, and the recovery does not run.
 */
static void ats_retry_budget_isolates(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);
	int i;

	for (i = 0; i < IOMMU_ATS_RECOVERY_BUDGET; i++) {
		KUNIT_ASSERT_TRUE(test, iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT));
		wait_recovery(f);
		KUNIT_ASSERT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
	}
	KUNIT_EXPECT_EQ(test, f->nr_recovers, IOMMU_ATS_RECOVERY_BUDGET);

	KUNIT_EXPECT_TRUE(test, iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT));
	wait_recovery(f);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_ISOLATED);
	KUNIT_EXPECT_EQ(test, f->nr_recovers, IOMMU_ATS_RECOVERY_BUDGET);
	KUNIT_EXPECT_FALSE(test, f->entry_ats);

	/* A reset by hand still brings it back */
	fake_reset(f, 0);
	KUNIT_EXPECT_EQ(test, iommu_ats_read_state(f->dev), IOMMU_ATS_OK);
}

static const struct iommu_ats_backend fake_backend_no_fallback = {
	.fence		= fake_fence,
	.drain_pri	= fake_drain_pri,
};

/*
 * Invariant 7: a fence the IOMMU did not confirm is not claimed. The
 * function's DMA is blocked by the fallback (Bus Master Enable) instead;
 * without a fallback the report says it did not fence.
 */
static void ats_failed_fence_falls_back(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend_no_recover);
	struct fake_dev *g = fake_dev_create(test, "ats-fake-g", &fake_backend_no_fallback);

	f->fence_ret = -ETIMEDOUT;
	KUNIT_EXPECT_TRUE(test, iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT));
	KUNIT_EXPECT_EQ(test, f->nr_fallbacks, 1);
	KUNIT_EXPECT_EQ(test, ats(f)->fence_error, -ETIMEDOUT);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(f->dev));

	g->fence_ret = -ETIMEDOUT;
	KUNIT_EXPECT_FALSE(test, iommu_ats_report_timeout(g->dev, IOMMU_ATS_TIMEOUT));
	KUNIT_EXPECT_EQ(test, g->nr_fallbacks, 0);
	/* Muted all the same: an ATC invalidation to it would time out again */
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(g->dev));
	wait_recovery(f);
	wait_recovery(g);
}

/*
 * Invariant 6: the mute lasts until the device has left its domain. Once
 * its release started (recovery stopped), a report still fences it; only
 * the recovery is not queued.
 */
static void ats_report_while_leaving_still_fences(struct kunit *test)
{
	struct fake_dev *f = fake_dev_create(test, "ats-fake", &fake_backend);

	iommu_ats_stop_device(f->dev);
	KUNIT_EXPECT_TRUE(test, iommu_ats_report_timeout(f->dev, IOMMU_ATS_TIMEOUT));
	KUNIT_EXPECT_FALSE(test, f->entry_ats);
	KUNIT_EXPECT_TRUE(test, iommu_ats_fenced(f->dev));
	KUNIT_EXPECT_FALSE(test, work_pending(&ats(f)->work));
	KUNIT_EXPECT_EQ(test, f->nr_recovers, 0);
}

static struct kunit_case iommu_ats_recovery_cases[] = {
	KUNIT_CASE(ats_report_fence_recover_unfence),
	KUNIT_CASE(ats_refused_counted_while_fenced),
	KUNIT_CASE(ats_report_with_irqs_off),
	KUNIT_CASE(ats_report_storm_collapses),
	KUNIT_CASE(ats_report_nested_in_fence),
	KUNIT_CASE(ats_devices_recover_independently),
	KUNIT_CASE(ats_attach_while_fenced_keeps_ats_off),
	KUNIT_CASE(ats_failed_reset_isolates_then_good_reset_unfences),
	KUNIT_CASE(ats_resets_of_healthy_device),
	KUNIT_CASE(ats_injected_reset_failure),
	KUNIT_CASE(ats_driver_disconnect_after_reset_isolates),
	KUNIT_CASE(ats_manual_policy_holds_fenced),
	KUNIT_CASE(ats_no_recovery_path_stays_fenced),
	KUNIT_CASE(ats_off_switch_makes_report_a_noop),
	KUNIT_CASE(ats_release_during_recovery_is_safe),
	KUNIT_CASE(ats_release_after_report_drops_reference),
	KUNIT_CASE(ats_injection_shots),
	KUNIT_CASE(ats_fenced_device_page_request_refused),
	KUNIT_CASE_SLOW(ats_flush_on_other_cpu_waits_for_fence),
	KUNIT_CASE_SLOW(ats_attach_on_other_cpu_cannot_undo_fence),
	KUNIT_CASE(ats_failed_fence_falls_back),
	KUNIT_CASE(ats_retry_budget_isolates),
	KUNIT_CASE(ats_report_while_leaving_still_fences),
	{}
};

static struct kunit_suite iommu_ats_recovery_suite = {
	.name = "iommu-ats-recovery",
	.test_cases = iommu_ats_recovery_cases,
};

kunit_test_suite(iommu_ats_recovery_suite);

MODULE_DESCRIPTION("KUnit tests for the ATS fence/recover layer");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_LICENSE("GPL");
