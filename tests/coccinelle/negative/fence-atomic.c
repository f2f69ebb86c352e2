// SPDX-License-Identifier: GPL-2.0
/*
 * Must be flagged by fence-atomic.cocci: a fence op that sleeps, calls a
 * helper that allocates with GFP_KERNEL, one through a struct member and
 * a callback it passes on, both of which sleep.
 */
static DEFINE_MUTEX(bad_lock);

static void slow_flush(struct bad_iommu *iommu)
{
	msleep(1);
}

static int slow_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	might_sleep();
	return 0;
}

static const struct bad_flush_ops bad_flush = {
	.flush_all = slow_flush,
};

static void bad_helper(void)
{
	void *p = kzalloc(64, GFP_KERNEL);

	kfree(p);
}

static int bad_fence(struct device *dev)
{
	mutex_lock(&bad_lock);
	bad_helper();
	mutex_unlock(&bad_lock);
	to_bad_iommu(dev)->flush->flush_all(to_bad_iommu(dev));
	pci_for_each_dma_alias(to_pci_dev(dev), slow_alias, NULL);
	return 0;
}

static const struct iommu_ops bad_ops = {
	.ats_fence = bad_fence,
};
