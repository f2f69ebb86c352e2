// SPDX-License-Identifier: GPL-2.0
/* Must be flagged by reset-result.cocci: done() told "success" blindly. */
static int bad_reset(struct pci_dev *pdev)
{
	int ret;

	pci_dev_reset_iommu_prepare(pdev);
	ret = do_the_reset(pdev);
	pci_dev_reset_iommu_done(pdev, 0);
	return ret;
}
