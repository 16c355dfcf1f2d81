/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DMVPNCTL_H
#define DMVPNCTL_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <linux/dmvpn.h>

/* Exit codes, documented in dmvpnctl(8). */
#define EXIT_OK		0
#define EXIT_KERNEL	1	/* the kernel refused or netlink failed */
#define EXIT_USAGE	2	/* bad command line */

extern int json_output;
extern int pretty_output;	/* human layout: stdout is a terminal, or -p */

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

/*
 * output.c: with -j one JSON document; else the human layout on a
 * terminal (or with -p), or the dump: one line per object, tab-separated
 * fields in a fixed order, the device first, "-" for an absent value.
 */
json_object *out_begin_list(void);
void out_end(json_object *doc);
void dump_begin(const char *dev);
void dump_str(const char *s);
void dump_num(int has, uint64_t v);
void dump_end(void);
const char *flags_words(uint32_t flags, char *buf, size_t size);
const char *flags_list(uint32_t flags, char *buf, size_t size);
json_object *flags_json(uint32_t flags);
const char *entry_type_name(uint8_t type);
int usage_error(const char *usage);

/* nest.c: entry and NHS nests, parsed and printed one way everywhere */
struct nlattr;
struct ctl_entry {
	char proto[48], nbma[48], claimed[48], via[48];
	uint8_t plen, host_len, type;
	uint32_t flags;
	int has_expires, has_age, has_mtu;
	uint32_t expires, age, mtu;
};
struct ctl_nhs {
	char nbma[48], proto[48], nat_nbma[48], learned[48];	/* "" = absent */
	uint8_t priority, state, last_code;
	int has_uptime, has_expires, has_request_id, has_last_code;
	uint32_t uptime, expires, request_id, sent, replies;
};
int entry_parse(struct nlattr *nest, struct ctl_entry *e);
void entry_json_fill(json_object *o, const struct ctl_entry *e);
void entry_dump_fields(const struct ctl_entry *e);
const char *entry_prefix(const struct ctl_entry *e, char *buf, size_t size);
int nhs_parse(struct nlattr *nest, struct ctl_nhs *n);
void nhs_json_fill(json_object *o, const struct ctl_nhs *n);
void nhs_dump_fields(const struct ctl_nhs *n);
const char *nhs_state_name(uint8_t state);
const char *duration_format(uint32_t s, char *buf, size_t size);
const char *event_name(uint8_t event);

/* commands */
#define NHS_USAGE "nhs [DEV] | nhs add DEV {PROTO|dynamic} NBMA [priority N] | nhs del DEV NBMA"
#define MONITOR_USAGE "monitor [DEV] [count N]"
int cmd_map(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_peers(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_nhs(int argc, char **argv);
int cmd_nhs_list(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

#endif
