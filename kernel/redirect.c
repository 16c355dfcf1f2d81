// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn Phase 3 on the hub (Cisco "ip nhrp redirect"): a packet that came
 * in on the device and is routed back out of it to another peer is
 * forwarded as usual, and the spoke it came from gets a Traffic Indication
 * telling it to resolve the destination and go direct.
 *
 * Transmit pays a flag test for this, and for hair-pinned packets a
 * per-flow limiter check: a fixed array of (flow tag, time) words updated
 * with cmpxchg, so no lock is taken and memory stays bounded whatever the
 * traffic. A flow that passes gets the first bytes of its packet copied
 * onto a short bounded queue; the TI is built and sent from a work item,
 * under nhrp_mutex and the device's max-send quota like all NHRP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include "nhrp.h"

#define DMVPN_REDIRECT_SLOTS	1024	/* flows tracked; power of two */
#define DMVPN_REDIRECT_QLEN	64	/* TIs waiting to be sent */
#define DMVPN_REDIRECT_BATCH	64	/* sent per work run */
#define DMVPN_TI_TAIL		8	/* bytes after the IP header, as Cisco */

struct dmvpn_redirect_cb {
	struct dmvpn_addr	to;	/* the peer the packet was sent on to */
};

static struct dmvpn_redirect_cb *dmvpn_redirect_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct dmvpn_redirect_cb) > sizeof(skb->cb));
	return (struct dmvpn_redirect_cb *)skb->cb;
}

/*
 * One TI per flow per redirect-timeout. A slot holds the flow's tag (high
 * half, never 0) and the jiffies of its last TI (low half). Another flow
 * hashing to the slot takes it over: a collision can only cost an extra
 * TI, which max-send still bounds, never a missing one.
 */
static bool dmvpn_redirect_allow(struct dmvpn_dev *dd, u32 hash)
{
	atomic64_t *slot = &dd->redirect_slots[hash & (DMVPN_REDIRECT_SLOTS - 1)];
	u32 timeout = dmvpn_cfg(dd)->redirect_timeout * HZ;
	u32 tag = hash | 1, now = (u32)jiffies;
	u64 old = atomic64_read(slot);

	if ((u32)(old >> 32) == tag && now - (u32)old < timeout)
		return false;
	return atomic64_cmpxchg(slot, old, ((u64)tag << 32) | now) == old;
}

/* Bytes of @skb's IP header, or 0 when it is not a whole IP header. */
static unsigned int dmvpn_redirect_hlen(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		return iph->ihl >= 5 ? iph->ihl * 4 : 0;
	}
	return sizeof(struct ipv6hdr);
}

static u32 dmvpn_redirect_hash(struct dmvpn_dev *dd, struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		return jhash_2words((__force u32)iph->saddr,
				    (__force u32)iph->daddr, dd->redirect_seed);
	}
	return jhash2((const u32 *)&ipv6_hdr(skb)->saddr,
		      2 * sizeof(struct in6_addr) / sizeof(u32),
		      dd->redirect_seed);
}

/*
 * Transmit (RCU): @skb came in on this device and leaves it again for
 * @to. Its network header has been pulled by the next-hop lookup.
 */
void dmvpn_redirect_note(struct dmvpn_dev *dd, struct sk_buff *skb,
			 const struct dmvpn_peer *to)
{
	unsigned int hlen = dmvpn_redirect_hlen(skb);
	unsigned int avail = skb->len - skb_network_offset(skb);
	struct sk_buff *copy;
	unsigned int n;

	if (!hlen || avail < hlen || !pskb_network_may_pull(skb, hlen))
		return;
	if (!dmvpn_redirect_allow(dd, dmvpn_redirect_hash(dd, skb))) {
		dmvpn_count(dd, DMVPN_CNT_REDIRECT_SUPPRESSED);
		return;
	}
	if (unlikely(READ_ONCE(dd->nhrp_dead) ||
		     skb_queue_len(&dd->redirect_q) >= DMVPN_REDIRECT_QLEN)) {
		dmvpn_count(dd, DMVPN_CNT_REDIRECT_DROPPED);
		return;
	}
	n = min(avail, hlen + DMVPN_TI_TAIL);
	copy = alloc_skb(n, GFP_ATOMIC);
	if (!copy) {
		dmvpn_count(dd, DMVPN_CNT_REDIRECT_DROPPED);
		return;
	}
	if (skb_copy_bits(skb, skb_network_offset(skb), skb_put(copy, n), n)) {
		kfree_skb(copy);
		dmvpn_count(dd, DMVPN_CNT_REDIRECT_DROPPED);
		return;
	}
	copy->protocol = skb->protocol;
	dmvpn_redirect_cb(copy)->to = to->nbma;
	skb_queue_tail(&dd->redirect_q, copy);
	queue_work(system_wq, &dd->redirect_work);
}

/* The spoke that sent the packet in @pkt: where our route to its source goes. */
static int dmvpn_redirect_sender(struct dmvpn_dev *dd,
				 const struct dmvpn_addr *src,
				 struct dmvpn_addr *nbma,
				 struct dmvpn_addr *proto)
{
	struct dmvpn_route_info ri;
	struct dmvpn_peer *peer;
	struct dmvpn_entry *e;
	int err = -ENOENT;

	dmvpn_nhrp_route(dd, src, &ri);
	if (!ri.via_us)
		return err;
	rcu_read_lock();
	e = dmvpn_cache_lookup(dd, &ri.nexthop);
	peer = e ? rcu_dereference(e->peer) : NULL;
	if (peer) {
		*nbma = peer->nbma;
		*proto = ri.nexthop;
		err = 0;
	}
	rcu_read_unlock();
	return err;
}

/*
 * Build the TI as a Cisco hub does: hop count 255, the hub as source, the
 * data packet's source as destination protocol address, the packet's IP
 * header and next 8 bytes, then extensions 4, 5, [7], 9 and End.
 */
static void dmvpn_redirect_send(struct dmvpn_dev *dd, struct sk_buff *pkt)
{
	struct dmvpn_addr src, to, spoke_proto;
	u16 family = pkt->protocol == htons(ETH_P_IP) ? AF_INET : AF_INET6;
	struct dmvpn_nhrp_out *o = dmvpn_nhrp_out_scratch(dd);

	if (family == AF_INET)
		dmvpn_addr_set4(&src, ((const struct iphdr *)pkt->data)->saddr);
	else
		dmvpn_addr_set6(&src, &((const struct ipv6hdr *)pkt->data)->saddr);
	if (dmvpn_redirect_sender(dd, &src, &to, &spoke_proto)) {
		dmvpn_count(dd, DMVPN_CNT_REDIRECT_DROPPED);
		return;
	}
	/* Back to where it came from: nothing to shortcut. */
	if (dmvpn_addr_equal(&to, &dmvpn_redirect_cb(pkt)->to))
		return;
	if (dmvpn_nhrp_out_init(dd, o, NHRP_TRAFFIC_INDICATION, family, &to,
				&spoke_proto)) {
		dmvpn_count(dd, DMVPN_CNT_REDIRECT_DROPPED);
		return;
	}
	o->hdr.code = NHRP_TRAFFIC_REDIRECT;
	o->hdr.dst_proto = dmvpn_addr_wire(&src);
	dmvpn_nhrp_out_start(dd, o);
	nhrp_build_raw(&o->b, pkt->data, pkt->len);
	nhrp_build_ext(&o->b, nhrp_ext_wire_type(NHRP_EXT_FWD_TRANSIT), NULL, 0);
	nhrp_build_ext(&o->b, nhrp_ext_wire_type(NHRP_EXT_REV_TRANSIT), NULL, 0);
	if (o->secret)
		nhrp_build_auth(&o->b, o->secret, o->secret_len);
	nhrp_build_ext(&o->b, nhrp_ext_wire_type(NHRP_EXT_NAT), NULL, 0);
	if (!dmvpn_nhrp_out_send(dd, o, &to))
		dmvpn_count(dd, DMVPN_CNT_REDIRECT_TX);
}

static void dmvpn_redirect_work(struct work_struct *work)
{
	struct dmvpn_dev *dd = container_of(work, struct dmvpn_dev,
					    redirect_work);
	struct sk_buff *skb;
	int n = 0;

	mutex_lock(&dd->nhrp_mutex);
	while (n++ < DMVPN_REDIRECT_BATCH &&
	       (skb = skb_dequeue(&dd->redirect_q))) {
		if (!READ_ONCE(dd->nhrp_dead))
			dmvpn_redirect_send(dd, skb);
		consume_skb(skb);
	}
	mutex_unlock(&dd->nhrp_mutex);
	if (!skb_queue_empty(&dd->redirect_q) && !READ_ONCE(dd->nhrp_dead))
		queue_work(system_wq, &dd->redirect_work);
}

int dmvpn_redirect_init(struct dmvpn_dev *dd)
{
	skb_queue_head_init(&dd->redirect_q);
	INIT_WORK(&dd->redirect_work, dmvpn_redirect_work);
	dd->redirect_seed = get_random_u32();
	dd->redirect_slots = kcalloc(DMVPN_REDIRECT_SLOTS,
				     sizeof(*dd->redirect_slots), GFP_KERNEL);
	return dd->redirect_slots ? 0 : -ENOMEM;
}

/* Teardown, after nhrp_dead is set: nothing queues or re-arms any more. */
void dmvpn_redirect_stop(struct dmvpn_dev *dd)
{
	cancel_work_sync(&dd->redirect_work);
	skb_queue_purge(&dd->redirect_q);
}

void dmvpn_redirect_free(struct dmvpn_dev *dd)
{
	kfree(dd->redirect_slots);
	dd->redirect_slots = NULL;
}
