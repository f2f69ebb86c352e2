# SPDX-License-Identifier: GPL-2.0
# The bench's own machine, beside those of tests/qemu/machines.sh (sourced
# first). Sourced by workspace/bench.sh, which sets KERNEL, INITRD, DISK
# and NDEV.

# VT-d with many ATS functions for the storms: NDEV (default 64)
# virtio-rng functions, ats=on and iommu_platform=on, eight per
# multifunction device behind each of NDEV/8 root ports (a function
# behind a root port has the extended config space ATS needs). No disk.
# Each function resets on its own (FLR), so each recovers on its own.
machine_vtd_storm() {
	local n=${NDEV:-64} port=0 fn
	x86_common
	QEMU+=(-machine q35,kernel-irqchip=split
	       -device intel-iommu,intremap=on,device-iotlb=on,caching-mode=on)
	while [ $((port * 8)) -lt "$n" ]; do
		port=$((port + 1))
		QEMU+=(-device "pcie-root-port,id=srp$port,bus=pcie.0,chassis=$((port + 10)),slot=$((port + 10))")
		for fn in 0 1 2 3 4 5 6 7; do
			[ $(((port - 1) * 8 + fn)) -lt "$n" ] || break
			QEMU+=(-device "virtio-rng-pci,bus=srp$port,addr=0.$fn,multifunction=on,ats=on,iommu_platform=on,disable-legacy=on")
		done
	done
	CMDLINE="console=ttyS0 intel_iommu=on iommu.strict=1 atstest.ats_dev=0x1af4:0x1044"
}
