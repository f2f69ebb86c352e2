// SPDX-License-Identifier: GPL-2.0
/// Every pci_dev_reset_iommu_prepare() that succeeded (and every bus
/// variant) is paired with its done() on every path: a prepare without
/// done leaves the device blocked with its reset depth held forever. A
/// prepare that failed has undone itself: its caller returns at once
/// (upstream's contract; done() then would underflow the depth).
// dirs: drivers/pci
// Options: --no-includes --include-headers
virtual report

@failed_prepare exists@
expression E, R;
position p2;
@@
 R = pci_dev_reset_iommu_prepare(E);
 if (R) { ... return@p2 ...; }

@dev exists@
expression E, R;
position p1, p2 != failed_prepare.p2;
@@
(
 R = pci_dev_reset_iommu_prepare@p1(E);
|
 pci_dev_reset_iommu_prepare@p1(E);
)
 ... when != pci_dev_reset_iommu_done(E, ...)
 return@p2 ...;

@script:python depends on report@
p1 << dev.p1;
p2 << dev.p2;
@@
coccilib.report.print_report(p2[0], "returns without the done() of the prepare on line %s" % p1[0].line)

@bus exists@
expression E;
position p1, p2;
@@
 pci_bus_reset_iommu_prepare@p1(E);
 ... when != pci_bus_reset_iommu_done(E, ...)
 return@p2 ...;

@script:python depends on report@
p1 << bus.p1;
p2 << bus.p2;
@@
coccilib.report.print_report(p2[0], "returns without the done() of the prepare on line %s" % p1[0].line)
