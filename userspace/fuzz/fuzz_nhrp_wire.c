// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the NHRP codec.
 *
 * Every input is parsed as received (checksum verified) and without the
 * checksum check, so the fuzzer reaches the deep paths. A successful parse
 * must keep every pointer inside the input, re-encode, re-parse to the same
 * message with a valid checksum, and re-encode to the same bytes again
 * (fixpoint); the builder must refuse a buffer one byte short; relaying
 * must add exactly one transit record. The helpers run on every parsed
 * message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nhrp_check.h"
#include "nhrp_wire.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

static void helpers(const struct nhrp_msg *m)
{
	const u8 *addr;
	unsigned int l, i;
	u32 id;
	u8 type;

	if (nhrp_ti_target(m, &addr) > 0)
		CHECK(addr >= m->payload &&
		      addr + m->proto_len <= m->payload + m->payload_len);
	if (!nhrp_ei_offender(m, &type, &id))
		CHECK(m->payload_len >= 28);
	nhrp_msg_auth_ok(m, (const u8 *)"DMVPN", 5);
	nhrp_msg_unknown_compulsory(m);
	for (l = 0; l < NHRP_LIST_NUM; l++) {
		for (i = 0; i < nhrp_msg_cie_count(m, l); i++) {
			const struct nhrp_cie *c = nhrp_msg_cie(m, l, i);

			CHECK(c);
			CHECK(nhrp_cie_prefix_len(m, c) <= m->proto_len * 8);
			CHECK(nhrp_cie_nbma(m, c) && nhrp_cie_proto(m, c));
			CHECK(nhrp_msg_find_cie(m, l, c->nbma, c->proto));
		}
		CHECK(!nhrp_msg_cie(m, l, i));
	}
}

/* Relaying adds exactly one transit CIE (if the record is there) */
static void forward(const struct nhrp_msg *m)
{
	static const u8 addr[16] = { 10, 0, 0, 1 };
	static u8 out[NHRP_MAX_LEN];
	struct nhrp_cie self = {
		.holding_time = 7200,
		.nbma_len = m->nbma_len, .nbma = addr,
		.proto_len = m->proto_len, .proto = addr,
	};
	int reply = m->type == NHRP_RESOLUTION_REPLY ||
		    m->type == NHRP_REGISTRATION_REPLY ||
		    m->type == NHRP_PURGE_REPLY;
	enum nhrp_list l = reply ? NHRP_LIST_REV_TRANSIT :
				   NHRP_LIST_FWD_TRANSIT;
	u16 t = reply ? NHRP_EXT_REV_TRANSIT : NHRP_EXT_FWD_TRANSIT;
	struct nhrp_msg f;
	int n;

	n = nhrp_build_forward(out, sizeof(out), m, &self,
			       (const u8 *)"DMVPN", 5);
	if (!m->hop_count) {
		CHECK(n == -ERANGE);
		return;
	}
	if (n == -ENOSPC)
		return;
	CHECK(n > 0);
	if (nhrp_parse(&f, out, n, 0)) {
		/* a full CIE table cannot take our record */
		CHECK(f.err == NHRP_ERR_TOO_MANY_CIES &&
		      m->cie_count == NHRP_MAX_CIES && nhrp_msg_ext(m, t));
		return;
	}
	CHECK(f.hop_count == m->hop_count - 1);
	CHECK(f.ext_count == m->ext_count);
	CHECK(nhrp_msg_cie_count(&f, l) == nhrp_msg_cie_count(m, l) +
	      !!nhrp_msg_ext(m, t));
	if (nhrp_msg_ext(m, NHRP_EXT_AUTH))
		CHECK(nhrp_msg_auth_ok(&f, (const u8 *)"DMVPN", 5));
}

/*
 * Answering, as the engine answers every request it gets: the reply keeps
 * the request's extensions in order, fills Responder, regenerates auth,
 * and its NAT extension holds the echoed CIEs plus ours.
 */
static void answer(const struct nhrp_msg *m)
{
	static const u8 addr[16] = { 192, 0, 2, 1 };
	static u8 out[NHRP_MAX_LEN];
	struct nhrp_cie self = {
		.prefix_len = 32, .holding_time = 7200,
		.nbma_len = m->nbma_len, .nbma = addr,
		.proto_len = m->proto_len, .proto = addr,
	};
	const struct nhrp_ext *nat = nhrp_msg_ext(m, NHRP_EXT_NAT);
	struct nhrp_builder b;
	struct nhrp_msg hdr = *m, r;
	unsigned int i;
	int n;

	if (m->type >= NHRP_ERROR_INDICATION)
		return;
	hdr.type = m->type + (m->type & 1);	/* request -> its reply */
	nhrp_build_start(&b, out, sizeof(out), &hdr);
	for (i = 0; i < nhrp_msg_cie_count(m, NHRP_LIST_MAIN); i++)
		nhrp_build_cie(&b, nhrp_msg_cie(m, NHRP_LIST_MAIN, i));
	nhrp_build_reply_exts(&b, m, &self, NULL, 0, &self,
			      (const u8 *)"DMVPN", 5);
	n = nhrp_build_finish(&b);
	if (n == -ENOSPC)
		return;
	CHECK(n > 0);
	if (nhrp_parse(&r, out, n, 0)) {
		CHECK(r.err == NHRP_ERR_TOO_MANY_CIES);
		return;
	}
	CHECK(r.ext_count == m->ext_count);
	for (i = 0; i < r.ext_count; i++)
		CHECK(r.ext[i].type == m->ext[i].type);
	if (nhrp_msg_ext(m, NHRP_EXT_RESPONDER))
		CHECK(nhrp_msg_cie_count(&r, NHRP_LIST_RESPONDER) == 1);
	if (nhrp_msg_ext(m, NHRP_EXT_AUTH))
		CHECK(nhrp_msg_auth_ok(&r, (const u8 *)"DMVPN", 5));
	if (nat)
		CHECK(nhrp_msg_cie_count(&r, NHRP_LIST_NAT) ==
		      nhrp_msg_cie_count(m, NHRP_LIST_NAT) + 1);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static u8 out[NHRP_MAX_LEN], out2[NHRP_MAX_LEN];
	struct nhrp_msg m, m2;
	int ret, n, n2;
	u8 *shorter;

	ret = nhrp_parse(&m, data, size, 0);
	if (ret)
		CHECK(m.err > NHRP_OK && m.err < NHRP_ERR_NUM);
	else
		helpers(&m);

	ret = nhrp_parse(&m, data, size, NHRP_PARSE_NO_CSUM);
	if (ret) {
		CHECK(ret == -EBADMSG || ret == -EPROTONOSUPPORT ||
		      ret == -E2BIG);
		CHECK(m.err > NHRP_OK && m.err < NHRP_ERR_NUM);
		CHECK(m.err_at < size || m.err == NHRP_ERR_TRUNCATED);
		return 0;
	}
	CHECK(nhrp_msg_in_bounds(&m, data, size));
	helpers(&m);

	n = nhrp_build_msg(out, sizeof(out), &m);
	if (n == -ENOSPC) {
		/* only when adding a missing End overflows ar$pktsz */
		CHECK(m.has_ext_part && !m.has_end);
		return 0;
	}
	CHECK(n >= 28);
	CHECK(n <= m.pkt_len + 4);
	CHECK(!nhrp_parse(&m2, out, n, NHRP_PARSE_NO_LEGACY_CSUM));
	CHECK(nhrp_msg_same(&m, &m2));
	CHECK(m2.has_end == m2.has_ext_part && !m2.trailer_len);
	n2 = nhrp_build_msg(out2, sizeof(out2), &m2);
	CHECK(n2 == n && !memcmp(out, out2, n));

	forward(&m2);
	answer(&m2);

	shorter = malloc(n - 1);
	CHECK(shorter);
	CHECK(nhrp_build_msg(shorter, n - 1, &m2) == -ENOSPC);
	free(shorter);
	return 0;
}
