# SPDX-License-Identifier: GPL-2.0
# The QEMU machines the scenarios run on. Sourced by run.sh, which sets
# KERNEL, INITRD, DISK and CMDLINE_EXTRA, then calls machine_MACHINE to fill
# ARCH, QEMU (an array) and CMDLINE.
#
# All machines use TCG: KVM on these hosts crashed or hung x86 guests.
#
# MACHINE:T (e.g. smmuv3:3000) is MACHINE with the IOMMU's own ATS
# invalidation timeout set to T ms (HW_TIMEOUT_MS; run.sh parses the name),
# four vCPUs, and a second ATS disk (id=ats1, /dev/vdb), the bystander whose
# own flushes run beside the culprit's: the machines for the scenarios in
# which a function stops answering ATS invalidations (x-ats-stuck). On VT-d
# and SMMUv3 they also have an NVMe controller with ATS (id=nvme0).
# The ATS device is virtio-blk-pci with ats=on behind a pcie-root-port: on
# the root bus a device has no extended config space, so no ATS capability.

MACHINES="vtd vtd-sm amd smmuv3"
# MACHINE-layer-off (e.g. vtd-layer-off:2000): MACHINE booted with
# iommu.ats_recovery=off, the kernel without the fence, to show that a
# scenario can fail (run.sh)

# machine_fn NAME: the function that builds the machine NAME
# (MACHINE[-layer-off][:T]); it may not exist
machine_fn() {
	local m=${1%%:*}
	m=${m%-layer-off}
	echo "machine_${m//-/_}"
}
# The boots of make check: each machine, and each stuck-function variant
# with the IOMMU's timeout below and above the driver's own wait (none on
# VT-d, 100 ms on AMD-Vi, 1 s on SMMUv3; AMD-Vi's 1000 is what Linux
# programs into the control register). VT-d has no wait of its own: its
# variants are 2 s, below the 10 s hard-lockup watchdog, and 20 s, past it,
# and 2 s on hardware whose ITE names no device (vtd-nosid).
# SMMUv3: 0.5 s and 5 s, below and past the driver's 1 s poll. AMD-Vi:
# 50 ms, below the driver's 100 ms round, and 1 s, what Linux programs.
CHECK_BOOTS="$MACHINES vtd:2000 vtd-sm:2000 vtd:20000 vtd-sm:20000 vtd-nosid:2000 amd:50 amd:1000 smmuv3:500 smmuv3:5000"
# The same machines without the layer: 42-stale-translated-write's twins,
# whose stale write must land
CHECK_BOOTS+=" vtd-layer-off:2000 vtd-sm-layer-off:2000 amd-layer-off:1000 smmuv3-layer-off:500"

# The emulator: QEMU built from Debian's source with qemu/patches
# (workspace/qemu.sh). QEMU_X86_64 / QEMU_AARCH64 point elsewhere, e.g. at
# a build of a patch being worked on.
QEMU_X86_64=${QEMU_X86_64:-$BUILD/emu/build/qemu-system-x86_64}
QEMU_AARCH64=${QEMU_AARCH64:-$BUILD/emu/build/qemu-system-aarch64}
# A build folder's binary finds no firmware of its own: Debian's
# qemu-system-data (the same 7.2 release) and SeaBIOS have it.
QEMU_FIRMWARE=(-L /usr/share/qemu -L /usr/share/seabios)

# The CPU without 5-level paging: Linux 7.3 on an LA57 CPU with KASAN
# reports any interrupt that arrives while identify_cpu() refills the boot
# CPU's capabilities (it clears them first, so pgtable_l5_enabled() reads
# false and KASAN takes every direct-map address for a wild one): "BUG:
# KASAN: wild-memory-access in do_raw_spin_lock" from handle_edge_irq at
# 0.004 s, seen twice on vtd-sm:20000. An upstream x86 race, not ours.
x86_common() {
	ARCH=x86_64
	QEMU=("$QEMU_X86_64" "${QEMU_FIRMWARE[@]}" -accel tcg -cpu max,la57=off -smp 2 -m 1G
	      -nodefaults -nographic -no-reboot -serial stdio
	      -kernel "$KERNEL" -initrd "$INITRD")
}

blk_behind_root_port() {	# $1: extra virtio-blk-pci properties
	QEMU+=(-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
	       -drive "file=$DISK,if=none,id=disk0,format=raw"
	       -device "virtio-blk-pci,id=ats0,bus=rp1,drive=disk0,ats=on,disable-legacy=on$1")
}

# The stuck-function variants (MACHINE:T): four vCPUs, the bystander disk,
# QEMU's trace of the invalidations no function answered, of the knobs, the
# resets and the fence oracle (answered ones would flood the log).
stuck_variant() {	# $1: extra virtio-blk-pci properties of the bystander
	[ -n "${HW_TIMEOUT_MS:-}" ] || return 0
	local i
	for i in "${!QEMU[@]}"; do
		[ "${QEMU[$i]}" = -smp ] && QEMU[$((i + 1))]=4
	done
	QEMU+=(-device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=3
	       -drive "file=$DISK2,if=none,id=disk1,format=raw"
	       -device "virtio-blk-pci,id=ats1,bus=rp3,drive=disk1,ats=on,disable-legacy=on$1"
	       -trace pcie_ats_inv_unanswered -trace pcie_ats_inv_set
	       -trace pcie_ats_inv_reset -trace pcie_ats_inv_abandoned -trace pcie_ats_unsafe_sync)
	# The endpoint with a real ATC (qemu/patches: pcie-ats-testdev, id
	# atc0; tests/modules/ats_atc_test.c), behind a root port of its own,
	# and QEMU's trace of its translations and translated writes, and of
	# the IOMMU model refusing them (42-stale-translated-write)
	QEMU+=(-device pcie-root-port,id=rp8,bus=pcie.0,chassis=8,slot=8
	       -device pcie-ats-testdev,id=atc0,bus=rp8
	       -trace 'pcie_ats_testdev_*' -trace '*_translated_re*')
}

# Two disks for a filesystem, empty at each boot, each behind a root port
# of its own, whose drivers recover them through pci_error_handlers after
# a real (emulated) timeout: an NVMe controller with ATS (qemu/patches/0003,
# NVME_DISK; 16-nvme-keeps-its-mount) and a virtio-blk disk with ATS
# (VBLK_DISK; virtio-pci's handlers, 17-virtio-blk-keeps-its-mount).
# ARGS: the virtio device's options of the machine (iommu_platform), and
# more options of the NVMe controller (its address), if any.
disks_to_mount_behind_root_ports() {
	QEMU+=(-device pcie-root-port,id=rp4,bus=pcie.0,chassis=4,slot=4
	       -drive "file=$NVME_DISK,if=none,id=disk2,format=raw"
	       -device "nvme,id=nvme0,bus=rp4,drive=disk2,serial=ats-nvme0,ats=on${2:-}"
	       -device pcie-root-port,id=rp5,bus=pcie.0,chassis=5,slot=5
	       -drive "file=$VBLK_DISK,if=none,id=disk3,format=raw"
	       -device "virtio-blk-pci,id=vblk0,bus=rp5,drive=disk3,serial=ats-vblk0,ats=on,disable-legacy=on$1")
}

# Two virtio-net functions with ATS, each behind a root port of its own,
# on one QEMU hub and nothing else: traffic between them stays inside the
# guest (18-virtio-net-keeps-its-interface). No option ROM: the guest
# boots no firmware from them. ARGS: the machine's virtio options.
nics_on_a_hub_behind_root_ports() {
	QEMU+=(-netdev hubport,id=hub0port0,hubid=0 -netdev hubport,id=hub0port1,hubid=0
	       -device pcie-root-port,id=rp6,bus=pcie.0,chassis=6,slot=6
	       -device "virtio-net-pci,id=net0,bus=rp6,netdev=hub0port0,mac=52:54:00:a7:50:00,romfile=,ats=on,disable-legacy=on$1"
	       -device pcie-root-port,id=rp7,bus=pcie.0,chassis=7,slot=7
	       -device "virtio-net-pci,id=net1,bus=rp7,netdev=hub0port1,mac=52:54:00:a7:50:01,romfile=,ats=on,disable-legacy=on$1")
}

# VT-d: queued invalidation, device-IOTLB (ATSR), interrupt remapping
# (needs the split irqchip). caching-mode=on makes the model see every
# mapping change. ATS is enabled on the virtio disk.
machine_vtd() {
	x86_common
	QEMU+=(-machine q35,kernel-irqchip=split
	       -device "intel-iommu,intremap=on,device-iotlb=on,caching-mode=on${HW_TIMEOUT_MS:+,x-ats-inv-timeout-ms=$HW_TIMEOUT_MS}")
	blk_behind_root_port ",iommu_platform=on"
	# A second ATS function (rng0), for the test driver with error
	# handlers and for vfio-pci (15-vfio-owner-resets). Its root port
	# says 5 GT/s: above that Linux waits for Data Link Layer Link Active
	# after a secondary bus reset, which QEMU 7.2's root port never sets
	# again, so the bus reset would fail.
	QEMU+=(-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2,x-speed=5
	       -device virtio-rng-pci,id=rng0,bus=rp2,ats=on,iommu_platform=on,disable-legacy=on)
	stuck_variant ",iommu_platform=on"
	if [ -n "${HW_TIMEOUT_MS:-}" ]; then
		disks_to_mount_behind_root_ports ",iommu_platform=on"
		nics_on_a_hub_behind_root_ports ",iommu_platform=on"
		QEMU+=(-trace 'vtd_devtlb_wait_*' -trace 'vtd_inv_qi_ite*'
		       -trace vtd_inv_desc_cc_devices)
	fi
	CMDLINE="console=ttyS0 intel_iommu=on iommu.strict=1 atstest.ats_dev=0x1af4:0x1042 atstest.expect_ats=enabled"
}

# VT-d in scalable mode: the same machine with x-scalable-mode=on, and the
# kernel told to use it (sm_on). The device-TLB bit of the context entry is
# DTE there, not TT.
machine_vtd_sm() {
	machine_vtd
	QEMU=("${QEMU[@]/intel-iommu,intremap=on,device-iotlb=on,caching-mode=on/intel-iommu,intremap=on,device-iotlb=on,caching-mode=on,x-scalable-mode=on}")
	CMDLINE=${CMDLINE/intel_iommu=on/intel_iommu=on,sm_on}
}

# VT-d hardware that names no device in an ITE (IQER.ITESID 0; the
# model's x-ite-no-sid): the same machine, for the stuck-function scenario,
# in which the driver must find the culprit without fencing the bystander.
machine_vtd_nosid() {
	machine_vtd
	QEMU=("${QEMU[@]/intel-iommu,intremap=on,device-iotlb=on,caching-mode=on/intel-iommu,intremap=on,device-iotlb=on,caching-mode=on,x-ite-no-sid=on}")
}

# AMD-Vi, with the emulator's model (qemu/patches/003*): the device table is
# indexed by the requester ID at request time, so the disk (ats0) works
# behind a root port; GIOSup and EPHSup are advertised, so Linux (7.3 wants
# GT, GIOSup, PPR and EPHSup) reads the ATS capability and enables it; the event
# log delivers; INVALIDATE_IOTLB_PAGES reaches the function and a later
# COMPLETION_WAIT waits for its answer, up to the timeout Linux programs in
# the control register (1 s), or x-ats-inv-timeout-ms (MACHINE:T), then
# IOTLB_INV_TIMEOUT. A second ATS function, the virtio-rng, for the test
# driver with error handlers (its root port at 5 GT/s as on vtd). QEMU's
# own trace of the commands the model runs goes to the console log, for
# the host-side checks a scenario asks for (parse.sh, qemu-trace-*).
machine_amd() {
	# amd:1000 is the timeout Linux programs (Control.InvTimeOut = 1 s):
	# the model then takes it from the register, as the hardware does.
	local amd_timeout=
	case "${HW_TIMEOUT_MS:-1000}" in
	1000) ;;
	*) amd_timeout=,x-ats-inv-timeout-ms=$HW_TIMEOUT_MS ;;
	esac
	x86_common
	# Every command would flood the log under the stuck variants' I/O
	if [ -z "${HW_TIMEOUT_MS:-}" ]; then
		QEMU+=(-trace amdvi_completion_wait)
	fi
	QEMU+=(-trace amdvi_devtab_inval -trace 'amdvi_completion_wait_*'
	       -trace amdvi_iotlb_inv_timeout -trace amdvi_event_logged
	       -machine q35,kernel-irqchip=split
	       -device "amd-iommu,intremap=on$amd_timeout")
	blk_behind_root_port ",iommu_platform=on"
	QEMU+=(-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2,x-speed=5
	       -device virtio-rng-pci,bus=rp2,ats=on,iommu_platform=on,disable-legacy=on)
	stuck_variant ",iommu_platform=on"
	if [ -n "${HW_TIMEOUT_MS:-}" ]; then
		# The NVMe controller is the culprit of 40-stuck-under-io here
		# (see there why): it shares its IOMMU group, so its domain,
		# with an ATS sibling (function 1), whose IOTLB invalidations
		# go with the controller's in each flush
		disks_to_mount_behind_root_ports ",iommu_platform=on" ",addr=0.0,multifunction=on"
		QEMU+=(-device virtio-rng-pci,id=ats2,bus=rp4,addr=0.1,ats=on,iommu_platform=on,disable-legacy=on)
	fi
	CMDLINE="console=ttyS0 iommu.strict=1 atstest.ats_dev=0x1af4:0x1042 atstest.expect_ats=enabled"
}

# SMMUv3 on virt, with the emulator's model (qemu/patches/002*): IDR0.ATS,
# "ats-supported" in the DT, so Linux enables ATS at the disk; CMD_ATC_INV
# reaches the function, a later CMD_SYNC waits for its answer, up to the
# SMMU's own timeout (x-ats-inv-timeout-ms, default 60 s: PCIe's least;
# MACHINE:T), then CERROR_ATC_INV_SYNC and the queue halts until GERRORN.
machine_smmuv3() {
	ARCH=arm64
	QEMU=("$QEMU_AARCH64" "${QEMU_FIRMWARE[@]}" -accel tcg -machine virt,iommu=smmuv3,gic-version=3
	      -cpu max -smp 2 -m 1G -nodefaults -nographic -no-reboot -serial stdio
	      -kernel "$KERNEL" -initrd "$INITRD")
	if [ -z "${HW_TIMEOUT_MS:-}" ]; then
		blk_behind_root_port ",iommu_platform=on"
	else
		# The culprit shares its IOMMU group, so its domain, with an
		# ATS sibling (function 1, no ACS): each unmap's batch has two
		# ATC invalidations, and the localisation must tell them apart
		blk_behind_root_port ",iommu_platform=on,addr=0.0,multifunction=on"
		QEMU+=(-device virtio-rng-pci,id=ats2,bus=rp1,addr=0.1,ats=on,iommu_platform=on,disable-legacy=on)
		disks_to_mount_behind_root_ports ",iommu_platform=on"
		nics_on_a_hub_behind_root_ports ",iommu_platform=on"
	fi
	stuck_variant ",iommu_platform=on"
	[ -z "${HW_TIMEOUT_MS:-}" ] ||
		QEMU+=(-global "arm-smmuv3.x-ats-inv-timeout-ms=$HW_TIMEOUT_MS"
		       -trace 'smmuv3_cmdq_sync_*' -trace smmuv3_cmdq_atc_inv_timeout
		       -trace smmuv3_cmdq_cerror_atc_inv_sync -trace smmuv3_cmdq_err_ack
		       -trace smmuv3_cmdq_cfgi_ste)
	CMDLINE="console=ttyAMA0 iommu.strict=1 atstest.ats_dev=0x1af4:0x1042 atstest.expect_ats=enabled"
}
