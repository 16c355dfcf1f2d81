// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpnctl: configure and inspect dmvpn devices (the NHRP cache, NBMA
 * peers, counters). Link attributes are set with `ip link ... type dmvpn`.
 */
#include <stdio.h>
#include <string.h>
#include "dmvpnctl.h"
#include "nl.h"

int json_output;

static const struct ctl_cmd cmds[] = {
	{ "show", cmd_show, "show [DEV]" },
	{ "cache", cmd_cache, "cache [DEV]" },
	{ "peers", cmd_peers, "peers [DEV]" },
	{ "stats", cmd_stats, "stats [DEV]" },
	{ "map", cmd_map, "map { add DEV PROTO[/PLEN] NBMA [multicast] [nhs] | del DEV PROTO[/PLEN] }" },
	{ "flush", cmd_flush, "flush DEV [static|dynamic|resolved|incomplete|negative]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: dmvpnctl [-j] COMMAND [ARGS]\n\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "\n  -j   JSON output\n\n"
		"Exit status: 0 success, 1 the kernel refused or netlink failed,\n"
		"2 usage error.\n");
}

int main(int argc, char **argv)
{
	size_t i;
	int rc;

	argc--, argv++;
	while (argc && argv[0][0] == '-') {
		if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "--json")) {
			json_output = 1;
		} else if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
		argc--, argv++;
	}
	if (!argc) {
		argv[0] = "show";
		argc = 1;
	}
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name))
			continue;
		if (argc > 1 && !strcmp(argv[1], "help")) {
			printf("Usage: dmvpnctl %s\n", cmds[i].usage);
			return EXIT_OK;
		}
		if (ctl_open())
			return EXIT_KERNEL;
		rc = cmds[i].fn(argc - 1, argv + 1);
		ctl_close();
		return rc;
	}
	fprintf(stderr, "dmvpnctl: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return EXIT_USAGE;
}
