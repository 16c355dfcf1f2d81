/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dmvpn: multipoint GRE with an in-kernel NHRP cache.
 *
 * Two interfaces share this header:
 *  - rtnetlink link attributes (IFLA_DMVPN_*) nested in IFLA_INFO_DATA of
 *    a link of kind "dmvpn": the scalar configuration of one DMVPN cloud;
 *  - the generic netlink family "dmvpn": NHRP cache, peers, counters.
 *
 * Documentation/netlink/specs/dmvpn.yaml describes the genl family.
 */
#ifndef _UAPI_LINUX_DMVPN_H
#define _UAPI_LINUX_DMVPN_H

#include <linux/types.h>

/* Link attributes (IFLA_INFO_DATA of kind "dmvpn"). */
enum {
	IFLA_DMVPN_UNSPEC,
	IFLA_DMVPN_LINK,	/* u32: underlay ifindex (0 = any) */
	IFLA_DMVPN_LOCAL,	/* binary, 4 or 16 bytes: local NBMA address */
	IFLA_DMVPN_KEY,		/* u32: GRE key (host order); absent = no key */
	IFLA_DMVPN_TTL,		/* u8: outer TTL, 0 = inherit (default 64) */
	IFLA_DMVPN_TOS,		/* u8: outer TOS, 1 = inherit (default 0) */
	IFLA_DMVPN_NETWORK_ID,	/* u32: NHRP network-id (default 1) */
	IFLA_DMVPN_HOLDTIME,	/* u32: NHRP holding time, seconds */
	IFLA_DMVPN_FLAGS,	/* u32: DMVPN_F_* */
	IFLA_DMVPN_AUTH,	/* binary, 1..8 bytes: Cisco cleartext auth */
	IFLA_DMVPN_MAX_ENTRIES,	/* u32: NHRP cache size limit */
	IFLA_DMVPN_REG_TIMEOUT,	/* u32: registration interval, seconds */
	IFLA_DMVPN_NOKEY,	/* flag: remove the GRE key (changelink) */
	__IFLA_DMVPN_MAX
};

#define IFLA_DMVPN_MAX (__IFLA_DMVPN_MAX - 1)

/* IFLA_DMVPN_FLAGS */
#define DMVPN_F_REDIRECT	(1U << 0)	/* send NHRP redirects (hub) */
#define DMVPN_F_SHORTCUT	(1U << 1)	/* accept shortcuts (spoke) */
#define DMVPN_F_UNIQUE		(1U << 2)	/* register with the unique flag */
#define DMVPN_F_NAT_EXT		(1U << 3)	/* send the Cisco NAT extension */
#define DMVPN_F_SERVER_ONLY	(1U << 4)	/* answer from the cache only */
#define DMVPN_F_ALL		(DMVPN_F_REDIRECT | DMVPN_F_SHORTCUT | \
				 DMVPN_F_UNIQUE | DMVPN_F_NAT_EXT | \
				 DMVPN_F_SERVER_ONLY)

#define DMVPN_DEFAULT_TTL		64
#define DMVPN_DEFAULT_NETWORK_ID	1
#define DMVPN_DEFAULT_HOLDTIME		7200
#define DMVPN_DEFAULT_MAX_ENTRIES	65536
#define DMVPN_MAX_MAX_ENTRIES		(1U << 20)
#define DMVPN_AUTH_MAXLEN		8

/* Generic netlink family. */
#define DMVPN_GENL_NAME		"dmvpn"
#define DMVPN_GENL_VERSION	1
#define DMVPN_MCGRP_EVENTS	"events"

enum dmvpn_cmd {
	DMVPN_CMD_UNSPEC,
	DMVPN_CMD_MAP_ADD,	/* do: add/replace a static mapping */
	DMVPN_CMD_MAP_DEL,	/* do: delete a static mapping */
	DMVPN_CMD_CACHE_GET,	/* dump: NHRP cache entries */
	DMVPN_CMD_PEER_GET,	/* dump: NBMA peers with counters */
	DMVPN_CMD_FLUSH,	/* do: flush entries (all, or of one type) */
	DMVPN_CMD_DEV_GET,	/* do/dump: device counters */
	__DMVPN_CMD_MAX
};

#define DMVPN_CMD_MAX (__DMVPN_CMD_MAX - 1)

/* Top-level attributes. */
enum {
	DMVPN_A_UNSPEC,
	DMVPN_A_IFINDEX,	/* u32 */
	DMVPN_A_IFNAME,		/* string */
	DMVPN_A_ENTRY,		/* nest: DMVPN_ENTRY_A_* */
	DMVPN_A_PEER,		/* nest: DMVPN_PEER_A_* */
	DMVPN_A_STATS,		/* nest: DMVPN_STATS_A_* */
	DMVPN_A_FLUSH_TYPE,	/* u8: DMVPN_ENTRY_* to flush, absent = all */
	DMVPN_A_GENERATION,	/* u32: cache generation at dump time */
	DMVPN_A_PAD,
	__DMVPN_A_MAX
};

#define DMVPN_A_MAX (__DMVPN_A_MAX - 1)

/* Cache entry types (DMVPN_ENTRY_A_TYPE). */
enum dmvpn_entry_type {
	DMVPN_ENTRY_STATIC = 1,		/* configured (ip nhrp map) */
	DMVPN_ENTRY_DYNAMIC,		/* learned from a registration */
	DMVPN_ENTRY_RESOLVED,		/* learned from a resolution */
	DMVPN_ENTRY_INCOMPLETE,		/* resolution pending */
	DMVPN_ENTRY_NEGATIVE,		/* resolution failed */
	DMVPN_ENTRY_LOCAL,		/* our own address */
	__DMVPN_ENTRY_MAX
};

#define DMVPN_ENTRY_MAX (__DMVPN_ENTRY_MAX - 1)

/* DMVPN_ENTRY_A_FLAGS */
#define DMVPN_ENTRY_F_MULTICAST	(1U << 0)	/* receives multicast copies */
#define DMVPN_ENTRY_F_NHS	(1U << 1)	/* entry is an NHS */
#define DMVPN_ENTRY_F_UNIQUE	(1U << 2)	/* registered unique */
#define DMVPN_ENTRY_F_NAT	(1U << 3)	/* NBMA seen differs (NATed) */
#define DMVPN_ENTRY_F_USED	(1U << 4)	/* used since last refresh */
#define DMVPN_ENTRY_F_ALL	(DMVPN_ENTRY_F_MULTICAST | \
				 DMVPN_ENTRY_F_NHS | DMVPN_ENTRY_F_UNIQUE | \
				 DMVPN_ENTRY_F_NAT | DMVPN_ENTRY_F_USED)

enum {
	DMVPN_ENTRY_A_UNSPEC,
	DMVPN_ENTRY_A_PROTO,	/* binary, 4 or 16: protocol (overlay) addr */
	DMVPN_ENTRY_A_PREFIXLEN,	/* u8: default 32/128 */
	DMVPN_ENTRY_A_NBMA,	/* binary, 4 or 16: NBMA (underlay) addr */
	DMVPN_ENTRY_A_TYPE,	/* u8: enum dmvpn_entry_type */
	DMVPN_ENTRY_A_FLAGS,	/* u32: DMVPN_ENTRY_F_* */
	DMVPN_ENTRY_A_EXPIRES,	/* u32: seconds left, absent = never */
	DMVPN_ENTRY_A_AGE,	/* u32: seconds since created */
	DMVPN_ENTRY_A_NBMA_CLAIMED,	/* binary: NBMA the peer claims (NAT) */
	__DMVPN_ENTRY_A_MAX
};

#define DMVPN_ENTRY_A_MAX (__DMVPN_ENTRY_A_MAX - 1)

enum {
	DMVPN_PEER_A_UNSPEC,
	DMVPN_PEER_A_NBMA,	/* binary, 4 or 16 */
	DMVPN_PEER_A_RX_PACKETS,	/* u64 */
	DMVPN_PEER_A_RX_BYTES,	/* u64 */
	DMVPN_PEER_A_TX_PACKETS,	/* u64 */
	DMVPN_PEER_A_TX_BYTES,	/* u64 */
	DMVPN_PEER_A_PMTU,	/* u32: learned path MTU, absent = none */
	DMVPN_PEER_A_AGE,	/* u32: seconds since created */
	DMVPN_PEER_A_ENTRIES,	/* u32: cache entries pointing here */
	DMVPN_PEER_A_PAD,
	__DMVPN_PEER_A_MAX
};

#define DMVPN_PEER_A_MAX (__DMVPN_PEER_A_MAX - 1)

/* Device counters: every drop and refusal has one. All u64. */
enum {
	DMVPN_STATS_A_UNSPEC,
	DMVPN_STATS_A_PAD,
	DMVPN_STATS_A_TX_NO_ENTRY,	/* no NHRP entry for the next hop */
	DMVPN_STATS_A_TX_NO_ROUTE,	/* no underlay route to the peer */
	DMVPN_STATS_A_TX_TOO_BIG,	/* inner packet over path MTU */
	DMVPN_STATS_A_TX_LOOP,		/* outer route points to ourselves */
	DMVPN_STATS_A_TX_MCAST_COPIES,	/* multicast replicas sent */
	DMVPN_STATS_A_RX_UNKNOWN_PEER,	/* GRE from an NBMA with no entry */
	DMVPN_STATS_A_RX_POLICY_DROP,	/* inbound XFRM policy refused */
	DMVPN_STATS_A_RX_BAD_PROTO,	/* GRE payload type not carried */
	DMVPN_STATS_A_RX_NHRP,		/* NHRP packets received */
	DMVPN_STATS_A_CACHE_FULL,	/* entry refused: cache limit */
	DMVPN_STATS_A_PMTU_UPDATES,	/* underlay PMTU errors applied */
	DMVPN_STATS_A_CACHE_ENTRIES,	/* current number of entries */
	DMVPN_STATS_A_PEERS,		/* current number of peers */
	__DMVPN_STATS_A_MAX
};

#define DMVPN_STATS_A_MAX (__DMVPN_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_DMVPN_H */
