# SPDX-License-Identifier: GPL-2.0
# make deb: dmvpn-dkms and dmvpn-tools .debs in .build/deb/.
# Builds from a copy of the working tree (tracked and new, non-ignored
# files) in .build/deb/src, so the tree's own build outputs are never
# touched. The iproute2 plugin needs the installed iproute2's source
# headers: scripts/fetch-iproute2-src fetches them once (root, deb-src).
# DEB_TREE=<commit> packages that commit (git archive) instead.

DEB_OUT := .build/deb
DEB_SRC := $(DEB_OUT)/src
DEB_BUILD_OPTIONS ?= noautodbgsym
DEB_TREE ?= worktree

.PHONY: deb
deb:
	@scripts/fetch-iproute2-src .build/iproute2-src
	@rm -rf $(DEB_OUT) && mkdir -p $(DEB_SRC)/.build
	@if [ "$(DEB_TREE)" = worktree ]; then \
		git ls-files -z -co --exclude-standard | \
		while IFS= read -r -d '' f; do \
			[ -e "$$f" ] && printf '%s\0' "$$f"; \
		done | tar --null -T - -cf -; \
	else git archive "$(DEB_TREE)"; fi | tar -xf - -C $(DEB_SRC)
	@cp -a .build/iproute2-src $(DEB_SRC)/.build/
	@cd $(DEB_SRC) && DEB_BUILD_OPTIONS="$(DEB_BUILD_OPTIONS)" \
		dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || \
		{ tail -n 40 ../build.log >&2; \
		  echo "deb: dpkg-buildpackage failed, see $(DEB_OUT)/build.log" >&2; \
		  exit 1; }
	@for f in $(DEB_OUT)/*.deb; do echo "deb: $$f"; done
