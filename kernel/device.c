// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn netdev and rtnl_link_ops: one device is one DMVPN cloud.
 *
 * The namespace the device is created in is its underlay for good; moving
 * the device elsewhere only moves the overlay side.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/rtnetlink.h>
#include <net/ip_tunnels.h>
#include <net/rtnetlink.h>
#include "dmvpn.h"

#define DMVPN_FEATURES	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA | \
			 NETIF_F_HW_CSUM)

static struct netlink_range_validation dmvpn_u16_range = {
	.min = 1, .max = U16_MAX,	/* NHRP carries times in 16 bits */
};

static struct netlink_range_validation dmvpn_reg_timeout_range = {
	.min = 0, .max = U16_MAX,	/* 0 = a third of the holding time */
};

static struct netlink_range_validation dmvpn_max_entries_range = {
	.min = 1, .max = DMVPN_MAX_MAX_ENTRIES,
};

static struct netlink_range_validation dmvpn_max_send_interval_range = {
	.min = 1, .max = 3600,
};

static struct netlink_range_validation dmvpn_redirect_timeout_range = {
	.min = DMVPN_MIN_REDIRECT_TIMEOUT, .max = DMVPN_MAX_REDIRECT_TIMEOUT,
};

static const struct nla_policy dmvpn_policy[IFLA_DMVPN_MAX + 1] = {
	[IFLA_DMVPN_LINK]		= { .type = NLA_U32 },
	[IFLA_DMVPN_LOCAL]		= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[IFLA_DMVPN_KEY]		= { .type = NLA_U32 },
	[IFLA_DMVPN_TTL]		= { .type = NLA_U8 },
	[IFLA_DMVPN_TOS]		= { .type = NLA_U8 },
	[IFLA_DMVPN_NETWORK_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[IFLA_DMVPN_HOLDTIME]		= NLA_POLICY_FULL_RANGE(NLA_U32,
							&dmvpn_u16_range),
	[IFLA_DMVPN_FLAGS]		= NLA_POLICY_MASK(NLA_U32, DMVPN_F_ALL),
	[IFLA_DMVPN_AUTH]		= NLA_POLICY_RANGE(NLA_BINARY, 1,
							   DMVPN_AUTH_MAXLEN),
	[IFLA_DMVPN_MAX_ENTRIES]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&dmvpn_max_entries_range),
	[IFLA_DMVPN_REG_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&dmvpn_reg_timeout_range),
	[IFLA_DMVPN_NOKEY]		= { .type = NLA_FLAG },
	[IFLA_DMVPN_AUTH_SET]		= { .type = NLA_REJECT },
	[IFLA_DMVPN_NOAUTH]		= { .type = NLA_FLAG },
	[IFLA_DMVPN_NHS_LIST]		= NLA_POLICY_NESTED_ARRAY(dmvpn_nhs_policy),
	[IFLA_DMVPN_MAX_SEND]		= NLA_POLICY_MIN(NLA_U32, 1),
	[IFLA_DMVPN_MAX_SEND_INTERVAL]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&dmvpn_max_send_interval_range),
	[IFLA_DMVPN_REDIRECT_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&dmvpn_redirect_timeout_range),
};

/* An NHS list from IFLA_DMVPN_NHS_LIST, checked before anything changes. */
struct dmvpn_nhs_conf {
	struct dmvpn_addr	nbma;
	struct dmvpn_addr	proto;
	bool			has_proto;
	u8			priority;
};

static int dmvpn_nhs_list_parse(struct dmvpn_dev *dd, const struct nlattr *list,
				struct dmvpn_nhs_conf *conf, unsigned int *n,
				struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	int rem, err;

	*n = 0;
	nla_for_each_nested(a, list, rem) {
		if (*n >= DMVPN_MAX_NHS) {
			NL_SET_ERR_MSG_ATTR(extack, a, "Too many NHSes");
			return -E2BIG;
		}
		err = dmvpn_parse_nhs(dd, a, &conf[*n].nbma, &conf[*n].proto,
				      &conf[*n].has_proto, &conf[*n].priority,
				      false, extack);
		if (err)
			return err;
		(*n)++;
	}
	return 0;
}

/* Replace the device's NHS list. RTNL held. */
static int dmvpn_nhs_list_apply(struct dmvpn_dev *dd,
				const struct dmvpn_nhs_conf *conf, unsigned int n,
				struct netlink_ext_ack *extack)
{
	unsigned int i;
	int err;

	dmvpn_nhs_flush(dd);
	for (i = 0; i < n; i++) {
		err = dmvpn_nhs_add(dd, &conf[i].nbma,
				    conf[i].has_proto ? &conf[i].proto : NULL,
				    conf[i].priority, extack);
		if (err)
			return err;
	}
	return 0;
}

static const struct net_device_ops dmvpn_netdev_ops;

bool dmvpn_is_dmvpn(const struct net_device *dev)
{
	return dev->netdev_ops == &dmvpn_netdev_ops;
}

/* Bytes added in front of an inner packet: outer IP and GRE. */
unsigned int dmvpn_outer_hlen(const struct dmvpn_cfg *cfg)
{
	return (dmvpn_addr_is_v4(&cfg->local) ? sizeof(struct iphdr) :
		sizeof(struct ipv6hdr)) + cfg->hlen;
}

static void dmvpn_update_hlen(struct dmvpn_dev *dd, struct dmvpn_cfg *cfg)
{
	struct net_device *dev = dd->dev;

	cfg->hlen = 4 + (cfg->has_key ? 4 : 0);
	dev->needed_headroom = LL_MAX_HEADER + dmvpn_outer_hlen(cfg);
	dev->max_mtu = IP_MAX_MTU - dmvpn_outer_hlen(cfg);
}

static int dmvpn_dev_init(struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);
	int err, cpu;

	err = dmvpn_tstats_alloc(dev);
	if (err)
		return err;
	dd->counters = alloc_percpu(struct dmvpn_counters);
	if (!dd->counters) {
		err = -ENOMEM;
		goto err_tstats;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(dd->counters, cpu)->syncp);
	err = gro_cells_init(&dd->gro_cells, dev);
	if (err)
		goto err_counters;
	err = dmvpn_cache_init(dd);
	if (err)
		goto err_gro;
	err = dmvpn_peers_init(dd);
	if (err)
		goto err_cache;
	err = dmvpn_nhrp_init(dd);
	if (err)
		goto err_peers;
	return 0;

err_peers:
	rhashtable_destroy(&dd->peers);
err_cache:
	rhashtable_destroy(&dd->cache);
err_gro:
	gro_cells_destroy(&dd->gro_cells);
err_counters:
	free_percpu(dd->counters);
err_tstats:
	dmvpn_tstats_free(dev);
	return err;
}

/*
 * Unhook the device from its underlay's receive path; idempotent. The list
 * node is left as list_del_rcu() leaves it: a receive still walking past
 * this device must find its way on to the rest of the list (reinitialising
 * the node made such a walker spin on it forever).
 */
static void dmvpn_dev_unhook(struct dmvpn_dev *dd)
{
	if (dd->hooked) {
		dmvpn_netns_detach(dd);
		dd->hooked = false;
	}
}

/*
 * Every deletion goes through here (ip link del, namespace exit, module
 * unload), so receive can no longer find the device once the unregister's
 * synchronize_net() has passed, before ndo_uninit tears it down.
 */
void dmvpn_dellink(struct net_device *dev, struct list_head *head)
{
	dmvpn_dev_unhook(netdev_priv(dev));
	unregister_netdevice_queue(dev, head);
}

/*
 * Called once the device is closed and unlinked and the data path has
 * quiesced (synchronize_net() in unregister_netdevice_many()).
 */
static void dmvpn_dev_uninit(struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);

	dmvpn_dev_unhook(dd);
	dmvpn_nhrp_destroy(dd);
	dmvpn_cache_destroy(dd);
	/* Nothing is left to queue a purge: gc, receive and NHS work are gone. */
	dmvpn_nhrp_answers_destroy(dd);
	dmvpn_peers_destroy(dd);
	gro_cells_destroy(&dd->gro_cells);
}

/* Last reference gone: only memory is left. */
static void dmvpn_dev_free(struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);

	kfree(dd->nhrp_msg);
	kfree(dd->nhrp_out);
	kfree(dd->nhrp_buf);
	dmvpn_redirect_free(dd);
	free_percpu(dd->counters);
	dmvpn_tstats_free(dev);
	pr_debug("device %p freed\n", dd);
}

static int dmvpn_get_iflink(const struct net_device *dev)
{
	const struct dmvpn_dev *dd = netdev_priv(dev);

	int link;

	rcu_read_lock();
	link = dmvpn_cfg(dd)->link;
	rcu_read_unlock();
	return link;
}

static int dmvpn_open(struct net_device *dev)
{
	dmvpn_nhrp_open(netdev_priv(dev));
	return 0;
}

static int dmvpn_stop(struct net_device *dev)
{
	dmvpn_nhrp_stop(netdev_priv(dev));
	return 0;
}

static const struct net_device_ops dmvpn_netdev_ops = {
	.ndo_init		= dmvpn_dev_init,
	.ndo_uninit		= dmvpn_dev_uninit,
	.ndo_open		= dmvpn_open,
	.ndo_stop		= dmvpn_stop,
	.ndo_start_xmit		= dmvpn_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_get_iflink		= dmvpn_get_iflink,
};

static void dmvpn_cfg_defaults(struct dmvpn_cfg *cfg);

static void dmvpn_setup(struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);

	dev->netdev_ops = &dmvpn_netdev_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = dmvpn_dev_free;
	dev->type = ARPHRD_IPGRE;
	dev->flags = IFF_NOARP | IFF_MULTICAST;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 4;
	dev->mtu = ETH_DATA_LEN - sizeof(struct iphdr) - 4;
	dev->min_mtu = ETH_MIN_MTU;
	dmvpn_set_lltx(dev);
	dmvpn_tstats_setup(dev);
	dev->features |= DMVPN_FEATURES | NETIF_F_GSO_SOFTWARE;
	dev->hw_features |= DMVPN_FEATURES | NETIF_F_GSO_SOFTWARE;
	/* The next hop is taken from the route the packet was sent with. */
	netif_keep_dst(dev);

	dd->dev = dev;
	dmvpn_cfg_defaults(&dd->cfgs[0]);
	RCU_INIT_POINTER(dd->cfg, &dd->cfgs[0]);
	INIT_LIST_HEAD(&dd->net_list);
	spin_lock_init(&dd->lock);
}

static int dmvpn_validate(struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct nlattr *a;

	if (!data)
		return 0;
	a = data[IFLA_DMVPN_LOCAL];
	if (a && nla_len(a) != 4 && nla_len(a) != 16) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "Local address must be IPv4 (4 bytes) or IPv6 (16 bytes)");
		return -EINVAL;
	}
	if (a && nla_len(a) == 4 && ipv4_is_multicast(nla_get_in_addr(a))) {
		NL_SET_ERR_MSG_ATTR(extack, a, "Local address cannot be multicast");
		return -EINVAL;
	}
	if (a && nla_len(a) == 16 &&
	    ipv6_addr_is_multicast((struct in6_addr *)nla_data(a))) {
		NL_SET_ERR_MSG_ATTR(extack, a, "Local address cannot be multicast");
		return -EINVAL;
	}
	if (data[IFLA_DMVPN_KEY] && data[IFLA_DMVPN_NOKEY]) {
		NL_SET_ERR_MSG(extack, "key and nokey are mutually exclusive");
		return -EINVAL;
	}
	if (data[IFLA_DMVPN_AUTH] && data[IFLA_DMVPN_NOAUTH]) {
		NL_SET_ERR_MSG(extack, "authfile and noauth are mutually exclusive");
		return -EINVAL;
	}
	return 0;
}

static void dmvpn_cfg_defaults(struct dmvpn_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->local.family = AF_INET;
	cfg->ttl = DMVPN_DEFAULT_TTL;
	cfg->network_id = DMVPN_DEFAULT_NETWORK_ID;
	cfg->holdtime = DMVPN_DEFAULT_HOLDTIME;
	cfg->flags = DMVPN_F_UNIQUE | DMVPN_F_NAT_EXT;
	cfg->max_entries = DMVPN_DEFAULT_MAX_ENTRIES;
	cfg->max_send = DMVPN_DEFAULT_MAX_SEND;
	cfg->max_send_interval = DMVPN_DEFAULT_MAX_SEND_INTERVAL;
	cfg->redirect_timeout = DMVPN_DEFAULT_REDIRECT_TIMEOUT;
}

/* Apply @data to @cfg. All checks that can fail come before any change. */
static int dmvpn_cfg_parse(struct dmvpn_dev *dd, struct net *net,
			   struct dmvpn_cfg *cfg, struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct nlattr *a;

	if (!data)
		return 0;

	a = data[IFLA_DMVPN_LOCAL];
	if (a) {
		struct dmvpn_addr local;

		if (nla_len(a) == 4)
			dmvpn_addr_set4(&local, nla_get_in_addr(a));
		else
			dmvpn_addr_set6(&local, nla_data(a));
		if (local.family != cfg->local.family && dd->n_peers) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "Cannot change the underlay address family while NBMA peers exist");
			return -EBUSY;
		}
		cfg->local = local;
	}
	a = data[IFLA_DMVPN_LINK];
	if (a) {
		u32 ifindex = nla_get_u32(a);

		if (ifindex && !__dev_get_by_index(net, ifindex)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "Underlay device not found in the underlay namespace");
			return -ENODEV;
		}
		cfg->link = ifindex;
	}
	if (data[IFLA_DMVPN_KEY]) {
		cfg->key = nla_get_u32(data[IFLA_DMVPN_KEY]);
		cfg->has_key = true;
	}
	if (data[IFLA_DMVPN_NOKEY]) {
		cfg->key = 0;
		cfg->has_key = false;
	}
	if (data[IFLA_DMVPN_TTL])
		cfg->ttl = nla_get_u8(data[IFLA_DMVPN_TTL]);
	if (data[IFLA_DMVPN_TOS])
		cfg->tos = nla_get_u8(data[IFLA_DMVPN_TOS]);
	if (data[IFLA_DMVPN_NETWORK_ID])
		cfg->network_id = nla_get_u32(data[IFLA_DMVPN_NETWORK_ID]);
	if (data[IFLA_DMVPN_HOLDTIME])
		cfg->holdtime = nla_get_u32(data[IFLA_DMVPN_HOLDTIME]);
	if (data[IFLA_DMVPN_REG_TIMEOUT])
		cfg->reg_timeout = nla_get_u32(data[IFLA_DMVPN_REG_TIMEOUT]);
	if (data[IFLA_DMVPN_FLAGS])
		cfg->flags = nla_get_u32(data[IFLA_DMVPN_FLAGS]);
	if (data[IFLA_DMVPN_MAX_ENTRIES])
		cfg->max_entries = nla_get_u32(data[IFLA_DMVPN_MAX_ENTRIES]);
	if (data[IFLA_DMVPN_MAX_SEND])
		cfg->max_send = nla_get_u32(data[IFLA_DMVPN_MAX_SEND]);
	if (data[IFLA_DMVPN_MAX_SEND_INTERVAL])
		cfg->max_send_interval =
			nla_get_u32(data[IFLA_DMVPN_MAX_SEND_INTERVAL]);
	if (data[IFLA_DMVPN_REDIRECT_TIMEOUT])
		cfg->redirect_timeout =
			nla_get_u32(data[IFLA_DMVPN_REDIRECT_TIMEOUT]);
	if (data[IFLA_DMVPN_NOAUTH]) {
		memset(cfg->auth, 0, sizeof(cfg->auth));
		cfg->auth_len = 0;
	}
	a = data[IFLA_DMVPN_AUTH];
	if (a) {
		memset(cfg->auth, 0, sizeof(cfg->auth));
		cfg->auth_len = nla_len(a);
		memcpy(cfg->auth, nla_data(a), cfg->auth_len);
	}
	return 0;
}

/* Outer address family decides the link type, as for ip_gre/ip6_gre. */
static void dmvpn_set_dev_addr(struct dmvpn_dev *dd,
			       const struct dmvpn_cfg *cfg)
{
	struct net_device *dev = dd->dev;

	if (dmvpn_addr_is_v4(&cfg->local)) {
		dev->type = ARPHRD_IPGRE;
		dev->addr_len = 4;
		dev_addr_set(dev, (const u8 *)&cfg->local.in4);
	} else {
		dev->type = ARPHRD_IP6GRE;
		dev->addr_len = 16;
		dev_addr_set(dev, (const u8 *)&cfg->local.in6);
	}
}

static unsigned int dmvpn_default_mtu(struct dmvpn_dev *dd,
				      const struct dmvpn_cfg *cfg)
{
	struct net_device *lower = NULL;
	unsigned int mtu = ETH_DATA_LEN;

	if (cfg->link)
		lower = __dev_get_by_index(dd->net, cfg->link);
	if (lower)
		mtu = lower->mtu;
	mtu -= dmvpn_outer_hlen(cfg);
	return clamp_t(unsigned int, mtu, dd->dev->min_mtu, dd->dev->max_mtu);
}

static int dmvpn_newlink(struct net *src_net, struct net_device *dev,
			 struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	struct dmvpn_dev *dd = netdev_priv(dev);
	/* Nobody else sees the device yet: its first slot is written in place. */
	struct dmvpn_cfg *cfg = &dd->cfgs[0];
	struct dmvpn_nhs_conf nhs[DMVPN_MAX_NHS];
	unsigned int n_nhs = 0;
	int err;

	dd->net = src_net;
	err = dmvpn_cfg_parse(dd, src_net, cfg, data, extack);
	if (err)
		return err;
	dd->family = cfg->local.family;
	if (data && data[IFLA_DMVPN_NHS_LIST]) {
		err = dmvpn_nhs_list_parse(dd, data[IFLA_DMVPN_NHS_LIST], nhs,
					   &n_nhs, extack);
		if (err)
			return err;
	}
	dmvpn_update_hlen(dd, cfg);
	dmvpn_set_dev_addr(dd, cfg);
	if (tb[IFLA_MTU]) {
		u32 mtu = nla_get_u32(tb[IFLA_MTU]);

		if (mtu < dev->min_mtu || mtu > dev->max_mtu) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MTU],
					    "MTU out of range for this underlay");
			return -EINVAL;
		}
		dev->mtu = mtu;
	} else {
		dev->mtu = dmvpn_default_mtu(dd, cfg);
	}

	err = register_netdevice(dev);
	if (err)
		return err;
	err = dmvpn_netns_attach(dd);
	if (err) {
		NL_SET_ERR_MSG(extack, "Cannot register the GRE receive hook");
		unregister_netdevice(dev);
		return err;
	}
	dd->hooked = true;
	err = dmvpn_nhs_list_apply(dd, nhs, n_nhs, extack);
	if (err) {
		dmvpn_dellink(dev, NULL);
		return err;
	}
	pr_debug("device %p created\n", dd);
	return 0;
}

static int dmvpn_changelink(struct net_device *dev, struct nlattr *tb[],
			    struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	struct dmvpn_dev *dd = netdev_priv(dev);
	const struct dmvpn_cfg *old = rtnl_dereference(dd->cfg);
	/* The slot readers do not see: the last change waited them out. */
	struct dmvpn_cfg *cfg = &dd->cfgs[old == &dd->cfgs[0]];
	unsigned int old_hlen = dmvpn_outer_hlen(old);
	struct dmvpn_nhs_conf nhs[DMVPN_MAX_NHS];
	unsigned int n_nhs = 0;
	int err;

	*cfg = *old;
	err = dmvpn_cfg_parse(dd, dd->net, cfg, data, extack);
	if (err)
		return err;
	if (data && data[IFLA_DMVPN_NHS_LIST]) {
		err = dmvpn_nhs_list_parse(dd, data[IFLA_DMVPN_NHS_LIST], nhs,
					   &n_nhs, extack);
		if (err)
			return err;
	}
	if (cfg->local.family != old->local.family) {
		NL_SET_ERR_MSG(extack,
			       "Cannot change the underlay address family; re-create the device");
		return -EOPNOTSUPP;
	}

	dmvpn_update_hlen(dd, cfg);
	/*
	 * The NHRP engine reads it under its mutex alone; after the grace
	 * period nothing made under the old flags (a shortcut) or sent with
	 * the old key is still in flight, and the old slot is free again.
	 */
	mutex_lock(&dd->nhrp_mutex);
	rcu_assign_pointer(dd->cfg, cfg);
	mutex_unlock(&dd->nhrp_mutex);
	synchronize_net();
	if (!(cfg->flags & DMVPN_F_SHORTCUT))
		dmvpn_shortcut_flush(dd);
	dmvpn_set_dev_addr(dd, cfg);
	if (!tb[IFLA_MTU] && dmvpn_outer_hlen(cfg) != old_hlen) {
		int mtu = dev->mtu + old_hlen - dmvpn_outer_hlen(cfg);

		dev_set_mtu(dev, clamp_t(int, mtu, dev->min_mtu, dev->max_mtu));
	}
	dmvpn_peer_reset_dst(dd);
	if (data && data[IFLA_DMVPN_NHS_LIST])
		return dmvpn_nhs_list_apply(dd, nhs, n_nhs, extack);
	return 0;
}

static size_t dmvpn_get_size(const struct net_device *dev)
{
	return nla_total_size(4) +			/* LINK */
	       nla_total_size(16) +			/* LOCAL */
	       nla_total_size(4) +			/* KEY */
	       nla_total_size(1) + nla_total_size(1) +	/* TTL, TOS */
	       nla_total_size(4) * 8 +			/* NETWORK_ID .. REDIRECT_TIMEOUT */
	       nla_total_size(0) +			/* AUTH_SET */
	       nla_total_size(0) + DMVPN_MAX_NHS *	/* NHS_LIST */
	       (nla_total_size(0) + 2 * nla_total_size(16) + nla_total_size(1));
}

/* The NHS list as configured, under RTNL (its writers hold it too). */
static int dmvpn_fill_nhs_list(struct sk_buff *skb, const struct dmvpn_dev *dd)
{
	const struct dmvpn_nhs *nhs;
	struct nlattr *list, *one;

	if (list_empty(&dd->nhs_list))
		return 0;
	list = nla_nest_start(skb, IFLA_DMVPN_NHS_LIST);
	if (!list)
		return -EMSGSIZE;
	list_for_each_entry(nhs, &dd->nhs_list, list) {
		one = nla_nest_start(skb, DMVPN_A_NHS);
		if (!one || dmvpn_nla_put_nhs(skb, nhs))
			return -EMSGSIZE;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, list);
	return 0;
}

static int dmvpn_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct dmvpn_dev *dd = netdev_priv(dev);
	const struct dmvpn_cfg *cfg = dmvpn_cfg(dd);

	if (nla_put_u32(skb, IFLA_DMVPN_LINK, cfg->link) ||
	    (dmvpn_addr_is_v4(&cfg->local) ?
	     nla_put_in_addr(skb, IFLA_DMVPN_LOCAL, cfg->local.in4) :
	     nla_put_in6_addr(skb, IFLA_DMVPN_LOCAL, &cfg->local.in6)) ||
	    (cfg->has_key && nla_put_u32(skb, IFLA_DMVPN_KEY, cfg->key)) ||
	    nla_put_u8(skb, IFLA_DMVPN_TTL, cfg->ttl) ||
	    nla_put_u8(skb, IFLA_DMVPN_TOS, cfg->tos) ||
	    nla_put_u32(skb, IFLA_DMVPN_NETWORK_ID, cfg->network_id) ||
	    nla_put_u32(skb, IFLA_DMVPN_HOLDTIME, cfg->holdtime) ||
	    nla_put_u32(skb, IFLA_DMVPN_FLAGS, cfg->flags) ||
	    nla_put_u32(skb, IFLA_DMVPN_MAX_ENTRIES, cfg->max_entries) ||
	    nla_put_u32(skb, IFLA_DMVPN_REG_TIMEOUT, cfg->reg_timeout) ||
	    nla_put_u32(skb, IFLA_DMVPN_MAX_SEND, cfg->max_send) ||
	    nla_put_u32(skb, IFLA_DMVPN_MAX_SEND_INTERVAL,
			cfg->max_send_interval) ||
	    nla_put_u32(skb, IFLA_DMVPN_REDIRECT_TIMEOUT,
			cfg->redirect_timeout) ||
	    /* Only that a secret is set: link dumps and RTNLGRP_LINK
	     * notifications reach unprivileged users.
	     */
	    (cfg->auth_len && nla_put_flag(skb, IFLA_DMVPN_AUTH_SET)))
		return -EMSGSIZE;
	return dmvpn_fill_nhs_list(skb, dd);
}

static struct net *dmvpn_get_link_net(const struct net_device *dev)
{
	const struct dmvpn_dev *dd = netdev_priv(dev);

	return dd->net;
}

DMVPN_DEFINE_NEWLINK(dmvpn_newlink_op, dmvpn_newlink)

struct rtnl_link_ops dmvpn_link_ops __read_mostly = {
	.kind		= "dmvpn",
	.maxtype	= IFLA_DMVPN_MAX,
	.policy		= dmvpn_policy,
	.priv_size	= sizeof(struct dmvpn_dev),
	.setup		= dmvpn_setup,
	.validate	= dmvpn_validate,
	.newlink	= dmvpn_newlink_op,
	.changelink	= dmvpn_changelink,
	.dellink	= dmvpn_dellink,
	.get_size	= dmvpn_get_size,
	.fill_info	= dmvpn_fill_info,
	.get_link_net	= dmvpn_get_link_net,
};
