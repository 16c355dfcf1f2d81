// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn receive: a netfilter LOCAL_IN hook in the underlay namespace.
 *
 * The GRE demux slots belong to ip_gre and ip6_gre, and a router runs those
 * next to DMVPN, so dmvpn does not take them. Its hook sits after the filter
 * table (the host firewall still sees GRE), where IPv4 is reassembled and
 * transport-mode ESP has been removed. It claims only GRE version 0 for a
 * (local address, key) that a dmvpn device listens on; everything else goes
 * back to the stack untouched. The same hook watches underlay ICMP errors
 * about our own GRE packets to learn per-peer path MTUs, since no GRE
 * protocol handler of ours would otherwise see them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_tunnel.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/gre.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/xfrm.h>
#include "dmvpn.h"

/* Lowest underlay PMTU believed, as the kernel's min_pmtu default. */
#define DMVPN_MIN_PMTU4		552

struct dmvpn_gre {
	unsigned int	off;		/* GRE header offset from skb->data */
	unsigned int	len;		/* GRE header length */
	__be16		flags;
	__be16		proto;
	bool		has_key;
	u32		key;
};

/* Parse the GRE header at @off. Only version 0 without routing is ours. */
static bool dmvpn_gre_parse(struct sk_buff *skb, unsigned int off,
			    struct dmvpn_gre *g)
{
	const struct gre_base_hdr *greh;
	unsigned int koff;

	if (!pskb_may_pull(skb, off + sizeof(*greh)))
		return false;
	greh = (const struct gre_base_hdr *)(skb->data + off);
	if (greh->flags & (GRE_VERSION | GRE_ROUTING))
		return false;
	g->off = off;
	g->flags = greh->flags;
	g->proto = greh->protocol;
	g->len = sizeof(*greh);
	koff = g->len + ((g->flags & GRE_CSUM) ? 4 : 0);
	g->len += ((g->flags & GRE_CSUM) ? 4 : 0) + ((g->flags & GRE_KEY) ? 4 : 0) +
		  ((g->flags & GRE_SEQ) ? 4 : 0);
	if (!pskb_may_pull(skb, off + g->len))
		return false;
	g->has_key = g->flags & GRE_KEY;
	g->key = g->has_key ? get_unaligned_be32(skb->data + off + koff) : 0;
	return true;
}

static bool dmvpn_policy_ok(struct sk_buff *skb, bool ipv4)
{
	return ipv4 ? xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb) :
		      xfrm6_policy_check(NULL, XFRM_POLICY_IN, skb);
}

/*
 * Decapsulate a claimed packet onto the device. Consumes @skb.
 * @outer_tos is the outer DS field, for ECN.
 */
static void dmvpn_decap(struct dmvpn_dev *dd, struct sk_buff *skb,
			const struct dmvpn_gre *g, const struct dmvpn_addr *src,
			u8 outer_tos, bool ipv4)
{
	struct net_device *dev = dd->dev;
	struct dmvpn_peer *peer;
	unsigned int inner_len, inner_hlen;
	u8 inner_tos;

	/* The IPv4 header sums to zero, so pulling it leaves csum intact. */
	if (ipv4)
		__skb_pull(skb, g->off);
	else
		skb_pull_rcsum(skb, g->off);
	if (iptunnel_pull_header(skb, g->len, g->proto,
				 !net_eq(dd->net, dev_net(dev))))
		goto drop_err;
	skb_reset_network_header(skb);
	skb_reset_mac_header(skb);

	if (g->proto == htons(ETH_P_IP)) {
		if (!pskb_may_pull(skb, sizeof(struct iphdr)) ||
		    ip_hdr(skb)->version != 4)
			goto drop_frame;
		inner_tos = ip_hdr(skb)->tos;
		inner_hlen = sizeof(struct iphdr);
	} else {
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)) ||
		    ipv6_hdr(skb)->version != 6)
			goto drop_frame;
		inner_tos = ipv6_get_dsfield(ipv6_hdr(skb));
		inner_hlen = sizeof(struct ipv6hdr);
	}
	if (INET_ECN_is_ce(outer_tos) &&
	    skb_ensure_writable(skb, inner_hlen))
		goto drop_err;
	if (INET_ECN_decapsulate(skb, outer_tos, inner_tos) > 1) {
		DEV_STATS_INC(dev, rx_frame_errors);
		goto drop_err;
	}

	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	inner_len = skb->len;
	peer = dmvpn_peer_lookup(dd, src);
	if (!peer) {
		/* Accepted: a hub learns its spokes from registrations. */
		dmvpn_count(dd, DMVPN_CNT_RX_UNKNOWN_PEER);
		peer = dmvpn_peer_learn(dd, src);
	}
	if (peer)
		dmvpn_peer_count_rx(peer, inner_len);
	dev_sw_netstats_rx_add(dev, inner_len);
	gro_cells_receive(&dd->gro_cells, skb);
	return;

drop_frame:
	DEV_STATS_INC(dev, rx_frame_errors);
drop_err:
	DEV_STATS_INC(dev, rx_errors);
	kfree_skb(skb);
}

static unsigned int dmvpn_gre_rcv(struct net *net, struct sk_buff *skb,
				  unsigned int off,
				  const struct dmvpn_addr *local,
				  const struct dmvpn_addr *src, u8 outer_tos)
{
	bool ipv4 = dmvpn_addr_is_v4(local);
	struct dmvpn_dev *dd;
	struct dmvpn_gre g;

	if (!dmvpn_gre_parse(skb, off, &g))
		return NF_ACCEPT;
	dd = dmvpn_netns_find(net, local, g.has_key, g.key);
	if (!dd)
		return NF_ACCEPT;
	/* A tunnel of ip_gre's that matches it better takes it. */
	if (unlikely(dmvpn_gre_foreign_owns(net, dd, local, src, g.has_key,
					    g.key)))
		return NF_ACCEPT;

	/* Ours from here on: every outcome is counted. */
	if (!dmvpn_policy_ok(skb, ipv4)) {
		dmvpn_count(dd, DMVPN_CNT_RX_POLICY_DROP);
		DEV_STATS_INC(dd->dev, rx_dropped);
		return NF_DROP;
	}
	if ((g.flags & GRE_CSUM) &&
	    csum_fold(skb_checksum(skb, off, skb->len - off, 0))) {
		DEV_STATS_INC(dd->dev, rx_crc_errors);
		DEV_STATS_INC(dd->dev, rx_errors);
		return NF_DROP;
	}
	/* A device that is down speaks no NHRP either (Cisco: shutdown). */
	if (unlikely(!(dd->dev->flags & IFF_UP))) {
		DEV_STATS_INC(dd->dev, rx_dropped);
		return NF_DROP;
	}
	if (g.proto == htons(ETH_P_NHRP)) {
		/* The control plane wants the NHRP packet alone. */
		if (!pskb_pull(skb, off + g.len)) {
			DEV_STATS_INC(dd->dev, rx_length_errors);
			return NF_DROP;
		}
		dmvpn_nhrp_rcv(dd, skb, src);
		return NF_STOLEN;
	}
	/*
	 * Not a payload we carry (Ethernet for gretap, ERSPAN, MPLS...):
	 * counted, and left to the kernel's own GRE tunnels.
	 */
	if (g.proto != htons(ETH_P_IP) && g.proto != htons(ETH_P_IPV6)) {
		dmvpn_count(dd, DMVPN_CNT_RX_BAD_PROTO);
		return NF_ACCEPT;
	}
	dmvpn_decap(dd, skb, &g, src, outer_tos, ipv4);
	return NF_STOLEN;
}

/*
 * An underlay ICMP error quoting one of our GRE packets: @local/@remote are
 * the quoted source and destination, the quoted GRE header is at @goff.
 */
static void dmvpn_pmtu_update(struct net *net, struct sk_buff *skb,
			      unsigned int goff, const struct dmvpn_addr *local,
			      const struct dmvpn_addr *remote, u32 mtu)
{
	struct dmvpn_peer *peer;
	struct dmvpn_dev *dd;
	struct dmvpn_gre g;

	/* ICMP quotes at least 8 bytes: the base header and maybe the key. */
	if (!dmvpn_gre_parse(skb, goff, &g))
		return;
	dd = dmvpn_netns_find(net, local, g.has_key, g.key);
	if (!dd)
		return;
	peer = dmvpn_peer_lookup(dd, remote);
	if (!peer)
		return;
	dmvpn_peer_set_pmtu(peer, mtu);
	dmvpn_count(dd, DMVPN_CNT_PMTU_UPDATES);
}

static void dmvpn_icmp4(struct net *net, struct sk_buff *skb, unsigned int off)
{
	const struct icmphdr *icmph;
	const struct iphdr *qiph;
	struct dmvpn_addr local, remote;
	unsigned int qoff;
	u32 mtu;

	if (!pskb_may_pull(skb, off + sizeof(*icmph) + sizeof(*qiph)))
		return;
	icmph = (const struct icmphdr *)(skb->data + off);
	if (icmph->type != ICMP_DEST_UNREACH || icmph->code != ICMP_FRAG_NEEDED)
		return;
	qoff = off + sizeof(*icmph);
	qiph = (const struct iphdr *)(skb->data + qoff);
	if (qiph->protocol != IPPROTO_GRE || qiph->ihl < 5)
		return;
	mtu = max_t(u32, ntohs(icmph->un.frag.mtu), DMVPN_MIN_PMTU4);
	dmvpn_addr_set4(&local, qiph->saddr);
	dmvpn_addr_set4(&remote, qiph->daddr);
	dmvpn_pmtu_update(net, skb, qoff + qiph->ihl * 4, &local, &remote, mtu);
}

static void dmvpn_icmp6(struct net *net, struct sk_buff *skb, unsigned int off)
{
	const struct ipv6hdr *qip6h;
	const struct icmp6hdr *icmp6h;
	struct dmvpn_addr local, remote;
	unsigned int qoff;
	u32 mtu;

	if (!pskb_may_pull(skb, off + sizeof(*icmp6h) + sizeof(*qip6h)))
		return;
	icmp6h = (const struct icmp6hdr *)(skb->data + off);
	if (icmp6h->icmp6_type != ICMPV6_PKT_TOOBIG)
		return;
	qoff = off + sizeof(*icmp6h);
	qip6h = (const struct ipv6hdr *)(skb->data + qoff);
	if (qip6h->nexthdr != IPPROTO_GRE)
		return;
	mtu = max_t(u32, ntohl(icmp6h->icmp6_mtu), IPV6_MIN_MTU);
	dmvpn_addr_set6(&local, &qip6h->saddr);
	dmvpn_addr_set6(&remote, &qip6h->daddr);
	dmvpn_pmtu_update(net, skb, qoff + sizeof(*qip6h), &local, &remote, mtu);
}

static unsigned int dmvpn_nf_in4(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int off = skb_network_offset(skb) + ip_hdrlen(skb);
	struct dmvpn_addr local, src;

	if (iph->protocol == IPPROTO_ICMP) {
		dmvpn_icmp4(state->net, skb, off);
		return NF_ACCEPT;
	}
	if (iph->protocol != IPPROTO_GRE)
		return NF_ACCEPT;
	dmvpn_addr_set4(&local, iph->daddr);
	dmvpn_addr_set4(&src, iph->saddr);
	return dmvpn_gre_rcv(state->net, skb, off, &local, &src, iph->tos);
}

static unsigned int dmvpn_nf_in6(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct dmvpn_addr local, src;
	u8 nexthdr = ip6h->nexthdr;
	__be16 frag_off;
	int off;

	off = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(*ip6h),
			       &nexthdr, &frag_off);
	/* Fragments that nf_defrag_ipv6 left (it gave up on them). */
	if (off < 0 || frag_off)
		return NF_ACCEPT;
	if (nexthdr == IPPROTO_ICMPV6) {
		dmvpn_icmp6(state->net, skb, off);
		return NF_ACCEPT;
	}
	if (nexthdr != IPPROTO_GRE)
		return NF_ACCEPT;
	ip6h = ipv6_hdr(skb);
	dmvpn_addr_set6(&local, &ip6h->daddr);
	dmvpn_addr_set6(&src, &ip6h->saddr);
	return dmvpn_gre_rcv(state->net, skb, off, &local, &src,
			     ipv6_get_dsfield(ip6h));
}

static const struct nf_hook_ops dmvpn_nf_ops[] = {
	{
		.hook		= dmvpn_nf_in4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_FILTER + 1,
	},
	{
		.hook		= dmvpn_nf_in6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_FILTER + 1,
	},
};

/*
 * IPv6 reassembles after LOCAL_IN, IPv4 before it: with the IPv6 defrag
 * hook on (PRE_ROUTING) an outer IPv6 packet sent in fragments (dmvpn
 * sends them when a peer's path MTU is below the tunnel's) reaches us
 * whole.
 */
int dmvpn_recv_register(struct net *net)
{
	int err;

	err = nf_defrag_ipv6_enable(net);
	if (err)
		return err;
	err = nf_register_net_hooks(net, dmvpn_nf_ops, ARRAY_SIZE(dmvpn_nf_ops));
	if (err)
		nf_defrag_ipv6_disable(net);
	return err;
}

void dmvpn_recv_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, dmvpn_nf_ops, ARRAY_SIZE(dmvpn_nf_ops));
	nf_defrag_ipv6_disable(net);
}
