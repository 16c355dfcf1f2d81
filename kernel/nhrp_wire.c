// SPDX-License-Identifier: GPL-2.0
/*
 * NHRP wire codec: parse and build RFC 2332 packets with the Cisco DMVPN
 * extensions. See nhrp_wire.h for the interface and lifetimes.
 *
 * Every read is preceded by a check against ar$pktsz, and ar$pktsz is
 * checked against the buffer length first, so a parse never touches a
 * byte past min(len, ar$pktsz). Offsets only move forward.
 */
#include "nhrp_wire.h"

#define NHRP_FIXED_LEN	sizeof(struct nhrp_fixed_hdr)
#define NHRP_CIE_LEN	sizeof(struct nhrp_cie_hdr)
#define NHRP_EXT_LEN	sizeof(struct nhrp_ext_hdr)
/* Fixed header plus the fixed bytes of the mandatory part */
#define NHRP_MIN_LEN	(NHRP_FIXED_LEN + sizeof(struct nhrp_common_hdr))

static_assert(sizeof(struct nhrp_fixed_hdr) == 20, "fixed header");
static_assert(sizeof(struct nhrp_common_hdr) == 8, "common header");
static_assert(sizeof(struct nhrp_ind_hdr) == 8, "indication header");
static_assert(sizeof(struct nhrp_cie_hdr) == 12, "CIE header");
static_assert(sizeof(struct nhrp_ext_hdr) == 4, "extension header");
static_assert(NHRP_MAX_CIES <= 255 && NHRP_MAX_EXTS <= 255, "u8 counters");

static const char * const nhrp_err_names[NHRP_ERR_NUM] = {
	[NHRP_OK]		 = "ok",
	[NHRP_ERR_TRUNCATED]	 = "truncated",
	[NHRP_ERR_BAD_LEN]	 = "bad_len",
	[NHRP_ERR_BAD_CHECKSUM]	 = "bad_checksum",
	[NHRP_ERR_BAD_VERSION]	 = "bad_version",
	[NHRP_ERR_BAD_TYPE]	 = "bad_type",
	[NHRP_ERR_BAD_AFN]	 = "bad_afn",
	[NHRP_ERR_BAD_PROTO]	 = "bad_proto",
	[NHRP_ERR_BAD_ADDR_LEN]	 = "bad_addr_len",
	[NHRP_ERR_BAD_EXTOFF]	 = "bad_extoff",
	[NHRP_ERR_BAD_CIE]	 = "bad_cie",
	[NHRP_ERR_TOO_MANY_CIES] = "too_many_cies",
	[NHRP_ERR_BAD_EXT]	 = "bad_ext",
	[NHRP_ERR_DUP_EXT]	 = "dup_ext",
	[NHRP_ERR_TOO_MANY_EXTS] = "too_many_exts",
};

/**
 * nhrp_err_str() - name of a parse failure reason, for logs and counters
 * @err: reason from &nhrp_msg.err
 *
 * Return: a static string, "unknown" for values out of range.
 */
const char *nhrp_err_str(enum nhrp_err err)
{
	if ((unsigned int)err >= NHRP_ERR_NUM)
		return "unknown";
	return nhrp_err_names[err];
}

/**
 * nhrp_afn_addr_len() - NBMA address length for an address family number
 * @afn: ar$afn value
 *
 * Return: 4 (IPv4), 16 (IPv6) or 0 when not supported.
 */
unsigned int nhrp_afn_addr_len(u16 afn)
{
	switch (afn) {
	case NHRP_AFN_IPV4:
		return 4;
	case NHRP_AFN_IPV6:
		return 16;
	}
	return 0;
}

/**
 * nhrp_proto_addr_len() - protocol address length for a protocol type
 * @pro_type: ar$pro.type value
 *
 * Return: 4 (IPv4), 16 (IPv6) or 0 when not supported.
 */
unsigned int nhrp_proto_addr_len(u16 pro_type)
{
	switch (pro_type) {
	case NHRP_PROTO_IPV4:
		return 4;
	case NHRP_PROTO_IPV6:
		return 16;
	}
	return 0;
}

static inline u16 nhrp_get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

/* One's-complement sum of big-endian 16-bit words; odd tail as high byte */
static u32 nhrp_csum_add(u32 sum, const u8 *p, size_t len)
{
	while (len > 1) {
		sum += nhrp_get16(p);
		sum = (sum & 0xffff) + (sum >> 16);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (u32)p[0] << 8;
	return (sum & 0xffff) + (sum >> 16);
}

static u16 nhrp_csum_fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/**
 * nhrp_checksum() - RFC 1071 Internet checksum as NHRP uses it
 * @buf: packet with its checksum field zeroed
 * @len: bytes to sum (an odd tail is padded with a zero byte)
 *
 * Return: the value to store in ar$chksum, in host order.
 */
u16 nhrp_checksum(const void *buf, size_t len)
{
	return (u16)~nhrp_csum_fold(nhrp_csum_add(0, buf, len));
}

/*
 * Verify a received checksum over @len bytes. Old opennhrp and nhrpd add
 * the odd tail byte to the low half of the sum instead; accept that too
 * unless told not to, and tell the caller.
 */
static bool nhrp_csum_ok(const u8 *p, u16 len, unsigned int flags,
			 u8 *legacy)
{
	u32 sum = nhrp_csum_add(0, p, len & ~1U);

	if (!(len & 1))
		return nhrp_csum_fold(sum) == 0xffff;
	if (nhrp_csum_fold(sum + ((u32)p[len - 1] << 8)) == 0xffff)
		return true;
	if (flags & NHRP_PARSE_NO_LEGACY_CSUM)
		return false;
	if (nhrp_csum_fold(sum + p[len - 1]) != 0xffff)
		return false;
	*legacy = 1;
	return true;
}

static int nhrp_fail(struct nhrp_msg *m, enum nhrp_err err, unsigned int at)
{
	m->err = err;
	m->err_at = at;
	switch (err) {
	case NHRP_ERR_BAD_VERSION:
	case NHRP_ERR_BAD_AFN:
	case NHRP_ERR_BAD_PROTO:
		return -EPROTONOSUPPORT;
	case NHRP_ERR_TOO_MANY_CIES:
	case NHRP_ERR_TOO_MANY_EXTS:
		return -E2BIG;
	default:
		return -EBADMSG;
	}
}

/*
 * Decode the CIEs in [off, end) of @p into list @list. Returns NHRP_OK or
 * the reason, with *at set to the offset of the failing CIE.
 */
static enum nhrp_err nhrp_parse_cies(struct nhrp_msg *m, const u8 *p,
				     unsigned int off, unsigned int end,
				     enum nhrp_list list, unsigned int *at)
{
	struct nhrp_cie_span *span = &m->lists[list];

	span->first = m->cie_count;
	span->count = 0;
	while (off < end) {
		const struct nhrp_cie_hdr *h;
		struct nhrp_cie *c;
		unsigned int nbma_len, sub_len, proto_len;

		*at = off;
		if (end - off < NHRP_CIE_LEN)
			return NHRP_ERR_BAD_CIE;
		h = (const struct nhrp_cie_hdr *)(p + off);
		nbma_len = h->cli_addr_tl & NHRP_TL_LEN_MASK;
		sub_len = h->cli_saddr_tl & NHRP_TL_LEN_MASK;
		proto_len = h->cli_proto_len;
		if ((nbma_len && nbma_len != m->nbma_len) || sub_len ||
		    (proto_len && proto_len != m->proto_len))
			return NHRP_ERR_BAD_CIE;
		if (end - off - NHRP_CIE_LEN < nbma_len + proto_len)
			return NHRP_ERR_BAD_CIE;
		if (m->cie_count >= NHRP_MAX_CIES)
			return NHRP_ERR_TOO_MANY_CIES;

		c = &m->cie[m->cie_count++];
		span->count++;
		c->code = h->code;
		c->prefix_len = h->prefix_len;
		c->mtu = be16_to_cpu(h->mtu);
		c->holding_time = be16_to_cpu(h->holding_time);
		c->preference = h->preference;
		c->nbma_len = nbma_len;
		c->proto_len = proto_len;
		off += NHRP_CIE_LEN;
		c->nbma = nbma_len ? p + off : NULL;
		off += nbma_len;
		c->proto = proto_len ? p + off : NULL;
		off += proto_len;
	}
	return NHRP_OK;
}

static int nhrp_ext_list(u16 type)
{
	switch (type) {
	case NHRP_EXT_RESPONDER:
		return NHRP_LIST_RESPONDER;
	case NHRP_EXT_FWD_TRANSIT:
		return NHRP_LIST_FWD_TRANSIT;
	case NHRP_EXT_REV_TRANSIT:
		return NHRP_LIST_REV_TRANSIT;
	case NHRP_EXT_NAT:
		return NHRP_LIST_NAT;
	}
	return -1;
}

/* Types that may appear once only; Vendor-Private may repeat */
static bool nhrp_ext_single(u16 type)
{
	return nhrp_ext_list(type) >= 0 || type == NHRP_EXT_AUTH;
}

static int nhrp_parse_exts(struct nhrp_msg *m, const u8 *p)
{
	unsigned int off = m->ext_offset, end = m->pkt_len, at;
	u32 seen = 0;

	while (off < end) {
		struct nhrp_ext *e;
		enum nhrp_err why;
		u16 raw, type, len;
		int list;

		if (end - off < NHRP_EXT_LEN)
			return nhrp_fail(m, NHRP_ERR_BAD_EXT, off);
		raw = nhrp_get16(p + off);
		len = nhrp_get16(p + off + 2);
		type = raw & NHRP_EXT_TYPE_MASK;
		if (len > end - off - NHRP_EXT_LEN)
			return nhrp_fail(m, NHRP_ERR_BAD_EXT, off + 2);
		if (type == NHRP_EXT_END) {
			if (len)
				return nhrp_fail(m, NHRP_ERR_BAD_EXT, off + 2);
			m->has_end = 1;
			off += NHRP_EXT_LEN;
			break;
		}
		if (m->ext_count >= NHRP_MAX_EXTS)
			return nhrp_fail(m, NHRP_ERR_TOO_MANY_EXTS, off);
		if (nhrp_ext_single(type)) {
			if (seen & (1U << type))
				return nhrp_fail(m, NHRP_ERR_DUP_EXT, off);
			seen |= 1U << type;
		}

		e = &m->ext[m->ext_count++];
		e->type = type;
		e->compulsory = !!(raw & NHRP_EXT_COMPULSORY);
		e->len = len;
		e->data = len ? p + off + NHRP_EXT_LEN : NULL;

		list = nhrp_ext_list(type);
		if (list >= 0) {
			why = nhrp_parse_cies(m, p, off + NHRP_EXT_LEN,
					      off + NHRP_EXT_LEN + len, list,
					      &at);
			if (why != NHRP_OK)
				return nhrp_fail(m, why, at);
			/* The responder is one station */
			if (list == NHRP_LIST_RESPONDER &&
			    m->lists[list].count > 1)
				return nhrp_fail(m, NHRP_ERR_BAD_EXT, off);
		}
		off += NHRP_EXT_LEN + len;
	}
	m->trailer_len = end - off;
	return 0;
}

/**
 * nhrp_parse() - validate and decode one NHRP packet
 * @m: result; its pointers point into @buf (see nhrp_wire.h)
 * @buf: the NHRP packet (GRE payload), any alignment
 * @len: bytes available at @buf; bytes past ar$pktsz are ignored
 * @flags: NHRP_PARSE_*
 *
 * Checks, in order: length, checksum, version, type, address family,
 * protocol type, address lengths, ar$extoff, CIEs, extensions. On failure
 * @m->err and @m->err_at say what and where (for counters and the Error
 * Offset of an Error Indication); the rest of @m is unspecified.
 *
 * Return: 0, or -EBADMSG, -EPROTONOSUPPORT (version, afn, protocol) or
 * -E2BIG (more CIEs or extensions than the parsed struct holds).
 */
int nhrp_parse(struct nhrp_msg *m, const void *buf, size_t len,
	       unsigned int flags)
{
	const struct nhrp_fixed_hdr *h = buf;
	const struct nhrp_common_hdr *ch;
	const u8 *p = buf;
	unsigned int addr_end, body_end, at;
	enum nhrp_err why;

	memset(m, 0, sizeof(*m));
	if (len < NHRP_FIXED_LEN)
		return nhrp_fail(m, NHRP_ERR_TRUNCATED, 0);

	m->pkt_len = be16_to_cpu(h->pkt_size);
	if (m->pkt_len > len)
		return nhrp_fail(m, NHRP_ERR_TRUNCATED, 10);
	if (m->pkt_len < NHRP_MIN_LEN)
		return nhrp_fail(m, NHRP_ERR_BAD_LEN, 10);
	m->checksum = be16_to_cpu(h->checksum);
	if (!(flags & NHRP_PARSE_NO_CSUM) &&
	    !nhrp_csum_ok(p, m->pkt_len, flags, &m->legacy_checksum))
		return nhrp_fail(m, NHRP_ERR_BAD_CHECKSUM, 12);
	if (h->version != NHRP_VERSION)
		return nhrp_fail(m, NHRP_ERR_BAD_VERSION, 16);
	m->type = h->type;
	if (m->type < NHRP_RESOLUTION_REQUEST ||
	    m->type > NHRP_TRAFFIC_INDICATION)
		return nhrp_fail(m, NHRP_ERR_BAD_TYPE, 17);
	m->afn = be16_to_cpu(h->afn);
	m->nbma_len = nhrp_afn_addr_len(m->afn);
	if (!m->nbma_len)
		return nhrp_fail(m, NHRP_ERR_BAD_AFN, 0);
	m->pro_type = be16_to_cpu(h->pro_type);
	m->proto_len = nhrp_proto_addr_len(m->pro_type);
	if (!m->proto_len)
		return nhrp_fail(m, NHRP_ERR_BAD_PROTO, 2);
	memcpy(m->pro_snap, h->pro_snap, sizeof(m->pro_snap));
	m->hop_count = h->hop_count;
	if ((h->src_nbma_tl & NHRP_TL_LEN_MASK) != m->nbma_len)
		return nhrp_fail(m, NHRP_ERR_BAD_ADDR_LEN, 18);
	if (h->src_nbma_sub_tl & NHRP_TL_LEN_MASK)
		return nhrp_fail(m, NHRP_ERR_BAD_ADDR_LEN, 19);

	/* types 7 and 8 share the length octets with the common header */
	ch = (const struct nhrp_common_hdr *)(p + NHRP_FIXED_LEN);
	if (ch->src_proto_len != m->proto_len)
		return nhrp_fail(m, NHRP_ERR_BAD_ADDR_LEN, 20);
	if (ch->dst_proto_len != m->proto_len)
		return nhrp_fail(m, NHRP_ERR_BAD_ADDR_LEN, 21);
	m->flags = be16_to_cpu(ch->flags);
	if (m->type >= NHRP_ERROR_INDICATION) {
		const struct nhrp_ind_hdr *ih = (const void *)ch;

		m->code = be16_to_cpu(ih->code);
		m->err_offset = be16_to_cpu(ih->offset);
	} else {
		m->request_id = be32_to_cpu(ch->request_id);
	}

	addr_end = NHRP_MIN_LEN + m->nbma_len + 2 * m->proto_len;
	if (addr_end > m->pkt_len)
		return nhrp_fail(m, NHRP_ERR_BAD_LEN, 10);
	m->src_nbma = p + NHRP_MIN_LEN;
	m->src_proto = m->src_nbma + m->nbma_len;
	m->dst_proto = m->src_proto + m->proto_len;

	m->ext_offset = be16_to_cpu(h->ext_offset);
	body_end = m->pkt_len;
	if (m->ext_offset) {
		if (m->ext_offset < addr_end ||
		    m->ext_offset > m->pkt_len - NHRP_EXT_LEN)
			return nhrp_fail(m, NHRP_ERR_BAD_EXTOFF, 14);
		body_end = m->ext_offset;
		m->has_ext_part = 1;
	}

	if (m->type >= NHRP_ERROR_INDICATION) {
		m->payload_len = body_end - addr_end;
		m->payload = m->payload_len ? p + addr_end : NULL;
	} else {
		why = nhrp_parse_cies(m, p, addr_end, body_end, NHRP_LIST_MAIN,
				      &at);
		if (why != NHRP_OK)
			return nhrp_fail(m, why, at);
	}

	if (m->has_ext_part)
		return nhrp_parse_exts(m, p);
	return 0;
}

/**
 * nhrp_msg_init() - start a message description for nhrp_build_start()
 * @m: message to reset
 * @type: NHRP_* packet type
 * @afn: NBMA address family, NHRP_AFN_*
 * @pro_type: protocol type, NHRP_PROTO_*
 *
 * The caller then sets flags, request ID and the three header addresses.
 *
 * Return: 0, or -EINVAL for an unsupported type or family.
 */
int nhrp_msg_init(struct nhrp_msg *m, u8 type, u16 afn, u16 pro_type)
{
	memset(m, 0, sizeof(*m));
	if (type < NHRP_RESOLUTION_REQUEST || type > NHRP_TRAFFIC_INDICATION)
		return -EINVAL;
	m->type = type;
	m->afn = afn;
	m->pro_type = pro_type;
	m->nbma_len = nhrp_afn_addr_len(afn);
	m->proto_len = nhrp_proto_addr_len(pro_type);
	m->hop_count = NHRP_HOP_DEFAULT;
	if (!m->nbma_len || !m->proto_len)
		return -EINVAL;
	return 0;
}

/**
 * nhrp_msg_ext() - find an extension by type
 * @m: parsed message
 * @type: extension type without the C bit
 *
 * Return: the first such extension, or NULL.
 */
const struct nhrp_ext *nhrp_msg_ext(const struct nhrp_msg *m, u16 type)
{
	unsigned int i;

	for (i = 0; i < m->ext_count; i++)
		if (m->ext[i].type == type)
			return &m->ext[i];
	return NULL;
}

/**
 * nhrp_msg_unknown_compulsory() - find a compulsory extension we ignore
 * @m: parsed message
 *
 * A responder must answer such a packet with Error Indication 1.
 *
 * Return: the first one, or NULL.
 */
const struct nhrp_ext *nhrp_msg_unknown_compulsory(const struct nhrp_msg *m)
{
	unsigned int i;

	for (i = 0; i < m->ext_count; i++) {
		const struct nhrp_ext *e = &m->ext[i];

		if (e->compulsory && !nhrp_ext_single(e->type) &&
		    e->type != NHRP_EXT_VENDOR)
			return e;
	}
	return NULL;
}

const struct nhrp_cie *nhrp_msg_find_cie(const struct nhrp_msg *m,
					 enum nhrp_list list,
					 const u8 *nbma, const u8 *proto)
{
	unsigned int i;

	for (i = 0; i < m->lists[list].count; i++) {
		const struct nhrp_cie *c = &m->cie[m->lists[list].first + i];

		if (nbma && (!c->nbma || memcmp(c->nbma, nbma, c->nbma_len)))
			continue;
		if (proto &&
		    (!c->proto || memcmp(c->proto, proto, c->proto_len)))
			continue;
		return c;
	}
	return NULL;
}

bool nhrp_msg_auth_ok(const struct nhrp_msg *m, const u8 *secret,
		      unsigned int secret_len)
{
	const struct nhrp_ext *e = nhrp_msg_ext(m, NHRP_EXT_AUTH);
	unsigned int i;
	u8 diff = 0;

	/* the parser already refused a second authentication extension */
	if (!e || e->len != 4 + secret_len || secret_len > NHRP_AUTH_SECRET_MAX)
		return false;
	if (nhrp_get16(e->data) || nhrp_get16(e->data + 2) != NHRP_AUTH_CLEARTEXT)
		return false;
	for (i = 0; i < secret_len; i++)
		diff |= e->data[4 + i] ^ secret[i];
	return !diff;
}

const u8 *nhrp_cie_nbma(const struct nhrp_msg *m, const struct nhrp_cie *c)
{
	return c->nbma_len ? c->nbma : m->src_nbma;
}

const u8 *nhrp_cie_proto(const struct nhrp_msg *m, const struct nhrp_cie *c)
{
	return c->proto_len ? c->proto : m->src_proto;
}

u8 nhrp_cie_prefix_len(const struct nhrp_msg *m, const struct nhrp_cie *c)
{
	u8 host = m->proto_len * 8;

	if (!c->prefix_len || c->prefix_len > host)
		return host;
	return c->prefix_len;
}

int nhrp_ti_target(const struct nhrp_msg *m, const u8 **addr)
{
	const u8 *ip = m->payload;

	if (m->type != NHRP_TRAFFIC_INDICATION || !ip)
		return -EINVAL;
	if (m->pro_type == NHRP_PROTO_IPV4 && m->payload_len >= 20 &&
	    (ip[0] >> 4) == 4) {
		*addr = ip + 16;
		return 4;
	}
	if (m->pro_type == NHRP_PROTO_IPV6 && m->payload_len >= 40 &&
	    (ip[0] >> 4) == 6) {
		*addr = ip + 24;
		return 16;
	}
	return -EINVAL;
}

int nhrp_ei_offender(const struct nhrp_msg *m, u8 *type, u32 *request_id)
{
	const u8 *p = m->payload;

	if (m->type != NHRP_ERROR_INDICATION || m->payload_len < NHRP_MIN_LEN)
		return -EINVAL;
	*type = p[17];
	*request_id = (u32)nhrp_get16(p + 24) << 16 | nhrp_get16(p + 26);
	return 0;
}

u16 nhrp_ext_wire_type(u16 type)
{
	switch (type) {
	case NHRP_EXT_END:
	case NHRP_EXT_RESPONDER:
	case NHRP_EXT_FWD_TRANSIT:
	case NHRP_EXT_REV_TRANSIT:
	case NHRP_EXT_AUTH:
		return type | NHRP_EXT_COMPULSORY;
	}
	return type;
}

/* Reserve @n bytes at the end of the packet, or fail stickily */
static u8 *nhrp_build_put(struct nhrp_builder *b, size_t n)
{
	u8 *p;

	if (b->err)
		return NULL;
	if (n > (size_t)(b->size - b->len)) {
		b->err = -ENOSPC;
		return NULL;
	}
	p = b->buf + b->len;
	b->len += n;
	return p;
}

static int nhrp_build_inval(struct nhrp_builder *b)
{
	if (!b->err)
		b->err = -EINVAL;
	return b->err;
}

/**
 * nhrp_build_start() - write the fixed header and mandatory addresses
 * @b: builder to initialise
 * @buf: output buffer, any alignment
 * @size: its size; at most NHRP_MAX_LEN is used
 * @hdr: afn, pro_type, hop_count, type, flags, request_id (types 1-6) or
 *	code and err_offset (types 7, 8), and the three header addresses
 *
 * Return: 0, -EINVAL for a bad description, -ENOSPC.
 */
int nhrp_build_start(struct nhrp_builder *b, void *buf, size_t size,
		     const struct nhrp_msg *hdr)
{
	struct nhrp_fixed_hdr *h;
	struct nhrp_common_hdr *ch;
	u8 *p;

	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->size = size > NHRP_MAX_LEN ? NHRP_MAX_LEN : size;
	b->type = hdr->type;
	b->nbma_len = nhrp_afn_addr_len(hdr->afn);
	b->proto_len = nhrp_proto_addr_len(hdr->pro_type);
	if (!b->nbma_len || !b->proto_len ||
	    hdr->type < NHRP_RESOLUTION_REQUEST ||
	    hdr->type > NHRP_TRAFFIC_INDICATION ||
	    !hdr->src_nbma || !hdr->src_proto || !hdr->dst_proto)
		return nhrp_build_inval(b);

	h = (struct nhrp_fixed_hdr *)nhrp_build_put(b, sizeof(*h));
	ch = (struct nhrp_common_hdr *)nhrp_build_put(b, sizeof(*ch));
	p = nhrp_build_put(b, b->nbma_len + 2 * b->proto_len);
	if (!p)
		return b->err;

	h->afn = cpu_to_be16(hdr->afn);
	h->pro_type = cpu_to_be16(hdr->pro_type);
	memcpy(h->pro_snap, hdr->pro_snap, sizeof(h->pro_snap));
	h->hop_count = hdr->hop_count;
	h->pkt_size = 0;
	h->checksum = 0;
	h->ext_offset = 0;
	h->version = NHRP_VERSION;
	h->type = hdr->type;
	h->src_nbma_tl = b->nbma_len;
	h->src_nbma_sub_tl = 0;

	ch->src_proto_len = b->proto_len;
	ch->dst_proto_len = b->proto_len;
	ch->flags = cpu_to_be16(hdr->flags);
	if (hdr->type >= NHRP_ERROR_INDICATION) {
		struct nhrp_ind_hdr *ih = (struct nhrp_ind_hdr *)ch;

		ih->code = cpu_to_be16(hdr->code);
		ih->offset = cpu_to_be16(hdr->err_offset);
	} else {
		ch->request_id = cpu_to_be32(hdr->request_id);
	}

	memcpy(p, hdr->src_nbma, b->nbma_len);
	p += b->nbma_len;
	memcpy(p, hdr->src_proto, b->proto_len);
	p += b->proto_len;
	memcpy(p, hdr->dst_proto, b->proto_len);
	return 0;
}

/**
 * nhrp_build_cie() - append a CIE
 * @b: builder
 * @c: the CIE; address lengths must be 0 or the header's
 *
 * In the mandatory part of types 1-6, or inside an open extension.
 *
 * Return: 0 or the sticky error.
 */
int nhrp_build_cie(struct nhrp_builder *b, const struct nhrp_cie *c)
{
	struct nhrp_cie_hdr *h;
	u8 *p;

	if (b->ext_offset ? !b->in_ext : b->type >= NHRP_ERROR_INDICATION)
		return nhrp_build_inval(b);
	if ((c->nbma_len && (c->nbma_len != b->nbma_len || !c->nbma)) ||
	    (c->proto_len && (c->proto_len != b->proto_len || !c->proto)))
		return nhrp_build_inval(b);
	h = (struct nhrp_cie_hdr *)nhrp_build_put(b, sizeof(*h) +
						  c->nbma_len + c->proto_len);
	if (!h)
		return b->err;
	h->code = c->code;
	h->prefix_len = c->prefix_len;
	h->unused = 0;
	h->mtu = cpu_to_be16(c->mtu);
	h->holding_time = cpu_to_be16(c->holding_time);
	h->cli_addr_tl = c->nbma_len;
	h->cli_saddr_tl = 0;
	h->cli_proto_len = c->proto_len;
	h->preference = c->preference;
	p = (u8 *)(h + 1);
	if (c->nbma_len)
		memcpy(p, c->nbma, c->nbma_len);
	if (c->proto_len)
		memcpy(p + c->nbma_len, c->proto, c->proto_len);
	return 0;
}

/**
 * nhrp_build_raw() - append opaque bytes
 * @b: builder
 * @data: bytes to copy
 * @len: their number
 *
 * The payload of an Error or Traffic Indication (before any extension),
 * or the body of an open extension.
 *
 * Return: 0 or the sticky error.
 */
int nhrp_build_raw(struct nhrp_builder *b, const void *data, size_t len)
{
	u8 *p;

	if (b->ext_offset ? !b->in_ext : b->type < NHRP_ERROR_INDICATION)
		return nhrp_build_inval(b);
	p = nhrp_build_put(b, len);
	if (!p)
		return b->err;
	if (len)
		memcpy(p, data, len);
	return 0;
}

/* The extension part starts here; nothing but extensions may follow */
static void nhrp_build_ext_part(struct nhrp_builder *b)
{
	if (!b->ext_offset)
		b->ext_offset = b->len;
}

/**
 * nhrp_build_ext_begin() - open an extension
 * @b: builder
 * @wire_type: type including the C bit, e.g. nhrp_ext_wire_type(type)
 *
 * Its body is what nhrp_build_cie()/nhrp_build_raw() add until
 * nhrp_build_ext_end(). End is written by nhrp_build_finish().
 *
 * Return: 0 or the sticky error.
 */
int nhrp_build_ext_begin(struct nhrp_builder *b, u16 wire_type)
{
	struct nhrp_ext_hdr *h;

	if (b->in_ext || !(wire_type & NHRP_EXT_TYPE_MASK))
		return nhrp_build_inval(b);
	nhrp_build_ext_part(b);
	h = (struct nhrp_ext_hdr *)nhrp_build_put(b, sizeof(*h));
	if (!h)
		return b->err;
	h->type = cpu_to_be16(wire_type);
	h->length = 0;
	b->ext_hdr = (u8 *)h - b->buf;
	b->in_ext = 1;
	return 0;
}

/**
 * nhrp_build_ext_end() - close the open extension, setting its length
 * @b: builder
 *
 * Return: 0 or the sticky error.
 */
int nhrp_build_ext_end(struct nhrp_builder *b)
{
	struct nhrp_ext_hdr *h;

	if (!b->in_ext)
		return nhrp_build_inval(b);
	b->in_ext = 0;
	if (b->err)
		return b->err;
	h = (struct nhrp_ext_hdr *)(b->buf + b->ext_hdr);
	h->length = cpu_to_be16(b->len - b->ext_hdr - sizeof(*h));
	return 0;
}

/**
 * nhrp_build_ext() - append a whole extension with an opaque body
 * @b: builder
 * @wire_type: type including the C bit
 * @data: body (may be NULL when @len is 0)
 * @len: body length
 *
 * Return: 0 or the sticky error.
 */
int nhrp_build_ext(struct nhrp_builder *b, u16 wire_type, const void *data,
		   size_t len)
{
	nhrp_build_ext_begin(b, wire_type);
	nhrp_build_raw(b, data, len);
	return nhrp_build_ext_end(b);
}

/**
 * nhrp_build_auth() - append a Cisco cleartext authentication extension
 * @b: builder
 * @secret: the password, no terminating NUL
 * @secret_len: 1 to NHRP_AUTH_SECRET_MAX bytes
 *
 * Return: 0 or the sticky error.
 */
int nhrp_build_auth(struct nhrp_builder *b, const u8 *secret,
		    unsigned int secret_len)
{
	static const u8 cleartext[4] = { 0, 0, 0, NHRP_AUTH_CLEARTEXT };

	if (!secret_len || secret_len > NHRP_AUTH_SECRET_MAX)
		return nhrp_build_inval(b);
	nhrp_build_ext_begin(b, nhrp_ext_wire_type(NHRP_EXT_AUTH));
	nhrp_build_raw(b, cleartext, sizeof(cleartext));
	nhrp_build_raw(b, secret, secret_len);
	return nhrp_build_ext_end(b);
}

/**
 * nhrp_build_request_exts() - the extensions Cisco puts on what it originates
 * @b: builder, after the mandatory part
 * @secret: authentication password, or NULL for none
 * @secret_len: its length
 * @nat: CIEs for the NAT extension (a registration describes the NHS)
 * @nat_count: their number, 0 for an empty NAT extension
 *
 * Order and C bits as every Cisco capture shows: Responder Address (not in
 * Traffic Indications), Forward and Reverse Transit (all empty),
 * [Authentication], NAT Address. Replies and forwarded packets instead
 * keep the order of the packet they answer or relay.
 *
 * Return: 0 or the sticky error.
 */
int nhrp_build_request_exts(struct nhrp_builder *b, const u8 *secret,
			    unsigned int secret_len,
			    const struct nhrp_cie *nat, unsigned int nat_count)
{
	unsigned int i;

	if (b->type != NHRP_TRAFFIC_INDICATION)
		nhrp_build_ext(b, nhrp_ext_wire_type(NHRP_EXT_RESPONDER),
			       NULL, 0);
	nhrp_build_ext(b, nhrp_ext_wire_type(NHRP_EXT_FWD_TRANSIT), NULL, 0);
	nhrp_build_ext(b, nhrp_ext_wire_type(NHRP_EXT_REV_TRANSIT), NULL, 0);
	if (secret)
		nhrp_build_auth(b, secret, secret_len);
	nhrp_build_ext_begin(b, nhrp_ext_wire_type(NHRP_EXT_NAT));
	for (i = 0; i < nat_count; i++)
		nhrp_build_cie(b, &nat[i]);
	return nhrp_build_ext_end(b);
}

/**
 * nhrp_build_finish() - terminate the packet
 * @b: builder
 *
 * Writes End when there is an extension part, then ar$pktsz, ar$extoff and
 * last the checksum.
 *
 * Return: packet length, or -EINVAL / -ENOSPC.
 */
int nhrp_build_finish(struct nhrp_builder *b)
{
	struct nhrp_fixed_hdr *h;

	if (b->in_ext)
		return nhrp_build_inval(b);
	if (b->ext_offset) {
		struct nhrp_ext_hdr *end;

		end = (struct nhrp_ext_hdr *)nhrp_build_put(b, sizeof(*end));
		if (end) {
			end->type = cpu_to_be16(nhrp_ext_wire_type(NHRP_EXT_END));
			end->length = 0;
		}
	}
	if (b->err)
		return b->err;
	h = (struct nhrp_fixed_hdr *)b->buf;
	h->pkt_size = cpu_to_be16(b->len);
	h->ext_offset = cpu_to_be16(b->ext_offset);
	h->checksum = 0;
	h->checksum = cpu_to_be16(nhrp_checksum(b->buf, b->len));
	return b->len;
}

/*
 * Mandatory payload and extensions of @m, in @m's order. With @self, append
 * it to the extension of type @record; with @secret, regenerate the
 * authentication extension.
 */
static void nhrp_build_copy(struct nhrp_builder *b, const struct nhrp_msg *m,
			    const struct nhrp_cie *self, u16 record,
			    const u8 *secret, unsigned int secret_len,
			    const struct nhrp_cie *nat_add)
{
	unsigned int i, j;

	if (m->type >= NHRP_ERROR_INDICATION) {
		nhrp_build_raw(b, m->payload, m->payload_len);
	} else {
		for (i = 0; i < nhrp_msg_cie_count(m, NHRP_LIST_MAIN); i++)
			nhrp_build_cie(b, nhrp_msg_cie(m, NHRP_LIST_MAIN, i));
	}
	if (m->has_ext_part)
		nhrp_build_ext_part(b);
	for (i = 0; i < m->ext_count; i++) {
		const struct nhrp_ext *e = &m->ext[i];
		u16 wire = e->type | (e->compulsory ? NHRP_EXT_COMPULSORY : 0);
		int list = nhrp_ext_list(e->type);

		if (e->type == NHRP_EXT_AUTH && secret) {
			nhrp_build_auth(b, secret, secret_len);
			continue;
		}
		if (list < 0) {
			nhrp_build_ext(b, wire, e->data, e->len);
			continue;
		}
		nhrp_build_ext_begin(b, wire);
		for (j = 0; j < nhrp_msg_cie_count(m, list); j++)
			nhrp_build_cie(b, nhrp_msg_cie(m, list, j));
		if (self && e->type == record)
			nhrp_build_cie(b, self);
		if (nat_add && e->type == NHRP_EXT_NAT)
			nhrp_build_cie(b, nat_add);
		nhrp_build_ext_end(b);
	}
}

/**
 * nhrp_build_msg() - encode a whole message description
 * @buf: output buffer
 * @size: its size
 * @m: message, e.g. from nhrp_parse() with some fields changed
 *
 * Extensions are written in @m's order with their C bits; the CIE-bearing
 * ones from their decoded lists, the others byte for byte. Bytes after End
 * and a set "unused" extension bit are not reproduced.
 *
 * Return: packet length, or -EINVAL / -ENOSPC.
 */
int nhrp_build_msg(void *buf, size_t size, const struct nhrp_msg *m)
{
	struct nhrp_builder b;

	nhrp_build_start(&b, buf, size, m);
	nhrp_build_copy(&b, m, NULL, 0, NULL, 0, NULL);
	return nhrp_build_finish(&b);
}

/**
 * nhrp_build_forward() - encode a packet as a transit NHS relays it
 * @buf: output buffer
 * @size: its size
 * @m: the received message
 * @self: this NHS's transit record (code 0, own NBMA and protocol address)
 * @secret: authentication password, or NULL to copy extensions unchanged
 * @secret_len: its length
 *
 * The hop count is decremented; @self is appended to the Forward Transit
 * record of requests and indications or the Reverse Transit record of
 * replies, when the packet carries that extension; an authentication
 * extension is regenerated in place. Everything else keeps its order.
 * Loop checks (nhrp_msg_find_cie() on the transit lists) are the caller's.
 *
 * Return: packet length, -ERANGE when the hop count is already 0 (answer
 * with Error Indication 15 instead), -EINVAL or -ENOSPC.
 */
int nhrp_build_forward(void *buf, size_t size, const struct nhrp_msg *m,
		       const struct nhrp_cie *self, const u8 *secret,
		       unsigned int secret_len)
{
	return nhrp_build_relay(buf, size, m, self, secret, secret_len, NULL);
}

/**
 * nhrp_build_relay() - nhrp_build_forward() that can also add a NAT CIE
 * @buf: output buffer
 * @size: its size
 * @m: the received message
 * @self: this NHS's transit record
 * @secret: authentication password, or NULL to copy extensions unchanged
 * @secret_len: its length
 * @nat_add: CIE appended to the NAT extension (when present), or NULL; a
 *	hub adds the post-NAT address of a requester it knows is NATed
 *
 * Return: as nhrp_build_forward().
 */
int nhrp_build_relay(void *buf, size_t size, const struct nhrp_msg *m,
		     const struct nhrp_cie *self, const u8 *secret,
		     unsigned int secret_len, const struct nhrp_cie *nat_add)
{
	bool reply = m->type == NHRP_RESOLUTION_REPLY ||
		     m->type == NHRP_REGISTRATION_REPLY ||
		     m->type == NHRP_PURGE_REPLY;
	struct nhrp_fixed_hdr *h = buf;
	struct nhrp_builder b;

	if (!m->hop_count)
		return -ERANGE;
	if (!nhrp_build_start(&b, buf, size, m))
		h->hop_count = m->hop_count - 1;
	nhrp_build_copy(&b, m, self,
			reply ? NHRP_EXT_REV_TRANSIT : NHRP_EXT_FWD_TRANSIT,
			secret, secret_len, nat_add);
	return nhrp_build_finish(&b);
}

/**
 * nhrp_build_reply_exts() - a reply's extensions, in the request's order
 * @b: builder, after the reply's mandatory part
 * @req: the request being answered
 * @self: the responder's CIE for the Responder Address extension
 * @nat: CIEs for the NAT extension (replacing the request's), or NULL to
 *	echo the request's NAT CIEs
 * @nat_count: number of @nat CIEs
 * @nat_extra: with @nat NULL, one more CIE after the echoed ones, or NULL
 * @secret: password to regenerate authentication with, or NULL to copy the
 *	request's authentication extension unchanged
 * @secret_len: its length
 *
 * Transit records are copied, Vendor-Private and unknown extensions echoed
 * byte for byte (RFC 2332 5.3: every extension of a request is in its
 * reply).
 *
 * Return: 0 or the sticky error.
 */
int nhrp_build_reply_exts(struct nhrp_builder *b, const struct nhrp_msg *req,
			  const struct nhrp_cie *self,
			  const struct nhrp_cie *nat, unsigned int nat_count,
			  const struct nhrp_cie *nat_extra,
			  const u8 *secret, unsigned int secret_len)
{
	unsigned int i, j;

	if (req->has_ext_part)
		nhrp_build_ext_part(b);
	for (i = 0; i < req->ext_count; i++) {
		const struct nhrp_ext *e = &req->ext[i];
		u16 wire = e->type | (e->compulsory ? NHRP_EXT_COMPULSORY : 0);
		int list = nhrp_ext_list(e->type);

		switch (e->type) {
		case NHRP_EXT_RESPONDER:
			nhrp_build_ext_begin(b, wire);
			nhrp_build_cie(b, self);
			nhrp_build_ext_end(b);
			continue;
		case NHRP_EXT_AUTH:
			if (secret) {
				nhrp_build_auth(b, secret, secret_len);
				continue;
			}
			break;
		case NHRP_EXT_NAT:
			nhrp_build_ext_begin(b, wire);
			if (nat) {
				for (j = 0; j < nat_count; j++)
					nhrp_build_cie(b, &nat[j]);
			} else {
				for (j = 0; j < nhrp_msg_cie_count(req, list); j++)
					nhrp_build_cie(b, nhrp_msg_cie(req, list, j));
				if (nat_extra)
					nhrp_build_cie(b, nat_extra);
			}
			nhrp_build_ext_end(b);
			continue;
		}
		if (list < 0) {
			nhrp_build_ext(b, wire, e->data, e->len);
			continue;
		}
		nhrp_build_ext_begin(b, wire);
		for (j = 0; j < nhrp_msg_cie_count(req, list); j++)
			nhrp_build_cie(b, nhrp_msg_cie(req, list, j));
		nhrp_build_ext_end(b);
	}
	return b->err;
}
