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

fails=0
verdict() {	# PASS|FAIL name [reason]
	local line="$1 qemu/$machine/$2${3:+: $3}"
	echo "$line"
	[ -n "${RESULTS:-}" ] && echo "$line" >> "$RESULTS"
	[ "$1" = PASS ] || fails=$((fails + 1))
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
# The kernel's own complaints. Any of these fails the boot even when every
# scenario passed: a WARN or lockdep report is a bug.
splat='WARNING: CPU:|BUG:|Oops|Kernel panic|general protection fault|'
splat+='possible circular locking|possible recursive locking|inconsistent lock state|'
splat+='suspicious RCU usage|sleeping function called from invalid context|'
splat+='INFO: task .* blocked for more than|soft lockup|hard LOCKUP|rcu_sched self-detected stall|'
splat+='rcu: INFO: .* detected stalls|UBSAN:|KASAN:|kernel BUG at|Call Trace:'
splats=$(printf '%s\n' "$clean" | grep -E "$splat" | head -n 5 || true)
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	verdict FAIL kernel-log "timeout: the guest did not power off (last line: $(printf '%s\n' "$clean" | tail -n 1))"
elif [ -n "$splats" ]; then
	verdict FAIL kernel-log "kernel splat: $(printf '%s\n' "$splats" | head -n 1)"
	printf '%s\n' "$splats" | sed 's/^/    /'
elif ! grep -q '^# atstest: done' <<< "$clean"; then
	verdict FAIL kernel-log "the guest did not reach its end (qemu exit $qemu_rc; last line: $(printf '%s\n' "$clean" | tail -n 1))"
else
	verdict PASS kernel-log
fi
[ $fails -eq 0 ]
