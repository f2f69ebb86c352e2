# SPDX-License-Identifier: GPL-2.0
# machines: vtd:2000 vtd-sm:2000 amd:50 amd:1000 smmuv3:500 smmuv3:3000
# A function stops answering ATS invalidations in the middle of I/O, as a
# hung device does, and the IOMMU model reports it when its own timeout
# expires (MACHINE:T, T ms): VT-d ITE with ITESID, SMMUv3
# CERROR_ATC_INV_SYNC at the CMD_SYNC, AMD-Vi IOTLB_INV_TIMEOUT. Nothing on
# the kernel side is injected. Writes run on both ATS disks from several
# CPUs: the culprit (ats0, made stuck through QMP) and the bystander (ats1)
# on the same IOMMU. From the guest: only the culprit was fenced, it was
# recovered (its reset is what makes the model's function answer again)
# and is back with ATS on, the bystander was never fenced, the data written
# before the fault reads back intact on both. From QEMU's own trace (the
# host checks it, model-*): the model timed out on the culprit, no ATS
# invalidation reached the culprit from the moment the model saw its
# fence until the function was reset, the reset happened.
. /tests/lib.sh

T=/sys/kernel/tracing
blks=$(pci_devices_with 0x1af4:0x1042)
culprit=$(echo "$blks" | sed -n 1p)
bystander=$(echo "$blks" | sed -n 2p)
[ -n "$bystander" ] || fail "two virtio-blk functions expected (culprit ats0, bystander ats1): $blks"
for f in $culprit $bystander; do
	[ "$(ats_state "$f")" = enabled ] || fail "$f: ATS is $(ats_state "$f"), needs to be enabled"
	[ "$(ats_attr "$f" state)" = ok ] || fail "$f: state $(ats_attr "$f" state) at start"
done
vd_of() { basename "$(ls -d /sys/bus/pci/devices/$1/virtio*/block/vd* 2>/dev/null | head -n 1)"; }
cdisk=/dev/$(vd_of "$culprit")
bdisk=/dev/$(vd_of "$bystander")
sid_of() {	# BDF -> 4 hex digits
	local b=${1#0000:} d
	d=${b#*:}
	printf %04x $(( (0x${b%%:*} << 8) | (0x${d%%.*} << 3) | ${d#*.} ))
}
csid=$(sid_of "$culprit")
bsid=$(sid_of "$bystander")
cfences=$(ats_attr "$culprit" fences)
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
writer() {	# CPU DISK SEEK: writes the pattern until /tmp/stop, on CPU
	taskset -c "$1" sh -c "while [ ! -e /tmp/stop ]; do
		dd if=/tmp/pattern of=$2 bs=64k seek=$3 conv=fsync 2>/dev/null
		dd if=$2 of=/dev/null bs=64k skip=$3 count=16 iflag=direct 2>/dev/null
	done" &
	pids="$pids $!"
}
pids=
ncpu=$(nproc)
writer 0 "$cdisk" 256
writer $((1 % ncpu)) "$cdisk" 384
writer $((2 % ncpu)) "$bdisk" 256
writer $((3 % ncpu)) "$bdisk" 384
sleep 1

# What the host checks in QEMU's trace of the window (parse.sh); asked
# for first, so that a scenario that fails half-way still gets them
case "$ATSTEST_MACHINE" in
vtd*)	timeout_re="vtd_inv_qi_ite.*sid[[:space:]]0x$csid"
	fence_re="vtd_inv_desc_cc_device.*0x$csid" ;;
amd*)	timeout_re="amdvi_iotlb_inv_timeout.*$csid"
	fence_re="amdvi_devtab_inval.*" ;;
smmuv3*) timeout_re="smmuv3_cmdq_atc_inv_timeout"
	fence_re="smmuv3_cmdq_cfgi_ste.*0x$csid" ;;
esac
echo "# qemu-trace-check stuck 40-stuck-under-io/model-timeout-reported 1 $timeout_re" > /dev/console
echo "# qemu-trace-check stuck 40-stuck-under-io/model-culprit-reset 1 pcie_ats_inv_reset[[:space:]]ats0" > /dev/console
echo "# qemu-trace-check stuck 40-stuck-under-io/model-bystander-answered 1 pcie_ats_inv_request[[:space:]]ats1.*answered" > /dev/console
echo "# qemu-trace-none stuck 40-stuck-under-io/model-no-atc-inv-while-fenced $fence_re pcie_ats_inv_request[[:space:]]ats0 pcie_ats_inv_reset[[:space:]]ats0" > /dev/console
echo "# qemu-trace-begin stuck" > /dev/console
ats_stuck ats0 on
info "ats0 ($culprit) no longer answers ATS invalidations"
# Detection takes the IOMMU's own timeout (none for T = 0: then nothing
# may be fenced at all); the recovery then resets the function.
i=0
while [ "$(ats_attr "$culprit" fences)" = "$cfences" ] && [ $i -lt $(( ATSTEST_HW_TIMEOUT_MS / 100 + 300 )) ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(ats_attr "$culprit" fences)" != "$cfences" ] ||
	fail "$culprit was never fenced ($(( i / 10 )) s after it stopped answering)"
info "$culprit fenced $(( i / 10 )).$(( i % 10 )) s after it stopped answering"
i=0
while [ "$(ats_attr "$culprit" state)" != ok ] && [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1		# the writers go on through the recovered disk
touch /tmp/stop
# A write in flight at the fence may fail; one that never ends is a hang
i=0
while [ $i -lt 300 ]; do
	alive=
	for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
	[ -n "$alive" ] || break
	sleep 0.1
	i=$((i + 1))
done
echo "# qemu-trace-end stuck" > /dev/console
[ "$(ats_attr "$culprit" state)" = ok ] || fail "$culprit: state $(ats_attr "$culprit" state) 120 s after the fence, not back to ok"
[ -z "$alive" ] || fail "writers$alive still blocked 30 s after the recovery ended"
echo 0 > $T/tracing_on

[ "$(ats_attr "$bystander" fences)" = "$bfences" ] ||
	fail "the bystander $bystander was fenced too ($(ats_attr "$bystander" last_reason)): only the culprit may be"
[ "$(ats_attr "$culprit" recoveries)" = $((crec + 1)) ] ||
	fail "recoveries of $culprit: $(ats_attr "$culprit" recoveries), expected $((crec + 1))"
[ "$(ats_state "$culprit")" = enabled ] || fail "ATS is $(ats_state "$culprit") on $culprit after the recovery"
cdisk=/dev/$(vd_of "$culprit")		# a rebind may have renamed it
echo 3 > /proc/sys/vm/drop_caches
for d in "$cdisk" "$bdisk"; do
	got=$(dd if="$d" bs=64k skip=128 count=16 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "$d: the pattern written before the fault reads back md5 $got, wrote $want"
done
info "fences: culprit $cfences -> $(ats_attr "$culprit" fences), bystander $bfences -> $(ats_attr "$bystander" fences); data intact on both"
