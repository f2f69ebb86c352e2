# SPDX-License-Identifier: GPL-2.0
# Fence latency and recovery time, patched kernel. For each shot: a
# simulated ATC invalidation timeout for the machine's ATS function, at the
# IOMMU driver's own detection point (debugfs inject, then one direct read
# so that the unmap sends the device-TLB invalidation) for a disk with ATS
# enabled, or else through the layer's debugfs report (as a driver would
# call it); then the wait until the function is back in service: state ok,
# its driver bound again, and for a disk a direct read through the new block
# device.
# From the trace (one clock for all):
#   report -> fence   entry of iommu_ats_report_timeout() (function tracer)
#                     to the iommu_ats_fence event (the hardware fence
#                     complete), and the fence op alone (fence_ns)
#   recovery          the start marker (just before the inject) to the
#                     in-service marker; the report to the unfence event;
#                     the unfence to the in-service marker
# One "BENCH fence ..." line per shot ("status=..." instead of figures when
# there is nothing to measure).
. /tests/lib.sh

T=/sys/kernel/tracing
m=$ATSTEST_MACHINE
dev=$(pci_devices_with "$ATSTEST_ATS_DEV" | head -n 1)
[ -n "$dev" ] || fail "no ATS function $ATSTEST_ATS_DEV"
[ -d "/sys/bus/pci/devices/$dev/ats_recovery" ] ||
	{ echo "BENCH fence machine=$m dev=$dev status=no-ats-state ats=$(ats_state "$dev")"; exit 0; }
drv=$(driver_of "$dev")

# blockdev: the /dev node of the function's disk now (it is re-probed)
blockdev() {
	local b
	for b in /sys/bus/pci/devices/$dev/virtio*/block/*; do
		[ -e "$b" ] && { echo "/dev/${b##*/}"; return 0; }
	done
	return 1
}
disk=
blockdev > /dev/null && disk=1
ats=$(ats_state "$dev")
# Injection fires on an ATC invalidation: only where ATS is on.
method=report
[ -n "$disk" ] && [ "$ats" = enabled ] && method=inject
echo "BENCH fencedev machine=$m dev=$dev ats=$ats driver=$drv disk=${disk:-0} method=$method"
read_once() {
	local b
	b=$(blockdev) && dd if="$b" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
}
in_service() {
	local s
	read -r s < "/sys/bus/pci/devices/$dev/ats_recovery/state"
	[ "$s" = ok ] && [ "$(driver_of "$dev")" = "$drv" ] || return 1
	[ -z "$disk" ] || read_once
}

echo 0 > $T/tracing_on
echo > $T/trace
echo 4096 > $T/buffer_size_kb
# The report's entry, from the function tracer (absent: no report times).
if [ -e $T/set_ftrace_filter ]; then
	echo iommu_ats_report_timeout > $T/set_ftrace_filter
	echo function > $T/current_tracer
fi
echo 1 > $T/events/iommu_ats/enable
echo 1 > $T/tracing_on

shot=0
while [ $shot -lt "${ATSTEST_SHOTS:-5}" ]; do
	shot=$((shot + 1))
	in_service || fail "$dev is not in service before shot $shot"
	sleep 0.5
	echo "benchmark shot=$shot start" > $T/trace_marker
	if [ $method = inject ]; then
		echo "$dev 1" > $ATS_DEBUGFS/inject
		read_once || true
	else
		echo "$dev" > $ATS_DEBUGFS/report
	fi
	i=0
	until in_service; do
		i=$((i + 1))
		[ $i -lt 30000 ] || fail "$dev not back in service 60 s after shot $shot"
		usleep 2000
	done
	echo "benchmark shot=$shot in-service" > $T/trace_marker
done
echo 0 > $T/tracing_on

# One awk pass over the trace (forks are slow under TCG).
awk -v m="$m" -v dev="$dev" -v method=$method '
	function ts(   i) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) return substr($i, 1, length($i) - 1) + 0; return -1 }
	/tracing_mark_write: benchmark shot=/ {
		split($0, a, "shot="); split(a[2], b, " "); s = b[1]
		if ($0 ~ / start/) { start[s] = ts(); cur = s } else service[s] = ts()
		next
	}
	/ iommu_ats_report_timeout <-/ { if (cur && !(cur in report)) { report[cur] = ts(); rep_traced[cur] = 1 } next }
	$0 ~ "iommu_ats_fence: device=" dev " " {
		if (cur && !(cur in fence)) {
			fence[cur] = ts(); r = $0; sub(/.* ret=/, "", r); split(r, rr, " "); ret[cur] = rr[1]
			n = $0; sub(/.*fence_ns=/, "", n); fns[cur] = n + 0
		}
		next
	}
	$0 ~ "iommu_ats_unfence: device=" dev " ret=0" { if (cur && !(cur in unfence)) unfence[cur] = ts(); next }
	END {
		for (s = 1; s in start; s++) {
			if (!(s in fence)) { printf "BENCH fence machine=%s shot=%d status=no-fence-event\n", m, s; continue }
			if (!(s in report)) report[s] = start[s]	# no function tracer
			printf "BENCH fence machine=%s shot=%d method=%s ret=%s report_to_fence_us=%.0f fence_op_us=%.1f", m, s, method, ret[s], (fence[s] - report[s]) * 1e6, fns[s] / 1000
			printf " start_to_service_ms=%.1f report_to_unfence_ms=%.1f unfence_to_service_ms=%.1f", (service[s] - start[s]) * 1e3, (unfence[s] - report[s]) * 1e3, (service[s] - unfence[s]) * 1e3
			printf " report_traced=%d\n", rep_traced[s] + 0
		}
	}' $T/trace
# Only now: a change of tracer clears the buffer.
echo nop > $T/current_tracer 2>/dev/null || true
