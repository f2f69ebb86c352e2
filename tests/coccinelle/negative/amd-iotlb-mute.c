// SPDX-License-Identifier: GPL-2.0
/* Must be flagged by amd-iotlb-mute.cocci, twice: no fence check, and a
 * second builder of the command outside the funnel.
 */
static int flush_dev_iotlb(struct iommu_dev_data *dev_data, u64 address,
			   size_t size)
{
	struct iommu_cmd cmd;

	build_inv_iotlb_pages(&cmd, dev_data->devid, dev_data->ats_qdep,
			      address, size, 0, false);
	return iommu_queue_command(get_amd_iommu_from_dev_data(dev_data), &cmd);
}

static void build_my_inv_iotlb(struct iommu_cmd *cmd, u16 devid)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->data[0] = devid;
	CMD_SET_TYPE(cmd, CMD_INV_IOTLB_PAGES);
}
