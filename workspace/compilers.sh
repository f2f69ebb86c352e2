#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# compilers.sh: W=1 with gcc, sparse (C=2) and W=1 with clang (LLVM=-19) on
# the objects of our own C files in the x86_64 test kernel, and W=1 with
# gcc and sparse on those of the arm64 test kernel (SMMUv3). Each check is
# proven able to fail first on tests/static/negative, a module it must
# complain about. Needs "make x86_64" and "make arm64".
. "$(dirname "$0")/lib.sh"

out=$BUILD/out/x86_64
out64=$BUILD/out/arm64
clang_out=$BUILD/out/x86_64-clang
[ -f "$out/.config" ] || die "no x86_64 kernel: run 'make x86_64'"
[ -f "$out64/.config" ] || die "no arm64 kernel: run 'make arm64'"
# sparse new enough for 7.3, built from Debian's source by make deps
sparse=$BUILD/deps/sparse/sparse
[ -x "$sparse" ] || die "no $sparse: run 'make deps'"

# our_objects OUT: the objects of our C files that the kernel in OUT builds
our_objects() {
	overlay_files | grep -E '^drivers/.*\.c$' | sed 's/\.c$/.o/' |
		while read -r o; do [ -f "$1/$o" ] && echo "$o"; done
	return 0
}
mapfile -t objs < <(our_objects "$out")
[ ${#objs[@]} -gt 0 ] || die "none of our objects is built in $out"

# Our sources, as the compilers name them (paths in the tree)
ours_list=$(overlay_files | tr '\n' ' ')
neg=$BUILD/static-negative
rm -rf "$neg"
cp -r "$TOP/tests/static/negative" "$neg"

warnings_of() {	# warnings_of LOG [sparse]: diagnostics on our sources
	local w
	# Not the vDSO, which kbuild builds first with C=2 on arm64: not ours.
	w=$(grep -E '^[^ ]+\.[ch]:[0-9]+:[0-9]+: (warning|error)' "$1" |
		grep -v '/kernel/vdso/' || true)
	# gcc and clang end theirs with [-Wflag]; sparse's carry none. The
	# sparse check counts only sparse's, so that it proves itself.
	[ "${2%-arm64}" = sparse ] && w=$(printf '%s\n' "$w" | grep -v '\]$' || true)
	# Only what is said of our own files (and the negative module): sparse
	# also speaks of the kernel's headers our code includes (arm64's
	# percpu.h for this_cpu_*), which are not ours to fix here.
	printf '%s\n' "$w" | awk -v ours="$ours_list" '
		BEGIN { n = split(ours, a, " "); for (i = 1; i <= n; i++) mine[a[i]] = 1 }
		$0 == "" { next }
		{ f = $0; sub(/:.*/, "", f)
		  keep = (f !~ /\//) || (f ~ /static-negative\//)
		  for (k in mine)
			if (!keep && length(f) >= length(k) &&
			    substr(f, length(f) - length(k) + 1) == k)
				keep = 1
		  if (keep) print }'
	return 0
}

check() {	# check NAME KMAKE-ARGS...: build our objects fresh, no diagnostics
	local name=$1 log=$BUILD/static-$1.log
	shift
	# Negative first: the check must complain about the negative module.
	rm -f "$neg"/*.o "$neg"/.*.cmd
	"$@" M="$neg" modules > "$log.neg" 2>&1 || true
	if [ -n "$(warnings_of "$log.neg" "$name")" ]; then
		result PASS "static/$name-fires"
	else
		result FAIL "static/$name-fires" "silent on tests/static/negative: the check cannot fail"
	fi
	(cd "$(eval echo "\$${name//-/_}_dir")" && rm -f "${objs[@]}")
	"$@" "${objs[@]}" > "$log" 2>&1 || true
	local w
	w=$(warnings_of "$log" "$name")
	if [ -z "$w" ] && ! grep -q 'Error [0-9]' "$log"; then
		result PASS "static/$name"
	else
		result FAIL "static/$name" "$(printf '%s\n' "$w" | head -n 1)${w:+}"
		{ [ -n "$w" ] && printf '%s\n' "$w" || tail -n 5 "$log"; } | head -n 10 | sed 's/^/    /'
	fi
}

w1_dir=$out
sparse_dir=$out
check w1 kmake x86_64 "$out" W=1
check sparse kmake x86_64 "$out" C=2 CHECK="$sparse"

# clang: the same config, built with LLVM=-19 in its own folder (only what
# our objects need: "prepare", then the objects).
mkdir -p "$clang_out"
if ! cmp -s "$out/.config" "$clang_out/.config.gcc"; then
	cp "$out/.config" "$clang_out/.config"
	cp "$out/.config" "$clang_out/.config.gcc"
	make -s -C "$SRC" O="$clang_out" ARCH=x86_64 LLVM=-19 olddefconfig
fi
clang_w1_dir=$clang_out
clang_make() {
	local o=$1
	shift
	make -s -C "$SRC" O="$o" -j"$JOBS" ARCH=x86_64 LLVM=-19 "$@"
}
clang_make "$clang_out" prepare modules_prepare > "$BUILD/static-clang-prepare.log" 2>&1 ||
	{ result FAIL static/clang-w1 "clang prepare failed: $(tail -n 1 "$BUILD/static-clang-prepare.log")"; exit 1; }
check clang-w1 clang_make "$clang_out" W=1

# arm64: our objects as the arm64 kernel builds them (the core and PCI
# parts; the SMMUv3 hooks come back with issue 17), W=1 and sparse.
mapfile -t objs < <(our_objects "$out64")
if [ ${#objs[@]} -eq 0 ]; then
	result FAIL static/w1-arm64 "none of our objects is built in $out64"
else
	w1_arm64_dir=$out64
	sparse_arm64_dir=$out64
	check w1-arm64 kmake arm64 "$out64" W=1
	check sparse-arm64 kmake arm64 "$out64" C=2 CHECK="$sparse"
fi
[ $nfail -eq 0 ]
