// SPDX-License-Identifier: GPL-2.0
/* Probe: struct flowi4 carries a dscp_t, not the TOS byte. */
#include <net/flow.h>

int dmvpn_probe(struct flowi4 *fl4);
int dmvpn_probe(struct flowi4 *fl4)
{
	return sizeof(fl4->flowi4_dscp);
}
