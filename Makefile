# SPDX-License-Identifier: GPL-2.0
#
# dmvpn top-level build.
#   make                 module + userspace tools
#   make module          kernel/dmvpn.ko against KDIR (or KERNELRELEASE)
#   make check           build, host tests, then the selftests in a VM
#   make lint            checkpatch --strict and sparse
#
# The target kernel is never guessed from `uname -r`: the machine building
# may not be the one running the module. Default: the newest installed
# kernel headers.

KERNELRELEASE ?= $(shell ls -d /lib/modules/*/build 2>/dev/null | \
		   sed 's|/lib/modules/||;s|/build||' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
CHECKPATCH ?= $(firstword $(wildcard /usr/src/linux-source-6.1/scripts/checkpatch.pl) \
		scripts/checkpatch.pl)

export KERNELRELEASE KDIR

.PHONY: all module userspace clean lint checkpatch sparse help

all: module userspace

module:
	@test -d "$(KDIR)" || { echo "No kernel build tree at '$(KDIR)'. Install linux-headers-amd64 (scripts/install-deps) or set KDIR=." >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel W=1 modules

userspace:
	$(MAKE) -C userspace

checkpatch:
	@scripts/checkpatch-tree "$(CHECKPATCH)"

# Only findings in our own files count: the 6.1 headers are not sparse-clean.
sparse:
	@$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel C=2 CF="-D__CHECK_ENDIAN__" modules > .sparse.log 2>&1; \
		if grep -E '^$(CURDIR)/(kernel|include)/.*(warning|error):' .sparse.log; then \
			echo "sparse: findings above" >&2; exit 1; \
		else echo "sparse: clean"; fi

lint: checkpatch sparse

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean
	-$(MAKE) -C userspace clean
	rm -f .sparse.log

help:
	@sed -n '3,9p' Makefile

-include mk/*.mk
