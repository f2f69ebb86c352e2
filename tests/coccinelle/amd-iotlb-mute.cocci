// SPDX-License-Identifier: GPL-2.0
/// Invariant 3 on AMD-Vi: no IOTLB (device-TLB) invalidation reaches a
/// fenced device. device_flush_iotlb() is the funnel: whatever builds an
/// INV_IOTLB_PAGES command must check iommu_ats_fenced() first (or
/// iommu_ats_muted(), with the IOMMU's lock held), and no other function
/// may set up the command type itself. The KUnit suite (*-test.c) reads
/// commands in its model of the IOMMU: not a report.
// dirs: drivers/iommu/amd
// Options: --no-includes --include-headers
virtual report

@builder exists@
identifier fn;
position p;
@@
fn(...)
{
... when != iommu_ats_fenced(...)
    when != iommu_ats_muted(...)
build_inv_iotlb_pages@p(...)
...
}

@script:python depends on report@
p << builder.p;
fn << builder.fn;
@@
if not p[0].file.endswith("-test.c"):
    coccilib.report.print_report(p[0], "%s builds an IOTLB invalidation without checking iommu_ats_fenced() or iommu_ats_muted()" % fn)

@raw@
identifier fn != build_inv_iotlb_pages;
position p;
@@
fn(...)
{
<+...
CMD_INV_IOTLB_PAGES@p
...+>
}

@script:python depends on report@
p << raw.p;
fn << raw.fn;
@@
if not p[0].file.endswith("-test.c"):
    coccilib.report.print_report(p[0], "%s sets up an INV_IOTLB_PAGES command outside build_inv_iotlb_pages(): go through device_flush_iotlb()" % fn)
