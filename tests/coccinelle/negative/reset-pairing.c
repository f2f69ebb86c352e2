// SPDX-License-Identifier: GPL-2.0
/*
 * Must be flagged by reset-pairing.cocci: after a prepare that succeeded,
 * an early return skips done(). (The return after a failed prepare is
 * right: the prepare undid itself.)
 */
static int bad_reset(struct pci_dev *pdev)
{
	int ret;

	ret = pci_dev_reset_iommu_prepare(pdev);
	if (ret)
		return ret;
	ret = do_the_reset(pdev);
	if (ret)
		return ret;
	pci_dev_reset_iommu_done(pdev, ret);
	return 0;
}
