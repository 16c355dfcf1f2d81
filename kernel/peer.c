// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn NBMA peers: one per underlay address the device talks to.
 *
 * A peer carries what belongs to the underlay path rather than to an overlay
 * address: the cached outer route (with its XFRM bundle), the path MTU learnt
 * from the underlay, and per-peer counters. Cache entries hold references;
 * the table itself holds none, so a peer disappears with its last entry.
 * All table changes happen under dd->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/jiffies.h>
#include "dmvpn.h"

/* How long an underlay PMTU report is believed (same as ip_rt_mtu_expires). */
#define DMVPN_PMTU_EXPIRES	(10 * 60 * HZ)
/* Senders without an entry: how many are tracked, and for how long idle. */
#define DMVPN_MAX_LEARNED	1024
#define DMVPN_LEARNED_IDLE	(60 * HZ)

static const struct rhashtable_params dmvpn_peer_params = {
	.key_len	= sizeof(struct dmvpn_addr),
	.key_offset	= offsetof(struct dmvpn_peer, nbma),
	.head_offset	= offsetof(struct dmvpn_peer, node),
	.automatic_shrinking = true,
};

/* Caller holds rcu_read_lock(); no reference is taken. */
struct dmvpn_peer *dmvpn_peer_lookup(struct dmvpn_dev *dd,
				     const struct dmvpn_addr *nbma)
{
	return rhashtable_lookup(&dd->peers, nbma, dmvpn_peer_params);
}

static void dmvpn_peer_free_rcu(struct rcu_head *rcu)
{
	struct dmvpn_peer *peer = container_of(rcu, struct dmvpn_peer, rcu);

	dst_cache_destroy(&peer->dst_cache);
	free_percpu(peer->stats);
	pr_debug("peer %p freed\n", peer);
	kfree(peer);
}

/*
 * Every peer costs per-CPU counters, so the table has a bound of its own:
 * one peer for each entry the cache may hold, the learned senders and the
 * NHSes. Entries and shortcuts mostly share their peers; a table that
 * fills anyway refuses the newcomer and counts it.
 */
static unsigned int dmvpn_peers_max(struct dmvpn_dev *dd)
{
	return dmvpn_cfg(dd)->max_entries + DMVPN_MAX_LEARNED + DMVPN_MAX_NHS;
}

/*
 * Returns a new reference; ERR_PTR(-ENOSPC) when the table is full,
 * -ENOMEM when memory is.
 */
struct dmvpn_peer *dmvpn_peer_get_or_create(struct dmvpn_dev *dd,
					    const struct dmvpn_addr *nbma)
{
	struct dmvpn_peer *peer;
	int cpu;

	lockdep_assert_held(&dd->lock);

	peer = rhashtable_lookup_fast(&dd->peers, nbma, dmvpn_peer_params);
	if (peer) {
		refcount_inc(&peer->refcnt);
		return peer;
	}
	if (dd->n_peers >= dmvpn_peers_max(dd)) {
		dmvpn_count(dd, DMVPN_CNT_PEERS_FULL);
		return ERR_PTR(-ENOSPC);
	}

	peer = kzalloc(sizeof(*peer), GFP_ATOMIC);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	peer->stats = alloc_percpu_gfp(struct dmvpn_peer_stats, GFP_ATOMIC);
	if (!peer->stats)
		goto err_free;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(peer->stats, cpu)->syncp);
	if (dst_cache_init(&peer->dst_cache, GFP_ATOMIC))
		goto err_stats;
	peer->nbma = *nbma;
	peer->dd = dd;
	INIT_LIST_HEAD(&peer->mcast);
	INIT_LIST_HEAD(&peer->learned_node);
	INIT_LIST_HEAD(&peer->entry_list);
	peer->created = jiffies;
	refcount_set(&peer->refcnt, 1);
	if (rhashtable_insert_fast(&dd->peers, &peer->node, dmvpn_peer_params))
		goto err_dst;
	list_add_tail_rcu(&peer->list, &dd->peer_list);
	dd->n_peers++;
	pr_debug("peer %p created\n", peer);
	return peer;

err_dst:
	dst_cache_destroy(&peer->dst_cache);
err_stats:
	free_percpu(peer->stats);
err_free:
	kfree(peer);
	return ERR_PTR(-ENOMEM);
}

void dmvpn_peer_put(struct dmvpn_peer *peer)
{
	struct dmvpn_dev *dd = peer->dd;

	lockdep_assert_held(&dd->lock);
	if (!refcount_dec_and_test(&peer->refcnt))
		return;
	/*
	 * No entry points here any more and lookups only happen under
	 * dd->lock (writers) or RCU (data path, which takes no reference),
	 * so once unlinked nobody can find the peer; RCU readers that already
	 * have it are covered by the grace period before the free.
	 */
	rhashtable_remove_fast(&dd->peers, &peer->node, dmvpn_peer_params);
	list_del_rcu(&peer->list);
	dd->n_peers--;
	call_rcu(&peer->rcu, dmvpn_peer_free_rcu);
}

static void dmvpn_peer_count(struct dmvpn_peer *peer, bool tx, unsigned int len)
{
	struct dmvpn_peer_stats *st = get_cpu_ptr(peer->stats);
	unsigned long flags;

	/* As dmvpn_count(): NHRP is sent from process context too. */
	flags = u64_stats_update_begin_irqsave(&st->syncp);
	if (tx) {
		u64_stats_inc(&st->tx_packets);
		u64_stats_add(&st->tx_bytes, len);
	} else {
		u64_stats_inc(&st->rx_packets);
		u64_stats_add(&st->rx_bytes, len);
	}
	u64_stats_update_end_irqrestore(&st->syncp, flags);
	put_cpu_ptr(peer->stats);
}

void dmvpn_peer_count_rx(struct dmvpn_peer *peer, unsigned int len)
{
	dmvpn_peer_count(peer, false, len);
	WRITE_ONCE(peer->last_rx, jiffies);
}

/*
 * GRE from an NBMA address with no entry is accepted (a hub learns its
 * spokes later), and its sender is kept as a peer without entries so that
 * its traffic is counted per source. At most DMVPN_MAX_LEARNED such peers;
 * each is forgotten after DMVPN_LEARNED_IDLE without traffic, or handed
 * over to the entries once one points to it. Receive path: the returned
 * peer is valid under RCU only; NULL when the table is full (counted in
 * peers-full: the packet is still taken, only not counted per source).
 * The _bh lock keeps this safe when receive runs in process context too.
 */
struct dmvpn_peer *dmvpn_peer_learn(struct dmvpn_dev *dd,
				    const struct dmvpn_addr *nbma)
{
	struct dmvpn_peer *peer;

	spin_lock_bh(&dd->lock);
	peer = rhashtable_lookup_fast(&dd->peers, nbma, dmvpn_peer_params);
	if (!peer && dd->n_learned >= DMVPN_MAX_LEARNED) {
		dmvpn_count(dd, DMVPN_CNT_PEERS_FULL);
		spin_unlock_bh(&dd->lock);
		return NULL;
	}
	peer = dmvpn_peer_get_or_create(dd, nbma);
	if (IS_ERR(peer)) {
		peer = NULL;
	} else if (!peer->learned) {
		/* The reference just taken is the "learned" one. */
		peer->learned = true;
		peer->last_rx = jiffies;
		list_add_tail(&peer->learned_node, &dd->learned_list);
		dd->n_learned++;
		queue_delayed_work(system_power_efficient_wq, &dd->gc_work, HZ);
	} else {
		dmvpn_peer_put(peer);
	}
	spin_unlock_bh(&dd->lock);
	return peer;
}

/*
 * Drop the learned reference of peers that went idle or gained an entry
 * (all of them when @all). Caller holds dd->lock. True while some remain.
 */
bool dmvpn_peers_gc(struct dmvpn_dev *dd, bool all)
{
	struct dmvpn_peer *peer, *tmp;

	lockdep_assert_held(&dd->lock);
	/* Their own list: a hub with 100k registered peers walks only these. */
	list_for_each_entry_safe(peer, tmp, &dd->learned_list, learned_node) {
		if (!all && !atomic_read(&peer->entries) &&
		    time_before(jiffies, READ_ONCE(peer->last_rx) + DMVPN_LEARNED_IDLE))
			continue;
		peer->learned = false;
		list_del_init(&peer->learned_node);
		dd->n_learned--;
		dmvpn_peer_put(peer);
	}
	return dd->n_learned;
}

void dmvpn_peer_count_tx(struct dmvpn_peer *peer, unsigned int len)
{
	dmvpn_peer_count(peer, true, len);
}

void dmvpn_peer_read_stats(struct dmvpn_peer *peer, u64 *rx_packets,
			   u64 *rx_bytes, u64 *tx_packets, u64 *tx_bytes)
{
	int cpu;

	*rx_packets = *rx_bytes = *tx_packets = *tx_bytes = 0;
	for_each_possible_cpu(cpu) {
		const struct dmvpn_peer_stats *st = per_cpu_ptr(peer->stats, cpu);
		u64 rp, rb, tp, tb;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			rp = u64_stats_read(&st->rx_packets);
			rb = u64_stats_read(&st->rx_bytes);
			tp = u64_stats_read(&st->tx_packets);
			tb = u64_stats_read(&st->tx_bytes);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		*rx_packets += rp;
		*rx_bytes += rb;
		*tx_packets += tp;
		*tx_bytes += tb;
	}
}

/* Path MTU toward the peer reported by the underlay, 0 when none is known. */
u32 dmvpn_peer_pmtu(struct dmvpn_peer *peer)
{
	u32 mtu = READ_ONCE(peer->pmtu);

	if (mtu && time_after(jiffies, READ_ONCE(peer->pmtu_expires)))
		return 0;
	return mtu;
}

void dmvpn_peer_set_pmtu(struct dmvpn_peer *peer, u32 mtu)
{
	WRITE_ONCE(peer->pmtu_expires, jiffies + DMVPN_PMTU_EXPIRES);
	WRITE_ONCE(peer->pmtu, mtu);
}

/* Underlay configuration changed: forget every cached outer route. */
void dmvpn_peer_reset_dst(struct dmvpn_dev *dd)
{
	struct dmvpn_peer *peer;

	rcu_read_lock();
	list_for_each_entry_rcu(peer, &dd->peer_list, list)
		dst_cache_reset(&peer->dst_cache);
	rcu_read_unlock();
}

int dmvpn_peers_init(struct dmvpn_dev *dd)
{
	INIT_LIST_HEAD(&dd->peer_list);
	INIT_LIST_HEAD(&dd->learned_list);
	return rhashtable_init(&dd->peers, &dmvpn_peer_params);
}

/* The cache has been flushed, so every peer is gone already. */
void dmvpn_peers_destroy(struct dmvpn_dev *dd)
{
	WARN_ON(dd->n_peers);
	rhashtable_destroy(&dd->peers);
}
