#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# selftest.sh: proves that the harness itself can fail. A broken glue patch
# must stop the tree with a message naming the patch and the file; the
# console judge must fail a "not ok", a missing result, a kernel WARN, a
# timeout and a missing QEMU trace line a scenario asked for, and pass a
# clean log; an expected failure is skipped until it passes; the host side
# serves a guest's QMP requests and stops a hung guest. Each is a static
# check in $RESULTS.
. "$(dirname "$0")/../../workspace/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- a glue patch that does not apply ----------------------------------------
mkdir -p "$tmp/patches"
cat > "$tmp/patches/0001-broken.patch" <<'P'
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: Harness <harness@localhost>
Subject: [PATCH] iommu: a patch whose context is not in the base

---
 drivers/iommu/iommu.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/drivers/iommu/iommu.c b/drivers/iommu/iommu.c
--- a/drivers/iommu/iommu.c
+++ b/drivers/iommu/iommu.c
@@ -1,3 +1,4 @@
 this line is not in the base
+and neither is this one
 nor this
 nor this
P
# The broken patch alone: this checks the harness, not the real series.
echo 0001-broken.patch > "$tmp/patches/series"
if PATCHES=$tmp/patches "$TOP/workspace/tree.sh" --dry-run > "$tmp/out" 2>&1; then
	result FAIL static/harness/broken-patch-stops-tree "tree.sh accepted a patch that cannot apply"
elif grep -q '0001-broken.patch' "$tmp/out" && grep -q 'drivers/iommu/iommu.c' "$tmp/out"; then
	result PASS static/harness/broken-patch-stops-tree
else
	result FAIL static/harness/broken-patch-stops-tree "message does not name the patch and file: $(tail -n 1 "$tmp/out")"
fi

# --- the console judge --------------------------------------------------------
good='KTAP version 1
1..2
# scenario output
ok 1 a
ok 2 b # SKIP no device
# atstest: done'
judge() {	# judge NAME WANT(pass|fail) QEMU_RC LOG
	printf '%s\n' "$4" > "$tmp/log"
	if RESULTS= "$TOP/tests/qemu/parse.sh" "$tmp/log" selftest "$3" a b > "$tmp/judge" 2>&1; then
		got=pass
	else
		got=fail
	fi
	if [ "$got" = "$2" ]; then
		result PASS "static/harness/judge-$1"
	else
		result FAIL "static/harness/judge-$1" "expected $2, judged $got"
	fi
}
judge clean-log pass 0 "$good"
judge not-ok fail 0 "${good/ok 1 a/not ok 1 a # exit 1}"
judge missing-result fail 0 "${good/ok 1 a/}"
judge kernel-warn fail 0 "$good
[    3.1] WARNING: CPU: 0 PID: 1 at drivers/iommu/iommu.c:1 x+0x1/0x2"
judge lockdep fail 0 "$good
[    3.1] WARNING: possible circular locking dependency detected"
judge timeout fail 124 "${good%# atstest: done}"
judge no-end-marker fail 0 "${good%# atstest: done}"
# A host-side check of QEMU's trace a scenario asked for (qemu-trace-*)
trace='# qemu-trace-begin w
amdvi_devtab_inval device table entry for devid: 01:00.0 invalidated
# qemu-trace-end w
# qemu-trace-check w a/model 1 amdvi_devtab_inval.*01:00.0'
judge qemu-trace-found pass 0 "$good
$trace"
judge qemu-trace-missing fail 0 "$good
${trace/devid: 01:00.0/devid: 02:00.0}"
# Nothing matching FORBIDDEN between FROM and UNTIL (qemu-trace-none)
order='# qemu-trace-begin o
fence sid 0x0100
inv sid 0x0200
reset sid 0x0100
inv sid 0x0100
# qemu-trace-end o
# qemu-trace-none o o/none fence.*0x0100 inv.*0x0100 reset.*0x0100'
judge qemu-trace-none-holds pass 0 "$good
$order"
judge qemu-trace-none-broken fail 0 "$good
${order/inv sid 0x0200/inv sid 0x0100}"
judge qemu-trace-none-no-start fail 0 "$good
${order/fence sid/fenc sid}"
# The cases of a suite a scenario runs (the iommufd selftests): one failed
# case fails the run even when its scenario says ok
judge suite-cases-pass pass 0 "$good
# atstest-sub a prog.case1 PASS
# atstest-sub a prog.case2 SKIP no hardware"
judge suite-case-fails fail 0 "$good
# atstest-sub a prog.case1 PASS
# atstest-sub a prog.case2 FAIL"
# ... also when the console glued a kernel message to its line
judge suite-case-fails-glued fail 0 "$good
# atstest-sub a prog.case1 PASS
# atstest-sub a prog.case2 FAIL[   88.573575] iommufd_mock iommufd_mock0: Adding to iommu group 6"

# An expected failure (a review finding whose fix has not landed) is
# reported as XFAIL, not as a failure; once it passes it fails the run.
printf 'qemu/selftest/a reviews/x.md#1 what it shows\n' > "$tmp/xfail"
XFAIL_LIST=$tmp/xfail judge expected-failure-is-skipped pass 0 "${good/ok 1 a/not ok 1 a # exit 1}"
XFAIL_LIST=$tmp/xfail judge expected-failure-that-passes fail 0 "$good"
# An expected kernel-log failure explains only the splats it names: a
# KASAN report beside the expected lockup fails, as does a hang after it.
printf 'qemu/selftest/kernel-log splats=hard.LOCKUP|Call.Trace: issue 0: the lockup\n' > "$tmp/xfail"
lockup='watchdog: CPU1: Watchdog detected hard LOCKUP on cpu 0
Call Trace:'
XFAIL_LIST=$tmp/xfail judge expected-splat-is-skipped pass 0 "$good
$lockup"
XFAIL_LIST=$tmp/xfail judge unexpected-splat-beside-expected fail 0 "$good
$lockup
BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x109/0x240"
XFAIL_LIST=$tmp/xfail judge expected-splat-then-no-end fail 0 "${good%\# atstest: done}
$lockup"
XFAIL_LIST=$tmp/xfail judge expected-splat-then-hang fail 124 "$good
$lockup"

# --- the host's side of a boot: QMP requests from the guest -------------------
# A fake QEMU (tests/harness/fake-qemu.py) asks for two QMP commands as a
# scenario does and prints the host's answers: the accepted one must be
# acknowledged "ok", the refused one with QEMU's error, and both logged.
if python3 "$TOP/tests/qemu/console-host.py" "$tmp/qmp.log" 20 \
	python3 "$TOP/tests/harness/fake-qemu.py" > /dev/null 2>&1 &&
   grep -qx 'guest got: qmp-ack t1 ok' "$tmp/qmp.log" &&
   grep -qx 'guest got: qmp-ack t2 error: no such property' "$tmp/qmp.log" &&
   grep -q '^# host: qmp t1 .*"return"' "$tmp/qmp.log"; then
	result PASS static/harness/qmp-request
else
	result FAIL static/harness/qmp-request "console-host.py did not serve the fake guest's QMP requests: $(tail -n 3 "$tmp/qmp.log" 2>/dev/null | tr '\n' ' ')"
fi
# A guest that never powers off is stopped at the timeout, with 124
rc=0
python3 "$TOP/tests/qemu/console-host.py" "$tmp/hang.log" 1 sh -c 'sleep 30' hung-guest > /dev/null 2>&1 || rc=$?
if [ $rc -eq 124 ]; then
	result PASS static/harness/boot-timeout
else
	result FAIL static/harness/boot-timeout "console-host.py exited $rc for a guest that hung"
fi
[ $nfail -eq 0 ]
