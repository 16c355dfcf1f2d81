/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels dmvpn builds against, in one place.
 * Force-included by Kbuild; keyed on LINUX_VERSION_CODE.
 */
#ifndef _DMVPN_COMPAT_H
#define _DMVPN_COMPAT_H

#include <linux/version.h>

#if KERNEL_VERSION(6, 1, 0) > LINUX_VERSION_CODE
#error "dmvpn needs Linux 6.1 or newer"
#endif

#endif /* _DMVPN_COMPAT_H */
