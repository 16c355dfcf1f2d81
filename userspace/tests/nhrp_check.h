/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Invariants over parsed messages, shared by the unit tests and the fuzzer.
 */
#ifndef _DMVPN_NHRP_CHECK_H
#define _DMVPN_NHRP_CHECK_H

#include "nhrp_wire.h"

static inline int nhrp_in(const u8 *p, size_t n, const u8 *buf, size_t len)
{
	if (!n)
		return 1;
	return p && p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

/* Every pointer in @m, with its length, lies inside @buf[0..@len). */
static inline int nhrp_msg_in_bounds(const struct nhrp_msg *m,
				     const u8 *buf, size_t len)
{
	unsigned int i;

	if (m->pkt_len > len)
		return 0;
	len = m->pkt_len;
	if (!nhrp_in(m->src_nbma, m->nbma_len, buf, len) ||
	    !nhrp_in(m->src_proto, m->proto_len, buf, len) ||
	    !nhrp_in(m->dst_proto, m->proto_len, buf, len) ||
	    !nhrp_in(m->payload, m->payload_len, buf, len))
		return 0;
	if (m->cie_count > NHRP_MAX_CIES || m->ext_count > NHRP_MAX_EXTS)
		return 0;
	for (i = 0; i < NHRP_LIST_NUM; i++)
		if (m->lists[i].first + m->lists[i].count > m->cie_count)
			return 0;
	for (i = 0; i < m->cie_count; i++) {
		const struct nhrp_cie *c = &m->cie[i];

		if ((c->nbma_len && c->nbma_len != m->nbma_len) ||
		    (c->proto_len && c->proto_len != m->proto_len) ||
		    !nhrp_in(c->nbma, c->nbma_len, buf, len) ||
		    !nhrp_in(c->proto, c->proto_len, buf, len))
			return 0;
	}
	for (i = 0; i < m->ext_count; i++)
		if (!nhrp_in(m->ext[i].data, m->ext[i].len, buf, len))
			return 0;
	return 1;
}

static inline int nhrp_bytes_eq(const u8 *a, const u8 *b, size_t n)
{
	return !n || (a && b && !memcmp(a, b, n));
}

static inline int nhrp_ext_has_cies(u16 type)
{
	return type == NHRP_EXT_RESPONDER || type == NHRP_EXT_FWD_TRANSIT ||
	       type == NHRP_EXT_REV_TRANSIT || type == NHRP_EXT_NAT;
}

static inline int nhrp_cie_same(const struct nhrp_cie *a,
				const struct nhrp_cie *b)
{
	return a->code == b->code && a->prefix_len == b->prefix_len &&
	       a->mtu == b->mtu && a->holding_time == b->holding_time &&
	       a->preference == b->preference &&
	       a->nbma_len == b->nbma_len && a->proto_len == b->proto_len &&
	       nhrp_bytes_eq(a->nbma, b->nbma, a->nbma_len) &&
	       nhrp_bytes_eq(a->proto, b->proto, a->proto_len);
}

/*
 * Same message content. Ignores what a re-encode legitimately changes:
 * checksum, length, trailing bytes after End, a missing End.
 */
static inline int nhrp_msg_same(const struct nhrp_msg *a,
				const struct nhrp_msg *b)
{
	unsigned int i;

	if (a->afn != b->afn || a->pro_type != b->pro_type ||
	    memcmp(a->pro_snap, b->pro_snap, sizeof(a->pro_snap)) ||
	    a->hop_count != b->hop_count || a->type != b->type ||
	    a->nbma_len != b->nbma_len || a->proto_len != b->proto_len ||
	    a->flags != b->flags || a->request_id != b->request_id ||
	    a->code != b->code || a->err_offset != b->err_offset ||
	    a->payload_len != b->payload_len ||
	    a->cie_count != b->cie_count || a->ext_count != b->ext_count ||
	    a->has_ext_part != b->has_ext_part ||
	    a->ext_offset != b->ext_offset)
		return 0;
	if (!nhrp_bytes_eq(a->src_nbma, b->src_nbma, a->nbma_len) ||
	    !nhrp_bytes_eq(a->src_proto, b->src_proto, a->proto_len) ||
	    !nhrp_bytes_eq(a->dst_proto, b->dst_proto, a->proto_len) ||
	    !nhrp_bytes_eq(a->payload, b->payload, a->payload_len))
		return 0;
	for (i = 0; i < NHRP_LIST_NUM; i++)
		if (a->lists[i].first != b->lists[i].first ||
		    a->lists[i].count != b->lists[i].count)
			return 0;
	for (i = 0; i < a->cie_count; i++)
		if (!nhrp_cie_same(&a->cie[i], &b->cie[i]))
			return 0;
	for (i = 0; i < a->ext_count; i++) {
		const struct nhrp_ext *x = &a->ext[i], *y = &b->ext[i];

		if (x->type != y->type || x->compulsory != y->compulsory ||
		    x->len != y->len)
			return 0;
		/* CIE lists were compared above; their unused bytes are not */
		if (!nhrp_ext_has_cies(x->type) &&
		    !nhrp_bytes_eq(x->data, y->data, x->len))
			return 0;
	}
	return 1;
}

#endif /* _DMVPN_NHRP_CHECK_H */
