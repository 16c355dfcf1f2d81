// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn NHRP client (spoke) role: registration with next hop servers and
 * on-demand resolution (DMVPN Phase 2).
 *
 * Each NHS has a delayed work that sends one Registration Request per
 * overlay family the device has an address of, retransmits with the same
 * request id (1, 2, 4 ... 64 s), and after a reply refreshes at the
 * registration interval (reg-timeout, default a third of the holding
 * time). Resolutions are driven by the cache gc work, which finds the
 * incomplete entries transmit created and hands them here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include "nhrp.h"

#define DMVPN_NHS_BACKOFF_MAX	64	/* s between unanswered requests */
#define DMVPN_NHS_DOWN_TRIES	4	/* unanswered before "down" */

static unsigned int dmvpn_reg_interval(struct dmvpn_dev *dd)
{
	const struct dmvpn_cfg *cfg = dmvpn_cfg(dd);

	return max_t(u32, cfg->reg_timeout ?: cfg->holdtime / 3, 1);
}

/* The NHS transmit falls back to: the best one up, else the first. */
static void dmvpn_nhs_update_peer(struct dmvpn_dev *dd)
{
	struct dmvpn_nhs *nhs, *best = NULL;

	lockdep_assert_held(&dd->nhrp_mutex);
	list_for_each_entry(nhs, &dd->nhs_list, list) {
		bool up = nhs->state == DMVPN_NHS_UP;
		bool best_up = best && best->state == DMVPN_NHS_UP;

		if (!best || (up && !best_up) ||
		    (up == best_up && nhs->priority < best->priority))
			best = nhs;
	}
	rcu_assign_pointer(dd->nhs_peer, best ? best->peer : NULL);
}

static void dmvpn_nhs_set_state(struct dmvpn_nhs *nhs, u8 state)
{
	struct dmvpn_dev *dd = nhs->dd;

	if (nhs->state == state)
		return;
	nhs->state = state;
	nhs->since = jiffies;
	dmvpn_nhs_update_peer(dd);
	if (state != DMVPN_NHS_PROBING)
		dmvpn_notify_nhs(dd, state == DMVPN_NHS_UP ? DMVPN_EVENT_NHS_UP :
				 DMVPN_EVENT_NHS_DOWN, nhs);
}

/* The tunnel address a request to @nhs names as its destination. */
static const struct dmvpn_addr *dmvpn_nhs_proto(struct dmvpn_nhs *nhs,
						int idx)
{
	if (nhs->proto.family && dmvpn_family_idx(nhs->proto.family) == idx)
		return &nhs->proto;
	if (nhs->reg[idx].learned.family)
		return &nhs->reg[idx].learned;
	return NULL;
}

static int dmvpn_nhs_send_reg(struct dmvpn_nhs *nhs, u16 family)
{
	struct dmvpn_dev *dd = nhs->dd;
	int idx = dmvpn_family_idx(family);
	struct dmvpn_nhs_reg *reg = &nhs->reg[idx];
	const struct dmvpn_addr *nhs_proto = dmvpn_nhs_proto(nhs, idx);
	bool unique = dmvpn_cfg(dd)->flags & DMVPN_F_UNIQUE;
	bool nat = dmvpn_cfg(dd)->flags & DMVPN_F_NAT_EXT;
	struct nhrp_cie cie, nat_cie;
	struct dmvpn_nhrp_out *o = dmvpn_nhrp_out_scratch(dd);
	struct dmvpn_addr zero;
	int host;

	if (dmvpn_nhrp_out_init(dd, o, NHRP_REGISTRATION_REQUEST, family,
				&nhs->nbma, nhs_proto))
		return -EADDRNOTAVAIL;
	host = dmvpn_addr_bits(&o->proto);
	if (!reg->reqid)
		reg->reqid = dmvpn_nhrp_reqid();

	o->hdr.flags = (unique ? NHRP_REG_FLAG_U : 0) | (nat ? NHRP_FLAG_NAT : 0);
	o->hdr.request_id = reg->reqid;
	if (nhs_proto)
		o->hdr.dst_proto = dmvpn_addr_wire(nhs_proto);

	/*
	 * RFC 2332 wants 0xff with U, but Cisco sends the host length either
	 * way and every peer (Cisco, nhrpd) takes it: send what Cisco sends.
	 */
	memset(&cie, 0, sizeof(cie));
	cie.prefix_len = host;
	cie.mtu = min_t(unsigned int, READ_ONCE(dd->dev->mtu), U16_MAX);
	cie.holding_time = dmvpn_cfg(dd)->holdtime;
	cie.preference = 255;

	/* The NAT CIE describes the NHS; 0.0.0.0 when its address is unknown. */
	memset(&zero, 0, sizeof(zero));
	zero.family = family;
	dmvpn_nhrp_self_cie(dd, &nat_cie, &nhs->nbma, nhs_proto ?: &zero,
			    host, 255);
	nat_cie.holding_time = 0;

	dmvpn_nhrp_out_start(dd, o);
	nhrp_build_cie(&o->b, &cie);
	if (nat) {
		nhrp_build_request_exts(&o->b, o->secret, o->secret_len, &nat_cie, 1);
	} else {
		nhrp_build_ext(&o->b, nhrp_ext_wire_type(NHRP_EXT_RESPONDER), NULL, 0);
		nhrp_build_ext(&o->b, nhrp_ext_wire_type(NHRP_EXT_FWD_TRANSIT), NULL, 0);
		nhrp_build_ext(&o->b, nhrp_ext_wire_type(NHRP_EXT_REV_TRANSIT), NULL, 0);
		if (o->secret)
			nhrp_build_auth(&o->b, o->secret, o->secret_len);
	}
	nhs->sent++;
	dmvpn_count(dd, DMVPN_CNT_NHRP_REG_SENT);
	return dmvpn_nhrp_out_send(dd, o, &nhs->nbma);
}

static void dmvpn_nhs_schedule(struct dmvpn_nhs *nhs, unsigned int secs)
{
	if (!nhs->dead && !READ_ONCE(nhs->dd->nhrp_dead))
		mod_delayed_work(system_wq, &nhs->work, secs * HZ);
}

static void dmvpn_nhs_work(struct work_struct *work)
{
	struct dmvpn_nhs *nhs = container_of(to_delayed_work(work),
					     struct dmvpn_nhs, work);
	struct dmvpn_dev *dd = nhs->dd;
	unsigned int cap;

	mutex_lock(&dd->nhrp_mutex);
	/* Not IFF_UP: that is set only after ndo_open has kicked us. */
	if (nhs->dead || !netif_running(dd->dev))
		goto out;
	/*
	 * An NHS that let DMVPN_NHS_DOWN_TRIES requests in a row go
	 * unanswered (15 s: 1 + 2 + 4 + 8) is down, even with its
	 * registration still valid: traffic waiting for resolution fails
	 * over to the next one.
	 */
	if (nhs->tries >= DMVPN_NHS_DOWN_TRIES ||
	    (nhs->state == DMVPN_NHS_UP && time_after_eq(jiffies, nhs->expires)))
		dmvpn_nhs_set_state(nhs, DMVPN_NHS_DOWN);
	dmvpn_nhs_send_reg(nhs, AF_INET);
	dmvpn_nhs_send_reg(nhs, AF_INET6);
	nhs->tries++;
	/* Back off, but never wait longer than a registration interval. */
	cap = min_t(unsigned int, DMVPN_NHS_BACKOFF_MAX, dmvpn_reg_interval(dd));
	dmvpn_nhs_schedule(nhs, min(nhs->backoff, cap));
	nhs->backoff = min(nhs->backoff * 2, cap);
out:
	mutex_unlock(&dd->nhrp_mutex);
}

static struct dmvpn_nhs *dmvpn_nhs_by_reqid(struct dmvpn_dev *dd, u32 reqid,
					    int *idx)
{
	struct dmvpn_nhs *nhs;

	list_for_each_entry(nhs, &dd->nhs_list, list) {
		for (*idx = 0; *idx < 2; (*idx)++)
			if (reqid && nhs->reg[*idx].reqid == reqid)
				return nhs;
	}
	return NULL;
}

void dmvpn_nhrp_reg_reply(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_dev *dd = rx->dd;
	const struct nhrp_msg *m = rx->m;
	const struct nhrp_cie *cie, *nat;
	struct dmvpn_nhs_reg *reg;
	struct dmvpn_nhs *nhs;
	unsigned int i, hold;
	u8 code = 0;
	int idx;

	/* Only the NHS we asked answers: replies come back from its NBMA. */
	nhs = dmvpn_nhs_by_reqid(dd, m->request_id, &idx);
	if (!nhs || dmvpn_family_idx(rx->src_proto.family) != idx ||
	    !dmvpn_addr_equal(&nhs->nbma, &rx->observed)) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_UNSOLICITED);
		return;
	}
	reg = &nhs->reg[idx];
	nhs->replies++;
	for (i = 0; i < nhrp_msg_cie_count(m, NHRP_LIST_MAIN); i++) {
		cie = nhrp_msg_cie(m, NHRP_LIST_MAIN, i);
		if (cie->code) {
			code = cie->code;
			break;
		}
	}
	cie = nhrp_msg_cie(m, NHRP_LIST_MAIN, 0);
	nhs->last_code = code;
	reg->reqid = 0;		/* the next request is a new one */
	if (code || !cie) {
		reg->ok = false;
		dmvpn_count(dd, DMVPN_CNT_NHRP_REG_REFUSED);
		net_info_ratelimited("%s: NHS refused our registration (code %u)\n",
				     dd->dev->name, code);
		dmvpn_nhs_set_state(nhs, DMVPN_NHS_DOWN);
		return;
	}

	reg->ok = true;
	hold = cie->holding_time ?: dmvpn_cfg(dd)->holdtime;
	nhs->expires = jiffies + hold * HZ;
	nhs->tries = 0;
	nhs->backoff = 1;

	/* The NHS puts its own tunnel address in Dst Proto (dynamic NHS). */
	if (!dmvpn_addr_equal(&rx->dst_proto, &rx->src_proto)) {
		struct dmvpn_entry_info info = {
			.nbma = &nhs->nbma, .type = DMVPN_ENTRY_DYNAMIC,
			.flags = DMVPN_ENTRY_F_NHS | DMVPN_ENTRY_F_MULTICAST,
			.holdtime = hold, .no_downgrade = true,
		};

		if (reg->learned.family &&
		    !dmvpn_addr_equal(&reg->learned, &rx->dst_proto))
			dmvpn_cache_del(dd, &reg->learned,
					dmvpn_addr_bits(&reg->learned), NULL);
		reg->learned = rx->dst_proto;
		info.via = &reg->learned;
		dmvpn_cache_set(dd, &reg->learned,
				dmvpn_addr_bits(&reg->learned), &info, NULL);
	}

	/* Second NAT CIE: our address as the NHS saw it (Cisco, nhrpd). */
	nat = nhrp_msg_cie(m, NHRP_LIST_NAT, 1);
	if (nat && nat->nbma_len == m->nbma_len)
		dmvpn_addr_from_wire(&nhs->nat_nbma, nat->nbma, nat->nbma_len);
	else
		memset(&nhs->nat_nbma, 0, sizeof(nhs->nat_nbma));

	dmvpn_nhs_set_state(nhs, DMVPN_NHS_UP);
	dmvpn_nhs_schedule(nhs, dmvpn_reg_interval(dd));
}

/* Our NBMA address as seen from outside a NAT, when an NHS told us one. */
const struct dmvpn_addr *dmvpn_nhs_nat_nbma(struct dmvpn_dev *dd)
{
	struct dmvpn_nhs *nhs;

	lockdep_assert_held(&dd->nhrp_mutex);
	list_for_each_entry(nhs, &dd->nhs_list, list)
		if (nhs->nat_nbma.family)
			return &nhs->nat_nbma;
	return NULL;
}

bool dmvpn_nhs_is_from(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma)
{
	struct dmvpn_nhs *nhs;

	lockdep_assert_held(&dd->nhrp_mutex);
	list_for_each_entry(nhs, &dd->nhs_list, list)
		if (dmvpn_addr_equal(&nhs->nbma, nbma))
			return true;
	return false;
}

static int dmvpn_nhrp_send_res(struct dmvpn_dev *dd,
			       const struct dmvpn_res_due *due,
			       const struct dmvpn_addr *to)
{
	const struct dmvpn_addr *target = &due->target;
	const struct dmvpn_addr *nat_nbma = dmvpn_nhs_nat_nbma(dd);
	struct nhrp_cie cie, nat_cie;
	struct dmvpn_nhrp_out *o = dmvpn_nhrp_out_scratch(dd);

	if (dmvpn_nhrp_out_init(dd, o, NHRP_RESOLUTION_REQUEST, target->family,
				to, NULL))
		return -EADDRNOTAVAIL;
	o->hdr.flags = NHRP_CISCO_RES_REQ_FLAGS;
	o->hdr.request_id = due->reqid;
	o->hdr.dst_proto = dmvpn_addr_wire(target);

	/* Cisco names the host length here, never 0xff without U. */
	memset(&cie, 0, sizeof(cie));
	cie.prefix_len = dmvpn_addr_bits(&o->proto);
	cie.mtu = min_t(unsigned int, READ_ONCE(dd->dev->mtu), U16_MAX);
	cie.holding_time = dmvpn_cfg(dd)->holdtime;
	if (nat_nbma) {
		dmvpn_nhrp_self_cie(dd, &nat_cie, nat_nbma, &o->proto,
				    dmvpn_addr_bits(&o->proto), 0);
		nat_cie.holding_time = 0;
	}
	dmvpn_nhrp_out_start(dd, o);
	nhrp_build_cie(&o->b, &cie);
	nhrp_build_request_exts(&o->b, o->secret, o->secret_len, &nat_cie,
				nat_nbma ? 1 : 0);
	dmvpn_count(dd, DMVPN_CNT_NHRP_RES_SENT);
	return dmvpn_nhrp_out_send(dd, o, to);
}

/* Cache gc: these resolutions are due (new, retried or refreshed). */
void dmvpn_nhrp_resolve_due(struct dmvpn_dev *dd,
			    const struct dmvpn_res_due *due, unsigned int n)
{
	struct dmvpn_peer *peer;
	struct dmvpn_addr to;
	unsigned int i;

	mutex_lock(&dd->nhrp_mutex);
	peer = rcu_dereference_protected(dd->nhs_peer,
					 lockdep_is_held(&dd->nhrp_mutex));
	if (peer && !READ_ONCE(dd->nhrp_dead)) {
		to = peer->nbma;
		for (i = 0; i < n; i++)
			dmvpn_nhrp_send_res(dd, &due[i], &to);
	}
	mutex_unlock(&dd->nhrp_mutex);
}

/*
 * Which NBMA address reaches the owner of @cie: the post-NAT address the
 * NAT extension gives for its tunnel address, else the outer source of a
 * reply that came straight from it, else what it claims.
 */
static void dmvpn_nhrp_owner_nbma(struct dmvpn_nhrp_rx *rx,
				  const struct nhrp_cie *cie, bool direct,
				  struct dmvpn_addr *nbma,
				  struct dmvpn_addr *claimed)
{
	const struct nhrp_msg *m = rx->m;
	const struct nhrp_cie *nat;

	dmvpn_addr_from_wire(claimed, nhrp_cie_nbma(m, cie), m->nbma_len);
	*nbma = *claimed;
	nat = nhrp_msg_find_cie(m, NHRP_LIST_NAT, NULL, nhrp_cie_proto(m, cie));
	if (nat && nat->nbma_len == m->nbma_len)
		dmvpn_addr_from_wire(nbma, nat->nbma, nat->nbma_len);
	else if (direct)
		*nbma = rx->observed;
}

/*
 * The answer to a resolution a Traffic Indication asked for (or to a
 * shortcut's refresh): the prefix becomes, or stays, a shortcut.
 */
static void dmvpn_res_shortcut(struct dmvpn_nhrp_rx *rx,
			       const struct dmvpn_entry_info *info, u8 plen)
{
	struct dmvpn_shortcut_info sinfo = {
		.nbma = info->nbma, .claimed = info->claimed, .via = info->via,
		.target = &rx->dst_proto, .holdtime = info->holdtime,
		.mtu = info->mtu,
	};

	/* As the responder side: nobody's answer covers the world. */
	if (plen < dmvpn_min_answer_plen(&rx->dst_proto)) {
		dmvpn_count(rx->dd, DMVPN_CNT_SHORTCUT_REFUSED);
		return;
	}
	dmvpn_shortcut_set(rx->dd, &rx->dst_proto, plen, &sinfo);
}

/*
 * Whether a packet that did not answer a question about @via (a reply's
 * owner, a request's requester) may bind it to @nbma on the side: only
 * inside our subnets, and never re-pointing what an answer we asked for
 * resolved.
 */
bool dmvpn_res_may_bind(struct dmvpn_dev *dd, const struct dmvpn_addr *via,
			const struct dmvpn_addr *nbma)
{
	struct dmvpn_peer *peer;
	struct dmvpn_entry *e;
	bool ok = true;

	if (!dmvpn_nhrp_in_subnet(dd, via))
		return false;
	rcu_read_lock();
	e = dmvpn_cache_lookup_exact(dd, via, dmvpn_addr_bits(via));
	peer = e ? rcu_dereference(e->peer) : NULL;
	if (e && peer && READ_ONCE(e->type) == DMVPN_ENTRY_RESOLVED &&
	    !dmvpn_entry_expired(e) && !dmvpn_addr_equal(&peer->nbma, nbma))
		ok = false;
	rcu_read_unlock();
	return ok;
}

void dmvpn_nhrp_res_reply(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_dev *dd = rx->dd;
	const struct nhrp_msg *m = rx->m;
	const struct dmvpn_entry_info negative = {
		.type = DMVPN_ENTRY_NEGATIVE, .holdtime = DMVPN_NEGATIVE_HOLD,
	};
	struct dmvpn_entry_info info = {};
	struct dmvpn_addr nbma, claimed, via, net;
	struct dmvpn_entry_key pending;
	bool match, direct, refresh = false, for_sc = false;
	const struct nhrp_cie *cie;
	struct dmvpn_entry *e;
	u8 plen;
	int err;

	rcu_read_lock();
	e = dmvpn_cache_lookup(dd, &rx->dst_proto);
	match = e && e->reqid == m->request_id &&
		(e->type == DMVPN_ENTRY_INCOMPLETE ||
		 e->type == DMVPN_ENTRY_RESOLVED);
	if (match) {
		pending = e->key;
		for_sc = READ_ONCE(e->for_shortcut) &&
			 READ_ONCE(e->type) == DMVPN_ENTRY_INCOMPLETE;
	}
	rcu_read_unlock();
	if (!match)
		refresh = dmvpn_shortcut_expects(dd, &rx->dst_proto,
						 m->request_id);
	if (!match && !refresh) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_UNSOLICITED);
		return;
	}
	if (!(dmvpn_cfg(dd)->flags & DMVPN_F_SHORTCUT))
		for_sc = false;

	cie = nhrp_msg_cie(m, NHRP_LIST_MAIN, 0);
	if (!cie || cie->code) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RES_NAK);
		if (refresh) {
			dmvpn_shortcut_refused(dd, &rx->dst_proto, m->request_id);
			return;
		}
		info.type = DMVPN_ENTRY_NEGATIVE;
		info.holdtime = DMVPN_NEGATIVE_HOLD;
		dmvpn_cache_set(dd, &pending.addr, pending.plen, &info, NULL);
		return;
	}

	plen = nhrp_cie_prefix_len(m, cie);
	direct = !nhrp_msg_cie_count(m, NHRP_LIST_REV_TRANSIT) &&
		 !dmvpn_nhs_is_from(dd, &rx->observed);
	dmvpn_nhrp_owner_nbma(rx, cie, direct, &nbma, &claimed);
	dmvpn_addr_from_wire(&via, nhrp_cie_proto(m, cie), m->proto_len);
	info.nbma = &nbma;
	info.claimed = dmvpn_addr_equal(&nbma, &claimed) ? NULL : &claimed;
	info.via = &via;
	info.type = DMVPN_ENTRY_RESOLVED;
	info.flags = info.claimed ? DMVPN_ENTRY_F_NAT : 0;
	info.holdtime = cie->holding_time ?: dmvpn_cfg(dd)->holdtime;
	info.mtu = cie->mtu;

	net = rx->dst_proto;
	dmvpn_addr_mask(&net, plen);
	if (refresh || for_sc) {
		dmvpn_res_shortcut(rx, &info, plen);
		if (match)
			dmvpn_cache_del(dd, &pending.addr, pending.plen, NULL);
	} else {
		/*
		 * An answer widens what goes to its owner: never to the
		 * world (as the responder side, /8 or /16 at least), never
		 * over an admin's map or our own address.
		 */
		info.no_downgrade = true;
		err = -ERANGE;
		if (plen >= dmvpn_min_answer_plen(&net) &&
		    plen <= dmvpn_addr_bits(&net))
			err = dmvpn_cache_set(dd, &net, plen, &info, NULL);
		if (err == -ERANGE || err == -EEXIST) {
			/* Taken as a negative answer: via the NHS for now. */
			dmvpn_count(dd, DMVPN_CNT_NHRP_RES_REFUSED);
			if (match)
				dmvpn_cache_set(dd, &pending.addr, pending.plen,
						&negative, NULL);
			return;
		}
		if (err)
			return;
		if (pending.plen != plen ||
		    !dmvpn_addr_equal(&pending.addr, &net))
			dmvpn_cache_del(dd, &pending.addr, pending.plen, NULL);
	}
	/* The owner's own tunnel address is reachable the same way. */
	if ((!dmvpn_addr_equal(&via, &net) || plen != dmvpn_addr_bits(&via)) &&
	    dmvpn_res_may_bind(dd, &via, &nbma)) {
		info.no_downgrade = true;
		dmvpn_cache_set(dd, &via, dmvpn_addr_bits(&via), &info, NULL);
	}
	dmvpn_count(dd, DMVPN_CNT_NHRP_RES_RESOLVED);
}

/*
 * An error about our resolution @reqid: cache it as negative when @believed
 * (it came from our NHS), else count it.
 */
static void dmvpn_res_failed(struct dmvpn_dev *dd, u32 reqid, bool believed)
{
	struct dmvpn_entry_info info = {
		.type = DMVPN_ENTRY_NEGATIVE, .holdtime = DMVPN_NEGATIVE_HOLD,
	};
	struct dmvpn_entry_key key;
	struct dmvpn_entry *e;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(e, &dd->entry_list, list) {
		if (READ_ONCE(e->type) == DMVPN_ENTRY_INCOMPLETE &&
		    e->reqid == reqid) {
			key = e->key;
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	if (found && !believed) {
		dmvpn_count(dd, DMVPN_CNT_NHRP_RX_UNSOLICITED);
	} else if (found) {
		dmvpn_cache_set(dd, &key.addr, key.plen, &info, NULL);
		dmvpn_count(dd, DMVPN_CNT_NHRP_RES_NAK);
	}
}

void dmvpn_nhrp_error_ind(struct dmvpn_nhrp_rx *rx)
{
	struct dmvpn_dev *dd = rx->dd;
	struct dmvpn_nhs *nhs;
	u32 reqid;
	int idx;
	u8 type;

	dmvpn_count(dd, DMVPN_CNT_NHRP_RX_ERROR_IND);
	if (nhrp_ei_offender(rx->m, &type, &reqid))
		return;
	net_info_ratelimited("%s: NHRP error indication, code %u, about type %u\n",
			     dd->dev->name, rx->m->code, type);
	/*
	 * Our requests go to an NHS: only that NHS may say what became of
	 * them. The right id from anywhere else is counted, not believed.
	 */
	if (type == NHRP_REGISTRATION_REQUEST) {
		nhs = dmvpn_nhs_by_reqid(dd, reqid, &idx);
		if (nhs && !dmvpn_addr_equal(&nhs->nbma, &rx->observed)) {
			dmvpn_count(dd, DMVPN_CNT_NHRP_RX_UNSOLICITED);
		} else if (nhs) {
			nhs->last_code = rx->m->code;
			dmvpn_nhs_set_state(nhs, DMVPN_NHS_DOWN);
		}
	} else if (type == NHRP_RESOLUTION_REQUEST) {
		dmvpn_res_failed(dd, reqid,
				 dmvpn_nhs_is_from(dd, &rx->observed));
	}
}

static struct dmvpn_nhs *dmvpn_nhs_find(struct dmvpn_dev *dd,
					const struct dmvpn_addr *nbma)
{
	struct dmvpn_nhs *nhs;

	list_for_each_entry(nhs, &dd->nhs_list, list)
		if (dmvpn_addr_equal(&nhs->nbma, nbma))
			return nhs;
	return NULL;
}

int dmvpn_nhs_add(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		  const struct dmvpn_addr *proto, u8 priority,
		  struct netlink_ext_ack *extack)
{
	struct dmvpn_nhs *nhs;
	unsigned int n = 0;
	int err = 0;

	ASSERT_RTNL();
	if (nbma->family != dd->family) {
		NL_SET_ERR_MSG(extack,
			       "NHS NBMA address family differs from the underlay");
		return -EAFNOSUPPORT;
	}
	mutex_lock(&dd->nhrp_mutex);
	list_for_each_entry(nhs, &dd->nhs_list, list)
		n++;
	nhs = dmvpn_nhs_find(dd, nbma);
	if (nhs) {
		/* Replace: new tunnel address and priority, registers anew. */
		if (nhs->proto.family)
			dmvpn_cache_del(dd, &nhs->proto,
					dmvpn_addr_bits(&nhs->proto), NULL);
		memset(&nhs->proto, 0, sizeof(nhs->proto));
		goto set;
	}
	if (n >= DMVPN_MAX_NHS) {
		NL_SET_ERR_MSG(extack, "Too many NHSes on this device");
		err = -ENOSPC;
		goto out;
	}
	nhs = kzalloc(sizeof(*nhs), GFP_KERNEL);
	if (!nhs) {
		err = -ENOMEM;
		goto out;
	}
	spin_lock_bh(&dd->lock);
	nhs->peer = dmvpn_peer_get_or_create(dd, nbma);
	spin_unlock_bh(&dd->lock);
	if (IS_ERR(nhs->peer)) {
		err = PTR_ERR(nhs->peer);
		kfree(nhs);
		if (err == -ENOSPC)
			NL_SET_ERR_MSG(extack, "Too many NBMA peers (see max-entries)");
		goto out;
	}
	nhs->dd = dd;
	nhs->nbma = *nbma;
	nhs->state = DMVPN_NHS_PROBING;
	nhs->since = jiffies;
	INIT_DELAYED_WORK(&nhs->work, dmvpn_nhs_work);
	list_add_tail_rcu(&nhs->list, &dd->nhs_list);
set:
	nhs->priority = priority;
	nhs->backoff = 1;
	nhs->tries = 0;
	if (proto) {
		nhs->proto = *proto;
		err = dmvpn_cache_add(dd, proto, dmvpn_addr_bits(proto), nbma,
				      DMVPN_ENTRY_STATIC,
				      DMVPN_ENTRY_F_NHS | DMVPN_ENTRY_F_MULTICAST,
				      0, extack);
	}
	dmvpn_nhs_update_peer(dd);
	if (dd->dev->flags & IFF_UP)
		dmvpn_nhs_schedule(nhs, 0);
out:
	mutex_unlock(&dd->nhrp_mutex);
	return err;
}

/* Withdraw our registration: a Purge Request with the registration's id. */
static void dmvpn_nhs_send_purge(struct dmvpn_nhs *nhs, int idx)
{
	const struct dmvpn_addr *nhs_proto = dmvpn_nhs_proto(nhs, idx);
	struct dmvpn_dev *dd = nhs->dd;

	dmvpn_nhrp_purge_send(dd, idx ? AF_INET6 : AF_INET, &nhs->nbma,
			      nhs_proto, NULL,
			      nhs->reg[idx].reqid ?: dmvpn_nhrp_reqid());
}

/*
 * Unlink @nhs (RTNL and nhrp_mutex held by the caller, which then calls
 * dmvpn_nhs_free() without the mutex): once @dead is set and it is off
 * the list, neither its work nor a reply can re-arm or find it.
 */
static void dmvpn_nhs_unlink(struct dmvpn_nhs *nhs, bool purge)
{
	struct dmvpn_dev *dd = nhs->dd;
	int idx;

	nhs->dead = true;
	list_del_rcu(&nhs->list);
	dmvpn_nhs_update_peer(dd);
	for (idx = 0; idx < 2; idx++)
		if (purge && nhs->reg[idx].ok)
			dmvpn_nhs_send_purge(nhs, idx);
}

static void dmvpn_nhs_free(struct dmvpn_nhs *nhs)
{
	struct dmvpn_dev *dd = nhs->dd;
	int idx;

	cancel_delayed_work_sync(&nhs->work);
	if (nhs->proto.family)
		dmvpn_cache_del(dd, &nhs->proto, dmvpn_addr_bits(&nhs->proto),
				NULL);
	for (idx = 0; idx < 2; idx++)
		if (nhs->reg[idx].learned.family)
			dmvpn_cache_purge(dd, &nhs->reg[idx].learned,
					  dmvpn_addr_bits(&nhs->reg[idx].learned),
					  1U << DMVPN_ENTRY_DYNAMIC, &nhs->nbma);
	spin_lock_bh(&dd->lock);
	dmvpn_peer_put(nhs->peer);
	spin_unlock_bh(&dd->lock);
	/* Dumps may still walk the list under RCU. */
	kfree_rcu(nhs, rcu);
}

int dmvpn_nhs_del(struct dmvpn_dev *dd, const struct dmvpn_addr *nbma,
		  struct netlink_ext_ack *extack)
{
	struct dmvpn_nhs *nhs;

	ASSERT_RTNL();
	mutex_lock(&dd->nhrp_mutex);
	nhs = dmvpn_nhs_find(dd, nbma);
	if (nhs)
		dmvpn_nhs_unlink(nhs, dd->dev->flags & IFF_UP);
	mutex_unlock(&dd->nhrp_mutex);
	if (!nhs) {
		NL_SET_ERR_MSG(extack, "No such NHS");
		return -ENOENT;
	}
	dmvpn_nhs_free(nhs);
	return 0;
}

/* Every NHS goes, without purging (configuration replaced, teardown). */
void dmvpn_nhs_flush(struct dmvpn_dev *dd)
{
	struct dmvpn_nhs *nhs;

	for (;;) {
		mutex_lock(&dd->nhrp_mutex);
		nhs = list_first_entry_or_null(&dd->nhs_list, struct dmvpn_nhs,
					       list);
		if (nhs)
			dmvpn_nhs_unlink(nhs, false);
		mutex_unlock(&dd->nhrp_mutex);
		if (!nhs)
			break;
		dmvpn_nhs_free(nhs);
	}
}

/* Device up: register with every NHS now. RTNL held. */
void dmvpn_nhs_kick_all(struct dmvpn_dev *dd)
{
	struct dmvpn_nhs *nhs;

	mutex_lock(&dd->nhrp_mutex);
	list_for_each_entry(nhs, &dd->nhs_list, list) {
		nhs->backoff = 1;
		nhs->tries = 0;
		dmvpn_nhs_schedule(nhs, 0);
	}
	mutex_unlock(&dd->nhrp_mutex);
}

/*
 * An address was added to the device, which is up: register each family
 * that has had no registration yet (none made, none in flight) with every
 * NHS now. The others keep their timers: nothing else changed for them.
 */
void dmvpn_nhs_register_new(struct dmvpn_dev *dd)
{
	static const u16 families[] = { AF_INET, AF_INET6 };
	struct dmvpn_nhs *nhs;
	unsigned int i;

	mutex_lock(&dd->nhrp_mutex);
	list_for_each_entry(nhs, &dd->nhs_list, list) {
		for (i = 0; i < ARRAY_SIZE(families); i++) {
			struct dmvpn_nhs_reg *reg =
				&nhs->reg[dmvpn_family_idx(families[i])];

			if (!nhs->dead && !reg->ok && !reg->reqid)
				dmvpn_nhs_send_reg(nhs, families[i]);
		}
	}
	mutex_unlock(&dd->nhrp_mutex);
}

/* Device down: no more registrations. RTNL held, so the list is stable. */
void dmvpn_nhs_stop_all(struct dmvpn_dev *dd)
{
	struct dmvpn_nhs *nhs;

	ASSERT_RTNL();
	list_for_each_entry(nhs, &dd->nhs_list, list)
		cancel_delayed_work_sync(&nhs->work);
	mutex_lock(&dd->nhrp_mutex);
	list_for_each_entry(nhs, &dd->nhs_list, list) {
		nhs->reg[0].ok = false;
		nhs->reg[1].ok = false;
		dmvpn_nhs_set_state(nhs, DMVPN_NHS_DOWN);
	}
	mutex_unlock(&dd->nhrp_mutex);
}
