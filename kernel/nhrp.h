/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmvpn NHRP engine: what nhrp.c (receive, dispatch, sending),
 * nhrp_client.c (NHS registration, resolution) and nhrp_server.c (NHS
 * role, responder) share.
 *
 * Everything here runs in process context: the receive work item, the
 * per-NHS registration work and the cache gc work. The receive work holds
 * dd->nhrp_mutex while it handles a packet, so handlers may change NHS and
 * NHRP state freely; cache changes take dd->lock inside dmvpn_cache_*().
 */
#ifndef _DMVPN_NHRP_H
#define _DMVPN_NHRP_H

#include "dmvpn.h"
#include "nhrp_wire.h"

/* Largest NHRP packet dmvpn builds: a reply to a request of this size. */
#define DMVPN_NHRP_BUF		2048

/* One received NHRP packet being handled. */
struct dmvpn_nhrp_rx {
	struct dmvpn_dev	*dd;
	struct sk_buff		*skb;		/* linear, data = NHRP header */
	struct nhrp_msg		*m;		/* parsed from skb->data */
	struct dmvpn_addr	observed;	/* outer source address */
	struct dmvpn_addr	src_nbma;	/* header Source NBMA (claimed) */
	struct dmvpn_addr	src_proto;
	struct dmvpn_addr	dst_proto;
};

/*
 * An NHRP message this station originates (not a reply turned around, not
 * a relayed one): dmvpn_nhrp_out_init() fills the header with our NBMA
 * address as we send it toward the destination and our tunnel address of
 * the message's family; the caller sets its own fields in @hdr, then
 * dmvpn_nhrp_out_start(), adds the body through @b and ends with
 * dmvpn_nhrp_out_send(). Builds in dd->nhrp_buf: dd->nhrp_mutex held.
 */
struct dmvpn_nhrp_out {
	struct nhrp_msg		hdr;
	struct nhrp_builder	b;
	struct dmvpn_addr	nbma;		/* ours, hdr.src_nbma */
	struct dmvpn_addr	proto;		/* ours, hdr.src_proto */
	const u8		*secret;	/* NULL: no authentication */
	unsigned int		secret_len;
};

/* Addresses between the wire and struct dmvpn_addr. */
void dmvpn_addr_from_wire(struct dmvpn_addr *a, const u8 *p, unsigned int len);
static inline const u8 *dmvpn_addr_wire(const struct dmvpn_addr *a)
{
	return dmvpn_addr_is_v4(a) ? (const u8 *)&a->in4 : a->in6.s6_addr;
}

static inline unsigned int dmvpn_addr_len(const struct dmvpn_addr *a)
{
	return dmvpn_addr_is_v4(a) ? 4 : 16;
}

/*
 * The shortest prefix an NHRP answer may give for @a, ours or a peer's:
 * nhrpd refuses shorter ones too (never "resolve the world").
 */
static inline u8 dmvpn_min_answer_plen(const struct dmvpn_addr *a)
{
	return dmvpn_addr_is_v4(a) ? 8 : 16;
}

static inline int dmvpn_family_idx(u16 family)
{
	return family == AF_INET6;
}

/* nhrp.c */
int dmvpn_nhrp_own_proto(struct dmvpn_dev *dd, u16 family,
			 const struct dmvpn_addr *near, struct dmvpn_addr *out);
bool dmvpn_nhrp_is_local(struct dmvpn_dev *dd, const struct dmvpn_addr *a);
bool dmvpn_nhrp_in_subnet(struct dmvpn_dev *dd, const struct dmvpn_addr *a);
u8 dmvpn_nhrp_local_plen(struct dmvpn_dev *dd, const struct dmvpn_addr *a,
			 u8 min);
int dmvpn_nhrp_link_local(struct dmvpn_dev *dd, struct dmvpn_addr *out);
int dmvpn_nhrp_local_nbma(struct dmvpn_dev *dd, const struct dmvpn_addr *to,
			  struct dmvpn_addr *out);
int dmvpn_nhrp_send(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		    const void *pkt, int len);
int dmvpn_nhrp_send_refusal(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
			    const void *pkt, int len);
void dmvpn_nhrp_msg_init(struct dmvpn_dev *dd, struct nhrp_msg *m, u8 type,
			 u16 proto_family);
const u8 *dmvpn_nhrp_secret(struct dmvpn_dev *dd, unsigned int *len);
void dmvpn_nhrp_error(struct dmvpn_nhrp_rx *rx, u16 code, u16 offset);
int dmvpn_nhrp_out_init(struct dmvpn_dev *dd, struct dmvpn_nhrp_out *o,
			u8 type, u16 family, const struct dmvpn_addr *to,
			const struct dmvpn_addr *near);
void dmvpn_nhrp_out_start(struct dmvpn_dev *dd, struct dmvpn_nhrp_out *o);

/*
 * The device's one message being built: ~1.1 KB that would otherwise sit
 * on the stack of every sender, under the route lookup and XFRM. One
 * sender at a time (nhrp_mutex), and none nests another.
 */
static inline struct dmvpn_nhrp_out *dmvpn_nhrp_out_scratch(struct dmvpn_dev *dd)
{
	lockdep_assert_held(&dd->nhrp_mutex);
	return dd->nhrp_out;
}

int dmvpn_nhrp_out_send(struct dmvpn_dev *dd, struct dmvpn_nhrp_out *o,
			const struct dmvpn_addr *to);
void dmvpn_nhrp_self_cie(struct dmvpn_dev *dd, struct nhrp_cie *c,
			 const struct dmvpn_addr *nbma,
			 const struct dmvpn_addr *proto, u8 prefix, u8 pref);

/* Where the overlay routes @target. */
struct dmvpn_route_info {
	bool			local;		/* one of this host's addresses */
	bool			via_us;		/* out of this dmvpn device */
	bool			found;
	u8			plen;		/* of the covering route */
	struct dmvpn_addr	nexthop;	/* when via_us */
};

void dmvpn_nhrp_route(struct dmvpn_dev *dd, const struct dmvpn_addr *target,
		      struct dmvpn_route_info *ri);

/* nhrp_client.c */
void dmvpn_nhrp_reg_reply(struct dmvpn_nhrp_rx *rx);
void dmvpn_nhrp_res_reply(struct dmvpn_nhrp_rx *rx);
void dmvpn_nhrp_error_ind(struct dmvpn_nhrp_rx *rx);

/* shortcut.c */
void dmvpn_nhrp_traffic_ind(struct dmvpn_nhrp_rx *rx);
void dmvpn_nhs_kick_all(struct dmvpn_dev *dd);
void dmvpn_nhs_register_new(struct dmvpn_dev *dd);
void dmvpn_nhrp_addr_work(struct work_struct *work);
void dmvpn_nhs_stop_all(struct dmvpn_dev *dd);
bool dmvpn_nhs_is_from(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma);
bool dmvpn_res_may_bind(struct dmvpn_dev *dd, const struct dmvpn_addr *via,
			const struct dmvpn_addr *nbma);
const struct dmvpn_addr *dmvpn_nhs_nat_nbma(struct dmvpn_dev *dd);

/* nhrp_server.c */
void dmvpn_nhrp_reg_request(struct dmvpn_nhrp_rx *rx);
void dmvpn_nhrp_res_request(struct dmvpn_nhrp_rx *rx);
void dmvpn_nhrp_purge_request(struct dmvpn_nhrp_rx *rx);
void dmvpn_nhrp_forward(struct dmvpn_nhrp_rx *rx, const struct dmvpn_addr *to,
			const struct nhrp_cie *nat_add);

/* nhrp_purge.c */
void dmvpn_nhrp_answer_note(struct dmvpn_dev *dd, const struct dmvpn_addr *target,
			    const struct dmvpn_addr *req_nbma,
			    const struct dmvpn_addr *req_proto);
void dmvpn_nhrp_answers_init(struct dmvpn_dev *dd);
void dmvpn_nhrp_purge_send(struct dmvpn_dev *dd, u16 family,
			   const struct dmvpn_addr *to,
			   const struct dmvpn_addr *dst,
			   const struct dmvpn_addr *target, u32 reqid);

#endif /* _DMVPN_NHRP_H */
