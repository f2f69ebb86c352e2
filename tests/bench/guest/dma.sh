# SPDX-License-Identifier: GPL-2.0
# The success path: the kernel's dma_map_benchmark on an ATS function in
# strict mode (iommu.strict=1: every unmap waits for its IOTLB and
# device-TLB invalidations). The function is the virtio-rng behind its own
# root port, handed to the benchmark driver with driver_override.
# One "BENCH dma ..." line per run (latencies in µs, in steps of 100 ns as the
# kernel reports them); the host takes medians over the runs and boots.
# Under QEMU -icount (atstest.clock=icount) the guest's clock counts
# instructions: the host turns the latencies into instructions.
# The patched kernel also runs with the layer's static key off
# ("BENCH dmakey ..."), alternating with its runs with the key on.
. /tests/lib.sh

dev=$(pci_devices_with "${ATSTEST_BENCH_DEV:-0x1af4:0x1044}" | head -n 1)
[ -n "$dev" ] || fail "no function ${ATSTEST_BENCH_DEV:-0x1af4:0x1044} to benchmark"
[ -e /sys/kernel/debug/dma_map_benchmark ] && fail "dma_map_benchmark is bound already"
echo dma_map_benchmark > "/sys/bus/pci/devices/$dev/driver_override"
[ "$(driver_of "$dev")" = - ] || echo "$dev" > "/sys/bus/pci/devices/$dev/driver/unbind"
echo "$dev" > /sys/bus/pci/drivers_probe
[ "$(driver_of "$dev")" = dma_map_benchmark ] || fail "dma_map_benchmark did not bind to $dev"
ats=$(ats_state "$dev")
group=$(basename "$(readlink "/sys/bus/pci/devices/$dev/iommu_group")")
domain=$(cat "/sys/kernel/iommu_groups/$group/type")
strict=$(grep -o 'iommu.strict=[0-9]' /proc/cmdline || echo "iommu.strict=default")
echo "BENCH dmadev machine=$ATSTEST_MACHINE kernel=$ATSTEST_KERNEL clock=${ATSTEST_CLOCK:-wall} dev=$dev ats=$ats domain=$domain $strict release=$(uname -r)"
[ "$ats" = enabled ] || fail "ATS is $ats on $dev: not the path to measure"

# bench WHAT KEY: one dma_map_benchmark run, one "BENCH WHAT ..." line
bench() {
	local out
	out=$(dma_map_benchmark -t 1 -s "${ATSTEST_SECONDS:-5}" -g 1) ||
		fail "dma_map_benchmark: $out"
	# "average map latency(us):0.7 standard deviation:0.5"
	echo "$out" | awk -v w="$1" -v key="$2" -v k="$ATSTEST_KERNEL" -v r=$run -v m="$ATSTEST_MACHINE" \
		-v rd="${ATSTEST_ROUND:-0}" -v c="${ATSTEST_CLOCK:-wall}" '
		/average map latency/   { split($0, a, /[:a-z() ]+/); mp = a[2]; ms = a[3] }
		/average unmap latency/ { split($0, a, /[:a-z() ]+/); u = a[2]; us = a[3] }
		END { printf "BENCH %s machine=%s kernel=%s clock=%s round=%s run=%d key=%s map_us=%s map_sd_us=%s unmap_us=%s unmap_sd_us=%s\n", w, m, k, c, rd, r, key, mp, ms, u, us }'
}

# The patched kernel also runs with the layer's static key off (ats_bench
# "key off": every fence check a NOP), alternating with the runs above in
# the same boot: the checks' cost with everything else equal.
C=/sys/kernel/debug/ats_bench/cmd
if [ "$ATSTEST_KERNEL" = patched ]; then
	insmod /lib/modules/$ATSTEST_KERNEL/ats_bench.ko || fail "insmod ats_bench"
fi
run=0
while [ $run -lt "${ATSTEST_RUNS:-3}" ]; do
	run=$((run + 1))
	if [ "$ATSTEST_KERNEL" = patched ]; then
		bench dma on
		echo "key off" > $C || fail "ats_bench: key off"
		bench dmakey off
		echo "key on" > $C
	else
		bench dma -
	fi
done
