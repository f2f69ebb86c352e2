// SPDX-License-Identifier: GPL-2.0
/* Must be flagged by reset-pairing.cocci: an early return skips done(). */
static int bad_reset(struct pci_dev *pdev)
{
	int ret;

	pci_dev_reset_iommu_prepare(pdev);
	ret = do_the_reset(pdev);
	if (ret)
		return ret;
	pci_dev_reset_iommu_done(pdev, ret);
	return 0;
}
