// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the LPM trie (kernel/lpm.c, built unchanged; included here
 * so the shape checks can read its nodes).
 *
 * Directed cases first, then for each family a random run compared with a
 * naive linear table after every few inserts and removes, then readers on
 * other threads looking up while a writer churns the trie. Every node
 * allocated must be freed by the end (the shim counts them; ASan checks
 * leaks too). The random runs use a fixed seed, printed; LPM_SEED=n
 * overrides it.
 *
 * Usage: test_lpm [ignored]  (the Makefile passes the capture directory)
 */
#include <pthread.h>
#include <stdlib.h>
#include "lpm.c"
#include "ktest.h"

LPM_SHIM_STATE;

struct obj {
	struct dmvpn_lpm_entry e;	/* first: the tests cast back */
	bool in;			/* in the table, per the reference */
	int seen;			/* walk visits */
};

static struct obj *obj_of(struct dmvpn_lpm_entry *e)
{
	return (struct obj *)e;
}

static unsigned int fam_bits(bool v6)
{
	return v6 ? 128 : 32;
}

/* ---- an independent reference, bit by bit ---- */

static unsigned int ref_bit(const u8 *k, unsigned int i)
{
	return (k[i >> 3] >> (7 - (i & 7))) & 1;
}

static bool ref_match(const u8 *prefix, unsigned int plen, const u8 *addr)
{
	unsigned int i, full = plen / 8;

	if (memcmp(prefix, addr, full))
		return false;
	for (i = full * 8; i < plen; i++)
		if (ref_bit(prefix, i) != ref_bit(addr, i))
			return false;
	return true;
}

static void ref_mask(u8 *dst, const u8 *src, unsigned int plen, bool v6)
{
	unsigned int i;

	memset(dst, 0, 16);
	for (i = 0; i < plen; i++)
		if (ref_bit(src, i))
			dst[i >> 3] |= 0x80 >> (i & 7);
	(void)v6;
}

static struct obj *ref_lookup(struct obj *objs, int n, bool v6, const u8 *a)
{
	struct obj *best = NULL;
	int i;

	for (i = 0; i < n; i++) {
		struct obj *o = &objs[i];

		if (!o->in || o->e.family_v6 != v6)
			continue;
		if (best && o->e.plen <= best->e.plen)
			continue;
		if (ref_match(o->e.key, o->e.plen, a))
			best = o;
	}
	return best;
}

static struct obj *ref_exact(struct obj *objs, int n, bool v6, const u8 *k,
			     unsigned int plen)
{
	u8 m[16];
	int i;

	ref_mask(m, k, plen, v6);
	for (i = 0; i < n; i++)
		if (objs[i].in && objs[i].e.family_v6 == v6 &&
		    objs[i].e.plen == plen && !memcmp(objs[i].e.key, m, 16))
			return &objs[i];
	return NULL;
}

/* ---- shape of the trie ---- */

struct shape {
	long nodes[2];
	long entries[2];
	int bad;
};

#define SHAPE_CHECK(s, cond) do {					\
	if (!(cond) && !(s)->bad++)					\
		printf("# shape: %s\n", #cond);				\
} while (0)

static void shape_node(struct shape *s, struct dmvpn_lpm_node *node,
		       struct dmvpn_lpm_node *parent, int v6, int depth)
{
	struct dmvpn_lpm_node *c[2];
	struct dmvpn_lpm_entry *e;
	u8 m[16];
	int b;

	s->nodes[v6]++;
	SHAPE_CHECK(s, depth <= (int)fam_bits(v6) + 1);
	SHAPE_CHECK(s, node->parent == parent);
	SHAPE_CHECK(s, node->cidr <= fam_bits(v6));
	ref_mask(m, node->key, node->cidr, v6);
	SHAPE_CHECK(s, !memcmp(m, node->key, 16));
	if (parent) {
		SHAPE_CHECK(s, node->cidr > parent->cidr);
		SHAPE_CHECK(s, ref_match(parent->key, parent->cidr, node->key));
		b = ref_bit(node->key, parent->cidr);
		SHAPE_CHECK(s, parent->bit[b] == node);
	}
	e = node->entry;
	c[0] = node->bit[0];
	c[1] = node->bit[1];
	if (e) {
		s->entries[v6]++;
		SHAPE_CHECK(s, e->node == node);
		SHAPE_CHECK(s, e->plen == node->cidr);
		SHAPE_CHECK(s, e->family_v6 == v6);
		SHAPE_CHECK(s, !memcmp(e->key, node->key, 16));
	} else {
		/* A junction joins exactly two sides. */
		SHAPE_CHECK(s, c[0] && c[1]);
	}
	if (node->cidr == fam_bits(v6))
		SHAPE_CHECK(s, !c[0] && !c[1]);
	for (b = 0; b < 2; b++)
		if (c[b] && depth < 200)
			shape_node(s, c[b], node, v6, depth + 1);
}

/* Checks the whole trie; returns the number of nodes it holds. */
static long check_shape(struct dmvpn_lpm *t)
{
	struct shape s = { 0 };
	int v6;

	for (v6 = 0; v6 < 2; v6++) {
		if (t->root[v6])
			shape_node(&s, t->root[v6], NULL, v6, 1);
		KT_EQ(s.entries[v6], t->count[v6]);
		/* At most 2n - 1 nodes for n entries. */
		KT_CHECK(s.nodes[v6] <= (s.entries[v6] ? 2 * s.entries[v6] - 1
						       : 0));
	}
	KT_EQ(s.bad, 0);
	return s.nodes[0] + s.nodes[1];
}

/* ---- helpers ---- */

static void v4(u8 *k, unsigned int a, unsigned int b, unsigned int c,
	       unsigned int d)
{
	memset(k, 0, 16);
	k[0] = a;
	k[1] = b;
	k[2] = c;
	k[3] = d;
}

static int ins4(struct dmvpn_lpm *t, struct obj *o, unsigned int a,
		unsigned int b, unsigned int c, unsigned int d, u8 plen)
{
	u8 k[16];

	v4(k, a, b, c, d);
	return dmvpn_lpm_insert(t, &o->e, false, k, plen);
}

static struct obj *look4(struct dmvpn_lpm *t, unsigned int a, unsigned int b,
			 unsigned int c, unsigned int d)
{
	struct dmvpn_lpm_entry *e;
	u8 k[16];

	v4(k, a, b, c, d);
	rcu_read_lock();
	e = dmvpn_lpm_lookup(t, false, k);
	rcu_read_unlock();
	return e ? obj_of(e) : NULL;
}

static void v6addr(u8 *k, const char *s)
{
	KT_CHECK(inet_pton(AF_INET6, s, k) == 1);
}

static struct obj *look6(struct dmvpn_lpm *t, const char *s)
{
	struct dmvpn_lpm_entry *e;
	u8 k[16];

	v6addr(k, s);
	e = dmvpn_lpm_lookup(t, true, k);
	return e ? obj_of(e) : NULL;
}

static void drop_all(struct dmvpn_lpm *t)
{
	dmvpn_lpm_destroy(t, NULL, NULL);
}

/* ---- directed cases ---- */

static int count_fn(struct dmvpn_lpm_entry *e, void *arg)
{
	obj_of(e)->seen++;
	(*(int *)arg)++;
	return 0;
}

static void test_empty(void)
{
	struct dmvpn_lpm t;
	u8 k[16] = { 10, 1, 2, 3 };
	int n = 0;

	kt_begin();
	dmvpn_lpm_init(&t);
	KT_CHECK(dmvpn_lpm_empty(&t));
	KT_CHECK(!dmvpn_lpm_lookup(&t, false, k));
	KT_CHECK(!dmvpn_lpm_lookup(&t, true, k));
	KT_CHECK(!dmvpn_lpm_find_exact(&t, false, k, 0));
	KT_CHECK(!dmvpn_lpm_find_exact(&t, true, k, 128));
	KT_EQ(dmvpn_lpm_walk(&t, count_fn, &n), 0);
	KT_EQ(n, 0);
	dmvpn_lpm_destroy(&t, NULL, NULL);
	KT_EQ(check_shape(&t), 0);
	KT_EQ(lpm_shim_live, 0);
	kt_end("empty table");
}

static void test_default(void)
{
	struct dmvpn_lpm t;
	struct obj d4 = { 0 }, d6 = { 0 };
	u8 k[16], zero[16] = { 0 };

	kt_begin();
	dmvpn_lpm_init(&t);
	/* Bits past the prefix are ignored and cleared. */
	KT_EQ(ins4(&t, &d4, 192, 0, 2, 1, 0), 0);
	KT_MEMEQ(d4.e.key, zero, 16);
	KT_EQ(d4.e.plen, 0);
	KT_EQ(d4.e.family_v6, 0);
	KT_CHECK(look4(&t, 0, 0, 0, 0) == &d4);
	KT_CHECK(look4(&t, 255, 255, 255, 255) == &d4);
	KT_CHECK(look4(&t, 10, 1, 2, 3) == &d4);
	KT_CHECK(!look6(&t, "::"));
	KT_CHECK(!dmvpn_lpm_empty(&t));
	v6addr(k, "2001:db8::1");
	KT_EQ(dmvpn_lpm_insert(&t, &d6.e, true, k, 0), 0);
	KT_MEMEQ(d6.e.key, zero, 16);
	KT_EQ(d6.e.family_v6, 1);
	KT_CHECK(look6(&t, "::") == &d6);
	KT_CHECK(look6(&t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == &d6);
	KT_CHECK(dmvpn_lpm_find_exact(&t, false, k, 0) == &d4.e);
	KT_CHECK(dmvpn_lpm_find_exact(&t, true, zero, 0) == &d6.e);
	KT_EQ(t.count[0], 1);
	KT_EQ(t.count[1], 1);
	KT_EQ(check_shape(&t), 2);
	dmvpn_lpm_remove(&t, &d4.e);
	KT_CHECK(!look4(&t, 1, 2, 3, 4));
	KT_CHECK(look6(&t, "::1") == &d6);
	KT_CHECK(!d4.e.node);
	dmvpn_lpm_remove(&t, &d6.e);
	KT_CHECK(dmvpn_lpm_empty(&t));
	KT_EQ(check_shape(&t), 0);
	KT_EQ(lpm_shim_live, 0);
	kt_end("default route /0");
}

static void test_host(void)
{
	struct dmvpn_lpm t;
	struct obj h4 = { 0 }, h4b = { 0 }, h6 = { 0 }, h6b = { 0 };
	u8 k[16];

	kt_begin();
	dmvpn_lpm_init(&t);
	KT_EQ(ins4(&t, &h4, 10, 0, 0, 1, 32), 0);
	KT_EQ(ins4(&t, &h4b, 10, 0, 0, 0, 32), 0);
	KT_CHECK(look4(&t, 10, 0, 0, 1) == &h4);
	KT_CHECK(look4(&t, 10, 0, 0, 0) == &h4b);
	KT_CHECK(!look4(&t, 10, 0, 0, 2));
	KT_CHECK(!look4(&t, 11, 0, 0, 1));
	KT_CHECK(!look4(&t, 138, 0, 0, 1));
	v6addr(k, "2001:db8::1");
	KT_EQ(dmvpn_lpm_insert(&t, &h6.e, true, k, 128), 0);
	v6addr(k, "2001:db8::");
	KT_EQ(dmvpn_lpm_insert(&t, &h6b.e, true, k, 128), 0);
	KT_CHECK(look6(&t, "2001:db8::1") == &h6);
	KT_CHECK(look6(&t, "2001:db8::") == &h6b);
	KT_CHECK(!look6(&t, "2001:db8::2"));
	KT_CHECK(!look6(&t, "2001:db8::1:1"));
	KT_CHECK(!look6(&t, "a001:db8::1"));
	/* Two hosts and the junction between them, per family. */
	KT_EQ(check_shape(&t), 6);
	drop_all(&t);
	KT_EQ(lpm_shim_live, 0);
	kt_end("host routes /32 and /128");
}

static void test_overlap(void)
{
	struct dmvpn_lpm t;
	struct obj o8 = { 0 }, o16 = { 0 }, o24 = { 0 }, o32 = { 0 };
	struct obj o9 = { 0 }, o20 = { 0 }, s1 = { 0 }, s2 = { 0 };
	u8 k[16];

	kt_begin();
	dmvpn_lpm_init(&t);
	/* Inserted out of order so every insert case is taken. */
	KT_EQ(ins4(&t, &o24, 10, 1, 2, 0, 24), 0);
	KT_EQ(ins4(&t, &o8, 10, 0, 0, 0, 8), 0);
	KT_EQ(ins4(&t, &o32, 10, 1, 2, 3, 32), 0);
	KT_EQ(ins4(&t, &o9, 10, 128, 0, 0, 9), 0);
	KT_EQ(ins4(&t, &o16, 10, 1, 0, 0, 16), 0);
	KT_EQ(ins4(&t, &o20, 10, 1, 31, 77, 20), 0);
	v4(k, 10, 1, 16, 0);
	KT_MEMEQ(o20.e.key, k, 16);
	check_shape(&t);

	KT_CHECK(look4(&t, 10, 1, 2, 3) == &o32);
	KT_CHECK(look4(&t, 10, 1, 2, 4) == &o24);
	KT_CHECK(look4(&t, 10, 1, 3, 3) == &o16);
	KT_CHECK(look4(&t, 10, 1, 17, 3) == &o20);
	KT_CHECK(look4(&t, 10, 1, 32, 3) == &o16);
	KT_CHECK(look4(&t, 10, 2, 2, 3) == &o8);
	KT_CHECK(look4(&t, 10, 200, 2, 3) == &o9);
	KT_CHECK(look4(&t, 10, 127, 2, 3) == &o8);
	KT_CHECK(!look4(&t, 11, 1, 2, 3));
	KT_CHECK(!look4(&t, 9, 255, 255, 255));
	KT_CHECK(dmvpn_lpm_find_exact(&t, false, k, 20) == &o20.e);
	KT_CHECK(!dmvpn_lpm_find_exact(&t, false, k, 21));
	KT_CHECK(!dmvpn_lpm_find_exact(&t, false, k, 19));

	/* Siblings: the junction between them is no entry. */
	KT_EQ(ins4(&t, &s1, 172, 16, 0, 0, 24), 0);
	KT_EQ(ins4(&t, &s2, 172, 16, 1, 0, 24), 0);
	v4(k, 172, 16, 0, 0);
	KT_CHECK(!dmvpn_lpm_find_exact(&t, false, k, 23));
	KT_CHECK(!look4(&t, 172, 16, 2, 0));
	drop_all(&t);
	KT_EQ(lpm_shim_live, 0);
	kt_end("overlapping prefixes");
}

static void test_dup(void)
{
	struct dmvpn_lpm t;
	struct obj a = { 0 }, b = { 0 }, c = { 0 }, j = { 0 }, j2 = { 0 };
	struct obj a6 = { 0 }, b6 = { 0 }, x = { 0 };
	long live, allocs;
	u8 k[16];

	kt_begin();
	dmvpn_lpm_init(&t);
	KT_EQ(ins4(&t, &a, 10, 1, 2, 0, 24), 0);
	memset(&b.e, 0x5a, sizeof(b.e));
	x = b;
	live = lpm_shim_live;
	allocs = lpm_shim_allocs;
	/* Same prefix, other host bits: still a duplicate. */
	KT_EQ(ins4(&t, &b, 10, 1, 2, 99, 24), -EEXIST);
	KT_MEMEQ(&b.e, &x.e, sizeof(b.e));
	KT_EQ(lpm_shim_allocs, allocs);
	KT_EQ(lpm_shim_live, live);
	KT_EQ(t.count[0], 1);
	KT_CHECK(look4(&t, 10, 1, 2, 99) == &a);
	/* Same bits, another length: not a duplicate. */
	KT_EQ(ins4(&t, &c, 10, 1, 2, 0, 25), 0);
	/* Same bytes in the other family: not a duplicate either. */
	v4(k, 10, 1, 2, 0);
	KT_EQ(dmvpn_lpm_insert(&t, &a6.e, true, k, 24), 0);
	KT_EQ(dmvpn_lpm_insert(&t, &b6.e, true, k, 24), -EEXIST);

	/* An entry for a junction's prefix takes the junction: no alloc. */
	KT_EQ(ins4(&t, &j, 192, 168, 0, 0, 24), 0);
	KT_EQ(ins4(&t, &j2, 192, 168, 1, 0, 24), 0);
	live = lpm_shim_live;
	KT_EQ(ins4(&t, &x, 192, 168, 1, 1, 23), 0);
	KT_EQ(lpm_shim_live, live);
	KT_CHECK(look4(&t, 192, 168, 0, 1) == &j);
	KT_CHECK(look4(&t, 192, 168, 1, 1) == &j2);
	dmvpn_lpm_remove(&t, &j.e);
	KT_CHECK(look4(&t, 192, 168, 0, 1) == &x);
	KT_EQ(ins4(&t, &j, 192, 168, 0, 0, 23), -EEXIST);
	check_shape(&t);

	/* Bad lengths. */
	KT_EQ(ins4(&t, &b, 10, 0, 0, 0, 33), -EINVAL);
	KT_EQ(dmvpn_lpm_insert(&t, &b.e, true, k, 129), -EINVAL);
	KT_EQ(dmvpn_lpm_insert(&t, &b.e, true, k, 255), -EINVAL);
	KT_CHECK(!dmvpn_lpm_find_exact(&t, false, k, 33));
	KT_CHECK(!dmvpn_lpm_find_exact(&t, true, k, 129));
	KT_EQ(dmvpn_lpm_insert(&t, &b.e, true, k, 128), 0);
	drop_all(&t);
	KT_EQ(lpm_shim_live, 0);
	KT_EQ(lpm_shim_warnings, 0);
	kt_end("duplicates -EEXIST, bad plen -EINVAL");
}

static void test_nomem(void)
{
	struct dmvpn_lpm t;
	struct obj a = { 0 }, b = { 0 }, x;
	long live;

	kt_begin();
	dmvpn_lpm_init(&t);
	memset(&b.e, 0x5a, sizeof(b.e));
	x = b;
	/* A leaf in an empty slot: one allocation. */
	lpm_shim_fail_in = 1;
	KT_EQ(ins4(&t, &b, 10, 0, 0, 0, 24), -ENOMEM);
	KT_MEMEQ(&b.e, &x.e, sizeof(b.e));
	KT_EQ(lpm_shim_live, 0);
	KT_CHECK(dmvpn_lpm_empty(&t));
	KT_EQ(ins4(&t, &a, 10, 0, 0, 0, 24), 0);
	/* Diverging from it: the leaf, then the junction, fails. */
	live = lpm_shim_live;
	lpm_shim_fail_in = 2;
	KT_EQ(ins4(&t, &b, 10, 0, 1, 0, 24), -ENOMEM);
	KT_EQ(lpm_shim_fail_in, 0);
	KT_MEMEQ(&b.e, &x.e, sizeof(b.e));
	KT_EQ(lpm_shim_live, live);
	KT_EQ(t.count[0], 1);
	KT_EQ(check_shape(&t), 1);
	KT_CHECK(!look4(&t, 10, 0, 1, 0));
	KT_EQ(ins4(&t, &b, 10, 0, 1, 0, 24), 0);
	KT_CHECK(look4(&t, 10, 0, 1, 0) == &b);
	drop_all(&t);
	KT_EQ(lpm_shim_live, 0);
	kt_end("allocation failure leaves the table as it was");
}

static void test_remove(void)
{
	struct dmvpn_lpm t;
	struct obj o8 = { 0 }, a = { 0 }, b = { 0 }, c = { 0 };

	kt_begin();
	dmvpn_lpm_init(&t);

	/* Leaf below an entry. */
	KT_EQ(ins4(&t, &o8, 10, 0, 0, 0, 8), 0);
	KT_EQ(ins4(&t, &a, 10, 1, 0, 0, 16), 0);
	dmvpn_lpm_remove(&t, &a.e);
	KT_CHECK(!a.e.node);
	KT_EQ(check_shape(&t), 1);
	KT_CHECK(look4(&t, 10, 1, 0, 0) == &o8);

	/* Entry with one child: spliced out, the child moves up. */
	KT_EQ(ins4(&t, &a, 10, 1, 0, 0, 16), 0);
	dmvpn_lpm_remove(&t, &o8.e);
	KT_EQ(check_shape(&t), 1);
	KT_CHECK(t.root[0] == a.e.node);
	KT_CHECK(look4(&t, 10, 1, 0, 0) == &a);
	KT_CHECK(!look4(&t, 10, 2, 0, 0));

	/* Entry with two children: stays as their junction. */
	KT_EQ(ins4(&t, &o8, 10, 0, 0, 0, 8), 0);
	KT_EQ(ins4(&t, &b, 10, 128, 0, 0, 16), 0);
	KT_EQ(check_shape(&t), 3);
	dmvpn_lpm_remove(&t, &o8.e);
	KT_EQ(check_shape(&t), 3);
	KT_CHECK(!look4(&t, 10, 3, 0, 0));
	KT_CHECK(look4(&t, 10, 128, 0, 0) == &b);
	KT_CHECK(look4(&t, 10, 1, 0, 0) == &a);

	/* Leaf under a junction: the junction goes with it. */
	dmvpn_lpm_remove(&t, &a.e);
	KT_EQ(check_shape(&t), 1);
	KT_CHECK(t.root[0] == b.e.node);
	KT_CHECK(look4(&t, 10, 128, 0, 0) == &b);

	/* Junction above an entry above a leaf, remove the middle. */
	KT_EQ(ins4(&t, &a, 10, 1, 0, 0, 16), 0);
	KT_EQ(ins4(&t, &c, 10, 1, 1, 0, 24), 0);
	KT_EQ(check_shape(&t), 4);
	dmvpn_lpm_remove(&t, &a.e);
	KT_EQ(check_shape(&t), 3);
	KT_CHECK(look4(&t, 10, 1, 1, 0) == &c);
	KT_CHECK(!look4(&t, 10, 1, 2, 0));

	/* The root itself, last. */
	dmvpn_lpm_remove(&t, &c.e);
	KT_EQ(check_shape(&t), 1);
	dmvpn_lpm_remove(&t, &b.e);
	KT_CHECK(!t.root[0]);
	KT_CHECK(dmvpn_lpm_empty(&t));
	KT_EQ(lpm_shim_live, 0);
	KT_EQ(lpm_shim_warnings, 0);
	kt_end("remove leaf, internal and root");
}

struct walk_ctx {
	struct dmvpn_lpm *t;
	int calls;
	int stop_at;
};

static int order_fn(struct dmvpn_lpm_entry *e, void *arg)
{
	struct walk_ctx *w = arg;

	obj_of(e)->seen++;
	w->calls++;
	return w->calls == w->stop_at ? 42 : 0;
}

static int remove_odd_fn(struct dmvpn_lpm_entry *e, void *arg)
{
	struct walk_ctx *w = arg;

	obj_of(e)->seen++;
	if (w->calls++ & 1) {
		dmvpn_lpm_remove(w->t, e);
		obj_of(e)->in = false;
		/* As the owner would: the entry is gone after this. */
		memset(e, 0x6b, sizeof(*e));
	}
	return 0;
}

static int remove_all_fn(struct dmvpn_lpm_entry *e, void *arg)
{
	struct walk_ctx *w = arg;

	obj_of(e)->seen++;
	w->calls++;
	dmvpn_lpm_remove(w->t, e);
	obj_of(e)->in = false;
	memset(e, 0x6b, sizeof(*e));
	return 0;
}

static void destroy_fn(struct dmvpn_lpm_entry *e, void *arg)
{
	KT_CHECK(!e->node);
	obj_of(e)->seen++;
	(*(int *)arg)++;
}

#define WALK_N 64

/* Nested and sibling prefixes in both families; returns how many went in. */
static int fill_walk(struct dmvpn_lpm *t, struct obj *o)
{
	int i, n = 0, ret;

	for (i = 0; i < WALK_N; i++) {
		u8 k[16] = { 10, (u8)(i * 37), (u8)(i * 11), (u8)i };
		bool v6 = i & 1;

		if (v6)
			k[15] = i;
		memset(&o[i], 0, sizeof(o[i]));
		ret = dmvpn_lpm_insert(t, &o[i].e, v6, k, (i * 13) % 33);
		KT_CHECK(!ret || ret == -EEXIST);
		o[i].in = !ret;
		n += o[i].in;
	}
	return n;
}

static void test_walk(void)
{
	struct obj o[WALK_N];
	struct dmvpn_lpm t;
	struct walk_ctx w;
	int i, in, n, total;

	kt_begin();
	dmvpn_lpm_init(&t);
	total = fill_walk(&t, o);
	KT_CHECK(total > WALK_N / 2);
	check_shape(&t);

	memset(&w, 0, sizeof(w));
	KT_EQ(dmvpn_lpm_walk(&t, order_fn, &w), 0);
	KT_EQ(w.calls, total);
	for (i = 0; i < WALK_N; i++)
		KT_EQ(o[i].seen, o[i].in);

	memset(&w, 0, sizeof(w));
	w.stop_at = 10;
	KT_EQ(dmvpn_lpm_walk(&t, order_fn, &w), 42);
	KT_EQ(w.calls, 10);

	for (i = 0; i < WALK_N; i++)
		o[i].seen = 0;
	memset(&w, 0, sizeof(w));
	w.t = &t;
	KT_EQ(dmvpn_lpm_walk(&t, remove_odd_fn, &w), 0);
	KT_EQ(w.calls, total);
	for (i = 0, in = 0, n = 0; i < WALK_N; i++) {
		n += o[i].seen;
		KT_CHECK(o[i].seen <= 1);
		in += o[i].in;
	}
	KT_EQ(n, total);
	KT_EQ(in, total - total / 2);
	KT_EQ(t.count[0] + t.count[1], in);
	check_shape(&t);

	memset(&w, 0, sizeof(w));
	w.t = &t;
	KT_EQ(dmvpn_lpm_walk(&t, remove_all_fn, &w), 0);
	KT_EQ(w.calls, in);
	KT_CHECK(dmvpn_lpm_empty(&t));
	KT_EQ(check_shape(&t), 0);
	KT_EQ(lpm_shim_live, 0);
	drop_all(&t);

	total = fill_walk(&t, o);
	n = 0;
	dmvpn_lpm_destroy(&t, destroy_fn, &n);
	KT_EQ(n, total);
	for (i = 0; i < WALK_N; i++)
		KT_EQ(o[i].seen, o[i].in);
	KT_CHECK(dmvpn_lpm_empty(&t));
	KT_CHECK(!t.root[0] && !t.root[1]);
	KT_EQ(lpm_shim_live, 0);
	KT_EQ(lpm_shim_warnings, 0);
	kt_end("walk (with removal, early stop) and destroy");
}

/* ---- random runs against the reference ---- */

static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64*: fast, deterministic, good enough for test data. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)((rnd() >> 11) % n);
}

#define NBASES	6

struct pool {
	u8 base[NBASES][16];
	bool v6;
};

static void pool_init(struct pool *p, bool v6)
{
	int i, j;

	p->v6 = v6;
	for (i = 0; i < NBASES; i++) {
		memset(p->base[i], 0, 16);
		for (j = 0; j < (v6 ? 16 : 4); j++)
			p->base[i][j] = rnd();
	}
}

/* An address near one of the bases, so that prefixes pile up. */
static void pool_addr(struct pool *p, u8 *a)
{
	unsigned int bits = fam_bits(p->v6), flips, i;

	if (!rnd_below(16)) {
		memset(a, 0, 16);
		for (i = 0; i < bits / 8; i++)
			a[i] = rnd();
		return;
	}
	memcpy(a, p->base[rnd_below(NBASES)], 16);
	flips = rnd_below(4);
	for (i = 0; i < flips; i++) {
		unsigned int b = rnd_below(bits);

		a[b / 8] ^= 0x80 >> (b % 8);
	}
}

static unsigned int pool_plen(struct pool *p)
{
	unsigned int bits = fam_bits(p->v6);

	switch (rnd_below(8)) {
	case 0:
		return bits;
	case 1:
		return rnd_below(9);
	case 2:
		return bits - rnd_below(9);
	default:
		return rnd_below(bits + 1);
	}
}

static void check_lookups(struct dmvpn_lpm *t, struct pool *p,
			  struct obj *objs, int n, int times, int *bad)
{
	struct dmvpn_lpm_entry *e;
	struct obj *want;
	u8 a[16];
	int i;

	for (i = 0; i < times; i++) {
		pool_addr(p, a);
		want = ref_lookup(objs, n, p->v6, a);
		e = dmvpn_lpm_lookup(t, p->v6, a);
		if ((want ? &want->e : NULL) != e && !(*bad)++) {
			printf("# lookup mismatch: want plen %d got plen %d\n",
			       want ? want->e.plen : -1, e ? e->plen : -1);
		}
	}
}

#define NOBJ	2500
#define NOPS	24000

static void test_random(bool v6)
{
	static struct obj objs[NOBJ];
	struct dmvpn_lpm t;
	struct obj *o, *want;
	struct pool p;
	int op, i, bad = 0, ret, in = 0, maxin = 0;
	unsigned int plen;
	u8 k[16];

	kt_begin();
	memset(objs, 0, sizeof(objs));
	dmvpn_lpm_init(&t);
	pool_init(&p, v6);
	for (op = 0; op < NOPS; op++) {
		o = &objs[rnd_below(NOBJ)];
		/* Mostly inserts in the first half, mostly removes after. */
		if (o->in && rnd_below(100) < (op < NOPS / 2 ? 30 : 85)) {
			dmvpn_lpm_remove(&t, &o->e);
			o->in = false;
			in--;
		} else if (!o->in) {
			pool_addr(&p, k);
			plen = pool_plen(&p);
			want = ref_exact(objs, NOBJ, v6, k, plen);
			ret = dmvpn_lpm_insert(&t, &o->e, v6, k, plen);
			if (ret != (want ? -EEXIST : 0) && !bad++)
				printf("# insert /%u: %d\n", plen, ret);
			if (!ret) {
				o->in = true;
				in++;
				maxin = in > maxin ? in : maxin;
			}
			if (dmvpn_lpm_find_exact(&t, v6, k, plen) !=
			    (want ? &want->e : &o->e) && !bad++)
				printf("# find_exact /%u\n", plen);
		}
		if (!(op % 4))
			check_lookups(&t, &p, objs, NOBJ, 3, &bad);
		if (!(op % 1000)) {
			long nodes = check_shape(&t);

			KT_EQ(nodes, lpm_shim_live);
		}
	}
	check_shape(&t);
	KT_EQ(t.count[v6], in);
	KT_EQ(t.count[!v6], 0);

	/* Everything out, in random order, still checking. */
	for (i = 0; i < NOBJ; i++) {
		o = &objs[(i * 7919) % NOBJ];
		if (!o->in)
			continue;
		dmvpn_lpm_remove(&t, &o->e);
		o->in = false;
		if (!(i % 8))
			check_lookups(&t, &p, objs, NOBJ, 2, &bad);
	}
	KT_EQ(bad, 0);
	KT_CHECK(dmvpn_lpm_empty(&t));
	KT_EQ(check_shape(&t), 0);
	KT_EQ(lpm_shim_live, 0);
	KT_EQ(lpm_shim_warnings, 0);
	printf("# %s: %d ops, up to %d entries, %ld nodes allocated\n",
	       v6 ? "IPv6" : "IPv4", NOPS, maxin, lpm_shim_allocs);
	kt_end("random %s against a linear reference", v6 ? "IPv6" : "IPv4");
}

/* ---- concurrent readers ---- */

/*
 * Stable prefixes never leave the table while a writer churns longer
 * prefixes around them. Whatever a reader gets must contain its address
 * and be at least as long as the stable answer: a reader that met a
 * half-linked trie would miss it. As an owner must, the writer never
 * reuses an entry it removed, and retired nodes and entries are queued,
 * not freed, until the readers are done (the grace period).
 */
#define NSTABLE		64
#define NCHURN		512
#define NROUNDS		60
#define NREADERS	3

struct race {
	struct dmvpn_lpm t;
	struct obj stable[NSTABLE];
	struct obj *churn[NCHURN];
	int stop;
	int bad;
};

static void race_addr(u8 *a, unsigned int r)
{
	memset(a, 0, 16);
	a[0] = 10;
	a[1] = r % NSTABLE;
	a[2] = r >> 8;
	a[3] = r >> 16;
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct dmvpn_lpm_entry *e;
	u64 x = (u64)(uintptr_t)&x | 1;
	long n = 0;
	u8 a[16];

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		race_addr(a, (unsigned int)x);
		rcu_read_lock();
		e = dmvpn_lpm_lookup(&r->t, false, a);
		if (!e || e->plen < 16 || !ref_match(e->key, e->plen, a))
			__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
		rcu_read_unlock();
		n++;
	}
	return (void *)n;
}

static void test_race(void)
{
	static struct race r;
	pthread_t th[NREADERS];
	long total = 0;
	int i, round;
	struct obj *o;
	void *n;
	u8 a[16];

	kt_begin();
	memset(&r, 0, sizeof(r));
	dmvpn_lpm_init(&r.t);
	lpm_shim_defer = 1;
	for (i = 0; i < NSTABLE; i++) {
		race_addr(a, i);
		KT_EQ(dmvpn_lpm_insert(&r.t, &r.stable[i].e, false, a, 16), 0);
	}
	for (i = 0; i < NREADERS; i++)
		KT_EQ(pthread_create(&th[i], NULL, race_reader, &r), 0);
	for (round = 0; round < NROUNDS; round++) {
		for (i = 0; i < NCHURN; i++) {
			unsigned int x = (unsigned int)rnd();

			o = r.churn[i];
			if (o) {
				dmvpn_lpm_remove(&r.t, &o->e);
				lpm_shim_retire(o);
				r.churn[i] = NULL;
				continue;
			}
			o = kzalloc(sizeof(*o), GFP_ATOMIC);
			KT_CHECK(o);
			if (!o)
				break;
			race_addr(a, x);
			if (dmvpn_lpm_insert(&r.t, &o->e, false, a, 17 + x % 16))
				kfree(o);
			else
				r.churn[i] = o;
		}
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NREADERS; i++) {
		pthread_join(th[i], &n);
		total += (long)n;
	}
	/* No reader is left: the grace period ends. */
	lpm_shim_defer = 0;
	lpm_shim_synchronize();
	check_shape(&r.t);
	KT_EQ(r.bad, 0);
	KT_CHECK(total > 0);
	for (i = 0; i < NCHURN; i++) {
		if (r.churn[i]) {
			dmvpn_lpm_remove(&r.t, &r.churn[i]->e);
			kfree(r.churn[i]);
		}
	}
	drop_all(&r.t);
	KT_EQ(lpm_shim_live, 0);
	printf("# %ld lookups during %d inserts and removes\n", total,
	       NROUNDS * NCHURN);
	kt_end("readers during concurrent inserts and removes");
}

int main(int argc, char **argv)
{
	const char *seed = getenv("LPM_SEED");

	(void)argc;
	(void)argv;
	rng_state = seed ? strtoull(seed, NULL, 0) : 0x4c504d2d646d766eULL;
	if (!rng_state)
		rng_state = 1;
	kt_start();
	printf("# seed 0x%llx (LPM_SEED=... to change)\n",
	       (unsigned long long)rng_state);
	test_empty();
	test_default();
	test_host();
	test_overlap();
	test_dup();
	test_nomem();
	test_remove();
	test_walk();
	test_random(false);
	test_random(true);
	test_race();
	KT_EQ(lpm_shim_live, 0);
	return kt_done();
}
