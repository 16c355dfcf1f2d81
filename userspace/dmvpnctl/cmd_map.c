// SPDX-License-Identifier: GPL-2.0
/* map add|del and flush: the commands that change the cache. */
#include <string.h>
#include "dmvpnctl.h"
#include "nl.h"

#define MAP_USAGE "map { add DEV PROTO[/PLEN] NBMA [multicast] [nhs] | del DEV PROTO[/PLEN] }"
#define FLUSH_USAGE "flush DEV [static|dynamic|resolved|incomplete|negative|shortcut]"

static int put_dev(struct nl_msg *msg, const char *dev)
{
	return nla_put_string(msg, DMVPN_A_IFNAME, dev);
}

int cmd_map(int argc, char **argv)
{
	struct addr proto, nbma;
	struct nl_msg *msg;
	struct nlattr *nest;
	uint32_t flags = 0;
	int add, plen, i;

	if (argc < 3)
		return usage_error(MAP_USAGE);
	if (!strcmp(argv[0], "add"))
		add = 1;
	else if (!strcmp(argv[0], "del"))
		add = 0;
	else
		return usage_error(MAP_USAGE);
	if (prefix_parse(argv[2], &proto, &plen))
		return usage_error(MAP_USAGE);
	if (add) {
		if (argc < 4 || addr_parse(argv[3], &nbma))
			return usage_error(MAP_USAGE);
		for (i = 4; i < argc; i++) {
			if (!strcmp(argv[i], "multicast"))
				flags |= DMVPN_ENTRY_F_MULTICAST;
			else if (!strcmp(argv[i], "nhs"))
				flags |= DMVPN_ENTRY_F_NHS;
			else
				return usage_error(MAP_USAGE);
		}
	} else if (argc != 3) {
		return usage_error(MAP_USAGE);
	}

	msg = ctl_request(add ? DMVPN_CMD_MAP_ADD : DMVPN_CMD_MAP_DEL, 0);
	if (!msg || put_dev(msg, argv[1]))
		return EXIT_KERNEL;
	nest = nla_nest_start(msg, DMVPN_A_ENTRY);
	if (!nest || nla_put(msg, DMVPN_ENTRY_A_PROTO, proto.len, proto.bytes) ||
	    (plen >= 0 && nla_put_u8(msg, DMVPN_ENTRY_A_PREFIXLEN, plen)) ||
	    (add && nla_put(msg, DMVPN_ENTRY_A_NBMA, nbma.len, nbma.bytes)) ||
	    (add && nla_put_u32(msg, DMVPN_ENTRY_A_FLAGS, flags)))
		return EXIT_KERNEL;
	nla_nest_end(msg, nest);
	return ctl_do(msg) ? EXIT_KERNEL : EXIT_OK;
}

int cmd_flush(int argc, char **argv)
{
	struct nl_msg *msg;
	int type = 0, t;

	if (argc < 1 || argc > 2)
		return usage_error(FLUSH_USAGE);
	if (argc == 2) {
		for (t = DMVPN_ENTRY_STATIC; t <= DMVPN_ENTRY_MAX; t++)
			if (!strcmp(argv[1], entry_type_name(t)))
				type = t;
		if (!type)
			return usage_error(FLUSH_USAGE);
	}
	msg = ctl_request(DMVPN_CMD_FLUSH, 0);
	if (!msg || put_dev(msg, argv[0]) ||
	    (type && nla_put_u8(msg, DMVPN_A_FLUSH_TYPE, type)))
		return EXIT_KERNEL;
	return ctl_do(msg) ? EXIT_KERNEL : EXIT_OK;
}
