# SPDX-License-Identifier: GPL-2.0
# The body of the scenarios in which a disk with a mounted filesystem
# stops answering ATS invalidations mid-write and is recovered through
# its driver's error handlers, keeping its identity (16 for nvme, 17 for
# virtio-blk). Sourced by them after lib.sh, with
#   KM_SCENARIO  the scenario's name (its model-* verdicts)
#   KM_BDF       the function, KM_DRIVER the PCI driver it must be bound to
#   KM_QOM_ID    its QEMU id (QMP, QEMU's trace, its trace window)
#   KM_DEV       its block device
# and as arguments the lines its driver's own handlers must log.

[ "$(driver_of "$KM_BDF")" = "$KM_DRIVER" ] || fail "$KM_BDF: bound to $(driver_of "$KM_BDF"), expected $KM_DRIVER"
[ "$(ats_state "$KM_BDF")" = enabled ] || fail "$KM_BDF: ATS is $(ats_state "$KM_BDF"), needs to be enabled"
[ "$(ats_attr "$KM_BDF" state)" = ok ] || fail "$KM_BDF: state $(ats_attr "$KM_BDF" state) at start"
[ -b "$KM_DEV" ] || fail "$KM_BDF: no block device $KM_DEV"
dev=$KM_DEV
ns=${KM_DEV#/dev/}
devno=$(cat /sys/block/$ns/dev)
fences=$(ats_attr "$KM_BDF" fences)
recoveries=$(ats_attr "$KM_BDF" recoveries)
others=$(others_fences "$KM_BDF")
info "$KM_BDF ($dev, $devno, SID $(sid_of "$KM_BDF")), IOMMU timeout $ATSTEST_HW_TIMEOUT_MS ms, $(nproc) CPUs"

mke2fs -q "$dev" > /dev/null 2>&1 || fail "mke2fs $dev"
mkdir -p /mnt/$KM_QOM_ID
mount -t ext2 "$dev" /mnt/$KM_QOM_ID || fail "mount $dev"
M=/mnt/$KM_QOM_ID
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
trap 'touch /tmp/stop; echo "# qemu-trace-end $KM_QOM_ID" > /dev/console' EXIT
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

model_trace_res "$KM_BDF"
echo "# qemu-trace-check $KM_QOM_ID $KM_SCENARIO/model-timeout-reported 1 $timeout_re" > /dev/console
echo "# qemu-trace-check $KM_QOM_ID $KM_SCENARIO/model-reset 1 pcie_ats_inv_reset[[:space:]]$KM_QOM_ID" > /dev/console
echo "# qemu-trace-none $KM_QOM_ID $KM_SCENARIO/model-no-atc-inv-while-fenced $fence_re pcie_ats_inv_unanswered[[:space:]]$KM_QOM_ID pcie_ats_inv_reset[[:space:]]$KM_QOM_ID" > /dev/console
echo "# qemu-trace-begin $KM_QOM_ID" > /dev/console
logged=$(dmesg | wc -l)
mark_recovery "$KM_BDF"
ats_stuck $KM_QOM_ID on
info "$KM_QOM_ID ($KM_BDF) no longer answers ATS invalidations"

t0=$(date +%s)
wait_fenced "$KM_BDF" "$fences" $((ATSTEST_HW_TIMEOUT_MS / 1000 + 30))
# What was in flight when the fence was seen (the block layer's count of
# requests issued and not completed), and what was synced from then until
# the recovery ended: what became of the requests caught by the fault
inflight=$(cat /sys/block/$ns/inflight | awk '{ print $1 " reads, " $2 " writes" }')
at_fence=$(cat /tmp/synced 2>/dev/null | wc -l)
info "$KM_BDF fenced $(( $(date +%s) - t0 )) s after it stopped answering; in flight then: $inflight"
wait_state "$KM_BDF" ok 60
wait_recovery_ended "$KM_BDF"
info "files synced from the fence to the end of the recovery: $(( $(cat /tmp/synced 2>/dev/null | wc -l) - at_fence ))"
sleep 2		# the writers go on through the recovered controller
touch /tmp/stop
wait_exited 20 $pids
echo "# qemu-trace-end $KM_QOM_ID" > /dev/console
[ -z "$alive" ] || fail "writers$alive still blocked 20 s after the recovery ended"

log=$(dmesg | tail -n +$((logged + 1)))
for line in "$@"; do
	echo "$log" | grep -q "$line" || fail "no '$line' from the $KM_DRIVER driver's own handlers"
done
check_recovered_in_place "$KM_BDF" "$log" "$recoveries" "$others"

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
info "fences $fences -> $(ats_attr "$KM_BDF" fences) ($(ats_attr "$KM_BDF" last_reason)), $(echo $others | wc -w) other functions not fenced, recovered through the $KM_DRIVER driver's handlers; $devno kept its mount; $nsynced synced files intact, $nfailed writes failed where their writer saw it, writers paused for space $(cat /tmp/paused 2>/dev/null | wc -l) times"
