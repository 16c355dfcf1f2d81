// SPDX-License-Identifier: GPL-2.0
/* Probe: ip6tunnel_xmit() takes IP6CB flags as its last argument. */
#include <net/ip6_tunnel.h>

void dmvpn_probe(struct sk_buff *skb, struct net_device *dev);
void dmvpn_probe(struct sk_buff *skb, struct net_device *dev)
{
	ip6tunnel_xmit(NULL, skb, dev, 0);
}
