/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NHRP wire codec: RFC 2332 as spoken by Cisco DMVPN and FRR nhrpd.
 *
 * Pure code: no allocation, no locks, no kernel services beyond byte order
 * and mem*(). The same source builds into dmvpn.ko and into the userspace
 * unit tests and fuzzers (which provide kcompat.h). See shared NHRP.md for
 * the wire format this implements.
 *
 * Parsing: nhrp_parse() validates a whole packet (every length and offset
 * is checked against ar$pktsz, which is checked against the buffer) and
 * fills a struct nhrp_msg. The struct does not own anything: its address
 * pointers, extension bodies and payload point into the parsed buffer, so
 * it is valid only while that buffer is (e.g. while the skb is held and
 * linear: @buf must be contiguous). Nothing is allocated; nhrp_msg is under
 * 1 KiB (872 bytes on 64-bit), so keep it in the NHRP work-item context
 * rather than on the stack of a deep call chain. The codec functions
 * themselves use less than 200 bytes of stack.
 *
 * Building: struct nhrp_builder writes into a caller-provided buffer. Start
 * with nhrp_build_start() from a header description (a struct nhrp_msg,
 * typically from nhrp_msg_init() or a parsed request that is being turned
 * into a reply), add CIEs or the indication payload, then extensions, then
 * nhrp_build_finish() writes End, ar$pktsz, ar$extoff and the checksum.
 * Errors are sticky: check only the result of nhrp_build_finish().
 * nhrp_build_msg() re-encodes a whole struct nhrp_msg and
 * nhrp_build_forward() relays one as a transit NHS does.
 *
 * Engine recipes (all shown byte-exact against captures in the tests):
 *  - originate a request: nhrp_msg_init(), set flags/request_id/addresses,
 *    nhrp_build_start(), nhrp_build_cie(), nhrp_build_request_exts(),
 *    nhrp_build_finish();
 *  - answer: parse the request, change type (and Dst Proto for a
 *    registration), nhrp_build_start() from it, add the answer CIEs, then
 *    walk its ext[] in order: fill Responder, copy transit records and
 *    Vendor-Private, regenerate authentication, echo/extend NAT;
 *  - relay: nhrp_build_forward().
 */
#ifndef _DMVPN_NHRP_WIRE_H
#define _DMVPN_NHRP_WIRE_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <asm/byteorder.h>
#else
#include "kcompat.h"
#endif

#define NHRP_GRE_PROTO		0x2001	/* GRE protocol type carrying NHRP */
#define NHRP_VERSION		1	/* ar$op.version */
#define NHRP_HOP_DEFAULT	255	/* what Cisco originates with */
#define NHRP_HOLDTIME_DEFAULT	7200	/* seconds, every implementation */
#define NHRP_MAX_LEN		65535	/* ar$pktsz is 16 bits */

/* ar$op.type */
enum nhrp_type {
	NHRP_RESOLUTION_REQUEST = 1,
	NHRP_RESOLUTION_REPLY = 2,
	NHRP_REGISTRATION_REQUEST = 3,
	NHRP_REGISTRATION_REPLY = 4,
	NHRP_PURGE_REQUEST = 5,
	NHRP_PURGE_REPLY = 6,
	NHRP_ERROR_INDICATION = 7,
	NHRP_TRAFFIC_INDICATION = 8,
};

/* ar$afn: NBMA address family (IANA) */
#define NHRP_AFN_IPV4		1
#define NHRP_AFN_IPV6		2
/* ar$pro.type: protocol (tunnel) address type, Ethertype short form */
#define NHRP_PROTO_IPV4		0x0800
#define NHRP_PROTO_IPV6		0x86dd

/* Flags of Resolution Request/Reply */
#define NHRP_RES_FLAG_Q		0x8000	/* requester is a router */
#define NHRP_RES_FLAG_A		0x4000	/* authoritative */
#define NHRP_RES_FLAG_D		0x2000	/* stable association (reply) */
#define NHRP_RES_FLAG_U		0x1000	/* unique */
#define NHRP_RES_FLAG_S		0x0800	/* stable source binding */
/* Flags of Registration Request/Reply */
#define NHRP_REG_FLAG_U		0x8000	/* unique registration */
/* Flags of Purge Request/Reply */
#define NHRP_PURGE_FLAG_N	0x8000	/* no reply expected */
/* Cisco: sender understands the NAT extension (types 1-6) */
#define NHRP_FLAG_NAT		0x0002

/* Flags Cisco puts on what it originates (NHRP.md 4.2) */
#define NHRP_CISCO_RES_REQ_FLAGS (NHRP_RES_FLAG_Q | NHRP_RES_FLAG_A | \
				  NHRP_RES_FLAG_S | NHRP_FLAG_NAT)
#define NHRP_CISCO_REG_REQ_FLAGS (NHRP_REG_FLAG_U | NHRP_FLAG_NAT)

/* Extension types; the C bit and the unused bit are not part of the type */
#define NHRP_EXT_COMPULSORY	0x8000
#define NHRP_EXT_TYPE_MASK	0x3fff
#define NHRP_EXT_END		0
#define NHRP_EXT_RESPONDER	3
#define NHRP_EXT_FWD_TRANSIT	4
#define NHRP_EXT_REV_TRANSIT	5
#define NHRP_EXT_AUTH		7
#define NHRP_EXT_VENDOR		8
#define NHRP_EXT_NAT		9	/* Cisco NAT address, not compulsory */

/* Cisco cleartext authentication: be32 type 1, then the secret */
#define NHRP_AUTH_CLEARTEXT	1
#define NHRP_AUTH_SECRET_MAX	8

/* CIE codes */
#define NHRP_CIE_SUCCESS		0
#define NHRP_CIE_ADMIN_PROHIBITED	4
#define NHRP_CIE_INSUFFICIENT_RESOURCES	5
#define NHRP_CIE_NO_BINDING		12
#define NHRP_CIE_NOT_UNIQUE		13
#define NHRP_CIE_ALREADY_REGISTERED	14

/* Error Indication codes (RFC numbers; 2 is also "loop" from old peers) */
#define NHRP_EI_UNRECOGNIZED_EXT	1
#define NHRP_EI_LOOP_DETECTED		3
#define NHRP_EI_PROTO_UNREACHABLE	6
#define NHRP_EI_PROTOCOL_ERROR		7
#define NHRP_EI_SDU_TOO_BIG		8
#define NHRP_EI_INVALID_EXT		9
#define NHRP_EI_INVALID_REPLY		10
#define NHRP_EI_AUTH_FAILURE		11
#define NHRP_EI_HOP_COUNT_EXCEEDED	15

/* Traffic Indication code */
#define NHRP_TRAFFIC_REDIRECT		0

/*
 * Wire layouts. Packed because NHRP runs at any alignment behind GRE; all
 * multi-byte fields are big endian.
 */
struct nhrp_fixed_hdr {
	__be16	afn;
	__be16	pro_type;
	u8	pro_snap[5];
	u8	hop_count;
	__be16	pkt_size;
	__be16	checksum;
	__be16	ext_offset;
	u8	version;
	u8	type;
	u8	src_nbma_tl;
	u8	src_nbma_sub_tl;
} __packed;

/* Mandatory part of types 1-6 */
struct nhrp_common_hdr {
	u8	src_proto_len;
	u8	dst_proto_len;
	__be16	flags;
	__be32	request_id;
} __packed;

/* Mandatory part of types 7 (error code, offset) and 8 (traffic code, 0) */
struct nhrp_ind_hdr {
	u8	src_proto_len;
	u8	dst_proto_len;
	__be16	unused;
	__be16	code;
	__be16	offset;
} __packed;

struct nhrp_cie_hdr {
	u8	code;
	u8	prefix_len;
	__be16	unused;
	__be16	mtu;
	__be16	holding_time;
	u8	cli_addr_tl;
	u8	cli_saddr_tl;
	u8	cli_proto_len;
	u8	preference;
} __packed;

struct nhrp_ext_hdr {
	__be16	type;
	__be16	length;
} __packed;

#define NHRP_TL_LEN_MASK	0x3f	/* length bits of a type/length octet */

/*
 * Bounds of the parsed representation. A packet that needs more is
 * rejected (NHRP_ERR_TOO_MANY_CIES / _EXTS), never truncated: a DMVPN
 * message has at most a handful (Cisco's largest: 4 CIEs, 6 extensions).
 * The CIE bound is per packet, over the mandatory part and all CIE-bearing
 * extensions together.
 */
#define NHRP_MAX_CIES		16
#define NHRP_MAX_EXTS		16

/*
 * Client Information Entry, decoded. The address pointers point into the
 * parsed buffer (or, for building, anywhere the caller likes); a NULL
 * pointer goes with length 0 ("same as the header's source", RFC 2332).
 */
struct nhrp_cie {
	u8		code;
	u8		prefix_len;	/* raw; see nhrp_cie_prefix_len() */
	u16		mtu;
	u16		holding_time;
	u8		preference;
	u8		nbma_len;	/* 0 or the message's nbma_len */
	u8		proto_len;	/* 0 or the message's proto_len */
	const u8	*nbma;
	const u8	*proto;
};

/* The CIE lists of a message: mandatory part, then CIE-bearing extensions */
enum nhrp_list {
	NHRP_LIST_MAIN,
	NHRP_LIST_RESPONDER,
	NHRP_LIST_FWD_TRANSIT,
	NHRP_LIST_REV_TRANSIT,
	NHRP_LIST_NAT,
	NHRP_LIST_NUM,
};

struct nhrp_cie_span {
	u8	first;		/* index into nhrp_msg.cie[] */
	u8	count;
};

/* One extension as found on the wire, in packet order */
struct nhrp_ext {
	u16		type;		/* without C and unused bits */
	u8		compulsory;
	u16		len;
	const u8	*data;		/* NULL when len is 0 */
};

/* Reasons a parse fails, for per-reason counters */
enum nhrp_err {
	NHRP_OK,
	NHRP_ERR_TRUNCATED,	/* buffer shorter than 20 bytes or ar$pktsz */
	NHRP_ERR_BAD_LEN,	/* ar$pktsz too small for the mandatory part */
	NHRP_ERR_BAD_CHECKSUM,
	NHRP_ERR_BAD_VERSION,	/* ar$op.version != 1 */
	NHRP_ERR_BAD_TYPE,	/* ar$op.type not 1..8 */
	NHRP_ERR_BAD_AFN,	/* NBMA family not IPv4/IPv6 */
	NHRP_ERR_BAD_PROTO,	/* protocol type not IPv4/IPv6 */
	NHRP_ERR_BAD_ADDR_LEN,	/* address lengths disagree with afn/proto */
	NHRP_ERR_BAD_EXTOFF,	/* ar$extoff inside the header or past end */
	NHRP_ERR_BAD_CIE,	/* CIE overruns its area or bad address len */
	NHRP_ERR_TOO_MANY_CIES,
	NHRP_ERR_BAD_EXT,	/* extension overruns, End with a length, ... */
	NHRP_ERR_DUP_EXT,	/* a known extension type twice (not 8) */
	NHRP_ERR_TOO_MANY_EXTS,
	NHRP_ERR_NUM,
};

/*
 * A parsed message, also used as the header description for building.
 * Numbers are in host order. For types 7 and 8, @flags is the "unused"
 * field, @request_id is 0 and @code / @err_offset hold the error or
 * traffic code and the error offset.
 */
struct nhrp_msg {
	/* fixed header */
	u16		afn;
	u16		pro_type;
	u8		pro_snap[5];
	u8		hop_count;
	u8		type;
	u8		nbma_len;	/* address length implied by afn */
	u8		proto_len;	/* address length implied by pro_type */

	/* mandatory part */
	u16		flags;
	u32		request_id;
	u16		code;
	u16		err_offset;
	const u8	*src_nbma;
	const u8	*src_proto;
	const u8	*dst_proto;
	const u8	*payload;	/* types 7, 8: packet in error / data */
	u16		payload_len;

	/* CIEs: lists[] index cie[] */
	struct nhrp_cie_span	lists[NHRP_LIST_NUM];
	u8			cie_count;
	struct nhrp_cie		cie[NHRP_MAX_CIES];

	/* extensions, in packet order, End excluded */
	u8		ext_count;
	u8		has_ext_part;	/* ar$extoff != 0 */
	u8		has_end;	/* End extension seen */
	struct nhrp_ext	ext[NHRP_MAX_EXTS];

	/* what nhrp_parse() found */
	u16		pkt_len;	/* ar$pktsz */
	u16		ext_offset;	/* ar$extoff */
	u16		checksum;
	u8		legacy_checksum; /* odd length, old nhrpd/opennhrp sum */
	u16		trailer_len;	/* bytes after End within ar$pktsz */
	enum nhrp_err	err;		/* NHRP_OK unless the parse failed */
	u16		err_at;		/* offset of the offending field */
};

/* nhrp_parse() flags */
#define NHRP_PARSE_NO_CSUM		0x1	/* do not verify the checksum */
#define NHRP_PARSE_NO_LEGACY_CSUM	0x2	/* only RFC 1071 sums */

int nhrp_parse(struct nhrp_msg *m, const void *buf, size_t len,
	       unsigned int flags);
const char *nhrp_err_str(enum nhrp_err err);

/* Zeroes @m and sets type, families, lengths and hop count 255. */
int nhrp_msg_init(struct nhrp_msg *m, u8 type, u16 afn, u16 pro_type);

unsigned int nhrp_afn_addr_len(u16 afn);
unsigned int nhrp_proto_addr_len(u16 pro_type);
u16 nhrp_checksum(const void *buf, size_t len);

static inline unsigned int nhrp_msg_cie_count(const struct nhrp_msg *m,
					      enum nhrp_list list)
{
	return m->lists[list].count;
}

static inline const struct nhrp_cie *
nhrp_msg_cie(const struct nhrp_msg *m, enum nhrp_list list, unsigned int i)
{
	if (i >= m->lists[list].count)
		return NULL;
	return &m->cie[m->lists[list].first + i];
}

/* First extension of @type (without C bit), or NULL. */
const struct nhrp_ext *nhrp_msg_ext(const struct nhrp_msg *m, u16 type);
/* First compulsory extension this codec does not know, or NULL. */
const struct nhrp_ext *nhrp_msg_unknown_compulsory(const struct nhrp_msg *m);
/*
 * First CIE in @list whose client NBMA equals @nbma (if non-NULL) and whose
 * client protocol address equals @proto (if non-NULL), or NULL. Used for
 * NAT extension lookups and transit-record loop checks.
 */
const struct nhrp_cie *nhrp_msg_find_cie(const struct nhrp_msg *m,
					 enum nhrp_list list,
					 const u8 *nbma, const u8 *proto);
/*
 * True if the message carries exactly one Cisco cleartext authentication
 * extension whose secret equals @secret.
 */
bool nhrp_msg_auth_ok(const struct nhrp_msg *m, const u8 *secret,
		      unsigned int secret_len);

/* A CIE's addresses; empty ones default to the header's source. */
const u8 *nhrp_cie_nbma(const struct nhrp_msg *m, const struct nhrp_cie *c);
const u8 *nhrp_cie_proto(const struct nhrp_msg *m, const struct nhrp_cie *c);
/* Prefix length with 0, 0xff and anything too long meaning "host". */
u8 nhrp_cie_prefix_len(const struct nhrp_msg *m, const struct nhrp_cie *c);

/*
 * Traffic Indication: the address to resolve, i.e. the destination of the
 * embedded IP packet. Returns its length (4 or 16) and sets @addr, or
 * -EINVAL if the payload does not hold a complete IP header of pro_type.
 */
int nhrp_ti_target(const struct nhrp_msg *m, const u8 **addr);
/*
 * Error Indication: type and Request ID of the packet in error, from the
 * copy of its header in the payload. 0, or -EINVAL if too short.
 */
int nhrp_ei_offender(const struct nhrp_msg *m, u8 *type, u32 *request_id);

/* C bit as Cisco emits it: set for 0, 3, 4, 5, 7; clear for 8, 9. */
u16 nhrp_ext_wire_type(u16 type);

struct nhrp_builder {
	u8	*buf;
	u16	size;
	u16	len;
	u16	ext_offset;	/* 0 until the first extension */
	u16	ext_hdr;	/* offset of the open extension's header */
	u8	in_ext;
	u8	type;
	u8	nbma_len;
	u8	proto_len;
	int	err;		/* sticky: -ENOSPC or -EINVAL */
};

int nhrp_build_start(struct nhrp_builder *b, void *buf, size_t size,
		     const struct nhrp_msg *hdr);
int nhrp_build_cie(struct nhrp_builder *b, const struct nhrp_cie *c);
int nhrp_build_raw(struct nhrp_builder *b, const void *data, size_t len);
int nhrp_build_ext_begin(struct nhrp_builder *b, u16 wire_type);
int nhrp_build_ext_end(struct nhrp_builder *b);
int nhrp_build_ext(struct nhrp_builder *b, u16 wire_type, const void *data,
		   size_t len);
int nhrp_build_auth(struct nhrp_builder *b, const u8 *secret,
		    unsigned int secret_len);
int nhrp_build_request_exts(struct nhrp_builder *b, const u8 *secret,
			    unsigned int secret_len,
			    const struct nhrp_cie *nat, unsigned int nat_count);
int nhrp_build_finish(struct nhrp_builder *b);

/* Re-encode a (parsed or hand-made) message: parse, tweak, rebuild. */
int nhrp_build_msg(void *buf, size_t size, const struct nhrp_msg *m);
/* Relay as a transit NHS: hop - 1, own transit record, fresh auth. */
int nhrp_build_forward(void *buf, size_t size, const struct nhrp_msg *m,
		       const struct nhrp_cie *self, const u8 *secret,
		       unsigned int secret_len);

/* The same, also appending @nat_add to the NAT extension when present. */
int nhrp_build_relay(void *buf, size_t size, const struct nhrp_msg *m,
		     const struct nhrp_cie *self, const u8 *secret,
		     unsigned int secret_len, const struct nhrp_cie *nat_add);
/* A reply's extensions in the request's order (see nhrp_wire.c). */
int nhrp_build_reply_exts(struct nhrp_builder *b, const struct nhrp_msg *req,
			  const struct nhrp_cie *self,
			  const struct nhrp_cie *nat, unsigned int nat_count,
			  const struct nhrp_cie *nat_extra,
			  const u8 *secret, unsigned int secret_len);

#endif /* _DMVPN_NHRP_WIRE_H */
