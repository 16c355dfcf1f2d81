# SPDX-License-Identifier: GPL-2.0
SHELL := /bin/bash
# make check: build, host-side tests, then the selftests in one VM boot.
# Prints one combined line "N passed, N failed" at the end.

VM_TIMEOUT ?= 1500
CHECK_LOG := .build/check

.PHONY: check host-check vm-check fuzz-smoke pkg-check deps

# Idempotent: a second run only asks dpkg what is installed.
deps:
	@scripts/install-deps

host-check:
	@mkdir -p $(CHECK_LOG)
	@{ $(MAKE) -s -C userspace/tests check; scripts/check-spec; } 2>&1 | \
		tee $(CHECK_LOG)/host.log

fuzz-smoke:
	@mkdir -p $(CHECK_LOG)
	@$(MAKE) -s -C userspace/tests fuzz-smoke 2>&1 | tee $(CHECK_LOG)/fuzz.log

vm-check:
	@mkdir -p $(CHECK_LOG)
	@scripts/vm-run --timeout $(VM_TIMEOUT) -- selftests/run.sh 2>&1 | \
		tee $(CHECK_LOG)/vm.log; exit $${PIPESTATUS[0]}

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
