# SPDX-License-Identifier: GPL-2.0
# machines: vtd vtd-sm amd smmuv3
# The machine's IOMMU is active, the virtio-blk disk is translated by it
# (DMA domain, not identity), reads through it return the right data, and
# the ATS state of every PCI function is reported; the ATS state of the
# machine's ATS device (atstest.ats_dev, vendor:device) must be what this
# machine is known to give (atstest.expect_ats).
. /tests/lib.sh

case "$ATSTEST_MACHINE" in
vtd|vtd-sm)	pattern='dmar*' ;;
amd)	pattern='ivhd*' ;;
smmuv3)	pattern='smmu3.*' ;;
*)	fail "unknown machine '$ATSTEST_MACHINE'" ;;
esac
units=$(ls -d /sys/class/iommu/$pattern 2>/dev/null | xargs -n1 basename 2>/dev/null)
[ -n "$units" ] || fail "no /sys/class/iommu/$pattern: the IOMMU is not active"
info "IOMMU units: $units"

info "BDF          id         driver           group type      ATS"
for d in /sys/bus/pci/devices/*; do
	bdf=$(basename "$d")
	drv=-; [ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	grp=-; type=-
	if [ -e "$d/iommu_group" ]; then
		grp=$(basename "$(readlink "$d/iommu_group")")
		type=$(cat "$d/iommu_group/type")
	fi
	printf '%s %s:%s %-16s %-5s %-9s %s\n' "$bdf" "$(cat $d/vendor)" "$(cat $d/device)" \
		"$drv" "$grp" "$type" "$(ats_state "$bdf")"
done

blk=$(virtio_blk_bdf)
[ -n "$blk" ] || fail "no virtio-blk function"
[ -e "/sys/bus/pci/devices/$blk/iommu_group" ] || fail "$blk has no IOMMU group"
type=$(cat "/sys/bus/pci/devices/$blk/iommu_group/type")
case "$type" in
DMA|DMA-FQ) ;;
*) fail "$blk is in a '$type' group: its DMA is not translated" ;;
esac

info "virtio-blk $blk: group type $type"

atsdev=$(pci_devices_with "$ATSTEST_ATS_DEV" | head -n 1)
[ -n "$atsdev" ] || fail "no function $ATSTEST_ATS_DEV (the machine's ATS device)"
ats=$(ats_state "$atsdev")
[ "$ats" = "$ATSTEST_EXPECT_ATS" ] ||
	fail "$atsdev: ATS is '$ats', this machine is expected to give '$ATSTEST_EXPECT_ATS'"
info "ATS device $atsdev ($ATSTEST_ATS_DEV): ATS $ats, as expected on this machine"

sum=$(md5sum /dev/vda | cut -d' ' -f1)
[ "$sum" = "$ATSTEST_DISK_MD5" ] ||
	fail "read of /dev/vda through the IOMMU: md5 $sum, expected $ATSTEST_DISK_MD5"
info "read of /dev/vda through the IOMMU: md5 $sum as written by the host"
