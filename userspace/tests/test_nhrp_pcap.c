// SPDX-License-Identifier: GPL-2.0
/*
 * NHRP codec against real captures (shared/pcaps, read in place).
 *
 * Usage: test_nhrp_pcap PCAP_DIR
 * Expected values were read with `tshark -r FILE -V -o
 * nhrp.auth_ext_has_addr:FALSE` (tshark 4.0) and are hardcoded here.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"
#include "nhrp_check.h"
#include "nhrp_wire.h"
#include "pcap_read.h"

#define IP4(a, b, c, d) ((const u8[]){ a, b, c, d })
#define MAX_PKTS	1024

struct pkt {
	char file[128];
	unsigned int frame;
	u8 *data;
	size_t len, wire_len;
	int has_key;
	u32 key;
};

static struct pkt pkts[MAX_PKTS];
static unsigned int npkts;
static const char *cur_file;

static void collect(void *ctx, const struct pcap_nhrp *p)
{
	struct pkt *k;

	(void)ctx;
	if (npkts == MAX_PKTS)
		return;
	k = &pkts[npkts++];
	snprintf(k->file, sizeof(k->file), "%s", cur_file);
	k->frame = p->frame;
	k->len = p->len;
	k->wire_len = p->wire_len;
	k->has_key = p->has_key;
	k->key = p->gre_key;
	k->data = malloc(p->len ? p->len : 1);
	if (k->data)
		memcpy(k->data, p->data, p->len);
}

static const struct pkt *find(const char *file, unsigned int frame)
{
	unsigned int i;

	for (i = 0; i < npkts; i++)
		if (!strcmp(pkts[i].file, file) && pkts[i].frame == frame)
			return &pkts[i];
	printf("# missing %s frame %u\n", file, frame);
	return NULL;
}

/* Parse a capture packet into @m; counts a failure when it does not parse */
static const struct pkt *get(const char *file, unsigned int frame,
			     struct nhrp_msg *m)
{
	const struct pkt *k = find(file, frame);
	int ret;

	if (!k) {
		KT_CHECK(k);
		return NULL;
	}
	ret = nhrp_parse(m, k->data, k->len, 0);
	KT_EQ(ret, 0);
	if (ret) {
		printf("# %s frame %u: %s at %u\n", file, frame,
		       nhrp_err_str(m->err), m->err_at);
		return NULL;
	}
	return k;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* Expected to be rejected: a fuzzed packet from the tcpdump test suite */
static int expect_bad(const char *file)
{
	return !strcmp(file, "tcpdump-pb_nhrp_1.pcap");
}

/*
 * Every capture of the directory and the NHRP packets it holds (counted
 * with tshark -Y nhrp, tshark 4.0). A capture with none says why; a file
 * not listed here fails, so a new capture gets its count.
 */
static const struct {
	const char *file;
	unsigned int nhrp;
	const char *none;	/* why there is no NHRP in it */
} capture_files[] = {
	{ "frr-8.4.4-generated-dmvpn-phase3.pcap", 36, NULL },
	{ "networklessons-dmvpn-gre-encapsulated-icmp.pcap", 0,
	  "ICMP in GRE only" },
	{ "networklessons-dmvpn-ipsec-esp-encrypted-traffic.pcap", 0,
	  "ESP: the GRE inside is encrypted" },
	{ "networklessons-dmvpn-ipv6-over-ipv4-nhrp-registrations.pcap", 8, NULL },
	{ "networklessons-dmvpn-ipv6-over-ipv4.pcap.pcapng", 4, NULL },
	{ "networklessons-dmvpn-nhrp-registration.pcap", 2, NULL },
	{ "networklessons-dmvpn-phase-1-spoke-to-spoke-icmp.pcap", 0,
	  "ICMP in GRE only (spokes already resolved)" },
	{ "networklessons-dmvpn-phase-3-icmp-spoke1-hub-spoke2.pcap", 2, NULL },
	{ "networklessons-dmvpn-phase-3-icmp-spoke1-spoke2.pcapng", 0,
	  "ICMP in GRE only (after the shortcut)" },
	{ "networklessons-gre-encapsulated-icmp.pcapng", 0,
	  "point-to-point GRE, no NHRP" },
	{ "networklessons-gre-tunnel-with-key.pcapng", 0,
	  "point-to-point GRE, no NHRP" },
	{ "networklessons-gre-tunnel-without-key.pcapng", 0,
	  "point-to-point GRE, no NHRP" },
	{ "networklessons-ospf-network-type-p2mp-non-broadcast-over-dmvpn.pcapng",
	  0, "OSPF in GRE only" },
	{ "networklessons-ospf-network-type-p2mp-over-dmvpn.pcapng", 0,
	  "OSPF in GRE only" },
	{ "tcpdump-NHRP-responder-address.pcap", 2, NULL },
	{ "tcpdump-NHRP_registration.pcap", 4, NULL },
	{ "tcpdump-ios_nhrp.pcap", 1, NULL },
	{ "tcpdump-nhrp.pcapng", 25, NULL },
	{ "tcpdump-pb_nhrp_1.pcap", 1, NULL },
	{ "tcpdump-various_gre.pcap", 0, "GRE variants, none NHRP" },
};

/* Why the listed @file holds no NHRP. */
static const char *expected_why(const char *file)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(capture_files); i++)
		if (!strcmp(capture_files[i].file, file))
			return capture_files[i].none;
	return NULL;
}

/* The listed count of @file, or -1 when it is not listed. */
static int expected_nhrp(const char *file)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(capture_files); i++)
		if (!strcmp(capture_files[i].file, file))
			return capture_files[i].nhrp;
	return -1;
}

static void test_decode_files(const char *dir)
{
	char *names[256];
	unsigned int n = 0, i, j;
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)) && n < 256) {
		if (strstr(de->d_name, ".pcap"))
			names[n++] = strdup(de->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);

	/* Every listed capture is there. */
	kt_begin();
	for (j = 0; j < ARRAY_SIZE(capture_files); j++) {
		for (i = 0; i < n; i++)
			if (!strcmp(names[i], capture_files[j].file))
				break;
		if (i == n)
			printf("# %s missing from %s\n", capture_files[j].file,
			       dir);
		KT_CHECK(i < n);
	}
	KT_EQ(n, ARRAY_SIZE(capture_files));
	kt_end("the %u captures listed are the directory's %u",
	       (unsigned int)ARRAY_SIZE(capture_files), n);

	for (i = 0; i < n; i++) {
		char path[4096];
		unsigned int first = npkts, bad = 0, exact = 0;
		int count, want = expected_nhrp(names[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		cur_file = names[i];
		kt_begin();
		count = pcap_for_each_nhrp(path, collect, NULL);
		KT_CHECK(count >= 0);
		/* As many NHRP packets as tshark finds, none missed or extra */
		if (want < 0)
			printf("# %s: not in capture_files[], no expected count\n",
			       names[i]);
		KT_CHECK(want >= 0);
		KT_EQ(npkts - first, want);
		if (!want && want == (int)(npkts - first))
			printf("# %s: no NHRP, as listed: %s\n", names[i],
			       expected_why(names[i]));
		for (j = first; j < npkts; j++) {
			struct pkt *k = &pkts[j];
			struct nhrp_msg m, m2;
			u8 out[NHRP_MAX_LEN];
			int ret, len;

			KT_CHECK(k->data);
			ret = nhrp_parse(&m, k->data, k->len, 0);
			if (ret) {
				bad++;
				if (!expect_bad(k->file))
					printf("# %s frame %u: %s at %u\n",
					       k->file, k->frame,
					       nhrp_err_str(m.err), m.err_at);
				continue;
			}
			KT_CHECK(nhrp_msg_in_bounds(&m, k->data, k->len));
			KT_EQ(m.legacy_checksum, 0);
			/* Every real packet re-encodes byte for byte */
			len = nhrp_build_msg(out, sizeof(out), &m);
			KT_EQ(len, m.pkt_len);
			if (len == m.pkt_len && !memcmp(out, k->data, len))
				exact++;
			else
				printf("# %s frame %u: re-encode differs\n",
				       k->file, k->frame);
			KT_CHECK(len == m.pkt_len && !memcmp(out, k->data, len));
			KT_EQ(nhrp_parse(&m2, out, len, 0), 0);
			KT_CHECK(nhrp_msg_same(&m, &m2));
		}
		if (expect_bad(names[i]))
			KT_EQ(bad, npkts - first);
		else
			KT_EQ(bad, 0);
		/* Every packet that parses re-encodes byte for byte */
		KT_EQ(exact, npkts - first - bad);
		kt_end("decode %s (%u NHRP, %u re-encoded exactly)", names[i],
		       npkts - first, exact);
		free(names[i]);
	}
}

static void check_cie(const struct nhrp_cie *c, u8 code, u8 prefix, u16 mtu,
		      u16 hold, u8 pref, const u8 *nbma, const u8 *proto,
		      u8 proto_len)
{
	KT_CHECK(c);
	if (!c)
		return;
	KT_EQ(c->code, code);
	KT_EQ(c->prefix_len, prefix);
	KT_EQ(c->mtu, mtu);
	KT_EQ(c->holding_time, hold);
	KT_EQ(c->preference, pref);
	KT_EQ(c->nbma_len, nbma ? 4 : 0);
	KT_EQ(c->proto_len, proto ? proto_len : 0);
	if (nbma && c->nbma)
		KT_MEMEQ(c->nbma, nbma, 4);
	if (proto && c->proto)
		KT_MEMEQ(c->proto, proto, proto_len);
}

static void check_exts(const struct nhrp_msg *m, const u16 *wire,
		       const u16 *lens, unsigned int n)
{
	unsigned int i;

	KT_EQ(m->ext_count, n);
	for (i = 0; i < n && i < m->ext_count; i++) {
		KT_EQ(m->ext[i].type | (m->ext[i].compulsory ? 0x8000 : 0),
		      wire[i]);
		KT_EQ(m->ext[i].len, lens[i]);
	}
	KT_CHECK(m->has_end);
	KT_EQ(m->trailer_len, 0);
}

static const char NL_REG[] = "networklessons-dmvpn-nhrp-registration.pcap";
static const u8 HUB_NBMA[] = { 192, 168, 123, 1 };
static const u8 HUB_PROTO[] = { 172, 16, 123, 1 };
static const u8 SPOKE2_NBMA[] = { 192, 168, 123, 2 };
static const u8 SPOKE2_PROTO[] = { 172, 16, 123, 2 };

static void test_nl_registration(void)
{
	static const u16 wire[] = { 0x8003, 0x8004, 0x8005, 0x8007, 0x0009 };
	static const u16 req_lens[] = { 0, 0, 0, 9, 20 };
	static const u16 rep_lens[] = { 20, 0, 0, 9, 20 };
	const struct nhrp_ext *auth;
	struct nhrp_msg m;

	kt_begin();
	if (get(NL_REG, 1, &m)) {
		KT_EQ(m.afn, NHRP_AFN_IPV4);
		KT_EQ(m.pro_type, NHRP_PROTO_IPV4);
		KT_EQ(m.hop_count, 255);
		KT_EQ(m.pkt_len, 105);
		KT_EQ(m.checksum, 0xa25d);
		KT_EQ(m.ext_offset, 52);
		KT_EQ(m.type, NHRP_REGISTRATION_REQUEST);
		KT_EQ(m.flags, NHRP_REG_FLAG_U | NHRP_FLAG_NAT);
		KT_EQ(m.request_id, 1);
		KT_MEMEQ(m.src_nbma, SPOKE2_NBMA, 4);
		KT_MEMEQ(m.src_proto, SPOKE2_PROTO, 4);
		KT_MEMEQ(m.dst_proto, HUB_PROTO, 4);
		KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_MAIN), 1);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0), 0, 32, 17916,
			  7200, 255, NULL, NULL, 0);
		/* empty CIE addresses mean the header's source */
		KT_CHECK(nhrp_cie_proto(&m, nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0))
			 == m.src_proto);
		check_exts(&m, wire, req_lens, 5);
		auth = nhrp_msg_ext(&m, NHRP_EXT_AUTH);
		KT_CHECK(auth && auth->len == 9 &&
			 !memcmp(auth->data, "\0\0\0\1DMVPN", 9));
		KT_CHECK(nhrp_msg_auth_ok(&m, (const u8 *)"DMVPN", 5));
		KT_CHECK(!nhrp_msg_auth_ok(&m, (const u8 *)"DMVPX", 5));
		KT_CHECK(!nhrp_msg_auth_ok(&m, (const u8 *)"DMVP", 4));
		KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_NAT), 1);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_NAT, 0), 0, 32, 17916, 0,
			  255, HUB_NBMA, HUB_PROTO, 4);
		KT_CHECK(nhrp_msg_find_cie(&m, NHRP_LIST_NAT, NULL, HUB_PROTO));
		KT_CHECK(!nhrp_msg_find_cie(&m, NHRP_LIST_NAT, NULL,
					    SPOKE2_PROTO));
		KT_CHECK(!nhrp_msg_unknown_compulsory(&m));
	}
	kt_end("networklessons registration request fields");

	kt_begin();
	if (get(NL_REG, 2, &m)) {
		KT_EQ(m.type, NHRP_REGISTRATION_REPLY);
		KT_EQ(m.hop_count, 255);
		KT_EQ(m.pkt_len, 125);
		KT_EQ(m.checksum, 0xd43c);
		KT_EQ(m.ext_offset, 52);
		KT_EQ(m.flags, 0x8002);
		KT_EQ(m.request_id, 1);
		KT_MEMEQ(m.src_nbma, SPOKE2_NBMA, 4);
		KT_MEMEQ(m.dst_proto, HUB_PROTO, 4);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0), 0, 32, 17916,
			  7200, 255, NULL, NULL, 0);
		check_exts(&m, wire, rep_lens, 5);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_RESPONDER, 0), 0, 32,
			  17916, 7200, 255, HUB_NBMA, HUB_PROTO, 4);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_NAT, 0), 0, 32, 17916, 0,
			  255, HUB_NBMA, HUB_PROTO, 4);
		KT_CHECK(nhrp_msg_auth_ok(&m, (const u8 *)"DMVPN", 5));
	}
	kt_end("networklessons registration reply fields");
}

static const char NL_TI[] = "networklessons-dmvpn-phase-3-icmp-spoke1-hub-spoke2.pcap";

static void test_nl_traffic_indication(void)
{
	static const u16 wire[] = { 0x8004, 0x8005, 0x8007, 0x0009 };
	static const u16 lens[] = { 0, 0, 9, 0 };
	static const struct { unsigned int frame; u16 csum; u8 src, dst; }
	ti[] = { { 7, 0xbd85, 2, 3 }, { 10, 0xbb83, 3, 2 } };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		const u8 *target = NULL;
		struct nhrp_msg m;

		kt_begin();
		if (get(NL_TI, ti[i].frame, &m)) {
			u8 s = ti[i].src, d = ti[i].dst;

			KT_EQ(m.type, NHRP_TRAFFIC_INDICATION);
			KT_EQ(m.hop_count, 255);
			KT_EQ(m.pkt_len, 97);
			KT_EQ(m.checksum, ti[i].csum);
			KT_EQ(m.ext_offset, 68);
			KT_EQ(m.flags, 0);
			KT_EQ(m.code, NHRP_TRAFFIC_REDIRECT);
			KT_EQ(m.err_offset, 0);
			KT_MEMEQ(m.src_nbma, HUB_NBMA, 4);
			KT_MEMEQ(m.src_proto, HUB_PROTO, 4);
			/* Cisco: Dst Proto is the *source* of the data */
			KT_MEMEQ(m.dst_proto, IP4(s, s, s, s), 4);
			/* IP header + 8 bytes of the 100-byte echo */
			KT_EQ(m.payload_len, 28);
			KT_EQ(nhrp_ti_target(&m, &target), 4);
			if (target)
				KT_MEMEQ(target, IP4(d, d, d, d), 4);
			KT_EQ(m.cie_count, 0);
			check_exts(&m, wire, lens, 4);
		}
		kt_end("networklessons traffic indication frame %u",
		       ti[i].frame);
	}
}

static const char NL_V6[] = "networklessons-dmvpn-ipv6-over-ipv4-nhrp-registrations.pcap";
static const u8 V6_HUB[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const u8 V6_SPOKE2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const u8 LL_SPOKE2[16] = { 0xfe, 0x80, [8] = 0xf8, 0x16, 0x3e, 0xff,
				  0xfe, 0x91, 0x8a, 0x8a };
static const u8 LL_HUB[16] = { 0xfe, 0x80, [8] = 0xf8, 0x16, 0x3e, 0xff,
			       0xfe, 0xe9, 0x86, 0xd9 };

static void test_nl_ipv6(void)
{
	static const u16 wire[] = { 0x8003, 0x8004, 0x8005, 0x8007, 0x0009 };
	static const u16 req_lens[] = { 0, 0, 0, 9, 32 };
	static const u16 rep_lens[] = { 32, 0, 0, 9, 32 };
	struct nhrp_msg m;

	kt_begin();
	if (get(NL_V6, 1, &m)) {
		KT_EQ(m.afn, NHRP_AFN_IPV4);
		KT_EQ(m.pro_type, NHRP_PROTO_IPV6);
		KT_EQ(m.proto_len, 16);
		KT_EQ(m.pkt_len, 161);
		KT_EQ(m.checksum, 0xe6e9);
		KT_EQ(m.ext_offset, 96);
		KT_EQ(m.flags, 0x8002);
		KT_EQ(m.request_id, 5);
		KT_MEMEQ(m.src_nbma, SPOKE2_NBMA, 4);
		KT_MEMEQ(m.src_proto, V6_SPOKE2, 16);
		KT_MEMEQ(m.dst_proto, V6_HUB, 16);
		/* Cisco registers its link-local address in an explicit CIE */
		KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_MAIN), 1);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0), 0, 128, 17916,
			  7200, 255, SPOKE2_NBMA, LL_SPOKE2, 16);
		check_exts(&m, wire, req_lens, 5);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_NAT, 0), 0, 128, 17916, 0,
			  255, HUB_NBMA, V6_HUB, 16);
		KT_EQ(nhrp_cie_prefix_len(&m, nhrp_msg_cie(&m, NHRP_LIST_MAIN,
							    0)), 128);
	}
	kt_end("networklessons IPv6-over-IPv4 registration request fields");

	kt_begin();
	if (get(NL_V6, 2, &m)) {
		KT_EQ(m.type, NHRP_REGISTRATION_REPLY);
		KT_EQ(m.pkt_len, 225);
		KT_EQ(m.checksum, 0x96c8);
		KT_EQ(m.ext_offset, 128);
		KT_EQ(m.request_id, 5);
		/* request CIE echoed plus the hub's own link-local binding */
		KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_MAIN), 2);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0), 0, 128, 17916,
			  7200, 255, SPOKE2_NBMA, LL_SPOKE2, 16);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_MAIN, 1), 0, 128, 17916,
			  7200, 255, HUB_NBMA, LL_HUB, 16);
		check_exts(&m, wire, rep_lens, 5);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_RESPONDER, 0), 0, 128,
			  17916, 7200, 255, HUB_NBMA, V6_HUB, 16);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_NAT, 0), 0, 128, 17916, 0,
			  255, HUB_NBMA, V6_HUB, 16);
	}
	kt_end("networklessons IPv6-over-IPv4 registration reply fields");
}

static void test_tcpdump(void)
{
	static const u16 wire[] = { 0x8003, 0x8004, 0x8005, 0x8007, 0x0009 };
	static const u16 lens12[] = { 0, 0, 0, 12, 20 };
	static const u16 lens8[] = { 20, 0, 0, 8, 20 };
	static const u16 ios_wire[] = { 0x8003, 0x8004, 0x8005, 0x8007 };
	static const u16 ios_lens[] = { 0, 0, 0, 9 };
	const struct pkt *k;
	struct nhrp_msg m;

	kt_begin();
	k = get("tcpdump-NHRP_registration.pcap", 1, &m);
	if (k) {
		KT_CHECK(k->has_key && k->key == 2);
		KT_EQ(m.pkt_len, 108);
		KT_EQ(m.checksum, 0x197b);
		KT_EQ(m.flags, 0x8002);
		KT_EQ(m.request_id, 1);
		KT_MEMEQ(m.src_nbma, IP4(169, 254, 100, 1), 4);
		KT_MEMEQ(m.src_proto, IP4(155, 1, 0, 1), 4);
		KT_MEMEQ(m.dst_proto, IP4(155, 1, 0, 5), 4);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0), 0, 32, 17912,
			  7200, 0, NULL, NULL, 0);
		check_exts(&m, wire, lens12, 5);
		KT_CHECK(nhrp_msg_auth_ok(&m, (const u8 *)"NHRPAUTH", 8));
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_NAT, 0), 0, 32, 17912, 0,
			  0, IP4(169, 254, 100, 5), IP4(155, 1, 0, 5), 4);
	}
	kt_end("tcpdump NHRP_registration (GRE key 2) fields");

	kt_begin();
	if (get("tcpdump-NHRP-responder-address.pcap", 2, &m)) {
		KT_EQ(m.type, NHRP_REGISTRATION_REPLY);
		KT_EQ(m.flags, NHRP_FLAG_NAT);	/* registration no-unique */
		KT_EQ(m.request_id, 300);
		KT_EQ(m.checksum, 0x1ac5);
		KT_MEMEQ(m.src_proto, IP4(155, 1, 0, 9), 4);
		/* "ip nhrp responder": another interface's address */
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_RESPONDER, 0), 0, 32,
			  17912, 7200, 0, IP4(6, 6, 6, 6),
			  IP4(155, 1, 146, 6), 4);
		check_exts(&m, wire, (const u16[]){ 20, 0, 0, 12, 20 }, 5);
	}
	kt_end("tcpdump NHRP-responder-address reply fields");

	kt_begin();
	if (get("tcpdump-ios_nhrp.pcap", 1, &m)) {
		/* old IOS: no NAT flag/extension, prefix 0xff, odd length */
		KT_EQ(m.pkt_len, 81);
		KT_EQ(m.checksum, 0xe8e4);
		KT_EQ(m.legacy_checksum, 0);
		KT_EQ(m.flags, NHRP_REG_FLAG_U);
		KT_EQ(m.request_id, 5);
		KT_MEMEQ(m.src_nbma, IP4(10, 0, 12, 2), 4);
		KT_MEMEQ(m.src_proto, IP4(192, 168, 0, 2), 4);
		KT_MEMEQ(m.dst_proto, IP4(192, 168, 0, 1), 4);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0), 0, 255, 1514,
			  30, 0, NULL, NULL, 0);
		KT_EQ(nhrp_cie_prefix_len(&m, nhrp_msg_cie(&m, NHRP_LIST_MAIN,
							    0)), 32);
		check_exts(&m, ios_wire, ios_lens, 4);
		KT_CHECK(nhrp_msg_auth_ok(&m, (const u8 *)"CISCO", 5));
		KT_CHECK(!nhrp_msg_ext(&m, NHRP_EXT_NAT));
	}
	kt_end("tcpdump ios_nhrp (old IOS, odd length) fields");

	kt_begin();
	if (get("tcpdump-nhrp.pcapng", 2, &m)) {
		KT_EQ(m.type, NHRP_REGISTRATION_REPLY);
		KT_EQ(m.pkt_len, 124);
		KT_EQ(m.checksum, 0xd65e);
		KT_EQ(m.request_id, 21);
		KT_MEMEQ(m.src_nbma, IP4(100, 1, 2, 27), 4);
		check_exts(&m, wire, lens8, 5);
		KT_CHECK(nhrp_msg_auth_ok(&m, (const u8 *)"OTUS", 4));
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_RESPONDER, 0), 0, 32,
			  17916, 7200, 0, IP4(100, 1, 0, 14),
			  IP4(10, 65, 0, 1), 4);
	}
	kt_end("tcpdump nhrp.pcapng (pcapng) reply fields");
}

static const char FRR[] = "frr-8.4.4-generated-dmvpn-phase3.pcap";
static const u8 FRR_HUB_NBMA[] = { 10, 0, 0, 1 };
static const u8 FRR_HUB_PROTO[] = { 172, 16, 0, 1 };

static void test_frr(void)
{
	static const u16 wire[] = { 0x8004, 0x8005, 0x8003, 0x0009 };
	const struct pkt *k;
	const u8 *target;
	struct nhrp_msg m;

	kt_begin();
	k = get(FRR, 1, &m);
	if (k) {
		KT_CHECK(k->has_key && k->key == 42);
		KT_EQ(m.type, NHRP_REGISTRATION_REQUEST);
		KT_EQ(m.hop_count, 1);
		KT_EQ(m.pkt_len, 92);
		KT_EQ(m.checksum, 0x7997);
		KT_EQ(m.flags, NHRP_FLAG_NAT);
		KT_EQ(m.request_id, 1);
		KT_MEMEQ(m.src_nbma, IP4(10, 0, 0, 11), 4);
		/* "nhs dynamic": destination is the spoke's own address */
		KT_MEMEQ(m.dst_proto, IP4(172, 16, 0, 11), 4);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0), 0, 32, 0, 30, 0,
			  NULL, NULL, 0);
		check_exts(&m, wire, (const u16[]){ 0, 0, 0, 20 }, 4);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_NAT, 0), 0, 32, 0, 0, 0,
			  FRR_HUB_NBMA, IP4(0, 0, 0, 0), 4);
	}
	kt_end("FRR registration request fields");

	kt_begin();
	if (get(FRR, 2, &m)) {
		KT_EQ(m.type, NHRP_REGISTRATION_REPLY);
		KT_EQ(m.hop_count, 64);
		KT_EQ(m.pkt_len, 112);
		/* the NHS puts its own address in Dst Proto */
		KT_MEMEQ(m.dst_proto, FRR_HUB_PROTO, 4);
		check_exts(&m, wire, (const u16[]){ 0, 0, 20, 20 }, 4);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_RESPONDER, 0), 0, 0, 0, 30,
			  0, FRR_HUB_NBMA, FRR_HUB_PROTO, 4);
	}
	kt_end("FRR registration reply fields");

	kt_begin();
	if (get(FRR, 25, &m)) {
		KT_EQ(m.type, NHRP_TRAFFIC_INDICATION);
		KT_EQ(m.hop_count, 1);
		KT_EQ(m.pkt_len, 124);
		KT_EQ(m.ext_offset, 0);
		KT_EQ(m.has_ext_part, 0);
		KT_EQ(m.ext_count, 0);
		KT_EQ(m.payload_len, 84);
		KT_MEMEQ(m.dst_proto, IP4(192, 168, 11, 1), 4);
		KT_EQ(nhrp_ti_target(&m, &target), 4);
		KT_MEMEQ(target, IP4(192, 168, 12, 1), 4);
	}
	kt_end("FRR traffic indication fields (no extensions)");

	kt_begin();
	if (get(FRR, 29, &m)) {
		KT_EQ(m.type, NHRP_RESOLUTION_REQUEST);
		KT_EQ(m.hop_count, 63);
		KT_EQ(m.flags, NHRP_CISCO_RES_REQ_FLAGS);
		KT_EQ(m.request_id, 4);
		KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_FWD_TRANSIT), 1);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_FWD_TRANSIT, 0), 0, 0, 0,
			  30, 0, FRR_HUB_NBMA, FRR_HUB_PROTO, 4);
		KT_CHECK(nhrp_msg_find_cie(&m, NHRP_LIST_FWD_TRANSIT,
					   FRR_HUB_NBMA, NULL));
	}
	kt_end("FRR forwarded resolution request fields");

	kt_begin();
	if (get(FRR, 33, &m)) {
		KT_EQ(m.type, NHRP_RESOLUTION_REPLY);
		KT_EQ(m.hop_count, 63);
		KT_EQ(m.pkt_len, 140);
		KT_EQ(m.ext_offset, 60);
		KT_EQ(m.flags, 0xe800);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_MAIN, 0), 0, 24, 0, 30, 0,
			  IP4(10, 0, 0, 12), IP4(172, 16, 0, 12), 4);
		KT_EQ(nhrp_cie_prefix_len(&m, nhrp_msg_cie(&m, NHRP_LIST_MAIN,
							    0)), 24);
		KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_FWD_TRANSIT), 1);
		KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_REV_TRANSIT), 1);
		check_cie(nhrp_msg_cie(&m, NHRP_LIST_RESPONDER, 0), 0, 0, 0, 30,
			  0, IP4(10, 0, 0, 12), IP4(172, 16, 0, 12), 4);
		KT_EQ(nhrp_msg_cie_count(&m, NHRP_LIST_NAT), 0);
	}
	kt_end("FRR resolution reply via hub fields");
}

/* Cisco layout from scratch: builder output equals the captured bytes. */
static void test_build_cisco_registration(void)
{
	const struct pkt *k = find(NL_REG, 1);
	struct nhrp_cie cie = {
		.prefix_len = 32, .mtu = 17916, .holding_time = 7200,
		.preference = 255,
	};
	struct nhrp_cie nat = {
		.prefix_len = 32, .mtu = 17916, .preference = 255,
		.nbma_len = 4, .nbma = HUB_NBMA,
		.proto_len = 4, .proto = HUB_PROTO,
	};
	struct nhrp_builder b;
	struct nhrp_msg m;
	u8 out[256];
	int len;

	kt_begin();
	KT_EQ(nhrp_msg_init(&m, NHRP_REGISTRATION_REQUEST, NHRP_AFN_IPV4,
			    NHRP_PROTO_IPV4), 0);
	m.flags = NHRP_CISCO_REG_REQ_FLAGS;
	m.request_id = 1;
	m.src_nbma = SPOKE2_NBMA;
	m.src_proto = SPOKE2_PROTO;
	m.dst_proto = HUB_PROTO;
	nhrp_build_start(&b, out, sizeof(out), &m);
	nhrp_build_cie(&b, &cie);
	nhrp_build_request_exts(&b, (const u8 *)"DMVPN", 5, &nat, 1);
	len = nhrp_build_finish(&b);
	KT_CHECK(k);
	if (k) {
		KT_EQ(len, k->len);
		KT_MEMEQ(out, k->data, k->len);
	}
	kt_end("build Cisco registration request byte-exact");
}

/*
 * The hub's answer, built the way an NHS engine would: from the parsed
 * request, keeping its extension order, filling the responder, echoing
 * NAT, regenerating authentication.
 */
static void test_build_cisco_registration_reply(void)
{
	const struct pkt *k = find(NL_REG, 2);
	struct nhrp_cie self = {
		.prefix_len = 32, .mtu = 17916, .holding_time = 7200,
		.preference = 255, .nbma_len = 4, .nbma = HUB_NBMA,
		.proto_len = 4, .proto = HUB_PROTO,
	};
	struct nhrp_builder b;
	struct nhrp_msg req, rep;
	u8 out[256];
	unsigned int i, j;
	int len = -1;

	kt_begin();
	if (get(NL_REG, 1, &req)) {
		rep = req;
		rep.type = NHRP_REGISTRATION_REPLY;
		nhrp_build_start(&b, out, sizeof(out), &rep);
		for (i = 0; i < nhrp_msg_cie_count(&req, NHRP_LIST_MAIN); i++) {
			struct nhrp_cie c = *nhrp_msg_cie(&req, NHRP_LIST_MAIN,
							  i);

			c.code = NHRP_CIE_SUCCESS;
			nhrp_build_cie(&b, &c);
		}
		for (i = 0; i < req.ext_count; i++) {
			const struct nhrp_ext *e = &req.ext[i];
			u16 wire = e->type |
				   (e->compulsory ? NHRP_EXT_COMPULSORY : 0);

			switch (e->type) {
			case NHRP_EXT_RESPONDER:
				nhrp_build_ext_begin(&b, wire);
				nhrp_build_cie(&b, &self);
				nhrp_build_ext_end(&b);
				break;
			case NHRP_EXT_AUTH:
				nhrp_build_auth(&b, (const u8 *)"DMVPN", 5);
				break;
			case NHRP_EXT_NAT:
				nhrp_build_ext_begin(&b, wire);
				for (j = 0; j < nhrp_msg_cie_count(&req,
							NHRP_LIST_NAT); j++)
					nhrp_build_cie(&b, nhrp_msg_cie(&req,
							NHRP_LIST_NAT, j));
				nhrp_build_ext_end(&b);
				break;
			default:
				nhrp_build_ext(&b, wire, e->data, e->len);
			}
		}
		len = nhrp_build_finish(&b);
	}
	KT_CHECK(k);
	if (k) {
		KT_EQ(len, k->len);
		KT_MEMEQ(out, k->data, k->len);
	}
	kt_end("build Cisco registration reply from request byte-exact");
}

static void test_build_cisco_ti(void)
{
	const struct pkt *k = find(NL_TI, 7);
	struct nhrp_builder b;
	struct nhrp_msg m, cap;
	u8 out[256];
	int len = -1;

	kt_begin();
	if (k && !nhrp_parse(&cap, k->data, k->len, 0)) {
		nhrp_msg_init(&m, NHRP_TRAFFIC_INDICATION, NHRP_AFN_IPV4,
			      NHRP_PROTO_IPV4);
		m.code = NHRP_TRAFFIC_REDIRECT;
		m.src_nbma = HUB_NBMA;
		m.src_proto = HUB_PROTO;
		m.dst_proto = IP4(2, 2, 2, 2);
		nhrp_build_start(&b, out, sizeof(out), &m);
		nhrp_build_raw(&b, cap.payload, cap.payload_len);
		nhrp_build_request_exts(&b, (const u8 *)"DMVPN", 5, NULL, 0);
		len = nhrp_build_finish(&b);
		KT_EQ(len, k->len);
		KT_MEMEQ(out, k->data, k->len);
	} else {
		KT_CHECK(0);
	}
	kt_end("build Cisco traffic indication byte-exact");
}

static void test_build_cisco_ipv6_registration(void)
{
	const struct pkt *k = find(NL_V6, 1);
	struct nhrp_cie cie = {
		.prefix_len = 128, .mtu = 17916, .holding_time = 7200,
		.preference = 255, .nbma_len = 4, .nbma = SPOKE2_NBMA,
		.proto_len = 16, .proto = LL_SPOKE2,
	};
	struct nhrp_cie nat = {
		.prefix_len = 128, .mtu = 17916, .preference = 255,
		.nbma_len = 4, .nbma = HUB_NBMA,
		.proto_len = 16, .proto = V6_HUB,
	};
	struct nhrp_builder b;
	struct nhrp_msg m;
	u8 out[256];
	int len;

	kt_begin();
	nhrp_msg_init(&m, NHRP_REGISTRATION_REQUEST, NHRP_AFN_IPV4,
		      NHRP_PROTO_IPV6);
	m.flags = NHRP_CISCO_REG_REQ_FLAGS;
	m.request_id = 5;
	m.src_nbma = SPOKE2_NBMA;
	m.src_proto = V6_SPOKE2;
	m.dst_proto = V6_HUB;
	nhrp_build_start(&b, out, sizeof(out), &m);
	nhrp_build_cie(&b, &cie);
	nhrp_build_request_exts(&b, (const u8 *)"DMVPN", 5, &nat, 1);
	len = nhrp_build_finish(&b);
	KT_CHECK(k);
	if (k) {
		KT_EQ(len, k->len);
		KT_MEMEQ(out, k->data, k->len);
	}
	kt_end("build Cisco IPv6-over-IPv4 registration request byte-exact");
}

/* The FRR hub relaying resolution traffic: hop - 1 and its transit CIE */
static void test_build_frr_forward(void)
{
	static const unsigned int pairs[][2] = {
		{ 27, 29 }, { 28, 30 }, { 31, 33 }, { 32, 34 },
	};
	struct nhrp_cie self = {
		.holding_time = 30,
		.nbma_len = 4, .nbma = FRR_HUB_NBMA,
		.proto_len = 4, .proto = FRR_HUB_PROTO,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		const struct pkt *in, *want;
		struct nhrp_msg m;
		u8 out[512];
		int len;

		kt_begin();
		in = get(FRR, pairs[i][0], &m);
		want = find(FRR, pairs[i][1]);
		KT_CHECK(in && want);
		if (in && want) {
			len = nhrp_build_forward(out, sizeof(out), &m, &self,
						 NULL, 0);
			KT_EQ(len, want->len);
			if (len == (int)want->len)
				KT_MEMEQ(out, want->data, want->len);
		}
		kt_end("build FRR hub forwarding frame %u -> frame %u byte-exact",
		       pairs[i][0], pairs[i][1]);
	}
}

static void fix_header(u8 *p, size_t len)
{
	u16 c;

	if (len >= 12) {
		p[10] = len >> 8;
		p[11] = len & 0xff;
	}
	if (len >= 14) {
		p[12] = 0;
		p[13] = 0;
		c = nhrp_checksum(p, len);
		p[12] = c >> 8;
		p[13] = c & 0xff;
	}
}

/* Parse a private, exactly sized copy so ASan sees any overread */
static int parse_copy(const u8 *src, size_t len, int fix, unsigned int *ok)
{
	u8 *p = malloc(len ? len : 1);
	struct nhrp_msg m, m2;
	u8 out[NHRP_MAX_LEN];
	int ret, good = 1, n;

	memcpy(p, src, len);
	if (fix)
		fix_header(p, len);
	ret = nhrp_parse(&m, p, len, 0);
	if (!ret) {
		(*ok)++;
		good = nhrp_msg_in_bounds(&m, p, len);
		n = nhrp_build_msg(out, sizeof(out), &m);
		good = good && n > 0 && !nhrp_parse(&m2, out, n, 0) &&
		       nhrp_msg_same(&m, &m2);
	} else {
		good = m.err > NHRP_OK && m.err < NHRP_ERR_NUM;
	}
	free(p);
	return good;
}

static void test_hostile(void)
{
	unsigned int i, parses = 0, ok = 0;
	size_t k;

	kt_begin();
	for (i = 0; i < npkts; i++) {
		const struct pkt *p = &pkts[i];
		struct nhrp_msg m;
		u8 *mut;

		/* every truncation: the buffer ends before ar$pktsz */
		for (k = 0; k < p->len; k++, parses++) {
			u8 *c = malloc(k ? k : 1);

			memcpy(c, p->data, k);
			KT_CHECK(nhrp_parse(&m, c, k, 0) < 0);
			if (!expect_bad(p->file))
				KT_EQ(m.err, NHRP_ERR_TRUNCATED);
			free(c);
		}
		/* every truncation with ar$pktsz and checksum made to fit */
		for (k = 0; k < p->len; k++, parses++)
			KT_CHECK(parse_copy(p->data, k, 1, &ok));
		/* every byte set to 0, 0xff, +1, with length/sum fixed up */
		mut = malloc(p->len);
		memcpy(mut, p->data, p->len);
		for (k = 0; k < p->len; k++) {
			unsigned int d;
			u8 orig = mut[k];

			for (d = 0; d < 3; d++, parses++) {
				mut[k] = d == 0 ? 0 : d == 1 ? 0xff : orig + 1;
				KT_CHECK(parse_copy(mut, p->len, k >= 14, &ok));
			}
			mut[k] = orig;
		}
		free(mut);
	}
	kt_end("hostile: truncated and mutated captures (%u packets, %u parses, %u accepted)",
	       npkts, parses, ok);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "../../../shared/pcaps";
	DIR *d = opendir(dir);

	kt_start();
	if (!d) {
		printf("# pcap directory %s not found\n", dir);
		kt_skip("captures", "pcap directory absent");
		return kt_done();
	}
	closedir(d);
	printf("# captures from %s\n", dir);

	test_decode_files(dir);
	test_nl_registration();
	test_nl_traffic_indication();
	test_nl_ipv6();
	test_tcpdump();
	test_frr();
	test_build_cisco_registration();
	test_build_cisco_registration_reply();
	test_build_cisco_ti();
	test_build_cisco_ipv6_registration();
	test_build_frr_forward();
	test_hostile();

	while (npkts)
		free(pkts[--npkts].data);
	return kt_done();
}
