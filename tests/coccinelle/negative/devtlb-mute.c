// SPDX-License-Identifier: GPL-2.0
/* Must be flagged by devtlb-mute.cocci: no filter, no fence check. */
int qi_submit_sync(struct intel_iommu *iommu, struct qi_desc *desc,
		   unsigned int count, unsigned long options)
{
	return write_descs(iommu, desc, count);
}

static void flush_one(struct dmar_domain *domain, struct cache_tag *tag)
{
	qi_batch_add_dev_iotlb(tag->iommu, 1, 0, 0, 0, 0, domain->qi_batch);
}
