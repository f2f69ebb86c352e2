# SPDX-License-Identifier: GPL-2.0
# ATS fence/recover for mainline Linux (Debian linux-source-7.3): the workspace.
#
#   make demo     build, boot the VT-d machine, show the ATS story
#   make check    every test: KUnit (x86_64, arm64), QEMU scenarios, static
#                 checks; ends with "N passed, N failed"
#
# Everything is built under build/ (ignored). See README.md.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
RESULTS ?= $(BUILD)/results.txt
export RESULTS

CONFIGS_x86_64 := configs/common.config configs/debug.config configs/x86_64.config
CONFIGS_arm64 := configs/common.config configs/debug.config configs/arm64.config

.PHONY: help deps tree emulator x86_64 arm64 kernels kunit kunit-x86_64 kunit-arm64 \
	qemu-tests series series-check static check demo bench clean distclean

help:
	@sed -n 's/^#   //p' Makefile
	@echo "  make deps | tree | emulator | x86_64 | arm64 | kunit | qemu-tests | series | check | demo"
	@echo "  one machine:   make qemu-tests MACHINES=vtd [SCENARIOS='00-iommu-active']"
	@echo "  one suite:     make kunit-arm64 SUITE='arm-smmu-v3-kunit-test'  (a kunit.py filter glob)"
	@echo "  make bench     benchmarks, base vs patched kernel: one table, appended to tests/bench/results.md"

deps:
	@workspace/deps.sh

tree: deps
	@workspace/tree.sh

# The test kernels. Each depends on tree (cheap when nothing changed): kbuild
# then rebuilds only the objects whose sources or config changed.
# The .kunitconfig files of the overlay are merged in too: the KUnit suites
# are built into the test kernels (see workspace/kunit.sh).
x86_64 arm64: tree
	@workspace/kconfig.sh $@ $(BUILD)/out/$@ $(CONFIGS_$@) $$(workspace/kunit.sh --list $@)
	@workspace/build.sh $@

kernels: x86_64 arm64

SUITE ?=
kunit: kunit-x86_64 kunit-arm64
kunit-x86_64 kunit-arm64: tree
	@workspace/kunit.sh $(@:kunit-%=%) $(SUITE)

# The emulator: QEMU from Debian's source + qemu/patches (build/emu/)
emulator: deps
	@workspace/qemu.sh

MACHINES ?= $(shell . tests/qemu/machines.sh; echo "$$CHECK_BOOTS")
SCENARIOS ?=
qemu-tests: tree deps
	@workspace/qemu-tests.sh "$(MACHINES)" $(SCENARIOS)

series: tree
	@workspace/series.sh

series-check: tree
	@workspace/series.sh --check

check: deps
	@workspace/check.sh

demo: deps
	@workspace/demo.sh

# Benchmarks: base and patched non-debug kernels, one table (workspace/bench.sh).
bench: tree
	@workspace/bench.sh

clean:
	rm -rf $(BUILD)/out $(BUILD)/kunit $(BUILD)/qemu $(BUILD)/series $(RESULTS)

distclean:
	rm -rf $(BUILD)
