// SPDX-License-Identifier: GPL-2.0
/*
 * ATS fence/recover: every reset of a PCI function fences ATS before it
 * and lifts the fence after it only if it succeeded.
 *
 * A device may ignore ATC invalidations while it resets (PCIe r6.0, sec.
 * 10.3.1, implementation note), so the PCI reset paths move it to its
 * group's blocking domain first (the IOMMU driver's blocking attach turns
 * ATS off and stops its ATC invalidations), and give it its domains back
 * afterwards. The names and meaning follow the pair upstream Linux added
 * for 7.0, with its later fixes: the pair nests (a depth per device, e.g.
 * a CXL bus reset around a bus reset), done() takes the reset's result, and
 * a failed reset leaves the device fenced.
 */
#include <linux/device.h>
#include <linux/pci.h>
#include <kunit/visibility.h>

#include "internal.h"

#include <trace/events/iommu_ats.h>

/*
 * Starts a reset of @ad's function; the outermost one blocks the device.
 * An error means the reset must not be done: the device could not be
 * blocked, or a failure was injected (debugfs fail_reset). The caller ends
 * it with that error all the same, which leaves the device ISOLATED.
 * Context: process.
 */
int iommu_ats_reset_begin(struct iommu_ats_dev *ad)
{
	int ret = 0;

	mutex_lock(&ad->reset_lock);
	if (!ad->reset_depth++) {
		ad->reset_failed = 0;
		ret = ad->backend->block(ad->dev);
		ad->reset_blocked = !ret;
		if (ret)
			dev_warn(ad->dev, "could not block the device's DMA for a reset (%d)\n",
				 ret);
		else if (atomic_dec_if_positive(&ad->fail_resets) >= 0)
			ret = -EIO;
		if (ret == -EIO)
			dev_info(ad->dev, "ATS recovery: failing this reset on purpose (debugfs fail_reset)\n");
		ad->reset_failed = ret;
	}
	mutex_unlock(&ad->reset_lock);
	trace_iommu_ats_recovery(ad->dev, "reset_prepare", ret);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_reset_begin);

/*
 * Ends a reset of @ad's function. Nested resets only count: the outermost
 * one decides, with the first failure any of them saw, so that nothing
 * unfences after a failed reset.
 * Context: process.
 */
void iommu_ats_reset_end(struct iommu_ats_dev *ad, int result)
{
	mutex_lock(&ad->reset_lock);
	if (WARN_ON_ONCE(!ad->reset_depth)) {
		mutex_unlock(&ad->reset_lock);
		return;
	}
	if (result && result != -ENOTTY && !ad->reset_failed)
		ad->reset_failed = result;
	if (!--ad->reset_depth) {
		if (ad->reset_failed)
			result = ad->reset_failed;
		iommu_ats_reset_finish(ad, result, ad->reset_blocked);
		ad->reset_blocked = false;
	}
	mutex_unlock(&ad->reset_lock);
	trace_iommu_ats_recovery(ad->dev, "reset_done", result);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_reset_end);

/**
 * pci_dev_reset_iommu_prepare() - fence ATS before a reset of a function
 * @pdev: the function about to be reset
 *
 * Moves @pdev to its IOMMU group's blocking domain, which turns ATS off
 * and stops its ATC invalidations, keeping the group's domains for
 * pci_dev_reset_iommu_done(). Nests: only the outermost call blocks. Does
 * nothing for a function that cannot use ATS. On an error the caller must
 * not reset the function, and still calls pci_dev_reset_iommu_done() with
 * the error.
 *
 * Context: process; takes the IOMMU group mutex.
 * Return: 0, or why the function must not be reset now.
 */
int pci_dev_reset_iommu_prepare(struct pci_dev *pdev)
{
	struct iommu_ats_dev *ad = iommu_ats_dev_get_state(&pdev->dev);

	return ad ? iommu_ats_reset_begin(ad) : 0;
}
EXPORT_SYMBOL_GPL(pci_dev_reset_iommu_prepare);

/**
 * pci_dev_reset_iommu_done() - end the ATS fence of a reset
 * @pdev: the function that was reset
 * @result: the reset's result: 0 for success, -ENOTTY if no reset was done
 *
 * Must pair with pci_dev_reset_iommu_prepare(). After a good reset the
 * function gets its domains back through a fresh attach, and a function
 * fenced after an ATC invalidation timeout is unfenced. After a failed
 * reset nothing unfences: the function stays blocked and ISOLATED until a
 * later good reset, and the log says so.
 *
 * Context: process; takes the IOMMU group mutex.
 */
void pci_dev_reset_iommu_done(struct pci_dev *pdev, int result)
{
	struct iommu_ats_dev *ad = iommu_ats_dev_get_state(&pdev->dev);

	if (ad)
		iommu_ats_reset_end(ad, result);
}
EXPORT_SYMBOL_GPL(pci_dev_reset_iommu_done);

static int pci_bus_reset_prepare_one(struct pci_dev *pdev, void *data)
{
	pci_dev_reset_iommu_prepare(pdev);
	return 0;
}

static int pci_bus_reset_done_one(struct pci_dev *pdev, void *data)
{
	pci_dev_reset_iommu_done(pdev, *(int *)data);
	return 0;
}

/**
 * pci_bus_reset_iommu_prepare() - fence ATS on every function below a bus
 * @bus: the bus about to be reset (secondary bus reset, slot or link reset)
 *
 * Context: process.
 */
void pci_bus_reset_iommu_prepare(struct pci_bus *bus)
{
	if (bus)
		pci_walk_bus(bus, pci_bus_reset_prepare_one, NULL);
}
EXPORT_SYMBOL_GPL(pci_bus_reset_iommu_prepare);

/**
 * pci_bus_reset_iommu_done() - end the ATS fence of a bus reset
 * @bus: the bus that was reset
 * @result: the reset's result, for every function below @bus
 *
 * Context: process.
 */
void pci_bus_reset_iommu_done(struct pci_bus *bus, int result)
{
	if (bus)
		pci_walk_bus(bus, pci_bus_reset_done_one, &result);
}
EXPORT_SYMBOL_GPL(pci_bus_reset_iommu_done);
