/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types and helpers kernel/nhrp_wire.c uses, so that it
 * builds unchanged in userspace (unit tests, fuzzers).
 */
#ifndef _DMVPN_KCOMPAT_H
#define _DMVPN_KCOMPAT_H

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef uint16_t __be16;
typedef uint32_t __be32;

#define __packed	__attribute__((packed))

#define be16_to_cpu(x)	ntohs(x)
#define cpu_to_be16(x)	htons(x)
#define be32_to_cpu(x)	ntohl(x)
#define cpu_to_be32(x)	htonl(x)

#endif /* _DMVPN_KCOMPAT_H */
