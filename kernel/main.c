// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn: DMVPN (multipoint GRE + NHRP) as one Linux network device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include "dmvpn.h"

static int __init dmvpn_init(void)
{
	int err;

	err = dmvpn_netns_init();
	if (err)
		goto err_netns;
	err = dmvpn_gre_foreign_init();
	if (err)
		goto err_foreign;
	err = rtnl_link_register(&dmvpn_link_ops);
	if (err)
		goto err_link;
	err = dmvpn_genl_init();
	if (err)
		goto err_genl;
	err = dmvpn_addr_init();
	if (err)
		goto err_addr;
	pr_info("DMVPN multipoint GRE with NHRP loaded\n");
	return 0;

err_addr:
	dmvpn_genl_exit();
err_genl:
	rtnl_link_unregister(&dmvpn_link_ops);
err_link:
	dmvpn_gre_foreign_exit();
err_foreign:
	dmvpn_netns_exit();
err_netns:
	return err;
}

static void __exit dmvpn_exit(void)
{
	dmvpn_addr_exit();
	dmvpn_genl_exit();
	/* Deletes every remaining dmvpn device. */
	rtnl_link_unregister(&dmvpn_link_ops);
	dmvpn_gre_foreign_exit();
	dmvpn_netns_exit();
	/* Peers and entries are freed by RCU callbacks living in this module. */
	rcu_barrier();
}

module_init(dmvpn_init);
module_exit(dmvpn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DMVPN: multipoint GRE with an in-kernel NHRP cache");
MODULE_AUTHOR("The dmvpn developers");
MODULE_ALIAS_RTNL_LINK("dmvpn");
MODULE_ALIAS_GENL_FAMILY(DMVPN_GENL_NAME);
