// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn NHRP purge of stale answers (RFC 2332 5.2.5): a hub remembers whom
 * it relayed a resolution to, and when the registration that answered it
 * goes away (withdrawn or expired) it tells those requesters to forget
 * the binding instead of letting them use it until its holding time ends.
 *
 * Records live on dd->answers under dd->nhrp_mutex, bounded and expiring
 * with the holding time. Cache removals happen in atomic context, so they
 * only note the address (dmvpn_nhrp_binding_gone()) and a work item sends
 * the purges.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include "nhrp.h"

#define DMVPN_MAX_ANSWERS	4096

struct dmvpn_answer {
	struct list_head	list;
	struct dmvpn_addr	target;
	struct dmvpn_addr	req_nbma;
	struct dmvpn_addr	req_proto;
	unsigned long		expires;	/* jiffies */
};

/* A resolution for @target from @req_nbma/@req_proto was relayed. */
void dmvpn_nhrp_answer_note(struct dmvpn_dev *dd, const struct dmvpn_addr *target,
			    const struct dmvpn_addr *req_nbma,
			    const struct dmvpn_addr *req_proto)
{
	struct dmvpn_answer *a, *tmp;
	unsigned long now = jiffies;

	lockdep_assert_held(&dd->nhrp_mutex);
	list_for_each_entry_safe(a, tmp, &dd->answers, list) {
		if (time_after_eq(now, a->expires)) {
			list_del(&a->list);
			dd->n_answers--;
			kfree(a);
			continue;
		}
		if (dmvpn_addr_equal(&a->target, target) &&
		    dmvpn_addr_equal(&a->req_nbma, req_nbma)) {
			a->expires = now + dmvpn_cfg(dd)->holdtime * HZ;
			return;
		}
	}
	if (dd->n_answers >= DMVPN_MAX_ANSWERS)
		return;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return;
	a->target = *target;
	a->req_nbma = *req_nbma;
	a->req_proto = *req_proto;
	a->expires = now + dmvpn_cfg(dd)->holdtime * HZ;
	list_add_tail(&a->list, &dd->answers);
	dd->n_answers++;
}

/*
 * Send a Purge Request (no reply wanted) to @to, naming @dst (NULL: our
 * own address) as its destination, for @target (NULL: our own binding,
 * as a station withdrawing its registration says it).
 */
void dmvpn_nhrp_purge_send(struct dmvpn_dev *dd, u16 family,
			   const struct dmvpn_addr *to,
			   const struct dmvpn_addr *dst,
			   const struct dmvpn_addr *target, u32 reqid)
{
	struct dmvpn_nhrp_out *o = dmvpn_nhrp_out_scratch(dd);
	struct nhrp_cie cie;

	if (dmvpn_nhrp_out_init(dd, o, NHRP_PURGE_REQUEST, family, to, dst))
		return;
	o->hdr.flags = NHRP_PURGE_FLAG_N;
	o->hdr.request_id = reqid;
	if (dst)
		o->hdr.dst_proto = dmvpn_addr_wire(dst);
	if (target) {
		memset(&cie, 0, sizeof(cie));
		cie.prefix_len = dmvpn_addr_bits(target);
		cie.proto_len = dmvpn_addr_len(target);
		cie.proto = dmvpn_addr_wire(target);
	} else {
		dmvpn_nhrp_self_cie(dd, &cie, &o->nbma, &o->proto,
				    dmvpn_addr_bits(&o->proto), 0);
		cie.holding_time = 0;
	}
	dmvpn_nhrp_out_start(dd, o);
	nhrp_build_cie(&o->b, &cie);
	if (o->secret)
		nhrp_build_auth(&o->b, o->secret, o->secret_len);
	if (!dmvpn_nhrp_out_send(dd, o, to))
		dmvpn_count(dd, DMVPN_CNT_NHRP_PURGE_TX);
}

static void dmvpn_nhrp_stale_work(struct work_struct *work)
{
	struct dmvpn_dev *dd = container_of(work, struct dmvpn_dev, stale_work);
	struct dmvpn_addr gone[ARRAY_SIZE(dd->stale)];
	struct dmvpn_answer *a, *tmp;
	unsigned int i, n;

	spin_lock_bh(&dd->stale_lock);
	n = dd->n_stale;
	memcpy(gone, dd->stale, n * sizeof(gone[0]));
	dd->n_stale = 0;
	spin_unlock_bh(&dd->stale_lock);

	mutex_lock(&dd->nhrp_mutex);
	list_for_each_entry_safe(a, tmp, &dd->answers, list) {
		for (i = 0; i < n; i++)
			if (dmvpn_addr_equal(&a->target, &gone[i]))
				break;
		if (i == n)
			continue;
		if (!READ_ONCE(dd->nhrp_dead))
			dmvpn_nhrp_purge_send(dd, a->target.family, &a->req_nbma,
					      &a->req_proto, &a->target,
					      dmvpn_nhrp_reqid());
		list_del(&a->list);
		dd->n_answers--;
		kfree(a);
	}
	mutex_unlock(&dd->nhrp_mutex);
}

/*
 * A registered binding is going (dd->lock held, maybe in softirq): purge
 * it from whoever we relayed an answer for it to. More than fit in one
 * batch before the work runs are not purged, only left to expire.
 */
void dmvpn_nhrp_binding_gone(struct dmvpn_dev *dd, const struct dmvpn_entry *e)
{
	if (e->type != DMVPN_ENTRY_DYNAMIC || e->key.plen != dmvpn_addr_bits(&e->key.addr))
		return;
	spin_lock(&dd->stale_lock);
	if (dd->n_stale < ARRAY_SIZE(dd->stale))
		dd->stale[dd->n_stale++] = e->key.addr;
	spin_unlock(&dd->stale_lock);
	if (!READ_ONCE(dd->nhrp_dead))
		queue_work(system_wq, &dd->stale_work);
}

void dmvpn_nhrp_answers_init(struct dmvpn_dev *dd)
{
	INIT_LIST_HEAD(&dd->answers);
	spin_lock_init(&dd->stale_lock);
	INIT_WORK(&dd->stale_work, dmvpn_nhrp_stale_work);
}

/* Teardown, after nhrp_dead is set: nothing queues the work any more. */
void dmvpn_nhrp_answers_destroy(struct dmvpn_dev *dd)
{
	struct dmvpn_answer *a, *tmp;

	cancel_work_sync(&dd->stale_work);
	mutex_lock(&dd->nhrp_mutex);
	list_for_each_entry_safe(a, tmp, &dd->answers, list) {
		list_del(&a->list);
		kfree(a);
	}
	dd->n_answers = 0;
	mutex_unlock(&dd->nhrp_mutex);
}
