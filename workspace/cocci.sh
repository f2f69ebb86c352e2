#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cocci.sh: the Coccinelle rules of tests/coccinelle/. Each rule is proven
# able to fail first: it must report its negative example
# (tests/coccinelle/negative/RULE.c); then it must stay silent on the laid
# tree's folders named in its "// dirs:" header. Two result lines a rule.
. "$(dirname "$0")/lib.sh"

spatch_run() {	# spatch_run RULE TARGET...: prints the reports, one a line
	# A rule whose python state spans files says "// jobs: 1".
	local jobs=$JOBS out rc=0
	grep -q '^// jobs: 1' "$1" && jobs=1
	out=$(timeout 600 spatch --very-quiet --no-includes --include-headers -D report \
		--jobs "$jobs" --sp-file "$@" 2>&1) || rc=$?
	# A crash or a timeout reports nothing: it must not read as silence.
	if [ $rc -ne 0 ]; then
		printf 'spatch failed (exit %d): %s\n' "$rc" \
			"$(printf '%s\n' "$out" | tail -n 1)"
		return 1
	fi
	printf '%s\n' "$out" | grep -E '^[^ ]+:[0-9]+:[0-9]+-[0-9]+: ' || true
}

for rule in "$TOP"/tests/coccinelle/*.cocci; do
	name=$(basename "$rule" .cocci)
	neg=$TOP/tests/coccinelle/negative/$name.c
	if [ ! -f "$neg" ]; then
		result FAIL "static/cocci/$name-fires" "no negative example $neg"
	elif ! out=$(cd "$TOP" && spatch_run "$rule" "${neg#$TOP/}"); then
		result FAIL "static/cocci/$name-fires" "$out"
	elif [ -n "$out" ]; then
		result PASS "static/cocci/$name-fires"
	else
		result FAIL "static/cocci/$name-fires" "silent on its negative example: the rule cannot fail"
	fi

	dirs=$(sed -n 's|^// dirs: ||p' "$rule")
	[ -n "$dirs" ] || { result FAIL "static/cocci/$name" "no '// dirs:' header"; continue; }
	if ! reports=$(cd "$SRC" && spatch_run "$rule" $dirs); then
		result FAIL "static/cocci/$name" "$reports"
	elif [ -z "$reports" ]; then
		result PASS "static/cocci/$name"
	else
		result FAIL "static/cocci/$name" "$(printf '%s\n' "$reports" | head -n 1)"
		printf '%s\n' "$reports" | sed 's/^/    /'
	fi
done
[ $nfail -eq 0 ]
