/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmvpn LPM: longest-prefix match over IPv4 and IPv6 prefixes, a binary
 * path-compressed radix trie.
 *
 * Lifetimes. The owner embeds a struct dmvpn_lpm_entry in its own object
 * and keeps that object alive while it is in the table. Writers (insert,
 * remove, find_exact, walk, destroy) are serialised by the owner's lock,
 * which may be a spinlock: the LPM only allocates with GFP_ATOMIC. Readers
 * (lookup) take no lock, only rcu_read_lock(). An entry unlinked by
 * dmvpn_lpm_remove() may still be returned to readers already inside the
 * trie, so the owner frees its object after a grace period (kfree_rcu or
 * call_rcu); the LPM frees its own trie nodes the same way.
 *
 * Keys are in network byte order; an IPv4 key is the first 4 bytes.
 */
#ifndef _DMVPN_LPM_H
#define _DMVPN_LPM_H

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#else
#include "lpm_shim.h"
#endif

#define DMVPN_LPM_KEY_LEN	16

struct dmvpn_lpm_node;			/* internal trie node, opaque */

/* Embedded in the owner's object (e.g. a shortcut). */
struct dmvpn_lpm_entry {
	struct dmvpn_lpm_node __rcu *node;	/* internal: the node holding it */
	u8 key[DMVPN_LPM_KEY_LEN];		/* masked prefix, network order */
	u8 plen;
	u8 family_v6;				/* 0: IPv4 table, 1: IPv6 table */
};

struct dmvpn_lpm {
	struct dmvpn_lpm_node __rcu *root[2];	/* [0] IPv4, [1] IPv6 */
	unsigned int count[2];			/* entries per family */
};

void dmvpn_lpm_init(struct dmvpn_lpm *t);
int dmvpn_lpm_insert(struct dmvpn_lpm *t, struct dmvpn_lpm_entry *e, bool v6,
		     const u8 *key, u8 plen);
void dmvpn_lpm_remove(struct dmvpn_lpm *t, struct dmvpn_lpm_entry *e);
struct dmvpn_lpm_entry *dmvpn_lpm_find_exact(struct dmvpn_lpm *t, bool v6,
					     const u8 *key, u8 plen);
struct dmvpn_lpm_entry *dmvpn_lpm_lookup(struct dmvpn_lpm *t, bool v6,
					 const u8 *addr);
int dmvpn_lpm_walk(struct dmvpn_lpm *t,
		   int (*fn)(struct dmvpn_lpm_entry *e, void *arg), void *arg);
void dmvpn_lpm_destroy(struct dmvpn_lpm *t,
		       void (*fn)(struct dmvpn_lpm_entry *e, void *arg),
		       void *arg);

static inline bool dmvpn_lpm_empty(const struct dmvpn_lpm *t)
{
	return !READ_ONCE(t->count[0]) && !READ_ONCE(t->count[1]);
}

#endif /* _DMVPN_LPM_H */
