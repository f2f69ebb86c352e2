# SPDX-License-Identifier: GPL-2.0
# machines: vtd:2000 vtd-sm:2000 vtd:20000 vtd-sm:20000 vtd-nosid:2000 amd:50 amd:1000 smmuv3:500 smmuv3:5000
# timeout: 240
# A function stops answering ATS invalidations in the middle of I/O, as a
# hung device does, and the IOMMU model reports it when its own timeout
# expires (MACHINE:T, T ms): VT-d ITE with ITESID, SMMUv3
# CERROR_ATC_INV_SYNC at the CMD_SYNC, AMD-Vi IOTLB_INV_TIMEOUT. Nothing on
# the kernel side is injected. Writes run on both ATS disks from several
# CPUs: the culprit (ats0, made stuck through QMP) and the bystander (ats1)
# on the same IOMMU. On AMD-Vi the culprit is the NVMe controller (nvme0):
# the fence blocks all of the function's DMA there (whether DTE.I = 0
# alone refuses translated requests, spec 48882 does not say), and QEMU's
# virtio-blk stops at a DMA error instead of failing the request, as
# silicon and QEMU's NVMe do, so a fenced virtio disk never completes
# what it holds and no recovery can quiesce it. From the guest: only the culprit was fenced, it was
# recovered (its reset is what makes the model's function answer again)
# and is back with ATS on, the bystander was never fenced, the data written
# before the fault reads back intact on both. From QEMU's own trace (the
# host checks it, model-*): the model timed out on the culprit, no ATS
# invalidation reached the culprit from the moment the model saw its
# fence until the function was reset, the reset happened.
. /tests/lib.sh

T=/sys/kernel/tracing
blks=$(pci_devices_with 0x1af4:0x1042)
case "$ATSTEST_MACHINE" in
amd*)	cid=nvme0; culprit=$(pci_devices_with 0x1b36:0x0010 | head -n 1) ;;
*)	cid=ats0; culprit=$(echo "$blks" | sed -n 1p) ;;
esac
bystander=$(echo "$blks" | sed -n 2p)
[ -n "$culprit" ] && [ -n "$bystander" ] ||
	fail "a culprit ($cid) and a virtio-blk bystander (ats1) expected: $culprit, $blks"
for f in $culprit $bystander; do
	[ "$(ats_state "$f")" = enabled ] || fail "$f: ATS is $(ats_state "$f"), needs to be enabled"
	[ "$(ats_attr "$f" state)" = ok ] || fail "$f: state $(ats_attr "$f" state) at start"
done
vd_of() { basename "$(ls -d /sys/bus/pci/devices/$1/virtio*/block/vd* /sys/bus/pci/devices/$1/nvme/nvme*/nvme*n1 2>/dev/null | head -n 1)"; }
cdisk=/dev/$(vd_of "$culprit")
bdisk=/dev/$(vd_of "$bystander")
csid=$(sid_of "$culprit")
bsid=$(sid_of "$bystander")
cfences=$(ats_attr "$culprit" fences)
# Functions beside the culprit in its slot (the smmuv3 variants: an ATS
# virtio-rng at function 1, in the culprit's IOMMU group and domain, whose
# ATC invalidations share the culprit's batches): never fenced either
siblings=
for f in /sys/bus/pci/devices/${culprit%.*}.*; do
	f=${f##*/}
	[ "$f" != "$culprit" ] && [ -d "/sys/bus/pci/devices/$f/ats_recovery" ] &&
		siblings="$siblings $f:$(ats_attr "$f" fences)"
done
crec=$(ats_attr "$culprit" recoveries)
bfences=$(ats_attr "$bystander" fences)
info "culprit $culprit ($cdisk, SID $csid), bystander $bystander ($bdisk, SID $bsid), IOMMU timeout $ATSTEST_HW_TIMEOUT_MS ms, $(nproc) CPUs"

echo 0 > $T/tracing_on
echo > $T/trace
echo 16384 > $T/buffer_size_kb
echo 1 > $T/events/iommu_ats/enable
echo 1 > $T/tracing_on

dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 2>/dev/null
want=$(md5sum < /tmp/pattern | cut -d' ' -f1)
# The pattern is on both disks before the fault: what must survive it
dd if=/tmp/pattern of="$cdisk" bs=64k seek=128 conv=fsync 2>/dev/null || fail "write $cdisk"
dd if=/tmp/pattern of="$bdisk" bs=64k seek=128 conv=fsync 2>/dev/null || fail "write $bdisk"
rm -f /tmp/stop
# The writers and the trace window end with the scenario, pass or fail (a
# later scenario's trace is not this one's)
trap 'touch /tmp/stop; echo "# qemu-trace-end stuck" > /dev/console' EXIT
# The writers use a block node of their own (the disk's device number):
# while the recovery has the disk unbound, /dev/vdX is gone, and a dd
# (O_CREAT) on it would create a regular file there, which devtmpfs then
# leaves in place of the re-probed disk's node; a node of a missing disk
# just fails (ENXIO).
writer() {	# CPU DISK SEEK: writes the pattern until /tmp/stop, on CPU
	local node=/tmp/node-${2##*/}-$3
	mknod "$node" b $(tr ':' ' ' < "/sys/block/${2##*/}/dev") || fail "mknod $node"
	taskset -c "$1" sh -c "while [ ! -e /tmp/stop ]; do
		dd if=/tmp/pattern of=$node bs=64k seek=$3 conv=fsync 2>/dev/null
		dd if=$node of=/dev/null bs=64k skip=$3 count=16 iflag=direct 2>/dev/null
	done" > /dev/null 2>&1 &	# a writer stuck on a hung disk must not hold /init's pipe
	pids="$pids $!"
}
pids=
# The last CPU runs no writer: with the others spinning on the stalled
# queue, it is the one whose hard-lockup watchdog (the buddy detector of
# the test kernels) sees a CPU that spins with interrupts off too long.
ncpu=$(nproc)
io=$(( ncpu > 2 ? ncpu - 1 : ncpu ))
writer 0 "$cdisk" 160
writer $((1 % io)) "$cdisk" 192
writer $((2 % io)) "$bdisk" 160
writer $((3 % io)) "$bdisk" 192
sleep 1

# What the host checks in QEMU's trace of the window (parse.sh); asked
# for first, so that a scenario that fails half-way still gets them
model_trace_res "$culprit"
echo "# qemu-trace-check stuck 40-stuck-under-io/model-timeout-reported 1 $timeout_re" > /dev/console
echo "# qemu-trace-check stuck 40-stuck-under-io/model-culprit-reset 1 pcie_ats_inv_reset[[:space:]]$cid" > /dev/console
echo "# qemu-trace-none stuck 40-stuck-under-io/model-no-atc-inv-while-fenced $fence_re pcie_ats_inv_unanswered[[:space:]]$cid pcie_ats_inv_reset[[:space:]]$cid" > /dev/console
# The model's fence oracle (qemu/patches/0002): once the IOMMU gave up on
# the culprit's invalidation, no synchronisation may complete while the
# culprit's entry still lets translated requests through, until its reset.
# VT-d: every one, since the queue moves on only once software cleared
# ITE, so a driver can fence first. AMD-Vi (qemu/patches/0035): the
# COMPLETION_WAIT behind the invalidation that timed out completes before
# any fence can (FIFO), so the model judges those whose batch invalidated
# the culprit's domain without an IOTLB invalidation to it: a flush that
# skipped the muted culprit and completed before its fence was in effect.
# On SMMUv3 the model (qemu/patches/0024) judges batches the same way,
# but Linux puts a flush's TLBIs and its ATC invalidations behind two
# CMD_SYNCs, and the TLBI half of a correct flush looks the same: traced,
# not checked.
case "$ATSTEST_MACHINE" in
vtd*|amd*)
	echo "# qemu-trace-none stuck 40-stuck-under-io/model-no-sync-before-fence pcie_ats_inv_abandoned[[:space:]]$cid pcie_ats_unsafe_sync.*[[:space:]]$cid[[:space:]] pcie_ats_inv_reset[[:space:]]$cid" > /dev/console ;;
esac
# VT-d: how long submissions to the invalidation queue take (DMAR_PERF),
# each with interrupts off from start to end: the longest is reported
perf=/sys/kernel/debug/iommu/intel/dmar_perf_latency
if [ -w $perf ]; then
	for type in 1 2 3; do echo $type > $perf; done	# IOTLB, device-TLB, IEC
fi
echo "# qemu-trace-begin stuck" > /dev/console
ats_stuck $cid on
info "$cid ($culprit) no longer answers ATS invalidations"
# Detection takes the IOMMU's own timeout (none for T = 0: then nothing
# may be fenced at all); the recovery then resets the function. The waits
# count guest seconds: under TCG with four busy vCPUs a loop's own steps
# are slow.
A=/sys/bus/pci/devices/$culprit/ats_recovery
t0=$(date +%s)
wait_fenced "$culprit" "$cfences" $((ATSTEST_HW_TIMEOUT_MS / 1000 + 30))
info "$culprit fenced $(( $(date +%s) - t0 )) s after it stopped answering"
end=$(( $(date +%s) + 30 ))
read -r st < $A/state
while [ "$st" != ok ] && [ "$(date +%s)" -lt $end ]; do
	sleep 0.2
	read -r st < $A/state
done
sleep 1		# the writers go on through the recovered disk
touch /tmp/stop
# A write in flight at the fence may fail; one that never ends is a hang
wait_exited 10 $pids
echo "# qemu-trace-end stuck" > /dev/console
echo 0 > $T/tracing_on
if [ -w $perf ]; then	# columns: ... min max average (us)
	info "invalidation submissions, longest (us): $(awk '/^ *inv_/ { printf "%s %s; ", $1, $(NF - 1) }' $perf)"
	echo 0 > $perf
fi
[ "$(ats_attr "$bystander" fences)" = "$bfences" ] ||
	fail "the bystander $bystander was fenced too ($(ats_attr "$bystander" last_reason)): only the culprit may be"
for s in $siblings; do
	[ "$(ats_attr "${s%:*}" fences)" = "${s##*:}" ] ||
		fail "${s%:*}, in the culprit's domain, was fenced too ($(ats_attr "${s%:*}" last_reason)): only the culprit may be"
	[ "$(ats_state "${s%:*}")" = enabled ] || fail "${s%:*}: ATS is $(ats_state "${s%:*}") after the culprit's recovery"
done
# Without ITESID the driver can only suspect the devices of the aborted
# submission: it says so. SMMUv3 names no device either, but the driver
# probes each StreamID of the failed batch alone (the sibling's too): the
# culprit is named by its own probe's failure, not suspected
case "$ATSTEST_MACHINE" in
vtd-nosid*) [ "$(ats_attr "$culprit" last_reason)" = timeout-suspect ] ||
	fail "$culprit: fenced for $(ats_attr "$culprit" last_reason), expected timeout-suspect (the ITE named no device)" ;;
smmuv3*) [ "$(ats_attr "$culprit" last_reason)" = timeout ] ||
	fail "$culprit: fenced for $(ats_attr "$culprit" last_reason), expected timeout (its own probe failed)"
	[ -n "$siblings" ] || fail "no ATS sibling of $culprit in its domain: the machine has one" ;;
esac
[ "$(ats_attr "$culprit" state)" = ok ] || fail "$culprit: state $(ats_attr "$culprit" state) 30 s after the fence, not back in service"
# AMD-Vi: the IOMMU holds the command buffer for its own timeout (1 s as
# Linux programs it); upstream's waiter gives up after 100 ms and its
# caller frees what the device may still reach (reviews/amd.md #1)
case "$ATSTEST_MACHINE" in
amd*)	n=$(dmesg | grep -c "Completion-Wait loop timed out" || true)
	[ "$n" = 0 ] || fail "$n completion wait(s) gave up before the IOMMU did" ;;
esac
[ -z "$alive" ] || fail "writers$alive still blocked 10 s after the recovery ended"
[ "$(ats_attr "$culprit" recoveries)" = $((crec + 1)) ] ||
	fail "recoveries of $culprit: $(ats_attr "$culprit" recoveries), expected $((crec + 1))"
[ "$(ats_state "$culprit")" = enabled ] || fail "ATS is $(ats_state "$culprit") on $culprit after the recovery"
cdisk=/dev/$(vd_of "$culprit")		# a rebind may have renamed it
for d in "$cdisk" "$bdisk"; do
	[ -b "$d" ] || fail "$d is a $(stat -c %F "$d"), not the disk's block node"
done
echo 3 > /proc/sys/vm/drop_caches
for d in "$cdisk" "$bdisk"; do
	got=$(dd if="$d" bs=64k skip=128 count=16 2>/dev/null | md5sum | cut -d' ' -f1)
	if [ "$got" != "$want" ]; then	# what a reader of the log needs next
		info "$d: PCI command $(pcicfg_u16 "$culprit" 4), 1 MiB at 0 (the host's, untouched): md5 $(dd if="$d" bs=64k count=16 2>/dev/null | md5sum | cut -d' ' -f1); first bytes: $(dd if="$d" bs=64k skip=128 count=1 2>/dev/null | hexdump -C | head -n 1)"
	fi
	[ "$got" = "$want" ] || fail "$d: the pattern written before the fault reads back md5 $got, wrote $want"
done
info "fences: culprit $cfences -> $(ats_attr "$culprit" fences) ($(ats_attr "$culprit" last_reason)), bystander $bfences -> $(ats_attr "$bystander" fences), siblings${siblings:- none}; data intact on both"
