// SPDX-License-Identifier: GPL-2.0
/*
 * monitor [DEV] [count N]: one line per event of the "events" group (NHS
 * up/down, entries learned, expired, purged), or one JSON object per line
 * with -j. stdout is flushed after every line so a pipe sees it at once.
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmvpnctl.h"
#include "nl.h"

struct monitor {
	uint32_t ifindex;	/* 0 = every device */
	long count;		/* events left to print, 0 = no limit */
};

static void event_text(const char *ev, const char *dev, struct nlattr **attrs)
{
	char pfx[72], fl[80];
	struct ctl_entry e;
	struct ctl_nhs n;

	printf("%s %s", ev, dev);
	if (!nhs_parse(attrs[DMVPN_A_NHS], &n)) {
		printf(" nbma %s proto %s", n.nbma, n.proto[0] ? n.proto : "dynamic");
		if (n.learned[0] && strcmp(n.learned, n.proto))
			printf(" learned-proto %s", n.learned);
		if (n.nat_nbma[0])
			printf(" nat-nbma %s", n.nat_nbma);
		if (n.has_last_code && n.last_code)
			printf(" last-code %u", n.last_code);
	} else if (!entry_parse(attrs[DMVPN_A_ENTRY], &e)) {
		snprintf(pfx, sizeof(pfx), "%s/%u", e.proto, e.plen);
		printf(" %s nbma %s %s%s", pfx, e.nbma[0] ? e.nbma : "-",
		       entry_type_name(e.type), flags_words(e.flags, fl, sizeof(fl)));
		if (e.claimed[0])
			printf(" nbma-claimed %s", e.claimed);
		if (e.via[0])
			printf(" via %s", e.via);
		if (e.has_expires)
			printf(" expires %us", e.expires);
	}
	putchar('\n');
}

static void event_json(const char *ev, const char *dev, uint32_t ifindex,
		       struct nlattr **attrs)
{
	json_object *o = json_object_new_object();
	struct ctl_entry e;
	struct ctl_nhs n;

	json_object_object_add(o, "event", json_object_new_string(ev));
	json_object_object_add(o, "ifname", json_object_new_string(dev));
	json_object_object_add(o, "ifindex", json_object_new_int64(ifindex));
	if (!nhs_parse(attrs[DMVPN_A_NHS], &n))
		nhs_json_fill(o, &n);
	else if (!entry_parse(attrs[DMVPN_A_ENTRY], &e))
		entry_json_fill(o, &e);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int on_event(struct nlattr **attrs, void *arg)
{
	struct monitor *m = arg;
	char dev[IF_NAMESIZE];
	uint32_t ifindex;
	const char *ev;

	if (!attrs[DMVPN_A_IFINDEX] || !attrs[DMVPN_A_EVENT])
		return 0;
	ifindex = nla_get_u32(attrs[DMVPN_A_IFINDEX]);
	if (m->ifindex && ifindex != m->ifindex)
		return 0;
	ev = event_name(nla_get_u8(attrs[DMVPN_A_EVENT]));
	/* The kernel's name: right even when the device is already gone. */
	if (attrs[DMVPN_A_IFNAME])
		snprintf(dev, sizeof(dev), "%s", nla_get_string(attrs[DMVPN_A_IFNAME]));
	else
		dev_name(ifindex, dev);
	if (json_output)
		event_json(ev, dev, ifindex, attrs);
	else
		event_text(ev, dev, attrs);
	fflush(stdout);
	return m->count && !--m->count;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { 0 };
	char *end;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "count")) {
			if (++i == argc)
				return usage_error(MONITOR_USAGE);
			m.count = strtol(argv[i], &end, 10);
			if (!*argv[i] || *end || m.count < 1)
				return usage_error(MONITOR_USAGE);
		} else if (!m.ifindex) {
			m.ifindex = dev_ifindex(argv[i]);
			if (!m.ifindex) {
				fprintf(stderr, "dmvpnctl: no such device: %s\n", argv[i]);
				return EXIT_KERNEL;
			}
		} else {
			return usage_error(MONITOR_USAGE);
		}
	}
	return ctl_monitor(on_event, &m) ? EXIT_KERNEL : EXIT_OK;
}
