// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the NHRP codec: checksum, the NHRP.md worked examples,
 * build/parse round trips of every message type for IPv4 and IPv6,
 * builder limits, hostile inputs and the helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"
#include "nhrp_check.h"
#include "nhrp_vectors.h"
#include "nhrp_wire.h"

#define IP4(a, b, c, d) ((const u8[]){ a, b, c, d })

/* Raw packet crafting, independent of the builder under test */
struct raw {
	u8 b[65536];
	size_t n;
};

static void r8(struct raw *r, unsigned int v)
{
	r->b[r->n++] = v;
}

static void r16(struct raw *r, unsigned int v)
{
	r8(r, v >> 8);
	r8(r, v & 0xff);
}

static void rmem(struct raw *r, const void *p, size_t n)
{
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void rfill(struct raw *r, unsigned int v, size_t n)
{
	memset(r->b + r->n, v, n);
	r->n += n;
}

static void set16(u8 *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Set ar$pktsz to @len, ar$extoff to @extoff and a correct checksum */
static void seal(u8 *p, size_t len, unsigned int extoff)
{
	set16(p + 10, len);
	set16(p + 14, extoff);
	set16(p + 12, 0);
	set16(p + 12, nhrp_checksum(p, len));
}

/* v4/v4 header with addresses 10.0.0.x */
static void raw_hdr(struct raw *r, unsigned int type)
{
	r->n = 0;
	r16(r, NHRP_AFN_IPV4);
	r16(r, NHRP_PROTO_IPV4);
	rfill(r, 0, 5);
	r8(r, 255);
	r16(r, 0);		/* pktsz */
	r16(r, 0);		/* checksum */
	r16(r, 0);		/* extoff */
	r8(r, 1);
	r8(r, type);
	r8(r, 4);
	r8(r, 0);
	r8(r, 4);
	r8(r, 4);
	r16(r, 0x8002);
	r16(r, 0);
	r16(r, 7);
	rmem(r, IP4(192, 0, 2, 1), 4);
	rmem(r, IP4(10, 0, 0, 1), 4);
	rmem(r, IP4(10, 0, 0, 254), 4);
}

static void raw_cie(struct raw *r, unsigned int nbma_tl, unsigned int proto_len)
{
	r8(r, 0);
	r8(r, 32);
	r16(r, 0);
	r16(r, 1400);
	r16(r, 7200);
	r8(r, nbma_tl);
	r8(r, 0);
	r8(r, proto_len);
	r8(r, 0);
	rfill(r, 0xaa, (nbma_tl & 0x3f) + proto_len);
}

static void raw_ext(struct raw *r, unsigned int type, size_t len)
{
	r16(r, type);
	r16(r, len);
}

/*
 * Base packet for the hostile tests, 92 bytes like nhrpd's registration:
 * CIE at 40, extensions at 52: 8003, 8004, 8005 (empty), 0009 (one CIE
 * at 68), End at 88.
 */
static void raw_base(struct raw *r)
{
	raw_hdr(r, NHRP_REGISTRATION_REQUEST);
	raw_cie(r, 0, 0);
	raw_ext(r, 0x8003, 0);
	raw_ext(r, 0x8004, 0);
	raw_ext(r, 0x8005, 0);
	raw_ext(r, 0x0009, 20);
	raw_cie(r, 4, 4);
	raw_ext(r, 0x8000, 0);
	seal(r->b, r->n, 52);
}

/* Parse an exact-size heap copy so ASan catches any overread */
static int parse_exact(struct nhrp_msg *m, const u8 *p, size_t len,
		       unsigned int flags)
{
	u8 *c = malloc(len ? len : 1);
	int ret;

	memcpy(c, p, len);
	ret = nhrp_parse(m, c, len, flags);
	if (!ret && !nhrp_msg_in_bounds(m, c, len))
		ret = -1000;
	free(c);
	/* @m points into freed memory now: callers use only scalars */
	return ret;
}

static void test_checksum(void)
{
	static const u8 rfc1071[] = { 0x00, 0x01, 0xf2, 0x03,
				      0xf4, 0xf5, 0xf6, 0xf7 };
	static const u8 odd[] = { 0x01 };

	kt_begin();
	KT_EQ(nhrp_checksum(rfc1071, sizeof(rfc1071)), 0x220d);
	KT_EQ(nhrp_checksum(odd, 1), 0xfeff);
	KT_EQ(nhrp_checksum(odd, 0), 0xffff);
	kt_end("checksum: RFC 1071 example and odd tail");
}

/*
 * Odd-length packets: RFC sum, legacy (old nhrpd/opennhrp) sum, garbage.
 * The variants differ only when the odd last byte is non-zero, so never
 * for a packet ending in End (80 00 00 00): use a Traffic Indication
 * without extensions and with an odd payload, as nhrpd sends them.
 */
static void test_checksum_legacy(void)
{
	struct nhrp_builder b;
	struct nhrp_msg m;
	u8 buf[256], payload[29];
	u32 sum = 0;
	int len, i;

	kt_begin();
	memset(payload, 0x11, sizeof(payload));
	payload[0] = 0x45;
	payload[28] = 0xab;
	nhrp_msg_init(&m, NHRP_TRAFFIC_INDICATION, NHRP_AFN_IPV4,
		      NHRP_PROTO_IPV4);
	m.src_nbma = IP4(198, 51, 100, 1);
	m.src_proto = IP4(10, 0, 0, 254);
	m.dst_proto = IP4(192, 168, 1, 10);
	nhrp_build_start(&b, buf, sizeof(buf), &m);
	nhrp_build_raw(&b, payload, sizeof(payload));
	len = nhrp_build_finish(&b);
	KT_EQ(len, 69);

	KT_EQ(parse_exact(&m, buf, len, 0), 0);
	KT_EQ(m.legacy_checksum, 0);
	KT_EQ(parse_exact(&m, buf, len, NHRP_PARSE_NO_LEGACY_CSUM), 0);

	/* the legacy sum adds the odd byte to the low half */
	set16(buf + 12, 0);
	for (i = 0; i + 1 < len; i += 2)
		sum += buf[i] << 8 | buf[i + 1];
	sum += buf[len - 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	set16(buf + 12, ~sum & 0xffff);
	KT_EQ(parse_exact(&m, buf, len, 0), 0);
	KT_EQ(m.legacy_checksum, 1);
	KT_EQ(parse_exact(&m, buf, len, NHRP_PARSE_NO_LEGACY_CSUM), -EBADMSG);
	KT_EQ(m.err, NHRP_ERR_BAD_CHECKSUM);
	KT_EQ(m.err_at, 12);

	buf[12] ^= 0x10;
	KT_EQ(parse_exact(&m, buf, len, 0), -EBADMSG);
	KT_EQ(m.err, NHRP_ERR_BAD_CHECKSUM);
	KT_EQ(parse_exact(&m, buf, len, NHRP_PARSE_NO_CSUM), 0);
	kt_end("checksum: legacy odd-length variant accepted and flagged");
}

/* With an odd length ending in End both sums agree (7-byte password) */
static void test_checksum_odd_end(void)
{
	static const struct nhrp_cie cie = { .prefix_len = 32,
					     .holding_time = 7200 };
	struct nhrp_builder b;
	struct nhrp_msg m;
	u8 buf[256];
	int len;

	kt_begin();
	nhrp_msg_init(&m, NHRP_REGISTRATION_REQUEST, NHRP_AFN_IPV4,
		      NHRP_PROTO_IPV4);
	m.src_nbma = IP4(203, 0, 113, 11);
	m.src_proto = IP4(10, 0, 0, 1);
	m.dst_proto = IP4(10, 0, 0, 254);
	nhrp_build_start(&b, buf, sizeof(buf), &m);
	nhrp_build_cie(&b, &cie);
	nhrp_build_request_exts(&b, (const u8 *)"test123", 7, NULL, 0);
	len = nhrp_build_finish(&b);
	KT_EQ(len & 1, 1);
	KT_EQ(buf[len - 1], 0);
	KT_EQ(parse_exact(&m, buf, len, NHRP_PARSE_NO_LEGACY_CSUM), 0);
	KT_EQ(m.legacy_checksum, 0);
	kt_end("checksum: odd length ending in End is the same for both sums");
}

static int reencodes(const u8 *vec, size_t len)
{
	struct nhrp_msg m;
	u8 out[512];
	int n;

	if (nhrp_parse(&m, vec, len, NHRP_PARSE_NO_LEGACY_CSUM))
		return 0;
	n = nhrp_build_msg(out, sizeof(out), &m);
	return n == (int)len && !memcmp(out, vec, len);
}

static void test_vectors(void)
{
	static const struct { const char *name; const u8 *p; size_t n; } v[] = {
#define V(x) { #x, vec_##x, sizeof(vec_##x) }
		V(cisco_reg_req), V(cisco_res_reply), V(cisco_ti),
		V(nhrpd_reg_req), V(nhrpd_reg_reply_nat), V(nhrpd_res_req),
		V(nhrpd_res_reply), V(nhrpd_ti),
#undef V
	};
	const struct nhrp_cie *c;
	const u8 *target;
	struct nhrp_msg m;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		kt_begin();
		KT_CHECK(reencodes(v[i].p, v[i].n));
		kt_end("NHRP.md vector %s parses and re-encodes", v[i].name);
	}

	kt_begin();
	KT_EQ(nhrp_parse(&m, vec_cisco_res_reply, sizeof(vec_cisco_res_reply),
			 0), 0);
	KT_EQ(m.type, NHRP_RESOLUTION_REPLY);
	KT_EQ(m.flags, 0xf802);
	KT_EQ(m.request_id, 3);
	c = nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0);
	KT_CHECK(c && c->prefix_len == 32 && c->mtu == 17916 &&
		 !memcmp(c->proto, IP4(172, 16, 123, 3), 4));
	KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_FWD_TRANSIT), 1);
	KT_CHECK(nhrp_msg_find_cie(&m, NHRP_LIST_FWD_TRANSIT,
				   IP4(192, 168, 123, 1), NULL));
	KT_CHECK(!nhrp_msg_find_cie(&m, NHRP_LIST_FWD_TRANSIT,
				    IP4(192, 168, 123, 3), NULL));
	KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_REV_TRANSIT), 0);
	KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_NAT), 0);
	KT_CHECK(nhrp_msg_ext(&m, NHRP_EXT_NAT));
	kt_end("Cisco resolution reply fields");

	kt_begin();
	KT_EQ(nhrp_parse(&m, vec_nhrpd_reg_reply_nat,
			 sizeof(vec_nhrpd_reg_reply_nat), 0), 0);
	KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_NAT), 2);
	/* the spoke's post-NAT address is the CIE for its own address */
	c = nhrp_msg_find_cie(&m, NHRP_LIST_NAT, NULL, IP4(10, 0, 0, 1));
	KT_CHECK(c == nhrp_msg_cie(&m, NHRP_LIST_NAT, 1));
	KT_CHECK(c && !memcmp(c->nbma, IP4(198, 18, 7, 9), 4));
	kt_end("nhrpd registration reply NAT extension lookup");

	kt_begin();
	KT_EQ(nhrp_parse(&m, vec_nhrpd_res_req, sizeof(vec_nhrpd_res_req), 0),
	      0);
	c = nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0);
	KT_CHECK(c && c->prefix_len == 0xff);
	KT_EQ(nhrp_cie_prefix_len(&m, c), 32);
	KT_CHECK(nhrp_cie_nbma(&m, c) == m.src_nbma);
	KT_EQ(nhrp_parse(&m, vec_nhrpd_ti, sizeof(vec_nhrpd_ti), 0), 0);
	KT_EQ(m.has_ext_part, 0);
	KT_EQ(nhrp_ti_target(&m, &target), 4);
	KT_CHECK(!memcmp(target, IP4(192, 168, 2, 1), 4));
	kt_end("nhrpd resolution request and traffic indication fields");
}

/* Cisco's spoke-to-spoke Resolution Reply built from scratch */
static void test_build_cisco_res_reply(void)
{
	static const u8 spoke2_nbma[] = { 192, 168, 123, 2 };
	static const u8 spoke3_nbma[] = { 192, 168, 123, 3 };
	static const u8 hub_nbma[] = { 192, 168, 123, 1 };
	struct nhrp_cie self = {
		.prefix_len = 32, .mtu = 17916, .holding_time = 7200,
		.nbma_len = 4, .nbma = spoke3_nbma,
		.proto_len = 4, .proto = IP4(172, 16, 123, 3),
	};
	struct nhrp_cie hub = self;
	struct nhrp_builder b;
	struct nhrp_msg m;
	u8 out[256];
	int len;

	hub.nbma = hub_nbma;
	hub.proto = IP4(172, 16, 123, 1);
	kt_begin();
	nhrp_msg_init(&m, NHRP_RESOLUTION_REPLY, NHRP_AFN_IPV4,
		      NHRP_PROTO_IPV4);
	m.flags = 0xf802;
	m.request_id = 3;
	m.src_nbma = spoke2_nbma;
	m.src_proto = IP4(172, 16, 123, 2);
	m.dst_proto = IP4(172, 16, 123, 3);
	nhrp_build_start(&b, out, sizeof(out), &m);
	nhrp_build_cie(&b, &self);
	nhrp_build_ext_begin(&b, nhrp_ext_wire_type(NHRP_EXT_RESPONDER));
	nhrp_build_cie(&b, &self);
	nhrp_build_ext_end(&b);
	nhrp_build_ext_begin(&b, nhrp_ext_wire_type(NHRP_EXT_FWD_TRANSIT));
	nhrp_build_cie(&b, &hub);
	nhrp_build_ext_end(&b);
	nhrp_build_ext(&b, nhrp_ext_wire_type(NHRP_EXT_REV_TRANSIT), NULL, 0);
	nhrp_build_auth(&b, (const u8 *)"DMVPN", 5);
	nhrp_build_ext(&b, nhrp_ext_wire_type(NHRP_EXT_NAT), NULL, 0);
	len = nhrp_build_finish(&b);
	KT_EQ(len, sizeof(vec_cisco_res_reply));
	KT_CHECK(!memcmp(out, vec_cisco_res_reply, sizeof(vec_cisco_res_reply)));
	kt_end("build Cisco resolution reply byte-exact");
}

struct family {
	const char *name;
	u16 afn, pro;
};

static const struct family families[] = {
	{ "ipv4/ipv4", NHRP_AFN_IPV4, NHRP_PROTO_IPV4 },
	{ "ipv4 nbma/ipv6", NHRP_AFN_IPV4, NHRP_PROTO_IPV6 },
	{ "ipv6 nbma/ipv4", NHRP_AFN_IPV6, NHRP_PROTO_IPV4 },
	{ "ipv6/ipv6", NHRP_AFN_IPV6, NHRP_PROTO_IPV6 },
};

static const u8 A1[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
static const u8 A2[16] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };
static const u8 A3[16] = { 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3 };
static const u8 A4[16] = { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4 };

/* Builds a message of @type exercising every feature; returns length */
static int build_full(u8 *buf, size_t size, u8 type, const struct family *f,
		      struct nhrp_msg *hdr)
{
	static const u8 vendor[] = { 0x00, 0x00, 0x0c, 0x01, 0x02, 'g', '1' };
	static const u8 opaque[] = { 0xde, 0xad, 0xbe };
	struct nhrp_cie empty = { .prefix_len = 0xff, .mtu = 1400,
				  .holding_time = 600, .preference = 7 };
	struct nhrp_cie full = { .code = 4, .prefix_len = 24, .mtu = 1500,
				 .holding_time = 300, .preference = 255 };
	struct nhrp_builder b;
	u8 payload[64];

	nhrp_msg_init(hdr, type, f->afn, f->pro);
	full.nbma_len = hdr->nbma_len;
	full.nbma = A3;
	full.proto_len = hdr->proto_len;
	full.proto = A4;
	hdr->hop_count = 17;
	hdr->src_nbma = A1;
	hdr->src_proto = A2;
	hdr->dst_proto = A3;
	if (type >= NHRP_ERROR_INDICATION) {
		hdr->code = type == NHRP_ERROR_INDICATION ?
			    NHRP_EI_LOOP_DETECTED : 0;
		hdr->err_offset = type == NHRP_ERROR_INDICATION ? 40 : 0;
	} else {
		hdr->flags = 0xc802 ^ type;
		hdr->request_id = 0x01020304 + type;
	}

	nhrp_build_start(&b, buf, size, hdr);
	if (type == NHRP_TRAFFIC_INDICATION) {
		/* an IP header of the protocol type, destination A4 */
		memset(payload, 0, sizeof(payload));
		if (f->pro == NHRP_PROTO_IPV4) {
			payload[0] = 0x45;
			memcpy(payload + 16, A4, 4);
			nhrp_build_raw(&b, payload, 28);
		} else {
			payload[0] = 0x60;
			memcpy(payload + 24, A4, 16);
			nhrp_build_raw(&b, payload, 48);
		}
	} else if (type == NHRP_ERROR_INDICATION) {
		/* the offending packet: a Resolution Request, ID 0x55667788 */
		memset(payload, 0, sizeof(payload));
		payload[16] = 1;
		payload[17] = NHRP_RESOLUTION_REQUEST;
		payload[24] = 0x55;
		payload[25] = 0x66;
		payload[26] = 0x77;
		payload[27] = 0x88;
		nhrp_build_raw(&b, payload, 40);
	} else {
		nhrp_build_cie(&b, &empty);
		nhrp_build_cie(&b, &full);
	}
	nhrp_build_ext_begin(&b, nhrp_ext_wire_type(NHRP_EXT_RESPONDER));
	nhrp_build_cie(&b, &full);
	nhrp_build_ext_end(&b);
	nhrp_build_ext_begin(&b, nhrp_ext_wire_type(NHRP_EXT_FWD_TRANSIT));
	nhrp_build_cie(&b, &full);
	nhrp_build_cie(&b, &empty);
	nhrp_build_ext_end(&b);
	nhrp_build_ext(&b, nhrp_ext_wire_type(NHRP_EXT_REV_TRANSIT), NULL, 0);
	nhrp_build_auth(&b, (const u8 *)"12345678", 8);
	nhrp_build_ext_begin(&b, nhrp_ext_wire_type(NHRP_EXT_NAT));
	nhrp_build_cie(&b, &full);
	nhrp_build_ext_end(&b);
	nhrp_build_ext(&b, NHRP_EXT_VENDOR, vendor, sizeof(vendor));
	nhrp_build_ext(&b, NHRP_EXT_VENDOR, vendor, 3);
	nhrp_build_ext(&b, 0x1234, opaque, sizeof(opaque));
	nhrp_build_ext(&b, NHRP_EXT_COMPULSORY | 0x0fff, NULL, 0);
	return nhrp_build_finish(&b);
}

static void test_round_trip(void)
{
	unsigned int fi;
	u8 type;

	for (fi = 0; fi < 4; fi++) {
		const struct family *f = &families[fi];

		for (type = 1; type <= 8; type++) {
			const struct nhrp_ext *e;
			const struct nhrp_cie *c;
			struct nhrp_msg hdr, m, m2;
			u8 buf[1024], out[1024];
			const u8 *target;
			u32 id;
			u8 t;
			int len, n;

			kt_begin();
			len = build_full(buf, sizeof(buf), type, f, &hdr);
			KT_CHECK(len > 0);
			KT_EQ(nhrp_parse(&m, buf, len, NHRP_PARSE_NO_LEGACY_CSUM),
			      0);
			KT_CHECK(nhrp_msg_in_bounds(&m, buf, len));
			KT_EQ(m.type, type);
			KT_EQ(m.afn, f->afn);
			KT_EQ(m.pro_type, f->pro);
			KT_EQ(m.hop_count, 17);
			KT_EQ(m.pkt_len, len);
			KT_EQ(m.flags, hdr.flags);
			KT_EQ(m.request_id, hdr.request_id);
			KT_EQ(m.code, hdr.code);
			KT_EQ(m.err_offset, hdr.err_offset);
			KT_CHECK(!memcmp(m.src_nbma, A1, m.nbma_len));
			KT_CHECK(!memcmp(m.src_proto, A2, m.proto_len));
			KT_CHECK(!memcmp(m.dst_proto, A3, m.proto_len));
			KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_MAIN),
			      type >= NHRP_ERROR_INDICATION ? 0 : 2);
			c = nhrp_msg_cie(&m, NHRP_LIST_MAIN, 1);
			if (type < NHRP_ERROR_INDICATION) {
				KT_CHECK(c && c->code == 4 &&
					 c->prefix_len == 24 &&
					 c->mtu == 1500 &&
					 c->holding_time == 300 &&
					 c->preference == 255 &&
					 !memcmp(c->nbma, A3, m.nbma_len) &&
					 !memcmp(c->proto, A4, m.proto_len));
				c = nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0);
				KT_CHECK(c && !c->nbma && !c->proto &&
					 c->prefix_len == 0xff);
				KT_CHECK(nhrp_cie_proto(&m, c) == m.src_proto);
			}
			KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_RESPONDER), 1);
			KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_FWD_TRANSIT), 2);
			KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_REV_TRANSIT), 0);
			KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_NAT), 1);
			KT_CHECK(nhrp_msg_find_cie(&m, NHRP_LIST_NAT, A3, A4));
			KT_CHECK(!nhrp_msg_find_cie(&m, NHRP_LIST_NAT, A4,
						    NULL));
			KT_EQ(m.ext_count, 9);
			KT_CHECK(m.has_end);
			KT_CHECK(nhrp_msg_auth_ok(&m, (const u8 *)"12345678",
						  8));
			e = nhrp_msg_unknown_compulsory(&m);
			KT_CHECK(e && e->type == 0x0fff);
			e = nhrp_msg_ext(&m, NHRP_EXT_VENDOR);
			KT_CHECK(e && e->len == 7 && !e->compulsory);
			e = nhrp_msg_ext(&m, 0x1234);
			KT_CHECK(e && e->len == 3 && !e->compulsory);
			if (type == NHRP_TRAFFIC_INDICATION) {
				KT_EQ(nhrp_ti_target(&m, &target),
				      m.proto_len);
				KT_CHECK(!memcmp(target, A4, m.proto_len));
			} else {
				KT_EQ(nhrp_ti_target(&m, &target), -EINVAL);
			}
			if (type == NHRP_ERROR_INDICATION) {
				KT_EQ(nhrp_ei_offender(&m, &t, &id), 0);
				KT_EQ(t, NHRP_RESOLUTION_REQUEST);
				KT_EQ(id, 0x55667788);
			} else {
				KT_EQ(nhrp_ei_offender(&m, &t, &id), -EINVAL);
			}

			n = nhrp_build_msg(out, sizeof(out), &m);
			KT_EQ(n, len);
			KT_CHECK(n == len && !memcmp(out, buf, len));
			KT_EQ(nhrp_parse(&m2, out, n, 0), 0);
			KT_CHECK(nhrp_msg_same(&m, &m2));
			kt_end("round trip type %u %s", type, f->name);
		}
	}
}

/* Every buffer size short of the packet gives -ENOSPC and no overflow */
static void test_build_enospc(void)
{
	unsigned int fi, bad = 0, tried = 0;
	u8 type;

	kt_begin();
	for (fi = 0; fi < 4; fi++) {
		for (type = 1; type <= 8; type++) {
			struct nhrp_msg hdr;
			u8 full[1024];
			int len, size;

			len = build_full(full, sizeof(full), type,
					 &families[fi], &hdr);
			for (size = 0; size < len; size++) {
				u8 *buf = malloc(size ? size : 1);

				if (build_full(buf, size, type, &families[fi],
					       &hdr) != -ENOSPC)
					bad++;
				tried++;
				free(buf);
			}
			KT_EQ(build_full(full, len, type, &families[fi], &hdr),
			      len);
		}
	}
	KT_EQ(bad, 0);
	kt_end("builder: -ENOSPC at each of %u short sizes", tried);
}

static void test_build_einval(void)
{
	static const struct nhrp_cie cie = { .prefix_len = 32 };
	struct nhrp_cie bad = cie;
	struct nhrp_builder b;
	struct nhrp_msg m;
	u8 buf[512];

	kt_begin();
	KT_EQ(nhrp_msg_init(&m, 0, NHRP_AFN_IPV4, NHRP_PROTO_IPV4), -EINVAL);
	KT_EQ(nhrp_msg_init(&m, 9, NHRP_AFN_IPV4, NHRP_PROTO_IPV4), -EINVAL);
	KT_EQ(nhrp_msg_init(&m, 1, 3, NHRP_PROTO_IPV4), -EINVAL);
	KT_EQ(nhrp_msg_init(&m, 1, NHRP_AFN_IPV4, 0x0801), -EINVAL);

	/* missing header addresses */
	nhrp_msg_init(&m, NHRP_RESOLUTION_REQUEST, NHRP_AFN_IPV4,
		      NHRP_PROTO_IPV4);
	KT_EQ(nhrp_build_start(&b, buf, sizeof(buf), &m), -EINVAL);
	KT_EQ(nhrp_build_finish(&b), -EINVAL);
	m.src_nbma = A1;
	m.src_proto = A2;
	m.dst_proto = A3;

#define EXPECT_INVAL(what) do {						\
	nhrp_build_start(&b, buf, sizeof(buf), &m);			\
	what;								\
	KT_EQ(nhrp_build_finish(&b), -EINVAL);				\
} while (0)
	/* payload in a resolution request */
	EXPECT_INVAL(nhrp_build_raw(&b, A1, 4));
	/* CIE with a wrong address length, or a length and no pointer */
	bad.proto_len = 16;
	bad.proto = A1;
	EXPECT_INVAL(nhrp_build_cie(&b, &bad));
	bad.proto_len = 4;
	bad.proto = NULL;
	EXPECT_INVAL(nhrp_build_cie(&b, &bad));
	/* CIE between extensions, outside any */
	EXPECT_INVAL(nhrp_build_ext(&b, 0x8004, NULL, 0);
		     nhrp_build_cie(&b, &cie));
	/* nested extension, End by hand, unclosed extension, stray end */
	EXPECT_INVAL(nhrp_build_ext_begin(&b, 0x8004);
		     nhrp_build_ext_begin(&b, 0x8005));
	EXPECT_INVAL(nhrp_build_ext_begin(&b, 0x8000));
	EXPECT_INVAL(nhrp_build_ext_begin(&b, 0x8004));
	EXPECT_INVAL(nhrp_build_ext_end(&b));
	/* secrets of 0 and 9 bytes */
	EXPECT_INVAL(nhrp_build_auth(&b, (const u8 *)"", 0));
	EXPECT_INVAL(nhrp_build_auth(&b, (const u8 *)"123456789", 9));
	/* CIE in a traffic indication's mandatory part */
	m.type = NHRP_TRAFFIC_INDICATION;
	EXPECT_INVAL(nhrp_build_cie(&b, &cie));
#undef EXPECT_INVAL
	/* ... but fine inside its extensions */
	nhrp_build_start(&b, buf, sizeof(buf), &m);
	nhrp_build_request_exts(&b, NULL, 0, &cie, 1);
	KT_CHECK(nhrp_build_finish(&b) > 0);
	kt_end("builder: -EINVAL for misuse");
}

/* Relaying: hop count, transit record by direction, auth regenerated */
static void test_build_forward(void)
{
	struct nhrp_cie self = {
		.holding_time = 7200, .nbma_len = 4, .nbma = A1,
		.proto_len = 4, .proto = A2,
	};
	struct nhrp_msg hdr, m, f;
	u8 buf[1024], out[1024];
	int len, n;
	u8 type;

	kt_begin();
	for (type = 1; type <= 8; type++) {
		int reply = type == 2 || type == 4 || type == 6;

		len = build_full(buf, sizeof(buf), type, &families[0], &hdr);
		KT_EQ(nhrp_parse(&m, buf, len, 0), 0);
		n = nhrp_build_forward(out, sizeof(out), &m, &self,
				       (const u8 *)"secret", 6);
		/* +20 for the CIE, -2 for the shorter password */
		KT_EQ(n, len + 18);
		KT_EQ(nhrp_parse(&f, out, n, 0), 0);
		KT_EQ(f.hop_count, 16);
		KT_EQ(f.ext_count, m.ext_count);
		KT_EQ(nhrp_msg_cie_count(&f, NHRP_LIST_FWD_TRANSIT), reply ? 2 : 3);
		KT_EQ(nhrp_msg_cie_count(&f, NHRP_LIST_REV_TRANSIT), reply ? 1 : 0);
		KT_CHECK(nhrp_msg_find_cie(&f, reply ? NHRP_LIST_REV_TRANSIT :
					   NHRP_LIST_FWD_TRANSIT, A1, A2));
		KT_CHECK(nhrp_msg_auth_ok(&f, (const u8 *)"secret", 6));
		KT_EQ(f.ext[3].type, NHRP_EXT_AUTH);
		/* without a secret, extensions are copied */
		n = nhrp_build_forward(out, sizeof(out), &m, &self, NULL, 0);
		KT_EQ(nhrp_parse(&f, out, n, 0), 0);
		KT_CHECK(nhrp_msg_auth_ok(&f, (const u8 *)"12345678", 8));
	}
	/* no transit extension: nothing appended */
	KT_EQ(nhrp_parse(&m, vec_cisco_ti, sizeof(vec_cisco_ti), 0), 0);
	m.ext_count = 0;
	n = nhrp_build_forward(out, sizeof(out), &m, &self, NULL, 0);
	KT_EQ(nhrp_parse(&f, out, n, 0), 0);
	KT_EQ(f.cie_count, 0);
	KT_EQ(f.hop_count, 254);
	m.hop_count = 0;
	KT_EQ(nhrp_build_forward(out, sizeof(out), &m, &self, NULL, 0),
	      -ERANGE);
	kt_end("builder: forwarding appends the transit record and re-signs");
}

struct hostile {
	const char *name;
	void (*mutate)(struct raw *r);
	enum nhrp_err err;
	int at;			/* -1: don't care */
};

static void m_short_buf(struct raw *r)
{
	r->n = 19;
}

static void m_pktsz_small(struct raw *r)
{
	seal(r->b, 27, 0);
}

static void m_pktsz_big(struct raw *r)
{
	set16(r->b + 10, r->n + 1);
}

static void m_version(struct raw *r)
{
	r->b[16] = 2;
	seal(r->b, r->n, 52);
}

static void m_type0(struct raw *r)
{
	r->b[17] = 0;
	seal(r->b, r->n, 52);
}

static void m_type9(struct raw *r)
{
	r->b[17] = 9;
	seal(r->b, r->n, 52);
}

static void m_afn(struct raw *r)
{
	set16(r->b, 3);
	seal(r->b, r->n, 52);
}

static void m_proto(struct raw *r)
{
	set16(r->b + 2, 0x0801);
	seal(r->b, r->n, 52);
}

static void m_shtl(struct raw *r)
{
	r->b[18] = 5;
	seal(r->b, r->n, 52);
}

static void m_sstl(struct raw *r)
{
	r->b[19] = 1;
	seal(r->b, r->n, 52);
}

static void m_srclen(struct raw *r)
{
	r->b[20] = 16;
	seal(r->b, r->n, 52);
}

static void m_dstlen(struct raw *r)
{
	r->b[21] = 0;
	seal(r->b, r->n, 52);
}

static void m_extoff_low(struct raw *r)
{
	seal(r->b, r->n, 39);
}

static void m_extoff_high(struct raw *r)
{
	seal(r->b, r->n, r->n - 3);
}

static void m_cie_partial(struct raw *r)
{
	seal(r->b, r->n, 48);
}

static void m_cie_overrun(struct raw *r)
{
	r->b[40 + 10] = 4;	/* claims a proto address reaching into ext */
	seal(r->b, r->n, 52);
}

static void m_cie_bad_nbma(struct raw *r)
{
	r->b[68 + 8] = 5;
	r->b[68 + 10] = 3;
	seal(r->b, r->n, 52);
}

static void m_cie_subaddr(struct raw *r)
{
	r->b[40 + 9] = 1;
	seal(r->b, r->n, 52);
}

static void m_ext_overrun(struct raw *r)
{
	set16(r->b + 64 + 2, 25);
	seal(r->b, r->n, 52);
}

static void m_ext_huge(struct raw *r)
{
	set16(r->b + 52 + 2, 0xffff);
	seal(r->b, r->n, 52);
}

static void m_end_len(struct raw *r)
{
	r->n -= 4;
	raw_ext(r, 0x8000, 2);
	rfill(r, 0, 2);
	seal(r->b, r->n, 52);
}

static void m_ext_partial_hdr(struct raw *r)
{
	r->n -= 4;		/* drop End, leave 3 stray bytes */
	rfill(r, 0, 3);
	seal(r->b, r->n, 52);
}

static void m_dup_auth(struct raw *r)
{
	r->n -= 4;
	raw_ext(r, 0x8007, 5);
	rmem(r, "\0\0\0\1x", 5);
	raw_ext(r, 0x8007, 5);
	rmem(r, "\0\0\0\1x", 5);
	raw_ext(r, 0x8000, 0);
	seal(r->b, r->n, 52);
}

static void m_dup_nat(struct raw *r)
{
	r->n -= 4;
	raw_ext(r, 0x0009, 0);
	raw_ext(r, 0x8000, 0);
	seal(r->b, r->n, 52);
}

static void m_two_responders(struct raw *r)
{
	r->n = 52;
	raw_ext(r, 0x8003, 40);
	raw_cie(r, 4, 4);
	raw_cie(r, 4, 4);
	raw_ext(r, 0x8000, 0);
	seal(r->b, r->n, 52);
}

/* RFC 2735 Device Capabilities shares type 9; not a CIE list */
static void m_nat_devcap(struct raw *r)
{
	r->n = 52;
	raw_ext(r, 0x0009, 8);
	rfill(r, 0, 8);
	raw_ext(r, 0x8000, 0);
	seal(r->b, r->n, 52);
}

static void m_many_cies(struct raw *r)
{
	int i;

	raw_hdr(r, NHRP_PURGE_REQUEST);
	for (i = 0; i < NHRP_MAX_CIES + 1; i++)
		raw_cie(r, 0, 4);
	seal(r->b, r->n, 0);
}

static void m_many_ext_cies(struct raw *r)
{
	int i;

	raw_hdr(r, NHRP_RESOLUTION_REPLY);
	raw_cie(r, 4, 4);
	raw_ext(r, 0x8004, 20 * NHRP_MAX_CIES);
	for (i = 0; i < NHRP_MAX_CIES; i++)
		raw_cie(r, 4, 4);
	raw_ext(r, 0x8000, 0);
	seal(r->b, r->n, 60);
}

/* Thousands of empty extensions: bounded, no loop */
static void m_many_exts(struct raw *r)
{
	int i;

	raw_hdr(r, NHRP_RESOLUTION_REQUEST);
	for (i = 0; i < 10000; i++)
		raw_ext(r, 0x0008, 0);
	raw_ext(r, 0x8000, 0);
	seal(r->b, r->n, 40);
}

static void m_zero_type_ti_short(struct raw *r)
{
	raw_hdr(r, NHRP_TRAFFIC_INDICATION);
	seal(r->b, r->n - 1, 0);
	r->n--;
}

static const struct hostile hostile[] = {
	{ "buffer shorter than fixed header", m_short_buf,
	  NHRP_ERR_TRUNCATED, 0 },
	{ "pktsz below mandatory part", m_pktsz_small, NHRP_ERR_BAD_LEN, 10 },
	{ "pktsz beyond buffer", m_pktsz_big, NHRP_ERR_TRUNCATED, 10 },
	{ "version 2", m_version, NHRP_ERR_BAD_VERSION, 16 },
	{ "type 0", m_type0, NHRP_ERR_BAD_TYPE, 17 },
	{ "type 9", m_type9, NHRP_ERR_BAD_TYPE, 17 },
	{ "afn 3", m_afn, NHRP_ERR_BAD_AFN, 0 },
	{ "protocol 0x0801", m_proto, NHRP_ERR_BAD_PROTO, 2 },
	{ "shtl 5", m_shtl, NHRP_ERR_BAD_ADDR_LEN, 18 },
	{ "sstl 1", m_sstl, NHRP_ERR_BAD_ADDR_LEN, 19 },
	{ "src proto len 16", m_srclen, NHRP_ERR_BAD_ADDR_LEN, 20 },
	{ "dst proto len 0", m_dstlen, NHRP_ERR_BAD_ADDR_LEN, 21 },
	{ "extoff inside addresses", m_extoff_low, NHRP_ERR_BAD_EXTOFF, 14 },
	{ "extoff past end", m_extoff_high, NHRP_ERR_BAD_EXTOFF, 14 },
	{ "CIE cut by extoff", m_cie_partial, NHRP_ERR_BAD_CIE, 40 },
	{ "CIE address overruns area", m_cie_overrun, NHRP_ERR_BAD_CIE, 40 },
	{ "CIE NBMA length 5", m_cie_bad_nbma, NHRP_ERR_BAD_CIE, 68 },
	{ "CIE subaddress", m_cie_subaddr, NHRP_ERR_BAD_CIE, 40 },
	{ "extension overruns packet", m_ext_overrun, NHRP_ERR_BAD_EXT, 66 },
	{ "extension length 0xffff", m_ext_huge, NHRP_ERR_BAD_EXT, 54 },
	{ "End with a length", m_end_len, NHRP_ERR_BAD_EXT, 90 },
	{ "3 stray bytes for an extension header", m_ext_partial_hdr,
	  NHRP_ERR_BAD_EXT, 88 },
	{ "authentication twice", m_dup_auth, NHRP_ERR_DUP_EXT, 97 },
	{ "NAT twice", m_dup_nat, NHRP_ERR_DUP_EXT, 88 },
	{ "two responder CIEs", m_two_responders, NHRP_ERR_BAD_EXT, 52 },
	{ "type 9 as Device Capabilities", m_nat_devcap, NHRP_ERR_BAD_CIE, 56 },
	{ "17 CIEs", m_many_cies, NHRP_ERR_TOO_MANY_CIES, 40 + 16 * 16 },
	{ "17 CIEs across extensions", m_many_ext_cies,
	  NHRP_ERR_TOO_MANY_CIES, -1 },
	{ "10000 empty extensions", m_many_exts, NHRP_ERR_TOO_MANY_EXTS,
	  40 + 4 * NHRP_MAX_EXTS },
	{ "indication shorter than its addresses", m_zero_type_ti_short,
	  NHRP_ERR_BAD_LEN, 10 },
};

static void test_hostile(void)
{
	static struct raw r;
	struct nhrp_msg m;
	unsigned int i;
	int ret;

	kt_begin();
	raw_base(&r);
	KT_EQ(parse_exact(&m, r.b, r.n, 0), 0);
	KT_EQ(m.ext_count, 4);
	kt_end("hostile: base packet is valid");

	for (i = 0; i < ARRAY_SIZE(hostile); i++) {
		const struct hostile *h = &hostile[i];

		kt_begin();
		raw_base(&r);
		h->mutate(&r);
		ret = parse_exact(&m, r.b, r.n, 0);
		KT_CHECK(ret < 0 && ret != -1000);
		KT_EQ(m.err, h->err);
		if (h->at >= 0)
			KT_EQ(m.err_at, h->at);
		if (h->err == NHRP_ERR_TOO_MANY_CIES ||
		    h->err == NHRP_ERR_TOO_MANY_EXTS)
			KT_EQ(ret, -E2BIG);
		kt_end("hostile: %s -> %s", h->name, nhrp_err_str(h->err));
	}
}

/* Accepted oddities: no End, bytes after End, 16 CIEs, 16 extensions */
static void test_lenient(void)
{
	static struct raw r;
	struct nhrp_msg m;
	int i;

	kt_begin();
	raw_base(&r);
	r.n -= 4;
	seal(r.b, r.n, 52);
	KT_EQ(parse_exact(&m, r.b, r.n, 0), 0);
	KT_EQ(m.has_end, 0);
	KT_EQ(m.ext_count, 4);

	raw_base(&r);
	rfill(&r, 0, 16);	/* opennhrp's padding after End */
	seal(r.b, r.n, 52);
	KT_EQ(parse_exact(&m, r.b, r.n, 0), 0);
	KT_EQ(m.has_end, 1);
	KT_EQ(m.trailer_len, 16);

	raw_base(&r);
	r.b[40 + 8] = 0x40;	/* E.164 bit, length 0 */
	r.b[68 + 8] = 0x44;	/* E.164 bit, length 4 */
	r.b[18] = 0x44;
	seal(r.b, r.n, 52);
	KT_EQ(parse_exact(&m, r.b, r.n, 0), 0);
	KT_EQ(m.cie[1].nbma_len, 4);

	raw_hdr(&r, NHRP_PURGE_REQUEST);
	for (i = 0; i < NHRP_MAX_CIES; i++)
		raw_cie(&r, 0, 4);
	seal(r.b, r.n, 0);
	KT_EQ(parse_exact(&m, r.b, r.n, 0), 0);
	KT_EQ(m.cie_count, NHRP_MAX_CIES);

	raw_hdr(&r, NHRP_RESOLUTION_REQUEST);
	for (i = 0; i < NHRP_MAX_EXTS; i++)
		raw_ext(&r, 0x0008, 0);
	raw_ext(&r, 0x8000, 0);
	seal(r.b, r.n, 40);
	KT_EQ(parse_exact(&m, r.b, r.n, 0), 0);
	KT_EQ(m.ext_count, NHRP_MAX_EXTS);

	/* trailing bytes beyond ar$pktsz in the buffer are ignored */
	raw_base(&r);
	rfill(&r, 0xee, 7);
	KT_EQ(parse_exact(&m, r.b, r.n, 0), 0);
	KT_EQ(m.pkt_len, 92);
	kt_end("lenient: missing End, bytes after End, E.164 bit, limits");
}

static void test_helpers(void)
{
	struct nhrp_msg m;
	struct nhrp_cie c = { 0 };
	const u8 *target;
	int i;

	kt_begin();
	for (i = 0; i < NHRP_ERR_NUM; i++)
		KT_CHECK(strcmp(nhrp_err_str(i), "unknown"));
	KT_CHECK(!strcmp(nhrp_err_str(NHRP_ERR_NUM), "unknown"));
	KT_CHECK(!strcmp(nhrp_err_str(-1), "unknown"));
	KT_CHECK(!strcmp(nhrp_err_str(NHRP_ERR_BAD_CHECKSUM), "bad_checksum"));

	KT_EQ(nhrp_afn_addr_len(NHRP_AFN_IPV4), 4);
	KT_EQ(nhrp_afn_addr_len(NHRP_AFN_IPV6), 16);
	KT_EQ(nhrp_afn_addr_len(3), 0);
	KT_EQ(nhrp_proto_addr_len(NHRP_PROTO_IPV4), 4);
	KT_EQ(nhrp_proto_addr_len(NHRP_PROTO_IPV6), 16);
	KT_EQ(nhrp_proto_addr_len(0x0806), 0);

	KT_EQ(nhrp_ext_wire_type(NHRP_EXT_END), 0x8000);
	KT_EQ(nhrp_ext_wire_type(NHRP_EXT_RESPONDER), 0x8003);
	KT_EQ(nhrp_ext_wire_type(NHRP_EXT_FWD_TRANSIT), 0x8004);
	KT_EQ(nhrp_ext_wire_type(NHRP_EXT_REV_TRANSIT), 0x8005);
	KT_EQ(nhrp_ext_wire_type(NHRP_EXT_AUTH), 0x8007);
	KT_EQ(nhrp_ext_wire_type(NHRP_EXT_VENDOR), 0x0008);
	KT_EQ(nhrp_ext_wire_type(NHRP_EXT_NAT), 0x0009);

	nhrp_msg_init(&m, NHRP_RESOLUTION_REPLY, NHRP_AFN_IPV4,
		      NHRP_PROTO_IPV6);
	KT_EQ(m.hop_count, 255);
	KT_EQ(m.nbma_len, 4);
	KT_EQ(m.proto_len, 16);
	c.prefix_len = 0;
	KT_EQ(nhrp_cie_prefix_len(&m, &c), 128);
	c.prefix_len = 0xff;
	KT_EQ(nhrp_cie_prefix_len(&m, &c), 128);
	c.prefix_len = 129;
	KT_EQ(nhrp_cie_prefix_len(&m, &c), 128);
	c.prefix_len = 64;
	KT_EQ(nhrp_cie_prefix_len(&m, &c), 64);
	m.proto_len = 4;
	c.prefix_len = 33;
	KT_EQ(nhrp_cie_prefix_len(&m, &c), 32);

	/* traffic indication payloads too short or of the wrong version */
	nhrp_msg_init(&m, NHRP_TRAFFIC_INDICATION, NHRP_AFN_IPV4,
		      NHRP_PROTO_IPV4);
	m.payload = (const u8 *)"E0123456789012345678";
	m.payload_len = 19;
	KT_EQ(nhrp_ti_target(&m, &target), -EINVAL);
	m.payload_len = 20;
	KT_EQ(nhrp_ti_target(&m, &target), 4);
	m.payload = (const u8 *)"e0123456789012345678";
	KT_EQ(nhrp_ti_target(&m, &target), -EINVAL);
	m.payload = NULL;
	m.payload_len = 0;
	KT_EQ(nhrp_ti_target(&m, &target), -EINVAL);

	/* authentication: wrong type word, wrong length, oversize secret */
	KT_EQ(nhrp_parse(&m, vec_cisco_reg_req, sizeof(vec_cisco_reg_req), 0),
	      0);
	KT_CHECK(nhrp_msg_auth_ok(&m, (const u8 *)"DMVPN", 5));
	KT_CHECK(!nhrp_msg_auth_ok(&m, (const u8 *)"DMVPNDMVPN", 10));
	KT_CHECK(!nhrp_msg_auth_ok(&m, (const u8 *)"DMVP", 4));
	KT_EQ(nhrp_parse(&m, vec_nhrpd_reg_req, sizeof(vec_nhrpd_reg_req), 0),
	      0);
	KT_CHECK(!nhrp_msg_auth_ok(&m, (const u8 *)"DMVPN", 5));
	kt_end("helpers: names, lengths, prefix, wire types, TI, auth");
}

int main(void)
{
	kt_start();
	test_checksum();
	test_checksum_legacy();
	test_checksum_odd_end();
	test_vectors();
	test_build_cisco_res_reply();
	test_round_trip();
	test_build_enospc();
	test_build_einval();
	test_build_forward();
	test_hostile();
	test_lenient();
	test_helpers();
	return kt_done();
}
