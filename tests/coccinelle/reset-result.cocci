// SPDX-License-Identifier: GPL-2.0
/// Invariant 4: nothing unfences after a failed reset, so
/// pci_dev_reset_iommu_done() and pci_bus_reset_iommu_done() must receive
/// the reset's result, never a constant that says "success".
// dirs: drivers/pci drivers/iommu
// Options: --no-includes --include-headers
virtual report

@bad@
expression E;
constant C;
position p;
@@
(
 pci_dev_reset_iommu_done@p(E, C)
|
 pci_bus_reset_iommu_done@p(E, C)
)

@script:python depends on report@
p << bad.p;
c << bad.C;
@@
if c.strip() not in ("-ENOTTY", "- ENOTTY", "-EIO", "- EIO"):
    coccilib.report.print_report(p[0], "the reset's result, not %s: a constant success would unfence after a failed reset" % c)
