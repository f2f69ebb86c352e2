// SPDX-License-Identifier: GPL-2.0
/* Must be flagged by atc-mute-arm-smmu-v3.cocci: ATC_INVs with no check. */
static int inv_master(struct arm_smmu_master *master, ioasid_t ssid)
{
	struct arm_smmu_cmd cmd = arm_smmu_atc_inv_to_cmd(0, ssid, 0, 0);

	return issue(master, &cmd);
}

static int probe_sid(struct arm_smmu_device *smmu, u32 sid)
{
	struct arm_smmu_cmd cmd = arm_smmu_make_cmd_atc_inv_all(sid, 0);

	return issue_one(smmu, &cmd);
}
