/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DMVPNCTL_H
#define DMVPNCTL_H

#include <stdint.h>
#include <json-c/json.h>
#include <linux/dmvpn.h>

/* Exit codes, documented in dmvpnctl(8). */
#define EXIT_OK		0
#define EXIT_KERNEL	1	/* the kernel refused or netlink failed */
#define EXIT_USAGE	2	/* bad command line */

extern int json_output;

struct ctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

/* addr.c */
struct addr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char bytes[16];
	int len;		/* 4 or 16 */
};
int addr_parse(const char *s, struct addr *a);
int prefix_parse(const char *s, struct addr *a, int *plen);
const char *addr_format(const void *bytes, int len, char *buf, size_t size);
int dev_ifindex(const char *name);
const char *dev_name(uint32_t ifindex, char *buf);

/* output.c: human text or, with -j, one JSON document */
json_object *out_begin_list(void);
void out_end(json_object *doc);
const char *flags_words(uint32_t flags, char *buf, size_t size);
json_object *flags_json(uint32_t flags);
const char *entry_type_name(uint8_t type);
int usage_error(const char *usage);

/* commands */
int cmd_map(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_peers(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_show(int argc, char **argv);

#endif
