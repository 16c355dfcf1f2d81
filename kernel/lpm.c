// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn LPM: longest-prefix match for IPv4 and IPv6, lock-free for readers.
 * See lpm.h for the interface and lifetimes.
 *
 * Shape. A binary radix trie with path compression, one per family. Every
 * node holds a masked prefix (key, cidr); its children extend that prefix
 * by at least one bit, and bit[b] leads to the prefixes whose bit number
 * cidr is b. A node either carries an entry or is a junction with exactly
 * two children: junctions appear where a new prefix diverges from an
 * existing one and go as soon as one of their sides goes. So n entries
 * need at most 2n - 1 nodes, and a path has at most 33 (IPv4) or 129
 * (IPv6) nodes. Nothing here recurses.
 *
 * Concurrency. A node's key and cidr never change once it is reachable;
 * only its child and entry pointers do, each published with
 * rcu_assign_pointer() after what it points to is fully initialised.
 * Splicing a node out of the trie leaves the node's own child pointers
 * intact, so a reader standing on it walks on into the live trie; the node
 * is freed after a grace period. Parent pointers belong to the writers
 * alone: readers only ever walk down.
 */
#ifdef __KERNEL__
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#endif
#include "lpm.h"

struct dmvpn_lpm_node {
	struct dmvpn_lpm_node __rcu *bit[2];
	struct dmvpn_lpm_entry __rcu *entry;	/* NULL: a junction */
	struct dmvpn_lpm_node *parent;		/* writers only; NULL: root */
	struct rcu_head rcu;
	u8 cidr;
	u8 key[DMVPN_LPM_KEY_LEN];		/* masked to cidr, zero padded */
};

/*
 * Writers are serialised by the owner's lock, which the LPM cannot name;
 * readers hold rcu_read_lock(), or the owner's lock when that is a
 * spinlock, which also holds off a grace period.
 */
#define dmvpn_lpm_deref(p)	rcu_dereference_protected(p, true)
#define dmvpn_lpm_deref_rd(p)	rcu_dereference_check(p, rcu_read_lock_any_held())

static unsigned int dmvpn_lpm_bits(bool v6)
{
	return v6 ? 128 : 32;
}

/* Bit @i of @key, counted from the most significant bit of key[0]. */
static unsigned int dmvpn_lpm_bit(const u8 *key, unsigned int i)
{
	return (key[i / 8] >> (7 - i % 8)) & 1;
}

/*
 * Copy the first @plen bits of @src and clear the rest of @dst. Reads no
 * byte of @src past the prefix, so a 4-byte IPv4 key is enough.
 */
static void dmvpn_lpm_mask(u8 *dst, const u8 *src, unsigned int plen)
{
	unsigned int full = plen / 8, rem = plen % 8;

	memset(dst, 0, DMVPN_LPM_KEY_LEN);
	memcpy(dst, src, full);
	if (rem)
		dst[full] = src[full] & (u8)(0xff << (8 - rem));
}

/* Whether the first @cidr bits of @addr are those of the masked @key. */
static bool dmvpn_lpm_match(const u8 *key, const u8 *addr, unsigned int cidr)
{
	unsigned int full = cidr / 8, rem = cidr % 8;

	if (memcmp(key, addr, full))
		return false;
	return !rem || !((key[full] ^ addr[full]) & (u8)(0xff << (8 - rem)));
}

/* Number of leading bits @a and @b share, at most @limit. */
static unsigned int dmvpn_lpm_common(const u8 *a, const u8 *b,
				     unsigned int limit)
{
	unsigned int i = 0;

	while (i + 8 <= limit && a[i / 8] == b[i / 8])
		i += 8;
	while (i < limit && dmvpn_lpm_bit(a, i) == dmvpn_lpm_bit(b, i))
		i++;
	return i;
}

static struct dmvpn_lpm_node *dmvpn_lpm_node_new(const u8 *key,
						 unsigned int cidr,
						 struct dmvpn_lpm_node *parent)
{
	/* The owner's lock may be a spinlock. */
	struct dmvpn_lpm_node *node = kzalloc(sizeof(*node), GFP_ATOMIC);

	if (!node)
		return NULL;
	dmvpn_lpm_mask(node->key, key, cidr);
	node->cidr = cidr;
	node->parent = parent;
	return node;
}

/* The slot that points to @node: its parent's child pointer or the root. */
static struct dmvpn_lpm_node __rcu **
dmvpn_lpm_slot(struct dmvpn_lpm *t, bool v6, struct dmvpn_lpm_node *node)
{
	struct dmvpn_lpm_node *parent = node->parent;

	if (!parent)
		return &t->root[v6];
	return &parent->bit[dmvpn_lpm_bit(node->key, parent->cidr)];
}

/*
 * Follow the masked @key down while the nodes are proper prefixes of it.
 * Returns the slot where (key, plen) belongs and its owner in *parentp
 * (NULL for the root slot). The node in that slot, if any, is either
 * (key, plen) itself or the first one off the path to it.
 */
static struct dmvpn_lpm_node __rcu **
dmvpn_lpm_descend(struct dmvpn_lpm *t, bool v6, const u8 *key,
		  unsigned int plen, struct dmvpn_lpm_node **parentp)
{
	struct dmvpn_lpm_node __rcu **slot = &t->root[v6];
	struct dmvpn_lpm_node *parent = NULL, *node;

	while ((node = dmvpn_lpm_deref(*slot)) && node->cidr < plen &&
	       dmvpn_lpm_match(node->key, key, node->cidr)) {
		parent = node;
		slot = &node->bit[dmvpn_lpm_bit(key, node->cidr)];
	}
	*parentp = parent;
	return slot;
}

static bool dmvpn_lpm_is(const struct dmvpn_lpm_node *node, const u8 *key,
			 unsigned int plen)
{
	return node && node->cidr == plen &&
	       !memcmp(node->key, key, DMVPN_LPM_KEY_LEN);
}

/* Readers may reach @e as soon as it is published: fill it in first. */
static void dmvpn_lpm_entry_set(struct dmvpn_lpm_entry *e, const u8 *key,
				unsigned int plen, bool v6,
				struct dmvpn_lpm_node *node)
{
	memcpy(e->key, key, sizeof(e->key));
	e->plen = plen;
	e->family_v6 = v6;
	RCU_INIT_POINTER(e->node, node);
}

void dmvpn_lpm_init(struct dmvpn_lpm *t)
{
	RCU_INIT_POINTER(t->root[0], NULL);
	RCU_INIT_POINTER(t->root[1], NULL);
	t->count[0] = 0;
	t->count[1] = 0;
}

/**
 * dmvpn_lpm_insert - add an entry for a prefix
 * @t: the table
 * @e: the entry, not in any table; its key, plen and family are set here
 * @v6: false: 4-byte @key, @plen <= 32; true: 16-byte @key, @plen <= 128
 * @key: the prefix, in network order; bits past @plen are ignored
 * @plen: the prefix length
 *
 * Writer side. Allocates at most two nodes, with GFP_ATOMIC.
 *
 * Return: 0; -EEXIST if the prefix is already present, -ENOMEM or -EINVAL
 * (bad @plen), all three leaving @t and @e untouched.
 */
int dmvpn_lpm_insert(struct dmvpn_lpm *t, struct dmvpn_lpm_entry *e, bool v6,
		     const u8 *key, u8 plen)
{
	struct dmvpn_lpm_node *parent, *down, *node, *top;
	struct dmvpn_lpm_node __rcu **slot;
	u8 mkey[DMVPN_LPM_KEY_LEN];
	unsigned int common, b;

	if (plen > dmvpn_lpm_bits(v6))
		return -EINVAL;
	dmvpn_lpm_mask(mkey, key, plen);
	slot = dmvpn_lpm_descend(t, v6, mkey, plen, &parent);
	down = dmvpn_lpm_deref(*slot);

	if (dmvpn_lpm_is(down, mkey, plen)) {
		if (dmvpn_lpm_deref(down->entry))
			return -EEXIST;
		/* A junction at exactly this prefix takes the entry. */
		dmvpn_lpm_entry_set(e, mkey, plen, v6, down);
		rcu_assign_pointer(down->entry, e);
		goto out;
	}

	node = dmvpn_lpm_node_new(mkey, plen, parent);
	if (!node)
		return -ENOMEM;
	top = node;
	if (down) {
		common = dmvpn_lpm_common(down->key, mkey,
					  plen < down->cidr ? plen : down->cidr);
		if (common == plen) {
			/* The new prefix contains @down: it goes above it. */
			b = dmvpn_lpm_bit(down->key, plen);
			RCU_INIT_POINTER(node->bit[b], down);
		} else {
			/* They part at bit @common: a junction holds both. */
			top = dmvpn_lpm_node_new(mkey, common, parent);
			if (!top) {
				kfree(node);
				return -ENOMEM;
			}
			b = dmvpn_lpm_bit(mkey, common);
			RCU_INIT_POINTER(top->bit[b], node);
			RCU_INIT_POINTER(top->bit[!b], down);
			node->parent = top;
		}
		down->parent = top;
	}
	dmvpn_lpm_entry_set(e, mkey, plen, v6, node);
	RCU_INIT_POINTER(node->entry, e);
	/* Publishes the new nodes and @e, all filled in by now. */
	rcu_assign_pointer(*slot, top);
out:
	WRITE_ONCE(t->count[v6], t->count[v6] + 1);
	return 0;
}

/*
 * @node has just lost its entry. Splice out whatever is no longer needed:
 * the node itself unless it still joins two sides, and then its parent if
 * that was a junction left with one side.
 */
static void dmvpn_lpm_prune(struct dmvpn_lpm *t, bool v6,
			    struct dmvpn_lpm_node *node)
{
	struct dmvpn_lpm_node *c0, *c1, *child, *parent;

	while (node && !dmvpn_lpm_deref(node->entry)) {
		c0 = dmvpn_lpm_deref(node->bit[0]);
		c1 = dmvpn_lpm_deref(node->bit[1]);
		if (c0 && c1)
			return;
		child = c0 ? c0 : c1;
		parent = node->parent;
		if (child)
			child->parent = parent;
		/*
		 * A reader on @node still follows its unchanged child
		 * pointers; one arriving later skips it. Neither can be on
		 * @node after a grace period.
		 */
		rcu_assign_pointer(*dmvpn_lpm_slot(t, v6, node), child);
		kfree_rcu(node, rcu);
		if (child)
			return;
		node = parent;
	}
}

static void dmvpn_lpm_unlink(struct dmvpn_lpm *t, bool v6,
			     struct dmvpn_lpm_node *node,
			     struct dmvpn_lpm_entry *e)
{
	RCU_INIT_POINTER(node->entry, NULL);
	RCU_INIT_POINTER(e->node, NULL);
	WRITE_ONCE(t->count[v6], t->count[v6] - 1);
	dmvpn_lpm_prune(t, v6, node);
}

/**
 * dmvpn_lpm_remove - unlink an entry
 * @t: the table @e is in
 * @e: the entry
 *
 * Writer side. Readers already in the trie may still return @e: the owner
 * frees it after a grace period.
 */
void dmvpn_lpm_remove(struct dmvpn_lpm *t, struct dmvpn_lpm_entry *e)
{
	struct dmvpn_lpm_node *node = dmvpn_lpm_deref(e->node);
	bool v6 = e->family_v6;

	if (WARN_ON_ONCE(!node || dmvpn_lpm_deref(node->entry) != e))
		return;
	dmvpn_lpm_unlink(t, v6, node, e);
}

/**
 * dmvpn_lpm_find_exact - the entry for exactly one prefix
 * @t: the table
 * @v6: the family, as for dmvpn_lpm_insert()
 * @key: the prefix; bits past @plen are ignored
 * @plen: the prefix length
 *
 * Writer side.
 *
 * Return: the entry, or NULL.
 */
struct dmvpn_lpm_entry *dmvpn_lpm_find_exact(struct dmvpn_lpm *t, bool v6,
					     const u8 *key, u8 plen)
{
	struct dmvpn_lpm_node *parent, *node;
	u8 mkey[DMVPN_LPM_KEY_LEN];

	if (plen > dmvpn_lpm_bits(v6))
		return NULL;
	dmvpn_lpm_mask(mkey, key, plen);
	node = dmvpn_lpm_deref(*dmvpn_lpm_descend(t, v6, mkey, plen, &parent));
	if (!dmvpn_lpm_is(node, mkey, plen))
		return NULL;
	return dmvpn_lpm_deref(node->entry);
}

/**
 * dmvpn_lpm_lookup - longest prefix containing an address
 * @t: the table
 * @v6: false: 4-byte @addr; true: 16-byte @addr
 * @addr: the address, in network order
 *
 * Reader side: under rcu_read_lock() or the owner's spinlock; lock-free.
 *
 * Return: the entry, or NULL.
 */
struct dmvpn_lpm_entry *dmvpn_lpm_lookup(struct dmvpn_lpm *t, bool v6,
					 const u8 *addr)
{
	unsigned int bits = dmvpn_lpm_bits(v6);
	struct dmvpn_lpm_entry *best = NULL, *e;
	struct dmvpn_lpm_node *node;

	node = dmvpn_lpm_deref_rd(t->root[v6]);
	while (node && dmvpn_lpm_match(node->key, addr, node->cidr)) {
		e = dmvpn_lpm_deref_rd(node->entry);
		if (e)
			best = e;
		if (node->cidr == bits)
			break;
		node = dmvpn_lpm_deref_rd(node->bit[dmvpn_lpm_bit(addr,
								  node->cidr)]);
	}
	return best;
}

/* The node after @node in pre-order, walking back up by parent pointers. */
static struct dmvpn_lpm_node *dmvpn_lpm_next(struct dmvpn_lpm_node *node)
{
	struct dmvpn_lpm_node *next, *parent;

	next = dmvpn_lpm_deref(node->bit[0]);
	if (next)
		return next;
	next = dmvpn_lpm_deref(node->bit[1]);
	if (next)
		return next;
	for (; (parent = node->parent); node = parent) {
		if (dmvpn_lpm_bit(node->key, parent->cidr))
			continue;
		next = dmvpn_lpm_deref(parent->bit[1]);
		if (next)
			return next;
	}
	return NULL;
}

/**
 * dmvpn_lpm_walk - call a function on every entry
 * @t: the table
 * @fn: called with each entry; may remove (and free) that entry
 * @arg: passed to @fn
 *
 * Writer side. IPv4 first, then IPv6, shorter prefixes before the longer
 * ones they contain.
 *
 * The next node is picked before @fn runs. Removing an entry frees at most
 * its own node and that node's parent, both already visited, and splicing
 * them out keeps the order of the rest, so the walk goes on safely.
 *
 * Return: 0, or the first non-zero value @fn returned.
 */
int dmvpn_lpm_walk(struct dmvpn_lpm *t,
		   int (*fn)(struct dmvpn_lpm_entry *e, void *arg), void *arg)
{
	struct dmvpn_lpm_node *node, *next;
	struct dmvpn_lpm_entry *e;
	int v6, ret;

	for (v6 = 0; v6 < 2; v6++) {
		for (node = dmvpn_lpm_deref(t->root[v6]); node; node = next) {
			next = dmvpn_lpm_next(node);
			e = dmvpn_lpm_deref(node->entry);
			if (!e)
				continue;
			ret = fn(e, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * dmvpn_lpm_destroy - remove every entry
 * @t: the table
 * @fn: if not NULL, called with each entry once it is unlinked; frees the
 *	owner's object after a grace period
 * @arg: passed to @fn
 *
 * Writer side. Readers keep getting correct answers for what is left.
 */
void dmvpn_lpm_destroy(struct dmvpn_lpm *t,
		       void (*fn)(struct dmvpn_lpm_entry *e, void *arg),
		       void *arg)
{
	struct dmvpn_lpm_node *node, *down;
	struct dmvpn_lpm_entry *e;
	int v6;

	for (v6 = 0; v6 < 2; v6++) {
		while ((node = dmvpn_lpm_deref(t->root[v6]))) {
			/* Junctions have two children: a leaf has an entry. */
			while (!(e = dmvpn_lpm_deref(node->entry))) {
				down = dmvpn_lpm_deref(node->bit[0]);
				node = down ? down : dmvpn_lpm_deref(node->bit[1]);
			}
			/* Not via remove: progress even if @e->node is off. */
			dmvpn_lpm_unlink(t, v6, node, e);
			if (fn)
				fn(e, arg);
		}
	}
}
