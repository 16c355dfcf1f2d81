// SPDX-License-Identifier: GPL-2.0
/*
 * pcap (both byte orders, us/ns) and pcapng (SHB/IDB/EPB/SPB/OPB) reader.
 * Link types: Ethernet (with VLAN tags), Linux cooked v1/v2, raw IP, BSD
 * null/loop. Network: IPv4 (unfragmented), IPv6 (with the common extension
 * headers). Then GRE version 0 with optional checksum/key/sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_read.h"

#define GRE_PROTO_NHRP	0x2001
#define IPPROTO_NBMA_ARP 54	/* NHRP straight over IP (tcpdump tests) */

struct reader {
	pcap_nhrp_cb cb;
	void *ctx;
	int count;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rd32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const uint8_t *p, int swap)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

static void emit(struct reader *r, unsigned int frame, const uint8_t *p,
		 size_t len, size_t wire_len, int has_key, uint32_t key)
{
	struct pcap_nhrp pkt = {
		.frame = frame, .data = p, .len = len, .wire_len = wire_len,
		.has_key = has_key, .gre_key = key,
	};

	r->count++;
	if (r->cb)
		r->cb(r->ctx, &pkt);
}

/* @p/@len: IP payload as captured; @wire: its length per the IP header */
static void l4(struct reader *r, unsigned int frame, int proto,
	       const uint8_t *p, size_t len, size_t wire)
{
	size_t hl = 4;
	uint16_t flags;
	uint32_t key = 0;

	if (proto == IPPROTO_NBMA_ARP) {
		emit(r, frame, p, len, wire, 0, 0);
		return;
	}
	if (proto != 47 || len < 4)
		return;
	flags = be16(p);
	/* version 0 only; no RFC 1701 routing */
	if ((flags & 0x7) || (flags & 0x4000))
		return;
	if (be16(p + 2) != GRE_PROTO_NHRP)
		return;
	if (flags & 0x8000)
		hl += 4;
	if (flags & 0x2000) {
		if (len < hl + 4)
			return;
		key = be32(p + hl);
		hl += 4;
	}
	if (flags & 0x1000)
		hl += 4;
	if (len < hl || wire < hl)
		return;
	emit(r, frame, p + hl, len - hl, wire - hl, !!(flags & 0x2000), key);
}

static void l3(struct reader *r, unsigned int frame, const uint8_t *p,
	       size_t len)
{
	if (len < 1)
		return;
	if ((p[0] >> 4) == 4) {
		size_t ihl = (size_t)(p[0] & 0xf) * 4, tot;

		if (len < 20 || ihl < 20 || len < ihl)
			return;
		tot = be16(p + 2);
		if (tot < ihl)
			return;
		if (be16(p + 6) & 0x3fff)	/* MF or fragment offset */
			return;
		if (len > tot)
			len = tot;
		l4(r, frame, p[9], p + ihl, len - ihl, tot - ihl);
	} else if ((p[0] >> 4) == 6) {
		size_t off = 40, wire;
		int nh;

		if (len < 40)
			return;
		wire = 40 + (size_t)be16(p + 4);
		nh = p[6];
		if (len > wire)
			len = wire;
		while (nh == 0 || nh == 43 || nh == 60) {
			size_t el;

			if (len < off + 2)
				return;
			el = ((size_t)p[off + 1] + 1) * 8;
			nh = p[off];
			off += el;
			if (len < off)
				return;
		}
		l4(r, frame, nh, p + off, len - off, wire - off);
	}
}

static void link(struct reader *r, unsigned int frame, uint32_t linktype,
		 const uint8_t *p, size_t len)
{
	size_t off;
	uint16_t et;

	switch (linktype) {
	case 1:		/* Ethernet */
		if (len < 14)
			return;
		et = be16(p + 12);
		off = 14;
		while (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
			if (len < off + 4)
				return;
			et = be16(p + off + 2);
			off += 4;
		}
		break;
	case 113:	/* Linux cooked v1 */
		if (len < 16)
			return;
		et = be16(p + 14);
		off = 16;
		break;
	case 276:	/* Linux cooked v2 */
		if (len < 20)
			return;
		et = be16(p);
		off = 20;
		break;
	case 0:		/* BSD null / loop: 4-byte family, then IP */
	case 108:
		if (len < 4)
			return;
		l3(r, frame, p + 4, len - 4);
		return;
	case 12: case 14: case 101: case 228: case 229:	/* raw IP */
		l3(r, frame, p, len);
		return;
	default:
		return;
	}
	if (et == 0x0800 || et == 0x86dd)
		l3(r, frame, p + off, len - off);
}

static int read_pcap(struct reader *r, const uint8_t *b, size_t n)
{
	uint32_t magic;
	int swap;
	uint32_t linktype;
	size_t off = 24;
	unsigned int frame = 0;

	memcpy(&magic, b, 4);
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	linktype = rd32(b + 20, swap) & 0xffff;
	while (n - off >= 16) {
		uint32_t caplen = rd32(b + off + 8, swap);

		off += 16;
		if (caplen > n - off)
			return -1;
		link(r, ++frame, linktype, b + off, caplen);
		off += caplen;
	}
	return r->count;
}

static int read_pcapng(struct reader *r, const uint8_t *b, size_t n)
{
	uint32_t linktypes[64];
	unsigned int nif = 0, frame = 0;
	size_t off = 0;
	int swap = 0;

	while (n - off >= 12) {
		uint32_t type, blen;
		const uint8_t *body;

		if (rd32(b + off, 0) == 0x0a0d0d0a) {
			uint32_t bom;

			memcpy(&bom, b + off + 8, 4);
			swap = bom == 0x4d3c2b1a;
			nif = 0;
		}
		type = rd32(b + off, swap);
		blen = rd32(b + off + 4, swap);
		if (blen < 12 || blen > n - off || (blen & 3))
			return -1;
		body = b + off + 8;
		if (type == 1 && blen >= 20 && nif < 64) {	/* IDB */
			linktypes[nif++] = rd16(body, swap);
		} else if (type == 6 && blen >= 32) {		/* EPB */
			uint32_t ifid = rd32(body, swap);
			uint32_t caplen = rd32(body + 12, swap);

			frame++;
			if (caplen > blen - 32 || ifid >= nif)
				return -1;
			link(r, frame, linktypes[ifid], body + 20, caplen);
		} else if (type == 3 && blen >= 16 && nif) {	/* SPB */
			uint32_t len = rd32(body, swap);

			frame++;
			if (len > blen - 16)
				len = blen - 16;
			link(r, frame, linktypes[0], body + 4, len);
		} else if (type == 2 && blen >= 28) {		/* OPB */
			uint16_t ifid = rd16(body, swap);
			uint32_t caplen = rd32(body + 12, swap);

			frame++;
			if (caplen > blen - 28 || ifid >= nif)
				return -1;
			link(r, frame, linktypes[ifid], body + 20, caplen);
		}
		off += blen;
	}
	return r->count;
}

int pcap_for_each_nhrp(const char *path, pcap_nhrp_cb cb, void *ctx)
{
	struct reader r = { .cb = cb, .ctx = ctx };
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;
	uint32_t magic;
	FILE *f;
	int ret = -1;

	f = fopen(path, "rb");
	if (!f)
		return -1;
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap);
			if (!nb)
				goto out;
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		if (!got)
			break;
		n += got;
	}
	if (n < 24)
		goto out;
	memcpy(&magic, b, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 ||
	    magic == 0xa1b23c4d || magic == 0x4d3cb2a1)
		ret = read_pcap(&r, b, n);
	else if (magic == 0x0a0d0d0a)
		ret = read_pcapng(&r, b, n);
out:
	fclose(f);
	free(b);
	return ret;
}
