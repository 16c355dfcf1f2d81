// SPDX-License-Identifier: GPL-2.0
/* Addresses, prefixes and device names as the user writes them. */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmvpnctl.h"

int addr_parse(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		a->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		a->len = 16;
		return 0;
	}
	return -1;
}

/* ADDR or ADDR/PLEN; plen is -1 when absent (the kernel's default). */
int prefix_parse(const char *s, struct addr *a, int *plen)
{
	char buf[INET6_ADDRSTRLEN + 5], *slash, *end;
	long v;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*plen = -1;
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		v = strtol(slash, &end, 10);
		if (!*slash || *end || v < 0)
			return -1;
		*plen = v;
	}
	if (addr_parse(buf, a))
		return -1;
	return *plen > a->len * 8 ? -1 : 0;
}

const char *addr_format(const void *bytes, int len, char *buf, size_t size)
{
	if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, bytes, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

int dev_ifindex(const char *name)
{
	return if_nametoindex(name);
}

const char *dev_name(uint32_t ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}
