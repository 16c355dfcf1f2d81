// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn transmit: next hop -> NHRP cache -> peer -> GRE + outer IP.
 *
 * Runs locklessly under RCU. The outer route (and with it the XFRM bundle
 * that makes transport-mode ESP apply to "proto gre") comes from the peer's
 * dst_cache, so the steady state does no route lookup at all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_tunnel.h>
#include <net/gre.h>
#ifdef DMVPN_HAVE_NET_GSO_H
#include <net/gso.h>
#endif
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip6_tunnel.h>
#include <net/ip_tunnels.h>
#include <net/route.h>
#include "dmvpn.h"

/*
 * The NHRP next hop of @skb: the gateway of the route it was sent with, or
 * the destination itself when that is on-link. Returns false for anything
 * that is neither IPv4 nor IPv6.
 */
static bool dmvpn_next_hop(struct sk_buff *skb, struct dmvpn_addr *nh,
			   bool *mcast)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct rtable *rt = skb_rtable(skb);
		const struct iphdr *iph;

		if (!pskb_network_may_pull(skb, sizeof(*iph)))
			return false;
		iph = ip_hdr(skb);
		*mcast = ipv4_is_multicast(iph->daddr) ||
			 ipv4_is_lbcast(iph->daddr) ||
			 (rt && rt->rt_type == RTN_BROADCAST);
		if (rt && rt->rt_gw_family == AF_INET)
			dmvpn_addr_set4(nh, rt->rt_gw4);
		else if (rt && rt->rt_gw_family == AF_INET6)
			dmvpn_addr_set6(nh, &rt->rt_gw6);
		else
			dmvpn_addr_set4(nh, iph->daddr);
		return true;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct rt6_info *rt = (const struct rt6_info *)skb_dst(skb);
		const struct ipv6hdr *ip6h;

		if (!pskb_network_may_pull(skb, sizeof(*ip6h)))
			return false;
		ip6h = ipv6_hdr(skb);
		*mcast = ipv6_addr_is_multicast(&ip6h->daddr);
		dmvpn_addr_set6(nh, rt ? rt6_nexthop(rt, &ip6h->daddr) :
				&ip6h->daddr);
		return true;
	}
	return false;
}

static void dmvpn_send_unreach(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
}

/*
 * Inner packets that cannot cross the path get "fragmentation needed" or
 * "packet too big" back, and the inner route learns the tunnel's MTU.
 */
static bool dmvpn_fits(struct dmvpn_dev *dd, struct sk_buff *skb, int mtu,
		       __be16 *df)
{
	bool ipv4 = skb->protocol == htons(ETH_P_IP);

	*df = 0;
	if (ipv4 && !(ip_hdr(skb)->frag_off & htons(IP_DF)))
		return true;	/* the outer packet may be fragmented */
	if (!ipv4 && mtu < IPV6_MIN_MTU)
		return true;	/* below 1280 IPv6 relies on outer fragments */
	*df = htons(IP_DF);
	if (skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
	    skb->len <= mtu)
		return true;

	dmvpn_count(dd, DMVPN_CNT_TX_TOO_BIG);
	skb_dst_update_pmtu_no_confirm(skb, mtu);
	if (ipv4)
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(mtu));
	else
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	return false;
}

static int dmvpn_path_mtu(const struct dmvpn_cfg *cfg, struct dmvpn_peer *peer,
			  struct dst_entry *dst)
{
	unsigned int outer = dmvpn_outer_hlen(cfg);
	u32 pmtu = dmvpn_peer_pmtu(peer);
	u32 mtu = dst_mtu(dst);

	if (pmtu && pmtu < mtu)
		mtu = pmtu;
	return (int)mtu - (int)outer;
}

static u8 dmvpn_outer_tos(const struct dmvpn_cfg *cfg, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	u8 tos = cfg->tos;

	if (tos == 1)
		tos = ip_tunnel_get_dsfield(iph, skb);
	return ip_tunnel_ecn_encap(tos, iph, skb);
}

static int dmvpn_encap_gre(const struct dmvpn_cfg *cfg, struct sk_buff *skb,
			   struct dst_entry *dst, unsigned int iphlen)
{
	int err;

	err = skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + dst->header_len +
			   iphlen + cfg->hlen);
	if (err)
		return err;
	err = iptunnel_handle_offloads(skb, SKB_GSO_GRE);
	if (err)
		return err;
	dmvpn_gre_build_header(skb, cfg->hlen, cfg->has_key, skb->protocol,
			       htonl(cfg->key));
	return 0;
}

/* A freshly looked-up outer route: usable, or counted (and released). */
static int dmvpn_route_ok(struct dmvpn_dev *dd, struct sk_buff *skb,
			  struct dst_entry *dst)
{
	if (IS_ERR(dst)) {
		dmvpn_count(dd, DMVPN_CNT_TX_NO_ROUTE);
		DEV_STATS_INC(dd->dev, tx_carrier_errors);
		dmvpn_send_unreach(skb);
		return -EHOSTUNREACH;
	}
	if (dst->dev == dd->dev) {
		dst_release(dst);
		dmvpn_count(dd, DMVPN_CNT_TX_LOOP);
		DEV_STATS_INC(dd->dev, collisions);
		return -ELOOP;
	}
	return 0;
}

/* The outer route toward @daddr (XFRM applied), source in @saddr. */
static struct rtable *dmvpn_route4(struct dmvpn_dev *dd,
				   const struct dmvpn_cfg *cfg, __be32 daddr,
				   u8 tos, __be32 *saddr)
{
	struct flowi4 fl4 = {
		.daddr = daddr,
		.saddr = cfg->local.in4,
		.flowi4_proto = IPPROTO_GRE,
		.flowi4_oif = cfg->link,
		dmvpn_flowi4_tos(tos),
		.fl4_gre_key = cfg->has_key ? htonl(cfg->key) : 0,
	};
	struct rtable *rt = ip_route_output_key(dd->net, &fl4);

	*saddr = fl4.saddr;
	return rt;
}

static struct dst_entry *dmvpn_route6(struct dmvpn_dev *dd,
				      const struct dmvpn_cfg *cfg,
				      const struct in6_addr *daddr,
				      struct flowi6 *fl6)
{
	memset(fl6, 0, sizeof(*fl6));
	fl6->daddr = *daddr;
	fl6->saddr = cfg->local.in6;
	fl6->flowi6_proto = IPPROTO_GRE;
	fl6->flowi6_oif = cfg->link;
	fl6->fl6_gre_key = cfg->has_key ? htonl(cfg->key) : 0;
	return ip6_dst_lookup_flow(dd->net, NULL, fl6, NULL);
}

static int dmvpn_xmit4(struct dmvpn_dev *dd, const struct dmvpn_cfg *cfg,
		       struct dmvpn_peer *peer, struct sk_buff *skb)
{
	struct net_device *dev = dd->dev;
	struct rtable *rt;
	__be32 saddr;
	__be16 df;
	u8 tos, ttl;

	rt = dst_cache_get_ip4(&peer->dst_cache, &saddr);
	if (!rt) {
		int err;

		rt = dmvpn_route4(dd, cfg, peer->nbma.in4,
				  cfg->tos == 1 ? 0 : cfg->tos, &saddr);
		err = dmvpn_route_ok(dd, skb, IS_ERR(rt) ? ERR_CAST(rt) : &rt->dst);
		if (err)
			return err;
		dst_cache_set_ip4(&peer->dst_cache, &rt->dst, saddr);
	}

	if (!dmvpn_fits(dd, skb, dmvpn_path_mtu(cfg, peer, &rt->dst), &df))
		goto err_rt;
	tos = dmvpn_outer_tos(cfg, skb);
	ttl = cfg->ttl ?: ip_tunnel_get_ttl(ip_hdr(skb), skb);
	dmvpn_peer_count_tx(peer, skb->len);
	if (dmvpn_encap_gre(cfg, skb, &rt->dst, sizeof(struct iphdr)))
		goto err_rt;
	dmvpn_iptunnel_xmit(NULL, rt, skb, saddr, peer->nbma.in4, IPPROTO_GRE,
			    tos, ttl, df, !net_eq(dd->net, dev_net(dev)));
	return 0;

err_rt:
	ip_rt_put(rt);
	return -EMSGSIZE;
}

static int dmvpn_xmit6(struct dmvpn_dev *dd, const struct dmvpn_cfg *cfg,
		       struct dmvpn_peer *peer, struct sk_buff *skb)
{
	struct net_device *dev = dd->dev;
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	struct flowi6 fl6;
	__be16 df;
	u8 tos, ttl;

	memset(&fl6, 0, sizeof(fl6));
	dst = dst_cache_get_ip6(&peer->dst_cache, &fl6.saddr);
	if (!dst) {
		int err;

		dst = dmvpn_route6(dd, cfg, &peer->nbma.in6, &fl6);
		err = dmvpn_route_ok(dd, skb, dst);
		if (err)
			return err;
		dst_cache_set_ip6(&peer->dst_cache, dst, &fl6.saddr);
	} else {
		fl6.daddr = peer->nbma.in6;
		fl6.flowi6_proto = IPPROTO_GRE;
	}

	if (!dmvpn_fits(dd, skb, dmvpn_path_mtu(cfg, peer, dst), &df))
		goto err_dst;
	tos = dmvpn_outer_tos(cfg, skb);
	ttl = cfg->ttl ?: ip_tunnel_get_ttl(ip_hdr(skb), skb);
	dmvpn_peer_count_tx(peer, skb->len);
	if (dmvpn_encap_gre(cfg, skb, dst, sizeof(*ip6h)))
		goto err_dst;

	skb_scrub_packet(skb, !net_eq(dd->net, dev_net(dev)));
	skb_dst_set(skb, dst);
	skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, tos, ip6_make_flowlabel(dd->net, skb, 0, true, &fl6));
	ip6h->nexthdr = IPPROTO_GRE;
	ip6h->hop_limit = ttl;
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = peer->nbma.in6;
	skb->protocol = htons(ETH_P_IPV6);
	if (!df)
		skb->ignore_df = 1;
	dmvpn_ip6tunnel_xmit(NULL, skb, dev);
	return 0;

err_dst:
	dst_release(dst);
	return -EMSGSIZE;
}

/* Consumes @skb. */
static void dmvpn_xmit_peer(struct dmvpn_dev *dd, const struct dmvpn_cfg *cfg,
			    struct dmvpn_peer *peer, struct sk_buff *skb)
{
	int err;

	if (dmvpn_addr_is_v4(&peer->nbma))
		err = dmvpn_xmit4(dd, cfg, peer, skb);
	else
		err = dmvpn_xmit6(dd, cfg, peer, skb);
	if (err) {
		DEV_STATS_INC(dd->dev, tx_errors);
		kfree_skb(skb);
	}
}

/* One copy to every peer of an entry flagged multicast. */
static void dmvpn_xmit_mcast(struct dmvpn_dev *dd, const struct dmvpn_cfg *cfg,
			     struct sk_buff *skb)
{
	struct dmvpn_peer *peer, *last = NULL;

	list_for_each_entry_rcu(peer, &dd->mcast_list, mcast) {
		if (last) {
			struct sk_buff *copy = skb_clone(skb, GFP_ATOMIC);

			if (copy) {
				dmvpn_count(dd, DMVPN_CNT_TX_MCAST_COPIES);
				dmvpn_xmit_peer(dd, cfg, last, copy);
			} else {
				DEV_STATS_INC(dd->dev, tx_dropped);
			}
		}
		last = peer;
	}
	if (last) {
		dmvpn_xmit_peer(dd, cfg, last, skb);
		return;
	}
	/* No multicast map: nothing to send to, as for a unicast miss. */
	dmvpn_count(dd, DMVPN_CNT_TX_NO_ENTRY);
	DEV_STATS_INC(dd->dev, tx_dropped);
	kfree_skb(skb);
}

/* The inner destination; the next-hop lookup has pulled its header. */
static void dmvpn_inner_daddr(struct sk_buff *skb, struct dmvpn_addr *daddr)
{
	if (skb->protocol == htons(ETH_P_IP))
		dmvpn_addr_set4(daddr, ip_hdr(skb)->daddr);
	else
		dmvpn_addr_set6(daddr, &ipv6_hdr(skb)->daddr);
}

netdev_tx_t dmvpn_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);
	const struct dmvpn_cfg *cfg;
	struct dmvpn_peer *peer = NULL;
	struct dmvpn_entry *e;
	struct dmvpn_addr nh;
	bool mcast;

	rcu_read_lock();
	/* One configuration for the whole packet: its key and header length. */
	cfg = dmvpn_cfg(dd);
	if (unlikely(!dmvpn_next_hop(skb, &nh, &mcast))) {
		DEV_STATS_INC(dev, tx_errors);
		goto drop;
	}
	if (mcast) {
		dmvpn_xmit_mcast(dd, cfg, skb);
		goto out;
	}
	/* Phase 3: a shortcut overrides whatever route brought us here. */
	if (unlikely(!dmvpn_lpm_empty(&dd->shortcuts))) {
		struct dmvpn_addr daddr;

		dmvpn_inner_daddr(skb, &daddr);
		peer = dmvpn_shortcut_lookup(dd, &daddr);
		if (peer) {
			dmvpn_count(dd, DMVPN_CNT_TX_SHORTCUT);
			goto send;
		}
	}
	e = dmvpn_cache_lookup(dd, &nh);
	if (e) {
		peer = rcu_dereference(e->peer);
		unsigned long now = jiffies;

		/* Dirty the line at most once a tick: "used since the answer". */
		if (READ_ONCE(e->used) != now)
			WRITE_ONCE(e->used, now);
	}
	if (unlikely(!peer)) {
		/* A spoke resolves the miss and meanwhile goes via its NHS. */
		peer = rcu_dereference(dd->nhs_peer);
		if (peer) {
			if (!e)
				dmvpn_cache_miss(dd, &nh);
			dmvpn_count(dd, DMVPN_CNT_TX_VIA_NHS);
		}
	}
	if (unlikely(!peer)) {
		dmvpn_count(dd, DMVPN_CNT_TX_NO_ENTRY);
		DEV_STATS_INC(dev, tx_dropped);
		if (dmvpn_addr_is_v4(&nh))
			net_dbg_ratelimited("%s: no NHRP entry for %pI4\n",
					    dev->name, &nh.in4);
		else
			net_dbg_ratelimited("%s: no NHRP entry for %pI6c\n",
					    dev->name, &nh.in6);
		dmvpn_send_unreach(skb);
		goto drop;
	}
send:
	/* Hair-pinned through a hub with redirect: tell the sender. */
	if (unlikely(cfg->flags & DMVPN_F_REDIRECT) &&
	    skb->skb_iif == dev->ifindex)
		dmvpn_redirect_note(dd, skb, peer);
	dmvpn_xmit_peer(dd, cfg, peer, skb);
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop:
	rcu_read_unlock();
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/*
 * Send the NHRP packet at @skb->data to @nbma: GRE (protocol 0x2001, the
 * device's key) in an outer header as Cisco sends its NHRP (precedence 6,
 * TTL 255). Control traffic is rare, so the route is looked up each time;
 * the lookup applies XFRM like the data path's. Consumes @skb.
 */
int dmvpn_xmit_nhrp(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		    struct sk_buff *skb)
{
	const struct dmvpn_cfg *cfg;
	struct dst_entry *dst;

	/* Called from process context too: the snapshot needs its own section. */
	rcu_read_lock_bh();
	cfg = dmvpn_cfg(dd);
	skb_reset_inner_headers(skb);
	skb->dev = dd->dev;
	if (dmvpn_addr_is_v4(nbma)) {
		struct rtable *rt;
		__be32 saddr;

		rt = dmvpn_route4(dd, cfg, nbma->in4, DMVPN_NHRP_TOS, &saddr);
		if (IS_ERR(rt))
			goto err;
		if (rt->dst.dev == dd->dev) {
			ip_rt_put(rt);
			goto err;
		}
		dmvpn_gre_build_header(skb, cfg->hlen, cfg->has_key,
				       htons(ETH_P_NHRP), htonl(cfg->key));
		dmvpn_iptunnel_xmit(NULL, rt, skb, saddr, nbma->in4,
				    IPPROTO_GRE, DMVPN_NHRP_TOS, 255, 0, false);
		rcu_read_unlock_bh();
		return 0;
	}

	{
		struct ipv6hdr *ip6h;
		struct flowi6 fl6;

		dst = dmvpn_route6(dd, cfg, &nbma->in6, &fl6);
		if (IS_ERR(dst))
			goto err;
		if (dst->dev == dd->dev) {
			dst_release(dst);
			goto err;
		}
		dmvpn_gre_build_header(skb, cfg->hlen, cfg->has_key,
				       htons(ETH_P_NHRP), htonl(cfg->key));
		skb_dst_set(skb, dst);
		skb_push(skb, sizeof(*ip6h));
		skb_reset_network_header(skb);
		ip6h = ipv6_hdr(skb);
		ip6_flow_hdr(ip6h, DMVPN_NHRP_TOS, 0);
		ip6h->nexthdr = IPPROTO_GRE;
		ip6h->hop_limit = 255;
		ip6h->saddr = fl6.saddr;
		ip6h->daddr = nbma->in6;
		skb->protocol = htons(ETH_P_IPV6);
		dmvpn_ip6tunnel_xmit(NULL, skb, dd->dev);
		rcu_read_unlock_bh();
		return 0;
	}

err:
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return -EHOSTUNREACH;
}

/* The source address the underlay picks toward @nbma. */
int dmvpn_route_saddr(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		      struct dmvpn_addr *saddr)
{
	const struct dmvpn_cfg *cfg;
	int err = 0;

	rcu_read_lock();
	cfg = dmvpn_cfg(dd);
	if (dmvpn_addr_is_v4(nbma)) {
		struct rtable *rt;
		__be32 src;

		rt = dmvpn_route4(dd, cfg, nbma->in4, DMVPN_NHRP_TOS, &src);
		if (IS_ERR(rt)) {
			err = PTR_ERR(rt);
		} else {
			ip_rt_put(rt);
			dmvpn_addr_set4(saddr, src);
		}
	} else {
		struct dst_entry *dst;
		struct flowi6 fl6;

		dst = dmvpn_route6(dd, cfg, &nbma->in6, &fl6);
		if (IS_ERR(dst)) {
			err = PTR_ERR(dst);
		} else {
			dst_release(dst);
			dmvpn_addr_set6(saddr, &fl6.saddr);
		}
	}
	rcu_read_unlock();
	return err;
}
