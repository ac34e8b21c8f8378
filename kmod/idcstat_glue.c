// SPDX-License-Identifier: GPL-2.0
/*
 * idcstat_glue.c - the C side of idcstat.ko.
 *
 * Rust-for-Linux (7.2) has no bindings for generic netlink, netfilter hooks,
 * netdevice notifiers or tracepoint probes, so this file reaches them and
 * nothing else: every decision is made by the Rust side (idcstat_main.rs and
 * the files it includes), which this file calls through the idcstat_rs_*()
 * entry points declared below.  The family's policies and ops table are
 * generated from uapi/idcstat.yaml into uapi/c/ (built by idcstat_nl.c).
 *
 * Contexts:
 *  - packet hooks run with BH disabled (netdev ingress in softirq, egress
 *    under rcu_read_lock_bh), so smp_processor_id() is stable;
 *  - the block tracepoint runs in the submitter's context, preemption off;
 *  - netdevice events run under RTNL; netlink ops in process context.
 * The opaque Rust context pointer @idcstat_ctx is set before anything is
 * registered and cleared only after everything is unregistered and an RCU
 * grace period has passed, so every callback below sees it valid.
 */

#include <linux/blkdev.h>
#include <linux/bio.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_netdev.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "../uapi/c/idcstat-nl.h"
#include "idcstat_glue.h"

/* The Rust context; see the file comment for its lifetime. */
static const void *idcstat_ctx;

/*
 * idcstat_glue_header_bytes - how many frame bytes the hooks copy for Rust.
 * Rust checks at load time that this covers what idcstat-core parses.
 */
u32 idcstat_glue_header_bytes(void)
{
	return IDCSTAT_GLUE_HEADER_BYTES;
}

/* idcstat_glue_random_u64 - a random seed for idcstat-core's table hashes. */
u64 idcstat_glue_random_u64(void)
{
	return get_random_u64();
}

/* idcstat_glue_now_ms - monotonic milliseconds (boot time, counts suspend). */
u64 idcstat_glue_now_ms(void)
{
	return div_u64(ktime_get_boottime_ns(), NSEC_PER_MSEC);
}

/* idcstat_glue_nr_cpu_ids - the number of possible CPU ids (counter shards). */
u32 idcstat_glue_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

/*
 * idcstat_rs_account - hand a frame to Rust's entry point for @dir (a
 * constant wherever idcstat_account() is inlined). @hdr is never NULL.
 */
static __always_inline void idcstat_rs_account(u32 dir, u32 ifindex,
					       const u8 *hdr, size_t hdr_len,
					       u32 frame_len)
{
	if (dir == IDCSTAT_DIR_GUEST_RX)
		idcstat_rs_account_rx(idcstat_ctx, ifindex, smp_processor_id(),
				      hdr, hdr_len, frame_len);
	else
		idcstat_rs_account_tx(idcstat_ctx, ifindex, smp_processor_id(),
				      hdr, hdr_len, frame_len);
}

/*
 * idcstat_account_copied - idcstat_account()'s slow path, for a frame whose
 * first @want bytes from @mac_off are not all in the linear area: copies them
 * out. Out of line so that the fast path has no 128-byte stack buffer, which
 * CONFIG_INIT_STACK_ALL_ZERO would zero and the stack protector would guard on
 * every packet.
 */
static noinline void idcstat_account_copied(const struct sk_buff *skb,
					    int mac_off, unsigned int want,
					    u32 ifindex, u32 dir,
					    unsigned int frame_len)
{
	u8 copy[IDCSTAT_GLUE_HEADER_BYTES];

	if (skb_copy_bits(skb, mac_off, copy, want) < 0)
		want = 0;
	idcstat_rs_account(dir, ifindex, copy, want, frame_len);
}

/*
 * idcstat_account - count one frame crossing vif @ifindex in @dir.
 *
 * Hands Rust the first IDCSTAT_GLUE_HEADER_BYTES of the frame, starting at
 * the Ethernet header, with the frame's full length. On receive (netdev
 * ingress, the tap) skb->data is past the Ethernet header (mac offset -14),
 * at egress it is at it (offset 0, not even read): the frame length is skb->len minus that
 * offset, i.e. what the device's own byte counters count. The bytes are read
 * in place when they are in the linear area (the common case, as
 * skb_header_pointer() does) and copied otherwise.
 */
static __always_inline void idcstat_account(const struct sk_buff *skb, u32 ifindex, u32 dir)
{
	int mac_off = skb_mac_header_was_set(skb) ? skb_mac_offset(skb) : 0;
	unsigned int frame_len, want;

	/*
	 * At egress __dev_queue_xmit() has just reset the mac header to
	 * skb->data, so the frame starts there: no offset to work out.
	 */
	if (dir == IDCSTAT_DIR_GUEST_RX || unlikely(mac_off > 0))
		mac_off = 0;
	frame_len = skb->len - mac_off;
	want = min_t(unsigned int, frame_len, IDCSTAT_GLUE_HEADER_BYTES);
	if (likely((int)skb_headlen(skb) - mac_off >= (int)want))
		idcstat_rs_account(dir, ifindex, skb->data + mac_off, want,
				   frame_len);
	else
		idcstat_account_copied(skb, mac_off, want, ifindex, dir,
				       frame_len);
}

/*
 * idcstat_hook - netfilter netdev hook on a vif: egress (the guest receives),
 * and ingress (the guest transmits) unless the tap counts that. Never drops.
 */
static unsigned int idcstat_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	/*
	 * Two inlined copies, each with a constant direction; the vif is the
	 * egress hook's output device and the ingress hook's input device.
	 */
	if ((uintptr_t)priv == IDCSTAT_DIR_GUEST_RX) {
		if (likely(state->out))
			idcstat_account(skb, state->out->ifindex,
					IDCSTAT_DIR_GUEST_RX);
	} else if (likely(state->in)) {
		idcstat_account(skb, state->in->ifindex, IDCSTAT_DIR_GUEST_TX);
	}
	return NF_ACCEPT;
}

/*
 * idcstat_tap_rcv - device-bound ETH_P_ALL packet_type on a vif: counts what
 * the guest transmits (frames the vif receives). It is delivered with its
 * own reference to @skb (deliver_skb), or as the last handler with the only
 * one; either way it gives its reference back. ignore_outgoing keeps it out
 * of dev_queue_xmit_nit(), which would clone every transmitted frame.
 */
static int idcstat_tap_rcv(struct sk_buff *skb, struct net_device *dev,
			   struct packet_type *pt, struct net_device *orig_dev)
{
	idcstat_account(skb, pt->dev->ifindex, IDCSTAT_DIR_GUEST_TX);
	/*
	 * consume_skb() without the call: on a switch port the bridge or OVS
	 * still holds a reference, so this is one decrement inline. Only the
	 * last reference frees (skipping consume_skb's tracepoint).
	 */
	if (unlikely(skb_unref(skb)))
		__kfree_skb(skb);
	return NET_RX_SUCCESS;
}

/*
 * idcstat_glue_hooks_attach - hook both directions of device @ifindex.
 * @ifindex: a device of the initial network namespace.
 * @ingress_tap: count what the guest transmits with a device-bound packet_type
 *	(cheaper per packet, see docs/idcstat-kernel.md) instead of a netfilter
 *	ingress hook.
 * @err: set to a negative errno when NULL is returned.
 *
 * Caller holds RTNL, which keeps the device registered until the hooks are
 * detached from its NETDEV_UNREGISTER event. Returns NULL (-ENODEV) if the
 * device does not exist (yet), or on allocation/registration failure.
 */
struct idcstat_vif_hooks *idcstat_glue_hooks_attach(u32 ifindex, bool ingress_tap, int *err)
{
	struct idcstat_vif_hooks *hooks;
	struct nf_hook_ops *ops;
	struct net_device *dev;

	ASSERT_RTNL();
	dev = __dev_get_by_index(&init_net, ifindex);
	if (!dev) {
		*err = -ENODEV;
		return NULL;
	}
	hooks = kzalloc(sizeof(*hooks), GFP_KERNEL);
	if (!hooks) {
		*err = -ENOMEM;
		return NULL;
	}
	hooks->dev = dev;
	/* Egress: last, so that other filters do not hide what the guest receives. */
	ops = &hooks->ops[hooks->n_ops++];
	ops->hooknum = NF_NETDEV_EGRESS;
	ops->priv = (void *)(uintptr_t)IDCSTAT_DIR_GUEST_RX;
	ops->priority = INT_MAX - 1;
	if (!ingress_tap) {
		/* Ingress: first, so that filters do not hide what the guest sent. */
		ops = &hooks->ops[hooks->n_ops++];
		ops->hooknum = NF_NETDEV_INGRESS;
		ops->priv = (void *)(uintptr_t)IDCSTAT_DIR_GUEST_TX;
		ops->priority = INT_MIN + 1;
	}
	for (ops = hooks->ops; ops < hooks->ops + hooks->n_ops; ops++) {
		ops->hook = idcstat_hook;
		ops->dev = dev;
		ops->pf = NFPROTO_NETDEV;
	}
	*err = nf_register_net_hooks(&init_net, hooks->ops, hooks->n_ops);
	if (*err) {
		kfree(hooks);
		return NULL;
	}
	if (ingress_tap) {
		hooks->tap.type = htons(ETH_P_ALL);
		hooks->tap.dev = dev;
		hooks->tap.func = idcstat_tap_rcv;
		hooks->tap.ignore_outgoing = true;
		dev_add_pack(&hooks->tap);
		hooks->tapped = true;
	}
	return hooks;
}

/*
 * idcstat_glue_hooks_detach - undo idcstat_glue_hooks_attach().
 *
 * Must run before the device is freed (from its NETDEV_UNREGISTER event or
 * while RTNL keeps it registered). Waits for hooks still running on other
 * CPUs (synchronize_net) before freeing, so that Rust may forget the vif
 * right after this returns.
 */
void idcstat_glue_hooks_detach(struct idcstat_vif_hooks *hooks)
{
	if (hooks->tapped)
		__dev_remove_pack(&hooks->tap);
	nf_unregister_net_hooks(&init_net, hooks->ops, hooks->n_ops);
	synchronize_net();
	kfree(hooks);
}

/* idcstat_glue_rtnl_lock - take RTNL (netlink config ops that attach hooks). */
void idcstat_glue_rtnl_lock(void)
{
	rtnl_lock();
}

/* idcstat_glue_rtnl_unlock - release RTNL. */
void idcstat_glue_rtnl_unlock(void)
{
	rtnl_unlock();
}

/*
 * idcstat_netdev_event - netdevice notifier: tells Rust about devices of the
 * initial namespace appearing (registered or renamed) and going.
 */
static int idcstat_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (!net_eq(dev_net(dev), &init_net))
		return NOTIFY_DONE;
	switch (event) {
	case NETDEV_REGISTER:
	case NETDEV_CHANGENAME:
		idcstat_rs_netdev_event(idcstat_ctx, IDCSTAT_NETDEV_APPEARED, dev->ifindex,
					dev->name, strnlen(dev->name, IFNAMSIZ));
		break;
	case NETDEV_UNREGISTER:
		idcstat_rs_netdev_event(idcstat_ctx, IDCSTAT_NETDEV_REMOVED, dev->ifindex,
					dev->name, strnlen(dev->name, IFNAMSIZ));
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block idcstat_netdev_notifier = {
	.notifier_call = idcstat_netdev_event,
};

/*
 * idcstat_bio_queue_probe - probe on the block_bio_queue tracepoint.
 *
 * Sees every bio submitted to any block device once per device (stacked
 * drivers resubmit to the lower device, which has another dev_t). Only reads
 * and writes with data are passed on: flushes, discards and zero-length bios
 * are not I/O to swap.
 */
static void idcstat_bio_queue_probe(void *data, struct bio *bio)
{
	enum req_op op = bio_op(bio);

	if ((op != REQ_OP_READ && op != REQ_OP_WRITE) || !bio->bi_bdev || !bio_sectors(bio))
		return;
	idcstat_rs_account_bio(data, bio->bi_bdev->bd_dev, bio->bi_iter.bi_sector,
			       bio_sectors(bio), op == REQ_OP_WRITE);
}

static struct tracepoint *idcstat_bio_queue_tp;

/* Finds the built-in block_bio_queue tracepoint (it is not exported). */
static void idcstat_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "block_bio_queue"))
		idcstat_bio_queue_tp = tp;
}

/*
 * idcstat_glue_register - register everything, in dependency order.
 * @ctx: the Rust context every callback gets back.
 *
 * The notifier comes last: registering it replays NETDEV_REGISTER for every
 * existing device, which may attach hooks and send events. Unwinds on error.
 */
int idcstat_glue_register(const void *ctx)
{
	int err;

	idcstat_ctx = ctx;
	err = genl_register_family(&idcstat_nl_family);
	if (err)
		goto out_ctx;
	for_each_kernel_tracepoint(idcstat_find_tracepoint, NULL);
	if (!idcstat_bio_queue_tp) {
		pr_err("idcstat: tracepoint block_bio_queue not found\n");
		err = -ENOENT;
		goto out_genl;
	}
	err = tracepoint_probe_register(idcstat_bio_queue_tp,
					(void *)idcstat_bio_queue_probe, (void *)ctx);
	if (err)
		goto out_genl;
	err = register_netdevice_notifier(&idcstat_netdev_notifier);
	if (err)
		goto out_tp;
	return 0;

out_tp:
	tracepoint_probe_unregister(idcstat_bio_queue_tp, (void *)idcstat_bio_queue_probe,
				    (void *)ctx);
	tracepoint_synchronize_unregister();
out_genl:
	genl_unregister_family(&idcstat_nl_family);
out_ctx:
	idcstat_ctx = NULL;
	return err;
}

/*
 * idcstat_glue_unregister - undo idcstat_glue_register().
 *
 * Unregistering the notifier replays NETDEV_UNREGISTER for every device, so
 * Rust detaches every vif's hooks on the way. The genl family goes last so
 * that departure events can still be sent; genl_unregister_family() waits for
 * requests in flight, and dumps in progress hold a module reference. Then one
 * more grace period for packet hooks and probes still running elsewhere.
 */
void idcstat_glue_unregister(void)
{
	unregister_netdevice_notifier(&idcstat_netdev_notifier);
	tracepoint_probe_unregister(idcstat_bio_queue_tp, (void *)idcstat_bio_queue_probe,
				    (void *)idcstat_ctx);
	tracepoint_synchronize_unregister();
	genl_unregister_family(&idcstat_nl_family);
	synchronize_net();
	idcstat_ctx = NULL;
}

/* idcstat_glue_msg_new - a message buffer for a reply or an event. */
struct sk_buff *idcstat_glue_msg_new(void)
{
	return genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
}

/* idcstat_glue_msg_free - free a message that was not sent. */
void idcstat_glue_msg_free(struct sk_buff *skb)
{
	nlmsg_free(skb);
}

/* idcstat_glue_msg_put_reply_header - genl header of a reply to @info. */
void *idcstat_glue_msg_put_reply_header(struct sk_buff *skb, struct genl_info *info, u8 cmd)
{
	return genlmsg_put_reply(skb, info, &idcstat_nl_family, 0, cmd);
}

/* idcstat_glue_msg_put_event_header - genl header of a multicast event. */
void *idcstat_glue_msg_put_event_header(struct sk_buff *skb, u8 cmd)
{
	return genlmsg_put(skb, 0, 0, &idcstat_nl_family, 0, cmd);
}

/*
 * idcstat_glue_dump_put_header - genl header of one dump entry; marks the
 * message NLM_F_DUMP_INTR if the structure changed since the dump began
 * (cb->seq, set by idcstat_glue_dump_set_seq).
 */
void *idcstat_glue_dump_put_header(struct idcstat_nl_dump *dump, u8 cmd)
{
	void *hdr = genlmsg_put(dump->skb, NETLINK_CB(dump->cb->skb).portid,
				dump->cb->nlh->nlmsg_seq, &idcstat_nl_family,
				NLM_F_MULTI, cmd);

	if (hdr)
		genl_dump_check_consistent(dump->cb, hdr);
	return hdr;
}

/* idcstat_glue_dump_set_seq - the structure version this dump call sees. */
void idcstat_glue_dump_set_seq(struct idcstat_nl_dump *dump, u32 seq)
{
	dump->cb->seq = seq;
}

/* idcstat_glue_msg_end - finish the message started at @hdr. */
void idcstat_glue_msg_end(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
}

/* idcstat_glue_msg_cancel - drop the partial message started at @hdr. */
void idcstat_glue_msg_cancel(struct sk_buff *skb, void *hdr)
{
	genlmsg_cancel(skb, hdr);
}

/* idcstat_glue_msg_reply - send @skb as the reply to @info (consumes it). */
int idcstat_glue_msg_reply(struct sk_buff *skb, struct genl_info *info)
{
	return genlmsg_reply(skb, info);
}

/*
 * idcstat_glue_msg_multicast - send @skb to the "events" group of the
 * initial namespace (consumes it). -ESRCH (no listener) is not an error.
 */
int idcstat_glue_msg_multicast(struct sk_buff *skb)
{
	int err = genlmsg_multicast(&idcstat_nl_family, skb, 0, IDCSTAT_NLGRP_EVENTS,
				    GFP_KERNEL);

	return err == -ESRCH ? 0 : err;
}

/* idcstat_glue_msg_len - bytes used in @skb (a dumpit's return value). */
int idcstat_glue_msg_len(struct sk_buff *skb)
{
	return skb->len;
}

/* idcstat_glue_put_u32 - put a u32 attribute. */
int idcstat_glue_put_u32(struct sk_buff *skb, u16 type, u32 value)
{
	return nla_put_u32(skb, type, value);
}

/* idcstat_glue_put_uint - put a YNL "uint" attribute (4 or 8 bytes). */
int idcstat_glue_put_uint(struct sk_buff *skb, u16 type, u64 value)
{
	return nla_put_uint(skb, type, value);
}

/* idcstat_glue_put_binary - put a binary attribute of @len bytes. */
int idcstat_glue_put_binary(struct sk_buff *skb, u16 type, const void *data, u32 len)
{
	return nla_put(skb, type, len, data);
}

/* idcstat_glue_put_flag - put a flag attribute. */
int idcstat_glue_put_flag(struct sk_buff *skb, u16 type)
{
	return nla_put_flag(skb, type);
}

/* idcstat_glue_nest_start - open a nested attribute (NULL when full). */
struct nlattr *idcstat_glue_nest_start(struct sk_buff *skb, u16 type)
{
	return nla_nest_start(skb, type);
}

/* idcstat_glue_nest_end - close a nested attribute. */
void idcstat_glue_nest_end(struct sk_buff *skb, struct nlattr *nest)
{
	nla_nest_end(skb, nest);
}

/* idcstat_glue_set_err_msg - extack message of the error reply to @info. */
void idcstat_glue_set_err_msg(struct genl_info *info, const char *msg)
{
	NL_SET_ERR_MSG_FMT(info->extack, "%s", msg);
}

/* Only the initial network namespace is served (the family is netnsok). */
static bool idcstat_net_ok(struct net *net)
{
	return net_eq(net, &init_net);
}

/* Trampoline of every "do" op: namespace check, then Rust. */
static int idcstat_doit(u8 cmd, struct genl_info *info)
{
	struct idcstat_nl_request req = {
		.info = info,
		.attrs = genlmsg_data(info->genlhdr),
		.attrs_len = genlmsg_len(info->genlhdr),
	};

	if (!idcstat_net_ok(genl_info_net(info))) {
		GENL_SET_ERR_MSG(info, "idcstat serves the initial network namespace only");
		return -EOPNOTSUPP;
	}
	return idcstat_rs_nl_doit(idcstat_ctx, cmd, &req);
}

/* Trampoline of every dump op: cursor in cb->args[0..2], then Rust. */
static int idcstat_dumpit(u8 cmd, struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genlmsghdr *ghdr = nlmsg_data(cb->nlh);
	struct idcstat_nl_dump dump = {
		.skb = skb,
		.cb = cb,
		.attrs = genlmsg_data(ghdr),
		.attrs_len = max_t(int, 0, nlmsg_len(cb->nlh) - GENL_HDRLEN),
		.cursor = { cb->args[0], cb->args[1], cb->args[2] },
	};
	int ret;

	if (!idcstat_net_ok(sock_net(skb->sk)))
		return -EOPNOTSUPP;
	ret = idcstat_rs_nl_dumpit(idcstat_ctx, cmd, &dump);
	cb->args[0] = dump.cursor[0];
	cb->args[1] = dump.cursor[1];
	cb->args[2] = dump.cursor[2];
	return ret;
}

/* Handlers named by idcstat_nl_gen.c's ops table. */
int idcstat_nl_domain_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return idcstat_doit(IDCSTAT_CMD_DOMAIN_GET, info);
}

int idcstat_nl_domain_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return idcstat_dumpit(IDCSTAT_CMD_DOMAIN_GET, skb, cb);
}

int idcstat_nl_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return idcstat_dumpit(IDCSTAT_CMD_PEER_GET, skb, cb);
}

int idcstat_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return idcstat_doit(IDCSTAT_CMD_CONFIG_GET, info);
}

int idcstat_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return idcstat_doit(IDCSTAT_CMD_CONFIG_SET, info);
}

int idcstat_nl_departed_ack_doit(struct sk_buff *skb, struct genl_info *info)
{
	return idcstat_doit(IDCSTAT_CMD_DEPARTED_ACK, info);
}

int idcstat_nl_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	return idcstat_doit(IDCSTAT_CMD_RESET, info);
}
