/* SPDX-License-Identifier: GPL-2.0 */
/* The only place dmvpnctl talks netlink. */
#ifndef DMVPNCTL_NL_H
#define DMVPNCTL_NL_H

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/dmvpn.h>

/* Called for every message of a dump; attrs indexed by DMVPN_A_*. */
typedef int (*ctl_dump_fn)(struct nlattr **attrs, void *arg);

int ctl_open(void);
void ctl_close(void);
/* New request for cmd; dump adds NLM_F_DUMP. */
struct nl_msg *ctl_request(uint8_t cmd, int dump);
/* Sends msg (freed), waits for the ack; prints the kernel's error. */
int ctl_do(struct nl_msg *msg);
/* Like ctl_do, calling fn for every reply message. */
int ctl_dump(struct nl_msg *msg, ctl_dump_fn fn, void *arg);
/* Subscribes to the events group, calls fn per DMVPN_CMD_EVENT_NTF until
 * fn returns nonzero. */
int ctl_monitor(ctl_dump_fn fn, void *arg);

#endif
