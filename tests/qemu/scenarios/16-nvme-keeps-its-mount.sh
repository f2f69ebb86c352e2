# SPDX-License-Identifier: GPL-2.0
# machines: vtd:2000 vtd-sm:2000 smmuv3:500 smmuv3:5000
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
[ "$(driver_of "$nvme")" = nvme ] || fail "$nvme: bound to $(driver_of "$nvme"), expected nvme"
[ "$(ats_state "$nvme")" = enabled ] || fail "$nvme: ATS is $(ats_state "$nvme"), needs to be enabled"
[ "$(ats_attr "$nvme" state)" = ok ] || fail "$nvme: state $(ats_attr "$nvme" state) at start"
ns=$(basename "$(ls -d /sys/bus/pci/devices/$nvme/nvme/nvme*/nvme*n1 2>/dev/null | head -n 1)")
[ -n "$ns" ] || fail "$nvme: no namespace block device"
dev=/dev/$ns
devno=$(cat /sys/block/$ns/dev)
fences=$(ats_attr "$nvme" fences)
recoveries=$(ats_attr "$nvme" recoveries)
others=		# every other function the layer watches, with its fences
for f in /sys/bus/pci/devices/*/ats_recovery; do
	f=${f%/ats_recovery}
	f=${f##*/}
	[ "$f" = "$nvme" ] || others="$others $f:$(ats_attr "$f" fences)"
done
info "$nvme ($dev, $devno, SID $(sid_of "$nvme")), IOMMU timeout $ATSTEST_HW_TIMEOUT_MS ms, $(nproc) CPUs"

mke2fs -q "$dev" > /dev/null 2>&1 || fail "mke2fs $dev"
mkdir -p /mnt/nvme
mount -t ext2 "$dev" /mnt/nvme || fail "mount $dev"
M=/mnt/nvme
dd if=/dev/urandom of=/tmp/pattern bs=64k count=1 2>/dev/null
want=$(md5sum < /tmp/pattern | cut -d' ' -f1)
# Files written and synced before the fault: what must survive it
for i in 1 2 3 4; do
	dd if=/tmp/pattern of=$M/before-$i bs=64k conv=fsync 2>/dev/null || fail "write $M/before-$i"
done

# Writers on two CPUs, each recording a file once its fsync returned
# (synced) or failed (failed, with dd's error). The last CPU runs none
# (scenario 40 says why). How many files they write before the fence
# depends on the machine's speed and the IOMMU timeout; a writer pauses
# while less than 32 MiB are free, so that a full filesystem never
# passes for a failure of the recovery.
rm -f /tmp/stop /tmp/synced /tmp/failed /tmp/paused
trap 'touch /tmp/stop; echo "# qemu-trace-end nvme" > /dev/console' EXIT
writer() {	# CPU NAME
	taskset -c "$1" sh -c "i=0; while [ ! -e /tmp/stop ]; do
		if [ \$(df -k $M | awk 'NR == 2 { print \$4 }') -lt 32768 ]; then
			echo $2 >> /tmp/paused
			sleep 0.2
			continue
		fi
		i=\$((i + 1))
		if dd if=/tmp/pattern of=$M/$2-\$i bs=64k conv=fsync 2> /tmp/dd.$2; then
			echo $2-\$i >> /tmp/synced
		else
			echo \"$2-\$i: \$(grep -m 1 dd: /tmp/dd.$2)\" >> /tmp/failed
		fi
	done" > /dev/null 2>&1 &
	pids="$pids $!"
}
pids=
ncpu=$(nproc)
io=$(( ncpu > 2 ? ncpu - 1 : ncpu ))
writer 0 w0
writer $((1 % io)) w1
sleep 1

model_trace_res "$nvme"
echo "# qemu-trace-check nvme 16-nvme-keeps-its-mount/model-timeout-reported 1 $timeout_re" > /dev/console
echo "# qemu-trace-check nvme 16-nvme-keeps-its-mount/model-reset 1 pcie_ats_inv_reset[[:space:]]nvme0" > /dev/console
echo "# qemu-trace-none nvme 16-nvme-keeps-its-mount/model-no-atc-inv-while-fenced $fence_re pcie_ats_inv_unanswered[[:space:]]nvme0 pcie_ats_inv_reset[[:space:]]nvme0" > /dev/console
echo "# qemu-trace-begin nvme" > /dev/console
logged=$(dmesg | wc -l)
ats_stuck nvme0 on
info "nvme0 ($nvme) no longer answers ATS invalidations"

t0=$(date +%s)
wait_fenced "$nvme" "$fences" $((ATSTEST_HW_TIMEOUT_MS / 1000 + 30))
info "$nvme fenced $(( $(date +%s) - t0 )) s after it stopped answering"
wait_state "$nvme" ok 60
sleep 2		# the writers go on through the recovered controller
touch /tmp/stop
wait_exited 20 $pids
echo "# qemu-trace-end nvme" > /dev/console
[ -z "$alive" ] || fail "writers$alive still blocked 20 s after the recovery ended"

log=$(dmesg | tail -n +$((logged + 1)))
echo "$log" | grep -q "frozen state error detected" ||
	fail "the nvme driver's error_detected() did not run"
echo "$log" | grep -q "restart after slot reset" ||
	fail "the nvme driver's slot_reset() did not run"
echo "$log" | grep -q "recovery: reset and resumed by its driver" ||
	fail "the recovery did not end through the driver's handlers"
if echo "$log" | grep -q "recovery: the driver has no error handlers"; then
	fail "the recovery unbound the nvme driver (the fallback for drivers without handlers)"
fi
[ "$(ats_attr "$nvme" recoveries)" = $((recoveries + 1)) ] ||
	fail "recoveries of $nvme: $(ats_attr "$nvme" recoveries), expected $((recoveries + 1))"
[ "$(ats_state "$nvme")" = enabled ] || fail "ATS is $(ats_state "$nvme") on $nvme after the recovery"
for o in $others; do
	[ "$(ats_attr "${o%:*}" fences)" = "${o##*:}" ] || fail "${o%:*} was fenced too: only $nvme may be"
done

# The same device, the same mount
[ "$(cat /sys/block/$ns/dev 2>/dev/null)" = "$devno" ] ||
	fail "$dev is $(cat /sys/block/$ns/dev 2>/dev/null || echo gone), was $devno: the block device did not keep its identity"
grep -q "^$dev $M ext2 rw" /proc/mounts || fail "$M is no longer mounted read-write from $dev: $(grep " $M " /proc/mounts)"

# Every file reported synced reads back from the device
echo 3 > /proc/sys/vm/drop_caches
nsynced=0
for f in before-1 before-2 before-3 before-4 $(cat /tmp/synced 2>/dev/null); do
	got=$(md5sum < $M/$f | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "$M/$f was synced, reads back md5 $got, wrote $want"
	nsynced=$((nsynced + 1))
done
nfailed=$(cat /tmp/failed 2>/dev/null | wc -l)
[ "$nsynced" -gt 4 ] || fail "the writers synced no file: nothing was being written when the controller stopped answering"
[ "$nfailed" = 0 ] || info "writes that failed where their writer saw it: $(head -n 3 /tmp/failed | tr '\n' ';')"
# After the recovery: a new file, synced and read back from the device
dd if=/tmp/pattern of=$M/after bs=64k conv=fsync 2> /tmp/dd.after ||
	fail "write $M/after after the recovery: $(grep -m 1 dd: /tmp/dd.after); $(df -k $M | tail -n 1)"
echo 3 > /proc/sys/vm/drop_caches
[ "$(md5sum < $M/after | cut -d' ' -f1)" = "$want" ] || fail "$M/after does not read back after the recovery"

# A fresh mount agrees
umount $M || fail "umount $M"
mount -t ext2 "$dev" $M || fail "mount $dev again"
for f in before-1 before-2 before-3 before-4 after $(cat /tmp/synced 2>/dev/null); do
	[ "$(md5sum < $M/$f | cut -d' ' -f1)" = "$want" ] || fail "$M/$f differs after a fresh mount"
done
umount $M
info "fences $fences -> $(ats_attr "$nvme" fences) ($(ats_attr "$nvme" last_reason)), $(echo $others | wc -w) other functions not fenced, recovered through the nvme driver's handlers; $devno kept its mount; $nsynced synced files intact, $nfailed writes failed where their writer saw it, writers paused for space $(cat /tmp/paused 2>/dev/null | wc -l) times"
