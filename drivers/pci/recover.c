// SPDX-License-Identifier: GPL-2.0
/*
 * Recovery of a single PCI function through its driver's error handlers.
 *
 * AER and DPC recover a whole link (pcie_do_recovery(), private to them).
 * When one function must be reset, for example after the IOMMU fenced it
 * because it stopped answering ATC invalidations, its own driver takes part
 * the same way (Documentation/PCI/pci-error-recovery.rst): error_detected(),
 * a reset of the function, slot_reset(), resume(). A driver without error
 * handlers gets the fallback EEH uses: unbind, reset, rebind.
 */
#include <linux/device.h>
#include <linux/pci.h>

#include "pci.h"

/* The reset at the heart of the flow; ATS is fenced around it. */
static int pci_recover_reset(struct pci_dev *pdev)
{
	int ret;

	pci_cfg_access_lock(pdev);
	pci_save_state(pdev);
	ret = __pci_reset_function_locked(pdev);
	if (!ret)
		pci_restore_state(pdev);
	pci_cfg_access_unlock(pdev);
	return ret;
}

static int pci_recover_unaware(struct pci_dev *pdev)
{
	struct device *dev = &pdev->dev;
	bool bound = dev->driver;
	int ret;

	pci_info(pdev, "recovery: the driver has no error handlers: unbind, reset, rebind\n");
	if (bound)
		device_release_driver(dev);

	device_lock(dev);
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
	pci_uevent_ers(pdev, PCI_ERS_RESULT_RECOVERED);
	return 0;
}

/**
 * pci_recover_function() - recover one function through its driver
 * @pdev: the function to recover
 *
 * Runs the PCI error-recovery flow for @pdev alone: error_detected() with
 * pci_channel_io_frozen (the function's DMA cannot be trusted and a reset
 * is required, whatever the driver answers short of DISCONNECT), a reset
 * of the function by its best method, slot_reset(), resume(), with the
 * uevents AER sends. A driver without error handlers is unbound, the
 * function reset and the driver bound again. DISCONNECT, or a reset that
 * fails, ends the flow with a DISCONNECT uevent; the IOMMU keeps the
 * function fenced, and config space stays reachable for a later reset.
 *
 * Context: process; takes the device lock.
 * Return: 0 if the function was reset and its driver resumed it.
 */
int pci_recover_function(struct pci_dev *pdev)
{
	const struct pci_error_handlers *err;
	pci_ers_result_t res;
	int ret;

	device_lock(&pdev->dev);
	err = pdev->driver ? pdev->driver->err_handler : NULL;
	if (!err || !err->error_detected) {
		device_unlock(&pdev->dev);
		return pci_recover_unaware(pdev);
	}

	pci_dev_set_io_state(pdev, pci_channel_io_frozen);
	pci_uevent_ers(pdev, PCI_ERS_RESULT_NONE);
	res = err->error_detected(pdev, pci_channel_io_frozen);
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
	if (res == PCI_ERS_RESULT_DISCONNECT) {
		pci_info(pdev, "recovery: the driver could not restart after the reset\n");
		ret = -EIO;
		goto failed;
	}
	if (err->resume)
		err->resume(pdev);
	pci_uevent_ers(pdev, PCI_ERS_RESULT_RECOVERED);
	device_unlock(&pdev->dev);
	pci_info(pdev, "recovery: reset and resumed by its driver\n");
	return 0;

failed:
	/*
	 * Not pci_channel_io_perm_failure: config space must stay reachable
	 * for the reset that may bring the function back later.
	 */
	pci_dev_set_io_state(pdev, pci_channel_io_normal);
	pci_uevent_ers(pdev, PCI_ERS_RESULT_DISCONNECT);
	device_unlock(&pdev->dev);
	return ret;
}
EXPORT_SYMBOL_GPL(pci_recover_function);
