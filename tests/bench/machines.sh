# SPDX-License-Identifier: GPL-2.0
# The bench's own machines, beside those of tests/qemu/machines.sh (sourced
# first). Sourced by workspace/bench.sh, which sets KERNEL, INITRD, DISK,
# NDEV and BATCH_FUNCS.

# rngs_behind_root_ports N ID CHASSIS: N ATS virtio-rng functions, eight
# per multifunction device behind each of N/8 new root ports (ID1, ID2...,
# chassis and slot from CHASSIS + 1). A function behind a root port has
# the extended config space ATS needs; a multifunction device without ACS
# is one IOMMU group.
rngs_behind_root_ports() {
	local n=$1 port=0 fn
	while [ $((port * 8)) -lt "$n" ]; do
		port=$((port + 1))
		QEMU+=(-device "pcie-root-port,id=$2$port,bus=pcie.0,chassis=$(($3 + port)),slot=$(($3 + port))")
		for fn in 0 1 2 3 4 5 6 7; do
			[ $(((port - 1) * 8 + fn)) -lt "$n" ] || break
			QEMU+=(-device "virtio-rng-pci,bus=$2$port,addr=0.$fn,multifunction=on,ats=on,iommu_platform=on,disable-legacy=on")
		done
	done
}

# VT-d with many ATS functions for the storms: NDEV (default 64)
# virtio-rng functions, ats=on and iommu_platform=on, eight per
# multifunction device behind each of NDEV/8 root ports (a function
# behind a root port has the extended config space ATS needs). No disk.
# Each function resets on its own (FLR), so each recovers on its own.
machine_vtd_storm() {
	x86_common
	QEMU+=(-machine q35,kernel-irqchip=split
	       -device intel-iommu,intremap=on,device-iotlb=on,caching-mode=on)
	rngs_behind_root_ports "${NDEV:-64}" srp 10
	CMDLINE="console=ttyS0 intel_iommu=on iommu.strict=1 atstest.ats_dev=0x1af4:0x1044"
}

# SMMUv3 for the success path: the test machine and an ATS virtio-rng
# behind a root port of its own, for dma_map_benchmark (vtd and amd have
# theirs at rp2).
machine_smmuv3_dma() {
	machine_smmuv3
	QEMU+=(-device pcie-root-port,id=brp2,bus=pcie.0,chassis=40,slot=40
	       -device virtio-rng-pci,bus=brp2,ats=on,iommu_platform=on,disable-legacy=on)
}

# SMMUv3 with BATCH_FUNCS (default 200) ATS virtio-rng functions: two
# behind a root port each, the others eight per multifunction device behind
# root ports of their own (a multifunction device without ACS is one IOMMU
# group), and QEMU's trace of every command the SMMU consumes: the
# atc_batch module attaches the groups of the first N functions to one
# domain (N rounded up to whole groups: 1, 2, 10, 18, ...), and each
# unmap's flush carries an ATC invalidation for each function in them.
machine_smmuv3_batch() {
	local n=${BATCH_FUNCS:-200}
	machine_smmuv3
	QEMU+=(-trace smmuv3_cmdq_opcode)
	# Two groups of one function first, for batches of one and two
	QEMU+=(-device pcie-root-port,id=srp1,bus=pcie.0,chassis=38,slot=38
	       -device virtio-rng-pci,bus=srp1,ats=on,iommu_platform=on,disable-legacy=on
	       -device pcie-root-port,id=srp2,bus=pcie.0,chassis=39,slot=39
	       -device virtio-rng-pci,bus=srp2,ats=on,iommu_platform=on,disable-legacy=on)
	rngs_behind_root_ports $((n > 2 ? n - 2 : 0)) brp 40
}
