// SPDX-License-Identifier: GPL-2.0
/// Invariant 3: no ATC invalidation reaches a fenced device.
/// SMMUv3: a CMD_ATC_INV is built by arm_smmu_atc_inv_to_cmd() (or by
/// hand, from CMDQ_OP_ATC_INV, in the ATS fence's probes); a function
/// that builds one must first check that the master is not fenced
/// (iommu_ats_fenced(), or arm_smmu_atc_sid_fenced() by StreamID), on
/// every path to it: one path that reaches it unchecked is a report.
// dirs: drivers/iommu/arm/arm-smmu-v3
// Options: --no-includes --include-headers
virtual report

@builder exists@
identifier fn != arm_smmu_atc_inv_to_cmd;
position p;
@@
fn(...)
{
... when != iommu_ats_fenced(...)
    when != arm_smmu_atc_sid_fenced(...)
(
 arm_smmu_atc_inv_to_cmd@p(...)
|
 FIELD_PREP@p(CMDQ_0_OP, CMDQ_OP_ATC_INV)
)
...
}

@script:python depends on report@
p << builder.p;
fn << builder.fn;
@@
coccilib.report.print_report(p[0], "%s builds a CMD_ATC_INV without checking that the master is fenced" % fn)
