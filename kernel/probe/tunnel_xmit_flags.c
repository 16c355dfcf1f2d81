// SPDX-License-Identifier: GPL-2.0
/* Probe: iptunnel_xmit() takes IPCB flags as its last argument. */
#include <net/ip_tunnels.h>

void dmvpn_probe(struct rtable *rt, struct sk_buff *skb);
void dmvpn_probe(struct rtable *rt, struct sk_buff *skb)
{
	iptunnel_xmit(NULL, rt, skb, 0, 0, 0, 0, 0, 0, false, 0);
}
