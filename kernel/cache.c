// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn NHRP cache: protocol (overlay) address and prefix -> NBMA peer.
 *
 * Entries live in a resizable RCU hash keyed by (masked address, prefix
 * length); entries shorter than a host are also in an LPM trie. The data
 * path first tries the exact host entry, then, only when prefix entries
 * exist, the longest prefix: one probe when, as usual, there are none.
 * Writers serialise on dd->lock; every change bumps dd->generation so
 * dumps can detect it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/jiffies.h>
#include <linux/workqueue.h>
#include "dmvpn.h"

#define DMVPN_GC_INTERVAL	HZ
#define DMVPN_RES_BATCH		16	/* resolutions sent per gc run */
#define DMVPN_GC_BATCH		4096	/* entries looked at per gc run */

static const struct rhashtable_params dmvpn_cache_params = {
	.key_len	= sizeof(struct dmvpn_entry_key),
	.key_offset	= offsetof(struct dmvpn_entry, key),
	.head_offset	= offsetof(struct dmvpn_entry, node),
	.automatic_shrinking = true,
};

void dmvpn_addr_mask(struct dmvpn_addr *a, unsigned int plen)
{
	struct in6_addr full;

	if (a->family == AF_INET) {
		a->in4 &= plen ? htonl(~0U << (32 - plen)) : 0;
		return;
	}
	full = a->in6;
	/* ipv6_addr_prefix() clears its destination first: mask a copy. */
	ipv6_addr_prefix(&a->in6, &full, plen);
}

static void dmvpn_entry_key_init(struct dmvpn_entry_key *key,
				 const struct dmvpn_addr *addr,
				 unsigned int plen)
{
	memset(key, 0, sizeof(*key));
	key->addr = *addr;
	key->plen = plen;
	dmvpn_addr_mask(&key->addr, plen);
}

static bool dmvpn_entry_is_prefix(const struct dmvpn_entry_key *k)
{
	return k->plen < dmvpn_addr_bits(&k->addr);
}

/*
 * The entry for @addr: its host entry (one hash probe), else the longest
 * prefix entry holding it (the LPM, searched only when prefixes exist).
 * Caller holds rcu_read_lock(); the entry is valid until rcu_read_unlock().
 * An expired entry is no answer; the gc work removes it within a second.
 */
struct dmvpn_entry *dmvpn_cache_lookup(struct dmvpn_dev *dd,
				       const struct dmvpn_addr *addr)
{
	struct dmvpn_lpm_entry *le;
	struct dmvpn_entry_key key;
	struct dmvpn_entry *e;

	dmvpn_entry_key_init(&key, addr, dmvpn_addr_bits(addr));
	e = rhashtable_lookup(&dd->cache, &key, dmvpn_cache_params);
	if (e && !dmvpn_entry_expired(e))
		return e;
	if (dmvpn_lpm_empty(&dd->prefixes))
		return NULL;
	le = dmvpn_lpm_lookup(&dd->prefixes, addr->family == AF_INET6,
			      dmvpn_addr_is_v4(addr) ? (const u8 *)&addr->in4 :
			      addr->in6.s6_addr);
	if (!le)
		return NULL;
	e = container_of(le, struct dmvpn_entry, lpm);
	return dmvpn_entry_expired(e) ? NULL : e;
}

/*
 * Multicast goes once to every peer that some multicast-flagged entry
 * points to: a spoke registering IPv4 and IPv6, or many addresses from
 * one NBMA, still gets one copy. dd->mcast_list holds those peers.
 */
static void dmvpn_peer_mcast(struct dmvpn_dev *dd, struct dmvpn_peer *peer,
			     bool on)
{
	lockdep_assert_held(&dd->lock);
	if (!peer)
		return;
	if (on) {
		if (!peer->n_mcast++)
			list_add_tail_rcu(&peer->mcast, &dd->mcast_list);
	} else if (!--peer->n_mcast) {
		list_del_rcu(&peer->mcast);
	}
}

static void dmvpn_entry_set_mcast(struct dmvpn_dev *dd, struct dmvpn_entry *e,
				  bool on)
{
	bool was = e->flags & DMVPN_ENTRY_F_MULTICAST;
	struct dmvpn_peer *peer;

	peer = rcu_dereference_protected(e->peer, lockdep_is_held(&dd->lock));
	if (on != was)
		dmvpn_peer_mcast(dd, peer, on);
}

/*
 * When the gc must next look at @e, not before @floor: its expiry; an
 * earlier retry of a resolution in flight; for a resolved entry, the start
 * of its last third, and from then on every run, because transmit marks
 * it used without the lock and a used one is refreshed.
 */
static unsigned long dmvpn_entry_due(const struct dmvpn_entry *e,
				     unsigned long floor)
{
	unsigned long due = e->expires;

	if (e->type == DMVPN_ENTRY_INCOMPLETE || e->tries) {
		if (time_before(e->next_try, due))
			due = e->next_try;
	} else if (e->type == DMVPN_ENTRY_RESOLVED && e->holdtime) {
		due = e->expires - e->holdtime * HZ / 3;
	}
	return time_after(due, floor) ? due : floor;
}

static bool dmvpn_due_before(struct rb_node *a, const struct rb_node *b)
{
	return time_before(rb_entry(a, struct dmvpn_entry, tnode)->due,
			   rb_entry(b, struct dmvpn_entry, tnode)->due);
}

static void dmvpn_timeline_del(struct dmvpn_dev *dd, struct dmvpn_entry *e)
{
	if (RB_EMPTY_NODE(&e->tnode))
		return;
	rb_erase_cached(&e->tnode, &dd->timeline);
	RB_CLEAR_NODE(&e->tnode);
}

/*
 * After any change of @e's type or timers; the caller holds dd->lock. The
 * gc passes its run's time + 1, so what it looked at waits for the next
 * run; a change elsewhere may make @e due at once (a new resolution).
 */
static void dmvpn_timeline_set(struct dmvpn_dev *dd, struct dmvpn_entry *e,
			       unsigned long floor)
{
	dmvpn_timeline_del(dd, e);
	if (!e->expires)
		return;
	e->due = dmvpn_entry_due(e, floor);
	rb_add_cached(&e->tnode, &dd->timeline, dmvpn_due_before);
}

/* Unlink and free one entry; the caller holds dd->lock. */
static void dmvpn_entry_remove(struct dmvpn_dev *dd, struct dmvpn_entry *e)
{
	struct dmvpn_peer *peer;

	lockdep_assert_held(&dd->lock);
	dmvpn_timeline_del(dd, e);
	dmvpn_result_del(dd, e);
	rhashtable_remove_fast(&dd->cache, &e->node, dmvpn_cache_params);
	list_del_rcu(&e->list);
	dmvpn_entry_set_mcast(dd, e, false);
	if (dmvpn_entry_is_prefix(&e->key))
		dmvpn_lpm_remove(&dd->prefixes, &e->lpm);
	dd->n_entries--;
	if (e->type == DMVPN_ENTRY_INCOMPLETE)
		dd->n_pending--;
	dd->generation++;
	peer = rcu_dereference_protected(e->peer, lockdep_is_held(&dd->lock));
	if (peer) {
		list_del(&e->peer_node);
		atomic_dec(&peer->entries);
		dmvpn_peer_put(peer);
	}
	/* Readers that found @e before the unlink finish within a grace period. */
	kfree_rcu(e, rcu);
}

static void dmvpn_entry_set_peer(struct dmvpn_entry *e, struct dmvpn_peer *peer)
{
	struct dmvpn_dev *dd = peer->dd;
	struct dmvpn_peer *old;

	old = rcu_replace_pointer(e->peer, peer, lockdep_is_held(&dd->lock));
	if (old)
		list_del(&e->peer_node);
	list_add_tail(&e->peer_node, &peer->entry_list);
	atomic_inc(&peer->entries);
	if (e->flags & DMVPN_ENTRY_F_MULTICAST) {
		dmvpn_peer_mcast(dd, peer, true);
		dmvpn_peer_mcast(dd, old, false);
	}
	if (old) {
		atomic_dec(&old->entries);
		dmvpn_peer_put(old);
	}
}

/*
 * An entry without an answer (negative, incomplete) sends nothing
 * directly: a refused refresh must not leave traffic going to the NBMA
 * address that was refused.
 */
static void dmvpn_entry_clear_peer(struct dmvpn_dev *dd, struct dmvpn_entry *e)
{
	struct dmvpn_peer *old;

	old = rcu_replace_pointer(e->peer, NULL, lockdep_is_held(&dd->lock));
	if (!old)
		return;
	list_del(&e->peer_node);
	if (e->flags & DMVPN_ENTRY_F_MULTICAST) {
		dmvpn_peer_mcast(dd, old, false);
		WRITE_ONCE(e->flags, e->flags & ~DMVPN_ENTRY_F_MULTICAST);
	}
	atomic_dec(&old->entries);
	dmvpn_peer_put(old);
}

/* Rank of an entry type: a learned binding never replaces a better one. */
static int dmvpn_entry_rank(u8 type)
{
	switch (type) {
	case DMVPN_ENTRY_LOCAL:		return 6;
	case DMVPN_ENTRY_STATIC:	return 5;
	case DMVPN_ENTRY_DYNAMIC:	return 4;
	case DMVPN_ENTRY_RESOLVED:	return 3;
	case DMVPN_ENTRY_NEGATIVE:	return 2;
	default:			return 1;	/* incomplete */
	}
}

static void dmvpn_entry_fill(struct dmvpn_entry *e,
			     const struct dmvpn_entry_info *info)
{
	memset(&e->claimed, 0, sizeof(e->claimed));
	memset(&e->via, 0, sizeof(e->via));
	if (info->claimed)
		e->claimed = *info->claimed;
	if (info->via)
		e->via = *info->via;
	e->mtu = info->mtu;
	e->holdtime = min_t(u32, info->holdtime, U16_MAX);
	/* A request of ours may still be answered: keep its id. */
	e->reqid = info->reqid ?: e->reqid;
	e->for_shortcut = info->for_shortcut;
	e->tries = 0;
	e->next_try = jiffies;
	WRITE_ONCE(e->used, 0);		/* "used since the last answer" */
	WRITE_ONCE(e->type, info->type);
	WRITE_ONCE(e->flags, info->flags);
	WRITE_ONCE(e->expires, info->holdtime ?
		   jiffies + info->holdtime * HZ : 0);
}

static void dmvpn_entry_set_pending(struct dmvpn_dev *dd, struct dmvpn_entry *e,
				    u8 new_type)
{
	bool was = e->type == DMVPN_ENTRY_INCOMPLETE;
	bool now = new_type == DMVPN_ENTRY_INCOMPLETE;

	if (was != now)
		dd->n_pending += now ? 1 : -1;
}

/*
 * Add or replace the entry for @proto/@plen as @info describes. With
 * info->no_downgrade an existing entry of a better type is kept (-EEXIST).
 * Atomic context is fine (receive, transmit).
 */
int dmvpn_cache_set(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
		    u8 plen, const struct dmvpn_entry_info *info,
		    struct netlink_ext_ack *extack)
{
	struct dmvpn_result *result = NULL;
	struct dmvpn_peer *peer = NULL;
	struct dmvpn_entry_key key;
	struct dmvpn_entry *e;
	bool fresh = false;
	int err;

	dmvpn_entry_key_init(&key, proto, plen);

	spin_lock_bh(&dd->lock);
	e = rhashtable_lookup_fast(&dd->cache, &key, dmvpn_cache_params);
	if (e && info->no_downgrade &&
	    dmvpn_entry_rank(e->type) > dmvpn_entry_rank(info->type)) {
		err = -EEXIST;
		goto out;
	}
	/* Before the peer: nothing is made only to be thrown away. */
	if (!e && dd->n_entries >= dmvpn_cfg(dd)->max_entries) {
		dmvpn_count(dd, DMVPN_CNT_CACHE_FULL);
		NL_SET_ERR_MSG(extack, "NHRP cache is full (see max-entries)");
		err = -ENOSPC;
		goto out;
	}
	result = dmvpn_result_prepare(e, info->type);
	if (IS_ERR(result)) {
		NL_SET_ERR_MSG(extack, "Out of memory for the resolution's index");
		err = PTR_ERR(result);
		goto out;
	}
	if (info->nbma) {
		peer = dmvpn_peer_get_or_create(dd, info->nbma);
		if (IS_ERR(peer)) {
			err = PTR_ERR(peer);
			if (err == -ENOSPC)
				NL_SET_ERR_MSG(extack, "Too many NBMA peers (see max-entries)");
			else
				NL_SET_ERR_MSG(extack, "Out of memory for the NBMA peer");
			peer = NULL;
			goto err_peer;
		}
	}

	if (e) {
		/* Replace in place: readers see either the old or the new peer. */
		fresh = e->type != info->type ||
			(peer && rcu_access_pointer(e->peer) != peer);
		if (peer)
			dmvpn_entry_set_peer(e, peer);
		else if (info->type == DMVPN_ENTRY_NEGATIVE ||
			 info->type == DMVPN_ENTRY_INCOMPLETE)
			dmvpn_entry_clear_peer(dd, e);
		dmvpn_entry_set_mcast(dd, e, info->flags & DMVPN_ENTRY_F_MULTICAST);
		dmvpn_entry_set_pending(dd, e, info->type);
		dmvpn_entry_fill(e, info);
		dmvpn_result_update(dd, e, result);
		dmvpn_timeline_set(dd, e, jiffies);
		dd->generation++;
		err = 0;
		goto done;
	}

	e = kzalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		NL_SET_ERR_MSG(extack, "Out of memory for the cache entry");
		err = -ENOMEM;
		goto err_peer;
	}
	e->key = key;
	e->created = jiffies;
	RCU_INIT_POINTER(e->peer, NULL);
	INIT_LIST_HEAD(&e->peer_node);
	RB_CLEAR_NODE(&e->tnode);
	dmvpn_entry_fill(e, info);
	err = rhashtable_insert_fast(&dd->cache, &e->node, dmvpn_cache_params);
	if (err) {
		NL_SET_ERR_MSG(extack, "Cannot insert the cache entry");
		kfree(e);
		goto err_peer;
	}
	if (dmvpn_entry_is_prefix(&key)) {
		const struct dmvpn_addr *a = &key.addr;

		err = dmvpn_lpm_insert(&dd->prefixes, &e->lpm,
				       a->family == AF_INET6,
				       dmvpn_addr_is_v4(a) ? (const u8 *)&a->in4 :
				       a->in6.s6_addr, key.plen);
		if (err) {
			NL_SET_ERR_MSG(extack, "Out of memory for the prefix");
			rhashtable_remove_fast(&dd->cache, &e->node,
					       dmvpn_cache_params);
			/* A reader may have found it in the hash meanwhile. */
			kfree_rcu(e, rcu);
			goto err_peer;
		}
	}
	/* Flags go last so the multicast reference is taken exactly once. */
	e->flags = 0;
	if (peer)
		dmvpn_entry_set_peer(e, peer);
	dmvpn_entry_set_mcast(dd, e, info->flags & DMVPN_ENTRY_F_MULTICAST);
	e->flags = info->flags;
	if (info->type == DMVPN_ENTRY_INCOMPLETE)
		dd->n_pending++;
	dmvpn_result_update(dd, e, result);
	dmvpn_timeline_set(dd, e, jiffies);
	list_add_tail_rcu(&e->list, &dd->entry_list);
	dd->n_entries++;
	dd->generation++;
	fresh = true;
done:
	/*
	 * Bring the gc forward for a new resolution, never postpone it: a
	 * write a second would otherwise hold off expiry and retries forever.
	 */
	if (e->type == DMVPN_ENTRY_INCOMPLETE)
		mod_delayed_work(system_power_efficient_wq, &dd->gc_work, 0);
	else if (e->expires || dd->n_pending)
		queue_delayed_work(system_power_efficient_wq, &dd->gc_work,
				   DMVPN_GC_INTERVAL);
	if (fresh && info->type != DMVPN_ENTRY_STATIC &&
	    info->type != DMVPN_ENTRY_INCOMPLETE)
		dmvpn_notify_entry(dd, DMVPN_EVENT_ENTRY_NEW, e);
	spin_unlock_bh(&dd->lock);
	return 0;

err_peer:
	/* Drop the reference taken above; frees a peer created for nothing. */
	if (peer)
		dmvpn_peer_put(peer);
	kfree(result);
out:
	spin_unlock_bh(&dd->lock);
	return err;
}

int dmvpn_cache_add(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
		    u8 plen, const struct dmvpn_addr *nbma, u8 type, u32 flags,
		    u32 holdtime, struct netlink_ext_ack *extack)
{
	struct dmvpn_entry_info info = {
		.nbma = nbma, .type = type, .flags = flags,
		.holdtime = holdtime,
	};

	return dmvpn_cache_set(dd, proto, plen, &info, extack);
}

/* Caller holds rcu_read_lock(). */
struct dmvpn_entry *dmvpn_cache_lookup_exact(struct dmvpn_dev *dd,
					     const struct dmvpn_addr *proto,
					     u8 plen)
{
	struct dmvpn_entry_key key;

	dmvpn_entry_key_init(&key, proto, plen);
	return rhashtable_lookup(&dd->cache, &key, dmvpn_cache_params);
}

/*
 * NHRP purge: remove the entries of a type in @type_mask (bits 1 << type)
 * that lie inside @proto/@plen, and, with @peer_nbma, only those bound to
 * that NBMA address. Returns how many went.
 */
static bool dmvpn_entry_purgeable(struct dmvpn_dev *dd, struct dmvpn_entry *e,
				  u32 type_mask,
				  const struct dmvpn_addr *peer_nbma)
{
	struct dmvpn_peer *peer;

	if (!(type_mask & (1U << e->type)))
		return false;
	peer = rcu_dereference_protected(e->peer, lockdep_is_held(&dd->lock));
	return !peer_nbma ||
	       (peer && dmvpn_addr_equal(&peer->nbma, peer_nbma));
}

static void dmvpn_entry_purge(struct dmvpn_dev *dd, struct dmvpn_entry *e)
{
	dmvpn_notify_entry(dd, DMVPN_EVENT_ENTRY_PURGED, e);
	dmvpn_nhrp_binding_gone(dd, e);
	dmvpn_entry_remove(dd, e);
}

/*
 * A purge from @peer_nbma (a station withdrawing its own) looks at the
 * entries bound to it, on its peer's list, so the work follows what that
 * station holds, not the table size (a station we hold no peer for gave
 * nothing: no work at all); one from an NHS (@peer_nbma NULL, results
 * only) walks the results index over the purged range. Either way the
 * caller holds dd->lock, and takes the next entry before removing one.
 */
struct dmvpn_purge_walk {
	struct list_head	*list;		/* a peer's entries, or NULL */
	const struct dmvpn_addr	*proto;		/* masked */
	u8			plen;
};

static struct dmvpn_entry *dmvpn_purge_next(struct dmvpn_dev *dd,
					    struct dmvpn_purge_walk *w,
					    struct dmvpn_entry *e)
{
	struct list_head *pos = e ? &e->peer_node : w->list;

	if (!w->list)
		return dmvpn_result_next_in(dd, e, w->proto, w->plen);
	return pos->next == w->list ? NULL :
	       list_entry(pos->next, struct dmvpn_entry, peer_node);
}

/* False when a station we hold no peer for asks: nothing to look at. */
static bool dmvpn_purge_start(struct dmvpn_dev *dd, struct dmvpn_purge_walk *w,
			      const struct dmvpn_addr *peer_nbma)
{
	struct dmvpn_peer *peer;

	w->list = NULL;
	if (!peer_nbma)
		return true;
	/* Peers go only under dd->lock: it stays valid after the RCU section. */
	rcu_read_lock();
	peer = dmvpn_peer_lookup(dd, peer_nbma);
	rcu_read_unlock();
	if (peer)
		w->list = &peer->entry_list;
	return peer;
}

int dmvpn_cache_purge(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
		      u8 plen, u32 type_mask, const struct dmvpn_addr *peer_nbma)
{
	struct dmvpn_purge_walk w = { .proto = proto, .plen = plen };
	struct dmvpn_entry *e, *next;
	struct dmvpn_entry_key key;
	unsigned int looked = 0;
	int n = 0;

	/* Only resolutions are in the index an NHS's purge walks. */
	if (WARN_ON_ONCE(!peer_nbma &&
			 (type_mask & ~((1U << DMVPN_ENTRY_RESOLVED) |
					(1U << DMVPN_ENTRY_NEGATIVE)))))
		return 0;
	spin_lock_bh(&dd->lock);
	if (!dmvpn_purge_start(dd, &w, peer_nbma))
		goto out;
	/* A host purge (a withdrawal, the common one): one hash lookup. */
	if (plen == dmvpn_addr_bits(proto)) {
		dmvpn_entry_key_init(&key, proto, plen);
		e = rhashtable_lookup_fast(&dd->cache, &key, dmvpn_cache_params);
		if (e && dmvpn_entry_purgeable(dd, e, type_mask, peer_nbma)) {
			dmvpn_entry_purge(dd, e);
			n++;
		}
		goto out;
	}
	for (e = dmvpn_purge_next(dd, &w, NULL); e; e = next) {
		struct dmvpn_addr masked = e->key.addr;

		next = dmvpn_purge_next(dd, &w, e);
		looked++;
		if (e->key.addr.family != proto->family || e->key.plen < plen)
			continue;
		dmvpn_addr_mask(&masked, plen);
		if (!dmvpn_addr_equal(&masked, proto) ||
		    !dmvpn_entry_purgeable(dd, e, type_mask, peer_nbma))
			continue;
		dmvpn_entry_purge(dd, e);
		n++;
	}
	pr_debug("purge %p: %u entries looked at\n", dd, looked);
out:
	spin_unlock_bh(&dd->lock);
	return n;
}

/*
 * Remove the resolved entries whose owner is the station @via; with
 * @peer_nbma, only those reached at that NBMA. Walks what @via answered.
 */
void dmvpn_cache_purge_via(struct dmvpn_dev *dd, const struct dmvpn_addr *via,
			   const struct dmvpn_addr *peer_nbma)
{
	struct dmvpn_entry *e, *next;
	unsigned int looked = 0;

	spin_lock_bh(&dd->lock);
	for (e = dmvpn_result_next_via(dd, NULL, via); e; e = next) {
		struct dmvpn_peer *peer;

		next = dmvpn_result_next_via(dd, e, via);
		looked++;
		peer = rcu_dereference_protected(e->peer,
						 lockdep_is_held(&dd->lock));
		if (peer_nbma && (!peer || !dmvpn_addr_equal(&peer->nbma, peer_nbma)))
			continue;
		dmvpn_notify_entry(dd, DMVPN_EVENT_ENTRY_PURGED, e);
		dmvpn_entry_remove(dd, e);
	}
	if (looked)
		pr_debug("purge %p: %u results of one station looked at\n",
			 dd, looked);
	spin_unlock_bh(&dd->lock);
}

/*
 * Transmit found no entry for @nh on a spoke: remember that it is wanted
 * (an incomplete entry, resolved by the gc work). False when too many
 * resolutions are pending already.
 */
bool dmvpn_cache_miss(struct dmvpn_dev *dd, const struct dmvpn_addr *nh)
{
	struct dmvpn_entry_info info = {
		.type = DMVPN_ENTRY_INCOMPLETE,
		.holdtime = DMVPN_RES_LIFETIME,
		.no_downgrade = true,
	};

	if (READ_ONCE(dd->n_pending) >= DMVPN_MAX_PENDING) {
		dmvpn_count(dd, DMVPN_CNT_RES_PENDING_FULL);
		return false;
	}
	info.reqid = dmvpn_nhrp_reqid();
	return !dmvpn_cache_set(dd, nh, dmvpn_addr_bits(nh), &info, NULL);
}

int dmvpn_cache_del(struct dmvpn_dev *dd, const struct dmvpn_addr *proto,
		    u8 plen, struct netlink_ext_ack *extack)
{
	struct dmvpn_entry_key key;
	struct dmvpn_entry *e;
	int err = 0;

	dmvpn_entry_key_init(&key, proto, plen);
	spin_lock_bh(&dd->lock);
	e = rhashtable_lookup_fast(&dd->cache, &key, dmvpn_cache_params);
	if (e) {
		dmvpn_entry_remove(dd, e);
	} else {
		NL_SET_ERR_MSG(extack, "No such NHRP cache entry");
		err = -ENOENT;
	}
	spin_unlock_bh(&dd->lock);
	return err;
}

/* Remove every entry of @type, or all entries when @type is 0. */
void dmvpn_cache_flush(struct dmvpn_dev *dd, u8 type)
{
	struct dmvpn_entry *e, *tmp;

	spin_lock_bh(&dd->lock);
	list_for_each_entry_safe(e, tmp, &dd->entry_list, list)
		if (!type || e->type == type)
			dmvpn_entry_remove(dd, e);
	spin_unlock_bh(&dd->lock);
}

/* Seconds before the next resolution retry: 1, 2, 4, then every 7. */
static unsigned int dmvpn_res_backoff(unsigned int tries)
{
	return tries >= 3 ? 7 : 1U << tries;
}

/*
 * Is @e a resolution to (re)send now? Incomplete entries are retried until
 * they expire; resolved entries that carried traffic are refreshed when a
 * third of their holding time is left, unused ones just expire.
 */
static bool dmvpn_entry_resolve_due(struct dmvpn_entry *e)
{
	unsigned long now = jiffies;

	if (e->type == DMVPN_ENTRY_INCOMPLETE)
		return time_after_eq(now, e->next_try);
	if (e->type != DMVPN_ENTRY_RESOLVED || !e->expires || !e->holdtime ||
	    !READ_ONCE(e->used))
		return false;
	if (time_before(now, e->expires - e->holdtime * HZ / 3))
		return false;
	return !e->tries || time_after_eq(now, e->next_try);
}

static void dmvpn_cache_gc(struct work_struct *work)
{
	struct dmvpn_dev *dd = container_of(to_delayed_work(work),
					    struct dmvpn_dev, gc_work);
	struct dmvpn_res_due due[DMVPN_RES_BATCH];
	unsigned int n_due = 0, looked = 0;
	unsigned long now = jiffies;
	struct dmvpn_entry *e;
	struct rb_node *node;
	bool timed;

	spin_lock_bh(&dd->lock);
	/* Only what is due; every entry looked at goes past @now. */
	while (looked < DMVPN_GC_BATCH &&
	       (node = rb_first_cached(&dd->timeline))) {
		e = rb_entry(node, struct dmvpn_entry, tnode);
		if (time_after(e->due, now))
			break;
		looked++;
		if (dmvpn_entry_expired(e)) {
			if (e->type != DMVPN_ENTRY_INCOMPLETE)
				dmvpn_notify_entry(dd, DMVPN_EVENT_ENTRY_EXPIRED, e);
			dmvpn_nhrp_binding_gone(dd, e);
			dmvpn_entry_remove(dd, e);
			continue;
		}
		if (n_due < DMVPN_RES_BATCH && dmvpn_entry_resolve_due(e)) {
			if (e->type == DMVPN_ENTRY_RESOLVED && !e->tries)
				e->reqid = dmvpn_nhrp_reqid();
			e->next_try = jiffies + dmvpn_res_backoff(e->tries) * HZ;
			if (e->tries < U8_MAX)
				e->tries++;
			due[n_due].target = e->key.addr;
			due[n_due++].reqid = e->reqid;
		}
		dmvpn_timeline_set(dd, e, now + 1);
	}
	if (looked)
		pr_debug("gc %p: %u entries looked at\n", dd, looked);
	timed = !RB_EMPTY_ROOT(&dd->timeline.rb_root);
	if (dmvpn_shortcut_gc(dd, due, &n_due, DMVPN_RES_BATCH))
		timed = true;
	if (dmvpn_peers_gc(dd, false))
		timed = true;
	if (timed)
		mod_delayed_work(system_power_efficient_wq, &dd->gc_work,
				 n_due == DMVPN_RES_BATCH ||
				 looked == DMVPN_GC_BATCH ? 1 : DMVPN_GC_INTERVAL);
	spin_unlock_bh(&dd->lock);

	if (n_due)
		dmvpn_nhrp_resolve_due(dd, due, n_due);
}

int dmvpn_cache_init(struct dmvpn_dev *dd)
{
	INIT_LIST_HEAD(&dd->entry_list);
	INIT_LIST_HEAD(&dd->mcast_list);
	dd->timeline = RB_ROOT_CACHED;
	dd->results = RB_ROOT;
	dd->results_via = RB_ROOT;
	INIT_DELAYED_WORK(&dd->gc_work, dmvpn_cache_gc);
	dmvpn_lpm_init(&dd->prefixes);
	dmvpn_shortcut_init(dd);
	return rhashtable_init(&dd->cache, &dmvpn_cache_params);
}

/*
 * The device is unregistering: the data path and netlink can no longer
 * reach it (dellink unhooked it from receive before the unregister's
 * synchronize_net()). Stop the gc first so it cannot re-arm, then drop
 * everything, learned peers included.
 */
void dmvpn_cache_destroy(struct dmvpn_dev *dd)
{
	cancel_delayed_work_sync(&dd->gc_work);
	dmvpn_shortcut_flush(dd);
	dmvpn_cache_flush(dd, 0);
	spin_lock_bh(&dd->lock);
	dmvpn_peers_gc(dd, true);
	spin_unlock_bh(&dd->lock);
	rhashtable_destroy(&dd->cache);
}
