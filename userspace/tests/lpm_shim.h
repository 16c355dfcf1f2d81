/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel helpers kernel/lpm.c uses, so that it builds unchanged in
 * userspace. RCU accessors become C11 atomics with the same ordering
 * (release to publish, acquire to read). The allocator counts live objects
 * so a test can check that everything allocated was freed, and can be told
 * to fail. kfree_rcu() frees at once, so ASan catches a writer touching a
 * node it has already retired; with lpm_shim_defer set it only queues the
 * node until lpm_shim_synchronize(), which plays the grace period for
 * tests with concurrent readers.
 *
 * The state is defined by the test (LPM_SHIM_STATE), once.
 */
#ifndef _DMVPN_LPM_SHIM_H
#define _DMVPN_LPM_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include "kcompat.h"

#define __rcu

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define rcu_read_lock()		do { } while (0)
#define rcu_read_unlock()	do { } while (0)
#define rcu_read_lock_any_held()	1
#define rcu_dereference(p)	__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_dereference_check(p, c)	((void)(c), rcu_dereference(p))
#define rcu_dereference_protected(p, c)	((void)(c), rcu_dereference(p))
#define rcu_assign_pointer(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

#define GFP_ATOMIC	0

extern long lpm_shim_live;	/* objects allocated and not yet freed */
extern long lpm_shim_allocs;	/* allocations ever */
extern long lpm_shim_fail_in;	/* > 0: the allocation this many on fails */
extern long lpm_shim_warnings;
extern int lpm_shim_defer;	/* kfree_rcu() queues instead of freeing */
extern void **lpm_shim_queue;
extern size_t lpm_shim_queued, lpm_shim_queue_cap;

#define LPM_SHIM_STATE							\
	long lpm_shim_live, lpm_shim_allocs, lpm_shim_fail_in,		\
		lpm_shim_warnings;					\
	int lpm_shim_defer;						\
	void **lpm_shim_queue;						\
	size_t lpm_shim_queued, lpm_shim_queue_cap

static inline void *kzalloc(size_t size, int gfp)
{
	void *p;

	(void)gfp;
	if (lpm_shim_fail_in > 0 && !--lpm_shim_fail_in)
		return NULL;
	p = calloc(1, size);
	if (p) {
		lpm_shim_live++;
		lpm_shim_allocs++;
	}
	return p;
}

static inline void kfree(void *p)
{
	if (p)
		lpm_shim_live--;
	free(p);
}

static inline void lpm_shim_retire(void *p)
{
	if (!lpm_shim_defer) {
		kfree(p);
		return;
	}
	if (lpm_shim_queued == lpm_shim_queue_cap) {
		lpm_shim_queue_cap = lpm_shim_queue_cap * 2 + 64;
		lpm_shim_queue = realloc(lpm_shim_queue, lpm_shim_queue_cap *
					 sizeof(*lpm_shim_queue));
		if (!lpm_shim_queue)
			abort();
	}
	lpm_shim_queue[lpm_shim_queued++] = p;
}

/* The end of a grace period: every retired object goes. */
static inline void lpm_shim_synchronize(void)
{
	while (lpm_shim_queued)
		kfree(lpm_shim_queue[--lpm_shim_queued]);
}

#define kfree_rcu(p, field)	lpm_shim_retire(p)

static inline int lpm_shim_warn(int cond, const char *what,
				const char *file, int line)
{
	if (cond) {
		lpm_shim_warnings++;
		printf("# WARNING %s:%d: %s\n", file, line, what);
	}
	return cond;
}

#define WARN_ON_ONCE(c)	lpm_shim_warn(!!(c), #c, __FILE__, __LINE__)

#endif /* _DMVPN_LPM_SHIM_H */
