// SPDX-License-Identifier: GPL-2.0
/* nhs [DEV] | nhs add | nhs del: the next hop servers a spoke registers with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmvpnctl.h"
#include "nl.h"

static int nhs_change(int add, int argc, char **argv)
{
	struct addr proto = { 0 }, nbma;
	int dynamic = 0, i, prio = -1;
	struct nlattr *nest;
	struct nl_msg *msg;
	const char *a_nbma;
	char *end;
	long v;

	/* add DEV {PROTO|dynamic} NBMA [priority N] | del DEV NBMA */
	if (argc < (add ? 3 : 2) || (!add && argc != 2))
		return usage_error(NHS_USAGE);
	if (add) {
		if (!strcmp(argv[1], "dynamic"))
			dynamic = 1;
		else if (addr_parse(argv[1], &proto))
			return usage_error(NHS_USAGE);
		a_nbma = argv[2];
		for (i = 3; i < argc; i++) {
			if (strcmp(argv[i], "priority") || i + 1 == argc)
				return usage_error(NHS_USAGE);
			v = strtol(argv[++i], &end, 0);
			if (!*argv[i] || *end || v < 0 || v > 255) {
				fprintf(stderr, "dmvpnctl: priority must be 0..255\n");
				return EXIT_USAGE;
			}
			prio = v;
		}
	} else {
		a_nbma = argv[1];
	}
	if (addr_parse(a_nbma, &nbma))
		return usage_error(NHS_USAGE);

	msg = ctl_request(add ? DMVPN_CMD_NHS_ADD : DMVPN_CMD_NHS_DEL, 0);
	if (!msg)
		return EXIT_KERNEL;
	nest = NULL;
	if (nla_put_string(msg, DMVPN_A_IFNAME, argv[0]) ||
	    !(nest = nla_nest_start(msg, DMVPN_A_NHS)) ||
	    nla_put(msg, DMVPN_NHS_A_NBMA, nbma.len, nbma.bytes) ||
	    (add && !dynamic &&
	     nla_put(msg, DMVPN_NHS_A_PROTO, proto.len, proto.bytes)) ||
	    (prio >= 0 && nla_put_u8(msg, DMVPN_NHS_A_PRIORITY, prio))) {
		nlmsg_free(msg);
		return EXIT_KERNEL;
	}
	nla_nest_end(msg, nest);
	return ctl_do(msg) ? EXIT_KERNEL : EXIT_OK;
}

int cmd_nhs(int argc, char **argv)
{
	if (argc && !strcmp(argv[0], "add"))
		return nhs_change(1, argc - 1, argv + 1);
	if (argc && !strcmp(argv[0], "del"))
		return nhs_change(0, argc - 1, argv + 1);
	if (argc && (!strcmp(argv[0], "show") || !strcmp(argv[0], "list")))
		return cmd_nhs_list(argc - 1, argv + 1);
	return cmd_nhs_list(argc, argv);
}
