// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn NHRP server (hub/NHS) role and responder: registrations, the
 * routing of resolution requests, answers, purges.
 *
 * A hub needs no per-spoke configuration: a registration for an address
 * inside the device's subnets binds it to the NBMA address the packet
 * really came from (which differs from the claimed one behind NAT).
 * Resolution requests go, as on Cisco hubs, toward the station that owns
 * the destination (a registered spoke, or the next NHS), which answers the
 * requester directly; the hub answers only for its own addresses, or from
 * its cache when it is configured as server-only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "nhrp.h"

static bool dmvpn_nhrp_reject_compulsory(struct dmvpn_nhrp_rx *rx)
{
	const struct nhrp_ext *e = nhrp_msg_unknown_compulsory(rx->m);

	if (!e)
		return false;
	dmvpn_count(rx->dd, DMVPN_CNT_NHRP_RX_UNSUPPORTED);
	dmvpn_nhrp_error(rx, NHRP_EI_UNRECOGNIZED_EXT,
			 (u16)(e->data ? e->data - rx->skb->data - 4 : 0));
	return true;
}

/*
 * Registrations and purges are ours when they name one of our addresses,
 * or their sender's own (RFC 2332 5.2.3: the NHS address is unknown).
 * Relaying them between NHSes is not done; they are counted.
 */
static bool dmvpn_nhrp_for_us(struct dmvpn_nhrp_rx *rx)
{
	if (dmvpn_nhrp_is_local(rx->dd, &rx->dst_proto) ||
	    dmvpn_addr_equal(&rx->dst_proto, &rx->src_proto))
		return true;
	dmvpn_count(rx->dd, DMVPN_CNT_NHRP_RX_UNSUPPORTED);
	return false;
}

/* A CIE's code for the registration of @proto from @observed. */
static u8 dmvpn_reg_check(struct dmvpn_nhrp_rx *rx,
			  const struct dmvpn_addr *proto, u8 plen)
{
	struct dmvpn_dev *dd = rx->dd;
	struct dmvpn_peer *peer;
	struct dmvpn_entry *e;
	u8 code = NHRP_CIE_SUCCESS;

	if (plen != dmvpn_addr_bits(proto) || !dmvpn_nhrp_in_subnet(dd, proto)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_REG_OUTSIDE);
		return NHRP_CIE_ADMIN_PROHIBITED;
	}
	rcu_read_lock();
	e = dmvpn_cache_lookup_exact(dd, proto, plen);
	peer = e ? rcu_dereference(e->peer) : NULL;
	if (e && peer && !dmvpn_addr_equal(&peer->nbma, &rx->observed) &&
	    !dmvpn_entry_expired(e) &&
	    (e->type == DMVPN_ENTRY_STATIC || e->type == DMVPN_ENTRY_LOCAL ||
	     (e->type == DMVPN_ENTRY_DYNAMIC &&
	      (READ_ONCE(e->flags) & DMVPN_ENTRY_F_UNIQUE))))
		code = NHRP_CIE_ALREADY_REGISTERED;
	rcu_read_unlock();
	if (code)
		dmvpn_count(dd, DMVPN_CNT_NHRP_REG_NOT_UNIQUE);
	return code;
}

void dmvpn_nhrp_reg_request(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_dev *dd = rx->dd;
	const struct nhrp_msg *m = rx->m;
	unsigned int i, n = nhrp_msg_cie_count(m, NHRP_LIST_MAIN);
	bool unique = m->flags & NHRP_REG_FLAG_U;
	bool natted = !dmvpn_addr_equal(&rx->src_nbma, &rx->observed);
	struct dmvpn_addr own_nbma, own_proto, own_ll, claimed;
	struct nhrp_cie self, nat_extra;
	u8 codes[NHRP_MAX_CIES];
	unsigned int secret_len;
	struct nhrp_builder b;
	const u8 *secret;
	struct nhrp_msg *hdr = &dmvpn_nhrp_out_scratch(dd)->hdr;
	int len, err;

	if (!dmvpn_nhrp_for_us(rx))
		return;
	if (dmvpn_nhrp_reject_compulsory(rx))
		return;
	if (dmvpn_nhrp_own_proto(dd, rx->src_proto.family, &rx->src_proto,
				 &own_proto) ||
	    dmvpn_nhrp_local_nbma(dd, &rx->observed, &own_nbma)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_UNSUPPORTED);
		return;
	}

	for (i = 0; i < n; i++) {
		const struct nhrp_cie *cie = nhrp_msg_cie(m, NHRP_LIST_MAIN, i);
		struct dmvpn_entry_info info = {
			.nbma = &rx->observed, .type = DMVPN_ENTRY_DYNAMIC,
			.flags = DMVPN_ENTRY_F_MULTICAST, .no_downgrade = true,
		};
		struct dmvpn_addr proto;
		u8 plen = nhrp_cie_prefix_len(m, cie);

		dmvpn_addr_from_wire(&proto, nhrp_cie_proto(m, cie), m->proto_len);
		dmvpn_addr_from_wire(&claimed, nhrp_cie_nbma(m, cie), m->nbma_len);
		codes[i] = dmvpn_reg_check(rx, &proto, plen);
		if (codes[i])
			continue;
		if (unique)
			info.flags |= DMVPN_ENTRY_F_UNIQUE;
		if (!dmvpn_addr_equal(&claimed, &rx->observed)) {
			info.flags |= DMVPN_ENTRY_F_NAT;
			info.claimed = &claimed;
		}
		info.via = &proto;
		info.mtu = cie->mtu;
		info.holdtime = cie->holding_time ?: dmvpn_cfg(dd)->holdtime;
		err = dmvpn_cache_set(dd, &proto, plen, &info, NULL);
		/*
		 * -EEXIST: a static map or our own address, to this same
		 * NBMA (dmvpn_reg_check refused any other). The spoke is
		 * registered; the admin's entry stays as configured, never
		 * turned into one that expires or that a purge removes.
		 */
		if (err && err != -EEXIST) {
			dmvpn_count(dd, DMVPN_CNT_NHRP_REG_FULL);
			codes[i] = NHRP_CIE_INSUFFICIENT_RESOURCES;
			continue;
		}
		dmvpn_count(dd, DMVPN_CNT_NHRP_REG_ACCEPTED);
	}

	/* The reply is the request turned around, our address as Dst. */
	*hdr = *m;
	hdr->type = NHRP_REGISTRATION_REPLY;
	hdr->hop_count = NHRP_HOP_DEFAULT;
	hdr->flags = m->flags & (NHRP_REG_FLAG_U | NHRP_FLAG_NAT);
	hdr->dst_proto = dmvpn_addr_wire(&own_proto);
	nhrp_build_start(&b, dd->nhrp_buf, DMVPN_NHRP_BUF, hdr);
	for (i = 0; i < n; i++) {
		struct nhrp_cie c = *nhrp_msg_cie(m, NHRP_LIST_MAIN, i);

		c.code = codes[i];
		if (c.code)
			c.holding_time = 0;
		nhrp_build_cie(&b, &c);
	}
	/* Where an IPv6 next hop of ours really is: our link-local binding. */
	if (rx->src_proto.family == AF_INET6 &&
	    !dmvpn_nhrp_link_local(dd, &own_ll)) {
		dmvpn_nhrp_self_cie(dd, &self, &own_nbma, &own_ll, 128, 255);
		nhrp_build_cie(&b, &self);
	}
	/* The Responder: Cisco echoes the registrant's preference. */
	dmvpn_nhrp_self_cie(dd, &self, &own_nbma, &own_proto,
			    dmvpn_addr_bits(&own_proto),
			    n ? nhrp_msg_cie(m, NHRP_LIST_MAIN, 0)->preference : 255);
	/* Tell a NATed spoke the address we see (the second NAT CIE). */
	dmvpn_nhrp_self_cie(dd, &nat_extra, &rx->observed, &rx->src_proto,
			    dmvpn_addr_bits(&rx->src_proto), 255);
	nat_extra.holding_time = 0;
	secret = dmvpn_nhrp_secret(dd, &secret_len);
	nhrp_build_reply_exts(&b, m, &self, NULL, 0, natted ? &nat_extra : NULL,
			      secret, secret_len);
	len = nhrp_build_finish(&b);
	for (i = 0; i < n && codes[i]; i++)
		;
	if (n && i == n)	/* nothing accepted: a refusal */
		dmvpn_nhrp_send_refusal(dd, &rx->observed, dd->nhrp_buf, len);
	else
		dmvpn_nhrp_send(dd, &rx->observed, dd->nhrp_buf, len);
}

/* Relay @rx's packet to @to as a transit NHS. */
void dmvpn_nhrp_forward(struct dmvpn_nhrp_rx *rx, const struct dmvpn_addr *to,
			const struct nhrp_cie *nat_add)
{
	struct dmvpn_dev *dd = rx->dd;
	const struct nhrp_msg *m = rx->m;
	struct dmvpn_addr own_nbma, own_proto;
	unsigned int secret_len;
	struct nhrp_cie self;
	const u8 *secret;
	int len;

	if (!m->hop_count) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_HOP_LIMIT);
		dmvpn_nhrp_error(rx, NHRP_EI_HOP_COUNT_EXCEEDED, 9);
		return;
	}
	if (dmvpn_nhrp_own_proto(dd, rx->src_proto.family, NULL, &own_proto) ||
	    dmvpn_nhrp_local_nbma(dd, to, &own_nbma))
		return;
	dmvpn_nhrp_self_cie(dd, &self, &own_nbma, &own_proto,
			    dmvpn_addr_bits(&own_proto), 0);
	secret = dmvpn_nhrp_secret(dd, &secret_len);
	len = nhrp_build_relay(dd->nhrp_buf, DMVPN_NHRP_BUF, m, &self, secret,
			       secret_len, nat_add);
	if (!dmvpn_nhrp_send(dd, to, dd->nhrp_buf, len))
		dmvpn_count(dd, DMVPN_CNT_NHRP_RES_FORWARDED);
}

/*
 * Which NBMA address reaches the requester: its NAT-extension binding,
 * else the outer source of a request that came straight from a NATed
 * requester, else what it claims.
 */
static void dmvpn_requester_nbma(struct dmvpn_nhrp_rx *rx,
				 const struct dmvpn_addr *proto,
				 struct dmvpn_addr *nbma)
{
	const struct nhrp_msg *m = rx->m;
	const struct nhrp_cie *nat, *cie = nhrp_msg_cie(m, NHRP_LIST_MAIN, 0);

	*nbma = rx->src_nbma;
	if (cie && cie->nbma_len)
		dmvpn_addr_from_wire(nbma, cie->nbma, cie->nbma_len);
	nat = nhrp_msg_find_cie(m, NHRP_LIST_NAT, NULL, dmvpn_addr_wire(proto));
	if (nat && nat->nbma_len == m->nbma_len)
		dmvpn_addr_from_wire(nbma, nat->nbma, nat->nbma_len);
	else if (!nhrp_msg_cie_count(m, NHRP_LIST_FWD_TRANSIT))
		*nbma = rx->observed;
}

/*
 * Whether @rx was relayed to us by a next hop server: one of ours, or the
 * station its last forward transit record names when we map that one
 * statically, to where the packet came from, with the nhs flag (Cisco's
 * "ip nhrp map" of a hub that is not our own NHS, e.g. FRR's hub).
 */
static bool dmvpn_nhrp_relayed_by_nhs(struct dmvpn_nhrp_rx *rx)
{
	const struct nhrp_msg *m = rx->m;
	unsigned int n = nhrp_msg_cie_count(m, NHRP_LIST_FWD_TRANSIT);
	const struct nhrp_cie *cie;
	struct dmvpn_peer *peer;
	struct dmvpn_entry *e;
	struct dmvpn_addr nhs;
	bool ok;

	if (dmvpn_nhs_is_from(rx->dd, &rx->observed))
		return true;
	if (!n)
		return false;
	cie = nhrp_msg_cie(m, NHRP_LIST_FWD_TRANSIT, n - 1);
	if (cie->proto_len != m->proto_len)
		return false;
	dmvpn_addr_from_wire(&nhs, cie->proto, cie->proto_len);
	rcu_read_lock();
	e = dmvpn_cache_lookup_exact(rx->dd, &nhs, dmvpn_addr_bits(&nhs));
	peer = e ? rcu_dereference(e->peer) : NULL;
	ok = peer && READ_ONCE(e->type) == DMVPN_ENTRY_STATIC &&
	     (READ_ONCE(e->flags) & DMVPN_ENTRY_F_NHS) &&
	     dmvpn_addr_equal(&peer->nbma, &rx->observed);
	rcu_read_unlock();
	return ok;
}

/* Whether our entry for host @proto goes to @nbma. */
static bool dmvpn_cache_binds(struct dmvpn_dev *dd,
			      const struct dmvpn_addr *proto,
			      const struct dmvpn_addr *nbma)
{
	struct dmvpn_peer *peer;
	struct dmvpn_entry *e;
	bool binds;

	rcu_read_lock();
	e = dmvpn_cache_lookup_exact(dd, proto, dmvpn_addr_bits(proto));
	peer = e ? rcu_dereference(e->peer) : NULL;
	binds = peer && !dmvpn_entry_expired(e) &&
		dmvpn_addr_equal(&peer->nbma, nbma);
	rcu_read_unlock();
	return binds;
}

/*
 * Answer a Resolution Request: as the owner (@owner NULL: our address, or
 * a prefix we route elsewhere, of length @plen) or from the cache for a
 * registered station (@owner: its NBMA and tunnel address). Code non-zero
 * makes it a negative answer.
 */
static void dmvpn_res_answer(struct dmvpn_nhrp_rx *rx, u8 plen, u8 code,
			     const struct dmvpn_addr *owner_nbma,
			     const struct dmvpn_addr *owner_proto)
{
	struct dmvpn_dev *dd = rx->dd;
	const struct nhrp_msg *m = rx->m;
	const struct nhrp_cie *rcie = nhrp_msg_cie(m, NHRP_LIST_MAIN, 0);
	struct dmvpn_addr own_nbma, own_proto, req_proto, req_nbma;
	const struct dmvpn_addr *nat_nbma;
	struct nhrp_cie answer, self, nat[1];
	unsigned int secret_len, n_nat = 0;
	struct nhrp_builder b;
	struct nhrp_msg *hdr = &dmvpn_nhrp_out_scratch(dd)->hdr;
	const u8 *secret;
	bool proven;
	int len;

	if (dmvpn_nhrp_reject_compulsory(rx))
		return;
	if (dmvpn_nhrp_own_proto(dd, rx->dst_proto.family, &rx->dst_proto,
				 &own_proto))
		return;
	req_proto = rx->src_proto;
	if (rcie && rcie->proto_len)
		dmvpn_addr_from_wire(&req_proto, rcie->proto, rcie->proto_len);
	dmvpn_requester_nbma(rx, &req_proto, &req_nbma);
	/*
	 * Where the requester is, we believe from an NHS (it relays what
	 * the registration proved), or from a requester we already bind
	 * there (a refresh along a shortcut). A request from anyone else
	 * writes nothing here and gets its answer where it came from.
	 */
	proven = dmvpn_nhrp_relayed_by_nhs(rx) ||
		 (dmvpn_addr_equal(&req_nbma, &rx->observed) &&
		  dmvpn_cache_binds(dd, &req_proto, &req_nbma));
	if (!proven)
		req_nbma = rx->observed;
	if (dmvpn_nhrp_local_nbma(dd, &req_nbma, &own_nbma))
		return;

	/* Learn the requester: the answer goes to it, spoke to spoke. */
	if (!code && proven && dmvpn_res_may_bind(dd, &req_proto, &req_nbma)) {
		u32 hold = dmvpn_cfg(dd)->holdtime;
		struct dmvpn_entry_info info = {
			.nbma = &req_nbma, .via = &req_proto,
			.type = DMVPN_ENTRY_RESOLVED,
			/* No longer than we would hold our own answer. */
			.holdtime = (rcie && rcie->holding_time) ?
				    min_t(u32, rcie->holding_time, hold) : hold,
			.flags = (m->flags & NHRP_RES_FLAG_Q) ?
				 DMVPN_ENTRY_F_ROUTER : 0,
			.no_downgrade = true,
		};

		if (!dmvpn_addr_equal(&req_nbma, &rx->src_nbma)) {
			info.claimed = &rx->src_nbma;
			info.flags |= DMVPN_ENTRY_F_NAT;
		}
		dmvpn_cache_set(dd, &req_proto, dmvpn_addr_bits(&req_proto),
				&info, NULL);
	}

	*hdr = *m;
	hdr->type = NHRP_RESOLUTION_REPLY;
	hdr->hop_count = NHRP_HOP_DEFAULT;
	hdr->flags = (m->flags & (NHRP_RES_FLAG_Q | NHRP_RES_FLAG_S |
				 NHRP_FLAG_NAT)) | NHRP_RES_FLAG_A;
	if (!code)
		hdr->flags |= NHRP_RES_FLAG_D | NHRP_RES_FLAG_U;
	nhrp_build_start(&b, dd->nhrp_buf, DMVPN_NHRP_BUF, hdr);
	if (code) {
		memset(&answer, 0, sizeof(answer));
		answer.code = code;
		answer.prefix_len = dmvpn_addr_bits(&rx->dst_proto);
	} else {
		dmvpn_nhrp_self_cie(dd, &answer, owner_nbma ?: &own_nbma,
				    owner_proto ?: &own_proto, plen, 0);
	}
	nhrp_build_cie(&b, &answer);
	dmvpn_nhrp_self_cie(dd, &self, &own_nbma, &own_proto,
			    dmvpn_addr_bits(&own_proto), 0);
	/* Behind a NAT we say where we really are, as Cisco does. */
	nat_nbma = owner_nbma ? NULL : dmvpn_nhs_nat_nbma(dd);
	if (nat_nbma && !code) {
		dmvpn_nhrp_self_cie(dd, &nat[0], nat_nbma, &own_proto,
				    dmvpn_addr_bits(&own_proto), 0);
		nat[0].holding_time = 0;
		n_nat = 1;
	}
	secret = dmvpn_nhrp_secret(dd, &secret_len);
	nhrp_build_reply_exts(&b, m, &self, nat, n_nat, NULL, secret, secret_len);
	len = nhrp_build_finish(&b);
	/* Cisco answers the requester directly; a NAK goes back the way it came. */
	if (!(code ? dmvpn_nhrp_send_refusal(dd, &rx->observed, dd->nhrp_buf, len) :
		     dmvpn_nhrp_send(dd, &req_nbma, dd->nhrp_buf, len)))
		dmvpn_count(dd, code ? DMVPN_CNT_NHRP_RES_NAK :
			    DMVPN_CNT_NHRP_RES_ANSWERED);
}

/* The requester behind a NAT, from the registration we hold for it. */
static bool dmvpn_nat_cie_for(struct dmvpn_nhrp_rx *rx, struct nhrp_cie *c,
			      struct dmvpn_addr *nbma)
{
	const struct nhrp_msg *m = rx->m;
	struct dmvpn_peer *peer;
	struct dmvpn_entry *e;
	bool natted = false;

	if (!nhrp_msg_ext(m, NHRP_EXT_NAT) ||
	    nhrp_msg_find_cie(m, NHRP_LIST_NAT, NULL, m->src_proto))
		return false;
	rcu_read_lock();
	e = dmvpn_cache_lookup_exact(rx->dd, &rx->src_proto,
				     dmvpn_addr_bits(&rx->src_proto));
	peer = e ? rcu_dereference(e->peer) : NULL;
	if (peer && (READ_ONCE(e->flags) & DMVPN_ENTRY_F_NAT)) {
		*nbma = peer->nbma;
		natted = true;
	}
	rcu_read_unlock();
	if (!natted)
		return false;
	dmvpn_nhrp_self_cie(rx->dd, c, nbma, &rx->src_proto,
			    dmvpn_addr_bits(&rx->src_proto), 0);
	c->holding_time = 0;
	return true;
}

void dmvpn_nhrp_res_request(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_dev *dd = rx->dd;
	const struct nhrp_msg *m = rx->m;
	const struct dmvpn_addr *target = &rx->dst_proto;
	u8 min = dmvpn_min_answer_plen(target);
	struct dmvpn_addr own_proto, to, owner, nat_nbma;
	struct dmvpn_route_info ri;
	struct dmvpn_peer *peer;
	struct nhrp_cie nat_cie;
	struct dmvpn_entry *e;
	bool fwd = false, from_cache = false;
	u8 type = 0;

	if (!dmvpn_nhrp_own_proto(dd, target->family, NULL, &own_proto) &&
	    nhrp_msg_find_cie(m, NHRP_LIST_FWD_TRANSIT, NULL,
			      dmvpn_addr_wire(&own_proto))) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_LOOP);
		dmvpn_nhrp_error(rx, NHRP_EI_LOOP_DETECTED, 0);
		return;
	}

	dmvpn_nhrp_route(dd, target, &ri);
	if (ri.local) {
		dmvpn_res_answer(rx, dmvpn_nhrp_local_plen(dd, target, min), 0,
				 NULL, NULL);
		return;
	}
	if (ri.found && !ri.via_us) {
		/* Off the NBMA network behind us: we are the exit. */
		if (ri.plen < min)
			dmvpn_res_answer(rx, 0, NHRP_CIE_NO_BINDING, NULL, NULL);
		else
			dmvpn_res_answer(rx, ri.plen, 0, NULL, NULL);
		return;
	}

	if (ri.via_us) {
		rcu_read_lock();
		e = dmvpn_cache_lookup(dd, &ri.nexthop);
		peer = e ? rcu_dereference(e->peer) : NULL;
		if (peer && !dmvpn_addr_equal(&peer->nbma, &rx->observed)) {
			type = e->type;
			to = peer->nbma;
			fwd = true;
		}
		rcu_read_unlock();
	}
	if (fwd && (dmvpn_cfg(dd)->flags & DMVPN_F_SERVER_ONLY) &&
	    (type == DMVPN_ENTRY_DYNAMIC || type == DMVPN_ENTRY_STATIC))
		from_cache = true;
	if (!fwd) {
		/* A spoke's own NHS knows more; anyone else has no binding. */
		peer = rcu_dereference_protected(dd->nhs_peer,
						 lockdep_is_held(&dd->nhrp_mutex));
		if (peer && !dmvpn_addr_equal(&peer->nbma, &rx->observed)) {
			to = peer->nbma;
			fwd = true;
		}
	}
	if (from_cache) {
		owner = ri.nexthop;
		dmvpn_res_answer(rx, dmvpn_addr_bits(target), 0, &to, &owner);
		return;
	}
	if (!fwd) {
		dmvpn_res_answer(rx, 0, NHRP_CIE_NO_BINDING, NULL, NULL);
		return;
	}
	if (type == DMVPN_ENTRY_DYNAMIC) {
		struct dmvpn_addr req_nbma;

		dmvpn_requester_nbma(rx, &rx->src_proto, &req_nbma);
		/* Keyed by the registered owner: its withdrawal is the trigger. */
		dmvpn_nhrp_answer_note(dd, &ri.nexthop, &req_nbma,
				       &rx->src_proto);
	}
	dmvpn_nhrp_forward(rx, &to, dmvpn_nat_cie_for(rx, &nat_cie, &nat_nbma) ?
			   &nat_cie : NULL);
}

void dmvpn_nhrp_purge_request(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_dev *dd = rx->dd;
	const struct nhrp_msg *m = rx->m;
	unsigned int i, n = nhrp_msg_cie_count(m, NHRP_LIST_MAIN);
	struct nhrp_msg *hdr = &dmvpn_nhrp_out_scratch(dd)->hdr;
	const struct dmvpn_addr *giver;
	int len;

	if (!dmvpn_nhrp_for_us(rx))
		return;
	dmvpn_count(dd, DMVPN_CNT_NHRP_PURGE_RX);
	/*
	 * An answer is withdrawn by whoever gave it: our NHS (relaying the
	 * owner's withdrawal), any of them; else only the owner, for what
	 * it answered itself (its NBMA as seen).
	 */
	giver = dmvpn_nhs_is_from(dd, &rx->observed) ? NULL : &rx->observed;
	for (i = 0; i < n; i++) {
		const struct nhrp_cie *cie = nhrp_msg_cie(m, NHRP_LIST_MAIN, i);
		struct dmvpn_addr proto;
		u8 plen = nhrp_cie_prefix_len(m, cie);

		dmvpn_addr_from_wire(&proto, nhrp_cie_proto(m, cie), m->proto_len);
		dmvpn_addr_mask(&proto, plen);
		/* A station withdraws its own registrations only... */
		dmvpn_cache_purge(dd, &proto, plen, 1U << DMVPN_ENTRY_DYNAMIC,
				  &rx->observed);
		/* ...and the answers its giver takes back, */
		dmvpn_cache_purge(dd, &proto, plen,
				  (1U << DMVPN_ENTRY_RESOLVED) |
				  (1U << DMVPN_ENTRY_NEGATIVE), giver);
		/* with the prefixes that station answered for. */
		if (plen == dmvpn_addr_bits(&proto))
			dmvpn_cache_purge_via(dd, &proto, giver);
		dmvpn_shortcut_purge(dd, &proto, plen, giver);
	}
	if (m->flags & NHRP_PURGE_FLAG_N)
		return;
	*hdr = *m;
	hdr->type = NHRP_PURGE_REPLY;
	hdr->hop_count = NHRP_HOP_DEFAULT;
	len = nhrp_build_msg(dd->nhrp_buf, DMVPN_NHRP_BUF, hdr);
	/* Anyone can ask for a purge reply: only our NHSes from the answers' bucket. */
	if (giver)
		dmvpn_nhrp_send_refusal(dd, &rx->observed, dd->nhrp_buf, len);
	else
		dmvpn_nhrp_send(dd, &rx->observed, dd->nhrp_buf, len);
}
