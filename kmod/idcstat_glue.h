/* SPDX-License-Identifier: GPL-2.0 */
/*
 * idcstat_glue.h - the interface between idcstat_glue.c and the Rust side of
 * idcstat.ko. kmod/glue_ffi.rs mirrors every declaration here by hand; the
 * kernel structures stay opaque to Rust.
 */
#ifndef _IDCSTAT_GLUE_H
#define _IDCSTAT_GLUE_H

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <net/genetlink.h>

/* Bytes of each frame handed to Rust (>= idcstat-core's HEADER_BYTES_NEEDED). */
#define IDCSTAT_GLUE_HEADER_BYTES 128

/* Direction codes shared with Rust (idcstat_main.rs, `Direction::from_glue`). */
#define IDCSTAT_DIR_GUEST_TX 0	/* entering dom0 from the vif: netdev ingress */
#define IDCSTAT_DIR_GUEST_RX 1	/* leaving dom0 through the vif: netdev egress */

/* Netdevice event codes shared with Rust (`NetdevEvent`). */
#define IDCSTAT_NETDEV_APPEARED 0
#define IDCSTAT_NETDEV_REMOVED 1

/**
 * struct idcstat_nl_request - a validated "do" request handed to Rust.
 * @info: the genetlink request (reply address, extack).
 * @attrs: the request's top-level attributes (already policy-validated).
 * @attrs_len: their length in bytes.
 */
struct idcstat_nl_request {
	struct genl_info *info;
	const void *attrs;
	u32 attrs_len;
};

/**
 * struct idcstat_nl_dump - one dumpit call handed to Rust.
 * @skb: the message buffer to fill.
 * @cb: the dump's netlink callback (sequence, consistency check).
 * @attrs: the dump request's attributes (already policy-validated).
 * @attrs_len: their length in bytes.
 * @cursor: where the previous call stopped (kept in cb->args[0..2]).
 */
struct idcstat_nl_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const void *attrs;
	u32 attrs_len;
	u64 cursor[3];
};

/**
 * struct idcstat_vif_hooks - what counts one vif's frames, both directions.
 * @dev: the hooked device (registered while hooked: see detach).
 * @ops: netfilter netdev hooks: [0] egress (guest receive), then [1] ingress
 *	(guest transmit) unless @tap counts that direction.
 * @n_ops: hooks registered in @ops (1 or 2).
 * @tap: device-bound ETH_P_ALL packet_type for the guest's transmit.
 * @tapped: @tap is registered.
 */
struct idcstat_vif_hooks {
	struct net_device *dev;
	struct nf_hook_ops ops[2];
	unsigned int n_ops;
	struct packet_type tap;
	bool tapped;
};

/* Rust entry points (idcstat_main.rs). */
void idcstat_rs_account_tx(const void *ctx, u32 ifindex, u32 cpu,
			   const u8 *hdr, size_t hdr_len, u32 frame_len);
void idcstat_rs_account_rx(const void *ctx, u32 ifindex, u32 cpu,
			   const u8 *hdr, size_t hdr_len, u32 frame_len);
void idcstat_rs_account_bio(const void *ctx, u32 dev, u64 sector, u64 nr_sectors,
			    bool is_write);
void idcstat_rs_netdev_event(const void *ctx, u32 event, u32 ifindex,
			     const char *name, u32 name_len);
int idcstat_rs_nl_doit(const void *ctx, u8 cmd, struct idcstat_nl_request *req);
int idcstat_rs_nl_dumpit(const void *ctx, u8 cmd, struct idcstat_nl_dump *dump);

/* Functions of idcstat_glue.c called by Rust (glue_ffi.rs). */
u32 idcstat_glue_header_bytes(void);
u64 idcstat_glue_random_u64(void);
u64 idcstat_glue_now_ms(void);
u32 idcstat_glue_nr_cpu_ids(void);
int idcstat_glue_register(const void *ctx);
void idcstat_glue_unregister(void);
void idcstat_glue_rtnl_lock(void);
void idcstat_glue_rtnl_unlock(void);
struct idcstat_vif_hooks *idcstat_glue_hooks_attach(u32 ifindex, bool ingress_tap, int *err);
void idcstat_glue_hooks_detach(struct idcstat_vif_hooks *hooks);
struct sk_buff *idcstat_glue_msg_new(void);
void idcstat_glue_msg_free(struct sk_buff *skb);
void *idcstat_glue_msg_put_reply_header(struct sk_buff *skb, struct genl_info *info, u8 cmd);
void *idcstat_glue_msg_put_event_header(struct sk_buff *skb, u8 cmd);
void *idcstat_glue_dump_put_header(struct idcstat_nl_dump *dump, u8 cmd);
void idcstat_glue_dump_set_seq(struct idcstat_nl_dump *dump, u32 seq);
void idcstat_glue_msg_end(struct sk_buff *skb, void *hdr);
void idcstat_glue_msg_cancel(struct sk_buff *skb, void *hdr);
int idcstat_glue_msg_reply(struct sk_buff *skb, struct genl_info *info);
int idcstat_glue_msg_multicast(struct sk_buff *skb);
int idcstat_glue_msg_len(struct sk_buff *skb);
int idcstat_glue_put_u32(struct sk_buff *skb, u16 type, u32 value);
int idcstat_glue_put_uint(struct sk_buff *skb, u16 type, u64 value);
int idcstat_glue_put_binary(struct sk_buff *skb, u16 type, const void *data, u32 len);
int idcstat_glue_put_flag(struct sk_buff *skb, u16 type);
struct nlattr *idcstat_glue_nest_start(struct sk_buff *skb, u16 type);
void idcstat_glue_nest_end(struct sk_buff *skb, struct nlattr *nest);
void idcstat_glue_set_err_msg(struct genl_info *info, const char *msg);

#endif /* _IDCSTAT_GLUE_H */
