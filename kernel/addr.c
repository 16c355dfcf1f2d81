// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn: an address added to a dmvpn device that is up is registered at
 * once. A spoke registers its tunnel address of each family; the first of
 * a family added after the device came up would otherwise wait for the
 * next refresh, a third of the holding time (40 min by default).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include "dmvpn.h"
#include "nhrp.h"

/*
 * Both chains run under RTNL for NETDEV_UP, as dev_close() and the
 * device's teardown do: a device seen running here has not been torn down
 * yet, and dmvpn_nhrp_destroy() cancels what is queued. The IPv6 chain is
 * atomic: the registration itself runs from a work item.
 */
static int dmvpn_addr_up(struct net_device *dev, unsigned long event)
{
	struct dmvpn_dev *dd;

	if (event != NETDEV_UP || dev->rtnl_link_ops != &dmvpn_link_ops)
		return NOTIFY_DONE;
	dd = netdev_priv(dev);
	if (netif_running(dev) && !READ_ONCE(dd->nhrp_dead))
		queue_work(system_wq, &dd->addr_work);
	return NOTIFY_DONE;
}

static int dmvpn_inetaddr_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	const struct in_ifaddr *ifa = ptr;

	return dmvpn_addr_up(ifa->ifa_dev->dev, event);
}

static int dmvpn_inet6addr_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	const struct inet6_ifaddr *ifa = ptr;

	return dmvpn_addr_up(ifa->idev->dev, event);
}

static struct notifier_block dmvpn_inetaddr_nb = {
	.notifier_call = dmvpn_inetaddr_event,
};

static struct notifier_block dmvpn_inet6addr_nb = {
	.notifier_call = dmvpn_inet6addr_event,
};

void dmvpn_nhrp_addr_work(struct work_struct *work)
{
	struct dmvpn_dev *dd = container_of(work, struct dmvpn_dev, addr_work);

	if (!READ_ONCE(dd->nhrp_dead) && netif_running(dd->dev))
		dmvpn_nhs_register_new(dd);
}

int dmvpn_addr_init(void)
{
	int err;

	err = register_inetaddr_notifier(&dmvpn_inetaddr_nb);
	if (err)
		return err;
	err = register_inet6addr_notifier(&dmvpn_inet6addr_nb);
	if (err)
		unregister_inetaddr_notifier(&dmvpn_inetaddr_nb);
	return err;
}

void dmvpn_addr_exit(void)
{
	unregister_inet6addr_notifier(&dmvpn_inet6addr_nb);
	unregister_inetaddr_notifier(&dmvpn_inetaddr_nb);
}
