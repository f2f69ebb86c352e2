// SPDX-License-Identifier: GPL-2.0
/*
 * Recovery of a single PCI function through its driver's error handlers.
 *
 * AER and DPC recover a whole link (pcie_do_recovery(), private to them).
 * When one function must be reset, for example after the IOMMU fenced it
 * because it stopped answering ATC invalidations, its own driver takes part
 * the same way (Documentation/PCI/pci-error-recovery.rst): error_detected(),
 * a reset of the function, slot_reset(), resume(). A driver without error
 * handlers, or one that answers it cannot take part, gets the fallback EEH
 * uses: unbind, reset, rebind.
 */
#include <linux/device.h>
#include <linux/iommu-ats-recovery.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>

#include "pci.h"

/* The reset at the heart of the flow; ATS is fenced around it. */
static int pci_recover_reset(struct pci_dev *pdev)
{
	int ret;

	pci_cfg_access_lock(pdev);
	pci_save_state(pdev);
	ret = __pci_reset_function_locked(pdev);
	/*
	 * The IOMMU core may have judged the reset failed though the method
	 * said nothing (a nested reset failed, a failure armed in debugfs):
	 * the function then stays blocked, and must not be restarted.
	 */
	if (!ret && iommu_ats_read_state(&pdev->dev) == IOMMU_ATS_ISOLATED)
		ret = -EIO;
	if (!ret)
		pci_restore_state(pdev);
	pci_cfg_access_unlock(pdev);
	return ret;
}

static int pci_recover_unaware(struct pci_dev *pdev, const char *why)
{
	struct device *dev = &pdev->dev;
	bool bound = dev->driver;
	int ret;

	pci_info(pdev, "recovery: %s: unbind, reset, rebind\n", why);
	if (bound)
		device_release_driver(dev);

	device_lock(dev);
	/* A driver may have bound since the unbind: it gets its own reset hooks */
	if (dev->driver)
		ret = pci_reset_function_locked(pdev);
	else
		ret = pci_recover_reset(pdev);
	device_unlock(dev);
	if (ret) {
		pci_err(pdev, "recovery: reset failed (%d); the function stays unbound\n",
			ret);
		pci_uevent_ers(pdev, PCI_ERS_RESULT_DISCONNECT);
		return ret;
	}
	if (bound && device_attach(dev) <= 0)
		pci_warn(pdev, "recovery: no driver bound after the reset\n");
	else
		pci_info(pdev, "recovery: reset%s\n",
			 bound ? " and bound to its driver again" : "");
	pci_uevent_ers(pdev, PCI_ERS_RESULT_RECOVERED);
	return 0;
}

/*
 * Is the function's DMA owned by userspace (VFIO, iommufd)? Its driver then
 * does not use the kernel's DMA API (driver_managed_dma, as vfio-pci); the
 * IOMMU group's owner count would not tell, every bound driver counts.
 * Called with the device lock held.
 */
static bool pci_recover_user_owned(struct pci_dev *pdev)
{
	return pdev->driver && pdev->driver->driver_managed_dma;
}

/*
 * The driver is told the function is lost for good: error_detected() with
 * pci_channel_io_perm_failure, as pcie_do_recovery() does when it gives
 * up. The function's io state stays normal, so that a later reset (sysfs,
 * VFIO) can still reach it and bring it back.
 */
static void pci_recover_give_up(struct pci_dev *pdev,
				const struct pci_error_handlers *err)
{
	pci_dev_set_io_state(pdev, pci_channel_io_normal);
	if (err && err->error_detected)
		err->error_detected(pdev, pci_channel_io_perm_failure);
	pci_uevent_ers(pdev, PCI_ERS_RESULT_DISCONNECT);
}

/**
 * pci_recover_function() - recover one function through its driver
 * @pdev: the function to recover
 *
 * Runs the PCI error-recovery flow of Documentation/PCI/pci-error-recovery.rst
 * for @pdev alone, woken to D0 first: error_detected() with
 * pci_channel_io_frozen (the function's DMA cannot be trusted, so a reset
 * is required whatever the driver answers short of DISCONNECT);
 * mmio_enabled() for a driver that answered CAN_RECOVER; a reset of the
 * function by its best method; slot_reset(), which must answer RECOVERED;
 * resume(); with the uevents AER sends. A driver without error handlers,
 * or whose error_detected() answers PCI_ERS_RESULT_NO_AER_DRIVER (it
 * cannot keep its device across a reset), is unbound, the function reset
 * and the driver bound again. DISCONNECT,
 * or a reset that fails, ends the flow with error_detected() of
 * pci_channel_io_perm_failure and a DISCONNECT uevent; the IOMMU keeps
 * the function fenced, and config space stays reachable for a later reset.
 *
 * AER/DPC recovery of the same function (pcie_do_recovery()) waits for this
 * one to end, and this one for it: the two never call the driver's error
 * handlers interleaved.
 *
 * A function whose DMA is owned by userspace (VFIO, iommufd) is not reset
 * behind its owner: its driver's error_detected() forwards the error (for
 * vfio-pci, the VMM's error eventfd) and the function stays fenced until
 * the owner resets it (VFIO_DEVICE_RESET).
 *
 * Context: process; takes the device lock.
 * Return: 0 if the function was reset and its driver resumed it; -EBUSY if
 * its owner is to reset it; another error if the recovery failed.
 */
int pci_recover_function(struct pci_dev *pdev)
{
	const struct pci_error_handlers *err = NULL;
	pci_ers_result_t res;
	int ret;

	pm_runtime_get_sync(&pdev->dev);
	/* Not beside AER/DPC recovery of this function (pcie_do_recovery()) */
	pci_dev_err_recovery_lock(pdev);
	device_lock(&pdev->dev);
	/* Under the device lock: the driver bound now is the one we drive */
	if (pdev->driver)
		err = pdev->driver->err_handler;

	if (pci_recover_user_owned(pdev)) {
		pci_uevent_ers(pdev, PCI_ERS_RESULT_NONE);
		if (err && err->error_detected)
			err->error_detected(pdev, pci_channel_io_frozen);
		pci_warn(pdev, "recovery: the function's DMA is owned by userspace: left to its owner to reset (it stays fenced until then)\n");
		ret = -EBUSY;
		goto out;
	}

	if (!err || !err->error_detected) {
		device_unlock(&pdev->dev);
		ret = pci_recover_unaware(pdev, "the driver has no error handlers");
		goto unlocked;
	}

	pci_dev_set_io_state(pdev, pci_channel_io_frozen);
	pci_uevent_ers(pdev, PCI_ERS_RESULT_NONE);
	res = err->error_detected(pdev, pci_channel_io_frozen);
	/*
	 * The vote pcie_do_recovery() gives a driver without error handlers,
	 * answered by a bus driver whose client cannot take part (virtio-pci
	 * for a virtio driver without reset_prepare()): the same fallback.
	 */
	if (res == PCI_ERS_RESULT_NO_AER_DRIVER) {
		pci_dev_set_io_state(pdev, pci_channel_io_normal);
		device_unlock(&pdev->dev);
		ret = pci_recover_unaware(pdev, "the driver cannot recover the function in place");
		goto unlocked;
	}
	if (res == PCI_ERS_RESULT_CAN_RECOVER && err->mmio_enabled)
		res = err->mmio_enabled(pdev);
	if (res == PCI_ERS_RESULT_DISCONNECT) {
		pci_info(pdev, "recovery: the driver asked to disconnect\n");
		ret = -ENODEV;
		goto failed;
	}

	ret = pci_recover_reset(pdev);
	if (ret) {
		pci_err(pdev, "recovery: reset failed (%d)\n", ret);
		goto failed;
	}
	pci_dev_set_io_state(pdev, pci_channel_io_normal);

	res = err->slot_reset ? err->slot_reset(pdev) : PCI_ERS_RESULT_RECOVERED;
	if (res != PCI_ERS_RESULT_RECOVERED) {
		pci_info(pdev, "recovery: the driver could not restart after the reset (%d)\n",
			 res);
		ret = -EIO;
		goto failed;
	}
	if (err->resume)
		err->resume(pdev);
	pci_uevent_ers(pdev, PCI_ERS_RESULT_RECOVERED);
	pci_info(pdev, "recovery: reset and resumed by its driver\n");
	ret = 0;
	goto out;

failed:
	pci_recover_give_up(pdev, err);
out:
	device_unlock(&pdev->dev);
unlocked:
	pci_dev_err_recovery_unlock(pdev);
	pm_runtime_put(&pdev->dev);
	return ret;
}
EXPORT_SYMBOL_GPL(pci_recover_function);
