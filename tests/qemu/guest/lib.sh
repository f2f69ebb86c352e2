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
