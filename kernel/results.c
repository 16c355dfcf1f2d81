// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn resolution results: the resolved and negative entries (what our
 * resolutions brought back), sorted by prefix and by the station that
 * answered, so that a purge from an NHS looks at what it purges and not
 * at the whole table (a hub with NHSes of its own holds mostly
 * registrations a purge never touches).
 *
 * The index lives in its own small object, allocated only for results:
 * the entry stays in its slab size class, which matters on hubs with
 * 100,000 registrations that never need it. Everything here runs under
 * dd->lock; nothing is read under RCU, so an index node is freed at once.
 */
#include "dmvpn.h"

struct dmvpn_result {
	struct rb_node		by_prefix;	/* dd->results */
	struct rb_node		by_via;		/* dd->results_via, if via set */
	struct dmvpn_entry	*e;
};

static bool dmvpn_is_result(u8 type)
{
	return type == DMVPN_ENTRY_RESOLVED || type == DMVPN_ENTRY_NEGATIVE;
}

/* Family first, then the address in network order: a prefix is a range. */
static int dmvpn_addr_cmp(const struct dmvpn_addr *a, const struct dmvpn_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->in6, &b->in6, sizeof(a->in6));
}

static int dmvpn_key_cmp(const struct dmvpn_entry_key *a,
			 const struct dmvpn_entry_key *b)
{
	int c = dmvpn_addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	return a->plen == b->plen ? 0 : a->plen < b->plen ? -1 : 1;
}

static bool dmvpn_prefix_less(struct rb_node *a, const struct rb_node *b)
{
	return dmvpn_key_cmp(&rb_entry(a, struct dmvpn_result, by_prefix)->e->key,
			     &rb_entry(b, struct dmvpn_result, by_prefix)->e->key) < 0;
}

/* Same station: the entry's address keeps the order total. */
static bool dmvpn_via_less(struct rb_node *a, const struct rb_node *b)
{
	const struct dmvpn_entry *ea = rb_entry(a, struct dmvpn_result, by_via)->e;
	const struct dmvpn_entry *eb = rb_entry(b, struct dmvpn_result, by_via)->e;
	int c = dmvpn_addr_cmp(&ea->via, &eb->via);

	return c ? c < 0 : dmvpn_key_cmp(&ea->key, &eb->key) < 0;
}

/*
 * Before dmvpn_cache_set() fills @e (NULL: a new entry) as @type: the index
 * node it will need, if any. NULL with no error when none is needed.
 */
struct dmvpn_result *dmvpn_result_prepare(struct dmvpn_entry *e, u8 type)
{
	struct dmvpn_result *a;

	if (!dmvpn_is_result(type) || (e && e->result))
		return NULL;
	a = kmalloc(sizeof(*a), GFP_ATOMIC);
	return a ?: ERR_PTR(-ENOMEM);
}

static void dmvpn_result_unlink(struct dmvpn_dev *dd, struct dmvpn_result *a)
{
	rb_erase(&a->by_prefix, &dd->results);
	if (!RB_EMPTY_NODE(&a->by_via))
		rb_erase(&a->by_via, &dd->results_via);
}

/*
 * After @e was filled: index it as what it now is, with @spare from
 * dmvpn_result_prepare() (consumed, or freed).
 */
void dmvpn_result_update(struct dmvpn_dev *dd, struct dmvpn_entry *e,
			 struct dmvpn_result *spare)
{
	struct dmvpn_result *a = e->result;

	lockdep_assert_held(&dd->lock);
	if (!dmvpn_is_result(e->type)) {
		kfree(spare);
		dmvpn_result_del(dd, e);
		return;
	}
	if (a) {
		kfree(spare);
		/* The key never changes; the station that answered may. */
		if (!RB_EMPTY_NODE(&a->by_via)) {
			rb_erase(&a->by_via, &dd->results_via);
			RB_CLEAR_NODE(&a->by_via);
		}
	} else {
		a = spare;
		a->e = e;
		e->result = a;
		rb_add(&a->by_prefix, &dd->results, dmvpn_prefix_less);
		RB_CLEAR_NODE(&a->by_via);
	}
	if (e->type == DMVPN_ENTRY_RESOLVED && e->via.family)
		rb_add(&a->by_via, &dd->results_via, dmvpn_via_less);
}

void dmvpn_result_del(struct dmvpn_dev *dd, struct dmvpn_entry *e)
{
	if (!e->result)
		return;
	dmvpn_result_unlink(dd, e->result);
	kfree(e->result);
	e->result = NULL;
}

static bool dmvpn_in_prefix(const struct dmvpn_entry *e,
			    const struct dmvpn_addr *proto, u8 plen)
{
	struct dmvpn_addr masked = e->key.addr;

	if (masked.family != proto->family)
		return false;
	dmvpn_addr_mask(&masked, plen);
	return dmvpn_addr_equal(&masked, proto);
}

/*
 * The results whose address lies in @proto/@plen (masked), in order; the
 * caller skips those shorter than @plen (at most one per length). Returns
 * the next one after @e (NULL: the first), or NULL at the range's end.
 */
struct dmvpn_entry *dmvpn_result_next_in(struct dmvpn_dev *dd,
					 struct dmvpn_entry *e,
					 const struct dmvpn_addr *proto, u8 plen)
{
	struct dmvpn_entry_key lo = { .addr = *proto, .plen = 0 };
	struct rb_node *n, *first = NULL;

	if (e) {
		n = rb_next(&e->result->by_prefix);
	} else {
		for (n = dd->results.rb_node; n; ) {
			struct dmvpn_result *a = rb_entry(n, struct dmvpn_result,
							  by_prefix);

			if (dmvpn_key_cmp(&a->e->key, &lo) >= 0) {
				first = n;
				n = n->rb_left;
			} else {
				n = n->rb_right;
			}
		}
		n = first;
	}
	if (!n)
		return NULL;
	e = rb_entry(n, struct dmvpn_result, by_prefix)->e;
	return dmvpn_in_prefix(e, proto, plen) ? e : NULL;
}

/* The resolved entries @via answered, after @e (NULL: the first). */
struct dmvpn_entry *dmvpn_result_next_via(struct dmvpn_dev *dd,
					  struct dmvpn_entry *e,
					  const struct dmvpn_addr *via)
{
	struct rb_node *n, *first = NULL;

	if (e) {
		n = rb_next(&e->result->by_via);
	} else {
		for (n = dd->results_via.rb_node; n; ) {
			struct dmvpn_result *a = rb_entry(n, struct dmvpn_result,
							  by_via);

			if (dmvpn_addr_cmp(&a->e->via, via) >= 0) {
				first = n;
				n = n->rb_left;
			} else {
				n = n->rb_right;
			}
		}
		n = first;
	}
	if (!n)
		return NULL;
	e = rb_entry(n, struct dmvpn_result, by_via)->e;
	return dmvpn_addr_equal(&e->via, via) ? e : NULL;
}
