// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn per-namespace state: the devices whose underlay is a namespace.
 *
 * A device keeps the namespace it was created in as its underlay even when
 * it is moved elsewhere, so this list is keyed by the underlay, not by
 * dev_net(). The receive hooks are registered in a namespace only while it
 * is the underlay of at least one device. When an underlay namespace goes
 * away, the devices that depend on it go with it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "dmvpn.h"

struct dmvpn_net {
	struct list_head	devs;	/* writers: RTNL; readers: RCU */
	unsigned int		n_devs;
};

static unsigned int dmvpn_net_id __read_mostly;

int dmvpn_netns_attach(struct dmvpn_dev *dd)
{
	struct dmvpn_net *dn = net_generic(dd->net, dmvpn_net_id);
	int err;

	ASSERT_RTNL();
	if (!dn->n_devs) {
		err = dmvpn_recv_register(dd->net);
		if (err)
			return err;
	}
	dn->n_devs++;
	list_add_tail_rcu(&dd->net_list, &dn->devs);
	return 0;
}

void dmvpn_netns_detach(struct dmvpn_dev *dd)
{
	struct dmvpn_net *dn = net_generic(dd->net, dmvpn_net_id);

	ASSERT_RTNL();
	list_del_rcu(&dd->net_list);
	if (!--dn->n_devs)
		dmvpn_recv_unregister(dd->net);
}

/*
 * Device that receives GRE sent to @local with the given key. A device bound
 * to @local wins over one listening on any address. Caller holds RCU.
 */
struct dmvpn_dev *dmvpn_netns_find(struct net *net,
				   const struct dmvpn_addr *local,
				   bool has_key, u32 key)
{
	struct dmvpn_net *dn = net_generic(net, dmvpn_net_id);
	struct dmvpn_dev *dd, *wild = NULL;

	list_for_each_entry_rcu(dd, &dn->devs, net_list) {
		const struct dmvpn_cfg *cfg = dmvpn_cfg(dd);

		if (cfg->local.family != local->family ||
		    cfg->has_key != has_key || (has_key && cfg->key != key))
			continue;
		if (dmvpn_addr_equal(&cfg->local, local))
			return dd;
		if (local->family == AF_INET ? !cfg->local.in4 :
		    ipv6_addr_any(&cfg->local.in6))
			wild = dd;
	}
	return wild;
}

static int __net_init dmvpn_net_init(struct net *net)
{
	struct dmvpn_net *dn = net_generic(net, dmvpn_net_id);

	INIT_LIST_HEAD(&dn->devs);
	dn->n_devs = 0;
	return 0;
}

static void __net_exit dmvpn_net_exit_batch(struct list_head *net_list)
{
	struct dmvpn_dev *dd, *tmp;
	struct net *net;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list) {
		struct dmvpn_net *dn = net_generic(net, dmvpn_net_id);

		list_for_each_entry_safe(dd, tmp, &dn->devs, net_list)
			dmvpn_dellink(dd->dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}

static struct pernet_operations dmvpn_net_ops = {
	.init		= dmvpn_net_init,
	.exit_batch	= dmvpn_net_exit_batch,
	.id		= &dmvpn_net_id,
	.size		= sizeof(struct dmvpn_net),
};

int dmvpn_netns_init(void)
{
	return register_pernet_device(&dmvpn_net_ops);
}

void dmvpn_netns_exit(void)
{
	unregister_pernet_device(&dmvpn_net_ops);
}
