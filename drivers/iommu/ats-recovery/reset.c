// SPDX-License-Identifier: GPL-2.0
/*
 * ATS fence/recover: what a reset of the function means for a fenced device.
 *
 * A device may ignore ATC invalidations while it resets (PCIe r6.0, sec.
 * 10.3.1, implementation note). Upstream's pci_dev_reset_iommu_prepare()
 * and pci_dev_reset_iommu_done() move it to its group's blocking domain
 * around every reset method and attach its domains again afterwards; done()
 * takes the reset's result and keeps a device whose reset failed blocked.
 * At the end of the outermost reset the IOMMU core asks the layer here:
 *
 * - 0, a good reset: the device's ATC is empty. A fenced device is
 *   unfenced, before the core attaches its domains afresh, so that the
 *   IOMMU driver's attach programs the entry with ATS on again.
 * - -ENOTTY, no reset was done: a fenced device stays as it was.
 * - any other error, a failed reset: the device's ATC may hold anything.
 *   It becomes ISOLATED, fenced or not before, and stays in the blocking
 *   domain; only a later good reset brings it back.
 */
#include <linux/device.h>
#include <linux/pci.h>
#include <kunit/visibility.h>

#include "internal.h"

#include <trace/events/iommu_ats.h>

/**
 * iommu_ats_reset_done() - the outermost reset of a function ended
 * @dev: the function
 * @result: the reset's result: 0, -ENOTTY (no reset) or the failure
 *
 * Called by pci_dev_reset_iommu_done() with the group mutex held, before
 * it decides whether to attach the device's domains again. A failure armed
 * through debugfs (fail_reset) turns a good reset into a failed one here.
 *
 * Context: process.
 * Return: the result the IOMMU core goes by.
 */
int iommu_ats_reset_done(struct device *dev, int result)
{
	struct iommu_ats_dev *ad = iommu_ats_dev_get_state(dev);
	unsigned long flags;
	bool failed_now = false;

	if (!ad)
		return result;

	if (!result && atomic_dec_if_positive(&ad->fail_resets) >= 0) {
		dev_info(dev, "ATS recovery: failing this reset on purpose (debugfs fail_reset)\n");
		result = -EIO;
	}

	raw_spin_lock_irqsave(&ad->lock, flags);
	if (!result) {
		ad->reset_gen++;
		if (iommu_ats_state_is_fenced(ad->state)) {
			WRITE_ONCE(ad->state, IOMMU_ATS_OK);
			atomic_dec(&iommu_ats_nr_fenced);
			ad->unfence_pending = true;
			ad->fences_at_unfence = ad->nr_fences;
		}
	} else if (result != -ENOTTY) {
		ad->nr_failed_resets++;
		/*
		 * The blocking domain the device stays in does not block
		 * translated requests everywhere (VT-d in scalable mode keeps
		 * the context entry's DTE): a device not fenced yet is fenced
		 * in hardware too.
		 */
		if (!iommu_ats_state_is_fenced(ad->state))
			iommu_ats_fence_locked(ad, IOMMU_ATS_ISOLATED);
		else
			WRITE_ONCE(ad->state, IOMMU_ATS_ISOLATED);
		failed_now = true;
	}
	raw_spin_unlock_irqrestore(&ad->lock, flags);

	trace_iommu_ats_recovery(dev, "reset_done", result);
	if (failed_now) {
		dev_warn(dev, "reset failed (%d): the device stays blocked to protect memory; a successful reset (echo 1 > /sys/bus/pci/devices/%s/reset) brings it back\n",
			 result, dev_name(dev));
		iommu_ats_notify(ad);
	}
	return result;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_reset_done);

/**
 * iommu_ats_reset_restored() - the domains are attached again after a reset
 * @dev: the function
 *
 * Called by pci_dev_reset_iommu_done() after a good reset, once the IOMMU
 * driver attached the device's domains afresh. A report that raced with
 * that attach fenced the device while its entry was being rewritten: the
 * fence is written again. Otherwise a fenced device is back.
 *
 * Context: process.
 */
void iommu_ats_reset_restored(struct device *dev)
{
	struct iommu_ats_dev *ad = iommu_ats_dev_get_state(dev);
	unsigned long flags;
	bool unfenced = false;

	if (!ad)
		return;

	raw_spin_lock_irqsave(&ad->lock, flags);
	if (ad->nr_fences != ad->fences_at_unfence &&
	    iommu_ats_state_is_fenced(ad->state)) {
		iommu_ats_fence_locked(ad, ad->state);
	} else if (ad->unfence_pending) {
		ad->recovered_at[ad->nr_recoveries % IOMMU_ATS_RECOVERY_BUDGET_MAX] = jiffies;
		ad->nr_recoveries++;
		unfenced = true;
	}
	ad->unfence_pending = false;
	raw_spin_unlock_irqrestore(&ad->lock, flags);

	if (unfenced) {
		trace_iommu_ats_unfence(dev, 0);
		dev_info(dev, "ATS unfenced after a successful reset and a fresh domain attach\n");
		iommu_ats_notify(ad);
	}
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_reset_restored);
