// SPDX-License-Identifier: GPL-2.0
/*
 * ATS fence/recover: the recovery work, and the unfence that follows a
 * successful reset of the function.
 *
 * The IOMMU driver never resets a device by itself: the recovery work
 * drains the device's page requests and hands it to its own driver through
 * the PCI error-recovery callbacks (the backend's recover op). The reset at
 * the heart of that flow ends in pci_dev_reset_iommu_done() (reset.c): a
 * good reset unfences and the IOMMU core attaches the device's domains
 * afresh, anything else leaves the device ISOLATED.
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

/* Fences a device that is not fenced and makes it ISOLATED. */
static bool iommu_ats_isolate(struct iommu_ats_dev *ad)
{
	unsigned long flags;
	bool done = false;

	raw_spin_lock_irqsave(&ad->lock, flags);
	if (!ad->dying && !iommu_ats_state_is_fenced(ad->state)) {
		iommu_ats_fence_locked(ad, IOMMU_ATS_ISOLATED);
		done = true;
	}
	raw_spin_unlock_irqrestore(&ad->lock, flags);
	return done;
}

unsigned int iommu_ats_recovery_budget = IOMMU_ATS_RECOVERY_BUDGET;

static int __init iommu_ats_recovery_budget_setup(char *str)
{
	unsigned int n;

	if (kstrtouint(str, 0, &n) || n > IOMMU_ATS_RECOVERY_BUDGET_MAX) {
		pr_err("iommu.ats_recovery_budget=%s: not a number from 0 to %d; keeping %u\n",
		       str, IOMMU_ATS_RECOVERY_BUDGET_MAX, iommu_ats_recovery_budget);
		return 0;
	}
	iommu_ats_recovery_budget = n;
	return 0;
}
early_param("iommu.ats_recovery_budget", iommu_ats_recovery_budget_setup);

/*
 * True if the last iommu_ats_recovery_budget recoveries of @ad all happened
 * within IOMMU_ATS_RECOVERY_WINDOW_S: this is one more failure after them.
 * The ring of recovery times is indexed by the count of recoveries.
 */
static bool iommu_ats_over_budget(struct iommu_ats_dev *ad)
{
	unsigned int budget = READ_ONCE(iommu_ats_recovery_budget);
	unsigned long oldest;

	if (!budget || ad->nr_recoveries < budget)
		return false;
	oldest = ad->recovered_at[(ad->nr_recoveries - budget) % IOMMU_ATS_RECOVERY_BUDGET_MAX];
	return time_before(jiffies, oldest + IOMMU_ATS_RECOVERY_WINDOW_S * HZ);
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

	/*
	 * A device that keeps failing after good resets is not recovered
	 * forever: past the budget it stays fenced, for a person to decide.
	 */
	if (iommu_ats_over_budget(ad)) {
		trace_iommu_ats_recovery(dev, "over_budget", -EBUSY);
		if (iommu_ats_transition(ad, IOMMU_ATS_FENCED, IOMMU_ATS_ISOLATED))
			iommu_ats_notify(ad);
		dev_err(dev, "ATS recovery: %u recoveries within %u s and it failed again: the device stays isolated; a successful reset (echo 1 > /sys/bus/pci/devices/%s/reset) brings it back\n",
			iommu_ats_recovery_budget, IOMMU_ATS_RECOVERY_WINDOW_S, dev_name(dev));
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
		/* Not a reset to do behind the owner's back: say whose it is */
		if (ret == -EBUSY)
			dev_warn(dev, "ATS recovery is its owner's: the device stays isolated until its owner resets it (VFIO_DEVICE_RESET)\n");
		else
			dev_err(dev, "ATS recovery failed (%d): the device stays isolated; a successful reset (echo 1 > /sys/bus/pci/devices/%s/reset) brings it back\n",
				ret, dev_name(dev));
		iommu_ats_notify(ad);
	}
out:
	put_device(dev);
}

/*
 * The default backend: the device's IOMMU driver fences and drains, the
 * PCI recovery helper resets through the device's driver.
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

/*
 * The IOMMU could not confirm the fence: stop the function's DMA at the
 * function. A config write under the raw pci_lock: atomic-safe. The
 * device's driver sets Bus Master Enable again when it restarts the
 * function after the reset (slot_reset, or probe after a rebind).
 */
static int iommu_ats_pci_block_dma(struct device *dev)
{
	pci_clear_master(to_pci_dev(dev));
	return 0;
}

const struct iommu_ats_backend iommu_ats_default_backend = {
	.fence		= iommu_ats_driver_fence,
	.drain_pri	= iommu_ats_driver_drain_pri,
	.recover	= iommu_ats_pci_recover,
	.fallback	= iommu_ats_pci_block_dma,
};
