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
# which a function stops answering ATS invalidations (x-ats-stuck).
# The ATS device is virtio-blk-pci with ats=on behind a pcie-root-port: on
# the root bus a device has no extended config space, so no ATS capability.

MACHINES="vtd vtd-sm amd smmuv3"
# The boots of make check: each machine, and each stuck-function variant
# with the IOMMU's timeout below and above the driver's own wait (none on
# VT-d, 100 ms on AMD-Vi, 1 s on SMMUv3; AMD-Vi's 1000 is what Linux
# programs into the control register).
CHECK_BOOTS="$MACHINES vtd:2000 vtd-sm:2000 amd:50 amd:1000 smmuv3:500 smmuv3:3000"

# The emulator: QEMU built from Debian's source with qemu/patches
# (workspace/qemu.sh). QEMU_X86_64 / QEMU_AARCH64 point elsewhere, e.g. at
# a build of a patch being worked on.
QEMU_X86_64=${QEMU_X86_64:-$BUILD/emu/build/qemu-system-x86_64}
QEMU_AARCH64=${QEMU_AARCH64:-$BUILD/emu/build/qemu-system-aarch64}
# A build folder's binary finds no firmware of its own: Debian's
# qemu-system-data (the same 7.2 release) and SeaBIOS have it.
QEMU_FIRMWARE=(-L /usr/share/qemu -L /usr/share/seabios)

x86_common() {
	ARCH=x86_64
	QEMU=("$QEMU_X86_64" "${QEMU_FIRMWARE[@]}" -accel tcg -cpu max -smp 2 -m 1G
	      -nodefaults -nographic -no-reboot -serial stdio
	      -kernel "$KERNEL" -initrd "$INITRD")
}

blk_behind_root_port() {	# $1: extra virtio-blk-pci properties
	QEMU+=(-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
	       -drive "file=$DISK,if=none,id=disk0,format=raw"
	       -device "virtio-blk-pci,id=ats0,bus=rp1,drive=disk0,ats=on,disable-legacy=on$1")
}

# The stuck-function variants (MACHINE:T): four vCPUs, the bystander disk,
# QEMU's trace of the ATS invalidations the functions answer (or do not).
stuck_variant() {	# $1: extra virtio-blk-pci properties of the bystander
	[ -n "${HW_TIMEOUT_MS:-}" ] || return 0
	local i
	for i in "${!QEMU[@]}"; do
		[ "${QEMU[$i]}" = -smp ] && QEMU[$((i + 1))]=4
	done
	QEMU+=(-device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=3
	       -drive "file=$DISK2,if=none,id=disk1,format=raw"
	       -device "virtio-blk-pci,id=ats1,bus=rp3,drive=disk1,ats=on,disable-legacy=on$1"
	       -trace 'pcie_ats_inv_*')
}

# VT-d: queued invalidation, device-IOTLB (ATSR), interrupt remapping
# (needs the split irqchip). caching-mode=on makes the model see every
# mapping change. ATS is enabled on the virtio disk.
machine_vtd() {
	x86_common
	QEMU+=(-machine q35,kernel-irqchip=split
	       -device "intel-iommu,intremap=on,device-iotlb=on,caching-mode=on${HW_TIMEOUT_MS:+,x-ats-inv-timeout-ms=$HW_TIMEOUT_MS}")
	blk_behind_root_port ",iommu_platform=on"
	# A second ATS function, for the test driver with error handlers.
	# Its root port says 5 GT/s: above that Linux waits for Data Link
	# Layer Link Active after a secondary bus reset, which QEMU 7.2's root
	# port never sets again, so the bus reset would fail.
	QEMU+=(-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2,x-speed=5
	       -device virtio-rng-pci,bus=rp2,ats=on,iommu_platform=on,disable-legacy=on)
	stuck_variant ",iommu_platform=on"
	CMDLINE="console=ttyS0 intel_iommu=on iommu.strict=1 atstest.ats_dev=0x1af4:0x1042 atstest.expect_ats=enabled"
}

# VT-d in scalable mode: the same machine with x-scalable-mode=on, and the
# kernel told to use it (sm_on). The device-TLB bit of the context entry is
# DTE there, not TT.
machine_vtd_sm() {
	machine_vtd
	QEMU=("${QEMU[@]/intel-iommu,intremap=on,device-iotlb=on,caching-mode=on/intel-iommu,intremap=on,device-iotlb=on,caching-mode=on,x-scalable-mode=on}")
	[ -z "${HW_TIMEOUT_MS:-}" ] || QEMU+=(-trace 'vtd_*ite*' -trace 'vtd_*devtlb*')
	CMDLINE=${CMDLINE/intel_iommu=on/intel_iommu=on,sm_on}
}

# AMD-Vi. QEMU 7.2's amd-iommu computes a device's DTE index from a bus
# number taken before the firmware numbered the buses, so a device behind
# a root port is translated with the host bridge's DTE and its DMA fails
# (fixed upstream in 2025, not in 7.2). So the disk sits on pcie.0 with
# iommu_platform=on: translated DMA works there, but a root-bus device has
# no extended config space, hence no ATS capability. An ATS-capable
# virtio-rng sits behind a root port without iommu_platform: it shows the
# ATS capability, which Linux leaves disabled because the model's EFR lacks
# EPHSUP, so amd_iommu_gt_ppr_supported() is false and pdev_get_caps() is
# never called. device-iotlb is an intel-iommu property only.
# QEMU's own trace of the commands the model runs (INV_DEV_ENTRY,
# completion waits) goes to the console log, for the host-side checks a
# scenario asks for (parse.sh, qemu-trace-*).
machine_amd() {
	x86_common
	QEMU+=(-trace amdvi_devtab_inval -trace amdvi_completion_wait
	       -machine q35,kernel-irqchip=split
	       -device amd-iommu,intremap=on
	       -drive "file=$DISK,if=none,id=disk0,format=raw"
	       -device virtio-blk-pci,bus=pcie.0,addr=0x5,drive=disk0,disable-legacy=on,iommu_platform=on
	       -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
	       -device virtio-rng-pci,bus=rp1,ats=on,disable-legacy=on)
	CMDLINE="console=ttyS0 iommu.strict=1 atstest.ats_dev=0x1af4:0x1044 atstest.expect_ats=disabled"
}

# SMMUv3 on virt: the model has no ATS (IDR0.ATS clear), so the capability
# stays disabled; DMA through the SMMU works.
machine_smmuv3() {
	ARCH=arm64
	QEMU=("$QEMU_AARCH64" "${QEMU_FIRMWARE[@]}" -accel tcg -machine virt,iommu=smmuv3,gic-version=3
	      -cpu max -smp 2 -m 1G -nodefaults -nographic -no-reboot -serial stdio
	      -kernel "$KERNEL" -initrd "$INITRD")
	blk_behind_root_port ",iommu_platform=on"
	CMDLINE="console=ttyAMA0 iommu.strict=1 atstest.ats_dev=0x1af4:0x1042 atstest.expect_ats=disabled"
}
