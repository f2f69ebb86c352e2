// SPDX-License-Identifier: GPL-2.0
/* Must be flagged by devtlb-mute.cocci: no filter, no fence check. */
int qi_submit_sync(struct intel_iommu *iommu, struct qi_desc *desc,
		   unsigned int count, unsigned long options)
{
	return write_descs(iommu, desc, count);
}

/* The funnel itself without the filter; its entry point is fine. */
static int __qi_submit_sync(struct intel_iommu *iommu, struct qi_desc *desc,
			    unsigned int count, unsigned long options,
			    struct qi_held *held)
{
	return write_descs(iommu, desc, count);
}

int qi_submit_batch_unlock(struct intel_iommu *iommu, struct qi_batch *batch,
			   spinlock_t *lock)
{
	return __qi_submit_sync(iommu, batch->descs, batch->index, 0, lock);
}

static void flush_one(struct dmar_domain *domain, struct cache_tag *tag)
{
	qi_batch_add_dev_iotlb(tag->iommu, 1, 0, 0, 0, 0, domain->qi_batch);
}
