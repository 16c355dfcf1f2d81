// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpnctl: configure and inspect dmvpn devices (the NHRP cache, next hop
 * servers, NBMA peers, counters, events). Link attributes are set with
 * `ip link ... type dmvpn`.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "dmvpnctl.h"
#include "nl.h"

int json_output;
int pretty_output;

static const struct ctl_cmd cmds[] = {
	{ "show", cmd_show, "show [DEV]" },
	{ "cache", cmd_cache, "cache [DEV]" },
	{ "peers", cmd_peers, "peers [DEV]" },
	{ "stats", cmd_stats, "stats [DEV]" },
	{ "nhs", cmd_nhs, NHS_USAGE },
	{ "monitor", cmd_monitor, MONITOR_USAGE },
	{ "map", cmd_map, "map { add DEV PROTO[/PLEN] NBMA [multicast] [nhs] | del DEV PROTO[/PLEN] }" },
	{ "flush", cmd_flush, "flush DEV [static|dynamic|resolved|incomplete|negative|shortcut]" },
};

static const struct ctl_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	return NULL;
}

/*
 * -b FILE: one command per line on a single netlink socket, like
 * `ip -batch`; stops at the first failure and names its line.
 */
static int run_batch(const char *path)
{
	char line[1024], *argv[32];
	const struct ctl_cmd *c;
	int lineno = 0, rc = EXIT_OK, argc;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;

	if (!f) {
		perror(path);
		return EXIT_USAGE;
	}
	if (ctl_open()) {
		fclose(f);
		return EXIT_KERNEL;
	}
	while (rc == EXIT_OK && fgets(line, sizeof(line), f)) {
		lineno++;
		argc = 0;
		for (char *t = strtok(line, " \t\n"); t && argc < 31;
		     t = strtok(NULL, " \t\n"))
			argv[argc++] = t;
		if (!argc || argv[0][0] == '#')
			continue;
		c = find_cmd(argv[0]);
		rc = c ? c->fn(argc - 1, argv + 1) : EXIT_USAGE;
		if (rc)
			fprintf(stderr, "dmvpnctl: %s:%d: command failed\n", path, lineno);
	}
	ctl_close();
	if (f != stdin)
		fclose(f);
	return rc;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: dmvpnctl [-j|-p] COMMAND [ARGS]\n\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "\n  -j       JSON output\n"
		"  -p       the human layout even when stdout is not a terminal\n"
		"           (otherwise: one tab-separated line per object)\n"
		"  -b FILE  run the commands in FILE (- = stdin), one per line\n\n"
		"Exit status: 0 success, 1 the kernel refused or netlink failed,\n"
		"2 usage error.\n");
}

int main(int argc, char **argv)
{
	const struct ctl_cmd *c;
	int rc;

	/* People get the layout made for them, pipes the stable dump. */
	pretty_output = isatty(STDOUT_FILENO);
	argc--, argv++;
	while (argc && argv[0][0] == '-') {
		if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "--json")) {
			json_output = 1;
		} else if (!strcmp(argv[0], "-p") || !strcmp(argv[0], "--pretty")) {
			pretty_output = 1;
		} else if (!strcmp(argv[0], "-b") && argc > 1) {
			return run_batch(argv[1]);
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
	c = find_cmd(argv[0]);
	if (c) {
		if (argc > 1 && !strcmp(argv[1], "help")) {
			printf("Usage: dmvpnctl %s\n", c->usage);
			return EXIT_OK;
		}
		rc = c->fn(argc - 1, argv + 1);
		ctl_close();
		return rc;
	}
	fprintf(stderr, "dmvpnctl: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return EXIT_USAGE;
}
