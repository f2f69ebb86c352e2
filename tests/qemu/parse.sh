#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# parse.sh CONSOLE_LOG MACHINE QEMU_RC SCENARIO...
#
# Judges one boot. Each expected scenario needs an "ok N name" line; a
# "not ok", a missing result, a guest that did not reach its end marker
# (crash, hang, timeout: QEMU_RC 124) or a kernel splat anywhere in the log
# fails. Prints one line per verdict and appends them to $RESULTS if set.
# Exits non-zero if anything failed.
set -euo pipefail
log=$1 machine=$2 qemu_rc=$3
shift 3

# Verdicts a named review finding is known to cause until its fix lands
# (tests/qemu/expected-failures): such a FAIL is reported as XFAIL, with
# the finding, and counted as skipped; a PASS of one is a FAIL, so that the
# marker goes with the fix.
# A kernel-log entry names the splats its finding explains, as its second
# field "splats=REGEX" (no spaces: write "." for one): a splat that REGEX
# does not match, a hang or a guest that did not reach its end is a FAIL
# all the same, so an expected lockup cannot hide a new bug.
xfail_list=${XFAIL_LIST:-$(dirname "$0")/expected-failures}
expected_failure() {	# NAME: prints the finding NAME is expected to fail by
	[ -f "$xfail_list" ] || return 1
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); sub(/^splats=[^ ]* +/, ""); print; found = 1 }
		END { exit !found }' "$xfail_list"
}
expected_splats() {	# NAME: prints the regex of the splats NAME's finding explains
	[ -f "$xfail_list" ] || return 1
	awk -v n="$1" '$1 == n && $2 ~ /^splats=./ { print substr($2, 8); found = 1 }
		END { exit !found }' "$xfail_list"
}

fails=0
verdict() {	# PASS|FAIL|FAIL! name [reason]; FAIL! cannot be expected
	local v=$1 name=qemu/$machine/$2 why=${3:-} finding
	if [ "$v" = 'FAIL!' ]; then
		v=FAIL
	elif finding=$(expected_failure "$name"); then
		case "$v" in
		FAIL)	v=XFAIL why="expected, $finding: $why" ;;
		PASS)	v=FAIL why="passed, but is marked as an expected failure ($finding): remove its line from tests/qemu/expected-failures" ;;
		esac
	fi
	local line="$v $name${why:+: $why}"
	echo "$line"
	[ -n "${RESULTS:-}" ] && echo "$line" >> "$RESULTS"
	[ "$v" != FAIL ] || fails=$((fails + 1))
	return 0
}

clean=$(tr -d '\r' < "$log")

# The scenarios' own output, for the reader.
printf '%s\n' "$clean" | grep -E '^# ' | sed 's/^/    /' || true

for s in "$@"; do
	line=$(printf '%s\n' "$clean" | grep -E "^(not )?ok [0-9]+ $s( |\$)" | tail -n 1 || true)
	case "$line" in
	"ok "*"# SKIP"*) verdict PASS "$s" "skipped: ${line#*# SKIP }" ;;
	"ok "*)	verdict PASS "$s" ;;
	"not ok "*) verdict FAIL "$s" "${line#*# }" ;;
	*)	verdict FAIL "$s" "no result in the console log" ;;
	esac
done

# Cases of a suite a scenario runs (upstream's iommufd selftests), each a
# verdict of its own: "# atstest-sub SCENARIO CASE PASS|FAIL|SKIP [why]".
while read -r _ _ scen case res why; do
	case "$res" in
	PASS)	verdict PASS "$scen/$case" ;;
	SKIP)	verdict PASS "$scen/$case" "skipped: $why" ;;
	*)	verdict FAIL "$scen/$case" "${why:-failed}" ;;
	esac
done < <(printf '%s\n' "$clean" |
	 # The console may glue a kernel message to the line's end
	 sed -E 's/\[ *[0-9]+\.[0-9]+\] .*$//' |
	 grep -E '^# atstest-sub [^ ]+ [^ ]+ (PASS|FAIL|SKIP)( |$)' || true)

# What a scenario asks the host to check in QEMU's own trace (its stderr,
# in this log): the guest writes "# qemu-trace-begin W" and
# "# qemu-trace-end W" to /dev/console around what it does, then
# "# qemu-trace-check W NAME MIN REGEX": at least MIN lines of the window
# W must match REGEX, or NAME fails.
while read -r _ _ w name min regex; do
	n=$(printf '%s\n' "$clean" | awk -v w="$w" -v re="$regex" '
		$0 == "# qemu-trace-begin " w && !done { on = 1; next }
		$0 == "# qemu-trace-end " w && on { on = 0; done = 1; next }
		on && $0 !~ /^# / && $0 ~ re { c++ }
		END { print c + 0 }')
	if [ "${n:-0}" -ge "$min" ]; then
		verdict PASS "$name"
	else
		verdict FAIL "$name" "${n:-0} line(s) of QEMU's trace match '$regex' in window $w, expected $min or more"
	fi
done < <(printf '%s\n' "$clean" | grep -E '^# qemu-trace-check [^ ]+ [^ ]+ [0-9]+ ' || true)
# "# qemu-trace-none W NAME FROM FORBIDDEN UNTIL": in window W, from the
# first line matching FROM to the first later line matching UNTIL (or the
# window's end), no line may match FORBIDDEN; NAME fails too if no line
# matches FROM. The three regexes are separated by single spaces (write a
# space inside one as [[:space:]]).
while read -r _ _ w name from forbidden until; do
	r=$(printf '%s\n' "$clean" | awk -v w="$w" -v from="$from" -v bad="$forbidden" -v until="$until" '
		$0 == "# qemu-trace-begin " w && !done { on = 1; next }
		$0 == "# qemu-trace-end " w && on { on = 0; done = 1; next }
		!on || $0 ~ /^# / { next }
		!started && $0 ~ from { started = 1; next }
		started && !ended && $0 ~ until { ended = 1; next }
		started && !ended && $0 ~ bad { n++; if (!first) first = $0 }
		END { printf "%d %d %s\n", started, n, first }')
	read -r started n first <<< "$r"
	if [ "$started" != 1 ]; then
		verdict FAIL "$name" "no line of QEMU's trace matches '$from' in window $w"
	elif [ "$n" -gt 0 ]; then
		verdict FAIL "$name" "$n line(s) match '$forbidden' between '$from' and '$until', first: $first"
	else
		verdict PASS "$name"
	fi
done < <(printf '%s\n' "$clean" | grep -E '^# qemu-trace-none [^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+$' || true)
# The kernel's own complaints. Any of these fails the boot even when every
# scenario passed: a WARN or lockdep report is a bug.
splat='WARNING: CPU:|BUG:|Oops|Kernel panic|general protection fault|'
splat+='possible circular locking|possible recursive locking|inconsistent lock state|'
splat+='suspicious RCU usage|sleeping function called from invalid context|'
splat+='INFO: task .* blocked for more than|soft lockup|hard LOCKUP|rcu_sched self-detected stall|'
splat+='rcu: INFO: .* detected stalls|UBSAN:|KASAN:|kernel BUG at|Call Trace:'
splats=$(printf '%s\n' "$clean" | grep -E "$splat" | head -n 5 || true)
# The splats an expected failure of kernel-log does not explain
unexplained=$(printf '%s\n' "$clean" | grep -E "$splat" || true)
if explained=$(expected_splats "qemu/$machine/kernel-log"); then
	unexplained=$(printf '%s\n' "$unexplained" | grep -vE "$explained" || true)
fi
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	verdict 'FAIL!' kernel-log "timeout: the guest did not power off (last line: $(printf '%s\n' "$clean" | tail -n 1))"
elif [ -n "$unexplained" ] && expected_failure "qemu/$machine/kernel-log" > /dev/null; then
	verdict 'FAIL!' kernel-log "kernel splat that its expected failure does not explain: $(printf '%s\n' "$unexplained" | head -n 1)"
	{ printf '%s\n' "$clean" | grep -F -B 6 -m 1 -- "$(printf '%s\n' "$unexplained" | head -n 1)" || true; } | sed 's/^/    /'
elif [ -n "$splats" ] && ! grep -q '^# atstest: done' <<< "$clean" &&
     expected_failure "qemu/$machine/kernel-log" > /dev/null; then
	verdict 'FAIL!' kernel-log "the guest did not reach its end after the expected splat (qemu exit $qemu_rc; last line: $(printf '%s\n' "$clean" | tail -n 1))"
elif [ -n "$splats" ]; then
	verdict FAIL kernel-log "kernel splat: $(printf '%s\n' "$splats" | head -n 1)"
	# The lines before the first one say what printed it when a pattern
	# alone does not (a bare "Call Trace:" after a dump_stack())
	{ printf '%s\n' "$clean" | grep -E -B 6 -m 1 "$splat" || true; } | sed 's/^/    /'
	printf '%s\n' "$splats" | tail -n +2 | sed 's/^/    /'
elif ! grep -q '^# atstest: done' <<< "$clean"; then
	verdict 'FAIL!' kernel-log "the guest did not reach its end (qemu exit $qemu_rc; last line: $(printf '%s\n' "$clean" | tail -n 1))"
else
	verdict PASS kernel-log
fi
[ $fails -eq 0 ]
