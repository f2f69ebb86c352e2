// SPDX-License-Identifier: GPL-2.0
/* Must be flagged by fence-atomic.cocci: a fence op that sleeps. */
static DEFINE_MUTEX(bad_lock);

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
	return 0;
}

static const struct iommu_ops bad_ops = {
	.ats_fence = bad_fence,
};
