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
	IFLA_DMVPN_AUTH,	/* binary, 1..8 bytes: Cisco cleartext auth;
				 * write only, see IFLA_DMVPN_AUTH_SET
				 */
	IFLA_DMVPN_MAX_ENTRIES,	/* u32: NHRP cache size limit */
	IFLA_DMVPN_REG_TIMEOUT,	/* u32: registration interval, seconds */
	IFLA_DMVPN_NOKEY,	/* flag: remove the GRE key (changelink) */
	IFLA_DMVPN_NHS_LIST,	/* nest of DMVPN_A_NHS nests: replaces the NHS list */
	IFLA_DMVPN_MAX_SEND,	/* u32: NHRP packets sent per interval (max-send) */
	IFLA_DMVPN_MAX_SEND_INTERVAL,	/* u32: max-send interval, seconds */
	IFLA_DMVPN_REDIRECT_TIMEOUT,	/* u32: s between redirects per flow */
	IFLA_DMVPN_AUTH_SET,	/* flag, read only: an auth string is set */
	IFLA_DMVPN_NOAUTH,	/* flag: remove the auth string (changelink) */
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
#define DMVPN_DEFAULT_MAX_SEND		1000
#define DMVPN_DEFAULT_MAX_SEND_INTERVAL	10
#define DMVPN_MAX_NHS			8
/* Cisco "ip nhrp redirect timeout": 2 to 30 s, default 2. */
#define DMVPN_DEFAULT_REDIRECT_TIMEOUT	2
#define DMVPN_MIN_REDIRECT_TIMEOUT	2
#define DMVPN_MAX_REDIRECT_TIMEOUT	30

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
	DMVPN_CMD_NHS_ADD,	/* do: add/replace a next hop server */
	DMVPN_CMD_NHS_DEL,	/* do: delete a next hop server (purges) */
	DMVPN_CMD_NHS_GET,	/* dump: next hop servers and their state */
	DMVPN_CMD_EVENT_NTF,	/* notification on the "events" group */
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
	DMVPN_A_NHS,		/* nest: DMVPN_NHS_A_* */
	DMVPN_A_EVENT,		/* u8: enum dmvpn_event (notifications) */
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
	DMVPN_ENTRY_SHORTCUT,		/* Phase 3 shortcut (next-hop override) */
	__DMVPN_ENTRY_MAX
};

#define DMVPN_ENTRY_MAX (__DMVPN_ENTRY_MAX - 1)

/* DMVPN_ENTRY_A_FLAGS */
#define DMVPN_ENTRY_F_MULTICAST	(1U << 0)	/* receives multicast copies */
#define DMVPN_ENTRY_F_NHS	(1U << 1)	/* entry is an NHS */
#define DMVPN_ENTRY_F_UNIQUE	(1U << 2)	/* registered unique */
#define DMVPN_ENTRY_F_NAT	(1U << 3)	/* NBMA seen differs (NATed) */
#define DMVPN_ENTRY_F_USED	(1U << 4)	/* used since last refresh */
#define DMVPN_ENTRY_F_ROUTER	(1U << 5)	/* learned from a router (Q) */
#define DMVPN_ENTRY_F_ALL	(DMVPN_ENTRY_F_MULTICAST | \
				 DMVPN_ENTRY_F_NHS | DMVPN_ENTRY_F_UNIQUE | \
				 DMVPN_ENTRY_F_NAT | DMVPN_ENTRY_F_USED | \
				 DMVPN_ENTRY_F_ROUTER)

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
	DMVPN_ENTRY_A_VIA,	/* binary: tunnel address of the owner */
	DMVPN_ENTRY_A_MTU,	/* u32: MTU the owner advertised */
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
	DMVPN_STATS_A_NHRP_TX,		/* NHRP packets sent */
	DMVPN_STATS_A_NHRP_TX_QUOTA,	/* not sent: max-send quota */
	DMVPN_STATS_A_NHRP_TX_ERROR,	/* not sent: no route, no memory */
	DMVPN_STATS_A_NHRP_RX_BACKLOG,	/* dropped: receive backlog full */
	DMVPN_STATS_A_NHRP_RX_MALFORMED,	/* dropped: failed to parse */
	DMVPN_STATS_A_NHRP_RX_AUTH,	/* dropped: authentication failed */
	DMVPN_STATS_A_NHRP_RX_UNSUPPORTED,	/* dropped: family/type not served */
	DMVPN_STATS_A_NHRP_RX_HOP_LIMIT,	/* dropped: hop count exhausted */
	DMVPN_STATS_A_NHRP_RX_LOOP,	/* dropped: we are in a transit record */
	DMVPN_STATS_A_NHRP_RX_UNSOLICITED,	/* dropped: reply matches no request */
	DMVPN_STATS_A_NHRP_RX_ERROR_IND,	/* error indications received */
	DMVPN_STATS_A_NHRP_REG_ACCEPTED,	/* registrations accepted (hub) */
	DMVPN_STATS_A_NHRP_REG_OUTSIDE,	/* refused: address outside subnet */
	DMVPN_STATS_A_NHRP_REG_NOT_UNIQUE,	/* refused: unique binding held */
	DMVPN_STATS_A_NHRP_REG_FULL,	/* refused: cache full */
	DMVPN_STATS_A_NHRP_REG_SENT,	/* registration requests sent */
	DMVPN_STATS_A_NHRP_REG_REFUSED,	/* our registrations refused */
	DMVPN_STATS_A_NHRP_RES_SENT,	/* resolution requests sent */
	DMVPN_STATS_A_NHRP_RES_FORWARDED,	/* requests/replies relayed */
	DMVPN_STATS_A_NHRP_RES_ANSWERED,	/* resolution replies sent */
	DMVPN_STATS_A_NHRP_RES_NAK,	/* negative replies sent/received */
	DMVPN_STATS_A_NHRP_RES_RESOLVED,	/* resolutions completed */
	DMVPN_STATS_A_NHRP_PURGE_RX,	/* purge requests received */
	DMVPN_STATS_A_NHRP_PURGE_TX,	/* purge requests sent */
	DMVPN_STATS_A_NHRP_ERROR_TX,	/* error indications sent */
	DMVPN_STATS_A_TX_VIA_NHS,	/* data sent via the NHS while resolving */
	DMVPN_STATS_A_RES_PENDING_FULL,	/* resolution not started: too many */
	DMVPN_STATS_A_REDIRECT_TX,	/* traffic indications sent (hub) */
	DMVPN_STATS_A_REDIRECT_SUPPRESSED,	/* not sent: per-flow limit */
	DMVPN_STATS_A_REDIRECT_DROPPED,	/* not sent: queue full, no sender */
	DMVPN_STATS_A_NHRP_TI_RX,	/* traffic indications taken (spoke) */
	DMVPN_STATS_A_NHRP_TI_REFUSED,	/* dropped: not from our NHS/a spoke */
	DMVPN_STATS_A_NHRP_TI_BAD,	/* dropped: embedded packet unusable */
	DMVPN_STATS_A_SHORTCUT_FULL,	/* shortcut refused: table full */
	DMVPN_STATS_A_SHORTCUT_REFUSED,	/* shortcut refused: covers an NHS */
	DMVPN_STATS_A_TX_SHORTCUT,	/* data sent on a shortcut */
	DMVPN_STATS_A_SHORTCUTS,	/* current number of shortcuts */
	DMVPN_STATS_A_NHRP_RES_REFUSED,	/* reply not installed: prefix, static */
	DMVPN_STATS_A_NHRP_TX_REFUSAL_QUOTA,	/* refusal not sent: its quota */
	DMVPN_STATS_A_PEERS_FULL,	/* NBMA peer refused: table full */
	__DMVPN_STATS_A_MAX
};

#define DMVPN_STATS_A_MAX (__DMVPN_STATS_A_MAX - 1)

/* Next hop servers (NHS): what a spoke registers with. */
enum dmvpn_nhs_state {
	DMVPN_NHS_PROBING = 1,		/* registering, no answer yet */
	DMVPN_NHS_UP,			/* registered */
	DMVPN_NHS_DOWN,			/* not answering, or refusing */
	__DMVPN_NHS_STATE_MAX
};

enum {
	DMVPN_NHS_A_UNSPEC,
	DMVPN_NHS_A_NBMA,	/* binary, 4 or 16: NBMA address of the NHS */
	DMVPN_NHS_A_PROTO,	/* binary: tunnel address; absent = dynamic */
	DMVPN_NHS_A_PRIORITY,	/* u8: lower is preferred (default 0) */
	DMVPN_NHS_A_STATE,	/* u8: enum dmvpn_nhs_state (read only) */
	DMVPN_NHS_A_UPTIME,	/* u32: seconds in the current state */
	DMVPN_NHS_A_EXPIRES,	/* u32: seconds until the registration expires */
	DMVPN_NHS_A_REQUEST_ID,	/* u32: request id of the registration */
	DMVPN_NHS_A_LAST_CODE,	/* u8: CIE code of the last reply */
	DMVPN_NHS_A_NAT_NBMA,	/* binary: our NBMA as the NHS sees it */
	DMVPN_NHS_A_LEARNED_PROTO,	/* binary: tunnel address from the reply */
	DMVPN_NHS_A_SENT,	/* u32: registration requests sent */
	DMVPN_NHS_A_REPLIES,	/* u32: registration replies received */
	__DMVPN_NHS_A_MAX
};

#define DMVPN_NHS_A_MAX (__DMVPN_NHS_A_MAX - 1)

/* DMVPN_A_EVENT: what a DMVPN_CMD_EVENT_NTF reports. */
enum dmvpn_event {
	DMVPN_EVENT_NHS_UP = 1,		/* DMVPN_A_NHS: registered */
	DMVPN_EVENT_NHS_DOWN,		/* DMVPN_A_NHS: lost or refused */
	DMVPN_EVENT_ENTRY_NEW,		/* DMVPN_A_ENTRY: learned binding */
	DMVPN_EVENT_ENTRY_EXPIRED,	/* DMVPN_A_ENTRY: holding time over */
	DMVPN_EVENT_ENTRY_PURGED,	/* DMVPN_A_ENTRY: removed by a purge */
	DMVPN_EVENT_SHORTCUT_NEW,	/* DMVPN_A_ENTRY: shortcut installed */
	DMVPN_EVENT_SHORTCUT_EXPIRED,	/* DMVPN_A_ENTRY: unused, or peer gone */
	DMVPN_EVENT_SHORTCUT_PURGED,	/* DMVPN_A_ENTRY: purge, flush, route */
	__DMVPN_EVENT_MAX
};

#endif /* _UAPI_LINUX_DMVPN_H */
