// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own GRE tunnels (ip_gre, ip6_gre: gre, gretap, erspan and
 * their IPv6 kinds) beside dmvpn in an underlay namespace.
 *
 * dmvpn sees GRE before ip_gre does (a LOCAL_IN hook: ip_gre holds the GRE
 * protocol slot), so it must leave alone what ip_gre would give a more
 * specific tunnel: one whose remote is the packet's source (point to
 * point), or, against a device of ours listening on any address, one
 * bound to the packet's destination. A notifier keeps a list of those
 * tunnels per underlay namespace (the tunnel's own netns for packet i/o);
 * the receive path walks it only when it is not empty.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/ip_tunnels.h>
#include <net/ip6_tunnel.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "dmvpn.h"

struct dmvpn_gre_net {
	struct list_head	tunnels;	/* writers: RTNL; readers: RCU */
	bool			ready;		/* RTNL: our init has run */
};

struct dmvpn_gre_tunnel {
	struct list_head	list;
	/* No reference: unlinked at NETDEV_UNREGISTER, before the free. */
	struct net_device	*dev;
	bool			ipv6;
	struct rcu_head		rcu;
};

static unsigned int dmvpn_gre_net_id __read_mostly;

/* The tunnel kinds of ip_gre and ip6_gre; 0 if @dev is none of them. */
static int dmvpn_gre_kind(const struct net_device *dev)
{
	static const char * const v4[] = { "gre", "gretap", "erspan" };
	static const char * const v6[] = { "ip6gre", "ip6gretap", "ip6erspan" };
	const char *kind;
	int i;

	if (!dev->rtnl_link_ops)
		return 0;
	kind = dev->rtnl_link_ops->kind;
	for (i = 0; i < ARRAY_SIZE(v4); i++) {
		if (!strcmp(kind, v4[i]))
			return AF_INET;
		if (!strcmp(kind, v6[i]))
			return AF_INET6;
	}
	return 0;
}

static struct net *dmvpn_gre_tunnel_net(const struct net_device *dev, int af)
{
	if (af == AF_INET)
		return ((const struct ip_tunnel *)netdev_priv(dev))->net;
	return ((const struct ip6_tnl *)netdev_priv(dev))->net;
}

/* What ip_gre matches a packet on; a changelink may tear it: one packet. */
struct dmvpn_gre_parms {
	struct dmvpn_addr	local, remote;
	bool			has_key;
	u32			key;
};

static void dmvpn_gre_parms(const struct dmvpn_gre_tunnel *t,
			    struct dmvpn_gre_parms *p)
{
	if (!t->ipv6) {
		const struct dmvpn_ip_tunnel_parm *tp =
			&((const struct ip_tunnel *)netdev_priv(t->dev))->parms;

		dmvpn_addr_set4(&p->local, READ_ONCE(tp->iph.saddr));
		dmvpn_addr_set4(&p->remote, READ_ONCE(tp->iph.daddr));
		p->has_key = dmvpn_tunnel_has_key(tp->i_flags);
		p->key = be32_to_cpu(READ_ONCE(tp->i_key));
	} else {
		const struct __ip6_tnl_parm *tp =
			&((const struct ip6_tnl *)netdev_priv(t->dev))->parms;

		dmvpn_addr_set6(&p->local, &tp->laddr);
		dmvpn_addr_set6(&p->remote, &tp->raddr);
		p->has_key = dmvpn_tunnel_has_key(tp->i_flags);
		p->key = be32_to_cpu(READ_ONCE(tp->i_key));
	}
}

/*
 * Whether a tunnel of ip_gre's in @net takes GRE from @src to @local with
 * this key rather than @dd, by ip_gre's own order: a matching remote
 * first, then a matching local. Caller holds RCU.
 */
bool dmvpn_gre_foreign_owns(struct net *net, const struct dmvpn_dev *dd,
			    const struct dmvpn_addr *local,
			    const struct dmvpn_addr *src, bool has_key, u32 key)
{
	struct dmvpn_gre_net *gn = net_generic(net, dmvpn_gre_net_id);
	int ours = !dmvpn_addr_any(&dmvpn_cfg(dd)->local);
	struct dmvpn_gre_tunnel *t;
	struct dmvpn_gre_parms p;

	list_for_each_entry_rcu(t, &gn->tunnels, list) {
		if (t->ipv6 != !dmvpn_addr_is_v4(local) ||
		    !(READ_ONCE(t->dev->flags) & IFF_UP))
			continue;
		dmvpn_gre_parms(t, &p);
		if (p.has_key != has_key || (has_key && p.key != key))
			continue;
		if ((!dmvpn_addr_any(&p.remote) &&
		     !dmvpn_addr_equal(&p.remote, src)) ||
		    (!dmvpn_addr_any(&p.local) &&
		     !dmvpn_addr_equal(&p.local, local)))
			continue;
		if (2 * !dmvpn_addr_any(&p.remote) + !dmvpn_addr_any(&p.local) >
		    ours)
			return true;
	}
	return false;
}

/*
 * Our per-namespace state under RTNL, or NULL before our init has run in
 * that namespace (it then lists the tunnels made before it itself).
 */
static struct dmvpn_gre_net *dmvpn_gre_net(struct net *net)
{
	struct dmvpn_gre_net *gn = net_generic(net, dmvpn_gre_net_id);

	return gn && gn->ready ? gn : NULL;
}

static int dmvpn_gre_track(struct dmvpn_gre_net *gn, struct net_device *dev,
			   int af)
{
	struct dmvpn_gre_tunnel *t;

	/* Found by our init and replayed by the notifier's registration. */
	list_for_each_entry(t, &gn->tunnels, list)
		if (t->dev == dev)
			return 0;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->dev = dev;
	t->ipv6 = af == AF_INET6;
	list_add_tail_rcu(&t->list, &gn->tunnels);
	return 0;
}

static void dmvpn_gre_forget(struct net_device *dev, struct net *net)
{
	struct dmvpn_gre_net *gn = dmvpn_gre_net(net);
	struct dmvpn_gre_tunnel *t;

	if (!gn)
		return;
	list_for_each_entry(t, &gn->tunnels, list) {
		if (t->dev == dev) {
			list_del_rcu(&t->list);
			kfree_rcu(t, rcu);
			return;
		}
	}
}

static int dmvpn_gre_netdev_event(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	int af = dmvpn_gre_kind(dev);
	struct dmvpn_gre_net *gn;

	if (!af)
		return NOTIFY_DONE;
	ASSERT_RTNL();
	switch (event) {
	case NETDEV_REGISTER:
		gn = dmvpn_gre_net(dmvpn_gre_tunnel_net(dev, af));
		/* Without it dmvpn may take that tunnel's packets: refuse. */
		if (gn)
			return notifier_from_errno(dmvpn_gre_track(gn, dev, af));
		break;
	case NETDEV_UNREGISTER:
		dmvpn_gre_forget(dev, dmvpn_gre_tunnel_net(dev, af));
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block dmvpn_gre_nb = {
	.notifier_call = dmvpn_gre_netdev_event,
};

/* Tunnels still listed (devices of other namespaces): forget them. */
static void __net_exit dmvpn_gre_net_exit(struct net *net)
{
	struct dmvpn_gre_net *gn = net_generic(net, dmvpn_gre_net_id);
	struct dmvpn_gre_tunnel *t, *tmp;

	rtnl_lock();
	gn->ready = false;
	list_for_each_entry_safe(t, tmp, &gn->tunnels, list) {
		list_del_rcu(&t->list);
		kfree_rcu(t, rcu);
	}
	rtnl_unlock();
}

/*
 * A namespace being set up may have tunnels already (ip_gre's fallback
 * devices, when ip_gre's init ran before ours): list those of them whose
 * packets come through it.
 */
static int __net_init dmvpn_gre_net_init(struct net *net)
{
	struct dmvpn_gre_net *gn = net_generic(net, dmvpn_gre_net_id);
	struct net_device *dev;
	int af, err = 0;

	INIT_LIST_HEAD(&gn->tunnels);
	rtnl_lock();
	gn->ready = true;
	for_each_netdev(net, dev) {
		af = dmvpn_gre_kind(dev);
		if (af && dmvpn_gre_tunnel_net(dev, af) == net) {
			err = dmvpn_gre_track(gn, dev, af);
			if (err)
				break;
		}
	}
	rtnl_unlock();
	if (err)
		dmvpn_gre_net_exit(net);
	return err;
}

static struct pernet_operations dmvpn_gre_net_ops = {
	.init	= dmvpn_gre_net_init,
	.exit	= dmvpn_gre_net_exit,
	.id	= &dmvpn_gre_net_id,
	.size	= sizeof(struct dmvpn_gre_net),
};

int dmvpn_gre_foreign_init(void)
{
	int err;

	err = register_pernet_device(&dmvpn_gre_net_ops);
	if (err)
		return err;
	/*
	 * Every namespace has our state now (the init above listed its
	 * tunnels); the replayed NETDEV_REGISTERs find them listed.
	 */
	err = register_netdevice_notifier(&dmvpn_gre_nb);
	if (err)
		unregister_pernet_device(&dmvpn_gre_net_ops);
	return err;
}

void dmvpn_gre_foreign_exit(void)
{
	/* Replays NETDEV_UNREGISTER: every list is emptied. */
	unregister_netdevice_notifier(&dmvpn_gre_nb);
	unregister_pernet_device(&dmvpn_gre_net_ops);
}
