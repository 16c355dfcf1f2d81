// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn NHRP engine core: the receive backlog, parsing and dispatch, and
 * what every role needs to send (own addresses, quota, error indications).
 *
 * Receive never handles NHRP in the data path: the netfilter hook queues
 * the packet on a bounded per-device backlog and a work item parses and
 * dispatches it under dd->nhrp_mutex. A flood fills the backlog and is
 * counted there; data keeps flowing and the work yields every batch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/ip6_route.h>
#include <net/ip_fib.h>
#include <net/route.h>
#include "nhrp.h"

#define DMVPN_NHRP_BATCH	64	/* packets handled per work run */
#define DMVPN_EI_PAYLOAD_MAX	256	/* bytes of the bad packet quoted */

struct dmvpn_nhrp_cb {
	struct dmvpn_addr	observed;
};

static struct dmvpn_nhrp_cb *dmvpn_nhrp_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct dmvpn_nhrp_cb) > sizeof(skb->cb));
	return (struct dmvpn_nhrp_cb *)skb->cb;
}

void dmvpn_addr_from_wire(struct dmvpn_addr *a, const u8 *p, unsigned int len)
{
	if (len == 4) {
		__be32 v;

		memcpy(&v, p, 4);
		dmvpn_addr_set4(a, v);
	} else {
		struct in6_addr v;

		memcpy(&v, p, 16);
		dmvpn_addr_set6(a, &v);
	}
}

static u16 dmvpn_nhrp_afn(struct dmvpn_dev *dd)
{
	return dd->family == AF_INET ? NHRP_AFN_IPV4 : NHRP_AFN_IPV6;
}

void dmvpn_nhrp_msg_init(struct dmvpn_dev *dd, struct nhrp_msg *m, u8 type,
			 u16 proto_family)
{
	nhrp_msg_init(m, type, dmvpn_nhrp_afn(dd),
		      proto_family == AF_INET ? NHRP_PROTO_IPV4 :
		      NHRP_PROTO_IPV6);
}

const u8 *dmvpn_nhrp_secret(struct dmvpn_dev *dd, unsigned int *len)
{
	const struct dmvpn_cfg *cfg = dmvpn_cfg(dd);

	*len = cfg->auth_len;
	return *len ? cfg->auth : NULL;
}

/*
 * Our tunnel address of @family on the device: the one whose subnet holds
 * @near when there is one, else the first (IPv6: first non link-local).
 */
int dmvpn_nhrp_own_proto(struct dmvpn_dev *dd, u16 family,
			 const struct dmvpn_addr *near, struct dmvpn_addr *out)
{
	int err = -EADDRNOTAVAIL;

	if (family == AF_INET) {
		const struct in_ifaddr *ifa;
		struct in_device *in_dev;

		rcu_read_lock();
		in_dev = __in_dev_get_rcu(dd->dev);
		if (in_dev) {
			in_dev_for_each_ifa_rcu(ifa, in_dev) {
				if (err) {
					dmvpn_addr_set4(out, ifa->ifa_local);
					err = 0;
				}
				if (near && dmvpn_addr_is_v4(near) &&
				    inet_ifa_match(near->in4, ifa)) {
					dmvpn_addr_set4(out, ifa->ifa_local);
					break;
				}
			}
		}
		rcu_read_unlock();
		return err;
	}

	{
		struct inet6_dev *idev;
		struct inet6_ifaddr *ifp;

		rcu_read_lock();
		idev = __in6_dev_get(dd->dev);
		if (idev) {
			read_lock_bh(&idev->lock);
			list_for_each_entry(ifp, &idev->addr_list, if_list) {
				if (ipv6_addr_type(&ifp->addr) & IPV6_ADDR_LINKLOCAL)
					continue;
				if (err) {
					dmvpn_addr_set6(out, &ifp->addr);
					err = 0;
				}
				if (near && !dmvpn_addr_is_v4(near) &&
				    ipv6_prefix_equal(&near->in6, &ifp->addr,
						      ifp->prefix_len)) {
					dmvpn_addr_set6(out, &ifp->addr);
					break;
				}
			}
			read_unlock_bh(&idev->lock);
		}
		rcu_read_unlock();
	}
	return err;
}

/*
 * The device's IPv6 link-local address: the first usable one (Cisco has
 * exactly one per tunnel; configure it with addr_gen_mode 1 to match).
 */
int dmvpn_nhrp_link_local(struct dmvpn_dev *dd, struct dmvpn_addr *out)
{
	struct inet6_ifaddr *ifp;
	struct inet6_dev *idev;
	int err = -EADDRNOTAVAIL;

	rcu_read_lock();
	idev = __in6_dev_get(dd->dev);
	if (idev) {
		read_lock_bh(&idev->lock);
		list_for_each_entry(ifp, &idev->addr_list, if_list) {
			if (!(ipv6_addr_type(&ifp->addr) & IPV6_ADDR_LINKLOCAL) ||
			    (ifp->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
				continue;
			dmvpn_addr_set6(out, &ifp->addr);
			err = 0;
			break;
		}
		read_unlock_bh(&idev->lock);
	}
	rcu_read_unlock();
	return err;
}

/* One of this host's addresses (in the overlay namespace). */
bool dmvpn_nhrp_is_local(struct dmvpn_dev *dd, const struct dmvpn_addr *a)
{
	struct net *net = dev_net(dd->dev);

	if (dmvpn_addr_is_v4(a))
		return inet_addr_type(net, a->in4) == RTN_LOCAL;
	return ipv6_chk_addr(net, &a->in6, NULL, 0);
}

/*
 * The prefix we own @a (one of our addresses) with: the length of the
 * subnet it is configured with (a LAN address answers for its LAN, a /32
 * loopback for itself), or the host length for a tunnel address of this
 * device and for anything shorter than @min.
 */
u8 dmvpn_nhrp_local_plen(struct dmvpn_dev *dd, const struct dmvpn_addr *a,
			 u8 min)
{
	struct net *net = dev_net(dd->dev);
	u8 host = dmvpn_addr_bits(a), plen = host;

	if (dmvpn_addr_is_v4(a)) {
		const struct in_ifaddr *ifa;
		struct net_device *dev;
		struct in_device *in_dev;

		rcu_read_lock();
		dev = __ip_dev_find(net, a->in4, false);
		in_dev = dev && dev != dd->dev ? __in_dev_get_rcu(dev) : NULL;
		if (in_dev) {
			in_dev_for_each_ifa_rcu(ifa, in_dev) {
				if (ifa->ifa_local == a->in4) {
					plen = ifa->ifa_prefixlen;
					break;
				}
			}
		}
		rcu_read_unlock();
	} else {
		struct inet6_ifaddr *ifp;
		struct net_device *dev;
		struct inet6_dev *idev;
		bool found = false;

		/* No exported lookup by address: walk; resolutions are rare. */
		rcu_read_lock();
		for_each_netdev_rcu(net, dev) {
			idev = dev != dd->dev ? __in6_dev_get(dev) : NULL;
			if (!idev)
				continue;
			read_lock_bh(&idev->lock);
			list_for_each_entry(ifp, &idev->addr_list, if_list) {
				if (ipv6_addr_equal(&ifp->addr, &a->in6)) {
					plen = ifp->prefix_len;
					found = true;
					break;
				}
			}
			read_unlock_bh(&idev->lock);
			if (found)
				break;
		}
		rcu_read_unlock();
	}
	return plen < min ? host : plen;
}

/* Inside the subnet of one of the device's own addresses. */
bool dmvpn_nhrp_in_subnet(struct dmvpn_dev *dd, const struct dmvpn_addr *a)
{
	bool in = false;

	if (dmvpn_addr_is_v4(a)) {
		const struct in_ifaddr *ifa;
		struct in_device *in_dev;

		rcu_read_lock();
		in_dev = __in_dev_get_rcu(dd->dev);
		if (in_dev) {
			in_dev_for_each_ifa_rcu(ifa, in_dev) {
				if (inet_ifa_match(a->in4, ifa) &&
				    a->in4 != ifa->ifa_local) {
					in = true;
					break;
				}
			}
		}
		rcu_read_unlock();
		return in;
	}
	return ipv6_chk_prefix(&a->in6, dd->dev) &&
	       !ipv6_chk_addr(dev_net(dd->dev), &a->in6, dd->dev, 0);
}

/* Our NBMA address as we send it toward @to (before any NAT). */
int dmvpn_nhrp_local_nbma(struct dmvpn_dev *dd, const struct dmvpn_addr *to,
			  struct dmvpn_addr *out)
{
	bool bound;

	rcu_read_lock();
	*out = dmvpn_cfg(dd)->local;
	bound = !dmvpn_addr_any(out);
	rcu_read_unlock();
	return bound ? 0 : dmvpn_route_saddr(dd, to, out);
}

void dmvpn_nhrp_route(struct dmvpn_dev *dd, const struct dmvpn_addr *target,
		      struct dmvpn_route_info *ri)
{
	struct net *net = dev_net(dd->dev);

	memset(ri, 0, sizeof(*ri));
	ri->local = dmvpn_nhrp_is_local(dd, target);
	if (dmvpn_addr_is_v4(target)) {
		struct flowi4 fl4 = { .daddr = target->in4 };
		struct fib_result res;

		rcu_read_lock();
		if (!fib_lookup(net, &fl4, &res, 0) && res.nhc) {
			struct fib_nh_common *nhc = res.nhc;

			ri->found = true;
			ri->plen = res.prefixlen;
			if (nhc->nhc_dev == dd->dev && res.type == RTN_UNICAST) {
				ri->via_us = true;
				if (nhc->nhc_gw_family == AF_INET)
					dmvpn_addr_set4(&ri->nexthop,
							nhc->nhc_gw.ipv4);
				else if (nhc->nhc_gw_family == AF_INET6)
					dmvpn_addr_set6(&ri->nexthop,
							&nhc->nhc_gw.ipv6);
				else
					ri->nexthop = *target;
			}
		}
		rcu_read_unlock();
		return;
	}

	{
		struct flowi6 fl6 = { .daddr = target->in6 };
		struct dst_entry *dst;

		dst = ip6_route_output(net, NULL, &fl6);
		if (!dst->error) {
			struct rt6_info *rt = (struct rt6_info *)dst;

			ri->found = true;
			ri->plen = rt->rt6i_dst.plen;
			if (dst->dev == dd->dev) {
				ri->via_us = true;
				dmvpn_addr_set6(&ri->nexthop,
						rt6_nexthop(rt, &target->in6));
			}
		}
		dst_release(dst);
	}
}

/* A CIE describing this station, for Responder and transit records. */
void dmvpn_nhrp_self_cie(struct dmvpn_dev *dd, struct nhrp_cie *c,
			 const struct dmvpn_addr *nbma,
			 const struct dmvpn_addr *proto, u8 prefix, u8 pref)
{
	memset(c, 0, sizeof(*c));
	c->code = NHRP_CIE_SUCCESS;
	c->prefix_len = prefix;
	c->mtu = min_t(unsigned int, READ_ONCE(dd->dev->mtu), U16_MAX);
	c->holding_time = dmvpn_cfg(dd)->holdtime;
	c->preference = pref;
	c->nbma_len = dmvpn_addr_len(nbma);
	c->nbma = dmvpn_addr_wire(nbma);
	c->proto_len = dmvpn_addr_len(proto);
	c->proto = dmvpn_addr_wire(proto);
}

static u32 dmvpn_quota_size(struct dmvpn_dev *dd, enum dmvpn_quota_kind k)
{
	u32 max = dmvpn_cfg(dd)->max_send;

	return k == DMVPN_QUOTA_REFUSAL ? max(max / 10, 1U) : max;
}

/* Cisco "max-send": at most max_send NHRP packets per interval. */
static bool dmvpn_nhrp_quota(struct dmvpn_dev *dd, enum dmvpn_quota_kind k)
{
	struct dmvpn_quota *q = &dd->quota[k];
	unsigned long interval;
	bool ok = true;

	spin_lock_bh(&dd->quota_lock);
	interval = dmvpn_cfg(dd)->max_send_interval * HZ;
	if (time_after_eq(jiffies, q->stamp + interval)) {
		q->stamp = jiffies;
		q->left = dmvpn_quota_size(dd, k);
	}
	if (q->left)
		q->left--;
	else
		ok = false;
	spin_unlock_bh(&dd->quota_lock);
	return ok;
}

static int __dmvpn_nhrp_send(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
			     const void *pkt, int len, enum dmvpn_quota_kind k)
{
	unsigned int head = LL_MAX_HEADER + sizeof(struct ipv6hdr) + 16;
	struct sk_buff *skb;

	if (len <= 0) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_TX_ERROR);
		return len ?: -EINVAL;
	}
	if (!dmvpn_nhrp_quota(dd, k)) {
		dmvpn_count(dd, k == DMVPN_QUOTA_REFUSAL ?
			    DMVPN_CNT_NHRP_TX_REFUSAL_QUOTA :
			    DMVPN_CNT_NHRP_TX_QUOTA);
		return -ENOBUFS;
	}
	skb = alloc_skb(head + len, GFP_KERNEL);
	if (!skb) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_TX_ERROR);
		return -ENOMEM;
	}
	skb_reserve(skb, head);
	skb_put_data(skb, pkt, len);
	if (dmvpn_xmit_nhrp(dd, nbma, skb)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_TX_ERROR);
		return -EHOSTUNREACH;
	}
	dmvpn_count(dd, DMVPN_CNT_NHRP_TX);
	return 0;
}

int dmvpn_nhrp_send(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		    const void *pkt, int len)
{
	return __dmvpn_nhrp_send(dd, nbma, pkt, len, DMVPN_QUOTA_ANSWER);
}

/* An answer to input we refused, from the small bucket. */
int dmvpn_nhrp_send_refusal(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
			    const void *pkt, int len)
{
	return __dmvpn_nhrp_send(dd, nbma, pkt, len, DMVPN_QUOTA_REFUSAL);
}

/*
 * Start a message of ours of @type and protocol @family toward @to, our
 * tunnel address being the one on @near's subnet when there is one. The
 * destination protocol address defaults to our own.
 */
int dmvpn_nhrp_out_init(struct dmvpn_dev *dd, struct dmvpn_nhrp_out *o,
			u8 type, u16 family, const struct dmvpn_addr *to,
			const struct dmvpn_addr *near)
{
	lockdep_assert_held(&dd->nhrp_mutex);
	if (dmvpn_nhrp_own_proto(dd, family, near, &o->proto) ||
	    dmvpn_nhrp_local_nbma(dd, to, &o->nbma))
		return -EADDRNOTAVAIL;
	dmvpn_nhrp_msg_init(dd, &o->hdr, type, family);
	o->hdr.src_nbma = dmvpn_addr_wire(&o->nbma);
	o->hdr.src_proto = dmvpn_addr_wire(&o->proto);
	o->hdr.dst_proto = dmvpn_addr_wire(&o->proto);
	o->secret = dmvpn_nhrp_secret(dd, &o->secret_len);
	return 0;
}

void dmvpn_nhrp_out_start(struct dmvpn_dev *dd, struct dmvpn_nhrp_out *o)
{
	nhrp_build_start(&o->b, dd->nhrp_buf, DMVPN_NHRP_BUF, &o->hdr);
}

/* Finish and send to @to, under the max-send quota. */
int dmvpn_nhrp_out_send(struct dmvpn_dev *dd, struct dmvpn_nhrp_out *o,
			const struct dmvpn_addr *to)
{
	return dmvpn_nhrp_send(dd, to, dd->nhrp_buf, nhrp_build_finish(&o->b));
}

/*
 * Error Indication about the packet being handled, back to where it came
 * from (RFC 2332 5.2.7): never about an Error Indication, the offending
 * packet quoted (its first DMVPN_EI_PAYLOAD_MAX bytes), hop count 255.
 */
void dmvpn_nhrp_error(struct dmvpn_nhrp_rx *rx, u16 code, u16 offset)
{
	struct dmvpn_dev *dd = rx->dd;
	const struct nhrp_msg *m = rx->m;
	struct dmvpn_nhrp_out *o = dmvpn_nhrp_out_scratch(dd);

	if (m->type == NHRP_ERROR_INDICATION)
		return;
	if (dmvpn_nhrp_out_init(dd, o, NHRP_ERROR_INDICATION,
				rx->src_proto.family, &rx->observed,
				&rx->src_proto))
		return;
	o->hdr.code = code;
	o->hdr.err_offset = offset;
	o->hdr.dst_proto = m->src_proto;
	dmvpn_nhrp_out_start(dd, o);
	nhrp_build_raw(&o->b, rx->skb->data,
		       min_t(unsigned int, rx->skb->len, DMVPN_EI_PAYLOAD_MAX));
	if (!dmvpn_nhrp_send_refusal(dd, &rx->observed, dd->nhrp_buf,
				     nhrp_build_finish(&o->b)))
		dmvpn_count(dd, DMVPN_CNT_NHRP_ERROR_TX);
}

/*
 * Replies not meant for us travel on toward their requester, once through
 * each station: a reply that already names us as a transit (two NHSes
 * routing the requester to each other), or that we would hand straight
 * back to its sender, is a loop.
 */
static void dmvpn_nhrp_relay_reply(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_addr to, own_proto;
	struct dmvpn_route_info ri;
	struct dmvpn_entry *e;
	struct dmvpn_peer *peer;
	bool found = false;

	if (!dmvpn_nhrp_own_proto(rx->dd, rx->src_proto.family, NULL,
				  &own_proto) &&
	    nhrp_msg_find_cie(rx->m, NHRP_LIST_REV_TRANSIT, NULL,
			      dmvpn_addr_wire(&own_proto))) {
		dmvpn_count(rx->dd, DMVPN_CNT_NHRP_RX_LOOP);
		return;
	}
	dmvpn_nhrp_route(rx->dd, &rx->src_proto, &ri);
	if (ri.via_us) {
		rcu_read_lock();
		e = dmvpn_cache_lookup(rx->dd, &ri.nexthop);
		peer = e ? rcu_dereference(e->peer) : NULL;
		if (peer) {
			to = peer->nbma;
			found = true;
		}
		rcu_read_unlock();
	}
	if (!found) {
		dmvpn_count(rx->dd, DMVPN_CNT_NHRP_RX_UNSOLICITED);
		return;
	}
	if (dmvpn_addr_equal(&to, &rx->observed)) {
		dmvpn_count(rx->dd, DMVPN_CNT_NHRP_RX_LOOP);
		return;
	}
	dmvpn_nhrp_forward(rx, &to, NULL);
}

static void dmvpn_nhrp_dispatch(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_dev *dd = rx->dd;
	const struct nhrp_msg *m = rx->m;
	unsigned int secret_len;
	const u8 *secret;

	if (m->afn != dmvpn_nhrp_afn(dd)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_UNSUPPORTED);
		return;
	}
	/* Decoded first: an error indication goes back to the sender. */
	dmvpn_addr_from_wire(&rx->src_nbma, m->src_nbma, m->nbma_len);
	dmvpn_addr_from_wire(&rx->src_proto, m->src_proto, m->proto_len);
	dmvpn_addr_from_wire(&rx->dst_proto, m->dst_proto, m->proto_len);
	secret = dmvpn_nhrp_secret(dd, &secret_len);
	if (secret && !nhrp_msg_auth_ok(m, secret, secret_len)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_AUTH);
		net_dbg_ratelimited("%s: NHRP authentication failed\n",
				    dd->dev->name);
		dmvpn_nhrp_error(rx, NHRP_EI_AUTH_FAILURE, 0);
		return;
	}

	switch (m->type) {
	case NHRP_REGISTRATION_REQUEST:
		dmvpn_nhrp_reg_request(rx);
		break;
	case NHRP_REGISTRATION_REPLY:
		dmvpn_nhrp_reg_reply(rx);
		break;
	case NHRP_RESOLUTION_REQUEST:
		dmvpn_nhrp_res_request(rx);
		break;
	case NHRP_RESOLUTION_REPLY:
		if (dmvpn_nhrp_is_local(dd, &rx->src_proto))
			dmvpn_nhrp_res_reply(rx);
		else
			dmvpn_nhrp_relay_reply(rx);
		break;
	case NHRP_PURGE_REQUEST:
		dmvpn_nhrp_purge_request(rx);
		break;
	case NHRP_ERROR_INDICATION:
		dmvpn_nhrp_error_ind(rx);
		break;
	case NHRP_TRAFFIC_INDICATION:
		dmvpn_nhrp_traffic_ind(rx);
		break;
	default:
		/* Purge replies: we ask for none. */
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_UNSUPPORTED);
	}
}

static void dmvpn_nhrp_rx_work(struct work_struct *work)
{
	struct dmvpn_dev *dd = container_of(work, struct dmvpn_dev,
					    nhrp_rx_work);
	struct dmvpn_nhrp_rx rx = { .dd = dd, .m = dd->nhrp_msg };
	struct sk_buff *skb;
	int n = 0;

	mutex_lock(&dd->nhrp_mutex);
	while (n++ < DMVPN_NHRP_BATCH && (skb = skb_dequeue(&dd->nhrp_rxq))) {
		rx.skb = skb;
		rx.observed = dmvpn_nhrp_cb(skb)->observed;
		if (skb_linearize(skb) ||
		    nhrp_parse(rx.m, skb->data, skb->len, 0)) {
			dmvpn_count(dd, DMVPN_CNT_NHRP_RX_MALFORMED);
			net_dbg_ratelimited("%s: malformed NHRP: %s at %u\n",
					    dd->dev->name,
					    nhrp_err_str(rx.m->err), rx.m->err_at);
		} else {
			dmvpn_nhrp_dispatch(&rx);
		}
		consume_skb(skb);
	}
	mutex_unlock(&dd->nhrp_mutex);
	/* More waiting: yield, then go on. */
	if (!skb_queue_empty(&dd->nhrp_rxq) && !READ_ONCE(dd->nhrp_dead))
		queue_work(system_wq, &dd->nhrp_rx_work);
}

/* Receive path (softirq): queue @skb, data at the NHRP header. Consumes. */
void dmvpn_nhrp_rcv(struct dmvpn_dev *dd, struct sk_buff *skb,
		    const struct dmvpn_addr *src)
{
	dmvpn_count(dd, DMVPN_CNT_RX_NHRP);
	/*
	 * No real NHRP packet comes near this size (and no answer to one
	 * would fit our reply buffer); refusing them keeps the backlog at a
	 * few MiB however hostile the sender.
	 */
	if (unlikely(skb->len > DMVPN_NHRP_BUF)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_MALFORMED);
		kfree_skb(skb);
		return;
	}
	if (unlikely(READ_ONCE(dd->nhrp_dead) ||
		     skb_queue_len(&dd->nhrp_rxq) >= DMVPN_NHRP_BACKLOG)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_BACKLOG);
		kfree_skb(skb);
		return;
	}
	/*
	 * A message reassembled from many tiny fragments keeps every
	 * fragment's buffer: queue a copy of just its bytes instead, so
	 * the backlog holds 1024 buffers of at most 2 KiB each.
	 */
	if (skb_is_nonlinear(skb) || skb_cloned(skb) ||
	    skb->truesize > SKB_TRUESIZE(SKB_DATA_ALIGN(DMVPN_NHRP_BUF))) {
		struct sk_buff *copy = alloc_skb(skb->len, GFP_ATOMIC);

		if (!copy || skb_copy_bits(skb, 0, skb_put(copy, skb->len),
					   skb->len)) {
			dmvpn_count(dd, DMVPN_CNT_NHRP_RX_BACKLOG);
			kfree_skb(copy);
			kfree_skb(skb);
			return;
		}
		consume_skb(skb);
		skb = copy;
	}
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	dmvpn_nhrp_cb(skb)->observed = *src;
	skb_queue_tail(&dd->nhrp_rxq, skb);
	queue_work(system_wq, &dd->nhrp_rx_work);
}

int dmvpn_nhrp_init(struct dmvpn_dev *dd)
{
	int k;

	mutex_init(&dd->nhrp_mutex);
	INIT_LIST_HEAD(&dd->nhs_list);
	skb_queue_head_init(&dd->nhrp_rxq);
	INIT_WORK(&dd->nhrp_rx_work, dmvpn_nhrp_rx_work);
	INIT_WORK(&dd->addr_work, dmvpn_nhrp_addr_work);
	spin_lock_init(&dd->quota_lock);
	dmvpn_nhrp_answers_init(dd);
	/* Full quota from the start, whatever jiffies' initial value. */
	for (k = 0; k < DMVPN_QUOTA_MAX; k++) {
		dd->quota[k].stamp = jiffies;
		dd->quota[k].left = dmvpn_quota_size(dd, k);
	}
	dd->nhrp_msg = kzalloc(sizeof(*dd->nhrp_msg), GFP_KERNEL);
	dd->nhrp_out = kzalloc(sizeof(*dd->nhrp_out), GFP_KERNEL);
	dd->nhrp_buf = kmalloc(DMVPN_NHRP_BUF, GFP_KERNEL);
	if (!dd->nhrp_msg || !dd->nhrp_out || !dd->nhrp_buf ||
	    dmvpn_redirect_init(dd)) {
		kfree(dd->nhrp_msg);
		kfree(dd->nhrp_out);
		kfree(dd->nhrp_buf);
		dd->nhrp_msg = NULL;
		dd->nhrp_out = NULL;
		dd->nhrp_buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Device up: registrations start (again). */
void dmvpn_nhrp_open(struct dmvpn_dev *dd)
{
	dmvpn_nhs_kick_all(dd);
}

/* Device down: registrations stop; the NHSes keep their configuration. */
void dmvpn_nhrp_stop(struct dmvpn_dev *dd)
{
	dmvpn_nhs_stop_all(dd);
}

/*
 * The device is being torn down and receive cannot reach it any more
 * (dellink unhooked it before the unregister's synchronize_net()). Stop the
 * receive work, then every NHS; the cache gc, which may still send a
 * resolution, sees nhrp_dead and is cancelled next by dmvpn_cache_destroy(),
 * and only after that dmvpn_nhrp_answers_destroy() stops the purge work
 * the gc may have queued.
 */
void dmvpn_nhrp_destroy(struct dmvpn_dev *dd)
{
	WRITE_ONCE(dd->nhrp_dead, true);
	cancel_work_sync(&dd->addr_work);
	cancel_work_sync(&dd->nhrp_rx_work);
	skb_queue_purge(&dd->nhrp_rxq);
	dmvpn_redirect_stop(dd);
	dmvpn_nhs_flush(dd);
	/* The scratch buffers go with the device (dmvpn_dev_free()). */
}
