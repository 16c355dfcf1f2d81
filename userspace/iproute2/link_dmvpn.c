// SPDX-License-Identifier: GPL-2.0
/*
 * iproute2 link plugin for dmvpn: `ip link add NAME type dmvpn ...`.
 * ip(8) loads link_dmvpn.so from its library directory (IP_LIB_DIR) and
 * resolves the helpers used here (addattr*, get_*, print_*) from itself.
 * Every keyword printed by `ip -d link show` is accepted as input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/dmvpn.h>
#include <linux/if_link.h>

#include "utils.h"
#include "ip_common.h"
#include "json_print.h"

static const struct {
	const char *name;
	__u32 flag;
} dmvpn_flags[] = {
	{ "redirect", DMVPN_F_REDIRECT },
	{ "shortcut", DMVPN_F_SHORTCUT },
	{ "unique", DMVPN_F_UNIQUE },
	{ "nat-ext", DMVPN_F_NAT_EXT },
	{ "server-only", DMVPN_F_SERVER_ONLY },
};

#define N_FLAGS (sizeof(dmvpn_flags) / sizeof(dmvpn_flags[0]))

static void dmvpn_print_help(struct link_util *lu, int argc, char **argv,
			     FILE *f)
{
	fprintf(f,
		"Usage: ... dmvpn [ local ADDR | local any ] [ dev PHYS_DEV ]\n"
		"                 [ key KEY | nokey ] [ ttl TTL | ttl inherit ]\n"
		"                 [ tos TOS | tos inherit ] [ network-id ID ]\n"
		"                 [ holdtime SECONDS ] [ registration-timeout SECONDS ]\n"
		"                 [ max-entries N ] [ authfile FILE | noauth ]\n"
		"                 [ max-send COUNT ] [ max-send-interval SECONDS ]\n"
		"                 [ redirect-timeout SECONDS ]\n"
		"                 [ nhs { PROTO | dynamic } nbma NBMA [ priority PRIO ] ]...\n"
		"                 [ nonhs ]\n"
		"                 [ [no]redirect ] [ [no]shortcut ] [ [no]unique ]\n"
		"                 [ [no]nat-ext ] [ [no]server-only ]\n"
		"\n"
		"Where: ADDR    := IPv4 or IPv6 NBMA address of this router\n"
		"       KEY     := { 0..4294967295 | DOTTED_QUAD }\n"
		"       TTL     := { 1..255 }  (default 64)\n"
		"       TOS     := { 0..255 }  (default 0)\n"
		"       ID      := NHRP network-id { 1..4294967295 } (default 1)\n"
		"       SECONDS := { 1..65535 }; holdtime default 7200,\n"
		"                  registration-timeout 0 = holdtime / 3\n"
		"       FILE    := file holding the NHRP authentication string (1..8 bytes)\n"
		"       COUNT   := NHRP packets sent at most per max-send-interval\n"
		"                  { 1..4294967295 } (default 1000); max-send-interval\n"
		"                  { 1..3600 } (default 10); redirect-timeout: at most\n"
		"                  one redirect per flow so often { 2..30 } (default 2)\n"
		"       PROTO   := tunnel address of a next hop server; dynamic = learn it\n"
		"       NBMA    := NBMA address of the next hop server\n"
		"       PRIO    := { 0..255 }, lower is preferred (default 0)\n"
		"       Every nhs given replaces the whole list (up to %d); nonhs clears it.\n",
		DMVPN_MAX_NHS);
}

/* Flags of an existing device, so `ip link set` changes only what it names. */
static __u32 dmvpn_current_flags(struct nlmsghdr *n)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg i;
	} req = {
		.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.n.nlmsg_flags = NLM_F_REQUEST,
		.n.nlmsg_type = RTM_GETLINK,
		.i.ifi_family = AF_UNSPEC,
		.i.ifi_index = ((struct ifinfomsg *)NLMSG_DATA(n))->ifi_index,
	};
	struct rtattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct rtattr *data[IFLA_DMVPN_MAX + 1];
	struct nlmsghdr *answer;
	__u32 flags = DMVPN_F_UNIQUE | DMVPN_F_NAT_EXT;
	int len;

	if (!req.i.ifi_index || rtnl_talk(&rth, &req.n, &answer) < 0)
		return flags;
	len = answer->nlmsg_len - NLMSG_LENGTH(sizeof(struct ifinfomsg));
	if (len >= 0) {
		parse_rtattr(tb, IFLA_MAX, IFLA_RTA(NLMSG_DATA(answer)), len);
		if (tb[IFLA_LINKINFO]) {
			parse_rtattr_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO]);
			if (li[IFLA_INFO_DATA]) {
				parse_rtattr_nested(data, IFLA_DMVPN_MAX,
						    li[IFLA_INFO_DATA]);
				if (data[IFLA_DMVPN_FLAGS])
					flags = rta_getattr_u32(data[IFLA_DMVPN_FLAGS]);
			}
		}
	}
	free(answer);
	return flags;
}

static void dmvpn_read_auth(struct nlmsghdr *n, const char *path)
{
	char buf[DMVPN_AUTH_MAXLEN + 2];
	size_t len;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "dmvpn: cannot read %s: %s\n", path, strerror(errno));
		exit(-1);
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len > DMVPN_AUTH_MAXLEN) {
		fprintf(stderr, "dmvpn: %s: the authentication string must be 1..%d bytes\n",
			path, DMVPN_AUTH_MAXLEN);
		exit(-1);
	}
	addattr_l(n, 1024, IFLA_DMVPN_AUTH, buf, len);
}

static __u32 dmvpn_parse_key(const char *arg)
{
	struct in_addr a;
	__u32 key;

	if (strchr(arg, '.')) {
		if (inet_pton(AF_INET, arg, &a) != 1)
			invarg("invalid key", arg);
		return ntohl(a.s_addr);
	}
	if (get_u32(&key, arg, 0))
		invarg("invalid key", arg);
	return key;
}

static int dmvpn_flag_word(const char *word, __u32 *flags)
{
	size_t i;
	int neg = !strncmp(word, "no", 2);

	for (i = 0; i < N_FLAGS; i++) {
		if (strcmp(word + (neg ? 2 : 0), dmvpn_flags[i].name))
			continue;
		if (neg)
			*flags &= ~dmvpn_flags[i].flag;
		else
			*flags |= dmvpn_flags[i].flag;
		return 1;
	}
	return 0;
}

static void dmvpn_put_u32(struct nlmsghdr *n, int type, const char *what,
			  const char *arg, __u32 min, __u32 max)
{
	__u32 v;

	if (get_u32(&v, arg, 0) || v < min || v > max)
		invarg(what, arg);
	addattr32(n, 1024, type, v);
}

/* One `nhs {PROTO|dynamic} nbma NBMA [priority N]` of the command line. */
struct dmvpn_nhs {
	inet_prefix proto;	/* bytelen 0 = dynamic */
	inet_prefix nbma;
	int priority;		/* -1 = kernel default */
};

static void dmvpn_put_nhs_list(struct nlmsghdr *n, const struct dmvpn_nhs *nhs,
			       int count)
{
	struct rtattr *list, *one;
	int i;

	/* NLA_F_NESTED: a strict kernel parser insists, a lenient one masks it. */
	list = addattr_nest(n, 1024, IFLA_DMVPN_NHS_LIST | NLA_F_NESTED);
	for (i = 0; i < count; i++) {
		one = addattr_nest(n, 1024, DMVPN_A_NHS | NLA_F_NESTED);
		addattr_l(n, 1024, DMVPN_NHS_A_NBMA, nhs[i].nbma.data,
			  nhs[i].nbma.bytelen);
		if (nhs[i].proto.bytelen)
			addattr_l(n, 1024, DMVPN_NHS_A_PROTO, nhs[i].proto.data,
				  nhs[i].proto.bytelen);
		if (nhs[i].priority >= 0)
			addattr8(n, 1024, DMVPN_NHS_A_PRIORITY, nhs[i].priority);
		addattr_nest_end(n, one);
	}
	addattr_nest_end(n, list);
}

static int dmvpn_parse_opt(struct link_util *lu, int argc, char **argv,
			   struct nlmsghdr *n)
{
	struct dmvpn_nhs nhs[DMVPN_MAX_NHS];
	int nhs_count = 0, nhs_given = 0;
	int create = n->nlmsg_flags & NLM_F_CREATE;
	__u32 flags = DMVPN_F_UNIQUE | DMVPN_F_NAT_EXT;
	int flags_given = 0;
	__u8 u8;

	for (; argc > 0; argc--, argv++) {
		if (!strcmp(*argv, "local")) {
			inet_prefix addr;

			NEXT_ARG();
			if (!strcmp(*argv, "any")) {
				__u32 any = 0;

				addattr_l(n, 1024, IFLA_DMVPN_LOCAL, &any, 4);
				continue;
			}
			if (get_addr(&addr, *argv, AF_UNSPEC))
				invarg("invalid local address", *argv);
			addattr_l(n, 1024, IFLA_DMVPN_LOCAL, addr.data, addr.bytelen);
		} else if (!strcmp(*argv, "dev")) {
			int ifindex;

			NEXT_ARG();
			ifindex = ll_name_to_index(*argv);
			if (!ifindex)
				invarg("no such underlay device", *argv);
			addattr32(n, 1024, IFLA_DMVPN_LINK, ifindex);
		} else if (!strcmp(*argv, "key")) {
			NEXT_ARG();
			addattr32(n, 1024, IFLA_DMVPN_KEY, dmvpn_parse_key(*argv));
		} else if (!strcmp(*argv, "nokey")) {
			addattr_l(n, 1024, IFLA_DMVPN_NOKEY, NULL, 0);
		} else if (!strcmp(*argv, "ttl")) {
			NEXT_ARG();
			if (!strcmp(*argv, "inherit"))
				u8 = 0;
			else if (get_u8(&u8, *argv, 0) || !u8)
				invarg("ttl must be 1..255 or inherit", *argv);
			addattr8(n, 1024, IFLA_DMVPN_TTL, u8);
		} else if (!strcmp(*argv, "tos")) {
			NEXT_ARG();
			if (!strcmp(*argv, "inherit"))
				u8 = 1;
			else if (get_u8(&u8, *argv, 0))
				invarg("tos must be 0..255 or inherit", *argv);
			addattr8(n, 1024, IFLA_DMVPN_TOS, u8);
		} else if (!strcmp(*argv, "network-id")) {
			NEXT_ARG();
			dmvpn_put_u32(n, IFLA_DMVPN_NETWORK_ID,
				      "network-id must be 1..4294967295", *argv,
				      1, 0xffffffff);
		} else if (!strcmp(*argv, "holdtime")) {
			NEXT_ARG();
			dmvpn_put_u32(n, IFLA_DMVPN_HOLDTIME,
				      "holdtime must be 1..65535", *argv, 1, 65535);
		} else if (!strcmp(*argv, "registration-timeout")) {
			NEXT_ARG();
			dmvpn_put_u32(n, IFLA_DMVPN_REG_TIMEOUT,
				      "registration-timeout must be 0..65535",
				      *argv, 0, 65535);
		} else if (!strcmp(*argv, "max-entries")) {
			NEXT_ARG();
			dmvpn_put_u32(n, IFLA_DMVPN_MAX_ENTRIES,
				      "max-entries must be 1..1048576", *argv,
				      1, DMVPN_MAX_MAX_ENTRIES);
		} else if (!strcmp(*argv, "max-send")) {
			NEXT_ARG();
			dmvpn_put_u32(n, IFLA_DMVPN_MAX_SEND,
				      "max-send must be a number", *argv,
				      0, 0xffffffff);
		} else if (!strcmp(*argv, "max-send-interval")) {
			NEXT_ARG();
			dmvpn_put_u32(n, IFLA_DMVPN_MAX_SEND_INTERVAL,
				      "max-send-interval must be a number of seconds",
				      *argv, 0, 0xffffffff);
		} else if (!strcmp(*argv, "redirect-timeout")) {
			NEXT_ARG();
			dmvpn_put_u32(n, IFLA_DMVPN_REDIRECT_TIMEOUT,
				      "redirect-timeout must be a number of seconds",
				      *argv, 0, 0xffffffff);
		} else if (!strcmp(*argv, "nhs")) {
			struct dmvpn_nhs *h = &nhs[nhs_count];

			if (nhs_count == DMVPN_MAX_NHS) {
				fprintf(stderr, "dmvpn: at most %d nhs\n", DMVPN_MAX_NHS);
				return -1;
			}
			memset(h, 0, sizeof(*h));
			h->priority = -1;
			NEXT_ARG();
			if (strcmp(*argv, "dynamic") &&
			    get_addr(&h->proto, *argv, AF_UNSPEC))
				invarg("nhs needs a tunnel address or dynamic", *argv);
			NEXT_ARG();
			if (strcmp(*argv, "nbma"))
				invarg("expected \"nbma NBMA\" after nhs", *argv);
			NEXT_ARG();
			if (get_addr(&h->nbma, *argv, AF_UNSPEC))
				invarg("invalid nhs nbma address", *argv);
			if (argc > 1 && !strcmp(argv[1], "priority")) {
				NEXT_ARG();
				NEXT_ARG();
				if (get_u8(&u8, *argv, 0))
					invarg("priority must be 0..255", *argv);
				h->priority = u8;
			}
			nhs_count++;
			nhs_given = 1;
		} else if (!strcmp(*argv, "nonhs")) {
			nhs_count = 0;
			nhs_given = 1;
		} else if (!strcmp(*argv, "authfile")) {
			NEXT_ARG();
			dmvpn_read_auth(n, *argv);
		} else if (!strcmp(*argv, "noauth")) {
			addattr_l(n, 1024, IFLA_DMVPN_NOAUTH, NULL, 0);
		} else if (!strcmp(*argv, "help")) {
			dmvpn_print_help(lu, argc, argv, stderr);
			return -1;
		} else {
			if (!flags_given && !create)
				flags = dmvpn_current_flags(n);
			if (!dmvpn_flag_word(*argv, &flags)) {
				fprintf(stderr, "dmvpn: unknown option \"%s\"\n", *argv);
				dmvpn_print_help(lu, argc, argv, stderr);
				return -1;
			}
			flags_given = 1;
		}
	}
	if (flags_given)
		addattr32(n, 1024, IFLA_DMVPN_FLAGS, flags);
	if (nhs_given)
		dmvpn_put_nhs_list(n, nhs, nhs_count);
	return 0;
}

static void dmvpn_print_u32(struct rtattr *a, const char *key, const char *fmt)
{
	if (a)
		print_uint(PRINT_ANY, key, fmt, rta_getattr_u32(a));
}

static void dmvpn_print_addr(struct rtattr *a, const char *key, const char *fmt)
{
	char buf[INET6_ADDRSTRLEN];
	int len = RTA_PAYLOAD(a);

	if (len != 4 && len != 16)
		return;
	inet_ntop(len == 4 ? AF_INET : AF_INET6, RTA_DATA(a), buf, sizeof(buf));
	print_string(PRINT_ANY, key, fmt, buf);
}

/* nhs PROTO|dynamic nbma NBMA priority N, as many times as configured. */
static void dmvpn_print_nhs(struct rtattr *list)
{
	struct rtattr *a, *nt[DMVPN_NHS_A_MAX + 1];
	int rem = RTA_PAYLOAD(list);

	open_json_array(PRINT_JSON, "nhs");
	for (a = RTA_DATA(list); RTA_OK(a, rem); a = RTA_NEXT(a, rem)) {
		if ((a->rta_type & NLA_TYPE_MASK) != DMVPN_A_NHS)
			continue;
		parse_rtattr_nested(nt, DMVPN_NHS_A_MAX, a);
		if (!nt[DMVPN_NHS_A_NBMA])
			continue;
		open_json_object(NULL);
		if (nt[DMVPN_NHS_A_PROTO])
			dmvpn_print_addr(nt[DMVPN_NHS_A_PROTO], "proto", "nhs %s ");
		else
			print_string(PRINT_ANY, "proto", "nhs %s ", "dynamic");
		dmvpn_print_addr(nt[DMVPN_NHS_A_NBMA], "nbma", "nbma %s ");
		if (nt[DMVPN_NHS_A_PRIORITY])
			print_uint(PRINT_ANY, "priority", "priority %u ",
				   rta_getattr_u8(nt[DMVPN_NHS_A_PRIORITY]));
		close_json_object();
	}
	close_json_array(PRINT_JSON, NULL);
}

static void dmvpn_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	char buf[INET6_ADDRSTRLEN];
	__u32 flags;
	size_t i;
	__u8 v;

	if (!tb)
		return;
	if (tb[IFLA_DMVPN_LOCAL]) {
		int len = RTA_PAYLOAD(tb[IFLA_DMVPN_LOCAL]);

		inet_ntop(len == 4 ? AF_INET : AF_INET6,
			  RTA_DATA(tb[IFLA_DMVPN_LOCAL]), buf, sizeof(buf));
		print_string(PRINT_ANY, "local", "local %s ",
			     strcmp(buf, "0.0.0.0") && strcmp(buf, "::") ? buf : "any");
	}
	if (tb[IFLA_DMVPN_LINK] && rta_getattr_u32(tb[IFLA_DMVPN_LINK]))
		print_string(PRINT_ANY, "link", "dev %s ",
			     ll_index_to_name(rta_getattr_u32(tb[IFLA_DMVPN_LINK])));
	dmvpn_print_u32(tb[IFLA_DMVPN_KEY], "key", "key %u ");
	if (tb[IFLA_DMVPN_TTL]) {
		v = rta_getattr_u8(tb[IFLA_DMVPN_TTL]);
		if (v)
			print_uint(PRINT_ANY, "ttl", "ttl %u ", v);
		else
			print_string(PRINT_ANY, "ttl", "ttl %s ", "inherit");
	}
	if (tb[IFLA_DMVPN_TOS]) {
		v = rta_getattr_u8(tb[IFLA_DMVPN_TOS]);
		if (v == 1)
			print_string(PRINT_ANY, "tos", "tos %s ", "inherit");
		else
			print_uint(PRINT_ANY, "tos", "tos %u ", v);
	}
	dmvpn_print_u32(tb[IFLA_DMVPN_NETWORK_ID], "network_id", "network-id %u ");
	dmvpn_print_u32(tb[IFLA_DMVPN_HOLDTIME], "holdtime", "holdtime %u ");
	dmvpn_print_u32(tb[IFLA_DMVPN_REG_TIMEOUT], "registration_timeout",
			"registration-timeout %u ");
	dmvpn_print_u32(tb[IFLA_DMVPN_MAX_ENTRIES], "max_entries", "max-entries %u ");
	dmvpn_print_u32(tb[IFLA_DMVPN_MAX_SEND], "max_send", "max-send %u ");
	dmvpn_print_u32(tb[IFLA_DMVPN_MAX_SEND_INTERVAL], "max_send_interval",
			"max-send-interval %u ");
	dmvpn_print_u32(tb[IFLA_DMVPN_REDIRECT_TIMEOUT], "redirect_timeout",
			"redirect-timeout %u ");
	if (tb[IFLA_DMVPN_NHS_LIST])
		dmvpn_print_nhs(tb[IFLA_DMVPN_NHS_LIST]);
	if (tb[IFLA_DMVPN_FLAGS]) {
		flags = rta_getattr_u32(tb[IFLA_DMVPN_FLAGS]);
		for (i = 0; i < N_FLAGS; i++) {
			int on = !!(flags & dmvpn_flags[i].flag);

			print_bool(PRINT_JSON, dmvpn_flags[i].name, NULL, on);
			print_string(PRINT_FP, NULL, "%s", on ? "" : "no");
			print_string(PRINT_FP, NULL, "%s ", dmvpn_flags[i].name);
		}
	}
	if (tb[IFLA_DMVPN_AUTH_SET])
		print_bool(PRINT_ANY, "auth", "auth ", true);
}

struct link_util dmvpn_link_util = {
	.id		= "dmvpn",
	.maxattr	= IFLA_DMVPN_MAX,
	.parse_opt	= dmvpn_parse_opt,
	.print_opt	= dmvpn_print_opt,
	.print_help	= dmvpn_print_help,
};
