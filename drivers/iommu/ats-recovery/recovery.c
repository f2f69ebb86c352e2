// SPDX-License-Identifier: GPL-2.0
/*
 * ATS fence/recover: the recovery work, and the unfence that follows a
 * successful reset of the function.
 *
 * The IOMMU driver never resets a device by itself: the recovery work
 * drains the device's page requests and hands it to its own driver through
 * the PCI error-recovery callbacks (the backend's recover op). The reset at
 * the heart of that flow ends in iommu_ats_reset_finish() (through
 * pci_dev_reset_iommu_done()); a good reset unfences by attaching the
 * device's domains afresh, anything else leaves the device ISOLATED.
 */
#define pr_fmt(fmt) "iommu-ats: " fmt

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/kobject.h>
#include <linux/pci.h>
#include <kunit/visibility.h>

#include "../iommu-priv.h"
#include "internal.h"

#include <trace/events/iommu_ats.h>

/* Tells udev and VMMs about the state the device is in now. */
void iommu_ats_notify(struct iommu_ats_dev *ad)
{
	char state[48], reason[48], fences[48];
	char *envp[4] = { state, reason, fences, NULL };

	snprintf(state, sizeof(state), "IOMMU_ATS_STATE=%s",
		 iommu_ats_state_name(READ_ONCE(ad->state)));
	snprintf(reason, sizeof(reason), "IOMMU_ATS_REASON=%s",
		 iommu_ats_reason_name(ad->last_reason));
	snprintf(fences, sizeof(fences), "IOMMU_ATS_FENCES=%lu",
		 READ_ONCE(ad->nr_fences));
	kobject_uevent_env(&ad->dev->kobj, KOBJ_CHANGE, envp);
}

/* Moves @ad from @from to @to; false if it was not in @from. */
static bool iommu_ats_transition(struct iommu_ats_dev *ad,
				 enum iommu_ats_state from,
				 enum iommu_ats_state to)
{
	unsigned long flags;
	bool done = false;

	raw_spin_lock_irqsave(&ad->lock, flags);
	if (ad->state == from && !ad->dying) {
		WRITE_ONCE(ad->state, to);
		done = true;
	}
	raw_spin_unlock_irqrestore(&ad->lock, flags);
	return done;
}

static void iommu_ats_refence(struct iommu_ats_dev *ad)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ad->lock, flags);
	iommu_ats_hw_fence(ad);
	raw_spin_unlock_irqrestore(&ad->lock, flags);
}

/* Fences a device that is not fenced and makes it ISOLATED. */
static bool iommu_ats_isolate(struct iommu_ats_dev *ad)
{
	unsigned long flags;
	bool done = false;

	raw_spin_lock_irqsave(&ad->lock, flags);
	if (!ad->dying && !iommu_ats_state_is_fenced(ad->state)) {
		WRITE_ONCE(ad->state, IOMMU_ATS_ISOLATED);
		atomic_inc(&iommu_ats_nr_fenced);
		iommu_ats_hw_fence(ad);
		done = true;
	}
	raw_spin_unlock_irqrestore(&ad->lock, flags);
	return done;
}

void iommu_ats_recover_work(struct work_struct *work)
{
	struct iommu_ats_dev *ad = container_of(work, struct iommu_ats_dev, work);
	struct device *dev = ad->dev;
	int ret;

	if (READ_ONCE(ad->dying))
		goto out;

	dev_warn(dev, "ATC invalidation timeout (%s): translated requests blocked, ATC invalidations muted\n",
		 iommu_ats_reason_name(ad->last_reason));
	iommu_ats_notify(ad);

	/* Answer every outstanding page request before anything else. */
	if (ad->backend->drain_pri) {
		ad->backend->drain_pri(dev);
		trace_iommu_ats_recovery(dev, "drain_pri", 0);
	}

	if (READ_ONCE(ad->policy) == IOMMU_ATS_POLICY_MANUAL) {
		trace_iommu_ats_recovery(dev, "hold", 0);
		dev_warn(dev, "ATS recovery policy is manual: the device stays fenced until it is reset (e.g. echo 1 > /sys/bus/pci/devices/%s/reset)\n",
			 dev_name(dev));
		goto out;
	}
	if (!ad->backend->recover) {
		trace_iommu_ats_recovery(dev, "no_recovery", -EOPNOTSUPP);
		dev_warn(dev, "no recovery path for this device: it stays fenced until it is reset (e.g. echo 1 > /sys/bus/pci/devices/%s/reset)\n",
			 dev_name(dev));
		goto out;
	}

	/* A reset may have completed since the report: nothing to do then. */
	if (!iommu_ats_transition(ad, IOMMU_ATS_FENCED, IOMMU_ATS_RECOVERING))
		goto out;
	iommu_ats_notify(ad);

	ret = ad->backend->recover(dev);
	trace_iommu_ats_recovery(dev, "recover", ret);

	/*
	 * A successful reset unfenced the device (iommu_ats_reset_finish()).
	 * Still RECOVERING means no good reset happened: the driver refused,
	 * the device is gone, or the reset failed. A driver that could not
	 * restart after a good reset leaves a device nobody drives: isolate
	 * it too.
	 */
	if (iommu_ats_transition(ad, IOMMU_ATS_RECOVERING, IOMMU_ATS_ISOLATED) ||
	    (ret && iommu_ats_isolate(ad))) {
		dev_err(dev, "ATS recovery failed (%d): the device stays isolated; a successful reset (echo 1 > /sys/bus/pci/devices/%s/reset) brings it back\n",
			ret, dev_name(dev));
		iommu_ats_notify(ad);
	}
out:
	put_device(dev);
}

/*
 * Unfences @ad after a successful reset: clears the state, then attaches
 * the device's domains afresh (through the blocking domain unless the reset
 * already left it there), so that the driver's attach programs the entry
 * with ATS on again. A report that races with the re-attach fenced the
 * device while its entry was being rewritten: fence again.
 */
static void iommu_ats_unfence(struct iommu_ats_dev *ad, bool blocked)
{
	struct device *dev = ad->dev;
	unsigned long flags, fences;
	int ret;

	raw_spin_lock_irqsave(&ad->lock, flags);
	if (ad->dying || !iommu_ats_state_is_fenced(ad->state)) {
		raw_spin_unlock_irqrestore(&ad->lock, flags);
		return;
	}
	WRITE_ONCE(ad->state, IOMMU_ATS_OK);
	atomic_dec(&iommu_ats_nr_fenced);
	fences = ad->nr_fences;
	raw_spin_unlock_irqrestore(&ad->lock, flags);

	ret = blocked ? 0 : ad->backend->block(dev);
	if (!ret)
		ret = ad->backend->restore(dev);
	trace_iommu_ats_unfence(dev, ret);
	if (ret) {
		raw_spin_lock_irqsave(&ad->lock, flags);
		if (!iommu_ats_state_is_fenced(ad->state)) {
			WRITE_ONCE(ad->state, IOMMU_ATS_ISOLATED);
			atomic_inc(&iommu_ats_nr_fenced);
		}
		raw_spin_unlock_irqrestore(&ad->lock, flags);
		iommu_ats_refence(ad);
		dev_err(dev, "ATS unfence: re-attaching the domain failed (%d); the device stays isolated\n",
			ret);
		iommu_ats_notify(ad);
		return;
	}

	raw_spin_lock_irqsave(&ad->lock, flags);
	ad->nr_recoveries++;
	raw_spin_unlock_irqrestore(&ad->lock, flags);
	if (READ_ONCE(ad->nr_fences) != fences)
		iommu_ats_refence(ad);

	dev_info(dev, "ATS unfenced after a successful reset and a fresh domain attach\n");
	iommu_ats_notify(ad);
}

/*
 * The end of a reset of the function. @blocked: the reset moved the device
 * to its group's blocking domain (pci_dev_reset_iommu_prepare()).
 *
 * - 0, a good reset: the device's ATC is empty. A fenced device is
 *   unfenced; any other gets its domains back.
 * - -ENOTTY, no reset happened: a device blocked for it gets its domains
 *   back, a fenced one stays as it was.
 * - any other error, a failed reset: nothing unfences. The device stays
 *   blocked and becomes ISOLATED, fenced or not before: its ATC may hold
 *   anything. Only a later good reset brings it back.
 */
void iommu_ats_reset_finish(struct iommu_ats_dev *ad, int result, bool blocked)
{
	struct device *dev = ad->dev;
	bool fenced, isolated_now = false;
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&ad->lock, flags);
	fenced = iommu_ats_state_is_fenced(ad->state);
	if (!result) {
		ad->reset_gen++;
	} else if (result != -ENOTTY && !ad->dying) {
		ad->nr_failed_resets++;
		if (!fenced) {
			atomic_inc(&iommu_ats_nr_fenced);
			isolated_now = true;
		}
		WRITE_ONCE(ad->state, IOMMU_ATS_ISOLATED);
	}
	raw_spin_unlock_irqrestore(&ad->lock, flags);

	if (result && result != -ENOTTY) {
		/* Not blocked by the reset: block translated requests now. */
		if (isolated_now && !blocked)
			iommu_ats_refence(ad);
		dev_warn(dev, "reset failed (%d): ATS stays fenced to protect memory; a successful reset (echo 1 > /sys/bus/pci/devices/%s/reset) brings the device back\n",
			 result, dev_name(dev));
		iommu_ats_notify(ad);
		return;
	}
	if (!result && fenced) {
		iommu_ats_unfence(ad, blocked);
		return;
	}
	if (blocked) {
		ret = ad->backend->restore(dev);
		if (ret)
			dev_err(dev, "could not attach the domain again after a reset (%d)\n",
				ret);
	}
}

/*
 * The default backend: the device's IOMMU driver fences and drains, the
 * IOMMU core re-attaches. The PCI recovery helper plugs in as recover.
 */
static int iommu_ats_driver_fence(struct device *dev)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);

	return ops->ats_fence ? ops->ats_fence(dev) : -EOPNOTSUPP;
}

/*
 * The driver drains its hardware page request queue (without an ATC
 * invalidation to the device); then every request already handed to the
 * IOPF queue is flushed, and every one still waiting for a response is
 * answered INVALID. New requests are refused while the device is fenced
 * (iommu_report_device_fault()).
 */
static void iommu_ats_driver_drain_pri(struct device *dev)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);

	if (ops->ats_drain_pri)
		ops->ats_drain_pri(dev);
	if (rcu_access_pointer(dev->iommu->fault_param)) {
		iopf_queue_flush_dev(dev);
		iopf_queue_abort_dev(dev);
	}
}

static int iommu_ats_pci_recover(struct device *dev)
{
	return pci_recover_function(to_pci_dev(dev));
}

const struct iommu_ats_backend iommu_ats_default_backend = {
	.fence		= iommu_ats_driver_fence,
	.drain_pri	= iommu_ats_driver_drain_pri,
	.recover	= iommu_ats_pci_recover,
	.block		= iommu_group_block_device,
	.restore	= iommu_group_restore_device,
};
