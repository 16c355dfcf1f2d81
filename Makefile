# SPDX-License-Identifier: GPL-2.0
#
# dmvpn top-level build.
#   make                 module + userspace tools
#   make module          kernel/dmvpn.ko against KDIR (or KERNELRELEASE)
#   make check           build, host tests, then the selftests in a VM
#   make lint            checkpatch --strict and sparse
#   make demo            VM: hub and two spokes, dmvpnctl show, pings
#   make bench           VM: dmvpn against ip_gre, figures and ratios
#   make install         module (updates/) and tools on this machine
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

.PHONY: all module userspace clean lint checkpatch sparse help install

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

# Module into /lib/modules/$(KERNELRELEASE)/updates, tools into $(PREFIX).
install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel INSTALL_MOD_DIR=updates modules_install
	$(MAKE) -C userspace/dmvpnctl install
	$(MAKE) -C userspace/iproute2 install
	install -D -m 0644 Documentation/dmvpnctl.8 $(DESTDIR)/usr/share/man/man8/dmvpnctl.8
	install -D -m 0644 Documentation/ip-link-dmvpn.8 $(DESTDIR)/usr/share/man/man8/ip-link-dmvpn.8
	depmod -a $(KERNELRELEASE) || true

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean
	-$(MAKE) -C userspace clean
	rm -f .sparse.log

help:
	@sed -n '3,12p' Makefile

-include mk/*.mk
