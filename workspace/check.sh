#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: every test of the project, in the order that fails fastest.
# Each KUnit case, QEMU scenario and static check is one line in
# $RESULTS; the run ends with the tally "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"

RESULTS=${RESULTS:-$BUILD/results.txt}
export RESULTS
mkdir -p "$BUILD"
: > "$RESULTS"
t0=$(date +%s)
timing=()

stage() {	# stage NAME COMMAND...: runs a stage, records its time
	local name=$1 s=$(date +%s) rc=0 fails
	shift
	say "stage $name"
	fails=$(grep -c '^FAIL ' "$RESULTS" || true)
	"$@" || rc=$?
	timing+=("$(printf '%-22s %5d s%s' "$name" $(( $(date +%s) - s )) \
		"$([ $rc -eq 0 ] || echo "  (failed)")")")
	# A stage that failed without a verdict of its own (a kernel that did
	# not build, a script that died) must still fail the tally.
	if [ $rc -ne 0 ] && [ "$(grep -c '^FAIL ' "$RESULTS" || true)" -eq "$fails" ]; then
		echo "FAIL stage/$name: exited $rc before giving a verdict (see its output above)" |
			tee -a "$RESULTS"
	fi
	return 0
}

static() {	# static NAME COMMAND...: a static check, one result line
	local name=$1
	shift
	local log=$BUILD/static-${name//\//_}.log
	if "$@" > "$log" 2>&1; then
		echo "PASS static/$name" | tee -a "$RESULTS"
	else
		echo "FAIL static/$name: $(grep -E '^error:|FAIL' "$log" | tail -n 1 || tail -n 1 "$log")" |
			tee -a "$RESULTS"
		sed 's/^/    /' "$log" | tail -n 20
	fi
}

tree_ok=1
stage tree static tree-applies "$TOP/workspace/tree.sh"
grep -q '^FAIL static/tree-applies' "$RESULTS" && tree_ok=0
cat "$BUILD/static-tree-applies.log" | grep -E '^==> (base|tree)' || true

stage harness-selftest "$TOP/tests/harness/selftest.sh"

if [ $tree_ok -eq 1 ]; then
	stage series static series-git-am "$TOP/workspace/series.sh" --check
	stage static "$TOP/workspace/static.sh"
	stage coccinelle "$TOP/workspace/cocci.sh"

	for arch in arm64 x86_64; do
		if [ -n "$(cd "$TOP" && "$TOP/workspace/kunit.sh" --list "$arch" 2>/dev/null)" ]; then
			stage "kunit-$arch" "$TOP/workspace/kunit.sh" "$arch"
		fi
	done

	stage compilers "$TOP/workspace/compilers.sh"
	stage emulator static emulator-builds "$TOP/workspace/qemu.sh"
	stage qemu-tests "$TOP/workspace/qemu-tests.sh" "$(. "$TOP/tests/qemu/machines.sh"; echo "$CHECK_BOOTS")"
	# The README's first command, so that it cannot break unseen
	stage demo static demo "$TOP/workspace/demo.sh"
else
	echo "FAIL static/build: skipped every build and test, the tree could not be laid" >> "$RESULTS"
fi

echo
echo "Timing (this run):"
printf '  %s\n' "${timing[@]}"
printf '  %-22s %5d s\n' total $(( $(date +%s) - t0 ))
echo
"$TOP/workspace/tally.sh" "$RESULTS"
