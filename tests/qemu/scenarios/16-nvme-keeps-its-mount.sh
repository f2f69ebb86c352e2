# SPDX-License-Identifier: GPL-2.0
# machines: vtd:2000 vtd-sm:2000 amd:50 amd:1000 smmuv3:500 smmuv3:5000
# timeout: 240
# An NVMe controller with ATS (qemu/patches/0003) stops answering ATS
# invalidations while files are written to a mounted filesystem on it.
# Nothing is injected: the IOMMU model times out on it, the driver fences
# it, and the recovery runs through the nvme driver's own
# pci_error_handlers (error_detected, a reset of the function, slot_reset,
# resume), not the unbind/rebind fallback. The function keeps its
# identity: the same block device (number and name), the same mount. From
# the guest: every file whose write was synced before or during the fault
# reads back intact from the device (page cache dropped), writes after the
# recovery work, and a fresh mount agrees. A write in flight at the fence
# either completes intact or fails where its writer sees it: none is
# reported done and lost. From QEMU's trace: the model timed out on the
# controller, no ATS invalidation reached it from its fence to its reset,
# and the reset happened.
. /tests/lib.sh

nvme=$(pci_devices_with 0x1b36:0x0010 | head -n 1)
[ -n "$nvme" ] || fail "no NVMe controller (1b36:0010) on this machine"
ns=$(basename "$(ls -d /sys/bus/pci/devices/$nvme/nvme/nvme*/nvme*n1 2>/dev/null | head -n 1)")
[ -n "$ns" ] || fail "$nvme: no namespace block device"
KM_SCENARIO=16-nvme-keeps-its-mount KM_BDF=$nvme KM_DRIVER=nvme KM_QOM_ID=nvme0 KM_DEV=/dev/$ns
# nvme's error_detected(frozen) and slot_reset() say so themselves
set -- "frozen state error detected" "restart after slot reset"
. /tests/keeps-its-mount.sh
