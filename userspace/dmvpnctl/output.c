// SPDX-License-Identifier: GPL-2.0
/* Shared output helpers: flag and type names, the JSON document, the dump. */
#include <stdio.h>
#include <string.h>
#include "dmvpnctl.h"

static const char *const flag_names[] = {
	"multicast", "nhs", "unique", "nat", "used", "router",
};

static const char *const event_names[] = {
	[DMVPN_EVENT_NHS_UP] = "nhs-up",
	[DMVPN_EVENT_NHS_DOWN] = "nhs-down",
	[DMVPN_EVENT_ENTRY_NEW] = "entry-new",
	[DMVPN_EVENT_ENTRY_EXPIRED] = "entry-expired",
	[DMVPN_EVENT_ENTRY_PURGED] = "entry-purged",
	[DMVPN_EVENT_SHORTCUT_NEW] = "shortcut-new",
	[DMVPN_EVENT_SHORTCUT_EXPIRED] = "shortcut-expired",
	[DMVPN_EVENT_SHORTCUT_PURGED] = "shortcut-purged",
};

static const char *const type_names[] = {
	[DMVPN_ENTRY_STATIC] = "static",
	[DMVPN_ENTRY_DYNAMIC] = "dynamic",
	[DMVPN_ENTRY_RESOLVED] = "resolved",
	[DMVPN_ENTRY_INCOMPLETE] = "incomplete",
	[DMVPN_ENTRY_NEGATIVE] = "negative",
	[DMVPN_ENTRY_LOCAL] = "local",
	[DMVPN_ENTRY_SHORTCUT] = "shortcut",
};

const char *entry_type_name(uint8_t type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return "unknown";
}

const char *event_name(uint8_t event)
{
	if (event < sizeof(event_names) / sizeof(event_names[0]) && event_names[event])
		return event_names[event];
	return "unknown";
}

const char *flags_words(uint32_t flags, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & (1U << i))
			n += snprintf(buf + n, n < size ? size - n : 0, " %s",
				      flag_names[i]);
	return buf;
}

/* "nat,unique", or "-" without flags: one dump field. */
const char *flags_list(uint32_t flags, char *buf, size_t size)
{
	size_t i, n = 0;

	snprintf(buf, size, "-");
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & (1U << i))
			n += snprintf(buf + n, n < size ? size - n : 0, "%s%s",
				      n ? "," : "", flag_names[i]);
	return buf;
}

json_object *flags_json(uint32_t flags)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & (1U << i))
			json_object_array_add(arr,
					      json_object_new_string(flag_names[i]));
	return arr;
}

json_object *out_begin_list(void)
{
	return json_output ? json_object_new_array() : NULL;
}

void out_end(json_object *doc)
{
	if (!doc)
		return;
	puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
}

/*
 * The dump (stdout not a terminal, no -p, no -j): like `wg show all dump`,
 * one line per object, fields separated by a tab and never empty.
 */
static int dump_fields;

static void dump_sep(void)
{
	if (dump_fields++)
		putchar('\t');
}

void dump_begin(const char *dev)
{
	dump_fields = 0;
	dump_str(dev);
}

/* s, or "-" when absent (NULL or empty). */
void dump_str(const char *s)
{
	dump_sep();
	fputs(s && s[0] ? s : "-", stdout);
}

void dump_num(int has, uint64_t v)
{
	dump_sep();
	if (has)
		printf("%llu", (unsigned long long)v);
	else
		putchar('-');
}

void dump_end(void)
{
	putchar('\n');
}

int usage_error(const char *usage)
{
	fprintf(stderr, "Usage: dmvpnctl %s\n", usage);
	return EXIT_USAGE;
}
