// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn generic netlink family: static mappings, cache and peer dumps,
 * device counters. Documentation/netlink/specs/dmvpn.yaml describes it.
 *
 * Mutators run under RTNL so a device cannot be torn down (ndo_uninit
 * flushes its cache) while an entry is being added to it. Dumps run under
 * RCU, find their device again by ifindex on every call and flag an
 * interrupted dump when the device's generation moved.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include "dmvpn.h"

static const struct nla_policy dmvpn_entry_policy[DMVPN_ENTRY_A_MAX + 1] = {
	[DMVPN_ENTRY_A_PROTO]		= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[DMVPN_ENTRY_A_PREFIXLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[DMVPN_ENTRY_A_NBMA]		= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[DMVPN_ENTRY_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32,
							  DMVPN_ENTRY_F_MULTICAST |
							  DMVPN_ENTRY_F_NHS),
};

const struct nla_policy dmvpn_nhs_policy[DMVPN_NHS_A_MAX + 1] = {
	[DMVPN_NHS_A_NBMA]		= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[DMVPN_NHS_A_PROTO]		= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[DMVPN_NHS_A_PRIORITY]		= { .type = NLA_U8 },
};

static const struct nla_policy dmvpn_genl_policy[DMVPN_A_MAX + 1] = {
	[DMVPN_A_IFINDEX]	= { .type = NLA_U32 },
	[DMVPN_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[DMVPN_A_ENTRY]		= NLA_POLICY_NESTED(dmvpn_entry_policy),
	[DMVPN_A_FLUSH_TYPE]	= NLA_POLICY_RANGE(NLA_U8, DMVPN_ENTRY_STATIC,
						   DMVPN_ENTRY_MAX),
	[DMVPN_A_NHS]		= NLA_POLICY_NESTED(dmvpn_nhs_policy),
};

static struct genl_family dmvpn_genl_family;

/* The dmvpn device a request names, in the requester's namespace. */
static struct net_device *dmvpn_genl_dev(struct net *net, struct nlattr **attrs,
					 struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;

	if (attrs[DMVPN_A_IFINDEX]) {
		dev = __dev_get_by_index(net, nla_get_u32(attrs[DMVPN_A_IFINDEX]));
	} else if (attrs[DMVPN_A_IFNAME]) {
		dev = __dev_get_by_name(net, nla_data(attrs[DMVPN_A_IFNAME]));
	} else {
		NL_SET_ERR_MSG(extack, "Device not specified (ifindex or ifname)");
		return ERR_PTR(-EINVAL);
	}
	if (!dev) {
		NL_SET_ERR_MSG(extack, "No such device");
		return ERR_PTR(-ENODEV);
	}
	if (!dmvpn_is_dmvpn(dev)) {
		NL_SET_ERR_MSG(extack, "Device is not a dmvpn device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

int dmvpn_nla_get_addr(const struct nlattr *a, struct dmvpn_addr *addr,
		       struct netlink_ext_ack *extack)
{
	if (nla_len(a) == 4) {
		dmvpn_addr_set4(addr, nla_get_in_addr(a));
		return 0;
	}
	if (nla_len(a) == 16) {
		dmvpn_addr_set6(addr, nla_data(a));
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, a, "Address must be 4 (IPv4) or 16 (IPv6) bytes");
	return -EINVAL;
}

static int dmvpn_nla_put_addr(struct sk_buff *msg, int type,
			      const struct dmvpn_addr *addr)
{
	if (dmvpn_addr_is_v4(addr))
		return nla_put_in_addr(msg, type, addr->in4);
	return nla_put_in6_addr(msg, type, &addr->in6);
}

bool dmvpn_nbma_usable(const struct dmvpn_addr *a)
{
	if (dmvpn_addr_is_v4(a))
		return !ipv4_is_zeronet(a->in4) && !ipv4_is_multicast(a->in4) &&
		       !ipv4_is_lbcast(a->in4) && !ipv4_is_loopback(a->in4);
	return !ipv6_addr_any(&a->in6) && !ipv6_addr_is_multicast(&a->in6) &&
	       !ipv6_addr_loopback(&a->in6);
}

/* Parse the DMVPN_A_ENTRY nest of a map request: address and prefix. */
static int dmvpn_parse_map(struct dmvpn_dev *dd, struct nlattr **tb,
			   struct dmvpn_addr *proto, u8 *plen,
			   struct netlink_ext_ack *extack)
{
	struct dmvpn_addr masked;
	int err;

	if (!tb[DMVPN_ENTRY_A_PROTO]) {
		NL_SET_ERR_MSG(extack, "Protocol address missing");
		return -EINVAL;
	}
	err = dmvpn_nla_get_addr(tb[DMVPN_ENTRY_A_PROTO], proto, extack);
	if (err)
		return err;
	*plen = dmvpn_addr_bits(proto);
	if (tb[DMVPN_ENTRY_A_PREFIXLEN]) {
		*plen = nla_get_u8(tb[DMVPN_ENTRY_A_PREFIXLEN]);
		if (*plen > dmvpn_addr_bits(proto)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[DMVPN_ENTRY_A_PREFIXLEN],
					    "Prefix length too long for the address family");
			return -EINVAL;
		}
	}
	masked = *proto;
	dmvpn_addr_mask(&masked, *plen);
	if (!dmvpn_addr_equal(&masked, proto)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DMVPN_ENTRY_A_PROTO],
				    "Address has host bits set for the prefix length");
		return -EINVAL;
	}
	return 0;
}

static int dmvpn_parse_entry_nest(struct genl_info *info, struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, DMVPN_A_ENTRY))
		return -EINVAL;
	return nla_parse_nested(tb, DMVPN_ENTRY_A_MAX, info->attrs[DMVPN_A_ENTRY],
				dmvpn_entry_policy, info->extack);
}

static int dmvpn_map_add(struct dmvpn_dev *dd, struct genl_info *info)
{
	struct nlattr *tb[DMVPN_ENTRY_A_MAX + 1];
	struct dmvpn_addr proto, nbma;
	u32 flags = 0;
	u8 plen;
	int err;

	err = dmvpn_parse_entry_nest(info, tb);
	if (err)
		return err;
	err = dmvpn_parse_map(dd, tb, &proto, &plen, info->extack);
	if (err)
		return err;
	if (!tb[DMVPN_ENTRY_A_NBMA]) {
		NL_SET_ERR_MSG(info->extack, "NBMA address missing");
		return -EINVAL;
	}
	err = dmvpn_nla_get_addr(tb[DMVPN_ENTRY_A_NBMA], &nbma, info->extack);
	if (err)
		return err;
	if (nbma.family != dd->family) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[DMVPN_ENTRY_A_NBMA],
				    "NBMA address family differs from the device's underlay");
		return -EAFNOSUPPORT;
	}
	if (!dmvpn_nbma_usable(&nbma)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[DMVPN_ENTRY_A_NBMA],
				    "NBMA address must be a unicast, non-loopback address");
		return -EINVAL;
	}
	if (tb[DMVPN_ENTRY_A_FLAGS])
		flags = nla_get_u32(tb[DMVPN_ENTRY_A_FLAGS]);
	return dmvpn_cache_add(dd, &proto, plen, &nbma, DMVPN_ENTRY_STATIC,
			       flags, 0, info->extack);
}

static int dmvpn_map_del(struct dmvpn_dev *dd, struct genl_info *info)
{
	struct nlattr *tb[DMVPN_ENTRY_A_MAX + 1];
	struct dmvpn_addr proto;
	u8 plen;
	int err;

	err = dmvpn_parse_entry_nest(info, tb);
	if (err)
		return err;
	err = dmvpn_parse_map(dd, tb, &proto, &plen, info->extack);
	if (err)
		return err;
	return dmvpn_cache_del(dd, &proto, plen, info->extack);
}

static int dmvpn_flush(struct dmvpn_dev *dd, struct genl_info *info)
{
	u8 type = 0;

	if (info->attrs[DMVPN_A_FLUSH_TYPE])
		type = nla_get_u8(info->attrs[DMVPN_A_FLUSH_TYPE]);
	if (!type || type == DMVPN_ENTRY_SHORTCUT)
		dmvpn_shortcut_flush(dd);
	if (type != DMVPN_ENTRY_SHORTCUT)
		dmvpn_cache_flush(dd, type);
	return 0;
}

/*
 * One NHS description (a DMVPN_A_NHS nest, or an element of the link's
 * IFLA_DMVPN_NHS_LIST): NBMA address, optional tunnel address, priority.
 */
int dmvpn_parse_nhs(struct dmvpn_dev *dd, const struct nlattr *nest,
		    struct dmvpn_addr *nbma, struct dmvpn_addr *proto,
		    bool *has_proto, u8 *priority, bool need_nbma_only,
		    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[DMVPN_NHS_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, DMVPN_NHS_A_MAX, nest, dmvpn_nhs_policy,
			       extack);
	if (err)
		return err;
	if (!tb[DMVPN_NHS_A_NBMA]) {
		NL_SET_ERR_MSG(extack, "NHS NBMA address missing");
		return -EINVAL;
	}
	err = dmvpn_nla_get_addr(tb[DMVPN_NHS_A_NBMA], nbma, extack);
	if (err)
		return err;
	if (!dmvpn_nbma_usable(nbma)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DMVPN_NHS_A_NBMA],
				    "NHS NBMA address must be a unicast, non-loopback address");
		return -EINVAL;
	}
	if (nbma->family != dd->family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DMVPN_NHS_A_NBMA],
				    "NHS NBMA address family differs from the device's underlay");
		return -EAFNOSUPPORT;
	}
	if (need_nbma_only)
		return 0;
	*has_proto = !!tb[DMVPN_NHS_A_PROTO];
	if (*has_proto) {
		err = dmvpn_nla_get_addr(tb[DMVPN_NHS_A_PROTO], proto, extack);
		if (err)
			return err;
	}
	*priority = tb[DMVPN_NHS_A_PRIORITY] ?
		    nla_get_u8(tb[DMVPN_NHS_A_PRIORITY]) : 0;
	return 0;
}

static int dmvpn_nhs_op(struct dmvpn_dev *dd, struct genl_info *info, bool add)
{
	struct dmvpn_addr nbma, proto;
	bool has_proto = false;
	u8 priority = 0;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DMVPN_A_NHS))
		return -EINVAL;
	err = dmvpn_parse_nhs(dd, info->attrs[DMVPN_A_NHS], &nbma, &proto,
			      &has_proto, &priority, !add, info->extack);
	if (err)
		return err;
	if (!add)
		return dmvpn_nhs_del(dd, &nbma, info->extack);
	return dmvpn_nhs_add(dd, &nbma, has_proto ? &proto : NULL, priority,
			     info->extack);
}

/* Mutators share one path: RTNL, device lookup, then the operation. */
static int dmvpn_genl_mutate(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	struct dmvpn_dev *dd;
	int err;

	rtnl_lock();
	dev = dmvpn_genl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto out;
	}
	dd = netdev_priv(dev);
	switch (info->genlhdr->cmd) {
	case DMVPN_CMD_MAP_ADD:
		err = dmvpn_map_add(dd, info);
		break;
	case DMVPN_CMD_MAP_DEL:
		err = dmvpn_map_del(dd, info);
		break;
	case DMVPN_CMD_FLUSH:
		err = dmvpn_flush(dd, info);
		break;
	case DMVPN_CMD_NHS_ADD:
		err = dmvpn_nhs_op(dd, info, true);
		break;
	case DMVPN_CMD_NHS_DEL:
		err = dmvpn_nhs_op(dd, info, false);
		break;
	default:
		err = -EOPNOTSUPP;
	}
out:
	rtnl_unlock();
	return err;
}

static u32 dmvpn_jiffies_to_secs(unsigned long j)
{
	return min_t(unsigned long, j / HZ, U32_MAX);
}

static u32 dmvpn_secs_left(unsigned long expires)
{
	return time_after(expires, jiffies) ?
	       dmvpn_jiffies_to_secs(expires - jiffies) : 0;
}

/* The attributes of one entry, nested as DMVPN_A_ENTRY. Caller holds RCU. */
static int dmvpn_put_entry(struct sk_buff *msg, const struct dmvpn_entry *e)
{
	struct dmvpn_peer *peer = rcu_dereference_check(e->peer, 1);
	unsigned long expires = READ_ONCE(e->expires);
	u32 flags = READ_ONCE(e->flags);
	struct nlattr *nest;

	if (READ_ONCE(e->used))
		flags |= DMVPN_ENTRY_F_USED;
	nest = nla_nest_start(msg, DMVPN_A_ENTRY);
	if (!nest)
		return -EMSGSIZE;
	if (dmvpn_nla_put_addr(msg, DMVPN_ENTRY_A_PROTO, &e->key.addr) ||
	    nla_put_u8(msg, DMVPN_ENTRY_A_PREFIXLEN, e->key.plen) ||
	    (peer && dmvpn_nla_put_addr(msg, DMVPN_ENTRY_A_NBMA, &peer->nbma)) ||
	    nla_put_u8(msg, DMVPN_ENTRY_A_TYPE, READ_ONCE(e->type)) ||
	    nla_put_u32(msg, DMVPN_ENTRY_A_FLAGS, flags) ||
	    (expires && nla_put_u32(msg, DMVPN_ENTRY_A_EXPIRES,
				    dmvpn_secs_left(expires))) ||
	    nla_put_u32(msg, DMVPN_ENTRY_A_AGE,
			dmvpn_jiffies_to_secs(jiffies - e->created)) ||
	    (e->claimed.family &&
	     dmvpn_nla_put_addr(msg, DMVPN_ENTRY_A_NBMA_CLAIMED, &e->claimed)) ||
	    (e->via.family &&
	     dmvpn_nla_put_addr(msg, DMVPN_ENTRY_A_VIA, &e->via)) ||
	    (e->mtu && nla_put_u32(msg, DMVPN_ENTRY_A_MTU, e->mtu))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* A shortcut, in the same DMVPN_A_ENTRY shape with type "shortcut". */
static int dmvpn_put_shortcut(struct sk_buff *msg,
			      const struct dmvpn_shortcut *sc)
{
	struct dmvpn_peer *peer = rcu_dereference_check(sc->peer, 1);
	u32 flags = READ_ONCE(sc->used) ? DMVPN_ENTRY_F_USED : 0;
	struct nlattr *nest;

	if (sc->claimed.family)
		flags |= DMVPN_ENTRY_F_NAT;
	nest = nla_nest_start(msg, DMVPN_A_ENTRY);
	if (!nest)
		return -EMSGSIZE;
	if (dmvpn_nla_put_addr(msg, DMVPN_ENTRY_A_PROTO, &sc->prefix) ||
	    nla_put_u8(msg, DMVPN_ENTRY_A_PREFIXLEN, sc->plen) ||
	    (peer && dmvpn_nla_put_addr(msg, DMVPN_ENTRY_A_NBMA, &peer->nbma)) ||
	    nla_put_u8(msg, DMVPN_ENTRY_A_TYPE, DMVPN_ENTRY_SHORTCUT) ||
	    nla_put_u32(msg, DMVPN_ENTRY_A_FLAGS, flags) ||
	    nla_put_u32(msg, DMVPN_ENTRY_A_EXPIRES,
			dmvpn_secs_left(READ_ONCE(sc->expires))) ||
	    nla_put_u32(msg, DMVPN_ENTRY_A_AGE,
			dmvpn_jiffies_to_secs(jiffies - sc->created)) ||
	    (sc->claimed.family &&
	     dmvpn_nla_put_addr(msg, DMVPN_ENTRY_A_NBMA_CLAIMED, &sc->claimed)) ||
	    dmvpn_nla_put_addr(msg, DMVPN_ENTRY_A_VIA, &sc->via) ||
	    (sc->mtu && nla_put_u32(msg, DMVPN_ENTRY_A_MTU, sc->mtu))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int dmvpn_fill_entry(struct sk_buff *msg, struct netlink_callback *cb,
			    struct dmvpn_dev *dd, struct dmvpn_entry *e,
			    struct dmvpn_shortcut *sc)
{
	void *hdr;

	hdr = genlmsg_put(msg, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dmvpn_genl_family, NLM_F_MULTI, DMVPN_CMD_CACHE_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(msg, DMVPN_A_IFINDEX, dd->dev->ifindex) ||
	    (e ? dmvpn_put_entry(msg, e) : dmvpn_put_shortcut(msg, sc))) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/* The attributes of one NHS (DMVPN_NHS_A_*), without the nest. */
int dmvpn_nla_put_nhs(struct sk_buff *msg, const struct dmvpn_nhs *nhs)
{
	if (dmvpn_nla_put_addr(msg, DMVPN_NHS_A_NBMA, &nhs->nbma) ||
	    (nhs->proto.family &&
	     dmvpn_nla_put_addr(msg, DMVPN_NHS_A_PROTO, &nhs->proto)) ||
	    nla_put_u8(msg, DMVPN_NHS_A_PRIORITY, nhs->priority))
		return -EMSGSIZE;
	return 0;
}

static int dmvpn_put_nhs_state(struct sk_buff *msg, const struct dmvpn_nhs *nhs)
{
	const struct dmvpn_addr *learned = nhs->reg[0].learned.family ?
		&nhs->reg[0].learned : &nhs->reg[1].learned;
	u8 state = READ_ONCE(nhs->state);
	struct nlattr *nest;

	nest = nla_nest_start(msg, DMVPN_A_NHS);
	if (!nest)
		return -EMSGSIZE;
	if (dmvpn_nla_put_nhs(msg, nhs) ||
	    nla_put_u8(msg, DMVPN_NHS_A_STATE, state) ||
	    nla_put_u32(msg, DMVPN_NHS_A_UPTIME,
			dmvpn_jiffies_to_secs(jiffies - READ_ONCE(nhs->since))) ||
	    (state == DMVPN_NHS_UP &&
	     nla_put_u32(msg, DMVPN_NHS_A_EXPIRES,
			 dmvpn_secs_left(READ_ONCE(nhs->expires)))) ||
	    nla_put_u32(msg, DMVPN_NHS_A_REQUEST_ID,
			READ_ONCE(nhs->reg[0].reqid) ?: READ_ONCE(nhs->reg[1].reqid)) ||
	    nla_put_u8(msg, DMVPN_NHS_A_LAST_CODE, READ_ONCE(nhs->last_code)) ||
	    (nhs->nat_nbma.family &&
	     dmvpn_nla_put_addr(msg, DMVPN_NHS_A_NAT_NBMA, &nhs->nat_nbma)) ||
	    (learned->family &&
	     dmvpn_nla_put_addr(msg, DMVPN_NHS_A_LEARNED_PROTO, learned)) ||
	    nla_put_u32(msg, DMVPN_NHS_A_SENT, READ_ONCE(nhs->sent)) ||
	    nla_put_u32(msg, DMVPN_NHS_A_REPLIES, READ_ONCE(nhs->replies))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int dmvpn_fill_nhs(struct sk_buff *msg, struct netlink_callback *cb,
			  struct dmvpn_dev *dd, struct dmvpn_nhs *nhs)
{
	void *hdr;

	hdr = genlmsg_put(msg, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dmvpn_genl_family, NLM_F_MULTI, DMVPN_CMD_NHS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, DMVPN_A_IFINDEX, dd->dev->ifindex) ||
	    dmvpn_put_nhs_state(msg, nhs)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/* Events go to the namespace the device is in now (the overlay side). */
static void dmvpn_notify(struct dmvpn_dev *dd, u8 event,
			 const struct dmvpn_entry *e, const struct dmvpn_nhs *nhs,
			 const struct dmvpn_shortcut *sc)
{
	struct net *net = dev_net(dd->dev);
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&dmvpn_genl_family, net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &dmvpn_genl_family, 0, DMVPN_CMD_EVENT_NTF);
	if (!hdr)
		goto err;
	rcu_read_lock();
	if (nla_put_u32(msg, DMVPN_A_IFINDEX, dd->dev->ifindex) ||
	    nla_put_string(msg, DMVPN_A_IFNAME, dd->dev->name) ||
	    nla_put_u8(msg, DMVPN_A_EVENT, event) ||
	    (e && dmvpn_put_entry(msg, e)) ||
	    (sc && dmvpn_put_shortcut(msg, sc)) ||
	    (nhs && dmvpn_put_nhs_state(msg, nhs))) {
		rcu_read_unlock();
		goto err;
	}
	rcu_read_unlock();
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&dmvpn_genl_family, net, msg, 0, 0, GFP_ATOMIC);
	return;
err:
	nlmsg_free(msg);
}

void dmvpn_notify_entry(struct dmvpn_dev *dd, u8 event,
			const struct dmvpn_entry *e)
{
	dmvpn_notify(dd, event, e, NULL, NULL);
}

void dmvpn_notify_shortcut(struct dmvpn_dev *dd, u8 event,
			   const struct dmvpn_shortcut *sc)
{
	dmvpn_notify(dd, event, NULL, NULL, sc);
}

void dmvpn_notify_nhs(struct dmvpn_dev *dd, u8 event,
		      const struct dmvpn_nhs *nhs)
{
	dmvpn_notify(dd, event, NULL, nhs, NULL);
}

static int dmvpn_fill_peer(struct sk_buff *msg, struct netlink_callback *cb,
			   struct dmvpn_dev *dd, struct dmvpn_peer *peer)
{
	u64 rxp, rxb, txp, txb;
	struct nlattr *nest;
	u32 pmtu;
	void *hdr;

	hdr = genlmsg_put(msg, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dmvpn_genl_family, NLM_F_MULTI, DMVPN_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	dmvpn_peer_read_stats(peer, &rxp, &rxb, &txp, &txb);
	pmtu = dmvpn_peer_pmtu(peer);
	if (nla_put_u32(msg, DMVPN_A_IFINDEX, dd->dev->ifindex))
		goto cancel;
	nest = nla_nest_start(msg, DMVPN_A_PEER);
	if (!nest)
		goto cancel;
	if (dmvpn_nla_put_addr(msg, DMVPN_PEER_A_NBMA, &peer->nbma) ||
	    nla_put_u64_64bit(msg, DMVPN_PEER_A_RX_PACKETS, rxp, DMVPN_PEER_A_PAD) ||
	    nla_put_u64_64bit(msg, DMVPN_PEER_A_RX_BYTES, rxb, DMVPN_PEER_A_PAD) ||
	    nla_put_u64_64bit(msg, DMVPN_PEER_A_TX_PACKETS, txp, DMVPN_PEER_A_PAD) ||
	    nla_put_u64_64bit(msg, DMVPN_PEER_A_TX_BYTES, txb, DMVPN_PEER_A_PAD) ||
	    (pmtu && nla_put_u32(msg, DMVPN_PEER_A_PMTU, pmtu)) ||
	    nla_put_u32(msg, DMVPN_PEER_A_AGE,
			dmvpn_jiffies_to_secs(jiffies - peer->created)) ||
	    nla_put_u32(msg, DMVPN_PEER_A_ENTRIES, atomic_read(&peer->entries)))
		goto cancel_nest;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;

cancel_nest:
	nla_nest_cancel(msg, nest);
cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/*
 * Dump cursor: args[0] = ifindex being dumped, args[1] = objects of it
 * already sent, args[2] = the ifindex filter (0 = all dmvpn devices).
 */
enum { DMVPN_CB_IFINDEX, DMVPN_CB_IDX, DMVPN_CB_FILTER };

static int dmvpn_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr **attrs = dmvpn_dumpit_attrs(info);

	if (attrs[DMVPN_A_IFINDEX])
		cb->args[DMVPN_CB_FILTER] = nla_get_u32(attrs[DMVPN_A_IFINDEX]);
	if (attrs[DMVPN_A_IFNAME]) {
		struct net_device *dev;

		rcu_read_lock();
		dev = dev_get_by_name_rcu(sock_net(cb->skb->sk),
					  nla_data(attrs[DMVPN_A_IFNAME]));
		cb->args[DMVPN_CB_FILTER] = dev ? dev->ifindex : -1;
		rcu_read_unlock();
	}
	if ((long)cb->args[DMVPN_CB_FILTER] == -1) {
		NL_SET_ERR_MSG(cb->extack, "No such device");
		return -ENODEV;
	}
	return 0;
}

typedef int (*dmvpn_dump_dev_fn)(struct sk_buff *msg, struct netlink_callback *cb,
				 struct dmvpn_dev *dd, long *idx);

static int dmvpn_dump_entries(struct sk_buff *msg, struct netlink_callback *cb,
			      struct dmvpn_dev *dd, long *idx)
{
	struct dmvpn_shortcut *sc;
	unsigned long i = 0;
	struct dmvpn_entry *e;

	list_for_each_entry_rcu(e, &dd->entry_list, list) {
		if (i++ < *idx)
			continue;
		if (dmvpn_fill_entry(msg, cb, dd, e, NULL))
			return -EMSGSIZE;
		(*idx)++;
	}
	/* Then the shortcuts, counted on from the entries. */
	list_for_each_entry_rcu(sc, &dd->shortcut_list, list) {
		if (i++ < *idx)
			continue;
		if (dmvpn_fill_entry(msg, cb, dd, NULL, sc))
			return -EMSGSIZE;
		(*idx)++;
	}
	return 0;
}

static int dmvpn_dump_peers(struct sk_buff *msg, struct netlink_callback *cb,
			    struct dmvpn_dev *dd, long *idx)
{
	struct dmvpn_peer *peer;
	unsigned long i = 0;

	list_for_each_entry_rcu(peer, &dd->peer_list, list) {
		if (i++ < *idx)
			continue;
		if (dmvpn_fill_peer(msg, cb, dd, peer))
			return -EMSGSIZE;
		(*idx)++;
	}
	return 0;
}

static int dmvpn_dump_nhs(struct sk_buff *msg, struct netlink_callback *cb,
			  struct dmvpn_dev *dd, long *idx)
{
	struct dmvpn_nhs *nhs;
	unsigned long i = 0;

	list_for_each_entry_rcu(nhs, &dd->nhs_list, list) {
		if (i++ < *idx)
			continue;
		if (dmvpn_fill_nhs(msg, cb, dd, nhs))
			return -EMSGSIZE;
		(*idx)++;
	}
	return 0;
}

/*
 * The dmvpn device of @net with the lowest ifindex at or above @from. Dumps
 * resume by ifindex, so they walk devices in that order, not in the list's:
 * a device moved in keeps its ifindex and goes to the end of the list.
 * Caller holds RCU.
 */
static struct net_device *dmvpn_dev_from(struct net *net, long from)
{
	struct net_device *dev, *best = NULL;

	for_each_netdev_rcu(net, dev)
		if (dmvpn_is_dmvpn(dev) && dev->ifindex >= from &&
		    (!best || dev->ifindex < best->ifindex))
			best = dev;
	return best;
}

static int dmvpn_dump_devs(struct sk_buff *msg, struct netlink_callback *cb,
			   dmvpn_dump_dev_fn fn)
{
	struct net *net = sock_net(cb->skb->sk);
	long filter = cb->args[DMVPN_CB_FILTER];
	struct net_device *dev;
	int err = 0;

	rcu_read_lock();
	for (dev = dmvpn_dev_from(net, cb->args[DMVPN_CB_IFINDEX]); dev;
	     dev = dmvpn_dev_from(net, dev->ifindex + 1)) {
		struct dmvpn_dev *dd = netdev_priv(dev);

		if (filter && dev->ifindex != filter)
			continue;
		if (dev->ifindex != cb->args[DMVPN_CB_IFINDEX]) {
			cb->args[DMVPN_CB_IFINDEX] = dev->ifindex;
			cb->args[DMVPN_CB_IDX] = 0;
			cb->prev_seq = 0;
		}
		cb->seq = READ_ONCE(dd->generation) + 1;
		err = fn(msg, cb, dd, &cb->args[DMVPN_CB_IDX]);
		if (err)
			break;
		/* Past this device: resume after it next time. */
		cb->args[DMVPN_CB_IFINDEX] = dev->ifindex + 1;
		cb->args[DMVPN_CB_IDX] = 0;
	}
	rcu_read_unlock();
	if (err == -EMSGSIZE && msg->len)
		return msg->len;
	return err ?: msg->len;
}

static int dmvpn_cache_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	return dmvpn_dump_devs(msg, cb, dmvpn_dump_entries);
}

static int dmvpn_peer_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	return dmvpn_dump_devs(msg, cb, dmvpn_dump_peers);
}

static int dmvpn_nhs_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	return dmvpn_dump_devs(msg, cb, dmvpn_dump_nhs);
}

static const u16 dmvpn_stats_attr[DMVPN_CNT_MAX] = {
	[DMVPN_CNT_TX_NO_ENTRY]		= DMVPN_STATS_A_TX_NO_ENTRY,
	[DMVPN_CNT_TX_NO_ROUTE]		= DMVPN_STATS_A_TX_NO_ROUTE,
	[DMVPN_CNT_TX_TOO_BIG]		= DMVPN_STATS_A_TX_TOO_BIG,
	[DMVPN_CNT_TX_LOOP]		= DMVPN_STATS_A_TX_LOOP,
	[DMVPN_CNT_TX_MCAST_COPIES]	= DMVPN_STATS_A_TX_MCAST_COPIES,
	[DMVPN_CNT_RX_UNKNOWN_PEER]	= DMVPN_STATS_A_RX_UNKNOWN_PEER,
	[DMVPN_CNT_RX_POLICY_DROP]	= DMVPN_STATS_A_RX_POLICY_DROP,
	[DMVPN_CNT_RX_BAD_PROTO]	= DMVPN_STATS_A_RX_BAD_PROTO,
	[DMVPN_CNT_RX_NHRP]		= DMVPN_STATS_A_RX_NHRP,
	[DMVPN_CNT_CACHE_FULL]		= DMVPN_STATS_A_CACHE_FULL,
	[DMVPN_CNT_PMTU_UPDATES]	= DMVPN_STATS_A_PMTU_UPDATES,
	[DMVPN_CNT_NHRP_TX]		= DMVPN_STATS_A_NHRP_TX,
	[DMVPN_CNT_NHRP_TX_QUOTA]	= DMVPN_STATS_A_NHRP_TX_QUOTA,
	[DMVPN_CNT_NHRP_TX_ERROR]	= DMVPN_STATS_A_NHRP_TX_ERROR,
	[DMVPN_CNT_NHRP_RX_BACKLOG]	= DMVPN_STATS_A_NHRP_RX_BACKLOG,
	[DMVPN_CNT_NHRP_RX_MALFORMED]	= DMVPN_STATS_A_NHRP_RX_MALFORMED,
	[DMVPN_CNT_NHRP_RX_AUTH]	= DMVPN_STATS_A_NHRP_RX_AUTH,
	[DMVPN_CNT_NHRP_RX_UNSUPPORTED]	= DMVPN_STATS_A_NHRP_RX_UNSUPPORTED,
	[DMVPN_CNT_NHRP_RX_HOP_LIMIT]	= DMVPN_STATS_A_NHRP_RX_HOP_LIMIT,
	[DMVPN_CNT_NHRP_RX_LOOP]	= DMVPN_STATS_A_NHRP_RX_LOOP,
	[DMVPN_CNT_NHRP_RX_UNSOLICITED]	= DMVPN_STATS_A_NHRP_RX_UNSOLICITED,
	[DMVPN_CNT_NHRP_RX_ERROR_IND]	= DMVPN_STATS_A_NHRP_RX_ERROR_IND,
	[DMVPN_CNT_NHRP_REG_ACCEPTED]	= DMVPN_STATS_A_NHRP_REG_ACCEPTED,
	[DMVPN_CNT_NHRP_REG_OUTSIDE]	= DMVPN_STATS_A_NHRP_REG_OUTSIDE,
	[DMVPN_CNT_NHRP_REG_NOT_UNIQUE]	= DMVPN_STATS_A_NHRP_REG_NOT_UNIQUE,
	[DMVPN_CNT_NHRP_REG_FULL]	= DMVPN_STATS_A_NHRP_REG_FULL,
	[DMVPN_CNT_NHRP_REG_SENT]	= DMVPN_STATS_A_NHRP_REG_SENT,
	[DMVPN_CNT_NHRP_REG_REFUSED]	= DMVPN_STATS_A_NHRP_REG_REFUSED,
	[DMVPN_CNT_NHRP_RES_SENT]	= DMVPN_STATS_A_NHRP_RES_SENT,
	[DMVPN_CNT_NHRP_RES_FORWARDED]	= DMVPN_STATS_A_NHRP_RES_FORWARDED,
	[DMVPN_CNT_NHRP_RES_ANSWERED]	= DMVPN_STATS_A_NHRP_RES_ANSWERED,
	[DMVPN_CNT_NHRP_RES_NAK]	= DMVPN_STATS_A_NHRP_RES_NAK,
	[DMVPN_CNT_NHRP_RES_RESOLVED]	= DMVPN_STATS_A_NHRP_RES_RESOLVED,
	[DMVPN_CNT_NHRP_PURGE_RX]	= DMVPN_STATS_A_NHRP_PURGE_RX,
	[DMVPN_CNT_NHRP_PURGE_TX]	= DMVPN_STATS_A_NHRP_PURGE_TX,
	[DMVPN_CNT_NHRP_ERROR_TX]	= DMVPN_STATS_A_NHRP_ERROR_TX,
	[DMVPN_CNT_TX_VIA_NHS]		= DMVPN_STATS_A_TX_VIA_NHS,
	[DMVPN_CNT_RES_PENDING_FULL]	= DMVPN_STATS_A_RES_PENDING_FULL,
	[DMVPN_CNT_REDIRECT_TX]		= DMVPN_STATS_A_REDIRECT_TX,
	[DMVPN_CNT_REDIRECT_SUPPRESSED]	= DMVPN_STATS_A_REDIRECT_SUPPRESSED,
	[DMVPN_CNT_REDIRECT_DROPPED]	= DMVPN_STATS_A_REDIRECT_DROPPED,
	[DMVPN_CNT_NHRP_TI_RX]		= DMVPN_STATS_A_NHRP_TI_RX,
	[DMVPN_CNT_NHRP_TI_REFUSED]	= DMVPN_STATS_A_NHRP_TI_REFUSED,
	[DMVPN_CNT_NHRP_TI_BAD]		= DMVPN_STATS_A_NHRP_TI_BAD,
	[DMVPN_CNT_SHORTCUT_FULL]	= DMVPN_STATS_A_SHORTCUT_FULL,
	[DMVPN_CNT_SHORTCUT_REFUSED]	= DMVPN_STATS_A_SHORTCUT_REFUSED,
	[DMVPN_CNT_TX_SHORTCUT]		= DMVPN_STATS_A_TX_SHORTCUT,
	[DMVPN_CNT_NHRP_RES_REFUSED]	= DMVPN_STATS_A_NHRP_RES_REFUSED,
	[DMVPN_CNT_NHRP_TX_REFUSAL_QUOTA] = DMVPN_STATS_A_NHRP_TX_REFUSAL_QUOTA,
	[DMVPN_CNT_PEERS_FULL]		= DMVPN_STATS_A_PEERS_FULL,
};

u64 dmvpn_counter_read(struct dmvpn_dev *dd, enum dmvpn_counter c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct dmvpn_counters *pc = per_cpu_ptr(dd->counters, cpu);
		unsigned int start;
		u64 v;

		do {
			start = u64_stats_fetch_begin(&pc->syncp);
			v = u64_stats_read(&pc->cnt[c]);
		} while (u64_stats_fetch_retry(&pc->syncp, start));
		sum += v;
	}
	return sum;
}

static int dmvpn_fill_dev(struct sk_buff *msg, u32 portid, u32 seq, int flags,
			  struct dmvpn_dev *dd)
{
	struct nlattr *nest;
	void *hdr;
	int c;

	hdr = genlmsg_put(msg, portid, seq, &dmvpn_genl_family, flags,
			  DMVPN_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, DMVPN_A_IFINDEX, dd->dev->ifindex) ||
	    nla_put_string(msg, DMVPN_A_IFNAME, dd->dev->name) ||
	    nla_put_u32(msg, DMVPN_A_GENERATION, READ_ONCE(dd->generation)))
		goto cancel;
	nest = nla_nest_start(msg, DMVPN_A_STATS);
	if (!nest)
		goto cancel;
	for (c = 0; c < DMVPN_CNT_MAX; c++)
		if (nla_put_u64_64bit(msg, dmvpn_stats_attr[c],
				      dmvpn_counter_read(dd, c), DMVPN_STATS_A_PAD))
			goto cancel_nest;
	if (nla_put_u64_64bit(msg, DMVPN_STATS_A_CACHE_ENTRIES,
			      READ_ONCE(dd->n_entries), DMVPN_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, DMVPN_STATS_A_PEERS, READ_ONCE(dd->n_peers),
			      DMVPN_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, DMVPN_STATS_A_SHORTCUTS,
			      READ_ONCE(dd->n_shortcuts), DMVPN_STATS_A_PAD))
		goto cancel_nest;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;

cancel_nest:
	nla_nest_cancel(msg, nest);
cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

static int dmvpn_dev_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	struct sk_buff *msg;
	int err;

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	dev = dmvpn_genl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto err_unlock;
	}
	err = dmvpn_fill_dev(msg, info->snd_portid, info->snd_seq, 0,
			     netdev_priv(dev));
	if (err)
		goto err_unlock;
	rtnl_unlock();
	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return err;
}

static int dmvpn_dev_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct net_device *dev;
	int err = 0;

	rcu_read_lock();
	for (dev = dmvpn_dev_from(net, cb->args[0] + 1); dev;
	     dev = dmvpn_dev_from(net, dev->ifindex + 1)) {
		err = dmvpn_fill_dev(msg, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI,
				     netdev_priv(dev));
		if (err)
			break;
		cb->args[0] = dev->ifindex;
	}
	rcu_read_unlock();
	return err && !msg->len ? err : msg->len;
}

static const struct genl_ops dmvpn_genl_ops[] = {
	{
		.cmd	= DMVPN_CMD_MAP_ADD,
		.doit	= dmvpn_genl_mutate,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= DMVPN_CMD_MAP_DEL,
		.doit	= dmvpn_genl_mutate,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= DMVPN_CMD_FLUSH,
		.doit	= dmvpn_genl_mutate,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= DMVPN_CMD_CACHE_GET,
		.start	= dmvpn_dump_start,
		.dumpit	= dmvpn_cache_dumpit,
	},
	{
		.cmd	= DMVPN_CMD_PEER_GET,
		.start	= dmvpn_dump_start,
		.dumpit	= dmvpn_peer_dumpit,
	},
	{
		.cmd	= DMVPN_CMD_DEV_GET,
		.doit	= dmvpn_dev_doit,
		.dumpit	= dmvpn_dev_dumpit,
	},
	{
		.cmd	= DMVPN_CMD_NHS_ADD,
		.doit	= dmvpn_genl_mutate,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= DMVPN_CMD_NHS_DEL,
		.doit	= dmvpn_genl_mutate,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= DMVPN_CMD_NHS_GET,
		.start	= dmvpn_dump_start,
		.dumpit	= dmvpn_nhs_dumpit,
	},
};

static const struct genl_multicast_group dmvpn_mcgrps[] = {
	{ .name = DMVPN_MCGRP_EVENTS, },
};

static struct genl_family dmvpn_genl_family __ro_after_init = {
	.name		= DMVPN_GENL_NAME,
	.version	= DMVPN_GENL_VERSION,
	.maxattr	= DMVPN_A_MAX,
	.policy		= dmvpn_genl_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= dmvpn_genl_ops,
	.n_ops		= ARRAY_SIZE(dmvpn_genl_ops),
	.resv_start_op	= DMVPN_CMD_MAP_ADD,
	.mcgrps		= dmvpn_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(dmvpn_mcgrps),
};

int dmvpn_genl_init(void)
{
	return genl_register_family(&dmvpn_genl_family);
}

void dmvpn_genl_exit(void)
{
	genl_unregister_family(&dmvpn_genl_family);
}
