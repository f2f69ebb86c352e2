# SPDX-License-Identifier: GPL-2.0
# machines: vtd:2000 vtd-sm:2000 smmuv3:500 smmuv3:5000
# timeout: 240
# The same as 16 for a virtio-blk disk (vblk0, ATS on, its own empty disk
# behind its own root port): a mounted ext2 filesystem with files being
# written from two CPUs when the function stops answering ATS
# invalidations (QMP; nothing injected). The recovery runs through
# virtio-pci's error handlers (patches/virtio-pci-recover-frozen-function):
# error_detected() quiesces virtio-blk through its reset_prepare() (its
# queue frozen: the requests the device holds complete first), the
# function is reset, slot_reset() restarts it through reset_done(). No
# unbind: the block device keeps its number and its mount, every synced
# file reads back intact from the device, a write after the recovery
# works, a fresh mount agrees; from QEMU's trace: the model timed out on
# vblk0, no ATS invalidation reached it from its fence to its reset.
. /tests/lib.sh

vblk= vd=
for f in $(pci_devices_with 0x1af4:0x1042); do
	d=$(ls /sys/bus/pci/devices/$f/virtio*/block 2>/dev/null)
	if [ "$(cat /sys/block/$d/serial 2>/dev/null)" = ats-vblk0 ]; then
		vblk=$f vd=$d
	fi
done
[ -n "$vblk" ] || fail "no virtio-blk disk with serial ats-vblk0 (vblk0) on this machine"
KM_SCENARIO=17-virtio-blk-keeps-its-mount KM_BDF=$vblk KM_DRIVER=virtio-pci KM_QOM_ID=vblk0
KM_DEV=/dev/$vd
# virtio-pci and virtio-blk log nothing when their handlers succeed
set --
. /tests/keeps-its-mount.sh
