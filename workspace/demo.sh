#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh: the main job. Builds the x86_64 kernel, boots the VT-d machine
# and shows, from the guest kernel's own sysfs and config space, that the
# IOMMU translates the virtio disk and that ATS is enabled on it.
. "$(dirname "$0")/lib.sh"

make -s -C "$TOP" x86_64
say "demo: booting q35 + intel-iommu (device-iotlb=on) with a virtio-blk ats=on disk behind a PCIe root port"
RESULTS= "$TOP/tests/qemu/run.sh" vtd 00-iommu-active 01-ats-recovery-abi
log=$BUILD/qemu/vtd/console.log
echo
say "demo: what the guest kernel said about the IOMMU and ATS (console log)"
grep -E 'DMAR: (IOMMU enabled|Host address width|DRHD|ATSR|dmar[0-9]: Using Queued)|DMAR-IR: Enabled|virtio_blk' "$log" | tr -d '\r' | sed 's/^/    /' | head -n 12
