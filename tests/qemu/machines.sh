# SPDX-License-Identifier: GPL-2.0
# The QEMU machines the scenarios run on. Sourced by run.sh, which sets
# KERNEL, INITRD, DISK and CMDLINE_EXTRA, then calls machine_MACHINE to fill
# ARCH, QEMU (an array) and CMDLINE.
#
# All machines use TCG: KVM on these hosts crashed or hung x86 guests.
# The ATS device is virtio-blk-pci with ats=on behind a pcie-root-port: on
# the root bus a device has no extended config space, so no ATS capability.

MACHINES="vtd amd smmuv3"

x86_common() {
	ARCH=x86_64
	QEMU=(qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1G
	      -nodefaults -nographic -no-reboot -serial stdio
	      -kernel "$KERNEL" -initrd "$INITRD")
}

blk_behind_root_port() {	# $1: extra virtio-blk-pci properties
	QEMU+=(-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
	       -drive "file=$DISK,if=none,id=disk0,format=raw"
	       -device "virtio-blk-pci,bus=rp1,drive=disk0,ats=on,disable-legacy=on$1")
}

# VT-d: queued invalidation, device-IOTLB (ATSR), interrupt remapping
# (needs the split irqchip). caching-mode=on makes the model see every
# mapping change. ATS is enabled on the virtio disk.
machine_vtd() {
	x86_common
	QEMU+=(-machine q35,kernel-irqchip=split
	       -device intel-iommu,intremap=on,device-iotlb=on,caching-mode=on)
	blk_behind_root_port ",iommu_platform=on"
	CMDLINE="console=ttyS0 intel_iommu=on iommu.strict=1 atstest.expect_ats=enabled"
}

# AMD-Vi: see README "What QEMU 7.2 cannot show" for why the disk is not
# behind the IOMMU's DMA translation here (iommu_platform=on hangs).
machine_amd() {
	x86_common
	QEMU+=(-machine q35,kernel-irqchip=split
	       -device amd-iommu,intremap=on,device-iotlb=on)
	blk_behind_root_port ""
	CMDLINE="console=ttyS0 iommu.strict=1 atstest.expect_ats=any"
}

# SMMUv3 on virt: the model has no ATS (IDR0.ATS clear), so the capability
# stays disabled; DMA through the SMMU works.
machine_smmuv3() {
	ARCH=arm64
	QEMU=(qemu-system-aarch64 -accel tcg -machine virt,iommu=smmuv3,gic-version=3
	      -cpu max -smp 2 -m 1G -nodefaults -nographic -no-reboot -serial stdio
	      -kernel "$KERNEL" -initrd "$INITRD")
	blk_behind_root_port ",iommu_platform=on"
	CMDLINE="console=ttyAMA0 iommu.strict=1 atstest.expect_ats=disabled"
}
