/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels dmvpn builds against, in one place.
 * Force-included by Kbuild; keyed on LINUX_VERSION_CODE, and on the
 * DMVPN_HAVE_* feature probes kernel/Kbuild runs against the target's
 * headers where the boundary is not one version.
 *
 * This file is read before any kernel header, so it must not include one
 * (other than <linux/version.h>): everything below is a macro, expanded at
 * the call site where the kernel's declarations are in scope. A header a
 * newer kernel needs is included by the .c file under a DMVPN_HAVE_* test.
 *
 * Tested: 6.1, 6.12 and 7.3 (kernels.list at the top of the tree).
 */
#ifndef _DMVPN_COMPAT_H
#define _DMVPN_COMPAT_H

#include <linux/version.h>

#if KERNEL_VERSION(6, 1, 0) > LINUX_VERSION_CODE
#error "dmvpn needs Linux 6.1 or newer"
#endif

/* 6.2: a dump's parsed attributes live in a struct genl_info. */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
#define dmvpn_dumpit_attrs(dump)	((dump)->info.attrs)
#else
#define dmvpn_dumpit_attrs(dump)	((dump)->attrs)
#endif

/*
 * 6.7: the core can own dev->tstats. From 6.7 on iptunnel_xmit_stats()
 * expects it to (it WARNs when pcpu_stat_type is not TSTATS), so there the
 * device asks for them in setup and neither allocates nor frees them.
 */
#if KERNEL_VERSION(6, 7, 0) <= LINUX_VERSION_CODE
#define dmvpn_tstats_setup(dev)	((dev)->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS)
#define dmvpn_tstats_alloc(dev)	0
#define dmvpn_tstats_free(dev)	do { } while (0)
#else
#define dmvpn_tstats_setup(dev)	do { } while (0)
#define dmvpn_tstats_alloc(dev)						\
	({								\
		struct net_device *__dev = (dev);			\
									\
		__dev->tstats =						\
			netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);\
		__dev->tstats ? 0 : -ENOMEM;				\
	})
#define dmvpn_tstats_free(dev)	free_percpu((dev)->tstats)
#endif

/*
 * 6.10: tunnel flags are a bitmap (IP_TUNNEL_*_BIT), the kernel-side
 * tunnel parameters struct ip_tunnel_parm_kern, and gre_build_header()
 * takes the bitmap. dmvpn only ever sets or tests the key flag.
 */
#if KERNEL_VERSION(6, 10, 0) <= LINUX_VERSION_CODE
#define dmvpn_ip_tunnel_parm		ip_tunnel_parm_kern
#define dmvpn_tunnel_has_key(flags)	test_bit(IP_TUNNEL_KEY_BIT, (flags))
#define dmvpn_gre_build_header(skb, hlen, has_key, proto, key)		\
	do {								\
		IP_TUNNEL_DECLARE_FLAGS(__flags) = { };			\
									\
		__assign_bit(IP_TUNNEL_KEY_BIT, __flags, (has_key));	\
		gre_build_header((skb), (hlen), __flags, (proto), (key), 0);\
	} while (0)
#else
#define dmvpn_ip_tunnel_parm		ip_tunnel_parm
#define dmvpn_tunnel_has_key(flags)	(READ_ONCE(flags) & TUNNEL_KEY)
#define dmvpn_gre_build_header(skb, hlen, has_key, proto, key)		\
	gre_build_header((skb), (hlen), (has_key) ? TUNNEL_KEY : 0,	\
			 (proto), (key), 0)
#endif

/* 6.12: NETIF_F_LLTX became the private flag dev->lltx. */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
#define dmvpn_set_lltx(dev)	((dev)->lltx = true)
#else
#define dmvpn_set_lltx(dev)	((dev)->features |= NETIF_F_LLTX)
#endif

/*
 * 6.15: rtnl_link_ops->newlink() takes its arguments in a struct
 * rtnl_newlink_params. DMVPN_DEFINE_NEWLINK(name, fn) defines the op
 * @name around fn(src_net, dev, tb, data, extack), where src_net is what
 * older kernels passed: the IFLA_LINK_NETNSID namespace, else the
 * requester's.
 */
#if KERNEL_VERSION(6, 15, 0) <= LINUX_VERSION_CODE
#define DMVPN_DEFINE_NEWLINK(name, fn)					\
	static int name(struct net_device *dev,				\
			struct rtnl_newlink_params *params,		\
			struct netlink_ext_ack *extack)			\
	{								\
		return fn(rtnl_newlink_link_net(params), dev,		\
			  params->tb, params->data, extack);		\
	}
#else
#define DMVPN_DEFINE_NEWLINK(name, fn)					\
	static int name(struct net *src_net, struct net_device *dev,	\
			struct nlattr *tb[], struct nlattr *data[],	\
			struct netlink_ext_ack *extack)			\
	{								\
		return fn(src_net, dev, tb, data, extack);		\
	}
#endif

/*
 * Probed (kernel/Kbuild): struct flowi4 carries a dscp_t instead of the
 * TOS byte. dmvpn_flowi4_tos(tos) is the designated initializer for it.
 */
#ifdef DMVPN_HAVE_FLOWI4_DSCP
#define dmvpn_flowi4_tos(tos)	.flowi4_dscp = inet_dsfield_to_dscp(tos)
#else
#define dmvpn_flowi4_tos(tos)	.flowi4_tos = RT_TOS(tos)
#endif

/* Probed: iptunnel_xmit() and ip6tunnel_xmit() take IPCB/IP6CB flags. */
#ifdef DMVPN_HAVE_TUNNEL_XMIT_FLAGS
#define dmvpn_iptunnel_xmit(...)	iptunnel_xmit(__VA_ARGS__, 0)
#else
#define dmvpn_iptunnel_xmit(...)	iptunnel_xmit(__VA_ARGS__)
#endif
#ifdef DMVPN_HAVE_TUNNEL6_XMIT_FLAGS
#define dmvpn_ip6tunnel_xmit(...)	ip6tunnel_xmit(__VA_ARGS__, 0)
#else
#define dmvpn_ip6tunnel_xmit(...)	ip6tunnel_xmit(__VA_ARGS__)
#endif

#endif /* _DMVPN_COMPAT_H */
