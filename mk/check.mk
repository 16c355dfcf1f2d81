# SPDX-License-Identifier: GPL-2.0
SHELL := /bin/bash
# make check: build, host-side tests, then the selftests in one VM boot.
# Prints one combined line "N passed, N failed, N skipped" at the end; a skip
# not listed in selftests/skip-allow counts as failed.

CHECK_LOG := .build/check

# The VM stage's limit. Under CI (.ci/run exports DMVPN_CI_START, epoch
# seconds, before installing dependencies) it is what is left of the CI
# budget once the pkg stage after it and a margin are set aside, evaluated
# when the stage starts; otherwise 1800 s. VM_TIMEOUT=S overrides both.
CI_BUDGET ?= 5400
CI_MARGIN ?= 300
PKG_RESERVE ?= 300
VM_TIMEOUT ?=
# The VM stage runs in VM_SHARDS VMs at once, one per host core
# (scripts/vm-check says why), of VM_CPUS vCPUs (default 1 when sharded).
VM_SHARDS ?= 2
VM_CPUS ?=

.PHONY: check host-check vm-check check-smp fuzz-smoke pkg-check deps

# Idempotent: a second run only asks dpkg what is installed.
deps:
	@scripts/install-deps

# One verdict per test program, each with its own log in $(CHECK_LOG)/host.
host-check:
	@mkdir -p $(CHECK_LOG)
	@scripts/host-check 2>&1 | tee $(CHECK_LOG)/host.log; exit $${PIPESTATUS[0]}

fuzz-smoke:
	@mkdir -p $(CHECK_LOG)
	@$(MAKE) -s -C userspace/tests fuzz-smoke 2>&1 | tee $(CHECK_LOG)/fuzz.log

# Per-test logs and kernel logs: $(CHECK_LOG)/vm/K/logs, K the VM.
vm-check:
	@$(MAKE) -s -C userspace/tests tools
	@mkdir -p $(CHECK_LOG)
	@t='$(VM_TIMEOUT)'; start='$(DMVPN_CI_START)'; \
	{ \
	if [ -z "$$t" ] && [ -n "$$start" ]; then \
		t=$$(( start + $(CI_BUDGET) - $(CI_MARGIN) - $(PKG_RESERVE) - $$(date +%s) )); \
		echo "vm-check: $${t}s of the $(CI_BUDGET)s CI budget left for the VM"; \
	fi; \
	t=$${t:-1800}; \
	if [ "$$t" -lt 60 ]; then \
		echo "vm-check: only $${t}s of the CI budget left: the VM stage is not run"; \
		echo "0 passed, 1 failed, 0 skipped"; exit 1; \
	fi; \
	scripts/vm-check --shards $(VM_SHARDS) $(if $(VM_CPUS),--cpus $(VM_CPUS)) \
		--timeout "$$t" --logs $(CHECK_LOG)/vm; \
	} 2>&1 | tee $(CHECK_LOG)/vm.log; exit $${PIPESTATUS[0]}

# Every selftest in one 2-vCPU VM, for what only two CPUs at once catch
# (the storm and unload cases race on both): slower, not in make check.
check-smp:
	@$(MAKE) -s all
	@$(MAKE) -s vm-check VM_SHARDS=1 VM_CPUS=2 CHECK_LOG=.build/check-smp

# The whole VM suite on a KASAN/lockdep/kmemleak kernel built from Debian's
# linux-source (scripts/debug-kernel, cached per machine): long, not in
# make check; prints the build and suite times.
.PHONY: check-debug
check-debug:
	@$(MAKE) -s all
	@$(MAKE) -s -C userspace/tests tools
	@mkdir -p .build/check-debug
	@scripts/check-debug 2>&1 | tee .build/check-debug/vm.log; exit $${PIPESTATUS[0]}

# Builds and installs the .debs, checks the DKMS build, purges them (root).
pkg-check:
	@mkdir -p $(CHECK_LOG)
	@scripts/test-deb 2>&1 | tee $(CHECK_LOG)/pkg.log; exit $${PIPESTATUS[0]}

check: deps
	@$(MAKE) -s all
	@rm -rf $(CHECK_LOG); mkdir -p $(CHECK_LOG)
	-@$(MAKE) -s host-check
	-@$(MAKE) -s fuzz-smoke
	-@$(MAKE) -s vm-check
	-@$(MAKE) -s pkg-check
	@scripts/check-summary $(CHECK_LOG)

.PHONY: bench
bench:
	@scripts/bench

.PHONY: demo
demo: deps
	@$(MAKE) -s all
	@scripts/vm-run --timeout 600 -- scripts/demo-vm

# Every Debian kernel of kernels.list (scripts/kernels fetches them into
# /var/cache/dmvpn-kernels): dmvpn.ko built W=1 against each with 0
# warnings, then booted for the smoke test (hub and two spokes register,
# Phase 2 direct ping, link attributes, unload, no splat), the whole suite
# on the kernels of KERNELS_FULL. KTAP per kernel, "N passed, N failed";
# the table in .build/check-kernels/results.tsv. Long, not in make check.
#   make check-kernels KERNELS="6.12 7.3"     those kernels only
#   make check-kernels KERNELS_FULL=          the smoke test on all
KERNELS ?=
KERNELS_FULL ?= 6.1 6.12
.PHONY: check-kernels
check-kernels:
	@$(MAKE) -s userspace
	@$(MAKE) -s -C userspace/tests tools
	@mkdir -p .build/check-kernels
	@DMVPN_KERNELS_FULL='$(KERNELS_FULL)' scripts/check-kernels --whole $(KERNELS) 2>&1 | \
		tee .build/check-kernels/check-kernels.log; exit $${PIPESTATUS[0]}
