// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn Phase 3 shortcuts (Cisco "ip nhrp shortcut"): destination prefix
 * -> the egress router that answered for it, consulted by transmit before
 * the route's next hop (Cisco's next-hop override).
 *
 * A shortcut is born from a Traffic Indication: the NHS tells us it relayed
 * one of our packets, we resolve the embedded packet's destination through
 * the NHS, and the egress spoke's authoritative answer (its route's prefix)
 * becomes the shortcut. Shortcuts live in their own LPM table, apart from
 * the next-hop cache, under dd->lock; transmit reads them under RCU.
 *
 * Lifetime: a used shortcut is re-resolved when a third of its holding
 * time is left, an unused one expires. One whose peer has gone quiet while
 * it carries traffic is probed with a resolution; unanswered, it is removed
 * and traffic falls back to the route (via the hub) within
 * DMVPN_SC_QUIET + DMVPN_SC_PROBE_WAIT seconds. Purges, flushes and the
 * removal of the route through the device it overrides remove it too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include "nhrp.h"

#define DMVPN_SC_QUIET		10	/* s: used but nothing heard: probe */
#define DMVPN_SC_PROBE_WAIT	5	/* s: probe unanswered: remove */

static bool dmvpn_addr_v6(const struct dmvpn_addr *a)
{
	return a->family == AF_INET6;
}

void dmvpn_shortcut_init(struct dmvpn_dev *dd)
{
	dmvpn_lpm_init(&dd->shortcuts);
	INIT_LIST_HEAD(&dd->shortcut_list);
}

/*
 * Transmit: the peer of the longest shortcut covering @daddr, or NULL.
 * Caller holds rcu_read_lock(); the peer is valid until it drops it.
 */
struct dmvpn_peer *dmvpn_shortcut_lookup(struct dmvpn_dev *dd,
					 const struct dmvpn_addr *daddr)
{
	struct dmvpn_lpm_entry *le;
	struct dmvpn_shortcut *sc;
	unsigned long now = jiffies;

	le = dmvpn_lpm_lookup(&dd->shortcuts, dmvpn_addr_v6(daddr),
			      dmvpn_addr_wire(daddr));
	if (!le)
		return NULL;
	sc = container_of(le, struct dmvpn_shortcut, lpm);
	if (time_after_eq(now, READ_ONCE(sc->expires)))
		return NULL;
	/* Dirty the line at most once a tick. */
	if (READ_ONCE(sc->used) != now)
		WRITE_ONCE(sc->used, now);
	return rcu_dereference(sc->peer);
}

static void dmvpn_shortcut_free(struct dmvpn_dev *dd, struct dmvpn_shortcut *sc)
{
	struct dmvpn_peer *peer;

	lockdep_assert_held(&dd->lock);
	peer = rcu_dereference_protected(sc->peer, lockdep_is_held(&dd->lock));
	list_del_rcu(&sc->list);
	dd->n_shortcuts--;
	dd->generation++;
	if (peer)
		dmvpn_peer_put(peer);
	/* Transmit may still hold @sc (and its peer) until a grace period. */
	kfree_rcu(sc, rcu);
}

/* Unlink @sc, telling listeners why (@event); dd->lock held. */
void dmvpn_shortcut_del(struct dmvpn_dev *dd, struct dmvpn_shortcut *sc,
			u8 event)
{
	lockdep_assert_held(&dd->lock);
	dmvpn_notify_shortcut(dd, event, sc);
	dmvpn_lpm_remove(&dd->shortcuts, &sc->lpm);
	dmvpn_shortcut_free(dd, sc);
}

/*
 * A shortcut must never capture the way to an NHS: its NBMA address may
 * well be routed through this device's overlay namespace.
 */
static bool dmvpn_shortcut_covers_nhs(struct dmvpn_dev *dd,
				      const struct dmvpn_addr *prefix, u8 plen)
{
	struct dmvpn_addr a;
	struct dmvpn_nhs *nhs;
	bool covers = false;

	rcu_read_lock();
	list_for_each_entry_rcu(nhs, &dd->nhs_list, list) {
		if (nhs->nbma.family != prefix->family)
			continue;
		a = nhs->nbma;
		dmvpn_addr_mask(&a, plen);
		if (dmvpn_addr_equal(&a, prefix)) {
			covers = true;
			break;
		}
	}
	rcu_read_unlock();
	return covers;
}

static void dmvpn_shortcut_fill(struct dmvpn_shortcut *sc,
				const struct dmvpn_shortcut_info *info)
{
	unsigned long now = jiffies;
	u32 hold = min_t(u32, info->holdtime, U16_MAX);

	sc->via = *info->via;
	memset(&sc->claimed, 0, sizeof(sc->claimed));
	if (info->claimed)
		sc->claimed = *info->claimed;
	sc->target = *info->target;
	sc->holdtime = hold;
	sc->mtu = info->mtu;
	WRITE_ONCE(sc->reqid, 0);
	sc->probing = 0;
	sc->confirmed = now;
	WRITE_ONCE(sc->used, 0);
	WRITE_ONCE(sc->expires, now + hold * HZ);
}

/*
 * Install or refresh the shortcut for @prefix/@plen (masked here). Returns
 * 0, -ENOSPC (table full), -EPERM (covers an NHS) or -ENOMEM.
 */
int dmvpn_shortcut_set(struct dmvpn_dev *dd, const struct dmvpn_addr *prefix,
		       u8 plen, const struct dmvpn_shortcut_info *info)
{
	struct dmvpn_addr net = *prefix;
	struct dmvpn_lpm_entry *le;
	struct dmvpn_shortcut *sc;
	struct dmvpn_peer *peer, *old;
	int err;

	dmvpn_addr_mask(&net, plen);
	if (dmvpn_shortcut_covers_nhs(dd, &net, plen)) {
		dmvpn_count(dd, DMVPN_CNT_SHORTCUT_REFUSED);
		return -EPERM;
	}

	spin_lock_bh(&dd->lock);
	peer = dmvpn_peer_get_or_create(dd, info->nbma);
	if (IS_ERR(peer)) {
		err = PTR_ERR(peer);
		goto out;
	}
	le = dmvpn_lpm_find_exact(&dd->shortcuts, dmvpn_addr_v6(&net),
				  dmvpn_addr_wire(&net), plen);
	if (le) {
		/* Refresh in place: transmit sees the old or the new peer. */
		sc = container_of(le, struct dmvpn_shortcut, lpm);
		old = rcu_replace_pointer(sc->peer, peer,
					  lockdep_is_held(&dd->lock));
		dmvpn_shortcut_fill(sc, info);
		dd->generation++;
		if (old)
			dmvpn_peer_put(old);
		if (old != peer)
			dmvpn_notify_shortcut(dd, DMVPN_EVENT_SHORTCUT_NEW, sc);
		err = 0;
		goto out;
	}
	if (dd->n_shortcuts >= dmvpn_cfg(dd)->max_entries) {
		dmvpn_count(dd, DMVPN_CNT_SHORTCUT_FULL);
		err = -ENOSPC;
		goto err_peer;
	}
	sc = kzalloc(sizeof(*sc), GFP_ATOMIC);
	if (!sc) {
		err = -ENOMEM;
		goto err_peer;
	}
	sc->prefix = net;
	sc->plen = plen;
	sc->created = jiffies;
	RCU_INIT_POINTER(sc->peer, peer);
	dmvpn_shortcut_fill(sc, info);
	/* Fully built before the LPM publishes it to transmit. */
	err = dmvpn_lpm_insert(&dd->shortcuts, &sc->lpm, dmvpn_addr_v6(&net),
			       dmvpn_addr_wire(&net), plen);
	if (err) {
		kfree(sc);
		goto err_peer;
	}
	list_add_tail_rcu(&sc->list, &dd->shortcut_list);
	dd->n_shortcuts++;
	dd->generation++;
	dmvpn_notify_shortcut(dd, DMVPN_EVENT_SHORTCUT_NEW, sc);
	queue_delayed_work(system_power_efficient_wq, &dd->gc_work, HZ);
	spin_unlock_bh(&dd->lock);
	return 0;

err_peer:
	dmvpn_peer_put(peer);
out:
	spin_unlock_bh(&dd->lock);
	return err;
}

/*
 * A purge for @proto/@plen: the shortcuts inside it go, and so do those
 * whose egress router is @proto (a host address withdrawing itself).
 */
void dmvpn_shortcut_purge(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
			  u8 plen, const struct dmvpn_addr *peer_nbma)
{
	struct dmvpn_shortcut *sc, *tmp;
	struct dmvpn_addr masked;

	/* A station we hold no peer for gave no shortcut: one lookup. */
	if (peer_nbma) {
		bool known;

		rcu_read_lock();
		known = dmvpn_peer_lookup(dd, peer_nbma);
		rcu_read_unlock();
		if (!known)
			return;
	}
	spin_lock_bh(&dd->lock);
	list_for_each_entry_safe(sc, tmp, &dd->shortcut_list, list) {
		struct dmvpn_peer *peer;
		bool inside = false;

		peer = rcu_dereference_protected(sc->peer,
						 lockdep_is_held(&dd->lock));
		if (peer_nbma && (!peer || !dmvpn_addr_equal(&peer->nbma, peer_nbma)))
			continue;
		if (sc->prefix.family == proto->family && sc->plen >= plen) {
			masked = sc->prefix;
			dmvpn_addr_mask(&masked, plen);
			inside = dmvpn_addr_equal(&masked, proto);
		}
		if (inside || (plen == dmvpn_addr_bits(proto) &&
			       dmvpn_addr_equal(&sc->via, proto)))
			dmvpn_shortcut_del(dd, sc, DMVPN_EVENT_SHORTCUT_PURGED);
	}
	spin_unlock_bh(&dd->lock);
}

/* Every shortcut goes (dmvpnctl flush, device teardown). */
void dmvpn_shortcut_flush(struct dmvpn_dev *dd)
{
	struct dmvpn_shortcut *sc, *tmp;

	spin_lock_bh(&dd->lock);
	list_for_each_entry_safe(sc, tmp, &dd->shortcut_list, list)
		dmvpn_shortcut_del(dd, sc, DMVPN_EVENT_SHORTCUT_PURGED);
	spin_unlock_bh(&dd->lock);
}

/* Is a refresh or probe of ours for @target waiting for @reqid? */
bool dmvpn_shortcut_expects(struct dmvpn_dev *dd,
			    const struct dmvpn_addr *target, u32 reqid)
{
	struct dmvpn_lpm_entry *le;
	struct dmvpn_shortcut *sc;
	bool match = false;

	rcu_read_lock();
	le = dmvpn_lpm_lookup(&dd->shortcuts, dmvpn_addr_v6(target),
			      dmvpn_addr_wire(target));
	if (le) {
		sc = container_of(le, struct dmvpn_shortcut, lpm);
		match = reqid && READ_ONCE(sc->reqid) == reqid;
	}
	rcu_read_unlock();
	return match;
}

/* The egress router no longer answers for @target: the shortcut goes. */
void dmvpn_shortcut_refused(struct dmvpn_dev *dd,
			    const struct dmvpn_addr *target, u32 reqid)
{
	struct dmvpn_lpm_entry *le;
	struct dmvpn_shortcut *sc;

	spin_lock_bh(&dd->lock);
	le = dmvpn_lpm_lookup(&dd->shortcuts, dmvpn_addr_v6(target),
			      dmvpn_addr_wire(target));
	if (le) {
		sc = container_of(le, struct dmvpn_shortcut, lpm);
		if (sc->reqid == reqid)
			dmvpn_shortcut_del(dd, sc, DMVPN_EVENT_SHORTCUT_PURGED);
	}
	spin_unlock_bh(&dd->lock);
}

/* The route this shortcut overrides: still out of this device? */
static bool dmvpn_shortcut_route_ok(struct dmvpn_dev *dd,
				    const struct dmvpn_shortcut *sc)
{
	struct dmvpn_route_info ri;

	dmvpn_nhrp_route(dd, &sc->target, &ri);
	return ri.via_us;
}

/*
 * Cache gc, dd->lock held: expire, purge and refresh shortcuts. Refreshes
 * and probes due are appended to @due. True while shortcuts remain.
 */
bool dmvpn_shortcut_gc(struct dmvpn_dev *dd, struct dmvpn_res_due *due,
		       unsigned int *n_due, unsigned int max_due)
{
	struct dmvpn_shortcut *sc, *tmp;
	unsigned long now = jiffies;

	lockdep_assert_held(&dd->lock);
	list_for_each_entry_safe(sc, tmp, &dd->shortcut_list, list) {
		unsigned long used = READ_ONCE(sc->used);
		unsigned long heard = sc->confirmed;
		struct dmvpn_peer *peer;
		bool want = false;

		if (time_after_eq(now, sc->expires)) {
			dmvpn_shortcut_del(dd, sc, DMVPN_EVENT_SHORTCUT_EXPIRED);
			continue;
		}
		if (!dmvpn_shortcut_route_ok(dd, sc)) {
			dmvpn_shortcut_del(dd, sc, DMVPN_EVENT_SHORTCUT_PURGED);
			continue;
		}
		if (sc->probing) {
			if (time_after_eq(now, sc->probe_sent +
					  DMVPN_SC_PROBE_WAIT * HZ))
				dmvpn_shortcut_del(dd, sc,
						   DMVPN_EVENT_SHORTCUT_EXPIRED);
			continue;
		}
		if (!used)
			continue;
		peer = rcu_dereference_protected(sc->peer,
						 lockdep_is_held(&dd->lock));
		if (peer && time_after(READ_ONCE(peer->last_rx), heard))
			heard = READ_ONCE(peer->last_rx);
		/* Used, with a third of the holding time left: refresh. */
		if (time_after_eq(now, sc->expires - sc->holdtime * HZ / 3))
			want = true;
		/* Used, yet nothing heard from the peer: is it still there? */
		if (time_after_eq(now, heard + DMVPN_SC_QUIET * HZ) &&
		    time_after_eq(used, heard))
			want = true;
		if (!want || *n_due >= max_due)
			continue;
		WRITE_ONCE(sc->reqid, dmvpn_nhrp_reqid());
		sc->probing = 1;
		sc->probe_sent = now;
		due[*n_due].target = sc->target;
		due[(*n_due)++].reqid = sc->reqid;
	}
	return !list_empty(&dd->shortcut_list);
}

/* May this station tell us to shortcut? Our NHS, or a spoke of ours. */
static bool dmvpn_ti_trusted(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_dev *dd = rx->dd;
	struct dmvpn_peer *peer;
	struct dmvpn_entry *e;
	bool ok = false;

	if (dmvpn_nhs_is_from(dd, &rx->observed))
		return true;
	rcu_read_lock();
	e = dmvpn_cache_lookup_exact(dd, &rx->src_proto,
				     dmvpn_addr_bits(&rx->src_proto));
	peer = e ? rcu_dereference(e->peer) : NULL;
	if (peer && READ_ONCE(e->type) == DMVPN_ENTRY_DYNAMIC &&
	    !dmvpn_entry_expired(e) && dmvpn_addr_equal(&peer->nbma, &rx->observed))
		ok = true;
	rcu_read_unlock();
	return ok;
}

static bool dmvpn_ti_target_ok(struct dmvpn_dev *dd,
			       const struct dmvpn_addr *t)
{
	struct dmvpn_route_info ri;

	if (dmvpn_addr_is_v4(t)) {
		if (ipv4_is_multicast(t->in4) || ipv4_is_lbcast(t->in4) ||
		    ipv4_is_zeronet(t->in4) || ipv4_is_loopback(t->in4))
			return false;
	} else if (ipv6_addr_is_multicast(&t->in6) ||
		   ipv6_addr_any(&t->in6) || ipv6_addr_loopback(&t->in6)) {
		return false;
	}
	/* Only what we send into this device can be shortcut. */
	dmvpn_nhrp_route(dd, t, &ri);
	return ri.via_us && !ri.local;
}

/* Already covered, or already being resolved? */
static bool dmvpn_ti_pending(struct dmvpn_dev *dd, const struct dmvpn_addr *t)
{
	struct dmvpn_entry *e;
	bool busy;

	rcu_read_lock();
	busy = dmvpn_lpm_lookup(&dd->shortcuts, dmvpn_addr_v6(t),
				dmvpn_addr_wire(t));
	if (!busy) {
		e = dmvpn_cache_lookup_exact(dd, t, dmvpn_addr_bits(t));
		busy = e && READ_ONCE(e->type) == DMVPN_ENTRY_INCOMPLETE;
	}
	rcu_read_unlock();
	return busy;
}

/*
 * A Traffic Indication (Cisco redirect): our NHS relayed a packet of ours
 * that another spoke could take directly. Resolve the embedded packet's
 * destination; the answer installs the shortcut (dmvpn_nhrp_res_reply()).
 */
void dmvpn_nhrp_traffic_ind(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_dev *dd = rx->dd;
	struct dmvpn_entry_info info = {
		.type = DMVPN_ENTRY_INCOMPLETE,
		.holdtime = DMVPN_RES_LIFETIME,
		.no_downgrade = true,
		.for_shortcut = true,
	};
	struct dmvpn_addr target;
	const u8 *addr;
	int len;

	if (!(dmvpn_cfg(dd)->flags & DMVPN_F_SHORTCUT)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_UNSUPPORTED);
		return;
	}
	if (!dmvpn_ti_trusted(rx)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_TI_REFUSED);
		net_dbg_ratelimited("%s: traffic indication from a stranger\n",
				    dd->dev->name);
		return;
	}
	len = nhrp_ti_target(rx->m, &addr);
	if (len != 4 && len != 16) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_TI_BAD);
		return;
	}
	dmvpn_addr_from_wire(&target, addr, len);
	if (!dmvpn_ti_target_ok(dd, &target)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_TI_BAD);
		return;
	}
	dmvpn_count(dd, DMVPN_CNT_NHRP_TI_RX);
	if (dmvpn_ti_pending(dd, &target))
		return;
	if (READ_ONCE(dd->n_pending) >= DMVPN_MAX_PENDING) {
		dmvpn_count(dd, DMVPN_CNT_RES_PENDING_FULL);
		return;
	}
	info.reqid = dmvpn_nhrp_reqid();
	/* The gc work sends it now, and retries, like any resolution. */
	dmvpn_cache_set(dd, &target, dmvpn_addr_bits(&target), &info, NULL);
}
