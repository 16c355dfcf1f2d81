// SPDX-License-Identifier: GPL-2.0
/*
 * NHRP traffic generator for the robustness tests and the benchmark: sends
 * Registration Requests (built with the module's own codec) for sequential
 * protocol addresses, and/or malformed NHRP, over a raw IPPROTO_GRE socket
 * from one IPv4 NBMA address to another. Bounded in count and in time.
 *
 * Usage: nhrp_gen -s SRC -d DST [-n COUNT] [-T SECS] [-r PPS] [-b BASE]
 *                 [-w WRAP] [-p PROTO] [-k KEY] [-a FILE] [-H HOLD] [-N]
 *                 [-g random|truncated|checksum|mix] [-G PERCENT] [-S SEED]
 *
 * Every garbage packet is checked against nhrp_parse() before it is sent,
 * so the receiver must count each one as malformed. The socket's send
 * buffer paces the generator (a full one is waited for, not counted as
 * sent), so nothing is lost before the receiver. One line on stdout at the
 * end: "sent=N reg=N garbage=N failed=N waits=N usec=N pps=N".
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nhrp_wire.h"

#define GEN_PKT_MAX	2048
#define GEN_MTU		1400
#define GRE_FLAG_KEY	0x2000
#define GEN_WAIT_MS	1000	/* longest wait for send buffer space */
#define GEN_WAIT_TRIES	100

enum gen_garbage {
	GEN_NONE,
	GEN_RANDOM,
	GEN_TRUNCATED,
	GEN_CHECKSUM,
	GEN_MIX,
};

struct gen {
	int fd;
	struct sockaddr_in dst;
	u8 src_nbma[4];
	u8 dst_nbma[4];
	u32 base;		/* first protocol address, host order */
	unsigned long wrap;	/* addresses base..base+wrap-1; 0: no limit */
	u8 dst_proto[4];
	bool dst_proto_set;
	bool has_key;
	u32 key;
	u8 secret[NHRP_AUTH_SECRET_MAX];
	unsigned int secret_len;
	u16 holdtime;
	bool unique;
	enum gen_garbage garbage;
	unsigned int garbage_pct;
	u64 rng;

	unsigned long sent, regs, junk, failed, waits;
	u8 pkt[GEN_PKT_MAX];	/* GRE header, then NHRP */
};

static void gen_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -s SRC -d DST [-n COUNT] [-T SECS] [-r PPS] [-b BASE]\n"
		"          [-w WRAP] [-p PROTO] [-k KEY] [-a FILE] [-H HOLD] [-N]\n"
		"          [-g random|truncated|checksum|mix] [-G PERCENT] [-S SEED]\n"
		"  -s, -d   source and destination NBMA (IPv4)\n"
		"  -n       packets to send (default 1), -T at most SECS seconds\n"
		"  -r       packets per second, 0 = as fast as possible (default)\n"
		"  -b       first protocol address registered (default 10.0.1.1)\n"
		"  -w       register WRAP addresses over and over (default: no end)\n"
		"  -p       Dst Proto of the requests (default: the registered one)\n"
		"  -k       GRE key; -a file with the authentication secret\n"
		"  -H       holding time (default 600); -N no unique flag\n"
		"  -g       garbage kind, -G percentage of garbage (default 100)\n",
		prog);
	exit(2);
}

static u64 gen_rand(struct gen *g)
{
	/* xorshift64* */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545f4914f6cdd1dULL;
}

static u64 now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int parse_ip4(const char *s, u8 out[4])
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	memcpy(out, &a, 4);
	return 0;
}

static int read_secret(struct gen *g, const char *path)
{
	u8 buf[NHRP_AUTH_SECRET_MAX + 2];
	size_t len;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "nhrp_gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len > NHRP_AUTH_SECRET_MAX) {
		fprintf(stderr, "nhrp_gen: %s: the secret must be 1..%d bytes\n",
			path, NHRP_AUTH_SECRET_MAX);
		return -1;
	}
	memcpy(g->secret, buf, len);
	g->secret_len = len;
	return 0;
}

static unsigned int gre_header(struct gen *g)
{
	u8 *p = g->pkt;

	p[0] = (g->has_key ? GRE_FLAG_KEY : 0) >> 8;
	p[1] = 0;
	p[2] = NHRP_GRE_PROTO >> 8;
	p[3] = NHRP_GRE_PROTO & 0xff;
	if (!g->has_key)
		return 4;
	p[4] = g->key >> 24;
	p[5] = g->key >> 16;
	p[6] = g->key >> 8;
	p[7] = g->key;
	return 8;
}

/* Registration Request @idx, as a spoke sends it (Cisco extension order). */
static int build_reg(struct gen *g, u8 *buf, size_t size, unsigned long idx)
{
	static const u8 zero[4];
	u32 a = htonl(g->base + (g->wrap ? idx % g->wrap : idx));
	struct nhrp_cie cie, nat;
	struct nhrp_builder b;
	struct nhrp_msg hdr;
	u8 proto[4];

	memcpy(proto, &a, 4);
	nhrp_msg_init(&hdr, NHRP_REGISTRATION_REQUEST, NHRP_AFN_IPV4,
		      NHRP_PROTO_IPV4);
	hdr.flags = NHRP_FLAG_NAT | (g->unique ? NHRP_REG_FLAG_U : 0);
	hdr.request_id = idx + 1;
	hdr.src_nbma = g->src_nbma;
	hdr.src_proto = proto;
	hdr.dst_proto = g->dst_proto_set ? g->dst_proto : proto;

	memset(&cie, 0, sizeof(cie));
	cie.prefix_len = g->unique ? 0xff : 32;
	cie.mtu = GEN_MTU;
	cie.holding_time = g->holdtime;
	cie.preference = 255;

	/* The NAT CIE describes the NHS we register with. */
	memset(&nat, 0, sizeof(nat));
	nat.prefix_len = 32;
	nat.mtu = GEN_MTU;
	nat.preference = 255;
	nat.nbma_len = 4;
	nat.nbma = g->dst_nbma;
	nat.proto_len = 4;
	nat.proto = g->dst_proto_set ? g->dst_proto : zero;

	nhrp_build_start(&b, buf, size, &hdr);
	nhrp_build_cie(&b, &cie);
	nhrp_build_request_exts(&b, g->secret_len ? g->secret : NULL,
				g->secret_len, &nat, 1);
	return nhrp_build_finish(&b);
}

/* One packet nhrp_parse() refuses, of the configured kind. */
static int build_junk(struct gen *g, u8 *buf, size_t size, unsigned long idx)
{
	enum gen_garbage kind = g->garbage;
	struct nhrp_msg m;
	int len, i;

	if (kind == GEN_MIX)
		kind = GEN_RANDOM + gen_rand(g) % 3;
	do {
		switch (kind) {
		case GEN_TRUNCATED:
			len = build_reg(g, buf, size, idx);
			if (len < 0)
				return len;
			len = gen_rand(g) % len;
			break;
		case GEN_CHECKSUM:
			len = build_reg(g, buf, size, idx);
			if (len < 0)
				return len;
			buf[12] ^= 1 + gen_rand(g) % 255;
			break;
		default:
			len = 1 + gen_rand(g) % 256;
			for (i = 0; i < len; i++)
				buf[i] = gen_rand(g);
			break;
		}
	} while (!nhrp_parse(&m, buf, len, 0));
	return len;
}

/*
 * A raw socket fails with ENOBUFS rather than blocking when its packets
 * still queued in the underlay fill the send buffer: wait for room.
 */
static int gen_send(struct gen *g, unsigned int hlen, int len)
{
	struct pollfd pfd = { .fd = g->fd, .events = POLLOUT };
	int tries;

	for (tries = 0; ; tries++) {
		if (sendto(g->fd, g->pkt, hlen + len, 0,
			   (struct sockaddr *)&g->dst, sizeof(g->dst)) >= 0) {
			g->sent++;
			return 0;
		}
		if ((errno != ENOBUFS && errno != EAGAIN) ||
		    tries == GEN_WAIT_TRIES)
			break;
		g->waits++;
		poll(&pfd, 1, GEN_WAIT_MS / GEN_WAIT_TRIES);
	}
	if (!g->failed)
		fprintf(stderr, "nhrp_gen: sendto: %s\n", strerror(errno));
	g->failed++;
	return -1;
}

static int gen_socket(struct gen *g)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	int small = 4096;

	g->fd = socket(AF_INET, SOCK_RAW, IPPROTO_GRE);
	if (g->fd < 0) {
		fprintf(stderr, "nhrp_gen: raw GRE socket: %s\n", strerror(errno));
		return -1;
	}
	/* Replies come back to this socket; nobody reads them. */
	setsockopt(g->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memcpy(&src.sin_addr, g->src_nbma, 4);
	if (bind(g->fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
		fprintf(stderr, "nhrp_gen: bind: %s\n", strerror(errno));
		return -1;
	}
	g->dst.sin_family = AF_INET;
	memcpy(&g->dst.sin_addr, g->dst_nbma, 4);
	return 0;
}

static enum gen_garbage parse_garbage(const char *s)
{
	if (!strcmp(s, "random"))
		return GEN_RANDOM;
	if (!strcmp(s, "truncated"))
		return GEN_TRUNCATED;
	if (!strcmp(s, "checksum"))
		return GEN_CHECKSUM;
	if (!strcmp(s, "mix"))
		return GEN_MIX;
	return GEN_NONE;
}

int main(int argc, char **argv)
{
	static struct gen g = { .holdtime = 600, .unique = true,
				.garbage_pct = 100 };
	unsigned long count = 1, i, pps = 0;
	double max_secs = 0;
	u64 start, deadline, elapsed;
	unsigned int hlen;
	bool have_src = false, have_dst = false;
	u8 base[4] = { 10, 0, 1, 1 };
	u32 base_be;
	int c, len;

	g.rng = now_usec() ^ getpid();
	while ((c = getopt(argc, argv, "s:d:n:T:r:b:w:p:k:a:H:Ng:G:S:h")) != -1) {
		switch (c) {
		case 's':
			if (parse_ip4(optarg, g.src_nbma))
				gen_usage(argv[0]);
			have_src = true;
			break;
		case 'd':
			if (parse_ip4(optarg, g.dst_nbma))
				gen_usage(argv[0]);
			have_dst = true;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'T':
			max_secs = strtod(optarg, NULL);
			break;
		case 'r':
			pps = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			if (parse_ip4(optarg, base))
				gen_usage(argv[0]);
			break;
		case 'w':
			g.wrap = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			if (parse_ip4(optarg, g.dst_proto))
				gen_usage(argv[0]);
			g.dst_proto_set = true;
			break;
		case 'k':
			g.has_key = true;
			g.key = strtoul(optarg, NULL, 0);
			break;
		case 'a':
			if (read_secret(&g, optarg))
				return 1;
			break;
		case 'H':
			g.holdtime = strtoul(optarg, NULL, 0);
			break;
		case 'N':
			g.unique = false;
			break;
		case 'g':
			g.garbage = parse_garbage(optarg);
			if (g.garbage == GEN_NONE)
				gen_usage(argv[0]);
			break;
		case 'G':
			g.garbage_pct = strtoul(optarg, NULL, 0);
			if (g.garbage_pct > 100)
				gen_usage(argv[0]);
			break;
		case 'S':
			g.rng = strtoull(optarg, NULL, 0);
			break;
		default:
			gen_usage(argv[0]);
		}
	}
	if (!have_src || !have_dst || optind != argc)
		gen_usage(argv[0]);
	if (!g.rng)
		g.rng = 1;
	memcpy(&base_be, base, 4);
	g.base = ntohl(base_be);
	if (gen_socket(&g))
		return 1;

	hlen = gre_header(&g);
	start = now_usec();
	deadline = max_secs > 0 ? start + (u64)(max_secs * 1e6) : 0;
	for (i = 0; i < count; i++) {
		bool junk = g.garbage != GEN_NONE &&
			    gen_rand(&g) % 100 < g.garbage_pct;
		u8 *nhrp = g.pkt + hlen;
		size_t room = sizeof(g.pkt) - hlen;
		u64 t = now_usec();

		if (deadline && t >= deadline)
			break;
		if (pps) {
			u64 due = start + i * 1000000ULL / pps;

			if (due > t)
				usleep(due - t);
		}
		len = junk ? build_junk(&g, nhrp, room, i) :
			     build_reg(&g, nhrp, room, g.regs);
		if (len < 0) {
			fprintf(stderr, "nhrp_gen: build: %s\n", strerror(-len));
			return 1;
		}
		if (gen_send(&g, hlen, len))
			continue;
		if (junk)
			g.junk++;
		else
			g.regs++;
	}
	elapsed = now_usec() - start;
	printf("sent=%lu reg=%lu garbage=%lu failed=%lu waits=%lu usec=%llu pps=%llu\n",
	       g.sent, g.regs, g.junk, g.failed, g.waits,
	       (unsigned long long)elapsed,
	       (unsigned long long)(elapsed ? g.sent * 1000000ULL / elapsed :
				    0));
	close(g.fd);
	return g.failed ? 1 : 0;
}
