/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmvpn: internal interfaces between the files of the module.
 *
 * Object ownership:
 *  - struct dmvpn_dev is the netdev private area; it owns the NHRP cache
 *    and the peer table. It lives from newlink to the netdev destructor.
 *  - struct dmvpn_entry (one NHRP cache entry) is owned by the cache. Readers
 *    find it under RCU; writers hold dd->lock. Freed with kfree_rcu.
 *  - struct dmvpn_peer (one NBMA address) is refcounted: every entry that
 *    points to it holds one reference. The last put unlinks it from the peer
 *    table (under dd->lock) and frees it after a grace period. Data path
 *    readers use it under RCU without taking a reference.
 */
#ifndef _DMVPN_H
#define _DMVPN_H

#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/rbtree.h>
#include <linux/u64_stats_sync.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <net/dst_cache.h>
#include <net/gro_cells.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <uapi/linux/dmvpn.h>
#include "lpm.h"

struct nhrp_msg;
struct dmvpn_res_due;

/* An IPv4 or IPv6 address. Always fully zeroed before use: it is a hash key. */
struct dmvpn_addr {
	union {
		struct in6_addr	in6;
		__be32		in4;
	};
	u16 family;		/* AF_INET or AF_INET6 */
	u16 pad;
};

/*
 * A new NHRP request id. Unpredictable: answers, purges and errors are
 * taken only for a request of ours still open, and that must not be
 * guessable by counting up from 1. Never 0 (our "none").
 */
static inline u32 dmvpn_nhrp_reqid(void)
{
	u32 id;

	do
		id = get_random_u32();
	while (!id);
	return id;
}

static inline bool dmvpn_addr_is_v4(const struct dmvpn_addr *a)
{
	return a->family == AF_INET;
}

/* The unspecified address of its family (a device on "local any"). */
static inline bool dmvpn_addr_any(const struct dmvpn_addr *a)
{
	return dmvpn_addr_is_v4(a) ? !a->in4 : ipv6_addr_any(&a->in6);
}

static inline unsigned int dmvpn_addr_bits(const struct dmvpn_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

static inline bool dmvpn_addr_equal(const struct dmvpn_addr *a,
				    const struct dmvpn_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static inline void dmvpn_addr_set4(struct dmvpn_addr *a, __be32 in4)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->in4 = in4;
}

static inline void dmvpn_addr_set6(struct dmvpn_addr *a,
				   const struct in6_addr *in6)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->in6 = *in6;
}

void dmvpn_addr_mask(struct dmvpn_addr *a, unsigned int plen);

/* Per-peer counters, per CPU. Bytes are inner (overlay) packet bytes. */
struct dmvpn_peer_stats {
	u64_stats_t		rx_packets;
	u64_stats_t		rx_bytes;
	u64_stats_t		tx_packets;
	u64_stats_t		tx_bytes;
	struct u64_stats_sync	syncp;
};

struct dmvpn_peer {
	struct rhash_head	node;		/* dd->peers, under dd->lock */
	struct list_head	list;		/* dd->peer_list, RCU */
	struct dmvpn_addr	nbma;		/* hash key */
	refcount_t		refcnt;
	struct dmvpn_dev	*dd;
	struct dst_cache	dst_cache;
	struct dmvpn_peer_stats __percpu *stats;
	u32			pmtu;		/* from underlay ICMP, 0 = none */
	unsigned long		pmtu_expires;	/* jiffies */
	unsigned long		created;	/* jiffies */
	atomic_t		entries;	/* cache entries pointing here */
	struct list_head	mcast;		/* dd->mcast_list, RCU */
	unsigned int		n_mcast;	/* multicast entries, dd->lock */
	bool			learned;	/* holds a ref: seen, no entry */
	struct list_head	learned_node;	/* dd->learned_list, if learned */
	struct list_head	entry_list;	/* entries bound here, dd->lock */
	unsigned long		last_rx;	/* jiffies */
	struct rcu_head		rcu;
};

/* Hash key of a cache entry: the masked protocol address and its length. */
struct dmvpn_entry_key {
	struct dmvpn_addr	addr;
	u8			plen;
	u8			pad[3];
};

struct dmvpn_result;

struct dmvpn_entry {
	struct rhash_head	node;		/* dd->cache, under dd->lock */
	struct dmvpn_lpm_entry	lpm;		/* dd->prefixes, if a prefix */
	struct list_head	list;		/* dd->entry_list, RCU */
	struct dmvpn_entry_key	key;
	struct dmvpn_peer __rcu	*peer;		/* reference held; NULL if none */
	struct list_head	peer_node;	/* peer->entry_list, with @peer */
	/* On dd->timeline while it expires: when the gc must look next. */
	struct rb_node		tnode;
	unsigned long		due;		/* jiffies */
	u8			type;		/* enum dmvpn_entry_type */
	u32			flags;		/* DMVPN_ENTRY_F_* */
	unsigned long		expires;	/* jiffies, 0 = never */
	unsigned long		created;	/* jiffies */
	unsigned long		used;		/* jiffies, set by transmit */
	/* What NHRP said about the binding; written under dd->lock. */
	struct dmvpn_addr	claimed;	/* NBMA the owner claims (NAT) */
	struct dmvpn_addr	via;		/* owner's tunnel address */
	u16			mtu;
	u16			holdtime;	/* seconds, as granted */
	/* Resolution in progress (incomplete, or refresh of resolved). */
	u32			reqid;
	u8			tries;
	bool			for_shortcut;	/* incomplete: asked by a TI */
	unsigned long		next_try;	/* jiffies */
	/* In dd->results while resolved or negative (results.c). */
	struct dmvpn_result	*result;
	struct rcu_head		rcu;
};

/*
 * A Phase 3 shortcut: traffic to @prefix goes straight to @peer, whatever
 * route (summary, default, via the hub) brought it to the device: Cisco's
 * next-hop override. Owned by dd->shortcuts; readers find it under RCU,
 * writers hold dd->lock; freed with kfree_rcu. Holds a peer reference.
 */
struct dmvpn_shortcut {
	struct dmvpn_lpm_entry	lpm;		/* dd->shortcuts */
	struct list_head	list;		/* dd->shortcut_list, RCU */
	struct dmvpn_peer __rcu	*peer;		/* reference held */
	struct dmvpn_addr	prefix;		/* masked */
	u8			plen;
	u8			probing;	/* liveness resolution in flight */
	u16			holdtime;	/* seconds, as granted */
	u16			mtu;
	struct dmvpn_addr	via;		/* egress router's tunnel address */
	struct dmvpn_addr	claimed;	/* NBMA it claims, when NATed */
	struct dmvpn_addr	target;		/* address resolved; refreshes */
	u32			reqid;		/* refresh in flight */
	unsigned long		expires;	/* jiffies */
	unsigned long		created;	/* jiffies */
	unsigned long		used;		/* jiffies, set by transmit */
	unsigned long		confirmed;	/* jiffies: last answer */
	unsigned long		probe_sent;	/* jiffies */
	struct rcu_head		rcu;
};

/* What a resolution answer says of a shortcut; see dmvpn_shortcut_set(). */
struct dmvpn_shortcut_info {
	const struct dmvpn_addr	*nbma;
	const struct dmvpn_addr	*claimed;	/* or NULL */
	const struct dmvpn_addr	*via;
	const struct dmvpn_addr	*target;
	u32			holdtime;
	u16			mtu;
};

/* What to store in an entry; see dmvpn_cache_set(). */
struct dmvpn_entry_info {
	const struct dmvpn_addr	*nbma;		/* NULL: no peer (incomplete) */
	const struct dmvpn_addr	*claimed;	/* or NULL */
	const struct dmvpn_addr	*via;		/* or NULL */
	u8			type;
	u32			flags;
	u32			holdtime;	/* seconds, 0 = never expires */
	u16			mtu;
	u32			reqid;
	bool			no_downgrade;	/* keep an entry of higher rank */
	bool			for_shortcut;	/* see struct dmvpn_entry */
};

static inline bool dmvpn_entry_expired(const struct dmvpn_entry *e)
{
	unsigned long expires = READ_ONCE(e->expires);

	return expires && time_after_eq(jiffies, expires);
}

/* Device counters (all drops and refusals), per CPU. */
enum dmvpn_counter {
	DMVPN_CNT_TX_NO_ENTRY,
	DMVPN_CNT_TX_NO_ROUTE,
	DMVPN_CNT_TX_TOO_BIG,
	DMVPN_CNT_TX_LOOP,
	DMVPN_CNT_TX_MCAST_COPIES,
	DMVPN_CNT_RX_UNKNOWN_PEER,
	DMVPN_CNT_RX_POLICY_DROP,
	DMVPN_CNT_RX_BAD_PROTO,
	DMVPN_CNT_RX_NHRP,
	DMVPN_CNT_CACHE_FULL,
	DMVPN_CNT_PMTU_UPDATES,
	DMVPN_CNT_NHRP_TX,
	DMVPN_CNT_NHRP_TX_QUOTA,
	DMVPN_CNT_NHRP_TX_ERROR,
	DMVPN_CNT_NHRP_RX_BACKLOG,
	DMVPN_CNT_NHRP_RX_MALFORMED,
	DMVPN_CNT_NHRP_RX_AUTH,
	DMVPN_CNT_NHRP_RX_UNSUPPORTED,
	DMVPN_CNT_NHRP_RX_HOP_LIMIT,
	DMVPN_CNT_NHRP_RX_LOOP,
	DMVPN_CNT_NHRP_RX_UNSOLICITED,
	DMVPN_CNT_NHRP_RX_ERROR_IND,
	DMVPN_CNT_NHRP_REG_ACCEPTED,
	DMVPN_CNT_NHRP_REG_OUTSIDE,
	DMVPN_CNT_NHRP_REG_NOT_UNIQUE,
	DMVPN_CNT_NHRP_REG_FULL,
	DMVPN_CNT_NHRP_REG_SENT,
	DMVPN_CNT_NHRP_REG_REFUSED,
	DMVPN_CNT_NHRP_RES_SENT,
	DMVPN_CNT_NHRP_RES_FORWARDED,
	DMVPN_CNT_NHRP_RES_ANSWERED,
	DMVPN_CNT_NHRP_RES_NAK,
	DMVPN_CNT_NHRP_RES_RESOLVED,
	DMVPN_CNT_NHRP_PURGE_RX,
	DMVPN_CNT_NHRP_PURGE_TX,
	DMVPN_CNT_NHRP_ERROR_TX,
	DMVPN_CNT_TX_VIA_NHS,
	DMVPN_CNT_RES_PENDING_FULL,
	DMVPN_CNT_REDIRECT_TX,
	DMVPN_CNT_REDIRECT_SUPPRESSED,
	DMVPN_CNT_REDIRECT_DROPPED,
	DMVPN_CNT_NHRP_TI_RX,
	DMVPN_CNT_NHRP_TI_REFUSED,
	DMVPN_CNT_NHRP_TI_BAD,
	DMVPN_CNT_SHORTCUT_FULL,
	DMVPN_CNT_SHORTCUT_REFUSED,
	DMVPN_CNT_TX_SHORTCUT,
	DMVPN_CNT_NHRP_RES_REFUSED,
	DMVPN_CNT_NHRP_TX_REFUSAL_QUOTA,
	DMVPN_CNT_PEERS_FULL,
	DMVPN_CNT_MAX
};

struct dmvpn_counters {
	u64_stats_t		cnt[DMVPN_CNT_MAX];
	struct u64_stats_sync	syncp;
};

/* Scalar configuration. Written under RTNL, read locklessly by the data path. */
struct dmvpn_cfg {
	struct dmvpn_addr	local;		/* family set; address may be any */
	int			link;		/* underlay ifindex, 0 = any */
	u32			key;
	bool			has_key;
	u8			ttl;		/* 0 = inherit */
	u8			tos;		/* 1 = inherit */
	u32			network_id;
	u32			holdtime;
	u32			reg_timeout;
	u32			flags;		/* DMVPN_F_* */
	u32			max_entries;
	u8			auth[DMVPN_AUTH_MAXLEN];
	u8			auth_len;
	u32			max_send;
	u32			max_send_interval;
	u32			redirect_timeout;	/* seconds */
	u8			hlen;		/* GRE header: 4, 8 with a key */
};

/* Registration state toward one NHS for one overlay family. */
struct dmvpn_nhs_reg {
	u32			reqid;		/* of the request in flight/last */
	bool			ok;		/* last reply was a success */
	struct dmvpn_addr	learned;	/* NHS tunnel address (reply) */
};

/*
 * A next hop server of a spoke. Lives on dd->nhs_list from NHS_ADD (or the
 * link attribute) to NHS_DEL or device teardown; readers use RCU, writers
 * hold RTNL and dd->nhrp_mutex. Its registration work runs under
 * dd->nhrp_mutex and stops re-arming once @dead is set; the deleter
 * cancels it synchronously before the RCU free.
 */
struct dmvpn_nhs {
	struct list_head	list;
	struct dmvpn_dev	*dd;
	struct dmvpn_addr	nbma;
	struct dmvpn_addr	proto;		/* family 0: dynamic */
	struct dmvpn_peer	*peer;		/* reference held */
	u8			priority;
	u8			state;		/* enum dmvpn_nhs_state */
	u8			last_code;
	bool			dead;
	unsigned int		backoff;	/* seconds to the next retry */
	unsigned int		tries;		/* unanswered in this round */
	unsigned long		since;		/* jiffies of the last state change */
	unsigned long		expires;	/* jiffies, registration end */
	u32			sent;
	u32			replies;
	struct dmvpn_addr	nat_nbma;	/* our NBMA as the NHS sees it */
	struct dmvpn_nhs_reg	reg[2];		/* IPv4, IPv6 overlay */
	struct delayed_work	work;
	struct rcu_head		rcu;
};

#define ETH_P_NHRP		0x2001	/* GRE protocol type of NHRP */
#define DMVPN_NHRP_TOS		0xc0	/* outer DS field, as Cisco's NHRP */
#define DMVPN_NHRP_BACKLOG	1024	/* received NHRP packets queued */
#define DMVPN_RES_LIFETIME	30	/* s: an unanswered resolution lives */
#define DMVPN_MAX_PENDING	1024	/* incomplete entries per device */
#define DMVPN_NEGATIVE_HOLD	15	/* s: a refused resolution is cached */

/*
 * Cisco's max-send, in two buckets: what we send on our own or to answer
 * a request we serve, and, with a tenth of it, what answers input we
 * refused (error indications, refusals, purge replies to strangers), so
 * that forged input cannot spend the quota that keeps spokes registered.
 */
enum dmvpn_quota_kind {
	DMVPN_QUOTA_ANSWER,
	DMVPN_QUOTA_REFUSAL,
	DMVPN_QUOTA_MAX
};

struct dmvpn_quota {
	u32			left;
	unsigned long		stamp;		/* jiffies */
};

struct dmvpn_nhrp_out;

struct dmvpn_dev {
	struct net_device	*dev;
	struct net		*net;		/* underlay namespace */
	struct list_head	net_list;	/* dmvpn_net->devs, RCU */
	bool			hooked;		/* on net_list (RTNL) */
	/*
	 * The configuration readers see: one of cfgs[], read with
	 * dmvpn_cfg(). changelink fills the other slot and publishes it
	 * (RTNL and nhrp_mutex held), then waits out the readers of the
	 * old one, so a packet never sees half of a change.
	 */
	struct dmvpn_cfg __rcu	*cfg;
	struct dmvpn_cfg	cfgs[2];
	u16			family;		/* underlay's: fixed at creation */
	struct gro_cells	gro_cells;
	struct dmvpn_counters __percpu *counters;

	spinlock_t		lock;		/* writers of cache and peers */
	struct rhashtable	cache;		/* dmvpn_entry by key */
	struct list_head	entry_list;	/* all entries, for dumps */
	struct list_head	mcast_list;	/* peers of MULTICAST entries */
	unsigned int		n_entries;
	/* Entries shorter than a host, for the longest-prefix fallback. */
	struct dmvpn_lpm	prefixes;
	u32			generation;	/* bumped on every change */
	/* Entries that expire, by when the gc looks at them next. */
	struct rb_root_cached	timeline;
	struct delayed_work	gc_work;	/* expires timed entries */
	/* Resolved and negative entries, for an NHS's purges (results.c). */
	struct rb_root		results;	/* by prefix */
	struct rb_root		results_via;	/* by the station that answered */

	struct rhashtable	peers;		/* dmvpn_peer by NBMA */
	struct list_head	peer_list;
	unsigned int		n_peers;
	unsigned int		n_learned;	/* peers kept only for counting */
	struct list_head	learned_list;	/* those peers, dd->lock */
	unsigned int		n_pending;	/* incomplete entries */

	/* NHRP engine (nhrp*.c) */
	struct mutex		nhrp_mutex;	/* NHS list and NHRP state */
	struct list_head	nhs_list;	/* struct dmvpn_nhs, RCU */
	struct dmvpn_peer __rcu	*nhs_peer;	/* where misses go meanwhile */
	struct sk_buff_head	nhrp_rxq;	/* bounded receive backlog */
	struct work_struct	nhrp_rx_work;
	struct work_struct	addr_work;	/* an address came: register */
	struct nhrp_msg		*nhrp_msg;	/* parse scratch, nhrp_mutex */
	u8			*nhrp_buf;	/* build scratch, nhrp_mutex */
	/* What we send, being built (nhrp_mutex): not on the stack. */
	struct dmvpn_nhrp_out	*nhrp_out;
	spinlock_t		quota_lock;	/* quota[] */
	struct dmvpn_quota	quota[DMVPN_QUOTA_MAX];
	bool			nhrp_dead;	/* torn down: nothing re-arms */
	/* Answers handed out (relayed), to purge when they go stale. */
	struct list_head	answers;	/* dmvpn_answer, nhrp_mutex */
	unsigned int		n_answers;
	spinlock_t		stale_lock;	/* stale[], n_stale */
	struct dmvpn_addr	stale[16];	/* bindings gone, to purge for */
	unsigned int		n_stale;
	struct work_struct	stale_work;

	/* Phase 3 (shortcut.c, redirect.c) */
	struct dmvpn_lpm	shortcuts;	/* dmvpn_shortcut, dd->lock */
	struct list_head	shortcut_list;	/* for dumps and the gc */
	unsigned int		n_shortcuts;
	u32			redirect_seed;	/* flow hash key */
	atomic64_t		*redirect_slots;	/* per-flow last TI */
	struct sk_buff_head	redirect_q;	/* TIs to build and send */
	struct work_struct	redirect_work;
};

/* Valid while the caller stays in its RCU section or holds its lock. */
static inline const struct dmvpn_cfg *dmvpn_cfg(const struct dmvpn_dev *dd)
{
	return rcu_dereference_check(dd->cfg, rcu_read_lock_any_held() ||
				     lockdep_rtnl_is_held() ||
				     lockdep_is_held(&dd->nhrp_mutex));
}

static inline bool dmvpn_is_spoke(struct dmvpn_dev *dd)
{
	return !list_empty(&dd->nhs_list);
}

/*
 * Counted from softirq (receive, transmit) and from process context (the
 * NHRP worker): on 32-bit the sequence count must not be entered twice on
 * one CPU, hence irqsave (free on 64-bit, where it is a plain add).
 */
static inline void dmvpn_count(struct dmvpn_dev *dd, enum dmvpn_counter c)
{
	struct dmvpn_counters *pc = get_cpu_ptr(dd->counters);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&pc->syncp);
	u64_stats_inc(&pc->cnt[c]);
	u64_stats_update_end_irqrestore(&pc->syncp, flags);
	put_cpu_ptr(dd->counters);
}

u64 dmvpn_counter_read(struct dmvpn_dev *dd, enum dmvpn_counter c);

/* device.c */
extern struct rtnl_link_ops dmvpn_link_ops;
void dmvpn_dellink(struct net_device *dev, struct list_head *head);
bool dmvpn_is_dmvpn(const struct net_device *dev);
unsigned int dmvpn_outer_hlen(const struct dmvpn_cfg *cfg);

/* netns.c: per-namespace list of devices whose underlay is that namespace */
int dmvpn_netns_init(void);
int dmvpn_addr_init(void);
void dmvpn_addr_exit(void);

/* gre_foreign.c */
bool dmvpn_gre_foreign_owns(struct net *net, const struct dmvpn_dev *dd,
			    const struct dmvpn_addr *local,
			    const struct dmvpn_addr *src, bool has_key, u32 key);
int dmvpn_gre_foreign_init(void);
void dmvpn_gre_foreign_exit(void);
void dmvpn_netns_exit(void);
int dmvpn_netns_attach(struct dmvpn_dev *dd);
void dmvpn_netns_detach(struct dmvpn_dev *dd);
struct dmvpn_dev *dmvpn_netns_find(struct net *net,
				   const struct dmvpn_addr *local,
				   bool has_key, u32 key);

/* peer.c */
struct dmvpn_peer *dmvpn_peer_lookup(struct dmvpn_dev *dd,
				     const struct dmvpn_addr *nbma);
struct dmvpn_peer *dmvpn_peer_get_or_create(struct dmvpn_dev *dd,
					    const struct dmvpn_addr *nbma);
void dmvpn_peer_put(struct dmvpn_peer *peer);
void dmvpn_peer_count_rx(struct dmvpn_peer *peer, unsigned int len);
void dmvpn_peer_count_tx(struct dmvpn_peer *peer, unsigned int len);
void dmvpn_peer_read_stats(struct dmvpn_peer *peer, u64 *rx_packets,
			   u64 *rx_bytes, u64 *tx_packets, u64 *tx_bytes);
u32 dmvpn_peer_pmtu(struct dmvpn_peer *peer);
void dmvpn_peer_set_pmtu(struct dmvpn_peer *peer, u32 mtu);
void dmvpn_peer_reset_dst(struct dmvpn_dev *dd);
struct dmvpn_peer *dmvpn_peer_learn(struct dmvpn_dev *dd,
				    const struct dmvpn_addr *nbma);
bool dmvpn_peers_gc(struct dmvpn_dev *dd, bool all);
int dmvpn_peers_init(struct dmvpn_dev *dd);
void dmvpn_peers_destroy(struct dmvpn_dev *dd);

/* cache.c */
int dmvpn_cache_init(struct dmvpn_dev *dd);

/* results.c; under dd->lock */
struct dmvpn_result *dmvpn_result_prepare(struct dmvpn_entry *e, u8 type);
void dmvpn_result_update(struct dmvpn_dev *dd, struct dmvpn_entry *e,
			 struct dmvpn_result *spare);
void dmvpn_result_del(struct dmvpn_dev *dd, struct dmvpn_entry *e);
struct dmvpn_entry *dmvpn_result_next_in(struct dmvpn_dev *dd,
					 struct dmvpn_entry *e,
					 const struct dmvpn_addr *proto, u8 plen);
struct dmvpn_entry *dmvpn_result_next_via(struct dmvpn_dev *dd,
					  struct dmvpn_entry *e,
					  const struct dmvpn_addr *via);
void dmvpn_cache_destroy(struct dmvpn_dev *dd);
int dmvpn_cache_set(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
		    u8 plen, const struct dmvpn_entry_info *info,
		    struct netlink_ext_ack *extack);
struct dmvpn_entry *dmvpn_cache_lookup_exact(struct dmvpn_dev *dd,
					     const struct dmvpn_addr *proto,
					     u8 plen);
int dmvpn_cache_purge(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
		      u8 plen, u32 type_mask, const struct dmvpn_addr *peer_nbma);
void dmvpn_cache_purge_via(struct dmvpn_dev *dd, const struct dmvpn_addr *via,
			   const struct dmvpn_addr *peer_nbma);
bool dmvpn_cache_miss(struct dmvpn_dev *dd, const struct dmvpn_addr *nh);
int dmvpn_cache_add(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
		    u8 plen, const struct dmvpn_addr *nbma, u8 type, u32 flags,
		    u32 holdtime, struct netlink_ext_ack *extack);
int dmvpn_cache_del(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
		    u8 plen, struct netlink_ext_ack *extack);
void dmvpn_cache_flush(struct dmvpn_dev *dd, u8 type);
struct dmvpn_entry *dmvpn_cache_lookup(struct dmvpn_dev *dd,
				       const struct dmvpn_addr *addr);

/* shortcut.c */
void dmvpn_shortcut_init(struct dmvpn_dev *dd);
void dmvpn_shortcut_flush(struct dmvpn_dev *dd);
struct dmvpn_peer *dmvpn_shortcut_lookup(struct dmvpn_dev *dd,
					 const struct dmvpn_addr *daddr);
int dmvpn_shortcut_set(struct dmvpn_dev *dd, const struct dmvpn_addr *prefix,
		       u8 plen, const struct dmvpn_shortcut_info *info);
void dmvpn_shortcut_purge(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
			  u8 plen, const struct dmvpn_addr *peer_nbma);
bool dmvpn_shortcut_gc(struct dmvpn_dev *dd, struct dmvpn_res_due *due,
		       unsigned int *n_due, unsigned int max_due);
bool dmvpn_shortcut_expects(struct dmvpn_dev *dd,
			    const struct dmvpn_addr *target, u32 reqid);
void dmvpn_shortcut_refused(struct dmvpn_dev *dd,
			    const struct dmvpn_addr *target, u32 reqid);
void dmvpn_shortcut_del(struct dmvpn_dev *dd, struct dmvpn_shortcut *sc,
			u8 event);

/* redirect.c: hair-pin detection and traffic indications (hub) */
int dmvpn_redirect_init(struct dmvpn_dev *dd);
void dmvpn_redirect_stop(struct dmvpn_dev *dd);
void dmvpn_redirect_free(struct dmvpn_dev *dd);
void dmvpn_redirect_note(struct dmvpn_dev *dd, struct sk_buff *skb,
			 const struct dmvpn_peer *to);

/* xmit.c */
netdev_tx_t dmvpn_xmit(struct sk_buff *skb, struct net_device *dev);
int dmvpn_xmit_nhrp(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		    struct sk_buff *skb);
int dmvpn_route_saddr(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		      struct dmvpn_addr *saddr);

/* nhrp.c: receive backlog, dispatch, sending (see nhrp.h) */
int dmvpn_nhrp_init(struct dmvpn_dev *dd);
void dmvpn_nhrp_open(struct dmvpn_dev *dd);
void dmvpn_nhrp_stop(struct dmvpn_dev *dd);
void dmvpn_nhrp_destroy(struct dmvpn_dev *dd);
void dmvpn_nhrp_answers_destroy(struct dmvpn_dev *dd);
void dmvpn_nhrp_rcv(struct dmvpn_dev *dd, struct sk_buff *skb,
		    const struct dmvpn_addr *src);
void dmvpn_nhrp_binding_gone(struct dmvpn_dev *dd, const struct dmvpn_entry *e);
/* A resolution the gc work found due: target address and request id. */
struct dmvpn_res_due {
	struct dmvpn_addr	target;
	u32			reqid;
};

void dmvpn_nhrp_resolve_due(struct dmvpn_dev *dd,
			    const struct dmvpn_res_due *due, unsigned int n);

/* recv.c: netfilter hooks of the underlay namespace */
int dmvpn_recv_register(struct net *net);
void dmvpn_recv_unregister(struct net *net);

/* nhrp_client.c: NHS configuration (netlink and link attributes) */
int dmvpn_nhs_add(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		  const struct dmvpn_addr *proto, u8 priority,
		  struct netlink_ext_ack *extack);
int dmvpn_nhs_del(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		  struct netlink_ext_ack *extack);
void dmvpn_nhs_flush(struct dmvpn_dev *dd);

/* netlink.c */
int dmvpn_genl_init(void);
void dmvpn_genl_exit(void);
void dmvpn_notify_entry(struct dmvpn_dev *dd, u8 event,
			const struct dmvpn_entry *e);
void dmvpn_notify_nhs(struct dmvpn_dev *dd, u8 event,
		      const struct dmvpn_nhs *nhs);
void dmvpn_notify_shortcut(struct dmvpn_dev *dd, u8 event,
			   const struct dmvpn_shortcut *sc);
int dmvpn_nla_put_nhs(struct sk_buff *msg, const struct dmvpn_nhs *nhs);
int dmvpn_nla_get_addr(const struct nlattr *a, struct dmvpn_addr *addr,
		       struct netlink_ext_ack *extack);
bool dmvpn_nbma_usable(const struct dmvpn_addr *a);
int dmvpn_parse_nhs(struct dmvpn_dev *dd, const struct nlattr *nest,
		    struct dmvpn_addr *nbma, struct dmvpn_addr *proto,
		    bool *has_proto, u8 *priority, bool need_nbma_only,
		    struct netlink_ext_ack *extack);
extern const struct nla_policy dmvpn_nhs_policy[DMVPN_NHS_A_MAX + 1];

#endif /* _DMVPN_H */
