// SPDX-License-Identifier: GPL-2.0
/*
 * cache, peers, stats, nhs and show: read-only views of the kernel state,
 * each in three forms: -j JSON, the human layout (a terminal, or -p) and
 * the dump for scripts (see output.c); dmvpnctl(8) lists the dump fields.
 */
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
	[DMVPN_STATS_A_NHRP_TX] = "nhrp-tx",
	[DMVPN_STATS_A_NHRP_TX_QUOTA] = "nhrp-tx-quota",
	[DMVPN_STATS_A_NHRP_TX_ERROR] = "nhrp-tx-error",
	[DMVPN_STATS_A_NHRP_RX_BACKLOG] = "nhrp-rx-backlog",
	[DMVPN_STATS_A_NHRP_RX_MALFORMED] = "nhrp-rx-malformed",
	[DMVPN_STATS_A_NHRP_RX_AUTH] = "nhrp-rx-auth",
	[DMVPN_STATS_A_NHRP_RX_UNSUPPORTED] = "nhrp-rx-unsupported",
	[DMVPN_STATS_A_NHRP_RX_HOP_LIMIT] = "nhrp-rx-hop-limit",
	[DMVPN_STATS_A_NHRP_RX_LOOP] = "nhrp-rx-loop",
	[DMVPN_STATS_A_NHRP_RX_UNSOLICITED] = "nhrp-rx-unsolicited",
	[DMVPN_STATS_A_NHRP_RX_ERROR_IND] = "nhrp-rx-error-ind",
	[DMVPN_STATS_A_NHRP_REG_ACCEPTED] = "nhrp-reg-accepted",
	[DMVPN_STATS_A_NHRP_REG_OUTSIDE] = "nhrp-reg-outside",
	[DMVPN_STATS_A_NHRP_REG_NOT_UNIQUE] = "nhrp-reg-not-unique",
	[DMVPN_STATS_A_NHRP_REG_FULL] = "nhrp-reg-full",
	[DMVPN_STATS_A_NHRP_REG_SENT] = "nhrp-reg-sent",
	[DMVPN_STATS_A_NHRP_REG_REFUSED] = "nhrp-reg-refused",
	[DMVPN_STATS_A_NHRP_RES_SENT] = "nhrp-res-sent",
	[DMVPN_STATS_A_NHRP_RES_FORWARDED] = "nhrp-res-forwarded",
	[DMVPN_STATS_A_NHRP_RES_ANSWERED] = "nhrp-res-answered",
	[DMVPN_STATS_A_NHRP_RES_NAK] = "nhrp-res-nak",
	[DMVPN_STATS_A_NHRP_RES_RESOLVED] = "nhrp-res-resolved",
	[DMVPN_STATS_A_NHRP_PURGE_RX] = "nhrp-purge-rx",
	[DMVPN_STATS_A_NHRP_PURGE_TX] = "nhrp-purge-tx",
	[DMVPN_STATS_A_NHRP_ERROR_TX] = "nhrp-error-tx",
	[DMVPN_STATS_A_TX_VIA_NHS] = "tx-via-nhs",
	[DMVPN_STATS_A_RES_PENDING_FULL] = "res-pending-full",
	[DMVPN_STATS_A_REDIRECT_TX] = "redirect-tx",
	[DMVPN_STATS_A_REDIRECT_SUPPRESSED] = "redirect-suppressed",
	[DMVPN_STATS_A_REDIRECT_DROPPED] = "redirect-dropped",
	[DMVPN_STATS_A_NHRP_TI_RX] = "nhrp-ti-rx",
	[DMVPN_STATS_A_NHRP_TI_REFUSED] = "nhrp-ti-refused",
	[DMVPN_STATS_A_NHRP_TI_BAD] = "nhrp-ti-bad",
	[DMVPN_STATS_A_SHORTCUT_FULL] = "shortcut-full",
	[DMVPN_STATS_A_SHORTCUT_REFUSED] = "shortcut-refused",
	[DMVPN_STATS_A_TX_SHORTCUT] = "tx-shortcut",
	[DMVPN_STATS_A_SHORTCUTS] = "shortcuts",
	[DMVPN_STATS_A_NHRP_RES_REFUSED] = "nhrp-res-refused",
	[DMVPN_STATS_A_NHRP_TX_REFUSAL_QUOTA] = "nhrp-tx-refusal-quota",
	[DMVPN_STATS_A_PEERS_FULL] = "peers-full",
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

/* cache: one block per entry, laid out like Cisco's "show ip nhrp". */
static int show_entry(struct nlattr **attrs, void *arg)
{
	char dev[IF_NAMESIZE], fl[80], t1[16], t2[16];
	struct view *v = arg;
	struct ctl_entry e;

	if (!attrs[DMVPN_A_IFINDEX] || entry_parse(attrs[DMVPN_A_ENTRY], &e))
		return 0;
	dev_name(nla_get_u32(attrs[DMVPN_A_IFINDEX]), dev);
	if (v->doc) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "dev", json_object_new_string(dev));
		entry_json_fill(o, &e);
		json_object_array_add(v->doc, o);
		return 0;
	}
	if (!pretty_output) {
		dump_begin(dev);
		entry_dump_fields(&e);
		dump_end();
		return 0;
	}
	printf("%s%s/%u", v->count++ ? "\n" : "", e.proto, e.plen);
	if (e.via[0])
		printf(" via %s", e.via);
	printf("\n   %s created %s, %s%s\n", dev,
	       e.has_age ? duration_format(e.age, t1, sizeof(t1)) : "-",
	       e.has_expires ? "expire " : "never expire",
	       e.has_expires ? duration_format(e.expires, t2, sizeof(t2)) : "");
	flags_words(e.flags, fl, sizeof(fl));
	printf("   Type: %s, Flags:%s\n", entry_type_name(e.type),
	       fl[0] ? fl : " none");
	printf("   NBMA address: %s\n", e.nbma[0] ? e.nbma : "-");
	if (e.claimed[0])
		printf("   (Claimed NBMA address: %s)\n", e.claimed);
	if (e.has_mtu)
		printf("   MTU: %u\n", e.mtu);
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
	if (!pretty_output) {
		/* nbma rx-packets rx-bytes tx-packets tx-bytes pmtu age entries */
		dump_begin(dev);
		dump_str(nb);
		dump_num(1, get_u64(p[DMVPN_PEER_A_RX_PACKETS]));
		dump_num(1, get_u64(p[DMVPN_PEER_A_RX_BYTES]));
		dump_num(1, get_u64(p[DMVPN_PEER_A_TX_PACKETS]));
		dump_num(1, get_u64(p[DMVPN_PEER_A_TX_BYTES]));
		dump_num(!!p[DMVPN_PEER_A_PMTU], p[DMVPN_PEER_A_PMTU] ?
			 nla_get_u32(p[DMVPN_PEER_A_PMTU]) : 0);
		dump_num(!!p[DMVPN_PEER_A_AGE], p[DMVPN_PEER_A_AGE] ?
			 nla_get_u32(p[DMVPN_PEER_A_AGE]) : 0);
		dump_num(!!p[DMVPN_PEER_A_ENTRIES], p[DMVPN_PEER_A_ENTRIES] ?
			 nla_get_u32(p[DMVPN_PEER_A_ENTRIES]) : 0);
		dump_end();
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
	} else if (pretty_output) {
		printf("%s%s:\n", v->count ? "\n" : "", dev);
	}
	/* The dump: one line per counter, "DEV NAME VALUE", in uapi order. */
	for (i = 0; i <= DMVPN_STATS_A_MAX; i++) {
		if (!stat_names[i] || !s[i])
			continue;
		if (o) {
			json_object_object_add(o, stat_names[i],
					       json_object_new_int64(nla_get_u64(s[i])));
		} else if (pretty_output) {
			printf("  %-20s %llu\n", stat_names[i],
			       (unsigned long long)nla_get_u64(s[i]));
		} else {
			dump_begin(dev);
			dump_str(stat_names[i]);
			dump_num(1, nla_get_u64(s[i]));
			dump_end();
		}
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

/* nhs: the next hop servers of spokes, one row per NHS. */
struct nhs_view {
	json_object *doc;
	uint32_t ifindex;	/* device of the last row printed */
};

static const char *opt_num(int has, uint32_t v, char *buf, size_t size)
{
	if (has)
		snprintf(buf, size, "%u", v);
	else
		snprintf(buf, size, "-");
	return buf;
}

static int show_nhs(struct nlattr **attrs, void *arg)
{
	char dev[IF_NAMESIZE], up[16], exp[16], rid[16], code[8];
	struct nhs_view *v = arg;
	struct ctl_nhs n;
	uint32_t ifindex;

	if (!attrs[DMVPN_A_IFINDEX] || nhs_parse(attrs[DMVPN_A_NHS], &n))
		return 0;
	ifindex = nla_get_u32(attrs[DMVPN_A_IFINDEX]);
	dev_name(ifindex, dev);
	if (v->doc) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "dev", json_object_new_string(dev));
		nhs_json_fill(o, &n);
		json_object_array_add(v->doc, o);
		return 0;
	}
	if (!pretty_output) {
		dump_begin(dev);
		nhs_dump_fields(&n);
		dump_end();
		return 0;
	}
	if (ifindex != v->ifindex) {
		printf("%sInterface: %s\n", v->ifindex ? "\n" : "", dev);
		printf("%-18s %-18s %8s %-7s %8s %8s %10s %9s %-18s %-18s %6s %7s\n",
		       "nbma", "proto", "priority", "state", "uptime", "expires",
		       "request-id", "last-code", "nat-nbma", "learned-proto",
		       "sent", "replies");
		v->ifindex = ifindex;
	}
	printf("%-18s %-18s %8u %-7s %8s %8s %10s %9s %-18s %-18s %6u %7u\n",
	       n.nbma, n.proto[0] ? n.proto : "dynamic", n.priority,
	       nhs_state_name(n.state),
	       n.has_uptime ? duration_format(n.uptime, up, sizeof(up)) : "-",
	       opt_num(n.has_expires, n.expires, exp, sizeof(exp)),
	       opt_num(n.has_request_id, n.request_id, rid, sizeof(rid)),
	       opt_num(n.has_last_code, n.last_code, code, sizeof(code)),
	       n.nat_nbma[0] ? n.nat_nbma : "-",
	       n.learned[0] ? n.learned : "-", n.sent, n.replies);
	return 0;
}

int cmd_nhs_list(int argc, char **argv)
{
	struct nhs_view v = { .doc = out_begin_list() };
	struct nl_msg *msg;
	int err;

	if (argc > 1)
		return usage_error(NHS_USAGE);
	if (argc == 1 && !dev_ifindex(argv[0])) {
		fprintf(stderr, "dmvpnctl: no such device: %s\n", argv[0]);
		json_object_put(v.doc);
		return EXIT_KERNEL;
	}
	msg = dump_request(DMVPN_CMD_NHS_GET, argc, argv);
	if (!msg) {
		json_object_put(v.doc);
		return EXIT_KERNEL;
	}
	err = ctl_dump(msg, show_nhs, &v);
	out_end(v.doc);
	return err ? EXIT_KERNEL : EXIT_OK;
}

/*
 * show: Cisco "show dmvpn". Per device its role (a spoke has at least one
 * NHS), the NHSes with their registration state, then one row per
 * (peer, tunnel address).
 */
struct show_dev {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
};

struct show_row {
	uint32_t ifindex;
	union {
		struct ctl_entry e;
		struct ctl_nhs n;
	};
};

struct show_list {
	void *v;
	size_t n, cap, size;
};

static void *list_add(struct show_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *nv = realloc(l->v, cap * l->size);

		if (!nv)
			return NULL;
		l->v = nv;
		l->cap = cap;
	}
	return memset((char *)l->v + l->n++ * l->size, 0, l->size);
}

static int collect_dev(struct nlattr **attrs, void *arg)
{
	struct show_dev *d;

	if (!attrs[DMVPN_A_IFINDEX] || !attrs[DMVPN_A_IFNAME])
		return 0;
	d = list_add(arg);
	if (!d)
		return -1;
	d->ifindex = nla_get_u32(attrs[DMVPN_A_IFINDEX]);
	snprintf(d->name, sizeof(d->name), "%s", nla_get_string(attrs[DMVPN_A_IFNAME]));
	return 0;
}

static int collect_entry(struct nlattr **attrs, void *arg)
{
	struct ctl_entry e;
	struct show_row *r;

	if (!attrs[DMVPN_A_IFINDEX] || entry_parse(attrs[DMVPN_A_ENTRY], &e))
		return 0;
	r = list_add(arg);
	if (!r)
		return -1;
	r->ifindex = nla_get_u32(attrs[DMVPN_A_IFINDEX]);
	r->e = e;
	return 0;
}

static int collect_nhs(struct nlattr **attrs, void *arg)
{
	struct ctl_nhs n;
	struct show_row *r;

	if (!attrs[DMVPN_A_IFINDEX] || nhs_parse(attrs[DMVPN_A_NHS], &n))
		return 0;
	r = list_add(arg);
	if (!r)
		return -1;
	r->ifindex = nla_get_u32(attrs[DMVPN_A_IFINDEX]);
	r->n = n;
	return 0;
}

static int dev_cmp(const void *a, const void *b)
{
	const struct show_dev *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/* Incomplete entries (no NBMA yet) sort last within their device. */
static int row_cmp(const void *a, const void *b)
{
	const struct show_row *x = a, *y = b;
	int c;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (!x->e.nbma[0] != !y->e.nbma[0])
		return x->e.nbma[0] ? -1 : 1;
	c = strcmp(x->e.nbma, y->e.nbma);
	return c ? c : strcmp(x->e.proto, y->e.proto);
}

static const char *row_attrs(const struct ctl_entry *e, char *buf)
{
	static const char type_letter[] = { 0, 'S', 'D', 'R', 'I', 'X', 'L', 'T' };
	char *p = buf;

	if (e->type < sizeof(type_letter) && type_letter[e->type])
		*p++ = type_letter[e->type];
	if (e->flags & DMVPN_ENTRY_F_NAT)
		*p++ = 'N';
	if (e->flags & DMVPN_ENTRY_F_UNIQUE)
		*p++ = 'U';
	if (e->flags & DMVPN_ENTRY_F_NHS)
		*p++ = 'H';
	if (e->flags & DMVPN_ENTRY_F_MULTICAST)
		*p++ = 'M';
	*p = '\0';
	return buf;
}

/*
 * UP for an entry that leads to a live peer; an NHS entry takes the state
 * of its registration; pending and failed resolutions say so.
 */
static const char *row_state(const struct show_row *r,
			     const struct show_list *nhs)
{
	const struct show_row *n = nhs->v;
	size_t i;

	if (r->e.type == DMVPN_ENTRY_INCOMPLETE)
		return "INCOMPLETE";
	if (r->e.type == DMVPN_ENTRY_NEGATIVE)
		return "NEGATIVE";
	for (i = 0; i < nhs->n; i++) {
		if (n[i].ifindex != r->ifindex || strcmp(n[i].n.nbma, r->e.nbma))
			continue;
		if (n[i].n.state == DMVPN_NHS_PROBING)
			return "PROBING";
		if (n[i].n.state == DMVPN_NHS_DOWN)
			return "DOWN";
		break;
	}
	return "UP";
}

static void show_dev_text(const struct show_dev *d, const struct show_list *nhs,
			  const struct show_list *rows)
{
	const struct show_row *n = nhs->v, *r = rows->v;
	char t[16], tunnel[72], attrs[8], count[24];
	size_t i, j, k, nn = 0, up = 0, peers = 0, ents = 0;

	for (i = 0; i < nhs->n; i++)
		if (n[i].ifindex == d->ifindex) {
			nn++;
			up += n[i].n.state == DMVPN_NHS_UP;
		}
	for (i = 0; i < rows->n; i++)
		if (r[i].ifindex == d->ifindex) {
			ents++;
			peers += r[i].e.nbma[0] && (i == 0 || r[i - 1].ifindex != d->ifindex ||
						   strcmp(r[i - 1].e.nbma, r[i].e.nbma));
		}
	printf("\nInterface: %s, type: %s, NHS: %zu (%zu up), peers: %zu, entries: %zu\n",
	       d->name, nn ? "spoke" : "hub", nn, up, peers, ents);
	for (i = 0; i < nhs->n; i++) {
		const struct ctl_nhs *h = &n[i].n;

		if (n[i].ifindex != d->ifindex)
			continue;
		printf("  NHS %s (%s", h->nbma, h->proto[0] ? h->proto : "dynamic");
		if (!h->proto[0] && h->learned[0])
			printf(" -> %s", h->learned);
		printf(") priority %u: %s", h->priority, nhs_state_name(h->state));
		if (h->has_uptime)
			printf(" %s", duration_format(h->uptime, t, sizeof(t)));
		if (h->has_expires)
			printf(", expires %s", duration_format(h->expires, t, sizeof(t)));
		if (h->nat_nbma[0])
			printf(", NATed as %s", h->nat_nbma);
		if (h->has_last_code && h->last_code)
			printf(", last code %u", h->last_code);
		putchar('\n');
	}
	if (!ents)
		return;
	printf("\n%5s %-18s %-24s %-10s %9s %s\n", "# Ent", "Peer NBMA Addr",
	       "Peer Tunnel Addr", "State", "Up time", "Attrb");
	for (i = 0; i < rows->n; i = j) {
		if (r[i].ifindex != d->ifindex) {
			j = i + 1;
			continue;
		}
		for (j = i; j < rows->n && r[j].ifindex == d->ifindex &&
		     !strcmp(r[j].e.nbma, r[i].e.nbma); j++)
			;
		snprintf(count, sizeof(count), "%zu", j - i);
		for (k = i; k < j; k++) {
			const struct ctl_entry *e = &r[k].e;

			printf("%5s %-18s %-24s %-10s %9s %s\n",
			       k == i ? count : "",
			       k == i ? (e->nbma[0] ? e->nbma : "-") : "",
			       entry_prefix(e, tunnel, sizeof(tunnel)),
			       row_state(&r[k], nhs),
			       duration_format(e->age, t, sizeof(t)),
			       row_attrs(e, attrs));
		}
	}
}

/*
 * The dump of show: per device an "interface" line (type, NHSes, of them
 * up, peers, entries), an "nhs" line per NHS with the fields of `nhs`, an
 * "entry" line per row with the fields of `cache`, then state and attrs.
 */
static void show_dev_dump(const struct show_dev *d, const struct show_list *nhs,
			  const struct show_list *rows)
{
	const struct show_row *n = nhs->v, *r = rows->v;
	size_t i, nn = 0, up = 0, peers = 0, ents = 0;
	char attrs[8];

	for (i = 0; i < nhs->n; i++)
		if (n[i].ifindex == d->ifindex) {
			nn++;
			up += n[i].n.state == DMVPN_NHS_UP;
		}
	for (i = 0; i < rows->n; i++)
		if (r[i].ifindex == d->ifindex) {
			ents++;
			peers += r[i].e.nbma[0] && (i == 0 || r[i - 1].ifindex != d->ifindex ||
						   strcmp(r[i - 1].e.nbma, r[i].e.nbma));
		}
	dump_begin(d->name);
	dump_str("interface");
	dump_str(nn ? "spoke" : "hub");
	dump_num(1, nn);
	dump_num(1, up);
	dump_num(1, peers);
	dump_num(1, ents);
	dump_end();
	for (i = 0; i < nhs->n; i++) {
		if (n[i].ifindex != d->ifindex)
			continue;
		dump_begin(d->name);
		dump_str("nhs");
		nhs_dump_fields(&n[i].n);
		dump_end();
	}
	for (i = 0; i < rows->n; i++) {
		if (r[i].ifindex != d->ifindex)
			continue;
		dump_begin(d->name);
		dump_str("entry");
		entry_dump_fields(&r[i].e);
		dump_str(row_state(&r[i], nhs));
		dump_str(row_attrs(&r[i].e, attrs));
		dump_end();
	}
}

static json_object *show_dev_json(const struct show_dev *d,
				  const struct show_list *nhs,
				  const struct show_list *rows)
{
	const struct show_row *n = nhs->v, *r = rows->v;
	json_object *o = json_object_new_object(), *hl = json_object_new_array();
	json_object *pl = json_object_new_array(), *peer = NULL, *ents = NULL;
	char attrs[8];
	size_t i;

	json_object_object_add(o, "ifname", json_object_new_string(d->name));
	json_object_object_add(o, "ifindex", json_object_new_int64(d->ifindex));
	for (i = 0; i < nhs->n; i++) {
		json_object *h;

		if (n[i].ifindex != d->ifindex)
			continue;
		h = json_object_new_object();
		nhs_json_fill(h, &n[i].n);
		json_object_array_add(hl, h);
	}
	json_object_object_add(o, "type", json_object_new_string(
		json_object_array_length(hl) ? "spoke" : "hub"));
	json_object_object_add(o, "nhs", hl);
	for (i = 0; i < rows->n; i++) {
		const struct ctl_entry *e = &r[i].e;
		json_object *eo;

		if (r[i].ifindex != d->ifindex)
			continue;
		if (!peer || i == 0 || r[i - 1].ifindex != d->ifindex ||
		    strcmp(r[i - 1].e.nbma, e->nbma)) {
			peer = json_object_new_object();
			json_object_object_add(peer, "nbma", e->nbma[0] ?
					       json_object_new_string(e->nbma) : NULL);
			ents = json_object_new_array();
			json_object_object_add(peer, "entries", ents);
			json_object_array_add(pl, peer);
		}
		eo = json_object_new_object();
		entry_json_fill(eo, e);
		json_object_object_add(eo, "state", json_object_new_string(
			row_state(&r[i], nhs)));
		json_object_object_add(eo, "attrs", json_object_new_string(
			row_attrs(e, attrs)));
		json_object_array_add(ents, eo);
	}
	json_object_object_add(o, "peers", pl);
	return o;
}

int cmd_show(int argc, char **argv)
{
	struct show_list devs = { .size = sizeof(struct show_dev) };
	struct show_list nhs = { .size = sizeof(struct show_row) };
	struct show_list rows = { .size = sizeof(struct show_row) };
	json_object *doc = out_begin_list();
	struct nl_msg *msg;
	size_t i;
	int err;

	if (argc > 1) {
		json_object_put(doc);
		return usage_error("show [DEV]");
	}
	if (argc == 1 && !dev_ifindex(argv[0])) {
		fprintf(stderr, "dmvpnctl: no such device: %s\n", argv[0]);
		json_object_put(doc);
		return EXIT_KERNEL;
	}
	msg = ctl_request(DMVPN_CMD_DEV_GET, argc == 0);
	err = !msg || (argc && nla_put_string(msg, DMVPN_A_IFNAME, argv[0]));
	if (!err)
		err = ctl_dump(msg, collect_dev, &devs);
	if (!err) {
		msg = dump_request(DMVPN_CMD_NHS_GET, argc, argv);
		err = !msg || ctl_dump(msg, collect_nhs, &nhs);
	}
	if (!err) {
		msg = dump_request(DMVPN_CMD_CACHE_GET, argc, argv);
		err = !msg || ctl_dump(msg, collect_entry, &rows);
	}
	if (err) {
		json_object_put(doc);
		goto out;
	}
	qsort(devs.v, devs.n, devs.size, dev_cmp);
	qsort(rows.v, rows.n, rows.size, row_cmp);
	if (!doc && pretty_output)
		printf("Legend: Attrb --> S - Static, D - Dynamic, R - Resolved,\n"
		       "        I - Incomplete, X - Negative, L - Local,\n"
		       "        T - Shortcut (next-hop override), N - NATed,\n"
		       "        U - Unique, H - NHS, M - Multicast\n");
	for (i = 0; i < devs.n; i++) {
		const struct show_dev *d = (struct show_dev *)devs.v + i;

		if (doc)
			json_object_array_add(doc, show_dev_json(d, &nhs, &rows));
		else if (pretty_output)
			show_dev_text(d, &nhs, &rows);
		else
			show_dev_dump(d, &nhs, &rows);
	}
	out_end(doc);
out:
	free(devs.v);
	free(nhs.v);
	free(rows.v);
	return err ? EXIT_KERNEL : EXIT_OK;
}
