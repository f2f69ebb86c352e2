#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tally.sh RESULTS: prints the failures, the expected failures (XFAIL: a
# named review finding whose fix has not landed, tests/qemu/expected-failures)
# and the closing "N passed, N failed, N skipped" line over every KUnit case,
# QEMU scenario and static check; exits 1 if anything failed or nothing ran.
set -euo pipefail
res=$1
[ -f "$res" ] || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
pass=$(grep -c '^PASS ' "$res" || true)
fail=$(grep -c '^FAIL ' "$res" || true)
xfail=$(grep -c '^XFAIL ' "$res" || true)
if [ "$xfail" -gt 0 ]; then
	echo "Expected failures (skipped; each names the finding that causes it):"
	grep '^XFAIL ' "$res" | sed 's/^XFAIL /  /'
fi
if [ "$fail" -gt 0 ]; then
	echo "Failures:"
	grep '^FAIL ' "$res" | sed 's/^FAIL /  /'
fi
for kind in kunit qemu static stage; do
	p=$(grep -c "^PASS $kind/" "$res" || true)
	f=$(grep -c "^FAIL $kind/" "$res" || true)
	echo "  $kind: $p passed, $f failed"
done
echo "$pass passed, $fail failed, $xfail skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
