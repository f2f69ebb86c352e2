# SPDX-License-Identifier: GPL-2.0
# Fence and recovery after a real (emulated) timeout, patched kernel, on a
# MACHINE:T machine (the IOMMU model's ATS invalidation timeout at T ms).
# For each recovery path, ATSTEST_SHOTS times: a function stops answering
# ATS invalidations (QMP, x-ats-stuck), a DMA unmap of it sends it one,
# the model gives up after T and reports it, the driver fences, the layer
# recovers the function (whose reset makes it answer again), until it is
# back in service. Paths:
#   handlers  nvme0: the nvme driver's pci_error_handlers
#   virtio    vblk0 (virtio-blk): virtio-pci's error handlers (not on
#             AMD-Vi, see below)
#   unbind    a virtio-rng bound to dma_map_benchmark, a driver with no
#             error handlers: unbind, reset, bind again
# From the guest's trace (one clock; function graph, depth 1): the fence
# event (the driver's fence op complete, and its duration: the report is
# its start), the unfence, the in-service mark, the FLR (pcie_flr), the
# unbind of the fallback (device_release_driver: the driver's remove, which
# for dma_map_benchmark waits for its running benchmark) and the longest
# of the IOMMU driver's waits for its queue in the window, each of which
# runs with interrupts off: the longest interrupts-off spin of the
# incident. One "BENCH stuck ..." line per shot. The host adds the
# model's side from QEMU's timestamped trace: the "BENCH stuckmark" line
# names what to look for (the model's timeout, then its sight of the fence).
. /tests/lib.sh

T=/sys/kernel/tracing
m=$ATSTEST_MACHINE
case "$m" in
vtd*)	 waits="qi_submit_sync" fbid=rng0 ;;
amd*)	 waits="iommu_completion_wait wait_on_sem" fbid=ats2 ;;
smmuv3*) waits="arm_smmu_cmdq_issue_cmdlist" fbid=ats2 ;;
*)	 fail "no IOMMU driver known for $m" ;;
esac

nvme=$(pci_devices_with 0x1b36:0x0010 | head -n 1)
vblk=
for d in $(pci_devices_with 0x1af4:0x1042); do
	for b in /sys/bus/pci/devices/$d/virtio*/block/vd*; do
		[ "$(cat "$b/serial" 2>/dev/null)" = ats-vblk0 ] && vblk=$d
	done
done
# The fallback's function: the virtio-rng with the QMP id $fbid, which is
# function 1 of its slot where the machine has one there, else the first
fb=$(pci_devices_with 0x1af4:0x1044 | grep '\.1$' | head -n 1 || true)
[ -n "$fb" ] || fb=$(pci_devices_with 0x1af4:0x1044 | head -n 1)
[ -n "$nvme" ] && [ -n "$vblk" ] && [ -n "$fb" ] ||
	fail "nvme0 ($nvme), vblk0 ($vblk) and a virtio-rng ($fb) expected"
echo dma_map_benchmark > "/sys/bus/pci/devices/$fb/driver_override"
[ "$(driver_of "$fb")" = - ] || echo "$fb" > "/sys/bus/pci/devices/$fb/driver/unbind"
echo "$fb" > /sys/bus/pci/drivers_probe
[ "$(driver_of "$fb")" = dma_map_benchmark ] || fail "dma_map_benchmark did not bind to $fb"

# disk_of BDF: its block node now (a rebind may rename it)
disk_of() {
	local b
	for b in /sys/bus/pci/devices/$1/virtio*/block/vd* /sys/bus/pci/devices/$1/nvme/nvme*/nvme*n1; do
		[ -e "$b" ] && { echo "/dev/${b##*/}"; return 0; }
	done
	return 1
}
# in_service BDF DRIVER DISK(0/1): state ok, its driver bound, a direct
# read of its disk works
in_service() {
	local s d
	read -r s < "/sys/bus/pci/devices/$1/ats_recovery/state"
	[ "$s" = ok ] && [ "$(driver_of "$1")" = "$2" ] || return 1
	[ "$3" = 0 ] && return 0
	d=$(disk_of "$1") && dd if="$d" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
}
# wait_in_service BDF DRIVER DISK SECONDS: polls every 2 ms (the
# in-service mark is a figure), up to SECONDS (guest time)
wait_in_service() {
	local end=$(( $(date +%s) + $4 ))
	until in_service "$1" "$2" "$3"; do
		[ "$(date +%s)" -lt $end ] || return 1
		usleep 2000
	done
}
# trigger BDF DISK(0/1): DMA that unmaps, so that the IOMMU sends the
# function an ATS invalidation, until /tmp/stop
trigger() {
	if [ "$2" = 1 ]; then
		( while [ ! -e /tmp/stop ]; do
			d=$(disk_of "$1") && dd if="$d" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
			usleep 20000
		  done ) > /dev/null 2>&1 &
	else
		( dma_map_benchmark -t 1 -s 1 -g 1 ) > /dev/null 2>&1 &
	fi
}

echo 0 > $T/tracing_on
echo nop > $T/current_tracer
echo 16384 > $T/buffer_size_kb
# Only these functions' call sites are patched (set_ftrace_filter): the
# graph tracer on every function would slow the whole incident down, and
# patching tens of thousands of sites on four TCG vCPUs meets QEMU 7.2's
# cross-vCPU text-patching race (Oops: int3)
: > $T/set_graph_function
: > $T/set_ftrace_filter
traced=
for f in $waits pcie_flr device_release_driver; do
	if grep -qx "$f" $T/available_filter_functions; then
		echo "$f" >> $T/set_ftrace_filter
		echo "$f" >> $T/set_graph_function
		traced="$traced $f"
	fi
done
[ -n "$traced" ] || fail "none of $waits pcie_flr device_release_driver can be traced"
echo 1 > $T/max_graph_depth
echo function_graph > $T/current_tracer
# the tracer's own options exist once it is the current one
echo funcgraph-abstime > $T/trace_options
echo funcgraph-tail > $T/trace_options
echo 1 > $T/events/iommu_ats/enable
echo "BENCH stucktrace machine=$m traced=$(echo $traced | tr ' ' ,)"

shot_once() {	# PATH ID BDF DRIVER DISK SHOT
	local path=$1 id=$2 dev=$3 drv=$4 disk=$5 shot=$6 f0 others
	wait_in_service "$dev" "$drv" "$disk" 60 || fail "$dev ($path) not in service before shot $shot"
	f0=$(ats_attr "$dev" fences)
	others=$(others_fences "$dev")
	model_trace_res "$dev"
	rm -f /tmp/stop
	echo > $T/trace
	echo 1 > $T/tracing_on
	ats_stuck "$id" on
	echo "bench shot=$shot path=$path start" > $T/trace_marker
	echo "BENCH stuckmark machine=$m path=$path shot=$shot dev=$dev timeout_re=$timeout_re fence_re=$fence_re"
	trigger "$dev" "$disk"
	wait_fenced "$dev" "$f0" $((ATSTEST_HW_TIMEOUT_MS / 1000 + 30))
	wait_in_service "$dev" "$drv" "$disk" 60 || fail "$dev ($path) not back in service 60 s after shot $shot"
	echo "bench shot=$shot path=$path in-service" > $T/trace_marker
	echo 0 > $T/tracing_on
	touch /tmp/stop
	wait
	bys=0
	for o in $others; do
		[ "$(ats_attr "${o%:*}" fences)" = "${o##*:}" ] || bys=$((bys + 1))
	done
	# One awk pass over the trace (forks are slow under TCG). Lines start
	# with the absolute time; a leaf call shows its duration in us.
	awk -v m="$m" -v path="$path" -v dev="$dev" -v shot="$shot" -v bys="$bys" \
	    -v reason="$(ats_attr "$dev" last_reason)" -v waits=" $waits " '
		function ts() { return $1 + 0 }
		function dur(   s) { s = $0; if (!match(s, /[0-9.]+ us/)) return -1; return substr(s, RSTART, RLENGTH - 3) + 0 }
		/bench shot=.* start/ { start = ts(); next }
		/bench shot=.* in-service/ { svc = ts(); next }
		$0 ~ "iommu_ats_fence: device=" dev " " {
			if (!fence) { fence = ts(); r = $0; sub(/.* ret=/, "", r); split(r, rr, " "); ret = rr[1]
				n = $0; sub(/.*fence_ns=/, "", n); fns = n + 0 }
			next
		}
		$0 ~ "iommu_ats_unfence: device=" dev " ret=0" { if (!unf) unf = ts(); next }
		# A call at depth 1 ends as "f();", or as "} /* f */" when
		# something was traced inside it (funcgraph-tail)
		/\(\);/ || /} \/\* [a-z_0-9]+ \*\// {
			f = $0
			if (f ~ /\(\);/) { sub(/\(\);.*/, "", f); sub(/.* /, "", f) }
			else { sub(/.*} \/\* /, "", f); sub(/ .*/, "", f) }
			d = dur()
			if (f == "pcie_flr") { if (d > flr) flr = d }
			else if (f == "device_release_driver") unb += d
			else if (index(waits, " " f " ") && d > maxw) { maxw = d; maxf = f }
		}
		END {
			if (!fence) { printf "BENCH stuck machine=%s path=%s shot=%s dev=%s status=no-fence-event\n", m, path, shot, dev; exit }
			printf "BENCH stuck machine=%s path=%s shot=%s dev=%s reason=%s ret=%s bystanders_fenced=%d", m, path, shot, dev, reason, ret, bys
			# The report is the fence op'"'"'s start, to within the layer'"'"'s
			# bookkeeping: its own event comes after the fence
			printf " start_to_report_ms=%.1f fence_op_us=%.1f", (fence - fns / 1e9 - start) * 1e3, fns / 1000
			printf " fence_to_unfence_ms=%.1f unfence_to_service_ms=%.1f fence_to_service_ms=%.1f flr_ms=%.1f unbind_ms=%.1f", (unf - fence) * 1e3, (svc - unf) * 1e3, (svc - fence) * 1e3, flr / 1000, unb / 1000
			printf " max_wait_us=%.0f max_wait_fn=%s\n", maxw, maxf ? maxf : "-"
		}' $T/trace
}

# PATH ID BDF DRIVER DISK. Not virtio-blk on AMD-Vi: the fence blocks
# all of the function's DMA there, and QEMU's virtio-blk stops at a DMA
# error instead of failing the request (tests/qemu/scenarios/40): no
# recovery can quiesce it.
set -- "handlers nvme0 $nvme nvme 1" "virtio vblk0 $vblk virtio-pci 1" \
	"unbind $fbid $fb dma_map_benchmark 0"
case "$m" in
amd*) set -- "$1" "$3" ;;
esac
for p in "$@"; do
	# shellcheck disable=SC2086
	set -- $p
	[ "$(ats_state "$3")" = enabled ] || fail "$3 ($1): ATS is $(ats_state "$3")"
	shot=0
	while [ $shot -lt "${ATSTEST_SHOTS:-3}" ]; do
		shot=$((shot + 1))
		shot_once "$1" "$2" "$3" "$4" "$5" $shot
	done
done
echo nop > $T/current_tracer
