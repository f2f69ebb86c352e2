# SPDX-License-Identifier: GPL-2.0
# machines: vtd
# A timeout reported for each virtio function, recovered in the two ways
# virtio-pci's error handlers (patches/virtio-pci-recover-frozen-function)
# allow. The disk, whose virtio-blk driver has reset_prepare/reset_done, is
# quiesced, reset with ATS fenced and restarted in place: no unbind, the
# same block device, a file descriptor opened before the fault reads
# through it after, the pattern written before intact. The virtio-rng,
# whose driver has no reset_prepare, cannot keep its device across a
# reset: virtio-pci answers PCI_ERS_RESULT_NO_AER_DRIVER, and the function
# is unbound, reset and bound again (the fallback of drivers without
# error handlers), its hwrng back. ATS is enabled again on both.
. /tests/lib.sh

blk=$(virtio_blk_bdf)
[ -n "$blk" ] || fail "no virtio-blk function"
[ "$(ats_state "$blk")" = enabled ] || fail "$blk: ATS is not enabled before the test"
recoveries=$(ats_attr "$blk" recoveries)
devno=$(cat /sys/block/vda/dev)

# 1 MiB of random data at 4 MiB into the disk.
dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 2>/dev/null
dd if=/tmp/pattern of=/dev/vda bs=64k seek=64 conv=fsync 2>/dev/null || fail "write to /dev/vda"
want=$(md5sum < /tmp/pattern | cut -d' ' -f1)
info "wrote 1 MiB (md5 $want) to /dev/vda ($devno) at 4 MiB"

exec 3< /dev/vda		# an opener across the recovery
mark_recovery "$blk"
report "$blk"
wait_state "$blk" ok 60
wait_recovery_ended "$blk"
[ "$(ats_attr "$blk" recoveries)" = $((recoveries + 1)) ] || fail "recoveries of $blk did not go up by one"
dmesg_has "$blk: recovery: reset and resumed by its driver" ||
	fail "$blk was not recovered through virtio-pci's error handlers"
if dmesg | grep -q "$blk: recovery: .*unbind, reset, rebind"; then
	fail "$blk was unbound: virtio-blk has reset_prepare, it must be recovered in place"
fi
[ "$(driver_of "$blk")" = virtio-pci ] || fail "$blk is bound to '$(driver_of "$blk")' after the recovery"
[ "$(ats_state "$blk")" = enabled ] || fail "$blk: ATS is $(ats_state "$blk") after the recovery"
[ "$(cat /sys/block/vda/dev 2>/dev/null)" = "$devno" ] ||
	fail "/dev/vda is $(cat /sys/block/vda/dev 2>/dev/null || echo gone), was $devno: not the same block device"
echo 3 > /proc/sys/vm/drop_caches
got=$(dd bs=64k skip=64 count=16 <&3 2>/dev/null | md5sum | cut -d' ' -f1)
exec 3<&-
[ "$got" = "$want" ] || fail "read back through the opener: md5 $got, wrote $want"
info "$blk: recovered in place, $devno kept; read back md5 $got through the descriptor opened before"

rng=$(pci_devices_with 0x1af4:0x1044 | head -n 1)
[ -n "$rng" ] || fail "no virtio-rng function"
if [ "$(driver_of "$rng")" != virtio-pci ]; then	# 10 left ats_errtest on it
	echo > "/sys/bus/pci/devices/$rng/driver_override"
	[ "$(driver_of "$rng")" = - ] || echo "$rng" > "/sys/bus/pci/devices/$rng/driver/unbind"
	echo "$rng" > /sys/bus/pci/drivers_probe
fi
[ "$(driver_of "$rng")" = virtio-pci ] || fail "$rng: bound to $(driver_of "$rng"), expected virtio-pci"
[ "$(ats_state "$rng")" = enabled ] || fail "$rng: ATS is $(ats_state "$rng") before the test"
recoveries=$(ats_attr "$rng" recoveries)
mark_recovery "$rng"
report "$rng"
wait_state "$rng" ok 60
wait_recovery_ended "$rng"
[ "$(ats_attr "$rng" recoveries)" = $((recoveries + 1)) ] || fail "recoveries of $rng did not go up by one"
dmesg_has "$rng: recovery: the driver cannot recover the function in place: unbind, reset, rebind" ||
	fail "no unbind/reset/rebind line for $rng in the kernel log"
[ "$(driver_of "$rng")" = virtio-pci ] || fail "$rng is bound to '$(driver_of "$rng")' after the recovery"
[ "$(ats_state "$rng")" = enabled ] || fail "$rng: ATS is $(ats_state "$rng") after the recovery"
i=0
while ! grep -q virtio_rng /sys/class/misc/hw_random/rng_current 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
cur=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
case "$cur" in virtio_rng*) ;; *) fail "the hwrng is '$cur' after the recovery, expected a virtio_rng" ;; esac
n=$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | wc -c)
[ "$n" = 16 ] || fail "read $n bytes from /dev/hwrng after the recovery, expected 16"
info "$rng: unbound, reset, rebound; $cur gives bytes again"
