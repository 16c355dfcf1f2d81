// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing for dmvpnctl: resolve the family, send a
 * request, collect replies, and print the kernel's extack message when a
 * request is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include "dmvpnctl.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *sock;
static int family;

struct ctl_ctx {
	int done;
	int err;
	ctl_dump_fn fn;
	void *arg;
};

int ctl_open(void)
{
	int one = 1;

	if (sock)
		return 0;
	sock = nl_socket_alloc();
	if (!sock || genl_connect(sock)) {
		fprintf(stderr, "dmvpnctl: cannot open a generic netlink socket\n");
		return -1;
	}
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	family = genl_ctrl_resolve(sock, DMVPN_GENL_NAME);
	if (family < 0) {
		fprintf(stderr,
			"dmvpnctl: dmvpn module not loaded (generic netlink family %s not found)\n",
			DMVPN_GENL_NAME);
		return -1;
	}
	return 0;
}

void ctl_close(void)
{
	if (sock)
		nl_socket_free(sock);
	sock = NULL;
}

/* Opens the socket on first use, so usage errors need no module. */
struct nl_msg *ctl_request(uint8_t cmd, int dump)
{
	struct nl_msg *msg;

	if (ctl_open())
		return NULL;
	msg = nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 dump ? NLM_F_DUMP : NLM_F_ACK, cmd, DMVPN_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The kernel's explanation, from the extended ack attributes. */
static const char *extack_msg(struct nlmsghdr *nlh)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlmsgerr *e = nlmsg_data(nlh);
	int off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)e + off),
		      nlmsg_datalen(nlh) - off, NULL) || !tb[NLMSGERR_ATTR_MSG])
		return NULL;
	return nla_get_string(tb[NLMSGERR_ATTR_MSG]);
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct ctl_ctx *ctx = arg;
	const char *msg = extack_msg(nlh);

	(void)nla;
	ctx->err = e->error;
	ctx->done = 1;
	if (e->error)
		fprintf(stderr, "dmvpnctl: %s\n", msg ? msg : strerror(-e->error));
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct ctl_ctx *ctx = arg;

	(void)msg;
	ctx->done = 1;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *attrs[DMVPN_A_MAX + 1];
	struct ctl_ctx *ctx = arg;

	if (!ctx->fn)
		return NL_OK;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, DMVPN_A_MAX, NULL))
		return NL_SKIP;
	return ctx->fn(attrs, ctx->arg) ? NL_STOP : NL_OK;
}

static int ctl_run(struct nl_msg *msg, struct ctl_ctx *ctx)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc;

	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, ctx);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, ctx);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, ctx);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, ctx);
	rc = nl_send_auto(sock, msg);
	nlmsg_free(msg);
	while (rc >= 0 && !ctx->done)
		rc = nl_recvmsgs(sock, cb);
	nl_cb_put(cb);
	if (ctx->err)
		return ctx->err;
	if (rc < 0) {
		fprintf(stderr, "dmvpnctl: netlink: %s\n", nl_geterror(rc));
		return -EIO;
	}
	return 0;
}

int ctl_do(struct nl_msg *msg)
{
	struct ctl_ctx ctx = { 0 };

	return ctl_run(msg, &ctx);
}

int ctl_dump(struct nl_msg *msg, ctl_dump_fn fn, void *arg)
{
	struct ctl_ctx ctx = { .fn = fn, .arg = arg };

	return ctl_run(msg, &ctx);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct ctl_ctx *ctx = arg;

	if (g->cmd != DMVPN_CMD_EVENT_NTF)
		return NL_SKIP;
	if (on_valid(msg, arg) == NL_STOP)
		ctx->done = 1;
	return ctx->done ? NL_STOP : NL_OK;
}

/* Notifications carry sequence number 0: nothing to match. */
static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/*
 * Joins the "events" group first and only then returns to the caller's
 * loop: nothing is printed before the subscription holds, so a caller that
 * sees the socket subscribed (or the first line) misses no later event.
 */
int ctl_monitor(ctl_dump_fn fn, void *arg)
{
	struct ctl_ctx ctx = { .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int grp, rc = 0;

	if (ctl_open())
		return -ENOENT;
	grp = genl_ctrl_resolve_grp(sock, DMVPN_GENL_NAME, DMVPN_MCGRP_EVENTS);
	if (grp < 0) {
		fprintf(stderr, "dmvpnctl: the dmvpn family has no \"%s\" group (older module?)\n",
			DMVPN_MCGRP_EVENTS);
		return -ENOENT;
	}
	rc = nl_socket_add_membership(sock, grp);
	if (rc) {
		fprintf(stderr, "dmvpnctl: cannot join the events group: %s\n",
			nl_geterror(rc));
		return -EIO;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &ctx);
	while (!ctx.done) {
		rc = nl_recvmsgs(sock, cb);
		if (rc == -NLE_NOMEM) {
			/* ENOBUFS: the socket overflowed, events were lost. */
			fprintf(stderr, "dmvpnctl: events lost (receive buffer overrun)\n");
			rc = 0;
			continue;
		}
		if (rc < 0 && rc != -NLE_INTR && rc != -NLE_AGAIN)
			break;
		rc = 0;
	}
	nl_cb_put(cb);
	if (rc < 0) {
		fprintf(stderr, "dmvpnctl: netlink: %s\n", nl_geterror(rc));
		return -EIO;
	}
	return 0;
}
