/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal pcap/pcapng reader for the codec tests: finds NHRP packets
 * (GRE protocol 0x2001, or bare IP protocol 54) without libpcap.
 */
#ifndef _DMVPN_PCAP_READ_H
#define _DMVPN_PCAP_READ_H

#include <stddef.h>
#include <stdint.h>

struct pcap_nhrp {
	unsigned int frame;	/* 1-based record number, as tshark counts */
	const uint8_t *data;	/* NHRP packet (GRE payload) */
	size_t len;		/* captured bytes of it */
	size_t wire_len;	/* bytes the outer IP header says it had */
	uint32_t gre_key;	/* 0 when absent */
	int has_key;
};

typedef void (*pcap_nhrp_cb)(void *ctx, const struct pcap_nhrp *pkt);

/*
 * Calls @cb for every NHRP packet in @path; @pkt->data is valid only
 * during the call. Returns the number of NHRP packets, or -1 if the file
 * cannot be read or is not pcap/pcapng.
 */
int pcap_for_each_nhrp(const char *path, pcap_nhrp_cb cb, void *ctx);

#endif /* _DMVPN_PCAP_READ_H */
