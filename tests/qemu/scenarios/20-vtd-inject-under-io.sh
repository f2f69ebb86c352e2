# SPDX-License-Identifier: GPL-2.0
# machines: vtd vtd-sm
# A device-TLB invalidation timeout injected at VT-d's own detection point
# (qi_submit_sync(), as if the hardware had raised ITE for the disk's SID)
# while writes to the disk run in a loop. From the kernel's tracepoints:
# the fence ran in the task whose device-TLB invalidation failed, before its
# flush returned; no device-TLB invalidation reached the disk from the fence
# to the unfence; they resume after it. No lockup, no splat (the host judge
# checks the log); the recovery ran; the data written is intact.
. /tests/lib.sh

T=/sys/kernel/tracing
blk=$(virtio_blk_bdf)
[ "$(ats_state "$blk")" = enabled ] || fail "$blk: ATS is not enabled"
b=${blk#0000:}
bus=$((0x${b%%:*})); d=${b#*:}; dev=$((0x${d%%.*})); fn=${d#*.}
sid=$(( (bus << 8) | (dev << 3) | fn ))
fences=$(ats_attr "$blk" fences)
recoveries=$(ats_attr "$blk" recoveries)

echo 0 > $T/tracing_on
echo > $T/trace
echo 16384 > $T/buffer_size_kb
echo 1 > $T/events/iommu_ats/enable
echo 1 > $T/events/intel_iommu/qi_submit/enable
echo 1 > $T/tracing_on

dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 2>/dev/null
want=$(md5sum < /tmp/pattern | cut -d' ' -f1)
rm -f /tmp/stop
( while [ ! -e /tmp/stop ]; do
	dd if=/tmp/pattern of=/dev/vda bs=64k seek=128 conv=fsync 2>/dev/null
  done ) &
loop=$!
sleep 1

mark_recovery "$blk"
echo "$blk 1" > $ATS_DEBUGFS/inject
wait_state "$blk" ok 60
wait_recovery_ended "$blk"
sleep 2		# the loop goes on through the re-probed disk
touch /tmp/stop
wait $loop || true	# the last write may fail while the disk is unbound
echo 0 > $T/tracing_on

dmesg_has "simulating Invalidation Time-out Error for SID" ||
	fail "the injected timeout did not fire at the VT-d detection point"
[ "$(ats_attr "$blk" fences)" = $((fences + 1)) ] || fail "fences did not go up by one"
[ "$(ats_attr "$blk" recoveries)" = $((recoveries + 1)) ] || fail "recoveries did not go up by one"
[ "$(ats_attr "$blk" last_reason)" = injected ] || fail "last_reason is $(ats_attr "$blk" last_reason)"
[ "$(ats_state "$blk")" = enabled ] || fail "ATS is $(ats_state "$blk") after the recovery"

got=$(dd if=/dev/vda bs=64k skip=128 count=16 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "read back md5 $got, wrote $want"

# The trace: device-TLB invalidations for the disk's SID before the fence,
# between fence and unfence, and after; the pid of the fence and of the
# last such invalidation before it. One awk pass (forks are slow in TCG).
grep -E "iommu_ats_(fence|unfence): device=$blk |qi_submit: " $T/trace > /tmp/trace
eval "$(awk -v dev="$blk" -v sid="$(printf %04x $sid)" '
	function pid_of(task) { sub(/.*-/, "", task); return task }
	BEGIN { phase = "before"; before = 0; during = 0; after = 0; iotlb_during = 0 }
	$0 ~ "iommu_ats_fence: device=" dev " " {
		phase = "during"; fence_pid = pid_of($1); fence_line = $0; next
	}
	$0 ~ "iommu_ats_unfence: device=" dev " ret=0" { phase = "after"; next }
	/qi_submit: / {
		for (i = 1; i <= NF; i++) if ($i ~ /^0x/) { q = substr($i, 3); break }
		while (length(q) < 16) q = "0" q
		t = substr(q, 16, 1)
		if (t == "2" && phase == "during") iotlb_during++
		if (t == "3") s = substr(q, 5, 4)
		else if (t == "8") s = substr(q, 9, 4)
		else next
		if (s != sid) next
		if (phase == "before") { before++; last_pid = pid_of($1) }
		else if (phase == "during") during++
		else after++
	}
	END {
		gsub(/\047/, "", fence_line)
		printf "before=%d during=%d after=%d iotlb_during=%d fence_pid=%s last_dtlb_pid=%s fence_line=\047%s\047\n",
			before, during, after, iotlb_during, fence_pid, last_pid, fence_line
	}' /tmp/trace)"
[ "$fence_pid" = "$last_dtlb_pid" ] ||
	fail "the fence ran in pid $fence_pid, the failing device-TLB invalidation in pid $last_dtlb_pid"
[ -n "$fence_line" ] || fail "no iommu_ats_fence event for $blk in the trace"
ns=$(echo "$fence_line" | sed 's/.*fence_ns=\([0-9]*\).*/\1/')
echo "$fence_line" | grep -q ' ret=0 ' || fail "the fence failed: $fence_line"
[ "$before" -gt 0 ] || fail "no device-TLB invalidation for SID $sid before the fence"
[ "$during" -eq 0 ] || fail "$during device-TLB invalidation(s) reached $blk while it was fenced"
# Flushes did happen while it was fenced: the muting was put to the test.
[ "$iotlb_during" -gt 0 ] || fail "no IOTLB invalidation at all while $blk was fenced"
[ "$after" -gt 0 ] || fail "no device-TLB invalidation for $blk after the unfence: ATS not back in use"
info "SID $(printf %04x $sid): $before device-TLB invalidations before the fence, $during while fenced ($iotlb_during IOTLB invalidations then), $after after the unfence"
info "fence: in pid $fence_pid, the task of the failing invalidation, before its flush returned; it took $ns ns (trace)"
info "writes went on through the recovery; read back md5 $got: data intact"
