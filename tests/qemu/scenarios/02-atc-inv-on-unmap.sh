# SPDX-License-Identifier: GPL-2.0
# machines: vtd vtd-sm amd smmuv3
# Every unmap of an ATS function's DMA reaches the function as an ATS
# Invalidate Request. A function with ATS on whose ATC is never invalidated
# keeps translations to memory the OS reuses: the corruption this project
# exists to prevent, and one that no fence can catch, since nothing ever
# times out. The 6.12 SMMUv3 driver did exactly that on this machine: the
# disk was missing from its domain's devices list (it joined its root
# port's group and attach removed the entry prepare had added), so a
# traced run of I/O sent 4859 TLBI_NH_VA, 9718 CMD_SYNC and no CMD_ATC_INV.
# In 7.3 the IOMMU core hands attach_dev() the old domain, NULL for a
# device that joins a group at probe (__iommu_probe_device()), and the
# ATC invalidations come from the domain's arm_smmu_invs entries.
#
# The oracle is the function's side of the emulator (qemu/patches/0001):
# pcie_ats_inv_request is traced when an invalidation reaches the function,
# whichever IOMMU sent it. Its trace is turned on through QMP for the
# window only (every invalidation of the boot would flood the log). With
# iommu.strict=1 each unmap flushes at once, and each O_DIRECT read maps
# and unmaps at least its data buffer, so N reads give at least N
# invalidations to the disk.
. /tests/lib.sh

blk=$(virtio_blk_bdf)
[ -n "$blk" ] || fail "no virtio-blk function"
[ "$(ats_state "$blk")" = enabled ] || fail "$blk: ATS is $(ats_state "$blk"), expected enabled"
type=$(cat "/sys/bus/pci/devices/$blk/iommu_group/type")
case "$type" in
DMA|DMA-FQ) ;;
*) fail "$blk: IOMMU domain type $type, expected DMA (iommu.strict=1)" ;;
esac

n=64
trace_state() {	# on|off
	local on=false
	[ "$1" = off ] || on=true
	qmp "trace-$1" "{\"execute\":\"trace-event-set-state\",\"arguments\":{\"name\":\"pcie_ats_inv_request\",\"enable\":$on}}"
}
trap 'echo "# qemu-trace-end unmap" > /dev/console' EXIT

echo "# qemu-trace-check unmap 02-atc-inv-on-unmap/model-atc-inv-per-unmap $n pcie_ats_inv_request[[:space:]]ats0[[:space:]]" > /dev/console
trace_state on
echo "# qemu-trace-begin unmap" > /dev/console
dd if=/dev/vda of=/dev/null bs=4k count=$n iflag=direct 2>/dev/null || fail "read /dev/vda"
echo "# qemu-trace-end unmap" > /dev/console
trace_state off
info "$blk: $n direct reads done; the host counts the ATS invalidations that reached ats0"
