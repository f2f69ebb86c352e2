// SPDX-License-Identifier: GPL-2.0
/*
 * Must be flagged by fence-atomic.cocci: a fence op that sleeps, calls a
 * helper that allocates with GFP_KERNEL, and one through a struct member
 * that sleeps.
 */
static DEFINE_MUTEX(bad_lock);

static void slow_flush(struct bad_iommu *iommu)
{
	msleep(1);
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
	return 0;
}

static const struct iommu_ops bad_ops = {
	.ats_fence = bad_fence,
};
