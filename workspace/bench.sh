#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh [--kernels]
#
# The benchmarks (make bench), the patched kernel against pristine 7.3 in
# one run, on the emulator (QEMU with qemu/patches): success-path cost on
# an ATS function under each IOMMU, the hot-path check, SMMUv3 commands per
# unmap, a function that stops answering (fenced, recovered, per recovery
# path) and report storms. Prints one table and appends it, with the date,
# the host and the kernels, to tests/bench/results.md. Speed is shown here,
# never asserted: no figure passes or fails; a boot that does not reach its
# end does (its figures are then missing).
#
# Per architecture (x86_64, arm64), two kernels with the same non-debug
# config (configs/common.config + configs/ARCH.config without KASAN +
# configs/bench.config):
#   base     the pristine tarball (tag "base" of build/linux), laid in
#            build/bench/base/linux, without the CONFIG_IOMMU_ATS_RECOVERY*
#            lines; output build/out/ARCH-bench-base
#   patched  build/linux (base + overlay + series); build/out/ARCH-bench
# --kernels builds the kernels and the guest tools, and stops.
#
# Guest side: tests/bench/guest/*.sh run as the "scenarios" of the test
# /init (tests/qemu/guest) and print "BENCH ..." lines; the host adds what
# it counts in QEMU's trace (cmdq_counts, model_times); tests/bench/table.py
# makes the table. Logs: build/bench/logs/.
#
# Environment (defaults in brackets):
#   BENCH_ROUNDS [3]      boots of each kernel per machine for the success
#                         path, alternating base, patched, base, ...
#   BENCH_RUNS [3]        dma_map_benchmark runs per boot
#   BENCH_SECONDS [10]    seconds (guest time) per dma_map_benchmark run
#   BENCH_ICOUNT_SHIFT [7]  -icount shift of the success-path boots (2^SHIFT
#                         ns per instruction: 7 makes the benchmark's
#                         100 ns step less than one instruction)
#   BENCH_WALL [0]        1: the success path on TCG's wall clock too
#   BENCH_DMA_MACHINES ["vtd amd smmuv3-dma"]
#   BENCH_BATCHES [1,2,8,64,200]  functions whose IOMMU groups share one
#                         domain (whole groups: 1, 2, 10, 66, 200 ATC
#                         invalidations per flush), for the SMMUv3 counts
#   BENCH_UNMAPS [20]     unmaps per batch size
#   BENCH_STUCK_MACHINES ["vtd:2000 amd:1000 smmuv3:500"]  MACHINE:T, T the
#                         model's ATS invalidation timeout in ms
#   BENCH_SHOTS [3]       stuck-function shots per recovery path
#   BENCH_STORM [100000]  reports for one function in the storm
#   BENCH_DEVICES [64]    functions reported once each (8 per root port)
#   BENCH_RESULTS [tests/bench/results.md]  where the table is appended
#   BENCH_TIMEOUT [600]   seconds per boot (success path: 240 + 4 x its
#                         benchmark time)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/machines.sh"
. "$TOP/tests/bench/machines.sh"
# The machines run on the emulator (tests/qemu/machines.sh)
"$TOP/workspace/qemu.sh"

ROUNDS=${BENCH_ROUNDS:-3}
RUNS=${BENCH_RUNS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
ICOUNT_SHIFT=${BENCH_ICOUNT_SHIFT:-7}
DMA_MACHINES=${BENCH_DMA_MACHINES:-"vtd amd smmuv3-dma"}
BATCHES=${BENCH_BATCHES:-1,2,8,64,200}
UNMAPS=${BENCH_UNMAPS:-20}
STUCK_MACHINES=${BENCH_STUCK_MACHINES:-"vtd:2000 amd:1000 smmuv3:500"}
SHOTS=${BENCH_SHOTS:-3}
STORM=${BENCH_STORM:-100000}
NDEV=${BENCH_DEVICES:-64}
BATCH_FUNCS=$(echo "$BATCHES" | tr ',' '\n' | sort -n | tail -n 1)
export BATCH_FUNCS
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

kind_src() {	# kind_src KIND: the kernel tree of KIND
	case "$1" in
	base)	 echo "$BASE_BUILD/linux" ;;
	patched) echo "$SRC" ;;
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

# same_config ARCH: the base and patched configs differ in the layer's
# options only; anything else voids the comparison.
same_config() {
	local diff
	diff=$(diff <(grep -v IOMMU_ATS_RECOVERY "$(out_dir "$1" base)/.config" | grep -v '^#' | sort) \
		    <(grep -v IOMMU_ATS_RECOVERY "$(out_dir "$1" patched)/.config" | grep -v '^#' | sort) || true)
	[ -z "$diff" ] || { printf '%s\n' "$diff" >&2
		die "bench: the $1 base and patched configs differ beyond CONFIG_IOMMU_ATS_RECOVERY* (above)"; }
}

build_kernels() {
	local arch
	lay_base_tree
	for arch in x86_64 arm64; do
		build_kernel "$arch" base
		build_kernel "$arch" patched
		same_config "$arch"
	done
}

# --- guest tools ----------------------------------------------------------------

# build_guest ARCH: dma_map_benchmark (static, from tools/dma; its ABI
# header is the same in both trees), the bench modules against each kernel
# of ARCH (lib/modules/KIND/: atc_batch for both, ats_bench for the
# patched one), and the initramfs: busybox, the test /init and its library
# (tests/qemu/guest), the bench guest scripts as "scenarios".
build_guest() {
	local arch=$1 bb cc kind
	local root=$WORK/initramfs-$arch tool=$WORK/tools/$arch/dma_map_benchmark
	case "$arch" in
	x86_64) bb=/bin/busybox cc=gcc ;;
	arm64)	bb=$BUILD/deps/busybox-arm64/bin/busybox cc=aarch64-linux-gnu-gcc ;;
	esac
	[ -x "$bb" ] || die "no busybox for $arch at $bb: run 'make deps'"
	# tools/dma/ on 7.3; its ABI header alone (the libc's linux/types.h
	# for the rest)
	mkdir -p "${tool%/*}" "$WORK/tools/include/linux"
	cp "$SRC/include/uapi/linux/map_benchmark.h" "$WORK/tools/include/linux/"
	$cc -static -O2 -Wall -I"$WORK/tools/include" -o "$tool" "$SRC/tools/dma/dma_map_benchmark.c" ||
		die "bench: could not build dma_map_benchmark for $arch (static: needs libc6-dev, libc6-dev-arm64-cross; 'make deps')"

	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,mnt,tests/scenarios,lib/modules}
	for kind in base patched; do
		local msrc=$WORK/module-src/$arch-$kind
		mkdir -p "$msrc" "$root/lib/modules/$kind"
		cp "$TOP"/tests/bench/{Makefile,ats_bench.c,atc_batch.c} "$msrc/"
		SRC=$(kind_src "$kind") kmake "$arch" "$(out_dir "$arch" "$kind")" M="$msrc" modules \
			> "$LOGS/build-module-$arch-$kind.log" 2>&1 || {
			cat "$LOGS/build-module-$arch-$kind.log" >&2
			die "bench: the bench modules did not build for the $arch $kind kernel"
		}
		cp "$msrc"/*.ko "$root/lib/modules/$kind/"
	done
	cp "$bb" "$root/bin/busybox"
	cp "$tool" "$root/bin/"
	cp "$TOP/tests/qemu/guest/init" "$root/init"
	cp "$TOP/tests/qemu/guest/lib.sh" "$root/tests/lib.sh"
	cp "$TOP"/tests/bench/guest/*.sh "$root/tests/scenarios/"
	chmod +x "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) \
		> "$WORK/initramfs-$arch.cpio.gz"
}

# --- boots ----------------------------------------------------------------------

FAILED=()
RETRIED=()
QEMU_EXTRA=()		# more QEMU arguments for the next boot only
TIMEOUT=${BENCH_TIMEOUT:-600}	# seconds, for the next boot only

# set_machine MACHINE[:T]: fills ARCH, QEMU and CMDLINE for MACHINE, with
# the IOMMU model's ATS invalidation timeout at T ms (tests/qemu/machines.sh)
# and the disks of such a machine (empty, made at each call).
set_machine() {
	HW_TIMEOUT_MS=
	case "$1" in *:*) HW_TIMEOUT_MS=${1#*:} ;; esac
	export HW_TIMEOUT_MS
	DISK2=$WORK/disk2.img NVME_DISK=$WORK/nvme.img VBLK_DISK=$WORK/vblk.img
	if [ -n "$HW_TIMEOUT_MS" ]; then
		cp "$WORK/disk.img" "$DISK2"
		rm -f "$NVME_DISK" "$VBLK_DISK"
		truncate -s 64M "$NVME_DISK"
		truncate -s 64M "$VBLK_DISK"
	fi
	local fn
	fn=$(machine_fn "$1")
	type "$fn" >/dev/null 2>&1 || die "bench: unknown machine '$1'"
	"$fn"
}

machine_arch() {	# machine_arch MACHINE: its ARCH
	KERNEL=/dev/null INITRD=/dev/null DISK=/dev/null
	set_machine "$1"
	echo "$ARCH"
}

# boot NAME MACHINE KIND SCRIPTS [KEY=VALUE...]: boots MACHINE with the KIND
# (base or patched) kernel, runs the guest scripts (comma-separated) with
# atstest.KEY=VALUE on the command line, and appends the guest's "BENCH"
# lines, tagged boot=NAME, to $LINES. A boot that does not reach its end, or
# whose log has a "not ok" or a kernel splat, is noted in FAILED. The host
# side is tests/qemu/console-host.py: it serves the guests' QMP requests.
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
	for a in "$@"; do kv+=" atstest.$a"; done
	ARCH=$(machine_arch "$machine")
	KERNEL=$(out_dir "$ARCH" "$kind")/$(kernel_image "$ARCH")
	INITRD=$WORK/initramfs-$ARCH.cpio.gz DISK=$WORK/disk.img
	set_machine "$machine"
	[ -z "$HW_TIMEOUT_MS" ] || kv+=" atstest.hw_timeout_ms=$HW_TIMEOUT_MS"
	# x86: the IO-APIC timer check at boot counts timer interrupts in a
	# window of a few ms, which TCG on a busy host can miss ("timer doesn't
	# work through Interrupt-remapped IO-APIC", a panic): skip the check.
	[ "$ARCH" != x86_64 ] || CMDLINE+=" no_timer_check"
	log=$LOGS/$name.log
	for try in 1 2; do
		start=$(date +%s)
		set +e
		python3 "$TOP/tests/qemu/console-host.py" "$log" "$TIMEOUT" \
			"${QEMU[@]}" "${QEMU_EXTRA[@]}" -append \
			"$CMDLINE panic=-1 oops=panic loglevel=5 iommu.ats_recovery_budget=64 atstest.machine=$machine atstest.run=$scripts atstest.kernel=$kind$kv" \
			< /dev/null > /dev/null 2>&1
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
		return 1
	fi
	tr -d '\r' < "$log" | sed -n "s/^# BENCH /BENCH boot=$name /p" >> "$LINES"
	say "bench: $name: $(( $(date +%s) - start )) s"
}

# cmdq_counts NAME: the SMMU commands QEMU traced in each window of the
# boot NAME (batch.sh), as "BENCH cmdq ..." lines
cmdq_counts() {
	tr -d '\r' < "$LOGS/$1.log" | awk -v boot="$1" '
		function kv(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
		/^# BENCH cmdq-begin / { on = 1; split("", c); next }
		/^# BENCH cmdq-end / {
			on = 0; tl = 0; tot = 0
			for (o in c) { tot += c[o]; if (o ~ /TLBI/) tl += c[o] }
			printf "BENCH boot=%s cmdq kernel=%s n=%s unmaps=%s ats=%s ret=%s commands=%d sync=%d atc_inv=%d tlbi=%d other=%d\n", boot, kv("kernel"), kv("n"), kv("unmaps"), kv("ats"), kv("ret"), tot, c["SMMU_CMD_SYNC"], c["SMMU_CMD_ATC_INV"], tl, tot - c["SMMU_CMD_SYNC"] - c["SMMU_CMD_ATC_INV"] - tl
			next
		}
		on && /smmuv3_cmdq_opcode/ { c[$NF]++ }' >> "$LINES"
}

# model_times NAME: for each shot of stuck.sh in the boot NAME, the time
# from the model's timeout on the function to its sight of the fence
# (QEMU's trace, host clock: -msg timestamp=on), as "BENCH model ..." lines
model_times() {
	tr -d '\r' < "$LOGS/$1.log" | awk -v boot="$1" '
		function kv(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
		function stamp(   s) { if (!match($0, /[0-9]+@[0-9]+\.[0-9]+:/)) return -1; s = substr($0, RSTART, RLENGTH - 1); sub(/^[0-9]+@/, "", s); return s + 0 }
		function out(st) { printf "BENCH boot=%s model machine=%s path=%s shot=%s %s\n", boot, mach, path, shot, st }
		/^# BENCH stuckmark / {
			if (cur) out("status=no-fence-seen")
			cur = 1; tt = 0; mach = kv("machine"); path = kv("path"); shot = kv("shot")
			tre = kv("timeout_re"); fre = kv("fence_re"); next
		}
		cur && !tt && $0 ~ tre { tt = stamp(); next }
		cur && tt && $0 ~ fre { out(sprintf("timeout_to_fence_ms=%.1f", (stamp() - tt) * 1e3)); cur = 0 }
		END { if (cur) out(tt ? "status=no-fence-seen" : "status=no-timeout-seen") }' >> "$LINES"
}

# --- the run ------------------------------------------------------------------

build_kernels
build_guest x86_64
build_guest arm64
[ "${1:-}" = --kernels ] && exit 0

run_start=$(date +%s)
mkdir -p "$WORK/run"
: > "$LINES"
truncate -s 16M "$WORK/disk.img"

# 1. The success path, under -icount, where guest time is executed
# instructions (2^SHIFT ns each): dma_map_benchmark then counts instructions
# per map and unmap, whatever the host's load. One vCPU (the benchmark runs
# one thread; under -icount QEMU 7.2 can starve a second vCPU for good).
# BENCH_WALL=1 adds the same boots on TCG's wall clock.
clocks=icount
[ "${BENCH_WALL:-0}" = 1 ] && clocks="icount wall"
say "bench: success path on $DMA_MACHINES: $ROUNDS rounds of base and patched boots, alternating; $RUNS x $SECONDS_PER_RUN s of dma_map_benchmark each, under -icount shift=$ICOUNT_SHIFT"
for r in $(seq 1 "$ROUNDS"); do
	for m in $DMA_MACHINES; do
		for clock in $clocks; do
			for kind in base patched; do
				QEMU_EXTRA=(-smp 1)
				[ $clock = wall ] || QEMU_EXTRA+=(-icount "shift=$ICOUNT_SHIFT")
				TIMEOUT=$((240 + 4 * RUNS * SECONDS_PER_RUN))
				boot "dma-$m-$clock-$kind-$r" "$m" "$kind" dma "runs=$RUNS" "seconds=$SECONDS_PER_RUN" \
					"round=$r" "clock=$clock" "icount_shift=$ICOUNT_SHIFT" || true
			done
		done
	done
done

# 2. The hot path: the guest's TSC counts instructions under -icount shift=0.
say "bench: hot path, under QEMU -icount shift=0 (the guest's TSC counts instructions)"
QEMU_EXTRA=(-smp 1 -icount shift=0)
TIMEOUT=300
boot hotpath vtd patched hotpath icount=1 || true

# 3. SMMUv3: commands and CMD_SYNCs per unmap, N ATC invalidations each.
say "bench: SMMUv3 commands per unmap, $BATCHES functions in one domain, base and patched"
for kind in base patched; do
	TIMEOUT=900
	if boot "batch-$kind" smmuv3-batch "$kind" batch "batches=$BATCHES" "unmaps=$UNMAPS"; then
		cmdq_counts "batch-$kind"
	fi
done

# 4, 5. A function that stops answering, fenced and recovered.
say "bench: stuck function -> fenced -> back in service on $STUCK_MACHINES: $SHOTS shots per recovery path"
for m in $STUCK_MACHINES; do
	QEMU_EXTRA=(-msg timestamp=on)
	TIMEOUT=900
	if boot "stuck-${m/:/-t}" "$m" patched stuck "shots=$SHOTS"; then
		model_times "stuck-${m/:/-t}"
	fi
done

# 6. Storms.
say "bench: storms: $STORM reports for one function; one report each for $NDEV functions"
NDEV=$NDEV boot storm vtd-storm patched storm "storm=$STORM" || true

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
