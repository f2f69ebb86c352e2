# SPDX-License-Identifier: GPL-2.0
# Helpers for the scenarios, sourced inside the guest (busybox sh).

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*" > /tmp/skip; exit 77; }
info() { echo "$*"; }

# pcicfg_u16/pcicfg_u32 BDF OFFSET: little-endian config space reads.
pcicfg_u16() { hexdump -s "$(($2))" -n 2 -e '1/2 "%u"' "/sys/bus/pci/devices/$1/config"; }
pcicfg_u32() { hexdump -s "$(($2))" -n 4 -e '1/4 "%u"' "/sys/bus/pci/devices/$1/config"; }

# ext_cap_offset BDF ID: offset of the PCIe extended capability ID, or
# nothing. Walks the list from 0x100 (needs the full 4 KiB config space,
# which only devices behind a PCIe port have in QEMU).
ext_cap_offset() {
	local bdf=$1 id=$2 off=256 hdr guard=0
	local size
	size=$(wc -c < "/sys/bus/pci/devices/$bdf/config")
	[ "$size" -gt 256 ] || return 0
	while [ "$off" -ne 0 ] && [ $guard -lt 64 ]; do
		hdr=$(pcicfg_u32 "$bdf" "$off")
		[ "$hdr" -eq 0 ] && return 0
		if [ $((hdr & 0xffff)) -eq "$id" ]; then
			echo "$off"
			return 0
		fi
		off=$(( (hdr >> 20) & 0xffc ))
		guard=$((guard + 1))
	done
}

# ats_state BDF: "none" (no ATS capability), "enabled" or "disabled",
# from the ATS control register's enable bit (capability + 6, bit 15).
ats_state() {
	local off ctrl
	off=$(ext_cap_offset "$1" 15)
	[ -n "$off" ] || { echo none; return; }
	ctrl=$(pcicfg_u16 "$1" $((off + 6)))
	if [ $((ctrl & 0x8000)) -ne 0 ]; then echo enabled; else echo disabled; fi
}

# pci_devices_with VENDOR:DEVICE: the BDFs of matching functions.
pci_devices_with() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ] && basename "$d"
	done
	return 0
}

# virtio_blk_bdf: BDF of the first virtio-blk (modern, 1af4:1042) function.
virtio_blk_bdf() { pci_devices_with 0x1af4:0x1042 | head -n 1; }

ATS_DEBUGFS=/sys/kernel/debug/iommu/ats_recovery

# ats_attr BDF NAME: an ats_recovery/ attribute of the function
ats_attr() { cat "/sys/bus/pci/devices/$1/ats_recovery/$2"; }

# wait_state BDF STATE [SECONDS]: waits until the function's ATS state is
# STATE; fails the scenario with the state it saw otherwise.
wait_state() {
	local i=0 max=$((${3:-30} * 10)) s
	while [ $i -lt $max ]; do
		s=$(ats_attr "$1" state)
		[ "$s" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1: ATS state stayed '$s', expected '$2' within ${3:-30} s"
}

# wait_fenced BDF FENCES SECONDS: waits until the function's fence count is
# no longer FENCES (guest seconds); fails the scenario otherwise.
wait_fenced() {
	local f=/sys/bus/pci/devices/$1/ats_recovery/fences n
	local end=$(( $(date +%s) + $3 ))
	read -r n < "$f"
	while [ "$n" = "$2" ] && [ "$(date +%s)" -lt $end ]; do
		sleep 0.2
		read -r n < "$f"
	done
	[ "$n" != "$2" ] || fail "$1 was never fenced ($3 s after it stopped answering)"
}

# wait_exited SECONDS PID...: waits up to SECONDS for the processes, the
# shell's own children, to exit; sets $alive to those still running then.
# Not in a command substitution: its subshell cannot reap the children, and
# kill -0 finds their zombies.
wait_exited() {
	local end=$(( $(date +%s) + $1 )) p
	shift
	while :; do
		alive=
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
		[ -n "$alive" ] && [ "$(date +%s)" -lt $end ] || break
		sleep 0.2
	done
}

# sid_of BDF: the function's requester ID, 4 hex digits
sid_of() {
	local b=${1#0000:} d
	d=${b#*:}
	printf %04x $(( (0x${b%%:*} << 8) | (0x${d%%.*} << 3) | ${d#*.} ))
}

# model_trace_res BDF: sets timeout_re and fence_re, the lines of QEMU's
# trace that say the machine's IOMMU model timed out on the function, and
# that it saw the function's fence, for the host's qemu-trace checks.
model_trace_res() {
	local sid sidx
	sid=$(sid_of "$1")
	sidx=$(printf %x "0x$sid")	# as QEMU prints it: no leading zeros
	case "$ATSTEST_MACHINE" in
	vtd*)	timeout_re="vtd_inv_qi_ite[[:space:]].*sid[[:space:]]0x$sid"
		fence_re="vtd_inv_desc_cc_devices[[:space:]]context[[:space:]]invalidate[[:space:]]devices[[:space:]]sid[[:space:]]0x$sidx[[:space:]]" ;;
	amd*)	timeout_re="amdvi_iotlb_inv_timeout.*devid[[:space:]]0x$sid"
		fence_re="amdvi_devtab_inval.*${1#0000:}" ;;
	smmuv3*) timeout_re="smmuv3_cmdq_atc_inv_timeout[[:space:]].*sid=0x$sidx[[:space:]]"
		fence_re="smmuv3_cmdq_cfgi_ste[[:space:]]streamid=[[:space:]]0x$sidx\$" ;;
	*)	fail "no model trace for the machine $ATSTEST_MACHINE" ;;
	esac
}

# report BDF: a simulated ATC invalidation timeout reported for BDF
report() { echo "$1" > $ATS_DEBUGFS/report; }

# driver_of BDF: the bound driver's name, or "-"
driver_of() {
	if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
		basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
	else
		echo -
	fi
}

# bind_errtest BDF: binds the ats_errtest test driver to BDF
bind_errtest() {
	[ -d /sys/bus/pci/drivers/ats_errtest ] || insmod /lib/modules/ats_errtest.ko ||
		fail "insmod ats_errtest"
	echo ats_errtest > "/sys/bus/pci/devices/$1/driver_override"
	[ "$(driver_of "$1")" = - ] || echo "$1" > "/sys/bus/pci/devices/$1/driver/unbind"
	echo "$1" > /sys/bus/pci/drivers_probe
	[ "$(driver_of "$1")" = ats_errtest ] || fail "ats_errtest did not bind to $1"
	echo clear > /sys/kernel/debug/ats_errtest/events
}

# errtest_events: the callbacks ats_errtest saw, one line, in order
errtest_events() { cut -d' ' -f2 /sys/kernel/debug/ats_errtest/events | tr '\n' ' ' | sed 's/ $//'; }

# vda_pattern_md5: the md5 of the 1 MiB at 4 MiB into /dev/vda (where the
# scenarios write their pattern), once the disk is back after a rebind;
# returns 1 if it does not come back within 10 s
vda_pattern_md5() {
	local i=0
	while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -b /dev/vda ] || return 1
	# From the device, not from what the page cache kept of the write
	echo 3 > /proc/sys/vm/drop_caches
	dd if=/dev/vda bs=64k skip=64 count=16 2>/dev/null | md5sum | cut -d' ' -f1
}

# dmesg_has TEXT: the kernel log has TEXT
dmesg_has() { dmesg | grep -qF -- "$1"; }

# others_fences BDF: every other function the layer watches, as BDF:FENCES
others_fences() {
	local f
	for f in /sys/bus/pci/devices/*/ats_recovery; do
		f=${f%/ats_recovery}
		f=${f##*/}
		[ "$f" = "$1" ] || printf '%s:%s ' "$f" "$(ats_attr "$f" fences)"
	done
}

# check_recovered_in_place BDF LOG RECOVERIES OTHERS: after a fault of the
# function (LOG: the kernel log since; RECOVERIES: its count before;
# OTHERS: others_fences from before), the recovery ran through its
# driver's error handlers, not the unbind/rebind fallback; it counted
# once; ATS is enabled again; no other function was fenced.
check_recovered_in_place() {
	local o
	echo "$2" | grep -q "$1: recovery: reset and resumed by its driver" ||
		fail "$1 was not recovered through its driver's error handlers"
	if echo "$2" | grep -q "$1: recovery: .*unbind, reset, rebind"; then
		fail "the recovery unbound $1's driver: it must be recovered in place"
	fi
	[ "$(ats_attr "$1" recoveries)" = $(($3 + 1)) ] ||
		fail "recoveries of $1: $(ats_attr "$1" recoveries), expected $(($3 + 1))"
	[ "$(ats_state "$1")" = enabled ] || fail "ATS is $(ats_state "$1") on $1 after the recovery"
	for o in $4; do
		[ "$(ats_attr "${o%:*}" fences)" = "${o##*:}" ] || fail "${o%:*} was fenced too: only $1 may be"
	done
}

# recovery_ends BDF: how many of the kernel log lines that end a recovery
# of the function through pci_recover_function() there are so far
recovery_ends() {
	dmesg | grep -cE -- "$1: recovery: (reset and resumed by its driver|reset and bound to its driver again|reset$|no driver bound|reset failed|the driver asked to disconnect|the driver could not restart)" || true
}

# mark_recovery BDF: before a fault, what wait_recovery_ended counts from
mark_recovery() { RECOVERY_ENDS=$(recovery_ends "$1"); }

# wait_recovery_ended BDF [SECONDS]: waits for the kernel log line that ends
# the function's recovery since mark_recovery. Its state turns ok at the
# unfence, inside the reset: the driver's slot_reset()/resume(), or the
# rebind of the fallback, run after. Fails the scenario after SECONDS
# (default 30).
wait_recovery_ended() {
	local i=0
	while [ "$(recovery_ends "$1")" -le "${RECOVERY_ENDS:-0}" ] && [ $i -lt $(( ${2:-30} * 10 )) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(recovery_ends "$1")" -gt "${RECOVERY_ENDS:-0}" ] ||
		fail "the recovery of $1 did not end within ${2:-30} s (kernel log)"
}

# hold_fenced BDF: policy manual, a reported timeout, and the function held
# FENCED (no recovery), with its driver not called
hold_fenced() {
	echo manual > "/sys/bus/pci/devices/$1/ats_recovery/policy"
	report "$1"
	wait_state "$1" fenced
	sleep 0.5
	[ "$(ats_attr "$1" state)" = fenced ] || fail "policy manual did not hold $1 fenced"
}

# qmp TAG JSON: asks the host to send JSON on QEMU's QMP socket
# (tests/qemu/console-host.py) and waits for its answer on the console's
# input; fails the scenario if QEMU refused it or no answer came in 30 s.
# The request is repeated every 5 s until answered (a vCPU held with
# interrupts off, or a line lost, must not lose it): the host runs a TAG
# once and answers every repetition. The host logs what it did
# ("# host: qmp TAG ...").
qmp() {
	local tag line i=0 n
	# A number of its own per request (the host runs each TAG once)
	n=$(( $(cat /tmp/qmp.n 2>/dev/null || echo 0) + 1 ))
	echo $n > /tmp/qmp.n
	tag=$1.$n
	while [ $i -lt 30 ]; do
		[ $((i % 5)) -ne 0 ] || echo "# qemu-qmp $tag $2" > /dev/console
		if read -r -t 1 line; then
			case "$line" in
			"qmp-ack $tag ok") return 0 ;;
			"qmp-ack $tag "*) fail "QMP $tag: ${line#qmp-ack $tag }" ;;
			esac
		else
			i=$((i + 1))
		fi
	done
	fail "QMP $tag: no answer from the host in 30 s"
}

# qom_set TAG ID PROPERTY JSON-VALUE: qom-set on the device -device ...,id=ID
qom_set() {
	qmp "$1" "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"/machine/peripheral/$2\",\"property\":\"$3\",\"value\":$4}}"
}

# ats_stuck ID on|off: the function stops (or starts again) answering ATS
# invalidations, as a hung device does; a reset of it also ends it
ats_stuck() {
	case "$2" in
	on) qom_set "stuck-$1-on" "$1" x-ats-stuck true ;;
	off) qom_set "stuck-$1-off" "$1" x-ats-stuck false ;;
	*) fail "ats_stuck $1 $2: on or off" ;;
	esac
}
