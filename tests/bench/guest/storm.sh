# SPDX-License-Identifier: GPL-2.0
# Report storms, patched kernel, on a machine with many ATS functions.
#   one    ATSTEST_STORM back-to-back reports for one function
#   each   one report for each ATS function (ATSTEST_DEVICES of them)
# The reports are iommu_ats_report_timeout() calls made by the ats_bench
# module in the writer's task, as a driver's flush path would make them.
# For each storm: the layer's counters (fences, recoveries, reports) before
# and after, the time the reports took (the loop never yields its CPU: that
# is its CPU time), and the allocations made in the reporting task meanwhile
# (kmem/percpu/vmalloc events in a trace instance of its own, filtered to
# this shell's pid), with the same framing around an empty command (should
# be 0) and around opening a file (must not be 0: the tracer sees us). Then the wait until every function is back in service, timed
# from the main trace buffer (markers, iommu_ats_unfence events).
. /tests/lib.sh

T=/sys/kernel/tracing
A=$T/instances/alloc
C=/sys/kernel/debug/ats_bench/cmd
insmod /lib/modules/$ATSTEST_KERNEL/ats_bench.ko || fail "insmod ats_bench"

devs=
n=0
for d in $(pci_devices_with 0x1af4:0x1044); do
	[ -d "/sys/bus/pci/devices/$d/ats_recovery" ] && [ "$(ats_state "$d")" = enabled ] || continue
	devs="$devs $d"
	n=$((n + 1))
done
set -- $devs
first=$1
[ $n -gt 0 ] || fail "no ATS function with ATS enabled"
echo "BENCH stormdevs n=$n first=$first"

# counter NAME: the sum of an ats_recovery/ counter over DEVICES
counter() {
	local d v sum=0 name=$1
	shift
	for d in "$@"; do
		read -r v < "/sys/bus/pci/devices/$d/ats_recovery/$name"
		sum=$((sum + v))
	done
	echo $sum
}
all_ok() {
	local d s
	for d in "$@"; do
		read -r s < "/sys/bus/pci/devices/$d/ats_recovery/state"
		[ "$s" = ok ] || return 1
	done
	return 0
}
wait_all_ok() {
	local i=0
	until all_ok "$@"; do
		i=$((i + 1))
		[ $i -lt 6000 ] || fail "not every function back to ok 60 s after the storm"
		usleep 10000
	done
}

# The allocation tracer: its own instance, this shell only.
mkdir -p $A
echo 0 > $A/tracing_on
echo 2048 > $A/buffer_size_kb
echo $$ > $A/set_event_pid
events=
for e in kmem/kmalloc kmem/kmem_cache_alloc kmem/mm_page_alloc \
	 percpu/percpu_alloc_percpu vmalloc/alloc_vmap_area; do
	[ -d $A/events/$e ] || continue
	echo 1 > $A/events/$e/enable
	events="$events${events:+,}${e#*/}"
done
# The main buffer: the layer's fences, recovery steps and unfences, and
# markers (not the report events: one per report would flood it).
echo 0 > $T/tracing_on
echo > $T/trace
echo 8192 > $T/buffer_size_kb
for e in iommu_ats_fence iommu_ats_recovery iommu_ats_unfence; do
	echo 1 > $T/events/iommu_ats/$e/enable
done
echo 1 > $T/tracing_on

# allocs CMD: runs the ats_bench command CMD with the allocation tracer on
# around it alone (the files are opened before), in this shell: no fork, so
# that the writing task is the pid the tracer follows. Sets ALLOCS (how many
# allocations the task made) and SITES (where, the top three). CMD "open"
# opens a file instead: the proof that the tracer sees this task allocate.
allocs() {
	echo > $A/trace
	exec 3> $C 4> $A/tracing_on
	echo 1 >&4
	case "$1" in
	open)	exec 5< /proc/self/stat; exec 5<&- ;;	# allocates a struct file
	*)	echo "$1" >&3 || fail "ats_bench: '$1' failed" ;;
	esac
	echo 0 >&4
	exec 3>&- 4>&-
	grep -E ' (kmalloc|kmem_cache_alloc|mm_page_alloc|percpu_alloc_percpu|alloc_vmap_area):' $A/trace > /tmp/allocs || true
	ALLOCS=$(wc -l < /tmp/allocs)
	SITES=$(grep -oE 'call_site=[^ ]+' /tmp/allocs | sort | uniq -c | sort -rn | head -n 3 | awk '{sub(/call_site=/, "", $2); printf "%s%s*%s", (NR > 1 ? "," : ""), $2, $1}')
	SITES=${SITES:-none}
}
stime() { awk '{print $15}' /proc/$$/stat; }	# this shell's system time, in 1/100 s

storm() {	# storm KIND CMD DEVICES...
	local kind=$1 cmd=$2 f0 r0 p0 f1 r1 p1 probe ctl st0 st1 res
	shift 2
	echo "devices $*" > $C
	f0=$(counter fences "$@"); r0=$(counter recoveries "$@"); p0=$(counter reports "$@")
	allocs open
	probe=$ALLOCS
	allocs "storm 0"
	ctl=$ALLOCS
	echo "benchmark storm=$kind start" > $T/trace_marker
	st0=$(stime)
	allocs "$cmd"
	st1=$(stime)
	res=$(cat $C)
	echo "benchmark storm=$kind reported" > $T/trace_marker
	wait_all_ok "$@"
	echo "benchmark storm=$kind all-ok" > $T/trace_marker
	f1=$(counter fences "$@"); r1=$(counter recoveries "$@"); p1=$(counter reports "$@")
	echo "BENCH storm kind=$kind devices=$# $res fences=$((f1 - f0)) recoveries=$((r1 - r0)) reports_counted=$((p1 - p0)) stime_ms=$(( (st1 - st0) * 10 )) allocs=$ALLOCS alloc_sites=$SITES control_allocs=$ctl probe_allocs=$probe alloc_events=$events"
}

storm one "storm ${ATSTEST_STORM:-100000}" "$first"
sleep 1
storm each each "$@"
echo 0 > $T/tracing_on

# From the main buffer: per storm, the time from its start to the last
# unfence, the number of unfences, the slowest fence -> unfence and their
# sum (over the storm's span: how many recoveries ran at once, on average).
awk '
	function ts(   i) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) return substr($i, 1, length($i) - 1) + 0; return -1 }
	function dev(   s) { s = $0; sub(/.*device=/, "", s); sub(/ .*/, "", s); return s }
	/tracing_mark_write: benchmark storm=/ {
		split($0, a, "storm="); split(a[2], b, " "); k = b[1]
		if ($0 ~ / start$/) { kind = k; start[k] = ts(); order[++nk] = k }
		else if ($0 ~ / all-ok$/) allok[k] = ts()
		next
	}
	/ iommu_ats_fence: / { if (kind != "") { f[kind, dev()] = ts(); nf[kind]++ } next }
	/ iommu_ats_unfence: .* ret=0/ {
		if (kind == "") next
		d = dev(); t = ts(); nu[kind]++; last[kind] = t
		if (!((kind, d) in f)) next
		sum[kind] += t - f[kind, d]
		if (t - f[kind, d] > worst[kind]) worst[kind] = t - f[kind, d]
		next
	}
	END {
		for (i = 1; i <= nk; i++) {
			k = order[i]
			printf "BENCH stormrec kind=%s fence_events=%d unfences=%d start_to_last_unfence_ms=%.1f start_to_all_ok_ms=%.1f worst_fence_to_unfence_ms=%.1f sum_fence_to_unfence_ms=%.1f\n",
				k, nf[k], nu[k], (last[k] - start[k]) * 1e3, (allok[k] - start[k]) * 1e3, worst[k] * 1e3, sum[k] * 1e3
		}
	}' $T/trace
