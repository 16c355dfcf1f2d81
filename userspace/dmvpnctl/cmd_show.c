// SPDX-License-Identifier: GPL-2.0
/* cache, peers, stats and show: read-only views of the kernel state. */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmvpnctl.h"
#include "nl.h"

static const char *const stat_names[DMVPN_STATS_A_MAX + 1] = {
	[DMVPN_STATS_A_TX_NO_ENTRY] = "tx-no-entry",
	[DMVPN_STATS_A_TX_NO_ROUTE] = "tx-no-route",
	[DMVPN_STATS_A_TX_TOO_BIG] = "tx-too-big",
	[DMVPN_STATS_A_TX_LOOP] = "tx-loop",
	[DMVPN_STATS_A_TX_MCAST_COPIES] = "tx-mcast-copies",
	[DMVPN_STATS_A_RX_UNKNOWN_PEER] = "rx-unknown-peer",
	[DMVPN_STATS_A_RX_POLICY_DROP] = "rx-policy-drop",
	[DMVPN_STATS_A_RX_BAD_PROTO] = "rx-bad-proto",
	[DMVPN_STATS_A_RX_NHRP] = "rx-nhrp",
	[DMVPN_STATS_A_CACHE_FULL] = "cache-full",
	[DMVPN_STATS_A_PMTU_UPDATES] = "pmtu-updates",
	[DMVPN_STATS_A_CACHE_ENTRIES] = "cache-entries",
	[DMVPN_STATS_A_PEERS] = "peers",
};

struct view {
	json_object *doc;	/* JSON array, or NULL for text */
	int count;
};

/* Optional DEV argument: filter the dump by it. */
static struct nl_msg *dump_request(uint8_t cmd, int argc, char **argv)
{
	struct nl_msg *msg = ctl_request(cmd, 1);

	if (msg && argc > 0 && nla_put_string(msg, DMVPN_A_IFNAME, argv[0])) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int run_view(uint8_t cmd, int argc, char **argv, ctl_dump_fn fn,
		    const char *usage)
{
	struct view v = { .doc = out_begin_list() };
	struct nl_msg *msg;
	int err;

	if (argc > 1)
		return usage_error(usage);
	if (argc == 1 && !dev_ifindex(argv[0])) {
		fprintf(stderr, "dmvpnctl: no such device: %s\n", argv[0]);
		json_object_put(v.doc);
		return EXIT_KERNEL;
	}
	msg = dump_request(cmd, argc, argv);
	if (!msg)
		return EXIT_KERNEL;
	err = ctl_dump(msg, fn, &v);
	out_end(v.doc);
	return err ? EXIT_KERNEL : EXIT_OK;
}

static int show_entry(struct nlattr **attrs, void *arg)
{
	struct nlattr *e[DMVPN_ENTRY_A_MAX + 1];
	char dev[IF_NAMESIZE], p[64], nb[64] = "-", fl[64];
	struct view *v = arg;
	uint32_t flags;
	uint8_t type;

	if (!attrs[DMVPN_A_IFINDEX] || !attrs[DMVPN_A_ENTRY] ||
	    nla_parse_nested(e, DMVPN_ENTRY_A_MAX, attrs[DMVPN_A_ENTRY], NULL) ||
	    !e[DMVPN_ENTRY_A_PROTO])
		return 0;
	dev_name(nla_get_u32(attrs[DMVPN_A_IFINDEX]), dev);
	addr_format(nla_data(e[DMVPN_ENTRY_A_PROTO]), nla_len(e[DMVPN_ENTRY_A_PROTO]),
		    p, sizeof(p));
	if (e[DMVPN_ENTRY_A_NBMA])
		addr_format(nla_data(e[DMVPN_ENTRY_A_NBMA]),
			    nla_len(e[DMVPN_ENTRY_A_NBMA]), nb, sizeof(nb));
	flags = e[DMVPN_ENTRY_A_FLAGS] ? nla_get_u32(e[DMVPN_ENTRY_A_FLAGS]) : 0;
	type = e[DMVPN_ENTRY_A_TYPE] ? nla_get_u8(e[DMVPN_ENTRY_A_TYPE]) : 0;

	if (v->doc) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "dev", json_object_new_string(dev));
		json_object_object_add(o, "proto", json_object_new_string(p));
		json_object_object_add(o, "prefixlen", json_object_new_int(
			nla_get_u8(e[DMVPN_ENTRY_A_PREFIXLEN])));
		if (e[DMVPN_ENTRY_A_NBMA])
			json_object_object_add(o, "nbma", json_object_new_string(nb));
		json_object_object_add(o, "type",
				       json_object_new_string(entry_type_name(type)));
		json_object_object_add(o, "flags", flags_json(flags));
		if (e[DMVPN_ENTRY_A_EXPIRES])
			json_object_object_add(o, "expires", json_object_new_int64(
				nla_get_u32(e[DMVPN_ENTRY_A_EXPIRES])));
		if (e[DMVPN_ENTRY_A_AGE])
			json_object_object_add(o, "age", json_object_new_int64(
				nla_get_u32(e[DMVPN_ENTRY_A_AGE])));
		json_object_array_add(v->doc, o);
		return 0;
	}
	printf("%s/%u via %s dev %s %s%s", p, nla_get_u8(e[DMVPN_ENTRY_A_PREFIXLEN]),
	       nb, dev, entry_type_name(type), flags_words(flags, fl, sizeof(fl)));
	if (e[DMVPN_ENTRY_A_AGE])
		printf(" age %us", nla_get_u32(e[DMVPN_ENTRY_A_AGE]));
	if (e[DMVPN_ENTRY_A_EXPIRES])
		printf(" expires %us", nla_get_u32(e[DMVPN_ENTRY_A_EXPIRES]));
	putchar('\n');
	return 0;
}

int cmd_cache(int argc, char **argv)
{
	return run_view(DMVPN_CMD_CACHE_GET, argc, argv, show_entry, "cache [DEV]");
}

static uint64_t get_u64(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static int show_peer(struct nlattr **attrs, void *arg)
{
	struct nlattr *p[DMVPN_PEER_A_MAX + 1];
	char dev[IF_NAMESIZE], nb[64];
	struct view *v = arg;

	if (!attrs[DMVPN_A_IFINDEX] || !attrs[DMVPN_A_PEER] ||
	    nla_parse_nested(p, DMVPN_PEER_A_MAX, attrs[DMVPN_A_PEER], NULL) ||
	    !p[DMVPN_PEER_A_NBMA])
		return 0;
	dev_name(nla_get_u32(attrs[DMVPN_A_IFINDEX]), dev);
	addr_format(nla_data(p[DMVPN_PEER_A_NBMA]), nla_len(p[DMVPN_PEER_A_NBMA]),
		    nb, sizeof(nb));
	if (v->doc) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "dev", json_object_new_string(dev));
		json_object_object_add(o, "nbma", json_object_new_string(nb));
		json_object_object_add(o, "rx-packets", json_object_new_int64(
			get_u64(p[DMVPN_PEER_A_RX_PACKETS])));
		json_object_object_add(o, "rx-bytes", json_object_new_int64(
			get_u64(p[DMVPN_PEER_A_RX_BYTES])));
		json_object_object_add(o, "tx-packets", json_object_new_int64(
			get_u64(p[DMVPN_PEER_A_TX_PACKETS])));
		json_object_object_add(o, "tx-bytes", json_object_new_int64(
			get_u64(p[DMVPN_PEER_A_TX_BYTES])));
		if (p[DMVPN_PEER_A_PMTU])
			json_object_object_add(o, "pmtu", json_object_new_int64(
				nla_get_u32(p[DMVPN_PEER_A_PMTU])));
		if (p[DMVPN_PEER_A_AGE])
			json_object_object_add(o, "age", json_object_new_int64(
				nla_get_u32(p[DMVPN_PEER_A_AGE])));
		if (p[DMVPN_PEER_A_ENTRIES])
			json_object_object_add(o, "entries", json_object_new_int64(
				nla_get_u32(p[DMVPN_PEER_A_ENTRIES])));
		json_object_array_add(v->doc, o);
		return 0;
	}
	printf("%s dev %s entries %u rx %llu pkts %llu bytes tx %llu pkts %llu bytes",
	       nb, dev,
	       p[DMVPN_PEER_A_ENTRIES] ? nla_get_u32(p[DMVPN_PEER_A_ENTRIES]) : 0,
	       (unsigned long long)get_u64(p[DMVPN_PEER_A_RX_PACKETS]),
	       (unsigned long long)get_u64(p[DMVPN_PEER_A_RX_BYTES]),
	       (unsigned long long)get_u64(p[DMVPN_PEER_A_TX_PACKETS]),
	       (unsigned long long)get_u64(p[DMVPN_PEER_A_TX_BYTES]));
	if (p[DMVPN_PEER_A_PMTU])
		printf(" pmtu %u", nla_get_u32(p[DMVPN_PEER_A_PMTU]));
	if (p[DMVPN_PEER_A_AGE])
		printf(" age %us", nla_get_u32(p[DMVPN_PEER_A_AGE]));
	putchar('\n');
	return 0;
}

int cmd_peers(int argc, char **argv)
{
	return run_view(DMVPN_CMD_PEER_GET, argc, argv, show_peer, "peers [DEV]");
}

static int show_stats(struct nlattr **attrs, void *arg)
{
	struct nlattr *s[DMVPN_STATS_A_MAX + 1];
	struct view *v = arg;
	const char *dev;
	json_object *o = NULL;
	int i;

	if (!attrs[DMVPN_A_IFNAME] || !attrs[DMVPN_A_STATS] ||
	    nla_parse_nested(s, DMVPN_STATS_A_MAX, attrs[DMVPN_A_STATS], NULL))
		return 0;
	dev = nla_get_string(attrs[DMVPN_A_IFNAME]);
	if (v->doc) {
		o = json_object_new_object();
		json_object_object_add(o, "dev", json_object_new_string(dev));
	} else {
		printf("%s%s:\n", v->count ? "\n" : "", dev);
	}
	for (i = 0; i <= DMVPN_STATS_A_MAX; i++) {
		if (!stat_names[i] || !s[i])
			continue;
		if (o)
			json_object_object_add(o, stat_names[i],
					       json_object_new_int64(nla_get_u64(s[i])));
		else
			printf("  %-16s %llu\n", stat_names[i],
			       (unsigned long long)nla_get_u64(s[i]));
	}
	if (o)
		json_object_array_add(v->doc, o);
	v->count++;
	return 0;
}

/* With a DEV, -j prints one object rather than a list of one. */
int cmd_stats(int argc, char **argv)
{
	struct view v = { .doc = out_begin_list() };
	struct nl_msg *msg;
	int err;

	if (argc > 1)
		return usage_error("stats [DEV]");
	msg = ctl_request(DMVPN_CMD_DEV_GET, argc == 0);
	if (!msg || (argc && nla_put_string(msg, DMVPN_A_IFNAME, argv[0])))
		return EXIT_KERNEL;
	err = ctl_dump(msg, show_stats, &v);
	if (v.doc && argc == 1 && json_object_array_length(v.doc) == 1) {
		json_object *one = json_object_get(json_object_array_get_idx(v.doc, 0));

		json_object_put(v.doc);
		v.doc = one;
	}
	out_end(v.doc);
	return err ? EXIT_KERNEL : EXIT_OK;
}

/* show: Cisco "show dmvpn" layout, one line per (peer, tunnel address). */
struct show_row {
	uint32_t ifindex;
	char nbma[64];
	char proto[64];
	uint8_t plen;
	uint8_t type;
	uint32_t flags;
	uint32_t age;
};

struct show_rows {
	struct show_row *row;
	size_t n, cap;
};

static int collect_entry(struct nlattr **attrs, void *arg)
{
	struct nlattr *e[DMVPN_ENTRY_A_MAX + 1];
	struct show_rows *rows = arg;
	struct show_row *r;

	if (!attrs[DMVPN_A_IFINDEX] || !attrs[DMVPN_A_ENTRY] ||
	    nla_parse_nested(e, DMVPN_ENTRY_A_MAX, attrs[DMVPN_A_ENTRY], NULL) ||
	    !e[DMVPN_ENTRY_A_PROTO])
		return 0;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 64;
		struct show_row *nr = realloc(rows->row, cap * sizeof(*nr));

		if (!nr)
			return -1;
		rows->row = nr;
		rows->cap = cap;
	}
	r = &rows->row[rows->n++];
	memset(r, 0, sizeof(*r));
	r->ifindex = nla_get_u32(attrs[DMVPN_A_IFINDEX]);
	addr_format(nla_data(e[DMVPN_ENTRY_A_PROTO]), nla_len(e[DMVPN_ENTRY_A_PROTO]),
		    r->proto, sizeof(r->proto));
	strcpy(r->nbma, "-");
	if (e[DMVPN_ENTRY_A_NBMA])
		addr_format(nla_data(e[DMVPN_ENTRY_A_NBMA]),
			    nla_len(e[DMVPN_ENTRY_A_NBMA]), r->nbma, sizeof(r->nbma));
	if (e[DMVPN_ENTRY_A_PREFIXLEN])
		r->plen = nla_get_u8(e[DMVPN_ENTRY_A_PREFIXLEN]);
	if (e[DMVPN_ENTRY_A_TYPE])
		r->type = nla_get_u8(e[DMVPN_ENTRY_A_TYPE]);
	if (e[DMVPN_ENTRY_A_FLAGS])
		r->flags = nla_get_u32(e[DMVPN_ENTRY_A_FLAGS]);
	if (e[DMVPN_ENTRY_A_AGE])
		r->age = nla_get_u32(e[DMVPN_ENTRY_A_AGE]);
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct show_row *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return strcmp(x->nbma, y->nbma);
}

static const char *row_attrs(const struct show_row *r, char *buf)
{
	static const char type_letter[] = { 0, 'S', 'D', 'R', 'I', 'X', 'L' };
	char *p = buf;

	if (r->type < sizeof(type_letter) && type_letter[r->type])
		*p++ = type_letter[r->type];
	if (r->flags & DMVPN_ENTRY_F_NAT)
		*p++ = 'N';
	if (r->flags & DMVPN_ENTRY_F_MULTICAST)
		*p++ = 'M';
	if (r->flags & DMVPN_ENTRY_F_NHS)
		*p++ = 'H';
	*p = '\0';
	return buf;
}

int cmd_show(int argc, char **argv)
{
	struct show_rows rows = { 0 };
	char dev[IF_NAMESIZE], attrs[8], tunnel[72], count[24];
	uint32_t cur = 0;
	struct nl_msg *msg;
	size_t i, j;
	int err;

	if (json_output) {
		fprintf(stderr, "dmvpnctl: use -j with cache, peers or stats\n");
		return EXIT_USAGE;
	}
	if (argc > 1)
		return usage_error("show [DEV]");
	if (argc == 1 && !dev_ifindex(argv[0])) {
		fprintf(stderr, "dmvpnctl: no such device: %s\n", argv[0]);
		return EXIT_KERNEL;
	}
	msg = dump_request(DMVPN_CMD_CACHE_GET, argc, argv);
	if (!msg)
		return EXIT_KERNEL;
	err = ctl_dump(msg, collect_entry, &rows);
	if (err) {
		free(rows.row);
		return EXIT_KERNEL;
	}
	qsort(rows.row, rows.n, sizeof(*rows.row), row_cmp);
	printf("Legend: Attrb --> S - Static, D - Dynamic, R - Resolved,\n"
	       "        I - Incomplete, X - Negative, L - Local, N - NATed,\n"
	       "        M - Multicast, H - NHS\n");
	for (i = 0; i < rows.n; i = j) {
		const struct show_row *r = &rows.row[i];

		if (r->ifindex != cur) {
			cur = r->ifindex;
			printf("\nInterface: %s\n", dev_name(cur, dev));
			printf("%5s %-18s %-24s %-6s %9s %s\n", "# Ent",
			       "Peer NBMA Addr", "Peer Tunnel Addr", "State",
			       "Up time", "Attrb");
		}
		for (j = i; j < rows.n && rows.row[j].ifindex == cur &&
		     !strcmp(rows.row[j].nbma, r->nbma); j++)
			;
		for (size_t k = i; k < j; k++) {
			const struct show_row *e = &rows.row[k];
			int host = e->plen == (strchr(e->proto, ':') ? 128 : 32);

			snprintf(tunnel, sizeof(tunnel), host ? "%s" : "%s/%u",
				 e->proto, e->plen);
			printf("%5s %-18s %-24s %-6s %02u:%02u:%02u %s\n",
			       k == i ? (snprintf(count, sizeof(count), "%zu", j - i), count) : "",
			       k == i ? e->nbma : "", tunnel,
			       e->type == DMVPN_ENTRY_INCOMPLETE ? "NHRP" :
			       e->type == DMVPN_ENTRY_NEGATIVE ? "DOWN" : "UP",
			       e->age / 3600, e->age / 60 % 60, e->age % 60,
			       row_attrs(e, attrs));
		}
	}
	free(rows.row);
	return EXIT_OK;
}
