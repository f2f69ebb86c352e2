#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh [--kernels]
#
# The benchmarks (make bench): success-path cost, hot-path check, fence
# latency, report storms and recovery time, the patched kernel against the
# base kernel in one run. Prints one table and appends it, with the date,
# the host and the kernels, to tests/bench/results.md. Speed is shown here,
# never asserted: no figure passes or fails; a boot that does not reach its
# end does (its figures are then missing).
#
# Two x86_64 kernels with the same non-debug config (configs/common.config
# + configs/x86_64.config without KASAN + configs/bench.config):
#   base     the pristine tarball (tag "base" of build/linux), laid in
#            build/bench/base/linux, without the CONFIG_IOMMU_ATS_RECOVERY*
#            lines; output build/out/x86_64-bench-base
#   patched  build/linux (base + overlay + series); build/out/x86_64-bench
# An arm64 patched kernel (build/out/arm64-bench) is built only once the
# SMMUv3 driver has a fence backend, for its fence latency.
# --kernels builds the kernels and the guest tools, and stops.
#
# Guest side: tests/bench/guest/*.sh run as the "scenarios" of the test
# /init (tests/qemu/guest) and print "BENCH ..." lines; tests/bench/table.py
# makes the table. Logs: build/bench/logs/.
#
# Environment (defaults in brackets):
#   BENCH_ROUNDS [5]      boots of each kernel for the success path,
#                         alternating base, patched, base, ... (on TCG
#                         the spread is mostly from boot to boot)
#   BENCH_RUNS [2]        dma_map_benchmark runs per boot
#   BENCH_SECONDS [5]     seconds per dma_map_benchmark run
#   BENCH_ICOUNT_SHIFT [5]  -icount shift of the instruction-counting boots
#                         (2^SHIFT ns per instruction: 5 makes the
#                         benchmark's 100 ns step about 3 instructions)
#   BENCH_SHOTS [5]       injected timeouts per machine (fence latency,
#                         recovery time)
#   BENCH_STORM [100000]  reports for one function in the storm
#   BENCH_DEVICES [64]    functions reported once each (8 per root port)
#   BENCH_FENCE_MACHINES ["vtd vtd-sm amd smmuv3"]  machines for the fence
#                         latency; one whose IOMMU driver has no ats_fence
#                         op yet shows "n/a (no backend yet)"
#   BENCH_RESULTS [tests/bench/results.md]  where the table is appended
#   BENCH_TIMEOUT [600]   seconds per boot (success path: 120 + 4 x its
#                         benchmark time)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/machines.sh"
. "$TOP/tests/bench/machines.sh"
# The machines run on the emulator (tests/qemu/machines.sh)
"$TOP/workspace/qemu.sh"

ROUNDS=${BENCH_ROUNDS:-5}
RUNS=${BENCH_RUNS:-2}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
SHOTS=${BENCH_SHOTS:-5}
STORM=${BENCH_STORM:-100000}
NDEV=${BENCH_DEVICES:-64}
ICOUNT_SHIFT=${BENCH_ICOUNT_SHIFT:-5}
FENCE_MACHINES=${BENCH_FENCE_MACHINES:-"vtd vtd-sm amd smmuv3"}
RESULTS_FILE=${BENCH_RESULTS:-$TOP/tests/bench/results.md}

WORK=$BUILD/bench
BASE_BUILD=$WORK/base			# BUILD of the base tree: $BASE_BUILD/linux
LOGS=$WORK/logs
LINES=$WORK/run/bench.lines		# every BENCH line of this run
mkdir -p "$WORK" "$LOGS"

out_dir() {	# out_dir ARCH KIND
	case "$2" in
	base)	 echo "$BUILD/out/$1-bench-base" ;;
	patched) echo "$BUILD/out/$1-bench" ;;
	esac
}

# --- kernels ------------------------------------------------------------------

# The pristine base, laid from the tag "base" of build/linux (itself the
# unpacked tarball), once per base commit.
lay_base_tree() {
	local want have=""
	git -C "$SRC" rev-parse -q --verify base >/dev/null 2>&1 ||
		die "no base tree in build/linux: run 'make tree' first"
	want=$(git -C "$SRC" rev-parse base)
	[ -f "$BASE_BUILD/linux.commit" ] && have=$(cat "$BASE_BUILD/linux.commit")
	[ "$want" = "$have" ] && [ -f "$BASE_BUILD/linux/Makefile" ] && return 0
	say "bench: laying the base tree (${want:0:12}) in ${BASE_BUILD#"$TOP"/}/linux"
	rm -rf "$BASE_BUILD/linux" "$BASE_BUILD/linux.commit"
	mkdir -p "$BASE_BUILD/linux"
	git -C "$SRC" archive base | tar -x -C "$BASE_BUILD/linux"
	echo "$want" > "$BASE_BUILD/linux.commit"
}

# fragments ARCH KIND: the config fragments of a bench kernel. The test
# kernels' debug.config stays out, and so do x86_64.config's KASAN lines;
# the base leaves out the layer's options (they do not exist there).
fragments() {
	local arch=$1 kind=$2 frag=$WORK/fragments
	mkdir -p "$frag"
	grep -q KASAN "$TOP/configs/common.config" &&
		die "configs/common.config has KASAN lines: the bench expects them in ARCH.config only"
	grep -v KASAN "$TOP/configs/$arch.config" > "$frag/$arch-nokasan.config"
	grep -v CONFIG_IOMMU_ATS_RECOVERY "$TOP/configs/bench.config" > "$frag/bench-base.config"
	echo "$TOP/configs/common.config $frag/$arch-nokasan.config"
	case "$kind" in
	base)	 echo "$frag/bench-base.config" ;;
	patched) echo "$TOP/configs/bench.config" ;;
	esac
}

build_kernel() {	# build_kernel ARCH KIND
	local arch=$1 kind=$2 bdir=$BUILD out start targets
	out=$(out_dir "$arch" "$kind")
	[ "$kind" = base ] && bdir=$BASE_BUILD
	# kconfig.sh and kmake work in $BUILD/linux: the tree of this kernel.
	# shellcheck disable=SC2046
	BUILD=$bdir "$TOP/workspace/kconfig.sh" "$arch" "$out" $(fragments "$arch" "$kind")
	targets=("$(kernel_image "$arch" | xargs basename)" modules)
	start=$(date +%s)
	say "bench: $arch $kind kernel in ${out#"$TOP"/} (ccache, -j$JOBS)"
	SRC=$bdir/linux kmake "$arch" "$out" "${targets[@]}" > "$LOGS/build-$arch-$kind.log" 2>&1 || {
		tail -n 30 "$LOGS/build-$arch-$kind.log" >&2
		die "bench: the $arch $kind kernel did not build (log: ${LOGS#"$TOP"/}/build-$arch-$kind.log)"
	}
	say "bench: $arch $kind kernel: $(( $(date +%s) - start )) s"
}

build_kernels() {
	lay_base_tree
	build_kernel x86_64 base
	build_kernel x86_64 patched
	# The same config but for the layer: anything else voids the comparison.
	local diff
	diff=$(diff <(grep -v IOMMU_ATS_RECOVERY "$(out_dir x86_64 base)/.config" | grep -v '^#' | sort) \
		    <(grep -v IOMMU_ATS_RECOVERY "$(out_dir x86_64 patched)/.config" | grep -v '^#' | sort) || true)
	[ -z "$diff" ] || { printf '%s\n' "$diff" >&2
		die "bench: the base and patched configs differ beyond CONFIG_IOMMU_ATS_RECOVERY* (above)"; }
}

# --- guest tools ----------------------------------------------------------------

# build_guest ARCH: the ats_bench module against the patched ARCH kernel,
# dma_map_benchmark (x86_64, static, from the selftest; its ABI header is
# the same in both trees), and the initramfs: busybox, the test /init and
# its library (tests/qemu/guest), the bench guest scripts as "scenarios".
build_guest() {
	local arch=$1 bb tool=""
	local root=$WORK/initramfs-$arch msrc=$WORK/module-src/$arch
	case "$arch" in
	x86_64) bb=/bin/busybox ;;
	arm64)	bb=$BUILD/deps/busybox-arm64/bin/busybox ;;
	esac
	[ -x "$bb" ] || die "no busybox for $arch at $bb: run 'make deps'"
	if [ "$arch" = x86_64 ]; then
		local src=$SRC/tools/testing/selftests/dma/dma_map_benchmark.c
		tool=$WORK/tools/dma_map_benchmark
		mkdir -p "$WORK/tools/include/linux"
		cp "$SRC/include/linux/map_benchmark.h" "$WORK/tools/include/linux/"
		gcc -static -O2 -Wall -I"$WORK/tools/include" -o "$tool" "$src" ||
			die "bench: could not build dma_map_benchmark (static: needs libc6-dev)"
	fi

	mkdir -p "$msrc"
	cp "$TOP/tests/bench/Makefile" "$TOP/tests/bench/ats_bench.c" "$msrc/"
	kmake "$arch" "$(out_dir "$arch" patched)" M="$msrc" modules > "$LOGS/build-module-$arch.log" 2>&1 || {
		cat "$LOGS/build-module-$arch.log" >&2
		die "bench: the ats_bench module did not build for $arch"
	}

	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,mnt,tests/scenarios,lib/modules}
	cp "$bb" "$root/bin/busybox"
	[ -z "$tool" ] || cp "$tool" "$root/bin/"
	cp "$TOP/tests/qemu/guest/init" "$root/init"
	cp "$TOP/tests/qemu/guest/lib.sh" "$root/tests/lib.sh"
	cp "$TOP"/tests/bench/guest/*.sh "$root/tests/scenarios/"
	cp "$msrc/ats_bench.ko" "$root/lib/modules/"
	chmod +x "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) \
		> "$WORK/initramfs-$arch.cpio.gz"
}

# --- boots ----------------------------------------------------------------------

FAILED=()
RETRIED=()
QEMU_EXTRA=()		# more QEMU arguments for the next boot only
TIMEOUT=${BENCH_TIMEOUT:-600}	# seconds, for the next boot only

machine_arch() {	# machine_arch MACHINE: its ARCH
	KERNEL=/dev/null INITRD=/dev/null DISK=/dev/null
	"machine_${1//-/_}"
	echo "$ARCH"
}

# boot NAME MACHINE KIND SCRIPTS [KEY=VALUE...]: boots MACHINE with the KIND
# (base or patched) kernel, runs the guest scripts (comma-separated) with
# atstest.KEY=VALUE on the command line, and appends the guest's "BENCH"
# lines, tagged boot=NAME, to $LINES. A boot that does not reach its end, or
# whose log has a "not ok" or a kernel splat, is noted in FAILED.
#
# QEMU 7.2's TCG has a known race with x86 text patching across vCPUs
# (fixed in QEMU 8.1, commits cb62bd15e14e and deba78709ae8): now and then
# a CPU runs the int3 of a jump label that another CPU has just patched
# back, and the kernel dies with "Oops: int3" and "66 <90>" in its code
# dump. The bench kernels have jump labels (the test kernels do not), so
# such a boot, and only such a boot, is run once more; the table says so.
boot() {
	local name=$1 machine=$2 kind=$3 scripts=$4 a kv="" log rc start bad try
	shift 4
	type "machine_${machine//-/_}" >/dev/null 2>&1 || die "bench: unknown machine '$machine'"
	for a in "$@"; do kv+=" atstest.$a"; done
	ARCH=$(machine_arch "$machine")
	KERNEL=$(out_dir "$ARCH" "$kind")/$(kernel_image "$ARCH")
	INITRD=$WORK/initramfs-$ARCH.cpio.gz DISK=$WORK/disk.img
	"machine_${machine//-/_}"
	# x86: the IO-APIC timer check at boot counts timer interrupts in a
	# window of a few ms, which TCG on a busy host can miss ("timer doesn't
	# work through Interrupt-remapped IO-APIC", a panic): skip the check.
	[ "$ARCH" != x86_64 ] || CMDLINE+=" no_timer_check"
	log=$LOGS/$name.log
	for try in 1 2; do
		start=$(date +%s)
		set +e
		timeout -k 10 "$TIMEOUT" "${QEMU[@]}" "${QEMU_EXTRA[@]}" -append \
			"$CMDLINE panic=-1 oops=panic loglevel=5 atstest.machine=$machine atstest.run=$scripts atstest.kernel=$kind$kv" \
			< /dev/null > "$log" 2>&1
		rc=$?
		set -e
		# The first complaint, printable, from its kernel timestamp on.
		bad=$(tr -d '\r' < "$log" | grep -E '^not ok |WARNING: CPU:|BUG:|Oops|Kernel panic|Call Trace:' |
		      head -n 1 | tr -cd '[:print:]' | sed 's/^.*\(\[ *[0-9][0-9]*\.[0-9]*\]\)/\1/' || true)
		if [ $try = 1 ] && [[ "$bad" = *"Oops: int3"* ]] && grep -q ' 66 <90> ' "$log"; then
			mv "$log" "$LOGS/$name.int3.log"
			RETRIED+=("$name (log ${LOGS#"$TOP"/}/$name.int3.log)")
			say "bench: $name: QEMU 7.2 TCG text-patching race (Oops: int3), booting again"
			continue
		fi
		break
	done
	QEMU_EXTRA=()
	TIMEOUT=${BENCH_TIMEOUT:-600}
	# A failed boot's figures stay out of the table: they would enter
	# the medians and leave base and patched with different runs.
	if [ $rc -ne 0 ] || [ -n "$bad" ] || ! tr -d '\r' < "$log" | grep -q '^# atstest: done'; then
		FAILED+=("$name: ${bad:-qemu exit $rc, no end marker} (log ${log#"$TOP"/})")
		say "bench: $name: FAILED after $(( $(date +%s) - start )) s: ${bad:-qemu exit $rc} (log ${log#"$TOP"/})"
	else
		tr -d '\r' < "$log" | sed -n "s/^# BENCH /BENCH boot=$name /p" >> "$LINES"
		say "bench: $name: $(( $(date +%s) - start )) s"
	fi
}

# has_backend MACHINE: the IOMMU driver of MACHINE implements ats_fence in
# the patched tree.
has_backend() {
	local dir
	case "$1" in
	vtd*)	 dir=drivers/iommu/intel ;;
	amd*)	 dir=drivers/iommu/amd ;;
	smmuv3*) dir=drivers/iommu/arm/arm-smmu-v3 ;;
	*)	 return 1 ;;
	esac
	grep -rqE '\.ats_fence[[:space:]]*=' "$SRC/$dir"
}

# --- the run ------------------------------------------------------------------

build_kernels
build_guest x86_64
fence_arches=" x86_64 "
for m in $FENCE_MACHINES; do
	has_backend "$m" || continue
	a=$(machine_arch "$m")
	case "$fence_arches" in
	*" $a "*) ;;
	*)	build_kernel "$a" patched
		build_guest "$a"
		fence_arches+="$a " ;;
	esac
done
[ "${1:-}" = --kernels ] && exit 0

run_start=$(date +%s)
mkdir -p "$WORK/run"
: > "$LINES"
truncate -s 16M "$WORK/disk.img"

# Each round boots both kernels twice: on TCG's wall clock (what a user
# would time, and noisy), and under -icount, where guest time is executed
# instructions (2^SHIFT ns each): the same benchmark then counts
# instructions per map and unmap, whatever the host's load. One vCPU (the
# benchmark runs one thread): under -icount QEMU 7.2 can starve a second
# vCPU for good, and one vCPU cannot meet the text-patching race above.
say "bench: success path: $ROUNDS rounds of base and patched boots, alternating; $RUNS x $SECONDS_PER_RUN s of dma_map_benchmark each, on the wall clock and under -icount shift=$ICOUNT_SHIFT"
for r in $(seq 1 "$ROUNDS"); do
	for clock in wall icount; do
		for kind in base patched; do
			QEMU_EXTRA=(-smp 1)
			[ $clock = wall ] || QEMU_EXTRA+=(-icount "shift=$ICOUNT_SHIFT")
			TIMEOUT=$((120 + 4 * RUNS * SECONDS_PER_RUN))
			boot "dma-$clock-$kind-$r" vtd "$kind" dma "runs=$RUNS" "seconds=$SECONDS_PER_RUN" \
				"round=$r" "clock=$clock" "icount_shift=$ICOUNT_SHIFT"
		done
	done
done

say "bench: fence latency and recovery time: $SHOTS shots per machine"
for m in $FENCE_MACHINES; do
	if has_backend "$m"; then
		boot "fence-$m" "$m" patched fence "shots=$SHOTS"
	else
		echo "BENCH boot=fence-$m fence machine=$m status=no-backend" >> "$LINES"
	fi
done

say "bench: storms: $STORM reports for one function; one report each for $NDEV functions"
boot storm vtd-storm patched storm "storm=$STORM"

say "bench: hot path, under QEMU -icount shift=0 (the guest's TSC counts instructions)"
QEMU_EXTRA=(-smp 1 -icount shift=0)
TIMEOUT=300
boot hotpath vtd patched hotpath icount=1

elapsed=$(( $(date +%s) - run_start ))
python3 "$TOP/tests/bench/table.py" "$LINES" --elapsed "$elapsed" --icount-shift "$ICOUNT_SHIFT" \
	--base "$(git -C "$SRC" show base:Makefile |
		  awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3} END{print v "." p "." s}')" \
	--patched "$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?')" \
	--failed "$(printf '%s\n' "${FAILED[@]}")" \
	--retried "$(printf '%s\n' "${RETRIED[@]}")" > "$WORK/run/table.md"
echo
cat "$WORK/run/table.md"
{ echo; cat "$WORK/run/table.md"; } >> "$RESULTS_FILE"
echo
say "bench: appended to ${RESULTS_FILE#"$TOP"/}; logs in ${LOGS#"$TOP"/}/"
[ ${#FAILED[@]} -eq 0 ] || die "bench: ${#FAILED[@]} boot(s) failed: see above"
