// SPDX-License-Identifier: GPL-2.0
/* Must be flagged by atc-mute-arm-smmu-v3.cocci: two ATC_INV, no check. */
static int inv_master(struct arm_smmu_master *master, ioasid_t ssid)
{
	struct arm_smmu_cmdq_ent cmd;

	arm_smmu_atc_inv_to_cmd(ssid, 0, 0, &cmd);
	return issue(master, &cmd);
}

static void probe_sid(u64 *probe, u32 sid)
{
	probe[0] = FIELD_PREP(CMDQ_0_OP, CMDQ_OP_ATC_INV) |
		   FIELD_PREP(CMDQ_ATC_0_SID, sid);
}
