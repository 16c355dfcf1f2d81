// SPDX-License-Identifier: GPL-2.0
/*
 * Cache entry and NHS nests: parsed in one place, turned into JSON and into
 * dump fields in one place each, so cache, nhs, show and monitor spell every
 * field the same way. The dump fields come in the order of the JSON keys.
 */
#include <stdio.h>
#include <string.h>
#include "dmvpnctl.h"
#include "nl.h"

static void addr_attr(struct nlattr *a, char *buf, size_t size)
{
	buf[0] = '\0';
	if (a && (nla_len(a) == 4 || nla_len(a) == 16))
		addr_format(nla_data(a), nla_len(a), buf, size);
}

static uint32_t opt_u32(struct nlattr *a, int *has)
{
	*has = !!a;
	return a ? nla_get_u32(a) : 0;
}

int entry_parse(struct nlattr *nest, struct ctl_entry *e)
{
	struct nlattr *tb[DMVPN_ENTRY_A_MAX + 1];

	memset(e, 0, sizeof(*e));
	if (!nest || nla_parse_nested(tb, DMVPN_ENTRY_A_MAX, nest, NULL) ||
	    !tb[DMVPN_ENTRY_A_PROTO])
		return -1;
	addr_attr(tb[DMVPN_ENTRY_A_PROTO], e->proto, sizeof(e->proto));
	e->host_len = nla_len(tb[DMVPN_ENTRY_A_PROTO]) * 8;
	e->plen = tb[DMVPN_ENTRY_A_PREFIXLEN] ?
		  nla_get_u8(tb[DMVPN_ENTRY_A_PREFIXLEN]) : e->host_len;
	addr_attr(tb[DMVPN_ENTRY_A_NBMA], e->nbma, sizeof(e->nbma));
	addr_attr(tb[DMVPN_ENTRY_A_NBMA_CLAIMED], e->claimed, sizeof(e->claimed));
	addr_attr(tb[DMVPN_ENTRY_A_VIA], e->via, sizeof(e->via));
	if (tb[DMVPN_ENTRY_A_TYPE])
		e->type = nla_get_u8(tb[DMVPN_ENTRY_A_TYPE]);
	if (tb[DMVPN_ENTRY_A_FLAGS])
		e->flags = nla_get_u32(tb[DMVPN_ENTRY_A_FLAGS]);
	e->expires = opt_u32(tb[DMVPN_ENTRY_A_EXPIRES], &e->has_expires);
	e->age = opt_u32(tb[DMVPN_ENTRY_A_AGE], &e->has_age);
	e->mtu = opt_u32(tb[DMVPN_ENTRY_A_MTU], &e->has_mtu);
	return 0;
}

static void add_str(json_object *o, const char *key, const char *s)
{
	if (s[0])
		json_object_object_add(o, key, json_object_new_string(s));
}

static void add_u32(json_object *o, const char *key, int has, uint32_t v)
{
	if (has)
		json_object_object_add(o, key, json_object_new_int64(v));
}

/* Adds the entry's keys to o: one object per entry, or a flat event. */
void entry_json_fill(json_object *o, const struct ctl_entry *e)
{
	json_object_object_add(o, "proto", json_object_new_string(e->proto));
	json_object_object_add(o, "prefixlen", json_object_new_int(e->plen));
	add_str(o, "nbma", e->nbma);
	json_object_object_add(o, "type",
			       json_object_new_string(entry_type_name(e->type)));
	json_object_object_add(o, "flags", flags_json(e->flags));
	add_u32(o, "expires", e->has_expires, e->expires);
	add_u32(o, "age", e->has_age, e->age);
	add_str(o, "nbma-claimed", e->claimed);
	add_str(o, "via", e->via);
	add_u32(o, "mtu", e->has_mtu, e->mtu);
}

/* proto prefixlen nbma type flags expires age nbma-claimed via mtu */
void entry_dump_fields(const struct ctl_entry *e)
{
	char fl[80];

	dump_str(e->proto);
	dump_num(1, e->plen);
	dump_str(e->nbma);
	dump_str(entry_type_name(e->type));
	dump_str(flags_list(e->flags, fl, sizeof(fl)));
	dump_num(e->has_expires, e->expires);
	dump_num(e->has_age, e->age);
	dump_str(e->claimed);
	dump_str(e->via);
	dump_num(e->has_mtu, e->mtu);
}

/* PROTO, or PROTO/PLEN when it is not a host entry. */
const char *entry_prefix(const struct ctl_entry *e, char *buf, size_t size)
{
	if (e->plen == e->host_len)
		snprintf(buf, size, "%s", e->proto);
	else
		snprintf(buf, size, "%s/%u", e->proto, e->plen);
	return buf;
}

static const char *const nhs_states[] = {
	[DMVPN_NHS_PROBING] = "probing",
	[DMVPN_NHS_UP] = "up",
	[DMVPN_NHS_DOWN] = "down",
};

const char *nhs_state_name(uint8_t state)
{
	if (state < sizeof(nhs_states) / sizeof(nhs_states[0]) && nhs_states[state])
		return nhs_states[state];
	return "unknown";
}

int nhs_parse(struct nlattr *nest, struct ctl_nhs *n)
{
	struct nlattr *tb[DMVPN_NHS_A_MAX + 1];
	int has;

	memset(n, 0, sizeof(*n));
	if (!nest || nla_parse_nested(tb, DMVPN_NHS_A_MAX, nest, NULL) ||
	    !tb[DMVPN_NHS_A_NBMA])
		return -1;
	addr_attr(tb[DMVPN_NHS_A_NBMA], n->nbma, sizeof(n->nbma));
	addr_attr(tb[DMVPN_NHS_A_PROTO], n->proto, sizeof(n->proto));
	addr_attr(tb[DMVPN_NHS_A_NAT_NBMA], n->nat_nbma, sizeof(n->nat_nbma));
	addr_attr(tb[DMVPN_NHS_A_LEARNED_PROTO], n->learned, sizeof(n->learned));
	if (tb[DMVPN_NHS_A_PRIORITY])
		n->priority = nla_get_u8(tb[DMVPN_NHS_A_PRIORITY]);
	if (tb[DMVPN_NHS_A_STATE])
		n->state = nla_get_u8(tb[DMVPN_NHS_A_STATE]);
	n->has_last_code = !!tb[DMVPN_NHS_A_LAST_CODE];
	if (n->has_last_code)
		n->last_code = nla_get_u8(tb[DMVPN_NHS_A_LAST_CODE]);
	n->uptime = opt_u32(tb[DMVPN_NHS_A_UPTIME], &n->has_uptime);
	n->expires = opt_u32(tb[DMVPN_NHS_A_EXPIRES], &n->has_expires);
	n->request_id = opt_u32(tb[DMVPN_NHS_A_REQUEST_ID], &n->has_request_id);
	n->sent = opt_u32(tb[DMVPN_NHS_A_SENT], &has);
	n->replies = opt_u32(tb[DMVPN_NHS_A_REPLIES], &has);
	return 0;
}

void nhs_json_fill(json_object *o, const struct ctl_nhs *n)
{
	json_object_object_add(o, "nbma", json_object_new_string(n->nbma));
	json_object_object_add(o, "proto", json_object_new_string(
		n->proto[0] ? n->proto : "dynamic"));
	json_object_object_add(o, "priority", json_object_new_int(n->priority));
	if (n->state)
		json_object_object_add(o, "state", json_object_new_string(
			nhs_state_name(n->state)));
	add_u32(o, "uptime", n->has_uptime, n->uptime);
	add_u32(o, "expires", n->has_expires, n->expires);
	add_u32(o, "request-id", n->has_request_id, n->request_id);
	add_u32(o, "last-code", n->has_last_code, n->last_code);
	add_str(o, "nat-nbma", n->nat_nbma);
	add_str(o, "learned-proto", n->learned);
	json_object_object_add(o, "sent", json_object_new_int64(n->sent));
	json_object_object_add(o, "replies", json_object_new_int64(n->replies));
}

/*
 * nbma proto priority state uptime expires request-id last-code nat-nbma
 * learned-proto sent replies
 */
void nhs_dump_fields(const struct ctl_nhs *n)
{
	dump_str(n->nbma);
	dump_str(n->proto[0] ? n->proto : "dynamic");
	dump_num(1, n->priority);
	dump_str(n->state ? nhs_state_name(n->state) : NULL);
	dump_num(n->has_uptime, n->uptime);
	dump_num(n->has_expires, n->expires);
	dump_num(n->has_request_id, n->request_id);
	dump_num(n->has_last_code, n->last_code);
	dump_str(n->nat_nbma);
	dump_str(n->learned);
	dump_num(1, n->sent);
	dump_num(1, n->replies);
}

/* hh:mm:ss, or NdHHh past a day (as Cisco prints long up times). */
const char *duration_format(uint32_t s, char *buf, size_t size)
{
	if (s >= 86400)
		snprintf(buf, size, "%ud%02uh", s / 86400, s / 3600 % 24);
	else
		snprintf(buf, size, "%02u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
	return buf;
}
