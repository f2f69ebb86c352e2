// SPDX-License-Identifier: GPL-2.0
/// Invariant 3: no ATC invalidation reaches a fenced device.
/// SMMUv3 (Linux 7.3): a CMD_ATC_INV is built by arm_smmu_atc_inv_to_cmd()
/// or arm_smmu_make_cmd_atc_inv_all() (or from arm_smmu_make_cmd_op() with
/// CMDQ_OP_ATC_INV); a function that builds one must first check that the
/// master is not fenced (iommu_ats_fenced(), or arm_smmu_atc_muted() by
/// StreamID), on every path to it ("exists": one path that reaches it
/// unchecked is a report). The KUnit suites (*-test.c) build them for a
/// model of the queue on purpose; the vSMMU forwards a guest's commands
/// and builds none (Documentation/iommu/ats-recovery.rst says why).
// dirs: drivers/iommu/arm/arm-smmu-v3
// Options: --no-includes --include-headers
virtual report

@builder exists@
identifier fn != {arm_smmu_atc_inv_to_cmd, arm_smmu_make_cmd_atc_inv,
		  arm_smmu_make_cmd_atc_inv_all};
position p;
@@
fn(...)
{
... when != iommu_ats_fenced(...)
    when != arm_smmu_atc_muted(...)
(
 arm_smmu_atc_inv_to_cmd@p(...)
|
 arm_smmu_make_cmd_atc_inv_all@p(...)
|
 arm_smmu_make_cmd_op@p(CMDQ_OP_ATC_INV)
)
...
}

@script:python depends on report@
p << builder.p;
fn << builder.fn;
@@
if not p[0].file.endswith("-test.c"):
    coccilib.report.print_report(p[0], "%s builds a CMD_ATC_INV without checking that the master is fenced" % fn)
