# SPDX-License-Identifier: GPL-2.0
# machines: vtd:2000 vtd-sm:2000 smmuv3:500 smmuv3:5000
# timeout: 180
# A virtio-net function with ATS (net0) stops answering ATS invalidations
# while it exchanges traffic with a second one (net1) on the same QEMU hub
# (nothing else on the hub: the traffic stays inside the guest). Nothing
# is injected: the IOMMU model times out on it and the driver fences it.
# The recovery runs through virtio-pci's error handlers, which quiesce
# virtio-net through its reset_prepare()
# (patches/virtio-net-keep-netdev-across-reset), reset the function and
# restart it through reset_done(); no unbind. From the guest: only net0
# was fenced; its interface keeps its name, ifindex, MAC address, IPv4
# address and up state, and passes traffic with net1 again in both
# directions. From QEMU's trace: the model timed out on net0, no ATS
# invalidation reached it from its fence to its reset, the reset
# happened.
#
# The two interfaces are in one network namespace, so the traffic between
# their addresses is ARP (arping from each to the other's address), which
# goes through the hub: an IP packet to a local address would take the
# loopback. accept_local lets an interface answer a request whose sender
# address is local (the other interface's).
. /tests/lib.sh

nic_of_mac() {	# MAC: the PCI function and the interface with that address
	local f n
	for f in $(pci_devices_with 0x1af4:0x1041); do
		for n in /sys/bus/pci/devices/$f/virtio*/net/*; do
			[ "$(cat "$n/address" 2>/dev/null)" = "$1" ] && echo "$f ${n##*/}" && return 0
		done
	done
	return 1
}
set -- $(nic_of_mac 52:54:00:a7:50:00) $(nic_of_mac 52:54:00:a7:50:01)
[ $# = 4 ] || fail "two virtio-net functions (52:54:00:a7:50:00 and :01) expected, found: $*"
f0=$1 n0=$2 f1=$3 n1=$4
for f in $f0 $f1; do
	[ "$(driver_of "$f")" = virtio-pci ] || fail "$f: bound to $(driver_of "$f"), expected virtio-pci"
	[ "$(ats_state "$f")" = enabled ] || fail "$f: ATS is $(ats_state "$f"), needs to be enabled"
	[ "$(ats_attr "$f" state)" = ok ] || fail "$f: state $(ats_attr "$f" state) at start"
done

for c in all $n0 $n1; do
	echo 1 > /proc/sys/net/ipv4/conf/$c/accept_local
	echo 0 > /proc/sys/net/ipv4/conf/$c/rp_filter
done
ip addr add 10.77.0.1/24 dev $n0 || fail "ip addr add on $n0"
ip addr add 10.77.0.2/24 dev $n1 || fail "ip addr add on $n1"
ip link set $n0 up && ip link set $n1 up || fail "ip link set up"

# arping_ok FROM SRC TO: FROM's ARP request for TO (sender address SRC)
# is answered through the hub; arping's own words are kept in /tmp/arping
arping_ok() { arping -f -c 3 -w 3 -I "$1" -s "$2" "$3" > /tmp/arping 2>&1; }
arping_says() { tr '\n' ' ' < /tmp/arping; }
up() {		# IF SECONDS: waits for the interface's carrier
	local i=0
	while [ "$(cat /sys/class/net/$1/operstate)" != up ] && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(cat /sys/class/net/$1/operstate)" = up ]
}
up $n0 10 && up $n1 10 || fail "$n0/$n1 not up: $(cat /sys/class/net/$n0/operstate)/$(cat /sys/class/net/$n1/operstate)"
arping_ok $n1 10.77.0.2 10.77.0.1 || fail "no ARP reply from $n0 (10.77.0.1) to $n1 before the fault: $(arping_says)"
arping_ok $n0 10.77.0.1 10.77.0.2 || fail "no ARP reply from $n1 (10.77.0.2) to $n0 before the fault: $(arping_says)"
ifindex=$(cat /sys/class/net/$n0/ifindex)
fences=$(ats_attr "$f0" fences)
recoveries=$(ats_attr "$f0" recoveries)
others=$(others_fences "$f0")
info "$f0 ($n0, ifindex $ifindex, SID $(sid_of "$f0")) and $f1 ($n1) on one hub pass ARP both ways; IOMMU timeout $ATSTEST_HW_TIMEOUT_MS ms"

# Traffic both ways until the end: every packet net0 sends is unmapped
# when its transmission completes, an ATS invalidation to it
rm -f /tmp/stop
trap 'touch /tmp/stop; echo "# qemu-trace-end net" > /dev/console' EXIT
pids=
for pair in "$n1 -s 10.77.0.2 10.77.0.1" "$n0 -s 10.77.0.1 10.77.0.2"; do
	sh -c "while [ ! -e /tmp/stop ]; do arping -q -c 1 -w 1 -I $pair; done" > /dev/null 2>&1 &
	pids="$pids $!"
done
sleep 1

model_trace_res "$f0"
echo "# qemu-trace-check net 18-virtio-net-keeps-its-interface/model-timeout-reported 1 $timeout_re" > /dev/console
echo "# qemu-trace-check net 18-virtio-net-keeps-its-interface/model-reset 1 pcie_ats_inv_reset[[:space:]]net0" > /dev/console
echo "# qemu-trace-none net 18-virtio-net-keeps-its-interface/model-no-atc-inv-while-fenced $fence_re pcie_ats_inv_unanswered[[:space:]]net0 pcie_ats_inv_reset[[:space:]]net0" > /dev/console
echo "# qemu-trace-begin net" > /dev/console
logged=$(dmesg | wc -l)
mark_recovery "$f0"
ats_stuck net0 on
info "net0 ($f0) no longer answers ATS invalidations"

t0=$(date +%s)
wait_fenced "$f0" "$fences" $((ATSTEST_HW_TIMEOUT_MS / 1000 + 30))
info "$f0 fenced $(( $(date +%s) - t0 )) s after it stopped answering"
wait_state "$f0" ok 60
wait_recovery_ended "$f0"
touch /tmp/stop
wait_exited 10 $pids
echo "# qemu-trace-end net" > /dev/console
[ -z "$alive" ] || fail "traffic loops$alive still running 10 s after the recovery ended"

log=$(dmesg | tail -n +$((logged + 1)))
check_recovered_in_place "$f0" "$log" "$recoveries" "$others"

# The same interface, with its configuration, passing traffic again
[ -d /sys/class/net/$n0 ] || fail "$n0 is gone after the recovery: $(ls /sys/class/net | tr '\n' ' ')"
[ "$(cat /sys/class/net/$n0/ifindex)" = "$ifindex" ] ||
	fail "$n0 has ifindex $(cat /sys/class/net/$n0/ifindex), had $ifindex: not the same interface"
[ "$(cat /sys/class/net/$n0/address)" = 52:54:00:a7:50:00 ] || fail "$n0 has MAC $(cat /sys/class/net/$n0/address)"
ip -4 addr show dev $n0 | grep -q "inet 10.77.0.1/24" || fail "$n0 lost its address: $(ip -4 addr show dev $n0 | tr '\n' ' ')"
up $n0 10 || fail "$n0 is $(cat /sys/class/net/$n0/operstate) after the recovery"
arping_ok $n1 10.77.0.2 10.77.0.1 || fail "no ARP reply from $n0 to $n1 after the recovery: $(arping_says)"
arping_ok $n0 10.77.0.1 10.77.0.2 || fail "no ARP reply from $n1 to $n0 after the recovery: $(arping_says)"
info "fences $fences -> $(ats_attr "$f0" fences) ($(ats_attr "$f0" last_reason)), $(echo $others | wc -w) other functions not fenced; $n0 kept ifindex $ifindex, its MAC and 10.77.0.1/24, and passes ARP both ways again"
